#!/usr/bin/env bash
# A real XRootD server (Debian's xrootd-server, with its HTTP plugin) on 127.0.0.1, serving a
# folder read-only over root:// and http://, for the remote-reading tests and benchmarks.
#
#   bash scripts/xrootd_server.sh install          # apt-get the server (CI; needs root)
#   eval "$(bash scripts/xrootd_server.sh start DIR)"
#       # exports HEPFRAME_XROOTD_URL=root://127.0.0.1:PORT/ and HEPFRAME_HTTP_URL=http://127.0.0.1:PORT/
#       # (a file DIR/a/b.root is ${HEPFRAME_XROOTD_URL}/a/b.root) and HEPFRAME_XROOTD_RUN (its state);
#       # with openssl, the server also speaks TLS (a test CA made here signs its certificate):
#       # roots:// on the first port and https:// on the second, and HEPFRAME_XROOTD_CA names the
#       # CA's PEM file
#   bash scripts/xrootd_server.sh stop "$HEPFRAME_XROOTD_RUN"
#
# Free ports are picked at start. As root the server runs as the package's `xrootd` user
# (xrootd refuses to run as root), so DIR must be readable by others. The server listens on all
# interfaces (xrootd 5.5 has no loopback-only directive); clients use 127.0.0.1.
# See ../shared/research/remote-io.md for what was verified about this server.
set -euo pipefail

cmd=${1:-}
case "$cmd" in
  install)
    # openssl makes the test CA that lets the same server take roots:// and https://.
    if ! command -v xrootd >/dev/null || ! command -v openssl >/dev/null; then
      export DEBIAN_FRONTEND=noninteractive
      sudo=()
      [ "$(id -u)" = 0 ] || sudo=(sudo)
      ("${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq xrootd-server \
        xrootd-client xrootd-server-plugins openssl) >/dev/null
    fi
    command -v xrootd >/dev/null && command -v openssl >/dev/null
    ;;
  start)
    dir=$(cd "${2:?usage: start DIR}" && pwd)
    run=$(mktemp -d /tmp/hepframe-xrootd.XXXXXX)
    mkdir -p "$run/admin" "$run/run" "$run/log"
    free_port() {
      python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    }
    xport=$(free_port)
    hport=$(free_port)
    while [ "$hport" = "$xport" ]; do hport=$(free_port); done
    cat > "$run/xrootd.cfg" <<EOF
xrd.port $xport
oss.localroot $dir
all.export / nolock r/o
all.adminpath $run/admin
all.pidpath $run/run
xrd.protocol XrdHttp:$hport libXrdHttp.so
EOF
    # TLS: a CA of our own and a certificate for 127.0.0.1 signed by it (rustls refuses a
    # self-signed CA certificate used as the server's own). With xrd.tls the same ports take
    # roots:// (kXR_gotoTLS after kXR_protocol) and https:// besides root:// and http://.
    tls=
    if command -v openssl >/dev/null; then
      t="$run/tls"
      mkdir -p "$t"
      if (cd "$t" &&
          openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
            -subj "/CN=hepframe test CA" -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" &&
          openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
            -subj "/CN=127.0.0.1" &&
          printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
            "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > ext.cnf &&
          openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -out server.pem -days 30 -extfile ext.cnf &&
          mkdir certdir && cp ca.pem certdir/ && openssl rehash certdir) >/dev/null 2>&1; then
        # xrootd refuses a key that others can read.
        chmod 600 "$t/server.key" "$t/ca.key"
        printf 'xrd.tls %s %s\nxrd.tlsca certdir %s\n' "$t/server.pem" "$t/server.key" \
          "$t/certdir" >> "$run/xrootd.cfg"
        tls=$t/ca.pem
      fi
    fi
    user=()
    if [ "$(id -u)" = 0 ]; then
      chown -R xrootd "$run"
      user=(-R xrootd)
    fi
    xrootd "${user[@]}" -c "$run/xrootd.cfg" -l "$run/log/xrootd.log" -b >/dev/null 2>&1
    for _ in $(seq 1 100); do
      if grep -q "initialization completed" "$run"/log/xrootd.log* 2>/dev/null; then
        echo "export HEPFRAME_XROOTD_URL=root://127.0.0.1:$xport/"
        echo "export HEPFRAME_HTTP_URL=http://127.0.0.1:$hport/"
        [ -n "$tls" ] && echo "export HEPFRAME_XROOTD_CA=$tls"
        echo "export HEPFRAME_XROOTD_RUN=$run"
        exit 0
      fi
      sleep 0.1
    done
    echo "xrootd did not start; its log:" >&2
    cat "$run"/log/xrootd.log* >&2 || true
    exit 1
    ;;
  stop)
    run=${2:?usage: stop RUN_DIR}
    find "$run/run" -name '*.pid' -exec sh -c 'kill "$(cat "$1")" 2>/dev/null || true' _ {} \;
    rm -rf "$run"
    ;;
  *)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac

#!/usr/bin/env bash
# The remote-reading benchmark of issue #15: ADL q5 and q8, single-threaded, on one file read
# locally and from a real XRootD server (scripts/xrootd_server.sh, root:// and its HTTP plugin)
# through a proxy adding 10 ms and 50 ms of round-trip time (crates/rootio/examples/
# latency_proxy.rs; bench/latency_proxy.py is the same in Python, slower), with hepframe,
# uproot + awkward and ROOT RDataFrame (bench/remote_peers.py, bench/remote_rdf.C).
#
# usage: bench/remote_bench.sh [DATA_FILE] [PEERS_PYTHON] [XRD_PYTHON] [REPEATS]
#   DATA_FILE     a NanoAOD-like file with the tree Events (default ~/data/nano_1M_zstd.root)
#   PEERS_PYTHON  a Python with ROOT, uproot, awkward, vector, hist, uhi (default ~/peers/bin/python)
#   XRD_PYTHON    a Python with uproot, awkward, vector, hist, uhi and the `xrootd` and
#                 `fsspec-xrootd` packages, for uproot over root:// (default ~/xrdvenv/bin/python;
#                 if it cannot `import XRootD`, those cells say n/a). Made by:
#                   python3 -m venv ~/xrdvenv
#                   ~/xrdvenv/bin/pip install uproot awkward vector hist uhi numpy fsspec-xrootd xrootd
#   REPEATS       runs per cell, the best (lowest wall time) is reported (default 3)
# Environment: NO_BUILD=1 skips `cargo build`; RTTS="0 10 50" the added round-trip times in ms
# (0: through the proxy without added latency, to separate the proxy's own cost); each protocol
# also gets a "direct" row (the server without proxy); PROTOS="root http" the schemes measured,
# any of root roots http https (the TLS ones trust the server's test CA through X509_CERT_DIR,
# and SSL_CERT_FILE for the peers).
#
# Needs the xrootd server (bash scripts/xrootd_server.sh install) and, for counting the requests
# of hepframe's file open, strace (optional). As root the server runs as the `xrootd` user, so
# the data file is hard-linked (or copied) into a world-readable folder under /tmp.
#
# Prints a Markdown table. Wall times: hepframe, the whole process (file open, event loop,
# writing outputs); uproot and RDataFrame, opening the file plus the event loop inside the
# process (interpreter start-up, imports and RDataFrame's ACLiC compilation excluded). The
# page cache is warm (the server reads the same file).
set -euo pipefail
data=${1:-$HOME/data/nano_1M_zstd.root}
py=${2:-$HOME/peers/bin/python}
xpy=${3:-$HOME/xrdvenv/bin/python}
reps=${4:-3}
rtts=${RTTS:-0 10 50}
protos=${PROTOS:-root http}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=$(cd "$root/../shared/bench" && pwd)
cd "$root"
[ -f "$data" ] || { echo "missing data file: $data" >&2; exit 1; }
if [ "${NO_BUILD:-0}" != 1 ]; then
  CARGO_INCREMENTAL=0 cargo build --release -q -p hepframe-cli
  CARGO_INCREMENTAL=0 cargo build --release -q -p rootio --example latency_proxy
fi
hf=$root/target/release/hepframe
name=$(basename "$data")

tmp=$(mktemp -d /tmp/hf-remote-bench.XXXXXX)
serve=$(mktemp -d /tmp/hf-remote-data.XXXXXX)
proxy_pids=()
xrd_run=
cleanup() {
  for p in "${proxy_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${proxy_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "$xrd_run" ] && bash "$root/scripts/xrootd_server.sh" stop "$xrd_run"
  rm -rf "$tmp" "$serve"
}
trap cleanup EXIT

chmod 755 "$serve"
ln "$data" "$serve/$name" 2>/dev/null || cp "$data" "$serve/$name"
chmod o+r "$serve/$name"
cat "$data" > /dev/null

eval "$(bash "$root/scripts/xrootd_server.sh" start "$serve")"
xrd_run=$HEPFRAME_XROOTD_RUN
if [ -n "${HEPFRAME_XROOTD_CA:-}" ]; then
  # roots:// and https:// trust the server's test CA: hepframe and the XRootD clients (ROOT's
  # TNetXNG, uproot's through fsspec-xrootd) by X509_CERT_DIR, the hashed CA folder the script
  # made (XrdTls takes a folder only), Python's ssl (uproot's aiohttp) by SSL_CERT_FILE.
  export X509_CERT_DIR=$(dirname "$HEPFRAME_XROOTD_CA")/certdir SSL_CERT_FILE=$HEPFRAME_XROOTD_CA
fi
xport=$(sed -E 's#.*:([0-9]+)/?$#\1#' <<<"$HEPFRAME_XROOTD_URL")
hport=$(sed -E 's#.*:([0-9]+)/?$#\1#' <<<"$HEPFRAME_HTTP_URL")

# start_proxy TARGET_PORT RTT_MS -> sets proxy_port (not in a subshell: its pid is kept)
start_proxy() {
  local out="$tmp/proxy.$1.$2"
  # The Rust proxy: the Python one (bench/latency_proxy.py) costs more CPU than the transfers.
  "$root/target/release/examples/latency_proxy" "127.0.0.1:$1" "$2" > "$out" 2>&1 &
  proxy_pids+=($!)
  for _ in $(seq 1 100); do
    if grep -q '^listening on' "$out" 2>/dev/null; then
      proxy_port=$(sed -nE 's/^listening on .*:([0-9]+)$/\1/p' "$out" | head -1)
      return 0
    fi
    sleep 0.05
  done
  echo "latency proxy did not start" >&2
  return 1
}
declare -A url
url[local]=$data
settings=(local)
for proto in $protos; do
  case $proto in
    root|roots) port=$xport; sep=// ;;
    http|https) port=$hport; sep=/ ;;
    *) echo "unknown protocol $proto (root roots http https)" >&2; exit 2 ;;
  esac
  url[${proto}d]="$proto://127.0.0.1:$port$sep$name"; settings+=("${proto}d")
  for rtt in $rtts; do
    start_proxy "$port" "$rtt"; url[$proto$rtt]="$proto://127.0.0.1:$proxy_port$sep$name"
    settings+=("$proto$rtt")
  done
done
label() {
  case $1 in
    local) echo "local file" ;;
    *d) echo "${1%d}:// direct (no proxy)" ;;
    *) local p=${1%%[0-9]*} r=${1##*[a-z]}
       if [ "$r" = 0 ]; then echo "$p:// proxy, +0 ms"; else echo "$p:// $r ms"; fi ;;
  esac
}

have_xrd=no
"$xpy" -c 'import XRootD.client, uproot' 2>/dev/null && have_xrd=yes

# hepframe's sequential requests while opening a file (before the event loop), counted once per
# protocol on the server without proxy: every message its socket sends (strace), less the
# event loop's vector reads/GETs and XRootD's closing kXR_close. XRootD's handshake+protocol
# go in one message; the TCP connect is one more round trip, not counted here.
declare -A open_reqs
if command -v strace > /dev/null; then
  for proto in $protos; do
    # Over TLS the socket's writes are TLS records (rustls writes them with writev), handshake
    # included: not requests. Those rows say "n/a"; see the README for their round trips.
    case $proto in roots|https) continue ;; esac
    out=$(strace -f -e trace=sendto -o "$tmp/strace.$proto" "$hf" --threads 1 -q run examples/adl/q5.toml \
      --input "${url[${proto}d]}" --output "$tmp/strace-out" -v 2>&1)
    loop=$(sed -nE 's/^read .* in ([0-9]+) requests?;.*/\1/p' <<<"$out")
    total=$(grep -c 'sendto(' "$tmp/strace.$proto" || true)
    closes=0
    [ "${proto%s}" = root ] && closes=$(grep -cE 'sendto\([0-9]+, "(\\[0-9]+|\\[a-z]|[^\\"]){2}\\v\\273' "$tmp/strace.$proto" || true)
    open_reqs[$proto]=$((total - loop - closes))
  done
fi

now() { echo "$EPOCHREALTIME"; }
sub() { echo "$1 - $2" | bc -l; }
fmt() { printf '%.3f' "$1"; }
mb() { printf '%.1f' "$(echo "$1 / 1000000" | bc -l)"; }

# run_hf SETTING QUERY -> "wall loop requests bytes" of the fastest of $reps runs; histograms in
# $tmp/hf-SETTING-QUERY/
run_hf() {
  local best= line
  for _ in $(seq 1 "$reps"); do
    local t0 t1 out
    t0=$(now)
    out=$("$hf" --threads 1 -q run "examples/adl/$2.toml" --input "${url[$1]}" --output "$tmp/hf-$1-$2" -v 2>&1)
    t1=$(now)
    local wall loop req bytes
    wall=$(sub "$t1" "$t0")
    loop=$(sed -nE 's/.* events from .* in ([0-9.]+) s .*/\1/p' <<<"$out")
    req=$(sed -nE 's/^read .* in ([0-9]+) requests?;.*/\1/p' <<<"$out")
    bytes=$(sed -nE 's/^read ([0-9]+) bytes .*/\1/p' <<<"$out")
    [ -n "$loop" ] || { echo "hepframe failed on ${url[$1]}: $out" >&2; return 1; }
    line="$wall $loop $req $bytes"
    if [ -z "$best" ] || [ "$(echo "$wall < ${best%% *}" | bc)" = 1 ]; then best=$line; fi
  done
  echo "$best"
}

# run_peer PYTHON TOOL SETTING QUERY -> the fastest run's output line (by seconds=), or nothing
run_peer() {
  local best= bests= line s
  for _ in $(seq 1 "$reps"); do
    line=$("$1" "$here/remote_peers.py" "$2" "${url[$3]}" "$4" "$tmp/$2-$3-$4.json" 2>/dev/null | tail -1) || true
    s=$(sed -nE 's/.* seconds=([0-9.]+).*/\1/p' <<<"$line")
    [ -n "$s" ] || continue
    if [ -z "$best" ] || [ "$(echo "$s < $bests" | bc)" = 1 ]; then best=$line; bests=$s; fi
  done
  echo "$best"
}
field() { sed -nE "s/.* $1=([0-9.]+).*/\1/p" <<<"$2"; }

echo "hepframe $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo '+uncommitted'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ); best of $reps; file $name ($(mb "$(stat -c %s "$data")") MB)"
echo "hepframe open requests (strace, no latency):$(for p in $protos; do printf ' %s:// %s,' "$p" "${open_reqs[$p]:-?}"; done) (+1 TCP connect each)"
echo
echo "| setting | query | hepframe wall s | event loop s | requests (loop + open) | MB | uproot s | requests (uproot's count / sent) | MB | RDataFrame s | RDF read calls | MB | hepframe ÷ local | histograms |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
declare -A hf_local
for s in "${settings[@]}"; do
  for q in q5 q8; do
    read -r wall loop req bytes <<<"$(run_hf "$s" "$q")"
    [ "$s" = local ] && hf_local[$q]=$wall
    proto=${s%%[0-9d]*}; [ "$s" = local ] && proto=local
    if [ "$s" = local ]; then reqs="$req"; else reqs="$req + ${open_reqs[$proto]:-n/a}"; fi
    ratio=$(printf '%.2f' "$(echo "$wall / ${hf_local[$q]}" | bc -l)")
    # uproot: the peers' Python, or the xrootd venv over root://
    upy=$py
    up= ; upcell="n/a | n/a | n/a"
    if [ "$proto" = roots ]; then
      upy=; upcell="n/a (fsspec-xrootd registers no roots://) | | "
    elif [ "$proto" = root ]; then
      if [ $have_xrd = yes ]; then upy=$xpy; else upy=; upcell="n/a (no xrootd wheel) | | "; fi
    fi
    if [ -n "$upy" ]; then
      up=$(run_peer "$upy" uproot "$s" "$q")
      if [ -n "$up" ]; then
        upcell="$(fmt "$(field seconds "$up")") | $(field requests "$up") / $(field wire "$up")$(grep -q fallback <<<"$up" && echo ' (fallback)') | $(mb "$(field bytes "$up")")"
      else
        upcell="failed | | "
      fi
    fi
    rdfcell="n/a (no Davix; TWebFile plugin broken in the 6.40 wheel) | | "
    rdf=
    [ "$proto" = roots ] && rdfcell="n/a (the 6.40 wheel sends roots:// to its old TNetFile plugin, which does not load) | | "
    if [ "$proto" = root ] || [ "$proto" = local ]; then
      rdf=$(run_peer "$py" rdf "$s" "$q")
      if [ -n "$rdf" ]; then
        rdfcell="$(fmt "$(field seconds "$rdf")") | $(field requests "$rdf") | $(mb "$(field bytes "$rdf")")"
      else
        rdfcell="failed | | "
      fi
    fi
    # histograms: hepframe remote must equal hepframe local byte for byte; the peers bin for bin
    checks=()
    if [ "$s" != local ]; then
      if cmp -s "$tmp/hf-local-$q/histograms.json" "$tmp/hf-$s-$q/histograms.json"; then checks+=("= local"); else checks+=("≠ LOCAL"); fi
    fi
    for t in uproot rdf; do
      [ -f "$tmp/$t-$s-$q.json" ] || continue
      if "$py" "$shared/compare_hists.py" "$tmp/hf-$s-$q/histograms.json" "$tmp/$t-$s-$q.json" > /dev/null 2>&1; then
        checks+=("= $t"); else checks+=("≠ $t"); fi
    done
    echo "| $(label "$s") | $q | $(fmt "$wall") | $(fmt "$loop") | $reqs | $(mb "$bytes") | $upcell | $rdfcell | ${ratio}× | ${checks[*]} |"
  done
done

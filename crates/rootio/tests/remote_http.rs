//! `HttpSource` against a real XRootD server with its HTTP plugin (XrdHttp), started once per test
//! binary by `scripts/xrootd_server.sh` on the fixtures folder, and against a small
//! fault-injecting TCP proxy in front of it (dropped connections, a stalled server, a garbled
//! multipart boundary, a server without multi-range support).
//!
//! Without `xrootd` installed the tests print "skipped: no xrootd" and pass, unless
//! `HEPFRAME_REQUIRE_REMOTE=1`, which makes them fail.

mod common;

use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::ops::Range;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use rootio::remote::http::{HttpOptions, HttpSource};
use rootio::{ByteSource, ErrorKind, ReadOptions, RootFile};

/// The running server: its HTTP base URL (ending in `/`).
struct Server {
    http: String,
    /// The test CA that signed the server's certificate (https:// on the same port), when
    /// the script could make one (openssl).
    ca: Option<PathBuf>,
}

fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER.get_or_init(start_server).as_ref()
}

fn start_server() -> Option<Server> {
    let have_xrootd = Command::new("sh")
        .args(["-c", "command -v xrootd"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_xrootd {
        if std::env::var("HEPFRAME_REQUIRE_REMOTE").as_deref() == Ok("1") {
            panic!("HEPFRAME_REQUIRE_REMOTE=1 but xrootd is not installed");
        }
        eprintln!("skipped: no xrootd");
        return None;
    }
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let script = format!("{root}/scripts/xrootd_server.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("start")
        .arg(common::fixtures())
        .stderr(Stdio::inherit())
        .output()
        .expect("run scripts/xrootd_server.sh");
    assert!(out.status.success(), "xrootd_server.sh start failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let var = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no {name} in the output of xrootd_server.sh: {text}"))
    };
    let http = var("HEPFRAME_HTTP_URL");
    let run = var("HEPFRAME_XROOTD_RUN");
    let ca = text
        .lines()
        .find_map(|l| l.strip_prefix("export HEPFRAME_XROOTD_CA="))
        .map(PathBuf::from);
    // Stop the server once this test process is gone, however it ends (a watchdog rather than
    // a destructor: statics are never dropped, and a killed test binary runs nothing).
    let watchdog = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; bash '{script}' stop '{run}'",
        pid = std::process::id()
    );
    // Never waited for: it must outlive this process (then init reaps it).
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the watchdog that stops xrootd");
    Some(Server { http, ca })
}

/// The server, or return from the test (skipped).
macro_rules! server_or_skip {
    () => {
        match server() {
            Some(s) => s,
            None => return,
        }
    };
}

fn local(name: &str) -> Vec<u8> {
    std::fs::read(common::fixtures().join(name)).unwrap()
}

/// Options that fail fast, for the failure tests.
fn quick() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_millis(500),
        retries: 2,
        backoff: Duration::from_millis(20),
        ..HttpOptions::default()
    }
}

const FILE: &str = "alltypes_zstd.root";

/// A deterministic pseudo-random generator for scattered ranges.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn size_via_head_equals_local_size() {
    let s = server_or_skip!();
    for name in [FILE, "leaflist.root", "clusters.root"] {
        let src = HttpSource::open(&format!("{}{name}", s.http), &HttpOptions::default()).unwrap();
        assert_eq!(src.len(), local(name).len() as u64, "{name}");
        assert_eq!(
            src.name().to_str(),
            Some(format!("{}{name}", s.http).as_str())
        );
        assert_eq!(src.counters().snapshot().requests, 0);
    }
}

#[test]
fn single_ranges_equal_local_bytes() {
    let s = server_or_skip!();
    let want = local(FILE);
    let n = want.len() as u64;
    let src = HttpSource::open(&format!("{}{FILE}", s.http), &HttpOptions::default()).unwrap();
    let ranges = [
        0..1,
        0..4,
        100..1100,
        4000..70000,
        n - 1..n,
        n - 300..n,
        0..n,
    ];
    for r in ranges.clone() {
        let got = src.read_range(r.clone()).unwrap();
        assert!(got == want[r.start as usize..r.end as usize], "{r:?}");
    }
    let mut buf = vec![7u8; 10];
    src.read_range_into(10..20, &mut buf).unwrap();
    assert_eq!(buf, want[10..20]);
    let stats = src.counters().snapshot();
    assert_eq!(stats.requests, ranges.len() as u64 + 1);
    assert_eq!(
        stats.bytes,
        ranges.iter().map(|r| r.end - r.start).sum::<u64>() + 10
    );
    // Empty ranges need no request; ranges past the end are refused without one.
    assert!(src.read_range(n..n).unwrap().is_empty());
    assert!(src.read_range(5..5).unwrap().is_empty());
    let e = src.read_range(n - 1..n + 1).unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::Truncated { .. }), "{e}");
    assert!(src.read_ranges(&[0..1, n..n + 10]).is_err());
    assert_eq!(src.counters().snapshot(), stats);
}

#[test]
fn scattered_ranges_are_coalesced_and_exact() {
    let s = server_or_skip!();
    let want = local(FILE);
    let n = want.len() as u64;
    let src = HttpSource::open(&format!("{}{FILE}", s.http), &HttpOptions::default()).unwrap();
    let mut rng = Lcg(42);
    let mut ranges: Vec<Range<u64>> = (0..300)
        .map(|_| {
            let start = rng.below(n);
            let len = rng.below(2000).min(n - start);
            start..start + len
        })
        .collect();
    // Overlaps, duplicates, empty ranges and the very end.
    ranges.extend([
        n - 1..n,
        n - 10..n,
        0..1,
        0..1,
        50..50,
        n..n,
        1000..3000,
        2000..2500,
    ]);
    let got = src.read_ranges(&ranges).unwrap();
    assert_eq!(got.len(), ranges.len());
    for (r, g) in ranges.iter().zip(&got) {
        assert!(*g == want[r.start as usize..r.end as usize], "{r:?}");
    }
    let stats = src.counters().snapshot();
    assert!(
        (1..=3).contains(&stats.requests),
        "{} requests for {} ranges",
        stats.requests,
        ranges.len()
    );
    assert!(src.multi_range(), "XrdHttp does multi-range requests");
}

#[test]
fn many_small_ranges_respect_the_per_request_limits() {
    let s = server_or_skip!();
    let want = local(FILE);
    let opts = HttpOptions {
        max_ranges_per_request: 50,
        ..HttpOptions::default()
    };
    let src = HttpSource::open(&format!("{}{FILE}", s.http), &opts).unwrap();
    // 500 disjoint 3-byte ranges 100 bytes apart: 10 requests of 50.
    let ranges: Vec<Range<u64>> = (0..500u64).map(|i| i * 100..i * 100 + 3).rev().collect();
    let got = src.read_ranges(&ranges).unwrap();
    for (r, g) in ranges.iter().zip(&got) {
        assert_eq!(*g, want[r.start as usize..r.end as usize], "{r:?}");
    }
    assert_eq!(src.counters().snapshot().requests, 10);
    assert_eq!(src.counters().snapshot().bytes, 1500);

    let opts = HttpOptions {
        max_request_header_bytes: 300,
        ..HttpOptions::default()
    };
    let src = HttpSource::open(&format!("{}{FILE}", s.http), &opts).unwrap();
    let got = src.read_ranges(&ranges).unwrap();
    for (r, g) in ranges.iter().zip(&got) {
        assert_eq!(*g, want[r.start as usize..r.end as usize], "{r:?}");
    }
    // ~12 bytes per range in the header: ~25 ranges a request.
    let requests = src.counters().snapshot().requests;
    assert!((15..=30).contains(&requests), "{requests}");
}

#[test]
fn root_file_over_http_reads_like_the_local_file() {
    let s = server_or_skip!();
    for name in [FILE, "alltypes_lz4.root", "split_objects.root"] {
        let src = HttpSource::open(&format!("{}{name}", s.http), &HttpOptions::default()).unwrap();
        let remote = RootFile::from_source(Arc::new(src)).unwrap();
        let local = RootFile::open(common::fixtures().join(name)).unwrap();
        let paths = local.tree_paths().unwrap();
        assert_eq!(remote.tree_paths().unwrap(), paths);
        for path in &paths {
            let (lt, rt) = (local.tree(path).unwrap(), remote.tree(path).unwrap());
            assert_eq!(lt.entries, rt.entries);
            let names: Vec<String> = lt
                .data_branches()
                .iter()
                .filter(|b| b.interpretation.is_ok())
                .map(|b| b.path.clone())
                .collect();
            assert!(!names.is_empty(), "{name}:{path}");
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            for threads in [1, 4] {
                let opts = ReadOptions { threads };
                let want = lt.read_branches(&names, 0..lt.entries, &opts).unwrap();
                let got = rt.read_branches(&names, 0..rt.entries, &opts).unwrap();
                assert!(want == got, "{name}:{path} threads {threads}");
            }
        }
    }
}

#[test]
fn missing_file_fails_at_once_naming_the_url() {
    let s = server_or_skip!();
    let url = format!("{}no/such/file.root", s.http);
    let t = Instant::now();
    let e = HttpSource::open(&url, &HttpOptions::default()).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let msg = e.to_string();
    eprintln!("{msg}");
    assert!(msg.contains(&url) && msg.contains("not found"), "{msg}");
    assert!(matches!(*e.kind, ErrorKind::Remote { .. }), "{msg}");
    assert!(!msg.contains("attempts"), "a 404 is not retried: {msg}");
}

#[test]
fn connection_refused_fails_after_bounded_retries() {
    // A free port with nothing listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/f.root");
    let t = Instant::now();
    let e = HttpSource::open(&url, &quick()).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let msg = e.to_string();
    eprintln!("{msg}");
    assert!(msg.contains(&url) && msg.contains("3 attempts"), "{msg}");
    match &*e.kind {
        ErrorKind::Remote { url: u, range, .. } => {
            assert_eq!(u, &url);
            assert_eq!(range, &None);
        }
        k => panic!("{k:?}"),
    }
}

/// What the proxy does wrong, to the replies of GET requests (HEAD passes untouched).
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Close the connection after `after` bytes of a reply, on the first `times` connections.
    Drop { after: usize, times: usize },
    /// Never answer a GET.
    Stall,
    /// Change the multipart delimiters `--123456` (XrdHttp's boundary) to `--12x456`.
    Garble,
    /// Rewrite a multi-range `Range` header to its first range (a server that ignores the rest).
    FirstRangeOnly,
    /// Rename a multi-range `Range` header so it is ignored: 200 and the whole file (S3).
    IgnoreMultiRange,
}

/// A TCP proxy on 127.0.0.1 in front of the server; returns the base URL through it.
fn proxy(s: &Server, fault: Fault) -> String {
    let upstream = s
        .http
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dropped = Arc::new(AtomicUsize::new(0));
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let (upstream, dropped) = (upstream.clone(), dropped.clone());
            thread::spawn(move || relay(client, &upstream, fault, &dropped));
        }
    });
    format!("http://127.0.0.1:{port}/")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn replace_all(buf: &mut [u8], from: &[u8], to: &[u8]) {
    let mut at = 0;
    while let Some(i) = find(&buf[at..], from) {
        buf[at + i..at + i + to.len()].copy_from_slice(to);
        at += i + to.len();
    }
}

fn relay(client: TcpStream, upstream: &str, fault: Fault, dropped: &AtomicUsize) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let saw_get = Arc::new(AtomicBool::new(false));
    let (Ok(mut from_client), Ok(mut to_server)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let flag = saw_get.clone();
    // Requests: client → server.
    thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match from_client.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let req = &mut buf[..n];
            if find(req, b"GET ").is_some() {
                flag.store(true, Ordering::SeqCst);
                match fault {
                    Fault::Stall => {
                        thread::sleep(Duration::from_secs(60));
                        break;
                    }
                    Fault::FirstRangeOnly => {
                        if let Some(i) = find(req, b"Range: bytes=") {
                            let end = i + find(&req[i..], b"\r\n").unwrap_or(req.len() - i);
                            if let Some(c) = find(&req[i..end], b",") {
                                req[i + c..end].fill(b' ');
                            }
                        }
                    }
                    Fault::IgnoreMultiRange => {
                        if let Some(i) = find(req, b"Range: bytes=") {
                            let end = i + find(&req[i..], b"\r\n").unwrap_or(req.len() - i);
                            if find(&req[i..end], b",").is_some() {
                                req[i + 1] = b'x';
                            }
                        }
                    }
                    _ => {}
                }
            }
            if to_server.write_all(req).is_err() {
                break;
            }
        }
        let _ = to_server.shutdown(Shutdown::Write);
    });
    // Replies: server → client.
    let (mut from_server, mut to_client) = (server, client);
    let drop_after = match fault {
        Fault::Drop { after, times } => Some((after, times)),
        _ => None,
    };
    let mut dropping = false;
    let mut sent_after_get = 0usize;
    let mut pending: Vec<u8> = Vec::new();
    let keep = if matches!(fault, Fault::Garble) { 8 } else { 0 };
    let _ = from_server.set_read_timeout(Some(Duration::from_millis(20)));
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let (n, eof) = match from_server.read(&mut buf) {
            Ok(0) => (0, true),
            Ok(n) => (n, false),
            Err(e) if matches!(e.kind(), IoErrorKind::WouldBlock | IoErrorKind::TimedOut) => {
                (0, false)
            }
            Err(_) => (0, true),
        };
        pending.extend_from_slice(&buf[..n]);
        let get = saw_get.load(Ordering::SeqCst);
        if get && matches!(fault, Fault::Garble) {
            replace_all(&mut pending, b"\n--123456", b"\n--12x456");
        }
        // Hold back a possible partial delimiter until more comes (or a pause).
        let ready = if n == 0 {
            pending.len()
        } else {
            pending.len().saturating_sub(keep)
        };
        let mut out: Vec<u8> = pending.drain(..ready).collect();
        if get {
            if let Some((after, times)) = drop_after {
                if !dropping
                    && sent_after_get == 0
                    && dropped.fetch_add(1, Ordering::SeqCst) < times
                {
                    dropping = true;
                }
                if dropping && sent_after_get + out.len() >= after {
                    out.truncate(after - sent_after_get);
                    let _ = to_client.write_all(&out);
                    let _ = to_client.shutdown(Shutdown::Both);
                    let _ = from_server.shutdown(Shutdown::Both);
                    return;
                }
            }
            sent_after_get += out.len();
        }
        if to_client.write_all(&out).is_err() || eof {
            let _ = to_client.shutdown(Shutdown::Both);
            return;
        }
    }
}

#[test]
fn a_dropped_connection_is_retried() {
    let s = server_or_skip!();
    let want = local(FILE);
    let url = format!(
        "{}{FILE}",
        proxy(
            s,
            Fault::Drop {
                after: 150,
                times: 1
            }
        )
    );
    let src = HttpSource::open(&url, &quick()).unwrap();
    let got = src.read_range(1000..50_000).unwrap();
    assert!(got == want[1000..50_000]);
    let got = src.read_ranges(&[0..10, 20_000..30_000, 300..400]).unwrap();
    assert_eq!(got[0], want[0..10]);
    assert!(got[1] == want[20_000..30_000]);
    assert_eq!(got[2], want[300..400]);
}

#[test]
fn a_connection_dropped_every_time_fails_with_a_remote_error() {
    let s = server_or_skip!();
    let url = format!(
        "{}{FILE}",
        proxy(
            s,
            Fault::Drop {
                after: 300,
                times: usize::MAX
            }
        )
    );
    let src = HttpSource::open(&url, &quick()).unwrap();
    let t = Instant::now();
    let e = src.read_range(1000..50_000).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let msg = e.to_string();
    eprintln!("{msg}");
    assert!(msg.contains(&url) && msg.contains("3 attempts"), "{msg}");
    match &*e.kind {
        ErrorKind::Remote { range, .. } => assert_eq!(range, &Some(1000..50_000)),
        k => panic!("{k:?}"),
    }
    let e = src.read_ranges(&[0..10, 20_000..30_000]).unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::Remote { .. }), "{e}");
}

#[test]
fn a_stalled_server_times_out_with_a_remote_error() {
    let s = server_or_skip!();
    let url = format!("{}{FILE}", proxy(s, Fault::Stall));
    let opts = quick();
    let src = HttpSource::open(&url, &opts).unwrap();
    let t = Instant::now();
    let e = src.read_range(0..100).unwrap_err();
    let took = t.elapsed();
    // Three tries of 0.5 s and two short back-offs.
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(4),
        "{took:?}"
    );
    let msg = e.to_string();
    eprintln!("{msg}");
    assert!(
        msg.contains("timed out") && msg.contains("3 attempts"),
        "{msg}"
    );
    assert!(matches!(*e.kind, ErrorKind::Remote { .. }), "{msg}");
}

#[test]
fn a_garbled_multipart_boundary_is_an_error_not_wrong_bytes() {
    let s = server_or_skip!();
    let url = format!("{}{FILE}", proxy(s, Fault::Garble));
    let src = HttpSource::open(&url, &quick()).unwrap();
    let e = src.read_ranges(&[0..10, 500..600, 9000..9100]).unwrap_err();
    let msg = e.to_string();
    eprintln!("{msg}");
    assert!(matches!(*e.kind, ErrorKind::Remote { .. }), "{msg}");
    assert!(
        msg.contains("multipart") || msg.contains("boundary"),
        "{msg}"
    );
}

#[test]
fn a_server_serving_only_the_first_range_gets_parallel_single_requests() {
    let s = server_or_skip!();
    let want = local(FILE);
    let url = format!("{}{FILE}", proxy(s, Fault::FirstRangeOnly));
    let src = HttpSource::open(&url, &quick()).unwrap();
    let ranges: Vec<Range<u64>> = (0..40u64).map(|i| i * 5000 + 7..i * 5000 + 907).collect();
    let got = src.read_ranges(&ranges).unwrap();
    for (r, g) in ranges.iter().zip(&got) {
        assert!(*g == want[r.start as usize..r.end as usize], "{r:?}");
    }
    assert!(!src.multi_range());
    // The first range came with the multi-range attempt, the other 39 one by one.
    assert_eq!(src.counters().snapshot().requests, 40);
    src.counters().reset();
    let got = src.read_ranges(&ranges[..10]).unwrap();
    for (r, g) in ranges.iter().zip(&got) {
        assert!(*g == want[r.start as usize..r.end as usize], "{r:?}");
    }
    assert_eq!(src.counters().snapshot().requests, 10);
}

#[test]
fn a_server_answering_multi_range_with_the_whole_file_is_handled() {
    let s = server_or_skip!();
    let want = local(FILE);
    let url = format!("{}{FILE}", proxy(s, Fault::IgnoreMultiRange));
    let src = HttpSource::open(&url, &quick()).unwrap();
    let ranges = [100..200, 50_000..50_100, 7..8];
    let got = src.read_ranges(&ranges).unwrap();
    for (r, g) in ranges.iter().zip(&got) {
        assert_eq!(*g, want[r.start as usize..r.end as usize], "{r:?}");
    }
    assert!(!src.multi_range());
    src.counters().reset();
    let got = src.read_ranges(&ranges).unwrap();
    for (r, g) in ranges.iter().zip(&got) {
        assert_eq!(*g, want[r.start as usize..r.end as usize], "{r:?}");
    }
    assert_eq!(src.counters().snapshot().requests, 3);
}

#[test]
fn a_bad_ca_bundle_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("hepframe-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "no certificates here\n").unwrap();
    for (path, want) in [
        (dir.join("missing.pem"), "no CA certificate found"),
        (empty, "no CA certificate found"),
    ] {
        let opts = HttpOptions {
            ca_bundle: Some(path),
            ..quick()
        };
        let e = HttpSource::open("https://127.0.0.1:1/f.root", &opts).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(want), "{msg}");
        assert!(matches!(*e.kind, ErrorKind::Remote { .. }), "{msg}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn https_with_a_private_ca_reads_like_http() {
    let srv = server_or_skip!();
    let Some(ca) = &srv.ca else {
        assert!(
            std::env::var("HEPFRAME_REQUIRE_REMOTE").as_deref() != Ok("1"),
            "HEPFRAME_REQUIRE_REMOTE=1 but the server has no TLS (openssl missing?)"
        );
        return;
    };
    let url = format!("{}{FILE}", srv.http.replacen("http://", "https://", 1));
    let want = local(FILE);
    // The CA as a PEM file and as a folder of them (as X509_CERT_DIR is on the grid).
    for bundle in [ca.clone(), ca.parent().unwrap().join("certdir")] {
        let opts = HttpOptions {
            ca_bundle: Some(bundle),
            ..HttpOptions::default()
        };
        let src = HttpSource::open(&url, &opts).unwrap();
        assert_eq!(src.len(), want.len() as u64);
        let n = want.len() as u64;
        let got = src.read_ranges(&[0..100, 5000..9000, n - 10..n]).unwrap();
        assert_eq!(got[0], &want[..100]);
        assert_eq!(got[1], &want[5000..9000]);
        assert_eq!(got[2], &want[want.len() - 10..]);
    }
    // Without the CA the certificate is refused, with a hint.
    let opts = HttpOptions {
        ca_bundle: None,
        ..quick()
    };
    let e = HttpSource::open(&url, &opts).unwrap_err().to_string();
    assert!(
        e.contains("certificate") && e.contains("X509_CERT_DIR"),
        "{e}"
    );
}

//! HTTP(S) byte source: a ROOT file on a web server (XrdHttp, S3, dCache, nginx, …) read with
//! `Range` requests.
//!
//! [`HttpSource`] asks for the size once (`HEAD`, or a `Range: bytes=0-0` GET and the `/total` of
//! its `Content-Range`), then serves [`ByteSource::read_range`] with one `Range: bytes=a-b` GET
//! and [`ByteSource::read_ranges`] with multi-range GETs (`Range: bytes=a-b, c-d, …`) whose
//! `multipart/byteranges` answers are split by [`multipart`]. A server that answers a multi-range
//! request with a single range or the whole object (S3) is from then on sent parallel single-range
//! GETs, as uproot's `HTTPSource` falls back to its `MultithreadedHTTPSource`
//! (uproot `source/http.py`).
//!
//! One [`ureq::Agent`] per source keeps connections alive (every body is read to its end so the
//! connection goes back to the pool). Connection errors, timeouts, short bodies and 5xx answers
//! are retried with exponential back-off; 4xx answers are not. Each failure ends as one
//! [`ErrorKind::Remote`] naming the URL and range.
//!
//! Quirks of XrdHttp 5.5 (the xrootd server's HTTP plugin) handled here:
//! - it compares header names case-sensitively, so the header is sent exactly as `Range`
//!   (`range` gets 200 and the whole file);
//! - a range ending past the end of the file gets headers promising the bytes and then no body
//!   (the connection hangs, then drops), so ranges are clamped to the size and open ranges
//!   (`bytes=N-`, `bytes=-N`) are never sent;
//! - multipart parts have headers `Content-range`/`Content-type` and the body starts with a blank
//!   line before the first boundary (both tolerated by the parser).

pub(crate) mod multipart;
mod ranges;

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::http::{Response, StatusCode};
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::{Agent, Body};

use crate::error::{Error, ErrorKind, Result};
use crate::source::{ByteSource, IoCounters};
use ranges::{batches, merge_ranges, range_header_value, Handout};

/// How an [`HttpSource`] talks to its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// Limit for connecting, for the answer to start and for each read of a body while it is
    /// being received (a stalled transfer fails after this long). Default 30 s, as uproot.
    pub timeout: Duration,
    /// How many times a failed request is tried again (connection errors, timeouts, short
    /// bodies, 5xx answers; never 4xx). Default 3.
    pub retries: u32,
    /// The wait before the first retry; it doubles for each further one. Default 100 ms.
    pub backoff: Duration,
    /// CA certificates trusted for `https://` besides Mozilla's (e.g. a grid CA): a PEM file,
    /// or a folder of them. Default: the folder (or file) named by the environment variable
    /// `X509_CERT_DIR`, if set.
    pub ca_bundle: Option<PathBuf>,
    /// The most ranges in one multi-range GET. Default 256.
    pub max_ranges_per_request: usize,
    /// The most bytes of the `Range` header value in one request (servers limit header lines;
    /// uproot stops near 21 784). Default 20 000.
    pub max_request_header_bytes: usize,
    /// The most single-range GETs in flight at once when the server cannot do multi-range
    /// requests. Default 8.
    pub max_parallel_requests: usize,
    /// Requested ranges closer than this many bytes are fetched as one (the gap is read and
    /// dropped). Default 0: only overlapping and touching ranges are joined.
    pub merge_gap: u64,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(100),
            ca_bundle: super::ca::from_env(),
            max_ranges_per_request: 256,
            max_request_header_bytes: 20_000,
            max_parallel_requests: 8,
            merge_gap: 0,
        }
    }
}

/// A file on an HTTP(S) server, read with range requests.
///
/// The counters count one request per successful HTTP GET and the payload bytes it brought
/// (the size probe at [`HttpSource::open`] and failed attempts are not counted), and the time
/// spent in all GET attempts (not in back-off sleeps) as wait.
///
/// ```no_run
/// use std::sync::Arc;
/// use rootio::remote::http::{HttpOptions, HttpSource};
/// use rootio::RootFile;
///
/// let source = HttpSource::open("https://example.org/data/nano.root", &HttpOptions::default())?;
/// let file = RootFile::from_source(Arc::new(source))?;
/// let events = file.tree("Events")?;
/// # Ok::<(), rootio::Error>(())
/// ```
pub struct HttpSource {
    url: String,
    name: PathBuf,
    len: u64,
    agent: Agent,
    options: HttpOptions,
    counters: IoCounters,
    /// Cleared for good once the server answered a multi-range request without multipart.
    multi_range: AtomicBool,
}

impl std::fmt::Debug for HttpSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSource")
            .field("url", &self.url)
            .field("len", &self.len)
            .field("multi_range", &self.multi_range.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed, and whether trying again may help.
#[derive(Debug)]
struct Failure {
    message: String,
    retry: bool,
}

impl Failure {
    fn retry(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            retry: true,
        }
    }
    fn fatal(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            retry: false,
        }
    }
}

type Attempt<T> = std::result::Result<T, Failure>;

fn remote_error(url: &str, range: Option<Range<u64>>, message: String) -> Error {
    Error::from(ErrorKind::Remote {
        url: url.to_string(),
        range,
        message,
    })
    .in_file(url)
}

impl HttpSource {
    /// Connect to `url` (`http://` or `https://`) and learn the file's size.
    pub fn open(url: &str, options: &HttpOptions) -> Result<HttpSource> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(remote_error(
                url,
                None,
                "not an http:// or https:// URL".to_string(),
            ));
        }
        let agent = make_agent(url, options)?;
        let len = with_retries(url, options, None, || probe_size(&agent, url))?;
        Ok(HttpSource {
            url: url.to_string(),
            name: PathBuf::from(url),
            len,
            agent,
            options: options.clone(),
            counters: IoCounters::default(),
            multi_range: AtomicBool::new(true),
        })
    }

    /// The URL this source reads.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether [`ByteSource::read_ranges`] still sends multi-range requests (false once the
    /// server answered one without `multipart/byteranges`).
    pub fn multi_range(&self) -> bool {
        self.multi_range.load(Ordering::Relaxed)
    }

    /// Run `attempt` with retries, adding the time each attempt took to the counters' wait.
    fn retrying<T>(
        &self,
        range: Option<Range<u64>>,
        mut attempt: impl FnMut() -> Attempt<T>,
    ) -> Result<T> {
        with_retries(&self.url, &self.options, range, || {
            let t = Instant::now();
            let r = attempt();
            self.counters.record_wait(t.elapsed());
            r
        })
    }

    fn check_range(&self, range: &Range<u64>) -> Result<()> {
        crate::source::check_range(range, self.len).map_err(|e| e.in_file(&self.name))
    }

    /// One single-range GET into `buf`.
    fn get_range(&self, range: &Range<u64>, buf: &mut Vec<u8>) -> Attempt<()> {
        let value = format!("bytes={}-{}", range.start, range.end - 1);
        let mut resp = self
            .agent
            .get(&self.url)
            .header_raw("Range", value.as_bytes())
            .call()
            .map_err(transport_failure)?;
        check_encoding(&resp)?;
        let n = range.end - range.start;
        match resp.status().as_u16() {
            206 => {
                let (got, total) = header(&resp, "content-range")
                    .and_then(multipart::content_range)
                    .ok_or_else(|| Failure::fatal("206 reply without a valid Content-Range"))?;
                self.check_total(total)?;
                if got.start > range.start || got.end < range.end || got.end > self.len {
                    return Err(Failure::fatal(format!(
                        "server sent bytes {}..{} for a request of bytes {}..{}",
                        got.start, got.end, range.start, range.end
                    )));
                }
                read_body(resp.body_mut(), got.end - got.start, buf)?;
                if got != *range {
                    let from = (range.start - got.start) as usize;
                    buf.copy_within(from..from + n as usize, 0);
                    buf.truncate(n as usize);
                }
                self.counters.record(got.end - got.start);
                Ok(())
            }
            200 => {
                // The server ignored the Range header: usable only if it sent the whole file.
                if let Some(cl) = content_length(&resp) {
                    if cl != self.len {
                        return Err(Failure::fatal(format!(
                            "server ignored the Range header and sent {cl} bytes, not the \
                             {}-byte file",
                            self.len
                        )));
                    }
                }
                read_body(resp.body_mut(), self.len, buf)?;
                self.counters.record(self.len);
                buf.copy_within(range.start as usize..range.end as usize, 0);
                buf.truncate(n as usize);
                Ok(())
            }
            s => Err(status_failure(s)),
        }
    }

    fn check_total(&self, total: Option<u64>) -> Attempt<()> {
        match total {
            Some(t) if t != self.len => Err(Failure::fatal(format!(
                "the file changed on the server: it was {} bytes, now {t}",
                self.len
            ))),
            _ => Ok(()),
        }
    }

    /// One multi-range GET for `batch` (sorted, disjoint, at least two ranges). Each range not
    /// `done` yet is handed to `on_range(index in batch, bytes)` as soon as its part of the
    /// reply is in (a `multipart/byteranges` body is parsed as it arrives), and marked done.
    /// Returns whether the server answered as a multi-range server should.
    fn get_multi(
        &self,
        batch: &[Range<u64>],
        done: &mut [bool],
        on_range: &mut dyn FnMut(usize, &[u8]),
    ) -> Attempt<bool> {
        let value = range_header_value(batch);
        let mut resp = self
            .agent
            .get(&self.url)
            .header_raw("Range", value.as_bytes())
            .call()
            .map_err(transport_failure)?;
        check_encoding(&resp)?;
        let wanted: u64 = batch.iter().map(|r| r.end - r.start).sum();
        // Hand out every range not done yet that lies inside one of `parts`.
        let mut hand = |parts: &[multipart::Part], body: &[u8], done: &mut [bool]| {
            for p in parts {
                self.check_total(p.total)?;
            }
            for (j, r) in batch.iter().enumerate() {
                if done[j] {
                    continue;
                }
                let Some(p) = parts
                    .iter()
                    .find(|p| p.file_range.start <= r.start && r.end <= p.file_range.end)
                else {
                    continue;
                };
                let from = p.body_range.start + (r.start - p.file_range.start) as usize;
                on_range(j, &body[from..from + (r.end - r.start) as usize]);
                done[j] = true;
            }
            Ok::<(), Failure>(())
        };
        match resp.status().as_u16() {
            206 => {
                if let Some(boundary) = header(&resp, "content-type").and_then(multipart::boundary)
                {
                    // Counted now, before any part is handed on: a waiting reader may finish
                    // (and its caller read the counters) before this reply's end is parsed.
                    self.counters.record(wanted);
                    // Part headers are ~100 bytes; allow generously more, but bound the body.
                    let limit = wanted + batch.len() as u64 * (512 + boundary.len() as u64) + 4096;
                    // `limit` is what we asked for plus headers: reserved once, not regrown.
                    let mut body = Vec::with_capacity(usize::try_from(limit).unwrap_or(0));
                    let mut reader = resp.body_mut().as_reader().take(limit.saturating_add(1));
                    loop {
                        let n = (&mut reader)
                            .take(STREAM_STEP)
                            .read_to_end(&mut body)
                            .map_err(|e| {
                                Failure::retry(format!(
                                    "connection lost while reading the reply after {} bytes: {e}",
                                    body.len()
                                ))
                            })?;
                        if body.len() as u64 > limit {
                            return Err(Failure::fatal(format!(
                                "reply longer than the {limit} bytes asked for"
                            )));
                        }
                        if n == 0 {
                            break;
                        }
                        hand(&multipart::parse_available(&body, &boundary), &body, done)?;
                    }
                    let parts = multipart::parse(&body, &boundary).map_err(Failure::retry)?;
                    hand(&parts, &body, done)?;
                    if let Some(j) = done.iter().position(|d| !d) {
                        return Err(Failure::retry(format!(
                            "multipart reply lacks bytes {}..{}",
                            batch[j].start, batch[j].end
                        )));
                    }
                    Ok(true)
                } else {
                    // One range: either the server joined ours into one (fine), or it served
                    // only the first one (no multi-range support).
                    let (got, total) = header(&resp, "content-range")
                        .and_then(multipart::content_range)
                        .ok_or_else(|| Failure::fatal("206 reply without a valid Content-Range"))?;
                    self.check_total(total)?;
                    let covered = |r: &Range<u64>| got.start <= r.start && r.end <= got.end;
                    if got.end > self.len || !batch.iter().any(covered) {
                        return Err(Failure::fatal(format!(
                            "server sent bytes {}..{}, none of the ranges asked for",
                            got.start, got.end
                        )));
                    }
                    let mut body = Vec::new();
                    read_body(resp.body_mut(), got.end - got.start, &mut body)?;
                    self.counters.record(got.end - got.start);
                    let whole = [multipart::Part {
                        file_range: got.clone(),
                        total,
                        body_range: 0..body.len(),
                    }];
                    hand(&whole, &body, done)?;
                    Ok(batch.iter().all(covered))
                }
            }
            200 => {
                // S3 semantics: the whole object. Use it if small, else drop it unread (the
                // connection is closed) and fall back to single-range requests.
                const USE_WHOLE_BELOW: u64 = 4 << 20;
                if content_length(&resp) == Some(self.len) && self.len <= USE_WHOLE_BELOW {
                    let mut body = Vec::new();
                    read_body(resp.body_mut(), self.len, &mut body)?;
                    self.counters.record(self.len);
                    let whole = [multipart::Part {
                        file_range: 0..self.len,
                        total: Some(self.len),
                        body_range: 0..body.len(),
                    }];
                    hand(&whole, &body, done)?;
                }
                Ok(false)
            }
            s => Err(status_failure(s)),
        }
    }

    /// Fill the `None` entries of `data` (the bytes of `merged[i]`) with single-range GETs, up
    /// to [`HttpOptions::max_parallel_requests`] at once.
    fn read_singles(&self, merged: &[Range<u64>], data: &mut [Option<Vec<u8>>]) -> Result<()> {
        let todo: Vec<usize> = (0..merged.len()).filter(|&i| data[i].is_none()).collect();
        let workers = self.options.max_parallel_requests.max(1).min(todo.len());
        if workers <= 1 {
            for &i in &todo {
                let r = &merged[i];
                let mut buf = Vec::new();
                self.retrying(Some(r.clone()), || self.get_range(r, &mut buf))?;
                data[i] = Some(buf);
            }
            return Ok(());
        }
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let first_error: Mutex<Option<Error>> = Mutex::new(None);
        let results: Vec<Vec<(usize, Vec<u8>)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        while !failed.load(Ordering::Relaxed) {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&i) = todo.get(k) else { break };
                            let r = &merged[i];
                            let mut buf = Vec::new();
                            match self.retrying(Some(r.clone()), || self.get_range(r, &mut buf)) {
                                Ok(()) => done.push((i, buf)),
                                Err(e) => {
                                    failed.store(true, Ordering::Relaxed);
                                    if let Ok(mut slot) = first_error.lock() {
                                        slot.get_or_insert(e);
                                    }
                                    break;
                                }
                            }
                        }
                        done
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        if let Some(e) = first_error.into_inner().ok().flatten() {
            return Err(e);
        }
        for (i, buf) in results.into_iter().flatten() {
            data[i] = Some(buf);
        }
        if let Some(i) = data.iter().position(Option::is_none) {
            // Only if a worker thread panicked, which the code above does not do.
            let r = &merged[i];
            return Err(remote_error(
                &self.url,
                Some(r.clone()),
                "a parallel read did not finish".to_string(),
            ));
        }
        Ok(())
    }
}

impl ByteSource for HttpSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_range(&self, range: Range<u64>) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.read_range_into(range, &mut buf)?;
        Ok(buf)
    }

    fn read_range_into(&self, range: Range<u64>, buf: &mut Vec<u8>) -> Result<()> {
        self.check_range(&range)?;
        buf.clear();
        if range.is_empty() {
            return Ok(());
        }
        self.retrying(Some(range.clone()), || self.get_range(&range, buf))
    }

    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Vec<u8>>> {
        crate::source::read_ranges_streamed(self, ranges)
    }

    /// Multi-range GETs of the merged ranges, each part handed out as it arrives; what a
    /// server does not send that way is read with single-range GETs after.
    fn read_ranges_streaming(
        &self,
        ranges: &[Range<u64>],
        deliver: &mut dyn FnMut(usize, Vec<u8>),
    ) -> Result<()> {
        for r in ranges {
            self.check_range(r)?;
        }
        let merged = merge_ranges(ranges, self.options.merge_gap);
        let handout = Handout::new(ranges, &merged)?;
        handout.give_empty(deliver);
        let mut done = vec![false; merged.len()];
        if merged.len() > 1 && self.multi_range() {
            let mut first = 0;
            for batch in batches(
                &merged,
                self.options.max_ranges_per_request,
                self.options.max_request_header_bytes,
            ) {
                let at = first;
                first += batch.len();
                if batch.len() < 2 || !self.multi_range() {
                    continue; // left to single-range GETs below
                }
                let span = batch[0].start..batch[batch.len() - 1].end;
                let done = &mut done[at..at + batch.len()];
                let ok = self.retrying(Some(span), || {
                    self.get_multi(batch, done, &mut |j, bytes| {
                        handout.give(at + j, bytes, deliver)
                    })
                })?;
                if !ok {
                    self.multi_range.store(false, Ordering::Relaxed);
                }
            }
        }
        let mut data: Vec<Option<Vec<u8>>> = done.iter().map(|&d| d.then(Vec::new)).collect();
        self.read_singles(&merged, &mut data)?;
        for (k, bytes) in data.into_iter().enumerate() {
            if let (false, Some(bytes)) = (done[k], bytes) {
                handout.give_owned(k, bytes, deliver);
            }
        }
        Ok(())
    }

    fn counters(&self) -> &IoCounters {
        &self.counters
    }

    fn name(&self) -> &Path {
        &self.name
    }
}

/// How many bytes of a multi-range reply are read before the parts that are in are handed out.
const STREAM_STEP: u64 = 1 << 20;

/// Run `attempt` until it succeeds, fails for good, or has been retried `options.retries`
/// times, sleeping `backoff`, `2·backoff`, … between tries.
fn with_retries<T>(
    url: &str,
    options: &HttpOptions,
    range: Option<Range<u64>>,
    mut attempt: impl FnMut() -> Attempt<T>,
) -> Result<T> {
    let mut delay = options.backoff;
    let mut tries = 0u32;
    loop {
        match attempt() {
            Ok(v) => return Ok(v),
            Err(f) if f.retry && tries < options.retries => {
                std::thread::sleep(delay);
                delay = delay.saturating_mul(2);
                tries += 1;
            }
            Err(f) => {
                let message = if tries > 0 {
                    format!("{} (after {} attempts)", f.message, tries + 1)
                } else {
                    f.message
                };
                return Err(remote_error(url, range, message));
            }
        }
    }
}

fn make_agent(url: &str, options: &HttpOptions) -> Result<Agent> {
    let mut tls = TlsConfig::builder();
    if let Some(path) = &options.ca_bundle {
        let extra: Vec<Certificate<'static>> = super::ca::load(path)
            .map_err(|m| remote_error(url, None, m))?
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned())
            .collect();
        let certs: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned())
            .chain(extra)
            .collect();
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    let t = Some(options.timeout);
    let config = Agent::config_builder()
        .tls_config(tls.build())
        .http_status_as_error(false)
        .max_redirects(10)
        // No compression: a Content-Encoding would apply to the whole entity, not our ranges.
        .accept_encoding("identity")
        .user_agent(concat!("hepframe-rootio/", env!("CARGO_PKG_VERSION")))
        .max_idle_connections_per_host(options.max_parallel_requests.max(1))
        .max_idle_connections(options.max_parallel_requests.max(10))
        .timeout_resolve(t)
        .timeout_connect(t)
        .timeout_send_request(t)
        .timeout_recv_response(t)
        .timeout_per_read(t)
        .timeout_per_write(t)
        .build();
    Ok(Agent::new_with_config(config))
}

/// The file size: `HEAD` and its Content-Length, else a one-byte GET and the total of its
/// Content-Range.
fn probe_size(agent: &Agent, url: &str) -> Attempt<u64> {
    let head = agent.head(url).call().map_err(transport_failure)?;
    match head.status().as_u16() {
        200 => {
            if let Some(n) = content_length(&head) {
                return Ok(n);
            }
        }
        s @ (401 | 403 | 404 | 410 | 408 | 429 | 500..=599) => return Err(status_failure(s)),
        _ => {} // e.g. 405: HEAD not allowed
    }
    let mut resp = agent
        .get(url)
        .header_raw("Range", b"bytes=0-0")
        .call()
        .map_err(transport_failure)?;
    check_encoding(&resp)?;
    match resp.status().as_u16() {
        206 => {
            let (got, total) = header(&resp, "content-range")
                .and_then(multipart::content_range)
                .ok_or_else(|| Failure::fatal("206 reply without a valid Content-Range"))?;
            let total = total.ok_or_else(|| {
                Failure::fatal("the server does not tell the file size (Content-Range total *)")
            })?;
            let mut sink = Vec::new();
            read_body(resp.body_mut(), got.end - got.start, &mut sink)?;
            Ok(total)
        }
        // Ranges ignored: the Content-Length is the size; the body is dropped unread.
        200 => content_length(&resp)
            .ok_or_else(|| Failure::fatal("the server does not tell the file size")),
        // An empty file: no byte 0 to send.
        416 => header(&resp, "content-range")
            .and_then(multipart::unsatisfied_total)
            .ok_or_else(|| status_failure(416)),
        s => Err(status_failure(s)),
    }
}

fn header<'a>(resp: &'a Response<Body>, name: &str) -> Option<&'a str> {
    resp.headers().get(name)?.to_str().ok()
}

fn content_length(resp: &Response<Body>) -> Option<u64> {
    header(resp, "content-length")?.trim().parse().ok()
}

fn check_encoding(resp: &Response<Body>) -> Attempt<()> {
    match header(resp, "content-encoding").map(str::trim) {
        None | Some("") => Ok(()),
        Some(e) if e.eq_ignore_ascii_case("identity") => Ok(()),
        Some(e) => Err(Failure::fatal(format!(
            "the server compressed its reply (Content-Encoding: {e}), which byte ranges cannot use"
        ))),
    }
}

/// Read a body of exactly `expected` bytes into `buf`.
fn read_body(body: &mut Body, expected: u64, buf: &mut Vec<u8>) -> Attempt<()> {
    buf.clear();
    buf.reserve(usize::try_from(expected).unwrap_or(0));
    read_body_upto(body, expected, buf)?;
    if buf.len() as u64 != expected {
        return Err(Failure::retry(format!(
            "short reply: {} of {expected} bytes",
            buf.len()
        )));
    }
    Ok(())
}

/// Read a whole body of at most `limit` bytes into `buf`.
fn read_body_upto(body: &mut Body, limit: u64, buf: &mut Vec<u8>) -> Attempt<()> {
    let mut reader = body.as_reader().take(limit.saturating_add(1));
    reader.read_to_end(buf).map_err(|e| {
        Failure::retry(format!(
            "connection lost while reading the reply after {} bytes: {e}",
            buf.len()
        ))
    })?;
    if buf.len() as u64 > limit {
        return Err(Failure::fatal(format!(
            "reply longer than the {limit} bytes asked for"
        )));
    }
    Ok(())
}

fn status_failure(status: u16) -> Failure {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    match status {
        404 | 410 => Failure::fatal(format!("not found on the server (HTTP {status} {reason})")),
        401 => Failure::fatal(format!("authentication required (HTTP {status} {reason})")),
        403 => Failure::fatal(format!("permission denied (HTTP {status} {reason})")),
        416 => Failure::fatal(format!(
            "range not satisfiable (HTTP {status}): the file may have changed on the server"
        )),
        408 | 429 | 500..=599 => Failure::retry(format!("server error (HTTP {status} {reason})")),
        _ => Failure::fatal(format!("unexpected reply HTTP {status} {reason}")),
    }
}

fn transport_failure(e: ureq::Error) -> Failure {
    match e {
        ureq::Error::Timeout(t) => Failure::retry(format!("timed out ({t})")),
        // rustls reports a refused certificate (and other TLS failures) as invalid data.
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            let hint = if e.to_string().contains("certificate") {
                super::ca::HINT
            } else {
                ""
            };
            Failure::fatal(format!("TLS error: {e}{hint}"))
        }
        ureq::Error::Io(e) => Failure::retry(format!("connection error: {e}")),
        ureq::Error::ConnectionFailed => Failure::retry("connection failed"),
        ureq::Error::Protocol(e) => Failure::retry(format!("HTTP protocol error: {e}")),
        ureq::Error::BodyStalled => Failure::retry("the reply stalled"),
        ureq::Error::HostNotFound => Failure::fatal("host not found"),
        e => Failure::fatal(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_clear_messages() {
        assert!(status_failure(404).message.contains("not found"));
        assert!(!status_failure(404).retry);
        assert!(status_failure(403).message.contains("permission denied"));
        assert!(status_failure(503).retry);
        assert!(!status_failure(400).retry);
    }

    #[test]
    fn only_http_urls_open() {
        let e = HttpSource::open("root://host//f.root", &HttpOptions::default()).unwrap_err();
        assert!(matches!(*e.kind, ErrorKind::Remote { .. }), "{e}");
    }
}

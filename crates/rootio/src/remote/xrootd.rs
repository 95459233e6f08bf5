//! XRootD (`root://`) byte source: a small read-only client written on the protocol.
//!
//! There is no XRootD client crate, so this speaks the subset of "The XRootD Protocol" v5 that
//! reading needs (layouts from xrootd's `src/XProtocol/XProtocol.hh`, redirect and wait handling
//! after `src/XrdCl/XrdClXRootDMsgHandler.cc`): handshake, `kXR_protocol`, `kXR_login`,
//! `kXR_auth` with the `unix` protocol, `kXR_open` with `kXR_retstat`, `kXR_stat`,
//! `kXR_query` config, `kXR_read`, `kXR_readv` and `kXR_close`, over one plain TCP connection.
//!
//! - [`XRootDSource::read_ranges`] merges nearby ranges (gap ≤ 32 KiB) and sends them as
//!   `kXR_readv` requests that respect the server's `readv_iov_max` and `readv_ior_max`.
//! - Redirects (a redirector sending us to a data server) are followed up to
//!   [`XRootDOptions::max_redirects`] hops; `kXR_wait` is obeyed (capped sleeps, bounded count).
//! - A dropped connection, a timeout or a malformed reply closes the connection; the request is
//!   retried on a new one (new login, new open) up to [`XRootDOptions::retries`] times with a
//!   short backoff. Server errors (`kXR_NotFound`, …) are not retried.
//! - Every length from the wire is checked against what was asked for before anything is
//!   allocated; every socket operation has [`XRootDOptions::timeout`].
//! - `roots://` switches the connection to TLS (rustls) after `kXR_protocol`, as XrdCl does,
//!   and checks the server's certificate against Mozilla's roots and the CA certificates of
//!   [`XRootDOptions::ca_bundle`] (by default the grid's `X509_CERT_DIR`).
//!
//! ```no_run
//! use std::sync::Arc;
//! use rootio::remote::xrootd::{XRootDOptions, XRootDSource};
//! use rootio::RootFile;
//!
//! let source = XRootDSource::open("root://eospublic.cern.ch//eos/f.root", &XRootDOptions::default())?;
//! let file = RootFile::from_source(Arc::new(source))?;
//! # Ok::<(), rootio::Error>(())
//! ```

mod plan;
pub(crate) mod protocol;
#[cfg(test)]
mod scripted_tests;
mod session;
mod stream;
mod url;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::source::{ByteSource, IoCounters};

use self::protocol::Redirect;
use self::session::{OpenFile, Session};
use self::url::{UrlError, XrdUrl};

/// The most bytes one `kXR_read` asks for; bigger ranges are read in several.
const READ_CHUNK: u64 = 8 * 1024 * 1024;
/// The first backoff between attempts; it doubles each time, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// How an [`XRootDSource`] talks to its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XRootDOptions {
    /// Timeout of each network operation: connecting, and each socket read or write (a reply
    /// that makes progress does not time out). Default 30 s.
    pub timeout: Duration,
    /// How many times a failed request is tried again on a new connection (a refused or
    /// dropped connection, a timeout, a malformed reply). Default 3.
    pub retries: u32,
    /// The most redirects followed while opening the file. Default 16 (as XrdCl).
    pub max_redirects: u32,
    /// CA certificates trusted for `roots://` besides Mozilla's: a PEM file, or a folder of
    /// them. Default: the folder named by the environment variable `X509_CERT_DIR` (where
    /// grid machines keep their CAs, and where `xrdcp` looks), if set.
    pub ca_bundle: Option<PathBuf>,
}

impl Default for XRootDOptions {
    fn default() -> Self {
        XRootDOptions {
            timeout: Duration::from_secs(30),
            retries: 3,
            max_redirects: 16,
            ca_bundle: crate::remote::ca::from_env(),
        }
    }
}

/// What went wrong in a request, before it becomes an [`ErrorKind::Remote`].
#[derive(Debug)]
pub(crate) enum XrdError {
    /// The socket failed: refused, reset, closed, timed out.
    Io(std::io::Error),
    /// No connection could be made.
    Connect(String),
    /// The server's reply broke the protocol; the connection is out of step.
    Protocol(String),
    /// The server answered `kXR_error`.
    Server { code: i32, message: String },
    /// The server sent us elsewhere.
    Redirect(Redirect),
    /// Something a retry will not fix (a redirect loop, TLS required, a short read).
    Fatal(String),
}

impl From<std::io::Error> for XrdError {
    fn from(e: std::io::Error) -> Self {
        XrdError::Io(e)
    }
}

impl XrdError {
    /// Whether a new connection may help.
    fn retryable(&self) -> bool {
        match self {
            XrdError::Io(_) | XrdError::Connect(_) | XrdError::Protocol(_) => true,
            XrdError::Redirect(_) => true,
            // kXR_FileNotOpen (the server lost our handle), kXR_Overloaded, kXR_ReqTimedOut.
            XrdError::Server { code, .. } => matches!(code, 3004 | 3024 | 3034),
            XrdError::Fatal(_) => false,
        }
    }

    /// Whether the connection can no longer be used (not even to close the file).
    fn breaks_connection(&self) -> bool {
        matches!(self, XrdError::Io(_) | XrdError::Protocol(_))
    }

    fn describe(&self, timeout: Duration) -> String {
        match self {
            XrdError::Io(e) if session::is_timeout(e) => {
                format!("no answer from the server within {timeout:?} (timed out)")
            }
            XrdError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                "the server closed the connection in the middle of a reply".into()
            }
            XrdError::Io(e) => format!("connection failed: {e}"),
            XrdError::Connect(m) | XrdError::Fatal(m) => m.clone(),
            XrdError::Protocol(m) => format!("malformed reply from the server: {m}"),
            XrdError::Server { code, message } => {
                format!("{} ({code}): {message}", protocol::error_name(*code))
            }
            XrdError::Redirect(r) => format!("unexpected redirect to {}:{}", r.host, r.port),
        }
    }
}

/// A file on an XRootD server, read with `kXR_read` / `kXR_readv`.
///
/// One TCP connection per source, shared by all threads through a mutex; it is reopened (new
/// login and open) when it fails. The file is closed with `kXR_close` when the source is
/// dropped.
#[derive(Debug)]
pub struct XRootDSource {
    url: String,
    name: PathBuf,
    target: XrdUrl,
    user: String,
    options: XRootDOptions,
    len: u64,
    iov_max: usize,
    ior_max: u32,
    session: Mutex<Option<Session>>,
    counters: IoCounters,
    /// The TLS configuration of a `roots://` URL.
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl XRootDSource {
    /// Connect, log in and open `url` (`root://host[:port]//path[?cgi]`, or `roots://` for the
    /// same in TLS) for reading.
    ///
    /// Fails with [`ErrorKind::Remote`] when the URL is not a `root://` or `roots://` URL, when
    /// the server cannot be reached after the retries, when it refuses (`kXR_NotFound`,
    /// `kXR_NotAuthorized`, …), when redirects loop, or for `roots://` when the server offers
    /// no TLS or its certificate is not trusted.
    pub fn open(url: &str, options: &XRootDOptions) -> Result<XRootDSource> {
        let target = XrdUrl::parse(url).map_err(|e| {
            let UrlError::Invalid(m) = e;
            remote_error(url, None, format!("bad URL: {m}"))
        })?;
        let tls = if target.tls {
            let ca = options.ca_bundle.as_deref();
            Some(stream::client_config(ca).map_err(|m| remote_error(url, None, m))?)
        } else {
            None
        };
        let user = login_name(target.user.as_deref());
        let mut source = XRootDSource {
            url: url.to_string(),
            name: PathBuf::from(url),
            target,
            user,
            options: options.clone(),
            len: 0,
            iov_max: 1,
            ior_max: 1,
            session: Mutex::new(None),
            counters: IoCounters::default(),
            tls,
        };
        let file = source.run(None, false, |s| {
            s.file
                .ok_or_else(|| XrdError::Protocol("no file open after kXR_open".into()))
        })?;
        source.len = file.size;
        source.iov_max = file.iov_max;
        source.ior_max = file.ior_max;
        Ok(source)
    }

    /// The URL this source reads.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Connect to the URL's server and open the file, following redirects.
    fn open_session(&self) -> std::result::Result<(Session, OpenFile), XrdError> {
        let mut host = self.target.host.clone();
        let mut port = self.target.port;
        let mut cgi: Option<String> = None;
        let mut hops: Vec<String> = Vec::new();
        loop {
            let mut s = Session::connect(
                &host,
                port,
                &self.user,
                self.options.timeout,
                self.tls.clone(),
            )?;
            match s.open(&self.target.path_with_cgi(cgi.as_deref())) {
                Ok(f) => return Ok((s, f)),
                Err(XrdError::Redirect(r)) => {
                    hops.push(format!("{host}:{port}"));
                    if hops.len() > self.options.max_redirects as usize {
                        return Err(XrdError::Fatal(format!(
                            "more than {} redirects (a redirect loop?): {} -> {}:{}",
                            self.options.max_redirects,
                            hops.join(" -> "),
                            r.host,
                            r.port
                        )));
                    }
                    (host, port) = redirect_target(&r)?;
                    cgi = r.cgi;
                }
                Err(e) => {
                    s.broken = e.breaks_connection();
                    return Err(e);
                }
            }
        }
    }

    /// Run `op` on the open session, (re)connecting as needed and retrying what a new
    /// connection may fix, at most `retries` times.
    fn run<T>(
        &self,
        range: Option<Range<u64>>,
        check_len: bool,
        mut op: impl FnMut(&mut Session) -> std::result::Result<T, XrdError>,
    ) -> Result<T> {
        let mut guard = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let attempts = self.options.retries.saturating_add(1);
        let mut last: Option<XrdError> = None;
        let mut backoff = FIRST_BACKOFF;
        for attempt in 0..attempts {
            if attempt > 0 {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            if guard.is_none() {
                match self.open_session() {
                    Ok((s, f)) => {
                        if check_len && f.size != self.len {
                            return Err(self.error(
                                range,
                                &XrdError::Fatal(format!(
                                    "the file changed size on the server ({} -> {} bytes)",
                                    self.len, f.size
                                )),
                                1,
                            ));
                        }
                        *guard = Some(s);
                    }
                    Err(e) if e.retryable() => {
                        last = Some(e);
                        continue;
                    }
                    Err(e) => return Err(self.error(range, &e, attempt + 1)),
                }
            }
            let Some(s) = guard.as_mut() else { continue };
            match op(s) {
                Ok(v) => return Ok(v),
                Err(e) => {
                    if e.retryable() || e.breaks_connection() {
                        s.broken = e.breaks_connection();
                        *guard = None;
                    }
                    if !e.retryable() {
                        return Err(self.error(range, &e, attempt + 1));
                    }
                    last = Some(e);
                }
            }
        }
        let e = last.unwrap_or_else(|| XrdError::Fatal("no attempt made".into()));
        Err(self.error(range, &e, attempts))
    }

    fn error(&self, range: Option<Range<u64>>, e: &XrdError, attempts: u32) -> Error {
        let mut message = e.describe(self.options.timeout);
        if attempts > 1 {
            message.push_str(&format!(" (after {attempts} attempts)"));
        }
        remote_error(&self.url, range, message)
    }

    fn check_range(&self, range: &Range<u64>) -> Result<()> {
        crate::source::check_range(range, self.len).map_err(|e| e.in_file(&self.name))
    }
}

impl ByteSource for XRootDSource {
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
        buf.reserve((range.end - range.start) as usize);
        let mut pos = range.start;
        while pos < range.end {
            let len = (range.end - pos).min(READ_CHUNK) as u32;
            let before = buf.len();
            let t = Instant::now();
            self.run(Some(range.clone()), true, |s| {
                buf.truncate(before);
                s.read(pos, len, buf)
            })?;
            self.counters.record_wait(t.elapsed());
            self.counters.record(u64::from(len));
            pos += u64::from(len);
        }
        Ok(())
    }

    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Vec<u8>>> {
        crate::source::read_ranges_streamed(self, ranges)
    }

    /// The ranges are merged into spans and read with vector reads ([`plan::plan`]); a span's
    /// ranges are delivered as soon as its last chunk has arrived.
    fn read_ranges_streaming(
        &self,
        ranges: &[Range<u64>],
        deliver: &mut dyn FnMut(usize, Vec<u8>),
    ) -> Result<()> {
        for r in ranges {
            self.check_range(r)?;
        }
        let plan = plan::plan(ranges, self.iov_max, self.ior_max);
        let mut of_span: Vec<Vec<usize>> = vec![Vec::new(); plan.spans.len()];
        for (i, span) in plan.span_of.iter().enumerate() {
            match span {
                Some(si) => of_span[*si].push(i),
                None => deliver(i, Vec::new()),
            }
        }
        let mut spans: Vec<Vec<u8>> = vec![Vec::new(); plan.spans.len()];
        let mut delivered = vec![false; plan.spans.len()];
        // Hand out a span's ranges once it is whole, then free it.
        let mut complete = |si: usize, spans: &mut [Vec<u8>], delivered: &mut [bool]| {
            let span = &plan.spans[si];
            if delivered[si] || spans[si].len() as u64 != span.end - span.start {
                return;
            }
            for &i in &of_span[si] {
                let r = &ranges[i];
                let (lo, hi) = (
                    (r.start - span.start) as usize,
                    (r.end - span.start) as usize,
                );
                deliver(i, spans[si][lo..hi].to_vec());
            }
            delivered[si] = true;
            spans[si] = Vec::new();
        };
        let mut raw = Vec::new();
        for req in &plan.requests {
            let (Some(first), Some(last)) = (req.first(), req.last()) else {
                continue;
            };
            let range = first.offset..last.offset + u64::from(last.len);
            let bytes: u64 = req.iter().map(|c| u64::from(c.len)).sum();
            // What each span held before this request, to start again from on a retry.
            let before: Vec<(usize, usize)> =
                req.iter().map(|c| (c.span, spans[c.span].len())).collect();
            let t = Instant::now();
            let chunks: Vec<(u64, u32)> = req.iter().map(|c| (c.offset, c.len)).collect();
            // Counted before any span is handed on: a waiting reader may finish (and its caller
            // read the counters) before this request returns.
            self.counters.record(bytes);
            self.run(Some(range), true, |s| {
                for &(si, len) in &before {
                    spans[si].truncate(len);
                }
                if let [c] = req.as_slice() {
                    s.read(c.offset, c.len, &mut spans[c.span])?;
                    complete(c.span, &mut spans, &mut delivered);
                    return Ok(());
                }
                raw.clear();
                s.readv(&chunks, &mut raw, &mut |ci, data| {
                    let c = req[ci];
                    if !delivered[c.span] {
                        spans[c.span].extend_from_slice(data);
                        complete(c.span, &mut spans, &mut delivered);
                    }
                })
            })?;
            self.counters.record_wait(t.elapsed());
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

/// A [`ErrorKind::Remote`] error located at the URL (and the range's first byte).
fn remote_error(url: &str, range: Option<Range<u64>>, message: impl Into<String>) -> Error {
    let start = range.as_ref().map(|r| r.start);
    let e = Error::from(ErrorKind::Remote {
        url: url.to_string(),
        range,
        message: message.into(),
    })
    .in_file(url);
    match start {
        Some(s) => e.at_offset(s),
        None => e,
    }
}

/// Where a redirect sends us: `host` with a port > 0, or with port ≤ 0 a `host[:port]` or a
/// whole `root://host[:port]/…` URL.
fn redirect_target(r: &Redirect) -> std::result::Result<(String, u16), XrdError> {
    let bad = || XrdError::Protocol(format!("bad redirect target {:?} port {}", r.host, r.port));
    if r.port > 0 {
        let port = u16::try_from(r.port).map_err(|_| bad())?;
        let host = r.host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad());
        }
        return Ok((host.to_string(), port));
    }
    let hostport = match r.host.split_once("://") {
        Some((_, rest)) => {
            let authority = rest.split('/').next().unwrap_or("");
            authority.rsplit('@').next().unwrap_or("")
        }
        None => r.host.as_str(),
    };
    url::parse_host_port(hostport).map_err(|_| bad())
}

/// The login name: the URL's user, else `$USER`, else `hepframe`; only characters a server
/// accepts in a user name are kept.
fn login_name(from_url: Option<&str>) -> String {
    let env = std::env::var("USER").ok();
    let name = [from_url, env.as_deref()]
        .into_iter()
        .flatten()
        .map(|u| {
            u.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .take(8)
                .collect::<String>()
        })
        .find(|u| !u.is_empty())
        .unwrap_or_else(|| "hepframe".to_string());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_targets() {
        let r = |host: &str, port: i32| Redirect {
            host: host.into(),
            port,
            cgi: None,
        };
        assert_eq!(
            redirect_target(&r("data.org", 1095)).unwrap(),
            ("data.org".into(), 1095)
        );
        assert_eq!(
            redirect_target(&r("[::1]", 1095)).unwrap(),
            ("::1".into(), 1095)
        );
        assert_eq!(
            redirect_target(&r("root://u@h:2000//f", -1)).unwrap(),
            ("h".into(), 2000)
        );
        assert_eq!(redirect_target(&r("h", 0)).unwrap(), ("h".into(), 1094));
        assert!(redirect_target(&r("h", 70000)).is_err());
        assert!(redirect_target(&r("", 0)).is_err());
        assert!(redirect_target(&r("[]", 5)).is_err());
    }

    #[test]
    fn login_names() {
        assert_eq!(login_name(Some("alice")), "alice");
        assert_eq!(login_name(Some("averyverylongname")), "averyver");
        let n = login_name(Some("!!"));
        assert!(!n.is_empty() && n.len() <= 8);
    }

    #[test]
    fn bad_urls_are_remote_errors() {
        let o = XRootDOptions::default();
        let e = XRootDSource::open("https://h//f", &o).unwrap_err();
        assert!(e.to_string().contains("not a root:// URL"), "{e}");
        assert!(matches!(*e.kind, ErrorKind::Remote { .. }));
        let bad_ca = XRootDOptions {
            ca_bundle: Some(PathBuf::from("/nonexistent/ca")),
            ..XRootDOptions::default()
        };
        let e = XRootDSource::open("roots://h//f", &bad_ca).unwrap_err();
        assert!(e.to_string().contains("no CA certificate"), "{e}");
        let e = XRootDSource::open("root://h", &o).unwrap_err();
        assert!(e.to_string().contains("root://h"), "{e}");
    }

    #[test]
    fn errors_describe_what_happened() {
        let t = Duration::from_secs(1);
        let e = XrdError::Server {
            code: 3011,
            message: "no such file".into(),
        };
        assert_eq!(e.describe(t), "kXR_NotFound (3011): no such file");
        assert!(!e.retryable());
        let e = XrdError::Io(std::io::ErrorKind::WouldBlock.into());
        assert!(e.describe(t).contains("timed out"));
        assert!(e.retryable() && e.breaks_connection());
    }
}

//! One TCP connection to one XRootD server: handshake, TLS for `roots://`, login,
//! authentication, one open file.
//!
//! A [`Session`] sends one request at a time and reads its whole reply before the next one, so
//! stream ids only serve as a check. Every socket read and write has the configured timeout;
//! `kXR_wait` is obeyed a bounded number of times with a capped sleep, and a `kXR_waitresp` waits
//! at most the announced time (capped) plus the timeout for its `kXR_attn`.

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use super::protocol::{self, Reply, Request};
use super::stream::Stream;
use super::XrdError;

/// The longest sleep a `kXR_wait` or `kXR_waitresp` can make us do, per reply.
const MAX_WAIT: Duration = Duration::from_secs(10);
/// How many `kXR_wait` replies one request may get before we give up.
const MAX_WAITS: usize = 8;
/// `readv_iov_max` and `readv_ior_max` when the server does not say (a 5.5 server's values).
const DEFAULT_IOV_MAX: usize = 1024;
const DEFAULT_IOR_MAX: u32 = 2_097_136;
/// Timeouts for the best-effort `kXR_close` when a session is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// The file a session has open.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenFile {
    /// The server's handle for it.
    pub fhandle: [u8; 4],
    /// Its size in bytes.
    pub size: u64,
    /// The most chunks one `kXR_readv` may ask for.
    pub iov_max: usize,
    /// The most bytes one `kXR_readv` chunk may ask for.
    pub ior_max: u32,
}

/// A logged-in connection, with at most one open file.
#[derive(Debug)]
pub(crate) struct Session {
    stream: Stream,
    timeout: Duration,
    next_sid: u16,
    /// The file opened by [`Session::open`].
    pub file: Option<OpenFile>,
    /// The connection is out of step or dead: do not try to close the file on drop.
    pub broken: bool,
}

impl Session {
    /// Connect to `host:port`, do the handshake and `kXR_protocol`, switch to TLS with `tls`
    /// (`roots://`), log in as `user`, and authenticate with the `unix` protocol when the
    /// server asks for it.
    pub fn connect(
        host: &str,
        port: u16,
        user: &str,
        timeout: Duration,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> Result<Session, XrdError> {
        let addrs = (host, port)
            .to_socket_addrs()
            .map_err(|e| XrdError::Connect(format!("cannot resolve {host}:{port}: {e}")))?;
        let mut stream = None;
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let Some(stream) = stream else {
            return Err(XrdError::Connect(match last {
                Some(e) if is_timeout(&e) => {
                    format!("cannot connect to {host}:{port}: no answer within {timeout:?}")
                }
                Some(e) => format!("cannot connect to {host}:{port}: {e}"),
                None => format!("cannot connect to {host}:{port}: no address"),
            }));
        };
        // A zero timeout means "block forever" to the OS: refuse it.
        let timeout = timeout.max(Duration::from_millis(1));
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        let mut s = Session {
            stream: Stream::Plain(stream),
            timeout,
            next_sid: 1,
            file: None,
            broken: false,
        };
        match tls {
            None => s.handshake_and_login(user)?,
            Some(config) => s.handshake_tls_login(user, config, host)?,
        }
        Ok(s)
    }

    fn sid(&mut self) -> [u8; 2] {
        let sid = self.next_sid;
        self.next_sid = self.next_sid.checked_add(1).unwrap_or(1);
        sid.to_be_bytes()
    }

    /// The 20-byte handshake, `kXR_protocol` and `kXR_login`, sent together in one write: the
    /// server answers them in order, so logging in costs one round trip instead of two (XrdCl
    /// sends the handshake and `kXR_protocol` together the same way). Then `unix`
    /// authentication if the server asks for it. Nothing else may be sent before that: a
    /// server requiring authentication drops a connection that asks for more.
    fn handshake_and_login(&mut self, user: &str) -> Result<(), XrdError> {
        let (sid_protocol, sid_login) = (self.sid(), self.sid());
        let login = protocol::login_request(std::process::id(), user);
        let mut msg = protocol::HANDSHAKE.to_vec();
        msg.extend_from_slice(&protocol::protocol_request(false).encode(sid_protocol));
        msg.extend_from_slice(&login.encode(sid_login));
        self.stream.write_all(&msg)?;
        let flags = self.protocol_reply(sid_protocol)?;
        if flags & protocol::KXR_GOTO_TLS != 0 {
            return Err(XrdError::Fatal(
                "the server requires TLS: use a roots:// URL".into(),
            ));
        }
        self.login(user, &login, sid_login)
    }

    /// `roots://`: the handshake and `kXR_protocol` asking for TLS, in the clear; the TLS
    /// handshake when the server answers `kXR_gotoTLS` (a server without TLS is an error, not
    /// a silent fall-back to the clear); then the login, in TLS. One round trip more than in
    /// the clear, and the TLS handshake's.
    fn handshake_tls_login(
        &mut self,
        user: &str,
        config: Arc<rustls::ClientConfig>,
        host: &str,
    ) -> Result<(), XrdError> {
        let sid_protocol = self.sid();
        let mut msg = protocol::HANDSHAKE.to_vec();
        msg.extend_from_slice(&protocol::protocol_request(true).encode(sid_protocol));
        self.stream.write_all(&msg)?;
        let flags = self.protocol_reply(sid_protocol)?;
        if flags & protocol::KXR_GOTO_TLS == 0 {
            return Err(XrdError::Fatal(
                "roots://: the server does not offer TLS (no kXR_gotoTLS); use root:// to read \
                 in the clear"
                    .into(),
            ));
        }
        self.stream.start_tls(config, host)?;
        let sid_login = self.sid();
        let login = protocol::login_request(std::process::id(), user);
        self.stream.write_all(&login.encode(sid_login))?;
        self.login(user, &login, sid_login)
    }

    /// Read the answers to the handshake and to `kXR_protocol`: the server's protocol flags.
    fn protocol_reply(&mut self, sid_protocol: [u8; 2]) -> Result<i32, XrdError> {
        let mut hs = Vec::new();
        match protocol::read_reply(&mut self.stream, [0, 0], &mut hs, 8)? {
            Reply::Ok if hs.len() == 8 => {}
            _ => {
                return Err(XrdError::Protocol(
                    "unexpected answer to the handshake (not an XRootD server?)".into(),
                ))
            }
        }
        let mut body = Vec::new();
        let reply = protocol::read_reply(
            &mut self.stream,
            sid_protocol,
            &mut body,
            protocol::MAX_CONTROL_BODY,
        )?;
        expect_ok(reply, "kXR_protocol")?;
        Ok(protocol::parse_protocol(&body)?.1)
    }

    /// Read the answer to `login` (sent with `sid_login`) and authenticate if asked to.
    fn login(&mut self, user: &str, login: &Request, sid_login: [u8; 2]) -> Result<(), XrdError> {
        let mut login_body = Vec::new();
        let reply = self.finish(
            login,
            sid_login,
            &mut login_body,
            protocol::MAX_CONTROL_BODY,
            true,
            &mut |_| Ok(()),
        )?;
        expect_ok(reply, "kXR_login")?;
        self.authenticate(user, &login_body)
    }

    /// After a login whose answer is `login_body`: authenticate with `unix` if the server asks
    /// for authentication.
    fn authenticate(&mut self, user: &str, login_body: &[u8]) -> Result<(), XrdError> {
        let protocols = protocol::parse_login(login_body)?;
        if protocols.is_empty() {
            return Ok(());
        }
        if !protocols.iter().any(|p| p == "unix") {
            return Err(XrdError::Fatal(format!(
                "the server requires authentication by {}; only 'unix' is supported",
                protocols.join(", ")
            )));
        }
        let mut reply = Vec::new();
        self.call_ok(
            &protocol::auth_unix_request(user),
            &mut reply,
            protocol::MAX_CONTROL_BODY,
        )
    }

    /// Send `req` and read its reply, obeying `kXR_wait` (resend) and `kXR_waitresp`.
    /// Data is appended to `out`, at most `max_data` bytes.
    pub fn call(
        &mut self,
        req: &Request,
        out: &mut Vec<u8>,
        max_data: usize,
    ) -> Result<Reply, XrdError> {
        let sid = self.sid();
        self.stream.write_all(&req.encode(sid))?;
        self.finish(req, sid, out, max_data, true, &mut |_| Ok(()))
    }

    /// Read the reply to `req`, already sent with stream id `sid`; on `kXR_wait`, sleep and
    /// send it again if `resend` (else return the wait), and after a `kXR_waitresp` wait for
    /// its `kXR_attn`. `progress` sees the data as it arrives
    /// ([`protocol::read_reply_progress`]).
    fn finish(
        &mut self,
        req: &Request,
        mut sid: [u8; 2],
        out: &mut Vec<u8>,
        max_data: usize,
        resend: bool,
        progress: &mut dyn FnMut(&[u8]) -> Result<(), XrdError>,
    ) -> Result<Reply, XrdError> {
        let mark = out.len();
        let mut waits = 0usize;
        loop {
            let mut reply =
                protocol::read_reply_progress(&mut self.stream, sid, out, max_data, progress)?;
            if let Reply::WaitResp { seconds } = reply {
                let wait = Duration::from_secs(u64::from(seconds)).min(MAX_WAIT) + self.timeout;
                self.stream.set_read_timeout(Some(wait))?;
                let r = protocol::read_reply(&mut self.stream, sid, out, max_data);
                self.stream.set_read_timeout(Some(self.timeout))?;
                reply = r?;
            }
            match reply {
                Reply::Wait { seconds, message } if resend => {
                    waits += 1;
                    if waits > MAX_WAITS {
                        return Err(XrdError::Server {
                            code: 0,
                            message: format!(
                                "{} still asked to wait after {MAX_WAITS} tries: {message}",
                                req.name()
                            ),
                        });
                    }
                    out.truncate(mark);
                    sleep_for_wait(seconds);
                    sid = self.sid();
                    self.stream.write_all(&req.encode(sid))?;
                }
                r => return Ok(r),
            }
        }
    }

    /// [`Session::call`], with everything but `kXR_ok` turned into an error.
    pub fn call_ok(
        &mut self,
        req: &Request,
        out: &mut Vec<u8>,
        max_data: usize,
    ) -> Result<(), XrdError> {
        let reply = self.call(req, out, max_data)?;
        expect_ok(reply, req.name())
    }

    /// Open `path` (with its CGI) for reading; learn its size and the `kXR_readv` limits.
    ///
    /// The `kXR_query` of the limits is sent in the same write as the `kXR_open`, so both cost
    /// one round trip; the query goes first because the server always answers it at once,
    /// while an open may be told to wait.
    pub fn open(&mut self, path: &str) -> Result<OpenFile, XrdError> {
        let (sid_query, sid_open) = (self.sid(), self.sid());
        let query = protocol::query_config_request("readv_iov_max readv_ior_max");
        let open = protocol::open_request(path);
        let mut msg = query.encode(sid_query);
        msg.extend_from_slice(&open.encode(sid_open));
        self.stream.write_all(&msg)?;
        let mut answer = Vec::new();
        // Not resent on kXR_wait (the open is already in flight): the usual limits then.
        let query_reply = self.finish(
            &query,
            sid_query,
            &mut answer,
            protocol::MAX_CONTROL_BODY,
            false,
            &mut |_| Ok(()),
        )?;
        let (mut iov_max, mut ior_max) = (DEFAULT_IOV_MAX, DEFAULT_IOR_MAX);
        if query_reply == Reply::Ok {
            let v = protocol::parse_query_config(&answer, 2);
            if let Some(n) = v[0] {
                iov_max = n.clamp(1, 16 * 1024) as usize;
            }
            if let Some(n) = v[1] {
                ior_max = n.clamp(1, i32::MAX as u64) as u32;
            }
        }
        let mut body = Vec::new();
        let reply = self.finish(
            &open,
            sid_open,
            &mut body,
            protocol::MAX_CONTROL_BODY,
            true,
            &mut |_| Ok(()),
        )?;
        expect_ok(reply, open.name())?;
        let (fhandle, size) = protocol::parse_open(&body)?;
        // From here on the file is open: close it on drop even if a later step fails.
        let mut file = OpenFile {
            fhandle,
            size: size.unwrap_or(0),
            iov_max,
            ior_max,
        };
        self.file = Some(file);
        if size.is_none() {
            let mut stat = Vec::new();
            self.call_ok(
                &protocol::stat_request(fhandle),
                &mut stat,
                protocol::MAX_CONTROL_BODY,
            )?;
            file.size = protocol::parse_stat(&stat)?;
        }
        self.file = Some(file);
        Ok(file)
    }

    fn open_file(&self) -> Result<OpenFile, XrdError> {
        self.file
            .ok_or_else(|| XrdError::Protocol("no file open on this connection".into()))
    }

    /// `kXR_read` of exactly `len` bytes at `offset`, appended to `out`.
    pub fn read(&mut self, offset: u64, len: u32, out: &mut Vec<u8>) -> Result<(), XrdError> {
        let f = self.open_file()?;
        let before = out.len();
        out.reserve(len as usize);
        self.call_ok(
            &protocol::read_request(f.fhandle, offset, len),
            out,
            len as usize,
        )?;
        let got = out.len() - before;
        if got != len as usize {
            return Err(XrdError::Fatal(format!(
                "short read: {got} of {len} bytes at {offset} (file shorter than its size?)"
            )));
        }
        Ok(())
    }

    /// `kXR_readv` of `chunks` (offset, length). The raw reply (chunk headers and data) is
    /// appended to `out`, and each chunk is handed to `on_chunk(index, data)`, checked, as soon
    /// as it has arrived, so the first chunks of a large read can be used before the last come.
    pub fn readv(
        &mut self,
        chunks: &[(u64, u32)],
        out: &mut Vec<u8>,
        on_chunk: &mut dyn FnMut(usize, &[u8]),
    ) -> Result<(), XrdError> {
        let f = self.open_file()?;
        let want: usize = chunks.iter().map(|&(_, l)| 16 + l as usize).sum();
        let before = out.len();
        out.reserve(want);
        let req = protocol::readv_request(f.fhandle, chunks);
        let mut cursor = protocol::ReadvCursor::new(chunks);
        let mut deliver = |received: &[u8]| -> Result<(), XrdError> {
            for (i, data) in cursor.advance(received)? {
                on_chunk(i, &received[data]);
            }
            Ok(())
        };
        let sid = self.sid();
        self.stream.write_all(&req.encode(sid))?;
        let reply = self.finish(&req, sid, out, want, true, &mut deliver)?;
        expect_ok(reply, req.name())?;
        // Data that came inside a kXR_attn (after a kXR_waitresp) was not seen yet.
        deliver(&out[before..])?;
        cursor.finish(&out[before..])
    }

    /// Best-effort `kXR_close`, not waiting for its answer: the connection is closed right
    /// after, and a server closes the files of a connection that goes away anyway, so waiting
    /// would only add a round trip to the end of every run.
    fn close(&mut self) {
        let Some(f) = self.file.take() else { return };
        let _ = self.stream.set_write_timeout(Some(CLOSE_TIMEOUT));
        let sid = self.sid();
        let _ = self
            .stream
            .write_all(&protocol::close_request(f.fhandle).encode(sid));
        self.stream.shutdown_write();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.broken {
            self.close();
        }
    }
}

/// Sleep as a `kXR_wait` of `seconds` asks, within bounds.
fn sleep_for_wait(seconds: u32) {
    let secs = Duration::from_secs(u64::from(seconds));
    std::thread::sleep(secs.clamp(Duration::from_millis(100), MAX_WAIT));
}

/// `kXR_ok` → `Ok`, everything else → the matching error.
fn expect_ok(reply: Reply, what: &str) -> Result<(), XrdError> {
    match reply {
        Reply::Ok => Ok(()),
        Reply::Error { code, message } => Err(XrdError::Server { code, message }),
        Reply::Redirect(r) => Err(XrdError::Redirect(r)),
        Reply::AuthMore(_) => Err(XrdError::Fatal(format!(
            "{what}: the server wants more authentication rounds (kXR_authmore), not supported"
        ))),
        Reply::Wait { .. } | Reply::WaitResp { .. } => Err(XrdError::Protocol(format!(
            "{what}: a wait where the reply was due"
        ))),
    }
}

/// Whether an IO error is a timeout (`WouldBlock` is what a socket read timeout gives on Unix).
pub(crate) fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

//! The read-only subset of the XRootD wire protocol: request encoding and reply decoding.
//!
//! Everything is big-endian. A request is `streamid[2] u16 requestid body[16] i32 dlen` followed
//! by `dlen` bytes; a reply is `streamid[2] u16 status i32 dlen` followed by `dlen` bytes. The
//! layouts mirror `src/XProtocol/XProtocol.hh` of xrootd (protocol version 5) and were checked
//! against a 5.5.3 server (see `shared/research/remote-io.md`).
//!
//! Every number read from the wire is untrusted: a reply may never make us allocate more than
//! what the request asked for (plus a small constant for headers and messages), and every
//! malformed reply is an error, never a panic.

use std::io::Read;

use super::XrdError;

/// `kXR_auth`.
pub(crate) const KXR_AUTH: u16 = 3000;
/// `kXR_query`.
pub(crate) const KXR_QUERY: u16 = 3001;
/// `kXR_close`.
pub(crate) const KXR_CLOSE: u16 = 3003;
/// `kXR_protocol`.
pub(crate) const KXR_PROTOCOL: u16 = 3006;
/// `kXR_login`.
pub(crate) const KXR_LOGIN: u16 = 3007;
/// `kXR_open`.
pub(crate) const KXR_OPEN: u16 = 3010;
/// `kXR_read`.
pub(crate) const KXR_READ: u16 = 3013;
/// `kXR_stat`.
pub(crate) const KXR_STAT: u16 = 3017;
/// `kXR_readv`.
pub(crate) const KXR_READV: u16 = 3025;

/// Reply status `kXR_ok`: the last (or only) part of a reply.
pub(crate) const KXR_OK: u16 = 0;
/// Reply status `kXR_oksofar`: a part of a reply, more follow.
pub(crate) const KXR_OKSOFAR: u16 = 4000;
/// Reply status `kXR_attn`: an unsolicited message, e.g. the deferred reply after a waitresp.
pub(crate) const KXR_ATTN: u16 = 4001;
/// Reply status `kXR_authmore`: the security protocol wants another round.
pub(crate) const KXR_AUTHMORE: u16 = 4002;
/// Reply status `kXR_error`: `i32 errnum` + message.
pub(crate) const KXR_ERROR: u16 = 4003;
/// Reply status `kXR_redirect`: `i32 port` + `host[?cgi]`.
pub(crate) const KXR_REDIRECT: u16 = 4004;
/// Reply status `kXR_wait`: `i32 seconds` + message; resend after that.
pub(crate) const KXR_WAIT: u16 = 4005;
/// Reply status `kXR_waitresp`: `i32 seconds`; the reply comes later as a `kXR_attn`.
pub(crate) const KXR_WAITRESP: u16 = 4006;
/// `kXR_attn` action code `kXR_asynresp`: the attn carries a whole reply.
pub(crate) const KXR_ASYNRESP: i32 = 5008;

/// `kXR_open` option `kXR_open_read`.
const KXR_OPEN_READ: u16 = 0x0010;
/// `kXR_open` option `kXR_retstat`: the open reply carries the stat information.
const KXR_RETSTAT: u16 = 0x0400;
/// `kXR_query` info type `kXR_Qconfig`.
const KXR_QCONFIG: u16 = 7;
/// The client protocol version we speak (`kXR_PROTOCOLVERSION` 5.1.0 level).
const CLIENT_PROTOCOL_VERSION: i32 = 0x0000_0511;
/// `kXR_protocol` flag `kXR_secreqs`: return the security requirements.
const KXR_SECREQS: u8 = 0x01;
/// `kXR_protocol` flag `kXR_ableTLS`: the client can do TLS.
const KXR_ABLE_TLS: u8 = 0x02;
/// `kXR_protocol` flag `kXR_wantTLS`: the client wants this connection in TLS.
const KXR_WANT_TLS: u8 = 0x04;
/// `kXR_protocol` expect value `kXR_ExpLogin`: a login comes next.
const KXR_EXP_LOGIN: u8 = 0x03;
/// `kXR_login` capver: `kXR_ver005` (the 2019 TLS-capable client level, without `kXR_asyncap`).
const KXR_VER005: u8 = 5;
/// Server protocol flag `kXR_gotoTLS`: the server wants this connection switched to TLS now.
pub(crate) const KXR_GOTO_TLS: i32 = 0x4000_0000;

/// The largest body we accept for a reply that carries no file data (errors, redirects, waits,
/// login, stat, query answers). XRootD caps its messages at 4096 bytes.
pub(crate) const MAX_CONTROL_BODY: usize = 64 * 1024;
/// How many unsolicited `kXR_attn` messages we skip while waiting for one reply.
const MAX_UNSOLICITED: usize = 16;

/// The first 20 bytes a client sends: `i32 0, 0, 0, 4, 2012`.
pub(crate) const HANDSHAKE: [u8; 20] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0x07, 0xdc,
];

/// A request before its stream id is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// The request code (`kXR_open`, …).
    pub id: u16,
    /// The 16 bytes of request-specific fields.
    pub body: [u8; 16],
    /// The payload (a path, a read list, credentials).
    pub data: Vec<u8>,
}

impl Request {
    fn new(id: u16, body: [u8; 16], data: Vec<u8>) -> Request {
        Request { id, body, data }
    }

    /// The bytes on the wire: `streamid[2] u16 requestid body[16] i32 dlen data`.
    pub fn encode(&self, streamid: [u8; 2]) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + self.data.len());
        out.extend_from_slice(&streamid);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.body);
        // Our payloads are paths, credentials and read lists of at most a few hundred KiB.
        let dlen = i32::try_from(self.data.len()).unwrap_or(i32::MAX);
        out.extend_from_slice(&dlen.to_be_bytes());
        out.extend_from_slice(&self.data);
        out
    }

    /// A short name for messages.
    pub fn name(&self) -> &'static str {
        request_name(self.id)
    }
}

/// The name of a request code, for messages.
pub(crate) fn request_name(id: u16) -> &'static str {
    match id {
        KXR_AUTH => "kXR_auth",
        KXR_QUERY => "kXR_query",
        KXR_CLOSE => "kXR_close",
        KXR_PROTOCOL => "kXR_protocol",
        KXR_LOGIN => "kXR_login",
        KXR_OPEN => "kXR_open",
        KXR_READ => "kXR_read",
        KXR_STAT => "kXR_stat",
        KXR_READV => "kXR_readv",
        _ => "request",
    }
}

/// `kXR_protocol`: our protocol version, ask for the security requirements, a login follows;
/// with `tls` (`roots://`) also `kXR_ableTLS | kXR_wantTLS`: switch this connection to TLS.
pub(crate) fn protocol_request(tls: bool) -> Request {
    let mut body = [0u8; 16];
    body[..4].copy_from_slice(&CLIENT_PROTOCOL_VERSION.to_be_bytes());
    body[4] = KXR_SECREQS | if tls { KXR_ABLE_TLS | KXR_WANT_TLS } else { 0 };
    body[5] = KXR_EXP_LOGIN;
    Request::new(KXR_PROTOCOL, body, Vec::new())
}

/// `kXR_login`: `i32 pid, char user[8], u8 ability2, u8 ability, u8 capver, u8 reserved`.
/// The user name is cut to 8 bytes (the field's size) and padded with NULs.
pub(crate) fn login_request(pid: u32, user: &str) -> Request {
    let mut body = [0u8; 16];
    body[..4].copy_from_slice(&pid.to_be_bytes());
    let user = user.as_bytes();
    let n = user.len().min(8);
    body[4..4 + n].copy_from_slice(&user[..n]);
    body[14] = KXR_VER005;
    Request::new(KXR_LOGIN, body, Vec::new())
}

/// `kXR_auth` with the `unix` protocol: credentials `"unix\0<user>\0"` (what
/// `XrdSecProtocolunix::getCredentials` sends; the group after a space is optional).
pub(crate) fn auth_unix_request(user: &str) -> Request {
    let mut body = [0u8; 16];
    body[12..16].copy_from_slice(b"unix");
    let mut data = b"unix\0".to_vec();
    data.extend_from_slice(user.as_bytes());
    data.push(0);
    Request::new(KXR_AUTH, body, data)
}

/// `kXR_open` for reading with `kXR_retstat`: `u16 mode, u16 options, u16 optiont,
/// reserved[6], fhtemplt[4]`, then the path (with its CGI).
pub(crate) fn open_request(path: &str) -> Request {
    let mut body = [0u8; 16];
    body[2..4].copy_from_slice(&(KXR_OPEN_READ | KXR_RETSTAT).to_be_bytes());
    Request::new(KXR_OPEN, body, path.as_bytes().to_vec())
}

/// `kXR_stat` of an open file: `u8 options, reserved[7], u32 wants, fhandle[4]`, no path.
pub(crate) fn stat_request(fhandle: [u8; 4]) -> Request {
    let mut body = [0u8; 16];
    body[12..16].copy_from_slice(&fhandle);
    Request::new(KXR_STAT, body, Vec::new())
}

/// `kXR_query` `kXR_Qconfig`: `u16 infotype, reserved[2], fhandle[4], reserved[8]`, then the
/// configuration names separated by spaces.
pub(crate) fn query_config_request(keys: &str) -> Request {
    let mut body = [0u8; 16];
    body[..2].copy_from_slice(&KXR_QCONFIG.to_be_bytes());
    Request::new(KXR_QUERY, body, keys.as_bytes().to_vec())
}

/// `kXR_read`: `fhandle[4], i64 offset, i32 rlen`.
pub(crate) fn read_request(fhandle: [u8; 4], offset: u64, len: u32) -> Request {
    let mut body = [0u8; 16];
    body[..4].copy_from_slice(&fhandle);
    body[4..12].copy_from_slice(&offset.to_be_bytes());
    body[12..16].copy_from_slice(&len.to_be_bytes());
    Request::new(KXR_READ, body, Vec::new())
}

/// `kXR_readv`: a reserved body, then `{fhandle[4], i32 rlen, i64 offset}` per chunk.
pub(crate) fn readv_request(fhandle: [u8; 4], chunks: &[(u64, u32)]) -> Request {
    let mut data = Vec::with_capacity(16 * chunks.len());
    for &(offset, len) in chunks {
        data.extend_from_slice(&fhandle);
        data.extend_from_slice(&len.to_be_bytes());
        data.extend_from_slice(&offset.to_be_bytes());
    }
    Request::new(KXR_READV, [0u8; 16], data)
}

/// `kXR_close`: `fhandle[4], reserved[12]`.
pub(crate) fn close_request(fhandle: [u8; 4]) -> Request {
    let mut body = [0u8; 16];
    body[..4].copy_from_slice(&fhandle);
    Request::new(KXR_CLOSE, body, Vec::new())
}

/// A reply header: `streamid[2] u16 status i32 dlen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResponseHeader {
    /// The stream id of the request this answers.
    pub streamid: [u8; 2],
    /// `kXR_ok`, `kXR_oksofar`, `kXR_error`, …
    pub status: u16,
    /// The length of the body that follows.
    pub dlen: usize,
}

/// Decode a reply header; a negative length is an error.
pub(crate) fn decode_header(b: &[u8; 8]) -> Result<ResponseHeader, XrdError> {
    let dlen = i32::from_be_bytes([b[4], b[5], b[6], b[7]]);
    let dlen = usize::try_from(dlen)
        .map_err(|_| XrdError::Protocol(format!("reply header with a negative length {dlen}")))?;
    Ok(ResponseHeader {
        streamid: [b[0], b[1]],
        status: u16::from_be_bytes([b[2], b[3]]),
        dlen,
    })
}

/// The outcome of one request, once all its parts have arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// `kXR_ok` (after any `kXR_oksofar` parts): the data was appended to the output buffer.
    Ok,
    /// `kXR_error`.
    Error { code: i32, message: String },
    /// `kXR_redirect`.
    Redirect(Redirect),
    /// `kXR_wait`: resend after this many seconds.
    Wait { seconds: u32, message: String },
    /// `kXR_waitresp`: the reply comes later, within this many seconds, as a `kXR_attn`.
    WaitResp { seconds: u32 },
    /// `kXR_authmore`: the security protocol wants another round (body kept).
    AuthMore(Vec<u8>),
}

/// Where a `kXR_redirect` sends us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    /// The host name or address (or, with `port` ≤ 0, possibly a whole URL).
    pub host: String,
    /// The port; ≤ 0 means none given.
    pub port: i32,
    /// The opaque CGI to add to the path, without the `?`.
    pub cgi: Option<String>,
}

/// Read one whole reply to the request sent with `streamid`.
///
/// File data (`kXR_ok` and `kXR_oksofar` parts) is appended to `out`; at most `max_data` bytes
/// are accepted in all — a server sending more than that is an error, so nothing larger than
/// what was asked for is ever allocated. Unsolicited `kXR_attn` messages are skipped; a
/// `kXR_attn`/`kXR_asynresp` that answers `streamid` (after a `kXR_waitresp`) is unpacked and
/// read like a direct reply.
pub(crate) fn read_reply<R: Read>(
    r: &mut R,
    streamid: [u8; 2],
    out: &mut Vec<u8>,
    max_data: usize,
) -> Result<Reply, XrdError> {
    read_reply_progress(r, streamid, out, max_data, &mut |_| Ok(()))
}

/// The most bytes of file data read from the socket before [`read_reply_progress`] reports.
const PROGRESS_STEP: usize = 1 << 20;

/// [`read_reply`], calling `progress` with all the data of this reply received so far (the
/// part of `out` after its old length) each time up to [`PROGRESS_STEP`] more bytes arrived,
/// so that a caller can use the first chunks of a large vector read while the rest is on its
/// way. An error from `progress` ends the read.
pub(crate) fn read_reply_progress<R: Read>(
    r: &mut R,
    streamid: [u8; 2],
    out: &mut Vec<u8>,
    max_data: usize,
    progress: &mut dyn FnMut(&[u8]) -> Result<(), XrdError>,
) -> Result<Reply, XrdError> {
    let start = out.len();
    let mut unsolicited = 0usize;
    loop {
        let mut h = [0u8; 8];
        r.read_exact(&mut h)?;
        let hdr = decode_header(&h)?;
        if hdr.status == KXR_ATTN {
            let body = read_body(
                r,
                hdr.dlen,
                max_data.saturating_add(16 + MAX_CONTROL_BODY),
                "kXR_attn",
            )?;
            match unpack_attn(&body, streamid)? {
                Some((inner, data)) => {
                    if let Some(reply) = handle_part(inner, data, streamid, out, start, max_data)? {
                        return Ok(reply);
                    }
                }
                None => {
                    unsolicited += 1;
                    if unsolicited > MAX_UNSOLICITED {
                        return Err(XrdError::Protocol(
                            "too many unsolicited kXR_attn messages".into(),
                        ));
                    }
                }
            }
            continue;
        }
        if hdr.streamid != streamid {
            return Err(XrdError::Protocol(format!(
                "reply for stream {:?} while waiting for stream {:?} (status {})",
                hdr.streamid, streamid, hdr.status
            )));
        }
        let body = match hdr.status {
            KXR_OK | KXR_OKSOFAR => {
                let have = out.len() - start;
                if hdr.dlen > max_data.saturating_sub(have) {
                    return Err(XrdError::Protocol(format!(
                        "reply carries {} bytes more than the {max_data} asked for",
                        (have + hdr.dlen).saturating_sub(max_data)
                    )));
                }
                let end = out.len() + hdr.dlen;
                while out.len() < end {
                    let old = out.len();
                    out.resize((old + PROGRESS_STEP).min(end), 0);
                    r.read_exact(&mut out[old..])?;
                    progress(&out[start..])?;
                }
                if hdr.status == KXR_OK {
                    return Ok(Reply::Ok);
                }
                continue;
            }
            _ => read_body(r, hdr.dlen, MAX_CONTROL_BODY, "control reply")?,
        };
        if let Some(reply) = handle_part(hdr, body, streamid, out, start, max_data)? {
            return Ok(reply);
        }
    }
}

/// Handle one reply part whose body is already in memory. `None`: an oksofar part, read on.
fn handle_part(
    hdr: ResponseHeader,
    body: Vec<u8>,
    streamid: [u8; 2],
    out: &mut Vec<u8>,
    start: usize,
    max_data: usize,
) -> Result<Option<Reply>, XrdError> {
    if hdr.streamid != streamid {
        return Err(XrdError::Protocol(format!(
            "asynchronous reply for stream {:?} while waiting for stream {:?}",
            hdr.streamid, streamid
        )));
    }
    match hdr.status {
        KXR_OK | KXR_OKSOFAR => {
            if body.len() > max_data.saturating_sub(out.len() - start) {
                return Err(XrdError::Protocol(format!(
                    "reply carries more than the {max_data} bytes asked for"
                )));
            }
            out.extend_from_slice(&body);
            Ok((hdr.status == KXR_OK).then_some(Reply::Ok))
        }
        KXR_ERROR => {
            let (code, message) = parse_error(&body)?;
            Ok(Some(Reply::Error { code, message }))
        }
        KXR_REDIRECT => Ok(Some(Reply::Redirect(parse_redirect(&body)?))),
        KXR_WAIT => {
            let (seconds, message) = parse_wait(&body)?;
            Ok(Some(Reply::Wait { seconds, message }))
        }
        KXR_WAITRESP => {
            let (seconds, _) = parse_wait(&body)?;
            Ok(Some(Reply::WaitResp { seconds }))
        }
        KXR_AUTHMORE => Ok(Some(Reply::AuthMore(body))),
        other => Err(XrdError::Protocol(format!("unknown reply status {other}"))),
    }
}

/// Read a body of `len` bytes, refusing more than `max`.
fn read_body<R: Read>(r: &mut R, len: usize, max: usize, what: &str) -> Result<Vec<u8>, XrdError> {
    if len > max {
        return Err(XrdError::Protocol(format!(
            "{what} of {len} bytes (at most {max} expected)"
        )));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    Ok(body)
}

/// Unpack a `kXR_attn` body: `i32 actnum`, and for `kXR_asynresp` `reserved[4]`, then a whole
/// reply (header + body). `None` for other (unsolicited) actions.
fn unpack_attn(
    body: &[u8],
    streamid: [u8; 2],
) -> Result<Option<(ResponseHeader, Vec<u8>)>, XrdError> {
    let Some(act) = body.get(..4) else {
        return Err(XrdError::Protocol(format!(
            "kXR_attn of {} bytes, shorter than its action code",
            body.len()
        )));
    };
    let act = i32::from_be_bytes([act[0], act[1], act[2], act[3]]);
    if act != KXR_ASYNRESP {
        return Ok(None);
    }
    let Some(h) = body.get(8..16) else {
        return Err(XrdError::Protocol(
            "kXR_asynresp shorter than its reply header".into(),
        ));
    };
    let mut hb = [0u8; 8];
    hb.copy_from_slice(h);
    let hdr = decode_header(&hb)?;
    let data = &body[16..];
    if hdr.dlen != data.len() {
        return Err(XrdError::Protocol(format!(
            "kXR_asynresp says {} bytes follow but carries {}",
            hdr.dlen,
            data.len()
        )));
    }
    if hdr.streamid != streamid {
        return Err(XrdError::Protocol(format!(
            "asynchronous reply for stream {:?} while waiting for stream {:?}",
            hdr.streamid, streamid
        )));
    }
    Ok(Some((hdr, data.to_vec())))
}

/// Text up to the first NUL, lossily decoded.
fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).trim().to_string()
}

fn be_i32(b: &[u8], what: &str) -> Result<i32, XrdError> {
    match b.get(..4) {
        Some(x) => Ok(i32::from_be_bytes([x[0], x[1], x[2], x[3]])),
        None => Err(XrdError::Protocol(format!(
            "{what} of {} bytes, shorter than 4",
            b.len()
        ))),
    }
}

/// `kXR_error` body: `i32 errnum` + message (NUL-terminated).
pub(crate) fn parse_error(body: &[u8]) -> Result<(i32, String), XrdError> {
    let code = be_i32(body, "kXR_error reply")?;
    Ok((code, c_string(&body[4..])))
}

/// `kXR_wait`/`kXR_waitresp` body: `i32 seconds` + optional message.
pub(crate) fn parse_wait(body: &[u8]) -> Result<(u32, String), XrdError> {
    let secs = be_i32(body, "kXR_wait reply")?;
    Ok((secs.max(0) as u32, c_string(&body[4..])))
}

/// `kXR_redirect` body: `i32 port` + `host[?cgi]` (not NUL-terminated, but tolerate one).
pub(crate) fn parse_redirect(body: &[u8]) -> Result<Redirect, XrdError> {
    let port = be_i32(body, "kXR_redirect reply")?;
    let target = c_string(&body[4..]);
    if target.is_empty() {
        return Err(XrdError::Protocol("kXR_redirect without a host".into()));
    }
    let (host, cgi) = match target.split_once('?') {
        Some((h, c)) => (h.to_string(), (!c.is_empty()).then(|| c.to_string())),
        None => (target, None),
    };
    Ok(Redirect { host, port, cgi })
}

/// The `kXR_protocol` reply: `i32 pval, i32 flags` (+ security requirements we do not use).
pub(crate) fn parse_protocol(body: &[u8]) -> Result<(i32, i32), XrdError> {
    let pval = be_i32(body, "kXR_protocol reply")?;
    let flags = be_i32(body.get(4..).unwrap_or(&[]), "kXR_protocol reply")?;
    Ok((pval, flags))
}

/// The security protocols a `kXR_login` reply asks for: `sessid[16]` then e.g.
/// `&P=unix&P=gsi,v:10000,…` (NUL-terminated or not). Empty: no authentication needed.
pub(crate) fn parse_login(body: &[u8]) -> Result<Vec<String>, XrdError> {
    if body.len() < 16 {
        return Err(XrdError::Protocol(format!(
            "kXR_login reply of {} bytes, shorter than its 16-byte session id",
            body.len()
        )));
    }
    let sec = c_string(&body[16..]);
    Ok(sec
        .split('&')
        .filter_map(|p| p.strip_prefix("P="))
        .map(|p| p.split(',').next().unwrap_or("").to_string())
        .filter(|p| !p.is_empty())
        .collect())
}

/// The `kXR_open` reply: `fhandle[4], i32 cpsize, cptype[4]`, then with `kXR_retstat` the stat
/// text. Returns the handle and the size when the stat text was there.
pub(crate) fn parse_open(body: &[u8]) -> Result<([u8; 4], Option<u64>), XrdError> {
    let Some(fh) = body.get(..4) else {
        return Err(XrdError::Protocol(format!(
            "kXR_open reply of {} bytes, shorter than its file handle",
            body.len()
        )));
    };
    let fhandle = [fh[0], fh[1], fh[2], fh[3]];
    let size = match body.get(12..) {
        Some(stat) if !c_string(stat).is_empty() => Some(parse_stat(stat)?),
        _ => None,
    };
    Ok((fhandle, size))
}

/// The stat text `"id size flags mtime"`: the size.
pub(crate) fn parse_stat(body: &[u8]) -> Result<u64, XrdError> {
    let text = c_string(body);
    let mut fields = text.split_ascii_whitespace();
    let size = fields.nth(1).and_then(|s| s.parse::<u64>().ok());
    size.ok_or_else(|| XrdError::Protocol(format!("stat reply without a size: {text:?}")))
}

/// The answer to `kXR_query` config for `n` names: one value per line; a name the server does
/// not know comes back as itself, which gives `None`.
pub(crate) fn parse_query_config(body: &[u8], n: usize) -> Vec<Option<u64>> {
    let text = c_string(body);
    let mut values: Vec<Option<u64>> = text
        .lines()
        .take(n)
        .map(|l| l.trim().parse::<u64>().ok())
        .collect();
    values.resize(n, None);
    values
}

/// Check and split a `kXR_readv` reply: for each requested chunk a 16-byte header
/// `{fhandle[4], i32 rlen, i64 offset}` that must repeat the request, then `rlen` bytes.
/// Returns the data of each chunk, in request order.
pub(crate) fn split_readv<'a>(
    reply: &'a [u8],
    chunks: &[(u64, u32)],
) -> Result<Vec<&'a [u8]>, XrdError> {
    let mut cursor = ReadvCursor::new(chunks);
    let parts = cursor.advance(reply)?;
    cursor.finish(reply)?;
    Ok(parts.into_iter().map(|(_, r)| &reply[r]).collect())
}

/// Splits a `kXR_readv` reply as it arrives: [`ReadvCursor::advance`] on a longer and longer
/// prefix of the reply gives the chunks completed since its last call, each header checked
/// against the request; [`ReadvCursor::finish`] on the whole reply checks that nothing is
/// missing or left over.
#[derive(Debug)]
pub(crate) struct ReadvCursor<'c> {
    chunks: &'c [(u64, u32)],
    /// The next chunk to complete.
    next: usize,
    /// Where its header starts in the reply.
    pos: usize,
}

impl<'c> ReadvCursor<'c> {
    /// A cursor for the reply to a `kXR_readv` of `chunks` (offset, length).
    pub(crate) fn new(chunks: &'c [(u64, u32)]) -> Self {
        ReadvCursor {
            chunks,
            next: 0,
            pos: 0,
        }
    }

    /// The chunks complete in `received` (a prefix of the reply, longer than at the last call)
    /// that were not returned before: each its index and the range of its data in `received`.
    pub(crate) fn advance(
        &mut self,
        received: &[u8],
    ) -> Result<Vec<(usize, std::ops::Range<usize>)>, XrdError> {
        let mut done = Vec::new();
        while let Some(&(offset, len)) = self.chunks.get(self.next) {
            let Some(h) = received.get(self.pos..self.pos + 16) else {
                break;
            };
            let i = self.next;
            let rlen = i32::from_be_bytes([h[4], h[5], h[6], h[7]]);
            let roff = i64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]);
            if i64::from(rlen) != i64::from(len) || u64::try_from(roff).ok() != Some(offset) {
                return Err(XrdError::Protocol(format!(
                    "kXR_readv chunk {i}: asked {len} bytes at {offset}, got {rlen} bytes at {roff}"
                )));
            }
            let data = self.pos + 16..self.pos + 16 + len as usize;
            if data.end > received.len() {
                break;
            }
            self.pos = data.end;
            self.next += 1;
            done.push((i, data));
        }
        Ok(done)
    }

    /// Check, after [`ReadvCursor::advance`] saw the whole `reply`, that every chunk came and
    /// nothing follows the last.
    pub(crate) fn finish(&self, reply: &[u8]) -> Result<(), XrdError> {
        if let Some(&(_, len)) = self.chunks.get(self.next) {
            let i = self.next;
            return Err(XrdError::Protocol(if reply.len() < self.pos + 16 {
                format!(
                    "kXR_readv reply ends before chunk {i} of {} ({} bytes)",
                    self.chunks.len(),
                    reply.len()
                )
            } else {
                format!(
                    "kXR_readv chunk {i} cut short: {} of {len} bytes",
                    reply.len() - self.pos - 16
                )
            }));
        }
        if self.pos != reply.len() {
            return Err(XrdError::Protocol(format!(
                "kXR_readv reply has {} bytes after the last chunk",
                reply.len() - self.pos
            )));
        }
        Ok(())
    }
}

/// The XRootD name of an error code (`XErrorCode` in `XProtocol.hh`).
pub(crate) fn error_name(code: i32) -> &'static str {
    const NAMES: [&str; 36] = [
        "kXR_ArgInvalid",
        "kXR_ArgMissing",
        "kXR_ArgTooLong",
        "kXR_FileLocked",
        "kXR_FileNotOpen",
        "kXR_FSError",
        "kXR_InvalidRequest",
        "kXR_IOError",
        "kXR_NoMemory",
        "kXR_NoSpace",
        "kXR_NotAuthorized",
        "kXR_NotFound",
        "kXR_ServerError",
        "kXR_Unsupported",
        "kXR_noserver",
        "kXR_NotFile",
        "kXR_isDirectory",
        "kXR_Cancelled",
        "kXR_ItExists",
        "kXR_ChkSumErr",
        "kXR_inProgress",
        "kXR_overQuota",
        "kXR_SigVerErr",
        "kXR_DecryptErr",
        "kXR_Overloaded",
        "kXR_fsReadOnly",
        "kXR_BadPayload",
        "kXR_AttrNotFound",
        "kXR_TLSRequired",
        "kXR_noReplicas",
        "kXR_AuthFailed",
        "kXR_Impossible",
        "kXR_Conflict",
        "kXR_TooManyErrs",
        "kXR_ReqTimedOut",
        "kXR_TimerExpired",
    ];
    code.checked_sub(3000)
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| NAMES.get(i).copied())
        .unwrap_or("kXR_error")
}

#[cfg(test)]
mod tests;

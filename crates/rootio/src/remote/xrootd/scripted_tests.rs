//! The client against a scripted server on loopback: the replies a real 5.5 server rarely
//! sends (`kXR_wait`, `kXR_waitresp` + `kXR_attn`, an open reply without stat, a refused
//! `kXR_query`, reads in `kXR_oksofar` parts, error replies) without needing `xrootd`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::protocol::*;
use super::{XRootDOptions, XRootDSource};
use crate::source::ByteSource;

const SIZE: u64 = 1000;

fn byte_at(i: u64) -> u8 {
    (i * 7 % 251) as u8
}

fn reply(sid: [u8; 2], status: u16, body: &[u8]) -> Vec<u8> {
    let mut v = sid.to_vec();
    v.extend_from_slice(&status.to_be_bytes());
    v.extend_from_slice(&(body.len() as i32).to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn error_body(code: i32, msg: &str) -> Vec<u8> {
    let mut b = code.to_be_bytes().to_vec();
    b.extend_from_slice(msg.as_bytes());
    b.push(0);
    b
}

/// What the scripted server answers to a request: (request id, body, data, stream id).
type Script = dyn Fn(u16, &[u8; 16], &[u8], [u8; 2]) -> Vec<u8> + Send + Sync;

/// Serve one connection: the handshake, protocol and login, then what `script` says.
fn serve(mut s: TcpStream, script: &Script) {
    let mut hs = [0u8; 20];
    if s.read_exact(&mut hs).is_err() {
        return;
    }
    let _ = s.write_all(&reply([0, 0], KXR_OK, &[0, 0, 5, 0x11, 0, 0, 0, 1]));
    loop {
        let mut h = [0u8; 24];
        if s.read_exact(&mut h).is_err() {
            return;
        }
        let sid = [h[0], h[1]];
        let id = u16::from_be_bytes([h[2], h[3]]);
        let mut body = [0u8; 16];
        body.copy_from_slice(&h[4..20]);
        let dlen = i32::from_be_bytes([h[20], h[21], h[22], h[23]]) as usize;
        let mut data = vec![0u8; dlen];
        if s.read_exact(&mut data).is_err() {
            return;
        }
        let out = match id {
            KXR_PROTOCOL => reply(sid, KXR_OK, &[0, 0, 5, 0x11, 0, 0x30, 0, 1]),
            KXR_LOGIN => reply(sid, KXR_OK, &[0; 16]),
            _ => script(id, &body, &data, sid),
        };
        if s.write_all(&out).is_err() {
            return;
        }
    }
}

/// A server on a free port running `script` on every connection; returns the URL.
fn start(
    script: impl Fn(u16, &[u8; 16], &[u8], [u8; 2]) -> Vec<u8> + Send + Sync + 'static,
) -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let script = Arc::new(script);
    thread::spawn(move || {
        for c in l.incoming() {
            let Ok(c) = c else { return };
            let script = script.clone();
            thread::spawn(move || serve(c, &*script));
        }
    });
    format!("root://127.0.0.1:{port}//f.root")
}

fn options() -> XRootDOptions {
    XRootDOptions {
        timeout: Duration::from_secs(2),
        retries: 1,
        max_redirects: 3,
        ca_bundle: None,
    }
}

#[test]
fn wait_waitresp_stat_query_fallback_and_oksofar_reads() {
    let opens = Arc::new(Mutex::new(0usize));
    let seen = opens.clone();
    let url = start(move |id, body, _data, sid| match id {
        KXR_OPEN => {
            let mut n = seen.lock().unwrap_or_else(|e| e.into_inner());
            *n += 1;
            if *n == 1 {
                // Come back in 0 s (the client sleeps a little anyway).
                return reply(sid, KXR_WAIT, &0i32.to_be_bytes());
            }
            // The answer comes asynchronously; no stat in it.
            let mut v = reply(sid, KXR_WAITRESP, &1i32.to_be_bytes());
            let mut attn = KXR_ASYNRESP.to_be_bytes().to_vec();
            attn.extend_from_slice(&[0; 4]);
            attn.extend(reply(sid, KXR_OK, &[0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]));
            v.extend(reply([0, 0], KXR_ATTN, &attn));
            v
        }
        KXR_STAT => {
            assert_eq!(&body[12..16], &[0, 0, 0, 9]);
            reply(sid, KXR_OK, format!("1 {SIZE} 16 0\0").as_bytes())
        }
        KXR_QUERY => reply(sid, KXR_ERROR, &error_body(3013, "no config queries")),
        KXR_READ => {
            let off = u64::from_be_bytes(body[4..12].try_into().unwrap_or_default());
            let len = u32::from_be_bytes(body[12..16].try_into().unwrap_or_default()) as u64;
            let data: Vec<u8> = (off..off + len).map(byte_at).collect();
            let half = data.len() / 2;
            let mut v = reply(sid, KXR_OKSOFAR, &data[..half]);
            v.extend(reply(sid, KXR_OKSOFAR, &[]));
            v.extend(reply(sid, KXR_OK, &data[half..]));
            v
        }
        KXR_CLOSE => reply(sid, KXR_OK, &[]),
        _ => reply(sid, KXR_ERROR, &error_body(3013, "unsupported")),
    });
    let src = XRootDSource::open(&url, &options()).expect("open");
    assert_eq!(src.len(), SIZE);
    assert_eq!(*opens.lock().unwrap_or_else(|e| e.into_inner()), 2);
    assert_eq!((src.iov_max, src.ior_max), (1024, 2_097_136));
    let got = src.read_range(10..900).expect("read");
    assert_eq!(got, (10..900).map(byte_at).collect::<Vec<_>>());
}

#[test]
fn server_errors_and_malformed_vector_reads() {
    let url = start(|id, _body, data, sid| match id {
        KXR_OPEN if data.starts_with(b"/missing") => {
            reply(sid, KXR_ERROR, &error_body(3010, "not allowed here"))
        }
        KXR_OPEN => {
            let mut b = vec![0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
            b.extend_from_slice(format!("1 {SIZE} 16 0").as_bytes());
            reply(sid, KXR_OK, &b)
        }
        KXR_QUERY => reply(sid, KXR_OK, b"2\n100\n"),
        // A vector read answered with the chunks in the wrong order.
        KXR_READV => {
            let mut chunks: Vec<&[u8]> = data.chunks(16).collect();
            chunks.reverse();
            let mut b = Vec::new();
            for c in chunks {
                b.extend_from_slice(c);
                let len = u32::from_be_bytes(c[4..8].try_into().unwrap_or_default());
                b.extend(std::iter::repeat_n(0u8, len as usize));
            }
            reply(sid, KXR_OK, &b)
        }
        KXR_READ => reply(sid, KXR_ERROR, &error_body(3007, "disk on fire")),
        _ => reply(sid, KXR_OK, &[]),
    });
    let e = XRootDSource::open(&url.replace("/f.root", "/missing.root"), &options())
        .expect_err("open refused");
    assert!(
        e.to_string()
            .contains("kXR_NotAuthorized (3010): not allowed here"),
        "{e}"
    );
    let src = XRootDSource::open(&url, &options()).expect("open");
    assert_eq!((src.iov_max, src.ior_max), (2, 100));
    let e = src.read_range(0..10).expect_err("read error");
    assert!(
        e.to_string().contains("kXR_IOError (3007): disk on fire"),
        "{e}"
    );
    let e = src
        .read_ranges(&[0..10, 500..510])
        .expect_err("bad vector read");
    assert!(e.to_string().contains("malformed reply"), "{e}");
    assert!(e.to_string().contains("after 2 attempts"), "{e}");
}

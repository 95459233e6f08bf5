//! Request bytes and reply decoding, malformed replies included.

use super::*;

fn header(sid: [u8; 2], status: u16, dlen: i32) -> Vec<u8> {
    let mut v = sid.to_vec();
    v.extend_from_slice(&status.to_be_bytes());
    v.extend_from_slice(&dlen.to_be_bytes());
    v
}

fn msg(sid: [u8; 2], status: u16, body: &[u8]) -> Vec<u8> {
    let mut v = header(sid, status, body.len() as i32);
    v.extend_from_slice(body);
    v
}

fn reply(wire: &[u8], sid: [u8; 2], max: usize) -> (Result<Reply, XrdError>, Vec<u8>) {
    let mut out = Vec::new();
    let r = read_reply(&mut &wire[..], sid, &mut out, max);
    (r, out)
}

fn is_protocol(r: &Result<Reply, XrdError>) -> bool {
    matches!(r, Err(XrdError::Protocol(_)))
}

const SID: [u8; 2] = [0, 7];

#[test]
fn handshake_bytes() {
    let mut expect = Vec::new();
    for x in [0i32, 0, 0, 4, 2012] {
        expect.extend_from_slice(&x.to_be_bytes());
    }
    assert_eq!(HANDSHAKE.to_vec(), expect);
}

#[test]
fn protocol_request_bytes() {
    let b = protocol_request(false).encode([0, 1]);
    assert_eq!(
        b,
        [0, 1, 0x0b, 0xbe, 0, 0, 0x05, 0x11, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    // roots://: kXR_secreqs | kXR_ableTLS | kXR_wantTLS.
    let b = protocol_request(true).encode([0, 1]);
    assert_eq!(b[8..10], [7, 3]);
}

#[test]
fn login_request_bytes() {
    let b = login_request(0x01020304, "averylongname").encode([0, 2]);
    let mut e = vec![0, 2, 0x0b, 0xbf, 1, 2, 3, 4];
    e.extend_from_slice(b"averylon");
    e.extend_from_slice(&[0, 0, 5, 0, 0, 0, 0, 0]);
    assert_eq!(b, e);
    let b = login_request(1, "ab").encode([0, 2]);
    assert_eq!(&b[8..16], b"ab\0\0\0\0\0\0");
}

#[test]
fn auth_request_bytes() {
    let b = auth_unix_request("joe").encode([0, 3]);
    let mut e = vec![0, 3, 0x0b, 0xb8];
    e.extend_from_slice(&[0; 12]);
    e.extend_from_slice(b"unix");
    e.extend_from_slice(&[0, 0, 0, 9]);
    e.extend_from_slice(b"unix\0joe\0");
    assert_eq!(b, e);
}

#[test]
fn open_request_bytes() {
    let b = open_request("/f.root?a=1").encode([0, 4]);
    let mut e = vec![0, 4, 0x0b, 0xc2, 0, 0, 0x04, 0x10];
    e.extend_from_slice(&[0; 12]);
    e.extend_from_slice(&[0, 0, 0, 11]);
    e.extend_from_slice(b"/f.root?a=1");
    assert_eq!(b, e);
}

#[test]
fn read_stat_query_close_request_bytes() {
    let fh = [9, 8, 7, 6];
    let b = read_request(fh, 0x0102_0304_0506_0708, 0x0a0b0c0d).encode([1, 0]);
    assert_eq!(
        b,
        [
            1, 0, 0x0b, 0xc5, 9, 8, 7, 6, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0,
            0
        ]
    );
    let b = stat_request(fh).encode([1, 1]);
    let mut e = vec![1, 1, 0x0b, 0xc9];
    e.extend_from_slice(&[0; 12]);
    e.extend_from_slice(&fh);
    e.extend_from_slice(&[0; 4]);
    assert_eq!(b, e);
    let b = query_config_request("readv_iov_max readv_ior_max").encode([1, 2]);
    let mut e = vec![1, 2, 0x0b, 0xb9, 0, 7];
    e.extend_from_slice(&[0; 14]);
    e.extend_from_slice(&[0, 0, 0, 27]);
    e.extend_from_slice(b"readv_iov_max readv_ior_max");
    assert_eq!(b, e);
    let b = close_request(fh).encode([1, 3]);
    let mut e = vec![1, 3, 0x0b, 0xbb, 9, 8, 7, 6];
    e.extend_from_slice(&[0; 16]);
    assert_eq!(b, e);
}

#[test]
fn readv_request_bytes() {
    let fh = [1, 2, 3, 4];
    let b = readv_request(fh, &[(0x10, 0x20), (0x1_0000_0000, 5)]).encode([0, 9]);
    let mut e = vec![0, 9, 0x0b, 0xd1];
    e.extend_from_slice(&[0; 16]);
    e.extend_from_slice(&[0, 0, 0, 32]);
    e.extend_from_slice(&[1, 2, 3, 4, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x10]);
    e.extend_from_slice(&[1, 2, 3, 4, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0]);
    assert_eq!(b, e);
}

#[test]
fn ok_and_oksofar_sequences_are_appended() {
    let mut w = msg(SID, KXR_OKSOFAR, b"abc");
    w.extend(msg(SID, KXR_OKSOFAR, b""));
    w.extend(msg(SID, KXR_OK, b"de"));
    let (r, out) = reply(&w, SID, 5);
    assert_eq!(r.unwrap(), Reply::Ok);
    assert_eq!(out, b"abcde");
}

#[test]
fn more_data_than_asked_is_an_error() {
    let mut w = msg(SID, KXR_OKSOFAR, b"abc");
    w.extend(msg(SID, KXR_OK, b"def"));
    assert!(is_protocol(&reply(&w, SID, 5).0));
    // A huge promised length is refused before allocating.
    let w = header(SID, KXR_OK, i32::MAX);
    assert!(is_protocol(&reply(&w, SID, 100).0));
    let w = header(SID, KXR_ERROR, i32::MAX);
    assert!(is_protocol(&reply(&w, SID, 100).0));
    let w = header(SID, KXR_OK, -1);
    assert!(is_protocol(&reply(&w, SID, 100).0));
}

#[test]
fn short_and_cut_replies_are_io_errors() {
    for w in [vec![0u8, 7, 0], header(SID, KXR_OK, 10), {
        let mut w = msg(SID, KXR_OKSOFAR, b"ab");
        w.extend(header(SID, KXR_OK, 4));
        w.extend(b"x");
        w
    }] {
        assert!(matches!(reply(&w, SID, 100).0, Err(XrdError::Io(_))));
    }
    // An oksofar without an end.
    let w = msg(SID, KXR_OKSOFAR, b"ab");
    assert!(matches!(reply(&w, SID, 100).0, Err(XrdError::Io(_))));
}

#[test]
fn wrong_stream_and_unknown_status_are_errors() {
    assert!(is_protocol(&reply(&msg([0, 8], KXR_OK, b""), SID, 10).0));
    assert!(is_protocol(&reply(&msg(SID, 4999, b""), SID, 10).0));
    assert!(is_protocol(&reply(&msg(SID, 0x4000, b""), SID, 10).0));
}

#[test]
fn error_redirect_wait_replies() {
    let mut b = 3011i32.to_be_bytes().to_vec();
    b.extend_from_slice(b"no such file\0");
    assert_eq!(
        reply(&msg(SID, KXR_ERROR, &b), SID, 0).0.unwrap(),
        Reply::Error {
            code: 3011,
            message: "no such file".into()
        }
    );
    assert_eq!(error_name(3011), "kXR_NotFound");
    assert_eq!(error_name(3010), "kXR_NotAuthorized");
    assert_eq!(error_name(3035), "kXR_TimerExpired");
    assert_eq!(error_name(3036), "kXR_error");
    assert_eq!(error_name(-5), "kXR_error");
    // Errors shorter than their code.
    assert!(is_protocol(&reply(&msg(SID, KXR_ERROR, &[0, 1]), SID, 0).0));

    let mut b = 1094i32.to_be_bytes().to_vec();
    b.extend_from_slice(b"data.example.org?tried=x&a=b");
    assert_eq!(
        reply(&msg(SID, KXR_REDIRECT, &b), SID, 0).0.unwrap(),
        Reply::Redirect(Redirect {
            host: "data.example.org".into(),
            port: 1094,
            cgi: Some("tried=x&a=b".into())
        })
    );
    assert!(is_protocol(
        &reply(&msg(SID, KXR_REDIRECT, &1094i32.to_be_bytes()), SID, 0).0
    ));
    assert!(is_protocol(
        &reply(&msg(SID, KXR_REDIRECT, b"ab"), SID, 0).0
    ));

    let mut b = 5i32.to_be_bytes().to_vec();
    b.extend_from_slice(b"busy");
    assert_eq!(
        reply(&msg(SID, KXR_WAIT, &b), SID, 0).0.unwrap(),
        Reply::Wait {
            seconds: 5,
            message: "busy".into()
        }
    );
    assert_eq!(
        reply(&msg(SID, KXR_WAIT, &(-3i32).to_be_bytes()), SID, 0)
            .0
            .unwrap(),
        Reply::Wait {
            seconds: 0,
            message: String::new()
        }
    );
    assert!(is_protocol(&reply(&msg(SID, KXR_WAIT, b""), SID, 0).0));
}

#[test]
fn asynchronous_replies() {
    let mut w = msg(SID, KXR_WAITRESP, &10i32.to_be_bytes());
    let (r, _) = reply(&w, SID, 10);
    assert_eq!(r.unwrap(), Reply::WaitResp { seconds: 10 });
    // The attn carrying the real reply, after an unsolicited message.
    w.clear();
    let mut ms = 5002i32.to_be_bytes().to_vec();
    ms.extend_from_slice(b"hello");
    w.extend(msg([0, 0], KXR_ATTN, &ms));
    let mut body = KXR_ASYNRESP.to_be_bytes().to_vec();
    body.extend_from_slice(&[0; 4]);
    body.extend(msg(SID, KXR_OK, b"data"));
    w.extend(msg([0, 0], KXR_ATTN, &body));
    let (r, out) = reply(&w, SID, 10);
    assert_eq!(r.unwrap(), Reply::Ok);
    assert_eq!(out, b"data");
    // Inner length that does not match, wrong stream, too short.
    let mut bad = body.clone();
    bad[15] = 9;
    assert!(is_protocol(&reply(&msg([0, 0], KXR_ATTN, &bad), SID, 10).0));
    let mut bad = body.clone();
    bad[9] = 8;
    assert!(is_protocol(&reply(&msg([0, 0], KXR_ATTN, &bad), SID, 10).0));
    assert!(is_protocol(
        &reply(&msg([0, 0], KXR_ATTN, &body[..12]), SID, 10).0
    ));
    assert!(is_protocol(
        &reply(&msg([0, 0], KXR_ATTN, &[0, 0]), SID, 10).0
    ));
    // More than asked through the asynchronous path.
    assert!(is_protocol(&reply(&msg([0, 0], KXR_ATTN, &body), SID, 3).0));
    // Endless unsolicited messages.
    let mut w = Vec::new();
    for _ in 0..20 {
        w.extend(msg([0, 0], KXR_ATTN, &ms));
    }
    assert!(is_protocol(&reply(&w, SID, 10).0));
}

#[test]
fn login_protocol_open_stat_query_replies() {
    let mut b = vec![1u8; 16];
    assert!(parse_login(&b).unwrap().is_empty());
    b.extend_from_slice(b"&P=unix&P=gsi,v:10000,c:ssl\0");
    assert_eq!(parse_login(&b).unwrap(), ["unix", "gsi"]);
    assert!(parse_login(&[0; 15]).is_err());

    let mut b = 0x520i32.to_be_bytes().to_vec();
    b.extend_from_slice(&0x300001i32.to_be_bytes());
    assert_eq!(parse_protocol(&b).unwrap(), (0x520, 0x300001));
    assert!(parse_protocol(&b[..6]).is_err());

    let mut b = vec![1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(parse_open(&b).unwrap(), ([1, 2, 3, 4], None));
    b.extend_from_slice(b"12345 320732 16 1700000000\0");
    assert_eq!(parse_open(&b).unwrap(), ([1, 2, 3, 4], Some(320732)));
    assert!(parse_open(&[1, 2]).is_err());
    let mut bad = b[..12].to_vec();
    bad.extend_from_slice(b"12345 -4 16");
    assert!(parse_open(&bad).is_err());
    assert!(parse_stat(b"1").is_err());
    assert!(parse_stat(b"").is_err());

    assert_eq!(
        parse_query_config(b"1024\n2097136\n", 2),
        [Some(1024), Some(2097136)]
    );
    assert_eq!(parse_query_config(b"readv_iov_max\n", 2), [None, None]);
}

#[test]
fn readv_replies() {
    let fh = [1, 2, 3, 4];
    let chunks = [(100u64, 3u32), (7, 2)];
    let mut ok = Vec::new();
    for (&(off, len), data) in chunks.iter().zip([&b"abc"[..], b"xy"]) {
        ok.extend_from_slice(&fh);
        ok.extend_from_slice(&len.to_be_bytes());
        ok.extend_from_slice(&off.to_be_bytes());
        ok.extend_from_slice(data);
    }
    assert_eq!(split_readv(&ok, &chunks).unwrap(), [&b"abc"[..], b"xy"]);
    // Cut anywhere: an error.
    for n in 0..ok.len() {
        assert!(split_readv(&ok[..n], &chunks).is_err(), "cut at {n}");
    }
    // Trailing bytes.
    let mut long = ok.clone();
    long.push(0);
    assert!(split_readv(&long, &chunks).is_err());
    // A header that does not repeat the request (length, offset, negative length).
    let mut bad = ok.clone();
    bad[7] = 4;
    assert!(split_readv(&bad, &chunks).is_err());
    let mut bad = ok.clone();
    bad[15] = 101;
    assert!(split_readv(&bad, &chunks).is_err());
    let mut bad = ok.clone();
    bad[4] = 0xff;
    assert!(split_readv(&bad, &chunks).is_err());
    let mut bad = ok.clone();
    bad[8] = 0xff;
    assert!(split_readv(&bad, &chunks).is_err());
    // Chunks in another order.
    assert!(split_readv(&ok, &[(7, 2), (100, 3)]).is_err());
    // As it arrives: each prefix gives the chunks complete in it, each once, in order.
    for step in 1..ok.len() {
        let mut cursor = ReadvCursor::new(&chunks);
        let mut seen = Vec::new();
        let mut n = 0;
        while n < ok.len() {
            n = (n + step).min(ok.len());
            for (i, r) in cursor.advance(&ok[..n]).unwrap() {
                seen.push((i, ok[r].to_vec()));
            }
        }
        cursor.finish(&ok).unwrap();
        assert_eq!(
            seen,
            [(0, b"abc".to_vec()), (1, b"xy".to_vec())],
            "step {step}"
        );
    }
    // A bad header is an error as soon as it is in, before the chunk's data.
    let mut bad = ok.clone();
    bad[7] = 4;
    assert!(ReadvCursor::new(&chunks).advance(&bad[..16]).is_err());
}

#[test]
fn replies_are_reported_as_they_arrive() {
    // A 3 MiB kXR_ok: progress sees 1, 2 and 3 MiB.
    let data: Vec<u8> = (0..3 << 20).map(|i: u32| i as u8).collect();
    let wire = msg(SID, KXR_OK, &data);
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let reply = read_reply_progress(&mut &wire[..], SID, &mut out, data.len(), &mut |got| {
        seen.push(got.len());
        Ok(())
    })
    .unwrap();
    assert_eq!(reply, Reply::Ok);
    assert_eq!(seen, [1 << 20, 2 << 20, 3 << 20]);
    assert!(out == data);
    // An error from the progress callback ends the read.
    let mut out = Vec::new();
    let r = read_reply_progress(&mut &wire[..], SID, &mut out, data.len(), &mut |_| {
        Err(XrdError::Protocol("bad chunk".into()))
    });
    assert!(r.is_err());
}

#[test]
fn random_garbage_never_panics() {
    // A small deterministic generator: replies of random bytes and random statuses.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..5000 {
        let n = (next() % 64) as usize;
        let mut w: Vec<u8> = (0..n).map(|_| next() as u8).collect();
        if n >= 8 && next() % 2 == 0 {
            let statuses = [0u16, 4000, 4001, 4002, 4003, 4004, 4005, 4006];
            let s = statuses[(next() % statuses.len() as u64) as usize];
            w[..2].copy_from_slice(&SID);
            w[2..4].copy_from_slice(&s.to_be_bytes());
            w[4..8].copy_from_slice(&((next() % 80) as i32).to_be_bytes());
        }
        let mut out = Vec::new();
        let _ = read_reply(&mut &w[..], SID, &mut out, 32);
        assert!(out.len() <= 32);
        let _ = split_readv(&w, &[(1, 2), (3, 4)]);
        let _ = parse_open(&w);
        let _ = parse_login(&w);
        let _ = parse_redirect(&w);
    }
}

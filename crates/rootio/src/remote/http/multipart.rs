//! `multipart/byteranges` bodies (RFC 9110 §14.6, RFC 2046 §5.1): the answer of an HTTP server to
//! a `Range: bytes=a-b, c-d, …` request.
//!
//! Each part is located by the length its `Content-Range` header promises rather than by
//! searching for the next boundary, so file bytes that happen to contain the boundary string
//! (XrdHttp's is the constant `123456`) cannot split a part. After each part the delimiter must
//! follow exactly; a part of the wrong length, a missing or garbled delimiter or a body cut short
//! is an error, never wrong bytes. Quirks tolerated, as in uproot's `source/http.py`:
//! - header names in any case (XrdHttp writes `Content-range`, `Content-type`);
//! - a blank line (or any preamble) before the first delimiter (XrdHttp sends `\r\n` first);
//! - bare `\n` line ends instead of `\r\n`;
//! - parts in any order (the caller matches them by their `Content-Range`).

use std::ops::Range;

/// One part of a `multipart/byteranges` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// The file bytes the part holds, from its `Content-Range` (end exclusive).
    pub file_range: Range<u64>,
    /// The total file size the part's `Content-Range` states, if not `*`.
    pub total: Option<u64>,
    /// Where the part's bytes are in the body.
    pub body_range: Range<usize>,
}

/// The `boundary` parameter of a `multipart/byteranges` Content-Type, unquoted; `None` if the
/// type is something else or has no boundary.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let mime = params.next()?.trim();
    if !mime.eq_ignore_ascii_case("multipart/byteranges") {
        return None;
    }
    for p in params {
        let Some((name, value)) = p.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("boundary") {
            continue;
        }
        let value = value.trim();
        let value = match value.strip_prefix('"') {
            Some(rest) => rest.strip_suffix('"')?,
            None => value,
        };
        // RFC 2046: 1 to 70 characters.
        if value.is_empty() || value.len() > 70 {
            return None;
        }
        return Some(value.to_string());
    }
    None
}

/// A `Content-Range` value `bytes first-last/total` (or `/*`): the file range (end exclusive)
/// and the total if given. `None` for anything else, including `bytes */total`.
pub(crate) fn content_range(value: &str) -> Option<(Range<u64>, Option<u64>)> {
    let value = value.trim();
    let (unit, rest) = value.split_once([' ', '\t'])?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (span, total) = rest.trim().split_once('/')?;
    let (first, last) = span.trim().split_once('-')?;
    let first: u64 = parse_digits(first.trim())?;
    let last: u64 = parse_digits(last.trim())?;
    if last < first {
        return None;
    }
    let total = match total.trim() {
        "*" => None,
        t => Some(parse_digits(t)?),
    };
    let end = last.checked_add(1)?;
    if let Some(t) = total {
        if end > t {
            return None;
        }
    }
    Some((first..end, total))
}

/// The total of an unsatisfied-range `Content-Range: bytes */total` (a 416 answer).
pub(crate) fn unsatisfied_total(value: &str) -> Option<u64> {
    let (unit, rest) = value.trim().split_once(' ')?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    parse_digits(rest.trim().strip_prefix("*/")?.trim())
}

fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Split a `multipart/byteranges` body into its parts. The message says what is wrong.
pub(crate) fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    parse_into(body, boundary, &mut parts)?;
    Ok(parts)
}

/// The parts complete in `received`, the first bytes of a `multipart/byteranges` body still
/// arriving: each part whose data and the delimiter after it are in (so that its length is
/// confirmed). Errors are left to [`parse`] of the whole body.
pub(crate) fn parse_available(received: &[u8], boundary: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let _ = parse_into(received, boundary, &mut parts);
    parts
}

/// [`parse`] into `parts`, which on an error holds the parts confirmed before it.
fn parse_into(body: &[u8], boundary: &str, parts: &mut Vec<Part>) -> Result<(), String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut pos = first_delimiter(body, &delimiter)
        .ok_or_else(|| format!("multipart body without the boundary \"{boundary}\""))?;
    // The line end the body uses (that of the first delimiter line): required again before
    // each further delimiter, so that a part one byte short, whose last "byte" is the `\r` of
    // a `\r\n`, is not taken for a part followed by a bare `\n`.
    let mut eol: Option<&[u8]> = None;
    loop {
        // `pos` is just after a delimiter.
        if body[pos..].starts_with(b"--") {
            if parts.is_empty() {
                return Err("multipart body without parts".to_string());
            }
            return Ok(());
        }
        // Transport padding, then the line end.
        while matches!(body.get(pos), Some(b' ' | b'\t')) {
            pos += 1;
        }
        let next =
            line_end(body, pos).ok_or_else(|| "malformed multipart delimiter line".to_string())?;
        eol.get_or_insert(&body[pos..next]);
        pos = next;
        let mut range = None;
        loop {
            let (line, next) = read_line(body, pos)
                .ok_or_else(|| "multipart body cut short in a part's headers".to_string())?;
            pos = next;
            if line.is_empty() {
                break;
            }
            let line = std::str::from_utf8(line)
                .map_err(|_| "multipart part header is not text".to_string())?;
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("malformed multipart part header {line:?}"))?;
            if name.trim().eq_ignore_ascii_case("content-range") {
                range = Some(content_range(value).ok_or_else(|| {
                    format!(
                        "malformed Content-Range {:?} in a multipart part",
                        value.trim()
                    )
                })?);
            }
        }
        let (file_range, total) =
            range.ok_or_else(|| "multipart part without a Content-Range".to_string())?;
        let n = usize::try_from(file_range.end - file_range.start)
            .map_err(|_| "multipart part too large".to_string())?;
        let data_end = pos
            .checked_add(n)
            .filter(|&e| e <= body.len())
            .ok_or_else(|| {
                format!(
                    "multipart body cut short: part bytes {}..{} has {} of {n} bytes",
                    file_range.start,
                    file_range.end,
                    body.len() - pos
                )
            })?;
        let part = Part {
            file_range,
            total,
            body_range: pos..data_end,
        };
        let sep = eol.unwrap_or(b"\r\n");
        pos = Some(data_end + sep.len())
            .filter(|&p| body[data_end..].starts_with(sep) && body[p..].starts_with(&delimiter))
            .ok_or_else(|| {
                if data_end == body.len() {
                    "multipart body cut short after a part".to_string()
                } else {
                    "multipart part length differs from its Content-Range, or the boundary \
                     after it is garbled"
                        .to_string()
                }
            })?
            + delimiter.len();
        parts.push(part);
    }
}

/// The position just after the first delimiter that starts a line.
fn first_delimiter(body: &[u8], delimiter: &[u8]) -> Option<usize> {
    let mut start = 0;
    while start + delimiter.len() <= body.len() {
        let at = start + find(&body[start..], delimiter)?;
        if at == 0 || body[at - 1] == b'\n' {
            return Some(at + delimiter.len());
        }
        start = at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The position after a `\r\n` or `\n` at `pos`.
fn line_end(body: &[u8], pos: usize) -> Option<usize> {
    match body.get(pos..)? {
        [b'\r', b'\n', ..] => Some(pos + 2),
        [b'\n', ..] => Some(pos + 1),
        _ => None,
    }
}

/// The line starting at `pos` without its line end, and the position after the line end.
fn read_line(body: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = body.get(pos..)?;
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let line = &rest[..nl];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, pos + nl + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, &[u8])], boundary: &str, eol: &str) -> Vec<u8> {
        let mut b = Vec::new();
        for (range, data) in parts {
            b.extend_from_slice(format!("{eol}--{boundary}{eol}").as_bytes());
            b.extend_from_slice(format!("Content-type: application/octet-stream{eol}").as_bytes());
            b.extend_from_slice(format!("Content-range: bytes {range}{eol}{eol}").as_bytes());
            b.extend_from_slice(data);
        }
        b.extend_from_slice(format!("{eol}--{boundary}--{eol}").as_bytes());
        b
    }

    fn bytes_of(body: &[u8], parts: &[Part]) -> Vec<(Range<u64>, Vec<u8>)> {
        parts
            .iter()
            .map(|p| (p.file_range.clone(), body[p.body_range.clone()].to_vec()))
            .collect()
    }

    #[test]
    fn parts_are_available_once_the_delimiter_after_them_is_in() {
        let b = body(
            &[("0-3/100", b"abcd"), ("10-11/100", b"xy")],
            "123456",
            "\r\n",
        );
        let whole = parse(&b, "123456").unwrap();
        let first_end = whole[0].body_range.end;
        for n in 0..=b.len() {
            let got = parse_available(&b[..n], "123456");
            // Each prefix gives a prefix of the parts, each only when the delimiter line after
            // it confirms its length.
            assert!(got.len() <= whole.len());
            assert_eq!(got[..], whole[..got.len()], "prefix {n}");
            if n < first_end + "\r\n--123456".len() {
                assert!(got.is_empty(), "prefix {n}");
            }
        }
        assert_eq!(parse_available(&b, "123456"), whole);
        // A part whose length is wrong is never handed out.
        let bad = body(
            &[("0-4/100", b"abcd"), ("10-11/100", b"xy")],
            "123456",
            "\r\n",
        );
        for n in 0..=bad.len() {
            assert!(parse_available(&bad[..n], "123456").is_empty());
        }
    }

    #[test]
    fn boundary_from_content_type() {
        assert_eq!(
            boundary("multipart/byteranges; boundary=123456").as_deref(),
            Some("123456")
        );
        assert_eq!(
            boundary("Multipart/ByteRanges;charset=x; BOUNDARY=\"a b:c\"").as_deref(),
            Some("a b:c")
        );
        assert_eq!(boundary("application/octet-stream"), None);
        assert_eq!(boundary("multipart/byteranges"), None);
        assert_eq!(boundary("multipart/byteranges; boundary=\"open"), None);
        assert_eq!(boundary("multipart/byteranges; boundary="), None);
    }

    #[test]
    fn content_range_values() {
        assert_eq!(content_range("bytes 0-0/10"), Some((0..1, Some(10))));
        assert_eq!(content_range(" Bytes 5-9/*"), Some((5..10, None)));
        assert_eq!(content_range("bytes 5-10/10"), None);
        assert_eq!(content_range("bytes 9-5/10"), None);
        assert_eq!(content_range("bytes */10"), None);
        assert_eq!(content_range("bytes -5-9/10"), None);
        assert_eq!(content_range("items 0-1/2"), None);
        assert_eq!(unsatisfied_total("bytes */1234"), Some(1234));
        assert_eq!(unsatisfied_total("bytes 0-1/1234"), None);
    }

    #[test]
    fn crlf_as_xrdhttp_sends_it() {
        let b = body(
            &[("0-3/100", b"abcd"), ("10-11/100", b"xy")],
            "123456",
            "\r\n",
        );
        let parts = parse(&b, "123456").unwrap();
        assert_eq!(
            bytes_of(&b, &parts),
            vec![(0..4, b"abcd".to_vec()), (10..12, b"xy".to_vec())]
        );
        assert_eq!(parts[0].total, Some(100));
    }

    #[test]
    fn bare_lf_and_no_leading_blank_line() {
        let mut b = body(&[("2-4/*", b"\n\n-"), ("7-7/8", b"z")], "B", "\n");
        b.remove(0);
        let parts = parse(&b, "B").unwrap();
        assert_eq!(
            bytes_of(&b, &parts),
            vec![(2..5, b"\n\n-".to_vec()), (7..8, b"z".to_vec())]
        );
        assert_eq!(parts[0].total, None);
    }

    #[test]
    fn odd_header_case_padding_and_preamble() {
        let b = b"preamble text\r\n--xyz  \r\nCONTENT-RANGE:bytes 1-2/3\r\ncontent-TYPE: x\r\n\r\nab\r\n--xyz--\r\nepilogue";
        let parts = parse(b, "xyz").unwrap();
        assert_eq!(bytes_of(b, &parts), vec![(1..3, b"ab".to_vec())]);
    }

    #[test]
    fn parts_out_of_order_and_data_containing_the_boundary() {
        let data: &[u8] = b"\r\n--123456\r\n";
        let b = body(
            &[("100-111/1000", data), ("0-0/1000", b"q")],
            "123456",
            "\r\n",
        );
        let parts = parse(&b, "123456").unwrap();
        assert_eq!(
            bytes_of(&b, &parts),
            vec![(100..112, data.to_vec()), (0..1, b"q".to_vec())]
        );
    }

    #[test]
    fn truncated_part_is_an_error() {
        let b = body(&[("0-9/100", b"0123456789")], "b", "\r\n");
        for cut in [b.len() - 9, b.len() - 12, 30, 10, 3] {
            let err = parse(&b[..cut], "b").unwrap_err();
            assert!(
                err.contains("cut short") || err.contains("without"),
                "{cut}: {err}"
            );
        }
    }

    #[test]
    fn part_of_the_wrong_length_is_an_error() {
        // Content-Range promises 10 bytes; 9 or 11 come.
        for data in [&b"012345678"[..], &b"0123456789A"[..]] {
            let b = body(&[("0-9/100", data), ("20-20/100", b"x")], "b", "\r\n");
            let err = parse(&b, "b").unwrap_err();
            assert!(err.contains("differs"), "{err}");
        }
    }

    #[test]
    fn garbled_boundary_is_an_error() {
        let b = body(
            &[("0-3/100", b"abcd"), ("10-11/100", b"xy")],
            "123456",
            "\r\n",
        );
        let s = String::from_utf8(b.clone()).unwrap();
        let garbled = s.replacen("--123456\r\nContent-type", "--123457\r\nContent-type", 2);
        assert!(parse(garbled.as_bytes(), "123456").is_err());
        let garbled = s.replacen("\r\n--123456--", "\r\n--12x456--", 1);
        assert!(parse(garbled.as_bytes(), "123456").is_err());
        assert!(parse(&b, "654321").is_err());
    }

    #[test]
    fn garbage_is_an_error() {
        for g in [
            &b""[..],
            b"--",
            b"--b",
            b"--b--",
            b"--b\r\n",
            b"--b\r\nContent-Range: bytes 0-1/2",
            b"--b\r\nno colon\r\n\r\nab\r\n--b--",
            b"--b\r\nContent-Range: bytes 1-0/2\r\n\r\nab\r\n--b--",
            b"--b\r\nContent-Type: x\r\n\r\nab\r\n--b--",
            b"--bX\r\nContent-Range: bytes 0-1/2\r\n\r\nab\r\n--b--",
            b"xx--b\r\nContent-Range: bytes 0-1/2\r\n\r\nab\r\n--b--",
            b"--b\r\nContent-Range: bytes 0-18446744073709551615/*\r\n\r\nab",
            b"\xff\xfe\x00garbage",
        ] {
            assert!(parse(g, "b").is_err(), "{:?}", String::from_utf8_lossy(g));
        }
    }
}

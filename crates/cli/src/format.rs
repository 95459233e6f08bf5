//! Text formatting helpers shared by the commands: compact numbers for tables, table cells for
//! columns of any shape, byte sizes, compression settings and CSV escaping.
//!
//! Table cells are for people (six significant digits, truncated with `…`); `dump` uses
//! [`rootio::json`] instead, which prints every float so that it reads back exactly.

use rootio::Array;

/// Significant digits of a float in a table cell (as C's `%g`).
const SIGNIFICANT: i32 = 6;

/// A float with up to six significant digits and no trailing zeros, like C's `%g`:
/// `3.14159`, `1e+20`, `0.0001`, `1.5e-05`, `-0`, `nan`, `inf`.
pub fn compact_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Round to the significant digits first: the exponent after rounding decides the notation.
    let sci = format!("{:.*e}", (SIGNIFICANT - 1) as usize, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..SIGNIFICANT).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim_fraction(mantissa), exp.abs())
    } else {
        let decimals = (SIGNIFICANT - 1 - exp).max(0) as usize;
        trim_fraction(&format!("{v:.decimals$}")).to_string()
    }
}

/// Drop trailing zeros after a decimal point, and the point itself if nothing follows.
fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Cut `s` to at most `max` characters, ending with `…` if anything was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Entry `i` of `array` as a table cell of at most `max` characters: numbers via
/// [`compact_float`], lists as `[1.5, 2.5]`, strings as they are (control characters escaped).
/// Long lists stop being formatted once they are past the width, so a cell of a
/// million-element entry costs no more than a short one.
pub fn cell(array: &Array, i: usize, max: usize) -> String {
    let mut w = CellWriter {
        out: String::new(),
        limit: max.saturating_mul(4).saturating_add(16),
    };
    w.value(array, i, true);
    truncate(&w.out, max)
}

/// Whether a column of this array holds plain numbers (to right-align them).
pub fn is_numeric(array: &Array) -> bool {
    matches!(
        array,
        Array::I8(_)
            | Array::U8(_)
            | Array::I16(_)
            | Array::U16(_)
            | Array::I32(_)
            | Array::U32(_)
            | Array::I64(_)
            | Array::U64(_)
            | Array::F32(_)
            | Array::F64(_)
    )
}

struct CellWriter {
    out: String,
    limit: usize,
}

impl CellWriter {
    fn full(&self) -> bool {
        self.out.len() > self.limit
    }

    fn value(&mut self, a: &Array, i: usize, top: bool) {
        if let Some(s) = scalar(a, i) {
            self.out.push_str(&s);
            return;
        }
        match a {
            Array::Jagged { offsets, values } => {
                match (offsets.get(i), offsets.get(i + 1)) {
                    (Some(&lo), Some(&hi)) if 0 <= lo && lo <= hi => {
                        self.list(values, lo as usize..hi as usize)
                    }
                    _ => self.out.push('?'),
                };
            }
            Array::Fixed { size, values } => {
                let lo = i.saturating_mul(*size);
                self.list(values, lo..lo.saturating_add(*size));
            }
            Array::Strings { .. } => {
                let s = string_at(a, i).unwrap_or_else(|| "?".into());
                if top {
                    escape_into(&mut self.out, &s);
                } else {
                    self.out.push('"');
                    escape_into(&mut self.out, &s);
                    self.out.push('"');
                }
            }
            Array::Record { fields, len } if i < *len => {
                self.out.push('{');
                for (k, (name, column)) in fields.iter().enumerate() {
                    if k > 0 {
                        self.out.push_str(", ");
                    }
                    if self.full() {
                        self.out.push('…');
                        return;
                    }
                    self.out.push_str(name);
                    self.out.push_str(": ");
                    self.value(column, i, false);
                }
                self.out.push('}');
            }
            _ => self.out.push('?'),
        }
    }

    fn list(&mut self, values: &Array, range: std::ops::Range<usize>) {
        self.out.push('[');
        for (k, j) in range.enumerate() {
            if k > 0 {
                self.out.push_str(", ");
            }
            if self.full() {
                self.out.push('…');
                return;
            }
            self.value(values, j, false);
        }
        self.out.push(']');
    }
}

/// A primitive element as table text, or `None` for lists and strings (or a bad index).
fn scalar(a: &Array, i: usize) -> Option<String> {
    Some(match a {
        Array::Bool(v) => v.get(i)?.to_string(),
        Array::I8(v) => v.get(i)?.to_string(),
        Array::U8(v) => v.get(i)?.to_string(),
        Array::I16(v) => v.get(i)?.to_string(),
        Array::U16(v) => v.get(i)?.to_string(),
        Array::I32(v) => v.get(i)?.to_string(),
        Array::U32(v) => v.get(i)?.to_string(),
        Array::I64(v) => v.get(i)?.to_string(),
        Array::U64(v) => v.get(i)?.to_string(),
        Array::F32(v) => compact_float(f64::from(*v.get(i)?)),
        Array::F64(v) => compact_float(*v.get(i)?),
        _ => return None,
    })
}

/// Entry `i` of a [`Array::Strings`] column (invalid UTF-8 replaced), or `None`.
pub fn string_at(a: &Array, i: usize) -> Option<String> {
    let Array::Strings { offsets, data } = a else {
        return None;
    };
    let lo = usize::try_from(*offsets.get(i)?).ok()?;
    let hi = usize::try_from(*offsets.get(i + 1)?).ok()?;
    Some(String::from_utf8_lossy(data.get(lo..hi)?).into_owned())
}

/// Append `s` with control characters made visible (`\n`, `\t`, `\u{1b}`).
fn escape_into(out: &mut String, s: &str) {
    for ch in s.chars() {
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
}

/// `s` on one line, for names and titles read from a file: control characters (newlines, tabs,
/// escape sequences) and the Unicode line and paragraph separators are written as Rust escapes
/// them (`\n`, `\t`, `\u{1b}`, `\u{2028}`), without quotes; everything else is kept as it is.
pub fn one_line(s: &str) -> String {
    let breaks = |ch: char| ch.is_control() || matches!(ch, '\u{2028}' | '\u{2029}');
    if !s.contains(breaks) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        if breaks(ch) {
            out.extend(ch.escape_debug());
        } else {
            out.push(ch);
        }
    }
    out
}

/// A byte count for people: `532 B`, `12.3 KiB`, `1.5 MiB`.
pub fn human_bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n.unsigned_abs() < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// A ROOT compression setting (`fCompress` = algorithm × 100 + level) in words, e.g.
/// `zlib level 1` for 101 or `zstd level 5` for 505.
///
/// Algorithms follow `ROOT::RCompressionSetting::EAlgorithm` (`core/zip/inc/Compression.h`):
/// 0 is "the global default", which is zlib for every ROOT version that wrote files (so
/// ROOT 4/5 files' `fCompress = 1` reads as zlib level 1), 1 zlib, 2 LZMA, 3 the legacy
/// `CS` algorithm, 4 LZ4, 5 ZSTD. Level 0 means the data is stored uncompressed.
pub fn compression_setting(c: i32) -> String {
    if c < 0 {
        return format!("unknown ({c})");
    }
    let (algorithm, level) = (c / 100, c % 100);
    if level == 0 {
        return "uncompressed".into();
    }
    let name = match algorithm {
        0 | 1 => "zlib",
        2 => "lzma",
        3 => "legacy CS",
        4 => "lz4",
        5 => "zstd",
        _ => return format!("unknown algorithm {algorithm} level {level}"),
    };
    format!("{name} level {level}")
}

/// Append `s` as one CSV field (RFC 4180): quoted, with `"` doubled, when it holds a comma, a
/// quote, a line break or leading/trailing spaces.
pub fn csv_field(out: &mut String, s: &str) {
    let needs_quotes = s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ');
    if needs_quotes {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// `s` padded with spaces to `width` characters, on the right or (for numbers) on the left.
pub fn pad(s: &str, width: usize, right_align: bool) -> String {
    let fill = width.saturating_sub(s.chars().count());
    if right_align {
        format!("{}{s}", " ".repeat(fill))
    } else {
        format!("{s}{}", " ".repeat(fill))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_on_one_line() {
        assert_eq!(one_line("p_{T} \"GeV\" \\ é"), "p_{T} \"GeV\" \\ é");
        assert_eq!(one_line("a\nb\tc\r\0"), "a\\nb\\tc\\r\\0");
        assert_eq!(one_line("\u{1b}[1m\u{2028}"), "\\u{1b}[1m\\u{2028}");
    }

    #[test]
    fn compact_floats() {
        assert_eq!(compact_float(3.0), "3");
        assert_eq!(compact_float(1.23456789), "1.23457");
        assert_eq!(compact_float(-2.5), "-2.5");
        assert_eq!(compact_float(123456.0), "123456");
        assert_eq!(compact_float(1234567.0), "1.23457e+06");
        assert_eq!(compact_float(999999.5), "1e+06");
        assert_eq!(compact_float(9.9999996), "10");
        assert_eq!(compact_float(0.0001), "0.0001");
        assert_eq!(compact_float(0.00001234), "1.234e-05");
        assert_eq!(compact_float(1e300), "1e+300");
        assert_eq!(compact_float(5e-324), "4.94066e-324");
        assert_eq!(compact_float(-0.0), "-0");
        assert_eq!(compact_float(f64::NAN), "nan");
        assert_eq!(compact_float(f64::NEG_INFINITY), "-inf");
        assert_eq!(compact_float(f64::from(10.240626_f32)), "10.2406");
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("αβγδ", 3), "αβ…");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn cells() {
        let jag = Array::Jagged {
            offsets: vec![0, 0, 3].into(),
            values: Box::new(Array::F32(vec![1.5, 2.25, 1e7])),
        };
        assert_eq!(cell(&jag, 0, 40), "[]");
        assert_eq!(cell(&jag, 1, 40), "[1.5, 2.25, 1e+07]");
        assert_eq!(cell(&jag, 1, 10), "[1.5, 2.2…");
        let fixed = Array::Fixed {
            size: 2,
            values: Box::new(Array::I32(vec![1, 2, 3, 4])),
        };
        assert_eq!(cell(&fixed, 1, 40), "[3, 4]");
        let s = Array::Strings {
            offsets: vec![0, 2, 5],
            data: b"hia\nb".to_vec(),
        };
        assert_eq!(cell(&s, 0, 40), "hi");
        assert_eq!(cell(&s, 1, 40), "a\\nb");
        let vs = Array::Jagged {
            offsets: vec![0, 2].into(),
            values: Box::new(s),
        };
        assert_eq!(cell(&vs, 0, 40), "[\"hi\", \"a\\nb\"]");
        assert_eq!(cell(&Array::Bool(vec![true]), 0, 40), "true");
        let record = Array::Record {
            fields: vec![("x".into(), Array::F64(vec![0.5])), ("s".into(), vs)],
            len: 1,
        };
        assert_eq!(cell(&record, 0, 40), "{x: 0.5, s: [\"hi\", \"a\\nb\"]}");
        assert!(!is_numeric(&record));
        // A bad index gives a marker, not a panic.
        assert_eq!(cell(&Array::I32(vec![]), 3, 40), "?");
        assert_eq!(cell(&jag, 7, 40), "?");
    }

    #[test]
    fn long_lists_stop_early() {
        let n = 1_000_000;
        let jag = Array::Jagged {
            offsets: vec![0, n as i64].into(),
            values: Box::new(Array::F64(vec![0.5; n])),
        };
        let c = cell(&jag, 0, 20);
        assert_eq!(c.chars().count(), 20);
        assert!(c.ends_with('…'));
    }

    #[test]
    fn bytes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
    }

    #[test]
    fn compression_settings() {
        assert_eq!(compression_setting(0), "uncompressed");
        assert_eq!(compression_setting(1), "zlib level 1");
        assert_eq!(compression_setting(101), "zlib level 1");
        assert_eq!(compression_setting(207), "lzma level 7");
        assert_eq!(compression_setting(301), "legacy CS level 1");
        assert_eq!(compression_setting(404), "lz4 level 4");
        assert_eq!(compression_setting(505), "zstd level 5");
        assert_eq!(compression_setting(100), "uncompressed");
        assert_eq!(compression_setting(901), "unknown algorithm 9 level 1");
    }

    #[test]
    fn csv() {
        let mut s = String::new();
        csv_field(&mut s, "plain");
        s.push(',');
        csv_field(&mut s, "[1.5,2.5]");
        s.push(',');
        csv_field(&mut s, "say \"hi\"");
        assert_eq!(s, "plain,\"[1.5,2.5]\",\"say \"\"hi\"\"\"");
    }

    #[test]
    fn padding() {
        assert_eq!(pad("ab", 4, false), "ab  ");
        assert_eq!(pad("ab", 4, true), "  ab");
        assert_eq!(pad("abcde", 4, true), "abcde");
    }
}

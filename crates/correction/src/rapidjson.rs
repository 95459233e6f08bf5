//! Numbers as correctionlib reads them.
//!
//! correctionlib's C++ core parses files with rapidjson *without* `kParseFullPrecisionFlag`
//! (`src/correction.cc`: `json.ParseStream<rapidjson::kParseNanAndInfFlag>(is)` and
//! `json.Parse(data)`), so a decimal number is not rounded correctly: rapidjson's
//! `Reader::ParseNumber` (`include/rapidjson/reader.h`, the submodule's commit 24b5e7a8)
//! accumulates up to 17 significant digits in a `uint64_t` and then a `double`, and scales by a
//! power of ten in one multiplication or division (`internal::StrtodNormalPrecision`,
//! `internal/strtod.h`). For numbers with many digits (`1.0553372312001739`, as Python's `repr`
//! writes them) that can be one ulp away from the nearest double, and every correctionlib user
//! gets that value. To be bit-identical, hepframe reads numbers the same way: [`normalise`]
//! rewrites each decimal number of the text as the shortest representation of rapidjson's
//! double before `serde_json` parses it. Integers (no fraction, no exponent, within 64 bits)
//! stay integers, as in rapidjson (`IsDouble()` is false for them).

use std::borrow::Cow;
use std::sync::OnceLock;

/// `10^n` for n in 0..=308, each the correctly rounded double (rapidjson's `Pow10` table of
/// literals).
fn pow10(n: usize) -> f64 {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=308)
            .map(|k| format!("1e{k}").parse::<f64>().unwrap_or(f64::INFINITY))
            .collect()
    })[n.min(308)]
}

/// rapidjson's `internal::FastPath`.
fn fast_path(significand: f64, exp: i32) -> f64 {
    if exp < -308 {
        0.0
    } else if exp >= 0 {
        significand * pow10(exp as usize)
    } else {
        significand / pow10((-exp) as usize)
    }
}

/// rapidjson's `internal::StrtodNormalPrecision`.
fn strtod_normal_precision(d: f64, p: i32) -> f64 {
    if p < -308 {
        fast_path(fast_path(d, -308), p + 308)
    } else {
        fast_path(d, p)
    }
}

/// What a number token is in rapidjson.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// A number that fits a 64-bit integer (no fraction, no exponent).
    Integer,
    /// A double, as rapidjson computes it.
    Double(f64),
}

/// The number at the start of `s` (a JSON number token: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`),
/// and its length; `None` when it is not one or rapidjson would reject it (too big).
pub(crate) fn parse_number(s: &[u8]) -> Option<(Number, usize)> {
    let mut pos = 0usize;
    let digit = |pos: usize| s.get(pos).filter(|c| c.is_ascii_digit()).map(|c| c - b'0');
    let minus = s.first() == Some(&b'-');
    if minus {
        pos += 1;
    }
    let mut i: u32 = 0;
    let mut i64v: u64 = 0;
    let mut use64bit = false;
    let mut significand_digit = 0i32;
    match digit(pos) {
        Some(0) => pos += 1,
        Some(first) => {
            i = first as u32;
            pos += 1;
            while let Some(c) = digit(pos) {
                let limit = if minus { 214_748_364 } else { 429_496_729 };
                let last = if minus { 8 } else { 5 };
                if i >= limit && (i != limit || c > last) {
                    i64v = i as u64;
                    use64bit = true;
                    break;
                }
                i = i * 10 + c as u32;
                pos += 1;
                significand_digit += 1;
            }
        }
        None => return None,
    }
    let mut use_double = false;
    let mut d = 0.0f64;
    if use64bit {
        while let Some(c) = digit(pos) {
            let (limit, last) = if minus {
                (0x0CCC_CCCC_CCCC_CCCCu64, 8)
            } else {
                (0x1999_9999_9999_9999u64, 5)
            };
            if i64v >= limit && (i64v != limit || c > last) {
                d = i64v as f64;
                use_double = true;
                break;
            }
            i64v = i64v * 10 + c as u64;
            pos += 1;
            significand_digit += 1;
        }
    }
    if use_double {
        while let Some(c) = digit(pos) {
            d = d * 10.0 + c as f64;
            pos += 1;
        }
    }
    let mut exp_frac = 0i32;
    if s.get(pos) == Some(&b'.') {
        pos += 1;
        digit(pos)?;
        if !use_double {
            if !use64bit {
                i64v = i as u64;
            }
            while let Some(c) = digit(pos) {
                if i64v > 0x1F_FFFF_FFFF_FFFF {
                    break;
                }
                i64v = i64v * 10 + c as u64;
                pos += 1;
                exp_frac -= 1;
                if i64v != 0 {
                    significand_digit += 1;
                }
            }
            d = i64v as f64;
            use_double = true;
        }
        while let Some(c) = digit(pos) {
            if significand_digit < 17 {
                d = d * 10.0 + c as f64;
                exp_frac -= 1;
                if d > 0.0 {
                    significand_digit += 1;
                }
            }
            pos += 1;
        }
    }
    let mut exp = 0i32;
    if matches!(s.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if !use_double {
            d = if use64bit { i64v as f64 } else { i as f64 };
            use_double = true;
        }
        let mut exp_minus = false;
        match s.get(pos) {
            Some(b'+') => pos += 1,
            Some(b'-') => {
                exp_minus = true;
                pos += 1
            }
            _ => {}
        }
        exp = digit(pos)? as i32;
        pos += 1;
        if exp_minus {
            let max_exp = (exp_frac + 2_147_483_639) / 10;
            while let Some(c) = digit(pos) {
                exp = exp * 10 + c as i32;
                pos += 1;
                if exp > max_exp {
                    while digit(pos).is_some() {
                        pos += 1;
                    }
                }
            }
            exp = -exp;
        } else {
            let max_exp = 308 - exp_frac;
            while let Some(c) = digit(pos) {
                exp = exp * 10 + c as i32;
                pos += 1;
                if exp > max_exp {
                    return None;
                }
            }
        }
    }
    if !use_double {
        return Some((Number::Integer, pos));
    }
    let d = strtod_normal_precision(d, exp + exp_frac);
    if d > f64::MAX {
        return None;
    }
    Some((Number::Double(if minus { -d } else { d }), pos))
}

/// `text` with every decimal number replaced by the shortest text of the double rapidjson
/// reads from it (see the module documentation); strings are left alone. A number rapidjson
/// rejects is left as it is (the JSON parser then reports it or reads it its own way).
pub(crate) fn normalise(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0usize;
    let mut pos = 0usize;
    let mut buffer = ryu::Buffer::new();
    while pos < b.len() {
        match b[pos] {
            b'"' => {
                pos += 1;
                while pos < b.len() && b[pos] != b'"' {
                    pos += if b[pos] == b'\\' { 2 } else { 1 };
                }
                pos += 1;
            }
            b'-' | b'0'..=b'9' => {
                // A number starts here (JSON has no other token beginning with these).
                match parse_number(&b[pos..]) {
                    Some((Number::Double(d), len)) => {
                        let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                        o.push_str(&text[copied..pos]);
                        o.push_str(buffer.format_finite(d));
                        pos += len;
                        copied = pos;
                    }
                    Some((Number::Integer, len)) => pos += len,
                    None => pos += 1,
                }
            }
            _ => pos += 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied.min(text.len())..]);
            Cow::Owned(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(s: &str) -> f64 {
        match parse_number(s.as_bytes()) {
            Some((Number::Double(d), n)) if n == s.len() => d,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn short_numbers_are_exact() {
        for s in [
            "0.5", "1.0", "-2.25", "1e3", "1.5E-3", "0.1", "3.14159", "120.0", "1e-7",
        ] {
            assert_eq!(double(s), s.parse::<f64>().unwrap(), "{s}");
        }
    }

    #[test]
    fn long_numbers_follow_rapidjson() {
        // 10553372312001739 / 10^16 in one division: one ulp above the correctly rounded value
        // (…226), and what correctionlib 2.9.0 returns for this bin (…227).
        let d = double("1.0553372312001739");
        assert_eq!(d, 10553372312001739f64 / 1e16);
        assert_eq!(d.to_bits(), 4607431635533830227);
        assert_eq!(
            "1.0553372312001739".parse::<f64>().unwrap().to_bits(),
            4607431635533830226
        );
    }

    #[test]
    fn integers_stay_integers_and_strings_are_untouched() {
        assert_eq!(parse_number(b"12345,"), Some((Number::Integer, 5)));
        assert_eq!(parse_number(b"-0]"), Some((Number::Integer, 2)));
        assert!(matches!(
            parse_number(b"18446744073709551616"),
            Some((Number::Double(_), 20))
        ));
        let t = r#"{"a": "1.0553372312001739", "b": [1.0553372312001739, 7, -0.5e-3]}"#;
        assert_eq!(
            normalise(t),
            r#"{"a": "1.0553372312001739", "b": [1.055337231200174, 7, -0.0005]}"#
        );
        assert!(matches!(normalise("[1, 2]"), Cow::Borrowed(_)));
        assert!(parse_number(b"1e400").is_none());
        assert!(parse_number(b"1.").is_none());
    }
}

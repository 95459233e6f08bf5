//! JSON text for column values ([`crate::Array::write_json`], `hepframe dump`).
//!
//! Integers are written as they are, strings escaped, lists as arrays and records as objects.
//! Floats are written in the shortest decimal that reads back exactly, with two refinements:
//!
//! * **Plain notation where people expect it.** A float whose decimal exponent is in `-4..16`
//!   is written in plain
//!   notation (`10.240626`, `0.00012`, `100.0`), as Python's `repr` does, and others as
//!   `3.4028235e+38`. The digits are the same, so the value is the same.
//! * **`Float_t` values survive a reader that parses JSON numbers as `f64`.** The shortest
//!   decimal that reads back as a given `f32` does not always read back as that `f32` when it
//!   is parsed as an `f64` first and then narrowed, which is what Python's `json` + numpy,
//!   `serde_json` or JavaScript do: the two roundings can disagree. For example the `f32` with
//!   bits `0x15ae43fd` prints shortest as `7.038531e-26`, which as an `f64` narrows to the next
//!   `f32` up. For such values a longer decimal is written — the first one (up to the `f64`
//!   form of the value, which always works) that survives both paths.
//!
//! NaN and infinities are written as the strings `"nan"`, `"inf"` and `"-inf"`, since JSON has
//! no literal for them.

use crate::array::Array;

/// Append entry `i` of `array` to `out` as JSON. An index outside the column writes `null`.
pub fn write_value(array: &Array, i: usize, out: &mut String) {
    match array {
        Array::Bool(v) => match v.get(i) {
            Some(true) => out.push_str("true"),
            Some(false) => out.push_str("false"),
            None => out.push_str("null"),
        },
        Array::I8(v) => int(out, v.get(i)),
        Array::U8(v) => int(out, v.get(i)),
        Array::I16(v) => int(out, v.get(i)),
        Array::U16(v) => int(out, v.get(i)),
        Array::I32(v) => int(out, v.get(i)),
        Array::U32(v) => int(out, v.get(i)),
        Array::I64(v) => int(out, v.get(i)),
        Array::U64(v) => int(out, v.get(i)),
        Array::F32(v) => match v.get(i) {
            Some(&x) => write_f32(out, x),
            None => out.push_str("null"),
        },
        Array::F64(v) => match v.get(i) {
            Some(&x) => write_f64(out, x),
            None => out.push_str("null"),
        },
        Array::Jagged { offsets, values } => match (offsets.get(i), offsets.get(i + 1)) {
            (Some(&lo), Some(&hi)) if 0 <= lo && lo <= hi => {
                list(out, values, lo as usize..hi as usize)
            }
            _ => out.push_str("null"),
        },
        Array::Fixed { size, values } => {
            let lo = i.saturating_mul(*size);
            list(out, values, lo..lo.saturating_add(*size));
        }
        Array::Strings { offsets, data } => {
            let text = (|| {
                let lo = usize::try_from(*offsets.get(i)?).ok()?;
                let hi = usize::try_from(*offsets.get(i + 1)?).ok()?;
                data.get(lo..hi).map(String::from_utf8_lossy)
            })();
            match text {
                Some(s) => json_string(out, &s),
                None => out.push_str("null"),
            }
        }
        Array::Record { fields, len } if i < *len => {
            out.push('{');
            for (k, (name, column)) in fields.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                json_string(out, name);
                out.push(':');
                write_value(column, i, out);
            }
            out.push('}');
        }
        Array::Record { .. } => out.push_str("null"),
    }
}

/// Append `s` as a JSON string literal.
pub fn json_string(out: &mut String, s: &str) {
    use std::fmt::Write;
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn int<T: std::fmt::Display>(out: &mut String, v: Option<&T>) {
    use std::fmt::Write;
    match v {
        Some(x) => {
            let _ = write!(out, "{x}");
        }
        None => out.push_str("null"),
    }
}

fn list(out: &mut String, values: &Array, range: std::ops::Range<usize>) {
    out.push('[');
    for (k, j) in range.enumerate() {
        if k > 0 {
            out.push(',');
        }
        write_value(values, j, out);
    }
    out.push(']');
}

/// Append a `f32` so that it reads back exactly, whether parsed as `f32` or as `f64`.
pub fn write_f32(out: &mut String, x: f32) {
    if !x.is_finite() {
        return non_finite(out, f64::from(x));
    }
    let shortest = format!("{x:e}");
    if survives_f64(&shortest, x) {
        return push_decimal(out, &shortest);
    }
    // Shortest has at most 9 significant digits; try longer ones before the f64 form.
    let digits = shortest
        .split('e')
        .next()
        .map_or(0, |m| m.chars().filter(char::is_ascii_digit).count());
    for precision in digits..9 {
        let longer = format!("{x:.precision$e}");
        if survives_f64(&longer, x) {
            return push_decimal(out, &longer);
        }
    }
    push_decimal(out, &format!("{:e}", f64::from(x)));
}

/// Whether `text` parsed as an `f64` and narrowed to `f32` gives back `x`.
fn survives_f64(text: &str, x: f32) -> bool {
    text.parse::<f64>()
        .is_ok_and(|d| (d as f32).to_bits() == x.to_bits())
}

/// Append a `f64` in the shortest form that reads back exactly.
pub fn write_f64(out: &mut String, x: f64) {
    if !x.is_finite() {
        return non_finite(out, x);
    }
    push_decimal(out, &format!("{x:e}"));
}

fn non_finite(out: &mut String, x: f64) {
    out.push_str(if x.is_nan() {
        "\"nan\""
    } else if x > 0.0 {
        "\"inf\""
    } else {
        "\"-inf\""
    });
}

/// Rewrite Rust's `{:e}` form (`-1.0240626e1`, `5e-324`) as a JSON number: plain notation
/// (`-10.240626`, always with a fraction) for exponents in `-4..16`, else `d.ddde±x`.
fn push_decimal(out: &mut String, sci: &str) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = if digits.is_empty() {
        "0".to_string()
    } else {
        digits
    };
    out.push_str(sign);
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.push_str(&"0".repeat(int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&exp.unsigned_abs().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32_text(x: f32) -> String {
        let mut s = String::new();
        write_f32(&mut s, x);
        s
    }

    fn f64_text(x: f64) -> String {
        let mut s = String::new();
        write_f64(&mut s, x);
        s
    }

    #[test]
    fn plain_and_scientific() {
        assert_eq!(f32_text(10.240626), "10.240626");
        assert_eq!(f32_text(1.5), "1.5");
        assert_eq!(f32_text(100.0), "100.0");
        assert_eq!(f32_text(0.0), "0.0");
        assert_eq!(f32_text(-0.0), "-0.0");
        assert_eq!(f32_text(0.00012), "0.00012");
        assert_eq!(f32_text(1e-5), "1e-5");
        assert_eq!(f32_text(f32::MAX), "3.4028235e+38");
        assert_eq!(f32_text(1e14), "100000000000000.0");
        assert_eq!(f64_text(1e16), "1e+16");
        assert_eq!(f64_text(123456789012345.6), "123456789012345.6");
        assert_eq!(f64_text(5e-324), "5e-324");
        assert_eq!(f64_text(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(f64_text(-2.5e-7), "-2.5e-7");
        assert_eq!(f64_text(f64::NAN), "\"nan\"");
        assert_eq!(f64_text(f64::NEG_INFINITY), "\"-inf\"");
    }

    /// The f32 whose shortest decimal does not survive parsing as f64 then narrowing.
    #[test]
    fn double_rounding_case() {
        let x = f32::from_bits(0x15ae_43fd);
        assert_eq!(format!("{x:e}"), "7.038531e-26");
        let text = f32_text(x);
        let back: f64 = serde_json::from_str(&text).unwrap();
        assert_eq!((back as f32).to_bits(), x.to_bits(), "{text}");
        assert_eq!(text.parse::<f32>().map(f32::to_bits), Ok(x.to_bits()));
    }

    /// Pseudo-random bit patterns: every finite float reads back exactly through serde_json.
    #[test]
    fn floats_round_trip() {
        let mut bits: u32 = 1;
        for _ in 0..300_000 {
            bits = bits.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let x = f32::from_bits(bits);
            if x.is_finite() {
                let text = f32_text(x);
                let back: f64 = serde_json::from_str(&text).unwrap();
                assert_eq!(
                    (back as f32).to_bits(),
                    x.to_bits(),
                    "{x:e} written as {text}"
                );
                assert_eq!(
                    text.parse::<f32>().map(f32::to_bits),
                    Ok(x.to_bits()),
                    "{text}"
                );
            }
            let d = f64::from_bits(u64::from(bits) << 32 | u64::from(bits.rotate_left(7)));
            if d.is_finite() {
                let text = f64_text(d);
                let back: f64 = serde_json::from_str(&text).unwrap();
                assert_eq!(back.to_bits(), d.to_bits(), "{d:e} written as {text}");
            }
        }
    }

    #[test]
    fn nested_values() {
        let mut s = String::new();
        let jag = Array::Jagged {
            offsets: vec![0, 0, 2].into(),
            values: Box::new(Array::Strings {
                offsets: vec![0, 1, 3],
                data: b"a\"b".to_vec(),
            }),
        };
        write_value(&jag, 1, &mut s);
        s.push(' ');
        write_value(&jag, 0, &mut s);
        s.push(' ');
        write_value(
            &Array::Fixed {
                size: 2,
                values: Box::new(Array::U8(vec![1, 2, 3, 4])),
            },
            1,
            &mut s,
        );
        s.push(' ');
        write_value(&Array::Bool(vec![true]), 5, &mut s);
        s.push(' ');
        let record = Array::Record {
            fields: vec![
                ("x".into(), Array::F32(vec![1.5, 2.0])),
                ("n".into(), Array::I32(vec![1, 2])),
            ],
            len: 2,
        };
        write_value(&record, 1, &mut s);
        assert_eq!(s, "[\"a\",\"\\\"b\"] [] [3,4] null {\"x\":2.0,\"n\":2}");
    }
}

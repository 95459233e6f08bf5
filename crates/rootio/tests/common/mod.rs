//! Shared helpers for the fixture tests: compare columns with the expected values written by
//! the fixture-generating scripts.
#![allow(dead_code)]

use rootio::Array;
use serde_json::Value;
use std::path::PathBuf;

/// The fixtures folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// One manifest entry: a ROOT file and the JSON with its expected values.
pub struct Case {
    pub file: PathBuf,
    pub expected: PathBuf,
}

/// All cases from `manifest.json` in `dir`.
pub fn cases(dir: &str) -> Vec<Case> {
    let base = fixtures().join(dir);
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("manifest.json")).unwrap())
            .unwrap();
    m.as_array()
        .unwrap()
        .iter()
        .map(|e| Case {
            file: base.join(e["file"].as_str().unwrap()),
            expected: base.join(e["expected"].as_str().unwrap()),
        })
        .collect()
}

/// Compare entry `i` of `a` with the expected JSON value; returns a description on mismatch.
pub fn check(a: &Array, i: usize, want: &Value) -> Result<(), String> {
    let fail = |got: String| Err(format!("entry {i}: got {got}, want {want}"));
    macro_rules! num {
        ($v:expr, $conv:expr) => {{
            let got = $v[i];
            let ok = match want {
                Value::Number(n) => $conv(got, n),
                Value::Bool(b) => (got as f64 != 0.0) == *b,
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                fail(format!("{got:?}"))
            }
        }};
    }
    let int_eq = |g: i128, n: &serde_json::Number| {
        n.as_i64()
            .map(|x| x as i128 == g)
            .or(n.as_u64().map(|x| x as i128 == g))
            .unwrap_or(false)
    };
    match a {
        Array::Bool(v) => match want {
            Value::Bool(b) if *b == v[i] => Ok(()),
            Value::Number(n) if n.as_i64() == Some(v[i] as i64) => Ok(()),
            _ => fail(format!("{}", v[i])),
        },
        Array::I8(v) => num!(v, |g: i8, n| int_eq(g as i128, n)),
        Array::U8(v) => num!(v, |g: u8, n| int_eq(g as i128, n)),
        Array::I16(v) => num!(v, |g: i16, n| int_eq(g as i128, n)),
        Array::U16(v) => num!(v, |g: u16, n| int_eq(g as i128, n)),
        Array::I32(v) => num!(v, |g: i32, n| int_eq(g as i128, n)),
        Array::U32(v) => num!(v, |g: u32, n| int_eq(g as i128, n)),
        Array::I64(v) => num!(v, |g: i64, n| int_eq(g as i128, n)),
        Array::U64(v) => num!(v, |g: u64, n| int_eq(g as i128, n)),
        Array::F32(v) => num!(v, |g: f32, n: &serde_json::Number| n.as_f64()
            == Some(g as f64)),
        Array::F64(v) => num!(v, |g: f64, n: &serde_json::Number| n.as_f64() == Some(g)),
        Array::Jagged { offsets, values } => {
            let Value::Array(w) = want else {
                return fail("a list".into());
            };
            let (s, e) = (offsets[i] as usize, offsets[i + 1] as usize);
            if e - s != w.len() {
                return fail(format!("a list of {}", e - s));
            }
            for (k, wv) in w.iter().enumerate() {
                check(values, s + k, wv).map_err(|m| format!("entry {i}[{k}]: {m}"))?;
            }
            Ok(())
        }
        Array::Fixed { size, values } => {
            let Value::Array(w) = want else {
                return fail("a list".into());
            };
            // Nested expected lists are flattened (x[2][3] may be written either way).
            let flat: Vec<&Value> = flatten(w);
            if flat.len() != *size {
                return fail(format!("a fixed list of {size}"));
            }
            for (k, wv) in flat.iter().enumerate() {
                check(values, i * size + k, wv).map_err(|m| format!("entry {i}[{k}]: {m}"))?;
            }
            Ok(())
        }
        Array::Record { fields, .. } => {
            let Value::Object(w) = want else {
                return fail("a record".into());
            };
            for (name, wv) in w {
                let Some((_, col)) = fields.iter().find(|(n, _)| n == name) else {
                    return fail(format!("a record without member {name}"));
                };
                check(col, i, wv).map_err(|m| format!("entry {i}.{name}: {m}"))?;
            }
            Ok(())
        }
        Array::Strings { offsets, data } => {
            let got = &data[offsets[i] as usize..offsets[i + 1] as usize];
            match want {
                Value::String(s) if s.as_bytes() == got => Ok(()),
                _ => fail(format!("{:?}", String::from_utf8_lossy(got))),
            }
        }
    }
}

fn flatten(v: &[Value]) -> Vec<&Value> {
    let mut out = Vec::new();
    for x in v {
        match x {
            Value::Array(inner) => out.extend(flatten(inner)),
            other => out.push(other),
        }
    }
    out
}

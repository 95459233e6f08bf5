//! JSON access with the type rules of correctionlib's rapidjson reader.
//!
//! correctionlib reads files with rapidjson and `JSONObject::getRequired<T>` in
//! `src/correction_detail.h`, whose type tests are stricter than "is a number":
//! `double` means `IsDouble()` (a number written with a fraction or exponent, so `"low": 0`
//! is rejected while `"low": 0.0` is accepted), `int` means `IsInt()` (fits in `int32_t`),
//! `uint32_t` means `IsUint()`. [`Obj`] mirrors these, with the reference's messages.
//!
//! Numbers are first rewritten to the doubles rapidjson reads from them (it is not correctly
//! rounded; see [`crate::rapidjson`]). The reference parses with `kParseNanAndInfFlag`, so
//! bare `NaN`, `Inf`, `Infinity` (with an optional `-`) are numbers. serde_json rejects them; [`parse`] retries after rewriting
//! such tokens (outside strings) into private marker strings that [`number`] understands.

use serde_json::{Map, Value};

use crate::error::LoadError;

const NAN_MARK: &str = "\u{0}hepframe-correction:NaN";
const INF_MARK: &str = "\u{0}hepframe-correction:Inf";
const NEG_INF_MARK: &str = "\u{0}hepframe-correction:-Inf";

/// Parses JSON text as correctionlib does: decimal numbers rounded the way rapidjson
/// rounds them ([`crate::rapidjson::normalise`]), and rapidjson's `NaN`/`Inf`/`Infinity`
/// extension accepted.
pub(crate) fn parse(text: &str) -> Result<Value, LoadError> {
    let normalised = crate::rapidjson::normalise(text);
    let text: &str = &normalised;
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(first) => match rewrite_nan_inf(text) {
            Some(rewritten) => serde_json::from_str(&rewritten).map_err(LoadError::Json),
            None => Err(LoadError::Json(first)),
        },
    }
}

/// Rewrites bare `NaN`, `Inf`, `Infinity`, `-NaN`, `-Inf`, `-Infinity` outside strings into
/// marker strings; `None` when there is none (the parse error stands).
fn rewrite_nan_inf(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 64);
    let mut last = 0;
    let mut i = 0;
    let mut in_string = false;
    let mut changed = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let (neg, start) = if b == b'-' { (true, i + 1) } else { (false, i) };
        let rest = &bytes[start.min(bytes.len())..];
        let matched = if rest.starts_with(b"NaN") {
            Some((NAN_MARK, 3))
        } else if rest.starts_with(b"Infinity") {
            Some((if neg { NEG_INF_MARK } else { INF_MARK }, 8))
        } else if rest.starts_with(b"Inf") {
            Some((if neg { NEG_INF_MARK } else { INF_MARK }, 3))
        } else {
            None
        };
        match matched {
            Some((mark, len)) => {
                out.push_str(&text[last..i]);
                out.push('"');
                for c in mark.chars() {
                    if c == '\u{0}' {
                        out.push_str("\\u0000");
                    } else {
                        out.push(c);
                    }
                }
                out.push('"');
                i = start + len;
                last = i;
                changed = true;
            }
            None => i += 1,
        }
    }
    if !changed {
        return None;
    }
    out.push_str(&text[last.min(text.len())..]);
    Some(out)
}

/// A JSON number (rapidjson `IsNumber()` + `GetDouble()`), including the NaN/Inf markers.
pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => marker(s),
        _ => None,
    }
}

/// A number written as a double (rapidjson `IsDouble()`): with a fraction or exponent, too
/// large for 64-bit integers, or NaN/Inf.
pub(crate) fn double(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) if n.is_f64() => n.as_f64(),
        Value::String(s) => marker(s),
        _ => None,
    }
}

/// A number that fits in `int32_t` (rapidjson `IsInt()`).
pub(crate) fn int32(v: &Value) -> Option<i32> {
    v.as_i64().and_then(|i| i32::try_from(i).ok())
}

fn marker(s: &str) -> Option<f64> {
    match s {
        NAN_MARK => Some(f64::NAN),
        INF_MARK => Some(f64::INFINITY),
        NEG_INF_MARK => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// A JSON string that is not one of the NaN/Inf markers.
pub(crate) fn string(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) if marker(s).is_none() => Some(s),
        _ => None,
    }
}

/// A JSON object with the accessors of correctionlib's `JSONObject`.
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    context: &'a str,
}

impl<'a> Obj<'a> {
    /// Wraps `v`, which must be an object; `what` names it in the error.
    pub(crate) fn new(v: &'a Value, context: &'a str, what: &str) -> Result<Self, LoadError> {
        match v {
            Value::Object(map) => Ok(Obj { map, context }),
            _ => Err(schema(context, format!("Expected {what} object"))),
        }
    }

    /// The error context (correction name or set).
    pub(crate) fn context(&self) -> &'a str {
        self.context
    }

    /// An error in this object's context.
    pub(crate) fn err(&self, message: impl Into<String>) -> LoadError {
        schema(self.context, message)
    }

    /// The member `key`, if present (null included).
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// `getRequiredValue`: the member `key` of any type.
    pub(crate) fn required(&self, key: &str) -> Result<&'a Value, LoadError> {
        self.map
            .get(key)
            .ok_or_else(|| self.err(format!("Object missing required attribute '{key}'")))
    }

    fn invalid(&self, key: &str) -> LoadError {
        self.err(format!(
            "Encountered invalid type for required attribute '{key}'"
        ))
    }

    /// `getRequired<const char*>`.
    pub(crate) fn req_str(&self, key: &str) -> Result<&'a str, LoadError> {
        string(self.required(key)?).ok_or_else(|| self.invalid(key))
    }

    /// `getOptional<const char*>`: absent or null is `None`.
    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<&'a str>, LoadError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => string(v).map(Some).ok_or_else(|| {
                self.err(format!(
                    "Encountered invalid type for optional attribute '{key}'"
                ))
            }),
        }
    }

    /// `getRequired<int>` (`IsInt()`: fits in `int32_t`).
    pub(crate) fn req_i32(&self, key: &str) -> Result<i32, LoadError> {
        int32(self.required(key)?).ok_or_else(|| self.invalid(key))
    }

    /// `getRequired<uint32_t>` (`IsUint()`).
    pub(crate) fn req_u32(&self, key: &str) -> Result<u32, LoadError> {
        self.required(key)?
            .as_u64()
            .and_then(|u| u32::try_from(u).ok())
            .ok_or_else(|| self.invalid(key))
    }

    /// `getRequired<double>` (`IsDouble()`: integers written without a fraction are refused).
    pub(crate) fn req_double(&self, key: &str) -> Result<f64, LoadError> {
        double(self.required(key)?).ok_or_else(|| self.invalid(key))
    }

    /// `getRequired<ConstArray>`.
    pub(crate) fn req_array(&self, key: &str) -> Result<&'a [Value], LoadError> {
        match self.required(key)? {
            Value::Array(a) => Ok(a),
            _ => Err(self.invalid(key)),
        }
    }

    /// `getOptional<ConstArray>`: absent or null is `None`.
    pub(crate) fn opt_array(&self, key: &str) -> Result<Option<&'a [Value]>, LoadError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(self.err(format!(
                "Encountered invalid type for optional attribute '{key}'"
            ))),
        }
    }
}

/// A schema error in `context`.
pub(crate) fn schema(context: &str, message: impl Into<String>) -> LoadError {
    LoadError::Schema {
        context: context.to_string(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_and_inf_literals() {
        let v = parse(r#"{"a": [NaN, -Infinity, Inf, -Inf, 1.5], "s": "NaN Inf"}"#).unwrap();
        let a = v["a"].as_array().unwrap();
        assert!(number(&a[0]).unwrap().is_nan());
        assert_eq!(number(&a[1]), Some(f64::NEG_INFINITY));
        assert_eq!(number(&a[2]), Some(f64::INFINITY));
        assert_eq!(number(&a[3]), Some(f64::NEG_INFINITY));
        assert_eq!(double(&a[4]), Some(1.5));
        assert_eq!(v["s"].as_str(), Some("NaN Inf"));
    }

    #[test]
    fn strict_double() {
        let v = parse(r#"[1, 1.0, 1e3, 3000000000]"#).unwrap();
        let a = v.as_array().unwrap();
        assert_eq!(double(&a[0]), None);
        assert_eq!(double(&a[1]), Some(1.0));
        assert_eq!(double(&a[2]), Some(1000.0));
        assert_eq!(int32(&a[3]), None);
        assert_eq!(int32(&a[0]), Some(1));
    }

    #[test]
    fn garbage_stays_an_error() {
        assert!(parse("{nope}").is_err());
        assert!(parse(r#"{"a": Nax}"#).is_err());
    }
}

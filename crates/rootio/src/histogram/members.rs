//! Typed access to the members of a generically read histogram or graph ([`Object`]), each
//! failure a [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) error that names the class and
//! the member, so that a damaged file never panics and always says what is wrong.

use crate::error::{Error, Result};
use crate::object::{Object, Value};

/// A number member (`Double_t`, `Int_t`, …) as `f64`.
pub(super) fn number(obj: &Object, name: &str) -> Result<f64> {
    match obj.get(name) {
        Some(Value::Float(f)) => Ok(*f),
        Some(Value::Int(i)) => Ok(*i as f64),
        Some(Value::UInt(u)) => Ok(*u as f64),
        Some(Value::Bool(b)) => Ok(f64::from(u8::from(*b))),
        Some(other) => Err(wrong(obj, name, other)),
        None => Err(missing(obj, name)),
    }
}

/// A number member that older class versions do not have: 0 when absent.
pub(super) fn number_or_zero(obj: &Object, name: &str) -> Result<f64> {
    match obj.get(name) {
        None => Ok(0.0),
        Some(_) => number(obj, name),
    }
}

/// An integer member.
pub(super) fn integer(obj: &Object, name: &str) -> Result<i64> {
    match obj.get(name) {
        Some(v) => v.as_i64().ok_or_else(|| wrong(obj, name, v)),
        None => Err(missing(obj, name)),
    }
}

/// A string member (`fName`, `fTitle`, `fOption`); empty when absent.
pub(super) fn string(obj: &Object, name: &str) -> String {
    obj.str(name).unwrap_or_default().to_string()
}

/// An embedded object member (`TAxis fXaxis`, `TArrayD fSumw2`).
pub(super) fn object<'o>(obj: &'o Object, name: &str) -> Result<&'o Object> {
    match obj.get(name) {
        Some(Value::Object(o)) => Ok(o),
        Some(other) => Err(wrong(obj, name, other)),
        None => Err(missing(obj, name)),
    }
}

/// The values of a numeric array, as `f64`: a `TArray*` member (an embedded object holding
/// `fArray`), the `fArray` of a histogram's own `TArray*` base (flattened into the object), or
/// a `Double_t* fX //[fNpoints]` pointer member.
pub(super) fn floats(obj: &Object, name: &str) -> Result<Vec<f64>> {
    match obj.get(name) {
        Some(Value::Floats(v)) => Ok(v.clone()),
        // TArrayC/S/I/L64 and integer pointers: exact in f64 up to 2^53, which is what ROOT's
        // own `Double_t(fArray[bin])` (`TH1I::RetrieveBinContent`) gives for larger ones too.
        Some(Value::Ints(v)) => Ok(v.iter().map(|&i| i as f64).collect()),
        Some(Value::Object(o)) if o.class.starts_with("TArray") => floats(o, "fArray"),
        Some(other) => Err(wrong(obj, name, other)),
        None => Err(missing(obj, name)),
    }
}

/// An optional array: empty when the member is absent (an older class version) or null.
pub(super) fn floats_or_empty(obj: &Object, name: &str) -> Result<Vec<f64>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(_) => floats(obj, name),
    }
}

fn missing(obj: &Object, name: &str) -> Error {
    Error::corrupt(format!(
        "{} (version {}) has no member {name}",
        obj.class, obj.version
    ))
}

fn wrong(obj: &Object, name: &str, v: &Value) -> Error {
    let what = match v {
        Value::Null => "a null pointer",
        Value::Int(_) | Value::UInt(_) | Value::Bool(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Str(_) => "a string",
        Value::Ints(_) | Value::Floats(_) => "an array",
        Value::Object(_) => "an object",
        Value::List(_) => "a list",
        Value::Skipped => "a skipped member",
    };
    Error::corrupt(format!(
        "member {name} of {} is {what}, not what the class stores there",
        obj.class
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn typed_access_errors_name_class_and_member() {
        let arr = Object {
            class: "TArrayD".into(),
            members: vec![("fArray".into(), Value::Floats(vec![1.0, 2.0]))],
            ..Default::default()
        };
        let obj = Object {
            class: "TH1D".into(),
            version: 3,
            members: vec![
                ("fEntries".into(), Value::Float(3.0)),
                ("fNcells".into(), Value::Int(4)),
                ("fSumw2".into(), Value::Object(Rc::new(arr))),
                ("fTitle".into(), Value::Str("t".into())),
            ],
            ..Default::default()
        };
        assert_eq!(number(&obj, "fEntries").unwrap(), 3.0);
        assert_eq!(integer(&obj, "fNcells").unwrap(), 4);
        assert_eq!(floats(&obj, "fSumw2").unwrap(), vec![1.0, 2.0]);
        assert_eq!(number_or_zero(&obj, "fTsumwy").unwrap(), 0.0);
        assert!(floats_or_empty(&obj, "fBinSumw2").unwrap().is_empty());
        let e = number(&obj, "fTsumw").unwrap_err().to_string();
        assert!(e.contains("TH1D") && e.contains("fTsumw"), "{e}");
        let e = floats(&obj, "fTitle").unwrap_err().to_string();
        assert!(e.contains("fTitle") && e.contains("a string"), "{e}");
    }
}

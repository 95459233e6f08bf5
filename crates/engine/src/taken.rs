//! The values a `Take` collects: in entry order, with their C++ type (a `ULong64_t` event number
//! keeps all 64 bits, a bool stays a bool) and, for lists, the event boundaries.

use expr::{Nums, Val};
use serde::{Deserialize, Serialize};

/// Values of one type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "values", rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum TakenValues {
    Bool(Vec<bool>),
    Int32(Vec<i32>),
    UInt32(Vec<u32>),
    Int64(Vec<i64>),
    UInt64(Vec<u64>),
    Float32(#[serde(with = "floats")] Vec<f32>),
    Float64(#[serde(with = "floats")] Vec<f64>),
}

/// The values of a `Take`: one per event, or a list per event (`offsets`, n + 1 entries).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Taken {
    /// Event boundaries for a list per event; `None` for one value per event.
    pub offsets: Option<Vec<i64>>,
    /// The values (`None` until a first event was taken).
    pub values: Option<TakenValues>,
}

fn of(n: Nums) -> TakenValues {
    match n {
        Nums::Bool(v) => TakenValues::Bool(v),
        Nums::I32(v) => TakenValues::Int32(v),
        Nums::U32(v) => TakenValues::UInt32(v),
        Nums::I64(v) => TakenValues::Int64(v),
        Nums::U64(v) => TakenValues::UInt64(v),
        Nums::F32(v) => TakenValues::Float32(v),
        Nums::F64(v) => TakenValues::Float64(v),
    }
}

impl TakenValues {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            TakenValues::Bool(v) => v.len(),
            TakenValues::Int32(v) => v.len(),
            TakenValues::UInt32(v) => v.len(),
            TakenValues::Int64(v) => v.len(),
            TakenValues::UInt64(v) => v.len(),
            TakenValues::Float32(v) => v.len(),
            TakenValues::Float64(v) => v.len(),
        }
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The values as doubles (exact for every type but 64-bit integers above 2⁵³).
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            TakenValues::Bool(v) => v.iter().map(|x| *x as u8 as f64).collect(),
            TakenValues::Int32(v) => v.iter().map(|x| *x as f64).collect(),
            TakenValues::UInt32(v) => v.iter().map(|x| *x as f64).collect(),
            TakenValues::Int64(v) => v.iter().map(|x| *x as f64).collect(),
            TakenValues::UInt64(v) => v.iter().map(|x| *x as f64).collect(),
            TakenValues::Float32(v) => v.iter().map(|x| *x as f64).collect(),
            TakenValues::Float64(v) => v.clone(),
        }
    }
}

impl Taken {
    /// No values yet, but their type and shape: what a `Take` of an expression of type `ty`
    /// holds before any event reached it, so that a take of no events still has the type
    /// (`uint64`, not `float64`) and the shape (a list per event) of the expression. `None`
    /// for types a take cannot hold (records, four-vectors).
    pub fn empty_of(ty: &expr::Ty) -> Option<Taken> {
        let (offsets, num) = match ty {
            expr::Ty::Num(k) => (None, *k),
            expr::Ty::List(k) => (Some(vec![0]), *k),
            _ => return None,
        };
        Some(Taken {
            offsets,
            values: Some(of(Nums::empty(num))),
        })
    }

    /// Number of values (every element of every list).
    pub fn len(&self) -> usize {
        self.values.as_ref().map_or(0, TakenValues::len)
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Append the values of a batch of `n` events (a constant is repeated per event). `false`
    /// when the shape or type differs from what was taken before.
    pub fn push(&mut self, v: Val, n: usize) -> bool {
        let (offsets, values) = match v {
            Val::Num(x) => (None, of(x)),
            Val::Const(s, k) => (None, of(s.column(k, n))),
            Val::List(o, x) => (Some((*o).clone()), of(x)),
            _ => return false,
        };
        self.extend(Taken {
            offsets,
            values: Some(values),
        })
    }

    /// Append another take (of later events).
    pub fn extend(&mut self, other: Taken) -> bool {
        let Some(values) = other.values else {
            return true;
        };
        // Nothing taken yet (not even an event of empty lists): the first values stand, with
        // their own type — the one expected beforehand (`empty_of`) only fills in when no event
        // ever comes.
        let nothing_yet = self.values.as_ref().is_none_or(TakenValues::is_empty)
            && self.offsets.as_ref().is_none_or(|o| o.len() <= 1);
        if nothing_yet {
            *self = Taken {
                offsets: other.offsets,
                values: Some(values),
            };
            return true;
        }
        // The other has nothing either (a work item no event reached): nothing to add, whatever
        // type it expected.
        if values.is_empty() && other.offsets.as_ref().is_none_or(|o| o.len() <= 1) {
            return true;
        }
        let Some(mine) = &mut self.values else {
            return false;
        };
        match (&mut self.offsets, &other.offsets) {
            (Some(o), Some(p)) => {
                let base = o.last().copied().unwrap_or(0);
                let p0 = p.first().copied().unwrap_or(0);
                o.extend(p.iter().skip(1).map(|x| x - p0 + base));
            }
            (None, None) => {}
            _ => return false,
        }
        match (mine, values) {
            (TakenValues::Bool(a), TakenValues::Bool(b)) => a.extend(b),
            (TakenValues::Int32(a), TakenValues::Int32(b)) => a.extend(b),
            (TakenValues::UInt32(a), TakenValues::UInt32(b)) => a.extend(b),
            (TakenValues::Int64(a), TakenValues::Int64(b)) => a.extend(b),
            (TakenValues::UInt64(a), TakenValues::UInt64(b)) => a.extend(b),
            (TakenValues::Float32(a), TakenValues::Float32(b)) => a.extend(b),
            (TakenValues::Float64(a), TakenValues::Float64(b)) => a.extend(b),
            _ => return false,
        }
        true
    }
}

/// A float as JSON, which has no NaN or infinities: those become the strings "nan", "inf",
/// "-inf" (as hepframe's Python side reads them back).
pub fn json_float(x: f64) -> serde_json::Value {
    if x.is_finite() {
        serde_json::json!(x)
    } else if x.is_nan() {
        serde_json::json!("nan")
    } else if x > 0.0 {
        serde_json::json!("inf")
    } else {
        serde_json::json!("-inf")
    }
}

/// Floats with NaN and infinities as the strings "nan", "inf", "-inf" (JSON has none).
mod floats {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub trait Float: Copy {
        fn to_f64(self) -> f64;
        fn from_f64(x: f64) -> Self;
    }
    impl Float for f32 {
        fn to_f64(self) -> f64 {
            self as f64
        }
        fn from_f64(x: f64) -> Self {
            x as f32
        }
    }
    impl Float for f64 {
        fn to_f64(self) -> f64 {
            self
        }
        fn from_f64(x: f64) -> Self {
            x
        }
    }

    pub fn serialize<T: Float, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        let out: Vec<serde_json::Value> = v.iter().map(|x| super::json_float(x.to_f64())).collect();
        out.serialize(s)
    }

    pub fn deserialize<'de, T: Float, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        let v = Vec::<serde_json::Value>::deserialize(d)?;
        v.iter()
            .map(|x| match x {
                serde_json::Value::Number(n) => n.as_f64().map(T::from_f64),
                serde_json::Value::String(s) => match s.as_str() {
                    "nan" => Some(T::from_f64(f64::NAN)),
                    "inf" => Some(T::from_f64(f64::INFINITY)),
                    "-inf" => Some(T::from_f64(f64::NEG_INFINITY)),
                    _ => None,
                },
                _ => None,
            })
            .collect::<Option<Vec<T>>>()
            .ok_or_else(|| D::Error::custom("not a number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn takes_keep_type_nesting_and_64_bits() {
        let mut t = Taken::default();
        assert!(t.push(
            Val::Num(Nums::U64(vec![u64::MAX, 9_007_199_254_740_993])),
            2
        ));
        assert!(t.push(Val::Num(Nums::U64(vec![3])), 1));
        assert_eq!(
            t.values,
            Some(TakenValues::UInt64(vec![
                u64::MAX,
                9_007_199_254_740_993,
                3
            ]))
        );
        assert!(!t.push(Val::Num(Nums::F32(vec![1.0])), 1));
        let mut l = Taken::default();
        l.push(
            Val::List(Rc::new(vec![0, 2, 2]), Nums::F32(vec![1.0, f32::NAN])),
            2,
        );
        l.push(Val::List(Rc::new(vec![0, 1]), Nums::F32(vec![3.0])), 1);
        assert_eq!(l.offsets, Some(vec![0, 2, 2, 3]));
        let back: Taken = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back.offsets, l.offsets);
        let Some(TakenValues::Float32(v)) = back.values else {
            panic!()
        };
        assert!(v[1].is_nan() && v[2] == 3.0);
        // Merging in item order, with an item that took nothing.
        let mut a = l.clone();
        assert!(a.extend(Taken::default()));
        assert!(a.extend(l));
        assert_eq!(a.offsets, Some(vec![0, 2, 2, 3, 5, 5, 6]));
    }
}

//! Column values that expressions compute: one entry per event of a chunk.

use std::rc::Rc;

use crate::check::Coords;
use crate::num::Scalar;
use crate::schema::Num;

/// Each of `v`'s values repeated over its event's list (`offsets`, n + 1): a per-event value
/// broadcast to every element.
pub fn repeat_f64(v: &[f64], offsets: &[i64]) -> Vec<f64> {
    repeat(v, offsets)
}

/// `v[i]` repeated for each element of list `i`, without a loop per list
/// (`columnar::broadcast`). Offsets it refuses — never made here: descending, or more lists
/// than values — take a loop per list that skips what is not there.
pub fn repeat<T: Copy>(v: &[T], offsets: &[i64]) -> Vec<T> {
    columnar::broadcast::repeat(v, offsets).unwrap_or_else(|| {
        let mut out = Vec::new();
        for (x, w) in v.iter().zip(offsets.windows(2)) {
            out.extend((w[0]..w[1]).map(|_| *x));
        }
        out
    })
}

pub use columnar::select::{kept_positions, select};

/// A column of numbers, one vector per C++ arithmetic type (see [`Num`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Nums {
    /// Booleans.
    Bool(Vec<bool>),
    /// `int`.
    I32(Vec<i32>),
    /// `unsigned int`.
    U32(Vec<u32>),
    /// `long`.
    I64(Vec<i64>),
    /// `unsigned long`.
    U64(Vec<u64>),
    /// Single-precision floats.
    F32(Vec<f32>),
    /// Double-precision floats.
    F64(Vec<f64>),
}

/// Apply `$body` to the vector of whatever variant `$nums` is, binding it as `$v`.
#[macro_export]
#[doc(hidden)]
macro_rules! with_nums {
    ($nums:expr, $v:ident => $body:expr) => {
        match $nums {
            $crate::Nums::Bool($v) => $body,
            $crate::Nums::I32($v) => $body,
            $crate::Nums::U32($v) => $body,
            $crate::Nums::I64($v) => $body,
            $crate::Nums::U64($v) => $body,
            $crate::Nums::F32($v) => $body,
            $crate::Nums::F64($v) => $body,
        }
    };
}

/// Map every variant to the same variant: `$v` is the vector, `$body` gives the new vector.
#[macro_export]
#[doc(hidden)]
macro_rules! map_nums {
    ($nums:expr, $v:ident => $body:expr) => {
        match $nums {
            $crate::Nums::Bool($v) => $crate::Nums::Bool($body),
            $crate::Nums::I32($v) => $crate::Nums::I32($body),
            $crate::Nums::U32($v) => $crate::Nums::U32($body),
            $crate::Nums::I64($v) => $crate::Nums::I64($body),
            $crate::Nums::U64($v) => $crate::Nums::U64($body),
            $crate::Nums::F32($v) => $crate::Nums::F32($body),
            $crate::Nums::F64($v) => $crate::Nums::F64($body),
        }
    };
}

/// A value that a missing element (a gather with index −1) reads as: NaN for floats, −1 for
/// integers (NanoAOD's own "no index" value), `false` for booleans.
pub trait Missing: Copy {
    /// The value of a missing element.
    const MISSING: Self;
}
impl Missing for bool {
    const MISSING: bool = false;
}
impl Missing for i32 {
    const MISSING: i32 = -1;
}
impl Missing for u32 {
    const MISSING: u32 = u32::MAX;
}
impl Missing for i64 {
    const MISSING: i64 = -1;
}
impl Missing for u64 {
    const MISSING: u64 = u64::MAX;
}
impl Missing for f32 {
    const MISSING: f32 = f32::NAN;
}
impl Missing for f64 {
    const MISSING: f64 = f64::NAN;
}

/// The values of `v` at `idx`; a negative index is a missing element ([`Missing`]).
fn gather_or_missing<T: Missing>(v: &[T], idx: &[i64]) -> Vec<T> {
    idx.iter()
        .map(|&i| {
            if i < 0 {
                T::MISSING
            } else {
                v.get(i as usize).copied().unwrap_or(T::MISSING)
            }
        })
        .collect()
}

impl Nums {
    /// Number of values.
    pub fn len(&self) -> usize {
        with_nums!(self, v => v.len())
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The number type.
    pub fn num(&self) -> Num {
        match self {
            Nums::Bool(_) => Num::Bool,
            Nums::I32(_) => Num::I32,
            Nums::U32(_) => Num::U32,
            Nums::I64(_) => Num::I64,
            Nums::U64(_) => Num::U64,
            Nums::F32(_) => Num::F32,
            Nums::F64(_) => Num::F64,
        }
    }
    /// An empty column of type `num`.
    pub fn empty(num: Num) -> Nums {
        Nums::filled(num, 0.0, 0)
    }
    /// `len` copies of `x` converted to `num` (as C++'s `static_cast` from a double, except
    /// that out-of-range values saturate).
    pub fn filled(num: Num, x: f64, len: usize) -> Nums {
        match num {
            Num::Bool => Nums::Bool(vec![x != 0.0; len]),
            Num::I32 => Nums::I32(vec![x as i32; len]),
            Num::U32 => Nums::U32(vec![x as u32; len]),
            Num::I64 => Nums::I64(vec![x as i64; len]),
            Num::U64 => Nums::U64(vec![x as u64; len]),
            Num::F32 => Nums::F32(vec![x as f32; len]),
            Num::F64 => Nums::F64(vec![x; len]),
        }
    }
    /// `len` copies of the integer `x` converted to `num` (modulo 2^n for unsigned types, as
    /// C++ converts a negative `int` to `unsigned`).
    pub fn filled_int(num: Num, x: i64, len: usize) -> Nums {
        match num {
            Num::Bool => Nums::Bool(vec![x != 0; len]),
            Num::I32 => Nums::I32(vec![x as i32; len]),
            Num::U32 => Nums::U32(vec![x as u32; len]),
            Num::I64 => Nums::I64(vec![x; len]),
            Num::U64 => Nums::U64(vec![x as u64; len]),
            Num::F32 => Nums::F32(vec![x as f32; len]),
            Num::F64 => Nums::F64(vec![x as f64; len]),
        }
    }
    /// Value `i` as f64.
    pub fn f64_at(&self, i: usize) -> f64 {
        match self {
            Nums::Bool(v) => v[i] as u8 as f64,
            Nums::I32(v) => v[i] as f64,
            Nums::U32(v) => v[i] as f64,
            Nums::I64(v) => v[i] as f64,
            Nums::U64(v) => v[i] as f64,
            Nums::F32(v) => v[i] as f64,
            Nums::F64(v) => v[i],
        }
    }
    /// All values as f64 (exact for f32, bool and integers below 2^53).
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Nums::F64(v) => v.clone(),
            Nums::F32(v) => v.iter().map(|x| *x as f64).collect(),
            Nums::I32(v) => v.iter().map(|x| *x as f64).collect(),
            Nums::U32(v) => v.iter().map(|x| *x as f64).collect(),
            Nums::I64(v) => v.iter().map(|x| *x as f64).collect(),
            Nums::U64(v) => v.iter().map(|x| *x as f64).collect(),
            Nums::Bool(v) => v.iter().map(|x| *x as u8 as f64).collect(),
        }
    }
    /// All values as i64 (integers and bools; floats truncated toward zero).
    pub fn to_i64(&self) -> Vec<i64> {
        match self {
            Nums::I64(v) => v.clone(),
            Nums::F32(v) => v.iter().map(|x| *x as i64).collect(),
            Nums::F64(v) => v.iter().map(|x| *x as i64).collect(),
            Nums::I32(v) => v.iter().map(|x| *x as i64).collect(),
            Nums::U32(v) => v.iter().map(|x| *x as i64).collect(),
            Nums::U64(v) => v.iter().map(|x| *x as i64).collect(),
            Nums::Bool(v) => v.iter().map(|x| *x as i64).collect(),
        }
    }
    /// The values at `idx`; a negative index reads as a missing element (NaN, −1 or false).
    pub fn gather(&self, idx: &[i64]) -> Nums {
        map_nums!(self, v => gather_or_missing(v, idx))
    }
    /// The values where `keep` is true.
    pub fn select(&self, keep: &[bool]) -> Nums {
        map_nums!(self, v => self::select(v, keep))
    }
    /// The values `first..last` where `keep` (one per value of that range) is true; the
    /// shorter of the range and `keep` decides the length considered. `None` where the range
    /// is not inside the values.
    pub fn select_in(&self, first: usize, last: usize, keep: &[bool]) -> Option<Nums> {
        if first > last || last > self.len() {
            return None;
        }
        Some(map_nums!(self, v => self::select(&v[first..last], keep)))
    }
    /// Repeat value `i` `counts[i]` times (broadcast a per-event value over a list).
    pub fn repeat(&self, offsets: &[i64]) -> Nums {
        map_nums!(self, v => self::repeat(v, offsets))
    }
    /// The values in the index ranges `ranges`, in order (ranges past the end are clipped).
    pub fn take_ranges(&self, ranges: &[(usize, usize)]) -> Nums {
        fn t<T: Copy>(v: &[T], ranges: &[(usize, usize)]) -> Vec<T> {
            let n = ranges.iter().map(|(a, b)| b.saturating_sub(*a)).sum();
            let mut out = Vec::with_capacity(n);
            for &(a, b) in ranges {
                if let Some(s) = v.get(a..b.min(v.len())) {
                    out.extend_from_slice(s);
                }
            }
            out
        }
        map_nums!(self, v => t(v, ranges))
    }
    /// Values `start..stop`.
    pub fn slice(&self, start: usize, stop: usize) -> Nums {
        map_nums!(self, v => v[start..stop].to_vec())
    }
    /// The values of records of a concatenation of `parts`: record `r` is element `map[r].1`
    /// of part `map[r].0`; a negative or unknown record reads as a missing element. Straight
    /// from the parts' columns, without joining them first. `None` when the parts are not all
    /// of one number type (their values are then converted through their common type).
    pub fn gather_parts(parts: &[&Nums], map: &[(usize, i64)], idx: &[i64]) -> Option<Nums> {
        fn g<T: Missing>(parts: &[&[T]], map: &[(usize, i64)], idx: &[i64]) -> Vec<T> {
            let value = |r: i64| -> Option<T> {
                let &(p, i) = map.get(usize::try_from(r).ok()?)?;
                parts.get(p)?.get(usize::try_from(i).ok()?).copied()
            };
            idx.iter()
                .map(|&r| value(r).unwrap_or(T::MISSING))
                .collect()
        }
        macro_rules! variant {
            ($v:ident) => {{
                let columns: Option<Vec<&[_]>> = parts
                    .iter()
                    .map(|p| match p {
                        Nums::$v(v) => Some(v.as_slice()),
                        _ => None,
                    })
                    .collect();
                Some(Nums::$v(g(&columns?, map, idx)))
            }};
        }
        match parts.first()? {
            Nums::Bool(_) => variant!(Bool),
            Nums::I32(_) => variant!(I32),
            Nums::U32(_) => variant!(U32),
            Nums::I64(_) => variant!(I64),
            Nums::U64(_) => variant!(U64),
            Nums::F32(_) => variant!(F32),
            Nums::F64(_) => variant!(F64),
        }
    }

    /// Append `other`, converted to this column's type.
    pub fn extend_from(&mut self, other: &Nums) {
        let other = crate::num::cast(other, self.num());
        match (self, other) {
            (Nums::Bool(a), Nums::Bool(b)) => a.extend(b),
            (Nums::I32(a), Nums::I32(b)) => a.extend(b),
            (Nums::U32(a), Nums::U32(b)) => a.extend(b),
            (Nums::I64(a), Nums::I64(b)) => a.extend(b),
            (Nums::U64(a), Nums::U64(b)) => a.extend(b),
            (Nums::F32(a), Nums::F32(b)) => a.extend(b),
            (Nums::F64(a), Nums::F64(b)) => a.extend(b),
            _ => {}
        }
    }
}

/// Four-vectors in Cartesian coordinates, double precision: ROOT's `PxPyPzE4D<double>`, or
/// `PxPyPzM4D<double>` when `coords` says so.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct P4s {
    /// x momentum.
    pub px: Vec<f64>,
    /// y momentum.
    pub py: Vec<f64>,
    /// z momentum.
    pub pz: Vec<f64>,
    /// The fourth coordinate: the energy (`PxPyPzE`) or the mass (`PxPyPzM`).
    pub t: Vec<f64>,
    /// Which of the two.
    pub coords: Coords,
}

impl P4s {
    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.px.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.px.is_empty()
    }
}

/// A computed column.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A constant of type `Num`, the same for every event.
    Const(Scalar, Num),
    /// One number per event.
    Num(Nums),
    /// A list of numbers per event: `offsets` (n + 1) and the values.
    List(Rc<Vec<i64>>, Nums),
    /// One record of `coll` per event, as the index of its element in the collection's columns.
    Obj(String, Vec<i64>),
    /// A list of records per event: offsets and element indices.
    Objs(String, Rc<Vec<i64>>, Vec<i64>),
    /// One four-vector per event.
    P4(P4s),
    /// A list of four-vectors per event.
    P4List(Rc<Vec<i64>>, P4s),
    /// A list of tuples of records per event: the collection of each slot, offsets, and the
    /// element indices of each slot.
    Tuples(Vec<String>, Rc<Vec<i64>>, Vec<Vec<i64>>),
    /// One tuple of records per event.
    Tuple(Vec<String>, Vec<Vec<i64>>),
}

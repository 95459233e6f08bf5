//! Column values that expressions compute: one entry per event of a chunk.

use std::rc::Rc;

/// The elements of `v` where `keep` is true.
pub fn select<T: Copy>(v: &[T], keep: &[bool]) -> Vec<T> {
    v.iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(x, _)| *x)
        .collect()
}

/// A column of numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Nums {
    /// Booleans.
    Bool(Vec<bool>),
    /// Integers.
    Int(Vec<i64>),
    /// Single-precision floats.
    F32(Vec<f32>),
    /// Double-precision floats.
    F64(Vec<f64>),
}

impl Nums {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Nums::Bool(v) => v.len(),
            Nums::Int(v) => v.len(),
            Nums::F32(v) => v.len(),
            Nums::F64(v) => v.len(),
        }
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Value `i` as f64.
    pub fn f64_at(&self, i: usize) -> f64 {
        match self {
            Nums::Bool(v) => v[i] as u8 as f64,
            Nums::Int(v) => v[i] as f64,
            Nums::F32(v) => v[i] as f64,
            Nums::F64(v) => v[i],
        }
    }
    /// All values as f64 (exact for f32, bool and integers below 2^53).
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Nums::F64(v) => v.clone(),
            Nums::F32(v) => v.iter().map(|x| *x as f64).collect(),
            Nums::Int(v) => v.iter().map(|x| *x as f64).collect(),
            Nums::Bool(v) => v.iter().map(|x| *x as u8 as f64).collect(),
        }
    }
    /// The values at `idx`.
    pub fn gather(&self, idx: &[i64]) -> Nums {
        fn g<T: Copy>(v: &[T], idx: &[i64]) -> Vec<T> {
            idx.iter().map(|&i| v[i as usize]).collect()
        }
        match self {
            Nums::Bool(v) => Nums::Bool(g(v, idx)),
            Nums::Int(v) => Nums::Int(g(v, idx)),
            Nums::F32(v) => Nums::F32(g(v, idx)),
            Nums::F64(v) => Nums::F64(g(v, idx)),
        }
    }
    /// The values where `keep` is true.
    pub fn select(&self, keep: &[bool]) -> Nums {
        use self::select as s;
        match self {
            Nums::Bool(v) => Nums::Bool(s(v, keep)),
            Nums::Int(v) => Nums::Int(s(v, keep)),
            Nums::F32(v) => Nums::F32(s(v, keep)),
            Nums::F64(v) => Nums::F64(s(v, keep)),
        }
    }
    /// Repeat value `i` `counts[i]` times (broadcast a per-event value over a list).
    pub fn repeat(&self, offsets: &[i64]) -> Nums {
        fn r<T: Copy>(v: &[T], offsets: &[i64]) -> Vec<T> {
            let mut out = Vec::with_capacity(offsets.last().copied().unwrap_or(0) as usize);
            for (i, w) in offsets.windows(2).enumerate() {
                for _ in w[0]..w[1] {
                    out.push(v[i]);
                }
            }
            out
        }
        match self {
            Nums::Bool(v) => Nums::Bool(r(v, offsets)),
            Nums::Int(v) => Nums::Int(r(v, offsets)),
            Nums::F32(v) => Nums::F32(r(v, offsets)),
            Nums::F64(v) => Nums::F64(r(v, offsets)),
        }
    }
}

/// Four-vectors in Cartesian coordinates, double precision (ROOT's `PxPyPzE4D<double>`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct P4s {
    /// x momentum.
    pub px: Vec<f64>,
    /// y momentum.
    pub py: Vec<f64>,
    /// z momentum.
    pub pz: Vec<f64>,
    /// Energy.
    pub e: Vec<f64>,
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
    /// A constant (a literal), the same for every event.
    Bool(bool),
    /// A constant integer.
    Int(i64),
    /// A constant float.
    Float(f64),
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

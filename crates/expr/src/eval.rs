//! Column-wise evaluation: each node of a typed expression computes a whole column for a chunk
//! of events at once (no per-event walk of the tree).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rootio::Array;

use crate::ast::BinOp;
use crate::check::{Lit, Math1, Math2, Node, P4Prop, Reduce, Typed};
use crate::chunk::Chunk;
use crate::error::{ExprError, Span};
use crate::schema::{Num, Schema};
use crate::value::{Nums, P4s, Val};

/// Evaluates typed expressions on one chunk, caching branch conversions and defines.
pub struct Evaluator<'a> {
    chunk: &'a Chunk,
    schema: &'a Schema,
    defines: &'a [(String, Typed)],
    branches: RefCell<HashMap<String, Rc<Val>>>,
    cache: RefCell<HashMap<usize, Rc<Val>>>,
    virtuals: RefCell<HashMap<String, VirtualMap>>,
    p4s: RefCell<HashMap<String, Rc<P4s>>>,
}

type R<T> = Result<T, ExprError>;

/// For a concatenation of collections: each element's part and its index in that part.
type VirtualMap = Rc<Vec<(usize, i64)>>;

/// Per-event list boundaries (n + 1 offsets), shared between columns of one collection.
type Offsets = Rc<Vec<i64>>;

/// Two operands brought to one shape: the list offsets if they are lists, and the values.
type Aligned = (Option<Offsets>, Nums, Nums);

/// Eta and phi columns, with list offsets when they belong to a list of records.
type EtaPhi = (Vec<f64>, Vec<f64>, Option<Offsets>);

fn internal(msg: impl Into<String>) -> ExprError {
    ExprError::eval(format!("internal: {}", msg.into()), Span::default())
}

/// A column of numbers from a rootio array of primitives.
fn nums_of(a: &Array) -> Option<Nums> {
    Some(match a {
        Array::Bool(v) => Nums::Bool(v.clone()),
        Array::I8(v) => Nums::Int(v.iter().map(|x| *x as i64).collect()),
        Array::U8(v) => Nums::Int(v.iter().map(|x| *x as i64).collect()),
        Array::I16(v) => Nums::Int(v.iter().map(|x| *x as i64).collect()),
        Array::U16(v) => Nums::Int(v.iter().map(|x| *x as i64).collect()),
        Array::I32(v) => Nums::Int(v.iter().map(|x| *x as i64).collect()),
        Array::U32(v) => Nums::Int(v.iter().map(|x| *x as i64).collect()),
        Array::I64(v) => Nums::Int(v.clone()),
        Array::U64(v) => Nums::Int(v.iter().map(|x| *x as i64).collect()),
        Array::F32(v) => Nums::F32(v.clone()),
        Array::F64(v) => Nums::F64(v.clone()),
        _ => return None,
    })
}

/// Cast a column to the number type `num`.
fn cast(n: &Nums, num: Num) -> Nums {
    match (n, num) {
        (Nums::Bool(v), Num::Bool) => Nums::Bool(v.clone()),
        (Nums::Int(v), Num::Int) => Nums::Int(v.clone()),
        (Nums::F32(v), Num::F32) => Nums::F32(v.clone()),
        (Nums::F64(v), Num::F64) => Nums::F64(v.clone()),
        (_, Num::F64) => Nums::F64(n.to_f64()),
        (Nums::Int(v), Num::F32) => Nums::F32(v.iter().map(|x| *x as f32).collect()),
        (Nums::Bool(v), Num::F32) => Nums::F32(v.iter().map(|x| *x as u8 as f32).collect()),
        (Nums::F64(v), Num::F32) => Nums::F32(v.iter().map(|x| *x as f32).collect()),
        (Nums::Bool(v), Num::Int) => Nums::Int(v.iter().map(|x| *x as i64).collect()),
        (other, _) => Nums::F64(other.to_f64()),
    }
}

/// A constant as a column of `len` values of type `num`.
fn fill(v: &Val, num: Num, len: usize) -> Option<Nums> {
    let f = match v {
        Val::Bool(b) => *b as u8 as f64,
        Val::Int(i) => *i as f64,
        Val::Float(x) => *x,
        _ => return None,
    };
    Some(match (v, num) {
        (Val::Bool(b), Num::Bool) => Nums::Bool(vec![*b; len]),
        (Val::Int(i), Num::Int) => Nums::Int(vec![*i; len]),
        (_, Num::Int) => Nums::Int(vec![f as i64; len]),
        (_, Num::F32) => Nums::F32(vec![f as f32; len]),
        (_, Num::Bool) => Nums::Bool(vec![f != 0.0; len]),
        (_, Num::F64) => Nums::F64(vec![f; len]),
    })
}

macro_rules! zip_op {
    ($a:expr, $b:expr, $f:expr) => {
        $a.iter().zip($b.iter()).map(|(x, y)| $f(*x, *y)).collect()
    };
}

fn arith(op: BinOp, a: Nums, b: Nums) -> R<Nums> {
    use BinOp::*;
    Ok(match (a, b) {
        (Nums::Int(a), Nums::Int(b)) => Nums::Int(match op {
            Add => zip_op!(a, b, |x: i64, y: i64| x.wrapping_add(y)),
            Sub => zip_op!(a, b, |x: i64, y: i64| x.wrapping_sub(y)),
            Mul => zip_op!(a, b, |x: i64, y: i64| x.wrapping_mul(y)),
            Rem => zip_op!(a, b, |x: i64, y: i64| if y == 0 {
                0
            } else {
                x.wrapping_rem(y)
            }),
            _ => return Err(internal("integer division")),
        }),
        (Nums::F32(a), Nums::F32(b)) => Nums::F32(match op {
            Add => zip_op!(a, b, |x: f32, y: f32| x + y),
            Sub => zip_op!(a, b, |x: f32, y: f32| x - y),
            Mul => zip_op!(a, b, |x: f32, y: f32| x * y),
            Div => zip_op!(a, b, |x: f32, y: f32| x / y),
            Rem => zip_op!(a, b, |x: f32, y: f32| x % y),
            Pow => zip_op!(a, b, |x: f32, y: f32| x.powf(y)),
            _ => return Err(internal("float op")),
        }),
        (Nums::F64(a), Nums::F64(b)) => Nums::F64(match op {
            Add => zip_op!(a, b, |x: f64, y: f64| x + y),
            Sub => zip_op!(a, b, |x: f64, y: f64| x - y),
            Mul => zip_op!(a, b, |x: f64, y: f64| x * y),
            Div => zip_op!(a, b, |x: f64, y: f64| x / y),
            Rem => zip_op!(a, b, |x: f64, y: f64| x % y),
            Pow => zip_op!(a, b, |x: f64, y: f64| x.powf(y)),
            _ => return Err(internal("double op")),
        }),
        _ => return Err(internal("mixed operand types")),
    })
}

fn compare(op: BinOp, a: Nums, b: Nums) -> R<Vec<bool>> {
    use BinOp::*;
    macro_rules! cmp {
        ($a:expr, $b:expr) => {
            match op {
                Eq => zip_op!($a, $b, |x, y| x == y),
                Ne => zip_op!($a, $b, |x, y| x != y),
                Lt => zip_op!($a, $b, |x, y| x < y),
                Le => zip_op!($a, $b, |x, y| x <= y),
                Gt => zip_op!($a, $b, |x, y| x > y),
                Ge => zip_op!($a, $b, |x, y| x >= y),
                _ => return Err(internal("comparison")),
            }
        };
    }
    Ok(match (a, b) {
        (Nums::Bool(a), Nums::Bool(b)) => cmp!(a, b),
        (Nums::Int(a), Nums::Int(b)) => cmp!(a, b),
        (Nums::F32(a), Nums::F32(b)) => cmp!(a, b),
        (Nums::F64(a), Nums::F64(b)) => cmp!(a, b),
        _ => return Err(internal("mixed comparison")),
    })
}

/// ROOT's `VecOps::DeltaPhi(v1, v2)`: `fmod(v2 - v1, 2π)` wrapped into [−π, π].
pub fn delta_phi(phi1: f64, phi2: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = (phi2 - phi1) % (2.0 * PI);
    if r < -PI {
        r += 2.0 * PI;
    } else if r > PI {
        r -= 2.0 * PI;
    }
    r
}

/// ROOT's `VecOps::DeltaPhi` for two floats: the difference is taken in float, `fmod` and the
/// wrapping in double (`2.0 * c` is a double with `c = (float)M_PI`), and the result rounded
/// back to float.
pub fn delta_phi_f32(phi1: f32, phi2: f32) -> f32 {
    let c = std::f32::consts::PI as f64;
    let mut r = ((phi2 - phi1) as f64) % (2.0 * c);
    if r < -c {
        r += 2.0 * c;
    } else if r > c {
        r -= 2.0 * c;
    }
    r as f32
}

/// ROOT's `Eta_FromRhoZ` (`Math/GenVector/eta.h`).
fn eta_from_rho_z(rho: f64, z: f64) -> f64 {
    if rho > 0.0 {
        let big_z_scaled = f64::EPSILON.powf(-0.25);
        let zs = z / rho;
        if zs.abs() < big_z_scaled {
            (zs + (zs * zs + 1.0).sqrt()).ln()
        } else if z > 0.0 {
            (2.0 * zs + 0.5 / zs).ln()
        } else {
            -(-2.0 * zs).ln()
        }
    } else if z == 0.0 {
        0.0
    } else {
        // etaMax<double>() = 22756.0 in ROOT.
        z + if z > 0.0 { 22756.0 } else { -22756.0 }
    }
}

impl<'a> Evaluator<'a> {
    /// An evaluator for `chunk`.
    pub fn new(chunk: &'a Chunk, schema: &'a Schema, defines: &'a [(String, Typed)]) -> Self {
        Evaluator {
            chunk,
            schema,
            defines,
            branches: RefCell::default(),
            cache: RefCell::default(),
            virtuals: RefCell::default(),
            p4s: RefCell::default(),
        }
    }

    /// Number of events.
    fn n(&self) -> usize {
        self.chunk.len()
    }

    fn entry(&self, event: usize) -> u64 {
        self.chunk.entries.get(event).copied().unwrap_or(0)
    }

    /// Evaluate a node, sharing the cached value of a define instead of copying it.
    fn eval_rc(&self, node: &Node) -> R<Rc<Val>> {
        if let Node::Define(i) = node {
            if let Some(v) = self.cache.borrow().get(i) {
                return Ok(v.clone());
            }
            let (_, t) = self
                .defines
                .get(*i)
                .ok_or_else(|| internal("define index"))?;
            let v = self.eval_rc(&t.node)?;
            self.cache.borrow_mut().insert(*i, v.clone());
            return Ok(v);
        }
        Ok(Rc::new(self.eval(node)?))
    }

    /// Evaluate a typed node.
    pub fn eval(&self, node: &Node) -> R<Val> {
        Ok(match node {
            Node::Lit(Lit::Bool(b)) => Val::Bool(*b),
            Node::Lit(Lit::Int(i)) => Val::Int(*i),
            Node::Lit(Lit::Float(f)) => Val::Float(*f),
            Node::Branch(name) => (*self.branch(name)?).clone(),
            Node::Define(_) => (*self.eval_rc(node)?).clone(),
            Node::Collection(c) => {
                let off = self.coll_offsets(c)?;
                let total = off.last().copied().unwrap_or(0);
                Val::Objs(c.clone(), off, (0..total).collect())
            }
            Node::Field {
                obj,
                coll,
                field,
                branches,
            } => match self.eval(obj)? {
                Val::Obj(_, idx) => Val::Num(self.elem_values(coll, field, branches, &idx)?),
                Val::Objs(_, off, idx) => {
                    Val::List(off, self.elem_values(coll, field, branches, &idx)?)
                }
                _ => return Err(internal("field of a non-record")),
            },
            Node::Position { obj, coll } => {
                let base = self.coll_offsets(coll)?;
                match self.eval(obj)? {
                    Val::Obj(_, idx) => Val::Num(Nums::Int(
                        idx.iter().enumerate().map(|(e, i)| i - base[e]).collect(),
                    )),
                    Val::Objs(_, off, idx) => {
                        let mut pos = Vec::with_capacity(idx.len());
                        for (e, w) in off.windows(2).enumerate() {
                            for j in w[0]..w[1] {
                                pos.push(idx[j as usize] - base[e]);
                            }
                        }
                        Val::List(off, Nums::Int(pos))
                    }
                    _ => return Err(internal("index of a non-record")),
                }
            }
            Node::Concat { parts } => {
                let name = parts.join("+");
                let off = self.coll_offsets(&name)?;
                let total = off.last().copied().unwrap_or(0);
                Val::Objs(name, off, (0..total).collect())
            }
            Node::Combinations { coll, name, k } => {
                let Val::Objs(_, off, idx) = self.eval(coll)? else {
                    return Err(internal("combinations"));
                };
                let mut slots = vec![Vec::new(); *k];
                let mut new_off = Vec::with_capacity(off.len());
                new_off.push(0i64);
                for w in off.windows(2) {
                    let (a, n) = (w[0] as usize, (w[1] - w[0]) as usize);
                    // All i < j < … in lexicographic order, as nested loops would give.
                    let mut c: Vec<usize> = (0..*k).collect();
                    if n >= *k {
                        loop {
                            for (s, &ci) in slots.iter_mut().zip(&c) {
                                s.push(idx[a + ci]);
                            }
                            let mut i = *k;
                            while i > 0 && c[i - 1] == n - *k + i - 1 {
                                i -= 1;
                            }
                            if i == 0 {
                                break;
                            }
                            c[i - 1] += 1;
                            for j in i..*k {
                                c[j] = c[j - 1] + 1;
                            }
                        }
                    }
                    new_off.push(slots[0].len() as i64);
                }
                Val::Tuples(vec![name.clone(); *k], Rc::new(new_off), slots)
            }
            Node::Cartesian { a, b } => {
                let (Val::Objs(ca, oa, ia), Val::Objs(cb, ob, ib)) = (self.eval(a)?, self.eval(b)?)
                else {
                    return Err(internal("cartesian"));
                };
                let (mut sa, mut sb) = (Vec::new(), Vec::new());
                let mut new_off = vec![0i64];
                for e in 0..oa.len().saturating_sub(1) {
                    for i in oa[e]..oa[e + 1] {
                        for j in ob[e]..ob[e + 1] {
                            sa.push(ia[i as usize]);
                            sb.push(ib[j as usize]);
                        }
                    }
                    new_off.push(sa.len() as i64);
                }
                Val::Tuples(vec![ca, cb], Rc::new(new_off), vec![sa, sb])
            }
            Node::Slot { tuples, slot } => match &*self.eval_rc(tuples)? {
                Val::Tuples(cs, off, idx) => {
                    Val::Objs(cs[*slot].clone(), off.clone(), idx[*slot].clone())
                }
                Val::Tuple(cs, idx) => Val::Obj(cs[*slot].clone(), idx[*slot].clone()),
                _ => return Err(internal("slot of a non-tuple")),
            },
            Node::MinDeltaR { a, b } => self.min_delta_r(a, b)?,
            Node::P4SumList(..) => self.p4_sum(node, true)?,
            Node::Index { list, index, span } => self.index(list, index, *span)?,
            Node::Mask { list, mask, span } => self.mask(list, mask, *span)?,
            Node::Neg(a) => match self.eval(a)? {
                Val::Int(i) => Val::Int(-i),
                Val::Float(f) => Val::Float(-f),
                Val::Num(n) => Val::Num(neg(n)),
                Val::List(o, n) => Val::List(o, neg(n)),
                _ => return Err(internal("negation")),
            },
            Node::Not(a) => match self.eval(a)? {
                Val::Bool(b) => Val::Bool(!b),
                Val::Num(Nums::Bool(v)) => Val::Num(Nums::Bool(v.iter().map(|x| !x).collect())),
                Val::List(o, Nums::Bool(v)) => {
                    Val::List(o, Nums::Bool(v.iter().map(|x| !x).collect()))
                }
                _ => return Err(internal("not")),
            },
            Node::Binary {
                op,
                lhs,
                rhs,
                num,
                span,
            } => self.binary(*op, lhs, rhs, *num, *span)?,
            Node::Math1 { f, arg, num } => {
                let a = self.eval(arg)?;
                if *num == Num::F32 {
                    // Single-precision libm (cosf, sqrtf, …), as C++'s std::cos(float).
                    let f32fn = |n: Nums| match n {
                        Nums::F32(v) => Nums::F32(v.iter().map(|x| math1_f32(*f, *x)).collect()),
                        other => Nums::F64(other.to_f64().iter().map(|x| math1(*f, *x)).collect()),
                    };
                    match a {
                        Val::Num(n) => Val::Num(f32fn(n)),
                        Val::List(o, n) => Val::List(o, f32fn(n)),
                        other => self.map1(other, *num, |x| math1(*f, x))?,
                    }
                } else {
                    self.map1(a, *num, |x| math1(*f, x))?
                }
            }
            Node::Math2 { f, a, b, num } => {
                let (va, vb) = (self.eval(a)?, self.eval(b)?);
                let f = *f;
                self.zip2(va, vb, *num, move |x, y| match f {
                    Math2::Atan2 => x.atan2(y),
                    Math2::Pow => x.powf(y),
                    Math2::Min => x.min(y),
                    Math2::Max => x.max(y),
                })?
            }
            Node::Reduce { f, arg, num, span } => self.reduce(*f, arg, *num, *span)?,
            Node::P4Of { obj, coll } => {
                let o = self.eval_rc(obj)?;
                self.p4_of(&o, coll)?
            }
            Node::P4Sum(..) => self.p4_sum(node, false)?,
            Node::P4Prop { arg, prop } => match self.eval(arg)? {
                Val::P4(p) => Val::Num(Nums::F64(p4_prop(&p, *prop))),
                Val::P4List(o, p) => Val::List(o, Nums::F64(p4_prop(&p, *prop))),
                _ => return Err(internal("four-vector property")),
            },
            Node::DeltaPhi { a: na, b: nb } if !self.is_record_like(na)? => {
                // Angles given as numbers: ROOT's DeltaPhi(phi1, phi2), in float for floats.
                let (va, vb) = (self.eval(na)?, self.eval(nb)?);
                let both_f32 = matches!(
                    (&va, &vb),
                    (
                        Val::Num(Nums::F32(_)) | Val::List(_, Nums::F32(_)),
                        Val::Num(Nums::F32(_)) | Val::List(_, Nums::F32(_))
                    )
                );
                let (off, x, y) = self.align(va, vb, if both_f32 { Num::F32 } else { Num::F64 })?;
                let out = match (x, y) {
                    (Nums::F32(x), Nums::F32(y)) => Nums::F32(zip_op!(x, y, delta_phi_f32)),
                    (x, y) => Nums::F64(zip_op!(x.to_f64(), y.to_f64(), delta_phi)),
                };
                match off {
                    Some(o) => Val::List(o, out),
                    None => Val::Num(out),
                }
            }
            Node::DeltaPhi { a, b } | Node::DeltaR { a, b } => {
                let r = matches!(node, Node::DeltaR { .. });
                let (ea, pa, la) = self.eta_phi(a)?;
                let (eb, pb, lb) = self.eta_phi(b)?;
                // One side may be a list: broadcast the other over it.
                let (off, ea, pa, eb, pb) = match (la, lb) {
                    (Some(o), None) => (Some(o.clone()), ea, pa, repeat(&eb, &o), repeat(&pb, &o)),
                    (None, Some(o)) => (Some(o.clone()), repeat(&ea, &o), repeat(&pa, &o), eb, pb),
                    (None, None) => (None, ea, pa, eb, pb),
                    (Some(_), Some(_)) => return Err(internal("delta of two lists")),
                };
                let out: Vec<f64> = (0..ea.len())
                    .map(|i| {
                        let dphi = delta_phi(pa[i], pb[i]);
                        if r {
                            let deta = ea[i] - eb[i];
                            (deta * deta + dphi * dphi).sqrt()
                        } else {
                            dphi
                        }
                    })
                    .collect();
                match off {
                    Some(o) => Val::List(o, Nums::F64(out)),
                    None => Val::Num(Nums::F64(out)),
                }
            }
        })
    }

    /// Whether a node evaluates to records or four-vectors (rather than numbers).
    fn is_record_like(&self, n: &Node) -> R<bool> {
        Ok(match n {
            Node::Collection(_)
            | Node::Concat { .. }
            | Node::Slot { .. }
            | Node::P4Of { .. }
            | Node::P4Sum(..)
            | Node::P4SumList(..) => true,
            Node::Index { list, .. } | Node::Mask { list, .. } => self.is_record_like(list)?,
            Node::Define(i) => match self.defines.get(*i) {
                Some((_, t)) => self.is_record_like(&t.node)?,
                None => false,
            },
            _ => false,
        })
    }

    /// A branch column as a value (converted once per chunk).
    fn branch(&self, name: &str) -> R<Rc<Val>> {
        if let Some(v) = self.branches.borrow().get(name) {
            return Ok(v.clone());
        }
        let a = self
            .chunk
            .columns
            .get(name)
            .ok_or_else(|| internal(format!("branch {name} was not read")))?;
        let v = match a {
            Array::Jagged { offsets, values } => Val::List(
                Rc::new(offsets.clone()),
                nums_of(values).ok_or_else(|| internal("list of non-numbers"))?,
            ),
            Array::Fixed { size, values } => {
                let n = if *size == 0 { 0 } else { values.len() / size };
                let offsets = (0..=n).map(|i| (i * size) as i64).collect();
                Val::List(
                    Rc::new(offsets),
                    nums_of(values).ok_or_else(|| internal("list of non-numbers"))?,
                )
            }
            other => Val::Num(nums_of(other).ok_or_else(|| internal("non-number branch"))?),
        };
        let v = Rc::new(v);
        self.branches
            .borrow_mut()
            .insert(name.to_string(), v.clone());
        Ok(v)
    }

    fn coll_offsets(&self, c: &str) -> R<Rc<Vec<i64>>> {
        if c.contains('+') {
            let parts = c
                .split('+')
                .map(|p| self.base_offsets(p))
                .collect::<R<Vec<_>>>()?;
            let n = parts[0].len();
            let off = (0..n)
                .map(|i| parts.iter().map(|o| o.get(i).copied().unwrap_or(0)).sum())
                .collect();
            return Ok(Rc::new(off));
        }
        self.base_offsets(c)
    }

    fn base_offsets(&self, c: &str) -> R<Rc<Vec<i64>>> {
        let coll = self
            .schema
            .collections
            .get(c)
            .ok_or_else(|| internal("unknown collection"))?;
        // Any field that was read gives the offsets; they are the same for all fields.
        for branch in coll.fields.values() {
            if self.chunk.columns.contains_key(branch) {
                if let Val::List(o, _) = &*self.branch(branch)? {
                    return Ok(o.clone());
                }
            }
        }
        Err(internal(format!("no field of {c} was read")))
    }

    /// For a concatenation `A+B`: each element's part and its index in that part's columns.
    fn virtual_map(&self, c: &str) -> R<VirtualMap> {
        if let Some(m) = self.virtuals.borrow().get(c) {
            return Ok(m.clone());
        }
        let parts = c
            .split('+')
            .map(|p| self.base_offsets(p))
            .collect::<R<Vec<_>>>()?;
        let mut map = Vec::new();
        for e in 0..parts[0].len().saturating_sub(1) {
            for (p, o) in parts.iter().enumerate() {
                for g in o[e]..o[e + 1] {
                    map.push((p, g));
                }
            }
        }
        let m = Rc::new(map);
        self.virtuals.borrow_mut().insert(c.to_string(), m.clone());
        Ok(m)
    }

    /// The values of `field` for the records `idx` of `coll` (`branches`: one per part).
    fn elem_values(&self, coll: &str, field: &str, branches: &[String], idx: &[i64]) -> R<Nums> {
        if !coll.contains('+') {
            let b = branches
                .first()
                .ok_or_else(|| internal("field without branch"))?;
            let base = self.base_offsets(coll)?;
            return match &*self.branch(b)? {
                Val::List(off, v) => {
                    self.check_same_lengths(coll, b, off, &base)?;
                    Ok(v.gather(idx))
                }
                _ => Err(internal("field branch is not a list")),
            };
        }
        for (part, b) in coll.split('+').zip(branches) {
            let base = self.base_offsets(part)?;
            if let Val::List(off, _) = &*self.branch(b)? {
                self.check_same_lengths(part, b, off, &base)?;
            }
        }
        let map = self.virtual_map(coll)?;
        if field == "flavour" {
            return Ok(Nums::Int(
                idx.iter().map(|&v| map[v as usize].0 as i64).collect(),
            ));
        }
        let parts = branches
            .iter()
            .map(|b| match &*self.branch(b)? {
                Val::List(_, v) => Ok(v.clone()),
                _ => Err(internal("field branch is not a list")),
            })
            .collect::<R<Vec<Nums>>>()?;
        if parts.iter().all(|p| matches!(p, Nums::F32(_))) {
            let vs: Vec<&Vec<f32>> = parts
                .iter()
                .filter_map(|p| if let Nums::F32(v) = p { Some(v) } else { None })
                .collect();
            return Ok(Nums::F32(
                idx.iter()
                    .map(|&v| {
                        let (p, g) = map[v as usize];
                        vs[p][g as usize]
                    })
                    .collect(),
            ));
        }
        if parts.iter().all(|p| matches!(p, Nums::Int(_))) {
            let vs: Vec<&Vec<i64>> = parts
                .iter()
                .filter_map(|p| if let Nums::Int(v) = p { Some(v) } else { None })
                .collect();
            return Ok(Nums::Int(
                idx.iter()
                    .map(|&v| {
                        let (p, g) = map[v as usize];
                        vs[p][g as usize]
                    })
                    .collect(),
            ));
        }
        Ok(Nums::F64(
            idx.iter()
                .map(|&v| {
                    let (p, g) = map[v as usize];
                    parts[p].f64_at(g as usize)
                })
                .collect(),
        ))
    }

    /// The fields of a collection must have the same number of elements in every event (with
    /// `std::vector` branches nothing guarantees it).
    fn check_same_lengths(
        &self,
        coll: &str,
        branch: &str,
        off: &Rc<Vec<i64>>,
        base: &Rc<Vec<i64>>,
    ) -> R<()> {
        if Rc::ptr_eq(off, base) || off == base {
            return Ok(());
        }
        let e = off
            .windows(2)
            .zip(base.windows(2))
            .position(|(a, b)| a[1] - a[0] != b[1] - b[0])
            .unwrap_or(0);
        Err(ExprError::eval(
            format!(
                "{branch} has a different number of elements than the other fields of {coll} in entry {}",
                self.entry(e)
            ),
            Span::default(),
        ))
    }

    /// A field by name (for four-vectors and angles); `None` if the collection lacks it.
    fn named_field(&self, coll: &str, field: &str, idx: &[i64]) -> R<Option<Nums>> {
        let mut branches = Vec::new();
        for part in coll.split('+') {
            match self
                .schema
                .collections
                .get(part)
                .and_then(|c| c.fields.get(field))
            {
                Some(b) => branches.push(b.clone()),
                None => return Ok(None),
            }
        }
        self.elem_values(coll, field, &branches, idx).map(Some)
    }

    fn min_delta_r(&self, a: &Node, b: &Node) -> R<Val> {
        let (Val::Objs(ca, oa, ia), Val::Objs(cb, ob, ib)) = (self.eval(a)?, self.eval(b)?) else {
            return Err(internal("min_delta_r"));
        };
        let get = |c: &str, f: &str, idx: &[i64]| -> R<Nums> {
            self.named_field(c, f, idx)?
                .ok_or_else(|| internal("eta/phi"))
        };
        let (ea, pa, eb, pb) = (
            get(&ca, "eta", &ia)?,
            get(&ca, "phi", &ia)?,
            get(&cb, "eta", &ib)?,
            get(&cb, "phi", &ib)?,
        );
        let n = oa.len().saturating_sub(1);
        if let (Nums::F32(ea), Nums::F32(pa), Nums::F32(eb), Nums::F32(pb)) = (&ea, &pa, &eb, &pb) {
            let mut out = Vec::with_capacity(ea.len());
            for e in 0..n {
                for i in oa[e] as usize..oa[e + 1] as usize {
                    let mut best = f32::INFINITY;
                    for j in ob[e] as usize..ob[e + 1] as usize {
                        let dphi = delta_phi_f32(pa[i], pb[j]);
                        let deta = ea[i] - eb[j];
                        let dr = (deta * deta + dphi * dphi).sqrt();
                        if dr < best {
                            best = dr;
                        }
                    }
                    out.push(best);
                }
            }
            return Ok(Val::List(oa, Nums::F32(out)));
        }
        let (ea, pa, eb, pb) = (ea.to_f64(), pa.to_f64(), eb.to_f64(), pb.to_f64());
        let mut out = Vec::with_capacity(ea.len());
        for e in 0..n {
            for i in oa[e] as usize..oa[e + 1] as usize {
                let mut best = f64::INFINITY;
                for j in ob[e] as usize..ob[e + 1] as usize {
                    let dphi = delta_phi(pa[i], pb[j]);
                    let deta = ea[i] - eb[j];
                    best = best.min((deta * deta + dphi * dphi).sqrt());
                }
                out.push(best);
            }
        }
        Ok(Val::List(oa, Nums::F64(out)))
    }

    fn index(&self, list: &Node, index: &Node, span: Span) -> R<Val> {
        let l = self.eval_rc(list)?;
        let l = &*l;
        let i = self.eval(index)?;
        let ks: Vec<i64> = match i {
            Val::Int(k) => vec![k; self.n()],
            Val::Num(Nums::Int(v)) => v,
            _ => return Err(internal("index type")),
        };
        let (off, n_events) = match &l {
            Val::List(o, _) | Val::Objs(_, o, _) | Val::Tuples(_, o, _) => {
                (o.clone(), o.len().saturating_sub(1))
            }
            _ => return Err(internal("indexing a non-list")),
        };
        let mut elems = Vec::with_capacity(n_events);
        for e in 0..n_events {
            let len = off[e + 1] - off[e];
            let k0 = ks[e];
            let k = if k0 < 0 { k0 + len } else { k0 };
            if k < 0 || k >= len {
                return Err(ExprError::eval(
                    format!(
                        "index {k0} is out of range for a list of {len} in entry {}; select events with a cut first (e.g. a cut on the list's length)",
                        self.entry(e)
                    ),
                    span,
                ));
            }
            elems.push(off[e] + k);
        }
        Ok(match l {
            Val::List(_, values) => Val::Num(values.gather(&elems)),
            Val::Objs(c, _, idx) => {
                Val::Obj(c.clone(), elems.iter().map(|&j| idx[j as usize]).collect())
            }
            Val::Tuples(cs, _, slots) => Val::Tuple(
                cs.clone(),
                slots
                    .iter()
                    .map(|s| elems.iter().map(|&j| s[j as usize]).collect())
                    .collect(),
            ),
            _ => return Err(internal("indexing")),
        })
    }

    fn mask(&self, list: &Node, mask: &Node, span: Span) -> R<Val> {
        let l = self.eval(list)?;
        let Val::List(moff, Nums::Bool(keep)) = self.eval(mask)? else {
            return Err(internal("mask type"));
        };
        let off = match &l {
            Val::List(o, _) | Val::Objs(_, o, _) | Val::Tuples(_, o, _) => o.clone(),
            _ => return Err(internal("masking a non-list")),
        };
        if *off != *moff {
            let e = off
                .windows(2)
                .zip(moff.windows(2))
                .position(|(a, b)| a[1] - a[0] != b[1] - b[0])
                .unwrap_or(0);
            return Err(ExprError::eval(
                format!(
                    "the mask and the list have different lengths in entry {}",
                    self.entry(e)
                ),
                span,
            ));
        }
        let mut new_off = Vec::with_capacity(off.len());
        new_off.push(0i64);
        for w in off.windows(2) {
            let kept = keep[w[0] as usize..w[1] as usize]
                .iter()
                .filter(|k| **k)
                .count() as i64;
            let last = *new_off.last().unwrap_or(&0);
            new_off.push(last + kept);
        }
        let new_off = Rc::new(new_off);
        Ok(match l {
            Val::List(_, values) => Val::List(new_off, values.select(&keep)),
            Val::Objs(c, _, idx) => Val::Objs(
                c,
                new_off,
                idx.iter()
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(i, _)| *i)
                    .collect(),
            ),
            Val::Tuples(cs, _, slots) => Val::Tuples(
                cs,
                new_off,
                slots
                    .iter()
                    .map(|s| {
                        s.iter()
                            .zip(&keep)
                            .filter(|(_, k)| **k)
                            .map(|(i, _)| *i)
                            .collect()
                    })
                    .collect(),
            ),
            _ => return Err(internal("masking")),
        })
    }

    /// Bring two values to one shape: per-event, or per-element of a list.
    fn align(&self, a: Val, b: Val, num: Num) -> R<Aligned> {
        let off = match (&a, &b) {
            (Val::List(o1, _), Val::List(o2, _)) => {
                if o1 != o2 {
                    return Err(ExprError::eval(
                        "the two lists have different lengths in some events",
                        Span::default(),
                    ));
                }
                Some(o1.clone())
            }
            (Val::List(o, _), _) | (_, Val::List(o, _)) => Some(o.clone()),
            _ => None,
        };
        let len = match &off {
            Some(o) => o.last().copied().unwrap_or(0) as usize,
            None => self.n(),
        };
        let shape = |v: Val| -> R<Nums> {
            Ok(match v {
                Val::List(_, n) => cast(&n, num),
                Val::Num(n) => match &off {
                    Some(o) => cast(&n.repeat(o), num),
                    None => cast(&n, num),
                },
                c => fill(&c, num, len).ok_or_else(|| internal("operand"))?,
            })
        };
        Ok((off.clone(), shape(a)?, shape(b)?))
    }

    fn binary(&self, op: BinOp, lhs: &Node, rhs: &Node, num: Num, span: Span) -> R<Val> {
        if matches!(op, BinOp::And | BinOp::Or) {
            return self.logical(op, lhs, rhs, span);
        }
        let (a, b) = (self.eval(lhs)?, self.eval(rhs)?);
        // Two constants fold to a constant.
        if let (Some(x), Some(y)) = (const_f64(&a), const_f64(&b)) {
            if !matches!(
                op,
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
            ) {
                let v = match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                    BinOp::Rem => x % y,
                    _ => x.powf(y),
                };
                return Ok(if num == Num::Int {
                    Val::Int(v as i64)
                } else {
                    Val::Float(v)
                });
            }
        }
        let (off, x, y) = self.align(a, b, num)?;
        let out = match op {
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                Nums::Bool(compare(op, x, y)?)
            }
            _ => arith(op, x, y)?,
        };
        Ok(match off {
            Some(o) => Val::List(o, out),
            None => Val::Num(out),
        })
    }

    /// `&&` and `||`, short-circuiting per event: the right side is only evaluated for the
    /// events the left side does not decide, so `nMuon >= 2 && Muon[1].pt > 20` is safe.
    fn logical(&self, op: BinOp, lhs: &Node, rhs: &Node, span: Span) -> R<Val> {
        let a = self.eval(lhs)?;
        let and = op == BinOp::And;
        let per_event = match &a {
            Val::Bool(b) => {
                if *b == and {
                    return self.eval(rhs);
                }
                return Ok(Val::Bool(*b));
            }
            Val::Num(Nums::Bool(v)) => v.clone(),
            _ => {
                // Lists: element-wise, no short circuit.
                let b = self.eval(rhs)?;
                let (off, x, y) = self.align(a, b, Num::Bool)?;
                let (Nums::Bool(x), Nums::Bool(y)) = (x, y) else {
                    return Err(internal("logical"));
                };
                let out = zip_op!(x, y, |p: bool, q: bool| if and { p && q } else { p || q });
                return Ok(match off {
                    Some(o) => Val::List(o, Nums::Bool(out)),
                    None => Val::Num(Nums::Bool(out)),
                });
            }
        };
        // Events whose result still depends on the right side.
        let undecided: Vec<bool> = per_event.iter().map(|x| *x == and).collect();
        let n_undecided = undecided.iter().filter(|x| **x).count();
        if n_undecided == 0 {
            return Ok(Val::Num(Nums::Bool(per_event)));
        }
        let rhs_vals: Vec<bool> = if n_undecided == undecided.len() {
            to_bools(self.eval(rhs)?, self.n())?
        } else {
            let sub = self.chunk.filter(&undecided);
            let ev = Evaluator::new(&sub, self.schema, self.defines);
            to_bools(ev.eval(rhs)?, sub.len()).map_err(|e| ExprError {
                span: if e.span == Span::default() {
                    span
                } else {
                    e.span
                },
                ..e
            })?
        };
        let mut it = rhs_vals.into_iter();
        let out = per_event
            .iter()
            .zip(&undecided)
            .map(|(a, u)| if *u { it.next().unwrap_or(false) } else { *a })
            .collect();
        Ok(Val::Num(Nums::Bool(out)))
    }

    fn map1(&self, a: Val, num: Num, f: impl Fn(f64) -> f64) -> R<Val> {
        let apply = |n: Nums| -> Nums {
            match (
                cast(
                    &n,
                    if num == Num::F32 {
                        Num::F32
                    } else {
                        num_or_f64(num)
                    },
                ),
                num,
            ) {
                (Nums::F32(v), Num::F32) => {
                    Nums::F32(v.iter().map(|x| f(*x as f64) as f32).collect())
                }
                (Nums::Int(v), Num::Int) => {
                    Nums::Int(v.iter().map(|x| f(*x as f64) as i64).collect())
                }
                (other, _) => Nums::F64(other.to_f64().into_iter().map(&f).collect()),
            }
        };
        Ok(match a {
            Val::Num(n) => Val::Num(apply(n)),
            Val::List(o, n) => Val::List(o, apply(n)),
            c => match const_f64(&c) {
                Some(x) => Val::Float(f(x)),
                None => return Err(internal("math function")),
            },
        })
    }

    fn zip2(&self, a: Val, b: Val, num: Num, f: impl Fn(f64, f64) -> f64) -> R<Val> {
        if let (Some(x), Some(y)) = (const_f64(&a), const_f64(&b)) {
            return Ok(Val::Float(f(x, y)));
        }
        let (off, x, y) = self.align(a, b, num_or_f64(num))?;
        let out = match (x, y) {
            (Nums::F32(x), Nums::F32(y)) => {
                Nums::F32(zip_op!(x, y, |p: f32, q: f32| f(p as f64, q as f64) as f32))
            }
            (Nums::Int(x), Nums::Int(y)) => {
                Nums::Int(zip_op!(x, y, |p: i64, q: i64| f(p as f64, q as f64) as i64))
            }
            (x, y) => Nums::F64(zip_op!(x.to_f64(), y.to_f64(), |p: f64, q: f64| f(p, q))),
        };
        Ok(match off {
            Some(o) => Val::List(o, out),
            None => Val::Num(out),
        })
    }

    fn reduce(&self, f: Reduce, arg: &Node, num: Num, _span: Span) -> R<Val> {
        let a = self.eval(arg)?;
        if let (Reduce::Sum, Val::P4List(off, p)) = (f, &a) {
            let mut out = P4s::default();
            for w in off.windows(2) {
                let (mut x, mut y, mut z, mut t) = (0.0, 0.0, 0.0, 0.0);
                for j in w[0] as usize..w[1] as usize {
                    x += p.px[j];
                    y += p.py[j];
                    z += p.pz[j];
                    t += p.e[j];
                }
                out.px.push(x);
                out.py.push(y);
                out.pz.push(z);
                out.e.push(t);
            }
            return Ok(Val::P4(out));
        }
        let (off, values) = match a {
            Val::List(o, v) => (o, Some(v)),
            Val::Objs(_, o, _) | Val::P4List(o, _) | Val::Tuples(_, o, _) => (o, None),
            _ => return Err(internal("reduction of a non-list")),
        };
        let ranges = off.windows(2).map(|w| (w[0] as usize, w[1] as usize));
        let lens = || off.windows(2).map(|w| w[1] - w[0]);
        Ok(Val::Num(match (f, values) {
            (Reduce::Len, _) | (Reduce::Count, None) => Nums::Int(lens().collect()),
            (Reduce::Count, Some(Nums::Bool(v))) => Nums::Int(
                ranges
                    .map(|(a, b)| v[a..b].iter().filter(|x| **x).count() as i64)
                    .collect(),
            ),
            (Reduce::Count, Some(_)) => Nums::Int(lens().collect()),
            (Reduce::Any, Some(Nums::Bool(v))) => {
                Nums::Bool(ranges.map(|(a, b)| v[a..b].iter().any(|x| *x)).collect())
            }
            (Reduce::All, Some(Nums::Bool(v))) => {
                Nums::Bool(ranges.map(|(a, b)| v[a..b].iter().all(|x| *x)).collect())
            }
            (Reduce::Sum, Some(Nums::F32(v))) => {
                // Sequential float accumulation, as ROOT's VecOps::Sum on RVec<float>.
                Nums::F32(
                    ranges
                        .map(|(a, b)| v[a..b].iter().fold(0.0f32, |s, x| s + x))
                        .collect(),
                )
            }
            (Reduce::Sum, Some(Nums::F64(v))) => Nums::F64(
                ranges
                    .map(|(a, b)| v[a..b].iter().fold(0.0, |s, x| s + x))
                    .collect(),
            ),
            (Reduce::Sum, Some(Nums::Int(v))) => {
                Nums::Int(ranges.map(|(a, b)| v[a..b].iter().sum()).collect())
            }
            (Reduce::Sum, Some(Nums::Bool(v))) => Nums::Int(
                ranges
                    .map(|(a, b)| v[a..b].iter().filter(|x| **x).count() as i64)
                    .collect(),
            ),
            (Reduce::Mean, Some(v)) => {
                let d = v.to_f64();
                Nums::F64(
                    ranges
                        .map(|(a, b)| {
                            if b > a {
                                d[a..b].iter().sum::<f64>() / (b - a) as f64
                            } else {
                                f64::NAN
                            }
                        })
                        .collect(),
                )
            }
            (Reduce::Min | Reduce::Max, Some(v)) => {
                let max = f == Reduce::Max;
                let d = v.to_f64();
                let r: Vec<f64> = ranges
                    .map(|(a, b)| {
                        d[a..b].iter().copied().fold(f64::NAN, |m, x| {
                            if m.is_nan() || (max && x > m) || (!max && x < m) {
                                x
                            } else {
                                m
                            }
                        })
                    })
                    .collect();
                if num == Num::F32 {
                    Nums::F32(r.iter().map(|x| *x as f32).collect())
                } else {
                    Nums::F64(r)
                }
            }
            (Reduce::ArgMin | Reduce::ArgMax, Some(v)) => {
                let max = f == Reduce::ArgMax;
                let d = v.to_f64();
                Nums::Int(
                    ranges
                        .map(|(a, b)| {
                            let mut best: Option<(usize, f64)> = None;
                            for (k, x) in d[a..b].iter().enumerate() {
                                // The first extremum wins, as ROOT's ArgMax/ArgMin.
                                if best.is_none_or(|(_, m)| (max && *x > m) || (!max && *x < m)) {
                                    best = Some((k, *x));
                                }
                            }
                            best.map_or(-1, |(k, _)| k as i64)
                        })
                        .collect(),
                )
            }
            _ => return Err(internal("reduction")),
        }))
    }

    /// Four-vectors from records, as ROOT's `PtEtaPhiMVector` → `PxPyPzEVector`:
    /// `px = pt cos φ`, `py = pt sin φ`, `pz = pt sinh η`, `E = sqrt((pt cosh η)² + m|m|)`,
    /// all in double precision.
    fn p4_of(&self, o: &Val, coll: &str) -> R<Val> {
        let idx = match o {
            Val::Obj(_, idx) | Val::Objs(_, _, idx) => idx,
            Val::P4(_) | Val::P4List(..) => return Ok(o.clone()),
            _ => return Err(internal("four-vector of a non-record")),
        };
        // The four-vectors of every record of the collection, computed once per chunk and then
        // gathered: combinations reuse each record many times.
        let all = self.collection_p4(coll)?;
        let g = |v: &[f64]| -> Vec<f64> { idx.iter().map(|&i| v[i as usize]).collect() };
        let p = P4s {
            px: g(&all.px),
            py: g(&all.py),
            pz: g(&all.pz),
            e: g(&all.e),
        };
        Ok(match o {
            Val::Obj(..) => Val::P4(p),
            Val::Objs(_, off, _) => Val::P4List(off.clone(), p),
            _ => return Err(internal("four-vector")),
        })
    }

    /// A sum of four-vectors, `a + b + c`, added left to right component by component (the
    /// same additions as summing pairwise), with records gathered straight from the
    /// collection's four-vectors into the sum, without an intermediate column per term.
    fn p4_sum(&self, node: &Node, list: bool) -> R<Val> {
        let mut terms = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match n {
                Node::P4Sum(a, b) | Node::P4SumList(a, b) => {
                    // Right pushed first so that the leftmost term comes out first.
                    stack.push(b);
                    stack.push(a);
                }
                other => terms.push(other),
            }
        }
        let mut off: Option<Rc<Vec<i64>>> = None;
        let mut sum: Option<P4s> = None;
        for t in terms {
            let (term_off, add) = match t {
                Node::P4Of { obj, coll } => {
                    let o = self.eval_rc(obj)?;
                    let (o_off, idx) = match &*o {
                        Val::Obj(_, idx) => (None, idx),
                        Val::Objs(_, off, idx) => (Some(off.clone()), idx),
                        _ => return Err(internal("four-vector of a non-record")),
                    };
                    let all = self.collection_p4(coll)?;
                    match &mut sum {
                        None => {
                            let g = |v: &[f64]| -> Vec<f64> {
                                idx.iter().map(|&i| v[i as usize]).collect()
                            };
                            sum = Some(P4s {
                                px: g(&all.px),
                                py: g(&all.py),
                                pz: g(&all.pz),
                                e: g(&all.e),
                            });
                            off = o_off;
                            continue;
                        }
                        Some(p) => {
                            if p.len() != idx.len() {
                                return Err(ExprError::eval(
                                    "adding lists of four-vectors of different lengths",
                                    Span::default(),
                                ));
                            }
                            for (k, &i) in idx.iter().enumerate() {
                                let i = i as usize;
                                p.px[k] += all.px[i];
                                p.py[k] += all.py[i];
                                p.pz[k] += all.pz[i];
                                p.e[k] += all.e[i];
                            }
                            (o_off, None)
                        }
                    }
                }
                other => match self.eval(other)? {
                    Val::P4(q) => (None, Some(q)),
                    Val::P4List(o, q) => (Some(o), Some(q)),
                    _ => return Err(internal("four-vector sum")),
                },
            };
            if let (Some(a), Some(b)) = (&off, &term_off) {
                if a != b {
                    return Err(ExprError::eval(
                        "adding lists of four-vectors of different lengths",
                        Span::default(),
                    ));
                }
            }
            if off.is_none() {
                off = term_off;
            }
            if let Some(q) = add {
                match &mut sum {
                    None => sum = Some(q),
                    Some(p) => {
                        if p.len() != q.len() {
                            return Err(ExprError::eval(
                                "adding lists of four-vectors of different lengths",
                                Span::default(),
                            ));
                        }
                        for k in 0..q.len() {
                            p.px[k] += q.px[k];
                            p.py[k] += q.py[k];
                            p.pz[k] += q.pz[k];
                            p.e[k] += q.e[k];
                        }
                    }
                }
            }
        }
        let p = sum.ok_or_else(|| internal("empty four-vector sum"))?;
        Ok(match (list, off) {
            (true, Some(o)) => Val::P4List(o, p),
            (true, None) => return Err(internal("four-vector list without offsets")),
            (false, _) => Val::P4(p),
        })
    }

    fn collection_p4(&self, coll: &str) -> R<Rc<P4s>> {
        if let Some(p) = self.p4s.borrow().get(coll) {
            return Ok(p.clone());
        }
        let total = self.coll_offsets(coll)?.last().copied().unwrap_or(0);
        let idx: Vec<i64> = (0..total).collect();
        let field = |name: &str| -> R<Vec<f64>> {
            Ok(match self.named_field(coll, name, &idx)? {
                Some(v) => v.to_f64(),
                None => vec![0.0; idx.len()],
            })
        };
        let (pt, eta, phi, m) = (field("pt")?, field("eta")?, field("phi")?, field("mass")?);
        let n = pt.len();
        let mut p = P4s {
            px: Vec::with_capacity(n),
            py: Vec::with_capacity(n),
            pz: Vec::with_capacity(n),
            e: Vec::with_capacity(n),
        };
        for i in 0..n {
            p.px.push(pt[i] * phi[i].cos());
            p.py.push(pt[i] * phi[i].sin());
            p.pz.push(pt[i] * eta[i].sinh());
            let pp = pt[i] * eta[i].cosh();
            let e2 = pp * pp + m[i] * m[i].abs();
            p.e.push(if e2 > 0.0 { e2 } else { 0.0 }.sqrt());
        }
        let p = Rc::new(p);
        self.p4s.borrow_mut().insert(coll.to_string(), p.clone());
        Ok(p)
    }

    fn eta_phi(&self, node: &Node) -> R<EtaPhi> {
        let v = self.eval(node)?;
        match v {
            Val::Obj(ref c, ref idx) | Val::Objs(ref c, _, ref idx) => {
                let get = |name: &str| -> R<Vec<f64>> {
                    Ok(match self.named_field(c, name, idx)? {
                        Some(v) => v.to_f64(),
                        None => vec![0.0; idx.len()],
                    })
                };
                let off = if let Val::Objs(_, o, _) = &v {
                    Some(o.clone())
                } else {
                    None
                };
                Ok((get("eta")?, get("phi")?, off))
            }
            Val::P4(p) => Ok((p4_prop(&p, P4Prop::Eta), p4_prop(&p, P4Prop::Phi), None)),
            Val::P4List(o, p) => Ok((p4_prop(&p, P4Prop::Eta), p4_prop(&p, P4Prop::Phi), Some(o))),
            _ => Err(internal("eta/phi of a non-record")),
        }
    }
}

fn num_or_f64(n: Num) -> Num {
    if n == Num::Bool {
        Num::F64
    } else {
        n
    }
}

fn neg(n: Nums) -> Nums {
    match n {
        Nums::Int(v) => Nums::Int(v.iter().map(|x| x.wrapping_neg()).collect()),
        Nums::F32(v) => Nums::F32(v.iter().map(|x| -x).collect()),
        Nums::F64(v) => Nums::F64(v.iter().map(|x| -x).collect()),
        b => b,
    }
}

fn const_f64(v: &Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        Val::Float(f) => Some(*f),
        _ => None,
    }
}

fn to_bools(v: Val, n: usize) -> R<Vec<bool>> {
    match v {
        Val::Bool(b) => Ok(vec![b; n]),
        Val::Num(Nums::Bool(v)) => Ok(v),
        _ => Err(internal("expected bools")),
    }
}

fn repeat(v: &[f64], off: &[i64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(off.last().copied().unwrap_or(0) as usize);
    for (i, w) in off.windows(2).enumerate() {
        for _ in w[0]..w[1] {
            out.push(v[i]);
        }
    }
    out
}

/// One element-wise function for both float widths: the f32 version calls the single-precision
/// libm functions (`cosf`, …), as C++'s `std::cos(float)` does.
macro_rules! math1_for {
    ($name:ident, $t:ty) => {
        fn $name(f: Math1, x: $t) -> $t {
            match f {
                Math1::Abs => x.abs(),
                Math1::Sqrt => x.sqrt(),
                Math1::Exp => x.exp(),
                Math1::Log => x.ln(),
                Math1::Log10 => x.log10(),
                Math1::Sin => x.sin(),
                Math1::Cos => x.cos(),
                Math1::Tan => x.tan(),
                Math1::Asin => x.asin(),
                Math1::Acos => x.acos(),
                Math1::Atan => x.atan(),
                Math1::Sinh => x.sinh(),
                Math1::Cosh => x.cosh(),
                Math1::Tanh => x.tanh(),
                Math1::Floor => x.floor(),
                Math1::Ceil => x.ceil(),
            }
        }
    };
}
math1_for!(math1_f32, f32);
math1_for!(math1, f64);

/// Properties of Cartesian four-vectors, as ROOT's `PxPyPzE4D` computes them.
fn p4_prop(p: &P4s, prop: P4Prop) -> Vec<f64> {
    (0..p.len())
        .map(|i| {
            let (x, y, z, t) = (p.px[i], p.py[i], p.pz[i], p.e[i]);
            match prop {
                P4Prop::Px => x,
                P4Prop::Py => y,
                P4Prop::Pz => z,
                P4Prop::E => t,
                P4Prop::Pt => (x * x + y * y).sqrt(),
                P4Prop::Phi => {
                    if x == 0.0 && y == 0.0 {
                        0.0
                    } else {
                        y.atan2(x)
                    }
                }
                P4Prop::Eta => eta_from_rho_z((x * x + y * y).sqrt(), z),
                P4Prop::Mass => {
                    let mm = t * t - x * x - y * y - z * z;
                    if mm >= 0.0 {
                        mm.sqrt()
                    } else {
                        -(-mm).sqrt()
                    }
                }
            }
        })
        .collect()
}

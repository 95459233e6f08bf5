//! Evaluation of list operations (indexing, gathering, slicing, masks, combinatorics),
//! reductions, sorting, picking, math functions and random numbers.
//!
//! Documented answers where C++ has none (also in the README):
//! - `min`, `max` and `mean` of an empty list are NaN (so `min`/`max` of integer lists are
//!   doubles); `argmin`/`argmax` of an empty list are −1; `sum` is 0, `any` false, `all` true;
//! - `x[i]` with `i` outside the list is an error naming the entry (select events first, or use
//!   `get(x, i, default)`); positions outside the list in a gather (`Jet[Muon.jetIdx]`, where
//!   NanoAOD writes −1 for "none") give *missing* elements: NaN for floats, −1 for integers,
//!   false for bools, and records whose fields read so.

use std::rc::Rc;

use columnar::{counts, sums};

use crate::check::{Dist, Math1, Math2, Node, Pick, Reduce};
use crate::error::{ExprError, Span};
use crate::eval::{internal, Evaluator, R};
use crate::num::{self, Scalar};
use crate::schema::Num;
use crate::value::{Nums, P4s, Val};

/// Offsets of a list-shaped value.
fn list_offsets(v: &Val) -> Option<Rc<Vec<i64>>> {
    match v {
        Val::List(o, _) | Val::Objs(_, o, _) | Val::Tuples(_, o, _) | Val::P4List(o, _) => {
            Some(o.clone())
        }
        _ => None,
    }
}

/// The most pairs `combinations(…, 2)` makes for one batch of events (4096 events of 20
/// records each make 778 240): 64 M pairs are 1 GiB of record numbers.
const MAX_TUPLES: u64 = 1 << 26;

/// `v` with the flat elements `elems` (−1: missing) and new offsets.
fn take_elements(v: &Val, off: Rc<Vec<i64>>, elems: &[i64]) -> R<Val> {
    Ok(match v {
        Val::List(_, values) => Val::List(off, values.gather(elems)),
        Val::Objs(c, _, idx) => Val::Objs(c.clone(), off, gather_idx(idx, elems)),
        Val::Tuples(cs, _, slots) => Val::Tuples(
            cs.clone(),
            off,
            slots.iter().map(|s| gather_idx(s, elems)).collect(),
        ),
        Val::P4List(_, p) => Val::P4List(off, gather_p4(p, elems)),
        _ => return Err(internal("gathering from a non-list")),
    })
}

/// `l[keep]` for a list of numbers or of records (`Jet.pt[abs(Jet.eta) < 1]`,
/// `Jet[Jet.pt > 30]`) with list offsets `off`: the elements kept are those at the mask's true
/// positions between the first and last offset, in order, so they are compressed out of that
/// range (`columnar::select`, vectorised) and the new offsets counted as for the positions
/// (`columnar::masks::kept_offsets`) — instead of listing the kept positions and gathering the
/// elements at them, which gives the same elements. `None` for other values, or where an
/// element a position names would be missing (the values shorter than the offsets say): the
/// gather then decides.
fn mask_by_select(l: &Val, off: &[i64], keep: &[bool]) -> Option<Val> {
    let len = match l {
        Val::List(_, values) => values.len(),
        Val::Objs(_, _, idx) => idx.len(),
        _ => return None,
    };
    let (new_off, range) = kept_lists(off, keep, len)?;
    let kept = &keep[range.clone()];
    Some(match l {
        Val::List(_, values) => Val::List(
            Rc::new(new_off),
            values.select_in(range.start, range.end, kept)?,
        ),
        Val::Objs(c, _, idx) => Val::Objs(
            c.clone(),
            Rc::new(new_off),
            columnar::select::select(idx.get(range)?, kept),
        ),
        _ => return None,
    })
}

/// For lists with offsets `off` over `len` elements and a mask `keep` of them: the offsets of
/// the lists of kept elements, and the range of elements the lists span (whose kept ones are
/// compressed out). `None` where the offsets decrease, are negative or run past the elements
/// or the mask.
pub(crate) fn kept_lists(
    off: &[i64],
    keep: &[bool],
    len: usize,
) -> Option<(Vec<i64>, std::ops::Range<usize>)> {
    let (&first, &last) = (off.first()?, off.last()?);
    let (first, last) = (usize::try_from(first).ok()?, usize::try_from(last).ok()?);
    if first > last || last > len || last > keep.len() {
        return None;
    }
    let mut new_off = Vec::with_capacity(off.len());
    columnar::masks::kept_offsets(off, keep, &mut new_off)?;
    Some((new_off, first..last))
}

/// Record indices at `elems`; a missing element (−1) stays missing.
fn gather_idx(idx: &[i64], elems: &[i64]) -> Vec<i64> {
    elems
        .iter()
        .map(|&j| {
            if j < 0 {
                -1
            } else {
                idx.get(j as usize).copied().unwrap_or(-1)
            }
        })
        .collect()
}

pub(crate) fn gather_p4(p: &P4s, elems: &[i64]) -> P4s {
    let g = |v: &[f64]| -> Vec<f64> {
        elems
            .iter()
            .map(|&j| {
                if j < 0 {
                    f64::NAN
                } else {
                    v.get(j as usize).copied().unwrap_or(f64::NAN)
                }
            })
            .collect()
    };
    P4s {
        px: g(&p.px),
        py: g(&p.py),
        pz: g(&p.pz),
        t: g(&p.t),
        coords: p.coords,
    }
}

/// One element per event from a list-shaped value.
fn take_one(v: &Val, elems: &[i64]) -> R<Val> {
    Ok(match v {
        Val::List(_, values) => Val::Num(values.gather(elems)),
        Val::Objs(c, _, idx) => Val::Obj(c.clone(), gather_idx(idx, elems)),
        Val::Tuples(cs, _, slots) => Val::Tuple(
            cs.clone(),
            slots.iter().map(|s| gather_idx(s, elems)).collect(),
        ),
        Val::P4List(_, p) => Val::P4(gather_p4(p, elems)),
        _ => return Err(internal("indexing a non-list")),
    })
}

/// `x[k]` with `k` outside a list of `len` in entry `entry`.
pub(crate) fn out_of_range(k: i64, len: i64, entry: u64, span: Span) -> ExprError {
    ExprError::eval(
        format!(
            "index {k} is out of range for a list of {len} in entry {entry}; select events with \
             a cut first (e.g. on the list's length), or use get(list, i, default)"
        ),
        span,
    )
}

/// A per-event integer value as one i64 per event.
fn ints_per_event(v: Val, n: usize) -> R<Vec<i64>> {
    match v {
        Val::Const(Scalar::Int(k), _) => Ok(vec![k; n]),
        Val::Const(Scalar::Bool(b), _) => Ok(vec![b as i64; n]),
        Val::Num(x) if x.num().is_integer() || x.num() == Num::Bool => Ok(match x {
            Nums::U64(v) => v.iter().map(|x| (*x).min(i64::MAX as u64) as i64).collect(),
            other => other.to_i64(),
        }),
        _ => Err(internal("integer expected")),
    }
}

impl Evaluator<'_> {
    pub(crate) fn index(&self, list: &Node, index: &Node, span: Span) -> R<Val> {
        let l = self.eval_rc(list)?;
        let ks = ints_per_event(self.eval(index)?, self.n())?;
        let off = list_offsets(&l).ok_or_else(|| internal("indexing a non-list"))?;
        let n_events = off.len().saturating_sub(1);
        let mut elems = Vec::with_capacity(n_events);
        for e in 0..n_events {
            let len = off[e + 1] - off[e];
            let k0 = ks[e];
            let k = if k0 < 0 { k0 + len } else { k0 };
            if k < 0 || k >= len {
                return Err(out_of_range(k0, len, self.entry(e), span));
            }
            elems.push(off[e] + k);
        }
        take_one(&l, &elems)
    }

    /// `list[positions]`: for each event, the elements at the given positions (negative or
    /// past the end: missing).
    pub(crate) fn gather(&self, list: &Node, index: &Node, span: Span) -> R<Val> {
        let l = self.eval_rc(list)?;
        let Val::List(ioff, pos) = self.eval(index)? else {
            return Err(internal("gather positions"));
        };
        let off = list_offsets(&l).ok_or_else(|| internal("gathering from a non-list"))?;
        if off.len() != ioff.len() {
            return Err(ExprError::eval("internal: gather of other events", span));
        }
        let pos = pos.to_i64();
        let mut elems = Vec::with_capacity(pos.len());
        for e in 0..ioff.len().saturating_sub(1) {
            let len = off[e + 1] - off[e];
            for &p in &pos[ioff[e] as usize..ioff[e + 1] as usize] {
                elems.push(if p >= 0 && p < len { off[e] + p } else { -1 });
            }
        }
        take_elements(&l, ioff, &elems)
    }

    /// `list[lo:hi]` with Python's rules.
    pub(crate) fn slice(&self, list: &Node, lo: Option<&Node>, hi: Option<&Node>) -> R<Val> {
        let l = self.eval_rc(list)?;
        let off = list_offsets(&l).ok_or_else(|| internal("slicing a non-list"))?;
        let n = off.len().saturating_sub(1);
        let bound = |b: Option<&Node>| -> R<Option<Vec<i64>>> {
            match b {
                None => Ok(None),
                Some(b) => Ok(Some(ints_per_event(self.eval(b)?, n)?)),
            }
        };
        let (lo, hi) = (bound(lo)?, bound(hi)?);
        let clip = |k: i64, len: i64| -> i64 {
            let k = if k < 0 { k + len } else { k };
            k.clamp(0, len)
        };
        let mut new_off = Vec::with_capacity(off.len());
        new_off.push(0i64);
        let mut elems = Vec::new();
        for e in 0..n {
            let len = off[e + 1] - off[e];
            let a = lo.as_ref().map_or(0, |v| clip(v[e], len));
            let b = hi.as_ref().map_or(len, |v| clip(v[e], len));
            for k in a..b.max(a) {
                elems.push(off[e] + k);
            }
            new_off.push(elems.len() as i64);
        }
        take_elements(&l, Rc::new(new_off), &elems)
    }

    pub(crate) fn mask(&self, list: &Node, mask: &Node, span: Span) -> R<Val> {
        // A whole field still in the read array: the kept values taken from there (no copy of
        // all of them first).
        let raw = self.raw_field(list)?;
        let converted = match raw {
            Some(_) => None,
            None => Some(self.eval_rc(list)?),
        };
        let Val::List(moff, Nums::Bool(keep)) = self.eval(mask)? else {
            return Err(internal("mask type"));
        };
        if let Some(raw) = &raw {
            if *raw.offsets == *moff {
                if let Some(v) = raw.masked(&keep) {
                    return Ok(v);
                }
            }
        }
        let l = match converted {
            Some(l) => l,
            None => self.eval_rc(list)?,
        };
        let off = list_offsets(&l).ok_or_else(|| internal("masking a non-list"))?;
        if off != moff {
            return Err(ExprError::eval(
                format!(
                    "the mask and the list have different lengths in entry {}",
                    self.first_length_difference(&off, &moff)
                ),
                span,
            ));
        }
        if let Some(v) = mask_by_select(&l, &off, &keep) {
            return Ok(v);
        }
        let (mut elems, mut new_off) = (Vec::new(), Vec::new());
        columnar::masks::masked_positions(&off, &keep, &mut elems, &mut new_off)
            .ok_or_else(|| internal("mask offsets"))?;
        take_elements(&l, Rc::new(new_off), &elems)
    }

    /// How many pairs the lists with offsets `off` make; an error naming the largest list
    /// when that is more than [`MAX_TUPLES`] (a corrupt or hostile counter), rather than an
    /// allocation that takes the machine's memory.
    pub(crate) fn pair_count(&self, off: &[i64]) -> R<usize> {
        let pairs = |w: &[i64]| {
            let n = w[1].saturating_sub(w[0]).max(0) as u64;
            n.saturating_mul(n.saturating_sub(1)) / 2
        };
        let total = match columnar::combinations::pairs_in_lists(off) {
            Some(total) => total,
            None => off
                .windows(2)
                .map(pairs)
                .fold(0u64, |t, p| t.saturating_add(p)),
        };
        if total <= MAX_TUPLES {
            return Ok(total as usize);
        }
        let (e, w) = off
            .windows(2)
            .enumerate()
            .max_by_key(|(_, w)| pairs(w))
            .ok_or_else(|| internal("combinations"))?;
        Err(ExprError::eval(
            format!(
                "combinations(…, 2) would make {total} pairs in one batch of events, more than \
                 the {MAX_TUPLES} allowed; entry {} has {} records",
                self.entry(e),
                w[1] - w[0]
            ),
            Span::default(),
        ))
    }

    pub(crate) fn combinations(&self, coll: &Node, name: &str, k: usize) -> R<Val> {
        let c = self.eval_rc(coll)?;
        let Val::Objs(_, off, idx) = &*c else {
            return Err(internal("combinations"));
        };
        let mut new_off = Vec::with_capacity(off.len());
        new_off.push(0i64);
        if k == 2 {
            // Pairs (the common case): two nested loops, each slot written once per pair.
            let total = self.pair_count(off)?;
            let (mut first, mut second) = (Vec::with_capacity(total), Vec::with_capacity(total));
            for w in off.windows(2) {
                let (a, b) = (w[0] as usize, w[1] as usize);
                let records = idx.get(a..b).ok_or_else(|| internal("combinations"))?;
                if records.len() >= 2 {
                    for (i, &r) in records.iter().enumerate() {
                        first.extend(std::iter::repeat_n(r, records.len() - i - 1));
                        second.extend_from_slice(&records[i + 1..]);
                    }
                }
                new_off.push(first.len() as i64);
            }
            return Ok(Val::Tuples(
                vec![name.to_string(); k],
                Rc::new(new_off),
                vec![first, second],
            ));
        }
        let mut slots = vec![Vec::new(); k];
        let mut c: Vec<usize> = Vec::with_capacity(k);
        for w in off.windows(2) {
            let (a, n) = (w[0] as usize, (w[1] - w[0]) as usize);
            // All i < j < … in lexicographic order, as nested loops would give.
            c.clear();
            c.extend(0..k);
            if n >= k {
                loop {
                    for (s, &ci) in slots.iter_mut().zip(&c) {
                        s.push(idx[a + ci]);
                    }
                    if !columnar::combinations::next_combination(&mut c, n) {
                        break;
                    }
                }
            }
            new_off.push(slots[0].len() as i64);
        }
        Ok(Val::Tuples(
            vec![name.to_string(); k],
            Rc::new(new_off),
            slots,
        ))
    }

    pub(crate) fn cartesian(&self, a: &Node, b: &Node) -> R<Val> {
        let (va, vb) = (self.eval_rc(a)?, self.eval_rc(b)?);
        let (Val::Objs(ca, oa, ia), Val::Objs(cb, ob, ib)) = (&*va, &*vb) else {
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
        Ok(Val::Tuples(
            vec![ca.clone(), cb.clone()],
            Rc::new(new_off),
            vec![sa, sb],
        ))
    }

    pub(crate) fn math1(&self, f: Math1, arg: &Node, num: Num) -> R<Val> {
        // The argument is read where it is (a shared column is not copied), and converted
        // only when it is not of the function's type.
        let apply = |n: &Nums| -> Nums {
            match &*num::as_num(n, num) {
                // Single-precision libm (cosf, sqrtf, …), as C++'s std::cos(float).
                Nums::F32(v) => Nums::F32(v.iter().map(|x| math1_f32(f, *x)).collect()),
                Nums::F64(v) => Nums::F64(v.iter().map(|x| math1(f, *x)).collect()),
                // abs of integers stays an integer.
                Nums::I32(v) => Nums::I32(v.iter().map(|x| x.wrapping_abs()).collect()),
                Nums::I64(v) => Nums::I64(v.iter().map(|x| x.wrapping_abs()).collect()),
                other => other.clone(),
            }
        };
        Ok(match &*self.eval_rc(arg)? {
            Val::Num(n) => Val::Num(apply(n)),
            Val::List(o, n) => Val::List(o.clone(), apply(n)),
            Val::Const(c, k) => {
                let v = apply(&c.column(*k, 1));
                Val::Const(Scalar::of(&v).ok_or_else(|| internal("math"))?, num)
            }
            _ => return Err(internal("math function")),
        })
    }

    pub(crate) fn math2(&self, f: Math2, a: &Node, b: &Node, num: Num) -> R<Val> {
        let (va, vb) = (self.eval(a)?, self.eval(b)?);
        let constant = matches!((&va, &vb), (Val::Const(..), Val::Const(..)));
        let (off, x, y) = self.align(&va, &vb, num)?;
        let out = match (&*x, &*y) {
            (Nums::F32(x), Nums::F32(y)) => {
                Nums::F32(x.iter().zip(y).map(|(p, q)| math2_f32(f, *p, *q)).collect())
            }
            (Nums::F64(x), Nums::F64(y)) => {
                Nums::F64(x.iter().zip(y).map(|(p, q)| math2_f64(f, *p, *q)).collect())
            }
            (x, y) => {
                // min/max of integers.
                let pick_max = f == Math2::Max;
                macro_rules! mm {
                    ($x:expr, $y:expr) => {
                        $x.iter()
                            .zip($y.iter())
                            .map(|(p, q)| if (p < q) == pick_max { *q } else { *p })
                            .collect()
                    };
                }
                match (x, y) {
                    (Nums::I32(x), Nums::I32(y)) => Nums::I32(mm!(x, y)),
                    (Nums::U32(x), Nums::U32(y)) => Nums::U32(mm!(x, y)),
                    (Nums::I64(x), Nums::I64(y)) => Nums::I64(mm!(x, y)),
                    (Nums::U64(x), Nums::U64(y)) => Nums::U64(mm!(x, y)),
                    _ => return Err(internal("math2 types")),
                }
            }
        };
        if constant && off.is_none() && !out.is_empty() {
            let first = out.slice(0, 1);
            return Ok(Val::Const(
                Scalar::of(&first).ok_or_else(|| internal("fold"))?,
                num,
            ));
        }
        Ok(match off {
            Some(o) => Val::List(o, out),
            None => Val::Num(out),
        })
    }

    pub(crate) fn reduce(&self, f: Reduce, arg: &Node, num: Num, _span: Span) -> R<Val> {
        // `count(Jet.pt > 40)`: the comparison and the count in one pass.
        if let Some(v) = self.reduce_compared(f, arg)? {
            return Ok(v);
        }
        // Read where it is: a define's records or list are not copied to be counted.
        let a = self.eval_rc(arg)?;
        if let (Reduce::Sum, Val::P4List(off, p)) = (f, &*a) {
            return Ok(Val::P4(crate::fourvec::sum_lists(off, p)));
        }
        let (off, values) = match &*a {
            Val::List(o, v) => (o, Some(v)),
            Val::Objs(_, o, _) | Val::P4List(o, _) | Val::Tuples(_, o, _) => (o, None),
            _ => return Err(internal("reduction of a non-list")),
        };
        let ranges = off.windows(2).map(|w| (w[0] as usize, w[1] as usize));
        let lens = || off.windows(2).map(|w| w[1] - w[0]);
        Ok(Val::Num(match (f, values) {
            (Reduce::Len, _) | (Reduce::Count, None) => Nums::I64(lens().collect()),
            // Booleans counted without a loop per event (`columnar::counts`).
            (Reduce::Count, Some(Nums::Bool(v))) => {
                Nums::I64(bool_lists(counts::count_true, off, v)?)
            }
            (Reduce::Count, Some(_)) => Nums::I64(lens().collect()),
            (Reduce::Any, Some(Nums::Bool(v))) => Nums::Bool(bool_lists(counts::any_true, off, v)?),
            (Reduce::All, Some(Nums::Bool(v))) => Nums::Bool(bool_lists(counts::all_true, off, v)?),
            (Reduce::Sum, Some(v)) => {
                // Sequential accumulation in the element type, as ROOT's VecOps::Sum
                // (`columnar::sums`); bools are counted.
                let sums = |r: Option<Nums>| r.ok_or_else(|| internal("list offsets"));
                match v {
                    Nums::F32(v) => sums(sums::sums(off, v).map(Nums::F32))?,
                    Nums::F64(v) => sums(sums::sums(off, v).map(Nums::F64))?,
                    Nums::I32(v) => sums(sums::sums(off, v).map(Nums::I32))?,
                    Nums::U32(v) => sums(sums::sums(off, v).map(Nums::U32))?,
                    Nums::I64(v) => sums(sums::sums(off, v).map(Nums::I64))?,
                    Nums::U64(v) => sums(sums::sums(off, v).map(Nums::U64))?,
                    Nums::Bool(v) => Nums::I64(bool_lists(counts::count_true, off, v)?),
                }
            }
            (Reduce::Prod, Some(v)) => {
                // `VecOps::Product`: std::accumulate from 1 with operator*, in the element type.
                macro_rules! seq {
                    ($v:expr, $one:expr, $mul:expr) => {
                        ranges
                            .map(|(a, b)| $v[a..b].iter().fold($one, |s, x| $mul(s, *x)))
                            .collect()
                    };
                }
                match v {
                    Nums::F32(v) => Nums::F32(seq!(v, 1.0f32, |s: f32, x: f32| s * x)),
                    Nums::F64(v) => Nums::F64(seq!(v, 1.0f64, |s: f64, x: f64| s * x)),
                    Nums::I32(v) => Nums::I32(seq!(v, 1i32, i32::wrapping_mul)),
                    Nums::U32(v) => Nums::U32(seq!(v, 1u32, u32::wrapping_mul)),
                    Nums::I64(v) => Nums::I64(seq!(v, 1i64, i64::wrapping_mul)),
                    Nums::U64(v) => Nums::U64(seq!(v, 1u64, u64::wrapping_mul)),
                    Nums::Bool(v) => Nums::I64(
                        bool_lists(counts::all_true, off, v)?
                            .into_iter()
                            .map(i64::from)
                            .collect(),
                    ),
                }
            }
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
                Nums::I64(
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

    /// `sort(x)` / `argsort(x)`: ascending, stable (equal values keep their order), NaN last.
    pub(crate) fn sort(&self, arg: &Node, indices: bool) -> R<Val> {
        let list = self.eval_rc(arg)?;
        let Val::List(off, v) = &*list else {
            return Err(internal("sort of a non-list"));
        };
        let d = v.to_f64();
        let mut order: Vec<i64> = Vec::with_capacity(d.len());
        for w in off.windows(2) {
            let mut local: Vec<i64> = (0..w[1] - w[0]).collect();
            let s = &d[w[0] as usize..w[1] as usize];
            local.sort_by(|a, b| {
                let (x, y) = (s[*a as usize], s[*b as usize]);
                x.partial_cmp(&y)
                    .unwrap_or_else(|| x.is_nan().cmp(&y.is_nan()))
            });
            if indices {
                order.extend(local);
            } else {
                order.extend(local.iter().map(|k| w[0] + k));
            }
        }
        Ok(if indices {
            Val::List(off.clone(), Nums::I64(order))
        } else {
            Val::List(off.clone(), v.gather(&order))
        })
    }

    /// `first(x, d)`, `last(x, d)`, `get(x, i, d)`.
    pub(crate) fn pick(&self, list: &Node, at: &Pick, default: &Node, num: Num) -> R<Val> {
        let list = self.eval_rc(list)?;
        let Val::List(off, v) = &*list else {
            return Err(internal("pick from a non-list"));
        };
        let n = off.len().saturating_sub(1);
        let ks = match at {
            Pick::At(i) => Some(ints_per_event(self.eval(i)?, n)?),
            _ => None,
        };
        let mut elems = Vec::with_capacity(n);
        for e in 0..n {
            let len = off[e + 1] - off[e];
            let k = match (at, &ks) {
                (Pick::First, _) => 0,
                (Pick::Last, _) => len - 1,
                (_, Some(ks)) => {
                    if ks[e] < 0 {
                        ks[e] + len
                    } else {
                        ks[e]
                    }
                }
                _ => 0,
            };
            elems.push(if k >= 0 && k < len { off[e] + k } else { -1 });
        }
        let picked = num::cast_owned(v.gather(&elems), num);
        let d = match self.eval(default)? {
            Val::Const(c, k) => num::cast(&c.column(k, n), num),
            Val::Num(x) => num::cast_owned(x, num),
            _ => return Err(internal("pick default")),
        };
        let take: Vec<bool> = elems.iter().map(|e| *e >= 0).collect();
        Ok(Val::Num(crate::eval::select_by(&take, &picked, &d)))
    }

    /// Counter-based random numbers: SplitMix64 of (seed, position in the list, stream,
    /// universe), so a value depends only on the event and the variation, never on threads or
    /// chunking.
    pub(crate) fn random(
        &self,
        seed: &Node,
        like: Option<&Node>,
        stream: i64,
        dist: Dist,
    ) -> R<Val> {
        let seeds = ints_per_event(self.eval(seed)?, self.n())?;
        let key = |s: i64, pos: i64| -> u64 {
            let mut h = splitmix(s as u64 ^ 0x6A09_E667_F3BC_C909);
            h = splitmix(h ^ (pos as u64));
            h = splitmix(h ^ (stream as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            splitmix(h ^ self.salt)
        };
        let draw = |s: i64, pos: i64| -> f64 {
            let h = key(s, pos);
            match dist {
                Dist::Uniform => unit(h),
                Dist::Normal => {
                    // Box–Muller with two independent uniforms; u1 in (0, 1].
                    let u1 = 1.0 - unit(h);
                    let u2 = unit(splitmix(h ^ 0xBB67_AE85_84CA_A73B));
                    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
                }
            }
        };
        match like {
            None => Ok(Val::Num(Nums::F64(
                seeds.iter().map(|&s| draw(s, -1)).collect(),
            ))),
            Some(l) => {
                let lv = self.eval_rc(l)?;
                let off = list_offsets(&lv).ok_or_else(|| internal("random shape"))?;
                let mut out = Vec::with_capacity(off.last().copied().unwrap_or(0) as usize);
                for (e, w) in off.windows(2).enumerate() {
                    for k in 0..w[1] - w[0] {
                        out.push(draw(seeds[e], k));
                    }
                }
                Ok(Val::List(off, Nums::F64(out)))
            }
        }
    }
}

/// SplitMix64's output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform double in [0, 1) from the top 53 bits.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A stable 64-bit hash of a variation name (FNV-1a), to key random numbers by universe.
pub fn salt_of(name: &str) -> u64 {
    if name.is_empty() || name == "nominal" {
        return 0;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// One element-wise function for both float widths: the f32 version calls the single-precision
/// libm functions (`cosf`, …), as C++'s `std::cos(float)` does.
macro_rules! math1_for {
    ($name:ident, $t:ty) => {
        pub(crate) fn $name(f: Math1, x: $t) -> $t {
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

/// Functions of two numbers for both float widths (`gaussian_quantile` computes in double).
macro_rules! math2_for {
    ($name:ident, $t:ty) => {
        fn $name(f: Math2, p: $t, q: $t) -> $t {
            match f {
                Math2::Atan2 => p.atan2(q),
                Math2::Pow => p.powf(q),
                // std::min(a, b) is `b < a ? b : a`, std::max(a, b) `a < b ? b : a`.
                Math2::Min => {
                    if q < p {
                        q
                    } else {
                        p
                    }
                }
                Math2::Max => {
                    if p < q {
                        q
                    } else {
                        p
                    }
                }
                Math2::GaussianQuantile => {
                    crate::quantile::gaussian_quantile(p as f64, q as f64) as $t
                }
            }
        }
    };
}
math2_for!(math2_f32, f32);
math2_for!(math2_f64, f64);

/// A reduction of lists of booleans by a `columnar::counts` kernel; an internal error for
/// offsets the kernel refuses (decreasing, or past the values).
fn bool_lists<T>(f: fn(&[i64], &[bool]) -> Option<Vec<T>>, off: &[i64], v: &[bool]) -> R<Vec<T>> {
    f(off, v).ok_or_else(|| internal("list offsets"))
}

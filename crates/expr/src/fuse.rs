//! Combinatoric patterns recognised in a typed tree and run by one fused kernel per event.
//!
//! Column-at-a-time, `trijets[argmin(abs((trijets.0 + trijets.1 + trijets.2).mass - 172.5))]`
//! writes every combination's record indices, gathers their four-vectors term by term, and
//! computes the mass, the difference and the absolute value each as a column: for 5 M events
//! with 13 M jets that is 90 M triplets through seven passes over memory. The fused kernel
//! ([`columnar::combinations::best_combination`]) walks each event's combinations with its
//! records' four-vectors in cache and keeps only the best one, giving the same tuple bit for
//! bit: the same sums in the same order, the same key arithmetic, the first extremum.
//!
//! Recognised: `L[argmin(K)]` and `L[argmax(K)]` where `L` is `combinations(C, k)` (inline or a
//! define without variations) or a define without variations of any other list of `k`-tuples,
//! and `K` is a property of the sum of the four-vectors of all `k`
//! slots of `L` (each once, in any order, all in one coordinate system), followed by any chain
//! of double-precision steps with constants (`± × ÷` a literal, a one-argument math function,
//! negation). Anything else is evaluated as written.
//!
//! When `L` is `combinations(C, k)` its tuples are never written: the kernel walks them. Any
//! other list of tuples — ADL query 8's same-flavour opposite-sign pairs
//! `pairs[pairs.0.flavour == pairs.1.flavour && pairs.0.charge != pairs.1.charge]`, a
//! `cartesian` — is evaluated as written (a define shared with the cuts that use it), and only
//! the key is fused: each event's tuples are summed, keyed and compared in one loop instead of a
//! gather of each slot's four-vectors, a sum, the property, each step and the `argmin`, each a
//! column, and an index at the end.

use crate::ast::BinOp;
use crate::check::{Coords, Math1, Node, P4Prop, Reduce, Ty};
use crate::error::Span;
use crate::eval::{internal, Evaluator, R};
use crate::num;
use crate::schema::Num;
use crate::scope::Registry;
use crate::value::Val;
use columnar::fourvec::{self as fv, P4};
use columnar::mass_bounds;

/// A step applied to the key after the four-vector property, in double precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyStep {
    /// `key op c` (`const_left`: `c op key`).
    Const {
        /// The operator: `+ - * /`.
        op: BinOp,
        /// The constant, converted to double as the evaluator converts it.
        c: f64,
        /// Whether the constant is the left operand.
        const_left: bool,
    },
    /// A one-argument function (`abs`, `sqrt`, …).
    Math(Math1),
    /// `-key`.
    Neg,
}

/// Where the tuples a [`BestTuple`] searches come from.
#[derive(Debug, Clone, PartialEq)]
pub enum TupleSource {
    /// `combinations(C, k)`, walked without being written.
    Combinations {
        /// `C`: the records whose combinations are searched.
        records: Node,
        /// The name the tuples' slots carry (`combinations`' `name`).
        name: String,
    },
    /// Any other list of tuples, evaluated as written (the node `L`).
    List(Node),
}

/// `L[argmin(K)]` / `L[argmax(K)]` over a list `L` of tuples, run fused.
#[derive(Debug, Clone, PartialEq)]
pub struct BestTuple {
    /// The tuples.
    pub source: TupleSource,
    /// Tuple size.
    pub k: usize,
    /// The collection version whose four-vectors the slots use.
    pub coll: String,
    /// Their coordinates.
    pub coords: Coords,
    /// The slots in the order their four-vectors are added.
    pub order: Vec<usize>,
    /// The property of the sum.
    pub prop: P4Prop,
    /// What follows the property, innermost first.
    pub steps: Vec<KeyStep>,
    /// `argmax` (else `argmin`).
    pub max: bool,
}

/// The fused plan for `list[index]` (`list` of type `list_ty`), if the pattern is one
/// [`BestTuple`] runs.
pub(crate) fn best_tuple(
    list: &Node,
    index: &Node,
    list_ty: &Ty,
    registry: &Registry,
) -> Option<BestTuple> {
    let Node::Reduce { f, arg, .. } = index else {
        return None;
    };
    let max = match f {
        Reduce::ArgMin => false,
        Reduce::ArgMax => true,
        _ => return None,
    };
    let combos = match list {
        Node::Combinations { .. } => list,
        Node::Define(d) => {
            let def = registry.defines.get(*d)?;
            if !def.variants.is_empty() {
                return None;
            }
            &def.typed.node
        }
        _ => return None,
    };
    let (source, k) = match (combos, list_ty) {
        (Node::Combinations { coll, name, k }, _) => (
            TupleSource::Combinations {
                records: (**coll).clone(),
                name: name.clone(),
            },
            k,
        ),
        (_, Ty::Tuples(slots)) => (TupleSource::List(list.clone()), &slots.len()),
        _ => return None,
    };
    // Peel the steps after the property, outermost first.
    let mut steps = Vec::new();
    let mut node = &**arg;
    let prop = loop {
        match node {
            Node::Math1 {
                f,
                arg,
                num: Num::F64,
            } => {
                steps.push(KeyStep::Math(*f));
                node = arg;
            }
            Node::Neg { arg, num: Num::F64 } => {
                steps.push(KeyStep::Neg);
                node = arg;
            }
            Node::Binary {
                op: op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div),
                lhs,
                rhs,
                num: Num::F64,
                ..
            } => {
                let (c, inner, const_left) = match (constant(lhs), constant(rhs)) {
                    (None, Some(c)) => (c, lhs, false),
                    (Some(c), None) => (c, rhs, true),
                    _ => return None,
                };
                steps.push(KeyStep::Const {
                    op: *op,
                    c,
                    const_left,
                });
                node = inner;
            }
            Node::P4Prop { arg, prop } => {
                node = arg;
                break *prop;
            }
            _ => return None,
        }
    };
    steps.reverse();
    // The terms of the sum, left to right as the evaluator adds them.
    let terms = crate::fourvec::sum_terms(node);
    let mut order = Vec::with_capacity(terms.len());
    let mut first: Option<(&str, Coords)> = None;
    for t in terms {
        let Node::P4Of {
            obj,
            coll: c,
            coords,
        } = t
        else {
            return None;
        };
        let Node::Slot { tuples, slot } = &**obj else {
            return None;
        };
        if **tuples != *list || order.contains(slot) || *slot >= *k {
            return None;
        }
        match first {
            None => first = Some((c, *coords)),
            Some(f) if f == (c.as_str(), *coords) => {}
            Some(_) => return None,
        }
        order.push(*slot);
    }
    let (c, coords) = first?;
    if order.len() != *k {
        return None;
    }
    Some(BestTuple {
        source,
        k: *k,
        coll: c.to_string(),
        coords,
        order,
        prop,
        steps,
        max,
    })
}

/// The range `first..first + n` where `recs` are the consecutive records from `first` on.
fn consecutive(recs: &[i64]) -> Option<std::ops::Range<usize>> {
    let first = *recs.first()?;
    let mut next = first;
    for &r in recs {
        if r != next {
            return None;
        }
        next += 1;
    }
    Some(usize::try_from(first).ok()?..usize::try_from(next).ok()?)
}

/// A literal as the double the evaluator would convert it to (through its own type first).
pub(crate) fn constant(n: &Node) -> Option<f64> {
    let Node::Lit(l) = n else { return None };
    num::cast(&l.value.column(l.num, 1), Num::F64)
        .to_f64()
        .first()
        .copied()
}

/// The key of a summed four-vector: the property, then the steps.
#[inline]
fn key_of(p: &P4, coords: Coords, prop: P4Prop, steps: &[KeyStep]) -> f64 {
    let mut x = fv::prop(p, coords, prop);
    for s in steps {
        x = match *s {
            KeyStep::Const { op, c, const_left } => {
                let (a, b) = if const_left { (c, x) } else { (x, c) };
                match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => f64::NAN,
                }
            }
            KeyStep::Math(f) => crate::eval_ops::math1(f, x),
            KeyStep::Neg => -x,
        };
    }
    x
}

/// Bounds on the key from bounds `[lo, hi]` on the property, through `steps` that map bounds to
/// bounds (`± c`, `abs`, negation: each rounds monotonically, so the rounded bounds bound the
/// rounded key); `None` for other steps or NaN bounds.
fn key_bounds((mut lo, mut hi): (f64, f64), steps: &[KeyStep]) -> Option<(f64, f64)> {
    for s in steps {
        (lo, hi) = match *s {
            KeyStep::Const {
                op: BinOp::Add, c, ..
            } => (lo + c, hi + c),
            KeyStep::Const {
                op: BinOp::Sub,
                c,
                const_left: false,
            } => (lo - c, hi - c),
            KeyStep::Const {
                op: BinOp::Sub,
                c,
                const_left: true,
            } => (c - hi, c - lo),
            KeyStep::Neg => (-hi, -lo),
            KeyStep::Math(Math1::Abs) if lo >= 0.0 => (lo, hi),
            KeyStep::Math(Math1::Abs) if hi <= 0.0 => (-hi, -lo),
            KeyStep::Math(Math1::Abs) => (0.0, hi.max(-lo)),
            _ => return None,
        };
    }
    (lo <= hi).then_some((lo, hi))
}

/// The tuple whose key is certainly the smallest (`max`: largest) of all, from bounds on each
/// tuple's key: its upper bound below every other tuple's lower bound, so its exact key is
/// strictly the extremum (the first one, whichever way ties would be broken). `None` when
/// bounds overlap or are missing, or there is no tuple.
fn extremum_by_bounds(bounds: &[Option<(f64, f64)>], max: bool) -> Option<usize> {
    let mut best: Option<(usize, (f64, f64))> = None;
    for (i, b) in bounds.iter().enumerate() {
        let (lo, hi) = (*b)?;
        let better = match best {
            None => true,
            Some((_, (blo, bhi))) => (max && lo > blo) || (!max && hi < bhi),
        };
        if better {
            best = Some((i, (lo, hi)));
        }
    }
    let (j, (jlo, jhi)) = best?;
    let clear = bounds.iter().enumerate().all(|(i, b)| match *b {
        _ if i == j => true,
        Some((lo, hi)) => (!max && lo > jhi) || (max && hi < jlo),
        None => false,
    });
    clear.then_some(j)
}

impl Evaluator<'_> {
    /// Run a [`BestTuple`]: one tuple per event, as `list[argmin(key)]` gives it.
    pub(crate) fn best_tuple(&self, b: &BestTuple, span: Span) -> R<Val> {
        let (records, name) = match &b.source {
            TupleSource::Combinations { records, name } => (records, name),
            TupleSource::List(list) => return self.best_listed_tuple(b, list, span),
        };
        let whole = matches!(records, Node::Collection(_) | Node::Concat { .. });
        let recs = self.eval_rc(records)?;
        let Val::Objs(_, off, idx) = &*recs else {
            return Err(internal("combinations of non-records"));
        };
        let n_events = off.len().saturating_sub(1);
        let records = |e: usize| -> R<&[i64]> {
            idx.get(off[e] as usize..off[e + 1] as usize)
                .ok_or_else(|| internal("record offsets"))
        };
        // A whole collection's records (q6's jets) are 0, 1, 2, … (`Evaluator::eval` of a
        // collection): each event's are its own in order, the range of its offsets, without a
        // check per event (which was a third of this function's time in q6).
        debug_assert!(!whole || idx.iter().zip(0..).all(|(&r, i)| r == i));
        let own_records = |e: usize, recs: &[i64]| {
            if whole {
                Some(off[e] as usize..off[e + 1] as usize)
            } else {
                consecutive(recs)
            }
        };
        // The search for a mass closest to a target (`abs((t.0 + t.1 + t.2).mass - 172.5)`):
        // first on approximate four-vectors, without libm, where that is certain
        // (`columnar::mass_bounds`); the exact search for the other events only.
        let closest = match (b.prop, b.steps.as_slice()) {
            (
                P4Prop::Mass,
                [KeyStep::Const {
                    op: BinOp::Sub,
                    c,
                    const_left: false,
                }, KeyStep::Math(Math1::Abs)],
            ) if b.coords == Coords::PxPyPzE && !b.max => Some(*c),
            _ => None,
        };
        let mut chosen: Vec<Option<[usize; 3]>> = vec![None; n_events];
        let in_order = b.order.iter().enumerate().all(|(i, s)| i == *s);
        if let Some(target) = closest.filter(|_| in_order && (b.k == 2 || b.k == 3)) {
            // The records of the events with a combination; all of them where those are most
            // (q6's jets: not listed, no map of their rows).
            let with_combination = || (0..n_events).filter(|&e| off[e + 1] - off[e] >= b.k as i64);
            let uses: i64 = with_combination().map(|e| off[e + 1] - off[e]).sum();
            let uses = usize::try_from(uses).map_err(|_| internal("record offsets"))?;
            let approx = self.approx_records_used(&b.coll, uses, || {
                let mut used = Vec::with_capacity(uses);
                for e in with_combination() {
                    used.extend_from_slice(records(e)?);
                }
                Ok(used)
            })?;
            let mut p4: Vec<P4> = Vec::new();
            // Triplets of events whose records are their own in order (a whole collection,
            // q6's jets): searched together, four events a vector, from the columns.
            let columns = approx.all_columns();
            let together = columns.filter(|_| b.k == 3);
            let (mut batch, mut ranges) = (Vec::new(), Vec::new());
            for (e, chosen) in chosen.iter_mut().enumerate() {
                let recs = records(e)?;
                if recs.len() <= b.k {
                    // None, or the one combination (what the search returns, whatever its key).
                    if recs.len() == b.k {
                        *chosen = Some([0, 1, 2]);
                    }
                    continue;
                }
                if together.is_some() {
                    if let Some(r) = own_records(e, recs) {
                        batch.push(e);
                        ranges.push(r);
                        continue;
                    }
                }
                p4.clear();
                // Each event's own records in order (a whole collection, q6's jets): read
                // from the columns as they are, without looking up each record's row.
                match columns.zip(own_records(e, recs)) {
                    Some(([x, y, z, t], r))
                        if r.end <= x.len().min(y.len()).min(z.len()).min(t.len()) =>
                    {
                        p4.extend(r.map(|i| [x[i], y[i], z[i], t[i]]))
                    }
                    _ => p4.extend(recs.iter().map(|&r| approx.at(r).unwrap_or([f64::NAN; 4]))),
                }
                let mut best = [0usize; 3];
                if mass_bounds::closest_mass_certain(&p4, b.k, target, &mut best) {
                    *chosen = Some(best);
                }
            }
            if let Some(columns) = together.filter(|_| !batch.is_empty()) {
                let mut decided = vec![None; batch.len()];
                mass_bounds::closest_triplets_certain(columns, &ranges, target, &mut decided);
                for (e, d) in batch.into_iter().zip(decided) {
                    chosen[e] = d;
                }
            }
        }
        // Exact four-vectors only for the records of the other events with a combination.
        let undecided = |e: &usize| chosen[*e].is_none() && off[e + 1] - off[*e] >= b.k as i64;
        let mut used: Vec<i64> = Vec::new();
        for e in (0..n_events).filter(undecided) {
            used.extend_from_slice(records(e)?);
        }
        // Each asked for once: computed in order, not through the array of all records'.
        let exact = self
            .lazy_p4s(&b.coll, b.coords)?
            .borrow()
            .four_vectors(&used);
        let mut exact_at = 0;
        let mut slots = vec![Vec::with_capacity(n_events); b.k];
        let mut p4: Vec<P4> = Vec::new();
        let mut best = vec![0usize; b.k];
        for (e, chosen) in chosen.iter().enumerate() {
            let recs = records(e)?;
            if let Some(c) = chosen {
                for (s, &pos) in slots.iter_mut().zip(c) {
                    s.push(recs[pos]);
                }
                continue;
            }
            p4.clear();
            if recs.len() >= b.k {
                // An undecided event: its records are the next in `used`.
                let mine = exact
                    .get(exact_at..exact_at + recs.len())
                    .ok_or_else(|| internal("undecided records"))?;
                p4.extend_from_slice(mine);
                exact_at += recs.len();
            }
            let (coords, prop, steps) = (b.coords, b.prop, b.steps.as_slice());
            let found = match (closest, prop, steps) {
                // The common one (a mass closest to a target) without the general step loop.
                (Some(c), ..) => columnar::combinations::closest_mass_combination(
                    &p4, b.k, &b.order, c, &mut best,
                ),
                (
                    None,
                    P4Prop::Mass,
                    [KeyStep::Const {
                        op: BinOp::Sub,
                        c,
                        const_left: false,
                    }, KeyStep::Math(Math1::Abs)],
                ) => {
                    let c = *c;
                    columnar::combinations::best_combination(
                        &p4,
                        b.k,
                        &b.order,
                        coords,
                        b.max,
                        |q| (fv::prop(q, coords, P4Prop::Mass) - c).abs(),
                        &mut best,
                    )
                }
                _ => columnar::combinations::best_combination(
                    &p4,
                    b.k,
                    &b.order,
                    coords,
                    b.max,
                    |q| key_of(q, coords, prop, steps),
                    &mut best,
                ),
            };
            if !found {
                // No combination (fewer records than k): argmin is −1, and indexing the empty
                // list with it fails, as unfused.
                return Err(crate::eval_ops::out_of_range(-1, 0, self.entry(e), span));
            }
            for (s, &pos) in slots.iter_mut().zip(&best) {
                s.push(recs[pos]);
            }
        }
        Ok(Val::Tuple(vec![name.clone(); b.k], slots))
    }

    /// A [`BestTuple`] over a list of tuples evaluated as written: per event, each tuple's
    /// four-vectors summed in the key's order, keyed, and the first extremum kept.
    // `t` indexes the column of every slot, not one slice.
    #[allow(clippy::needless_range_loop)]
    fn best_listed_tuple(&self, b: &BestTuple, list: &Node, span: Span) -> R<Val> {
        let v = self.eval_rc(list)?;
        let Val::Tuples(names, off, slots) = &*v else {
            return Err(internal("best tuple of a non-tuple list"));
        };
        if slots.len() != b.k || b.order.len() != b.k {
            return Err(internal("tuple size"));
        }
        let n_tuples = off.last().map_or(0, |&n| n.max(0) as usize);
        if slots.iter().any(|s| s.len() != n_tuples) {
            return Err(internal("tuple slot length"));
        }
        let n_events = off.len().saturating_sub(1);
        let events = |e: usize| -> R<std::ops::Range<usize>> {
            let (lo, hi) = (off[e], off[e + 1]);
            if lo < 0 || hi < lo || hi as usize > n_tuples {
                return Err(internal("tuple offsets"));
            }
            Ok(lo as usize..hi as usize)
        };
        // Each event's tuple where bounds on the keys decide it without libm (a pair's mass
        // and steps that keep bounds: `abs((s.0 + s.1).mass - 91.2)`), else `None`.
        let mut chosen: Vec<Option<usize>> = vec![None; n_events];
        if b.k == 2 && b.prop == P4Prop::Mass && b.coords == Coords::PxPyPzE {
            let uses = slots.iter().map(Vec::len).sum();
            let p = self.approx_records_used(&b.coll, uses, || {
                Ok(slots.iter().flatten().copied().collect())
            })?;
            let mut bounds = Vec::new();
            for (e, chosen) in chosen.iter_mut().enumerate() {
                let tuples = events(e)?;
                bounds.clear();
                for t in tuples.clone() {
                    let key = p
                        .at(slots[b.order[0]][t])
                        .zip(p.at(slots[b.order[1]][t]))
                        .and_then(|(pa, pb)| mass_bounds::mass_interval(&pa, &pb))
                        .and_then(|m| key_bounds(m, &b.steps));
                    bounds.push(key);
                }
                *chosen = extremum_by_bounds(&bounds, b.max).map(|i| tuples.start + i);
            }
        }
        // The exact keys for the other events, with four-vectors (computed once per record)
        // of their tuples' records only.
        let undecided = || (0..n_events).filter(|&e| chosen[e].is_none());
        let mut used: Vec<i64> = Vec::new();
        for e in undecided() {
            for s in slots {
                used.extend_from_slice(&s[events(e)?]);
            }
        }
        let all = self.collection_p4(&b.coll, b.coords, &used)?;
        let p4 = |r: i64| -> P4 {
            usize::try_from(r)
                .ok()
                .filter(|r| *r < all.len())
                .map_or([f64::NAN; 4], |r| all.at(r))
        };
        let (coords, prop, steps) = (b.coords, b.prop, b.steps.as_slice());
        for e in undecided().collect::<Vec<_>>() {
            let mut best: Option<(usize, f64)> = None;
            for t in events(e)? {
                let mut sum = p4(slots[b.order[0]][t]);
                for &s in &b.order[1..] {
                    sum = fv::add(&sum, &p4(slots[s][t]), coords);
                }
                let x = key_of(&sum, coords, prop, steps);
                // The first extremum, as `argmin`/`argmax` unfused: a first key that is NaN
                // stays, as no comparison with it holds.
                let better = match best {
                    None => true,
                    Some((_, k)) => (b.max && x > k) || (!b.max && x < k),
                };
                if better {
                    best = Some((t, x));
                }
            }
            let Some((t, _)) = best else {
                // No tuple: argmin is −1, and indexing the empty list with it fails, as unfused.
                return Err(crate::eval_ops::out_of_range(-1, 0, self.entry(e), span));
            };
            chosen[e] = Some(t);
        }
        let mut best_slots = vec![Vec::with_capacity(n_events); b.k];
        for t in chosen {
            let t = t.ok_or_else(|| internal("best tuple"))?;
            for (out, slot) in best_slots.iter_mut().zip(slots) {
                out.push(slot[t]);
            }
        }
        Ok(Val::Tuple(names.clone(), best_slots))
    }
}

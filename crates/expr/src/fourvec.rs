//! Four-vectors and angles, computed exactly as ROOT's GenVector classes do.
//!
//! Records become four-vectors as `PtEtaPhiMVector`s converted to Cartesian coordinates:
//! `px = pt cos φ`, `py = pt sin φ`, `pz = pt sinh η` (`PtEtaPhiM4D::Pz`), and then either
//! - `PxPyPzEVector` (`.p4`, the default): `E = sqrt((pt cosh η)² + m|m|)`
//!   (`PtEtaPhiM4D::E`); sums add the four components;
//! - `PxPyPzMVector` (`PxPyPzMVector(x)`): the mass is kept; a sum computes each term's
//!   `E = sqrt(px² + py² + pz² + m|m|)`, adds the components and converts back to the mass
//!   (`LorentzVector::operator+=` → `PxPyPzM4D::SetPxPyPzE`), so `(a + b) + c` rounds as in
//!   ROOT (this is what the RDataFrame AGC implementation does).

use std::cell::RefCell;
use std::rc::Rc;

use crate::check::{Coords, Node, P4Prop};
use crate::error::{ExprError, Span};
use crate::eval::{internal, CollectionP4s, Evaluator, Offsets, R};
use crate::value::{Nums, P4s, Val};
use columnar::fourvec as fv;

pub use columnar::angles::{delta_phi, delta_phi_f32};

/// Eta, phi and the list offsets (if a list) of one side of `delta_r`/`delta_phi`.
type Angles<T> = (Vec<T>, Vec<T>, Option<Offsets>);

/// The (eta, phi) of two sides of `delta_r`/`delta_phi`, one of which may be a list: the other
/// is repeated over it. Returns the list's offsets (if any) and [eta a, phi a, eta b, phi b]; an
/// empty eta (delta_phi of float records) stays empty.
fn broadcast<T: Copy>(a: Angles<T>, b: Angles<T>) -> R<(Option<Offsets>, [Vec<T>; 4])> {
    let rep = |v: &[T], o: &Offsets| {
        if v.is_empty() {
            Vec::new()
        } else {
            crate::value::repeat(v, o)
        }
    };
    let ((ea, pa, la), (eb, pb, lb)) = (a, b);
    Ok(match (la, lb) {
        (Some(o), None) => {
            let (eb, pb) = (rep(&eb, &o), rep(&pb, &o));
            (Some(o), [ea, pa, eb, pb])
        }
        (None, Some(o)) => {
            let (ea, pa) = (rep(&ea, &o), rep(&pa, &o));
            (Some(o), [ea, pa, eb, pb])
        }
        (None, None) => (None, [ea, pa, eb, pb]),
        (Some(_), Some(_)) => return Err(internal("delta of two lists")),
    })
}

/// ΔR (`r`) or Δφ of each pair of [eta a, phi a, eta b, phi b], with the kernels of one precision.
fn angles<T: Copy>(
    [ea, pa, eb, pb]: &[Vec<T>; 4],
    r: bool,
    delta_r: fn(T, T, T, T) -> T,
    delta_phi: fn(T, T) -> T,
) -> Vec<T> {
    if r {
        (0..pa.len())
            .map(|i| delta_r(ea[i], eb[i], pa[i], pb[i]))
            .collect()
    } else {
        pa.iter().zip(pb).map(|(p, q)| delta_phi(*p, *q)).collect()
    }
}

impl P4s {
    /// The energy of vector `i`.
    pub fn energy(&self, i: usize) -> f64 {
        fv::energy(&self.at(i), self.coords)
    }

    /// Vector `i` as `(px, py, pz, t)`.
    pub fn at(&self, i: usize) -> fv::P4 {
        [self.px[i], self.py[i], self.pz[i], self.t[i]]
    }

    /// Add vector `j` of `q` to vector `i` of `self` (`self[i] += q[j]`), rounding as ROOT's
    /// `LorentzVector::operator+=` in `self`'s coordinates.
    fn add_at(&mut self, i: usize, q: &P4s, j: usize) {
        let [x, y, z, t] = fv::add(&self.at(i), &q.at(j), self.coords);
        self.px[i] = x;
        self.py[i] = y;
        self.pz[i] = z;
        self.t[i] = t;
    }

    /// The same vectors in coordinates `coords`.
    pub fn converted(&self, coords: Coords) -> P4s {
        if self.coords == coords {
            return self.clone();
        }
        let t = (0..self.len())
            .map(|i| match coords {
                Coords::PxPyPzE => self.energy(i),
                Coords::PxPyPzM => fv::prop(&self.at(i), self.coords, P4Prop::Mass),
            })
            .collect();
        P4s {
            px: self.px.clone(),
            py: self.py.clone(),
            pz: self.pz.clone(),
            t,
            coords,
        }
    }
}

/// The terms of a four-vector sum `a + b + c`, left to right as they are added (any nesting).
pub(crate) fn sum_terms(node: &Node) -> Vec<&Node> {
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
    terms
}

/// Per-event sums of lists of four-vectors (`sum(...)`), from the zero vector.
pub(crate) fn sum_lists(off: &Offsets, p: &P4s) -> P4s {
    let n = off.len().saturating_sub(1);
    let mut out = P4s {
        px: vec![0.0; n],
        py: vec![0.0; n],
        pz: vec![0.0; n],
        t: vec![0.0; n],
        coords: p.coords,
    };
    for (e, w) in off.windows(2).enumerate() {
        for j in w[0] as usize..w[1] as usize {
            out.add_at(e, p, j);
        }
    }
    out
}

/// Properties of Cartesian four-vectors, as ROOT's `PxPyPzE4D` / `PxPyPzM4D` compute them.
pub(crate) fn p4_prop(p: &P4s, prop: P4Prop) -> Vec<f64> {
    (0..p.len())
        .map(|i| fv::prop(&p.at(i), p.coords, prop))
        .collect()
}

/// A collection version's four-vectors, computed record by record as they are needed.
pub(crate) struct LazyP4s {
    pt: Vec<f64>,
    eta: Vec<f64>,
    phi: Vec<f64>,
    mass: Vec<f64>,
    /// Whether record i's four-vector is in `p`; empty (as are `p`'s arrays) until the first
    /// record's is asked for ([`LazyP4s::ensure`]): a search that decides most events from
    /// approximate four-vectors (q6's jets) never needs an array of all records'.
    done: Vec<bool>,
    p: Rc<P4s>,
}

impl LazyP4s {
    /// The records' `(pt, eta, phi, mass)` in double precision, as their four-vectors are
    /// computed from.
    pub(crate) fn inputs(&self) -> (&[f64], &[f64], &[f64], &[f64]) {
        (&self.pt, &self.eta, &self.phi, &self.mass)
    }

    /// The number of records (the length of the shortest input column: all have one length).
    fn records(&self) -> usize {
        self.pt
            .len()
            .min(self.eta.len())
            .min(self.phi.len())
            .min(self.mass.len())
    }

    /// The row of a record number within the collection, `None` outside it.
    fn valid(&self) -> impl Fn(i64) -> Option<usize> {
        let n = self.records();
        move |i: i64| usize::try_from(i).ok().filter(|i| *i < n)
    }

    /// `sin φ` and `cos φ` of the records `idx` (of 0 for a number outside the collection),
    /// through [`sin_cos_of`].
    fn sin_cos(&self, idx: &[i64]) -> (Vec<f64>, Vec<f64>) {
        let valid = self.valid();
        sin_cos_of(
            idx.iter()
                .map(|&i| valid(i).map_or(0.0, |i| self.phi[i]))
                .collect(),
        )
    }

    /// The four-vectors of the records `idx` in order (`[NaN; 4]` for a number outside the
    /// collection), each computed as [`ensure`](Self::ensure) computes it — the same bits —
    /// and neither looked up in nor stored to the array of all records': for records asked for
    /// once (the events a search on approximate four-vectors left undecided), without an array
    /// of all records' four-vectors to fill first.
    pub(crate) fn four_vectors(&self, idx: &[i64]) -> Vec<fv::P4> {
        let valid = self.valid();
        let (sin, cos) = self.sin_cos(idx);
        idx.iter()
            .zip(sin.iter().zip(&cos))
            .map(|(&i, (&s, &c))| match valid(i) {
                Some(i) => fv::from_pt_eta_m_sin_cos(
                    self.pt[i],
                    self.eta[i],
                    self.mass[i],
                    s,
                    c,
                    self.p.coords,
                ),
                None => [f64::NAN; 4],
            })
            .collect()
    }

    /// Compute the four-vectors of the records `idx` not computed yet.
    fn ensure(&mut self, idx: &[i64]) {
        let n = self.records();
        let missing = |done: &[bool], i: i64| {
            usize::try_from(i).is_ok_and(|i| i < n && !done.get(i).copied().unwrap_or(false))
        };
        if !idx.iter().any(|&i| missing(&self.done, i)) {
            return;
        }
        if self.done.len() != n {
            // The first records asked for: the arrays of all records.
            self.done = vec![false; n];
            let p = Rc::make_mut(&mut self.p);
            for v in [&mut p.px, &mut p.py, &mut p.pz, &mut p.t] {
                *v = vec![f64::NAN; n];
            }
        }
        // Each missing record once, in the order asked; their sines and cosines together.
        let mut rows = Vec::new();
        for &i in idx {
            if missing(&self.done, i) {
                let i = i as usize;
                self.done[i] = true;
                rows.push(i);
            }
        }
        let (sin, cos) = sin_cos_of(rows.iter().map(|&i| self.phi[i]).collect());
        // Copied only if a caller still holds the previous vectors.
        let p = Rc::make_mut(&mut self.p);
        for ((&i, s), c) in rows.iter().zip(sin).zip(cos) {
            let [x, y, z, t] =
                fv::from_pt_eta_m_sin_cos(self.pt[i], self.eta[i], self.mass[i], s, c, p.coords);
            p.px[i] = x;
            p.py[i] = y;
            p.pz[i] = z;
            p.t[i] = t;
        }
    }

    /// `px` and `py` of the records `idx` (NaN for a number outside the collection), `pt cos φ`
    /// and `pt sin φ` computed for each (no `sinh`, `cosh`): the bits [`fv::from_pt_eta_phi_m`]
    /// gives them. Not looked up in, nor stored to, the four-vectors computed before: a
    /// record's `px` and `py` cost one `sincos` either way, and the look-up and the stores
    /// (through an array of all records, and a copy of it where a caller holds it) cost more
    /// than that where, as in `(best.0 + best.1 + best.2).pt`, each record is asked for once.
    fn transverse(&self, idx: &[i64]) -> (Vec<f64>, Vec<f64>) {
        let valid = self.valid();
        let (mut py, mut px) = self.sin_cos(idx);
        for ((&i, x), y) in idx.iter().zip(&mut px).zip(&mut py) {
            match valid(i) {
                Some(i) => {
                    *x *= self.pt[i];
                    *y *= self.pt[i];
                }
                None => (*x, *y) = (f64::NAN, f64::NAN),
            }
        }
        (px, py)
    }
}

/// `sin φ` and `cos φ` of records' azimuths `angles`, each first restricted to (−π, π] as
/// ROOT's `PtEtaPhiMVector` does ([`fv::restrict_phi`]), computed together
/// ([`fv::sin_cos_many`]: the bits of glibc's `sincos`, eight at a time).
fn sin_cos_of(mut angles: Vec<f64>) -> (Vec<f64>, Vec<f64>) {
    for phi in &mut angles {
        *phi = fv::restrict_phi(*phi);
    }
    let (mut sin, mut cos) = (vec![0.0; angles.len()], vec![0.0; angles.len()]);
    fv::sin_cos_many(&angles, &mut sin, &mut cos);
    (sin, cos)
}

/// Approximate four-vectors ([`columnar::mass_bounds::ApproxP4s`]) of some records of a
/// collection version, each computed once.
pub(crate) struct ApproxRecords {
    /// Each record's row in `p` (`u32::MAX`: not computed); `None`: record i is row i (every
    /// record computed).
    row: Option<Vec<u32>>,
    p: columnar::mass_bounds::ApproxP4s,
}

impl ApproxRecords {
    /// Every record's, in one vectorised pass over the inputs; record r is row r.
    fn all(l: &LazyP4s) -> ApproxRecords {
        let (pt, eta, phi, mass) = l.inputs();
        ApproxRecords {
            row: None,
            p: columnar::mass_bounds::ApproxP4s::compute(pt, eta, phi, mass),
        }
    }

    /// Every record's approximate four-vector as columns `[px, py, pz, E]` (record r is row
    /// r), where every record was computed.
    pub(crate) fn all_columns(&self) -> Option<[&[f64]; 4]> {
        let p = &self.p;
        self.row
            .is_none()
            .then_some([&p.px[..], &p.py[..], &p.pz[..], &p.e[..]])
    }

    /// Record `r`'s approximate four-vector, if computed.
    #[inline]
    pub(crate) fn at(&self, r: i64) -> Option<[f64; 4]> {
        let r = usize::try_from(r).ok()?;
        match &self.row {
            Some(row) => self.p.at(*row.get(r)? as usize),
            None => self.p.at(r),
        }
    }
}

/// Eta and phi columns, with list offsets when they belong to a list of records.
type EtaPhi = (Vec<f64>, Vec<f64>, Option<Offsets>);

impl Evaluator<'_> {
    /// Records as four-vectors, gathered from the collection's four-vectors (computed once per
    /// chunk: combinations reuse each record many times).
    pub(crate) fn p4_of(&self, o: &Val, coll: &str, coords: Coords) -> R<Val> {
        let idx = match o {
            Val::Obj(_, idx) | Val::Objs(_, _, idx) => idx,
            Val::P4(p) => return Ok(Val::P4(p.converted(coords))),
            Val::P4List(off, p) => return Ok(Val::P4List(off.clone(), p.converted(coords))),
            _ => return Err(internal("four-vector of a non-record")),
        };
        let all = self.collection_p4(coll, coords, idx)?;
        let p = crate::eval_ops::gather_p4(&all, idx);
        Ok(match o {
            Val::Obj(..) => Val::P4(p),
            Val::Objs(_, off, _) => Val::P4List(off.clone(), p),
            _ => return Err(internal("four-vector")),
        })
    }

    pub(crate) fn p4_convert(&self, arg: &Node, coords: Coords) -> R<Val> {
        Ok(match &*self.eval_rc(arg)? {
            Val::P4(p) => Val::P4(p.converted(coords)),
            Val::P4List(o, p) => Val::P4List(o.clone(), p.converted(coords)),
            _ => return Err(internal("four-vector conversion")),
        })
    }

    /// A sum of four-vectors, `a + b + c`, added left to right in the coordinates of the
    /// leftmost term. For `PxPyPzE` records are gathered straight from the collection's
    /// four-vectors into the sum, without an intermediate column per term.
    pub(crate) fn p4_sum(&self, node: &Node, list: bool) -> R<Val> {
        let terms = sum_terms(node);
        let mismatch = |a: &[i64], b: &[i64]| {
            ExprError::eval(
                format!(
                    "adding lists of four-vectors of different lengths (in entry {})",
                    self.first_length_difference(a, b)
                ),
                Span::default(),
            )
        };
        let mut off: Option<Offsets> = None;
        let mut sum: Option<P4s> = None;
        for t in terms {
            // Fast path: records added into a PxPyPzE sum straight from the collection.
            if let (
                Node::P4Of {
                    obj,
                    coll,
                    coords: Coords::PxPyPzE,
                },
                Some(p),
            ) = (t, &mut sum)
            {
                if p.coords == Coords::PxPyPzE {
                    let o = self.eval_rc(obj)?;
                    let (o_off, idx) = match &*o {
                        Val::Obj(_, idx) => (None, idx),
                        Val::Objs(_, off, idx) => (Some(off.clone()), idx),
                        _ => return Err(internal("four-vector of a non-record")),
                    };
                    if let (Some(a), Some(b)) = (&off, &o_off) {
                        if a != b {
                            return Err(mismatch(a, b));
                        }
                    }
                    if p.len() != idx.len() {
                        return Err(internal("four-vector sums of different lengths"));
                    }
                    let all = self.collection_p4(coll, Coords::PxPyPzE, idx)?;
                    for (k, &i) in idx.iter().enumerate() {
                        // A record number outside the collection gives NaN, as `gather_p4`
                        // gives the first term.
                        let Some(i) = usize::try_from(i).ok().filter(|i| *i < all.len()) else {
                            p.px[k] = f64::NAN;
                            p.py[k] = f64::NAN;
                            p.pz[k] = f64::NAN;
                            p.t[k] = f64::NAN;
                            continue;
                        };
                        p.px[k] += all.px[i];
                        p.py[k] += all.py[i];
                        p.pz[k] += all.pz[i];
                        p.t[k] += all.t[i];
                    }
                    if off.is_none() {
                        off = o_off;
                    }
                    continue;
                }
            }
            let (term_off, q) = match self.eval(t)? {
                Val::P4(q) => (None, q),
                Val::P4List(o, q) => (Some(o), q),
                _ => return Err(internal("four-vector sum")),
            };
            if let (Some(a), Some(b)) = (&off, &term_off) {
                if a != b {
                    return Err(mismatch(a, b));
                }
            }
            if off.is_none() {
                off = term_off;
            }
            match &mut sum {
                None => sum = Some(q),
                Some(p) => {
                    if p.len() != q.len() {
                        return Err(internal("four-vector sums of different lengths"));
                    }
                    for k in 0..q.len() {
                        p.add_at(k, &q, k);
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

    /// `prop` (`px`, `py`, `pt` or `phi`) of a sum of records' `PxPyPzE` four-vectors with one
    /// record per event in every term (`(best.0 + best.1 + best.2).pt`): these read only the
    /// summed `px` and `py`, so each record's are computed without `sinh` and `cosh`, and summed
    /// term by term in the order [`p4_sum`](Self::p4_sum) adds them — the same bits. `None`
    /// where the pattern does not apply (the sum is then evaluated whole).
    pub(crate) fn transverse_prop(&self, arg: &Node, prop: P4Prop) -> R<Option<Val>> {
        if !matches!(prop, P4Prop::Px | P4Prop::Py | P4Prop::Pt | P4Prop::Phi) {
            return Ok(None);
        }
        let mut terms = Vec::new();
        for t in sum_terms(arg) {
            match t {
                Node::P4Of {
                    obj,
                    coll,
                    coords: Coords::PxPyPzE,
                } => terms.push((obj, coll)),
                _ => return Ok(None),
            }
        }
        let mut sum: Option<(Vec<f64>, Vec<f64>)> = None;
        for (obj, coll) in terms {
            let o = self.eval_rc(obj)?;
            let Val::Obj(_, idx) = &*o else {
                return Ok(None);
            };
            let (x, y) = self
                .lazy_p4s(coll, Coords::PxPyPzE)?
                .borrow()
                .transverse(idx);
            match &mut sum {
                None => sum = Some((x, y)),
                Some((sx, sy)) => {
                    if sx.len() != x.len() {
                        return Err(internal("four-vector sums of different lengths"));
                    }
                    for (a, b) in sx.iter_mut().zip(&x) {
                        *a += b;
                    }
                    for (a, b) in sy.iter_mut().zip(&y) {
                        *a += b;
                    }
                }
            }
        }
        let Some((x, y)) = sum else {
            return Ok(None);
        };
        let values = x
            .iter()
            .zip(&y)
            .map(|(&x, &y)| fv::prop(&[x, y, f64::NAN, f64::NAN], Coords::PxPyPzE, prop))
            .collect();
        Ok(Some(Val::Num(Nums::F64(values))))
    }

    /// The four-vectors of the records of a collection version, in `coords`, computed when
    /// first needed: the records `idx` (and those computed before) hold their four-vectors; the
    /// others are NaN until asked for. A record's four-vector costs a `sincos`, a `sinh` and a
    /// `cosh`, and most records never take part in a combination (events with one muon have no
    /// pair).
    pub(crate) fn collection_p4(&self, coll: &str, coords: Coords, idx: &[i64]) -> R<Rc<P4s>> {
        let lazy = self.lazy_p4s(coll, coords)?;
        let mut l = lazy.borrow_mut();
        l.ensure(idx);
        Ok(l.p.clone())
    }

    /// The approximate four-vectors of the `records` of collection version `coll` (as
    /// [`collection_p4`](Self::collection_p4) would compute them exactly), each once.
    pub(crate) fn approx_records(
        &self,
        coll: &str,
        records: impl Iterator<Item = i64>,
    ) -> R<ApproxRecords> {
        let lazy = self.lazy_p4s(coll, Coords::PxPyPzE)?;
        let l = lazy.borrow();
        let (pt, eta, phi, mass) = l.inputs();
        // The records asked for, each once, in ascending order: each marked (a store a record,
        // asked for again or not), then the marked ones numbered in one pass, each record
        // written to `wanted` and kept by moving its end — no branch on data (a branch on
        // whether a record was seen before, taken at random, had half of this function's
        // samples in ADL q5; paired, lz4, best / median of 11: 0.1725 / 0.1755 → 0.1706 /
        // 0.1727 s).
        let n = u32::try_from(pt.len()).map_err(|_| internal("records"))?;
        let mut row = vec![u32::MAX; pt.len()];
        for r in records {
            let slot = usize::try_from(r)
                .ok()
                .and_then(|r| row.get_mut(r))
                .ok_or_else(|| internal("record number"))?;
            *slot = 0;
        }
        let mut wanted = vec![0usize; pt.len()];
        let mut kept = 0u32;
        for (r, slot) in (0..n).zip(row.iter_mut()) {
            let asked = *slot == 0;
            // kept <= r < n: inside `wanted`.
            wanted[kept as usize] = r as usize;
            *slot = if asked { kept } else { u32::MAX };
            kept += u32::from(asked);
        }
        wanted.truncate(kept as usize);
        if wanted.len() >= pt.len() / 2 {
            // Most of the records: all of them, in one vectorised pass over the columns.
            return Ok(ApproxRecords::all(&l));
        }
        let n = pt.len().min(eta.len()).min(phi.len()).min(mass.len());
        if wanted.iter().any(|&r| r >= n) {
            return Err(internal("record number"));
        }
        let inputs =
            [pt, eta, phi, mass].map(|c| wanted.iter().map(|&r| c[r]).collect::<Vec<f64>>());
        let [pt, eta, phi, mass] = &inputs;
        Ok(ApproxRecords {
            row: Some(row),
            p: columnar::mass_bounds::ApproxP4s::compute(pt, eta, phi, mass),
        })
    }

    /// [`approx_records`](Self::approx_records) of the records `records` lists, `uses` of them
    /// (counting repeats): where that is at least a quarter of the collection version's
    /// records, all records in one pass ([`approx_all_records`](Self::approx_all_records)),
    /// without listing them. Listing the records, numbering them and looking each one up
    /// through its number costs more than computing the others too: ADL q5's opposite-charge
    /// pairs ask for 0.43 of the muons (uses over records, the mean over its 1253 calls), and
    /// the threshold of one half sent them to `approx_records`. Paired runs of q5 (Intel Xeon,
    /// 2026-12-07, best / median, the same histogram), one half against a quarter (an eighth in
    /// the first): lz4 0.197 / 0.200 → 0.189 / 0.197 s (9 runs) and 0.205 / 0.206 → 0.201 /
    /// 0.203 s (11), zstd 0.365 / 0.371 → 0.358 / 0.362 s (7).
    pub(crate) fn approx_records_used(
        &self,
        coll: &str,
        uses: usize,
        records: impl FnOnce() -> R<Vec<i64>>,
    ) -> R<ApproxRecords> {
        let total = self.coll_offsets(coll)?.last().copied().unwrap_or(0);
        if i64::try_from(uses).unwrap_or(i64::MAX) >= total / 4 {
            self.approx_all_records(coll)
        } else {
            self.approx_records(coll, records()?.into_iter())
        }
    }

    /// The approximate four-vectors of every record of collection version `coll`, in one
    /// vectorised pass (what [`approx_records`](Self::approx_records) computes when asked for
    /// most of them), without a list of the records asked for and a map of their rows.
    pub(crate) fn approx_all_records(&self, coll: &str) -> R<ApproxRecords> {
        let lazy = self.lazy_p4s(coll, Coords::PxPyPzE)?;
        let all = ApproxRecords::all(&lazy.borrow());
        Ok(all)
    }

    /// The four-vectors of a collection version in `coords`, computed as they are asked for
    /// ([`collection_p4`](Self::collection_p4)), with the records' `(pt, eta, phi, mass)`.
    pub(crate) fn lazy_p4s(&self, coll: &str, coords: Coords) -> R<CollectionP4s> {
        if let Some(b) = self.shared(self.registry.coll_affected(coll, self.universe_id())) {
            return b.lazy_p4s(coll, coords);
        }
        let key = (coll.to_string(), coords);
        let cached = self.p4s.borrow().get(&key).cloned();
        Ok(match cached {
            Some(l) => l,
            None => {
                let total = self.coll_offsets(coll)?.last().copied().unwrap_or(0);
                let n = usize::try_from(total).map_err(|_| internal("collection offsets"))?;
                let field = |name: &str| -> R<Vec<f64>> {
                    if let Some(v) = self.whole_field_f64(coll, name)? {
                        return Ok(v);
                    }
                    let all: Vec<i64> = (0..total).collect();
                    Ok(match self.named_field(coll, name, &all)? {
                        Some(v) => v.to_f64(),
                        None => vec![0.0; n],
                    })
                };
                // A concatenation's four fields joined in one pass where they can be.
                let [pt, eta, phi, mass] =
                    match self.joined_fields_from_views(coll, ["pt", "eta", "phi", "mass"])? {
                        Some(joined) => joined,
                        None => [field("pt")?, field("eta")?, field("phi")?, field("mass")?],
                    };
                let l = Rc::new(RefCell::new(LazyP4s {
                    pt,
                    eta,
                    phi,
                    mass,
                    done: Vec::new(),
                    p: Rc::new(P4s {
                        px: Vec::new(),
                        py: Vec::new(),
                        pz: Vec::new(),
                        t: Vec::new(),
                        coords,
                    }),
                }));
                self.p4s.borrow_mut().insert(key, l.clone());
                l
            }
        })
    }

    fn eta_phi(&self, node: &Node) -> R<EtaPhi> {
        let v = self.eval_rc(node)?;
        match *v {
            Val::Obj(ref c, ref idx) | Val::Objs(ref c, _, ref idx) => {
                let get = |name: &str| -> R<Vec<f64>> {
                    Ok(match self.named_field(c, name, idx)? {
                        Some(v) => v.to_f64(),
                        None => vec![0.0; idx.len()],
                    })
                };
                let off = if let Val::Objs(_, o, _) = &*v {
                    Some(o.clone())
                } else {
                    None
                };
                Ok((get("eta")?, get("phi")?, off))
            }
            Val::P4(ref p) => Ok((p4_prop(p, P4Prop::Eta), p4_prop(p, P4Prop::Phi), None)),
            Val::P4List(ref o, ref p) => Ok((
                p4_prop(p, P4Prop::Eta),
                p4_prop(p, P4Prop::Phi),
                Some(o.clone()),
            )),
            _ => Err(internal("eta/phi of a non-record")),
        }
    }

    /// Whether a node evaluates to records or four-vectors (rather than numbers).
    fn is_record_like(&self, n: &Node) -> bool {
        match n {
            Node::Collection(_)
            | Node::Concat { .. }
            | Node::Slot { .. }
            | Node::P4Of { .. }
            | Node::P4Convert { .. }
            | Node::P4Sum(..)
            | Node::P4SumList(..) => true,
            Node::Index { list, .. }
            | Node::BestTuple { list, .. }
            | Node::Mask { list, .. }
            | Node::PairsWhere { list, .. }
            | Node::Gather { list, .. }
            | Node::Slice { list, .. } => self.is_record_like(list),
            Node::Define(i) => self.registry.defines.get(*i).is_some_and(|d| {
                !matches!(
                    d.typed.ty,
                    crate::check::Ty::Num(_) | crate::check::Ty::List(_)
                )
            }),
            _ => false,
        }
    }

    /// `delta_phi(a, b)` / `delta_r(a, b)`.
    pub(crate) fn delta(&self, na: &Node, nb: &Node, r: bool, single: bool) -> R<Val> {
        if !r && !self.is_record_like(na) {
            // Angles given as numbers: ROOT's DeltaPhi(phi1, phi2), in float for floats.
            let (va, vb) = (self.eval(na)?, self.eval(nb)?);
            let both_f32 = matches!(
                (&va, &vb),
                (
                    Val::Num(Nums::F32(_)) | Val::List(_, Nums::F32(_)),
                    Val::Num(Nums::F32(_)) | Val::List(_, Nums::F32(_))
                )
            );
            let num = if both_f32 {
                crate::schema::Num::F32
            } else {
                crate::schema::Num::F64
            };
            let (off, x, y) = self.align(&va, &vb, num)?;
            let out = match (&*x, &*y) {
                (Nums::F32(x), Nums::F32(y)) => Nums::F32(
                    x.iter()
                        .zip(y)
                        .map(|(p, q)| delta_phi_f32(*p, *q))
                        .collect(),
                ),
                (x, y) => Nums::F64(
                    x.to_f64()
                        .iter()
                        .zip(&y.to_f64())
                        .map(|(p, q)| delta_phi(*p, *q))
                        .collect(),
                ),
            };
            return Ok(match off {
                Some(o) => Val::List(o, out),
                None => Val::Num(out),
            });
        }
        if single {
            return self.delta_f32(na, nb, r);
        }
        let (off, a) = broadcast(self.eta_phi(na)?, self.eta_phi(nb)?)?;
        let out = angles(&a, r, columnar::angles::delta_r, delta_phi);
        Ok(match off {
            Some(o) => Val::List(o, Nums::F64(out)),
            None => Val::Num(Nums::F64(out)),
        })
    }

    /// `delta_phi`/`delta_r` of two records whose angles are `float` columns, in float as
    /// ROOT's `VecOps::DeltaR<float>`: `DeltaPhi<float>` (see [`delta_phi_f32`]), then
    /// `sqrt((eta1 - eta2)² + dphi²)` with every operation rounded to float.
    fn delta_f32(&self, na: &Node, nb: &Node, r: bool) -> R<Val> {
        let (off, a) = broadcast(self.eta_phi_f32(na, r)?, self.eta_phi_f32(nb, r)?)?;
        let out = angles(&a, r, columnar::angles::delta_r_f32, delta_phi_f32);
        Ok(match off {
            Some(o) => Val::List(o, Nums::F32(out)),
            None => Val::Num(Nums::F32(out)),
        })
    }

    /// The `float` eta (when `with_eta`) and phi fields of records, as they are stored.
    fn eta_phi_f32(&self, node: &Node, with_eta: bool) -> R<Angles<f32>> {
        // Read where it is: a define's records are not copied.
        let v = self.eval_rc(node)?;
        let (Val::Obj(c, idx) | Val::Objs(c, _, idx)) = &*v else {
            return Err(internal("float eta/phi of a non-record"));
        };
        let get = |name: &str| -> R<Vec<f32>> {
            match self.named_field(c, name, idx)? {
                Some(Nums::F32(v)) => Ok(v),
                _ => Err(internal("float eta/phi fields expected")),
            }
        };
        let eta = if with_eta { get("eta")? } else { Vec::new() };
        let off = match &*v {
            Val::Objs(_, o, _) => Some(o.clone()),
            _ => None,
        };
        Ok((eta, get("phi")?, off))
    }

    pub(crate) fn min_delta_r(&self, a: &Node, b: &Node) -> R<Val> {
        let (va, vb) = (self.eval_rc(a)?, self.eval_rc(b)?);
        let (Val::Objs(ca, oa, ia), Val::Objs(cb, ob, ib)) = (&*va, &*vb) else {
            return Err(internal("min_delta_r"));
        };
        // Float angles read where the collections hold them, through the records' numbers (no
        // gathered copy of each); an index the kernel refuses takes the way below.
        let values = |c: &str, f: &str| self.record_values(c, f);
        if let (Some(ea), Some(pa), Some(eb), Some(pb)) = (
            values(ca, "eta")?,
            values(ca, "phi")?,
            values(cb, "eta")?,
            values(cb, "phi")?,
        ) {
            if let (Some(ea), Some(pa), Some(eb), Some(pb)) =
                (ea.f32s(), pa.f32s(), eb.f32s(), pb.f32s())
            {
                let records = |offsets, eta, phi, index| columnar::nearest::Records {
                    offsets,
                    eta,
                    phi,
                    index: Some(index),
                };
                let mut out = Vec::with_capacity(ia.len());
                if columnar::nearest::min_delta_r_f32(
                    records(oa, ea, pa, ia),
                    records(ob, eb, pb, ib),
                    &mut out,
                )
                .is_some()
                {
                    return Ok(Val::List(oa.clone(), Nums::F32(out)));
                }
            }
        }
        let get = |c: &str, f: &str, idx: &[i64]| -> R<Nums> {
            self.named_field(c, f, idx)?
                .ok_or_else(|| internal("eta/phi"))
        };
        let (ea, pa, eb, pb) = (
            get(ca, "eta", ia)?,
            get(ca, "phi", ia)?,
            get(cb, "eta", ib)?,
            get(cb, "phi", ib)?,
        );
        if let (Nums::F32(ea), Nums::F32(pa), Nums::F32(eb), Nums::F32(pb)) = (&ea, &pa, &eb, &pb) {
            // The root of the smallest ΔR² (the same bits as the smallest ΔR, see `delta_r2`);
            // ∞ with no partner. Without a loop per event (`columnar::nearest`).
            let (a, b) = (
                columnar::nearest::Records {
                    offsets: oa,
                    eta: ea,
                    phi: pa,
                    index: None,
                },
                columnar::nearest::Records {
                    offsets: ob,
                    eta: eb,
                    phi: pb,
                    index: None,
                },
            );
            let mut out = Vec::with_capacity(ea.len());
            columnar::nearest::min_delta_r_f32(a, b, &mut out)
                .ok_or_else(|| internal("min_delta_r: offsets"))?;
            return Ok(Val::List(oa.clone(), Nums::F32(out)));
        }
        let (ea, pa, eb, pb) = (ea.to_f64(), pa.to_f64(), eb.to_f64(), pb.to_f64());
        let mut out = Vec::with_capacity(ea.len());
        for e in 0..oa.len().saturating_sub(1) {
            let (b0, b1) = (ob[e] as usize, ob[e + 1] as usize);
            let (eb, pb) = (&eb[b0..b1], &pb[b0..b1]);
            for i in oa[e] as usize..oa[e + 1] as usize {
                let mut best = f64::INFINITY;
                for (e2, p2) in eb.iter().zip(pb) {
                    best = best.min(columnar::angles::delta_r2(ea[i], *e2, pa[i], *p2));
                }
                out.push(best.sqrt());
            }
        }
        Ok(Val::List(oa.clone(), Nums::F64(out)))
    }
}

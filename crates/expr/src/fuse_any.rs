//! The pairs of a collection walked by one fused loop per event with tests of their records:
//! `any(…)` over them, and masks of them by such tests.
//!
//! ADL query 5 asks whether an event has an opposite-charge muon pair with a mass in a window:
//!
//! ```text
//! pairs     = combinations(Muon, 2)
//! opposite  = pairs[pairs.0.charge != pairs.1.charge]
//! pair_mass = (opposite.0 + opposite.1).mass
//! cut: any(pair_mass > 60 && pair_mass < 120)
//! ```
//!
//! Column-at-a-time that writes every pair's record numbers, gathers the two charges of each
//! pair, compares them, copies the kept pairs, gathers their four-vectors, adds them, takes the
//! masses, compares them twice, combines the comparisons and reduces them per event: ten passes
//! over memory with a loop of varying length per event in each. Fused, each event's pairs are
//! walked once with the record tests (without a branch per pair: every pair is written and the
//! cursor moves by the test's result), then the property is computed for the pairs that passed,
//! in order, until one of the event's passes the key tests.
//!
//! Recognised: `any(P)` where `P` is a conjunction (`&&`) of tests on a list `L` of pairs, `L`
//! being `combinations(C, 2)` or `combinations(C, 2)[M]` (inline or through defines without
//! variations), `M` a conjunction of record tests, and each test either
//! - a record test: `L.a.f op L.b.g` comparing fields of the pair's records whose numbers are
//!   exact in double precision (`bool`, `int`, `unsigned int`, `float`, `double`) and of the
//!   same type, or
//! - a key test: `prop op c` / `c op prop` with `prop` a property of the sum of the four-vectors
//!   of both slots (each once, one coordinate system) in double precision and `c` a literal.
//!
//! The answer is the same bit for bit: the same four-vectors (computed once per record, as the
//! evaluator does), added in the same order, the same property, the same comparisons (a field
//! compared in double gives what comparing in its own type gives, as every value of these types
//! is exact in double). Fields of a concatenation qualify when every part has the field in one
//! type, and so does its `flavour` (an `int`). Anything else is evaluated as written.
//!
//! A mask `combinations(C, 2)[M]` of record tests alone ([`PairFilter`], ADL query 8's
//! same-flavour opposite-charge pairs) is walked the same way, and only the pairs that pass are
//! written, in the order of `combinations`.

use crate::ast::BinOp;
use crate::check::{Coords, Node, P4Prop, Reduce};
use crate::eval::{internal, Evaluator, R};
use crate::schema::Num;
use crate::scope::{Col, Registry};
use crate::value::{Nums, Val};
use columnar::fourvec::{self as fv, P4};
use columnar::mass_bounds as mb;
use std::cmp::Ordering;
use std::rc::Rc;

/// A comparison of the pair's property with a constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyTest {
    /// `== != < <= > >=`.
    pub op: BinOp,
    /// The constant in double precision.
    pub c: f64,
    /// Whether the constant is the left operand.
    pub const_left: bool,
}

/// One side of a record test: a field of slot `slot`'s record.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotField {
    /// 0 or 1.
    pub slot: usize,
    /// The collection version of the field (as the evaluator reads it).
    pub coll: String,
    /// The field's name.
    pub field: String,
    /// Its columns (one per part of a concatenation).
    pub cols: Vec<Col>,
}

/// A comparison of a field of one record of the pair with a field of the other (or the same).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldTest {
    /// `== != < <= > >=`.
    pub op: BinOp,
    /// Left operand.
    pub a: SlotField,
    /// Right operand.
    pub b: SlotField,
}

/// `any(P)` over the pairs of a collection, run fused.
#[derive(Debug, Clone, PartialEq)]
pub struct AnyPair {
    /// `C`: the records whose pairs are searched.
    pub records: Node,
    /// The collection version whose four-vectors the slots use.
    pub coll: String,
    /// Their coordinates.
    pub coords: Coords,
    /// The slots in the order their four-vectors are added.
    pub order: [usize; 2],
    /// The property of the sum the key tests compare.
    pub prop: Option<P4Prop>,
    /// Tests of the pair's records (the list's mask and the tests of `P`).
    pub field_tests: Vec<FieldTest>,
    /// Tests of the property (all must hold).
    pub key_tests: Vec<KeyTest>,
}

/// `combinations(C, 2)[M]` with `M` a conjunction of record tests, run fused: each event's
/// pairs walked once with the tests and only those that pass written, instead of every pair
/// written, each field gathered per pair, compared, combined and the kept pairs copied.
#[derive(Debug, Clone, PartialEq)]
pub struct PairFilter {
    /// `C`: the records whose pairs are tested.
    pub records: Node,
    /// The name the tuples' slots carry (`combinations`' `name`).
    pub name: String,
    /// The tests of `M` (all must hold).
    pub field_tests: Vec<FieldTest>,
}

/// The fused plan for `list[mask]`, if the pattern is one [`PairFilter`] runs.
pub(crate) fn pair_filter(list: &Node, mask: &Node, registry: &Registry) -> Option<PairFilter> {
    let Node::Combinations {
        coll: records,
        name,
        k: 2,
    } = deref(list, registry)
    else {
        return None;
    };
    let mut tests = Vec::new();
    conjunction(mask, registry, &mut tests)?;
    let mut field_tests = Vec::new();
    for t in tests {
        match t {
            Test::Field { list: l, test } if l == list => field_tests.push(test),
            _ => return None,
        }
    }
    Some(PairFilter {
        records: (**records).clone(),
        name: name.clone(),
        field_tests,
    })
}

/// The node a define without variations stands for (followed through defines of defines).
fn deref<'a>(mut n: &'a Node, registry: &'a Registry) -> &'a Node {
    for _ in 0..1000 {
        match n {
            Node::Define(d) => match registry.defines.get(*d) {
                Some(def) if def.variants.is_empty() => n = &def.typed.node,
                _ => return n,
            },
            _ => return n,
        }
    }
    n
}

fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    )
}

/// The fused plan for `any(arg)`, if the pattern is one [`AnyPair`] runs.
pub(crate) fn any_pair(f: Reduce, arg: &Node, registry: &Registry) -> Option<AnyPair> {
    if f != Reduce::Any {
        return None;
    }
    let mut tests = Vec::new();
    conjunction(arg, registry, &mut tests)?;
    // The list the tests are about: the same node (as written) in every test.
    let list = match tests.first()? {
        Test::Key { list, .. } | Test::Field { list, .. } => *list,
    };
    let (base, mask) = match deref(list, registry) {
        c @ Node::Combinations { k: 2, .. } => (c, None),
        Node::Mask { list: b, mask, .. } | Node::PairsWhere { list: b, mask, .. } => {
            match deref(b, registry) {
                c @ Node::Combinations { k: 2, .. } => (c, Some((&**b, &**mask))),
                _ => return None,
            }
        }
        _ => return None,
    };
    let Node::Combinations { coll: records, .. } = base else {
        return None;
    };
    let mut plan = AnyPair {
        records: (**records).clone(),
        coll: String::new(),
        coords: Coords::PxPyPzE,
        order: [0, 1],
        prop: None,
        field_tests: Vec::new(),
        key_tests: Vec::new(),
    };
    if let Some((b, m)) = mask {
        let mut mask_tests = Vec::new();
        conjunction(m, registry, &mut mask_tests)?;
        for t in mask_tests {
            match t {
                Test::Field { list, test } if list == b => plan.field_tests.push(test),
                _ => return None,
            }
        }
    }
    for t in tests {
        match t {
            Test::Field { list: l, test } if l == list => plan.field_tests.push(test),
            Test::Key {
                list: l,
                coll,
                coords,
                order,
                prop,
                test,
            } if l == list => {
                if plan.prop.is_some_and(|p| p != prop)
                    || (!plan.coll.is_empty() && (plan.coll != coll || plan.coords != coords))
                {
                    return None;
                }
                if plan.prop.is_some() && plan.order != order {
                    return None;
                }
                plan.prop = Some(prop);
                plan.coll = coll;
                plan.coords = coords;
                plan.order = order;
                plan.key_tests.push(test);
            }
            _ => return None,
        }
    }
    Some(plan)
}

/// A test of `P`, with the list whose slots it reads.
enum Test<'a> {
    Key {
        list: &'a Node,
        coll: String,
        coords: Coords,
        order: [usize; 2],
        prop: P4Prop,
        test: KeyTest,
    },
    Field {
        list: &'a Node,
        test: FieldTest,
    },
}

/// The tests of a conjunction `t₁ && t₂ && …` of lists of bools, appended to `out`.
fn conjunction<'a>(n: &'a Node, registry: &'a Registry, out: &mut Vec<Test<'a>>) -> Option<()> {
    match deref(n, registry) {
        Node::Binary {
            op: BinOp::And,
            lhs,
            rhs,
            ..
        } => {
            conjunction(lhs, registry, out)?;
            conjunction(rhs, registry, out)
        }
        Node::Chain { first, steps } if steps.iter().all(|s| s.op == BinOp::And) => {
            conjunction(first, registry, out)?;
            for s in steps {
                conjunction(&s.rhs, registry, out)?;
            }
            Some(())
        }
        Node::Binary {
            op, lhs, rhs, num, ..
        } if is_comparison(*op) => {
            if let (Some(a), Some(b)) = (slot_field(lhs, registry), slot_field(rhs, registry)) {
                let ((la, a, na), (lb, b, nb)) = (a, b);
                let exact = matches!(na, Num::Bool | Num::I32 | Num::U32 | Num::F32 | Num::F64);
                if la != lb || na != nb || *num != na || !exact {
                    return None;
                }
                out.push(Test::Field {
                    list: la,
                    test: FieldTest { op: *op, a, b },
                });
                return Some(());
            }
            if *num != Num::F64 {
                return None;
            }
            let (c, key, const_left) =
                match (crate::fuse::constant(lhs), crate::fuse::constant(rhs)) {
                    (None, Some(c)) => (c, lhs, false),
                    (Some(c), None) => (c, rhs, true),
                    _ => return None,
                };
            let (list, coll, coords, order, prop) = pair_property(key, registry)?;
            out.push(Test::Key {
                list,
                coll,
                coords,
                order,
                prop,
                test: KeyTest {
                    op: *op,
                    c,
                    const_left,
                },
            });
            Some(())
        }
        _ => None,
    }
}

/// `L.s.f`: the list, the side, and the field's number type.
fn slot_field<'a>(n: &'a Node, registry: &'a Registry) -> Option<(&'a Node, SlotField, Num)> {
    let Node::Field {
        obj,
        coll,
        field,
        cols,
    } = deref(n, registry)
    else {
        return None;
    };
    let Node::Slot { tuples, slot } = &**obj else {
        return None;
    };
    if *slot > 1 {
        return None;
    }
    // A field of a concatenation: the same type in every part (else its values are converted
    // through their common type first; not fused); `flavour`, the part, is an int.
    let mut nums = coll.split('+').map(|part| {
        if field == "flavour" && coll.contains('+') {
            return Some(Num::I32);
        }
        registry
            .collection(part)?
            .fields
            .get(field)
            .map(|(_, n)| *n)
    });
    let num = nums.next()??;
    for n in nums {
        if n? != num {
            return None;
        }
    }
    Some((
        &**tuples,
        SlotField {
            slot: *slot,
            coll: coll.clone(),
            field: field.clone(),
            cols: cols.clone(),
        },
        num,
    ))
}

/// `(L.a + L.b).prop` with both slots once: the list, the four-vectors' collection version and
/// coordinates, the order of the sum and the property.
fn pair_property<'a>(
    n: &'a Node,
    registry: &'a Registry,
) -> Option<(&'a Node, String, Coords, [usize; 2], P4Prop)> {
    let Node::P4Prop { arg, prop } = deref(n, registry) else {
        return None;
    };
    let terms = crate::fourvec::sum_terms(deref(arg, registry));
    let [first, second] = terms.as_slice() else {
        return None;
    };
    let term = |t: &'a Node| -> Option<(&'a Node, usize, &'a str, Coords)> {
        let Node::P4Of { obj, coll, coords } = t else {
            return None;
        };
        let Node::Slot { tuples, slot } = &**obj else {
            return None;
        };
        Some((&**tuples, *slot, coll.as_str(), *coords))
    };
    let (l0, s0, c0, k0) = term(first)?;
    let (l1, s1, c1, k1) = term(second)?;
    if l0 != l1 || c0 != c1 || k0 != k1 || s0 == s1 || s0 > 1 || s1 > 1 {
        return None;
    }
    Some((l0, c0.to_string(), k0, [s0, s1], *prop))
}

/// Walk each event's pairs `i < j` (positions in `idx`): those passing `first` and `rest` are
/// pushed to `candidates` as (event, positions in sum `order`), or, with `any_pair` (no property
/// to test), set the event's `found` and end its walk. `pairs`: how many pairs there are in
/// all. `None` for offsets past `idx`.
#[allow(clippy::too_many_arguments)]
fn walk_pairs(
    off: &[i64],
    idx: &[i64],
    pairs: usize,
    first: impl Fn(usize, usize) -> bool,
    rest: &[ReadyTest],
    order: [usize; 2],
    any_pair: bool,
    found: &mut [bool],
    candidates: &mut Vec<[u32; 3]>,
) -> Option<()> {
    // Positions and events are held as u32 (12 bytes a pair, fewer pages to touch).
    if u32::try_from(idx.len()).is_err() || u32::try_from(off.len()).is_err() {
        return None;
    }
    // The events with a pair (two records or more), found without a branch per event: most
    // events have fewer (a loop per event's records would mispredict its exit about once an
    // event). Each event's positions `lo..hi` in `idx` are checked on the way (a negative
    // offset converts to a huge number, which the check refuses).
    let mut with_pairs = Vec::new();
    if !columnar::offsets::lists_with_at_least(off, 2, idx.len(), &mut with_pairs) {
        return None;
    }
    let events = || {
        with_pairs.iter().map(|&e| {
            let e = e as usize;
            (e, off[e] as usize, off[e + 1] as usize)
        })
    };
    if !any_pair {
        // Every pair is written and the cursor moves by the tests' result (all of them
        // evaluated, joined with `&`), so tests true half the time (same flavour, opposite
        // charges) mispredict no branch.
        let base = candidates.len();
        candidates.resize(base + pairs, [0; 3]);
        let out = &mut candidates[base..];
        let mut n = 0usize;
        for (e, lo, hi) in events() {
            for i in lo..hi {
                for j in i + 1..hi {
                    let pos = [i, j];
                    *out.get_mut(n)? = [e as u32, pos[order[0]] as u32, pos[order[1]] as u32];
                    let pass = rest.iter().fold(first(i, j), |ok, &(op, sa, a, sb, b)| {
                        ok & compare(op, a[pos[sa]], b[pos[sb]])
                    });
                    n += usize::from(pass);
                }
            }
        }
        candidates.truncate(base + n);
        return Some(());
    }
    for (e, lo, hi) in events() {
        let found = found.get_mut(e)?;
        'pairs: for i in lo..hi {
            for j in i + 1..hi {
                let pos = [i, j];
                if !first(i, j)
                    || !rest
                        .iter()
                        .all(|&(op, sa, a, sb, b)| compare(op, a[pos[sa]], b[pos[sb]]))
                {
                    continue;
                }
                if any_pair {
                    *found = true;
                    break 'pairs;
                }
                candidates.push([e as u32, pos[order[0]] as u32, pos[order[1]] as u32]);
            }
        }
    }
    Some(())
}

/// A record test ready to run: the comparison, and each side's slot and values (one per record
/// of the list).
type ReadyTest<'a> = (BinOp, usize, &'a [f64], usize, &'a [f64]);

/// Whether every key test holds, from where the property lies against each constant (`side`);
/// `None` as soon as one is undecided before one fails. The sign of `x − c` stands for `x` and
/// `0` for `c` in the same comparison the exact path makes.
fn decide(tests: &[KeyTest], side: impl Fn(f64) -> Option<Ordering>) -> Option<bool> {
    for t in tests {
        let sign = match side(t.c)? {
            Ordering::Less => -1.0,
            Ordering::Equal => 0.0,
            Ordering::Greater => 1.0,
        };
        let holds = if t.const_left {
            compare(t.op, 0.0, sign)
        } else {
            compare(t.op, sign, 0.0)
        };
        if !holds {
            return Some(false);
        }
    }
    Some(true)
}

/// `a op b` for a comparison.
#[inline]
fn compare(op: BinOp, a: f64, b: f64) -> bool {
    match op {
        BinOp::Eq => a == b,
        BinOp::Ne => a != b,
        BinOp::Lt => a < b,
        BinOp::Le => a <= b,
        BinOp::Gt => a > b,
        BinOp::Ge => a >= b,
        _ => false,
    }
}

impl Evaluator<'_> {
    /// Walk each event's pairs of the records `off`/`idx` with the record tests `field_tests`
    /// (see [`walk_pairs`]): the pairs that pass go to `candidates` (event, positions in `idx`
    /// in sum `order`), or, with `any_pair`, set `found` of their event.
    #[allow(clippy::too_many_arguments)]
    fn walk_record_tests(
        &self,
        off: &[i64],
        idx: &[i64],
        field_tests: &[FieldTest],
        order: [usize; 2],
        any_pair: bool,
        found: &mut [bool],
        candidates: &mut Vec<[u32; 3]>,
    ) -> R<()> {
        // Each field a record test reads, for every record of the list (in double: exact).
        let same = |s: &SlotField, t: &SlotField| {
            s.coll == t.coll && s.field == t.field && s.cols == t.cols
        };
        let mut columns: Vec<(SlotField, Vec<f64>)> = Vec::new();
        for t in field_tests {
            for side in [&t.a, &t.b] {
                if !columns.iter().any(|(s, _)| same(s, side)) {
                    let v = self.elem_values(&side.coll, &side.field, &side.cols, idx)?;
                    // Exact: the fields' types are those whose values double holds exactly.
                    columns.push((side.clone(), v.to_f64()));
                }
            }
        }
        let column = |s: &SlotField| -> R<&[f64]> {
            columns
                .iter()
                .find(|(c, _)| same(c, s))
                .map(|(_, v)| v.as_slice())
                .ok_or_else(|| internal("pair field"))
        };
        if columns.iter().any(|(_, v)| v.len() != idx.len()) {
            return Err(internal("pair field length"));
        }
        let tests: Vec<ReadyTest> = field_tests
            .iter()
            .map(|t| Ok((t.op, t.a.slot, column(&t.a)?, t.b.slot, column(&t.b)?)))
            .collect::<R<_>>()?;
        let rest = &tests[tests.len().min(1)..];
        // The same limit (and error) as `combinations(…, 2)` unfused.
        let pairs = self.pair_count(off)?;
        // The first test's comparison chosen once (a loop compiled for each), not per pair.
        macro_rules! walk {
            ($first:expr) => {
                walk_pairs(
                    off, idx, pairs, $first, rest, order, any_pair, found, candidates,
                )
                .ok_or_else(|| internal("record offsets"))?
            };
        }
        match tests.first() {
            None => walk!(|_, _| true),
            Some(&(op, sa, a, sb, b)) => {
                let at = |s: usize, i: usize, j: usize| if s == 0 { i } else { j };
                match op {
                    BinOp::Eq => walk!(|i, j| a[at(sa, i, j)] == b[at(sb, i, j)]),
                    BinOp::Ne => walk!(|i, j| a[at(sa, i, j)] != b[at(sb, i, j)]),
                    BinOp::Lt => walk!(|i, j| a[at(sa, i, j)] < b[at(sb, i, j)]),
                    BinOp::Le => walk!(|i, j| a[at(sa, i, j)] <= b[at(sb, i, j)]),
                    BinOp::Gt => walk!(|i, j| a[at(sa, i, j)] > b[at(sb, i, j)]),
                    BinOp::Ge => walk!(|i, j| a[at(sa, i, j)] >= b[at(sb, i, j)]),
                    _ => return Err(internal("pair test")),
                }
            }
        }
        Ok(())
    }

    /// Run a [`PairFilter`]: the pairs of each event that pass the record tests, as the mask
    /// would keep them (in the order of `combinations`).
    pub(crate) fn pair_filter(&self, plan: &PairFilter) -> R<Val> {
        let recs = self.eval_rc(&plan.records)?;
        let Val::Objs(_, off, idx) = &*recs else {
            return Err(internal("pairs of non-records"));
        };
        let n_events = off.len().saturating_sub(1);
        let mut found = vec![false; n_events];
        let mut candidates: Vec<[u32; 3]> = Vec::new();
        self.walk_record_tests(
            off,
            idx,
            &plan.field_tests,
            [0, 1],
            false,
            &mut found,
            &mut candidates,
        )?;
        // The pairs are in event order (checked): each event's offset is the number of pairs
        // of the events before it, counted per event and summed — no loop over each event's
        // pairs, whose varying count mispredicted a branch about once an event.
        let mut counts = vec![0i64; n_events];
        let mut before = 0u32;
        let mut unordered = false;
        for &[e, ..] in &candidates {
            unordered |= e < before;
            before = e;
            match counts.get_mut(e as usize) {
                Some(c) => *c += 1,
                None => return Err(internal("pair events")),
            }
        }
        if unordered {
            return Err(internal("pair events"));
        }
        let mut new_off = Vec::with_capacity(off.len());
        new_off.push(0i64);
        let mut total = 0i64;
        new_off.extend(counts.iter().map(|c| {
            total += c;
            total
        }));
        let record = |a: u32| idx.get(a as usize).copied();
        let first: Option<Vec<i64>> = candidates.iter().map(|c| record(c[1])).collect();
        let second: Option<Vec<i64>> = candidates.iter().map(|c| record(c[2])).collect();
        let (Some(first), Some(second)) = (first, second) else {
            return Err(internal("pair records"));
        };
        Ok(Val::Tuples(
            vec![plan.name.clone(); 2],
            Rc::new(new_off),
            vec![first, second],
        ))
    }

    /// Run an [`AnyPair`]: per event, whether a pair passes every test.
    pub(crate) fn any_pair(&self, plan: &AnyPair) -> R<Val> {
        let recs = self.eval_rc(&plan.records)?;
        let Val::Objs(_, off, idx) = &*recs else {
            return Err(internal("pairs of non-records"));
        };
        let n_events = off.len().saturating_sub(1);
        let mut out = vec![false; n_events];
        // The pairs that pass the record tests (event, the two records in sum order).
        let mut candidates: Vec<[u32; 3]> = Vec::new();
        self.walk_record_tests(
            off,
            idx,
            &plan.field_tests,
            plan.order,
            plan.prop.is_none(),
            &mut out,
            &mut candidates,
        )?;
        let Some(prop) = plan.prop else {
            return Ok(Val::Num(Nums::Bool(out)));
        };
        let exact = |a: i64, b: i64| -> R<bool> {
            // Four-vectors computed once per record, for the records of those pairs only.
            let all = self.collection_p4(&plan.coll, plan.coords, &[a, b])?;
            let p4 = |r: i64| -> R<P4> {
                usize::try_from(r)
                    .ok()
                    .filter(|r| *r < all.len())
                    .map(|r| all.at(r))
                    .ok_or_else(|| internal("record number"))
            };
            let x = fv::prop(&fv::add(&p4(a)?, &p4(b)?, plan.coords), plan.coords, prop);
            Ok(plan.key_tests.iter().all(|t| {
                if t.const_left {
                    compare(t.op, t.c, x)
                } else {
                    compare(t.op, x, t.c)
                }
            }))
        };
        // Masses tested against constants are decided without libm where they are clearly
        // on one side (`columnar::mass_bounds`); the exact mass only near the constants.
        let record = |i: u32| -> R<i64> {
            idx.get(i as usize)
                .copied()
                .ok_or_else(|| internal("pair position"))
        };
        let bounds = if prop == P4Prop::Mass && plan.coords == Coords::PxPyPzE {
            let positions = candidates.iter().flat_map(|c| [c[1], c[2]]);
            let records = positions.map(record).collect::<R<Vec<i64>>>()?;
            Some(self.approx_records_used(&plan.coll, records.len(), || Ok(records))?)
        } else {
            None
        };
        for [e, a, b] in candidates {
            let e = e as usize;
            if out[e] {
                continue;
            }
            let (a, b) = (record(a)?, record(b)?);
            let decided = bounds.as_ref().and_then(|p| {
                let (pa, pb) = (p.at(a)?, p.at(b)?);
                decide(&plan.key_tests, |c| mb::mass_side(&pa, &pb, c))
            });
            out[e] = match decided {
                Some(pass) => pass,
                None => exact(a, b)?,
            };
        }
        Ok(Val::Num(Nums::Bool(out)))
    }
}

//! C++ number semantics, the new list operations, scopes (redefinitions) and universes
//! (variations), on a small hand-made chunk.

use expr::{check, parse, BranchType, Chunk, Evaluator, Num, Nums, Registry, Schema, Scope, Val};
use rootio::Array;

fn jag<T: Clone>(lists: &[&[T]], wrap: fn(Vec<T>) -> Array) -> Array {
    let mut offsets = vec![0i64];
    let mut values = Vec::new();
    for l in lists {
        values.extend_from_slice(l);
        offsets.push(values.len() as i64);
    }
    Array::Jagged {
        offsets: offsets.into(),
        values: Box::new(wrap(values)),
    }
}

/// Three events: jets (pt, eta, phi, mass as floats), muons with a jet index, counters,
/// event numbers.
fn sample() -> (Schema, Chunk) {
    let schema = Schema::from_branches([
        ("nJet".to_string(), BranchType::Scalar(Num::U32)),
        ("Jet_pt".to_string(), BranchType::List(Num::F32)),
        ("Jet_eta".to_string(), BranchType::List(Num::F32)),
        ("Jet_phi".to_string(), BranchType::List(Num::F32)),
        ("Jet_mass".to_string(), BranchType::List(Num::F32)),
        ("nMuon".to_string(), BranchType::Scalar(Num::U32)),
        ("Muon_pt".to_string(), BranchType::List(Num::F32)),
        ("Muon_jetIdx".to_string(), BranchType::List(Num::I32)),
        ("event".to_string(), BranchType::Scalar(Num::U64)),
        ("run".to_string(), BranchType::Scalar(Num::I32)),
        ("MET_pt".to_string(), BranchType::Scalar(Num::F32)),
    ]);
    let mut chunk = Chunk {
        entries: vec![0, 1, 2],
        ..Default::default()
    };
    let c = &mut chunk.columns;
    c.insert("nJet".into(), Array::U32(vec![3, 0, 2]));
    c.insert(
        "Jet_pt".into(),
        jag(&[&[50.0f32, 20.0, 35.5], &[], &[100.0, 31.25]], Array::F32),
    );
    c.insert(
        "Jet_eta".into(),
        jag(&[&[0.5f32, -1.5, 2.0], &[], &[-0.25, 1.0]], Array::F32),
    );
    c.insert(
        "Jet_phi".into(),
        jag(&[&[0.1f32, 2.0, -3.0], &[], &[1.0, -1.0]], Array::F32),
    );
    c.insert(
        "Jet_mass".into(),
        jag(&[&[5.0f32, 3.0, 4.0], &[], &[10.0, 6.0]], Array::F32),
    );
    c.insert("nMuon".into(), Array::U32(vec![2, 1, 1]));
    c.insert(
        "Muon_pt".into(),
        jag(&[&[30.0f32, 10.0], &[25.0], &[40.0]], Array::F32),
    );
    c.insert(
        "Muon_jetIdx".into(),
        jag(&[&[2i32, -1], &[-1], &[0]], Array::I32),
    );
    c.insert(
        "event".into(),
        Array::U64(vec![1, 2, 9_007_199_254_740_993]),
    );
    c.insert("run".into(), Array::I32(vec![7, -7, 0]));
    c.insert("MET_pt".into(), Array::F32(vec![10.0, 20.0, 30.0]));
    (schema, chunk)
}

fn eval_in(reg: &Registry, scope: &Scope, src: &str) -> Result<Val, expr::ExprError> {
    let (schema, chunk) = sample();
    let t = check(&parse(src)?, &schema, reg, scope)?;
    Evaluator::new(&chunk, &schema, reg).eval(&t.node)
}

fn eval(src: &str) -> Result<Val, expr::ExprError> {
    let (schema, _) = sample();
    let (reg, scope) = Registry::new(&schema);
    eval_in(&reg, &scope, src)
}

fn ty(src: &str) -> String {
    let (schema, _) = sample();
    let (reg, scope) = Registry::new(&schema);
    check(&parse(src).unwrap(), &schema, &reg, &scope)
        .unwrap_or_else(|e| panic!("{src}: {e}"))
        .ty
        .describe()
}

fn list(v: Val) -> (Vec<i64>, Nums) {
    match v {
        Val::List(o, n) => ((*o).clone(), n),
        other => panic!("not a list: {other:?}"),
    }
}

#[test]
fn integers_follow_cpp() {
    // UInt_t minus int is unsigned and wraps; int / int divides integers.
    assert_eq!(ty("nJet - 5"), "unsigned int");
    assert_eq!(
        eval("nJet - 5").unwrap(),
        Val::Num(Nums::U32(vec![4294967294, 4294967291, 4294967293]))
    );
    assert_eq!(ty("nJet / 2"), "unsigned int");
    assert_eq!(
        eval("nJet / 2").unwrap(),
        Val::Num(Nums::U32(vec![1, 0, 1]))
    );
    assert_eq!(
        eval("run / 2").unwrap(),
        Val::Num(Nums::I32(vec![3, -3, 0]))
    );
    assert_eq!(
        eval("run % 2").unwrap(),
        Val::Num(Nums::I32(vec![1, -1, 0]))
    );
    // -1 converted to unsigned is the largest value: C++ compares nJet > -1 as false.
    assert_eq!(
        eval("nJet > -1").unwrap(),
        Val::Num(Nums::Bool(vec![false, false, false]))
    );
    // ULong64_t event numbers keep every bit.
    assert_eq!(ty("event + 1"), "unsigned long");
    assert_eq!(
        eval("event % 1000").unwrap(),
        Val::Num(Nums::U64(vec![1, 2, 993]))
    );
    // int and unsigned long: unsigned long. float and int: float. int literal: int.
    assert_eq!(ty("run + event"), "unsigned long");
    assert_eq!(ty("MET_pt * 2"), "float");
    assert_eq!(ty("MET_pt * 2.0"), "double");
    assert_eq!(ty("MET_pt * 1.03f"), "float");
    assert_eq!(ty("7 / 2"), "int");
    assert_eq!(
        eval("7 / 2").unwrap(),
        Val::Const(expr::Scalar::Int(3), Num::I32)
    );
    assert_eq!(ty("true + true"), "int");
    // Signed overflow wraps (two's complement), as compilers do.
    assert_eq!(
        eval("2147483647 + run * 0 + 1").unwrap(),
        Val::Num(Nums::I32(vec![i32::MIN; 3]))
    );
    // Integer division by zero is an error naming the entry.
    let e = eval("run / (run - run)").unwrap_err();
    assert!(e.message.contains("division by zero") && e.message.contains("entry 0"));
    // ... and a float division by zero is inf, as C++.
    assert_eq!(
        eval("MET_pt / 0.0").unwrap(),
        Val::Num(Nums::F64(vec![f64::INFINITY; 3]))
    );
}

#[test]
fn casts_and_float_literals() {
    assert_eq!(ty("float(run)"), "float");
    assert_eq!(
        eval("int(Jet.pt * 1000) % 1000").map(list).unwrap().1,
        Nums::I32(vec![0, 0, 500, 0, 250])
    );
    // 1.03f is single precision: the product stays float, with float rounding.
    let Val::List(_, Nums::F32(v)) = eval("Jet.pt * 1.03f").unwrap() else {
        panic!()
    };
    assert_eq!(v[0], 50.0f32 * 1.03f32);
    let Val::List(_, Nums::F64(v)) = eval("Jet.pt * 1.03").unwrap() else {
        panic!()
    };
    assert_eq!(v[0], 50.0f64 * 1.03f64);
}

#[test]
fn conditionals_choose_per_event_and_per_element() {
    // A per-event condition only evaluates the side each event takes: no index error.
    assert_eq!(
        eval("nJet > 0 ? Jet.pt[0] : -1").unwrap(),
        Val::Num(Nums::F32(vec![50.0, -1.0, 100.0]))
    );
    assert_eq!(
        eval("where(nJet > 0, Jet.pt[0], -1)").unwrap(),
        Val::Num(Nums::F32(vec![50.0, -1.0, 100.0]))
    );
    // Element-wise with a list condition.
    assert_eq!(
        eval("where(Jet.pt > 30, Jet.pt, 0)").map(list).unwrap().1,
        Nums::F32(vec![50.0, 0.0, 35.5, 100.0, 31.25])
    );
    // Whole lists per event.
    let (o, v) = eval("nJet > 2 ? Jet.pt : Jet.eta").map(list).unwrap();
    assert_eq!(o, vec![0, 3, 3, 5]);
    assert_eq!(v, Nums::F32(vec![50.0, 20.0, 35.5, -0.25, 1.0]));
}

#[test]
fn gathers_sorts_slices_and_picks() {
    // Jet[Muon.jetIdx]: one jet per muon, -1 gives a missing jet (NaN pt).
    let (o, v) = eval("Jet[Muon.jetIdx].pt").map(list).unwrap();
    assert_eq!(o, vec![0, 2, 3, 4]);
    let Nums::F32(v) = v else { panic!() };
    assert_eq!(v[0], 35.5);
    assert!(v[1].is_nan() && v[2].is_nan());
    assert_eq!(v[3], 100.0);
    assert_eq!(
        eval("Jet[Muon.jetIdx].index").map(list).unwrap().1,
        Nums::I64(vec![2, -1, -1, 0])
    );
    // argsort is ascending and gives positions; sorting records by a field.
    assert_eq!(
        eval("argsort(Jet.pt)").map(list).unwrap().1,
        Nums::I64(vec![1, 2, 0, 1, 0])
    );
    assert_eq!(
        eval("Jet[argsort(-Jet.pt)].eta").map(list).unwrap().1,
        Nums::F32(vec![0.5, 2.0, -1.5, -0.25, 1.0])
    );
    assert_eq!(
        eval("sort(Jet.eta)").map(list).unwrap().1,
        Nums::F32(vec![-1.5, 0.5, 2.0, -0.25, 1.0])
    );
    // Slices with Python's rules.
    let (o, v) = eval("Jet.pt[:2]").map(list).unwrap();
    assert_eq!(
        (o, v),
        (vec![0, 2, 2, 4], Nums::F32(vec![50.0, 20.0, 100.0, 31.25]))
    );
    let (o, v) = eval("Jet[1:].pt").map(list).unwrap();
    assert_eq!(
        (o, v),
        (vec![0, 2, 2, 3], Nums::F32(vec![20.0, 35.5, 31.25]))
    );
    let (_, v) = eval("Jet.pt[-1:]").map(list).unwrap();
    assert_eq!(v, Nums::F32(vec![35.5, 31.25]));
    // first / last / get with defaults, in the common type.
    assert_eq!(
        eval("first(Jet.pt, -1)").unwrap(),
        Val::Num(Nums::F32(vec![50.0, -1.0, 100.0]))
    );
    assert_eq!(
        eval("last(Jet.pt, 0.5)").unwrap(),
        Val::Num(Nums::F64(vec![35.5, 0.5, 31.25]))
    );
    assert_eq!(
        eval("get(Jet.pt, 2, 0)").unwrap(),
        Val::Num(Nums::F32(vec![35.5, 0.0, 0.0]))
    );
}

#[test]
fn empty_reductions_are_documented_values() {
    let Val::Num(Nums::F32(m)) = eval("max(Jet.pt)").unwrap() else {
        panic!()
    };
    assert!(m[0] == 50.0 && m[1].is_nan() && m[2] == 100.0);
    let Val::Num(Nums::F64(m)) = eval("mean(Jet.pt)").unwrap() else {
        panic!()
    };
    assert!(m[1].is_nan());
    assert_eq!(
        eval("argmax(Jet.pt)").unwrap(),
        Val::Num(Nums::I64(vec![0, -1, 0]))
    );
    assert_eq!(
        eval("sum(Jet.pt)").unwrap(),
        Val::Num(Nums::F32(vec![105.5, 0.0, 131.25]))
    );
    assert_eq!(
        eval("any(Jet.pt > 0)").unwrap(),
        Val::Num(Nums::Bool(vec![true, false, true]))
    );
    assert_eq!(
        eval("all(Jet.pt > 1000)").unwrap(),
        Val::Num(Nums::Bool(vec![false, true, false]))
    );
    assert_eq!(ty("len(Jet)"), "long");
    assert_eq!(ty("argmin(Jet.pt)"), "long");
    assert_eq!(ty("Jet.index"), "list of long");
    assert_eq!(ty("min(Muon.jetIdx)"), "double");
}

#[test]
fn pxpypzm_sums_round_like_root() {
    let v = eval("(PxPyPzMVector(Jet[0]) + PxPyPzMVector(Jet[1])).mass");
    assert!(v.is_err(), "event 1 has no jets");
    let (schema, chunk) = sample();
    let (reg, scope) = Registry::new(&schema);
    let sub = chunk.filter(&[true, false, true]);
    let t = check(
        &parse("PxPyPzMVector(Jet[0]) + PxPyPzMVector(Jet[1])").unwrap(),
        &schema,
        &reg,
        &scope,
    )
    .unwrap();
    let Val::P4(p) = Evaluator::new(&sub, &schema, &reg).eval(&t.node).unwrap() else {
        panic!()
    };
    // ROOT: PxPyPzMVector(PtEtaPhiMVector(...)) keeps (px, py, pz, m); a + b computes each E
    // from p and m, adds, and stores the mass of the sum.
    let p4 = |pt: f32, eta: f32, phi: f32, m: f32| {
        let (pt, eta, phi, m) = (pt as f64, eta as f64, phi as f64, m as f64);
        (pt * phi.cos(), pt * phi.sin(), pt * eta.sinh(), m)
    };
    let e = |v: (f64, f64, f64, f64)| (v.0 * v.0 + v.1 * v.1 + v.2 * v.2 + v.3 * v.3).sqrt();
    let sum = |a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)| {
        let (x, y, z, t) = (a.0 + b.0, a.1 + b.1, a.2 + b.2, e(a) + e(b));
        let mm = t * t - x * x - y * y - z * z;
        (x, y, z, mm.sqrt())
    };
    let want0 = sum(p4(50.0, 0.5, 0.1, 5.0), p4(20.0, -1.5, 2.0, 3.0));
    assert_eq!(p.px[0], want0.0);
    assert_eq!(p.t[0], want0.3);
    assert_eq!(p.coords, expr::Coords::PxPyPzM);
}

/// A registry with defines and a redefinition, checked the way the engine does it.
#[test]
fn redefined_collections_are_consistent_in_every_spelling() {
    let (schema, chunk) = sample();
    let (mut reg, mut scope) = Registry::new(&schema);
    let sel = check(&parse("Jet[Jet.pt > 30]").unwrap(), &schema, &reg, &scope).unwrap();
    reg.redefine(&schema, &mut scope, "Jet", sel).unwrap();
    let ev = |src: &str| {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope)
            .unwrap_or_else(|e| panic!("{src}: {e}"));
        Evaluator::new(&chunk, &schema, &reg).eval(&t.node).unwrap()
    };
    let kept = Nums::F32(vec![50.0, 35.5, 100.0, 31.25]);
    assert_eq!(list(ev("Jet.pt")).1, kept);
    assert_eq!(list(ev("Jet_pt")).1, kept);
    assert_eq!(ev("nJet"), Val::Num(Nums::U32(vec![2, 0, 2])));
    assert_eq!(ev("len(Jet)"), Val::Num(Nums::I64(vec![2, 0, 2])));
    assert_eq!(list(ev("Jet.index")).1, Nums::I64(vec![0, 1, 0, 1]));
    assert_eq!(list(ev("Jet.eta")).1, Nums::F32(vec![0.5, 2.0, -0.25, 1.0]));
    // A second redefinition applies on top of the first.
    let sel2 = check(&parse("Jet[Jet.eta > 0]").unwrap(), &schema, &reg, &scope).unwrap();
    reg.redefine(&schema, &mut scope, "Jet", sel2).unwrap();
    let t = check(&parse("Jet.pt").unwrap(), &schema, &reg, &scope).unwrap();
    let v = Evaluator::new(&chunk, &schema, &reg).eval(&t.node).unwrap();
    assert_eq!(list(v).1, Nums::F32(vec![50.0, 35.5, 31.25]));
    // A redefinition of a collection must be records of it.
    let bad = check(&parse("Jet.pt").unwrap(), &schema, &reg, &scope).unwrap();
    assert!(reg.redefine(&schema, &mut scope, "Jet", bad).is_err());
}

#[test]
fn redefined_fields_are_seen_by_four_vectors_and_every_spelling() {
    let (schema, chunk) = sample();
    let (mut reg, mut scope) = Registry::new(&schema);
    let before = check(&parse("Jet.p4.pt").unwrap(), &schema, &reg, &scope).unwrap();
    let scaled = check(&parse("Jet_pt * 2").unwrap(), &schema, &reg, &scope).unwrap();
    reg.redefine(&schema, &mut scope, "Jet_pt", scaled).unwrap();
    let after = check(&parse("Jet.p4.pt").unwrap(), &schema, &reg, &scope).unwrap();
    let direct = check(&parse("Jet.pt").unwrap(), &schema, &reg, &scope).unwrap();
    let ev = Evaluator::new(&chunk, &schema, &reg);
    let Nums::F64(b) = list(ev.eval(&before.node).unwrap()).1 else {
        panic!()
    };
    let Nums::F64(a) = list(ev.eval(&after.node).unwrap()).1 else {
        panic!()
    };
    assert!((a[0] - 2.0 * b[0]).abs() < 1e-9, "{a:?} {b:?}");
    assert_eq!(
        list(ev.eval(&direct.node).unwrap()).1,
        Nums::F32(vec![100.0, 40.0, 71.0, 200.0, 62.5])
    );
}

#[test]
fn variations_are_computed_per_universe_and_shared_otherwise() {
    let (schema, chunk) = sample();
    let (mut reg, mut scope) = Registry::new(&schema);
    let nominal = check(&parse("Jet_pt").unwrap(), &schema, &reg, &scope).unwrap();
    let up = check(&parse("Jet_pt * 1.5f").unwrap(), &schema, &reg, &scope).unwrap();
    let down = check(&parse("Jet_pt * 0.5f").unwrap(), &schema, &reg, &scope).unwrap();
    reg.vary(
        &schema,
        &mut scope,
        "Jet_pt",
        nominal,
        vec![(1, up), (2, down)],
    )
    .unwrap();
    let ht = check(
        &parse("sum(Jet[Jet.pt > 30].pt)").unwrap(),
        &schema,
        &reg,
        &scope,
    )
    .unwrap();
    let id = reg.define(&mut scope, "ht", ht);
    let met = check(&parse("MET_pt * 2").unwrap(), &schema, &reg, &scope).unwrap();
    let met_id = reg.define(&mut scope, "met2", met);
    reg.finish(3);
    assert_eq!(reg.define_universes(id), &[1, 2]);
    assert!(reg.define_universes(met_id).is_empty());
    let base = Evaluator::new(&chunk, &schema, &reg);
    let up = base.universe(1, expr::salt_of("up"));
    let down = base.universe(2, expr::salt_of("down"));
    assert_eq!(
        *base.define(id).unwrap(),
        Val::Num(Nums::F32(vec![85.5, 0.0, 131.25]))
    );
    assert_eq!(
        *up.define(id).unwrap(),
        Val::Num(Nums::F32(vec![75.0 + 53.25, 0.0, 150.0 + 46.875]))
    );
    assert_eq!(
        *down.define(id).unwrap(),
        Val::Num(Nums::F32(vec![0.0, 0.0, 50.0]))
    );
    // An unaffected define is computed once and shared.
    let a = base.define(met_id).unwrap();
    let b = up.define(met_id).unwrap();
    assert!(std::rc::Rc::ptr_eq(&a, &b));
}

#[test]
fn random_numbers_depend_on_event_and_universe_only() {
    let (schema, chunk) = sample();
    let (reg, scope) = Registry::new(&schema);
    let t = check(
        &parse("random_normal(event, Jet)").unwrap(),
        &schema,
        &reg,
        &scope,
    )
    .unwrap();
    let all = list(Evaluator::new(&chunk, &schema, &reg).eval(&t.node).unwrap()).1;
    // The same event alone gives the same numbers (no dependence on chunking).
    let sub = chunk.filter(&[false, false, true]);
    let last = list(Evaluator::new(&sub, &schema, &reg).eval(&t.node).unwrap()).1;
    assert_eq!(all.slice(3, 5), last);
    let base = Evaluator::new(&chunk, &schema, &reg);
    let other = base.universe(1, expr::salt_of("jer_up"));
    let varied = list(other.eval(&t.node).unwrap()).1;
    assert_ne!(all, varied);
    let Nums::F64(v) = all else { panic!() };
    assert!(v.iter().all(|x| x.is_finite() && x.abs() < 6.0));
}

#[test]
fn gaussian_quantile_is_roots() {
    // ROOT: ROOT::Math::gaussian_quantile(0.0005, 0.05) = -0.16452633657459473
    assert_eq!(
        eval("gaussian_quantile(0.0005, 0.05)").unwrap(),
        Val::Const(expr::Scalar::Float(-0.16452633657459473), Num::F64)
    );
}

#[test]
fn abs_compared_with_a_literal_is_abs_then_the_comparison() {
    // `abs(x) op literal` runs fused; `abs(x) * 1 op literal` (exact) takes the general path.
    for (fused, plain) in [
        ("abs(Jet.eta) < 1", "abs(Jet.eta) * 1 < 1"),
        ("abs(Jet.eta) <= 1.0", "abs(Jet.eta) * 1 <= 1.0"),
        ("abs(Jet.eta) >= 1.5f", "abs(Jet.eta) * 1 >= 1.5f"),
        ("abs(Jet.eta) == 0.25", "abs(Jet.eta) * 1 == 0.25"),
        ("abs(Jet.eta) != 2", "abs(Jet.eta) * 1 != 2"),
        ("abs(Jet.eta) > 1", "abs(Jet.eta) * 1 > 1"),
        ("abs(MET_pt - 20) < 5", "abs(MET_pt - 20) * 1 < 5"),
        ("abs(run) < 5", "abs(run) * 1 < 5"),
        ("Jet.pt[abs(Jet.eta) < 1]", "Jet.pt[abs(Jet.eta) * 1 < 1]"),
    ] {
        assert_eq!(eval(fused).unwrap(), eval(plain).unwrap(), "{fused}");
    }
    let (off, keep) = list(eval("abs(Jet.eta) < 1").unwrap());
    assert_eq!(off, [0, 3, 3, 5]);
    assert_eq!(keep, Nums::Bool(vec![true, false, false, true, false]));
}

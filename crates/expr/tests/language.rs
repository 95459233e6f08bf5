//! The expression language on a small hand-made chunk of events.

use expr::{
    check, parse, BranchType, Chunk, ErrorKind, Evaluator, Num, Nums, Registry, Schema, Scope, Val,
};
use rootio::Array;

fn jag_f32(lists: &[&[f32]]) -> Array {
    let mut offsets = vec![0i64];
    let mut values = Vec::new();
    for l in lists {
        values.extend_from_slice(l);
        offsets.push(values.len() as i64);
    }
    Array::Jagged {
        offsets: offsets.into(),
        values: Box::new(Array::F32(values)),
    }
}

fn jag_i32(lists: &[&[i32]]) -> Array {
    let mut offsets = vec![0i64];
    let mut values = Vec::new();
    for l in lists {
        values.extend_from_slice(l);
        offsets.push(values.len() as i64);
    }
    Array::Jagged {
        offsets: offsets.into(),
        values: Box::new(Array::I32(values)),
    }
}

/// Four events: muons (pt, eta, phi, mass, charge), jets (pt, eta), MET.
fn sample() -> (Schema, Chunk) {
    let schema = Schema::from_branches([
        ("nMuon".to_string(), BranchType::Scalar(Num::U32)),
        ("Muon_pt".to_string(), BranchType::List(Num::F32)),
        ("Muon_eta".to_string(), BranchType::List(Num::F32)),
        ("Muon_phi".to_string(), BranchType::List(Num::F32)),
        ("Muon_mass".to_string(), BranchType::List(Num::F32)),
        ("Muon_charge".to_string(), BranchType::List(Num::I32)),
        ("Jet_pt".to_string(), BranchType::List(Num::F32)),
        ("Jet_eta".to_string(), BranchType::List(Num::F32)),
        ("MET_pt".to_string(), BranchType::Scalar(Num::F32)),
    ]);
    let mut chunk = Chunk {
        entries: vec![0, 1, 2, 3],
        ..Default::default()
    };
    let c = &mut chunk.columns;
    c.insert("nMuon".into(), Array::U32(vec![2, 0, 1, 2]));
    c.insert(
        "Muon_pt".into(),
        jag_f32(&[&[40.0, 30.0], &[], &[10.0], &[25.0, 5.0]]),
    );
    c.insert(
        "Muon_eta".into(),
        jag_f32(&[&[0.5, -0.3], &[], &[1.0], &[2.0, -2.0]]),
    );
    c.insert(
        "Muon_phi".into(),
        jag_f32(&[&[0.1, 3.0], &[], &[0.0], &[-3.0, 3.0]]),
    );
    c.insert(
        "Muon_mass".into(),
        jag_f32(&[&[0.105, 0.105], &[], &[0.105], &[0.105, 0.105]]),
    );
    c.insert(
        "Muon_charge".into(),
        jag_i32(&[&[1, -1], &[], &[1], &[1, 1]]),
    );
    c.insert(
        "Jet_pt".into(),
        jag_f32(&[&[50.0, 45.0, 20.0], &[35.0], &[], &[100.0, 41.0]]),
    );
    c.insert(
        "Jet_eta".into(),
        jag_f32(&[&[0.5, 1.5, -0.2], &[3.0], &[], &[-0.9, 0.0]]),
    );
    c.insert("MET_pt".into(), Array::F32(vec![10.0, 20.0, 30.0, 40.0]));
    (schema, chunk)
}

fn eval(src: &str) -> Result<Val, expr::ExprError> {
    let (schema, chunk) = sample();
    let (reg, scope) = Registry::new(&schema);
    let t = check(&parse(src)?, &schema, &reg, &scope)?;
    Evaluator::new(&chunk, &schema, &reg).eval(&t.node)
}

/// Type-check `src` in the file's own scope.
fn typecheck(schema: &Schema, src: &str) -> Result<expr::Typed, expr::ExprError> {
    let (reg, scope) = Registry::new(schema);
    check(&parse(src)?, schema, &reg, &scope)
}

fn bools(v: Val) -> Vec<bool> {
    match v {
        Val::Num(Nums::Bool(b)) => b,
        other => panic!("not bools: {other:?}"),
    }
}

#[test]
fn scalars_lists_masks_and_reductions() {
    assert_eq!(
        bools(eval("MET_pt > 15").unwrap()),
        vec![false, true, true, true]
    );
    assert_eq!(
        eval("count(Jet.pt > 40)").unwrap(),
        Val::Num(Nums::I64(vec![2, 0, 0, 2]))
    );
    assert_eq!(
        eval("len(Jet)").unwrap(),
        Val::Num(Nums::I64(vec![3, 1, 0, 2]))
    );
    match eval("Jet.pt[abs(Jet.eta) < 1]").unwrap() {
        Val::List(o, Nums::F32(v)) => {
            assert_eq!(*o, vec![0, 2, 2, 2, 4]);
            assert_eq!(v, vec![50.0, 20.0, 100.0, 41.0]);
        }
        other => panic!("{other:?}"),
    }
    // Sums of float lists accumulate in float, like ROOT's VecOps::Sum.
    assert_eq!(
        eval("sum(Jet.pt)").unwrap(),
        Val::Num(Nums::F32(vec![115.0, 35.0, 0.0, 141.0]))
    );
    assert_eq!(
        eval("argmax(Jet.eta)").unwrap(),
        Val::Num(Nums::I64(vec![1, 0, -1, 1]))
    );
    // Broadcasting a per-event value over a list.
    match eval("Jet.pt - MET_pt").unwrap() {
        Val::List(_, Nums::F32(v)) => assert_eq!(v, vec![40.0, 35.0, 10.0, 15.0, 60.0, 1.0]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        bools(eval("any(Jet.pt > 90) || all(Muon.charge == 1)").unwrap()),
        vec![false, true, true, true]
    );
}

#[test]
fn short_circuit_guards_indexing() {
    // Event 1 has no muons: the right side is never evaluated there.
    assert_eq!(
        bools(eval("nMuon == 2 && Muon[0].charge != Muon[1].charge").unwrap()),
        vec![true, false, false, false]
    );
    let e = eval("Muon[1].pt > 0").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Eval);
    assert!(e.message.contains("entry 1"), "{}", e.message);
}

#[test]
fn four_vectors_in_double_precision() {
    let v = eval("(Muon[0] + Muon[1]).mass").err();
    assert!(v.is_some(), "event 1 has no muons: indexing must fail");
    let (schema, chunk) = sample();
    let (reg, _) = Registry::new(&schema);
    let cut = typecheck(&schema, "nMuon == 2").unwrap();
    let keep = bools(
        Evaluator::new(&chunk, &schema, &reg)
            .eval(&cut.node)
            .unwrap(),
    );
    let sub = chunk.filter(&keep);
    let m = typecheck(&schema, "(Muon[0] + Muon[1]).mass").unwrap();
    let Val::Num(Nums::F64(got)) = Evaluator::new(&sub, &schema, &reg).eval(&m.node).unwrap()
    else {
        panic!()
    };
    // Reference: the same formulas as ROOT's PtEtaPhiM → PxPyPzE conversion and M().
    let p4 = |pt: f32, eta: f32, phi: f32, m: f32| {
        let (pt, eta, phi, m) = (pt as f64, eta as f64, phi as f64, m as f64);
        let p = pt * eta.cosh();
        (
            pt * phi.cos(),
            pt * phi.sin(),
            pt * eta.sinh(),
            (p * p + m * m.abs()).sqrt(),
        )
    };
    let mass = |a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)| {
        let (x, y, z, t) = (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3);
        (t * t - x * x - y * y - z * z).sqrt()
    };
    let want = [
        mass(p4(40.0, 0.5, 0.1, 0.105), p4(30.0, -0.3, 3.0, 0.105)),
        mass(p4(25.0, 2.0, -3.0, 0.105), p4(5.0, -2.0, 3.0, 0.105)),
    ];
    assert_eq!(got, want);
}

#[test]
fn type_errors_point_at_the_span() {
    let (schema, _) = sample();
    let src = "nMuon == 2 && Muon.pt";
    let e = typecheck(&schema, src).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Type);
    assert_eq!(&src[e.span.start..e.span.end], "Muon.pt");
    assert!(e.caret(src).ends_with("^^^^^^^"), "{}", e.caret(src));
    // Of a multi-line expression, the line of the mistake with the caret under it.
    let src = "nMuon >= 2 &&\n\t  Muon.pt &&\n  nMuon < 5";
    let e = typecheck(&schema, src).unwrap_err();
    assert_eq!(e.caret(src), "  \t  Muon.pt &&\n  \t  ^^^^^^^");
    // A long line is cut around the mistake, the caret still under it.
    let src = format!(
        "{}Muon.pt && {}true",
        "nMuon > 1 && ".repeat(200),
        "nMuon < 9 && ".repeat(200)
    );
    let e = typecheck(&schema, &src).unwrap_err();
    let caret = e.caret(&src);
    let lines: Vec<&str> = caret.lines().collect();
    assert!(lines[0].chars().count() < 150, "{caret}");
    assert!(
        lines[0].starts_with("  …") && lines[0].ends_with('…'),
        "{caret}"
    );
    let at = lines[1].find('^').unwrap();
    assert_eq!(lines[1].chars().count() - at, 7, "{caret}");
    assert_eq!(
        lines[0].chars().skip(at).take(7).collect::<String>(),
        "Muon.pt",
        "{caret}"
    );

    let e = typecheck(&schema, "Muon_ptt > 3").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Name);
    assert!(e.message.contains("'Muon_pt'"), "{}", e.message);
    let e = typecheck(&schema, "Muon.ptt").unwrap_err();
    assert!(e.message.contains("'pt'"), "{}", e.message);
    let e = typecheck(&schema, "MET_pt + Muon").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Type);
    let e = typecheck(&schema, "MET_pt[0]").unwrap_err();
    assert!(e.message.contains("cannot index"), "{}", e.message);
}

#[test]
fn defines_are_visible_to_later_expressions() {
    let (schema, chunk) = sample();
    let (mut reg, mut scope) = Registry::new(&schema);
    let good = check(&parse("Jet[Jet.pt > 40]").unwrap(), &schema, &reg, &scope).unwrap();
    reg.define(&mut scope, "goodJet", good);
    let n = check(&parse("len(goodJet) + 1").unwrap(), &schema, &reg, &scope).unwrap();
    let v = Evaluator::new(&chunk, &schema, &reg).eval(&n.node).unwrap();
    // len is a long; + 1 (an int) stays long.
    assert_eq!(v, Val::Num(Nums::I64(vec![3, 1, 1, 3])));
    let _: &Scope = &scope;
}

#[test]
fn fields_of_different_lengths_are_an_error_not_a_panic() {
    let (schema, mut chunk) = sample();
    // std::vector branches of one prefix need not agree: make Muon_eta one element short.
    chunk.columns.insert(
        "Muon_eta".into(),
        jag_f32(&[&[0.5], &[], &[1.0], &[2.0, -2.0]]),
    );
    let (reg, _) = Registry::new(&schema);
    let t = typecheck(&schema, "Muon.eta").unwrap();
    let e = Evaluator::new(&chunk, &schema, &reg)
        .eval(&t.node)
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Eval);
    assert!(
        e.message.contains("Muon_eta") && e.message.contains("entry 0"),
        "{}",
        e.message
    );
}

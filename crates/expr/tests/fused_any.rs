//! `any(…)` over pairs, run fused, gives exactly what the column-at-a-time evaluation gives.
//!
//! Each expression is type-checked (where the pattern is recognised and replaced by a fused
//! node), then evaluated both fused and with the reduction it replaced, on random events with
//! 0–6 muons: ties, zero pt, negative masses, NaN and infinite components included.

mod common;

use common::Rng;
use expr::check::Reduce;
use expr::{
    check, parse, BranchType, Chunk, Evaluator, Node, Num, Nums, Registry, Schema, Span, Val,
};
use rootio::Array;

/// `events` events of muons (pt, eta, phi, mass as floats, charge as int).
fn sample(events: usize, seed: u64) -> (Schema, Chunk) {
    let fields = ["pt", "eta", "phi", "mass"];
    let mut schema = vec![("nMuon".to_string(), BranchType::Scalar(Num::U32))];
    for f in fields {
        schema.push((format!("Muon_{f}"), BranchType::List(Num::F32)));
    }
    schema.push(("Muon_charge".to_string(), BranchType::List(Num::I32)));
    let schema = Schema::from_branches(schema);
    let mut rng = Rng(seed | 1);
    let mut offsets = vec![0i64];
    let mut cols: Vec<Vec<f32>> = vec![Vec::new(); fields.len()];
    let mut charge = Vec::new();
    for _ in 0..events {
        let n = (rng.next() * 7.0) as usize;
        for j in 0..n {
            let dup = j > 0 && rng.next() < 0.1;
            for (c, col) in cols.iter_mut().enumerate() {
                let odd = rng.next();
                let v = if dup {
                    col[col.len() - 1]
                } else {
                    match c {
                        _ if odd < 0.005 => f32::NAN,
                        _ if odd < 0.008 => f32::INFINITY,
                        0 if odd < 0.03 => 0.0,
                        0 => (3.0 + 80.0 * rng.next()) as f32,
                        1 => (-2.5 + 5.0 * rng.next()) as f32,
                        2 => (-3.2 + 6.4 * rng.next()) as f32,
                        3 if odd < 0.05 => -(rng.next() as f32),
                        _ => 0.1057,
                    }
                };
                col.push(v);
            }
            charge.push(if rng.next() < 0.5 { -1 } else { 1 });
        }
        offsets.push(charge.len() as i64);
    }
    let mut chunk = Chunk {
        entries: (0..events as u64).collect(),
        ..Default::default()
    };
    let mut columns: Vec<_> = fields
        .iter()
        .zip(cols)
        .map(|(f, c)| (*f, Array::F32(c)))
        .collect();
    columns.push(("charge", Array::I32(charge)));
    common::insert_collection(&mut chunk, "Muon", &offsets, columns);
    (schema, chunk)
}

/// Evaluate `expr` after `defines`: fused (if `fused`, it must be) and as the plain reduction.
fn both(defines: &[(&str, &str)], expr: &str, fused: bool) -> (Val, Val) {
    let (schema, chunk) = sample(3000, 17);
    let (mut reg, mut scope) = Registry::new(&schema);
    for (name, src) in defines {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        reg.define(&mut scope, name, t);
    }
    let t = check(&parse(expr).unwrap(), &schema, &reg, &scope).unwrap();
    let plain = match &t.node {
        Node::AnyPair { arg, .. } => {
            assert!(fused, "fused, but should not be: {expr}");
            Node::Reduce {
                f: Reduce::Any,
                arg: arg.clone(),
                num: Num::Bool,
                span: Span::default(),
            }
        }
        other => {
            assert!(!fused, "not fused: {expr}");
            other.clone()
        }
    };
    let a = Evaluator::new(&chunk, &schema, &reg).eval(&t.node).unwrap();
    let b = Evaluator::new(&chunk, &schema, &reg).eval(&plain).unwrap();
    (a, b)
}

const PAIRS: (&str, &str) = ("pairs", "combinations(Muon, 2)");

#[test]
fn fused_any_equals_the_plain_reduction() {
    let q5: &[(&str, &str)] = &[
        PAIRS,
        ("opposite", "pairs[pairs.0.charge != pairs.1.charge]"),
        ("pair_mass", "(opposite.0 + opposite.1).mass"),
    ];
    let cases: &[(&[(&str, &str)], &str)] = &[
        // ADL q5, as examples/adl/q5.toml writes it.
        (q5, "any(pair_mass > 60 && pair_mass < 120)"),
        (q5, "any(60 < pair_mass && 120 >= pair_mass)"),
        (q5, "any(pair_mass > 30)"),
        // The record test inside, the sum in the other order, other properties.
        (
            &[PAIRS],
            "any(pairs.0.charge != pairs.1.charge && (pairs.1 + pairs.0).mass < 80)",
        ),
        (
            &[PAIRS],
            "any((pairs.0 + pairs.1).pt > 40 && pairs.0.pt >= pairs.1.pt)",
        ),
        (&[PAIRS], "any((pairs.0 + pairs.1).eta < 0.5)"),
        (&[PAIRS], "any(pairs.0.charge == pairs.1.charge)"),
        (&[PAIRS], "any(pairs.0.pt == pairs.1.pt)"),
        // Inline, and pairs of a selection.
        (
            &[],
            "any((combinations(Muon, 2).0 + combinations(Muon, 2).1).mass > 50)",
        ),
        (
            &[
                ("good", "Muon[Muon.pt > 20]"),
                ("gp", "combinations(good, 2)"),
            ],
            "any(gp.0.charge != gp.1.charge && (gp.0 + gp.1).mass > 20)",
        ),
    ];
    let mut any_true = 0;
    for (defines, expr) in cases {
        let (fused, plain) = both(defines, expr, true);
        assert_eq!(fused, plain, "{expr}");
        if let Val::Num(expr::Nums::Bool(v)) = &fused {
            assert!(v.iter().any(|x| !x), "{expr}: always true");
            any_true += usize::from(v.iter().any(|x| *x));
        }
    }
    assert_eq!(any_true, cases.len(), "some case is never true");
}

#[test]
fn other_patterns_are_not_fused() {
    for (defines, expr) in [
        (
            &[PAIRS][..],
            "any(pairs.0.charge != pairs.1.charge || (pairs.0 + pairs.1).mass > 60)",
        ),
        (&[PAIRS], "any(pairs.0.charge < pairs.1.pt)"),
        (&[PAIRS], "any((pairs.0 + pairs.0).mass > 60)"),
        (&[PAIRS], "any(float((pairs.0 + pairs.1).mass) > 60)"),
        (
            &[("t", "combinations(Muon, 3)")],
            "any((t.0 + t.1 + t.2).mass > 60)",
        ),
        (&[PAIRS], "all((pairs.0 + pairs.1).mass > 60)"),
    ] {
        let (a, b) = both(defines, expr, false);
        assert_eq!(a, b, "{expr}");
    }
}

#[test]
fn ties_with_the_constant_compare_as_unfused() {
    // Constants equal to a pair's property (printed exactly, read back to the same double):
    // every comparison, on either side, decides the ties as the plain reduction does.
    let (schema, chunk) = sample(3000, 17);
    let (mut reg, mut scope) = Registry::new(&schema);
    let t = check(&parse(PAIRS.1).unwrap(), &schema, &reg, &scope).unwrap();
    reg.define(&mut scope, PAIRS.0, t);
    let masses = check(
        &parse("(pairs.0 + pairs.1).mass").unwrap(),
        &schema,
        &reg,
        &scope,
    )
    .unwrap();
    let Val::List(_, expr::Nums::F64(m)) = Evaluator::new(&chunk, &schema, &reg)
        .eval(&masses.node)
        .unwrap()
    else {
        panic!("masses");
    };
    let mut finite: Vec<f64> = m.into_iter().filter(|x| x.is_finite()).collect();
    finite.sort_by(f64::total_cmp);
    let mut compared = 0;
    for q in [0.1, 0.5, 0.9] {
        let x = finite[(finite.len() as f64 * q) as usize];
        for op in ["<", "<=", ">", ">=", "==", "!="] {
            for expr in [
                format!("any((pairs.0 + pairs.1).mass {op} {x:e})"),
                format!("any({x:e} {op} (pairs.0 + pairs.1).mass)"),
            ] {
                let (fused, plain) = both(&[PAIRS], &expr, true);
                assert_eq!(fused, plain, "{expr}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 36);
}

#[test]
fn masses_a_hair_from_the_constant_are_decided_as_unfused() {
    // The fused walk decides most masses against the constants without libm, and computes the
    // exact mass only within a hair of a constant (`columnar::mass_bounds`). Constants equal to
    // a pair's mass and one or two ulps away, for forty pairs, with each comparison: the
    // answers must be those of the plain reduction (a tolerance of 0 fails this).
    let (schema, chunk) = sample(3000, 29);
    let (mut reg, mut scope) = Registry::new(&schema);
    let t = check(&parse(PAIRS.1).unwrap(), &schema, &reg, &scope).unwrap();
    reg.define(&mut scope, PAIRS.0, t);
    let eval = |src: &str, fused: bool| -> Val {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        let node = match (&t.node, fused) {
            (n @ Node::AnyPair { .. }, true) => n.clone(),
            (Node::AnyPair { arg, .. }, false) => Node::Reduce {
                f: Reduce::Any,
                arg: arg.clone(),
                num: Num::Bool,
                span: Span::default(),
            },
            _ => panic!("not fused: {src}"),
        };
        Evaluator::new(&chunk, &schema, &reg).eval(&node).unwrap()
    };
    let Val::List(_, expr::Nums::F64(m)) = eval_plain(&schema, &chunk, &reg, &scope) else {
        panic!("masses");
    };
    let mut finite: Vec<f64> = m
        .into_iter()
        .filter(|x| x.is_finite() && *x > 0.0)
        .collect();
    finite.sort_by(f64::total_cmp);
    let mut compared = 0;
    for k in 0..40 {
        let x = finite[k * finite.len() / 40];
        for c in [
            x,
            f64::from_bits(x.to_bits() + 1),
            f64::from_bits(x.to_bits() - 2),
        ] {
            for op in ["<", "<=", "=="] {
                let src = format!("any((pairs.0 + pairs.1).mass {op} {c:e})");
                let (Val::Num(Nums::Bool(fused)), Val::Num(Nums::Bool(plain))) =
                    (eval(&src, true), eval(&src, false))
                else {
                    panic!("{src}: not one bool per event");
                };
                let differ = fused.iter().zip(&plain).filter(|(a, b)| a != b).count();
                assert_eq!(differ, 0, "{src}: events answered otherwise");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 360);
}

/// Every pair's mass, evaluated column at a time.
fn eval_plain(schema: &Schema, chunk: &Chunk, reg: &Registry, scope: &expr::Scope) -> Val {
    let t = check(
        &parse("(pairs.0 + pairs.1).mass").unwrap(),
        schema,
        reg,
        scope,
    )
    .unwrap();
    Evaluator::new(chunk, schema, reg).eval(&t.node).unwrap()
}

#[test]
fn absurdly_many_pairs_fail_as_unfused() {
    // One event of 12 000 muons (a corrupt counter): 7.2 × 10⁷ pairs, more than allowed.
    let (schema, _) = sample(1, 1);
    let n = 12_000;
    let mut chunk = Chunk {
        entries: vec![7],
        ..Default::default()
    };
    chunk
        .columns
        .insert("nMuon".into(), Array::U32(vec![n as u32]));
    for f in ["pt", "eta", "phi", "mass"] {
        chunk.columns.insert(
            format!("Muon_{f}"),
            Array::Jagged {
                offsets: vec![0, n as i64].into(),
                values: Box::new(Array::F32(vec![1.0; n])),
            },
        );
    }
    chunk.columns.insert(
        "Muon_charge".into(),
        Array::Jagged {
            offsets: vec![0, n as i64].into(),
            values: Box::new(Array::I32(vec![1; n])),
        },
    );
    let (mut reg, mut scope) = Registry::new(&schema);
    let t = check(&parse(PAIRS.1).unwrap(), &schema, &reg, &scope).unwrap();
    reg.define(&mut scope, PAIRS.0, t);
    let src = "any(pairs.0.charge != pairs.1.charge && (pairs.0 + pairs.1).mass > 60)";
    let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
    let Node::AnyPair { arg, .. } = &t.node else {
        panic!("not fused");
    };
    let plain = Node::Reduce {
        f: Reduce::Any,
        arg: arg.clone(),
        num: Num::Bool,
        span: Span::default(),
    };
    let fused = Evaluator::new(&chunk, &schema, &reg).eval(&t.node);
    let unfused = Evaluator::new(&chunk, &schema, &reg).eval(&plain);
    let (Err(a), Err(b)) = (fused, unfused) else {
        panic!("no error");
    };
    assert_eq!(a.message, b.message);
    assert!(a.message.contains("entry 7 has 12000"), "{}", a.message);
}

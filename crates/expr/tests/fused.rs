//! Fused combinatoric kernels give exactly what the column-at-a-time evaluation gives.
//!
//! Each expression is type-checked (where the pattern is recognised and replaced by a fused
//! node), then evaluated both fused and with the node it replaced, on random events with 0–9
//! jets: the tuples must be equal, and so must the errors.

use expr::{check, parse, BranchType, Chunk, Evaluator, Node, Num, Registry, Schema, Scope, Val};
use rootio::Array;

mod common;
use common::Rng;

/// `events` events of jets (pt, eta, phi, mass, btag as floats), `min_jets..=9` per event;
/// some zero pt, some negative masses, some equal jets (ties).
fn sample(events: usize, min_jets: usize, seed: u64) -> (Schema, Chunk) {
    let fields = ["pt", "eta", "phi", "mass", "btag"];
    let mut schema_fields = vec![("nJet".to_string(), BranchType::Scalar(Num::U32))];
    for f in fields {
        schema_fields.push((format!("Jet_{f}"), BranchType::List(Num::F32)));
    }
    let schema = Schema::from_branches(schema_fields);
    let mut rng = Rng(seed | 1);
    let mut offsets = vec![0i64];
    let mut cols: Vec<Vec<f32>> = vec![Vec::new(); fields.len()];
    for _ in 0..events {
        let n = min_jets + (rng.next() * (10 - min_jets) as f64) as usize;
        for j in 0..n {
            let dup = j > 0 && rng.next() < 0.1;
            for (c, col) in cols.iter_mut().enumerate() {
                let v = if dup {
                    col[col.len() - 1]
                } else {
                    match c {
                        0 if rng.next() < 0.03 => 0.0,
                        0 => (15.0 + 150.0 * rng.next()) as f32,
                        1 => (-4.0 + 8.0 * rng.next()) as f32,
                        2 => (-3.2 + 6.4 * rng.next()) as f32,
                        3 if rng.next() < 0.05 => -(rng.next() as f32),
                        3 => (20.0 * rng.next()) as f32,
                        _ => rng.next() as f32,
                    }
                };
                col.push(v);
            }
        }
        offsets.push(cols[0].len() as i64);
    }
    let mut chunk = Chunk {
        entries: (0..events as u64).collect(),
        ..Default::default()
    };
    let columns = fields.iter().zip(cols).map(|(f, c)| (*f, Array::F32(c)));
    common::insert_collection(&mut chunk, "Jet", &offsets, columns.collect());
    (schema, chunk)
}

/// The node with every fused node replaced by the nodes it stands for.
fn unfused(n: &Node) -> Node {
    match n {
        Node::BestTuple {
            list, index, span, ..
        } => Node::Index {
            list: list.clone(),
            index: index.clone(),
            span: *span,
        },
        other => other.clone(),
    }
}

/// Evaluate `expr` after `defines`, fused (which it must be) and unfused.
fn both(
    defines: &[(&str, &str)],
    expr: &str,
    schema: &Schema,
    chunk: &Chunk,
) -> (Result<Val, String>, Result<Val, String>) {
    let (mut reg, mut scope) = Registry::new(schema);
    for (name, src) in defines {
        let t = check(&parse(src).unwrap(), schema, &reg, &scope).unwrap();
        reg.define(&mut scope, name, t);
    }
    let t = check(&parse(expr).unwrap(), schema, &reg, &scope).unwrap();
    assert!(
        matches!(t.node, Node::BestTuple { .. }),
        "not fused: {expr}"
    );
    let ev = Evaluator::new(chunk, schema, &reg);
    let fused = ev.eval(&t.node).map_err(|e| e.message);
    let ev = Evaluator::new(chunk, schema, &reg);
    let plain = ev.eval(&unfused(&t.node)).map_err(|e| e.message);
    let _: &Scope = &scope;
    (fused, plain)
}

const CASES: &[(&[(&str, &str)], &str)] = &[
    (
        &[("t", "combinations(Jet, 3)")],
        "t[argmin(abs((t.0 + t.1 + t.2).mass - 172.5))]",
    ),
    (
        &[("t", "combinations(Jet, 3)")],
        "t[argmax((t.0 + t.1 + t.2).pt)]",
    ),
    (
        &[("t", "combinations(Jet, 2)")],
        "t[argmin(abs((t.1 + t.0).mass - 91.2f))]",
    ),
    (
        &[("t", "combinations(Jet, 2)")],
        "t[argmax(-sqrt(100.0 / (t.0 + t.1).e))]",
    ),
    (
        &[("t", "combinations(Jet, 3)")],
        "t[argmax((PxPyPzMVector(t.0) + PxPyPzMVector(t.1) + PxPyPzMVector(t.2)).pt)]",
    ),
    (
        &[("t", "combinations(Jet, 3)")],
        "t[argmin(172.5 - (PxPyPzMVector(t.2) + PxPyPzMVector(t.0) + PxPyPzMVector(t.1)).mass * 2)]",
    ),
    (
        &[("t", "combinations(Jet, 4)")],
        "t[argmin(abs((t.0 + t.1 + t.2 + t.3).eta))]",
    ),
    (
        &[("byeta", "Jet[argsort(Jet.eta)]"), ("t", "combinations(byeta, 3)")],
        "t[argmin(abs((t.0 + t.1 + t.2).mass - 80.4))]",
    ),
    (&[], "combinations(Jet, 2)[argmax((combinations(Jet, 2).0 + combinations(Jet, 2).1).pz)]"),
];

#[test]
fn fused_best_tuples_equal_the_column_at_a_time_ones() {
    let (schema, chunk) = sample(3000, 4, 17);
    for (defines, expr) in CASES {
        let (fused, plain) = both(defines, expr, &schema, &chunk);
        assert!(plain.is_ok(), "{expr}: {plain:?}");
        assert_eq!(fused, plain, "{expr}");
    }
}

#[test]
fn events_without_a_combination_fail_as_unfused() {
    // Events with 0–9 jets: some have fewer than the tuple size.
    let (schema, chunk) = sample(400, 0, 5);
    let selected: (&[(&str, &str)], &str) = (
        &[("good", "Jet[Jet.pt > 40]"), ("t", "combinations(good, 2)")],
        "t[argmin(abs((t.0 + t.1).mass - 80.4))]",
    );
    for (defines, expr) in CASES.iter().chain([&selected]) {
        let (fused, plain) = both(defines, expr, &schema, &chunk);
        assert!(plain.is_err(), "{expr}");
        assert_eq!(fused, plain, "{expr}");
    }
}

#[test]
fn other_patterns_are_not_fused() {
    let (schema, _) = sample(1, 4, 1);
    let (mut reg, mut scope) = Registry::new(&schema);
    let t = check(
        &parse("combinations(Jet, 3)").unwrap(),
        &schema,
        &reg,
        &scope,
    )
    .unwrap();
    reg.define(&mut scope, "t", t);
    for src in [
        // Not every slot in the sum.
        "t[argmin((t.0 + t.1).mass)]",
        // A slot twice.
        "t[argmin((t.0 + t.1 + t.1).mass)]",
        // A key that is not a property of the sum.
        "t[argmin(t.0.pt)]",
        // Not an extremum.
        "t[0]",
        // Single precision.
        "t[argmin(float((t.0 + t.1 + t.2).mass))]",
    ] {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        assert!(matches!(t.node, Node::Index { .. }), "{src} was fused");
    }
}

#[test]
fn four_vectors_computed_as_needed_equal_those_computed_at_once() {
    // Each collection's four-vectors are computed record by record as expressions need them;
    // asking in any order, in one evaluator, gives what a fresh evaluator gives.
    let (schema, chunk) = sample(500, 4, 23);
    let (mut reg, mut scope) = Registry::new(&schema);
    let t = check(
        &parse("combinations(Jet, 3)").unwrap(),
        &schema,
        &reg,
        &scope,
    )
    .unwrap();
    reg.define(&mut scope, "t", t);
    let exprs = [
        "(Jet[1] + Jet[1]).pt",
        "(Jet[3] + Jet[0]).mass",
        "t[argmin(abs((t.0 + t.1 + t.2).mass - 172.5))]",
        "(Jet[Jet.pt > 50].p4).eta",
        "sum(Jet).mass",
        "(PxPyPzMVector(Jet[2]) + PxPyPzMVector(Jet[0])).mass",
    ];
    let typed: Vec<_> = exprs
        .iter()
        .map(|e| check(&parse(e).unwrap(), &schema, &reg, &scope).unwrap())
        .collect();
    let fresh: Vec<Val> = typed
        .iter()
        .map(|t| Evaluator::new(&chunk, &schema, &reg).eval(&t.node).unwrap())
        .collect();
    for order in [[0, 1, 2, 3, 4, 5], [5, 3, 1, 4, 0, 2], [2, 4, 0, 5, 1, 3]] {
        let ev = Evaluator::new(&chunk, &schema, &reg);
        // Held across later requests: the cached vectors are then copied, not changed under it.
        let mut held = Vec::new();
        for i in order {
            let v = ev.eval(&typed[i].node).unwrap();
            assert_eq!(v, fresh[i], "{}", exprs[i]);
            held.push(v);
        }
    }
}

#[test]
fn combinations_are_in_nested_loop_order() {
    // Events with 0–9 jets (of a selection, so the record numbers are not 0, 1, 2, …): every
    // i < j < … of each event's records, in the order nested loops give, for pairs (which
    // have their own loop) and larger tuples.
    let (schema, chunk) = sample(300, 0, 11);
    let (mut reg, mut scope) = Registry::new(&schema);
    let t = check(&parse("Jet[Jet.pt > 40]").unwrap(), &schema, &reg, &scope).unwrap();
    reg.define(&mut scope, "good", t);
    let ev = Evaluator::new(&chunk, &schema, &reg);
    let good = check(&parse("good").unwrap(), &schema, &reg, &scope).unwrap();
    let Val::Objs(_, off, idx) = ev.eval(&good.node).unwrap() else {
        panic!("not records");
    };
    for k in [2, 3, 4] {
        let src = format!("combinations(good, {k})");
        let t = check(&parse(&src).unwrap(), &schema, &reg, &scope).unwrap();
        let Val::Tuples(_, got_off, slots) = ev.eval(&t.node).unwrap() else {
            panic!("not tuples: {src}");
        };
        let (mut want_off, mut want) = (vec![0i64], vec![Vec::new(); k]);
        for w in off.windows(2) {
            let rec = &idx[w[0] as usize..w[1] as usize];
            let n = rec.len();
            let mut push = |c: &[usize]| {
                for (s, &ci) in want.iter_mut().zip(c) {
                    s.push(rec[ci]);
                }
            };
            for i in 0..n {
                for j in i + 1..n {
                    if k == 2 {
                        push(&[i, j]);
                        continue;
                    }
                    for l in j + 1..n {
                        if k == 3 {
                            push(&[i, j, l]);
                            continue;
                        }
                        for m in l + 1..n {
                            push(&[i, j, l, m]);
                        }
                    }
                }
            }
            want_off.push(want[0].len() as i64);
        }
        assert_eq!(*got_off, want_off, "{src}");
        assert_eq!(slots, want, "{src}");
        assert!(want[0].len() > 100, "{src}");
    }
}

#[test]
fn absurdly_many_pairs_are_an_error() {
    // A corrupt or hostile file: one event with 20 000 jets would make 2 × 10⁸ pairs.
    let schema = Schema::from_branches([
        ("nJet".to_string(), BranchType::Scalar(Num::U32)),
        ("Jet_pt".to_string(), BranchType::List(Num::F32)),
    ]);
    let mut chunk = Chunk {
        entries: vec![41, 42],
        ..Default::default()
    };
    chunk
        .columns
        .insert("nJet".into(), Array::U32(vec![1, 20_000]));
    chunk.columns.insert(
        "Jet_pt".into(),
        Array::Jagged {
            offsets: vec![0, 1, 20_001].into(),
            values: Box::new(Array::F32(vec![1.0; 20_001])),
        },
    );
    let (reg, scope) = Registry::new(&schema);
    let t = check(
        &parse("combinations(Jet, 2)").unwrap(),
        &schema,
        &reg,
        &scope,
    )
    .unwrap();
    let err = Evaluator::new(&chunk, &schema, &reg)
        .eval(&t.node)
        .unwrap_err();
    assert!(
        err.message.contains("199990000 pairs") && err.message.contains("entry 42 has 20000"),
        "{}",
        err.message
    );
}

/// `sample` and two collections `Mu` and `El` of 0–3 records per event with the fields of
/// `Jet` and a `charge` (int) of ±1; some records are copies of the previous one (ties).
fn with_leptons((_, mut chunk): (Schema, Chunk), seed: u64) -> (Schema, Chunk) {
    let mut rng = Rng(seed | 1);
    let names = ["pt", "eta", "phi", "mass", "btag"];
    let mut branches = Vec::new();
    for c in ["Jet", "Mu", "El"] {
        branches.push((format!("n{c}"), BranchType::Scalar(Num::U32)));
        for n in names {
            branches.push((format!("{c}_{n}"), BranchType::List(Num::F32)));
        }
        if c == "Jet" {
            continue;
        }
        branches.push((format!("{c}_charge"), BranchType::List(Num::I32)));
        let (mut offsets, mut floats, mut charge) = (vec![0i64], vec![Vec::new(); 5], Vec::new());
        for _ in 0..chunk.entries.len() {
            for j in 0..(rng.next() * 4.0) as usize {
                let dup = j > 0 && rng.next() < 0.1;
                for (f, col) in floats.iter_mut().enumerate() {
                    let v = match f {
                        _ if dup => col[col.len() - 1],
                        0 => (5.0 + 80.0 * rng.next()) as f32,
                        1 => (-2.5 + 5.0 * rng.next()) as f32,
                        2 => (-3.2 + 6.4 * rng.next()) as f32,
                        3 => (0.1 * rng.next()) as f32,
                        _ => rng.next() as f32,
                    };
                    col.push(v);
                }
                let q = if rng.next() < 0.5 { -1 } else { 1 };
                charge.push(if dup { charge[charge.len() - 1] } else { q });
            }
            offsets.push(charge.len() as i64);
        }
        let mut columns: Vec<(&str, Array)> = names
            .iter()
            .copied()
            .zip(floats.into_iter().map(Array::F32))
            .collect();
        columns.push(("charge", Array::I32(charge)));
        common::insert_collection(&mut chunk, c, &offsets, columns);
    }
    (Schema::from_branches(branches), chunk)
}

/// Lists of tuples other than `combinations(C, k)` itself: only the key is fused (the list is
/// evaluated as written), with ADL query 8's same-flavour pairs of a concatenation among them.
const LISTED: &[(&[(&str, &str)], &str)] = &[
    (
        &[
            ("p", "combinations(Jet, 2)"),
            ("s", "p[p.0.btag > p.1.btag]"),
        ],
        "s[argmin(abs((s.0 + s.1).mass - 91.2))]",
    ),
    (
        &[
            ("l", "concat(Mu, El)"),
            ("p", "combinations(l, 2)"),
            (
                "s",
                "p[p.0.flavour == p.1.flavour && p.0.charge != p.1.charge]",
            ),
        ],
        "s[argmin(abs((s.0 + s.1).mass - 91.2))]",
    ),
    (
        &[("c", "cartesian(Jet[Jet.eta > 0], Jet[Jet.eta > 0])")],
        "c[argmax((c.1 + c.0).pt)]",
    ),
    (
        &[("t", "combinations(Jet, 3)"), ("s", "t[t.0.pt > t.2.pt]")],
        // The last bits of the sum decide (a sum in another order fails it).
        "s[argmax(sin((s.2 + s.0 + s.1).pt * 1e12))]",
    ),
    (
        &[
            ("byeta", "Jet[argsort(Jet.eta)]"),
            ("p", "combinations(byeta, 2)"),
            ("s", "p[p.0.pt < p.1.pt]"),
        ],
        "s[argmin(-(PxPyPzMVector(s.1) + PxPyPzMVector(s.0)).e / 2)]",
    ),
];

#[test]
fn fused_keys_of_listed_tuples_equal_the_column_at_a_time_ones() {
    // Events with 0–9 jets: the lists are empty in some, which fail as unfused; the events
    // where every list has a tuple (what a cut `len(s) > 0` keeps) give equal tuples.
    let (schema, chunk) = with_leptons(sample(3000, 0, 29), 31);
    for (defines, expr) in LISTED {
        let (fused, plain) = both(defines, expr, &schema, &chunk);
        assert!(plain.is_err(), "{expr}");
        assert_eq!(fused, plain, "{expr}");
        let (mut reg, mut scope) = Registry::new(&schema);
        for (name, src) in *defines {
            let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
            reg.define(&mut scope, name, t);
        }
        let list = &expr[..1];
        let has = check(
            &parse(&format!("len({list}) > 0")).unwrap(),
            &schema,
            &reg,
            &scope,
        );
        let Val::Num(expr::Nums::Bool(keep)) = Evaluator::new(&chunk, &schema, &reg)
            .eval(&has.unwrap().node)
            .unwrap()
        else {
            panic!("not bools");
        };
        let kept = keep.iter().filter(|k| **k).count();
        assert!(kept > 1000 && kept < 3000, "{expr}: {kept}");
        let selected = chunk.filter(&keep);
        let (fused, plain) = both(defines, expr, &schema, &selected);
        assert!(plain.is_ok(), "{expr}: {plain:?}");
        assert_eq!(fused, plain, "{expr}");
    }
}

#[test]
fn events_with_exactly_one_combination_pick_it_as_unfused() {
    // One event in seven has exactly k jets (the fused search takes its one combination
    // without keys); pt 0 and negative masses give jets the approximate path refuses.
    for (k, defines, expr) in [
        (
            2,
            &[("t", "combinations(Jet, 2)")],
            "t[argmin(abs((t.0 + t.1).mass - 91.2))]",
        ),
        (
            3,
            &[("t", "combinations(Jet, 3)")],
            "t[argmin(abs((t.0 + t.1 + t.2).mass - 172.5))]",
        ),
    ] {
        let (schema, chunk) = sample(3000, k, 59);
        let (fused, plain) = both(defines, expr, &schema, &chunk);
        assert!(plain.is_ok(), "{expr}: {plain:?}");
        assert_eq!(fused, plain, "{expr}");
    }
}

#[test]
fn targets_halfway_between_two_masses_pick_as_unfused() {
    // The closest-mass searches decide most events on approximate four-vectors, without libm,
    // where the bounds make the winner certain (`columnar::mass_bounds`), and search with the
    // exact ones otherwise. A target halfway between the exact masses of an event's first two
    // tuples makes their keys equal to rounding: the approximate keys may order them either
    // way, and only the exact search may decide. For forty events, each target: the same
    // tuples as unfused in every event (a tolerance of 0 in the bounds fails this).
    let (schema, chunk) = sample(3000, 3, 43);
    // (defines, the list, its tuples' mass)
    type Form<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let forms: [Form; 3] = [
        (&[("t", "combinations(Jet, 2)")], "t", "(t.0 + t.1).mass"),
        (
            &[("t", "combinations(Jet, 3)")],
            "t",
            "(t.0 + t.1 + t.2).mass",
        ),
        (
            &[("p", "combinations(Jet, 2)"), ("s", "p[p.0.eta > -100]")],
            "s",
            "(s.0 + s.1).mass",
        ),
    ];
    let mut compared = 0;
    for (defines, list, mass) in forms {
        let (mut reg, mut scope) = Registry::new(&schema);
        for (name, src) in defines {
            let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
            reg.define(&mut scope, name, t);
        }
        let masses = check(&parse(mass).unwrap(), &schema, &reg, &scope).unwrap();
        let Val::List(off, expr::Nums::F64(m)) = Evaluator::new(&chunk, &schema, &reg)
            .eval(&masses.node)
            .unwrap()
        else {
            panic!("masses");
        };
        let mut targets = 0;
        for e in 0..off.len() - 1 {
            let (a, b) = (off[e] as usize, off[e] as usize + 1);
            if b >= off[e + 1] as usize || !(m[a] > 0.0 && m[b] > 0.0) || m[a] == m[b] {
                continue;
            }
            let c = (m[a] + m[b]) / 2.0;
            let expr = format!("{list}[argmin(abs({mass} - {c:e}))]");
            let (fused, plain) = both(defines, &expr, &schema, &chunk);
            let (Ok(Val::Tuple(_, f)), Ok(Val::Tuple(_, p))) = (&fused, &plain) else {
                panic!("{expr}: {fused:?} {plain:?}");
            };
            let differ = (0..p[0].len()).find(|&i| f.iter().zip(p).any(|(f, p)| f[i] != p[i]));
            assert_eq!(
                differ, None,
                "target from event {e}: {expr}: event picked otherwise"
            );
            compared += 1;
            targets += 1;
            if targets == 40 {
                break;
            }
        }
    }
    assert_eq!(compared, 120);
}

#[test]
fn transverse_properties_of_sums_equal_those_of_whole_sums() {
    // `pt`, `phi`, `px`, `py` of a sum of records with one record per event read only the
    // summed px and py, which are computed without sinh and cosh: the same bits as the property
    // of the whole four-vector sum (zero pt, negative masses and equal jets included).
    let (schema, chunk) = sample(3000, 3, 47);
    let (mut reg, mut scope) = Registry::new(&schema);
    for (name, src) in [
        ("t", "combinations(Jet, 3)"),
        ("b", "t[argmin(abs((t.0 + t.1 + t.2).mass - 172.5))]"),
    ] {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        reg.define(&mut scope, name, t);
    }
    for expr in [
        "(b.0 + b.1 + b.2).pt",
        "(b.2 + b.0).phi",
        "(b.1 + b.2 + b.0).px",
        "(b.0 + b.1).py",
        "(Jet[0] + Jet[2]).pt",
        "b.1.p4.phi",
    ] {
        let t = check(&parse(expr).unwrap(), &schema, &reg, &scope).unwrap();
        let Node::P4Prop { arg, prop } = &t.node else {
            panic!("{expr}: not a property of a four-vector");
        };
        // The whole sum evaluated first, in a fresh evaluator (all four components computed).
        let Val::P4(p) = Evaluator::new(&chunk, &schema, &reg).eval(arg).unwrap() else {
            panic!("{expr}: not one four-vector per event");
        };
        let whole: Vec<u64> = (0..p.px.len())
            .map(|i| columnar::fourvec::prop(&[p.px[i], p.py[i], p.pz[i], p.t[i]], p.coords, *prop))
            .map(f64::to_bits)
            .collect();
        let Val::Num(expr::Nums::F64(v)) =
            Evaluator::new(&chunk, &schema, &reg).eval(&t.node).unwrap()
        else {
            panic!("{expr}: not one number per event");
        };
        let fast: Vec<u64> = v.iter().map(|x| x.to_bits()).collect();
        assert_eq!(fast, whole, "{expr}");
    }
}

#[test]
fn fused_pair_filters_equal_the_masks() {
    // `combinations(C, 2)[record tests]` is walked pair by pair with the tests; it must give
    // the pairs the mask keeps, in the same order, events with fewer than two records included.
    let (schema, chunk) = with_leptons(sample(2000, 0, 37), 41);
    let defines: &[(&str, &str)] = &[
        ("l", "concat(Mu, El)"),
        ("p", "combinations(l, 2)"),
        ("m", "combinations(Mu, 2)"),
        ("good", "Mu[Mu.pt > 20]"),
        ("g", "combinations(good, 2)"),
    ];
    let (mut reg, mut scope) = Registry::new(&schema);
    for (name, src) in defines {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        reg.define(&mut scope, name, t);
    }
    for src in [
        "m[m.0.charge != m.1.charge]",
        "p[p.0.flavour == p.1.flavour && p.0.charge != p.1.charge]",
        "p[p.1.pt >= p.0.pt && p.0.charge == p.1.charge]",
        "p[p.0.eta <= p.0.phi]",
        "p[p.0.flavour < p.1.flavour]",
        "g[g.0.charge != g.1.charge && g.1.mass > g.0.mass]",
        "combinations(Jet, 2)[combinations(Jet, 2).0.btag < combinations(Jet, 2).1.btag]",
    ] {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        let Node::PairsWhere { list, mask, .. } = &t.node else {
            panic!("not fused: {src}");
        };
        let plain = Node::Mask {
            list: list.clone(),
            mask: mask.clone(),
            span: Default::default(),
        };
        let fused = Evaluator::new(&chunk, &schema, &reg).eval(&t.node).unwrap();
        let want = Evaluator::new(&chunk, &schema, &reg).eval(&plain).unwrap();
        assert_eq!(fused, want, "{src}");
        let (Val::Tuples(_, off, _), Val::Tuples(_, all, _)) = (
            &fused,
            &Evaluator::new(&chunk, &schema, &reg).eval(list).unwrap(),
        ) else {
            panic!("not tuples: {src}");
        };
        let (kept, pairs) = (off[off.len() - 1], all[all.len() - 1]);
        assert!(kept > 100 && kept < pairs, "{src}: {kept} of {pairs}");
    }
    for src in [
        "p[p.0.charge != p.1.charge || p.0.flavour == p.1.flavour]",
        "p[p.0.pt > 20]",
        "p[p.0.charge < p.1.pt]",
        "combinations(l, 3)[combinations(l, 3).0.charge != combinations(l, 3).1.charge]",
    ] {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        assert!(matches!(t.node, Node::Mask { .. }), "{src} was fused");
    }
}

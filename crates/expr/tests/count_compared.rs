//! `count`, `any` and `all` of a list column compared with a constant run in one pass, from the
//! batch's view of the branch where nothing was selected yet: the same answers as the
//! comparison and then the reduction, for every comparison, constant side, type and odd value
//! (NaN, infinities, −0, values equal to the constant), before and after cuts. And the column
//! read where the reader left it (`Evaluator::unread_column`, which they and histogram fills
//! read) is the evaluated column, or nothing.

mod common;

use std::rc::Rc;

use common::Rng;
use expr::{check, parse, BranchType, Chunk, Evaluator, Num, Nums, Registry, Schema, Val, View};
use rootio::Array;

/// The values a float field takes: the constants compared with, their neighbours, and the
/// odd ones.
const FLOATS: [f64; 12] = [
    40.0,
    40.000001,
    39.999999,
    25.0,
    -0.0,
    0.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e30,
    -3.5,
    0.1,
];

/// 300 events of 0–9 jets (pt: float, eta: double, id: int, tag: unsigned long long, flag:
/// short, widened on the way), as arrays of the whole file, and the schema.
fn arrays() -> (Schema, Vec<(String, Array)>) {
    let mut rng = Rng(0x5eed);
    let mut offsets = vec![0i64];
    let (mut pt, mut eta, mut id, mut tag, mut flag) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..300 {
        let n = (rng.next() * 10.0) as usize;
        for _ in 0..n {
            let pick = |r: f64| FLOATS[(r * FLOATS.len() as f64) as usize];
            let x = if rng.next() < 0.5 {
                pick(rng.next())
            } else {
                rng.next() * 80.0
            };
            pt.push(x as f32);
            eta.push(if rng.next() < 0.3 {
                pick(rng.next())
            } else {
                rng.next() * 5.0 - 2.5
            });
            id.push((rng.next() * 8.0) as i32 - 2);
            tag.push((rng.next() * 5.0) as u64);
            flag.push((rng.next() * 4.0) as i16);
        }
        offsets.push(pt.len() as i64);
    }
    let counts: Vec<u32> = offsets.windows(2).map(|w| (w[1] - w[0]) as u32).collect();
    let jag = |values: Array| Array::Jagged {
        offsets: offsets.clone().into(),
        values: Box::new(values),
    };
    let schema = Schema::from_branches([
        ("nJet".to_string(), BranchType::Scalar(Num::U32)),
        ("Jet_pt".to_string(), BranchType::List(Num::F32)),
        ("Jet_eta".to_string(), BranchType::List(Num::F64)),
        ("Jet_id".to_string(), BranchType::List(Num::I32)),
        ("Jet_tag".to_string(), BranchType::List(Num::U64)),
        ("Jet_flag".to_string(), BranchType::List(Num::I32)),
    ]);
    let arrays = vec![
        ("nJet".to_string(), Array::U32(counts)),
        ("Jet_pt".to_string(), jag(Array::F32(pt))),
        ("Jet_eta".to_string(), jag(Array::F64(eta))),
        ("Jet_id".to_string(), jag(Array::I32(id))),
        ("Jet_tag".to_string(), jag(Array::U64(tag))),
        ("Jet_flag".to_string(), jag(Array::I16(flag))),
    ];
    (schema, arrays)
}

/// Rows `start..stop` of the arrays as an event loop's batch: views of the read arrays.
fn batch(arrays: &[(String, Array)], start: usize, stop: usize) -> Chunk {
    let mut chunk = Chunk {
        entries: (start as u64..stop as u64).collect(),
        ..Default::default()
    };
    for (name, a) in arrays {
        chunk.views.insert(
            name.clone(),
            View {
                array: Rc::new(a.clone()),
                start,
                stop,
            },
        );
    }
    chunk
}

fn eval(chunk: &Chunk, schema: &Schema, src: &str) -> Result<Val, expr::ExprError> {
    let (reg, scope) = Registry::new(schema);
    let t = check(&parse(src)?, schema, &reg, &scope)?;
    Evaluator::new(chunk, schema, &reg).eval(&t.node)
}

/// Every reduction of every comparison of each field with constants of several types, on
/// either side.
fn expressions() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let comparisons = [
        ("Jet.pt", "40"),
        ("Jet.pt", "40.0"),
        ("Jet.pt", "40.000001f"),
        ("Jet.pt", "40.000001"),
        ("Jet.pt", "0.1"),
        ("Jet.pt", "-0.0"),
        ("Jet.pt", "1e30"),
        ("Jet.eta", "0.1"),
        ("Jet.eta", "-0.0"),
        ("Jet.eta", "2"),
        ("Jet.id", "1"),
        ("Jet.id", "-2"),
        ("Jet.tag", "3"),
        ("Jet.flag", "2"),
    ];
    for f in ["count", "any", "all"] {
        for (x, c) in comparisons {
            for op in ["==", "!=", "<", "<=", ">", ">="] {
                // The comparison's booleans compared with `true` take the general path.
                out.push((
                    format!("{f}({x} {op} {c})"),
                    format!("{f}(({x} {op} {c}) == true)"),
                ));
                out.push((
                    format!("{f}({c} {op} {x})"),
                    format!("{f}(({c} {op} {x}) == true)"),
                ));
            }
        }
    }
    out
}

#[test]
fn one_pass_reductions_equal_the_comparison_then_the_reduction() {
    let (schema, arrays) = arrays();
    // A batch that starts past the first event (its offsets start past 0), the whole file,
    // and the batch after cuts (a selection of its rows: the column is copied first).
    let whole = batch(&arrays, 0, 300);
    let part = batch(&arrays, 37, 251);
    let keep: Vec<bool> = (0..part.len()).map(|i| i % 3 != 1).collect();
    let cut = part.filter(&keep);
    let keep2: Vec<bool> = (0..cut.len()).map(|i| i % 5 != 0).collect();
    let cut2 = cut.filter(&keep2);
    // And the arrays as copied columns (not views).
    let mut columns = Chunk {
        entries: (0..300).collect(),
        ..Default::default()
    };
    columns.columns.extend(arrays.iter().cloned());
    let mut checked = 0;
    for chunk in [&whole, &part, &cut, &cut2, &columns] {
        for (fused, plain) in expressions() {
            let a = eval(chunk, &schema, &fused).unwrap_or_else(|e| panic!("{fused}: {e}"));
            let b = eval(chunk, &schema, &plain).unwrap_or_else(|e| panic!("{plain}: {e}"));
            assert_eq!(a, b, "{fused}");
            checked += 1;
        }
    }
    assert_eq!(checked, 5 * 3 * 12 * 14);
}

#[test]
fn counts_are_the_per_event_loops() {
    // Independent of the evaluator's other paths: the counts written out by hand.
    let (schema, arrays) = arrays();
    let part = batch(&arrays, 37, 251);
    let Array::Jagged { offsets, values } = &arrays[1].1 else {
        panic!()
    };
    let Array::F32(pt) = &**values else { panic!() };
    let expected: Vec<i64> = (37..251)
        .map(|e| {
            pt[offsets[e] as usize..offsets[e + 1] as usize]
                .iter()
                .filter(|&&x| x > 40.0)
                .count() as i64
        })
        .collect();
    assert!(expected.iter().any(|&n| n >= 2) && expected.contains(&0));
    let Val::Num(Nums::I64(counts)) = eval(&part, &schema, "count(Jet.pt > 40)").unwrap() else {
        panic!()
    };
    assert_eq!(counts, expected);
    let Val::Num(Nums::Bool(two)) = eval(&part, &schema, "count(Jet.pt > 40) >= 2").unwrap() else {
        panic!()
    };
    assert_eq!(two, expected.iter().map(|&n| n >= 2).collect::<Vec<_>>());
    // `all` of an empty list is true, `any` false.
    let Val::Num(Nums::Bool(all)) = eval(&part, &schema, "all(Jet.pt > 40)").unwrap() else {
        panic!()
    };
    let lens: Vec<i64> = (37..251).map(|e| offsets[e + 1] - offsets[e]).collect();
    assert_eq!(
        all,
        expected
            .iter()
            .zip(&lens)
            .map(|(n, l)| n == l)
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_field_of_other_lengths_is_the_same_error() {
    // Jet_pt's lists differ in length from the other fields' in one event (the same number of
    // values in all): the one-pass count refuses it with the general path's message.
    let (schema, arrays) = arrays_with_a_moved_list();
    let part = batch(&arrays, 0, 300);
    let fused = eval(&part, &schema, "count(Jet.pt > 40)").unwrap_err();
    let plain = eval(&part, &schema, "count((Jet.pt > 40) == true)").unwrap_err();
    assert_eq!(fused.to_string(), plain.to_string());
    assert!(
        fused.to_string().contains("different number of elements"),
        "{fused}"
    );
}

#[test]
fn unread_columns_are_the_evaluated_columns_or_nothing() {
    let (schema, arrays) = arrays();
    let (reg, scope) = Registry::new(&schema);
    let typed = |src: &str| check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
    let part = batch(&arrays, 37, 251);
    // A branch of one value per event, and fields of the whole collection.
    for src in ["nJet", "Jet.pt", "Jet.eta", "Jet.id"] {
        let t = typed(src);
        let ev = Evaluator::new(&part, &schema, &reg);
        let unread = ev.unread_column(&t.node).unwrap().expect(src);
        let read = |a: &Array| -> Val {
            let range = unread.range.clone();
            let nums = match a {
                Array::F32(v) => Nums::F32(v[range].to_vec()),
                Array::F64(v) => Nums::F64(v[range].to_vec()),
                Array::I32(v) => Nums::I32(v[range].to_vec()),
                Array::U32(v) => Nums::U32(v[range].to_vec()),
                other => panic!("{other:?}"),
            };
            match unread.offsets {
                Some(o) => Val::List(Rc::new(o.iter().map(|x| x - o[0]).collect()), nums),
                None => Val::Num(nums),
            }
        };
        let from_reader = read(unread.values);
        // A fresh evaluator (the one above now holds nothing else either).
        let evaluated = Evaluator::new(&part, &schema, &reg).eval(&t.node).unwrap();
        // Compared as text: NaN values are not equal to themselves.
        let same = format!("{from_reader:?}") == format!("{evaluated:?}");
        assert!(same, "{src}");
        assert!(
            unread.range.start > 0,
            "{src}: the batch starts past the first event"
        );
        // Once the batch has copied it, the copy is what is read.
        ev.eval_rc(&t.node).unwrap();
        assert!(ev.unread_column(&t.node).unwrap().is_none(), "{src}");
    }
    // After a cut (a selection of the rows), and for anything computed: nothing.
    let cut = part.filter(&(0..part.len()).map(|i| i % 2 == 0).collect::<Vec<_>>());
    let t = typed("Jet.pt");
    assert!(Evaluator::new(&cut, &schema, &reg)
        .unread_column(&t.node)
        .unwrap()
        .is_none());
    for src in [
        "Jet.pt * 2",
        "Jet[Jet.pt > 3].pt",
        "Jet.pt[0]",
        "abs(Jet.eta)",
    ] {
        let t = typed(src);
        let ev = Evaluator::new(&part, &schema, &reg);
        assert!(ev.unread_column(&t.node).unwrap().is_none(), "{src}");
    }
    // A field whose lengths differ from the collection's: the evaluation's error.
    let (schema, arrays) = arrays_with_a_moved_list();
    let (reg, scope) = Registry::new(&schema);
    let part = batch(&arrays, 0, 300);
    let t = check(&parse("Jet.pt").unwrap(), &schema, &reg, &scope).unwrap();
    let unread = Evaluator::new(&part, &schema, &reg)
        .unread_column(&t.node)
        .err()
        .expect("refused");
    let evaluated = Evaluator::new(&part, &schema, &reg)
        .eval(&t.node)
        .unwrap_err();
    assert_eq!(unread.to_string(), evaluated.to_string());
}

/// [`arrays`] with one value of `Jet_pt` moved to the previous event's list: its lists differ
/// in length from the other fields' (the same number of values in all).
fn arrays_with_a_moved_list() -> (Schema, Vec<(String, Array)>) {
    let (schema, mut arrays) = arrays();
    let Array::Jagged { offsets, values } = &arrays[1].1 else {
        panic!()
    };
    let mut moved = offsets.to_vec();
    let e = (1..moved.len() - 1)
        .find(|&e| moved[e] > moved[e - 1])
        .unwrap();
    moved[e] -= 1;
    arrays[1].1 = Array::Jagged {
        offsets: moved.into(),
        values: values.clone(),
    };
    (schema, arrays)
}

#[test]
fn a_selected_collections_fields_are_counted_in_one_pass_too() {
    // `count(jets.btagCSVV2 > 0.5)` of the AGC: a field of a collection selected by a define,
    // gathered (copied) first, then tested and counted in one pass.
    let (schema, arrays) = arrays();
    let part = batch(&arrays, 37, 251);
    let cut = part.filter(&(0..part.len()).map(|i| i % 4 != 1).collect::<Vec<_>>());
    let (mut reg, mut scope) = Registry::new(&schema);
    let t = check(&parse("Jet[Jet.pt > 25]").unwrap(), &schema, &reg, &scope).unwrap();
    reg.define(&mut scope, "jets", t);
    let mut checked = 0;
    for chunk in [&part, &cut] {
        for f in ["count", "any", "all"] {
            for (x, c) in [("jets.pt", "40"), ("jets.eta", "0.1"), ("jets.id", "1")] {
                for op in ["<", ">=", "!="] {
                    let fused = format!("{f}({x} {op} {c})");
                    let plain = format!("{f}(({x} {op} {c}) == true)");
                    let ev = |src: &str| {
                        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
                        Evaluator::new(chunk, &schema, &reg).eval(&t.node).unwrap()
                    };
                    assert_eq!(ev(&fused), ev(&plain), "{fused}");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 2 * 3 * 3 * 3);
}

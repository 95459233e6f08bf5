//! Before a cut, a comparison of a field with a literal, the values a mask keeps and the angles
//! of `min_delta_r` are read where the reader left them (`raw_field.rs`) instead of from a
//! copy of the batch's rows: every answer must be the one the copied columns give, for every
//! type (those a conversion widens take the usual way), odd values (NaN, ±∞, −0, values equal
//! to the constant) and a batch that starts inside the read arrays.

mod common;

use std::rc::Rc;

use common::Rng;
use expr::{check, parse, BranchType, Chunk, Evaluator, Num, Registry, Schema, Val, View};
use rootio::Array;

/// The values a float field takes besides random ones.
const FLOATS: [f64; 10] = [
    25.0,
    25.000002,
    -0.0,
    0.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1.0,
    -1.0,
    0.1,
];

/// 400 events of 0–7 jets (pt, eta, phi: float; mass: double; id: int; tag: unsigned long
/// long; flag: short) and 0–3 muons (pt, eta, phi: float), and the schema.
fn arrays() -> (Schema, Vec<(String, Array)>) {
    let mut rng = Rng(0xfeed);
    let mut float = |scale: f64, shift: f64| {
        if rng.next() < 0.3 {
            FLOATS[(rng.next() * FLOATS.len() as f64) as usize]
        } else {
            rng.next() * scale - shift
        }
    };
    let (mut jo, mut mo) = (vec![0i64], vec![0i64]);
    let (mut pt, mut eta, mut phi, mut mass) = (vec![], vec![], vec![], vec![]);
    let (mut id, mut tag, mut flag) = (vec![], vec![], vec![]);
    let (mut mpt, mut meta, mut mphi) = (vec![], vec![], vec![]);
    for e in 0..400usize {
        for j in 0..(e * 7 + e / 3) % 8 {
            pt.push(float(60.0, 0.0) as f32);
            eta.push(float(5.0, 2.5) as f32);
            phi.push(float(6.3, 3.15) as f32);
            mass.push(float(20.0, 0.0));
            id.push((j % 5) as i32 - 2);
            tag.push((j % 3) as u64);
            flag.push((j % 4) as i16);
        }
        for _ in 0..(e * 5 + 1) % 4 {
            mpt.push(float(40.0, 0.0) as f32);
            meta.push(float(5.0, 2.5) as f32);
            mphi.push(float(6.3, 3.15) as f32);
        }
        jo.push(pt.len() as i64);
        mo.push(mpt.len() as i64);
    }
    let jag = |offsets: &[i64], values: Array| Array::Jagged {
        offsets: offsets.to_vec().into(),
        values: Box::new(values),
    };
    let counts = |o: &[i64]| Array::U32(o.windows(2).map(|w| (w[1] - w[0]) as u32).collect());
    let schema = Schema::from_branches([
        ("nJet".to_string(), BranchType::Scalar(Num::U32)),
        ("Jet_pt".to_string(), BranchType::List(Num::F32)),
        ("Jet_eta".to_string(), BranchType::List(Num::F32)),
        ("Jet_phi".to_string(), BranchType::List(Num::F32)),
        ("Jet_mass".to_string(), BranchType::List(Num::F64)),
        ("Jet_id".to_string(), BranchType::List(Num::I32)),
        ("Jet_tag".to_string(), BranchType::List(Num::U64)),
        ("Jet_flag".to_string(), BranchType::List(Num::I32)),
        ("nMuon".to_string(), BranchType::Scalar(Num::U32)),
        ("Muon_pt".to_string(), BranchType::List(Num::F32)),
        ("Muon_eta".to_string(), BranchType::List(Num::F32)),
        ("Muon_phi".to_string(), BranchType::List(Num::F32)),
    ]);
    let arrays = vec![
        ("nJet".to_string(), counts(&jo)),
        ("Jet_pt".to_string(), jag(&jo, Array::F32(pt))),
        ("Jet_eta".to_string(), jag(&jo, Array::F32(eta))),
        ("Jet_phi".to_string(), jag(&jo, Array::F32(phi))),
        ("Jet_mass".to_string(), jag(&jo, Array::F64(mass))),
        ("Jet_id".to_string(), jag(&jo, Array::I32(id))),
        ("Jet_tag".to_string(), jag(&jo, Array::U64(tag))),
        ("Jet_flag".to_string(), jag(&jo, Array::I16(flag))),
        ("nMuon".to_string(), counts(&mo)),
        ("Muon_pt".to_string(), jag(&mo, Array::F32(mpt))),
        ("Muon_eta".to_string(), jag(&mo, Array::F32(meta))),
        ("Muon_phi".to_string(), jag(&mo, Array::F32(mphi))),
    ];
    (schema, arrays)
}

/// Rows `start..stop` as an event loop's batch: views of the read arrays.
fn viewed(arrays: &[(String, Array)], start: usize, stop: usize) -> Chunk {
    let mut chunk = Chunk {
        entries: (start as u64..stop as u64).collect(),
        ..Default::default()
    };
    for (name, a) in arrays {
        let array = Rc::new(a.clone());
        chunk
            .views
            .insert(name.clone(), View { array, start, stop });
    }
    chunk
}

/// The same rows as copied columns.
fn copied(arrays: &[(String, Array)], start: usize, stop: usize) -> Chunk {
    let mut chunk = Chunk {
        entries: (start as u64..stop as u64).collect(),
        ..Default::default()
    };
    for (name, a) in arrays {
        chunk.columns.insert(name.clone(), a.slice(start, stop));
    }
    chunk
}

/// The value of `src`, written out (`{:?}` tells NaN, −0 and the number types apart).
fn eval(chunk: &Chunk, schema: &Schema, src: &str) -> String {
    let (reg, scope) = Registry::new(schema);
    let t = check(&parse(src).unwrap(), schema, &reg, &scope).unwrap();
    let v: Val = Evaluator::new(chunk, schema, &reg).eval(&t.node).unwrap();
    format!("{v:?}")
}

#[test]
fn read_in_place_equals_the_copied_columns() {
    let (schema, arrays) = arrays();
    let mut expressions = Vec::new();
    for (field, constants) in [
        (
            "Jet.pt",
            &["25", "25.0", "25.000002f", "-0.0f", "0", "1e30"][..],
        ),
        ("Jet.eta", &["1", "1.0f", "-0.0f", "0.1f"][..]),
        ("Jet.mass", &["10", "0.1", "-0.0"][..]),
        ("Jet.id", &["0", "-2"][..]),
        ("Jet.flag", &["1"][..]),
    ] {
        for c in constants {
            for op in ["==", "!=", "<", "<=", ">", ">="] {
                expressions.push(format!("{field} {op} {c}"));
                expressions.push(format!("abs({field}) {op} {c}"));
            }
        }
    }
    for values in ["pt", "eta", "mass", "id", "tag", "flag"] {
        for mask in [
            "Jet.pt > 25",
            "abs(Jet.eta) < 1.0f",
            "Jet.id >= 0",
            "Jet.mass > Jet.pt",
        ] {
            expressions.push(format!("Jet.{values}[{mask}]"));
        }
    }
    expressions.extend(
        [
            "min_delta_r(Jet, Muon)",
            "min_delta_r(Jet[Jet.pt > 25], Muon[Muon.pt > 10])",
            "min_delta_r(Muon, Jet[abs(Jet.eta) < 1.0f])",
        ]
        .map(String::from),
    );
    for (start, stop) in [(0, 400), (37, 251), (399, 400), (120, 120)] {
        let (raw, plain) = (viewed(&arrays, start, stop), copied(&arrays, start, stop));
        for src in &expressions {
            assert_eq!(
                eval(&raw, &schema, src),
                eval(&plain, &schema, src),
                "{src} on rows {start}..{stop}"
            );
        }
    }
}

/// A field whose lists differ in length from the other fields of its collection: read in
/// place or from copies, the same error naming it where an expression reads both, the same
/// answer where it reads that field alone.
#[test]
fn a_field_of_other_lengths_is_the_same_error() {
    let (schema, mut arrays) = arrays();
    let Some((_, Array::Jagged { values, .. })) = arrays.iter().find(|(n, _)| n == "Jet_eta")
    else {
        panic!("Jet_eta")
    };
    let values = values.clone();
    let n = values.len() as i64;
    let shifted: Vec<i64> = (0..=400i64).map(|e| e * n / 400).collect();
    let eta = Array::Jagged {
        offsets: shifted.into(),
        values,
    };
    arrays.retain(|(n, _)| n != "Jet_eta");
    arrays.push(("Jet_eta".to_string(), eta));
    let (reg, scope) = Registry::new(&schema);
    let outcome = |chunk: &Chunk, src: &str| {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        match Evaluator::new(chunk, &schema, &reg).eval(&t.node) {
            Ok(v) => format!("{v:?}"),
            Err(e) => e.to_string(),
        }
    };
    let (raw, plain) = (viewed(&arrays, 10, 300), copied(&arrays, 10, 300));
    for src in [
        "Jet.eta > 1",
        "abs(Jet.eta) < 1.0f",
        "Jet.eta[Jet.pt > 25]",
        "Jet.pt[Jet.eta > 1]",
        "Jet.pt[abs(Jet.eta) < 1.0f]",
        "min_delta_r(Jet, Muon)",
    ] {
        let got = outcome(&raw, src);
        assert_eq!(got, outcome(&plain, src), "{src}");
        if src.contains("pt") || src.contains("min_delta_r") {
            assert!(
                got.contains("has a different number of elements than the other fields of Jet"),
                "{src}: {got}"
            );
        }
    }
}

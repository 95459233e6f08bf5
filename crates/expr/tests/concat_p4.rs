//! Four-vectors of a concatenation (`concat(Muon, Electron)`) equal those built record by
//! record from its fields, which the evaluator gathers through the concatenation's map.

mod common;

use common::Rng;
use expr::{check, parse, BranchType, Chunk, Evaluator, Num, Nums, Registry, Schema, Val};
use rootio::Array;

/// Events with 0–3 muons and 0–4 electrons (pt, eta, phi, mass as floats).
fn sample(events: usize) -> (Schema, Chunk) {
    let mut rng = Rng(0xc0ffee);
    let mut branches = Vec::new();
    let mut chunk = Chunk {
        entries: (0..events as u64).collect(),
        ..Default::default()
    };
    for (coll, most) in [("Muon", 3), ("Electron", 4)] {
        branches.push((format!("n{coll}"), BranchType::Scalar(Num::U32)));
        let mut offsets = vec![0i64];
        let mut cols: Vec<Vec<f32>> = vec![Vec::new(); 4];
        for _ in 0..events {
            for _ in 0..(rng.next() * (most + 1) as f64) as usize {
                cols[0].push((5.0 + 60.0 * rng.next()) as f32);
                cols[1].push((-2.5 + 5.0 * rng.next()) as f32);
                cols[2].push((-3.2 + 6.4 * rng.next()) as f32);
                cols[3].push((0.5 * rng.next()) as f32);
            }
            offsets.push(cols[0].len() as i64);
        }
        let names = ["pt", "eta", "phi", "mass"];
        for f in names {
            branches.push((format!("{coll}_{f}"), BranchType::List(Num::F32)));
        }
        let columns = names.iter().zip(cols).map(|(f, c)| (*f, Array::F32(c)));
        common::insert_collection(&mut chunk, coll, &offsets, columns.collect());
    }
    (Schema::from_branches(branches), chunk)
}

#[test]
fn four_vectors_of_a_concatenation_equal_those_of_its_records() {
    let (schema, chunk) = sample(2000);
    let (reg, scope) = Registry::new(&schema);
    let ev = Evaluator::new(&chunk, &schema, &reg);
    let eval = |src: &str| -> Vec<f64> {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        match ev.eval(&t.node).unwrap() {
            Val::List(_, Nums::F64(v)) => v,
            Val::List(_, Nums::F32(v)) => v.into_iter().map(f64::from).collect(),
            other => panic!("{src}: {other:?}"),
        }
    };
    let field = |f: &str| eval(&format!("concat(Muon, Electron).{f}"));
    let (pt, eta, phi, m) = (field("pt"), field("eta"), field("phi"), field("mass"));
    let want: Vec<[f64; 4]> = (0..pt.len())
        .map(|i| {
            columnar::fourvec::from_pt_eta_phi_m(
                pt[i],
                eta[i],
                phi[i],
                m[i],
                columnar::fourvec::Coords::PxPyPzE,
            )
        })
        .collect();
    assert!(want.len() > 1000);
    for (k, prop) in ["px", "py", "pz", "e"].iter().enumerate() {
        let got = eval(&format!("concat(Muon, Electron).p4.{prop}"));
        assert_eq!(got.len(), want.len(), "{prop}");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.to_bits(), w[k].to_bits(), "{prop} of record {i}");
        }
    }
}

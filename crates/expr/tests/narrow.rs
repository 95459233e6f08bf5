//! Defines computed before a cut and narrowed to the kept events equal defines computed on the
//! kept events, for every kind of value (numbers, lists, records, selected and reordered
//! collections, concatenations, tuples, four-vectors).

use expr::{check, parse, BranchType, Chunk, Evaluator, Num, Registry, Schema};
use rootio::Array;

mod common;
use common::Rng;

/// Events with 3–7 jets and 0–3 muons and electrons (pt, eta, phi, mass; charge for leptons).
fn sample(events: usize, seed: u64) -> (Schema, Chunk) {
    let mut rng = Rng(seed | 1);
    let mut branches = Vec::new();
    let mut chunk = Chunk {
        entries: (0..events as u64).collect(),
        ..Default::default()
    };
    for (coll, lo, hi) in [("Jet", 3, 7), ("Muon", 0, 3), ("Electron", 0, 3)] {
        branches.push((format!("n{coll}"), BranchType::Scalar(Num::U32)));
        let fields = ["pt", "eta", "phi", "mass"];
        let mut offsets = vec![0i64];
        let mut cols: Vec<Vec<f32>> = vec![Vec::new(); fields.len()];
        let mut charge = Vec::new();
        for _ in 0..events {
            let n = lo + (rng.next() * (hi - lo + 1) as f64) as usize;
            for _ in 0..n {
                cols[0].push((10.0 + 90.0 * rng.next()) as f32);
                cols[1].push((-2.5 + 5.0 * rng.next()) as f32);
                cols[2].push((-3.1 + 6.2 * rng.next()) as f32);
                cols[3].push((5.0 * rng.next()) as f32);
                charge.push(if rng.next() < 0.5 { -1 } else { 1 });
            }
            offsets.push(cols[0].len() as i64);
        }
        let counts = offsets.windows(2).map(|w| (w[1] - w[0]) as u32).collect();
        chunk.columns.insert(format!("n{coll}"), Array::U32(counts));
        for (f, col) in fields.iter().zip(cols) {
            branches.push((format!("{coll}_{f}"), BranchType::List(Num::F32)));
            chunk.columns.insert(
                format!("{coll}_{f}"),
                Array::Jagged {
                    offsets: offsets.clone().into(),
                    values: Box::new(Array::F32(col)),
                },
            );
        }
        branches.push((format!("{coll}_charge"), BranchType::List(Num::I32)));
        chunk.columns.insert(
            format!("{coll}_charge"),
            Array::Jagged {
                offsets: offsets.into(),
                values: Box::new(Array::I32(charge)),
            },
        );
    }
    (Schema::from_branches(branches), chunk)
}

const DEFINES: &[(&str, &str)] = &[
    ("twice", "Jet.pt * 2"),
    ("n", "nJet + nMuon"),
    ("good", "Jet[Jet.pt > 40]"),
    ("good_pt", "good.pt"),
    ("by_eta", "Jet[argsort(Jet.eta)]"),
    ("pairs", "combinations(good, 2)"),
    ("leptons", "concat(Muon, Electron)"),
    ("lepton_pairs", "combinations(leptons, 2)"),
    ("hard_leptons", "leptons[leptons.pt > 30]"),
    ("sfos", "lepton_pairs[lepton_pairs.0.flavour == lepton_pairs.1.flavour && lepton_pairs.0.charge != lepton_pairs.1.charge]"),
    ("second", "by_eta[1]"),
    ("trijets", "combinations(Jet, 3)"),
    ("best", "trijets[argmin(abs((trijets.0 + trijets.1 + trijets.2).mass - 172.5))]"),
    ("first_pair", "combinations(Jet, 2)[0]"),
    ("dijet", "Jet[0] + Jet[1]"),
    ("pair_p4", "pairs.0 + pairs.1"),
    ("hard_sum", "sum(hard_leptons)"),
];

#[test]
fn narrowed_defines_equal_defines_computed_after_the_cut() {
    let (schema, chunk) = sample(2000, 11);
    let (mut reg, mut scope) = Registry::new(&schema);
    let mut ids = Vec::new();
    for (name, src) in DEFINES {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope)
            .unwrap_or_else(|e| panic!("{name}: {}", e.message));
        ids.push(reg.define(&mut scope, name, t));
    }
    let mut rng = Rng(99);
    for fraction in [0.0, 0.3, 0.9, 1.0] {
        let keep: Vec<bool> = (0..chunk.len()).map(|_| rng.next() < fraction).collect();
        let parent = Evaluator::new(&chunk, &schema, &reg);
        for &id in &ids {
            parent.define(id).unwrap();
        }
        let sub = chunk.filter(&keep);
        let below = Evaluator::new(&sub, &schema, &reg).below(&parent, &keep);
        let fresh = Evaluator::new(&sub, &schema, &reg);
        for (&id, (name, _)) in ids.iter().zip(DEFINES) {
            let a = below.define(id).unwrap();
            let b = fresh.define(id).unwrap();
            assert_eq!(*a, *b, "{name}, {fraction} kept");
        }
        // Two cuts: narrowed from a narrowed evaluator.
        let keep2: Vec<bool> = (0..sub.len()).map(|_| rng.next() < 0.5).collect();
        let sub2 = sub.filter(&keep2);
        let below2 = Evaluator::new(&sub2, &schema, &reg).below(&below, &keep2);
        let fresh2 = Evaluator::new(&sub2, &schema, &reg);
        for (&id, (name, _)) in ids.iter().zip(DEFINES).rev() {
            assert_eq!(
                *below2.define(id).unwrap(),
                *fresh2.define(id).unwrap(),
                "{name}"
            );
        }
    }
}

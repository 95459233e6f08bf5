//! `min_delta_r(a, b)`: for each record of `a`, the smallest ΔR to a record of `b` in its
//! event (∞ with none; a NaN ΔR is never the smallest). The evaluator takes shortcuts for
//! events with no or one partner; every event must give what the plain double loop gives.

use expr::{check, parse, BranchType, Chunk, Evaluator, Num, Nums, Registry, Schema, Val};
use rootio::Array;

mod common;
use common::Rng;

/// A collection's offsets, eta and phi.
type Records = (Vec<i64>, Vec<f32>, Vec<f32>);

/// Jets (0–5 per event) and muons (0–3), eta and phi as floats; a few NaN and ±∞ values.
fn sample(events: usize) -> (Schema, Chunk, [Records; 2]) {
    let mut rng = Rng(0x5eed);
    let mut schema = Vec::new();
    let mut chunk = Chunk {
        entries: (0..events as u64).collect(),
        ..Default::default()
    };
    let mut out: Vec<Records> = Vec::new();
    for (coll, most) in [("Jet", 5), ("Muon", 3)] {
        let (mut off, mut eta, mut phi) = (vec![0i64], Vec::new(), Vec::new());
        for _ in 0..events {
            let n = (rng.next() * (most + 1) as f64) as usize;
            for _ in 0..n {
                let odd = rng.next();
                let e = (-3.0 + 6.0 * rng.next()) as f32;
                eta.push(match odd {
                    x if x < 0.01 => f32::NAN,
                    x if x < 0.015 => f32::INFINITY,
                    _ => e,
                });
                phi.push(if odd > 0.99 {
                    f32::NAN
                } else {
                    (-7.0 + 14.0 * rng.next()) as f32
                });
            }
            off.push(eta.len() as i64);
        }
        schema.push((format!("n{coll}"), BranchType::Scalar(Num::U32)));
        for f in ["eta", "phi"] {
            schema.push((format!("{coll}_{f}"), BranchType::List(Num::F32)));
        }
        let columns = vec![
            ("eta", Array::F32(eta.clone())),
            ("phi", Array::F32(phi.clone())),
        ];
        common::insert_collection(&mut chunk, coll, &off, columns);
        out.push((off, eta, phi));
    }
    let [jets, muons]: [_; 2] = out.try_into().unwrap();
    (Schema::from_branches(schema), chunk, [jets, muons])
}

/// `src` evaluated on `chunk`: a list of floats (its offsets and values).
fn floats(schema: &Schema, chunk: &Chunk, src: &str) -> (Vec<i64>, Vec<f32>) {
    let (reg, scope) = Registry::new(schema);
    let t = check(&parse(src).unwrap(), schema, &reg, &scope).unwrap();
    match Evaluator::new(chunk, schema, &reg).eval(&t.node).unwrap() {
        Val::List(off, Nums::F32(got)) => (off.to_vec(), got),
        other => panic!("{src}: not a list of floats: {other:?}"),
    }
}

#[test]
fn the_smallest_delta_r_as_the_double_loop_gives() {
    let (schema, chunk, [(jo, je, jp), (mo, me, mp)]) = sample(20_000);
    let (off, got) = floats(&schema, &chunk, "min_delta_r(Jet, Muon)");
    assert_eq!(off, jo);
    let mut want = Vec::new();
    for e in 0..jo.len() - 1 {
        for j in jo[e] as usize..jo[e + 1] as usize {
            let mut best = f32::INFINITY;
            for m in mo[e] as usize..mo[e + 1] as usize {
                let d = columnar::angles::delta_r2_f32(je[j], me[m], jp[j], mp[m]);
                if d < best {
                    best = d;
                }
            }
            want.push(best.sqrt());
        }
    }
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g.to_bits(), w.to_bits(), "jet {i}: {g} against {w}");
    }
    // The sample has every case: jets with no muon, with one, with several.
    let muons = |e: usize| mo[e + 1] - mo[e];
    let with_jets = (0..jo.len() - 1).filter(|&e| jo[e + 1] > jo[e]);
    for n in [0, 1, 2, 3] {
        assert!(with_jets.clone().any(|e| muons(e) == n), "{n} muons");
    }
}

/// Records a cut kept, on both sides (`Jet[…]` against `Muon[…]`): the kernel reads their angles
/// through the records' numbers where the collections hold them; the answer is the double loop's
/// over the kept records.
#[test]
fn records_a_cut_kept_as_the_double_loop_over_them_gives() {
    let (schema, chunk, [(jo, je, jp), (mo, me, mp)]) = sample(20_000);
    let (off, got) = floats(
        &schema,
        &chunk,
        "min_delta_r(Jet[Jet.eta > 0.5], Muon[Muon.phi < 1])",
    );
    let (mut want, mut want_off) = (Vec::new(), vec![0i64]);
    for e in 0..jo.len() - 1 {
        for j in (jo[e] as usize..jo[e + 1] as usize).filter(|&j| je[j] > 0.5) {
            let mut best = f32::INFINITY;
            for m in (mo[e] as usize..mo[e + 1] as usize).filter(|&m| mp[m] < 1.0) {
                let d = columnar::angles::delta_r2_f32(je[j], me[m], jp[j], mp[m]);
                if d < best {
                    best = d;
                }
            }
            want.push(best.sqrt());
        }
        want_off.push(want.len() as i64);
    }
    assert_eq!(off, want_off);
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g.to_bits(), w.to_bits(), "kept jet {i}: {g} against {w}");
    }
    // Some kept jets have a kept muon, some do not.
    assert!(got.iter().any(|x| x.is_finite()) && got.contains(&f32::INFINITY));
}

//! The fields of a concatenation (`concat(Muon, Electron)`) are each event's muons' values then
//! its electrons', and its four-vectors equal those built record by record from its fields.

mod common;

use common::Rng;
use expr::{check, parse, BranchType, Chunk, Evaluator, Num, Nums, Registry, Schema, Val};
use rootio::Array;

/// Events with 0–3 muons, 0–4 electrons and 0–11 taus (pt, eta, phi, mass as floats; taus
/// have lists longer than the 8 values a short list's copy moves at once).
fn sample(events: usize) -> (Schema, Chunk) {
    let mut rng = Rng(0xc0ffee);
    let mut branches = Vec::new();
    let mut chunk = Chunk {
        entries: (0..events as u64).collect(),
        ..Default::default()
    };
    for (coll, most) in [("Muon", 3), ("Electron", 4), ("Tau", 11)] {
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
        // `dxy`: a float for muons, a double for electrons (read through their common type).
        let dxy: Vec<f64> = cols[0]
            .iter()
            .map(|pt| f64::from(*pt) * 1e-3 + 1e-9)
            .collect();
        let mut columns: Vec<(&str, Array)> = names
            .iter()
            .zip(cols)
            .map(|(f, c)| (*f, Array::F32(c)))
            .collect();
        if coll != "Electron" {
            branches.push((format!("{coll}_dxy"), BranchType::List(Num::F32)));
            columns.push(("dxy", Array::F32(dxy.iter().map(|x| *x as f32).collect())));
        } else {
            branches.push(("Electron_dxy".into(), BranchType::List(Num::F64)));
            columns.push(("dxy", Array::F64(dxy)));
        }
        common::insert_collection(&mut chunk, coll, &offsets, columns);
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
    for parts in ["Muon, Electron", "Muon, Electron, Tau", "Tau, Muon"] {
        let field = |f: &str| eval(&format!("concat({parts}).{f}"));
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
            let got = eval(&format!("concat({parts}).p4.{prop}"));
            assert_eq!(got.len(), want.len(), "{parts}: {prop}");
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g.to_bits(), w[k].to_bits(), "{parts}: {prop} of record {i}");
            }
        }
    }
}

/// The values of a list column of the chunk, by event.
fn by_event(chunk: &Chunk, name: &str) -> Vec<Vec<f64>> {
    let Some(Array::Jagged { offsets, values }) = chunk.columns.get(name) else {
        panic!("no list {name}");
    };
    let values: Vec<f64> = match &**values {
        Array::F32(v) => v.iter().map(|x| f64::from(*x)).collect(),
        Array::F64(v) => v.clone(),
        other => panic!("{name}: {other:?}"),
    };
    offsets
        .windows(2)
        .map(|w| values[w[0] as usize..w[1] as usize].to_vec())
        .collect()
}

#[test]
fn fields_of_a_concatenation_are_each_events_records_part_by_part() {
    let (schema, chunk) = sample(2000);
    let (reg, scope) = Registry::new(&schema);
    let ev = Evaluator::new(&chunk, &schema, &reg);
    let eval = |src: &str| -> Val {
        let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
        ev.eval(&t.node).unwrap()
    };
    for (parts, field, num) in [
        (&["Muon", "Electron"][..], "pt", Num::F32),
        (&["Muon", "Electron"][..], "dxy", Num::F64),
        (&["Muon", "Electron", "Tau"][..], "pt", Num::F32),
        (&["Tau", "Electron", "Muon"][..], "dxy", Num::F64),
    ] {
        let lists: Vec<Vec<Vec<f64>>> = parts
            .iter()
            .map(|c| by_event(&chunk, &format!("{c}_{field}")))
            .collect();
        let want: Vec<Vec<f64>> = (0..lists[0].len())
            .map(|e| lists.iter().flat_map(|l| l[e].iter().copied()).collect())
            .collect();
        let c = format!("concat({})", parts.join(", "));
        // Every record, and each record's predecessor in its event (missing for the first).
        let all = eval(&format!("{c}.{field}"));
        let before = eval(&format!("{c}[{c}.index - 1].{field}"));
        for (v, shifted) in [(all, false), (before, true)] {
            let Val::List(off, values) = v else {
                panic!("{field}: not a list");
            };
            assert_eq!(values.num(), num, "{c}.{field}");
            let values = values.to_f64();
            let got: Vec<Vec<f64>> = off
                .windows(2)
                .map(|w| values[w[0] as usize..w[1] as usize].to_vec())
                .collect();
            let want: Vec<Vec<f64>> = if shifted {
                want.iter()
                    .map(|w| {
                        (0..w.len())
                            .map(|k| if k == 0 { f64::NAN } else { w[k - 1] })
                            .collect()
                    })
                    .collect()
            } else {
                want.clone()
            };
            let bits = |v: &Vec<Vec<f64>>| -> Vec<Vec<u64>> {
                v.iter()
                    .map(|e| e.iter().map(|x| x.to_bits()).collect())
                    .collect()
            };
            assert_eq!(bits(&got), bits(&want), "{c}.{field} shifted={shifted}");
        }
    }
}

/// The event loop hands the evaluator views of the read arrays, narrowed by cuts; four-vectors
/// then take their inputs straight from the views in double precision. They equal those of
/// the same events copied into columns — with the fields in single precision, with one
/// part's mass in double precision (the parts then go through their common type), and with one
/// field's read array laid out differently (offsets from 7, not shared with its collection's
/// other fields: the four fields are then not joined together but one by one).
#[test]
fn four_vectors_of_narrowed_views_equal_those_of_copied_columns() {
    let (_, base) = sample(3000);
    for (mixed, shifted) in [(false, false), (true, false), (false, true)] {
        let mut columns = base.columns.clone();
        let mut branches = Vec::new();
        for (name, a) in columns.iter_mut() {
            if shifted && name == "Electron_eta" {
                if let Array::Jagged { offsets, values } = a {
                    let moved: Vec<i64> = offsets.iter().map(|o| o + 7).collect();
                    *offsets = moved.into();
                    if let Array::F32(v) = &mut **values {
                        v.splice(0..0, [99.0f32; 7]);
                    }
                }
            }
            let num = match a {
                Array::Jagged { values, .. } => {
                    if mixed && name == "Electron_mass" {
                        if let Array::F32(v) = &**values {
                            **values = Array::F64(v.iter().map(|x| f64::from(*x)).collect());
                        }
                    }
                    match **values {
                        Array::F64(_) => Num::F64,
                        _ => Num::F32,
                    }
                }
                _ => Num::U32,
            };
            let ty = if name.starts_with('n') {
                BranchType::Scalar(num)
            } else {
                BranchType::List(num)
            };
            branches.push((name.clone(), ty));
        }
        let schema = Schema::from_branches(branches);
        let (start, stop) = (100, 2900);
        let mut viewed = Chunk {
            entries: (start as u64..stop as u64).collect(),
            ..Default::default()
        };
        let mut copied = viewed.clone();
        for (name, a) in &columns {
            copied.columns.insert(name.clone(), a.slice(start, stop));
            viewed.views.insert(
                name.clone(),
                expr::View {
                    array: std::rc::Rc::new(a.clone()),
                    start,
                    stop,
                },
            );
        }
        // The whole batch (no selection of rows), after a cut, and after two.
        let keep: Vec<bool> = (0..stop - start).map(|i| i % 3 != 1).collect();
        let (viewed_cut, copied_cut) = (viewed.filter(&keep), copied.filter(&keep));
        let keep2: Vec<bool> = (0..viewed_cut.len()).map(|i| i % 5 < 2).collect();
        let (viewed_cut2, copied_cut2) = (viewed_cut.filter(&keep2), copied_cut.filter(&keep2));
        let (reg, scope) = Registry::new(&schema);
        let eval = |chunk: &Chunk, src: &str| -> Vec<u64> {
            let ev = Evaluator::new(chunk, &schema, &reg);
            let t = check(&parse(src).unwrap(), &schema, &reg, &scope).unwrap();
            match ev.eval(&t.node).unwrap() {
                Val::List(_, n) => n.to_f64().iter().map(|x| x.to_bits()).collect(),
                other => panic!("{src}: {other:?}"),
            }
        };
        for (viewed, copied) in [
            (&viewed, &copied),
            (&viewed_cut, &copied_cut),
            (&viewed_cut2, &copied_cut2),
        ] {
            // Taus have lists longer than the 8 values a short list's copy moves at once.
            for coll in [
                "Muon",
                "Electron",
                "concat(Muon, Electron)",
                "concat(Tau, Muon, Electron)",
            ] {
                // Fields and four-vector components; the collection's offsets come from a view
                // before any field of it is converted.
                for prop in ["pt", "mass", "p4.px", "p4.py", "p4.pz", "p4.e", "p4.mass"] {
                    let src = format!("{coll}.{prop}");
                    let got = eval(viewed, &src);
                    assert!(got.len() > 500, "{src}");
                    assert_eq!(
                        got,
                        eval(copied, &src),
                        "{src}, mixed {mixed}, shifted {shifted}"
                    );
                }
            }
        }
    }
}

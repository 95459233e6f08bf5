//! The Rust API: RDataFrame-style booking of filters, defines, histograms, counts, sums, means
//! and takes, computed in one pass.

use engine::{run, Analysis, RunOptions, Stat};

fn sample() -> String {
    format!(
        "{}/../../examples/data/nano_10k.root",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn counts_sums_means_and_takes() {
    let a = Analysis::new("Events")
        .input([sample()])
        .count("all")
        .sum("sum_met", "MET_pt")
        .filter("len(Muon) == 2", "two muons")
        .define("mass", "(Muon[0] + Muon[1]).mass")
        .count("two")
        .mean("mean_mass", "mass")
        .take("masses", "mass")
        .histo1d("m", "mass", 100, 0.0, 200.0);
    let r = run(
        &a,
        &RunOptions {
            threads: 2,
            chunk_entries: 1000,
            progress: None,
            ..Default::default()
        },
    )
    .unwrap();
    let get = |n: &str| {
        r.stats
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("all"), Stat::Count(10_000));
    let Stat::Count(two) = get("two") else {
        panic!()
    };
    assert_eq!(two, r.cutflow().cuts[0].passed);
    let Stat::Take(masses) = get("masses") else {
        panic!()
    };
    assert_eq!(masses.len() as u64, two);
    let Stat::Mean(mean) = get("mean_mass") else {
        panic!()
    };
    let Some(engine::TakenValues::Float64(values)) = &masses.values else {
        panic!("{masses:?}")
    };
    assert_eq!(masses.offsets, None);
    let want = values.iter().sum::<f64>() / values.len() as f64;
    assert!((mean - want).abs() < 1e-9 * want.abs(), "{mean} vs {want}");
    let Stat::Sum(s) = get("sum_met") else {
        panic!()
    };
    assert!(s > 0.0);
    // Takes come back in entry order whatever the threads and chunking.
    let r1 = run(
        &a,
        &RunOptions {
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        r1.stats.iter().find(|(k, _)| k == "masses").unwrap().1,
        Stat::Take(masses)
    );
    assert_eq!(r1.histograms[0].values(true), r.histograms[0].values(true));
}

#[test]
fn takes_keep_their_type_and_event_lists() {
    let a = Analysis::new("Events")
        .input([sample()])
        .filter("len(Muon) >= 1", "a muon")
        .take("events", "event")
        .take("pts", "Muon.pt")
        .take("tight", "Muon.pt > 20");
    let r = run(&a, &RunOptions::default()).unwrap();
    let get = |n: &str| match &r.stats.iter().find(|(k, _)| k == n).unwrap().1 {
        Stat::Take(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    let events = get("events");
    assert!(matches!(
        events.values,
        Some(engine::TakenValues::UInt64(_))
    ));
    let pts = get("pts");
    let n = r.cutflow().cuts[0].passed as usize;
    assert_eq!(pts.offsets.as_ref().map(Vec::len), Some(n + 1));
    assert!(matches!(pts.values, Some(engine::TakenValues::Float32(_))));
    assert!(matches!(
        get("tight").values,
        Some(engine::TakenValues::Bool(_))
    ));
}

/// `delta_r(Jet[0], Jet[1])` of records whose eta and phi are float columns is computed in
/// float, as RDataFrame's `DeltaR(Jet_eta[0], Jet_eta[1], Jet_phi[0], Jet_phi[1])` is: every
/// event's value has the same bits (`reference/make_delta_r.py`). Computing in double, as
/// hepframe did, put one event in 524 550 in another bin.
#[test]
fn delta_r_of_float_records_equals_root_bit_for_bit() {
    let path = format!(
        "{}/tests/reference/delta_r.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let a = Analysis::new("Events")
        .input([sample()])
        .filter("len(Jet) >= 2", "two jets")
        .take("dr", "delta_r(Jet[0], Jet[1])")
        .take("dphi", "delta_phi(Jet[0], Jet[1])")
        .filter("len(Muon) >= 1", "a muon")
        .take("dr_jm", "delta_r(Jet[0], Muon[0])");
    let r = run(
        &a,
        &RunOptions {
            threads: 2,
            chunk_entries: 1000,
            ..Default::default()
        },
    )
    .unwrap();
    for name in ["dr", "dphi", "dr_jm"] {
        let Some((_, Stat::Take(t))) = r.stats.iter().find(|(k, _)| k == name) else {
            panic!("{name}")
        };
        let Some(engine::TakenValues::Float32(got)) = &t.values else {
            panic!("{name}: {:?}", t.values)
        };
        let want: Vec<u32> = want[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(got.len(), want.len(), "{name}");
        let differ = got
            .iter()
            .zip(&want)
            .filter(|(g, w)| g.to_bits() != **w)
            .count();
        assert_eq!(
            differ,
            0,
            "{name}: {differ} of {} events differ",
            want.len()
        );
    }
}

/// Records with odd values — φ beyond ±π (the floats nearest ±π among them, which ROOT's
/// `PtEtaPhiMVector` restricts to (−π, π] before its `cos` and `sin`), `pt ≤ 0` (whose momentum
/// ROOT takes as 0, not `|pt|·cosh η`), NaN, ±∞, 3e38, negative masses, near-ties — give ROOT's
/// four-vectors, ADL q6's trijet and sums of `PxPyPzMVector`s (the RDataFrame AGC's
/// arithmetic), bit for bit (`reference/make_odd_records.py`: a file
/// written by ROOT and ROOT's answers on it). Before the restriction and the momentum were
/// ROOT's, q6 on such jets differed from RDataFrame in dozens of bins.
#[test]
fn odd_records_give_root_s_four_vectors_and_trijets() {
    let here = env!("CARGO_MANIFEST_DIR");
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{here}/tests/reference/odd_records.json")).unwrap(),
    )
    .unwrap();
    let a = Analysis::new("Events")
        .input([format!("{here}/tests/data/odd_jets.root")])
        .define("trijets", "combinations(Jet, 3)")
        .define(
            "best",
            "trijets[argmin(abs((trijets.0 + trijets.1 + trijets.2).mass - 172.5))]",
        )
        .filter("len(Jet) >= 1", "a jet")
        .take("px", "Jet[0].p4.px")
        .take("py", "Jet[0].p4.py")
        .take("pz", "Jet[0].p4.pz")
        .take("e", "Jet[0].p4.e")
        .filter("len(Jet) >= 3", "three jets")
        .take("trijet_pt", "(best.0 + best.1 + best.2).pt")
        .take(
            "first3_mass_pxpypzm",
            "(PxPyPzMVector(Jet[0]) + PxPyPzMVector(Jet[1]) + PxPyPzMVector(Jet[2])).mass",
        );
    for threads in [1, 2] {
        let r = run(
            &a,
            &RunOptions {
                threads,
                chunk_entries: 500,
                ..Default::default()
            },
        )
        .unwrap();
        let got = |name: &str| -> Vec<u64> {
            let Some((_, Stat::Take(t))) = r.stats.iter().find(|(k, _)| k == name) else {
                panic!("{name}")
            };
            let Some(engine::TakenValues::Float64(v)) = &t.values else {
                panic!("{name}: {:?}", t.values)
            };
            v.iter().map(|x| x.to_bits()).collect()
        };
        // The number of events that differ, and the first.
        let check = |name: &str, want: Vec<u64>| {
            let got = got(name);
            assert_eq!(got.len(), want.len(), "{name}");
            let differ: Vec<usize> = (0..got.len()).filter(|&i| got[i] != want[i]).collect();
            assert!(
                differ.is_empty(),
                "{name}, {threads} thread(s): {} of {} events differ, the first {:?}: {} against ROOT's {}",
                differ.len(),
                got.len(),
                differ.first(),
                f64::from_bits(got[differ[0]]),
                f64::from_bits(want[differ[0]])
            );
        };
        let first = want["first"].as_array().unwrap();
        for (k, name) in ["px", "py", "pz", "e"].into_iter().enumerate() {
            check(name, first.iter().map(|v| v[k].as_u64().unwrap()).collect());
        }
        for name in ["trijet_pt", "first3_mass_pxpypzm"] {
            let w = want[name].as_array().unwrap();
            check(name, w.iter().map(|v| v.as_u64().unwrap()).collect());
        }
    }
}

/// `RDataFrame(n)`: generated events with no input; the entry number counts 0..n whatever the
/// threads and work items, and everything else is a define.
#[test]
fn generated_events_without_input() {
    let n = 200_003u64;
    let a = Analysis::new("")
        .generated(n)
        .define("x", "rdfentry_ * 0.5")
        .define("k", "rdfentry_ % 7")
        .count("all")
        .sum("sum_x", "x")
        .filter("k == 3", "k is 3")
        .count("threes")
        .take("entries", "rdfentry_")
        .histo1d("h", "x", 10, 0.0, 100_000.0);
    for (threads, chunk) in [(1, 1_000_000), (2, 70_000)] {
        let r = run(
            &a,
            &RunOptions {
                threads,
                chunk_entries: chunk,
                ..Default::default()
            },
        )
        .unwrap();
        let get = |name: &str| r.stats.iter().find(|(k, _)| k == name).unwrap().1.clone();
        assert_eq!(get("all"), Stat::Count(n));
        // Σ e/2 for e < n, exact in double precision at this size.
        assert_eq!(get("sum_x"), Stat::Sum((n * (n - 1)) as f64 / 4.0));
        let threes: Vec<u64> = (0..n).filter(|e| e % 7 == 3).collect();
        assert_eq!(get("threes"), Stat::Count(threes.len() as u64));
        let Stat::Take(t) = get("entries") else {
            panic!()
        };
        assert_eq!(t.values, Some(engine::TakenValues::UInt64(threes.clone())));
        // 0.5 × e for e ≡ 3 (mod 7): bin k holds the entries in [20 000 k, 20 000 (k + 1)).
        let want: Vec<f64> = (0..10)
            .map(|b| {
                threes
                    .iter()
                    .filter(|&&e| e / 20_000 == b && e < 200_000)
                    .count() as f64
            })
            .collect();
        assert_eq!(r.histograms[0].values(false), want, "{threads} threads");
    }
    // Generated events read nothing, so an input as well is a mistake.
    let both = Analysis::new("Events")
        .input([sample()])
        .generated(10)
        .count("c");
    let e = run(&both, &RunOptions::default()).unwrap_err().to_string();
    assert!(e.contains("generated events"), "{e}");
    // No events at all.
    let zero = Analysis::new("").generated(0).count("none");
    let r = run(&zero, &RunOptions::default()).unwrap();
    assert_eq!(r.stats[0].1, Stat::Count(0));
}

/// A run told to stop stops within a batch of events, even inside one huge work item (here
/// 2⁶² generated events, items of 4.6 × 10¹⁴).
#[test]
fn a_cancelled_run_stops_inside_a_work_item() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let a = Analysis::new("")
        .generated(1 << 62)
        .define("x", "rdfentry_ * 0.5")
        .sum("s", "x");
    let cancel = AtomicBool::new(false);
    let started = std::time::Instant::now();
    let r = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(300));
            cancel.store(true, Ordering::SeqCst);
        });
        run(
            &a,
            &RunOptions {
                threads: 1,
                cancel: Some(&cancel),
                ..Default::default()
            },
        )
    });
    assert!(
        matches!(r, Err(engine::EngineError::Interrupted)),
        "{:?}",
        r.map(|_| ())
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

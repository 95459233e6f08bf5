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

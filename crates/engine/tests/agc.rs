//! The AGC ttbar analysis (examples/agc/agc.toml: nine samples, jet-energy and b-tag variations,
//! pseudo-data) against ROOT RDataFrame (../shared/bench/agc_rdf.py), bin for bin: values and
//! variances, flow bins included, on two ROOT-written samples (ZSTD seed 7, LZ4 seed 8). The
//! references and the data are made by examples/agc/reference/make_reference.py.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use engine::analysis_file::{from_file_with, InputOverrides};
use engine::{run, Results, RunOptions};
use hist::Histogram;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference(name: &str) -> BTreeMap<String, Histogram> {
    let path = repo().join(format!("examples/agc/reference/{name}.json"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, h)| (k.clone(), Histogram::from_uhi_json(h).unwrap()))
        .collect()
}

fn agc(manifest: Option<&str>, threads: usize, chunk: u64) -> Results {
    let a = from_file_with(
        &repo().join("examples/agc/agc.toml"),
        &InputOverrides {
            manifest: manifest.map(|m| repo().join(m)),
            ..Default::default()
        },
    )
    .unwrap();
    run(
        &a,
        &RunOptions {
            threads,
            chunk_entries: chunk,
            ..Default::default()
        },
    )
    .unwrap()
}

/// Every histogram of the reference, with the same name, values and variances (`tolerance`:
/// relative, 0 for bit-identical).
fn assert_equal(r: &Results, want: &BTreeMap<String, Histogram>, tolerance: f64) {
    assert_eq!(r.histograms.len(), want.len(), "number of histograms");
    for (name, w) in want {
        let h = r
            .histogram(name)
            .unwrap_or_else(|| panic!("no histogram {name}"));
        for (what, got, exp) in [
            ("values", h.values(true), w.values(true)),
            ("variances", h.variances(true), w.variances(true)),
        ] {
            assert_eq!(got.len(), exp.len(), "{name} {what}");
            for (i, (a, b)) in got.iter().zip(&exp).enumerate() {
                let ok = if tolerance == 0.0 {
                    a.to_bits() == b.to_bits()
                } else {
                    (a - b).abs() <= tolerance * b.abs().max(1e-300)
                };
                assert!(ok, "{name} {what} bin {i}: {a:e} vs {b:e}");
            }
        }
    }
}

#[test]
fn every_agc_histogram_equals_rdataframe_bit_for_bit() {
    let r = agc(None, 1, 200_000);
    assert_equal(&r, &reference("zstd_seed7"), 0.0);
    assert_eq!(r.entries, 9 * 1500);
    let r = agc(
        Some("crates/engine/tests/data/agc_lz4/nanoaod_inputs.json"),
        1,
        200_000,
    );
    assert_equal(&r, &reference("lz4_seed8"), 0.0);
}

#[test]
fn threads_and_work_items_change_nothing_but_the_order_of_sums() {
    let want = reference("zstd_seed7");
    // Two threads, the same work items: bit-identical.
    assert_equal(&agc(None, 2, 200_000), &want, 0.0);
    // Many small items merged in a tree: the same events, sums added in another order.
    let small = agc(None, 2, 100);
    assert_equal(&small, &want, 1e-12);
    let one = agc(None, 1, 200_000);
    for (a, b) in one.cutflows.iter().zip(&small.cutflows) {
        assert_eq!(
            a.cuts.iter().map(|c| c.passed).collect::<Vec<_>>(),
            b.cuts.iter().map(|c| c.passed).collect::<Vec<_>>()
        );
    }
}

#[test]
fn cutflows_are_per_sample_with_weighted_yields() {
    let r = agc(None, 1, 200_000);
    let keys: Vec<&str> = r.cutflows.iter().map(|c| c.sample.as_str()).collect();
    assert_eq!(keys.len(), 9);
    assert!(keys.contains(&"ttbar") && keys.contains(&"ttbar:ME_var") && keys.contains(&"wjets"));
    let tt = r.cutflows.iter().find(|c| c.sample == "ttbar").unwrap();
    // σ × L / N with N = the manifest's nevts: every event weighs the same.
    let w = 729.84 * 3378.0 / 1500.0;
    assert_eq!(tt.total, 1500);
    assert!((tt.total_sumw - w * 1500.0).abs() < 1e-6 * w);
    assert!((tt.total_sumw2 - w * w * 1500.0).abs() < 1e-6 * w * w);
    let four = tt
        .cuts
        .iter()
        .find(|c| c.name == "at least four jets")
        .unwrap();
    assert!((four.sumw - w * four.passed as f64).abs() < 1e-6 * w);
    // The regions branch off "at least four jets" and split it.
    let b1 = tt.cuts.iter().find(|c| c.name == "4j1b").unwrap();
    let b2 = tt.cuts.iter().find(|c| c.name == "4j2b").unwrap();
    assert!(b1.passed + b2.passed <= four.passed);
    let table = tt.table();
    assert!(
        table.contains("weighted yield") && table.contains("  4j1b"),
        "{table}"
    );
    // The nominal histogram of the 4j1b region holds exactly the region's weighted yield.
    let h = r.histogram("4j1b_ttbar").unwrap();
    let sum: f64 = h.values(true).iter().sum();
    assert!(
        (sum - b1.sumw).abs() < 1e-9 * b1.sumw,
        "{sum} vs {}",
        b1.sumw
    );
}

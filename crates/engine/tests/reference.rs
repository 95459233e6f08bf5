//! The examples' histograms (the dimuon spectrum and ADL q1–q8) equal both reference
//! implementations bin for bin, flow bins included: ROOT RDataFrame and uproot + awkward
//! (`reference/make_reference.py` made both, and checked that they agree). The same events are
//! read as written by ROOT with zlib, lz4 and zstd, and in the `std::vector` layout; on the
//! bundled zlib sample the results must not depend on threads or chunk size either.

use std::path::PathBuf;

use engine::{run, Analysis, RunOptions};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A committed ROOT file and the stem of its references: `STEM.json` (RDataFrame) and
/// `STEM_awkward.json` (uproot + awkward), in `tests/reference/`.
struct Sample {
    file: &'static str,
    stem: &'static str,
}

/// The bundled sample, zlib level 1 (`examples/data/nano_10k.root`).
const ZLIB: Sample = Sample {
    file: "examples/data/nano_10k.root",
    stem: "reference",
};
/// The same events, lz4 level 4.
const LZ4: Sample = Sample {
    file: "crates/engine/tests/data/nano_lz4_10k.root",
    stem: "reference_lz4",
};
/// The same events, zstd level 5.
const ZSTD: Sample = Sample {
    file: "crates/engine/tests/data/nano_zstd_10k.root",
    stem: "reference_zstd",
};
/// The bundled sample's events re-written with a cluster every 1000 entries
/// (`tests/data/recluster.py`): the thread and chunk variants then really run many work items and
/// merge them.
const CLUSTERED: Sample = Sample {
    file: "crates/engine/tests/data/nano_10k_clusters.root",
    stem: "reference",
};
/// The bundled sample's events as an RNTuple (`rootio/tests/fixtures/rntuple/`, converted by
/// RDataFrame's Snapshot): the same analyses must give the same histograms as on the TTree.
const RNTUPLE: Sample = Sample {
    file: "crates/rootio/tests/fixtures/rntuple/rntuple_nano.root",
    stem: "reference",
};
/// `std::vector` branches and no counters (other events, zlib level 1).
const VECTORS: Sample = Sample {
    file: "crates/engine/tests/data/nano_vectors_10k.root",
    stem: "reference_vectors",
};

/// Analysis files and the histograms each fills.
type Analyses = [(&'static str, &'static [&'static str])];

const DIMUON: &Analyses = &[("examples/dimuon.toml", &["dimuon_mass"])];
const Q1_TO_Q4: &Analyses = &[
    ("examples/adl/q1.toml", &["q1"]),
    ("examples/adl/q2.toml", &["q2"]),
    ("examples/adl/q3.toml", &["q3"]),
    ("examples/adl/q4.toml", &["q4"]),
];
const Q5_TO_Q8: &Analyses = &[
    ("examples/adl/q5.toml", &["q5"]),
    ("examples/adl/q6.toml", &["q6a", "q6b"]),
    ("examples/adl/q7.toml", &["q7"]),
    ("examples/adl/q8.toml", &["q8"]),
];
const ALL: [&Analyses; 3] = [DIMUON, Q1_TO_Q4, Q5_TO_Q8];

/// (threads, chunk entries)
const VARIANTS: &[(usize, u64)] = &[(1, 200_000), (2, 1_000), (3, 777)];
const TWO_THREADS: &[(usize, u64)] = &[(2, 1_000)];

fn reference(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}")))
        .unwrap()
}

fn reference_values(reference: &Value, hist: &str) -> Vec<f64> {
    reference["histograms"][hist]["values"]
        .as_array()
        .unwrap_or_else(|| panic!("{hist}: not in the reference"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// Runs each analysis on `sample` with each (threads, chunk) variant and compares every
/// histogram with both references; reports every mismatch at once.
fn check(sample: &Sample, analyses: &[&Analyses], variants: &[(usize, u64)]) {
    let references = [
        ("RDataFrame", reference(&format!("{}.json", sample.stem))),
        (
            "uproot+awkward",
            reference(&format!("{}_awkward.json", sample.stem)),
        ),
    ];
    let mut failures = Vec::new();
    for &(example, hists) in analyses.iter().flat_map(|a| a.iter()) {
        let mut a = Analysis::from_file(root().join(example)).unwrap();
        a.files = vec![root().join(sample.file)];
        let mut first: Option<Vec<Vec<f64>>> = None;
        for &(threads, chunk_entries) in variants {
            let r = run(
                &a,
                &RunOptions {
                    threads,
                    chunk_entries,
                    progress: None,
                    ..Default::default()
                },
            )
            .unwrap_or_else(|e| panic!("{example} on {}: {e}", sample.file));
            let got: Vec<Vec<f64>> = hists
                .iter()
                .map(|&hist| {
                    r.histograms
                        .iter()
                        .find(|h| h.name() == hist)
                        .unwrap_or_else(|| panic!("{example}: no histogram {hist}"))
                        .values(true)
                })
                .collect();
            for (&hist, got) in hists.iter().zip(&got) {
                for (who, reference) in &references {
                    let want = reference_values(reference, hist);
                    let at = format!(
                        "{} {hist} vs {who} (threads {threads}, chunk {chunk_entries})",
                        sample.file
                    );
                    if got.len() != want.len() {
                        failures.push(format!(
                            "{at}: {} bins, reference {} (flow included)",
                            got.len(),
                            want.len()
                        ));
                        continue;
                    }
                    let diff: Vec<(usize, f64, f64)> = got
                        .iter()
                        .zip(&want)
                        .enumerate()
                        .filter(|(_, (g, w))| g != w)
                        .map(|(i, (g, w))| (i, *g, *w))
                        .collect();
                    if !diff.is_empty() {
                        failures.push(format!(
                            "{at}: {} bins differ (index incl. underflow 0, hepframe, reference): {:?}",
                            diff.len(),
                            &diff[..diff.len().min(10)]
                        ));
                    }
                }
            }
            match &first {
                None => first = Some(got),
                Some(f) if f != &got => failures.push(format!(
                    "{example} on {}: results depend on threads/chunking (threads {threads}, chunk {chunk_entries})",
                    sample.file
                )),
                Some(_) => {}
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn zlib_dimuon_spectrum_equals_rdataframe_and_awkward() {
    check(&ZLIB, &[DIMUON], VARIANTS);
}

#[test]
fn zlib_adl_q1_to_q4_equal_rdataframe_and_awkward() {
    check(&ZLIB, &[Q1_TO_Q4], VARIANTS);
}

#[test]
fn zlib_adl_q5_to_q8_equal_rdataframe_and_awkward() {
    check(&ZLIB, &[Q5_TO_Q8], VARIANTS);
}

#[test]
fn ten_clusters_in_many_work_items_equal_rdataframe_and_awkward() {
    check(
        &CLUSTERED,
        &ALL,
        &[(1, 1), (2, 1_000), (3, 2_500), (2, 200_000)],
    );
}

#[test]
fn rntuple_equals_the_ttree_references() {
    check(&RNTUPLE, &ALL, &[(1, 200_000), (2, 1_000)]);
}

#[test]
fn lz4_equals_rdataframe_and_awkward() {
    check(&LZ4, &ALL, TWO_THREADS);
}

#[test]
fn zstd_equals_rdataframe_and_awkward() {
    check(&ZSTD, &ALL, TWO_THREADS);
}

/// The same analyses on the `std::vector` layout (no counter branches): the same code must
/// give the references' numbers there too.
#[test]
fn std_vector_layout_equals_rdataframe_and_awkward() {
    check(&VECTORS, &ALL, TWO_THREADS);
}

#[test]
fn only_the_needed_branches_are_read() {
    let a = Analysis::from_file(root().join("examples/dimuon.toml")).unwrap();
    let r = run(
        &a,
        &RunOptions {
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.entries, 10_000);
    let needed = [
        "Muon_charge",
        "Muon_eta",
        "Muon_mass",
        "Muon_phi",
        "Muon_pt",
    ];
    assert_eq!(r.branches, needed);
    // The event loop read exactly the baskets of those branches, nothing else.
    let f = rootio::RootFile::open(root().join("examples/data/nano_10k.root")).unwrap();
    let t = f.tree("Events").unwrap();
    let basket_bytes: u64 = needed
        .iter()
        .flat_map(|b| t.branch(b).unwrap().baskets.clone())
        .map(|x| match x.location {
            rootio::tree::BasketLocation::OnDisk { bytes, .. } => bytes as u64,
            _ => 0,
        })
        .sum();
    assert_eq!(r.bytes_read, basket_bytes);
}

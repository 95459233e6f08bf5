//! The examples' histograms equal ROOT RDataFrame's bin for bin, flow bins included
//! (`reference/make_reference.py` made them), whatever the threads and chunk size.

use std::path::PathBuf;

use engine::{run, Analysis, RunOptions};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn check(example: &str, hist: &str) {
    check_on(example, hist, None, "reference.json")
}

/// The same analyses on the `std::vector` layout (no counter branches): the same code must
/// give ROOT's numbers there too.
fn check_vectors(example: &str, hist: &str) {
    let input = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/nano_vectors_10k.root");
    check_on(example, hist, Some(input), "reference_vectors.json")
}

fn check_on(example: &str, hist: &str, input: Option<PathBuf>, reference_file: &str) {
    let reference = reference(reference_file);
    let want: Vec<f64> = reference["histograms"][hist]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let mut a = Analysis::from_file(root().join(example)).unwrap();
    if let Some(input) = input {
        a.files = vec![input];
    }
    let mut first: Option<Vec<f64>> = None;
    for (threads, chunk) in [(1, 200_000), (2, 1_000), (3, 777)] {
        let r = run(
            &a,
            &RunOptions {
                threads,
                chunk_entries: chunk,
                progress: None,
            },
        )
        .unwrap();
        let h = r.histograms.iter().find(|h| h.name() == hist).unwrap();
        let got = h.values(true);
        assert_eq!(got.len(), want.len(), "{hist}: number of bins");
        let diff: Vec<(usize, f64, f64)> = got
            .iter()
            .zip(&want)
            .enumerate()
            .filter(|(_, (g, w))| g != w)
            .map(|(i, (g, w))| (i, *g, *w))
            .take(5)
            .collect();
        assert!(
            diff.is_empty(),
            "{hist} (threads {threads}, chunk {chunk}): bins (index, hepframe, ROOT) {diff:?}"
        );
        match &first {
            None => first = Some(got),
            Some(f) => assert_eq!(f, &got, "results depend on threads/chunking"),
        }
    }
}

#[test]
fn dimuon_spectrum_equals_rdataframe() {
    check("examples/dimuon.toml", "dimuon_mass");
}

#[test]
fn adl_q1_to_q4_equal_rdataframe() {
    for q in ["q1", "q2", "q3", "q4"] {
        check(&format!("examples/adl/{q}.toml"), q);
    }
}

#[test]
fn adl_q5_to_q8_equal_rdataframe() {
    check("examples/adl/q5.toml", "q5");
    check("examples/adl/q6.toml", "q6a");
    check("examples/adl/q6.toml", "q6b");
    check("examples/adl/q7.toml", "q7");
    check("examples/adl/q8.toml", "q8");
}

#[test]
fn std_vector_layout_equals_rdataframe() {
    check_vectors("examples/dimuon.toml", "dimuon_mass");
    for (file, hists) in [
        ("q1", &["q1"][..]),
        ("q2", &["q2"]),
        ("q3", &["q3"]),
        ("q4", &["q4"]),
        ("q5", &["q5"]),
        ("q6", &["q6a", "q6b"]),
        ("q7", &["q7"]),
        ("q8", &["q8"]),
    ] {
        for h in hists {
            check_vectors(&format!("examples/adl/{file}.toml"), h);
        }
    }
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

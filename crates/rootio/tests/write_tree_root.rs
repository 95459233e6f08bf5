//! Trees written by `rootio::write::TreeWriter`, checked with ROOT 6.40 and uproot (skipped
//! unless `HEPFRAME_ROOT_PYTHON` names a Python that has both):
//!
//! ```text
//! HEPFRAME_ROOT_PYTHON=$HOME/peers/bin/python cargo test -p rootio --test write_tree_root -- --nocapture
//! ```
//!
//! `write_tree_verify.py` opens each file with `TFile::Open`, runs `TTree::Scan`, compares
//! `RDataFrame::Sum` of every branch (all elements of arrays and vectors) and the number of
//! values `TTree::Draw` sees with what was written, and compares uproot's `arrays()` with the
//! values written. The files: every layout and primitive type with each compression (several
//! clusters, many baskets in the first); a NanoAOD-like jagged branch over hundreds of baskets
//! (the case uproot's writer gets wrong, `scikit-hep/uproot5` #1490 and #457) and the same as
//! `std::vector<float>`; an empty tree; a tree past 2 GB. Any "Warning in <", "Error in <"
//! or ROOT warning turned into a Python `RuntimeWarning` fails the test.

mod write_support;

use std::path::Path;

use rootio::write::{
    BranchLayout, BranchSpec, Compression, FileWriter, TreeOptions, TreeWriter, WriteOptions,
};
use rootio::{Array, PrimitiveType as P};
use serde_json::{json, Value};
use write_support::temp_dir;
use write_support::tree::{every_layout, slice_columns, Lcg};

/// Every value of a primitive array as JSON numbers (booleans as booleans).
fn json_values(a: &Array) -> Vec<Value> {
    match a {
        Array::Bool(v) => v.iter().map(|x| json!(x)).collect(),
        Array::I8(v) => v.iter().map(|x| json!(x)).collect(),
        Array::U8(v) => v.iter().map(|x| json!(x)).collect(),
        Array::I16(v) => v.iter().map(|x| json!(x)).collect(),
        Array::U16(v) => v.iter().map(|x| json!(x)).collect(),
        Array::I32(v) => v.iter().map(|x| json!(x)).collect(),
        Array::U32(v) => v.iter().map(|x| json!(x)).collect(),
        Array::I64(v) => v.iter().map(|x| json!(x)).collect(),
        Array::U64(v) => v.iter().map(|x| json!(x)).collect(),
        Array::F32(v) => v.iter().map(|x| json!(*x as f64)).collect(),
        Array::F64(v) => v.iter().map(|x| json!(x)).collect(),
        other => panic!("not primitive: {}", other.type_name()),
    }
}

/// Per-entry values: scalars, or lists for arrays.
fn json_entries(a: &Array) -> Vec<Value> {
    match a {
        Array::Fixed { size, values } => json_values(values)
            .chunks(*size)
            .map(|c| Value::Array(c.to_vec()))
            .collect(),
        Array::Jagged { offsets, values } => {
            let v = json_values(values);
            offsets
                .windows(2)
                .map(|w| Value::Array(v[w[0] as usize..w[1] as usize].to_vec()))
                .collect()
        }
        other => json_values(other),
    }
}

/// Sum (as a double) and number of all values of a column.
fn sum_count(a: &Array) -> (f64, usize) {
    match a {
        Array::Fixed { values, .. } | Array::Jagged { values, .. } => sum_count(values),
        other => {
            let v = json_values(other);
            let s = v
                .iter()
                .map(|x| match x {
                    Value::Bool(b) => *b as u8 as f64,
                    n => n.as_f64().unwrap(),
                })
                .sum();
            (s, v.len())
        }
    }
}

fn layout_json(spec: &BranchSpec) -> Value {
    let tag = |p: P| format!("{p:?}");
    match &spec.layout {
        BranchLayout::Scalar(p) => json!({"layout": "scalar", "type": tag(*p)}),
        BranchLayout::Fixed { element, shape } => {
            json!({"layout": "fixed", "type": tag(*element), "shape": shape})
        }
        BranchLayout::Counted { element, counter } => {
            json!({"layout": "counted", "type": tag(*element), "counter": counter})
        }
        BranchLayout::Vector(p) => json!({"layout": "vector", "type": tag(*p)}),
    }
}

/// Write a tree and describe it for the manifest.
#[allow(clippy::too_many_arguments)]
fn write_and_describe(
    path: &Path,
    compression: Compression,
    specs: &[BranchSpec],
    cols: &[Array],
    options: TreeOptions,
    with_values: bool,
    skip_to: Option<u64>,
) -> Value {
    let mut file = FileWriter::create(
        path,
        WriteOptions {
            compression,
            ..Default::default()
        },
    )
    .unwrap();
    let mut w = TreeWriter::new("Events", specs.to_vec(), options).unwrap();
    let n = cols[0].len();
    let half = n / 2;
    w.append(&mut file, &slice_columns(cols, 0, half)).unwrap();
    if let Some(at) = skip_to {
        file.test_skip_to(at);
    }
    w.append(&mut file, &slice_columns(cols, half, n)).unwrap();
    w.finish(&mut file).unwrap();
    file.close().unwrap();
    let branches: Vec<Value> = specs
        .iter()
        .zip(cols)
        .map(|(s, c)| {
            let (sum, count) = sum_count(c);
            let mut j = layout_json(s);
            j["name"] = json!(s.name);
            j["sum"] = json!(sum);
            j["count"] = json!(count);
            if with_values {
                j["values"] = json!(json_entries(c));
            }
            j
        })
        .collect();
    json!({
        "file": path,
        "tree": "Events",
        "entries": n,
        "compression": compression.root_setting(),
        "branches": branches,
    })
}

/// NanoAOD-like muons: `nMuon` (UInt_t) and `Muon_pt[nMuon]`, or `Muon_pt` as a vector.
fn muons(n: usize, vector: bool) -> (Vec<BranchSpec>, Vec<Array>) {
    let mut r = Lcg(99);
    let mut counts = Vec::with_capacity(n);
    let mut offsets = vec![0i64];
    let mut pt = Vec::new();
    for _ in 0..n {
        let k = r.below(6) as u32;
        counts.push(k);
        for _ in 0..k {
            pt.push(r.below(4000) as f32 * 0.25);
        }
        offsets.push(pt.len() as i64);
    }
    let jagged = Array::Jagged {
        offsets: offsets.into(),
        values: Box::new(Array::F32(pt)),
    };
    if vector {
        (
            vec![BranchSpec::new("Muon_pt", BranchLayout::Vector(P::F32))],
            vec![jagged],
        )
    } else {
        (
            vec![
                BranchSpec::new("nMuon", BranchLayout::Scalar(P::U32)),
                BranchSpec::new(
                    "Muon_pt",
                    BranchLayout::Counted {
                        element: P::F32,
                        counter: "nMuon".into(),
                    },
                ),
            ],
            vec![Array::U32(counts), jagged],
        )
    }
}

#[test]
fn root_and_uproot_read_our_trees() {
    let Ok(python) = std::env::var("HEPFRAME_ROOT_PYTHON") else {
        eprintln!("skipped: set HEPFRAME_ROOT_PYTHON to a Python with ROOT and uproot");
        return;
    };
    let dir = temp_dir("tree-root");
    let mut files = Vec::new();

    let (specs, cols) = every_layout(3000, 21);
    for c in [
        Compression::None,
        Compression::Zlib(1),
        Compression::Lzma(1),
        Compression::Lz4(4),
        Compression::Zstd(5),
    ] {
        let path = dir.join(format!("every_{}.root", c.root_setting()));
        let opts = TreeOptions {
            basket_size: 2000,
            auto_flush: 1000,
            title: "every layout".into(),
        };
        files.push(write_and_describe(
            &path, c, &specs, &cols, opts, true, None,
        ));
    }
    for vector in [false, true] {
        let (specs, cols) = muons(200_000, vector);
        let path = dir.join(if vector { "vector.root" } else { "nano.root" });
        files.push(write_and_describe(
            &path,
            Compression::Zlib(1),
            &specs,
            &cols,
            TreeOptions::default(),
            false,
            None,
        ));
    }
    // The jagged branch spans many baskets (uproot's writer breaks past one).
    let nano = rootio::RootFile::open(dir.join("nano.root")).unwrap();
    let baskets = nano
        .tree("Events")
        .unwrap()
        .branch("Muon_pt")
        .unwrap()
        .baskets
        .len();
    assert!(baskets > 50, "{baskets} baskets");
    let (specs, cols) = muons(0, false);
    files.push(write_and_describe(
        &dir.join("empty.root"),
        Compression::default(),
        &specs,
        &cols,
        TreeOptions::default(),
        true,
        None,
    ));
    let (specs, cols) = every_layout(2000, 4);
    files.push(write_and_describe(
        &dir.join("big.root"),
        Compression::default(),
        &specs,
        &cols,
        TreeOptions {
            basket_size: 3000,
            auto_flush: 500,
            title: String::new(),
        },
        true,
        Some(2_100_000_000),
    ));

    let manifest = dir.join("manifest.json");
    std::fs::write(&manifest, serde_json::to_string(&json!(files)).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/write_tree_verify.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(&manifest)
        .output()
        .expect("run HEPFRAME_ROOT_PYTHON");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(out.status.success(), "write_tree_verify.py failed");
    for text in [&stdout, &stderr] {
        for complaint in ["Warning in <", "Error in <", "RuntimeWarning", "Recover"] {
            assert!(
                !text.contains(complaint),
                "ROOT complained ({complaint}):\n{text}"
            );
        }
    }
    assert!(stdout.contains("ALL OK"));
    std::fs::remove_dir_all(&dir).unwrap();
}

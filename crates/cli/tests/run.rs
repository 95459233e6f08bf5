//! `hepframe run`: outputs, the cut-flow, and errors that name the place and write nothing.

use std::path::PathBuf;
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn hepframe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hepframe"))
        .args(args)
        .output()
        .expect("run hepframe")
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hepframe-cli-run-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn dimuon_example_writes_histograms_cutflow_and_plot() {
    let out = tempdir("dimuon");
    let o = hepframe(&[
        "run",
        repo().join("examples/dimuon.toml").to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("exactly two muons") && text.contains("opposite charge"),
        "{text}"
    );
    assert!(text.contains("10000 events from 1 file"), "{text}");
    let h: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("histograms.json")).unwrap())
            .unwrap();
    assert_eq!(h["dimuon_mass"]["axes"][0]["bins"], 30000);
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("cutflow.json")).unwrap()).unwrap();
    assert_eq!(c["total"], 10000);
    // The same histogram as a ROOT TH1D: flow bins, entries, titles.
    let f = rootio::RootFile::open(out.join("histograms.root")).unwrap();
    assert_eq!(f.key("dimuon_mass").unwrap().class_name, "TH1D");
    let th1 = f.read_object("dimuon_mass").unwrap();
    let Some(rootio::object::Value::Floats(contents)) = th1.get("fArray") else {
        panic!("no fArray")
    };
    let values: Vec<f64> = h["dimuon_mass"]["storage"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(contents, &values);
    let png = std::fs::read(out.join("dimuon_mass.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_type_error_names_the_line_shows_a_caret_and_writes_nothing() {
    let dir = tempdir("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let sample = repo().join("examples/data/nano_10k.root");
    let analysis = dir.join("bad.toml");
    std::fs::write(
        &analysis,
        format!(
            "[analysis]\nfiles = [\"{}\"]\n\n[[cut]]\nname = \"c\"\nwhen = \"len(Muon) == 2 && Muon.pt\"\n\n[[histogram]]\nname = \"h\"\nvalue = \"MET_pt\"\nbins = 10\nlow = 0\nhigh = 100\n",
            sample.display()
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let o = hepframe(&[
        "run",
        analysis.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("hepframe: error: ") && err.contains("bad.toml:6:"),
        "{err}"
    );
    assert!(err.contains("^^^^^^^"), "{err}");
    assert!(!out.exists(), "nothing may be written when the run fails");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_input_is_one_error_line() {
    let out = tempdir("missing");
    let o = hepframe(&[
        "run",
        repo().join("examples/dimuon.toml").to_str().unwrap(),
        "--input",
        "/nonexistent/data*.root",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no input file matches"), "{err}");
    assert!(!out.exists());
}

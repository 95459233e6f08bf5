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
    let (o, out) = run_analysis(
        &dir,
        &format!("[[cut]]\nname = \"c\"\nwhen = \"len(Muon) == 2 && Muon.pt\"\n\n{MET}"),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("hepframe: error: ") && err.contains("a.toml:7:"),
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

/// Write `body` after an `[analysis]` table reading the bundled sample, run it into `out`.
fn run_analysis(dir: &std::path::Path, body: &str) -> (Output, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let sample = repo().join("examples/data/nano_10k.root");
    let analysis = dir.join("a.toml");
    std::fs::write(
        &analysis,
        format!(
            "[analysis]\nname = \"a\"\nfiles = [\"{}\"]\n\n{body}",
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
        "--quiet",
    ]);
    (o, out)
}

const MET: &str =
    "[[histogram]]\nname = \"met\"\nvalue = \"MET_pt\"\nbins = 10\nlow = 0\nhigh = 100\n";

#[test]
fn mistakes_in_outputs_fail_before_the_event_loop_and_write_nothing() {
    let dir = tempdir("outputs");
    for (body, want) in [
        (
            format!("{MET}logx = true\n"),
            "a.toml:6:8: histogram 'met': a logarithmic x axis must start above zero, but it \
             starts at 0",
        ),
        (
            MET.replace("\"met\"", "\"muons/met\""),
            "would be named 'muons/met': a histogram name must be non-empty and contain neither \
             '/'",
        ),
        (
            format!(
                "{}{}",
                MET.replace("\"met\"", "\"met_\""),
                MET.replace("\"met\"", "\"met?\"")
            ),
            "histogram 'met_' and histogram 'met?' would both be drawn to 'met_.png'",
        ),
        (
            format!("{MET}[[snapshot]]\nfile = \"histograms.root\"\ncolumns = [\"MET_pt\"]\n"),
            "would overwrite the run's output",
        ),
        (
            format!(
                "{MET}[[snapshot]]\nfile = \"s.root\"\ncolumns = [\"MET_pt\"]\n\n\
                 [[snapshot]]\nfile = \"./s.root\"\ncolumns = [\"run\"]\n"
            ),
            "would overwrite the snapshot to the same file",
        ),
        (
            format!(
                "{MET}[[snapshot]]\nfile = \"{}\"\ncolumns = [\"MET_pt\"]\n",
                repo().join("examples/data/nano_10k.root").display()
            ),
            "would overwrite the input file",
        ),
        (
            format!("{MET}ybins = 4\n"),
            "histogram 'met' has a y binning but no y",
        ),
        (
            "[[histogram]]\nname = \"met\"\nvalue = \"MET_pt\"\nedges = [0, 10, 5]\n".into(),
            "a.toml:8:9: histogram 'met': edges: variable axis edges must be strictly increasing",
        ),
    ] {
        let (o, out) = run_analysis(&dir, &body);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{body}\n{err}");
        assert!(
            err.contains(want),
            "wanted '{want}' in:\n{err}\nfor:\n{body}"
        );
        assert!(!out.exists(), "{body}: wrote {:?}", std::fs::read_dir(&out));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_output_folder_that_cannot_be_written_fails_before_the_event_loop() {
    let dir = tempdir("unwritable");
    std::fs::create_dir_all(&dir).unwrap();
    // A file where the output folder should be (works as root too, unlike permissions).
    std::fs::write(dir.join("out"), b"not a folder").unwrap();
    let (o, _) = run_analysis(&dir, MET);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("out") && !err.contains("events from"), "{err}");
    assert!(o.stdout.is_empty(), "the event loop ran");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn non_finite_values_warn_unless_quiet() {
    let dir = tempdir("nonfinite");
    // NaN for every event: the warning names the histogram and the count.
    let (_, _) = run_analysis(
        &dir,
        "[[histogram]]\nname = \"bad\"\nvalue = \"log(MET_pt - 1e9)\"\nbins = 10\nlow = 0\nhigh = 1\n",
    );
    let analysis = dir.join("a.toml");
    let out = dir.join("out");
    let (a, o) = (analysis.to_str().unwrap(), out.to_str().unwrap());
    let loud = hepframe(&["run", a, "--output", o]);
    assert!(loud.status.success());
    let err = String::from_utf8_lossy(&loud.stderr);
    assert!(
        err.contains("warning: histogram 'bad': 10000 values were NaN or infinite"),
        "{err}"
    );
    // `--quiet` (after `run` or before it) silences it, and nothing else is written there.
    for args in [
        vec!["run", a, "--output", o, "--quiet"],
        vec!["-q", "run", a, "--output", o],
    ] {
        let quiet = hepframe(&args);
        assert!(quiet.status.success());
        assert_eq!(String::from_utf8_lossy(&quiet.stderr), "", "{args:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cuts_alone_make_a_cut_flow() {
    let dir = tempdir("cutflow-only");
    let (o, out) = run_analysis(
        &dir,
        "[[cut]]\nname = \"two muons\"\nwhen = \"nMuon >= 2\"\n\n\
         [[cut]]\nname = \"opposite charge\"\nwhen = \"Muon[0].charge != Muon[1].charge\"\n",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("cutflow.json")).unwrap()).unwrap();
    assert_eq!(c["cuts"][0]["passed"], 3384);
    // A chain prints flat, as RDataFrame's Report().
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("\nopposite charge "), "{text}");
    let (o, _) = run_analysis(&dir, "[define]\nx = \"1\"\n");
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to compute"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verbose_lists_the_expressions_that_run_fused() {
    // ADL q8: the same-flavour opposite-charge pairs are a fused pair mask and the Z candidate
    // a fused best tuple; q1 has nothing fused, and says so.
    let mut lines = Vec::new();
    for q in ["q8", "q1"] {
        let out = tempdir(&format!("fused-{q}"));
        let o = hepframe(&[
            "run",
            repo()
                .join(format!("examples/adl/{q}.toml"))
                .to_str()
                .unwrap(),
            "-v",
            "--output",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        lines.push(String::from_utf8_lossy(&o.stdout).into_owned());
    }
    let (q8, q1) = (&lines[0], &lines[1]);
    assert!(
        q8.contains("fused kernels:\n  define 'sfos': pairs masked by record tests\n  define 'z': the best tuple of a list"),
        "{q8}"
    );
    assert!(q1.contains("no expression runs as a fused kernel"), "{q1}");
}

/// The sines and cosines of float angles come from glibc's algorithm eight at a time where the
/// CPU and glibc allow it (`columnar::sincos`); `HEPFRAME_SINCOS=libm` calls glibc for every
/// angle.
/// Both must give the same histograms, to the bit, for the queries whose four-vectors need
/// them (exact four-vectors of records, transverse sums).
#[test]
fn sines_from_the_fast_path_give_glibc_s_histograms() {
    for analysis in [
        "examples/dimuon.toml",
        "examples/adl/q5.toml",
        "examples/adl/q6.toml",
        "examples/adl/q8.toml",
    ] {
        let stem = analysis.replace(['/', '.'], "_");
        let outputs: Vec<String> = [None, Some("libm")]
            .iter()
            .map(|sincos| {
                let out = tempdir(&format!("sincos-{stem}-{}", sincos.unwrap_or("fast")));
                let mut c = Command::new(env!("CARGO_BIN_EXE_hepframe"));
                c.args(["run", repo().join(analysis).to_str().unwrap(), "--output"])
                    .arg(&out);
                match sincos {
                    Some(v) => c.env("HEPFRAME_SINCOS", v),
                    None => c.env_remove("HEPFRAME_SINCOS"),
                };
                let o = c.output().expect("run hepframe");
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                std::fs::read_to_string(out.join("histograms.json")).unwrap()
            })
            .collect();
        assert_eq!(outputs[0], outputs[1], "{analysis}");
    }
}

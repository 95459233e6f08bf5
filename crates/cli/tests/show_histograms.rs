//! `hepframe show FILE:NAME` on histograms and graphs written by ROOT
//! (`crates/rootio/tests/fixtures/histograms.root`, made by `make_histograms.py`).

use std::process::{Command, Output};

fn target(name: &str) -> String {
    format!(
        "{}/../rootio/tests/fixtures/histograms.root:{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hepframe"))
        .env("COLUMNS", "120")
        .args(args)
        .output()
        .expect("run hepframe")
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{args:?} failed: {err}");
    assert_eq!(err, "", "{args:?} wrote to stderr");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn user_error(args: &[&str]) -> String {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(o.stdout.is_empty());
    err
}

#[test]
fn a_1d_histogram_shows_every_bin_with_flow_marked() {
    let out = ok(&["show", &target("h1f")]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "TH1F h1f \"TH1F fixed\"", "{out}");
    assert_eq!(lines[1], "  x axis: 10 bins from 0 to 10 \"p_{T} [GeV]\"");
    assert!(
        lines[2].contains("entries: 300")
            && lines[2].contains("sum of weights (in range): 298.872")
    );
    assert!(lines[2].contains("Σw² per bin: yes"), "{out}");
    let header: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(header, ["bin", "x", "content", "error"]);
    // 12 bins: underflow, 10 in range, overflow; nothing hidden.
    assert_eq!(lines.len(), 4 + 12, "{out}");
    assert!(
        lines[4].contains("< 0") && lines[4].ends_with("underflow"),
        "{out}"
    );
    assert!(lines[5].contains("[0, 1)"), "{out}");
    assert!(
        lines[15].contains(">= 10") && lines[15].ends_with("overflow"),
        "{out}"
    );
}

#[test]
fn labels_variable_bins_and_limits() {
    let out = ok(&["show", &target("labels")]);
    assert!(out.contains("4 labelled"), "{out}");
    assert!(out.lines().any(|l| l.contains(" #mu#mu ")), "{out}");
    let out = ok(&["show", &target("h1d_var")]);
    assert!(
        out.contains("5 variable bins, edges 0, 1, 2.5, 5, 10, 20"),
        "{out}"
    );
    assert!(out.contains("[2.5, 5)"), "{out}");
    // -n and --entries count bins.
    let out = ok(&["show", &target("h3d"), "-n", "4", "--entries", "20:"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[1], "  x axis: 3 bins from 0 to 3 \"x\"", "{out}");
    let header: Vec<&str> = lines[5].split_whitespace().collect();
    assert_eq!(header, ["bin", "x", "y", "z", "content", "error"], "{out}");
    assert!(lines[6].trim_start().starts_with("20 "), "{out}");
    assert!(
        out.ends_with("… 116 more bins (of 120); use -n N or --entries START:STOP to see others\n"),
        "{out}"
    );
}

#[test]
fn profiles_show_means_and_entries() {
    let out = ok(&["show", &target("prof_s")]);
    assert!(
        out.starts_with("TProfile prof_s \"TProfile error mode 's'\"\n"),
        "{out}"
    );
    assert!(
        out.contains("contents are bin means; error mode 's' (spread of the values)"),
        "{out}"
    );
    let header = out
        .lines()
        .find(|l| l.trim_start().starts_with("bin"))
        .unwrap();
    let header: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(header, ["bin", "x", "content", "error", "entries"]);
    let out = ok(&["show", &target("prof2d"), "-n", "8"]);
    assert!(out.lines().any(|l| l.ends_with("flow")), "{out}");
}

#[test]
fn graphs_show_points_and_errors() {
    let out = ok(&["show", &target("graph_asymm")]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "TGraphAsymmErrors graph_asymm \"TGraphAsymmErrors\""
    );
    assert_eq!(lines[1], "  7 points");
    let header: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(
        header,
        ["point", "x", "y", "exlow", "exhigh", "eylow", "eyhigh"]
    );
    assert_eq!(lines.len(), 3 + 7);
    let out = ok(&["show", &target("graph")]);
    assert!(
        out.lines()
            .nth(2)
            .unwrap()
            .split_whitespace()
            .eq(["point", "x", "y"]),
        "{out}"
    );
    let out = ok(&["show", &target("dir/inner")]);
    assert!(out.starts_with("TH1D inner "), "{out}");
}

#[test]
fn other_objects_and_tree_options_are_errors() {
    let err = user_error(&["show", &target("named")]);
    assert!(
        err.contains("'named' is a TNamed, not a TTree, RNTuple, histogram or graph"),
        "{err}"
    );
    let err = user_error(&["show", &target("poly")]);
    assert!(
        err.contains("TH2Poly") && err.contains("unsupported"),
        "{err}"
    );
    let err = user_error(&["show", &target("h1f"), "-b", "x"]);
    assert!(err.contains("--branches"), "{err}");
}

/// `show` of a correctionlib file lists each correction's inputs and how to call it.
#[test]
fn show_lists_corrections() {
    let file = format!(
        "{}/../engine/tests/reference/tables_sf.json.gz",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hepframe"))
        .args(["show", &file])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("correctionlib schema v2, 3 corrections"),
        "{text}"
    );
    assert!(text.contains("input 3: syst (string)"), "{text}");
    assert!(
        text.contains("use: correction('tables_sf.json.gz', 'muon_sf', <abseta>, <pt>, '<syst>')"),
        "{text}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hepframe"))
        .args(["show", &format!("{file}:muon")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("available: muon_sf, n_muon_weight, pt_formula"),
        "{err}"
    );
}

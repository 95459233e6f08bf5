//! What a physicist's mistakes and large analyses must not do: crash (deep expressions, huge
//! histograms), answer wrongly without a word, or lose outputs.

use std::path::{Path, PathBuf};

use engine::{run, Analysis, RunOptions};
use rootio::{Array, ReadOptions, RootFile};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn nano() -> String {
    repo()
        .join("examples/data/nano_10k.root")
        .display()
        .to_string()
}

fn u64s(a: Array) -> Vec<u64> {
    match a {
        Array::U32(v) => v.into_iter().map(u64::from).collect(),
        Array::I32(v) => v.into_iter().map(|x| x as u64).collect(),
        Array::U64(v) => v,
        other => panic!("{}", other.type_name()),
    }
}

#[test]
fn a_cut_of_hundreds_of_run_ranges_and_a_sum_of_a_thousand_terms_run() {
    let t = RootFile::open(nano()).unwrap().tree("Events").unwrap();
    let cols = t
        .read_branches(
            &["run", "luminosityBlock"],
            0..t.entries,
            &ReadOptions { threads: 1 },
        )
        .unwrap();
    let mut cols = cols.into_iter();
    let runs = u64s(cols.next().unwrap());
    let lumis = u64s(cols.next().unwrap());
    // 700 (run, lumi range) terms, as a JSON-to-cut conversion writes them.
    let mut terms = Vec::new();
    let mut ranges = Vec::new();
    for k in 0..700 {
        let r = runs[(k * 13) % runs.len()];
        let (a, b) = ((k % 50) as u64, (k % 50 + 40) as u64);
        terms.push(format!(
            "(run == {r} && luminosityBlock >= {a} && luminosityBlock <= {b})"
        ));
        ranges.push((r, a, b));
    }
    let cut = terms.join(" || ");
    let want = runs
        .iter()
        .zip(&lumis)
        .filter(|(r, l)| {
            ranges
                .iter()
                .any(|(rr, a, b)| *r == rr && (a..=b).contains(l))
        })
        .count() as u64;
    let sum = (0..10_000)
        .map(|i| format!("MET_pt * {}.0", i % 3))
        .collect::<Vec<_>>()
        .join(" + ");
    let a = Analysis::new("Events")
        .input([nano()])
        .filter(cut, "certified")
        .histo1d("sum", sum, 10, 0.0, 1e6);
    let r = run(
        &a,
        &RunOptions {
            threads: 2,
            chunk_entries: 3000,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.cutflow().passed("certified"), Some(want));
    let filled: f64 = r.histograms[0].values(true).iter().sum();
    assert_eq!(filled, want as f64);
}

#[test]
fn too_deep_an_expression_is_a_clear_error() {
    let deep = "(".repeat(1000) + "MET_pt" + &")".repeat(1000);
    let a = Analysis::new("Events")
        .input([nano()])
        .histo1d("h", deep, 10, 0.0, 100.0);
    let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
    assert!(e.contains("nested too deeply"), "{e}");
    // Under the parser's limit, it runs, on this thread (a 2 MiB test thread) and on workers.
    let ok = "(".repeat(180) + "-" + &"abs(".repeat(10) + "MET_pt" + &")".repeat(190);
    for threads in [1, 2] {
        let a = Analysis::new("Events")
            .input([nano()])
            .histo1d("h", ok.clone(), 10, -100.0, 0.0);
        let r = run(
            &a,
            &RunOptions {
                threads,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.histograms[0].values(true).iter().sum::<f64>(), 10_000.0);
    }
}

#[test]
fn a_histogram_too_big_for_memory_is_refused_before_anything_is_allocated() {
    let a = Analysis::new("Events").input([nano()]).histo1d(
        "typo",
        "MET_pt",
        2_000_000_000,
        0.0,
        100.0,
    );
    let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
    assert!(
        e.contains("histogram 'typo' has 2000000002 cells") && e.contains("use fewer bins"),
        "{e}"
    );
    let e = engine::plan(&a, engine::Split::ItemsPerFile(1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than the"), "{e}");
}

#[test]
fn non_finite_values_are_counted_per_histogram() {
    let t = RootFile::open(nano()).unwrap().tree("Events").unwrap();
    let met = match t
        .read_branches(&["MET_pt"], 0..t.entries, &ReadOptions { threads: 1 })
        .unwrap()
        .remove(0)
    {
        Array::F32(v) => v,
        other => panic!("{}", other.type_name()),
    };
    let below = met.iter().filter(|m| **m < 50.0).count() as u64;
    let a = Analysis::new("Events")
        .input([nano()])
        // NaN for MET < 50 (sqrt of a negative), +inf for every event (1 / 0.0).
        .histo1d("root", "sqrt(MET_pt - 50)", 10, 0.0, 100.0)
        .histo1d("inverse", "1 / (MET_pt - MET_pt)", 10, 0.0, 100.0)
        // Not listed: no non-finite value.
        .histo1d("fine", "MET_pt", 10, 0.0, 100.0);
    let r = run(&a, &RunOptions::default()).unwrap();
    assert_eq!(
        r.nonfinite(),
        vec![("root", below), ("inverse", met.len() as u64)]
    );
    // Filled into the overflow, as ROOT's TAxis::FindBin puts NaN and +inf.
    let h = r.histogram("root").unwrap().values(true);
    assert!(h[11] >= below as f64);
    let dir = std::env::temp_dir().join(format!("hepframe-nonfinite-{}", std::process::id()));
    engine::write_outputs(&r, &dir).unwrap();
    let cutflow: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cutflow.json")).unwrap()).unwrap();
    assert_eq!(cutflow["nonfinite"]["root"], below);
    let hists: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("histograms.json")).unwrap())
            .unwrap();
    assert_eq!(
        hists["inverse"]["writer_info"]["hepframe"]["nonfinite"],
        met.len() as u64
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_same_input_file_twice_is_refused() {
    let a = Analysis::new("Events")
        .input([nano(), nano()])
        .histo1d("h", "MET_pt", 10, 0.0, 100.0);
    let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
    assert!(
        e.contains("nano_10k.root is given twice: its events would be counted twice"),
        "{e}"
    );
    // Another spelling of the same path too.
    let other = repo()
        .join("examples/../examples/data/nano_10k.root")
        .display()
        .to_string();
    let a = Analysis::new("Events")
        .input([nano(), other])
        .histo1d("h", "MET_pt", 10, 0.0, 100.0);
    let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
    assert!(e.contains("given twice") && e.contains("also as"), "{e}");
}

#[test]
fn input_errors_of_analyses_built_in_code_are_not_called_expression_errors() {
    let a = Analysis::new("Events").histo1d("h", "MET_pt", 10, 0.0, 100.0);
    let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
    assert_eq!(e, "no input files");
    let a = Analysis::new("Events")
        .input(["/nonexistent/*.root"])
        .histo1d("h", "MET_pt", 10, 0.0, 100.0);
    let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
    assert_eq!(e, "no input file matches '/nonexistent/*.root'");
}

#[test]
fn a_string_branch_in_an_expression_says_what_it_is() {
    let all = repo()
        .join("crates/rootio/tests/fixtures/alltypes_zstd.root")
        .display()
        .to_string();
    for (expr, want) in [
        ("len(str)", "branch 'str' is a string"),
        ("vvf", "branch 'vvf' is a vector<vector<Float_t>>"),
    ] {
        let a = Analysis::new("Events")
            .input([all.clone()])
            .histo1d("h", expr, 10, 0.0, 10.0);
        let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
        assert!(e.contains(want) && !e.contains("unknown name"), "{e}");
    }
}

#[test]
fn lists_of_different_lengths_name_the_entry_and_never_pair_up_silently() {
    // Muon and Jet lists differ in length in most events.
    for (x, want) in [
        (
            "Jet.pt + Muon.pt",
            "the two lists have different lengths in entry",
        ),
        (
            "Jet.pt[Muon.pt > 10]",
            "the mask and the list have different lengths in entry",
        ),
        (
            "(Jet.p4 + Muon.p4).mass",
            "four-vectors of different lengths (in entry",
        ),
    ] {
        let a = Analysis::new("Events")
            .input([nano()])
            .histo1d("h", x, 10, 0.0, 100.0);
        let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
        assert!(e.contains(want), "{x}: {e}");
    }
    // x and y (and a weight) pair up element by element: the same length in every event is
    // needed, equal totals over a batch are not enough.
    let two_d = |x: &str, y: &str, w: &str| {
        format!(
            "[analysis]\ntree = \"Events\"\nfiles = [\"{}\"]\n\n[[histogram]]\nname = \"h\"\n\
             value = \"{x}\"\ny = \"{y}\"\nweight = \"{w}\"\nbins = 4\nlow = 0\nhigh = 100\n\
             ybins = 4\nylow = 0\nyhigh = 100\n",
            nano()
        )
    };
    for (x, y, w, want) in [
        (
            "Jet.pt",
            "Muon.pt",
            "1",
            "x and y have different lengths in entry",
        ),
        // Reversed jets: the same total in every batch, lengths differ event by event.
        (
            "Jet.pt",
            "Jet.pt[Jet.pt > 20]",
            "1",
            "x and y have different lengths in entry",
        ),
        (
            "Jet.pt",
            "Jet.eta",
            "Jet.pt[Jet.pt > 20]",
            "the weight and the values have different lengths in entry",
        ),
    ] {
        let a = Analysis::from_toml(&two_d(x, y, w), None).unwrap();
        let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
        assert!(e.contains(want), "{x} {y} {w}: {e}");
    }
}

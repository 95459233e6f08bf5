//! Samples and their normalisation, certified-luminosity masks, the graph's scoping rules
//! (defines, redefinitions), variations in one pass, and the errors a physicist gets before the
//! event loop.

use std::path::{Path, PathBuf};

use engine::{run, Analysis, NodeOp, Results, RunOptions, Sample, SampleKind};
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

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hepframe-samples-{}-{name}", std::process::id()));
    let _ = std::fs::create_dir_all(&d);
    d
}

fn go(a: &Analysis) -> Results {
    run(
        a,
        &RunOptions {
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap()
}

fn toml(text: &str) -> engine::Result<Results> {
    // One file per call: tests run in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = tmp("toml").join(format!("a{n}.toml"));
    std::fs::write(&path, text).unwrap();
    let a = Analysis::from_file(&path)?;
    run(&a, &RunOptions::default())
}

fn column_u64(name: &str) -> Vec<u64> {
    let t = RootFile::open(nano()).unwrap().tree("Events").unwrap();
    match t
        .read_branches(&[name], 0..t.entries, &ReadOptions { threads: 1 })
        .unwrap()
        .remove(0)
    {
        Array::U32(v) => v.into_iter().map(u64::from).collect(),
        Array::I32(v) => v.into_iter().map(|x| x as u64).collect(),
        Array::U64(v) => v,
        other => panic!("{}", other.type_name()),
    }
}

#[test]
fn a_luminosity_mask_keeps_the_certified_sections_of_data() {
    let (runs, lumis) = (column_u64("run"), column_u64("luminosityBlock"));
    // Certify two runs in part and one in full, from the data itself.
    let (r1, r2) = (runs[0], runs[runs.len() / 2]);
    let golden = format!("{{\"{r1}\": [[1, 50], [100, 150]], \"{r2}\": [[1, 100000]]}}");
    let path = tmp("mask").join("golden.json");
    std::fs::write(&path, golden).unwrap();
    let want = runs
        .iter()
        .zip(&lumis)
        .filter(|(r, l)| {
            (**r == r1 && ((1..=50).contains(*l) || (100..=150).contains(*l))) || **r == r2
        })
        .count() as u64;
    assert!(want > 0 && want < runs.len() as u64);
    let mut data = Sample::new("data", [nano()]);
    data.kind = SampleKind::Data;
    data.lumi_mask = Some(path.clone());
    let a = Analysis::new("Events")
        .sample(data)
        .filter("nMuon >= 1", "a muon")
        .histo1d("met", "MET_pt", 10, 0.0, 200.0);
    let r = go(&a);
    let cf = r.cutflow();
    assert_eq!(cf.cuts[0].name, "certified luminosity");
    assert_eq!(cf.cuts[0].passed, want);
    assert!(cf.cuts[1].passed <= want && cf.cuts[1].after == Some(0));
    // Data is never scaled: the histogram holds counts.
    let h = r.histogram("met_data").unwrap();
    assert_eq!(h.values(true).iter().sum::<f64>(), cf.cuts[1].passed as f64);
    // A mask that does not parse fails before the event loop, naming the file.
    std::fs::write(&path, "{\"1\": [[5, 2]]}").unwrap();
    let e = run(&a, &RunOptions::default()).unwrap_err().to_string();
    assert!(e.contains("golden.json") && e.contains("reversed"), "{e}");
}

#[test]
fn normalisations_scale_simulation_to_the_luminosity() {
    let hist = |a: Analysis| a.histo1d("met", "MET_pt", 20, 0.0, 200.0);
    let entries = {
        let mut s = Sample::new("mc", [nano()]);
        s.xsec = Some(2.5);
        go(&hist(Analysis::new("Events").lumi(100.0).sample(s)))
    };
    let h = entries.histogram("met_mc").unwrap();
    let w = 2.5 * 100.0 / 10_000.0;
    // Every event weighs σ L / N, with N = the entries.
    let raw = go(&hist(Analysis::new("Events").input([nano()])));
    let counts = raw.histogram("met").unwrap().values(true);
    for (a, b) in h.values(true).iter().zip(&counts) {
        assert!(
            (a - w * b).abs() <= 1e-12 * a.abs().max(1.0),
            "{a} vs {}",
            w * b
        );
    }
    assert!((entries.samples[0].norm - w).abs() < 1e-15);
    // N = Σ of an expression over every event (e.g. genWeight): scaled at the end.
    let by_sum = {
        let mut s = Sample::new("mc", [nano()]);
        s.xsec = Some(2.5);
        s.normalisation = Some(engine::Normalisation::Sum(engine::Item::new("n", "2.0")));
        go(&hist(Analysis::new("Events").lumi(100.0).sample(s)))
    };
    for (a, b) in by_sum
        .histogram("met_mc")
        .unwrap()
        .values(true)
        .iter()
        .zip(h.values(true))
    {
        assert!(
            (2.0 * a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{a} vs {b}"
        );
    }
    assert!((by_sum.cutflow().total_sumw - 2.5 * 100.0 / 2.0).abs() < 1e-9);
}

#[test]
fn normalisation_by_a_runs_tree_sum() {
    use rootio::write::{
        BranchLayout, BranchSpec, FileWriter, TreeOptions, TreeWriter, WriteOptions,
    };
    use rootio::PrimitiveType;
    let path = tmp("runs").join("with_runs.root");
    let mut f = FileWriter::create(&path, WriteOptions::default()).unwrap();
    let mut ev = TreeWriter::new(
        "Events",
        vec![BranchSpec::new(
            "x",
            BranchLayout::Scalar(PrimitiveType::F32),
        )],
        TreeOptions::default(),
    )
    .unwrap();
    ev.append(&mut f, &[Array::F32(vec![1.5; 40])]).unwrap();
    ev.finish(&mut f).unwrap();
    let mut runs = TreeWriter::new(
        "Runs",
        vec![BranchSpec::new(
            "genEventSumw",
            BranchLayout::Scalar(PrimitiveType::F64),
        )],
        TreeOptions::default(),
    )
    .unwrap();
    runs.append(&mut f, &[Array::F64(vec![300.0, 500.0])])
        .unwrap();
    runs.finish(&mut f).unwrap();
    f.close().unwrap();
    let text = format!(
        "[analysis]\nlumi = 10\n\n[[sample]]\nname = \"w\"\nfiles = [\"{}\"]\nxsec = 4.0\n\
         normalisation = \"Runs/genEventSumw\"\n\n[[histogram]]\nname = \"x\"\nvalue = \"x\"\n\
         bins = 4\nlow = 0\nhigh = 4\n",
        path.display()
    );
    let r = toml(&text).unwrap();
    // σ L / Σ genEventSumw = 4 × 10 / 800 per event.
    let h = r.histogram("x_w").unwrap();
    assert!((h.values(true).iter().sum::<f64>() - 40.0 * 40.0 / 800.0).abs() < 1e-12);
}

#[test]
fn redefinitions_are_seen_by_every_spelling_and_in_snapshots() {
    let a = Analysis::new("Events")
        .input([nano()])
        .redefine("Jet", "Jet[Jet.pt > 30]")
        .histo1d("n", "nJet", 10, 0.0, 10.0)
        .histo1d("len", "len(Jet)", 10, 0.0, 10.0)
        .histo1d("pt", "Jet_pt", 50, 0.0, 250.0)
        .histo1d("field", "Jet.pt", 50, 0.0, 250.0);
    let r = go(&a);
    let b = go(&Analysis::new("Events")
        .input([nano()])
        .histo1d("n", "count(Jet.pt > 30)", 10, 0.0, 10.0)
        .histo1d("pt", "Jet.pt[Jet.pt > 30]", 50, 0.0, 250.0));
    let v = |r: &Results, n: &str| r.histogram(n).unwrap().values(true);
    assert_eq!(v(&r, "n"), v(&b, "n"));
    assert_eq!(v(&r, "len"), v(&b, "n"));
    assert_eq!(v(&r, "pt"), v(&b, "pt"));
    assert_eq!(v(&r, "field"), v(&b, "pt"));
    // A snapshot of the redefined collection writes the kept jets, with a consistent counter.
    let dir = tmp("redefine-snap");
    let s = Analysis::new("Events")
        .input([nano()])
        .redefine("Jet", "Jet[Jet.pt > 30]")
        .snapshot("Events", "jets.root", ["nJet", "Jet_pt"]);
    run(
        &s,
        &RunOptions {
            threads: 1,
            output_dir: Some(&dir),
            ..Default::default()
        },
    )
    .unwrap();
    let t = RootFile::open(dir.join("jets.root"))
        .unwrap()
        .tree("Events")
        .unwrap();
    let cols = t
        .read_branches(
            &["nJet", "Jet_pt"],
            0..t.entries,
            &ReadOptions { threads: 1 },
        )
        .unwrap();
    let Array::Jagged { values, offsets } = &cols[1] else {
        panic!()
    };
    let Array::F32(pts) = &**values else { panic!() };
    assert!(pts.iter().all(|p| *p > 30.0));
    let total: f64 = v(&b, "pt").iter().sum();
    assert_eq!(pts.len() as f64, total);
    let Array::U32(n) = &cols[0] else { panic!() };
    let lens: Vec<u32> = offsets.windows(2).map(|w| (w[1] - w[0]) as u32).collect();
    assert_eq!(n, &lens);
}

#[test]
fn a_define_is_seen_by_its_descendants_only() {
    // Two siblings define the same name differently: each sees its own.
    let mut a = Analysis::new("Events").input([nano()]);
    let root = a.push_node(NodeOp::Filter(engine::Item::new("all", "true")));
    a.push_node(NodeOp::Redefine(engine::Item::new("MET_pt", "MET_pt * 0")));
    a = a.histo1d("zero", "MET_pt", 10, 0.0, 10.0);
    a = a.after("all");
    assert_eq!(a.cursor(), Some(root));
    a = a
        .filter("MET_pt > 100", "high MET")
        .histo1d("high", "MET_pt", 10, 0.0, 1000.0);
    let r = go(&a);
    let zero: f64 = r.histogram("zero").unwrap().values(false)[0];
    assert_eq!(zero, 10_000.0);
    let met: Vec<f64> = {
        let t = RootFile::open(nano()).unwrap().tree("Events").unwrap();
        match t
            .read_branches(&["MET_pt"], 0..t.entries, &ReadOptions { threads: 1 })
            .unwrap()
            .remove(0)
        {
            Array::F32(v) => v.into_iter().map(f64::from).collect(),
            _ => panic!(),
        }
    };
    let want = met.iter().filter(|m| **m > 100.0).count() as u64;
    assert_eq!(r.cutflow().passed("high MET"), Some(want));
}

#[test]
fn variations_recompute_cuts_and_histograms_in_one_pass() {
    let a = Analysis::new("Events")
        .input([nano()])
        .vary(
            "MET_pt",
            [("met_up", "MET_pt * 1.5f"), ("met_down", "MET_pt * 0.5f")],
        )
        .define("ht", "sum(Jet.pt)")
        .histo1d("ht_all", "ht", 20, 0.0, 400.0)
        .filter("MET_pt > 40", "MET")
        .histo1d("met", "MET_pt", 20, 0.0, 200.0)
        .histo1d("ht", "ht", 20, 0.0, 400.0);
    let r = go(&a);
    let names: Vec<&str> = r.histograms.iter().map(|h| h.name()).collect();
    // "ht_all" depends on nothing varied: no varied copies. The others depend on the cut.
    assert_eq!(
        names,
        vec![
            "ht_all",
            "met",
            "met_met_up",
            "met_met_down",
            "ht",
            "ht_met_up",
            "ht_met_down"
        ]
    );
    for (tag, f) in [("met_up", "1.5f"), ("met_down", "0.5f")] {
        let alone = go(&Analysis::new("Events")
            .input([nano()])
            .redefine("MET_pt", format!("MET_pt * {f}"))
            .define("ht", "sum(Jet.pt)")
            .filter("MET_pt > 40", "MET")
            .histo1d("met", "MET_pt", 20, 0.0, 200.0)
            .histo1d("ht", "ht", 20, 0.0, 400.0));
        for h in ["met", "ht"] {
            assert_eq!(
                r.histogram(&format!("{h}_{tag}")).unwrap().values(true),
                alone.histogram(h).unwrap().values(true),
                "{h} {tag}"
            );
        }
    }
}

#[test]
fn random_smearing_does_not_depend_on_threads_or_work_items() {
    let a = Analysis::new("Events")
        .input([repo()
            .join("crates/engine/tests/data/nano_10k_clusters.root")
            .display()
            .to_string()])
        .histo1d(
            "smeared",
            "Jet.pt * (1 + 0.1 * random_normal(event, Jet))",
            100,
            0.0,
            200.0,
        );
    let h = |threads, chunk| {
        run(
            &a,
            &RunOptions {
                threads,
                chunk_entries: chunk,
                ..Default::default()
            },
        )
        .unwrap()
        .histograms[0]
            .values(true)
    };
    let one = h(1, 200_000);
    assert_eq!(one, h(2, 1000));
    assert_eq!(one, h(2, 2500));
}

const HIST: &str =
    "[[histogram]]\nname = \"h\"\nvalue = \"MET_pt\"\nbins = 2\nlow = 0\nhigh = 100\n";

#[test]
fn bad_samples_variations_and_names_fail_before_the_event_loop() {
    let nano = nano();
    let sample = |extra: &str| {
        format!("[analysis]\nlumi = 1\n\n[[sample]]\nname = \"s\"\nfiles = [\"{nano}\"]\n{extra}\n")
    };
    for (text, want) in [
        (
            format!("{}[[variation]]\nname = \"v\"\ncolumn = \"Jet_ptt\"\nup = \"1\"\n{HIST}", sample("")),
            "variation of 'Jet_ptt'",
        ),
        (
            format!("{}[[variation]]\nname = \"v\"\ncolumn = \"MET_pt\"\nup = \"Jet.pt\"\n{HIST}", sample("")),
            "must be a float like the column",
        ),
        (
            format!("[analysis]\n\n[[sample]]\nname = \"s\"\nfiles = []\n{HIST}"),
            "sample 's' has no files",
        ),
        (
            format!("[analysis]\nweight = \"Jet.pt\"\n{}{HIST}", sample("").replace("[analysis]\nlumi = 1\n", "")),
            "the event weight must be one number per event",
        ),
        (
            format!("{}{HIST}", sample("xsec = 2.0").replace("lumi = 1\n", "")),
            "needs the luminosity",
        ),
        (
            format!(
                "[analysis]\nhistogram_names = \"{{histogram}}\"\nlumi = 1\n\n[[sample]]\nname = \"a\"\nfiles = [\"{nano}\"]\n\n\
                 [[sample]]\nname = \"b\"\nfiles = [\"{nano}\"]\n{HIST}"
            ),
            "would both be named 'h'",
        ),
        (
            format!("{}{HIST}", sample("kind = \"data\"\nlumi_mask = \"/nonexistent/golden.json\"")),
            "/nonexistent/golden.json",
        ),
        (
            format!("{}[define]\nMET_pt = \"1\"\n{HIST}", sample("")),
            "already exists",
        ),
    ] {
        let e = toml(&text).unwrap_err().to_string();
        assert!(e.contains(want), "wanted '{want}' in: {e}\n--- for:\n{text}");
    }
}

#[test]
fn per_sample_defines_and_weights() {
    let nano = nano();
    let text = format!(
        "[analysis]\nweight = \"3.0\"\n\n\
         [[sample]]\nname = \"a\"\nfiles = [\"{nano}\"]\ndefine = {{ sf = \"2.0\" }}\n\n\
         [[sample]]\nname = \"b\"\nfiles = [\"{nano}\"]\ndefine = {{ sf = \"1.0\" }}\nweight = \"5.0\"\n\n\
         [[sample]]\nname = \"d\"\nkind = \"data\"\nfiles = [\"{nano}\"]\ndefine = {{ sf = \"1.0\" }}\n\n\
         [[histogram]]\nname = \"met\"\nvalue = \"MET_pt\"\nweight = \"sf\"\nbins = 10\nlow = 0\nhigh = 200\n"
    );
    let r = toml(&text).unwrap();
    let sum = |n: &str| -> f64 { r.histogram(n).unwrap().values(true).iter().sum() };
    // a: analysis weight 3 × its sf 2; b: its own weight 5 × sf 1; data: weight 1 × sf 1.
    assert_eq!(sum("met_d"), 10_000.0);
    assert_eq!(sum("met_a"), 6.0 * 10_000.0);
    assert_eq!(sum("met_b"), 5.0 * 10_000.0);
    let d = r.cutflows.iter().find(|c| c.sample == "d").unwrap();
    assert_eq!(d.total_sumw, 10_000.0);
}

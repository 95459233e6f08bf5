//! Snapshots: the events reaching a cut, with branches (types and counters kept) and defines,
//! handed to the writer in entry order, in the same pass as the histograms.

use std::sync::{Arc, Mutex};

use engine::{
    run, Analysis, ColumnInfo, ColumnLayout, EngineError, RunOptions, SnapshotSink, SnapshotSpec,
};
use rootio::{Array, PrimitiveType, ReadOptions, RootFile};

fn clustered() -> String {
    format!(
        "{}/tests/data/nano_10k_clusters.root",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Collects what a snapshot writes.
#[derive(Default, Clone)]
struct Collected {
    columns: Vec<ColumnInfo>,
    data: Vec<Array>,
    chunks: usize,
    finished: bool,
}

struct MemorySink(Arc<Mutex<Collected>>);

impl SnapshotSink for MemorySink {
    fn append(&mut self, columns: Vec<Array>) -> engine::Result<()> {
        let mut c = self.0.lock().unwrap();
        c.chunks += 1;
        if c.data.is_empty() {
            c.data = columns;
        } else {
            for (a, b) in c.data.iter_mut().zip(columns) {
                a.append(b).unwrap();
            }
        }
        Ok(())
    }
    fn finish(self: Box<Self>) -> engine::Result<()> {
        self.0.lock().unwrap().finished = true;
        Ok(())
    }
}

fn run_collect(a: &Analysis, threads: usize, chunk: u64) -> (engine::Results, Collected) {
    let out = Arc::new(Mutex::new(Collected::default()));
    let o = out.clone();
    let factory =
        move |_: &SnapshotSpec, cols: &[ColumnInfo]| -> engine::Result<Box<dyn SnapshotSink>> {
            o.lock().unwrap().columns = cols.to_vec();
            Ok(Box::new(MemorySink(o.clone())))
        };
    let r = run(
        a,
        &RunOptions {
            threads,
            chunk_entries: chunk,
            snapshot_sink: Some(&factory),
            ..Default::default()
        },
    )
    .unwrap();
    let c = out.lock().unwrap().clone();
    (r, c)
}

fn skim() -> Analysis {
    Analysis::new("Events")
        .input([clustered()])
        .define("mass", "(Muon[0] + Muon[1]).mass")
        .define("good_jet_pt", "Jet.pt[Jet.pt > 30]")
        .filter("len(Muon) == 2", "two muons")
        .histo1d("m", "mass", 100, 0.0, 200.0)
        .snapshot(
            "Events",
            "skim.root",
            ["run", "event", "Muon_pt", "Jet_*", "mass", "good_jet_pt"],
        )
}

#[test]
fn columns_keep_their_types_and_counters_come_along() {
    let (r, c) = run_collect(&skim(), 1, 200_000);
    assert!(c.finished);
    let names: Vec<&str> = c.columns.iter().map(|c| c.name.as_str()).collect();
    // nMuon and nJet are added before the arrays that need them.
    assert_eq!(&names[..4], ["run", "event", "nMuon", "Muon_pt"]);
    assert_eq!(names[4], "nJet");
    assert!(names.contains(&"Jet_btag") && names.ends_with(&["mass", "good_jet_pt"]));
    let layout = |n: &str| {
        c.columns
            .iter()
            .find(|c| c.name == n)
            .unwrap()
            .layout
            .clone()
    };
    assert_eq!(layout("nMuon"), ColumnLayout::Scalar(PrimitiveType::U32));
    assert_eq!(
        layout("Muon_pt"),
        ColumnLayout::Counted {
            element: PrimitiveType::F32,
            counter: "nMuon".into()
        }
    );
    assert_eq!(layout("mass"), ColumnLayout::Scalar(PrimitiveType::F64));
    assert_eq!(
        layout("good_jet_pt"),
        ColumnLayout::Vector(PrimitiveType::F32)
    );
    // The events are exactly those passing the cut, in entry order, with the input's values.
    let passed = r.cutflow().cuts[0].passed as usize;
    assert_eq!(c.data[0].len(), passed);
    let t = RootFile::open(clustered()).unwrap().tree("Events").unwrap();
    let all = t
        .read_branches(
            &["nMuon", "Muon_pt", "event"],
            0..t.entries,
            &ReadOptions { threads: 1 },
        )
        .unwrap();
    let Array::U32(n_muon) = &all[0] else {
        panic!()
    };
    let keep: Vec<bool> = n_muon.iter().map(|&n| n == 2).collect();
    let want = expr::chunk::filter_array(&all[1], &keep);
    let i = names.iter().position(|n| *n == "Muon_pt").unwrap();
    assert_eq!(c.data[i], want);
    let want_events = expr::chunk::filter_array(&all[2], &keep);
    assert_eq!(c.data[1], want_events);
    // The histogram was filled in the same pass, from the same events.
    assert_eq!(r.histograms[0].entries(), passed as u64);
    let Array::F64(mass) = &c.data[names.iter().position(|n| *n == "mass").unwrap()] else {
        panic!()
    };
    assert_eq!(mass.len(), passed);
}

#[test]
fn the_same_events_in_the_same_order_for_any_threads_and_items() {
    let (_, one) = run_collect(&skim(), 1, 200_000);
    for (threads, chunk) in [(2, 1000), (3, 2500)] {
        let (_, other) = run_collect(&skim(), threads, chunk);
        assert_eq!(one.data, other.data, "threads {threads} chunk {chunk}");
        assert!(other.chunks > 1);
    }
}

#[test]
fn unknown_and_unwritable_columns_are_errors_before_any_event() {
    let bad = |cols: &[&str]| {
        let a = Analysis::new("Events")
            .input([clustered()])
            .define("pairs", "combinations(Muon, 2)")
            .snapshot("Events", "x.root", cols.iter().copied());
        let factory =
            |_: &SnapshotSpec, _c: &[ColumnInfo]| -> engine::Result<Box<dyn SnapshotSink>> {
                panic!("no sink may be made for a bad snapshot: {:?}", _c)
            };
        run(
            &a,
            &RunOptions {
                snapshot_sink: Some(&factory),
                ..Default::default()
            },
        )
        .err()
        .unwrap()
    };
    let e = bad(&["Muon_ptt"]).to_string();
    assert!(
        e.contains("'Muon_ptt' is neither a branch nor a define; did you mean 'Muon_pt'"),
        "{e}"
    );
    let e = bad(&["Taux_*"]).to_string();
    assert!(e.contains("no branch matches 'Taux_*'"), "{e}");
    let e = bad(&["pairs"]).to_string();
    assert!(e.contains("define 'pairs' is a"), "{e}");
    assert!(matches!(bad(&[]), EngineError::Analysis { .. }));
}

#[test]
fn analysis_files_book_snapshots() {
    let text = format!(
        "[analysis]\nfiles = [\"{}\"]\n\n[define]\nmass = \"(Muon[0] + Muon[1]).mass\"\n\n\
         [[cut]]\nname = \"two muons\"\nwhen = \"len(Muon) == 2\"\n\n\
         [[snapshot]]\nfile = \"skim.root\"\ncolumns = [\"Muon_pt\", \"mass\"]\ncompression = \"lz4-4\"\n",
        clustered()
    );
    let a = Analysis::from_toml(&text, None).unwrap();
    assert_eq!(a.snapshots.len(), 1);
    assert_eq!(a.snapshots[0].compression, Some(404));
    // Written at the cut "two muons" (node 1, after the define).
    assert_eq!(a.snapshots[0].at, Some(1));
    assert_eq!(a.snapshots[0].tree, "Events");
    let (_, c) = run_collect(&a, 2, 3000);
    assert_eq!(c.columns.len(), 3);
    let bad = text.replace("lz4-4", "lz5-4");
    let e = Analysis::from_toml(&bad, None).unwrap_err().to_string();
    assert!(e.starts_with("14:15: unknown compression 'lz5-4'"), "{e}");
}

#[test]
fn snapshots_write_root_files_that_read_back_identically() {
    let dir = std::env::temp_dir().join(format!("hepframe-snapshot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let a = Analysis::new("Events")
        .input([clustered()])
        .define("mass", "(Muon[0] + Muon[1]).mass")
        .define("good_jet_pt", "Jet.pt[Jet.pt > 30]")
        .filter("len(Muon) == 2", "two muons")
        .snapshot(
            "Skim",
            "skim.root",
            ["event", "Muon_pt", "Jet_*", "mass", "good_jet_pt"],
        );
    let (_, want) = run_collect(&a, 2, 1000);
    let r = run(
        &a,
        &RunOptions {
            threads: 2,
            chunk_entries: 1000,
            output_dir: Some(&dir),
            ..Default::default()
        },
    )
    .unwrap();
    let t = RootFile::open(dir.join("skim.root"))
        .unwrap()
        .tree("Skim")
        .unwrap();
    assert_eq!(t.entries, r.cutflow().cuts[0].passed);
    let names: Vec<&str> = want.columns.iter().map(|c| c.name.as_str()).collect();
    let got = t
        .read_branches(&names, 0..t.entries, &ReadOptions { threads: 1 })
        .unwrap();
    assert_eq!(got, want.data);
    assert_eq!(t.branch("Muon_pt").unwrap().type_name(), "Float_t[nMuon]");
    assert_eq!(
        t.branch("good_jet_pt").unwrap().type_name(),
        "vector<Float_t>"
    );
    // No temporary file is left next to it.
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(left.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unwritable_snapshot_path_fails_before_any_event() {
    let a = skim();
    let e = run(
        &a,
        &RunOptions {
            output_dir: Some(std::path::Path::new("/proc/hepframe-cannot-write-here")),
            progress: Some(&|_, _| panic!("no event may be processed")),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("/proc/hepframe-cannot-write-here"), "{e}");
}

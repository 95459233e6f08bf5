//! Batch work items: `hepframe plan`, `hepframe run --plan --item`, `hepframe merge` give the
//! same outputs as a local run, and a missing or foreign part is an error that names it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bundled events re-written with a cluster every 1000 entries (10 clusters).
fn clustered() -> String {
    repo()
        .join("crates/engine/tests/data/nano_10k_clusters.root")
        .display()
        .to_string()
}

/// A copy of [`clustered`] in `dir`: the same events under another name, since the same file
/// given twice is refused.
fn clustered_copy(dir: &Path) -> String {
    let copy = dir.join("nano_10k_clusters_copy.root");
    std::fs::copy(clustered(), &copy).unwrap();
    copy.display().to_string()
}

fn hepframe(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hepframe"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run hepframe")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hepframe-cli-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn cutflow_counts(dir: &Path) -> serde_json::Value {
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cutflow.json")).unwrap()).unwrap();
    let o = c.as_object_mut().unwrap();
    o.remove("seconds");
    o.remove("bytes_read");
    c
}

#[test]
fn planned_itemised_and_merged_run_equals_a_local_run() {
    let dir = tempdir("equal");
    let copy = clustered_copy(&dir);
    for q in ["q5", "q6", "q8"] {
        let analysis = repo().join(format!("examples/adl/{q}.toml"));
        let analysis = analysis.to_str().unwrap();
        let text = ok(&hepframe(
            &[
                "plan",
                analysis,
                "--input",
                &clustered(),
                "--input",
                &copy,
                "--entries-per-item",
                "3000",
                "--output",
                "plan.json",
            ],
            &dir,
        ));
        // The same work items as the local run below (whole clusters, up to 3000 entries).
        assert!(
            text.contains("8 work items over 2 files (20000 entries)"),
            "{text}"
        );
        for k in 0..8 {
            let text = ok(&hepframe(
                &[
                    "run",
                    analysis,
                    "--plan",
                    "plan.json",
                    "--item",
                    &k.to_string(),
                    "--output",
                    &format!("part-{k}"),
                ],
                &dir,
            ));
            assert!(text.contains(&format!("work item {k} (")), "{text}");
        }
        // Parts in any order.
        let parts: Vec<String> = [3, 0, 5, 7, 1, 6, 4, 2]
            .iter()
            .map(|k| format!("part-{k}"))
            .collect();
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(String::as_str));
        args.extend(["--output", "merged"]);
        let text = ok(&hepframe(&args, &dir));
        assert!(text.contains("merged 8 work items, 20000 events"), "{text}");
        ok(&hepframe(
            &[
                "run",
                analysis,
                "--input",
                &clustered(),
                "--input",
                &copy,
                "--chunk-entries",
                "3000",
                "--output",
                "local",
                "--quiet",
            ],
            &dir,
        ));
        let merged = std::fs::read(dir.join("merged/histograms.json")).unwrap();
        let local = std::fs::read(dir.join("local/histograms.json")).unwrap();
        assert!(
            merged == local,
            "{q}: merged histograms differ from the local run's"
        );
        assert_eq!(
            cutflow_counts(&dir.join("merged")),
            cutflow_counts(&dir.join("local")),
            "{q}"
        );
        for d in ["merged", "local"] {
            std::fs::remove_dir_all(dir.join(d)).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The AGC (nine samples, every variation, a sample sum) as batch work items equals a local run:
/// the same histograms.json byte for byte, the same cut-flows.
#[test]
fn a_multi_sample_varied_analysis_in_work_items_equals_a_local_run() {
    let dir = tempdir("agc");
    let agc = repo().join("examples/agc/agc.toml");
    let agc = agc.to_str().unwrap();
    let text = ok(&hepframe(
        &[
            "plan",
            agc,
            "--items-per-file",
            "2",
            "--output",
            "plan.json",
        ],
        &dir,
    ));
    // Each file is one cluster: one item per file.
    assert!(text.contains("9 work items over 9 files"), "{text}");
    let mut args = vec!["merge".to_string()];
    for k in (0..9).rev() {
        ok(&hepframe(
            &[
                "run",
                agc,
                "--plan",
                "plan.json",
                "--item",
                &k.to_string(),
                "--output",
                &format!("part-{k}"),
            ],
            &dir,
        ));
        args.push(format!("part-{k}"));
    }
    args.extend(["--output".into(), "merged".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = ok(&hepframe(&args, &dir));
    assert!(text.contains("sample ttbar:ME_var"), "{text}");
    // A local run with the same work items.
    ok(&hepframe(
        &["run", agc, "--output", "local", "--quiet"],
        &dir,
    ));
    let merged = std::fs::read(dir.join("merged/histograms.json")).unwrap();
    let local = std::fs::read(dir.join("local/histograms.json")).unwrap();
    assert!(
        merged == local,
        "merged AGC histograms differ from the local run's"
    );
    let h: serde_json::Value = serde_json::from_slice(&merged).unwrap();
    assert_eq!(h.as_object().unwrap().len(), 124);
    assert!(h.get("4j2b_ttbar_pt_res_up").is_some() && h.get("4j1b_pseudodata").is_some());
    assert_eq!(
        cutflow_counts(&dir.join("merged")),
        cutflow_counts(&dir.join("local"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_parts_foreign_parts_and_bad_items_are_errors() {
    let dir = tempdir("errors");
    let q1 = repo().join("examples/adl/q1.toml");
    let q2 = repo().join("examples/adl/q2.toml");
    let (q1, q2) = (q1.to_str().unwrap(), q2.to_str().unwrap());
    let c = clustered();
    ok(&hepframe(
        &[
            "plan",
            q1,
            "-i",
            &c,
            "--entries-per-item",
            "2500",
            "--output",
            "p1.json",
        ],
        &dir,
    ));
    ok(&hepframe(
        &[
            "plan",
            q1,
            "-i",
            &c,
            "--items-per-file",
            "2",
            "--output",
            "p2.json",
        ],
        &dir,
    ));
    for k in 0..5 {
        ok(&hepframe(
            &[
                "run",
                q1,
                "--plan",
                "p1.json",
                "--item",
                &k.to_string(),
                "--output",
                &format!("a-{k}"),
            ],
            &dir,
        ));
    }
    ok(&hepframe(
        &[
            "run", q1, "--plan", "p2.json", "--item", "0", "--output", "b-0",
        ],
        &dir,
    ));
    let err = |o: Output| {
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    // An item that is not in the plan.
    let e = err(hepframe(
        &[
            "run", q1, "--plan", "p1.json", "--item", "5", "--output", "x",
        ],
        &dir,
    ));
    assert!(
        e.contains("the plan has 5 work items (0–4); there is no item 5"),
        "{e}"
    );
    // A plan made for another analysis.
    let e = err(hepframe(
        &[
            "run", q2, "--plan", "p1.json", "--item", "0", "--output", "x",
        ],
        &dir,
    ));
    assert!(e.contains("differs from the analysis the plan"), "{e}");
    // A missing part is named, and nothing is written.
    let e = err(hepframe(
        &["merge", "a-0", "a-1", "a-3", "a-4", "--output", "out"],
        &dir,
    ));
    assert!(
        e.contains("work item 2 is missing from the result (the plan has 5 work items"),
        "{e}"
    );
    assert!(!dir.join("out").exists());
    // The same part twice.
    let e = err(hepframe(
        &[
            "merge", "a-0", "a-1", "a-1", "a-2", "a-3", "a-4", "--output", "out",
        ],
        &dir,
    ));
    assert!(e.contains("work item 1 appears in more than one"), "{e}");
    // Parts of two plans.
    let e = err(hepframe(&["merge", "a-0", "b-0", "--output", "out"], &dir));
    assert!(e.contains("come from different plans"), "{e}");
    // Not a partial.
    std::fs::write(dir.join("junk.json"), "{\"x\": 1}").unwrap();
    let e = err(hepframe(&["merge", "junk.json", "--output", "out"], &dir));
    assert!(e.contains("not a partial result"), "{e}");
    assert!(!dir.join("out").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn root_files_merge_like_hadd() {
    let dir = tempdir("hadd");
    let q8 = repo().join("examples/adl/q8.toml");
    let q8 = q8.to_str().unwrap();
    let zlib = repo().join("examples/data/nano_10k.root");
    let lz4 = repo().join("crates/engine/tests/data/nano_lz4_10k.root");
    let (zlib, lz4) = (zlib.to_str().unwrap(), lz4.to_str().unwrap());
    for (out, inputs) in [
        ("a", vec![zlib]),
        ("b", vec![lz4]),
        ("both", vec![zlib, lz4]),
    ] {
        let mut args = vec!["run", q8, "--output", out, "--quiet"];
        for i in &inputs {
            args.extend(["--input", i]);
        }
        ok(&hepframe(&args, &dir));
    }
    let text = ok(&hepframe(
        &[
            "merge",
            "--output",
            "merged.root",
            "a/histograms.root",
            "b/histograms.root",
        ],
        &dir,
    ));
    assert!(
        text.contains("merged 1 histogram and 0 trees (0 entries) from 2 files into merged.root"),
        "{text}"
    );
    let read = |p: &str| {
        let f = rootio::RootFile::open(dir.join(p)).unwrap();
        let o = f.read_object("q8").unwrap();
        let fl = |m: &str| match o.get(m) {
            Some(rootio::object::Value::Floats(v)) => v.clone(),
            Some(rootio::object::Value::Float(v)) => vec![*v],
            other => panic!("{m}: {other:?}"),
        };
        (fl("fArray"), fl("fEntries"), o.title().to_string())
    };
    // Merging the outputs of the two halves gives the output of one run over both.
    assert_eq!(read("merged.root"), read("both/histograms.root"));
    // Different binnings are refused, naming the file and the histogram.
    let q8b = dir.join("q8b.toml");
    std::fs::write(
        &q8b,
        std::fs::read_to_string(repo().join("examples/adl/q8.toml"))
            .unwrap()
            .replace(
                "files = [\"../data/nano_10k.root\"]",
                &format!("files = [\"{zlib}\"]"),
            )
            .replace("bins = 100", "bins = 50"),
    )
    .unwrap();
    ok(&hepframe(
        &["run", q8b.to_str().unwrap(), "--output", "c", "--quiet"],
        &dir,
    ));
    let o = hepframe(
        &[
            "merge",
            "--output",
            "bad.root",
            "a/histograms.root",
            "c/histograms.root",
        ],
        &dir,
    );
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("c/histograms.root: histogram 'q8' has another binning"),
        "{e}"
    );
    assert!(!dir.join("bad.root").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn trees_merge_like_hadd() {
    let dir = tempdir("hadd-trees");
    let skim = repo().join("examples/skim.toml");
    let skim = skim.to_str().unwrap();
    let zlib = repo().join("examples/data/nano_10k.root");
    let clustered = clustered();
    for (out, input) in [("a", zlib.to_str().unwrap()), ("b", clustered.as_str())] {
        ok(&hepframe(
            &["run", skim, "--input", input, "--output", out, "--quiet"],
            &dir,
        ));
    }
    let text = ok(&hepframe(
        &[
            "merge",
            "--output",
            "all.root",
            "a/skim.root",
            "b/skim.root",
            "a/histograms.root",
        ],
        &dir,
    ));
    assert!(text.contains("merged 1 histogram and 1 tree"), "{text}");
    let read = |p: &str| {
        let t = rootio::RootFile::open(dir.join(p))
            .unwrap()
            .tree("Events")
            .unwrap();
        t.read_branches(
            &["event", "Muon_pt", "Jet_btag"],
            0..t.entries,
            &rootio::ReadOptions { threads: 1 },
        )
        .unwrap()
    };
    let (a, b, all) = (read("a/skim.root"), read("b/skim.root"), read("all.root"));
    for i in 0..3 {
        let mut want = a[i].clone();
        want.append(b[i].clone()).unwrap();
        assert_eq!(all[i], want);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

//! Ctrl-C and SIGTERM during `hepframe run`: the run stops, exits 130/143, and leaves neither
//! outputs nor temporary files; temporaries of a process killed outright are removed by the
//! next run. (Unix only: signals are sent with `kill`.)
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A folder with 8 copies of the clustered sample and an analysis slow enough (combinations of
/// four jets, 80 work items, one thread) to be stopped midway.
fn setup(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hepframe-interrupt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let src = repo().join("crates/engine/tests/data/nano_10k_clusters.root");
    for k in 0..8 {
        std::fs::copy(&src, d.join(format!("c{k}.root"))).unwrap();
    }
    std::fs::write(
        d.join("slow.toml"),
        r#"[analysis]
name = "slow"
tree = "Events"

[define]
t = "combinations(Jet, 4)"
best = "argmin(abs((t.0 + t.1 + t.2 + t.3).mass - 172.5))"

[[cut]]
name = "four jets"
when = "len(Jet) >= 4"

[[histogram]]
name = "best"
value = "best"
bins = 10
low = 0
high = 10

[[snapshot]]
file = "skim.root"
columns = ["event", "best"]
"#,
    )
    .unwrap();
    d
}

fn kill(signal: &str, pid: u32) {
    let ok = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {signal} {pid}");
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Start the run, freeze it as soon as its snapshot's temporary file exists (the event loop
/// is about to start), send `signal`, let it go on, and return its exit code and stderr.
fn interrupted_run(dir: &Path, signal: &str) -> (Option<i32>, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_hepframe"))
        .args([
            "--threads",
            "1",
            "--quiet",
            "run",
            "slow.toml",
            "--input",
            "c*.root",
            "--chunk-entries",
            "1000",
            "--output",
            "out",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = dir.join("out");
    let started = Instant::now();
    while !names(&out).iter().any(|n| n.starts_with(".skim.root.")) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
    let pid = child.id();
    kill("-STOP", pid);
    kill(signal, pid);
    kill("-CONT", pid);
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn ctrl_c_stops_the_run_with_130_and_leaves_nothing() {
    let d = setup("int");
    let (code, err) = interrupted_run(&d, "-INT");
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    // No output and no temporary file.
    assert_eq!(names(&d.join("out")), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn sigterm_stops_the_run_with_143_and_leaves_nothing() {
    let d = setup("term");
    let (code, err) = interrupted_run(&d, "-TERM");
    assert_eq!(code, Some(143), "{err}");
    assert_eq!(names(&d.join("out")), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn temporaries_of_a_killed_run_are_removed_by_the_next() {
    let d = setup("stale");
    let out = d.join("out");
    std::fs::create_dir_all(&out).unwrap();
    // As a run killed with SIGKILL leaves them (no process has an id this large).
    for stale in [
        ".skim.root.99999999.0.tmp",
        ".hepframe-outputs.99999999.3.tmp",
    ] {
        std::fs::write(out.join(stale), b"half a file").unwrap();
    }
    let o = Command::new(env!("CARGO_BIN_EXE_hepframe"))
        .args(["--quiet", "run", "slow.toml", "--input", "c0.root"])
        .args(["--output", "out"])
        .current_dir(&d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        names(&out),
        [
            "best.png",
            "cutflow.json",
            "histograms.json",
            "histograms.root",
            "report.html",
            "skim.root"
        ]
    );
    let _ = std::fs::remove_dir_all(&d);
}

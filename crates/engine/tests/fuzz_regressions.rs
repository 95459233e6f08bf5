//! Inputs that crashed the fuzz targets of `fuzz/` (see `fuzz/README.md`), minimised, run
//! through the same harnesses (`engine::fuzz_harness`): each must now give errors, not panics.
//!
//! Files are named `<target>-<what>.txt` after the target that found them. Every file of
//! `tests/fuzz_regressions/` is run; `tests/fuzz_regressions/unfixed/` holds inputs whose bug
//! is known but not fixed yet, run by an ignored test (move a file up when its bug is fixed).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

fn harness(target: &str) -> Option<fn(&[u8])> {
    Some(match target {
        "expression" => engine::fuzz_harness::expression,
        "analysis_file" => engine::fuzz_harness::analysis_file,
        "partial_and_plan" => engine::fuzz_harness::partial_and_plan,
        _ => return None,
    })
}

/// Run every input of `dir` (relative to `tests/fuzz_regressions`); the names of those that
/// panicked.
fn panics(dir: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(dir);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    let mut failed = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let target = name.split('-').next().unwrap_or_default();
        let run = harness(target).unwrap_or_else(|| panic!("{name}: unknown fuzz target"));
        let data = std::fs::read(path).unwrap();
        if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
            failed.push(name);
        }
    }
    failed
}

#[test]
fn fuzz_crashes_stay_fixed() {
    let failed = panics("");
    assert!(failed.is_empty(), "panics on {failed:?}");
}

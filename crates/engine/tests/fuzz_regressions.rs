//! Inputs that crashed the fuzz targets of `fuzz/` (see `fuzz/README.md`), minimised, run
//! through the same harnesses (`engine::fuzz_harness`): each must now give errors, not panics.
//!
//! Files are named `<target>-<what>.txt` after the target that found them. Every file of
//! `tests/fuzz_regressions/` is run; `tests/fuzz_regressions/unfixed/` holds inputs whose bug
//! is known but not fixed yet, run by an ignored test (move a file up when its bug is fixed).

use std::path::Path;

fn harness(target: &str) -> Option<fn(&[u8])> {
    Some(match target {
        "expression" => engine::fuzz_harness::expression,
        "analysis_file" => engine::fuzz_harness::analysis_file,
        "partial_and_plan" => engine::fuzz_harness::partial_and_plan,
        _ => return None,
    })
}

/// The names of the inputs of `dir` (relative to `tests/fuzz_regressions`) that panicked.
fn panics(dir: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(dir);
    rootio::fuzz_harness::replay_dir(&dir, harness).unwrap()
}

#[test]
fn fuzz_crashes_stay_fixed() {
    let failed = panics("");
    assert!(failed.is_empty(), "panics on {failed:?}");
}

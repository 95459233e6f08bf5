//! Inputs that crashed the fuzz targets of `fuzz/` (see `fuzz/README.md`), minimised, run
//! through the same harnesses (`rootio::fuzz_harness`): each must now give errors, not panics.
//!
//! Files are named `<target>-<what>.bin` after the target that found them; every file of
//! `tests/fuzz_regressions/` is run.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

fn harness(target: &str) -> Option<fn(&[u8])> {
    Some(match target {
        "open_walk" => rootio::fuzz_harness::open_walk,
        "basket" => rootio::fuzz_harness::basket,
        "streamer_info" => rootio::fuzz_harness::streamer_info,
        _ => return None,
    })
}

#[test]
fn fuzz_crashes_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
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
    assert!(failed.is_empty(), "panics on {failed:?}");
}

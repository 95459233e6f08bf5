//! Inputs that crashed the fuzz targets of `fuzz/` (see `fuzz/README.md`), minimised, run
//! through the same harnesses (`rootio::fuzz_harness`): each must now give errors, not panics.
//!
//! Files are named `<target>-<what>.bin` after the target that found them; every file of
//! `tests/fuzz_regressions/` is run.

use std::path::Path;

fn harness(target: &str) -> Option<fn(&[u8])> {
    Some(match target {
        "open_walk" => rootio::fuzz_harness::open_walk,
        "basket" => rootio::fuzz_harness::basket,
        "streamer_info" => rootio::fuzz_harness::streamer_info,
        "remote_reply" => rootio::fuzz_harness::remote_reply,
        _ => return None,
    })
}

#[test]
fn fuzz_crashes_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let failed = rootio::fuzz_harness::replay_dir(&dir, harness).unwrap();
    assert!(failed.is_empty(), "panics on {failed:?}");
}

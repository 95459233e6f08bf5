//! The `histograms.json` that `hepframe run` writes loads in Python's `hist` (via `uhi`) with
//! the same bin contents — and, on the bundled sample, equals ROOT RDataFrame's histograms.
//!
//! Skipped (with a message) unless `HEPFRAME_PYTHON` names a Python with `uhi` and `hist`;
//! `.ci/run` installs them in a venv and sets it.

use std::path::PathBuf;

use engine::{run, write_outputs, Analysis, RunOptions};

const CHECK: &str = r#"
import json, sys
import numpy as np
import hist, hist.serialization, uhi.io.json, uhi.schema
raw = json.load(open(sys.argv[1]))
uhi.schema.validate(raw)
data = json.load(open(sys.argv[1]), object_hook=uhi.io.json.object_hook)
ref = json.load(open(sys.argv[2]))["histograms"]
for name, h in data.items():
    h = hist.serialization.from_uhi(h)
    want = np.asarray(ref[name]["values"])
    got = h.values(flow=True)
    assert np.array_equal(got, want), (name, np.nonzero(got != want))
    print("OK", name, h.sum(flow=True))
"#;

#[test]
fn histograms_json_loads_in_python_hist_and_equals_rdataframe() {
    let Ok(python) = std::env::var("HEPFRAME_PYTHON") else {
        eprintln!("skipped: HEPFRAME_PYTHON is not set");
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("hepframe-python-hist-{}", std::process::id()));
    for example in [
        "examples/dimuon.toml",
        "examples/adl/q6.toml",
        "examples/adl/q8.toml",
    ] {
        let a = Analysis::from_file(root.join("../..").join(example)).unwrap();
        let r = run(&a, &RunOptions::default()).unwrap();
        write_outputs(&r, &out).unwrap();
        let o = std::process::Command::new(&python)
            .arg("-c")
            .arg(CHECK)
            .arg(out.join("histograms.json"))
            .arg(root.join("tests/reference/reference.json"))
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{example}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

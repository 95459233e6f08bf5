//! `report.html` in a real browser: `hepframe run` writes it, and headless Chromium (driven over
//! the DevTools protocol by `tests/browser/check_report.py`) loads it without console errors or
//! exceptions, shows every image, and sorts a table when a column head is clicked.
//!
//! Needs `chromium` (Debian's package) and `HEPFRAME_PYTHON` with `websocket-client`; skipped
//! with a message without them, unless `HEPFRAME_REQUIRE_BROWSER=1` (`.ci/run` sets it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|b| std::env::split_paths(&path).map(move |d| d.join(b)))
        .find(|p| p.is_file())
}

/// Chromium and a Python with websocket-client, or why not.
fn tools() -> Result<(PathBuf, String), String> {
    let browser = find_browser().ok_or("no chromium on PATH")?;
    let python = std::env::var("HEPFRAME_PYTHON").map_err(|_| "HEPFRAME_PYTHON is not set")?;
    let ok = Command::new(&python)
        .args(["-c", "import websocket"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return Err(format!("{python} has no websocket-client"));
    }
    Ok((browser, python))
}

fn run_to(analysis: &Path, out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_hepframe"))
        .args(["--quiet", "run"])
        .arg(analysis)
        .arg("--output")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn report_loads_in_chromium_without_errors_images_show_and_tables_sort() {
    let (browser, python) = match tools() {
        Ok(t) => t,
        Err(why) if std::env::var("HEPFRAME_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("HEPFRAME_REQUIRE_BROWSER=1 but {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let tmp = std::env::temp_dir().join(format!("hepframe-report-browser-{}", std::process::id()));
    for example in ["examples/adl/q8.toml", "examples/dimuon.toml"] {
        let out = tmp.join(example.replace('/', "_"));
        run_to(&repo().join(example), &out);
        let o = Command::new(&python)
            .arg(repo().join("tests/browser/check_report.py"))
            .arg(out.join("report.html"))
            .arg(&browser)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{example}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let summary = String::from_utf8_lossy(&o.stdout);
        assert!(summary.contains("\"errors\": []"), "{summary}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

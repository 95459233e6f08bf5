//! Cross-check with the Python ecosystem: the written `histograms.json` must pass the `uhi`
//! schema and load into `hist.Hist` with the same contents, and boost-histogram filling the same
//! inputs must give the same bins.
//!
//! Runs only when `HEPFRAME_PYTHON` names a Python that has `uhi`, `hist` and `fastjsonschema`
//! (e.g. `python -m venv ~/histvenv && ~/histvenv/bin/pip install uhi hist`); otherwise it prints
//! why it was skipped and passes.

use std::path::Path;
use std::process::Command;

use hist::{write_uhi_file, Axis, Histogram, Storage};
use serde_json::{json, Map, Value};

fn python() -> Option<String> {
    let Ok(python) = std::env::var("HEPFRAME_PYTHON") else {
        eprintln!(
            "skipped: set HEPFRAME_PYTHON to a Python with `uhi` and `hist` to run this check"
        );
        return None;
    };
    let probe = Command::new(&python)
        .args([
            "-c",
            "import uhi.schema, hist.serialization, fastjsonschema",
        ])
        .output();
    match probe {
        Ok(out) if out.status.success() => Some(python),
        Ok(out) => {
            eprintln!(
                "skipped: {python} cannot import uhi/hist/fastjsonschema: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("skipped: cannot run HEPFRAME_PYTHON={python}: {e}");
            None
        }
    }
}

fn expected(h: &Histogram, xs: &[f64], ys: Option<&[f64]>, ws: &[f64]) -> Value {
    let nested = |flat: Vec<f64>| -> Value {
        match h.shape(true).as_slice() {
            [_, ny] => Value::from(flat.chunks(*ny).map(<[f64]>::to_vec).collect::<Vec<_>>()),
            _ => Value::from(flat),
        }
    };
    let mut e = json!({
        "title": h.title(),
        "ndim": h.dim(),
        "x_edges": h.x_axis().edges(),
        "values_flow": nested(h.values(true)),
        "fill_x": xs,
        "weights": ws,
    });
    if h.storage() == Storage::Weight {
        e["variances_flow"] = nested(h.variances(true));
    }
    if let Some(ys) = ys {
        e["fill_y"] = Value::from(ys);
    }
    e
}

#[test]
fn python_uhi_validates_and_hist_loads() {
    let Some(python) = python() else { return };
    let n = 20_000;
    let xs: Vec<f64> = (0..n)
        .map(|i| 0.2 + 320.0 * ((i as f64 * 0.618_033_988_7) % 1.0).powi(3))
        .chain([0.25, 300.0, -1.0, 1e300, -1e300])
        .collect();
    let ys: Vec<f64> = (0..xs.len())
        .map(|i| ((i as f64) * 0.37).sin() * 3.0)
        .collect();
    let ws: Vec<f64> = (0..xs.len()).map(|i| 0.5 + (i % 4) as f64 * 0.25).collect();

    let mut spectrum = Histogram::new_1d(
        Axis::regular(30_000, 0.25, 300.0)
            .unwrap()
            .with_label("m_μμ [GeV]"),
        Storage::Weight,
    )
    .with_title("Dimuon mass");
    spectrum.fill_many_weighted(&xs, &ws).unwrap();
    let mut variable = Histogram::new_1d(
        Axis::variable(vec![0.0, 1.0, 10.0, 91.0, 300.0]).unwrap(),
        Storage::Double,
    );
    variable.fill_many_weighted(&xs, &ws).unwrap();
    let mut two_d = Histogram::new_2d(
        Axis::regular(50, 0.0, 300.0).unwrap(),
        Axis::variable(vec![-3.0, -1.0, 0.0, 0.5, 3.0]).unwrap(),
        Storage::Weight,
    )
    .with_title("2D");
    two_d.fill_many_2d_weighted(&xs, &ys, &ws).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("histograms.json");
    write_uhi_file(
        &file,
        &[
            ("spectrum", &spectrum),
            ("variable", &variable),
            ("two_d", &two_d),
        ],
    )
    .unwrap();
    let mut exp = Map::new();
    exp.insert("spectrum".into(), expected(&spectrum, &xs, None, &ws));
    exp.insert("variable".into(), expected(&variable, &xs, None, &ws));
    exp.insert("two_d".into(), expected(&two_d, &xs, Some(&ys), &ws));
    let exp_file = dir.path().join("expected.json");
    std::fs::write(
        &exp_file,
        serde_json::to_string(&Value::Object(exp)).unwrap(),
    )
    .unwrap();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_uhi.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&file)
        .arg(&exp_file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}{stderr}");
    assert!(
        out.status.success(),
        "Python check failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("validated with uhi"));
}

//! Histograms and graphs written by ROOT 6.40 (`fixtures/make_histograms.py`) read back with
//! exactly the values ROOT's own accessors give (`fixtures/expected/histograms.json`): every
//! global bin's content and error, Σw², entries, sum of weights, statistics, axis edges and
//! labels, profile entries, graph points and errors, bit for bit.

use rootio::histogram::{GraphErrors, ProfileErrorMode};
use rootio::{ErrorKind, Plottable, RootFile};
use serde_json::Value;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("expected/histograms.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A float written by Python's `repr`.
fn f(v: &Value) -> f64 {
    let s = v.as_str().unwrap();
    s.parse::<f64>().unwrap_or_else(|_| panic!("bad float {s}"))
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

/// Bitwise equality (NaN equal to NaN, 0.0 different from -0.0).
fn same(what: &str, got: &[f64], want: &[f64], failures: &mut Vec<String>) {
    if got.len() != want.len() {
        failures.push(format!("{what}: {} values, want {}", got.len(), want.len()));
        return;
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if g.to_bits() != w.to_bits() {
            failures.push(format!("{what}[{i}]: {g:?}, want {w:?}"));
        }
    }
}

#[test]
fn histograms_match_root() {
    let file = RootFile::open(fixture("histograms.root")).unwrap();
    let exp = expected();
    let mut failures = Vec::new();
    let hists = exp["histograms"].as_array().unwrap();
    assert!(hists.len() >= 19);
    for e in hists {
        let path = e["path"].as_str().unwrap();
        let h = match file.read_histogram(path) {
            Ok(h) => h,
            Err(err) => {
                failures.push(format!("{path}: {err}"));
                continue;
            }
        };
        let mut check = |what: &str, ok: bool| {
            if !ok {
                failures.push(format!("{path}: {what}"));
            }
        };
        check("class", h.class == e["class"].as_str().unwrap());
        check("name", h.name == e["name"].as_str().unwrap());
        check("title", h.title == e["title"].as_str().unwrap());
        check(
            "dimension",
            h.dimension as u64 == e["dimension"].as_u64().unwrap(),
        );
        check("ncells", h.ncells() as u64 == e["ncells"].as_u64().unwrap());
        check("entries", h.entries.to_bits() == f(&e["entries"]).to_bits());
        let sow = h.sum_of_weights();
        check(
            &format!("sum of weights {sow:?}"),
            sow.to_bits() == f(&e["sum_of_weights"]).to_bits(),
        );
        for (i, (a, ea)) in h.axes.iter().zip(e["axes"].as_array().unwrap()).enumerate() {
            let what = format!("{path} axis {i}");
            let mut check = |what: &str, ok: bool| {
                if !ok {
                    failures.push(format!("{path}: {what}"));
                }
            };
            check(
                &format!("axis {i} name"),
                a.name == ea["name"].as_str().unwrap(),
            );
            check(
                &format!("axis {i} title"),
                a.title == ea["title"].as_str().unwrap(),
            );
            check(
                &format!("axis {i} nbins"),
                a.nbins as u64 == ea["nbins"].as_u64().unwrap(),
            );
            check(&format!("axis {i} xmin"), a.xmin == f(&ea["xmin"]));
            check(&format!("axis {i} xmax"), a.xmax == f(&ea["xmax"]));
            check(
                &format!("axis {i} alphanumeric"),
                a.alphanumeric == ea["alphanumeric"].as_bool().unwrap(),
            );
            let want_labels: Vec<(usize, String)> = ea["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(b, l)| (b.parse().unwrap(), l.as_str().unwrap().to_string()))
                .collect();
            for (bin, label) in &want_labels {
                check(
                    &format!("label of bin {bin}"),
                    a.label(*bin) == Some(label.as_str()),
                );
            }
            check(
                &format!("axis {i} label count"),
                a.labels.len() == want_labels.len(),
            );
            same(
                &format!("{what} xbins"),
                &a.xbins,
                &floats(&ea["xbins"]),
                &mut failures,
            );
            let low: Vec<f64> = (1..=a.nbins as i64 + 1)
                .map(|b| a.bin_low_edge(b))
                .collect();
            same(
                &format!("{what} low edges"),
                &low,
                &floats(&ea["low_edges"]),
                &mut failures,
            );
            let fail = &mut failures;
            if a.is_variable() {
                // `edges()` is fXbins; for equal bins, the low edges plus the last up edge.
                same(&format!("{what} edges"), &a.edges(), &a.xbins, fail);
            } else {
                let mut want = floats(&ea["low_edges"]);
                want.pop();
                want.push(a.bin_up_edge(a.nbins as i64));
                same(&format!("{what} edges"), &a.edges(), &want, fail);
            }
        }
        same(
            &format!("{path} contents"),
            &h.values(),
            &floats(&e["contents"]),
            &mut failures,
        );
        same(
            &format!("{path} errors"),
            &h.errors(),
            &floats(&e["errors"]),
            &mut failures,
        );
        same(
            &format!("{path} sumw2"),
            &h.sumw2,
            &floats(&e["sumw2"]),
            &mut failures,
        );
        same(
            &format!("{path} stats"),
            &h.stats_array(),
            &floats(&e["stats"]),
            &mut failures,
        );
        match (&h.profile, e.get("profile")) {
            (Some(p), Some(ep)) => {
                let mode = p.error_mode.option();
                if mode != ep["error_option"].as_str().unwrap() {
                    failures.push(format!("{path}: error mode {mode}"));
                }
                let n = h.ncells();
                let entries: Vec<f64> = (0..n).map(|b| p.bin_entries(b)).collect();
                let eff: Vec<f64> = (0..n).map(|b| p.effective_entries(b)).collect();
                let fail = &mut failures;
                same(
                    &format!("{path} bin entries"),
                    &entries,
                    &floats(&ep["bin_entries"]),
                    fail,
                );
                same(
                    &format!("{path} neff"),
                    &eff,
                    &floats(&ep["effective_entries"]),
                    fail,
                );
                same(
                    &format!("{path} bin sumw2"),
                    &p.bin_sumw2,
                    &floats(&ep["bin_sumw2"]),
                    fail,
                );
            }
            (None, None) => {}
            _ => failures.push(format!("{path}: profile or not")),
        }
        // Global bins and their axis bins agree both ways.
        for bin in 0..h.ncells() {
            let (x, y, z) = h.bin_xyz(bin);
            if h.bin(x as i64, y as i64, z as i64) != bin {
                failures.push(format!("{path}: bin_xyz({bin}) = {x},{y},{z}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn quirks_of_integer_storage_and_profiles() {
    let file = RootFile::open(fixture("histograms.root")).unwrap();
    // TH1C saturates at 127 while fSumw2 keeps counting.
    let c = file.read_histogram("h1c").unwrap();
    assert_eq!(c.storage, rootio::histogram::BinStorage::Char);
    assert_eq!(c.bin_content(1), 127.0);
    assert!(c.bin_error(1) > 12.0);
    // Weights truncate to whole numbers in a TH1S.
    let s = file.read_histogram("h1s").unwrap();
    assert!(s.contents.iter().all(|c| c.fract() == 0.0));
    assert!(s.sumw2.iter().any(|c| c.fract() != 0.0));
    // Labels: all bins of `labels` (alphanumeric), only bin 3 of `partial_labels`.
    let l = file.read_histogram("labels").unwrap();
    assert_eq!(l.axes[0].label(2), Some("#mu#mu"));
    assert!(l.axes[0].alphanumeric);
    let p = file.read_histogram("partial_labels").unwrap();
    assert_eq!(p.axes[0].labels, vec![(3, "three".to_string())]);
    assert!(!p.axes[0].alphanumeric);
    // Profiles: error modes, weighted profiles.
    for (name, mode) in [
        ("prof", ProfileErrorMode::Mean),
        ("prof_s", ProfileErrorMode::Spread),
        ("prof_i", ProfileErrorMode::SpreadI),
        ("prof_g", ProfileErrorMode::SpreadG),
    ] {
        let h = file.read_histogram(name).unwrap();
        assert_eq!(h.profile.as_ref().unwrap().error_mode, mode, "{name}");
        assert!(!h.has_sumw2(), "{name}");
    }
    assert!(file.read_histogram("prof_w").unwrap().has_sumw2());
    assert!(file.read_histogram("h1f").unwrap().has_sumw2());
    assert!(!file.read_histogram("h1i").unwrap().has_sumw2());
    let d = file.read_histogram("dir/inner").unwrap();
    assert_eq!(d.name, "inner");
    let h3 = file.read_histogram("h3d").unwrap();
    assert_eq!(h3.bin(4, 5, 3), h3.ncells() - 1);
    // Out-of-range axis bins are clamped, as TH1::GetBin does.
    assert_eq!(h3.bin(-3, 99, 1), h3.bin(0, 5, 1));
    assert!(h3.is_flow_bin(0) && !h3.is_flow_bin(h3.bin(1, 1, 1)));
}

#[test]
fn graphs_match_root() {
    let file = RootFile::open(fixture("histograms.root")).unwrap();
    let exp = expected();
    let mut failures = Vec::new();
    for e in exp["graphs"].as_array().unwrap() {
        let path = e["path"].as_str().unwrap();
        let g = file.read_graph(path).unwrap();
        assert_eq!(g.class, e["class"].as_str().unwrap());
        assert_eq!(g.name, e["name"].as_str().unwrap());
        assert_eq!(g.title, e["title"].as_str().unwrap());
        assert_eq!(g.len() as u64, e["n"].as_u64().unwrap());
        same(&format!("{path} x"), &g.x, &floats(&e["x"]), &mut failures);
        same(&format!("{path} y"), &g.y, &floats(&e["y"]), &mut failures);
        if e.get("ex").is_some() {
            let n = g.len();
            type Acc = fn(&rootio::RootGraph, usize) -> f64;
            let accessors: [(&str, Acc); 6] = [
                ("exlow", rootio::RootGraph::error_x_low),
                ("exhigh", rootio::RootGraph::error_x_high),
                ("eylow", rootio::RootGraph::error_y_low),
                ("eyhigh", rootio::RootGraph::error_y_high),
                ("ex", rootio::RootGraph::error_x),
                ("ey", rootio::RootGraph::error_y),
            ];
            for (what, acc) in accessors {
                let got: Vec<f64> = (0..n).map(|i| acc(&g, i)).collect();
                same(
                    &format!("{path} {what}"),
                    &got,
                    &floats(&e[what]),
                    &mut failures,
                );
            }
        } else {
            assert_eq!(g.errors, GraphErrors::None);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    match file.read_plottable("graph_asymm").unwrap() {
        Plottable::Graph(g) => assert!(matches!(g.errors, GraphErrors::Asymmetric { .. })),
        other => panic!("{other:?}"),
    }
    match file.read_plottable("dir/inner").unwrap() {
        Plottable::Histogram(h) => assert_eq!(h.class, "TH1D"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_classes_give_typed_errors() {
    let file = RootFile::open(fixture("histograms.root")).unwrap();
    for (path, class) in [
        ("named", "TNamed"),
        ("text", "TObjString"),
        ("dir", "TDirectory"),
    ] {
        let e = file.read_plottable(path).unwrap_err();
        match &*e.kind {
            ErrorKind::WrongClass { name, class: c, .. } => {
                assert_eq!(name, path);
                assert_eq!(c, class);
            }
            other => panic!("{path}: {other:?}"),
        }
        let msg = e.to_string();
        assert!(
            msg.contains("histograms.root") && msg.contains(class),
            "{msg}"
        );
    }
    // A graph is not a histogram, and the other way round.
    let e = file.read_histogram("graph").unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::WrongClass { .. }), "{e}");
    let e = file.read_graph("h1f").unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::WrongClass { .. }), "{e}");
    // A histogram class hepframe does not read.
    let e = file.read_plottable("poly").unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::Unsupported(_)), "{e}");
    assert!(
        e.to_string().contains("TH2Poly") && e.to_string().contains("poly"),
        "{e}"
    );
    let e = file.read_plottable("nope").unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::NotFound { .. }), "{e}");
}

/// Every byte of the file flipped in turn (and the file cut short) gives values or errors,
/// never a panic.
#[test]
fn damaged_files_never_panic() {
    let data = std::fs::read(fixture("histograms.root")).unwrap();
    let paths = [
        "h1f",
        "labels",
        "prof_w",
        "h3d",
        "graph_asymm",
        "dir/inner",
        "prof3d",
    ];
    let step = 7;
    for i in (0..data.len()).step_by(step) {
        let mut d = data.clone();
        d[i] ^= 0x5a;
        let src = std::sync::Arc::new(rootio::MemorySource::new(d, "damaged.root"));
        let Ok(file) = RootFile::from_source(src) else {
            continue;
        };
        for p in paths {
            if let Ok(Plottable::Histogram(h)) = file.read_plottable(p) {
                let _ = (h.values(), h.errors(), h.sum_of_weights(), h.stats_array());
            }
        }
    }
    for cut in [100, data.len() / 2, data.len() - 1] {
        let src = std::sync::Arc::new(rootio::MemorySource::new(data[..cut].to_vec(), "cut.root"));
        if let Ok(file) = RootFile::from_source(src) {
            for p in paths {
                let _ = file.read_plottable(p);
            }
        }
    }
}

//! Shared helpers for the writer tests: histograms to and from the JSON description used by
//! `src/write/make_streamers.py` (reference histograms written by ROOT) and by
//! `tests/verify_written.py` (checks of our files with ROOT and uproot).
#![allow(dead_code)]

pub mod tree;

use std::path::PathBuf;

use rootio::write::{Axis, Precision, Stats, WriteObject, TH1, TH2};
use serde_json::{json, Value};

/// A fresh, empty folder under the system's temporary folder.
pub fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "hepframe-rootio-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A 1-D or 2-D histogram.
#[derive(Debug, Clone)]
pub enum Hist {
    One(TH1),
    Two(TH2),
}

impl Hist {
    pub fn object(&self) -> &dyn WriteObject {
        match self {
            Hist::One(h) => h,
            Hist::Two(h) => h,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Hist::One(h) => &h.name,
            Hist::Two(h) => &h.name,
        }
    }

    /// The JSON description (same schema as `reference_hists.json`).
    pub fn to_json(&self) -> Value {
        let unit = Axis::regular(1, 0.0, 1.0);
        match self {
            Hist::One(h) => json!({
                "class": h.class_name(),
                "name": h.name,
                "title": h.title,
                "x": axis_json(&h.x),
                "y": axis_json(&unit.clone().with_title(h.y_title.clone())),
                "z": axis_json(&unit),
                "contents": stored(&h.contents, h.precision),
                "sumw2": h.sumw2,
                "entries": h.entries,
                "stats": [h.stats.tsumw, h.stats.tsumw2, h.stats.tsumwx, h.stats.tsumwx2],
            }),
            Hist::Two(h) => json!({
                "class": h.class_name(),
                "name": h.name,
                "title": h.title,
                "x": axis_json(&h.x),
                "y": axis_json(&h.y),
                "z": axis_json(&unit.clone().with_title(h.z_title.clone())),
                "contents": stored(&h.contents, h.precision),
                "sumw2": h.sumw2,
                "entries": h.entries,
                "stats": [h.stats.tsumw, h.stats.tsumw2, h.stats.tsumwx, h.stats.tsumwx2,
                          h.stats.tsumwy, h.stats.tsumwy2, h.stats.tsumwxy],
            }),
        }
    }

    /// Rebuild a histogram from its JSON description.
    pub fn from_json(j: &Value) -> Hist {
        let class = j["class"].as_str().unwrap();
        let precision = if class.ends_with('F') {
            Precision::Float
        } else {
            Precision::Double
        };
        let contents = floats(&j["contents"]);
        let sumw2 = j["sumw2"].as_array().map(|_| floats(&j["sumw2"]));
        let s = floats(&j["stats"]);
        let name = j["name"].as_str().unwrap().to_string();
        let title = j["title"].as_str().unwrap().to_string();
        let entries = j["entries"].as_f64().unwrap();
        if class.starts_with("TH1") {
            Hist::One(TH1 {
                name,
                title,
                x: axis_from_json(&j["x"]),
                y_title: j["y"]["title"].as_str().unwrap().to_string(),
                precision,
                contents,
                sumw2,
                entries,
                stats: Stats {
                    tsumw: s[0],
                    tsumw2: s[1],
                    tsumwx: s[2],
                    tsumwx2: s[3],
                    ..Stats::default()
                },
            })
        } else {
            Hist::Two(TH2 {
                name,
                title,
                x: axis_from_json(&j["x"]),
                y: axis_from_json(&j["y"]),
                z_title: j["z"]["title"].as_str().unwrap().to_string(),
                precision,
                contents,
                sumw2,
                entries,
                stats: Stats {
                    tsumw: s[0],
                    tsumw2: s[1],
                    tsumwx: s[2],
                    tsumwx2: s[3],
                    tsumwy: s[4],
                    tsumwy2: s[5],
                    tsumwxy: s[6],
                },
            })
        }
    }
}

/// Contents as stored: rounded to f32 for TH1F/TH2F.
fn stored(v: &[f64], p: Precision) -> Vec<f64> {
    match p {
        Precision::Double => v.to_vec(),
        Precision::Float => v.iter().map(|x| *x as f32 as f64).collect(),
    }
}

pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

pub fn axis_json(a: &Axis) -> Value {
    let edges = match &a.binning {
        rootio::write::Binning::Regular { .. } => Value::Null,
        rootio::write::Binning::Variable(e) => json!(e),
    };
    json!({
        "nbins": a.nbins(),
        "low": a.low(),
        "high": a.high(),
        "edges": edges,
        "title": a.title,
        "labels": a.labels.iter().map(|(b, l)| json!([b, l])).collect::<Vec<_>>(),
    })
}

pub fn axis_from_json(j: &Value) -> Axis {
    let mut a = match j["edges"].as_array() {
        Some(_) => Axis::variable(floats(&j["edges"])),
        None => Axis::regular(
            j["nbins"].as_u64().unwrap() as usize,
            j["low"].as_f64().unwrap(),
            j["high"].as_f64().unwrap(),
        ),
    };
    a.title = j["title"].as_str().unwrap().to_string();
    for l in j["labels"].as_array().unwrap() {
        a = a.with_bin_label(l[0].as_u64().unwrap() as usize, l[1].as_str().unwrap());
    }
    a
}

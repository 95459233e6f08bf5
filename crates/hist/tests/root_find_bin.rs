//! `find_bin` and `find_global_bin` give ROOT 6.40's `TAxis::FindFixBin` and
//! `TH1::FindFixBin` for every probe value recorded by
//! `crates/rootio/tests/fixtures/make_histograms.py` (on, just below and just above every edge,
//! bin centres, outside the range, ±inf, NaN, -0), and a [`Lookup`] built from a histogram read
//! from the file reads ROOT's `GetBinContent(FindFixBin(x, y, z))`.

use hist::{find_bin, find_global_bin, Lookup, OutOfRange};
use rootio::RootFile;
use serde_json::Value;

fn fixture(name: &str) -> String {
    format!(
        "{}/../rootio/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn f(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn find_bin_matches_root_for_every_probe() {
    let file = RootFile::open(fixture("histograms.root")).unwrap();
    let text = std::fs::read_to_string(fixture("expected/histograms.json")).unwrap();
    let exp: Value = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    let mut probes = 0;
    for e in exp["histograms"].as_array().unwrap() {
        let path = e["path"].as_str().unwrap();
        let h = file.read_histogram(path).unwrap();
        for (i, ea) in e["axes"].as_array().unwrap().iter().enumerate() {
            for p in ea["find_fix_bin"].as_array().unwrap() {
                let (x, want) = (f(&p[0]), p[1].as_u64().unwrap() as usize);
                probes += 1;
                let got = find_bin(&h.axes[i], x);
                if got != want {
                    failures.push(format!(
                        "{path} axis {i}: FindFixBin({x:?}) = {got}, ROOT {want}"
                    ));
                }
            }
        }
        let lookup = Lookup::from_root(&h).unwrap();
        for p in e["global_find_fix_bin"].as_array().unwrap() {
            let coords: Vec<f64> = p[0].as_array().unwrap().iter().map(f).collect();
            let want = p[1].as_u64().unwrap() as usize;
            probes += 1;
            let got = find_global_bin(&h, &coords);
            if got != want {
                failures.push(format!("{path}: FindFixBin{coords:?} = {got}, ROOT {want}"));
            }
            let value = lookup.value(&coords, OutOfRange::Flow);
            if value.to_bits() != h.bin_content(want).to_bits() {
                failures.push(format!("{path}: lookup{coords:?} = {value}"));
            }
        }
    }
    assert!(probes > 1000, "{probes} probes");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_lookup_reads_bin_errors() {
    let file = RootFile::open(fixture("histograms.root")).unwrap();
    let h = file.read_histogram("prof2d").unwrap();
    let t = Lookup::errors_from_root(&h).unwrap();
    let bin = find_global_bin(&h, &[1.5, 2.5]);
    assert_eq!(t.value(&[1.5, 2.5], OutOfRange::Flow), h.bin_error(bin));
}

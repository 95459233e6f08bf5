//! Files written by `rootio::write` read back with rootio (always), and with ROOT 6.40 and
//! uproot when `HEPFRAME_ROOT_PYTHON` names a Python that has both:
//!
//! ```text
//! HEPFRAME_ROOT_PYTHON=$HOME/peers/bin/python cargo test -p rootio --test writing -- --nocapture
//! ```
//!
//! The ROOT check (`verify_written.py`) opens every file with `TFile::Open` and compares every
//! bin (flow bins included), error, axis, title, label, entry count and statistic with the
//! values written; it also reads each histogram with uproot (`values(flow=True)`, `to_hist()`).
//! Any "Warning in <…>", "Error in <…>" or recovery message printed by ROOT fails the test, and
//! so does any ROOT warning that PyROOT turns into a Python `RuntimeWarning` (for instance
//! `TFile::Init`'s "file probably not closed").
//! With a scratch folder the script also writes the same histograms with ROOT at the same
//! compression setting and prints both files' sizes (information only).

mod write_support;

use std::path::{Path, PathBuf};

use rootio::compression::{block_algorithm, Algorithm};
use rootio::object::{Object, Value as V};
use rootio::write::{Axis, Compression, FileWriter, Precision, WriteOptions, TH1, TH2};
use rootio::{ErrorKind, RootFile};
use serde_json::{json, Value};
use write_support::{temp_dir, Hist};

/// Deterministic pseudo-random numbers in [0, 1).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The histograms every test file holds.
fn sample_histograms() -> Vec<Hist> {
    let mut r = Lcg(42);
    let mut out = Vec::new();

    // A large TH1D with sumw2: compressible, several kB.
    let n = 2000;
    let contents: Vec<f64> = (0..n + 2).map(|i| ((i * 37) % 101) as f64).collect();
    let sumw2: Vec<f64> = contents.iter().map(|c| c * 1.5).collect();
    let mut h = TH1::new(
        "big",
        "A large TH1D",
        Axis::regular(n, -10.0, 10.0).with_title("m_{#mu#mu} [GeV]"),
        contents,
    );
    h.sumw2 = Some(sumw2);
    h.y_title = "Events / 0.01 GeV".into();
    h.entries = 123456.0;
    out.push(Hist::One(h.with_stats_from_bins()));

    // A small TH1F with variable bins and labels on some bins.
    let mut h = TH1::new(
        "small_f",
        "TH1F, variable bins",
        Axis::variable([0.0, 0.5, 2.0, 2.5, 10.0])
            .with_bin_label(2, "second")
            .with_bin_label(4, "fourth"),
        vec![1.25, 2.0, 3.5, 0.1, 4.0, 9.0],
    );
    h.precision = Precision::Float;
    out.push(Hist::One(h));

    // A TH1D with a label on every bin (alphanumeric axis).
    out.push(Hist::One(TH1::new(
        "cutflow",
        "Cut flow",
        Axis::regular(4, 0.0, 4.0).with_labels(["all", "trigger", "2 muons", "OS"]),
        vec![0.0, 1000.0, 800.0, 300.0, 250.0, 0.0],
    )));

    // A TH2D with sumw2 and a variable y axis.
    let (nx, ny) = (30, 20);
    let ny_edges: Vec<f64> = (0..=ny)
        .map(|i| (i as f64 / ny as f64).powi(2) * 5.0)
        .collect();
    let contents: Vec<f64> = (0..(nx + 2) * (ny + 2))
        .map(|_| (r.next() * 100.0).floor())
        .collect();
    let sumw2: Vec<f64> = contents.iter().map(|c| c * 0.25 + 1.0).collect();
    let mut h = TH2::new(
        "eta_phi",
        "TH2D with sumw2",
        Axis::regular(nx, -2.5, 2.5).with_title("#eta"),
        Axis::variable(ny_edges).with_title("p_{T} [TeV]"),
        contents,
    );
    h.sumw2 = Some(sumw2);
    h.z_title = "Events".into();
    out.push(Hist::Two(h.with_stats_from_bins()));

    // A TH2F.
    let contents: Vec<f64> = (0..5 * 4).map(|i| i as f64 * 0.5).collect();
    let mut h = TH2::new(
        "h2f",
        "TH2F",
        Axis::regular(3, 0.0, 3.0),
        Axis::regular(2, -1.0, 1.0).with_bin_label(1, "down"),
        contents,
    );
    h.precision = Precision::Float;
    out.push(Hist::Two(h));
    out
}

const COMPRESSIONS: [Compression; 5] = [
    Compression::None,
    Compression::Zlib(1),
    Compression::Lzma(5),
    Compression::Lz4(4),
    Compression::Zstd(5),
];

/// Write the sample histograms (and a second cycle of "small_f") to `path`.
fn write_sample(path: &Path, compression: Compression) -> Vec<Hist> {
    let hists = sample_histograms();
    let mut w = FileWriter::create(
        path,
        WriteOptions {
            compression,
            title: "hepframe test file".into(),
            ..Default::default()
        },
    )
    .unwrap();
    for h in &hists {
        w.write_object(h.name(), h.object()).unwrap();
    }
    // Second cycle of small_f with other contents.
    let Hist::One(mut again) = hists[1].clone() else {
        unreachable!()
    };
    again.contents = vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
    again.title = "cycle 2".into();
    w.write_object("small_f", &again).unwrap();
    w.close().unwrap();
    let mut all = hists;
    all.push(Hist::One(again));
    all
}

fn floats_of(obj: &Object, member: &str) -> Vec<f64> {
    match obj.get(member) {
        Some(V::Floats(v)) => v.clone(),
        Some(V::Object(o)) => floats_of(o, "fArray"),
        other => panic!("{member}: {other:?}"),
    }
}

fn float(obj: &Object, member: &str) -> f64 {
    match obj.get(member) {
        Some(V::Float(f)) => *f,
        other => panic!("{member}: {other:?}"),
    }
}

fn axis_of<'a>(obj: &'a Object, member: &str) -> &'a Object {
    obj.get(member)
        .and_then(|v| v.as_object())
        .map(|o| &**o)
        .unwrap_or_else(|| panic!("{member} missing"))
}

fn check_axis(obj: &Object, a: &Axis, what: &str) {
    assert_eq!(obj.int("fNbins").unwrap() as usize, a.nbins(), "{what}");
    assert_eq!(float(obj, "fXmin"), a.low(), "{what}");
    assert_eq!(float(obj, "fXmax"), a.high(), "{what}");
    assert_eq!(obj.title(), a.title, "{what}");
    let edges = floats_of(obj, "fXbins");
    match &a.binning {
        rootio::write::Binning::Regular { .. } => assert!(edges.is_empty(), "{what}"),
        rootio::write::Binning::Variable(e) => assert_eq!(&edges, e, "{what}"),
    }
    let labels: Vec<(usize, String)> = match obj.get("fLabels") {
        Some(V::Object(list)) => list
            .objects("fObjects")
            .iter()
            .map(|o| {
                let bin = match o.get("fUniqueID") {
                    Some(V::UInt(u)) => *u as usize,
                    other => panic!("{other:?}"),
                };
                (bin, o.str("fString").unwrap().to_string())
            })
            .collect(),
        Some(V::Null) | None => Vec::new(),
        other => panic!("{what} fLabels: {other:?}"),
    };
    assert_eq!(labels, a.labels, "{what}");
}

fn check_hist(file: &RootFile, path: &str, h: &Hist) {
    let obj = file.read_object(path).unwrap();
    let key = file.key(path).unwrap();
    assert_eq!(key.class_name, h.object().class_name());
    assert_eq!(key.title, h.object().title());
    let stats: Vec<f64> = ["fTsumw", "fTsumw2", "fTsumwx", "fTsumwx2"]
        .iter()
        .map(|m| float(&obj, m))
        .collect();
    match h {
        Hist::One(h) => {
            assert_eq!(obj.name(), h.name);
            assert_eq!(obj.title(), h.title);
            check_axis(axis_of(&obj, "fXaxis"), &h.x, "x");
            assert_eq!(axis_of(&obj, "fYaxis").title(), h.y_title);
            let want: Vec<f64> = match h.precision {
                Precision::Double => h.contents.clone(),
                Precision::Float => h.contents.iter().map(|c| *c as f32 as f64).collect(),
            };
            assert_eq!(floats_of(&obj, "fArray"), want, "{path}");
            assert_eq!(
                floats_of(&obj, "fSumw2"),
                h.sumw2.clone().unwrap_or_default()
            );
            assert_eq!(float(&obj, "fEntries"), h.entries);
            let s = h.stats;
            assert_eq!(stats, [s.tsumw, s.tsumw2, s.tsumwx, s.tsumwx2]);
        }
        Hist::Two(h) => {
            assert_eq!(obj.name(), h.name);
            check_axis(axis_of(&obj, "fXaxis"), &h.x, "x");
            check_axis(axis_of(&obj, "fYaxis"), &h.y, "y");
            assert_eq!(axis_of(&obj, "fZaxis").title(), h.z_title);
            let want: Vec<f64> = match h.precision {
                Precision::Double => h.contents.clone(),
                Precision::Float => h.contents.iter().map(|c| *c as f32 as f64).collect(),
            };
            assert_eq!(floats_of(&obj, "fArray"), want, "{path}");
            assert_eq!(
                floats_of(&obj, "fSumw2"),
                h.sumw2.clone().unwrap_or_default()
            );
            assert_eq!(float(&obj, "fEntries"), h.entries);
            let s = h.stats;
            assert_eq!(stats, [s.tsumw, s.tsumw2, s.tsumwx, s.tsumwx2]);
            let y: Vec<f64> = ["fTsumwy", "fTsumwy2", "fTsumwxy"]
                .iter()
                .map(|m| float(&obj, m))
                .collect();
            assert_eq!(y, [s.tsumwy, s.tsumwy2, s.tsumwxy]);
        }
    }
}

#[test]
fn round_trip_through_rootio_with_every_compression() {
    let dir = temp_dir("roundtrip");
    for c in COMPRESSIONS {
        let path = dir.join(format!("hists_{}.root", c.root_setting()));
        let hists = write_sample(&path, c);
        let file = RootFile::open(&path).unwrap();
        let h = file.header();
        assert_eq!(
            (h.root_version, h.begin, h.big, h.units),
            (64000, 100, false, 4)
        );
        assert_eq!(h.compress, c.root_setting());
        assert_eq!(h.end, std::fs::metadata(&path).unwrap().len());

        // Keys: in ROOT's order, the new cycle of small_f ahead of the old one.
        let keys: Vec<(String, i16, String)> = file
            .walk()
            .unwrap()
            .into_iter()
            .map(|e| (e.key.name, e.key.cycle, e.key.class_name))
            .collect();
        let want: Vec<(String, i16, String)> = [
            ("big", 1, "TH1D"),
            ("small_f", 2, "TH1F"),
            ("small_f", 1, "TH1F"),
            ("cutflow", 1, "TH1D"),
            ("eta_phi", 1, "TH2D"),
            ("h2f", 1, "TH2F"),
        ]
        .iter()
        .map(|(n, c, k)| (n.to_string(), *c, k.to_string()))
        .collect();
        assert_eq!(keys, want, "{c:?}");

        // Large objects are compressed with the chosen algorithm; small ones never.
        let big = file.key("big").unwrap();
        let stored = file
            .source()
            .read_range(big.seek_key + big.keylen as u64..big.seek_key + big.nbytes as u64)
            .unwrap();
        let want_alg = match c {
            Compression::None => None,
            Compression::Zlib(_) => Some(Algorithm::Zlib),
            Compression::Lzma(_) => Some(Algorithm::Lzma),
            Compression::Lz4(_) => Some(Algorithm::Lz4),
            Compression::Zstd(_) => Some(Algorithm::Zstd),
        };
        assert_eq!(big.is_compressed(), want_alg.is_some(), "{c:?}");
        if want_alg.is_some() {
            assert_eq!(block_algorithm(&stored), want_alg);
        }
        let small = file.key("cutflow").unwrap();
        assert!(small.objlen > 256 || !small.is_compressed());

        for h in [&hists[0], &hists[2], &hists[3], &hists[4]] {
            check_hist(&file, h.name(), h);
        }
        check_hist(&file, "small_f;1", &hists[1]);
        check_hist(&file, "small_f;2", &hists[5]);
        check_hist(&file, "small_f", &hists[5]);
        assert!(file.streamer_infos().unwrap().has("TH1D", 3));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reproducible_files_are_identical() {
    let dir = temp_dir("repro");
    let write = |name: &str| {
        let path = dir.join(name);
        let mut w = FileWriter::create(
            &path,
            WriteOptions {
                reproducible: true,
                ..Default::default()
            },
        )
        .unwrap();
        for h in sample_histograms() {
            w.write_object(h.name(), h.object()).unwrap();
        }
        w.close().unwrap();
        std::fs::read(path).unwrap()
    };
    // Same file name: the name is stored in the file.
    let a = write("same.root");
    let b = write("same.root");
    assert_eq!(a, b);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn leftover_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[test]
fn dropped_writer_leaves_nothing_and_keeps_an_existing_file() {
    let dir = temp_dir("atomic");
    let path = dir.join("out.root");
    {
        let mut w = FileWriter::create(&path, WriteOptions::default()).unwrap();
        w.write_object("big", sample_histograms()[0].object())
            .unwrap();
        assert!(!path.exists(), "nothing under the final name before close");
        assert_eq!(
            leftover_files(&dir).len(),
            1,
            "one temporary file while writing"
        );
    }
    assert!(
        leftover_files(&dir).is_empty(),
        "{:?}",
        leftover_files(&dir)
    );

    // An existing file is untouched by an abandoned write and replaced by a completed one.
    std::fs::write(&path, b"previous contents").unwrap();
    {
        let mut w = FileWriter::create(&path, WriteOptions::default()).unwrap();
        w.write_object("big", sample_histograms()[0].object())
            .unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"previous contents");
    let w = FileWriter::create(&path, WriteOptions::default()).unwrap();
    w.close().unwrap();
    let f = RootFile::open(&path).unwrap();
    assert!(f.top().keys.is_empty());
    assert_eq!(leftover_files(&dir), vec![path.clone()]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unwritable_path_is_a_typed_error_naming_it() {
    let dir = temp_dir("badpath");
    let path = dir.join("no_such_folder").join("out.root");
    let e = FileWriter::create(&path, WriteOptions::default()).unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::WriteIo(_)), "{e:?}");
    assert_eq!(e.location.file.as_deref(), Some(path.as_path()));
    assert!(e.to_string().contains("no_such_folder/out.root"), "{e}");
    assert!(std::error::Error::source(&e).is_some());

    let e = FileWriter::create(Path::new("/"), WriteOptions::default()).unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::InvalidInput(_)), "{e:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_objects_are_refused_and_the_file_stays_usable() {
    let dir = temp_dir("invalid");
    let path = dir.join("out.root");
    let mut w = FileWriter::create(&path, WriteOptions::default()).unwrap();
    let bad = TH1::new("bad", "", Axis::regular(3, 0.0, 1.0), vec![1.0; 4]);
    let e = w.write_object("bad", &bad).unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::InvalidInput(_)), "{e}");
    assert_eq!(e.location.object.as_deref(), Some("bad"));
    assert!(e.to_string().contains("4 contents values"), "{e}");
    for (name, h) in [
        ("", Axis::regular(1, 0.0, 1.0)),
        ("a/b", Axis::regular(1, 0.0, 1.0)),
        ("nan", Axis::regular(1, f64::NAN, 1.0)),
        ("edges", Axis::variable([0.0, 2.0, 1.0])),
        ("label", Axis::regular(2, 0.0, 1.0).with_bin_label(3, "x")),
        ("nobins", Axis::regular(0, 0.0, 1.0)),
    ] {
        let n = h.nbins() + 2;
        let e = w
            .write_object(name, &TH1::new("h", "", h, vec![0.0; n]))
            .unwrap_err();
        assert!(
            matches!(&*e.kind, ErrorKind::InvalidInput(_)),
            "{name}: {e}"
        );
    }
    let good = TH1::new("good", "", Axis::regular(3, 0.0, 1.0), vec![1.0; 5]);
    w.write_object("good", &good).unwrap();
    w.close().unwrap();
    let f = RootFile::open(&path).unwrap();
    assert_eq!(f.top().keys.len(), 1);
    check_hist(&f, "good", &Hist::One(good));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file whose objects lie past 2 GB (with a sparse gap before them): big header, 64-bit keys,
/// directory record version 1005.
fn write_big(path: &Path) -> Vec<Hist> {
    let hists = sample_histograms();
    let mut w = FileWriter::create(path, WriteOptions::default()).unwrap();
    w.write_object(hists[2].name(), hists[2].object()).unwrap();
    w.test_skip_to(2_100_000_000);
    for h in [&hists[0], &hists[3]] {
        w.write_object(h.name(), h.object()).unwrap();
    }
    w.close().unwrap();
    vec![hists[2].clone(), hists[0].clone(), hists[3].clone()]
}

#[test]
fn files_over_2gb_use_the_big_layout() {
    let dir = temp_dir("big");
    let path = dir.join("big.root");
    let hists = write_big(&path);
    let file = RootFile::open(&path).unwrap();
    assert!(file.header().big);
    assert_eq!(file.header().units, 8);
    assert!(file.header().end > 2_100_000_000);
    let big = file.key("big").unwrap();
    assert_eq!(big.version, 1004);
    assert!(big.seek_key >= 2_100_000_000);
    assert_eq!(file.key("cutflow").unwrap().version, 4);
    for h in &hists {
        check_hist(&file, h.name(), h);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Check our files with ROOT 6.40 and uproot (skipped unless HEPFRAME_ROOT_PYTHON is set).
#[test]
fn root_and_uproot_read_our_files() {
    let Ok(python) = std::env::var("HEPFRAME_ROOT_PYTHON") else {
        eprintln!("skipped: set HEPFRAME_ROOT_PYTHON to a Python with ROOT and uproot");
        return;
    };
    let dir = temp_dir("root");
    let mut files = Vec::new();
    for c in COMPRESSIONS {
        let path = dir.join(format!("hists_{}.root", c.root_setting()));
        let hists = write_sample(&path, c);
        let mut entries: Vec<Value> = Vec::new();
        for (i, h) in hists.iter().enumerate() {
            let mut j = h.to_json();
            // The last one is cycle 2 of small_f; hists[1] is cycle 1.
            j["path"] = json!(match i {
                1 => "small_f;1".to_string(),
                5 => "small_f;2".to_string(),
                _ => h.name().to_string(),
            });
            entries.push(j);
        }
        files.push(json!({"file": path, "compression": c.root_setting(), "histograms": entries}));
    }
    let big = dir.join("big.root");
    let hists = write_big(&big);
    files.push(json!({
        "file": big,
        "compression": Compression::default().root_setting(),
        "big": true,
        "histograms": hists.iter().map(|h| { let mut j = h.to_json(); j["path"] = json!(h.name()); j }).collect::<Vec<_>>(),
    }));
    let empty = dir.join("empty.root");
    FileWriter::create(&empty, WriteOptions::default())
        .unwrap()
        .close()
        .unwrap();
    files.push(json!({"file": empty, "compression": 505, "histograms": []}));

    let manifest = dir.join("manifest.json");
    std::fs::write(
        &manifest,
        serde_json::to_string_pretty(&json!(files)).unwrap(),
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/verify_written.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(&manifest)
        .arg(&dir)
        .output()
        .expect("run HEPFRAME_ROOT_PYTHON");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(out.status.success(), "verify_written.py failed");
    for text in [&stdout, &stderr] {
        for complaint in ["Warning in <", "Error in <", "RuntimeWarning", "Recover"] {
            assert!(
                !text.contains(complaint),
                "ROOT complained ({complaint}):\n{text}"
            );
        }
    }
    assert!(stdout.contains("ALL OK"));
    std::fs::remove_dir_all(&dir).unwrap();
}

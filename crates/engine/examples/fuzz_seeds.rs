//! Write the seed corpora of the fuzz targets in `fuzz/` (see `fuzz/README.md`):
//!
//! ```text
//! cargo run -p engine --example fuzz_seeds -- fuzz/seeds
//! ```
//!
//! - `open_walk/`: tiny TTree files written by `rootio::write` (every branch layout, every
//!   compression, several baskets and clusters) and a file with histograms. The small fixtures of
//!   `crates/rootio/tests/fixtures` are given to the fuzzer beside them.
//! - `basket/`: baskets of the fixtures as stored on disk (under 4 KiB; one per interpretation
//!   and compression algorithm), prefixed with the selector of `rootio::fuzz_harness::basket`
//!   for the branch's interpretation.
//! - `streamer_info/`: the `StreamerInfo` payloads of the fixtures (under 16 KiB), prefixed
//!   with the key length.
//! - `expression/`: the expressions of the example analyses and of the expression tests.
//! - `analysis_file/`: the example analyses.
//! - `partial_and_plan/`: plans of the ADL examples on the bundled events and their partial
//!   results, as `hepframe merge` reads them.
//!
//! Other seeds larger than 64 KiB are left out; file names are content hashes, so rerunning adds
//! nothing twice.

use std::error::Error;
use std::path::{Path, PathBuf};

use engine::{plan, run_item, Analysis, Split};
use rootio::tree::BasketLocation;
use rootio::write::{
    Axis, BranchLayout, BranchSpec, Compression, FileWriter, TreeOptions, TreeWriter, WriteOptions,
    TH1,
};
use rootio::{Array, PrimitiveType as P, RootFile};

type Res<T> = Result<T, Box<dyn Error>>;

/// Seeds larger than this are not written.
const MAX_SEED: usize = 64 * 1024;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Write `data` as `dir/<hash>` (once).
fn seed(dir: &Path, data: &[u8]) -> Res<bool> {
    if data.len() > MAX_SEED {
        return Ok(false);
    }
    std::fs::create_dir_all(dir)?;
    // FNV-1a: stable across toolchains.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h = (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    std::fs::write(dir.join(format!("{h:016x}")), data)?;
    Ok(true)
}

/// Every `.root` file under `dir`.
fn root_files(dir: &Path, out: &mut Vec<PathBuf>) -> Res<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            root_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "root") {
            out.push(p);
        }
    }
    out.sort();
    Ok(())
}

fn jagged(counts: &[usize], values: Array) -> Array {
    let mut offsets = vec![0i64];
    for c in counts {
        offsets.push(offsets[offsets.len() - 1] + *c as i64);
    }
    Array::Jagged {
        offsets: offsets.into(),
        values: Box::new(values),
    }
}

/// A five-entry tree with every branch layout, two entries per cluster and small baskets.
fn tiny_tree(path: &Path, compression: Compression) -> Res<()> {
    let counts = [0usize, 1, 2, 3, 1];
    let n: usize = counts.iter().sum();
    let specs = vec![
        BranchSpec::new("nMuon", BranchLayout::Scalar(P::I32)),
        BranchSpec::new(
            "Muon_pt",
            BranchLayout::Counted {
                element: P::F32,
                counter: "nMuon".into(),
            },
        ),
        BranchSpec::new("flag", BranchLayout::Scalar(P::Bool)),
        BranchSpec::new("event", BranchLayout::Scalar(P::U64)),
        BranchSpec::new("small", BranchLayout::Scalar(P::I8)),
        BranchSpec::new(
            "m",
            BranchLayout::Fixed {
                element: P::F64,
                shape: vec![2, 3],
            },
        ),
        BranchSpec::new("v", BranchLayout::Vector(P::I16)),
    ];
    let cols = vec![
        Array::I32(counts.iter().map(|c| *c as i32).collect()),
        jagged(
            &counts,
            Array::F32((0..n).map(|i| i as f32 * 10.5).collect()),
        ),
        Array::Bool(vec![true, false, true, true, false]),
        Array::U64(vec![1, 2, 3, u64::MAX, 5]),
        Array::I8(vec![-128, 0, 1, 127, -1]),
        Array::Fixed {
            size: 6,
            values: Box::new(Array::F64((0..30).map(|i| i as f64 / 3.0).collect())),
        },
        jagged(&counts, Array::I16((0..n).map(|i| i as i16 - 3).collect())),
    ];
    let options = TreeOptions {
        basket_size: 100,
        auto_flush: 2,
        title: "tiny".into(),
    };
    let mut file = FileWriter::create(
        path,
        WriteOptions {
            compression,
            reproducible: true,
            ..Default::default()
        },
    )?;
    let mut w = TreeWriter::new("Events", specs, options)?;
    w.append(&mut file, &cols)?;
    w.finish(&mut file)?;
    let h = TH1::new(
        "pt",
        "p_{T}",
        Axis::regular(4, 0.0, 100.0),
        vec![0.0, 5.0, 3.0, 2.0, 1.0, 0.0],
    );
    file.write_object("pt", &h)?;
    file.close()?;
    Ok(())
}

fn open_walk_seeds(out: &Path) -> Res<usize> {
    let tmp = std::env::temp_dir().join(format!("hepframe-fuzz-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut n = 0;
    for (name, c) in [
        ("none", Compression::None),
        ("zlib", Compression::Zlib(1)),
        ("lz4", Compression::Lz4(1)),
        ("zstd", Compression::Zstd(1)),
        ("lzma", Compression::Lzma(1)),
    ] {
        let path = tmp.join(format!("{name}.root"));
        tiny_tree(&path, c)?;
        n += usize::from(seed(out, &std::fs::read(&path)?)?);
    }
    std::fs::remove_dir_all(&tmp)?;
    Ok(n)
}

/// Basket seeds per interpretation and compression algorithm.
const BASKETS_PER_KIND: usize = 1;
/// Largest basket seed.
const MAX_BASKET: u32 = 4 * 1024;
/// Largest streamer-list seed.
const MAX_STREAMERS: usize = 16 * 1024;

/// Baskets and streamer payloads of every fixture.
fn fixture_seeds(basket_dir: &Path, streamer_dir: &Path) -> Res<(usize, usize)> {
    let mut files = Vec::new();
    root_files(&repo().join("crates/rootio/tests/fixtures"), &mut files)?;
    let (mut baskets, mut streamers) = (0, 0);
    let mut per_kind: std::collections::HashMap<([u8; 3], u8), usize> = Default::default();
    for path in files {
        let Ok(file) = RootFile::open(&path) else {
            continue;
        };
        let bytes = std::fs::read(&path)?;
        let h = file.header();
        if h.seek_info > 0 {
            if let Ok(key) = file.read_key_at(h.seek_info) {
                if let Some(payload) = file
                    .read_payload(&key)
                    .ok()
                    .filter(|p| p.len() <= MAX_STREAMERS)
                {
                    let mut s = (key.keylen.max(0) as u16).to_be_bytes().to_vec();
                    s.extend_from_slice(&payload);
                    streamers += usize::from(seed(streamer_dir, &s)?);
                }
            }
        }
        for tree_path in file.tree_paths().unwrap_or_default() {
            let Ok(tree) = file.tree(&tree_path) else {
                continue;
            };
            for b in tree.data_branches() {
                let Ok(interp) = &b.interpretation else {
                    continue;
                };
                let variable = !matches!(interp, rootio::Interpretation::Fixed { .. });
                let Some(selector) = rootio::fuzz_harness::basket_selector(interp, variable) else {
                    continue;
                };
                for info in &b.baskets {
                    if let BasketLocation::OnDisk { seek, bytes: len } = info.location {
                        let (start, end) = (seek as usize, seek as usize + len as usize);
                        let Some(raw) = bytes.get(start..end) else {
                            continue;
                        };
                        // The compression algorithm: the first byte after the key (`fKeylen` at 14).
                        let keylen = raw
                            .get(14..16)
                            .map_or(0, |k| u16::from_be_bytes([k[0], k[1]]));
                        let algorithm = raw.get(keylen as usize).copied().unwrap_or(0);
                        let taken = per_kind.entry((selector, algorithm)).or_default();
                        if len > MAX_BASKET || *taken >= BASKETS_PER_KIND {
                            continue;
                        }
                        *taken += 1;
                        let mut s = selector.to_vec();
                        s.extend_from_slice(raw);
                        baskets += usize::from(seed(basket_dir, &s)?);
                    }
                }
            }
        }
    }
    Ok((baskets, streamers))
}

/// Expressions covering the language: the examples' and these.
const EXPRESSIONS: &[&str] = &[
    "(Muon[0] + Muon[1]).mass",
    "(PxPyPzMVector(Jet[0]) + PxPyPzMVector(Jet[1])).mass",
    "2147483647 + run * 0 + 1",
    "Jet.pt[abs(Jet.eta) < 1]",
    "Jet[1:].pt",
    "Jet.pt[-1:]",
    "Jet[argsort(-Jet.pt)].eta",
    "nJet > 0 ? Jet.pt[0] : -1",
    "where(Jet.pt > 30, Jet.pt, 0)",
    "first(Jet.pt, -1) + last(Jet.pt, 0.5) + get(Jet.pt, 2, 0)",
    "int(Jet.pt * 1000) % 1000",
    "gaussian_quantile(0.0005, 0.05)",
    "random_normal(event, Jet)",
    "run / (run - run)",
    "event % 1000 + luminosityBlock",
    "any(Jet.pt > 90) || all(Muon.charge == 1)",
    "count(Jet.pt > 40) + len(Jet) + sum(Jet.pt) + mean(Jet.pt)",
    "argmax(Jet.btag) + argmin(Jet.pt)",
    "sort(Jet.eta)",
    "min_delta_r(Muon, Jet)",
    "delta_r(Muon[0], Jet[0]) + delta_phi(MET_phi, Jet.phi[0])",
    "sum(combinations(Jet, 2).0.pt)",
    "cartesian(Muon, Jet)",
    "concat(Jet.pt, Muon.pt)",
    "pow(sqrt(abs(MET_pt)), 2.5) + exp(-1) + log10(1e3) + atan2(1, 2)",
    "float(nMuon) / double(nJet) + long(event) + bool(run)",
    "HLT_IsoMu24 && !(MET_pt < 20.0f)",
    "PxPyPzEVector(Jet[0]).pt",
    "goodJet = Jet[Jet.pt > 30 && Jet.jetId >= 2]\nsum(goodJet.pt)",
    "Jet := Jet[Jet.pt > 25]\nlen(Jet)",
    "Jet_pt := Jet_pt * 1.1f\nsum(Jet.pt)",
    "MET_pt := MET_pt * 2\nht = sum(Jet.pt)\nht + MET_pt",
];

fn expression_seeds(out: &Path, analyses: &[Analysis]) -> Res<usize> {
    let mut n = 0;
    for e in EXPRESSIONS {
        n += usize::from(seed(out, e.as_bytes())?);
    }
    for a in analyses {
        let json = serde_json::to_value(a)?;
        let mut found = Vec::new();
        collect_exprs(&json, &mut found);
        for e in found {
            n += usize::from(seed(out, e.as_bytes())?);
        }
    }
    Ok(n)
}

/// Every string under an `"expr"` key.
fn collect_exprs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("expr", serde_json::Value::String(s)) => out.push(s.clone()),
                    _ => collect_exprs(x, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_exprs(x, out)),
        _ => {}
    }
}

/// The example analysis files.
fn analysis_paths() -> Res<Vec<PathBuf>> {
    let ex = repo().join("examples");
    let mut out = vec![ex.join("dimuon.toml"), ex.join("skim.toml")];
    for dir in [ex.join("adl"), ex.join("agc")] {
        let mut more: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        more.sort();
        out.extend(more);
    }
    Ok(out)
}

/// Plans of ADL queries on the bundled clustered events, cut into 3 items, with their partials
/// (all of them, then a subset) separated by NUL as `fuzz_harness::partial_and_plan` reads them.
fn plan_seeds(out: &Path) -> Res<usize> {
    let events = repo().join("crates/engine/tests/data/nano_10k_clusters.root");
    let mut n = 0;
    for q in ["q1", "q3", "q5", "q6"] {
        let path = repo().join(format!("examples/adl/{q}.toml"));
        let mut a = Analysis::from_file(&path)?;
        a.files = vec![events.clone()];
        let p = plan(&a, Split::ItemsPerFile(3))?;
        let partials: Vec<String> = (0..p.items.len())
            .map(|k| run_item(&p, k).map(|x| x.to_json()))
            .collect::<Result<_, _>>()?;
        let plan_json = p.to_json();
        let all = std::iter::once(plan_json.clone())
            .chain(partials.iter().cloned())
            .collect::<Vec<_>>()
            .join("\0");
        n += usize::from(seed(out, all.as_bytes())?);
        let some = [plan_json, partials[0].clone()].join("\0");
        n += usize::from(seed(out, some.as_bytes())?);
    }
    Ok(n)
}

fn main() -> Res<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: fuzz_seeds <output folder>")?,
    );
    let n = open_walk_seeds(&out.join("open_walk"))?;
    println!("open_walk: {n} tiny files");
    let (b, s) = fixture_seeds(&out.join("basket"), &out.join("streamer_info"))?;
    println!("basket: {b} baskets\nstreamer_info: {s} streamer lists");
    let mut analyses = Vec::new();
    let mut files = 0;
    for p in analysis_paths()? {
        let text = std::fs::read_to_string(&p)?;
        files += usize::from(seed(&out.join("analysis_file"), text.as_bytes())?);
        analyses.push(Analysis::from_toml(&text, Some(&p))?);
    }
    println!("analysis_file: {files} analyses");
    let e = expression_seeds(&out.join("expression"), &analyses)?;
    println!("expression: {e} expressions");
    let p = plan_seeds(&out.join("partial_and_plan"))?;
    println!("partial_and_plan: {p} plans with partials");
    Ok(())
}

//! `hepframe merge --output OUT.root IN1.root IN2.root ...`: merge ROOT files as `hadd` does.
//!
//! Histograms (TH1D/TH1F/TH2D/TH2F) of the same name are added bin by bin, flow bins included:
//! contents, Σw² (a histogram without Σw² counts as Σw² = contents, as `TH1::Add` does after
//! `Sumw2()`), the entry count and the running sums Σw, Σw², Σwx … . Binnings must agree.
//! Trees (TTrees, and RNTuples, written as TTrees) of the same name are concatenated in input
//! order: every branch, same names and types in every file, copied cluster by cluster into a
//! new tree (decompressed and compressed again with the output's ZSTD-5). Only the top
//! directory is merged.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use rootio::object::{Object, Value};
use rootio::write::{Axis, Binning, FileWriter, Precision, Stats, WriteOptions, TH1, TH2};
use rootio::RootFile;

/// A histogram read from a file, as the writer's type.
enum Hist {
    One(TH1),
    Two(TH2),
}

fn floats(obj: &Object, member: &str) -> Vec<f64> {
    match obj.get(member) {
        Some(Value::Floats(v)) => v.clone(),
        Some(Value::Ints(v)) => v.iter().map(|x| *x as f64).collect(),
        Some(Value::Object(o)) => floats(o, "fArray"),
        _ => Vec::new(),
    }
}

fn float(obj: &Object, member: &str) -> f64 {
    match obj.get(member) {
        Some(Value::Float(f)) => *f,
        Some(Value::Int(i)) => *i as f64,
        Some(Value::UInt(u)) => *u as f64,
        _ => 0.0,
    }
}

fn axis(obj: &Object, member: &str) -> Result<Axis> {
    let a = obj
        .get(member)
        .and_then(|v| v.as_object())
        .ok_or_else(|| anyhow!("{member} missing"))?;
    let nbins = a.int("fNbins").unwrap_or(0).max(0) as usize;
    let edges = floats(a, "fXbins");
    let mut axis = if edges.len() == nbins + 1 && nbins > 0 {
        Axis::variable(edges)
    } else {
        Axis::regular(nbins, float(a, "fXmin"), float(a, "fXmax"))
    }
    .with_title(a.title());
    if let Some(Value::Object(list)) = a.get("fLabels") {
        for o in list.objects("fObjects") {
            if let (Some(Value::UInt(bin)), Some(label)) = (o.get("fUniqueID"), o.str("fString")) {
                axis = axis.with_bin_label(*bin as usize, label);
            }
        }
    }
    Ok(axis)
}

fn read_hist(file: &RootFile, name: &str, class: &str) -> Result<Hist> {
    let obj = file.read_object(name)?;
    let precision = if class.ends_with('F') {
        Precision::Float
    } else {
        Precision::Double
    };
    let contents = floats(&obj, "fArray");
    let sumw2 = floats(&obj, "fSumw2");
    let sumw2 = (!sumw2.is_empty()).then_some(sumw2);
    let stats = Stats {
        tsumw: float(&obj, "fTsumw"),
        tsumw2: float(&obj, "fTsumw2"),
        tsumwx: float(&obj, "fTsumwx"),
        tsumwx2: float(&obj, "fTsumwx2"),
        tsumwy: float(&obj, "fTsumwy"),
        tsumwy2: float(&obj, "fTsumwy2"),
        tsumwxy: float(&obj, "fTsumwxy"),
    };
    let x = axis(&obj, "fXaxis")?;
    let y = axis(&obj, "fYaxis")?;
    let entries = float(&obj, "fEntries");
    Ok(if class.starts_with("TH2") {
        let mut h = TH2::new(obj.name(), obj.title(), x, y, contents);
        h.precision = precision;
        h.sumw2 = sumw2;
        h.entries = entries;
        h.stats = stats;
        if let Ok(z) = axis(&obj, "fZaxis") {
            h.z_title = z.title;
        }
        Hist::Two(h)
    } else {
        let mut h = TH1::new(obj.name(), obj.title(), x, contents);
        h.precision = precision;
        h.sumw2 = sumw2;
        h.entries = entries;
        h.stats = stats;
        h.y_title = y.title;
        Hist::One(h)
    })
}

fn same_axis(a: &Axis, b: &Axis) -> bool {
    match (&a.binning, &b.binning) {
        (
            Binning::Regular {
                nbins: n1,
                low: l1,
                high: h1,
            },
            Binning::Regular {
                nbins: n2,
                low: l2,
                high: h2,
            },
        ) => n1 == n2 && l1 == l2 && h1 == h2,
        (Binning::Variable(e1), Binning::Variable(e2)) => e1 == e2,
        _ => false,
    }
}

fn add_stats(a: &mut Stats, b: &Stats) {
    a.tsumw += b.tsumw;
    a.tsumw2 += b.tsumw2;
    a.tsumwx += b.tsumwx;
    a.tsumwx2 += b.tsumwx2;
    a.tsumwy += b.tsumwy;
    a.tsumwy2 += b.tsumwy2;
    a.tsumwxy += b.tsumwxy;
}

fn add_bins(
    contents: &mut [f64],
    sumw2: &mut Option<Vec<f64>>,
    other: &[f64],
    other_sumw2: &Option<Vec<f64>>,
) {
    if sumw2.is_some() || other_sumw2.is_some() {
        let mine = sumw2.get_or_insert_with(|| contents.to_vec());
        let theirs = other_sumw2.clone().unwrap_or_else(|| other.to_vec());
        for (a, b) in mine.iter_mut().zip(theirs) {
            *a += b;
        }
    }
    for (a, b) in contents.iter_mut().zip(other) {
        *a += b;
    }
}

fn add(into: &mut Hist, other: Hist, name: &str, path: &Path) -> Result<()> {
    let mismatch = || {
        anyhow!(
            "{}: histogram '{name}' has another binning than in the first file",
            path.display()
        )
    };
    match (into, other) {
        (Hist::One(a), Hist::One(b)) => {
            if !same_axis(&a.x, &b.x) || a.contents.len() != b.contents.len() {
                return Err(mismatch());
            }
            add_bins(&mut a.contents, &mut a.sumw2, &b.contents, &b.sumw2);
            a.entries += b.entries;
            add_stats(&mut a.stats, &b.stats);
        }
        (Hist::Two(a), Hist::Two(b)) => {
            if !same_axis(&a.x, &b.x)
                || !same_axis(&a.y, &b.y)
                || a.contents.len() != b.contents.len()
            {
                return Err(mismatch());
            }
            add_bins(&mut a.contents, &mut a.sumw2, &b.contents, &b.sumw2);
            a.entries += b.entries;
            add_stats(&mut a.stats, &b.stats);
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}

/// The trees to merge: name → (branch specs, the inputs that hold it).
struct TreeMerge {
    name: String,
    columns: Vec<(String, engine::ColumnLayout)>,
    files: Vec<PathBuf>,
}

fn tree_columns(data: &rootio::Dataset) -> Result<Vec<(String, engine::ColumnLayout)>> {
    let mut out = Vec::new();
    for (name, _) in data.columns() {
        let layout = engine::snapshot::branch_layout(data, &name).map_err(|m| anyhow!(m))?;
        out.push((name, layout));
    }
    Ok(out)
}

fn copy_trees(w: &mut FileWriter, trees: &[TreeMerge]) -> Result<u64> {
    use rootio::write::{BranchSpec, TreeOptions, TreeWriter};
    let mut total = 0;
    for t in trees {
        let specs = t
            .columns
            .iter()
            .map(|(n, l)| BranchSpec::new(n.clone(), l.to_branch_layout()))
            .collect();
        let mut tw = TreeWriter::new(&t.name, specs, TreeOptions::default())?;
        let names: Vec<&str> = t.columns.iter().map(|(n, _)| n.as_str()).collect();
        for path in &t.files {
            let data = RootFile::open(path)?.dataset(&t.name)?;
            let mut start = 0;
            for end in data.cluster_ends() {
                let cols = data.read(&names, start..end, &rootio::ReadOptions { threads: 0 })?;
                tw.append(w, &cols)
                    .with_context(|| format!("{}: tree '{}'", path.display(), t.name))?;
                start = end;
            }
            total += data.entries();
        }
        tw.finish(w)?;
    }
    Ok(total)
}

/// Merge the histograms and trees of ROOT files into `output`.
pub fn merge(inputs: &[PathBuf], output: &Path, out: &mut impl Write) -> Result<()> {
    let mut merged: Vec<(String, Hist)> = Vec::new();
    let mut trees: Vec<TreeMerge> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for path in inputs {
        let file = RootFile::open(path)?;
        let mut seen = std::collections::HashSet::new();
        for entry in file.walk()? {
            let key = &entry.key;
            // Top directory only; each name once (reading by name takes its highest cycle).
            if !entry.dir.is_empty() || !seen.insert(key.name.clone()) {
                continue;
            }
            let class = key.class_name.as_str();
            if matches!(class, "TTree" | "TNtuple" | "TNtupleD" | "ROOT::RNTuple") {
                let data = file.dataset(&key.name)?;
                let columns = tree_columns(&data)
                    .with_context(|| format!("{}: tree '{}'", path.display(), key.name))?;
                match trees.iter_mut().find(|t| t.name == key.name) {
                    Some(t) if t.columns == columns => t.files.push(path.clone()),
                    Some(_) => bail!(
                        "{}: tree '{}' has other branches (or types) than in the first file",
                        path.display(),
                        key.name
                    ),
                    None => trees.push(TreeMerge {
                        name: key.name.clone(),
                        columns,
                        files: vec![path.clone()],
                    }),
                }
                continue;
            }
            if !matches!(class, "TH1D" | "TH1F" | "TH2D" | "TH2F") {
                if !skipped.contains(&key.name) {
                    skipped.push(format!("{} ({class})", key.name));
                }
                continue;
            }
            let h = read_hist(&file, &key.name, class)
                .with_context(|| format!("{}: histogram '{}'", path.display(), key.name))?;
            match merged.iter_mut().find(|(n, _)| *n == key.name) {
                Some((_, into)) => add(into, h, &key.name, path)?,
                None => merged.push((key.name.clone(), h)),
            }
        }
    }
    if merged.is_empty() && trees.is_empty() {
        bail!("no histograms (TH1D, TH1F, TH2D, TH2F) or trees in the input files");
    }
    let mut w = FileWriter::create(output, WriteOptions::default())?;
    for (name, h) in &merged {
        match h {
            Hist::One(h) => w.write_object(name, h)?,
            Hist::Two(h) => w.write_object(name, h)?,
        }
    }
    let entries = copy_trees(&mut w, &trees)?;
    w.close()?;
    writeln!(
        out,
        "merged {} histogram{} and {} tree{} ({} entries) from {} files into {}",
        merged.len(),
        if merged.len() == 1 { "" } else { "s" },
        trees.len(),
        if trees.len() == 1 { "" } else { "s" },
        entries,
        inputs.len(),
        output.display()
    )?;
    if !skipped.is_empty() {
        writeln!(
            out,
            "not merged (only histograms and trees are): {}",
            skipped.join(", ")
        )?;
    }
    Ok(())
}

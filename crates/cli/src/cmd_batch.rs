//! Batch work items for sites without Dask: `hepframe plan` cuts an analysis's input into work
//! items, `hepframe run --plan P --item K` runs one of them into `partial.json`, and
//! `hepframe merge` merges the partials into the same outputs as a local run.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use engine::{Analysis, Partial, Plan, Split};
use serde::{Deserialize, Serialize};

/// What `run --item` writes: the partial result with what `merge` needs to finish it.
#[derive(Serialize, Deserialize)]
struct PartialFile {
    /// `hepframe-partial-1`.
    format: String,
    /// The analysis (for the outputs' names, binning and plot settings).
    analysis: Analysis,
    /// Work items in the plan.
    plan_items: usize,
    /// Entries in the plan's input.
    plan_entries: u64,
    /// The plan's input files.
    files: Vec<PathBuf>,
    /// The result of the item.
    partial: Partial,
}

const PARTIAL_FORMAT: &str = "hepframe-partial-1";

/// `hepframe plan`.
pub fn plan(
    analysis: &Path,
    inputs: &[String],
    items_per_file: Option<usize>,
    entries_per_item: Option<u64>,
    output: &Path,
    out: &mut impl Write,
) -> Result<()> {
    let mut a = Analysis::from_file(analysis)?;
    if !inputs.is_empty() {
        a.files = inputs.iter().map(PathBuf::from).collect();
    }
    let split = match (items_per_file, entries_per_item) {
        (Some(_), Some(_)) => bail!("give --items-per-file or --entries-per-item, not both"),
        (Some(0), _) => bail!("--items-per-file must be at least 1"),
        (Some(n), None) => Split::ItemsPerFile(n),
        (None, Some(0)) => bail!("--entries-per-item must be at least 1"),
        (None, Some(n)) => Split::EntriesPerItem(n),
        (None, None) => Split::ItemsPerFile(1),
    };
    let p = engine::plan(&a, split)?;
    write_atomic(output, p.to_json().as_bytes())?;
    writeln!(
        out,
        "{} work items over {} file{} ({} entries); wrote {}",
        p.items.len(),
        p.files.len(),
        if p.files.len() == 1 { "" } else { "s" },
        p.entries,
        output.display()
    )?;
    writeln!(
        out,
        "run each with:  hepframe run {} --plan {} --item K --output part-K",
        analysis.display(),
        output.display()
    )?;
    Ok(())
}

/// `hepframe run ANALYSIS --plan P --item K --output DIR`: run one work item.
pub fn run_item(
    analysis: &Path,
    plan_path: &Path,
    item: usize,
    output: &Path,
    out: &mut impl Write,
) -> Result<()> {
    let plan = Plan::load(plan_path)?;
    let a = Analysis::from_file(analysis)?;
    if !same_work(&a, &plan.analysis) {
        bail!(
            "{} differs from the analysis the plan {} was made with; make the plan again",
            analysis.display(),
            plan_path.display()
        );
    }
    let it = plan.item(item)?.clone();
    let partial = engine::run_item(&plan, item)?;
    let file = PartialFile {
        format: PARTIAL_FORMAT.into(),
        analysis: plan.analysis.clone(),
        plan_items: plan.items.len(),
        plan_entries: plan.entries,
        files: plan.files.iter().map(|f| f.path.clone()).collect(),
        partial,
    };
    std::fs::create_dir_all(output).with_context(|| format!("{}", output.display()))?;
    let path = output.join("partial.json");
    let text = serde_json::to_string(&file)?;
    write_atomic(&path, text.as_bytes())?;
    writeln!(
        out,
        "{}: {} entries in {:.3} s; wrote {}",
        it.describe(),
        it.entries(),
        file.partial.seconds,
        path.display()
    )?;
    Ok(())
}

/// `hepframe merge PARTS... --output DIR`.
pub fn merge(inputs: &[PathBuf], output: &Path, out: &mut impl Write) -> Result<()> {
    if inputs.is_empty() {
        bail!("nothing to merge: give the part directories (or partial.json files) of `hepframe run --item`");
    }
    let mut files = Vec::with_capacity(inputs.len());
    for p in inputs {
        let path = if p.is_dir() {
            p.join("partial.json")
        } else {
            p.clone()
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let f: PartialFile = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a partial result of `hepframe run --item`: {e}",
                path.display()
            )
        })?;
        if f.format != PARTIAL_FORMAT {
            bail!(
                "{}: format '{}' is not '{PARTIAL_FORMAT}'",
                path.display(),
                f.format
            );
        }
        files.push((path, f));
    }
    let (first_path, first) = &files[0];
    for (path, f) in &files[1..] {
        if f.partial.plan != first.partial.plan {
            bail!(
                "{} and {} come from different plans ({} and {})",
                first_path.display(),
                path.display(),
                first.partial.plan,
                f.partial.plan
            );
        }
    }
    let analysis = first.analysis.clone();
    let (items, entries, inputs_used) = (first.plan_items, first.plan_entries, first.files.clone());
    let merged = engine::merge_all(files.into_iter().map(|(_, f)| f.partial).collect())?;
    merged.check_entries(items, entries)?;
    let results = merged.into_results(&analysis, inputs_used);
    engine::write_outputs(&results, output)?;
    writeln!(out, "{}", results.cutflow.table())?;
    writeln!(
        out,
        "merged {} work items, {} events; wrote {}",
        items,
        results.entries,
        output.display()
    )?;
    Ok(())
}

/// Whether two analyses compute the same things (names, expressions, binning, regions), whatever
/// their input files and where they were written.
fn same_work(a: &Analysis, b: &Analysis) -> bool {
    let items = |v: &[engine::Item]| {
        v.iter()
            .map(|i| (i.name.clone(), i.expr.clone()))
            .collect::<Vec<_>>()
    };
    let hists = |a: &Analysis| {
        a.histograms
            .iter()
            .map(|h| {
                (
                    h.value.name.clone(),
                    h.value.expr.clone(),
                    h.weight.as_ref().map(|w| w.expr.clone()),
                    format!("{:?}", h.binning),
                    h.y.as_ref()
                        .map(|(y, b)| (y.expr.clone(), format!("{b:?}"))),
                    h.after,
                )
            })
            .collect::<Vec<_>>()
    };
    let stats = |a: &Analysis| {
        a.stats
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.kind,
                    s.value.as_ref().map(|v| v.expr.clone()),
                    s.after,
                )
            })
            .collect::<Vec<_>>()
    };
    a.tree == b.tree
        && items(&a.defines) == items(&b.defines)
        && items(&a.cuts) == items(&b.cuts)
        && a.cut_parents == b.cut_parents
        && hists(a) == hists(b)
        && stats(a) == stats(b)
}

/// Write `bytes` to `path` through a temporary file in the same folder and a rename, so a failed
/// write never leaves a half-written file under the final name.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

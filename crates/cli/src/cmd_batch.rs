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
    /// `hepframe-partial-2`.
    format: String,
    /// The plan without its work items (for the samples, the outputs' names, binning and plot
    /// settings).
    plan: Plan,
    /// Work items in the plan.
    plan_items: usize,
    /// Entries in the plan's input.
    plan_entries: u64,
    /// The result of the item.
    partial: Partial,
}

const PARTIAL_FORMAT: &str = "hepframe-partial-2";

/// `hepframe plan`.
pub fn plan(
    analysis: &Path,
    inputs: &engine::analysis_file::InputOverrides,
    items_per_file: Option<usize>,
    entries_per_item: Option<u64>,
    output: &Path,
    out: &mut impl Write,
) -> Result<()> {
    let a = engine::analysis_file::from_file_with(analysis, inputs)?;
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
    let plan_items = plan.items.len();
    let mut head = plan;
    head.items.clear();
    let file = PartialFile {
        format: PARTIAL_FORMAT.into(),
        plan_entries: head.entries,
        plan: head,
        plan_items,
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
    let plan = first.plan.clone();
    let (items, entries) = (first.plan_items, first.plan_entries);
    let merged = engine::merge_all(files.into_iter().map(|(_, f)| f.partial).collect())?;
    merged.check_entries(items, entries)?;
    let results = merged.into_results(&plan)?;
    engine::write_outputs_of(Some(&plan.analysis), &results, output)?;
    for cf in &results.cutflows {
        writeln!(out, "{}", cf.table())?;
    }
    writeln!(
        out,
        "merged {} work items, {} events; wrote {}",
        items,
        results.entries,
        output.display()
    )?;
    Ok(())
}

/// Whether two analyses compute the same things (graph, expressions, binning, samples),
/// whatever their input files and where in the file they were written.
fn same_work(a: &Analysis, b: &Analysis) -> bool {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("files");
                m.remove("origin");
                for x in m.values_mut() {
                    strip(x);
                }
            }
            serde_json::Value::Array(xs) => xs.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let json = |a: &Analysis| {
        let mut v = serde_json::to_value(a).unwrap_or_default();
        strip(&mut v);
        v
    };
    json(a) == json(b)
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

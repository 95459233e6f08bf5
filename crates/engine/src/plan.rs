//! Work items: an analysis's input cut into cluster-aligned entry ranges of single files.
//!
//! A local run, a Dask run and a batch run (`hepframe plan` / `run --item` / `merge`) all cut the
//! input the same way and merge the partial results in the same order ([`crate::merge_all`]), so
//! they give the same histograms. A [`Plan`] is plain JSON: it names the analysis, the files with
//! their entry counts, and the work items, so that a batch job or a Dask task needs nothing else.

use std::ops::Range;
use std::path::{Path, PathBuf};

use rootio::{Dataset, RootFile};
use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::compile::{compile, CompiledSample, SampleContext};
use crate::error::{EngineError, Result};
use crate::sample::{Normalisation, Sample, SampleKind};

/// One unit of work: a range of whole clusters of one input file of one sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItem {
    /// Position in the plan (0-based); partial results merge in this order.
    pub index: usize,
    /// The sample (index into [`Plan::samples`]).
    #[serde(default)]
    pub sample: usize,
    /// The input file (empty for generated events, which have none).
    pub file: PathBuf,
    /// First entry.
    pub start: u64,
    /// One past the last entry.
    pub stop: u64,
}

impl WorkItem {
    /// Entries in this item.
    pub fn entries(&self) -> u64 {
        self.stop - self.start
    }
    /// `file.root entries 0–200000`, for messages.
    pub fn describe(&self) -> String {
        if self.file.as_os_str().is_empty() {
            return format!(
                "work item {} (generated events {}–{})",
                self.index, self.start, self.stop
            );
        }
        format!(
            "work item {} ({} entries {}–{})",
            self.index,
            self.file.display(),
            self.start,
            self.stop
        )
    }
}

/// How to cut files into work items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Whole clusters, grouped up to this many entries per item (at least one cluster).
    EntriesPerItem(u64),
    /// This many items per file (fewer when a file has fewer clusters), of about equal entries.
    ItemsPerFile(usize),
}

/// One input file of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFile {
    /// Its path, as given (globs expanded).
    pub path: PathBuf,
    /// Entries of the sample's tree in it.
    pub entries: u64,
    /// The sample it belongs to.
    #[serde(default)]
    pub sample: usize,
}

/// A sample of a plan, with what every work item needs to know about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedSample {
    /// The sample as declared (files with globs expanded and `max_files` applied).
    pub sample: Sample,
    /// The tree read.
    pub tree: String,
    /// Entries in all its files.
    pub entries: u64,
    /// Multiplies every fill weight: `σ × L / N` when `N` is known before the loop, else 1.
    pub norm: f64,
    /// For a normalisation by a sum over events: `σ × L`, divided by that sum at the end.
    pub xsec_lumi: Option<f64>,
    /// Whether its histograms keep Σw² (its weights are not all 1).
    pub weighted: bool,
    /// The histograms booked, in output order: `(histogram, universe tags)`, `nominal` first.
    pub histograms: Vec<(usize, Vec<String>)>,
    /// The cut-flow's cuts: name and the cut each follows (index into this list).
    pub cuts: Vec<(String, Option<usize>)>,
}

/// An analysis cut into work items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `hepframe-plan-2`.
    pub format: String,
    /// The analysis.
    pub analysis: Analysis,
    /// Its samples (one implicit sample for an analysis of plain input files).
    pub samples: Vec<PlannedSample>,
    /// The input files with their entries.
    pub files: Vec<PlannedFile>,
    /// The work items, in merge order.
    pub items: Vec<WorkItem>,
    /// Entries in all files.
    pub entries: u64,
    /// The output name of every histogram, in the order partial results hold them.
    pub histogram_names: Vec<String>,
}

const PLAN_FORMAT: &str = "hepframe-plan-2";

/// Cut the analysis's input into work items. Opens every file (to read its clusters) and
/// type-checks the analysis against each sample, so that mistakes show before any work is
/// submitted.
pub fn plan(a: &Analysis, split: Split) -> Result<Plan> {
    let p = plan_samples(a, split)?.0;
    // A batch job or Dask task holds one item's partial, a merge task a group of them.
    check_memory(&p, crate::partial::MERGE_ARITY + 1)?;
    Ok(p)
}

/// Bytes of the histograms of one partial result (every sample and universe), and the
/// largest histogram's name, cells and copies.
fn histogram_bytes(plan: &Plan) -> (u128, Option<(String, u128, usize)>) {
    let mut total = 0u128;
    let mut biggest: Option<(String, u128, usize)> = None;
    for ps in &plan.samples {
        for (spec, tags) in &ps.histograms {
            let h = &plan.analysis.histograms[*spec];
            let bins = |b: &crate::analysis::Binning| -> u128 {
                match b {
                    crate::analysis::Binning::Regular { bins, .. } => *bins as u128 + 2,
                    crate::analysis::Binning::Variable(e) => e.len().max(1) as u128 + 1,
                }
            };
            let cells = bins(&h.binning) * h.y.as_ref().map_or(1, |(_, yb)| bins(yb));
            let per = if ps.weighted || h.weight.is_some() {
                16
            } else {
                8
            };
            total += cells * per * tags.len() as u128;
            if biggest.as_ref().is_none_or(|b| b.1 < cells) {
                biggest = Some((h.value.name.clone(), cells, tags.len()));
            }
        }
    }
    (total, biggest)
}

/// Memory the machine can give (`MemAvailable`; 8 GiB where it cannot be read).
fn available_memory() -> u128 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u128>().ok())
        })
        .map_or(8 << 30, |kb| kb * 1024)
}

fn human(bytes: u128) -> String {
    let b = bytes as f64;
    if b >= 1e12 {
        format!("{:.1} TB", b / 1e12)
    } else if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else {
        format!("{:.0} MB", b / 1e6)
    }
}

/// Refuse, before anything is allocated, histograms that would not fit in memory with
/// `in_flight` partial results alive at once (a typo such as `bins = 2000000000`).
pub(crate) fn check_memory(plan: &Plan, in_flight: usize) -> Result<()> {
    let (per_partial, biggest) = histogram_bytes(plan);
    let need = per_partial * in_flight as u128;
    let have = available_memory();
    if need <= have / 10 * 8 {
        return Ok(());
    }
    let what = match biggest {
        Some((name, cells, copies)) => format!(
            "histogram '{name}' has {cells} cells (flow bins included){}",
            if copies > 1 {
                format!(", {copies} copies (samples × variations)")
            } else {
                String::new()
            }
        ),
        None => "the histograms".into(),
    };
    Err(EngineError::Analysis {
        origin: plan
            .analysis
            .histograms
            .first()
            .map(|h| h.origin.clone())
            .unwrap_or_default(),
        message: format!(
            "the histograms would take {} per work item and {} with the {in_flight} partial \
             results a run holds at once, more than the {} this machine has available; {what} — \
             use fewer bins",
            human(per_partial),
            human(need),
            human(have)
        ),
    })
}

/// A sample's files opened for a run.
pub(crate) struct OpenSample {
    pub trees: Vec<Dataset>,
    pub compiled: CompiledSample,
}

/// The samples an analysis runs over: its own, or one implicit sample of its input files.
pub(crate) fn samples_of(a: &Analysis) -> Vec<Sample> {
    if !a.samples.is_empty() {
        return a.samples.clone();
    }
    let mut s = Sample::new("", a.files.clone());
    s.variation = "nominal".into();
    vec![s]
}

/// Check an analysis before anything runs: binnings, inputs (files exist, none twice), and every
/// expression of every node type-checked against the first file of each sample — the checks of
/// planning, without reading the files' events or computing normalisations. The Python API calls
/// it each time a node is booked, so that a mistake is reported by the call that made it.
pub fn check(a: &Analysis) -> Result<()> {
    check_binnings(a)?;
    for sample in samples_of(a) {
        compile_against_first_file(a, &sample)?;
    }
    Ok(())
}

/// `sample` compiled against its first file, without its normalisation (for checks and
/// descriptions of the graph, not for a run).
fn compile_against_first_file(a: &Analysis, sample: &Sample) -> Result<CompiledSample> {
    let tree = first_dataset(a, sample)?;
    compile(a, &SampleContext { sample, norm: 1.0 }, tree.as_ref())
}

/// The first sample of the analysis compiled as [`compile_against_first_file`] does; `None`
/// without samples.
fn compile_first_sample(a: &Analysis) -> Result<Option<CompiledSample>> {
    samples_of(a)
        .first()
        .map(|sample| compile_against_first_file(a, sample))
        .transpose()
}

/// The expressions of an analysis that run as fused kernels (compiled against the first file
/// of its first sample): `"define 'z': the best tuple of a list (…)"`, one line per expression
/// and kernel, defines first, then cuts and histograms. What `hepframe run -v` prints.
pub fn fused_expressions(a: &Analysis) -> Result<Vec<String>> {
    let Some(c) = compile_first_sample(a)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut report = |what: String, node: &expr::Node| {
        for k in node.fused_kernels() {
            out.push(format!("{what}: {k}"));
        }
    };
    for d in &c.registry.defines {
        report(format!("define '{}'", d.name), &d.typed.node);
    }
    for f in &c.filters {
        if let crate::compile::FilterKind::Expr(t) = &f.kind {
            report(format!("cut '{}'", f.name), &t.node);
        }
    }
    for h in &c.hists {
        let name = a
            .histograms
            .get(h.spec)
            .map_or("", |s| s.value.name.as_str());
        for t in [Some(&h.value), h.y.as_ref(), h.weight.as_ref()]
            .into_iter()
            .flatten()
        {
            report(format!("histogram '{name}'"), &t.node);
        }
    }
    Ok(out)
}

/// The dataset a sample is compiled against: the tree of its first file, or none for generated
/// events.
fn first_dataset(a: &Analysis, sample: &Sample) -> Result<Option<Dataset>> {
    if check_generated(a)?.is_some() {
        return Ok(None);
    }
    let paths = sample_paths(sample)?;
    let tree_name = sample.tree.clone().unwrap_or_else(|| a.tree.clone());
    Ok(Some(crate::run::open_dataset_cached(
        &paths[0], &tree_name,
    )?))
}

/// The number of generated events of an analysis without input (`RDataFrame(n)`), after
/// checking that it names no files or samples as well.
fn check_generated(a: &Analysis) -> Result<Option<u64>> {
    let Some(n) = a.generated_entries else {
        return Ok(None);
    };
    if !a.files.is_empty() || !a.samples.is_empty() {
        return Err(EngineError::Analysis {
            origin: Default::default(),
            message: format!(
                "an analysis of {n} generated events reads no input: give either generated \
                 events or input files and samples"
            ),
        });
    }
    Ok(Some(n))
}

/// The C++ type of every booked result's value, in booking order, as compiling against the
/// first file of the first sample types it (`None` for a count): `float`, `unsigned int`,
/// `ROOT::VecOps::RVec<float>` — RDataFrame's spelling of a define's type. Records and
/// four-vectors are named in words.
pub fn stat_types(a: &Analysis) -> Result<Vec<Option<String>>> {
    check_binnings(a)?;
    let Some(c) = compile_first_sample(a)? else {
        return Ok(Vec::new());
    };
    Ok(c.stats
        .iter()
        .map(|s| s.value.as_ref().map(|t| cpp_type(&t.ty)))
        .collect())
}

/// RDataFrame's name of the C++ type of a value of type `ty`.
fn cpp_type(ty: &expr::Ty) -> String {
    // 64-bit integers come from `Long64_t`/`ULong64_t` branches and `rdfentry_`, which
    // RDataFrame names so.
    let num = |k: expr::schema::Num| match k {
        expr::schema::Num::I64 => "Long64_t",
        expr::schema::Num::U64 => "ULong64_t",
        other => other.name(),
    };
    match ty {
        expr::Ty::Num(k) => num(*k).to_owned(),
        expr::Ty::List(k) => format!("ROOT::VecOps::RVec<{}>", num(*k)),
        expr::Ty::P4 => "a four-vector (ROOT::Math::PxPyPzEVector)".to_owned(),
        expr::Ty::P4List => "a list of four-vectors".to_owned(),
        expr::Ty::Obj(c) => format!("a record of {c}"),
        expr::Ty::Objs(c) => format!("records of {c}"),
        other => format!("{other:?}"),
    }
}

/// Binnings of analyses built in code (files check theirs when read, pointing at them).
fn check_binnings(a: &Analysis) -> Result<()> {
    for h in &a.histograms {
        let binnings = std::iter::once(&h.binning).chain(h.y.as_ref().map(|(_, b)| b));
        for (axis, b) in ["x", "y"].into_iter().zip(binnings) {
            crate::execute::axis(b).map_err(|e| EngineError::Analysis {
                origin: h.origin.clone(),
                message: format!("histogram '{}': {axis} axis: {e}", h.value.name),
            })?;
        }
    }
    Ok(())
}

/// The input files of a sample: its globs expanded, cut to `max_files`, none given twice.
fn sample_paths(sample: &Sample) -> Result<Vec<PathBuf>> {
    let what = if sample.name.is_empty() {
        String::new()
    } else {
        format!("sample '{}': ", sample.key())
    };
    let mut paths = crate::run::expand(&sample.files).map_err(|e| match e {
        EngineError::Analysis { message, .. } => EngineError::Analysis {
            origin: sample.origin.clone(),
            message: format!("{what}{message}"),
        },
        other => other,
    })?;
    if let Some(m) = sample.max_files {
        paths.truncate(m.max(1));
    }
    // The same file twice (two globs matching it, a repeated --input) would count its events
    // twice without a word.
    let mut seen = std::collections::HashMap::new();
    for p in &paths {
        let key = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        if let Some(first) = seen.insert(key, p) {
            return Err(EngineError::Analysis {
                origin: sample.origin.clone(),
                message: format!(
                    "{what}the input file {} is given twice{}: its events would be counted \
                     twice",
                    p.display(),
                    if first == p {
                        String::new()
                    } else {
                        format!(" (also as {})", first.display())
                    }
                ),
            });
        }
    }
    Ok(paths)
}

/// Plan, and keep the opened files and compiled samples for a local run.
pub(crate) fn plan_samples(a: &Analysis, split: Split) -> Result<(Plan, Vec<OpenSample>)> {
    check_binnings(a)?;
    crate::naming::check_unique_names(a)?;
    let mut planned = Vec::new();
    let mut open = Vec::new();
    let mut files = Vec::new();
    let mut items = Vec::new();
    let generated = check_generated(a)?;
    for (si, mut sample) in samples_of(a).into_iter().enumerate() {
        let tree_name = sample.tree.clone().unwrap_or_else(|| a.tree.clone());
        // Each input file with its entries and cluster ends; generated events are one input
        // without a file, cut into clusters of their own.
        let mut inputs: Vec<(PathBuf, u64, Vec<u64>)> = Vec::new();
        let mut trees = Vec::new();
        match generated {
            Some(n) => inputs.push((PathBuf::new(), n, generated_clusters(n))),
            None => {
                sample.files = sample_paths(&sample)?;
                for p in &sample.files {
                    let t = RootFile::open(p)?.dataset(&tree_name)?;
                    inputs.push((p.clone(), t.entries(), t.cluster_ends()));
                    trees.push(t);
                }
            }
        }
        let entries: u64 = inputs.iter().map(|(_, n, _)| n).sum();
        let (norm, xsec_lumi) = normalisation(a, &sample, entries, &sample.files)?;
        let compiled = compile(
            a,
            &SampleContext {
                sample: &sample,
                norm,
            },
            trees.first(),
        )?;
        let histograms = compiled
            .hists
            .iter()
            .map(|h| (h.spec, compiled.hist_tags(h)))
            .collect();
        let cuts = compiled
            .filters
            .iter()
            .map(|f| (f.name.clone(), f.parent))
            .collect();
        for (path, entries, cluster_ends) in inputs {
            for r in split_clusters(&cluster_ends, split) {
                items.push(WorkItem {
                    index: items.len(),
                    sample: si,
                    file: path.clone(),
                    start: r.start,
                    stop: r.end,
                });
            }
            files.push(PlannedFile {
                path,
                entries,
                sample: si,
            });
        }
        planned.push(PlannedSample {
            sample,
            tree: tree_name,
            entries,
            norm,
            xsec_lumi,
            weighted: compiled.weighted,
            histograms,
            cuts,
        });
        open.push(OpenSample { trees, compiled });
    }
    let names = crate::naming::layout_names(a, &planned)?;
    crate::plots::validate(a, &planned)?;
    let entries = planned.iter().map(|s| s.entries).sum();
    Ok((
        Plan {
            format: PLAN_FORMAT.into(),
            analysis: a.clone(),
            samples: planned,
            files,
            items,
            entries,
            histogram_names: names,
        },
        open,
    ))
}

/// A sample's normalisation: `(factor applied while filling, σ × L for a factor applied
/// after the loop)`.
fn normalisation(
    a: &Analysis,
    s: &Sample,
    entries: u64,
    paths: &[PathBuf],
) -> Result<(f64, Option<f64>)> {
    let bad = |message: String| EngineError::Analysis {
        origin: s.origin.clone(),
        message: format!("sample '{}': {message}", s.key()),
    };
    if s.kind == SampleKind::Data {
        if s.xsec.is_some() || s.normalisation.is_some() {
            return Err(bad(
                "data is not normalised: remove xsec and normalisation".into()
            ));
        }
        return Ok((1.0, None));
    }
    let Some(xsec) = s.xsec else {
        if s.normalisation.is_some() {
            return Err(bad("a normalisation needs the cross section (xsec)".into()));
        }
        return Ok((1.0, None));
    };
    if !(xsec.is_finite() && xsec >= 0.0) {
        return Err(bad(format!("the cross section {xsec} is not a number ≥ 0")));
    }
    let lumi = a.lumi.ok_or_else(|| {
        bad("a cross section needs the luminosity: set [analysis] lumi (in pb⁻¹)".into())
    })?;
    let n = match s.normalisation.clone().unwrap_or(Normalisation::Entries) {
        Normalisation::Entries => entries as f64,
        Normalisation::Events(n) => n,
        Normalisation::Sum(_) => return Ok((1.0, Some(xsec * lumi))),
        Normalisation::TreeSum { tree, branch } => {
            let mut sum = 0.0;
            for p in paths {
                let t = RootFile::open(p)?.dataset(&tree)?;
                let cols = t.read(&[branch.as_str()], 0..t.entries(), &Default::default())?;
                let v = cols.into_iter().next().and_then(numbers).ok_or_else(|| {
                    bad(format!(
                        "{}: {tree}/{branch} is not a number per entry",
                        p.display()
                    ))
                })?;
                sum += v.iter().sum::<f64>();
            }
            sum
        }
    };
    if !(n.is_finite() && n > 0.0) {
        return Err(bad(format!(
            "the normalisation N = {n} must be a positive number (σ × L / N)"
        )));
    }
    Ok((xsec * lumi / n, None))
}

/// A column of one number per entry as doubles.
fn numbers(a: rootio::Array) -> Option<Vec<f64>> {
    use rootio::Array as A;
    Some(match a {
        A::F64(v) => v,
        A::F32(v) => v.into_iter().map(f64::from).collect(),
        A::I64(v) => v.into_iter().map(|x| x as f64).collect(),
        A::U64(v) => v.into_iter().map(|x| x as f64).collect(),
        A::I32(v) => v.into_iter().map(f64::from).collect(),
        A::U32(v) => v.into_iter().map(f64::from).collect(),
        _ => return None,
    })
}

/// The "clusters" of generated events, which work items are made of: 65 536 events each, or
/// fewer than 10 000 larger ones for a huge count.
fn generated_clusters(n: u64) -> Vec<u64> {
    let size = (n / 10_000).max(1 << 16);
    let mut ends: Vec<u64> = (1..=n / size).map(|k| k * size).collect();
    if !n.is_multiple_of(size) {
        ends.push(n);
    }
    ends
}

/// Group clusters (given by their end entries, ascending) into entry ranges.
fn split_clusters(ends: &[u64], split: Split) -> Vec<Range<u64>> {
    let total = ends.last().copied().unwrap_or(0);
    let mut cuts: Vec<u64> = Vec::new();
    match split {
        Split::EntriesPerItem(n) => {
            let target = n.max(1);
            let (mut start, mut end) = (0u64, 0u64);
            for &e in ends {
                if end > start && e - start > target {
                    cuts.push(end);
                    start = end;
                }
                end = e;
            }
        }
        Split::ItemsPerFile(k) => {
            // Cut at the cluster boundary nearest to each k-th of the entries.
            let k = k.max(1) as u64;
            for j in 1..k {
                let want = (total as u128 * j as u128 / k as u128) as u64;
                let i = ends.partition_point(|&e| e < want);
                let nearest = [i.checked_sub(1), Some(i)]
                    .into_iter()
                    .flatten()
                    .filter_map(|i| ends.get(i).copied())
                    .min_by_key(|&e| e.abs_diff(want));
                if let Some(e) = nearest {
                    if e > cuts.last().copied().unwrap_or(0) && e < total {
                        cuts.push(e);
                    }
                }
            }
        }
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for c in cuts.into_iter().chain((total > 0).then_some(total)) {
        out.push(start..c);
        start = c;
    }
    out
}

impl Plan {
    /// The plan as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Read a plan from JSON text.
    pub fn from_json(text: &str) -> Result<Plan> {
        let p: Plan = serde_json::from_str(text).map_err(|e| EngineError::Batch {
            message: format!("not a hepframe plan: {e}"),
        })?;
        if p.format != PLAN_FORMAT {
            return Err(EngineError::Batch {
                message: format!("plan format '{}' is not '{PLAN_FORMAT}'", p.format),
            });
        }
        for (i, it) in p.items.iter().enumerate() {
            if it.index != i || it.start > it.stop {
                return Err(EngineError::Batch {
                    message: format!("plan item {i} is malformed"),
                });
            }
        }
        // Indices into the analysis's histograms and the sample's cuts, used without checks.
        let books = p.analysis.histograms.len();
        for ps in &p.samples {
            let cuts = ps.cuts.len();
            if ps.histograms.iter().any(|(h, _)| *h >= books)
                || ps
                    .cuts
                    .iter()
                    .any(|(_, after)| after.is_some_and(|c| c >= cuts))
            {
                return Err(EngineError::Batch {
                    message: format!("plan sample '{}' is malformed", ps.sample.key()),
                });
            }
        }
        Ok(p)
    }

    /// Read a plan file.
    pub fn load(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|source| EngineError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text).map_err(|e| EngineError::Batch {
            message: format!("{}: {e}", path.display()),
        })
    }

    /// A short fingerprint of the plan (FNV-1a of its JSON), which partial results carry so that
    /// partials of different plans are never merged.
    pub fn id(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }

    /// The work item `k`, or an error naming how many there are.
    pub fn item(&self, k: usize) -> Result<&WorkItem> {
        self.items.get(k).ok_or_else(|| EngineError::Batch {
            message: format!(
                "the plan has {} work items (0–{}); there is no item {k}",
                self.items.len(),
                self.items.len().saturating_sub(1)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_group_up_to_the_target() {
        let ends = [100, 200, 300, 400, 450];
        assert_eq!(
            split_clusters(&ends, Split::EntriesPerItem(200)),
            vec![0..200, 200..400, 400..450]
        );
        // A cluster bigger than the target is one item on its own.
        assert_eq!(
            split_clusters(&ends, Split::EntriesPerItem(50)),
            vec![0..100, 100..200, 200..300, 300..400, 400..450]
        );
        assert_eq!(
            split_clusters(&ends, Split::ItemsPerFile(2)),
            vec![0..200, 200..450]
        );
        assert_eq!(
            split_clusters(&ends, Split::ItemsPerFile(3)),
            vec![0..100, 100..300, 300..450]
        );
        // More items than clusters: one per cluster.
        assert_eq!(split_clusters(&ends, Split::ItemsPerFile(9)).len(), 5);
        assert_eq!(split_clusters(&ends, Split::ItemsPerFile(1)), vec![0..450]);
        assert_eq!(split_clusters(&[], Split::ItemsPerFile(3)), vec![]);
    }
}

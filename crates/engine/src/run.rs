//! Compiling an analysis against a tree's schema, and running it in one pass over entry ranges
//! on a thread pool, each range producing a partial result that merges deterministically.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use expr::{
    check, parse, required_branches, Chunk, Evaluator, ExprError, Nums, Schema, Scope, Ty, Typed,
    Val,
};
use hist::{Axis, Histogram, Storage};
use rayon::prelude::*;
use rootio::{Array, Dataset, ReadOptions, RootFile};

use crate::analysis::{shifted, Analysis, Binning, HistSpec, Item, StatKind, StatSpec};
use crate::error::{EngineError, Result};
use crate::partial::{merge_all, Partial, StatAcc};
use crate::plan::{plan_trees, Plan, Split, WorkItem};
use crate::snapshot::{
    append_columns, define_array, resolve, ColumnSource, CompiledSnapshot, SinkFactory,
    SnapshotSink,
};

/// Options for a run.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    /// Worker threads (0 = one per core, 1 = the calling thread only).
    pub threads: usize,
    /// Entries per work item, rounded to whole clusters (default 200 000).
    pub chunk_entries: u64,
    /// Called with (entries done, entries in total) as work items finish.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// Relative snapshot paths are relative to this folder (default: the current folder).
    pub output_dir: Option<&'a std::path::Path>,
    /// Makes the writer of each snapshot (default: a ROOT file).
    pub snapshot_sink: Option<&'a SinkFactory<'a>>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions {
            threads: 0,
            chunk_entries: 200_000,
            progress: None,
            output_dir: None,
            snapshot_sink: None,
        }
    }
}

/// Events passing each cut.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct CutFlow {
    /// Events read.
    pub total: u64,
    /// `(cut name, events passing it and every cut before it)`, in order.
    pub cuts: Vec<(String, u64)>,
    /// The cut each cut follows (`None`: all events).
    pub parents: Vec<Option<usize>>,
}

impl CutFlow {
    /// A readable table: cut (indented under the cut it follows), passed, efficiency relative
    /// to the cut before it, and relative to all events.
    pub fn table(&self) -> String {
        let depth = |mut i: usize| {
            let mut d = 0;
            while let Some(Some(p)) = self.parents.get(i) {
                d += 1;
                i = *p;
                if d > self.cuts.len() {
                    break;
                }
            }
            d
        };
        let label = |i: usize| format!("{}{}", "  ".repeat(depth(i)), self.cuts[i].0);
        let width = (0..self.cuts.len())
            .map(|i| label(i).chars().count())
            .max()
            .unwrap_or(0)
            .max(12);
        let mut s = format!(
            "{:<width$}  {:>12}  {:>9}  {:>9}\n",
            "cut", "passed", "eff", "cumul"
        );
        s.push_str(&format!(
            "{:<width$}  {:>12}  {:>9}  {:>9}\n",
            "(all events)", self.total, "", ""
        ));
        for (i, (_, n)) in self.cuts.iter().enumerate() {
            let before = match self.parents.get(i).copied().flatten() {
                Some(p) => self.cuts.get(p).map_or(self.total, |c| c.1),
                None => self.total,
            };
            let eff = if before > 0 {
                100.0 * *n as f64 / before as f64
            } else {
                0.0
            };
            let cum = if self.total > 0 {
                100.0 * *n as f64 / self.total as f64
            } else {
                0.0
            };
            s.push_str(&format!(
                "{:<width$}  {n:>12}  {eff:>8.2}%  {cum:>8.2}%\n",
                label(i)
            ));
        }
        s
    }
}

/// The value of a booked count, sum, mean or take.
#[derive(Debug, Clone, PartialEq)]
pub enum Stat {
    /// Events counted.
    Count(u64),
    /// A sum.
    Sum(f64),
    /// A mean (NaN when there were no values).
    Mean(f64),
    /// Values in entry order.
    Take(Vec<f64>),
}

/// What a run produces.
#[derive(Debug, Clone)]
pub struct Results {
    /// The histograms, in booking order.
    pub histograms: Vec<Histogram>,
    /// Plot settings of each histogram.
    pub specs: Vec<HistSpec>,
    /// The cut-flow.
    pub cutflow: CutFlow,
    /// Counts, sums, means and takes, in booking order, by name.
    pub stats: Vec<(String, Stat)>,
    /// Entries processed.
    pub entries: u64,
    /// Wall-clock seconds of the event loop.
    pub seconds: f64,
    /// Files read.
    pub files: Vec<PathBuf>,
    /// The branches the analysis read.
    pub branches: Vec<String>,
    /// Bytes read from the files by the event loop (baskets of those branches only).
    pub bytes_read: u64,
}

pub(crate) struct Compiled {
    schema: Schema,
    scope: Scope,
    cuts: Vec<(Item, Typed)>,
    parents: Vec<Option<usize>>,
    stats: Vec<(StatSpec, Option<Typed>)>,
    hists: Vec<(HistSpec, Typed, Option<Typed>, Option<Typed>)>,
    snapshots: Vec<CompiledSnapshot>,
    branches: Vec<String>,
}

fn expr_error(item: &Item, what: &str, e: ExprError) -> EngineError {
    EngineError::Expression {
        origin: shifted(&item.origin, &item.expr, e.span.start),
        message: format!("{what} '{}': {}", item.name, e.message),
        caret: e.caret(&item.expr),
    }
}

/// Type-check an analysis against a tree: its schema, and the columns of its snapshots.
pub(crate) fn compile(a: &Analysis, tree: &Dataset) -> Result<Compiled> {
    let mut c = compile_schema(a, Schema::of_dataset(tree))?;
    for spec in &a.snapshots {
        let snap = resolve(spec, tree, &c.scope.defines)?;
        let mut extra: BTreeSet<String> = c.branches.iter().cloned().collect();
        let define_nodes: Vec<expr::Node> = snap
            .sources
            .iter()
            .filter_map(|s| match s {
                ColumnSource::Define(i) => Some(expr::Node::Define(*i)),
                ColumnSource::Branch => None,
            })
            .collect();
        extra.extend(required_branches(define_nodes.iter(), &c.scope, &c.schema));
        for (col, src) in snap.columns.iter().zip(&snap.sources) {
            if matches!(src, ColumnSource::Branch) {
                extra.insert(col.name.clone());
            }
        }
        c.branches = extra.into_iter().collect();
        c.snapshots.push(snap);
    }
    Ok(c)
}

fn compile_schema(a: &Analysis, schema: Schema) -> Result<Compiled> {
    let mut scope = Scope::default();
    let typed = |item: &Item, what: &str, scope: &Scope| -> Result<Typed> {
        let e = parse(&item.expr).map_err(|e| expr_error(item, what, e))?;
        check(&e, &schema, scope).map_err(|e| expr_error(item, what, e))
    };
    for d in &a.defines {
        let t = typed(d, "define", &scope)?;
        scope.defines.push((d.name.clone(), t));
    }
    let mut cuts = Vec::new();
    for c in &a.cuts {
        let t = typed(c, "cut", &scope)?;
        if t.ty != Ty::Num(expr::Num::Bool) {
            return Err(expr_error(
                c,
                "cut",
                ExprError::ty(
                    format!(
                        "a cut must be one bool per event, not a {}",
                        t.ty.describe()
                    ),
                    expr::Span::new(0, c.expr.len()),
                ),
            ));
        }
        cuts.push((c.clone(), t));
    }
    let mut hists = Vec::new();
    for h in &a.histograms {
        let v = typed(&h.value, "histogram", &scope)?;
        if !matches!(v.ty, Ty::Num(_) | Ty::List(_)) {
            return Err(expr_error(
                &h.value,
                "histogram",
                ExprError::ty(
                    format!(
                        "a histogram needs numbers or lists of numbers, not a {}",
                        v.ty.describe()
                    ),
                    expr::Span::new(0, h.value.expr.len()),
                ),
            ));
        }
        let w = match &h.weight {
            Some(w) => {
                let t = typed(w, "weight of histogram", &scope)?;
                let ok = matches!((&v.ty, &t.ty), (_, Ty::Num(_)) | (Ty::List(_), Ty::List(_)));
                if !ok {
                    return Err(expr_error(
                        w,
                        "weight of histogram",
                        ExprError::ty(
                            format!("a weight must be a number per event or match the value's list, not a {}", t.ty.describe()),
                            expr::Span::new(0, w.expr.len()),
                        ),
                    ));
                }
                Some(t)
            }
            None => None,
        };
        let y = match &h.y {
            Some((yi, _)) => {
                let t = typed(yi, "y of histogram", &scope)?;
                if !matches!(t.ty, Ty::Num(_) | Ty::List(_)) {
                    return Err(expr_error(
                        yi,
                        "y of histogram",
                        ExprError::ty(
                            format!(
                                "a histogram needs numbers or lists of numbers, not a {}",
                                t.ty.describe()
                            ),
                            expr::Span::new(0, yi.expr.len()),
                        ),
                    ));
                }
                Some(t)
            }
            None => None,
        };
        hists.push((h.clone(), v, w, y));
    }
    let mut stats = Vec::new();
    for st in &a.stats {
        let t = match &st.value {
            Some(v) => {
                let t = typed(v, "result", &scope)?;
                if !matches!(t.ty, Ty::Num(_) | Ty::List(_)) {
                    return Err(expr_error(
                        v,
                        "result",
                        ExprError::ty(
                            format!(
                                "needs numbers or lists of numbers, not a {}",
                                t.ty.describe()
                            ),
                            expr::Span::new(0, v.expr.len()),
                        ),
                    ));
                }
                Some(t)
            }
            None => None,
        };
        stats.push((st.clone(), t));
    }
    let nodes = cuts
        .iter()
        .map(|(_, t)| &t.node)
        .chain(hists.iter().flat_map(|(_, v, w, y)| {
            std::iter::once(&v.node)
                .chain(w.iter().map(|t| &t.node))
                .chain(y.iter().map(|t| &t.node))
        }))
        .chain(
            stats
                .iter()
                .filter_map(|(_, t)| t.as_ref().map(|t| &t.node)),
        );
    let branches: BTreeSet<String> = required_branches(nodes, &scope, &schema);
    let parents = (0..cuts.len())
        .map(|i| a.cut_parents.get(i).copied().unwrap_or(i.checked_sub(1)))
        .collect();
    Ok(Compiled {
        schema,
        scope,
        cuts,
        parents,
        stats,
        hists,
        snapshots: Vec::new(),
        branches: branches.into_iter().collect(),
    })
}

fn empty_histogram(spec: &HistSpec) -> Result<Histogram> {
    let hist_err = |source| EngineError::Hist {
        name: spec.value.name.clone(),
        source,
    };
    let axis = |b: &Binning| match b {
        Binning::Regular { bins, low, high } => Axis::regular(*bins, *low, *high),
        Binning::Variable(edges) => Axis::variable(edges.clone()),
    };
    let x = axis(&spec.binning)
        .map_err(hist_err)?
        .with_label(spec.xlabel.clone());
    let storage = if spec.weight.is_some() {
        Storage::Weight
    } else {
        Storage::Double
    };
    let h = match &spec.y {
        None => Histogram::new_1d(x, storage),
        Some((_, yb)) => Histogram::new_2d(
            x,
            axis(yb).map_err(hist_err)?.with_label(spec.ylabel.clone()),
            storage,
        ),
    };
    Ok(h.with_name(spec.value.name.clone())
        .with_title(spec.title.clone()))
}

/// Expand globs in input paths; a pattern that matches nothing is an error.
pub(crate) fn expand(files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for f in files {
        let s = f.to_string_lossy();
        if s.contains(['*', '?', '[']) {
            let mut matched: Vec<PathBuf> = glob::glob(&s)
                .map_err(|e| EngineError::Analysis {
                    origin: Default::default(),
                    message: format!("bad file pattern '{s}': {e}"),
                })?
                .filter_map(|p| p.ok())
                .collect();
            if matched.is_empty() {
                return Err(EngineError::Analysis {
                    origin: Default::default(),
                    message: format!("no input file matches '{s}'"),
                });
            }
            matched.sort();
            out.extend(matched);
        } else {
            out.push(f.clone());
        }
    }
    if out.is_empty() {
        return Err(EngineError::Analysis {
            origin: Default::default(),
            message: "no input files".into(),
        });
    }
    Ok(out)
}

/// Run an analysis on this machine: plan work items of about `chunk_entries` entries, process
/// them on a thread pool, and merge their partials with [`merge_all`].
pub fn run(a: &Analysis, options: &RunOptions<'_>) -> Result<Results> {
    let files = expand(&a.files)?;
    let mut trees: Vec<Dataset> = Vec::with_capacity(files.len());
    for f in &files {
        let file = RootFile::open(f)?;
        trees.push(file.dataset(&a.tree)?);
    }
    let c = compile(a, &trees[0])?;
    // Open every snapshot's writer first: a bad output path fails before any event is read.
    let mut sinks: Vec<Box<dyn SnapshotSink>> = Vec::new();
    for snap in &c.snapshots {
        let mut spec = snap.spec.clone();
        if let Some(dir) = options.output_dir {
            if spec.path.is_relative() {
                spec.path = dir.join(&spec.path);
            }
        }
        let sink = match options.snapshot_sink {
            Some(f) => f(&spec, &snap.columns)?,
            None => crate::snapshot::root_sink(&spec, &snap.columns)?,
        };
        sinks.push(sink);
    }
    let writer = std::sync::Mutex::new(SnapshotWriter {
        sinks,
        next: 0,
        pending: std::collections::BTreeMap::new(),
        error: None,
    });
    let plan = plan_trees(
        a,
        &files,
        &trees,
        Split::EntriesPerItem(options.chunk_entries),
    );
    let total = plan.entries;
    let io_before: Vec<u64> = trees
        .iter()
        .map(|t| t.file().source().counters().snapshot().bytes)
        .collect();
    let done = AtomicU64::new(0);
    let started = Instant::now();
    let work = |it: &WorkItem| -> Result<Partial> {
        let mut p = process(&c, &trees[file_index(&plan, it)], it, String::new())?;
        if !c.snapshots.is_empty() {
            // Hand the item's events to the writers in item (entry) order.
            let data = std::mem::take(&mut p.snapshots);
            if let Ok(mut w) = writer.lock() {
                w.push(it.index, data);
            }
        }
        let d = done.fetch_add(p.entries, Ordering::Relaxed) + p.entries;
        if let Some(cb) = options.progress {
            cb(d, total);
        }
        Ok(p)
    };
    let partials: Vec<Result<Partial>> = if options.threads == 1 {
        plan.items.iter().map(work).collect()
    } else {
        let mut b = rayon::ThreadPoolBuilder::new();
        if options.threads > 0 {
            b = b.num_threads(options.threads);
        }
        match b.build() {
            Ok(pool) => pool.install(|| plan.items.par_iter().map(work).collect()),
            Err(_) => plan.items.iter().map(work).collect(),
        }
    };
    let partials = partials.into_iter().collect::<Result<Vec<_>>>()?;
    let w = writer
        .into_inner()
        .map_err(|_| internal_error("a snapshot writer panicked"))?;
    w.finish()?;
    let merged = if partials.is_empty() {
        empty_partial(&c, String::new())?
    } else {
        merge_all(partials)?
    };
    let mut r = merged.into_results(a, files);
    r.seconds = started.elapsed().as_secs_f64();
    r.bytes_read = trees
        .iter()
        .zip(io_before)
        .map(|(t, b)| t.file().source().counters().snapshot().bytes - b)
        .sum();
    Ok(r)
}

fn file_index(plan: &Plan, it: &WorkItem) -> usize {
    plan.files
        .iter()
        .position(|f| f.path == it.file)
        .unwrap_or(0)
}

/// Run one work item of a plan (what a Dask task or a batch job does): open its file, check the
/// analysis against the tree, and process the item's entries on the calling thread.
pub fn run_item(plan: &Plan, index: usize) -> Result<Partial> {
    run_work_item(&plan.analysis, plan.item(index)?, plan.id())
}

/// [`run_item`] with the parts of the plan it needs: the analysis, the item, and the plan's
/// [`Plan::id`] (so a distributed task need not carry the whole plan).
pub fn run_work_item(a: &Analysis, it: &WorkItem, plan_id: String) -> Result<Partial> {
    let tree = open_dataset_cached(&it.file, &a.tree)?;
    if it.stop > tree.entries() {
        return Err(EngineError::Batch {
            message: format!(
                "{}: the file has only {} entries now; was it replaced after planning?",
                it.describe(),
                tree.entries()
            ),
        });
    }
    if !a.snapshots.is_empty() {
        return Err(EngineError::Batch {
            message: "snapshots are written by local runs (`hepframe run`); work items of Dask \
                      and batch runs cannot write them yet"
                .into(),
        });
    }
    let c = compile(a, &tree)?;
    process(&c, &tree, it, plan_id)
}

/// A worker process runs many work items of the same few files: keep their parsed tree metadata
/// (and open file handles) for the next item. An entry is used only while the file's size and
/// modification time are unchanged; at most [`TREE_CACHE`] trees are kept.
fn open_dataset_cached(path: &std::path::Path, tree: &str) -> Result<Dataset> {
    use std::sync::Mutex;
    type Key = (PathBuf, String);
    type Stamp = (u64, Option<std::time::SystemTime>);
    static CACHE: Mutex<Vec<(Key, Stamp, Dataset)>> = Mutex::new(Vec::new());
    let stamp = std::fs::metadata(path)
        .ok()
        .map(|m| (m.len(), m.modified().ok()));
    let key = (path.to_path_buf(), tree.to_string());
    if let (Some(stamp), Ok(cache)) = (stamp, CACHE.lock()) {
        if let Some((_, _, t)) = cache.iter().find(|(k, s, _)| *k == key && *s == stamp) {
            return Ok(t.clone());
        }
    }
    let t = RootFile::open(path)?.dataset(tree)?;
    if let (Some(stamp), Ok(mut cache)) = (stamp, CACHE.lock()) {
        cache.retain(|(k, _, _)| *k != key);
        if cache.len() >= TREE_CACHE {
            cache.remove(0);
        }
        cache.push((key, stamp, t.clone()));
    }
    Ok(t)
}

/// Trees kept open by [`run_work_item`] between items.
const TREE_CACHE: usize = 16;

/// Finish a run from the merged partial of all work items of `plan`: check that every item and
/// every entry was processed, and build the results.
pub fn finish(plan: &Plan, merged: Partial) -> Result<Results> {
    if merged.plan != plan.id() {
        return Err(EngineError::Batch {
            message: format!(
                "the partial results belong to plan {}, not to this plan ({})",
                merged.plan,
                plan.id()
            ),
        });
    }
    merged.check_complete(plan)?;
    Ok(merged.into_results(
        &plan.analysis,
        plan.files.iter().map(|f| f.path.clone()).collect(),
    ))
}

fn empty_partial(c: &Compiled, plan: String) -> Result<Partial> {
    Ok(Partial {
        plan,
        items: Vec::new(),
        entries: 0,
        passed: vec![0; c.cuts.len() + 1],
        histograms: c
            .hists
            .iter()
            .map(|(s, _, _, _)| empty_histogram(s))
            .collect::<Result<Vec<_>>>()?,
        stats: vec![StatAcc::default(); c.stats.len()],
        branches: c.branches.clone(),
        bytes_read: 0,
        seconds: 0.0,
        snapshots: Vec::new(),
    })
}

fn internal_error(message: &str) -> EngineError {
    EngineError::Batch {
        message: message.to_string(),
    }
}

/// Writes the snapshot data of work items in item order as they complete (a reorder buffer):
/// memory holds only the items that finished ahead of an earlier one.
struct SnapshotWriter {
    sinks: Vec<Box<dyn SnapshotSink>>,
    next: usize,
    pending: std::collections::BTreeMap<usize, Vec<Vec<Array>>>,
    error: Option<EngineError>,
}

impl SnapshotWriter {
    fn push(&mut self, index: usize, data: Vec<Vec<Array>>) {
        self.pending.insert(index, data);
        while let Some(data) = self.pending.remove(&self.next) {
            self.next += 1;
            if self.error.is_some() {
                continue;
            }
            for (sink, cols) in self.sinks.iter_mut().zip(data) {
                if cols.is_empty() || cols[0].is_empty() {
                    continue;
                }
                if let Err(e) = sink.append(cols) {
                    self.error = Some(e);
                    break;
                }
            }
        }
    }

    fn finish(self) -> Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        for s in self.sinks {
            s.finish()?;
        }
        Ok(())
    }
}

fn process(c: &Compiled, tree: &Dataset, it: &WorkItem, plan: String) -> Result<Partial> {
    let started = Instant::now();
    let range = it.start..it.stop;
    let path = it.file.as_path();
    let io_before = tree.file().source().counters().snapshot().bytes;
    let names: Vec<&str> = c.branches.iter().map(String::as_str).collect();
    let cols = tree.read(&names, range.clone(), &ReadOptions { threads: 1 })?;
    let mut hists = c
        .hists
        .iter()
        .map(|(s, _, _, _)| empty_histogram(s))
        .collect::<Result<Vec<_>>>()?;
    let mut stats = vec![StatAcc::default(); c.stats.len()];
    let mut passed = vec![0u64; c.cuts.len() + 1];
    let mut snaps: Vec<Vec<Array>> = vec![Vec::new(); c.snapshots.len()];
    // Evaluate in batches of events: intermediate columns (combinations above all) stay small and
    // their memory is reused from batch to batch.
    let n = (range.end - range.start) as usize;
    let mut start = 0;
    while start < n {
        let stop = (start + EVAL_BATCH).min(n);
        let chunk = Chunk {
            entries: (range.start + start as u64..range.start + stop as u64).collect(),
            columns: c
                .branches
                .iter()
                .cloned()
                .zip(cols.iter().map(|a| a.slice(start, stop)))
                .collect(),
        };
        process_batch(
            c,
            chunk,
            path,
            &mut hists,
            &mut stats,
            &mut passed,
            &mut snaps,
        )?;
        start = stop;
    }
    Ok(Partial {
        plan,
        items: vec![it.index],
        entries: range.end - range.start,
        passed,
        histograms: hists,
        stats,
        branches: c.branches.clone(),
        // Other threads may read the same file at the same time: the counters are shared, so
        // this is exact for one thread and an estimate otherwise.
        bytes_read: tree.file().source().counters().snapshot().bytes - io_before,
        seconds: started.elapsed().as_secs_f64(),
        snapshots: snaps,
    })
}

/// Events evaluated together: large enough to amortise per-column work, small enough for the
/// intermediate columns to stay in cache.
const EVAL_BATCH: usize = 1024;

fn process_batch(
    c: &Compiled,
    chunk: Chunk,
    path: &std::path::Path,
    hists: &mut [Histogram],
    stats: &mut [StatAcc],
    passed: &mut [u64],
    snaps: &mut [Vec<Array>],
) -> Result<()> {
    passed[0] += chunk.len() as u64;
    let mut acc = Acc {
        hists,
        stats,
        passed,
        snaps,
    };
    visit(c, None, chunk, path, &mut acc, 0)
}

/// The partial results a work item fills.
struct Acc<'a> {
    hists: &'a mut [Histogram],
    stats: &'a mut [StatAcc],
    passed: &'a mut [u64],
    /// Per snapshot: the columns of the events written so far.
    snaps: &'a mut [Vec<Array>],
}

/// Fill the histograms booked at `node` (a cut, or all events for `None`) and apply the cuts
/// that follow it, recursing into each: regions that share earlier cuts evaluate them once.
fn visit(
    c: &Compiled,
    node: Option<usize>,
    chunk: Chunk,
    path: &std::path::Path,
    acc: &mut Acc<'_>,
    depth: usize,
) -> Result<()> {
    if depth > c.cuts.len() {
        return Ok(());
    }
    let eval_err = |what: &'static str, name: &str, e: ExprError| EngineError::Eval {
        file: path.to_path_buf(),
        what,
        name: name.to_string(),
        message: e.message,
    };
    let at = node.map_or(0, |i| i + 1);
    {
        let ev = Evaluator::new(&chunk, &c.schema, &c.scope.defines);
        for ((spec, v, w, y), h) in c.hists.iter().zip(acc.hists.iter_mut()) {
            if spec.after != at || chunk.is_empty() {
                continue;
            }
            let name = &spec.value.name;
            let value = ev
                .eval(&v.node)
                .map_err(|e| eval_err("histogram", name, e))?;
            let (xs, offsets) = flatten(value, chunk.len());
            let hist_err = |source| EngineError::Hist {
                name: name.clone(),
                source,
            };
            let len_err = |what: &str| EngineError::Eval {
                file: path.to_path_buf(),
                what: "histogram",
                name: name.clone(),
                message: format!("{what} have different lengths"),
            };
            // A 2-D histogram: y has the shape of x (a per-event value is repeated over a list).
            if let Some(y) = y {
                let yv = ev
                    .eval(&y.node)
                    .map_err(|e| eval_err("histogram y", name, e))?;
                let (ys, yoff) = flatten(yv, chunk.len());
                let (list_off, xs2, ys2) = match (&offsets, &yoff) {
                    (Some(o), None) => (Some(o.clone()), xs.clone(), repeat(&ys, o)),
                    (None, Some(o)) => (Some(o.clone()), repeat(&xs, o), ys),
                    (o, _) => (o.clone(), xs.clone(), ys),
                };
                if xs2.len() != ys2.len() {
                    return Err(len_err("x and y"));
                }
                match w {
                    None => h.fill_many_2d(&xs2, &ys2).map_err(hist_err)?,
                    Some(w) => {
                        let wv = ev
                            .eval(&w.node)
                            .map_err(|e| eval_err("histogram weight", name, e))?;
                        let (ws, woff) = flatten(wv, chunk.len());
                        let ws = match (&list_off, woff) {
                            (Some(o), None) => repeat(&ws, o),
                            _ => ws,
                        };
                        if ws.len() != xs2.len() {
                            return Err(len_err("the weight and the values"));
                        }
                        h.fill_many_2d_weighted(&xs2, &ys2, &ws).map_err(hist_err)?;
                    }
                }
                continue;
            }
            match w {
                None => h.fill_many(&xs).map_err(hist_err)?,
                Some(w) => {
                    let wv = ev
                        .eval(&w.node)
                        .map_err(|e| eval_err("histogram weight", name, e))?;
                    let (ws, woff) = flatten(wv, chunk.len());
                    let ws = match (&offsets, woff) {
                        (Some(o), None) => repeat(&ws, o),
                        _ => ws,
                    };
                    if ws.len() != xs.len() {
                        return Err(EngineError::Eval {
                            file: path.to_path_buf(),
                            what: "histogram",
                            name: name.clone(),
                            message: "the weight and the value have different lengths".into(),
                        });
                    }
                    h.fill_many_weighted(&xs, &ws).map_err(hist_err)?;
                }
            }
        }
    }
    if !chunk.is_empty() {
        let ev = Evaluator::new(&chunk, &c.schema, &c.scope.defines);
        for ((spec, t), acc) in c.stats.iter().zip(acc.stats.iter_mut()) {
            if spec.after != at {
                continue;
            }
            match (spec.kind, t) {
                (StatKind::Count, _) | (_, None) => acc.n += chunk.len() as u64,
                (kind, Some(t)) => {
                    let v = ev
                        .eval(&t.node)
                        .map_err(|e| eval_err("result", &spec.name, e))?;
                    let (xs, _) = flatten(v, chunk.len());
                    acc.n += xs.len() as u64;
                    if kind == StatKind::Take {
                        acc.values.extend_from_slice(&xs);
                    } else {
                        acc.sum += xs.iter().sum::<f64>();
                    }
                }
            }
        }
    }
    if !chunk.is_empty() {
        let ev = Evaluator::new(&chunk, &c.schema, &c.scope.defines);
        for (snap, acc) in c.snapshots.iter().zip(acc.snaps.iter_mut()) {
            if snap.spec.after != at {
                continue;
            }
            let mut cols = Vec::with_capacity(snap.columns.len());
            for (col, src) in snap.columns.iter().zip(&snap.sources) {
                let a = match src {
                    ColumnSource::Branch => chunk.columns.get(&col.name).cloned(),
                    ColumnSource::Define(i) => {
                        let v = ev
                            .eval(&expr::Node::Define(*i))
                            .map_err(|e| eval_err("snapshot column", &col.name, e))?;
                        define_array(v, chunk.len(), &col.layout)
                    }
                };
                cols.push(a.ok_or_else(|| EngineError::Eval {
                    file: path.to_path_buf(),
                    what: "snapshot column",
                    name: col.name.clone(),
                    message: "has no values of the column's type".into(),
                })?);
            }
            append_columns(acc, cols).ok_or_else(|| EngineError::Eval {
                file: path.to_path_buf(),
                what: "snapshot",
                name: snap.spec.path.display().to_string(),
                message: "a column changed type between chunks".into(),
            })?;
        }
    }
    let children: Vec<usize> = (0..c.cuts.len())
        .filter(|&i| c.parents[i] == node)
        .collect();
    for (k, &i) in children.iter().enumerate() {
        let (item, t) = &c.cuts[i];
        let keep = {
            let ev = Evaluator::new(&chunk, &c.schema, &c.scope.defines);
            match ev
                .eval(&t.node)
                .map_err(|e| eval_err("cut", &item.name, e))?
            {
                Val::Num(Nums::Bool(v)) => v,
                Val::Bool(b) => vec![b; chunk.len()],
                _ => {
                    return Err(eval_err(
                        "cut",
                        &item.name,
                        ExprError::eval("not a bool per event", expr::Span::default()),
                    ))
                }
            }
        };
        let sub = if k + 1 == children.len() && keep.iter().all(|x| *x) {
            chunk.clone()
        } else {
            chunk.filter(&keep)
        };
        acc.passed[i + 1] += sub.len() as u64;
        visit(c, Some(i), sub, path, acc, depth + 1)?;
    }
    Ok(())
}

/// A value as numbers to fill: one per event, or every element of each event's list.
fn flatten(v: Val, n: usize) -> (Vec<f64>, Option<Vec<i64>>) {
    match v {
        Val::Num(x) => (x.to_f64(), None),
        Val::List(o, x) => (x.to_f64(), Some((*o).clone())),
        Val::Int(i) => (vec![i as f64; n], None),
        Val::Float(f) => (vec![f; n], None),
        Val::Bool(b) => (vec![b as u8 as f64; n], None),
        _ => (Vec::new(), None),
    }
}

fn repeat(v: &[f64], off: &[i64]) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, w) in off.windows(2).enumerate() {
        for _ in w[0]..w[1] {
            out.push(v[i]);
        }
    }
    out
}

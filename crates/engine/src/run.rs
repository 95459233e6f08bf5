//! Running an analysis: plan its work items, process them on several threads (or one at a time
//! in a Dask task or batch job), merge the partial results and finish them into [`Results`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rootio::{Array, Dataset, RootFile};

use crate::analysis::Analysis;
use crate::compile::{compile, SampleContext};
use crate::error::{EngineError, Result};
use crate::execute::{empty_partial, process};
use crate::partial::{Partial, StreamingMerge};
use crate::plan::{plan_samples, Plan, Split, WorkItem};
use crate::results::Results;
use crate::snapshot::{SinkFactory, SnapshotSink};

/// Entries per work item of a local run: whole clusters up to 100 000 entries, so one cluster
/// of a NanoAOD file (ROOT writes 20 000–140 000 entries per cluster) is one item. The columns
/// of one item are what a thread holds in memory: on 5 M-event NanoAOD-like files, ADL q5–q8
/// peak at 35–48 MB of RSS with items of one cluster, against 49–71 MB with 200 000 (two
/// clusters) and the same speed (2026-12-04). Dask's items are larger (a task costs ms).
pub const DEFAULT_ENTRIES_PER_ITEM: u64 = 100_000;

/// Options for a run.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    /// Worker threads (0 = one per core, 1 = the calling thread only).
    pub threads: usize,
    /// Entries per work item, rounded to whole clusters (default [`DEFAULT_ENTRIES_PER_ITEM`]).
    pub chunk_entries: u64,
    /// Called with (entries done, entries in total) as work items finish.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// Relative snapshot paths are relative to this folder (default: the current folder).
    pub output_dir: Option<&'a std::path::Path>,
    /// Makes the writer of each snapshot (default: a ROOT file).
    pub snapshot_sink: Option<&'a SinkFactory<'a>>,
    /// Set (from a signal handler, another thread) to stop the run: work items not yet begun
    /// are skipped, one under way stops at its next batch of events, and the run returns [`EngineError::Interrupted`] with its snapshots'
    /// temporary files removed.
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions {
            threads: 0,
            chunk_entries: DEFAULT_ENTRIES_PER_ITEM,
            progress: None,
            output_dir: None,
            snapshot_sink: None,
            cancel: None,
        }
    }
}

impl RunOptions<'_> {
    /// The threads the event loop runs on: [`RunOptions::threads`], or one per core for 0.
    fn worker_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// Expand globs in input paths; a pattern that matches nothing is an error.
pub(crate) fn expand(files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for f in files {
        let s = f.to_string_lossy();
        if s.contains(['*', '?', '[']) && !rootio::remote::is_url(&s) {
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

/// A path as one file: absolute, with its folder's symbolic links and `..` resolved where the
/// folder exists.
fn file_key(path: &Path) -> PathBuf {
    let abs = if path.is_relative() {
        std::env::current_dir().unwrap_or_default().join(path)
    } else {
        path.to_path_buf()
    };
    match (abs.parent(), abs.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .join(name),
        _ => abs,
    }
}

/// Files a snapshot must not be written to: the inputs, and the run's other outputs when it
/// writes them to `output_dir` (histograms, cut-flow, PNGs).
fn taken_paths(plan: &Plan, output_dir: Option<&Path>) -> Result<Vec<(PathBuf, String)>> {
    let mut taken: Vec<(PathBuf, String)> = plan
        .files
        .iter()
        .map(|f| {
            (
                file_key(&f.path),
                format!("the input file '{}'", f.path.display()),
            )
        })
        .collect();
    if let Some(dir) = output_dir {
        for f in crate::naming::output_files(plan)? {
            let path = dir.join(&f);
            taken.push((
                file_key(&path),
                format!("the run's output '{}'", path.display()),
            ));
        }
    }
    Ok(taken)
}

/// Run an analysis on this machine: plan work items of about `chunk_entries` entries, process
/// them on [`RunOptions::threads`] threads, and merge their partials with [`merge_all`].
pub fn run(a: &Analysis, options: &RunOptions<'_>) -> Result<Results> {
    let (plan, open) = plan_samples(a, Split::EntriesPerItem(options.chunk_entries))?;
    let threads = options.worker_threads();
    crate::plan::check_memory(&plan, threads + crate::partial::MERGE_ARITY + 1)?;
    if !a.snapshots.is_empty() && plan.samples.len() > 1 {
        return Err(EngineError::Analysis {
            origin: a.snapshots[0].origin.clone(),
            message: "snapshots of analyses with several samples are not supported yet: run \
                      the skim on each sample's files"
                .into(),
        });
    }
    // An output folder that cannot be written fails now, not after the event loop; one made
    // for this run is removed again if the run fails.
    let made_dir = match options.output_dir {
        Some(dir) => {
            let made = !dir.exists();
            crate::output::check_dir(dir)?;
            made.then_some(dir)
        }
        None => None,
    };
    let result = run_planned(options, plan, open);
    if let (Err(_), Some(dir)) = (&result, made_dir) {
        let _ = std::fs::remove_dir(dir);
    }
    result
}

/// The event loop of [`run`] and the merge, on a checked plan.
fn run_planned(
    options: &RunOptions<'_>,
    plan: Plan,
    open: Vec<crate::plan::OpenSample>,
) -> Result<Results> {
    // Open every snapshot's writer first: a bad output path fails before any event is read.
    let mut sinks: Vec<Box<dyn SnapshotSink>> = Vec::new();
    if let Some(first) = open.first() {
        let taken = taken_paths(&plan, options.output_dir)?;
        let mut claimed: Vec<(PathBuf, String)> = Vec::new();
        for snap in &first.compiled.snapshots {
            let mut spec = snap.spec.clone();
            if let Some(dir) = options.output_dir {
                if spec.path.is_relative() {
                    spec.path = dir.join(&spec.path);
                }
            }
            // Two outputs on one path would overwrite each other; an input would be replaced.
            let key = file_key(&spec.path);
            if let Some((_, what)) = taken
                .iter()
                .chain(&claimed)
                .find(|(other, _)| *other == key)
            {
                return Err(EngineError::Analysis {
                    origin: spec.origin.clone(),
                    message: format!(
                        "snapshot '{}' would overwrite {what}: give it another file",
                        spec.path.display()
                    ),
                });
            }
            claimed.push((
                key,
                format!("the snapshot to the same file ('{}')", spec.path.display()),
            ));
            let sink = match options.snapshot_sink {
                Some(f) => f(&spec, &snap.columns)?,
                None => crate::snapshot::root_sink(&spec, &snap.columns)?,
            };
            sinks.push(sink);
        }
    }
    let writer = std::sync::Mutex::new(SnapshotWriter {
        sinks,
        next: 0,
        pending: std::collections::BTreeMap::new(),
        error: None,
    });
    let total = plan.entries;
    let io_before: Vec<Vec<rootio::IoStats>> = open
        .iter()
        .map(|o| {
            o.trees
                .iter()
                .map(|t| t.file().source().counters().snapshot())
                .collect()
        })
        .collect();
    let done = AtomicU64::new(0);
    let read_ahead = crate::read_ahead::ReadAhead::default();
    let threads = options.worker_threads();
    let started = Instant::now();
    let cancelled = || {
        options
            .cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
    };
    let work = |it: &WorkItem| -> Result<Partial> {
        if cancelled() {
            return Err(EngineError::Interrupted);
        }
        let o = &open[it.sample];
        let tree = o.trees.get(file_index(&plan, it));
        if threads == 1 {
            read_ahead.before(&plan, &open, it);
        }
        crate::read_ahead::local_next(&plan, &open, it.index + threads);
        let mut p = process(&plan, String::new(), &o.compiled, tree, it, options.cancel)?;
        if cancelled() {
            return Err(EngineError::Interrupted);
        }
        if !o.compiled.snapshots.is_empty() {
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
    // Partials are merged as items finish, in the fixed tree of `merge_all`.
    let merger = std::sync::Mutex::new(StreamingMerge::new(plan.items.len()));
    let work = |it: &WorkItem| -> Result<()> {
        let p = work(it)?;
        merger
            .lock()
            .map_err(|_| internal_error("the merge of partial results panicked"))?
            .push(it.index, p)
    };
    crate::workers::for_each_item(threads, plan.items.len(), |i| work(&plan.items[i]))?;
    if cancelled() {
        return Err(EngineError::Interrupted);
    }
    let w = writer
        .into_inner()
        .map_err(|_| internal_error("a snapshot writer panicked"))?;
    w.finish()?;
    let merger = merger
        .into_inner()
        .map_err(|_| internal_error("the merge of partial results panicked"))?;
    let mut merged = match merger.finish() {
        Some(p) => p,
        None if plan.items.is_empty() => empty_partial(&plan, String::new())?,
        None => return Err(internal_error("a work item's partial result is missing")),
    };
    if merged.branches.is_empty() {
        merged.branches = open
            .iter()
            .flat_map(|o| o.compiled.branches.iter().cloned())
            .collect();
    }
    let mut r = merged.into_results(&plan)?;
    r.seconds = started.elapsed().as_secs_f64();
    let io: Vec<(rootio::IoStats, rootio::IoStats)> = open
        .iter()
        .zip(io_before)
        .flat_map(|(o, before)| {
            o.trees
                .iter()
                .zip(before)
                .map(|(t, b)| (b, t.file().source().counters().snapshot()))
        })
        .collect();
    r.bytes_read = io
        .iter()
        .map(|(b, a)| a.bytes.saturating_sub(b.bytes))
        .sum();
    r.read_requests = io
        .iter()
        .map(|(b, a)| a.requests.saturating_sub(b.requests))
        .sum();
    r.io_wait_seconds = io
        .iter()
        .map(|(b, a)| a.wait_micros.saturating_sub(b.wait_micros) as f64 * 1e-6)
        .sum();
    Ok(r)
}

pub(crate) fn file_index(plan: &Plan, it: &WorkItem) -> usize {
    plan.files
        .iter()
        .filter(|f| f.sample == it.sample)
        .position(|f| f.path == it.file)
        .unwrap_or(0)
}

/// Run one work item of a plan (what a Dask task or a batch job does): open its file, compile
/// the analysis for its sample, and process the item's entries on the calling thread.
pub fn run_item(plan: &Plan, index: usize) -> Result<Partial> {
    run_work_item(plan, plan.item(index)?, plan.id())
}

/// [`run_item`] for a work item given apart from the plan (a distributed task receives the
/// plan without its items, the item, and the full plan's [`Plan::id`]).
pub fn run_work_item(plan: &Plan, it: &WorkItem, plan_id: String) -> Result<Partial> {
    let a = &plan.analysis;
    let ps = plan
        .samples
        .get(it.sample)
        .ok_or_else(|| EngineError::Batch {
            message: format!("{}: the plan has no sample {}", it.describe(), it.sample),
        })?;
    let tree = match a.generated_entries {
        Some(n) => {
            if it.stop > n {
                return Err(EngineError::Batch {
                    message: format!("{}: the plan generates only {n} events", it.describe()),
                });
            }
            None
        }
        None => Some(open_dataset_cached(&it.file, &ps.tree)?),
    };
    if let Some(tree) = &tree {
        if it.stop > tree.entries() {
            return Err(EngineError::Batch {
                message: format!(
                    "{}: the file has only {} entries now; was it replaced after planning?",
                    it.describe(),
                    tree.entries()
                ),
            });
        }
    }
    if !a.snapshots.is_empty() {
        return Err(EngineError::Batch {
            message: "snapshots are written by local runs (`hepframe run`); work items of Dask \
                      and batch runs cannot write them yet"
                .into(),
        });
    }
    let c = compile(
        a,
        &SampleContext {
            sample: &ps.sample,
            norm: ps.norm,
        },
        tree.as_ref(),
    )?;
    let layout: Vec<(usize, Vec<String>)> =
        c.hists.iter().map(|h| (h.spec, c.hist_tags(h))).collect();
    if layout != ps.histograms {
        return Err(EngineError::Batch {
            message: format!(
                "{}: this file's branches give the analysis other variations than the plan \
                 (were the files changed after planning?)",
                it.describe()
            ),
        });
    }
    process(plan, plan_id, &c, tree.as_ref(), it, None)
}

/// A worker process runs many work items of the same few files: keep their parsed tree metadata
/// (and open file handles) for the next item. An entry is used only while the file's size and
/// modification time are unchanged; at most [`TREE_CACHE`] trees are kept.
pub(crate) fn open_dataset_cached(path: &std::path::Path, tree: &str) -> Result<Dataset> {
    use std::sync::Mutex;
    type Key = (PathBuf, String);
    type Stamp = (u64, Option<std::time::SystemTime>);
    static CACHE: Mutex<Vec<(Key, Stamp, Dataset)>> = Mutex::new(Vec::new());
    // A remote file is taken as immutable for the life of the process (grid files are).
    let stamp = if rootio::remote::is_url_path(path) {
        Some((0, None))
    } else {
        std::fs::metadata(path)
            .ok()
            .map(|m| (m.len(), m.modified().ok()))
    };
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
    merged.into_results(plan)
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

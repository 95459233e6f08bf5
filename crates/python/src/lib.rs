//! `hepframe._core`: the Rust half of the Python package.
//!
//! Python (`python/hepframe/`) holds the user-facing API: `hepframe.open`, the RDataFrame-style
//! graph, results as `hist.Hist`, the Dask executor. This module does the work underneath, with
//! the GIL released: reading branches into numpy buffers that wrap Rust memory (no copy), and
//! running analyses, work items and merges of the [`engine`]. Analyses, plans, work items and
//! partial results cross this boundary as JSON text (exact floats), which is also what Dask
//! ships between processes.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rootio::{Array, Dataset, ReadOptions, RootFile};

use engine::{Analysis, EngineError, Partial, Plan, Split, WorkItem};

mod plottable;

/// mimalloc for Rust's allocations (as in the CLI); numpy arrays that wrap Rust vectors free them
/// through Rust, so they go back to the same allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Raise the Python exception `hepframe.errors.<kind>` with `message`.
fn raise(py: Python<'_>, kind: &str, message: String) -> PyErr {
    let class = py.import("hepframe.errors").and_then(|m| m.getattr(kind));
    match class {
        Ok(c) => match c.call1((message.clone(),)) {
            Ok(v) => PyErr::from_value(v),
            Err(e) => e,
        },
        Err(_) => pyo3::exceptions::PyRuntimeError::new_err(message),
    }
}

fn read_error(py: Python<'_>, e: rootio::Error) -> PyErr {
    let kind = match &*e.kind {
        rootio::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            "FileNotFoundError"
        }
        rootio::ErrorKind::Io(_) => "InputError",
        rootio::ErrorKind::NotFound { .. }
        | rootio::ErrorKind::Ambiguous { .. }
        | rootio::ErrorKind::WrongClass { .. } => "NotFoundError",
        _ => "FormatError",
    };
    raise(py, kind, e.to_string())
}

fn engine_error(py: Python<'_>, e: EngineError) -> PyErr {
    match e {
        EngineError::Read(r) => read_error(py, r),
        EngineError::Expression {
            origin,
            message,
            caret,
        } => raise(
            py,
            "ExpressionError",
            format!("{origin}: {message}\n{caret}"),
        ),
        e @ EngineError::Eval { .. } => raise(py, "ExpressionError", e.to_string()),
        e @ EngineError::Batch { .. } => raise(py, "ExecutionError", e.to_string()),
        e @ EngineError::Write { .. } => raise(py, "OutputError", e.to_string()),
        e @ EngineError::Input { .. } => raise(py, "InputError", e.to_string()),
        e => raise(py, "AnalysisError", e.to_string()),
    }
}

fn json_error(py: Python<'_>, what: &str, e: serde_json::Error) -> PyErr {
    raise(py, "AnalysisError", format!("malformed {what}: {e}"))
}

/// An open ROOT file.
#[pyclass(module = "hepframe._core", frozen)]
struct File {
    inner: RootFile,
    path: String,
}

#[pymethods]
impl File {
    /// The trees and RNTuples in the file (with directories: `dir/Events`).
    fn trees(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let mut out = self.inner.tree_paths().map_err(|e| read_error(py, e))?;
        out.extend(self.inner.rntuple_paths().map_err(|e| read_error(py, e))?);
        Ok(out)
    }

    /// The file's path.
    #[getter]
    fn path(&self) -> String {
        self.path.clone()
    }

    /// The class of the object at `name` (`TTree`, `TH1F`, `TGraph`, …).
    fn class_of(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        let key = self.inner.key(name).map_err(|e| read_error(py, e))?;
        Ok(key.class_name)
    }

    /// The histogram or graph at `name`, as a dict of numpy arrays (see `plottable.rs`).
    fn plottable<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
        let p = py
            .detach(|| self.inner.read_plottable(name))
            .map_err(|e| read_error(py, e))?;
        plottable::to_dict(py, p)
    }

    fn tree(&self, py: Python<'_>, name: &str) -> PyResult<Tree> {
        let t = self.inner.dataset(name).map_err(|e| read_error(py, e))?;
        Ok(Tree {
            inner: t,
            name: name.to_string(),
        })
    }
}

/// A TTree or an RNTuple.
#[pyclass(module = "hepframe._core", frozen)]
struct Tree {
    inner: Dataset,
    name: String,
}

#[pymethods]
impl Tree {
    /// Entries in the tree.
    #[getter]
    fn num_entries(&self) -> u64 {
        self.inner.entries()
    }

    /// Whether it is an RNTuple (else a TTree).
    #[getter]
    fn is_rntuple(&self) -> bool {
        self.inner.is_rntuple()
    }

    /// The tree's name.
    #[getter]
    fn name(&self) -> String {
        self.name.clone()
    }

    /// Names of the branches that hold data (or the RNTuple's top-level fields), in order.
    fn branch_names(&self) -> Vec<String> {
        self.inner.columns().into_iter().map(|(n, _)| n).collect()
    }

    /// `(name, C++ type)` of each branch (or field).
    fn types(&self) -> Vec<(String, String)> {
        self.inner
            .columns()
            .into_iter()
            .map(|(n, _)| {
                let t = self.inner.type_name(&n).unwrap_or_default();
                (n, t)
            })
            .collect()
    }

    /// Read branches over `[start, stop)`. Returns `{name: layout}` where a layout is a numpy
    /// array (flat branches) or a tuple the Python side turns into an awkward array:
    /// `("list", offsets, content)`, `("fixed", size, content)`, `("strings", offsets, bytes)`,
    /// `("record", [(field, content), ...], length)`.
    #[pyo3(signature = (branches, start, stop, threads=0))]
    fn read<'py>(
        &self,
        py: Python<'py>,
        branches: Vec<String>,
        start: u64,
        stop: u64,
        threads: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let stop = stop.min(self.inner.entries());
        let start = start.min(stop);
        let names: Vec<&str> = branches.iter().map(String::as_str).collect();
        let tree = &self.inner;
        let arrays = py
            .detach(|| tree.read(&names, start..stop, &ReadOptions { threads }))
            .map_err(|e| read_error(py, e))?;
        let out = PyDict::new(py);
        for (name, a) in branches.iter().zip(arrays) {
            out.set_item(name, layout(py, a)?)?;
        }
        Ok(out)
    }
}

/// A numpy array owning the vector's memory (no copy).
fn numpy<'py, T: numpy::Element>(py: Python<'py>, v: Vec<T>) -> Bound<'py, PyAny> {
    let a: Bound<'py, PyArray1<T>> = v.into_pyarray(py);
    a.into_any()
}

fn layout<'py>(py: Python<'py>, a: Array) -> PyResult<Bound<'py, PyAny>> {
    Ok(match a {
        Array::Bool(v) => numpy(py, v),
        Array::I8(v) => numpy(py, v),
        Array::U8(v) => numpy(py, v),
        Array::I16(v) => numpy(py, v),
        Array::U16(v) => numpy(py, v),
        Array::I32(v) => numpy(py, v),
        Array::U32(v) => numpy(py, v),
        Array::I64(v) => numpy(py, v),
        Array::U64(v) => numpy(py, v),
        Array::F32(v) => numpy(py, v),
        Array::F64(v) => numpy(py, v),
        Array::Jagged { offsets, values } => {
            let content = layout(py, *values)?;
            PyTuple::new(
                py,
                [
                    "list".into_pyobject(py)?.into_any(),
                    numpy(py, offsets.into_vec()),
                    content,
                ],
            )?
            .into_any()
        }
        Array::Fixed { size, values } => {
            let content = layout(py, *values)?;
            PyTuple::new(
                py,
                [
                    "fixed".into_pyobject(py)?.into_any(),
                    size.into_pyobject(py)?.into_any(),
                    content,
                ],
            )?
            .into_any()
        }
        Array::Strings { offsets, data } => PyTuple::new(
            py,
            [
                "strings".into_pyobject(py)?.into_any(),
                numpy(py, offsets),
                numpy(py, data),
            ],
        )?
        .into_any(),
        Array::Record { fields, len } => {
            let list = PyList::empty(py);
            for (name, f) in fields {
                list.append((name, layout(py, f)?))?;
            }
            PyTuple::new(
                py,
                [
                    "record".into_pyobject(py)?.into_any(),
                    list.into_any(),
                    len.into_pyobject(py)?.into_any(),
                ],
            )?
            .into_any()
        }
    })
}

/// Open a ROOT file.
#[pyfunction]
fn open(py: Python<'_>, path: &str) -> PyResult<File> {
    let f = py
        .detach(|| RootFile::open(path))
        .map_err(|e| read_error(py, e))?;
    Ok(File {
        inner: f,
        path: path.to_string(),
    })
}

fn parse_analysis(py: Python<'_>, text: &str) -> PyResult<Analysis> {
    serde_json::from_str(text).map_err(|e| json_error(py, "analysis", e))
}

/// Read an analysis file (TOML) into the analysis JSON the other functions take; `files`
/// replace its inputs when given.
#[pyfunction]
#[pyo3(signature = (path, files=None, manifest=None, max_files=None))]
fn analysis_from_file(
    py: Python<'_>,
    path: &str,
    files: Option<Vec<String>>,
    manifest: Option<String>,
    max_files: Option<usize>,
) -> PyResult<String> {
    let o = engine::analysis_file::InputOverrides {
        files: files
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect(),
        manifest: manifest.map(Into::into),
        max_files_per_sample: max_files,
    };
    let a = engine::analysis_file::from_file_with(std::path::Path::new(path), &o)
        .map_err(|e| engine_error(py, e))?;
    serde_json::to_string(&a).map_err(|e| json_error(py, "analysis", e))
}

/// The samples of an AGC-format manifest (`nanoaod_inputs.json`) as JSON: `xsec` maps each
/// process to its cross section (pb); `max_files` keeps the first files of each sample.
#[pyfunction]
#[pyo3(signature = (path, xsec, max_files=None))]
fn read_manifest(
    py: Python<'_>,
    path: &str,
    xsec: std::collections::BTreeMap<String, f64>,
    max_files: Option<usize>,
) -> PyResult<String> {
    let s = engine::read_manifest(
        std::path::Path::new(path),
        &xsec,
        max_files,
        &engine::Origin::default(),
    )
    .map_err(|e| engine_error(py, e))?;
    serde_json::to_string(&s).map_err(|e| json_error(py, "samples", e))
}

/// Results as JSON: histograms (UHI), cut-flow, counts/sums/means/takes, entries, seconds.
fn results_json(r: &engine::Results) -> String {
    let hists: serde_json::Map<String, serde_json::Value> = r
        .histograms
        .iter()
        .map(|h| (h.name().to_string(), h.to_uhi_json()))
        .collect();
    let stats: Vec<serde_json::Value> = r
        .stats
        .iter()
        .map(|(name, s)| {
            let (kind, value) = match s {
                engine::Stat::Count(n) => ("count", serde_json::json!(n)),
                engine::Stat::Sum(x) => ("sum", finite(*x)),
                engine::Stat::Mean(x) => ("mean", finite(*x)),
                engine::Stat::Take(t) => ("take", serde_json::to_value(t).unwrap_or_default()),
            };
            serde_json::json!({"name": name, "kind": kind, "value": value})
        })
        .collect();
    let flow = |cf: &engine::CutFlow| {
        let cuts: Vec<serde_json::Value> = cf
            .cuts
            .iter()
            .map(|c| {
                serde_json::json!({"name": c.name, "passed": c.passed, "after": c.after,
                    "sumw": finite(c.sumw), "sumw2": finite(c.sumw2)})
            })
            .collect();
        serde_json::json!({"sample": cf.sample, "total": cf.total, "cuts": cuts,
            "total_sumw": finite(cf.total_sumw), "total_sumw2": finite(cf.total_sumw2),
            "weighted": cf.weighted, "table": cf.table()})
    };
    serde_json::json!({
        "histograms": hists,
        "keys": r
            .histograms
            .iter()
            .zip(&r.keys)
            .map(|(h, k)| (h.name().to_string(), serde_json::json!(k)))
            .collect::<serde_json::Map<String, serde_json::Value>>(),
        "samples": r.samples,
        "cutflow": flow(r.cutflow()),
        "cutflows": r.cutflows.iter().map(flow).collect::<Vec<_>>(),
        "stats": stats,
        "entries": r.entries,
        "seconds": r.seconds,
        "files": r.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "branches": r.branches,
        "bytes_read": r.bytes_read,
        "read_requests": r.read_requests,
        "io_wait_seconds": r.io_wait_seconds,
    })
    .to_string()
}

/// JSON has no NaN or infinities: write them as strings ("nan", "inf", "-inf").
use engine::json_float as finite;

/// Run an analysis here, on `threads` threads (0 = all cores), in work items of about
/// `entries_per_item` entries. Returns the results as JSON.
#[pyfunction]
#[pyo3(signature = (analysis, threads=0, entries_per_item=engine::DEFAULT_ENTRIES_PER_ITEM))]
fn run(py: Python<'_>, analysis: &str, threads: usize, entries_per_item: u64) -> PyResult<String> {
    let a = parse_analysis(py, analysis)?;
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let options = engine::RunOptions {
        threads,
        chunk_entries: entries_per_item,
        progress: None,
        cancel: Some(&cancel),
        ..Default::default()
    };
    // The run goes on in its own thread while this one, holding the GIL only for an instant
    // every 50 ms, watches for Ctrl-C (KeyboardInterrupt): then the run is told to stop, its
    // temporary files are removed, and the KeyboardInterrupt is raised once it has stopped.
    let r = std::thread::scope(|s| -> PyResult<engine::Result<engine::Results>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let worker = std::thread::Builder::new()
            // Expressions are evaluated by walking their (depth-limited) trees.
            .stack_size(16 << 20)
            .spawn_scoped(s, {
                let (a, options) = (&a, &options);
                move || {
                    let _ = tx.send(engine::run(a, options));
                }
            })
            .map_err(|e| raise(py, "ExecutionError", format!("cannot start the run: {e}")))?;
        let mut rx = rx;
        loop {
            let wait = std::time::Duration::from_millis(50);
            // (The receiver moves into the GIL-free closure and back: it is not `Sync`.)
            let (got, back) = py.detach(move || (rx.recv_timeout(wait), rx));
            rx = back;
            match got {
                Ok(r) => return Ok(r),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = worker.join();
                    return Err(raise(py, "ExecutionError", "the run panicked".into()));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(interrupt) = py.check_signals() {
                        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
                        let _ = py.detach(|| worker.join());
                        return Err(interrupt);
                    }
                }
            }
        }
    });
    // The run's thread has finished: what it freed after the loop (its heap, abandoned at
    // its end) is purged here.
    engine::allocator::return_freed_memory();
    let r = r?.map_err(|e| engine_error(py, e))?;
    Ok(results_json(&r))
}

/// Check an analysis (JSON) as planning does, without reading events: inputs exist, binnings
/// are valid, every expression type-checks against the first file of each sample. Raises the
/// error the run would give.
#[pyfunction]
fn check(py: Python<'_>, analysis: &str) -> PyResult<()> {
    let a = parse_analysis(py, analysis)?;
    with_checker_stack(py, "the check", || engine::check(&a))
}

/// Run `f` (which type-checks: it walks depth-limited expression trees) on a thread with the
/// workers' 16 MB stack, without the GIL; `what` names it in errors.
fn with_checker_stack<T: Send>(
    py: Python<'_>,
    what: &str,
    f: impl FnOnce() -> engine::Result<T> + Send,
) -> PyResult<T> {
    let r = py.detach(|| {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(16 << 20)
                .spawn_scoped(s, f)
                .map(|h| h.join())
        })
    });
    match r {
        Ok(Ok(r)) => r.map_err(|e| engine_error(py, e)),
        Ok(Err(_)) => Err(raise(py, "ExecutionError", format!("{what} panicked"))),
        Err(e) => Err(raise(
            py,
            "ExecutionError",
            format!("cannot start {what}: {e}"),
        )),
    }
}

/// The C++ type of every booked result's value (RDataFrame's spelling; `None` for a count), as
/// compiling the analysis (JSON) against its first input file types them.
#[pyfunction]
fn stat_types(py: Python<'_>, analysis: &str) -> PyResult<Vec<Option<String>>> {
    let a = parse_analysis(py, analysis)?;
    with_checker_stack(py, "typing", || engine::stat_types(&a))
}

/// Cut an analysis's input into work items: `entries_per_item` (whole clusters) or
/// `items_per_file`. Returns the plan as JSON.
#[pyfunction]
#[pyo3(signature = (analysis, entries_per_item=None, items_per_file=None))]
fn plan(
    py: Python<'_>,
    analysis: &str,
    entries_per_item: Option<u64>,
    items_per_file: Option<usize>,
) -> PyResult<String> {
    let a = parse_analysis(py, analysis)?;
    let split = match items_per_file {
        Some(n) => Split::ItemsPerFile(n.max(1)),
        None => Split::EntriesPerItem(entries_per_item.unwrap_or(200_000).max(1)),
    };
    let p = py
        .detach(|| engine::plan(&a, split))
        .map_err(|e| engine_error(py, e))?;
    Ok(serde_json::to_string(&p).unwrap_or_default())
}

/// The plan's id, the plan without its items (what every Dask task needs) and its work items,
/// each as JSON text.
#[pyfunction]
fn plan_items(py: Python<'_>, plan: &str) -> PyResult<(String, String, Vec<String>)> {
    let mut p = Plan::from_json(plan).map_err(|e| engine_error(py, e))?;
    let id = p.id();
    let items = p
        .items
        .iter()
        .map(|it| serde_json::to_string(it).unwrap_or_default())
        .collect();
    p.items.clear();
    Ok((id, serde_json::to_string(&p).unwrap_or_default(), items))
}

/// Run one work item (JSON) of a plan (JSON, its items may be left out) on this thread;
/// `plan_id` is the full plan's id. Returns the partial (JSON).
#[pyfunction]
fn run_item(py: Python<'_>, plan: &str, item: &str, plan_id: String) -> PyResult<String> {
    let p = Plan::from_json(plan).map_err(|e| engine_error(py, e))?;
    let it: WorkItem = serde_json::from_str(item).map_err(|e| json_error(py, "work item", e))?;
    let part = py
        .detach(|| engine::run_work_item(&p, &it, plan_id))
        .map_err(|e| engine_error(py, e))?;
    Ok(part.to_json())
}

/// Merge partials (JSON), left to right, as one step of the merge tree.
#[pyfunction]
fn merge_partials(py: Python<'_>, parts: Vec<String>) -> PyResult<String> {
    let merged = py
        .detach(|| {
            let parts = parts
                .iter()
                .map(|p| Partial::from_json(p))
                .collect::<engine::Result<Vec<_>>>()?;
            engine::merge_group(parts)
        })
        .map_err(|e| engine_error(py, e))?;
    Ok(merged.to_json())
}

/// The arity of the merge tree (local runs merge in the same tree).
#[pyfunction]
fn merge_arity() -> usize {
    engine::MERGE_ARITY
}

/// Check that the merged partial covers the whole plan, and return the results as JSON.
#[pyfunction]
fn finish(py: Python<'_>, plan: &str, partial: &str) -> PyResult<String> {
    let p = Plan::from_json(plan).map_err(|e| engine_error(py, e))?;
    let mut merged = Partial::from_json(partial).map_err(|e| engine_error(py, e))?;
    merged.items.sort_unstable();
    let r = engine::finish(&p, merged).map_err(|e| engine_error(py, e))?;
    Ok(results_json(&r))
}

/// Write histograms to a ROOT file: `histograms` is a JSON object mapping each name to a UHI
/// histogram (as `hist.serialization.to_uhi` gives); they become TH1D/TH2D with their flow
/// bins, Σw² (weighted storage), entries and titles. `compression`: ROOT's setting (e.g. 505).
#[pyfunction]
#[pyo3(signature = (path, histograms, compression=505))]
fn write_histograms(
    py: Python<'_>,
    path: &str,
    histograms: &str,
    compression: i32,
) -> PyResult<()> {
    let value: serde_json::Value =
        serde_json::from_str(histograms).map_err(|e| json_error(py, "histograms", e))?;
    let Some(map) = value.as_object() else {
        return Err(raise(
            py,
            "AnalysisError",
            "histograms: expected a JSON object".into(),
        ));
    };
    let mut hists = Vec::with_capacity(map.len());
    for (name, v) in map {
        let mut h = hist::Histogram::from_uhi_json(v)
            .map_err(|e| raise(py, "AnalysisError", format!("histogram '{name}': {e}")))?;
        h.set_name(name.clone());
        hists.push(h);
    }
    let Some(compression) = rootio::write::Compression::from_root_setting(compression) else {
        return Err(raise(
            py,
            "AnalysisError",
            format!("unknown compression setting {compression}"),
        ));
    };
    py.detach(|| -> rootio::Result<()> {
        let mut w = rootio::write::FileWriter::create(
            path,
            rootio::write::WriteOptions {
                compression,
                ..Default::default()
            },
        )?;
        for h in &hists {
            w.write_object(h.name(), &h.to_root())?;
        }
        w.close()
    })
    .map_err(|e| match &*e.kind {
        rootio::ErrorKind::WriteIo(_) => raise(py, "OutputError", e.to_string()),
        _ => raise(py, "AnalysisError", e.to_string()),
    })
}

/// The Rust core of the `hepframe` Python package.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Keep memory mimalloc frees for reuse during a run instead of purging it back to the
    // kernel (as the CLI does: columns freed and reallocated item after item would come back as
    // fresh pages); `engine::run` hands it back when the loop is over.
    engine::allocator::keep_freed_memory();
    m.add("DEFAULT_ENTRIES_PER_ITEM", engine::DEFAULT_ENTRIES_PER_ITEM)?;
    m.add_class::<File>()?;
    m.add_class::<Tree>()?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(analysis_from_file, m)?)?;
    m.add_function(wrap_pyfunction!(read_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(stat_types, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(plan_items, m)?)?;
    m.add_function(wrap_pyfunction!(run_item, m)?)?;
    m.add_function(wrap_pyfunction!(merge_partials, m)?)?;
    m.add_function(wrap_pyfunction!(merge_arity, m)?)?;
    m.add_function(wrap_pyfunction!(finish, m)?)?;
    m.add_function(wrap_pyfunction!(write_histograms, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

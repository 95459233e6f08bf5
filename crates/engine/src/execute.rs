//! Running a compiled sample over one work item: read its branches once, then evaluate batches
//! of events through the graph of cuts.
//!
//! Universes travel in *lanes*: a lane is a set of universes that see the same events at a
//! point of the graph. At the top one lane holds them all. A cut that does not depend on a
//! universe is evaluated once for every universe of the lane that does not affect it; a cut that
//! depends on one (a jet-energy variation changing which events have four jets) splits that
//! universe into a lane of its own, with its own events below. Defines that do not depend on a
//! universe are computed once per lane by its nominal evaluator and shared.

use std::rc::Rc;
use std::time::Instant;

use expr::value::repeat_f64 as repeat;
use expr::{Chunk, Evaluator, ExprError, Node, Nums, Scalar, Unread, Val};
use hist::{Axis, Histogram, Storage};
use rootio::{Array, Dataset, ReadOptions};

use crate::analysis::{Binning, HistSpec, StatKind};
use crate::compile::{CompiledSample, FilterKind};
use crate::error::{EngineError, Result};
use crate::partial::{Partial, StatAcc};
use crate::plan::{Plan, WorkItem};
use crate::results::CutCount;
use crate::snapshot::{append_columns, define_array, ColumnSource};

/// Events evaluated together: large enough to amortise per-column work, small enough for the
/// intermediate columns to stay in cache.
pub(crate) const EVAL_BATCH: usize = 4096;

/// The axis of a binning (errors: no bins, bounds not finite or not increasing).
pub(crate) fn axis(b: &Binning) -> hist::Result<Axis> {
    match b {
        Binning::Regular { bins, low, high } => Axis::regular(*bins, *low, *high),
        Binning::Variable(edges) => Axis::variable(edges.clone()),
    }
}

/// An empty histogram for a booked specification.
pub(crate) fn empty_histogram(spec: &HistSpec, weighted: bool) -> Result<Histogram> {
    let hist_err = |source| EngineError::Hist {
        name: spec.value.name.clone(),
        source,
    };
    let x = axis(&spec.binning)
        .map_err(hist_err)?
        .with_label(spec.xlabel.clone());
    let storage = if weighted || spec.weight.is_some() {
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

/// A partial result of a plan with nothing in it yet: every histogram of every sample, empty.
pub(crate) fn empty_partial(plan: &Plan, plan_id: String) -> Result<Partial> {
    let a = &plan.analysis;
    let mut histograms = Vec::new();
    for ps in &plan.samples {
        for (spec, tags) in &ps.histograms {
            for _ in tags {
                histograms.push(empty_histogram(&a.histograms[*spec], ps.weighted)?);
            }
        }
    }
    Ok(Partial {
        plan: plan_id,
        items: Vec::new(),
        entries: 0,
        cutflows: plan
            .samples
            .iter()
            .map(|ps| vec![CutCount::default(); ps.cuts.len() + 1])
            .collect(),
        histograms,
        stats: plan
            .samples
            .iter()
            .map(|_| vec![StatAcc::default(); a.stats.len()])
            .collect(),
        norm_sums: vec![0.0; plan.samples.len()],
        branches: Vec::new(),
        bytes_read: 0,
        read_requests: 0,
        io_wait_seconds: 0.0,
        seconds: 0.0,
        snapshots: Vec::new(),
    })
}

/// Where a sample's results go in a partial.
struct Slots {
    /// Layout index of each compiled histogram's nominal universe.
    first: Vec<usize>,
}

impl Slots {
    fn new(plan: &Plan, sample: usize) -> Slots {
        let mut k: usize = plan.samples[..sample]
            .iter()
            .flat_map(|s| s.histograms.iter().map(|(_, t)| t.len()))
            .sum();
        let mut first = Vec::new();
        for (_, tags) in &plan.samples[sample].histograms {
            first.push(k);
            k += tags.len();
        }
        Slots { first }
    }
}

/// Process one work item of sample `sample` and return its partial result. `cancel` is looked
/// at before every batch: once it is set the item stops with [`EngineError::Interrupted`] (a
/// work item can be long: a big cluster, or generated events).
pub(crate) fn process(
    plan: &Plan,
    plan_id: String,
    c: &CompiledSample,
    tree: Option<&Dataset>,
    it: &WorkItem,
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> Result<Partial> {
    let started = Instant::now();
    let mut p = empty_partial(plan, plan_id)?;
    let sample = it.sample;
    // Takes know their type and shape before any event reaches them.
    for (acc, st) in p.stats[sample].iter_mut().zip(&c.stats) {
        if let (StatKind::Take, Some(t), None) = (st.kind, &st.value, &acc.taken.values) {
            if let Some(empty) = crate::taken::Taken::empty_of(&t.ty) {
                acc.taken = empty;
            }
        }
    }
    let range = it.start..it.stop;
    let counters = || tree.map(|t| t.file().source().counters().snapshot());
    let io_before = counters().unwrap_or_default();
    let names: Vec<&str> = c.branches.iter().map(String::as_str).collect();
    // Each thread reads into the buffers of its previous work item: no fresh memory (and no
    // page faults) once they have grown.
    thread_local! {
        static BUFFERS: std::cell::RefCell<Vec<Array>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut cols = BUFFERS.with(|b| std::mem::take(&mut *b.borrow_mut()));
    match tree {
        Some(tree) => tree.read_into(
            &names,
            range.clone(),
            &ReadOptions { threads: 1 },
            &mut cols,
        )?,
        // Generated events: nothing to read (the schema has no branches).
        None => cols.clear(),
    }
    // Batches are views of the item's arrays: a column is copied only when an expression reads
    // it, and a cut copies only the events it keeps.
    let shared: Vec<Rc<Array>> = cols.drain(..).map(Rc::new).collect();
    let slots = Slots::new(plan, sample);
    let mut snaps: Vec<Vec<Array>> = vec![Vec::new(); c.snapshots.len()];
    let n = (range.end - range.start) as usize;
    let mut start = 0;
    {
        let mut run = Run {
            c,
            path: &it.file,
            slots: &slots,
            hists: &mut p.histograms,
            cutflow: &mut p.cutflows[sample],
            stats: &mut p.stats[sample],
            snaps: &mut snaps,
            norm_sum: &mut p.norm_sums[sample],
        };
        // rdfentry_: entries of the sample's files before this one come first.
        let first_entry: u64 = plan
            .files
            .iter()
            .filter(|f| f.sample == sample)
            .take_while(|f| f.path != it.file)
            .map(|f| f.entries)
            .sum();
        while start < n {
            if cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed)) {
                return Err(EngineError::Interrupted);
            }
            let stop = (start + EVAL_BATCH).min(n);
            let mut chunk = Chunk {
                entries: (range.start + start as u64..range.start + stop as u64).collect(),
                ..Default::default()
            };
            if c.reads_entry {
                let numbers = chunk.entries.iter().map(|e| e + first_entry).collect();
                chunk.values.insert(
                    crate::compile::ENTRY_COLUMN.to_owned(),
                    Rc::new(expr::Val::Num(expr::Nums::U64(numbers))),
                );
            }
            for (name, a) in c.branches.iter().zip(&shared) {
                chunk.views.insert(
                    name.clone(),
                    expr::View {
                        array: a.clone(),
                        start,
                        stop,
                    },
                );
            }
            run.batch(chunk)?;
            start = stop;
        }
    }
    // Give the buffers back for the next item (the batches' views are gone).
    cols.extend(shared.into_iter().filter_map(|a| Rc::try_unwrap(a).ok()));
    BUFFERS.with(|b| *b.borrow_mut() = cols);
    p.items = vec![it.index];
    p.entries = range.end - range.start;
    p.branches = c.branches.clone();
    // Other threads may read the same file at the same time: the counters are shared, so this
    // is exact for one thread and an estimate otherwise.
    let io_after = counters().unwrap_or_default();
    p.bytes_read = io_after.bytes.saturating_sub(io_before.bytes);
    p.read_requests = io_after.requests.saturating_sub(io_before.requests);
    p.io_wait_seconds = io_after.wait_micros.saturating_sub(io_before.wait_micros) as f64 * 1e-6;
    p.seconds = started.elapsed().as_secs_f64();
    p.snapshots = snaps;
    Ok(p)
}

/// The partial results one work item fills.
struct Run<'a> {
    c: &'a CompiledSample,
    path: &'a std::path::Path,
    slots: &'a Slots,
    hists: &'a mut [Histogram],
    cutflow: &'a mut [CutCount],
    stats: &'a mut [StatAcc],
    /// Per snapshot: the columns of the events written so far.
    snaps: &'a mut [Vec<Array>],
    norm_sum: &'a mut f64,
}

/// Events that a set of universes see alike.
struct Lane {
    chunk: Rc<Chunk>,
    universes: Vec<usize>,
}

impl Run<'_> {
    fn eval_err(&self, what: &'static str, name: &str, e: ExprError) -> EngineError {
        EngineError::Eval {
            file: self.path.to_path_buf(),
            what,
            name: name.to_string(),
            message: e.message,
        }
    }

    fn batch(&mut self, chunk: Chunk) -> Result<()> {
        let c = self.c;
        let n = chunk.len();
        {
            let ev = Evaluator::new(&chunk, &c.schema, &c.registry);
            let (sumw, sumw2) = self.weight_sums(&ev, c.root_weight, n)?;
            self.cutflow[0].add(&CutCount {
                n: n as u64,
                sumw,
                sumw2,
            });
            if let Some(t) = &c.norm_sum {
                let v = ev
                    .eval(&t.node)
                    .map_err(|e| self.eval_err("normalisation", "normalisation", e))?;
                *self.norm_sum += per_event(v, n).iter().sum::<f64>();
            }
        }
        let lane = Lane {
            chunk: Rc::new(chunk),
            universes: (0..c.universes.len()).collect(),
        };
        self.visit(None, lane, 0, None)
    }

    /// Σ (norm × weight) and Σ (norm × weight)² over the events of `ev`'s chunk.
    fn weight_sums(
        &self,
        ev: &Evaluator<'_>,
        weight: Option<usize>,
        n: usize,
    ) -> Result<(f64, f64)> {
        let norm = self.c.norm;
        let Some(w) = weight else {
            return Ok((norm * n as f64, norm * norm * n as f64));
        };
        let v = ev
            .define(w)
            .map_err(|e| self.eval_err("weight", "weight", e))?;
        let (mut s, mut s2) = (0.0, 0.0);
        for x in per_event((*v).clone(), n) {
            let w = norm * x;
            s += w;
            s2 += w * w;
        }
        Ok((s, s2))
    }

    /// Fill what is booked at filter point `fp` (`None`: all events) for every universe of the
    /// lane, then apply the cuts that follow it. `above`: the nominal evaluator of the events
    /// before the last cut and the cut's mask, whose computed defines are narrowed rather than
    /// computed again.
    fn visit(
        &mut self,
        fp: Option<usize>,
        lane: Lane,
        depth: usize,
        above: Option<(&Evaluator<'_>, &[bool])>,
    ) -> Result<()> {
        let c = self.c;
        if depth > c.filters.len() || lane.chunk.is_empty() {
            return Ok(());
        }
        let chunk = &*lane.chunk;
        let base = Evaluator::new(chunk, &c.schema, &c.registry);
        let base = match above {
            Some((parent, keep)) => base.below(parent, keep),
            None => base,
        };
        let evs: Vec<Option<Evaluator<'_>>> = lane
            .universes
            .iter()
            .map(|&u| (u != 0).then(|| base.universe(u, c.universes[u].salt)))
            .collect();
        let ev_of = |k: usize| evs[k].as_ref().unwrap_or(&base);
        let nominal_here = lane.universes.first() == Some(&0);
        for (hi, h) in c.hists.iter().enumerate() {
            if h.filter != fp {
                continue;
            }
            for (k, &u) in lane.universes.iter().enumerate() {
                let pos = if u == 0 {
                    Some(0)
                } else {
                    h.universes.binary_search(&u).ok().map(|p| p + 1)
                };
                let Some(pos) = pos else { continue };
                let slot = self.slots.first[hi] + pos;
                self.fill(hi, slot, ev_of(k), chunk.len())?;
            }
        }
        if nominal_here {
            self.nominal_results(fp, &base, chunk)?;
        }
        // The cuts that follow.
        for (fi, f) in c.filters.iter().enumerate() {
            if f.parent != fp {
                continue;
            }
            // Universes the cut does not depend on share one evaluation (nominal semantics on
            // this lane's events); each universe it depends on gets its own.
            let mut groups: Vec<(Vec<bool>, Vec<usize>)> = Vec::new();
            let shared: Vec<usize> = lane
                .universes
                .iter()
                .copied()
                .filter(|u| f.universes.binary_search(u).is_err())
                .collect();
            if !shared.is_empty() {
                groups.push((self.keep(fi, &base, chunk)?, shared));
            }
            for (k, &u) in lane.universes.iter().enumerate() {
                if f.universes.binary_search(&u).is_ok() {
                    groups.push((self.keep(fi, ev_of(k), chunk)?, vec![u]));
                }
            }
            for (keep, universes) in groups {
                let sub = if keep.iter().all(|k| *k) {
                    lane.chunk.clone()
                } else {
                    Rc::new(chunk.filter(&keep))
                };
                if universes.first() == Some(&0) {
                    let ev = Evaluator::new(&sub, &c.schema, &c.registry);
                    let (sumw, sumw2) = self.weight_sums(&ev, f.weight, sub.len())?;
                    self.cutflow[fi + 1].add(&CutCount {
                        n: sub.len() as u64,
                        sumw,
                        sumw2,
                    });
                }
                self.visit(
                    Some(fi),
                    Lane {
                        chunk: sub,
                        universes,
                    },
                    depth + 1,
                    Some((&base, &keep)),
                )?;
            }
        }
        Ok(())
    }

    /// The events of `chunk` that pass cut `fi`, in `ev`'s universe.
    fn keep(&self, fi: usize, ev: &Evaluator<'_>, chunk: &Chunk) -> Result<Vec<bool>> {
        let f = &self.c.filters[fi];
        match &f.kind {
            FilterKind::LumiMask(mask) => {
                let get = |b: &str| -> Result<Vec<u64>> {
                    match chunk.array(b) {
                        Some(Array::U32(v)) => Ok(v.iter().map(|x| *x as u64).collect()),
                        Some(Array::I32(v)) => Ok(v.iter().map(|x| *x as u64).collect()),
                        Some(Array::U64(v)) => Ok(v),
                        Some(Array::I64(v)) => Ok(v.iter().map(|x| *x as u64).collect()),
                        _ => Err(EngineError::Eval {
                            file: self.path.to_path_buf(),
                            what: "cut",
                            name: f.name.clone(),
                            message: format!("'{b}' is not an integer per event"),
                        }),
                    }
                };
                Ok(mask.mask(&get("run")?, &get("luminosityBlock")?))
            }
            FilterKind::Expr(t) => match ev
                .eval(&t.node)
                .map_err(|e| self.eval_err("cut", &f.name, e))?
            {
                Val::Num(Nums::Bool(v)) => Ok(v),
                Val::Const(Scalar::Bool(b), _) => Ok(vec![b; chunk.len()]),
                _ => Err(self.eval_err(
                    "cut",
                    &f.name,
                    ExprError::eval("not a bool per event", expr::Span::default()),
                )),
            },
        }
    }

    /// Fill histogram `hi` (layout slot `slot`) with `ev`'s universe.
    fn fill(&mut self, hi: usize, slot: usize, ev: &Evaluator<'_>, n: usize) -> Result<()> {
        let c = self.c;
        let h = &c.hists[hi];
        let name = &self.hists[slot].name().to_string();
        // Values are shared with the evaluator's cache (a branch or define is not copied).
        let eval = |node: &Node, what: &'static str| {
            ev.eval_rc(node).map_err(|e| self.eval_err(what, name, e))
        };
        // The common case, an unweighted 1-D histogram of single-precision values, fills
        // straight from that column without a double-precision copy: the same histogram, bit
        // for bit. A branch or a field of a whole collection that nothing copied yet, before
        // any cut, is filled from the reader's array itself (no copy at all).
        let unit_1d = h.y.is_none()
            && h.weight.is_none()
            && h.event_weight.is_none()
            && c.norm == 1.0
            && !c.weighted;
        let fill_f32 = |hist: &mut Histogram, x: &[f32]| {
            hist.fill_many_f32(x).map_err(|source| EngineError::Hist {
                name: name.clone(),
                source,
            })
        };
        if unit_1d {
            let unread = ev
                .unread_column(&h.value.node)
                .map_err(|e| self.eval_err("histogram", name, e))?;
            if let Some(Unread {
                values: Array::F32(v),
                range,
                ..
            }) = unread
            {
                if let Some(x) = v.get(range) {
                    return fill_f32(&mut self.hists[slot], x);
                }
            }
        }
        let value = eval(&h.value.node, "histogram")?;
        if unit_1d {
            if let Val::Num(Nums::F32(x)) | Val::List(_, Nums::F32(x)) = &*value {
                return fill_f32(&mut self.hists[slot], x);
            }
        }
        let (xs, offsets) = flatten(&value, n);
        let len_err = |what: &str, a: &[i64], b: &[i64]| EngineError::Eval {
            file: self.path.to_path_buf(),
            what: "histogram",
            name: name.clone(),
            message: format!(
                "{what} have different lengths in entry {}",
                ev.first_length_difference(a, b)
            ),
        };
        // The weight of each event: the sample's normalisation × the event weight.
        let event_w: Option<Vec<f64>> = match h.event_weight {
            Some(w) => {
                let v = ev
                    .define(w)
                    .map_err(|e| self.eval_err("weight", "weight", e))?;
                Some(
                    per_event((*v).clone(), n)
                        .into_iter()
                        .map(|x| c.norm * x)
                        .collect(),
                )
            }
            None => (c.norm != 1.0 || c.weighted).then(|| vec![c.norm; n]),
        };
        // A 2-D histogram: y has the shape of x (a per-event value is repeated over a list).
        let (list_off, xs, ys) = match &h.y {
            Some(y) => {
                let (ys, yoff) = flatten(&*eval(&y.node, "histogram y")?, n);
                match (&offsets, &yoff) {
                    (Some(o), None) => (Some(o.clone()), xs, Some(repeat(&ys, o))),
                    (None, Some(o)) => (Some(o.clone()), repeat(&xs, o), Some(ys)),
                    // Two lists pair up element by element only with the same length in every
                    // event (equal totals are not enough).
                    (Some(ox), Some(oy)) if ox != oy => return Err(len_err("x and y", ox, oy)),
                    (o, _) => (o.clone(), xs, Some(ys)),
                }
            }
            None => (offsets, xs, None),
        };
        // Per value: the event weight (repeated over lists) times the histogram's own weight.
        let mut ws: Option<Vec<f64>> = event_w.map(|w| match &list_off {
            Some(o) => repeat(&w, o),
            None => w,
        });
        if let Some(w) = &h.weight {
            let (hw, hoff) = flatten(&*eval(&w.node, "histogram weight")?, n);
            let hw = match (&list_off, &hoff) {
                (Some(o), None) => repeat(&hw, o),
                (Some(o), Some(ow)) if o != ow => {
                    return Err(len_err("the weight and the values", o, ow))
                }
                (None, Some(ow)) => {
                    return Err(EngineError::Eval {
                        file: self.path.to_path_buf(),
                        what: "histogram",
                        name: name.clone(),
                        message: format!(
                            "the weight is a list per event ({} values) but the value is one \
                             number per event",
                            ow.last().copied().unwrap_or(0)
                        ),
                    })
                }
                _ => hw,
            };
            ws = Some(match ws {
                Some(mut e) => {
                    for (a, b) in e.iter_mut().zip(&hw) {
                        *a *= b;
                    }
                    e
                }
                None => hw,
            });
        }
        let hist = &mut self.hists[slot];
        let hist_err = |source| EngineError::Hist {
            name: name.clone(),
            source,
        };
        match (ys, ws) {
            (None, None) => hist.fill_many(&xs).map_err(hist_err),
            (None, Some(w)) => hist.fill_many_weighted(&xs, &w).map_err(hist_err),
            (Some(y), None) => hist.fill_many_2d(&xs, &y).map_err(hist_err),
            (Some(y), Some(w)) => hist.fill_many_2d_weighted(&xs, &y, &w).map_err(hist_err),
        }
    }

    /// Counts, sums, means, takes and snapshots at filter point `fp` (nominal universe).
    fn nominal_results(
        &mut self,
        fp: Option<usize>,
        ev: &Evaluator<'_>,
        chunk: &Chunk,
    ) -> Result<()> {
        let c = self.c;
        for (k, st) in c.stats.iter().enumerate() {
            if st.filter != fp {
                continue;
            }
            match (st.kind, &st.value) {
                (StatKind::Count, _) | (_, None) => self.stats[k].n += chunk.len() as u64,
                (kind, Some(t)) => {
                    let v = ev
                        .eval(&t.node)
                        .map_err(|e| self.eval_err("result", "result", e))?;
                    let acc = &mut self.stats[k];
                    if kind == StatKind::Take {
                        if !acc.taken.push(v, chunk.len()) {
                            return Err(self.eval_err(
                                "result",
                                "take",
                                ExprError::eval(
                                    "the taken values changed type",
                                    expr::Span::default(),
                                ),
                            ));
                        }
                        acc.n = acc.taken.len() as u64;
                    } else {
                        let (xs, _) = flatten(&v, chunk.len());
                        acc.n += xs.len() as u64;
                        acc.sum += xs.iter().sum::<f64>();
                    }
                }
            }
        }
        for (si, snap) in c.snapshots.iter().enumerate() {
            if snap.filter != fp {
                continue;
            }
            let mut cols = Vec::with_capacity(snap.columns.len());
            for (col, src) in snap.columns.iter().zip(&snap.sources) {
                let a = match src {
                    ColumnSource::Branch => chunk.array(&col.name),
                    ColumnSource::Define(i) => {
                        let v = ev
                            .define(*i)
                            .map_err(|e| self.eval_err("snapshot column", &col.name, e))?;
                        define_array((*v).clone(), chunk.len(), &col.layout)
                    }
                    ColumnSource::Computed(t) => {
                        let v = ev
                            .eval(&t.node)
                            .map_err(|e| self.eval_err("snapshot column", &col.name, e))?;
                        define_array(v, chunk.len(), &col.layout)
                    }
                };
                cols.push(a.ok_or_else(|| EngineError::Eval {
                    file: self.path.to_path_buf(),
                    what: "snapshot column",
                    name: col.name.clone(),
                    message: "has no values of the column's type".into(),
                })?);
            }
            append_columns(&mut self.snaps[si], cols).ok_or_else(|| EngineError::Eval {
                file: self.path.to_path_buf(),
                what: "snapshot",
                name: snap.spec.path.display().to_string(),
                message: "a column changed type between chunks".into(),
            })?;
        }
        Ok(())
    }
}

/// A per-event value as one f64 per event (constants repeated).
fn per_event(v: Val, n: usize) -> Vec<f64> {
    match v {
        Val::Num(x) => x.to_f64(),
        Val::Const(s, k) => s.column(k, n).to_f64(),
        _ => vec![f64::NAN; n],
    }
}

/// A value as numbers to fill: one per event, or every element of each event's list.
fn flatten(v: &Val, n: usize) -> (Vec<f64>, Option<Vec<i64>>) {
    match v {
        Val::Num(x) => (x.to_f64(), None),
        Val::List(o, x) => (x.to_f64(), Some((**o).clone())),
        Val::Const(s, k) => (s.column(*k, n).to_f64(), None),
        _ => (Vec::new(), None),
    }
}

//! Partial results of work items, their deterministic merge, and the final [`Results`].
//!
//! A partial holds what a set of work items produced: histograms, cut-flow counts of every
//! sample, counts, sums, means and takes, entries processed, and which items it covers. Partials serialise to JSON
//! exactly (floats round-trip bit for bit), so they can cross process boundaries (Dask tasks,
//! batch jobs) without changing a result.
//!
//! Merging is deterministic: [`merge_all`] sorts partials by work item and merges them in a
//! k-ary tree ([`MERGE_ARITY`]) level by level, groups of consecutive items first. The Dask
//! executor builds the same tree on its workers, so a local, a Dask and a batch run of the same
//! plan add the same numbers in the same order. Takes are concatenated in item (entry) order.

use hist::Histogram;
use serde::{Deserialize, Serialize};

use crate::analysis::StatKind;
use crate::error::{EngineError, Result};
use crate::plan::Plan;
use crate::results::{CutCount, CutFlow, CutRow, HistKey, Results, SampleInfo, Stat};

/// How many partials one merge step combines.
pub const MERGE_ARITY: usize = 8;

/// Running state of a count, sum, mean or take.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatAcc {
    /// Values (or events, for a count) seen.
    pub n: u64,
    /// Their sum.
    pub sum: f64,
    /// The values themselves (takes only), in entry order, with their type and event lists.
    pub taken: crate::taken::Taken,
}

/// What one or more work items produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// The plan's [`Plan::id`] (empty for a local run).
    pub plan: String,
    /// Work items covered, ascending.
    pub items: Vec<usize>,
    /// Entries processed.
    pub entries: u64,
    /// Per sample: events reaching each point, all events first, then each cut.
    pub cutflows: Vec<Vec<CutCount>>,
    /// Histograms, in the plan's layout order.
    #[serde(with = "uhi_list")]
    pub histograms: Vec<Histogram>,
    /// Per sample: counts, sums, means and takes, in booking order.
    pub stats: Vec<Vec<StatAcc>>,
    /// Per sample: the sum of its normalisation expression over every event (normalisation by
    /// a sum only).
    pub norm_sums: Vec<f64>,
    /// The branches read.
    pub branches: Vec<String>,
    /// Bytes read from the files.
    pub bytes_read: u64,
    /// Read requests made (one per range for a local file; remote sources merge ranges).
    #[serde(default)]
    pub read_requests: u64,
    /// Seconds spent waiting for remote reads, summed over threads.
    #[serde(default)]
    pub io_wait_seconds: f64,
    /// Seconds spent in the event loop, summed over items.
    pub seconds: f64,
    /// Per snapshot, the columns of the item's events (local runs hand them to the writers and
    /// leave this empty; never serialised).
    #[serde(skip)]
    pub snapshots: Vec<Vec<rootio::Array>>,
}

mod uhi_list {
    use hist::Histogram;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(h: &[Histogram], s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<serde_json::Value> = h.iter().map(Histogram::to_uhi_json).collect();
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Histogram>, D::Error> {
        let v = Vec::<serde_json::Value>::deserialize(d)?;
        v.iter()
            .map(|x| Histogram::from_uhi_json(x).map_err(serde::de::Error::custom))
            .collect()
    }
}

impl Partial {
    /// Add `other` (which covers later work items) into `self`.
    pub fn merge(&mut self, other: Partial) -> Result<()> {
        let mismatch = |what: &str| EngineError::Batch {
            message: format!("cannot merge partial results: {what} differ"),
        };
        if self.plan != other.plan {
            return Err(EngineError::Batch {
                message: format!(
                    "cannot merge partial results of different plans ({} and {})",
                    self.plan, other.plan
                ),
            });
        }
        let same_shape = self.histograms.len() == other.histograms.len()
            && self.stats.len() == other.stats.len()
            && self.cutflows.len() == other.cutflows.len()
            && self.norm_sums.len() == other.norm_sums.len()
            && self
                .cutflows
                .iter()
                .zip(&other.cutflows)
                .all(|(a, b)| a.len() == b.len())
            && self
                .stats
                .iter()
                .zip(&other.stats)
                .all(|(a, b)| a.len() == b.len());
        if !same_shape {
            return Err(mismatch("the booked results"));
        }
        for (h, o) in self.histograms.iter_mut().zip(&other.histograms) {
            h.merge(o).map_err(|source| EngineError::Hist {
                name: h.name().to_string(),
                source,
            })?;
        }
        // Counts come from partial results on disk: a sum past u64::MAX is corrupt input, an
        // error rather than an overflow.
        let overflow = |what: &str| EngineError::Batch {
            message: format!(
                "cannot merge partial results: {what} add up to more than {}",
                u64::MAX
            ),
        };
        for (a, b) in self.cutflows.iter_mut().zip(&other.cutflows) {
            for (x, y) in a.iter_mut().zip(b) {
                if x.n.checked_add(y.n).is_none() {
                    return Err(overflow("the cut-flow counts"));
                }
                x.add(y);
            }
        }
        for (a, b) in self.stats.iter_mut().zip(other.stats) {
            for (x, y) in a.iter_mut().zip(b) {
                x.n = x.n.checked_add(y.n).ok_or_else(|| overflow("the counts"))?;
                x.sum += y.sum;
                if !x.taken.extend(y.taken) {
                    return Err(mismatch("the types of taken values"));
                }
            }
        }
        for (a, b) in self.norm_sums.iter_mut().zip(&other.norm_sums) {
            *a += b;
        }
        for (a, b) in self.snapshots.iter_mut().zip(other.snapshots) {
            crate::snapshot::append_columns(a, b).ok_or_else(|| mismatch("snapshot columns"))?;
        }
        self.items.extend(other.items);
        self.entries = self
            .entries
            .checked_add(other.entries)
            .ok_or_else(|| overflow("the entry counts"))?;
        // Only reported, never checked: a corrupt count saturates.
        self.bytes_read = self.bytes_read.saturating_add(other.bytes_read);
        self.read_requests = self.read_requests.saturating_add(other.read_requests);
        self.io_wait_seconds += other.io_wait_seconds;
        self.seconds += other.seconds;
        Ok(())
    }

    /// The partial as compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Read a partial from JSON.
    pub fn from_json(text: &str) -> Result<Partial> {
        serde_json::from_str(text).map_err(|e| EngineError::Batch {
            message: format!("not a hepframe partial result: {e}"),
        })
    }

    /// Check that this partial covers every work item of `plan` exactly once, and every entry.
    pub fn check_complete(&self, plan: &Plan) -> Result<()> {
        let missing: Vec<String> = plan
            .items
            .iter()
            .filter(|it| self.items.binary_search(&it.index).is_err())
            .map(|it| it.describe())
            .collect();
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
            return Err(EngineError::Batch {
                message: format!(
                    "{} of the {} work items {} missing from the result: {}{}",
                    missing.len(),
                    plan.items.len(),
                    if missing.len() == 1 { "is" } else { "are" },
                    shown.join(", "),
                    if missing.len() > 10 { ", …" } else { "" }
                ),
            });
        }
        self.check_entries(plan.items.len(), plan.entries)
    }

    /// Check the items are 0..`items` and the entries add up to `entries`.
    pub fn check_entries(&self, items: usize, entries: u64) -> Result<()> {
        let missing: Vec<String> = (0..items)
            .filter(|i| self.items.binary_search(i).is_err())
            .map(|i| i.to_string())
            .collect();
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(20).map(String::as_str).collect();
            return Err(EngineError::Batch {
                message: format!(
                    "work item{} {}{} {} missing from the result (the plan has {items} work \
                     items, numbered from 0)",
                    if missing.len() == 1 { "" } else { "s" },
                    shown.join(", "),
                    if missing.len() > 20 { ", …" } else { "" },
                    if missing.len() == 1 { "is" } else { "are" },
                ),
            });
        }
        if self.entries != entries {
            return Err(EngineError::Batch {
                message: format!(
                    "the work items processed {} entries, but the input has {entries}",
                    self.entries
                ),
            });
        }
        Ok(())
    }

    /// The final results of a plan from the merged partial of all its work items: the
    /// normalisation by sums applied, the sample sums added, the cut-flows and stats named.
    pub fn into_results(mut self, plan: &Plan) -> Result<Results> {
        let a = &plan.analysis;
        let several =
            plan.samples.len() > 1 || plan.samples.iter().any(|s| !s.sample.name.is_empty());
        // Layout index of each sample's first histogram.
        let mut first = Vec::with_capacity(plan.samples.len());
        let mut k = 0;
        for ps in &plan.samples {
            first.push(k);
            k += ps.histograms.iter().map(|(_, t)| t.len()).sum::<usize>();
        }
        if k != self.histograms.len() {
            return Err(EngineError::Batch {
                message: format!(
                    "the partial results hold {} histograms, the plan books {k}",
                    self.histograms.len()
                ),
            });
        }
        // Normalisation by a sum over the events: scale the sample's histograms and yields.
        for (si, ps) in plan.samples.iter().enumerate() {
            let Some(xl) = ps.xsec_lumi else { continue };
            let sum = self.norm_sums.get(si).copied().unwrap_or(0.0);
            if !(sum.is_finite() && sum != 0.0) {
                return Err(EngineError::Analysis {
                    origin: ps.sample.origin.clone(),
                    message: format!(
                        "sample '{}': its normalisation sums to {sum} over {} events, so σ × L / N \
                         is undefined",
                        ps.sample.key(),
                        ps.entries
                    ),
                });
            }
            let f = xl / sum;
            let n: usize = ps.histograms.iter().map(|(_, t)| t.len()).sum();
            for h in &mut self.histograms[first[si]..first[si] + n] {
                h.scale(f);
            }
            if let Some(cf) = self.cutflows.get_mut(si) {
                for c in cf {
                    c.sumw *= f;
                    c.sumw2 *= f * f;
                }
            }
        }
        let mut specs = Vec::with_capacity(self.histograms.len());
        let mut keys = Vec::with_capacity(self.histograms.len());
        for ps in &plan.samples {
            for (spec, tags) in &ps.histograms {
                for tag in tags {
                    specs.push(a.histograms[*spec].clone());
                    keys.push(HistKey {
                        histogram: a.histograms[*spec].value.name.clone(),
                        sample: ps.sample.key(),
                        variation: tag.clone(),
                    });
                }
            }
        }
        for (h, name) in self.histograms.iter_mut().zip(&plan.histogram_names) {
            h.set_name(name.clone());
        }
        // Sample sums, added as TH1::Add does: the first term copied (scaled), then each
        // further term's contents times its factor and Σw² times its factor squared.
        let mut sums = Vec::new();
        for (sum_name, (name, terms)) in
            crate::naming::sums(a, &plan.samples, &plan.histogram_names)?
        {
            let mut acc: Option<Histogram> = None;
            let mut spec = None;
            for (idx, f) in terms {
                let h = &self.histograms[idx];
                spec = spec.or_else(|| specs.get(idx).cloned());
                match &mut acc {
                    None => {
                        let mut c = h.clone();
                        if f != 1.0 {
                            c.scale(f);
                        }
                        acc = Some(c);
                    }
                    Some(sum) => sum.add_scaled(h, f).map_err(|source| EngineError::Hist {
                        name: name.clone(),
                        source,
                    })?,
                }
            }
            if let (Some(mut h), Some(spec)) = (acc, spec) {
                h.set_name(name);
                sums.push((h, spec, sum_name));
            }
        }
        for (h, spec, sum_name) in sums {
            keys.push(HistKey {
                histogram: spec.value.name.clone(),
                sample: sum_name,
                variation: "nominal".into(),
            });
            self.histograms.push(h);
            specs.push(spec);
        }
        let mut cutflows = Vec::with_capacity(plan.samples.len());
        for (si, ps) in plan.samples.iter().enumerate() {
            let counts = self.cutflows.get(si).cloned().unwrap_or_default();
            let get = |i: usize| counts.get(i).copied().unwrap_or_default();
            let weighted = ps.norm != 1.0
                || ps.xsec_lumi.is_some()
                || counts.iter().any(|c| c.sumw != c.n as f64);
            cutflows.push(CutFlow {
                sample: ps.sample.key(),
                total: get(0).n,
                total_sumw: get(0).sumw,
                total_sumw2: get(0).sumw2,
                weighted,
                cuts: ps
                    .cuts
                    .iter()
                    .enumerate()
                    .map(|(i, (name, after))| {
                        let c = get(i + 1);
                        CutRow {
                            name: name.clone(),
                            after: *after,
                            passed: c.n,
                            sumw: c.sumw,
                            sumw2: c.sumw2,
                        }
                    })
                    .collect(),
            });
        }
        let mut stats = Vec::new();
        for (si, ps) in plan.samples.iter().enumerate() {
            let accs = self.stats.get(si).cloned().unwrap_or_default();
            for (spec, acc) in a.stats.iter().zip(accs) {
                let v = match spec.kind {
                    StatKind::Count => Stat::Count(acc.n),
                    StatKind::Sum => Stat::Sum(acc.sum),
                    StatKind::Mean => Stat::Mean(if acc.n > 0 {
                        acc.sum / acc.n as f64
                    } else {
                        f64::NAN
                    }),
                    StatKind::Take => Stat::Take(acc.taken),
                };
                let name = if several {
                    format!("{}_{}", spec.name, ps.sample.key().replace(':', "_"))
                } else {
                    spec.name.clone()
                };
                stats.push((name, v));
            }
        }
        let samples = plan
            .samples
            .iter()
            .enumerate()
            .map(|(si, ps)| SampleInfo {
                key: ps.sample.key(),
                entries: ps.entries,
                norm: match ps.xsec_lumi {
                    Some(xl) => xl / self.norm_sums.get(si).copied().unwrap_or(f64::NAN),
                    None => ps.norm,
                },
                files: ps.sample.files.clone(),
            })
            .collect();
        Ok(Results {
            histograms: self.histograms,
            specs,
            keys,
            cutflows,
            stats,
            samples,
            entries: self.entries,
            seconds: self.seconds,
            files: plan.files.iter().map(|f| f.path.clone()).collect(),
            branches: self.branches,
            bytes_read: self.bytes_read,
            read_requests: self.read_requests,
            io_wait_seconds: self.io_wait_seconds,
        })
    }
}

/// Merge partials deterministically: sorted by work item, then in a [`MERGE_ARITY`]-ary tree,
/// level by level. An item that appears twice is an error.
pub fn merge_all(mut parts: Vec<Partial>) -> Result<Partial> {
    parts.sort_by_key(|p| p.items.first().copied().unwrap_or(usize::MAX));
    let mut seen: Vec<usize> = parts.iter().flat_map(|p| p.items.iter().copied()).collect();
    seen.sort_unstable();
    if let Some(w) = seen.windows(2).find(|w| w[0] == w[1]) {
        return Err(EngineError::Batch {
            message: format!("work item {} appears in more than one partial result", w[0]),
        });
    }
    if parts.is_empty() {
        return Err(EngineError::Batch {
            message: "no partial results to merge".into(),
        });
    }
    while parts.len() > 1 {
        let mut next = Vec::with_capacity(parts.len().div_ceil(MERGE_ARITY));
        let mut it = parts.into_iter();
        loop {
            let group: Vec<Partial> = it.by_ref().take(MERGE_ARITY).collect();
            if group.is_empty() {
                break;
            }
            next.push(merge_group(group)?);
        }
        parts = next;
    }
    let mut out = parts.pop().ok_or_else(|| EngineError::Batch {
        message: "no partial results to merge".into(),
    })?;
    out.items.sort_unstable();
    Ok(out)
}

/// The merge tree of [`merge_all`], fed one work item at a time as items finish, in any order:
/// a group of [`MERGE_ARITY`] consecutive partials is merged as soon as it is complete, so a run
/// holds a few partials at a time instead of one per work item (histograms can be large). The
/// groups, and so the sums, are exactly those of [`merge_all`].
#[derive(Debug)]
pub struct StreamingMerge {
    /// Partials at each level of the tree (level 0: the work items), by position.
    levels: Vec<std::collections::BTreeMap<usize, Partial>>,
    /// How many partials each level has in all.
    counts: Vec<usize>,
}

impl StreamingMerge {
    /// A merge of `items` work items.
    pub fn new(items: usize) -> Self {
        let mut counts = vec![items];
        let mut n = items;
        while n > 1 {
            n = n.div_ceil(MERGE_ARITY);
            counts.push(n);
        }
        StreamingMerge {
            levels: counts.iter().map(|_| Default::default()).collect(),
            counts,
        }
    }

    /// Add the partial of work item `index` (its position in the plan).
    pub fn push(&mut self, index: usize, p: Partial) -> Result<()> {
        let (mut level, mut key, mut p) = (0, index, p);
        loop {
            let top = level + 1 >= self.counts.len();
            self.levels[level].insert(key, p);
            if top {
                return Ok(());
            }
            let group = key / MERGE_ARITY;
            let lo = group * MERGE_ARITY;
            let hi = (lo + MERGE_ARITY).min(self.counts[level]);
            if !(lo..hi).all(|k| self.levels[level].contains_key(&k)) {
                return Ok(());
            }
            let parts: Vec<Partial> = (lo..hi)
                .filter_map(|k| self.levels[level].remove(&k))
                .collect();
            p = merge_group(parts)?;
            level += 1;
            key = group;
        }
    }

    /// The merged partial of every item (`None` if some are missing).
    pub fn finish(mut self) -> Option<Partial> {
        let top = self.levels.last_mut()?;
        let mut out = top.remove(&0)?;
        out.items.sort_unstable();
        Some(out)
    }
}

/// Merge one group of partials left to right (the Dask executor's merge task does exactly this).
pub fn merge_group(group: Vec<Partial>) -> Result<Partial> {
    let mut it = group.into_iter();
    let mut acc = it.next().ok_or_else(|| EngineError::Batch {
        message: "no partial results to merge".into(),
    })?;
    for p in it {
        acc.merge(p)?;
    }
    Ok(acc)
}

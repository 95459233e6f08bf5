//! Partial results of work items, their deterministic merge, and the final [`Results`].
//!
//! A partial holds what a set of work items produced: histograms, cut-flow counts, counts, sums,
//! means and takes, entries processed, and which items it covers. Partials serialise to JSON
//! exactly (floats round-trip bit for bit), so they can cross process boundaries (Dask tasks,
//! batch jobs) without changing a result.
//!
//! Merging is deterministic: [`merge_all`] sorts partials by work item and merges them in a
//! k-ary tree ([`MERGE_ARITY`]) level by level, groups of consecutive items first. The Dask
//! executor builds the same tree on its workers, so a local, a Dask and a batch run of the same
//! plan add the same numbers in the same order. Takes are concatenated in item (entry) order.

use std::path::PathBuf;

use hist::Histogram;
use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, StatKind};
use crate::error::{EngineError, Result};
use crate::plan::Plan;
use crate::run::{CutFlow, Results, Stat};

/// How many partials one merge step combines.
pub const MERGE_ARITY: usize = 8;

/// Running state of a count, sum, mean or take.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatAcc {
    /// Values (or events, for a count) seen.
    pub n: u64,
    /// Their sum.
    pub sum: f64,
    /// The values themselves (takes only), in entry order.
    pub values: Vec<f64>,
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
    /// Events reaching each point: all events, then after each cut.
    pub passed: Vec<u64>,
    /// Histograms, in booking order.
    #[serde(with = "uhi_list")]
    pub histograms: Vec<Histogram>,
    /// Counts, sums, means and takes, in booking order.
    pub stats: Vec<StatAcc>,
    /// The branches read.
    pub branches: Vec<String>,
    /// Bytes read from the files.
    pub bytes_read: u64,
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
        if self.histograms.len() != other.histograms.len()
            || self.stats.len() != other.stats.len()
            || self.passed.len() != other.passed.len()
        {
            return Err(mismatch("the booked results"));
        }
        for (h, o) in self.histograms.iter_mut().zip(&other.histograms) {
            h.merge(o).map_err(|source| EngineError::Hist {
                name: h.name().to_string(),
                source,
            })?;
        }
        for (a, b) in self.passed.iter_mut().zip(&other.passed) {
            *a += b;
        }
        for (a, b) in self.stats.iter_mut().zip(other.stats) {
            a.n += b.n;
            a.sum += b.sum;
            a.values.extend(b.values);
        }
        for (a, b) in self.snapshots.iter_mut().zip(other.snapshots) {
            crate::snapshot::append_columns(a, b).ok_or_else(|| mismatch("snapshot columns"))?;
        }
        self.items.extend(other.items);
        self.entries += other.entries;
        self.bytes_read += other.bytes_read;
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
                    "{} of {} work items are missing from the result: {}{}",
                    missing.len(),
                    plan.items.len(),
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
            return Err(EngineError::Batch {
                message: format!(
                    "work items {} of {items} are missing from the result",
                    missing.join(", ")
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

    /// The final results of an analysis from the merged partial of all its work items.
    pub fn into_results(self, a: &Analysis, files: Vec<PathBuf>) -> Results {
        let stats = a
            .stats
            .iter()
            .zip(self.stats)
            .map(|(spec, acc)| {
                let v = match spec.kind {
                    StatKind::Count => Stat::Count(acc.n),
                    StatKind::Sum => Stat::Sum(acc.sum),
                    StatKind::Mean => Stat::Mean(if acc.n > 0 {
                        acc.sum / acc.n as f64
                    } else {
                        f64::NAN
                    }),
                    StatKind::Take => Stat::Take(acc.values),
                };
                (spec.name.clone(), v)
            })
            .collect();
        let parents = (0..a.cuts.len())
            .map(|i| a.cut_parents.get(i).copied().unwrap_or(i.checked_sub(1)))
            .collect();
        Results {
            histograms: self.histograms,
            specs: a.histograms.clone(),
            cutflow: CutFlow {
                total: self.passed.first().copied().unwrap_or(0),
                cuts: a
                    .cuts
                    .iter()
                    .zip(self.passed.iter().skip(1))
                    .map(|(c, n)| (c.name.clone(), *n))
                    .collect(),
                parents,
            },
            stats,
            entries: self.entries,
            seconds: self.seconds,
            files,
            branches: self.branches,
            bytes_read: self.bytes_read,
        }
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

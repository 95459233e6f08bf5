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
use crate::error::{EngineError, Result};

/// One unit of work: a range of whole clusters of one input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItem {
    /// Position in the plan (0-based); partial results merge in this order.
    pub index: usize,
    /// The input file.
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
    /// Entries of the analysis's tree in it.
    pub entries: u64,
}

/// An analysis cut into work items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `hepframe-plan-1`.
    pub format: String,
    /// The analysis, with its input files.
    pub analysis: Analysis,
    /// The input files with their entries.
    pub files: Vec<PlannedFile>,
    /// The work items, in merge order.
    pub items: Vec<WorkItem>,
    /// Entries in all files.
    pub entries: u64,
}

const PLAN_FORMAT: &str = "hepframe-plan-1";

/// Cut the analysis's input into work items. Opens every file (to read its clusters) and
/// type-checks the analysis against the first one, so that mistakes show before any work is
/// submitted.
pub fn plan(a: &Analysis, split: Split) -> Result<Plan> {
    let files = crate::run::expand(&a.files)?;
    let mut trees = Vec::with_capacity(files.len());
    for f in &files {
        trees.push(RootFile::open(f)?.dataset(&a.tree)?);
    }
    crate::run::compile(a, &trees[0])?;
    Ok(plan_trees(a, &files, &trees, split))
}

pub(crate) fn plan_trees(a: &Analysis, files: &[PathBuf], trees: &[Dataset], split: Split) -> Plan {
    let mut items = Vec::new();
    for (path, t) in files.iter().zip(trees) {
        let ends: Vec<u64> = t.cluster_ends();
        for r in split_clusters(&ends, split) {
            items.push(WorkItem {
                index: items.len(),
                file: path.clone(),
                start: r.start,
                stop: r.end,
            });
        }
    }
    let mut analysis = a.clone();
    analysis.files = files.to_vec();
    Plan {
        format: PLAN_FORMAT.into(),
        analysis,
        files: files
            .iter()
            .zip(trees)
            .map(|(p, t)| PlannedFile {
                path: p.clone(),
                entries: t.entries(),
            })
            .collect(),
        items,
        entries: trees.iter().map(|t| t.entries()).sum(),
    }
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

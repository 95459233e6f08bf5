//! What a run produces: histograms named for their sample and universe, a cut-flow per sample
//! with raw counts and weighted yields, counts, sums, means and takes.

use std::path::PathBuf;

use hist::Histogram;
use serde::{Deserialize, Serialize};

use crate::analysis::HistSpec;

/// Events reaching one point of the cut-flow: raw, and weighted with the nominal event weight
/// times the sample's normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CutCount {
    /// Events.
    pub n: u64,
    /// Σ weights.
    pub sumw: f64,
    /// Σ weights² (the yield's statistical variance).
    pub sumw2: f64,
}

impl CutCount {
    /// Add another count.
    pub fn add(&mut self, o: &CutCount) {
        self.n += o.n;
        self.sumw += o.sumw;
        self.sumw2 += o.sumw2;
    }
}

/// One cut of a cut-flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CutRow {
    /// The cut's name.
    pub name: String,
    /// The cut it follows (index into the rows), `None` for all events.
    pub after: Option<usize>,
    /// Events passing it and every cut before it.
    pub passed: u64,
    /// Their weighted yield.
    pub sumw: f64,
    /// Its statistical variance.
    pub sumw2: f64,
}

/// The cut-flow of one sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CutFlow {
    /// The sample (`""` for an analysis without samples).
    pub sample: String,
    /// Events read.
    pub total: u64,
    /// Their weighted yield and its variance.
    pub total_sumw: f64,
    /// Its variance.
    pub total_sumw2: f64,
    /// Whether the yields are weighted (not all weights are 1).
    pub weighted: bool,
    /// The cuts, in graph order.
    pub cuts: Vec<CutRow>,
}

impl CutFlow {
    /// Events passing the cut named `name`.
    pub fn passed(&self, name: &str) -> Option<u64> {
        self.cuts.iter().find(|c| c.name == name).map(|c| c.passed)
    }

    /// A readable table: cut, passed, efficiency relative to the cut before it and to all
    /// events, and for weighted samples the yield ± its
    /// statistical uncertainty.
    pub fn table(&self) -> String {
        let rows = self.layout();
        // A row applies after the row above it, unless it names the cut it follows.
        let labels: Vec<String> = rows
            .iter()
            .enumerate()
            .map(|(k, &(i, depth))| {
                let after = self.cuts[i]
                    .after
                    .filter(|p| *p < self.cuts.len() && *p != i);
                let above = k.checked_sub(1).map(|k| rows[k].0);
                let note = match after {
                    _ if after == above => String::new(),
                    Some(p) => format!("  (after {})", self.cuts[p].name),
                    None => "  (after all events)".into(),
                };
                format!("{}{}{note}", "  ".repeat(depth), self.cuts[i].name)
            })
            .collect();
        let width = labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
            .max(12);
        let mut s = String::new();
        if !self.sample.is_empty() {
            s.push_str(&format!("sample {}\n", self.sample));
        }
        s.push_str(&format!(
            "{:<width$}  {:>12}  {:>9}  {:>9}",
            "cut", "passed", "eff", "cumul"
        ));
        if self.weighted {
            s.push_str(&format!("  {:>24}", "weighted yield"));
        }
        s.push('\n');
        let yield_of =
            |w: f64, w2: f64| format!("  {:>24}", format!("{} ± {}", sig(w, 6), sig(w2.sqrt(), 3)));
        s.push_str(&format!(
            "{:<width$}  {:>12}  {:>9}  {:>9}",
            "(all events)", self.total, "", ""
        ));
        if self.weighted {
            s.push_str(&yield_of(self.total_sumw, self.total_sumw2));
        }
        s.push('\n');
        for (&(i, _), label) in rows.iter().zip(&labels) {
            let c = &self.cuts[i];
            let before = match c.after {
                Some(p) => self.cuts.get(p).map_or(self.total, |c| c.passed),
                None => self.total,
            };
            let pct = |n: u64, d: u64| {
                if d > 0 {
                    100.0 * n as f64 / d as f64
                } else {
                    0.0
                }
            };
            s.push_str(&format!(
                "{:<width$}  {:>12}  {:>8.2}%  {:>8.2}%",
                label,
                c.passed,
                pct(c.passed, before),
                pct(c.passed, self.total)
            ));
            if self.weighted {
                s.push_str(&yield_of(c.sumw, c.sumw2));
            }
            s.push('\n');
        }
        s
    }
}

impl CutFlow {
    /// The table's rows: (cut, indentation), depth first with children in booking order.
    ///
    /// A chain of cuts, each after the one before, is a sequence and stays flat (as
    /// RDataFrame's `Report()` prints it). Where cuts branch — two or more cuts after the same
    /// cut — each branch is a region, indented one step under the cut it follows; a chain
    /// inside a region stays at the region's step. ([`CutFlow::table`] names the cut a row
    /// follows when it is not the row above.)
    pub fn layout(&self) -> Vec<(usize, usize)> {
        let n = self.cuts.len();
        // Children of every cut, and of all events (index n); parents outside the table
        // (corrupt input) count as all events.
        let mut children = vec![Vec::new(); n + 1];
        for (i, c) in self.cuts.iter().enumerate() {
            let p = c.after.filter(|p| *p < n && *p != i).unwrap_or(n);
            children[p].push(i);
        }
        let mut rows = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        // (cut or all events, its indentation)
        let mut stack = vec![(n, 0usize)];
        while let Some((node, depth)) = stack.pop() {
            let kids = &children[node];
            // Regions branching off a cut are indented; a chain stays at its depth.
            let kid_depth = if kids.len() >= 2 && node < n {
                depth + 1
            } else {
                depth
            };
            for &k in kids.iter().rev() {
                if !seen[k] {
                    seen[k] = true;
                    stack.push((k, kid_depth));
                }
            }
            if node < n {
                rows.push((node, depth));
            }
        }
        // Cycles (corrupt input) never reach all events: list them flat at the end.
        rows.extend((0..n).filter(|i| !seen[*i]).map(|i| (i, 0)));
        rows
    }
}

/// `x` with `digits` significant digits (C's `%g` without the exponent form).
fn sig(x: f64, digits: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let mag = x.abs().log10().floor() as i64;
    let decimals = (digits as i64 - 1 - mag).clamp(0, 17) as usize;
    format!("{x:.decimals$}")
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
    /// Values in entry order, with their type and (for lists) the event boundaries.
    Take(crate::taken::Taken),
}

/// A sample of a run, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleInfo {
    /// `process` or `process:variation` (`""` without samples).
    pub key: String,
    /// Entries read.
    pub entries: u64,
    /// The normalisation factor applied (`σ × L / N`; 1 for data).
    pub norm: f64,
    /// Files read.
    pub files: Vec<PathBuf>,
}

/// What an output histogram is: which booked histogram, sample and universe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistKey {
    /// The booked histogram's name.
    pub histogram: String,
    /// The sample (`process` or `process:variation`, a sample sum's name; `""` without samples).
    pub sample: String,
    /// The universe: `nominal` or a variation tag.
    pub variation: String,
}

/// What a run produces.
#[derive(Debug, Clone)]
pub struct Results {
    /// The histograms, named for their sample and universe: sample by sample, histogram by
    /// histogram, nominal first; then the sample sums.
    pub histograms: Vec<Histogram>,
    /// Plot settings of each histogram (same order).
    pub specs: Vec<HistSpec>,
    /// What each histogram is (same order).
    pub keys: Vec<HistKey>,
    /// The cut-flow of each sample.
    pub cutflows: Vec<CutFlow>,
    /// Counts, sums, means and takes, in booking order (sample by sample), by name
    /// (`name_sample` when there are several samples).
    pub stats: Vec<(String, Stat)>,
    /// The samples.
    pub samples: Vec<SampleInfo>,
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
    /// Read requests of the event loop: one per basket for a local file; a remote file merges
    /// the baskets of a work item (with one thread: of many work items) into a few vector
    /// reads or multi-range requests.
    pub read_requests: u64,
    /// Seconds spent in remote read requests, summed over threads, the background reader's
    /// included (0 for local files).
    pub io_wait_seconds: f64,
}

impl Results {
    /// The cut-flow of the first (or only) sample.
    pub fn cutflow(&self) -> &CutFlow {
        &self.cutflows[0]
    }

    /// The histogram named `name`.
    pub fn histogram(&self, name: &str) -> Option<&Histogram> {
        self.histograms.iter().find(|h| h.name() == name)
    }

    /// The histograms that were filled with non-finite values (NaN or ±inf: a division by zero,
    /// `sqrt` of a negative, `max` of an empty list), with how many. Such values land in a flow
    /// bin, as in ROOT (NaN in the overflow); runs report them.
    pub fn nonfinite(&self) -> Vec<(&str, u64)> {
        self.histograms
            .iter()
            .filter(|h| h.nonfinite() > 0)
            .map(|h| (h.name(), h.nonfinite()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(cuts: &[(&str, Option<usize>)]) -> CutFlow {
        CutFlow {
            sample: String::new(),
            total: 100,
            total_sumw: 100.0,
            total_sumw2: 100.0,
            weighted: false,
            cuts: cuts
                .iter()
                .enumerate()
                .map(|(i, (name, after))| CutRow {
                    name: (*name).into(),
                    after: *after,
                    passed: 90 - 10 * i as u64,
                    sumw: 0.0,
                    sumw2: 0.0,
                })
                .collect(),
        }
    }

    /// The cut column of the table's rows: each line less its last three fields.
    fn labels(cf: &CutFlow) -> Vec<String> {
        cf.table()
            .lines()
            .skip(2)
            .map(|mut l| {
                for _ in 0..3 {
                    l = l.trim_end();
                    l = &l[..l.rfind(' ').unwrap()];
                }
                l.trim_end().to_string()
            })
            .collect()
    }

    #[test]
    fn a_chain_is_flat_and_only_branches_are_indented() {
        // trigger -> four jets -> {one b -> high pt, two b}
        let cf = flow(&[
            ("trigger", None),
            ("four jets", Some(0)),
            ("one b", Some(1)),
            ("two b", Some(1)),
            ("high pt", Some(2)),
        ]);
        assert_eq!(
            labels(&cf),
            [
                "trigger",
                "four jets",
                "  one b",
                "  high pt",
                "  two b  (after four jets)"
            ]
        );
        // Regions straight off all events, booked interleaved: printed depth first.
        let cf = flow(&[("a muon", None), ("two jets", None), ("two muons", Some(0))]);
        assert_eq!(
            labels(&cf),
            ["a muon", "two muons", "two jets  (after all events)"]
        );
        // A plain chain, and a corrupt cycle that must not hang.
        let cf = flow(&[("a", None), ("b", Some(0)), ("c", Some(1))]);
        assert_eq!(labels(&cf), ["a", "b", "c"]);
        let cf = flow(&[("a", Some(1)), ("b", Some(0))]);
        assert_eq!(labels(&cf), ["a  (after b)", "b"]);
    }
}

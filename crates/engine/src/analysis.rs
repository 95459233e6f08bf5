//! An analysis: input, defines, named cuts and histograms — built in code or read from a TOML
//! analysis file.
//!
//! ```toml
//! [analysis]
//! name = "dimuon"
//! tree = "Events"
//! files = ["data/nano_10k.root"]      # relative to this file; globs allowed
//!
//! [define]                            # named values, in order; later ones may use earlier ones
//! dimuon_mass = "(Muon[0] + Muon[1]).mass"
//!
//! [[cut]]                             # applied in order; the cut-flow counts each
//! name = "two muons"
//! when = "nMuon == 2"
//! # after = "some earlier cut"        # start a region branching off that cut ("" = all events)
//!
//! [[histogram]]
//! name = "dimuon_mass"
//! value = "dimuon_mass"
//! bins = 30000
//! low = 0.25
//! high = 300
//! xlabel = "m(μμ) [GeV]"
//! logx = true
//! ```

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{EngineError, Origin, Result};
use crate::snapshot::SnapshotSpec;

/// An expression with a name and the place it was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The name (of the define, cut or histogram).
    pub name: String,
    /// The expression text.
    pub expr: String,
    /// Where the expression text starts in the analysis file.
    #[serde(default)]
    pub origin: Origin,
}

/// The binning of a histogram axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Binning {
    /// `bins` equal bins from `low` to `high`.
    Regular {
        /// Number of bins.
        bins: usize,
        /// Lower edge.
        low: f64,
        /// Upper edge.
        high: f64,
    },
    /// Explicit bin edges.
    Variable(Vec<f64>),
}

/// A booked histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistSpec {
    /// Name and value expression.
    pub value: Item,
    /// Optional weight expression.
    pub weight: Option<Item>,
    /// Binning.
    pub binning: Binning,
    /// For a 2-D histogram: the y expression and binning.
    pub y: Option<(Item, Binning)>,
    /// Filled after this many cuts (default: all).
    pub after: usize,
    /// Plot title.
    pub title: String,
    /// x-axis label.
    pub xlabel: String,
    /// y-axis label.
    pub ylabel: String,
    /// Logarithmic x axis in the plot.
    pub logx: bool,
    /// Logarithmic y axis in the plot.
    pub logy: bool,
    /// Where the histogram is defined.
    #[serde(default)]
    pub origin: Origin,
}

/// What a booked result computes (besides histograms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatKind {
    /// The number of events reaching this point (RDataFrame's `Count`).
    Count,
    /// The sum of the values (`Sum`).
    Sum,
    /// The mean of the values (`Mean`).
    Mean,
    /// All the values, in entry order (`Take`).
    Take,
}

/// A booked count, sum, mean or take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatSpec {
    /// The result's name.
    pub name: String,
    /// What it computes.
    pub kind: StatKind,
    /// The values (absent for a count).
    pub value: Option<Item>,
    /// Computed after this many cuts, as for histograms.
    pub after: usize,
}

/// An analysis, ready to run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Analysis {
    /// A name for reports.
    pub name: String,
    /// The tree to read (may include a directory and a cycle).
    pub tree: String,
    /// Input files.
    pub files: Vec<PathBuf>,
    /// Named values, in order.
    pub defines: Vec<Item>,
    /// Named cuts, in order.
    pub cuts: Vec<Item>,
    /// For each cut, the cut it applies after (`None`: directly on all events). By default each
    /// cut follows the one before; naming an earlier cut starts a region that shares the cuts
    /// up to that one.
    pub cut_parents: Vec<Option<usize>>,
    /// Histograms.
    pub histograms: Vec<HistSpec>,
    /// Counts, sums, means and takes.
    pub stats: Vec<StatSpec>,
    /// Snapshots (skims) to write.
    #[serde(default)]
    pub snapshots: Vec<SnapshotSpec>,
}

impl Analysis {
    /// An empty analysis of `tree`.
    pub fn new(tree: impl Into<String>) -> Self {
        Analysis {
            tree: tree.into(),
            name: "analysis".into(),
            ..Default::default()
        }
    }
    /// Add input files.
    pub fn input(mut self, files: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        self.files.extend(files.into_iter().map(Into::into));
        self
    }
    /// Define a named value (RDataFrame's `Define`).
    pub fn define(mut self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.defines.push(Item {
            name: name.into(),
            expr: expr.into(),
            origin: Origin::default(),
        });
        self
    }
    /// Add a named cut (RDataFrame's `Filter(expr, name)`).
    pub fn filter(mut self, expr: impl Into<String>, name: impl Into<String>) -> Self {
        self.cuts.push(Item {
            name: name.into(),
            expr: expr.into(),
            origin: Origin::default(),
        });
        self
    }
    /// Book a histogram of `expr` with regular binning, filled after the cuts so far.
    pub fn histo1d(
        mut self,
        name: impl Into<String>,
        expr: impl Into<String>,
        bins: usize,
        low: f64,
        high: f64,
    ) -> Self {
        let name = name.into();
        self.histograms.push(HistSpec {
            value: Item {
                name: name.clone(),
                expr: expr.into(),
                origin: Origin::default(),
            },
            weight: None,
            binning: Binning::Regular { bins, low, high },
            y: None,
            after: self.cuts.len(),
            title: name,
            xlabel: String::new(),
            ylabel: "Events".into(),
            logx: false,
            logy: false,
            origin: Origin::default(),
        });
        self
    }

    /// Book the number of events passing the cuts so far (RDataFrame's `Count`).
    pub fn count(mut self, name: impl Into<String>) -> Self {
        let after = self.cuts.len();
        self.stats.push(StatSpec {
            name: name.into(),
            kind: StatKind::Count,
            value: None,
            after,
        });
        self
    }
    /// Book the sum of `expr` (every element of lists) over the events passing the cuts so far.
    pub fn sum(self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.stat(name.into(), StatKind::Sum, expr.into())
    }
    /// Book the mean of `expr` over the events passing the cuts so far.
    pub fn mean(self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.stat(name.into(), StatKind::Mean, expr.into())
    }
    /// Book the values of `expr` (every element of lists), in entry order.
    pub fn take(self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.stat(name.into(), StatKind::Take, expr.into())
    }
    fn stat(mut self, name: String, kind: StatKind, expr: String) -> Self {
        let after = self.cuts.len();
        let value = Some(Item {
            name: name.clone(),
            expr,
            origin: Origin::default(),
        });
        self.stats.push(StatSpec {
            name,
            kind,
            value,
            after,
        });
        self
    }

    /// Book a snapshot (RDataFrame's `Snapshot`): the events passing the cuts so far, with
    /// `columns` (branch names, globs such as `Muon_*`, or define names), written as tree `tree`
    /// to the ROOT file `path`.
    pub fn snapshot(
        mut self,
        tree: impl Into<String>,
        path: impl Into<PathBuf>,
        columns: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let after = self.cuts.len();
        self.snapshots.push(SnapshotSpec {
            tree: tree.into(),
            path: path.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            after,
            compression: None,
            basket_size: None,
            origin: Origin::default(),
        });
        self
    }

    /// Read an analysis file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Analysis> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| EngineError::Analysis {
            origin: Origin {
                file: Some(path.to_path_buf()),
                line: 1,
                column: 1,
            },
            message: format!("cannot read the analysis file: {e}"),
        })?;
        Self::from_toml(&text, Some(path))
    }

    /// Parse an analysis from TOML text; `path` names the file in messages and anchors
    /// relative input paths.
    pub fn from_toml(text: &str, path: Option<&Path>) -> Result<Analysis> {
        let at = |offset: usize| origin(text, path, offset);
        let file: AnalysisFile = toml::from_str(text).map_err(|e| EngineError::Analysis {
            origin: at(e.span().map_or(0, |s| s.start)),
            message: e.message().trim().to_string(),
        })?;
        let base = path.and_then(Path::parent).unwrap_or(Path::new(""));
        let item = |name: &str, s: &Spanned<String>| Item {
            name: name.to_string(),
            expr: s.get_ref().clone(),
            origin: at(string_start(text, s.span().start)),
        };
        let mut a = Analysis {
            name: file.analysis.name.unwrap_or_else(|| {
                path.and_then(|p| p.file_stem())
                    .map_or("analysis".into(), |s| s.to_string_lossy().into_owned())
            }),
            tree: file.analysis.tree.unwrap_or_else(|| "Events".into()),
            files: file.analysis.files.iter().map(|f| base.join(f)).collect(),
            defines: file.define.iter().map(|(n, s)| item(n, s)).collect(),
            cuts: Vec::new(),
            cut_parents: Vec::new(),
            histograms: Vec::new(),
            stats: Vec::new(),
            snapshots: Vec::new(),
        };
        for (i, c) in file.cut.iter().enumerate() {
            let parent = match &c.after {
                None => i.checked_sub(1),
                Some(p) if p.get_ref().is_empty() => None,
                Some(p) => match file.cut[..i]
                    .iter()
                    .position(|x| x.name.get_ref() == p.get_ref())
                {
                    Some(j) => Some(j),
                    None => {
                        return Err(EngineError::Analysis {
                            origin: at(p.span().start),
                            message: format!(
                                "cut '{}' comes after '{}', but no earlier cut has that name",
                                c.name.get_ref(),
                                p.get_ref()
                            ),
                        })
                    }
                },
            };
            a.cut_parents.push(parent);
            a.cuts.push(item(c.name.get_ref(), &c.when));
        }
        for h in &file.histogram {
            let horigin = at(h.name.span().start);
            let bad = |message: String| EngineError::Analysis {
                origin: horigin.clone(),
                message,
            };
            let binning_of = |axis: &str,
                              edges: &Option<Vec<f64>>,
                              bins: Option<usize>,
                              low: Option<f64>,
                              high: Option<f64>|
             -> Result<Binning> {
                match (edges, bins, low, high) {
                    (Some(edges), None, None, None) => Ok(Binning::Variable(edges.clone())),
                    (None, Some(bins), Some(low), Some(high)) => {
                        if bins == 0 {
                            return Err(bad(format!("histogram '{}' needs at least one {axis}bin", h.name.get_ref())));
                        }
                        // NaN bounds fail this test too.
                        if low.partial_cmp(&high) != Some(std::cmp::Ordering::Less) {
                            return Err(bad(format!(
                                "histogram '{}': {axis}low ({low}) must be below {axis}high ({high})",
                                h.name.get_ref()
                            )));
                        }
                        Ok(Binning::Regular { bins, low, high })
                    }
                    _ => Err(bad(format!(
                        "histogram '{}' needs either {axis}bins, {axis}low and {axis}high, or {axis}edges",
                        h.name.get_ref()
                    ))),
                }
            };
            let binning = binning_of("", &h.edges, h.bins, h.low, h.high)?;
            let y = match &h.y {
                Some(ye) => Some((
                    item(h.name.get_ref(), ye),
                    binning_of("y", &h.yedges, h.ybins, h.ylow, h.yhigh)?,
                )),
                None => None,
            };
            let after = match &h.after {
                None => file.cut.len(),
                Some(cut) => match file
                    .cut
                    .iter()
                    .position(|c| c.name.get_ref() == cut.get_ref())
                {
                    Some(i) => i + 1,
                    None => {
                        return Err(EngineError::Analysis {
                            origin: at(cut.span().start),
                            message: format!(
                                "no cut named '{}' (cuts: {})",
                                cut.get_ref(),
                                file.cut
                                    .iter()
                                    .map(|c| format!("'{}'", c.name.get_ref()))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        })
                    }
                },
            };
            a.histograms.push(HistSpec {
                value: item(h.name.get_ref(), &h.value),
                weight: h.weight.as_ref().map(|w| item(h.name.get_ref(), w)),
                binning,
                y,
                after,
                title: h.title.clone().unwrap_or_else(|| h.name.get_ref().clone()),
                xlabel: h
                    .xlabel
                    .clone()
                    .unwrap_or_else(|| h.value.get_ref().clone()),
                ylabel: h.ylabel.clone().unwrap_or_else(|| "Events".into()),
                logx: h.logx,
                logy: h.logy,
                origin: horigin,
            });
        }
        for sn in &file.snapshot {
            let after = match &sn.after {
                None => file.cut.len(),
                Some(cut) if cut.get_ref().is_empty() => 0,
                Some(cut) => match file
                    .cut
                    .iter()
                    .position(|c| c.name.get_ref() == cut.get_ref())
                {
                    Some(i) => i + 1,
                    None => {
                        return Err(EngineError::Analysis {
                            origin: at(cut.span().start),
                            message: format!("no cut named '{}'", cut.get_ref()),
                        })
                    }
                },
            };
            let compression =
                match &sn.compression {
                    None => None,
                    Some(c) => Some(parse_compression(c.get_ref()).ok_or_else(|| {
                        EngineError::Analysis {
                            origin: at(c.span().start),
                            message: format!(
                            "unknown compression '{}': use none, zlib-1 … zlib-9, lz4-1 … lz4-9, \
                             zstd-1 … zstd-19 or lzma-1 … lzma-9",
                            c.get_ref()
                        ),
                        }
                    })?),
                };
            a.snapshots.push(SnapshotSpec {
                tree: sn.tree.clone().unwrap_or_else(|| a.tree.clone()),
                path: PathBuf::from(sn.file.get_ref()),
                columns: sn.columns.clone(),
                after,
                compression,
                basket_size: sn.basket_size,
                origin: at(sn.file.span().start),
            });
        }
        if a.histograms.is_empty() && a.stats.is_empty() && a.snapshots.is_empty() {
            return Err(EngineError::Analysis {
                origin: at(0),
                message: "the analysis books no [[histogram]] and no [[snapshot]]".into(),
            });
        }
        Ok(a)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisFile {
    #[serde(default)]
    analysis: Header,
    #[serde(default)]
    define: IndexMap<String, Spanned<String>>,
    #[serde(default)]
    cut: Vec<CutEntry>,
    #[serde(default)]
    histogram: Vec<HistEntry>,
    #[serde(default)]
    snapshot: Vec<SnapshotEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotEntry {
    file: Spanned<String>,
    tree: Option<String>,
    columns: Vec<String>,
    after: Option<Spanned<String>>,
    compression: Option<Spanned<String>>,
    basket_size: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Header {
    name: Option<String>,
    tree: Option<String>,
    #[serde(default)]
    files: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CutEntry {
    name: Spanned<String>,
    when: Spanned<String>,
    after: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistEntry {
    name: Spanned<String>,
    value: Spanned<String>,
    weight: Option<Spanned<String>>,
    bins: Option<usize>,
    low: Option<f64>,
    high: Option<f64>,
    edges: Option<Vec<f64>>,
    y: Option<Spanned<String>>,
    ybins: Option<usize>,
    ylow: Option<f64>,
    yhigh: Option<f64>,
    yedges: Option<Vec<f64>>,
    after: Option<Spanned<String>>,
    title: Option<String>,
    xlabel: Option<String>,
    ylabel: Option<String>,
    #[serde(default)]
    logx: bool,
    #[serde(default)]
    logy: bool,
}

/// `zstd-5` → 505 (ROOT's setting: algorithm × 100 + level); `none` → 0.
pub(crate) fn parse_compression(text: &str) -> Option<i32> {
    if text == "none" {
        return Some(0);
    }
    let (alg, level) = text.split_once('-')?;
    let level: i32 = level.parse().ok()?;
    let (code, max) = match alg {
        "zlib" => (1, 9),
        "lzma" => (2, 9),
        "lz4" => (4, 9),
        "zstd" => (5, 19),
        _ => return None,
    };
    (1..=max).contains(&level).then_some(code * 100 + level)
}

/// The byte offset where a TOML string's content starts (after its opening quotes).
fn string_start(text: &str, span_start: usize) -> usize {
    let rest = &text[span_start.min(text.len())..];
    if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        let after = span_start + 3;
        // A newline right after the opening quotes is trimmed by TOML.
        if text[after.min(text.len())..].starts_with('\n') {
            after + 1
        } else {
            after
        }
    } else {
        span_start + 1
    }
}

/// Line and column of a byte offset.
pub(crate) fn origin(text: &str, path: Option<&Path>, offset: usize) -> Origin {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Origin {
        file: path.map(Path::to_path_buf),
        line,
        column,
    }
}

/// The origin `offset` characters into an item's expression.
pub(crate) fn shifted(o: &Origin, expr: &str, offset: usize) -> Origin {
    let before = &expr[..offset.min(expr.len())];
    let newlines = before.matches('\n').count();
    if newlines == 0 {
        Origin {
            column: o.column + before.chars().count(),
            ..o.clone()
        }
    } else {
        Origin {
            line: o.line + newlines,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            ..o.clone()
        }
    }
}

//! An analysis: its samples, and a graph of defines, redefinitions, variations and named cuts,
//! with histograms, counts, sums and snapshots booked on its nodes — built in code (the
//! [`Analysis`] builder, Python) or read from a TOML analysis file
//! ([`crate::analysis_file`]).
//!
//! The graph has RDataFrame's rules: every node has one parent (or none: all events), and an
//! expression sees the names defined by its node's ancestors only. Two cuts with the same parent
//! start two regions that share what comes before them.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::Origin;
use crate::sample::Sample;
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

impl Item {
    /// An item written in code (no place in a file).
    pub fn new(name: impl Into<String>, expr: impl Into<String>) -> Item {
        Item {
            name: name.into(),
            expr: expr.into(),
            origin: Origin::default(),
        }
    }
}

/// A systematic variation of one column (RDataFrame's `Vary`): in the universe of each tag the
/// column has another value, and everything computed from it below this node — defines, cuts,
/// histograms — is computed again for that universe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variation {
    /// The varied column: a branch (`Jet_pt`), a define, or `weight`.
    pub column: String,
    /// `(tag, expression)`: the tag names the universe (`pt_scale_up`) and the histograms
    /// filled in it; the expression is the column's value there (it may use the column itself,
    /// meaning its nominal value).
    pub tags: Vec<(String, Item)>,
    /// The samples it applies to: names or globs (`ttbar`, `single_top_*`). Empty: every
    /// simulated sample that is not itself a variation (`variation = "nominal"`).
    #[serde(default)]
    pub samples: Vec<String>,
    /// Where it was declared.
    #[serde(default)]
    pub origin: Origin,
}

/// What a node of the analysis graph does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum NodeOp {
    /// A new name for its descendants.
    Define(Item),
    /// A new value for an existing name (a define, a branch, a collection field such as
    /// `Jet_pt`, or a whole collection such as `Jet`), for its descendants.
    Redefine(Item),
    /// A named cut: only the events that pass reach its descendants; counted in the cut-flow.
    Filter(Item),
    /// A systematic variation.
    Vary(Variation),
    /// The event weight `weight`: the expression for simulated samples (`None`: 1), or the
    /// sample's own; 1 for data. Histograms below are filled with it times the sample's
    /// normalisation.
    Weight(Option<Item>),
}

/// One node of the analysis graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    /// The node it follows (`None`: all events). Parents come before their children.
    pub parent: Option<usize>,
    /// What it does.
    pub op: NodeOp,
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
    /// Optional weight expression (multiplies the event weight).
    pub weight: Option<Item>,
    /// Binning.
    pub binning: Binning,
    /// For a 2-D histogram: the y expression and binning.
    pub y: Option<(Item, Binning)>,
    /// The graph node it is filled at (`None`: all events).
    pub at: Option<usize>,
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
    /// How its plot is drawn, over the analysis's defaults ([`Analysis::plot_defaults`]).
    #[serde(default)]
    pub plot: PlotConfig,
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

/// A booked count, sum, mean or take (nominal universe).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatSpec {
    /// The result's name.
    pub name: String,
    /// What it computes.
    pub kind: StatKind,
    /// The values (absent for a count).
    pub value: Option<Item>,
    /// The graph node it is computed at.
    pub at: Option<usize>,
}

/// A sum of histograms of several samples, written as a sample of its own (e.g. the AGC's
/// pseudo-data: `wjets + 0.5 ttbar_ME_var + 0.5 ttbar_PS_var`), added as ROOT's `TH1::Add`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleSum {
    /// The name it takes in histogram names (`pseudodata`).
    pub name: String,
    /// `(sample, factor)`, added in this order; a sample is named `process` or
    /// `process:variation` for a variation sample (`ttbar:ME_var`).
    pub terms: Vec<(String, f64)>,
    /// Where it was declared.
    #[serde(default)]
    pub origin: Origin,
}

/// A stacked plot of one histogram over samples: simulated samples filled and stacked, data
/// as points, an uncertainty band (simulation statistics and every systematic variation in
/// quadrature) and a data/prediction ratio panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlotSpec {
    /// The image's name (`DIR/<name>.png`).
    pub name: String,
    /// The booked histogram.
    pub histogram: String,
    /// The stacked samples (processes, variation samples as `process:variation`, or sample
    /// sums), bottom first.
    pub stack: Vec<String>,
    /// The sample (or sample sum) drawn as data points.
    #[serde(default)]
    pub data: Option<String>,
    /// Draw the uncertainty band.
    #[serde(default = "yes")]
    pub band: bool,
    /// Text above the plot (default: the histogram's title).
    #[serde(default)]
    pub title: Option<String>,
    /// Text in the corner, e.g. `3378 pb⁻¹ (13 TeV)`.
    #[serde(default)]
    pub label: Option<String>,
    /// Where it was declared.
    #[serde(default)]
    pub origin: Origin,
}

fn yes() -> bool {
    true
}

/// How plots are drawn: the `[plots]` table of an analysis file (defaults for the run) and the
/// `plot = { … }` of a histogram (for that histogram). Unset fields fall back to the defaults,
/// then to hist's ([`hist::PlotOptions`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlotConfig {
    /// Image formats written for every plot: `png` (the default), `svg`, `pdf`.
    pub formats: Option<Vec<String>>,
    /// `step` (default), `fill` or `points` (data with √N or √Σw² error bars).
    pub style: Option<String>,
    /// Normalise to unit area.
    pub density: Option<bool>,
    /// Show the underflow and overflow bins beyond the axis limits.
    pub flow: Option<bool>,
    /// Logarithmic colour scale of 2-D histograms.
    pub logz: Option<bool>,
    /// Label of the colour bar of 2-D histograms.
    pub zlabel: Option<String>,
    /// Experiment name in bold above the plot (`CMS`, `ATLAS`).
    pub experiment: Option<String>,
    /// Text after the experiment name, in italics (`Preliminary`).
    pub status: Option<String>,
    /// Text at the top right, e.g. `59.7 fb^{-1} (13 TeV)`.
    pub lumi_label: Option<String>,
    /// Image width in pixels (points in PDF).
    pub width: Option<u32>,
    /// Image height in pixels.
    pub height: Option<u32>,
}

impl PlotConfig {
    /// `self` where set, else `defaults`.
    pub fn over(&self, defaults: &PlotConfig) -> PlotConfig {
        fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            a.clone().or_else(|| b.clone())
        }
        PlotConfig {
            formats: pick(&self.formats, &defaults.formats),
            style: pick(&self.style, &defaults.style),
            density: pick(&self.density, &defaults.density),
            flow: pick(&self.flow, &defaults.flow),
            logz: pick(&self.logz, &defaults.logz),
            zlabel: pick(&self.zlabel, &defaults.zlabel),
            experiment: pick(&self.experiment, &defaults.experiment),
            status: pick(&self.status, &defaults.status),
            lumi_label: pick(&self.lumi_label, &defaults.lumi_label),
            width: pick(&self.width, &defaults.width),
            height: pick(&self.height, &defaults.height),
        }
    }

    /// The image formats to write (PNG when none are given).
    pub fn image_formats(&self) -> Vec<hist::ImageFormat> {
        match &self.formats {
            None => vec![hist::ImageFormat::Png],
            Some(f) => f
                .iter()
                .filter_map(|f| hist::ImageFormat::from_extension(f))
                .collect(),
        }
    }

    /// What is wrong with the settings, if anything (checked when the analysis is loaded).
    pub fn problem(&self) -> Option<String> {
        if let Some(f) = &self.formats {
            if f.is_empty() {
                return Some("formats is empty: give at least one of png, svg, pdf".into());
            }
            if let Some(bad) = f
                .iter()
                .find(|f| hist::ImageFormat::from_extension(f).is_none())
            {
                return Some(format!("unknown image format '{bad}': use png, svg or pdf"));
            }
        }
        if let Some(s) = &self.style {
            if hist::HistStyle::parse(s).is_none() {
                return Some(format!("unknown style '{s}': use step, fill or points"));
            }
        }
        if let Some(w) = self.width {
            if !(200..=16_384).contains(&w) {
                return Some(format!("width {w} is outside 200 to 16384 pixels"));
            }
        }
        if let Some(h) = self.height {
            if !(150..=16_384).contains(&h) {
                return Some(format!("height {h} is outside 150 to 16384 pixels"));
            }
        }
        None
    }
}

/// An analysis, ready to run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Analysis {
    /// A name for reports.
    pub name: String,
    /// The tree to read (may include a directory and a cycle).
    pub tree: String,
    /// Input files of the one implicit sample, when [`Analysis::samples`] is empty.
    pub files: Vec<PathBuf>,
    /// The samples (data and simulation) the analysis runs over.
    #[serde(default)]
    pub samples: Vec<Sample>,
    /// Generated events, as RDataFrame's `RDataFrame(n)`: this many events that read no input
    /// (`files` and `samples` stay empty); every column is a define, typically of the entry
    /// number `rdfentry_`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_entries: Option<u64>,
    /// Integrated luminosity in pb⁻¹: simulated samples with a cross section are scaled to it.
    #[serde(default)]
    pub lumi: Option<f64>,
    /// The analysis graph.
    #[serde(default)]
    pub nodes: Vec<GraphNode>,
    /// Histograms.
    pub histograms: Vec<HistSpec>,
    /// Counts, sums, means and takes.
    #[serde(default)]
    pub stats: Vec<StatSpec>,
    /// Snapshots (skims) to write.
    #[serde(default)]
    pub snapshots: Vec<SnapshotSpec>,
    /// Sums of samples written as samples of their own.
    #[serde(default)]
    pub sample_sums: Vec<SampleSum>,
    /// Stacked plots over samples.
    #[serde(default)]
    pub plots: Vec<PlotSpec>,
    /// How every plot is drawn unless a histogram says otherwise (`[plots]`).
    #[serde(default)]
    pub plot_defaults: PlotConfig,
    /// How histograms are named: `{histogram}`, `{sample}` and `{variation}` are replaced;
    /// the separator before `{sample}` disappears for an analysis without samples, and the one
    /// before `{variation}` for the nominal universe. Default:
    /// `{histogram}_{sample}_{variation}` (`4j1b_ttbar_pt_scale_up`, as the AGC names them).
    #[serde(default)]
    pub histogram_names: Option<String>,
    /// The folder that relative file names in `correction()` and `lookup()` are relative to:
    /// the analysis file's folder (`None`: the working folder).
    #[serde(default)]
    pub table_dir: Option<PathBuf>,
    /// The node the builder methods book on next (not part of the analysis's meaning).
    #[serde(skip)]
    cursor: Cursor,
}

/// The builder's current node; two analyses that differ only in it are equal.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor(Option<usize>);

impl PartialEq for Cursor {
    fn eq(&self, _: &Cursor) -> bool {
        true
    }
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

    /// Generated events instead of input files: `n` events with no columns but the defines
    /// (RDataFrame's `RDataFrame(n)`).
    pub fn generated(mut self, n: u64) -> Self {
        self.generated_entries = Some(n);
        self
    }

    /// Add input files (of the one implicit sample).
    pub fn input(mut self, files: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        self.files.extend(files.into_iter().map(Into::into));
        self
    }

    /// Add a sample.
    pub fn sample(mut self, s: Sample) -> Self {
        self.samples.push(s);
        self
    }

    /// Set the integrated luminosity (pb⁻¹).
    pub fn lumi(mut self, lumi: f64) -> Self {
        self.lumi = Some(lumi);
        self
    }

    /// Add a node after the builder's current node and make it current; returns its index.
    pub fn push_node(&mut self, op: NodeOp) -> usize {
        self.nodes.push(GraphNode {
            parent: self.cursor.0,
            op,
        });
        self.cursor = Cursor(Some(self.nodes.len() - 1));
        self.nodes.len() - 1
    }

    /// The node the builder books on next (`None`: all events).
    pub fn cursor(&self) -> Option<usize> {
        self.cursor.0
    }

    /// Continue booking after the cut named `cut` (to start another region from it), or from
    /// all events for `""`.
    pub fn after(mut self, cut: &str) -> Self {
        self.cursor = Cursor(if cut.is_empty() {
            None
        } else {
            self.nodes
                .iter()
                .rposition(|n| matches!(&n.op, NodeOp::Filter(i) if i.name == cut))
        });
        self
    }

    /// Define a named value (RDataFrame's `Define`).
    pub fn define(mut self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.push_node(NodeOp::Define(Item::new(name, expr)));
        self
    }

    /// Give an existing name a new value (RDataFrame's `Redefine`): a define, a branch, a
    /// collection field (`Jet_pt`) or a collection (`Jet` = `"Jet[Jet.pt > 30]"`).
    pub fn redefine(mut self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.push_node(NodeOp::Redefine(Item::new(name, expr)));
        self
    }

    /// Vary `column` (RDataFrame's `Vary`): one universe per `(tag, expression)`.
    pub fn vary(
        mut self,
        column: impl Into<String>,
        tags: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        let column = column.into();
        let tags = tags
            .into_iter()
            .map(|(t, e)| (t.into(), Item::new(column.clone(), e)))
            .collect();
        self.push_node(NodeOp::Vary(Variation {
            column,
            tags,
            samples: Vec::new(),
            origin: Origin::default(),
        }));
        self
    }

    /// Set the event weight of simulated samples (`weight`).
    pub fn weight(mut self, expr: impl Into<String>) -> Self {
        self.push_node(NodeOp::Weight(Some(Item::new("weight", expr))));
        self
    }

    /// Add a named cut (RDataFrame's `Filter(expr, name)`).
    pub fn filter(mut self, expr: impl Into<String>, name: impl Into<String>) -> Self {
        self.push_node(NodeOp::Filter(Item::new(name, expr)));
        self
    }

    /// Book a histogram of `expr` with regular binning, filled at the current node.
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
            value: Item::new(name.clone(), expr),
            weight: None,
            binning: Binning::Regular { bins, low, high },
            y: None,
            at: self.cursor.0,
            title: name,
            xlabel: String::new(),
            ylabel: "Events".into(),
            logx: false,
            logy: false,
            plot: PlotConfig::default(),
            origin: Origin::default(),
        });
        self
    }

    /// Book the number of events reaching the current node (RDataFrame's `Count`).
    pub fn count(mut self, name: impl Into<String>) -> Self {
        self.stats.push(StatSpec {
            name: name.into(),
            kind: StatKind::Count,
            value: None,
            at: self.cursor.0,
        });
        self
    }
    /// Book the sum of `expr` (every element of lists) over the events reaching this node.
    pub fn sum(self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.stat(name.into(), StatKind::Sum, expr.into())
    }
    /// Book the mean of `expr` over the events reaching this node.
    pub fn mean(self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.stat(name.into(), StatKind::Mean, expr.into())
    }
    /// Book the values of `expr` (every element of lists), in entry order.
    pub fn take(self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.stat(name.into(), StatKind::Take, expr.into())
    }
    fn stat(mut self, name: String, kind: StatKind, expr: String) -> Self {
        let value = Some(Item::new(name.clone(), expr));
        self.stats.push(StatSpec {
            name,
            kind,
            value,
            at: self.cursor.0,
        });
        self
    }

    /// Book a snapshot (RDataFrame's `Snapshot`): the events reaching this node, with
    /// `columns` (branch names, globs such as `Muon_*`, or define names), written as tree `tree`
    /// to the ROOT file `path`.
    pub fn snapshot(
        mut self,
        tree: impl Into<String>,
        path: impl Into<PathBuf>,
        columns: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.snapshots.push(SnapshotSpec {
            tree: tree.into(),
            path: path.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            at: self.cursor.0,
            compression: None,
            basket_size: None,
            origin: Origin::default(),
        });
        self
    }

    /// Read an analysis file.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> crate::Result<Analysis> {
        crate::analysis_file::from_file(path.as_ref())
    }

    /// Parse an analysis from TOML text; `path` names the file in messages and anchors
    /// relative input paths.
    pub fn from_toml(text: &str, path: Option<&std::path::Path>) -> crate::Result<Analysis> {
        crate::analysis_file::from_toml(text, path)
    }

    /// The cuts of the graph in node order: `(node, name)`.
    pub fn cuts(&self) -> Vec<(usize, &str)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match &n.op {
                NodeOp::Filter(it) => Some((i, it.name.as_str())),
                _ => None,
            })
            .collect()
    }

    /// The nearest cut at or above `node` (`None`: all events).
    pub fn filter_point(&self, mut node: Option<usize>) -> Option<usize> {
        let mut steps = 0;
        while let Some(i) = node {
            let n = self.nodes.get(i)?;
            if matches!(n.op, NodeOp::Filter(_)) {
                return Some(i);
            }
            node = n.parent;
            steps += 1;
            if steps > self.nodes.len() {
                return None;
            }
        }
        None
    }
}

/// The origin `offset` bytes into an item's expression.
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

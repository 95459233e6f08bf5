//! The TOML analysis file: what a physicist writes, read into an [`Analysis`] graph.
//!
//! ```toml
//! [analysis]
//! name = "dimuon"
//! tree = "Events"
//! files = ["data/nano_10k.root"]      # relative to this file; globs allowed
//!
//! [define]                            # named values, in order; later ones may use earlier ones
//! dimuon_mass = "(Muon[0] + Muon[1]).mass"
//! Jet = { redefine = "Jet[Jet.pt > 30]" }   # a new value for an existing name
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
//! ```
//!
//! Samples (`[[sample]]` blocks or an AGC manifest), the luminosity, the event weight and
//! systematic variations (`[[variation]]`) are described in the README's analysis-file
//! reference. The graph built from a file is a chain: variations of branches, then the defines
//! in order (each followed by the variations of that define), the event weight and its
//! variations, then the cuts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use crate::analysis::{
    Analysis, Binning, GraphNode, HistSpec, Item, NodeOp, PlotConfig, PlotSpec, SampleSum,
    Variation,
};
use crate::error::{EngineError, Origin, Result};
use crate::sample::{read_manifest, Normalisation, Sample, SampleKind};
use crate::snapshot::SnapshotSpec;

/// Inputs given on the command line instead of the analysis file's.
#[derive(Debug, Clone, Default)]
pub struct InputOverrides {
    /// Files or globs replacing `[analysis] files` (analyses without samples).
    pub files: Vec<PathBuf>,
    /// A manifest replacing the file's (`[analysis] manifest`).
    pub manifest: Option<PathBuf>,
    /// Files per sample (`max_files_per_sample`).
    pub max_files_per_sample: Option<usize>,
}

/// Read an analysis file with inputs given on the command line.
pub fn from_file_with(path: &Path, o: &InputOverrides) -> Result<Analysis> {
    let text = std::fs::read_to_string(path).map_err(|e| EngineError::Analysis {
        origin: Origin {
            file: Some(path.to_path_buf()),
            line: 1,
            column: 1,
        },
        message: format!("cannot read the analysis file: {e}"),
    })?;
    from_toml_with(&text, Some(path), o)
}

/// Read an analysis file.
pub fn from_file(path: &Path) -> Result<Analysis> {
    from_file_with(path, &InputOverrides::default())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisFile {
    #[serde(default)]
    analysis: Header,
    #[serde(default)]
    xsec: BTreeMap<String, f64>,
    #[serde(default)]
    sample: Vec<SampleEntry>,
    #[serde(default)]
    define: IndexMap<String, Spanned<DefineValue>>,
    #[serde(default)]
    variation: Vec<VariationEntry>,
    #[serde(default)]
    cut: Vec<CutEntry>,
    #[serde(default)]
    histogram: Vec<HistEntry>,
    #[serde(default)]
    snapshot: Vec<SnapshotEntry>,
    #[serde(default)]
    sample_sum: Vec<SampleSumEntry>,
    #[serde(default)]
    plot: Vec<PlotEntry>,
    plots: Option<Spanned<PlotConfig>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlotEntry {
    name: Spanned<String>,
    histogram: String,
    stack: Vec<String>,
    data: Option<String>,
    #[serde(default = "yes")]
    band: bool,
    title: Option<String>,
    label: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Header {
    name: Option<String>,
    tree: Option<String>,
    #[serde(default)]
    files: Vec<String>,
    lumi: Option<f64>,
    weight: Option<Spanned<String>>,
    manifest: Option<Spanned<String>>,
    max_files_per_sample: Option<usize>,
    histogram_names: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DefineValue {
    Expr(String),
    Redefine { redefine: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SampleEntry {
    name: Spanned<String>,
    #[serde(default)]
    variation: Option<String>,
    #[serde(default)]
    files: Vec<String>,
    tree: Option<String>,
    kind: Option<Spanned<String>>,
    xsec: Option<f64>,
    normalisation: Option<Spanned<String>>,
    weight: Option<Spanned<String>>,
    #[serde(default)]
    define: IndexMap<String, Spanned<String>>,
    lumi_mask: Option<String>,
    max_files: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariationEntry {
    name: Spanned<String>,
    column: Spanned<String>,
    up: Option<Spanned<String>>,
    down: Option<Spanned<String>>,
    value: Option<Spanned<String>>,
    /// A correction's systematics in one declaration: `column` is a define whose expression
    /// holds the string `nominal` (default "nominal") as a `correction()` input; each key gives
    /// a universe (`up` → `{name}_up`) where that string is replaced by the key's value.
    systematics: Option<Spanned<IndexMap<String, String>>>,
    nominal: Option<String>,
    #[serde(default)]
    samples: Vec<String>,
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
    edges: Option<Spanned<Vec<f64>>>,
    y: Option<Spanned<String>>,
    ybins: Option<usize>,
    ylow: Option<f64>,
    yhigh: Option<f64>,
    yedges: Option<Spanned<Vec<f64>>>,
    after: Option<Spanned<String>>,
    title: Option<String>,
    xlabel: Option<String>,
    ylabel: Option<String>,
    #[serde(default)]
    logx: bool,
    #[serde(default)]
    logy: bool,
    plot: Option<Spanned<PlotConfig>>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SampleSumEntry {
    name: Spanned<String>,
    terms: Vec<(String, f64)>,
}

/// Parse an analysis from TOML text; `path` names the file in messages and anchors relative
/// input paths.
pub fn from_toml(text: &str, path: Option<&Path>) -> Result<Analysis> {
    from_toml_with(text, path, &InputOverrides::default())
}

/// [`from_toml`] with inputs given on the command line.
pub fn from_toml_with(text: &str, path: Option<&Path>, o: &InputOverrides) -> Result<Analysis> {
    let at = |offset: usize| origin(text, path, offset);
    let mut file: AnalysisFile = toml::from_str(text).map_err(|e| EngineError::Analysis {
        origin: at(e.span().map_or(0, |s| s.start)),
        message: e.message().trim().to_string(),
    })?;
    if o.max_files_per_sample.is_some() {
        file.analysis.max_files_per_sample = o.max_files_per_sample;
    }
    let cli = Origin {
        file: None,
        line: 0,
        column: 0,
    };
    let err = |offset: usize, message: String| EngineError::Analysis {
        origin: at(offset),
        message,
    };
    let base = path.and_then(Path::parent).unwrap_or(Path::new(""));
    let item = |name: &str, s: &Spanned<String>| Item {
        name: name.to_string(),
        expr: s.get_ref().clone(),
        origin: at(string_start(text, s.span().start)),
    };
    let h = &file.analysis;
    let mut a = Analysis::new(h.tree.clone().unwrap_or_else(|| "Events".into()));
    a.name = h.name.clone().unwrap_or_else(|| {
        path.and_then(|p| p.file_stem())
            .map_or("analysis".into(), |s| s.to_string_lossy().into_owned())
    });
    a.files = h.files.iter().map(|f| input_path(base, f)).collect();
    a.lumi = h.lumi;
    a.histogram_names = h.histogram_names.clone();
    if path.is_some() {
        a.table_dir = Some(std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf()));
    }

    // Samples: from the manifest, then the [[sample]] blocks.
    if let Some(m) = &o.manifest {
        if !o.files.is_empty() {
            return Err(EngineError::Analysis {
                origin: cli.clone(),
                message: "give either --input or --manifest, not both".into(),
            });
        }
        a.samples
            .extend(read_manifest(m, &file.xsec, h.max_files_per_sample, &cli)?);
    } else if let Some(m) = &h.manifest {
        if !h.files.is_empty() {
            return Err(err(
                m.span().start,
                "give either [analysis] files or a manifest, not both".into(),
            ));
        }
        a.samples.extend(read_manifest(
            &base.join(m.get_ref()),
            &file.xsec,
            h.max_files_per_sample,
            &at(m.span().start),
        )?);
    }
    for s in &file.sample {
        let o = at(s.name.span().start);
        let kind = match s.kind.as_ref().map(|k| k.get_ref().as_str()) {
            None | Some("mc") => SampleKind::Mc,
            Some("data") => SampleKind::Data,
            Some(other) => {
                return Err(err(
                    s.kind.as_ref().map_or(0, |k| k.span().start),
                    format!("sample kind '{other}': use \"data\" or \"mc\""),
                ))
            }
        };
        if s.files.is_empty() {
            return Err(err(
                s.name.span().start,
                format!("sample '{}' has no files", s.name.get_ref()),
            ));
        }
        let normalisation = match &s.normalisation {
            None => None,
            Some(n) => Some(parse_normalisation(n.get_ref()).map(|x| match x {
                Normalisation::Sum(mut it) => {
                    it.origin = at(string_start(text, n.span().start));
                    Normalisation::Sum(it)
                }
                other => other,
            })?),
        };
        let sample = Sample {
            name: s.name.get_ref().clone(),
            variation: s.variation.clone().unwrap_or_else(|| "nominal".into()),
            files: s.files.iter().map(|f| input_path(base, f)).collect(),
            tree: s.tree.clone(),
            kind,
            xsec: s.xsec,
            normalisation,
            weight: s.weight.as_ref().map(|w| item("weight", w)),
            defines: s.define.iter().map(|(n, e)| item(n, e)).collect(),
            lumi_mask: s.lumi_mask.as_ref().map(|p| base.join(p)),
            max_files: s.max_files.or(h.max_files_per_sample),
            origin: o,
        };
        if a.samples.iter().any(|x| x.key() == sample.key()) {
            return Err(err(
                s.name.span().start,
                format!("there are two samples '{}'", sample.key()),
            ));
        }
        a.samples.push(sample);
    }
    if !o.files.is_empty() {
        if !a.samples.is_empty() {
            return Err(EngineError::Analysis {
                origin: cli,
                message: "--input replaces the files of an analysis without samples; this one \
                          has samples (give another manifest with --manifest)"
                    .into(),
            });
        }
        a.files = o.files.clone();
    }
    if !a.samples.is_empty() && !h.files.is_empty() {
        return Err(err(
            0,
            "give either [analysis] files (one sample) or samples ([[sample]] or a manifest), \
             not both"
                .into(),
        ));
    }

    // Variations, grouped by where they go in the chain.
    let mut variations: Vec<(String, Variation)> = Vec::new();
    for v in &file.variation {
        let name = v.name.get_ref();
        let mut tags = Vec::new();
        let col = v.column.get_ref();
        if let Some(systs) = &v.systematics {
            if v.up.is_some() || v.down.is_some() || v.value.is_some() {
                return Err(err(
                    systs.span().start,
                    format!(
                        "variation '{name}': give either systematics, or value, or up and/or \
                         down"
                    ),
                ));
            }
            let Some(define) = file.define.get(col) else {
                return Err(err(
                    v.column.span().start,
                    format!(
                        "variation '{name}': systematics vary a define ([define] {col} = \
                         \"... correction(..., \\\"nominal\\\") ...\"), and there is no define \
                         '{col}'"
                    ),
                ));
            };
            let DefineValue::Expr(expr_text) = define.get_ref() else {
                return Err(err(
                    v.column.span().start,
                    format!("variation '{name}': '{col}' is a redefine, not a define"),
                ));
            };
            let nominal = v.nominal.as_deref().unwrap_or("nominal");
            let start = string_start(text, define.span().start);
            for (key, value) in systs.get_ref() {
                let Some(replaced) = replace_string_literal(expr_text, nominal, value) else {
                    return Err(err(
                        systs.span().start,
                        format!(
                            "variation '{name}': the define '{col}' has no string \"{nominal}\" \
                             to replace (set `nominal = \"...\"` to the string its \
                             correction() takes for the nominal value)"
                        ),
                    ));
                };
                let tag = format!("{name}_{key}");
                tags.push((
                    tag,
                    Item {
                        name: col.clone(),
                        expr: replaced,
                        origin: at(start),
                    },
                ));
            }
        }
        if let Some(e) = &v.value {
            if v.up.is_some() || v.down.is_some() {
                return Err(err(
                    v.name.span().start,
                    format!("variation '{name}': give either value, or up and/or down"),
                ));
            }
            tags.push((name.clone(), item(col, e)));
        }
        if let Some(e) = &v.up {
            tags.push((format!("{name}_up"), item(col, e)));
        }
        if let Some(e) = &v.down {
            tags.push((format!("{name}_down"), item(col, e)));
        }
        if tags.is_empty() {
            return Err(err(
                v.name.span().start,
                format!("variation '{name}' needs value, or up and/or down"),
            ));
        }
        variations.push((
            col.clone(),
            Variation {
                column: col.clone(),
                tags,
                samples: v.samples.clone(),
                origin: at(v.column.span().start),
            },
        ));
    }
    let is_define = |n: &str| file.define.contains_key(n);
    let take = |vs: &mut Vec<(String, Variation)>, col: &str| -> Vec<Variation> {
        let (mine, rest): (Vec<_>, Vec<_>) =
            std::mem::take(vs).into_iter().partition(|(c, _)| c == col);
        *vs = rest;
        mine.into_iter().map(|(_, v)| v).collect()
    };
    // Variations of branches first.
    let (branch_vars, mut later): (Vec<_>, Vec<_>) = variations
        .into_iter()
        .partition(|(c, _)| !is_define(c) && c != "weight");
    for (_, v) in branch_vars {
        a.push_node(NodeOp::Vary(v));
    }
    for (n, s) in &file.define {
        if n == "weight" {
            return Err(err(
                s.span().start,
                "'weight' is the event weight: set it with [analysis] weight = \"...\"".into(),
            ));
        }
        let start = string_start(text, s.span().start);
        let op = match s.get_ref() {
            DefineValue::Expr(e) => NodeOp::Define(Item {
                name: n.clone(),
                expr: e.clone(),
                origin: at(start),
            }),
            DefineValue::Redefine { redefine } => NodeOp::Redefine(Item {
                name: n.clone(),
                expr: redefine.clone(),
                origin: at(text[s.span()]
                    .find('"')
                    .map_or(s.span().start, |k| s.span().start + k + 1)),
            }),
        };
        a.push_node(op);
        for v in take(&mut later, n) {
            a.push_node(NodeOp::Vary(v));
        }
    }
    let weight_vars = take(&mut later, "weight");
    if !a.samples.is_empty() || h.weight.is_some() || !weight_vars.is_empty() {
        a.push_node(NodeOp::Weight(h.weight.as_ref().map(|w| item("weight", w))));
        for v in weight_vars {
            a.push_node(NodeOp::Vary(v));
        }
    }
    if let Some((c, v)) = later.first() {
        return Err(EngineError::Analysis {
            origin: v.origin.clone(),
            message: format!("variation of '{c}': there is no such column"),
        });
    }
    let top = a.cursor();

    // Cuts.
    let mut cut_nodes: Vec<(String, usize)> = Vec::new();
    for c in &file.cut {
        let parent = match &c.after {
            None => cut_nodes.last().map(|(_, n)| *n).or(top),
            Some(p) if p.get_ref().is_empty() => top,
            Some(p) => match cut_nodes.iter().find(|(n, _)| n == p.get_ref()) {
                Some((_, node)) => Some(*node),
                None => {
                    return Err(err(
                        p.span().start,
                        format!(
                            "cut '{}' comes after '{}', but no earlier cut has that name",
                            c.name.get_ref(),
                            p.get_ref()
                        ),
                    ))
                }
            },
        };
        if cut_nodes.iter().any(|(n, _)| n == c.name.get_ref()) {
            return Err(err(
                c.name.span().start,
                format!("there are two cuts named '{}'", c.name.get_ref()),
            ));
        }
        a.nodes.push(GraphNode {
            parent,
            op: NodeOp::Filter(item(c.name.get_ref(), &c.when)),
        });
        cut_nodes.push((c.name.get_ref().clone(), a.nodes.len() - 1));
    }
    let last_cut = cut_nodes.last().map(|(_, n)| *n).or(top);
    let node_of = |after: &Option<Spanned<String>>| -> Result<Option<usize>> {
        match after {
            None => Ok(last_cut),
            Some(cut) if cut.get_ref().is_empty() => Ok(top),
            Some(cut) => match cut_nodes.iter().find(|(n, _)| n == cut.get_ref()) {
                Some((_, node)) => Ok(Some(*node)),
                None => Err(err(
                    cut.span().start,
                    format!(
                        "no cut named '{}' (cuts: {})",
                        cut.get_ref(),
                        cut_nodes
                            .iter()
                            .map(|(n, _)| format!("'{n}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            },
        }
    };

    for hh in &file.histogram {
        let horigin = at(hh.name.span().start);
        let bad = |message: String| EngineError::Analysis {
            origin: horigin.clone(),
            message,
        };
        let binning_of = |axis: &str,
                          edges: &Option<Spanned<Vec<f64>>>,
                          bins: Option<usize>,
                          low: Option<f64>,
                          high: Option<f64>|
         -> Result<Binning> {
            match (edges, bins, low, high) {
                (Some(edges), None, None, None) => {
                    // Checked here to point at the edges (at least two, finite, increasing).
                    hist::Axis::variable(edges.get_ref().clone()).map_err(|e| {
                        err(
                            edges.span().start,
                            format!("histogram '{}': {axis}edges: {e}", hh.name.get_ref()),
                        )
                    })?;
                    Ok(Binning::Variable(edges.get_ref().clone()))
                }
                (None, Some(bins), Some(low), Some(high)) => {
                    if bins == 0 {
                        return Err(bad(format!(
                            "histogram '{}' needs at least one {axis}bin",
                            hh.name.get_ref()
                        )));
                    }
                    // NaN bounds fail this test too.
                    if low.partial_cmp(&high) != Some(std::cmp::Ordering::Less) {
                        return Err(bad(format!(
                            "histogram '{}': {axis}low ({low}) must be below {axis}high ({high})",
                            hh.name.get_ref()
                        )));
                    }
                    Ok(Binning::Regular { bins, low, high })
                }
                _ => Err(bad(format!(
                    "histogram '{}' needs either {axis}bins, {axis}low and {axis}high, or \
                     {axis}edges",
                    hh.name.get_ref()
                ))),
            }
        };
        let binning = binning_of("", &hh.edges, hh.bins, hh.low, hh.high)?;
        if hh.y.is_none()
            && (hh.ybins.is_some()
                || hh.ylow.is_some()
                || hh.yhigh.is_some()
                || hh.yedges.is_some())
        {
            return Err(bad(format!(
                "histogram '{}' has a y binning but no y: add y = \"<expression>\" for a 2-D \
                 histogram, or drop ybins/ylow/yhigh/yedges",
                hh.name.get_ref()
            )));
        }
        let y = match &hh.y {
            Some(ye) => Some((
                item(hh.name.get_ref(), ye),
                binning_of("y", &hh.yedges, hh.ybins, hh.ylow, hh.yhigh)?,
            )),
            None => None,
        };
        a.histograms.push(HistSpec {
            value: item(hh.name.get_ref(), &hh.value),
            weight: hh.weight.as_ref().map(|w| item(hh.name.get_ref(), w)),
            binning,
            y,
            at: node_of(&hh.after)?,
            title: hh
                .title
                .clone()
                .unwrap_or_else(|| hh.name.get_ref().clone()),
            xlabel: hh
                .xlabel
                .clone()
                .unwrap_or_else(|| hh.value.get_ref().clone()),
            // The y title of a 2-D histogram is its y value's; of a 1-D one, the counts'.
            ylabel: hh.ylabel.clone().unwrap_or_else(|| match &hh.y {
                Some(y) => y.get_ref().clone(),
                None => "Events".into(),
            }),
            logx: hh.logx,
            logy: hh.logy,
            plot: match &hh.plot {
                None => PlotConfig::default(),
                Some(p) => {
                    if p.get_ref().formats.is_some() {
                        return Err(err(
                            p.span().start,
                            "plot: formats are chosen for the whole run, in [plots]".into(),
                        ));
                    }
                    if let Some(problem) = p.get_ref().problem() {
                        return Err(err(p.span().start, format!("plot: {problem}")));
                    }
                    p.get_ref().clone()
                }
            },
            origin: horigin,
        });
    }
    for sn in &file.snapshot {
        let compression = match &sn.compression {
            None => None,
            Some(c) => Some(parse_compression(c.get_ref()).ok_or_else(|| {
                err(
                    c.span().start,
                    format!(
                        "unknown compression '{}': use none, zlib-1 … zlib-9, lz4-1 … lz4-9, \
                         zstd-1 … zstd-19 or lzma-1 … lzma-9",
                        c.get_ref()
                    ),
                )
            })?),
        };
        a.snapshots.push(SnapshotSpec {
            tree: sn.tree.clone().unwrap_or_else(|| a.tree.clone()),
            path: PathBuf::from(sn.file.get_ref()),
            columns: sn.columns.clone(),
            at: node_of(&sn.after)?,
            compression,
            basket_size: sn.basket_size,
            origin: at(sn.file.span().start),
        });
    }
    for s in &file.sample_sum {
        a.sample_sums.push(SampleSum {
            name: s.name.get_ref().clone(),
            terms: s.terms.clone(),
            origin: at(s.name.span().start),
        });
    }
    if let Some(p) = &file.plots {
        if let Some(problem) = p.get_ref().problem() {
            return Err(err(p.span().start, format!("[plots]: {problem}")));
        }
        a.plot_defaults = p.get_ref().clone();
    }
    for pl in &file.plot {
        a.plots.push(PlotSpec {
            name: pl.name.get_ref().clone(),
            histogram: pl.histogram.clone(),
            stack: pl.stack.clone(),
            data: pl.data.clone(),
            band: pl.band,
            title: pl.title.clone(),
            label: pl.label.clone(),
            origin: at(pl.name.span().start),
        });
    }
    // Cuts alone are an analysis: their cut-flow is the result (as RDataFrame's Report()).
    if a.histograms.is_empty()
        && a.stats.is_empty()
        && a.snapshots.is_empty()
        && !a.nodes.iter().any(|n| matches!(n.op, NodeOp::Filter(_)))
    {
        return Err(err(
            0,
            "the analysis books no [[cut]], [[histogram]] or [[snapshot]]: nothing to compute"
                .into(),
        ));
    }
    Ok(a)
}

/// `entries`, `Runs/genEventSumw` (a branch of another tree) or an expression summed over
/// every event (`genWeight`).
fn parse_normalisation(text: &str) -> Result<Normalisation> {
    let t = text.trim();
    if t == "entries" {
        return Ok(Normalisation::Entries);
    }
    if let Some((tree, branch)) = t.split_once('/') {
        if !tree.is_empty() && !branch.is_empty() && !branch.contains(['/', ' ']) {
            return Ok(Normalisation::TreeSum {
                tree: tree.into(),
                branch: branch.into(),
            });
        }
    }
    Ok(Normalisation::Sum(Item::new("normalisation", t)))
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

/// `expr` with every string literal whose value is `from` replaced by `to` (a quoted literal);
/// `None` when there is none (or the expression does not lex).
fn replace_string_literal(expr: &str, from: &str, to: &str) -> Option<String> {
    let tokens = expr::lexer::lex(expr).ok()?;
    let mut out = String::with_capacity(expr.len());
    let mut copied = 0;
    let mut found = false;
    for t in tokens {
        if t.kind == expr::lexer::Tok::Str(from.to_string()) {
            out.push_str(&expr[copied..t.span.start]);
            out.push('"');
            for c in to.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
            copied = t.span.end;
            found = true;
        }
    }
    out.push_str(&expr[copied..]);
    found.then_some(out)
}

/// An input file named in an analysis file: relative to the analysis file's folder, unless it
/// is a URL (`root://`, `https://`, …), which is kept as written.
pub(crate) fn input_path(base: &Path, name: &str) -> PathBuf {
    if rootio::remote::is_url(name) {
        PathBuf::from(name)
    } else {
        base.join(name)
    }
}

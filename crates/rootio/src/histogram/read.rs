//! Reading a histogram or graph by path: [`RootFile::read_histogram`],
//! [`RootFile::read_graph`] and [`RootFile::read_plottable`], and the [`Plottable`] they share.
//!
//! The key's class is checked before its payload is read, so asking for a tree or a `TNamed`
//! costs one directory lookup and gives [`ErrorKind::WrongClass`] naming the object and its
//! class; a histogram-like class hepframe does not read (`TH2Poly`, `THnSparse`, `TGraph2D`,
//! `TEfficiency`, …) gives [`ErrorKind::Unsupported`] naming both as well.

use super::graph::{is_graph_class, RootGraph};
use super::{histogram_kind, RootHistogram};
use crate::error::{Error, ErrorKind, Result};
use crate::file::RootFile;
use crate::object::Object;

/// Whether [`RootHistogram::from_object`] reads objects of this class.
pub fn is_histogram_class(class: &str) -> bool {
    histogram_kind(class).is_some()
}

/// Classes that plot like histograms or graphs but that hepframe does not read.
fn is_unsupported_plottable(class: &str) -> bool {
    [
        "TH1",
        "TH2",
        "TH3",
        "THn",
        "TProfile",
        "TGraph",
        "TEfficiency",
        "TMultiGraph",
        "THStack",
    ]
    .iter()
    .any(|p| class.starts_with(p))
}

/// What `expected` says in a [`ErrorKind::WrongClass`] error.
const HISTOGRAM_CLASSES: &str = "histogram (TH1, TH2, TH3, TProfile)";
const GRAPH_CLASSES: &str = "graph (TGraph, TGraphErrors, TGraphAsymmErrors)";
const PLOTTABLE_CLASSES: &str = "histogram (TH1, TH2, TH3, TProfile) or graph (TGraph)";

/// A histogram or a graph.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Plottable {
    /// A `TH1`, `TH2`, `TH3` or profile.
    Histogram(RootHistogram),
    /// A `TGraph`, `TGraphErrors` or `TGraphAsymmErrors`.
    Graph(RootGraph),
}

impl Plottable {
    /// A histogram or graph from a generically read object.
    pub fn from_object(obj: &Object) -> Result<Plottable> {
        if is_graph_class(&obj.class) {
            RootGraph::from_object(obj).map(Plottable::Graph)
        } else {
            RootHistogram::from_object(obj).map(Plottable::Histogram)
        }
    }

    /// The class name.
    pub fn class(&self) -> &str {
        match self {
            Plottable::Histogram(h) => &h.class,
            Plottable::Graph(g) => &g.class,
        }
    }

    /// `fName`.
    pub fn name(&self) -> &str {
        match self {
            Plottable::Histogram(h) => &h.name,
            Plottable::Graph(g) => &g.name,
        }
    }

    /// `fTitle`.
    pub fn title(&self) -> &str {
        match self {
            Plottable::Histogram(h) => &h.title,
            Plottable::Graph(g) => &g.title,
        }
    }
}

impl RootFile {
    /// Read the histogram at `path` (`h`, `dir/h`, `h;2`): `TH1`/`TH2`/`TH3` of any storage
    /// type, `TProfile`, `TProfile2D` or `TProfile3D`.
    ///
    /// ```no_run
    /// # fn main() -> rootio::Result<()> {
    /// let file = rootio::RootFile::open("sf.root")?;
    /// let h = file.read_histogram("muon/sf_pt_eta")?;
    /// let bin = h.bin(3, 2, 0);
    /// println!("{} ± {}", h.bin_content(bin), h.bin_error(bin));
    /// # Ok(()) }
    /// ```
    ///
    /// Errors: [`ErrorKind::NotFound`] (with suggestions), [`ErrorKind::WrongClass`] for an
    /// object that is not a histogram (a graph included), [`ErrorKind::Unsupported`] for a
    /// histogram class hepframe does not read, and the errors of [`RootFile::read_object`] and
    /// [`RootHistogram::from_object`], all located in the file and the object.
    pub fn read_histogram(&self, path: &str) -> Result<RootHistogram> {
        self.check_class(path, is_histogram_class, HISTOGRAM_CLASSES)?;
        let obj = self.read_object(path)?;
        RootHistogram::from_object(&obj).map_err(|e| self.located(e.in_object(path)))
    }

    /// Read the graph at `path`: `TGraph`, `TGraphErrors` or `TGraphAsymmErrors`.
    ///
    /// Errors: as [`read_histogram`](Self::read_histogram), for graph classes.
    pub fn read_graph(&self, path: &str) -> Result<RootGraph> {
        self.check_class(path, is_graph_class, GRAPH_CLASSES)?;
        let obj = self.read_object(path)?;
        RootGraph::from_object(&obj).map_err(|e| self.located(e.in_object(path)))
    }

    /// Read the histogram or graph at `path`.
    ///
    /// Errors: as [`read_histogram`](Self::read_histogram).
    pub fn read_plottable(&self, path: &str) -> Result<Plottable> {
        self.check_class(
            path,
            |c| is_histogram_class(c) || is_graph_class(c),
            PLOTTABLE_CLASSES,
        )?;
        let obj = self.read_object(path)?;
        Plottable::from_object(&obj).map_err(|e| self.located(e.in_object(path)))
    }

    /// The key's class must pass `accept`; otherwise a typed error naming object and class.
    fn check_class(
        &self,
        path: &str,
        accept: impl Fn(&str) -> bool,
        expected: &'static str,
    ) -> Result<()> {
        let key = self.key(path)?;
        let class = key.class_name.as_str();
        if accept(class) {
            return Ok(());
        }
        let readable = is_histogram_class(class) || is_graph_class(class);
        let e: Error = if is_unsupported_plottable(class) && !readable {
            Error::unsupported(format!(
                "'{path}' is a {class}; hepframe reads TH1, TH2 and TH3 (C, S, I, L, F, D), \
                 TProfile, TProfile2D, TProfile3D, TGraph, TGraphErrors and TGraphAsymmErrors"
            ))
        } else {
            ErrorKind::WrongClass {
                name: path.to_string(),
                class: class.to_string(),
                expected,
            }
            .into()
        };
        Err(self.located(e.in_object(path)))
    }
}

//! Histograms and graphs read from a file, handed to Python as plain dicts of numpy arrays
//! (`python/hepframe/histograms.py` builds `hist.Hist` objects and `Graph`s from them).
//!
//! A histogram's arrays are per global bin in ROOT's order (flow bins included, x fastest):
//! `values` and `errors` are `GetBinContent`/`GetBinError` (for a profile the bin means and
//! ROOT's profile errors), `contents` the raw `fArray`, `sumw2` the raw `fSumw2` (empty when
//! not kept). Axes carry ROOT's edges (`fXbins`, or the equal-width edges as
//! `TAxis::GetBinLowEdge` computes them), the title and the bin labels.

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rootio::histogram::GraphErrors;
use rootio::{Plottable, RootGraph, RootHistogram};

fn array<'py>(py: Python<'py>, v: Vec<f64>) -> Bound<'py, PyAny> {
    v.into_pyarray(py).into_any()
}

/// The dict of a histogram or graph.
pub fn to_dict<'py>(py: Python<'py>, p: Plottable) -> PyResult<Bound<'py, PyDict>> {
    match p {
        Plottable::Histogram(h) => histogram(py, h),
        Plottable::Graph(g) => graph(py, g),
    }
}

fn histogram<'py>(py: Python<'py>, h: RootHistogram) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", "histogram")?;
    d.set_item("class", &h.class)?;
    d.set_item("name", &h.name)?;
    d.set_item("title", &h.title)?;
    d.set_item("dimension", h.dimension)?;
    let axes = PyList::empty(py);
    for a in &h.axes {
        let ad = PyDict::new(py);
        ad.set_item("name", &a.name)?;
        ad.set_item("title", &a.title)?;
        ad.set_item("nbins", a.nbins)?;
        ad.set_item("xmin", a.xmin)?;
        ad.set_item("xmax", a.xmax)?;
        ad.set_item("variable", a.is_variable())?;
        ad.set_item("edges", array(py, a.edges()))?;
        ad.set_item("labels", a.labels.clone())?;
        ad.set_item("alphanumeric", a.alphanumeric)?;
        axes.append(ad)?;
    }
    d.set_item("axes", axes)?;
    d.set_item("values", array(py, h.values()))?;
    d.set_item("errors", array(py, h.errors()))?;
    d.set_item("entries", h.entries)?;
    d.set_item("sum_of_weights", h.sum_of_weights())?;
    d.set_item("stats", h.stats_array())?;
    d.set_item("has_sumw2", h.has_sumw2())?;
    match &h.profile {
        Some(p) => {
            let pd = PyDict::new(py);
            let n = h.ncells();
            pd.set_item("bin_entries", array(py, p.bin_entries.clone()))?;
            pd.set_item("bin_sumw2", array(py, p.bin_sumw2.clone()))?;
            let neff = (0..n).map(|b| p.effective_entries(b)).collect();
            pd.set_item("effective_entries", array(py, neff))?;
            pd.set_item("error_mode", p.error_mode.option())?;
            d.set_item("profile", pd)?;
        }
        None => d.set_item("profile", py.None())?,
    }
    d.set_item("contents", array(py, h.contents))?;
    d.set_item("sumw2", array(py, h.sumw2))?;
    Ok(d)
}

fn graph<'py>(py: Python<'py>, g: RootGraph) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", "graph")?;
    d.set_item("class", &g.class)?;
    d.set_item("name", &g.name)?;
    d.set_item("title", &g.title)?;
    let n = g.len();
    let (ex, ey): (Vec<f64>, Vec<f64>) = (0..n).map(|i| (g.error_x(i), g.error_y(i))).unzip();
    match g.errors {
        GraphErrors::Symmetric { ex: x, ey: y } => {
            d.set_item("exlow", array(py, x.clone()))?;
            d.set_item("exhigh", array(py, x))?;
            d.set_item("eylow", array(py, y.clone()))?;
            d.set_item("eyhigh", array(py, y))?;
            d.set_item("ex", array(py, ex))?;
            d.set_item("ey", array(py, ey))?;
        }
        GraphErrors::Asymmetric {
            exlow,
            exhigh,
            eylow,
            eyhigh,
        } => {
            d.set_item("exlow", array(py, exlow))?;
            d.set_item("exhigh", array(py, exhigh))?;
            d.set_item("eylow", array(py, eylow))?;
            d.set_item("eyhigh", array(py, eyhigh))?;
            d.set_item("ex", array(py, ex))?;
            d.set_item("ey", array(py, ey))?;
        }
        _ => {}
    }
    d.set_item("x", array(py, g.x))?;
    d.set_item("y", array(py, g.y))?;
    Ok(d)
}

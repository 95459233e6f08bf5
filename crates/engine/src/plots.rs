//! Stacked plots over samples (`[[plot]]`): checked when the analysis is planned, drawn with
//! the other outputs.
//!
//! The uncertainty band is the statistical uncertainty of the stacked simulation (√Σw² per
//! bin) and every systematic variation, added in quadrature. A variation's shift is the change
//! of the stack's total when every stacked sample is taken in that universe (or, for a sample
//! that stands for a variation of a process — `ttbar:ME_var` — that sample instead of the
//! process's nominal one). Up and down shifts of one source (`btag_var_0_up`/`_down`,
//! `scaleup`/`scaledown`) count once, by the larger of the two.

use std::collections::BTreeMap;
use std::path::Path;

use hist::{Histogram, StackPlot};

use crate::analysis::{Analysis, PlotSpec};
use crate::error::{EngineError, Result};
use crate::plan::PlannedSample;
use crate::results::Results;

/// Check every plot names a booked histogram and existing samples.
pub(crate) fn validate(a: &Analysis, planned: &[PlannedSample]) -> Result<()> {
    let mut known: Vec<String> = planned.iter().map(|p| p.sample.key()).collect();
    known.extend(a.sample_sums.iter().map(|s| s.name.clone()));
    for p in &a.plots {
        let bad = |message: String| EngineError::Analysis {
            origin: p.origin.clone(),
            message: format!("plot '{}': {message}", p.name),
        };
        let Some(h) = a.histograms.iter().find(|h| h.value.name == p.histogram) else {
            return Err(bad(format!("there is no histogram '{}'", p.histogram)));
        };
        if h.y.is_some() {
            return Err(bad(format!(
                "'{}' is a 2-D histogram; stacked plots are 1-D",
                p.histogram
            )));
        }
        if p.stack.is_empty() && p.data.is_none() {
            return Err(bad("give the samples to stack and/or the data".into()));
        }
        for s in p.stack.iter().chain(p.data.iter()) {
            if !known.contains(s) {
                return Err(bad(format!(
                    "no sample '{s}' (samples: {})",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// The source a variation tag belongs to: `btag_var_0_up` → `btag_var_0`, `scaleup` → `scale`.
fn source_of(tag: &str) -> &str {
    for suffix in ["_up", "_down", "up", "down", "Up", "Down"] {
        if let Some(s) = tag.strip_suffix(suffix) {
            if !s.is_empty() {
                return s;
            }
        }
    }
    tag
}

/// Draw the plots of `a` to `DIR/<name>.<format>` for every format of `[plots]`.
pub(crate) fn draw(a: &Analysis, results: &Results, dir: &Path) -> Result<()> {
    let d = &a.plot_defaults;
    for p in &a.plots {
        let get = |sample: &str, variation: &str| -> Option<&Histogram> {
            results
                .histograms
                .iter()
                .zip(&results.keys)
                .find(|(_, k)| {
                    k.histogram == p.histogram && k.sample == sample && k.variation == variation
                })
                .map(|(h, _)| h)
        };
        let missing = |s: &str| EngineError::Analysis {
            origin: p.origin.clone(),
            message: format!("plot '{}': no histogram '{}' of '{s}'", p.name, p.histogram),
        };
        let mut stack = Vec::new();
        for s in &p.stack {
            stack.push((
                s.clone(),
                get(s, "nominal").ok_or_else(|| missing(s))?.clone(),
            ));
        }
        let data = match &p.data {
            Some(d) => Some((
                d.clone(),
                get(d, "nominal").ok_or_else(|| missing(d))?.clone(),
            )),
            None => None,
        };
        let band = p.band.then(|| band(p, results, &stack));
        let spec = a.histograms.iter().find(|h| h.value.name == p.histogram);
        let plot = StackPlot {
            title: p
                .title
                .clone()
                .or_else(|| spec.map(|s| s.title.clone()))
                .unwrap_or_else(|| p.histogram.clone()),
            x_label: spec.map(|s| s.xlabel.clone()).unwrap_or_default(),
            y_label: String::new(),
            stack,
            data,
            band,
            label: p
                .label
                .clone()
                .or_else(|| d.lumi_label.clone())
                .unwrap_or_default(),
            experiment: d.experiment.clone().unwrap_or_default(),
            status: d.status.clone().unwrap_or_default(),
            log_y: spec.is_some_and(|s| s.logy),
            size: (d.width.unwrap_or(900), d.height.unwrap_or(800)),
        };
        for format in d.image_formats() {
            plot.write(dir.join(format!("{}.{}", p.name, format.extension())))
                .map_err(|source| EngineError::Hist {
                    name: p.name.clone(),
                    source,
                })?;
        }
    }
    Ok(())
}

/// Per bin (no flow bins): statistics of the stack and every variation, in quadrature.
fn band(p: &PlotSpec, results: &Results, stack: &[(String, Histogram)]) -> Vec<f64> {
    let n = stack.first().map_or(0, |(_, h)| h.values(false).len());
    let mut var = vec![0.0; n];
    for (_, h) in stack {
        for (v, w) in var.iter_mut().zip(h.variances(false)) {
            *v += if w.is_finite() { w } else { 0.0 };
        }
    }
    // Shift of the total per variation: Σ over stacked samples of (varied − nominal).
    let mut shifts: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (sample, nominal) in stack {
        let nom = nominal.values(false);
        for (h, k) in results.histograms.iter().zip(&results.keys) {
            // A universe of this sample (jet energy, b-tagging, …).
            if k.histogram != p.histogram || k.variation == "nominal" || &k.sample != sample {
                continue;
            }
            let shift = shifts
                .entry(k.variation.clone())
                .or_insert_with(|| vec![0.0; n]);
            for ((s, a), b) in shift.iter_mut().zip(h.values(false)).zip(&nom) {
                *s += a - b;
            }
        }
        // Variation samples of this process (ttbar:ME_var, ttbar:scaleup, …).
        for (h, k) in results.histograms.iter().zip(&results.keys) {
            if k.histogram != p.histogram || k.variation != "nominal" {
                continue;
            }
            let Some((proc_, var)) = k.sample.split_once(':') else {
                continue;
            };
            if proc_ != sample || stack.iter().any(|(s, _)| s == &k.sample) {
                continue;
            }
            let shift = shifts
                .entry(var.to_string())
                .or_insert_with(|| vec![0.0; n]);
            for ((s, a), b) in shift.iter_mut().zip(h.values(false)).zip(&nom) {
                *s += a - b;
            }
        }
    }
    let mut sources: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (tag, shift) in &shifts {
        let s = sources
            .entry(source_of(tag))
            .or_insert_with(|| vec![0.0; n]);
        for (a, b) in s.iter_mut().zip(shift) {
            let b = if b.is_finite() { b.abs() } else { 0.0 };
            *a = a.max(b);
        }
    }
    for s in sources.values() {
        for (v, x) in var.iter_mut().zip(s) {
            *v += x * x;
        }
    }
    var.into_iter().map(f64::sqrt).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sources_pair_up_and_down() {
        use super::source_of;
        assert_eq!(source_of("btag_var_0_up"), "btag_var_0");
        assert_eq!(source_of("btag_var_0_down"), "btag_var_0");
        assert_eq!(source_of("scaleup"), "scale");
        assert_eq!(source_of("scaledown"), "scale");
        assert_eq!(source_of("pt_res_up"), "pt_res");
        assert_eq!(source_of("ME_var"), "ME_var");
    }
}

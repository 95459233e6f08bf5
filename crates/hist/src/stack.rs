//! The classic plot of a search or measurement: simulated samples stacked and filled, data as
//! points with error bars, an uncertainty band on the total prediction, and a data/prediction
//! ratio panel underneath — mplhep's layout, drawn by [`crate::figure`].
//!
//! Error bars of the data are the square root of the variances (√N for counts, √Σw² for
//! weighted pseudo-data). The band is whatever the caller gives per bin (for an analysis: the
//! statistical uncertainty of the simulation and the systematic variations added in quadrature).

use std::path::Path;

use crate::error::{HistError, Result};
use crate::figure::axes::{AxisText, Frame, Scale};
use crate::figure::marks::{self, Bins, Entry, HistStyle};
use crate::figure::text::{self, Face};
use crate::figure::{Figure, Rgb, MAX_SIDE, PALETTE};
use crate::histogram::Histogram;
use crate::plot::font_size;

/// What to draw in a stacked plot. All histograms are 1-D with the same binning.
#[derive(Debug, Clone, Default)]
pub struct StackPlot {
    /// Text above the plot (inside it when there is an experiment label).
    pub title: String,
    /// Text under the x axis (the histogram's axis label when empty).
    pub x_label: String,
    /// Text beside the y axis (`Events / <bin width> <unit>` when empty and the bins are equal).
    pub y_label: String,
    /// The stacked samples, bottom first: `(legend label, histogram)`.
    pub stack: Vec<(String, Histogram)>,
    /// Data drawn as points with error bars.
    pub data: Option<(String, Histogram)>,
    /// The uncertainty of the total prediction per bin (no flow bins), drawn as a grey band.
    pub band: Option<Vec<f64>>,
    /// Text at the top right (e.g. `3378 pb^{-1} (13 TeV)`).
    pub label: String,
    /// Experiment name in bold at the top left (`CMS`); empty for none.
    pub experiment: String,
    /// Status after the experiment name, in italics (`Preliminary`).
    pub status: String,
    /// Logarithmic y axis of the main panel.
    pub log_y: bool,
    /// Image width and height in pixels.
    pub size: (u32, u32),
}

impl StackPlot {
    /// Draw the plot to `path` — PNG, SVG or PDF by its extension; a failure leaves no file.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let fail = |message: String| HistError::Plot {
            name: self.title.clone(),
            path: path.to_path_buf(),
            message,
        };
        let (w, h) = self.size;
        if w < 200 || h < 150 || w > MAX_SIDE || h > MAX_SIDE {
            return Err(fail(format!(
                "image size {w}×{h} is outside 200×150 to {MAX_SIDE}×{MAX_SIDE} pixels"
            )));
        }
        crate::figure::ImageFormat::of_path(path).map_err(&fail)?;
        let first = self
            .stack
            .first()
            .map(|(_, h)| h)
            .or(self.data.as_ref().map(|(_, h)| h))
            .ok_or_else(|| fail("nothing to draw".into()))?;
        if first.dim() != 1 {
            return Err(fail("a stacked plot needs 1-D histograms".into()));
        }
        for (label, h) in self.stack.iter().chain(self.data.iter()) {
            if h.dim() != 1 || !h.x_axis().same_binning(first.x_axis()) {
                return Err(fail(format!("'{label}' has another binning")));
            }
        }
        let fig = self.draw(first);
        fig.save(path).map_err(fail)
    }

    fn draw(&self, first: &Histogram) -> Figure {
        let axis = first.x_axis();
        let edges = axis.edges().to_vec();
        let n = edges.len() - 1;
        let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
        // Cumulative stack tops.
        let mut tops: Vec<Vec<f64>> = Vec::new();
        let mut total = vec![0.0; n];
        for (_, h) in &self.stack {
            for (t, v) in total.iter_mut().zip(h.values(false)) {
                *t += finite(v);
            }
            tops.push(total.clone());
        }
        let band: Vec<f64> = self
            .band
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(finite)
            .chain(std::iter::repeat(0.0))
            .take(n)
            .collect();
        let data: Option<Bins> = self.data.as_ref().map(|(_, h)| Bins {
            edges: edges.clone(),
            values: h.values(false).into_iter().map(finite).collect(),
            errors: h
                .variances(false)
                .into_iter()
                .map(|v| finite(v).max(0.0).sqrt())
                .collect(),
        });
        let mut ymax = total
            .iter()
            .zip(&band)
            .map(|(t, b)| t + b)
            .fold(0.0f64, f64::max);
        let mut ymin_pos = total
            .iter()
            .copied()
            .filter(|&t| t > 0.0)
            .fold(f64::INFINITY, f64::min);
        if let Some(d) = &data {
            ymax = d
                .values
                .iter()
                .zip(&d.errors)
                .map(|(a, b)| a + b)
                .fold(ymax, f64::max);
            ymin_pos = d
                .values
                .iter()
                .copied()
                .filter(|&v| v > 0.0)
                .fold(ymin_pos, f64::min);
        }
        let y_scale = if self.log_y {
            let lo = if ymin_pos.is_finite() {
                ymin_pos * 0.5
            } else {
                0.5
            };
            let hi = ymax.max(lo * 10.0);
            let decades = (hi / lo).log10();
            Scale::new(lo, hi * 10f64.powf(decades * 0.45), true)
        } else {
            Scale::new(0.0, if ymax > 0.0 { ymax * 1.45 } else { 1.0 }, false)
        };
        let (x0, x1) = (edges[0], edges[n]);
        let mut fig = Figure::new(self.size.0, self.size.1);
        let s = font_size(fig.height()) * 0.95;
        let ratio = data.is_some() && !self.stack.is_empty();
        let left = (0.13 * fig.width()).max(5.6 * s);
        let right = fig.width() - 0.04 * fig.width();
        let top = 2.6 * s;
        let bottom = fig.height() - 3.8 * s;
        let split = if ratio {
            top + 0.74 * (bottom - top)
        } else {
            bottom
        };
        let main = Frame {
            left,
            right,
            top,
            bottom: if ratio { split - 0.2 * s } else { bottom },
            x: Scale::new(x0, x1, false),
            y: y_scale,
        }
        .fit_y_labels(s);
        let left = main.left;
        let base = if self.log_y { y_scale.lo } else { 0.0 };
        let mut entries = Vec::new();
        // Drawn top sample first, so that the legend lists the samples as they are stacked.
        for (k, ((label, _), top_k)) in self.stack.iter().zip(&tops).enumerate().rev() {
            let colour = PALETTE[k % PALETTE.len()];
            let below = if k == 0 {
                vec![base; n]
            } else {
                tops[k - 1].iter().map(|&v| v.max(base)).collect()
            };
            let b = Bins {
                edges: edges.clone(),
                values: top_k.clone(),
                errors: vec![0.0; n],
            };
            marks::fill(&mut fig, &main, &b, &below, colour, 1.0);
            entries.push(Entry {
                label,
                colour,
                style: HistStyle::Filled,
                band: false,
            });
        }
        if !self.stack.is_empty() {
            let b = Bins {
                edges: edges.clone(),
                values: total.clone(),
                errors: vec![0.0; n],
            };
            marks::step(&mut fig, &main, &b, Rgb::BLACK, 1.0, base);
            if band.iter().any(|b| *b > 0.0) {
                marks::band(&mut fig, &main, &edges, &total, &band);
                entries.push(Entry {
                    label: "Uncertainty",
                    colour: marks::BAND,
                    style: HistStyle::Filled,
                    band: true,
                });
            }
        }
        if let (Some((label, _)), Some(d)) = (&self.data, &data) {
            marks::points(&mut fig, &main, d, Rgb::BLACK, s);
            entries.insert(
                0,
                Entry {
                    label,
                    colour: Rgb::BLACK,
                    style: HistStyle::Points,
                    band: false,
                },
            );
        }
        let x_label = if self.x_label.is_empty() {
            axis.label().to_string()
        } else {
            self.x_label.clone()
        };
        let y_label = if self.y_label.is_empty() {
            marks::events_per_bin(&edges, axis.is_regular(), &x_label)
        } else {
            self.y_label.clone()
        };
        main.draw(
            &mut fig,
            &AxisText {
                size: s,
                x_title: &x_label,
                y_title: &y_label,
                x_labels: !ratio,
                skip_top_label: false,
            },
        );
        marks::legend(&mut fig, &main, &entries, s);
        let title = text::layout(&self.title, 1.1 * s, Face::default());
        marks::header(
            &mut fig,
            &main,
            s,
            &self.experiment,
            &self.status,
            &title,
            &self.label,
        );
        let Some(d) = data.filter(|_| ratio) else {
            return fig;
        };
        // The ratio panel: data / prediction with the data's errors, and the band around 1.
        let ratio_of = |a: f64, i: usize| {
            if total[i] > 0.0 {
                a / total[i]
            } else {
                f64::NAN
            }
        };
        let (mut lo, mut hi) = (0.5f64, 1.5f64);
        for i in 0..n {
            let r = ratio_of(d.values[i], i);
            if r.is_finite() && d.values[i] > 0.0 {
                lo = lo.min(r - ratio_of(d.errors[i], i));
                hi = hi.max(r + ratio_of(d.errors[i], i));
            }
        }
        let panel = Frame {
            left,
            right,
            top: split + 0.2 * s,
            bottom,
            x: Scale::new(x0, x1, false),
            y: Scale::new(lo.max(0.0), hi.min(3.0), false),
        };
        let ones = vec![1.0; n];
        let rel: Vec<f64> = (0..n)
            .map(|i| {
                if total[i] > 0.0 {
                    band[i] / total[i]
                } else {
                    0.0
                }
            })
            .collect();
        marks::band(&mut fig, &panel, &edges, &ones, &rel);
        fig.line(
            &[(panel.left, panel.py(1.0)), (panel.right, panel.py(1.0))],
            Rgb(100, 100, 100),
            1.0,
            true,
        );
        let r = Bins {
            edges: edges.clone(),
            values: (0..n).map(|i| finite(ratio_of(d.values[i], i))).collect(),
            errors: (0..n).map(|i| finite(ratio_of(d.errors[i], i))).collect(),
        };
        marks::points(&mut fig, &panel, &r, Rgb::BLACK, s);
        panel.draw(
            &mut fig,
            &AxisText {
                size: s,
                x_title: &x_label,
                y_title: "Data / Pred.",
                x_labels: true,
                skip_top_label: true,
            },
        );
        fig
    }
}

//! The classic plot of a search or measurement: simulated samples stacked and filled, data as
//! points with error bars, an uncertainty band on the total prediction, and a data/prediction
//! ratio panel underneath.
//!
//! Error bars of the data are the square root of the variances (√N for counts, √Σw² for
//! weighted pseudo-data). The band is whatever the caller gives per bin (for an analysis: the
//! statistical uncertainty of the simulation and the systematic variations added in quadrature).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{HistError, Result};
use crate::histogram::Histogram;
use crate::plot::{ensure_font, tick, FONT};

/// What to draw in a stacked plot. All histograms are 1-D with the same binning.
#[derive(Debug, Clone)]
pub struct StackPlot {
    /// Text above the plot.
    pub title: String,
    /// Text under the x axis (the histogram's axis label when empty).
    pub x_label: String,
    /// Text beside the y axis (`Events / <bin width>` when empty and the bins are equal).
    pub y_label: String,
    /// The stacked samples, bottom first: `(legend label, histogram)`.
    pub stack: Vec<(String, Histogram)>,
    /// Data drawn as points with error bars.
    pub data: Option<(String, Histogram)>,
    /// The uncertainty of the total prediction per bin (no flow bins), drawn as a hatched band.
    pub band: Option<Vec<f64>>,
    /// Text in the top-left corner (e.g. `3378 pb⁻¹ (13 TeV)`).
    pub label: String,
    /// Image width and height in pixels.
    pub size: (u32, u32),
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Colours of stacked samples (matplotlib's tab10, the palette of mplhep's default style).
const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// The uncertainty band: a light grey, translucent over the stack.
const BAND: RGBColor = RGBColor(190, 190, 190);

fn e<E: std::fmt::Display>(x: E) -> String {
    x.to_string()
}

impl StackPlot {
    /// Draw the plot to a PNG file; a failure leaves no file behind.
    pub fn write_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let fail = |message: String| HistError::Plot {
            name: self.title.clone(),
            path: path.to_path_buf(),
            message,
        };
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
        ensure_font().map_err(fail)?;
        // Drawn under a temporary name (ending in .png: the encoder goes by the extension).
        let tmp = path.with_extension("partial.png");
        let drawn = (|| -> std::result::Result<(), String> {
            let root = BitMapBackend::new(&tmp, self.size).into_drawing_area();
            root.fill(&WHITE).map_err(e)?;
            self.draw(&root, first)?;
            root.present().map_err(e)
        })();
        match drawn {
            Ok(()) => std::fs::rename(&tmp, path).map_err(|x| fail(x.to_string())),
            Err(reason) => {
                let _ = std::fs::remove_file(&tmp);
                Err(fail(reason))
            }
        }
    }

    fn draw(&self, root: &Area<'_>, first: &Histogram) -> std::result::Result<(), String> {
        let axis = first.x_axis();
        let edges = axis.edges();
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
        let data: Option<(Vec<f64>, Vec<f64>)> = self.data.as_ref().map(|(_, h)| {
            (
                h.values(false).into_iter().map(finite).collect(),
                h.variances(false)
                    .into_iter()
                    .map(|v| finite(v).max(0.0).sqrt())
                    .collect(),
            )
        });
        let mut ymax = total
            .iter()
            .zip(&band)
            .map(|(t, b)| t + b)
            .fold(0.0f64, f64::max);
        if let Some((v, err)) = &data {
            ymax = v.iter().zip(err).map(|(a, b)| a + b).fold(ymax, f64::max);
        }
        let ymax = if ymax > 0.0 { ymax * 1.45 } else { 1.0 };
        let (x0, x1) = (edges[0], edges[n]);
        let (w, h) = root.dim_in_pixel();
        let ratio = data.is_some() && !self.stack.is_empty();
        let (top, bottom) = if ratio {
            root.split_vertically((f64::from(h) * 0.72) as u32)
        } else {
            (root.clone(), root.clone())
        };
        let label_size = (f64::from(h) * 0.028).max(11.0);
        let y_area = label_size * 5.5;
        let x_label = if self.x_label.is_empty() {
            axis.label().to_string()
        } else {
            self.x_label.clone()
        };
        let y_label = if !self.y_label.is_empty() {
            self.y_label.clone()
        } else if axis.is_regular() && n > 0 {
            format!("Events / {} GeV", tick(&((x1 - x0) / n as f64)))
        } else {
            "Events".into()
        };
        let mut chart = ChartBuilder::on(&top)
            .caption(&self.title, (FONT, label_size * 1.4).into_font())
            .margin_left(15)
            .margin_right(20)
            .margin_top(10)
            .x_label_area_size(if ratio { 0.0 } else { label_size * 3.2 })
            .y_label_area_size(y_area)
            .build_cartesian_2d(x0..x1, 0.0..ymax)
            .map_err(e)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(y_label.as_str())
            .y_label_formatter(&tick)
            .x_label_formatter(&tick)
            .label_style((FONT, label_size))
            .axis_desc_style((FONT, label_size * 1.1))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.06));
        if ratio {
            mesh.x_labels(0);
        } else {
            mesh.x_desc(x_label.as_str());
        }
        mesh.draw().map_err(e)?;
        // The stack: one filled rectangle per sample and bin. Drawn top sample first, so that
        // the legend lists the samples as they are stacked.
        for (k, ((label, _), top_k)) in self.stack.iter().zip(&tops).enumerate().rev() {
            let (r, g, b) = PALETTE[k % PALETTE.len()];
            let colour = RGBColor(r, g, b);
            let below: Vec<f64> = if k == 0 {
                vec![0.0; n]
            } else {
                tops[k - 1].clone()
            };
            chart
                .draw_series((0..n).filter(|&i| top_k[i] > below[i]).map(|i| {
                    Rectangle::new(
                        [(edges[i], below[i]), (edges[i + 1], top_k[i])],
                        colour.filled(),
                    )
                }))
                .map_err(e)?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled())
                });
        }
        // The total's outline and its uncertainty band.
        if !self.stack.is_empty() {
            let mut outline = Vec::with_capacity(2 * n);
            for i in 0..n {
                outline.push((edges[i], total[i]));
                outline.push((edges[i + 1], total[i]));
            }
            chart
                .draw_series(LineSeries::new(outline, BLACK.stroke_width(1)))
                .map_err(e)?;
            if band.iter().any(|b| *b > 0.0) {
                chart
                    .draw_series((0..n).map(|i| {
                        Rectangle::new(
                            [
                                (edges[i], (total[i] - band[i]).max(0.0)),
                                (edges[i + 1], total[i] + band[i]),
                            ],
                            BAND.mix(0.45).filled(),
                        )
                    }))
                    .map_err(e)?
                    .label("uncertainty")
                    .legend(|(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 14, y + 6)], BAND.mix(0.45).filled())
                    });
            }
        }
        // Data: points with vertical error bars.
        if let (Some((label, _)), Some((v, err))) = (&self.data, &data) {
            let centres = axis.centers();
            chart
                .draw_series((0..n).map(|i| {
                    PathElement::new(
                        vec![(centres[i], v[i] - err[i]), (centres[i], v[i] + err[i])],
                        BLACK.stroke_width(2),
                    )
                }))
                .map_err(e)?;
            chart
                .draw_series((0..n).map(|i| Circle::new((centres[i], v[i]), 4, BLACK.filled())))
                .map_err(e)?
                .label(label.as_str())
                .legend(|(x, y)| Circle::new((x + 7, y), 4, BLACK.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, label_size))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(e)?;
        if !self.label.is_empty() {
            top.draw_text(
                &self.label,
                &(FONT, label_size).into_text_style(&top),
                (y_area as i32 + 25, (label_size * 3.2) as i32),
            )
            .map_err(e)?;
        }
        if !ratio {
            return Ok(());
        }
        // The ratio panel: data / prediction with the data's errors, and the band around 1.
        let Some((v, err)) = data else { return Ok(()) };
        let mut lo: f64 = 0.5;
        let mut hi: f64 = 1.5;
        let ratio_of = |a: f64, i: usize| {
            if total[i] > 0.0 {
                a / total[i]
            } else {
                f64::NAN
            }
        };
        for i in 0..n {
            let r = ratio_of(v[i], i);
            if r.is_finite() {
                lo = lo.min(r - ratio_of(err[i], i));
                hi = hi.max(r + ratio_of(err[i], i));
            }
        }
        let (lo, hi) = (lo.max(0.0), hi.min(3.0));
        let mut rc = ChartBuilder::on(&bottom)
            .margin_left(15)
            .margin_right(20)
            .x_label_area_size(label_size * 3.4)
            .y_label_area_size(y_area)
            .build_cartesian_2d(x0..x1, lo..hi)
            .map_err(e)?;
        rc.configure_mesh()
            .x_desc(x_label.as_str())
            .y_desc("Data / Pred.")
            .y_labels(5)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .label_style((FONT, label_size))
            .axis_desc_style((FONT, label_size * 1.1))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.06))
            .draw()
            .map_err(e)?;
        rc.draw_series((0..n).filter(|&i| total[i] > 0.0).map(|i| {
            Rectangle::new(
                [
                    (edges[i], 1.0 - band[i] / total[i]),
                    (edges[i + 1], 1.0 + band[i] / total[i]),
                ],
                BAND.mix(0.45).filled(),
            )
        }))
        .map_err(e)?;
        rc.draw_series(LineSeries::new(
            vec![(x0, 1.0), (x1, 1.0)],
            BLACK.mix(0.6).stroke_width(1),
        ))
        .map_err(e)?;
        let centres = axis.centers();
        rc.draw_series((0..n).filter(|&i| total[i] > 0.0).map(|i| {
            PathElement::new(
                vec![
                    (centres[i], ratio_of(v[i] - err[i], i)),
                    (centres[i], ratio_of(v[i] + err[i], i)),
                ],
                BLACK.stroke_width(2),
            )
        }))
        .map_err(e)?;
        rc.draw_series(
            (0..n)
                .filter(|&i| total[i] > 0.0)
                .map(|i| Circle::new((centres[i], ratio_of(v[i], i)), 4, BLACK.filled())),
        )
        .map_err(e)?;
        let _ = w;
        Ok(())
    }
}

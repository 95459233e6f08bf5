//! PNG plots with plotters' bitmap backend: a step line for 1D, a colour map for 2D.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary (the `dejavu` crate) and rendered by
//! plotters' pure-Rust `ab_glyph` feature, so plotting needs no fontconfig, freetype or system
//! fonts.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use crate::error::{HistError, Result};
use crate::histogram::Histogram;

/// How to draw a histogram with [`Histogram::plot_png`].
///
/// Empty strings fall back to the histogram's own metadata: the title to the histogram title
/// (or its name), the x label to the x axis label, the y label to the y axis label in 2D and to
/// `"Entries"` in 1D.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    /// Text above the plot.
    pub title: String,
    /// Text under the x axis.
    pub x_label: String,
    /// Text beside the y axis.
    pub y_label: String,
    /// Logarithmic x axis (the axis must lie above zero).
    pub log_x: bool,
    /// Logarithmic y axis: the bin contents in 1D (empty bins drop to the bottom of the plot),
    /// the y coordinate in 2D (the axis must lie above zero).
    pub log_y: bool,
    /// Image width in pixels (at least 200).
    pub width: u32,
    /// Image height in pixels (at least 150).
    pub height: u32,
}

impl Default for PlotOptions {
    fn default() -> Self {
        Self {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            log_x: false,
            log_y: false,
            width: 800,
            height: 600,
        }
    }
}

/// Largest accepted image side, to refuse absurd sizes before allocating the bitmap.
const MAX_SIDE: u32 = 16_384;
pub(crate) const FONT: &str = "sans-serif";

/// Registers the embedded font with plotters once per process.
pub(crate) fn ensure_font() -> std::result::Result<(), String> {
    static REGISTERED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let fail = |_| "the embedded DejaVu Sans font could not be loaded".to_owned();
            plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
                .map_err(fail)?;
            plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
                .map_err(fail)
        })
        .clone()
}

/// Tick label text: plain decimals in the usual range, scientific notation outside it.
pub(crate) fn tick(v: &f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_owned()
    } else if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        s.replace(".0e", "e")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_owned()
    }
}

/// Tick positions for a logarithmic axis: 1, 2 and 5 times each power of ten when the range
/// spans at most about three decades, the powers of ten alone beyond that.
fn log_ticks(low: f64, high: f64) -> Vec<f64> {
    let decades = (high / low).log10();
    let mantissas: &[f64] = if decades <= 3.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let mut ticks = Vec::new();
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    for e in first..=last {
        for m in mantissas {
            let v = m * 10f64.powi(e);
            if v >= low * (1.0 - 1e-12) && v <= high * (1.0 + 1e-12) {
                ticks.push(v);
            }
        }
    }
    if ticks.len() < 2 {
        // Less than a decade: fall back to the ends.
        ticks = vec![low, high];
    }
    ticks
}

/// Everything the drawing code needs, resolved from the histogram and the options.
struct Texts {
    title: String,
    x_label: String,
    y_label: String,
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
type DrawResult = std::result::Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

impl Histogram {
    /// Draws the histogram into a PNG file of `options.width × options.height` pixels: a step
    /// line for 1D histograms, a colour map (viridis, with a colour bar) for 2D ones. Bins in range
    /// only; flow bins are not drawn.
    ///
    /// Errors: image sizes below 200×150 or above 16384 pixels a side, a logarithmic axis that
    /// does not lie above zero, or a failure to draw or write the file.
    pub fn plot_png(&self, path: impl AsRef<Path>, options: &PlotOptions) -> Result<()> {
        let path = path.as_ref();
        let fail = |message: String| HistError::Plot {
            name: self.name.clone(),
            path: path.to_owned(),
            message,
        };
        if options.width < 200
            || options.height < 150
            || options.width > MAX_SIDE
            || options.height > MAX_SIDE
        {
            return Err(fail(format!(
                "image size {}×{} is outside 200×150 to {MAX_SIDE}×{MAX_SIDE} pixels",
                options.width, options.height
            )));
        }
        ensure_font().map_err(fail)?;
        let pick = |given: &str, fallback: &str| {
            if given.is_empty() {
                fallback.to_owned()
            } else {
                given.to_owned()
            }
        };
        let own_title = if self.title.is_empty() {
            &self.name
        } else {
            &self.title
        };
        let texts = Texts {
            title: pick(&options.title, own_title),
            x_label: pick(&options.x_label, self.x_axis().label()),
            y_label: pick(
                &options.y_label,
                self.y_axis().map_or("Entries", |a| a.label()),
            ),
        };
        let root = BitMapBackend::new(path, (options.width, options.height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(err(e)))?;
        let drawn = if self.dim() == 1 {
            self.draw_1d(&root, options, &texts)
        } else {
            self.draw_2d(&root, options, &texts)
        };
        drawn.map_err(&fail)?;
        root.present().map_err(|e| fail(err(e)))
    }

    fn draw_1d(&self, root: &Area<'_>, options: &PlotOptions, texts: &Texts) -> DrawResult {
        let edges = self.x_axis().edges();
        let values: Vec<f64> = self
            .values(false)
            .into_iter()
            .map(|v| if v.is_finite() { v } else { 0.0 })
            .collect();
        let (x0, x1) = (edges[0], edges[edges.len() - 1]);
        if options.log_x && x0 <= 0.0 {
            return Err(format!(
                "a logarithmic x axis needs the axis above zero, but it starts at {x0}"
            ));
        }
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let (y0, y1) = if options.log_y {
            let min_pos = values
                .iter()
                .copied()
                .filter(|&v| v > 0.0)
                .fold(f64::INFINITY, f64::min);
            if min_pos.is_finite() {
                (min_pos * 0.5, max * 2.0)
            } else {
                (0.5, 10.0)
            }
        } else {
            let low = min.min(0.0);
            let high = if max > low { max * 1.1 } else { low + 1.0 };
            (low, high)
        };
        // Step outline: up from the baseline, across every bin, back down at the end.
        let base = y0;
        let clamp = |v: f64| if options.log_y { v.max(base) } else { v };
        let mut points = Vec::with_capacity(2 * values.len() + 2);
        points.push((x0, base));
        for (i, &v) in values.iter().enumerate() {
            points.push((edges[i], clamp(v)));
            points.push((edges[i + 1], clamp(v)));
        }
        points.push((x1, base));
        let log_x = || (x0..x1).log_scale().with_key_points(log_ticks(x0, x1));
        let log_y = || (y0..y1).log_scale().with_key_points(log_ticks(y0, y1));
        match (options.log_x, options.log_y) {
            (false, false) => step_chart(root, x0..x1, y0..y1, &points, texts),
            (true, false) => step_chart(root, log_x(), y0..y1, &points, texts),
            (false, true) => step_chart(root, x0..x1, log_y(), &points, texts),
            (true, true) => step_chart(root, log_x(), log_y(), &points, texts),
        }
    }

    fn draw_2d(&self, root: &Area<'_>, options: &PlotOptions, texts: &Texts) -> DrawResult {
        let (Some(ax), Some(ay)) = (self.axes.first(), self.axes.get(1)) else {
            return Err("not a 2D histogram".to_owned());
        };
        let (xe, ye) = (ax.edges(), ay.edges());
        let values = self.values(false);
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let zmax = finite.clone().fold(0.0f64, f64::max);
        let zmin = finite.fold(0.0f64, f64::min);
        let span = if zmax > zmin { zmax - zmin } else { 1.0 };
        // Bins with content 0 stay white; the others get a viridis colour for their value.
        let mut cells = Vec::new();
        let ny = ye.len() - 1;
        for (k, &v) in values.iter().enumerate() {
            if v == 0.0 || !v.is_finite() {
                continue;
            }
            let (ix, iy) = (k / ny, k % ny);
            let colour = ViridisRGB.get_color(((v - zmin) / span).clamp(0.0, 1.0));
            cells.push(((xe[ix], ye[iy]), (xe[ix + 1], ye[iy + 1]), colour));
        }
        let (x0, x1) = (xe[0], xe[xe.len() - 1]);
        let (y0, y1) = (ye[0], ye[ye.len() - 1]);
        if options.log_x && x0 <= 0.0 {
            return Err(format!(
                "a logarithmic x axis needs the axis above zero, but it starts at {x0}"
            ));
        }
        if options.log_y && y0 <= 0.0 {
            return Err(format!(
                "a logarithmic y axis needs the axis above zero, but it starts at {y0}"
            ));
        }
        let bar_width = (root.dim_in_pixel().0 / 7).clamp(70, 140);
        let (plot_area, bar_area) = root.split_horizontally(root.dim_in_pixel().0 - bar_width);
        let log_x = || (x0..x1).log_scale().with_key_points(log_ticks(x0, x1));
        let log_y = || (y0..y1).log_scale().with_key_points(log_ticks(y0, y1));
        match (options.log_x, options.log_y) {
            (false, false) => map_chart(&plot_area, x0..x1, y0..y1, &cells, texts)?,
            (true, false) => map_chart(&plot_area, log_x(), y0..y1, &cells, texts)?,
            (false, true) => map_chart(&plot_area, x0..x1, log_y(), &cells, texts)?,
            (true, true) => map_chart(&plot_area, log_x(), log_y(), &cells, texts)?,
        }
        colour_bar(&bar_area, zmin, zmin + span)
    }
}

fn font_size(area: &Area<'_>, fraction: f64, min: f64) -> f64 {
    let (_, h) = area.dim_in_pixel();
    (f64::from(h) * fraction).max(min)
}

fn step_chart<X, Y>(root: &Area<'_>, x: X, y: Y, points: &[(f64, f64)], texts: &Texts) -> DrawResult
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let title_size = font_size(root, 0.045, 14.0);
    let label_size = font_size(root, 0.032, 11.0);
    let mut chart = ChartBuilder::on(root)
        .caption(&texts.title, (FONT, title_size).into_font())
        .margin(15)
        .x_label_area_size(label_size * 3.2)
        .y_label_area_size(label_size * 5.0)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(texts.x_label.as_str())
        .y_desc(texts.y_label.as_str())
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style((FONT, label_size))
        .axis_desc_style((FONT, label_size * 1.15))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            ShapeStyle::from(&BLUE).stroke_width(2),
        ))
        .map_err(err)?;
    Ok(())
}

type Cell = ((f64, f64), (f64, f64), RGBColor);

fn map_chart<X, Y>(root: &Area<'_>, x: X, y: Y, cells: &[Cell], texts: &Texts) -> DrawResult
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let title_size = font_size(root, 0.045, 14.0);
    let label_size = font_size(root, 0.032, 11.0);
    let mut chart = ChartBuilder::on(root)
        .caption(&texts.title, (FONT, title_size).into_font())
        .margin(15)
        .x_label_area_size(label_size * 3.2)
        .y_label_area_size(label_size * 5.0)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    chart
        .draw_series(
            cells
                .iter()
                .map(|&(a, b, colour)| Rectangle::new([a, b], colour.filled())),
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(texts.x_label.as_str())
        .y_desc(texts.y_label.as_str())
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style((FONT, label_size))
        .axis_desc_style((FONT, label_size * 1.15))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// The viridis scale from `zmin` (bottom) to `zmax` (top), with tick labels.
fn colour_bar(root: &Area<'_>, zmin: f64, zmax: f64) -> DrawResult {
    let label_size = font_size(root, 0.028, 10.0);
    let title_size = font_size(root, 0.045, 14.0);
    let mut chart = ChartBuilder::on(root)
        // Leave room matching the main plot's caption and x labels so the bar lines up with it.
        .margin_top(15 + (title_size * 1.3) as u32)
        .margin_bottom(15 + (label_size * 3.5) as u32)
        .margin_right(5)
        .margin_left(10)
        // Tick labels to the right of the bar, with room for five characters.
        .right_y_label_area_size(label_size * 4.0)
        .build_cartesian_2d(RangedCoordf64::from(0.0..1.0), zmin..zmax)
        .map_err(err)?;
    let steps = 200;
    chart
        .draw_series((0..steps).map(|i| {
            let a = zmin + (zmax - zmin) * f64::from(i) / f64::from(steps);
            let b = zmin + (zmax - zmin) * f64::from(i + 1) / f64::from(steps);
            let colour = ViridisRGB.get_color(f64::from(i) / f64::from(steps - 1));
            Rectangle::new([(0.0, a), (1.0, b)], colour.filled())
        }))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_label_formatter(&tick)
        .label_style((FONT, label_size))
        .draw()
        .map_err(err)?;
    Ok(())
}

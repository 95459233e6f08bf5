//! Plots of histograms in the look of mplhep's CMS/ATLAS styles: 1-D as steps, filled areas or
//! points with error bars, several overlaid with a legend; 2-D as a viridis colour map with a
//! labelled colour bar, linear or logarithmic. PNG, SVG or PDF by the file's extension (see
//! [`crate::figure`] for how they are drawn, the embedded font and the TeX subset of labels).

use std::path::Path;

use crate::error::{HistError, Result};
use crate::figure::axes::{AxisText, Frame, Scale};
use crate::figure::marks::{self, Bins, Entry, HistStyle};
use crate::figure::text::{self, Face};
use crate::figure::{viridis, Figure, Rgb, MAX_SIDE, PALETTE};
use crate::histogram::Histogram;

/// How to draw a histogram with [`Histogram::plot`] or [`plot_overlay`].
///
/// Empty strings fall back to the histogram's own metadata: the title to the histogram title
/// (or its name, shown as plain text), the x label to the x axis label, the y label to the y
/// axis label in 2D and to `Events / <bin width> <unit>` in 1D (the unit from a `[…]` at the
/// end of the x label). Titles and labels take a TeX subset: `p_{T}`, `#eta`, `$\eta$`, `E_{T}^{miss}`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    /// Text above the plot (inside it when there is an experiment label).
    pub title: String,
    /// Text under the x axis.
    pub x_label: String,
    /// Text beside the y axis.
    pub y_label: String,
    /// Text beside the colour bar of a 2-D plot (default: `Events`).
    pub z_label: String,
    /// Logarithmic x axis (the axis must lie above zero).
    pub log_x: bool,
    /// Logarithmic y axis: the bin contents in 1D (empty bins drop to the bottom of the plot),
    /// the y coordinate in 2D (the axis must lie above zero).
    pub log_y: bool,
    /// Logarithmic colour scale of a 2-D plot (bins at or below zero stay white).
    pub log_z: bool,
    /// How 1-D histograms are drawn.
    pub style: HistStyle,
    /// Normalise 1-D histograms to unit area (contents ÷ (total × bin width)).
    pub density: bool,
    /// Show the underflow and overflow bins of 1-D histograms as one extra bin at each end,
    /// beyond dashed lines at the axis limits.
    pub flow: bool,
    /// Experiment name drawn in bold above the plot (`CMS`, `ATLAS`); empty for none.
    pub experiment: String,
    /// Status after the experiment name, in italics (`Preliminary`, `Simulation`).
    pub status: String,
    /// Text at the top right, e.g. `59.7 fb^{-1} (13 TeV)`.
    pub lumi: String,
    /// Image width in pixels (at least 200); points for PDF.
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
            z_label: String::new(),
            log_x: false,
            log_y: false,
            log_z: false,
            style: HistStyle::Step,
            density: false,
            flow: false,
            experiment: String::new(),
            status: String::new(),
            lumi: String::new(),
            width: 800,
            height: 600,
        }
    }
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

/// Font size of tick labels for an image `height` pixels high.
pub(crate) fn font_size(height: f64) -> f64 {
    (height * 0.032).max(10.0)
}

fn check_size(options: &PlotOptions) -> std::result::Result<(), String> {
    if options.width < 200
        || options.height < 150
        || options.width > MAX_SIDE
        || options.height > MAX_SIDE
    {
        return Err(format!(
            "image size {}×{} is outside 200×150 to {MAX_SIDE}×{MAX_SIDE} pixels",
            options.width, options.height
        ));
    }
    Ok(())
}

/// The title as a laid-out label: markup when given, plain when it is the histogram's name.
fn title_label(options: &PlotOptions, h: &Histogram, size: f64) -> text::Label {
    if !options.title.is_empty() {
        text::layout(&options.title, size, Face::default())
    } else if !h.title.is_empty() {
        text::layout(&h.title, size, Face::default())
    } else {
        text::plain(&h.name, size, Face::default())
    }
}

fn or<'a>(given: &'a str, fallback: &'a str) -> &'a str {
    if given.is_empty() {
        fallback
    } else {
        given
    }
}

impl Histogram {
    /// Draws the histogram into `path` — PNG, SVG or PDF by its extension — at
    /// `options.width × options.height` pixels: steps, a filled area or points for 1D (see
    /// [`PlotOptions::style`]), a viridis colour map with a colour bar for 2D.
    ///
    /// Errors: image sizes below 200×150 or above 16384 pixels a side, an unknown extension, a
    /// logarithmic axis that does not lie above zero, or a failure to write the file. A failed
    /// plot leaves no file.
    pub fn plot(&self, path: impl AsRef<Path>, options: &PlotOptions) -> Result<()> {
        plot_overlay(path, &[("", self)], options)
    }
}

/// Draws several histograms into one plot with a legend (`(label, histogram)`, colours in
/// order of matplotlib's tab10). 1-D histograms only, unless there is exactly one. Axes are
/// those of the first histogram; the others must have the same number of dimensions.
pub fn plot_overlay(
    path: impl AsRef<Path>,
    histograms: &[(&str, &Histogram)],
    options: &PlotOptions,
) -> Result<()> {
    let path = path.as_ref();
    let name = histograms
        .first()
        .map(|(_, h)| h.name.clone())
        .unwrap_or_default();
    let fail = |message: String| HistError::Plot {
        name: name.clone(),
        path: path.to_owned(),
        message,
    };
    check_size(options).map_err(&fail)?;
    crate::figure::ImageFormat::of_path(path).map_err(&fail)?;
    let fig = match histograms {
        [] => return Err(fail("nothing to draw".into())),
        [(_, h)] if h.dim() == 2 => draw_2d(h, options),
        _ => {
            if histograms.iter().any(|(_, h)| h.dim() != 1) {
                return Err(fail("only 1-D histograms can be overlaid".into()));
            }
            draw_1d(histograms, options)
        }
    }
    .map_err(&fail)?;
    fig.save(path).map_err(fail)
}

/// Bins as drawn: flow bins as extra bins when asked, density-normalised when asked, and
/// non-finite contents as zero.
fn bins_of(h: &Histogram, options: &PlotOptions) -> Bins {
    let axis = h.x_axis();
    let mut edges = axis.edges().to_vec();
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let mut values: Vec<f64> = h.values(options.flow).into_iter().map(finite).collect();
    let mut errors: Vec<f64> = h
        .variances(options.flow)
        .into_iter()
        .map(|v| finite(v).max(0.0).sqrt())
        .collect();
    if options.flow {
        let n = edges.len() - 1;
        let (first, last) = (edges[1] - edges[0], edges[n] - edges[n - 1]);
        let below = if options.log_x {
            edges[0] * edges[0] / edges[1]
        } else {
            edges[0] - first
        };
        let above = if options.log_x {
            edges[n] * edges[n] / edges[n - 1]
        } else {
            edges[n] + last
        };
        edges.insert(0, below);
        edges.push(above);
    }
    if options.density {
        let total: f64 = values.iter().sum();
        if total != 0.0 {
            for i in 0..values.len() {
                let w = edges[i + 1] - edges[i];
                let k = total * w;
                values[i] /= k;
                errors[i] /= k;
            }
        }
    }
    Bins {
        edges,
        values,
        errors,
    }
}

/// The y range: zero (or the smallest value) to the largest value plus error, with room
/// above for the legend and labels; on a log scale from half the smallest positive value.
fn y_range(all: &[Bins], log: bool, headroom: f64) -> (f64, f64) {
    let mut max = f64::NEG_INFINITY;
    let mut min = f64::INFINITY;
    let mut min_pos = f64::INFINITY;
    for b in all {
        for (&v, &e) in b.values.iter().zip(&b.errors) {
            max = max.max(v + e);
            min = min.min(v - e).min(v);
            if v > 0.0 {
                min_pos = min_pos.min(v);
            }
        }
    }
    if log {
        if !min_pos.is_finite() {
            return (0.5, 10.0);
        }
        let lo = min_pos * 0.5;
        let hi = max.max(min_pos);
        let decades = (hi / lo).log10().max(1.0);
        (lo, hi * 10f64.powf(decades * (headroom - 1.0)))
    } else {
        let lo = min.min(0.0);
        let hi = if max > lo { max } else { lo + 1.0 };
        (lo, lo + (hi - lo) * headroom)
    }
}

/// The frame of a one-panel plot: room for the y labels at the left, the header on top.
fn single_frame(fig: &Figure, size: f64, right_room: f64, x: Scale, y: Scale) -> Frame {
    Frame {
        left: (0.13 * fig.width()).max(5.6 * size),
        top: 2.6 * size,
        right: fig.width() - right_room,
        bottom: fig.height() - 3.8 * size,
        x,
        y,
    }
    .fit_y_labels(size)
}

fn draw_1d(
    histograms: &[(&str, &Histogram)],
    options: &PlotOptions,
) -> std::result::Result<Figure, String> {
    let (_, first) = histograms[0];
    let axis = first.x_axis();
    for (label, h) in &histograms[1..] {
        if !h.x_axis().same_binning(axis) && h.x_axis().edges().len() < 2 {
            return Err(format!("'{label}' has no bins"));
        }
    }
    let all: Vec<Bins> = histograms
        .iter()
        .map(|(_, h)| bins_of(h, options))
        .collect();
    let edges = &all[0].edges;
    let (x0, x1) = (edges[0], edges[edges.len() - 1]);
    if options.log_x && axis.edges()[0] <= 0.0 {
        return Err(format!(
            "a logarithmic x axis needs the axis above zero, but it starts at {}",
            axis.edges()[0]
        ));
    }
    let legend = histograms.len() > 1 || histograms.iter().any(|(l, _)| !l.is_empty());
    let headroom = if legend || !options.experiment.is_empty() {
        1.3
    } else {
        1.08
    };
    let (y0, y1) = y_range(&all, options.log_y, headroom);
    let mut fig = Figure::new(options.width, options.height);
    let s = font_size(fig.height());
    let f = single_frame(
        &fig,
        s,
        0.04 * fig.width(),
        Scale::new(x0, x1, options.log_x),
        Scale::new(y0, y1, options.log_y),
    );
    let base = if options.log_y { y0 } else { 0.0 };
    let mut entries = Vec::new();
    for (k, ((label, _), b)) in histograms.iter().zip(&all).enumerate() {
        let colour = if histograms.len() == 1 && options.style == HistStyle::Points {
            Rgb::BLACK
        } else {
            PALETTE[k % PALETTE.len()]
        };
        match options.style {
            HistStyle::Step => marks::step(&mut fig, &f, b, colour, (s / 8.0).max(1.5), base),
            HistStyle::Filled => {
                let lower = vec![base; b.values.len()];
                marks::fill(&mut fig, &f, b, &lower, colour, 0.6);
                marks::step(&mut fig, &f, b, colour, (s / 12.0).max(1.0), base);
            }
            HistStyle::Points => marks::points(&mut fig, &f, b, colour, s),
        }
        entries.push(Entry {
            label,
            colour,
            style: options.style,
            band: false,
        });
    }
    if options.flow {
        let ax = axis.edges();
        let lines = [ax[0], ax[ax.len() - 1]].map(|x| {
            let px = f.px(x);
            [(px, f.top), (px, f.bottom)]
        });
        for l in lines {
            fig.line(&l, Rgb(120, 120, 120), 1.0, true);
        }
    }
    let x_label = or(&options.x_label, axis.label());
    let default_y = if options.density {
        "Density".to_owned()
    } else {
        marks::events_per_bin(&axis.edges(), axis.is_regular(), x_label)
    };
    let y_label = or(&options.y_label, &default_y);
    axes(&mut fig, &f, s, x_label, y_label);
    if legend {
        marks::legend(&mut fig, &f, &entries, s);
    }
    header(&mut fig, &f, s, options, first);
    Ok(fig)
}

/// The frame of a one-panel plot with its ticks, tick labels and titles.
fn axes(fig: &mut Figure, f: &Frame, s: f64, x_title: &str, y_title: &str) {
    f.draw(
        fig,
        &AxisText {
            size: s,
            x_title,
            y_title,
            x_labels: true,
            skip_top_label: false,
        },
    );
}

/// The line above the frame: the experiment label or the title, and the luminosity text.
fn header(fig: &mut Figure, f: &Frame, s: f64, options: &PlotOptions, h: &Histogram) {
    let title = title_label(options, h, 1.1 * s);
    marks::header(
        fig,
        f,
        s,
        &options.experiment,
        &options.status,
        &title,
        &options.lumi,
    );
}

fn draw_2d(h: &Histogram, options: &PlotOptions) -> std::result::Result<Figure, String> {
    let (Some(ax), Some(ay)) = (h.axes.first(), h.axes.get(1)) else {
        return Err("not a 2D histogram".to_owned());
    };
    let (xe, ye) = (ax.edges(), ay.edges());
    let values = h.values(false);
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
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let zmax = finite.iter().copied().fold(0.0f64, f64::max);
    let z = if options.log_z {
        let min_pos = finite
            .iter()
            .copied()
            .filter(|&v| v > 0.0)
            .fold(f64::INFINITY, f64::min);
        if min_pos.is_finite() {
            Scale::new(min_pos, zmax, true)
        } else {
            Scale::new(1.0, 10.0, true)
        }
    } else {
        let zmin = finite.iter().copied().fold(0.0f64, f64::min);
        Scale::new(zmin, zmax, false)
    };
    let mut fig = Figure::new(options.width, options.height);
    let s = font_size(fig.height());
    let bar_room = 7.5 * s;
    let f = single_frame(
        &fig,
        s,
        bar_room,
        Scale::new(x0, x1, options.log_x),
        Scale::new(y0, y1, options.log_y),
    );
    // Cells grouped by colour (256 levels), each group one path; zero bins stay white. More bins
    // than the frame has pixels: one cell per pixel, the largest level of the bins centred in it
    // (the drawing stays bounded by the image, whatever the binning).
    let mut groups: std::collections::BTreeMap<u16, Vec<(f64, f64, f64, f64)>> =
        std::collections::BTreeMap::new();
    let ny = ye.len() - 1;
    let dense = values.len() as f64 > f.width() * (f.bottom - f.top);
    let mut pixels: std::collections::HashMap<(i64, i64), u16> = std::collections::HashMap::new();
    for (k, &v) in values.iter().enumerate() {
        if v == 0.0 || !v.is_finite() || (options.log_z && v <= 0.0) {
            continue;
        }
        let (ix, iy) = (k / ny, k % ny);
        let level = (z.frac(v).clamp(0.0, 1.0) * 255.0).round() as u16;
        let (px0, px1) = (f.px(xe[ix]), f.px(xe[ix + 1]));
        let (py0, py1) = (f.py(ye[iy + 1]), f.py(ye[iy]));
        if dense {
            let at = (((px0 + px1) / 2.0) as i64, ((py0 + py1) / 2.0) as i64);
            let l = pixels.entry(at).or_insert(level);
            *l = (*l).max(level);
        } else {
            groups
                .entry(level)
                .or_default()
                .push((px0, py0, px1 - px0, py1 - py0));
        }
    }
    for ((x, y), level) in pixels {
        groups
            .entry(level)
            .or_default()
            .push((x as f64, y as f64, 1.0, 1.0));
    }
    for (level, cells) in &groups {
        fig.cells(cells, viridis(f64::from(*level) / 255.0), 1.0);
    }
    let x_label = or(&options.x_label, ax.label());
    let y_label = or(&options.y_label, ay.label());
    axes(&mut fig, &f, s, x_label, y_label);
    // The colour bar, its ticks on the right and its label beyond them.
    let bar = Frame {
        left: f.right + 1.0 * s,
        right: f.right + 2.0 * s,
        top: f.top,
        bottom: f.bottom,
        x: Scale::new(0.0, 1.0, false),
        y: z,
    };
    let steps = 128;
    for i in 0..steps {
        let (a, b) = (f64::from(i) / 128.0, f64::from(i + 1) / 128.0);
        let (ya, yb) = (
            bar.bottom - a * (bar.bottom - bar.top),
            bar.bottom - b * (bar.bottom - bar.top),
        );
        fig.cells(
            &[(bar.left, yb, bar.right - bar.left, ya - yb)],
            viridis((a + b) / 2.0),
            1.0,
        );
    }
    colour_bar_axis(&mut fig, &bar, s, or(&options.z_label, "Events"));
    header(&mut fig, &f, s, options, h);
    Ok(fig)
}

/// Ticks and labels at the right of a colour bar, and its title beyond them.
fn colour_bar_axis(fig: &mut Figure, bar: &Frame, s: f64, title: &str) {
    use crate::figure::{Align, VAlign};
    let mut segs = Vec::new();
    let mut widest: f64 = 0.0;
    for t in bar.y.ticks(6) {
        let y = bar.py(t.value);
        let len = if t.major { 0.45 * s } else { 0.25 * s };
        segs.push(((bar.right, y), (bar.right - len, y)));
        if t.major && !t.label.is_empty() {
            let l = text::layout(&t.label, 0.9 * s, Face::default());
            widest = widest.max(l.width);
            fig.label(
                &l,
                bar.right + 0.35 * s,
                y,
                Align::Start,
                VAlign::Centre,
                false,
                Rgb::BLACK,
            );
        }
    }
    fig.segments(&segs, Rgb::BLACK, 1.0);
    bar.outline(fig, 1.0);
    let l = text::layout(title, 1.1 * s, Face::default());
    // Rotated to read upwards, at the top end as the y title: its baseline is a line
    // right of the tick labels, so the glyphs rise towards the labels' side.
    fig.label(
        &l,
        bar.right + widest + 1.6 * s,
        bar.top,
        Align::End,
        VAlign::Baseline,
        true,
        Rgb::BLACK,
    );
}

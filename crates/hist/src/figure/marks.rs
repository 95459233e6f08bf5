//! What is drawn inside a frame — histograms as steps, filled areas or points with error
//! bars, uncertainty bands — and around it: the legend and the experiment label.

use super::axes::Frame;
use super::text::{self, Face};
use super::{Align, Figure, Rgb, VAlign};

/// How a 1-D histogram is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistStyle {
    /// The outline of the bins (mplhep's `histtype="step"`).
    #[default]
    Step,
    /// The bins filled, with their outline (`histtype="fill"`).
    Filled,
    /// A marker at each bin centre with a vertical error bar (`histtype="errorbar"`, data).
    Points,
}

impl HistStyle {
    /// The style named `step`, `fill`/`filled` or `points`/`errorbar`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "step" => Some(Self::Step),
            "fill" | "filled" => Some(Self::Filled),
            "points" | "errorbar" => Some(Self::Points),
            _ => None,
        }
    }
}

/// Bin edges with the values and errors to draw over them (flow bins already placed).
pub(crate) struct Bins {
    pub edges: Vec<f64>,
    pub values: Vec<f64>,
    pub errors: Vec<f64>,
}

/// The step outline of `bins` from `base` (in data units) up and back, in pixels; when bins
/// are narrower than a pixel, the outline is replaced by each pixel column's range of values
/// (drawn as vertical strokes), so a 30 000-bin histogram shows no aliasing pattern.
pub(crate) fn step(fig: &mut Figure, f: &Frame, b: &Bins, colour: Rgb, width: f64, base: f64) {
    let n = b.values.len();
    if n == 0 {
        return;
    }
    let columns = f.width().max(1.0);
    if n as f64 > columns {
        envelope(fig, f, b, colour);
        return;
    }
    let mut pts = Vec::with_capacity(2 * n + 2);
    pts.push((f.px(b.edges[0]), f.py(base)));
    for i in 0..n {
        let y = f.py(b.values[i]);
        pts.push((f.px(b.edges[i]), y));
        pts.push((f.px(b.edges[i + 1]), y));
    }
    pts.push((f.px(b.edges[n]), f.py(base)));
    fig.line(&pts, colour, width, false);
}

/// Per pixel column, a stroke from the smallest to the largest value of the bins in it.
fn envelope(fig: &mut Figure, f: &Frame, b: &Bins, colour: Rgb) {
    // (x, top, bottom, first value) in pixels per column.
    let mut cols: Vec<(f64, f64, f64, f64)> = Vec::new();
    for i in 0..b.values.len() {
        let x = ((f.px(b.edges[i]) + f.px(b.edges[i + 1])) / 2.0).floor() + 0.5;
        let y = f.py(b.values[i]);
        match cols.last_mut() {
            Some(c) if c.0 == x => {
                c.1 = c.1.min(y);
                c.2 = c.2.max(y);
            }
            _ => cols.push((x, y, y, y)),
        }
    }
    // Each column reaches the next column's first value, so that the line stays continuous.
    let mut segs = Vec::with_capacity(cols.len());
    for k in 0..cols.len() {
        let (x, mut top, mut bottom, _) = cols[k];
        if let Some(&(_, _, _, next)) = cols.get(k + 1) {
            top = top.min(next);
            bottom = bottom.max(next);
        }
        segs.push(((x, top - 0.5), (x, bottom + 0.5)));
    }
    fig.segments(&segs, colour, 1.0);
}

/// The bins filled from `lower` (per bin, data units) up to their value.
pub(crate) fn fill(fig: &mut Figure, f: &Frame, b: &Bins, lower: &[f64], colour: Rgb, alpha: f64) {
    let n = b.values.len();
    let mut cells = Vec::with_capacity(n);
    for (i, &lo) in lower.iter().enumerate().take(n) {
        let hi = b.values[i];
        if hi <= lo {
            continue;
        }
        let (x0, x1) = (f.px(b.edges[i]), f.px(b.edges[i + 1]));
        let (y0, y1) = (f.py(hi), f.py(lo));
        cells.push((x0, y0, x1 - x0, y1 - y0));
    }
    fig.cells(&cells, colour, alpha);
}

/// A band from `centre − err` to `centre + err` per bin.
pub(crate) fn band(fig: &mut Figure, f: &Frame, edges: &[f64], centre: &[f64], err: &[f64]) {
    let mut cells = Vec::new();
    for i in 0..centre.len() {
        if err[i] <= 0.0 || !err[i].is_finite() || !centre[i].is_finite() {
            continue;
        }
        let (x0, x1) = (f.px(edges[i]), f.px(edges[i + 1]));
        let (y0, y1) = (f.py(centre[i] + err[i]), f.py(centre[i] - err[i]));
        cells.push((x0, y0, x1 - x0, y1 - y0));
    }
    fig.cells(&cells, BAND, 0.55);
}

/// Colour of uncertainty bands.
pub(crate) const BAND: Rgb = Rgb(150, 150, 150);

/// Markers at the bin centres with vertical error bars; bins with no value and no error
/// (empty) are left out, as mplhep does for data.
pub(crate) fn points(fig: &mut Figure, f: &Frame, b: &Bins, colour: Rgb, size: f64) {
    let mut marks = Vec::new();
    let mut bars = Vec::new();
    for i in 0..b.values.len() {
        let (v, e) = (b.values[i], b.errors[i]);
        if v == 0.0 && e == 0.0 || !v.is_finite() {
            continue;
        }
        let centre = (b.edges[i] + b.edges[i + 1]) / 2.0;
        let x = (f.px(b.edges[i]) + f.px(b.edges[i + 1])) / 2.0;
        if f.contains(centre, v) {
            marks.push((x, f.py(v)));
        }
        if e > 0.0 {
            bars.push(((x, f.py(v - e)), (x, f.py(v + e))));
        }
    }
    fig.segments(&bars, colour, (size / 12.0).max(1.2));
    fig.markers(&marks, (size / 4.5).max(2.0), colour);
}

/// A legend entry: its label and how its swatch is drawn.
pub(crate) struct Entry<'a> {
    pub label: &'a str,
    pub colour: Rgb,
    pub style: HistStyle,
    /// A grey band swatch (uncertainty) instead of the style.
    pub band: bool,
}

/// The legend in the top-right corner inside the frame.
pub(crate) fn legend(fig: &mut Figure, f: &Frame, entries: &[Entry<'_>], size: f64) {
    if entries.is_empty() {
        return;
    }
    let s = 0.9 * size;
    let labels: Vec<_> = entries
        .iter()
        .map(|e| text::layout(e.label, s, Face::default()))
        .collect();
    let widest = labels.iter().map(|l| l.width).fold(0.0, f64::max);
    let swatch = 1.6 * s;
    let right = f.right - 0.8 * s;
    let x_text = right - widest;
    let x_sw = x_text - 0.5 * s - swatch;
    for (k, (e, l)) in entries.iter().zip(&labels).enumerate() {
        let y = f.top + 1.0 * s + k as f64 * 1.45 * s;
        let (top, h) = (y - 0.35 * s, 0.75 * s);
        if e.band {
            fig.rect(x_sw, top, swatch, h, BAND, 0.55);
        } else {
            match e.style {
                HistStyle::Filled => {
                    fig.rect(x_sw, top, swatch, h, e.colour, 1.0);
                }
                HistStyle::Step => fig.line(
                    &[(x_sw, y), (x_sw + swatch, y)],
                    e.colour,
                    (s / 9.0).max(1.5),
                    false,
                ),
                HistStyle::Points => {
                    let c = x_sw + swatch / 2.0;
                    fig.segments(
                        &[((c, top - 0.1 * s), (c, top + h + 0.1 * s))],
                        e.colour,
                        1.5,
                    );
                    fig.markers(&[(c, y)], (size / 4.5).max(2.0), e.colour);
                }
            }
        }
        fig.label(
            l,
            x_text,
            y,
            Align::Start,
            VAlign::Centre,
            false,
            Rgb::BLACK,
        );
    }
}

/// The line above the frame: the experiment in bold with its status in italics (`CMS
/// Preliminary`), or else the title, at the left; the luminosity text at the right.
pub(crate) fn header(
    fig: &mut Figure,
    f: &Frame,
    size: f64,
    experiment: &str,
    status: &str,
    title: &text::Label,
    lumi: &str,
) {
    let y = f.top - 0.45 * size;
    if !experiment.is_empty() {
        let big = 1.3 * size;
        let exp = text::layout(
            experiment,
            big,
            Face {
                bold: true,
                italic: false,
            },
        );
        fig.label(
            &exp,
            f.left,
            y,
            Align::Start,
            VAlign::Baseline,
            false,
            Rgb::BLACK,
        );
        if !status.is_empty() {
            let st = text::layout(
                status,
                1.1 * size,
                Face {
                    bold: false,
                    italic: true,
                },
            );
            fig.label(
                &st,
                f.left + exp.width + 0.35 * size,
                y,
                Align::Start,
                VAlign::Baseline,
                false,
                Rgb::BLACK,
            );
        }
        // The title goes inside the frame, under the experiment label.
        fig.label(
            title,
            f.left + 0.8 * size,
            f.top + 0.9 * size,
            Align::Start,
            VAlign::Top,
            false,
            Rgb::BLACK,
        );
    } else {
        fig.label(
            title,
            f.left,
            y,
            Align::Start,
            VAlign::Baseline,
            false,
            Rgb::BLACK,
        );
    }
    if !lumi.is_empty() {
        let l = text::layout(lumi, 1.05 * size, Face::default());
        fig.label(
            &l,
            f.right,
            y,
            Align::End,
            VAlign::Baseline,
            false,
            Rgb::BLACK,
        );
    }
}

/// `Events / 2 GeV` for equal bins of an axis labelled `… [GeV]`, `Events / bin` otherwise.
pub(crate) fn events_per_bin(edges: &[f64], regular: bool, x_label: &str) -> String {
    let n = edges.len().saturating_sub(1);
    if !regular || n == 0 {
        return "Events / bin".to_owned();
    }
    let w = (edges[n] - edges[0]) / n as f64;
    let unit = unit_of(x_label)
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    format!("Events / {}{unit}", crate::plot::tick(&w))
}

/// The unit of an axis label written `quantity [unit]`: the last bracket opened after a space.
/// An expression used as the label (`Jet.pt[abs(Jet.eta) < 1]`, the default) has its brackets
/// right after a name: an index or a mask, not a unit.
fn unit_of(label: &str) -> Option<&str> {
    let open = label
        .match_indices(" [")
        .chain(label.match_indices("\t["))
        .map(|(i, _)| i + 1)
        .max()?;
    let rest = &label[open + 1..];
    let unit = rest[..rest.find(']')?].trim();
    (!unit.is_empty()).then_some(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn y_label_with_unit() {
        let e: Vec<f64> = (0..=100).map(|i| f64::from(i) * 2.0).collect();
        assert_eq!(events_per_bin(&e, true, "MET [GeV]"), "Events / 2 GeV");
        assert_eq!(events_per_bin(&e, true, "#eta"), "Events / 2");
        assert_eq!(
            events_per_bin(&[0.0, 0.45, 0.9], true, "x"),
            "Events / 0.45"
        );
        assert_eq!(events_per_bin(&e, false, "MET [GeV]"), "Events / bin");
    }

    /// The default label is the filled expression: its index or mask brackets are no unit.
    #[test]
    fn an_expression_s_brackets_are_no_unit() {
        let e: Vec<f64> = (0..=10).map(|i| f64::from(i) * 10.0).collect();
        for label in [
            "Jet.pt[Jet.eta > 1.0f]",
            "Jet.pt[abs(Jet.eta) < 1]",
            "Muon[0].pt",
            "x []",
            "[GeV]",
        ] {
            assert_eq!(events_per_bin(&e, true, label), "Events / 10", "{label}");
        }
        assert_eq!(
            events_per_bin(&e, true, "m_{#mu#mu} [GeV] "),
            "Events / 10 GeV"
        );
        assert_eq!(events_per_bin(&e, true, "p_{T} [ GeV ]"), "Events / 10 GeV");
        assert_eq!(
            events_per_bin(&e, true, "p_{T} [GeV] (leading jet)"),
            "Events / 10 GeV"
        );
    }
}

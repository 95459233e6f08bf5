//! Axes in the style of mplhep's CMS/ATLAS styles: a closed frame with major and minor ticks
//! pointing inwards on all four sides, tick labels at "nice" values (1, 2, 2.5, 5 × 10ⁿ; powers
//! of ten on logarithmic axes, written 10ⁿ), the x title at the right end under the axis and
//! the y title at the top end beside it.

use super::text::{self, Face};
use super::{Align, Figure, Rgb, VAlign};

/// A linear or logarithmic mapping of `lo..hi` onto `0..1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

/// One tick: its value, whether it is major, and its label (majors only; may be empty).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tick {
    pub value: f64,
    pub major: bool,
    pub label: String,
}

impl Scale {
    /// A scale over `lo..hi`; an empty or inverted range is widened so that it maps.
    pub(crate) fn new(lo: f64, hi: f64, log: bool) -> Self {
        let (mut lo, mut hi) = (lo, hi);
        if !lo.is_finite() || !hi.is_finite() {
            (lo, hi) = if log { (1.0, 10.0) } else { (0.0, 1.0) };
        }
        if log {
            lo = lo.max(f64::MIN_POSITIVE);
            if hi <= lo * (1.0 + 1e-9) {
                hi = lo * 10.0;
            }
        } else if hi <= lo {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo, hi) = (lo - pad, hi + pad);
        }
        Self { lo, hi, log }
    }

    /// Where `v` lies, 0 at `lo` and 1 at `hi` (outside for values outside; non-positive
    /// values on a log scale far below).
    pub(crate) fn frac(&self, v: f64) -> f64 {
        let f = if self.log {
            if v <= 0.0 {
                return -10.0;
            }
            (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        // Keep far-away points finite and within what a renderer handles.
        if f.is_nan() {
            -10.0
        } else {
            f.clamp(-10.0, 11.0)
        }
    }

    /// Ticks for an axis about `target` major ticks long.
    pub(crate) fn ticks(&self, target: usize) -> Vec<Tick> {
        if self.log {
            self.log_ticks()
        } else {
            linear_ticks(self.lo, self.hi, target.max(2))
        }
    }

    fn log_ticks(&self) -> Vec<Tick> {
        let (lo, hi) = (self.lo, self.hi);
        let eps = 1e-9;
        let first = lo.log10().floor() as i32;
        let last = hi.log10().ceil() as i32;
        let within = |v: f64| v >= lo * (1.0 - eps) && v <= hi * (1.0 + eps);
        let powers: Vec<i32> = (first..=last).filter(|&e| within(10f64.powi(e))).collect();
        let mut ticks = Vec::new();
        if powers.len() >= 2 {
            let every = (powers.len() as i32 / 8 + 1).max(1);
            for e in first..=last {
                let v = 10f64.powi(e);
                if within(v) {
                    let major = e.rem_euclid(every) == 0;
                    ticks.push(Tick {
                        value: v,
                        major,
                        label: if major {
                            format!("10^{{{e}}}")
                        } else {
                            String::new()
                        },
                    });
                }
                if every == 1 && powers.len() <= 9 {
                    for m in 2..10 {
                        let v = f64::from(m) * 10f64.powi(e);
                        if within(v) {
                            ticks.push(Tick {
                                value: v,
                                major: false,
                                label: String::new(),
                            });
                        }
                    }
                }
            }
        } else {
            // Less than about a decade: 1, 2, 5 × 10ⁿ labelled as decimals, the rest minor.
            for e in first..=last {
                for m in 1..10 {
                    let v = f64::from(m) * 10f64.powi(e);
                    if within(v) {
                        let major = matches!(m, 1 | 2 | 5);
                        ticks.push(Tick {
                            value: v,
                            major,
                            label: if major { decimal(v, v) } else { String::new() },
                        });
                    }
                }
            }
            if ticks.iter().filter(|t| t.major).count() < 2 {
                return linear_ticks(lo, hi, 4);
            }
        }
        ticks
    }
}

/// Major ticks at 1, 2, 2.5 or 5 × 10ⁿ steps, about `target` of them, with minor ticks between.
fn linear_ticks(lo: f64, hi: f64, target: usize) -> Vec<Tick> {
    let raw = (hi - lo) / target as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let mantissa = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| m * mag >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0);
    let step = mantissa * mag;
    let minor_div = if mantissa == 2.0 || mantissa == 2.5 {
        4.0
    } else {
        5.0
    };
    let minor = step / minor_div;
    let big = lo.abs().max(hi.abs());
    let scientific = !(1e-3..1e5).contains(&big);
    let mut ticks = Vec::new();
    let start = (lo / minor).ceil() as i64;
    let end = (hi / minor).floor() as i64;
    if end - start > 10_000 {
        return ticks;
    }
    for k in start..=end {
        let v = k as f64 * minor;
        let major = k.rem_euclid(minor_div as i64) == 0;
        let label = if !major {
            String::new()
        } else if scientific {
            sci(v, step)
        } else {
            decimal(v, step)
        };
        ticks.push(Tick {
            value: v,
            major,
            label,
        });
    }
    ticks
}

/// `v` with as many decimals as the step needs.
fn decimal(v: f64, step: f64) -> String {
    let exponent = step.log10().floor();
    // 2.5, 0.25, …: one more digit than the power of ten needs.
    let m = step / 10f64.powf(exponent);
    let extra = if (m - 2.5).abs() < 1e-6 { 1.0 } else { 0.0 };
    let decimals = (extra - exponent).max(0.0) as usize;
    let s = format!("{:.*}", decimals.min(12), v);
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_owned()
    } else {
        // A minus sign, not a hyphen, as typeset axes show.
        s.replacen('-', "−", 1)
    }
}

/// `v` as `m×10^{e}` markup.
fn sci(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let e = v.abs().log10().floor() as i32;
    let m = v / 10f64.powi(e);
    let digits = ((e as f64 - step.log10().floor()).max(0.0) as usize).min(6);
    let ms = format!("{m:.digits$}");
    let ms = ms.replacen('-', "−", 1);
    format!("{ms}×10^{{{e}}}")
}

/// A plot frame: its pixel rectangle and the scales of its axes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub x: Scale,
    pub y: Scale,
}

/// Text sizes and titles of a frame's axes.
pub(crate) struct AxisText<'a> {
    /// Font size of tick labels in pixels; titles are 1.15 times larger.
    pub size: f64,
    pub x_title: &'a str,
    pub y_title: &'a str,
    /// Draw tick labels and the title under the x axis (not for a panel above another).
    pub x_labels: bool,
    /// Leave out a y tick label at the very top of the frame (a panel under another, whose
    /// bottom label would touch it).
    pub skip_top_label: bool,
}

impl Frame {
    /// The frame with its left edge moved right where the y tick labels and the y title would
    /// not fit on the canvas (long labels such as `2.5×10⁵` pushed the title off the left
    /// edge), at most to the middle of the frame.
    pub(crate) fn fit_y_labels(mut self, size: f64) -> Frame {
        let need = self.widest_y_label(size) + 0.9 * size + 1.45 * size;
        if need > self.left {
            self.left = need.min(0.5 * (self.left + self.right));
        }
        self
    }

    /// The y tick marks [`draw`](Self::draw) puts on this frame for font size `s`.
    fn y_ticks(&self, s: f64) -> Vec<Tick> {
        let height = self.bottom - self.top;
        self.y.ticks(((height / (3.5 * s)) as usize).clamp(2, 10))
    }

    /// The width of the widest y tick label.
    fn widest_y_label(&self, s: f64) -> f64 {
        self.y_ticks(s)
            .iter()
            .filter(|t| t.major && !t.label.is_empty())
            .map(|t| text::layout(&t.label, s, Face::default()).width)
            .fold(0.0, f64::max)
    }

    /// The pixel column of `x`, held to the frame: shapes drawn inside a frame are cut at its
    /// edges by their coordinates, not by a clip path (which costs resvg a layer the size of
    /// the image). Axis-aligned steps, bars and bands look exactly as clipped.
    pub(crate) fn px(&self, x: f64) -> f64 {
        (self.left + self.x.frac(x) * (self.right - self.left)).clamp(self.left, self.right)
    }

    /// The pixel row of `y`, held to the frame (see [`Frame::px`]).
    pub(crate) fn py(&self, y: f64) -> f64 {
        (self.bottom - self.y.frac(y) * (self.bottom - self.top)).clamp(self.top, self.bottom)
    }

    /// Whether `(x, y)` lies inside the frame (a marker outside it is not drawn).
    pub(crate) fn contains(&self, x: f64, y: f64) -> bool {
        let fx = self.x.frac(x);
        let fy = self.y.frac(y);
        (0.0..=1.0).contains(&fx) && (0.0..=1.0).contains(&fy)
    }

    pub(crate) fn width(&self) -> f64 {
        self.right - self.left
    }

    /// The frame's box.
    pub(crate) fn outline(&self, fig: &mut Figure, width: f64) {
        fig.line(
            &[
                (self.left, self.top),
                (self.right, self.top),
                (self.right, self.bottom),
                (self.left, self.bottom),
                (self.left, self.top),
            ],
            Rgb::BLACK,
            width,
            false,
        );
    }

    /// The frame, its ticks, tick labels and titles.
    pub(crate) fn draw(&self, fig: &mut Figure, t: &AxisText<'_>) {
        let s = t.size;
        let major = 0.55 * s;
        let minor = 0.3 * s;
        let lw = (s / 14.0).max(1.0);
        let mut segs = Vec::new();
        let xticks = self
            .x
            .ticks(((self.width() / (6.0 * s)) as usize).clamp(2, 10));
        for tk in &xticks {
            let x = self.px(tk.value);
            let len = if tk.major { major } else { minor };
            segs.push(((x, self.bottom), (x, self.bottom - len)));
            segs.push(((x, self.top), (x, self.top + len)));
            if t.x_labels && tk.major && !tk.label.is_empty() {
                let l = text::layout(&tk.label, s, Face::default());
                fig.label(
                    &l,
                    x,
                    self.bottom + 0.45 * s,
                    Align::Middle,
                    VAlign::Top,
                    false,
                    Rgb::BLACK,
                );
            }
        }
        let yticks = self.y_ticks(s);
        let mut widest: f64 = 0.0;
        for tk in &yticks {
            let y = self.py(tk.value);
            let len = if tk.major { major } else { minor };
            segs.push(((self.left, y), (self.left + len, y)));
            segs.push(((self.right, y), (self.right - len, y)));
            let at_top = (y - self.top).abs() < 0.5 * s;
            if tk.major && !tk.label.is_empty() && !(t.skip_top_label && at_top) {
                let l = text::layout(&tk.label, s, Face::default());
                widest = widest.max(l.width);
                fig.label(
                    &l,
                    self.left - 0.4 * s,
                    y,
                    Align::End,
                    VAlign::Centre,
                    false,
                    Rgb::BLACK,
                );
            }
        }
        fig.segments(&segs, Rgb::BLACK, lw);
        self.outline(fig, lw * 1.2);
        let title = 1.15 * s;
        if t.x_labels && !t.x_title.is_empty() {
            let l = text::layout(t.x_title, title, Face::default());
            fig.label(
                &l,
                self.right,
                self.bottom + 1.75 * s,
                Align::End,
                VAlign::Top,
                false,
                Rgb::BLACK,
            );
        }
        if !t.y_title.is_empty() {
            let l = text::layout(t.y_title, title, Face::default());
            fig.label(
                &l,
                self.left - widest - 0.9 * s,
                self.top,
                Align::End,
                VAlign::Baseline,
                true,
                Rgb::BLACK,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_y_labels_move_the_frame_so_that_the_y_title_stays_on_the_canvas() {
        // An 800 × 600 plot (font size 3.2 % of the height) as `hepframe run` draws them.
        let s = 0.032 * 600.0;
        // Where the y title's glyphs end on the left: the title is 1.15 s high.
        let title_left = |f: &Frame| f.left - f.widest_y_label(s) - 0.9 * s - 1.15 * s;
        let f = Frame {
            left: (0.13 * 800.0f64).max(5.6 * s),
            top: 2.6 * s,
            right: 770.0,
            bottom: 600.0 - 3.8 * s,
            x: Scale::new(0.0, 200.0, false),
            y: Scale::new(0.0, 3.0e5, false),
        };
        assert!(title_left(&f) < 0.0, "{}", title_left(&f));
        let g = f.fit_y_labels(s);
        assert!(title_left(&g) >= 0.0, "{}", title_left(&g));
        // Short labels leave the frame as it was.
        let short = Frame {
            y: Scale::new(0.0, 10.0, false),
            ..f
        };
        assert_eq!(short.fit_y_labels(s).left, f.left);
    }

    fn majors(s: Scale, n: usize) -> Vec<String> {
        s.ticks(n)
            .into_iter()
            .filter(|t| t.major)
            .map(|t| t.label)
            .collect()
    }

    #[test]
    fn nice_linear_ticks() {
        assert_eq!(
            majors(Scale::new(0.0, 200.0, false), 5),
            ["0", "50", "100", "150", "200"]
        );
        assert_eq!(
            majors(Scale::new(15.0, 60.0, false), 5),
            ["20", "30", "40", "50", "60"]
        );
        assert_eq!(
            majors(Scale::new(-1.0, 1.0, false), 4),
            ["−1.0", "−0.5", "0.0", "0.5", "1.0"]
        );
        assert_eq!(
            majors(Scale::new(0.0, 1.0, false), 4),
            ["0.00", "0.25", "0.50", "0.75", "1.00"]
        );
        assert_eq!(
            majors(Scale::new(0.0, 100.0, false), 4),
            ["0", "25", "50", "75", "100"]
        );
        assert_eq!(
            majors(Scale::new(0.0, 10.0, false), 4),
            ["0.0", "2.5", "5.0", "7.5", "10.0"]
        );
        assert_eq!(
            majors(Scale::new(0.0, 3e5, false), 3),
            ["0", "1×10^{5}", "2×10^{5}", "3×10^{5}"]
        );
    }

    #[test]
    fn log_ticks_are_powers_of_ten() {
        assert_eq!(
            majors(Scale::new(0.5, 2000.0, true), 5),
            ["10^{0}", "10^{1}", "10^{2}", "10^{3}"]
        );
        let minor = Scale::new(1.0, 100.0, true)
            .ticks(5)
            .into_iter()
            .filter(|t| !t.major)
            .count();
        assert_eq!(minor, 16);
        assert_eq!(majors(Scale::new(2.0, 9.0, true), 5), ["2", "5"]);
    }

    #[test]
    fn degenerate_ranges_still_map() {
        for s in [
            Scale::new(5.0, 5.0, false),
            Scale::new(f64::NAN, 1.0, false),
            Scale::new(0.0, 0.0, true),
            Scale::new(-3.0, 1e300, true),
        ] {
            assert!(s.hi > s.lo);
            assert!(s.frac(s.lo).is_finite() && s.frac(s.hi).is_finite());
            let _ = s.ticks(5);
        }
        assert!(Scale::new(0.0, 1e-300, false).ticks(5).len() < 100);
    }
}

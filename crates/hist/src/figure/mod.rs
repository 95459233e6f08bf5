//! Drawing plots: every plot is built as one SVG document in pixel units, then written as PNG
//! (rendered by `resvg`), SVG (the same document with its text turned into outlines, so it
//! looks the same in every viewer) or PDF (`svg2pdf`, vector, the font subset embedded; the
//! order of its resource dictionaries may differ between runs, the drawing does not). The
//! format follows the file's extension.
//!
//! Text is DejaVu Sans, embedded in the binary (the `dejavu` crate): no fontconfig, freetype
//! or system fonts are read, so a plot renders the same on every machine. Labels take a small
//! TeX subset (see [`text`]).
//!
//! A plot is written to a temporary file beside its destination and renamed over it once
//! complete, so a failed plot leaves no file and a reader never sees half an image.

pub(crate) mod axes;
pub(crate) mod marks;
pub mod text;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use resvg::tiny_skia;
use resvg::usvg;

/// Largest accepted image side in pixels, to refuse absurd sizes before allocating.
pub(crate) const MAX_SIDE: u32 = 16_384;
/// The font family of every label.
const FAMILY: &str = "DejaVu Sans";

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Black.
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// White.
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The colours of successive histograms and samples: matplotlib's tab10, as mplhep's styles
/// use by default.
pub const PALETTE: [Rgb; 10] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(127, 127, 127),
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
];

/// Image formats a plot can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// A bitmap of the requested pixel size.
    Png,
    /// Scalable vector graphics, text as outlines.
    Svg,
    /// A one-page vector PDF, 1 pixel = 1 point.
    Pdf,
}

impl ImageFormat {
    /// The format named by a file extension (`png`, `svg`, `pdf`, any case).
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "svg" => Some(Self::Svg),
            "pdf" => Some(Self::Pdf),
            _ => None,
        }
    }

    /// The file extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
            Self::Pdf => "pdf",
        }
    }

    /// The format of `path`, from its extension.
    pub fn of_path(path: &Path) -> std::result::Result<Self, String> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        Self::from_extension(ext).ok_or_else(|| {
            format!("unknown image format '{ext}': the file name must end in .png, .svg or .pdf")
        })
    }
}

/// Where a label sits relative to its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Start,
    Middle,
    End,
}

/// Vertical placement of a label relative to its anchor: the anchor is at the label's top,
/// its middle (half the cap height above the baseline), or its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VAlign {
    Top,
    Centre,
    Baseline,
}

/// A straight line from one point to another, in pixels.
pub(crate) type Segment = ((f64, f64), (f64, f64));

/// A plot under construction: SVG elements in pixel coordinates, origin top left.
pub(crate) struct Figure {
    width: f64,
    height: f64,
    body: String,
}

fn num(v: f64) -> String {
    // Two decimals are a hundredth of a pixel; non-finite coordinates never reach here.
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML forbids.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

impl Figure {
    pub(crate) fn new(width: u32, height: u32) -> Self {
        let mut f = Self {
            width: f64::from(width),
            height: f64::from(height),
            body: String::new(),
        };
        f.rect(0.0, 0.0, f.width, f.height, Rgb::WHITE, 1.0);
        f
    }

    pub(crate) fn width(&self) -> f64 {
        self.width
    }

    pub(crate) fn height(&self) -> f64 {
        self.height
    }

    /// A filled rectangle from `(x, y)` (top left) of size `w × h`.
    pub(crate) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Rgb, opacity: f64) {
        let (x, w) = if w < 0.0 { (x + w, -w) } else { (x, w) };
        let (y, h) = if h < 0.0 { (y + h, -h) } else { (y, h) };
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}/>"#,
            num(x),
            num(y),
            num(w),
            num(h),
            fill.hex(),
            opacity_attr("fill-opacity", opacity)
        );
    }

    /// Many filled rectangles of one colour as one path (`(x, y, w, h)` each), with crisp
    /// edges so neighbouring cells show no seams.
    pub(crate) fn cells(&mut self, cells: &[(f64, f64, f64, f64)], fill: Rgb, opacity: f64) {
        if cells.is_empty() {
            return;
        }
        let mut d = String::new();
        for &(x, y, w, h) in cells {
            let _ = write!(
                d,
                "M{} {}h{}v{}h{}Z",
                num(x),
                num(y),
                num(w),
                num(h),
                num(-w)
            );
        }
        let _ = writeln!(
            self.body,
            r#"<path d="{d}" fill="{}"{} shape-rendering="crispEdges"/>"#,
            fill.hex(),
            opacity_attr("fill-opacity", opacity)
        );
    }

    /// An open polyline.
    pub(crate) fn line(&mut self, points: &[(f64, f64)], stroke: Rgb, width: f64, dash: bool) {
        if points.len() < 2 {
            return;
        }
        let _ = writeln!(
            self.body,
            r#"<path d="{}" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="miter" stroke-linecap="butt"{}/>"#,
            path_data(points),
            stroke.hex(),
            num(width),
            if dash {
                r#" stroke-dasharray="6 4""#
            } else {
                ""
            }
        );
    }

    /// Separate straight segments of one style, as one path.
    pub(crate) fn segments(&mut self, segs: &[Segment], stroke: Rgb, width: f64) {
        if segs.is_empty() {
            return;
        }
        let mut d = String::new();
        for &((a, b), (c, e)) in segs {
            let _ = write!(d, "M{} {}L{} {}", num(a), num(b), num(c), num(e));
        }
        let _ = writeln!(
            self.body,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="{}"/>"#,
            stroke.hex(),
            num(width)
        );
    }

    /// Filled circles of radius `r` at each point (markers).
    pub(crate) fn markers(&mut self, points: &[(f64, f64)], r: f64, fill: Rgb) {
        if points.is_empty() {
            return;
        }
        let mut d = String::new();
        for &(x, y) in points {
            // A circle as two arcs.
            let _ = write!(
                d,
                "M{} {}a{r} {r} 0 1 0 {} 0a{r} {r} 0 1 0 {} 0Z",
                num(x - r),
                num(y),
                num(2.0 * r),
                num(-2.0 * r),
                r = num(r)
            );
        }
        let _ = writeln!(self.body, r#"<path d="{d}" fill="{}"/>"#, fill.hex());
    }

    /// Draw a laid-out label with its anchor at `(x, y)`; `rotated` turns it a quarter
    /// anticlockwise (reading upwards, as a y-axis label).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn label(
        &mut self,
        label: &text::Label,
        x: f64,
        y: f64,
        align: Align,
        valign: VAlign,
        rotated: bool,
        colour: Rgb,
    ) {
        let dx = match align {
            Align::Start => 0.0,
            Align::Middle => -label.width / 2.0,
            Align::End => -label.width,
        };
        // DejaVu Sans: cap height 0.73 em.
        let dy = match valign {
            VAlign::Top => 0.76 * label.size,
            VAlign::Centre => 0.365 * label.size,
            VAlign::Baseline => 0.0,
        };
        if rotated {
            let _ = writeln!(
                self.body,
                r#"<g transform="translate({} {}) rotate(-90)">"#,
                num(x),
                num(y)
            );
        } else {
            let _ = writeln!(
                self.body,
                r#"<g transform="translate({} {})">"#,
                num(x),
                num(y)
            );
        }
        for s in &label.spans {
            if s.text.trim().is_empty() && s.overline == 0.0 {
                continue;
            }
            let base = dy + s.dy;
            let _ = writeln!(
                self.body,
                r#"<text x="{}" y="{}" font-family="{FAMILY}" font-size="{}"{}{} fill="{}" xml:space="preserve">{}</text>"#,
                num(dx + s.x),
                num(base),
                num(s.size),
                if s.face.bold {
                    r#" font-weight="bold""#
                } else {
                    ""
                },
                if s.face.italic {
                    r#" font-style="oblique""#
                } else {
                    ""
                },
                colour.hex(),
                escape(&s.text)
            );
            if s.overline > 0.0 {
                let top = base - 0.8 * s.size;
                let _ = writeln!(
                    self.body,
                    r#"<path d="M{} {}h{}" stroke="{}" stroke-width="{}"/>"#,
                    num(dx + s.x + 0.05 * s.size),
                    num(top),
                    num(s.overline - 0.1 * s.size),
                    colour.hex(),
                    num((0.06 * s.size).max(0.8))
                );
            }
        }
        self.body.push_str("</g>\n");
    }

    /// The SVG document.
    pub(crate) fn svg(&self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n{}</svg>\n",
            self.body,
            w = num(self.width),
            h = num(self.height)
        )
    }

    /// Write the figure to `path` in the format of its extension, atomically: under a
    /// temporary name first, renamed when complete; on any failure no file is left.
    pub(crate) fn save(&self, path: &Path) -> std::result::Result<(), String> {
        let format = ImageFormat::of_path(path)?;
        let bytes = self.encode(format)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let written = std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, path));
        written.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot write {}: {e}", path.display())
        })
    }

    /// The figure's bytes in `format`.
    pub(crate) fn encode(&self, format: ImageFormat) -> std::result::Result<Vec<u8>, String> {
        let svg = self.svg();
        let tree = usvg::Tree::from_str(&svg, &options(&svg))
            .map_err(|e| format!("internal error: the plot's SVG does not parse: {e}"))?;
        match format {
            ImageFormat::Svg => Ok(tree.to_string(&usvg::WriteOptions::default()).into_bytes()),
            ImageFormat::Png => {
                let (w, h) = (self.width.round() as u32, self.height.round() as u32);
                let mut pixmap = tiny_skia::Pixmap::new(w, h)
                    .ok_or_else(|| format!("cannot allocate a {w}×{h} image"))?;
                pixmap.fill(tiny_skia::Color::WHITE);
                resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
                pixmap.encode_png().map_err(|e| e.to_string())
            }
            ImageFormat::Pdf => svg2pdf::to_pdf(
                &tree,
                svg2pdf::ConversionOptions::default(),
                svg2pdf::PageOptions::default(),
            )
            .map_err(|e| format!("cannot convert the plot to PDF: {e}")),
        }
    }
}

fn opacity_attr(name: &str, opacity: f64) -> String {
    if opacity >= 1.0 {
        String::new()
    } else {
        format!(r#" {name}="{}""#, num(opacity.clamp(0.0, 1.0)))
    }
}

fn path_data(points: &[(f64, f64)]) -> String {
    let mut d = String::with_capacity(points.len() * 14);
    for (i, &(x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{} {}", if i == 0 { 'M' } else { 'L' }, num(x), num(y));
    }
    d
}

/// Parser options with the embedded fonts as the only fonts: the faces `svg` uses, given to
/// the font database as the binary's own bytes (not copied; only the pages of the faces used are
/// ever touched), to keep a run's peak memory low.
fn options(svg: &str) -> usvg::Options<'static> {
    let mut db = usvg::fontdb::Database::new();
    let bold = svg.contains(r#"font-weight="bold""#);
    let oblique = svg.contains(r#"font-style="oblique""#);
    let faces = [
        (true, dejavu::sans::regular()),
        (bold, dejavu::sans::bold()),
        (oblique, dejavu::sans::oblique()),
        (bold && oblique, dejavu::sans::bold_oblique()),
    ];
    for (used, bytes) in faces {
        if used {
            db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(bytes)));
        }
    }
    db.set_sans_serif_family(FAMILY);
    usvg::Options {
        font_family: FAMILY.to_owned(),
        fontdb: Arc::new(db),
        ..usvg::Options::default()
    }
}

/// Matplotlib's viridis at nine points; colours between them are interpolated linearly.
const VIRIDIS: [Rgb; 9] = [
    Rgb(0x44, 0x01, 0x54),
    Rgb(0x47, 0x2d, 0x7b),
    Rgb(0x3b, 0x52, 0x8b),
    Rgb(0x2c, 0x72, 0x8e),
    Rgb(0x21, 0x91, 0x8c),
    Rgb(0x28, 0xae, 0x80),
    Rgb(0x5e, 0xc9, 0x62),
    Rgb(0xad, 0xdc, 0x30),
    Rgb(0xfd, 0xe7, 0x25),
];

/// The viridis colour at `t` in [0, 1] (clamped).
pub(crate) fn viridis(t: f64) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + f * (f64::from(q) - f64::from(p))).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

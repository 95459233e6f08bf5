//! ROOT histograms to write: [`TH1`] (stored as `TH1D` or `TH1F`) and [`TH2`] (`TH2D`/`TH2F`),
//! plain data that any histogram library can convert into.
//!
//! # On-disk layout
//!
//! All of these classes are streamed member by member in the order of their `TStreamerInfo`
//! (`TBufferFile::WriteClassBuffer`), each class level with a byte count and its version
//! (`root-project/root:hist/hist/src/TH1.cxx` `TH1::Streamer`, `hist/hist/src/TAxis.cxx`
//! `TAxis::Streamer`; uproot builds the same objects in
//! `uproot5:src/uproot/writing/identify.py` `to_TH1x`, `to_TH2x`, `to_TAxis`). Versions are
//! those of ROOT 6.40, matching the embedded streamer infos ([`super::streamers`]):
//!
//! ```text
//! TH1D v3 = TH1 + TArrayD(fN, values)            TH2D v4 = TH2 + TArrayD
//! TH1F v3 = TH1 + TArrayF                        TH2F v4 = TH2 + TArrayF
//! TH2 v5  = TH1, fScalefactor, fTsumwy, fTsumwy2, fTsumwxy (f64)
//! TH1 v8  = TNamed v1, TAttLine v2 (color, style, width: i16), TAttFill v2 (color, style),
//!           TAttMarker v3 (color, style: i16, size: f32), fNcells i32,
//!           fXaxis, fYaxis, fZaxis (TAxis), fBarOffset, fBarWidth (i16),
//!           fEntries, fTsumw, fTsumw2, fTsumwx, fTsumwx2, fMaximum, fMinimum, fNormFactor (f64),
//!           fContour, fSumw2 (TArrayD), fOption (TString), fFunctions (TList*, "->": streamed
//!           in place, no class tag),
//!           fBufferSize i32, fBuffer (Double_t*[fBufferSize]: a 0/1 byte, then the values),
//!           fBinStatErrOpt i32, fStatOverflows i32
//! TAxis v10 = TNamed v1, TAttAxis v4 (fNdivisions i32, fAxisColor, fLabelColor, fLabelFont i16,
//!           fLabelOffset, fLabelSize, fTickLength, fTitleOffset, fTitleSize f32,
//!           fTitleColor, fTitleFont i16), fNbins i32, fXmin, fXmax f64, fXbins TArrayD,
//!           fFirst, fLast i32, fBits2 u16, fTimeDisplay bool, fTimeFormat TString,
//!           fLabels (THashList* of TObjString), fModLabs (TList*)
//! ```
//!
//! `tests/write_golden.rs` checks this byte for byte: histograms written by ROOT 6.40 itself
//! (`fixtures/write/reference_hists.root`, made by `src/write/make_streamers.py`) are rebuilt
//! with this module and must stream to exactly ROOT's bytes.
//!
//! Bin contents include the under- and overflow bins: `nbins + 2` values for a `TH1`, and
//! `(nx + 2) * (ny + 2)` for a `TH2`, ordered with x fastest (`bin = ix + (nx + 2) * iy`,
//! `TH1::GetBin`). `fSumw2` is empty unless sums of squared weights are kept (ROOT then
//! computes a bin's error as `sqrt(|content|)`).
//!
//! Quirks reproduced from ROOT:
//! * Bin labels are a `THashList` of `TObjString`s whose `fUniqueID` is the 1-based bin number
//!   (`TAxis::SetBinLabel`); when every bin has a label, ROOT also sets
//!   `kAlphanumeric | kCanExtend` in the axis's `fBits2`.
//! * A variable-width axis stores its `nbins + 1` edges in `fXbins`; a regular axis an empty
//!   array. `fXmin`/`fXmax` are the outer edges in both cases.
//! * `fFunctions` is an empty `TList`, never a null pointer (`TH1::Build`); its `//->` comment
//!   makes it a `kObjectp` member, streamed in place with byte count and version but without
//!   the class tag of an ordinary pointer (`TStreamerInfo::WriteBufferAux`). The second and
//!   third axes of lower-dimensional histograms are `yaxis`/`zaxis` with one bin on [0, 1].
//! * Graphics attributes take ROOT 6.40's defaults (`gStyle` "Modern"): line color 602, fill
//!   style 1001, axis label and title font 42, sizes 0.035, label offset 0.005, tick length
//!   0.03, title offset 1 on x and z and 0 (automatic) on y (`gStyle->GetTitleOffset("Y")`).

use super::buffer::WBuffer;
use super::WriteObject;
use crate::error::{Error, Result};

/// `TAxis::kAlphanumeric | TAxis::kCanExtend` (bits of `TAxis::fBits2`).
const AXIS_ALPHANUMERIC_CAN_EXTEND: u16 = 0b11;

/// The bin edges of an axis.
#[derive(Debug, Clone, PartialEq)]
pub enum Binning {
    /// `nbins` equal bins on `[low, high)`.
    Regular {
        /// Number of bins (at least 1).
        nbins: usize,
        /// Low edge of the first bin.
        low: f64,
        /// High edge of the last bin.
        high: f64,
    },
    /// Bins between consecutive edges (at least 2 edges, strictly increasing).
    Variable(Vec<f64>),
}

/// One axis of a histogram (ROOT's `TAxis`).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The bin edges.
    pub binning: Binning,
    /// The axis title (`TAxis::SetTitle`), e.g. `"p_{T} [GeV]"`.
    pub title: String,
    /// Bin labels as (1-based bin, label), in the order ROOT lists them (the order of
    /// `TAxis::SetBinLabel` calls); empty for a numeric axis.
    pub labels: Vec<(usize, String)>,
}

impl Axis {
    /// `nbins` equal bins on `[low, high)`.
    pub fn regular(nbins: usize, low: f64, high: f64) -> Self {
        Axis {
            binning: Binning::Regular { nbins, low, high },
            title: String::new(),
            labels: Vec::new(),
        }
    }

    /// Bins between consecutive `edges`.
    pub fn variable(edges: impl Into<Vec<f64>>) -> Self {
        Axis {
            binning: Binning::Variable(edges.into()),
            title: String::new(),
            labels: Vec::new(),
        }
    }

    /// The same axis with a title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The same axis with labels for bins 1, 2, ….
    pub fn with_labels<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        self.labels = labels
            .into_iter()
            .enumerate()
            .map(|(i, l)| (i + 1, l.into()))
            .collect();
        self
    }

    /// The same axis with one more label, for bin `bin` (1-based), as `TAxis::SetBinLabel`.
    /// A bin that already has a label gets the new text.
    pub fn with_bin_label(mut self, bin: usize, label: impl Into<String>) -> Self {
        let label = label.into();
        match self.labels.iter_mut().find(|(b, _)| *b == bin) {
            Some(l) => l.1 = label,
            None => self.labels.push((bin, label)),
        }
        self
    }

    /// Number of bins (without under- and overflow).
    pub fn nbins(&self) -> usize {
        match &self.binning {
            Binning::Regular { nbins, .. } => *nbins,
            Binning::Variable(e) => e.len().saturating_sub(1),
        }
    }

    /// Low edge of the first bin.
    pub fn low(&self) -> f64 {
        match &self.binning {
            Binning::Regular { low, .. } => *low,
            Binning::Variable(e) => e.first().copied().unwrap_or(0.0),
        }
    }

    /// High edge of the last bin.
    pub fn high(&self) -> f64 {
        match &self.binning {
            Binning::Regular { high, .. } => *high,
            Binning::Variable(e) => e.last().copied().unwrap_or(0.0),
        }
    }

    /// Center of bin `i` (1-based, as in ROOT), computed as `TAxis::GetBinCenter` does.
    pub fn bin_center(&self, i: usize) -> f64 {
        match &self.binning {
            Binning::Regular { nbins, low, high } => {
                let width = (high - low) / *nbins as f64;
                low + (i as f64 - 1.0) * width + width / 2.0
            }
            Binning::Variable(e) => match (e.get(i.wrapping_sub(1)), e.get(i)) {
                (Some(a), Some(b)) => (a + b) / 2.0,
                _ => f64::NAN,
            },
        }
    }

    fn validate(&self, what: &str) -> Result<()> {
        let bad = |m: String| Err(Error::invalid_input(format!("{what}: {m}")));
        match &self.binning {
            Binning::Regular { nbins, low, high } => {
                if *nbins == 0 || i32::try_from(*nbins).is_err() {
                    return bad(format!("{nbins} bins (need 1 to 2^31-1)"));
                }
                if !(low.is_finite() && high.is_finite() && low < high) {
                    return bad(format!(
                        "range [{low}, {high}) is not a finite, increasing interval"
                    ));
                }
            }
            Binning::Variable(e) => {
                if e.len() < 2 || i32::try_from(e.len()).is_err() {
                    return bad(format!("{} edges (need at least 2)", e.len()));
                }
                if let Some(w) = e
                    .windows(2)
                    .find(|w| !(w[0].is_finite() && w[1].is_finite() && w[0] < w[1]))
                {
                    return bad(format!(
                        "edges must be finite and strictly increasing ({} then {})",
                        w[0], w[1]
                    ));
                }
            }
        }
        let n = self.nbins();
        for (i, (bin, _)) in self.labels.iter().enumerate() {
            if *bin == 0 || *bin > n {
                return bad(format!("label for bin {bin}, but the bins are 1 to {n}"));
            }
            if self.labels[..i].iter().any(|(b, _)| b == bin) {
                return bad(format!("two labels for bin {bin}"));
            }
        }
        Ok(())
    }

    /// `TAxis::Streamer` (`WriteClassBuffer`, TAxis v10) for an axis named `name`.
    fn stream(&self, w: &mut WBuffer, name: &str) -> Result<()> {
        let bc = w.begin_object(10);
        w.tnamed(0, name, &self.title)?;
        // TAttAxis v4 with ROOT 6's default style.
        let att = w.begin_object(4);
        w.i32(510); // fNdivisions
        w.i16(1); // fAxisColor
        w.i16(1); // fLabelColor
        w.i16(42); // fLabelFont
        w.f32(0.005); // fLabelOffset
        w.f32(0.035); // fLabelSize
        w.f32(0.03); // fTickLength
                     // fTitleOffset: ROOT 6.40's style gives the y axis 0 (automatic placement), x and z 1.
        w.f32(if name == "yaxis" { 0.0 } else { 1.0 });
        w.f32(0.035); // fTitleSize
        w.i16(1); // fTitleColor
        w.i16(42); // fTitleFont
        w.end_object(att)?;
        w.i32(self.nbins() as i32);
        w.f64(self.low());
        w.f64(self.high());
        match &self.binning {
            Binning::Regular { .. } => w.array_f64(&[])?,
            Binning::Variable(e) => w.array_f64(e)?,
        }
        w.i32(0); // fFirst
        w.i32(0); // fLast
        let all_labelled = !self.labels.is_empty() && self.labels.len() == self.nbins();
        w.u16(if all_labelled {
            AXIS_ALPHANUMERIC_CAN_EXTEND
        } else {
            0
        }); // fBits2
        w.bool(false); // fTimeDisplay
        w.tstring(""); // fTimeFormat
        if self.labels.is_empty() {
            w.null_pointer(); // fLabels
        } else {
            w.object_pointer("THashList", |w| {
                stream_tlist(w, self.labels.len(), |w, i| {
                    let (bin, label) = &self.labels[i];
                    w.object_pointer("TObjString", |w| {
                        // TObjString v1: TObject (fUniqueID = bin number), fString.
                        let bc = w.begin_object(1);
                        w.tobject(*bin as u32, 0);
                        w.tstring(label);
                        w.end_object(bc)
                    })
                })
            })?;
        }
        w.null_pointer(); // fModLabs
        w.end_object(bc)
    }
}

/// `TList::Streamer` (also used by `THashList`): version 5 with byte count, `TObject`, `fName`,
/// `nobjects`, then per object the pointer and a one-byte-length option string (`""`).
fn stream_tlist(
    w: &mut WBuffer,
    n: usize,
    mut item: impl FnMut(&mut WBuffer, usize) -> Result<()>,
) -> Result<()> {
    let bc = w.begin_object(5);
    w.tobject(0, 0);
    w.tstring("");
    w.i32(i32::try_from(n).map_err(|_| Error::invalid_input("too many list entries"))?);
    for i in 0..n {
        item(w, i)?;
        w.u8(0);
    }
    w.end_object(bc)
}

/// Whether bin contents are stored as `f64` (`TH1D`/`TH2D`) or `f32` (`TH1F`/`TH2F`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// Doubles: `TH1D`, `TH2D`.
    #[default]
    Double,
    /// Floats: `TH1F`, `TH2F`. Sums of squared weights stay doubles.
    Float,
}

/// ROOT's running sums over filled values (`TH1::fTsumw` …), used by `GetMean`, `GetStdDev`,
/// `GetEffectiveEntries`. Fields for y are used by 2-D histograms only.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stats {
    /// Σw.
    pub tsumw: f64,
    /// Σw².
    pub tsumw2: f64,
    /// Σw·x.
    pub tsumwx: f64,
    /// Σw·x².
    pub tsumwx2: f64,
    /// Σw·y (2-D).
    pub tsumwy: f64,
    /// Σw·y² (2-D).
    pub tsumwy2: f64,
    /// Σw·x·y (2-D).
    pub tsumwxy: f64,
}

/// A 1-D histogram, written as a `TH1D` or `TH1F`.
#[derive(Debug, Clone, PartialEq)]
pub struct TH1 {
    /// Object name (ROOT stores it in the object; the key name is given to
    /// [`super::FileWriter::write_object`]).
    pub name: String,
    /// Title.
    pub title: String,
    /// The x axis.
    pub x: Axis,
    /// Title of the y axis (the bin-content axis), e.g. `"Events"`.
    pub y_title: String,
    /// `TH1D` or `TH1F`.
    pub precision: Precision,
    /// Bin contents including under- and overflow: `x.nbins() + 2` values.
    pub contents: Vec<f64>,
    /// Sums of squared weights per bin (same length as `contents`), if kept.
    pub sumw2: Option<Vec<f64>>,
    /// `fEntries`: the number of fills.
    pub entries: f64,
    /// Running sums; see [`TH1::with_stats_from_bins`].
    pub stats: Stats,
}

impl TH1 {
    /// A histogram with the given contents (including flow bins), no sumw2, `entries` set to the
    /// sum of all contents (flow bins included, as unit-weight fills would count) and statistics
    /// computed from the bins.
    pub fn new(
        name: impl Into<String>,
        title: impl Into<String>,
        x: Axis,
        contents: Vec<f64>,
    ) -> Self {
        let entries: f64 = contents.iter().sum();
        TH1 {
            name: name.into(),
            title: title.into(),
            x,
            y_title: String::new(),
            precision: Precision::Double,
            contents,
            sumw2: None,
            entries,
            stats: Stats::default(),
        }
        .with_stats_from_bins()
    }

    /// Recompute [`TH1::stats`] from the in-range bins and their centers, as ROOT's
    /// `TH1::GetStats` does when the running sums are unknown. `Σw²` comes from `sumw2` when
    /// present, else it equals `Σw` (unit weights).
    pub fn with_stats_from_bins(mut self) -> Self {
        let mut s = Stats::default();
        for i in 1..=self.x.nbins() {
            let w = self.contents.get(i).copied().unwrap_or(0.0);
            let x = self.x.bin_center(i);
            s.tsumw += w;
            s.tsumw2 += match &self.sumw2 {
                Some(v) => v.get(i).copied().unwrap_or(0.0),
                None => w,
            };
            s.tsumwx += w * x;
            s.tsumwx2 += w * x * x;
        }
        self.stats = s;
        self
    }

    fn validate(&self) -> Result<()> {
        let what = format!("histogram '{}'", self.name);
        self.x.validate(&format!("{what} x axis"))?;
        let n = self.x.nbins() + 2;
        check_len(&what, "contents", self.contents.len(), n)?;
        if let Some(s) = &self.sumw2 {
            check_len(&what, "sumw2", s.len(), n)?;
        }
        Ok(())
    }
}

impl WriteObject for TH1 {
    fn class_name(&self) -> &str {
        match self.precision {
            Precision::Double => "TH1D",
            Precision::Float => "TH1F",
        }
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn stream(&self, w: &mut WBuffer) -> Result<()> {
        self.validate()?;
        let bc = w.begin_object(3); // TH1D / TH1F v3
        let yaxis = Axis::regular(1, 0.0, 1.0).with_title(self.y_title.clone());
        let zaxis = Axis::regular(1, 0.0, 1.0);
        Th1Parts {
            name: &self.name,
            title: &self.title,
            ncells: self.contents.len(),
            axes: [(&self.x, "xaxis"), (&yaxis, "yaxis"), (&zaxis, "zaxis")],
            entries: self.entries,
            stats: &self.stats,
            sumw2: self.sumw2.as_deref(),
        }
        .stream(w)?;
        stream_contents(w, &self.contents, self.precision)?;
        w.end_object(bc)
    }
}

/// A 2-D histogram, written as a `TH2D` or `TH2F`.
#[derive(Debug, Clone, PartialEq)]
pub struct TH2 {
    /// Object name.
    pub name: String,
    /// Title.
    pub title: String,
    /// The x axis.
    pub x: Axis,
    /// The y axis.
    pub y: Axis,
    /// Title of the z axis (the bin-content axis).
    pub z_title: String,
    /// `TH2D` or `TH2F`.
    pub precision: Precision,
    /// Bin contents including flow bins: `(nx + 2) * (ny + 2)` values, x fastest
    /// (`bin = ix + (nx + 2) * iy`).
    pub contents: Vec<f64>,
    /// Sums of squared weights per bin (same layout), if kept.
    pub sumw2: Option<Vec<f64>>,
    /// `fEntries`.
    pub entries: f64,
    /// Running sums including the y and xy terms.
    pub stats: Stats,
}

impl TH2 {
    /// A histogram with the given contents (layout as in [`TH2::contents`]), no sumw2,
    /// `entries` set to the sum of all contents and statistics computed from the bins.
    pub fn new(
        name: impl Into<String>,
        title: impl Into<String>,
        x: Axis,
        y: Axis,
        contents: Vec<f64>,
    ) -> Self {
        let entries: f64 = contents.iter().sum();
        TH2 {
            name: name.into(),
            title: title.into(),
            x,
            y,
            z_title: String::new(),
            precision: Precision::Double,
            contents,
            sumw2: None,
            entries,
            stats: Stats::default(),
        }
        .with_stats_from_bins()
    }

    /// Recompute [`TH2::stats`] from the in-range bins and their centers (`TH2::GetStats`).
    pub fn with_stats_from_bins(mut self) -> Self {
        let (nx, ny) = (self.x.nbins(), self.y.nbins());
        let mut s = Stats::default();
        for iy in 1..=ny {
            let y = self.y.bin_center(iy);
            for ix in 1..=nx {
                let bin = ix + (nx + 2) * iy;
                let w = self.contents.get(bin).copied().unwrap_or(0.0);
                let x = self.x.bin_center(ix);
                s.tsumw += w;
                s.tsumw2 += match &self.sumw2 {
                    Some(v) => v.get(bin).copied().unwrap_or(0.0),
                    None => w,
                };
                s.tsumwx += w * x;
                s.tsumwx2 += w * x * x;
                s.tsumwy += w * y;
                s.tsumwy2 += w * y * y;
                s.tsumwxy += w * x * y;
            }
        }
        self.stats = s;
        self
    }

    fn validate(&self) -> Result<()> {
        let what = format!("histogram '{}'", self.name);
        self.x.validate(&format!("{what} x axis"))?;
        self.y.validate(&format!("{what} y axis"))?;
        let n = (self.x.nbins() + 2)
            .checked_mul(self.y.nbins() + 2)
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or_else(|| Error::invalid_input(format!("{what}: too many bins for ROOT")))?;
        check_len(&what, "contents", self.contents.len(), n)?;
        if let Some(s) = &self.sumw2 {
            check_len(&what, "sumw2", s.len(), n)?;
        }
        Ok(())
    }
}

impl WriteObject for TH2 {
    fn class_name(&self) -> &str {
        match self.precision {
            Precision::Double => "TH2D",
            Precision::Float => "TH2F",
        }
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn stream(&self, w: &mut WBuffer) -> Result<()> {
        self.validate()?;
        let bc = w.begin_object(4); // TH2D / TH2F v4
        let th2 = w.begin_object(5); // TH2 v5
        let zaxis = Axis::regular(1, 0.0, 1.0).with_title(self.z_title.clone());
        Th1Parts {
            name: &self.name,
            title: &self.title,
            ncells: self.contents.len(),
            axes: [(&self.x, "xaxis"), (&self.y, "yaxis"), (&zaxis, "zaxis")],
            entries: self.entries,
            stats: &self.stats,
            sumw2: self.sumw2.as_deref(),
        }
        .stream(w)?;
        w.f64(1.0); // fScalefactor
        w.f64(self.stats.tsumwy);
        w.f64(self.stats.tsumwy2);
        w.f64(self.stats.tsumwxy);
        w.end_object(th2)?;
        stream_contents(w, &self.contents, self.precision)?;
        w.end_object(bc)
    }
}

fn check_len(what: &str, field: &str, got: usize, want: usize) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "{what}: {got} {field} values, but the axes need {want} (bins plus under- and overflow)"
        )))
    }
}

/// The `TArrayD`/`TArrayF` base of `TH1D`/`TH1F`/`TH2D`/`TH2F`.
fn stream_contents(w: &mut WBuffer, contents: &[f64], precision: Precision) -> Result<()> {
    match precision {
        Precision::Double => w.array_f64(contents),
        Precision::Float => {
            let f: Vec<f32> = contents.iter().map(|v| *v as f32).collect();
            w.array_f32(&f)
        }
    }
}

/// The members of the `TH1` base class.
struct Th1Parts<'a> {
    name: &'a str,
    title: &'a str,
    ncells: usize,
    axes: [(&'a Axis, &'static str); 3],
    entries: f64,
    stats: &'a Stats,
    sumw2: Option<&'a [f64]>,
}

impl Th1Parts<'_> {
    /// `TH1::Streamer` (`WriteClassBuffer`, TH1 v8).
    fn stream(&self, w: &mut WBuffer) -> Result<()> {
        let bc = w.begin_object(8);
        w.tnamed(0, self.name, self.title)?;
        let line = w.begin_object(2); // TAttLine
        w.i16(602);
        w.i16(1);
        w.i16(1);
        w.end_object(line)?;
        let fill = w.begin_object(2); // TAttFill
        w.i16(0);
        w.i16(1001);
        w.end_object(fill)?;
        let marker = w.begin_object(3); // TAttMarker
        w.i16(1);
        w.i16(1);
        w.f32(1.0);
        w.end_object(marker)?;
        w.i32(self.ncells as i32); // validated to fit
        for (axis, name) in self.axes {
            axis.stream(w, name)?;
        }
        w.i16(0); // fBarOffset
        w.i16(1000); // fBarWidth
        w.f64(self.entries);
        w.f64(self.stats.tsumw);
        w.f64(self.stats.tsumw2);
        w.f64(self.stats.tsumwx);
        w.f64(self.stats.tsumwx2);
        w.f64(-1111.0); // fMaximum
        w.f64(-1111.0); // fMinimum
        w.f64(0.0); // fNormFactor
        w.array_f64(&[])?; // fContour
        w.array_f64(self.sumw2.unwrap_or(&[]))?; // fSumw2
        w.tstring(""); // fOption
                       // fFunctions is `TList *fFunctions; //->`: a never-null pointer, streamed in place
                       // like an embedded object (kObjectp), without a class tag.
        stream_tlist(w, 0, |_, _| Ok(()))?;
        w.i32(0); // fBufferSize
        w.u8(0); // fBuffer: no array
        w.i32(0); // fBinStatErrOpt = kNormal
        w.i32(2); // fStatOverflows = kNeutral
        w.end_object(bc)
    }
}

//! Histograms and graphs that ROOT wrote, as typed values: [`RootHistogram`] (`TH1`, `TH2`,
//! `TH3` of every storage type, `TProfile`, `TProfile2D`, `TProfile3D`) and [`RootGraph`]
//! (`TGraph`, `TGraphErrors`, `TGraphAsymmErrors`), read with
//! [`RootFile::read_histogram`](crate::RootFile::read_histogram),
//! [`read_graph`](crate::RootFile::read_graph) or [`read_plottable`](crate::RootFile::read_plottable).
//!
//! The objects are first read generically through the file's streamer infos
//! ([`crate::object::ObjectReader`]), so every class version ROOT described is understood; this
//! module then picks the members (the on-disk layout is described in [`crate::write::hist`]),
//! checks that their sizes agree, and computes what ROOT's accessors compute.
//!
//! # Bins
//!
//! Contents are kept for every *global bin*, flow bins included, in ROOT's order
//! (`TH1::GetBin`): `bin = binx + (nx + 2) * (biny + (ny + 2) * binz)`, where bin 0 of an axis
//! is its underflow and `n + 1` its overflow. A 1-D histogram has `nx + 2` cells, a 2-D one
//! `(nx + 2)(ny + 2)`, a 3-D one `(nx + 2)(ny + 2)(nz + 2)` (`fNcells`).
//!
//! # Storage types
//!
//! `TH1C`, `TH1S`, `TH1I`, `TH1L`, `TH1F`, `TH1D` keep their bin contents in a `TArrayC` (i8),
//! `TArrayS` (i16), `TArrayI` (i32), `TArrayL64` (i64), `TArrayF` (f32) or `TArrayD` (f64)
//! base; [`RootHistogram::contents`] widens them to `f64` (exactly, as ROOT's
//! `RetrieveBinContent` does). The integer types lose what they cannot hold *when filling*:
//! `TH1C::AddBinContent(bin, w)` adds `Int_t(w)` (truncated towards zero) and saturates at
//! ±127 (`TH1S` at ±32767, `TH1I` at ±2147483647), while `fSumw2` still accumulates the exact w²,
//! so a file can hold a `TH1C` whose error is larger than its content allows. `fSumw2` is only
//! created at the first weighted fill (`TH1::Sumw2` then copies the contents so far), so it can
//! also differ from the sum of squares of the contents' own fills.
//!
//! # Errors
//!
//! [`RootHistogram::bin_error`] is `TH1::GetBinError`: `sqrt(fSumw2[bin])` when Σw² is kept,
//! else `sqrt(|content|)`; for profiles, `TProfileHelper::GetBinError` (see [`Profile`]). A
//! histogram with `SetBinErrorOption(kPoisson)` and no Σw² has asymmetric Poisson errors in ROOT
//! (gamma quantiles); [`RootHistogram::bin_error_option`] tells, and `bin_error` still gives the
//! symmetric `sqrt(content)`.

mod axis;
mod graph;
mod members;
mod profile;
mod read;

pub use axis::RootAxis;
pub use graph::{is_graph_class, GraphErrors, RootGraph};
pub use profile::{Profile, ProfileErrorMode};
pub use read::{is_histogram_class, Plottable};

use members::{floats, floats_or_empty, integer, number, number_or_zero, object, string};

use crate::error::{Error, Result};
use crate::object::Object;

/// What a histogram class stores per bin (the `TArray*` base of `TH1C` … `TH1D`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BinStorage {
    /// `Char_t` (`TH1C`): whole numbers in [-127, 127].
    Char,
    /// `Short_t` (`TH1S`).
    Short,
    /// `Int_t` (`TH1I`).
    Int,
    /// `Long64_t` (`TH1L`, ROOT ≥ 6.32).
    Long64,
    /// `Float_t` (`TH1F`).
    Float,
    /// `Double_t` (`TH1D`, and all profiles).
    Double,
}

/// The running sums a histogram keeps while filling (`TH1::fTsumw` …), which ROOT's `GetMean`,
/// `GetStdDev` and the statistics box use. Members the class does not have are 0.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HistStats {
    /// `fTsumw`: Σw.
    pub tsumw: f64,
    /// `fTsumw2`: Σw².
    pub tsumw2: f64,
    /// `fTsumwx`: Σw·x.
    pub tsumwx: f64,
    /// `fTsumwx2`: Σw·x².
    pub tsumwx2: f64,
    /// `fTsumwy`: Σw·y (`TH2`, `TH3`, and the profiled value of a `TProfile`).
    pub tsumwy: f64,
    /// `fTsumwy2`: Σw·y².
    pub tsumwy2: f64,
    /// `fTsumwxy`: Σw·x·y (`TH2`, `TH3`).
    pub tsumwxy: f64,
    /// `fTsumwz`: Σw·z (`TH3`, and the profiled value of a `TProfile2D`).
    pub tsumwz: f64,
    /// `fTsumwz2`: Σw·z².
    pub tsumwz2: f64,
    /// `fTsumwxz`: Σw·x·z (`TH3`).
    pub tsumwxz: f64,
    /// `fTsumwyz`: Σw·y·z (`TH3`).
    pub tsumwyz: f64,
    /// `fTsumwt`: Σw·t, the profiled value of a `TProfile3D`.
    pub tsumwt: f64,
    /// `fTsumwt2`: Σw·t².
    pub tsumwt2: f64,
}

/// A histogram read from a file. See the [module documentation](self) for the bin layout.
#[derive(Debug, Clone, PartialEq)]
pub struct RootHistogram {
    /// The class, e.g. `TH1F`, `TH2D`, `TProfile`.
    pub class: String,
    /// `fName`.
    pub name: String,
    /// `fTitle` (ROOT's `"title;x title;y title"` is split into the axis titles when the
    /// histogram is created, so this is the title alone).
    pub title: String,
    /// 1, 2 or 3.
    pub dimension: usize,
    /// The x, y and z axes, `dimension` of them.
    pub axes: Vec<RootAxis>,
    /// What the class stores per bin.
    pub storage: BinStorage,
    /// `fArray` as `f64`, one value per global bin (flow included). For a profile: Σw·v.
    pub contents: Vec<f64>,
    /// `fSumw2`: Σw² per global bin, or empty when not kept. For a profile: Σw·v².
    pub sumw2: Vec<f64>,
    /// `fEntries`: the number of fills (`TH1::GetEntries`).
    pub entries: f64,
    /// The running sums.
    pub stats: HistStats,
    /// `fBinStatErrOpt`: 0 = `kNormal`, 1 = `kPoisson`, 2 = `kPoisson2`.
    pub bin_error_option: i64,
    /// The profile members, for `TProfile`, `TProfile2D` and `TProfile3D`.
    pub profile: Option<Profile>,
}

/// The dimension, storage and "is a profile" of a histogram class hepframe reads.
pub(crate) fn histogram_kind(class: &str) -> Option<(usize, BinStorage, bool)> {
    match class {
        "TProfile" => return Some((1, BinStorage::Double, true)),
        "TProfile2D" => return Some((2, BinStorage::Double, true)),
        "TProfile3D" => return Some((3, BinStorage::Double, true)),
        _ => {}
    }
    let rest = class.strip_prefix("TH")?;
    let mut chars = rest.chars();
    let dimension = match chars.next()? {
        '1' => 1,
        '2' => 2,
        '3' => 3,
        _ => return None,
    };
    let storage = match chars.next()? {
        'C' => BinStorage::Char,
        'S' => BinStorage::Short,
        'I' => BinStorage::Int,
        'L' => BinStorage::Long64,
        'F' => BinStorage::Float,
        'D' => BinStorage::Double,
        _ => return None,
    };
    chars
        .next()
        .is_none()
        .then_some((dimension, storage, false))
}

impl RootHistogram {
    /// A histogram from a generically read object ([`crate::RootFile::read_object`]).
    ///
    /// Errors: [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) for a class that is
    /// not one of those listed in the [module documentation](self) or for a histogram with
    /// entries still in its fill buffer; [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt)
    /// when a member is missing or the array sizes disagree with the axes.
    pub fn from_object(obj: &Object) -> Result<RootHistogram> {
        let Some((dimension, storage, is_profile)) = histogram_kind(&obj.class) else {
            return Err(Error::unsupported(format!(
                "class {} is not a histogram hepframe reads (TH1, TH2, TH3 of C/S/I/L/F/D, \
                 TProfile, TProfile2D, TProfile3D)",
                obj.class
            )));
        };
        let class = obj.class.as_str();
        let corrupt = |m: String| Error::corrupt(format!("{class}: {m}"));
        let axis_names = ["fXaxis", "fYaxis", "fZaxis"];
        let mut axes = Vec::with_capacity(dimension);
        for name in &axis_names[..dimension] {
            axes.push(RootAxis::from_object(object(obj, name)?)?);
        }
        let ncells = axes
            .iter()
            .try_fold(1usize, |n, a| n.checked_mul(a.nbins + 2))
            .ok_or_else(|| corrupt("too many bins".into()))?;
        let stored_ncells = integer(obj, "fNcells")?;
        if stored_ncells != ncells as i64 {
            return Err(corrupt(format!(
                "fNcells is {stored_ncells}, the axes make {ncells} bins"
            )));
        }
        let contents = floats(obj, "fArray")?;
        if contents.len() != ncells {
            return Err(corrupt(format!(
                "{} bin contents for {ncells} bins",
                contents.len()
            )));
        }
        let sumw2 = floats_or_empty(obj, "fSumw2")?;
        if !sumw2.is_empty() && sumw2.len() != ncells {
            return Err(corrupt(format!(
                "fSumw2 has {} values for {ncells} bins",
                sumw2.len()
            )));
        }
        // `TH1::SetBuffer`: fills kept unbinned, fBuffer[0] of them; ROOT bins them on first
        // access (`BufferEmpty`), which needs the automatic-binning logic.
        let buffer = floats_or_empty(obj, "fBuffer")?;
        if buffer.first().is_some_and(|&n| n != 0.0) {
            return Err(Error::unsupported(format!(
                "{class} '{}' has {} fills in its TH1::SetBuffer buffer, not yet binned",
                string(obj, "fName"),
                buffer[0]
            )));
        }
        let stats = HistStats {
            tsumw: number(obj, "fTsumw")?,
            tsumw2: number(obj, "fTsumw2")?,
            tsumwx: number(obj, "fTsumwx")?,
            tsumwx2: number(obj, "fTsumwx2")?,
            tsumwy: number_or_zero(obj, "fTsumwy")?,
            tsumwy2: number_or_zero(obj, "fTsumwy2")?,
            tsumwxy: number_or_zero(obj, "fTsumwxy")?,
            tsumwz: number_or_zero(obj, "fTsumwz")?,
            tsumwz2: number_or_zero(obj, "fTsumwz2")?,
            tsumwxz: number_or_zero(obj, "fTsumwxz")?,
            tsumwyz: number_or_zero(obj, "fTsumwyz")?,
            tsumwt: number_or_zero(obj, "fTsumwt")?,
            tsumwt2: number_or_zero(obj, "fTsumwt2")?,
        };
        let profile = if is_profile {
            if sumw2.len() != ncells {
                return Err(corrupt(format!(
                    "a profile needs fSumw2 (Σw·v²) for its {ncells} bins, it has {}",
                    sumw2.len()
                )));
            }
            Some(Profile::from_object(obj, dimension, ncells)?)
        } else {
            None
        };
        Ok(RootHistogram {
            class: obj.class.clone(),
            name: string(obj, "fName"),
            title: string(obj, "fTitle"),
            dimension,
            axes,
            storage,
            contents,
            sumw2,
            entries: number(obj, "fEntries")?,
            stats,
            bin_error_option: obj.int("fBinStatErrOpt").unwrap_or(0),
            profile,
        })
    }

    /// The number of global bins, flow included (`fNcells`).
    pub fn ncells(&self) -> usize {
        self.contents.len()
    }

    /// Whether this is a `TProfile`, `TProfile2D` or `TProfile3D`.
    pub fn is_profile(&self) -> bool {
        self.profile.is_some()
    }

    /// Whether Σw² is kept per bin (`fSumw2` not empty; for a profile, `fBinSumw2`).
    pub fn has_sumw2(&self) -> bool {
        match &self.profile {
            Some(p) => p.is_weighted(),
            None => !self.sumw2.is_empty(),
        }
    }

    /// The number of in-range bins of axis `i` (0 = x), 1 for an axis the histogram lacks.
    pub fn nbins(&self, i: usize) -> usize {
        self.axes.get(i).map_or(1, |a| a.nbins)
    }

    /// `TH1::GetBin(binx, biny, binz)`: the global bin, `binx + (nx+2)·(biny + (ny+2)·binz)`.
    /// As in ROOT, each axis bin is clamped to `[0, n + 1]` and the bins of axes the histogram
    /// does not have are ignored.
    pub fn bin(&self, binx: i64, biny: i64, binz: i64) -> usize {
        let clamp = |b: i64, axis: usize| -> usize {
            let over = self.nbins(axis) as i64 + 1;
            b.clamp(0, over) as usize
        };
        let nx = self.nbins(0) + 2;
        let ny = self.nbins(1) + 2;
        match self.dimension {
            1 => clamp(binx, 0),
            2 => clamp(binx, 0) + nx * clamp(biny, 1),
            _ => clamp(binx, 0) + nx * (clamp(biny, 1) + ny * clamp(binz, 2)),
        }
    }

    /// `TH1::GetBinXYZ(bin)`: the axis bins of a global bin.
    pub fn bin_xyz(&self, bin: usize) -> (usize, usize, usize) {
        let nx = self.nbins(0) + 2;
        let ny = self.nbins(1) + 2;
        match self.dimension {
            1 => (bin, 0, 0),
            2 => (bin % nx, bin / nx, 0),
            _ => (bin % nx, (bin / nx) % ny, bin / nx / ny),
        }
    }

    /// Whether a global bin is an under- or overflow bin on any axis (`TH1::IsBinUnderflow` or
    /// `IsBinOverflow`).
    pub fn is_flow_bin(&self, bin: usize) -> bool {
        let (x, y, z) = self.bin_xyz(bin);
        [x, y, z]
            .iter()
            .zip(0..self.dimension)
            .any(|(&b, i)| b == 0 || b == self.nbins(i) + 1)
    }

    /// `GetBinContent(bin)`: the content (for a profile, the mean of the bin's values); 0 for
    /// a bin that does not exist.
    pub fn bin_content(&self, bin: usize) -> f64 {
        let Some(&c) = self.contents.get(bin) else {
            return 0.0;
        };
        match &self.profile {
            Some(p) => p.bin_content(bin, c),
            None => c,
        }
    }

    /// `GetBinError(bin)`: `sqrt(fSumw2[bin])`, or `sqrt(|content|)` without Σw²; for a
    /// profile, `TProfileHelper::GetBinError`. As in `TH1::GetBinError`, a bin past the last
    /// is taken as the last one.
    pub fn bin_error(&self, bin: usize) -> f64 {
        let bin = bin.min(self.ncells().saturating_sub(1));
        let Some(&c) = self.contents.get(bin) else {
            return 0.0;
        };
        if let Some(p) = &self.profile {
            return p.bin_error(bin, c, self.sumw2.get(bin).copied().unwrap_or(0.0));
        }
        match self.sumw2.get(bin) {
            Some(&s) => s.sqrt(),
            None => c.abs().sqrt(),
        }
    }

    /// [`bin_content`](Self::bin_content) of every global bin.
    pub fn values(&self) -> Vec<f64> {
        (0..self.ncells()).map(|b| self.bin_content(b)).collect()
    }

    /// [`bin_error`](Self::bin_error) of every global bin.
    pub fn errors(&self) -> Vec<f64> {
        (0..self.ncells()).map(|b| self.bin_error(b)).collect()
    }

    /// `TH1::GetSumOfWeights()`: the sum of the in-range bin contents, added in ROOT's order
    /// (z, then y, then x innermost). For a profile ROOT adds the bin means.
    pub fn sum_of_weights(&self) -> f64 {
        let mut sum = 0.0;
        let range = |i: usize| {
            if i < self.dimension {
                1..=self.nbins(i)
            } else {
                0..=0
            }
        };
        for z in range(2) {
            for y in range(1) {
                for x in range(0) {
                    let bin = self.bin(x as i64, y as i64, z as i64);
                    let c = self.contents.get(bin).copied().unwrap_or(0.0);
                    sum += match &self.profile {
                        // `TProfile::RetrieveBinContent`: Σwv/Σw only for Σw > 0.
                        Some(p) if p.bin_entries(bin) > 0.0 => c / p.bin_entries(bin),
                        Some(_) => 0.0,
                        None => c,
                    };
                }
            }
        }
        sum
    }

    /// The statistics as `TH1::GetStats` lays them out: Σw, Σw², Σwx, Σwx², then for 2-D
    /// Σwy, Σwy², Σwxy, for 3-D also Σwz, Σwz², Σwxz, Σwyz, and for a profile the sums of the
    /// profiled value and its square last (4 + 2, 7 + 2 or 11 + 2 values). These are the
    /// stored sums; ROOT recomputes them from the bins when `fTsumw` is 0 or an axis range is set.
    pub fn stats_array(&self) -> Vec<f64> {
        let s = &self.stats;
        let mut v = vec![s.tsumw, s.tsumw2, s.tsumwx, s.tsumwx2];
        if self.dimension >= 2 {
            v.extend([s.tsumwy, s.tsumwy2, s.tsumwxy]);
        }
        if self.dimension >= 3 {
            v.extend([s.tsumwz, s.tsumwz2, s.tsumwxz, s.tsumwyz]);
        }
        if self.is_profile() {
            v.extend(match self.dimension {
                1 => [s.tsumwy, s.tsumwy2],
                2 => [s.tsumwz, s.tsumwz2],
                _ => [s.tsumwt, s.tsumwt2],
            });
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(histogram_kind("TH1F"), Some((1, BinStorage::Float, false)));
        assert_eq!(histogram_kind("TH3C"), Some((3, BinStorage::Char, false)));
        assert_eq!(histogram_kind("TH2L"), Some((2, BinStorage::Long64, false)));
        assert_eq!(
            histogram_kind("TProfile2D"),
            Some((2, BinStorage::Double, true))
        );
        for c in [
            "TH1",
            "TH2Poly",
            "TH1K",
            "TH1FX",
            "THnSparseD",
            "TGraph",
            "TH4D",
        ] {
            assert_eq!(histogram_kind(c), None, "{c}");
        }
    }
}

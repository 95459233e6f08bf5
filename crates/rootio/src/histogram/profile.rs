//! The profile part of `TProfile`, `TProfile2D` and `TProfile3D`, and ROOT's per-bin mean and
//! error.
//!
//! A profile is a `TH1D`/`TH2D`/`TH3D` whose arrays hold sums over the entries of each bin
//! (`root-project/root:hist/hist/inc/TProfile.h`):
//!
//! ```text
//! fArray[bin]      Σ w·v        (v: y for TProfile, z for TProfile2D, t for TProfile3D)
//! fSumw2[bin]      Σ w·v²       (always present)
//! fBinEntries[bin] Σ w
//! fBinSumw2[bin]   Σ w²         (only after TProfile::Sumw2(), else empty)
//! ```
//!
//! plus `fErrorMode` (`EErrorType`: 0 = error on the mean, 1 = "s" spread, 2 = "i" integer
//! spread, 3 = "g" Gaussian), the value range (`fYmin`/`fYmax`, …) and the sums Σ w·v, Σ w·v²
//! over all fills (`fTsumwy`, `fTsumwy2`; `fTsumwz`/`fTsumwz2` in 2-D, `fTsumwt`/`fTsumwt2` in
//! 3-D; kept in [`super::HistStats`]).
//!
//! [`Profile::bin_content`] and [`Profile::bin_error`] are `TProfile::GetBinContent` and
//! `TProfileHelper::GetBinError` (`hist/hist/src/TProfile.cxx`, `hist/hist/src/TProfileHelper.h`;
//! uproot5 vectorises the same code in `src/uproot/behaviors/TProfile.py`), operation for
//! operation so that the results are bit-identical:
//!
//! ```text
//! content = Σw == 0 ? 0 : Σwv / Σw
//! neff    = fBinSumw2 absent ? Σw : (Σw² > 0 ? Σw·Σw / Σw² : 0)   (GetBinEffectiveEntries)
//! error:  Σw == 0                  → 0
//!         "g"                      → 1 / sqrt(Σw)
//!         eprim = sqrt(|Σwv²/Σw - content²|)
//!         "i"                      → eprim != 0 ? eprim / sqrt(neff) : 1 / sqrt(12 neff)
//!         "s"                      → eprim
//!         default (error on mean)  → eprim / sqrt(neff)
//! ```
//!
//! ROOT has one more branch, taken only after the static `TProfile::Approximate(true)` (off by
//! default and not stored in the file), which replaces a zero spread with the spread of the
//! whole profile; it is not reproduced. A `fBinSumw2` whose length is not `fNcells` (files of
//! old ROOT versions) is ignored, as `GetBinEffectiveEntries` ignores it.

use super::members::{floats, floats_or_empty, integer, number_or_zero};
use crate::error::{Error, Result};
use crate::object::Object;

/// `TProfile::fErrorMode`: how a profile computes the error of a bin (`TProfile::BuildOptions`,
/// `SetErrorOption`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProfileErrorMode {
    /// `kERRORMEAN` (option ""): the standard error of the mean, spread / sqrt(N_eff).
    #[default]
    Mean,
    /// `kERRORSPREAD` (option "s"): the spread (standard deviation) of the values.
    Spread,
    /// `kERRORSPREADI` (option "i"): as "mean", but 1/sqrt(12 N_eff) for a zero spread (integer
    /// values).
    SpreadI,
    /// `kERRORSPREADG` (option "g"): 1/sqrt(Σw), for values with weights w = 1/σ².
    SpreadG,
}

impl ProfileErrorMode {
    /// The mode stored as `fErrorMode`.
    pub fn from_code(code: i64) -> Option<ProfileErrorMode> {
        Some(match code {
            0 => ProfileErrorMode::Mean,
            1 => ProfileErrorMode::Spread,
            2 => ProfileErrorMode::SpreadI,
            3 => ProfileErrorMode::SpreadG,
            _ => return None,
        })
    }

    /// The option letter of `TProfile::GetErrorOption()`: "", "s", "i" or "g".
    pub fn option(self) -> &'static str {
        match self {
            ProfileErrorMode::Mean => "",
            ProfileErrorMode::Spread => "s",
            ProfileErrorMode::SpreadI => "i",
            ProfileErrorMode::SpreadG => "g",
        }
    }
}

/// The profile members of a `TProfile`, `TProfile2D` or `TProfile3D`.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// `fBinEntries`: Σw per global bin (flow included).
    pub bin_entries: Vec<f64>,
    /// `fBinSumw2`: Σw² per global bin; empty unless `Sumw2()` was called before filling
    /// (a length other than the number of bins is dropped, as ROOT ignores it).
    pub bin_sumw2: Vec<f64>,
    /// `fErrorMode`.
    pub error_mode: ProfileErrorMode,
    /// `fYmin` (`fZmin`, `fTmin`): the lower limit of accepted values (equal to `max`: none).
    pub min: f64,
    /// `fYmax` (`fZmax`, `fTmax`): the upper limit of accepted values.
    pub max: f64,
}

impl Profile {
    /// Read the profile members of `obj` (a profile of `dimension` axes with `ncells` bins).
    pub(super) fn from_object(obj: &Object, dimension: usize, ncells: usize) -> Result<Profile> {
        let bin_entries = floats(obj, "fBinEntries")?;
        if bin_entries.len() != ncells {
            return Err(Error::corrupt(format!(
                "{}: fBinEntries has {} values for {ncells} bins",
                obj.class,
                bin_entries.len()
            )));
        }
        let mut bin_sumw2 = floats_or_empty(obj, "fBinSumw2")?;
        if bin_sumw2.len() != ncells {
            bin_sumw2.clear();
        }
        let code = integer(obj, "fErrorMode")?;
        let error_mode = ProfileErrorMode::from_code(code)
            .ok_or_else(|| Error::corrupt(format!("{}: unknown fErrorMode {code}", obj.class)))?;
        let (min, max) = match dimension {
            1 => ("fYmin", "fYmax"),
            2 => ("fZmin", "fZmax"),
            _ => ("fTmin", "fTmax"),
        };
        Ok(Profile {
            bin_entries,
            bin_sumw2,
            error_mode,
            min: number_or_zero(obj, min)?,
            max: number_or_zero(obj, max)?,
        })
    }

    /// Whether Σw² is kept per bin (`TProfile::Sumw2()` was called: weighted fills).
    pub fn is_weighted(&self) -> bool {
        !self.bin_sumw2.is_empty()
    }

    /// `TProfile::GetBinEntries(bin)`: Σw of the bin (0 outside the array).
    pub fn bin_entries(&self, bin: usize) -> f64 {
        self.bin_entries.get(bin).copied().unwrap_or(0.0)
    }

    /// `TProfile::GetBinEffectiveEntries(bin)`: (Σw)² / Σw², or Σw without `fBinSumw2`.
    pub fn effective_entries(&self, bin: usize) -> f64 {
        let Some(&sum) = self.bin_entries.get(bin) else {
            return 0.0;
        };
        match self.bin_sumw2.get(bin) {
            None => sum,
            Some(&sumw2) if sumw2 > 0.0 => sum * sum / sumw2,
            Some(_) => 0.0,
        }
    }

    /// `TProfile::GetBinContent(bin)`: the mean of the values, `Σwv / Σw` (0 for an empty bin);
    /// `sum_wv` is the histogram's `fArray[bin]`.
    pub fn bin_content(&self, bin: usize, sum_wv: f64) -> f64 {
        let sum = self.bin_entries(bin);
        if sum == 0.0 {
            0.0
        } else {
            sum_wv / sum
        }
    }

    /// `TProfileHelper::GetBinError(bin)` in this profile's error mode; `sum_wv` and `sum_wv2`
    /// are the histogram's `fArray[bin]` and `fSumw2[bin]`.
    pub fn bin_error(&self, bin: usize, sum_wv: f64, sum_wv2: f64) -> f64 {
        self.bin_error_with(self.error_mode, bin, sum_wv, sum_wv2)
    }

    /// [`bin_error`](Self::bin_error) in another error mode (as after `SetErrorOption`).
    pub fn bin_error_with(
        &self,
        mode: ProfileErrorMode,
        bin: usize,
        sum_wv: f64,
        sum_wv2: f64,
    ) -> f64 {
        let sum = self.bin_entries(bin);
        let neff = self.effective_entries(bin);
        if sum == 0.0 {
            return 0.0;
        }
        if mode == ProfileErrorMode::SpreadG {
            return 1.0 / sum.sqrt();
        }
        let contsum = sum_wv / sum;
        let eprim2 = (sum_wv2 / sum - contsum * contsum).abs();
        let eprim = eprim2.sqrt();
        match mode {
            ProfileErrorMode::SpreadI => {
                if eprim != 0.0 {
                    eprim / neff.sqrt()
                } else {
                    1.0 / (12.0 * neff).sqrt()
                }
            }
            ProfileErrorMode::Spread => eprim,
            _ => eprim / neff.sqrt(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_modes() {
        // One bin with values 1 and 3 (w = 1): mean 2, spread 1.
        let p = Profile {
            bin_entries: vec![0.0, 2.0],
            bin_sumw2: vec![],
            error_mode: ProfileErrorMode::Mean,
            min: 0.0,
            max: 0.0,
        };
        let (wv, wv2) = (4.0, 10.0);
        assert_eq!(p.bin_content(1, wv), 2.0);
        assert_eq!(p.bin_content(0, 0.0), 0.0);
        assert_eq!(p.bin_error(1, wv, wv2), 1.0 / 2f64.sqrt());
        assert_eq!(p.bin_error_with(ProfileErrorMode::Spread, 1, wv, wv2), 1.0);
        assert_eq!(
            p.bin_error_with(ProfileErrorMode::SpreadG, 1, wv, wv2),
            1.0 / 2f64.sqrt()
        );
        // Zero spread: "i" gives 1/sqrt(12 N).
        assert_eq!(
            p.bin_error_with(ProfileErrorMode::SpreadI, 1, 4.0, 8.0),
            1.0 / 24f64.sqrt()
        );
        assert_eq!(p.bin_error(0, 0.0, 0.0), 0.0);
        assert_eq!(p.bin_error(7, 1.0, 1.0), 0.0);
        let w = Profile {
            bin_sumw2: vec![0.0, 2.5],
            ..p
        };
        assert_eq!(w.effective_entries(1), 4.0 / 2.5);
        assert_eq!(w.effective_entries(0), 0.0);
    }
}

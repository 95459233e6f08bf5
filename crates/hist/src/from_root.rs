//! Bins of histograms that ROOT wrote ([`rootio::RootHistogram`]): ROOT's `FindFixBin`, and
//! conversion into this crate's [`Axis`] and [`Lookup`].
//!
//! [`find_bin`] is `TAxis::FindFixBin` (`root-project/root:hist/hist/src/TAxis.cxx`) on the
//! axis as stored in the file:
//!
//! ```text
//! x < fXmin            → 0 (underflow)
//! !(x < fXmax)         → fNbins + 1 (overflow; NaN too, the comparison is false)
//! equal bins           → 1 + int(fNbins * (x - fXmin) / (fXmax - fXmin)), then moved by one
//!                        so that GetBinLowEdge(bin) <= x < GetBinUpEdge(bin) (ROOT 6.38+)
//! variable bins        → 1 + TMath::BinarySearch(fNbins + 1, fXbins, x)
//! ```
//!
//! The equal-bin arithmetic is [`columnar::binning::find_fix_bin`], the one the fills of this
//! crate use. `TMath::BinarySearch` is `std::lower_bound`: the index of the element equal to
//! `x`, else of the last one below it, which for strictly increasing edges puts a value on an
//! edge in the bin above it. [`find_global_bin`] is `TH1::FindFixBin(x, y, z)`:
//! `binx + (nx + 2) * (biny + (ny + 2) * binz)`.
//!
//! `TH1::FindBin` (not "Fix") differs only for axes that can grow (`TAxis::kCanExtend`, set on
//! labelled axes and by `TH1::SetCanExtend`): there ROOT extends the axis instead of returning a
//! flow bin; a histogram read from a file is not extended, so `FindFixBin` is the lookup rule.

use rootio::{RootAxis, RootHistogram};

use crate::axis::Axis;
use crate::error::Result;
use crate::lookup::Lookup;

/// ROOT's `TAxis::FindFixBin(x)` on an axis read from a file: 0 for underflow, `1..=nbins` in
/// range, `nbins + 1` for overflow and NaN.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let file = rootio::RootFile::open(concat!(env!("CARGO_MANIFEST_DIR"),
/// #     "/../rootio/tests/fixtures/histograms.root"))?;
/// let h = file.read_histogram("h1d_var")?; // edges 0, 1, 2.5, 5, 10, 20
/// let x = &h.axes[0];
/// assert_eq!(hist::find_bin(x, 2.5), 3); // an edge belongs to the bin above
/// assert_eq!(hist::find_bin(x, -1.0), 0);
/// assert_eq!(hist::find_bin(x, 20.0), 6);
/// assert_eq!(hist::find_bin(x, f64::NAN), 6);
/// # Ok(()) }
/// ```
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub fn find_bin(axis: &RootAxis, x: f64) -> usize {
    let n = axis.nbins;
    if x < axis.xmin {
        return 0;
    }
    // ROOT's `!(x < fXmax)`: also true for NaN.
    if !(x < axis.xmax) {
        return n + 1;
    }
    if !axis.is_variable() {
        let width = (axis.xmax - axis.xmin) / n as f64;
        return columnar::binning::find_fix_bin(x, n, axis.xmin, axis.xmax, width);
    }
    // `TMath::BinarySearch(fXbins.fN, fXbins.fArray, x)`: std::lower_bound, then back one
    // unless the element found equals x.
    let edges = &axis.xbins;
    let i = edges.partition_point(|&e| e < x);
    let found = if i < edges.len() && edges[i] == x {
        i as i64
    } else {
        i as i64 - 1
    };
    // In range, `found` is in 0..nbins for edges that start at fXmin and end at fXmax; keep the
    // result a valid bin number for files where they do not.
    (1 + found).clamp(0, n as i64 + 1) as usize
}

/// ROOT's `TH1::FindFixBin(x, y, z)`: the global bin of a point. `coords` gives x, y, z in that
/// order; coordinates beyond the histogram's dimension are ignored and missing ones count as 0.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let file = rootio::RootFile::open(concat!(env!("CARGO_MANIFEST_DIR"),
/// #     "/../rootio/tests/fixtures/histograms.root"))?;
/// let h = file.read_histogram("h2f")?;
/// let bin = hist::find_global_bin(&h, &[2.5, 4.0]);
/// println!("{} ± {}", h.bin_content(bin), h.bin_error(bin));
/// # Ok(()) }
/// ```
pub fn find_global_bin(h: &RootHistogram, coords: &[f64]) -> usize {
    let mut global = 0usize;
    let mut stride = 1usize;
    for (i, axis) in h.axes.iter().enumerate() {
        let x = coords.get(i).copied().unwrap_or(0.0);
        global += stride * find_bin(axis, x);
        stride *= axis.nbins + 2;
    }
    global
}

impl Axis {
    /// The axis of a histogram read from a file: regular for equal bins, variable when the
    /// file stores edges (`fXbins`), labelled with the axis title. Bin labels are not kept.
    ///
    /// Errors: the checks of [`Axis::regular`] and [`Axis::variable`] (ROOT files can hold
    /// axes these refuse, e.g. `fXmin == fXmax`).
    pub fn from_root(axis: &RootAxis) -> Result<Axis> {
        let a = if axis.is_variable() {
            Axis::variable(axis.xbins.clone())?
        } else {
            Axis::regular(axis.nbins, axis.xmin, axis.xmax)?
        };
        Ok(a.with_label(axis.title.clone()))
    }
}

impl Lookup {
    /// A lookup table of a histogram read from a file: its axes and the `GetBinContent` of every
    /// global bin (for a profile, the bin means), so that
    /// [`value`](Lookup::value) with [`OutOfRange::Flow`](crate::OutOfRange::Flow) is ROOT's
    /// `h->GetBinContent(h->FindFixBin(x, y, z))`.
    ///
    /// Errors: an axis that [`Axis::from_root`] refuses.
    pub fn from_root(h: &RootHistogram) -> Result<Lookup> {
        let axes = h
            .axes
            .iter()
            .map(Axis::from_root)
            .collect::<Result<Vec<_>>>()?;
        Lookup::new(axes, h.values())
    }

    /// As [`from_root`](Self::from_root), with `GetBinError` of every bin as the values.
    pub fn errors_from_root(h: &RootHistogram) -> Result<Lookup> {
        let axes = h
            .axes
            .iter()
            .map(Axis::from_root)
            .collect::<Result<Vec<_>>>()?;
        Lookup::new(axes, h.errors())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(nbins: usize, xmin: f64, xmax: f64, xbins: Vec<f64>) -> RootAxis {
        RootAxis {
            name: "xaxis".into(),
            title: "x".into(),
            nbins,
            xmin,
            xmax,
            xbins,
            labels: Vec::new(),
            alphanumeric: false,
            can_extend: false,
        }
    }

    #[test]
    fn fixed_and_variable_bins() {
        let a = axis(4, 0.0, 2.0, vec![]);
        let cases = [
            (-0.1, 0),
            (0.0, 1),
            (0.5, 2),
            (1.99, 4),
            (2.0, 5),
            (f64::NAN, 5),
        ];
        for (x, b) in cases {
            assert_eq!(find_bin(&a, x), b, "{x}");
        }
        let v = axis(3, 0.0, 10.0, vec![0.0, 1.0, 2.5, 10.0]);
        let cases = [
            (-1.0, 0),
            (0.0, 1),
            (1.0, 2),
            (2.5, 3),
            (9.99, 3),
            (10.0, 4),
        ];
        for (x, b) in cases {
            assert_eq!(find_bin(&v, x), b, "{x}");
        }
        assert_eq!(find_bin(&v, f64::NEG_INFINITY), 0);
        assert_eq!(find_bin(&v, f64::INFINITY), 4);
        // Repeated edges: lower_bound picks the first equal one, as TMath::BinarySearch.
        let d = axis(3, 0.0, 2.0, vec![0.0, 1.0, 1.0, 2.0]);
        assert_eq!(find_bin(&d, 1.0), 2);
        // Edges that do not start at fXmin stay valid bin numbers.
        let odd = axis(2, 0.0, 3.0, vec![1.0, 2.0, 3.0]);
        assert_eq!(find_bin(&odd, 0.5), 0);
    }

    #[test]
    fn conversion_to_axes() {
        let a = Axis::from_root(&axis(4, 0.0, 2.0, vec![])).unwrap();
        assert!(a.is_regular() && a.bins() == 4 && a.label() == "x");
        let v = Axis::from_root(&axis(3, 0.0, 10.0, vec![0.0, 1.0, 2.5, 10.0])).unwrap();
        assert_eq!(v.edges(), vec![0.0, 1.0, 2.5, 10.0]);
        assert!(Axis::from_root(&axis(1, 1.0, 1.0, vec![])).is_err());
    }
}

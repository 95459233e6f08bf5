//! Axes: how a coordinate maps to a bin.
//!
//! # Bin numbering
//!
//! Every axis has an underflow and an overflow bin, exactly like ROOT's `TAxis` and
//! boost-histogram's default axes. [`Axis::index`] returns a position in storage that *includes*
//! them: `0` is underflow, `1..=bins` are the bins in range, `bins + 1` is overflow. These are ROOT's
//! bin numbers, so `index(x)` is `TAxis::FindFixBin(x)`.
//!
//! Bin `i` covers `[edge(i-1), edge(i))`: a value on an edge belongs to the bin above it, the
//! lower limit is in the first bin and the upper limit is in overflow.
//!
//! # Values that are not numbers
//!
//! * `-inf` goes to underflow and `+inf` to overflow.
//! * `NaN` goes to **overflow**. ROOT's `FindFixBin` tests `!(x < fXmax)` precisely "to catch NaN",
//!   so `TH1::Fill(NaN)` lands in the overflow bin; boost-histogram's regular axis computes
//!   `z = (x - min) / delta` and sends everything that is not `z < 1` (NaN included) to overflow.
//!   Both agree, so we follow them: a NaN is counted, in overflow, never silently dropped.
//!
//! # Regular axes: ROOT's arithmetic, bin for bin
//!
//! Bin-exact agreement with ROOT is a project requirement, and the formula matters at edges.
//! ROOT computes (`hist/hist/src/TAxis.cxx`, `TAxis::FindFixBin`)
//!
//! ```text
//! bin = 1 + int(fNbins * (x - fXmin) / (fXmax - fXmin))
//! ```
//!
//! while boost-histogram computes `int((x - min) / (max - min) * n)`. The two round differently
//! and disagree for some values within an ulp or so of an edge. We follow ROOT.
//!
//! That raw formula can itself put a value in a bin whose edges (as `TAxis::GetBinLowEdge` /
//! `GetBinUpEdge` compute them, `fXmin + (bin - 1) * width` with `width = (fXmax - fXmin) / fNbins`)
//! do not contain it: `TAxis(1, -1, 0).FindBin(-1e-17)` gave the overflow bin. ROOT fixed this in
//! root-project/root#19033 (merged June 2025, after the 6.36 release) by correcting the raw result
//! with one comparison against each of the two edges, so that
//! `GetBinLowEdge(bin) <= x < GetBinUpEdge(bin)` always holds; ROOT's tests
//! (`TAxis.BinComputation_FPAccuracy`) assert exactly that. We do the same. Within the axis range
//! that invariant names exactly one bin, so this crate agrees with current ROOT for every value.
//! Older ROOT releases use the uncorrected formula and can differ by one bin for values within a
//! few ulps of an edge; random values essentially never hit that (the tests check both).
//!
//! One consequence of following `GetBinUpEdge`: when `low + bins * width` rounds to just below
//! `high`, a value in that last ulp-wide sliver is above the last bin's upper edge and goes to
//! overflow.
//!
//! # Variable axes
//!
//! `1 + TMath::BinarySearch(edges, x)`: the bin whose lower edge is the largest edge `<= x`.

// ROOT's `TAxis::FindFixBin` for fixed bins, with the edge correction of ROOT 6.38.
use crate::error::{HistError, Result};
use columnar::binning::find_fix_bin as regular_index;

/// How an axis divides its range, as seen from outside (see [`Axis::binning`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Binning<'a> {
    /// `bins` equal bins between `low` and `high`.
    Regular {
        /// Number of bins in range (flow bins not counted).
        bins: usize,
        /// Lower limit, included in the first bin.
        low: f64,
        /// Upper limit, the start of the overflow bin.
        high: f64,
    },
    /// Bins between consecutive `edges`.
    Variable {
        /// Strictly increasing edges, one more than the number of bins.
        edges: &'a [f64],
    },
}

/// The private, validated representation.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Regular {
        bins: usize,
        low: f64,
        high: f64,
        /// `(high - low) / bins`, ROOT's bin width.
        width: f64,
    },
    Variable {
        edges: Vec<f64>,
    },
}

/// One histogram axis: a validated binning plus a label for plots and metadata.
///
/// Build one with [`Axis::regular`] or [`Axis::variable`]; both check their input, so every `Axis`
/// value is usable.
///
/// ```
/// use hist::Axis;
///
/// let axis = Axis::regular(4, 0.0, 2.0)?.with_label("p_T [GeV]");
/// assert_eq!(axis.index(-0.1), 0); // underflow
/// assert_eq!(axis.index(0.0), 1); // the lower limit is in the first bin
/// assert_eq!(axis.index(0.5), 2); // an edge belongs to the bin above it
/// assert_eq!(axis.index(2.0), 5); // the upper limit is overflow
/// assert_eq!(axis.index(f64::NAN), 5); // NaN is overflow, as in ROOT and boost-histogram
/// # Ok::<(), hist::HistError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    kind: Kind,
    label: String,
}

fn check_finite(what: impl FnOnce() -> String, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(HistError::NonFinite {
            what: what(),
            value,
        })
    }
}

impl Axis {
    /// A regular axis of `bins` equal bins from `low` (included) to `high` (excluded), like
    /// `TH1D("h", "", bins, low, high)`.
    ///
    /// Errors: no bins ("histogram needs at least one bin"), a limit that is not finite,
    /// `low >= high` ("low (5) must be below high (2)"), or a range whose bin width is not a
    /// positive finite `f64`.
    pub fn regular(bins: usize, low: f64, high: f64) -> Result<Self> {
        if bins == 0 {
            return Err(HistError::NoBins);
        }
        check_finite(|| "low".to_owned(), low)?;
        check_finite(|| "high".to_owned(), high)?;
        if low >= high {
            return Err(HistError::EmptyRange { low, high });
        }
        let width = (high - low) / bins as f64;
        if !(width.is_finite() && width > 0.0) {
            return Err(HistError::UnrepresentableWidth {
                bins,
                low,
                high,
                width,
            });
        }
        Ok(Self {
            kind: Kind::Regular {
                bins,
                low,
                high,
                width,
            },
            label: String::new(),
        })
    }

    /// A variable-width axis with the given bin edges, like `TH1D("h", "", n, edges)`.
    ///
    /// Errors: fewer than two edges, an edge that is not finite, or edges that are not strictly
    /// increasing (the message names the first offending pair).
    pub fn variable(edges: impl Into<Vec<f64>>) -> Result<Self> {
        let edges = edges.into();
        if edges.len() < 2 {
            return Err(HistError::TooFewEdges { count: edges.len() });
        }
        for (i, &e) in edges.iter().enumerate() {
            check_finite(|| format!("edge {i}"), e)?;
        }
        for i in 1..edges.len() {
            if edges[i] <= edges[i - 1] {
                return Err(HistError::EdgesNotIncreasing {
                    index: i,
                    value: edges[i],
                    previous: edges[i - 1],
                });
            }
        }
        Ok(Self {
            kind: Kind::Variable { edges },
            label: String::new(),
        })
    }

    /// The same axis with a label (an axis title such as `"m_{μμ} [GeV]"`), used by plots and
    /// written to UHI metadata.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The axis label, empty when none was set.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Sets the axis label.
    pub fn set_label(&mut self, label: impl Into<String>) {
        self.label = label.into();
    }

    /// How the axis divides its range.
    pub fn binning(&self) -> Binning<'_> {
        match &self.kind {
            &Kind::Regular {
                bins, low, high, ..
            } => Binning::Regular { bins, low, high },
            Kind::Variable { edges } => Binning::Variable { edges },
        }
    }

    /// Whether the bins are all of equal width (a regular axis).
    pub fn is_regular(&self) -> bool {
        matches!(self.kind, Kind::Regular { .. })
    }

    /// Number of bins in range, flow bins not counted (ROOT's `GetNbins()`).
    pub fn bins(&self) -> usize {
        match &self.kind {
            Kind::Regular { bins, .. } => *bins,
            Kind::Variable { edges } => edges.len() - 1,
        }
    }

    /// Number of storage slots: the bins plus underflow and overflow.
    pub fn extent(&self) -> usize {
        self.bins() + 2
    }

    /// Lower limit of the axis (ROOT's `GetXmin()`).
    pub fn low(&self) -> f64 {
        match &self.kind {
            Kind::Regular { low, .. } => *low,
            Kind::Variable { edges } => edges[0],
        }
    }

    /// Upper limit of the axis (ROOT's `GetXmax()`).
    pub fn high(&self) -> f64 {
        match &self.kind {
            Kind::Regular { high, .. } => *high,
            Kind::Variable { edges } => edges[edges.len() - 1],
        }
    }

    /// The `bins() + 1` bin edges.
    ///
    /// For a regular axis edge `i` is `low + i * width`, as ROOT's `GetBinLowEdge(i + 1)`
    /// computes it, except the last edge, which is `high` itself.
    pub fn edges(&self) -> Vec<f64> {
        match &self.kind {
            &Kind::Regular {
                bins,
                low,
                high,
                width,
            } => {
                let mut edges: Vec<f64> = (0..bins).map(|i| low + i as f64 * width).collect();
                edges.push(high);
                edges
            }
            Kind::Variable { edges } => edges.clone(),
        }
    }

    /// The `bins()` bin centres, computed as ROOT's `TAxis::GetBinCenter` does.
    pub fn centers(&self) -> Vec<f64> {
        match &self.kind {
            &Kind::Regular {
                bins, low, width, ..
            } => (0..bins)
                .map(|i| low + i as f64 * width + 0.5 * width)
                .collect(),
            Kind::Variable { edges } => edges
                .windows(2)
                .map(|w| w[0] + 0.5 * (w[1] - w[0]))
                .collect(),
        }
    }

    /// Storage index of `x`, flow bins included: `0` underflow, `1..=bins()` in range,
    /// `bins() + 1` overflow (NaN included). Equal to ROOT's `TAxis::FindFixBin(x)`; see the
    /// module documentation for the exact arithmetic.
    #[inline]
    pub fn index(&self, x: f64) -> usize {
        match &self.kind {
            &Kind::Regular {
                bins,
                low,
                high,
                width,
            } => regular_index(x, bins, low, high, width),
            Kind::Variable { edges } => variable_index(x, edges),
        }
    }

    /// A regular axis as the block kernels take it (`None` for variable bins).
    pub(crate) fn regular_kernel(&self) -> Option<columnar::binning::Regular> {
        match self.kind {
            Kind::Regular {
                bins, low, high, ..
            } => columnar::binning::Regular::new(bins, low, high),
            Kind::Variable { .. } => None,
        }
    }

    /// A cheap copy of the binning for tight fill loops.
    #[inline]
    pub(crate) fn indexer(&self) -> Indexer<'_> {
        match &self.kind {
            &Kind::Regular {
                bins,
                low,
                high,
                width,
            } => Indexer::Regular(RegularIndex {
                bins,
                low,
                high,
                width,
            }),
            Kind::Variable { edges } => Indexer::Variable(VariableIndex { edges }),
        }
    }

    /// Whether two axes have identical binning (labels are ignored). Edges are compared bit for
    /// bit: merging is only meaningful when every value maps to the same bin in both.
    pub fn same_binning(&self, other: &Axis) -> bool {
        match (&self.kind, &other.kind) {
            (
                Kind::Regular {
                    bins: b1,
                    low: l1,
                    high: h1,
                    ..
                },
                Kind::Regular {
                    bins: b2,
                    low: l2,
                    high: h2,
                    ..
                },
            ) => b1 == b2 && l1.to_bits() == l2.to_bits() && h1.to_bits() == h2.to_bits(),
            (Kind::Variable { edges: e1 }, Kind::Variable { edges: e2 }) => {
                e1.len() == e2.len() && e1.iter().zip(e2).all(|(a, b)| a.to_bits() == b.to_bits())
            }
            _ => false,
        }
    }

    /// A short human description of the binning, for error messages.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            Kind::Regular {
                bins, low, high, ..
            } => format!("regular({bins}, {low}, {high})"),
            Kind::Variable { edges } => {
                format!(
                    "variable({} edges from {} to {})",
                    edges.len(),
                    edges[0],
                    edges[edges.len() - 1]
                )
            }
        }
    }
}

/// Index computation for one kind of axis, so fill loops are compiled once per axis kind and the
/// per-value work is only the arithmetic.
pub(crate) trait BinIndex: Copy {
    /// Same as [`Axis::index`].
    fn index(&self, x: f64) -> usize;
}

/// A regular axis, unpacked for fill loops.
#[derive(Clone, Copy)]
pub(crate) struct RegularIndex {
    bins: usize,
    low: f64,
    high: f64,
    width: f64,
}

impl BinIndex for RegularIndex {
    #[inline(always)]
    fn index(&self, x: f64) -> usize {
        regular_index(x, self.bins, self.low, self.high, self.width)
    }
}

/// A variable axis, borrowed for fill loops.
#[derive(Clone, Copy)]
pub(crate) struct VariableIndex<'a> {
    edges: &'a [f64],
}

impl BinIndex for VariableIndex<'_> {
    #[inline(always)]
    fn index(&self, x: f64) -> usize {
        variable_index(x, self.edges)
    }
}

/// Either kind of axis, for dispatching once before a loop.
pub(crate) enum Indexer<'a> {
    Regular(RegularIndex),
    Variable(VariableIndex<'a>),
}

/// ROOT's `1 + TMath::BinarySearch(n + 1, edges, x)` guarded by the range checks of `FindFixBin`.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
#[inline(always)]
fn variable_index(x: f64, edges: &[f64]) -> usize {
    let n = edges.len() - 1;
    if x < edges[0] {
        0
    } else if !(x < edges[n]) {
        n + 1
    } else {
        // Number of edges <= x, which is the 1-based bin number.
        edges.partition_point(|&e| e <= x)
    }
}

/// ROOT's raw fixed-bin formula, without the 6.38 edge correction; for tests that compare
/// against older ROOT releases.
#[doc(hidden)]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub fn root_legacy_find_fix_bin(x: f64, bins: usize, low: f64, high: f64) -> usize {
    if x < low {
        0
    } else if !(x < high) {
        bins + 1
    } else {
        1 + ((bins as f64 * (x - low)) / (high - low)) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_clear() {
        assert_eq!(
            Axis::regular(0, 0.0, 1.0).unwrap_err().to_string(),
            "histogram needs at least one bin"
        );
        assert_eq!(
            Axis::regular(10, 5.0, 2.0).unwrap_err().to_string(),
            "low (5) must be below high (2)"
        );
        assert_eq!(
            Axis::regular(10, 1.0, 1.0).unwrap_err().to_string(),
            "low (1) must be below high (1)"
        );
        assert_eq!(
            Axis::regular(10, f64::NAN, 1.0).unwrap_err().to_string(),
            "low must be a finite number, got NaN"
        );
        assert_eq!(
            Axis::regular(10, 0.0, f64::INFINITY)
                .unwrap_err()
                .to_string(),
            "high must be a finite number, got inf"
        );
        assert!(matches!(
            Axis::regular(10, -f64::MAX, f64::MAX),
            Err(HistError::UnrepresentableWidth { .. })
        ));
        assert_eq!(
            Axis::variable(vec![1.0]).unwrap_err().to_string(),
            "a variable axis needs at least 2 edges (one bin), got 1"
        );
        assert_eq!(
            Axis::variable(vec![0.0, 1.0, 1.0]).unwrap_err().to_string(),
            "variable axis edges must be strictly increasing, but edge 2 (1) is not above edge 1 (1)"
        );
        assert_eq!(
            Axis::variable(vec![0.0, f64::NAN]).unwrap_err().to_string(),
            "edge 1 must be a finite number, got NaN"
        );
    }

    #[test]
    fn root_regression_cases() {
        // Cases from ROOT's own tests (hist/hist/test, TAxis BinComputation_FPAccuracy).
        let a = Axis::regular(1, -1.0, 0.0).unwrap();
        assert_eq!(a.index(-1e-17), 1);
        let a = Axis::regular(128, -0.352, 0.352).unwrap();
        assert_eq!(a.index(-0.0220), 61);
        let a = Axis::regular(30, 3.0, 6.0).unwrap();
        for i in 1..=30 {
            let low_edge = 3.0 + (i - 1) as f64 * (3.0 / 30.0);
            assert_eq!(a.index(low_edge), i);
        }
        let a = Axis::regular(2000, -1000.0, 1000.0).unwrap();
        let cases = [
            (f64::from_bits((-1000.0f64).to_bits() + 1), 0),
            (-1000.0, 1),
            (f64::from_bits((-1000.0f64).to_bits() - 1), 1),
            (-500.00000000001, 500),
            (-500.0, 501),
            (-499.9, 501),
            (-1e-20, 1000),
            (-f64::from_bits(1), 1000),
            (-0.0, 1001),
            (0.0, 1001),
            (499.9, 1500),
            (500.0, 1501),
            (1000.0 - 1e-13, 2000),
            (f64::from_bits(1000.0f64.to_bits() - 1), 2000),
            (1000.0, 2001),
        ];
        for (x, bin) in cases {
            assert_eq!(a.index(x), bin, "x = {x:e}");
        }
        for (bins, low, high) in [(88, 1010.0, 1098.0), (90, 0.0, 10.0)] {
            let a = Axis::regular(bins, low, high).unwrap();
            let width = (high - low) / bins as f64;
            for i in 1..=bins {
                let lo = low + (i - 1) as f64 * width;
                let up = low + i as f64 * width;
                assert_eq!(a.index(lo), i);
                assert_eq!(a.index(up), i + 1);
                assert_eq!(a.index(up - up * f64::EPSILON), i);
            }
        }
    }

    #[test]
    fn variable_index_matches_binary_search() {
        let a = Axis::variable(vec![0.0, 1.0, 2.5, 10.0]).unwrap();
        let expected = [
            (-1.0, 0),
            (0.0, 1),
            (0.99, 1),
            (1.0, 2),
            (2.5, 3),
            (9.999, 3),
            (10.0, 4),
            (f64::NAN, 4),
            (f64::NEG_INFINITY, 0),
            (f64::INFINITY, 4),
        ];
        for (x, bin) in expected {
            assert_eq!(a.index(x), bin, "x = {x}");
        }
    }
}

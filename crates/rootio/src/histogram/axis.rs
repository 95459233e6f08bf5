//! [`RootAxis`]: a `TAxis` read from a file.
//!
//! What is stored (`root-project/root:hist/hist/inc/TAxis.h`, streamed member by member through
//! the file's streamer info, see [`crate::write::hist`] for the full layout):
//!
//! * `fNbins`, `fXmin`, `fXmax`: the number of bins and the outer edges;
//! * `fXbins` (a `TArrayD`): empty for equal bins, else all `fNbins + 1` edges;
//! * `fLabels`: null, or a `THashList` of `TObjString`s, each carrying its 1-based bin number
//!   in `TObject::fUniqueID` (`TAxis::SetBinLabel` sets it; `TAxis::GetBinLabel` looks it up).
//!   The list is in the order the labels were set, not bin order, and need not cover every bin;
//! * `fBits2`: `kAlphanumeric` (bit 0) once every bin is labelled or a fill by label happened,
//!   `kCanExtend` (bit 1), `kNotAlpha` (bit 2).
//!
//! The edge arithmetic mirrors `TAxis::GetBinLowEdge`/`GetBinUpEdge` exactly: `fXbins` is used
//! only for bins `1..=fNbins`, every other bin number (the flow bins, and the upper edge of the
//! overflow bin) takes the equal-width formula `fXmin + (bin - 1) * ((fXmax - fXmin) / fNbins)`
//! even on a variable axis.

use super::members::{floats, integer, string};
use crate::error::{Error, Result};
use crate::object::{Object, Value};

/// `TAxis::kAlphanumeric` in `TAxis::fBits2`.
const ALPHANUMERIC: u64 = 1;
/// `TAxis::kCanExtend` in `TAxis::fBits2`.
const CAN_EXTEND: u64 = 2;

/// One axis of a histogram read from a file (ROOT's `TAxis`).
#[derive(Debug, Clone, PartialEq)]
pub struct RootAxis {
    /// `fName`: `xaxis`, `yaxis` or `zaxis`.
    pub name: String,
    /// `fTitle`: the axis title, e.g. `p_{T} [GeV]`.
    pub title: String,
    /// `fNbins`: the number of bins, flow bins not counted (at least 1).
    pub nbins: usize,
    /// `fXmin`: the low edge of bin 1.
    pub xmin: f64,
    /// `fXmax`: the high edge of bin `nbins`.
    pub xmax: f64,
    /// `fXbins`: all `nbins + 1` edges of a variable-width axis; empty for equal bins.
    pub xbins: Vec<f64>,
    /// `fLabels` as (bin, label), in the order ROOT lists them; empty for a numeric axis.
    pub labels: Vec<(usize, String)>,
    /// `TAxis::IsAlphanumeric()`: ROOT treats the axis as categories.
    pub alphanumeric: bool,
    /// `TAxis::CanExtend()`: ROOT may add bins when filling by label or out of range.
    pub can_extend: bool,
}

impl RootAxis {
    /// Read a `TAxis` object, checking its bin count and edges.
    pub fn from_object(axis: &Object) -> Result<RootAxis> {
        let nbins = integer(axis, "fNbins")?;
        let xmin = super::members::number(axis, "fXmin")?;
        let xmax = super::members::number(axis, "fXmax")?;
        let name = string(axis, "fName");
        let bad = |m: String| Err(Error::corrupt(format!("TAxis {name}: {m}")));
        let nbins = match usize::try_from(nbins) {
            Ok(n) if n >= 1 && n < i32::MAX as usize => n,
            _ => return bad(format!("fNbins is {nbins}")),
        };
        let xbins = floats(axis, "fXbins")?;
        if !xbins.is_empty() && xbins.len() != nbins + 1 {
            return bad(format!(
                "fXbins has {} edges for {nbins} bins (expected {})",
                xbins.len(),
                nbins + 1
            ));
        }
        let bits2 = axis.get("fBits2").and_then(Value::as_i64).unwrap_or(0) as u64;
        Ok(RootAxis {
            title: string(axis, "fTitle"),
            nbins,
            xmin,
            xmax,
            xbins,
            labels: read_labels(axis),
            alphanumeric: bits2 & ALPHANUMERIC != 0,
            can_extend: bits2 & CAN_EXTEND != 0,
            name,
        })
    }

    /// Whether the bins have individual edges (`fXbins` is not empty).
    pub fn is_variable(&self) -> bool {
        !self.xbins.is_empty()
    }

    /// `TAxis::GetBinLowEdge(bin)`, with ROOT's arithmetic (see the module documentation).
    pub fn bin_low_edge(&self, bin: i64) -> f64 {
        if self.is_variable() && bin > 0 && bin <= self.nbins as i64 {
            return self.xbins[bin as usize - 1];
        }
        let width = (self.xmax - self.xmin) / self.nbins as f64;
        self.xmin + bin.saturating_sub(1) as f64 * width
    }

    /// `TAxis::GetBinUpEdge(bin)`, with ROOT's arithmetic.
    pub fn bin_up_edge(&self, bin: i64) -> f64 {
        if self.is_variable() && bin > 0 && bin <= self.nbins as i64 {
            return self.xbins[bin as usize];
        }
        let width = (self.xmax - self.xmin) / self.nbins as f64;
        self.xmin + bin as f64 * width
    }

    /// `TAxis::GetBinCenter(bin)`: `low + 0.5 * width`, with ROOT's order of operations.
    pub fn bin_center(&self, bin: i64) -> f64 {
        if self.is_variable() && bin > 0 && bin <= self.nbins as i64 {
            let (lo, hi) = (self.xbins[bin as usize - 1], self.xbins[bin as usize]);
            return lo + 0.5 * (hi - lo);
        }
        let width = (self.xmax - self.xmin) / self.nbins as f64;
        self.xmin + bin.saturating_sub(1) as f64 * width + 0.5 * width
    }

    /// The `nbins + 1` edges: `fXbins` for a variable axis, else the low edges of bins
    /// `1..=nbins` and the up edge of bin `nbins`, as ROOT computes them.
    pub fn edges(&self) -> Vec<f64> {
        if self.is_variable() {
            return self.xbins.clone();
        }
        let mut e: Vec<f64> = (1..=self.nbins as i64)
            .map(|b| self.bin_low_edge(b))
            .collect();
        e.push(self.bin_up_edge(self.nbins as i64));
        e
    }

    /// `TAxis::GetBinLabel(bin)`: the label whose `fUniqueID` is `bin`, if any.
    pub fn label(&self, bin: usize) -> Option<&str> {
        self.labels
            .iter()
            .find(|(b, _)| *b == bin)
            .map(|(_, l)| l.as_str())
    }
}

/// `fLabels`: the `TObjString`s of the `THashList`, with their `fUniqueID` as the bin number.
/// Anything else in the list (never written by ROOT) is ignored.
fn read_labels(axis: &Object) -> Vec<(usize, String)> {
    let Some(Value::Object(list)) = axis.get("fLabels") else {
        return Vec::new();
    };
    list.objects("fObjects")
        .iter()
        .filter(|o| o.class == "TObjString")
        .filter_map(|o| {
            let bin = o.int("fUniqueID").and_then(|b| usize::try_from(b).ok())?;
            Some((bin, o.str("fString").unwrap_or_default().to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(nbins: usize, xmin: f64, xmax: f64, xbins: Vec<f64>) -> RootAxis {
        RootAxis {
            name: "xaxis".into(),
            title: String::new(),
            nbins,
            xmin,
            xmax,
            xbins,
            labels: vec![(3, "c".into()), (1, "a".into())],
            alphanumeric: false,
            can_extend: false,
        }
    }

    #[test]
    fn edges_follow_root_arithmetic() {
        let a = axis(3, 0.0, 0.3, vec![]);
        // ROOT's edges are `xmin + k * ((xmax - xmin) / nbins)`: 0.3 / 3 rounds below 0.1.
        let w = 0.3 / 3.0;
        assert_eq!(a.edges(), vec![0.0, w, 2.0 * w, 3.0 * w]);
        assert_eq!(a.edges()[1], 0.09999999999999999);
        assert_eq!(a.bin_low_edge(0), -w);
        let v = axis(2, 0.0, 5.0, vec![0.0, 1.0, 5.0]);
        assert_eq!(v.edges(), vec![0.0, 1.0, 5.0]);
        assert_eq!(v.bin_low_edge(2), 1.0);
        // Outside 1..=nbins a variable axis uses the equal-width formula, as TAxis does.
        assert_eq!(v.bin_low_edge(3), 5.0);
        assert_eq!(v.bin_low_edge(0), -2.5);
        assert_eq!(v.bin_center(2), 3.0);
        assert_eq!(v.label(3), Some("c"));
        assert_eq!(v.label(2), None);
    }
}

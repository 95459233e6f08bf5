//! A histogram used as a table of values: scale factors and weights stored as TH1/TH2/TH3 maps
//! (`lookup("sf.root:h2", abs(Muon.eta), Muon.pt)` in the expression language).
//!
//! The bin of a value is ROOT's `TAxis::FindBin` for an axis that is not extended: the same
//! [`Axis::index`] that fills use (fixed bins with ROOT 6.38's edge correction, variable bins by
//! binary search; NaN is overflow). The value of a point is the content of its global bin
//! `bx + (nx + 2) * (by + (ny + 2) * bz)`, so by default a point outside the axes reads the
//! under/overflow content, exactly `h->GetBinContent(h->FindBin(x, y))`. With
//! [`OutOfRange::Clamp`], each coordinate's bin is clamped into `1..=bins` first, the usual
//! recipe for scale-factor maps whose last bin holds for everything above it (NaN then takes the
//! last bin, as overflow clamps to it).

use crate::axis::Axis;
use crate::error::{HistError, Result};

/// What a coordinate outside an axis reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutOfRange {
    /// The under/overflow bin's content: ROOT's `GetBinContent(FindBin(x))`.
    #[default]
    Flow,
    /// The first or last bin in range.
    Clamp,
}

/// A binned table of values over one to three axes, in ROOT's global-bin order (flow bins
/// included, x fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    axes: Vec<Axis>,
    values: Vec<f64>,
}

impl Lookup {
    /// A table over `axes` (one to three) whose `values` are in ROOT's global-bin order with
    /// flow bins: `Π (bins + 2)` of them.
    pub fn new(axes: Vec<Axis>, values: Vec<f64>) -> Result<Lookup> {
        if axes.is_empty() || axes.len() > 3 {
            return Err(HistError::Lookup(format!(
                "a lookup table has 1 to 3 axes, not {}",
                axes.len()
            )));
        }
        let expected = axes
            .iter()
            .try_fold(1usize, |n, a| n.checked_mul(a.bins() + 2));
        if expected != Some(values.len()) {
            return Err(HistError::Lookup(format!(
                "{} values for axes of {} bins with flow",
                values.len(),
                axes.iter()
                    .map(|a| (a.bins() + 2).to_string())
                    .collect::<Vec<_>>()
                    .join(" × ")
            )));
        }
        Ok(Lookup { axes, values })
    }

    /// The axes.
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    /// Number of axes (the number of coordinates a point has).
    pub fn dimension(&self) -> usize {
        self.axes.len()
    }

    /// Every value, flow bins included, in global-bin order.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The value at one point (`coords.len()` must be the dimension).
    pub fn value(&self, coords: &[f64], mode: OutOfRange) -> f64 {
        let mut global = 0usize;
        let mut stride = 1usize;
        for (axis, &x) in self.axes.iter().zip(coords) {
            global += stride * bin(axis, x, mode);
            stride *= axis.bins() + 2;
        }
        self.values[global]
    }

    /// The value of every point: `coords` holds one slice per axis, all of length `n`; the
    /// results are appended to `out`.
    pub fn values_at(&self, coords: &[&[f64]], mode: OutOfRange, out: &mut Vec<f64>) {
        let n = coords.first().map_or(0, |c| c.len());
        if coords.len() != self.axes.len() || coords.iter().any(|c| c.len() != n) {
            // The caller checked the dimension; make a mismatch visible instead of panicking.
            out.extend(std::iter::repeat_n(f64::NAN, n));
            return;
        }
        // Bin per axis over the whole column, then one gather.
        let mut global = vec![0usize; n];
        let mut stride = 1usize;
        for (axis, xs) in self.axes.iter().zip(coords) {
            for (g, &x) in global.iter_mut().zip(xs.iter()) {
                *g += stride * bin(axis, x, mode);
            }
            stride *= axis.bins() + 2;
        }
        out.extend(global.iter().map(|&g| self.values[g]));
    }
}

#[inline]
fn bin(axis: &Axis, x: f64, mode: OutOfRange) -> usize {
    let b = axis.index(x);
    match mode {
        OutOfRange::Flow => b,
        OutOfRange::Clamp => b.clamp(1, axis.bins()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_and_clamp_follow_root() {
        // A 2 × 3 map: x edges 0, 1, 2; y edges 0, 10, 20, 50.
        let x = Axis::regular(2, 0.0, 2.0).unwrap();
        let y = Axis::variable(vec![0.0, 10.0, 20.0, 50.0]).unwrap();
        // Value = 10 * by + bx, flow bins included (4 × 5 global bins).
        let values: Vec<f64> = (0..5)
            .flat_map(|by| (0..4).map(move |bx| (10 * by + bx) as f64))
            .collect();
        let t = Lookup::new(vec![x, y], values).unwrap();
        assert_eq!(t.value(&[0.5, 15.0], OutOfRange::Flow), 21.0);
        assert_eq!(t.value(&[-1.0, 15.0], OutOfRange::Flow), 20.0);
        assert_eq!(t.value(&[2.0, 60.0], OutOfRange::Flow), 43.0);
        assert_eq!(t.value(&[f64::NAN, 5.0], OutOfRange::Flow), 13.0);
        assert_eq!(t.value(&[-1.0, 60.0], OutOfRange::Clamp), 31.0);
        assert_eq!(t.value(&[f64::NAN, -5.0], OutOfRange::Clamp), 12.0);
        let mut out = Vec::new();
        t.values_at(
            &[&[0.5, -1.0, 1.5], &[15.0, 15.0, 0.0]],
            OutOfRange::Flow,
            &mut out,
        );
        assert_eq!(out, [21.0, 20.0, 12.0]);
    }

    #[test]
    fn wrong_sizes_are_errors() {
        let x = Axis::regular(2, 0.0, 2.0).unwrap();
        assert!(Lookup::new(vec![x.clone()], vec![0.0; 3]).is_err());
        assert!(Lookup::new(vec![], vec![]).is_err());
        assert!(Lookup::new(vec![x.clone(), x.clone(), x.clone(), x], vec![0.0; 256]).is_err());
    }
}

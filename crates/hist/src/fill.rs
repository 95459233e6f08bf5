//! Filling: single values and the bulk hot path.
//!
//! Bulk fills dispatch once on the axis kinds and the storage, then run one tight loop per
//! combination (monomorphised through [`BinIndex`]): no allocation, no per-value branching on
//! configuration, only the bin arithmetic and the additions.

use crate::axis::{BinIndex, Indexer};
use crate::error::{HistError, Result};
use crate::histogram::Histogram;

/// Where the weight of value `i` comes from.
trait Weights: Copy {
    fn get(&self, i: usize) -> f64;
}

/// Every value has weight 1.
#[derive(Clone, Copy)]
struct Unit;

impl Weights for Unit {
    #[inline(always)]
    fn get(&self, _: usize) -> f64 {
        1.0
    }
}

/// Weights from a slice the same length as the values (checked before the loop).
#[derive(Clone, Copy)]
struct PerValue<'a>(&'a [f64]);

impl Weights for PerValue<'_> {
    #[inline(always)]
    fn get(&self, i: usize) -> f64 {
        self.0[i]
    }
}

/// Runs `$body` with `$idx` bound to the concrete index type of `$axis`.
macro_rules! with_index {
    ($axis:expr, $idx:ident => $body:expr) => {
        match $axis.indexer() {
            Indexer::Regular($idx) => $body,
            Indexer::Variable($idx) => $body,
        }
    };
}

#[inline(always)]
fn kernel_1d<I: BinIndex, W: Weights>(
    idx: I,
    xs: &[f64],
    w: W,
    values: &mut [f64],
    sumw2: &mut [f64],
) {
    if sumw2.is_empty() {
        for (i, &x) in xs.iter().enumerate() {
            values[idx.index(x)] += w.get(i);
        }
    } else {
        for (i, &x) in xs.iter().enumerate() {
            let bin = idx.index(x);
            let wi = w.get(i);
            values[bin] += wi;
            sumw2[bin] += wi * wi;
        }
    }
}

/// The two axes of a 2D histogram and the x stride of its storage.
#[derive(Clone, Copy)]
struct Grid<I, J> {
    ix: I,
    iy: J,
    /// `ny + 2`: slots per x bin.
    stride: usize,
}

impl<I: BinIndex, J: BinIndex> Grid<I, J> {
    #[inline(always)]
    fn slot(&self, x: f64, y: f64) -> usize {
        self.ix.index(x) * self.stride + self.iy.index(y)
    }
}

#[inline(always)]
fn kernel_2d<I: BinIndex, J: BinIndex, W: Weights>(
    grid: Grid<I, J>,
    xs: &[f64],
    ys: &[f64],
    w: W,
    values: &mut [f64],
    sumw2: &mut [f64],
) {
    if sumw2.is_empty() {
        for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
            values[grid.slot(x, y)] += w.get(i);
        }
    } else {
        for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
            let bin = grid.slot(x, y);
            let wi = w.get(i);
            values[bin] += wi;
            sumw2[bin] += wi * wi;
        }
    }
}

impl Histogram {
    fn bulk_1d<W: Weights>(&mut self, operation: &'static str, xs: &[f64], w: W) -> Result<()> {
        let [x] = self.axes.as_slice() else {
            return Err(self.wrong_dimension(operation, 1));
        };
        let (values, sumw2) = (&mut self.values, &mut self.sumw2);
        with_index!(x, ix => kernel_1d(ix, xs, w, values, sumw2));
        self.entries += xs.len() as u64;
        Ok(())
    }

    fn bulk_2d<W: Weights>(
        &mut self,
        operation: &'static str,
        xs: &[f64],
        ys: &[f64],
        w: W,
    ) -> Result<()> {
        let [x, y] = self.axes.as_slice() else {
            return Err(self.wrong_dimension(operation, 2));
        };
        if xs.len() != ys.len() {
            return Err(HistError::LengthMismatch {
                operation,
                left_what: "x",
                left: xs.len(),
                right_what: "y",
                right: ys.len(),
            });
        }
        let stride = y.extent();
        let (values, sumw2) = (&mut self.values, &mut self.sumw2);
        with_index!(x, ix => with_index!(y, iy => kernel_2d(Grid { ix, iy, stride }, xs, ys, w, values, sumw2)));
        self.entries += xs.len() as u64;
        Ok(())
    }

    /// Adds one entry of weight 1 at `x` (`TH1::Fill(x)`). Errors on a 2D histogram.
    pub fn fill(&mut self, x: f64) -> Result<()> {
        self.fill_weighted(x, 1.0)
    }

    /// Adds one entry of weight `w` at `x` (`TH1::Fill(x, w)`). Errors on a 2D histogram.
    ///
    /// With [`Storage::Double`](crate::Storage::Double) only Σw is kept, so the variance of a
    /// weighted histogram is only right with [`Storage::Weight`](crate::Storage::Weight).
    pub fn fill_weighted(&mut self, x: f64, w: f64) -> Result<()> {
        let [axis] = self.axes.as_slice() else {
            return Err(self.wrong_dimension("fill", 1));
        };
        let bin = axis.index(x);
        self.add(bin, w);
        Ok(())
    }

    /// Adds one entry of weight 1 at `(x, y)`. Errors on a 1D histogram.
    pub fn fill_2d(&mut self, x: f64, y: f64) -> Result<()> {
        self.fill_2d_weighted(x, y, 1.0)
    }

    /// Adds one entry of weight `w` at `(x, y)`. Errors on a 1D histogram.
    pub fn fill_2d_weighted(&mut self, x: f64, y: f64, w: f64) -> Result<()> {
        let [ax, ay] = self.axes.as_slice() else {
            return Err(self.wrong_dimension("fill_2d", 2));
        };
        let bin = ax.index(x) * ay.extent() + ay.index(y);
        self.add(bin, w);
        Ok(())
    }

    #[inline]
    fn add(&mut self, bin: usize, w: f64) {
        self.values[bin] += w;
        if let Some(s) = self.sumw2.get_mut(bin) {
            *s += w * w;
        }
        self.entries += 1;
    }

    /// Fills every value of `xs` with weight 1: the same result as calling
    /// [`fill`](Self::fill) on each in order, without the per-call overhead. Errors on a 2D
    /// histogram (before anything is filled).
    pub fn fill_many(&mut self, xs: &[f64]) -> Result<()> {
        self.bulk_1d("fill_many", xs, Unit)
    }

    /// Fills `xs[i]` with weight `weights[i]`. The two slices must have the same length;
    /// otherwise nothing is filled and the error gives both lengths.
    pub fn fill_many_weighted(&mut self, xs: &[f64], weights: &[f64]) -> Result<()> {
        if xs.len() != weights.len() {
            return Err(HistError::LengthMismatch {
                operation: "fill_many_weighted",
                left_what: "x",
                left: xs.len(),
                right_what: "weights",
                right: weights.len(),
            });
        }
        self.bulk_1d("fill_many_weighted", xs, PerValue(weights))
    }

    /// Fills the pairs `(xs[i], ys[i])` with weight 1. The slices must have the same length.
    pub fn fill_many_2d(&mut self, xs: &[f64], ys: &[f64]) -> Result<()> {
        self.bulk_2d("fill_many_2d", xs, ys, Unit)
    }

    /// Fills `(xs[i], ys[i])` with weight `weights[i]`. All three slices must have the same
    /// length.
    pub fn fill_many_2d_weighted(&mut self, xs: &[f64], ys: &[f64], weights: &[f64]) -> Result<()> {
        if xs.len() != weights.len() {
            return Err(HistError::LengthMismatch {
                operation: "fill_many_2d_weighted",
                left_what: "x",
                left: xs.len(),
                right_what: "weights",
                right: weights.len(),
            });
        }
        self.bulk_2d("fill_many_2d_weighted", xs, ys, PerValue(weights))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Axis, Histogram, Storage};

    #[test]
    fn bulk_equals_single_fills() {
        let xs: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin() * 6.0).collect();
        let ws: Vec<f64> = (0..1000).map(|i| 0.5 + (i % 7) as f64).collect();
        for axis in [
            Axis::regular(10, -5.0, 5.0).unwrap(),
            Axis::variable(vec![-4.0, -1.0, 0.0, 0.5, 3.0]).unwrap(),
        ] {
            for storage in [Storage::Double, Storage::Weight] {
                let mut bulk = Histogram::new_1d(axis.clone(), storage);
                let mut single = bulk.clone();
                bulk.fill_many_weighted(&xs, &ws).unwrap();
                for (&x, &w) in xs.iter().zip(&ws) {
                    single.fill_weighted(x, w).unwrap();
                }
                assert_eq!(bulk, single);
                assert_eq!(bulk.entries(), 1000);
            }
        }
    }

    #[test]
    fn bulk_2d_equals_single_fills() {
        let xs: Vec<f64> = (0..500).map(|i| (i as f64 * 0.11).cos() * 3.0).collect();
        let ys: Vec<f64> = (0..500).map(|i| (i as f64 * 0.29).sin() * 3.0).collect();
        let ws: Vec<f64> = (0..500).map(|i| 1.0 + (i % 3) as f64).collect();
        let mut bulk = Histogram::new_2d(
            Axis::regular(5, -2.0, 2.0).unwrap(),
            Axis::variable(vec![-2.5, 0.0, 1.0, 2.0]).unwrap(),
            Storage::Weight,
        );
        let mut single = bulk.clone();
        bulk.fill_many_2d_weighted(&xs, &ys, &ws).unwrap();
        for i in 0..xs.len() {
            single.fill_2d_weighted(xs[i], ys[i], ws[i]).unwrap();
        }
        assert_eq!(bulk, single);
    }
}

//! Filling: single values and the bulk hot path.
//!
//! Bulk fills dispatch once on the axis kinds and the storage, then run one tight loop per
//! combination (monomorphised through [`BinIndex`]): no allocation, no per-value branching on
//! configuration, only the bin arithmetic and the additions.

use columnar::binning::{BlockBins, Regular};
use columnar::fill_sums::LaneSums;

use crate::axis::{BinIndex, Indexer};
use crate::error::{HistError, Result};
use crate::histogram::{Histogram, Stats};

/// Where the weight of value `i` comes from.
trait Weights: Copy {
    /// Every weight is 1.
    const UNIT: bool;
    fn get(&self, i: usize) -> f64;
}

/// Every value has weight 1.
#[derive(Clone, Copy)]
struct Unit;

impl Weights for Unit {
    const UNIT: bool = true;
    #[inline(always)]
    fn get(&self, _: usize) -> f64 {
        1.0
    }
}

/// Weights from a slice the same length as the values (checked before the loop).
#[derive(Clone, Copy)]
struct PerValue<'a>(&'a [f64]);

impl Weights for PerValue<'_> {
    const UNIT: bool = false;
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

/// Running sums and the count of non-finite values of one bulk fill, added to the histogram's
/// at the end (in fill order, so results are deterministic).
#[derive(Default, Clone)]
struct Acc {
    stats: Stats,
    nonfinite: u64,
}

#[inline(always)]
fn kernel_1d<I: BinIndex, W: Weights>(
    idx: I,
    bins: usize,
    xs: &[f64],
    w: W,
    values: &mut [f64],
    sumw2: &mut [f64],
    acc: &mut Acc,
) {
    let s = &mut acc.stats;
    for (i, &x) in xs.iter().enumerate() {
        let bin = idx.index(x);
        let wi = w.get(i);
        values[bin] += wi;
        if !sumw2.is_empty() {
            sumw2[bin] += wi * wi;
        }
        if bin >= 1 && bin <= bins {
            // TH1::Fill: fTsumw += w; fTsumw2 += w*w; fTsumwx += w*x; fTsumwx2 += w*x*x.
            s.sumw += wi;
            s.sumw2 += wi * wi;
            s.sumwx += wi * x;
            s.sumwx2 += wi * x * x;
        }
        acc.nonfinite += u64::from(!(x.is_finite() && wi.is_finite()));
    }
}

/// Unit-weight fills on a regular axis, the common case (`Histo1D` of a column), in blocks:
/// first the bins and the running sums of a block, without branches and in one pass
/// ([`Regular::indices_and_sums`], vectorised), then the counts. Gives the same bin contents,
/// bit for bit, as [`kernel_1d`]: a bin's count is added at once only where that equals adding
/// 1 that many times (an integer content below 2⁵³); Σw and Σw² are counts. Σx and Σx² are kept in eight interleaved running
/// sums ([`LaneSums`]: value `i` of the fill into sum `i mod 8`, the sums added in a fixed
/// order at the end): one running sum, as `kernel_1d` and `TH1::Fill` keep it, waits for each
/// value's addition, and that chain bounded this loop (criterion `hist/fill`). So these two
/// sums equal `kernel_1d`'s to rounding, not bit for bit — and, as every fill's, are the same
/// on any number of threads.
fn regular_unit_1d<T: Copy + Into<f64> + 'static>(
    axis: &Regular,
    xs: &[T],
    values: &mut [f64],
    sumw2: &mut [f64],
    acc: &mut Acc,
) {
    let nb = axis.bins();
    // Float32 values on most axes: compared with float32 edges, sixteen a vector
    // (`columnar::binning::BlockBins`); its table of edges only for a fill of some blocks.
    let kernel = if xs.len() >= 4 * BLOCK {
        BlockBins::new(*axis)
    } else {
        BlockBins::double_precision(*axis)
    };
    let mut bins = [0u32; BLOCK];
    // Four counters per bin, so that runs of one bin (the overflow of a steep spectrum) do not
    // wait on each other; only when the histogram is small against the fill.
    let lanes = (nb + 2) * COUNTERS <= xs.len().max(BLOCK) * 2;
    let mut counts = vec![[0u32; COUNTERS]; if lanes { nb + 2 } else { 0 }];
    let mut sums = LaneSums::default();
    let mut since_flush = 0usize;
    for block in xs.chunks(BLOCK) {
        let bins = &mut bins[..block.len()];
        // The bins and the running sums in one pass ([`BlockBins::indices_and_sums`]): value i
        // of the fill into sum i mod 8, as blocks are a multiple of 8 long.
        kernel.indices_and_sums(block, bins, &mut sums);
        let out = if lanes {
            Counts::Lanes(&mut counts)
        } else {
            Counts::Contents(values, sumw2)
        };
        count_block(bins, out);
        // The u32 counters cannot overflow: they are flushed every 2³⁰ values.
        since_flush += block.len();
        if lanes && since_flush >= 1 << 30 {
            flush_counts(&mut counts, values, sumw2);
            since_flush = 0;
        }
    }
    if lanes {
        flush_counts(&mut counts, values, sumw2);
    }
    let (sx, sx2, n_in, nonfinite) = (sums.sum_x(), sums.sum_x2(), sums.inside, sums.nonfinite);
    let s = &mut acc.stats;
    s.sumw += n_in as f64;
    s.sumw2 += n_in as f64;
    s.sumwx += sx;
    s.sumwx2 += sx2;
    acc.nonfinite += nonfinite;
}

/// Weighted fills on a regular axis (a simulated sample's events, each with its weight): the
/// bins of a block first ([`Regular::indices`], vectorised), then [`kernel_1d`]'s additions in
/// its order — the same contents, Σw² and sums, bit for bit — without its division and
/// branches per value. The sums take `+0.0` for a value out of range instead of a branch (a sum
/// that starts at `+0.0` is never `−0.0`, so adding `+0.0` changes nothing). Criterion
/// `hist/fill`, a million weighted values on 100 bins: 7.50 → 2.62 ms (6.85 → 2.66 ms keeping
/// Σw²); a weighted `MET_pt` histogram of 5 M events (lz4, one thread): 0.0507 / 0.0522 →
/// 0.0378 / 0.0385 s, best / median of 7, the same histogram.
fn regular_weighted_1d<W: Weights>(
    axis: &Regular,
    xs: &[f64],
    w: W,
    values: &mut [f64],
    sumw2: &mut [f64],
    acc: &mut Acc,
) {
    let nb = axis.bins();
    let mut bins = [0u32; BLOCK];
    // The running sums in locals, which the compiler keeps in registers (through `acc` each
    // addition waited on the store of the one before).
    let mut s = acc.stats;
    let mut nonfinite = 0u64;
    for (k, block) in xs.chunks(BLOCK).enumerate() {
        let bins = &mut bins[..block.len()];
        axis.indices(block, bins);
        for (j, (&x, &b)) in block.iter().zip(bins.iter()).enumerate() {
            let wi = w.get(k * BLOCK + j);
            let bin = b as usize;
            values[bin] += wi;
            if let Some(w2) = sumw2.get_mut(bin) {
                *w2 += wi * wi;
            }
            // TH1::Fill's sums of the values in range, as `kernel_1d` adds them.
            let inside = bin.wrapping_sub(1) < nb;
            let pick = |v: f64| if inside { v } else { 0.0 };
            s.sumw += pick(wi);
            s.sumw2 += pick(wi * wi);
            s.sumwx += pick(wi * x);
            s.sumwx2 += pick(wi * x * x);
            nonfinite += u64::from(!(x.is_finite() && wi.is_finite()));
        }
    }
    acc.stats = s;
    acc.nonfinite += nonfinite;
}

/// Where [`count_block`] counts: per-bin lane counters, or the contents (and Σw²) directly.
enum Counts<'a> {
    Lanes(&'a mut [[u32; COUNTERS]]),
    Contents(&'a mut [f64], &'a mut [f64]),
}

/// Count one block's values into their bins.
fn count_block(bins: &[u32], out: Counts<'_>) {
    match out {
        Counts::Lanes(counts) => {
            // Four counters a bin (value i into counter i mod 4), so that runs of one bin do
            // not wait on each other; taken four values at a time, each value's counter is a
            // constant (criterion `hist/fill`: 1.51 → 1.28 ms against `i & 3` a value).
            let mut groups = bins.chunks_exact(COUNTERS);
            for g in &mut groups {
                for (k, &b) in g.iter().enumerate() {
                    counts[b as usize][k] += 1;
                }
            }
            for (k, &b) in groups.remainder().iter().enumerate() {
                counts[b as usize][k] += 1;
            }
        }
        Counts::Contents(values, sumw2) => {
            for &b in bins {
                let b = b as usize;
                values[b] += 1.0;
                if !sumw2.is_empty() {
                    sumw2[b] += 1.0;
                }
            }
        }
    }
}

/// Counters a bin of [`count_block`]: value `i` of a block into counter `i mod COUNTERS`.
const COUNTERS: usize = 4;

/// The fewest values a weighted or 2-D fill takes in blocks ([`regular_weighted_1d`],
/// [`regular_2d`]); fewer (a single `fill`) go one at a time, without zeroing a block's bins.
const BLOCKS_FROM: usize = 32;

/// Values a block fill of [`regular_unit_1d`] takes.
const BLOCK: usize = 1024;

/// Add per-bin counts of unit weights to the contents (and Σw²), then zero them: at once where
/// that is exact, one by one otherwise.
fn flush_counts(counts: &mut [[u32; COUNTERS]], values: &mut [f64], sumw2: &mut [f64]) {
    const EXACT: f64 = 9007199254740992.0; // 2⁵³
    let add = |v: &mut f64, c: u64| {
        if v.fract() == 0.0 && v.abs() + c as f64 <= EXACT {
            *v += c as f64;
        } else {
            for _ in 0..c {
                *v += 1.0;
            }
        }
    };
    for (b, c) in counts.iter_mut().enumerate() {
        let n: u64 = c.iter().map(|x| u64::from(*x)).sum();
        if n == 0 {
            continue;
        }
        *c = [0; COUNTERS];
        add(&mut values[b], n);
        if let Some(w2) = sumw2.get_mut(b) {
            add(w2, n);
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
    /// In-range bins of x and y (1..=nx, 1..=ny).
    nx: usize,
    ny: usize,
}

#[inline(always)]
fn kernel_2d<I: BinIndex, J: BinIndex, W: Weights>(
    grid: Grid<I, J>,
    xs: &[f64],
    ys: &[f64],
    w: W,
    values: &mut [f64],
    sumw2: &mut [f64],
    acc: &mut Acc,
) {
    let s = &mut acc.stats;
    for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
        let (bx, by) = (grid.ix.index(x), grid.iy.index(y));
        let bin = bx * grid.stride + by;
        let wi = w.get(i);
        values[bin] += wi;
        if !sumw2.is_empty() {
            sumw2[bin] += wi * wi;
        }
        if bx >= 1 && bx <= grid.nx && by >= 1 && by <= grid.ny {
            // TH2::Fill: the x sums, the y sums and Σw·x·y.
            s.sumw += wi;
            s.sumw2 += wi * wi;
            s.sumwx += wi * x;
            s.sumwx2 += wi * x * x;
            s.sumwy += wi * y;
            s.sumwy2 += wi * y * y;
            s.sumwxy += wi * x * y;
        }
        acc.nonfinite += u64::from(!(x.is_finite() && y.is_finite() && wi.is_finite()));
    }
}

/// Fills of two regular axes: the block's bins of each from the vectorised kernel
/// ([`Regular::indices`]), then [`kernel_2d`]'s additions in its order — the same contents,
/// Σw², sums and non-finite count, bit for bit — without its two divisions and branches per
/// value. The sums take `+0.0` for a value out of range instead of a branch, as in
/// [`regular_weighted_1d`]. Criterion `hist/fill`, a million values on 100 × 50 bins: 10.76 →
/// 7.83 ms.
#[allow(clippy::too_many_arguments)]
fn regular_2d<W: Weights>(
    axes: [&Regular; 2],
    stride: usize,
    xs: &[f64],
    ys: &[f64],
    w: W,
    values: &mut [f64],
    sumw2: &mut [f64],
    acc: &mut Acc,
) {
    let (nx, ny) = (axes[0].bins(), axes[1].bins());
    let (mut bx, mut by) = ([0u32; BLOCK], [0u32; BLOCK]);
    // The running sums in locals, as in `regular_weighted_1d`.
    let mut s = acc.stats;
    let mut nonfinite = 0u64;
    for (k, (xb, yb)) in xs.chunks(BLOCK).zip(ys.chunks(BLOCK)).enumerate() {
        let (bx, by) = (&mut bx[..xb.len()], &mut by[..yb.len()]);
        axes[0].indices(xb, bx);
        axes[1].indices(yb, by);
        for (j, ((&x, &y), (&ix, &iy))) in
            xb.iter().zip(yb).zip(bx.iter().zip(by.iter())).enumerate()
        {
            let wi = w.get(k * BLOCK + j);
            let bin = ix as usize * stride + iy as usize;
            values[bin] += wi;
            if let Some(w2) = sumw2.get_mut(bin) {
                *w2 += wi * wi;
            }
            // TH2::Fill's sums of the values inside both axes, as `kernel_2d` adds them.
            let inside = (ix as usize).wrapping_sub(1) < nx && (iy as usize).wrapping_sub(1) < ny;
            let pick = |v: f64| if inside { v } else { 0.0 };
            s.sumw += pick(wi);
            s.sumw2 += pick(wi * wi);
            s.sumwx += pick(wi * x);
            s.sumwx2 += pick(wi * x * x);
            s.sumwy += pick(wi * y);
            s.sumwy2 += pick(wi * y * y);
            s.sumwxy += pick(wi * x * y);
            nonfinite += u64::from(!(x.is_finite() && y.is_finite() && wi.is_finite()));
        }
    }
    acc.stats = s;
    acc.nonfinite += nonfinite;
}

impl Histogram {
    fn bulk_1d<W: Weights>(&mut self, operation: &'static str, xs: &[f64], w: W) -> Result<()> {
        let [x] = self.axes.as_slice() else {
            return Err(self.wrong_dimension(operation, 1));
        };
        let (values, sumw2) = (&mut self.values, &mut self.sumw2);
        let mut acc = Acc::default();
        let bins = x.bins();
        match (x.regular_kernel(), W::UNIT) {
            (Some(r), true) => regular_unit_1d(&r, xs, values, sumw2, &mut acc),
            (Some(r), false) if xs.len() >= BLOCKS_FROM => {
                regular_weighted_1d(&r, xs, w, values, sumw2, &mut acc)
            }
            _ => with_index!(x, ix => kernel_1d(ix, bins, xs, w, values, sumw2, &mut acc)),
        }
        self.entries += xs.len() as u64;
        self.absorb(acc);
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
        let (nx, ny) = (x.bins(), y.bins());
        let (values, sumw2) = (&mut self.values, &mut self.sumw2);
        let mut acc = Acc::default();
        match (x.regular_kernel(), y.regular_kernel()) {
            (Some(rx), Some(ry)) if xs.len() >= BLOCKS_FROM => {
                regular_2d([&rx, &ry], stride, xs, ys, w, values, sumw2, &mut acc);
            }
            _ => {
                with_index!(x, ix => with_index!(y, iy => kernel_2d(Grid { ix, iy, stride, nx, ny }, xs, ys, w, values, sumw2, &mut acc)));
            }
        }
        self.entries += xs.len() as u64;
        self.absorb(acc);
        Ok(())
    }

    /// Add a fill's running sums and non-finite count.
    fn absorb(&mut self, acc: Acc) {
        if let Some(s) = &mut self.stats {
            s.add_scaled(&acc.stats, 1.0);
        }
        self.nonfinite += acc.nonfinite;
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
        self.bulk_1d("fill", &[x], PerValue(&[w]))
    }

    /// Adds one entry of weight 1 at `(x, y)`. Errors on a 1D histogram.
    pub fn fill_2d(&mut self, x: f64, y: f64) -> Result<()> {
        self.fill_2d_weighted(x, y, 1.0)
    }

    /// Adds one entry of weight `w` at `(x, y)`. Errors on a 1D histogram.
    pub fn fill_2d_weighted(&mut self, x: f64, y: f64, w: f64) -> Result<()> {
        self.bulk_2d("fill_2d", &[x], &[y], PerValue(&[w]))
    }

    /// Fills every value of `xs` with weight 1: the same bin contents as calling
    /// [`fill`](Self::fill) on each in order, without the per-call overhead, and the same
    /// running sums to rounding (on a regular axis Σx and Σx² are kept in eight interleaved
    /// sums, [`columnar::fill_sums`]). Errors on a 2D histogram (before anything is filled).
    pub fn fill_many(&mut self, xs: &[f64]) -> Result<()> {
        self.bulk_1d("fill_many", xs, Unit)
    }

    /// [`fill_many`](Self::fill_many) of single-precision values without a double-precision
    /// copy of them first: each value is widened exactly (`x as f64`) where it is binned and
    /// summed, so the histogram is the same, bit for bit, as `fill_many` of the widened values.
    pub fn fill_many_f32(&mut self, xs: &[f32]) -> Result<()> {
        let [x] = self.axes.as_slice() else {
            return Err(self.wrong_dimension("fill_many_f32", 1));
        };
        let Some(r) = x.regular_kernel() else {
            let wide: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
            return self.fill_many(&wide);
        };
        let (values, sumw2) = (&mut self.values, &mut self.sumw2);
        let mut acc = Acc::default();
        regular_unit_1d(&r, xs, values, sumw2, &mut acc);
        self.entries += xs.len() as u64;
        self.absorb(acc);
        Ok(())
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
    fn single_precision_fills_equal_fills_of_the_widened_values() {
        let mut s: u32 = 12345;
        let mut xs: Vec<f32> = (0..5000)
            .map(|_| {
                s = s.wrapping_mul(1664525).wrapping_add(1013904223);
                f32::from_bits(s) // every kind of float: NaN, ±inf, subnormals, huge
            })
            .collect();
        xs.extend([-5.0, 5.0, 4.999_999_5, -5.000_000_5, 0.0, -0.0, 1e-3, 2.5]);
        xs.extend((0..2000).map(|i| (i as f32 * 0.37).sin() * 6.0));
        let wide: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
        for axis in [
            Axis::regular(10, -5.0, 5.0).unwrap(),
            Axis::regular(100, 15.0, 60.0).unwrap(),
            Axis::variable(vec![-4.0, -1.0, 0.0, 0.5, 3.0]).unwrap(),
        ] {
            for storage in [Storage::Double, Storage::Weight] {
                let mut a = Histogram::new_1d(axis.clone(), storage);
                let mut b = a.clone();
                a.fill_many_f32(&xs).unwrap();
                b.fill_many(&wide).unwrap();
                assert_eq!(format!("{a:?}"), format!("{b:?}"));
            }
        }
        let mut two = Histogram::new_2d(
            Axis::regular(2, 0.0, 1.0).unwrap(),
            Axis::regular(2, 0.0, 1.0).unwrap(),
            Storage::Double,
        );
        assert!(two.fill_many_f32(&[0.5]).is_err());
    }

    /// A generator of test numbers (`seed`: which sequence).
    fn numbers(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed;
        move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s
        }
    }

    /// `n` values of every kind (NaN, ±inf, huge, tiny, float32 bit patterns, and many in and
    /// around -10..20), then the special ones.
    fn wild_values(seed: u64, n: usize) -> Vec<f64> {
        let mut next = numbers(seed);
        let mut xs: Vec<f64> = (0..n)
            .map(|i| match i % 4 {
                0 => f64::from_bits(next()),
                1 => f32::from_bits(next() as u32) as f64,
                _ => -10.0 + 30.0 * (next() >> 11) as f64 / (1u64 << 53) as f64,
            })
            .collect();
        xs.extend([
            -5.0,
            5.0,
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]);
        xs
    }

    /// `n` weights of every kind: random bit patterns, ±0, negative, and many in 0.25..1.25.
    fn wild_weights(seed: u64, n: usize) -> Vec<f64> {
        let mut next = numbers(seed);
        (0..n)
            .map(|i| match i % 9 {
                0 => f64::from_bits(next()),
                1 => -0.0,
                2 => 0.0,
                3 => -1.5,
                _ => 0.25 + (next() >> 11) as f64 / (1u64 << 53) as f64,
            })
            .collect()
    }

    /// The columns (values and weights) with only the rows whose every number is finite and
    /// below 10³⁰, so that sums stay numbers and their every bit is compared.
    fn tame<const K: usize>(columns: [&[f64]; K]) -> [Vec<f64>; K] {
        let n = columns.iter().map(|c| c.len()).min().unwrap_or(0);
        let keep: Vec<usize> = (0..n)
            .filter(|&i| {
                columns
                    .iter()
                    .all(|c| c[i].is_finite() && c[i].abs() < 1e30)
            })
            .collect();
        columns.map(|c| keep.iter().map(|&i| c[i]).collect())
    }

    /// Contents, Σw², the seven sums and the count of non-finite values, as bits.
    fn fill_bits(values: &[f64], sumw2: &[f64], a: &super::Acc) -> Vec<u64> {
        let t = &a.stats;
        let sums = [
            t.sumw, t.sumw2, t.sumwx, t.sumwx2, t.sumwy, t.sumwy2, t.sumwxy,
        ];
        values
            .iter()
            .chain(sumw2)
            .chain(&sums)
            .map(|x| x.to_bits())
            .chain([a.nonfinite])
            .collect()
    }

    /// The weighted block fill of a regular axis against one value at a time (`kernel_1d`, the
    /// fill of other axes), bit for bit, with values and weights of every kind.
    #[test]
    fn weighted_block_fills_equal_one_value_at_a_time_bit_for_bit() {
        use super::{kernel_1d, regular_weighted_1d, Acc, PerValue};
        use crate::axis::Indexer;
        let xs = wild_values(99, 6000);
        let ws = wild_weights(7, xs.len());
        let [tame_xs, tame_ws] = tame([&xs, &ws]);
        for axis in [
            Axis::regular(10, -5.0, 5.0).unwrap(),
            Axis::regular(100, 15.0, 60.0).unwrap(),
            Axis::regular(7, -1.3, 2.9).unwrap(),
        ] {
            let nb = axis.bins();
            let r = axis.regular_kernel().unwrap();
            let Indexer::Regular(ix) = axis.indexer() else {
                panic!("a regular axis");
            };
            for ((xs, ws), keep_w2) in [(&xs, &ws), (&tame_xs, &tame_ws)]
                .into_iter()
                .flat_map(|d| [(d, false), (d, true)])
            {
                let w2_len = if keep_w2 { nb + 2 } else { 0 };
                let mut one = (vec![0.0; nb + 2], vec![0.0; w2_len], Acc::default());
                let mut two = one.clone();
                regular_weighted_1d(&r, xs, PerValue(ws), &mut one.0, &mut one.1, &mut one.2);
                kernel_1d(ix, nb, xs, PerValue(ws), &mut two.0, &mut two.1, &mut two.2);
                let bits = |f: &(Vec<f64>, Vec<f64>, Acc)| fill_bits(&f.0, &f.1, &f.2);
                assert_eq!(bits(&one), bits(&two), "{axis:?}");
                assert!(one.2.stats.sumwx2.is_finite() || xs.len() != tame_xs.len());
            }
        }
    }

    /// The block fill of two regular axes against one value at a time (`kernel_2d`), bit for
    /// bit, with unit weights and with weights, values of every kind.
    #[test]
    fn block_fills_of_two_axes_equal_one_value_at_a_time_bit_for_bit() {
        use super::{kernel_2d, regular_2d, Acc, Grid, PerValue, Unit};
        use crate::axis::Indexer;
        let xs = wild_values(3, 6000);
        let ys = wild_values(4, 6000);
        let ws = wild_weights(5, xs.len());
        let [tame_xs, tame_ys, tame_ws] = tame([&xs, &ys, &ws]);
        let (x, y) = (
            Axis::regular(10, -5.0, 5.0).unwrap(),
            Axis::regular(7, -1.3, 2.9).unwrap(),
        );
        let (rx, ry) = (x.regular_kernel().unwrap(), y.regular_kernel().unwrap());
        let (Indexer::Regular(ix), Indexer::Regular(iy)) = (x.indexer(), y.indexer()) else {
            panic!("regular axes");
        };
        let (nx, ny) = (x.bins(), y.bins());
        let stride = ny + 2;
        let grid = Grid {
            ix,
            iy,
            stride,
            nx,
            ny,
        };
        let slots = (nx + 2) * stride;
        for ((xs, ys, ws), keep_w2) in [(&xs, &ys, &ws), (&tame_xs, &tame_ys, &tame_ws)]
            .into_iter()
            .flat_map(|d| [(d, false), (d, true)])
        {
            let w2_len = if keep_w2 { slots } else { 0 };
            let empty = (vec![0.0; slots], vec![0.0; w2_len], Acc::default());
            let bits = |f: &(Vec<f64>, Vec<f64>, Acc)| fill_bits(&f.0, &f.1, &f.2);
            let (mut one, mut two) = (empty.clone(), empty.clone());
            regular_2d(
                [&rx, &ry],
                stride,
                xs,
                ys,
                PerValue(ws),
                &mut one.0,
                &mut one.1,
                &mut one.2,
            );
            kernel_2d(
                grid,
                xs,
                ys,
                PerValue(ws),
                &mut two.0,
                &mut two.1,
                &mut two.2,
            );
            assert_eq!(bits(&one), bits(&two), "weighted");
            assert!(one.2.stats.sumwxy.is_finite() || xs.len() != tame_xs.len());
            let (mut one, mut two) = (empty.clone(), empty);
            regular_2d(
                [&rx, &ry],
                stride,
                xs,
                ys,
                Unit,
                &mut one.0,
                &mut one.1,
                &mut one.2,
            );
            kernel_2d(grid, xs, ys, Unit, &mut two.0, &mut two.1, &mut two.2);
            assert_eq!(bits(&one), bits(&two), "unit weights");
        }
    }

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
    fn unit_weight_block_fills_equal_the_general_kernel_bit_for_bit() {
        use super::{kernel_1d, Acc, BinIndex, Indexer, Unit};
        // Edges, NaN, infinities, values in and out of range, runs of one bin.
        let mut xs: Vec<f64> = (0..20_000)
            .map(|i| (i as f64 * 0.37).sin() * 40.0 + 30.0)
            .collect();
        xs.extend([
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            15.0,
            60.0,
            -0.0,
            0.0,
        ]);
        xs.extend(std::iter::repeat_n(100.0, 3000));
        xs.extend((0..=100).map(|b| 15.0 + b as f64 * 0.45));
        for (bins, low, high) in [(100, 15.0, 60.0), (30000, 0.0, 300.0), (3, -0.0, 0.7)] {
            for storage in [Storage::Double, Storage::Weight] {
                for prior in [None, Some(0.3), Some(2.0)] {
                    let mut bulk =
                        Histogram::new_1d(Axis::regular(bins, low, high).unwrap(), storage);
                    if let Some(w) = prior {
                        // Non-integer (or integer) contents before: counts must still add
                        // as one-by-one fills do.
                        for x in [20.0, 31.0, 59.9, -5.0] {
                            bulk.fill_weighted(x, w).unwrap();
                        }
                    }
                    let mut single = bulk.clone();
                    // Σx and Σx² as the block fill keeps them: value i of a fill into running
                    // sum i mod 8, the eight added in pairs, then pairs of pairs.
                    let mut want = single.stats.unwrap();
                    bulk.fill_many(&xs[..5000]).unwrap();
                    bulk.fill_many(&xs[5000..]).unwrap();
                    for chunk in [&xs[..5000], &xs[5000..]] {
                        // The general kernel with unit weights, one running sum per call.
                        let mut acc = Acc::default();
                        let bins_n = single.axes[0].bins();
                        let (values, sumw2) = (&mut single.values, &mut single.sumw2);
                        with_index!(single.axes[0], ix => kernel_1d(ix, bins_n, chunk, Unit, values, sumw2, &mut acc));
                        single.entries += chunk.len() as u64;
                        single.absorb(acc);
                        let (mut lx, mut lx2) = ([0.0f64; 8], [0.0f64; 8]);
                        for (i, &x) in chunk.iter().enumerate() {
                            let bin = with_index!(single.axes[0], ix => ix.index(x));
                            if (1..=bins_n).contains(&bin) {
                                lx[i % 8] += x;
                                lx2[i % 8] += x * x;
                            }
                        }
                        let tree = |s: [f64; 8]| {
                            ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
                        };
                        want.sumwx += tree(lx);
                        want.sumwx2 += tree(lx2);
                    }
                    // One running sum and eight agree to rounding.
                    let one = single.stats.unwrap();
                    for (a, b) in [(one.sumwx, want.sumwx), (one.sumwx2, want.sumwx2)] {
                        assert!((a - b).abs() <= 1e-12 * a.abs(), "{a} against {b}");
                    }
                    let stats = single.stats.as_mut().unwrap();
                    (stats.sumwx, stats.sumwx2) = (want.sumwx, want.sumwx2);
                    assert_eq!(bulk, single, "{bins} bins, {storage:?}, prior {prior:?}");
                    let bits = |h: &Histogram| -> Vec<u64> {
                        h.values
                            .iter()
                            .chain(&h.sumw2)
                            .map(|v| v.to_bits())
                            .collect()
                    };
                    assert_eq!(bits(&bulk), bits(&single));
                    let (a, b) = (bulk.stats.unwrap(), single.stats.unwrap());
                    assert_eq!(a.sumwx.to_bits(), b.sumwx.to_bits());
                    assert_eq!(a.sumwx2.to_bits(), b.sumwx2.to_bits());
                    assert_eq!(bulk.nonfinite, single.nonfinite);
                }
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

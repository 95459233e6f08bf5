//! ROOT's bins of single-precision values, sixteen at a time, from the axis's edges rounded up
//! to single precision.
//!
//! NanoAOD stores kinematics as float32, and ROOT bins them in double precision
//! ([`find_fix_bin`](super::find_fix_bin) of the value widened). The double-precision kernel
//! ([`Regular::indices_and_sums`]) takes eight values a vector; here a float32 value is compared
//! with float32 edges instead, sixteen a vector, with the same bins:
//!
//! - For a float32 `x` and any double `e`, `x >= e` exactly when `x >= up(e)`, `up(e)` the
//!   smallest float32 not below `e` (every float32 at or above `e` is at or above `up(e)`, and
//!   `up(e) >= e`); so also `x < e` exactly when `x < up(e)`. The edges ROOT compares with,
//!   `E_k = low + k · width` in double precision, and `low` and `high`, become float32 edges
//!   that give the same answers.
//! - For `low <= x < high` ROOT's bin is `1 + #{k in 1..=bins : E_k <= x}` (the edge
//!   correction of `find_fix_bin` ends there from a raw bin within one: the doc of
//!   `Regular::scaled`). A float32 estimate `u = (x - low) · scale - 1/2`, clamped to
//!   `[0, bins - 1]`, truncated to `j`, gives `j + 1` as that bin or the one below (see
//!   [`BlockBins::new`] for the bound), and one comparison with the upper edge of bin `j + 1`,
//!   from a table of at most 128 edges held in eight registers (`vpermt2ps`), decides.
//!
//! The running sums of the values in range ([`LaneSums`]) are taken in double precision in the
//! same pass, the first eight values of each sixteen before the other eight: the lanes and
//! bits of [`LaneSums::add`]. Tested equal to `find_fix_bin` near every edge, on a sample of
//! all bit patterns, and (`cargo test -p columnar --release -- --ignored`) on every float32
//! from −2 to 250 on the ADL axes.

use super::Regular;
use crate::fill_sums::LaneSums;

/// Most bins the table holds: the upper edges of bins 1..=127 in 128 entries, eight vectors.
pub const MAX_BINS: usize = 127;

/// An axis's block kernel: the single-precision one for float32 values where the axis allows it
/// and the CPU has AVX-512, [`Regular::indices_and_sums`] otherwise.
#[derive(Debug, Clone)]
pub struct BlockBins {
    axis: Regular,
    single: Option<Box<Single>>,
}

/// The float32 constants of the single-precision kernel.
#[derive(Debug, Clone)]
struct Single {
    /// `up[j]`: `up(E_{j + 1})`, the upper edge of bin `j + 1`; entries past `bins - 1` repeat
    /// the last (never indexed: `j <= bins - 1`).
    up: [f32; 128],
    /// `low` and the scale rounded to float32, for the estimate only.
    low: f32,
    scale: f32,
    /// `bins - 1`, the largest `j`.
    last: f32,
    /// `up(low)`, `up(high)`: below the first the underflow, at or past the second (or NaN) the
    /// overflow.
    lowest: f32,
    highest: f32,
    /// `up(min(high, E_bins))`: the values below it (and not below `low`) are in bins
    /// `1..=bins`, whose running sums are taken.
    top: f32,
}

/// The smallest float32 not below `e` (`+∞` above the largest float32, the lowest float32
/// below it).
fn up(e: f64) -> f32 {
    let f = e as f32;
    if (f as f64) < e {
        f.next_up()
    } else {
        f
    }
}

impl BlockBins {
    /// The block kernel of `axis`. The single-precision one needs:
    /// - at most [`MAX_BINS`] bins, and the multiplication of `Regular::scaled` allowed (edges
    ///   well apart);
    /// - `|low| + |high| <= 2¹⁰⁰`, so that no step of the estimate overflows float32 for a
    ///   value in range (`x - low` of an axis from −3·10³⁸ to 3·10³⁸ would, and its overflow
    ///   to `+∞` would end in the last bin); where a step is subnormal, its absolute error
    ///   (below 2⁻¹⁴⁹, times a scale below 2¹²⁸) is still far below the bound that follows;
    /// - `bins · (|low| + |high|) / (high - low) <= 2¹⁸`. The estimate `u` rounds five times in
    ///   float32 (`low`, the scale, the difference, the product, the half), each within 2⁻²⁴
    ///   of a magnitude at most `|x - low| + |low|` times the scale, or `bins`: together below
    ///   2⁻²¹ · (bins · (|low| + |high|) / (high - low) + bins) <= 2⁻³ of a bin. The exact
    ///   `(x - low) · scale` lies in `[t - 1, t]` for ROOT's bin `t` (up to the edges' own
    ///   roundings, below 2⁻³⁰ of a bin here), so `u` lies in `(t - 2, t)` and `j + 1` is `t`
    ///   or `t - 1`, clamping included.
    pub fn new(axis: Regular) -> BlockBins {
        BlockBins {
            single: Single::new(&axis).filter(|_| avx512()).map(Box::new),
            axis,
        }
    }

    /// The block kernel of `axis` without the single-precision one (for a few values, whose
    /// fill would not repay building its table).
    pub fn double_precision(axis: Regular) -> BlockBins {
        BlockBins { axis, single: None }
    }

    /// Whether float32 values take the single-precision kernel.
    pub fn single_precision(&self) -> bool {
        self.single.is_some()
    }

    /// [`Regular::indices_and_sums`], with the single-precision kernel for float32 values
    /// where there is one: the same bins and bits.
    pub fn indices_and_sums<T: Copy + Into<f64> + 'static>(
        &self,
        xs: &[T],
        out: &mut [u32],
        sums: &mut LaneSums,
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            if let (Some(single), Some(xs)) = (&self.single, as_f32(xs)) {
                // SAFETY: `single` exists only where AVX-512F and VL are present (`new`).
                let done = unsafe { single.indices_and_sums_avx512(xs, out, sums) };
                self.axis
                    .indices_and_sums(&xs[done..], &mut out[done..], sums);
                return;
            }
        }
        self.axis.indices_and_sums(xs, out, sums);
    }
}

/// `xs` as float32 values, where `T` is `f32`.
fn as_f32<T: 'static>(xs: &[T]) -> Option<&[f32]> {
    (std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>()).then(|| {
        // SAFETY: T is f32 (equal `TypeId`s): the same slice, typed as what it is.
        unsafe { std::slice::from_raw_parts(xs.as_ptr() as *const f32, xs.len()) }
    })
}

fn avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl Single {
    /// The constants for `axis`, where its bins allow them ([`BlockBins::new`]).
    fn new(a: &Regular) -> Option<Single> {
        let magnitude = a.low.abs() + a.high.abs();
        let ok = a.bins <= MAX_BINS
            && a.scale > 0.0
            && magnitude <= 2f64.powi(100)
            && a.bins as f64 * magnitude / (a.high - a.low) <= (1u64 << 18) as f64;
        if !ok {
            return None;
        }
        let scale = a.scale as f32;
        if !scale.is_normal() || !(a.low as f32).is_finite() {
            return None;
        }
        let nb = a.bins as f64;
        let mut table = [0f32; 128];
        for (j, t) in table.iter_mut().enumerate() {
            // The upper edge of bin j + 1 as `index_branchless` computes it: `low + bin · width`.
            let bin = (j + 1).min(a.bins) as f64;
            *t = up(a.low + bin * a.width);
        }
        Some(Single {
            up: table,
            low: a.low as f32,
            scale,
            last: (a.bins - 1) as f32,
            lowest: up(a.low),
            highest: up(a.high),
            top: up(a.high.min(a.low + nb * a.width)),
        })
    }

    /// The bins of `xs` into `out` and their running sums into `sums`, sixteen values at a
    /// time; the number of values done (a multiple of sixteen: the caller does the rest).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl")]
    unsafe fn indices_and_sums_avx512(
        &self,
        xs: &[f32],
        out: &mut [u32],
        sums: &mut LaneSums,
    ) -> usize {
        use std::arch::x86_64::*;
        let n = xs.len().min(out.len());
        let table: [__m512; 8] =
            std::array::from_fn(|r| _mm512_loadu_ps(self.up[16 * r..].as_ptr()));
        let mut sx = _mm512_loadu_pd(sums.sx.as_ptr());
        let mut sx2 = _mm512_loadu_pd(sums.sx2.as_ptr());
        let (mut inside_n, mut finite_n) = (_mm512_setzero_si512(), _mm512_setzero_si512());
        let one = _mm512_set1_epi32(1);
        let low = _mm512_set1_ps(self.low);
        let scale = _mm512_set1_ps(self.scale);
        let half = _mm512_set1_ps(0.5);
        let last = _mm512_set1_ps(self.last);
        let zero = _mm512_setzero_ps();
        let lowest = _mm512_set1_ps(self.lowest);
        let highest = _mm512_set1_ps(self.highest);
        let top = _mm512_set1_ps(self.top);
        let infinity = _mm512_set1_ps(f32::INFINITY);
        let overflow = _mm512_set1_epi32(self.last as i32 + 2);
        let (bit5, bit6) = (_mm512_set1_epi32(32), _mm512_set1_epi32(64));
        let mut i = 0;
        while i + 16 <= n {
            // SAFETY: i + 16 <= n <= xs.len(), out.len().
            let x = _mm512_loadu_ps(xs.as_ptr().add(i));
            // The estimate (separate multiply and subtractions: the rounding bound of `new`).
            let u = _mm512_sub_ps(_mm512_mul_ps(_mm512_sub_ps(x, low), scale), half);
            // max(NaN, 0) is 0 (the second operand); NaN ends in the overflow below.
            let u = _mm512_min_ps(_mm512_max_ps(u, zero), last);
            let j = _mm512_cvttps_epi32(u);
            // up[j] from the eight table vectors: the low five bits pick within a pair, bits
            // five and six the pair.
            let e01 = _mm512_permutex2var_ps(table[0], j, table[1]);
            let e23 = _mm512_permutex2var_ps(table[2], j, table[3]);
            let e45 = _mm512_permutex2var_ps(table[4], j, table[5]);
            let e67 = _mm512_permutex2var_ps(table[6], j, table[7]);
            let m5 = _mm512_test_epi32_mask(j, bit5);
            let m6 = _mm512_test_epi32_mask(j, bit6);
            let e03 = _mm512_mask_blend_ps(m5, e01, e23);
            let e47 = _mm512_mask_blend_ps(m5, e45, e67);
            let edge = _mm512_mask_blend_ps(m6, e03, e47);
            // Bin j + 1, or j + 2 at or past its upper edge.
            let at_or_past = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(x, edge);
            let b = _mm512_mask_add_epi32(
                _mm512_add_epi32(j, one),
                at_or_past,
                j,
                _mm512_set1_epi32(2),
            );
            let under = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, lowest);
            let below_high = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, highest);
            let b = _mm512_mask_blend_epi32(below_high, overflow, b);
            let b = _mm512_maskz_mov_epi32(!under, b);
            _mm512_storeu_si512(out.as_mut_ptr().add(i) as *mut _, b);
            // The running sums: the values in bins 1..=bins, the first eight then the other
            // eight, each into lanes 0..8 (a masked add leaves a lane as it is, as adding
            // +0.0 to a sum that is never −0.0 does).
            let ok = !under & _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, top);
            let halves = [
                _mm512_cvtps_pd(_mm512_castps512_ps256(x)),
                _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
                    _mm512_castps_pd(x),
                ))),
            ];
            for (h, v) in halves.into_iter().enumerate() {
                let k = (ok >> (8 * h)) as u8;
                sx = _mm512_mask_add_pd(sx, k, sx, v);
                sx2 = _mm512_mask_add_pd(sx2, k, sx2, _mm512_mul_pd(v, v));
            }
            let finite = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(_mm512_abs_ps(x), infinity);
            inside_n = _mm512_mask_add_epi32(inside_n, ok, inside_n, one);
            finite_n = _mm512_mask_add_epi32(finite_n, finite, finite_n, one);
            i += 16;
        }
        _mm512_storeu_pd(sums.sx.as_mut_ptr(), sx);
        _mm512_storeu_pd(sums.sx2.as_mut_ptr(), sx2);
        // Each lane counted at most n / 16 values (below 2³² for any slice that fits in
        // memory); their total, in 64 bits.
        let total = |v: __m512i| {
            let mut lanes = [0u32; 16];
            _mm512_storeu_si512(lanes.as_mut_ptr() as *mut _, v);
            lanes.iter().map(|&c| u64::from(c)).sum::<u64>()
        };
        sums.inside += total(inside_n);
        sums.nonfinite += i as u64 - total(finite_n);
        i
    }
}

#[cfg(test)]
pub(super) mod tests {
    /// Whether this machine runs the single-precision kernel.
    pub(in crate::binning) fn avx512() -> bool {
        super::avx512()
    }

    #[test]
    fn up_is_the_smallest_float_not_below() {
        for e in [
            0.0,
            -0.0,
            1.0,
            0.1,
            -0.1,
            15.0 + 0.45 * 7.0,
            1e39,
            -1e39,
            3.4028235e38,
        ] {
            let u = super::up(e);
            assert!(u as f64 >= e, "{e}");
            assert!((u.next_down() as f64) < e, "{e}");
        }
    }
}

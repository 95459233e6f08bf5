//! ROOT's bin of a value on a regular axis, one at a time and for whole blocks.
//!
//! [`Regular::index`] is `TAxis::FindFixBin` for fixed bins with the edge correction of ROOT
//! 6.38: `1 + int(fNbins * (x - fXmin) / (fXmax - fXmin))`, then moved by one so that
//! `GetBinLowEdge(bin) <= x < GetBinUpEdge(bin)` holds with ROOT's own edge arithmetic
//! (`fXmin + (bin - 1) * width`). Underflow is 0, overflow (and NaN) `bins + 1`.
//!
//! [`Regular::indices`] computes the same bins for a block of values without branches (the
//! bounds become selects, the raw bin is clamped before the edge correction), so that the
//! compiler vectorises it; with AVX2 (detected at run time) four doubles at a time, with
//! AVX-512 eight, and there, on every axis whose edges lie well apart, the raw bin from a
//! multiplication by `bins / (high - low)` instead of the division (`Regular::scaled` shows
//! why the bins stay ROOT's; Zen 4 divides eight doubles in 10 cycles). [`BlockBins`] bins
//! float32 values sixteen at a time against the edges rounded up to float32, with the same bins
//! (`binning/single.rs`). They are all tested equal over every float32 value within 64 ulps of
//! every edge of several axes and a sample of all others (and, by `cargo test -p columnar
//! --release -- --ignored`, over every float32 in and around an axis).

use crate::fill_sums::LaneSums;

mod single;
pub use single::{BlockBins, MAX_BINS};

/// ROOT's `TAxis::FindFixBin` on a regular axis of `bins` bins from `low` to `high` of width
/// `width = (high - low) / bins` (0: underflow, `bins + 1`: overflow and NaN), with the edge
/// correction of ROOT 6.38.
// `!(x < high)` is ROOT's own test: one comparison that is also true for NaN.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
#[inline(always)]
pub fn find_fix_bin(x: f64, bins: usize, low: f64, high: f64, width: f64) -> usize {
    if x < low {
        return 0;
    }
    if !(x < high) {
        return bins + 1;
    }
    // ROOT: `1 + int(fNbins * (x - fXmin) / (fXmax - fXmin))`, evaluated left to right. Here
    // 0 <= x - low, so the truncating cast is ROOT's `int()` (and cannot go negative).
    let raw = (bins as f64 * (x - low)) / (high - low);
    let mut bin = 1 + raw as usize;
    // Keep `GetBinLowEdge(bin) <= x < GetBinUpEdge(bin)` with ROOT's edge arithmetic.
    if x < low + (bin - 1) as f64 * width {
        bin -= 1;
    } else if x >= low + bin as f64 * width {
        bin += 1;
    }
    bin
}

/// A regular axis: `bins` bins of width `(high - low) / bins` from `low`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regular {
    bins: usize,
    low: f64,
    high: f64,
    width: f64,
    /// `bins / (high - low)` where the AVX-512 kernel may multiply by it instead of ROOT's
    /// division ([`Regular::scaled`]); 0 where it must divide.
    scale: f64,
}

impl Regular {
    /// The axis (the caller has checked `bins ≥ 1`, `low < high`, both finite, and that the
    /// width is finite and positive); `None` otherwise, or with more than 2³¹ bins.
    pub fn new(bins: usize, low: f64, high: f64) -> Option<Regular> {
        let width = (high - low) / bins as f64;
        let ok = (1..(1 << 31)).contains(&bins)
            && low.is_finite()
            && high.is_finite()
            && low < high
            && width.is_finite()
            && width > 0.0;
        ok.then_some(Regular {
            bins,
            low,
            high,
            width,
            scale: Regular::scaled(bins, low, high, width),
        })
    }

    /// Whether a raw bin from `(x - low) * scale`, `scale = bins / (high - low)`, gives ROOT's
    /// bins after the edge correction, as `bins * (x - low) / (high - low)` does: `scale` if
    /// so, else 0. The correction moves a raw bin by one, so any raw bin within one of the
    /// bin whose edges hold `x` ends there. ROOT's raw bin and the scaled one are both within
    /// a few roundings (relative 2⁻⁵⁰) of the exact quotient, at most 2³¹ · 2⁻⁵⁰ of a bin; and
    /// the edges `low + k · width` are within 2⁻⁵¹ · 2 · bins + 2⁻⁵³ · max(|low|, |high|) /
    /// width bins of the exact ones — far below half a bin when the width is at least 2⁻⁴⁰ of
    /// the larger bound's magnitude. Then both raw bins are within one of that bin, and both
    /// give it. Axes narrower than that (edges a few ulps apart, where ROOT's own raw bin can
    /// be two away from the edges' bin) and a scale outside the normal numbers keep the
    /// division.
    fn scaled(bins: usize, low: f64, high: f64, width: f64) -> f64 {
        let scale = bins as f64 / (high - low);
        let magnitude = low.abs().max(high.abs());
        let ok =
            scale.is_normal() && (high - low).is_normal() && width >= magnitude * 2f64.powi(-40);
        if ok {
            scale
        } else {
            0.0
        }
    }

    /// Number of in-range bins.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// The bin of `x` (0: underflow, `bins + 1`: overflow and NaN), exactly as ROOT.
    #[inline(always)]
    pub fn index(&self, x: f64) -> usize {
        find_fix_bin(x, self.bins, self.low, self.high, self.width)
    }

    /// [`index`](Self::index) without branches. For `low <= x < high` the raw bin is at most
    /// `bins` (rounding cannot push `x - low` above `high - low`), and clamping it to
    /// `bins - 1` before the edge correction gives the same bin: both end at `bins` or `bins + 1`
    /// by the same comparison with the last upper edge.
    #[inline(always)]
    fn index_branchless(&self, x: f64) -> u32 {
        let nb = self.bins as f64;
        let raw = (nb * (x - self.low)) / (self.high - self.low);
        // `max` gives 0 for NaN; NaN ends in the overflow below.
        let r = raw.max(0.0).min(nb - 1.0);
        // In [0, 2³¹): the signed conversion, which vector units have.
        let bin = 1 + r as i32;
        let lo_edge = self.low + (bin - 1) as f64 * self.width;
        let hi_edge = self.low + bin as f64 * self.width;
        let bin = bin - i32::from(x < lo_edge) + i32::from(x >= hi_edge);
        let bin = if x < self.low { 0 } else { bin };
        (if x < self.high { bin } else { nb as i32 + 1 }) as u32
    }

    /// The bin of every value of `xs` into `out` (the same length).
    pub fn indices<T: Copy + Into<f64> + 'static>(&self, xs: &[T], out: &mut [u32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                // SAFETY: AVX-512F and VL are present (checked just above).
                unsafe { self.indices_avx512(xs, out) };
                return;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present (checked just above).
                unsafe {
                    if self.scale > 0.0 {
                        self.indices_avx2::<T, true>(xs, out);
                    } else {
                        self.indices_avx2::<T, false>(xs, out);
                    }
                }
                return;
            }
        }
        self.indices_plain(xs, out);
    }

    #[inline(always)]
    fn indices_plain<T: Copy + Into<f64> + 'static>(&self, xs: &[T], out: &mut [u32]) {
        for (o, x) in out.iter_mut().zip(xs) {
            *o = self.index_branchless((*x).into());
        }
    }

    /// Four values at a time: the steps of [`index_branchless`](Self::index_branchless) with
    /// AVX2 intrinsics (separate multiply and add, no FMA, so every rounding is the scalar one);
    /// with `SCALED` the raw bin by the multiplication of [`Regular::scaled`].
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn indices_avx2<T: Copy + Into<f64> + 'static, const SCALED: bool>(
        &self,
        xs: &[T],
        out: &mut [u32],
    ) {
        use std::any::TypeId;
        use std::arch::x86_64::*;
        let n = xs.len().min(out.len());
        let nb = self.bins as f64;
        let vnb = _mm256_set1_pd(nb);
        let vlow = _mm256_set1_pd(self.low);
        let vhigh = _mm256_set1_pd(self.high);
        let vrange = _mm256_set1_pd(self.high - self.low);
        let vscale = _mm256_set1_pd(self.scale);
        let vw = _mm256_set1_pd(self.width);
        let vmaxraw = _mm256_set1_pd(nb - 1.0);
        let zero = _mm256_setzero_pd();
        let one = _mm_set1_epi32(1);
        let over_bin = _mm_set1_epi32(self.bins as i32 + 1);
        // The low 32 bits of each 64-bit comparison mask, as four 32-bit masks.
        let pack = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
        let pk = |m: __m256d| -> __m128i {
            _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(m), pack))
        };
        let mut i = 0;
        while i + 4 <= n {
            // SAFETY: i + 4 <= n <= xs.len(): four values from `at` lie in `xs`; the casts
            // are to T's own type (the `TypeId`s are equal).
            let at = xs.as_ptr().add(i);
            let x = if TypeId::of::<T>() == TypeId::of::<f32>() {
                _mm256_cvtps_pd(_mm_loadu_ps(at as *const f32))
            } else if TypeId::of::<T>() == TypeId::of::<f64>() {
                _mm256_loadu_pd(at as *const f64)
            } else {
                let v: [f64; 4] = std::array::from_fn(|k| xs[i + k].into());
                _mm256_loadu_pd(v.as_ptr())
            };
            let raw = if SCALED {
                _mm256_mul_pd(_mm256_sub_pd(x, vlow), vscale)
            } else {
                _mm256_div_pd(_mm256_mul_pd(vnb, _mm256_sub_pd(x, vlow)), vrange)
            };
            // max(NaN, 0) is 0 (the second operand); NaN ends in the overflow below.
            let raw = _mm256_min_pd(_mm256_max_pd(raw, zero), vmaxraw);
            let bin = _mm_add_epi32(one, _mm256_cvttpd_epi32(raw));
            let lo_edge = _mm256_add_pd(
                vlow,
                _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_sub_epi32(bin, one)), vw),
            );
            let hi_edge = _mm256_add_pd(vlow, _mm256_mul_pd(_mm256_cvtepi32_pd(bin), vw));
            // A true mask is −1: adding it moves down one bin, subtracting it up one.
            let below = pk(_mm256_cmp_pd::<_CMP_LT_OQ>(x, lo_edge));
            let above = pk(_mm256_cmp_pd::<_CMP_GE_OQ>(x, hi_edge));
            let b = _mm_sub_epi32(_mm_add_epi32(bin, below), above);
            let under = pk(_mm256_cmp_pd::<_CMP_LT_OQ>(x, vlow));
            let inside = pk(_mm256_cmp_pd::<_CMP_LT_OQ>(x, vhigh));
            let b = _mm_andnot_si128(under, _mm_blendv_epi8(over_bin, b, inside));
            _mm_storeu_si128(out.as_mut_ptr().add(i) as *mut __m128i, b);
            i += 4;
        }
        self.indices_plain(&xs[i..n], &mut out[i..n]);
    }

    /// Eight values at a time: the steps of [`index_branchless`](Self::index_branchless) with
    /// AVX-512 (separate multiply and add, no FMA, so every rounding is the scalar one; the
    /// comparisons give mask registers, which move the bins by masked adds instead of the
    /// AVX2 kernel's packing of 64-bit masks). `cargo bench -p columnar --bench binning`:
    /// 1.46 → 0.70 ns a value against the AVX2 kernel on this machine.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl")]
    unsafe fn indices_avx512<T: Copy + Into<f64> + 'static>(&self, xs: &[T], out: &mut [u32]) {
        if self.scale > 0.0 {
            self.indices_avx512_summing::<T, false, true>(xs, out, &mut LaneSums::default());
        } else {
            self.indices_avx512_summing::<T, false, false>(xs, out, &mut LaneSums::default());
        }
    }

    /// [`indices`](Self::indices) of `xs` into `out` and, in the same pass, their running sums
    /// into `sums` ([`LaneSums::add`] of the values in double precision with these bins: the
    /// same bits): a unit-weight fill's two passes over a block in one, without a
    /// double-precision copy of single-precision values. Value `i` goes into lane
    /// `i mod LANES`, so a fill given in parts keeps its lanes where every part but the last is
    /// a multiple of [`LANES`](crate::fill_sums::LANES) long.
    pub fn indices_and_sums<T: Copy + Into<f64> + 'static>(
        &self,
        xs: &[T],
        out: &mut [u32],
        sums: &mut LaneSums,
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                // SAFETY: AVX-512F and VL are present (checked just above).
                unsafe {
                    if self.scale > 0.0 {
                        self.indices_avx512_summing::<T, true, true>(xs, out, sums);
                    } else {
                        self.indices_avx512_summing::<T, true, false>(xs, out, sums);
                    }
                }
                return;
            }
        }
        self.indices(xs, out);
        self.sums_after(xs, out, 0, sums);
    }

    /// [`LaneSums::add`] of `xs[from..]` (widened, a stack buffer at a time) with their bins
    /// `out[from..]`; `from` a multiple of [`LANES`](crate::fill_sums::LANES).
    fn sums_after<T: Copy + Into<f64> + 'static>(
        &self,
        xs: &[T],
        out: &[u32],
        from: usize,
        sums: &mut LaneSums,
    ) {
        let n = xs.len().min(out.len());
        let mut wide = [0.0f64; 256];
        for (x, b) in xs[from.min(n)..n]
            .chunks(256)
            .zip(out[from.min(n)..n].chunks(256))
        {
            for (w, x) in wide.iter_mut().zip(x) {
                *w = (*x).into();
            }
            sums.add(b, &wide[..x.len()], self.bins);
        }
    }

    /// The AVX-512 bins and, with `SUMS`, the running sums of the values in range in the same
    /// loop (eight values a vector: lane `l` of a vector is value `i + l`, `i` a multiple of
    /// eight — [`LaneSums`]' lanes; separate multiply and add, as `LaneSums::add`).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl")]
    unsafe fn indices_avx512_summing<
        T: Copy + Into<f64> + 'static,
        const SUMS: bool,
        const SCALED: bool,
    >(
        &self,
        xs: &[T],
        out: &mut [u32],
        sums: &mut LaneSums,
    ) {
        use std::any::TypeId;
        use std::arch::x86_64::*;
        let n = xs.len().min(out.len());
        // The eight lanes of each sum (`[f64; LANES]`, LANES = 8: one 64-byte load and,
        // at the end, one store each).
        let mut sx = _mm512_loadu_pd(sums.sx.as_ptr());
        let mut sx2 = _mm512_loadu_pd(sums.sx2.as_ptr());
        // Per-lane counts of the values in range and finite (masked adds: no popcount).
        let (mut inside_n, mut finite_n) = (_mm512_setzero_si512(), _mm512_setzero_si512());
        let one64 = _mm512_set1_epi64(1);
        let infinity = _mm512_set1_pd(f64::INFINITY);
        let nb = self.bins as f64;
        let vnb = _mm512_set1_pd(nb);
        let vlow = _mm512_set1_pd(self.low);
        let vhigh = _mm512_set1_pd(self.high);
        let vrange = _mm512_set1_pd(self.high - self.low);
        let vscale = _mm512_set1_pd(self.scale);
        let vw = _mm512_set1_pd(self.width);
        let vmaxraw = _mm512_set1_pd(nb - 1.0);
        // The in-range values' upper bound: `high`, or the last upper edge where that is lower.
        let vtop = _mm512_set1_pd(self.high.min(self.low + nb * self.width));
        let zero = _mm512_setzero_pd();
        let one = _mm256_set1_epi32(1);
        let over_bin = _mm256_set1_epi32(self.bins as i32 + 1);
        let underflow = _mm256_setzero_si256();
        let mut i = 0;
        while i + 8 <= n {
            // Floats and doubles loaded as vectors (the compiler does not always see through
            // the generic widening: with the multiplication below it widened floats one at a
            // time, criterion `hist/fill` 1.37 → 1.47 ms); other types one at a time.
            // SAFETY: i + 8 <= n <= xs.len(): eight values from `at` lie in `xs`; the casts
            // are to T's own type (the `TypeId`s are equal).
            let at = xs.as_ptr().add(i);
            let x = if TypeId::of::<T>() == TypeId::of::<f32>() {
                _mm512_cvtps_pd(_mm256_loadu_ps(at as *const f32))
            } else if TypeId::of::<T>() == TypeId::of::<f64>() {
                _mm512_loadu_pd(at as *const f64)
            } else {
                let v: [f64; 8] = std::array::from_fn(|k| xs[i + k].into());
                _mm512_loadu_pd(v.as_ptr())
            };
            let raw = if SCALED {
                // A multiplication instead of the division (Zen 4: 10 cycles a vector of
                // eight): the same bins ([`Regular::scaled`]).
                _mm512_mul_pd(_mm512_sub_pd(x, vlow), vscale)
            } else {
                _mm512_div_pd(_mm512_mul_pd(vnb, _mm512_sub_pd(x, vlow)), vrange)
            };
            // max(NaN, 0) is 0 (the second operand); NaN ends in the overflow below.
            let raw = _mm512_min_pd(_mm512_max_pd(raw, zero), vmaxraw);
            let bin = _mm256_add_epi32(one, _mm512_cvttpd_epi32(raw));
            let lo_edge = _mm512_add_pd(
                vlow,
                _mm512_mul_pd(_mm512_cvtepi32_pd(_mm256_sub_epi32(bin, one)), vw),
            );
            let hi_edge = _mm512_add_pd(vlow, _mm512_mul_pd(_mm512_cvtepi32_pd(bin), vw));
            let below = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(x, lo_edge);
            let above = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(x, hi_edge);
            let b = _mm256_mask_sub_epi32(bin, below, bin, one);
            let b = _mm256_mask_add_epi32(b, above, b, one);
            let under = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(x, vlow);
            let inside = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(x, vhigh);
            // Below the axis 0, at or past its end (or NaN) the overflow bin.
            let b = _mm256_mask_blend_epi32(inside, over_bin, b);
            let b = _mm256_mask_blend_epi32(under, b, underflow);
            _mm256_storeu_si256(out.as_mut_ptr().add(i) as *mut __m256i, b);
            if SUMS {
                // In range: bins 1..=nb, read from x itself so that the sums need not wait for
                // the bin: at or above `low` (the first lower edge is `low` exactly) and below
                // both `high` and the last upper edge `low + nb · width` (which rounding can put
                // below `high`: there the correction moves a value to the overflow).
                let ok = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(x, vlow)
                    & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(x, vtop);
                let v = _mm512_maskz_mov_pd(ok, x);
                sx = _mm512_add_pd(sx, v);
                sx2 = _mm512_add_pd(sx2, _mm512_mul_pd(v, v));
                let finite = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(_mm512_abs_pd(x), infinity);
                inside_n = _mm512_mask_add_epi64(inside_n, ok, inside_n, one64);
                finite_n = _mm512_mask_add_epi64(finite_n, finite, finite_n, one64);
            }
            i += 8;
        }
        self.indices_plain(&xs[i..n], &mut out[i..n]);
        if SUMS {
            _mm512_storeu_pd(sums.sx.as_mut_ptr(), sx);
            _mm512_storeu_pd(sums.sx2.as_mut_ptr(), sx2);
            sums.inside += _mm512_reduce_add_epi64(inside_n) as u64;
            sums.nonfinite += i as u64 - _mm512_reduce_add_epi64(finite_n) as u64;
            self.sums_after(xs, out, i, sums);
        }
    }

    /// The plain (scalar, branching) bins, for comparison in tests and benches.
    pub fn indices_scalar<T: Copy + Into<f64> + 'static>(&self, xs: &[T], out: &mut [u32]) {
        for (o, x) in out.iter_mut().zip(xs) {
            *o = self.index((*x).into()) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Axes of the ADL queries and some awkward ones (edges that are not representable, a
    /// negative low edge, a huge number of bins, a tiny range).
    fn axes() -> Vec<Regular> {
        [
            (100, 15.0, 60.0),
            (100, 0.0, 200.0),
            (100, 15.0, 40.0),
            (100, 0.0, 1.0),
            (7, -1.3, 2.9),
            (30000, 0.0, 300.0),
            (3, 0.1, 0.7),
            (10, 1e6, 1e6 + 1e-3),
            // The last upper edge `low + bins · width` one ulp below `high`: values between
            // go to the overflow.
            (10, 0.1, 3.3),
            (3, -0.9, 0.9),
            // Edges a few ulps apart: the AVX-512 kernel keeps ROOT's division here.
            (10, 1e12, 1e12 + 1e-3),
            (7, -3e9, -3e9 + 2e-6),
            // The single-precision kernel's limits: the most bins its table holds, edges that
            // are floats, and bins a few hundred floats wide far from zero (bins · (|low| +
            // |high|) / (high - low) near its bound of 2¹⁸).
            (127, -5.0, 122.0),
            (64, 0.0, 64.0),
            (100, 1000.0, 1001.0),
            (128, 0.0, 1.0),
            // An axis over most of the float32 range: `x - low` would overflow float32.
            (100, -3e38, 3e38),
        ]
        .into_iter()
        .map(|(b, l, h)| Regular::new(b, l, h).unwrap())
        .collect()
    }

    #[test]
    fn single_precision_is_taken_on_the_adl_axes_and_not_beyond_its_bounds() {
        let single = |b, l, h| BlockBins::new(Regular::new(b, l, h).unwrap()).single_precision();
        let avx512 = cfg!(target_arch = "x86_64") && single::tests::avx512();
        for (b, l, h) in [(100, 15.0, 60.0), (100, 0.0, 200.0), (127, -5.0, 122.0)] {
            assert_eq!(single(b, l, h), avx512, "{b} bins {l}..{h}");
        }
        // More bins than the table holds, bins too narrow for the float32 estimate, edges too
        // close for the multiplication, an axis whose `x - low` overflows float32.
        for (b, l, h) in [
            (128, 0.0, 1.0),
            (10, 1e6, 1e6 + 1e-3),
            (10, 1e12, 1e12 + 1e-3),
            (100, -3e38, 3e38),
        ] {
            assert!(!single(b, l, h), "{b} bins {l}..{h}");
        }
    }

    #[test]
    fn some_axes_end_their_last_bin_below_high() {
        for (b, l, h) in [(10, 0.1, 3.3), (3, -0.9, 0.9)] {
            let a = Regular::new(b, l, h).unwrap();
            let last = l + b as f64 * a.width;
            assert!(last < h);
            // ROOT's FindFixBin puts the values between in the overflow.
            assert_eq!(a.index(last), b + 1);
        }
    }

    #[test]
    fn the_multiplication_is_taken_only_where_the_edges_are_well_apart() {
        let scaled = |b, l, h| Regular::new(b, l, h).unwrap().scale > 0.0;
        assert!(scaled(100, 15.0, 60.0));
        assert!(scaled(30000, 0.0, 300.0));
        assert!(scaled(10, 1e6, 1e6 + 1e-3));
        assert!(!scaled(10, 1e12, 1e12 + 1e-3));
        assert!(!scaled(7, -3e9, -3e9 + 2e-6));
        // A range whose reciprocal is not a normal number.
        assert!(!scaled(1, 0.0, 1e-310));
        assert!(!scaled(1, 0.0, f64::MAX));
    }

    /// Every kernel on `xs` — the one `indices` chooses, the portable one and each vector
    /// kernel the CPU has — compared with `want`.
    fn each_kernel<T: Copy + Into<f64> + 'static>(axis: &Regular, xs: &[T], want: &[u32]) {
        let mut got = vec![0u32; xs.len()];
        axis.indices(xs, &mut got);
        assert_eq!(got, want, "chosen kernel on {axis:?}");
        // The bins with the running sums (in one pass with AVX-512), and the sums after the
        // bins (the other machines' path): the sums of `LaneSums::add` of the doubles.
        let wide: Vec<f64> = xs.iter().map(|&x| x.into()).collect();
        let mut want_sums = LaneSums::default();
        want_sums.add(want, &wide, axis.bins());
        let bits = |s: &LaneSums| {
            (
                s.sx.map(f64::to_bits),
                s.sx2.map(f64::to_bits),
                s.inside,
                s.nonfinite,
            )
        };
        let mut sums = LaneSums::default();
        axis.indices_and_sums(xs, &mut got, &mut sums);
        assert_eq!(got, want, "bins with sums on {axis:?}");
        assert_eq!(bits(&sums), bits(&want_sums), "sums with bins on {axis:?}");
        // The block kernel of fills (single precision for floats where the axis allows it).
        let block = BlockBins::new(*axis);
        let mut sums = LaneSums::default();
        block.indices_and_sums(xs, &mut got, &mut sums);
        let single = block.single_precision();
        assert_eq!(
            got, want,
            "block kernel (single precision {single}) on {axis:?}"
        );
        assert_eq!(
            bits(&sums),
            bits(&want_sums),
            "block kernel's sums (single precision {single}) on {axis:?}"
        );
        let mut sums = LaneSums::default();
        axis.sums_after(xs, want, 0, &mut sums);
        assert_eq!(bits(&sums), bits(&want_sums), "sums after bins on {axis:?}");
        axis.indices_plain(xs, &mut got);
        assert_eq!(got, want, "portable kernel on {axis:?}");
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present (checked just above).
                unsafe { axis.indices_avx2::<T, false>(xs, &mut got) };
                assert_eq!(got, want, "AVX2 dividing on {axis:?}");
                if axis.scale > 0.0 {
                    // SAFETY: as above.
                    unsafe { axis.indices_avx2::<T, true>(xs, &mut got) };
                    assert_eq!(got, want, "AVX2 multiplying on {axis:?}");
                }
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                // SAFETY: AVX-512F and VL are present (checked just above).
                unsafe { axis.indices_avx512(xs, &mut got) };
                assert_eq!(got, want, "AVX-512 on {axis:?}");
                // The division on every axis, the multiplication where `scaled` allows it.
                let mut none = LaneSums::default();
                // SAFETY: as above.
                unsafe { axis.indices_avx512_summing::<T, false, false>(xs, &mut got, &mut none) };
                assert_eq!(got, want, "AVX-512 dividing on {axis:?}");
                if axis.scale > 0.0 {
                    // SAFETY: as above.
                    unsafe {
                        axis.indices_avx512_summing::<T, false, true>(xs, &mut got, &mut none)
                    };
                    assert_eq!(got, want, "AVX-512 multiplying on {axis:?}");
                }
            }
        }
    }

    fn check(axis: &Regular, xs: &[f32]) {
        let mut fast = vec![0u32; xs.len()];
        let mut plain = vec![0u32; xs.len()];
        axis.indices(xs, &mut fast);
        axis.indices_scalar(xs, &mut plain);
        for i in 0..xs.len() {
            assert_eq!(fast[i], plain[i], "x = {:e} on {axis:?}", xs[i]);
        }
        each_kernel(axis, xs, &plain);
        let x64: Vec<f64> = xs.iter().map(|x| *x as f64).collect();
        each_kernel(axis, &x64, &plain);
    }

    #[test]
    fn block_bins_equal_root_bins_near_every_edge_and_on_a_sample() {
        for axis in axes() {
            let mut xs = vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0];
            for b in 0..=axis.bins {
                let edge = axis.low + b as f64 * axis.width;
                let e = edge as f32;
                let mut up = e;
                let mut down = e;
                xs.push(e);
                for _ in 0..64 {
                    up = f32::from_bits(if up >= 0.0 {
                        up.to_bits() + 1
                    } else {
                        up.to_bits() - 1
                    });
                    down = f32::from_bits(if down > 0.0 {
                        down.to_bits() - 1
                    } else {
                        down.to_bits() + 1
                    });
                    xs.push(up);
                    xs.push(down);
                }
            }
            check(&axis, &xs);
        }
        // Every 4099th float32 bit pattern (all signs, magnitudes, NaNs).
        let sample: Vec<f32> = (0..u32::MAX / 4099)
            .map(|i| f32::from_bits(i * 4099))
            .collect();
        for axis in axes() {
            check(&axis, &sample);
        }
    }

    /// Doubles at every edge as ROOT computes it (`low + k·width`) and a few ULPs around: where
    /// the raw bin of the division lands one off and the edge comparisons move it, both ways.
    #[test]
    fn block_bins_equal_root_bins_for_doubles_at_the_edges() {
        let mut moved = [0usize; 2];
        for axis in axes() {
            let mut xs = Vec::new();
            for b in 0..=axis.bins.min(4096) {
                let edge = axis.low + b as f64 * axis.width;
                let mut up = edge;
                let mut down = edge;
                xs.push(edge);
                for _ in 0..4 {
                    up = up.next_up();
                    down = down.next_down();
                    xs.extend([up, down]);
                }
            }
            let mut want = vec![0u32; xs.len()];
            axis.indices_scalar(&xs, &mut want);
            // How often the edge comparisons move the division's bin (the test must see both).
            for (&x, &w) in xs.iter().zip(&want) {
                let nb = axis.bins as f64;
                let raw = ((nb * (x - axis.low)) / (axis.high - axis.low)).clamp(0.0, nb - 1.0);
                if x >= axis.low && x < axis.high {
                    let first = 1 + raw as u32;
                    moved[0] += usize::from(w < first);
                    moved[1] += usize::from(w > first);
                }
            }
            each_kernel(&axis, &xs, &want);
        }
        assert!(moved[0] > 0 && moved[1] > 0, "corrections seen: {moved:?}");
    }

    /// Every float32 between −2 and 250 on the ADL axes (about 2.2 × 10⁹ values; a minute in
    /// release). `cargo test -p columnar --release -- --ignored`
    #[test]
    #[ignore]
    fn block_bins_equal_root_bins_for_every_float32_of_the_adl_axes() {
        let lo = (-2.0f32).to_bits();
        let hi = 250.0f32.to_bits();
        let ranges = [(0u32, hi), (1u32 << 31, lo)];
        for axis in &axes()[..4] {
            for (a, b) in ranges {
                let mut start = a as u64;
                while start <= b as u64 {
                    let end = (start + (1 << 22)).min(b as u64 + 1);
                    let xs: Vec<f32> = (start..end).map(|i| f32::from_bits(i as u32)).collect();
                    check(axis, &xs);
                    start = end;
                }
            }
        }
    }
}

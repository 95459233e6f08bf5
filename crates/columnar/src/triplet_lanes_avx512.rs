//! [`closest_of_four`](crate::triplet_lanes_avx2::closest_of_four) for sixteen events at once,
//! one event a lane of AVX-512's 512-bit vectors of single-precision numbers.
//!
//! The four-lane path works in double precision with `mass_bounds`' [`TOLERANCE`] (1e-10 of
//! each triplet's `t²`). Here every triplet's `m²` and `t²` are computed from the approximate
//! four-vectors rounded to single precision, and a triplet counts as meeting the candidate's
//! window where it is within [`TOLERANCE_F32`] of `t²` of it, a bound on how far single
//! precision can move `m²` (below). The candidate's window itself is `mass_bounds`'
//! ([`window_of_sum`], from the double-precision sum), rounded outwards to single precision.
//! So a lane decides only where the double-precision count would too: no triplet but the
//! candidate can have its exact mass in the window. Where a second triplet comes within about
//! `1e-5·t²/(2m)` of it (a few MeV for q6's trijets) the lane is left undecided and the event is
//! searched exactly — rarely.
//!
//! The bound. With `u = 2⁻²⁴` and `T = E₁ + E₂ + E₃` (the records' energies; every component is
//! at most its record's energy):
//! - rounding each record's components to single precision and the two additions of the sums
//!   `(pᵢ + pⱼ) + pₖ` move each summed component by at most `3u·T` (to first order);
//! - each square then differs from the exact square by at most `2T·3uT + u·T² = 7u·T²`, four
//!   squares `28u·T²`;
//! - the three subtractions round by at most `2u·T²` each (their results lie within `[−2T², T²]`),
//!   `6u·T²`, and the window test's `m² ± tol` once more by `u·T²`;
//!
//! `35u·T² ≈ 2.1e-6·T²` in all, against the approximate four-vectors' own 1e-15 relative;
//! [`TOLERANCE_F32`] = 1e-5 leaves a factor of about five. Records whose energy is outside
//! `[1e-15, 1e15]` (where single precision's range could overflow `t²` or lose the relative
//! bound to subnormals), or not finite, leave their lane undecided.
//!
//! The candidate (single-precision keys `|m − target|`) decides speed only, as in the four-lane
//! path: each lane's is the first triplet of the smallest key; a different candidate among equal
//! keys cannot pass the count (it proves the candidate the strict minimum or fails).
//!
//! A lane left undecided here is counted again alone, in double precision
//! (`mass_bounds::closest_triplets_certain`): on ADL q6 (lz4 file) one event in about 800 of
//! those in the lanes, of which all but about one in 500 000 then decide.
//!
//! Why: the double-precision version of this kernel, eight events a vector, was 14.5 % of ADL
//! q6 on the lz4 file on an Intel Xeon with AVX-512 (2026-12-07, 512-bit operations at full
//! width); sixteen lanes do its arithmetic in half the instructions, and the candidates'
//! windows are computed eight lanes a vector instead of one lane at a time (that alone gained
//! nothing with eight lanes, where the scalar windows overlapped the vector work; with sixteen
//! they became half the kernel's time). Measured there: criterion `trijet/closest_triplets_certain`
//! 94.7 → 72.2 µs; paired runs of q6 (best / median, the same histograms) lz4 0.598 / 0.623 →
//! 0.551 / 0.564 s (11 runs), zstd 0.932 / 0.952 → 0.882 / 0.889 s (7). Not measured on AMD
//! Zen 4, which runs 512-bit operations as two halves.

use std::arch::x86_64::*;
use std::mem::MaybeUninit;

use crate::mass_bounds::TOLERANCE;
use crate::triplet_lanes_avx2::MAX_RECORDS;

/// Triplets of [`MAX_RECORDS`] records.
const MAX_TRIPLETS: usize = MAX_RECORDS * (MAX_RECORDS - 1) * (MAX_RECORDS - 2) / 6;

/// The relative gap (to each triplet's `t²`) by which single precision's `m²` may miss the
/// exact one (see the module's notes: at most about 2.1e-6).
pub(crate) const TOLERANCE_F32: f32 = 1e-5;

/// The energies a record may have for its lane to decide (see the module's notes).
const ENERGY_RANGE: (f32, f32) = (1e-15, 1e15);

/// The closest-mass triplets of sixteen events of `n` records each (4 ≤ n ≤ [`MAX_RECORDS`]),
/// record `s` of lane `l` at `starts[l] + s` of the columns `p` (`[px, py, pz, E]`); `None` for
/// a lane not decided. `table` is [`triplets`](crate::triplet_lanes_avx2::triplets)`(n)`.
///
/// # Safety
/// The CPU must have AVX-512F; every `starts[l] + n` at most every column's length.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn closest_of_sixteen(
    p: [&[f64]; 4],
    starts: [usize; 16],
    n: usize,
    table: &[[u8; 3]],
    target: f64,
) -> [Option<[usize; 3]>; 16] {
    if !(4..=MAX_RECORDS).contains(&n) || table.len() != n * (n - 1) * (n - 2) / 6 {
        // Not an event this path takes (nothing decided, never a count over part of it).
        return [None; 16];
    }
    // Record s of the sixteen events, component by component, in single precision: two
    // gathers of eight doubles, each rounded to eight floats, side by side.
    let mut records = [[_mm512_setzero_ps(); 4]; MAX_RECORDS];
    let first = starts.map(|s| s as i64);
    // SAFETY: `first` holds 16 integers.
    let (low, high) = unsafe {
        (
            _mm512_loadu_si512(first.as_ptr().cast()),
            _mm512_loadu_si512(first[8..].as_ptr().cast()),
        )
    };
    let (least_energy, most_energy) = (
        _mm512_set1_ps(ENERGY_RANGE.0),
        _mm512_set1_ps(ENERGY_RANGE.1),
    );
    let mut vouched: __mmask16 = !0;
    for (s, record) in records[..n].iter_mut().enumerate() {
        let step = _mm512_set1_epi64(s as i64);
        let (at_low, at_high) = (_mm512_add_epi64(low, step), _mm512_add_epi64(high, step));
        for (d, lanes) in record.iter_mut().enumerate() {
            // SAFETY: start + s < start + n ≤ the column's length (the caller's promise), and
            // positions fit an i64 (a slice's length does).
            let (a, b) = unsafe {
                (
                    _mm512_i64gather_pd::<8>(at_low, p[d].as_ptr()),
                    _mm512_i64gather_pd::<8>(at_high, p[d].as_ptr()),
                )
            };
            let a = _mm512_castps256_ps512(_mm512_cvtpd_ps(a));
            let b = _mm256_castps_pd(_mm512_cvtpd_ps(b));
            *lanes = _mm512_castpd_ps(_mm512_insertf64x4::<1>(_mm512_castps_pd(a), b));
        }
        // Energies in range (NaN is not).
        vouched &= _mm512_cmp_ps_mask::<_CMP_GE_OQ>(record[3], least_energy)
            & _mm512_cmp_ps_mask::<_CMP_LE_OQ>(record[3], most_energy);
    }
    // Every triplet's m² and t² (not zeroed: only the first `total` are written and read).
    let mut mm = [MaybeUninit::<__m512>::uninit(); MAX_TRIPLETS];
    let mut tt = [MaybeUninit::<__m512>::uninit(); MAX_TRIPLETS];
    let mut c = 0;
    for i in 0..n {
        for j in i + 1..n {
            let ij: [__m512; 4] = [0, 1, 2, 3].map(|d| _mm512_add_ps(records[i][d], records[j][d]));
            for record in &records[j + 1..n] {
                let [x, y, z, t] = [0, 1, 2, 3].map(|d| _mm512_add_ps(ij[d], record[d]));
                let t2 = _mm512_mul_ps(t, t);
                let m2 = _mm512_sub_ps(
                    _mm512_sub_ps(_mm512_sub_ps(t2, _mm512_mul_ps(x, x)), _mm512_mul_ps(y, y)),
                    _mm512_mul_ps(z, z),
                );
                // c < triplets(n) ≤ MAX_TRIPLETS.
                mm[c].write(m2);
                tt[c].write(t2);
                c += 1;
            }
        }
    }
    let total = c;
    // Each lane's candidate: the first triplet of the smallest key |m − target| (`m` the signed
    // root of m²; NaN never is smaller), kept in four running minima (triplets c, c + 4, …:
    // four chains of comparisons instead of one), then merged: the smaller key, the earlier
    // triplet of equal ones.
    let (vt, sign) = (_mm512_set1_ps(target as f32), _mm512_set1_epi32(i32::MIN));
    let mut least = [_mm512_set1_ps(f32::INFINITY); 4];
    let mut least_at = [_mm512_setzero_si512(); 4];
    let mut c = 0;
    while c < total {
        // Four triplets a step, one a chain (past the last, the last again: its key and
        // position change no minimum).
        for (k, (least, least_at)) in least.iter_mut().zip(&mut least_at).enumerate() {
            let at = (c + k).min(total - 1);
            // SAFETY: the first `total` were written above.
            let m2 = unsafe { mm[at].assume_init() };
            let root = _mm512_sqrt_ps(_mm512_abs_ps(m2));
            let m = _mm512_castsi512_ps(_mm512_or_si512(
                _mm512_castps_si512(root),
                _mm512_and_si512(sign, _mm512_castps_si512(m2)),
            ));
            let key = _mm512_abs_ps(_mm512_sub_ps(m, vt));
            let better = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(key, *least);
            *least = _mm512_mask_mov_ps(*least, better, key);
            *least_at = _mm512_mask_mov_epi32(*least_at, better, _mm512_set1_epi32(at as i32));
        }
        c += 4;
    }
    let (mut key, mut at) = (least[0], least_at[0]);
    for k in 1..4 {
        let smaller = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(least[k], key);
        let equal_before = _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(least[k], key)
            & _mm512_cmplt_epi32_mask(least_at[k], at);
        let take = smaller | equal_before;
        key = _mm512_mask_mov_ps(key, take, least[k]);
        at = _mm512_mask_mov_epi32(at, take, least_at[k]);
    }
    let mut ats = [0i32; 16];
    // SAFETY: `ats` holds 16 integers.
    unsafe { _mm512_storeu_si512(ats.as_mut_ptr().cast(), at) };
    // Each lane's candidate and its window (`window_of_sum` of the double-precision sum,
    // eight lanes a vector), rounded outwards to single precision; an empty window where the
    // lane is not vouched for.
    let mut best = [[0usize; 3]; 16];
    let mut slots = [[0i64; 16]; 3];
    for l in 0..16 {
        let Some(t) = table.get(ats[l] as usize) else {
            vouched &= !(1 << l);
            continue;
        };
        best[l] = t.map(usize::from);
        for (slot, &r) in slots.iter_mut().zip(t) {
            slot[l] = (starts[l] + usize::from(r)) as i64;
        }
    }
    let mut halves = [(_mm512_setzero_pd(), _mm512_setzero_pd(), 0u8); 2];
    for (h, half) in halves.iter_mut().enumerate() {
        // SAFETY: each slot holds 16 integers; the positions are records of the lane's event
        // (below n, the table's), so within the columns.
        let sum = [0, 1, 2, 3].map(|d| unsafe {
            let at = |k: usize| _mm512_loadu_si512(slots[k][8 * h..].as_ptr().cast());
            let column = p[d].as_ptr();
            _mm512_add_pd(
                _mm512_add_pd(
                    _mm512_i64gather_pd::<8>(at(0), column),
                    _mm512_i64gather_pd::<8>(at(1), column),
                ),
                _mm512_i64gather_pd::<8>(at(2), column),
            )
        });
        *half = windows_of_sums(sum, target);
    }
    let join = |a: __m256, b: __m256| {
        _mm512_castpd_ps(_mm512_insertf64x4::<1>(
            _mm512_castpd256_pd512(_mm256_castps_pd(a)),
            _mm256_castps_pd(b),
        ))
    };
    let [(lo_a, hi_a, ok_a), (lo_b, hi_b, ok_b)] = halves;
    vouched &= __mmask16::from(ok_a) | __mmask16::from(ok_b) << 8;
    const DOWN: i32 = _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC;
    const UP: i32 = _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC;
    let lo = _mm512_mask_mov_ps(
        _mm512_set1_ps(f32::INFINITY),
        vouched,
        join(
            _mm512_cvt_roundpd_ps::<DOWN>(lo_a),
            _mm512_cvt_roundpd_ps::<DOWN>(lo_b),
        ),
    );
    let hi = _mm512_mask_mov_ps(
        _mm512_set1_ps(f32::NEG_INFINITY),
        vouched,
        join(
            _mm512_cvt_roundpd_ps::<UP>(hi_a),
            _mm512_cvt_roundpd_ps::<UP>(hi_b),
        ),
    );
    // How many triplets of each lane meet its window.
    let vtol = _mm512_set1_ps(TOLERANCE_F32);
    let (mut count, one) = (_mm512_setzero_si512(), _mm512_set1_epi32(1));
    for (m2, t2) in mm[..total].iter().zip(&tt[..total]) {
        // SAFETY: the first `total` were written above.
        let (m2, t2) = unsafe { (m2.assume_init(), t2.assume_init()) };
        let tol = _mm512_mul_ps(vtol, t2);
        let meets = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(_mm512_sub_ps(m2, tol), hi)
            & _mm512_cmp_ps_mask::<_CMP_GE_OQ>(_mm512_add_ps(m2, tol), lo);
        count = _mm512_mask_add_epi32(count, meets, count, one);
    }
    let mut counts = [0i32; 16];
    // SAFETY: `counts` holds 16 integers.
    unsafe { _mm512_storeu_si512(counts.as_mut_ptr().cast(), count) };
    std::array::from_fn(|l| (vouched >> l & 1 == 1 && counts[l] == 1).then_some(best[l]))
}

/// [`window_of_sum`] of eight sums at once, `(lower², upper², vouched)`: the same operations,
/// lane by lane (`tests::windows_of_sums_are_window_of_sum_s`); a lane not vouched for (its
/// bit clear) holds no meaningful window.
#[target_feature(enable = "avx512f")]
fn windows_of_sums([x, y, z, t]: [__m512d; 4], target: f64) -> (__m512d, __m512d, u8) {
    let scale = _mm512_mul_pd(t, t);
    let ok = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(scale, _mm512_set1_pd(1e-200))
        & _mm512_cmp_pd_mask::<_CMP_LE_OQ>(scale, _mm512_set1_pd(f64::MAX));
    let mm = _mm512_sub_pd(
        _mm512_sub_pd(
            _mm512_sub_pd(scale, _mm512_mul_pd(x, x)),
            _mm512_mul_pd(y, y),
        ),
        _mm512_mul_pd(z, z),
    );
    let margin = _mm512_mul_pd(_mm512_set1_pd(TOLERANCE), scale);
    let sign = _mm512_set1_epi64(i64::MIN);
    let signed_sqrt = |v: __m512d| {
        let root = _mm512_sqrt_pd(_mm512_abs_pd(v));
        _mm512_castsi512_pd(_mm512_or_si512(
            _mm512_castpd_si512(root),
            _mm512_and_si512(sign, _mm512_castpd_si512(v)),
        ))
    };
    let vt = _mm512_set1_pd(target);
    let (ml, mh) = (
        signed_sqrt(_mm512_sub_pd(mm, margin)),
        signed_sqrt(_mm512_add_pd(mm, margin)),
    );
    let h = _mm512_max_pd(
        _mm512_abs_pd(_mm512_sub_pd(ml, vt)),
        _mm512_abs_pd(_mm512_sub_pd(mh, vt)),
    );
    let ok = ok & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(h, _mm512_set1_pd(f64::INFINITY));
    let (up, down) = (_mm512_set1_pd(1.0 + 1e-9), _mm512_set1_pd(1.0 - 1e-9));
    let upper = _mm512_mul_pd(_mm512_add_pd(vt, h), up);
    let upper2 = _mm512_mul_pd(_mm512_mul_pd(upper, upper), up);
    let lower = _mm512_mul_pd(_mm512_sub_pd(vt, h), down);
    let positive = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(lower, _mm512_set1_pd(1e-6 * target));
    let lower2 = _mm512_mask_mov_pd(
        _mm512_set1_pd(f64::NEG_INFINITY),
        positive,
        _mm512_mul_pd(_mm512_mul_pd(lower, lower), down),
    );
    (lower2, upper2, ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mass_bounds::window_of_sum;

    /// Sums near and far from the target, space-like ones, and sums not vouched for.
    #[test]
    fn windows_of_sums_are_window_of_sum_s() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        let mut rng = crate::test_rng::Xorshift(5);
        let mut next = || rng.unit();
        for round in 0..20_000 {
            let target = [172.5, 91.2, 1e-3, 3e5][round % 4];
            let sums: [[f64; 4]; 8] = std::array::from_fn(|l| {
                let x = (next() - 0.5) * 400.0;
                let y = (next() - 0.5) * 400.0;
                let z = (next() - 0.5) * 2000.0;
                let p = (x * x + y * y + z * z).sqrt();
                let t = match (round + l) % 9 {
                    0 => p * (1.0 - 1e-3 * next()),
                    1 => f64::NAN,
                    2 => 1e-101,
                    3 => 1e200,
                    _ => (p * p + (300.0 * next()).powi(2)).sqrt(),
                };
                [x, y, z, t]
            });
            let column = |d: usize| sums.map(|s| s[d]);
            // SAFETY: AVX-512F is present (checked above); each array holds 8 doubles.
            let (lo, hi, ok) = unsafe {
                let v = [0, 1, 2, 3].map(|d| _mm512_loadu_pd(column(d).as_ptr()));
                windows_of_sums(v, target)
            };
            let (mut los, mut his) = ([0.0; 8], [0.0; 8]);
            // SAFETY: the arrays hold 8 doubles.
            unsafe {
                _mm512_storeu_pd(los.as_mut_ptr(), lo);
                _mm512_storeu_pd(his.as_mut_ptr(), hi);
            }
            for l in 0..8 {
                let want = window_of_sum(sums[l], target);
                let got = (ok >> l & 1 == 1).then_some((los[l], his[l]));
                assert_eq!(
                    got.map(|(a, b)| (a.to_bits(), b.to_bits())),
                    want.map(|(a, b)| (a.to_bits(), b.to_bits())),
                    "round {round}, lane {l}: {:?}",
                    sums[l]
                );
            }
        }
    }
}

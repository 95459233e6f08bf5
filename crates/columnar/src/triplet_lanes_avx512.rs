//! [`closest_of_four`](crate::triplet_lanes_avx2::closest_of_four) for eight events at once,
//! one event a lane of AVX-512's 512-bit vectors: the same operations in the same order per lane
//! (each triplet's sum `(pᵢ + pⱼ) + pₖ`, `t·t − x·x − y·y − z·z` with separate multiplies and
//! subtractions, the tolerance `TOLERANCE·t²`, the comparisons with the window of
//! `mass_bounds::certainty_window`), so a lane's count is the scalar count of `mass_bounds` and
//! decides exactly as it would. The candidate (single-precision keys) decides speed only: here
//! each lane's is the first triplet of the smallest key, where four lanes took the smaller of two
//! halves; a different candidate among equal keys cannot pass the count (it proves the candidate
//! the strict minimum or fails, and the event is then searched exactly).
//!
//! Why: on an Intel Xeon (2026-12-07) 512-bit operations run at full width, so eight lanes do
//! the work of two four-lane steps per instruction. The records are gathered (eight loads stored
//! and read back as a vector stalled on store forwarding), and the candidate is kept in four
//! running minima (one chain of comparisons waited on each step). Measured there: the kernel's
//! share of ADL q6 on the lz4 file 18.7 % (four lanes) → 14.2 %; paired runs of q6 (best /
//! median, the same histograms) lz4 0.598 / 0.626 → 0.584 / 0.611 s (9 runs), zstd 0.915 / 0.956
//! → 0.901 / 0.929 s (5). Not measured on AMD Zen 4, which runs 512-bit operations as two halves;
//! both widths are tested against the exact search (`mass_bounds`' tests).

use std::arch::x86_64::*;
use std::mem::MaybeUninit;

use crate::mass_bounds::{window_of_sum, TOLERANCE};
use crate::triplet_lanes_avx2::MAX_RECORDS;

/// Triplets of [`MAX_RECORDS`] records.
const MAX_TRIPLETS: usize = MAX_RECORDS * (MAX_RECORDS - 1) * (MAX_RECORDS - 2) / 6;

/// The closest-mass triplets of eight events of `n` records each (4 ≤ n ≤ [`MAX_RECORDS`]),
/// record `s` of lane `l` at `starts[l] + s` of the columns `p` (`[px, py, pz, E]`); `None` for
/// a lane not decided. `table` is [`triplets`](crate::triplet_lanes_avx2::triplets)`(n)`.
///
/// # Safety
/// The CPU must have AVX-512F, AVX-512VL and AVX2; every `starts[l] + n` at most every column's length.
#[target_feature(enable = "avx512f,avx512vl,avx2")]
pub(crate) unsafe fn closest_of_eight(
    p: [&[f64]; 4],
    starts: [usize; 8],
    n: usize,
    table: &[[u8; 3]],
    target: f64,
) -> [Option<[usize; 3]>; 8] {
    if !(4..=MAX_RECORDS).contains(&n) || table.len() != n * (n - 1) * (n - 2) / 6 {
        // Not an event this path takes (nothing decided, never a count over part of it).
        return [None; 8];
    }
    // Record s of the eight events, component by component; whether each lane's energies are
    // all finite (else the lane is not decided).
    // (Gathered: eight loads stored and then read as a vector stalled on the store
    // forwarding.)
    let mut records = [[_mm512_setzero_pd(); 4]; MAX_RECORDS];
    let first = starts.map(|s| s as i64);
    // SAFETY: `first` holds 8 integers.
    let first = unsafe { _mm512_loadu_si512(first.as_ptr().cast()) };
    for (s, record) in records[..n].iter_mut().enumerate() {
        let at = _mm512_add_epi64(first, _mm512_set1_epi64(s as i64));
        for (d, lanes) in record.iter_mut().enumerate() {
            // SAFETY: start + s < start + n ≤ the column's length (the caller's promise), and
            // positions fit an i64 (a slice's length does).
            *lanes = unsafe { _mm512_i64gather_pd::<8>(at, p[d].as_ptr()) };
        }
    }
    // Whether each lane's energies are all finite (else the lane is not decided).
    let mut finite = [true; 8];
    let inf = _mm512_set1_pd(f64::INFINITY);
    let mut bad = 0u8;
    for record in &records[..n] {
        // Not finite: |E| ≥ ∞ fails to be below it, NaN included.
        bad |= !_mm512_cmp_pd_mask::<_CMP_LT_OQ>(_mm512_abs_pd(record[3]), inf);
    }
    for (l, f) in finite.iter_mut().enumerate() {
        *f = bad >> l & 1 == 0;
    }
    // Every triplet's m² and E² (not zeroed: only the first `total` are written and read).
    let mut mm = [MaybeUninit::<__m512d>::uninit(); MAX_TRIPLETS];
    let mut tt = [MaybeUninit::<__m512d>::uninit(); MAX_TRIPLETS];
    let mut c = 0;
    for i in 0..n {
        for j in i + 1..n {
            let ij: [__m512d; 4] =
                [0, 1, 2, 3].map(|d| _mm512_add_pd(records[i][d], records[j][d]));
            for record in &records[j + 1..n] {
                let [x, y, z, t] = [0, 1, 2, 3].map(|d| _mm512_add_pd(ij[d], record[d]));
                let t2 = _mm512_mul_pd(t, t);
                let m2 = _mm512_sub_pd(
                    _mm512_sub_pd(_mm512_sub_pd(t2, _mm512_mul_pd(x, x)), _mm512_mul_pd(y, y)),
                    _mm512_mul_pd(z, z),
                );
                // c < triplets(n) ≤ MAX_TRIPLETS.
                mm[c].write(m2);
                tt[c].write(t2);
                c += 1;
            }
        }
    }
    let total = c;
    // Each lane's candidate: the first triplet of the smallest single-precision key
    // |m − target| (`m` the signed root of m², as `triplets_avx2::keep_closest` keys them; NaN
    // never is smaller), kept in four running minima (triplets c, c + 4, …: four chains of
    // comparisons instead of one, which waited on each step), then merged: the smaller key,
    // the earlier triplet of equal ones.
    let (vt, sign) = (_mm256_set1_ps(target as f32), _mm256_set1_ps(-0.0));
    let mut least = [_mm256_set1_ps(f32::INFINITY); 4];
    let mut least_at = [_mm256_setzero_si256(); 4];
    let mut c = 0;
    while c < total {
        // Four triplets a step, one a chain (past the last, the last again: its key and
        // position change no minimum).
        for (k, (least, least_at)) in least.iter_mut().zip(&mut least_at).enumerate() {
            let at = (c + k).min(total - 1);
            // SAFETY: the first `total` were written above.
            let m2 = _mm512_cvtpd_ps(unsafe { mm[at].assume_init() });
            let root = _mm256_sqrt_ps(_mm256_andnot_ps(sign, m2));
            let m = _mm256_or_ps(root, _mm256_and_ps(sign, m2));
            let key = _mm256_andnot_ps(sign, _mm256_sub_ps(m, vt));
            let better = _mm256_cmp_ps_mask::<_CMP_LT_OQ>(key, *least);
            *least = _mm256_mask_mov_ps(*least, better, key);
            *least_at = _mm256_mask_mov_epi32(*least_at, better, _mm256_set1_epi32(at as i32));
        }
        c += 4;
    }
    let (mut key, mut at) = (least[0], least_at[0]);
    for k in 1..4 {
        let smaller = _mm256_cmp_ps_mask::<_CMP_LT_OQ>(least[k], key);
        let equal_before = _mm256_cmp_ps_mask::<_CMP_EQ_OQ>(least[k], key)
            & _mm256_cmplt_epi32_mask(least_at[k], at);
        let take = smaller | equal_before;
        key = _mm256_mask_mov_ps(key, take, least[k]);
        at = _mm256_mask_mov_epi32(at, take, least_at[k]);
    }
    let mut ats = [0i32; 8];
    // SAFETY: `ats` holds 8 integers.
    unsafe { _mm256_storeu_si256(ats.as_mut_ptr().cast(), at) };
    // Each lane's candidate and window (an empty one where the lane is not vouched for).
    let mut best = [[0usize; 3]; 8];
    let (mut lower, mut upper) = ([f64::INFINITY; 8], [f64::NEG_INFINITY; 8]);
    for l in 0..8 {
        let Some(t) = table.get(ats[l] as usize) else {
            finite[l] = false;
            continue;
        };
        best[l] = t.map(usize::from);
        let sum = |d: usize| {
            // SAFETY: the triplet's records are below n (the table's), so within the columns.
            let at = |r: usize| unsafe { *p[d].get_unchecked(starts[l] + r) };
            at(best[l][0]) + at(best[l][1]) + at(best[l][2])
        };
        match window_of_sum([sum(0), sum(1), sum(2), sum(3)], target) {
            Some((lo, hi)) if finite[l] => (lower[l], upper[l]) = (lo, hi),
            _ => finite[l] = false,
        }
    }
    // How many triplets of each lane meet its window.
    let vtol = _mm512_set1_pd(TOLERANCE);
    // SAFETY: `lower` and `upper` hold 8 doubles.
    let (lo, hi) = unsafe {
        (
            _mm512_loadu_pd(lower.as_ptr()),
            _mm512_loadu_pd(upper.as_ptr()),
        )
    };
    let (mut count, one) = (_mm512_setzero_si512(), _mm512_set1_epi64(1));
    for (m2, t2) in mm[..total].iter().zip(&tt[..total]) {
        // SAFETY: the first `total` were written above.
        let (m2, t2) = unsafe { (m2.assume_init(), t2.assume_init()) };
        let tol = _mm512_mul_pd(vtol, t2);
        let meets = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(_mm512_sub_pd(m2, tol), hi)
            & _mm512_cmp_pd_mask::<_CMP_GE_OQ>(_mm512_add_pd(m2, tol), lo);
        count = _mm512_mask_add_epi64(count, meets, count, one);
    }
    let mut counts = [0i64; 8];
    // SAFETY: `counts` holds 8 integers.
    unsafe { _mm512_storeu_si512(counts.as_mut_ptr().cast(), count) };
    [0, 1, 2, 3, 4, 5, 6, 7].map(|l| (finite[l] && counts[l] == 1).then_some(best[l]))
}

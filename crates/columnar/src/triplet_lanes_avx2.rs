//! [`closest_mass_certain`](crate::mass_bounds::closest_mass_certain) for triplets of four
//! events at once, one event a vector lane, with AVX2: for events of the same number of
//! records, every step — each triplet's sum and m², the candidate, the count over the window —
//! is the same sequence of operations, so four events go through it together without a
//! horizontal reduction or a branch on the event's size. (Within one event, q6's events of
//! 4–8 jets give 4–56 triplets: runs of 1–14 vectors, each event's search paying its loop
//! set-up, reductions and tail lanes; measured, that overhead was most of the search.)
//!
//! The count is the scalar count of `mass_bounds` lane by lane — the same sums
//! `(pᵢ + pⱼ) + pₖ`, `t·t − x·x − y·y − z·z` with separate multiplies and subtractions, the
//! tolerance `TOLERANCE·t²`, the same comparisons with the window of
//! `mass_bounds::certainty_window` — so it decides exactly as that count would with this
//! candidate. The candidate (single-precision keys, as in `triplets_avx2`) decides speed only.

use std::arch::x86_64::*;
use std::mem::MaybeUninit;

use crate::mass_bounds::{window_of_sum, TOLERANCE};
use crate::triplets_avx2::keep_closest;

/// The most records an event may have for this path (larger events take the per-event one).
pub(crate) const MAX_RECORDS: usize = 12;

/// Triplets of [`MAX_RECORDS`] records.
const MAX_TRIPLETS: usize = MAX_RECORDS * (MAX_RECORDS - 1) * (MAX_RECORDS - 2) / 6;

/// The triplets `(i, j, k)`, `i < j < k < n`, in lexicographic order.
pub(crate) fn triplets(n: usize) -> Vec<[u8; 3]> {
    let mut t = Vec::with_capacity(n * n * n / 6);
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                t.push([i as u8, j as u8, k as u8]);
            }
        }
    }
    t
}

/// The closest-mass triplets of four events of `n` records each (4 ≤ n ≤ [`MAX_RECORDS`]),
/// record `s` of lane `l` at `starts[l] + s` of the columns `p` (`[px, py, pz, E]`); `None` for
/// a lane not decided. `table` is [`triplets`]`(n)`.
///
/// # Safety
/// The CPU must have AVX2; every `starts[l] + n` at most every column's length.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn closest_of_four(
    p: [&[f64]; 4],
    starts: [usize; 4],
    n: usize,
    table: &[[u8; 3]],
    target: f64,
) -> [Option<[usize; 3]>; 4] {
    if !(4..=MAX_RECORDS).contains(&n) || table.len() != n * (n - 1) * (n - 2) / 6 {
        // Not an event this path takes (nothing decided, never a count over part of it).
        return [None; 4];
    }
    // Record s of the four events, component by component; whether each lane's energies are
    // all finite (else the lane is not decided).
    let mut records = [[_mm256_setzero_pd(); 4]; MAX_RECORDS];
    let mut finite = [true; 4];
    for (s, record) in records[..n].iter_mut().enumerate() {
        for (d, lanes) in record.iter_mut().enumerate() {
            // SAFETY: start + s < start + n ≤ the column's length (the caller's promise).
            let v = starts.map(|start| *p[d].get_unchecked(start + s));
            if d == 3 {
                for (f, e) in finite.iter_mut().zip(v) {
                    *f &= e.is_finite();
                }
            }
            *lanes = _mm256_loadu_pd(v.as_ptr());
        }
    }
    // Every triplet's m² and E².
    // (Not zeroed: 14 KB a call; only the first `total` are written and read.)
    let mut mm = [MaybeUninit::<__m256d>::uninit(); MAX_TRIPLETS];
    let mut tt = [MaybeUninit::<__m256d>::uninit(); MAX_TRIPLETS];
    let mut c = 0;
    for i in 0..n {
        for j in i + 1..n {
            let ij: [__m256d; 4] =
                [0, 1, 2, 3].map(|d| _mm256_add_pd(records[i][d], records[j][d]));
            for record in &records[j + 1..n] {
                let [x, y, z, t] = [0, 1, 2, 3].map(|d| _mm256_add_pd(ij[d], record[d]));
                let t2 = _mm256_mul_pd(t, t);
                let m2 = _mm256_sub_pd(
                    _mm256_sub_pd(_mm256_sub_pd(t2, _mm256_mul_pd(x, x)), _mm256_mul_pd(y, y)),
                    _mm256_mul_pd(z, z),
                );
                // c < triplets(n) ≤ MAX_TRIPLETS.
                mm[c].write(m2);
                tt[c].write(t2);
                c += 1;
            }
        }
    }
    let total = c;
    // SAFETY: the first `total` were written above (and total ≥ 4 as n ≥ 4).
    let m2_at = |c: usize| mm[c.min(total - 1)].assume_init();
    // Each lane's candidate: the smallest single-precision key |m − target| (NaN never is
    // smaller), two triplets a vector (the low half one, the high half the next; the last
    // repeated where the count is odd).
    let (vt, every) = (
        _mm256_set1_ps(target as f32),
        _mm256_castsi256_ps(_mm256_set1_epi32(-1)),
    );
    let mut least = _mm256_set1_ps(f32::INFINITY);
    let mut least_at = _mm256_setzero_si256();
    let mut at = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
    let two = _mm256_set1_epi32(2);
    let mut c = 0;
    while c < total {
        let m2 = _mm256_set_m128(_mm256_cvtpd_ps(m2_at(c + 1)), _mm256_cvtpd_ps(m2_at(c)));
        keep_closest(m2, vt, every, at, &mut least, &mut least_at);
        at = _mm256_add_epi32(at, two);
        c += 2;
    }
    let (mut keys, mut ats8) = ([0f32; 8], [0i32; 8]);
    _mm256_storeu_ps(keys.as_mut_ptr(), least);
    _mm256_storeu_si256(ats8.as_mut_ptr().cast(), least_at);
    // Of each lane's two halves, the smaller key (the high half's only if strictly smaller).
    let ats = [0, 1, 2, 3].map(|l| {
        if keys[l + 4] < keys[l] {
            ats8[l + 4]
        } else {
            ats8[l]
        }
    });
    // Each lane's candidate and window (an empty one where the lane is not vouched for).
    let mut best = [[0usize; 3]; 4];
    let (mut lower, mut upper) = ([f64::INFINITY; 4], [f64::NEG_INFINITY; 4]);
    for l in 0..4 {
        let Some(t) = table.get(ats[l] as usize) else {
            finite[l] = false;
            continue;
        };
        best[l] = t.map(usize::from);
        let sum = |d: usize| {
            let at = |r: usize| *p[d].get_unchecked(starts[l] + r);
            at(best[l][0]) + at(best[l][1]) + at(best[l][2])
        };
        match window_of_sum([sum(0), sum(1), sum(2), sum(3)], target) {
            Some((lo, hi)) if finite[l] => (lower[l], upper[l]) = (lo, hi),
            _ => finite[l] = false,
        }
    }
    // How many triplets of each lane meet its window.
    let vtol = _mm256_set1_pd(TOLERANCE);
    let (lo, hi) = (
        _mm256_loadu_pd(lower.as_ptr()),
        _mm256_loadu_pd(upper.as_ptr()),
    );
    let mut count = _mm256_setzero_si256();
    for (m2, t2) in mm[..total].iter().zip(&tt[..total]) {
        // SAFETY: the first `total` were written above.
        let (m2, t2) = (m2.assume_init(), t2.assume_init());
        let tol = _mm256_mul_pd(vtol, t2);
        let meets = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_LE_OQ>(_mm256_sub_pd(m2, tol), hi),
            _mm256_cmp_pd::<_CMP_GE_OQ>(_mm256_add_pd(m2, tol), lo),
        );
        // A lane that meets is all ones: −1.
        count = _mm256_sub_epi64(count, _mm256_castpd_si256(meets));
    }
    let mut counts = [0i64; 4];
    _mm256_storeu_si256(counts.as_mut_ptr().cast(), count);
    [0, 1, 2, 3].map(|l| (finite[l] && counts[l] == 1).then_some(best[l]))
}

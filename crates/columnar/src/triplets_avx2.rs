//! The trijet search of [`closest_mass_combination`](crate::combinations::closest_mass_combination)
//! (k = 3, slots added in order) and the candidate and count of
//! [`closest_mass_certain`](crate::mass_bounds::closest_mass_certain), on events of at most
//! [`MAX_RECORDS`] records, with AVX2 (the candidate and the count eight triplets at a time with
//! AVX-512 where that is faster: `wide_is_faster`).
//!
//! Every triplet's `m² = E² − px² − py² − pz²` and `E²` are computed once per event into a
//! buffer, four triplets at a time, in *colex* order: triplets `(i, j, k)`, `i < j < k`, by
//! `k`, then `j`, then `i`. For a given `k` the pairs `(i, j)` with `j < k` are then the first
//! `k(k − 1)/2` pairs of the event in the same order, so the pair sums are computed once and
//! each `k` is one long run of vector lanes (a nested loop over `(i, j)` and then `k` has runs
//! of 1–3 lanes on events of a few jets). Each lane adds, multiplies and subtracts as the
//! scalar path does — `(pᵢ + pⱼ) + pₖ` component by component, then `t·t − x·x − y·y − z·z`
//! with separate multiplies and subtractions, no fused multiply-add — so it holds the scalar
//! `m²` bit for bit; the key `|m − target|` (`m` the signed square root, `PxPyPzE4D::M`) is
//! computed in the lanes too, and `sqrt` rounds correctly in a lane as in a scalar.
//!
//! The answer is the scalar path's: the first triplet in lexicographic order (`combinations`'
//! order) with the smallest key, where NaN keys never win and a NaN key of the first triplet
//! `(0, 1, 2)` stays (as `ArgMin` over the keys in order). Ties are broken by comparing the
//! tied triplets lexicographically, so the colex walk gives the same answer. Tested against
//! the scalar paths in `combinations` and `mass_bounds`.

use std::arch::x86_64::*;
use std::cell::RefCell;

use crate::fourvec::P4;

/// The most records an event may have for this path (the others take the scalar one).
pub(crate) const MAX_RECORDS: usize = 20;

/// Pairs and triplets of [`MAX_RECORDS`] records.
const MAX_PAIRS: usize = MAX_RECORDS * (MAX_RECORDS - 1) / 2;
const MAX_TRIPLETS: usize = MAX_RECORDS * (MAX_RECORDS - 1) * (MAX_RECORDS - 2) / 6;

/// The pairs `(i, j)`, `i < j`, with `j < k` (and so the colex position of `(0, 0, k)`'s run of
/// triplets is [`triplets_below`]`(k)`).
const fn pairs_below(k: usize) -> usize {
    k * k.saturating_sub(1) / 2
}

/// The triplets `(i, j, l)`, `i < j < l`, with `l < k`.
const fn triplets_below(k: usize) -> usize {
    k * k.saturating_sub(1) * k.saturating_sub(2) / 6
}

/// The triplet at each colex position, for decoding the (rare) ties.
const TRIPLETS: [[u8; 3]; MAX_TRIPLETS] = {
    let mut t = [[0u8; 3]; MAX_TRIPLETS];
    let mut at = 0;
    let mut k = 2;
    while k < MAX_RECORDS {
        let mut j = 1;
        while j < k {
            let mut i = 0;
            while i < j {
                t[at] = [i as u8, j as u8, k as u8];
                at += 1;
                i += 1;
            }
            j += 1;
        }
        k += 1;
    }
    t
};

/// The buffers of one event, reused from event to event (each thread has its own). Four
/// lanes past the last pair or triplet are written, and up to eight read, but never counted.
struct Scratch {
    /// Pair sums, component by component, in colex order.
    pairs: [[f64; MAX_PAIRS + 4]; 4],
    /// Every triplet's m², E² and key, in colex order.
    mm: [f64; MAX_TRIPLETS + 8],
    tt: [f64; MAX_TRIPLETS + 8],
    keys: [f64; MAX_TRIPLETS + 8],
}

impl Scratch {
    fn zeroed() -> Box<Scratch> {
        Box::new(Scratch {
            pairs: [[0.0; MAX_PAIRS + 4]; 4],
            mm: [0.0; MAX_TRIPLETS + 8],
            tt: [0.0; MAX_TRIPLETS + 8],
            keys: [0.0; MAX_TRIPLETS + 8],
        })
    }
}

thread_local! {
    static SCRATCH: RefCell<Box<Scratch>> = RefCell::new(Scratch::zeroed());
}

/// The m² and E² of every triplet of an event's four-vectors (`PxPyPzE`), made by
/// [`with_triplet_masses`]; only exists where the CPU has AVX2.
pub(crate) struct TripletMasses<'a> {
    scratch: &'a mut Scratch,
    /// The event's records (3 ≤ n ≤ [`MAX_RECORDS`]).
    n: usize,
}

/// Calls `f` with the triplet masses of `p4`; `None` when the CPU lacks AVX2 or `p4` has fewer
/// than 3 or more than [`MAX_RECORDS`] records.
pub(crate) fn with_triplet_masses<R>(
    p4: &[P4],
    f: impl FnOnce(&mut TripletMasses) -> R,
) -> Option<R> {
    let n = p4.len();
    if !(3..=MAX_RECORDS).contains(&n) || !std::arch::is_x86_feature_detected!("avx2") {
        return None;
    }
    SCRATCH.with(|cell| {
        // Re-entered only if `f` itself searched triplets on this thread; it does not.
        let mut scratch = cell.try_borrow_mut().ok()?;
        // SAFETY: AVX2 is present (checked above); 3 ≤ n ≤ MAX_RECORDS.
        unsafe { fill(p4, &mut scratch) };
        Some(f(&mut TripletMasses {
            scratch: &mut scratch,
            n,
        }))
    })
}

/// Whether the candidate search and the count take their AVX-512 loops (eight triplets at a
/// time) rather than their AVX2 ones: where the CPU has AVX-512F and, timed once per process on
/// a made-up event of 12 records, they are faster. On AMD Zen 4 a 512-bit operation runs as two
/// 256-bit halves and the wider loops measured slower (`closest_mass_certain` 223–242 µs with
/// AVX2 against 261–265 µs with AVX-512 kernels, 2026-12-05); on the Intel Xeon of 2026-12-06
/// they are faster. Both give the same count, and a candidate decides speed
/// only, so the choice changes no answer. There, paired runs of ADL q6 (best / median): lz4
/// 1.063 / 1.132 → 0.908 / 0.944 s (7 runs), zstd 1.332 / 1.387 → 1.179 / 1.217 s (5).
#[cfg(target_arch = "x86_64")]
fn wide_is_faster() -> bool {
    static WIDE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WIDE.get_or_init(|| {
        if !std::arch::is_x86_feature_detected!("avx512f")
            || !std::arch::is_x86_feature_detected!("avx2")
        {
            return false;
        }
        let p4: Vec<P4> = (0..12)
            .map(|i| {
                let f = i as f64;
                let (x, y, z) = (10.0 + 3.0 * f, 20.0 - 2.5 * f, 5.0 * f - 30.0);
                [x, y, z, (x * x + y * y + z * z + 25.0).sqrt()]
            })
            .collect();
        let mut scratch = Scratch::zeroed();
        // SAFETY: AVX2 is present (checked above); 3 ≤ 12 ≤ MAX_RECORDS.
        unsafe { fill(&p4, &mut scratch) };
        let t = TripletMasses {
            scratch: &mut scratch,
            n: p4.len(),
        };
        let time = |wide: bool| {
            let start = std::time::Instant::now();
            for k in 0..64 {
                let target = 50.0 + k as f64;
                // SAFETY: AVX2 and AVX-512F are present (checked above).
                unsafe {
                    // An empty window: every triplet is tested.
                    if wide {
                        std::hint::black_box(t.count_meeting_avx512(1e-10, -2.0, -1.0));
                        std::hint::black_box(
                            t.closest_candidate_avx512(std::hint::black_box(target)),
                        );
                    } else {
                        std::hint::black_box(t.count_meeting_avx2(1e-10, -2.0, -1.0));
                        std::hint::black_box(
                            t.closest_candidate_avx2(std::hint::black_box(target)),
                        );
                    }
                }
            }
            start.elapsed()
        };
        let (mut wide, mut narrow) = (std::time::Duration::MAX, std::time::Duration::MAX);
        for _ in 0..5 {
            wide = wide.min(time(true));
            narrow = narrow.min(time(false));
        }
        wide < narrow
    })
}

/// Writes the pair sums and every triplet's m² and E² of `p4` (3 ≤ n ≤ [`MAX_RECORDS`]).
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
unsafe fn fill(p4: &[P4], s: &mut Scratch) {
    let n = p4.len().min(MAX_RECORDS);
    for j in 1..n {
        let at = pairs_below(j);
        for (i, pi) in p4[..j].iter().enumerate() {
            for (d, column) in s.pairs.iter_mut().enumerate() {
                column[at + i] = pi[d] + p4[j][d];
            }
        }
    }
    // Not `enumerate().take(n).skip(2)`: that chain was a call to `Skip::next` per record
    // (not inlined here; 10 M calls in ADL q6).
    for (k, pk) in (2..n).zip(&p4[2..n]) {
        let (pairs, at) = (pairs_below(k), triplets_below(k));
        let pk = [0, 1, 2, 3].map(|d| _mm256_set1_pd(pk[d]));
        let mut c = 0;
        while c < pairs {
            // SAFETY: c < pairs_below(k) ≤ MAX_PAIRS, so c + 4 ≤ MAX_PAIRS + 4; and
            // at + c < triplets_below(k + 1) ≤ MAX_TRIPLETS, so at + c + 4 ≤ MAX_TRIPLETS + 4.
            // Lanes past `pairs` hold pairs of later records or stale values: their triplet
            // slots belong to the next k, which overwrites them, or lie past the last triplet.
            let v = [0, 1, 2, 3]
                .map(|d| _mm256_add_pd(_mm256_loadu_pd(s.pairs[d].as_ptr().add(c)), pk[d]));
            _mm256_storeu_pd(s.mm.as_mut_ptr().add(at + c), mass2(v));
            _mm256_storeu_pd(s.tt.as_mut_ptr().add(at + c), _mm256_mul_pd(v[3], v[3]));
            c += 4;
        }
    }
}

impl TripletMasses<'_> {
    /// The number of triplets.
    fn len(&self) -> usize {
        triplets_below(self.n)
    }

    /// The first triplet (lexicographic order) of smallest key `|m − target|`, as
    /// [`closest_mass_combination`](crate::combinations::closest_mass_combination)'s scalar
    /// path finds it.
    pub(crate) fn closest(&mut self, target: f64) -> [usize; 3] {
        // SAFETY: a `TripletMasses` exists only where the CPU has AVX2.
        unsafe { self.closest_avx2(target) }
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn closest_avx2(&mut self, target: f64) -> [usize; 3] {
        let total = self.len();
        let s = &mut *self.scratch;
        let vt = _mm256_set1_pd(target);
        let sign = _mm256_set1_pd(-0.0);
        let mut least = _mm256_set1_pd(f64::INFINITY);
        let mut c = 0;
        while c < total {
            // SAFETY: c < total ≤ MAX_TRIPLETS, so c + 4 ≤ MAX_TRIPLETS + 4.
            let mm = _mm256_loadu_pd(s.mm.as_ptr().add(c));
            // `mass_of`: sqrt(m²) where m² ≥ 0, −sqrt(−m²) elsewhere: the root of |m²| with
            // m²'s sign (−0 gives −0 as sqrt(−0) does; NaN stays NaN).
            let root = _mm256_sqrt_pd(_mm256_andnot_pd(sign, mm));
            let m = _mm256_or_pd(root, _mm256_and_pd(sign, mm));
            let key = _mm256_andnot_pd(sign, _mm256_sub_pd(m, vt));
            _mm256_storeu_pd(s.keys.as_mut_ptr().add(c), key);
            // Lanes past the last triplet do not count; NaN keys never win (`min` returns
            // its second operand when either is NaN).
            let valid = (total - c).min(4);
            let key = if valid < 4 {
                let lane = _mm256_setr_pd(0.0, 1.0, 2.0, 3.0);
                let inside = _mm256_cmp_pd::<_CMP_LT_OQ>(lane, _mm256_set1_pd(valid as f64));
                _mm256_blendv_pd(_mm256_set1_pd(f64::INFINITY), key, inside)
            } else {
                key
            };
            least = _mm256_min_pd(key, least);
            c += 4;
        }
        let first = s.keys[0];
        if first.is_nan() {
            return [0, 1, 2];
        }
        let mut lanes = [0.0; 4];
        _mm256_storeu_pd(lanes.as_mut_ptr(), least);
        let least = lanes.iter().fold(f64::INFINITY, |a, &b| a.min(b));
        // The first key (not NaN) is at most `least`'s bound, so some key equals `least`.
        let vl = _mm256_set1_pd(least);
        let mut best = [u8::MAX; 3];
        let mut c = 0;
        while c < total {
            // SAFETY: as above.
            let key = _mm256_loadu_pd(s.keys.as_ptr().add(c));
            let valid = (1u32 << (total - c).min(4)) - 1;
            let mut hits = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_EQ_OQ>(key, vl)) as u32 & valid;
            while hits != 0 {
                let t = TRIPLETS[c + hits.trailing_zeros() as usize];
                hits &= hits - 1;
                if t < best {
                    best = t;
                }
            }
            c += 4;
        }
        best.map(usize::from)
    }

    /// A triplet whose mass is closest to `target` as far as single precision tells: keys
    /// `|m − target|` from `m²` rounded to `f32` and its `f32` square root (relative error
    /// about 2⁻²³), the smallest taken in one pass without a second one for ties. Not the
    /// exact answer where keys nearly tie; a candidate for
    /// [`closest_mass_certain`](crate::mass_bounds::closest_mass_certain), which proves it the
    /// strict minimum (its count over the exact-key window is 1) or falls back to the exact
    /// search, so the candidate decides speed only. `f64`'s square root (about 9 cycles for
    /// four lanes here) was most of [`closest`](Self::closest)'s time (perf of ADL q6).
    pub(crate) fn closest_candidate(&self, target: f64) -> [usize; 3] {
        #[cfg(target_arch = "x86_64")]
        if wide_is_faster() {
            // SAFETY: `wide_is_faster` is true only where the CPU has AVX-512F.
            return unsafe { self.closest_candidate_avx512(target) };
        }
        // SAFETY: a `TripletMasses` exists only where the CPU has AVX2.
        unsafe { self.closest_candidate_avx2(target) }
    }

    /// [`closest_candidate_avx2`](Self::closest_candidate_avx2) eight triplets at a time: the
    /// same keys; among equal smallest keys another may be taken (a candidate decides speed
    /// only).
    ///
    /// # Safety
    /// The CPU must have AVX-512F.
    #[target_feature(enable = "avx512f,avx2")]
    unsafe fn closest_candidate_avx512(&self, target: f64) -> [usize; 3] {
        let total = self.len();
        let s = &*self.scratch;
        let vt = _mm256_set1_ps(target as f32);
        let (eight, end) = (_mm256_set1_epi32(8), _mm256_set1_epi32(total as i32));
        let mut least = _mm256_set1_ps(f32::INFINITY);
        let mut least_at = _mm256_setzero_si256();
        let mut at = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let mut c = 0;
        while c < total {
            // SAFETY: c < total ≤ MAX_TRIPLETS, so c + 8 ≤ MAX_TRIPLETS + 8.
            let mm = _mm512_cvtpd_ps(_mm512_loadu_pd(s.mm.as_ptr().add(c)));
            // A triplet (lanes past the last one hold stale values).
            let inside = _mm256_castsi256_ps(_mm256_cmpgt_epi32(end, at));
            keep_closest(mm, vt, inside, at, &mut least, &mut least_at);
            at = _mm256_add_epi32(at, eight);
            c += 8;
        }
        let (mut keys, mut ats) = ([0f32; 8], [0i32; 8]);
        _mm256_storeu_ps(keys.as_mut_ptr(), least);
        _mm256_storeu_si256(ats.as_mut_ptr().cast(), least_at);
        candidate_of_lanes(&keys, &ats)
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn closest_candidate_avx2(&self, target: f64) -> [usize; 3] {
        let total = self.len();
        let s = &*self.scratch;
        let vt = _mm_set1_ps(target as f32);
        let sign = _mm_set1_ps(-0.0);
        let (four, end) = (_mm_set1_epi32(4), _mm_set1_epi32(total as i32));
        let mut least = _mm_set1_ps(f32::INFINITY);
        let mut least_at = _mm_setzero_si128();
        let mut at = _mm_setr_epi32(0, 1, 2, 3);
        let mut c = 0;
        while c < total {
            // SAFETY: c < total ≤ MAX_TRIPLETS, so c + 4 ≤ MAX_TRIPLETS + 4.
            let mm = _mm256_cvtpd_ps(_mm256_loadu_pd(s.mm.as_ptr().add(c)));
            let root = _mm_sqrt_ps(_mm_andnot_ps(sign, mm));
            let m = _mm_or_ps(root, _mm_and_ps(sign, mm));
            let key = _mm_andnot_ps(sign, _mm_sub_ps(m, vt));
            // Smaller (NaN never is), and a triplet (lanes past the last one hold stale values).
            let inside = _mm_castsi128_ps(_mm_cmplt_epi32(at, end));
            let better = _mm_and_ps(_mm_cmplt_ps(key, least), inside);
            least = _mm_blendv_ps(least, key, better);
            least_at = _mm_castps_si128(_mm_blendv_ps(
                _mm_castsi128_ps(least_at),
                _mm_castsi128_ps(at),
                better,
            ));
            at = _mm_add_epi32(at, four);
            c += 4;
        }
        let (mut keys, mut ats) = ([0f32; 4], [0i32; 4]);
        _mm_storeu_ps(keys.as_mut_ptr(), least);
        _mm_storeu_si128(ats.as_mut_ptr().cast(), least_at);
        candidate_of_lanes(&keys, &ats)
    }

    /// How many triplets have an m² interval `m² ± tolerance·E²` that meets `[lower2, upper2]`,
    /// counted up to 2 (the count of
    /// [`closest_mass_certain`](crate::mass_bounds::closest_mass_certain), with its scalar
    /// loop's operations: the same count).
    pub(crate) fn count_meeting(&self, tolerance: f64, lower2: f64, upper2: f64) -> u32 {
        #[cfg(target_arch = "x86_64")]
        if wide_is_faster() {
            // SAFETY: `wide_is_faster` is true only where the CPU has AVX-512F.
            return unsafe { self.count_meeting_avx512(tolerance, lower2, upper2) };
        }
        // SAFETY: a `TripletMasses` exists only where the CPU has AVX2.
        unsafe { self.count_meeting_avx2(tolerance, lower2, upper2) }
    }

    /// [`count_meeting_avx2`](Self::count_meeting_avx2) eight triplets at a time: each
    /// triplet's test the same operations, so the count is the same until it passes 1 (past
    /// that only "more than one" is promised).
    ///
    /// # Safety
    /// The CPU must have AVX-512F.
    #[target_feature(enable = "avx512f")]
    unsafe fn count_meeting_avx512(&self, tolerance: f64, lower2: f64, upper2: f64) -> u32 {
        let total = self.len();
        let s = &*self.scratch;
        let (vtol, vlo, vhi) = (
            _mm512_set1_pd(tolerance),
            _mm512_set1_pd(lower2),
            _mm512_set1_pd(upper2),
        );
        let mut count = 0u32;
        let mut c = 0;
        while c < total {
            // SAFETY: c < total ≤ MAX_TRIPLETS, so c + 8 ≤ MAX_TRIPLETS + 8.
            let mm = _mm512_loadu_pd(s.mm.as_ptr().add(c));
            let tol = _mm512_mul_pd(vtol, _mm512_loadu_pd(s.tt.as_ptr().add(c)));
            // Lanes past the last triplet do not count.
            let valid = (0xFFu32 >> (8 - (total - c).min(8))) as __mmask8;
            let below = _mm512_mask_cmp_pd_mask::<_CMP_LE_OQ>(valid, _mm512_sub_pd(mm, tol), vhi);
            let meets = _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(below, _mm512_add_pd(mm, tol), vlo);
            count += meets.count_ones();
            if count > 1 {
                return count;
            }
            c += 8;
        }
        count
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn count_meeting_avx2(&self, tolerance: f64, lower2: f64, upper2: f64) -> u32 {
        let total = self.len();
        let s = &*self.scratch;
        let (vtol, vlo, vhi) = (
            _mm256_set1_pd(tolerance),
            _mm256_set1_pd(lower2),
            _mm256_set1_pd(upper2),
        );
        let mut count = 0u32;
        let mut c = 0;
        while c < total {
            // SAFETY: c < total ≤ MAX_TRIPLETS, so c + 4 ≤ MAX_TRIPLETS + 4.
            let mm = _mm256_loadu_pd(s.mm.as_ptr().add(c));
            let tol = _mm256_mul_pd(vtol, _mm256_loadu_pd(s.tt.as_ptr().add(c)));
            let meets = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_LE_OQ>(_mm256_sub_pd(mm, tol), vhi),
                _mm256_cmp_pd::<_CMP_GE_OQ>(_mm256_add_pd(mm, tol), vlo),
            );
            let valid = (1u32 << (total - c).min(4)) - 1;
            count += (_mm256_movemask_pd(meets) as u32 & valid).count_ones();
            if count > 1 {
                return count;
            }
            c += 4;
        }
        count
    }
}

/// The triplet of the first lane with the smallest key, each lane holding its smallest key and
/// that key's colex position (0 or a triplet's, below the event's count: the lanes start at
/// position 0 and take only positions of triplets).
fn candidate_of_lanes(keys: &[f32], ats: &[i32]) -> [usize; 3] {
    let mut best = 0;
    for lane in 1..keys.len() {
        if keys[lane] < keys[best] {
            best = lane;
        }
    }
    TRIPLETS[ats[best] as usize].map(usize::from)
}

/// Each lane's single-precision key `|m − target|` of `m2` (m², `m` its signed root: the root
/// of |m²| with m²'s sign) kept, with its position `at`, where it is smaller than `least` (NaN
/// never is) and `take` holds.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn keep_closest(
    m2: __m256,
    target: __m256,
    take: __m256,
    at: __m256i,
    least: &mut __m256,
    least_at: &mut __m256i,
) {
    let sign = _mm256_set1_ps(-0.0);
    let root = _mm256_sqrt_ps(_mm256_andnot_ps(sign, m2));
    let m = _mm256_or_ps(root, _mm256_and_ps(sign, m2));
    let key = _mm256_andnot_ps(sign, _mm256_sub_ps(m, target));
    // Lanes not taken keyed +∞ (never smaller), off the chain through `least`: a mask on the
    // comparison instead lengthened that chain by one operation a step.
    let key = _mm256_blendv_ps(_mm256_set1_ps(f32::INFINITY), key, take);
    let better = _mm256_cmp_ps::<_CMP_LT_OQ>(key, *least);
    *least = _mm256_blendv_ps(*least, key, better);
    *least_at = _mm256_castps_si256(_mm256_blendv_ps(
        _mm256_castsi256_ps(*least_at),
        _mm256_castsi256_ps(at),
        better,
    ));
}

/// `t² − x² − y² − z²` in each lane, with the scalar path's operations in its order (separate
/// multiplies and subtractions, no fused multiply-add).
#[inline]
#[target_feature(enable = "avx2")]
fn mass2([x, y, z, t]: [__m256d; 4]) -> __m256d {
    _mm256_sub_pd(
        _mm256_sub_pd(
            _mm256_sub_pd(_mm256_mul_pd(t, t), _mm256_mul_pd(x, x)),
            _mm256_mul_pd(y, y),
        ),
        _mm256_mul_pd(z, z),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_colex_table_lists_every_triplet_once() {
        let mut seen = std::collections::HashSet::new();
        for k in 2..MAX_RECORDS {
            for (c, t) in TRIPLETS[triplets_below(k)..triplets_below(k + 1)]
                .iter()
                .enumerate()
            {
                assert_eq!(t[2] as usize, k);
                assert!(t[0] < t[1] && t[1] < t[2]);
                // Pair (i, j)'s position among the pairs below k.
                assert_eq!(pairs_below(t[1] as usize) + t[0] as usize, c);
                assert!(seen.insert(*t));
            }
        }
        assert_eq!(seen.len(), MAX_TRIPLETS);
    }

    /// The single-precision key `closest_candidate` compares, of triplet `t`.
    fn f32_key(s: &Scratch, t: [usize; 3], target: f64) -> f32 {
        let c = (0..triplets_below(MAX_RECORDS))
            .find(|&c| TRIPLETS[c].map(usize::from) == t)
            .unwrap();
        let mm = s.mm[c] as f32;
        let m = mm.abs().sqrt().copysign(mm);
        (m - target as f32).abs()
    }

    #[test]
    fn the_eight_lane_count_and_candidate_agree_with_the_four_lane_ones() {
        if !std::arch::is_x86_feature_detected!("avx512f")
            || !std::arch::is_x86_feature_detected!("avx2")
        {
            return;
        }
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut counts = [0usize; 3];
        for event in 0..3000 {
            let n = 3 + event % (MAX_RECORDS - 2);
            let p4: Vec<P4> = (0..n)
                .map(|_| {
                    let (x, y, z) = (
                        next() * 200.0 - 100.0,
                        next() * 200.0 - 100.0,
                        next() * 400.0 - 200.0,
                    );
                    let m = if event % 7 == 0 { 0.0 } else { next() * 20.0 };
                    [x, y, z, (x * x + y * y + z * z + m * m).sqrt()]
                })
                .collect();
            with_triplet_masses(&p4, |t| {
                // Windows around some triplet's m², of several widths, and empty ones.
                let centre = t.scratch.mm[(next() * t.len() as f64) as usize];
                for width in [0.0f64, 1e-9, 1e-3, 10.0, 1e4, -1.0] {
                    let (lo, hi) = (centre - width.abs(), centre + width);
                    // SAFETY: the test returned above unless both are present.
                    let (a, b) = unsafe {
                        (
                            t.count_meeting_avx2(1e-10, lo, hi),
                            t.count_meeting_avx512(1e-10, lo, hi),
                        )
                    };
                    assert_eq!(a.min(2), b.min(2), "event {event}, width {width}");
                    counts[a.min(2) as usize] += 1;
                }
                let target = 50.0 + next() * 300.0;
                // SAFETY: as above.
                let (a, b) = unsafe {
                    (
                        t.closest_candidate_avx2(target),
                        t.closest_candidate_avx512(target),
                    )
                };
                assert!(b[0] < b[1] && b[1] < b[2] && b[2] < n);
                assert_eq!(
                    f32_key(t.scratch, a, target).to_bits(),
                    f32_key(t.scratch, b, target).to_bits()
                );
            })
            .unwrap();
        }
        // Every outcome of the count was met.
        assert!(counts.iter().all(|&c| c > 100), "{counts:?}");
    }
}

//! The passes of [`min_delta_r_f32`](crate::nearest::min_delta_r_f32) sixteen records at a time,
//! one a lane of AVX-512's 512-bit vectors: the same operations per record as the scalar passes
//! of `nearest.rs`, so the same bits.
//!
//! - Each record's event, a running maximum of the event numbers stored at the records' starts:
//!   a prefix maximum of sixteen lanes (four shifted maxima) and the last lane carried on.
//! - Each record's partners: the event's two offsets of the other collection gathered, the start
//!   and count stored, and the records with a partner compressed into the list in play.
//! - Pass k: the records in play gathered with their k-th partner's angles, ΔR² computed in
//!   every lane as [`delta_r2_f32`] does — the difference of φ in single precision, the wrapping
//!   in double (two selects), rounded to single, `Δη·Δη + Δφ·Δφ` with separate multiplies — the
//!   smaller of it and the best so far (`vminps` takes the first only when it is smaller, as
//!   the scalar select: a NaN never replaces), scattered back, and the records with another
//!   partner compressed. A lane whose difference of φ is not below 2c (`fmod` would be called:
//!   angles outside [−π, π], ±∞, NaN) sends its block of sixteen to the scalar formula.
//!
//! Why: the scalar passes spent their time on loads and a loop-carried maximum, one record at a
//! time (ADL q7's `min_delta_r` of hard jets against muons and electrons: 10 % of the query on
//! the lz4 file, Intel Xeon, 2026-12-07).
//!
//! Positions are gathered as 32-bit integers: the caller takes this path only when every column
//! (angles and indices) is shorter than 2³¹.

use std::arch::x86_64::*;

use crate::angles::delta_r2_f32;

/// A collection's angles read sixteen records at a time.
pub(crate) trait Gather16 {
    /// The (η, φ) of the records at positions `pos` (lanes of `m`; others 0).
    ///
    /// # Safety
    /// Each position of a lane in `m` is one the scalar `Angles::at` accepts, and below 2³¹;
    /// the CPU has AVX-512F.
    unsafe fn gather(&self, pos: __m512i, m: __mmask16) -> (__m512, __m512);
}

/// The angles in order: record `r` at `r`.
pub(crate) struct Plain<'a>(pub &'a [f32], pub &'a [f32]);

impl Gather16 for Plain<'_> {
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn gather(&self, pos: __m512i, m: __mmask16) -> (__m512, __m512) {
        let zero = _mm512_setzero_ps();
        // SAFETY: every lane of `m` is a position inside both columns (the caller's promise).
        unsafe {
            (
                _mm512_mask_i32gather_ps::<4>(zero, m, pos, self.0.as_ptr()),
                _mm512_mask_i32gather_ps::<4>(zero, m, pos, self.1.as_ptr()),
            )
        }
    }
}

/// The angles through an index: record `r` at `index[r]`.
pub(crate) struct Indexed<'a>(pub &'a [i64], pub &'a [f32], pub &'a [f32]);

impl Gather16 for Indexed<'_> {
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn gather(&self, pos: __m512i, m: __mmask16) -> (__m512, __m512) {
        let zero = _mm512_setzero_si512();
        // SAFETY: every lane of `m` is a position inside `index`, whose values there are
        // positions inside both columns, below 2³¹ (the caller's promise): their low 32 bits
        // are the position.
        unsafe {
            let lo = _mm512_mask_i32gather_epi64::<8>(
                zero,
                m as __mmask8,
                _mm512_castsi512_si256(pos),
                self.0.as_ptr(),
            );
            let hi = _mm512_mask_i32gather_epi64::<8>(
                zero,
                (m >> 8) as __mmask8,
                _mm512_extracti64x4_epi64::<1>(pos),
                self.0.as_ptr(),
            );
            let at = _mm512_inserti64x4::<1>(
                _mm512_castsi256_si512(_mm512_cvtepi64_epi32(lo)),
                _mm512_cvtepi64_epi32(hi),
            );
            Plain(self.1, self.2).gather(at, m)
        }
    }
}

/// The lanes below `n` (n ≤ 16).
#[inline]
fn first_lanes(n: usize) -> __mmask16 {
    if n >= 16 {
        u16::MAX
    } else {
        ((1u32 << n) - 1) as u16
    }
}

/// `x[i] = max(x[..=i])` over all of `x`, as the scalar running maximum.
///
/// # Safety
/// The CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn running_max(x: &mut [u32]) {
    let zero = _mm512_setzero_si512();
    let mut carry = zero;
    let last = _mm512_set1_epi32(15);
    let mut chunks = x.chunks_exact_mut(16);
    for c in &mut chunks {
        // SAFETY: `c` holds 16 values.
        let mut v = unsafe { _mm512_loadu_si512(c.as_ptr().cast()) };
        // Lane i takes the maximum of lanes i−1, i−2..i−3, i−4..i−7, i−8..i−15 in turn.
        v = _mm512_max_epu32(v, _mm512_alignr_epi32::<15>(v, zero));
        v = _mm512_max_epu32(v, _mm512_alignr_epi32::<14>(v, zero));
        v = _mm512_max_epu32(v, _mm512_alignr_epi32::<12>(v, zero));
        v = _mm512_max_epu32(v, _mm512_alignr_epi32::<8>(v, zero));
        v = _mm512_max_epu32(v, carry);
        // SAFETY: as the load.
        unsafe { _mm512_storeu_si512(c.as_mut_ptr().cast(), v) };
        carry = _mm512_permutexvar_epi32(last, v);
    }
    let mut running = _mm512_cvtsi512_si32(carry) as u32;
    for v in chunks.into_remainder() {
        running = running.max(*v);
        *v = running;
    }
}

/// For the records `0..m` of events `event` (each below `b_offsets.len() - 1`): the start and
/// count of the event's records of `b` (`b_offsets`), and the records with any appended to
/// `active`; their number.
///
/// # Safety
/// `event`, `start`, `count` and `active` hold `m` values or more; every event is
/// below `b_offsets.len() - 1`; every offset is in `0..2³¹`; the CPU has AVX-512F.
#[target_feature(enable = "avx512f,popcnt")]
pub(crate) unsafe fn partners(
    b_offsets: &[i64],
    event: &[u32],
    start: &mut [u32],
    count: &mut [u32],
    active: &mut [u32],
    m: usize,
) -> usize {
    let zero = _mm512_setzero_si512();
    let iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let mut n_active = 0usize;
    let mut i = 0usize;
    while i < m {
        let k = first_lanes(m - i);
        // SAFETY (every block): lanes of `k` are records below `m`, inside every slice; their
        // events e and e + 1 are inside `b_offsets` (the caller's promise); masked lanes are
        // neither read nor written; `active` is written at `n_active <= i` onwards, at most as
        // many as the lanes of `k`.
        unsafe {
            let e = _mm512_maskz_loadu_epi32(k, event.as_ptr().add(i).cast());
            let (e_lo, e_hi) = (_mm512_castsi512_si256(e), _mm512_extracti64x4_epi64::<1>(e));
            let (k_lo, k_hi) = (k as __mmask8, (k >> 8) as __mmask8);
            let at = b_offsets.as_ptr();
            let next = b_offsets.as_ptr().add(1);
            let s_lo = _mm512_mask_i32gather_epi64::<8>(zero, k_lo, e_lo, at);
            let s_hi = _mm512_mask_i32gather_epi64::<8>(zero, k_hi, e_hi, at);
            let t_lo = _mm512_mask_i32gather_epi64::<8>(zero, k_lo, e_lo, next);
            let t_hi = _mm512_mask_i32gather_epi64::<8>(zero, k_hi, e_hi, next);
            let join = |lo: __m512i, hi: __m512i| {
                _mm512_inserti64x4::<1>(
                    _mm512_castsi256_si512(_mm512_cvtepi64_epi32(lo)),
                    _mm512_cvtepi64_epi32(hi),
                )
            };
            let s = join(s_lo, s_hi);
            let n = _mm512_sub_epi32(join(t_lo, t_hi), s);
            _mm512_mask_storeu_epi32(start.as_mut_ptr().add(i).cast(), k, s);
            _mm512_mask_storeu_epi32(count.as_mut_ptr().add(i).cast(), k, n);
            let with = k & _mm512_cmpneq_epi32_mask(n, zero);
            let ids = _mm512_add_epi32(_mm512_set1_epi32(i as i32), iota);
            _mm512_mask_compressstoreu_epi32(active.as_mut_ptr().add(n_active).cast(), with, ids);
            n_active += with.count_ones() as usize;
        }
        i += 16;
    }
    n_active
}

/// ΔR² of sixteen pairs as [`delta_r2_f32`] computes each; `None` when a lane's difference of
/// φ is not below 2c (where `fmod` would be called).
#[inline]
#[target_feature(enable = "avx512f")]
fn delta_r2_16(ae: __m512, be: __m512, ap: __m512, bp: __m512) -> Option<__m512> {
    let c = std::f32::consts::PI as f64;
    let (two_c, plus_c, minus_c) = (
        _mm512_set1_pd(2.0 * c),
        _mm512_set1_pd(c),
        _mm512_set1_pd(-c),
    );
    // `phi2 - phi1` in single precision, then in double.
    let d = _mm512_sub_ps(bp, ap);
    let halves = [
        _mm512_cvtps_pd(_mm512_castps512_ps256(d)),
        _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
            _mm512_castps_pd(d),
        ))),
    ];
    let mut wrapped = [_mm256_setzero_ps(); 2];
    for (r, out) in halves.into_iter().zip(&mut wrapped) {
        // Not below 2c (NaN included): `fmod` is called there.
        if _mm512_cmp_pd_mask::<_CMP_LT_OQ>(_mm512_abs_pd(r), two_c) != u8::MAX {
            return None;
        }
        let r = _mm512_mask_add_pd(r, _mm512_cmp_pd_mask::<_CMP_LT_OQ>(r, minus_c), r, two_c);
        let r = _mm512_mask_sub_pd(r, _mm512_cmp_pd_mask::<_CMP_GT_OQ>(r, plus_c), r, two_c);
        *out = _mm512_cvtpd_ps(r);
    }
    let dphi = _mm512_castpd_ps(_mm512_insertf64x4::<1>(
        _mm512_castps_pd(_mm512_castps256_ps512(wrapped[0])),
        _mm256_castps_pd(wrapped[1]),
    ));
    let deta = _mm512_sub_ps(ae, be);
    Some(_mm512_add_ps(
        _mm512_mul_ps(deta, deta),
        _mm512_mul_ps(dphi, dphi),
    ))
}

/// The passes over the partners: record `i` of `active[..n_active]` against its partners
/// `start[i]..start[i] + count[i]` of `b`, its angles those of `a` at `a_first + i`; the
/// smallest ΔR² of each in `best[i]`.
///
/// # Safety
/// As the scalar passes: every record in play is below `start`, `count` and `best`'s length,
/// `a_first + i` and every partner position are positions `a` and `b` accept, all below 2³¹;
/// `active` holds `n_active` distinct records; the CPU has AVX-512F.
#[target_feature(enable = "avx512f,popcnt")]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn pair_passes(
    a: &impl Gather16,
    b: &impl Gather16,
    a_first: usize,
    start: &[u32],
    count: &[u32],
    best: &mut [f32],
    active: &mut [u32],
    mut n_active: usize,
) {
    let zero = _mm512_setzero_si512();
    let first = _mm512_set1_epi32(a_first as i32);
    let mut k = 0u32;
    while n_active > 0 {
        let (kk, k1) = (_mm512_set1_epi32(k as i32), _mm512_set1_epi32(k as i32 + 1));
        let mut next = 0usize;
        let mut r = 0usize;
        while r < n_active {
            let m = first_lanes(n_active - r);
            // SAFETY: lanes of `m` are records in play (the caller's promise for each
            // position); masked lanes are neither read nor written. Each record is in play
            // once, so the scatter writes each of its positions once. `active` is written at
            // `next <= r` onwards, at most as many as the lanes read at `r`: never past them.
            unsafe {
                let i = _mm512_maskz_loadu_epi32(m, active.as_ptr().add(r).cast());
                let s = _mm512_mask_i32gather_epi32::<4>(zero, m, i, start.as_ptr().cast());
                let c = _mm512_mask_i32gather_epi32::<4>(zero, m, i, count.as_ptr().cast());
                let (ae, ap) = a.gather(_mm512_add_epi32(i, first), m);
                let (be, bp) = b.gather(_mm512_add_epi32(s, kk), m);
                let d = match delta_r2_16(ae, be, ap, bp) {
                    Some(d) => d,
                    None => scalar_delta_r2(ae, be, ap, bp),
                };
                let cur = _mm512_mask_i32gather_ps::<4>(_mm512_setzero_ps(), m, i, best.as_ptr());
                // `d < cur ? d : cur`, as the scalar select.
                let new = _mm512_min_ps(d, cur);
                _mm512_mask_i32scatter_ps::<4>(best.as_mut_ptr(), m, i, new);
                let more = m & _mm512_cmpgt_epu32_mask(c, k1);
                _mm512_mask_compressstoreu_epi32(active.as_mut_ptr().add(next).cast(), more, i);
                next += more.count_ones() as usize;
            }
            r += 16;
        }
        n_active = next;
        k += 1;
    }
}

/// [`delta_r2_f32`] of each lane, one at a time (a block with an angle where `fmod` matters).
#[inline(never)]
#[target_feature(enable = "avx512f")]
fn scalar_delta_r2(ae: __m512, be: __m512, ap: __m512, bp: __m512) -> __m512 {
    let lanes = |v: __m512| -> [f32; 16] {
        // SAFETY: a 512-bit vector is 16 floats.
        unsafe { std::mem::transmute(v) }
    };
    let (ae, be, ap, bp) = (lanes(ae), lanes(be), lanes(ap), lanes(bp));
    let d: [f32; 16] = std::array::from_fn(|l| delta_r2_f32(ae[l], be[l], ap[l], bp[l]));
    // SAFETY: as above.
    unsafe { std::mem::transmute(d) }
}

//! The trijet search of [`closest_mass_combination`](crate::combinations::closest_mass_combination)
//! (k = 3, slots added in order) four last records at a time with AVX2.
//!
//! For each pair `(i, j)` the pair's sum is added to four consecutive records `l` at once and
//! their `m² = E² − px² − py² − pz²` computed with the same operations in the same order as the
//! scalar path (separate multiplies and subtractions, no fused multiply-add; IEEE arithmetic is
//! the same in a vector lane), so each lane holds the scalar `m²` bit for bit. Lanes whose m²
//! lies in the window of the best key so far are then taken in lane order (the lexicographic
//! order of the combinations) and keyed exactly by the scalar code, which checks them against
//! the current window again: the window only narrows, so a lane outside the vector test's
//! window is outside the current one too. The answer is the scalar path's, bit for bit (tested
//! there).

use std::arch::x86_64::*;

use crate::combinations::mass_window;
use crate::fourvec::{add, mass_of, Coords, P4};

/// The most records an event may have for this path (the others take the scalar one).
pub(crate) const MAX_RECORDS: usize = 20;

/// The best triplet of `p4` (3 ≤ n ≤ [`MAX_RECORDS`]) for the key `|mass − target|`, starting
/// from the first triplet `(0, 1, 2)` already in `best` with key `best_key`.
///
/// # Safety
/// The CPU must have AVX2; `best` must hold 3 positions.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn closest_triplet(
    p4: &[P4],
    target: f64,
    mut best_key: f64,
    best: &mut [usize],
) {
    let n = p4.len().min(MAX_RECORDS);
    // The records' components side by side, zero past the last (those lanes are masked out).
    let mut c = [[0.0f64; MAX_RECORDS + 4]; 4];
    for (l, p) in p4[..n].iter().enumerate() {
        for (d, comp) in c.iter_mut().enumerate() {
            comp[l] = p[d];
        }
    }
    let (mut lo, mut hi) = mass_window(target, best_key);
    for i in 0..n {
        for j in i + 1..n {
            let ij = add(&p4[i], &p4[j], Coords::PxPyPzE);
            let sx = _mm256_set1_pd(ij[0]);
            let sy = _mm256_set1_pd(ij[1]);
            let sz = _mm256_set1_pd(ij[2]);
            let st = _mm256_set1_pd(ij[3]);
            let mut l = j + 1;
            while l < n {
                // SAFETY: l + 3 < n + 3 ≤ MAX_RECORDS + 3, inside the padded arrays.
                let (x, y, z, t) = unsafe {
                    (
                        _mm256_add_pd(sx, _mm256_loadu_pd(c[0].as_ptr().add(l))),
                        _mm256_add_pd(sy, _mm256_loadu_pd(c[1].as_ptr().add(l))),
                        _mm256_add_pd(sz, _mm256_loadu_pd(c[2].as_ptr().add(l))),
                        _mm256_add_pd(st, _mm256_loadu_pd(c[3].as_ptr().add(l))),
                    )
                };
                let mm = _mm256_sub_pd(
                    _mm256_sub_pd(
                        _mm256_sub_pd(_mm256_mul_pd(t, t), _mm256_mul_pd(x, x)),
                        _mm256_mul_pd(y, y),
                    ),
                    _mm256_mul_pd(z, z),
                );
                let inside = _mm256_and_pd(
                    _mm256_cmp_pd::<_CMP_GE_OQ>(mm, _mm256_set1_pd(lo)),
                    _mm256_cmp_pd::<_CMP_LE_OQ>(mm, _mm256_set1_pd(hi)),
                );
                let valid = (1u32 << (n - l).min(4)) - 1;
                let mut lanes = _mm256_movemask_pd(inside) as u32 & valid;
                while lanes != 0 {
                    let k = l + lanes.trailing_zeros() as usize;
                    lanes &= lanes - 1;
                    let s = add(&ij, &p4[k], Coords::PxPyPzE);
                    let m2 = s[3] * s[3] - s[0] * s[0] - s[1] * s[1] - s[2] * s[2];
                    if m2 >= lo && m2 <= hi {
                        let key = (mass_of(s[0], s[1], s[2], s[3]) - target).abs();
                        if key < best_key {
                            best_key = key;
                            (lo, hi) = mass_window(target, key);
                            best.copy_from_slice(&[i, j, k]);
                        }
                    }
                }
                l += 4;
            }
        }
    }
}

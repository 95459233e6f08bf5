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
    let (lanes4, n) = Lanes::new(p4);
    let (mut lo, mut hi) = mass_window(target, best_key);
    for i in 0..n {
        for j in i + 1..n {
            let ij = add(&p4[i], &p4[j], Coords::PxPyPzE);
            let mut l = j + 1;
            while l < n {
                let mm = mass2(lanes4.plus(&ij, l));
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

/// How many triplets of `p4` (3 ≤ n ≤ [`MAX_RECORDS`]) have an m² interval `m² ± tolerance·E²`
/// that meets `[lower2, upper2]`, counted up to 2 (the count of
/// [`closest_mass_certain`](crate::mass_bounds::closest_mass_certain), four last records at a
/// time: the same operations as its scalar loop, so the same count).
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn triplets_meeting(p4: &[P4], tolerance: f64, lower2: f64, upper2: f64) -> u32 {
    let (lanes4, n) = Lanes::new(p4);
    let (vtol, vlo, vhi) = (
        _mm256_set1_pd(tolerance),
        _mm256_set1_pd(lower2),
        _mm256_set1_pd(upper2),
    );
    let mut count = 0u32;
    for i in 0..n {
        for j in i + 1..n {
            let ij = add(&p4[i], &p4[j], Coords::PxPyPzE);
            let mut l = j + 1;
            while l < n {
                let v = lanes4.plus(&ij, l);
                let mm = mass2(v);
                let tt = _mm256_mul_pd(v[3], v[3]);
                let tol = _mm256_mul_pd(vtol, tt);
                let meets = _mm256_and_pd(
                    _mm256_cmp_pd::<_CMP_LE_OQ>(_mm256_sub_pd(mm, tol), vhi),
                    _mm256_cmp_pd::<_CMP_GE_OQ>(_mm256_add_pd(mm, tol), vlo),
                );
                let valid = (1u32 << (n - l).min(4)) - 1;
                count += (_mm256_movemask_pd(meets) as u32 & valid).count_ones();
                l += 4;
            }
        }
        if count > 1 {
            return count;
        }
    }
    count
}

/// An event's four-vectors with their components side by side, zero past the last record (the
/// callers mask those lanes out).
struct Lanes([[f64; MAX_RECORDS + 4]; 4]);

impl Lanes {
    /// The columns of `p4`'s first [`MAX_RECORDS`] records, and how many there are.
    fn new(p4: &[P4]) -> (Lanes, usize) {
        let n = p4.len().min(MAX_RECORDS);
        let mut c = [[0.0f64; MAX_RECORDS + 4]; 4];
        for (l, p) in p4[..n].iter().enumerate() {
            for (d, comp) in c.iter_mut().enumerate() {
                comp[l] = p[d];
            }
        }
        (Lanes(c), n)
    }

    /// `ij + p4[l..l + 4]`, component by component (`l < n`).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn plus(&self, ij: &P4, l: usize) -> [__m256d; 4] {
        let l = l.min(MAX_RECORDS - 1);
        let c = &self.0;
        // SAFETY: l + 3 < MAX_RECORDS + 3, inside the padded arrays.
        unsafe {
            [0, 1, 2, 3].map(|d| {
                _mm256_add_pd(_mm256_set1_pd(ij[d]), _mm256_loadu_pd(c[d].as_ptr().add(l)))
            })
        }
    }
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

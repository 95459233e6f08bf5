//! Δφ and ΔR, as `ROOT::VecOps::DeltaPhi`/`DeltaR` compute them (`math/vecops/inc/ROOT/RVec.hxx`):
//!
//! ```text
//! r = fmod(v2 - v1, 2.0 * c)            // c = M_PI, as T; 2.0 * c is a double
//! if (r < -c) r += 2.0 * c; else if (r > c) r -= 2.0 * c;
//! return r;                              // as T
//! DeltaR = sqrt((eta1 - eta2)^2 + dphi^2)   // in T
//! ```
//!
//! For `float` arguments (NanoAOD) the difference is taken in float, `fmod` and the wrapping in
//! double, the result rounded to float, and ΔR's arithmetic is in float.
//!
//! **The `fmod` shortcut.** IEEE 754 `fmod(x, y)` returns `x` itself when `|x| < |y|` (C11
//! F.10.7.1; glibc and Rust's `%` follow it), so the call is skipped when `|v2 - v1| < 2c`, which
//! holds for every pair of angles already in [−π, π]. The result is the same bits (tested below
//! against the plain formula); the call costs ~3.4 ns of a ~10 ns ΔR
//! (`../shared/research/performance.md` §3).

use std::f64::consts::PI;

/// `x mod 2c` as C's `fmod`, without the call when `|x| < 2c` (the same bits: `fmod` returns `x`).
#[inline(always)]
fn fmod_2c(x: f64, two_c: f64) -> f64 {
    if x.abs() < two_c {
        x
    } else {
        x % two_c
    }
}

/// `VecOps::DeltaPhi<double>(phi1, phi2)`: `phi2 - phi1` wrapped into [−π, π].
#[inline]
pub fn delta_phi(phi1: f64, phi2: f64) -> f64 {
    let r = fmod_2c(phi2 - phi1, 2.0 * PI);
    // Two selects, as in `delta_phi_f32` (the same as the `if … else if` of VecOps).
    let r = if r < -PI { r + 2.0 * PI } else { r };
    if r > PI {
        r - 2.0 * PI
    } else {
        r
    }
}

/// `VecOps::DeltaPhi<float>(phi1, phi2)`: the difference in float, `fmod` and the wrapping in
/// double (`2.0 * c` is a double with `c = (float)M_PI`), the result rounded to float.
#[inline]
pub fn delta_phi_f32(phi1: f32, phi2: f32) -> f32 {
    let c = std::f32::consts::PI as f64;
    let r = fmod_2c((phi2 - phi1) as f64, 2.0 * c);
    // The wrapping as two selects, not branches: a difference of two angles is outside
    // [−c, c] a quarter of the time, at random, so a branch would often mispredict. The same
    // as `if r < -c { r += 2c } else if r > c { r -= 2c }`: after the first, r + 2c < c.
    let r = if r < -c { r + 2.0 * c } else { r };
    let r = if r > c { r - 2.0 * c } else { r };
    r as f32
}

/// `VecOps::DeltaR<double>(eta1, eta2, phi1, phi2)`.
#[inline]
pub fn delta_r(eta1: f64, eta2: f64, phi1: f64, phi2: f64) -> f64 {
    delta_r2(eta1, eta2, phi1, phi2).sqrt()
}

/// ΔR² as [`delta_r`] computes it before its square root. The square root is correctly rounded
/// and so never decreasing: the smallest ΔR of several is the root of the smallest ΔR², bit for
/// bit, with one root instead of one per pair.
#[inline]
pub fn delta_r2(eta1: f64, eta2: f64, phi1: f64, phi2: f64) -> f64 {
    let dphi = delta_phi(phi1, phi2);
    let deta = eta1 - eta2;
    deta * deta + dphi * dphi
}

/// `VecOps::DeltaR<float>(eta1, eta2, phi1, phi2)`: every operation rounded to float.
#[inline]
pub fn delta_r_f32(eta1: f32, eta2: f32, phi1: f32, phi2: f32) -> f32 {
    delta_r2_f32(eta1, eta2, phi1, phi2).sqrt()
}

/// ΔR² as [`delta_r_f32`] computes it before its square root (see [`delta_r2`]).
#[inline]
pub fn delta_r2_f32(eta1: f32, eta2: f32, phi1: f32, phi2: f32) -> f32 {
    let dphi = delta_phi_f32(phi1, phi2);
    let deta = eta1 - eta2;
    deta * deta + dphi * dphi
}

/// The plain formulas, with `fmod` always called: the reference the shortcuts are tested and
/// benchmarked against.
pub mod plain {
    use std::f64::consts::PI;

    /// [`super::delta_phi`] with `fmod` always called.
    pub fn delta_phi(phi1: f64, phi2: f64) -> f64 {
        let mut r = (phi2 - phi1) % (2.0 * PI);
        if r < -PI {
            r += 2.0 * PI;
        } else if r > PI {
            r -= 2.0 * PI;
        }
        r
    }

    /// [`super::delta_phi_f32`] with `fmod` always called.
    pub fn delta_phi_f32(phi1: f32, phi2: f32) -> f32 {
        let c = std::f32::consts::PI as f64;
        let mut r = ((phi2 - phi1) as f64) % (2.0 * c);
        if r < -c {
            r += 2.0 * c;
        } else if r > c {
            r -= 2.0 * c;
        }
        r as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed pseudo-random sequence (no dependency, reproducible).
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 11
    }

    fn edges_f64() -> Vec<f64> {
        let two_pi = 2.0 * PI;
        let mut v = vec![
            0.0,
            -0.0,
            PI,
            -PI,
            two_pi,
            -two_pi,
            f64::from_bits(two_pi.to_bits() - 1),
            f64::from_bits(two_pi.to_bits() + 1),
            -f64::from_bits(two_pi.to_bits() - 1),
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e-320,
        ];
        for k in -8..=8 {
            v.push(k as f64 * PI);
            v.push(k as f64 * PI + 1e-12);
        }
        v
    }

    #[test]
    fn the_fmod_shortcut_gives_the_same_bits_in_double() {
        let e = edges_f64();
        for &a in &e {
            for &b in &e {
                let (x, y) = (delta_phi(a, b), plain::delta_phi(a, b));
                assert!(
                    x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                    "{a} {b}"
                );
            }
        }
        let mut s = 1;
        for _ in 0..2_000_000 {
            let a = (lcg(&mut s) as f64 / (1u64 << 53) as f64 - 0.5) * 40.0;
            let b = (lcg(&mut s) as f64 / (1u64 << 53) as f64 - 0.5) * 40.0;
            assert_eq!(delta_phi(a, b).to_bits(), plain::delta_phi(a, b).to_bits());
        }
    }

    #[test]
    fn the_fmod_shortcut_gives_the_same_bits_in_float() {
        // Every float angle in [−2π, 2π] against a spread of second angles, and random pairs
        // over a wider range: the shortcut and the plain formula agree to the bit.
        let seconds: Vec<f32> = (-64..=64)
            .map(|k| k as f32 * 0.1)
            .chain([
                0.0,
                -0.0,
                std::f32::consts::PI,
                -std::f32::consts::PI,
                7.0,
                -7.0,
            ])
            .collect();
        let lo = (-2.0 * std::f32::consts::PI).to_bits();
        let step = 9973; // a prime stride through the bit patterns of negative floats
        let mut bits = 0x8000_0000u32;
        while bits <= lo {
            let a = f32::from_bits(bits);
            for &b in &seconds {
                assert_eq!(
                    delta_phi_f32(a, b).to_bits(),
                    plain::delta_phi_f32(a, b).to_bits()
                );
                assert_eq!(
                    delta_phi_f32(-a, b).to_bits(),
                    plain::delta_phi_f32(-a, b).to_bits()
                );
            }
            bits += step;
        }
        let mut s = 7;
        for _ in 0..2_000_000 {
            let a = ((lcg(&mut s) as f64 / (1u64 << 53) as f64 - 0.5) * 30.0) as f32;
            let b = ((lcg(&mut s) as f64 / (1u64 << 53) as f64 - 0.5) * 30.0) as f32;
            assert_eq!(
                delta_phi_f32(a, b).to_bits(),
                plain::delta_phi_f32(a, b).to_bits()
            );
        }
        for a in [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
        ] {
            for b in [0.0f32, 1.0, f32::NAN] {
                let (x, y) = (delta_phi_f32(a, b), plain::delta_phi_f32(a, b));
                assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()));
            }
        }
    }

    #[test]
    fn the_smallest_delta_r_is_the_root_of_the_smallest_delta_r2() {
        let mut seed = 5;
        let mut u = || (lcg(&mut seed) >> 11) as f64 / (1u64 << 53) as f64;
        for _ in 0..20_000 {
            let n = 1 + (u() * 6.0) as usize;
            let (eta, phi) = (u() * 5.0 - 2.5, u() * 6.4 - 3.2);
            let others: Vec<(f64, f64)> =
                (0..n).map(|_| (u() * 5.0 - 2.5, u() * 6.4 - 3.2)).collect();
            let a = others
                .iter()
                .map(|(e, p)| delta_r(eta, *e, phi, *p))
                .fold(f64::INFINITY, f64::min);
            let b = others
                .iter()
                .map(|(e, p)| delta_r2(eta, *e, phi, *p))
                .fold(f64::INFINITY, f64::min)
                .sqrt();
            assert_eq!(a.to_bits(), b.to_bits());
            let (ef, pf) = (eta as f32, phi as f32);
            let a = others
                .iter()
                .map(|(e, p)| delta_r_f32(ef, *e as f32, pf, *p as f32))
                .fold(f32::INFINITY, f32::min);
            let b = others
                .iter()
                .map(|(e, p)| delta_r2_f32(ef, *e as f32, pf, *p as f32))
                .fold(f32::INFINITY, f32::min)
                .sqrt();
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }

    #[test]
    fn delta_r_follows_vecops() {
        // DeltaR(0, 1, 3, -3): dphi wraps to 2π - 6.
        let want = ((1.0f64).powi(2) + (2.0 * PI - 6.0).powi(2)).sqrt();
        assert_eq!(delta_r(0.0, 1.0, 3.0, -3.0), want);
        let d = delta_r_f32(0.5, -0.25, 3.0, -3.0);
        let dphi = ((-6.0f64) + 2.0 * (std::f32::consts::PI as f64)) as f32;
        assert_eq!(d, (0.75f32 * 0.75 + dphi * dphi).sqrt());
    }
}

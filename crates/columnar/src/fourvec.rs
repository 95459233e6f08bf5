//! Cartesian four-vectors, added and measured exactly as ROOT's GenVector classes do.
//!
//! A vector is `(px, py, pz, t)` where `t` is the energy ([`Coords::PxPyPzE`], ROOT's
//! `PxPyPzEVector`) or the mass ([`Coords::PxPyPzM`], `PxPyPzMVector`). The coordinates decide
//! how a sum rounds: `PxPyPzE` adds the four components; `PxPyPzM` converts both terms to
//! energies, adds, and converts back to the mass (`LorentzVector::operator+=` →
//! `PxPyPzM4D::SetPxPyPzE`), so `(a + b) + c` rounds as in ROOT.

/// How four-vectors are stored, which decides the rounding of their sums (as in ROOT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Coords {
    /// `(px, py, pz, E)`: ROOT's `PxPyPzEVector`; `.p4` of records.
    #[default]
    PxPyPzE,
    /// `(px, py, pz, M)`: ROOT's `PxPyPzMVector`. A sum converts to `(px, py, pz, E)`, adds,
    /// and converts back to the mass, so `(a + b) + c` rounds as in ROOT.
    PxPyPzM,
}

/// Four-vector properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum P4Prop {
    Pt,
    Eta,
    Phi,
    Mass,
    E,
    Px,
    Py,
    Pz,
}

/// One four-vector: `(px, py, pz, t)` with `t` the energy or the mass (see [`Coords`]).
pub type P4 = [f64; 4];

/// ROOT's `etaMax<double>()`.
pub const ETA_MAX: f64 = 22756.0;

/// `PxPyPzE4D::M()`: `sqrt(t² − x² − y² − z²)`, negative for space-like vectors.
#[inline]
pub fn mass_of(x: f64, y: f64, z: f64, t: f64) -> f64 {
    let mm = t * t - x * x - y * y - z * z;
    if mm >= 0.0 {
        mm.sqrt()
    } else {
        -(-mm).sqrt()
    }
}

/// `PxPyPzM4D::E()`: `sqrt(max(px² + py² + pz² + m|m|, 0))`.
#[inline]
pub fn energy_of(x: f64, y: f64, z: f64, m: f64) -> f64 {
    let m2 = if m >= 0.0 { m * m } else { -m * m };
    let e2 = x * x + y * y + z * z + m2;
    if e2 > 0.0 { e2 } else { 0.0 }.sqrt()
}

/// ROOT's `Eta_FromRhoZ` (`Math/GenVector/eta.h`).
pub fn eta_from_rho_z(rho: f64, z: f64) -> f64 {
    if rho > 0.0 {
        let big_z_scaled = f64::EPSILON.powf(-0.25);
        let zs = z / rho;
        if zs.abs() < big_z_scaled {
            (zs + (zs * zs + 1.0).sqrt()).ln()
        } else if z > 0.0 {
            (2.0 * zs + 0.5 / zs).ln()
        } else {
            -(-2.0 * zs).ln()
        }
    } else if z == 0.0 {
        0.0
    } else {
        z + if z > 0.0 { ETA_MAX } else { -ETA_MAX }
    }
}

/// The energy of `p` in coordinates `coords`.
#[inline]
pub fn energy(p: &P4, coords: Coords) -> f64 {
    match coords {
        Coords::PxPyPzE => p[3],
        Coords::PxPyPzM => energy_of(p[0], p[1], p[2], p[3]),
    }
}

/// `a + b` in `coords`, rounding as ROOT's `LorentzVector::operator+=`.
#[inline]
pub fn add(a: &P4, b: &P4, coords: Coords) -> P4 {
    match coords {
        Coords::PxPyPzE => [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]],
        Coords::PxPyPzM => {
            let e = energy(a, coords) + energy(b, coords);
            let (x, y, z) = (a[0] + b[0], a[1] + b[1], a[2] + b[2]);
            [x, y, z, mass_of(x, y, z, e)]
        }
    }
}

/// A property of `p` (in `coords`), as ROOT's `PxPyPzE4D` / `PxPyPzM4D` compute it.
#[inline]
pub fn prop(p: &P4, coords: Coords, what: P4Prop) -> f64 {
    let [x, y, z, t] = *p;
    match what {
        P4Prop::Px => x,
        P4Prop::Py => y,
        P4Prop::Pz => z,
        P4Prop::E => energy(p, coords),
        P4Prop::Pt => (x * x + y * y).sqrt(),
        P4Prop::Phi => {
            if x == 0.0 && y == 0.0 {
                0.0
            } else {
                y.atan2(x)
            }
        }
        P4Prop::Eta => eta_from_rho_z((x * x + y * y).sqrt(), z),
        P4Prop::Mass => match coords {
            Coords::PxPyPzE => mass_of(x, y, z, t),
            Coords::PxPyPzM => t,
        },
    }
}

/// A record given as `(pt, eta, phi, mass)` (ROOT's `PtEtaPhiMVector`) in Cartesian
/// coordinates: `px = pt cos φ`, `py = pt sin φ`, `pz = pt sinh η` (`PtEtaPhiM4D::Pz`, with
/// `η ∓ etaMax` for `pt = 0`), and `t` the energy `sqrt((pt cosh η)² + m|m|)`
/// (`PtEtaPhiM4D::E`) or the mass.
#[inline]
pub fn from_pt_eta_phi_m(pt: f64, eta: f64, phi: f64, m: f64, coords: Coords) -> P4 {
    let (sin, cos) = sin_cos(phi);
    from_pt_eta_m_sin_cos(pt, eta, m, sin, cos, coords)
}

/// [`from_pt_eta_phi_m`] with `sin φ` and `cos φ` given (from [`sin_cos_many`], for many
/// records at once).
#[inline]
pub fn from_pt_eta_m_sin_cos(pt: f64, eta: f64, m: f64, sin: f64, cos: f64, coords: Coords) -> P4 {
    let pz = if pt > 0.0 {
        pt * eta.sinh()
    } else if eta == 0.0 {
        0.0
    } else if eta > 0.0 {
        eta - ETA_MAX
    } else {
        eta + ETA_MAX
    };
    let t = match coords {
        Coords::PxPyPzE => {
            let pp = pt * eta.cosh();
            let e2 = pp * pp + m * m.abs();
            if e2 > 0.0 { e2 } else { 0.0 }.sqrt()
        }
        Coords::PxPyPzM => m,
    };
    [pt * cos, pt * sin, pz, t]
}

pub use crate::sincos::{sin_cos, sin_cos_many};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_round_as_root_in_each_coordinate_system() {
        let a = from_pt_eta_phi_m(40.0, 0.5, 1.0, 4.8, Coords::PxPyPzM);
        let b = from_pt_eta_phi_m(25.0, -1.2, -2.0, 0.1, Coords::PxPyPzM);
        let s = add(&a, &b, Coords::PxPyPzM);
        let (ea, eb) = (energy(&a, Coords::PxPyPzM), energy(&b, Coords::PxPyPzM));
        assert_eq!(
            s[3],
            mass_of(a[0] + b[0], a[1] + b[1], a[2] + b[2], ea + eb)
        );
        let ae = from_pt_eta_phi_m(40.0, 0.5, 1.0, 4.8, Coords::PxPyPzE);
        let be = from_pt_eta_phi_m(25.0, -1.2, -2.0, 0.1, Coords::PxPyPzE);
        let se = add(&ae, &be, Coords::PxPyPzE);
        assert_eq!(se[3], ae[3] + be[3]);
        // The same physics in both, to rounding.
        let (m1, m2) = (
            prop(&s, Coords::PxPyPzM, P4Prop::Mass),
            prop(&se, Coords::PxPyPzE, P4Prop::Mass),
        );
        assert!((m1 - m2).abs() < 1e-9 * m1);
    }

    #[test]
    fn sincos_gives_the_bits_of_sin_and_cos() {
        use std::hint::black_box;
        let mut s: u64 = 3;
        for i in 0..2_000_000u64 {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            // Angles as stored (float φ in [−π, π]), and wider and special values.
            let x = match i % 4 {
                0 => ((u - 0.5) * std::f64::consts::TAU) as f32 as f64,
                1 => (u - 0.5) * 1e6,
                2 => f64::from_bits(s),
                _ => (u - 0.5) * 8.0,
            };
            let (a, b) = sin_cos(x);
            // Through black_box, so that the compiler cannot turn these two into sincos too.
            let (sin, cos) = (black_box(x).sin(), black_box(x).cos());
            assert_eq!(a.to_bits(), sin.to_bits(), "sin {x:e}");
            assert_eq!(b.to_bits(), cos.to_bits(), "cos {x:e}");
        }
    }

    #[test]
    fn space_like_masses_are_negative_and_zero_pt_keeps_eta() {
        assert!(mass_of(3.0, 0.0, 0.0, 1.0) < 0.0);
        let p = from_pt_eta_phi_m(0.0, 2.0, 0.0, 0.0, Coords::PxPyPzE);
        assert_eq!(p[2], 2.0 - ETA_MAX);
        assert_eq!(
            prop(&[0.0, 0.0, 5.0, 5.0], Coords::PxPyPzE, P4Prop::Phi),
            0.0
        );
    }
}

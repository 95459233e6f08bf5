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
    let (sin, cos) = sin_cos(restrict_phi(phi));
    from_pt_eta_m_sin_cos(pt, eta, m, sin, cos, coords)
}

/// ROOT's `PtEtaPhiM4D::RestrictPhi`, which its constructor applies before `Px()` and `Py()`
/// take `cos φ` and `sin φ`: a φ outside (−π, π] becomes `φ − floor(φ/(2π) + ½)·2·π`, evaluated
/// as ROOT's C++ is, left to right (`(floor(…)·2)·π`). Mathematically the same angle, but not the
/// same bits: `sin` of the float nearest π (3.1415927, above π) and of its restriction differ in
/// the eighth digit. (NanoAOD rounds φ to a few bits, so the values nearest ±π, beyond it, are
/// common there.) NaN stays NaN, ±∞ becomes NaN, as in ROOT.
#[inline]
pub fn restrict_phi(phi: f64) -> f64 {
    use std::f64::consts::PI;
    if phi <= -PI || phi > PI {
        phi - ((phi / (2.0 * PI) + 0.5).floor() * 2.0) * PI
    } else {
        phi
    }
}

/// ROOT's `PtEtaPhiM4D::P()`: `pt·cosh η`, and for `pt ≤ 0` the `etaMax` convention (0 unless
/// `|η|` exceeds it) — not `|pt|·cosh η`.
#[inline]
fn momentum(pt: f64, eta: f64) -> f64 {
    if pt > 0.0 {
        pt * eta.cosh()
    } else if eta > ETA_MAX {
        eta - ETA_MAX
    } else if eta < -ETA_MAX {
        -eta - ETA_MAX
    } else {
        0.0
    }
}

/// [`from_pt_eta_phi_m`] with `sin φ` and `cos φ` given (from [`sin_cos_many`], for many
/// records at once) — of the restricted φ ([`restrict_phi`]).
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
            let pp = momentum(pt, eta);
            let e2 = pp * pp + m * m.abs();
            if e2 > 0.0 { e2 } else { 0.0 }.sqrt()
        }
        // `PtEtaPhiM4D::RestrictNegMass`, in its constructor: a negative mass beyond the
        // momentum becomes minus the momentum (the conversion to `PxPyPzM4D` keeps it as it is).
        Coords::PxPyPzM => {
            let p = momentum(pt, eta);
            if m < 0.0 && p * p - m * m < 0.0 {
                -p
            } else {
                m
            }
        }
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

    /// `PxPyPzEVector(PtEtaPhiMVector(pt, eta, phi, m))` from ROOT 6.40 (PyROOT, `float.hex`):
    /// φ beyond ±π (the float nearest π, 10, 10⁶) restricted first; `pt ≤ 0` with the `etaMax`
    /// momentum, also beyond it.
    #[test]
    fn four_vectors_of_odd_records_are_root_s() {
        let pi32 = std::f32::consts::PI as f64;
        let cases: [([f64; 4], [&str; 4]); 7] = [
            (
                [10.0, 0.5, pi32, 1.0],
                [
                    "-0x1.3ffffffffffebp+3",
                    "-0x1.d558f44b07d73p-21",
                    "0x1.4d80413dfca7dp+2",
                    "0x1.6a41a61176c3ap+3",
                ],
            ),
            (
                [10.0, 0.5, -pi32, 1.0],
                [
                    "-0x1.3ffffffffffebp+3",
                    "0x1.d558f44b07d73p-21",
                    "0x1.4d80413dfca7dp+2",
                    "0x1.6a41a61176c3ap+3",
                ],
            ),
            (
                [7.5, -1.2, 10.0, 3.0],
                [
                    "-0x1.92c11c07ba46bp+2",
                    "-0x1.0521506941a61p+2",
                    "-0x1.6a454e40d1114p+3",
                    "0x1.bd08f066052ddp+3",
                ],
            ),
            (
                [7.5, -1.2, 1e6, 3.0],
                [
                    "0x1.c1a419f7a1f6cp+2",
                    "-0x1.4ffe672fe5b1bp+1",
                    "-0x1.6a454e40d1114p+3",
                    "0x1.bd08f066052ddp+3",
                ],
            ),
            (
                [-5.0, 0.5, 1.0, 10.0],
                [
                    "-0x1.59cb213a2482fp+1",
                    "-0x1.0d454d965a815p+2",
                    "-0x1.638e000000000p+14",
                    "0x1.4000000000000p+3",
                ],
            ),
            (
                [0.0, 30000.0, 0.3, 2.0],
                [
                    "0x0.0p+0",
                    "0x0.0p+0",
                    "0x1.c4c0000000000p+12",
                    "0x1.c4c00121807e5p+12",
                ],
            ),
            (
                [-2.0, -30000.0, 0.3, 2.0],
                [
                    "-0x1.e921dd42f09bap+0",
                    "-0x1.2e9cd95baba33p-1",
                    "-0x1.c4c0000000000p+12",
                    "0x1.c4c00121807e5p+12",
                ],
            ),
        ];
        for ([pt, eta, phi, m], want) in cases {
            let got = from_pt_eta_phi_m(pt, eta, phi, m, Coords::PxPyPzE);
            for (k, w) in want.iter().enumerate() {
                assert_eq!(
                    got[k].to_bits(),
                    hex(w).to_bits(),
                    "{k} of {pt} {eta} {phi} {m}: {got:?}"
                );
            }
        }
    }

    /// `PxPyPzMVector(PtEtaPhiMVector(pt, eta, phi, m)).M()` from ROOT 6.40: a negative mass
    /// beyond the momentum becomes minus the momentum (0 for `pt ≤ 0`), a smaller one stays.
    #[test]
    fn negative_masses_are_restricted_as_root_does() {
        for ([pt, eta, phi, m], want) in [
            ([5.0, 0.5, 1.0, -100.0], "-0x1.68d71e7b5a304p+2"),
            ([5.0, 0.5, 1.0, -2.0], "-0x1.0000000000000p+1"),
            ([-5.0, 0.5, 1.0, -3.0], "-0x0.0p+0"),
        ] {
            let got = from_pt_eta_phi_m(pt, eta, phi, m, Coords::PxPyPzM)[3];
            assert_eq!(
                got.to_bits(),
                hex(want).to_bits(),
                "{pt} {eta} {phi} {m}: {got}"
            );
        }
    }

    /// A C99 hexadecimal float (`-0x1.8p+3`, `0x0.0p+0`).
    fn hex(s: &str) -> f64 {
        let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
        let s = s.strip_prefix("0x").expect("0x");
        let (mantissa, exp) = s.split_once('p').expect("p");
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let bits = u64::from_str_radix(&format!("{int}{frac}"), 16).expect("hex digits");
        let v =
            bits as f64 * 2f64.powi(exp.parse::<i32>().expect("exponent") - 4 * frac.len() as i32);
        if neg {
            -v
        } else {
            v
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

//! Whether the mass of a pair of records is certainly above or below a constant, decided
//! without libm: a cut such as ADL q5's `60 < (m1 + m2).mass < 120` needs the exact mass (the
//! bits ROOT computes, through `sin`, `cos`, `sinh` and `cosh` of each record) only for the
//! rare pairs whose mass lies within a hair of a window edge.
//!
//! [`approx_p4`] computes a record's `(px, py, pz, E)` with polynomial `exp`, `sin` and `cos`
//! (no libm call), each component within about 1e-15·E of the one
//! [`from_pt_eta_phi_m`](crate::fourvec::from_pt_eta_phi_m) computes. [`mass_side`] then
//! compares the pair's m² with the constant's square and decides only where the gap exceeds
//! [`TOLERANCE`] times the scale of the terms, `(E1 + E2)²`:
//!
//! - ROOT's m² is `E² − px² − py² − pz²` of the summed components. With `m ≥ 0` every
//!   component of a record is at most its energy, so every term is at most `S = (E1 + E2)²`.
//!   Each input component carries a few roundings of libm (≤ 1 ulp each) and of the products
//!   and square root (≤ 8 units of 2⁻⁵³ relative in all for the energy), and the sums, squares
//!   and differences add one rounding each: ROOT's m² is within 50·2⁻⁵³·S ≈ 6e-15·S of the true
//!   value, and the approximate one (with its own reduction and truncation errors below 1e-16
//!   relative) within about the same. `TOLERANCE` (1e-10) leaves a factor of 10⁴ on top.
//! - The mass compared is `sqrt(m²)` (negative for space-like sums, `PxPyPzE4D::M`), rounded:
//!   when m² exceeds c² by more than 1e-10·c², the square root exceeds `c` by more than a
//!   rounding, so `m > c` holds for the rounded mass too (and likewise below).
//!
//! Inputs outside the range where this holds — a non-finite value, `pt ≤ 0` (ROOT's `etaMax`
//! special case), a negative mass (whose `m|m|` can cancel the momentum term, where the
//! square root magnifies errors), `|η| > 30`, φ outside (−π, π] (which ROOT first restricts to
//! it, `fourvec::restrict_phi`), sizes beyond 1e30 or a scale below
//! 1e-200 — are left undecided, and the caller computes the exact mass. Tested against the
//! exact computation, with constants equal to exact masses and a hair away from them
//! (`tests::decisions_never_contradict_the_exact_mass`).

use std::cmp::Ordering;
use std::mem::MaybeUninit;

/// The relative gap (to `(E1 + E2)² + c²`) beyond which [`mass_side`] decides.
pub const TOLERANCE: f64 = 1e-10;

/// `1.5·2⁵²`: added to and subtracted from `x` (|x| < 2⁵¹), rounds it to the nearest integer
/// (ties to even) without a call to `round` (which needs SSE4.1 to be an instruction).
const ROUNDER: f64 = 6755399441055744.0;

/// `e^x` for `0 ≤ x ≤ 30`: `x = k·ln 2 + r` with `|r| ≤ ln 2 / 2` (Cody and Waite's two-part
/// ln 2, fdlibm's `ln2_hi`/`ln2_lo`: `k·ln2_hi` is exact for `|k| < 2¹¹`), `e^r` by its Taylor
/// polynomial of degree 12 (the next term is below 3e-16) in Estrin's scheme (a short chain of
/// dependent operations), times `2^k`.
#[inline(always)]
fn exp_small(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const C: [f64; 13] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
        1.0 / 362880.0,
        1.0 / 3628800.0,
        1.0 / 39916800.0,
        1.0 / 479001600.0,
    ];
    let kr = x * std::f64::consts::LOG2_E + ROUNDER;
    let k = kr - ROUNDER;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let (r2, r4) = (r * r, r * r * (r * r));
    let q = |i: usize| C[i] + C[i + 1] * r;
    let low = (q(0) + q(2) * r2) + (q(4) + q(6) * r2) * r4;
    let high = (q(8) + q(10) * r2) + C[12] * r4;
    let p = low + high * (r4 * r4);
    // `kr`'s bits are those of 1.5·2⁵² plus k (two's complement): the exponent field of 2^k
    // is k + 1023 in their low bits, shifted into place (integer steps that vectorise).
    p * f64::from_bits(kr.to_bits().wrapping_add(1023) << 52)
}

/// `(sin x, cos x)` for `|x| ≤ 1e5`: `x = k·π/2 + r` with `|r| ≤ π/4` (fdlibm's two-part π/2,
/// `pio2_1`/`pio2_1t`: `k·pio2_1` is exact for `|k| < 2²⁰`), Taylor polynomials of `sin r` to
/// `r¹⁵` and `cos r` to `r¹⁶` (next terms below 5e-17) in Estrin's scheme, and the quadrant of
/// `k` chosen without a branch.
#[inline(always)]
fn sin_cos_small(x: f64) -> (f64, f64) {
    const PIO2_1: f64 = f64::from_bits(0x3ff9_21fb_5440_0000);
    const PIO2_1T: f64 = f64::from_bits(0x3dd0_b461_1a62_6331);
    // sin r / r and cos r as polynomials in z = r²: (−1)ʲ/(2j+1)! and (−1)ʲ/(2j)!.
    const S: [f64; 8] = [
        1.0,
        -1.0 / 6.0,
        1.0 / 120.0,
        -1.0 / 5040.0,
        1.0 / 362880.0,
        -1.0 / 39916800.0,
        1.0 / 6227020800.0,
        -1.0 / 1307674368000.0,
    ];
    const C: [f64; 9] = [
        1.0,
        -1.0 / 2.0,
        1.0 / 24.0,
        -1.0 / 720.0,
        1.0 / 40320.0,
        -1.0 / 3628800.0,
        1.0 / 479001600.0,
        -1.0 / 87178291200.0,
        1.0 / 20922789888000.0,
    ];
    let kr = x * std::f64::consts::FRAC_2_PI + ROUNDER;
    let k = kr - ROUNDER;
    let r = (x - k * PIO2_1) - k * PIO2_1T;
    let (z, z2) = (r * r, r * r * (r * r));
    let z4 = z2 * z2;
    let sp = |i: usize| S[i] + S[i + 1] * z;
    let s = r * ((sp(0) + sp(2) * z2) + (sp(4) + sp(6) * z2) * z4);
    let cp = |i: usize| C[i] + C[i + 1] * z;
    let c = (cp(0) + cp(2) * z2) + ((cp(4) + cp(6) * z2) + C[8] * z4) * z4;
    // Quadrant q: (sin, cos) = (s, c), (c, −s), (−s, −c), (−c, s).
    // k's low bits are those of `kr` (1.5·2⁵² plus k, two's complement).
    let q = kr.to_bits();
    let swap = q & 1 != 0;
    let (a, b) = if swap { (c, s) } else { (s, c) };
    let sin_neg = q & 2 != 0;
    let cos_neg = q.wrapping_add(1) & 2 != 0;
    (if sin_neg { -a } else { a }, if cos_neg { -b } else { b })
}

/// The `(px, py, pz, E)` of a record `(pt, η, φ, m)`, within about 1e-15·E of
/// [`from_pt_eta_phi_m`](crate::fourvec::from_pt_eta_phi_m)'s in every component, without
/// libm; `E` is NaN outside the range where that is shown (see the module's notes), which
/// [`mass_side`] leaves undecided.
#[inline(always)]
pub fn approx_p4(pt: f64, eta: f64, phi: f64, m: f64) -> [f64; 4] {
    // φ within (−π, π], where ROOT's `RestrictPhi` leaves it as it is (elsewhere the exact
    // four-vector takes sin and cos of the restricted angle, whose bits differ).
    let ok = pt > 0.0
        && pt < 1e30
        && eta.abs() <= 30.0
        && phi > -std::f64::consts::PI
        && phi <= std::f64::consts::PI
        && (0.0..1e30).contains(&m);
    // Out of range: computed on harmless values, then marked.
    let (pt, eta, phi, m) = if ok {
        (pt, eta, phi, m)
    } else {
        (1.0, 0.0, 0.0, 0.0)
    };
    let e = exp_small(eta.abs());
    let inv = 1.0 / e;
    let sinh = 0.5 * (e - inv);
    let cosh = 0.5 * (e + inv);
    let (sin, cos) = sin_cos_small(phi);
    let pp = pt * cosh;
    let energy = (pp * pp + m * m).sqrt();
    [
        pt * cos,
        pt * sin,
        if eta < 0.0 { -pt * sinh } else { pt * sinh },
        if ok { energy } else { f64::NAN },
    ]
}

/// [`approx_p4`] of many records, as columns: `px`, `py`, `pz`, `e` (cleared and refilled).
#[derive(Debug, Default, Clone)]
pub struct ApproxP4s {
    /// `pt cos φ`.
    pub px: Vec<f64>,
    /// `pt sin φ`.
    pub py: Vec<f64>,
    /// `pt sinh η`.
    pub pz: Vec<f64>,
    /// The energy; NaN where [`approx_p4`] does not vouch for the record.
    pub e: Vec<f64>,
}

impl ApproxP4s {
    /// Record `i`'s four-vector (none past the end).
    #[inline]
    pub fn at(&self, i: usize) -> Option<[f64; 4]> {
        Some([
            *self.px.get(i)?,
            *self.py.get(i)?,
            *self.pz.get(i)?,
            *self.e.get(i)?,
        ])
    }

    /// [`approx_p4`] of the records `(pt[i], eta[i], phi[i], mass[i])` (slices of one length;
    /// the shortest decides). With AVX-512 or AVX2 where the CPU has it (runtime detection),
    /// eight or four records at a time: the same operations, so the same bits, as one at a
    /// time (`tests::column_passes_give_each_record_s_bits`).
    pub fn compute(pt: &[f64], eta: &[f64], phi: &[f64], mass: &[f64]) -> ApproxP4s {
        let n = pt.len().min(eta.len()).min(phi.len()).min(mass.len());
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: AVX-512F is present (checked just above).
                return filled(n, |room| unsafe {
                    approx_columns_avx512(pt, eta, phi, mass, room)
                });
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present (checked just above).
                return filled(n, |room| unsafe {
                    approx_columns_avx2(pt, eta, phi, mass, room)
                });
            }
        }
        filled(n, |room| approx_columns(pt, eta, phi, mass, room))
    }
}

/// The four output columns of [`approx_columns`], not yet written.
type Room<'a> = [&'a mut [MaybeUninit<f64>]; 4];

/// Columns of `n` records written by `pass`, one of the passes of [`approx_columns`], which
/// write every element of the room they are given: the columns are not zero-filled first (a
/// `memset` of four doubles per record, 2 % of ADL q6).
fn filled(n: usize, pass: impl FnOnce(Room)) -> ApproxP4s {
    let mut out = ApproxP4s {
        px: Vec::with_capacity(n),
        py: Vec::with_capacity(n),
        pz: Vec::with_capacity(n),
        e: Vec::with_capacity(n),
    };
    pass([
        &mut out.px.spare_capacity_mut()[..n],
        &mut out.py.spare_capacity_mut()[..n],
        &mut out.pz.spare_capacity_mut()[..n],
        &mut out.e.spare_capacity_mut()[..n],
    ]);
    // SAFETY: the pass wrote all `n` elements of each column (its loop runs over every index
    // of the room, which is `n` long); `n` is within the capacity reserved.
    unsafe {
        out.px.set_len(n);
        out.py.set_len(n);
        out.pz.set_len(n);
        out.e.set_len(n);
    }
    out
}

/// The loop of [`ApproxP4s::compute`], written for the compiler to vectorise (no branch: the
/// range checks and quadrants are selects): every element of `room` (as long as the shortest
/// input) is written.
#[inline(always)]
fn approx_columns(pt: &[f64], eta: &[f64], phi: &[f64], mass: &[f64], room: Room) {
    let [px, py, pz, e] = room;
    let n = px.len();
    let (pt, eta, phi, mass) = (&pt[..n], &eta[..n], &phi[..n], &mass[..n]);
    let (py, pz, e) = (&mut py[..n], &mut pz[..n], &mut e[..n]);
    for i in 0..n {
        let [x, y, z, t] = approx_p4(pt[i], eta[i], phi[i], mass[i]);
        px[i].write(x);
        py[i].write(y);
        pz[i].write(z);
        e[i].write(t);
    }
}

/// [`approx_columns`] compiled for AVX-512: eight records at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn approx_columns_avx512(pt: &[f64], eta: &[f64], phi: &[f64], mass: &[f64], room: Room) {
    approx_columns(pt, eta, phi, mass, room);
}

/// [`approx_columns`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn approx_columns_avx2(pt: &[f64], eta: &[f64], phi: &[f64], mass: &[f64], room: Room) {
    approx_columns(pt, eta, phi, mass, room);
}

/// Whether the mass of `a + b` as ROOT computes it (`PxPyPzE4D::M` of the summed exact
/// components, negative when space-like) is certainly below (`Less`) or above (`Greater`) `c`;
/// `None` when it is too close to tell (or `c` is not finite) and must be computed exactly.
/// `a` and `b` come from [`approx_p4`] (a NaN energy leaves it undecided).
#[inline]
pub fn mass_side(a: &[f64; 4], b: &[f64; 4], c: f64) -> Option<Ordering> {
    let (x, y, z, t) = (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]);
    let scale = t * t;
    // A scale that is NaN, subnormal-small or infinite is not vouched for.
    if !c.is_finite() || !(1e-200..=f64::MAX).contains(&scale) {
        return None;
    }
    let target = c * c.abs();
    let tol = TOLERANCE * (scale + target.abs());
    let d = (t * t - x * x - y * y - z * z) - target;
    if d > tol {
        Some(Ordering::Greater)
    } else if d < -tol {
        Some(Ordering::Less)
    } else {
        None
    }
}

/// Bounds `[lo, hi]` on the mass of `a + b` as ROOT computes it (see [`mass_side`]), from
/// [`approx_p4`]'s four-vectors; `None` where they are not vouched for. ROOT's m² lies within
/// the tolerance of the approximate one, and the signed square root of a bound, rounded, bounds
/// the rounded mass, as `sqrt` rounds correctly (monotonically).
#[inline]
pub fn mass_interval(a: &[f64; 4], b: &[f64; 4]) -> Option<(f64, f64)> {
    let (x, y, z, t) = (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]);
    let scale = t * t;
    if !(1e-200..=f64::MAX).contains(&scale) {
        return None;
    }
    let mm = t * t - x * x - y * y - z * z;
    let margin = TOLERANCE * scale;
    // One root of |v| with v's sign: the value of `if v >= 0 { v.sqrt() } else { -(-v).sqrt() }`
    // (−0 included), whose branch-free form computed both roots — four a call, on q6's path.
    let signed_sqrt = |v: f64| v.abs().sqrt().copysign(v);
    Some((signed_sqrt(mm - margin), signed_sqrt(mm + margin)))
}

/// The pair or triplet (k = 2 or 3, positions in `p` into `best`) whose key `|mass − target|`
/// as ROOT computes it — the exact four-vectors summed in slot order, `PxPyPzE4D::M` — is
/// certainly the smallest of all of `p`'s k-combinations, decided on the approximate
/// four-vectors `p` ([`approx_p4`]); `false` when another combination could tie or win, or
/// the inputs are not vouched for (the caller then searches with the exact four-vectors).
///
/// The approximate search ([`closest_mass_combination`](crate::combinations::closest_mass_combination)
/// on `p`; for triplets with AVX2 a single-precision one, which may pick another of nearly tied
/// keys) names a candidate; [`mass_interval`] bounds its exact key by `h`. Every other
/// combination must then certainly have a mass outside `[target − h, target + h]`: its m²
/// interval (the approximate m² ± [`TOLERANCE`]·E²) outside the squares of those bounds,
/// widened by 10⁻⁹ relative against the rounding of the bounds' own arithmetic. Then its
/// exact key exceeds `h`, which is at least the candidate's exact key: the candidate is the
/// strict minimum, the first one whichever way ties would be broken. The candidate always meets
/// its own window, so this holds however it was chosen: a poor choice only leaves the event
/// undecided (`tests::certain_closest_combinations_are_the_exact_ones` checks both).
pub fn closest_mass_certain(p: &[[f64; 4]], k: usize, target: f64, best: &mut [usize]) -> bool {
    closest_certain(p, k, target, best, true)
}

/// [`closest_mass_certain`] of the triplets (k = 3) of many events at once: event `i`'s
/// records are `events[i]` of the columns `p` (`[px, py, pz, E]`, one length), and
/// `decided[i]` becomes `Some(best)` where it decides (the same triplet as
/// `closest_mass_certain` on the event's records, where that decides), `None` elsewhere.
/// Events of 4 to 12 records go sixteen at a time through vector lanes where the CPU has
/// AVX-512 (`triplet_lanes_avx512`), four at a time where it has AVX2 (`triplet_lanes_avx2`),
/// the others one by one.
pub fn closest_triplets_certain(
    p: [&[f64]; 4],
    events: &[std::ops::Range<usize>],
    target: f64,
    decided: &mut [Option<[usize; 3]>],
) {
    closest_triplets_in_lanes(p, events, target, decided, Lanes::Widest)
}

/// How many events [`closest_triplets_in_lanes`] puts through vector lanes at once.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Lanes {
    /// Sixteen with AVX-512 (single precision), else four with AVX2, else none.
    Widest,
    /// Four with AVX2, else none (tested against eight).
    #[cfg_attr(not(test), allow(dead_code))]
    Four,
}

/// [`closest_triplets_certain`] with the lane width chosen.
fn closest_triplets_in_lanes(
    p: [&[f64]; 4],
    events: &[std::ops::Range<usize>],
    target: f64,
    decided: &mut [Option<[usize; 3]>],
    lanes: Lanes,
) {
    let len = p[0].len();
    let fits = |r: &std::ops::Range<usize>| r.start <= r.end && r.end <= len;
    let columns = p.iter().all(|c| c.len() == len);
    // Where the lanes apply: the positions of the events of each size.
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut by_size: Vec<Vec<usize>> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    let sixteen = lanes == Lanes::Widest
        && std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx2");
    #[cfg(target_arch = "x86_64")]
    if columns && std::arch::is_x86_feature_detected!("avx2") {
        by_size.resize(crate::triplet_lanes_avx2::MAX_RECORDS + 1, Vec::new());
    }
    // One event alone, with the double-precision count.
    let mut one = Vec::new();
    let mut alone = |r: &std::ops::Range<usize>| {
        one.clear();
        one.extend(r.clone().map(|i| [p[0][i], p[1][i], p[2][i], p[3][i]]));
        let mut best = [0usize; 3];
        closest_mass_certain(&one, 3, target, &mut best).then_some(best)
    };
    for (e, (r, out)) in events.iter().zip(decided.iter_mut()).enumerate() {
        *out = None;
        if !columns || !fits(r) {
            continue;
        }
        let n = r.len();
        if n >= 4 {
            if let Some(group) = by_size.get_mut(n) {
                group.push(e);
                continue;
            }
        }
        *out = alone(r);
    }
    #[cfg(target_arch = "x86_64")]
    if target.is_finite() && target > 0.0 {
        for (n, group) in by_size.iter().enumerate().filter(|(_, g)| !g.is_empty()) {
            let table = crate::triplet_lanes_avx2::triplets(n);
            let width = if sixteen { 16 } else { 4 };
            for lanes in group.chunks(width) {
                // A short last group repeats its last event in the lanes left.
                let lane = |l: usize| lanes[l.min(lanes.len() - 1)];
                let mut got = [None; 16];
                if sixteen {
                    let starts = std::array::from_fn(|l| events[lane(l)].start);
                    // SAFETY: AVX-512F is present (`sixteen`); each event's range lies within
                    // the columns (`fits`), all of one length.
                    got = unsafe {
                        crate::triplet_lanes_avx512::closest_of_sixteen(
                            p, starts, n, &table, target,
                        )
                    };
                } else {
                    let starts = [0, 1, 2, 3].map(|l| events[lane(l)].start);
                    // SAFETY: AVX2 is present (`by_size` is empty otherwise); each event's
                    // range lies within the columns (`fits`), all of one length.
                    let four = unsafe {
                        crate::triplet_lanes_avx2::closest_of_four(p, starts, n, &table, target)
                    };
                    got[..4].copy_from_slice(&four);
                }
                for (&e, got) in lanes.iter().zip(got) {
                    if let Some(out) = decided.get_mut(e) {
                        // Sixteen lanes count in single precision, whose tolerance leaves about
                        // one event in 800 of q6 undecided: those are counted again alone, in
                        // double precision (all but about one in 500 000 of q6 decide then).
                        *out = match got {
                            None if sixteen => alone(&events[e]),
                            got => got,
                        };
                    }
                }
            }
        }
    }
}

/// [`closest_mass_certain`], with the AVX2 count of triplets allowed (where the CPU has it and
/// the event at most [`MAX_RECORDS`](crate::triplets_avx2::MAX_RECORDS) records) or not (the
/// scalar count, also tested on its own).
fn closest_certain(
    p: &[[f64; 4]],
    k: usize,
    target: f64,
    best: &mut [usize],
    vector: bool,
) -> bool {
    let n = p.len();
    if n == k && (k == 2 || k == 3) && best.len() >= k {
        // One combination: the search's answer whatever its key (NaN included, as the first
        // combination's NaN key stays).
        best[..k].copy_from_slice(&[0, 1, 2][..k]);
        return true;
    }
    let valid = target.is_finite() && target > 0.0 && (k == 2 || k == 3) && best.len() >= k;
    if !valid || n < k || p.iter().any(|q| !q[3].is_finite()) {
        return false;
    }
    // With AVX2, every triplet's m² computed once serves the search and the count.
    #[cfg(target_arch = "x86_64")]
    if vector && k == 3 {
        let decided = crate::triplets_avx2::with_triplet_masses(p, |t| {
            // Any candidate will do: the count below proves it the strict minimum or fails.
            best[..3].copy_from_slice(&t.closest_candidate(target));
            certainty_window(p, &best[..3], target)
                .is_some_and(|(lower2, upper2)| t.count_meeting(TOLERANCE, lower2, upper2) == 1)
        });
        if let Some(decided) = decided {
            return decided;
        }
    }
    let order = [0, 1, 2];
    if !crate::combinations::closest_mass_combination(p, k, &order[..k], target, best) {
        return false;
    }
    let Some((lower2, upper2)) = certainty_window(p, &best[..k], target) else {
        return false;
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = vector; // only x86-64 has a vector path
    let mut contenders = 0u32;
    let meets = |x: f64, y: f64, z: f64, t: f64| {
        let mm = t * t - x * x - y * y - z * z;
        let tol = TOLERANCE * (t * t);
        u32::from(mm - tol <= upper2 && mm + tol >= lower2)
    };
    for i in 0..n {
        for j in i + 1..n {
            let ij = [
                p[i][0] + p[j][0],
                p[i][1] + p[j][1],
                p[i][2] + p[j][2],
                p[i][3] + p[j][3],
            ];
            if k == 2 {
                contenders += meets(ij[0], ij[1], ij[2], ij[3]);
                continue;
            }
            for q in &p[j + 1..] {
                contenders += meets(ij[0] + q[0], ij[1] + q[1], ij[2] + q[2], ij[3] + q[3]);
            }
        }
        if contenders > 1 {
            return false;
        }
    }
    contenders == 1
}

/// The window `[lower2, upper2]` of m² that no combination other than the candidate `best`
/// (positions into `p`) may meet for it to be certainly the closest: the squares of
/// `target ± h`, `h` the bound on the candidate's exact key from [`mass_interval`], widened by
/// 10⁻⁹ relative against the rounding of the bounds' own arithmetic. `None` when the
/// candidate's sum is not vouched for.
fn certainty_window(p: &[[f64; 4]], best: &[usize], target: f64) -> Option<(f64, f64)> {
    let mut sum = p[best[0]];
    for &i in &best[1..] {
        for d in 0..4 {
            sum[d] += p[i][d];
        }
    }
    window_of_sum(sum, target)
}

/// [`certainty_window`] of the candidate's summed four-vector `sum`.
pub(crate) fn window_of_sum(sum: [f64; 4], target: f64) -> Option<(f64, f64)> {
    let (ml, mh) = mass_interval(&sum, &[0.0; 4])?;
    let h = (ml - target).abs().max((mh - target).abs());
    if !h.is_finite() {
        return None;
    }
    let upper = (target + h) * (1.0 + 1e-9);
    let upper2 = upper * upper * (1.0 + 1e-9);
    let lower = (target - h) * (1.0 - 1e-9);
    let lower2 = if lower > 1e-6 * target {
        lower * lower * (1.0 - 1e-9)
    } else {
        f64::NEG_INFINITY
    };
    Some((lower2, upper2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fourvec::{from_pt_eta_phi_m, mass_of, Coords};

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn mass_interval_is_the_signed_roots_of_the_m2_bounds() {
        let mut rng = Rng(17);
        for i in 0..200_000 {
            let mut a = [0.0; 4];
            for v in &mut a[..3] {
                *v = (rng.next() - 0.5) * 200.0;
            }
            // Energies from below the momentum (negative m²) to above it, and m² = ±0.
            let p = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
            a[3] = match i % 4 {
                0 => p,
                1 => p * (0.9 + 0.2 * rng.next()),
                _ => p + 200.0 * rng.next(),
            };
            let b = [0.0; 4];
            let Some((lo, hi)) = mass_interval(&a, &b) else {
                continue;
            };
            let mm = a[3] * a[3] - a[0] * a[0] - a[1] * a[1] - a[2] * a[2];
            let margin = TOLERANCE * (a[3] * a[3]);
            let plain = |v: f64| if v >= 0.0 { v.sqrt() } else { -(-v).sqrt() };
            assert_eq!(lo.to_bits(), plain(mm - margin).to_bits(), "{a:?}");
            assert_eq!(hi.to_bits(), plain(mm + margin).to_bits(), "{a:?}");
        }
    }

    #[test]
    fn polynomials_follow_libm() {
        let mut rng = Rng(5);
        let mut worst = (0.0f64, 0.0f64);
        for i in 0..1_000_000 {
            let u = rng.next();
            let x = match i % 3 {
                0 => 30.0 * u,
                1 => (6.0 * u) as f32 as f64,
                _ => 1e-3 * u,
            };
            let rel = (exp_small(x) - x.exp()).abs() / x.exp();
            worst.0 = worst.0.max(rel);
            let p = match i % 3 {
                0 => (u - 0.5) * 2e5,
                1 => ((u - 0.5) * std::f64::consts::TAU) as f32 as f64,
                _ => (u - 0.5) * 20.0,
            };
            let (s, c) = sin_cos_small(p);
            worst.1 = worst.1.max((s - p.sin()).abs()).max((c - p.cos()).abs());
        }
        assert!(worst.0 < 1e-15, "exp: {:e}", worst.0);
        assert!(worst.1 < 1e-15, "sin/cos: {:e}", worst.1);
    }

    /// A record as NanoAOD stores it (floats), over wide ranges and some awkward values.
    fn record(rng: &mut Rng) -> [f64; 4] {
        let pick = rng.next();
        let pt = if pick < 0.1 {
            1e-3 * rng.next()
        } else if pick < 0.2 {
            1e4 * rng.next()
        } else {
            3.0 + 100.0 * rng.next()
        };
        let eta = if rng.next() < 0.1 {
            (rng.next() - 0.5) * 60.0
        } else {
            (rng.next() - 0.5) * 6.0
        };
        // Within (−π, π] (rounded to a float, the nearest to ±π lies beyond it: left undecided,
        // as ROOT restricts it first); `awkward_inputs_are_left_undecided` tries wider ones.
        let phi = (rng.next() - 0.5) * std::f64::consts::TAU;
        let m = match rng.next() {
            u if u < 0.3 => 0.0,
            u if u < 0.6 => 0.1057,
            _ => 200.0 * rng.next(),
        };
        [pt, eta, phi, m].map(|v| v as f32 as f64)
    }

    #[test]
    fn approximate_components_are_within_their_bound() {
        let mut rng = Rng(11);
        for _ in 0..500_000 {
            let [pt, eta, phi, m] = record(&mut rng);
            let exact = from_pt_eta_phi_m(pt, eta, phi, m, Coords::PxPyPzE);
            let a = approx_p4(pt, eta, phi, m);
            if a[3].is_nan() {
                // Not vouched for: only outside the ranges of the module's notes.
                assert!(
                    phi.abs() >= std::f64::consts::PI || eta.abs() > 30.0,
                    "{pt} {eta} {phi} {m}"
                );
                continue;
            }
            for k in 0..4 {
                assert!(
                    (a[k] - exact[k]).abs() <= 1e-14 * exact[3],
                    "{k}: {} vs {} ({pt} {eta} {phi} {m})",
                    a[k],
                    exact[k]
                );
            }
        }
    }

    #[test]
    fn decisions_never_contradict_the_exact_mass() {
        let mut rng = Rng(23);
        // Decisions on constants far from the mass (1e-4 relative or more), and those taken.
        let (mut far, mut far_decided) = (0u64, 0u64);
        for i in 0..400_000 {
            let (r1, r2) = (record(&mut rng), record(&mut rng));
            let e1 = from_pt_eta_phi_m(r1[0], r1[1], r1[2], r1[3], Coords::PxPyPzE);
            let e2 = from_pt_eta_phi_m(r2[0], r2[1], r2[2], r2[3], Coords::PxPyPzE);
            let m = mass_of(e1[0] + e2[0], e1[1] + e2[1], e1[2] + e2[2], e1[3] + e2[3]);
            let (a1, a2) = (
                approx_p4(r1[0], r1[1], r1[2], r1[3]),
                approx_p4(r2[0], r2[1], r2[2], r2[3]),
            );
            // The exact mass itself, a few ulps and a hair away, and far away, on both sides.
            let step = f64::from_bits(m.abs().to_bits() + 1) - m.abs();
            let cs = [
                m,
                m + step,
                m - step,
                m + 4.0 * step,
                m * (1.0 + 1e-9),
                m * (1.0 - 1e-9),
                m * (1.0 + 1e-4),
                m * (1.0 - 1e-4),
                60.0,
                120.0,
                -m,
                0.0,
            ];
            if let Some((lo, hi)) = mass_interval(&a1, &a2) {
                assert!(
                    lo <= m && m <= hi,
                    "pair {i}: mass {m:e} outside [{lo:e}, {hi:e}]"
                );
                assert!(
                    hi - lo <= 1e-4 * (a1[3] + a2[3]),
                    "pair {i}: [{lo:e}, {hi:e}]"
                );
            }
            for (j, c) in cs.into_iter().enumerate() {
                // Among muons as they are measured: pt 3–103 GeV, |η| < 3.
                let ordinary = [r1, r2]
                    .iter()
                    .all(|r| r[0] >= 3.0 && r[0] <= 103.0 && r[1].abs() <= 3.0);
                let is_far = ordinary && j >= 6 && (c - m).abs() >= 1e-4 * m.abs();
                far += u64::from(is_far);
                if let Some(side) = mass_side(&a1, &a2, c) {
                    far_decided += u64::from(is_far);
                    assert_eq!(
                        m.partial_cmp(&c),
                        Some(side),
                        "pair {i}: mass {m:e}, c {c:e}, {r1:?} {r2:?}"
                    );
                }
            }
        }
        // Constants far from the mass are decided for ordinary muons but for nearly collinear
        // pairs (whose m² is tiny against (E1 + E2)²).
        assert!(
            far_decided > far * 999 / 1000,
            "{far_decided} of {far} decided"
        );
    }

    #[test]
    fn certain_closest_combinations_are_the_exact_ones() {
        use crate::combinations::closest_mass_combination;
        let mut rng = Rng(41);
        let (mut events, mut decided, mut disagree) = (0u32, 0u32, 0u32);
        for e in 0..20_000 {
            let n = 2 + (rng.next() * 10.0) as usize;
            let mut recs: Vec<[f64; 4]> = Vec::new();
            for i in 0..n {
                // Duplicated records give ties between combinations.
                if i > 0 && rng.next() < 0.1 {
                    recs.push(recs[i - 1]);
                } else {
                    let [pt, eta, phi, _] = record(&mut rng);
                    recs.push([pt, eta, phi, (20.0 * rng.next()) as f32 as f64]);
                }
            }
            let exact: Vec<_> = recs
                .iter()
                .map(|r| from_pt_eta_phi_m(r[0], r[1], r[2], r[3], Coords::PxPyPzE))
                .collect();
            let approx: Vec<_> = recs
                .iter()
                .map(|r| approx_p4(r[0], r[1], r[2], r[3]))
                .collect();
            for k in [2, 3] {
                if n < k {
                    continue;
                }
                // A target, or an exact combination's mass (a key of 0, and near-ties).
                let mut first = [0usize; 3];
                let target = if e % 3 == 0 {
                    let s = (0..k).fold([0.0; 4], |s, i| [0, 1, 2, 3].map(|d| s[d] + exact[i][d]));
                    mass_of(s[0], s[1], s[2], s[3])
                } else {
                    [91.2, 172.5, 30.0][e % 3]
                };
                if target.is_nan() || target <= 0.0 {
                    continue;
                }
                let mut want = [0usize; 3];
                assert!(closest_mass_combination(
                    &exact,
                    k,
                    &[0, 1, 2][..k],
                    target,
                    &mut want
                ));
                events += 1;
                let mut scalar = [0usize; 3];
                let certain = closest_certain(&approx, k, target, &mut scalar, false);
                if certain {
                    assert_eq!(
                        scalar[..k],
                        want[..k],
                        "event {e}, k {k}, target {target:e}"
                    );
                }
                // The vector path's candidate (single precision, for k = 3) may differ from
                // the scalar one's where keys nearly tie; what it decides must be exact.
                let vector = closest_mass_certain(&approx, k, target, &mut first);
                if vector {
                    decided += 1;
                    assert_eq!(first[..k], want[..k], "event {e}, k {k}, target {target:e}");
                }
                disagree += u32::from(vector != certain);
            }
        }
        assert!(decided * 10 > events * 7, "{decided} of {events} decided");
        assert!(
            disagree * 1000 < events,
            "{disagree} of {events} decided differently"
        );
    }

    /// Many events at once (four a vector where they have 4–12 records) decide exactly:
    /// every decided triplet is the exact search's, and about as many events are decided as
    /// one at a time.
    #[test]
    fn events_decided_together_are_decided_exactly() {
        use crate::combinations::closest_mass_combination;
        let mut rng = Rng(73);
        for round in 0..40 {
            let (mut exact, mut columns) = (Vec::new(), [(); 4].map(|_| Vec::new()));
            let mut events = Vec::new();
            for e in 0..500 {
                let n = (rng.next() * 16.0) as usize;
                let start = columns[0].len();
                for i in 0..n {
                    let [pt, eta, phi, _] = record(&mut rng);
                    let m = if i > 0 && e % 17 == 0 {
                        -1.0 // not vouched for: an energy of NaN
                    } else {
                        (20.0 * rng.next()) as f32 as f64
                    };
                    exact.push(from_pt_eta_phi_m(pt, eta, phi, m, Coords::PxPyPzE));
                    let a = approx_p4(pt, eta, phi, m);
                    for d in 0..4 {
                        columns[d].push(a[d]);
                    }
                    // A duplicated record now and then: ties between triplets.
                    if rng.next() < 0.05 {
                        for column in &mut columns {
                            let last = *column.last().unwrap();
                            column.push(last);
                        }
                        exact.push(*exact.last().unwrap());
                    }
                }
                events.push(start..columns[0].len());
            }
            // A fixed target, or one event's exact triplet mass (keys of 0 and near-ties).
            let target = if round % 2 == 0 {
                [172.5, 91.2, 30.0][round % 3]
            } else {
                let r = events.iter().find(|r| r.len() >= 3).unwrap().clone();
                let s = (r.start..r.start + 3)
                    .fold([0.0; 4], |s, i| [0, 1, 2, 3].map(|d| s[d] + exact[i][d]));
                mass_of(s[0], s[1], s[2], s[3])
            };
            let [x, y, z, t] = &columns;
            // Eight events a vector (where the CPU has AVX-512) and four.
            for lanes in [Lanes::Widest, Lanes::Four] {
                let mut decided = vec![Some([9, 9, 9]); events.len()];
                closest_triplets_in_lanes([x, y, z, t], &events, target, &mut decided, lanes);
                let (mut together, mut alone) = (0, 0);
                for (r, got) in events.iter().zip(&decided) {
                    let records: Vec<[f64; 4]> =
                        r.clone().map(|i| [x[i], y[i], z[i], t[i]]).collect();
                    let mut best = [0usize; 3];
                    alone += usize::from(closest_mass_certain(&records, 3, target, &mut best));
                    let Some(got) = got else { continue };
                    together += 1;
                    let mut want = [0usize; 3];
                    assert!(closest_mass_combination(
                        &exact[r.clone()],
                        3,
                        &[0, 1, 2],
                        target,
                        &mut want
                    ));
                    assert_eq!(*got, want, "round {round}, event {r:?}, target {target:e}");
                }
                assert!(
                    together * 100 >= alone * 99 && together <= alone + alone / 100 + 1,
                    "round {round}, {lanes:?}: {together} decided together, {alone} alone"
                );
            }
        }
    }

    /// Sixteen events a vector, counted in single precision, straight from the kernel: every
    /// triplet it decides is the exact search's, also among records a hair apart (triplets
    /// whose masses single precision cannot tell apart), and it decides most events.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn sixteen_lanes_decide_exactly() {
        use crate::combinations::closest_mass_combination;
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        let mut rng = Rng(29);
        let (mut lanes, mut decided) = (0usize, 0usize);
        for round in 0..3000 {
            let n = 4 + round % 9;
            let (mut exact, mut columns) = (Vec::new(), [(); 4].map(|_| Vec::new()));
            let mut starts = [0usize; 16];
            for start in &mut starts {
                *start = columns[0].len();
                let mut recs: Vec<[f64; 4]> = Vec::new();
                for i in 0..n {
                    let r = if i > 0 && rng.next() < 0.15 {
                        // A record a hair from the one before: near-tied triplets.
                        let mut r = recs[i - 1];
                        r[1] += 1e-7 * (rng.next() - 0.5);
                        r[2] += 1e-7 * (rng.next() - 0.5);
                        r
                    } else if round % 3 == 0 {
                        record(&mut rng)
                    } else {
                        // Jets of q6's sort.
                        [
                            20.0 + 200.0 * rng.next(),
                            (rng.next() - 0.5) * 5.0,
                            (rng.next() - 0.5) * std::f64::consts::TAU,
                            (30.0 * rng.next()) as f32 as f64,
                        ]
                    };
                    recs.push(r);
                    exact.push(from_pt_eta_phi_m(r[0], r[1], r[2], r[3], Coords::PxPyPzE));
                    let a = approx_p4(r[0], r[1], r[2], r[3]);
                    for d in 0..4 {
                        columns[d].push(a[d]);
                    }
                }
            }
            // A fixed target, or a lane's exact triplet mass (keys of 0, near-ties).
            let target = if round % 2 == 0 {
                [172.5, 91.2, 30.0][round % 3]
            } else {
                let s = (0..3).fold([0.0; 4], |s, i| {
                    [0, 1, 2, 3].map(|d| s[d] + exact[starts[round % 16] + i][d])
                });
                mass_of(s[0], s[1], s[2], s[3])
            };
            if !(target.is_finite() && target > 0.0) {
                continue;
            }
            let [x, y, z, t] = &columns;
            let table = crate::triplet_lanes_avx2::triplets(n);
            // SAFETY: AVX-512F is present (checked above); every event's n records lie within
            // the columns.
            let got = unsafe {
                crate::triplet_lanes_avx512::closest_of_sixteen(
                    [x, y, z, t],
                    starts,
                    n,
                    &table,
                    target,
                )
            };
            for (l, got) in got.iter().enumerate() {
                lanes += 1;
                let Some(got) = got else { continue };
                decided += 1;
                let mut want = [0usize; 3];
                assert!(closest_mass_combination(
                    &exact[starts[l]..starts[l] + n],
                    3,
                    &[0, 1, 2],
                    target,
                    &mut want
                ));
                assert_eq!(*got, want, "round {round}, lane {l}, target {target:e}");
            }
        }
        assert!(decided * 10 > lanes * 7, "{decided} of {lanes} decided");
    }

    #[test]
    fn one_combination_is_the_answer_whatever_its_key() {
        use crate::combinations::closest_mass_combination;
        let nan = [f64::NAN; 4];
        let fine = approx_p4(40.0, 0.1, 0.2, 0.1);
        for k in [2, 3] {
            for p in [vec![nan; k], vec![fine; k]] {
                for target in [172.5, f64::NAN, -1.0] {
                    let (mut got, mut want) = ([9; 3], [9; 3]);
                    assert!(closest_mass_certain(&p, k, target, &mut got));
                    assert!(closest_mass_combination(
                        &p,
                        k,
                        &[0, 1, 2][..k],
                        target,
                        &mut want
                    ));
                    assert_eq!(got[..k], want[..k], "k {k}, target {target}");
                }
            }
        }
    }

    #[test]
    fn column_passes_give_each_record_s_bits() {
        let mut rng = Rng(77);
        let mut recs: Vec<[f64; 4]> = (0..4099).map(|_| record(&mut rng)).collect();
        // Inputs the approximation refuses, and an odd length (a partial last vector).
        for (i, bad) in [f64::NAN, f64::INFINITY, -3.0, 0.0, 1e31, 5e-324]
            .into_iter()
            .enumerate()
        {
            recs[7 * i + 1][i % 4] = bad;
        }
        let cols: Vec<Vec<f64>> = (0..4)
            .map(|d| recs.iter().map(|r| r[d]).collect())
            .collect();
        let want: Vec<[u64; 4]> = recs
            .iter()
            .map(|r| approx_p4(r[0], r[1], r[2], r[3]).map(f64::to_bits))
            .collect();
        let check = |p: &ApproxP4s, what: &str| {
            for (i, w) in want.iter().enumerate() {
                let got = p.at(i).map(|q| q.map(f64::to_bits));
                assert_eq!(got.as_ref(), Some(w), "{what}, record {i}: {:?}", recs[i]);
            }
        };
        let (pt, eta, phi, m) = (&cols[0], &cols[1], &cols[2], &cols[3]);
        check(&ApproxP4s::compute(pt, eta, phi, m), "compute");
        let n = pt.len();
        check(
            &filled(n, |room| approx_columns(pt, eta, phi, m, room)),
            "portable",
        );
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present.
                let out = filled(n, |room| unsafe {
                    approx_columns_avx2(pt, eta, phi, m, room)
                });
                check(&out, "AVX2");
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: AVX-512F is present.
                let out = filled(n, |room| unsafe {
                    approx_columns_avx512(pt, eta, phi, m, room)
                });
                check(&out, "AVX-512");
            }
        }
    }

    #[test]
    fn awkward_inputs_are_left_undecided() {
        for r in [
            [0.0, 1.0, 0.0, 0.1],
            [-5.0, 1.0, 0.0, 0.1],
            [f64::NAN, 1.0, 0.0, 0.1],
            [5.0, f64::INFINITY, 0.0, 0.1],
            [5.0, 31.0, 0.0, 0.1],
            [5.0, 1.0, 2e5, 0.1],
            [5.0, 1.0, 3.141_592_741_012_573_2, 0.1], // the float nearest π, above it
            [5.0, 1.0, -std::f64::consts::PI, 0.1],
            [5.0, 1.0, 4.0, 0.1],
            [5.0, 1.0, 0.0, -0.1],
            [5.0, 1.0, 0.0, f64::NAN],
            [1e31, 1.0, 0.0, 0.1],
        ] {
            let p = approx_p4(r[0], r[1], r[2], r[3]);
            assert!(p[3].is_nan(), "{r:?}");
            let fine = approx_p4(40.0, 0.1, 0.2, 0.1);
            for c in [0.0, 1.0, 1e3] {
                assert_eq!(mass_side(&p, &fine, c), None, "{r:?}");
            }
        }
        let a = approx_p4(40.0, 0.1, 0.2, 0.1);
        let b = approx_p4(30.0, -0.4, 2.9, 0.1);
        assert_eq!(mass_side(&a, &b, f64::NAN), None);
        assert_eq!(mass_side(&a, &b, f64::INFINITY), None);
        assert_eq!(mass_side(&a, &b, 1.0), Some(Ordering::Greater));
        let tiny = approx_p4(1e-120, 0.0, 0.0, 0.0);
        assert_eq!(mass_side(&tiny, &tiny, 0.0), None);
    }
}

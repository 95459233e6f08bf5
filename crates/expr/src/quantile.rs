//! Bit-exact port of ROOT's normal (Gaussian) quantile function.
//!
//! This module mirrors ROOT 6.40 (`root-project/root`, `math/mathcore`):
//!
//! * `math/mathcore/src/QuantFuncMathCore.cxx`: `ROOT::Math::normal_quantile`
//!   (`sigma * Cephes::ndtri(z)`); `ROOT::Math::gaussian_quantile` is the inline
//!   alias declared in `math/mathcore/inc/Math/QuantFuncMathCore.h`.
//! * `math/mathcore/src/SpecFuncCephesInv.cxx`: `ROOT::Math::Cephes::ndtri`
//!   (Cephes 2.8 inverse of the normal CDF, with ROOT's domain handling:
//!   `z <= 0` gives `-inf`, `z >= 1` gives `+inf`).
//! * `math/mathcore/src/SpecFuncCephes.cxx` / `SpecFuncCephes.h`:
//!   `ROOT::Math::Polynomialeval` and `ROOT::Math::Polynomial1eval`.
//!
//! Every constant and every floating-point operation is kept in the same order
//! as the C++ code (no fused multiply-add), and `f64::ln` / `f64::sqrt` map to
//! the same libm `log` / IEEE `sqrt` that ROOT uses, so results are identical
//! to ROOT's bit for bit.
//!
//! Special cases (as in ROOT): `z <= 0` (including `-0.0`) returns
//! `-inf * sigma`, `z >= 1` returns `+inf * sigma` (so `sigma = 0` gives NaN
//! there, exactly like ROOT), and a NaN `z` gives NaN.

// The coefficients are copied verbatim from Cephes/ROOT (more digits than an
// f64 holds); Rust rounds them to the same doubles as the C++ compiler does.
#![allow(clippy::excessive_precision, clippy::unreadable_literal)]

/// sqrt(2 pi), Cephes `s2pi`.
const S2PI: f64 = 2.50662827463100050242E0;

/// exp(-2), the Cephes threshold between the central and tail approximations.
const EXPM2: f64 = 0.13533528323661269189;

/// Central region, numerator: approximation for 0 <= |y - 0.5| <= 3/8.
const P0: [f64; 5] = [
    -5.99633501014107895267E1,
    9.80010754185999661536E1,
    -5.66762857469070293439E1,
    1.39312609387279679503E1,
    -1.23916583867381258016E0,
];

/// Central region, denominator (leading coefficient 1 implied).
const Q0: [f64; 8] = [
    1.95448858338141759834E0,
    4.67627912898881538453E0,
    8.63602421390890590575E1,
    -2.25462687854119370527E2,
    2.00260212380060660359E2,
    -8.20372256168333339912E1,
    1.59056225126211695515E1,
    -1.18331621121330003142E0,
];

/// Tail, numerator, for z = sqrt(-2 log y) between 2 and 8
/// (y between exp(-2) = .135 and exp(-32) = 1.27e-14).
const P1: [f64; 9] = [
    4.05544892305962419923E0,
    3.15251094599893866154E1,
    5.71628192246421288162E1,
    4.40805073893200834700E1,
    1.46849561928858024014E1,
    2.18663306850790267539E0,
    -1.40256079171354495875E-1,
    -3.50424626827848203418E-2,
    -8.57456785154685413611E-4,
];

/// Tail, denominator (leading coefficient 1 implied), for 2 <= z < 8.
const Q1: [f64; 8] = [
    1.57799883256466749731E1,
    4.53907635128879210584E1,
    4.13172038254672030440E1,
    1.50425385692907503408E1,
    2.50464946208309415979E0,
    -1.42182922854787788574E-1,
    -3.80806407691578277194E-2,
    -9.33259480895457427372E-4,
];

/// Far tail, numerator, for z = sqrt(-2 log y) between 8 and 64
/// (y between exp(-32) and exp(-2048)).
const P2: [f64; 9] = [
    3.23774891776946035970E0,
    6.91522889068984211695E0,
    3.93881025292474443415E0,
    1.33303460815807542389E0,
    2.01485389549179081538E-1,
    1.23716634817820021358E-2,
    3.01581553508235416007E-4,
    2.65806974686737550832E-6,
    6.23974539184983293730E-9,
];

/// Far tail, denominator (leading coefficient 1 implied), for z >= 8.
const Q2: [f64; 8] = [
    6.02427039364742014255E0,
    3.67983563856160859403E0,
    1.37702099489081330271E0,
    2.16236993594496635890E-1,
    1.34204006088543189037E-2,
    3.28014464682127739104E-4,
    2.89247864745380683936E-6,
    6.79019408009981274425E-9,
];

/// ROOT's `Polynomialeval(x, a, N)`: `a[0] x^N + a[1] x^(N-1) + ... + a[N]`,
/// evaluated by Horner's rule in the same order (`pom = pom * x + a[i]`).
/// `N` is `a.len() - 1`.
fn polynomial_eval(x: f64, a: &[f64]) -> f64 {
    let mut iter = a.iter();
    let mut pom = match iter.next() {
        Some(&first) => first,
        None => return 0.0,
    };
    for &c in iter {
        pom = pom * x + c;
    }
    pom
}

/// ROOT's `Polynomial1eval(x, a, N)`: `x^N + a[0] x^(N-1) + ... + a[N-1]`
/// (leading coefficient 1), evaluated as `pom = x + a[0]`, then
/// `pom = pom * x + a[i]`. `N` is `a.len()`.
fn polynomial1_eval(x: f64, a: &[f64]) -> f64 {
    let mut iter = a.iter();
    let mut pom = match iter.next() {
        Some(&first) => x + first,
        None => return 0.0,
    };
    for &c in iter {
        pom = pom * x + c;
    }
    pom
}

/// ROOT's `Cephes::ndtri(y0)`: the x for which the standard normal CDF equals y0.
fn ndtri(y0: f64) -> f64 {
    if y0 <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if y0 >= 1.0 {
        return f64::INFINITY;
    }
    let mut negate = true; // Cephes `code = 1`
    let mut y = y0;
    if y > (1.0 - EXPM2) {
        y = 1.0 - y;
        negate = false;
    }
    if y > EXPM2 {
        y -= 0.5;
        let y2 = y * y;
        let mut x = y + y * (y2 * polynomial_eval(y2, &P0) / polynomial1_eval(y2, &Q0));
        x *= S2PI;
        return x;
    }
    let x = (-2.0 * y.ln()).sqrt();
    let x0 = x - x.ln() / x;
    let z = 1.0 / x;
    let x1 = if x < 8.0 {
        z * polynomial_eval(z, &P1) / polynomial1_eval(z, &Q1)
    } else {
        z * polynomial_eval(z, &P2) / polynomial1_eval(z, &Q2)
    };
    let mut x = x0 - x1;
    if negate {
        x = -x;
    }
    x
}

/// Inverse of the lower-tail CDF of a normal distribution with mean 0 and
/// standard deviation `sigma`, bit-identical to ROOT's
/// `ROOT::Math::normal_quantile(z, sigma)` (`sigma * Cephes::ndtri(z)`).
///
/// Returns `-inf * sigma` for `z <= 0`, `+inf * sigma` for `z >= 1`, and NaN
/// for NaN input. Never panics.
pub fn normal_quantile(z: f64, sigma: f64) -> f64 {
    sigma * ndtri(z)
}

/// Alias of [`normal_quantile`], bit-identical to ROOT's inline
/// `ROOT::Math::gaussian_quantile(z, sigma)`.
pub fn gaussian_quantile(z: f64, sigma: f64) -> f64 {
    normal_quantile(z, sigma)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference bit patterns: ROOT 6.40.00, ROOT.Math.gaussian_quantile(z, sigma).
    // (z_bits, sigma, expected_bits)
    const CASES: &[(u64, f64, u64)] = &[
        // AGC k=0: z = 0.0005, result = -0.16452633657459473
        (0x3f40624dd2f1a9fc, 0.05, 0xbfc50f32f17593cd),
        // AGC k=999 (0.001*999 + 0.0005): z = 0.9994999999999999, result = 0.16452633657459317
        (0x3feffbe76c8b4395, 0.05, 0x3fc50f32f1759395),
        // AGC k=500: z = 0.5005, result = 6.266572327162083e-05
        (0x3fe004189374bc6a, 0.05, 0x3f106d6ced99be59),
        // AGC k=123: z = 0.1235, result = -0.05788334458614147
        (0x3fbf9db22d0e5604, 0.05, 0xbfada2e2bff60e18),
        // sigma 1: z = 0.0005, result = -3.2905267314918945
        (0x3f40624dd2f1a9fc, 1.0, 0xc00a52ffadd2f8c0),
        // sigma 1: z = 0.9995, result = 3.2905267314919255
        (0x3feffbe76c8b4396, 1.0, 0x400a52ffadd2f906),
        // central: z = 0.3, result = -0.026220025635402044
        (0x3fd3333333333333, 0.05, 0xbf9ad96c226ad660),
        // median: z = 0.5, result = 0.0
        (0x3fe0000000000000, 1.0, 0x0000000000000000),
        // central: z = 0.7, result = 0.5244005127080407
        (0x3fe6666666666666, 1.0, 0x3fe0c7e39582c5fa),
        // central, sigma 2.5: z = 0.84, result = 2.4861447080243826
        (0x3feae147ae147ae1, 2.5, 0x4003e39fd630b49e),
        // lower tail, x < 8 branch: z = 0.02425, result = -1.972961051311885
        (0x3f98d4fdf3b645a2, 1.0, 0xbfff913f9b7aa943),
        // upper tail, x < 8 branch: z = 0.97575, result = 1.972961051311885
        (0x3fef395810624dd3, 1.0, 0x3fff913f9b7aa943),
        // just below exp(-2): tail branch: z = 0.13533528323661267, result = -1.10151962849875
        (0x3fc152aaa3bf81cb, 1.0, 0xbff19fd30bc4de02),
        // just above exp(-2): central branch: z = 0.13533528323661273, result = -1.1015196284987503
        (0x3fc152aaa3bf81cd, 1.0, 0xbff19fd30bc4de03),
        // far lower tail, x >= 8 branch: z = 1e-20, result = -9.262340089798409
        (0x3bc79ca10c924223, 1.0, 0xc022865170b43a4d),
        // far lower tail: z = 1e-300, result = -37.0470962993612
        (0x01a56e1fc2f8f359, 1.0, 0xc04286074064c26e),
        // smallest subnormal: z = 5e-324, result = -38.467405617144344
        (0x0000000000000001, 1.0, 0xc0433bd3f27fcd03),
        // upper edge, 1 - 1e-16 (largest double below 1): z = 0.9999999999999999, result = 8.209536151601387
        (0x3fefffffffffffff, 1.0, 0x40206b48528cea52),
        // negative sigma: z = 1e-300, result = 1.8523548149680602
        (0x01a56e1fc2f8f359, -0.05, 0x3ffda33ecd6e03e4),
    ];

    #[test]
    fn matches_root_bit_for_bit() {
        for &(zb, sigma, eb) in CASES {
            let z = f64::from_bits(zb);
            let got = gaussian_quantile(z, sigma);
            assert_eq!(
                got.to_bits(),
                eb,
                "z = {z:e} sigma = {sigma}: got {got:e}, expected {:e}",
                f64::from_bits(eb)
            );
            assert_eq!(normal_quantile(z, sigma).to_bits(), eb);
        }
    }

    #[test]
    fn agc_arguments_are_finite_and_symmetric() {
        for k in 0..1000u32 {
            let z = 0.001 * f64::from(k) + 0.0005;
            let v = gaussian_quantile(z, 0.05);
            assert!(v.is_finite());
            assert_eq!(v.is_sign_negative(), z < 0.5);
        }
    }

    #[test]
    fn out_of_range_and_nan() {
        assert_eq!(gaussian_quantile(0.0, 1.0), f64::NEG_INFINITY);
        assert_eq!(gaussian_quantile(-0.0, 1.0), f64::NEG_INFINITY);
        assert_eq!(gaussian_quantile(-1.0, 0.05), f64::NEG_INFINITY);
        assert_eq!(gaussian_quantile(1.0, 1.0), f64::INFINITY);
        assert_eq!(gaussian_quantile(2.0, 0.05), f64::INFINITY);
        assert_eq!(gaussian_quantile(f64::INFINITY, 1.0), f64::INFINITY);
        assert_eq!(gaussian_quantile(f64::NEG_INFINITY, 1.0), f64::NEG_INFINITY);
        assert!(gaussian_quantile(f64::NAN, 1.0).is_nan());
        assert!(gaussian_quantile(0.5, f64::NAN).is_nan());
        assert!(gaussian_quantile(1.0, 0.0).is_nan());
    }
}

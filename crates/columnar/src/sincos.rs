//! `sin` and `cos` of azimuthal angles read from a file, the same bits as glibc's `sincos`
//! (which ROOT's `PtEtaPhiMVector` calls through `std::cos` and `std::sin`), many at a time in
//! a third of its time: [`sin_cos_many`], 9.2 against 26 ns an angle (`cargo bench -p columnar
//! --bench sincos`).
//!
//! The angles of a collection are `float` branches (`Jet_phi`), so the four-vector code takes
//! `sin` and `cos` of doubles that are floats, almost all within `[−π, π]`. For those — any
//! float of magnitude at most 3.2 — both are computed in double-double arithmetic, 32 at a time
//! in AVX-512 registers (`sincos_avx512`): `x − kπ/2` to about 2⁻⁸⁰ relative (π/2 in two
//! parts; the first subtraction exact), Taylor polynomials to `r²³` and `r²²` with their first
//! four terms in double-double, a relative error below 2⁻⁶⁸; then rounded to nearest. That is
//! the correctly rounded value. glibc's is not always: its `sin` is up to 0.511 ULP off
//! (`sin(0.12698958814144135)`, a float), so where the exact value lies within 2⁻⁵⁸ (relative:
//! 0.016–0.031 ULP) of a point halfway between two doubles, glibc may round it the other way,
//! and those angles (2.3 % of all floats, 10 % of angles spread evenly over `[−π, π]`) are left to
//! glibc, as is every other input.
//!
//! That this gives glibc's bits is not left to the argument: `every_float_angle_matches_glibc`
//! (`scripts/sincos_exhaustive.sh`, 20 seconds on two cores; rerun it after any change to the
//! kernel) compares all 2 157 549 980 floats in `[−3.2, 3.2]` through [`sin_cos_many`] with
//! glibc 2.36's `sincos`, bit for bit: all equal, 97.7 % of them decided by the double-double
//! path. With the margin at 2⁻⁵⁹ it finds the angle above among others; at 0 the sampled test
//! below (which compares every 997th float, every 9973rd in a debug build) fails within
//! seconds.
//!
//! The fast path needs AVX-512F and FMA (runtime detection) and a glibc whose version was
//! compared ([`VERIFIED_GLIBC`]); elsewhere, or with `HEPFRAME_SINCOS=libm` in the environment,
//! [`sin_cos_many`] calls glibc for each angle.

// The constants and the margin serve the x86-64 kernel only.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

/// π/2 as a double-double: `PIO2_HI + PIO2_LO` is within 1.5 × 10⁻³³ of it.
pub(crate) const PIO2_HI: f64 = std::f64::consts::FRAC_PI_2;
pub(crate) const PIO2_LO: f64 = 6.123_233_995_736_766e-17;
pub(crate) const TWO_OVER_PI: f64 = std::f64::consts::FRAC_2_PI;

/// Taylor coefficients of `sin r = r + r·z·(S1 + z·(S2 + z·(S3 + z·(S4 + …))))`, `z = r²`,
/// `(−1)ᵏ/(2k+1)!`: the first three as double-doubles.
pub(crate) const S1: (f64, f64) = (-0.166_666_666_666_666_66, -9.251_858_538_542_97e-18);
pub(crate) const S2: (f64, f64) = (0.008_333_333_333_333_333, 1.156_482_317_317_871_4e-19);
pub(crate) const S3: (f64, f64) = (-0.000_198_412_698_412_698_4, -1.720_955_829_342_070_5e-22);
pub(crate) const S_TAIL: [f64; 8] = [
    2.755_731_922_398_589_3e-6,
    -2.505_210_838_544_172e-8,
    1.605_904_383_682_161_3e-10,
    -7.647_163_731_819_816e-13,
    2.811_457_254_345_520_6e-15,
    -8.220_635_246_624_33e-18,
    1.957_294_106_339_126_3e-20,
    -3.868_170_170_630_684e-23,
];
/// `cos r = 1 + z·(−1/2 + z·(C2 + z·(C3 + z·(C4 + …))))`, `(−1)ᵏ/(2k)!`: `C2` and `C3` as
/// double-doubles.
pub(crate) const C2: (f64, f64) = (0.041_666_666_666_666_664, 2.312_964_634_635_742_7e-18);
pub(crate) const C3: (f64, f64) = (-0.001_388_888_888_888_889, 5.300_543_954_373_577e-20);
pub(crate) const C_TAIL: [f64; 8] = [
    2.480_158_730_158_73e-5,
    -2.755_731_922_398_589e-7,
    2.087_675_698_786_81e-9,
    -1.147_074_559_772_972_5e-11,
    4.779_477_332_387_385e-14,
    -1.561_920_696_858_622_5e-16,
    4.110_317_623_312_165e-19,
    -8.896_791_392_450_574e-22,
];

/// Largest magnitude of the fast path: every float `φ` in `[−π, π]`, the float nearest π
/// (above it) included.
pub const FAST_RANGE: f64 = 3.2;

/// Relative distance from a halfway point below which the result is left to glibc: glibc's own
/// rounding errors (up to 0.511 ULP) need it, the evaluation's (below 2⁻⁶⁸: the tails of the
/// polynomials from `r⁹` and `r⁸` on, in double precision, are below 3·10⁻⁶ and 3·10⁻⁵ of the
/// result) are far inside; the smallest power of two that the exhaustive comparison passes.
pub(crate) const HARD_CASE: f64 = 3.469_446_951_953_614e-18; // 2⁻⁵⁸

/// The glibc versions whose `sin` and `cos` the exhaustive comparison was run against (all
/// floats of `[−3.2, 3.2]` equal): elsewhere the fast path is not taken. Another version is
/// added after `scripts/sincos_exhaustive.sh` passes with it.
pub const VERIFIED_GLIBC: &[&str] = &["2.36"];

/// Whether this process takes the fast path: an x86-64 CPU with AVX-512F and FMA, a glibc of
/// [`VERIFIED_GLIBC`], and no `HEPFRAME_SINCOS=libm` in the environment.
pub fn fast_path_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| {
        let cpu = {
            #[cfg(target_arch = "x86_64")]
            {
                std::arch::is_x86_feature_detected!("fma")
                    && std::arch::is_x86_feature_detected!("avx512f")
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                false
            }
        };
        cpu && glibc_version().is_some_and(|v| VERIFIED_GLIBC.contains(&v.as_str()))
            && std::env::var_os("HEPFRAME_SINCOS").is_none_or(|v| v != "libm")
    })
}

/// The running glibc's version (`gnu_get_libc_version`), `None` off glibc.
pub fn glibc_version() -> Option<String> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn gnu_get_libc_version() -> *const std::os::raw::c_char;
        }
        // SAFETY: glibc returns a pointer to a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) };
        Some(v.to_string_lossy().into_owned())
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// The C library's `(sin x, cos x)`: one `sincos` call on glibc, which computes both with the
/// same kernels as `sin` and `cos` (LLVM makes this substitution itself where it sees both
/// calls); elsewhere the two calls. One angle at a time this is as fast as it gets: the
/// double-double path pays off only for many ([`sin_cos_many`]).
#[inline]
pub fn sin_cos(x: f64) -> (f64, f64) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn sincos(x: f64, sin: *mut f64, cos: *mut f64);
        }
        let (mut s, mut c) = (0.0, 0.0);
        // SAFETY: glibc's sincos writes one double through each valid pointer.
        unsafe { sincos(x, &mut s, &mut c) };
        (s, c)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        (x.sin(), x.cos())
    }
}

/// `(sin x, cos x)` of every `x` of `xs` into `sin` and `cos`, the same bits as [`sin_cos`]:
/// 32 at a time in vector registers where the fast path is enabled ([`fast_path_enabled`]),
/// the hard cases and other inputs through glibc. Panics if the three lengths differ.
pub fn sin_cos_many(xs: &[f64], sin: &mut [f64], cos: &mut [f64]) {
    sin_cos_counted(xs, sin, cos);
}

/// [`sin_cos_many`], returning how many values the double-double path decided.
fn sin_cos_counted(xs: &[f64], sin: &mut [f64], cos: &mut [f64]) -> usize {
    assert!(xs.len() == sin.len() && xs.len() == cos.len());
    #[cfg(target_arch = "x86_64")]
    if fast_path_enabled() {
        // SAFETY: `fast_path_enabled` checked AVX-512F and FMA.
        return unsafe { crate::sincos_avx512::many(xs, sin, cos) };
    }
    for ((x, s), c) in xs.iter().zip(sin.iter_mut()).zip(cos.iter_mut()) {
        (*s, *c) = sin_cos(*x);
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `step`-th float of `[0, 3.2]` from `offset`, both signs, through
    /// [`sin_cos_many`] against glibc one by one; how many the fast path decided, of how many.
    fn compare_floats(step: usize, offset: u32) -> (u64, u64) {
        let top = (FAST_RANGE as f32).to_bits() + 1;
        let (mut fast, mut all) = (0u64, 0u64);
        let mut xs = Vec::with_capacity(8192);
        let (mut sin, mut cos) = (vec![0.0; 8192], vec![0.0; 8192]);
        let mut bits = (offset..top).step_by(step).peekable();
        while bits.peek().is_some() {
            xs.clear();
            for b in bits.by_ref().take(4096) {
                let v = f32::from_bits(b) as f64;
                xs.extend([v, -v]);
            }
            let n = xs.len();
            fast += sin_cos_counted(&xs, &mut sin[..n], &mut cos[..n]) as u64;
            for (i, &x) in xs.iter().enumerate() {
                let want = sin_cos(x);
                assert_eq!(
                    (sin[i].to_bits(), cos[i].to_bits()),
                    (want.0.to_bits(), want.1.to_bits()),
                    "sin_cos_many at {x:e} = {:?}, glibc {want:?}",
                    (sin[i], cos[i])
                );
            }
            all += n as u64;
        }
        (fast, all)
    }

    #[test]
    fn float_angles_match_glibc() {
        let (fast, all) = compare_floats(if cfg!(debug_assertions) { 9973 } else { 997 }, 7);
        if fast_path_enabled() {
            // Almost all take the fast path (the hard cases are a few per cent).
            assert!(fast * 100 > all * 90, "{fast} of {all} on the fast path");
        }
        let _ = (fast, all);
    }

    /// All 2.16 × 10⁹ floats of `[−3.2, 3.2]` (`scripts/sincos_exhaustive.sh`).
    #[test]
    #[ignore = "20 s in release mode on two cores (hours in debug): scripts/sincos_exhaustive.sh"]
    fn every_float_angle_matches_glibc() {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let counts: Vec<(u64, u64)> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                .map(|t| s.spawn(move || compare_floats(threads, t as u32)))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let (fast, all) = counts.iter().fold((0, 0), |(f, a), (g, b)| (f + g, a + b));
        println!(
            "{all} angles equal to glibc {}'s, {fast} of them on the fast path{}",
            glibc_version().unwrap_or_default(),
            if fast_path_enabled() {
                ""
            } else {
                " (not taken here: glibc's are compared with themselves)"
            }
        );
    }

    #[test]
    fn other_inputs_are_glibc_s() {
        for x in [
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.1, // not a float
            std::f64::consts::PI,
            3.3,
            -1e300,
            5e-324,
            f32::MIN_POSITIVE as f64,
            1.0e-45f32 as f64,
        ] {
            // Alone, and among float angles (lanes decided and not in one register).
            let xs = [x, 1.0, -2.5, x, 0.25, x, 3.0, x, x];
            let (mut sin, mut cos) = ([0.0; 9], [0.0; 9]);
            sin_cos_many(&xs, &mut sin, &mut cos);
            for i in 0..9 {
                let want = sin_cos(xs[i]);
                assert_eq!(sin[i].to_bits(), want.0.to_bits(), "{}", xs[i]);
                assert_eq!(cos[i].to_bits(), want.1.to_bits(), "{}", xs[i]);
            }
        }
    }
}

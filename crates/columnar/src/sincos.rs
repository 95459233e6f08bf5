//! `sin` and `cos` of azimuthal angles read from a file, the same bits as glibc's `sincos`
//! (which ROOT's `PtEtaPhiMVector` calls through `std::cos` and `std::sin`), many at a time in
//! a sixth of its time: [`sin_cos_many`], 3.1 against 17.6 ns an angle (`cargo bench -p
//! columnar --bench sincos`, Intel Xeon with AVX-512, 2026-12-07).
//!
//! The angles of a collection are `float` branches (`Jet_phi`), so the four-vector code takes
//! `sin` and `cos` of doubles that are floats, almost all within `[−π, π]`. For those — any
//! float of magnitude at most [`FAST_RANGE`] — the fast path computes what glibc computes, the
//! same way: glibc's algorithm (the IBM Accurate Mathematical Library's, a table of `sin` and
//! `cos` at multiples of 1/128 and short polynomials in double-double style) step for step, each
//! multiply-add fused where glibc's FMA build (`__sincos_fma`, which glibc picks on every CPU
//! with FMA and AVX2) fuses it — [`crate::sincos_ibm`], one angle at a time, and
//! `sincos_avx512`, eight a vector. Every other input goes to glibc.
//!
//! That this gives glibc's bits is not left to the argument: `every_float_angle_matches_glibc`
//! (`scripts/sincos_exhaustive.sh`, 40 seconds on two cores for both the vector and the
//! one-at-a-time code; rerun it after any change to either) compares all 2 157 549 980 floats
//! in `[−3.2, 3.2]` through [`sin_cos_many`] with glibc 2.36's `sincos`, bit for bit: all
//! equal, all but ±3.2 itself decided by the fast path. The sampled test below compares every
//! 997th float (every 9973rd in a debug build).
//!
//! The fast path replaced a double-double evaluation (2026-12-07) that computed the correctly
//! rounded values and left the 10 % of angles within 2⁻⁵⁸ of a rounding boundary to glibc
//! (whose `sin` is up to 0.511 ULP off, so it may round those the other way): 9.2 ns an
//! angle. Reproducing glibc's own steps needs no such margin and no call back.
//!
//! The fast path needs AVX-512F and FMA (runtime detection) and a glibc whose version was
//! compared ([`VERIFIED_GLIBC`]); elsewhere, or with `HEPFRAME_SINCOS=libm` in the environment,
//! [`sin_cos_many`] calls glibc for each angle.

/// Largest magnitude of the fast path: every float `φ` in `[−π, π]`, the float nearest π
/// (above it) included.
pub const FAST_RANGE: f64 = 3.2;

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
/// vector path pays off only for many ([`sin_cos_many`]).
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
/// eight at a time in vector registers where the fast path is enabled ([`fast_path_enabled`]),
/// other inputs through glibc. Panics if the three lengths differ.
pub fn sin_cos_many(xs: &[f64], sin: &mut [f64], cos: &mut [f64]) {
    sin_cos_counted(xs, sin, cos);
}

/// [`sin_cos_many`], returning how many values the fast path decided.
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

    /// That `sin` and `cos` of `xs` are glibc's, bit for bit.
    fn assert_glibc_s(xs: &[f64], sin: &[f64], cos: &[f64]) {
        for (i, &x) in xs.iter().enumerate() {
            let want = sin_cos(x);
            assert_eq!(
                (sin[i].to_bits(), cos[i].to_bits()),
                (want.0.to_bits(), want.1.to_bits()),
                "sin_cos_many at {x:e} = {:?}, glibc {want:?}",
                (sin[i], cos[i])
            );
        }
    }

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
            assert_glibc_s(&xs, &sin[..n], &cos[..n]);
            all += n as u64;
        }
        (fast, all)
    }

    #[test]
    fn float_angles_match_glibc() {
        let (fast, all) = compare_floats(if cfg!(debug_assertions) { 9973 } else { 997 }, 7);
        if fast_path_enabled() {
            // All take the fast path but ±3.2 as a float (3.2000000477, past the range).
            assert!(fast + 2 >= all, "{fast} of {all} on the fast path");
        }
        let _ = (fast, all);
    }

    /// Doubles that are not floats (angles computed in double precision, or read from
    /// `double` branches) take the same steps: random ones of `[−3.2, 3.2]` and of each range's
    /// edges, against glibc.
    #[test]
    fn double_angles_match_glibc() {
        let mut rng = crate::test_rng::Xorshift(11);
        let n = if cfg!(debug_assertions) {
            20_000
        } else {
            400_000
        };
        let mut xs: Vec<f64> = (0..n).map(|_| (rng.unit() - 0.5) * 6.4).collect();
        // Around the ranges' ends (2⁻²⁷, 0.126, 0.855469, 2.426265), both signs.
        let ends = [0x3e40_0000u64, 0x3feb_6000, 0x4003_68fd].map(|k| f64::from_bits(k << 32));
        for edge in [ends[0], 0.126, ends[1], ends[2]] {
            for k in 0..2000u64 {
                let x = f64::from_bits(f64::to_bits(edge) - 1000 + k);
                xs.extend([x, -x]);
            }
        }
        let (mut sin, mut cos) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
        sin_cos_many(&xs, &mut sin, &mut cos);
        assert_glibc_s(&xs, &sin, &cos);
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

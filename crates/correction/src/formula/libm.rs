//! The C math library functions that correctionlib's `FormulaAst::evaluate`
//! (`src/formula_ast.cc`) calls through `<cmath>`.
//!
//! They are called directly rather than through Rust's `f64` methods: Rust implements
//! `asinh`, `acosh` and `atanh` itself (with results that differ from glibc's in the last
//! bit), and has no `erf`. Calling the system libm gives the same bits as the reference
//! built against the same libm (glibc on Linux, which picks the same FMA/non-FMA variant
//! for both processes on one machine). `sqrt` and `fabs` are exact everywhere and use
//! Rust's methods.

mod ffi {
    #[link(name = "m")]
    extern "C" {
        pub fn log(x: f64) -> f64;
        pub fn log10(x: f64) -> f64;
        pub fn exp(x: f64) -> f64;
        pub fn erf(x: f64) -> f64;
        pub fn cos(x: f64) -> f64;
        pub fn sin(x: f64) -> f64;
        pub fn tan(x: f64) -> f64;
        pub fn acos(x: f64) -> f64;
        pub fn asin(x: f64) -> f64;
        pub fn atan(x: f64) -> f64;
        pub fn cosh(x: f64) -> f64;
        pub fn sinh(x: f64) -> f64;
        pub fn tanh(x: f64) -> f64;
        pub fn acosh(x: f64) -> f64;
        pub fn asinh(x: f64) -> f64;
        pub fn atanh(x: f64) -> f64;
        pub fn pow(x: f64, y: f64) -> f64;
        pub fn atan2(y: f64, x: f64) -> f64;
    }
}

macro_rules! unary {
    ($($name:ident),*) => {$(
        #[doc = concat!("C `", stringify!($name), "`.")]
        #[inline]
        pub(crate) fn $name(x: f64) -> f64 {
            // SAFETY: a pure C math function of one double; it touches no memory of ours
            // (at most errno, which nothing here reads).
            unsafe { ffi::$name(x) }
        }
    )*};
}

unary!(log10, exp, erf, cos, sin, tan, acos, asin, atan, cosh, sinh, tanh, acosh, asinh, atanh);

/// C `log` as the reference's wheel binds it: `log@GLIBC_2.2.5`, glibc's compatibility
/// wrapper (`math/w_log_compat.c`), not the `log@GLIBC_2.29` a current toolchain links.
/// The two differ only for `x < 0` (including `-inf`): the wrapper returns
/// `__kernel_standard(x, x, 17)`, a positive quiet NaN, where the new `log` returns the
/// x86 default NaN (sign bit set). (`exp` and `pow` also have compat versions, whose
/// results are the same as the new ones: checked over special and random arguments.)
#[inline]
pub(crate) fn log(x: f64) -> f64 {
    if x < 0.0 {
        f64::NAN
    } else {
        // SAFETY: a pure C math function of one double.
        unsafe { ffi::log(x) }
    }
}

/// C `pow`.
#[inline]
pub(crate) fn pow(x: f64, y: f64) -> f64 {
    // SAFETY: a pure C math function of two doubles.
    unsafe { ffi::pow(x, y) }
}

/// C `atan2`.
#[inline]
pub(crate) fn atan2(y: f64, x: f64) -> f64 {
    // SAFETY: a pure C math function of two doubles.
    unsafe { ffi::atan2(y, x) }
}

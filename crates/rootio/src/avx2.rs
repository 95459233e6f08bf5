//! Hot loops of the read path compiled twice: for the CPU's AVX2 when it has one (checked at
//! run time), and for the portable x86-64 baseline otherwise.
//!
//! The baseline (SSE2) has no byte shuffle, so the compiler turns a big-endian load into five
//! or six instructions per 16 bytes, and an unsigned comparison into a sign flip and a signed
//! one. ROOT stores every number big-endian, so these loops run on every value read: the
//! entry offsets of a basket, their conversion to element counts, the byte swap of the values.
//! Compiled for AVX2 the same loops take a third of the instructions (callgrind, ADL q8 on the
//! lz4 file: 698 → 217 M instructions in them and in `decode` around them; the whole query
//! 4.32 → 3.84 G). The bits are the same: byte moves and integer arithmetic, and where
//! floats are computed (the packed `Float16_t`/`Double32_t` elements) the same IEEE operations
//! in the same order, since Rust never fuses a multiply and an add on its own.

/// Define a function whose body is compiled both for AVX2 and for the baseline; each call
/// takes the AVX2 copy when the CPU has AVX2 (`is_x86_feature_detected!` caches the answer:
/// one load per call).
///
/// Tests run both copies: [`on_baseline`] makes the calls of its closure take the baseline.
///
/// Only for functions without generic parameters; the body must not call back into code that
/// is not inlined (the callee would then run the baseline code, which is correct, only slower).
macro_rules! avx2_or_baseline {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block
    ) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[inline(always)]
            fn baseline($($arg: $ty),*) -> $ret $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) -> $ret {
                    baseline($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") && !$crate::avx2::baseline_forced() {
                    // SAFETY: the only requirement of a `target_feature` function is that
                    // the CPU has the feature, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            baseline($($arg),*)
        }
    };
}

pub(crate) use avx2_or_baseline;

#[cfg(test)]
thread_local! {
    static FORCE_BASELINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread's calls must take the baseline copy (only tests ask; always `false`
/// outside them).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
pub(crate) fn baseline_forced() -> bool {
    #[cfg(test)]
    return FORCE_BASELINE.with(|f| f.get());
    #[cfg(not(test))]
    false
}

/// Run `f` with every call on this thread taking the baseline copy, whatever the CPU has.
#[cfg(test)]
pub(crate) fn on_baseline<T>(f: impl FnOnce() -> T) -> T {
    FORCE_BASELINE.with(|b| b.set(true));
    let out = f();
    FORCE_BASELINE.with(|b| b.set(false));
    out
}

//! The double-double `sin` and `cos` of [`crate::sincos`] in AVX-512 registers, 32 angles at a
//! time: four independent registers of eight, because the computation is one long chain of
//! dependent steps (some 240 cycles from angle to result), and four chains side by side keep
//! the vector units busy where one would leave them waiting (a compiler-vectorised version one
//! register at a time took 13.4 ns an angle, this one 9.2 with the glibc calls for hard cases).
//! That the results are glibc's, bit for bit, is what `scripts/sincos_exhaustive.sh` checks
//! for every float angle; rerun it after any change here.

use std::arch::x86_64::*;

use crate::sincos::{
    sin_cos, C2, C3, C_TAIL, FAST_RANGE, HARD_CASE, PIO2_HI, PIO2_LO, S1, S2, S3, S_TAIL,
    TWO_OVER_PI,
};

/// Registers side by side.
const K: usize = 4;
/// Angles per step.
const LANES: usize = 8 * K;

/// `K` registers of eight doubles; every operation below applies to each.
#[derive(Clone, Copy)]
struct V([__m512d; K]);

/// A double-double: the value is the unevaluated sum of the two.
type Dd = (V, V);

macro_rules! each {
    ($f:expr) => {
        V([$f(0), $f(1), $f(2), $f(3)])
    };
}

#[target_feature(enable = "avx512f,fma")]
fn splat(v: f64) -> V {
    V([_mm512_set1_pd(v); K])
}

#[target_feature(enable = "avx512f,fma")]
fn add(a: V, b: V) -> V {
    each!(|i: usize| _mm512_add_pd(a.0[i], b.0[i]))
}

#[target_feature(enable = "avx512f,fma")]
fn sub(a: V, b: V) -> V {
    each!(|i: usize| _mm512_sub_pd(a.0[i], b.0[i]))
}

#[target_feature(enable = "avx512f,fma")]
fn mul(a: V, b: V) -> V {
    each!(|i: usize| _mm512_mul_pd(a.0[i], b.0[i]))
}

/// `a · b + c`, rounded once.
#[target_feature(enable = "avx512f,fma")]
fn fma(a: V, b: V, c: V) -> V {
    each!(|i: usize| _mm512_fmadd_pd(a.0[i], b.0[i], c.0[i]))
}

/// `a · b − c`, rounded once.
#[target_feature(enable = "avx512f,fma")]
fn fms(a: V, b: V, c: V) -> V {
    each!(|i: usize| _mm512_fmsub_pd(a.0[i], b.0[i], c.0[i]))
}

/// `a + b` exactly, as a rounded sum and its error (Knuth).
#[target_feature(enable = "avx512f,fma")]
fn two_sum(a: V, b: V) -> Dd {
    let s = add(a, b);
    let bb = sub(s, a);
    (s, add(sub(a, sub(s, bb)), sub(b, bb)))
}

/// `a + b` exactly where `|a| ≥ |b|` (Dekker).
#[target_feature(enable = "avx512f,fma")]
fn fast_two_sum(a: V, b: V) -> Dd {
    let s = add(a, b);
    (s, sub(b, sub(s, a)))
}

/// `a · b` exactly.
#[target_feature(enable = "avx512f,fma")]
fn two_prod(a: V, b: V) -> Dd {
    let p = mul(a, b);
    (p, fms(a, b, p))
}

#[target_feature(enable = "avx512f,fma")]
fn dd_mul(a: Dd, b: Dd) -> Dd {
    let (p, e) = two_prod(a.0, b.0);
    fast_two_sum(p, add(fma(a.0, b.1, mul(a.1, b.0)), e))
}

#[target_feature(enable = "avx512f,fma")]
fn dd_add(a: Dd, b: Dd) -> Dd {
    let (s, e) = two_sum(a.0, b.0);
    fast_two_sum(s, add(add(e, a.1), b.1))
}

#[target_feature(enable = "avx512f,fma")]
fn dd_add_d(a: Dd, b: V) -> Dd {
    let (s, e) = two_sum(a.0, b);
    fast_two_sum(s, add(e, a.1))
}

#[target_feature(enable = "avx512f,fma")]
fn splat2(c: (f64, f64)) -> Dd {
    (splat(c.0), splat(c.1))
}

/// One mask bit per lane of `V`, register `i` in bits `8i..8i + 8`.
#[target_feature(enable = "avx512f,fma")]
fn mask_of(f: impl Fn(usize) -> __mmask8) -> u32 {
    (0..K).fold(0, |m, i| m | (u32::from(f(i)) << (8 * i)))
}

/// Whether `h` (normalised: `h = fl(h + l)`) is certainly the double nearest the exact value:
/// `h` normal and `h + l` not within [`HARD_CASE`] (relative) of a halfway point — half the
/// spacing around `h`, `2^(e − 53)`, or half of that below a power of two (towards zero).
#[target_feature(enable = "avx512f,fma")]
fn decided((h, l): Dd) -> u32 {
    let mantissa = _mm512_set1_epi64((1 << 52) - 1);
    mask_of(|i| {
        let (h, l) = (h.0[i], l.0[i]);
        let ah = _mm512_abs_pd(h);
        let bits = _mm512_castpd_si512(ah);
        let exponent = _mm512_srli_epi64::<52>(bits);
        let normal = _mm512_cmpge_epu64_mask(exponent, _mm512_set1_epi64(54))
            & _mm512_cmplt_epu64_mask(exponent, _mm512_set1_epi64(2047));
        let half = _mm512_castsi512_pd(_mm512_slli_epi64::<52>(_mm512_sub_epi64(
            exponent,
            _mm512_set1_epi64(53),
        )));
        let zero = _mm512_setzero_pd();
        let power_of_two = _mm512_testn_epi64_mask(bits, mantissa);
        let l_negative = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(l, zero);
        let h_positive = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(h, zero);
        let towards_zero = !(l_negative ^ h_positive);
        let half = _mm512_mask_mul_pd(half, power_of_two & towards_zero, half, _mm512_set1_pd(0.5));
        let room = _mm512_fnmadd_pd(_mm512_set1_pd(HARD_CASE), ah, half);
        normal & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(_mm512_abs_pd(l), room)
    })
}

/// `(sin, cos)` of the angles of `x` and the lanes decided, as in `crate::sincos`.
#[target_feature(enable = "avx512f,fma")]
fn kernel(x: V) -> (V, V, u32) {
    // Floats (NaN fails), not zero (the sign of a zero sine is glibc's), |x| ≤ 3.2.
    let domain = mask_of(|i| {
        let x = x.0[i];
        let float = _mm512_cvtps_pd(_mm512_cvtpd_ps(x));
        _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(float, x)
            & _mm512_cmp_pd_mask::<_CMP_NEQ_OQ>(x, _mm512_setzero_pd())
            & _mm512_cmp_pd_mask::<_CMP_LE_OQ>(_mm512_abs_pd(x), _mm512_set1_pd(FAST_RANGE))
    });
    // x − k·π/2 (see `crate::sincos`: the first subtraction is exact).
    let k = each!(|i: usize| _mm512_roundscale_pd::<0x08>(_mm512_mul_pd(
        x.0[i],
        _mm512_set1_pd(TWO_OVER_PI)
    )));
    let r = two_sum(
        each!(|i: usize| _mm512_fnmadd_pd(k.0[i], _mm512_set1_pd(PIO2_HI), x.0[i])),
        mul(k, splat(-PIO2_LO)),
    );
    let z = {
        let (h, l) = two_prod(r.0, r.0);
        fast_two_sum(h, fma(mul(splat(2.0), r.0), r.1, l))
    };
    let zh = z.0;

    let mut y = splat(S_TAIL[7]);
    for c in S_TAIL[..7].iter().rev() {
        y = fma(y, zh, splat(*c));
    }
    let t3 = dd_add_d(splat2(S3), mul(zh, y));
    let t = dd_add(splat2(S2), dd_mul(z, t3));
    let u = dd_add(splat2(S1), dd_mul(z, t));
    let sin = dd_add(r, dd_mul(r, dd_mul(z, u)));

    let mut x4 = splat(C_TAIL[7]);
    for c in C_TAIL[..7].iter().rev() {
        x4 = fma(x4, zh, splat(*c));
    }
    let w3 = dd_add_d(splat2(C3), mul(zh, x4));
    let w = dd_add(splat2(C2), dd_mul(z, w3));
    let v = dd_add_d(dd_mul(z, w), splat(-0.5));
    let cos = dd_add_d(dd_mul(z, v), splat(1.0));

    let ok = domain & decided(sin) & decided(cos);
    // The quadrant, k in −2..=2: sin(r + kπ/2) is ±sin r (k even) or ±cos r (k odd); sin is
    // negated for k = 2, −2, −1 and cos for k = 1, 2, −2.
    let (s, c) = (sin.0, cos.0);
    let mut out_s = s;
    let mut out_c = c;
    for i in 0..K {
        let k = k.0[i];
        let odd = _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(_mm512_abs_pd(k), _mm512_set1_pd(1.0));
        let neg_s = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(k, _mm512_set1_pd(1.5))
            | _mm512_cmp_pd_mask::<_CMP_LT_OQ>(k, _mm512_set1_pd(-0.5));
        let neg_c = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(k, _mm512_set1_pd(0.5))
            | _mm512_cmp_pd_mask::<_CMP_LT_OQ>(k, _mm512_set1_pd(-1.5));
        let s2 = _mm512_mask_blend_pd(odd, s.0[i], c.0[i]);
        let c2 = _mm512_mask_blend_pd(odd, c.0[i], s.0[i]);
        let zero = _mm512_setzero_pd();
        // 0 − v is −v for the non-zero results the decided lanes have.
        out_s.0[i] = _mm512_mask_sub_pd(s2, neg_s, zero, s2);
        out_c.0[i] = _mm512_mask_sub_pd(c2, neg_c, zero, c2);
    }
    (out_s, out_c, ok)
}

/// `(sin x, cos x)` of `xs` into `sin` and `cos` (equal lengths), 32 at a time, glibc for the
/// lanes the kernel does not decide; the number it decided.
///
/// # Safety
/// The CPU must have AVX-512F and FMA.
#[target_feature(enable = "avx512f,fma")]
pub(crate) unsafe fn many(xs: &[f64], sin: &mut [f64], cos: &mut [f64]) -> usize {
    let mut decided = 0;
    let mut at = 0;
    let (mut s, mut c) = ([0.0f64; LANES], [0.0f64; LANES]);
    while at < xs.len() {
        let n = LANES.min(xs.len() - at);
        let mut x = [0.5f64; LANES];
        x[..n].copy_from_slice(&xs[at..at + n]);
        // SAFETY: each load reads 8 doubles inside `x` (LANES = 8K).
        let v = V(std::array::from_fn(|i| unsafe {
            _mm512_loadu_pd(x.as_ptr().add(8 * i))
        }));
        let (vs, vc, ok) = kernel(v);
        for i in 0..K {
            // SAFETY: each store writes 8 doubles inside `s` and `c`.
            unsafe {
                _mm512_storeu_pd(s.as_mut_ptr().add(8 * i), vs.0[i]);
                _mm512_storeu_pd(c.as_mut_ptr().add(8 * i), vc.0[i]);
            }
        }
        for i in 0..n {
            let (si, ci) = if ok >> i & 1 == 1 {
                decided += 1;
                (s[i], c[i])
            } else {
                sin_cos(x[i])
            };
            sin[at + i] = si;
            cos[at + i] = ci;
        }
        at += n;
    }
    decided
}

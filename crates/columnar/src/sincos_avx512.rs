//! glibc's `sincos` ([`crate::sincos_ibm`]) eight angles a vector with AVX-512: the same
//! operations lane by lane (each fused multiply-add where glibc's FMA build fuses it, the
//! table read with gathers), so the same bits. Every lane computes the three ways to its
//! reduced argument `(a, da)` — the angle itself, `π/2 − |x|`, and the reduction by `n·π/2` —
//! and keeps its own; then `do_sin` (both its branches) and `do_cos` of it, and the signs and
//! swap of its range. That the results are glibc's, bit for bit, is what
//! `scripts/sincos_exhaustive.sh` checks for every float angle; rerun it after any change here.

use std::arch::x86_64::*;

use crate::sincos::{sin_cos, FAST_RANGE};
use crate::sincos_ibm::{
    BIG, CS2, CS4, CS6, DIRECT_BELOW, HP0, HP1, HPINV, MIRROR_BELOW, MP1, MP2, PP3, PP4, S1, S2,
    S3, S4, S5, SN3, SN5, TABLE, TAYLOR_BELOW, TINY_BELOW, TOINT,
};

/// The sign bit of each lane.
#[target_feature(enable = "avx512f,fma")]
fn sign_bits() -> __m512i {
    _mm512_set1_epi64(i64::MIN)
}

/// `v` with the sign of `s`.
#[target_feature(enable = "avx512f,fma")]
fn copysign(v: __m512d, s: __m512d) -> __m512d {
    // Bits of `s` where the mask (the sign bit) is set, of `v` elsewhere.
    _mm512_castsi512_pd(_mm512_ternarylogic_epi64::<0xca>(
        sign_bits(),
        _mm512_castpd_si512(s),
        _mm512_castpd_si512(v),
    ))
}

/// `-v` where `m` is set.
#[target_feature(enable = "avx512f,fma")]
fn negated_where(v: __m512d, m: __mmask8) -> __m512d {
    _mm512_castsi512_pd(_mm512_mask_xor_epi64(
        _mm512_castpd_si512(v),
        m,
        _mm512_castpd_si512(v),
        sign_bits(),
    ))
}

/// `(sin(a + da), cos(a + da))`: `do_sin` and `do_cos` of `crate::sincos_ibm`.
#[target_feature(enable = "avx512f,fma")]
fn do_sin_cos(a: __m512d, da: __m512d) -> (__m512d, __m512d) {
    let set = _mm512_set1_pd;
    let zero = _mm512_setzero_pd();
    let abs = _mm512_abs_pd(a);
    // The table row of u = big + |a| (its low bits; never past the table).
    let u = _mm512_add_pd(set(BIG), abs);
    let index = _mm512_min_epu64(
        _mm512_and_si512(_mm512_castpd_si512(u), _mm512_set1_epi64(0xffff_ffff)),
        _mm512_set1_epi64(TABLE.len() as i64 - 1),
    );
    let at = _mm512_slli_epi64::<2>(index);
    let table = TABLE.as_ptr().cast::<f64>();
    // SAFETY: `at` is 4·row with row ≤ 109, so `at + 3` < 440, the table's doubles.
    let [sn, ssn, cs, ccs] = [0, 1, 2, 3].map(|j| unsafe {
        _mm512_i64gather_pd::<8>(_mm512_add_epi64(at, _mm512_set1_epi64(j)), table)
    });
    let rest = _mm512_sub_pd(abs, _mm512_sub_pd(u, set(BIG)));
    // do_sin, below 0.126: x + ((P(x²)·x − dx/2)·x² + dx).
    let xx = _mm512_mul_pd(a, a);
    let mut p = _mm512_fmadd_pd(xx, set(S5), set(S4));
    p = _mm512_fmadd_pd(xx, p, set(S3));
    p = _mm512_fmadd_pd(xx, p, set(S2));
    p = _mm512_fmadd_pd(xx, p, set(S1));
    let half_da = _mm512_mul_pd(da, set(0.5));
    let taylor = _mm512_add_pd(a, _mm512_fmadd_pd(xx, _mm512_fmsub_pd(p, a, half_da), da));
    // do_sin from the table: dx negated where a ≤ 0.
    let dx = negated_where(da, _mm512_cmp_pd_mask::<_CMP_LE_OQ>(a, zero));
    let rr = _mm512_mul_pd(rest, rest);
    let ps = _mm512_fmadd_pd(rr, set(SN5), set(SN3));
    let pc = _mm512_fmadd_pd(_mm512_fmadd_pd(rr, set(CS6), set(CS4)), rr, set(CS2));
    let s = _mm512_add_pd(rest, _mm512_fmadd_pd(_mm512_mul_pd(rest, rr), ps, dx));
    let c = _mm512_fmadd_pd(dx, rest, _mm512_mul_pd(rr, pc));
    let cor = _mm512_fmadd_pd(s, cs, _mm512_fnmadd_pd(c, sn, _mm512_fmadd_pd(s, ccs, ssn)));
    let from_table = copysign(_mm512_add_pd(sn, cor), a);
    let small = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(abs, set(TAYLOR_BELOW));
    let sin = _mm512_mask_blend_pd(small, from_table, taylor);
    // do_cos: dx negated where a < 0, added to the rest.
    let dx = negated_where(da, _mm512_cmp_pd_mask::<_CMP_LT_OQ>(a, zero));
    let r = _mm512_add_pd(rest, dx);
    let rr = _mm512_mul_pd(r, r);
    let s = _mm512_fmadd_pd(
        _mm512_mul_pd(r, rr),
        _mm512_fmadd_pd(rr, set(SN5), set(SN3)),
        r,
    );
    let c = _mm512_mul_pd(
        rr,
        _mm512_fmadd_pd(_mm512_fmadd_pd(rr, set(CS6), set(CS4)), rr, set(CS2)),
    );
    let cor = _mm512_fnmadd_pd(
        s,
        sn,
        _mm512_fnmadd_pd(c, cs, _mm512_fnmadd_pd(ssn, s, ccs)),
    );
    (sin, _mm512_add_pd(cs, cor))
}

/// `(sin x, cos x)` of eight angles, and which lanes are decided (`|x| ≤ FAST_RANGE`).
#[target_feature(enable = "avx512f,fma")]
fn kernel(x: __m512d) -> (__m512d, __m512d, __mmask8) {
    let set = _mm512_set1_pd;
    let abs = _mm512_abs_pd(x);
    let ok = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(abs, set(FAST_RANGE));
    let high = _mm512_srli_epi64::<32>(_mm512_castpd_si512(abs));
    let below = |k: u32| _mm512_cmplt_epi64_mask(high, _mm512_set1_epi64(i64::from(k)));
    let (tiny, direct, mirror) = (below(TINY_BELOW), below(DIRECT_BELOW), below(MIRROR_BELOW));
    // π/2 − |x| (below 2.426265).
    let y = _mm512_sub_pd(set(HP0), abs);
    let ma = _mm512_add_pd(y, set(HP1));
    let mda = _mm512_add_pd(_mm512_sub_pd(y, ma), set(HP1));
    // x − n·π/2 (above).
    let t = _mm512_fmadd_pd(x, set(HPINV), set(TOINT));
    let xn = _mm512_sub_pd(t, set(TOINT));
    let y = _mm512_fnmadd_pd(xn, set(MP2), _mm512_fnmadd_pd(xn, set(MP1), x));
    let n = _mm512_and_si512(_mm512_castpd_si512(t), _mm512_set1_epi64(3));
    let t2 = _mm512_fnmadd_pd(xn, set(PP3), y);
    let db = _mm512_fnmadd_pd(xn, set(PP3), _mm512_sub_pd(y, t2));
    let b = _mm512_fnmadd_pd(xn, set(PP4), t2);
    let db = _mm512_add_pd(db, _mm512_fnmadd_pd(xn, set(PP4), _mm512_sub_pd(t2, b)));
    let quadrant = |q: i64| _mm512_cmpeq_epi64_mask(n, _mm512_set1_epi64(q));
    let flip = quadrant(1) | quadrant(2);
    let (ra, rda) = (negated_where(b, flip), negated_where(db, flip));
    // Each lane's (a, da): the angle itself (da = 0), π/2 − |x|, or the reduction.
    let a = _mm512_mask_blend_pd(mirror, ra, ma);
    let a = _mm512_mask_blend_pd(direct, a, x);
    let da = _mm512_mask_blend_pd(mirror, rda, mda);
    let da = _mm512_mask_blend_pd(direct, da, _mm512_setzero_pd());
    let (s, c) = do_sin_cos(a, da);
    // Reduced: cos negated in quadrants 2 and 3, the two swapped in odd ones.
    let c_reduced = negated_where(c, quadrant(2) | quadrant(3));
    let odd = quadrant(1) | quadrant(3);
    let sin = _mm512_mask_blend_pd(odd, s, c_reduced);
    let cos = _mm512_mask_blend_pd(odd, c_reduced, s);
    // Mirrored: sin = ±cos(a), cos = sin(a).
    let sin = _mm512_mask_blend_pd(mirror, sin, copysign(c, x));
    let cos = _mm512_mask_blend_pd(mirror, cos, s);
    // Direct.
    let sin = _mm512_mask_blend_pd(direct, sin, s);
    let cos = _mm512_mask_blend_pd(direct, cos, c);
    // Tiny: (x, 1).
    let sin = _mm512_mask_blend_pd(tiny, sin, x);
    let cos = _mm512_mask_blend_pd(tiny, cos, set(1.0));
    (sin, cos, ok)
}

/// `(sin x, cos x)` of `xs` into `sin` and `cos` (equal lengths), eight at a time, glibc for
/// the lanes the kernel does not take (beyond [`FAST_RANGE`], not finite); the number it took.
///
/// # Safety
/// The CPU must have AVX-512F and FMA.
#[target_feature(enable = "avx512f,fma")]
pub(crate) unsafe fn many(xs: &[f64], sin: &mut [f64], cos: &mut [f64]) -> usize {
    let n = xs.len().min(sin.len()).min(cos.len());
    let mut decided = 0;
    let mut at = 0;
    while at < n {
        let m = 8.min(n - at);
        let lanes: __mmask8 = if m == 8 { !0 } else { (1 << m) - 1 };
        // SAFETY: the masked load and stores touch only the lanes below m, inside the slices.
        let x = unsafe { _mm512_maskz_loadu_pd(lanes, xs.as_ptr().add(at)) };
        let (s, c, ok) = kernel(x);
        unsafe {
            _mm512_mask_storeu_pd(sin.as_mut_ptr().add(at), lanes, s);
            _mm512_mask_storeu_pd(cos.as_mut_ptr().add(at), lanes, c);
        }
        let ok = ok & lanes;
        decided += ok.count_ones() as usize;
        let mut others = lanes & !ok;
        while others != 0 {
            let i = at + others.trailing_zeros() as usize;
            (sin[i], cos[i]) = sin_cos(xs[i]);
            others &= others - 1;
        }
        at += m;
    }
    decided
}

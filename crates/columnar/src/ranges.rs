//! The values of many index ranges of a column, one after another: what a cut's kept events
//! read of a jagged field (`Jet.pt` of the events with three jets: one range per run of
//! consecutive kept events, merged by the caller).
//!
//! **Why not a loop per range.** Kept events come at random, so the ranges' lengths do too
//! (ADL q6 after `len(Jet) >= 3`: half of them longer than 8 values, a fifth longer than 16,
//! 10.8 on average). A loop that copies a range value by value mispredicts its exit about once
//! a range; a `memcpy` call per range costs more than the copy. Here each range is copied in
//! whole vectors whatever its length:
//! - **portable** ([`converted`]): a range of at most [`WIDE`] values copies `WIDE` (the ones
//!   past its end are overwritten by the next range, or lie past the output's length), where the
//!   column has `WIDE` values from the range's start; a longer one takes a loop;
//! - **AVX-512** (runtime detection; [`copied`] of 4- and 8-byte values and [`widened`] from
//!   `f32` to `f64`): 16 four-byte or 8 eight-byte lanes a step, loaded under a mask of the
//!   range's remaining length (a masked-out lane reads no memory, so a range at the column's end
//!   needs no slack there) and stored whole into the output's slack. One step covers a range of
//!   up to 16 (or 8) values, 82 % of q6's.
//!
//! `cargo bench -p columnar --bench ranges` measures both on ranges like q6's and q8's (Intel Xeon
//! with AVX-512, 2026-12-07): on q6-like ranges f32 → f64 810 → 375 µs, f32 496 → 289 µs; on
//! q8-like ones (2.9 values on average) all within 5 % of the portable copy. In the event loop
//! (paired runs of the 5 M-event lz4 file, best / median of 7, histograms identical): q6 0.657 /
//! 0.668 → 0.633 / 0.648 s (the jets' four fields widened after `len(Jet) >= 3`), q7 0.366 / 0.373
//! → 0.360 / 0.365 s; q5 and q8 unchanged.
//!
//! Every path gives the values of the plain loop, bit for bit: the widening is the same
//! instruction (`cvtps2pd`) that `f64::from` compiles to, quieting a signalling NaN alike.

use bytemuck::NoUninit;

/// The average range length up to which [`widened`] steps 8 values at a time, 16 above.
#[cfg(target_arch = "x86_64")]
const SHORT: usize = 6;

/// The values a portable [`copy_range`] may write past the end of its range.
pub const WIDE: usize = 8;

/// The values of `v` in the ranges `ranges` (`(start, end)` index pairs), in order, unchanged.
/// `None` where a range is reversed or runs past `v`.
pub fn copied<T: NoUninit>(v: &[T], ranges: &[(usize, usize)]) -> Option<Vec<T>> {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        let size = std::mem::size_of::<T>();
        if size == 4 {
            // SAFETY: the CPU has the features (checked just above); T is 4 bytes.
            return unsafe { copied_avx512::<T, 16>(v, ranges) };
        }
        if size == 8 {
            // SAFETY: as above; T is 8 bytes.
            return unsafe { copied_avx512::<T, 8>(v, ranges) };
        }
    }
    converted(v, ranges, |x| x)
}

/// [`copied`] with every value widened to double precision (what four-vectors compute with).
pub fn widened(v: &[f32], ranges: &[(usize, usize)]) -> Option<Vec<f64>> {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        let n = total(ranges)?;
        // SAFETY: the CPU has the features (checked just above); L is 8 or 16.
        return unsafe {
            if n > SHORT * ranges.len() {
                widened_avx512::<16>(v, ranges, n)
            } else {
                widened_avx512::<8>(v, ranges, n)
            }
        };
    }
    converted(v, ranges, f64::from)
}

/// [`copied`] with each value through `f`, on any CPU.
pub fn converted<T: Copy, U: Copy>(
    v: &[T],
    ranges: &[(usize, usize)],
    f: impl Fn(T) -> U,
) -> Option<Vec<U>> {
    let n = total(ranges)?;
    if let [(s, e)] = ranges {
        return Some(v.get(*s..*e)?.iter().map(|x| f(*x)).collect());
    }
    // The output is written before it is read, so it is not zeroed first (a `memset` of
    // every copied column).
    let mut out: Vec<U> = Vec::with_capacity(n.checked_add(WIDE)?);
    let room = out.spare_capacity_mut();
    let mut at = 0;
    for &(s, e) in ranges {
        at += copy_range(room, at, v, s, e, &f)?;
    }
    // SAFETY: the ranges' values were written one after another from 0, so the first
    // `at` = `n` (the sum of their lengths) elements are initialised; `n` ≤ the capacity.
    unsafe { out.set_len(at) };
    Some(out)
}

/// The number of values `ranges` cover; `None` where one is reversed or the sum overflows.
fn total(ranges: &[(usize, usize)]) -> Option<usize> {
    ranges
        .iter()
        .try_fold(0usize, |n, &(s, e)| n.checked_add(e.checked_sub(s)?))
}

/// Writes `v[s..e]`, each through `f`, to `room[at..]` and gives its length; `None` where the
/// range is reversed or past either end. A range of at most [`WIDE`] values copies `WIDE`
/// where both sides have room (the ones past its end are overwritten by the next range or left
/// past the output's length): a copy of fixed length has no loop whose varying length would
/// mispredict a branch per range, and no `memcpy` call.
#[inline(always)]
pub fn copy_range<T: Copy, U: Copy>(
    room: &mut [std::mem::MaybeUninit<U>],
    at: usize,
    v: &[T],
    s: usize,
    e: usize,
    f: &impl Fn(T) -> U,
) -> Option<usize> {
    let len = e.checked_sub(s)?;
    match (v.get(s..s + WIDE), room.get_mut(at..at + WIDE)) {
        (Some(src), Some(dst)) if len <= WIDE => {
            for (o, x) in dst.iter_mut().zip(src) {
                o.write(f(*x));
            }
        }
        _ => {
            for (o, x) in room.get_mut(at..at + len)?.iter_mut().zip(v.get(s..e)?) {
                o.write(f(*x));
            }
        }
    }
    Some(len)
}

/// Whether this CPU runs the AVX-512 copies.
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

/// The mask of the lanes of a step that still hold values of a range: the low
/// `min(left, lanes)` bits.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn lanes_left(left: usize, lanes: usize) -> u32 {
    let k = left.min(lanes);
    ((1u64 << k) - 1) as u32
}

/// The masked steps of [`copied_avx512`] and [`widened_avx512`]: for each range in order, one
/// step at least (an empty range's loads nothing, under an empty mask, and stores into the
/// slack: a range of up to `L` values takes no branch on its length) and one per `L` values,
/// each given its source position, its output position and the mask of its lanes still inside
/// the range. Gives the output's length once every range is written; `None` where a range is
/// reversed, runs past `values` values or the ranges hold more than `n`.
///
/// What a step may rely on: its source position is at most the range's end, itself at most
/// `values`, and the mask's lanes lie below the range's end; its output position plus `L` is
/// below `n + L`. Lanes it stores past the range's values lie past the next range's start:
/// later ranges overwrite them, or they stay past the output's length.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masked_steps<const L: usize>(
    ranges: &[(usize, usize)],
    values: usize,
    n: usize,
    mut step: impl FnMut(usize, usize, u32),
) -> Option<usize> {
    let mut at = 0usize;
    for &(s, e) in ranges {
        if s > e || e > values || at + (e - s) > n {
            return None;
        }
        let len = e - s;
        let mut k = 0;
        loop {
            step(s + k, at + k, lanes_left(len - k, L));
            k += L;
            if k >= len {
                break;
            }
        }
        at += len;
    }
    Some(at)
}

/// [`copied`] with AVX-512: `L` lanes of `64 / L` bytes (16 of 4 bytes or 8 of 8).
///
/// # Safety
/// The CPU must have AVX-512F; `size_of::<T>() * L == 64`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn copied_avx512<T: NoUninit, const L: usize>(
    v: &[T],
    ranges: &[(usize, usize)],
) -> Option<Vec<T>> {
    use std::arch::x86_64::*;
    let n = total(ranges)?;
    // Room for one whole vector past the last value: each step stores L lanes.
    let mut out: Vec<T> = Vec::with_capacity(n.checked_add(L)?);
    let dst = out.as_mut_ptr();
    let at = masked_steps::<L>(ranges, v.len(), n, |from, to, m| {
        // SAFETY (`masked_steps`' promises): the load reads only the lanes of `m`, values of
        // `v` (T has no padding: `NoUninit`), from an address within or one past `v`; the
        // store writes L values at out[to..], ending before n + L, the capacity.
        unsafe {
            let x = if L == 16 {
                _mm512_maskz_loadu_epi32(m as __mmask16, v.as_ptr().add(from).cast())
            } else {
                _mm512_maskz_loadu_epi64(m as __mmask8, v.as_ptr().add(from).cast())
            };
            _mm512_storeu_si512(dst.add(to).cast(), x);
        }
    })?;
    // SAFETY: every range's values were written at its place, from 0, one after another, so
    // the first `at` = `n` values are initialised (with zero bytes or values of `v` past them
    // only in the slack).
    unsafe { out.set_len(at) };
    Some(out)
}

/// [`widened`] with AVX-512: `L` (8 or 16) floats a step, loaded under a mask and widened
/// into `L / 8` vectors of doubles. Steps of 16 copy long ranges (q6's jets) 2.3× as fast as
/// the portable copy, but short ones (q8's leptons) 20 % slower than steps of 8 do, which in
/// turn lose on long ranges (their loop exit mispredicts): [`widened`] picks by the ranges'
/// average length.
///
/// # Safety
/// The CPU must have AVX-512F and AVX-512VL; `L` is 8 or 16.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
unsafe fn widened_avx512<const L: usize>(
    v: &[f32],
    ranges: &[(usize, usize)],
    n: usize,
) -> Option<Vec<f64>> {
    use std::arch::x86_64::*;
    let mut out: Vec<f64> = Vec::with_capacity(n.checked_add(L)?);
    let dst = out.as_mut_ptr();
    let at = masked_steps::<L>(ranges, v.len(), n, |from, to, m| {
        // SAFETY: as in `copied_avx512`: the load reads only the lanes of `m`, inside `v`;
        // the stores write L values at out[to..], ending before n + L.
        unsafe {
            let src = v.as_ptr().add(from);
            if L == 16 {
                let x = _mm512_maskz_loadu_ps(m as __mmask16, src);
                let lo = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
                let hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
                    _mm512_castps_pd(x),
                )));
                _mm512_storeu_pd(dst.add(to), lo);
                _mm512_storeu_pd(dst.add(to + 8), hi);
            } else {
                let x = _mm256_maskz_loadu_ps(m as __mmask8, src);
                _mm512_storeu_pd(dst.add(to), _mm512_cvtps_pd(x));
            }
        }
    })?;
    // SAFETY: as in `copied_avx512`.
    unsafe { out.set_len(at) };
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every range copied by a plain loop.
    fn plain<T: Copy, U>(v: &[T], ranges: &[(usize, usize)], f: impl Fn(T) -> U) -> Vec<U> {
        ranges
            .iter()
            .flat_map(|&(s, e)| v[s..e].iter().map(|x| f(*x)))
            .collect()
    }

    /// Ranges of lengths around every step width (0–40, a few of hundreds), in order with
    /// gaps as a cut's kept events leave them, the last one ending at the column's end.
    fn sample(rng: &mut crate::test_rng::Xorshift) -> (usize, Vec<(usize, usize)>) {
        let mut ranges = Vec::new();
        let mut at = 0;
        for _ in 0..300 {
            at += rng.below(5) as usize;
            let len = match rng.below(20) {
                0 => 100 + rng.below(300) as usize,
                _ => rng.below(41) as usize,
            };
            ranges.push((at, at + len));
            at += len;
        }
        (at, ranges)
    }

    fn bits32(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    fn bits64(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn every_path_copies_what_a_loop_copies() {
        let mut rng = crate::test_rng::Xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20 {
            let (len, ranges) = sample(&mut rng);
            // Floats of every kind: NaNs of both kinds (a signalling one is quieted by the
            // widening, as `f64::from` does), ±0, ±∞, subnormals.
            let specials = [
                f32::NAN,
                f32::from_bits(0x7F80_0001),
                -0.0,
                0.0,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::from_bits(1),
            ];
            let f: Vec<f32> = (0..len)
                .map(|i| match rng.below(10) {
                    0 => specials[i % specials.len()],
                    _ => f32::from_bits(rng.bits() as u32),
                })
                .collect();
            let d: Vec<f64> = f.iter().map(|&x| f64::from(x) * 1.5).collect();
            let i: Vec<i32> = (0..len).map(|_| rng.bits() as i32).collect();
            let u: Vec<u64> = (0..len).map(|_| rng.bits()).collect();

            assert_eq!(
                bits32(&copied(&f, &ranges).unwrap()),
                bits32(&plain(&f, &ranges, |x| x))
            );
            assert_eq!(
                bits64(&copied(&d, &ranges).unwrap()),
                bits64(&plain(&d, &ranges, |x| x))
            );
            assert_eq!(copied(&i, &ranges).unwrap(), plain(&i, &ranges, |x| x));
            assert_eq!(copied(&u, &ranges).unwrap(), plain(&u, &ranges, |x| x));
            let want = bits64(&plain(&f, &ranges, f64::from));
            assert_eq!(bits64(&widened(&f, &ranges).unwrap()), want);
            assert_eq!(bits64(&converted(&f, &ranges, f64::from).unwrap()), want);
            // One range alone, and none.
            let one = [ranges[3]];
            assert_eq!(
                bits64(&widened(&f, &one).unwrap()),
                bits64(&plain(&f, &one, f64::from))
            );
            assert_eq!(widened(&f, &[]).unwrap(), Vec::<f64>::new());
            assert_eq!(copied(&i, &[]).unwrap(), Vec::<i32>::new());
        }
    }

    /// Both step widths of the AVX-512 widening (which [`widened`] picks by the average
    /// length) on long and on short ranges, where the CPU has them.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn both_step_widths_widen_what_a_loop_widens() {
        if !has_avx512() {
            return;
        }
        let mut rng = crate::test_rng::Xorshift(0x2545_F491_4F6C_DD1D);
        for most in [3u64, 9, 17, 41] {
            let mut ranges = Vec::new();
            let mut at = 0;
            for _ in 0..500 {
                at += rng.below(3) as usize;
                let len = rng.below(most) as usize;
                ranges.push((at, at + len));
                at += len;
            }
            let v: Vec<f32> = (0..at).map(|_| f32::from_bits(rng.bits() as u32)).collect();
            let n = total(&ranges).unwrap();
            let want = bits64(&plain(&v, &ranges, f64::from));
            // SAFETY: the CPU has the features (checked above).
            let (eight, sixteen) = unsafe {
                (
                    widened_avx512::<8>(&v, &ranges, n).unwrap(),
                    widened_avx512::<16>(&v, &ranges, n).unwrap(),
                )
            };
            assert_eq!(bits64(&eight), want, "{most}");
            assert_eq!(bits64(&sixteen), want, "{most}");
            assert_eq!(bits64(&widened(&v, &ranges).unwrap()), want, "{most}");
            // A total that is not the ranges' sum is refused, not written past.
            // SAFETY: as above.
            assert_eq!(unsafe { widened_avx512::<16>(&v, &ranges, n - 1) }, None);
        }
    }

    #[test]
    fn ranges_reversed_or_past_the_end_are_refused() {
        let v: Vec<f32> = (0..40).map(|i| i as f32).collect();
        let w: Vec<u64> = (0..40).collect();
        for bad in [
            vec![(0, 3), (5, 4)],
            vec![(0, 3), (38, 41)],
            vec![(41, 41)],
            vec![(0, 40), (39, usize::MAX)],
            vec![(usize::MAX, 0)],
        ] {
            assert_eq!(copied(&v, &bad), None, "{bad:?}");
            assert_eq!(copied(&w, &bad), None, "{bad:?}");
            assert_eq!(widened(&v, &bad), None, "{bad:?}");
            assert_eq!(converted(&v, &bad, f64::from), None, "{bad:?}");
        }
        // A range ending exactly at the end, and an empty one there.
        assert_eq!(
            copied(&v, &[(37, 40), (40, 40)]).unwrap(),
            [37.0, 38.0, 39.0]
        );
        assert_eq!(widened(&v, &[(39, 40)]).unwrap(), [39.0]);
    }
}

//! Checks of list offsets that every kernel taking untrusted offsets makes first.

/// Whether `offsets` never decrease (an empty or one-element slice does not).
///
/// Written as pairs of slices folded with an integer `or`, which the compiler vectorises: a
/// fold of `&` over `windows(2)` ran one offset a cycle, 4 % of ADL q4's profile on lz4.
#[inline(always)]
pub fn ascending<T: PartialOrd>(offsets: &[T]) -> bool {
    let Some(rest) = offsets.get(1..) else {
        return true;
    };
    offsets
        .iter()
        .zip(rest)
        .fold(0u8, |d, (a, b)| d | u8::from(a > b))
        == 0
}

/// The lists (by number, ascending) of at least `min` values among those `offsets` delimits,
/// written to `out` (cleared first); `false` (with `out` unspecified) when a list ends before
/// it starts or past `len` values. Offsets compare as unsigned numbers: a negative one is
/// past any `len`. `offsets` has fewer than 2³² entries.
///
/// Without a branch per list (most events of a cut collection have fewer than two records, and
/// a loop that branched on it mispredicted about once an event): every list's number is
/// written at the cursor, which moves on by the test's result; with AVX-512, eight lists at a
/// time compressed in a register.
pub fn lists_with_at_least(offsets: &[i64], min: u64, len: usize, out: &mut Vec<u32>) -> bool {
    out.clear();
    if u32::try_from(offsets.len()).is_err() {
        return false;
    }
    let lists = offsets.len().saturating_sub(1);
    // Room for whole vectors written past the last list kept.
    out.resize(lists + 8, 0);
    let mut done = 0usize;
    let mut n = 0usize;
    let mut bad = false;
    #[cfg(target_arch = "x86_64")]
    if lists >= 8 && has_avx512() {
        // SAFETY: the CPU has the features (checked just above); out holds lists + 8 values.
        (done, n, bad) = unsafe { lists_with_at_least_avx512(offsets, min, len as u64, out) };
    }
    for e in done..lists {
        let (lo, hi) = (offsets[e] as u64, offsets[e + 1] as u64);
        bad |= hi > len as u64 || lo > hi;
        out[n] = e as u32;
        n += usize::from(hi.wrapping_sub(lo) >= min);
    }
    out.truncate(n);
    !bad
}

/// Whether this CPU runs `lists_with_at_least_avx512`.
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512vl")
        && std::arch::is_x86_feature_detected!("popcnt")
}

/// [`lists_with_at_least`] for the lists `0..8·⌊lists/8⌋`: the lists done, the number kept
/// and whether one was bad.
///
/// # Safety
/// The CPU has AVX-512F, AVX-512VL and POPCNT; `out` holds `offsets.len() + 7` values;
/// `offsets.len()` fits a u32.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,popcnt")]
unsafe fn lists_with_at_least_avx512(
    offsets: &[i64],
    min: u64,
    len: u64,
    out: &mut [u32],
) -> (usize, usize, bool) {
    use std::arch::x86_64::*;
    let lists = offsets.len() - 1;
    let (min, len) = (_mm512_set1_epi64(min as i64), _mm512_set1_epi64(len as i64));
    let mut ids = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let eight = _mm256_set1_epi32(8);
    let (mut n, mut bad) = (0usize, 0u8);
    let mut e = 0usize;
    while e + 8 <= lists {
        // SAFETY (the loads): e + 8 < offsets.len(), so both runs of eight are inside.
        let lo = _mm512_loadu_si512(offsets.as_ptr().add(e).cast());
        let hi = _mm512_loadu_si512(offsets.as_ptr().add(e + 1).cast());
        bad |= _mm512_cmpgt_epu64_mask(hi, len) | _mm512_cmpgt_epu64_mask(lo, hi);
        let keep = _mm512_cmpge_epu64_mask(_mm512_sub_epi64(hi, lo), min);
        // SAFETY: n <= e, so the eight lanes stored end by e + 8 <= lists + 7 < out.len().
        _mm256_storeu_si256(
            out.as_mut_ptr().add(n).cast(),
            _mm256_maskz_compress_epi32(keep, ids),
        );
        n += keep.count_ones() as usize;
        ids = _mm256_add_epi32(ids, eight);
        e += 8;
    }
    (e, n, bad != 0)
}

#[cfg(test)]
mod tests {
    use super::ascending;

    #[test]
    fn a_descent_anywhere_is_found() {
        assert!(ascending::<i64>(&[]));
        assert!(ascending(&[5i64]));
        assert!(ascending(&[0i64, 0, 3, 3, 9]));
        for n in 2..70usize {
            let up: Vec<i64> = (0..n as i64).collect();
            assert!(ascending(&up));
            for at in 1..n {
                let mut down = up.clone();
                down[at] = down[at - 1] - 1;
                assert!(!ascending(&down), "descent at {at} of {n}");
            }
        }
        assert!(!ascending(&[3u32, 2]));
    }

    #[test]
    fn lists_with_at_least_as_the_plain_loop() {
        use super::lists_with_at_least;
        let plain = |off: &[i64], min: u64, len: usize| -> Option<Vec<u32>> {
            let mut out = Vec::new();
            for (e, w) in off.windows(2).enumerate() {
                let (lo, hi) = (w[0] as u64, w[1] as u64);
                if hi > len as u64 || lo > hi {
                    return None;
                }
                if hi - lo >= min {
                    out.push(e as u32);
                }
            }
            Some(out)
        };
        let mut rng = crate::test_rng::Xorshift(0x2545_F491_4F6C_DD1D);
        let mut next = |m: u64| rng.below(m);
        let mut out = vec![7u32; 3];
        for round in 0..300 {
            // 0–40 lists of 0–4 values from a start of 0–5, sometimes one going back, past the
            // values or negative.
            let mut off = vec![next(6) as i64];
            for _ in 0..next(41) {
                off.push(off.last().unwrap() + next(5) as i64);
            }
            let len = *off.last().unwrap() as usize;
            match round % 10 {
                0 if off.len() > 2 => {
                    let at = 1 + next(off.len() as u64 - 1) as usize;
                    off[at] = off[at - 1] - 1;
                }
                1 if off.len() > 2 => {
                    let at = next(off.len() as u64) as usize;
                    off[at] = -3;
                }
                _ => {}
            }
            let len = if round % 10 == 2 {
                len.saturating_sub(1)
            } else {
                len
            };
            for min in [0, 1, 2, 3] {
                let ok = lists_with_at_least(&off, min, len, &mut out);
                match plain(&off, min, len) {
                    Some(want) => {
                        assert!(ok, "{off:?} {min} {len}");
                        assert_eq!(out, want, "{off:?} {min}");
                    }
                    None => assert!(!ok, "{off:?} {min} {len}"),
                }
            }
        }
        assert!(lists_with_at_least(&[], 2, 0, &mut out) && out.is_empty());
    }
}

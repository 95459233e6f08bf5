//! How many elements of each list of booleans are true: `count(Jet.pt > 40)`, and `any`/`all`
//! from the same counts.
//!
//! The per-list loop (`v[a..b].iter().filter(|x| **x).count()`) runs a loop of varying length
//! per event: its branch mispredicts on most events of a few elements, about 40 instructions an
//! event (callgrind, ADL q4: 200 M of 684 M). Here one pass over the elements sets a bit per
//! element that counts, 64 a word, with the count before each word; each list's count is then
//! the difference of the ranks of its two ends (the count before the end's word and the bits
//! below the end in it) — integers, so the same counts exactly, with no branch and no loop per
//! list. (A running count per element, eight bytes each, took 5.8 against 3.9 ms for a million
//! events, `cargo bench -p columnar --bench counts`; the masks' per-list count,
//! `masks::count_true`, which reads a short list as one word, 6.5 against 3.8 ns an event.)

/// The number of `true` values in each list of `values` with list offsets `offsets` (one more
/// than the lists; they may start past 0, as a list column's view of a batch does); `None`
/// when the offsets decrease, are negative or point past `values`.
pub fn count_true(offsets: &[i64], values: &[bool]) -> Option<Vec<i64>> {
    count_where(offsets, values, |x| x)
}

/// The number of values of each list of `values` for which `test` holds (offsets as in
/// [`count_true`]): `count(Jet.pt > 40)` straight from the `Jet.pt` column, without a column of
/// booleans in between. `test` must be a plain function of the value.
///
/// The tests become one bit per value, 64 a word, with the values passed before each word
/// (one eighth of a byte a value, where a running count per value wrote eight bytes); a list's
/// count is then the difference of two ranks — the count before its word and the bits below
/// its position in it — with no loop per list.
pub fn count_where<T: Copy>(
    offsets: &[i64],
    values: &[T],
    test: impl Fn(T) -> bool,
) -> Option<Vec<i64>> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("bmi2")
        {
            // SAFETY: AVX2, POPCNT and BMI2 are present (checked just above).
            return unsafe { counts_by_bits_avx2(offsets, values, test) };
        }
    }
    let (first, v) = span(offsets, values)?;
    Some(counts_by_bits(offsets, first, v, test, pack_bytes))
}

/// The span of `values` the lists of `offsets` cover, from its first offset; `None` where
/// the offsets decrease, are negative or point past `values`.
#[inline(always)]
fn span<'a, T>(offsets: &[i64], values: &'a [T]) -> Option<(i64, &'a [T])> {
    let (&first, &last) = (offsets.first()?, offsets.last()?);
    let ordered = crate::offsets::ascending(offsets);
    let end = usize::try_from(last).ok()?;
    if !ordered || first < 0 || end > values.len() {
        return None;
    }
    Some((first, &values[first as usize..end]))
}

/// [`span`] and [`counts_by_bits`] compiled for AVX2 (the offsets' check four a vector with
/// `vpcmpgtq`, which SSE2 lacks; the tests 32 bytes a vector, packed with `movemask`), POPCNT
/// and BMI2 (a rank's mask of the bits below a position is one `bzhi`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi2")]
unsafe fn counts_by_bits_avx2<T: Copy>(
    offsets: &[i64],
    values: &[T],
    test: impl Fn(T) -> bool,
) -> Option<Vec<i64>> {
    let (first, v) = span(offsets, values)?;
    // SAFETY: this function runs only where AVX2 is present.
    Some(counts_by_bits(offsets, first, v, test, |b| unsafe {
        pack_avx2(b)
    }))
}

/// The top bit of each of 64 bytes, byte `j` to bit `j`.
fn pack_bytes(b: &[u8; 64]) -> u64 {
    b.iter()
        .enumerate()
        .fold(0, |m, (j, &x)| m | (u64::from(x >> 7) << j))
}

/// [`pack_bytes`] with two `movemask`s.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pack_avx2(b: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    // SAFETY: each load reads 32 bytes inside the 64 of `b`.
    let (lo, hi) = unsafe {
        (
            _mm256_loadu_si256(b.as_ptr().cast()),
            _mm256_loadu_si256(b.as_ptr().add(32).cast()),
        )
    };
    u64::from(_mm256_movemask_epi8(lo) as u32) | u64::from(_mm256_movemask_epi8(hi) as u32) << 32
}

/// The counts of [`count_where`] over the span `v` (from offset `first`), with `pack` turning
/// 64 test bytes (0 or 0xFF) into a word.
#[inline(always)]
fn counts_by_bits<T: Copy>(
    offsets: &[i64],
    first: i64,
    v: &[T],
    test: impl Fn(T) -> bool,
    pack: impl Fn(&[u8; 64]) -> u64,
) -> Vec<i64> {
    let words = v.len().div_ceil(64);
    // One word more than the values need (zero), so that the rank of the end of the span
    // reads a word whatever its position.
    let mut bits = Vec::with_capacity(words + 1);
    let mut before = Vec::with_capacity(words + 1);
    let mut passed = [0u8; 64];
    let mut run = 0u64;
    for block in v.chunks(64) {
        // The tests of a block into bytes first (a loop the compiler vectorises): tested and
        // counted in one loop, a float comparison became a branch, taken at random.
        for (p, &x) in passed.iter_mut().zip(block) {
            *p = 0u8.wrapping_sub(u8::from(test(x)));
        }
        if block.len() < 64 {
            // The last, short block only (an unconditional fill was a `memset` call a block).
            passed[block.len()..].fill(0);
        }
        let w = pack(&passed);
        before.push(run);
        run += u64::from(w.count_ones());
        bits.push(w);
    }
    bits.push(0);
    before.push(run);
    // Slices of exactly `words + 1` words, with every word index clamped to `words`: the
    // compiler then knows each look-up is in bounds (the offsets were checked to lie within
    // the span, so the clamp never changes an index) and the loop below has no branch.
    let (bits, before) = (&bits[..=words], &before[..=words]);
    // The values passed before position i of the span (i ≤ its length).
    let rank = |i: usize| -> u64 {
        let (w, s) = ((i / 64).min(words), i % 64);
        before[w] + u64::from((bits[w] & ((1u64 << s) - 1)).count_ones())
    };
    // Written into a slice of the final length, not pushed: a push re-reads the vector's
    // length and capacity from memory every event. (Nor `collect`: an iterator's `from_iter`
    // is compiled out of line, for the baseline CPU — no POPCNT, a bit count of a dozen
    // operations.)
    let mut counts = vec![0i64; offsets.len().saturating_sub(1)];
    let mut start = rank(0);
    for (c, &o) in counts.iter_mut().zip(offsets.iter().skip(1)) {
        let end = rank((o - first) as usize);
        *c = (end - start) as i64;
        start = end;
    }
    counts
}

/// Whether any value of each list is true ([`count_true`] above 0).
pub fn any_true(offsets: &[i64], values: &[bool]) -> Option<Vec<bool>> {
    Some(
        count_true(offsets, values)?
            .iter()
            .map(|&c| c > 0)
            .collect(),
    )
}

/// Whether every value of each list is true (an empty list's is): [`count_true`] equal to the
/// list's length.
pub fn all_true(offsets: &[i64], values: &[bool]) -> Option<Vec<bool>> {
    let counts = count_true(offsets, values)?;
    Some(
        counts
            .iter()
            .zip(offsets.windows(2))
            .map(|(&c, w)| c == w[1] - w[0])
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-list loops these replace.
    fn plain(offsets: &[i64], values: &[bool]) -> (Vec<i64>, Vec<bool>, Vec<bool>) {
        let lists = || {
            offsets
                .windows(2)
                .map(|w| &values[w[0] as usize..w[1] as usize])
        };
        (
            lists()
                .map(|l| l.iter().filter(|x| **x).count() as i64)
                .collect(),
            lists().map(|l| l.iter().any(|x| *x)).collect(),
            lists().map(|l| l.iter().all(|x| *x)).collect(),
        )
    }

    /// A small deterministic generator: `next(m)` is uniform in `0..m`.
    fn generator(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut s = seed;
        move |m: u64| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) % m
        }
    }

    #[test]
    fn counts_equal_the_per_list_loops() {
        let mut next = generator(12345);
        for start in [0i64, 3] {
            let mut offsets = vec![start];
            for _ in 0..500 {
                // Empty lists, short ones and a few long ones.
                let len = if next(10) == 0 { next(40) } else { next(5) };
                offsets.push(offsets.last().unwrap() + len as i64);
            }
            let values: Vec<bool> = (0..*offsets.last().unwrap() + 2)
                .map(|_| next(3) == 0)
                .collect();
            let (count, any, all) = plain(&offsets, &values);
            assert_eq!(count_true(&offsets, &values).unwrap(), count);
            assert_eq!(any_true(&offsets, &values).unwrap(), any);
            assert_eq!(all_true(&offsets, &values).unwrap(), all);
        }
        // No lists, and one empty list.
        assert!(count_true(&[0], &[]).unwrap().is_empty());
        assert_eq!(all_true(&[2, 2], &[false, false]).unwrap(), [true]);
        assert_eq!(any_true(&[2, 2], &[true, true]).unwrap(), [false]);
    }

    #[test]
    fn counts_where_a_test_holds_equal_the_per_list_loops() {
        // Lists longer than a block, and values that compare false every way (NaN).
        let mut next = generator(99);
        for start in [0i64, 5] {
            let mut offsets = vec![start];
            for _ in 0..300 {
                let len = if next(20) == 0 { next(700) } else { next(9) };
                offsets.push(offsets.last().unwrap() + len as i64);
            }
            let values: Vec<f32> = (0..*offsets.last().unwrap() + 3)
                .map(|_| match next(10) {
                    0 => f32::NAN,
                    1 => 40.0,
                    _ => next(100) as f32 + 0.25,
                })
                .collect();
            for c in [40.0f32, 0.0, 1e9, f32::NAN] {
                let test = |x: f32| x > c;
                let expected: Vec<i64> = offsets
                    .windows(2)
                    .map(|w| {
                        values[w[0] as usize..w[1] as usize]
                            .iter()
                            .filter(|x| test(**x))
                            .count() as i64
                    })
                    .collect();
                assert_eq!(count_where(&offsets, &values, test).unwrap(), expected);
                // The portable packing too (the one above is AVX2's where the CPU has it).
                let (first, v) = span(&offsets, &values).unwrap();
                assert_eq!(
                    counts_by_bits(&offsets, first, v, test, pack_bytes),
                    expected
                );
            }
        }
        // Spans of whole words, the last list ending on the word boundary: its end's rank is
        // the count before the word one past the last (all zero bits).
        for n in [64i64, 128, 192] {
            let values: Vec<f32> = (0..n).map(|i| (i % 3) as f32).collect();
            let offsets = [0, n / 2 + 1, n];
            let ones = |a: i64, b: i64| (a..b).filter(|i| i % 3 == 2).count() as i64;
            let expected = vec![ones(0, n / 2 + 1), ones(n / 2 + 1, n)];
            assert_eq!(
                count_where(&offsets, &values, |x| x > 1.0).unwrap(),
                expected
            );
        }
        let v = [1.0f32, 2.0, 3.0];
        for off in [&[][..], &[0, 2, 1][..], &[0, 4][..], &[-1, 1][..]] {
            assert!(count_where(off, &v, |x| x > 1.0).is_none(), "{off:?}");
        }
    }

    #[test]
    fn offsets_that_decrease_or_overrun_are_refused() {
        let v = [true, false, true];
        for off in [&[][..], &[0, 2, 1][..], &[0, 4][..], &[-1, 1][..]] {
            assert!(count_true(off, &v).is_none(), "{off:?}");
            assert!(any_true(off, &v).is_none(), "{off:?}");
            assert!(all_true(off, &v).is_none(), "{off:?}");
        }
    }
}

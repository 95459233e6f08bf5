//! How many elements of each list of booleans are true: `count(Jet.pt > 40)`, and `any`/`all`
//! from the same counts.
//!
//! The per-list loop (`v[a..b].iter().filter(|x| **x).count()`) runs a loop of varying length
//! per event: its branch mispredicts on most events of a few elements, about 40 instructions an
//! event (callgrind, ADL q4: 200 M of 684 M). Here one pass over the elements writes the
//! running count before each of them (no branch), and each list's count is the difference of
//! the running counts at its two ends — integers, so the same counts exactly. (The masks'
//! per-list count, `masks::count_true`, which reads a short list as one word, was tried here
//! too: 6.5 against 3.8 ns an event, `cargo bench -p columnar --bench counts`.)

/// The number of `true` values in each list of `values` with list offsets `offsets` (one more
/// than the lists; they may start past 0, as a list column's view of a batch does); `None`
/// when the offsets decrease, are negative or point past `values`.
pub fn count_true(offsets: &[i64], values: &[bool]) -> Option<Vec<i64>> {
    counted(offsets, values, |v, before| {
        let mut run = 0i64;
        before.extend(v.iter().map(|&x| {
            run += i64::from(x);
            run
        }));
    })
}

/// The number of values of each list of `values` for which `test` holds (offsets as in
/// [`count_true`]): `count(Jet.pt > 40)` straight from the `Jet.pt` column, without a column of
/// booleans in between. `test` must be a plain function of the value.
pub fn count_where<T: Copy>(
    offsets: &[i64],
    values: &[T],
    test: impl Fn(T) -> bool,
) -> Option<Vec<i64>> {
    // The tests of a block first, into bytes (a loop the compiler vectorises), then the running
    // count over them: tested and counted in one loop, a float comparison became a branch,
    // taken at random (2.6× the time, `cargo bench -p columnar --bench counts`).
    counted(offsets, values, |v, before| {
        let mut run = 0i64;
        let mut passed = [0u8; BLOCK];
        for block in v.chunks(BLOCK) {
            for (p, &x) in passed.iter_mut().zip(block) {
                *p = u8::from(test(x));
            }
            before.extend(passed[..block.len()].iter().map(|&p| {
                run += i64::from(p);
                run
            }));
        }
    })
}

/// The counts per list from the running counts `running` appends to `before` (after its 0):
/// one per value of the lists' span of `values`, the values before and up to it that count.
/// Each list's count is the difference of the running counts at its two ends.
fn counted<T>(
    offsets: &[i64],
    values: &[T],
    running: impl FnOnce(&[T], &mut Vec<i64>),
) -> Option<Vec<i64>> {
    let (&first, &last) = (offsets.first()?, offsets.last()?);
    let ordered = offsets.windows(2).fold(true, |ok, w| ok & (w[0] <= w[1]));
    let end = usize::try_from(last).ok()?;
    if !ordered || first < 0 || end > values.len() {
        return None;
    }
    let v = &values[first as usize..end];
    // `before[i]`: the values of v[..i] that count (not zeroed first: each is written once).
    let mut before = Vec::with_capacity(v.len() + 1);
    before.push(0i64);
    running(v, &mut before);
    if before.len() != v.len() + 1 {
        return None;
    }
    Some(
        offsets
            .windows(2)
            .map(|w| before[(w[1] - first) as usize] - before[(w[0] - first) as usize])
            .collect(),
    )
}

/// The values [`count_where`] tests before counting them.
const BLOCK: usize = 256;

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
            }
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

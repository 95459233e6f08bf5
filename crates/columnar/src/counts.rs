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
    let (&first, &last) = (offsets.first()?, offsets.last()?);
    let ordered = offsets.windows(2).fold(true, |ok, w| ok & (w[0] <= w[1]));
    let end = usize::try_from(last).ok()?;
    if !ordered || first < 0 || end > values.len() {
        return None;
    }
    let v = &values[first as usize..end];
    // `before[i]`: the true values in v[..i].
    let mut before = vec![0i64; v.len() + 1];
    let mut run = 0i64;
    for (slot, &x) in before[1..].iter_mut().zip(v) {
        run += i64::from(x);
        *slot = run;
    }
    Some(
        offsets
            .windows(2)
            .map(|w| before[(w[1] - first) as usize] - before[(w[0] - first) as usize])
            .collect(),
    )
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

    #[test]
    fn counts_equal_the_per_list_loops() {
        let mut s = 12345u64;
        let mut next = move |m: u64| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) % m
        };
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
    fn offsets_that_decrease_or_overrun_are_refused() {
        let v = [true, false, true];
        for off in [&[][..], &[0, 2, 1][..], &[0, 4][..], &[-1, 1][..]] {
            assert!(count_true(off, &v).is_none(), "{off:?}");
            assert!(any_true(off, &v).is_none(), "{off:?}");
            assert!(all_true(off, &v).is_none(), "{off:?}");
        }
    }
}

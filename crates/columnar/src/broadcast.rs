//! A per-list value broadcast over the list's elements: `Jet.pt - MET_pt` gives every jet its
//! event's `MET_pt`, `leptons.index != z.0.index` every lepton its event's pair's index.
//!
//! **Why not a loop per list.** `for _ in offsets[e]..offsets[e + 1] { out.push(v[e]) }` runs
//! an inner loop of a length the data decide (0–12 jets an event), whose exit the branch
//! predictor misses about once a list. Here every list writes `WIDE` (16) copies of its value at
//! its start, whatever its length — a few vector stores, the same every time — and the next
//! list starts where this one's elements end, overwriting the copies past them; a list longer
//! than `WIDE` (rare: jets, leptons) finishes in a loop. `cargo bench -p columnar --bench
//! broadcast`, a million events in batches of 4096 (2026-12-06): lists of 0–12 elements
//! 1.22 ms against 10.3 ms for the loop per list, lists of exactly 3 (lengths a predictor
//! learns) 1.16 ms against 2.04 ms. In a run: `sum(Jet.pt / MET_pt)` over the 5 M events of
//! the lz4 file, one thread, paired, best / median of 9: 0.163 / 0.165 → 0.124 / 0.125 s (ADL
//! q8, whose broadcasts are over its 3–4 leptons, within the noise: 0.395 / 0.408 → 0.396 /
//! 0.403 s, 11 runs).

/// Values written per list whatever its length.
const WIDE: usize = 16;

/// `values[e]` for each element of list `e`, lists delimited by `offsets` (n + 1 ascending
/// positions; the elements are `offsets[0]..offsets[n]`). `None` for descending offsets or
/// fewer values than lists.
pub fn repeat<T: Copy>(values: &[T], offsets: &[i64]) -> Option<Vec<T>> {
    let (&first, &last) = (offsets.first()?, offsets.last()?);
    let ascending = crate::offsets::ascending(offsets);
    if !ascending || values.len() < offsets.len() - 1 {
        return None;
    }
    let m = usize::try_from(last - first).ok()?;
    let mut out: Vec<T> = Vec::with_capacity(m.checked_add(WIDE)?);
    let room = out.spare_capacity_mut();
    let mut at = 0usize;
    for (x, w) in values.iter().zip(offsets.windows(2)) {
        // Ascending: 0 ≤ n, and the lengths sum to m.
        let n = (w[1] - w[0]) as usize;
        // `at` ≤ m, so the WIDE slots from it lie within the capacity m + WIDE.
        if let Some(slots) = room.get_mut(at..at + WIDE) {
            for s in slots {
                s.write(*x);
            }
        }
        if n > WIDE {
            if let Some(rest) = room.get_mut(at + WIDE..at + n) {
                for s in rest {
                    s.write(*x);
                }
            }
        }
        at += n;
    }
    // SAFETY: each list wrote its first min(n, WIDE) elements' slots and the rest of its n in
    // the loop after; a later list starts at or past the end of an earlier one's elements, so
    // it overwrites only slots past them. Every slot below `at` = m was written (by its own
    // list last), within the capacity.
    unsafe { out.set_len(m) };
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loop per list.
    fn per_list<T: Copy>(v: &[T], offsets: &[i64]) -> Vec<T> {
        let mut out = Vec::new();
        for (x, w) in v.iter().zip(offsets.windows(2)) {
            out.extend((w[0]..w[1]).map(|_| *x));
        }
        out
    }

    #[test]
    fn every_element_gets_its_lists_value() {
        let mut rng = crate::test_rng::Xorshift(0x9E37_79B9_7F4A_7C15);
        let mut next = |m: u64| rng.below(m);
        for n in [0usize, 1, 2, 3, 17, 300] {
            for longest in [1u64, 4, 17, 40] {
                for start in [0i64, 5] {
                    let mut o = vec![start];
                    for _ in 0..n {
                        // Many empty lists, lengths around WIDE, a few long ones.
                        o.push(o.last().unwrap() + next(longest) as i64);
                    }
                    let f: Vec<f32> = (0..n).map(|e| e as f32 * 1.5).collect();
                    assert_eq!(repeat(&f, &o).unwrap(), per_list(&f, &o), "{o:?}");
                    let d: Vec<f64> = (0..n).map(|e| e as f64 - 0.25).collect();
                    assert_eq!(repeat(&d, &o).unwrap(), per_list(&d, &o));
                    let b: Vec<bool> = (0..n).map(|e| e % 3 == 0).collect();
                    assert_eq!(repeat(&b, &o).unwrap(), per_list(&b, &o));
                    // More values than lists: the extra ones are not used.
                    let mut more = f.clone();
                    more.push(-1.0);
                    assert_eq!(repeat(&more, &o).unwrap(), per_list(&f, &o));
                }
            }
        }
    }

    #[test]
    fn refused_offsets() {
        assert_eq!(repeat::<f32>(&[], &[]), None);
        assert_eq!(repeat(&[1.0f32, 2.0], &[0, 3, 2]), None);
        assert_eq!(repeat(&[1.0f64], &[0, 1, 2]), None);
        assert_eq!(repeat::<f64>(&[], &[4]), Some(vec![]));
        assert_eq!(repeat(&[1.0f64, 2.0], &[0, 0, 2]), Some(vec![2.0, 2.0]));
    }
}

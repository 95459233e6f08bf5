//! Masks of jagged lists: `Jet[Jet.pt > 30]` keeps, event by event, the elements whose mask is
//! true. Nothing branches on the data: a mask of measured jets is true about half the time and
//! lists have varying lengths, so a branch per element (or a loop per list) mispredicts about
//! once per element (or list). The kept positions come from one flat loop that writes every
//! position and advances the write cursor by the mask bit; each list's count of kept elements
//! from its mask bytes read 8 at a time.

/// The positions (into the flattened values) that `keep` selects from the lists delimited by
/// `offsets` (n + 1 ascending positions; `keep` indexed by position, as long as the last
/// offset), appended to `positions`, and the offsets of the kept lists (n + 1, from 0),
/// appended to `kept_offsets`. `None` when `offsets` is not ascending or runs past `keep`.
pub fn masked_positions(
    offsets: &[i64],
    keep: &[bool],
    positions: &mut Vec<i64>,
    kept_offsets: &mut Vec<i64>,
) -> Option<()> {
    let (&first, &last) = (offsets.first()?, offsets.last()?);
    if first < 0 || last < first || last as u64 > keep.len() as u64 {
        return None;
    }
    let (first, last) = (first as usize, last as usize);
    // Each list's number of kept elements, from 8 mask bytes at a time: no loop per list,
    // whose varying length would mispredict a branch per list. Offsets that go back or past
    // `last` are refused.
    let kept_base = kept_offsets.len();
    kept_offsets.resize(kept_base + offsets.len(), 0);
    let bytes: &[u8] = bytemuck::cast_slice(keep);
    let mut n = 0i64;
    for (w, o) in offsets.windows(2).zip(&mut kept_offsets[kept_base + 1..]) {
        let (a, b) = (w[0] as usize, w[1] as usize);
        if b < a || b > last {
            kept_offsets.truncate(kept_base);
            return None;
        }
        n += i64::from(count_true(bytes, a, b));
        *o = n;
    }
    // The positions: every one is written, the cursor moves by the mask bit (one flat loop).
    let base = positions.len();
    positions.resize(base + (last - first), 0);
    let out = &mut positions[base..];
    let mut n = 0usize;
    for (j, &k) in keep[first..last].iter().enumerate() {
        out[n] = (first + j) as i64;
        n += usize::from(k);
    }
    positions.truncate(base + n);
    Some(())
}

/// The number of true values (bytes of 0 or 1) in `bytes[a..b]` (`a <= b <= bytes.len()`).
#[inline]
fn count_true(bytes: &[u8], a: usize, b: usize) -> u32 {
    let len = b - a;
    match bytes.get(a..a + 8) {
        Some(word) if len <= 8 => {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            let x = u64::from_le_bytes(w);
            let mask = if len == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * len)) - 1
            };
            // Bytes of 0 or 1: their sum (at most 8) gathers in the top byte.
            ((x & mask).wrapping_mul(0x0101_0101_0101_0101) >> 56) as u32
        }
        _ => bytes[a..b].iter().map(|&x| u32::from(x)).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain way: a branch per element.
    fn plain(offsets: &[i64], keep: &[bool]) -> (Vec<i64>, Vec<i64>) {
        let mut positions = Vec::new();
        let mut kept = vec![0];
        for w in offsets.windows(2) {
            for j in w[0]..w[1] {
                if keep[j as usize] {
                    positions.push(j);
                }
            }
            kept.push(positions.len() as i64);
        }
        (positions, kept)
    }

    #[test]
    fn masks_as_a_branch_per_element_does() {
        let mut s: u64 = 99;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        // Lists of up to 8 elements (counted 8 mask bytes at a time) and longer ones.
        for (start, longest) in [(0i64, 8), (3, 8), (0, 20), (5, 30)] {
            let mut offsets = vec![start];
            for _ in 0..2000 {
                let len = (next() % (longest + 1)) as i64;
                offsets.push(offsets.last().unwrap() + len);
            }
            let total = *offsets.last().unwrap() as usize;
            for density in [0u64, 1, 2, 4] {
                let keep: Vec<bool> = (0..total)
                    .map(|_| density > 0 && next() % 4 < density)
                    .collect();
                let (mut p, mut o) = (vec![], vec![]);
                masked_positions(&offsets, &keep, &mut p, &mut o).unwrap();
                assert_eq!(
                    (p, o),
                    plain(&offsets, &keep),
                    "start {start}, longest {longest}, density {density}"
                );
            }
        }
    }

    #[test]
    fn bad_offsets_are_refused() {
        let keep = [true; 4];
        let (mut p, mut o) = (vec![], vec![]);
        assert!(masked_positions(&[0, 5], &keep, &mut p, &mut o).is_none());
        assert!(masked_positions(&[0, 3, 2], &keep, &mut p, &mut o).is_none());
        assert!(masked_positions(&[-1, 2], &keep, &mut p, &mut o).is_none());
        assert!(masked_positions(&[], &keep, &mut p, &mut o).is_none());
        assert!(masked_positions(&[2], &keep, &mut p, &mut o).is_some());
        assert_eq!((p, o), (vec![], vec![0]));
    }
}

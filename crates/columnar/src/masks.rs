//! Masks of jagged lists: `Jet[Jet.pt > 30]` keeps, event by event, the elements whose mask is
//! true. The kept positions are found without a branch per element (a mask of measured jets is
//! true about half the time, so a branch mispredicts about half the time): every position is
//! written and the write cursor advances by the mask bit.

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
    if offsets.windows(2).any(|w| w[1] < w[0]) {
        return None;
    }
    let (first, last) = (first as usize, last as usize);
    // Room for every position of the range; the cursor `n` never passes the position written.
    let base = positions.len();
    positions.resize(base + (last - first), 0);
    let out = &mut positions[base..];
    let mut n = 0usize;
    kept_offsets.reserve(offsets.len());
    kept_offsets.push(0);
    for w in offsets.windows(2) {
        let (a, b) = (w[0] as usize, w[1] as usize);
        for (j, &k) in keep[a..b].iter().enumerate() {
            out[n] = (a + j) as i64;
            n += usize::from(k);
        }
        kept_offsets.push(n as i64);
    }
    positions.truncate(base + n);
    Some(())
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
        for start in [0i64, 3] {
            let mut offsets = vec![start];
            for _ in 0..2000 {
                let len = (next() % 9) as i64;
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
                    "start {start}, density {density}"
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

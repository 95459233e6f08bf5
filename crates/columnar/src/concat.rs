//! Where the records of a concatenation come from: `concat(Muon, Electron)` lists, per event,
//! that event's muons, then its electrons. Each record's part and its position in that part's
//! values is what a field of the concatenation is gathered through.
//!
//! A loop over events with one over each part's list inside takes a mispredicted exit per
//! event and part, and the lists are short (0 to 3 leptons each): [`record_sources`] writes a
//! fixed number per list instead.

/// Records written per list whatever its length (see [`record_sources`]).
const WIDE: usize = 4;

/// For the concatenation of collections whose list offsets (one more than the events, in
/// order) are `parts`: for every record, in the concatenation's order (per event, the records
/// of the first part, then the second's, …), its part and its position in that part's values
/// (between the part's first and last offset), appended to `out`. `None`, with `out` as it
/// was, when the parts do not have the same number of events or an offsets array decreases.
///
/// Each list writes four (`WIDE`) records whatever its length (the ones past its end are
/// overwritten by the next list, or lie past the output's length) and only a longer list
/// loops over the rest: no exit of a loop of varying length to mispredict per list.
pub fn record_sources(parts: &[&[i64]], out: &mut Vec<(usize, i64)>) -> Option<()> {
    let n1 = parts.first()?.len();
    if n1 == 0
        || parts
            .iter()
            .any(|o| o.len() != n1 || !crate::offsets::ascending(o))
    {
        return None;
    }
    let total = parts.iter().try_fold(0usize, |t, o| {
        t.checked_add(usize::try_from(o[n1 - 1] - o[0]).ok()?)
    })?;
    let start = out.len();
    out.reserve(total + WIDE);
    let room = &mut out.spare_capacity_mut()[..total + WIDE];
    let mut at = 0usize;
    for e in 0..n1 - 1 {
        for (p, o) in parts.iter().enumerate() {
            let (first, n) = (o[e], (o[e + 1] - o[e]) as usize);
            // In bounds: `at` + n ≤ total (the lists' lengths sum to it), + WIDE slack.
            for (j, slot) in room[at..at + WIDE].iter_mut().enumerate() {
                slot.write((p, first + j as i64));
            }
            for (j, slot) in room[at..at + n].iter_mut().enumerate().skip(WIDE) {
                slot.write((p, first + j as i64));
            }
            at += n;
        }
    }
    // SAFETY: the lists wrote their records one after another from `start`, `at` = `total`
    // of them (their lengths sum to it), each slot before being counted; `total` + WIDE
    // slots were reserved.
    unsafe { out.set_len(start + at) };
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain loop: per event, per part, its records.
    fn plain(parts: &[&[i64]]) -> Vec<(usize, i64)> {
        let mut map = Vec::new();
        for e in 0..parts[0].len() - 1 {
            for (p, o) in parts.iter().enumerate() {
                map.extend((o[e]..o[e + 1]).map(|g| (p, g)));
            }
        }
        map
    }

    fn offsets(counts: &[i64], first: i64) -> Vec<i64> {
        let mut o = vec![first];
        for c in counts {
            o.push(o.last().unwrap() + c);
        }
        o
    }

    #[test]
    fn equals_the_loop_per_event() {
        // Lists of 0–8 records (longer than WIDE too) from a fixed sequence, empty events at
        // the start, the end and in runs, one to four parts, offsets that start above 0.
        let mut rng = crate::test_rng::Xorshift(0x9e37_79b9_7f4a_7c15);
        let mut next = |m: u64| rng.below(m) as i64;
        for events in [0usize, 1, 2, 7, 300] {
            for k in 1..=4 {
                let owned: Vec<Vec<i64>> = (0..k)
                    .map(|p| {
                        let counts: Vec<i64> = (0..events)
                            .map(|e| if e % 5 == 3 { 0 } else { next(9) })
                            .collect();
                        offsets(&counts, 10 * p as i64)
                    })
                    .collect();
                let parts: Vec<&[i64]> = owned.iter().map(Vec::as_slice).collect();
                let mut got = vec![(9, 9)];
                record_sources(&parts, &mut got).unwrap();
                assert_eq!(got[0], (9, 9));
                assert_eq!(&got[1..], plain(&parts), "{events} events, {k} parts");
            }
        }
    }

    #[test]
    fn refuses_offsets_that_disagree() {
        let mut out = vec![(1, 1)];
        let a = [0i64, 2, 3];
        assert!(record_sources(&[&a, &[0, 1]], &mut out).is_none());
        assert!(record_sources(&[&a, &[0, 2, 1]], &mut out).is_none());
        assert!(record_sources(&[], &mut out).is_none());
        assert!(record_sources(&[&[]], &mut out).is_none());
        assert_eq!(out, [(1, 1)]);
    }
}

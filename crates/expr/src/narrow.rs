//! A value computed before a cut, narrowed to the events the cut keeps.
//!
//! An analysis computes its defines once per batch: below a cut, a define that was already
//! computed above it is not evaluated again but narrowed — the kept events' values copied, and
//! record indices renumbered for the narrowed chunk (a record index counts the elements of its
//! collection version in the chunk, so it moves down by the elements of the dropped events
//! before it). Narrowing only applies when every record index of a kept event lies in that
//! event's range of its collection (or is −1, a missing record); otherwise the value is
//! computed again, as without narrowing.

use std::rc::Rc;

use crate::chunk::kept_elements;
use crate::eval::{Offsets, R};
use crate::eval_ops::gather_p4;
use crate::value::Val;

/// `v` on the events where `keep` is true (`kept`: their positions); `offsets(c)` gives the
/// element offsets of collection version `c` before the cut. `None` where a record index lies
/// outside its event.
pub(crate) fn narrow(
    v: &Val,
    keep: &[bool],
    kept: &[usize],
    offsets: &dyn Fn(&str) -> R<Offsets>,
) -> R<Option<Val>> {
    Ok(Some(match v {
        Val::Const(..) => v.clone(),
        Val::Num(n) => Val::Num(n.select(keep)),
        Val::List(off, values) => {
            let (new_off, ranges) = kept_elements(off, kept.iter().copied());
            Val::List(Rc::new(new_off), values.take_ranges(&ranges))
        }
        Val::P4(p) => {
            let rows: Vec<i64> = kept.iter().map(|&e| e as i64).collect();
            Val::P4(gather_p4(p, &rows))
        }
        Val::P4List(off, p) => {
            let (new_off, ranges) = kept_elements(off, kept.iter().copied());
            let elems: Vec<i64> = ranges
                .iter()
                .flat_map(|&(a, b)| a as i64..b as i64)
                .collect();
            Val::P4List(Rc::new(new_off), gather_p4(p, &elems))
        }
        Val::Obj(c, idx) => {
            let Some(idx) = Renumber::new(offsets(c)?, kept).per_event(idx, kept) else {
                return Ok(None);
            };
            Val::Obj(c.clone(), idx)
        }
        Val::Objs(c, off, idx) => {
            let coll = offsets(c)?;
            if every_record_in_order(off, idx, &coll) {
                // So are the kept events' lists: no index to renumber one by one.
                let (new_off, _) = kept_elements(off, kept.iter().copied());
                let total = new_off.last().copied().unwrap_or(0);
                return Ok(Some(Val::Objs(
                    c.clone(),
                    Rc::new(new_off),
                    (0..total).collect(),
                )));
            }
            let r = Renumber::new(coll, kept);
            let Some((new_off, idx)) = r.lists(off, idx, kept) else {
                return Ok(None);
            };
            Val::Objs(c.clone(), Rc::new(new_off), idx)
        }
        Val::Tuple(cs, slots) => {
            let mut out = Vec::with_capacity(slots.len());
            for (c, idx) in cs.iter().zip(slots) {
                let Some(idx) = Renumber::new(offsets(c)?, kept).per_event(idx, kept) else {
                    return Ok(None);
                };
                out.push(idx);
            }
            Val::Tuple(cs.clone(), out)
        }
        Val::Tuples(cs, off, slots) => {
            let mut out = Vec::with_capacity(slots.len());
            let mut list_off = None;
            for (c, idx) in cs.iter().zip(slots) {
                let r = Renumber::new(offsets(c)?, kept);
                let Some((new_off, idx)) = r.lists(off, idx, kept) else {
                    return Ok(None);
                };
                list_off = Some(new_off);
                out.push(idx);
            }
            let new_off = match list_off {
                Some(o) => o,
                None => kept_elements(off, kept.iter().copied()).0,
            };
            Val::Tuples(cs.clone(), Rc::new(new_off), out)
        }
    }))
}

/// Whether each event's list of record indices (`off`, `idx`) is all of the event's records of
/// their collection version (element offsets `coll`), in order — the collection itself, as
/// `concat(Muon, Electron)` or `Jet` gives it. Checked in two passes the compiler vectorises:
/// the offsets equal the collection's (ascending from 0) and every index is its own position.
fn every_record_in_order(off: &[i64], idx: &[i64], coll: &[i64]) -> bool {
    let total = off.last().copied().unwrap_or(0);
    let same_offsets = std::ptr::eq(off, coll) || off == coll;
    same_offsets
        && off.first() == Some(&0)
        && columnar::offsets::ascending(off)
        && usize::try_from(total) == Ok(idx.len())
        && idx
            .iter()
            .zip(0i64..)
            .fold(true, |all, (&i, k)| all & (i == k))
}

/// Record indices of one collection version, renumbered for the kept events.
struct Renumber {
    /// The collection's element offsets before the cut.
    off: Offsets,
    /// For the k-th kept event: how far its elements move down.
    shift: Vec<i64>,
}

impl Renumber {
    fn new(off: Offsets, kept: &[usize]) -> Renumber {
        let mut shift = Vec::with_capacity(kept.len());
        let mut before = 0i64;
        for &e in kept {
            let (lo, hi) = (
                off.get(e).copied().unwrap_or(0),
                off.get(e + 1).copied().unwrap_or(0),
            );
            shift.push(lo - before);
            before += (hi - lo).max(0);
        }
        Renumber { off, shift }
    }

    /// Index `i` of event `e`, the `k`-th kept one; `None` if outside that event.
    #[inline]
    fn one(&self, i: i64, e: usize, k: usize) -> Option<i64> {
        if i < 0 {
            return Some(i);
        }
        let (lo, hi) = (*self.off.get(e)?, *self.off.get(e + 1)?);
        (lo <= i && i < hi).then(|| i - self.shift[k])
    }

    /// One index per event: the kept events' renumbered.
    fn per_event(&self, idx: &[i64], kept: &[usize]) -> Option<Vec<i64>> {
        kept.iter()
            .enumerate()
            .map(|(k, &e)| self.one(*idx.get(e)?, e, k))
            .collect()
    }

    /// Lists of indices with list offsets `list_off`: the kept events' lists renumbered, with
    /// their new offsets.
    ///
    /// Without a loop per event over its list (whose varying length mispredicts a branch about
    /// once per event): each kept event's facts are noted once, each output position learns
    /// its kept event from a store at the event's first position and a running maximum (as
    /// `columnar::nearest` does), and one flat loop renumbers every index.
    fn lists(&self, list_off: &[i64], idx: &[i64], kept: &[usize]) -> Option<(Vec<i64>, Vec<i64>)> {
        let mut new_off = Vec::with_capacity(kept.len() + 1);
        new_off.push(0i64);
        let mut events = Vec::with_capacity(kept.len());
        let mut total = 0usize;
        for (k, &e) in kept.iter().enumerate() {
            let (a, b) = (*list_off.get(e)?, *list_off.get(e + 1)?);
            let (lo, hi) = (*self.off.get(e)?, *self.off.get(e + 1)?);
            let (a, b) = (usize::try_from(a).ok()?, usize::try_from(b).ok()?);
            if b < a || b > idx.len() {
                return None;
            }
            events.push(Kept {
                from: a.wrapping_sub(total),
                lo,
                hi,
                shift: self.shift[k],
            });
            total += b - a;
            new_off.push(total as i64);
        }
        // Each output position's kept event (the last event to start at a position wins, the
        // empty ones before it having stored theirs first).
        let mut which = vec![0u32; total + 1];
        for (k, &o) in new_off[..kept.len()].iter().enumerate() {
            which[o as usize] = u32::try_from(k).ok()?;
        }
        let mut running = 0u32;
        let mut out = Vec::with_capacity(total);
        let mut outside = false;
        for (p, w) in which[..total].iter().enumerate() {
            running = running.max(*w);
            let ev = &events[running as usize];
            // In bounds: p lies in its event's new range, so from + p is in a..b.
            let i = idx[ev.from.wrapping_add(p)];
            // A missing record (−1) stays; any other index must lie in its event.
            outside |= i >= 0 && !(ev.lo <= i && i < ev.hi);
            out.push(if i < 0 { i } else { i - ev.shift });
        }
        (!outside).then_some((new_off, out))
    }
}

/// What [`Renumber::lists`] needs of a kept event: where its list starts in the indices less
/// where it starts in the output (so output position `p` reads `from + p`, wrapping), its
/// collection's records `lo..hi` before the cut, and how far they move down.
struct Kept {
    from: usize,
    lo: i64,
    hi: i64,
    shift: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collection_in_order_narrows_to_the_renumbered_lists() {
        // Events of 2, 0, 3, 1, 4 and 0 records; each event's list is its own records.
        let coll: Offsets = Rc::new(vec![0, 2, 2, 5, 6, 10, 10]);
        let idx: Vec<i64> = (0..10).collect();
        let keep = [true, false, true, true, false, true];
        let kept: Vec<usize> = (0..6).filter(|&e| keep[e]).collect();
        let offsets = |_: &str| -> R<Offsets> { Ok(coll.clone()) };
        let renumbered = |off: &[i64], idx: &[i64]| {
            Renumber::new(coll.clone(), &kept)
                .lists(off, idx, &kept)
                .unwrap()
        };
        // The shared offsets (the same Rc) and an equal copy of them.
        for off in [coll.clone(), Rc::new(coll.to_vec())] {
            assert!(every_record_in_order(&off, &idx, &coll));
            let v = Val::Objs("Muon+Electron".into(), off.clone(), idx.clone());
            let Some(Val::Objs(_, new_off, new_idx)) = narrow(&v, &keep, &kept, &offsets).unwrap()
            else {
                panic!("not narrowed")
            };
            let (want_off, want_idx) = renumbered(&off, &idx);
            assert_eq!(*new_off, want_off);
            assert_eq!(new_idx, want_idx);
            assert_eq!(new_idx, vec![0, 1, 2, 3, 4, 5]);
        }
        // Not the collection in order: a record out of place, another layout, offsets not
        // from 0 or descending, or a list shorter than its offsets say — the general path.
        let mut swapped = idx.clone();
        swapped.swap(2, 3);
        assert!(!every_record_in_order(&coll, &swapped, &coll));
        let v = Val::Objs("Jet".into(), coll.clone(), swapped.clone());
        let Some(Val::Objs(_, _, got)) = narrow(&v, &keep, &kept, &offsets).unwrap() else {
            panic!("not narrowed")
        };
        assert_eq!(got, renumbered(&coll, &swapped).1);
        assert_eq!(got, vec![0, 1, 3, 2, 4, 5]);
        let other = [0i64, 1, 2, 5, 6, 10, 10];
        assert!(!every_record_in_order(&other, &idx, &coll));
        assert!(!every_record_in_order(&[1, 3], &[1, 2], &[1, 3]));
        assert!(!every_record_in_order(
            &[0, 2, 1, 3],
            &[0, 1, 2],
            &[0, 2, 1, 3]
        ));
        assert!(!every_record_in_order(&coll, &idx[..9], &coll));
    }

    #[test]
    fn lists_renumber_each_kept_events_indices_and_refuse_one_outside_its_event() {
        // A collection of 2, 3, 0 and 4 records in events 0–3; events 1 and 3 kept.
        let coll: Offsets = Rc::new(vec![0, 2, 5, 5, 9]);
        let kept = [1usize, 3];
        let r = Renumber::new(coll, &kept);
        // Lists of record indices per event (−1: a missing record).
        let list_off = [0i64, 1, 4, 4, 7];
        let idx = [1i64, 4, -1, 2, 8, 5, -1];
        let (off, out) = r.lists(&list_off, &idx, &kept).unwrap();
        // Event 1's records 2..5 become 0..3; event 3's 5..9 become 3..7.
        assert_eq!(off, vec![0, 3, 6]);
        assert_eq!(out, vec![2, -1, 0, 6, 3, -1]);
        // The same through the per-index path.
        let one: Vec<i64> = [
            (4i64, 1usize, 0usize),
            (-1, 1, 0),
            (2, 1, 0),
            (8, 3, 1),
            (5, 3, 1),
            (-1, 3, 1),
        ]
        .iter()
        .map(|&(i, e, k)| r.one(i, e, k).unwrap())
        .collect();
        assert_eq!(out, one);
        // An index of event 0's records (1) in event 1's list, or one past event 3's: refused.
        for (pos, bad) in [(1usize, 1i64), (4, 9)] {
            let mut idx = idx;
            idx[pos] = bad;
            assert!(r.lists(&list_off, &idx, &kept).is_none(), "{pos} {bad}");
        }
    }

    /// Lists short and long, far from the end of the indices and near it: the same as index by
    /// index; an index outside its event refused wherever it is, and one just past a kept
    /// list, in a dropped event's list, not.
    #[test]
    fn lists_renumber_as_index_by_index_at_every_length() {
        let mut rng = crate::test_rng::Xorshift(0x9E37_79B9_7F4A_7C15);
        let mut next = |m: u64| rng.below(m);
        // A collection of 0–12 records an event; each event's list 0–12 of its records, or −1.
        let events = 300usize;
        let mut coll = vec![0i64];
        for _ in 0..events {
            coll.push(coll.last().unwrap() + next(13) as i64);
        }
        let (mut list_off, mut idx) = (vec![0i64], Vec::new());
        for e in 0..events {
            let (lo, hi) = (coll[e], coll[e + 1]);
            for _ in 0..next(13) {
                idx.push(if hi > lo && next(5) > 0 {
                    lo + next((hi - lo) as u64) as i64
                } else {
                    -1
                });
            }
            list_off.push(idx.len() as i64);
        }
        let kept: Vec<usize> = (0..events).filter(|_| next(3) > 0).collect();
        let r = Renumber::new(Rc::new(coll.clone()), &kept);
        let (off, out) = r.lists(&list_off, &idx, &kept).unwrap();
        let mut want_off = vec![0i64];
        let mut want = Vec::new();
        for (k, &e) in kept.iter().enumerate() {
            for &i in &idx[list_off[e] as usize..list_off[e + 1] as usize] {
                want.push(r.one(i, e, k).unwrap());
            }
            want_off.push(want.len() as i64);
        }
        assert_eq!((off, out), (want_off, want));
        // A short list far from the end of the indices, followed by the list of an event the
        // cut drops: that list's indices are not checked.
        let owner = |p: usize| {
            (0..events).find(|&x| (list_off[x] as usize..list_off[x + 1] as usize).contains(&p))
        };
        let short = kept.iter().copied().find(|&e| {
            let (a, b) = (list_off[e] as usize, list_off[e + 1] as usize);
            b > a
                && b - a <= 8
                && a + 8 <= idx.len()
                && coll[e + 1] > coll[e]
                && owner(b).is_some_and(|o| !kept.contains(&o))
        });
        let e = short.expect("a short list before a dropped event's");
        // Just past it, an index of no event of the short list's: not refused.
        let mut other = idx.clone();
        other[list_off[e + 1] as usize] = 1_000_000;
        assert!(r.lists(&list_off, &other, &kept).is_some());
        // An index of another event first in the short list: refused.
        let mut bad = idx.clone();
        bad[list_off[e] as usize] = coll[e + 1];
        assert!(r.lists(&list_off, &bad, &kept).is_none());
        // One past the collection last in the last kept list: refused.
        let &l = kept
            .iter()
            .rev()
            .find(|&&x| list_off[x + 1] > list_off[x])
            .unwrap();
        let mut bad = idx.clone();
        bad[list_off[l + 1] as usize - 1] = 1_000_000;
        assert!(r.lists(&list_off, &bad, &kept).is_none());
    }
}

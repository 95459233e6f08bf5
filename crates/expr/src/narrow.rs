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
            let r = Renumber::new(offsets(c)?, kept);
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
    fn lists(&self, list_off: &[i64], idx: &[i64], kept: &[usize]) -> Option<(Vec<i64>, Vec<i64>)> {
        let mut new_off = Vec::with_capacity(kept.len() + 1);
        new_off.push(0i64);
        let mut out = Vec::new();
        for (k, &e) in kept.iter().enumerate() {
            let (a, b) = (*list_off.get(e)? as usize, *list_off.get(e + 1)? as usize);
            for &i in idx.get(a..b)? {
                out.push(self.one(i, e, k)?);
            }
            new_off.push(out.len() as i64);
        }
        Some((new_off, out))
    }
}

//! A chunk of events: the branch columns an analysis needs, for a run of entries.

use std::cell::RefCell;
use std::rc::Rc;

use columnar::ranges::{self, copy_range, WIDE};
use rootio::Array;
// The maps hold a few entries (the branches and defines an analysis reads, array addresses):
// a fast hash, and too few keys for colliding names to cost anything.
use rustc_hash::FxHashMap as HashMap;

use crate::value::{Nums, Val};

/// Branch columns for `len` events, with their entry numbers (for error messages).
///
/// A column is given as the array read from the file (`columns`), as rows of a larger read
/// array (`views`: an event loop's batch of a work item, no copy), or already as the value
/// expressions compute with (`values`). Views are converted (one copy) only when an expression
/// reads them, and a cut copies only the events it keeps: columns first needed after a cut that
/// keeps few events cost almost nothing before it.
#[derive(Debug, Clone, Default)]
pub struct Chunk {
    /// Entry number of each event in its file.
    pub entries: Vec<u64>,
    /// Branch name → column.
    pub columns: HashMap<String, Array>,
    /// Branch name → rows `start..stop` of a read array.
    pub views: HashMap<String, View>,
    /// Branch name → the column as a value.
    pub values: HashMap<String, Rc<Val>>,
    /// A selection vector: the events are these rows of the views (relative to each view's
    /// start, ascending); `None`: every row. A cut narrows it instead of copying the views, so
    /// a column is copied once, and only for the kept events, when an expression reads it.
    pub rows: Option<Rc<Vec<usize>>>,
    /// Which pairs of jagged views (by their arrays' addresses) have equal offsets, found so
    /// far: shared by the chunks a cut makes of this one, so a pair is compared once a batch.
    pub same_offsets: Rc<RefCell<HashMap<(usize, usize), bool>>>,
}

/// Rows `start..stop` of a shared array.
#[derive(Debug, Clone)]
pub struct View {
    /// The array.
    pub array: Rc<Array>,
    /// First row.
    pub start: usize,
    /// One past the last row.
    pub stop: usize,
}

/// How the selected events' lists of a jagged view are laid out: shared by the fields of a
/// collection (see [`Chunk::view_value_sharing`]).
#[derive(Debug, Clone)]
pub struct ListLayout {
    /// The read array whose offsets these are.
    array: Rc<Array>,
    start: usize,
    stop: usize,
    /// The events' list offsets, from 0.
    offsets: Rc<Vec<i64>>,
    /// The element ranges of the read values to copy, in order.
    ranges: Rc<Vec<(usize, usize)>>,
}

impl ListLayout {
    /// Whether `array` holds this layout's read offsets themselves (not a copy): the reader
    /// gives the fields of a collection one offsets array when they agree
    /// ([`rootio::Offsets::shares`]).
    fn shares_offsets(&self, array: &Array) -> bool {
        match (&*self.array, array) {
            (Array::Jagged { offsets: a, .. }, Array::Jagged { offsets: b, .. }) => a.shares(b),
            _ => false,
        }
    }

    /// The read offsets this layout was made from.
    fn raw(&self) -> Option<&[i64]> {
        match &*self.array {
            Array::Jagged { offsets, .. } => offsets.get(self.start..=self.stop),
            _ => None,
        }
    }
}

impl Chunk {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether the chunk has no events.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether branch `name` is in the chunk.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
            || self.columns.contains_key(name)
            || self.views.contains_key(name)
    }

    /// Branch `name` as an array of this chunk's events (a copy for a view).
    pub fn array(&self, name: &str) -> Option<Array> {
        if let Some(a) = self.columns.get(name) {
            return Some(a.clone());
        }
        let v = self.views.get(name)?;
        Some(match &self.rows {
            None => v.array.slice(v.start, v.stop),
            Some(rows) => {
                let mut keep = vec![false; v.stop.saturating_sub(v.start)];
                for &r in rows.iter() {
                    if let Some(k) = keep.get_mut(r) {
                        *k = true;
                    }
                }
                filter_rows(&v.array, v.start, v.stop, &keep, rows)
            }
        })
    }

    /// A view of this chunk as an expression value: its rows (or the selected ones), one copy.
    pub fn view_value(&self, v: &View) -> Option<Val> {
        self.view_value_sharing(v, &mut Vec::new())
    }

    /// As [`Chunk::view_value`], but a jagged view whose offsets equal those of a view in
    /// `layouts` (the fields of one collection, `Muon_pt` and `Muon_eta`, all have `nMuon`'s)
    /// takes that view's offsets (the same `Rc`) and element ranges instead of computing them
    /// again; a new layout is added to `layouts`. Equality is checked on the read offsets, so
    /// a file whose fields disagree gets offsets of its own for each.
    pub fn view_value_sharing(&self, v: &View, layouts: &mut Vec<ListLayout>) -> Option<Val> {
        let Array::Jagged { offsets, values } = &*v.array else {
            return match &self.rows {
                None => Chunk::value_of(&v.array, v.start, v.stop),
                Some(rows) => value_of_rows(&v.array, v.start, v.stop, rows),
            };
        };
        let layout = self.shared_layout(v, offsets, layouts)?;
        Some(Val::List(
            layout.offsets,
            nums_ranges(values, &layout.ranges)?,
        ))
    }

    /// A jagged view of floats as [`Chunk::view_value_sharing`] gives it, its values converted
    /// to double precision in the same pass (what four-vectors compute with: one copy of the
    /// selected values instead of one in the file's type and another to convert it); the list
    /// offsets and the values. `None` for other arrays (integers, fixed-size lists).
    pub fn view_f64_sharing(
        &self,
        v: &View,
        layouts: &mut Vec<ListLayout>,
    ) -> Option<(Rc<Vec<i64>>, Vec<f64>)> {
        let Array::Jagged { offsets, values } = &*v.array else {
            return None;
        };
        let layout = self.shared_layout(v, offsets, layouts)?;
        let values = match &**values {
            Array::F32(x) => ranges::widened(x, &layout.ranges)?,
            Array::F64(x) => ranges::copied(x, &layout.ranges)?,
            _ => return None,
        };
        Some((layout.offsets, values))
    }

    /// The list offsets of a jagged view as [`Chunk::view_value_sharing`] gives them, without
    /// its values (a collection's offsets, for `len(Jet)`, need no field copied).
    pub fn view_offsets_sharing(
        &self,
        v: &View,
        layouts: &mut Vec<ListLayout>,
    ) -> Option<Rc<Vec<i64>>> {
        let Array::Jagged { offsets, .. } = &*v.array else {
            return None;
        };
        Some(self.shared_layout(v, offsets, layouts)?.offsets)
    }

    /// For a jagged view of a chunk that no cut has narrowed: its lists' offsets from 0 (shared
    /// as [`Chunk::view_value_sharing`] shares them) and the one range of the read values they
    /// span, for reading the values where they lie ([`crate::raw_field::RawList`]). `None` after
    /// a cut (the kept lists are many ranges) and for other arrays.
    pub(crate) fn unselected_range(
        &self,
        v: &View,
        layouts: &mut Vec<ListLayout>,
    ) -> Option<(Rc<Vec<i64>>, usize, usize)> {
        if self.rows.is_some() {
            return None;
        }
        let Array::Jagged { offsets, .. } = &*v.array else {
            return None;
        };
        let layout = self.shared_layout(v, offsets, layouts)?;
        match layout.ranges[..] {
            [(first, last)] => Some((layout.offsets, first, last)),
            _ => None,
        }
    }

    /// The layout of a jagged view: one of `layouts` with equal offsets, or a new one (added).
    fn shared_layout(
        &self,
        v: &View,
        offsets: &[i64],
        layouts: &mut Vec<ListLayout>,
    ) -> Option<ListLayout> {
        let raw = offsets.get(v.start..=v.stop)?;
        let known = layouts.iter().find(|l| {
            let key = (Rc::as_ptr(&l.array) as usize, Rc::as_ptr(&v.array) as usize);
            if l.start != v.start || l.stop != v.stop {
                return false;
            }
            if Rc::ptr_eq(&l.array, &v.array) {
                // The same branch read again (its offsets, then its values): nothing to compare.
                return true;
            }
            if l.shares_offsets(&v.array) {
                // Fields of one collection whose offsets the reader proved equal (one array).
                return true;
            }
            let same = self.same_offsets.borrow().get(&key).copied();
            same.unwrap_or_else(|| {
                let same = l.raw() == Some(raw);
                self.same_offsets.borrow_mut().insert(key, same);
                same
            })
        });
        Some(match known {
            Some(l) => l.clone(),
            None => {
                let l = self.list_layout(v, offsets)?;
                layouts.push(l.clone());
                l
            }
        })
    }

    /// The lists of a jagged view's events (all rows or the selected ones): offsets from 0 and
    /// the element ranges to copy.
    fn list_layout(&self, v: &View, offsets: &[i64]) -> Option<ListLayout> {
        let (off, ranges) = match &self.rows {
            None => {
                let (off, range) = rebased(offsets, v.start, v.stop)?;
                (off, vec![range])
            }
            Some(rows) => {
                let n = v.stop.checked_sub(v.start)?;
                if rows.last().is_some_and(|r| *r >= n) || offsets.len() < v.stop + 1 {
                    return None;
                }
                kept_elements(offsets, rows.iter().map(|r| v.start + r))
            }
        };
        Some(ListLayout {
            array: v.array.clone(),
            start: v.start,
            stop: v.stop,
            offsets: Rc::new(off),
            ranges: Rc::new(ranges),
        })
    }

    /// The values of rows `start..stop` of a read array as an expression value (numbers, or
    /// lists of numbers with offsets starting at 0); `None` for other layouts.
    pub fn value_of(a: &Array, start: usize, stop: usize) -> Option<Val> {
        let nums = |a: &Array, s: usize, e: usize| nums_ranges(a, &[(s, e)]);
        match a {
            Array::Jagged { offsets, values } => {
                let (off, (a0, a1)) = rebased(offsets, start, stop)?;
                Some(Val::List(Rc::new(off), nums(values, a0, a1)?))
            }
            Array::Fixed { size, values } => {
                let off = (0..=stop - start).map(|i| (i * size) as i64).collect();
                Some(Val::List(
                    Rc::new(off),
                    nums(values, start * size, stop * size)?,
                ))
            }
            other => Some(Val::Num(nums(other, start, stop)?)),
        }
    }

    /// The events where `keep` is true (a cut applied).
    pub fn filter(&self, keep: &[bool]) -> Chunk {
        let columns: HashMap<String, Array> = self
            .columns
            .iter()
            .map(|(n, a)| (n.clone(), filter_array(a, keep)))
            .collect();
        let kept = crate::value::kept_positions(keep);
        // Views stay views: the selection narrows (no column is copied here).
        let rows = (!self.views.is_empty()).then(|| {
            Rc::new(match &self.rows {
                None => kept,
                Some(r) => kept.iter().filter_map(|&k| r.get(k).copied()).collect(),
            })
        });
        Chunk {
            views: self.views.clone(),
            rows,
            same_offsets: self.same_offsets.clone(),
            values: self
                .values
                .iter()
                .map(|(n, v)| (n.clone(), Rc::new(filter_value(v, keep))))
                .collect(),
            entries: crate::value::select(&self.entries, keep),
            columns,
        }
    }
}

/// The offsets of the lists of rows `start..stop` counted from 0, and the range of elements
/// they span; `None` past the end or for offsets that go back.
fn rebased(offsets: &[i64], start: usize, stop: usize) -> Option<(Vec<i64>, (usize, usize))> {
    let o = offsets.get(start..=stop)?;
    let (&base, &end) = (o.first()?, o.last()?);
    let (a0, a1) = (usize::try_from(base).ok()?, usize::try_from(end).ok()?);
    if a1 < a0 {
        return None;
    }
    Some((o.iter().map(|x| x - base).collect(), (a0, a1)))
}

/// The values of `a` in the index ranges `ranges`, in order, as the numbers expressions compute
/// with (small integers promoted to `int`); `None` for other layouts or ranges past the end.
fn nums_ranges(a: &Array, r: &[(usize, usize)]) -> Option<Nums> {
    Some(match a {
        Array::Bool(v) => Nums::Bool(ranges::converted(v, r, |x| x)?),
        Array::I8(v) => Nums::I32(ranges::converted(v, r, i32::from)?),
        Array::U8(v) => Nums::I32(ranges::converted(v, r, i32::from)?),
        Array::I16(v) => Nums::I32(ranges::converted(v, r, i32::from)?),
        Array::U16(v) => Nums::I32(ranges::converted(v, r, i32::from)?),
        Array::I32(v) => Nums::I32(ranges::copied(v, r)?),
        Array::U32(v) => Nums::U32(ranges::copied(v, r)?),
        Array::I64(v) => Nums::I64(ranges::copied(v, r)?),
        Array::U64(v) => Nums::U64(ranges::copied(v, r)?),
        Array::F32(v) => Nums::F32(ranges::copied(v, r)?),
        Array::F64(v) => Nums::F64(ranges::copied(v, r)?),
        _ => return None,
    })
}

/// The lists of several jagged columns of the same events (`(offsets, values)`, offsets of
/// equal lengths) joined event by event: each event's list of the first, then of the second,
/// and so on (a concatenation's records, as they are numbered). `None` where offsets differ
/// in length, decrease or point past their values.
pub(crate) fn interleave_lists<T: Copy>(parts: &[(&[i64], &[T])]) -> Option<Vec<T>> {
    let mut total = 0usize;
    for (off, _) in parts {
        let (first, last) = (*off.first()?, *off.last()?);
        total = total.checked_add(usize::try_from(last.checked_sub(first)?).ok()?)?;
    }
    interleave_read(parts, None, total, |x| x)
}

/// [`interleave_lists`] of read jagged columns of the same events, straight from the read
/// arrays, each value through `f`: `parts` are each column's read offsets of a view's rows
/// (`start..=stop`, so not from 0) and its values; `rows` the selected rows (ascending; `None`:
/// all); `total` the number of values joined (the sum of the selected lists' lengths, which the
/// caller knows from their offsets). One copy instead of one per column and another to join
/// them. `None` where offsets decrease or point past their values, or `total` is not the sum.
pub(crate) fn interleave_read<T: Copy, U: Copy>(
    parts: &[(&[i64], &[T])],
    rows: Option<&[usize]>,
    total: usize,
    f: impl Fn(T) -> U,
) -> Option<Vec<U>> {
    let offsets: Vec<&[i64]> = parts.iter().map(|p| p.0).collect();
    let values: Vec<[&[T]; 1]> = parts.iter().map(|p| [p.1]).collect();
    let [joined] = interleave_read_fields(&offsets, &values, rows, total, f)?;
    Some(joined)
}

/// [`interleave_read`] of `K` fields of the same parts at once (a concatenation's `pt`, `eta`,
/// `phi` and `mass`): `offsets` are each part's read offsets of a view's rows, shared by its
/// `K` fields' values in `values`. Each event's offsets are read and checked once for all
/// fields. `None` as [`interleave_read`] gives it, or where `offsets` and `values` differ in
/// number.
pub(crate) fn interleave_read_fields<const K: usize, T: Copy, U: Copy>(
    offsets: &[&[i64]],
    values: &[[&[T]; K]],
    rows: Option<&[usize]>,
    total: usize,
    f: impl Fn(T) -> U,
) -> Option<[Vec<U>; K]> {
    let events = offsets.first()?.len().checked_sub(1)?;
    if offsets.len() != values.len() || offsets.iter().any(|off| off.len() != events + 1) {
        return None;
    }
    let room_len = total.checked_add(WIDE)?;
    let mut outs: [Vec<U>; K] = std::array::from_fn(|_| Vec::with_capacity(room_len));
    let mut at = 0;
    {
        let mut rooms = outs
            .each_mut()
            .map(|out| &mut out.spare_capacity_mut()[..room_len]);
        let mut event = |r: usize| -> Option<()> {
            for (off, fields) in offsets.iter().zip(values) {
                let (s, t) = (
                    usize::try_from(*off.get(r)?).ok()?,
                    usize::try_from(*off.get(r + 1)?).ok()?,
                );
                // Within `total`: `copy_range` may use the WIDE values of room past it.
                let len = t.checked_sub(s)?;
                if at + len > total {
                    return None;
                }
                for (room, v) in rooms.iter_mut().zip(fields) {
                    copy_range(room, at, v, s, t, &f)?;
                }
                at += len;
            }
            Some(())
        };
        match rows {
            Some(rows) => rows.iter().try_for_each(|&r| event(r))?,
            None => (0..events).try_for_each(&mut event)?,
        }
    }
    if at != total {
        return None;
    }
    for out in &mut outs {
        // SAFETY: every list was written right after the one before it, from 0, in every
        // output, so the first `at` = `total` elements of each are initialised; `copy_range`
        // wrote only inside the capacity.
        unsafe { out.set_len(at) };
    }
    Some(outs)
}

/// Rows `rows` (ascending, relative to `start`, each below `stop - start`) of a read array that
/// is not jagged as an expression value, as [`Chunk::value_of`] gives all of them.
fn value_of_rows(a: &Array, start: usize, stop: usize, rows: &[usize]) -> Option<Val> {
    let n = stop.checked_sub(start)?;
    if rows.last().is_some_and(|r| *r >= n) {
        return None;
    }
    // Consecutive rows merged into ranges of element indices.
    let ranges = |size: usize| -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for &r in rows {
            let (a, b) = ((start + r) * size, (start + r + 1) * size);
            match out.last_mut() {
                Some(x) if x.1 == a => x.1 = b,
                _ => out.push((a, b)),
            }
        }
        out
    };
    match a {
        Array::Fixed { size, values } => {
            let off = (0..=rows.len()).map(|i| (i * size) as i64).collect();
            Some(Val::List(
                Rc::new(off),
                nums_ranges(values, &ranges(*size))?,
            ))
        }
        other => Some(Val::Num(nums_ranges(other, &ranges(1))?)),
    }
}

/// The rows `start..stop` of `a` where `keep` (one per row) is true; `kept` lists those rows
/// (relative to `start`).
fn filter_rows(a: &Array, start: usize, stop: usize, keep: &[bool], kept: &[usize]) -> Array {
    let rows = stop.saturating_sub(start);
    match a {
        Array::Jagged { offsets, values } => {
            let rows_kept = kept.iter().take_while(|&&i| i < rows).map(|&i| start + i);
            let (offsets, ranges) = kept_elements(offsets, rows_kept);
            Array::Jagged {
                offsets: offsets.into(),
                values: Box::new(take_ranges(values, &ranges)),
            }
        }
        Array::Fixed { .. } => filter_array(&a.slice(start, stop), keep),
        flat => {
            fn sel<T: Copy>(v: &[T], start: usize, kept: &[usize]) -> Vec<T> {
                kept.iter()
                    .filter_map(|&i| v.get(start + i).copied())
                    .collect()
            }
            let k = &kept[..kept.partition_point(|&i| i < rows)];
            match flat {
                Array::Bool(v) => Array::Bool(sel(v, start, k)),
                Array::I8(v) => Array::I8(sel(v, start, k)),
                Array::U8(v) => Array::U8(sel(v, start, k)),
                Array::I16(v) => Array::I16(sel(v, start, k)),
                Array::U16(v) => Array::U16(sel(v, start, k)),
                Array::I32(v) => Array::I32(sel(v, start, k)),
                Array::U32(v) => Array::U32(sel(v, start, k)),
                Array::I64(v) => Array::I64(sel(v, start, k)),
                Array::U64(v) => Array::U64(sel(v, start, k)),
                Array::F32(v) => Array::F32(sel(v, start, k)),
                Array::F64(v) => Array::F64(sel(v, start, k)),
                other => filter_array(&other.slice(start, stop), keep),
            }
        }
    }
}

/// The events of a branch value where `keep` is true.
fn filter_value(v: &Val, keep: &[bool]) -> Val {
    match v {
        Val::Num(n) => Val::Num(n.select(keep)),
        Val::List(offsets, values) => {
            let rows = keep.iter().enumerate().filter_map(|(i, k)| k.then_some(i));
            let (new_offsets, ranges) = kept_elements(offsets, rows);
            Val::List(Rc::new(new_offsets), values.take_ranges(&ranges))
        }
        other => other.clone(),
    }
}

/// The entries of `a` where `keep` is true.
pub fn filter_array(a: &Array, keep: &[bool]) -> Array {
    use crate::value::select as s;
    match a {
        Array::Bool(v) => Array::Bool(s(v, keep)),
        Array::I8(v) => Array::I8(s(v, keep)),
        Array::U8(v) => Array::U8(s(v, keep)),
        Array::I16(v) => Array::I16(s(v, keep)),
        Array::U16(v) => Array::U16(s(v, keep)),
        Array::I32(v) => Array::I32(s(v, keep)),
        Array::U32(v) => Array::U32(s(v, keep)),
        Array::I64(v) => Array::I64(s(v, keep)),
        Array::U64(v) => Array::U64(s(v, keep)),
        Array::F32(v) => Array::F32(s(v, keep)),
        Array::F64(v) => Array::F64(s(v, keep)),
        Array::Jagged { offsets, values } => {
            // Copy the kept events' element ranges (merging runs of consecutive kept events).
            let rows = keep.iter().enumerate().filter_map(|(i, k)| k.then_some(i));
            let (offsets, ranges) = kept_elements(offsets, rows);
            Array::Jagged {
                offsets: offsets.into(),
                values: Box::new(take_ranges(values, &ranges)),
            }
        }
        Array::Fixed { size, values } => {
            let element_keep: Vec<bool> = keep
                .iter()
                .flat_map(|k| std::iter::repeat_n(*k, *size))
                .collect();
            Array::Fixed {
                size: *size,
                values: Box::new(filter_array(values, &element_keep)),
            }
        }
        other => {
            let rows: Vec<usize> = keep
                .iter()
                .enumerate()
                .filter(|(_, k)| **k)
                .map(|(i, _)| i)
                .collect();
            let mut out = other.empty_like();
            for r in rows {
                out.append(other.slice(r, r + 1));
            }
            out
        }
    }
}

/// For the lists of the rows `rows` (ascending) of a jagged column with `offsets`: their new
/// offsets (from 0) and the element ranges to copy, consecutive rows merged.
pub(crate) fn kept_elements(
    offsets: &[i64],
    rows: impl Iterator<Item = usize>,
) -> (Vec<i64>, Vec<(usize, usize)>) {
    // Sized for every row up front: grown by `push`, these were 3 % of ADL q8's instructions
    // (reallocations and their copies; callgrind).
    let rows_hint = rows.size_hint().0;
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(rows_hint);
    let mut new_offsets = Vec::with_capacity(rows_hint + 1);
    new_offsets.push(0i64);
    let mut total = 0i64;
    for r in rows {
        let (Some(&lo), Some(&hi)) = (offsets.get(r), offsets.get(r + 1)) else {
            break;
        };
        let (a, b) = (lo.max(0) as usize, hi.max(lo).max(0) as usize);
        total += (b - a) as i64;
        new_offsets.push(total);
        ranges.push((a, b));
    }
    // Runs of ranges that continue one another merged, in place: each range is written at
    // the cursor, which moves on when a range does not start where the one before ended — a
    // select, not a branch (a cut keeps events next to each other or not at random, and a
    // branch on it mispredicted often: ADL q8's `shared_layout`).
    let (mut n, mut start, mut end) = (0usize, 0usize, usize::MAX);
    for k in 0..ranges.len() {
        let (a, b) = ranges[k];
        // The first range always starts a run: no range ends at usize::MAX (a offset that
        // fits i64).
        let new = end != a;
        start = if new { a } else { start };
        n += usize::from(new);
        // n - 1 <= k: the write never passes the read.
        ranges[n - 1] = (start, b);
        end = b;
    }
    ranges.truncate(n);
    (new_offsets, ranges)
}

/// The elements of `a` in the given index ranges, in order.
fn take_ranges(a: &Array, ranges: &[(usize, usize)]) -> Array {
    fn t<T: Copy>(v: &[T], ranges: &[(usize, usize)]) -> Vec<T> {
        let n = ranges.iter().map(|(a, b)| b - a).sum();
        let mut out = Vec::with_capacity(n);
        for &(a, b) in ranges {
            if let Some(s) = v.get(a..b) {
                out.extend_from_slice(s);
            }
        }
        out
    }
    match a {
        Array::Bool(v) => Array::Bool(t(v, ranges)),
        Array::I8(v) => Array::I8(t(v, ranges)),
        Array::U8(v) => Array::U8(t(v, ranges)),
        Array::I16(v) => Array::I16(t(v, ranges)),
        Array::U16(v) => Array::U16(t(v, ranges)),
        Array::I32(v) => Array::I32(t(v, ranges)),
        Array::U32(v) => Array::U32(t(v, ranges)),
        Array::I64(v) => Array::I64(t(v, ranges)),
        Array::U64(v) => Array::U64(t(v, ranges)),
        Array::F32(v) => Array::F32(t(v, ranges)),
        Array::F64(v) => Array::F64(t(v, ranges)),
        other => {
            // Nested layouts: element by element through the general filter.
            let mut keep = vec![false; other.len()];
            for &(a, b) in ranges {
                for k in keep.iter_mut().take(b).skip(a) {
                    *k = true;
                }
            }
            filter_array(other, &keep)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kept_elements` as it was written first: a range pushed, or the last one extended.
    fn kept_elements_plain(offsets: &[i64], rows: &[usize]) -> (Vec<i64>, Vec<(usize, usize)>) {
        let (mut new_offsets, mut ranges) = (vec![0i64], Vec::<(usize, usize)>::new());
        let mut total = 0i64;
        for &r in rows {
            let (Some(&lo), Some(&hi)) = (offsets.get(r), offsets.get(r + 1)) else {
                break;
            };
            let (a, b) = (lo.max(0) as usize, hi.max(lo).max(0) as usize);
            total += (b - a) as i64;
            new_offsets.push(total);
            match ranges.last_mut() {
                Some(x) if x.1 == a => x.1 = b,
                _ => ranges.push((a, b)),
            }
        }
        (new_offsets, ranges)
    }

    #[test]
    fn kept_elements_merge_the_ranges_of_adjacent_rows_as_the_plain_loop() {
        let mut rng = crate::test_rng::Xorshift(0x9E37_79B9_7F4A_7C15);
        let mut next = |m: u64| rng.below(m);
        // Lists of 0–4 values (empty ones often), offsets from 3, rows kept at random, in runs
        // and alone, a row past the end now and then (the rows stop there).
        for round in 0..200 {
            let mut offsets = vec![3i64];
            for _ in 0..next(60) {
                let n = if next(3) == 0 { 0 } else { next(5) as i64 };
                offsets.push(offsets.last().unwrap() + n);
            }
            let events = offsets.len() - 1;
            let share = next(4);
            let mut rows: Vec<usize> = (0..events).filter(|_| next(4) <= share).collect();
            if round % 7 == 0 {
                rows.push(events + next(3) as usize);
            }
            let got = kept_elements(&offsets, rows.iter().copied());
            assert_eq!(
                got,
                kept_elements_plain(&offsets, &rows),
                "{offsets:?} {rows:?}"
            );
            // Through an iterator that does not know its length, too.
            let filtered = (0..events + 2).filter(|r| rows.contains(r));
            assert_eq!(kept_elements(&offsets, filtered), got);
        }
        assert_eq!(
            kept_elements(&[0, 2], std::iter::empty()),
            (vec![0], vec![])
        );
    }

    #[test]
    fn interleaved_lists_take_each_events_lists_part_by_part() {
        // Three events; the second part's lists run past the 8 values a short copy moves, and
        // the first's values run on past its lists (so that its short lists are copied 8 at a
        // time).
        let a = (
            [0i64, 2, 2, 3],
            [1.0, 2.0, 3.0, 90.0, 91.0, 92.0, 93.0, 94.0, 95.0, 96.0],
        );
        let b: (Vec<i64>, Vec<f64>) = (vec![5, 5, 16, 17], (0..17).map(f64::from).collect());
        let got = interleave_lists(&[(&a.0[..], &a.1[..]), (&b.0[..], &b.1[..])]).unwrap();
        let mut want = vec![1.0, 2.0];
        want.extend((5..16).map(f64::from));
        want.extend([3.0, 16.0]);
        assert_eq!(got, want);
        // One part, no events, and lists of one part only.
        assert_eq!(interleave_lists(&[(&a.0[..], &a.1[..])]).unwrap(), a.1[..3]);
        assert!(interleave_lists(&[(&[0i64][..], &[0.0][..])])
            .unwrap()
            .is_empty());
        assert!(interleave_lists::<f64>(&[]).is_none());
    }

    #[test]
    fn interleaving_refuses_offsets_that_differ_decrease_or_overrun() {
        let v = [1.0f32, 2.0, 3.0];
        for (a, b) in [
            (&[0i64, 1, 2][..], &[0i64, 1][..]), // different numbers of events
            (&[0, 2, 1][..], &[0, 1, 2][..]),    // a list that ends before it starts
            (&[0, 1, 4][..], &[0, 1, 2][..]),    // past the values
            (&[-1, 1, 2][..], &[0, 1, 2][..]),   // negative
        ] {
            assert!(
                interleave_lists(&[(a, &v[..]), (b, &v[..])]).is_none(),
                "{a:?} {b:?}"
            );
        }
    }

    #[test]
    fn several_fields_interleave_as_each_does_alone() {
        // Two parts of 40 events (0–11 values an event, read offsets not from 0), three fields
        // each; every event, then a selection of rows.
        let mut x = 7u64;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        let parts: Vec<(Vec<i64>, Vec<Vec<f32>>)> = (0..2)
            .map(|p| {
                let mut off = vec![5i64];
                for _ in 0..40 {
                    off.push(off.last().unwrap() + next(12) as i64);
                }
                let n = *off.last().unwrap() as usize + 3;
                let fields = (0..3)
                    .map(|k| (0..n).map(|i| (1000 * p + 100 * k + i) as f32).collect())
                    .collect();
                (off, fields)
            })
            .collect();
        let offsets: Vec<&[i64]> = parts.iter().map(|p| &p.0[..]).collect();
        let values: Vec<[&[f32]; 3]> = parts
            .iter()
            .map(|p| [&p.1[0][..], &p.1[1][..], &p.1[2][..]])
            .collect();
        let selected: Vec<usize> = (0..40).filter(|_| next(3) > 0).collect();
        for rows in [None, Some(&selected[..])] {
            let events: Vec<usize> = rows.map_or((0..40).collect(), <[usize]>::to_vec);
            let total: usize = events
                .iter()
                .map(|&e| {
                    parts
                        .iter()
                        .map(|p| (p.0[e + 1] - p.0[e]) as usize)
                        .sum::<usize>()
                })
                .sum();
            let got = interleave_read_fields(&offsets, &values, rows, total, f64::from).unwrap();
            for (k, got) in got.iter().enumerate() {
                let alone: Vec<(&[i64], &[f32])> =
                    parts.iter().map(|p| (&p.0[..], &p.1[k][..])).collect();
                let want = interleave_read(&alone, rows, total, f64::from).unwrap();
                assert_eq!(got, &want, "field {k}");
                assert_eq!(got.len(), total);
            }
            // A wrong total, or offsets and fields of different numbers of parts: refused.
            assert!(
                interleave_read_fields(&offsets, &values, rows, total + 1, f64::from).is_none()
            );
            assert!(
                interleave_read_fields(&offsets[..1], &values, rows, total, f64::from).is_none()
            );
        }
    }
}

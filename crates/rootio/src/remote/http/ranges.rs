//! Planning multi-range requests: join the ranges asked for, cut them into requests that fit
//! a server's limits, and cut the answers back into the ranges asked for.

use std::ops::Range;

use crate::error::{Error, Result};

/// The non-empty ranges sorted and joined where they overlap, touch, or lie closer than `gap`.
pub(super) fn merge_ranges(ranges: &[Range<u64>], gap: u64) -> Vec<Range<u64>> {
    let mut sorted: Vec<Range<u64>> = ranges.iter().filter(|r| !r.is_empty()).cloned().collect();
    sorted.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<u64>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match merged.last_mut() {
            Some(last) if r.start <= last.end.saturating_add(gap) => {
                last.end = last.end.max(r.end);
            }
            _ => merged.push(r),
        }
    }
    merged
}

/// `bytes=a-b, c-d, …` (inclusive ends).
pub(super) fn range_header_value(ranges: &[Range<u64>]) -> String {
    let mut s = String::from("bytes=");
    for (i, r) in ranges.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&format!("{}-{}", r.start, r.end - 1));
    }
    s
}

/// Split `merged` into consecutive batches of at most `max_ranges` ranges whose `Range` value
/// stays within `max_header_bytes` (at least one range per batch).
pub(super) fn batches(
    merged: &[Range<u64>],
    max_ranges: usize,
    max_header_bytes: usize,
) -> Vec<&[Range<u64>]> {
    let max_ranges = max_ranges.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = "bytes=".len();
    for (i, r) in merged.iter().enumerate() {
        let item = format!("{}-{}", r.start, r.end - 1).len() + if i > start { 2 } else { 0 };
        if i > start && (i - start >= max_ranges || bytes + item > max_header_bytes) {
            out.push(&merged[start..i]);
            start = i;
            bytes = "bytes=".len() + item - 2;
        } else {
            bytes += item;
        }
    }
    if start < merged.len() {
        out.push(&merged[start..]);
    }
    out
}

/// Hands the bytes of merged ranges out as the caller's ranges (which may overlap, repeat or
/// be empty).
pub(super) struct Handout<'a> {
    ranges: &'a [Range<u64>],
    merged: &'a [Range<u64>],
    /// For each merged range, the caller's ranges inside it.
    of_merged: Vec<Vec<usize>>,
}

impl<'a> Handout<'a> {
    /// `merged` must come from [`merge_ranges`] of `ranges`.
    pub(super) fn new(ranges: &'a [Range<u64>], merged: &'a [Range<u64>]) -> Result<Self> {
        let mut of_merged = vec![Vec::new(); merged.len()];
        for (i, r) in ranges.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
            let k = merged
                .partition_point(|m| m.start <= r.start)
                .checked_sub(1)
                .filter(|&k| merged[k].end >= r.end)
                .ok_or_else(|| Error::corrupt("internal: a range lost while merging"))?;
            of_merged[k].push(i);
        }
        Ok(Handout {
            ranges,
            merged,
            of_merged,
        })
    }

    /// Deliver the empty ranges (they need no bytes).
    pub(super) fn give_empty(&self, deliver: &mut dyn FnMut(usize, Vec<u8>)) {
        for (i, _) in self.ranges.iter().enumerate().filter(|(_, r)| r.is_empty()) {
            deliver(i, Vec::new());
        }
    }

    /// Deliver the ranges inside merged range `k`, whose bytes are `bytes`.
    pub(super) fn give(&self, k: usize, bytes: &[u8], deliver: &mut dyn FnMut(usize, Vec<u8>)) {
        let m = &self.merged[k];
        for &i in &self.of_merged[k] {
            let r = &self.ranges[i];
            let from = (r.start - m.start) as usize;
            deliver(i, bytes[from..from + (r.end - r.start) as usize].to_vec());
        }
    }

    /// [`Handout::give`], without a copy when merged range `k` is exactly one range asked for.
    pub(super) fn give_owned(
        &self,
        k: usize,
        bytes: Vec<u8>,
        deliver: &mut dyn FnMut(usize, Vec<u8>),
    ) {
        match self.of_merged[k].as_slice() {
            [i] if self.ranges[*i] == self.merged[k] => deliver(*i, bytes),
            _ => self.give(k, &bytes, deliver),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_sorts_joins_and_drops_empty() {
        assert_eq!(
            merge_ranges(&[10..20, 0..5, 5..7, 15..30, 40..40, 50..60], 0),
            vec![0..7, 10..30, 50..60]
        );
        assert_eq!(merge_ranges(&[0..5, 8..9, 20..21], 3), vec![0..9, 20..21]);
        assert!(merge_ranges(&[3..3, 5..5], 0).is_empty());
    }

    #[test]
    fn batches_respect_both_limits() {
        let merged: Vec<Range<u64>> = (0..1000u64).map(|i| i * 1000..i * 1000 + 10).collect();
        let b = batches(&merged, 256, 1_000_000);
        assert_eq!(
            b.iter().map(|b| b.len()).collect::<Vec<_>>(),
            vec![256, 256, 256, 232]
        );
        let b = batches(&merged, 10_000, 200);
        assert!(b.len() > 1);
        for batch in &b {
            assert!(
                range_header_value(batch).len() <= 200,
                "{}",
                range_header_value(batch)
            );
        }
        assert_eq!(b.iter().map(|b| b.len()).sum::<usize>(), 1000);
        // A limit smaller than one range still makes progress.
        assert_eq!(batches(&merged[..3], 1, 1).len(), 3);
        assert!(batches(&[], 4, 100).is_empty());
    }

    #[test]
    fn range_header_uses_inclusive_ends() {
        assert_eq!(range_header_value(&[0..1, 10..20]), "bytes=0-0, 10-19");
    }

    #[test]
    fn split_returns_caller_order_and_overlaps() {
        let ranges = [30..35, 0..4, 2..6, 6..6, 30..35];
        let merged = merge_ranges(&ranges, 0);
        assert_eq!(merged, vec![0..6, 30..35]);
        let handout = Handout::new(&ranges, &merged).unwrap();
        let mut out = vec![None; ranges.len()];
        let mut deliver = |i: usize, b: Vec<u8>| out[i] = Some(b);
        handout.give_empty(&mut deliver);
        handout.give(0, b"abcdef", &mut deliver);
        handout.give_owned(1, b"vwxyz".to_vec(), &mut deliver);
        let want: Vec<Option<Vec<u8>>> = [&b"vwxyz"[..], b"abcd", b"cdef", b"", b"vwxyz"]
            .iter()
            .map(|b| Some(b.to_vec()))
            .collect();
        assert_eq!(out, want);
    }
}

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

/// The bytes of each of `ranges` (caller order) cut from the bytes of the merged ranges.
pub(super) fn split_merged(
    ranges: &[Range<u64>],
    merged: &[Range<u64>],
    data: Vec<Option<Vec<u8>>>,
) -> Result<Vec<Vec<u8>>> {
    let find = |r: &Range<u64>| {
        merged
            .partition_point(|m| m.start <= r.start)
            .checked_sub(1)
    };
    // A merged range asked for exactly once, as itself, is handed over without a copy.
    let mut uses = vec![0usize; merged.len()];
    for r in ranges.iter().filter(|r| !r.is_empty()) {
        if let Some(i) = find(r) {
            uses[i] += 1;
        }
    }
    let mut data = data;
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        if r.is_empty() {
            out.push(Vec::new());
            continue;
        }
        let i = find(r)
            .filter(|&i| merged[i].end >= r.end)
            .ok_or_else(|| Error::corrupt("internal: a range lost while merging"))?;
        let m = &merged[i];
        let bytes = if uses[i] == 1 && *m == *r {
            data[i].take()
        } else {
            let from = (r.start - m.start) as usize;
            data[i]
                .as_ref()
                .map(|d| d[from..from + (r.end - r.start) as usize].to_vec())
        };
        out.push(bytes.ok_or_else(|| Error::corrupt("internal: a range was not read"))?);
    }
    Ok(out)
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
        let data = vec![Some(b"abcdef".to_vec()), Some(b"vwxyz".to_vec())];
        let out = split_merged(&ranges, &merged, data).unwrap();
        let want: Vec<&[u8]> = vec![b"vwxyz", b"abcd", b"cdef", b"", b"vwxyz"];
        assert_eq!(out, want);
    }
}

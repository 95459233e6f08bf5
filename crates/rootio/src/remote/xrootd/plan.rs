//! Turning many byte ranges into few vector reads.
//!
//! Ranges are sorted and merged when the gap between them is at most [`MERGE_GAP`] (as
//! uproot's fsspec source does: reading a few KiB more is cheaper than another chunk), the
//! merged spans are cut into chunks of at most `readv_ior_max` bytes, and the chunks are grouped
//! into requests of at most `readv_iov_max` chunks and [`MAX_REQUEST_BYTES`] bytes.

use std::ops::Range;

/// Ranges closer than this are read as one.
pub(crate) const MERGE_GAP: u64 = 32 * 1024;
/// The most bytes one vector read asks for: as much as the engine reads ahead in one go
/// (64 MiB), so a read-ahead is one round trip, while a retry after a dropped connection
/// still repeats a bounded amount.
pub(crate) const MAX_REQUEST_BYTES: u64 = 64 * 1024 * 1024;

/// One chunk of a vector read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// Offset in the file.
    pub offset: u64,
    /// Length in bytes (≥ 1).
    pub len: u32,
    /// The merged span it belongs to.
    pub span: usize,
}

/// What to read for a set of ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadPlan {
    /// Merged, sorted, non-empty spans of the file.
    pub spans: Vec<Range<u64>>,
    /// For each requested range, the span that holds it (`None` for an empty range).
    pub span_of: Vec<Option<usize>>,
    /// The requests: each a list of chunks in file order. A span's chunks come in order and
    /// contiguously, so appending each chunk's data to its span's buffer rebuilds the span.
    pub requests: Vec<Vec<Chunk>>,
}

/// Plan the reads of `ranges` (each `start <= end`, checked by the caller).
pub(crate) fn plan(ranges: &[Range<u64>], iov_max: usize, ior_max: u32) -> ReadPlan {
    let iov_max = iov_max.max(1);
    let ior_max = u64::from(ior_max.max(1));
    let mut order: Vec<usize> = (0..ranges.len())
        .filter(|&i| ranges[i].end > ranges[i].start)
        .collect();
    order.sort_by_key(|&i| (ranges[i].start, ranges[i].end));
    let mut spans: Vec<Range<u64>> = Vec::new();
    let mut span_of = vec![None; ranges.len()];
    for i in order {
        let r = &ranges[i];
        match spans.last_mut() {
            Some(last) if r.start <= last.end.saturating_add(MERGE_GAP) => {
                last.end = last.end.max(r.end);
            }
            _ => spans.push(r.clone()),
        }
        span_of[i] = Some(spans.len() - 1);
    }
    let mut requests = Vec::new();
    let mut current: Vec<Chunk> = Vec::new();
    let mut current_bytes = 0u64;
    for (si, span) in spans.iter().enumerate() {
        let mut offset = span.start;
        while offset < span.end {
            let len = (span.end - offset).min(ior_max);
            if !current.is_empty()
                && (current.len() >= iov_max || current_bytes + len > MAX_REQUEST_BYTES)
            {
                requests.push(std::mem::take(&mut current));
                current_bytes = 0;
            }
            current.push(Chunk {
                offset,
                len: len as u32,
                span: si,
            });
            current_bytes += len;
            offset += len;
        }
    }
    if !current.is_empty() {
        requests.push(current);
    }
    ReadPlan {
        spans,
        span_of,
        requests,
    }
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // one-range lists are what is tested
mod tests {
    use super::*;

    #[test]
    fn merges_near_ranges_and_keeps_the_callers_order() {
        let p = plan(
            &[100..200, 0..10, 5..8, 300_000..300_010, 50..50],
            1024,
            1 << 20,
        );
        assert_eq!(p.spans, [0..200, 300_000..300_010]);
        assert_eq!(p.span_of, [Some(0), Some(0), Some(0), Some(1), None]);
        assert_eq!(p.requests.len(), 1);
        assert_eq!(
            p.requests[0],
            [
                Chunk {
                    offset: 0,
                    len: 200,
                    span: 0
                },
                Chunk {
                    offset: 300_000,
                    len: 10,
                    span: 1
                }
            ]
        );
    }

    #[test]
    fn gap_limit_is_inclusive() {
        let p = plan(&[0..10, 10 + MERGE_GAP..10 + MERGE_GAP + 1], 1024, 1 << 20);
        assert_eq!(p.spans.len(), 1);
        let p = plan(&[0..10, 11 + MERGE_GAP..12 + MERGE_GAP], 1024, 1 << 20);
        assert_eq!(p.spans.len(), 2);
    }

    #[test]
    fn splits_big_spans_and_many_chunks() {
        let p = plan(&[0..25], 1024, 10);
        let lens: Vec<u32> = p.requests[0].iter().map(|c| c.len).collect();
        assert_eq!(lens, [10, 10, 5]);
        let ranges: Vec<Range<u64>> = (0..10).map(|i| i * 100_000..i * 100_000 + 1).collect();
        let p = plan(&ranges, 3, 10);
        let sizes: Vec<usize> = p.requests.iter().map(Vec::len).collect();
        assert_eq!(sizes, [3, 3, 3, 1]);
        let p = plan(&[0..3 * MAX_REQUEST_BYTES], 1024, 1 << 21);
        assert_eq!(p.requests.len(), 3);
        assert!(plan(&[], 0, 0).requests.is_empty());
        assert_eq!(plan(&[0..5], 0, 0).requests.len(), 5);
    }
}

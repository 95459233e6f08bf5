//! Fewer, larger requests: a [`ByteSource`] wrapper that reads the ranges it is told will be
//! needed ([`ByteSource::prefetch`]) with one [`ByteSource::read_ranges`] of the remote source
//! (which merges nearby ranges into vector reads or multi-range requests) and serves the later
//! reads of those ranges from memory — the idea of ROOT's TTreeCache and uproot's coalescing.
//!
//! The tree reader announces every basket of the branches and entries it is about to decode, so
//! a work item costs a handful of round trips instead of one per basket. Memory is bounded: at
//! most [`Prefetching::max_bytes`] are held (oldest prefetches are dropped first, and a prefetch
//! larger than the bound fetches only its first part); a range served is dropped. The time
//! spent waiting for the remote source is added to its [`IoCounters`].

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::Result;
use crate::source::{ByteSource, IoCounters};

/// Default bound on prefetched bytes held in memory.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

/// A small read that misses fetches this many bytes from its start, so that the next records
/// (a key header, then its object; a directory's keys) usually come without another round trip.
pub const READ_AHEAD: u64 = 64 << 10;

#[derive(Debug, Default)]
struct Held {
    /// Start → (end, bytes).
    blocks: BTreeMap<u64, (u64, Vec<u8>)>,
    /// Starts in the order they were fetched (for eviction).
    order: VecDeque<u64>,
    bytes: u64,
}

/// A source whose announced ranges are fetched together and kept until read.
#[derive(Debug)]
pub struct Prefetching<S> {
    inner: S,
    held: Mutex<Held>,
    /// Held while a prefetch is being fetched: a second prefetch of the same ranges (the next
    /// work item's, announced in the background, then by its own read) waits for the first and
    /// finds them held instead of fetching them again.
    fetching: Mutex<()>,
    max_bytes: u64,
}

impl<S: ByteSource> Prefetching<S> {
    /// Wrap `inner`, holding at most `max_bytes` of prefetched data.
    pub fn new(inner: S, max_bytes: u64) -> Self {
        Prefetching {
            inner,
            held: Mutex::new(Held::default()),
            fetching: Mutex::new(()),
            max_bytes,
        }
    }

    /// The bound on held bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The wrapped source.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The held block covering `range` exactly or around it, copied into `buf`; the block is
    /// dropped when `range` is all of it.
    fn take(&self, range: &Range<u64>, buf: &mut Vec<u8>) -> bool {
        let Ok(mut held) = self.held.lock() else {
            return false;
        };
        let Some((&start, (end, _))) = held.blocks.range(..=range.start).next_back() else {
            return false;
        };
        let end = *end;
        if range.end > end {
            return false;
        }
        let whole = start == range.start && end == range.end;
        if whole {
            if let Some((_, bytes)) = held.blocks.remove(&start) {
                held.bytes -= bytes.len() as u64;
                held.order.retain(|s| *s != start);
                *buf = bytes;
                return true;
            }
            return false;
        }
        match held.blocks.get(&start) {
            Some((_, bytes)) => {
                let lo = (range.start - start) as usize;
                let hi = (range.end - start) as usize;
                buf.clear();
                buf.extend_from_slice(&bytes[lo..hi]);
                true
            }
            None => false,
        }
    }
}

impl<S: ByteSource> ByteSource for Prefetching<S> {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn read_range(&self, range: Range<u64>) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.read_range_into(range, &mut buf)?;
        Ok(buf)
    }

    fn read_range_into(&self, range: Range<u64>, buf: &mut Vec<u8>) -> Result<()> {
        if self.take(&range, buf) {
            return Ok(());
        }
        let len = range.end.saturating_sub(range.start);
        if len > 0 && len < READ_AHEAD && range.end <= self.inner.len() {
            // Read ahead: keep the block, serve the slice.
            let block = range.start..range.start.saturating_add(READ_AHEAD).min(self.inner.len());
            self.prefetch(std::slice::from_ref(&block))?;
            if self.take(&range, buf) {
                return Ok(());
            }
        }
        let started = Instant::now();
        let r = self.inner.read_range_into(range, buf);
        self.inner.counters().record_wait(started.elapsed());
        r
    }

    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Vec<u8>>> {
        let started = Instant::now();
        let r = self.inner.read_ranges(ranges);
        self.inner.counters().record_wait(started.elapsed());
        r
    }

    fn prefetch(&self, ranges: &[Range<u64>]) -> Result<()> {
        let _one_at_a_time = self.fetching.lock();
        // What is not held yet, sorted, without duplicates, within the memory bound.
        let mut wanted: Vec<Range<u64>> = {
            let Ok(held) = self.held.lock() else {
                return Ok(());
            };
            ranges
                .iter()
                .filter(|r| r.start < r.end && r.end <= self.inner.len())
                // Not already held inside a block.
                .filter(|r| {
                    held.blocks
                        .range(..=r.start)
                        .next_back()
                        .is_none_or(|(_, (end, _))| r.end > *end)
                })
                .cloned()
                .collect()
        };
        wanted.sort_by_key(|r| (r.start, r.end));
        wanted.dedup();
        let mut total = 0u64;
        wanted.retain(|r| {
            total += r.end - r.start;
            total <= self.max_bytes
        });
        if wanted.is_empty() {
            return Ok(());
        }
        let fetched = self.read_ranges(&wanted)?;
        let Ok(mut held) = self.held.lock() else {
            return Ok(());
        };
        for (r, bytes) in wanted.into_iter().zip(fetched) {
            if bytes.len() as u64 != r.end - r.start {
                continue;
            }
            held.bytes += bytes.len() as u64;
            if let Some((_, old)) = held.blocks.insert(r.start, (r.end, bytes)) {
                held.bytes -= old.len() as u64;
            } else {
                held.order.push_back(r.start);
            }
        }
        while held.bytes > self.max_bytes {
            let Some(oldest) = held.order.pop_front() else {
                break;
            };
            if let Some((_, bytes)) = held.blocks.remove(&oldest) {
                held.bytes -= bytes.len() as u64;
            }
        }
        Ok(())
    }

    fn counters(&self) -> &IoCounters {
        self.inner.counters()
    }

    fn name(&self) -> &Path {
        self.inner.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::LocalFile;

    #[test]
    fn prefetched_ranges_are_served_from_memory_once() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/data/nano_10k.root"
        );
        let local = LocalFile::open(path).unwrap();
        let direct: Vec<Vec<u8>> = [0..100u64, 1000..5000, 4000..4100]
            .iter()
            .map(|r| local.read_range(r.clone()).unwrap())
            .collect();
        let p = Prefetching::new(LocalFile::open(path).unwrap(), 1 << 20);
        p.prefetch(&[1000..5000, 0..100, 0..100]).unwrap();
        let before = p.counters().snapshot().requests;
        assert_eq!(p.read_range(4000..4100).unwrap(), direct[2]); // inside a block
        assert_eq!(p.read_range(0..100).unwrap(), direct[0]); // exact: dropped after
        assert_eq!(p.read_range(1000..5000).unwrap(), direct[1]);
        assert_eq!(p.counters().snapshot().requests, before, "no new request");
        // Read again: a small miss reads ahead, so the bytes after it come without a request.
        assert_eq!(p.read_range(0..100).unwrap(), direct[0]);
        assert_eq!(p.counters().snapshot().requests, before + 1);
        assert_eq!(p.read_range(4000..4100).unwrap(), direct[2]);
        assert_eq!(p.counters().snapshot().requests, before + 1);
        // The bound: a prefetch beyond it keeps only what fits.
        let small = Prefetching::new(LocalFile::open(path).unwrap(), 150);
        small.prefetch(&[0..100, 200..300]).unwrap();
        assert_eq!(small.held.lock().unwrap().bytes, 100);
    }
}

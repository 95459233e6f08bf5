//! Fewer, larger requests: a [`ByteSource`] wrapper that reads the ranges it is told will be
//! needed ([`ByteSource::prefetch`]) with one [`ByteSource::read_ranges_streaming`] of the
//! remote source (which merges nearby ranges into vector reads or multi-range requests) and
//! serves the later reads of those ranges from memory — the idea of ROOT's TTreeCache and
//! uproot's coalescing.
//!
//! The tree reader announces every basket of the branches and entries it is about to decode, and
//! the engine announces the next work items' in the background, so a run costs a few round trips
//! instead of one per basket. Each range is held as soon as its bytes arrive: a read of a range
//! that is still on its way waits for it (instead of asking again), so decoding starts while the
//! rest of a large request streams in. Memory is bounded: at most [`Prefetching::max_bytes`] are
//! held (oldest prefetches are dropped first, and a prefetch larger than the bound fetches only
//! its first part); a range served is dropped. The time spent in requests is counted by the
//! remote source's own [`IoCounters`].

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

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
    /// Ranges being fetched right now (by any thread), not arrived yet.
    pending: Vec<Range<u64>>,
}

impl Held {
    /// Whether `range` lies inside a range still on its way.
    fn is_pending(&self, range: &Range<u64>) -> bool {
        self.pending
            .iter()
            .any(|p| p.start <= range.start && range.end <= p.end)
    }

    /// Whether `range` lies inside a held block.
    fn is_held(&self, range: &Range<u64>) -> bool {
        self.blocks
            .range(..=range.start)
            .next_back()
            .is_some_and(|(_, (end, _))| range.end <= *end)
    }

    /// Keep `bytes`, the contents of `range`, and stop waiting for it.
    fn insert(&mut self, range: Range<u64>, bytes: Vec<u8>, max_bytes: u64) {
        self.unpend(&range);
        if bytes.len() as u64 != range.end - range.start {
            return;
        }
        self.bytes += bytes.len() as u64;
        if let Some((_, old)) = self.blocks.insert(range.start, (range.end, bytes)) {
            self.bytes -= old.len() as u64;
        } else {
            self.order.push_back(range.start);
        }
        while self.bytes > max_bytes {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some((_, bytes)) = self.blocks.remove(&oldest) {
                self.bytes -= bytes.len() as u64;
            }
        }
    }

    fn unpend(&mut self, range: &Range<u64>) {
        if let Some(i) = self.pending.iter().position(|p| p == range) {
            self.pending.swap_remove(i);
        }
    }
}

/// Clears a prefetch's ranges that did not arrive from the pending list when the prefetch
/// ends, however it ends, and wakes the readers waiting for them.
struct PendingGuard<'a> {
    held: &'a Mutex<Held>,
    arrived: &'a Condvar,
    ranges: Vec<Range<u64>>,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        let mut held = lock(self.held);
        for r in &self.ranges {
            held.unpend(r);
        }
        drop(held);
        self.arrived.notify_all();
    }
}

/// The lock, also after a panic elsewhere (the data stays consistent: every update is whole).
fn lock(m: &Mutex<Held>) -> MutexGuard<'_, Held> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A source whose announced ranges are fetched together and kept until read.
#[derive(Debug)]
pub struct Prefetching<S> {
    inner: S,
    held: Mutex<Held>,
    /// Signalled whenever ranges arrive or a prefetch ends.
    arrived: Condvar,
    max_bytes: u64,
}

impl<S: ByteSource> Prefetching<S> {
    /// Wrap `inner`, holding at most `max_bytes` of prefetched data.
    pub fn new(inner: S, max_bytes: u64) -> Self {
        Prefetching {
            inner,
            held: Mutex::new(Held::default()),
            arrived: Condvar::new(),
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

    /// The ranges of `ranges` neither held nor on their way, sorted, without duplicates,
    /// within the memory bound; marked as on their way before the lock is let go, so that no
    /// other thread asks for them too.
    fn claim(&self, ranges: &[Range<u64>]) -> Vec<Range<u64>> {
        let mut held = lock(&self.held);
        let mut wanted: Vec<Range<u64>> = ranges
            .iter()
            .filter(|r| r.start < r.end && r.end <= self.inner.len())
            .filter(|r| !held.is_held(r) && !held.is_pending(r))
            .cloned()
            .collect();
        wanted.sort_by_key(|r| (r.start, r.end));
        wanted.dedup();
        let mut total = 0u64;
        wanted.retain(|r| {
            total += r.end - r.start;
            total <= self.max_bytes
        });
        held.pending.extend(wanted.iter().cloned());
        wanted
    }

    /// Fetch `wanted` (claimed) in one streaming read, holding each range as it arrives.
    fn fetch(&self, wanted: Vec<Range<u64>>) -> Result<()> {
        if wanted.is_empty() {
            return Ok(());
        }
        let pending = PendingGuard {
            held: &self.held,
            arrived: &self.arrived,
            ranges: wanted,
        };
        let wanted = &pending.ranges;
        self.inner.read_ranges_streaming(wanted, &mut |i, bytes| {
            if let Some(r) = wanted.get(i) {
                lock(&self.held).insert(r.clone(), bytes, self.max_bytes);
                self.arrived.notify_all();
            }
        })
    }

    /// The held block covering `range` exactly or around it, copied into `buf`; the block is
    /// dropped when `range` is all of it. A range still on its way is waited for.
    fn take(&self, range: &Range<u64>, buf: &mut Vec<u8>) -> bool {
        let mut held = lock(&self.held);
        while !held.is_held(range) && held.is_pending(range) {
            held = self
                .arrived
                .wait(held)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
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

impl<S: ByteSource + 'static> ByteSource for Prefetching<S> {
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
        self.inner.read_range_into(range, buf)
    }

    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Vec<u8>>> {
        self.inner.read_ranges(ranges)
    }

    fn prefetch(&self, ranges: &[Range<u64>]) -> Result<()> {
        let wanted = self.claim(ranges);
        self.fetch(wanted)
    }

    fn prefetch_background(self: Arc<Self>, ranges: Vec<Range<u64>>) {
        let wanted = self.claim(&ranges);
        if !wanted.is_empty() {
            std::thread::spawn(move || {
                let _ = self.fetch(wanted);
            });
        }
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

    /// A local file whose streaming reads deliver the first range at once and the others only
    /// when the test says so, counting its reads.
    #[derive(Debug)]
    struct Gated {
        file: LocalFile,
        gate: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
    }

    impl ByteSource for Gated {
        fn len(&self) -> u64 {
            self.file.len()
        }
        fn read_range(&self, range: Range<u64>) -> Result<Vec<u8>> {
            self.file.read_range(range)
        }
        fn read_ranges_streaming(
            &self,
            ranges: &[Range<u64>],
            deliver: &mut dyn FnMut(usize, Vec<u8>),
        ) -> Result<()> {
            for (i, r) in ranges.iter().enumerate() {
                if i > 0 && self.gate.lock().unwrap().recv().is_err() {
                    return Err(crate::Error::corrupt("the connection dropped"));
                }
                deliver(i, self.file.read_range(r.clone())?);
            }
            Ok(())
        }
        fn counters(&self) -> &IoCounters {
            self.file.counters()
        }
        fn name(&self) -> &Path {
            self.file.name()
        }
    }

    #[test]
    fn ranges_are_served_as_they_arrive_and_waited_for_not_asked_twice() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/data/nano_10k.root"
        );
        let local = LocalFile::open(path).unwrap();
        let (open_gate, gate) = std::sync::mpsc::channel();
        let p = Arc::new(Prefetching::new(
            Gated {
                file: LocalFile::open(path).unwrap(),
                gate: std::sync::Mutex::new(gate),
            },
            1 << 20,
        ));
        let (a, b) = (1000..2000u64, 5000..9000u64);
        p.clone().prefetch_background(vec![a.clone(), b.clone()]);
        // The first range is served while the second is still on its way...
        assert_eq!(
            p.read_range(a.clone()).unwrap(),
            local.read_range(a).unwrap()
        );
        // ...and a read of the second waits for it instead of reading it again.
        let reader = {
            let p = p.clone();
            let b = b.clone();
            std::thread::spawn(move || p.read_range(b).unwrap())
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(
            !reader.is_finished(),
            "the read waits for the range on its way"
        );
        open_gate.send(()).unwrap();
        assert_eq!(reader.join().unwrap(), local.read_range(b).unwrap());
        // One read per range, by the prefetch: none by the readers.
        assert_eq!(p.counters().snapshot().requests, 2);
        assert!(lock(&p.held).pending.is_empty());
    }

    #[test]
    fn a_failed_prefetch_leaves_nothing_pending() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/data/nano_10k.root"
        );
        let (open_gate, gate) = std::sync::mpsc::channel::<()>();
        let p = Prefetching::new(
            Gated {
                file: LocalFile::open(path).unwrap(),
                gate: std::sync::Mutex::new(gate),
            },
            1 << 20,
        );
        drop(open_gate); // the second range never comes: the prefetch fails after the first
        assert!(p.prefetch(&[0..10, 20..30]).is_err());
        assert!(lock(&p.held).pending.is_empty());
        // Nothing waits for it: the read asks for it itself.
        assert_eq!(p.read_range(20..30).unwrap().len(), 10);
        assert_eq!(p.read_range(0..10).unwrap().len(), 10);
    }

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

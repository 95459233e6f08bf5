//! Byte sources: where the bytes of a ROOT file come from.
//!
//! Everything above this layer asks for byte ranges through [`ByteSource`], so that a local file
//! today and HTTP range requests or XRootD later share one path. Each source keeps public
//! [`IoCounters`] (requests and bytes), which tests use to pin down exactly what was read.

use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};

/// Counts of the reads a source has served.
#[derive(Debug, Default)]
pub struct IoCounters {
    requests: AtomicU64,
    bytes: AtomicU64,
    wait_micros: AtomicU64,
}

/// A snapshot of [`IoCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IoStats {
    /// Number of read requests (one per range).
    pub requests: u64,
    /// Total bytes returned.
    pub bytes: u64,
    /// Time spent waiting for requests to complete, in microseconds (remote sources; summed
    /// over threads).
    pub wait_micros: u64,
}

impl IoCounters {
    pub(crate) fn record(&self, bytes: u64) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    /// Add the time a request waited for its answer.
    pub(crate) fn record_wait(&self, waited: std::time::Duration) {
        self.wait_micros
            .fetch_add(waited.as_micros() as u64, Ordering::Relaxed);
    }
    /// The counts so far.
    pub fn snapshot(&self) -> IoStats {
        IoStats {
            requests: self.requests.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            wait_micros: self.wait_micros.load(Ordering::Relaxed),
        }
    }
    /// Set the counts back to zero.
    pub fn reset(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
        self.wait_micros.store(0, Ordering::Relaxed);
    }
}

/// `range` is a valid range of a source of `len` bytes, or the [`ErrorKind::Truncated`] error
/// every source gives for it (located at the range's start).
pub(crate) fn check_range(range: &Range<u64>, len: u64) -> Result<()> {
    if range.start > range.end || range.end > len {
        return Err(Error::from(ErrorKind::Truncated {
            what: "file",
            needed: range.end.saturating_sub(range.start),
            at: range.start,
            len,
        })
        .at_offset(range.start));
    }
    Ok(())
}

/// [`ByteSource::read_ranges`] for a source whose [`ByteSource::read_ranges_streaming`] does the
/// work (the remote sources): every range's bytes, in the order asked.
pub(crate) fn read_ranges_streamed<S: ByteSource + ?Sized>(
    source: &S,
    ranges: &[Range<u64>],
) -> Result<Vec<Vec<u8>>> {
    let mut out: Vec<Option<Vec<u8>>> = vec![None; ranges.len()];
    source.read_ranges_streaming(ranges, &mut |i, bytes| {
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(bytes);
        }
    })?;
    out.into_iter()
        .zip(ranges)
        .map(|(bytes, r)| {
            bytes.ok_or_else(|| {
                Error::corrupt(format!(
                    "internal: bytes {}..{} were not delivered",
                    r.start, r.end
                ))
                .at_offset(r.start)
                .in_file(source.name())
            })
        })
        .collect()
}

/// A random-access source of bytes.
pub trait ByteSource: Send + Sync + std::fmt::Debug {
    /// Total size in bytes.
    fn len(&self) -> u64;
    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Read exactly `range`. A range past the end is an [`ErrorKind::Truncated`] error.
    fn read_range(&self, range: Range<u64>) -> Result<Vec<u8>>;
    /// Read exactly `range` into `buf` (replacing its contents), reusing its allocation.
    fn read_range_into(&self, range: Range<u64>, buf: &mut Vec<u8>) -> Result<()> {
        *buf = self.read_range(range)?;
        Ok(())
    }
    /// Read several ranges (a remote source may coalesce them into one request).
    fn read_ranges(&self, ranges: &[Range<u64>]) -> Result<Vec<Vec<u8>>> {
        ranges.iter().map(|r| self.read_range(r.clone())).collect()
    }
    /// Read several ranges, handing each one's bytes to `deliver(index, bytes)` as soon as
    /// they are in: a remote source streams a large reply, so the first ranges can be used
    /// while the rest is on its way. When this returns `Ok`, every range was delivered exactly
    /// once; after an error, some may not have been.
    fn read_ranges_streaming(
        &self,
        ranges: &[Range<u64>],
        deliver: &mut dyn FnMut(usize, Vec<u8>),
    ) -> Result<()> {
        for (i, bytes) in self.read_ranges(ranges)?.into_iter().enumerate() {
            deliver(i, bytes);
        }
        Ok(())
    }
    /// A hint that `ranges` will be read soon: a remote source fetches them in as few requests
    /// as it can and keeps them until they are read (TTreeCache's idea; see
    /// [`crate::remote::Prefetching`]); a local file has the kernel read them into the page
    /// cache in the background ([`LocalFile`]'s `posix_fadvise`).
    fn prefetch(&self, _ranges: &[Range<u64>]) -> Result<()> {
        Ok(())
    }
    /// [`ByteSource::prefetch`] on another thread: the ranges are claimed before this returns
    /// (a read of one of them then waits for it instead of asking again), and fetched in the
    /// background. Errors are dropped: a range that did not come is read again when it is
    /// needed, and that read reports them. A local file ignores it.
    fn prefetch_background(self: Arc<Self>, _ranges: Vec<Range<u64>>) {}
    /// The IO counters of this source.
    fn counters(&self) -> &IoCounters;
    /// A name for messages (the path for a local file).
    fn name(&self) -> &Path;
}

/// A local file read with positioned reads (`pread`), safe to share between threads.
///
/// `pread` rather than `mmap`: a file truncated by another process while mapped would kill the
/// process with SIGBUS, which would break the "never crash on bad input" contract.
#[derive(Debug)]
pub struct LocalFile {
    file: File,
    len: u64,
    path: PathBuf,
    counters: IoCounters,
}

impl LocalFile {
    /// Open a local file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| Error::from(e).in_file(&path))?;
        let meta = file.metadata().map_err(|e| Error::from(e).in_file(&path))?;
        if meta.is_dir() {
            return Err(
                Error::from(ErrorKind::Io(std::io::Error::other("is a directory"))).in_file(&path),
            );
        }
        Ok(LocalFile {
            file,
            len: meta.len(),
            path,
            counters: IoCounters::default(),
        })
    }
}

impl ByteSource for LocalFile {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_range(&self, range: Range<u64>) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.read_range_into(range, &mut buf)?;
        Ok(buf)
    }

    fn read_range_into(&self, range: Range<u64>, buf: &mut Vec<u8>) -> Result<()> {
        check_range(&range, self.len)?;
        let n = (range.end - range.start) as usize;
        read_exact_into(&self.file, buf, n, range.start)
            .map_err(|e| Error::from(e).at_offset(range.start))?;
        self.counters.record(n as u64);
        Ok(())
    }

    /// A local file asks the kernel to read the ranges into the page cache in the background
    /// (`posix_fadvise(POSIX_FADV_WILLNEED)`, Linux): a range already cached costs a look-up,
    /// one on disk is read while the caller decodes what it already has, instead of a wait at
    /// each `pread`. Adjacent ranges are advised together; the part of a range past the file's
    /// end is left out. A hint only: its errors are ignored (the reads report their own).
    fn prefetch(&self, ranges: &[Range<u64>]) -> Result<()> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let fd = self.file.as_raw_fd();
            let advise = |r: &Range<u64>| {
                let end = r.end.min(self.len);
                let (Ok(at), Ok(len)) = (
                    libc::off_t::try_from(r.start),
                    libc::off_t::try_from(end.saturating_sub(r.start)),
                ) else {
                    return;
                };
                if len > 0 {
                    // SAFETY: posix_fadvise reads no memory of this process; `fd` is this
                    // file's, open for as long as `self`.
                    unsafe { libc::posix_fadvise(fd, at, len, libc::POSIX_FADV_WILLNEED) };
                }
            };
            let mut pending: Option<Range<u64>> = None;
            for r in ranges {
                pending = match pending {
                    Some(p) if p.end == r.start => Some(p.start..r.end),
                    Some(p) => {
                        advise(&p);
                        Some(r.clone())
                    }
                    None => Some(r.clone()),
                };
            }
            if let Some(p) = pending {
                advise(&p);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = ranges;
        Ok(())
    }

    fn counters(&self) -> &IoCounters {
        &self.counters
    }

    fn name(&self) -> &Path {
        &self.path
    }
}

/// `buf` becomes the `n` bytes of `file` at `offset`. Read straight into the buffer's spare
/// capacity, not zero-filled first (a `memset` of every basket read, 1.5 % of ADL q8's
/// instructions); a file shorter than `offset + n` is an `UnexpectedEof` error.
#[cfg(unix)]
fn read_exact_into(file: &File, buf: &mut Vec<u8>, n: usize, offset: u64) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    buf.clear();
    if buf.capacity() < n {
        // A new buffer rather than a grown one: growing copies every byte of the old one
        // (the allocator does not know that none is in use) into the new one's fresh pages.
        *buf = Vec::with_capacity(n.max(buf.capacity().saturating_mul(2)));
    }
    let room = &mut buf.spare_capacity_mut()[..n];
    let mut done = 0;
    while done < n {
        let at = libc::off_t::try_from(offset + done as u64)
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        let rest = &mut room[done..];
        // SAFETY: `pread` writes at most `rest.len()` bytes at `rest`'s start, memory this
        // vector owns (its spare capacity); nothing reads it before it is written.
        let got =
            unsafe { libc::pread(file.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), at) };
        match got {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            got if got < 0 => {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            got => done += got as usize,
        }
    }
    // SAFETY: the first `n` bytes were written by `pread` above (`done` reached `n`).
    unsafe { buf.set_len(n) };
    Ok(())
}

#[cfg(windows)]
fn read_exact_into(file: &File, buf: &mut Vec<u8>, n: usize, offset: u64) -> std::io::Result<()> {
    buf.clear();
    buf.resize(n, 0);
    read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// An in-memory source, e.g. for tests or data received over the network.
#[derive(Debug)]
pub struct MemorySource {
    data: Vec<u8>,
    name: PathBuf,
    counters: IoCounters,
}

impl MemorySource {
    /// Wrap a buffer; `name` is used in error messages.
    pub fn new(data: Vec<u8>, name: impl Into<PathBuf>) -> Self {
        MemorySource {
            data,
            name: name.into(),
            counters: IoCounters::default(),
        }
    }
}

impl ByteSource for MemorySource {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }
    fn read_range(&self, range: Range<u64>) -> Result<Vec<u8>> {
        check_range(&range, self.data.len() as u64)?;
        self.counters.record(range.end - range.start);
        Ok(self.data[range.start as usize..range.end as usize].to_vec())
    }
    fn counters(&self) -> &IoCounters {
        &self.counters
    }
    fn name(&self) -> &Path {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_reads_give_exactly_the_range_and_fail_past_a_truncated_end() {
        let dir = std::env::temp_dir().join(format!("hepframe-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bytes.bin");
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let f = LocalFile::open(&path).unwrap();
        // One buffer reused: longer, shorter, empty and longer again than before.
        let mut buf = vec![0xAA; 10];
        for r in [0..50_000u64, 99_990..100_000, 5..5, 1..99_999] {
            f.read_range_into(r.clone(), &mut buf).unwrap();
            assert_eq!(buf, &bytes[r.start as usize..r.end as usize], "{r:?}");
        }
        assert!(f.read_range(99_000..100_001).is_err());
        // The read-ahead hint takes any ranges — adjacent, reversed, empty, past the end, at
        // the largest offsets — and changes no byte read after it.
        let hostile = [
            0..10,
            10..4_000,
            4_000..4_000,
            90_000..1_000_000,
            Range {
                start: 70_000,
                end: 60_000,
            },
            200_000..300_000,
            u64::MAX - 1..u64::MAX,
            0..u64::MAX,
        ];
        f.prefetch(&hostile).unwrap();
        f.prefetch(&[]).unwrap();
        f.read_range_into(1..99_999, &mut buf).unwrap();
        assert_eq!(buf, &bytes[1..99_999]);
        // Shortened by someone else after it was opened: an error, not stale bytes.
        std::fs::write(&path, &bytes[..60_000]).unwrap();
        let e = f.read_range_into(50_000..70_000, &mut buf).unwrap_err();
        assert!(e.to_string().contains("50000"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Reading fields over an entry range: one task per field and run of consecutive clusters
//! (single-threaded, or with enough fields, all clusters of a field in one task), run in
//! parallel.
//!
//! A task reserves the field's output arrays once, from the clusters' page element counts, and
//! decodes every page straight into them: pages are decompressed into a per-thread scratch
//! buffer that is reused (never zero-filled), values are unsplit / unzigzagged / unpacked into
//! the output `Vec` of the field's type (a copy through `convert` only when the on-disk type
//! differs from it), and index columns become offsets directly (cluster-relative ends rebased
//! onto the offsets already there). Within a cluster every column is read whole; the pages a
//! cluster needs for a field are fetched together, byte ranges that are close on disk merged
//! into one read into reused buffers. A cluster only partly inside the entry range is decoded
//! on its own and sliced; runs of clusters read in parallel are concatenated in cluster order.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::column::{convert, values_type, ColumnData, ColumnType, Decoder, Natural};
use super::footer::{Cluster, PageInfo};
use super::layout::Layout;
use super::{RNTuple, Schema};
use crate::array::{Array, PrimitiveType};
use crate::compression;
use crate::error::{Error, ErrorKind, Result};
use crate::memory::advise_huge_pages;
use crate::tree::ReadOptions;

/// Leading zero elements that a deferred column may need in one cluster at most, whatever the
/// metadata says (zeros are the one output not backed by bytes in the file).
const MAX_ZERO_FILL: u64 = 1 << 28;
/// Zero elements allowed beyond what the cluster's real columns justify.
const ZERO_FILL_SLACK: u64 = 1 << 16;
/// Pages closer than this on disk are fetched with one read.
const MERGE_GAP: u64 = 64 << 10;
/// A merged read is not grown beyond this.
const MAX_MERGED: u64 = 32 << 20;
/// Bytes reserved ahead at most for one output buffer.
const MAX_RESERVE: usize = 256 << 20;
/// Bytes reserved ahead at most per stored byte of the pages behind a buffer.
const RESERVE_RATIO: u64 = 64;

/// A thread pool with `threads` threads, built once and kept for later reads.
fn pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let mut pools = match POOLS.get_or_init(Default::default).lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    if let Some(p) = pools.get(&threads) {
        return Ok(p.clone());
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::from(ErrorKind::Io(std::io::Error::other(e.to_string()))))?,
    );
    pools.insert(threads, p.clone());
    Ok(p)
}

/// Buffers reused from cluster to cluster by one thread: the fetched byte ranges and the
/// decompressed page. Bytes already there are overwritten, never zeroed first, so a thread
/// touches fresh memory only while these grow.
#[derive(Default)]
struct Scratch {
    /// Fetched byte ranges: (file offset, bytes); the first `Scratch::used` are this cluster's.
    fetched: Vec<(u64, Vec<u8>)>,
    /// A decompressed page.
    page: Vec<u8>,
}

/// Scratch memory kept between clusters at most (larger buffers are freed).
const MAX_KEPT_SCRATCH: usize = 64 << 20;

/// Reads the columns of one cluster.
struct ClusterReader<'a> {
    nt: &'a RNTuple,
    schema: &'a Schema,
    index: usize,
    cluster: &'a Cluster,
    /// Fetched byte ranges, sorted by offset: the first `used` of them.
    fetched: &'a mut Vec<(u64, Vec<u8>)>,
    used: usize,
    /// The buffer pages are decompressed into.
    page: RefCell<&'a mut Vec<u8>>,
    /// The most elements any column holds in this cluster's pages.
    max_elements: u64,
}

/// A piece of a column handed to a [`ClusterReader::pages`] consumer.
enum Chunk<'p> {
    /// Leading zero elements (of a deferred column).
    Zeros(usize),
    /// An uncompressed page and its element count.
    Page(&'p [u8], usize),
}

impl<'a> ClusterReader<'a> {
    fn new(nt: &'a RNTuple, index: usize, scratch: &'a mut Scratch) -> Self {
        let Scratch { fetched, page } = scratch;
        ClusterReader {
            nt,
            schema: &nt.schema,
            index,
            cluster: &nt.clusters[index],
            fetched,
            used: 0,
            page: RefCell::new(page),
            max_elements: nt.clusters[index]
                .columns
                .iter()
                .map(|c| c.elements())
                .max()
                .unwrap_or(0),
        }
    }

    /// The columns of `field` in the representation that is active in this cluster: the first
    /// whose principal column is present and not suppressed (a column added later may be absent
    /// altogether; then the first representation is used and reads as zeros).
    fn active_columns(&self, field: usize) -> Vec<usize> {
        active_columns(self.schema, self.cluster, field)
    }

    /// Fetch all pages of the columns that `layout` reads, merging close byte ranges.
    fn prefetch(&mut self, layout: &Layout) -> Result<()> {
        let mut fields = Vec::new();
        layout.fields(&mut fields);
        let max_key = self.nt.storage.max_key_size;
        let mut ranges: Vec<(u64, u64)> = Vec::new();
        for f in fields {
            for c in self.active_columns(f) {
                if let Some(cp) = self.cluster.columns.get(c) {
                    for p in &cp.pages {
                        let len = stored_len(p);
                        if max_key != 0 && len > max_key {
                            continue; // a multi-key blob: read on its own
                        }
                        ranges.push((p.locator.offset, p.locator.offset.saturating_add(len)));
                    }
                }
            }
        }
        ranges.sort_unstable();
        ranges.dedup();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last)
                    if s <= last.1.saturating_add(MERGE_GAP)
                        && e.max(last.1) - last.0 <= MAX_MERGED =>
                {
                    last.1 = last.1.max(e);
                }
                _ => merged.push((s, e)),
            }
        }
        let reqs: Vec<Range<u64>> = merged.iter().map(|&(s, e)| s..e).collect();
        let source = &self.nt.storage.source;
        // Ranges past the end of the file are left out here and reported with the page.
        let len = source.len();
        let ok: Vec<Range<u64>> = reqs.into_iter().filter(|r| r.end <= len).collect();
        // A remote source fetches the cluster's pages in a few requests (a local file has the
        // kernel read them ahead: `LocalFile::prefetch`).
        source.prefetch(&ok)?;
        // Reuse the buffers of the previous cluster: `read_range_into` overwrites them.
        for (i, r) in ok.into_iter().enumerate() {
            if i == self.fetched.len() {
                self.fetched.push((0, Vec::new()));
            }
            let slot = &mut self.fetched[i];
            slot.0 = r.start;
            source.read_range_into(r, &mut slot.1)?;
            self.used = i + 1;
        }
        Ok(())
    }

    /// Free scratch memory beyond [`MAX_KEPT_SCRATCH`] (what one huge cluster needed).
    fn trim(&mut self) {
        let mut kept = self.page.get_mut().capacity();
        if kept > MAX_KEPT_SCRATCH {
            **self.page.get_mut() = Vec::new();
            kept = 0;
        }
        let mut n = 0;
        for (_, b) in self.fetched.iter() {
            if kept + b.capacity() > MAX_KEPT_SCRATCH {
                break;
            }
            kept += b.capacity();
            n += 1;
        }
        self.fetched.truncate(n);
    }

    /// The stored bytes of a page (and its checksum, if any): borrowed from the prefetched
    /// ranges, or read on their own (a multi-key page, or a page past the end of the file,
    /// which then gives the error).
    fn page_bytes(&self, p: &PageInfo) -> Result<Cow<'_, [u8]>> {
        let len = stored_len(p);
        let start = p.locator.offset;
        let fetched = &self.fetched[..self.used];
        let i = fetched.partition_point(|(o, _)| *o <= start);
        if i > 0 {
            let (o, buf) = &fetched[i - 1];
            let a = (start - o) as usize;
            if let Some(end) = a.checked_add(len as usize) {
                if end <= buf.len() {
                    return Ok(Cow::Borrowed(&buf[a..end]));
                }
            }
        }
        self.nt.storage.read_blob(start, len).map(Cow::Owned)
    }

    /// The decoder of column `c`.
    fn decoder(&self, c: usize) -> Result<Decoder> {
        let rec = &self.schema.columns[c];
        let dec = Decoder {
            column_type: rec.column_type,
            bits: rec.bits,
            range: rec.value_range,
            chars_as_bytes: false,
        };
        dec.check().map_err(Error::unsupported)?;
        Ok(dec)
    }

    /// Hand the `n` elements of column `c` (all of its elements in this cluster) to `each`:
    /// first the leading zeros of a deferred column, then page by page, each page checked
    /// against its checksum and decompressed into the reused page buffer.
    fn pages(
        &self,
        c: usize,
        n: u64,
        dec: &Decoder,
        each: &mut dyn FnMut(Chunk<'_>) -> Result<()>,
    ) -> Result<()> {
        let rec = &self.schema.columns[c];
        let cp = self.cluster.columns.get(c);
        let pages = cp.map(|cp| cp.pages.as_slice()).unwrap_or(&[]);
        let have: u64 = pages.iter().map(|p| p.elements as u64).sum();
        let corrupt = |msg: String| {
            Error::corrupt(format!(
                "column {c} ({}) in cluster {}: {msg}",
                rec.column_type.name(),
                self.index
            ))
        };
        if have > n {
            return Err(corrupt(format!(
                "its pages hold {have} elements, the field has {n}"
            )));
        }
        let missing = n - have;
        if missing > 0 && !(rec.is_deferred() || cp.is_none()) {
            return Err(corrupt(format!(
                "its pages hold {have} elements, the field has {n}"
            )));
        }
        // The leading zeros of a deferred column stand for entries that the cluster's other
        // columns hold: `n / entries` elements per entry times the largest column, plus slack.
        let per_entry = n.div_ceil(self.cluster.entries.max(1));
        let justified = per_entry
            .saturating_mul(self.max_elements)
            .saturating_add(ZERO_FILL_SLACK)
            .min(MAX_ZERO_FILL);
        if missing > justified {
            return Err(corrupt(format!(
                "{missing} elements missing, more than the cluster's data justifies"
            )));
        }
        if missing > 0 {
            each(Chunk::Zeros(missing as usize))?;
        }
        for (k, p) in pages.iter().enumerate() {
            self.decode_page(dec, p, each)
                .map_err(|e| e.at_offset(p.locator.offset))
                .map_err(|e| with_page(e, self.index, k))?;
        }
        Ok(())
    }

    fn decode_page(
        &self,
        dec: &Decoder,
        p: &PageInfo,
        each: &mut dyn FnMut(Chunk<'_>) -> Result<()>,
    ) -> Result<()> {
        let stored = self.page_bytes(p)?;
        let size = p.locator.size as usize;
        if p.checksum {
            let mut b = [0u8; 8];
            b.copy_from_slice(&stored[size..size + 8]);
            let want = u64::from_le_bytes(b);
            let got = xxh3_64(&stored[..size]);
            if want != got && crate::fuzz_harness::checksums_verified() {
                return Err(Error::corrupt(format!(
                    "page checksum mismatch (stored {want:#018x}, computed {got:#018x})"
                )));
            }
        }
        let n = p.elements as u64;
        let bytes = dec
            .page_bytes(n)
            .ok_or_else(|| Error::corrupt(format!("page of {n} elements")))?;
        if bytes == p.locator.size {
            each(Chunk::Page(&stored[..size], n as usize))
        } else {
            let len = usize::try_from(bytes)
                .map_err(|_| Error::corrupt(format!("page of {bytes} bytes")))?;
            let mut buf = self.page.borrow_mut();
            compression::decompress_reusing(&stored[..size], len, &mut buf)?;
            each(Chunk::Page(&buf[..len], n as usize))
        }
    }

    /// Decode the `n` elements of column `c`, appending them to `out` (of the decoder's kind).
    fn column_into(&self, c: usize, n: u64, dec: &Decoder, out: &mut ColumnData) -> Result<()> {
        self.pages(c, n, dec, &mut |chunk| match chunk {
            Chunk::Zeros(m) => {
                dec.zeros(m, out);
                Ok(())
            }
            Chunk::Page(page, m) => dec.decode(page, m, out),
        })
    }

    /// Decode `n` elements of column `c` (all of its elements in this cluster).
    fn column(&self, c: usize, n: u64) -> Result<ColumnData> {
        let dec = self.decoder(c)?;
        let mut out = dec.empty()?;
        self.column_into(c, n, &dec, &mut out)?;
        Ok(out)
    }

    /// Decode `n` elements of column `c` into the values array `out` of the same element type,
    /// appending; the array is moved into the column buffer and back, not copied.
    fn values_into(&self, c: usize, n: u64, dec: &Decoder, out: &mut Array) -> Result<()> {
        let mut data = ColumnData::Values(std::mem::replace(out, Array::Bool(Vec::new())));
        let r = self.column_into(c, n, dec, &mut data);
        if let ColumnData::Values(a) = data {
            *out = a;
        }
        r
    }

    /// The first column of `field` decoded as `n` offsets appended to `out`: each
    /// cluster-relative end offset, checked to be non-decreasing, with the last offset already
    /// in `out` added. Returns the cluster's item count (the last relative offset).
    fn offsets_into(&self, field: usize, n: u64, out: &mut Vec<i64>) -> Result<u64> {
        let cols = self.active_columns(field);
        let c = *cols
            .first()
            .ok_or_else(|| Error::corrupt("collection field without columns"))?;
        let dec = self.decoder(c)?;
        if !dec.column_type.is_index() {
            return Err(Error::corrupt(format!("column {c} is not an index column")));
        }
        let base = *out.last().unwrap_or(&0);
        let mut prev = 0u64;
        let index = self.index;
        self.pages(c, n, &dec, &mut |chunk| match chunk {
            Chunk::Zeros(m) => {
                out.resize(out.len() + m, base);
                Ok(())
            }
            Chunk::Page(page, m) => {
                dec.decode_offsets(page, m, base, &mut prev, out)?
                    .map_err(|b| {
                        Error::corrupt(format!(
                            "offsets of column {c} in cluster {index} decrease ({} then {})",
                            b.prev, b.next
                        ))
                    })
            }
        })?;
        Ok(prev)
    }

    /// The first column of `field` decoded as offsets: `n` cluster-relative end offsets, checked
    /// to be non-decreasing, as `[0, end_0, end_1, …]`.
    fn offsets(&self, field: usize, n: u64) -> Result<Vec<i64>> {
        let mut out = Vec::with_capacity((n as usize).saturating_add(1).min(1 << 20));
        out.push(0i64);
        self.offsets_into(field, n, &mut out)?;
        Ok(out)
    }

    /// Read `n` elements of `layout`, appending them to `out` (of the layout's shape, as
    /// [`Layout::empty`] makes it): values are decoded straight into `out`'s buffers.
    fn read_into(&self, layout: &Layout, n: u64, out: &mut Array) -> Result<()> {
        let mismatch = || Error::corrupt("internal: output array of the wrong shape");
        match layout {
            Layout::Leaf { field, target } => {
                let cols = self.active_columns(*field);
                let c = *cols
                    .first()
                    .ok_or_else(|| Error::corrupt("leaf field without columns"))?;
                let dec = self.decoder(c)?;
                if dec.column_type.natural() == Some(Natural::Prim(*target))
                    && values_type(out) == *target
                {
                    return self.values_into(c, n, &dec, out);
                }
                let a = self.read(layout, n)?;
                out.append(a).ok_or_else(mismatch)
            }
            Layout::String { field } => {
                let Array::Strings { offsets, data } = out else {
                    return Err(mismatch());
                };
                let total = self.offsets_into(*field, n, offsets)?;
                let cols = self.active_columns(*field);
                let c = *cols
                    .get(1)
                    .ok_or_else(|| Error::corrupt("std::string field without a char column"))?;
                let mut dec = self.decoder(c)?;
                if !matches!(
                    dec.column_type,
                    ColumnType::Char | ColumnType::Int8 | ColumnType::Byte | ColumnType::UInt8
                ) {
                    return Err(Error::unsupported(
                        "std::string characters in a column that is not Char or Byte",
                    ));
                }
                dec.chars_as_bytes = true;
                let mut a = Array::U8(std::mem::take(data));
                let r = self.values_into(c, total, &dec, &mut a);
                if let Array::U8(v) = a {
                    *data = v;
                }
                r
            }
            Layout::Collection { field, item } => {
                let Array::Jagged { offsets, values } = out else {
                    return Err(mismatch());
                };
                let total = self.offsets_into(*field, n, offsets)?;
                self.read_into(item, total, values)
            }
            Layout::Fixed { size, item } => {
                let Array::Fixed { values, .. } = out else {
                    return Err(mismatch());
                };
                let total = n
                    .checked_mul(*size as u64)
                    .ok_or_else(|| Error::corrupt("fixed-size array too large"))?;
                self.read_into(item, total, values)
            }
            Layout::Record { fields } => {
                let Array::Record {
                    fields: arrays,
                    len,
                } = out
                else {
                    return Err(mismatch());
                };
                if arrays.len() != fields.len() {
                    return Err(mismatch());
                }
                let m = usize::try_from(n).map_err(|_| Error::corrupt("record count"))?;
                for ((_, l), (_, a)) in fields.iter().zip(arrays.iter_mut()) {
                    self.read_into(l, n, a)?;
                }
                *len += m;
                Ok(())
            }
            Layout::Cardinality { .. } | Layout::Variant { .. } => {
                let a = self.read(layout, n)?;
                out.append(a).ok_or_else(mismatch)
            }
        }
    }

    /// Read `n` elements of `layout`.
    fn read(&self, layout: &Layout, n: u64) -> Result<Array> {
        match layout {
            Layout::Leaf { field, target } => {
                let cols = self.active_columns(*field);
                let c = *cols
                    .first()
                    .ok_or_else(|| Error::corrupt("leaf field without columns"))?;
                match self.column(c, n)? {
                    ColumnData::Values(v) => convert(v, *target).map_err(Error::unsupported),
                    ColumnData::Index(v) => index_as(v, *target),
                    ColumnData::Switch(_) => {
                        Err(Error::unsupported("a switch column read as a leaf field"))
                    }
                }
            }
            Layout::Cardinality { field, wide } => {
                let offsets = self.offsets(*field, n)?;
                let lengths = offsets.windows(2).map(|w| (w[1] - w[0]) as u64);
                if *wide {
                    Ok(Array::U64(lengths.collect()))
                } else {
                    let v: Option<Vec<u32>> = lengths.map(|x| u32::try_from(x).ok()).collect();
                    v.map(Array::U32)
                        .ok_or_else(|| Error::corrupt("collection size exceeds 32 bits"))
                }
            }
            Layout::String { .. }
            | Layout::Collection { .. }
            | Layout::Fixed { .. }
            | Layout::Record { .. } => {
                let mut a = layout.empty();
                self.read_into(layout, n, &mut a)?;
                Ok(a)
            }
            Layout::Variant {
                field,
                alternatives,
            } => self.variant(*field, alternatives, n),
        }
    }

    /// A variant: per alternative, a list of 0 or 1 values per element. The switch column
    /// gives each element's tag (1-based alternative, 0 for none) and its index among the
    /// alternative's elements in this cluster, which ROOT writes in order.
    fn variant(&self, field: usize, alternatives: &[(String, Layout)], n: u64) -> Result<Array> {
        let cols = self.active_columns(field);
        let c = *cols
            .first()
            .ok_or_else(|| Error::corrupt("variant field without a switch column"))?;
        let ColumnData::Switch(switch) = self.column(c, n)? else {
            return Err(Error::corrupt(format!("column {c} is not a switch column")));
        };
        let k = alternatives.len();
        let mut offsets: Vec<Vec<i64>> = vec![vec![0i64]; k];
        for o in &mut offsets {
            o.reserve(switch.len());
        }
        let mut counts = vec![0u64; k];
        for &(index, tag) in &switch {
            for (a, o) in offsets.iter_mut().enumerate() {
                let mut last = *o.last().unwrap_or(&0);
                if tag as usize == a + 1 {
                    if index != counts[a] {
                        return Err(Error::unsupported(format!(
                            "variant alternative {a} in cluster {}: element index {index} where {} was expected (out-of-order variant items)",
                            self.index, counts[a]
                        )));
                    }
                    counts[a] += 1;
                    last += 1;
                }
                o.push(last);
            }
            if tag as usize > k {
                return Err(Error::corrupt(format!(
                    "variant tag {tag} but only {k} alternatives"
                )));
            }
        }
        let mut fields = Vec::with_capacity(k);
        for (((name, l), o), count) in alternatives.iter().zip(offsets).zip(counts) {
            let values = self.read(l, count)?;
            fields.push((
                name.clone(),
                Array::Jagged {
                    offsets: o.into(),
                    values: Box::new(values),
                },
            ));
        }
        Ok(Array::Record {
            fields,
            len: switch.len(),
        })
    }
}

/// The columns of `field` in the representation that is active in `cluster`: the first whose
/// principal column is present and not suppressed (a column added later may be absent
/// altogether; then the first representation is used and reads as zeros).
fn active_columns(schema: &Schema, cluster: &Cluster, field: usize) -> Vec<usize> {
    let reps = schema.representations(field);
    for r in 0..reps {
        let cols = schema.representation_columns(field, r);
        if let Some(&c) = cols.first() {
            if let Some(cp) = cluster.columns.get(c) {
                if cp.element_offset.is_some() {
                    return cols;
                }
            }
        }
    }
    schema.representation_columns(field, 0)
}

/// Bytes a page takes on disk, its checksum included.
fn stored_len(p: &PageInfo) -> u64 {
    p.locator
        .size
        .saturating_add(if p.checksum { 8 } else { 0 })
}

/// Name the page in a corrupt-page message.
fn with_page(e: Error, cluster: usize, page: usize) -> Error {
    let Error { kind, location } = e;
    let kind = match *kind {
        ErrorKind::Corrupt(m) => {
            ErrorKind::Corrupt(format!("page {page} of cluster {cluster}: {m}"))
        }
        other => other,
    };
    Error {
        kind: Box::new(kind),
        location,
    }
}

/// An index column read as integers (a leaf field over an index column).
fn index_as(v: Vec<u64>, target: PrimitiveType) -> Result<Array> {
    convert(Array::U64(v), target).map_err(Error::unsupported)
}

impl RNTuple {
    /// Read several fields over `entries` (clamped to the RNTuple's entries). Returns one column
    /// per name, in the order asked. Names are top-level field names or dotted paths to
    /// subfields (`hit.x`, `hits.e` or `hits._0.e`: a subfield inside a collection comes with the
    /// collection's offsets).
    pub fn read_fields(
        &self,
        names: &[&str],
        entries: Range<u64>,
        options: &ReadOptions,
    ) -> Result<Vec<Array>> {
        let stop = entries.end.min(self.entries);
        let start = entries.start.min(stop);
        let mut layouts = Vec::with_capacity(names.len());
        for name in names {
            layouts.push(self.layout_for(name)?);
        }
        let clusters: Vec<usize> = self
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.first_entry < stop && c.first_entry + c.entries > start && c.entries > 0
            })
            .map(|(i, _)| i)
            .collect();
        // One task per field and run of consecutive clusters, each decoding into one output
        // array. Single-threaded, or with many fields, a task covers all clusters, so a field's
        // arrays are built once at their final size; with fewer fields than threads the clusters
        // are split into runs that are concatenated afterwards.
        let threads = match options.threads {
            0 => rayon::current_num_threads().max(1),
            n => n,
        };
        let runs = if threads == 1 || clusters.is_empty() {
            1
        } else {
            (threads * 4)
                .div_ceil(names.len().max(1))
                .clamp(1, clusters.len())
        };
        let per_run = clusters.len().div_ceil(runs).max(1);
        let tasks: Vec<(usize, &[usize])> = (0..names.len())
            .flat_map(|f| clusters.chunks(per_run).map(move |cs| (f, cs)))
            .collect();
        let run = |scratch: &mut Scratch, &(f, cs): &(usize, &[usize])| -> Result<Array> {
            let (path, layout) = &layouts[f];
            self.read_run(layout, cs, start..stop, scratch)
                .map_err(|e| self.located(e.in_object(format!("{}/{}", self.name, path))))
        };
        let results: Vec<Result<Array>> = if threads == 1 {
            let mut scratch = Scratch::default();
            tasks.iter().map(|t| run(&mut scratch, t)).collect()
        } else {
            pool(threads)?.install(|| tasks.par_iter().map_init(Scratch::default, run).collect())
        };
        let mut per_field: Vec<Vec<Array>> = (0..names.len()).map(|_| Vec::new()).collect();
        for ((f, _), r) in tasks.iter().zip(results) {
            per_field[*f].push(r?);
        }
        let mut out = Vec::with_capacity(names.len());
        for (parts, (path, layout)) in per_field.into_iter().zip(&layouts) {
            let array = if parts.is_empty() {
                layout.empty()
            } else if parts.len() == 1 {
                parts.into_iter().next().unwrap_or_else(|| layout.empty())
            } else {
                Array::concat(parts).ok_or_else(|| {
                    self.located(
                        Error::corrupt("clusters decoded to different types")
                            .in_object(format!("{}/{}", self.name, path)),
                    )
                })?
            };
            out.push(array);
        }
        Ok(out)
    }

    /// Read one field over `entries` with default options.
    pub fn read_field(&self, name: &str, entries: Range<u64>) -> Result<Array> {
        let mut v = self.read_fields(&[name], entries, &ReadOptions::default())?;
        v.pop()
            .ok_or_else(|| Error::corrupt("internal: no column read"))
    }

    /// Read `layout` for the consecutive clusters `cs` into one array, keeping the entries in
    /// `range`. The array's buffers are reserved once from the clusters' element counts; a
    /// cluster wholly inside `range` is decoded straight into them.
    fn read_run(
        &self,
        layout: &Layout,
        cs: &[usize],
        range: Range<u64>,
        scratch: &mut Scratch,
    ) -> Result<Array> {
        let mut out = layout.empty();
        self.reserve(layout, cs, &mut out);
        for &c in cs {
            let mut r = ClusterReader::new(self, c, scratch);
            let cluster = r.cluster;
            r.prefetch(layout)?;
            let first = cluster.first_entry;
            let lo = range.start.max(first) - first;
            let hi = range.end.min(first + cluster.entries) - first;
            if lo == 0 && hi == cluster.entries {
                r.read_into(layout, cluster.entries, &mut out)?;
            } else {
                let a = r.read(layout, cluster.entries)?;
                out.append(a.slice(lo as usize, hi as usize))
                    .ok_or_else(|| Error::corrupt("clusters decoded to different types"))?;
            }
            r.trim();
        }
        Ok(out)
    }

    /// Reserve room in `out` for the elements that the columns of `layout` hold in clusters
    /// `cs` (page metadata; at most [`MAX_RESERVE`] bytes per buffer, the rest grows as decoded).
    fn reserve(&self, layout: &Layout, cs: &[usize], out: &mut Array) {
        // (elements, stored bytes) of the `k`-th active column of `field` in `cs`
        let count = |field: usize, k: usize| -> (u64, u64) {
            let mut total = (0u64, 0u64);
            for &c in cs {
                let cl = &self.clusters[c];
                if let Some(col) = active_columns(&self.schema, cl, field).get(k) {
                    if let Some(cp) = cl.columns.get(*col) {
                        for p in &cp.pages {
                            total.0 = total.0.saturating_add(p.elements as u64);
                            total.1 = total.1.saturating_add(p.locator.size);
                        }
                    }
                }
            }
            total
        };
        // Page metadata is not trusted further than the bytes behind it: a buffer is reserved
        // to at most RESERVE_RATIO times the stored bytes (plus 1 MiB) and MAX_RESERVE.
        fn cap<T>(v: &mut Vec<T>, (n, stored): (u64, u64)) {
            let size = std::mem::size_of::<T>().max(1) as u64;
            let bytes = n
                .saturating_mul(size)
                .min(stored.saturating_mul(RESERVE_RATIO).saturating_add(1 << 20))
                .min(MAX_RESERVE as u64);
            v.reserve((bytes / size) as usize);
            // the buffer is written soon: fewer, larger page faults
            advise_huge_pages(v);
        }
        match (layout, out) {
            (Layout::Leaf { field, .. }, a) => {
                let n = count(*field, 0);
                match a {
                    Array::Bool(x) => cap(x, n),
                    Array::I8(x) => cap(x, n),
                    Array::U8(x) => cap(x, n),
                    Array::I16(x) => cap(x, n),
                    Array::U16(x) => cap(x, n),
                    Array::I32(x) => cap(x, n),
                    Array::U32(x) => cap(x, n),
                    Array::I64(x) => cap(x, n),
                    Array::U64(x) => cap(x, n),
                    Array::F32(x) => cap(x, n),
                    Array::F64(x) => cap(x, n),
                    _ => {}
                }
            }
            (Layout::String { field }, Array::Strings { offsets, data }) => {
                cap(offsets, count(*field, 0));
                cap(data, count(*field, 1));
            }
            (Layout::Collection { field, item }, Array::Jagged { offsets, values }) => {
                cap(offsets, count(*field, 0));
                self.reserve(item, cs, values);
            }
            (Layout::Fixed { item, .. }, Array::Fixed { values, .. }) => {
                self.reserve(item, cs, values)
            }
            (Layout::Record { fields }, Array::Record { fields: arrays, .. }) => {
                for ((_, l), (_, a)) in fields.iter().zip(arrays.iter_mut()) {
                    self.reserve(l, cs, a);
                }
            }
            _ => {}
        }
    }
}

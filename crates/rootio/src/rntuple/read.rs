//! Reading fields over an entry range: one task per (field, cluster), run in parallel.
//!
//! Within a cluster every column is read whole: index columns hold offsets relative to the
//! cluster, so a cluster's arrays stand on their own and are concatenated (offsets rebased) in
//! cluster order. The pages a task needs are fetched together, byte ranges that are close on disk
//! merged into one read.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::column::{convert, ColumnData, Decoder};
use super::footer::{Cluster, PageInfo};
use super::layout::Layout;
use super::{RNTuple, Schema};
use crate::array::{Array, PrimitiveType};
use crate::compression;
use crate::error::{Error, ErrorKind, Result};
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

/// Reads the columns of one cluster.
struct ClusterReader<'a> {
    nt: &'a RNTuple,
    schema: &'a Schema,
    index: usize,
    cluster: &'a Cluster,
    /// Fetched byte ranges: (file offset, bytes), sorted by offset.
    fetched: Vec<(u64, Vec<u8>)>,
    /// The most elements any column holds in this cluster's pages.
    max_elements: u64,
}

impl<'a> ClusterReader<'a> {
    fn new(nt: &'a RNTuple, index: usize) -> Self {
        ClusterReader {
            nt,
            schema: &nt.schema,
            index,
            cluster: &nt.clusters[index],
            fetched: Vec::new(),
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
        let reps = self.schema.representations(field);
        for r in 0..reps {
            let cols = self.schema.representation_columns(field, r);
            if let Some(&c) = cols.first() {
                if let Some(cp) = self.cluster.columns.get(c) {
                    if cp.element_offset.is_some() {
                        return cols;
                    }
                }
            }
        }
        self.schema.representation_columns(field, 0)
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
        let bufs = source.read_ranges(&ok)?;
        self.fetched = ok.into_iter().map(|r| r.start).zip(bufs).collect();
        Ok(())
    }

    /// The stored bytes of a page (and its checksum, if any): borrowed from the prefetched
    /// ranges, or read on their own (a multi-key page, or a page past the end of the file,
    /// which then gives the error).
    fn page_bytes(&self, p: &PageInfo) -> Result<Cow<'_, [u8]>> {
        let len = stored_len(p);
        let start = p.locator.offset;
        let i = self.fetched.partition_point(|(o, _)| *o <= start);
        if i > 0 {
            let (o, buf) = &self.fetched[i - 1];
            let a = (start - o) as usize;
            if let Some(end) = a.checked_add(len as usize) {
                if end <= buf.len() {
                    return Ok(Cow::Borrowed(&buf[a..end]));
                }
            }
        }
        self.nt.storage.read_blob(start, len).map(Cow::Owned)
    }

    /// Decode `n` elements of column `c` (all of its elements in this cluster).
    fn column(&self, c: usize, n: u64) -> Result<ColumnData> {
        let rec = &self.schema.columns[c];
        let dec = Decoder {
            column_type: rec.column_type,
            bits: rec.bits,
            range: rec.value_range,
        };
        dec.check().map_err(Error::unsupported)?;
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
        let mut out = dec.empty()?;
        dec.zeros(missing as usize, &mut out);
        for (k, p) in pages.iter().enumerate() {
            self.decode_page(&dec, p, &mut out)
                .map_err(|e| e.at_offset(p.locator.offset))
                .map_err(|e| with_page(e, self.index, k))?;
        }
        Ok(out)
    }

    fn decode_page(&self, dec: &Decoder, p: &PageInfo, out: &mut ColumnData) -> Result<()> {
        let stored = self.page_bytes(p)?;
        let size = p.locator.size as usize;
        if p.checksum {
            let mut b = [0u8; 8];
            b.copy_from_slice(&stored[size..size + 8]);
            let want = u64::from_le_bytes(b);
            let got = xxh3_64(&stored[..size]);
            if want != got {
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
            dec.decode(&stored[..size], n as usize, out)
        } else {
            let len = usize::try_from(bytes)
                .map_err(|_| Error::corrupt(format!("page of {bytes} bytes")))?;
            let data = compression::decompress_to_vec(&stored[..size], len)?;
            dec.decode(&data, n as usize, out)
        }
    }

    /// The first column of `field` decoded as offsets: `n` cluster-relative end offsets, checked
    /// to be non-decreasing, as `[0, end_0, end_1, …]`.
    fn offsets(&self, field: usize, n: u64) -> Result<Vec<i64>> {
        let cols = self.active_columns(field);
        let c = *cols
            .first()
            .ok_or_else(|| Error::corrupt("collection field without columns"))?;
        let ColumnData::Index(ends) = self.column(c, n)? else {
            return Err(Error::corrupt(format!("column {c} is not an index column")));
        };
        let mut out = Vec::with_capacity(ends.len() + 1);
        out.push(0i64);
        let mut prev = 0u64;
        for e in ends {
            if e < prev || e > i64::MAX as u64 {
                return Err(Error::corrupt(format!(
                    "offsets of column {c} in cluster {} decrease ({prev} then {e})",
                    self.index
                )));
            }
            out.push(e as i64);
            prev = e;
        }
        Ok(out)
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
            Layout::String { field } => {
                let offsets = self.offsets(*field, n)?;
                let cols = self.active_columns(*field);
                let c = *cols
                    .get(1)
                    .ok_or_else(|| Error::corrupt("std::string field without a char column"))?;
                let total = *offsets.last().unwrap_or(&0) as u64;
                let data = match self.column(c, total)? {
                    ColumnData::Values(Array::I8(v)) => v.into_iter().map(|b| b as u8).collect(),
                    ColumnData::Values(Array::U8(v)) => v,
                    _ => {
                        return Err(Error::unsupported(
                            "std::string characters in a column that is not Char or Byte",
                        ))
                    }
                };
                Ok(Array::Strings { offsets, data })
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
            Layout::Collection { field, item } => {
                let offsets = self.offsets(*field, n)?;
                let total = *offsets.last().unwrap_or(&0) as u64;
                let values = self.read(item, total)?;
                Ok(Array::Jagged {
                    offsets,
                    values: Box::new(values),
                })
            }
            Layout::Fixed { size, item } => {
                let total = n
                    .checked_mul(*size as u64)
                    .ok_or_else(|| Error::corrupt("fixed-size array too large"))?;
                let values = self.read(item, total)?;
                Ok(Array::Fixed {
                    size: *size,
                    values: Box::new(values),
                })
            }
            Layout::Record { fields } => {
                let len = usize::try_from(n).map_err(|_| Error::corrupt("record count"))?;
                let fields = fields
                    .iter()
                    .map(|(name, l)| Ok((name.clone(), self.read(l, n)?)))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Array::Record { fields, len })
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
                    offsets: o,
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
        let tasks: Vec<(usize, usize)> = (0..names.len())
            .flat_map(|f| clusters.iter().map(move |&c| (f, c)))
            .collect();
        let run = |&(f, c): &(usize, usize)| -> Result<Array> {
            let (path, layout) = &layouts[f];
            self.read_cluster(layout, c, start..stop)
                .map_err(|e| self.located(e.in_object(format!("{}/{}", self.name, path))))
        };
        let results: Vec<Result<Array>> = match options.threads {
            1 => tasks.iter().map(run).collect(),
            n => pool(if n == 0 {
                rayon::current_num_threads().max(1)
            } else {
                n
            })?
            .install(|| tasks.par_iter().map(run).collect()),
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

    /// Read `layout` for cluster `c`, keeping the entries in `range`.
    fn read_cluster(&self, layout: &Layout, c: usize, range: Range<u64>) -> Result<Array> {
        let mut r = ClusterReader::new(self, c);
        let cluster = r.cluster;
        r.prefetch(layout)?;
        let a = r.read(layout, cluster.entries)?;
        let first = cluster.first_entry;
        let lo = range.start.max(first) - first;
        let hi = range.end.min(first + cluster.entries) - first;
        if lo == 0 && hi == cluster.entries {
            Ok(a)
        } else {
            Ok(a.slice(lo as usize, hi as usize))
        }
    }
}

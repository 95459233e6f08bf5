//! Reading branches over an entry range into columns, with baskets decompressed and decoded in
//! parallel.
//!
//! The baskets of each branch are cut into runs ("chunks") of consecutive baskets. Each chunk is
//! decoded by one thread, basket after basket, straight into one output array, with the
//! thread's scratch buffers reused from basket to basket. When a branch has several chunks
//! (few branches, many threads), their arrays are concatenated at the end; reading many
//! branches needs no concatenation at all. On one thread, the fields of a collection after
//! the first are decoded last, their list offsets compared with the first's instead of
//! written (`same_offsets`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use super::basket::{read_basket, RawBasket, Scratch};
use super::decode::{decode, empty_for_interpretation};
use super::interpretation::Interpretation;
use super::same_offsets::{self, Leader, SameOffsets};
use super::{BasketInfo, BasketLocation, Branch, Tree};
use crate::array::Array;
use crate::error::{Error, ErrorKind, Result};
use crate::memory::advise_huge_pages;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Options for reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Worker threads for decompression and decoding; 0 means one per core, 1 means the
    /// calling thread only.
    pub threads: usize,
}

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

/// A run of consecutive baskets of one branch, decoded by one thread.
struct Chunk {
    branch: usize,
    /// (basket index, first local entry, stop local entry)
    baskets: Vec<(usize, usize, usize)>,
    entries: u64,
}

impl Tree {
    /// The byte ranges of the baskets on disk that hold `entries` of the branches `names`
    /// (unknown names are left out): what [`Tree::read_branches`] will read, for a prefetch.
    pub fn basket_ranges(&self, names: &[&str], entries: Range<u64>) -> Vec<Range<u64>> {
        let mut out = Vec::new();
        for name in names {
            let Ok(b) = self.branch(name) else {
                continue;
            };
            for info in &b.baskets {
                if info.stop <= entries.start || info.first >= entries.end {
                    continue;
                }
                if let BasketLocation::OnDisk { seek, bytes } = &info.location {
                    out.push(*seek..seek.saturating_add(*bytes as u64));
                }
            }
        }
        out
    }

    /// Read one branch over `entries` with default options.
    pub fn read_branch(&self, name: &str, entries: Range<u64>) -> Result<Array> {
        let mut v = self.read_branches(&[name], entries, &ReadOptions::default())?;
        v.pop()
            .ok_or_else(|| Error::corrupt("internal: no column read"))
    }

    /// Read several branches over `entries` (clamped to the tree's entries). Returns one column
    /// per name, in the order asked.
    pub fn read_branches(
        &self,
        names: &[&str],
        entries: Range<u64>,
        options: &ReadOptions,
    ) -> Result<Vec<Array>> {
        let mut out = Vec::new();
        self.read_branches_into(names, entries, options, &mut out)?;
        Ok(out)
    }

    /// Like [`Tree::read_branches`], but into `out`, reusing the buffers of the arrays already
    /// there (from an earlier call with the same branches). An event loop that reads chunk
    /// after chunk this way touches no new memory once the buffers have grown — fresh memory
    /// costs a page fault per 4 KiB, a large part of the read time for fast codecs.
    pub fn read_branches_into(
        &self,
        names: &[&str],
        entries: Range<u64>,
        options: &ReadOptions,
        out: &mut Vec<Array>,
    ) -> Result<()> {
        let stop = entries.end.min(self.entries);
        let start = entries.start.min(stop);
        let mut branches = Vec::with_capacity(names.len());
        for name in names {
            let b = self.branch(name)?;
            let interp = b.interpretation.as_ref().map_err(|why| {
                Error::unsupported(format!("cannot read branch '{}': {why}", b.name))
                    .in_object(format!("{}/{}", self.path, b.name))
                    .in_file(self.file.path())
            })?;
            if !b.file_name.is_empty() {
                return Err(Error::unsupported(format!(
                    "branch '{}' keeps its baskets in another file ({})",
                    b.name, b.file_name
                ))
                .in_file(self.file.path()));
            }
            branches.push((b, interp));
        }
        // Reuse the arrays that already have the right type; replace the others. Last to
        // first: a field that shared its leader's offsets lets them go before the leader
        // clears them, so the leader keeps its buffer (see `Offsets::reset`).
        out.truncate(branches.len());
        while out.len() < branches.len() {
            out.push(empty_for_interpretation(branches[out.len()].1));
        }
        for (a, (_, interp)) in out.iter_mut().zip(&branches).rev() {
            let fresh = empty_for_interpretation(interp);
            if a.type_name() == fresh.type_name() {
                a.clear();
            } else {
                *a = fresh;
            }
        }
        let threads = match options.threads {
            0 => rayon::current_num_threads().max(1),
            n => n,
        };
        // On one thread, the fields of a collection share their leader's offsets (compared
        // while decoded, after it). On several, every branch is decoded at once, each with
        // offsets of its own: waiting for the leaders would leave threads idle (all branches
        // of the lz4 file on 2 threads, reused arrays: 0.49 → 0.51–0.54 s).
        let leaders = if threads == 1 {
            same_offsets::leaders(&branches)
        } else {
            vec![None; branches.len()]
        };
        // Which baskets of which branch overlap the range.
        let mut per_branch: Vec<Vec<(usize, usize, usize)>> = Vec::with_capacity(branches.len());
        for (b, _) in &branches {
            if b.entries < stop {
                return Err(Error::unsupported(format!(
                    "branch '{}' holds {} entries, fewer than the {stop} asked for (it was not \
                     filled for every entry of the tree)",
                    b.name, b.entries
                ))
                .in_object(format!("{}/{}", self.path, b.name))
                .in_file(self.file.path()));
            }
            let mut list = Vec::new();
            let mut covered = 0u64;
            for (j, info) in b.baskets.iter().enumerate() {
                if info.stop <= start || info.first >= stop {
                    continue;
                }
                let lo = start.saturating_sub(info.first) as usize;
                let hi = (stop.min(info.stop) - info.first) as usize;
                covered += (hi - lo) as u64;
                list.push((j, lo, hi));
            }
            if covered < stop - start {
                return Err(Error::corrupt(format!(
                    "branch '{}' has baskets for {covered} of the {} entries asked for",
                    b.name,
                    stop - start
                ))
                .in_object(format!("{}/{}", self.path, b.name))
                .in_file(self.file.path()));
            }
            per_branch.push(list);
        }
        // Announce every basket to the source: a remote one fetches them in a few vector reads
        // instead of one round trip each (a local file has the kernel read them into the page
        // cache in the background).
        let wanted: Vec<Range<u64>> = per_branch
            .iter()
            .zip(&branches)
            .flat_map(|(list, (b, _))| {
                list.iter()
                    .filter_map(|&(j, _, _)| match &b.baskets.get(j)?.location {
                        BasketLocation::OnDisk { seek, bytes } => {
                            Some(*seek..seek.saturating_add(*bytes as u64))
                        }
                        BasketLocation::Embedded(_) => None,
                    })
            })
            .collect();
        self.file
            .source()
            .prefetch(&wanted)
            .map_err(|e| e.in_object(self.path.clone()).in_file(self.file.path()))?;
        // Cut into chunks: at least ~4 per thread overall, so work balances. A field that
        // follows its collection's leader (`same_offsets`) is one chunk, decoded after the
        // leader is complete, comparing its list offsets with the leader's.
        let total: usize = per_branch.iter().map(Vec::len).sum();
        let chunk_len = if threads == 1 {
            usize::MAX
        } else {
            total.div_ceil(threads * 4).max(1)
        };
        let mut chunks = Vec::new();
        for (bi, list) in per_branch.into_iter().enumerate() {
            let len = match leaders[bi] {
                Some(_) => list.len(),
                None => chunk_len,
            };
            for group in list.chunks(len.min(list.len()).max(1)) {
                let entries = group.iter().map(|(_, lo, hi)| (hi - lo) as u64).sum();
                chunks.push(Chunk {
                    branch: bi,
                    baskets: group.to_vec(),
                    entries,
                });
            }
        }
        let (followers, firsts): (Vec<Chunk>, Vec<Chunk>) = chunks
            .into_iter()
            .partition(|c| leaders[c.branch].is_some());
        self.decode_chunks(&branches, &firsts, out, &[], threads, options)?;
        if followers.is_empty() {
            return Ok(());
        }
        // One `Leader` per leader (its sizes built once), shared by its followers.
        let mut led: HashMap<usize, Leader> = HashMap::new();
        let expected: Vec<Option<Leader>> = leaders
            .iter()
            .map(|l| {
                let l = (*l)?;
                if let Some(leader) = led.get(&l) {
                    return Some(leader.clone());
                }
                let Array::Jagged { offsets, .. } = out.get(l)? else {
                    return None;
                };
                let leader = Leader::new(offsets.clone());
                led.insert(l, leader.clone());
                Some(leader)
            })
            .collect();
        self.decode_chunks(&branches, &followers, out, &expected, threads, options)
    }

    /// Decode `chunks` into `out` (one array per branch), in parallel on `threads`; a branch
    /// with `expected` offsets compares its list offsets with them ([`SameOffsets`]).
    fn decode_chunks(
        &self,
        branches: &[(&Branch, &Interpretation)],
        chunks: &[Chunk],
        out: &mut [Array],
        expected: &[Option<Leader>],
        threads: usize,
        options: &ReadOptions,
    ) -> Result<()> {
        // A branch read as one chunk is decoded straight into its output array; a branch cut
        // into several chunks gets one array per chunk, appended in order at the end.
        let mut chunks_per_branch = vec![0usize; branches.len()];
        for c in chunks {
            chunks_per_branch[c.branch] += 1;
        }
        let mut slots: Vec<Option<&mut Array>> = out.iter_mut().map(Some).collect();
        let mut jobs: Vec<(&Chunk, Option<&mut Array>)> = chunks
            .iter()
            .map(|c| {
                let direct = if chunks_per_branch[c.branch] == 1 {
                    slots[c.branch].take()
                } else {
                    None
                };
                (c, direct)
            })
            .collect();
        let run = |(c, slot): &mut (&Chunk, Option<&mut Array>)| -> Result<Option<Array>> {
            let (b, interp) = branches[c.branch];
            let located = |e: Error| {
                e.in_object(format!("{}/{}", self.path, b.name))
                    .in_file(self.file.path())
            };
            let same = expected
                .get(c.branch)
                .and_then(Option::as_ref)
                .map(|e| SameOffsets::new(e.clone()));
            match slot {
                Some(target) => self
                    .decode_chunk(target, b, interp, c, same)
                    .map(|_| None)
                    .map_err(located),
                None => {
                    let mut a = empty_for_interpretation(interp);
                    self.decode_chunk(&mut a, b, interp, c, same)
                        .map_err(located)?;
                    Ok(Some(a))
                }
            }
        };
        let parts: Vec<Result<Option<Array>>> = if threads == 1 || jobs.len() <= 1 {
            jobs.iter_mut().map(run).collect()
        } else if options.threads == 0 {
            jobs.par_iter_mut().map(run).collect()
        } else {
            pool(threads)?.install(|| jobs.par_iter_mut().map(run).collect())
        };
        drop(jobs);
        let mut grouped: Vec<Vec<Array>> = branches.iter().map(|_| Vec::new()).collect();
        for (c, part) in chunks.iter().zip(parts) {
            if let Some(a) = part? {
                grouped[c.branch].push(a);
            }
        }
        let finish = |(target, parts): (&mut Array, Vec<Array>)| -> Result<()> {
            if parts.is_empty() {
                return Ok(());
            }
            target.reserve_for(&parts);
            for p in parts {
                target.append(p).ok_or_else(|| {
                    Error::corrupt("internal: column type changed between baskets")
                })?;
            }
            Ok(())
        };
        let pairs: Vec<(&mut Array, Vec<Array>)> = out.iter_mut().zip(grouped).collect();
        if threads == 1 {
            pairs.into_iter().try_for_each(finish)
        } else {
            pairs.into_par_iter().try_for_each(finish)
        }
    }

    /// Decompress basket `index` of `branch` without decoding it (for tools and benchmarks).
    pub fn raw_basket(&self, branch: &Branch, index: usize) -> Result<RawBasket> {
        let info = branch
            .baskets
            .get(index)
            .ok_or_else(|| Error::corrupt(format!("no basket {index}")))?;
        let variable = branch.entry_offset_len > 0;
        let mut scratch = Scratch::default();
        let view = read_basket(&**self.file.source(), info, variable, false, &mut scratch)
            .map_err(|e| {
                e.in_basket(index)
                    .in_object(branch.name.clone())
                    .in_file(self.file.path())
            })?;
        Ok(RawBasket {
            data: view.data.to_vec(),
            offsets: view.offsets.map(|o| o.to_vec()),
            entries: view.entries,
        })
    }

    fn decode_chunk(
        &self,
        out: &mut Array,
        b: &Branch,
        interp: &Interpretation,
        c: &Chunk,
        mut same: Option<SameOffsets>,
    ) -> Result<()> {
        reserve(
            out,
            interp,
            b,
            c.entries,
            self.file.source().len(),
            same.is_some(),
        );
        let mut work = |scratch: &mut Scratch| -> Result<()> {
            for &(j, lo, hi) in &c.baskets {
                let info = &b.baskets[j];
                self.decode_basket(out, b, interp, info, lo, hi, scratch, same.as_mut())
                    .map_err(|e| e.in_basket(j))?;
            }
            Ok(())
        };
        // A nested read (a counter branch read while decoding) gets fresh buffers.
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut scratch) => work(&mut scratch),
            Err(_) => work(&mut Scratch::default()),
        })?;
        if let Some(same) = same {
            same.finish(out);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn decode_basket(
        &self,
        out: &mut Array,
        b: &Branch,
        interp: &Interpretation,
        info: &BasketInfo,
        lo: usize,
        hi: usize,
        scratch: &mut Scratch,
        same: Option<&mut SameOffsets>,
    ) -> Result<()> {
        // Fixed-size data has entry offsets only where ROOT wrote a table for them (a
        // `TObject::fBits` member followed by a process id when referenced: see `decode`).
        let variable = !matches!(interp, Interpretation::Fixed { .. }) || b.entry_offset_len > 0;
        // A counted field reads its stored entry offsets directly (`decode_stored`).
        let keep_table = matches!(interp, Interpretation::Counted { .. });
        let view = read_basket(&**self.file.source(), info, variable, keep_table, scratch)?;
        let expected = (info.stop - info.first) as usize;
        if view.entries != expected {
            return Err(Error::corrupt(format!(
                "basket holds {} entries but the branch lists {expected}",
                view.entries
            )));
        }
        if let Some(table) = &view.table {
            return super::decode::decode_stored(
                out,
                interp,
                view.data,
                table,
                view.entries,
                lo,
                hi,
                same,
            );
        }
        match (view.offsets, interp) {
            (
                None,
                Interpretation::Counted {
                    element,
                    inner,
                    counter,
                },
            ) => {
                // kGenerateOffsetMap: ROOT did not write the offsets; rebuild them from the
                // counter branch over this basket's entries (`root-format.md` §1.7).
                let counter = counter.as_deref().ok_or_else(|| {
                    Error::corrupt(
                        "variable-size basket without offsets and without a counter branch",
                    )
                })?;
                if counter == b.name {
                    return Err(Error::corrupt("a branch cannot count itself"));
                }
                let data = view.data.to_vec();
                let counts = self.read_branches(
                    &[counter],
                    info.first..info.stop,
                    &ReadOptions { threads: 1 },
                )?;
                let per = (element.disk_size() * inner.iter().product::<usize>().max(1)) as u64;
                let mut offsets = Vec::with_capacity(expected + 1);
                offsets.push(0u32);
                let mut acc = 0u64;
                for k in 0..expected {
                    let n = count_at(&counts[0], k)
                        .ok_or_else(|| Error::corrupt("bad counter value"))?;
                    acc += n * per;
                    if acc > data.len() as u64 {
                        return Err(Error::corrupt("counter values exceed the basket data"));
                    }
                    offsets.push(acc as u32);
                }
                decode(out, interp, &data, Some(&offsets), expected, lo, hi, same)
            }
            (offsets, _) => decode(out, interp, view.data, offsets, view.entries, lo, hi, same),
        }
    }
}

/// Reserve the output for `entries` entries: exact for fixed-size data; for jagged data the
/// offsets exactly and the values from the branch's uncompressed size, so the buffers are
/// allocated once.
///
/// Entry counts and array shapes come from the file: no reservation exceeds 16 values per byte
/// of the file, so that a corrupt count cannot reserve more than the file could plausibly hold
/// (the arrays still grow past it if the data really are there).
///
/// A field compared with its collection's leader (`follower`) reserves no offsets: it takes
/// the leader's.
fn reserve(
    out: &mut Array,
    interp: &Interpretation,
    b: &Branch,
    entries: u64,
    file_len: u64,
    follower: bool,
) {
    let limit = (file_len as usize).saturating_mul(16);
    let n = (entries as usize).min(limit);
    let share = if b.entries > 0 {
        entries as f64 / b.entries as f64
    } else {
        0.0
    };
    match (out, interp) {
        (Array::Fixed { size, values }, _) => {
            reserve_flat(values, n.saturating_mul(*size).min(limit))
        }
        (Array::Jagged { offsets, values }, Interpretation::Counted { element, .. }) => {
            if !follower {
                reserve_vec(offsets, n);
            }
            // fTotBytes includes the offset arrays and key headers: a slight over-estimate.
            // Capped, since fTotBytes comes from the file: a corrupt value must not reserve
            // more than the file could plausibly hold.
            let size = element.disk_size().max(1);
            let est = (b.tot_bytes.max(0) as f64 * share) as usize / size;
            reserve_flat(values, est.min(limit / size));
        }
        (Array::Jagged { offsets, .. }, _) => reserve_vec(offsets, n),
        (Array::Strings { offsets, .. }, _) => reserve_vec(offsets, n),
        (flat, _) => reserve_flat(flat, n),
    }
}

fn reserve_vec<T>(v: &mut Vec<T>, n: usize) {
    v.reserve(n);
    advise_huge_pages(v);
}

fn reserve_flat(a: &mut Array, n: usize) {
    match a {
        Array::Bool(v) => reserve_vec(v, n),
        Array::I8(v) => reserve_vec(v, n),
        Array::U8(v) => reserve_vec(v, n),
        Array::I16(v) => reserve_vec(v, n),
        Array::U16(v) => reserve_vec(v, n),
        Array::I32(v) => reserve_vec(v, n),
        Array::U32(v) => reserve_vec(v, n),
        Array::I64(v) => reserve_vec(v, n),
        Array::U64(v) => reserve_vec(v, n),
        Array::F32(v) => reserve_vec(v, n),
        Array::F64(v) => reserve_vec(v, n),
        Array::Fixed { size, values } => reserve_flat(values, n * *size),
        _ => {}
    }
}

fn count_at(a: &Array, i: usize) -> Option<u64> {
    let v: i128 = match a {
        Array::I8(v) => *v.get(i)? as i128,
        Array::U8(v) => *v.get(i)? as i128,
        Array::I16(v) => *v.get(i)? as i128,
        Array::U16(v) => *v.get(i)? as i128,
        Array::I32(v) => *v.get(i)? as i128,
        Array::U32(v) => *v.get(i)? as i128,
        Array::I64(v) => *v.get(i)? as i128,
        Array::U64(v) => *v.get(i)? as i128,
        _ => return None,
    };
    u64::try_from(v).ok()
}

//! Reading branches over an entry range into columns, with baskets decompressed and decoded in
//! parallel.

use std::ops::Range;

use rayon::prelude::*;

use super::basket::{read_basket, RawBasket};
use super::decode::{decode, empty_for_interpretation};
use super::interpretation::Interpretation;
use super::{Branch, Tree};
use crate::array::Array;
use crate::error::{Error, ErrorKind, Result};

/// Options for reading.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Worker threads for decompression and decoding; 0 means one per core, 1 means the
    /// calling thread only.
    pub threads: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { threads: 0 }
    }
}

struct Task {
    branch: usize,
    basket: usize,
    lo: usize,
    hi: usize,
}

impl Tree {
    /// Read one branch over `entries` with default options.
    pub fn read_branch(&self, name: &str, entries: Range<u64>) -> Result<Array> {
        let mut v = self.read_branches(&[name], entries, &ReadOptions::default())?;
        v.pop().ok_or_else(|| Error::corrupt("internal: no column read"))
    }

    /// Read several branches over `entries` (clamped to the tree's entries). Returns one column
    /// per name, in the order asked.
    pub fn read_branches(
        &self,
        names: &[&str],
        entries: Range<u64>,
        options: &ReadOptions,
    ) -> Result<Vec<Array>> {
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
        let mut tasks = Vec::new();
        for (bi, (b, _)) in branches.iter().enumerate() {
            for (j, info) in b.baskets.iter().enumerate() {
                if info.stop <= start || info.first >= stop {
                    continue;
                }
                let lo = start.saturating_sub(info.first) as usize;
                let hi = (stop.min(info.stop) - info.first) as usize;
                tasks.push(Task { branch: bi, basket: j, lo, hi });
            }
            let covered: u64 = b.baskets.iter().map(|x| x.stop.min(stop).saturating_sub(x.first.max(start))).sum();
            if covered < stop - start {
                return Err(Error::corrupt(format!(
                    "branch '{}' has baskets for {covered} of the {} entries asked for",
                    b.name,
                    stop - start
                ))
                .in_object(format!("{}/{}", self.path, b.name))
                .in_file(self.file.path()));
            }
        }
        let run = |t: &Task| -> Result<Array> {
            let (b, interp) = branches[t.branch];
            self.decode_task(b, interp, t).map_err(|e| {
                e.in_basket(t.basket)
                    .in_object(format!("{}/{}", self.path, b.name))
                    .in_file(self.file.path())
            })
        };
        let parts: Vec<Result<Array>> = if options.threads == 1 || tasks.len() <= 1 {
            tasks.iter().map(run).collect()
        } else {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(options.threads)
                .build()
                .map_err(|e| Error::from(ErrorKind::Io(std::io::Error::other(e.to_string()))))?;
            pool.install(|| tasks.par_iter().map(run).collect())
        };
        let mut per_branch: Vec<Vec<Array>> = branches.iter().map(|_| Vec::new()).collect();
        for (t, part) in tasks.iter().zip(parts) {
            per_branch[t.branch].push(part?);
        }
        per_branch
            .into_iter()
            .zip(&branches)
            .map(|(parts, (_, interp))| match parts.len() {
                0 => Ok(empty_for_interpretation(interp)),
                1 => Ok(parts.into_iter().next().unwrap_or_else(|| empty_for_interpretation(interp))),
                _ => Array::concat(parts)
                    .ok_or_else(|| Error::corrupt("internal: column type changed between baskets")),
            })
            .collect()
    }

    /// Decompress basket `index` of `branch` without decoding it (used by the benchmark's
    /// decompression floor and by tools).
    pub fn raw_basket(&self, branch: &Branch, index: usize) -> Result<RawBasket> {
        let info = branch
            .baskets
            .get(index)
            .ok_or_else(|| Error::corrupt(format!("no basket {index}")))?;
        let variable = branch.entry_offset_len > 0;
        read_basket(&**self.file.source(), info, variable)
            .map_err(|e| e.in_basket(index).in_object(branch.name.clone()).in_file(self.file.path()))
    }

    fn decode_task(&self, b: &Branch, interp: &Interpretation, t: &Task) -> Result<Array> {
        let info = &b.baskets[t.basket];
        let variable = !matches!(interp, Interpretation::Fixed { .. });
        let raw = read_basket(&**self.file.source(), info, variable)?;
        let expected = (info.stop - info.first) as usize;
        if raw.entries != expected {
            return Err(Error::corrupt(format!(
                "basket holds {} entries but the branch lists {expected}",
                raw.entries
            )));
        }
        match (&raw.offsets, interp) {
            (None, Interpretation::Counted { element, inner, counter }) => {
                // kGenerateOffsetMap: ROOT did not write the offsets; rebuild them from the
                // counter branch over this basket's entries (`root-format.md` §1.7).
                let counter = counter.as_deref().ok_or_else(|| {
                    Error::corrupt("variable-size basket without offsets and without a counter branch")
                })?;
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
                    let n = count_at(&counts[0], k).ok_or_else(|| Error::corrupt("bad counter value"))?;
                    acc += n * per;
                    if acc > raw.data().len() as u64 {
                        return Err(Error::corrupt("counter values exceed the basket data"));
                    }
                    offsets.push(acc as u32);
                }
                decode(interp, raw.data(), Some(&offsets), raw.entries, t.lo, t.hi)
            }
            _ => decode(interp, raw.data(), raw.offsets.as_deref(), raw.entries, t.lo, t.hi),
        }
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

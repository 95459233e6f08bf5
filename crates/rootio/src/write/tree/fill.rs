//! `TTree::Fill`'s bookkeeping above the branches: when clusters end, what
//! `TTree::OptimizeBaskets` does at the first one, and the queue of baskets that are compressed
//! (in parallel) and written in ROOT's order.
//!
//! ROOT decides after every entry (`root-project/root:tree/tree/src/TTree.cxx`, `TTree::Fill`):
//!
//! * before the first cluster ends (`fFlushedBytes == 0`), a cluster ends when the compressed
//!   bytes written exceed the budget `-fAutoFlush` (default 30 MB), or when the entry count is
//!   a multiple of a positive `fAutoFlush`; then every branch writes its basket
//!   (`FlushBasketsImpl`), `OptimizeBaskets(fTotBytes, 1)` resizes the baskets, `fAutoFlush`
//!   becomes the entry count and `fAutoSave` (default −300 MB) a multiple of it;
//! * later, a cluster ends every `fAutoFlush` entries.
//!
//! Entries in which no basket fills and no cluster ends change nothing of that, so they are
//! copied in bulk; the entries in which something happens are filled one at a time, branch by
//! branch, as in ROOT.

use rayon::prelude::*;

use super::columns::Column;
use super::TreeWriter;
use crate::error::Result;
use crate::write::FileWriter;

/// Uncompressed baskets held before they are compressed and written together.
const MAX_PENDING_BYTES: usize = 64 << 20;

impl TreeWriter {
    /// Fill `n` entries, as `TTree::Fill` would one by one: branches fill in order, full
    /// baskets are written at once, and after each entry the tree decides about clusters.
    /// Stretches of entries in which no basket fills are copied in bulk.
    pub(super) fn write_entries(
        &mut self,
        file: &mut FileWriter,
        cols: &[Column<'_>],
        n: usize,
    ) -> Result<()> {
        let mut pos = 0usize;
        while pos < n {
            let until_check = self.entries_to_next_trigger();
            let seg_end = (pos as u64).saturating_add(until_check).min(n as u64) as usize;
            let event = self
                .branches
                .iter()
                .zip(cols)
                .filter_map(|(b, c)| b.next_full(c, pos, seg_end))
                .min()
                .unwrap_or(seg_end);
            if event > pos {
                for (b, c) in self.branches.iter_mut().zip(cols) {
                    let full = b.fill(c, pos..event);
                    debug_assert!(!full);
                }
                self.entries += (event - pos) as i64;
                pos = event;
                if pos == seg_end {
                    self.after_entry(file)?;
                }
                continue;
            }
            // Entry `pos` fills at least one basket.
            for (i, col) in cols.iter().enumerate() {
                if self.branches[i].fill(col, pos..pos + 1) {
                    self.take(i)?;
                }
            }
            self.entries += 1;
            pos += 1;
            self.after_entry(file)?;
            if self.pending_bytes > MAX_PENDING_BYTES {
                self.drain(file)?;
            }
        }
        Ok(())
    }

    /// Whether the decision after this entry may depend on the exact compressed size of the
    /// baskets written so far (`fZipBytes`), which is then brought up to date. Before the first
    /// cluster, `TTree::Fill` compares it with the byte budgets of `fAutoFlush` and `fAutoSave`
    /// after every entry, and at the first cluster it computes `fAutoSave` from it. Queued
    /// baskets count with their uncompressed size, an upper bound of what they will take, so
    /// the queue only has to be compressed when a budget might be exceeded: baskets are still
    /// compressed many at a time, in parallel.
    fn zip_bytes_needed(&self) -> bool {
        if self.flushed_bytes != 0 {
            return false;
        }
        let bound = self.zip_bytes + self.pending_bytes as i64;
        let over = |budget: i64| budget < 0 && bound > -budget;
        let at = |every: i64| every > 0 && self.entries % every == 0;
        over(self.auto_flush) || over(self.auto_save) || at(self.auto_flush) || at(self.auto_save)
    }

    /// Entries until the next entry at which a count-based cluster or save point may fall.
    fn entries_to_next_trigger(&self) -> u64 {
        let e = self.entries;
        let next = |every: i64| -> u64 {
            if every > 0 {
                (every - e.rem_euclid(every)) as u64
            } else {
                u64::MAX
            }
        };
        next(self.auto_flush).min(next(self.auto_save))
    }

    /// The end of `TTree::Fill`: first cluster (flush, `OptimizeBaskets`, `fAutoFlush` and
    /// `fAutoSave` turned into entry counts), later clusters, save points.
    fn after_entry(&mut self, file: &mut FileWriter) -> Result<()> {
        let mut flush = false;
        let mut save = false;
        if self.zip_bytes_needed() {
            self.drain(file)?;
        }
        if self.auto_flush != 0 || self.auto_save != 0 {
            if self.flushed_bytes == 0 {
                let zip = self.zip_bytes;
                if self.auto_flush != 0 {
                    flush = if self.auto_flush < 0 {
                        zip > -self.auto_flush
                    } else {
                        self.entries % self.auto_flush == 0
                    };
                }
                if self.auto_save != 0 {
                    save = if self.auto_save < 0 {
                        zip > -self.auto_save
                    } else {
                        self.entries % self.auto_save == 0
                    };
                }
                if flush || save {
                    self.flush_baskets(file)?;
                    flush = false;
                    self.optimize_baskets();
                    self.flushed_bytes = self.zip_bytes;
                    self.auto_flush = self.entries;
                    if self.auto_save < 0 {
                        let denom = if zip != 0 {
                            zip
                        } else if self.tot_bytes != 0 {
                            self.tot_bytes
                        } else {
                            1
                        };
                        self.auto_save = self
                            .auto_flush
                            .max(self.entries * ((-self.auto_save / denom) / self.entries));
                    } else if self.auto_save > 0 {
                        self.auto_save = self.auto_flush * (self.auto_save / self.auto_flush);
                    }
                    if self.auto_save != 0 && self.entries >= self.auto_save {
                        save = true;
                    }
                }
            } else {
                if self.auto_flush > 0 {
                    flush = self.entries > 1 && self.entries % self.auto_flush == 0;
                }
                if self.auto_save > 0 {
                    save = self.entries % self.auto_save == 0;
                }
            }
        }
        if flush {
            self.flush_baskets(file)?;
            self.flushed_bytes = self.zip_bytes;
        }
        if save {
            // TTree::AutoSave: ROOT rewrites the tree header here; only the count is kept.
            self.drain(file)?;
            self.saved_bytes = self.zip_bytes;
        }
        Ok(())
    }

    /// `TTree::FlushBasketsImpl`: every branch writes its basket, in branch order.
    pub(super) fn flush_baskets(&mut self, file: &mut FileWriter) -> Result<()> {
        for i in 0..self.branches.len() {
            self.take(i)?;
        }
        self.drain(file)
    }

    /// Take branch `i`'s basket into the queue of baskets to write.
    fn take(&mut self, i: usize) -> Result<()> {
        if let Some(b) = self.branches[i].take_basket(i)? {
            self.tot_bytes += (b.payload.len() + self.branches[i].keylen()) as i64;
            self.pending_bytes += b.payload.len() + self.branches[i].keylen();
            self.pending.push(b);
        }
        Ok(())
    }

    /// Compress the queued baskets (in parallel) and write them in order.
    fn drain(&mut self, file: &mut FileWriter) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let compression = self.compression;
        if self.pending.len() > 1 {
            self.pending
                .par_iter_mut()
                .try_for_each(|b| b.compress(compression))?;
        } else {
            self.pending[0].compress(compression)?;
        }
        let datime = file.key_datime();
        let pdir = file.top_directory_seek();
        for b in std::mem::take(&mut self.pending) {
            let branch = &mut self.branches[b.branch];
            let header = branch.basket_key(&b, &self.name, datime, file.end(), pdir);
            let seek = file.append_record(&header, b.stored())?;
            self.zip_bytes += branch.record_written(seek, header.len() + b.stored().len());
        }
        self.pending_bytes = 0;
        Ok(())
    }

    /// `TTree::OptimizeBaskets(GetTotBytes(), 1, "")`, as `TTree::Fill` calls it at the first
    /// cluster: each branch's basket size becomes its share of the bytes written so far, plus
    /// room for a cluster's entry offsets, rounded up to 512 bytes; all sizes are then scaled so
    /// that they add up to about the bytes of one cluster. (With a minimum compression factor
    /// of 1, no branch has its compression switched off.)
    fn optimize_baskets(&mut self) {
        let max_memory = self.tot_bytes as f64;
        let nleaves = self.branches.len();
        let tree_size = self.tot_bytes as f64;
        if nleaves == 0 || tree_size == 0.0 {
            return;
        }
        let ave_size = tree_size / nleaves as f64;
        let mut bmin: u32 = 512;
        let mut bmax: u32 = 256_000;
        let mut mem_factor = 1.0f64;
        let auto_flush = self.auto_flush;
        for pass in 0..2 {
            let mut new_memsize: i64 = 0;
            for b in self.branches.iter_mut() {
                let tot = b.tot_bytes as f64;
                let ideal = tot / ave_size;
                let size_of_one_entry: u32 = if b.entries == 0 {
                    ave_size as u32
                } else {
                    1 + (tot / b.entries as f64) as u32
                };
                let old = b.basket_size;
                let mut bsize = old as f64 * ideal * mem_factor;
                if bsize < 0.0 {
                    bsize = bmax as f64;
                }
                if bsize > bmax as f64 {
                    bsize = bmax as f64;
                }
                let mut new = bsize as u32;
                if pass == 1 {
                    let cluster = if auto_flush > 0 {
                        auto_flush
                    } else {
                        b.entries
                    };
                    // UInt_t arithmetic, as in ROOT.
                    if b.entry_offset_len != 0 {
                        new = (new as u64).wrapping_add(cluster as u64 * 8) as u32;
                    }
                    new = (new - new % 512).wrapping_add(512);
                }
                if new < size_of_one_entry {
                    new = size_of_one_entry;
                }
                if new < bmin {
                    new = bmin;
                }
                if new > 10_000_000 {
                    new = bmax;
                }
                if pass == 1 {
                    b.set_basket_size(new as i64);
                }
                new_memsize += new as i64;
            }
            mem_factor = (max_memory / new_memsize as f64).min(100.0);
            let bmin_new = bmin as f64 * mem_factor;
            let bmax_new = bmax as f64 * mem_factor;
            const HARD_MAX: f64 = (1u32 << 30) as f64;
            const HARD_MIN: f64 = 8.0;
            bmin = if bmin_new > HARD_MAX {
                HARD_MAX as u32
            } else if bmin_new < HARD_MIN {
                HARD_MIN as u32
            } else {
                bmin_new as u32
            };
            bmax = if bmax_new > HARD_MAX {
                bmin
            } else {
                bmax_new as u32
            };
        }
    }
}

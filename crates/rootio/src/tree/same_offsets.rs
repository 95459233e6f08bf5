//! One offsets array for the fields of a collection.
//!
//! NanoAOD-like trees store a collection as one branch per field, each counted by the same
//! leaf: `Jet_pt[nJet]`, `Jet_eta[nJet]`, … (`TLeaf::fLeafCount`). Every such branch has its
//! own baskets with their own tables of entry offsets, so a reader that decodes each one gets
//! the same list offsets once per field, and a consumer that wants to treat the fields as one
//! collection has to compare them all again.
//!
//! Here, in a read on one thread (an event loop's: `ReadOptions { threads: 1 }`), the first
//! branch read of a counter's fields (its *leader*) is decoded as usual; the others are
//! decoded after it, and for them each basket's entry offsets are *compared* with
//! the leader's list offsets at the same entries instead of written out. When every basket
//! agrees, the field takes the leader's array ([`Offsets`], shared), and the values are its
//! own as always. Nothing is assumed: a basket that disagrees (a file written by another
//! program, a corrupt table) switches that field back to offsets of its own from the entry
//! where they part, decoded as before (with the errors a bad table gives). Equality is
//! exactly what the field's own decoding would have produced, so the arrays read are the same
//! values either way — only shared. Reads on several threads decode every branch at once,
//! each with offsets of its own (waiting for the leaders would leave threads idle).
//!
//! Measured (paired runs of the ADL queries on the 5 M-event lz4 file, one thread, best /
//! median of 5–7, the same histograms): q8 0.432 / 0.442 → 0.396 / 0.403 s, q7 0.466 / 0.473
//! → 0.427 / 0.438 s, q5 0.216 / 0.216 → 0.202 / 0.206 s — the offsets of four of each
//! collection's five fields neither written nor compared again by the engine.
//!
//! A follower's basket is compared straight from its stored table (big-endian,
//! `fKeylen`-relative: [`SameOffsets::compare_table`]), not parsed into a copy first and the
//! copy compared: one pass over the table instead of three (write the parsed copy, check its
//! order, compare it). Paired, lz4 file, best / median of 7 (2026-12-06): q5 0.220 / 0.222 →
//! 0.212 / 0.214 s, q8 0.415 / 0.417 → 0.404 / 0.406 s, q7 0.437 / 0.443 → 0.428 / 0.434 s;
//! zlib q5 within the noise (0.598 / 0.605 → 0.593 / 0.610 s). A leader's table is likewise
//! converted to list offsets in the pass that checks it (`decode::push_stored_offsets`): q2
//! 0.087 / 0.089 → 0.085 / 0.087 s, q3 0.123 / 0.125 → 0.120 / 0.122 s, q8 0.392 / 0.400 →
//! 0.384 / 0.394 s (9 each); all 74 branches of the lz4 file into reused columns
//! (`read_bench --only 1t-reuse`, best of 3, three alternating runs) 1.260–1.275 s before both
//! changes against 1.199–1.217 s after.
//!
//! A read longer than [`SIZES_FROM`] entries (a whole tree at once, as `read_bench` or a
//! notebook's `arrays()` reads it) compares with the leader's *sizes of entries*, one byte an
//! entry ([`Leader`], [`stored_steps_equal`]), instead of its 8-byte offsets: such a read goes
//! branch by branch, so the leader's offsets came from memory again for every follower. All 74
//! branches of the 5 M-event lz4 file into reused columns (`read_bench --only 1t-reuse`, best
//! of 3, three alternating runs of the two builds, Intel Xeon, 2026-12-07): 1.056–1.099 →
//! 1.003–1.025 s; the comparison's share of the profile 10.5 → 3.1 %, building the sizes 2 %.
//! An event loop's chunks (one cluster each) keep comparing with the offsets, which are
//! still in cache there.

use std::collections::hash_map::{Entry, HashMap};
use std::sync::Arc;

use crate::array::Array;
use crate::offsets::Offsets;

use super::basket::EntryTable;
use super::interpretation::Interpretation;
use super::Branch;

/// For each branch, the index of its leader: the first earlier branch counted by the same
/// counter branch (both read as counted lists), or `None` (a leader itself, or not a field
/// of a collection).
pub(crate) fn leaders(branches: &[(&Branch, &Interpretation)]) -> Vec<Option<usize>> {
    // The first branch of each counter, met in order: one pass (a read of every branch of a
    // tree with thousands of them compares no pairs).
    let mut first: HashMap<&str, usize> = HashMap::new();
    branches
        .iter()
        .enumerate()
        .map(|(i, (_, interp))| match interp {
            Interpretation::Counted {
                counter: Some(c), ..
            } => match first.entry(c.as_str()) {
                Entry::Occupied(leader) => Some(*leader.get()),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                    None
                }
            },
            _ => None,
        })
        .collect()
}

/// A leader's list offsets, as its followers compare with them: the offsets themselves and,
/// when every entry holds at most 255 elements (NanoAOD's collections hold a few), the same
/// as one byte per entry — its *sizes*.
///
/// The sizes are what a follower's stored table is compared with ([`stored_steps_equal`]):
/// one byte per entry read instead of eight. A read of a whole tree goes branch by branch, so
/// the leader's offsets (40 MB for 5 M events) come from memory again for every follower; the
/// comparison waited on those loads (8.5–11 % of `read_bench --only 1t-reuse` on the 5 M-event
/// lz4 file, its loads of `expected` holding 80 % of the samples). Built once per leader, not
/// per follower.
#[derive(Debug, Clone)]
pub(crate) struct Leader {
    offsets: Offsets,
    sizes: Option<Arc<Vec<u8>>>,
}

/// The fewest entries for which a leader builds its sizes: 2¹⁸ list offsets are 2 MiB, the
/// L2 cache of a core of the machines measured. Below, the offsets of an event loop's chunk
/// (one cluster, ~100 000 entries in NanoAOD) are still in cache when the followers compare
/// with them, and building the sizes costs what it saves: q7 on the 5 M-event lz4 file took
/// 0.307 / 0.315 s with the offsets against 0.319 / 0.325 s with sizes built per chunk (best
/// / median of 11, paired; the building 1.4–2 % of the profile, the comparison 2.7 → 1.0 %).
const SIZES_FROM: usize = 1 << 18;

impl Leader {
    /// The leader with list offsets `offsets`, with its sizes where they fit a byte and the
    /// read is long enough to gain from them ([`SIZES_FROM`]).
    pub(crate) fn new(offsets: Offsets) -> Leader {
        if offsets.len() > SIZES_FROM {
            Leader::with_sizes(offsets)
        } else {
            Leader::without_sizes(offsets)
        }
    }

    /// The same, with its sizes wherever they fit a byte.
    pub(crate) fn with_sizes(offsets: Offsets) -> Leader {
        let sizes = entry_sizes(&offsets).map(Arc::new);
        Leader { offsets, sizes }
    }

    /// The same without sizes: every comparison takes the offsets (the tests and the fuzz
    /// harness run both ways).
    pub(crate) fn without_sizes(offsets: Offsets) -> Leader {
        Leader {
            offsets,
            sizes: None,
        }
    }
}

/// Each entry's number of elements, `offsets[i + 1] - offsets[i]`, as a byte, or `None` when
/// one is outside `0..=255` (the offsets out of order, or an entry of more elements) or an
/// offset is negative.
fn entry_sizes(offsets: &[i64]) -> Option<Vec<u8>> {
    let n = offsets.len().checked_sub(1)?;
    let mut sizes = vec![0u8; n];
    (write_sizes(offsets, &mut sizes) && offsets[0] >= 0).then_some(sizes)
}

crate::avx2::avx2_or_baseline! {
/// [`entry_sizes`] into `sizes` (one fewer than `offsets`): whether every difference is in
/// `0..=255` and every offset after the first is not negative. With those, no difference
/// overflows (two offsets of one sign), so the check needs no overflow flag and the loop is
/// vectorised.
fn write_sizes(offsets: &[i64], sizes: &mut [u8]) -> bool {
    // Any difference outside 0..=255 sets a bit above the eighth; a negative offset, the ninth.
    let mut wide = 0u64;
    for ((s, a), b) in sizes.iter_mut().zip(offsets).zip(offsets.get(1..).unwrap_or_default()) {
        let d = b.wrapping_sub(*a) as u64;
        wide |= d | (*b as u64 >> 63 << 8);
        *s = d as u8;
    }
    wide >> 8 == 0
}
}

/// A field's offsets being compared with its leader's, basket by basket.
#[derive(Debug)]
pub(crate) struct SameOffsets {
    /// The leader's list offsets over the whole range read (n + 1, from 0), with its sizes of
    /// entries where it has them.
    leader: Leader,
    /// Entries compared (and equal) so far.
    at: usize,
    /// A basket disagreed: the field has offsets of its own from then on.
    parted: bool,
}

impl SameOffsets {
    /// Compare with `leader`'s offsets over the same entries.
    pub(crate) fn new(leader: Leader) -> SameOffsets {
        SameOffsets {
            leader,
            at: 0,
            parted: false,
        }
    }

    /// Whether the comparison still goes on (no basket has disagreed).
    pub(crate) fn comparing(&self) -> bool {
        !self.parted
    }

    /// The list offsets of a basket's entries, as byte offsets `off` (n + 1) of elements of
    /// `per` bytes: compared with the leader's while they agree; otherwise appended to `own`
    /// (the field's offsets: until now `[0]`, then the agreeing ones, then these).
    pub(crate) fn push(
        &mut self,
        own: &mut Vec<i64>,
        off: &[u32],
        per: usize,
    ) -> crate::Result<()> {
        if !self.parted {
            let n = off.len().saturating_sub(1);
            let equal = self
                .leader
                .offsets
                .get(self.at..=self.at + n)
                .is_some_and(|e| element_offsets_equal(e, off, per));
            if equal {
                self.at += n;
                return Ok(());
            }
            self.parted = true;
            own.clear();
            own.extend_from_slice(&self.leader.offsets[..=self.at]);
        }
        super::decode::push_element_offsets(own, off, per)
    }

    /// [`push`](Self::push) for a basket whose entry offsets are still as stored (`table`,
    /// entries `lo..=hi` of it read): when they agree with the leader's, they are compared
    /// straight from the stored bytes — no parsed copy written and read again — and the data
    /// range of those entries is returned. `None` when they do not agree, or when the table
    /// is not one that parsing would accept (out of order, past the data, misaligned): the
    /// caller then parses it and calls `push`, which gives the field offsets of its own or the
    /// error parsing gives. So the field's offsets are the same either way.
    ///
    /// What parsing checks is checked here too: the offsets outside `lo..=hi` in order, the
    /// first not below the data start; inside, equality with the leader's (which are in order)
    /// implies the order.
    pub(crate) fn compare_table(
        &mut self,
        table: &EntryTable,
        lo: usize,
        hi: usize,
        per: usize,
    ) -> Option<(usize, usize)> {
        if self.parted || per == 0 {
            return None;
        }
        let (first, last) = table.window(lo, hi)?;
        let stored = table.entries();
        let expected = self.leader.offsets.get(self.at..=self.at + (hi - lo))?;
        // The stored words of entries lo..=hi: all of them but the data's end, not stored,
        // when hi is the last entry; that one is `last`, compared on its own.
        let words = table.bytes.get(4 * lo..4 * (hi + 1).min(stored).max(lo))?;
        let n_words = words.len() / 4;
        let origin = table.keylen + first;
        let stored_equal = match self.steps(&expected[..n_words], words, origin, per) {
            Some(equal) => equal,
            None => stored_offsets_equal(&expected[..n_words], words, origin, per),
        };
        let equal = stored_equal
            && (expected[hi - lo] - expected[0]).wrapping_mul(per as i64) == last - first;
        if !equal {
            return None;
        }
        let range = (usize::try_from(first).ok()?, usize::try_from(last).ok()?);
        self.at += hi - lo;
        Some(range)
    }

    /// [`stored_offsets_equal`] through the leader's sizes, where it can be: `None` without
    /// sizes, for a size of element that is not a power of two, or where the stored offsets
    /// could pass `u32::MAX`.
    ///
    /// Exact: the first word equals `origin` and each word steps from the one before by
    /// `size << shift` modulo 2³², so word `k` equals `origin + (expected[k] - expected[0]) ·
    /// per` modulo 2³² (the sizes are those differences). Both sides lie in `0..2³²` — the
    /// words are `u32`, the offsets ascend (sizes exist only then) and the last one is checked
    /// below 2³² here — so they are equal outright, as `stored_offsets_equal` compares them.
    fn steps(&self, expected: &[i64], words: &[u8], origin: i64, per: usize) -> Option<bool> {
        let sizes = self.leader.sizes.as_deref()?.as_slice();
        if !per.is_power_of_two() || per >= 1 << 24 {
            return None;
        }
        let shift = per.trailing_zeros();
        let (Some(&base), Some(&end), Some(first)) =
            (expected.first(), expected.last(), words.first_chunk::<4>())
        else {
            return Some(true);
        };
        let top = (end - base).checked_mul(per as i64)?.checked_add(origin)?;
        if origin < 0 || top > i64::from(u32::MAX) {
            return None;
        }
        let sizes = sizes.get(self.at..self.at + expected.len() - 1)?;
        Some(
            i64::from(u32::from_be_bytes(*first)) == origin
                && stored_steps_equal(sizes, words, shift),
        )
    }

    /// Give the field its offsets once every basket is decoded: the leader's array when
    /// they all agreed over the whole range, the part that agreed when fewer entries were
    /// decoded, or (having parted) its own, already in place.
    pub(crate) fn finish(self, field: &mut Array) {
        if self.parted {
            return;
        }
        if let Array::Jagged { offsets, .. } = field {
            *offsets = if self.at + 1 == self.leader.offsets.len() {
                self.leader.offsets
            } else {
                self.leader.offsets[..=self.at].to_vec().into()
            };
        }
    }
}

crate::avx2::avx2_or_baseline! {
/// Whether byte offsets `off` (relative to `off[0]`, elements of `per` bytes) give the list
/// offsets `expected` (same length, `expected[0]` the base): what
/// [`push_element_offsets`](super::decode::push_element_offsets) would append, the same
/// arithmetic, with a size that is not a whole number of elements never equal (so that the
/// caller decodes it and reports the error). One pass without a branch per entry.
fn element_offsets_equal(expected: &[i64], off: &[u32], per: usize) -> bool {
    if expected.len() != off.len() || per == 0 {
        return false;
    }
    let (Some(&base), Some(&first)) = (expected.first(), off.first()) else {
        return false;
    };
    let mut differ = 0i64;
    let mut misaligned = 0u32;
    if per.is_power_of_two() {
        let shift = per.trailing_zeros();
        let mask = (per - 1) as u32;
        for (&x, &e) in off[1..].iter().zip(&expected[1..]) {
            let rel = x.wrapping_sub(first);
            misaligned |= rel & mask;
            differ |= (base + (rel >> shift) as i64) ^ e;
        }
    } else {
        let per32 = per as u32;
        for (&x, &e) in off[1..].iter().zip(&expected[1..]) {
            let rel = x.wrapping_sub(first);
            misaligned |= rel % per32;
            differ |= (base + (rel / per32) as i64) ^ e;
        }
    }
    differ == 0 && misaligned == 0
}
}

crate::avx2::avx2_or_baseline! {
/// Whether stored big-endian offsets `words` (one per entry), less `origin` (`fKeylen` plus
/// the first entry's data-relative offset), equal `per` times the list offsets `expected`
/// (as many) less `expected[0]`: what parsing and [`element_offsets_equal`] accept. One pass,
/// no branch per entry.
fn stored_offsets_equal(expected: &[i64], words: &[u8], origin: i64, per: usize) -> bool {
    if words.len() != 4 * expected.len() {
        return false;
    }
    let Some(&base) = expected.first() else {
        return true;
    };
    let mut differ = 0i64;
    let stored = words.chunks_exact(4).map(|c| i64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])));
    if per.is_power_of_two() {
        let shift = per.trailing_zeros();
        for (x, &e) in stored.zip(expected) {
            differ |= (x - origin) ^ ((e - base) << shift);
        }
    } else {
        let per = per as i64;
        for (x, &e) in stored.zip(expected) {
            differ |= (x - origin) ^ (e - base).wrapping_mul(per);
        }
    }
    differ == 0
}
}

crate::avx2::avx2_or_baseline! {
/// Whether each of the stored big-endian words `words` (one more than `sizes`) steps from the
/// one before by `sizes[k] << shift`, modulo 2³² ([`SameOffsets::steps`] makes that exact).
/// One pass, no branch per entry: one byte of the leader's read per entry, not eight.
fn stored_steps_equal(sizes: &[u8], words: &[u8], shift: u32) -> bool {
    let (w, rest) = words.as_chunks::<4>();
    if !rest.is_empty() || w.len() != sizes.len() + 1 || shift >= 32 {
        return false;
    }
    let mut differ = 0u32;
    for ((a, b), &s) in w.iter().zip(&w[1..]).zip(sizes) {
        let step = u32::from_be_bytes(*b).wrapping_sub(u32::from_be_bytes(*a));
        differ |= step ^ (u32::from(s) << shift);
    }
    differ == 0
}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the field's own decoding gives for baskets of byte offsets `baskets`.
    fn own_decoding(baskets: &[Vec<u32>], per: usize) -> crate::Result<Vec<i64>> {
        let mut o = vec![0];
        for b in baskets {
            super::super::decode::push_element_offsets(&mut o, b, per)?;
        }
        Ok(o)
    }

    /// The same through [`SameOffsets`] against `expected`.
    fn compared(baskets: &[Vec<u32>], per: usize, expected: &[i64]) -> crate::Result<Array> {
        let mut field = Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(Array::F32(Vec::new())),
        };
        let mut same = SameOffsets::new(Leader::with_sizes(expected.to_vec().into()));
        for b in baskets {
            let Array::Jagged { offsets, .. } = &mut field else {
                unreachable!()
            };
            same.push(offsets, b, per)?;
        }
        same.finish(&mut field);
        Ok(field)
    }

    fn offsets(a: &Array) -> &Offsets {
        match a {
            Array::Jagged { offsets, .. } => offsets,
            _ => panic!("not jagged"),
        }
    }

    /// Byte offsets of entries of `counts` elements of `per` bytes, after a `start`-byte key.
    fn basket(counts: &[u32], per: u32, start: u32) -> Vec<u32> {
        let mut o = vec![start];
        for c in counts {
            o.push(o.last().unwrap() + c * per);
        }
        o
    }

    #[test]
    fn equal_offsets_are_shared_and_any_difference_gives_the_fields_own() {
        // The leader: 4-byte elements in two baskets with different key lengths.
        let lead = [basket(&[2, 0, 3], 4, 77), basket(&[1, 5], 4, 80)];
        let expected = own_decoding(&lead, 4).unwrap();
        let shared: Offsets = expected.clone().into();
        // A field of 8-byte elements with the same counts shares the leader's array.
        let same = [basket(&[2, 0, 3], 8, 90), basket(&[1, 5], 8, 91)];
        let mut field = Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(Array::F64(Vec::new())),
        };
        let mut s = SameOffsets::new(Leader::with_sizes(shared.clone()));
        for b in &same {
            if let Array::Jagged { offsets, .. } = &mut field {
                s.push(offsets, b, 8).unwrap();
            }
        }
        s.finish(&mut field);
        assert!(offsets(&field).shares(&shared));
        // Every single count changed, in either basket, to any other value: the field gets
        // exactly its own decoding, never the leader's.
        for (bi, k) in [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)] {
            for delta in [-2i64, -1, 1, 7] {
                let mut counts = [vec![2u32, 0, 3], vec![1u32, 5]];
                let c = counts[bi][k] as i64 + delta;
                if c < 0 {
                    continue;
                }
                counts[bi][k] = c as u32;
                let baskets = [basket(&counts[0], 8, 90), basket(&counts[1], 8, 91)];
                let got = compared(&baskets, 8, &expected).unwrap();
                assert!(!offsets(&got).shares(&shared));
                assert_eq!(*offsets(&got), own_decoding(&baskets, 8).unwrap());
            }
        }
    }

    #[test]
    fn a_misaligned_basket_is_the_same_error_as_without_comparing() {
        let expected = own_decoding(&[basket(&[2, 1], 4, 0)], 4).unwrap();
        // 9 bytes for 2 + 1 floats, but the leader's counts would match on 4-byte floor.
        let bad = vec![0u32, 8, 9];
        assert!(own_decoding(std::slice::from_ref(&bad), 4).is_err());
        assert!(compared(&[bad], 4, &expected).is_err());
    }

    #[test]
    fn fewer_or_more_entries_than_the_leader_are_not_shared() {
        let expected = own_decoding(&[basket(&[2, 1, 4], 4, 0)], 4).unwrap();
        let short = [basket(&[2, 1], 4, 0)];
        let got = compared(&short, 4, &expected).unwrap();
        assert_eq!(*offsets(&got), vec![0, 2, 3]);
        let long = [basket(&[2, 1, 4, 1], 4, 0)];
        let got = compared(&long, 4, &expected).unwrap();
        assert_eq!(*offsets(&got), own_decoding(&long, 4).unwrap());
    }

    #[test]
    fn the_comparisons_are_the_same_on_avx2_and_on_the_baseline() {
        // Sizes of every kind (powers of two, 3, 12), lengths around the vector widths.
        for per in [1usize, 2, 4, 8, 3, 12] {
            for n in [0usize, 1, 3, 4, 7, 8, 9, 31, 64, 65] {
                let counts: Vec<u32> = (0..n as u32).map(|i| (i * 7 + 3) % 5).collect();
                let off = basket(&counts, per as u32, 100);
                let good = own_decoding(std::slice::from_ref(&off), per).unwrap();
                let mut variants = vec![good.clone()];
                for k in 1..good.len() {
                    let mut v = good.clone();
                    v[k] += 1;
                    variants.push(v);
                }
                // The same offsets as stored (big-endian, after a 70-byte key), less the last
                // (the data's end, not stored): compared straight from the bytes.
                let words: Vec<u8> = off[..n]
                    .iter()
                    .flat_map(|o| (o + 70).to_be_bytes())
                    .collect();
                for e in &variants {
                    let want = e == &good;
                    assert_eq!(element_offsets_equal(e, &off, per), want);
                    let base = crate::avx2::on_baseline(|| element_offsets_equal(e, &off, per));
                    assert_eq!(base, want, "per {per}, n {n}");
                    let stored = &e[..n];
                    let want = stored == &good[..n];
                    assert_eq!(stored_offsets_equal(stored, &words, 70 + 100, per), want);
                    let base = crate::avx2::on_baseline(|| {
                        stored_offsets_equal(stored, &words, 70 + 100, per)
                    });
                    assert_eq!(base, want, "stored, per {per}, n {n}");
                    // The same through the leader's sizes: the first word, then the steps.
                    if let (Some(sizes), true, Some(first)) = (
                        entry_sizes(stored),
                        per.is_power_of_two(),
                        words.first_chunk::<4>(),
                    ) {
                        let shift = per.trailing_zeros();
                        let first_equal = u32::from_be_bytes(*first) == 170;
                        let steps = stored_steps_equal(&sizes, &words, shift);
                        assert_eq!(first_equal && steps, want, "sizes, per {per}, n {n}");
                        let base =
                            crate::avx2::on_baseline(|| stored_steps_equal(&sizes, &words, shift));
                        assert_eq!(base, steps, "sizes, per {per}, n {n}");
                    }
                }
            }
        }
    }

    /// A counted field's basket decoded twice: from its stored table (`decode_stored`) and
    /// from the parsed table (`decode`), each into a fresh field, entries `lo..=hi` of it after
    /// the whole of `earlier` (a basket before it, if any), compared with the leader's offsets
    /// `expected` (from the first basket's first entry) or, without, as a leader.
    fn stored_and_parsed(
        earlier: Option<(&EntryTable, &[u8])>,
        (table, data): (&EntryTable, &[u8]),
        lo: usize,
        hi: usize,
        interp: &Interpretation,
        expected: Option<&Offsets>,
        sizes: bool,
    ) -> [crate::Result<Array>; 2] {
        let run = |stored: bool| -> crate::Result<Array> {
            let mut field = crate::tree::decode::empty_for_interpretation(interp);
            let mut same = expected.map(|e| {
                SameOffsets::new(match sizes {
                    true => Leader::with_sizes(e.clone()),
                    false => Leader::without_sizes(e.clone()),
                })
            });
            let baskets = earlier
                .map(|(t, d)| (t, d, 0, t.entries()))
                .into_iter()
                .chain([(table, data, lo, hi)]);
            for (t, d, lo, hi) in baskets {
                if stored {
                    crate::tree::decode::decode_stored(
                        &mut field,
                        interp,
                        d,
                        t,
                        t.entries(),
                        lo,
                        hi,
                        same.as_mut(),
                    )?;
                } else {
                    let mut parsed = Vec::new();
                    t.parse(&mut parsed)?;
                    crate::tree::decode::decode(
                        &mut field,
                        interp,
                        d,
                        Some(&parsed),
                        t.entries(),
                        lo,
                        hi,
                        same.as_mut(),
                    )?;
                }
            }
            if let Some(same) = same {
                same.finish(&mut field);
            }
            Ok(field)
        };
        [run(true), run(false)]
    }

    #[test]
    fn offsets_compared_from_the_stored_table_are_those_of_the_parsed_table() {
        use crate::tree::Element;
        use crate::PrimitiveType as P;
        let kinds = [
            (Element::Primitive(P::F32), vec![]),
            (Element::Primitive(P::F64), vec![]),
            (Element::Primitive(P::I16), vec![]),
            (Element::Primitive(P::U8), vec![]),
            (Element::Primitive(P::F32), vec![3]),
            (Element::Primitive(P::U8), vec![3]),
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        let mut compared = 0;
        for (element, inner) in kinds {
            let per = element.disk_size() * inner.iter().product::<usize>().max(1);
            let interp = Interpretation::Counted {
                element,
                inner,
                counter: Some("n".into()),
            };
            for n in [0usize, 1, 2, 5, 8, 9, 17, 40] {
                let counts: Vec<u32> = (0..n).map(|_| next(5) as u32).collect();
                let keylen = 60 + next(40) as i64;
                let start = next(3) as u32 * per as u32;
                let off = basket(&counts, per as u32, start);
                let border = *off.last().unwrap() as usize;
                let data: Vec<u8> = (0..border).map(|i| i as u8).collect();
                // The leader's offsets over 3 entries before, this basket's, 2 after.
                let mut lead = vec![0i64, 1, 1, 4];
                let b = *lead.last().unwrap();
                lead.extend(counts.iter().scan(b, |acc, &c| {
                    *acc += i64::from(c);
                    Some(*acc)
                }));
                let l = *lead.last().unwrap();
                lead.extend([l + 2, l + 2]);
                // The stored words, then every kind of damage to one of them.
                let words: Vec<i64> = off[..n].iter().map(|&o| i64::from(o) + keylen).collect();
                let mut tables = vec![words.clone()];
                for k in 0..n {
                    for delta in [-1i64, 1, per as i64, -(per as i64), -keylen - 1, 1 << 20] {
                        let mut w = words.clone();
                        w[k] += delta;
                        if (0..=u32::MAX as i64).contains(&w[k]) {
                            tables.push(w);
                        }
                    }
                }
                for w in &tables {
                    let bytes: Vec<u8> = w.iter().flat_map(|&x| (x as u32).to_be_bytes()).collect();
                    let table = EntryTable {
                        bytes: &bytes,
                        keylen,
                        border,
                    };
                    for (lo, hi) in [(0, n), (0, n / 2), (n / 3, n), (n / 3, (2 * n) / 3 + 1)] {
                        let hi = hi.min(n);
                        // As a field compared with the leader (whose offsets of entries
                        // lo..=hi start at its entry 3 + lo), as a leader, and as a field that
                        // parted from its leader in an earlier basket (its 3 entries of 2
                        // elements against the leader's 1, 0, 3).
                        let from_lo: Offsets = lead[3 + lo..].to_vec().into();
                        let whole: Offsets = lead.clone().into();
                        let earlier_off = basket(&[2, 2, 2], per as u32, 0);
                        let earlier_bytes: Vec<u8> = earlier_off[..3]
                            .iter()
                            .flat_map(|&o| (o + 50).to_be_bytes())
                            .collect();
                        let earlier_data = vec![7u8; earlier_off[3] as usize];
                        let earlier = EntryTable {
                            bytes: &earlier_bytes,
                            keylen: 50,
                            border: earlier_off[3] as usize,
                        };
                        let modes = [
                            (None, Some(&from_lo)),
                            (None, None),
                            (Some((&earlier, &earlier_data[..])), Some(&whole)),
                        ];
                        let both = modes
                            .into_iter()
                            .enumerate()
                            .flat_map(|m| [(m, true), (m, false)]);
                        for ((mode, (before, expected)), sizes) in both {
                            let [stored, parsed] = stored_and_parsed(
                                before,
                                (&table, &data),
                                lo,
                                hi,
                                &interp,
                                expected,
                                sizes,
                            );
                            let what = format!(
                                "mode {mode}, sizes {sizes}, per {per}, n {n}, lo {lo}, hi {hi}, {w:?}"
                            );
                            match (&stored, &parsed) {
                                (Ok(a), Ok(b)) => {
                                    assert_eq!(a, b, "{what}");
                                    if let (
                                        Array::Jagged { offsets: x, .. },
                                        Array::Jagged { offsets: y, .. },
                                    ) = (a, b)
                                    {
                                        let lead = expected.unwrap_or(&whole);
                                        assert_eq!(x.shares(lead), y.shares(lead), "{what}");
                                    }
                                    compared += 1;
                                }
                                (Err(_), Err(_)) => {}
                                _ => panic!("{what}: {stored:?} against {parsed:?}"),
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 1000, "{compared}");
    }

    #[test]
    fn sizes_are_bytes_of_ascending_offsets_only() {
        assert_eq!(entry_sizes(&[0, 2, 2, 257]), Some(vec![2, 0, 255]));
        assert_eq!(entry_sizes(&[5]), Some(vec![]));
        assert_eq!(entry_sizes(&[]), None);
        // 256 elements in one entry, offsets out of order, a step past i64's range.
        assert_eq!(entry_sizes(&[0, 256]), None);
        assert_eq!(entry_sizes(&[3, 2]), None);
        assert_eq!(entry_sizes(&[i64::MIN, i64::MAX]), None);
        assert_eq!(entry_sizes(&[i64::MAX, i64::MIN]), None);
    }

    /// Stored offsets near `u32::MAX`: words that equal the leader's offsets only modulo 2³²
    /// (past the top, wrapped to 0) are never taken as equal — the steps between them are
    /// the same, so only the guard on the top keeps them apart — and offsets just below the
    /// top still are, by sizes or by offsets alike.
    #[test]
    fn offsets_that_wrap_past_u32_are_not_equal() {
        let lead: Offsets = vec![0i64, 2, 3, 5].into();
        for sizes in [true, false] {
            let leader = || match sizes {
                true => Leader::with_sizes(lead.clone()),
                false => Leader::without_sizes(lead.clone()),
            };
            for origin in [
                u32::MAX as i64 - 20,
                u32::MAX as i64 - 12,
                u32::MAX as i64 - 11,
            ] {
                // Entries of 2, 1, 2 four-byte elements from `origin`: 8, 4, 8 bytes; the
                // table holds the first three (the last is the data's end).
                let true_words = [origin, origin + 8, origin + 12];
                let bytes: Vec<u8> = true_words
                    .iter()
                    .flat_map(|&w| (w as u32).to_be_bytes())
                    .collect();
                let table = EntryTable {
                    bytes: &bytes,
                    keylen: origin,
                    border: 20,
                };
                let mut same = SameOffsets::new(leader());
                let got = same.compare_table(&table, 0, 3, 4);
                let fits = true_words.iter().all(|&w| w <= u32::MAX as i64);
                assert_eq!(got.is_some(), fits, "sizes {sizes}, origin {origin}");
            }
        }
    }
}

//! Reading one basket: its key, decompression, and the split into data and entry offsets.
//!
//! On disk (`root-project/root:tree/tree/src/TBasket.cxx` `Streamer`, `ReadBasketBuffers`;
//! `root-format.md` §1.9): a TKey (always version 1004, 64-bit seeks) followed, still inside
//! `fKeylen`, by `fVersion u16, fBufferSize i32, fNevBufSize i32, fNevBuf i32, fLast i32,
//! flag u8`. The payload after `fKeylen` decompresses to `fObjlen` bytes:
//! `data[0 .. fLast - fKeylen]`, then — for variable-size entries — the entry-offset array
//! `i32 n` + `n` key-relative `i32` offsets whose last slot is garbage (replaced by the end of
//! the data, as uproot does), and possibly a displacement array, which is ignored.
//!
//! Baskets are read into per-thread scratch buffers ([`Scratch`]) that are reused from basket
//! to basket, so reading allocates nothing per basket once the buffers have grown.

use super::{BasketInfo, BasketLocation};
use crate::compression;
use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::key::Key;
use crate::source::ByteSource;

/// Reusable buffers for reading baskets.
#[derive(Debug, Default)]
pub struct Scratch {
    raw: Vec<u8>,
    unzipped: Vec<u8>,
    offsets: Vec<u32>,
}

/// A decompressed basket, borrowing the scratch buffers.
#[derive(Debug)]
pub struct BasketView<'a> {
    /// The entry data (`fLast - fKeylen` bytes).
    pub data: &'a [u8],
    /// Entry byte offsets relative to the data start (`entries + 1` of them), when written
    /// and parsed.
    pub offsets: Option<&'a [u32]>,
    /// The entry offsets as stored, when written and left unparsed (`keep_table`): a counted
    /// branch reads them straight from here (`decode::decode_stored`).
    pub(crate) table: Option<EntryTable<'a>>,
    /// Number of entries in the basket (`fNevBuf`).
    pub entries: usize,
}

/// A basket's table of entry offsets as stored: one big-endian `fKeylen`-relative `u32` per
/// entry (`TBasket::fEntryOffset`), the end of the data after the last.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryTable<'a> {
    /// `4 · entries` bytes.
    pub(crate) bytes: &'a [u8],
    pub(crate) keylen: i64,
    /// The data's length (`fLast - fKeylen`), the offset after the last entry.
    pub(crate) border: usize,
}

impl EntryTable<'_> {
    /// Entries in the table.
    pub(crate) fn entries(&self) -> usize {
        self.bytes.len() / 4
    }

    /// Entry `i`'s data-relative offset (may be negative in a corrupt table); `i == entries()`
    /// gives the end of the data.
    pub(crate) fn at(&self, i: usize) -> Option<i64> {
        if i == self.entries() {
            return Some(self.border as i64);
        }
        let w = self.bytes.get(4 * i..4 * i + 4)?;
        Some(i64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]])) - self.keylen)
    }

    /// The data-relative offsets of entries `lo` and `hi` (`lo ≤ hi ≤ entries()`) when the
    /// offsets outside `lo..=hi` pass what parsing checks of them ([`Self::in_order_outside`]):
    /// a caller reading entries `lo..=hi` straight from the table checks the rest itself.
    pub(crate) fn window(&self, lo: usize, hi: usize) -> Option<(i64, i64)> {
        if lo > hi || hi > self.entries() || !self.in_order_outside(lo, hi) {
            return None;
        }
        Some((self.at(lo)?, self.at(hi)?))
    }

    /// Whether the offsets outside entries `lo..=hi` pass what parsing checks of them: the
    /// first not below the data start, each not below the one before, up to the data's end.
    /// (Inside, the caller's own check implies it.)
    fn in_order_outside(&self, lo: usize, hi: usize) -> bool {
        let ordered = |from: usize, to: usize| {
            (from..to).try_fold(self.at(from)?, |prev, i| {
                let next = self.at(i + 1)?;
                (prev <= next).then_some(next)
            })
        };
        self.at(0).is_some_and(|o| o >= 0)
            && ordered(0, lo).is_some()
            && ordered(hi, self.entries()).is_some()
    }

    /// The table parsed as [`BasketView::offsets`] would hold it (`entries() + 1` offsets),
    /// appended to `out`, with the same errors.
    pub(crate) fn parse(&self, out: &mut Vec<u32>) -> Result<()> {
        offsets_from_bytes(self.bytes, self.keylen, self.border, out)
    }
}

/// A decompressed basket that owns its bytes.
#[derive(Debug, Clone)]
pub struct RawBasket {
    /// The entry data.
    pub data: Vec<u8>,
    /// Entry byte offsets (`entries + 1`), when written.
    pub offsets: Option<Vec<u32>>,
    /// Number of entries.
    pub entries: usize,
}

impl RawBasket {
    /// The entry data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

/// Read and decompress a basket into `scratch`. With `keep_table`, a basket on disk keeps
/// its entry offsets as stored ([`BasketView::table`]) instead of parsing them.
pub(crate) fn read_basket<'a>(
    source: &dyn ByteSource,
    info: &'a BasketInfo,
    variable: bool,
    keep_table: bool,
    scratch: &'a mut Scratch,
) -> Result<BasketView<'a>> {
    match &info.location {
        BasketLocation::OnDisk { seek, bytes } => {
            let end = seek.saturating_add(*bytes as u64);
            source.read_range_into(*seek..end, &mut scratch.raw)?;
            decode_disk_basket(*seek, variable, keep_table, scratch)
        }
        BasketLocation::Embedded(eb) => {
            let n = eb.data.len();
            let offsets = match (&eb.entry_offsets, variable) {
                (Some(o), true) => {
                    scratch.offsets.clear();
                    fix_offsets(o, eb.key.keylen as i64, eb.nev_buf, n, &mut scratch.offsets)?;
                    Some(&scratch.offsets[..])
                }
                _ => None,
            };
            Ok(BasketView {
                data: &eb.data,
                offsets,
                table: None,
                entries: eb.nev_buf.max(0) as usize,
            })
        }
    }
}

fn decode_disk_basket(
    seek: u64,
    variable: bool,
    keep_table: bool,
    scratch: &mut Scratch,
) -> Result<BasketView<'_>> {
    let raw = &scratch.raw;
    let mut c = Cursor::new(raw, seek, "basket");
    let key = Key::read(&mut c)?;
    let _version = c.u16()?;
    let _buffer_size = c.i32()?;
    let nev_buf_size = c.i32()?;
    if nev_buf_size < 0 {
        // Negative fNevBufSize: an fIOBits byte follows (ROOT ≥ 6.10 `TBasket::Streamer`).
        c.u8()?;
    }
    let nev_buf = c.i32()?;
    let last = c.i32()?;
    let flag = c.u8()?;
    let keylen = key.keylen as i64;
    if nev_buf < 0 || keylen <= 0 || (keylen as usize) > raw.len() || key.objlen < 0 {
        return Err(Error::corrupt(format!(
            "basket header has impossible values (fNevBuf {nev_buf}, fKeylen {keylen}, fObjlen {})",
            key.objlen
        ))
        .at_offset(seek));
    }
    let border = last as i64 - keylen;
    if border < 0 || border > key.objlen as i64 {
        return Err(Error::corrupt(format!(
            "basket data length fLast - fKeylen = {border} is outside 0..={}",
            key.objlen
        ))
        .at_offset(seek));
    }
    let border = border as usize;
    let payload_at = keylen as usize;
    let stored = raw.len() - payload_at;
    let content: &[u8] = if stored as i64 != key.objlen as i64 {
        let objlen = key.objlen as usize;
        compression::decompress_reusing(&raw[payload_at..], objlen, &mut scratch.unzipped)
            .map_err(|e| e.at_offset(seek + payload_at as u64))?;
        &scratch.unzipped[..objlen]
    } else {
        &raw[payload_at..]
    };
    // flag >= 80: offsets not written (kGenerateOffsetMap); flag % 10 == 2: no offsets.
    let has_offsets = variable && flag < 80 && flag % 10 != 2 && content.len() > border;
    let (offsets, table) = if has_offsets {
        let mut oc = Cursor::new(
            &content[border..],
            seek + (payload_at + border) as u64,
            "entry offsets",
        );
        let n = oc.count(4, "entry offsets")?;
        if n < nev_buf as usize {
            return Err(oc.corrupt(format!("{n} entry offsets for {nev_buf} entries")));
        }
        let bytes = oc.bytes(nev_buf as usize * 4)?;
        let table = EntryTable {
            bytes,
            keylen,
            border,
        };
        if keep_table {
            (None, Some(table))
        } else {
            scratch.offsets.clear();
            table.parse(&mut scratch.offsets)?;
            (Some(&scratch.offsets[..]), None)
        }
    } else {
        (None, None)
    };
    Ok(BasketView {
        data: &content[..border],
        offsets,
        table,
        entries: nev_buf as usize,
    })
}

crate::avx2::avx2_or_baseline! {
/// Big-endian key-relative offsets straight from the basket bytes, checked and made
/// data-relative in one pass, with the end of the data appended.
fn offsets_from_bytes(bytes: &[u8], keylen: i64, border: usize, out: &mut Vec<u32>) -> Result<()> {
    let start = out.len();
    // Key-relative → data-relative; an offset below fKeylen wraps to a huge value, which the
    // ordering check below rejects. Written into the reserved room: no zero-fill of the
    // output first (a `memset` as large as the table, 4 % of ADL q8's instructions).
    let k = keylen as u32;
    let n = bytes.len() / 4;
    out.reserve(n + 1);
    let room = &mut out.spare_capacity_mut()[..n];
    for (d, c) in room.iter_mut().zip(bytes.chunks_exact(4)) {
        d.write(u32::from_be_bytes([c[0], c[1], c[2], c[3]]).wrapping_sub(k));
    }
    // SAFETY: the `n` slots after the length were written just above (`bytes` has `n` whole
    // chunks of 4), within the capacity reserved.
    unsafe { out.set_len(start + n) };
    out.push(border as u32);
    let o = &out[start..];
    // Non-decreasing and ending at `border` ⇒ every offset lies inside the data.
    // Pairs of slices or-ed into one integer, which the compiler vectorises (a fold of `&` over
    // `windows(2)` runs one offset a cycle); `columnar::offsets::ascending` is the same. A `for`
    // loop, not `fold`, which may be compiled out of line for the baseline CPU (`decode`'s
    // `push_mapped` says when that happened).
    let mut descending = 0u8;
    for (a, b) in o.iter().zip(&o[1..]) {
        descending |= u8::from(a > b);
    }
    if descending != 0 {
        return Err(Error::corrupt(format!(
            "entry offsets out of order or past the data end {border}"
        )));
    }
    Ok(())
}
}

/// Make key-relative offsets data-relative, append the end of the data, and check that they
/// are non-decreasing and inside the data.
fn fix_offsets(
    raw: &[i32],
    keylen: i64,
    nev_buf: i32,
    border: usize,
    out: &mut Vec<u32>,
) -> Result<()> {
    let n = (nev_buf.max(0) as usize).min(raw.len());
    out.reserve(n + 1);
    let mut prev = 0i64;
    for &o in &raw[..n] {
        let rel = o as i64 - keylen;
        if rel < prev || rel > border as i64 {
            return Err(Error::corrupt(format!(
                "entry offset {rel} out of order or past the data end {border}"
            )));
        }
        out.push(rel as u32);
        prev = rel;
    }
    out.push(border as u32);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(offsets: &[u32]) -> Vec<u8> {
        offsets.iter().flat_map(|o| o.to_be_bytes()).collect()
    }

    #[test]
    fn entry_offsets_become_data_relative_and_are_checked() {
        let keylen = 70;
        // Appended after what the buffer holds (its old values stay).
        let mut out = vec![7u32, 8];
        offsets_from_bytes(&table(&[70, 74, 74, 90]), keylen, 30, &mut out).unwrap();
        assert_eq!(out, [7, 8, 0, 4, 4, 20, 30]);
        let mut out = Vec::new();
        offsets_from_bytes(&[], keylen, 0, &mut out).unwrap();
        assert_eq!(out, [0]);
        for bad in [
            &[70, 74, 72][..], // goes back
            &[69, 74],         // below fKeylen: wraps to a huge value
            &[70, 101],        // past the end of the data
        ] {
            let mut out = Vec::new();
            assert!(
                offsets_from_bytes(&table(bad), keylen, 30, &mut out).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn entry_offsets_are_the_same_on_avx2_and_on_the_baseline() {
        use crate::avx2::on_baseline;
        let keylen = 100;
        // Lengths around the vector widths: the vector loop and its tail.
        for n in [1usize, 2, 7, 8, 9, 16, 17, 33, 1000] {
            let mut at = keylen as u32;
            let good: Vec<u32> = (0..n)
                .map(|i| {
                    at += (i as u32).wrapping_mul(2_654_435_761) >> 29;
                    at
                })
                .collect();
            let border = (at - keylen as u32 + 3) as usize;
            let run = |o: &[u32], border: usize| {
                let mut out = vec![1u32];
                offsets_from_bytes(&table(o), keylen, border, &mut out).map(|()| out)
            };
            let fast = run(&good, border).unwrap();
            assert_eq!(fast, on_baseline(|| run(&good, border)).unwrap(), "{n}");
            let mut expected = vec![1u32];
            expected.extend(good.iter().map(|o| o - keylen as u32));
            expected.push(border as u32);
            assert_eq!(fast, expected);
            // Out of order at each place in turn, or past the data: refused on both.
            for i in 0..n.min(40) {
                let mut bad = good.clone();
                bad[i] = if i > 0 {
                    bad[i - 1].wrapping_sub(1)
                } else {
                    keylen as u32 - 1
                };
                if i > 0 && bad[i] >= good[i - 1] {
                    continue;
                }
                assert!(run(&bad, border).is_err(), "{n} {i}");
                assert!(on_baseline(|| run(&bad, border)).is_err(), "{n} {i}");
            }
            let mut past = good.clone();
            *past.last_mut().unwrap() = keylen as u32 + border as u32 + 1;
            assert!(run(&past, border).is_err() && on_baseline(|| run(&past, border)).is_err());
        }
    }
}

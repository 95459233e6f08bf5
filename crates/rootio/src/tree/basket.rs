//! Reading one basket: its key, decompression, and the split into data and entry offsets.
//!
//! On disk (`root-project/root:tree/tree/src/TBasket.cxx` `Streamer`, `ReadBasketBuffers`;
//! `root-format.md` §1.9): a TKey (always version 1004, 64-bit seeks) followed, still inside
//! `fKeylen`, by `fVersion u16, fBufferSize i32, fNevBufSize i32, fNevBuf i32, fLast i32,
//! flag u8`. The payload after `fKeylen` decompresses to `fObjlen` bytes:
//! `data[0 .. fLast - fKeylen]`, then — for variable-size entries — the entry-offset array
//! `i32 n` + `n` key-relative `i32` offsets whose last slot is garbage (replaced by the end of
//! the data, as uproot does), and possibly a displacement array, which is ignored.

use super::{BasketInfo, BasketLocation};
use crate::compression;
use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::key::Key;
use crate::source::ByteSource;

/// A decompressed basket.
#[derive(Debug, Clone)]
pub struct RawBasket {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
    /// Entry byte offsets relative to the data start (`entries + 1` of them), when written.
    pub offsets: Option<Vec<u32>>,
    /// Number of entries in the basket (`fNevBuf`).
    pub entries: usize,
    /// Bytes per entry for fixed-size entries (`fNevBufSize`).
    pub entry_size: usize,
}

impl RawBasket {
    /// The entry data (`fLast - fKeylen` bytes).
    pub fn data(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }
}

/// Read and decompress basket `index` of a branch.
pub(crate) fn read_basket(
    source: &dyn ByteSource,
    info: &BasketInfo,
    variable: bool,
) -> Result<RawBasket> {
    match &info.location {
        BasketLocation::OnDisk { seek, bytes } => {
            let raw = source.read_range(*seek..*seek + *bytes as u64)?;
            decode_disk_basket(raw, *seek, variable)
        }
        BasketLocation::Embedded(eb) => {
            let n = eb.data.len();
            let offsets = match (&eb.entry_offsets, variable) {
                (Some(o), true) => Some(fix_offsets(o, eb.key.keylen as i64, eb.nev_buf, n)?),
                _ => None,
            };
            Ok(RawBasket {
                bytes: eb.data.clone(),
                start: 0,
                end: n,
                offsets,
                entries: eb.nev_buf.max(0) as usize,
                entry_size: eb.nev_buf_size.max(0) as usize,
            })
        }
    }
}

fn decode_disk_basket(raw: Vec<u8>, seek: u64, variable: bool) -> Result<RawBasket> {
    let mut c = Cursor::new(&raw, seek, "basket");
    let key = Key::read(&mut c)?;
    let _version = c.u16()?;
    let _buffer_size = c.i32()?;
    let mut nev_buf_size = c.i32()?;
    if nev_buf_size < 0 {
        // Negative fNevBufSize: an fIOBits byte follows (ROOT ≥ 6.10 `TBasket::Streamer`).
        nev_buf_size = -nev_buf_size;
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
    let (bytes, start) = if stored as i64 != key.objlen as i64 {
        let buf = compression::decompress_to_vec(&raw[payload_at..], key.objlen as usize)
            .map_err(|e| e.at_offset(seek + payload_at as u64))?;
        (buf, 0)
    } else {
        (raw, payload_at)
    };
    let content = &bytes[start..];
    // flag >= 80: offsets not written (kGenerateOffsetMap); flag % 10 == 2: no offsets.
    let has_offsets = variable && flag < 80 && flag % 10 != 2 && content.len() > border;
    let offsets = if has_offsets {
        let mut oc = Cursor::new(&content[border..], seek + (payload_at + border) as u64, "entry offsets");
        let n = oc.count(4, "entry offsets")?;
        if n < nev_buf as usize {
            return Err(oc.corrupt(format!("{n} entry offsets for {nev_buf} entries")));
        }
        let bytes = oc.bytes(nev_buf as usize * 4)?;
        Some(offsets_from_bytes(bytes, keylen, border)?)
    } else {
        None
    };
    Ok(RawBasket {
        end: start + border,
        bytes,
        start,
        offsets,
        entries: nev_buf as usize,
        entry_size: nev_buf_size as usize,
    })
}

/// Big-endian key-relative offsets straight from the basket bytes, checked and made
/// data-relative in one pass, with the end of the data appended.
fn offsets_from_bytes(bytes: &[u8], keylen: i64, border: usize) -> Result<Vec<u32>> {
    let mut out = Vec::with_capacity(bytes.len() / 4 + 1);
    let mut prev = 0i64;
    let mut bad = false;
    out.extend(bytes.chunks_exact(4).map(|c| {
        let rel = i32::from_be_bytes([c[0], c[1], c[2], c[3]]) as i64 - keylen;
        bad |= rel < prev || rel > border as i64;
        prev = rel;
        rel as u32
    }));
    if bad {
        return Err(Error::corrupt(format!(
            "entry offsets out of order or past the data end {border}"
        )));
    }
    out.push(border as u32);
    Ok(out)
}

/// Make key-relative offsets data-relative, append the end of the data, and check that they
/// are non-decreasing and inside the data.
fn fix_offsets(raw: &[i32], keylen: i64, nev_buf: i32, border: usize) -> Result<Vec<u32>> {
    let n = (nev_buf.max(0) as usize).min(raw.len());
    let mut out = Vec::with_capacity(n + 1);
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
    Ok(out)
}

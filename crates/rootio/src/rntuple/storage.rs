//! Reading RNTuple blobs from the file: locators, multi-key blobs and envelopes.
//!
//! Pages and envelopes live in "invisible" RBlob keys that are found only through locators
//! (offset + size), never through the directory. A payload larger than the anchor's `MaxKeySize`
//! is split over several keys: the first chunk holds `MaxKeySize - 8 * (nChunks - 1)` payload
//! bytes followed by the little-endian file offsets of the other chunks, which follow in order,
//! each at most `MaxKeySize` bytes (`tree/ntuple/src/RMiniFile.cxx`, `ComputeNumChunks` and
//! `RMiniFileReader::ReadBuffer`).
//!
//! An **envelope** is a `u64` (type in the low 16 bits, uncompressed length in the high 48),
//! the payload, and an XXH3-64 of everything before it, little-endian. It is stored compressed
//! with ROOT's block framing unless its compressed size equals its length.

use std::sync::Arc;

use xxhash_rust::xxh3::xxh3_64;

use super::frame::{Origin, Reader};
use crate::compression;
use crate::error::{Error, ErrorKind, Result};
use crate::source::ByteSource;

/// Envelope type ids (`BinaryFormatSpecification.md`, "Envelopes").
pub(crate) const ENVELOPE_HEADER: u16 = 0x01;
/// Footer envelope.
pub(crate) const ENVELOPE_FOOTER: u16 = 0x02;
/// Page list envelope.
pub(crate) const ENVELOPE_PAGE_LIST: u16 = 0x03;

/// Where a blob (a page or an envelope) is in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Locator {
    /// File offset of the first byte.
    pub offset: u64,
    /// Bytes on storage (compressed size; a page checksum is not included).
    pub size: u64,
}

impl Locator {
    /// Read a locator: an `i32` size and a `u64` offset, or, for a negative first word, a
    /// non-standard locator whose low 16 bits give its own size, bits 16–23 are reserved and
    /// bits 24–30 give the type. Type 0x01 ("large") holds a `u64` size and a `u64` offset
    /// (`RNTupleSerialize.cxx` `DeserializeLocator`).
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Locator> {
        let head = r.i32()?;
        if head >= 0 {
            let offset = r.u64()?;
            return Ok(Locator {
                offset,
                size: head as u64,
            });
        }
        let head = head.unsigned_abs();
        let kind = head >> 24;
        let payload = ((head & 0xffff) as usize)
            .checked_sub(4)
            .ok_or_else(|| r.corrupt(format!("locator declares {} bytes", head & 0xffff)))?;
        let mut p = Reader::new(
            r.bytes(payload)?,
            Origin {
                what: "locator",
                file_offset: 0,
            },
        );
        match kind {
            0x01 => {
                let size = p.u64()?;
                let offset = p.u64()?;
                Ok(Locator { offset, size })
            }
            other => Err(Error::unsupported(format!(
                "RNTuple locator of type {other:#04x} (only file locators can be read)"
            ))),
        }
    }
}

/// An envelope link: the uncompressed length and the locator of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeLink {
    /// Uncompressed size of the envelope.
    pub len: u64,
    /// Where it is stored.
    pub locator: Locator,
}

impl EnvelopeLink {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<EnvelopeLink> {
        let len = r.u64()?;
        let locator = Locator::read(r)?;
        Ok(EnvelopeLink { len, locator })
    }
}

/// The file, as RNTuple reads it.
#[derive(Debug, Clone)]
pub(crate) struct Storage {
    pub source: Arc<dyn ByteSource>,
    /// The anchor's `MaxKeySize` (0: no limit).
    pub max_key_size: u64,
}

/// How many keys a blob of `nbytes` is split into when keys hold at most `max` bytes
/// (`ComputeNumChunks` in `RMiniFile.cxx`). `None` if the chunk offsets would not fit into the
/// first chunk (ROOT refuses to write such a blob).
fn num_chunks(nbytes: u64, max: u64) -> Option<u64> {
    let mut n = nbytes.div_ceil(max);
    let tail = nbytes % max;
    let extra = if tail > 0 { max - tail } else { 0 };
    let mut offsets = (n - 1).checked_mul(8)?;
    if offsets > extra {
        n += 1;
        offsets += 8;
    }
    (offsets <= max).then_some(n)
}

impl Storage {
    /// Read a blob of `nbytes` bytes at `offset`, following the chunk offsets of a blob larger
    /// than the maximum key size.
    pub fn read_blob(&self, offset: u64, nbytes: u64) -> Result<Vec<u8>> {
        let len = self.source.len();
        if nbytes > len {
            return Err(Error::from(ErrorKind::Truncated {
                what: "file",
                needed: nbytes,
                at: offset,
                len,
            })
            .at_offset(offset));
        }
        let max = self.max_key_size;
        if max == 0 || nbytes <= max {
            let end = offset.checked_add(nbytes).ok_or_else(|| {
                Error::corrupt(format!(
                    "blob of {nbytes} bytes at offset {offset} overflows"
                ))
            })?;
            return self.source.read_range(offset..end);
        }
        let chunks = num_chunks(nbytes, max).ok_or_else(|| {
            Error::corrupt(format!(
                "blob of {nbytes} bytes cannot be split into keys of at most {max} bytes"
            ))
            .at_offset(offset)
        })?;
        let offsets_len = (chunks - 1) * 8;
        let first_payload = max - offsets_len;
        let first = self.source.read_range(offset..offset.saturating_add(max))?;
        let mut out = Vec::with_capacity(nbytes as usize);
        out.extend_from_slice(&first[..first_payload as usize]);
        let mut remaining = nbytes - first_payload;
        for k in 0..(chunks - 1) as usize {
            if remaining == 0 {
                break;
            }
            let at = first_payload as usize + 8 * k;
            let mut b = [0u8; 8];
            b.copy_from_slice(&first[at..at + 8]);
            let chunk_at = u64::from_le_bytes(b);
            let n = remaining.min(max);
            let end = chunk_at.checked_add(n).ok_or_else(|| {
                Error::corrupt(format!(
                    "blob chunk {} at offset {chunk_at} overflows",
                    k + 1
                ))
                .at_offset(offset)
            })?;
            let chunk = self.source.read_range(chunk_at..end)?;
            out.extend_from_slice(&chunk);
            remaining -= n;
        }
        if remaining != 0 {
            return Err(Error::corrupt(format!(
                "blob of {nbytes} bytes: {remaining} bytes not covered by its {chunks} chunks"
            ))
            .at_offset(offset));
        }
        Ok(out)
    }

    /// Read, decompress and check an envelope of type `kind`; returns the whole envelope
    /// (header word and checksum included).
    pub fn read_envelope(
        &self,
        link: EnvelopeLink,
        kind: u16,
        what: &'static str,
    ) -> Result<Vec<u8>> {
        let at = link.locator.offset;
        let fail = |msg: String| Error::corrupt(format!("{what}: {msg}")).at_offset(at);
        if link.len < 16 {
            return Err(fail(format!("length {} is less than 16 bytes", link.len)));
        }
        let stored = self.read_blob(at, link.locator.size)?;
        let buf = if link.locator.size == link.len {
            stored
        } else {
            let len = usize::try_from(link.len)
                .map_err(|_| fail(format!("length {} too large", link.len)))?;
            compression::decompress_to_vec(&stored, len).map_err(|e| e.at_offset(at))?
        };
        check_envelope(&buf, kind, what).map_err(|e| e.at_offset(at))?;
        Ok(buf)
    }
}

/// Check the type, length and checksum of an uncompressed envelope.
pub(crate) fn check_envelope(buf: &[u8], kind: u16, what: &'static str) -> Result<()> {
    if buf.len() < 16 {
        return Err(Error::corrupt(format!(
            "{what} of {} bytes is shorter than its header and checksum",
            buf.len()
        )));
    }
    let word = u64::from_le_bytes(buf[..8].try_into().unwrap_or([0; 8]));
    let (t, len) = ((word & 0xffff) as u16, word >> 16);
    if t != kind {
        return Err(Error::corrupt(format!(
            "{what} has envelope type {t:#x}, expected {kind:#x}"
        )));
    }
    if len != buf.len() as u64 {
        return Err(Error::corrupt(format!(
            "{what} declares {len} bytes, but its link gives {}",
            buf.len()
        )));
    }
    let end = buf.len() - 8;
    let stored = u64::from_le_bytes(buf[end..].try_into().unwrap_or([0; 8]));
    let computed = xxh3_64(&buf[..end]);
    if stored != computed && crate::fuzz_harness::checksums_verified() {
        return Err(Error::corrupt(format!(
            "{what} checksum mismatch (stored {stored:#018x}, computed {computed:#018x})"
        )));
    }
    Ok(())
}

/// The checksum stored at the end of an envelope (the header's is cross-checked by the footer
/// and the page lists).
pub(crate) fn envelope_checksum(buf: &[u8]) -> u64 {
    let end = buf.len().saturating_sub(8);
    u64::from_le_bytes(buf[end..].try_into().unwrap_or([0; 8]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    #[test]
    fn chunk_counts_match_root() {
        // ComputeNumChunks: 20 bytes in keys of 8: 3 chunks would need 16 bytes of offsets in
        // the first chunk, which only has 4 spare bytes: 4 chunks, 24 bytes of offsets: too many.
        assert_eq!(num_chunks(20, 8), None);
        // 100 bytes in keys of 64: 2 chunks, 8 bytes of offsets fit in the 28 spare bytes.
        assert_eq!(num_chunks(100, 64), Some(2));
        // 128 bytes in keys of 64: no spare room, a third chunk is needed.
        assert_eq!(num_chunks(128, 64), Some(3));
    }

    #[test]
    fn chunked_blob_round_trip() {
        // A 100-byte blob in keys of 64 bytes: first chunk = 56 bytes + 1 offset, then 44 bytes.
        let payload: Vec<u8> = (0..100u8).collect();
        let mut file = vec![0xeeu8; 10];
        let first_at = file.len() as u64;
        file.extend_from_slice(&payload[..56]);
        let second_at = first_at + 64 + 7;
        file.extend_from_slice(&second_at.to_le_bytes());
        file.extend_from_slice(&[0xdd; 7]);
        file.extend_from_slice(&payload[56..]);
        let s = Storage {
            source: Arc::new(MemorySource::new(file.clone(), "mem")),
            max_key_size: 64,
        };
        assert_eq!(s.read_blob(first_at, 100).unwrap(), payload);
        // An offset past the end of the file is an error, not a panic.
        let mut bad = file.clone();
        bad[first_at as usize + 56..first_at as usize + 64]
            .copy_from_slice(&u64::MAX.to_le_bytes());
        let s = Storage {
            source: Arc::new(MemorySource::new(bad, "mem")),
            max_key_size: 64,
        };
        assert!(s.read_blob(first_at, 100).is_err());
        // A blob larger than the file.
        assert!(s.read_blob(0, 1 << 40).is_err());
    }

    #[test]
    fn envelope_checks() {
        let mut env = Vec::new();
        let len = 8 + 3 + 8u64;
        env.extend_from_slice(&((len << 16) | 2).to_le_bytes());
        env.extend_from_slice(b"abc");
        let ck = xxh3_64(&env);
        env.extend_from_slice(&ck.to_le_bytes());
        assert!(check_envelope(&env, 2, "footer envelope").is_ok());
        assert!(check_envelope(&env, 1, "header envelope").is_err());
        let mut bad = env.clone();
        bad[9] ^= 1;
        let e = check_envelope(&bad, 2, "footer envelope").unwrap_err();
        assert!(e.to_string().contains("checksum mismatch"), "{e}");
        assert!(check_envelope(&env[..10], 2, "footer envelope").is_err());
    }

    #[test]
    fn large_locator() {
        let mut b = Vec::new();
        let head: i32 = -((4 + 16) | (1 << 24));
        b.extend_from_slice(&head.to_le_bytes());
        b.extend_from_slice(&5000u64.to_le_bytes());
        b.extend_from_slice(&77u64.to_le_bytes());
        let mut r = Reader::new(
            &b,
            Origin {
                what: "t",
                file_offset: 0,
            },
        );
        assert_eq!(
            Locator::read(&mut r).unwrap(),
            Locator {
                offset: 77,
                size: 5000
            }
        );
        let head: i32 = -((4 + 16) | (2 << 24));
        b[..4].copy_from_slice(&head.to_le_bytes());
        let mut r = Reader::new(
            &b,
            Origin {
                what: "t",
                file_offset: 0,
            },
        );
        assert!(Locator::read(&mut r).is_err());
    }
}

//! The `ROOT::RNTuple` anchor: the one classic TKey through which an RNTuple is found.
//!
//! Layout (`BinaryFormatSpecification.md`, "Anchor schema"; `tree/ntuple/src/RMiniFile.cxx`
//! `GetNTupleProperAtOffset`): the key payload is a streamed object — a 4-byte byte count (with
//! `kByteCountMask`) and a 2-byte class version (2 in ROOT 6.34–6.40) — followed by **big-endian**
//! `u16 epoch, major, minor, patch; u64 SeekHeader, NbytesHeader, LenHeader, SeekFooter,
//! NbytesFooter, LenFooter, MaxKeySize`, and finally a big-endian XXH3-64 of everything after the
//! class version and before the checksum. Later class versions may only append members before the
//! checksum, which is therefore always the last 8 bytes; ROOT requires at least the 78 bytes of
//! version 2.

use xxhash_rust::xxh3::xxh3_64;

use crate::cursor::Cursor;
use crate::error::{Error, Result};

/// The smallest anchor payload: 6 bytes of object header, 64 bytes of members, 8 of checksum.
pub const MIN_ANCHOR_SIZE: usize = 78;

/// The anchor's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// Format version `(epoch, major, minor, patch)`; ROOT 6.40 writes `(1, 0, 2, 0)`.
    pub version: (u16, u16, u16, u16),
    /// File offset of the header envelope.
    pub seek_header: u64,
    /// Bytes of the header envelope on disk (compressed).
    pub nbytes_header: u64,
    /// Uncompressed size of the header envelope.
    pub len_header: u64,
    /// File offset of the footer envelope.
    pub seek_footer: u64,
    /// Bytes of the footer envelope on disk (compressed).
    pub nbytes_footer: u64,
    /// Uncompressed size of the footer envelope.
    pub len_footer: u64,
    /// The largest RBlob key: payloads larger than this are split over several keys.
    pub max_key_size: u64,
}

impl Anchor {
    /// Parse the (uncompressed) payload of a `ROOT::RNTuple` key, whose data start at file offset
    /// `at`, checking the checksum.
    pub fn read(payload: &[u8], at: u64) -> Result<Anchor> {
        if payload.len() < MIN_ANCHOR_SIZE {
            return Err(Error::corrupt(format!(
                "RNTuple anchor of {} bytes is shorter than the {MIN_ANCHOR_SIZE} bytes of class version 2",
                payload.len()
            ))
            .at_offset(at));
        }
        let mut c = Cursor::new(payload, at, "RNTuple anchor");
        let h = c.header()?;
        if h.end.is_none() {
            return Err(c.corrupt("RNTuple anchor without a byte count"));
        }
        if h.version < 2 {
            return Err(Error::unsupported(format!(
                "RNTuple anchor class version {} (pre-release RNTuple; version 2, ROOT 6.34, is the first supported)",
                h.version
            ))
            .at_offset(at));
        }
        let ck_start = c.pos();
        let ck_end = payload.len() - 8;
        let stored = u64::from_be_bytes(payload[ck_end..].try_into().unwrap_or([0; 8]));
        let computed = xxh3_64(&payload[ck_start..ck_end]);
        if stored != computed && crate::fuzz_harness::checksums_verified() {
            return Err(Error::corrupt(format!(
                "RNTuple anchor checksum mismatch (stored {stored:#018x}, computed {computed:#018x})"
            ))
            .at_offset(at + ck_end as u64));
        }
        let version = (c.u16()?, c.u16()?, c.u16()?, c.u16()?);
        let anchor = Anchor {
            version,
            seek_header: c.u64()?,
            nbytes_header: c.u64()?,
            len_header: c.u64()?,
            seek_footer: c.u64()?,
            nbytes_footer: c.u64()?,
            len_footer: c.u64()?,
            max_key_size: c.u64()?,
        };
        if version.0 != 1 {
            return Err(Error::unsupported(format!(
                "RNTuple format epoch {} (version {}.{}.{}.{}); only epoch 1 is defined",
                version.0, version.0, version.1, version.2, version.3
            ))
            .at_offset(at));
        }
        Ok(anchor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor_bytes(version: (u16, u16, u16, u16)) -> Vec<u8> {
        let mut body = Vec::new();
        for v in [version.0, version.1, version.2, version.3] {
            body.extend_from_slice(&v.to_be_bytes());
        }
        for v in [100u64, 20, 30, 400, 50, 60, 1 << 30] {
            body.extend_from_slice(&v.to_be_bytes());
        }
        let mut p = Vec::new();
        p.extend_from_slice(&(0x4000_0000u32 | (2 + body.len() as u32 + 8)).to_be_bytes());
        p.extend_from_slice(&2u16.to_be_bytes());
        let ck = xxh3_64(&body);
        p.extend_from_slice(&body);
        p.extend_from_slice(&ck.to_be_bytes());
        p
    }

    #[test]
    fn parses_and_checks() {
        let p = anchor_bytes((1, 0, 2, 0));
        assert_eq!(p.len(), MIN_ANCHOR_SIZE);
        let a = Anchor::read(&p, 0).unwrap();
        assert_eq!(a.version, (1, 0, 2, 0));
        assert_eq!(a.seek_header, 100);
        assert_eq!(a.max_key_size, 1 << 30);
        for i in 6..p.len() {
            let mut q = p.clone();
            q[i] ^= 1;
            let e = Anchor::read(&q, 1000).unwrap_err();
            assert!(e.to_string().contains("checksum"), "{e}");
            assert!(e.location.offset.is_some());
        }
        assert!(Anchor::read(&p[..70], 0).is_err());
        let e = Anchor::read(&anchor_bytes((2, 0, 0, 0)), 0).unwrap_err();
        assert!(e.to_string().contains("epoch 2"), "{e}");
    }
}

//! `TKey`: the header in front of every object stored in a ROOT file.
//!
//! Layout (`root-project/root:io/io/src/TKey.cxx` `ReadKeyBuffer`):
//! `fNbytes i32 | fVersion i16 | fObjlen i32 | fDatime u32 | fKeylen i16 | fCycle i16 |
//! fSeekKey | fSeekPdir | fClassName | fName | fTitle`.
//! The two seeks are 8 bytes when `fVersion > 1000`, else 4 — the key version is independent of
//! the file version, and TBasket keys are always written as version 1004 (`TBasket.cxx`).
//! The top 16 bits of a 64-bit `fSeekPdir` carry `fPidOffset` and are masked off
//! (`kPidOffsetMask = 0xffffffffffff`).

use crate::cursor::Cursor;
use crate::error::Result;

/// `kPidOffsetMask` from `TKey.cxx`.
const PID_OFFSET_MASK: u64 = 0x0000_ffff_ffff_ffff;

/// A parsed `TKey` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Total bytes on disk (key header + compressed object).
    pub nbytes: i32,
    /// Key version (> 1000 means 64-bit seeks).
    pub version: i16,
    /// Uncompressed object length.
    pub objlen: i32,
    /// Packed date/time of writing.
    pub datime: u32,
    /// Length of this key header.
    pub keylen: i16,
    /// Cycle number (`name;cycle`).
    pub cycle: i16,
    /// File offset of this key.
    pub seek_key: u64,
    /// File offset of the parent directory (fPidOffset masked off).
    pub seek_pdir: u64,
    /// Class of the stored object.
    pub class_name: String,
    /// Object name.
    pub name: String,
    /// Object title.
    pub title: String,
}

impl Key {
    /// Parse a key header at the cursor's position.
    pub fn read(c: &mut Cursor<'_>) -> Result<Key> {
        let nbytes = c.i32()?;
        let version = c.i16()?;
        let objlen = c.i32()?;
        let datime = c.u32()?;
        let keylen = c.i16()?;
        let cycle = c.i16()?;
        let (seek_key, seek_pdir) = if version > 1000 {
            (c.u64()?, c.u64()? & PID_OFFSET_MASK)
        } else {
            (c.u32()? as u64, c.u32()? as u64)
        };
        let class_name = c.tstring()?;
        let name = c.tstring()?;
        let title = c.tstring()?;
        Ok(Key {
            nbytes,
            version,
            objlen,
            datime,
            keylen,
            cycle,
            seek_key,
            seek_pdir,
            class_name,
            name,
            title,
        })
    }

    /// Whether the object is stored compressed: `fNbytes - fKeylen != fObjlen`
    /// (`TBasket::ReadBasketBuffers`). ROOT stores an object raw when compression does not
    /// shrink it, even in a compressed file.
    pub fn is_compressed(&self) -> bool {
        self.nbytes as i64 - self.keylen as i64 != self.objlen as i64
    }

    /// Whether this key points to a subdirectory.
    pub fn is_directory(&self) -> bool {
        matches!(self.class_name.as_str(), "TDirectory" | "TDirectoryFile")
    }
}

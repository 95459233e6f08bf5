//! `TDirectory`: a directory record and its list of keys.
//!
//! Record layout (`uproot5:src/uproot/reading.py` `_directory_format_small/big`):
//! `fVersion i16, fDatimeC u32, fDatimeM u32, fNbytesKeys i32, fNbytesName i32`, then
//! `fSeekDir, fSeekParent, fSeekKeys`, which are 8 bytes when `fVersion > 1000`, else 4.
//! At `fSeekKeys` sit a header key, an `i32` key count and that many key headers.

use crate::cursor::Cursor;
use crate::error::Result;
use crate::key::Key;

/// Bytes to read to be sure to hold a whole directory record.
pub const RECORD_PROBE: u64 = 42;

/// A directory record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRecord {
    /// Record version (> 1000 ⇒ 64-bit seeks).
    pub version: i16,
    /// Size of the key list.
    pub nbytes_keys: i32,
    /// Size of the TKey + TNamed preceding the record.
    pub nbytes_name: i32,
    /// Offset of this directory.
    pub seek_dir: u64,
    /// Offset of the parent directory.
    pub seek_parent: u64,
    /// Offset of the key list.
    pub seek_keys: u64,
}

impl DirectoryRecord {
    /// Parse a directory record.
    pub fn read(c: &mut Cursor<'_>) -> Result<Self> {
        let version = c.i16()?;
        let _ctime = c.u32()?;
        let _mtime = c.u32()?;
        let nbytes_keys = c.i32()?;
        let nbytes_name = c.i32()?;
        let big = version > 1000;
        let mut seek = || -> Result<u64> {
            if big {
                c.u64()
            } else {
                Ok(c.u32()? as u64)
            }
        };
        let seek_dir = seek()?;
        let seek_parent = seek()?;
        let seek_keys = seek()?;
        Ok(DirectoryRecord {
            version,
            nbytes_keys,
            nbytes_name,
            seek_dir,
            seek_parent,
            seek_keys,
        })
    }
}

/// A directory: its path in the file and its keys, in file order.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Path from the file's top directory (`""` for the top, `dir1/dir2` below).
    pub path: String,
    /// The keys, in the order they are stored.
    pub keys: Vec<Key>,
}

impl Directory {
    /// Parse a key list buffer (the bytes at `fSeekKeys`).
    pub fn read_keys(path: String, data: &[u8], base: u64) -> Result<Directory> {
        let mut c = Cursor::new(data, base, "key list");
        let _header = Key::read(&mut c)?;
        let n = c.count(26, "directory keys")?;
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            keys.push(Key::read(&mut c)?);
        }
        Ok(Directory { path, keys })
    }

    /// The key named `name`; with `cycle`, that exact cycle, otherwise the highest
    /// `|fCycle|` (ROOT compares absolute values: `uproot5:src/uproot/reading.py`
    /// `ReadOnlyDirectory.key`).
    pub fn key(&self, name: &str, cycle: Option<i16>) -> Option<&Key> {
        let same = self.keys.iter().filter(|k| k.name == name);
        match cycle {
            Some(cy) => same.into_iter().find(|k| k.cycle == cy),
            None => same.max_by_key(|k| k.cycle.unsigned_abs()),
        }
    }
}

//! The `TFile` header: the first bytes of every ROOT file.
//!
//! Layout (`root-project/root:io/io/src/TFile.cxx`, class documentation and `WriteHeader`):
//! `"root" | fVersion i32 | fBEGIN i32 | fEND | fSeekFree | fNbytesFree i32 | nfree i32 |
//! fNbytesName i32 | fUnits u8 | fCompress i32 | fSeekInfo | fNbytesInfo i32 | fUUID`.
//! `fEND`, `fSeekFree` and `fSeekInfo` are 8 bytes when `fVersion >= 1000000` ("big file",
//! switched on by `WriteHeader` once `fEND > kStartBigFile = 2000000000`), else 4 bytes.

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind, Result};

/// The number of bytes to read to be sure to have the whole header (big layout is 61 bytes).
pub const HEADER_PROBE: u64 = 64;

/// A parsed file header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// ROOT version that wrote the file, e.g. 64000 for 6.40/00 (without the big-file flag).
    pub root_version: i32,
    /// Whether the big (64-bit) layout is used.
    pub big: bool,
    /// Offset of the first key (100).
    pub begin: u64,
    /// End of the used part of the file.
    pub end: u64,
    /// Offset of the free-segments record.
    pub seek_free: u64,
    /// Size of the free-segments record.
    pub nbytes_free: i32,
    /// Size of the TFile key + TNamed that precede the root directory record.
    pub nbytes_name: i32,
    /// Bytes per seek (4 or 8).
    pub units: u8,
    /// Compression setting, algorithm × 100 + level.
    pub compress: i32,
    /// Offset of the StreamerInfo key.
    pub seek_info: u64,
    /// Size of the StreamerInfo key.
    pub nbytes_info: i32,
}

impl FileHeader {
    /// Parse the header from the first bytes of a file.
    pub fn read(data: &[u8]) -> Result<FileHeader> {
        if data.len() < 4 || &data[..4] != b"root" {
            return Err(ErrorKind::NotRoot.into());
        }
        let mut c = Cursor::new(data, 0, "file header");
        c.skip(4)?;
        let version = c.i32()?;
        let big = version >= 1_000_000;
        let begin = c.i32()?;
        if begin < 0 {
            return Err(Error::corrupt(format!("negative fBEGIN {begin}")).at_offset(8));
        }
        let seek = |c: &mut Cursor<'_>| -> Result<u64> {
            if big {
                c.u64()
            } else {
                Ok(c.u32()? as u64)
            }
        };
        let end = seek(&mut c)?;
        let seek_free = seek(&mut c)?;
        let nbytes_free = c.i32()?;
        let _nfree = c.i32()?;
        let nbytes_name = c.i32()?;
        let units = c.u8()?;
        let compress = c.i32()?;
        let seek_info = seek(&mut c)?;
        let nbytes_info = c.i32()?;
        Ok(FileHeader {
            root_version: version % 1_000_000,
            big,
            begin: begin as u64,
            end,
            seek_free,
            nbytes_free,
            nbytes_name,
            units,
            compress,
            seek_info,
            nbytes_info,
        })
    }

    /// The ROOT version as text, e.g. `6.40/00`.
    pub fn version_string(&self) -> String {
        let v = self.root_version;
        format!("{}.{:02}/{:02}", v / 10000, (v / 100) % 100, v % 100)
    }
}

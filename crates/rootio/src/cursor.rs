//! A bounds-checked, big-endian reader over a byte buffer.
//!
//! Classic ROOT I/O is big-endian (`TBufferFile`; uproot's struct formats all start with `>`).
//! Every read is checked: a value that would run past the end of the buffer gives
//! [`ErrorKind::Truncated`] with the absolute file offset, never a panic.

use crate::error::{Error, ErrorKind, Result};

/// `kByteCountMask`: set in the 4-byte byte count that precedes a streamed object
/// (`io/io/src/TBufferFile.cxx`).
pub const BYTE_COUNT_MASK: u32 = 0x4000_0000;
/// `kNewClassTag`: an object pointer followed by a new class name.
pub const NEW_CLASS_TAG: u32 = 0xFFFF_FFFF;
/// `kClassMask`: an object pointer that refers back to a class seen earlier.
pub const CLASS_MASK: u32 = 0x8000_0000;
/// `kMapOffset`: reference positions are byte positions (key-relative) plus 2.
pub const MAP_OFFSET: u32 = 2;

/// A streamed object's header: its class version and, when it had a byte count, the position
/// just past the object.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    /// The class version.
    pub version: i16,
    /// Position (in this cursor) of the first byte after the object, if a byte count was present.
    pub end: Option<usize>,
}

/// A big-endian cursor over a borrowed buffer.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// Absolute file offset of `data[0]`, for error messages (0 when unknown).
    base: u64,
    /// Added to `pos` to get the key-relative displacement used by object references
    /// (`fKeylen` for a key payload: uproot's `Cursor(0, origin=-fKeylen)`).
    origin: usize,
    what: &'static str,
}

macro_rules! read_be {
    ($name:ident, $t:ty) => {
        #[doc = concat!("Read a big-endian `", stringify!($t), "`.")]
        #[inline]
        pub fn $name(&mut self) -> Result<$t> {
            const N: usize = std::mem::size_of::<$t>();
            let b = self.bytes(N)?;
            let mut a = [0u8; N];
            a.copy_from_slice(b);
            Ok(<$t>::from_be_bytes(a))
        }
    };
}

impl<'a> Cursor<'a> {
    /// A cursor at position 0 of `data`. `base` is the absolute offset of `data[0]` in the file,
    /// `what` names the buffer in error messages.
    pub fn new(data: &'a [u8], base: u64, what: &'static str) -> Self {
        Cursor {
            data,
            pos: 0,
            base,
            origin: 0,
            what,
        }
    }

    /// Set the displacement origin: references inside a key payload count from the start of the
    /// key, so the payload cursor's origin is `fKeylen`.
    pub fn with_origin(mut self, origin: usize) -> Self {
        self.origin = origin;
        self
    }

    /// Current position within the buffer.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }
    /// Key-relative displacement of the current position (for object references).
    #[inline]
    pub fn displacement(&self) -> usize {
        self.pos + self.origin
    }
    /// Bytes left.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }
    /// The whole underlying buffer.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
    /// Absolute file offset of the current position.
    pub fn abs_offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// An error of kind `Truncated` at the current position.
    pub fn truncated(&self, needed: usize) -> Error {
        Error::from(ErrorKind::Truncated {
            what: self.what,
            needed: needed as u64,
            at: self.pos as u64,
            len: self.data.len() as u64,
        })
        .at_offset(self.abs_offset())
    }

    /// A `Corrupt` error located at the current position.
    pub fn corrupt(&self, msg: impl Into<String>) -> Error {
        Error::corrupt(msg).at_offset(self.abs_offset())
    }

    /// Move to an absolute position within the buffer.
    pub fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.data.len() {
            return Err(self.truncated(pos - self.pos.min(pos)));
        }
        self.pos = pos;
        Ok(())
    }

    /// Skip `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// Borrow the next `n` bytes.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.data.len() => {
                let s = &self.data[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            _ => Err(self.truncated(n)),
        }
    }

    read_be!(u8, u8);
    read_be!(i8, i8);
    read_be!(u16, u16);
    read_be!(i16, i16);
    read_be!(u32, u32);
    read_be!(i32, i32);
    read_be!(u64, u64);
    read_be!(i64, i64);
    read_be!(f32, f32);
    read_be!(f64, f64);

    /// A count read as `i32` that must be non-negative and, at `elem_size` bytes per element,
    /// fit in the remaining bytes. This guards every allocation made from a file-provided count.
    pub fn count(&mut self, elem_size: usize, what: &str) -> Result<usize> {
        let n = self.i32()?;
        self.check_count(n as i64, elem_size, what)
    }

    /// Check that `n` elements of `elem_size` bytes can still be read.
    pub fn check_count(&self, n: i64, elem_size: usize, what: &str) -> Result<usize> {
        if n < 0 {
            return Err(self.corrupt(format!("negative {what} count {n}")));
        }
        let n = n as usize;
        if n.saturating_mul(elem_size.max(1)) > self.remaining() && elem_size > 0 {
            return Err(self.corrupt(format!(
                "{what} count {n} needs more than the {} bytes left",
                self.remaining()
            )));
        }
        Ok(n)
    }

    /// A ROOT `TString` / `WriteString`: one length byte, or 255 followed by a 4-byte length.
    pub fn tstring(&mut self) -> Result<String> {
        let b = self.string_bytes()?;
        Ok(String::from_utf8_lossy(b).into_owned())
    }

    /// The raw bytes of a TString-style length-prefixed string.
    pub fn string_bytes(&mut self) -> Result<&'a [u8]> {
        let mut n = self.u8()? as usize;
        if n == 255 {
            n = self.u32()? as usize;
        }
        self.bytes(n)
    }

    /// A NUL-terminated string (class names after `kNewClassTag`).
    pub fn cstring(&mut self) -> Result<String> {
        let rest = &self.data[self.pos.min(self.data.len())..];
        match rest.iter().position(|&b| b == 0) {
            Some(n) => {
                let s = String::from_utf8_lossy(&rest[..n]).into_owned();
                self.pos += n + 1;
                Ok(s)
            }
            None => Err(self.truncated(rest.len() + 1)),
        }
    }

    /// A streamed object's header: an optional 4-byte byte count (with `kByteCountMask`) and a
    /// 2-byte version (`uproot5:src/uproot/deserialization.py` `numbytes_version`).
    pub fn header(&mut self) -> Result<Header> {
        let start = self.pos;
        if self.remaining() < 4 {
            let version = self.i16()?;
            return Ok(Header { version, end: None });
        }
        let first = self.u32()?;
        if first & BYTE_COUNT_MASK != 0 {
            let count = (first & !BYTE_COUNT_MASK) as usize;
            let end = start + 4 + count;
            if end > self.data.len() {
                return Err(self.corrupt(format!(
                    "object byte count {count} runs past the end of the {}-byte {}",
                    self.data.len(),
                    self.what
                )));
            }
            let version = self.i16()?;
            // Version 0 is written for classes without a dictionary ("foreign" classes,
            // `TBufferFile::WriteVersion`), followed by the class's 4-byte checksum; ROOT skips it
            // when the byte count leaves room for it (`TBufferFile::ReadVersion`: `bcnt >= 6`).
            if version == 0 && count >= 6 {
                self.skip(4)?;
            }
            Ok(Header {
                version,
                end: Some(end),
            })
        } else {
            // No byte count: the first two bytes are the version.
            self.pos = start;
            let version = self.i16()?;
            Ok(Header { version, end: None })
        }
    }

    /// Jump to the end of an object read with [`Cursor::header`], if its byte count is known.
    pub fn finish(&mut self, h: &Header) -> Result<()> {
        if let Some(end) = h.end {
            self.seek(end)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_bounds() {
        let d = [0u8, 1, 0, 0, 0, 2, 3, b'a', b'b', b'c'];
        let mut c = Cursor::new(&d, 100, "test");
        assert_eq!(c.u16().unwrap(), 1);
        assert_eq!(c.i32().unwrap(), 2);
        assert_eq!(c.tstring().unwrap(), "abc");
        let e = c.u8().unwrap_err();
        assert!(matches!(*e.kind, ErrorKind::Truncated { .. }));
        assert_eq!(e.location.offset, Some(110));
    }

    #[test]
    fn header_with_and_without_count() {
        let d = [0x40, 0, 0, 2, 0, 5];
        let mut c = Cursor::new(&d, 0, "t");
        let h = c.header().unwrap();
        assert_eq!(h.version, 5);
        assert_eq!(h.end, Some(6));
        let d = [0, 7];
        let h = Cursor::new(&d, 0, "t").header().unwrap();
        assert_eq!((h.version, h.end), (7, None));
        let d = [0x40, 0, 0, 9, 0, 5];
        assert!(Cursor::new(&d, 0, "t").header().is_err());
    }
}

//! [`WBuffer`]: the big-endian output buffer objects are streamed into (ROOT's `TBufferFile` in
//! write mode).
//!
//! What it reproduces from `root-project/root:io/io/src/TBufferFile.cxx`:
//!
//! * **Byte counts and versions** (`WriteVersion(cl, kTRUE)` + `SetByteCount`): 4 bytes are
//!   reserved, the class version follows, and once the object is complete the reserved word
//!   becomes `count | kByteCountMask (0x40000000)`, where `count` excludes the word itself.
//!   A byte count must stay below `kMaxMapCount = 0x3FFFFFFE`; a larger object is an error here
//!   (ROOT too refuses to stream objects of a gigabyte or more this way).
//! * **`TString`** (`TString::Streamer` / `TBufferFile::WriteTString`): one length byte, or
//!   `255` followed by a 4-byte length for strings of 255 bytes or more.
//! * **Object pointers** (`WriteObjectAny` → `WriteObjectClass`): `0` for a null pointer;
//!   otherwise a reserved byte count, then the class — `kNewClassTag (0xFFFFFFFF)` and the
//!   NUL-terminated class name the first time, `kClassMask | tag` afterwards — then the object,
//!   then the byte count is patched. The class tag is the position of the `kNewClassTag` word
//!   **counted from the start of the key** (the buffer ROOT streams into begins with the key
//!   header) plus `kMapOffset = 2` (`WriteClass`). [`WBuffer::new`] therefore takes the key
//!   length as the buffer's origin.
//! * **`TObject`** (`TObject::Streamer`): version 1 without byte count, `fUniqueID`, `fBits`.
//!   The in-memory bits `kIsOnHeap` and `kNotDeleted` are not written: ROOT ≥ 6.30 strips them
//!   (`fBits & (~kIsOnHeap & ~kNotDeleted)`, unless the file asks for
//!   `TFile::k630forwardCompatibility`) and sets them again when reading, and uproot writes
//!   `fBits = 0` (`uproot5:src/uproot/serialization.py`).

use std::collections::HashMap;

use crate::error::{Error, Result};

/// `kByteCountMask` (`TBufferFile.cxx`).
pub const BYTE_COUNT_MASK: u32 = 0x4000_0000;
/// `kNewClassTag` (`TBufferFile.cxx`).
pub const NEW_CLASS_TAG: u32 = 0xFFFF_FFFF;
/// `kClassMask` (`TBufferFile.cxx`).
pub const CLASS_MASK: u32 = 0x8000_0000;
/// `kMapOffset` (`TBufferFile.cxx`).
pub const MAP_OFFSET: u32 = 2;
/// `kMaxMapCount` (`TBufferFile.cxx`): the largest byte count or map offset ROOT accepts.
pub const MAX_MAP_COUNT: u32 = 0x3FFF_FFFE;

/// A reserved byte count, returned by [`WBuffer::begin_object`] and consumed by
/// [`WBuffer::end_object`].
#[derive(Debug)]
#[must_use = "an object started with begin_object must be finished with end_object"]
pub struct ByteCount {
    pos: usize,
}

/// A growable big-endian output buffer with ROOT's object-streaming conventions.
#[derive(Debug, Default)]
pub struct WBuffer {
    data: Vec<u8>,
    /// Key-relative position of `data[0]` (the key length for an object stored in a key).
    origin: usize,
    /// Class name → class tag (key-relative offset of its `kNewClassTag` + `kMapOffset`).
    classes: HashMap<String, u32>,
}

macro_rules! write_be {
    ($name:ident, $t:ty) => {
        #[doc = concat!("Append a big-endian `", stringify!($t), "`.")]
        #[inline]
        pub fn $name(&mut self, v: $t) {
            self.data.extend_from_slice(&v.to_be_bytes());
        }
    };
}

impl WBuffer {
    /// An empty buffer whose first byte sits `origin` bytes after the start of its key: pass
    /// the key length (`fKeylen`) when streaming an object that will be stored in a key, so
    /// that class tags get ROOT's key-relative values; 0 for a standalone buffer.
    pub fn new(origin: usize) -> Self {
        WBuffer {
            data: Vec::new(),
            origin,
            classes: HashMap::new(),
        }
    }

    /// The bytes written so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.data
    }

    /// The bytes written, consuming the buffer.
    pub fn into_vec(self) -> Vec<u8> {
        self.data
    }

    /// Number of bytes written.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    write_be!(u8, u8);
    write_be!(i8, i8);
    write_be!(u16, u16);
    write_be!(i16, i16);
    write_be!(u32, u32);
    write_be!(i32, i32);
    write_be!(u64, u64);
    write_be!(i64, i64);
    write_be!(f32, f32);
    write_be!(f64, f64);

    /// Append a `Bool_t` (one byte, 0 or 1).
    pub fn bool(&mut self, v: bool) {
        self.data.push(u8::from(v));
    }

    /// Append raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.data.extend_from_slice(b);
    }

    /// Append a `TString`: one length byte, or 255 and a 4-byte length when the string has 255
    /// bytes or more (`TBufferFile::WriteTString`).
    pub fn tstring(&mut self, s: &str) {
        let b = s.as_bytes();
        if b.len() < 255 {
            self.data.push(b.len() as u8);
        } else {
            self.data.push(255);
            // Strings of 4 GiB cannot reach this point: the byte count check refuses them.
            self.u32(u32::try_from(b.len()).unwrap_or(u32::MAX));
        }
        self.data.extend_from_slice(b);
    }

    /// The on-disk size of `s` as a `TString` (`TString::Sizeof`).
    pub fn tstring_len(s: &str) -> usize {
        let n = s.len();
        if n < 255 {
            1 + n
        } else {
            5 + n
        }
    }

    /// Start an object with a byte count and a class version (`WriteVersion(cl, kTRUE)`).
    pub fn begin_object(&mut self, version: i16) -> ByteCount {
        let pos = self.data.len();
        self.u32(0);
        self.i16(version);
        ByteCount { pos }
    }

    /// Patch the byte count reserved by [`WBuffer::begin_object`] (`SetByteCount`).
    ///
    /// Errors with [`crate::ErrorKind::InvalidInput`] if the object is too large for a ROOT
    /// byte count (1 GiB or more).
    pub fn end_object(&mut self, bc: ByteCount) -> Result<()> {
        let count = self.data.len() - bc.pos - 4;
        let count = u32::try_from(count)
            .ok()
            .filter(|c| *c <= MAX_MAP_COUNT)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "an object of {count} bytes is too large for a ROOT byte count (at most \
                     {MAX_MAP_COUNT})"
                ))
            })?;
        self.data[bc.pos..bc.pos + 4].copy_from_slice(&(count | BYTE_COUNT_MASK).to_be_bytes());
        Ok(())
    }

    /// `TObject::Streamer`: version 1 (no byte count), `fUniqueID`, `fBits`.
    pub fn tobject(&mut self, unique_id: u32, bits: u32) {
        self.i16(1);
        self.u32(unique_id);
        self.u32(bits);
    }

    /// `TNamed::Streamer`: byte count, version 1, `TObject`, `fName`, `fTitle`.
    pub fn tnamed(&mut self, bits: u32, name: &str, title: &str) -> Result<()> {
        let bc = self.begin_object(1);
        self.tobject(0, bits);
        self.tstring(name);
        self.tstring(title);
        self.end_object(bc)
    }

    /// A `TArrayD` (`TArrayD::Streamer`): `fN` as `i32`, then the values, no version.
    pub fn array_f64(&mut self, values: &[f64]) -> Result<()> {
        self.array_len(values.len())?;
        self.data.reserve(values.len() * 8);
        for v in values {
            self.f64(*v);
        }
        Ok(())
    }

    /// A `TArrayF` (`TArrayF::Streamer`): `fN` as `i32`, then the values as `f32`.
    pub fn array_f32(&mut self, values: &[f32]) -> Result<()> {
        self.array_len(values.len())?;
        self.data.reserve(values.len() * 4);
        for v in values {
            self.f32(*v);
        }
        Ok(())
    }

    fn array_len(&mut self, n: usize) -> Result<()> {
        let n = i32::try_from(n).map_err(|_| {
            Error::invalid_input(format!(
                "an array of {n} values is too long for ROOT (fN is Int_t)"
            ))
        })?;
        self.i32(n);
        Ok(())
    }

    /// A null object pointer (`WriteObjectAny(nullptr)`: `kNullTag = 0`).
    pub fn null_pointer(&mut self) {
        self.u32(0);
    }

    /// A non-null object pointer of class `class` (`WriteObjectAny` → `WriteObjectClass`):
    /// byte count, class tag (new or back-reference), then whatever `body` streams.
    pub fn object_pointer(
        &mut self,
        class: &str,
        body: impl FnOnce(&mut WBuffer) -> Result<()>,
    ) -> Result<()> {
        self.object_pointer_tagged(class, body).map(|_| ())
    }

    /// Like [`WBuffer::object_pointer`], and return the object's tag: the key-relative
    /// position of its byte count plus `kMapOffset`, which later pointers to the same object
    /// write instead of the object ([`WBuffer::object_reference`]; `WriteObjectClass` maps
    /// each object it writes at `cntpos + kMapOffset`).
    pub fn object_pointer_tagged(
        &mut self,
        class: &str,
        body: impl FnOnce(&mut WBuffer) -> Result<()>,
    ) -> Result<u32> {
        let pos = self.data.len();
        let tag = u32::try_from(self.origin + pos + MAP_OFFSET as usize)
            .ok()
            .filter(|t| *t <= MAX_MAP_COUNT)
            .ok_or_else(|| Error::invalid_input("object too large for ROOT object references"))?;
        let cnt = ByteCount { pos };
        self.u32(0);
        self.class_tag(class)?;
        body(self)?;
        self.end_object(cnt)?;
        Ok(tag)
    }

    /// A pointer to an object already written in this buffer: its tag, as returned by
    /// [`WBuffer::object_pointer_tagged`] (`WriteObjectClass` writes the map offset of an
    /// object it has seen, without the class mask).
    pub fn object_reference(&mut self, tag: u32) {
        self.u32(tag);
    }

    /// `TBufferFile::WriteClass`: the class of an object that follows.
    fn class_tag(&mut self, class: &str) -> Result<()> {
        if let Some(tag) = self.classes.get(class).copied() {
            self.u32(tag | CLASS_MASK);
            return Ok(());
        }
        let offset = self.origin + self.data.len();
        let tag = u32::try_from(offset + MAP_OFFSET as usize)
            .ok()
            .filter(|t| *t <= MAX_MAP_COUNT)
            .ok_or_else(|| Error::invalid_input("object too large for ROOT class references"))?;
        self.u32(NEW_CLASS_TAG);
        self.data.extend_from_slice(class.as_bytes());
        self.data.push(0);
        self.classes.insert(class.to_string(), tag);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::Cursor;

    #[test]
    fn byte_count_and_version() {
        let mut w = WBuffer::new(0);
        let bc = w.begin_object(7);
        w.i32(42);
        w.end_object(bc).unwrap();
        assert_eq!(w.as_slice(), &[0x40, 0, 0, 6, 0, 7, 0, 0, 0, 42]);
        let mut c = Cursor::new(w.as_slice(), 0, "t");
        let h = c.header().unwrap();
        assert_eq!((h.version, h.end), (7, Some(10)));
    }

    #[test]
    fn tstrings_short_and_long() {
        let mut w = WBuffer::new(0);
        w.tstring("abc");
        let long = "x".repeat(300);
        w.tstring(&long);
        assert_eq!(
            w.len(),
            WBuffer::tstring_len("abc") + WBuffer::tstring_len(&long)
        );
        let mut c = Cursor::new(w.as_slice(), 0, "t");
        assert_eq!(c.tstring().unwrap(), "abc");
        assert_eq!(c.tstring().unwrap(), long);
        assert_eq!(&w.as_slice()[4..9], &[255, 0, 0, 1, 44]);
    }

    #[test]
    fn class_tags_are_key_relative() {
        let mut w = WBuffer::new(100);
        w.object_pointer("TList", |_| Ok(())).unwrap();
        w.object_pointer("TList", |_| Ok(())).unwrap();
        let d = w.as_slice();
        // First: byte count, new-class tag, "TList\0".
        assert_eq!(&d[4..8], &NEW_CLASS_TAG.to_be_bytes());
        assert_eq!(&d[8..14], b"TList\0");
        assert_eq!(
            u32::from_be_bytes([d[0], d[1], d[2], d[3]]),
            BYTE_COUNT_MASK | 10
        );
        // Second: a reference to the tag at key position 100 + 4, plus kMapOffset.
        assert_eq!(&d[18..22], &((104 + 2) | CLASS_MASK).to_be_bytes());
    }

    #[test]
    fn object_references_point_at_the_byte_count() {
        let mut w = WBuffer::new(50);
        w.u32(7);
        let tag = w
            .object_pointer_tagged("TLeafI", |w| {
                w.i32(1);
                Ok(())
            })
            .unwrap();
        assert_eq!(tag, 50 + 4 + MAP_OFFSET);
        w.object_reference(tag);
        let d = w.as_slice();
        assert_eq!(&d[d.len() - 4..], &tag.to_be_bytes());
    }
}

//! A bounds-checked little-endian reader for RNTuple envelopes, with record and list frames.
//!
//! RNTuple metadata is little-endian, unlike classic ROOT I/O (`BinaryFormatSpecification.md`,
//! "Basic Types"). A **frame** is an `i64` size (negative for a list frame, whose `u32` item count
//! follows) covering the size field itself and the payload. Readers must skip frames by their
//! declared size rather than by what they parsed, so that frames can grow in later format versions:
//! [`Reader::frame`] returns a reader limited to the frame's payload and moves past the whole frame.

use crate::error::{Error, ErrorKind, Result};

/// What an envelope buffer is, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    /// "header envelope", "footer envelope", "page list envelope", …
    pub what: &'static str,
    /// File offset of the envelope (of its first byte on disk), for the error location.
    pub file_offset: u64,
}

/// A little-endian cursor over part of an envelope.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    /// Position of `data[0]` within the whole envelope.
    start: usize,
    pos: usize,
    origin: Origin,
}

/// The kind of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// A record frame.
    Record,
    /// A list frame with this many items.
    List(u32),
}

impl<'a> Reader<'a> {
    /// A reader over a whole envelope buffer.
    pub fn new(data: &'a [u8], origin: Origin) -> Self {
        Reader {
            data,
            start: 0,
            pos: 0,
            origin,
        }
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Position within the envelope.
    pub fn envelope_pos(&self) -> usize {
        self.start + self.pos
    }

    /// A `Truncated` error at the current position.
    pub fn truncated(&self, needed: usize) -> Error {
        Error::from(ErrorKind::Truncated {
            what: self.origin.what,
            needed: needed as u64,
            at: self.envelope_pos() as u64,
            len: (self.start + self.data.len()) as u64,
        })
        .at_offset(self.origin.file_offset)
    }

    /// A `Corrupt` error mentioning the position in the envelope.
    pub fn corrupt(&self, msg: impl std::fmt::Display) -> Error {
        Error::corrupt(format!(
            "{} (byte {} of the {})",
            msg,
            self.envelope_pos(),
            self.origin.what
        ))
        .at_offset(self.origin.file_offset)
    }

    /// Borrow the next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.truncated(n));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }

    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// A string: `u32` length + UTF-8 bytes (invalid UTF-8 is replaced, not rejected).
    pub fn string(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        let b = self.bytes(n)?;
        Ok(String::from_utf8_lossy(b).into_owned())
    }

    /// Feature flags: 64-bit words, continued while the word is negative. Returns all set bits
    /// of all words (word `k` shifted by `63 * k` conceptually; only the first word is kept, and
    /// any bit in a continuation word is reported as unknown by the caller).
    pub fn feature_flags(&mut self) -> Result<Vec<u64>> {
        let mut words = Vec::new();
        loop {
            let w = self.u64()?;
            words.push(w & !(1 << 63));
            if w & (1 << 63) == 0 {
                return Ok(words);
            }
            if words.len() > 64 {
                return Err(self.corrupt("feature flags do not end"));
            }
        }
    }

    /// Read a frame header and return a reader over the frame's payload (after the size and,
    /// for lists, the item count); `self` moves past the whole frame.
    pub fn frame(&mut self) -> Result<(FrameKind, Reader<'a>)> {
        let at = self.pos;
        let size = self.i64()?;
        let (kind, header, len) = if size < 0 {
            let n = self.u32()?;
            (FrameKind::List(n), 12usize, size.unsigned_abs())
        } else {
            (FrameKind::Record, 8usize, size as u64)
        };
        if len < header as u64 {
            return Err(self.corrupt(format!("frame of {len} bytes is smaller than its header")));
        }
        let payload = (len - header as u64) as usize;
        if len > (self.data.len() - at) as u64 {
            self.pos = at;
            return Err(self.corrupt(format!(
                "frame of {len} bytes runs past the end of its container ({} bytes left)",
                self.data.len() - at
            )));
        }
        let sub = Reader {
            data: &self.data[self.pos..self.pos + payload],
            start: self.start + self.pos,
            pos: 0,
            origin: self.origin,
        };
        self.pos += payload;
        Ok((kind, sub))
    }

    /// A record frame (an error if it is a list frame).
    pub fn record(&mut self) -> Result<Reader<'a>> {
        match self.frame()? {
            (FrameKind::Record, r) => Ok(r),
            (FrameKind::List(_), _) => {
                Err(self.corrupt("expected a record frame, found a list frame"))
            }
        }
    }

    /// A list frame: the item count and a reader over the items.
    pub fn list(&mut self) -> Result<(u32, Reader<'a>)> {
        match self.frame()? {
            (FrameKind::List(n), r) => {
                // Every item needs at least one byte (a record frame needs 8): a count larger
                // than the payload is corrupt, and checking it here bounds later allocations.
                if n as usize > r.remaining() {
                    return Err(self.corrupt(format!(
                        "list frame of {n} items in {} bytes",
                        r.remaining()
                    )));
                }
                Ok((n, r))
            }
            (FrameKind::Record, _) => {
                Err(self.corrupt("expected a list frame, found a record frame"))
            }
        }
    }

    /// Read a list frame of record frames, parsing each item with `item`.
    pub fn list_of_records<T>(
        &mut self,
        mut item: impl FnMut(&mut Reader<'a>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let (n, mut r) = self.list()?;
        let mut out = Vec::with_capacity((n as usize).min(r.remaining() / 8));
        for _ in 0..n {
            let mut rec = r.record()?;
            out.push(item(&mut rec)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            what: "test envelope",
            file_offset: 100,
        }
    }

    #[test]
    fn record_and_list_frames() {
        let mut b = Vec::new();
        // list frame of 2 record frames each holding a u32
        b.extend_from_slice(&(-(12i64 + 2 * 12)).to_le_bytes());
        b.extend_from_slice(&2u32.to_le_bytes());
        for v in [7u32, 9] {
            b.extend_from_slice(&12i64.to_le_bytes());
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&0xdeadu16.to_le_bytes());
        let mut r = Reader::new(&b, origin());
        let v = r.list_of_records(|r| r.u32()).unwrap();
        assert_eq!(v, [7, 9]);
        assert_eq!(r.u16().unwrap(), 0xdead);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn frames_are_skipped_by_size() {
        let mut b = Vec::new();
        b.extend_from_slice(&20i64.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&[0xaa; 8]); // a future extension of the record
        b.push(5);
        let mut r = Reader::new(&b, origin());
        let mut rec = r.record().unwrap();
        assert_eq!(rec.u32().unwrap(), 1);
        assert_eq!(r.bytes(1).unwrap(), [5]);
    }

    #[test]
    fn bad_frames_are_errors() {
        // size past the end
        let b = 100i64.to_le_bytes();
        assert!(Reader::new(&b, origin()).record().is_err());
        // size smaller than the header
        let b = 4i64.to_le_bytes();
        assert!(Reader::new(&b, origin()).record().is_err());
        // a list where a record is expected and vice versa
        let mut b = (-12i64).to_le_bytes().to_vec();
        b.extend_from_slice(&0u32.to_le_bytes());
        assert!(Reader::new(&b, origin()).record().is_err());
        assert!(Reader::new(&b, origin()).list().is_ok());
        // more items than bytes
        let mut b = (-12i64).to_le_bytes().to_vec();
        b.extend_from_slice(&1_000_000u32.to_le_bytes());
        let e = Reader::new(&b, origin()).list().unwrap_err();
        assert!(e.to_string().contains("1000000 items"), "{e}");
        assert_eq!(e.location.offset, Some(100));
        // i64::MIN size
        let b = i64::MIN.to_le_bytes();
        assert!(Reader::new(&b, origin()).frame().is_err());
        // truncated string
        let mut b = 10u32.to_le_bytes().to_vec();
        b.push(b'a');
        assert!(Reader::new(&b, origin()).string().is_err());
    }
}

//! Column types and page decoding.
//!
//! A page holds the elements of one column, little-endian, in one of these encodings
//! (`BinaryFormatSpecification.md`, "Column Description"; `tree/ntuple/src/RColumnElement.hxx`):
//!
//! * plain: `Int8`…`UInt64`, `Real32`, `Real64`, `Index32/64`, `Char`, `Byte`;
//! * **split**: the bytes of the elements transposed (all first bytes, then all second bytes, …)
//!   — `SplitUInt*`, `SplitReal*`;
//! * **zigzag + split** for signed integers (`SplitInt*`): `x` stored as `(x << 1) ^ (x >> 63)`;
//! * **delta + split** for offsets (`SplitIndex*`): the first element of each *page* as is, the
//!   others as differences to their predecessor (`CastDeltaSplitUnpack`);
//! * `Bit`: booleans packed 8 per byte, least significant bit first;
//! * `Real16`: IEEE half precision;
//! * `Real32Trunc` (10–31 bits) and `Real32Quant` (1–32 bits): items packed back to back into a
//!   little-endian bit stream (`BitPacking::PackBits`); a truncated float keeps the most
//!   significant bits of the IEEE float, a quantized real is an integer `q` with value
//!   `min + q * (max - min) / (2^bits - 1)`, clamped to `max` (`Quantize::UnquantizeReals`);
//! * `Switch`: a `u64` element index into the active alternative followed by a `u32` tag.
//!
//! Index values are relative to the cluster: they count the items of the collection from the
//! start of the cluster, and each holds the end offset of its entry's items.

use crate::array::{Array, PrimitiveType};
use crate::error::{Error, Result};

/// An on-disk column type (`ENTupleColumnType` / the spec's column type table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ColumnType {
    Bit,
    Byte,
    Char,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Real16,
    Real32,
    Real64,
    Index32,
    Index64,
    Switch,
    SplitInt16,
    SplitUInt16,
    SplitInt32,
    SplitUInt32,
    SplitInt64,
    SplitUInt64,
    SplitReal16,
    SplitReal32,
    SplitReal64,
    SplitIndex32,
    SplitIndex64,
    Real32Trunc,
    Real32Quant,
    /// A type id this reader does not know (a newer format version).
    Unknown(u16),
}

/// The natural in-memory kind of a column's elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Natural {
    Prim(PrimitiveType),
    Index,
    Switch,
}

impl ColumnType {
    /// Decode the type id.
    pub fn from_u16(v: u16) -> ColumnType {
        use ColumnType::*;
        match v {
            0x00 => Bit,
            0x01 => Byte,
            0x02 => Char,
            0x03 => Int8,
            0x04 => UInt8,
            0x05 => Int16,
            0x06 => UInt16,
            0x07 => Int32,
            0x08 => UInt32,
            0x09 => Int64,
            0x0A => UInt64,
            0x0B => Real16,
            0x0C => Real32,
            0x0D => Real64,
            0x0E => Index32,
            0x0F => Index64,
            0x10 => Switch,
            0x11 => SplitInt16,
            0x12 => SplitUInt16,
            0x13 => SplitInt32,
            0x14 => SplitUInt32,
            0x15 => SplitInt64,
            0x16 => SplitUInt64,
            0x17 => SplitReal16,
            0x18 => SplitReal32,
            0x19 => SplitReal64,
            0x1A => SplitIndex32,
            0x1B => SplitIndex64,
            0x1C => Real32Trunc,
            0x1D => Real32Quant,
            other => Unknown(other),
        }
    }

    /// The spec's name of the type.
    pub fn name(self) -> String {
        match self {
            ColumnType::Unknown(v) => format!("unknown column type {v:#x}"),
            other => format!("{other:?}"),
        }
    }

    /// The valid bits-on-storage range.
    pub fn bit_range(self) -> Option<(u16, u16)> {
        use ColumnType::*;
        Some(match self {
            Bit => (1, 1),
            Byte | Char | Int8 | UInt8 => (8, 8),
            Int16 | UInt16 | Real16 | SplitInt16 | SplitUInt16 | SplitReal16 => (16, 16),
            Int32 | UInt32 | Real32 | Index32 | SplitInt32 | SplitUInt32 | SplitReal32
            | SplitIndex32 => (32, 32),
            Int64 | UInt64 | Real64 | Index64 | SplitInt64 | SplitUInt64 | SplitReal64
            | SplitIndex64 => (64, 64),
            Switch => (96, 96),
            Real32Trunc => (10, 31),
            Real32Quant => (1, 32),
            Unknown(_) => return None,
        })
    }

    /// Whether this is an offset column of a collection.
    pub fn is_index(self) -> bool {
        matches!(
            self,
            ColumnType::Index32
                | ColumnType::Index64
                | ColumnType::SplitIndex32
                | ColumnType::SplitIndex64
        )
    }

    pub(crate) fn natural(self) -> Option<Natural> {
        use ColumnType::*;
        use PrimitiveType as P;
        Some(match self {
            Bit => Natural::Prim(P::Bool),
            Byte | UInt8 => Natural::Prim(P::U8),
            Char | Int8 => Natural::Prim(P::I8),
            Int16 | SplitInt16 => Natural::Prim(P::I16),
            UInt16 | SplitUInt16 => Natural::Prim(P::U16),
            Int32 | SplitInt32 => Natural::Prim(P::I32),
            UInt32 | SplitUInt32 => Natural::Prim(P::U32),
            Int64 | SplitInt64 => Natural::Prim(P::I64),
            UInt64 | SplitUInt64 => Natural::Prim(P::U64),
            Real16 | SplitReal16 | Real32 | SplitReal32 | Real32Trunc => Natural::Prim(P::F32),
            Real64 | SplitReal64 | Real32Quant => Natural::Prim(P::F64),
            Index32 | Index64 | SplitIndex32 | SplitIndex64 => Natural::Index,
            Switch => Natural::Switch,
            Unknown(_) => return None,
        })
    }
}

/// The decoded elements of a column (in one cluster).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ColumnData {
    /// Values of a primitive type (booleans, integers, floats).
    Values(Array),
    /// Cluster-relative end offsets of a collection.
    Index(Vec<u64>),
    /// `(element index, tag)` of a variant.
    Switch(Vec<(u64, u32)>),
}

/// How to decode one column's pages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decoder {
    pub column_type: ColumnType,
    pub bits: u16,
    pub range: Option<(f64, f64)>,
    /// Decode `Char`/`Int8` elements into a `U8` buffer as they are (the characters of a string).
    pub chars_as_bytes: bool,
}

/// The first decreasing pair of cluster-relative offsets met by [`Decoder::decode_offsets`]
/// (or an offset beyond `i64::MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadOffsets {
    pub prev: u64,
    pub next: u64,
}

/// A primitive array of type `p` with no elements.
pub(crate) fn empty_values(p: PrimitiveType) -> Array {
    match p {
        PrimitiveType::Bool => Array::Bool(Vec::new()),
        PrimitiveType::I8 => Array::I8(Vec::new()),
        PrimitiveType::U8 => Array::U8(Vec::new()),
        PrimitiveType::I16 => Array::I16(Vec::new()),
        PrimitiveType::U16 => Array::U16(Vec::new()),
        PrimitiveType::I32 => Array::I32(Vec::new()),
        PrimitiveType::U32 => Array::U32(Vec::new()),
        PrimitiveType::I64 => Array::I64(Vec::new()),
        PrimitiveType::U64 => Array::U64(Vec::new()),
        PrimitiveType::F32 => Array::F32(Vec::new()),
        PrimitiveType::F64 => Array::F64(Vec::new()),
    }
}

/// Plain little-endian elements.
fn plain<T, const N: usize>(page: &[u8], n: usize, out: &mut Vec<T>, conv: impl Fn([u8; N]) -> T) {
    out.reserve(n);
    out.extend(page[..n * N].chunks_exact(N).map(|c| {
        let mut a = [0u8; N];
        a.copy_from_slice(c);
        conv(a)
    }));
}

/// The `N` byte planes of `n` split elements (empty slices past the end, never reached).
fn planes<const N: usize>(page: &[u8], n: usize) -> [&[u8]; N] {
    let mut it = page[..n * N].chunks_exact(n.max(1));
    std::array::from_fn(|_| it.next().unwrap_or(&[]))
}

/// Elements `i..i + out.len()` of split little-endian elements of `N <= 8` bytes from their
/// byte planes: 8 elements at a time, as an 8×8 byte matrix transposed in registers.
fn gather_planes<const N: usize>(planes: &[&[u8]; N], i: usize, out: &mut [u64]) {
    let m = out.len();
    let q: [&[u8]; N] = std::array::from_fn(|k| &planes[k][i..i + m]);
    let mut chunks = out.chunks_exact_mut(8);
    let mut at = 0;
    for o in &mut chunks {
        let mut r = [0u64; 8];
        for (row, plane) in r.iter_mut().zip(&q) {
            let mut w = [0u8; 8];
            w.copy_from_slice(&plane[at..at + 8]);
            *row = u64::from_le_bytes(w);
        }
        transpose8(&mut r);
        for (d, v) in o.iter_mut().zip(r) {
            *d = v;
        }
        at += 8;
    }
    for (j, s) in chunks.into_remainder().iter_mut().enumerate() {
        let mut v = 0u64;
        for (k, plane) in q.iter().enumerate() {
            v |= (plane[at + j] as u64) << (8 * k);
        }
        *s = v;
    }
}

/// Transpose the 8×8 byte matrix whose rows are the little-endian words of `r`: afterwards
/// byte `k` of `r[e]` is what byte `e` of `r[k]` was. Written out on locals, so that the words
/// stay in registers.
#[inline(always)]
fn transpose8(r: &mut [u64; 8]) {
    let [mut r0, mut r1, mut r2, mut r3, mut r4, mut r5, mut r6, mut r7] = *r;
    macro_rules! swap {
        ($a:ident, $b:ident, $s:expr, $mask:expr) => {
            let t = (($a >> (8 * $s)) ^ $b) & $mask;
            $b ^= t;
            $a ^= t << (8 * $s);
        };
    }
    const M1: u64 = 0x00ff_00ff_00ff_00ff;
    const M2: u64 = 0x0000_ffff_0000_ffff;
    const M4: u64 = 0x0000_0000_ffff_ffff;
    swap!(r0, r1, 1, M1);
    swap!(r2, r3, 1, M1);
    swap!(r4, r5, 1, M1);
    swap!(r6, r7, 1, M1);
    swap!(r0, r2, 2, M2);
    swap!(r1, r3, 2, M2);
    swap!(r4, r6, 2, M2);
    swap!(r5, r7, 2, M2);
    swap!(r0, r4, 4, M4);
    swap!(r1, r5, 4, M4);
    swap!(r2, r6, 4, M4);
    swap!(r3, r7, 4, M4);
    *r = [r0, r1, r2, r3, r4, r5, r6, r7];
}

/// Split (byte-transposed) little-endian 2-byte elements: two byte planes zipped back together.
fn split2<T>(page: &[u8], n: usize, out: &mut Vec<T>, conv: impl Fn([u8; 2]) -> T) {
    let [p0, p1] = planes::<2>(page, n);
    out.reserve(n);
    out.extend(p0.iter().zip(p1).map(|(&a, &b)| conv([a, b])));
}

/// Split 4-byte elements.
fn split4<T>(page: &[u8], n: usize, out: &mut Vec<T>, conv: impl Fn([u8; 4]) -> T) {
    let [p0, p1, p2, p3] = planes::<4>(page, n);
    out.reserve(n);
    out.extend(
        p0.iter()
            .zip(p1)
            .zip(p2)
            .zip(p3)
            .map(|(((&a, &b), &c), &d)| conv([a, b, c, d])),
    );
}

/// Split 8-byte elements.
fn split8<T>(page: &[u8], n: usize, out: &mut Vec<T>, conv: impl Fn([u8; 8]) -> T) {
    let [p0, p1, p2, p3, p4, p5, p6, p7] = planes::<8>(page, n);
    out.reserve(n);
    out.extend(
        p0.iter()
            .zip(p1)
            .zip(p2)
            .zip(p3)
            .zip(p4)
            .zip(p5)
            .zip(p6)
            .zip(p7)
            .map(|(((((((&a, &b), &c), &d), &e), &f), &g), &h)| conv([a, b, c, d, e, f, g, h])),
    );
}

/// Item `i` of `bits` bits from a little-endian bit stream (`bits <= 32`).
#[inline]
fn packed_item(page: &[u8], i: usize, bits: usize) -> u32 {
    let pos = i * bits;
    let byte = pos / 8;
    let mut w = [0u8; 8];
    let avail = page.len().saturating_sub(byte).min(8);
    w[..avail].copy_from_slice(&page[byte..byte + avail]);
    let v = u64::from_le_bytes(w) >> (pos % 8);
    (v & ((1u64 << bits) - 1)) as u32
}

/// IEEE 754 half precision to single precision (exact).
pub(crate) fn half_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let mant = (h & 0x3ff) as u32;
    let bits = match (exp, mant) {
        (0, 0) => sign,
        (0, m) => {
            // subnormal: normalise
            let shift = m.leading_zeros() - 21; // bring the top set bit to position 10
            let m = (m << shift) & 0x3ff;
            let e = 127 - 15 - shift + 1;
            sign | (e << 23) | (m << 13)
        }
        (0x1f, m) => sign | 0x7f80_0000 | (m << 13),
        (e, m) => sign | ((e + 127 - 15) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}

fn unzigzag16(u: u16) -> i16 {
    ((u >> 1) as i16) ^ -((u & 1) as i16)
}
fn unzigzag32(u: u32) -> i32 {
    ((u >> 1) as i32) ^ -((u & 1) as i32)
}
fn unzigzag64(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

impl Decoder {
    /// Bytes that `n` elements take on storage (uncompressed), or `None` on overflow.
    pub fn page_bytes(&self, n: u64) -> Option<u64> {
        n.checked_mul(self.bits as u64).map(|b| b.div_ceil(8))
    }

    /// Check the column record's bits against its type; say why the column cannot be read.
    pub fn check(&self) -> std::result::Result<(), String> {
        let Some((lo, hi)) = self.column_type.bit_range() else {
            return Err(format!(
                "{} (written by a newer RNTuple version)",
                self.column_type.name()
            ));
        };
        if self.bits < lo || self.bits > hi {
            return Err(format!(
                "column of type {} with {} bits on storage (must be {lo}..={hi})",
                self.column_type.name(),
                self.bits
            ));
        }
        if self.column_type == ColumnType::Real32Quant {
            match self.range {
                Some((min, max)) if min.is_finite() && max.is_finite() && min <= max => {}
                _ => return Err("Real32Quant column without a valid value range".into()),
            }
        }
        Ok(())
    }

    /// An empty container for this column's elements.
    pub fn empty(&self) -> Result<ColumnData> {
        match self.column_type.natural() {
            Some(Natural::Prim(p)) => Ok(ColumnData::Values(empty_values(p))),
            Some(Natural::Index) => Ok(ColumnData::Index(Vec::new())),
            Some(Natural::Switch) => Ok(ColumnData::Switch(Vec::new())),
            None => Err(Error::unsupported(self.column_type.name())),
        }
    }

    /// Append `n` zero elements (the leading elements of a deferred column).
    pub fn zeros(&self, n: usize, out: &mut ColumnData) {
        macro_rules! z {
            ($v:expr, $zero:expr) => {
                $v.resize($v.len() + n, $zero)
            };
        }
        match out {
            ColumnData::Index(v) => z!(v, 0),
            ColumnData::Switch(v) => z!(v, (0, 0)),
            ColumnData::Values(a) => match a {
                Array::Bool(v) => z!(v, false),
                Array::I8(v) => z!(v, 0),
                Array::U8(v) => z!(v, 0),
                Array::I16(v) => z!(v, 0),
                Array::U16(v) => z!(v, 0),
                Array::I32(v) => z!(v, 0),
                Array::U32(v) => z!(v, 0),
                Array::I64(v) => z!(v, 0),
                Array::U64(v) => z!(v, 0),
                Array::F32(v) => z!(v, 0.0),
                Array::F64(v) => z!(v, 0.0),
                _ => {}
            },
        }
    }

    /// Decode one uncompressed page of `n` elements of an index column straight into offsets:
    /// each cluster-relative end offset `e` is appended as `base + e`. `prev` is the previous
    /// cluster-relative offset (0 at the start of a cluster) and is updated; offsets must not
    /// decrease, nor exceed `i64::MAX` (relative or with `base` added). On a bad offset `out` is
    /// left as it was and the offending pair is returned.
    pub fn decode_offsets(
        &self,
        page: &[u8],
        n: usize,
        base: i64,
        prev: &mut u64,
        out: &mut Vec<i64>,
    ) -> Result<std::result::Result<(), BadOffsets>> {
        use ColumnType as C;
        let need = self.page_bytes(n as u64).unwrap_or(u64::MAX);
        if (page.len() as u64) < need {
            return Err(Error::corrupt(format!(
                "page of {n} {} elements has {} bytes, needs {need}",
                self.column_type.name(),
                page.len()
            )));
        }
        let start = out.len();
        // The largest relative offset that still fits once `base` is added.
        let limit = (i64::MAX - base.max(0)) as u64;
        let delta = matches!(self.column_type, C::SplitIndex32 | C::SplitIndex64);
        let mask = if matches!(self.column_type, C::Index32 | C::SplitIndex32) {
            0xffff_ffffu64
        } else {
            u64::MAX
        };
        // Block by block through a small buffer (in cache): gather the stored values, undo the
        // delta encoding within the page (wrapping, as unsigned C++ does), check, add `base`,
        // append. `out` is written once.
        const BLOCK: usize = 256;
        let split = matches!(self.column_type, C::SplitIndex32 | C::SplitIndex64);
        let wide = matches!(self.column_type, C::Index64 | C::SplitIndex64);
        if !self.column_type.is_index() {
            return Err(Error::corrupt(
                "internal: offsets from a column that is not an index column",
            ));
        }
        let p4 = planes::<4>(page, if split && !wide { n } else { 0 });
        let p8 = planes::<8>(page, if split && wide { n } else { 0 });
        let first = *prev;
        let mut last = first;
        let mut ok = true;
        let mut acc = 0u64;
        let mut buf = [0u64; BLOCK];
        out.reserve(n);
        let mut i = 0;
        while i < n {
            let m = (n - i).min(BLOCK);
            let b = &mut buf[..m];
            match (split, wide) {
                (false, false) => {
                    for (s, c) in b.iter_mut().zip(page[i * 4..(i + m) * 4].chunks_exact(4)) {
                        *s = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as u64;
                    }
                }
                (false, true) => {
                    for (s, c) in b.iter_mut().zip(page[i * 8..(i + m) * 8].chunks_exact(8)) {
                        *s = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
                    }
                }
                // plane by plane: each pass is a simple loop the compiler vectorizes
                (true, false) => gather_planes(&p4, i, b),
                (true, true) => gather_planes(&p8, i, b),
            }
            if delta {
                // `acc` starts at 0: the first element of a page is stored as it is
                for s in b.iter_mut() {
                    acc = acc.wrapping_add(*s) & mask;
                    ok &= acc >= last;
                    last = acc;
                    *s = acc;
                }
            } else {
                for s in b.iter() {
                    ok &= *s >= last;
                    last = *s;
                }
            }
            out.extend(b.iter().map(|&e| base.wrapping_add(e as i64)));
            i += m;
        }
        // offsets never decrease, so checking the last one checks them all
        ok &= last <= limit;
        if !ok {
            // Find the first bad pair again, from the relative offsets.
            let mut p = first;
            let mut bad = BadOffsets { prev: 0, next: 0 };
            for &v in &out[start..] {
                let e = v.wrapping_sub(base) as u64;
                if e < p || e > limit {
                    bad = BadOffsets { prev: p, next: e };
                    break;
                }
                p = e;
            }
            out.truncate(start);
            return Ok(Err(bad));
        }
        *prev = last;
        Ok(Ok(()))
    }

    /// Decode one uncompressed page of `n` elements, appending to `out` (made by [`Decoder::empty`]).
    /// `page` must hold at least [`Decoder::page_bytes`]`(n)` bytes.
    pub fn decode(&self, page: &[u8], n: usize, out: &mut ColumnData) -> Result<()> {
        use ColumnType as C;
        let need = self.page_bytes(n as u64).unwrap_or(u64::MAX);
        if (page.len() as u64) < need {
            return Err(Error::corrupt(format!(
                "page of {n} {} elements has {} bytes, needs {need}",
                self.column_type.name(),
                page.len()
            )));
        }
        let mismatch = || Error::corrupt("internal: column buffer of the wrong type");
        match (self.column_type, out) {
            (C::Index32 | C::SplitIndex32 | C::Index64 | C::SplitIndex64, ColumnData::Index(v)) => {
                let start = v.len();
                match self.column_type {
                    C::Index32 => plain(page, n, v, |a: [u8; 4]| u32::from_le_bytes(a) as u64),
                    C::Index64 => plain(page, n, v, u64::from_le_bytes),
                    C::SplitIndex32 => {
                        split4(page, n, v, |a: [u8; 4]| u32::from_le_bytes(a) as u64)
                    }
                    _ => split8(page, n, v, u64::from_le_bytes),
                }
                if matches!(self.column_type, C::SplitIndex32 | C::SplitIndex64) {
                    // Undo the delta encoding within the page (wrapping, as unsigned C++ does).
                    let mut acc = 0u64;
                    for (k, x) in v[start..].iter_mut().enumerate() {
                        acc = if k == 0 { *x } else { acc.wrapping_add(*x) };
                        if self.column_type == C::SplitIndex32 {
                            acc &= 0xffff_ffff;
                        }
                        *x = acc;
                    }
                }
            }
            (C::Switch, ColumnData::Switch(v)) => {
                v.reserve(n);
                v.extend(page[..n * 12].chunks_exact(12).map(|c| {
                    let mut i = [0u8; 8];
                    i.copy_from_slice(&c[..8]);
                    let mut t = [0u8; 4];
                    t.copy_from_slice(&c[8..]);
                    (u64::from_le_bytes(i), u32::from_le_bytes(t))
                }));
            }
            (ct, ColumnData::Values(a)) => match (ct, a) {
                (C::Bit, Array::Bool(v)) => {
                    v.reserve(n);
                    v.extend((0..n).map(|i| page[i / 8] >> (i % 8) & 1 != 0));
                }
                (C::Byte | C::UInt8, Array::U8(v)) => v.extend_from_slice(&page[..n]),
                // the characters of a `std::string`, kept as bytes
                (C::Char | C::Int8, Array::U8(v)) if self.chars_as_bytes => {
                    v.extend_from_slice(&page[..n])
                }
                (C::Char | C::Int8, Array::I8(v)) => v.extend(page[..n].iter().map(|&b| b as i8)),
                (C::Int16, Array::I16(v)) => plain(page, n, v, i16::from_le_bytes),
                (C::UInt16, Array::U16(v)) => plain(page, n, v, u16::from_le_bytes),
                (C::Int32, Array::I32(v)) => plain(page, n, v, i32::from_le_bytes),
                (C::UInt32, Array::U32(v)) => plain(page, n, v, u32::from_le_bytes),
                (C::Int64, Array::I64(v)) => plain(page, n, v, i64::from_le_bytes),
                (C::UInt64, Array::U64(v)) => plain(page, n, v, u64::from_le_bytes),
                (C::SplitInt16, Array::I16(v)) => {
                    split2(page, n, v, |a| unzigzag16(u16::from_le_bytes(a)))
                }
                (C::SplitUInt16, Array::U16(v)) => split2(page, n, v, u16::from_le_bytes),
                (C::SplitInt32, Array::I32(v)) => {
                    split4(page, n, v, |a| unzigzag32(u32::from_le_bytes(a)))
                }
                (C::SplitUInt32, Array::U32(v)) => split4(page, n, v, u32::from_le_bytes),
                (C::SplitInt64, Array::I64(v)) => {
                    split8(page, n, v, |a| unzigzag64(u64::from_le_bytes(a)))
                }
                (C::SplitUInt64, Array::U64(v)) => split8(page, n, v, u64::from_le_bytes),
                (C::Real16, Array::F32(v)) => {
                    plain(page, n, v, |a| half_to_f32(u16::from_le_bytes(a)))
                }
                (C::SplitReal16, Array::F32(v)) => {
                    split2(page, n, v, |a| half_to_f32(u16::from_le_bytes(a)))
                }
                (C::Real32, Array::F32(v)) => plain(page, n, v, f32::from_le_bytes),
                (C::SplitReal32, Array::F32(v)) => split4(page, n, v, f32::from_le_bytes),
                (C::Real64, Array::F64(v)) => plain(page, n, v, f64::from_le_bytes),
                (C::SplitReal64, Array::F64(v)) => split8(page, n, v, f64::from_le_bytes),
                (C::Real32Trunc, Array::F32(v)) => {
                    let bits = self.bits as usize;
                    v.reserve(n);
                    v.extend(
                        (0..n).map(|i| f32::from_bits(packed_item(page, i, bits) << (32 - bits))),
                    );
                }
                (C::Real32Quant, Array::F64(v)) => {
                    let bits = self.bits as usize;
                    let (min, max) = self.range.unwrap_or((0.0, 0.0));
                    let quant_max = ((1u64 << bits) - 1) as f64;
                    let scale = (max - min) / quant_max;
                    v.reserve(n);
                    v.extend((0..n).map(|i| {
                        let q = packed_item(page, i, bits) as f64;
                        (q * scale + min).min(max)
                    }));
                }
                _ => return Err(mismatch()),
            },
            _ => return Err(mismatch()),
        }
        Ok(())
    }
}

/// Convert decoded values to the in-memory type of the field, as ROOT's `CastUnpack` does:
/// integers (and booleans) to any integer type with a range check, reals to float or double.
pub(crate) fn convert(values: Array, target: PrimitiveType) -> std::result::Result<Array, String> {
    use PrimitiveType as P;
    let source = values_type(&values);
    if source == target {
        return Ok(values);
    }
    let is_real = |p: P| matches!(p, P::F32 | P::F64);
    if is_real(source) != is_real(target) {
        return Err(format!(
            "a {} column cannot be read as {}",
            source.root_name(),
            target.root_name()
        ));
    }
    if is_real(source) {
        return Ok(match values {
            Array::F32(v) => Array::F64(v.into_iter().map(f64::from).collect()),
            Array::F64(v) => Array::F32(v.into_iter().map(|x| x as f32).collect()),
            other => other,
        });
    }
    // integers and booleans via i128, checking the range of the target
    let wide: Vec<i128> = match values {
        Array::Bool(v) => v.into_iter().map(i128::from).collect(),
        Array::I8(v) => v.into_iter().map(i128::from).collect(),
        Array::U8(v) => v.into_iter().map(i128::from).collect(),
        Array::I16(v) => v.into_iter().map(i128::from).collect(),
        Array::U16(v) => v.into_iter().map(i128::from).collect(),
        Array::I32(v) => v.into_iter().map(i128::from).collect(),
        Array::U32(v) => v.into_iter().map(i128::from).collect(),
        Array::I64(v) => v.into_iter().map(i128::from).collect(),
        Array::U64(v) => v.into_iter().map(i128::from).collect(),
        _ => Vec::new(),
    };
    macro_rules! narrow {
        ($variant:ident, $t:ty) => {{
            let mut out = Vec::with_capacity(wide.len());
            for x in wide {
                out.push(
                    <$t>::try_from(x).map_err(|_| {
                        format!("value {x} out of range for {}", target.root_name())
                    })?,
                );
            }
            Array::$variant(out)
        }};
    }
    Ok(match target {
        P::Bool => Array::Bool(wide.into_iter().map(|x| x != 0).collect()),
        P::I8 => narrow!(I8, i8),
        P::U8 => narrow!(U8, u8),
        P::I16 => narrow!(I16, i16),
        P::U16 => narrow!(U16, u16),
        P::I32 => narrow!(I32, i32),
        P::U32 => narrow!(U32, u32),
        P::I64 => narrow!(I64, i64),
        // reals returned above
        P::U64 | P::F32 | P::F64 => narrow!(U64, u64),
    })
}

/// The primitive type of a values array (`F64` for non-primitive arrays, which never occur here).
pub(crate) fn values_type(a: &Array) -> PrimitiveType {
    use PrimitiveType as P;
    match a {
        Array::Bool(_) => P::Bool,
        Array::I8(_) => P::I8,
        Array::U8(_) => P::U8,
        Array::I16(_) => P::I16,
        Array::U16(_) => P::U16,
        Array::I32(_) => P::I32,
        Array::U32(_) => P::U32,
        Array::I64(_) => P::I64,
        Array::U64(_) => P::U64,
        Array::F32(_) => P::F32,
        _ => P::F64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(t: ColumnType, bits: u16) -> Decoder {
        Decoder {
            column_type: t,
            bits,
            range: None,
            chars_as_bytes: false,
        }
    }

    #[test]
    fn split_and_zigzag() {
        let vals: [i32; 3] = [1, -2, 300];
        let zz: Vec<u32> = vals
            .iter()
            .map(|&x| ((x << 1) ^ (x >> 31)) as u32)
            .collect();
        let mut page = vec![0u8; 12];
        for (i, z) in zz.iter().enumerate() {
            for (b, byte) in z.to_le_bytes().iter().enumerate() {
                page[b * 3 + i] = *byte;
            }
        }
        let d = dec(ColumnType::SplitInt32, 32);
        let mut out = d.empty().unwrap();
        d.decode(&page, 3, &mut out).unwrap();
        assert_eq!(out, ColumnData::Values(Array::I32(vals.to_vec())));
    }

    #[test]
    fn delta_index_restarts_per_page() {
        // offsets [1, 1, 3] as deltas [1, 0, 2], split over 8 bytes
        let deltas = [1u64, 0, 2];
        let mut page = vec![0u8; 24];
        for (i, d) in deltas.iter().enumerate() {
            for (b, byte) in d.to_le_bytes().iter().enumerate() {
                page[b * 3 + i] = *byte;
            }
        }
        let d = dec(ColumnType::SplitIndex64, 64);
        let mut out = d.empty().unwrap();
        d.decode(&page, 3, &mut out).unwrap();
        d.decode(&page, 3, &mut out).unwrap();
        assert_eq!(out, ColumnData::Index(vec![1, 1, 3, 1, 1, 3]));
    }

    #[test]
    fn offsets_straight_from_pages() {
        // offsets [1, 1, 3] as deltas [1, 0, 2], split over 8 bytes; two pages, base 10
        let deltas = [1u64, 0, 2];
        let mut page = vec![0u8; 24];
        for (i, d) in deltas.iter().enumerate() {
            for (b, byte) in d.to_le_bytes().iter().enumerate() {
                page[b * 3 + i] = *byte;
            }
        }
        let d = dec(ColumnType::SplitIndex64, 64);
        let mut out = vec![0i64, 10];
        let mut prev = 0u64;
        assert_eq!(
            d.decode_offsets(&page, 3, 10, &mut prev, &mut out).unwrap(),
            Ok(())
        );
        assert_eq!(out, [0, 10, 11, 11, 13]);
        assert_eq!(prev, 3);
        // the same page again, as the next page of the column, starts at 1 after 3: a decrease
        let bad = d.decode_offsets(&page, 3, 10, &mut prev, &mut out).unwrap();
        assert_eq!(bad, Err(BadOffsets { prev: 3, next: 1 }));
        assert_eq!(out, [0, 10, 11, 11, 13], "left as it was");
        // plain Index32, and an offset beyond i64::MAX once the base is added
        let d = dec(ColumnType::Index32, 32);
        let mut prev = 0u64;
        let page: Vec<u8> = [2u32, 5].iter().flat_map(|x| x.to_le_bytes()).collect();
        let mut out = vec![0i64];
        d.decode_offsets(&page, 2, 0, &mut prev, &mut out)
            .unwrap()
            .unwrap();
        assert_eq!(out, [0, 2, 5]);
        let mut prev = 0u64;
        let r = d
            .decode_offsets(&page, 2, i64::MAX - 3, &mut prev, &mut out)
            .unwrap();
        assert_eq!(r, Err(BadOffsets { prev: 2, next: 5 }));
        // too short a page, and a column that is not an index column
        assert!(d.decode_offsets(&page, 3, 0, &mut prev, &mut out).is_err());
        let d = dec(ColumnType::Real32, 32);
        assert!(d.decode_offsets(&page, 2, 0, &mut prev, &mut out).is_err());
    }

    #[test]
    fn split_offsets_in_blocks() {
        // enough elements for whole blocks of 256, 8-element groups and a tail
        for (t, width) in [(ColumnType::SplitIndex64, 8), (ColumnType::SplitIndex32, 4)] {
            let n = 1000;
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            let deltas: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if width == 8 {
                        x >> 24
                    } else {
                        x >> 54
                    }
                })
                .collect();
            let mut page = vec![0u8; n * width];
            for (i, d) in deltas.iter().enumerate() {
                for (b, byte) in d.to_le_bytes()[..width].iter().enumerate() {
                    page[b * n + i] = *byte;
                }
            }
            let mut want = vec![0i64, 7];
            let mut acc = 0u64;
            for d in &deltas {
                acc += d;
                want.push(7 + acc as i64);
            }
            let d = dec(t, 8 * width as u16);
            let mut out = vec![0i64, 7];
            let mut prev = 0u64;
            d.decode_offsets(&page, n, 7, &mut prev, &mut out)
                .unwrap()
                .unwrap();
            assert_eq!(out, want, "{t:?}");
            assert_eq!(prev, acc);
        }
    }

    #[test]
    fn bits_trunc_quant() {
        let d = dec(ColumnType::Bit, 1);
        let mut out = d.empty().unwrap();
        d.decode(&[0b1000_0101, 0b1], 9, &mut out).unwrap();
        assert_eq!(
            out,
            ColumnData::Values(Array::Bool(vec![
                true, false, true, false, false, false, false, true, true
            ]))
        );
        // Real32Trunc with 12 bits: the top 12 bits of 1.5f32 and -2.0f32, packed LSB first.
        let a = 1.5f32.to_bits() >> 20;
        let b = (-2.0f32).to_bits() >> 20;
        let packed = a | (b << 12);
        let page = packed.to_le_bytes();
        let d = dec(ColumnType::Real32Trunc, 12);
        let mut out = d.empty().unwrap();
        d.decode(&page[..3], 2, &mut out).unwrap();
        assert_eq!(out, ColumnData::Values(Array::F32(vec![1.5, -2.0])));
        // Real32Quant with 4 bits in [0, 15]: q == value.
        let d = Decoder {
            column_type: ColumnType::Real32Quant,
            bits: 4,
            range: Some((0.0, 15.0)),
            chars_as_bytes: false,
        };
        let mut out = d.empty().unwrap();
        d.decode(&[0x3a], 2, &mut out).unwrap();
        assert_eq!(out, ColumnData::Values(Array::F64(vec![10.0, 3.0])));
        // too short a page
        assert!(d.decode(&[], 2, &mut out).is_err());
    }

    #[test]
    fn half_precision() {
        assert_eq!(half_to_f32(0x3c00), 1.0);
        assert_eq!(half_to_f32(0xc000), -2.0);
        assert_eq!(half_to_f32(0x7bff), 65504.0);
        assert_eq!(half_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(half_to_f32(0x03ff), 1023.0 * 2f32.powi(-24));
        assert!(half_to_f32(0x7c00).is_infinite());
        assert!(half_to_f32(0x7e00).is_nan());
        assert_eq!(half_to_f32(0x8000).to_bits(), 0x8000_0000);
    }

    #[test]
    fn conversions() {
        assert_eq!(
            convert(Array::I32(vec![1, -1]), PrimitiveType::I64).unwrap(),
            Array::I64(vec![1, -1])
        );
        assert!(convert(Array::I32(vec![-1]), PrimitiveType::U8).is_err());
        assert_eq!(
            convert(Array::F32(vec![1.5]), PrimitiveType::F64).unwrap(),
            Array::F64(vec![1.5])
        );
        assert!(convert(Array::F32(vec![1.5]), PrimitiveType::I32).is_err());
        assert_eq!(
            convert(Array::U8(vec![0, 2]), PrimitiveType::Bool).unwrap(),
            Array::Bool(vec![false, true])
        );
    }
}

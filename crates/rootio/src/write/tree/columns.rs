//! The caller's columns, checked against the branch layouts and turned into entry bytes.
//!
//! Entry layouts inside a basket (`root-format.md` §1.10, measured on ROOT 6.40 files):
//!
//! | layout | bytes of one entry |
//! |---|---|
//! | `x/F` (scalar) | the value, big-endian (`Bool_t` as one byte 0/1) |
//! | `x[2][3]/D` (fixed) | the 6 values, row-major |
//! | `x[n]/F` (counted) | the `n` values, nothing else: the counter branch holds `n` |
//! | `vector<T>` | `0x40000000 \| bytecount` (u32), the version 10 (u16), `n` (i32), the values |
//!
//! Arrays are borrowed, never copied: a [`Column`] is a view into the caller's [`Array`].

use std::ops::Range;

use crate::array::{Array, PrimitiveType};
use crate::error::{Error, Result};
use crate::write::buffer::BYTE_COUNT_MASK;

/// The version ROOT 6.40 writes in front of each `std::vector<T>` entry (measured for every
/// primitive `T`).
pub(super) const VECTOR_ENTRY_VERSION: u16 = 10;
/// Bytes in front of each `std::vector<T>` entry: byte count, version, size.
pub(super) const VECTOR_HEADER: usize = 10;
/// The largest entry accepted, so that basket lengths stay far from `Int_t` limits.
pub(super) const MAX_ENTRY_BYTES: usize = 256 << 20;

/// A borrowed slice of primitive values.
#[derive(Debug, Clone, Copy)]
pub(super) enum Values<'a> {
    Bool(&'a [bool]),
    I8(&'a [i8]),
    U8(&'a [u8]),
    I16(&'a [i16]),
    U16(&'a [u16]),
    I32(&'a [i32]),
    U32(&'a [u32]),
    I64(&'a [i64]),
    U64(&'a [u64]),
    F32(&'a [f32]),
    F64(&'a [f64]),
}

/// Append values as big-endian bytes, writing straight into the grown buffer.
macro_rules! put_be {
    ($out:expr, $vals:expr, $size:expr) => {{
        let vals = $vals;
        let start = $out.len();
        $out.resize(start + vals.len() * $size, 0);
        for (d, v) in $out[start..].chunks_exact_mut($size).zip(vals) {
            d.copy_from_slice(&v.to_be_bytes());
        }
    }};
}

impl<'a> Values<'a> {
    /// The values of a primitive array.
    pub(super) fn of(array: &'a Array) -> Option<Values<'a>> {
        Some(match array {
            Array::Bool(v) => Values::Bool(v),
            Array::I8(v) => Values::I8(v),
            Array::U8(v) => Values::U8(v),
            Array::I16(v) => Values::I16(v),
            Array::U16(v) => Values::U16(v),
            Array::I32(v) => Values::I32(v),
            Array::U32(v) => Values::U32(v),
            Array::I64(v) => Values::I64(v),
            Array::U64(v) => Values::U64(v),
            Array::F32(v) => Values::F32(v),
            Array::F64(v) => Values::F64(v),
            _ => return None,
        })
    }

    pub(super) fn primitive(&self) -> PrimitiveType {
        match self {
            Values::Bool(_) => PrimitiveType::Bool,
            Values::I8(_) => PrimitiveType::I8,
            Values::U8(_) => PrimitiveType::U8,
            Values::I16(_) => PrimitiveType::I16,
            Values::U16(_) => PrimitiveType::U16,
            Values::I32(_) => PrimitiveType::I32,
            Values::U32(_) => PrimitiveType::U32,
            Values::I64(_) => PrimitiveType::I64,
            Values::U64(_) => PrimitiveType::U64,
            Values::F32(_) => PrimitiveType::F32,
            Values::F64(_) => PrimitiveType::F64,
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Values::Bool(v) => v.len(),
            Values::I8(v) => v.len(),
            Values::U8(v) => v.len(),
            Values::I16(v) => v.len(),
            Values::U16(v) => v.len(),
            Values::I32(v) => v.len(),
            Values::U32(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::U64(v) => v.len(),
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
        }
    }

    /// Value `i` as an integer, for counters (`None` for floating-point values).
    pub(super) fn integer(&self, i: usize) -> Option<i128> {
        Some(match self {
            Values::I8(v) => v[i] as i128,
            Values::U8(v) => v[i] as i128,
            Values::I16(v) => v[i] as i128,
            Values::U16(v) => v[i] as i128,
            Values::I32(v) => v[i] as i128,
            Values::U32(v) => v[i] as i128,
            Values::I64(v) => v[i] as i128,
            Values::U64(v) => v[i] as i128,
            Values::Bool(_) | Values::F32(_) | Values::F64(_) => return None,
        })
    }

    /// Append `values[range]` big-endian to `out` (ROOT's `WriteFastArray`).
    pub(super) fn put(&self, range: Range<usize>, out: &mut Vec<u8>) {
        match self {
            Values::Bool(v) => out.extend(v[range].iter().map(|b| u8::from(*b))),
            Values::I8(v) => out.extend(v[range].iter().map(|b| *b as u8)),
            Values::U8(v) => out.extend_from_slice(&v[range]),
            Values::I16(v) => put_be!(out, &v[range], 2),
            Values::U16(v) => put_be!(out, &v[range], 2),
            Values::I32(v) => put_be!(out, &v[range], 4),
            Values::U32(v) => put_be!(out, &v[range], 4),
            Values::I64(v) => put_be!(out, &v[range], 8),
            Values::U64(v) => put_be!(out, &v[range], 8),
            Values::F32(v) => put_be!(out, &v[range], 4),
            Values::F64(v) => put_be!(out, &v[range], 8),
        }
    }
}

/// Bytes per value of a primitive type on disk.
pub(super) fn primitive_size(p: PrimitiveType) -> usize {
    match p {
        PrimitiveType::Bool | PrimitiveType::I8 | PrimitiveType::U8 => 1,
        PrimitiveType::I16 | PrimitiveType::U16 => 2,
        PrimitiveType::I32 | PrimitiveType::U32 | PrimitiveType::F32 => 4,
        PrimitiveType::I64 | PrimitiveType::U64 | PrimitiveType::F64 => 8,
    }
}

/// One branch's column for the entries of an `append` call.
#[derive(Debug, Clone, Copy)]
pub(super) enum Column<'a> {
    /// `per_entry` values per entry (1 for a scalar).
    Flat {
        values: Values<'a>,
        per_entry: usize,
    },
    /// `values[offsets[i]..offsets[i + 1]]` per entry, with the `std::vector` header or not.
    Jagged {
        values: Values<'a>,
        offsets: &'a [i64],
        vector: bool,
    },
}

impl<'a> Column<'a> {
    /// Number of entries.
    pub(super) fn len(&self) -> usize {
        match self {
            Column::Flat { values, per_entry } => values.len() / per_entry,
            Column::Jagged { offsets, .. } => offsets.len() - 1,
        }
    }

    /// Bytes of entry `i` in a basket.
    pub(super) fn entry_bytes(&self, i: usize) -> usize {
        match self {
            Column::Flat { values, per_entry } => per_entry * primitive_size(values.primitive()),
            Column::Jagged {
                values,
                offsets,
                vector,
            } => {
                let n = (offsets[i + 1] - offsets[i]) as usize;
                n * primitive_size(values.primitive()) + if *vector { VECTOR_HEADER } else { 0 }
            }
        }
    }

    /// Bytes of every entry, when they are all the same (flat columns).
    pub(super) fn fixed_entry_bytes(&self) -> Option<usize> {
        match self {
            Column::Flat { .. } => Some(self.entry_bytes(0)),
            Column::Jagged { .. } => None,
        }
    }

    /// Append the bytes of entries `range` to `out`; `starts` gets each entry's position in
    /// `out` plus `base` (ROOT's key-relative entry offsets), for jagged columns.
    pub(super) fn put(
        &self,
        range: Range<usize>,
        out: &mut Vec<u8>,
        starts: Option<(&mut Vec<i32>, usize)>,
    ) {
        match self {
            Column::Flat { values, per_entry } => {
                values.put(range.start * per_entry..range.end * per_entry, out);
            }
            Column::Jagged {
                values,
                offsets,
                vector,
            } => {
                let size = primitive_size(values.primitive());
                let mut starts = starts;
                if !*vector {
                    if let Some((s, base)) = starts.as_mut() {
                        let first = offsets[range.start];
                        let at = *base + out.len();
                        s.extend(
                            offsets[range.clone()]
                                .iter()
                                .map(|o| (at + (o - first) as usize * size) as i32),
                        );
                    }
                    values.put(
                        offsets[range.start] as usize..offsets[range.end] as usize,
                        out,
                    );
                    return;
                }
                for i in range {
                    if let Some((s, base)) = starts.as_mut() {
                        s.push((*base + out.len()) as i32);
                    }
                    let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
                    // Byte count: version + size + values (checked against MAX_ENTRY_BYTES).
                    let count = (2 + 4 + (b - a) * size) as u32;
                    out.extend_from_slice(&(count | BYTE_COUNT_MASK).to_be_bytes());
                    out.extend_from_slice(&VECTOR_ENTRY_VERSION.to_be_bytes());
                    out.extend_from_slice(&((b - a) as i32).to_be_bytes());
                    values.put(a..b, out);
                }
            }
        }
    }
}

/// Check the offsets of a jagged array: `n + 1` values from 0, non-decreasing, ending at the
/// number of values, and no entry larger than [`MAX_ENTRY_BYTES`].
pub(super) fn check_offsets(offsets: &[i64], nvalues: usize, value_size: usize) -> Result<()> {
    let (Some(&first), Some(&last)) = (offsets.first(), offsets.last()) else {
        return Err(Error::invalid_input(
            "a jagged array needs at least one offset (0)",
        ));
    };
    if first != 0 || last < 0 || last as u64 != nvalues as u64 {
        return Err(Error::invalid_input(format!(
            "jagged offsets must start at 0 and end at the number of values ({nvalues}); \
             they go from {first} to {last}"
        )));
    }
    let max_values = (MAX_ENTRY_BYTES / value_size.max(1)) as i64;
    if let Some((i, w)) = offsets
        .windows(2)
        .enumerate()
        .find(|(_, w)| w[1] < w[0] || w[1] - w[0] > max_values)
    {
        return Err(Error::invalid_input(if w[1] < w[0] {
            format!(
                "jagged offsets decrease at entry {i} ({} then {})",
                w[0], w[1]
            )
        } else {
            format!(
                "entry {i} has {} values, more than the {max_values} one entry may hold",
                w[1] - w[0]
            )
        }));
    }
    Ok(())
}

//! Arrow-shaped columns: what reading a branch produces.
//!
//! A primitive column is one contiguous buffer. A jagged column is `offsets` (length n + 1,
//! starting at 0) plus a values column. Strings are offsets into one byte buffer. These shapes
//! hand over to numpy, awkward and Arrow without copying.

use crate::offsets::Offsets;

/// The primitive element types a branch can hold in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrimitiveType {
    /// `Bool_t`
    Bool,
    /// `Char_t`
    I8,
    /// `UChar_t`
    U8,
    /// `Short_t`
    I16,
    /// `UShort_t`
    U16,
    /// `Int_t`
    I32,
    /// `UInt_t`
    U32,
    /// `Long64_t`
    I64,
    /// `ULong64_t`
    U64,
    /// `Float_t` (also `Float16_t` in memory)
    F32,
    /// `Double_t` (also `Double32_t` in memory)
    F64,
}

impl PrimitiveType {
    /// The C++ name, as ROOT spells it.
    pub fn root_name(self) -> &'static str {
        match self {
            PrimitiveType::Bool => "Bool_t",
            PrimitiveType::I8 => "Char_t",
            PrimitiveType::U8 => "UChar_t",
            PrimitiveType::I16 => "Short_t",
            PrimitiveType::U16 => "UShort_t",
            PrimitiveType::I32 => "Int_t",
            PrimitiveType::U32 => "UInt_t",
            PrimitiveType::I64 => "Long64_t",
            PrimitiveType::U64 => "ULong64_t",
            PrimitiveType::F32 => "Float_t",
            PrimitiveType::F64 => "Double_t",
        }
    }
}

/// A column of values for a range of entries.
#[derive(Debug, Clone, PartialEq)]
pub enum Array {
    /// Booleans.
    Bool(Vec<bool>),
    /// Signed 8-bit integers.
    I8(Vec<i8>),
    /// Unsigned 8-bit integers.
    U8(Vec<u8>),
    /// Signed 16-bit integers.
    I16(Vec<i16>),
    /// Unsigned 16-bit integers.
    U16(Vec<u16>),
    /// Signed 32-bit integers.
    I32(Vec<i32>),
    /// Unsigned 32-bit integers.
    U32(Vec<u32>),
    /// Signed 64-bit integers.
    I64(Vec<i64>),
    /// Unsigned 64-bit integers.
    U64(Vec<u64>),
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
    /// A variable-length list per entry: `values[offsets[i]..offsets[i+1]]`.
    Jagged {
        /// n + 1 offsets, starting at 0 (shared with the other fields of a collection when
        /// the reader found them equal: [`Offsets`]).
        offsets: Offsets,
        /// The concatenated contents.
        values: Box<Array>,
    },
    /// A fixed-length list per entry (`x[3]`): `values[i*size..(i+1)*size]`.
    Fixed {
        /// Elements per entry.
        size: usize,
        /// The concatenated contents.
        values: Box<Array>,
    },
    /// A record (a C++ object) per entry: one column per data member, all of the same length.
    Record {
        /// `(member name, column)`, in streaming order.
        fields: Vec<(String, Array)>,
        /// Number of entries (kept explicitly, since a record may have no fields).
        len: usize,
    },
    /// A string per entry: `data[offsets[i]..offsets[i+1]]` (bytes, normally UTF-8).
    Strings {
        /// n + 1 offsets, starting at 0.
        offsets: Vec<i64>,
        /// The concatenated bytes.
        data: Vec<u8>,
    },
}

macro_rules! for_each_primitive {
    ($m:ident) => {
        $m!(Bool, bool);
        $m!(I8, i8);
        $m!(U8, u8);
        $m!(I16, i16);
        $m!(U16, u16);
        $m!(I32, i32);
        $m!(U32, u32);
        $m!(I64, i64);
        $m!(U64, u64);
        $m!(F32, f32);
        $m!(F64, f64);
    };
}

impl Array {
    /// Remove all entries but keep the allocated buffers, so the array can be read into again
    /// without new memory (see [`crate::Tree::read_branches_into`]).
    pub fn clear(&mut self) {
        macro_rules! arm {
            ($v:ident, $t:ty) => {
                if let Array::$v(x) = self {
                    x.clear();
                    return;
                }
            };
        }
        for_each_primitive!(arm);
        match self {
            Array::Jagged { offsets, values } => {
                offsets.reset();
                values.clear();
            }
            Array::Strings { offsets, data } => {
                offsets.clear();
                offsets.push(0);
                data.clear();
            }
            Array::Fixed { values, .. } => values.clear(),
            Array::Record { fields, len } => {
                for (_, f) in fields {
                    f.clear();
                }
                *len = 0;
            }
            _ => {}
        }
    }

    /// An empty column of the same shape and type.
    pub fn empty_like(&self) -> Array {
        match self {
            Array::Jagged { values, .. } => Array::Jagged {
                offsets: vec![0].into(),
                values: Box::new(values.empty_like()),
            },
            Array::Fixed { size, values } => Array::Fixed {
                size: *size,
                values: Box::new(values.empty_like()),
            },
            Array::Strings { .. } => Array::Strings {
                offsets: vec![0],
                data: Vec::new(),
            },
            Array::Record { fields, .. } => Array::Record {
                fields: fields
                    .iter()
                    .map(|(n, a)| (n.clone(), a.empty_like()))
                    .collect(),
                len: 0,
            },
            _ => self.slice(0, 0),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        macro_rules! arm {
            ($v:ident, $t:ty) => {
                if let Array::$v(x) = self {
                    return x.len();
                }
            };
        }
        for_each_primitive!(arm);
        match self {
            Array::Jagged { offsets, .. } => offsets.len().saturating_sub(1),
            Array::Strings { offsets, .. } => offsets.len().saturating_sub(1),
            Array::Fixed { size, values } => {
                if *size == 0 {
                    0
                } else {
                    values.len() / size
                }
            }
            Array::Record { len, .. } => *len,
            _ => 0,
        }
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries `start..stop` as a new array (offsets rebased to 0).
    pub fn slice(&self, start: usize, stop: usize) -> Array {
        let stop = stop.min(self.len());
        let start = start.min(stop);
        macro_rules! arm {
            ($v:ident, $t:ty) => {
                if let Array::$v(x) = self {
                    return Array::$v(x[start..stop].to_vec());
                }
            };
        }
        for_each_primitive!(arm);
        match self {
            Array::Jagged { offsets, values } => {
                let (a, b) = (offsets[start], offsets[stop]);
                Array::Jagged {
                    offsets: offsets[start..=stop].iter().map(|o| o - a).collect(),
                    values: Box::new(values.slice(a as usize, b as usize)),
                }
            }
            Array::Strings { offsets, data } => {
                let (a, b) = (offsets[start], offsets[stop]);
                Array::Strings {
                    offsets: offsets[start..=stop].iter().map(|o| o - a).collect(),
                    data: data[a as usize..b as usize].to_vec(),
                }
            }
            Array::Fixed { size, values } => Array::Fixed {
                size: *size,
                values: Box::new(values.slice(start * size, stop * size)),
            },
            Array::Record { fields, .. } => Array::Record {
                fields: fields
                    .iter()
                    .map(|(n, a)| (n.clone(), a.slice(start, stop)))
                    .collect(),
                len: stop - start,
            },
            _ => self.clone(),
        }
    }

    /// Concatenate arrays of the same type (e.g. one per basket) into buffers allocated once.
    /// Mismatched types yield `None`.
    pub fn concat(parts: Vec<Array>) -> Option<Array> {
        let mut first = parts.first()?.empty_like();
        first.reserve_for(&parts);
        for p in parts {
            first.append(p)?;
        }
        Some(first)
    }

    /// Reserve room for appending all of `parts`.
    pub(crate) fn reserve_for(&mut self, parts: &[Array]) {
        macro_rules! arm {
            ($v:ident, $t:ty) => {
                if let Array::$v(x) = self {
                    x.reserve(parts.iter().map(|p| p.len()).sum());
                    return;
                }
            };
        }
        for_each_primitive!(arm);
        match self {
            Array::Jagged { offsets, values } => {
                offsets.reserve(parts.iter().map(|p| p.len()).sum());
                let total: usize = parts
                    .iter()
                    .map(|p| match p {
                        Array::Jagged { values, .. } => values.len(),
                        _ => 0,
                    })
                    .sum();
                values.reserve_len(total);
            }
            Array::Strings { offsets, data } => {
                offsets.reserve(parts.iter().map(|p| p.len()).sum());
                data.reserve(
                    parts
                        .iter()
                        .map(|p| match p {
                            Array::Strings { data, .. } => data.len(),
                            _ => 0,
                        })
                        .sum(),
                );
            }
            Array::Fixed { size, values } => {
                let n: usize = parts.iter().map(|p| p.len()).sum();
                values.reserve_len(n * *size);
            }
            _ => {}
        }
    }

    /// Reserve room for `n` more entries (for nested arrays: in the outermost buffer only).
    fn reserve_len(&mut self, n: usize) {
        macro_rules! arm {
            ($v:ident, $t:ty) => {
                if let Array::$v(x) = self {
                    x.reserve(n);
                    return;
                }
            };
        }
        for_each_primitive!(arm);
        match self {
            Array::Jagged { offsets, .. } => offsets.reserve(n),
            Array::Strings { offsets, .. } => offsets.reserve(n),
            Array::Fixed { size, values } => values.reserve_len(n * *size),
            _ => {}
        }
    }

    /// Append `other` (same type) to `self`.
    pub fn append(&mut self, other: Array) -> Option<()> {
        macro_rules! arm {
            ($v:ident, $t:ty) => {
                if let Array::$v(x) = self {
                    if let Array::$v(y) = other {
                        x.extend_from_slice(&y);
                        return Some(());
                    }
                    return None;
                }
            };
        }
        for_each_primitive!(arm);
        match (self, other) {
            (
                Array::Jagged { offsets, values },
                Array::Jagged {
                    offsets: o2,
                    values: v2,
                },
            ) => {
                let base = *offsets.last()?;
                offsets.extend(o2.iter().skip(1).map(|o| o + base));
                values.append(*v2)
            }
            (
                Array::Strings { offsets, data },
                Array::Strings {
                    offsets: o2,
                    data: d2,
                },
            ) => {
                let base = *offsets.last()?;
                offsets.extend(o2.iter().skip(1).map(|o| o + base));
                data.extend_from_slice(&d2);
                Some(())
            }
            (
                Array::Fixed { size, values },
                Array::Fixed {
                    size: s2,
                    values: v2,
                },
            ) if *size == s2 => values.append(*v2),
            (
                Array::Record { fields, len },
                Array::Record {
                    fields: f2,
                    len: l2,
                },
            ) if fields.len() == f2.len() => {
                for ((_, a), (_, b)) in fields.iter_mut().zip(f2) {
                    a.append(b)?;
                }
                *len += l2;
                Some(())
            }
            _ => None,
        }
    }

    /// A short description of the type, e.g. `var * float32`.
    pub fn type_name(&self) -> String {
        match self {
            Array::Bool(_) => "bool".into(),
            Array::I8(_) => "int8".into(),
            Array::U8(_) => "uint8".into(),
            Array::I16(_) => "int16".into(),
            Array::U16(_) => "uint16".into(),
            Array::I32(_) => "int32".into(),
            Array::U32(_) => "uint32".into(),
            Array::I64(_) => "int64".into(),
            Array::U64(_) => "uint64".into(),
            Array::F32(_) => "float32".into(),
            Array::F64(_) => "float64".into(),
            Array::Jagged { values, .. } => format!("var * {}", values.type_name()),
            Array::Fixed { size, values } => format!("{size} * {}", values.type_name()),
            Array::Strings { .. } => "string".into(),
            Array::Record { fields, .. } => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(n, a)| format!("{n}: {}", a.type_name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Write entry `i` as JSON into `out`: numbers (floats in the shortest form that reads
    /// back exactly, also through an `f64` parser), booleans, strings, lists and records as
    /// objects; NaN and infinities as `"nan"`, `"inf"`, `"-inf"`; an index past the end as
    /// `null`. See [`crate::json`].
    pub fn write_json(&self, i: usize, out: &mut String) {
        crate::json::write_value(self, i, out)
    }
}

pub use crate::json::json_string;

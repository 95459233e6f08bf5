//! The schema description: field and column records from the header envelope and from the
//! footer's schema extension (`BinaryFormatSpecification.md`, "Header Envelope", "Footer Envelope").
//!
//! Field ids and physical column ids are the positions in the serialized lists, the extension's
//! continuing after the header's. Top-level fields name themselves as their parent. Alias columns
//! (of projected fields) have no id of their own: they attach a physical column to another field.

use super::column::ColumnType;
use super::frame::Reader;
use crate::error::{Error, Result};

/// Field flag: a repetitive (fixed-size array) field, followed by its `u64` repetition count.
const FLAG_REPETITIVE: u16 = 0x01;
/// Field flag: a projected field, followed by the `u32` id of its source field.
const FLAG_PROJECTED: u16 = 0x02;
/// Field flag: a ROOT type checksum (`u32`) follows.
const FLAG_CHECKSUM: u16 = 0x04;
/// Column flag: a deferred column, followed by its `i64` first element index.
const COLUMN_DEFERRED: u16 = 0x01;
/// Column flag: a value range (two `f64`) follows.
const COLUMN_RANGE: u16 = 0x02;

/// Fields nest at most this deep (a loop guard for corrupt parent ids).
pub(crate) const MAX_DEPTH: usize = 64;

/// The structural role of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructuralRole {
    /// A leaf field (or a wrapper with one subfield, like an enum or `std::atomic`).
    Leaf,
    /// The parent of a collection (`std::vector`, `RVec`, `std::set`, `std::map`, `std::optional`, …).
    Collection,
    /// The parent of a record (a class, `std::pair`, `std::tuple`, an untyped record).
    Record,
    /// The parent of a `std::variant`.
    Variant,
    /// An object stored with the ROOT streamer into a byte column.
    Streamer,
    /// A role this reader does not know.
    Unknown(u16),
}

impl StructuralRole {
    fn from_u16(v: u16) -> StructuralRole {
        match v {
            0 => StructuralRole::Leaf,
            1 => StructuralRole::Collection,
            2 => StructuralRole::Record,
            3 => StructuralRole::Variant,
            4 => StructuralRole::Streamer,
            other => StructuralRole::Unknown(other),
        }
    }
}

/// One field record.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRecord {
    /// Field version (schema evolution).
    pub field_version: u32,
    /// Type version (schema evolution).
    pub type_version: u32,
    /// The parent field id (the field's own id for a top-level field).
    pub parent: u32,
    /// The structural role.
    pub role: StructuralRole,
    /// Field flags (0x01 repetitive, 0x02 projected, 0x04 type checksum, 0x08 SoA collection).
    pub flags: u16,
    /// The field name (`_0`, `_1`, … for the items of collections, pairs, tuples and variants;
    /// `:_0` for base classes).
    pub name: String,
    /// The normalized C++ type name (`std::vector<float>`), empty for untyped records.
    pub type_name: String,
    /// The type alias as written (`Double32_t`), often empty.
    pub type_alias: String,
    /// The field description.
    pub description: String,
    /// Elements per entry of a repetitive field (`std::array<T, N>`, `std::bitset<N>`), else 0.
    pub repetition: u64,
    /// The source field of a projected field.
    pub projection_source: Option<u32>,
    /// The ROOT type checksum, if stored.
    pub type_checksum: Option<u32>,
}

impl FieldRecord {
    fn read(r: &mut Reader<'_>) -> Result<FieldRecord> {
        let field_version = r.u32()?;
        let type_version = r.u32()?;
        let parent = r.u32()?;
        let role = StructuralRole::from_u16(r.u16()?);
        let flags = r.u16()?;
        let name = r.string()?;
        let type_name = r.string()?;
        let type_alias = r.string()?;
        let description = r.string()?;
        let repetition = if flags & FLAG_REPETITIVE != 0 {
            r.u64()?
        } else {
            0
        };
        let projection_source = if flags & FLAG_PROJECTED != 0 {
            Some(r.u32()?)
        } else {
            None
        };
        let type_checksum = if flags & FLAG_CHECKSUM != 0 {
            Some(r.u32()?)
        } else {
            None
        };
        Ok(FieldRecord {
            field_version,
            type_version,
            parent,
            role,
            flags,
            name,
            type_name,
            type_alias,
            description,
            repetition,
            projection_source,
            type_checksum,
        })
    }

    /// Whether the field is a fixed-size array (`std::array`, `std::bitset`).
    pub fn is_repetitive(&self) -> bool {
        self.flags & FLAG_REPETITIVE != 0
    }
}

/// One physical column record.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRecord {
    /// The on-disk column type.
    pub column_type: ColumnType,
    /// Bits per element on storage.
    pub bits: u16,
    /// The field the column belongs to.
    pub field: u32,
    /// Column flags (0x01 deferred, 0x02 value range).
    pub flags: u16,
    /// The representation index among the field's alternative column representations.
    pub representation: u16,
    /// First element index of a deferred column (0 otherwise); elements before it read as zero.
    pub first_element: u64,
    /// A deferred column that is suppressed up to and including the cluster of its first element.
    pub suppressed_deferred: bool,
    /// The value range `[min, max]` (Real32Quant columns).
    pub value_range: Option<(f64, f64)>,
}

impl ColumnRecord {
    fn read(r: &mut Reader<'_>) -> Result<ColumnRecord> {
        let column_type = ColumnType::from_u16(r.u16()?);
        let bits = r.u16()?;
        let field = r.u32()?;
        let flags = r.u16()?;
        let representation = r.u16()?;
        let (first_element, suppressed_deferred) = if flags & COLUMN_DEFERRED != 0 {
            let v = r.i64()?;
            (v.unsigned_abs(), v < 0)
        } else {
            (0, false)
        };
        let value_range = if flags & COLUMN_RANGE != 0 {
            Some((r.f64()?, r.f64()?))
        } else {
            None
        };
        Ok(ColumnRecord {
            column_type,
            bits,
            field,
            flags,
            representation,
            first_element,
            suppressed_deferred,
            value_range,
        })
    }

    /// Whether the column was added after the first entries were written.
    pub fn is_deferred(&self) -> bool {
        self.flags & COLUMN_DEFERRED != 0
    }
}

/// The four lists of a schema description.
#[derive(Debug, Clone, Default)]
pub(crate) struct SchemaPart {
    pub fields: Vec<FieldRecord>,
    pub columns: Vec<ColumnRecord>,
    /// `(physical column id, field id)`
    pub aliases: Vec<(u32, u32)>,
}

impl SchemaPart {
    pub fn read(r: &mut Reader<'_>) -> Result<SchemaPart> {
        let fields = r.list_of_records(FieldRecord::read)?;
        let columns = r.list_of_records(ColumnRecord::read)?;
        let aliases = r.list_of_records(|r| Ok((r.u32()?, r.u32()?)))?;
        // Extra type information: content 0 is a streamed `TList` of `TStreamerInfo` for the
        // streamer fields, which this reader does not decode. Parsed for validation only.
        r.list_of_records(|r| {
            let _content_id = r.u32()?;
            let _type_version = r.u32()?;
            let _type_name = r.string()?;
            let n = r.u32()? as usize;
            r.bytes(n).map(|_| ())
        })?;
        Ok(SchemaPart {
            fields,
            columns,
            aliases,
        })
    }
}

/// The header envelope's payload.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub feature_flags: Vec<u64>,
    pub name: String,
    pub description: String,
    pub writer: String,
    pub schema: SchemaPart,
}

impl Header {
    pub fn read(r: &mut Reader<'_>) -> Result<Header> {
        let feature_flags = r.feature_flags()?;
        let name = r.string()?;
        let description = r.string()?;
        let writer = r.string()?;
        let schema = SchemaPart::read(r)?;
        Ok(Header {
            feature_flags,
            name,
            description,
            writer,
            schema,
        })
    }
}

/// Reject feature flags this reader does not know (none are defined in format 1.0).
pub(crate) fn check_feature_flags(words: &[u64], what: &str) -> Result<()> {
    if let Some((k, w)) = words.iter().enumerate().find(|(_, w)| **w != 0) {
        let bit = w.trailing_zeros() as usize + 63 * k;
        return Err(Error::unsupported(format!(
            "the {what} sets feature flag bit {bit}, unknown to this reader (RNTuple format 1.0 defines none)"
        )));
    }
    Ok(())
}

//! How a field's columns become an [`Array`]: the reading plan ([`Layout`]) of a field, built
//! from its structural role, type name and columns. The mapping to array shapes is tabulated in
//! the documentation of [`crate::rntuple`].

use super::column::{empty_values, ColumnType, Natural};
use super::schema::{StructuralRole, MAX_DEPTH};
use super::Schema;
use crate::array::{Array, PrimitiveType};

/// The reading plan of a field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Layout {
    /// Values from the field's own (first) column, converted to `target`.
    Leaf { field: usize, target: PrimitiveType },
    /// `std::string`: an index column and a char column.
    String { field: usize },
    /// `RNTupleCardinality`: the lengths of the collection behind an index column.
    Cardinality { field: usize, wide: bool },
    /// A collection: the field's index column, then `item` for the items.
    Collection { field: usize, item: Box<Layout> },
    /// A fixed number of items per element.
    Fixed { size: usize, item: Box<Layout> },
    /// A record of sub-layouts, all with the element count of the record.
    Record { fields: Vec<(String, Layout)> },
    /// A variant: the field's switch column, then one layout per alternative.
    Variant {
        field: usize,
        alternatives: Vec<(String, Layout)>,
    },
}

/// The in-memory type of a leaf field, from its type name (or its column for an unknown name).
fn leaf_target(type_name: &str, column: ColumnType) -> Result<PrimitiveType, String> {
    use PrimitiveType as P;
    let t = type_name.strip_prefix("std::").unwrap_or(type_name);
    Ok(match t {
        "bool" => P::Bool,
        "char" | "int8_t" | "signed char" => P::I8,
        "uint8_t" | "byte" | "unsigned char" => P::U8,
        "int16_t" | "short" => P::I16,
        "uint16_t" | "unsigned short" => P::U16,
        "int32_t" | "int" => P::I32,
        "uint32_t" | "unsigned int" => P::U32,
        "int64_t" | "long" | "long long" => P::I64,
        "uint64_t" | "unsigned long" | "unsigned long long" => P::U64,
        "float" => P::F32,
        "double" | "Double32_t" => P::F64,
        _ => match column.natural() {
            Some(Natural::Prim(p)) => p,
            _ => {
                return Err(format!(
                    "leaf field of type '{type_name}' with a {} column",
                    column.name()
                ))
            }
        },
    })
}

/// Build the reading plan of field `id`.
pub(crate) fn plan(s: &Schema, id: usize) -> Result<Layout, String> {
    plan_at(s, id, 0)
}

fn plan_at(s: &Schema, id: usize, depth: usize) -> Result<Layout, String> {
    if depth > MAX_DEPTH {
        return Err("fields nest too deeply".into());
    }
    let f = &s.fields[id];
    let children = &f.children;
    let first_column = s.representation_columns(id, 0).first().copied();
    let column_type = |c: usize| s.columns[c].column_type;
    match f.role {
        StructuralRole::Streamer => Err(format!(
            "'{}' ({}) is stored with the ROOT streamer (structural role 4), which hepframe does not decode",
            f.name, f.type_name
        )),
        StructuralRole::Unknown(r) => Err(format!("unknown structural role {r}")),
        StructuralRole::Collection => {
            let Some(c) = first_column else {
                return Err("collection field without an index column".into());
            };
            if !column_type(c).is_index() {
                return Err(format!(
                    "collection field with a {} column instead of an index column",
                    column_type(c).name()
                ));
            }
            let item = match children.as_slice() {
                [] => return Err("collection field without an item field".into()),
                [one] => plan_at(s, *one, depth + 1)?,
                many => Layout::Record {
                    fields: record_members(s, many, depth + 1)?,
                },
            };
            Ok(Layout::Collection {
                field: id,
                item: Box::new(item),
            })
        }
        StructuralRole::Record => {
            let inner = Layout::Record {
                fields: record_members(s, children, depth + 1)?,
            };
            repeat(f.repetition, f.is_repetitive(), inner)
        }
        StructuralRole::Variant => {
            let Some(c) = first_column else {
                return Err("variant field without a switch column".into());
            };
            if column_type(c) != ColumnType::Switch {
                return Err(format!(
                    "variant field with a {} column instead of a switch column",
                    column_type(c).name()
                ));
            }
            let alternatives = children
                .iter()
                .map(|&k| Ok((s.fields[k].name.clone(), plan_at(s, k, depth + 1)?)))
                .collect::<Result<Vec<_>, String>>()?;
            Ok(Layout::Variant {
                field: id,
                alternatives,
            })
        }
        StructuralRole::Leaf => {
            if let Some(c) = first_column {
                let t = f.type_name.as_str();
                let inner = if t == "std::string" {
                    let cols = s.representation_columns(id, 0);
                    if cols.len() != 2 || !column_type(cols[0]).is_index() {
                        return Err("std::string field without an index and a char column".into());
                    }
                    Layout::String { field: id }
                } else if let Some(arg) = t.strip_prefix("ROOT::RNTupleCardinality<") {
                    if !column_type(c).is_index() {
                        return Err("RNTupleCardinality field without an index column".into());
                    }
                    Layout::Cardinality {
                        field: id,
                        wide: arg.contains("64"),
                    }
                } else {
                    Layout::Leaf {
                        field: id,
                        target: leaf_target(t, column_type(c))?,
                    }
                };
                return repeat(f.repetition, f.is_repetitive(), inner);
            }
            match children.as_slice() {
                // std::array<T, N>, or a wrapper (enum, std::atomic) around its one subfield
                [one] => repeat(f.repetition, f.is_repetitive(), plan_at(s, *one, depth + 1)?),
                [] => Err(format!("leaf field '{}' has no columns", f.name)),
                _ => Err(format!("leaf field '{}' has several subfields", f.name)),
            }
        }
    }
}

fn repeat(n: u64, repetitive: bool, inner: Layout) -> Result<Layout, String> {
    if !repetitive {
        return Ok(inner);
    }
    let size = usize::try_from(n)
        .ok()
        .filter(|&n| n > 0 && n <= 1 << 32)
        .ok_or_else(|| format!("fixed-size array of {n} elements"))?;
    Ok(fixed(size, inner))
}

/// `size` items of `inner` per element. Nested fixed-size arrays are flattened into one, as
/// the TTree reader gives `x[3][2]` (`std::array<std::array<T, 2>, 3>` reads as `Fixed { size: 6 }`).
pub(crate) fn fixed(size: usize, inner: Layout) -> Layout {
    match inner {
        Layout::Fixed { size: m, item } if size.checked_mul(m).is_some() => Layout::Fixed {
            size: size * m,
            item,
        },
        other => Layout::Fixed {
            size,
            item: Box::new(other),
        },
    }
}

/// The members of a record: its subfields, base classes (`:_0`, `:_1`, …) flattened in.
fn record_members(
    s: &Schema,
    children: &[usize],
    depth: usize,
) -> Result<Vec<(String, Layout)>, String> {
    let mut out = Vec::new();
    for &k in children {
        let c = &s.fields[k];
        let layout = plan_at(s, k, depth)?;
        match layout {
            Layout::Record { fields } if c.name.starts_with(':') => out.extend(fields),
            other => out.push((c.name.clone(), other)),
        }
    }
    Ok(out)
}

impl Layout {
    /// An empty array of this layout's shape.
    pub fn empty(&self) -> Array {
        match self {
            Layout::Leaf { target, .. } => empty_values(*target),
            Layout::String { .. } => Array::Strings {
                offsets: vec![0],
                data: Vec::new(),
            },
            Layout::Cardinality { wide, .. } => {
                if *wide {
                    Array::U64(Vec::new())
                } else {
                    Array::U32(Vec::new())
                }
            }
            Layout::Collection { item, .. } => Array::Jagged {
                offsets: vec![0].into(),
                values: Box::new(item.empty()),
            },
            Layout::Fixed { size, item } => Array::Fixed {
                size: *size,
                values: Box::new(item.empty()),
            },
            Layout::Record { fields } => Array::Record {
                fields: fields.iter().map(|(n, l)| (n.clone(), l.empty())).collect(),
                len: 0,
            },
            Layout::Variant { alternatives, .. } => Array::Record {
                fields: alternatives
                    .iter()
                    .map(|(n, l)| {
                        (
                            n.clone(),
                            Array::Jagged {
                                offsets: vec![0].into(),
                                values: Box::new(l.empty()),
                            },
                        )
                    })
                    .collect(),
                len: 0,
            },
        }
    }

    /// The fields whose columns this layout reads.
    pub fn fields(&self, out: &mut Vec<usize>) {
        match self {
            Layout::Leaf { field, .. }
            | Layout::String { field }
            | Layout::Cardinality { field, .. } => out.push(*field),
            Layout::Collection { field, item } => {
                out.push(*field);
                item.fields(out);
            }
            Layout::Fixed { item, .. } => item.fields(out),
            Layout::Record { fields } => fields.iter().for_each(|(_, l)| l.fields(out)),
            Layout::Variant {
                field,
                alternatives,
            } => {
                out.push(*field);
                alternatives.iter().for_each(|(_, l)| l.fields(out));
            }
        }
    }
}

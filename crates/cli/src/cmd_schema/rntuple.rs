//! `schema` for an RNTuple: entries, clusters and cluster groups, and a table of every field,
//! sub-fields indented under their record or collection, with its C++ type, its columns, page
//! counts, sizes and compression.
//!
//! Sizes come from the page lists: COMPRESSED is the pages' size on storage, UNCOMPRESSED that
//! of their packed elements, counted for the columns a field owns (a collection owns its offset
//! column, its items `_0` the values). ALGORITHM is read from the block header of the field's
//! first compressed page, as for TTree baskets; `none` when every page is stored raw. A field
//! that hepframe cannot read says why in the NOTE column.

use std::io::Write;

use anyhow::Result;
use rootio::rntuple::{ColumnType, Field, StructuralRole};
use rootio::RNTuple;

use super::{cluster_list, ratio};
use crate::format::{human_bytes, one_line, truncate};
use crate::pages::{algorithm, own_columns, subtree_columns, PageStats};
use crate::table::Table;

/// The header lines: name, file, writer, entries, clusters, fields.
pub fn write_summary(nt: &RNTuple, out: &mut dyn Write) -> Result<()> {
    let description = if nt.description.is_empty() {
        String::new()
    } else {
        format!("  \"{}\"", one_line(&nt.description))
    };
    let (a, b, c, d) = nt.anchor.version;
    writeln!(
        out,
        "rntuple   {} (ROOT::RNTuple, format {a}.{b}.{c}.{d}){description}",
        nt.path
    )?;
    writeln!(out, "file      {}", nt.file().path().display())?;
    if !nt.writer.is_empty() {
        writeln!(out, "writer    {}", nt.writer)?;
    }
    writeln!(out, "entries   {}", nt.entries)?;
    let clusters = nt.clusters();
    let groups = nt.cluster_groups().len();
    let in_groups = match groups {
        1 => " in 1 group".to_string(),
        n => format!(" in {n} groups"),
    };
    writeln!(
        out,
        "clusters  {}{in_groups}: {}",
        clusters.len(),
        cluster_list(&clusters)
    )?;
    let top = nt.fields().len();
    let all = nt.all_fields().len();
    let unreadable = nt.fields().iter().filter(|f| f.array_type.is_err()).count();
    let unreadable = if unreadable > 0 {
        format!(", {unreadable} not readable")
    } else {
        String::new()
    };
    writeln!(
        out,
        "fields    {top} ({all} with sub-fields{unreadable}), {} columns",
        nt.columns().len()
    )?;
    Ok(())
}

/// One row per field, depth first, and a total.
pub fn field_table(nt: &RNTuple) -> Table {
    let headers = [
        "field",
        "type",
        "columns",
        "pages",
        "compressed",
        "uncompressed",
        "ratio",
        "algorithm",
        "note",
    ];
    let right = [false, false, false, true, true, true, true, false, false];
    let mut table = Table::new(
        headers.iter().map(|h| h.to_string()).collect(),
        right.to_vec(),
    );
    let fields = nt.all_fields();
    let mut total = PageStats::default();
    let mut rows = 0usize;
    // Depth-first, children in id order; every field has one parent, so each is visited once
    // (the bound guards against a damaged schema anyway).
    let mut stack: Vec<(usize, usize)> = nt.fields().iter().rev().map(|f| (f.id, 0)).collect();
    while let Some((id, depth)) = stack.pop() {
        let Some(f) = fields.get(id) else { continue };
        if rows >= fields.len() {
            break;
        }
        rows += 1;
        stack.extend(f.children.iter().rev().map(|&c| (c, depth + 1)));
        let own = own_columns(nt, id);
        let stats = PageStats::of(nt, &own);
        total.pages += stats.pages;
        total.compressed = total.compressed.saturating_add(stats.compressed);
        total.uncompressed = total.uncompressed.saturating_add(stats.uncompressed);
        let (algo, problem) = match algorithm(nt, &own) {
            Ok(a) => (a, None),
            Err(e) => (
                "?".to_string(),
                Some(format!("cannot read the first page: {}", e.kind)),
            ),
        };
        let mut row = vec![
            format!("{}{}", "  ".repeat(depth), f.name),
            truncate(&type_text(f), 40),
            truncate(&columns_text(nt, f), 40),
        ];
        if own.is_empty() {
            row.extend(["", "", "", "", ""].map(String::from));
        } else {
            row.extend([
                stats.pages.to_string(),
                bytes(stats.compressed),
                bytes(stats.uncompressed),
                ratio(signed(stats.uncompressed), signed(stats.compressed)),
                algo,
            ]);
        }
        row.push(truncate(&problem.unwrap_or_else(|| note(nt, f)), 100));
        table.push(row);
    }
    table.push(vec![
        format!("total ({rows} fields)"),
        String::new(),
        format!("{} columns", nt.columns().len()),
        total.pages.to_string(),
        bytes(total.compressed),
        bytes(total.uncompressed),
        ratio(signed(total.uncompressed), signed(total.compressed)),
    ]);
    table
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn bytes(n: u64) -> String {
    human_bytes(signed(n))
}

/// The C++ type, with its alias: `double (Double32_t)`.
fn type_text(f: &Field) -> String {
    let t = if f.type_name.is_empty() {
        match f.role {
            StructuralRole::Record => "(untyped record)".to_string(),
            StructuralRole::Collection => "(untyped collection)".to_string(),
            _ => "-".to_string(),
        }
    } else {
        f.type_name.clone()
    };
    if f.type_alias.is_empty() {
        t
    } else {
        format!("{t} ({})", f.type_alias)
    }
}

/// The field's columns by representation: `SplitIndex64 + Char`, `SplitReal32 | Real16`, `-`.
fn columns_text(nt: &RNTuple, f: &Field) -> String {
    let records = nt.columns();
    let mut reps: Vec<(u16, Vec<String>)> = Vec::new();
    for &c in &f.columns {
        let Some(r) = records.get(c) else { continue };
        let text = column_text(r.column_type, r.bits);
        match reps.iter_mut().find(|(k, _)| *k == r.representation) {
            Some((_, v)) => v.push(text),
            None => reps.push((r.representation, vec![text])),
        }
    }
    if reps.is_empty() {
        return "-".into();
    }
    reps.sort_by_key(|(k, _)| *k);
    reps.into_iter()
        .map(|(_, v)| v.join(" + "))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A column type, with its bit width where the type allows several (`Real32Quant(20 bits)`).
fn column_text(t: ColumnType, bits: u16) -> String {
    match t.bit_range() {
        Some((lo, hi)) if lo != hi => format!("{}({bits} bits)", t.name()),
        _ => t.name(),
    }
}

/// What a reader should know about a field: unreadable, projected, added late.
fn note(nt: &RNTuple, f: &Field) -> String {
    let mut notes = Vec::new();
    if let Err(why) = &f.array_type {
        notes.push(format!("unsupported: {why}"));
    }
    if let Some(src) = f.projected_from.and_then(|s| nt.all_fields().get(s)) {
        notes.push(format!("projected from {}", src.path));
    }
    if f.late && f.parent.is_none() {
        notes.push(match first_entry(nt, f) {
            Some(n) => format!("added at entry {n} (late model extension)"),
            None => "added while writing (late model extension)".into(),
        });
    }
    notes.join("; ")
}

/// The first entry with data of a field added late: the first element of a deferred column
/// that holds one element per entry: the first column (an offset or value column, not the
/// characters of a string) of the field or of a sub-field reached through records only.
fn first_entry(nt: &RNTuple, top: &Field) -> Option<u64> {
    let fields = nt.all_fields();
    let records = nt.columns();
    let per_entry = |column: usize| -> Option<u64> {
        let r = records.get(column)?;
        if !r.is_deferred() {
            return None;
        }
        let field = r.field as usize;
        let first_of_representation = fields.get(field)?.columns.iter().find(|&&c| {
            records
                .get(c)
                .is_some_and(|x| x.representation == r.representation)
        });
        if first_of_representation != Some(&column) {
            return None;
        }
        let mut id = field;
        for _ in 0..fields.len() {
            let f = fields.get(id)?;
            if f.is_repetitive() || (id != field && f.role != StructuralRole::Record) {
                return None;
            }
            match f.parent {
                Some(p) => id = p,
                None => return Some(r.first_element),
            }
        }
        None
    };
    subtree_columns(nt, top.id)
        .into_iter()
        .filter_map(per_entry)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_texts() {
        assert_eq!(column_text(ColumnType::SplitReal32, 32), "SplitReal32");
        assert_eq!(
            column_text(ColumnType::Real32Quant, 20),
            "Real32Quant(20 bits)"
        );
        assert_eq!(column_text(ColumnType::Bit, 1), "Bit");
    }
}

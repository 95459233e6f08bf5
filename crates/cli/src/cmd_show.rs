//! `hepframe show FILE:NAME`: the first entries of a TTree or RNTuple as a table for people
//! (a histogram or graph is shown by [`crate::show_plottable`]).
//!
//! One row per entry and one column per branch or field. When the table would be wider than
//! the terminal (`$COLUMNS`, else 120 characters), long cells are cut shorter (down to
//! [`MIN_CELL`] characters); if it still does not fit it is printed transposed: one block per
//! entry with a `name  value` line per branch or field. Floats show six significant digits and
//! long lists and strings are cut with `…`; `dump` prints exact values.

use std::io::Write;

use anyhow::Result;
use rootio::{Array, ErrorKind, ReadOptions, RootFile};

use crate::entries::EntrySpec;
use crate::format::{cell, is_numeric, pad};
use crate::select::{fixed_shape, nest_fixed, select, warn_skipped};
use crate::show_corrections;
use crate::show_plottable;
use crate::table::Table;
use crate::target::{self, open_dataset, Target};

/// Widest cell in the table layout.
const MAX_CELL: usize = 40;
/// Cells may be cut down to this width to fit a table on the screen before it is transposed.
const MIN_CELL: usize = 12;
/// Terminal width when `$COLUMNS` is not set.
const DEFAULT_WIDTH: usize = 120;
/// Entries of a tree or RNTuple shown without `-n`.
pub const DEFAULT_ENTRIES: usize = 10;
/// Bins of a histogram or points of a graph shown without `-n`.
pub const DEFAULT_BINS: usize = 100;

/// What to show.
#[derive(Debug, Clone)]
pub struct ShowOptions {
    /// At most this many entries (bins, points); `None`: [`DEFAULT_ENTRIES`] entries,
    /// [`DEFAULT_BINS`] bins or points.
    pub limit: Option<usize>,
    /// Branch or field globs (all data branches or all top-level fields if empty).
    pub branches: Vec<String>,
    /// The entry range to start from.
    pub entries: EntrySpec,
    /// Decoding threads (0 = all cores).
    pub threads: usize,
    /// Suppress warnings about skipped branches or fields.
    pub quiet: bool,
}

/// Show entries of the TTree or RNTuple named by `arg`, or the bins of a histogram or the points
/// of a graph.
pub fn run(arg: &str, opts: &ShowOptions, out: &mut dyn Write) -> Result<()> {
    let target = Target::parse(arg);
    if show_corrections::is_correction_file(&target.file) {
        return show_corrections::run(&target.file, target.tree.as_deref(), out);
    }
    let file = RootFile::open(&target.file)?;
    if let Some(path) = target.tree.as_deref() {
        let class = file.key(path).map(|k| k.class_name).unwrap_or_default();
        if show_plottable::is_plottable_class(&class) {
            show_plottable::check_options(&opts.branches)?;
            let limit = opts.limit.unwrap_or(DEFAULT_BINS);
            return show_plottable::run(&file, path, limit, opts.entries, out);
        }
    }
    let data = open_dataset(&file, target.tree.as_deref()).map_err(also_plottables)?;
    let limit = opts.limit.unwrap_or(DEFAULT_ENTRIES);
    let selection = select(&data, &opts.branches)?;
    warn_skipped(&selection, opts.quiet);
    let (kind, entries) = (target::kind(&data), data.entries());
    let range = opts.entries.resolve(entries);
    let shown = range.start..range.end.min(range.start.saturating_add(limit as u64));
    if selection.columns.is_empty() {
        let what = match selection.noun {
            "branch" => "branches with data",
            _ => "fields",
        };
        writeln!(out, "(the {kind} has no {what})")?;
        return Ok(());
    }
    if range.is_empty() {
        if entries == 0 {
            writeln!(out, "(the {kind} has no entries)")?;
        } else {
            let spec = opts.entries;
            writeln!(
                out,
                "(the range {spec} holds no entries; the {kind} has {entries})"
            )?;
        }
        return Ok(());
    }
    if shown.is_empty() {
        return Ok(());
    }
    let names = selection.names();
    let columns = data.read(
        &names,
        shown.clone(),
        &ReadOptions {
            threads: opts.threads,
        },
    )?;
    // `m[2][3]` shows as 2 lists of 3 (the column holds the values flat).
    let columns: Vec<Array> = columns
        .into_iter()
        .zip(&names)
        .map(|(c, n)| nest_fixed(c, &fixed_shape(&data, n)))
        .collect();
    let width = terminal_width();
    let table = build_table(&names, &columns, shown.start, MAX_CELL);
    if table.width() <= width {
        table.write(out)?;
    } else if let Some(cap) = fitting_cap(&names, &table.widths(), width) {
        build_table(&names, &columns, shown.start, cap).write(out)?;
    } else {
        write_transposed(&names, &columns, shown.start, width, out)?;
    }
    if shown.end < range.end {
        writeln!(
            out,
            "… {} more entries (of {}); use -n N or --entries START:STOP to see others",
            range.end - shown.end,
            entries
        )?;
    }
    Ok(())
}

/// `show` also shows histograms and graphs: say so when the object is something else.
fn also_plottables(e: anyhow::Error) -> anyhow::Error {
    match e.downcast::<rootio::Error>() {
        Ok(mut e) => {
            if let ErrorKind::WrongClass { expected, .. } = &mut *e.kind {
                *expected = "TTree, RNTuple, histogram or graph";
            }
            e.into()
        }
        Err(e) => e,
    }
}

/// `$COLUMNS` if it is a sensible number, else [`DEFAULT_WIDTH`].
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w >= 20)
        .unwrap_or(DEFAULT_WIDTH)
}

/// The widest cell limit (at least [`MIN_CELL`]) at which a table with these natural column
/// widths (`widths[0]` is the entry number) fits in `width`, if any. Headers are never cut.
fn fitting_cap(names: &[&str], widths: &[usize], width: usize) -> Option<usize> {
    let (entry, rest) = widths.split_first()?;
    (MIN_CELL..MAX_CELL).rev().find(|&cap| {
        let cells: usize = rest
            .iter()
            .zip(names)
            .map(|(&w, name)| w.min(cap.max(name.chars().count())))
            .sum();
        entry + cells + 2 * rest.len() <= width
    })
}

fn build_table(names: &[&str], columns: &[Array], first: u64, max_cell: usize) -> Table {
    let mut headers = vec!["entry".to_string()];
    headers.extend(names.iter().map(|n| n.to_string()));
    let mut right = vec![true];
    right.extend(columns.iter().map(is_numeric));
    let mut table = Table::new(headers, right);
    let n = columns.first().map(Array::len).unwrap_or(0);
    for i in 0..n {
        let mut row = vec![(first + i as u64).to_string()];
        row.extend(columns.iter().map(|c| cell(c, i, max_cell)));
        table.push(row);
    }
    table
}

fn write_transposed(
    names: &[&str],
    columns: &[Array],
    first: u64,
    width: usize,
    out: &mut dyn Write,
) -> Result<()> {
    let name_w = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(width / 2);
    let value_w = width.saturating_sub(name_w + 4).max(20);
    let n = columns.first().map(Array::len).unwrap_or(0);
    for i in 0..n {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "entry {}", first + i as u64)?;
        for (name, col) in names.iter().zip(columns) {
            let line = format!("  {}  {}", pad(name, name_w, false), cell(col, i, value_w));
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_shrink_to_fit() {
        let names = ["a", "long_branch_name", "c"];
        // entry, then three columns of natural widths 40, 40, 5.
        let widths = [5, 40, 40, 5];
        assert_eq!(fitting_cap(&names, &widths, 200), Some(MAX_CELL - 1));
        // 5 + 2*cap + 5 + 6 <= 60 gives cap = 22.
        assert_eq!(fitting_cap(&names, &widths, 60), Some(22));
        assert_eq!(fitting_cap(&names, &widths, 30), None);
    }
}

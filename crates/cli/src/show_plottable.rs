//! `hepframe show FILE:NAME` for a histogram or a graph: a header describing the object, then a
//! table for people.
//!
//! A histogram (`TH1`/`TH2`/`TH3` of any storage type, `TProfile`, `TProfile2D`,
//! `TProfile3D`) prints its class, title, axes, entries and sum of weights, then one row per
//! global bin in ROOT's order (x fastest), flow bins included and marked: the global bin
//! number, the range of each axis bin (`[0, 1)`, `< 0` for underflow, `>= 10` for overflow) or
//! its label, the content and error as ROOT's `GetBinContent`/`GetBinError` give them, and for
//! a profile the entries (Σw) of the bin. A graph prints one row per point with its errors.
//!
//! Rows are limited by `-n` and chosen by `--entries START:STOP` (a row is a bin or a point);
//! numbers show six significant digits.

use std::io::Write;

use anyhow::{bail, Result};
use rootio::histogram::{GraphErrors, ProfileErrorMode};
use rootio::{Plottable, RootAxis, RootFile, RootGraph, RootHistogram};

use crate::entries::EntrySpec;
use crate::format::{compact_float as num, one_line};
use crate::table::Table;

/// Whether `show` treats a key of this class as a histogram or graph (readable or not: the
/// reader's error then says why not).
pub fn is_plottable_class(class: &str) -> bool {
    ["TH1", "TH2", "TH3", "THn", "TProfile", "TGraph"]
        .iter()
        .any(|p| class.starts_with(p))
}

/// Print the histogram or graph at `path`, rows `entries` (at most `limit` of them).
pub fn run(
    file: &RootFile,
    path: &str,
    limit: usize,
    entries: EntrySpec,
    out: &mut dyn Write,
) -> Result<()> {
    let (header, table, rows) = match file.read_plottable(path)? {
        Plottable::Histogram(h) => {
            let range = rows_to_show(entries, h.ncells(), limit);
            (
                histogram_header(&h),
                bin_table(&h, range.clone()),
                (range, h.ncells(), "bins"),
            )
        }
        Plottable::Graph(g) => {
            let range = rows_to_show(entries, g.len(), limit);
            (
                graph_header(&g),
                point_table(&g, range.clone()),
                (range, g.len(), "points"),
            )
        }
    };
    for line in header {
        writeln!(out, "{line}")?;
    }
    let (range, total, noun) = rows;
    if total == 0 {
        writeln!(out, "(no {noun})")?;
        return Ok(());
    }
    if range.is_empty() {
        writeln!(
            out,
            "(the range {entries} holds no {noun}; there are {total})"
        )?;
        return Ok(());
    }
    table.write(out)?;
    let hidden = total - (range.end - range.start);
    if hidden > 0 {
        writeln!(
            out,
            "… {hidden} more {noun} (of {total}); use -n N or --entries START:STOP to see others"
        )?;
    }
    Ok(())
}

/// Options of `show` that only apply to trees are refused for histograms and graphs.
pub fn check_options(branches: &[String]) -> Result<()> {
    if !branches.is_empty() {
        bail!("--branches selects branches of a tree or fields of an RNTuple; a histogram or graph has none");
    }
    Ok(())
}

fn rows_to_show(entries: EntrySpec, total: usize, limit: usize) -> std::ops::Range<usize> {
    let r = entries.resolve(total as u64);
    let start = r.start as usize;
    start..(r.end as usize).min(start.saturating_add(limit))
}

fn histogram_header(h: &RootHistogram) -> Vec<String> {
    let mut lines = vec![format!("{} {} \"{}\"", h.class, h.name, one_line(&h.title))];
    for (i, a) in h.axes.iter().enumerate() {
        lines.push(format!(
            "  {} axis: {}",
            ["x", "y", "z"][i],
            describe_axis(a)
        ));
    }
    let sumw2 = if h.has_sumw2() { "yes" } else { "no" };
    lines.push(format!(
        "  entries: {}   sum of weights (in range): {}   Σw² per bin: {sumw2}",
        num(h.entries),
        num(h.sum_of_weights())
    ));
    if let Some(p) = &h.profile {
        let mode = match p.error_mode {
            ProfileErrorMode::Spread => "'s' (spread of the values)",
            ProfileErrorMode::SpreadI => "'i' (spread, integer values)",
            ProfileErrorMode::SpreadG => "'g' (1/sqrt(Σw))",
            _ => "default (error on the mean)",
        };
        lines.push(format!("  contents are bin means; error mode {mode}"));
    }
    lines
}

fn describe_axis(a: &RootAxis) -> String {
    let mut s = if a.is_variable() {
        let edges: Vec<String> = a.xbins.iter().map(|&e| num(e)).collect();
        let shown = if edges.len() > 12 {
            format!(
                "{}, …, {}",
                edges[..5].join(", "),
                edges[edges.len() - 3..].join(", ")
            )
        } else {
            edges.join(", ")
        };
        format!("{} variable bins, edges {shown}", a.nbins)
    } else {
        format!("{} bins from {} to {}", a.nbins, num(a.xmin), num(a.xmax))
    };
    if !a.labels.is_empty() {
        s.push_str(&format!(", {} labelled", a.labels.len()));
    }
    if !a.title.is_empty() {
        s.push_str(&format!(" \"{}\"", one_line(&a.title)));
    }
    s
}

/// The cell of axis bin `b`: its label, its range, or the flow side.
fn bin_cell(a: &RootAxis, b: usize) -> String {
    if let Some(l) = a.label(b) {
        return one_line(l);
    }
    let b = b as i64;
    if b == 0 {
        format!("< {}", num(a.xmin))
    } else if b > a.nbins as i64 {
        format!(">= {}", num(a.xmax))
    } else {
        format!("[{}, {})", num(a.bin_low_edge(b)), num(a.bin_up_edge(b)))
    }
}

fn bin_table(h: &RootHistogram, rows: std::ops::Range<usize>) -> Table {
    let names = ["x", "y", "z"];
    let mut headers = vec!["bin".to_string()];
    headers.extend(names[..h.dimension].iter().map(|s| s.to_string()));
    headers.extend(["content".to_string(), "error".to_string()]);
    if h.is_profile() {
        headers.push("entries".into());
    }
    headers.push(String::new());
    let mut right = vec![true];
    right.extend(std::iter::repeat_n(false, h.dimension));
    right.extend([true, true, true, false]);
    let mut table = Table::new(headers, right);
    for bin in rows {
        let (x, y, z) = h.bin_xyz(bin);
        let mut row = vec![bin.to_string()];
        for (a, b) in h.axes.iter().zip([x, y, z]) {
            row.push(bin_cell(a, b));
        }
        row.push(num(h.bin_content(bin)));
        row.push(num(h.bin_error(bin)));
        if let Some(p) = &h.profile {
            row.push(num(p.bin_entries(bin)));
        }
        row.push(flow_mark(h, bin).to_string());
        table.push(row);
    }
    table
}

fn flow_mark(h: &RootHistogram, bin: usize) -> &'static str {
    if !h.is_flow_bin(bin) {
        return "";
    }
    if h.dimension > 1 {
        return "flow";
    }
    if bin == 0 {
        "underflow"
    } else {
        "overflow"
    }
}

fn graph_header(g: &RootGraph) -> Vec<String> {
    vec![
        format!("{} {} \"{}\"", g.class, g.name, one_line(&g.title)),
        format!("  {} points", g.len()),
    ]
}

fn point_table(g: &RootGraph, rows: std::ops::Range<usize>) -> Table {
    let errors: &[&str] = match &g.errors {
        GraphErrors::Symmetric { .. } => &["ex", "ey"],
        GraphErrors::Asymmetric { .. } => &["exlow", "exhigh", "eylow", "eyhigh"],
        _ => &[],
    };
    let mut headers = vec!["point".to_string(), "x".into(), "y".into()];
    headers.extend(errors.iter().map(|s| s.to_string()));
    let right = vec![true; headers.len()];
    let mut table = Table::new(headers, right);
    for i in rows {
        let mut row = vec![i.to_string(), num(g.x[i]), num(g.y[i])];
        match &g.errors {
            GraphErrors::Symmetric { .. } => {
                row.extend([num(g.error_x(i)), num(g.error_y(i))]);
            }
            GraphErrors::Asymmetric { .. } => row.extend([
                num(g.error_x_low(i)),
                num(g.error_x_high(i)),
                num(g.error_y_low(i)),
                num(g.error_y_high(i)),
            ]),
            _ => {}
        }
        table.push(row);
    }
    table
}

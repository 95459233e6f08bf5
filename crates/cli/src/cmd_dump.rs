//! `hepframe dump FILE:NAME`: every selected entry of a TTree or RNTuple as JSON Lines or CSV,
//! exactly.
//!
//! The dataset is read in chunks of whole clusters (split further when a cluster is very large),
//! sized so that one chunk of the selected columns takes about [`CHUNK_BYTES`] in memory;
//! memory stays bounded however large the file is. Values are written by
//! [`rootio::json::write_value`], the same for a branch and for the equivalent field: integers
//! as they are, floats in the shortest form that reads back to the same `f32`/`f64`, NaN and
//! infinities as the strings `"nan"`, `"inf"`, `"-inf"`.
//!
//! In CSV, lists and records are written as their JSON text in one quoted field
//! (`"[1.5,2.5]"`, `"{""x"":1.0}"`), strings as CSV fields, and non-finite floats as bare
//! `nan`, `inf`, `-inf`.

use std::io::Write;
use std::ops::Range;

use anyhow::{anyhow, Result};
use rootio::array::json_string;
use rootio::{Array, ReadOptions};

use crate::entries::EntrySpec;
use crate::format::{csv_field, string_at};
use crate::select::{fixed_shape, nest_fixed, select, warn_skipped};
use crate::target::Target;
use rootio::json::write_value;

/// Uncompressed bytes of the selected columns to hold in memory at a time (roughly).
const CHUNK_BYTES: u64 = 64 << 20;
/// Chunk size limits, in entries.
const MIN_CHUNK: u64 = 1_000;
const MAX_CHUNK: u64 = 100_000;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DumpFormat {
    /// One JSON object per line, keys in the order of the branches or fields.
    #[default]
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// What to dump.
#[derive(Debug, Clone)]
pub struct DumpOptions {
    /// Branch or field globs (all data branches or all top-level fields if empty).
    pub branches: Vec<String>,
    /// The entry range.
    pub entries: EntrySpec,
    /// The output format.
    pub format: DumpFormat,
    /// Decoding threads (0 = all cores).
    pub threads: usize,
    /// Suppress warnings about skipped branches or fields.
    pub quiet: bool,
}

/// Dump the TTree or RNTuple named by `arg` to `out`.
pub fn run(arg: &str, opts: &DumpOptions, out: &mut dyn Write) -> Result<()> {
    let data = Target::parse(arg).open()?;
    let selection = select(&data, &opts.branches)?;
    warn_skipped(&selection, opts.quiet);
    let names = selection.names();
    let shapes: Vec<Vec<usize>> = names.iter().map(|n| fixed_shape(&data, n)).collect();
    let range = opts.entries.resolve(data.entries());
    // Sizes come from the file: add without trusting them not to overflow.
    let bytes = selection
        .columns
        .iter()
        .fold(0u64, |acc, c| acc.saturating_add(c.bytes));
    let per_entry = bytes.checked_div(data.entries()).unwrap_or(0).max(1);
    let target = (CHUNK_BYTES / per_entry).clamp(MIN_CHUNK, MAX_CHUNK);
    let mut writer = match opts.format {
        DumpFormat::Jsonl => RowWriter::jsonl(&names),
        DumpFormat::Csv => RowWriter::csv(&names, out)?,
    };
    if names.is_empty() {
        return Ok(());
    }
    let options = ReadOptions {
        threads: opts.threads,
    };
    for chunk in chunks(&data.cluster_ends(), range, target) {
        // `m[2][3]` prints as 2 lists of 3 (the column holds the values flat).
        let columns: Vec<Array> = data
            .read(&names, chunk.clone(), &options)?
            .into_iter()
            .zip(&shapes)
            .map(|(c, shape)| nest_fixed(c, shape))
            .collect();
        let n = (chunk.end - chunk.start) as usize;
        if let Some((name, c)) = names.iter().zip(&columns).find(|(_, c)| c.len() != n) {
            return Err(anyhow!(
                "internal error: {} '{name}' gave {} entries for {}..{}",
                selection.noun,
                c.len(),
                chunk.start,
                chunk.end
            ));
        }
        for i in 0..n {
            writer.row(&columns, i, out)?;
        }
    }
    Ok(())
}

/// Cut `range` into chunks of about `target` entries that start and end on cluster
/// boundaries (`cluster_ends`: the end entry of each cluster), except where one cluster alone
/// is larger than `target`.
pub fn chunks(cluster_ends: &[u64], range: Range<u64>, target: u64) -> Vec<Range<u64>> {
    let target = target.max(1);
    let mut bounds: Vec<u64> = cluster_ends
        .iter()
        .copied()
        .filter(|&e| e > range.start && e < range.end)
        .collect();
    bounds.sort_unstable();
    bounds.dedup();
    bounds.push(range.end);
    let mut out = Vec::new();
    let (mut chunk_start, mut prev) = (range.start, range.start);
    for end in bounds {
        if end.saturating_sub(chunk_start) > target {
            if prev > chunk_start {
                out.push(chunk_start..prev);
                chunk_start = prev;
            }
            while end - chunk_start > target {
                out.push(chunk_start..chunk_start + target);
                chunk_start += target;
            }
        }
        prev = end;
    }
    if chunk_start < range.end {
        out.push(chunk_start..range.end);
    }
    out
}

/// Formats rows in one of the two formats, reusing its line buffer.
struct RowWriter {
    format: DumpFormat,
    /// JSON: `"name":` per column (escaped once); unused for CSV.
    keys: Vec<String>,
    line: String,
    scratch: String,
}

impl RowWriter {
    fn jsonl(names: &[&str]) -> RowWriter {
        let keys = names
            .iter()
            .map(|n| {
                let mut k = String::new();
                json_string(&mut k, n);
                k.push(':');
                k
            })
            .collect();
        RowWriter {
            format: DumpFormat::Jsonl,
            keys,
            line: String::new(),
            scratch: String::new(),
        }
    }

    /// A CSV writer; writes the header row now.
    fn csv(names: &[&str], out: &mut dyn Write) -> Result<RowWriter> {
        let mut header = String::new();
        for (k, n) in names.iter().enumerate() {
            if k > 0 {
                header.push(',');
            }
            csv_field(&mut header, n);
        }
        header.push('\n');
        out.write_all(header.as_bytes())?;
        Ok(RowWriter {
            format: DumpFormat::Csv,
            keys: Vec::new(),
            line: String::new(),
            scratch: String::new(),
        })
    }

    fn row(&mut self, columns: &[Array], i: usize, out: &mut dyn Write) -> Result<()> {
        self.line.clear();
        match self.format {
            DumpFormat::Jsonl => {
                self.line.push('{');
                for (k, (key, col)) in self.keys.iter().zip(columns).enumerate() {
                    if k > 0 {
                        self.line.push(',');
                    }
                    self.line.push_str(key);
                    write_value(col, i, &mut self.line);
                }
                self.line.push('}');
            }
            DumpFormat::Csv => {
                for (k, col) in columns.iter().enumerate() {
                    if k > 0 {
                        self.line.push(',');
                    }
                    csv_value(col, i, &mut self.line, &mut self.scratch);
                }
            }
        }
        self.line.push('\n');
        out.write_all(self.line.as_bytes())?;
        Ok(())
    }
}

/// Entry `i` of `col` as one CSV field.
fn csv_value(col: &Array, i: usize, line: &mut String, scratch: &mut String) {
    match col {
        Array::Strings { .. } => csv_field(line, &string_at(col, i).unwrap_or_default()),
        Array::Jagged { .. } | Array::Fixed { .. } | Array::Record { .. } => {
            scratch.clear();
            write_value(col, i, scratch);
            csv_field(line, scratch);
        }
        _ => {
            // Numbers and booleans need no quoting; non-finite floats lose their JSON quotes.
            scratch.clear();
            write_value(col, i, scratch);
            line.push_str(scratch.trim_matches('"'));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(v: &[(u64, u64)]) -> Vec<Range<u64>> {
        v.iter().map(|&(a, b)| a..b).collect()
    }

    fn ends(v: &[(u64, u64)]) -> Vec<u64> {
        v.iter().map(|&(_, b)| b).collect()
    }

    #[test]
    fn chunks_follow_clusters() {
        let clusters: Vec<u64> = (1..=10).map(|k| k * 100).collect();
        assert_eq!(
            chunks(&clusters, 0..1000, 250),
            ranges(&[(0, 200), (200, 400), (400, 600), (600, 800), (800, 1000)])
        );
        assert_eq!(
            chunks(&clusters, 150..420, 250),
            ranges(&[(150, 400), (400, 420)])
        );
        assert_eq!(chunks(&clusters, 0..1000, 5000), ranges(&[(0, 1000)]));
        assert!(chunks(&clusters, 500..500, 10).is_empty());
    }

    #[test]
    fn big_clusters_are_split() {
        assert_eq!(
            chunks(&ends(&[(0, 1000)]), 0..1000, 300),
            ranges(&[(0, 300), (300, 600), (600, 900), (900, 1000)])
        );
        assert_eq!(chunks(&[], 0..10, 4), ranges(&[(0, 4), (4, 8), (8, 10)]));
        // Every entry is covered exactly once.
        let clusters = ends(&[(0, 7), (7, 500), (500, 510), (510, 2000)]);
        let c = chunks(&clusters, 3..1999, 100);
        assert_eq!(c.first().map(|r| r.start), Some(3));
        assert_eq!(c.last().map(|r| r.end), Some(1999));
        assert!(c.windows(2).all(|w| w[0].end == w[1].start));
        assert!(c.iter().all(|r| r.end - r.start <= 100 && r.start < r.end));
    }

    #[test]
    fn csv_values() {
        let (mut line, mut scratch) = (String::new(), String::new());
        csv_value(&Array::F64(vec![f64::NAN]), 0, &mut line, &mut scratch);
        line.push(',');
        let jag = Array::Jagged {
            offsets: vec![0, 2].into(),
            values: Box::new(Array::F32(vec![1.5, 2.5])),
        };
        csv_value(&jag, 0, &mut line, &mut scratch);
        line.push(',');
        let s = Array::Strings {
            offsets: vec![0, 3],
            data: b"a,b".to_vec(),
        };
        csv_value(&s, 0, &mut line, &mut scratch);
        assert_eq!(line, "nan,\"[1.5,2.5]\",\"a,b\"");
    }
}

//! Plain-text tables with aligned columns, as printed by `schema` and `show`.

use std::io::Write;

use crate::format::pad;

/// Columns separated by this many spaces.
const GAP: &str = "  ";

/// A table: a header row and rows of cells, each column left- or right-aligned.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers; `right[k]` right-aligns column `k` (numbers).
    pub fn new(headers: Vec<String>, right: Vec<bool>) -> Table {
        Table {
            headers,
            right,
            rows: Vec::new(),
        }
    }

    /// Add a row (missing cells print empty, extra cells are ignored).
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The width of each column: its widest cell or header.
    pub fn widths(&self) -> Vec<usize> {
        self.headers
            .iter()
            .enumerate()
            .map(|(k, h)| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(k))
                    .map(|c| c.chars().count())
                    .chain([h.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The total width of a printed line.
    pub fn width(&self) -> usize {
        let w = self.widths();
        w.iter().sum::<usize>() + GAP.len() * w.len().saturating_sub(1)
    }

    /// Print the header and the rows.
    pub fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let widths = self.widths();
        self.write_row(out, &self.headers, &widths)?;
        for r in &self.rows {
            self.write_row(out, r, &widths)?;
        }
        Ok(())
    }

    fn write_row(
        &self,
        out: &mut dyn Write,
        row: &[String],
        widths: &[usize],
    ) -> std::io::Result<()> {
        let mut line = String::new();
        for (k, w) in widths.iter().enumerate() {
            if k > 0 {
                line.push_str(GAP);
            }
            let cell = row.get(k).map(String::as_str).unwrap_or("");
            line.push_str(&pad(cell, *w, self.right.get(k).copied().unwrap_or(false)));
        }
        writeln!(out, "{}", line.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(vec!["name".into(), "n".into()], vec![false, true]);
        t.push(vec!["a".into(), "1".into()]);
        t.push(vec!["longer".into(), "100".into()]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "name      n\na         1\nlonger  100\n");
        assert_eq!(t.width(), 11);
    }
}

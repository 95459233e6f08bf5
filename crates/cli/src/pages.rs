//! Sizes and compression of RNTuple fields, from the page lists: what `schema` shows and what
//! `dump` sizes its chunks by.
//!
//! A page's locator gives its size on storage; its size before compression is that of its
//! packed elements (`elements × bits ÷ 8`, rounded up), which is also what ROOT stores when
//! compression would not shrink the page. Page checksums are counted in neither.

use rootio::compression::{block_algorithm, Algorithm, HEADER_SIZE};
use rootio::rntuple::Locator;
use rootio::RNTuple;

/// Pages and bytes of some columns over all clusters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageStats {
    /// Pages.
    pub pages: usize,
    /// Bytes on storage.
    pub compressed: u64,
    /// Bytes before compression.
    pub uncompressed: u64,
}

impl PageStats {
    /// The stats of physical columns `columns` (ids) of `nt`.
    pub fn of(nt: &RNTuple, columns: &[usize]) -> PageStats {
        let mut s = PageStats::default();
        for &c in columns {
            for_pages(nt, c, |loc, packed| {
                s.pages += 1;
                s.compressed = s.compressed.saturating_add(loc.size);
                s.uncompressed = s.uncompressed.saturating_add(packed);
                true
            });
        }
        s
    }
}

/// Call `f(locator, packed size)` for each page of physical column `column`, cluster by cluster,
/// while it returns `true`.
fn for_pages(nt: &RNTuple, column: usize, mut f: impl FnMut(Locator, u64) -> bool) {
    let Some(record) = nt.columns().get(column) else {
        return;
    };
    let bits = u64::from(record.bits);
    for cluster in nt.cluster_details() {
        let Some(pages) = cluster.columns.get(column) else {
            continue;
        };
        for p in &pages.pages {
            let packed = u64::from(p.elements).saturating_mul(bits).div_ceil(8);
            if !f(p.locator, packed) {
                return;
            }
        }
    }
}

/// The physical columns that belong to field `field` itself (not the ones a projected field
/// borrows from its source).
pub fn own_columns(nt: &RNTuple, field: usize) -> Vec<usize> {
    let Some(f) = nt.all_fields().get(field) else {
        return Vec::new();
    };
    f.columns
        .iter()
        .copied()
        .filter(|&c| {
            nt.columns()
                .get(c)
                .is_some_and(|r| r.field as usize == field)
        })
        .collect()
}

/// The own columns of `field` and of every field below it.
pub fn subtree_columns(nt: &RNTuple, field: usize) -> Vec<usize> {
    let fields = nt.all_fields();
    let mut out = Vec::new();
    let mut stack = vec![field];
    // Each field has one parent, so a field is visited at most once; bound the walk anyway.
    let mut budget = fields.len();
    while let Some(id) = stack.pop() {
        if budget == 0 {
            break;
        }
        budget -= 1;
        out.extend(own_columns(nt, id));
        if let Some(f) = fields.get(id) {
            stack.extend(f.children.iter().copied());
        }
    }
    out
}

/// The compression algorithm of these columns' pages: that of the first compressed page (one
/// smaller than its packed elements), read from its block header; `none` if every page is stored
/// raw, `-` if there are no pages.
pub fn algorithm(nt: &RNTuple, columns: &[usize]) -> rootio::Result<String> {
    let mut first: Option<Locator> = None;
    let mut any = false;
    for &c in columns {
        for_pages(nt, c, |loc, packed| {
            any = true;
            if loc.size < packed {
                first = Some(loc);
                return false;
            }
            true
        });
        if first.is_some() {
            break;
        }
    }
    let Some(loc) = first else {
        return Ok(if any { "none" } else { "-" }.into());
    };
    let source = nt.file().source();
    let start = loc.offset.min(source.len());
    let end = start.saturating_add(HEADER_SIZE as u64).min(source.len());
    let head = source.read_range(start..end)?;
    Ok(match block_algorithm(&head) {
        Some(Algorithm::OldRoot) => "legacy CS".into(),
        Some(a) => a.name().to_lowercase(),
        None => "unknown".into(),
    })
}

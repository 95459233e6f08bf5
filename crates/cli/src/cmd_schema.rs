//! `hepframe schema FILE:NAME`: a TTree's entries, clusters and a table of its branches with
//! their types, basket counts, sizes and compression; for an RNTuple the same of its fields
//! and columns ([`rntuple`]).
//!
//! The compression column is read from the first on-disk baskets of each branch: the 9-byte
//! block header after a basket's key names the algorithm (`ZL`, `XZ`, `L4`, `ZS`, `CS`). ROOT
//! stores a basket raw when compression does not shrink it; a branch whose first few baskets
//! are all raw shows `none`, and one whose baskets live inside the TTree record `embedded`. The
//! file's own setting (`ls`) can differ from what the baskets use, since every branch may set
//! its own.
//!
//! Sizes are ROOT's totals plus the baskets embedded in the TTree record, which ROOT's totals
//! leave out ([`crate::baskets`]).

mod rntuple;

use std::io::Write;
use std::ops::Range;

use anyhow::Result;
use rootio::compression::{block_algorithm, Algorithm, HEADER_SIZE};
use rootio::tree::BasketLocation;
use rootio::{Branch, Dataset, Tree};

use crate::baskets::BasketBytes;
use crate::format::{human_bytes, one_line, truncate};
use crate::table::Table;
use crate::target::Target;

/// Baskets whose key is read to find a branch's compression algorithm.
const BASKETS_PROBED: usize = 3;
/// Clusters listed before the rest are elided.
const CLUSTERS_SHOWN: usize = 4;

/// Describe the TTree or RNTuple named by `arg` to `out`.
pub fn run(arg: &str, out: &mut dyn Write) -> Result<()> {
    match Target::parse(arg).open()? {
        Dataset::Tree(tree) => {
            write_summary(&tree, out)?;
            writeln!(out)?;
            branch_table(&tree).write(out)?;
        }
        Dataset::RNTuple(nt) => {
            rntuple::write_summary(&nt, out)?;
            writeln!(out)?;
            rntuple::field_table(&nt).write(out)?;
        }
    }
    Ok(())
}

/// The first [`CLUSTERS_SHOWN`] clusters and the last: `[0, 90) [90, 180) … [540, 600)`.
fn cluster_list(clusters: &[Range<u64>]) -> String {
    let mut shown: Vec<String> = clusters
        .iter()
        .take(CLUSTERS_SHOWN)
        .map(|c| format!("[{}, {})", c.start, c.end))
        .collect();
    if clusters.len() > CLUSTERS_SHOWN {
        if clusters.len() > CLUSTERS_SHOWN + 1 {
            shown.push("…".into());
        }
        if let Some(last) = clusters.last() {
            shown.push(format!("[{}, {})", last.start, last.end));
        }
    }
    shown.join(" ")
}

fn write_summary(tree: &Tree, out: &mut dyn Write) -> Result<()> {
    let title = if tree.title.is_empty() {
        String::new()
    } else {
        format!("  \"{}\"", one_line(&tree.title))
    };
    writeln!(out, "tree      {} ({}){title}", tree.path, tree.class)?;
    writeln!(out, "file      {}", tree.file().path().display())?;
    writeln!(out, "entries   {}", tree.entries)?;
    let clusters = tree.clusters();
    writeln!(
        out,
        "clusters  {}: {}",
        clusters.len(),
        cluster_list(&clusters)
    )?;
    let n = tree.all_branches().len();
    let data = tree.data_branches().len();
    writeln!(out, "branches  {n} ({data} with data)")?;
    Ok(())
}

fn branch_table(tree: &Tree) -> Table {
    let headers = [
        "branch",
        "type",
        "baskets",
        "compressed",
        "uncompressed",
        "ratio",
        "algorithm",
        "note",
    ];
    let right = [false, false, true, true, true, true, false, false];
    let mut table = Table::new(
        headers.iter().map(|h| h.to_string()).collect(),
        right.to_vec(),
    );
    let (mut baskets, mut zip, mut tot) = (0usize, 0i64, 0i64);
    let all = tree.all_branches();
    for b in &all {
        let depth = b.path.matches('/').count();
        let (algorithm, problem) = match basket_algorithm(tree, b) {
            Ok(a) => (a, None),
            Err(e) => (
                "?".to_string(),
                Some(format!("cannot read the first basket key: {}", e.kind)),
            ),
        };
        let note = problem.unwrap_or_else(|| note(b));
        let bytes = BasketBytes::of(b);
        baskets += b.baskets.len();
        zip = zip.saturating_add(bytes.compressed);
        tot = tot.saturating_add(bytes.uncompressed);
        table.push(vec![
            format!("{}{}", "  ".repeat(depth), b.name),
            truncate(&b.type_name(), 40),
            b.baskets.len().to_string(),
            human_bytes(bytes.compressed),
            human_bytes(bytes.uncompressed),
            ratio(bytes.uncompressed, bytes.compressed),
            algorithm,
            truncate(&note, 100),
        ]);
    }
    table.push(vec![
        format!("total ({} branches)", all.len()),
        String::new(),
        baskets.to_string(),
        human_bytes(zip),
        human_bytes(tot),
        ratio(tot, zip),
    ]);
    table
}

/// What a reader should know about a branch: unreadable, or a container without data.
fn note(b: &Branch) -> String {
    if !b.has_data() && !b.children.is_empty() {
        return format!("split object: data in {} sub-branches", b.children.len());
    }
    match &b.interpretation {
        Err(why) => format!("unsupported: {why}"),
        Ok(_) if !b.file_name.is_empty() => format!("baskets in another file: {}", b.file_name),
        Ok(_) => String::new(),
    }
}

/// `uncompressed / compressed`, e.g. `3.21`.
fn ratio(tot: i64, zip: i64) -> String {
    if zip > 0 && tot >= 0 {
        format!("{:.2}", tot as f64 / zip as f64)
    } else {
        "-".into()
    }
}

/// The compression algorithm of the branch's baskets: that of the first compressed one among
/// the first [`BASKETS_PROBED`] on disk, or `none` if all of those are stored raw.
fn basket_algorithm(tree: &Tree, b: &Branch) -> rootio::Result<String> {
    let on_disk: Vec<u64> = b
        .baskets
        .iter()
        .filter_map(|x| match &x.location {
            BasketLocation::OnDisk { seek, .. } => Some(*seek),
            BasketLocation::Embedded(_) => None,
        })
        .take(BASKETS_PROBED)
        .collect();
    if on_disk.is_empty() {
        return Ok(if b.baskets.is_empty() {
            "-".into()
        } else {
            "embedded".into()
        });
    }
    let file = tree.file();
    for seek in on_disk {
        let key = file.read_key_at(seek)?;
        if !key.is_compressed() {
            continue;
        }
        let start = seek.saturating_add(u64::try_from(key.keylen).unwrap_or(0));
        let end = start
            .saturating_add(HEADER_SIZE as u64)
            .min(file.source().len());
        let head = file.source().read_range(start..end.max(start))?;
        return Ok(match block_algorithm(&head) {
            Some(a) => algorithm_name(a),
            None => "unknown".into(),
        });
    }
    Ok("none".into())
}

/// Lower-case algorithm names, as in `ls`'s compression setting.
fn algorithm_name(a: Algorithm) -> String {
    match a {
        Algorithm::OldRoot => "legacy CS".into(),
        other => other.name().to_lowercase(),
    }
}

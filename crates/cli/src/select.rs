//! Choosing branches or fields with `--branches GLOB,...`.
//!
//! Patterns are shell globs (`Muon_*`, `{nMuon,Muon_pt}`, `Jet_[ep]*`) matched against a
//! TTree branch's name and its `parent/child` path, or an RNTuple's top-level field names; a
//! pattern that matches a split object's parent branch selects the data branches below it. An
//! RNTuple subfield may be named by its dotted path (`hit.x`, `hits.e`): it is read on its own,
//! with the collections around it. The option may be repeated and each value may hold several
//! patterns separated by commas (commas inside `{…}` belong to the glob).
//!
//! The selected columns come in the order the patterns were given: what one pattern matches (a
//! glob's matches, a parent branch's data branches) comes in the dataset's order at that
//! pattern's place, and a column matched again by a later pattern stays at its first place.
//! Without patterns, every column comes in the dataset's order.
//!
//! Every pattern must match something, or the command fails naming the nearest names.
//! Branches and fields that hepframe cannot decode are an error when named exactly, and are
//! skipped (the caller warns) when they were only caught by a wildcard or by selecting
//! everything. So are branches with fewer entries than their tree (old ROOT 5 files have split
//! members with `fEntries = 0` and no baskets).

use std::io::Write;

use anyhow::{anyhow, Result};
use globset::{Glob, GlobMatcher};
use rootio::{Dataset, RNTuple, Tree};

use crate::baskets::BasketBytes;
use crate::pages::{subtree_columns, PageStats};
use crate::suggest::not_found;
use crate::target::{column_noun, path};

/// A branch with data, or a field, that a selection may choose.
#[derive(Debug, Clone)]
pub struct Column {
    /// The name to read it by (and to print).
    pub name: String,
    /// The branch's `parent/child` path; a field's name.
    pub path: String,
    /// Why it cannot be read, if it cannot.
    pub problem: Option<String>,
    /// Entries it holds (a branch may hold fewer than its tree).
    pub entries: u64,
    /// Bytes it takes before compression, as far as the file says.
    pub bytes: u64,
    /// Its place in the dataset's order (which orders the matches of one pattern).
    order: (usize, usize),
}

/// The outcome of a selection.
#[derive(Debug)]
pub struct Selection {
    /// What the columns are called: `branch` or `field`.
    pub noun: &'static str,
    /// The columns to read, in the order asked for (see the module's overview).
    pub columns: Vec<Column>,
    /// Columns that matched but cannot be read, with the reason.
    pub skipped: Vec<(Column, String)>,
}

impl Selection {
    /// The names of the selected columns, for [`Dataset::read`].
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Warn on stderr, unless `quiet`, about the columns the selection skipped: one line each
/// for a few, one summary line for many.
pub fn warn_skipped(selection: &Selection, quiet: bool) {
    const LISTED: usize = 3;
    if quiet || selection.skipped.is_empty() {
        return;
    }
    let noun = selection.noun;
    let plural = plural(noun);
    let mut err = std::io::stderr().lock();
    if selection.skipped.len() <= LISTED {
        for (c, why) in &selection.skipped {
            let _ = writeln!(
                err,
                "hepframe: warning: skipping {noun} '{}': {why}",
                c.name
            );
        }
        return;
    }
    let names: Vec<&str> = selection
        .skipped
        .iter()
        .take(LISTED)
        .map(|(c, _)| c.name.as_str())
        .collect();
    let (first, why) = &selection.skipped[0];
    let _ = writeln!(
        err,
        "hepframe: warning: skipping {} {plural} that cannot be read ({}, …; '{}': {why}); \
         name one with --branches to see its error, -q silences this",
        selection.skipped.len(),
        names.join(", "),
        first.name
    );
}

fn plural(noun: &str) -> &'static str {
    match noun {
        "branch" => "branches",
        _ => "fields",
    }
}

/// The branches with data of a tree.
fn tree_columns(tree: &Tree) -> Vec<Column> {
    let data = tree.data_branches();
    // A name several branches share (under different parents) is read and printed by path.
    let shared = |name: &str| data.iter().filter(|b| b.name == name).count() > 1;
    data.iter()
        .enumerate()
        .map(|(k, b)| Column {
            name: if shared(&b.name) {
                b.path.clone()
            } else {
                b.name.clone()
            },
            path: b.path.clone(),
            problem: b.interpretation.as_ref().err().cloned(),
            entries: b.entries,
            bytes: u64::try_from(BasketBytes::of(b).uncompressed).unwrap_or(0),
            order: (k, 0),
        })
        .collect()
}

/// The top-level fields of an RNTuple.
fn rntuple_columns(nt: &RNTuple) -> Vec<Column> {
    nt.fields()
        .into_iter()
        .enumerate()
        .map(|(k, f)| rntuple_column(nt, f.id, f.name.clone(), (k, 0)))
        .collect()
}

fn rntuple_column(nt: &RNTuple, id: usize, name: String, order: (usize, usize)) -> Column {
    let f = &nt.all_fields()[id];
    Column {
        name,
        path: f.path.clone(),
        problem: f.array_type.as_ref().err().cloned(),
        entries: nt.entries,
        bytes: PageStats::of(nt, &subtree_columns(nt, id)).uncompressed,
        order,
    }
}

/// The RNTuple subfield at the dotted `path`, as a column read by that path; `None` if the path
/// names no subfield.
fn rntuple_subfield(nt: &RNTuple, path: &str) -> Option<Column> {
    if !path.contains('.') {
        return None;
    }
    let f = nt.field(path).ok()?;
    let fields = nt.all_fields();
    let mut top = f.id;
    for _ in 0..fields.len() {
        match fields.get(top).and_then(|x| x.parent) {
            Some(p) => top = p,
            None => break,
        }
    }
    let k = nt.fields().iter().position(|t| t.id == top)?;
    Some(rntuple_column(nt, f.id, path.to_string(), (k, f.id + 1)))
}

/// Select the columns of `ds` that match `patterns` (all of them if there are none): the data
/// branches of a TTree, the top-level fields of an RNTuple.
pub fn select(ds: &Dataset, patterns: &[String]) -> Result<Selection> {
    let mut data = match ds {
        Dataset::Tree(t) => tree_columns(t),
        Dataset::RNTuple(r) => rntuple_columns(r),
    };
    let noun = column_noun(ds);
    let entries = ds.entries();
    let patterns = split_patterns(patterns);
    let mut chosen = vec![false; data.len()];
    let mut exact = vec![false; data.len()];
    // The chosen columns, in the order they were first matched.
    let mut picked: Vec<usize> = Vec::new();
    if patterns.is_empty() {
        picked = dataset_order(&data);
        chosen.fill(true);
    }
    for pattern in &patterns {
        // A name that exists is taken as it is written, even with glob characters in it
        // (`pg[6]`, `Jet::pt`, `a{b}`); anything else is a glob.
        let named = data
            .iter()
            .any(|c| matches(&|s: &str| s == pattern.as_str(), c).is_some());
        let literal = named || !pattern.contains(['*', '?', '[', '{']);
        let glob = compile(pattern);
        let is_match = |s: &str| {
            if named {
                s == pattern.as_str()
            } else {
                glob.as_ref().is_ok_and(|g| g.is_match(s))
            }
        };
        if !named {
            glob.as_ref().map_err(|e| anyhow!("{e}"))?;
        }
        let mut any = false;
        for k in dataset_order(&data) {
            let Some(how) = matches(&is_match, &data[k]) else {
                continue;
            };
            any = true;
            if !chosen[k] {
                chosen[k] = true;
                picked.push(k);
            }
            // Only a branch named itself, not one selected through its parent, is "exact".
            exact[k] |= literal && how == Match::Itself;
        }
        if !any && literal {
            if let Some(sub) = ds.as_rntuple().and_then(|r| rntuple_subfield(r, pattern)) {
                match data.iter().position(|c| c.name == sub.name) {
                    Some(k) if chosen[k] => {}
                    Some(k) => {
                        chosen[k] = true;
                        exact[k] = true;
                        picked.push(k);
                    }
                    None => {
                        data.push(sub);
                        chosen.push(true);
                        exact.push(true);
                        picked.push(data.len() - 1);
                    }
                }
                any = true;
            }
        }
        if !any {
            let names: Vec<&str> = match ds {
                Dataset::Tree(t) => t
                    .all_branches()
                    .into_iter()
                    .map(|b| b.name.as_str())
                    .collect(),
                // Subfield paths only for a pattern that looks like one.
                Dataset::RNTuple(r) if pattern.contains('.') => {
                    r.all_fields().iter().map(|f| f.path.as_str()).collect()
                }
                Dataset::RNTuple(r) => r.fields().into_iter().map(|f| f.name.as_str()).collect(),
            };
            return Err(not_found(noun, pattern, names)
                .in_object(path(ds).to_string())
                .in_file(ds.file().path())
                .into());
        }
    }
    let mut selection = Selection {
        noun,
        columns: Vec::new(),
        skipped: Vec::new(),
    };
    for k in picked {
        let c = data[k].clone();
        match (c.problem.clone(), exact[k]) {
            (None, false) if c.entries < entries => {
                let why = format!(
                    "it holds {} of the {}'s {entries} entries",
                    c.entries,
                    crate::target::kind(ds)
                );
                selection.skipped.push((c, why));
            }
            (None, _) => selection.columns.push(c),
            (Some(why), true) => {
                return Err(rootio::Error::unsupported(format!(
                    "cannot read {noun} '{}': {why}",
                    c.name
                ))
                .in_object(path(ds).to_string())
                .in_file(ds.file().path())
                .into())
            }
            (Some(why), false) => selection.skipped.push((c, why)),
        }
    }
    if selection.columns.is_empty() && !selection.skipped.is_empty() {
        let list: Vec<String> = selection
            .skipped
            .iter()
            .map(|(c, why)| format!("{} ({why})", c.name))
            .collect();
        return Err(anyhow!(
            "{}: {} none of the selected {} can be read: {}",
            ds.file().path().display(),
            path(ds),
            plural(noun),
            list.join("; ")
        ));
    }
    Ok(selection)
}

/// The indices of `data` in the dataset's order.
fn dataset_order(data: &[Column]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.sort_by_key(|&k| data[k].order);
    order
}

/// One glob, with `*` free to cross `/` (branch paths are not file paths).
fn compile(pattern: &str) -> Result<GlobMatcher> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| anyhow!("invalid branch pattern '{pattern}': {}", e.kind()))
}

/// How a pattern matched a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// The column's own name or path.
    Itself,
    /// The name or path of one of its parents.
    Parent,
}

/// Whether `is_match` accepts the column's name or path, or the name or path of one of its
/// parent branches.
fn matches(is_match: &dyn Fn(&str) -> bool, c: &Column) -> Option<Match> {
    let stored = c.path.rsplit('/').next().unwrap_or(&c.path);
    if is_match(&c.name) || is_match(&c.path) || is_match(stored) {
        return Some(Match::Itself);
    }
    let mut parent = c.path.as_str();
    while let Some((head, _)) = parent.rsplit_once('/') {
        parent = head;
        let name = parent.rsplit('/').next().unwrap_or(parent);
        if is_match(parent) || is_match(name) {
            return Some(Match::Parent);
        }
    }
    None
}

/// Split each value on commas outside `{…}` and `[…]`, dropping empty parts.
pub fn split_patterns(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for v in values {
        let (mut braces, mut brackets) = (0usize, false);
        let mut current = String::new();
        for ch in v.chars() {
            match ch {
                '{' if !brackets => braces += 1,
                '}' if !brackets => braces = braces.saturating_sub(1),
                '[' => brackets = true,
                ']' => brackets = false,
                ',' if braces == 0 && !brackets => {
                    out.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(ch);
        }
        out.push(current);
    }
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The dimensions of a branch of fixed-size arrays with more than one (`m[2][3]/D`: `[2, 3]`),
/// whose column holds each entry's values flat; empty for anything else.
pub fn fixed_shape(data: &rootio::Dataset, name: &str) -> Vec<usize> {
    let rootio::Dataset::Tree(t) = data else {
        return Vec::new();
    };
    match t.branch(name).map(|b| &b.interpretation) {
        Ok(Ok(rootio::tree::Interpretation::Fixed { shape, .. })) if shape.len() > 1 => {
            shape.clone()
        }
        _ => Vec::new(),
    }
}

/// `col` (fixed-size arrays of `shape`, held flat) as nested fixed-size arrays, for display:
/// `m[2][3]` becomes 2 lists of 3. Any other column comes back as it is. No values are copied.
pub fn nest_fixed(col: rootio::Array, shape: &[usize]) -> rootio::Array {
    match col {
        rootio::Array::Fixed { size, values }
            if shape.len() >= 2 && shape.iter().product::<usize>() == size =>
        {
            let inner = shape[1..]
                .iter()
                .rev()
                .fold(*values, |v, &d| rootio::Array::Fixed {
                    size: d,
                    values: Box::new(v),
                });
            rootio::Array::Fixed {
                size: shape[0],
                values: Box::new(inner),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(v: &[&str]) -> Vec<String> {
        split_patterns(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn splits_on_top_level_commas() {
        assert_eq!(split(&["a,b", "c"]), ["a", "b", "c"]);
        assert_eq!(
            split(&["{nMuon,Muon_pt},Jet_*"]),
            ["{nMuon,Muon_pt}", "Jet_*"]
        );
        assert_eq!(split(&["x[,]y,z"]), ["x[,]y", "z"]);
        assert_eq!(split(&[" a , ,b,"]), ["a", "b"]);
        assert!(split(&[]).is_empty());
    }

    #[test]
    fn globs_cross_slashes() {
        let g = compile("evt*Px").unwrap();
        assert!(g.is_match("evt/P3/evt.P3.Px"));
        assert!(compile("[").is_err());
    }
}

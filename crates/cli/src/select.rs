//! Choosing branches with `--branches GLOB,...`.
//!
//! Patterns are shell globs (`Muon_*`, `{nMuon,Muon_pt}`, `Jet_[ep]*`) matched against a
//! branch's name and its `parent/child` path; a pattern that matches a split object's parent
//! branch selects the data branches below it. The option may be repeated and each value may
//! hold several patterns separated by commas (commas inside `{…}` belong to the glob). The
//! selected branches keep the tree's order.
//!
//! Every pattern must match something, or the command fails naming the nearest branches.
//! Branches that hepframe cannot decode are an error when named exactly, and are skipped (the
//! caller warns) when they were only caught by a wildcard or by selecting everything. So are
//! branches with fewer entries than their tree (old ROOT 5 files have split members with
//! `fEntries = 0` and no baskets).

use std::io::Write;

use anyhow::{anyhow, Result};
use globset::{Glob, GlobMatcher};
use rootio::{Branch, Tree};

use crate::suggest::not_found;

/// The outcome of a selection.
#[derive(Debug)]
pub struct Selection<'t> {
    /// The branches to read, in tree order.
    pub branches: Vec<&'t Branch>,
    /// Branches that matched but cannot be read, with the reason.
    pub skipped: Vec<(&'t Branch, String)>,
}

impl Selection<'_> {
    /// The names of the selected branches, for [`Tree::read_branches`].
    pub fn names(&self) -> Vec<&str> {
        self.branches.iter().map(|b| b.name.as_str()).collect()
    }
}

/// Warn on stderr, unless `quiet`, about the branches the selection skipped: one line each
/// for a few, one summary line for many.
pub fn warn_skipped(selection: &Selection<'_>, quiet: bool) {
    const LISTED: usize = 3;
    if quiet || selection.skipped.is_empty() {
        return;
    }
    let mut err = std::io::stderr().lock();
    if selection.skipped.len() <= LISTED {
        for (b, why) in &selection.skipped {
            let _ = writeln!(
                err,
                "hepframe: warning: skipping branch '{}': {why}",
                b.name
            );
        }
        return;
    }
    let names: Vec<&str> = selection
        .skipped
        .iter()
        .take(LISTED)
        .map(|(b, _)| b.name.as_str())
        .collect();
    let (first, why) = &selection.skipped[0];
    let _ = writeln!(
        err,
        "hepframe: warning: skipping {} branches that cannot be read ({}, …; '{}': {why}); \
         name one with --branches to see its error, -q silences this",
        selection.skipped.len(),
        names.join(", "),
        first.name
    );
}

/// Select the data branches of `tree` that match `patterns` (all of them if there are none).
pub fn select<'t>(tree: &'t Tree, patterns: &[String]) -> Result<Selection<'t>> {
    let data = tree.data_branches();
    let patterns = split_patterns(patterns);
    let mut chosen = vec![false; data.len()];
    let mut exact = vec![false; data.len()];
    if patterns.is_empty() {
        chosen.iter_mut().for_each(|c| *c = true);
    }
    for pattern in &patterns {
        let literal = !pattern.contains(['*', '?', '[', '{']);
        let glob = compile(pattern)?;
        let mut any = false;
        for (k, b) in data.iter().enumerate() {
            let Some(how) = matches(&glob, b) else {
                continue;
            };
            any = true;
            chosen[k] = true;
            // Only a branch named itself, not one selected through its parent, is "exact".
            exact[k] |= literal && how == Match::Itself;
        }
        if !any {
            let names = tree.all_branches().into_iter().map(|b| b.name.as_str());
            return Err(not_found("branch", pattern, names)
                .in_object(tree.path.clone())
                .in_file(tree.file().path())
                .into());
        }
    }
    let mut selection = Selection {
        branches: Vec::new(),
        skipped: Vec::new(),
    };
    for (k, b) in data.into_iter().enumerate() {
        if !chosen[k] {
            continue;
        }
        match (&b.interpretation, exact[k]) {
            (Ok(_), false) if b.entries < tree.entries => selection.skipped.push((
                b,
                format!(
                    "it holds {} of the tree's {} entries",
                    b.entries, tree.entries
                ),
            )),
            (Ok(_), _) => selection.branches.push(b),
            (Err(why), true) => {
                return Err(rootio::Error::unsupported(format!(
                    "cannot read branch '{}': {why}",
                    b.name
                ))
                .in_object(tree.path.clone())
                .in_file(tree.file().path())
                .into())
            }
            (Err(why), false) => selection.skipped.push((b, why.clone())),
        }
    }
    if selection.branches.is_empty() && !selection.skipped.is_empty() {
        let list: Vec<String> = selection
            .skipped
            .iter()
            .map(|(b, why)| format!("{} ({why})", b.name))
            .collect();
        return Err(anyhow!(
            "{}: {} none of the selected branches can be read: {}",
            tree.file().path().display(),
            tree.path,
            list.join("; ")
        ));
    }
    Ok(selection)
}

/// One glob, with `*` free to cross `/` (branch paths are not file paths).
fn compile(pattern: &str) -> Result<GlobMatcher> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| anyhow!("invalid branch pattern '{pattern}': {}", e.kind()))
}

/// How a pattern matched a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// The branch's own name or path.
    Itself,
    /// The name or path of one of its parents.
    Parent,
}

/// Whether `glob` matches the branch's name or path, or the name or path of one of its parents.
fn matches(glob: &GlobMatcher, b: &Branch) -> Option<Match> {
    if glob.is_match(&b.name) || glob.is_match(&b.path) {
        return Some(Match::Itself);
    }
    let mut parent = b.path.as_str();
    while let Some((head, _)) = parent.rsplit_once('/') {
        parent = head;
        let name = parent.rsplit('/').next().unwrap_or(parent);
        if glob.is_match(parent) || glob.is_match(name) {
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

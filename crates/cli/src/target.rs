//! `FILE:TREE` targets: splitting the argument, opening the file and choosing the tree.
//!
//! The tree part may name directories and a cycle (`data.root:dir/Events;2`). The argument is
//! split on the last `:` that is followed by a non-empty tree path, unless the whole argument is
//! an existing file (so a file whose name contains `:` still opens). Without a tree part the
//! file's only tree is used, and a file with several trees is an error that lists them.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use rootio::{ErrorKind, RootFile, Tree};

use crate::suggest::{has_suggestions, not_found};

/// A parsed `FILE[:TREE]` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The file path.
    pub file: PathBuf,
    /// The tree path inside the file (`Events`, `dir/Events;2`), if given.
    pub tree: Option<String>,
}

impl Target {
    /// Split `arg` into file and tree. An argument that names an existing file is taken whole.
    pub fn parse(arg: &str) -> Target {
        if Path::new(arg).is_file() {
            return Target {
                file: PathBuf::from(arg),
                tree: None,
            };
        }
        Self::split(arg)
    }

    /// Split without looking at the file system.
    fn split(arg: &str) -> Target {
        let trimmed = arg.strip_suffix(':').unwrap_or(arg);
        match trimmed.rsplit_once(':') {
            Some((file, tree)) if !file.is_empty() => {
                let tree = Some(tree.to_string()).filter(|t| !t.trim_matches('/').is_empty());
                Target {
                    file: PathBuf::from(file),
                    tree,
                }
            }
            _ => Target {
                file: PathBuf::from(trimmed),
                tree: None,
            },
        }
    }

    /// Open the file and the tree.
    pub fn open(&self) -> Result<Tree> {
        let file = RootFile::open(&self.file)?;
        open_tree(&file, self.tree.as_deref())
    }
}

/// Open the tree at `path` in `file`, or the file's only tree if `path` is `None`.
///
/// An unknown name is reported with the nearest tree names (rather than rootio's nearest
/// *object* names, which may be histograms); a name that exists but is not a tree says what
/// it is.
pub fn open_tree(file: &RootFile, path: Option<&str>) -> Result<Tree> {
    let Some(path) = path else {
        let trees = file.tree_paths()?;
        return match trees.as_slice() {
            [only] => Ok(file.tree(only)?),
            [] => Err(anyhow!(
                "{}: the file contains no trees",
                file.path().display()
            )),
            many => Err(anyhow!(
                "{}: the file has {} trees, name one as FILE:TREE: {}",
                file.path().display(),
                many.len(),
                many.join(", ")
            )),
        };
    };
    match file.tree(path) {
        Ok(t) => Ok(t),
        Err(e) if matches!(&*e.kind, ErrorKind::NotFound { .. }) => Err(tree_not_found(file, path)),
        Err(e) => Err(e.into()),
    }
}

/// The error for a tree path that names nothing: a wrong cycle, or the nearest tree names.
fn tree_not_found(file: &RootFile, path: &str) -> anyhow::Error {
    let shown = file.path().display().to_string();
    let wanted = path.trim_matches('/');
    let (name, cycle) = match wanted.rsplit_once(';') {
        Some((n, c)) => (n, Some(c)),
        None => (wanted, None),
    };
    if let Some(cycle) = cycle {
        let cycles: Vec<String> = file
            .walk()
            .unwrap_or_default()
            .iter()
            .filter(|e| e.path() == name)
            .map(|e| e.key.cycle.to_string())
            .collect();
        if let Some(first) = cycles.first() {
            if cycle.parse::<i16>().is_err() {
                return anyhow!("{shown}: in '{wanted}' the cycle after ';' must be a number, e.g. {name};{first}");
            }
            return anyhow!(
                "{shown}: '{name}' has no cycle {cycle}; its cycles are {}",
                cycles.join(", ")
            );
        }
    }
    let trees = file.tree_paths().unwrap_or_default();
    let mut err = not_found("tree", name, trees.iter().map(|s| s.as_str()));
    // Bare names match trees in directories too, so `T2` suggests `dir1/dir2/T2`.
    if let ErrorKind::NotFound { suggestions, .. } = &mut *err.kind {
        for t in &trees {
            let base = t.rsplit('/').next().unwrap_or(t);
            if base == name && !suggestions.contains(t) {
                suggestions.insert(0, t.clone());
            }
        }
    }
    let helpful = has_suggestions(&err) || trees.is_empty();
    let err = err.in_file(file.path());
    if helpful {
        err.into()
    } else {
        anyhow!("{err}; the trees in this file are: {}", trees.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> (String, Option<String>) {
        let t = Target::split(s);
        (t.file.to_string_lossy().into_owned(), t.tree)
    }

    #[test]
    fn splits_on_last_colon() {
        assert_eq!(
            split("data.root:Events"),
            ("data.root".into(), Some("Events".into()))
        );
        assert_eq!(
            split("data.root:dir/Events;2"),
            ("data.root".into(), Some("dir/Events;2".into()))
        );
        assert_eq!(
            split("a:b.root:Events"),
            ("a:b.root".into(), Some("Events".into()))
        );
    }

    #[test]
    fn no_tree() {
        assert_eq!(split("data.root"), ("data.root".into(), None));
        assert_eq!(split("data.root:"), ("data.root".into(), None));
        assert_eq!(split("data.root:/"), ("data.root".into(), None));
        assert_eq!(split(":Events"), (":Events".into(), None));
    }
}

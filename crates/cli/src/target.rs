//! `FILE:NAME` targets: splitting the argument, opening the file and choosing the TTree or
//! RNTuple.
//!
//! The name part may name directories and a cycle (`data.root:dir/Events;2`). The argument is
//! split on the last `:` that is followed by a non-empty path, unless the whole argument is an
//! existing file (so a file whose name contains `:` still opens). Without a name the file's
//! only TTree or RNTuple is used, and a file with several is an error that lists them.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use rootio::rntuple::ANCHOR_CLASS;
use rootio::{Dataset, ErrorKind, RootFile};

use crate::suggest::{has_suggestions, not_found};

/// Key classes that are TTrees.
pub const TREE_CLASSES: [&str; 3] = ["TTree", "TNtuple", "TNtupleD"];

/// A parsed `FILE[:NAME]` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The file path.
    pub file: PathBuf,
    /// The path of the TTree or RNTuple inside the file (`Events`, `dir/Events;2`), if given.
    pub tree: Option<String>,
}

impl Target {
    /// Split `arg` into file and name. An argument that names an existing file is taken whole.
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
        // A URL keeps the colons of its scheme and port.
        match rootio::remote::split_object(trimmed) {
            (file, Some(tree)) if !file.is_empty() => {
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

    /// Open the file and the TTree or RNTuple.
    pub fn open(&self) -> Result<Dataset> {
        let file = RootFile::open(&self.file)?;
        open_dataset(&file, self.tree.as_deref())
    }
}

/// `tree` or `RNTuple`: what a dataset is, in messages.
pub fn kind(ds: &Dataset) -> &'static str {
    match ds {
        Dataset::Tree(_) => "tree",
        Dataset::RNTuple(_) => "RNTuple",
    }
}

/// `branch` or `field`: what a dataset's columns are called.
pub fn column_noun(ds: &Dataset) -> &'static str {
    match ds {
        Dataset::Tree(_) => "branch",
        Dataset::RNTuple(_) => "field",
    }
}

/// The dataset's path in its file, as asked for.
pub fn path(ds: &Dataset) -> &str {
    match ds {
        Dataset::Tree(t) => &t.path,
        Dataset::RNTuple(r) => &r.path,
    }
}

/// The TTrees and RNTuples of a file: their paths (highest cycles only, file order) and how
/// many of each there are.
struct Datasets {
    paths: Vec<String>,
    trees: usize,
    rntuples: usize,
}

impl Datasets {
    fn of(file: &RootFile) -> rootio::Result<Datasets> {
        let mut out = Datasets {
            paths: Vec::new(),
            trees: 0,
            rntuples: 0,
        };
        for e in file.walk()? {
            let class = e.key.class_name.as_str();
            let is_tree = TREE_CLASSES.contains(&class);
            if !is_tree && class != ANCHOR_CLASS {
                continue;
            }
            let p = e.path();
            if out.paths.contains(&p) {
                continue;
            }
            out.paths.push(p);
            if is_tree {
                out.trees += 1;
            } else {
                out.rntuples += 1;
            }
        }
        Ok(out)
    }

    /// What to call one of them: `tree`, `RNTuple`, or `tree or RNTuple` when the file has both
    /// kinds or neither.
    fn singular(&self) -> &'static str {
        match (self.trees, self.rntuples) {
            (_, 0) if self.trees > 0 => "tree",
            (0, _) if self.rntuples > 0 => "RNTuple",
            _ => "tree or RNTuple",
        }
    }

    /// `trees`, `RNTuples`, or `trees and RNTuples`.
    fn plural(&self) -> &'static str {
        match self.singular() {
            "tree" => "trees",
            "RNTuple" => "RNTuples",
            _ => "trees and RNTuples",
        }
    }
}

/// Open the TTree or RNTuple at `path` in `file`, or the file's only one if `path` is `None`.
///
/// An unknown name is reported with the nearest TTree and RNTuple names (rather than rootio's
/// nearest *object* names, which may be histograms); a name that exists but is neither says
/// what it is.
pub fn open_dataset(file: &RootFile, path: Option<&str>) -> Result<Dataset> {
    let Some(path) = path else {
        let found = Datasets::of(file)?;
        return match found.paths.as_slice() {
            [only] => Ok(file.dataset(only)?),
            [] => Err(anyhow!(
                "{}: the file contains no trees or RNTuples",
                file.path().display()
            )),
            many => Err(anyhow!(
                "{}: the file has {} {}, name one as FILE:NAME: {}",
                file.path().display(),
                many.len(),
                found.plural(),
                many.join(", ")
            )),
        };
    };
    match file.dataset(path) {
        Ok(ds) => Ok(ds),
        Err(e) if matches!(&*e.kind, ErrorKind::NotFound { .. }) => {
            Err(dataset_not_found(file, path))
        }
        Err(mut e) => {
            if let ErrorKind::WrongClass { expected, .. } = &mut *e.kind {
                *expected = "TTree or RNTuple";
            }
            Err(e.into())
        }
    }
}

/// The error for a path that names nothing: a wrong cycle, or the nearest TTree and RNTuple
/// names.
fn dataset_not_found(file: &RootFile, path: &str) -> anyhow::Error {
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
    let found = Datasets::of(file).unwrap_or(Datasets {
        paths: Vec::new(),
        trees: 0,
        rntuples: 0,
    });
    let all = &found.paths;
    let mut err = not_found(found.singular(), name, all.iter().map(|s| s.as_str()));
    // Bare names match trees and RNTuples in directories too, so `T2` suggests `dir1/dir2/T2`.
    if let ErrorKind::NotFound { suggestions, .. } = &mut *err.kind {
        for t in all {
            let base = t.rsplit('/').next().unwrap_or(t);
            if base == name && !suggestions.contains(t) {
                suggestions.insert(0, t.clone());
            }
        }
    }
    let helpful = has_suggestions(&err);
    let err = err.in_file(file.path());
    if helpful {
        err.into()
    } else if all.is_empty() {
        anyhow!("{err}; the file contains no trees or RNTuples")
    } else {
        anyhow!(
            "{err}; the {} in this file are: {}",
            found.plural(),
            all.join(", ")
        )
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
    fn names_for_what_a_file_holds() {
        let d = |trees, rntuples| Datasets {
            paths: Vec::new(),
            trees,
            rntuples,
        };
        assert_eq!((d(2, 0).singular(), d(2, 0).plural()), ("tree", "trees"));
        assert_eq!(
            (d(0, 1).singular(), d(0, 1).plural()),
            ("RNTuple", "RNTuples")
        );
        assert_eq!(
            (d(1, 1).singular(), d(1, 1).plural()),
            ("tree or RNTuple", "trees and RNTuples")
        );
        assert_eq!(d(0, 0).singular(), "tree or RNTuple");
    }

    #[test]
    fn no_tree() {
        assert_eq!(split("data.root"), ("data.root".into(), None));
        assert_eq!(split("data.root:"), ("data.root".into(), None));
        assert_eq!(split("data.root:/"), ("data.root".into(), None));
        assert_eq!(split(":Events"), (":Events".into(), None));
    }
}

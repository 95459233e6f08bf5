//! The files that `correction()` and `lookup()` read: correctionlib JSON (plain or gzipped)
//! and histograms in ROOT files, loaded once and shared by every sample, work item and thread.
//!
//! A relative file name is relative to the analysis file's folder ([`Analysis::table_dir`]),
//! else to the working folder. Loaded files are kept in a process-wide cache keyed by the
//! resolved path with its size and modification time, so a file is parsed once per run (and
//! once per Python session while it does not change), and a changed file is read again.
//!
//! [`Analysis::table_dir`]: crate::analysis::Analysis::table_dir

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use expr::{InputKind, Table, TableArg, TableError, TableInput, Tables};
use hist::{Lookup, OutOfRange};

/// A file's identity in the cache: path, size and modification time.
type FileKey = (PathBuf, u64, Option<SystemTime>);

#[derive(Default)]
struct Cache {
    corrections: HashMap<FileKey, Arc<correction::CorrectionSet>>,
    histograms: HashMap<(FileKey, String), Arc<Lookup>>,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The [`Tables`] of one analysis: files relative to `base`.
#[derive(Debug, Clone, Default)]
pub struct FileTables {
    base: Option<PathBuf>,
}

impl FileTables {
    /// Tables whose relative file names are relative to `base` (the working folder if `None`).
    pub fn new(base: Option<PathBuf>) -> FileTables {
        FileTables { base }
    }

    fn resolve(&self, file: &str) -> PathBuf {
        let p = Path::new(file);
        match &self.base {
            Some(b) if p.is_relative() => b.join(p),
            _ => p.to_path_buf(),
        }
    }

    fn key(&self, file: &str) -> Result<FileKey, String> {
        let path = self.resolve(file);
        let meta = std::fs::metadata(&path)
            .map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
        if !meta.is_file() {
            return Err(format!("'{}' is not a file", path.display()));
        }
        Ok((path, meta.len(), meta.modified().ok()))
    }
}

/// One correction of a correctionlib file, as a [`Table`].
struct CorrectionTable {
    set: Arc<correction::CorrectionSet>,
    name: String,
    file: String,
    inputs: Vec<TableInput>,
}

impl Table for CorrectionTable {
    fn describe(&self) -> String {
        format!("correction '{}' ({})", self.name, self.file)
    }
    fn inputs(&self) -> &[TableInput] {
        &self.inputs
    }
    fn evaluate(
        &self,
        args: &[TableArg<'_>],
        n: usize,
        out: &mut Vec<f64>,
    ) -> Result<(), TableError> {
        let Some(c) = self.set.get(&self.name) else {
            return Err(TableError {
                row: 0,
                message: "the correction disappeared from its file".into(),
            });
        };
        let columns: Vec<correction::Column<'_>> = args
            .iter()
            .map(|a| match *a {
                TableArg::Real(x) => correction::Column::Real(x),
                TableArg::Int(x) => correction::Column::Int(x),
                TableArg::Str(s) => correction::Column::Str(s),
            })
            .collect();
        c.evaluate_columns(&columns, n, out)
            .map_err(|e| TableError {
                row: e.row().unwrap_or(0),
                message: e.to_string(),
            })
    }
}

/// A histogram read as a table of values.
struct HistogramTable {
    lookup: Arc<Lookup>,
    spec: String,
    mode: OutOfRange,
    inputs: Vec<TableInput>,
}

impl Table for HistogramTable {
    fn describe(&self) -> String {
        format!("histogram '{}'", self.spec)
    }
    fn inputs(&self) -> &[TableInput] {
        &self.inputs
    }
    fn evaluate(
        &self,
        args: &[TableArg<'_>],
        n: usize,
        out: &mut Vec<f64>,
    ) -> Result<(), TableError> {
        let mut coords = Vec::with_capacity(args.len());
        for a in args {
            match *a {
                TableArg::Real(x) if x.len() == n => coords.push(x),
                _ => {
                    return Err(TableError {
                        row: 0,
                        message: "internal: a coordinate that is not a column of reals".into(),
                    })
                }
            }
        }
        self.lookup.values_at(&coords, self.mode, out);
        Ok(())
    }
}

/// The histogram at `path` inside `file` as a lookup table (contents as ROOT's
/// `GetBinContent`: a profile gives its bin means).
fn read_lookup(file: &Path, path: &str) -> Result<Lookup, String> {
    let f = rootio::RootFile::open(file).map_err(|e| e.to_string())?;
    let h = f.read_histogram(path).map_err(|e| e.to_string())?;
    Lookup::from_root(&h).map_err(|e| format!("{}: {e}", h.name))
}

impl Tables for FileTables {
    fn correction(&self, file: &str, name: &str) -> Result<Arc<dyn Table>, String> {
        let key = self.key(file)?;
        let cached = cache()
            .lock()
            .ok()
            .and_then(|c| c.corrections.get(&key).cloned());
        let set = match cached {
            Some(s) => s,
            None => {
                let s = Arc::new(
                    correction::CorrectionSet::open(&key.0)
                        .map_err(|e| format!("{}: {e}", key.0.display()))?,
                );
                if let Ok(mut c) = cache().lock() {
                    c.corrections.insert(key.clone(), s.clone());
                }
                s
            }
        };
        let Some(c) = set.get(name) else {
            let mut names: Vec<String> = set.names().map(|s| s.to_string()).collect();
            names.sort();
            return Err(format!(
                "{file} has no correction '{name}'; it has: {}",
                names.join(", ")
            ));
        };
        let inputs = c
            .inputs()
            .iter()
            .map(|v| TableInput {
                name: v.name.clone(),
                kind: match v.kind {
                    correction::VarType::Int => InputKind::Int,
                    correction::VarType::Real => InputKind::Real,
                    correction::VarType::String => InputKind::Str,
                },
            })
            .collect();
        Ok(Arc::new(CorrectionTable {
            set: set.clone(),
            name: name.to_string(),
            file: file.to_string(),
            inputs,
        }))
    }

    fn histogram(&self, spec: &str, clamp: bool) -> Result<Arc<dyn Table>, String> {
        let Some((file, path)) = split_spec(spec) else {
            return Err(format!(
                "'{spec}': name the histogram as \"file.root:path/in/file\""
            ));
        };
        let key = self.key(file)?;
        let ck = (key.clone(), path.to_string());
        let cached = cache()
            .lock()
            .ok()
            .and_then(|c| c.histograms.get(&ck).cloned());
        let lookup = match cached {
            Some(l) => l,
            None => {
                // rootio's errors name the file.
                let l = Arc::new(read_lookup(&key.0, path)?);
                if let Ok(mut c) = cache().lock() {
                    c.histograms.insert(ck, l.clone());
                }
                l
            }
        };
        let inputs = ["x", "y", "z"][..lookup.dimension()]
            .iter()
            .map(|n| TableInput {
                name: n.to_string(),
                kind: InputKind::Real,
            })
            .collect();
        Ok(Arc::new(HistogramTable {
            lookup,
            spec: spec.to_string(),
            mode: if clamp {
                OutOfRange::Clamp
            } else {
                OutOfRange::Flow
            },
            inputs,
        }))
    }
}

/// `file.root:path` → (`file.root`, `path`), splitting at the last `:` after `.root` so that
/// Windows drive letters and `root://` URLs keep their colons.
fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let at = spec
        .rfind(".root:")
        .map(|i| i + 5)
        .or_else(|| spec.rfind(':'))?;
    let (file, path) = (&spec[..at], &spec[at + 1..]);
    (!file.is_empty() && !path.is_empty()).then_some((file, path))
}

#[cfg(test)]
mod tests {
    use super::split_spec;

    #[test]
    fn specs_split_after_the_file() {
        assert_eq!(split_spec("sf.root:h2"), Some(("sf.root", "h2")));
        assert_eq!(split_spec("a/b.root:dir/h"), Some(("a/b.root", "dir/h")));
        assert_eq!(
            split_spec("weird:name.root:h"),
            Some(("weird:name.root", "h"))
        );
        assert_eq!(split_spec("sf.root"), None);
        assert_eq!(split_spec("sf.root:"), None);
    }
}

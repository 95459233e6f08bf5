//! Certified luminosity: CMS's "golden JSON", the run → luminosity-section ranges in which the
//! whole detector worked (`{"273158": [[1, 1279]], "273302": [[1, 459], [463, 600]]}`,
//! inclusive ranges). Data events outside them are dropped before any cut.
//!
//! The lookup is a hash of runs and a binary search of each run's sorted ranges, done column-wise
//! on a chunk's `run` and `luminosityBlock` columns; events of one run come together, so the last
//! run's ranges are kept at hand.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{EngineError, Result};

/// A parsed certified-luminosity mask.
#[derive(Debug, Clone, PartialEq)]
pub struct LumiMask {
    /// The file it came from.
    pub path: PathBuf,
    runs: HashMap<u64, Vec<(u64, u64)>>,
}

fn bad(path: &Path, message: String) -> EngineError {
    EngineError::Input {
        path: path.to_path_buf(),
        message: format!("not a luminosity mask (golden JSON): {message}"),
    }
}

impl LumiMask {
    /// Read a golden-JSON file.
    pub fn from_file(path: &Path) -> Result<LumiMask> {
        let text = std::fs::read_to_string(path).map_err(|e| EngineError::Input {
            path: path.to_path_buf(),
            message: format!("cannot read the luminosity mask: {e}"),
        })?;
        Self::parse(&text, path)
    }

    /// Parse golden-JSON text (`path` names it in messages).
    pub fn parse(text: &str, path: &Path) -> Result<LumiMask> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            bad(
                path,
                format!("line {} column {}: {e}", e.line(), e.column()),
            )
        })?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad(path, "expected an object of runs".into()))?;
        let mut runs = HashMap::with_capacity(obj.len());
        for (run, ranges) in obj {
            let r: u64 = run.trim().parse().map_err(|_| {
                bad(
                    path,
                    format!("run '{run}' is not a run number (the keys are runs, as strings)"),
                )
            })?;
            let list = ranges.as_array().ok_or_else(|| {
                bad(
                    path,
                    format!("run {run}: expected a list of [first, last] ranges"),
                )
            })?;
            let mut out = Vec::with_capacity(list.len());
            for range in list {
                let pair = range
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .and_then(|a| Some((a[0].as_u64()?, a[1].as_u64()?)))
                    .ok_or_else(|| {
                        bad(
                            path,
                            format!(
                                "run {run}: {range} is not a [first, last] pair of luminosity \
                                 sections"
                            ),
                        )
                    })?;
                if pair.0 > pair.1 {
                    return Err(bad(
                        path,
                        format!("run {run}: range [{}, {}] is reversed", pair.0, pair.1),
                    ));
                }
                out.push(pair);
            }
            out.sort_unstable();
            runs.insert(r, out);
        }
        Ok(LumiMask {
            path: path.to_path_buf(),
            runs,
        })
    }

    /// Whether luminosity section `ls` of run `run` is certified.
    pub fn contains(&self, run: u64, ls: u64) -> bool {
        self.runs
            .get(&run)
            .is_some_and(|ranges| in_ranges(ranges, ls))
    }

    /// For each event, whether its (run, luminosity section) is certified.
    pub fn mask(&self, runs: &[u64], lumis: &[u64]) -> Vec<bool> {
        type Ranges<'a> = Option<&'a Vec<(u64, u64)>>;
        let mut last: Option<(u64, Ranges<'_>)> = None;
        runs.iter()
            .zip(lumis)
            .map(|(&r, &ls)| {
                let ranges = match last {
                    Some((lr, rs)) if lr == r => rs,
                    _ => {
                        let rs = self.runs.get(&r);
                        last = Some((r, rs));
                        rs
                    }
                };
                ranges.is_some_and(|rs| in_ranges(rs, ls))
            })
            .collect()
    }

    /// Number of runs.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }
}

fn in_ranges(ranges: &[(u64, u64)], ls: u64) -> bool {
    // The last range starting at or before ls.
    let i = ranges.partition_point(|(a, _)| *a <= ls);
    i > 0 && ranges[i - 1].1 >= ls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_json_lookup() {
        let m = LumiMask::parse(
            r#"{"273158": [[1, 10], [20, 30]], "273302": [[5, 5]]}"#,
            Path::new("g.json"),
        )
        .unwrap();
        assert!(m.contains(273158, 1) && m.contains(273158, 10) && m.contains(273158, 25));
        assert!(!m.contains(273158, 11) && !m.contains(273158, 31) && !m.contains(273158, 0));
        assert!(m.contains(273302, 5) && !m.contains(273302, 4));
        assert!(!m.contains(1, 1));
        assert_eq!(
            m.mask(&[273158, 273158, 273302, 9], &[10, 15, 5, 5]),
            vec![true, false, true, false]
        );
    }

    #[test]
    fn bad_files_are_clear_errors() {
        for (text, want) in [
            ("[1, 2]", "expected an object"),
            (r#"{"abc": [[1, 2]]}"#, "not a run number"),
            (r#"{"1": [[1]]}"#, "not a [first, last] pair"),
            (r#"{"1": [[5, 2]]}"#, "reversed"),
            (r#"{"1": [[1, 2]"#, "line 1"),
            (r#"{"1": 7}"#, "expected a list"),
        ] {
            let e = LumiMask::parse(text, Path::new("g.json")).unwrap_err();
            assert!(e.to_string().contains(want), "{text}: {e}");
            assert!(e.to_string().contains("g.json"), "{e}");
        }
    }
}

//! Entry ranges as the user writes them on the command line: `START:STOP`.
//!
//! Either end may be left out (`:100` is the first hundred entries, `50:` everything from entry
//! 50 on), and a single number `N` means just entry `N`. `STOP` is exclusive, like a Python
//! slice, and is clamped to the tree's entry count when the range is applied. Negative numbers
//! are refused rather than counted from the end: a silent "from the end" would be easy to type by
//! accident and surprising on a ten-million-entry tree.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// An entry range as written by the user, before it is clamped to a tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntrySpec {
    /// The first entry, if given (default 0).
    pub start: Option<u64>,
    /// One past the last entry, if given (default: the tree's entry count).
    pub stop: Option<u64>,
}

impl EntrySpec {
    /// The concrete range for a tree with `entries` entries: `STOP` clamped to `entries`, and an
    /// empty range at the end if `START` is past it.
    pub fn resolve(&self, entries: u64) -> Range<u64> {
        let stop = self.stop.unwrap_or(entries).min(entries);
        let start = self.start.unwrap_or(0).min(stop);
        start..stop
    }
}

impl FromStr for EntrySpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        match s.split_once(':') {
            None => {
                let n = parse_entry(s, "entry")?.ok_or_else(|| {
                    "expected START:STOP (e.g. 0:100, :100, 50:) or a single entry number"
                        .to_string()
                })?;
                Ok(EntrySpec {
                    start: Some(n),
                    stop: Some(n.saturating_add(1)),
                })
            }
            Some((a, b)) => {
                if b.contains(':') {
                    return Err(format!("'{s}' has more than one ':'; expected START:STOP"));
                }
                let start = parse_entry(a, "START")?;
                let stop = parse_entry(b, "STOP")?;
                if let (Some(a), Some(b)) = (start, stop) {
                    if a > b {
                        return Err(format!("START ({a}) is after STOP ({b})"));
                    }
                }
                Ok(EntrySpec { start, stop })
            }
        }
    }
}

impl fmt::Display for EntrySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(a) = self.start {
            write!(f, "{a}")?;
        }
        f.write_str(":")?;
        if let Some(b) = self.stop {
            write!(f, "{b}")?;
        }
        Ok(())
    }
}

/// One end of a range: empty means "not given".
fn parse_entry(s: &str, what: &str) -> Result<Option<u64>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.starts_with('-') {
        return Err(format!(
            "{what} '{s}' is negative; entry numbers count from 0 at the start of the tree"
        ));
    }
    let digits = s.strip_prefix('+').unwrap_or(s).replace('_', "");
    digits
        .parse::<u64>()
        .map(Some)
        .map_err(|_| format!("{what} '{s}' is not an entry number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<EntrySpec, String> {
        s.parse()
    }

    #[test]
    fn full_and_open_ranges() {
        assert_eq!(
            p("5:7"),
            Ok(EntrySpec {
                start: Some(5),
                stop: Some(7)
            })
        );
        assert_eq!(
            p(":100"),
            Ok(EntrySpec {
                start: None,
                stop: Some(100)
            })
        );
        assert_eq!(
            p("50:"),
            Ok(EntrySpec {
                start: Some(50),
                stop: None
            })
        );
        assert_eq!(p(":"), Ok(EntrySpec::default()));
        assert_eq!(
            p(" 1_000 : 2000 "),
            Ok(EntrySpec {
                start: Some(1000),
                stop: Some(2000)
            })
        );
    }

    #[test]
    fn single_entry() {
        assert_eq!(
            p("3"),
            Ok(EntrySpec {
                start: Some(3),
                stop: Some(4)
            })
        );
        assert!(p("").is_err());
    }

    #[test]
    fn errors() {
        assert!(p("-5:").unwrap_err().contains("negative"));
        assert!(p(":-1").unwrap_err().contains("negative"));
        assert!(p("-1").unwrap_err().contains("negative"));
        assert!(p("7:5").unwrap_err().contains("after"));
        assert!(p("a:5").is_err());
        assert!(p("1:2:3").is_err());
        assert!(p("1.5:").is_err());
    }

    #[test]
    fn resolve_clamps() {
        let e = |a, b| EntrySpec { start: a, stop: b };
        assert_eq!(e(None, None).resolve(10), 0..10);
        assert_eq!(e(Some(5), Some(7)).resolve(10), 5..7);
        assert_eq!(e(Some(5), Some(70)).resolve(10), 5..10);
        assert_eq!(e(Some(50), None).resolve(10), 10..10);
        assert_eq!(e(None, Some(3)).resolve(0), 0..0);
    }

    #[test]
    fn display_round_trips() {
        for s in ["5:7", ":100", "50:", ":"] {
            assert_eq!(p(s).map(|e| e.to_string()), Ok(s.to_string()));
        }
    }
}

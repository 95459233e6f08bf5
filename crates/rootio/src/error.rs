//! Typed errors for everything that can go wrong while reading a ROOT file.
//!
//! Every value read from a file is untrusted. Decoding code reports a [`ErrorKind`] together with
//! a [`Location`] — the file, the object path (`Events/Muon_pt`), the basket index and the byte
//! offset in the file — whenever they are known, so that a user can tell exactly where a file is
//! damaged.

use std::fmt;
use std::path::PathBuf;

/// Where in a file an error happened. All parts are optional; the [`fmt::Display`] form prints
/// only those that are known, e.g. `data.root: Events/Muon_pt basket 3 at byte 123456`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file being read.
    pub file: Option<PathBuf>,
    /// The object path inside the file, e.g. `dir/Events` or `Events/Muon_pt`.
    pub object: Option<String>,
    /// The basket index within a branch.
    pub basket: Option<usize>,
    /// The absolute byte offset in the file.
    pub offset: Option<u64>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(file) = &self.file {
            parts.push(format!("{}:", file.display()));
        }
        if let Some(object) = &self.object {
            parts.push(object.clone());
        }
        if let Some(b) = self.basket {
            parts.push(format!("basket {b}"));
        }
        if let Some(o) = self.offset {
            parts.push(format!("at byte {o}"));
        }
        f.write_str(&parts.join(" "))
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The operating system could not open or read the file.
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
    /// The file does not start with the `root` magic bytes.
    #[error("not a ROOT file (the first bytes are not \"root\")")]
    NotRoot,
    /// A read would go past the end of a buffer or of the file.
    #[error("truncated data: needed {needed} bytes at offset {at} of a {len}-byte {what}")]
    Truncated {
        /// What was being read (e.g. "file", "key buffer", "basket").
        what: &'static str,
        /// Bytes needed.
        needed: u64,
        /// Offset inside the buffer.
        at: u64,
        /// Size of the buffer.
        len: u64,
    },
    /// A value read from the file is impossible (negative size, count larger than the data, …).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A compression block could not be decompressed.
    #[error("decompression failed ({algorithm}): {message}")]
    Decompression {
        /// The algorithm named by the block header, e.g. "ZLIB".
        algorithm: &'static str,
        /// What the decompressor said.
        message: String,
    },
    /// An object or feature that this version of hepframe cannot read.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A name asked for by the user does not exist.
    #[error("{what} '{name}' not found{}", suggest(.suggestions))]
    NotFound {
        /// "object", "tree", "branch", …
        what: &'static str,
        /// The name asked for.
        name: String,
        /// The nearest existing names, best first.
        suggestions: Vec<String>,
    },
    /// A name asked for by the user means several things (branches of one name under
    /// different parents): the full path must be given.
    #[error("{what} name '{name}' is ambiguous: give the full path, one of {}", .paths.join(", "))]
    Ambiguous {
        /// "branch", …
        what: &'static str,
        /// The name asked for.
        name: String,
        /// The full paths it could mean.
        paths: Vec<String>,
    },
    /// The operating system could not create, write, flush or rename an output file
    /// ([`crate::write::FileWriter`]); the error's location names the output path.
    #[error("cannot write file: {0}")]
    WriteIo(#[source] std::io::Error),
    /// A remote read (`root://`, `http(s)://`) failed after its retries: the server is down or
    /// answered with an error, a connection dropped, a reply was short or malformed, a redirect
    /// looped, or the server stalled past the timeout. The error's location names the URL and
    /// the first byte of the range.
    #[error("{message}{}", .range.as_ref().map(|r| format!(" (bytes {}..{})", r.start, r.end)).unwrap_or_default())]
    Remote {
        /// The URL.
        url: String,
        /// The byte range being read, if a read.
        range: Option<std::ops::Range<u64>>,
        /// What went wrong, e.g. "connection refused", "kXR_NotFound: no such file".
        message: String,
    },
    /// Something given to the writer cannot be stored as asked (an empty object name, bin
    /// contents that do not match the axes, a non-finite axis edge, …).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// An object exists but is not of the class that was asked for.
    #[error("'{name}' is a {class}, not a {expected}")]
    WrongClass {
        /// The object name.
        name: String,
        /// Its class.
        class: String,
        /// The class that was expected.
        expected: &'static str,
    },
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(
            "; did you mean {}?",
            s.iter()
                .map(|x| format!("'{x}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// An error with the place where it happened.
#[derive(Debug)]
pub struct Error {
    /// What went wrong.
    pub kind: Box<ErrorKind>,
    /// Where it happened, as far as known.
    pub location: Location,
}

impl fmt::Display for Error {
    /// `data.root: not a ROOT file …` where only the file is known; `data.root: Events/Muon_pt
    /// basket 3 at byte 123456: corrupt data: …` with more (a colon between where and what). A
    /// file offset that the message itself gives (data missing from the file) is not repeated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut location = self.location.clone();
        if let ErrorKind::Truncated {
            what: "file", at, ..
        } = &*self.kind
        {
            if location.offset == Some(*at) {
                location.offset = None;
            }
        }
        let only_file =
            location.object.is_none() && location.basket.is_none() && location.offset.is_none();
        let loc = location.to_string();
        if loc.is_empty() {
            write!(f, "{}", self.kind)
        } else if only_file {
            write!(f, "{loc} {}", self.kind)
        } else {
            write!(f, "{loc}: {}", self.kind)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.kind {
            ErrorKind::Io(e) | ErrorKind::WriteIo(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error {
            kind: Box::new(kind),
            location: Location::default(),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        ErrorKind::Io(e).into()
    }
}

impl Error {
    /// A [`ErrorKind::Corrupt`] error with a message.
    pub fn corrupt(msg: impl Into<String>) -> Self {
        ErrorKind::Corrupt(msg.into()).into()
    }
    /// A [`ErrorKind::Unsupported`] error with a message.
    pub fn unsupported(msg: impl Into<String>) -> Self {
        ErrorKind::Unsupported(msg.into()).into()
    }
    /// An [`ErrorKind::InvalidInput`] error with a message.
    pub fn invalid_input(msg: impl Into<String>) -> Self {
        ErrorKind::InvalidInput(msg.into()).into()
    }
    /// Fill in the file if not yet known.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        if self.location.file.is_none() {
            self.location.file = Some(file.into());
        }
        self
    }
    /// Fill in the object path if not yet known.
    pub fn in_object(mut self, object: impl Into<String>) -> Self {
        if self.location.object.is_none() {
            self.location.object = Some(object.into());
        }
        self
    }
    /// Fill in the basket index if not yet known.
    pub fn in_basket(mut self, basket: usize) -> Self {
        if self.location.basket.is_none() {
            self.location.basket = Some(basket);
        }
        self
    }
    /// Fill in the absolute byte offset if not yet known.
    pub fn at_offset(mut self, offset: u64) -> Self {
        if self.location.offset.is_none() {
            self.location.offset = Some(offset);
        }
        self
    }
    /// The nearest names to `name` among `candidates` (edit distance), best first, at most 3.
    pub fn not_found<'a>(
        what: &'static str,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut scored: Vec<(f64, &str)> = candidates
            .into_iter()
            .map(|c| {
                (
                    strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase()),
                    c,
                )
            })
            // Similar spelling and not wildly different length: `Muon_pt` should not suggest `m`.
            .filter(|(s, c)| *s > 0.7 && c.len().abs_diff(name.len()) <= (name.len() / 2).max(2))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        let suggestions = scored
            .into_iter()
            .take(3)
            .map(|(_, c)| c.to_string())
            .collect();
        ErrorKind::NotFound {
            what,
            name: name.to_string(),
            suggestions,
        }
        .into()
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_where_then_what() {
        let e = Error::from(ErrorKind::NotRoot).in_file("data.root");
        assert_eq!(
            e.to_string(),
            "data.root: not a ROOT file (the first bytes are not \"root\")"
        );
        let e = Error::corrupt("a negative size")
            .in_file("data.root")
            .in_object("Events/Muon_pt")
            .in_basket(3)
            .at_offset(123456);
        assert_eq!(
            e.to_string(),
            "data.root: Events/Muon_pt basket 3 at byte 123456: corrupt data: a negative size"
        );
        assert_eq!(
            Error::corrupt("x").to_string(),
            "corrupt data: x",
            "no location at all"
        );
    }

    #[test]
    fn a_truncated_files_offset_is_given_once() {
        let cut = |at: u64| ErrorKind::Truncated {
            what: "file",
            needed: 157,
            at,
            len: 600000,
        };
        let e = Error::from(cut(30570038))
            .in_file("t.root")
            .at_offset(30570038);
        assert_eq!(
            e.to_string(),
            "t.root: truncated data: needed 157 bytes at offset 30570038 of a 600000-byte file"
        );
        // Another offset (where the read started) stays.
        let e = Error::from(cut(30570038))
            .in_file("t.root")
            .at_offset(30000000);
        assert_eq!(
            e.to_string(),
            "t.root: at byte 30000000: truncated data: needed 157 bytes at offset 30570038 of a \
             600000-byte file"
        );
    }
}

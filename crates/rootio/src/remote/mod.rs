//! Remote files: `root://` and `roots://` (XRootD) and `http://` and `https://` URLs, read
//! through the same [`ByteSource`] as local files. [`RootFile::open`](crate::RootFile::open)
//! and everything above it take a URL wherever they take a path.

use std::path::Path;
use std::sync::Arc;

use crate::error::Result;
use crate::source::ByteSource;

mod ca;
pub mod http;
mod prefetch;
pub mod xrootd;

pub use ca::CA_ENV;
pub use prefetch::{Prefetching, DEFAULT_MAX_BYTES};

/// The URL schemes read remotely.
pub const SCHEMES: [&str; 4] = ["root://", "roots://", "http://", "https://"];

/// Whether `name` is a URL that [`open`] reads (by its scheme, case-insensitively).
pub fn is_url(name: &str) -> bool {
    let lower = name.get(..8).unwrap_or(name).to_ascii_lowercase();
    SCHEMES.iter().any(|s| lower.starts_with(s))
}

/// Whether the path is a URL (see [`is_url`]).
pub fn is_url_path(path: &Path) -> bool {
    path.to_str().is_some_and(is_url)
}

/// Open a remote file: XRootD for `root://`/`roots://`, HTTP(S) range requests otherwise, with
/// default options (timeouts, bounded retries).
pub fn open(url: &str) -> Result<Arc<dyn ByteSource>> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("root://") || lower.starts_with("roots://") {
        let s = xrootd::XRootDSource::open(url, &xrootd::XRootDOptions::default())?;
        Ok(Arc::new(Prefetching::new(s, DEFAULT_MAX_BYTES)))
    } else {
        let s = http::HttpSource::open(url, &http::HttpOptions::default())?;
        Ok(Arc::new(Prefetching::new(s, DEFAULT_MAX_BYTES)))
    }
}

/// The part of `target` that is the file, and what follows it after a `:` (an object path),
/// for `FILE:OBJECT` arguments: a URL keeps the colons of its scheme and port, and splits
/// only at a `:` after its path (`root://host:1094//f.root:Events`).
pub fn split_object(target: &str) -> (&str, Option<&str>) {
    let skip = if is_url(target) {
        // After "scheme://authority/": the first '/' after the scheme's "//".
        let after_scheme = target.find("://").map_or(0, |i| i + 3);
        target[after_scheme..]
            .find('/')
            .map_or(target.len(), |i| after_scheme + i)
    } else {
        0
    };
    match target[skip..].rfind(':') {
        Some(i) => {
            let at = skip + i;
            (&target[..at], Some(&target[at + 1..]))
        }
        None => (target, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_objects() {
        assert!(is_url("root://eospublic.cern.ch//eos/f.root"));
        assert!(is_url("HTTPS://x/f.root"));
        assert!(!is_url("data/f.root"));
        assert!(!is_url("C:/f.root"));
        assert_eq!(
            split_object("root://h:1094//f.root:Events"),
            ("root://h:1094//f.root", Some("Events"))
        );
        assert_eq!(
            split_object("root://h:1094//f.root"),
            ("root://h:1094//f.root", None)
        );
        assert_eq!(
            split_object("http://h:80/f.root"),
            ("http://h:80/f.root", None)
        );
        assert_eq!(
            split_object("https://h/a/f.root:dir/h2"),
            ("https://h/a/f.root", Some("dir/h2"))
        );
        assert_eq!(split_object("f.root:Events"), ("f.root", Some("Events")));
    }
}

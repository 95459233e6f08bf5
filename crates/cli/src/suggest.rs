//! "Did you mean …?" errors for names the user typed.

use rootio::ErrorKind;

/// A [`rootio::Error::not_found`] error for `name` among `candidates`, keeping only suggestions
/// of a comparable length: the edit-distance score rates one-letter names such as `m` close to
/// almost anything that starts with the same letter.
pub fn not_found<'a>(
    what: &'static str,
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> rootio::Error {
    let mut err = rootio::Error::not_found(what, name, candidates);
    if let ErrorKind::NotFound { suggestions, .. } = &mut *err.kind {
        let n = name.chars().count();
        suggestions.retain(|s| {
            let m = s.chars().count();
            2 * m >= n && 2 * n >= m
        });
    }
    err
}

/// Whether `err` is a "not found" error that carries suggestions.
pub fn has_suggestions(err: &rootio::Error) -> bool {
    matches!(&*err.kind, ErrorKind::NotFound { suggestions, .. } if !suggestions.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_suggestions_of_very_different_length() {
        let err = not_found("branch", "Muon_ptt", ["Muon_pt", "m", "o", "Muon_charge"]);
        let text = err.to_string();
        assert!(text.contains("'Muon_pt'"), "{text}");
        assert!(!text.contains("'m'") && !text.contains("'o'"), "{text}");
        assert!(has_suggestions(&err));
        assert!(!has_suggestions(&not_found("tree", "zzz", ["Events"])));
    }
}

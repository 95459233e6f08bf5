//! Errors of the expression language, with the span they point at.

use std::fmt;

/// A byte range in an expression's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// What kind of mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not a valid expression.
    Syntax,
    /// An unknown name.
    Name,
    /// Types that do not fit (scalar vs list, bool vs number, …).
    Type,
    /// A problem met while evaluating (e.g. an index past the end of a list).
    Eval,
}

/// An error in an expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ExprError {
    /// What kind of mistake.
    pub kind: ErrorKind,
    /// The message, e.g. "unknown name 'Muon_ptt'; did you mean 'Muon_pt'?".
    pub message: String,
    /// Where in the expression.
    pub span: Span,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Characters of a long source line [`ExprError::caret`] shows before and after a mistake.
pub const CARET_CONTEXT: usize = 40;

impl ExprError {
    /// A syntax error.
    pub fn syntax(message: impl Into<String>, span: Span) -> Self {
        ExprError {
            kind: ErrorKind::Syntax,
            message: message.into(),
            span,
        }
    }
    /// A type error.
    pub fn ty(message: impl Into<String>, span: Span) -> Self {
        ExprError {
            kind: ErrorKind::Type,
            message: message.into(),
            span,
        }
    }
    /// An unknown-name error with suggestions from `candidates`.
    pub fn name<'a>(name: &str, span: Span, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        let mut scored: Vec<(f64, &str)> = candidates
            .into_iter()
            // The name itself is no suggestion (it can be a candidate where it is known
            // elsewhere but not here).
            .filter(|c| *c != name)
            .map(|c| {
                (
                    strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase()),
                    c,
                )
            })
            .filter(|(s, c)| *s > 0.75 && c.len().abs_diff(name.len()) <= (name.len() / 2).max(2))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        let sugg: Vec<String> = scored
            .iter()
            .take(3)
            .map(|(_, c)| format!("'{c}'"))
            .collect();
        let message = if sugg.is_empty() {
            format!("unknown name '{name}'")
        } else {
            format!("unknown name '{name}'; did you mean {}?", sugg.join(", "))
        };
        ExprError {
            kind: ErrorKind::Name,
            message,
            span,
        }
    }
    /// An evaluation error.
    pub fn eval(message: impl Into<String>, span: Span) -> Self {
        ExprError {
            kind: ErrorKind::Eval,
            message: message.into(),
            span,
        }
    }

    /// The source line with a caret line under the span, e.g.
    /// ```text
    ///   nMuon == 2 && Muon.pt
    ///                 ^^^^^^^
    /// ```
    ///
    /// Of a multi-line expression only the line where the mistake starts is shown, with the
    /// caret under it (a span running past the line is cut at its end); tabs before the
    /// mistake are kept so the caret lines up. A long line (a generated expression of thousands
    /// of characters) is cut to the mistake with [`CARET_CONTEXT`] characters either side, the
    /// cuts marked `…`.
    pub fn caret(&self, source: &str) -> String {
        let mut start = self.span.start.min(source.len());
        while !source.is_char_boundary(start) {
            start -= 1;
        }
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let mut end = self.span.end.clamp(start, line_end);
        while !source.is_char_boundary(end) {
            end -= 1;
        }
        let line = source[line_start..line_end].trim_end_matches('\r');
        let before: Vec<char> = source[line_start..start].chars().collect();
        let marked: Vec<char> = source[start..end].chars().collect();
        let after = line.get(end - line_start..).unwrap_or("");
        let (skip, marked_shown, after_shown) = if line.chars().count() <= 3 * CARET_CONTEXT {
            (0, marked.len(), after.chars().count())
        } else {
            (
                before.len().saturating_sub(CARET_CONTEXT),
                marked.len().min(CARET_CONTEXT),
                after.chars().count().min(CARET_CONTEXT),
            )
        };
        let cut_after = marked_shown < marked.len() || after_shown < after.chars().count();
        let shown: String = before[skip..]
            .iter()
            .chain(&marked[..marked_shown])
            .copied()
            .chain(after.chars().take(if marked_shown < marked.len() {
                0
            } else {
                after_shown
            }))
            .collect();
        let lead = if skip > 0 { "…" } else { "" };
        let pad: String = lead
            .chars()
            .map(|_| ' ')
            .chain(
                before[skip..]
                    .iter()
                    .map(|&c| if c == '\t' { '\t' } else { ' ' }),
            )
            .collect();
        let tail = if cut_after { "…" } else { "" };
        format!(
            "  {lead}{shown}{tail}\n  {pad}{}",
            "^".repeat(marked_shown.max(1))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_names_but_not_the_name_itself() {
        let e = ExprError::name(
            "Muon_ptt",
            Span::default(),
            ["Muon_pt", "Muon_eta", "nMuon"],
        );
        assert!(
            e.message
                .starts_with("unknown name 'Muon_ptt'; did you mean 'Muon_pt'"),
            "{}",
            e.message
        );
        // A name known elsewhere but not here is not suggested to itself.
        let e = ExprError::name("Jet", Span::default(), ["Jet", "nJet"]);
        assert_eq!(e.message, "unknown name 'Jet'; did you mean 'nJet'?");
    }
}

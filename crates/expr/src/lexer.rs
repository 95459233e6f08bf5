//! Tokens of the expression language.

use crate::error::{ExprError, Span};

/// A token with its byte span in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// Where it is.
    pub span: Span,
}

/// Token kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// A floating-point literal with an `f` suffix (`1.03f`).
    Float32(f32),
    /// A name.
    Ident(String),
    /// A string literal in `"…"` or `'…'` (file and correction names of `correction()` and
    /// `lookup()`); `\\` and an escaped quote are its only escapes.
    Str(String),
    /// An operator or punctuation, e.g. `+`, `==`, `&&`, `(`.
    Sym(&'static str),
    /// End of input.
    End,
}

const SYMBOLS: [&str; 23] = [
    "==", "!=", "<=", ">=", "&&", "||", "**", "+", "-", "*", "/", "%", "<", ">", "!", "(", ")",
    "[", "]", ",", ".", "?", ":",
];

/// Split `src` into tokens.
pub fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        // Numbers start with a digit (`0.5`, not `.5`, so that `pair.0` is a field access).
        if c.is_ascii_digit() {
            let start = i;
            let mut is_float = false;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
                i += 1;
            }
            if i < bytes.len()
                && bytes[i] == b'.'
                && bytes.get(i + 1).is_none_or(|b| b.is_ascii_digit())
            {
                is_float = true;
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                let save = i;
                i += 1;
                if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                    i += 1;
                }
                if i < bytes.len() && bytes[i].is_ascii_digit() {
                    is_float = true;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                } else {
                    i = save;
                }
            }
            let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
            // C++'s `f` suffix makes a float literal single precision: `1.03f` is a `float`.
            let f32_suffix = is_float
                && i < bytes.len()
                && (bytes[i] == b'f' || bytes[i] == b'F')
                && bytes
                    .get(i + 1)
                    .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
            if f32_suffix {
                i += 1;
            }
            let span = Span::new(start, i);
            let kind = if f32_suffix {
                Tok::Float32(
                    text.parse()
                        .map_err(|_| ExprError::syntax(format!("bad number '{text}'"), span))?,
                )
            } else if is_float {
                Tok::Float(
                    text.parse()
                        .map_err(|_| ExprError::syntax(format!("bad number '{text}'"), span))?,
                )
            } else {
                Tok::Int(text.parse().map_err(|_| {
                    ExprError::syntax(
                        format!("bad number '{text}' (integers go up to 9223372036854775807)"),
                        span,
                    )
                })?)
            };
            out.push(Token { kind, span });
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &src[start..i];
            let span = Span::new(start, i);
            let kind = match word {
                "and" => Tok::Sym("&&"),
                "or" => Tok::Sym("||"),
                "not" => Tok::Sym("!"),
                _ => Tok::Ident(word.to_string()),
            };
            out.push(Token { kind, span });
            continue;
        }
        if c == b'"' || c == b'\'' {
            let start = i;
            let mut text = String::new();
            i += 1;
            loop {
                let Some(ch) = src[i..].chars().next() else {
                    return Err(ExprError::syntax(
                        "this string has no closing quote",
                        Span::new(start, src.len()),
                    ));
                };
                i += ch.len_utf8();
                if ch as u32 == c as u32 {
                    break;
                }
                if ch == '\\' {
                    match src[i..].chars().next() {
                        Some(e) if e == '\\' || e as u32 == c as u32 => {
                            text.push(e);
                            i += e.len_utf8();
                            continue;
                        }
                        _ => {}
                    }
                }
                text.push(ch);
            }
            out.push(Token {
                kind: Tok::Str(text),
                span: Span::new(start, i),
            });
            continue;
        }
        match SYMBOLS.iter().find(|s| src[i..].starts_with(**s)) {
            Some(s) => {
                out.push(Token {
                    kind: Tok::Sym(s),
                    span: Span::new(i, i + s.len()),
                });
                i += s.len();
            }
            None => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(ExprError::syntax(
                    format!("unexpected character '{ch}'"),
                    Span::new(i, i + ch.len_utf8()),
                ));
            }
        }
    }
    out.push(Token {
        kind: Tok::End,
        span: Span::new(src.len(), src.len()),
    });
    Ok(out)
}

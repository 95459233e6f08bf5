//! A Pratt parser for the expression language.
//!
//! Precedence, loosest first: `c ? a : b` (right-associative, as in C++), `||`, `&&`,
//! comparisons, `+ -`, `* / %`, unary `- !`, `**`, then postfix `.field`, `[index]`,
//! `[lo:hi]` and calls.

use crate::ast::{BinOp, Expr, ExprKind};
use crate::error::{ExprError, Span};
use crate::lexer::{lex, Tok, Token};

/// Parse one expression.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let tokens = lex(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let e = p.ternary()?;
    match &p.peek().kind {
        Tok::End => Ok(e),
        _ => Err(ExprError::syntax(
            "unexpected text after the expression",
            p.peek().span,
        )),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

/// Nesting (parentheses, calls, unary operators) deeper than this is refused: each level costs
/// the parser, the type checker and the evaluator a stack frame. About 200 nested parentheses.
const MAX_DEPTH: usize = 800;

fn infix(t: &Tok) -> Option<(BinOp, u8)> {
    let Tok::Sym(s) = t else { return None };
    Some(match *s {
        "||" => (BinOp::Or, 1),
        "&&" => (BinOp::And, 2),
        "==" => (BinOp::Eq, 3),
        "!=" => (BinOp::Ne, 3),
        "<" => (BinOp::Lt, 3),
        "<=" => (BinOp::Le, 3),
        ">" => (BinOp::Gt, 3),
        ">=" => (BinOp::Ge, 3),
        "+" => (BinOp::Add, 4),
        "-" => (BinOp::Sub, 4),
        "*" => (BinOp::Mul, 5),
        "/" => (BinOp::Div, 5),
        "%" => (BinOp::Rem, 5),
        _ => return None,
    })
}

/// The precedence of a binary operator.
fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
        BinOp::Add | BinOp::Sub => 4,
        BinOp::Mul | BinOp::Div | BinOp::Rem => 5,
        BinOp::Pow => 6,
    }
}

/// `lhs op rhs`, extending `lhs` when it is a binary operation or chain of the same
/// precedence: `(a + b) + c` is the chain `a + b + c` (the same left-to-right evaluation), so
/// long sums and `||` lists stay flat instead of nesting thousands deep.
fn append(lhs: Expr, op: BinOp, prec: u8, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    let chains = prec != 3 && prec != 6;
    match lhs.kind {
        ExprKind::Binary(op0, a, b) if chains && precedence(op0) == prec => Expr {
            kind: ExprKind::Chain(a, vec![(op0, *b), (op, rhs)]),
            span,
        },
        ExprKind::Chain(first, mut rest)
            if chains && rest.first().is_some_and(|(o, _)| precedence(*o) == prec) =>
        {
            rest.push((op, rhs));
            Expr {
                kind: ExprKind::Chain(first, rest),
                span,
            }
        }
        kind => Expr {
            kind: ExprKind::Binary(
                op,
                Box::new(Expr {
                    kind,
                    span: lhs.span,
                }),
                Box::new(rhs),
            ),
            span,
        },
    }
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }
    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn eat(&mut self, sym: &str) -> bool {
        if self.peek().kind
            == Tok::Sym(match sym {
                ")" => ")",
                "]" => "]",
                "," => ",",
                "(" => "(",
                ":" => ":",
                _ => return false,
            })
        {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, sym: &'static str, what: &str) -> Result<Span, ExprError> {
        let t = self.next();
        if t.kind == Tok::Sym(sym) {
            Ok(t.span)
        } else {
            Err(ExprError::syntax(
                format!("expected '{sym}' {what}"),
                t.span,
            ))
        }
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::syntax(
                "expression nested too deeply",
                self.peek().span,
            ));
        }
        Ok(())
    }

    /// `c ? a : b`, the loosest operator; `a ? b : c ? d : e` is `a ? b : (c ? d : e)`.
    fn ternary(&mut self) -> Result<Expr, ExprError> {
        self.enter()?;
        let cond = self.expr(0)?;
        let out = if self.peek().kind == Tok::Sym("?") {
            self.next();
            let a = self.ternary()?;
            self.expect(":", "between the two values of 'condition ? a : b'")?;
            let b = self.ternary()?;
            let span = cond.span.to(b.span);
            Expr {
                kind: ExprKind::Cond(Box::new(cond), Box::new(a), Box::new(b)),
                span,
            }
        } else {
            cond
        };
        self.depth -= 1;
        Ok(out)
    }

    fn expr(&mut self, min_prec: u8) -> Result<Expr, ExprError> {
        self.enter()?;
        let mut lhs = self.unary()?;
        while let Some((op, prec)) = infix(&self.peek().kind) {
            if prec < min_prec {
                break;
            }
            self.next();
            let rhs = self.expr(prec + 1)?;
            // Comparisons do not chain: `a < b < c` is almost always a mistake.
            if prec == 3 {
                if let Some((_, 3)) = infix(&self.peek().kind) {
                    return Err(ExprError::syntax(
                        "comparisons cannot be chained; combine them with &&",
                        self.peek().span,
                    ));
                }
            }
            lhs = append(lhs, op, prec, rhs);
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        self.enter()?;
        let r = self.unary_inner();
        self.depth -= 1;
        r
    }

    fn unary_inner(&mut self) -> Result<Expr, ExprError> {
        let t = self.peek().clone();
        match t.kind {
            Tok::Sym("-") => {
                self.next();
                let e = self.unary()?;
                let span = t.span.to(e.span);
                Ok(Expr {
                    kind: ExprKind::Neg(Box::new(e)),
                    span,
                })
            }
            Tok::Sym("!") => {
                self.next();
                let e = self.unary()?;
                let span = t.span.to(e.span);
                Ok(Expr {
                    kind: ExprKind::Not(Box::new(e)),
                    span,
                })
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, ExprError> {
        let base = self.postfix()?;
        if self.peek().kind == Tok::Sym("**") {
            self.next();
            let exp = self.unary()?;
            let span = base.span.to(exp.span);
            return Ok(Expr {
                kind: ExprKind::Binary(BinOp::Pow, Box::new(base), Box::new(exp)),
                span,
            });
        }
        Ok(base)
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.primary()?;
        loop {
            match self.peek().kind {
                Tok::Sym(".") => {
                    self.next();
                    let t = self.next();
                    let name = match t.kind {
                        Tok::Ident(n) => n,
                        Tok::Int(i) => i.to_string(),
                        _ => {
                            return Err(ExprError::syntax(
                                "expected a field name after '.'",
                                t.span,
                            ))
                        }
                    };
                    let span = e.span.to(t.span);
                    e = Expr {
                        kind: ExprKind::Field(Box::new(e), name, t.span),
                        span,
                    };
                }
                Tok::Sym("[") => {
                    self.next();
                    // `x[i]`, or a slice `x[lo:hi]` with either bound optional.
                    let lo = if self.peek().kind == Tok::Sym(":") {
                        None
                    } else {
                        Some(self.ternary()?)
                    };
                    if self.eat(":") {
                        let hi = if self.peek().kind == Tok::Sym("]") {
                            None
                        } else {
                            Some(self.ternary()?)
                        };
                        let close = self.expect("]", "to close the slice")?;
                        let span = e.span.to(close);
                        e = Expr {
                            kind: ExprKind::Slice(Box::new(e), lo.map(Box::new), hi.map(Box::new)),
                            span,
                        };
                        continue;
                    }
                    let Some(idx) = lo else {
                        return Err(ExprError::syntax("expected an index", self.peek().span));
                    };
                    let close = self.expect("]", "to close the index")?;
                    let span = e.span.to(close);
                    e = Expr {
                        kind: ExprKind::Index(Box::new(e), Box::new(idx)),
                        span,
                    };
                }
                _ => return Ok(e),
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let t = self.next();
        match t.kind {
            Tok::Int(i) => Ok(Expr {
                kind: ExprKind::Int(i),
                span: t.span,
            }),
            Tok::Float(f) => Ok(Expr {
                kind: ExprKind::Float(f),
                span: t.span,
            }),
            Tok::Float32(f) => Ok(Expr {
                kind: ExprKind::Float32(f),
                span: t.span,
            }),
            Tok::Str(text) => Ok(Expr {
                kind: ExprKind::Str(text),
                span: t.span,
            }),
            Tok::Ident(name) => {
                if name == "true" || name == "false" {
                    return Ok(Expr {
                        kind: ExprKind::Bool(name == "true"),
                        span: t.span,
                    });
                }
                if self.peek().kind == Tok::Sym("(") {
                    self.next();
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            args.push(self.ternary()?);
                            if self.eat(",") {
                                continue;
                            }
                            self.expect(")", "to close the argument list")?;
                            break;
                        }
                    }
                    let end = self.tokens[self.pos.saturating_sub(1)].span;
                    return Ok(Expr {
                        kind: ExprKind::Call(name, args),
                        span: t.span.to(end),
                    });
                }
                Ok(Expr {
                    kind: ExprKind::Name(name),
                    span: t.span,
                })
            }
            Tok::Sym("(") => {
                let e = self.ternary()?;
                self.expect(")", "to close the parenthesis")?;
                Ok(e)
            }
            Tok::End => Err(ExprError::syntax("the expression ends too early", t.span)),
            _ => Err(ExprError::syntax(
                "expected a number, a name or '('",
                t.span,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Int(i) => i.to_string(),
            ExprKind::Float(f) => format!("{f:?}"),
            ExprKind::Float32(f) => format!("{f:?}f"),
            ExprKind::Slice(a, lo, hi) => format!(
                "{}[{}:{}]",
                show(a),
                lo.as_ref().map_or(String::new(), |x| show(x)),
                hi.as_ref().map_or(String::new(), |x| show(x))
            ),
            ExprKind::Cond(c, a, b) => format!("({} ? {} : {})", show(c), show(a), show(b)),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Str(text) => format!("{text:?}"),
            ExprKind::Name(n) => n.clone(),
            ExprKind::Field(a, f, _) => format!("{}.{f}", show(a)),
            ExprKind::Index(a, i) => format!("{}[{}]", show(a), show(i)),
            ExprKind::Call(f, args) => format!(
                "{f}({})",
                args.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
            ExprKind::Neg(a) => format!("(-{})", show(a)),
            ExprKind::Not(a) => format!("(!{})", show(a)),
            ExprKind::Binary(op, a, b) => format!("({} {} {})", show(a), op.symbol(), show(b)),
            ExprKind::Chain(first, rest) => rest.iter().fold(show(first), |acc, (op, e)| {
                format!("({acc} {} {})", op.symbol(), show(e))
            }),
        }
    }

    #[test]
    fn precedence() {
        let cases = [
            ("1 + 2 * 3", "(1 + (2 * 3))"),
            ("a && b || c", "((a && b) || c)"),
            (
                "nMuon == 2 and Muon[0].charge != Muon[1].charge",
                "((nMuon == 2) && (Muon[0].charge != Muon[1].charge))",
            ),
            ("-x ** 2", "(-(x ** 2))"),
            ("abs(Jet.eta) < 2.4", "(abs(Jet.eta) < 2.4)"),
            ("Jet[Jet.pt > 30].pt", "Jet[(Jet.pt > 30)].pt"),
            ("pair.0.charge", "pair.0.charge"),
            ("a - b - c", "((a - b) - c)"),
            ("f()", "f()"),
            ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
            ("x > 0 || y ? 1 : 2", "(((x > 0) || y) ? 1 : 2)"),
            ("Jet[:4].pt", "Jet[:4].pt"),
            ("Jet.pt[1:-1]", "Jet.pt[1:(-1)]"),
            ("Jet[2:]", "Jet[2:]"),
            ("pt * 1.03f", "(pt * 1.03f)"),
            ("f(a ? 1 : 2, 3)", "f((a ? 1 : 2), 3)"),
        ];
        for (src, want) in cases {
            assert_eq!(
                show(&parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"))),
                want,
                "{src}"
            );
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("nMuon == ").unwrap_err();
        assert_eq!(e.span.start, 9);
        let e = parse("a < b < c").unwrap_err();
        assert!(e.message.contains("chained"));
        let e = parse("(a + b").unwrap_err();
        assert!(e.message.contains("')'"));
        let e = parse("a $ b").unwrap_err();
        assert_eq!(e.span, Span::new(2, 3));
        let deep = "(".repeat(500) + "1" + &")".repeat(500);
        assert!(parse(&deep).is_err());
        // Long chains are flat, not deep.
        let sum = (0..5000)
            .map(|i| format!("x{i}"))
            .collect::<Vec<_>>()
            .join(" + ");
        match parse(&sum).unwrap().kind {
            ExprKind::Chain(_, rest) => assert_eq!(rest.len(), 4999),
            other => panic!("{other:?}"),
        }
    }
}

//! The TFormula grammar of correctionlib, as a hand-written recursive-descent parser.
//!
//! correctionlib (`src/formula_ast.cc`) parses with cpp-peglib and this PEG grammar:
//!
//! ```text
//! EXPRESSION  <- ATOM (BINARYOP ATOM)* { precedence L || | L && | L == != | L > < >= <=
//!                                        | L - + | L / * | R ^ }
//! UNARYOP     <- < '-' >
//! BINARYOP    <- < '||' | '&&' | '==' | '!=' | '>' | '<' | '>=' | '<=' | '-' | '+' | '/' | '*' | '^' >
//! UNARYF      <- < 'log' | 'log10' | 'exp' | 'erf' | 'sqrt' | 'abs' | 'cos' | 'sin' | 'tan'
//!                | 'acos' | 'asin' | 'atan' | 'cosh' | 'sinh' | 'tanh' | 'acosh' | 'asinh' | 'atanh' >
//! BINARYF     <- < 'atan2' | 'pow' | 'max' | 'min' >
//! PARAMETER   <- '[' < [0-9]+ > ']'
//! VARIABLE    <- < VARNUM / VARNAME >
//! VARNAME     <- [xyzt]
//! VARNUM      <- 'x[' [0-9]+ ']'
//! LITERAL     <- < '-'? [0-9]+ ('.' [0-9]*)? ('e' '-'? [0-9]+)? >
//! CALLU       <- UNARYF '(' EXPRESSION ')'
//! CALLB       <- BINARYF '(' EXPRESSION ',' EXPRESSION ')'
//! ATOM        <- LITERAL / UATOM
//! UATOM       <- UNARYOP? ( CALLU / CALLB / NAME / '(' EXPRESSION ')' )
//! NAME        <- PARAMETER / VARIABLE
//! %whitespace <- [ \t]*
//! ```
//!
//! What follows from it, and is mirrored here:
//! - `a | b` alternatives are peglib *dictionaries* (a trie, longest match): `>=` is one
//!   operator, `log10` is not `log` followed by `10`.
//! - A literal may carry its own minus sign and `ATOM` tries `LITERAL` first, so `-2^2` is
//!   `(-2)^2 = 4`; a unary minus binds tighter than every binary operator, so `-x^2` is
//!   `(-x)^2`. `^` is right-associative (`2^3^2 = 2^9`), everything else left-associative.
//! - Exponents are `e` or `e-` only (`1e+3`, `1E3` and `.5` do not parse); `- 3` does not
//!   parse (no space inside a literal, and a unary minus must precede a call, a name or a
//!   parenthesis), while `- x` does.
//! - Whitespace (spaces and tabs only) may follow any token and any `(`, `)`, `,`, `[`, `]`,
//!   and may open the expression; it may not appear inside `x[0]` or a literal.
//! - Literals are read with `std::istringstream >> double` (peglib's `token_to_number`):
//!   correctly rounded, and an overflow gives `±DBL_MAX` (libstdc++ sets failbit and
//!   stores the largest finite value). Parameter indices are read with `std::from_chars`,
//!   which leaves the result at 0 on overflow, so `[99999999999999999999]` is `[0]`.
//!
//! The parser produces an arena whose children precede their parents, so compiling and
//! evaluating never recurse. Parsing recurses once per nesting level (parentheses,
//! function calls, `^` chains), bounded by [`MAX_DEPTH`] with a typed error.

use crate::error::FormulaError;

/// The deepest nesting of parentheses, calls and right-associative `^` chains accepted.
pub const MAX_DEPTH: usize = 200;

/// Unary operations (`FormulaAst::UnaryOp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum UnaryOp {
    Negative,
    Log,
    Log10,
    Exp,
    Erf,
    Sqrt,
    Abs,
    Cos,
    Sin,
    Tan,
    Acos,
    Asin,
    Atan,
    Cosh,
    Sinh,
    Tanh,
    Acosh,
    Asinh,
    Atanh,
}

/// Binary operations (`FormulaAst::BinaryOp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BinaryOp {
    LogicalOr,
    LogicalAnd,
    Equal,
    NotEqual,
    Greater,
    Less,
    GreaterEq,
    LessEq,
    Minus,
    Plus,
    Div,
    Times,
    Pow,
    Atan2,
    Max,
    Min,
}

/// One node of the parsed expression; operands are indices of earlier nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Ast {
    Literal(f64),
    /// Index into the formula's `variables` list (x = 0, y = 1, z = 2, t = 3, `x[i]` = i).
    Variable(usize),
    /// `[i]`.
    Parameter(usize),
    Unary(UnaryOp, usize),
    Binary(BinaryOp, usize, usize),
}

/// A parsed expression: `nodes[root]` is the result, children precede parents.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    pub(crate) nodes: Vec<Ast>,
    pub(crate) root: usize,
}

const UNARY_FUNCTIONS: [(&str, UnaryOp); 18] = [
    ("log", UnaryOp::Log),
    ("log10", UnaryOp::Log10),
    ("exp", UnaryOp::Exp),
    ("erf", UnaryOp::Erf),
    ("sqrt", UnaryOp::Sqrt),
    ("abs", UnaryOp::Abs),
    ("cos", UnaryOp::Cos),
    ("sin", UnaryOp::Sin),
    ("tan", UnaryOp::Tan),
    ("acos", UnaryOp::Acos),
    ("asin", UnaryOp::Asin),
    ("atan", UnaryOp::Atan),
    ("cosh", UnaryOp::Cosh),
    ("sinh", UnaryOp::Sinh),
    ("tanh", UnaryOp::Tanh),
    ("acosh", UnaryOp::Acosh),
    ("asinh", UnaryOp::Asinh),
    ("atanh", UnaryOp::Atanh),
];

const BINARY_FUNCTIONS: [(&str, BinaryOp); 4] = [
    ("atan2", BinaryOp::Atan2),
    ("pow", BinaryOp::Pow),
    ("max", BinaryOp::Max),
    ("min", BinaryOp::Min),
];

/// Binary operators with their precedence level (higher binds tighter) and associativity,
/// from the grammar's `precedence` block.
const BINARY_OPERATORS: [(&str, BinaryOp, u8, bool); 13] = [
    ("||", BinaryOp::LogicalOr, 1, false),
    ("&&", BinaryOp::LogicalAnd, 2, false),
    ("==", BinaryOp::Equal, 3, false),
    ("!=", BinaryOp::NotEqual, 3, false),
    (">", BinaryOp::Greater, 4, false),
    ("<", BinaryOp::Less, 4, false),
    (">=", BinaryOp::GreaterEq, 4, false),
    ("<=", BinaryOp::LessEq, 4, false),
    ("-", BinaryOp::Minus, 5, false),
    ("+", BinaryOp::Plus, 5, false),
    ("/", BinaryOp::Div, 6, false),
    ("*", BinaryOp::Times, 6, false),
    ("^", BinaryOp::Pow, 7, true),
];

/// Longest entry of `dict` that prefixes `text` (peglib's `Trie::match`).
fn longest_match<T: Copy>(text: &[u8], dict: &[(&str, T)]) -> Option<(usize, T)> {
    dict.iter()
        .filter(|(word, _)| text.starts_with(word.as_bytes()))
        .max_by_key(|(word, _)| word.len())
        .map(|(word, t)| (word.len(), *t))
}

/// The binary operator at the start of `text` (longest match), with its length.
fn binary_operator(text: &[u8]) -> Option<(usize, BinaryOp, u8, bool)> {
    BINARY_OPERATORS
        .iter()
        .filter(|(word, ..)| text.starts_with(word.as_bytes()))
        .max_by_key(|(word, ..)| word.len())
        .map(|&(word, op, level, right)| (word.len(), op, level, right))
}

/// Why parsing stopped.
enum Stop {
    /// The grammar does not match; the furthest failure is recorded in the parser.
    Syntax,
    /// Too deep.
    Deep(usize),
}

struct Parser<'s> {
    text: &'s [u8],
    pos: usize,
    depth: usize,
    nodes: Vec<Ast>,
    furthest: usize,
    expected: Vec<&'static str>,
}

impl<'s> Parser<'s> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn rest(&self) -> &'s [u8] {
        &self.text[self.pos.min(self.text.len())..]
    }

    /// `%whitespace <- [ \t]*`.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Records a failure at `pos` expecting `what` (the furthest failure is reported).
    fn fail(&mut self, pos: usize, what: &'static str) -> Stop {
        if pos > self.furthest {
            self.furthest = pos;
            self.expected.clear();
        }
        if pos == self.furthest && !self.expected.contains(&what) {
            self.expected.push(what);
        }
        Stop::Syntax
    }

    fn push(&mut self, node: Ast) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// A literal character outside a token, followed by whitespace.
    fn expect(&mut self, c: u8, what: &'static str) -> Result<(), Stop> {
        if self.peek() == Some(c) {
            self.pos += 1;
            self.ws();
            Ok(())
        } else {
            Err(self.fail(self.pos, what))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `EXPRESSION` with precedence climbing, as peglib's `PrecedenceClimbing`.
    fn expression(&mut self, min_level: u8) -> Result<usize, Stop> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::Deep(self.pos));
        }
        let mut lhs = self.atom()?;
        loop {
            let Some((len, op, level, right)) = binary_operator(self.rest()) else {
                self.fail(self.pos, "<BINARYOP>");
                break;
            };
            if level < min_level {
                break;
            }
            self.pos += len;
            self.ws();
            let next = if right { level } else { level + 1 };
            // A failed right operand fails the whole parse: the operator's first character
            // can continue no enclosing rule (it is never `)`, `,` or the end).
            let rhs = self.expression(next)?;
            lhs = self.push(Ast::Binary(op, lhs, rhs));
        }
        self.depth -= 1;
        Ok(lhs)
    }

    /// `ATOM <- LITERAL / UATOM`.
    fn atom(&mut self) -> Result<usize, Stop> {
        if let Some(value) = self.literal() {
            return Ok(self.push(Ast::Literal(value)));
        }
        // UATOM <- UNARYOP? ( CALLU / CALLB / NAME / '(' EXPRESSION ')' )
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
            self.ws();
        }
        let inner = self.unary_operand()?;
        if negative {
            Ok(self.push(Ast::Unary(UnaryOp::Negative, inner)))
        } else {
            Ok(inner)
        }
    }

    fn unary_operand(&mut self) -> Result<usize, Stop> {
        let start = self.pos;
        // CALLU
        if let Some((len, op)) = longest_match(self.rest(), &UNARY_FUNCTIONS) {
            self.pos += len;
            self.ws();
            if self.peek() == Some(b'(') {
                self.pos += 1;
                self.ws();
                let arg = self.expression(0)?;
                self.expect(b')', "')'")?;
                return Ok(self.push(Ast::Unary(op, arg)));
            }
            self.fail(self.pos, "'('");
            self.pos = start;
        } else {
            self.fail(start, "<UNARYF>");
        }
        // CALLB
        if let Some((len, op)) = longest_match(self.rest(), &BINARY_FUNCTIONS) {
            self.pos += len;
            self.ws();
            if self.peek() == Some(b'(') {
                self.pos += 1;
                self.ws();
                let a = self.expression(0)?;
                self.expect(b',', "','")?;
                let b = self.expression(0)?;
                self.expect(b')', "')'")?;
                return Ok(self.push(Ast::Binary(op, a, b)));
            }
            self.fail(self.pos, "'('");
            self.pos = start;
        } else {
            self.fail(start, "<BINARYF>");
        }
        // NAME <- PARAMETER / VARIABLE
        match self.peek() {
            Some(b'[') => {
                self.pos += 1;
                self.ws();
                let digits_start = self.pos;
                let n = self.digits();
                if n == 0 {
                    return Err(self.fail(self.pos, "<PARAMETER>"));
                }
                let index = from_chars_or_zero(&self.text[digits_start..self.pos]);
                self.ws();
                self.expect(b']', "']'")?;
                Ok(self.push(Ast::Parameter(index)))
            }
            Some(c @ (b'x' | b'y' | b'z' | b't')) => {
                // VARNUM <- 'x[' [0-9]+ ']' (inside the token: no whitespace)
                if c == b'x' && self.text.get(self.pos + 1) == Some(&b'[') {
                    let save = self.pos;
                    self.pos += 2;
                    let digits_start = self.pos;
                    let n = self.digits();
                    if n > 0 && self.peek() == Some(b']') {
                        let digits = &self.text[digits_start..self.pos];
                        self.pos += 1;
                        self.ws();
                        // from_chars failure (overflow) throws in the reference.
                        let index = parse_usize(digits).ok_or_else(|| {
                            self.fail(digits_start, "a variable index that fits in size_t")
                        })?;
                        return Ok(self.push(Ast::Variable(index)));
                    }
                    self.fail(self.pos, "<VARNUM>");
                    self.pos = save;
                }
                self.pos += 1;
                self.ws();
                let index = match c {
                    b'x' => 0,
                    b'y' => 1,
                    b'z' => 2,
                    _ => 3,
                };
                Ok(self.push(Ast::Variable(index)))
            }
            Some(b'(') => {
                self.pos += 1;
                self.ws();
                let inner = self.expression(0)?;
                self.expect(b')', "')'")?;
                Ok(inner)
            }
            _ => Err(self.fail(self.pos, "<VARNAME>")),
        }
    }

    /// `LITERAL <- < '-'? [0-9]+ ('.' [0-9]*)? ('e' '-'? [0-9]+)? >`, then whitespace.
    fn literal(&mut self) -> Option<f64> {
        let text = self.text;
        let start = self.pos;
        let mut i = start;
        if text.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        while matches!(text.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == int_start {
            self.fail(i, "<LITERAL>");
            return None;
        }
        if text.get(i) == Some(&b'.') {
            i += 1;
            while matches!(text.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        if text.get(i) == Some(&b'e') {
            let mut j = i + 1;
            if text.get(j) == Some(&b'-') {
                j += 1;
            }
            let exp_start = j;
            while matches!(text.get(j), Some(b'0'..=b'9')) {
                j += 1;
            }
            if j > exp_start {
                i = j;
            } else {
                self.fail(j, "<LITERAL>");
            }
        }
        // The token is ASCII digits, '-', '.', 'e': always valid UTF-8 and a valid float.
        let token = std::str::from_utf8(&text[start..i]).ok()?;
        let value: f64 = token.parse().ok()?;
        self.pos = i;
        self.ws();
        // libstdc++'s num_get: an out-of-range value is stored as ±DBL_MAX.
        Some(if value.is_infinite() {
            f64::MAX.copysign(value)
        } else {
            value
        })
    }
}

/// `std::from_chars` into a `size_t` that is left at 0 when the digits overflow.
fn from_chars_or_zero(digits: &[u8]) -> usize {
    parse_usize(digits).unwrap_or(0)
}

fn parse_usize(digits: &[u8]) -> Option<usize> {
    digits.iter().try_fold(0usize, |acc, d| {
        acc.checked_mul(10)?.checked_add(usize::from(d - b'0'))
    })
}

/// Parses a TFormula expression.
pub(crate) fn parse(expression: &str) -> Result<Parsed, FormulaError> {
    let mut p = Parser {
        text: expression.as_bytes(),
        pos: 0,
        depth: 0,
        nodes: Vec::new(),
        furthest: 0,
        expected: Vec::new(),
    };
    p.ws();
    let result = p.expression(0);
    match result {
        Ok(root) if p.pos == p.text.len() => Ok(Parsed {
            nodes: p.nodes,
            root,
        }),
        Ok(_) | Err(Stop::Syntax) => {
            let at = p.furthest.max(p.pos).min(p.text.len());
            let found = match expression.get(at..).and_then(|s| s.chars().next()) {
                Some(c) => format!("unexpected {c:?}"),
                None => "unexpected end of expression".to_string(),
            };
            let message = if p.furthest >= p.pos && !p.expected.is_empty() {
                format!("{found}, expecting {}", p.expected.join(", "))
            } else {
                format!("{found}, expecting end of expression")
            };
            Err(FormulaError::Syntax {
                expression: expression.to_string(),
                position: at + 1,
                message,
            })
        }
        Err(Stop::Deep(at)) => Err(FormulaError::TooDeep {
            expression: expression.to_string(),
            position: at + 1,
            limit: MAX_DEPTH,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(expr: &str) -> String {
        let p = parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        fn show(p: &Parsed, i: usize) -> String {
            match p.nodes[i] {
                Ast::Literal(v) => format!("{v}"),
                Ast::Variable(i) => format!("v{i}"),
                Ast::Parameter(i) => format!("p{i}"),
                Ast::Unary(op, a) => format!("{op:?}({})", show(p, a)),
                Ast::Binary(op, a, b) => format!("{op:?}({}, {})", show(p, a), show(p, b)),
            }
        }
        show(&p, p.root)
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(shape("-2^2"), "Pow(-2, 2)");
        assert_eq!(shape("-x^2"), "Pow(Negative(v0), 2)");
        assert_eq!(shape("2^3^2"), "Pow(2, Pow(3, 2))");
        assert_eq!(shape("1-2-3"), "Minus(Minus(1, 2), 3)");
        assert_eq!(shape("1+2*3"), "Plus(1, Times(2, 3))");
        assert_eq!(
            shape("x>=1||y<2&&z"),
            "LogicalOr(GreaterEq(v0, 1), LogicalAnd(Less(v1, 2), v2))"
        );
        assert_eq!(shape(" x - -3"), "Minus(v0, -3)");
        assert_eq!(shape("- x"), "Negative(v0)");
        assert_eq!(shape("[ 0 ] + x[12]"), "Plus(p0, v12)");
        assert_eq!(
            shape("log10(t)*atan2(y, z)"),
            "Times(Log10(v3), Atan2(v1, v2))"
        );
        assert_eq!(shape("tanh(t)"), "Tanh(v3)");
        assert_eq!(shape("[99999999999999999999999]"), "p0");
        assert_eq!(shape("1.e-2"), "0.01");
        assert_eq!(shape("1e400"), format!("{}", f64::MAX));
    }

    #[test]
    fn rejects_what_the_reference_rejects() {
        for bad in [
            "",
            "1e+3",
            "1E3",
            ".5",
            "- 3",
            "x + * 2",
            "--x",
            "x**2",
            "x = 1",
            "x[ 0]",
            "tan",
            "log1(x)",
            "x\n",
            "(x",
            "pow(x)",
            "xy",
            "x[99999999999999999999999]",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
        match parse("x + * 2") {
            Err(FormulaError::Syntax { position, .. }) => assert_eq!(position, 5),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let deep = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(parse(&deep), Err(FormulaError::TooDeep { .. })));
        let pow_chain = vec!["x"; 5_000].join("^");
        assert!(matches!(
            parse(&pow_chain),
            Err(FormulaError::TooDeep { .. })
        ));
        // Long left-associative chains do not nest.
        let sum = vec!["x"; 20_000].join("+");
        assert!(parse(&sum).is_ok());
    }
}

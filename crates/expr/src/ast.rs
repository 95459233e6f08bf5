//! The syntax tree of an expression.

use crate::error::Span;

/// An expression node.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is in the source.
    pub span: Span,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `**`
    Pow,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&` / `and`
    And,
    /// `||` / `or`
    Or,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Pow => "**",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

/// Expression kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// An integer literal.
    Int(i64),
    /// A floating-point literal (a C++ `double`).
    Float(f64),
    /// A single-precision literal with C++'s `f` suffix (`1.03f`, a `float`).
    Float32(f32),
    /// `true` / `false`.
    Bool(bool),
    /// A string literal: only an argument of `correction()` and `lookup()` (a file, a
    /// correction's name, a string input).
    Str(String),
    /// A name: a branch, a collection or a defined value.
    Name(String),
    /// `a.b`: a field of a record or collection, or a four-vector property.
    Field(Box<Expr>, String, Span),
    /// `a[b]`: an index, a list of indices or a mask.
    Index(Box<Expr>, Box<Expr>),
    /// `a[lo:hi]`: a slice of each event's list (either bound may be absent).
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// `c ? a : b`: `a` where `c` is true, `b` elsewhere.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `f(a, b)`.
    Call(String, Vec<Expr>),
    /// `-a`.
    Neg(Box<Expr>),
    /// `!a`.
    Not(Box<Expr>),
    /// `a op b`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a op b op c …`: three or more operands of left-associative operators of one precedence
    /// (`+ -`, `* / %`, `&&`, `||`), evaluated left to right. Kept flat, so that a sum of
    /// thousands of terms or a long `||` of run ranges is no deeper than `a + b`.
    Chain(Box<Expr>, Vec<(BinOp, Expr)>),
}

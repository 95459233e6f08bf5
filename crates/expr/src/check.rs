//! Type checking: an [`Expr`](crate::ast::Expr) against a [`Schema`] becomes a typed [`Node`]
//! tree, evaluated column-wise by [`crate::eval`].
//!
//! Types: per-event numbers (`Num`), per-event lists of numbers (`List`), one record of a
//! collection per event (`Obj`, e.g. `Muon[0]`), a list of records (`Objs`, e.g. `Muon` or
//! `Jet[Jet.pt > 30]`), and four-vectors (`P4`, `P4List`), built from a record's
//! `pt, eta, phi, mass` in double precision as ROOT's `PtEtaPhiMVector` does.

use crate::ast::{BinOp, Expr, ExprKind};
use crate::error::{ExprError, Span};
use crate::schema::{BranchType, Num, Schema};

/// The type of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// One number per event.
    Num(Num),
    /// A list of numbers per event.
    List(Num),
    /// One record of a collection per event.
    Obj(String),
    /// A list of records of a collection per event.
    Objs(String),
    /// One four-vector per event.
    P4,
    /// A list of four-vectors per event.
    P4List,
    /// A list of tuples of records per event (`combinations(Jet, 3)`, `cartesian(Muon, Jet)`);
    /// slot `i` (`.0`, `.1`, …) holds records of collection `i`.
    Tuples(Vec<String>),
    /// One tuple of records per event (e.g. the best pair picked with an index).
    Tuple(Vec<String>),
}

impl Ty {
    /// A description for messages: `float`, `list of float`, `Muon record`, …
    pub fn describe(&self) -> String {
        match self {
            Ty::Num(n) => n.name().to_string(),
            Ty::List(n) => format!("list of {}", n.name()),
            Ty::Obj(c) => format!("{c} record"),
            Ty::Objs(c) => format!("list of {c} records"),
            Ty::P4 => "four-vector".into(),
            Ty::P4List => "list of four-vectors".into(),
            Ty::Tuples(c) => format!("list of ({}) tuples", c.join(", ")),
            Ty::Tuple(c) => format!("({}) tuple", c.join(", ")),
        }
    }
}

/// Functions of one number, applied element-wise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Math1 {
    Abs,
    Sqrt,
    Exp,
    Log,
    Log10,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Floor,
    Ceil,
}

/// Functions of two numbers, applied element-wise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Math2 {
    Atan2,
    Pow,
    Min,
    Max,
}

/// Per-event reductions of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduce {
    Sum,
    Count,
    Any,
    All,
    Min,
    Max,
    Mean,
    ArgMin,
    ArgMax,
    Len,
}

/// Four-vector properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum P4Prop {
    Pt,
    Eta,
    Phi,
    Mass,
    E,
    Px,
    Py,
    Pz,
}

/// A literal value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lit {
    Bool(bool),
    Int(i64),
    Float(f64),
}

/// A typed expression, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum Node {
    Lit(Lit),
    Branch(String),
    Define(usize),
    Collection(String),
    /// A field of records: `branches` has one branch per part of the collection (one for a
    /// collection of the file, several for a concatenation); empty for `flavour`.
    Field {
        obj: Box<Node>,
        coll: String,
        field: String,
        branches: Vec<String>,
    },
    /// The position of each record in its event's list.
    Position {
        obj: Box<Node>,
        coll: String,
    },
    Combinations {
        coll: Box<Node>,
        name: String,
        k: usize,
    },
    Cartesian {
        a: Box<Node>,
        b: Box<Node>,
    },
    Slot {
        tuples: Box<Node>,
        slot: usize,
    },
    Concat {
        parts: Vec<String>,
    },
    MinDeltaR {
        a: Box<Node>,
        b: Box<Node>,
    },
    Index {
        list: Box<Node>,
        index: Box<Node>,
        span: Span,
    },
    Mask {
        list: Box<Node>,
        mask: Box<Node>,
        span: Span,
    },
    Neg(Box<Node>),
    Not(Box<Node>),
    Binary {
        op: BinOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
        num: Num,
        span: Span,
    },
    Math1 {
        f: Math1,
        arg: Box<Node>,
        num: Num,
    },
    Math2 {
        f: Math2,
        a: Box<Node>,
        b: Box<Node>,
        num: Num,
    },
    Reduce {
        f: Reduce,
        arg: Box<Node>,
        num: Num,
        span: Span,
    },
    P4Of {
        obj: Box<Node>,
        coll: String,
    },
    P4Sum(Box<Node>, Box<Node>),
    P4SumList(Box<Node>, Box<Node>),
    P4Prop {
        arg: Box<Node>,
        prop: P4Prop,
    },
    DeltaPhi {
        a: Box<Node>,
        b: Box<Node>,
    },
    DeltaR {
        a: Box<Node>,
        b: Box<Node>,
    },
}

/// A type-checked expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed {
    /// The evaluation tree.
    pub node: Node,
    /// Its type.
    pub ty: Ty,
    /// Whether it is a literal (literals take the number type of what they meet, so that
    /// `Jet.pt > 40` compares in single precision like C++'s `pt > 40.f`).
    pub literal: bool,
}

/// Names defined earlier in an analysis (`let`-style defines), visible to later expressions.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// `(name, typed expression)` in definition order; `Node::Define(i)` refers to entry `i`.
    pub defines: Vec<(String, Typed)>,
}

/// Type-check `expr` against `schema` and the defines in `scope`.
pub fn check(expr: &Expr, schema: &Schema, scope: &Scope) -> Result<Typed, ExprError> {
    Checker { schema, scope }.check(expr)
}

struct Checker<'a> {
    schema: &'a Schema,
    scope: &'a Scope,
}

fn typed(node: Node, ty: Ty) -> Typed {
    Typed {
        node,
        ty,
        literal: false,
    }
}

/// The number type two operands compute in, as C++ would: an integer literal takes the type of
/// the column it meets (`Jet.pt > 40` is `pt > 40` on a float), a float literal is a double
/// (`dr < 0.4` compares in double precision); otherwise the wider type wins.
fn promote(a: &Typed, an: Num, b: &Typed, bn: Num) -> Num {
    fn adapt(lit: Num, col: Num) -> Num {
        match (lit, col) {
            // A float literal is a C++ double: `x < 0.4` compares a float in double precision.
            (Num::F64, Num::Int | Num::F32) => Num::F64,
            (_, c) => c,
        }
    }
    fn wider(a: Num, b: Num) -> Num {
        use Num::*;
        match (a, b) {
            (F64, _) | (_, F64) => F64,
            (F32, _) | (_, F32) => F32,
            (Int, _) | (_, Int) => Int,
            _ => Bool,
        }
    }
    match (a.literal, b.literal) {
        (true, false) => adapt(an, bn),
        (false, true) => adapt(bn, an),
        _ => wider(an, bn),
    }
}

const P4_PROPS: [(&str, P4Prop); 8] = [
    ("pt", P4Prop::Pt),
    ("eta", P4Prop::Eta),
    ("phi", P4Prop::Phi),
    ("mass", P4Prop::Mass),
    ("e", P4Prop::E),
    ("px", P4Prop::Px),
    ("py", P4Prop::Py),
    ("pz", P4Prop::Pz),
];

impl Checker<'_> {
    fn check(&self, e: &Expr) -> Result<Typed, ExprError> {
        match &e.kind {
            ExprKind::Int(i) => Ok(Typed {
                node: Node::Lit(Lit::Int(*i)),
                ty: Ty::Num(Num::Int),
                literal: true,
            }),
            ExprKind::Float(f) => Ok(Typed {
                node: Node::Lit(Lit::Float(*f)),
                ty: Ty::Num(Num::F64),
                literal: true,
            }),
            ExprKind::Bool(b) => Ok(Typed {
                node: Node::Lit(Lit::Bool(*b)),
                ty: Ty::Num(Num::Bool),
                literal: true,
            }),
            ExprKind::Name(n) => self.name(n, e.span),
            ExprKind::Field(obj, field, fspan) => {
                let o = self.check(obj)?;
                self.field(o, field, *fspan)
            }
            ExprKind::Index(list, idx) => {
                let l = self.check(list)?;
                let i = self.check(idx)?;
                self.index(l, i, idx.span, e.span)
            }
            ExprKind::Neg(a) => {
                let a = self.check(a)?;
                match &a.ty {
                    Ty::Num(n) | Ty::List(n) if n.is_number() => Ok(Typed {
                        ty: a.ty.clone(),
                        literal: a.literal,
                        node: Node::Neg(Box::new(a.node)),
                    }),
                    t => Err(ExprError::ty(
                        format!("cannot negate a {}", t.describe()),
                        e.span,
                    )),
                }
            }
            ExprKind::Not(a) => {
                let a = self.check(a)?;
                match &a.ty {
                    Ty::Num(Num::Bool) | Ty::List(Num::Bool) => Ok(Typed {
                        ty: a.ty.clone(),
                        literal: a.literal,
                        node: Node::Not(Box::new(a.node)),
                    }),
                    t => Err(ExprError::ty(
                        format!("'!' needs a bool, not a {}", t.describe()),
                        e.span,
                    )),
                }
            }
            ExprKind::Binary(op, a, b) => {
                let (ta, tb) = (self.check(a)?, self.check(b)?);
                self.binary(*op, ta, a.span, tb, b.span, e.span)
            }
            ExprKind::Call(f, args) => self.call(f, args, e.span),
        }
    }

    fn name(&self, n: &str, span: Span) -> Result<Typed, ExprError> {
        if let Some(i) = self.scope.defines.iter().rposition(|(d, _)| d == n) {
            let t = &self.scope.defines[i].1;
            return Ok(Typed {
                node: Node::Define(i),
                ty: t.ty.clone(),
                literal: false,
            });
        }
        if let Some(bt) = self.schema.branches.get(n) {
            let ty = match bt {
                BranchType::Scalar(k) => Ty::Num(*k),
                BranchType::List(k) => Ty::List(*k),
            };
            return Ok(typed(Node::Branch(n.to_string()), ty));
        }
        if self.schema.collections.contains_key(n) {
            return Ok(typed(
                Node::Collection(n.to_string()),
                Ty::Objs(n.to_string()),
            ));
        }
        let defined: Vec<&str> = self.scope.defines.iter().map(|(d, _)| d.as_str()).collect();
        Err(ExprError::name(n, span, self.schema.names().chain(defined)))
    }

    /// The fields of a collection or concatenation: field → (branch per part, number type).
    fn coll_fields(&self, c: &str) -> std::collections::BTreeMap<String, (Vec<String>, Num)> {
        let mut out = std::collections::BTreeMap::new();
        let parts: Vec<&str> = c.split('+').collect();
        let Some(first) = self.schema.collections.get(parts[0]) else {
            return out;
        };
        'field: for (f, b0) in &first.fields {
            let mut branches = vec![b0.clone()];
            let mut num = match self.schema.branches.get(b0) {
                Some(BranchType::List(k)) => *k,
                _ => Num::F64,
            };
            for p in &parts[1..] {
                let Some(b) = self
                    .schema
                    .collections
                    .get(*p)
                    .and_then(|cl| cl.fields.get(f))
                else {
                    continue 'field;
                };
                if let Some(BranchType::List(k)) = self.schema.branches.get(b) {
                    if *k != num {
                        num = if k.is_number() && num.is_number() {
                            Num::F64
                        } else {
                            num
                        };
                    }
                }
                branches.push(b.clone());
            }
            out.insert(f.clone(), (branches, num));
        }
        if parts.len() > 1 {
            out.insert("flavour".into(), (Vec::new(), Num::Int));
        }
        out
    }

    fn field(&self, o: Typed, field: &str, span: Span) -> Result<Typed, ExprError> {
        match &o.ty {
            Ty::Obj(c) | Ty::Objs(c) => {
                let fields = self.coll_fields(c);
                let list = matches!(o.ty, Ty::Objs(_));
                if let Some((branches, num)) = fields.get(field) {
                    let ty = if list { Ty::List(*num) } else { Ty::Num(*num) };
                    return Ok(typed(
                        Node::Field {
                            obj: Box::new(o.node),
                            coll: c.clone(),
                            field: field.to_string(),
                            branches: branches.clone(),
                        },
                        ty,
                    ));
                }
                if field == "index" {
                    let ty = if list {
                        Ty::List(Num::Int)
                    } else {
                        Ty::Num(Num::Int)
                    };
                    return Ok(typed(
                        Node::Position {
                            obj: Box::new(o.node),
                            coll: c.clone(),
                        },
                        ty,
                    ));
                }
                if field == "p4" || P4_PROPS.iter().any(|(n, _)| *n == field) {
                    let p4 = self.p4_of(o, span)?;
                    if field == "p4" {
                        return Ok(p4);
                    }
                    return self.field(p4, field, span);
                }
                let mut e = ExprError::name(field, span, fields.keys().map(String::as_str));
                e.message = e.message.replacen(
                    &format!("unknown name '{field}'"),
                    &format!("{c} records have no field '{field}'"),
                    1,
                );
                Err(e)
            }
            Ty::Tuples(cs) | Ty::Tuple(cs) => {
                let slot: usize = match field.parse() {
                    Ok(i) if i < cs.len() => i,
                    _ => {
                        return Err(ExprError::ty(
                            format!(
                                "a {} has slots .0 to .{}, not .{field}",
                                o.ty.describe(),
                                cs.len() - 1
                            ),
                            span,
                        ))
                    }
                };
                let ty = if matches!(o.ty, Ty::Tuples(_)) {
                    Ty::Objs(cs[slot].clone())
                } else {
                    Ty::Obj(cs[slot].clone())
                };
                Ok(typed(
                    Node::Slot {
                        tuples: Box::new(o.node),
                        slot,
                    },
                    ty,
                ))
            }
            Ty::P4 | Ty::P4List => {
                let Some((_, prop)) = P4_PROPS.iter().find(|(n, _)| *n == field) else {
                    return Err(ExprError::name(
                        field,
                        span,
                        P4_PROPS.iter().map(|(n, _)| *n),
                    ));
                };
                let ty = if o.ty == Ty::P4 {
                    Ty::Num(Num::F64)
                } else {
                    Ty::List(Num::F64)
                };
                Ok(typed(
                    Node::P4Prop {
                        arg: Box::new(o.node),
                        prop: *prop,
                    },
                    ty,
                ))
            }
            t => Err(ExprError::ty(
                format!("a {} has no fields (.{field})", t.describe()),
                span,
            )),
        }
    }

    fn p4_of(&self, o: Typed, span: Span) -> Result<Typed, ExprError> {
        match &o.ty {
            Ty::P4 | Ty::P4List => Ok(o),
            Ty::Obj(c) | Ty::Objs(c) => {
                let fields = self.coll_fields(c);
                for need in ["pt", "eta", "phi"] {
                    if !fields.contains_key(need) {
                        return Err(ExprError::ty(
                            format!(
                                "{c} records have no '{need}' field, so they are not four-vectors"
                            ),
                            span,
                        ));
                    }
                }
                let ty = if matches!(o.ty, Ty::Obj(_)) {
                    Ty::P4
                } else {
                    Ty::P4List
                };
                Ok(typed(
                    Node::P4Of {
                        obj: Box::new(o.node),
                        coll: c.clone(),
                    },
                    ty,
                ))
            }
            t => Err(ExprError::ty(
                format!("a {} is not a four-vector", t.describe()),
                span,
            )),
        }
    }

    fn index(&self, l: Typed, i: Typed, ispan: Span, span: Span) -> Result<Typed, ExprError> {
        match (&l.ty, &i.ty) {
            (Ty::List(k), Ty::Num(Num::Int)) => {
                let k = *k;
                Ok(typed(
                    Node::Index {
                        list: Box::new(l.node),
                        index: Box::new(i.node),
                        span,
                    },
                    Ty::Num(k),
                ))
            }
            (Ty::Objs(c), Ty::Num(Num::Int)) => {
                let c = c.clone();
                Ok(typed(
                    Node::Index {
                        list: Box::new(l.node),
                        index: Box::new(i.node),
                        span,
                    },
                    Ty::Obj(c),
                ))
            }
            (Ty::Tuples(cs), Ty::Num(Num::Int)) => {
                let cs = cs.clone();
                Ok(typed(
                    Node::Index {
                        list: Box::new(l.node),
                        index: Box::new(i.node),
                        span,
                    },
                    Ty::Tuple(cs),
                ))
            }
            (Ty::List(_) | Ty::Objs(_) | Ty::Tuples(_), Ty::List(Num::Bool)) => {
                let ty = l.ty.clone();
                Ok(typed(
                    Node::Mask {
                        list: Box::new(l.node),
                        mask: Box::new(i.node),
                        span,
                    },
                    ty,
                ))
            }
            (Ty::List(_) | Ty::Objs(_) | Ty::Tuples(_), t) => Err(ExprError::ty(
                format!(
                    "an index must be an int or a list of bools (a mask), not a {}",
                    t.describe()
                ),
                ispan,
            )),
            (t, _) => Err(ExprError::ty(
                format!("cannot index a {}", t.describe()),
                span,
            )),
        }
    }

    fn binary(
        &self,
        op: BinOp,
        a: Typed,
        aspan: Span,
        b: Typed,
        bspan: Span,
        span: Span,
    ) -> Result<Typed, ExprError> {
        use BinOp::*;
        // Four-vector sums of lists (element by element): pairs.0 + pairs.1.
        if op == Add
            && matches!(a.ty, Ty::Objs(_) | Ty::P4List)
            && matches!(b.ty, Ty::Objs(_) | Ty::P4List)
        {
            let (pa, pb) = (self.p4_of(a, aspan)?, self.p4_of(b, bspan)?);
            return Ok(typed(
                Node::P4SumList(Box::new(pa.node), Box::new(pb.node)),
                Ty::P4List,
            ));
        }
        // Four-vector sums: records and four-vectors add up.
        if op == Add && matches!(a.ty, Ty::Obj(_) | Ty::P4) && matches!(b.ty, Ty::Obj(_) | Ty::P4) {
            let (pa, pb) = (self.p4_of(a, aspan)?, self.p4_of(b, bspan)?);
            return Ok(typed(
                Node::P4Sum(Box::new(pa.node), Box::new(pb.node)),
                Ty::P4,
            ));
        }
        let (an, alist) = numeric_shape(&a.ty).ok_or_else(|| {
            ExprError::ty(
                format!(
                    "'{}' needs numbers or lists of numbers, not a {}",
                    op.symbol(),
                    a.ty.describe()
                ),
                aspan,
            )
        })?;
        let (bn, blist) = numeric_shape(&b.ty).ok_or_else(|| {
            ExprError::ty(
                format!(
                    "'{}' needs numbers or lists of numbers, not a {}",
                    op.symbol(),
                    b.ty.describe()
                ),
                bspan,
            )
        })?;
        let list = alist || blist;
        let literal = a.literal && b.literal;
        let (num, out) = match op {
            And | Or => {
                for (n, s, t) in [(an, aspan, &a.ty), (bn, bspan, &b.ty)] {
                    if n != Num::Bool {
                        return Err(ExprError::ty(
                            format!("'{}' needs bools, not a {}", op.symbol(), t.describe()),
                            s,
                        ));
                    }
                }
                (Num::Bool, Num::Bool)
            }
            Eq | Ne | Lt | Le | Gt | Ge => {
                if (an == Num::Bool) != (bn == Num::Bool) {
                    return Err(ExprError::ty(
                        format!(
                            "cannot compare a {} with a {}",
                            a.ty.describe(),
                            b.ty.describe()
                        ),
                        span,
                    ));
                }
                (promote(&a, an, &b, bn), Num::Bool)
            }
            Add | Sub | Mul | Div | Rem | Pow => {
                for (n, s, t) in [(an, aspan, &a.ty), (bn, bspan, &b.ty)] {
                    if n == Num::Bool {
                        return Err(ExprError::ty(
                            format!("'{}' needs numbers, not a {}", op.symbol(), t.describe()),
                            s,
                        ));
                    }
                }
                let p = promote(&a, an, &b, bn);
                let p = if matches!(op, Div | Pow) && p == Num::Int {
                    Num::F64
                } else {
                    p
                };
                (p, p)
            }
        };
        let ty = if list { Ty::List(out) } else { Ty::Num(out) };
        Ok(Typed {
            node: Node::Binary {
                op,
                lhs: Box::new(a.node),
                rhs: Box::new(b.node),
                num,
                span,
            },
            ty,
            literal,
        })
    }

    fn call(&self, f: &str, args: &[Expr], span: Span) -> Result<Typed, ExprError> {
        let math1 = match f {
            "abs" => Some(Math1::Abs),
            "sqrt" => Some(Math1::Sqrt),
            "exp" => Some(Math1::Exp),
            "log" => Some(Math1::Log),
            "log10" => Some(Math1::Log10),
            "sin" => Some(Math1::Sin),
            "cos" => Some(Math1::Cos),
            "tan" => Some(Math1::Tan),
            "asin" => Some(Math1::Asin),
            "acos" => Some(Math1::Acos),
            "atan" => Some(Math1::Atan),
            "sinh" => Some(Math1::Sinh),
            "cosh" => Some(Math1::Cosh),
            "tanh" => Some(Math1::Tanh),
            "floor" => Some(Math1::Floor),
            "ceil" => Some(Math1::Ceil),
            _ => None,
        };
        let arity = |n: usize| -> Result<(), ExprError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(ExprError::ty(
                    format!(
                        "{f}() takes {n} argument{}, not {}",
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                    span,
                ))
            }
        };
        if let Some(m) = math1 {
            arity(1)?;
            let a = self.check(&args[0])?;
            let (n, list) = numeric_shape(&a.ty)
                .filter(|(n, _)| n.is_number())
                .ok_or_else(|| {
                    ExprError::ty(
                        format!("{f}() needs a number, not a {}", a.ty.describe()),
                        args[0].span,
                    )
                })?;
            // Floats stay floats (C++'s std::cos(float) is cosf); integers compute in double,
            // except abs, which keeps them integers.
            let num = match (m, n) {
                (Math1::Abs, n) => n,
                (_, Num::F32) => Num::F32,
                _ => Num::F64,
            };
            let ty = if list { Ty::List(num) } else { Ty::Num(num) };
            return Ok(Typed {
                node: Node::Math1 {
                    f: m,
                    arg: Box::new(a.node),
                    num,
                },
                ty,
                literal: a.literal,
            });
        }
        match f {
            "atan2" | "pow" | "min" | "max" if args.len() == 2 => {
                let (a, b) = (self.check(&args[0])?, self.check(&args[1])?);
                let (an, al) = numeric_shape(&a.ty)
                    .filter(|(n, _)| n.is_number())
                    .ok_or_else(|| {
                        ExprError::ty(
                            format!("{f}() needs numbers, not a {}", a.ty.describe()),
                            args[0].span,
                        )
                    })?;
                let (bn, bl) = numeric_shape(&b.ty)
                    .filter(|(n, _)| n.is_number())
                    .ok_or_else(|| {
                        ExprError::ty(
                            format!("{f}() needs numbers, not a {}", b.ty.describe()),
                            args[1].span,
                        )
                    })?;
                let m = match f {
                    "atan2" => Math2::Atan2,
                    "pow" => Math2::Pow,
                    "min" => Math2::Min,
                    _ => Math2::Max,
                };
                let num = if matches!(m, Math2::Atan2 | Math2::Pow) {
                    Num::F64
                } else {
                    promote(&a, an, &b, bn)
                };
                let ty = if al || bl {
                    Ty::List(num)
                } else {
                    Ty::Num(num)
                };
                Ok(typed(
                    Node::Math2 {
                        f: m,
                        a: Box::new(a.node),
                        b: Box::new(b.node),
                        num,
                    },
                    ty,
                ))
            }
            "sum" | "count" | "any" | "all" | "min" | "max" | "mean" | "argmin" | "argmax"
            | "len" => {
                arity(1)?;
                let a = self.check(&args[0])?;
                let r = match f {
                    "sum" => Reduce::Sum,
                    "count" => Reduce::Count,
                    "any" => Reduce::Any,
                    "all" => Reduce::All,
                    "min" => Reduce::Min,
                    "max" => Reduce::Max,
                    "mean" => Reduce::Mean,
                    "argmin" => Reduce::ArgMin,
                    "argmax" => Reduce::ArgMax,
                    _ => Reduce::Len,
                };
                let elem = match &a.ty {
                    Ty::List(n) => *n,
                    Ty::Objs(_) | Ty::P4List | Ty::Tuples(_)
                        if matches!(r, Reduce::Len | Reduce::Count) =>
                    {
                        Num::Int
                    }
                    Ty::Objs(_) | Ty::P4List if r == Reduce::Sum => {
                        let p = self.p4_of(a, args[0].span)?;
                        return Ok(typed(
                            Node::Reduce {
                                f: r,
                                arg: Box::new(p.node),
                                num: Num::F64,
                                span,
                            },
                            Ty::P4,
                        ));
                    }
                    t => {
                        return Err(ExprError::ty(
                            format!("{f}() needs a list, not a {}", t.describe()),
                            args[0].span,
                        ))
                    }
                };
                let out = match r {
                    Reduce::Any | Reduce::All => {
                        if elem != Num::Bool {
                            return Err(ExprError::ty(
                                format!("{f}() needs a list of bools, not a {}", a.ty.describe()),
                                args[0].span,
                            ));
                        }
                        Num::Bool
                    }
                    Reduce::Count | Reduce::Len | Reduce::ArgMin | Reduce::ArgMax => Num::Int,
                    Reduce::Mean => Num::F64,
                    Reduce::Sum => {
                        if elem == Num::Bool {
                            Num::Int
                        } else {
                            elem
                        }
                    }
                    Reduce::Min | Reduce::Max => {
                        if elem == Num::Bool {
                            return Err(ExprError::ty(
                                format!("{f}() needs numbers"),
                                args[0].span,
                            ));
                        }
                        if elem == Num::Int {
                            Num::F64
                        } else {
                            elem
                        }
                    }
                };
                Ok(typed(
                    Node::Reduce {
                        f: r,
                        arg: Box::new(a.node),
                        num: out,
                        span,
                    },
                    Ty::Num(out),
                ))
            }
            "combinations" => {
                arity(2)?;
                let a = self.check(&args[0])?;
                let Ty::Objs(c) = &a.ty else {
                    return Err(ExprError::ty(
                        format!(
                            "combinations() needs a list of records, not a {}",
                            a.ty.describe()
                        ),
                        args[0].span,
                    ));
                };
                let k = match args[1].kind {
                    ExprKind::Int(k @ 2..=4) => k as usize,
                    _ => {
                        return Err(ExprError::ty(
                            "combinations(list, k) needs k = 2, 3 or 4 written as a number",
                            args[1].span,
                        ))
                    }
                };
                let c = c.clone();
                Ok(typed(
                    Node::Combinations {
                        coll: Box::new(a.node),
                        name: c.clone(),
                        k,
                    },
                    Ty::Tuples(vec![c; k]),
                ))
            }
            "cartesian" => {
                arity(2)?;
                let (a, b) = (self.check(&args[0])?, self.check(&args[1])?);
                let (Ty::Objs(ca), Ty::Objs(cb)) = (&a.ty, &b.ty) else {
                    return Err(ExprError::ty(
                        "cartesian() needs two lists of records",
                        span,
                    ));
                };
                let ty = Ty::Tuples(vec![ca.clone(), cb.clone()]);
                Ok(typed(
                    Node::Cartesian {
                        a: Box::new(a.node),
                        b: Box::new(b.node),
                    },
                    ty,
                ))
            }
            "concat" => {
                if args.len() < 2 {
                    return Err(ExprError::ty(
                        "concat() joins two or more collections",
                        span,
                    ));
                }
                let mut parts = Vec::new();
                for a in args {
                    match &a.kind {
                        ExprKind::Name(n) if self.schema.collections.contains_key(n) => parts.push(n.clone()),
                        _ => {
                            return Err(ExprError::ty(
                                "concat() takes collection names (e.g. concat(Muon, Electron)); select with a mask afterwards",
                                a.span,
                            ))
                        }
                    }
                }
                let name = parts.join("+");
                Ok(typed(Node::Concat { parts }, Ty::Objs(name)))
            }
            "min_delta_r" => {
                arity(2)?;
                let (a, b) = (self.check(&args[0])?, self.check(&args[1])?);
                for (t, s) in [(&a, args[0].span), (&b, args[1].span)] {
                    match &t.ty {
                        Ty::Objs(c)
                            if self.coll_fields(c).contains_key("eta")
                                && self.coll_fields(c).contains_key("phi") => {}
                        other => {
                            return Err(ExprError::ty(
                                format!(
                                "min_delta_r() needs lists of records with eta and phi, not a {}",
                                other.describe()
                            ),
                                s,
                            ))
                        }
                    }
                }
                // Single precision when all inputs are floats, as ROOT's VecOps::DeltaR on RVecF.
                let all_f32 = [&a, &b].iter().all(|t| match &t.ty {
                    Ty::Objs(c) => {
                        let f = self.coll_fields(c);
                        f.get("eta").map(|x| x.1) == Some(Num::F32)
                            && f.get("phi").map(|x| x.1) == Some(Num::F32)
                    }
                    _ => false,
                });
                let num = if all_f32 { Num::F32 } else { Num::F64 };
                Ok(typed(
                    Node::MinDeltaR {
                        a: Box::new(a.node),
                        b: Box::new(b.node),
                    },
                    Ty::List(num),
                ))
            }
            "delta_phi"
                if args.len() == 2
                    && matches!(self.check(&args[0])?.ty, Ty::Num(_) | Ty::List(_)) =>
            {
                let (a, b) = (self.check(&args[0])?, self.check(&args[1])?);
                let (an, al) = numeric_shape(&a.ty)
                    .ok_or_else(|| ExprError::ty("delta_phi() needs angles", args[0].span))?;
                let (bn, bl) = numeric_shape(&b.ty)
                    .ok_or_else(|| ExprError::ty("delta_phi() needs angles", args[1].span))?;
                if !an.is_number() || !bn.is_number() {
                    return Err(ExprError::ty("delta_phi() needs angles", span));
                }
                let num = promote(&a, an, &b, bn);
                let ty = if al || bl {
                    Ty::List(num)
                } else {
                    Ty::Num(num)
                };
                Ok(typed(
                    Node::DeltaPhi {
                        a: Box::new(a.node),
                        b: Box::new(b.node),
                    },
                    ty,
                ))
            }
            "delta_phi" | "delta_r" => {
                arity(2)?;
                let (a, b) = (self.check(&args[0])?, self.check(&args[1])?);
                let shape = |t: &Typed, s: Span| -> Result<bool, ExprError> {
                    match &t.ty {
                        Ty::Obj(_) | Ty::P4 => Ok(false),
                        Ty::Objs(_) | Ty::P4List => Ok(true),
                        other => Err(ExprError::ty(
                            format!(
                                "{f}() needs records or four-vectors, not a {}",
                                other.describe()
                            ),
                            s,
                        )),
                    }
                };
                let (al, bl) = (shape(&a, args[0].span)?, shape(&b, args[1].span)?);
                if al && bl {
                    return Err(ExprError::ty(
                        format!("{f}() of two lists is ambiguous; index one side (e.g. Muon[0])"),
                        span,
                    ));
                }
                // Records use their own eta and phi fields (not a round trip through a
                // four-vector), as ROOT's DeltaR(eta1, eta2, phi1, phi2) does.
                for (t, s) in [(&a, args[0].span), (&b, args[1].span)] {
                    if let Ty::Obj(c) | Ty::Objs(c) = &t.ty {
                        let fields = self.coll_fields(c);
                        if !fields.contains_key("phi")
                            || (f == "delta_r" && !fields.contains_key("eta"))
                        {
                            return Err(ExprError::ty(
                                format!("{c} records have no eta/phi fields"),
                                s,
                            ));
                        }
                    }
                }
                let (pa, pb) = (a, b);
                let ty = if al || bl {
                    Ty::List(Num::F64)
                } else {
                    Ty::Num(Num::F64)
                };
                let node = if f == "delta_phi" {
                    Node::DeltaPhi {
                        a: Box::new(pa.node),
                        b: Box::new(pb.node),
                    }
                } else {
                    Node::DeltaR {
                        a: Box::new(pa.node),
                        b: Box::new(pb.node),
                    }
                };
                Ok(typed(node, ty))
            }
            _ => Err(ExprError::name(
                f,
                span,
                [
                    "abs",
                    "sqrt",
                    "exp",
                    "log",
                    "log10",
                    "sin",
                    "cos",
                    "tan",
                    "asin",
                    "acos",
                    "atan",
                    "atan2",
                    "sinh",
                    "cosh",
                    "tanh",
                    "floor",
                    "ceil",
                    "pow",
                    "min",
                    "max",
                    "sum",
                    "count",
                    "any",
                    "all",
                    "mean",
                    "argmin",
                    "argmax",
                    "len",
                    "delta_phi",
                    "delta_r",
                ],
            )),
        }
    }
}

/// `(number type, is list)` of a numeric type.
fn numeric_shape(t: &Ty) -> Option<(Num, bool)> {
    match t {
        Ty::Num(n) => Some((*n, false)),
        Ty::List(n) => Some((*n, true)),
        _ => None,
    }
}

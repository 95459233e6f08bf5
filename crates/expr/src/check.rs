//! Type checking: an [`Expr`](crate::ast::Expr) against a [`Schema`] and the names of a
//! [`Scope`] becomes a typed [`Node`] tree, evaluated column-wise by [`crate::eval`].
//!
//! Types: per-event numbers (`Num`), per-event lists of numbers (`List`), one record of a
//! collection per event (`Obj`, e.g. `Muon[0]`), a list of records (`Objs`, e.g. `Muon` or
//! `Jet[Jet.pt > 30]`), and four-vectors (`P4`, `P4List`), built from a record's
//! `pt, eta, phi, mass` in double precision as ROOT's `PtEtaPhiMVector` does.
//!
//! Numbers follow C++: every operator converts its operands to their common type
//! ([`Num::common`]); an integer literal is an `int` and a float literal a `double`
//! (`1.03f` is a `float`), so `Jet.pt > 40` compares in single precision, `dr < 0.4` in
//! double, `nJet / 2` divides integers and `nJet - 5` of a `UInt_t` wraps.

use crate::ast::{BinOp, Expr, ExprKind};
use crate::error::{ExprError, Span};
use crate::num::Scalar;
use crate::schema::{BranchType, Num, Schema};
use crate::scope::{display_coll, Col, CollBase, Registry, Scope};

/// The type of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// One number per event.
    Num(Num),
    /// A list of numbers per event.
    List(Num),
    /// One record of a collection (version) per event.
    Obj(String),
    /// A list of records of a collection (version) per event.
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
            Ty::Obj(c) => format!("{} record", display_coll(c)),
            Ty::Objs(c) => format!("list of {} records", display_coll(c)),
            Ty::P4 => "four-vector".into(),
            Ty::P4List => "list of four-vectors".into(),
            Ty::Tuples(c) => format!(
                "list of ({}) tuples",
                c.iter()
                    .map(|x| display_coll(x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Tuple(c) => format!(
                "({}) tuple",
                c.iter()
                    .map(|x| display_coll(x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    /// Whether values of this type are lists (one list per event).
    pub fn is_list(&self) -> bool {
        matches!(self, Ty::List(_) | Ty::Objs(_) | Ty::P4List | Ty::Tuples(_))
    }
}

/// Functions of one number, applied element-wise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
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
#[allow(missing_docs)]
pub enum Math2 {
    Atan2,
    Pow,
    Min,
    Max,
    /// ROOT's `Math::gaussian_quantile(z, sigma)` (also `normal_quantile`).
    GaussianQuantile,
}

/// Per-event reductions of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Reduce {
    Sum,
    /// The product, accumulated in the element type from 1 (`VecOps::Product`): 1 for an
    /// empty list.
    Prod,
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

pub use columnar::fourvec::{Coords, P4Prop};

/// One operation of a [`Node::Chain`]: `accumulated op rhs`, the operands converted to `num`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The operator.
    pub op: BinOp,
    /// The right operand.
    pub rhs: Node,
    /// The type both operands are converted to.
    pub num: Num,
    /// The chain up to this operand, for messages.
    pub span: Span,
}

/// Which element [`Node::Pick`] takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// The first (`first(x, default)`).
    First,
    /// The last (`last(x, default)`).
    Last,
    /// Element `i` (`get(x, i, default)`; negative counts from the end).
    At(Box<Node>),
}

/// The distribution of [`Node::Random`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    /// Uniform in [0, 1).
    Uniform,
    /// Standard normal.
    Normal,
}

/// A literal value with its C++ type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lit {
    /// The value.
    pub value: Scalar,
    /// Its type.
    pub num: Num,
}

/// A typed expression, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum Node {
    Lit(Lit),
    /// A column (a branch, or a computed column) as a value.
    Column(Col),
    Define(usize),
    /// Every record of a collection version.
    Collection(String),
    /// A field of records: `cols` has one column per part of the collection (one for a
    /// collection, several for a concatenation); empty for `flavour`.
    Field {
        obj: Box<Node>,
        coll: String,
        field: String,
        cols: Vec<Col>,
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
        colls: Vec<String>,
    },
    /// One element per event (`x[0]`).
    Index {
        list: Box<Node>,
        index: Box<Node>,
        span: Span,
    },
    /// `list[argmin(key)]` over combinations, run by a fused kernel (see `fuse.rs`); `list` and
    /// `index` are the nodes it replaces, for what depends on what.
    BestTuple {
        list: Box<Node>,
        index: Box<Node>,
        span: Span,
        plan: Box<crate::fuse::BestTuple>,
    },
    /// `any(arg)` over the pairs of a collection, run by a fused loop (see `fuse_any.rs`);
    /// `arg` is the node it replaces, for what depends on what.
    AnyPair {
        arg: Box<Node>,
        plan: Box<crate::fuse_any::AnyPair>,
    },
    /// Elements by a list of positions per event (`Jet[Muon.jetIdx]`, `x[argsort(x)]`); a
    /// position outside the list (NanoAOD's −1) gives a missing element.
    Gather {
        list: Box<Node>,
        index: Box<Node>,
        span: Span,
    },
    /// `x[lo:hi]`, Python's rules: negative bounds count from the end, out-of-range bounds clip.
    Slice {
        list: Box<Node>,
        lo: Option<Box<Node>>,
        hi: Option<Box<Node>>,
    },
    Mask {
        list: Box<Node>,
        mask: Box<Node>,
        span: Span,
    },
    /// `combinations(C, 2)[M]` with `M` a conjunction of record tests, run by one loop over
    /// each event's pairs (see `fuse_any.rs`); `list` and `mask` are the nodes it replaces, for
    /// what depends on what.
    PairsWhere {
        list: Box<Node>,
        mask: Box<Node>,
        plan: Box<crate::fuse_any::PairFilter>,
    },
    /// `-x`, of type `num`.
    Neg {
        arg: Box<Node>,
        num: Num,
    },
    Not(Box<Node>),
    /// `first op₁ rhs₁ op₂ rhs₂ …`, left to right: a flat chain of binary operations (see
    /// [`Step`]), so that long sums and `||` lists are not deep trees.
    Chain {
        first: Box<Node>,
        steps: Vec<Step>,
    },
    /// `lhs op rhs`, the operands converted to `num` first.
    Binary {
        op: BinOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
        num: Num,
        span: Span,
    },
    /// `cond ? a : b` / `where(cond, a, b)`, of type `num`.
    Cond {
        cond: Box<Node>,
        a: Box<Node>,
        b: Box<Node>,
        num: Num,
        span: Span,
    },
    /// `float(x)`, `int(x)`, …: C++'s `static_cast`.
    Cast {
        arg: Box<Node>,
        num: Num,
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
    /// `sort(x)` (the values) or `argsort(x)` (their positions), ascending and stable.
    Sort {
        arg: Box<Node>,
        indices: bool,
    },
    /// One element of each event's list, or `default` where there is none.
    Pick {
        list: Box<Node>,
        at: Pick,
        default: Box<Node>,
        num: Num,
    },
    /// Counter-based random numbers keyed by `seed` (and the position in `like`'s lists),
    /// the variation and `stream`.
    Random {
        seed: Box<Node>,
        like: Option<Box<Node>>,
        stream: i64,
        dist: Dist,
    },
    P4Of {
        obj: Box<Node>,
        coll: String,
        coords: Coords,
    },
    /// Four-vectors converted to another coordinate system.
    P4Convert {
        arg: Box<Node>,
        coords: Coords,
    },
    P4Sum(Box<Node>, Box<Node>),
    P4SumList(Box<Node>, Box<Node>),
    P4Prop {
        arg: Box<Node>,
        prop: P4Prop,
    },
    /// `single`: both sides are records whose angles are `float` columns, computed in float
    /// as ROOT's `VecOps::DeltaPhi<float>` (angles given as numbers decide at run time).
    DeltaPhi {
        a: Box<Node>,
        b: Box<Node>,
        colls: Vec<String>,
        single: bool,
    },
    /// `single`: both sides are records whose eta and phi are `float` columns, computed in
    /// float as ROOT's `VecOps::DeltaR<float>(eta1, eta2, phi1, phi2)`.
    DeltaR {
        a: Box<Node>,
        b: Box<Node>,
        colls: Vec<String>,
        single: bool,
    },
    /// `correction(...)` / `lookup(...)`: a table given from outside (see `table_call.rs`).
    Table {
        table: crate::external::TableRef,
        args: Vec<crate::table_call::TableArgNode>,
        span: Span,
    },
}

impl Node {
    /// The fused kernels this expression runs (see `fuse.rs` and `fuse_any.rs`), each once,
    /// without looking into the defines it refers to (each is reported on its own): what
    /// `hepframe run -v` lists, so that an analysis can be checked for the fast forms.
    pub fn fused_kernels(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        // Bounded like every walk of a tree: checked expressions are depth-limited.
        while let Some(n) = stack.pop() {
            let kind = match n {
                Node::BestTuple { .. } => Some("the best tuple of a list (argmin/argmax of a key)"),
                Node::AnyPair { .. } => Some("any() over pairs"),
                Node::PairsWhere { .. } => Some("pairs masked by record tests"),
                _ => None,
            };
            if let Some(k) = kind {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
            n.children(&mut stack);
        }
        out
    }

    /// Push the direct children of this node onto `out`.
    pub fn children<'a>(&'a self, out: &mut Vec<&'a Node>) {
        match self {
            Node::Lit(_)
            | Node::Column(_)
            | Node::Define(_)
            | Node::Collection(_)
            | Node::Concat { .. } => {}
            Node::Field { obj, .. } | Node::Position { obj, .. } | Node::P4Of { obj, .. } => {
                out.push(obj)
            }
            Node::Combinations { coll: a, .. }
            | Node::Slot { tuples: a, .. }
            | Node::Neg { arg: a, .. }
            | Node::Not(a)
            | Node::Cast { arg: a, .. }
            | Node::Math1 { arg: a, .. }
            | Node::Reduce { arg: a, .. }
            | Node::AnyPair { arg: a, .. }
            | Node::Sort { arg: a, .. }
            | Node::P4Convert { arg: a, .. }
            | Node::P4Prop { arg: a, .. } => out.push(a),
            Node::Cartesian { a, b }
            | Node::MinDeltaR { a, b, .. }
            | Node::Math2 { a, b, .. }
            | Node::P4Sum(a, b)
            | Node::P4SumList(a, b)
            | Node::DeltaPhi { a, b, .. }
            | Node::DeltaR { a, b, .. }
            | Node::Binary { lhs: a, rhs: b, .. }
            | Node::Index {
                list: a, index: b, ..
            }
            | Node::BestTuple {
                list: a, index: b, ..
            }
            | Node::Gather {
                list: a, index: b, ..
            }
            | Node::Mask {
                list: a, mask: b, ..
            }
            | Node::PairsWhere {
                list: a, mask: b, ..
            } => {
                out.push(a);
                out.push(b);
            }
            Node::Chain { first, steps } => {
                out.push(first);
                out.extend(steps.iter().map(|s| &s.rhs));
            }
            Node::Slice { list, lo, hi } => {
                out.push(list);
                out.extend(lo.as_deref());
                out.extend(hi.as_deref());
            }
            Node::Cond { cond, a, b, .. } => {
                out.push(cond);
                out.push(a);
                out.push(b);
            }
            Node::Pick {
                list, at, default, ..
            } => {
                out.push(list);
                out.push(default);
                if let Pick::At(i) = at {
                    out.push(i);
                }
            }
            Node::Random { seed, like, .. } => {
                out.push(seed);
                out.extend(like.as_deref());
            }
            Node::Table { args, .. } => {
                for a in args {
                    if let crate::table_call::TableArgNode::Value { node, .. } = a {
                        out.push(node);
                    }
                }
            }
        }
    }
}

/// A type-checked expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed {
    /// The evaluation tree.
    pub node: Node,
    /// Its type.
    pub ty: Ty,
    /// Whether it is a constant known before any event is read.
    pub literal: bool,
}

impl Typed {
    /// A constant of type `num` (e.g. a sample's normalisation, a `double` like C++'s
    /// variables — not a literal of the expression language).
    pub fn constant(value: Scalar, num: Num) -> Typed {
        Typed {
            node: Node::Lit(Lit { value, num }),
            ty: Ty::Num(num),
            literal: true,
        }
    }
}

/// Type-check `expr` against `schema` and the names of `scope` (whose defines and collection
/// versions live in `registry`).
pub fn check(
    expr: &Expr,
    schema: &Schema,
    registry: &Registry,
    scope: &Scope,
) -> Result<Typed, ExprError> {
    Checker {
        schema,
        registry,
        scope,
    }
    .check(expr, 0)
}

/// Expressions nested deeper than this are refused (the parser already limits nesting; this
/// guards typed trees built in other ways).
pub(crate) const MAX_DEPTH: usize = 1000;

/// Operands of one chain of operators (`a + b + …`, `c1 || c2 || …`) at the most. Chains are
/// flat (no recursion), but a four-vector sum nests one level per term.
pub const MAX_CHAIN: usize = 100_000;

/// Terms of one four-vector sum at the most (each nests one level).
const MAX_P4_TERMS: usize = 1000;

/// The left spine of nested binary operations as one flat chain, taken apart without
/// recursion (moving each node out of its box).
fn flatten(t: Typed) -> Typed {
    let Typed { node, ty, literal } = t;
    let mut steps = Vec::new();
    let mut cur = node;
    loop {
        match cur {
            Node::Binary {
                op,
                lhs,
                rhs,
                num,
                span,
            } => {
                steps.push(Step {
                    op,
                    rhs: *rhs,
                    num,
                    span,
                });
                cur = *lhs;
            }
            Node::Chain {
                first,
                steps: inner,
            } => {
                for s in inner.into_iter().rev() {
                    steps.push(s);
                }
                cur = *first;
            }
            other => {
                cur = other;
                break;
            }
        }
    }
    if steps.is_empty() {
        return Typed {
            node: cur,
            ty,
            literal,
        };
    }
    steps.reverse();
    Typed {
        node: Node::Chain {
            first: Box::new(cur),
            steps,
        },
        ty,
        literal,
    }
}

pub(crate) struct Checker<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) registry: &'a Registry,
    pub(crate) scope: &'a Scope,
}

pub(crate) fn typed(node: Node, ty: Ty) -> Typed {
    Typed {
        node,
        ty,
        literal: false,
    }
}

/// `(number type, is list)` of a numeric type.
pub(crate) fn numeric_shape(t: &Ty) -> Option<(Num, bool)> {
    match t {
        Ty::Num(n) => Some((*n, false)),
        Ty::List(n) => Some((*n, true)),
        _ => None,
    }
}

/// Whether the lengths of collection version `key` differ from the file's (a redefined
/// collection in its history).
fn lengths_changed(r: &Registry, key: &str) -> bool {
    let mut k = key.to_string();
    for _ in 0..10_000 {
        match r.collection(&k).map(|d| &d.base) {
            Some(CollBase::Same(other)) => k = other.clone(),
            Some(CollBase::Selected(_)) => return true,
            _ => return false,
        }
    }
    false
}

pub(crate) const P4_PROPS: [(&str, P4Prop); 8] = [
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
    pub(crate) fn check(&self, e: &Expr, depth: usize) -> Result<Typed, ExprError> {
        if depth > MAX_DEPTH {
            return Err(ExprError::syntax("expression nested too deeply", e.span));
        }
        let d = depth + 1;
        match &e.kind {
            ExprKind::Int(i) => {
                // A decimal literal is an `int` when it fits, else a `long` (C++).
                let num = if i32::try_from(*i).is_ok() {
                    Num::I32
                } else {
                    Num::I64
                };
                Ok(Typed::constant(Scalar::Int(*i), num))
            }
            ExprKind::Float(f) => Ok(Typed::constant(Scalar::Float(*f), Num::F64)),
            ExprKind::Float32(f) => Ok(Typed::constant(Scalar::Float(*f as f64), Num::F32)),
            ExprKind::Bool(b) => Ok(Typed::constant(Scalar::Bool(*b), Num::Bool)),
            ExprKind::Str(_) => Err(ExprError::ty(
                "a string is only an argument of correction() or lookup() (a file, a \
                 correction's name or a string input)",
                e.span,
            )),
            ExprKind::Name(n) => self.name(n, e.span),
            ExprKind::Field(obj, field, fspan) => {
                let o = self.check(obj, d)?;
                self.field(o, field, *fspan)
            }
            ExprKind::Index(list, idx) => {
                let l = self.check(list, d)?;
                let i = self.check(idx, d)?;
                self.index(l, i, idx.span, e.span)
            }
            ExprKind::Slice(list, lo, hi) => {
                let l = self.check(list, d)?;
                let bound = |b: &Option<Box<Expr>>| -> Result<Option<Box<Node>>, ExprError> {
                    let Some(b) = b else { return Ok(None) };
                    let t = self.check(b, d)?;
                    match t.ty {
                        Ty::Num(n) if n.is_integer() => Ok(Some(Box::new(t.node))),
                        other => Err(ExprError::ty(
                            format!(
                                "a slice bound must be an integer per event, not a {}",
                                other.describe()
                            ),
                            b.span,
                        )),
                    }
                };
                if !matches!(l.ty, Ty::List(_) | Ty::Objs(_) | Ty::Tuples(_) | Ty::P4List) {
                    return Err(ExprError::ty(
                        format!("cannot slice a {}", l.ty.describe()),
                        list.span,
                    ));
                }
                let (lo, hi) = (bound(lo)?, bound(hi)?);
                Ok(typed(
                    Node::Slice {
                        list: Box::new(l.node),
                        lo,
                        hi,
                    },
                    l.ty,
                ))
            }
            ExprKind::Cond(c, a, b) => {
                let (tc, ta, tb) = (self.check(c, d)?, self.check(a, d)?, self.check(b, d)?);
                self.cond_typed(tc, c.span, ta, a.span, tb, b.span, e.span)
            }
            ExprKind::Neg(a) => {
                let a = self.check(a, d)?;
                match &a.ty {
                    Ty::Num(n) | Ty::List(n) => {
                        let num = n.promoted();
                        let ty = if matches!(a.ty, Ty::List(_)) {
                            Ty::List(num)
                        } else {
                            Ty::Num(num)
                        };
                        Ok(Typed {
                            ty,
                            literal: a.literal,
                            node: Node::Neg {
                                arg: Box::new(a.node),
                                num,
                            },
                        })
                    }
                    t => Err(ExprError::ty(
                        format!("cannot negate a {}", t.describe()),
                        e.span,
                    )),
                }
            }
            ExprKind::Not(a) => {
                let a = self.check(a, d)?;
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
                let (ta, tb) = (self.check(a, d)?, self.check(b, d)?);
                self.binary(*op, ta, a.span, tb, b.span, e.span)
            }
            ExprKind::Chain(first, rest) => {
                if rest.len() > MAX_CHAIN {
                    return Err(ExprError::syntax(
                        format!(
                            "an expression of {} terms is too long (at most {MAX_CHAIN})",
                            rest.len() + 1
                        ),
                        e.span,
                    ));
                }
                let mut acc = self.check(first, d)?;
                let mut acc_span = first.span;
                for (k, (op, rhs)) in rest.iter().enumerate() {
                    let t = self.check(rhs, d)?;
                    let span = acc_span.to(rhs.span);
                    acc = self.binary(*op, acc, acc_span, t, rhs.span, span)?;
                    acc_span = span;
                    // Four-vector sums nest one level per term: keep them shallow.
                    if k >= MAX_P4_TERMS
                        && matches!(acc.node, Node::P4Sum(..) | Node::P4SumList(..))
                    {
                        return Err(ExprError::syntax(
                            format!("a sum of more than {MAX_P4_TERMS} four-vectors is too long"),
                            span,
                        ));
                    }
                }
                Ok(flatten(acc))
            }
            ExprKind::Call(f, args) => self.call(f, args, e.span, d),
        }
    }

    fn name(&self, n: &str, span: Span) -> Result<Typed, ExprError> {
        if let Some(&i) = self.scope.names.get(n) {
            let t = self
                .registry
                .defines
                .get(i)
                .ok_or_else(|| ExprError::ty(format!("internal: define {i}"), span))?;
            return Ok(typed(Node::Define(i), t.typed.ty.clone()));
        }
        if let Some(key) = self.scope.colls.get(n) {
            return Ok(typed(Node::Collection(key.clone()), Ty::Objs(key.clone())));
        }
        // The branch of a field of a redefined collection reads the redefined values.
        if let Some((prefix, field)) = n.split_once('_') {
            if let Some(key) = self.scope.colls.get(prefix) {
                let is_file_field = self
                    .schema
                    .collections
                    .get(prefix)
                    .and_then(|c| c.fields.get(field))
                    .is_some_and(|b| b == n);
                if key != prefix && is_file_field {
                    let obj = typed(Node::Collection(key.clone()), Ty::Objs(key.clone()));
                    return self.field(obj, field, span);
                }
            }
        }
        // The counter of a redefined collection is its new length, in the counter's type.
        if let Some(prefix) = n.strip_prefix('n') {
            if let Some(key) = self.scope.colls.get(prefix) {
                if let Some(def) = self.registry.collection(key) {
                    if let Some((counter, num)) = &def.counter {
                        if counter == n && lengths_changed(self.registry, key) {
                            let len = Node::Reduce {
                                f: Reduce::Len,
                                arg: Box::new(Node::Collection(key.clone())),
                                num: Num::I64,
                                span,
                            };
                            return Ok(typed(
                                Node::Cast {
                                    arg: Box::new(len),
                                    num: *num,
                                },
                                Ty::Num(*num),
                            ));
                        }
                    }
                }
            }
        }
        if let Some(bt) = self.schema.branches.get(n) {
            let ty = match bt {
                BranchType::Scalar(k) => Ty::Num(*k),
                BranchType::List(k) => Ty::List(*k),
            };
            return Ok(typed(Node::Column(Col::Branch(n.to_string())), ty));
        }
        if let Some(ty) = self.schema.unreadable.get(n) {
            return Err(ExprError::ty(
                format!(
                    "branch '{n}' is a {ty}: expressions read numbers, booleans and lists of \
                     them, not strings or objects"
                ),
                span,
            ));
        }
        let defined: Vec<&str> = self.scope.names.keys().map(String::as_str).collect();
        Err(ExprError::name(n, span, self.schema.names().chain(defined)))
    }

    /// The fields of a collection version or concatenation: field → (column per part, type).
    pub(crate) fn coll_fields(
        &self,
        c: &str,
    ) -> std::collections::BTreeMap<String, (Vec<Col>, Num)> {
        let mut out = std::collections::BTreeMap::new();
        let parts: Vec<&str> = c.split('+').collect();
        let Some(first) = self.registry.collection(parts[0]) else {
            return out;
        };
        'field: for (f, (c0, n0)) in &first.fields {
            let mut cols = vec![c0.clone()];
            let mut num = *n0;
            for p in &parts[1..] {
                let Some((col, k)) = self.registry.collection(p).and_then(|cl| cl.fields.get(f))
                else {
                    continue 'field;
                };
                if *k != num {
                    num = if k.is_number() && num.is_number() {
                        Num::common(*k, num)
                    } else {
                        num
                    };
                }
                cols.push(col.clone());
            }
            out.insert(f.clone(), (cols, num));
        }
        if parts.len() > 1 {
            out.insert("flavour".into(), (Vec::new(), Num::I32));
        }
        out
    }

    pub(crate) fn field(&self, o: Typed, field: &str, span: Span) -> Result<Typed, ExprError> {
        match &o.ty {
            Ty::Obj(c) | Ty::Objs(c) => {
                let fields = self.coll_fields(c);
                let list = matches!(o.ty, Ty::Objs(_));
                if let Some((cols, num)) = fields.get(field) {
                    let ty = if list { Ty::List(*num) } else { Ty::Num(*num) };
                    return Ok(typed(
                        Node::Field {
                            obj: Box::new(o.node),
                            coll: c.clone(),
                            field: field.to_string(),
                            cols: cols.clone(),
                        },
                        ty,
                    ));
                }
                if field == "index" {
                    let ty = if list {
                        Ty::List(Num::I64)
                    } else {
                        Ty::Num(Num::I64)
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
                    let p4 = self.p4_of(o, span, Coords::PxPyPzE)?;
                    if field == "p4" {
                        return Ok(p4);
                    }
                    return self.field(p4, field, span);
                }
                let mut e = ExprError::name(field, span, fields.keys().map(String::as_str));
                e.message = e.message.replacen(
                    &format!("unknown name '{field}'"),
                    &format!("{} records have no field '{field}'", display_coll(c)),
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

    /// Records (or four-vectors) as four-vectors in the coordinate system `coords`.
    pub(crate) fn p4_of(&self, o: Typed, span: Span, coords: Coords) -> Result<Typed, ExprError> {
        match &o.ty {
            Ty::P4 | Ty::P4List => {
                let ty = o.ty.clone();
                Ok(typed(
                    Node::P4Convert {
                        arg: Box::new(o.node),
                        coords,
                    },
                    ty,
                ))
            }
            Ty::Obj(c) | Ty::Objs(c) => {
                let fields = self.coll_fields(c);
                for need in ["pt", "eta", "phi"] {
                    if !fields.contains_key(need) {
                        return Err(ExprError::ty(
                            format!(
                                "{} records have no '{need}' field, so they are not four-vectors",
                                display_coll(c)
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
                        coords,
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

    /// Four-vectors for a sum: records become `.p4`, four-vectors stay as they are.
    fn p4_term(&self, o: Typed, span: Span) -> Result<Typed, ExprError> {
        match o.ty {
            Ty::P4 | Ty::P4List => Ok(o),
            _ => self.p4_of(o, span, Coords::PxPyPzE),
        }
    }

    fn index(&self, l: Typed, i: Typed, ispan: Span, span: Span) -> Result<Typed, ExprError> {
        let elem_ty = |t: &Ty| -> Option<Ty> {
            Some(match t {
                Ty::List(k) => Ty::Num(*k),
                Ty::Objs(c) => Ty::Obj(c.clone()),
                Ty::Tuples(cs) => Ty::Tuple(cs.clone()),
                Ty::P4List => Ty::P4,
                _ => return None,
            })
        };
        let Some(elem) = elem_ty(&l.ty) else {
            return Err(ExprError::ty(
                format!("cannot index a {}", l.ty.describe()),
                span,
            ));
        };
        match &i.ty {
            Ty::Num(n) if n.is_integer() => {
                let node = match crate::fuse::best_tuple(&l.node, &i.node, &l.ty, self.registry) {
                    Some(plan) => Node::BestTuple {
                        list: Box::new(l.node),
                        index: Box::new(i.node),
                        span,
                        plan: Box::new(plan),
                    },
                    None => Node::Index {
                        list: Box::new(l.node),
                        index: Box::new(i.node),
                        span,
                    },
                };
                Ok(typed(node, elem))
            }
            Ty::List(n) if n.is_integer() => {
                let ty = l.ty.clone();
                Ok(typed(
                    Node::Gather {
                        list: Box::new(l.node),
                        index: Box::new(i.node),
                        span,
                    },
                    ty,
                ))
            }
            Ty::List(Num::Bool) => {
                let ty = l.ty.clone();
                let node = match crate::fuse_any::pair_filter(&l.node, &i.node, self.registry) {
                    Some(plan) => Node::PairsWhere {
                        list: Box::new(l.node),
                        mask: Box::new(i.node),
                        plan: Box::new(plan),
                    },
                    None => Node::Mask {
                        list: Box::new(l.node),
                        mask: Box::new(i.node),
                        span,
                    },
                };
                Ok(typed(node, ty))
            }
            t => Err(ExprError::ty(
                format!(
                    "an index must be an integer, a list of integers (positions) or a list of \
                     bools (a mask), not a {}",
                    t.describe()
                ),
                ispan,
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn cond_typed(
        &self,
        c: Typed,
        cspan: Span,
        a: Typed,
        aspan: Span,
        b: Typed,
        bspan: Span,
        span: Span,
    ) -> Result<Typed, ExprError> {
        let (cn, clist) = numeric_shape(&c.ty)
            .filter(|(n, _)| *n == Num::Bool)
            .ok_or_else(|| {
                ExprError::ty(
                    format!(
                        "the condition of '? :' / where() must be a bool, not a {}",
                        c.ty.describe()
                    ),
                    cspan,
                )
            })?;
        let _ = cn;
        let shape = |t: &Typed, s: Span| {
            numeric_shape(&t.ty).ok_or_else(|| {
                ExprError::ty(
                    format!(
                        "'? :' / where() chooses between numbers or lists of numbers, not a {}",
                        t.ty.describe()
                    ),
                    s,
                )
            })
        };
        let (an, alist) = shape(&a, aspan)?;
        let (bn, blist) = shape(&b, bspan)?;
        // A per-event condition choosing between lists picks whole lists; both must be lists.
        if !clist && alist != blist {
            return Err(ExprError::ty(
                format!(
                    "a per-event condition chooses between two numbers or two lists, not a {} \
                     and a {}",
                    a.ty.describe(),
                    b.ty.describe()
                ),
                span,
            ));
        }
        let num = if an == Num::Bool && bn == Num::Bool {
            Num::Bool
        } else {
            Num::common(an, bn)
        };
        let list = clist || alist || blist;
        let literal = c.literal && a.literal && b.literal;
        Ok(Typed {
            node: Node::Cond {
                cond: Box::new(c.node),
                a: Box::new(a.node),
                b: Box::new(b.node),
                num,
                span,
            },
            ty: if list { Ty::List(num) } else { Ty::Num(num) },
            literal,
        })
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
            let (pa, pb) = (self.p4_term(a, aspan)?, self.p4_term(b, bspan)?);
            return Ok(typed(
                Node::P4SumList(Box::new(pa.node), Box::new(pb.node)),
                Ty::P4List,
            ));
        }
        // Four-vector sums: records and four-vectors add up.
        if op == Add && matches!(a.ty, Ty::Obj(_) | Ty::P4) && matches!(b.ty, Ty::Obj(_) | Ty::P4) {
            let (pa, pb) = (self.p4_term(a, aspan)?, self.p4_term(b, bspan)?);
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
            Eq | Ne if an == Num::Bool && bn == Num::Bool => (Num::Bool, Num::Bool),
            Eq | Ne | Lt | Le | Gt | Ge => (Num::common(an, bn), Num::Bool),
            Pow => {
                // `**` is pow(): single precision for two floats, double otherwise.
                let p = if Num::common(an, bn) == Num::F32 {
                    Num::F32
                } else {
                    Num::F64
                };
                (p, p)
            }
            Rem if Num::common(an, bn).is_float() => {
                let p = Num::common(an, bn);
                (p, p)
            }
            Add | Sub | Mul | Div | Rem => {
                let p = Num::common(an, bn);
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
}

//! Column-wise evaluation: each node of a typed expression computes a whole column for a chunk
//! of events at once (no per-event walk of the tree).
//!
//! An [`Evaluator`] works in one *universe* (the nominal one, or one variation). A define whose
//! value does not depend on the universe is computed once, by the nominal evaluator of the same
//! chunk (the `base`), and shared by every universe's evaluator.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use rootio::Array;
// The maps hold a few entries (the branches and defines an analysis reads, array addresses):
// a fast hash, and too few keys for colliding names to cost anything.
use rustc_hash::FxHashMap as HashMap;

use crate::ast::BinOp;
use crate::check::{Lit, Node, Ty};
use crate::chunk::Chunk;
use crate::error::{ExprError, Span};
use crate::num::{self, ArithError, Scalar};
use crate::schema::{Num, Schema};
use crate::scope::{Col, CollBase, Registry};
use crate::value::{Nums, Val};

/// Evaluates typed expressions on one chunk in one universe, caching columns and defines.
pub struct Evaluator<'a> {
    pub(crate) chunk: &'a Chunk,
    pub(crate) schema: &'a Schema,
    pub(crate) registry: &'a Registry,
    /// 0 for the nominal universe.
    pub(crate) universe: usize,
    /// Mixed into the keys of random numbers: a hash of the universe's variation name.
    pub(crate) salt: u64,
    /// The nominal evaluator of the same chunk, for what does not depend on the universe.
    pub(crate) base: Option<&'a Evaluator<'a>>,
    branches: RefCell<HashMap<String, Rc<Val>>>,
    /// The list layouts of the jagged branches converted so far (shared by a collection's
    /// fields).
    pub(crate) layouts: RefCell<Vec<crate::chunk::ListLayout>>,
    defines: RefCell<HashMap<usize, Rc<Val>>>,
    gathered: RefCell<HashMap<Col, Rc<Val>>>,
    pub(crate) virtuals: RefCell<HashMap<String, VirtualMap>>,
    /// The offsets of each concatenation `A+B` (the sum of its parts' lengths).
    concat_offsets: RefCell<HashMap<String, Offsets>>,
    pub(crate) p4s: RefCell<HashMap<(String, crate::check::Coords), CollectionP4s>>,
    /// The nominal evaluator of the events before a cut, and which of them the cut kept: its
    /// defines are narrowed to this chunk instead of computed again (see `narrow.rs`).
    parent: Option<(&'a Evaluator<'a>, &'a [bool])>,
    /// The positions of the kept events (from `parent`'s mask, when first needed).
    kept: RefCell<Option<Rc<Vec<usize>>>>,
}

pub(crate) type R<T> = Result<T, ExprError>;

/// A collection version's four-vectors, computed as they are needed.
pub(crate) type CollectionP4s = Rc<RefCell<crate::fourvec::LazyP4s>>;

/// For a concatenation of collections: each element's part and its index in that part.
pub(crate) type VirtualMap = Rc<Vec<(usize, i64)>>;

/// Per-event list boundaries (n + 1 offsets), shared between columns of one collection.
pub(crate) type Offsets = Rc<Vec<i64>>;

/// Two operands brought to one shape: the list offsets if they are lists, and the values.
pub(crate) type Aligned<'v> = (Option<Offsets>, Cow<'v, Nums>, Cow<'v, Nums>);

pub(crate) fn internal(msg: impl Into<String>) -> ExprError {
    ExprError::eval(format!("internal: {}", msg.into()), Span::default())
}

/// A column of numbers from a rootio array of primitives (small integers promoted to `int`).
fn nums_of(a: &Array) -> Option<Nums> {
    Some(match a {
        Array::Bool(v) => Nums::Bool(v.clone()),
        Array::I8(v) => Nums::I32(v.iter().map(|x| *x as i32).collect()),
        Array::U8(v) => Nums::I32(v.iter().map(|x| *x as i32).collect()),
        Array::I16(v) => Nums::I32(v.iter().map(|x| *x as i32).collect()),
        Array::U16(v) => Nums::I32(v.iter().map(|x| *x as i32).collect()),
        Array::I32(v) => Nums::I32(v.clone()),
        Array::U32(v) => Nums::U32(v.clone()),
        Array::I64(v) => Nums::I64(v.clone()),
        Array::U64(v) => Nums::U64(v.clone()),
        Array::F32(v) => Nums::F32(v.clone()),
        Array::F64(v) => Nums::F64(v.clone()),
        _ => return None,
    })
}

impl<'a> Evaluator<'a> {
    /// An evaluator for `chunk` in the nominal universe.
    pub fn new(chunk: &'a Chunk, schema: &'a Schema, registry: &'a Registry) -> Self {
        Evaluator {
            chunk,
            schema,
            registry,
            universe: 0,
            salt: 0,
            base: None,
            branches: RefCell::default(),
            layouts: RefCell::default(),
            defines: RefCell::default(),
            gathered: RefCell::default(),
            virtuals: RefCell::default(),
            concat_offsets: RefCell::default(),
            p4s: RefCell::default(),
            parent: None,
            kept: RefCell::default(),
        }
    }

    /// This (nominal) evaluator's chunk is `parent`'s events where `keep` is true: defines
    /// `parent` has computed are narrowed to it rather than computed again.
    pub fn below(mut self, parent: &'a Evaluator<'a>, keep: &'a [bool]) -> Self {
        if self.universe == 0 && parent.universe == 0 && keep.len() == parent.n() {
            self.parent = Some((parent, keep));
        }
        self
    }

    /// Define `id` if this evaluator or one above it (through cuts) has computed it, narrowed
    /// to this chunk's events.
    fn cached_define(&self, id: usize) -> R<Option<Rc<Val>>> {
        if let Some(v) = self.defines.borrow().get(&id) {
            return Ok(Some(v.clone()));
        }
        let Some((parent, keep)) = self.parent else {
            return Ok(None);
        };
        let Some(v) = parent.cached_define(id)? else {
            return Ok(None);
        };
        let kept = {
            let mut k = self.kept.borrow_mut();
            k.get_or_insert_with(|| Rc::new(crate::value::kept_positions(keep)))
                .clone()
        };
        let narrowed = if kept.len() == keep.len() {
            Some(v)
        } else {
            crate::narrow::narrow(&v, keep, &kept, &|c| parent.coll_offsets(c))?.map(Rc::new)
        };
        if let Some(v) = &narrowed {
            self.defines.borrow_mut().insert(id, v.clone());
        }
        Ok(narrowed)
    }

    /// An evaluator for the same chunk in universe `universe` (`salt`: a hash of its variation
    /// name, for random numbers), sharing `self`'s values of what does not depend on it.
    pub fn universe<'b>(&'b self, universe: usize, salt: u64) -> Evaluator<'b>
    where
        'a: 'b,
    {
        let mut e = Evaluator::new(self.chunk, self.schema, self.registry);
        e.universe = universe;
        e.salt = salt;
        e.base = Some(self);
        e
    }

    /// An evaluator for a subset of this chunk's events, in the same universe.
    pub(crate) fn sub<'b>(&self, chunk: &'b Chunk) -> Evaluator<'b>
    where
        'a: 'b,
    {
        let mut e = Evaluator::new(chunk, self.schema, self.registry);
        e.universe = self.universe;
        e.salt = self.salt;
        e
    }

    /// The universe of this evaluator.
    pub fn universe_id(&self) -> usize {
        self.universe
    }

    /// The evaluator to share with when something is not affected by this universe.
    pub(crate) fn shared(&self, affected: bool) -> Option<&'a Evaluator<'a>> {
        if self.universe != 0 && !affected {
            self.base
        } else {
            None
        }
    }

    /// Number of events.
    pub(crate) fn n(&self) -> usize {
        self.chunk.len()
    }

    pub(crate) fn entry(&self, event: usize) -> u64 {
        self.chunk.entries.get(event).copied().unwrap_or(0)
    }

    /// The entry number of the first event where lists with offsets `a` and `b` differ in
    /// length.
    pub fn first_length_difference(&self, a: &[i64], b: &[i64]) -> u64 {
        let e = a
            .windows(2)
            .zip(b.windows(2))
            .position(|(x, y)| x[1] - x[0] != y[1] - y[0])
            .unwrap_or(0);
        self.entry(e)
    }

    /// Evaluate a node, sharing cached values (defines, columns) instead of copying them.
    pub fn eval_rc(&self, node: &Node) -> R<Rc<Val>> {
        match node {
            Node::Define(i) => self.define(*i),
            Node::Column(c) => self.column(c),
            Node::Field {
                obj, coll, cols, ..
            } => match self.whole_field(obj, coll, cols)? {
                Some(v) => Ok(v),
                None => Ok(Rc::new(self.eval(node)?)),
            },
            _ => Ok(Rc::new(self.eval(node)?)),
        }
    }

    /// A field of a whole collection (`Jet.pt`): the column itself, shared, without an index
    /// per record and a gather through it (its offsets are checked equal to the collection's).
    /// `None` for any other field.
    fn whole_field(&self, obj: &Node, coll: &str, cols: &[Col]) -> R<Option<Rc<Val>>> {
        if let (Node::Collection(c), [col]) = (obj, cols) {
            if c == coll && !coll.contains('+') {
                let base = self.coll_offsets(c)?;
                let v = self.column(col)?;
                if let Val::List(off, _) = &*v {
                    self.check_same_lengths(coll, col, off, &base)?;
                    return Ok(Some(v));
                }
            }
        }
        Ok(None)
    }

    /// The value of define `id` in this evaluator's universe.
    pub fn define(&self, id: usize) -> R<Rc<Val>> {
        if let Some(b) = self.shared(self.registry.define_affected(id, self.universe)) {
            return b.define(id);
        }
        if let Some(v) = self.cached_define(id)? {
            return Ok(v);
        }
        let d = self
            .registry
            .defines
            .get(id)
            .ok_or_else(|| internal("define index"))?;
        let node = d
            .variants
            .iter()
            .find(|(u, _)| *u == self.universe && self.universe != 0)
            .map_or(&d.typed.node, |(_, t)| &t.node);
        let v = self.eval_rc(node)?;
        self.defines.borrow_mut().insert(id, v.clone());
        Ok(v)
    }

    /// A column: a branch, a define, or a field of a redefined collection.
    pub(crate) fn column(&self, col: &Col) -> R<Rc<Val>> {
        match col {
            Col::Branch(b) => self.branch(b),
            Col::Define(id) => self.define(*id),
            Col::Gather { sel, col: inner } => {
                if let Some(b) = self.shared(self.registry.col_affected(col, self.universe)) {
                    return b.column(col);
                }
                if let Some(v) = self.gathered.borrow().get(col) {
                    return Ok(v.clone());
                }
                let s = self.define(*sel)?;
                let Val::Objs(_, off, idx) = &*s else {
                    return Err(internal("a collection selection is not records"));
                };
                let v = match &*self.column(inner)? {
                    Val::List(_, values) => Val::List(off.clone(), values.gather(idx)),
                    _ => return Err(internal("field column is not a list")),
                };
                let v = Rc::new(v);
                self.gathered.borrow_mut().insert(col.clone(), v.clone());
                Ok(v)
            }
        }
    }

    /// Evaluate a typed node.
    pub fn eval(&self, node: &Node) -> R<Val> {
        Ok(match node {
            Node::Lit(Lit { value, num }) => Val::Const(*value, *num),
            Node::Column(c) => (*self.column(c)?).clone(),
            Node::Define(i) => (*self.define(*i)?).clone(),
            Node::Collection(c) => {
                let off = self.coll_offsets(c)?;
                let total = off.last().copied().unwrap_or(0);
                Val::Objs(c.clone(), off, (0..total).collect())
            }
            Node::Field {
                obj,
                coll,
                field,
                cols,
            } => {
                if let Some(v) = self.whole_field(obj, coll, cols)? {
                    return Ok(Rc::unwrap_or_clone(v));
                }
                self.field(obj, coll, field, cols)?
            }
            Node::Position { obj, coll } => {
                let base = self.coll_offsets(coll)?;
                let pos = |e: usize, i: i64| if i < 0 { -1 } else { i - base[e] };
                match &*self.eval_rc(obj)? {
                    Val::Obj(_, idx) => Val::Num(Nums::I64(
                        idx.iter().enumerate().map(|(e, i)| pos(e, *i)).collect(),
                    )),
                    Val::Objs(_, off, idx) => {
                        let mut out = Vec::with_capacity(idx.len());
                        for (e, w) in off.windows(2).enumerate() {
                            for j in w[0]..w[1] {
                                out.push(pos(e, idx[j as usize]));
                            }
                        }
                        Val::List(off.clone(), Nums::I64(out))
                    }
                    _ => return Err(internal("index of a non-record")),
                }
            }
            Node::Concat { parts } => {
                let name = parts.join("+");
                let off = self.coll_offsets(&name)?;
                let total = off.last().copied().unwrap_or(0);
                Val::Objs(name, off, (0..total).collect())
            }
            Node::Combinations { coll, name, k } => self.combinations(coll, name, *k)?,
            Node::Cartesian { a, b } => self.cartesian(a, b)?,
            Node::Slot { tuples, slot } => match &*self.eval_rc(tuples)? {
                Val::Tuples(cs, off, idx) => {
                    Val::Objs(cs[*slot].clone(), off.clone(), idx[*slot].clone())
                }
                Val::Tuple(cs, idx) => Val::Obj(cs[*slot].clone(), idx[*slot].clone()),
                _ => return Err(internal("slot of a non-tuple")),
            },
            Node::MinDeltaR { a, b, .. } => self.min_delta_r(a, b)?,
            Node::Index { list, index, span } => self.index(list, index, *span)?,
            Node::BestTuple { plan, span, .. } => self.best_tuple(plan, *span)?,
            Node::AnyPair { plan, .. } => self.any_pair(plan)?,
            Node::PairsWhere { plan, .. } => self.pair_filter(plan)?,
            Node::Gather { list, index, span } => self.gather(list, index, *span)?,
            Node::Slice { list, lo, hi } => self.slice(list, lo.as_deref(), hi.as_deref())?,
            Node::Mask { list, mask, span } => self.mask(list, mask, *span)?,
            Node::Neg { arg, num: n } => match self.eval(arg)? {
                Val::Const(c, k) => {
                    let v = num::neg(&num::cast(&c.column(k, 1), *n));
                    Val::Const(Scalar::of(&v).ok_or_else(|| internal("negation"))?, *n)
                }
                Val::Num(x) => Val::Num(num::neg(&num::cast_owned(x, *n))),
                Val::List(o, x) => Val::List(o, num::neg(&num::cast_owned(x, *n))),
                _ => return Err(internal("negation")),
            },
            Node::Not(a) => match self.eval(a)? {
                Val::Const(Scalar::Bool(b), k) => Val::Const(Scalar::Bool(!b), k),
                Val::Num(Nums::Bool(v)) => Val::Num(Nums::Bool(v.iter().map(|x| !x).collect())),
                Val::List(o, Nums::Bool(v)) => {
                    Val::List(o, Nums::Bool(v.iter().map(|x| !x).collect()))
                }
                _ => return Err(internal("not")),
            },
            Node::Binary {
                op,
                lhs,
                rhs,
                num: n,
                span,
            } => {
                if let Some(v) = self.raw_compared(*op, lhs, rhs, *n, *span)? {
                    return Ok(v);
                }
                match self.abs_compared(*op, lhs, rhs, *n, *span)? {
                    Some(v) => v,
                    None => {
                        let a = self.eval_rc(lhs)?;
                        self.binary(*op, a, rhs, *n, *span)?
                    }
                }
            }
            Node::Chain { first, steps } => {
                let mut acc = self.eval_rc(first)?;
                for s in steps {
                    acc = Rc::new(self.binary(s.op, acc, &s.rhs, s.num, s.span)?);
                }
                Rc::unwrap_or_clone(acc)
            }
            Node::Cond {
                cond,
                a,
                b,
                num: n,
                span,
            } => self.cond(cond, a, b, *n, *span)?,
            Node::Cast { arg, num: n } => match self.eval(arg)? {
                Val::Const(c, k) => {
                    let v = num::cast(&c.column(k, 1), *n);
                    Val::Const(Scalar::of(&v).ok_or_else(|| internal("cast"))?, *n)
                }
                Val::Num(x) => Val::Num(num::cast_owned(x, *n)),
                Val::List(o, x) => Val::List(o, num::cast_owned(x, *n)),
                _ => return Err(internal("cast")),
            },
            Node::Math1 { f, arg, num: n } => self.math1(*f, arg, *n)?,
            Node::Math2 { f, a, b, num: n } => self.math2(*f, a, b, *n)?,
            Node::Reduce {
                f,
                arg,
                num: n,
                span,
            } => self.reduce(*f, arg, *n, *span)?,
            Node::Sort { arg, indices } => self.sort(arg, *indices)?,
            Node::Pick {
                list,
                at,
                default,
                num: n,
            } => self.pick(list, at, default, *n)?,
            Node::Random {
                seed,
                like,
                stream,
                dist,
            } => self.random(seed, like.as_deref(), *stream, *dist)?,
            Node::P4Of { obj, coll, coords } => {
                let o = self.eval_rc(obj)?;
                self.p4_of(&o, coll, *coords)?
            }
            Node::P4Convert { arg, coords } => self.p4_convert(arg, *coords)?,
            Node::Table { table, args, span } => self.table(table.0.as_ref(), args, *span)?,
            Node::P4Sum(..) => self.p4_sum(node, false)?,
            Node::P4SumList(..) => self.p4_sum(node, true)?,
            Node::P4Prop { arg, prop } => match self.transverse_prop(arg, *prop)? {
                Some(v) => v,
                None => match self.eval(arg)? {
                    Val::P4(p) => Val::Num(Nums::F64(crate::fourvec::p4_prop(&p, *prop))),
                    Val::P4List(o, p) => {
                        Val::List(o, Nums::F64(crate::fourvec::p4_prop(&p, *prop)))
                    }
                    _ => return Err(internal("four-vector property")),
                },
            },
            Node::DeltaPhi { a, b, single, .. } | Node::DeltaR { a, b, single, .. } => {
                self.delta(a, b, matches!(node, Node::DeltaR { .. }), *single)?
            }
        })
    }

    /// A branch column as a value (converted once per chunk, shared by every universe).
    pub(crate) fn branch(&self, name: &str) -> R<Rc<Val>> {
        if let Some(b) = self.base {
            return b.branch(name);
        }
        if let Some(v) = self.chunk.values.get(name) {
            return Ok(v.clone());
        }
        if let Some(v) = self.branches.borrow().get(name) {
            return Ok(v.clone());
        }
        if let Some(view) = self.chunk.views.get(name) {
            let v = Rc::new(
                self.chunk
                    .view_value_sharing(view, &mut self.layouts.borrow_mut())
                    .ok_or_else(|| internal(format!("branch {name} is not numbers")))?,
            );
            self.branches
                .borrow_mut()
                .insert(name.to_string(), v.clone());
            return Ok(v);
        }
        let a = self
            .chunk
            .columns
            .get(name)
            .ok_or_else(|| internal(format!("branch {name} was not read")))?;
        let v = match a {
            Array::Jagged { offsets, values } => Val::List(
                Rc::new(offsets.to_vec()),
                nums_of(values).ok_or_else(|| internal("list of non-numbers"))?,
            ),
            Array::Fixed { size, values } => {
                let n = if *size == 0 { 0 } else { values.len() / size };
                let offsets = (0..=n).map(|i| (i * size) as i64).collect();
                Val::List(
                    Rc::new(offsets),
                    nums_of(values).ok_or_else(|| internal("list of non-numbers"))?,
                )
            }
            other => Val::Num(nums_of(other).ok_or_else(|| internal("non-number branch"))?),
        };
        let v = Rc::new(v);
        self.branches
            .borrow_mut()
            .insert(name.to_string(), v.clone());
        Ok(v)
    }

    /// Per-event lengths of a collection version or a `+` concatenation (summed).
    pub(crate) fn coll_offsets(&self, c: &str) -> R<Offsets> {
        if c.contains('+') {
            if let Some(o) = self.concat_offsets.borrow().get(c) {
                return Ok(o.clone());
            }
            let parts = c
                .split('+')
                .map(|p| self.base_offsets(p))
                .collect::<R<Vec<_>>>()?;
            // The first two parts summed in one pass (not a copy of the first, then a pass
            // adding the second: ADL q8's leptons, 1.5 % of its instructions).
            let (mut off, summed): (Vec<i64>, usize) = match &parts[..] {
                [a, b, ..] if a.len() == b.len() => {
                    (a.iter().zip(b.iter()).map(|(a, b)| a + b).collect(), 2)
                }
                [a, ..] => (a.as_ref().clone(), 1),
                [] => (Vec::new(), 0),
            };
            for p in parts.iter().skip(summed) {
                for (o, x) in off.iter_mut().zip(p.iter()) {
                    *o += x;
                }
            }
            let off = Rc::new(off);
            self.concat_offsets
                .borrow_mut()
                .insert(c.to_string(), off.clone());
            return Ok(off);
        }
        self.base_offsets(c)
    }

    pub(crate) fn base_offsets(&self, c: &str) -> R<Offsets> {
        let mut key = c;
        for _ in 0..10_000 {
            let def = self
                .registry
                .collection(key)
                .ok_or_else(|| internal(format!("unknown collection {key}")))?;
            match &def.base {
                CollBase::Same(other) => key = other,
                CollBase::Selected(sel) => {
                    return match &*self.define(*sel)? {
                        Val::Objs(_, off, _) => Ok(off.clone()),
                        _ => Err(internal("a collection selection is not records")),
                    }
                }
                CollBase::File => {
                    // Any field that was read gives the offsets; they are the same for all
                    // (each field is checked against them where it is used). A field not yet
                    // converted gives them from its view, without a copy of its values.
                    for (col, _) in def.fields.values() {
                        if let Col::Branch(b) = col {
                            if let Some(off) = self.view_offsets(b) {
                                return Ok(off);
                            }
                            if self.chunk.has(b) {
                                if let Val::List(o, _) = &*self.branch(b)? {
                                    return Ok(o.clone());
                                }
                            }
                        }
                    }
                    return Err(internal(format!("no field of {key} was read")));
                }
            }
        }
        Err(internal("collection versions loop"))
    }

    /// For a concatenation `A+B`: each element's part and its index in that part's columns.
    pub(crate) fn virtual_map(&self, c: &str) -> R<VirtualMap> {
        if let Some(b) = self.shared(self.registry.coll_affected(c, self.universe)) {
            return b.virtual_map(c);
        }
        if let Some(m) = self.virtuals.borrow().get(c) {
            return Ok(m.clone());
        }
        let parts = c
            .split('+')
            .map(|p| self.base_offsets(p))
            .collect::<R<Vec<_>>>()?;
        let offsets: Vec<&[i64]> = parts.iter().map(|o| o.as_slice()).collect();
        let mut map = Vec::new();
        // Without a branch per event and part (`columnar::concat`); parts whose offsets
        // disagree cannot come from one chunk's collections.
        columnar::concat::record_sources(&offsets, &mut map)
            .ok_or_else(|| internal(format!("the parts of {c} have offsets that disagree")))?;
        let m = Rc::new(map);
        self.virtuals.borrow_mut().insert(c.to_string(), m.clone());
        Ok(m)
    }

    /// A field of records: the values of `field` for each record `obj` points at.
    fn field(&self, obj: &Node, coll: &str, field: &str, cols: &[Col]) -> R<Val> {
        Ok(match &*self.eval_rc(obj)? {
            Val::Obj(_, idx) => Val::Num(self.elem_values(coll, field, cols, idx)?),
            Val::Objs(_, off, idx) => {
                Val::List(off.clone(), self.elem_values(coll, field, cols, idx)?)
            }
            _ => return Err(internal("field of a non-record")),
        })
    }

    /// The values of `field` for the records `idx` of `coll` (`cols`: one per part); a
    /// negative index is a missing record.
    pub(crate) fn elem_values(
        &self,
        coll: &str,
        field: &str,
        cols: &[Col],
        idx: &[i64],
    ) -> R<Nums> {
        if !coll.contains('+') {
            let c = cols
                .first()
                .ok_or_else(|| internal("field without column"))?;
            return match &*self.field_column(coll, c)? {
                Val::List(_, v) => Ok(v.gather(idx)),
                _ => Err(internal("field column is not a list")),
            };
        }
        let columns = coll
            .split('+')
            .zip(cols)
            .map(|(part, c)| self.field_column(part, c))
            .collect::<R<Vec<_>>>()?;
        let parts: Vec<&Nums> = columns
            .iter()
            .filter_map(|c| match &**c {
                Val::List(_, v) => Some(v),
                _ => None,
            })
            .collect();
        let map = self.virtual_map(coll)?;
        let at = |v: i64| -> Option<(usize, i64)> {
            if v < 0 {
                None
            } else {
                map.get(v as usize).copied()
            }
        };
        if field == "flavour" {
            return Ok(Nums::I32(
                idx.iter()
                    .map(|&v| at(v).map_or(-1, |(p, _)| p as i32))
                    .collect(),
            ));
        }
        if let Some(values) = Nums::gather_parts(&parts, &map, idx) {
            return Ok(values);
        }
        let num = parts
            .iter()
            .map(|p| p.num())
            .reduce(|a, b| if a == b { a } else { Num::common(a, b) })
            .unwrap_or(Num::F64);
        // The parts one after the other, and each element's position in that: one gather.
        let mut all = Nums::empty(num);
        let mut bases = Vec::with_capacity(parts.len());
        for p in &parts {
            bases.push(all.len() as i64);
            all.extend_from(p);
        }
        let flat: Vec<i64> = idx
            .iter()
            .map(|&v| at(v).map_or(-1, |(p, g)| bases[p] + g))
            .collect();
        Ok(all.gather(&flat))
    }

    /// Column `col` of a field of collection `coll`: a list with one value per record of the
    /// collection in every event (checked).
    pub(crate) fn field_column(&self, coll: &str, col: &Col) -> R<Rc<Val>> {
        let base = self.base_offsets(coll)?;
        let v = self.column(col)?;
        match &*v {
            Val::List(off, _) => self.check_same_lengths(coll, col, off, &base)?,
            _ => return Err(internal("field column is not a list")),
        }
        Ok(v)
    }

    /// The fields of a collection must have the same number of elements in every event (with
    /// `std::vector` branches, or a redefined field, nothing guarantees it).
    pub(crate) fn check_same_lengths(
        &self,
        coll: &str,
        col: &Col,
        off: &Offsets,
        base: &Offsets,
    ) -> R<()> {
        if Rc::ptr_eq(off, base) || off == base {
            return Ok(());
        }
        let entry = self.first_length_difference(off, base);
        let what = match col {
            Col::Branch(b) => b.clone(),
            Col::Define(id) => self
                .registry
                .defines
                .get(*id)
                .map_or_else(|| "a redefined field".into(), |d| d.name.clone()),
            Col::Gather { .. } => "a field".into(),
        };
        Err(ExprError::eval(
            format!(
                "{what} has a different number of elements than the other fields of {} in \
                 entry {} (a redefined field must keep one value per record; to select records \
                 redefine the collection instead)",
                crate::scope::display_coll(coll),
                entry
            ),
            Span::default(),
        ))
    }

    /// A field by name (for four-vectors and angles); `None` if the collection lacks it.
    /// Field `field` of every record of `coll` in double precision, straight from its columns
    /// (no gather through an index per record): for a concatenation `A+B`, each event's values
    /// of `A`, then of `B`, as the records are numbered. `None` when a part has no such field
    /// or the parts' numbers differ in type (a record's field is then converted through their
    /// common type first, as [`Evaluator::elem_values`] does).
    pub(crate) fn whole_field_f64(&self, coll: &str, field: &str) -> R<Option<Vec<f64>>> {
        let Some(cols) = self.part_columns(coll, field) else {
            return Ok(None);
        };
        if cols.len() > 1 {
            if let Some(joined) = self.joined_from_views(&cols)? {
                return Ok(Some(joined));
            }
        }
        // Straight from the read columns where every part is a branch of floats of one type
        // not converted yet: one copy (to double precision) instead of two.
        let mut direct = Vec::with_capacity(cols.len());
        for &(part, col) in &cols {
            match self.field_f64_from_view(part, col)? {
                Some(d) => direct.push(d),
                None => break,
            }
        }
        let (offsets, mut values): (Vec<Offsets>, Vec<Vec<f64>>) =
            if direct.len() == cols.len() && direct.windows(2).all(|w| w[0].2 == w[1].2) {
                direct.into_iter().map(|(o, v, _)| (o, v)).unzip()
            } else {
                let mut lists = Vec::with_capacity(cols.len());
                for &(part, col) in &cols {
                    lists.push(self.field_column(part, col)?);
                }
                let mut parts = Vec::with_capacity(lists.len());
                for v in &lists {
                    if let Val::List(off, nums) = &**v {
                        parts.push((off.clone(), nums));
                    }
                }
                if parts.windows(2).any(|w| w[0].1.num() != w[1].1.num()) {
                    return Ok(None);
                }
                parts.into_iter().map(|(o, v)| (o, v.to_f64())).unzip()
            };
        if values.len() == 1 {
            // One collection: its column is already in record order.
            return Ok(values.pop());
        }
        let events = offsets.first().map_or(0, |o| o.len().saturating_sub(1));
        if offsets.iter().any(|o| o.len() != events + 1) {
            return Err(internal("concatenated parts of different lengths"));
        }
        let parts: Vec<(&[i64], &[f64])> = offsets
            .iter()
            .zip(&values)
            .map(|(o, v)| (o.as_slice(), v.as_slice()))
            .collect();
        crate::chunk::interleave_lists(&parts)
            .map(Some)
            .ok_or_else(|| internal("field offsets"))
    }

    /// [`whole_field_f64`](Self::whole_field_f64) of a concatenation whose parts' fields are
    /// all read jagged branches of floats of one type, not converted yet: each selected event's
    /// values of every part copied to double precision straight from the read arrays, in one
    /// pass ([`interleave_read`](crate::chunk::interleave_read)), instead of a copy of each
    /// part's and another to join them. `None` otherwise.
    fn joined_from_views(&self, cols: &[(&str, &Col)]) -> R<Option<Vec<f64>>> {
        let Some((views, total)) = self.part_views(cols)? else {
            return Ok(None);
        };
        // Each part's read offsets of the view's rows, and its values.
        let (mut singles, mut doubles) = (Vec::new(), Vec::new());
        for v in views {
            let Some((off, values)) = read_rows(v) else {
                return Ok(None);
            };
            match values {
                Array::F32(x) => singles.push((off, x.as_slice())),
                Array::F64(x) => doubles.push((off, x.as_slice())),
                _ => return Ok(None),
            }
        }
        let rows = self.chunk.rows.as_deref().map(Vec::as_slice);
        let joined = match (singles.is_empty(), doubles.is_empty()) {
            (false, true) => crate::chunk::interleave_read(&singles, rows, total, f64::from),
            (true, false) => crate::chunk::interleave_read(&doubles, rows, total, |x| x),
            _ => return Ok(None),
        };
        joined.map(Some).ok_or_else(|| internal("field offsets"))
    }

    /// [`joined_from_views`](Self::joined_from_views) of several fields of a concatenation at
    /// once (its four-vectors' `pt`, `eta`, `phi`, `mass`), where in every part the fields are
    /// read branches of floats with the same read offsets (the reader gives a collection's
    /// fields one array when they agree): each event's offsets are read once for all of them
    /// ([`interleave_read_fields`](crate::chunk::interleave_read_fields)). `None` otherwise —
    /// a collection that is not a concatenation included.
    pub(crate) fn joined_fields_from_views<const K: usize>(
        &self,
        coll: &str,
        fields: [&str; K],
    ) -> R<Option<[Vec<f64>; K]>> {
        if !coll.contains('+') {
            return Ok(None);
        }
        // Per field, its column in each part.
        let mut per_field = Vec::with_capacity(K);
        for field in fields {
            let Some(cols) = self.part_columns(coll, field) else {
                return Ok(None);
            };
            let Some((views, total)) = self.part_views(&cols)? else {
                return Ok(None);
            };
            per_field.push((views, total));
        }
        let Some(&(_, total)) = per_field.first() else {
            return Ok(None);
        };
        let parts = per_field[0].0.len();
        // Per part: the read offsets (those of its first field, which every other field must
        // share) and each field's values, all single precision.
        let mut offsets: Vec<&[i64]> = Vec::with_capacity(parts);
        let mut values: Vec<[&[f32]; K]> = Vec::with_capacity(parts);
        for p in 0..parts {
            let mut fields_values = [&[][..]; K];
            for (k, (views, t)) in per_field.iter().enumerate() {
                let Some((off, Array::F32(x))) = views.get(p).and_then(|v| read_rows(v)) else {
                    return Ok(None);
                };
                if *t != total {
                    return Ok(None);
                }
                match offsets.get(p) {
                    None => offsets.push(off),
                    Some(first) if std::ptr::eq(*first, off) || *first == off => {}
                    Some(_) => return Ok(None),
                }
                fields_values[k] = x.as_slice();
            }
            values.push(fields_values);
        }
        let rows = self.chunk.rows.as_deref().map(Vec::as_slice);
        crate::chunk::interleave_read_fields(&offsets, &values, rows, total, f64::from)
            .map(Some)
            .ok_or_else(|| internal("field offsets"))
    }

    /// Each part of collection `coll` (`A+B`: `A`, then `B`; one part otherwise) with its
    /// column of `field`; `None` when a part has no such field.
    pub(crate) fn part_columns<'c>(
        &self,
        coll: &'c str,
        field: &str,
    ) -> Option<Vec<(&'c str, &Col)>> {
        coll.split('+')
            .map(|part| {
                let (col, _) = self.registry.collection(part)?.fields.get(field)?;
                Some((part, col))
            })
            .collect()
    }

    /// The chunk's views of a concatenation's parts' columns `cols` (each a read jagged branch
    /// not converted yet, with the same list lengths as its collection), and their number of
    /// values for the chunk's events; `None` where one is not.
    fn part_views(&self, cols: &[(&str, &Col)]) -> R<Option<(Vec<&crate::chunk::View>, usize)>> {
        let mut views = Vec::with_capacity(cols.len());
        let mut total = 0usize;
        for &(part, col) in cols {
            let Some(view) = self.unconverted_column(col) else {
                return Ok(None);
            };
            let Some(off) = self
                .chunk
                .view_offsets_sharing(view, &mut self.layouts.borrow_mut())
            else {
                return Ok(None);
            };
            let base = self.base_offsets(part)?;
            self.check_same_lengths(part, col, &off, &base)?;
            let n = off.last().copied().unwrap_or(0);
            total += usize::try_from(n).map_err(|_| internal("field offsets"))?;
            views.push(view);
        }
        Ok(Some((views, total)))
    }

    /// The list offsets of branch `b` from the chunk's view of it, where it is a jagged view
    /// not converted yet ([`Chunk::view_offsets_sharing`]).
    pub(crate) fn view_offsets(&self, b: &str) -> Option<Offsets> {
        let view = self.unconverted_view(b)?;
        self.chunk
            .view_offsets_sharing(view, &mut self.layouts.borrow_mut())
    }

    /// The chunk's view of branch `b`, where this evaluator reads the chunk itself (no base)
    /// and has not converted the branch to a value yet.
    pub(crate) fn unconverted_view(&self, b: &str) -> Option<&crate::chunk::View> {
        if self.base.is_some()
            || self.chunk.values.contains_key(b)
            || self.branches.borrow().contains_key(b)
        {
            return None;
        }
        self.chunk.views.get(b)
    }

    /// [`Evaluator::unconverted_view`] of a column that is a branch; `None` for other columns.
    pub(crate) fn unconverted_column(&self, col: &Col) -> Option<&crate::chunk::View> {
        match col {
            Col::Branch(b) => self.unconverted_view(b),
            _ => None,
        }
    }

    /// A branch field of a collection part, from the chunk's view of it, in double precision
    /// ([`Chunk::view_f64_sharing`]), its lengths checked as [`Evaluator::field_column`] does;
    /// with whether the file stores it in single precision. `None` where the field is not such
    /// a branch or was converted already (its values are then taken as they are).
    fn field_f64_from_view(&self, part: &str, col: &Col) -> R<Option<(Offsets, Vec<f64>, bool)>> {
        let Some(view) = self.unconverted_column(col) else {
            return Ok(None);
        };
        let single = matches!(&*view.array, Array::Jagged { values, .. } if matches!(**values, Array::F32(_)));
        let Some((off, values)) = self
            .chunk
            .view_f64_sharing(view, &mut self.layouts.borrow_mut())
        else {
            return Ok(None);
        };
        let base = self.base_offsets(part)?;
        self.check_same_lengths(part, col, &off, &base)?;
        Ok(Some((off, values, single)))
    }

    pub(crate) fn named_field(&self, coll: &str, field: &str, idx: &[i64]) -> R<Option<Nums>> {
        let Some(parts) = self.part_columns(coll, field) else {
            return Ok(None);
        };
        let cols: Vec<Col> = parts.into_iter().map(|(_, c)| c.clone()).collect();
        self.elem_values(coll, field, &cols, idx).map(Some)
    }

    /// Bring two values to one shape: per-event, or per-element of a list, converted to `num`.
    /// A list or per-event column already of type `num` and shape stays borrowed (no copy of
    /// a column for a comparison or an arithmetic).
    pub(crate) fn align<'v>(&self, a: &'v Val, b: &'v Val, num: Num) -> R<Aligned<'v>> {
        let off = self.common_offsets(a, b)?;
        let len = match &off {
            Some(o) => o.last().copied().unwrap_or(0) as usize,
            None => self.n(),
        };
        let as_num = |n: &'v Nums| num::as_num(n, num);
        let shape = |v: &'v Val| -> R<Cow<'v, Nums>> {
            Ok(match v {
                Val::List(_, n) => as_num(n),
                Val::Num(n) => match &off {
                    Some(o) => Cow::Owned(num::cast_owned(n.repeat(o), num)),
                    None => as_num(n),
                },
                Val::Const(c, k) => Cow::Owned(num::cast(&c.column(*k, len), num)),
                _ => return Err(internal("operand")),
            })
        };
        Ok((off.clone(), shape(a)?, shape(b)?))
    }

    /// The offsets two operands share (lists of equal lengths), or `None` for two per-event
    /// values.
    fn common_offsets(&self, a: &Val, b: &Val) -> R<Option<Offsets>> {
        Ok(match (a, b) {
            (Val::List(o1, _), Val::List(o2, _)) => {
                if o1 != o2 {
                    return Err(ExprError::eval(
                        format!(
                            "the two lists have different lengths in entry {}",
                            self.first_length_difference(o1, o2)
                        ),
                        Span::default(),
                    ));
                }
                Some(o1.clone())
            }
            (Val::List(o, _), _) | (_, Val::List(o, _)) => Some(o.clone()),
            _ => None,
        })
    }

    pub(crate) fn arith_error(
        &self,
        e: ArithError,
        off: Option<&Offsets>,
        span: Span,
    ) -> ExprError {
        match e {
            ArithError::DivisionByZero(pos) => {
                let event = match off {
                    Some(o) => o.partition_point(|&x| x <= pos as i64).saturating_sub(1),
                    None => pos,
                };
                ExprError::eval(
                    format!(
                        "integer division by zero in entry {} (convert to double to get inf, \
                         e.g. double(a) / b)",
                        self.entry(event)
                    ),
                    span,
                )
            }
            ArithError::Mismatch => internal("operand types"),
        }
    }

    /// `a op rhs`, with `a` already evaluated (the left operand, or a chain so far). Both
    /// operands are borrowed where they are already of type `num` (a column, a define, a
    /// field of a whole collection): no copy of them for a comparison or an arithmetic.
    fn binary(&self, op: BinOp, a: Rc<Val>, rhs: &Node, num: Num, span: Span) -> R<Val> {
        if matches!(op, BinOp::And | BinOp::Or) {
            return self.logical(op, Rc::unwrap_or_clone(a), rhs, span);
        }
        let b = self.eval_rc(rhs)?;
        let (a, b) = (&*a, &*b);
        let is_cmp = matches!(
            op,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        );
        // Two constants fold to a constant, computed with the same rules.
        if let (Val::Const(x, xk), Val::Const(y, yk)) = (&a, &b) {
            let (x, y) = (
                num::cast(&x.column(*xk, 1), num),
                num::cast(&y.column(*yk, 1), num),
            );
            let out = if is_cmp {
                Nums::Bool(num::compare(op, &x, &y).map_err(|e| self.arith_error(e, None, span))?)
            } else {
                num::arith(op, &x, &y).map_err(|e| self.arith_error(e, None, span))?
            };
            let k = out.num();
            return Ok(Val::Const(
                Scalar::of(&out).ok_or_else(|| internal("fold"))?,
                k,
            ));
        }
        if is_cmp {
            // A column against a constant: the constant is not repeated into a column.
            let column_and_constant = match (a, b) {
                (Val::Num(x) | Val::List(_, x), Val::Const(c, k)) => Some((a, x, c, k, false)),
                (Val::Const(c, k), Val::Num(x) | Val::List(_, x)) => Some((b, x, c, k, true)),
                _ => None,
            };
            if let Some((column, x, c, k, const_first)) = column_and_constant {
                let x = num::as_num(x, num);
                let c = num::cast(&c.column(*k, 1), num);
                let out = num::compare_const(op, &x, &c, const_first)
                    .map_err(|e| self.arith_error(e, None, span))?;
                return Ok(match column {
                    Val::List(o, _) => Val::List(o.clone(), Nums::Bool(out)),
                    _ => Val::Num(Nums::Bool(out)),
                });
            }
        }
        let (off, x, y) = self.align(a, b, num)?;
        let out = if is_cmp {
            Nums::Bool(
                num::compare(op, &x, &y).map_err(|e| self.arith_error(e, off.as_ref(), span))?,
            )
        } else {
            num::arith(op, &x, &y).map_err(|e| self.arith_error(e, off.as_ref(), span))?
        };
        Ok(match off {
            Some(o) => Val::List(o, out),
            None => Val::Num(out),
        })
    }

    /// `abs(x) < c` (any comparison) of a float column with a literal, in one pass: the same
    /// answers as `abs` then the comparison ([`num::compare_abs_const`]), without the column of
    /// absolute values. `None` for anything else (the general path).
    fn abs_compared(
        &self,
        op: BinOp,
        lhs: &Node,
        rhs: &Node,
        num: Num,
        span: Span,
    ) -> R<Option<Val>> {
        let (
            Node::Math1 {
                f: crate::check::Math1::Abs,
                arg,
                num: abs_num,
            },
            Node::Lit(_),
        ) = (lhs, rhs)
        else {
            return Ok(None);
        };
        let is_cmp = matches!(
            op,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        );
        if !is_cmp || *abs_num != num || !matches!(num, Num::F32 | Num::F64) {
            return Ok(None);
        }
        let Val::Const(c, k) = self.eval(rhs)? else {
            return Ok(None);
        };
        let x = self.eval_rc(arg)?;
        let (off, xs) = match &*x {
            Val::Num(v) if v.num() == num => (None, v),
            Val::List(o, v) if v.num() == num => (Some(o.clone()), v),
            _ => return Ok(None),
        };
        let c = num::cast(&c.column(k, 1), num);
        let out =
            num::compare_abs_const(op, xs, &c).map_err(|e| self.arith_error(e, None, span))?;
        Ok(Some(match off {
            Some(o) => Val::List(o, Nums::Bool(out)),
            None => Val::Num(Nums::Bool(out)),
        }))
    }

    /// `&&` and `||`, short-circuiting per event: the right side is only evaluated for the
    /// events the left side does not decide, so `nMuon >= 2 && Muon[1].pt > 20` is safe.
    fn logical(&self, op: BinOp, a: Val, rhs: &Node, span: Span) -> R<Val> {
        let and = op == BinOp::And;
        let per_event = match &a {
            Val::Const(Scalar::Bool(b), _) => {
                if *b == and {
                    return self.eval(rhs);
                }
                return Ok(a);
            }
            Val::Num(Nums::Bool(v)) => v.clone(),
            _ => {
                // Lists: element-wise, no short circuit.
                let b = self.eval(rhs)?;
                let (off, x, y) = self.align(&a, &b, Num::Bool)?;
                let (Nums::Bool(x), Nums::Bool(y)) = (&*x, &*y) else {
                    return Err(internal("logical"));
                };
                let out = x
                    .iter()
                    .zip(y)
                    .map(|(p, q)| if and { *p && *q } else { *p || *q })
                    .collect();
                return Ok(match off {
                    Some(o) => Val::List(o, Nums::Bool(out)),
                    None => Val::Num(Nums::Bool(out)),
                });
            }
        };
        // Events whose result still depends on the right side.
        let undecided: Vec<bool> = per_event.iter().map(|x| *x == and).collect();
        let rhs_vals = self.eval_on(&undecided, rhs, span)?;
        let Some(rhs_vals) = rhs_vals else {
            return Ok(Val::Num(Nums::Bool(per_event)));
        };
        let rhs_vals = to_bools(rhs_vals)?;
        let mut it = rhs_vals.into_iter();
        let out = per_event
            .iter()
            .zip(&undecided)
            .map(|(a, u)| if *u { it.next().unwrap_or(false) } else { *a })
            .collect();
        Ok(Val::Num(Nums::Bool(out)))
    }

    /// Evaluate `node` on the events where `keep` is true only: `None` if there are none; a
    /// per-event value (constants expanded) for exactly those events otherwise.
    pub(crate) fn eval_on(&self, keep: &[bool], node: &Node, span: Span) -> R<Option<Val>> {
        let n_keep = keep.iter().filter(|x| **x).count();
        if n_keep == 0 {
            return Ok(None);
        }
        let v = if n_keep == keep.len() {
            self.eval(node)?
        } else {
            let sub = self.chunk.filter(keep);
            let ev = self.sub(&sub);
            ev.eval(node).map_err(|e| ExprError {
                span: if e.span == Span::default() {
                    span
                } else {
                    e.span
                },
                ..e
            })?
        };
        Ok(Some(match v {
            Val::Const(c, k) => Val::Num(c.column(k, n_keep)),
            other => other,
        }))
    }

    /// `cond ? a : b`: element-wise for a list condition; per event otherwise, evaluating each
    /// side only on the events that take it (so `nJet > 0 ? Jet.pt[0] : -1` is safe).
    fn cond(&self, cond: &Node, a: &Node, b: &Node, num: Num, span: Span) -> R<Val> {
        let c = self.eval(cond)?;
        let per_event = match c {
            Val::Const(Scalar::Bool(t), _) => {
                let v = self.eval(if t { a } else { b })?;
                return Ok(match v {
                    Val::Const(s, k) => {
                        let x = num::cast(&s.column(k, 1), num);
                        Val::Const(Scalar::of(&x).ok_or_else(|| internal("cond"))?, num)
                    }
                    Val::Num(x) => Val::Num(num::cast_owned(x, num)),
                    Val::List(o, x) => Val::List(o, num::cast_owned(x, num)),
                    _ => return Err(internal("cond value")),
                });
            }
            Val::Num(Nums::Bool(v)) => v,
            Val::List(off, Nums::Bool(keep)) => {
                // Element-wise: both sides fully, then pick.
                let c = Val::List(off.clone(), Nums::Bool(keep.clone()));
                let (va, vb) = (self.eval(a)?, self.eval(b)?);
                let (o1, x, _) = self.align(&va, &c, num)?;
                let (o2, y, _) = self.align(&vb, &c, num)?;
                let off = o1.or(o2).unwrap_or(off);
                return Ok(Val::List(off, select_by(&keep, &x, &y)));
            }
            _ => return Err(internal("condition")),
        };
        let not: Vec<bool> = per_event.iter().map(|x| !x).collect();
        let va = self.eval_on(&per_event, a, span)?;
        let vb = self.eval_on(&not, b, span)?;
        match (&va, &vb) {
            (Some(Val::List(..)), _) | (_, Some(Val::List(..))) => {
                // Whole lists, event by event.
                let mut off = vec![0i64];
                let mut out = Nums::empty(num);
                let (mut ia, mut ib) = (0usize, 0usize);
                for &t in &per_event {
                    let (v, i) = if t { (&va, &mut ia) } else { (&vb, &mut ib) };
                    let Some(Val::List(o, x)) = v else {
                        return Err(internal("cond lists"));
                    };
                    let (s, e) = (o[*i] as usize, o[*i + 1] as usize);
                    out.extend_from(&x.slice(s, e));
                    off.push(off[off.len() - 1] + (e - s) as i64);
                    *i += 1;
                }
                Ok(Val::List(Rc::new(off), out))
            }
            _ => {
                let get = |v: Option<Val>| -> R<Nums> {
                    match v {
                        None => Ok(Nums::empty(num)),
                        Some(Val::Num(x)) => Ok(num::cast_owned(x, num)),
                        _ => Err(internal("cond values")),
                    }
                };
                let (x, y) = (get(va)?, get(vb)?);
                Ok(Val::Num(merge_by(&per_event, &x, &y)))
            }
        }
    }
}

/// `keep[i] ? x[i] : y[i]` for two columns of one type.
pub(crate) fn select_by(keep: &[bool], x: &Nums, y: &Nums) -> Nums {
    macro_rules! sel {
        ($x:expr, $y:expr) => {
            keep.iter()
                .zip($x.iter().zip($y.iter()))
                .map(|(k, (a, b))| if *k { *a } else { *b })
                .collect()
        };
    }
    match (x, y) {
        (Nums::Bool(x), Nums::Bool(y)) => Nums::Bool(sel!(x, y)),
        (Nums::I32(x), Nums::I32(y)) => Nums::I32(sel!(x, y)),
        (Nums::U32(x), Nums::U32(y)) => Nums::U32(sel!(x, y)),
        (Nums::I64(x), Nums::I64(y)) => Nums::I64(sel!(x, y)),
        (Nums::U64(x), Nums::U64(y)) => Nums::U64(sel!(x, y)),
        (Nums::F32(x), Nums::F32(y)) => Nums::F32(sel!(x, y)),
        (Nums::F64(x), Nums::F64(y)) => Nums::F64(sel!(x, y)),
        _ => x.clone(),
    }
}

/// Interleave: where `take_x` is true the next value of `x`, else the next of `y`.
fn merge_by(take_x: &[bool], x: &Nums, y: &Nums) -> Nums {
    macro_rules! merge {
        ($x:expr, $y:expr) => {{
            let (mut i, mut j) = (0usize, 0usize);
            take_x
                .iter()
                .map(|t| {
                    if *t {
                        i += 1;
                        $x[i - 1]
                    } else {
                        j += 1;
                        $y[j - 1]
                    }
                })
                .collect()
        }};
    }
    match (x, y) {
        (Nums::Bool(x), Nums::Bool(y)) => Nums::Bool(merge!(x, y)),
        (Nums::I32(x), Nums::I32(y)) => Nums::I32(merge!(x, y)),
        (Nums::U32(x), Nums::U32(y)) => Nums::U32(merge!(x, y)),
        (Nums::I64(x), Nums::I64(y)) => Nums::I64(merge!(x, y)),
        (Nums::U64(x), Nums::U64(y)) => Nums::U64(merge!(x, y)),
        (Nums::F32(x), Nums::F32(y)) => Nums::F32(merge!(x, y)),
        (Nums::F64(x), Nums::F64(y)) => Nums::F64(merge!(x, y)),
        _ => x.clone(),
    }
}

pub(crate) fn to_bools(v: Val) -> R<Vec<bool>> {
    match v {
        Val::Num(Nums::Bool(v)) => Ok(v),
        _ => Err(internal("expected bools")),
    }
}

/// The type a typed value is known to have (for callers that need to materialise constants).
pub fn ty_num(ty: &Ty) -> Option<Num> {
    match ty {
        Ty::Num(n) | Ty::List(n) => Some(*n),
        _ => None,
    }
}

/// A jagged view's read offsets of its rows (`start..=stop`, not from 0) and its values;
/// `None` for another layout or rows past the offsets.
fn read_rows(v: &crate::chunk::View) -> Option<(&[i64], &Array)> {
    let Array::Jagged { offsets, values } = &*v.array else {
        return None;
    };
    Some((offsets.get(v.start..=v.stop)?, &**values))
}

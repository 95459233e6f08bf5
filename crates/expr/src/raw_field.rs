//! Fields read where the reader left them. Before any cut, a batch's values of a collection's
//! field are one range of the array the reader decoded for the work item; an expression that
//! reads them once — `Jet.pt > 30`, `abs(Jet.eta) < 1`, the values a mask keeps, the angles of
//! `min_delta_r` — reads that range instead of a copy of it. The copy (`Chunk::view_value`)
//! was 3–5 % of ADL q3, q5 and q7 on the lz4 file, one pass over every value the batch reads
//! before the pass that uses them. The answers are the copy's: the same values, through the
//! same comparison and selection loops ([`num::compare_values`], [`columnar::select`]).
//!
//! A field already converted (another expression read it whole) is taken as it is, and after a
//! cut the kept lists are many ranges of the read array: both take the usual way.
//!
//! Why these three consumers and not every one: a [`Nums`] owns its vector, and some 85 places
//! match on it and take or extend that vector; a column borrowed from the read array would be
//! a new kind of value for all of them. These three are where the profiles showed the copy.

use std::rc::Rc;

use rootio::Array;

use crate::ast::BinOp;
use crate::check::{Math1, Node};
use crate::eval::{Evaluator, R};
use crate::num;
use crate::schema::Num;
use crate::scope::Col;
use crate::value::{Nums, Val};

/// The values of a jagged field for every event of a batch, in the array the reader decoded:
/// values `first..last` of it, with the lists' offsets from 0 (the ones its conversion would
/// give, shared with the collection's other fields).
#[derive(Debug, Clone)]
pub(crate) struct RawList {
    pub(crate) offsets: Rc<Vec<i64>>,
    array: Rc<Array>,
    first: usize,
    last: usize,
}

impl RawList {
    fn values(&self) -> Option<&Array> {
        match &*self.array {
            Array::Jagged { values, .. } => Some(values),
            _ => None,
        }
    }

    /// The values, where they are single-precision floats.
    pub(crate) fn f32s(&self) -> Option<&[f32]> {
        match self.values()? {
            Array::F32(v) => v.get(self.first..self.last),
            _ => None,
        }
    }

    /// The values, where they are double-precision floats.
    pub(crate) fn f64s(&self) -> Option<&[f64]> {
        match self.values()? {
            Array::F64(v) => v.get(self.first..self.last),
            _ => None,
        }
    }

    /// The lists with only the values where `keep` (one per value) is true: what
    /// `mask_by_select` gives for the converted field. `None` for the types a conversion
    /// changes (integers narrower than `int` become `int`), for other layouts and for a `keep`
    /// shorter than the values.
    pub(crate) fn masked(&self, keep: &[bool]) -> Option<Val> {
        use columnar::select::select;
        let len = self.last.checked_sub(self.first)?;
        let (offsets, lists) = crate::eval_ops::kept_lists(&self.offsets, keep, len)?;
        let kept = &keep[lists.clone()];
        let range = self.first + lists.start..self.first + lists.end;
        let values = match self.values()? {
            Array::Bool(v) => Nums::Bool(select(v.get(range)?, kept)),
            Array::I32(v) => Nums::I32(select(v.get(range)?, kept)),
            Array::U32(v) => Nums::U32(select(v.get(range)?, kept)),
            Array::I64(v) => Nums::I64(select(v.get(range)?, kept)),
            Array::U64(v) => Nums::U64(select(v.get(range)?, kept)),
            Array::F32(v) => Nums::F32(select(v.get(range)?, kept)),
            Array::F64(v) => Nums::F64(select(v.get(range)?, kept)),
            _ => return None,
        };
        Some(Val::List(Rc::new(offsets), values))
    }
}

/// A field's values for every record of a collection: converted, or still in the read array.
pub(crate) enum RecordValues {
    Converted(Rc<Val>),
    Raw(RawList),
}

impl RecordValues {
    /// The values, where they are single-precision floats.
    pub(crate) fn f32s(&self) -> Option<&[f32]> {
        match self {
            RecordValues::Converted(v) => match &**v {
                Val::List(_, Nums::F32(x)) => Some(x),
                _ => None,
            },
            RecordValues::Raw(r) => r.f32s(),
        }
    }
}

impl Evaluator<'_> {
    /// A whole field of a collection (`Jet.pt`) that is a branch not converted yet, before any
    /// cut: its values in the read array, its list lengths checked against the collection's
    /// as [`Evaluator::eval_rc`] checks them. `None` for anything else.
    pub(crate) fn raw_field(&self, node: &Node) -> R<Option<RawList>> {
        let Node::Field {
            obj, coll, cols, ..
        } = node
        else {
            return Ok(None);
        };
        match (&**obj, &cols[..]) {
            (Node::Collection(c), [col]) if c == coll && !coll.contains('+') => {
                self.raw_column(coll, col)
            }
            _ => Ok(None),
        }
    }

    /// Column `col` of a field of collection `coll` (not a concatenation) in the read array,
    /// where it is a branch not converted yet and no cut has narrowed the batch.
    fn raw_column(&self, coll: &str, col: &Col) -> R<Option<RawList>> {
        let Some(view) = self.unconverted_column(col) else {
            return Ok(None);
        };
        let Some((offsets, first, last)) = self
            .chunk
            .unselected_range(view, &mut self.layouts.borrow_mut())
        else {
            return Ok(None);
        };
        let base = self.coll_offsets(coll)?;
        self.check_same_lengths(coll, col, &offsets, &base)?;
        Ok(Some(RawList {
            offsets,
            array: view.array.clone(),
            first,
            last,
        }))
    }

    /// `field op literal` or `abs(field) op literal` (a comparison) of a float field in the
    /// read array ([`Evaluator::raw_field`]) whose type is the comparison's: the loop the
    /// converted column takes ([`num::compare_const`], [`num::compare_abs_const`]) on the read
    /// values. `None` for anything else.
    pub(crate) fn raw_compared(
        &self,
        op: BinOp,
        lhs: &Node,
        rhs: &Node,
        num: Num,
        span: crate::error::Span,
    ) -> R<Option<Val>> {
        use BinOp::*;
        if !matches!(op, Eq | Ne | Lt | Le | Gt | Ge) || !matches!(rhs, Node::Lit(_)) {
            return Ok(None);
        }
        let (field, abs) = match lhs {
            Node::Math1 {
                f: Math1::Abs,
                arg,
                num: abs_num,
            } if *abs_num == num => (&**arg, true),
            Node::Math1 { .. } => return Ok(None),
            other => (other, false),
        };
        if !matches!(field, Node::Field { .. }) || !matches!(num, Num::F32 | Num::F64) {
            return Ok(None);
        }
        let Some(raw) = self.raw_field(field)? else {
            return Ok(None);
        };
        let Val::Const(c, k) = self.eval(rhs)? else {
            return Ok(None);
        };
        let out = match num::cast(&c.column(k, 1), num) {
            Nums::F32(c) => match (raw.f32s(), c.first()) {
                (Some(a), Some(&c)) if abs => num::compare_abs_f32(op, a, c),
                (Some(a), Some(&c)) => num::compare_values(op, a, c),
                _ => return Ok(None),
            },
            Nums::F64(c) => match (raw.f64s(), c.first()) {
                (Some(a), Some(&c)) if abs => num::compare_abs_f64(op, a, c),
                (Some(a), Some(&c)) => num::compare_values(op, a, c),
                _ => return Ok(None),
            },
            _ => return Ok(None),
        }
        .map_err(|e| self.arith_error(e, None, span))?;
        Ok(Some(Val::List(raw.offsets, Nums::Bool(out))))
    }

    /// The values of `field` for every record of collection `coll` (a list per event, one value
    /// per record: what the record numbers of `coll`'s records point into), for a kernel that
    /// reads the records where they are instead of a gathered copy: in the read array where
    /// they still are ([`RawList`]), else converted. `None` for a concatenation or a
    /// collection without the field.
    pub(crate) fn record_values(&self, coll: &str, field: &str) -> R<Option<RecordValues>> {
        let Some(parts) = self.part_columns(coll, field) else {
            return Ok(None);
        };
        let &[(part, col)] = &parts[..] else {
            return Ok(None);
        };
        if let Some(raw) = self.raw_column(part, col)? {
            return Ok(Some(RecordValues::Raw(raw)));
        }
        self.field_column(part, col)
            .map(|v| Some(RecordValues::Converted(v)))
    }
}

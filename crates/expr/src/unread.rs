//! A column read where the reader left it: a branch, or a field of a whole collection, that
//! this batch has not copied into a value yet, while every row of the batch is selected (no
//! cut before). A consumer that only reads it — a histogram filled from it, `count(Jet.pt >
//! 40)` — then needs no copy of the column; anything else evaluates it as usual (one copy, kept
//! for later uses in the batch).

use std::ops::Range;

use rootio::Array;

use crate::check::Node;
use crate::eval::{Evaluator, R};
use crate::scope::Col;

/// The batch's values of a column as the reader holds them.
pub struct Unread<'a> {
    /// A list column's offsets for the batch's events (one more than the events), indices into
    /// `values` (they may start past 0); `None` for one value per event.
    pub offsets: Option<&'a [i64]>,
    /// The read array of values (of the whole work item, not only this batch).
    pub values: &'a Array,
    /// The batch's values: `values`' elements in this range, in order.
    pub range: Range<usize>,
}

impl Evaluator<'_> {
    /// `node` as the reader holds it, where it is a branch (`MET_pt`) or a field of a whole
    /// collection (`Jet.pt`, its lengths checked against the collection's as evaluating it
    /// checks them) not converted to a value in this batch yet, and the batch's rows are all
    /// selected; `None` otherwise (evaluate it instead).
    pub fn unread_column(&self, node: &Node) -> R<Option<Unread<'_>>> {
        if self.chunk.rows.is_some() {
            return Ok(None);
        }
        let (b, field) = match node {
            Node::Column(Col::Branch(b)) => (b, None),
            Node::Field {
                obj, coll, cols, ..
            } => match (&**obj, &cols[..]) {
                (Node::Collection(c), [col @ Col::Branch(b)]) if c == coll && !c.contains('+') => {
                    (b, Some((coll, col)))
                }
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        let Some(view) = self.unconverted_view(b) else {
            return Ok(None);
        };
        let (offsets, values, range) = match (&*view.array, field) {
            (Array::Jagged { offsets, values }, Some((coll, col))) => {
                let (Some(raw), Some(shared)) =
                    (offsets.get(view.start..=view.stop), self.view_offsets(b))
                else {
                    return Ok(None);
                };
                self.check_same_lengths(coll, col, &shared, &self.coll_offsets(coll)?)?;
                let (Some(&first), Some(&last)) = (raw.first(), raw.last()) else {
                    return Ok(None);
                };
                let (Ok(first), Ok(last)) = (usize::try_from(first), usize::try_from(last)) else {
                    return Ok(None);
                };
                (Some(raw), &**values, first..last)
            }
            (Array::Jagged { .. } | Array::Fixed { .. }, _) | (_, Some(_)) => return Ok(None),
            (flat, None) => (None, flat, view.start..view.stop),
        };
        if range.start > range.end || range.end > values.len() {
            return Ok(None);
        }
        Ok(Some(Unread {
            offsets,
            values,
            range,
        }))
    }
}

//! `count`, `any` and `all` of a comparison of a list column with a constant — `count(Jet.pt >
//! 40) >= 2` (ADL q4), `any(Muon.pt > 25)` — in one pass over the column
//! ([`columnar::counts::count_where`]): no column of booleans in between, and for a field of a
//! whole collection not copied yet ([`Evaluator::unread_column`]), no copy of the column
//! either. The same answers as the comparison and then the reduction: the values
//! compared as [`num::compare_const`] compares them (the constant converted to the
//! comparison's type, a column of floats widened exactly to double precision where the
//! comparison is in double precision; `c < x` as `x > c`, exact for every value, NaN
//! included), and integer counts. Anything else takes the general path.

use rootio::Array;

use crate::ast::BinOp;
use crate::check::{Node, Reduce};
use crate::eval::{Evaluator, R};
use crate::num;
use crate::value::{Nums, Val};

/// A comparison's constant, in the comparison's type.
#[derive(Clone, Copy)]
enum Constant {
    F32(f32),
    F64(f64),
    I32(i32),
    I64(i64),
    U32(u32),
    U64(u64),
}

impl Evaluator<'_> {
    /// `f(x op c)` (or `f(c op x)`) for `f` one of `count`, `any`, `all`, `x` a list column (a
    /// field, a branch or a define) and `c` a literal, in one pass; `None` for anything else.
    pub(crate) fn reduce_compared(&self, f: Reduce, arg: &Node) -> R<Option<Val>> {
        if !matches!(f, Reduce::Count | Reduce::Any | Reduce::All) {
            return Ok(None);
        }
        let Node::Binary {
            op, lhs, rhs, num, ..
        } = arg
        else {
            return Ok(None);
        };
        let (column, constant, const_first) = match (&**lhs, &**rhs) {
            (c, Node::Lit(_)) => (c, &**rhs, false),
            (Node::Lit(_), c) => (c, &**lhs, true),
            _ => return Ok(None),
        };
        // Only values that are there to be read (a computed column such as `abs(x)` has a
        // one-pass comparison of its own on the general path).
        if !matches!(
            column,
            Node::Field { .. } | Node::Column(_) | Node::Define(_)
        ) {
            return Ok(None);
        }
        let Some(op) = mirrored(*op, const_first) else {
            return Ok(None);
        };
        let Val::Const(c, k) = self.eval(constant)? else {
            return Ok(None);
        };
        let Some(c) = constant_of(&num::cast(&c.column(k, 1), *num)) else {
            return Ok(None);
        };
        // Held here so that the offsets and values borrowed from it live long enough.
        let computed;
        let unread = self.unread_column(column)?;
        let (offsets, values) = match unread.as_ref().and_then(|u| Some((u.offsets?, u.values))) {
            Some((offsets, values)) => (offsets, Values::of_array(values)),
            None => {
                computed = self.eval_rc(column)?;
                match &*computed {
                    Val::List(o, values) => (o.as_slice(), Values::of_nums(values)),
                    _ => return Ok(None),
                }
            }
        };
        let Some(counts) = values.and_then(|v| v.counts(op, offsets, c)) else {
            return Ok(None);
        };
        Ok(Some(Val::Num(match f {
            Reduce::Any => Nums::Bool(counts.iter().map(|&n| n > 0).collect()),
            Reduce::All => Nums::Bool(
                counts
                    .iter()
                    .zip(offsets.windows(2))
                    .map(|(&n, w)| n == w[1] - w[0])
                    .collect(),
            ),
            _ => Nums::I64(counts),
        })))
    }
}

/// `op` with its operands swapped when the constant comes first (`c < x` is `x > c`); `None`
/// for an operator that is not a comparison.
fn mirrored(op: BinOp, const_first: bool) -> Option<BinOp> {
    use BinOp::*;
    Some(match (op, const_first) {
        (Eq | Ne | Lt | Le | Gt | Ge, false) | (Eq | Ne, true) => op,
        (Lt, true) => Gt,
        (Le, true) => Ge,
        (Gt, true) => Lt,
        (Ge, true) => Le,
        _ => return None,
    })
}

/// The one value of a converted constant.
fn constant_of(c: &Nums) -> Option<Constant> {
    Some(match c {
        Nums::F32(v) => Constant::F32(*v.first()?),
        Nums::F64(v) => Constant::F64(*v.first()?),
        Nums::I32(v) => Constant::I32(*v.first()?),
        Nums::I64(v) => Constant::I64(*v.first()?),
        Nums::U32(v) => Constant::U32(*v.first()?),
        Nums::U64(v) => Constant::U64(*v.first()?),
        Nums::Bool(_) => return None,
    })
}

/// The counts per list of `values` (widened by `widen`) that compare true with `c`.
fn counts_by<T: Copy, U: PartialOrd + Copy>(
    op: BinOp,
    offsets: &[i64],
    values: &[T],
    widen: impl Fn(T) -> U,
    c: U,
) -> Option<Vec<i64>> {
    use columnar::counts::count_where;
    use BinOp::*;
    match op {
        Eq => count_where(offsets, values, |x| widen(x) == c),
        Ne => count_where(offsets, values, |x| widen(x) != c),
        Lt => count_where(offsets, values, |x| widen(x) < c),
        Le => count_where(offsets, values, |x| widen(x) <= c),
        Gt => count_where(offsets, values, |x| widen(x) > c),
        Ge => count_where(offsets, values, |x| widen(x) >= c),
        _ => None,
    }
}

/// The values of a list column, borrowed, in the types a comparison counts directly.
enum Values<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U32(&'a [u32]),
    U64(&'a [u64]),
}

impl<'a> Values<'a> {
    /// A read array's values (`None` for the types expressions widen, such as `short`).
    fn of_array(a: &'a Array) -> Option<Self> {
        Some(match a {
            Array::F32(v) => Values::F32(v),
            Array::F64(v) => Values::F64(v),
            Array::I32(v) => Values::I32(v),
            Array::I64(v) => Values::I64(v),
            Array::U32(v) => Values::U32(v),
            Array::U64(v) => Values::U64(v),
            _ => return None,
        })
    }

    /// A computed column's values (`None` for booleans).
    fn of_nums(n: &'a Nums) -> Option<Self> {
        Some(match n {
            Nums::F32(v) => Values::F32(v),
            Nums::F64(v) => Values::F64(v),
            Nums::I32(v) => Values::I32(v),
            Nums::I64(v) => Values::I64(v),
            Nums::U32(v) => Values::U32(v),
            Nums::U64(v) => Values::U64(v),
            Nums::Bool(_) => return None,
        })
    }

    /// The counts per list that compare true with `c`, where the values are of the
    /// comparison's type or floats compared in double precision; `None` otherwise.
    fn counts(&self, op: BinOp, offsets: &[i64], c: Constant) -> Option<Vec<i64>> {
        match (self, c) {
            (Values::F32(v), Constant::F32(c)) => counts_by(op, offsets, v, |x| x, c),
            (Values::F32(v), Constant::F64(c)) => counts_by(op, offsets, v, f64::from, c),
            (Values::F64(v), Constant::F64(c)) => counts_by(op, offsets, v, |x| x, c),
            (Values::I32(v), Constant::I32(c)) => counts_by(op, offsets, v, |x| x, c),
            (Values::I64(v), Constant::I64(c)) => counts_by(op, offsets, v, |x| x, c),
            (Values::U32(v), Constant::U32(c)) => counts_by(op, offsets, v, |x| x, c),
            (Values::U64(v), Constant::U64(c)) => counts_by(op, offsets, v, |x| x, c),
            _ => None,
        }
    }
}

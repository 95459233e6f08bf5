//! Column-wise evaluation of content nodes over a chunk of rows.
//!
//! A node is evaluated for a *selection* of rows of a chunk (row offsets into chunk-local
//! columns) and writes `out[row]` for each. Nodes with constant inputs (a `Category` on a
//! broadcast string) are resolved once for the whole selection; binnings whose contents are
//! all numbers look them up directly; otherwise rows are grouped by child and each child is
//! evaluated for its group. Formulas run instruction by instruction over the selection.
//! Every value is computed with the same operations as [`Node::eval`], so the bits agree.
//!
//! Errors are not built here: any failing row makes the chunk return [`Fail`], and the
//! caller re-evaluates that chunk row by row to find the first failing row and its error.

use crate::binning::{BIN_ERROR, NAN_BIN};
use crate::node::{round_to_int, Binning, Keys, MultiBinning, Node};
use crate::pool::Pool;
use crate::variable::{Column, VarType};

/// Rows per chunk.
pub(crate) const CHUNK: usize = 1024;

/// Some row of the selection cannot be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fail;

/// The binning coordinate of `row` (ints converted as `static_cast<double>`).
#[inline(always)]
fn coordinate(col: &Column<'_>, row: usize) -> f64 {
    match *col {
        Column::Real(v) => v[row],
        Column::Int(v) => v[row] as f64,
        Column::RealConst(x) => x,
        Column::IntConst(i) => i as f64,
        Column::Str(_) => f64::NAN,
    }
}

/// Evaluates the children of a node for their groups of rows: `child[k]` is the child of
/// `sel[k]`.
fn by_child(
    children: &[Node],
    cols: &[Column<'_>],
    sel: &[u32],
    child: &[u32],
    out: &mut [f64],
    pool: &mut Pool,
) -> Result<(), Fail> {
    let n = children.len();
    // Counting sort of the selection by child.
    let mut starts = vec![0usize; n + 1];
    for &c in child {
        let c = c as usize;
        if c >= n {
            return Err(Fail);
        }
        starts[c + 1] += 1;
    }
    for i in 0..n {
        starts[i + 1] += starts[i];
    }
    let mut fill = starts.clone();
    let mut grouped = pool.indices();
    grouped.resize(sel.len(), 0);
    for (&r, &c) in sel.iter().zip(child) {
        let c = c as usize;
        grouped[fill[c]] = r;
        fill[c] += 1;
    }
    let mut result = Ok(());
    for (i, node) in children.iter().enumerate() {
        let group = &grouped[starts[i]..starts[i + 1]];
        if !group.is_empty() {
            result = node.eval_sel(cols, group, out, pool);
            if result.is_err() {
                break;
            }
        }
    }
    pool.give_indices(grouped);
    result
}

/// Rows whose bins are searched together.
const ROWS: usize = 64;

/// The content slot of each selected row of a `Binning` (`find_bin_idx`, then
/// `contents_[idx]`, where the NaN index `2^63` wraps around to the first element).
fn binning_slots(
    b: &Binning,
    cols: &[Column<'_>],
    sel: &[u32],
    slots: &mut Vec<u32>,
) -> Result<(), Fail> {
    let col = cols.get(b.input).ok_or(Fail)?;
    let mut xs = [0.0f64; ROWS];
    let mut idx = [0usize; ROWS];
    for rows in sel.chunks(ROWS) {
        let n = rows.len();
        for (x, &r) in xs.iter_mut().zip(rows) {
            *x = coordinate(col, r as usize);
        }
        b.edges.find_batch(b.flow, &xs[..n], &mut idx[..n]);
        for &i in &idx[..n] {
            let i = if i == NAN_BIN { 0 } else { i };
            if i >= b.contents.len() {
                return Err(Fail);
            }
            slots.push(u32::try_from(i).map_err(|_| Fail)?);
        }
    }
    Ok(())
}

/// The content slot of each selected row of a `MultiBinning`: axes in order, the default
/// (`content_.back()`) as soon as one axis says so (later axes are not searched, so
/// cannot fail), else the wrapping sum of `bin * stride`, bounds-checked like
/// `std::vector::at`.
fn multibinning_slots(
    m: &MultiBinning,
    cols: &[Column<'_>],
    sel: &[u32],
    slots: &mut Vec<u32>,
) -> Result<(), Fail> {
    let default = m.content.len().wrapping_sub(1);
    let mut xs = [0.0f64; ROWS];
    let mut idx = [0usize; ROWS];
    for rows in sel.chunks(ROWS) {
        let n = rows.len();
        let mut flat = [0usize; ROWS];
        let mut done = [false; ROWS];
        for axis in &m.axes {
            let col = cols.get(axis.input).ok_or(Fail)?;
            for (x, &r) in xs.iter_mut().zip(rows) {
                *x = coordinate(col, r as usize);
            }
            axis.edges.find_batch(m.flow, &xs[..n], &mut idx[..n]);
            for k in 0..n {
                if done[k] {
                    continue;
                }
                let local = idx[k];
                if local == BIN_ERROR {
                    return Err(Fail);
                }
                if local == axis.nbins {
                    done[k] = true;
                    flat[k] = default;
                } else {
                    flat[k] = flat[k].wrapping_add(local.wrapping_mul(axis.stride));
                }
            }
        }
        for &f in &flat[..n] {
            if f >= m.content.len() {
                return Err(Fail);
            }
            slots.push(u32::try_from(f).map_err(|_| Fail)?);
        }
    }
    Ok(())
}

/// Writes the children's values: directly when they are all numbers, else by group.
fn fill(
    children: &[Node],
    consts: Option<&[f64]>,
    cols: &[Column<'_>],
    sel: &[u32],
    slots: &[u32],
    out: &mut [f64],
    pool: &mut Pool,
) -> Result<(), Fail> {
    match consts {
        Some(values) => {
            for (&r, &s) in sel.iter().zip(slots) {
                out[r as usize] = values[s as usize];
            }
            Ok(())
        }
        None => by_child(children, cols, sel, slots, out, pool),
    }
}

impl Node {
    /// Evaluates the node for the rows `sel` of chunk-local `cols`, writing `out[row]`.
    pub(crate) fn eval_sel(
        &self,
        cols: &[Column<'_>],
        sel: &[u32],
        out: &mut [f64],
        pool: &mut Pool,
    ) -> Result<(), Fail> {
        match self {
            Node::Const(v) => {
                for &r in sel {
                    out[r as usize] = *v;
                }
                Ok(())
            }
            Node::Binning(b) => {
                let mut slots = pool.indices();
                let mut result = binning_slots(b, cols, sel, &mut slots);
                if result.is_ok() {
                    result = fill(
                        &b.contents,
                        b.consts.as_deref(),
                        cols,
                        sel,
                        &slots,
                        out,
                        pool,
                    );
                }
                pool.give_indices(slots);
                result
            }
            Node::MultiBinning(m) => {
                let mut slots = pool.indices();
                let mut result = multibinning_slots(m, cols, sel, &mut slots);
                if result.is_ok() {
                    result = fill(
                        &m.content,
                        m.consts.as_deref(),
                        cols,
                        sel,
                        &slots,
                        out,
                        pool,
                    );
                }
                pool.give_indices(slots);
                result
            }
            Node::Category(c) => {
                let col = cols.get(c.input).ok_or(Fail)?;
                let constant = match (col, &c.keys) {
                    (Column::Str(s), Keys::Str(map)) => Some(map.get(*s).copied().or(c.default)),
                    (Column::IntConst(i), Keys::Int(map)) => {
                        Some(map.get(i).copied().or(c.default))
                    }
                    (Column::Int(_), Keys::Int(_)) => None,
                    _ => return Err(Fail),
                };
                if let Some(child) = constant {
                    let node = child.and_then(|i| c.children.get(i)).ok_or(Fail)?;
                    return node.eval_sel(cols, sel, out, pool);
                }
                let (Column::Int(values), Keys::Int(map)) = (col, &c.keys) else {
                    return Err(Fail);
                };
                let mut child = pool.indices();
                let mut result = Ok(());
                for &r in sel {
                    match map.get(&values[r as usize]).copied().or(c.default) {
                        Some(i) => child.push(i as u32),
                        None => {
                            result = Err(Fail);
                            break;
                        }
                    }
                }
                if result.is_ok() {
                    result = by_child(&c.children, cols, sel, &child, out, pool);
                }
                pool.give_indices(child);
                result
            }
            Node::Formula(p) => {
                p.eval_sel(cols, sel, out, pool);
                Ok(())
            }
            Node::Transform(t) => {
                let rows = out.len();
                let mut rule = pool.reals(rows);
                let result = t.rule.eval_sel(cols, sel, &mut rule, pool);
                if result.is_err() {
                    pool.give_reals(rule);
                    return result;
                }
                let mut ints = pool.ints(if t.kind == VarType::Int { rows } else { 0 });
                if t.kind == VarType::Int {
                    for &r in sel {
                        ints[r as usize] = round_to_int(rule[r as usize]);
                    }
                }
                let mut new_cols: Vec<Column<'_>> = cols.to_vec();
                if let Some(slot) = new_cols.get_mut(t.input) {
                    *slot = match t.kind {
                        VarType::Int => Column::Int(&ints),
                        _ => Column::Real(&rule),
                    };
                }
                let result = t.content.eval_sel(&new_cols, sel, out, pool);
                drop(new_cols);
                pool.give_reals(rule);
                pool.give_ints(ints);
                result
            }
            Node::HashPrng(h) => {
                for &r in sel {
                    out[r as usize] = h.eval_row(cols, r as usize);
                }
                Ok(())
            }
        }
    }
}

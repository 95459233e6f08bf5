//! `correction(file, name, inputs…)` and `lookup("file.root:h", x, y[, "clamp"])`: type checking
//! against the table's declared inputs, and column-wise evaluation (see [`crate::external`]).
//!
//! Inputs broadcast as arithmetic does: per-event numbers are repeated over the lists of the
//! list inputs (which must have equal lengths event by event), and the result is a list when
//! any input is one. Every value goes to the table in one call per chunk.

use std::rc::Rc;

use crate::ast::{Expr, ExprKind};
use crate::check::{numeric_shape, typed, Checker, Node, Ty, Typed};
use crate::error::{ExprError, Span};
use crate::eval::{internal, Evaluator};
use crate::external::{InputKind, Table, TableArg, TableRef};
use crate::schema::Num;
use crate::value::{Nums, Val};

/// One argument of a [`Node::Table`].
#[derive(Debug, Clone, PartialEq)]
pub enum TableArgNode {
    /// A numeric expression for an `int` or `real` input.
    Value {
        /// The expression.
        node: Node,
        /// The input's type.
        kind: InputKind,
    },
    /// A string literal for a `string` input.
    Str(String),
}

fn string_arg<'e>(
    args: &'e [Expr],
    i: usize,
    what: &str,
    call: Span,
) -> Result<&'e str, ExprError> {
    match args.get(i).map(|a| &a.kind) {
        Some(ExprKind::Str(s)) => Ok(s),
        Some(_) => Err(ExprError::ty(
            format!("{what} is a string literal in quotes"),
            args[i].span,
        )),
        None => Err(ExprError::ty(format!("{what} is missing"), call)),
    }
}

impl Checker<'_> {
    /// `correction(...)` or `lookup(...)`.
    pub(crate) fn table_call(
        &self,
        f: &str,
        args: &[Expr],
        span: Span,
        depth: usize,
    ) -> Result<Typed, ExprError> {
        let tables = self.registry.tables.0.as_ref().ok_or_else(|| {
            ExprError::ty(
                format!("{f}() needs files, which this evaluation context cannot open"),
                span,
            )
        })?;
        let (table, inputs) = if f == "correction" {
            let file = string_arg(
                args,
                0,
                "the first argument of correction(), the correctionlib file,",
                span,
            )?;
            let name = string_arg(
                args,
                1,
                "the second argument of correction(), the correction's name,",
                span,
            )?;
            let t = tables
                .correction(file, name)
                .map_err(|m| ExprError::ty(m, args[0].span.to(args[1].span)))?;
            (t, &args[2..])
        } else {
            let spec = string_arg(
                args,
                0,
                "the first argument of lookup(), \"file.root:histogram\",",
                span,
            )?;
            let (clamp, coords) = match args.last().map(|a| &a.kind) {
                Some(ExprKind::Str(mode)) if args.len() > 1 => match mode.as_str() {
                    "clamp" => (true, &args[1..args.len() - 1]),
                    "flow" => (false, &args[1..args.len() - 1]),
                    other => {
                        return Err(ExprError::ty(
                            format!(
                                "lookup()'s last argument is \"clamp\" (values outside an axis \
                                 take its first or last bin) or \"flow\" (they take the \
                                 under/overflow bin, the default), not \"{other}\""
                            ),
                            args[args.len() - 1].span,
                        ))
                    }
                },
                _ => (false, &args[1..]),
            };
            let t = tables
                .histogram(spec, clamp)
                .map_err(|m| ExprError::ty(m, args[0].span))?;
            (t, coords)
        };
        let declared = table.inputs();
        if inputs.len() != declared.len() {
            let names = declared
                .iter()
                .map(|i| format!("{} ({})", i.name, i.kind.name()))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ExprError::ty(
                format!(
                    "{} takes {} input{}: {names}; {} given",
                    table.describe(),
                    declared.len(),
                    if declared.len() == 1 { "" } else { "s" },
                    inputs.len()
                ),
                span,
            ));
        }
        let mut list = false;
        let mut out = Vec::with_capacity(inputs.len());
        for (e, d) in inputs.iter().zip(declared) {
            if d.kind == InputKind::Str {
                match &e.kind {
                    ExprKind::Str(s) => out.push(TableArgNode::Str(s.clone())),
                    _ => {
                        return Err(ExprError::ty(
                            format!(
                                "input '{}' of {} is a string: write it in quotes, e.g. \
                                 \"nominal\"",
                                d.name,
                                table.describe()
                            ),
                            e.span,
                        ))
                    }
                }
                continue;
            }
            if let ExprKind::Str(_) = e.kind {
                return Err(ExprError::ty(
                    format!(
                        "input '{}' of {} is a number ({}), not a string",
                        d.name,
                        table.describe(),
                        d.kind.name()
                    ),
                    e.span,
                ));
            }
            let t = self.check(e, depth)?;
            let Some((num, is_list)) = numeric_shape(&t.ty) else {
                return Err(ExprError::ty(
                    format!(
                        "input '{}' of {} is a number or a list of numbers, not a {}",
                        d.name,
                        table.describe(),
                        t.ty.describe()
                    ),
                    e.span,
                ));
            };
            if d.kind == InputKind::Int && matches!(num, Num::F32 | Num::F64) {
                return Err(ExprError::ty(
                    format!(
                        "input '{}' of {} is an integer, and this is a {}: convert it \
                         explicitly, e.g. int(...)",
                        d.name,
                        table.describe(),
                        num.name()
                    ),
                    e.span,
                ));
            }
            list |= is_list;
            out.push(TableArgNode::Value {
                node: t.node,
                kind: d.kind,
            });
        }
        let node = Node::Table {
            table: TableRef(table),
            args: out,
            span,
        };
        Ok(typed(
            node,
            if list {
                Ty::List(Num::F64)
            } else {
                Ty::Num(Num::F64)
            },
        ))
    }
}

/// An evaluated numeric argument: the values, per event or per element.
enum Column {
    Real(Vec<f64>),
    Int(Vec<i64>),
    Str(String),
}

impl Evaluator<'_> {
    /// Evaluate a [`Node::Table`].
    pub(crate) fn table(
        &self,
        table: &dyn Table,
        args: &[TableArgNode],
        span: Span,
    ) -> crate::eval::R<Val> {
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(match a {
                TableArgNode::Value { node, kind } => Some((self.eval(node)?, *kind)),
                TableArgNode::Str(_) => None,
            });
        }
        // The lists' offsets: all list inputs must agree event by event.
        let mut offsets: Option<Rc<Vec<i64>>> = None;
        for (v, _) in vals.iter().flatten() {
            if let Val::List(o, _) = v {
                match &offsets {
                    None => offsets = Some(o.clone()),
                    Some(first) if **first != **o => {
                        return Err(ExprError::eval(
                            format!(
                                "the list inputs of {} have different lengths in entry {}",
                                table.describe(),
                                self.first_length_difference(first, o)
                            ),
                            span,
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        let n = match &offsets {
            Some(o) => o.last().copied().unwrap_or(0).max(0) as usize,
            None => self.n(),
        };
        let mut columns = Vec::with_capacity(args.len());
        for (a, v) in args.iter().zip(vals) {
            let Some((v, kind)) = v else {
                if let TableArgNode::Str(s) = a {
                    columns.push(Column::Str(s.clone()));
                }
                continue;
            };
            let nums: Nums = match v {
                Val::List(_, x) => x,
                Val::Num(x) => match &offsets {
                    Some(o) => x.repeat(o),
                    None => x,
                },
                Val::Const(c, k) => c.column(k, n),
                _ => return Err(internal("table input")),
            };
            columns.push(match kind {
                InputKind::Int => Column::Int(nums.to_i64()),
                _ => Column::Real(nums.to_f64()),
            });
        }
        let table_args: Vec<TableArg<'_>> = columns
            .iter()
            .map(|c| match c {
                Column::Real(v) => TableArg::Real(v),
                Column::Int(v) => TableArg::Int(v),
                Column::Str(s) => TableArg::Str(s),
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        table.evaluate(&table_args, n, &mut out).map_err(|e| {
            let event = match &offsets {
                Some(o) => o.partition_point(|&x| x <= e.row as i64).saturating_sub(1),
                None => e.row,
            };
            ExprError::eval(
                format!(
                    "{}: {} (entry {})",
                    table.describe(),
                    e.message,
                    self.entry(event)
                ),
                span,
            )
        })?;
        if out.len() != n {
            return Err(internal("table output length"));
        }
        Ok(match offsets {
            Some(o) => Val::List(o, Nums::F64(out)),
            None => Val::Num(Nums::F64(out)),
        })
    }
}

//! A correction (or compound correction) and its evaluation entry points.

use std::sync::Arc;

use serde_json::Value as Json;

use crate::columns::{Fail, CHUNK};
use crate::error::{EvalError, LoadError};
use crate::formula::{self, Generic};
use crate::json::{self, Obj};
use crate::node::{Ctx, LoadCtx, Node};
use crate::pool::Pool;
use crate::variable::{Column, Value, VarType, Variable};

/// A correction of a [`CorrectionSet`](crate::CorrectionSet): either a plain correction
/// (schema `Correction`, a tree of content nodes) or a compound correction (schema
/// `CompoundCorrection`, a stack of plain corrections). Both evaluate the same way.
///
/// Inputs are positional: `evaluate` takes one value per entry of [`Correction::inputs`],
/// in that order, each of the declared type.
#[derive(Debug, Clone)]
pub struct Correction {
    name: String,
    description: String,
    version: Option<i32>,
    inputs: Vec<Variable>,
    output: Variable,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    Data(Node),
    Compound(Compound),
}

/// `CompoundCorrection::UpdateOp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UpdateOp {
    Add,
    Multiply,
    Divide,
    Last,
}

impl UpdateOp {
    #[inline]
    fn apply(self, acc: f64, sf: f64) -> f64 {
        match self {
            UpdateOp::Add => acc + sf,
            UpdateOp::Multiply => acc * sf,
            UpdateOp::Divide => acc / sf,
            UpdateOp::Last => sf,
        }
    }
}

#[derive(Debug, Clone)]
struct Compound {
    inputs_update: Vec<usize>,
    input_op: UpdateOp,
    output_op: UpdateOp,
    /// For each constituent: the compound's input index of each of its inputs.
    stack: Vec<(Vec<usize>, Arc<Correction>)>,
}

/// `Variable::Variable`.
fn load_variable(v: &Json, context: &str, what: &str) -> Result<Variable, LoadError> {
    let obj = Obj::new(v, context, what)?;
    let name = obj.req_str("name")?.to_string();
    let description = obj.opt_str("description")?.unwrap_or_default().to_string();
    let kind = match obj.req_str("type")? {
        "string" => VarType::String,
        "int" => VarType::Int,
        "real" => VarType::Real,
        _ => return Err(obj.err("Unrecognized variable type")),
    };
    Ok(Variable {
        name,
        kind,
        description,
    })
}

/// Name, description, output (real-valued) and inputs, common to both kinds.
fn load_header(
    obj: &Obj<'_>,
    context: &str,
) -> Result<(String, String, Vec<Variable>, Variable), LoadError> {
    let name = obj.req_str("name")?.to_string();
    let description = obj.opt_str("description")?.unwrap_or_default().to_string();
    let output = load_variable(obj.required("output")?, context, "Variable")?;
    if output.kind != VarType::Real {
        return Err(json::schema(context, "Outputs can only be real-valued"));
    }
    let inputs = obj
        .req_array("inputs")?
        .iter()
        .map(|item| load_variable(item, context, "input Variable"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((name, description, inputs, output))
}

fn context_of(v: &Json, kind: &str) -> String {
    match v.get("name").and_then(Json::as_str) {
        Some(name) => format!("{kind} {name:?}"),
        None => kind.to_string(),
    }
}

impl Correction {
    /// `Correction::Correction`.
    pub(crate) fn load(v: &Json) -> Result<Correction, LoadError> {
        let context = context_of(v, "correction");
        let obj = Obj::new(v, &context, "Correction")?;
        let (name, description, inputs, output) = load_header(&obj, &context)?;
        let version = obj.req_i32("version")?;
        let mut generics: Vec<Generic> = Vec::new();
        if let Some(items) = obj.opt_array("generic_formulas")? {
            for item in items {
                let f = Obj::new(item, &context, "generic formula")?;
                generics.push(formula::load_generic(&f, &inputs)?);
            }
        }
        let lc = LoadCtx {
            context: &context,
            inputs: &inputs,
            generics: &generics,
        };
        let data = Node::load(obj.required("data")?, &lc)?;
        Ok(Correction {
            name,
            description,
            version: Some(version),
            inputs,
            output,
            body: Body::Data(data),
        })
    }

    /// `CompoundCorrection::CompoundCorrection`; `lookup` finds plain corrections by name.
    pub(crate) fn load_compound(
        v: &Json,
        lookup: impl Fn(&str) -> Option<Arc<Correction>>,
    ) -> Result<Correction, LoadError> {
        let context = context_of(v, "compound correction");
        let obj = Obj::new(v, &context, "CompoundCorrection")?;
        let (name, description, inputs, output) = load_header(&obj, &context)?;
        let input_index = |n: &str| {
            inputs
                .iter()
                .position(|v| v.name == n)
                .ok_or_else(|| obj.err(format!("Error: could not find variable {n} in inputs")))
        };
        let mut inputs_update = Vec::new();
        for item in obj.req_array("inputs_update")? {
            let n = json::string(item).ok_or_else(|| obj.err("invalid inputs_update item type"))?;
            let idx = input_index(n)?;
            if inputs[idx].kind != VarType::Real {
                return Err(obj.err("CompoundCorrection updatable inputs must be real-valued"));
            }
            inputs_update.push(idx);
        }
        let input_op = match obj.req_str("input_op")? {
            "+" => UpdateOp::Add,
            "*" => UpdateOp::Multiply,
            "/" => UpdateOp::Divide,
            _ => return Err(obj.err("Invalid CompoundCorrection input update op")),
        };
        let output_op = match obj.req_str("output_op")? {
            "+" => UpdateOp::Add,
            "*" => UpdateOp::Multiply,
            "/" => UpdateOp::Divide,
            "last" => UpdateOp::Last,
            _ => return Err(obj.err("Invalid CompoundCorrection output update op")),
        };
        let mut stack = Vec::new();
        for item in obj.req_array("stack")? {
            let n = json::string(item).ok_or_else(|| obj.err("Invalid type"))?;
            let corr = lookup(n).ok_or_else(|| {
                obj.err(format!(
                    "CompoundCorrection constituent {n} not found in the CorrectionSet"
                ))
            })?;
            let inmap = corr
                .inputs
                .iter()
                .map(|v| input_index(&v.name))
                .collect::<Result<Vec<_>, _>>()?;
            stack.push((inmap, corr));
        }
        Ok(Correction {
            name,
            description,
            version: None,
            inputs,
            output,
            body: Body::Compound(Compound {
                inputs_update,
                input_op,
                output_op,
                stack,
            }),
        })
    }

    /// The correction's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its description (empty when the file has none).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Its version; `None` for a compound correction, which has none in the schema.
    pub fn version(&self) -> Option<i32> {
        self.version
    }

    /// The declared inputs, in the order `evaluate` takes them.
    pub fn inputs(&self) -> &[Variable] {
        &self.inputs
    }

    /// The declared output (always real-valued).
    pub fn output(&self) -> &Variable {
        &self.output
    }

    /// Whether this is a compound correction.
    pub fn is_compound(&self) -> bool {
        matches!(self.body, Body::Compound(_))
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            name: &self.name,
            inputs: &self.inputs,
        }
    }

    /// `Correction::evaluate` / `CompoundCorrection::evaluate`: checks the number and
    /// types of `values` against [`Correction::inputs`], then evaluates.
    pub fn evaluate(&self, values: &[Value<'_>]) -> Result<f64, EvalError> {
        if values.len() != self.inputs.len() {
            return Err(EvalError::InputCount {
                correction: self.name.clone(),
                expected: self.inputs.len(),
                got: values.len(),
            });
        }
        for (v, var) in values.iter().zip(&self.inputs) {
            if v.kind() != var.kind {
                return Err(EvalError::InputType {
                    correction: self.name.clone(),
                    input: var.name.clone(),
                    expected: var.kind,
                    got: v.kind(),
                });
            }
        }
        match &self.body {
            Body::Data(node) => node.eval(&self.ctx(), values),
            Body::Compound(c) => self.eval_compound(c, values),
        }
    }

    fn eval_compound(&self, c: &Compound, values: &[Value<'_>]) -> Result<f64, EvalError> {
        let mut ivalues = values.to_vec();
        let mut cvalues = Vec::with_capacity(values.len());
        let mut out = 0.0;
        let mut start = true;
        for (inmap, corr) in &c.stack {
            cvalues.clear();
            cvalues.extend(inmap.iter().map(|&pos| ivalues[pos]));
            let sf = corr.evaluate(&cvalues)?;
            for &pos in &c.inputs_update {
                if let Value::Real(x) = &mut ivalues[pos] {
                    *x = c.input_op.apply(*x, sf);
                }
            }
            if start {
                out = sf;
                start = false;
            } else {
                out = c.output_op.apply(out, sf);
            }
        }
        Ok(out)
    }

    /// Evaluates `n` rows given as columns (one per input, in order), replacing the
    /// contents of `out` with the `n` results.
    ///
    /// Per-row columns must hold exactly `n` values; [`Column::Str`], [`Column::RealConst`]
    /// and [`Column::IntConst`] broadcast one value. Every result has the same bits as
    /// [`Correction::evaluate`] on that row. On failure the error is
    /// [`EvalError::Row`] with the first failing row (and `out` holds unspecified values).
    pub fn evaluate_columns(
        &self,
        columns: &[Column<'_>],
        n: usize,
        out: &mut Vec<f64>,
    ) -> Result<(), EvalError> {
        self.check_columns(columns, n)?;
        out.clear();
        out.resize(n, 0.0);
        let mut pool = Pool::default();
        let all_rows: Vec<u32> = (0..CHUNK as u32).collect();
        let mut chunk_cols: Vec<Column<'_>> = Vec::with_capacity(columns.len());
        let mut values: Vec<Value<'_>> = Vec::with_capacity(columns.len());
        for start in (0..n).step_by(CHUNK) {
            let end = (start + CHUNK).min(n);
            chunk_cols.clear();
            chunk_cols.extend(columns.iter().map(|c| c.slice(start, end)));
            let sel = &all_rows[..end - start];
            let ok = self.eval_chunk(&chunk_cols, sel, &mut out[start..end], &mut pool);
            if ok.is_err() {
                for (row, slot) in out.iter_mut().enumerate().take(end).skip(start) {
                    values.clear();
                    values.extend(columns.iter().map(|c| c.value(row)));
                    match self.evaluate(&values) {
                        Ok(v) => *slot = v,
                        Err(e) => {
                            return Err(EvalError::Row {
                                row,
                                source: Box::new(e),
                            })
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn check_columns(&self, columns: &[Column<'_>], n: usize) -> Result<(), EvalError> {
        if columns.len() != self.inputs.len() {
            return Err(EvalError::InputCount {
                correction: self.name.clone(),
                expected: self.inputs.len(),
                got: columns.len(),
            });
        }
        for (c, var) in columns.iter().zip(&self.inputs) {
            if c.kind() != var.kind {
                return Err(EvalError::InputType {
                    correction: self.name.clone(),
                    input: var.name.clone(),
                    expected: var.kind,
                    got: c.kind(),
                });
            }
            if let Some(len) = c.rows() {
                if len != n {
                    return Err(EvalError::ColumnLength {
                        correction: self.name.clone(),
                        input: var.name.clone(),
                        expected: n,
                        got: len,
                    });
                }
            }
        }
        Ok(())
    }

    /// Evaluates one chunk (`sel` is every row of it) without building errors.
    fn eval_chunk(
        &self,
        cols: &[Column<'_>],
        sel: &[u32],
        out: &mut [f64],
        pool: &mut Pool,
    ) -> Result<(), Fail> {
        match &self.body {
            Body::Data(node) => node.eval_sel(cols, sel, out, pool),
            Body::Compound(c) => self.eval_compound_chunk(c, cols, sel, out, pool),
        }
    }

    fn eval_compound_chunk(
        &self,
        c: &Compound,
        cols: &[Column<'_>],
        sel: &[u32],
        out: &mut [f64],
        pool: &mut Pool,
    ) -> Result<(), Fail> {
        let rows = out.len();
        // Updated inputs become owned real columns.
        let mut updated: Vec<(usize, Vec<f64>)> = Vec::new();
        for &pos in &c.inputs_update {
            if updated.iter().any(|(p, _)| *p == pos) {
                continue;
            }
            let mut buf = pool.reals(rows);
            match cols.get(pos) {
                Some(Column::Real(v)) => buf.copy_from_slice(v),
                Some(Column::RealConst(x)) => buf.fill(*x),
                _ => return Err(Fail),
            }
            updated.push((pos, buf));
        }
        if c.stack.is_empty() {
            for &r in sel {
                out[r as usize] = 0.0;
            }
        }
        let mut sf = pool.reals(rows);
        let mut result = Ok(());
        for (k, (inmap, corr)) in c.stack.iter().enumerate() {
            {
                let ccols: Vec<Column<'_>> = inmap
                    .iter()
                    .map(|&pos| match updated.iter().find(|(p, _)| *p == pos) {
                        Some((_, buf)) => Column::Real(buf),
                        None => cols[pos],
                    })
                    .collect();
                let types_ok = ccols
                    .iter()
                    .zip(&corr.inputs)
                    .all(|(col, var)| col.kind() == var.kind);
                result = if types_ok {
                    corr.eval_chunk(&ccols, sel, &mut sf, pool)
                } else {
                    Err(Fail)
                };
            }
            if result.is_err() {
                break;
            }
            for &pos in &c.inputs_update {
                if let Some((_, buf)) = updated.iter_mut().find(|(p, _)| *p == pos) {
                    for &r in sel {
                        let r = r as usize;
                        buf[r] = c.input_op.apply(buf[r], sf[r]);
                    }
                }
            }
            for &r in sel {
                let r = r as usize;
                out[r] = if k == 0 {
                    sf[r]
                } else {
                    c.output_op.apply(out[r], sf[r])
                };
            }
        }
        pool.give_reals(sf);
        for (_, buf) in updated {
            pool.give_reals(buf);
        }
        result
    }
}

//! A parsed formula compiled to straight-line code, evaluated per value or per column.
//!
//! Each instruction computes one register from constants, inputs or earlier registers, in
//! the order correctionlib's recursive `FormulaAst::evaluate` would; identical
//! sub-expressions are computed once (every operation is a pure function of its operands,
//! so this changes no bit). Column-wise evaluation runs each instruction over a whole
//! selection of rows, with registers packed into as few buffers as their lifetimes allow.

use std::collections::HashMap;

use super::libm;
use super::parser::{Ast, BinaryOp, Parsed, UnaryOp};
use crate::error::FormulaError;
use crate::pool::Pool;
use crate::variable::{Column, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Instr {
    Const(f64),
    /// Index of the correction input.
    Var(usize),
    Unary(UnaryOp, u32),
    Binary(BinaryOp, u32, u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Const(u64),
    Var(usize),
    Unary(UnaryOp, u32),
    Binary(BinaryOp, u32, u32),
}

/// A compiled formula.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    instrs: Vec<Instr>,
    /// Buffer slot of each register for column-wise evaluation.
    slot: Vec<u32>,
    n_slots: usize,
}

/// How the formula's names bind: `variables[i]` is the correction input of `x[i]`;
/// `parameters` the values of `[i]`.
pub(crate) struct Binding<'a> {
    pub(crate) variables: &'a [usize],
    pub(crate) parameters: &'a [f64],
}

/// Checks the variable indices of a parsed formula against `n_variables`, as the
/// reference's translation step does ("Insufficient variables for formula").
pub(crate) fn check_variables(
    parsed: &Parsed,
    expression: &str,
    n_variables: usize,
) -> Result<(), FormulaError> {
    for node in &parsed.nodes {
        if let Ast::Variable(index) = *node {
            if index >= n_variables {
                return Err(FormulaError::InsufficientVariables {
                    expression: expression.to_string(),
                    index,
                    available: n_variables,
                });
            }
        }
    }
    Ok(())
}

impl Program {
    /// Compiles `parsed`, binding variables and parameters.
    pub(crate) fn compile(
        parsed: &Parsed,
        expression: &str,
        binding: &Binding<'_>,
    ) -> Result<Program, FormulaError> {
        check_variables(parsed, expression, binding.variables.len())?;
        let mut instrs: Vec<Instr> = Vec::with_capacity(parsed.nodes.len());
        let mut seen: HashMap<Key, u32> = HashMap::new();
        let mut reg_of: Vec<u32> = Vec::with_capacity(parsed.nodes.len());
        for node in &parsed.nodes {
            let instr = match *node {
                Ast::Literal(v) => Instr::Const(v),
                Ast::Variable(i) => Instr::Var(binding.variables[i]),
                Ast::Parameter(i) => match binding.parameters.get(i) {
                    Some(&v) => Instr::Const(v),
                    None => {
                        return Err(FormulaError::InsufficientParameters {
                            expression: expression.to_string(),
                            index: i,
                            available: binding.parameters.len(),
                        })
                    }
                },
                Ast::Unary(op, a) => Instr::Unary(op, reg_of[a]),
                Ast::Binary(op, a, b) => Instr::Binary(op, reg_of[a], reg_of[b]),
            };
            let key = match instr {
                Instr::Const(v) => Key::Const(v.to_bits()),
                Instr::Var(i) => Key::Var(i),
                Instr::Unary(op, a) => Key::Unary(op, a),
                Instr::Binary(op, a, b) => Key::Binary(op, a, b),
            };
            let reg = *seen.entry(key).or_insert_with(|| {
                instrs.push(instr);
                (instrs.len() - 1) as u32
            });
            reg_of.push(reg);
        }
        // Only what the root needs (every node of a successful parse is reachable, but a
        // register that CSE merged is computed once, at its first place).
        let root = reg_of.get(parsed.root).copied().unwrap_or(0) as usize;
        instrs.truncate(root + 1);
        let (slot, n_slots) = allocate_slots(&instrs);
        Ok(Program {
            instrs,
            slot,
            n_slots,
        })
    }

    /// Evaluates for one set of values (real inputs are `Value::Real`, checked at load).
    pub(crate) fn eval(&self, values: &[Value<'_>]) -> f64 {
        let n = self.instrs.len();
        let mut small = [0.0f64; 48];
        let mut large = Vec::new();
        let regs: &mut [f64] = if n <= small.len() {
            &mut small[..n]
        } else {
            large.resize(n, 0.0);
            &mut large
        };
        for (i, instr) in self.instrs.iter().enumerate() {
            regs[i] = match *instr {
                Instr::Const(v) => v,
                Instr::Var(k) => match values.get(k) {
                    Some(Value::Real(x)) => *x,
                    // Unreachable: formula variables are real inputs (checked at load) and
                    // inputs are type-checked before evaluation.
                    _ => f64::NAN,
                },
                Instr::Unary(op, a) => unary(op, regs[a as usize]),
                Instr::Binary(op, a, b) => binary(op, regs[a as usize], regs[b as usize]),
            };
        }
        regs.last().copied().unwrap_or(f64::NAN)
    }

    /// Evaluates for the rows `sel` of the (chunk-local) columns, writing `out[row]`.
    pub(crate) fn eval_sel(
        &self,
        cols: &[Column<'_>],
        sel: &[u32],
        out: &mut [f64],
        pool: &mut Pool,
    ) {
        let len = sel.len();
        let mut slots: Vec<Vec<f64>> = (0..self.n_slots).map(|_| pool.reals(len)).collect();
        for (i, instr) in self.instrs.iter().enumerate() {
            let dst_slot = self.slot[i] as usize;
            let mut dst = std::mem::take(&mut slots[dst_slot]);
            match *instr {
                Instr::Const(v) => dst.fill(v),
                Instr::Var(k) => match cols.get(k) {
                    Some(Column::Real(v)) => {
                        for (d, &r) in dst.iter_mut().zip(sel) {
                            *d = v[r as usize];
                        }
                    }
                    Some(Column::RealConst(c)) => dst.fill(*c),
                    _ => dst.fill(f64::NAN),
                },
                Instr::Unary(op, a) => {
                    let a = &slots[self.slot[a as usize] as usize];
                    map_unary(op, &mut dst, a);
                }
                Instr::Binary(op, a, b) => {
                    let a = &slots[self.slot[a as usize] as usize];
                    let b = &slots[self.slot[b as usize] as usize];
                    map_binary(op, &mut dst, a, b);
                }
            }
            slots[dst_slot] = dst;
        }
        if let Some(&root_slot) = self.slot.last() {
            for (&r, &v) in sel.iter().zip(&slots[root_slot as usize]) {
                out[r as usize] = v;
            }
        }
        for s in slots {
            pool.give_reals(s);
        }
    }
}

/// Assigns each register a buffer, reusing buffers whose register is no longer read.
/// A destination never shares a buffer with its operands.
fn allocate_slots(instrs: &[Instr]) -> (Vec<u32>, usize) {
    let n = instrs.len();
    let mut last_use: Vec<usize> = (0..n).collect();
    for (i, instr) in instrs.iter().enumerate() {
        match *instr {
            Instr::Unary(_, a) => last_use[a as usize] = i,
            Instr::Binary(_, a, b) => {
                last_use[a as usize] = i;
                last_use[b as usize] = i;
            }
            _ => {}
        }
    }
    if n > 0 {
        last_use[n - 1] = usize::MAX;
    }
    let mut slot = vec![0u32; n];
    let mut free: Vec<u32> = Vec::new();
    let mut n_slots = 0u32;
    for (i, instr) in instrs.iter().enumerate() {
        slot[i] = free.pop().unwrap_or_else(|| {
            n_slots += 1;
            n_slots - 1
        });
        let mut release = |r: u32| {
            if last_use[r as usize] == i && !free.contains(&slot[r as usize]) {
                free.push(slot[r as usize]);
            }
        };
        match *instr {
            Instr::Unary(_, a) => release(a),
            Instr::Binary(_, a, b) => {
                release(a);
                release(b);
            }
            _ => {}
        }
        // A register never read again (only possible for the root) keeps its buffer.
    }
    (slot, n_slots as usize)
}

/// One unary operation, as `FormulaAst::evaluate` computes it.
#[inline]
pub(crate) fn unary(op: UnaryOp, x: f64) -> f64 {
    match op {
        UnaryOp::Negative => -x,
        UnaryOp::Log => libm::log(x),
        UnaryOp::Log10 => libm::log10(x),
        UnaryOp::Exp => libm::exp(x),
        UnaryOp::Erf => libm::erf(x),
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Abs => x.abs(),
        UnaryOp::Cos => libm::cos(x),
        UnaryOp::Sin => libm::sin(x),
        UnaryOp::Tan => libm::tan(x),
        UnaryOp::Acos => libm::acos(x),
        UnaryOp::Asin => libm::asin(x),
        UnaryOp::Atan => libm::atan(x),
        UnaryOp::Cosh => libm::cosh(x),
        UnaryOp::Sinh => libm::sinh(x),
        UnaryOp::Tanh => libm::tanh(x),
        UnaryOp::Acosh => libm::acosh(x),
        UnaryOp::Asinh => libm::asinh(x),
        UnaryOp::Atanh => libm::atanh(x),
    }
}

#[inline]
fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// One binary operation, as `FormulaAst::evaluate` computes it. `std::max(a, b)` is
/// `a < b ? b : a` and `std::min(a, b)` is `b < a ? b : a`, which is what decides NaN and
/// signed-zero cases.
#[inline]
pub(crate) fn binary(op: BinaryOp, l: f64, r: f64) -> f64 {
    match op {
        BinaryOp::LogicalOr => truth(l != 0.0 || r != 0.0),
        BinaryOp::LogicalAnd => truth(l != 0.0 && r != 0.0),
        BinaryOp::Equal => truth(l == r),
        BinaryOp::NotEqual => truth(l != r),
        BinaryOp::Greater => truth(l > r),
        BinaryOp::Less => truth(l < r),
        BinaryOp::GreaterEq => truth(l >= r),
        BinaryOp::LessEq => truth(l <= r),
        BinaryOp::Minus => l - r,
        BinaryOp::Plus => l + r,
        BinaryOp::Div => l / r,
        BinaryOp::Times => l * r,
        BinaryOp::Pow => libm::pow(l, r),
        BinaryOp::Atan2 => libm::atan2(l, r),
        BinaryOp::Max => {
            if l < r {
                r
            } else {
                l
            }
        }
        BinaryOp::Min => {
            if r < l {
                r
            } else {
                l
            }
        }
    }
}

#[inline(always)]
fn map1(dst: &mut [f64], a: &[f64], f: impl Fn(f64) -> f64) {
    for (d, &x) in dst.iter_mut().zip(a) {
        *d = f(x);
    }
}

#[inline(always)]
fn map2(dst: &mut [f64], a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) {
    for ((d, &x), &y) in dst.iter_mut().zip(a).zip(b) {
        *d = f(x, y);
    }
}

/// `unary` over a buffer, with the operation chosen once.
fn map_unary(op: UnaryOp, dst: &mut [f64], a: &[f64]) {
    match op {
        UnaryOp::Negative => map1(dst, a, |x| -x),
        UnaryOp::Sqrt => map1(dst, a, f64::sqrt),
        UnaryOp::Abs => map1(dst, a, f64::abs),
        UnaryOp::Log => map1(dst, a, libm::log),
        UnaryOp::Log10 => map1(dst, a, libm::log10),
        UnaryOp::Exp => map1(dst, a, libm::exp),
        other => map1(dst, a, |x| unary(other, x)),
    }
}

/// `binary` over buffers, with the operation chosen once.
fn map_binary(op: BinaryOp, dst: &mut [f64], a: &[f64], b: &[f64]) {
    match op {
        BinaryOp::Minus => map2(dst, a, b, |x, y| x - y),
        BinaryOp::Plus => map2(dst, a, b, |x, y| x + y),
        BinaryOp::Div => map2(dst, a, b, |x, y| x / y),
        BinaryOp::Times => map2(dst, a, b, |x, y| x * y),
        BinaryOp::Pow => map2(dst, a, b, libm::pow),
        BinaryOp::Max => map2(dst, a, b, |x, y| binary(BinaryOp::Max, x, y)),
        BinaryOp::Min => map2(dst, a, b, |x, y| binary(BinaryOp::Min, x, y)),
        other => map2(dst, a, b, |x, y| binary(other, x, y)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse;
    use super::*;

    fn run(expr: &str, x: f64, y: f64, params: &[f64]) -> (f64, f64) {
        let parsed = parse(expr).unwrap();
        let p = Program::compile(
            &parsed,
            expr,
            &Binding {
                variables: &[0, 1],
                parameters: params,
            },
        )
        .unwrap();
        let scalar = p.eval(&[Value::Real(x), Value::Real(y)]);
        let xs = [0.0, x, 0.0];
        let ys = [0.0, y, 0.0];
        let mut out = [f64::NAN; 3];
        p.eval_sel(
            &[Column::Real(&xs), Column::Real(&ys)],
            &[1],
            &mut out,
            &mut Pool::default(),
        );
        (scalar, out[1])
    }

    #[test]
    fn scalar_and_columns_agree() {
        for expr in [
            "[0]*log10(x)+[1]*log10(x)*log10(x)+exp(-y)",
            "max(x, y) - min(x, y) + (x >= y) + (x != y) * 2 + (x && y) + (x || 0)",
            "atan2(y, x) + pow(x, [1]) + erf(x) + abs(-x) + sqrt(y)",
            "-x^2 + -2^2 + 2^3^2",
        ] {
            let (a, b) = run(expr, 1.7, 0.3, &[0.5, 2.0]);
            assert_eq!(a.to_bits(), b.to_bits(), "{expr}");
        }
        assert_eq!(run("-x^2", 3.0, 0.0, &[]).0, 9.0);
        assert_eq!(run("-2^2", 3.0, 0.0, &[]).0, 4.0);
        assert_eq!(run("2^3^2", 3.0, 0.0, &[]).0, 512.0);
    }

    #[test]
    fn std_max_min_semantics() {
        assert!(binary(BinaryOp::Max, f64::NAN, 1.0).is_nan());
        assert_eq!(binary(BinaryOp::Max, 1.0, f64::NAN), 1.0);
        assert_eq!(binary(BinaryOp::Min, 1.0, f64::NAN), 1.0);
        assert!(binary(BinaryOp::Min, f64::NAN, 1.0).is_nan());
        // Equal operands: the first one is returned.
        assert!(binary(BinaryOp::Max, -0.0, 0.0).is_sign_negative());
        assert!(binary(BinaryOp::Max, 0.0, -0.0).is_sign_positive());
        assert!(binary(BinaryOp::Min, -0.0, 0.0).is_sign_negative());
        assert!(binary(BinaryOp::Min, 0.0, -0.0).is_sign_positive());
    }

    #[test]
    fn missing_parameter() {
        let parsed = parse("[2]").unwrap();
        let err = Program::compile(
            &parsed,
            "[2]",
            &Binding {
                variables: &[],
                parameters: &[1.0],
            },
        );
        assert!(matches!(
            err,
            Err(FormulaError::InsufficientParameters { index: 2, .. })
        ));
    }
}

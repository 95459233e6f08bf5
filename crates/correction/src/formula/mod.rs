//! `Formula` and `FormulaRef` nodes: TFormula expressions parsed at load and compiled.

pub(crate) mod libm;
pub(crate) mod parser;
pub(crate) mod program;

use crate::error::LoadError;
use crate::json::{self, Obj};
use crate::variable::{VarType, Variable};
use parser::Parsed;
pub use parser::MAX_DEPTH;
use program::Binding;
pub(crate) use program::Program;

/// A parsed generic formula (`Correction.generic_formulas`), bound by `FormulaRef`s.
#[derive(Debug, Clone)]
pub(crate) struct Generic {
    parsed: Parsed,
    expression: String,
    variables: Vec<usize>,
}

/// Index of the input called `name` (`detail::find_input_index`).
pub(crate) fn find_input(
    obj: &Obj<'_>,
    name: &str,
    inputs: &[Variable],
) -> Result<usize, LoadError> {
    inputs
        .iter()
        .position(|v| v.name == name)
        .ok_or_else(|| obj.err(format!("Error: could not find variable {name} in inputs")))
}

/// The common part of `Formula::Formula` (`src/correction.cc`): expression, parser type,
/// variables (which must be real inputs) and the parsed expression.
fn parse_formula(
    obj: &Obj<'_>,
    inputs: &[Variable],
) -> Result<(String, Vec<usize>, Parsed), LoadError> {
    let expression = obj.req_str("expression")?;
    match obj.req_str("parser")? {
        "TFormula" => {}
        "numexpr" => return Err(obj.err("numexpr formula parser is not yet supported")),
        _ => return Err(obj.err("Unrecognized formula parser type")),
    }
    let mut variables = Vec::new();
    for item in obj.req_array("variables")? {
        let name =
            json::string(item).ok_or_else(|| obj.err("Formula variables must be strings"))?;
        let idx = find_input(obj, name, inputs)?;
        if inputs[idx].kind != VarType::Real {
            return Err(obj.err(format!(
                "Formulas only accept real-valued inputs, got type {} for variable {}",
                inputs[idx].kind, inputs[idx].name
            )));
        }
        variables.push(idx);
    }
    let parsed = parser::parse(expression).map_err(|source| LoadError::Formula {
        context: obj.context().to_string(),
        source,
    })?;
    Ok((expression.to_string(), variables, parsed))
}

fn formula_error(obj: &Obj<'_>, source: crate::error::FormulaError) -> LoadError {
    LoadError::Formula {
        context: obj.context().to_string(),
        source,
    }
}

/// A `Formula` node: parameters are bound at load, as the reference does for non-generic
/// formulas.
pub(crate) fn load_formula(obj: &Obj<'_>, inputs: &[Variable]) -> Result<Program, LoadError> {
    let (expression, variables, parsed) = parse_formula(obj, inputs)?;
    let parameters = parameters(obj, "parameters", false)?;
    Program::compile(
        &parsed,
        &expression,
        &Binding {
            variables: &variables,
            parameters: &parameters,
        },
    )
    .map_err(|e| formula_error(obj, e))
}

/// A generic formula: parameters stay unbound until a `FormulaRef` supplies them.
pub(crate) fn load_generic(obj: &Obj<'_>, inputs: &[Variable]) -> Result<Generic, LoadError> {
    let (expression, variables, parsed) = parse_formula(obj, inputs)?;
    program::check_variables(&parsed, &expression, variables.len())
        .map_err(|e| formula_error(obj, e))?;
    Ok(Generic {
        parsed,
        expression,
        variables,
    })
}

/// A `FormulaRef` node. The reference indexes the parameter vector without a bounds check
/// (`FormulaAst::evaluate`, `params[...]`), which reads past it when the reference gives
/// too few parameters; here that is a load error.
pub(crate) fn load_formula_ref(obj: &Obj<'_>, generics: &[Generic]) -> Result<Program, LoadError> {
    let index = obj.req_i32("index")?;
    let generic = usize::try_from(index)
        .ok()
        .and_then(|i| generics.get(i))
        .ok_or_else(|| {
            obj.err(format!(
                "FormulaRef index {index} out of range ({} generic formulas)",
                generics.len()
            ))
        })?;
    let parameters = parameters(obj, "parameters", true)?;
    Program::compile(
        &generic.parsed,
        &generic.expression,
        &Binding {
            variables: &generic.variables,
            parameters: &parameters,
        },
    )
    .map_err(|e| formula_error(obj, e))
}

fn parameters(obj: &Obj<'_>, key: &str, required: bool) -> Result<Vec<f64>, LoadError> {
    let items = if required {
        Some(obj.req_array(key)?)
    } else {
        obj.opt_array(key)?
    };
    items
        .unwrap_or(&[])
        .iter()
        .map(|v| json::number(v).ok_or_else(|| obj.err(format!("'{key}' must hold numbers"))))
        .collect()
}

//! Errors of loading a correction file and of evaluating a correction.

use std::fmt;
use std::path::PathBuf;

use crate::variable::VarType;

/// A correction file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be opened, read or decompressed.
    #[error("cannot read correction file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O or gzip error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid UTF-8 JSON (or nests deeper than serde_json's limit of 128).
    #[error("JSON parse error in correction file: {0}")]
    Json(#[source] serde_json::Error),
    /// `schema_version` is not 2.
    #[error(
        "unsupported correctionlib schema_version {found}: this evaluator reads schema v2 only"
    )]
    SchemaVersion {
        /// The version in the file.
        found: i64,
    },
    /// The JSON does not follow schema v2 (missing or mistyped attribute, inconsistent
    /// binning, unknown input name, …).
    #[error("{context}: {message}")]
    Schema {
        /// Where: the correction's name, or the correction set.
        context: String,
        /// What, in the reference's words where it has them.
        message: String,
    },
    /// A formula does not parse or does not fit its variables and parameters.
    #[error("{context}: invalid formula")]
    Formula {
        /// Where: the correction's name.
        context: String,
        /// What is wrong with the formula.
        #[source]
        source: FormulaError,
    },
}

/// A formula expression is not accepted by the TFormula grammar of correctionlib.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormulaError {
    /// The text does not match the grammar; `position` is the 1-based column of the first
    /// character that could not be consumed (as the reference reports it).
    #[error("failed to parse formula expression {expression:?} at position {position}: {message}")]
    Syntax {
        /// The expression.
        expression: String,
        /// 1-based column.
        position: usize,
        /// What was expected.
        message: String,
    },
    /// Parentheses, function calls, unary minus or `^` chains nest deeper than `limit`.
    #[error(
        "formula expression {expression:?} nests deeper than {limit} levels at position {position}"
    )]
    TooDeep {
        /// The expression.
        expression: String,
        /// 1-based column where the limit was passed.
        position: usize,
        /// The nesting limit.
        limit: usize,
    },
    /// `x[i]` (or x, y, z, t) refers past the formula's `variables` list.
    #[error("formula expression {expression:?} uses variable {index} but declares only {available} variables (Insufficient variables for formula)")]
    InsufficientVariables {
        /// The expression.
        expression: String,
        /// The variable index used.
        index: usize,
        /// The number of declared variables.
        available: usize,
    },
    /// `[i]` refers past the formula's `parameters` list.
    #[error("formula expression {expression:?} uses parameter [{index}] but has only {available} parameters (Insufficient parameters for formula)")]
    InsufficientParameters {
        /// The expression.
        expression: String,
        /// The parameter index used.
        index: usize,
        /// The number of parameters available.
        available: usize,
    },
}

/// Which side of a binning a value fell off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Below the first edge.
    Below,
    /// Above (or at) the last edge.
    Above,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Below => "below",
            Side::Above => "above",
        })
    }
}

/// The key a `Category` node was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryKey {
    /// An int key.
    Int(i64),
    /// A string key.
    Str(String),
}

impl fmt::Display for CategoryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CategoryKey::Int(i) => write!(f, "{i}"),
            CategoryKey::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// A correction could not be evaluated for the given inputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// Not as many inputs as the correction declares.
    #[error(
        "correction {correction:?}: incorrect number of inputs (got {got}, expected {expected})"
    )]
    InputCount {
        /// The correction.
        correction: String,
        /// Declared inputs.
        expected: usize,
        /// Given inputs.
        got: usize,
    },
    /// An input of the wrong type.
    #[error(
        "correction {correction:?}: input {input:?} has wrong type: got {got}, expected {expected}"
    )]
    InputType {
        /// The correction.
        correction: String,
        /// The input's declared name.
        input: String,
        /// Its declared type.
        expected: VarType,
        /// The type given.
        got: VarType,
    },
    /// A column that does not have `n` values.
    #[error("correction {correction:?}: column for input {input:?} has {got} values, expected {expected}")]
    ColumnLength {
        /// The correction.
        correction: String,
        /// The input's declared name.
        input: String,
        /// The `n` passed.
        expected: usize,
        /// The column's length.
        got: usize,
    },
    /// A value outside a binning whose `flow` is `"error"`.
    #[error("correction {correction:?}: value {value} of input {input:?} is {side} the bounds of a {node}")]
    OutOfBounds {
        /// The correction.
        correction: String,
        /// The input's declared name.
        input: String,
        /// The value (ints converted to float).
        value: f64,
        /// Below the first or above the last edge.
        side: Side,
        /// `"Binning"` or `"MultiBinning"`.
        node: &'static str,
    },
    /// A category key without a matching entry and no `default`.
    #[error(
        "correction {correction:?}: no category for value {key} of input {input:?} and no default"
    )]
    MissingCategory {
        /// The correction.
        correction: String,
        /// The input's declared name.
        input: String,
        /// The key looked up.
        key: CategoryKey,
    },
    /// A `Category` node whose input is real-valued (the reference accepts such a file when
    /// the category is empty and fails with "Invalid variable type" on evaluation).
    #[error("correction {correction:?}: Category on real-valued input {input:?} (Invalid variable type)")]
    CategoryInputType {
        /// The correction.
        correction: String,
        /// The input's declared name.
        input: String,
    },
    /// `flow: "wrap"` on non-uniform edges mapped a value (NaN, ±inf, or a rounding at the
    /// last edge) outside the edges; the reference throws "I should not have ever seen an
    /// underflow/overflow".
    #[error("correction {correction:?}: wrapped value {value} of input {input:?} is {side} the edges (I should not have ever seen an {flow_word})")]
    WrapOutOfRange {
        /// The correction.
        correction: String,
        /// The input's declared name.
        input: String,
        /// The value before wrapping.
        value: f64,
        /// Below or above.
        side: Side,
        /// `"underflow"` or `"overflow"`, the reference's word.
        flow_word: &'static str,
    },
    /// A MultiBinning index past its content: only reachable with NaN inputs to uniform
    /// axes, where the reference converts NaN to the integer 2^63 and `std::vector::at` throws.
    #[error("correction {correction:?}: MultiBinning content index {index} out of range ({len} entries)")]
    ContentIndex {
        /// The correction.
        correction: String,
        /// The computed flat index.
        index: usize,
        /// The number of content entries.
        len: usize,
    },
    /// A column-wise evaluation failed; `row` is the first failing row.
    #[error("evaluation failed at row {row}")]
    Row {
        /// The first failing row.
        row: usize,
        /// The error of that row.
        #[source]
        source: Box<EvalError>,
    },
}

impl EvalError {
    /// The failing row of a column-wise evaluation, if this error came from one.
    pub fn row(&self) -> Option<usize> {
        match self {
            EvalError::Row { row, .. } => Some(*row),
            _ => None,
        }
    }
}

/// A name that is neither a correction nor a compound correction of the set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no correction named {name:?} in the correction set; available: {}", .available.join(", "))]
pub struct UnknownCorrection {
    /// The name asked for.
    pub name: String,
    /// Every name in the set (corrections then compound corrections, each sorted).
    pub available: Vec<String>,
}

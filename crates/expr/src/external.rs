//! Functions whose values come from outside the expression: correctionlib corrections
//! (`correction("muon_sf.json.gz", "NUM_TightID_DEN_TrackerMuons", abs(Muon.eta), Muon.pt,
//! "nominal")`) and histograms read as tables (`lookup("sf.root:h2", Muon.eta, Muon.pt)`).
//!
//! This crate knows no files: whoever compiles an analysis gives the [`Registry`] a [`Tables`]
//! that finds a correction or a histogram by the names written in the expression (the engine
//! loads each file once per run, relative to the analysis file). Type checking asks it for the
//! [`Table`], checks the arguments against the table's declared inputs, and keeps the table in
//! the node; evaluation hands whole columns to [`Table::evaluate`], never one value at a time.
//!
//! [`Registry`]: crate::Registry

use std::fmt;
use std::sync::Arc;

/// The type of one input of a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// An integer (correctionlib's `int`): integer and boolean expressions.
    Int,
    /// A real number (`real`): any numeric expression, converted to `double`.
    Real,
    /// A string (`string`): a string literal.
    Str,
}

impl InputKind {
    /// The name correctionlib uses.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Int => "int",
            InputKind::Real => "real",
            InputKind::Str => "string",
        }
    }
}

/// One declared input of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInput {
    /// Its name, for messages.
    pub name: String,
    /// Its type.
    pub kind: InputKind,
}

/// One input column handed to [`Table::evaluate`]: `n` values, or one string for every row.
#[derive(Debug, Clone, Copy)]
pub enum TableArg<'a> {
    /// Real numbers, one per row.
    Real(&'a [f64]),
    /// Integers, one per row.
    Int(&'a [i64]),
    /// The same string for every row.
    Str(&'a str),
}

/// A failed evaluation: the first row that failed and why.
#[derive(Debug, Clone, PartialEq)]
pub struct TableError {
    /// The row (position in the input columns).
    pub row: usize,
    /// What went wrong, e.g. "input 'pt' = 2500 is above the last edge (flow = error)".
    pub message: String,
}

/// A function of whole columns of numbers giving one `double` per row.
pub trait Table: Send + Sync {
    /// What it is, for messages: `correction 'NUM_TightID' (muon_sf.json.gz)`.
    fn describe(&self) -> String;
    /// The inputs it takes, in order.
    fn inputs(&self) -> &[TableInput];
    /// The value of each of the `n` rows of `args` (one per input), appended to `out`.
    fn evaluate(
        &self,
        args: &[TableArg<'_>],
        n: usize,
        out: &mut Vec<f64>,
    ) -> Result<(), TableError>;
}

/// Finds the tables that expressions name. Errors are messages for the user (the file that
/// could not be read, the corrections a file has, …).
pub trait Tables: Send + Sync {
    /// Correction `name` of the correctionlib file `file`.
    fn correction(&self, file: &str, name: &str) -> Result<Arc<dyn Table>, String>;
    /// The histogram `spec` (`file.root:path/in/file`) as a table; `clamp`: coordinates outside
    /// an axis take its first or last bin instead of the flow bin.
    fn histogram(&self, spec: &str, clamp: bool) -> Result<Arc<dyn Table>, String>;
}

/// A table held by a typed expression node (compared by identity).
#[derive(Clone)]
pub struct TableRef(pub Arc<dyn Table>);

impl fmt::Debug for TableRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.describe())
    }
}

impl PartialEq for TableRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The [`Tables`] of a registry: none unless the caller gives one.
#[derive(Clone, Default)]
pub struct TableSource(pub Option<Arc<dyn Tables>>);

impl fmt::Debug for TableSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "TableSource(set)"
        } else {
            "TableSource(none)"
        })
    }
}

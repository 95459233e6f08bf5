//! Declared inputs and outputs of a correction, and the values passed to it.

use std::fmt;

/// The type of a correction input or output, as declared by `Variable.type` in the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VarType {
    /// `"int"`: a 64-bit signed integer.
    Int,
    /// `"real"`: a 64-bit float.
    Real,
    /// `"string"`.
    String,
}

impl VarType {
    /// The schema's spelling: `"int"`, `"real"` or `"string"`.
    pub fn as_str(self) -> &'static str {
        match self {
            VarType::Int => "int",
            VarType::Real => "real",
            VarType::String => "string",
        }
    }
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A declared input or output of a correction (schema `Variable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The variable's name; inputs are matched by position, the name is for humans and for
    /// the nodes of the correction (`Binning.input`, `Formula.variables`, …).
    pub name: String,
    /// Its declared type.
    pub kind: VarType,
    /// Free-form description (empty when the file has none).
    pub description: String,
}

/// One input value for [`Correction::evaluate`](crate::Correction::evaluate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// For an `"int"` input.
    Int(i64),
    /// For a `"real"` input.
    Real(f64),
    /// For a `"string"` input.
    Str(&'a str),
}

impl Value<'_> {
    /// The type this value would satisfy.
    pub fn kind(&self) -> VarType {
        match self {
            Value::Int(_) => VarType::Int,
            Value::Real(_) => VarType::Real,
            Value::Str(_) => VarType::String,
        }
    }

    /// The value as a binning coordinate: ints are converted with `static_cast<double>`, as
    /// `find_bin_idx` in correctionlib's `src/correction.cc` does. `None` for strings.
    #[inline]
    pub(crate) fn as_coordinate(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Real(x) => Some(x),
            Value::Str(_) => None,
        }
    }
}

/// One input column for [`Correction::evaluate_columns`](crate::Correction::evaluate_columns).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Column<'a> {
    /// One `"real"` value per row.
    Real(&'a [f64]),
    /// One `"int"` value per row.
    Int(&'a [i64]),
    /// A `"string"` value broadcast to every row.
    Str(&'a str),
    /// A `"real"` value broadcast to every row.
    RealConst(f64),
    /// An `"int"` value broadcast to every row.
    IntConst(i64),
}

impl<'a> Column<'a> {
    /// The type of the values in this column.
    pub fn kind(&self) -> VarType {
        match self {
            Column::Real(_) | Column::RealConst(_) => VarType::Real,
            Column::Int(_) | Column::IntConst(_) => VarType::Int,
            Column::Str(_) => VarType::String,
        }
    }

    /// The number of rows of a per-row column; `None` for a broadcast constant.
    pub fn rows(&self) -> Option<usize> {
        match self {
            Column::Real(v) => Some(v.len()),
            Column::Int(v) => Some(v.len()),
            _ => None,
        }
    }

    /// The value at `row`, which must be in range for per-row columns.
    #[inline]
    pub(crate) fn value(&self, row: usize) -> Value<'a> {
        match *self {
            Column::Real(v) => Value::Real(v[row]),
            Column::Int(v) => Value::Int(v[row]),
            Column::Str(s) => Value::Str(s),
            Column::RealConst(x) => Value::Real(x),
            Column::IntConst(i) => Value::Int(i),
        }
    }

    /// The rows `start..end` of a per-row column; constants are returned unchanged.
    #[inline]
    pub(crate) fn slice(&self, start: usize, end: usize) -> Column<'a> {
        match *self {
            Column::Real(v) => Column::Real(&v[start..end]),
            Column::Int(v) => Column::Int(&v[start..end]),
            other => other,
        }
    }
}

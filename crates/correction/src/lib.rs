//! A native reader and evaluator for [correctionlib](https://github.com/cms-nanoAOD/correctionlib)
//! files (schema v2), the CMS format for scale factors and other corrections.
//!
//! Results are bit-identical to correctionlib 2.9.0's C++ evaluator (and so to its Python
//! package) on Linux: the node semantics, the TFormula grammar, the bin search, the
//! `HashPRNG` generator and distributions, the math functions (the system libm, `log` as
//! the wheel binds it), and even the reading of numbers (rapidjson's, which is not
//! correctly rounded for long numbers) are the reference's. Each quirk is explained where it is handled, with the reference source
//! file it mirrors.
//!
//! Every node type of schema v2 is read: `Binning` and `MultiBinning` (list or uniform
//! edges; `flow` "clamp", "error", "wrap" or a content node), `Category` (int and string
//! keys, optional default), `Formula` and `FormulaRef` (TFormula), `Transform`,
//! `HashPRNG`, numbers, and `CompoundCorrection`. (The `lwtnn` node of correctionlib 2.9,
//! outside schema v2's documented nodes, is refused at load.)
//!
//! ```
//! use correction::{Column, CorrectionSet, Value};
//!
//! let json = r#"{
//!   "schema_version": 2,
//!   "corrections": [{
//!     "name": "muon_sf", "version": 1,
//!     "inputs": [{"name": "syst", "type": "string"}, {"name": "pt", "type": "real"}],
//!     "output": {"name": "weight", "type": "real"},
//!     "data": {"nodetype": "category", "input": "syst", "content": [
//!       {"key": "nominal", "value": {"nodetype": "binning", "input": "pt",
//!         "edges": [20.0, 50.0, 100.0], "content": [0.98, 1.01], "flow": "clamp"}},
//!       {"key": "up", "value": {"nodetype": "formula", "expression": "1.02 + 0*x",
//!         "parser": "TFormula", "variables": ["pt"]}}
//!     ]}
//!   }]
//! }"#;
//! let set = CorrectionSet::from_json_str(json)?;
//! let sf = set.correction("muon_sf")?;
//! assert_eq!(sf.evaluate(&[Value::Str("nominal"), Value::Real(60.0)])?, 1.01);
//!
//! // Column-wise: a broadcast string and a column of pt values.
//! let pt = [25.0, 50.0, 500.0];
//! let mut out = Vec::new();
//! sf.evaluate_columns(&[Column::Str("nominal"), Column::Real(&pt)], pt.len(), &mut out)?;
//! assert_eq!(out, [0.98, 1.01, 1.01]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod binning;
mod columns;
mod correction;
mod error;
mod formula;
mod hashprng;
mod json;
mod node;
mod pool;
mod rapidjson;
mod set;
mod variable;

pub use correction::Correction;
pub use error::{CategoryKey, EvalError, FormulaError, LoadError, Side, UnknownCorrection};
pub use formula::MAX_DEPTH as MAX_FORMULA_DEPTH;
pub use set::{CorrectionSet, SCHEMA_VERSION};
pub use variable::{Column, Value, VarType, Variable};

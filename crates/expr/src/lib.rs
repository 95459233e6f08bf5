//! # expr — hepframe's analysis expression language
//!
//! An expression is parsed once ([`parse`]), type-checked against the branches of a tree
//! ([`Schema`], [`check`]) and then evaluated column by column on chunks of events
//! ([`Evaluator`]): every node computes a whole column, so there is no walk of the syntax tree
//! per event.
//!
//! Names are resolved in a [`Scope`]: the branches and collections of the file, plus the
//! defines, redefinitions and variations made at that point of an analysis (kept in a
//! [`Registry`]).
//!
//! ```
//! use expr::{parse, check, Schema, Registry, BranchType, Num};
//! let schema = Schema::from_branches([
//!     ("nMuon".to_string(), BranchType::Scalar(Num::U32)),
//!     ("Muon_pt".to_string(), BranchType::List(Num::F32)),
//!     ("Muon_charge".to_string(), BranchType::List(Num::I32)),
//! ]);
//! let (registry, scope) = Registry::new(&schema);
//! let e = parse("nMuon == 2 && Muon[0].charge != Muon[1].charge").unwrap();
//! let typed = check(&e, &schema, &registry, &scope).unwrap();
//! assert_eq!(typed.ty.describe(), "bool");
//! let bad = parse("sum(Muon.ptt)").unwrap();
//! let err = check(&bad, &schema, &registry, &scope).unwrap_err();
//! assert!(err.message.contains("did you mean"));
//! ```

pub mod ast;
pub mod check;
pub mod chunk;
mod count_compared;
pub mod error;
pub mod eval;
mod eval_ops;
pub mod external;
mod fourvec;
mod functions;
pub mod fuse;
pub mod fuse_any;
pub mod lexer;
mod narrow;
pub mod num;
pub mod parser;
pub mod quantile;
mod raw_field;
pub mod schema;
pub mod scope;
mod table_call;
#[cfg(test)]
mod test_rng;
mod unread;
pub mod value;

pub use check::{check, Coords, Node, Ty, Typed};
pub use chunk::{Chunk, ListLayout, View};
pub use error::{ErrorKind, ExprError, Span};
pub use eval::Evaluator;
pub use eval_ops::salt_of;
pub use external::{InputKind, Table, TableArg, TableError, TableInput, Tables};
pub use fourvec::{delta_phi, delta_phi_f32};
pub use functions::FUNCTIONS;
pub use num::Scalar;
pub use parser::parse;
pub use schema::{BranchType, Collection, Num, Schema};
pub use scope::{display_coll, Col, CollDef, Define, Registry, Scope};
pub use table_call::TableArgNode;
pub use unread::Unread;
pub use value::{Nums, P4s, Val};

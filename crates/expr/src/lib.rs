//! # expr — hepframe's analysis expression language
//!
//! An expression is parsed once ([`parse`]), type-checked against the branches of a tree
//! ([`Schema`], [`check`]) and then evaluated column by column on chunks of events
//! ([`Evaluator`]): every node computes a whole column, so there is no walk of the syntax tree
//! per event.
//!
//! ```
//! use expr::{parse, check, Schema, Scope, BranchType, Num};
//! let schema = Schema::from_branches([
//!     ("nMuon".to_string(), BranchType::Scalar(Num::Int)),
//!     ("Muon_pt".to_string(), BranchType::List(Num::F32)),
//!     ("Muon_charge".to_string(), BranchType::List(Num::Int)),
//! ]);
//! let e = parse("nMuon == 2 && Muon[0].charge != Muon[1].charge").unwrap();
//! let typed = check(&e, &schema, &Scope::default()).unwrap();
//! assert_eq!(typed.ty.describe(), "bool");
//! let bad = parse("sum(Muon.ptt)").unwrap();
//! let err = check(&bad, &schema, &Scope::default()).unwrap_err();
//! assert!(err.message.contains("did you mean"));
//! ```

pub mod ast;
pub mod check;
pub mod chunk;
pub mod error;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod schema;
pub mod value;

pub use check::{check, Node, Scope, Ty, Typed};
pub use chunk::Chunk;
pub use error::{ErrorKind, ExprError, Span};
pub use eval::Evaluator;
pub use parser::parse;
pub use schema::{BranchType, Collection, Num, Schema};
pub use value::{Nums, P4s, Val};

/// The branches that evaluating `nodes` reads (including those of the defines they use).
pub fn required_branches<'a>(
    nodes: impl IntoIterator<Item = &'a Node>,
    scope: &Scope,
    schema: &Schema,
) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for n in nodes {
        branches_used(n, scope, schema, &mut out);
    }
    // A collection used as a whole needs one of its fields for its per-event lengths; take one
    // that is read anyway when there is one.
    let colls: Vec<String> = out
        .iter()
        .filter_map(|b| b.strip_prefix("@collection:").map(String::from))
        .collect();
    out.retain(|b| !b.starts_with("@collection:"));
    for c in colls {
        if let Some(coll) = schema.collections.get(&c) {
            if !coll.fields.values().any(|b| out.contains(b)) {
                if let Some(b) = coll.fields.values().next() {
                    out.insert(b.clone());
                }
            }
        }
    }
    out
}

fn branches_used(
    node: &Node,
    scope: &Scope,
    schema: &Schema,
    out: &mut std::collections::BTreeSet<String>,
) {
    use check::Node as N;
    let rec = |n: &Node, out: &mut std::collections::BTreeSet<String>| {
        branches_used(n, scope, schema, out)
    };
    match node {
        N::Lit(_) => {}
        N::Branch(b) => {
            out.insert(b.clone());
        }
        N::Define(i) => {
            if let Some((_, t)) = scope.defines.get(*i) {
                rec(&t.node, out);
            }
        }
        N::Collection(c) => {
            out.insert(format!("@collection:{c}"));
        }
        N::Field { obj, branches, .. } => {
            out.extend(branches.iter().cloned());
            rec(obj, out);
        }
        N::Position { obj, coll } => {
            rec(obj, out);
            for part in coll.split('+') {
                out.insert(format!("@collection:{part}"));
            }
        }
        N::Concat { parts } => {
            for part in parts {
                out.insert(format!("@collection:{part}"));
            }
        }
        N::Combinations { coll: a, .. } | N::Slot { tuples: a, .. } => rec(a, out),
        N::Cartesian { a, b } | N::P4SumList(a, b) => {
            rec(a, out);
            rec(b, out);
        }
        N::MinDeltaR { a, b } => {
            for side in [a, b] {
                rec(side, out);
                collect_eta_phi(side, scope, schema, out);
            }
        }
        N::P4Of { obj, coll } => {
            rec(obj, out);
            for part in coll.split('+') {
                if let Some(c) = schema.collections.get(part) {
                    for f in ["pt", "eta", "phi", "mass"] {
                        if let Some(b) = c.fields.get(f) {
                            out.insert(b.clone());
                        }
                    }
                }
            }
        }
        N::DeltaPhi { a, b } | N::DeltaR { a, b } => {
            for side in [a, b] {
                rec(side, out);
                collect_eta_phi(side, scope, schema, out);
            }
        }
        N::Index {
            list: a, index: b, ..
        }
        | N::Mask {
            list: a, mask: b, ..
        }
        | N::Binary { lhs: a, rhs: b, .. }
        | N::Math2 { a, b, .. }
        | N::P4Sum(a, b) => {
            rec(a, out);
            rec(b, out);
        }
        N::Neg(a)
        | N::Not(a)
        | N::Math1 { arg: a, .. }
        | N::Reduce { arg: a, .. }
        | N::P4Prop { arg: a, .. } => rec(a, out),
    }
}

/// For delta_r / delta_phi on records: the collection's eta and phi branches.
fn collect_eta_phi(
    node: &Node,
    scope: &Scope,
    schema: &Schema,
    out: &mut std::collections::BTreeSet<String>,
) {
    // Find the collection(s) the records come from.
    let mut names: Vec<String> = Vec::new();
    let mut stack = vec![node];
    let mut steps = 0;
    while let Some(n) = stack.pop() {
        steps += 1;
        if steps > 10_000 {
            break;
        }
        match n {
            Node::Collection(c) => names.push(c.clone()),
            Node::Concat { parts } => names.extend(parts.iter().cloned()),
            Node::Index { list, .. } | Node::Mask { list, .. } => stack.push(list),
            Node::Slot { tuples, .. } | Node::Combinations { coll: tuples, .. } => {
                stack.push(tuples)
            }
            Node::Cartesian { a, b } => {
                stack.push(a);
                stack.push(b);
            }
            Node::Define(i) => {
                if let Some((_, t)) = scope.defines.get(*i) {
                    stack.push(&t.node);
                }
            }
            _ => {}
        }
    }
    for c in names.iter().filter_map(|c| schema.collections.get(c)) {
        for f in ["eta", "phi"] {
            if let Some(b) = c.fields.get(f) {
                out.insert(b.clone());
            }
        }
    }
}

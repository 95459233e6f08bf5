//! What names mean at a point of an analysis, and the registry of everything defined.
//!
//! An analysis is a graph: each define, redefine, variation and cut is a node, and an expression
//! sees what its node's ancestors defined — not what a sibling did (RDataFrame's rule). The
//! [`Registry`] holds every define of the whole graph, by id, and every *version* of every
//! collection; a [`Scope`] maps the names visible at one node to them.
//!
//! Redefinitions never change what earlier expressions mean; they make new versions:
//! - redefining a branch (`Jet_pt = "Jet_pt * 1.03"`) makes a define, and a new version of its
//!   collection (`Jet`) whose `pt` field reads that define: `Jet_pt`, `Jet.pt` and every
//!   four-vector of `Jet` built below see the new values;
//! - redefining a collection (`Jet = "Jet[Jet.pt > 30]"`) makes a version whose records are the
//!   kept ones, in their order: `Jet.pt`, `Jet_pt`, `nJet`, `len(Jet)`, `Jet[0]` and `Jet.index`
//!   all refer to the kept jets;
//! - a variation ([`Registry::vary`]) is a redefinition whose value depends on the *universe*:
//!   universe 0 is the nominal one, every variation tag has its own. Expressions that do not
//!   depend on a varied column have the same value in every universe and are computed once.

use std::collections::BTreeMap;

use crate::check::{Node, Ty, Typed};
use crate::schema::{BranchType, Num, Schema};

/// A column that expressions read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Col {
    /// A branch of the file.
    Branch(String),
    /// A define: a computed column, e.g. a redefined or varied branch.
    Define(usize),
    /// The values of `col` at the elements that the collection selection `sel` (a define of
    /// records) kept: the field of a redefined collection.
    Gather {
        /// The define holding the kept records.
        sel: usize,
        /// The field's column in the collection version `sel` selected from.
        col: Box<Col>,
    },
}

/// Where the elements of a collection version come from.
#[derive(Debug, Clone, PartialEq)]
pub enum CollBase {
    /// The file's collection: per-event lengths from any of its branches.
    File,
    /// The same elements as another version (only a field was redefined).
    Same(String),
    /// The records define `sel` kept (a redefined collection): element `i` is the `i`-th kept
    /// record.
    Selected(usize),
}

/// One version of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct CollDef {
    /// The collection's name as the user writes it (`Jet`).
    pub name: String,
    /// Field name → its column and number type.
    pub fields: BTreeMap<String, (Col, Num)>,
    /// The counter branch of the file's collection (`nJet`) and its type.
    pub counter: Option<(String, Num)>,
    /// Where its elements come from.
    pub base: CollBase,
}

/// A named, typed expression of the analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Define {
    /// Its name.
    pub name: String,
    /// Its value in the nominal universe (and in every universe without a variant).
    pub typed: Typed,
    /// `(universe, expression)`: its value in the universes of a variation.
    pub variants: Vec<(usize, Typed)>,
}

/// Every define and collection version of an analysis.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// Defines by id ([`Node::Define`] refers to them).
    pub defines: Vec<Define>,
    /// Collection versions by key: the file's collections under their own name, later versions
    /// as `Name#id`.
    pub collections: BTreeMap<String, CollDef>,
    /// For each define, the universes in which its value may differ from the nominal one
    /// (filled by [`Registry::finish`]).
    affected: Vec<Vec<usize>>,
    /// Where `correction()` and `lookup()` find their tables (none: they are errors).
    pub tables: crate::external::TableSource,
}

/// The names visible at one node of the analysis graph.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    /// Define (and redefined branch) names → define id.
    pub names: BTreeMap<String, usize>,
    /// Collection name → key of its current version in [`Registry::collections`].
    pub colls: BTreeMap<String, String>,
}

/// The name of a collection version key as the user writes it: `Jet#12` → `Jet`
/// (concatenations keep their `+`).
pub fn display_coll(key: &str) -> String {
    key.split('+')
        .map(|p| p.split('#').next().unwrap_or(p))
        .collect::<Vec<_>>()
        .join("+")
}

impl Registry {
    /// A registry with the file's collections of `schema`, and the scope that sees them.
    pub fn new(schema: &Schema) -> (Registry, Scope) {
        let mut r = Registry::default();
        let mut scope = Scope::default();
        for (name, c) in &schema.collections {
            let fields = c
                .fields
                .iter()
                .map(|(f, b)| {
                    let num = match schema.branches.get(b) {
                        Some(BranchType::List(n)) | Some(BranchType::Scalar(n)) => *n,
                        None => Num::F64,
                    };
                    (f.clone(), (Col::Branch(b.clone()), num))
                })
                .collect();
            let counter = c.counter.as_ref().map(|k| {
                let num = match schema.branches.get(k) {
                    Some(BranchType::Scalar(n)) => *n,
                    _ => Num::I32,
                };
                (k.clone(), num)
            });
            r.collections.insert(
                name.clone(),
                CollDef {
                    name: name.clone(),
                    fields,
                    counter,
                    base: CollBase::File,
                },
            );
            scope.colls.insert(name.clone(), name.clone());
        }
        (r, scope)
    }

    /// The collection version `key`.
    pub fn collection(&self, key: &str) -> Option<&CollDef> {
        self.collections.get(key)
    }

    /// Add a define named `name` to `scope` (shadowing whatever had that name) and return its
    /// id.
    pub fn define(&mut self, scope: &mut Scope, name: &str, typed: Typed) -> usize {
        let id = self.defines.len();
        self.defines.push(Define {
            name: name.to_string(),
            typed,
            variants: Vec::new(),
        });
        scope.names.insert(name.to_string(), id);
        id
    }

    /// Redefine `name` in `scope`: a define, a branch, a collection field (`Jet_pt`) or a whole
    /// collection (`Jet`, with records of that collection). Returns the new define's id.
    ///
    /// The new value must have the old one's type: a redefined collection must be records of
    /// that same collection (e.g. `Jet[Jet.pt > 30]`), and a redefined field a list of numbers.
    pub fn redefine(
        &mut self,
        schema: &Schema,
        scope: &mut Scope,
        name: &str,
        typed: Typed,
    ) -> Result<usize, String> {
        if let Some(key) = scope.colls.get(name).cloned() {
            let Ty::Objs(c) = &typed.ty else {
                return Err(format!(
                    "'{name}' is a collection; redefine it as a selection of its records \
                     (e.g. '{name}[{name}.pt > 30]'), not as a {}",
                    typed.ty.describe()
                ));
            };
            if c.contains('+') || display_coll(c) != name {
                return Err(format!(
                    "'{name}' can only be redefined as records of {name}, not as a {}",
                    typed.ty.describe()
                ));
            }
            let from = c.clone();
            let id = self.define(scope, name, typed);
            // The define is a name of its own only internally: `Jet` now means the new version.
            scope.names.remove(name);
            let old = self
                .collections
                .get(&from)
                .or_else(|| self.collections.get(&key))
                .cloned()
                .ok_or_else(|| format!("internal: no collection version '{from}'"))?;
            let fields = old
                .fields
                .iter()
                .map(|(f, (col, num))| {
                    (
                        f.clone(),
                        (
                            Col::Gather {
                                sel: id,
                                col: Box::new(col.clone()),
                            },
                            *num,
                        ),
                    )
                })
                .collect();
            let new_key = format!("{name}#{id}");
            self.collections.insert(
                new_key.clone(),
                CollDef {
                    name: name.to_string(),
                    fields,
                    counter: old.counter.clone(),
                    base: CollBase::Selected(id),
                },
            );
            scope.colls.insert(name.to_string(), new_key);
            return Ok(id);
        }
        // A field of a collection (`Jet_pt`), by its branch name.
        if let Some((coll, field)) = self.field_of_branch(schema, scope, name) {
            if !matches!(typed.ty, Ty::List(_)) {
                return Err(format!(
                    "'{name}' is the field '{field}' of {coll}: its new value must be a list of \
                     numbers with one per {coll} record, not a {}",
                    typed.ty.describe()
                ));
            }
            let num = match typed.ty {
                Ty::List(n) => n,
                _ => Num::F64,
            };
            let id = self.define(scope, name, typed);
            self.replace_field(scope, &coll, &field, Col::Define(id), num);
            return Ok(id);
        }
        let exists = scope.names.contains_key(name) || schema.branches.contains_key(name);
        if !exists {
            return Err(format!(
                "there is no '{name}' to redefine; use a define for a new name"
            ));
        }
        Ok(self.define(scope, name, typed))
    }

    /// Vary the column `name` (a branch, a collection field or a define): its value is
    /// `nominal` in every universe but those of `variants`. Returns the define's id.
    pub fn vary(
        &mut self,
        schema: &Schema,
        scope: &mut Scope,
        name: &str,
        nominal: Typed,
        variants: Vec<(usize, Typed)>,
    ) -> Result<usize, String> {
        if scope.colls.contains_key(name) {
            return Err(format!(
                "'{name}' is a collection: vary its fields (e.g. '{name}_pt'), not the collection"
            ));
        }
        for (_, v) in &variants {
            if v.ty != nominal.ty {
                return Err(format!(
                    "a variation of '{name}' must have its type ({}), not {}",
                    nominal.ty.describe(),
                    v.ty.describe()
                ));
            }
        }
        let id = self.redefine(schema, scope, name, nominal)?;
        self.defines[id].variants = variants;
        Ok(id)
    }

    /// `Some((collection, field))` when `name` is the branch of a field of a collection
    /// visible in `scope` (and not shadowed by a define of that name).
    fn field_of_branch(
        &self,
        schema: &Schema,
        scope: &Scope,
        name: &str,
    ) -> Option<(String, String)> {
        let (prefix, field) = name.split_once('_')?;
        let key = scope.colls.get(prefix)?;
        let def = self.collections.get(key)?;
        if !def.fields.contains_key(field) {
            return None;
        }
        // Only names that are (or were) the file's branch for that field.
        let file = schema.collections.get(prefix)?;
        (file.fields.get(field).map(String::as_str) == Some(name))
            .then(|| (prefix.to_string(), field.to_string()))
    }

    fn replace_field(&mut self, scope: &mut Scope, coll: &str, field: &str, col: Col, num: Num) {
        let Some(key) = scope.colls.get(coll).cloned() else {
            return;
        };
        let Some(old) = self.collections.get(&key).cloned() else {
            return;
        };
        let mut fields = old.fields.clone();
        fields.insert(field.to_string(), (col.clone(), num));
        let id = match col {
            Col::Define(id) => id,
            _ => self.defines.len(),
        };
        let new_key = format!("{coll}#{id}");
        self.collections.insert(
            new_key.clone(),
            CollDef {
                name: coll.to_string(),
                fields,
                counter: old.counter,
                base: CollBase::Same(key),
            },
        );
        scope.colls.insert(coll.to_string(), new_key);
    }

    /// Compute which universes each define depends on; call after the last define of
    /// `universes` universes (the nominal one included).
    pub fn finish(&mut self, universes: usize) {
        let mut affected: Vec<Vec<usize>> = Vec::with_capacity(self.defines.len());
        for d in &self.defines {
            let mut set: Vec<usize> = d
                .variants
                .iter()
                .map(|(u, _)| *u)
                .filter(|u| *u < universes)
                .collect();
            let mut deps = Deps::default();
            deps.node(&d.typed.node, self);
            for id in deps.defines {
                if let Some(a) = affected.get(id) {
                    set.extend(a.iter().copied());
                }
            }
            set.sort_unstable();
            set.dedup();
            affected.push(set);
        }
        self.affected = affected;
    }

    /// Whether define `id` may differ from its nominal value in universe `u`.
    pub fn define_affected(&self, id: usize, u: usize) -> bool {
        u != 0
            && self
                .affected
                .get(id)
                .is_some_and(|a| a.binary_search(&u).is_ok())
    }

    /// The universes define `id` depends on.
    pub fn define_universes(&self, id: usize) -> &[usize] {
        self.affected.get(id).map_or(&[], Vec::as_slice)
    }

    /// Whether the value of `node` may differ from its nominal value in universe `u`.
    pub fn node_affected(&self, node: &Node, u: usize) -> bool {
        if u == 0 {
            return false;
        }
        let mut deps = Deps::default();
        deps.node(node, self);
        deps.defines.iter().any(|&d| self.define_affected(d, u))
    }

    /// The universes `node` depends on.
    pub fn node_universes(&self, node: &Node) -> Vec<usize> {
        let mut deps = Deps::default();
        deps.node(node, self);
        let mut out: Vec<usize> = deps
            .defines
            .iter()
            .flat_map(|&d| self.define_universes(d).iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether a column may differ from its nominal value in universe `u`.
    pub fn col_affected(&self, col: &Col, u: usize) -> bool {
        match col {
            Col::Branch(_) => false,
            Col::Define(id) => self.define_affected(*id, u),
            Col::Gather { sel, col } => self.define_affected(*sel, u) || self.col_affected(col, u),
        }
    }

    /// Whether collection version `key` (or a `+` concatenation) may differ in universe `u`.
    pub fn coll_affected(&self, key: &str, u: usize) -> bool {
        if u == 0 {
            return false;
        }
        let mut deps = Deps::default();
        for part in key.split('+') {
            deps.collection(part, self);
        }
        deps.defines.iter().any(|&d| self.define_affected(d, u))
    }

    /// The file branches that evaluating `nodes` reads (through defines and collection
    /// versions), including every variant of the defines they use.
    pub fn branches(
        &self,
        nodes: impl IntoIterator<Item = impl std::borrow::Borrow<Node>>,
    ) -> std::collections::BTreeSet<String> {
        let mut deps = Deps {
            variants: true,
            ..Deps::default()
        };
        for n in nodes {
            deps.node(n.borrow(), self);
        }
        // A collection used as a whole needs one of its branches for its per-event lengths;
        // take one that is read anyway when there is one.
        for key in deps.file_collections.clone() {
            let Some(def) = self.collections.get(&key) else {
                continue;
            };
            let branches: Vec<&String> = def
                .fields
                .values()
                .filter_map(|(c, _)| match c {
                    Col::Branch(b) => Some(b),
                    _ => None,
                })
                .collect();
            if !branches.iter().any(|b| deps.branches.contains(*b)) {
                if let Some(b) = branches.first() {
                    deps.branches.insert((*b).clone());
                }
            }
        }
        deps.branches
    }
}

/// What a node refers to, found by a walk that never recurses without bound.
#[derive(Default)]
struct Deps {
    /// Follow define variants too (for the branches to read).
    variants: bool,
    defines: std::collections::BTreeSet<usize>,
    branches: std::collections::BTreeSet<String>,
    /// File collections whose per-event lengths are needed.
    file_collections: std::collections::BTreeSet<String>,
    seen_colls: std::collections::BTreeSet<String>,
}

impl Deps {
    fn node(&mut self, node: &Node, r: &Registry) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            n.children(&mut stack);
            match n {
                Node::Column(col) => self.col(col, r),
                Node::Define(id) => self.define(*id, r),
                Node::Field { coll, cols, .. } => {
                    for c in cols {
                        self.col(c, r);
                    }
                    self.collection_lengths(coll, r);
                }
                Node::Collection(c) | Node::Position { coll: c, .. } => {
                    self.collection_lengths(c, r)
                }
                Node::Concat { parts } => {
                    for p in parts {
                        self.collection_lengths(p, r);
                    }
                }
                Node::P4Of { coll, .. } => {
                    for part in coll.split('+') {
                        self.fields(part, &["pt", "eta", "phi", "mass"], r);
                    }
                }
                Node::DeltaR { colls, .. }
                | Node::DeltaPhi { colls, .. }
                | Node::MinDeltaR { colls, .. } => {
                    for c in colls {
                        for part in c.split('+') {
                            self.fields(part, &["eta", "phi"], r);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn define(&mut self, id: usize, r: &Registry) {
        if !self.defines.insert(id) {
            return;
        }
        if let Some(d) = r.defines.get(id) {
            self.node(&d.typed.node, r);
            if self.variants {
                for (_, v) in &d.variants {
                    self.node(&v.node, r);
                }
            }
        }
    }

    fn col(&mut self, col: &Col, r: &Registry) {
        match col {
            Col::Branch(b) => {
                self.branches.insert(b.clone());
            }
            Col::Define(id) => self.define(*id, r),
            Col::Gather { sel, col } => {
                self.define(*sel, r);
                self.col(col, r);
            }
        }
    }

    /// Everything a collection version's records need: its lengths; for four-vectors and
    /// angles its kinematic fields (added by [`Deps::collection`]).
    fn collection_lengths(&mut self, key: &str, r: &Registry) {
        for part in key.split('+') {
            let mut k = part.to_string();
            let mut steps = 0;
            while let Some(def) = r.collections.get(&k) {
                steps += 1;
                if steps > 10_000 {
                    break;
                }
                match &def.base {
                    CollBase::File => {
                        self.file_collections.insert(k.clone());
                        break;
                    }
                    CollBase::Same(other) => k = other.clone(),
                    CollBase::Selected(sel) => {
                        self.define(*sel, r);
                        break;
                    }
                }
            }
        }
    }

    /// Some fields of a collection version (for four-vectors and angles), and its lengths.
    fn fields(&mut self, key: &str, names: &[&str], r: &Registry) {
        self.collection_lengths(key, r);
        if let Some(def) = r.collections.get(key) {
            for f in names {
                if let Some((c, _)) = def.fields.get(*f) {
                    self.col(c, r);
                }
            }
        }
    }

    /// A collection version as a whole, for the caches the evaluator keeps per collection
    /// (its four-vectors): its lengths and kinematic fields.
    fn collection(&mut self, key: &str, r: &Registry) {
        if !self.seen_colls.insert(key.to_string()) {
            return;
        }
        self.fields(key, &["pt", "eta", "phi", "mass"], r);
    }
}

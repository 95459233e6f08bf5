//! What names an expression can use: the tree's branches, grouped into collections.
//!
//! Branches that share a prefix form a **collection of records**: `Muon_pt`, `Muon_eta`, … are
//! the fields `pt`, `eta`, … of the collection `Muon`, written `Muon.pt`. This works the same for
//! NanoAOD counted arrays (`nMuon` + `Muon_pt[nMuon]`) and for `std::vector` branches.

use std::collections::BTreeMap;

use rootio::{ColumnKind, Dataset, Interpretation, PrimitiveType, Tree};

/// The number type of a column, as C++ computes with it.
///
/// `Char_t`, `Short_t` and their unsigned forms are promoted to `int` in C++ arithmetic, so
/// their columns are [`Num::I32`]; `UInt_t` stays unsigned (`nJet - 5` wraps as in C++), and
/// 64-bit integers keep their signedness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Num {
    /// Booleans (`Bool_t`).
    Bool,
    /// `int` (also `Char_t`, `UChar_t`, `Short_t`, `UShort_t` after promotion).
    I32,
    /// `unsigned int` (`UInt_t`).
    U32,
    /// `long` / `Long64_t`.
    I64,
    /// `unsigned long` / `ULong64_t`.
    U64,
    /// 32-bit floats (`Float_t`).
    F32,
    /// 64-bit floats (`Double_t`).
    F64,
}

impl Num {
    /// A name for messages, as C++ spells it.
    pub fn name(self) -> &'static str {
        match self {
            Num::Bool => "bool",
            Num::I32 => "int",
            Num::U32 => "unsigned int",
            Num::I64 => "long",
            Num::U64 => "unsigned long",
            Num::F32 => "float",
            Num::F64 => "double",
        }
    }
    /// Whether this is a number (not a bool).
    pub fn is_number(self) -> bool {
        self != Num::Bool
    }
    /// Whether this is an integer type (not a bool, not a float).
    pub fn is_integer(self) -> bool {
        matches!(self, Num::I32 | Num::U32 | Num::I64 | Num::U64)
    }
    /// Whether this is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, Num::F32 | Num::F64)
    }
    /// C++'s integral promotion: `bool` becomes `int`; every other type stays.
    pub fn promoted(self) -> Num {
        if self == Num::Bool {
            Num::I32
        } else {
            self
        }
    }
    /// The type two operands of a binary operator are converted to: C++'s usual arithmetic
    /// conversions on a 64-bit Linux machine (`long` is 64 bits, so `long` with `unsigned int`
    /// is `long`; `int` with `unsigned int` is `unsigned int`).
    pub fn common(a: Num, b: Num) -> Num {
        use Num::*;
        let (a, b) = (a.promoted(), b.promoted());
        match (a, b) {
            (F64, _) | (_, F64) => F64,
            (F32, _) | (_, F32) => F32,
            (x, y) if x == y => x,
            (U64, _) | (_, U64) => U64,
            (I64, _) | (_, I64) => I64,
            (U32, _) | (_, U32) => U32,
            _ => I32,
        }
    }
}

/// How a branch looks per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchType {
    /// One value per event.
    Scalar(Num),
    /// A list of values per event.
    List(Num),
}

/// A collection: branches `Name_field` sharing a length per event.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// The collection name (`Muon`).
    pub name: String,
    /// Field name → branch name (`pt` → `Muon_pt`).
    pub fields: BTreeMap<String, String>,
    /// The counter branch (`nMuon`), if the file has one.
    pub counter: Option<String>,
}

/// The names available to expressions.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Readable branches by name.
    pub branches: BTreeMap<String, BranchType>,
    /// Collections by name.
    pub collections: BTreeMap<String, Collection>,
    /// Branches expressions cannot read (strings, objects, nested lists), with their type, so
    /// that using one says why rather than "unknown name".
    pub unreadable: BTreeMap<String, String>,
}

/// The C++ arithmetic type of a stored type: small integers are promoted to `int`.
pub fn num_of(p: PrimitiveType) -> Num {
    match p {
        PrimitiveType::Bool => Num::Bool,
        PrimitiveType::F32 => Num::F32,
        PrimitiveType::F64 => Num::F64,
        PrimitiveType::U32 => Num::U32,
        PrimitiveType::I64 => Num::I64,
        PrimitiveType::U64 => Num::U64,
        _ => Num::I32,
    }
}

impl Schema {
    /// The schema of a tree: every branch of numbers or lists of numbers.
    pub fn of_tree(tree: &Tree) -> Schema {
        let mut s = Schema::default();
        for b in tree.data_branches() {
            let Ok(interp) = &b.interpretation else {
                s.unreadable.insert(b.name.clone(), b.type_name());
                continue;
            };
            let ty = match interp {
                Interpretation::Fixed { element, shape } if shape.is_empty() => {
                    BranchType::Scalar(num_of(element.memory_type()))
                }
                Interpretation::Fixed { element, .. }
                | Interpretation::Counted { element, .. }
                | Interpretation::Vector { element } => {
                    BranchType::List(num_of(element.memory_type()))
                }
                _ => {
                    s.unreadable.insert(b.name.clone(), b.type_name());
                    continue;
                }
            };
            s.branches.insert(b.name.clone(), ty);
        }
        s.find_collections();
        s
    }

    /// The schema of a TTree or an RNTuple: every column of numbers or lists of numbers
    /// (RNTuple fields play the role of branches: `Muon_pt` of a NanoAOD-style RNTuple is the
    /// field `Muon_pt`, and `Muon` its collection).
    pub fn of_dataset(d: &Dataset) -> Schema {
        if let Some(t) = d.as_tree() {
            return Schema::of_tree(t);
        }
        let mut unreadable = BTreeMap::new();
        let mut s = Schema::from_branches(d.columns().into_iter().filter_map(|(n, k)| match k {
            ColumnKind::Scalar(p) => Some((n, BranchType::Scalar(num_of(p)))),
            ColumnKind::List(p) => Some((n, BranchType::List(num_of(p)))),
            ColumnKind::Other => {
                let ty = d
                    .type_name(&n)
                    .unwrap_or_else(|| "an unsupported type".into());
                unreadable.insert(n, ty);
                None
            }
        }));
        s.unreadable = unreadable;
        s
    }

    /// A schema from explicit branch types (for tests and other sources).
    pub fn from_branches(branches: impl IntoIterator<Item = (String, BranchType)>) -> Schema {
        let mut s = Schema {
            branches: branches.into_iter().collect(),
            collections: BTreeMap::new(),
            unreadable: BTreeMap::new(),
        };
        s.find_collections();
        s
    }

    fn find_collections(&mut self) {
        for (name, ty) in &self.branches {
            let BranchType::List(_) = ty else { continue };
            let Some((prefix, field)) = name.split_once('_') else {
                continue;
            };
            if prefix.is_empty() || field.is_empty() {
                continue;
            }
            let counter = format!("n{prefix}");
            let c = self
                .collections
                .entry(prefix.to_string())
                .or_insert_with(|| Collection {
                    name: prefix.to_string(),
                    fields: BTreeMap::new(),
                    counter: None,
                });
            c.fields.insert(field.to_string(), name.clone());
            if matches!(
                self.branches.get(&counter),
                Some(BranchType::Scalar(n)) if n.is_integer()
            ) {
                c.counter = Some(counter);
            }
        }
    }

    /// All names an expression may use (branches and collections), for suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.branches
            .keys()
            .chain(self.collections.keys())
            .map(String::as_str)
    }
}

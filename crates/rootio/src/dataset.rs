//! A dataset: a TTree or an RNTuple, seen the same way by everything above the reader — entries,
//! cluster boundaries, the type of each column, and columns read into [`Array`]s.
//!
//! TTree branches and RNTuple fields give the same `Array` shapes for the same data (a NanoAOD
//! `Muon_pt[nMuon]` branch and an `ROOT::RVec<float>` field both read as `Jagged` `F32`), so an
//! analysis runs unchanged on either.

use std::ops::Range;

use crate::array::{Array, PrimitiveType};
use crate::error::Result;
use crate::file::RootFile;
use crate::rntuple::RNTuple;
use crate::tree::{Branch, Interpretation, ReadOptions, Tree};

/// The key class of an RNTuple anchor.
const RNTUPLE_CLASS: &str = "ROOT::RNTuple";

/// What a column holds per entry, as far as analyses care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnKind {
    /// One number.
    Scalar(PrimitiveType),
    /// A list of numbers (variable or fixed length).
    List(PrimitiveType),
    /// Something else (strings, records, nested lists): readable, but not a number or a list of
    /// numbers.
    Other,
}

/// A TTree or an RNTuple.
#[derive(Debug, Clone)]
pub enum Dataset {
    /// A TTree.
    Tree(Tree),
    /// An RNTuple.
    RNTuple(RNTuple),
}

impl RootFile {
    /// Open the TTree or RNTuple at `path`, whichever it is.
    pub fn dataset(&self, path: &str) -> Result<Dataset> {
        let key = self.key(path)?;
        if key.class_name == RNTUPLE_CLASS {
            Ok(Dataset::RNTuple(self.rntuple(path)?))
        } else {
            Ok(Dataset::Tree(self.tree(path)?))
        }
    }
}

fn primitive(name: &str) -> Option<PrimitiveType> {
    Some(match name {
        "bool" => PrimitiveType::Bool,
        "int8" => PrimitiveType::I8,
        "uint8" => PrimitiveType::U8,
        "int16" => PrimitiveType::I16,
        "uint16" => PrimitiveType::U16,
        "int32" => PrimitiveType::I32,
        "uint32" => PrimitiveType::U32,
        "int64" => PrimitiveType::I64,
        "uint64" => PrimitiveType::U64,
        "float32" => PrimitiveType::F32,
        "float64" => PrimitiveType::F64,
        _ => return None,
    })
}

/// `float32` → scalar, `var * float32` or `3 * float32` → list; anything else is `Other`.
fn kind_of_array_type(t: &str) -> ColumnKind {
    if let Some(p) = primitive(t) {
        return ColumnKind::Scalar(p);
    }
    if let Some((outer, inner)) = t.split_once(" * ") {
        let outer_ok = outer == "var" || outer.parse::<u64>().is_ok();
        if let (true, Some(p)) = (outer_ok, primitive(inner)) {
            return ColumnKind::List(p);
        }
    }
    ColumnKind::Other
}

impl Dataset {
    /// The dataset's name as given.
    pub fn is_rntuple(&self) -> bool {
        matches!(self, Dataset::RNTuple(_))
    }

    /// The TTree, if it is one.
    pub fn as_tree(&self) -> Option<&Tree> {
        match self {
            Dataset::Tree(t) => Some(t),
            Dataset::RNTuple(_) => None,
        }
    }

    /// The RNTuple, if it is one.
    pub fn as_rntuple(&self) -> Option<&RNTuple> {
        match self {
            Dataset::RNTuple(r) => Some(r),
            Dataset::Tree(_) => None,
        }
    }

    /// Number of entries.
    pub fn entries(&self) -> u64 {
        match self {
            Dataset::Tree(t) => t.entries,
            Dataset::RNTuple(r) => r.entries,
        }
    }

    /// The file it is in.
    pub fn file(&self) -> &RootFile {
        match self {
            Dataset::Tree(t) => t.file(),
            Dataset::RNTuple(r) => r.file(),
        }
    }

    /// The end entry of each cluster, ascending (the last one is [`Dataset::entries`]).
    pub fn cluster_ends(&self) -> Vec<u64> {
        match self {
            Dataset::Tree(t) => t.clusters().iter().map(|c| c.end).collect(),
            Dataset::RNTuple(r) => r.clusters().iter().map(|c| c.end).collect(),
        }
    }

    /// The top-level columns (branches with data, or fields) in order, with their kinds.
    pub fn columns(&self) -> Vec<(String, ColumnKind)> {
        match self {
            Dataset::Tree(t) => {
                let data = t.data_branches();
                // A name several data branches share is given by path (see `Tree::branch`).
                let shared = |b: &Branch| data.iter().filter(|o| o.name == b.name).count() > 1;
                data.iter()
                    .map(|b| {
                        let kind = match &b.interpretation {
                            Ok(Interpretation::Fixed { element, shape }) if shape.is_empty() => {
                                ColumnKind::Scalar(element.memory_type())
                            }
                            Ok(
                                Interpretation::Fixed { element, .. }
                                | Interpretation::Counted { element, .. }
                                | Interpretation::Vector { element },
                            ) => ColumnKind::List(element.memory_type()),
                            _ => ColumnKind::Other,
                        };
                        let name = if shared(b) { &b.path } else { &b.name };
                        (name.clone(), kind)
                    })
                    .collect()
            }
            Dataset::RNTuple(r) => r
                .fields()
                .iter()
                .map(|f| {
                    let kind = match &f.array_type {
                        Ok(t) => kind_of_array_type(t),
                        Err(_) => ColumnKind::Other,
                    };
                    (f.name.clone(), kind)
                })
                .collect(),
        }
    }

    /// The C++ type of a column, for display.
    pub fn type_name(&self, column: &str) -> Option<String> {
        match self {
            Dataset::Tree(t) => t.branch(column).ok().map(|b| b.type_name()),
            Dataset::RNTuple(r) => r.field(column).ok().map(|f| f.type_name.clone()),
        }
    }

    /// The byte ranges of the file that reading `columns` over `entries` needs (TTree baskets;
    /// empty for an RNTuple, whose reader announces each cluster's pages itself).
    pub fn basket_ranges(&self, columns: &[&str], entries: Range<u64>) -> Vec<Range<u64>> {
        match self {
            Dataset::Tree(t) => t.basket_ranges(columns, entries),
            Dataset::RNTuple(_) => Vec::new(),
        }
    }

    /// Tell the file's source which bytes reading `columns` over `entries` will need, so that
    /// a remote source fetches them in a few requests ahead of time and a local file's are read
    /// into the page cache in the background (see
    /// [`ByteSource::prefetch`](crate::ByteSource::prefetch)); nothing for an RNTuple.
    pub fn prefetch(&self, columns: &[&str], entries: Range<u64>) -> Result<()> {
        let ranges = self.basket_ranges(columns, entries);
        if ranges.is_empty() {
            return Ok(());
        }
        self.file().source().prefetch(&ranges)
    }

    /// Read columns over an entry range into `out`, reusing its arrays' buffers where the
    /// reader can (TTrees: [`crate::Tree::read_branches_into`]).
    pub fn read_into(
        &self,
        names: &[&str],
        entries: Range<u64>,
        options: &ReadOptions,
        out: &mut Vec<Array>,
    ) -> Result<()> {
        match self {
            Dataset::Tree(t) => t.read_branches_into(names, entries, options, out),
            Dataset::RNTuple(r) => {
                *out = r.read_fields(names, entries, options)?;
                Ok(())
            }
        }
    }

    /// Read columns over an entry range.
    pub fn read(
        &self,
        names: &[&str],
        entries: Range<u64>,
        options: &ReadOptions,
    ) -> Result<Vec<Array>> {
        match self {
            Dataset::Tree(t) => t.read_branches(names, entries, options),
            Dataset::RNTuple(r) => r.read_fields(names, entries, options),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_types() {
        assert_eq!(
            kind_of_array_type("float32"),
            ColumnKind::Scalar(PrimitiveType::F32)
        );
        assert_eq!(
            kind_of_array_type("var * int32"),
            ColumnKind::List(PrimitiveType::I32)
        );
        assert_eq!(
            kind_of_array_type("3 * float64"),
            ColumnKind::List(PrimitiveType::F64)
        );
        assert_eq!(kind_of_array_type("var * var * float32"), ColumnKind::Other);
        assert_eq!(kind_of_array_type("string"), ColumnKind::Other);
    }
}

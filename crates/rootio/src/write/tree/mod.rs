//! Writing TTrees that ROOT, uproot and hepframe read: flat branches, fixed-size arrays,
//! NanoAOD-style counted arrays and `std::vector<T>`.
//!
//! A [`TreeWriter`] takes the branch list up front ([`BranchSpec`], one [`BranchLayout`] each),
//! then columns of entries ([`TreeWriter::append`], any number of times, any number of entries
//! each), and writes baskets into a [`FileWriter`] as they fill; [`TreeWriter::finish`] writes
//! the last baskets and the `TTree` object under the tree's name.
//!
//! ```
//! use rootio::write::{BranchLayout, BranchSpec, FileWriter, TreeOptions, TreeWriter};
//! use rootio::{Array, PrimitiveType as P, ReadOptions, RootFile};
//! # fn main() -> rootio::Result<()> {
//! let path = std::env::temp_dir().join("rootio-doc-skim.root");
//! let mut file = FileWriter::create(&path, Default::default())?;
//! let counted = BranchLayout::Counted { element: P::F32, counter: "nMuon".into() };
//! let mut tree = TreeWriter::new(
//!     "Events",
//!     vec![
//!         BranchSpec::new("MET_pt", BranchLayout::Scalar(P::F32)),
//!         BranchSpec::new("nMuon", BranchLayout::Scalar(P::U32)),
//!         BranchSpec::new("Muon_pt", counted).with_title("muon p_{T}"),
//!         BranchSpec::new("Jet_pt", BranchLayout::Vector(P::F32)),
//!     ],
//!     TreeOptions::default(),
//! )?;
//! // Two entries: 2 muons and 2 jets, then no muon and 1 jet.
//! let jagged = |offsets: Vec<i64>, v: Vec<f32>| Array::Jagged {
//!     offsets: offsets.into(),
//!     values: Box::new(Array::F32(v)),
//! };
//! tree.append(
//!     &mut file,
//!     &[
//!         Array::F32(vec![25.0, 31.5]),
//!         Array::U32(vec![2, 0]),
//!         jagged(vec![0, 2, 2], vec![40.0, 12.5]),
//!         jagged(vec![0, 2, 3], vec![50.0, 30.0, 45.0]),
//!     ],
//! )?;
//! tree.finish(&mut file)?;
//! file.close()?;
//!
//! let back = RootFile::open(&path)?.tree("Events")?.read_branch("Muon_pt", 0..2)?;
//! assert_eq!(back, jagged(vec![0, 2, 2], vec![40.0, 12.5]));
//! # std::fs::remove_file(&path).ok();
//! # Ok(()) }
//! ```
//!
//! # Faithful to ROOT
//!
//! The writer repeats `TTree::Fill`'s decisions entry for entry
//! (`root-project/root:tree/tree/src/`: `TTree.cxx` `TTree::Fill`, `TTree::OptimizeBaskets`;
//! `TBranch.cxx` `FillImpl`, `WriteBasketImpl`; `TBasket.cxx` `Update`, `WriteBuffer`; the
//! rules are spelled out in `src/write/tree/branch.rs` and `fill.rs`): a basket is written
//! when the next entry of the same size would overflow the basket size; after the first cluster,
//! `TTree::OptimizeBaskets` resizes the baskets so that a cluster fits in about one basket per
//! branch; a cluster ends every `fAutoFlush` entries, and then every branch writes its basket,
//! so that all branches' baskets start on every cluster boundary (ROOT's
//! `TTree::TClusterIterator`, uproot's `common_entry_offsets` and hepframe's
//! [`crate::Tree::clusters`] all agree). For the same entries and options ROOT writes the
//! same baskets: `tests/write_tree_golden.rs` compares uncompressed trees written here with
//! trees written by ROOT 6.40 byte for byte, apart from where the records lie in the file.
//!
//! Baskets written in the same step are compressed in parallel, and the writer's output does
//! not depend on how the entries are split into `append` calls.
//!
//! What this fixes compared with uproot's writer (`root-format.md` §5): every basket of a
//! variable-size branch carries its entry-offset array (so ROOT's `TTree::Draw` counts
//! entries right), branches may hold any number of baskets (`fMaxBaskets` grows as in ROOT),
//! `std::vector<T>` branches are written, and files past 2 GB use 64-bit seeks everywhere.

mod branch;
mod columns;
mod fill;
mod meta;

use self::branch::{BranchWriter, PendingBasket, Shape};
use self::columns::{check_offsets, primitive_size, Column, Values, MAX_ENTRY_BYTES};
use crate::array::{Array, PrimitiveType};
use crate::error::{Error, Result};
use crate::write::compress::Compression;
use crate::write::FileWriter;

/// ROOT's default `fAutoFlush`: a cluster ends once 30 MB of compressed baskets are written.
pub const DEFAULT_AUTO_FLUSH: i64 = -30_000_000;
/// ROOT's default `fAutoSave` (ROOT's own trees rewrite their header every so many bytes; this
/// writer only stores the value ROOT would have).
const DEFAULT_AUTO_SAVE: i64 = -300_000_000;
/// ROOT's default basket size (`TTree::Branch`'s `bufsize`).
pub const DEFAULT_BASKET_SIZE: usize = 32_000;
/// The smallest basket size ROOT accepts (`TTree::Branch` raises smaller ones to it).
const MIN_BASKET_SIZE: usize = 100;
/// The largest basket size accepted here (`TTree::OptimizeBaskets` stops at 1 GB too).
const MAX_BASKET_SIZE: usize = 1 << 30;
/// Names longer than this cannot be looked up in ROOT (`kMaxLen`).
const MAX_NAME_LEN: usize = 2048;

/// How a branch stores each entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchLayout {
    /// One value per entry: `x/F` (a `TBranch` with a `TLeafF`; `/O B b S s I i L l F D` for
    /// the 11 types).
    Scalar(PrimitiveType),
    /// A fixed-size array per entry, row-major: `x[3]/F`, `m[2][3]/D`.
    Fixed {
        /// The element type.
        element: PrimitiveType,
        /// The dimensions (each at least 1).
        shape: Vec<usize>,
    },
    /// A variable-size array whose length is another branch's value, as in NanoAOD:
    /// `Muon_pt[nMuon]/F`. The counter must be an integer [`BranchLayout::Scalar`] branch of
    /// the same tree that comes earlier in the branch list, of 16, 32 or 64 bits (ROOT cannot
    /// use 8-bit counters: `TLeafB::fMaximum` overflows and RDataFrame refuses them).
    Counted {
        /// The element type.
        element: PrimitiveType,
        /// The name of the counter branch.
        counter: String,
    },
    /// A `std::vector<T>` per entry: a `TBranchElement` of class `vector<T>`, as
    /// `tree->Branch("v", &vec)` makes it.
    Vector(PrimitiveType),
}

/// A branch to write: its name, title and layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchSpec {
    /// The branch (and leaf) name. Must not contain `/`, `:`, `[` or `]`.
    pub name: String,
    /// The branch title; `None` gives ROOT's default (the leaf list `x[nMuon]/F` for a
    /// `TBranch`, the name for a `std::vector` branch). NanoAOD stores documentation here.
    pub title: Option<String>,
    /// How entries are stored.
    pub layout: BranchLayout,
}

impl BranchSpec {
    /// A branch with ROOT's default title.
    pub fn new(name: impl Into<String>, layout: BranchLayout) -> Self {
        BranchSpec {
            name: name.into(),
            title: None,
            layout,
        }
    }

    /// The same branch with a title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// Options of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeOptions {
    /// The initial basket size of every branch in bytes (`TTree::Branch`'s `bufsize`),
    /// [`DEFAULT_BASKET_SIZE`] (32000) by default. Sizes below 100 are raised to 100, as ROOT
    /// does; at most 1 GiB. After the first cluster, baskets are resized as
    /// `TTree::OptimizeBaskets` does.
    pub basket_size: usize,
    /// The cluster size (ROOT's `TTree::SetAutoFlush`): a positive value is a number of entries
    /// per cluster; a negative value is a byte budget, the first cluster ending once that many
    /// compressed bytes are written and later clusters having as many entries as the first;
    /// 0 means ROOT's default, [`DEFAULT_AUTO_FLUSH`] (30 MB). A tree that stays below the byte
    /// budget is a single cluster.
    pub auto_flush: i64,
    /// The tree's title.
    pub title: String,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            basket_size: DEFAULT_BASKET_SIZE,
            auto_flush: 0,
            title: String::new(),
        }
    }
}

/// Writes one TTree into a [`FileWriter`]; see the [module documentation](self).
///
/// Entries are given as columns, one [`Array`] per branch ([`TreeWriter::append`]); baskets are
/// written to the file as they fill. Nothing is visible in the file's directory until
/// [`TreeWriter::finish`] stores the `TTree` object; a writer dropped without `finish` leaves
/// only unreferenced baskets behind (and a file that ROOT reads without the tree).
#[derive(Debug)]
pub struct TreeWriter {
    name: String,
    title: String,
    branches: Vec<BranchWriter>,
    /// The file this tree is written into (set by the first call that gets a file).
    file_id: Option<u64>,
    compression: Compression,
    // TTree.
    entries: i64,
    tot_bytes: i64,
    zip_bytes: i64,
    saved_bytes: i64,
    flushed_bytes: i64,
    auto_flush: i64,
    auto_save: i64,
    /// Baskets taken from their branches, in ROOT's writing order, not yet written, and
    /// their uncompressed size (key included).
    pending: Vec<PendingBasket>,
    pending_bytes: usize,
    /// Set when writing failed half-way: the tree's state no longer matches the file.
    broken: Option<String>,
}

fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.len() >= MAX_NAME_LEN || name.contains('\0') {
        return Err(Error::invalid_input(format!(
            "{what} name '{name}' must be non-empty, without NUL, and shorter than \
             {MAX_NAME_LEN} bytes"
        )));
    }
    Ok(())
}

/// The largest count a counter of type `p` can hold so that ROOT accepts it: its
/// `TLeaf::fMaximum` is of the leaf's signed type.
fn max_count(p: PrimitiveType) -> Option<i128> {
    match p {
        PrimitiveType::I16 | PrimitiveType::U16 => Some(i16::MAX as i128),
        PrimitiveType::I32 | PrimitiveType::U32 => Some(i32::MAX as i128),
        PrimitiveType::I64 | PrimitiveType::U64 => Some(i64::MAX as i128),
        _ => None,
    }
}

impl TreeWriter {
    /// A tree called `name` with `branches`, in this order.
    ///
    /// Errors ([`crate::ErrorKind::InvalidInput`]): an empty branch list, an empty,
    /// repeated or malformed name (`/`, `:`, `[`, `]`), a fixed shape with no or a zero
    /// dimension, a counter that is not an earlier 16-, 32- or 64-bit integer scalar branch,
    /// a basket size over 1 GiB.
    pub fn new(name: &str, branches: Vec<BranchSpec>, options: TreeOptions) -> Result<TreeWriter> {
        Self::new_inner(name, branches, options).map_err(|e| e.in_object(name.to_string()))
    }

    fn new_inner(name: &str, specs: Vec<BranchSpec>, options: TreeOptions) -> Result<TreeWriter> {
        check_name("tree", name)?;
        if name.contains('/') || name.contains(';') {
            return Err(Error::invalid_input(format!(
                "tree name '{name}' must contain neither '/' nor ';'"
            )));
        }
        if specs.is_empty() {
            return Err(Error::invalid_input("a tree needs at least one branch"));
        }
        if options.basket_size > MAX_BASKET_SIZE {
            return Err(Error::invalid_input(format!(
                "basket size {} is over the {MAX_BASKET_SIZE} bytes ROOT handles",
                options.basket_size
            )));
        }
        let basket_size = options.basket_size.max(MIN_BASKET_SIZE) as i32;
        let mut branches: Vec<BranchWriter> = Vec::with_capacity(specs.len());
        for spec in specs {
            let bname = spec.name;
            check_name("branch", &bname)?;
            if let Some(c) = bname.chars().find(|c| matches!(c, '/' | ':' | '[' | ']')) {
                return Err(Error::invalid_input(format!(
                    "branch name '{bname}' contains '{c}', which ROOT's leaf lists reserve"
                )));
            }
            if branches.iter().any(|b| b.name == bname) {
                return Err(Error::invalid_input(format!(
                    "two branches are called '{bname}'"
                )));
            }
            let (shape, element) = resolve_layout(spec.layout, &bname, &mut branches)?;
            let title = match spec.title {
                Some(t) => t,
                None if shape == Shape::Vector => bname.clone(),
                None => format!(
                    "{}/{}",
                    meta::leaf_title(&bname, &shape),
                    meta::leaf_class(element).1
                ),
            };
            branches.push(BranchWriter::new(
                bname,
                title,
                shape,
                element,
                basket_size,
                name,
            ));
        }
        let auto_flush = if options.auto_flush == 0 {
            DEFAULT_AUTO_FLUSH
        } else {
            options.auto_flush
        };
        Ok(TreeWriter {
            name: name.to_string(),
            title: options.title,
            branches,
            file_id: None,
            compression: Compression::None,
            entries: 0,
            tot_bytes: 0,
            zip_bytes: 0,
            saved_bytes: 0,
            flushed_bytes: 0,
            auto_flush,
            auto_save: DEFAULT_AUTO_SAVE,
            pending: Vec::new(),
            pending_bytes: 0,
            broken: None,
        })
    }

    /// The tree's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Entries appended so far.
    pub fn entries(&self) -> u64 {
        self.entries as u64
    }

    /// Append entries: one column per branch, in branch order, all with the same number of
    /// entries.
    ///
    /// * [`BranchLayout::Scalar`]: the primitive array of exactly that type (`Array::F32`, …).
    /// * [`BranchLayout::Fixed`]: `Array::Fixed { size, values }` with `size` the product of
    ///   the shape and `values` of the element type.
    /// * [`BranchLayout::Counted`] and [`BranchLayout::Vector`]: `Array::Jagged { offsets,
    ///   values }` (`n + 1` offsets from 0). For a counted branch, the counter branch's column
    ///   must hold each entry's length.
    ///
    /// Full baskets are written to `file` on the way. Errors: [`crate::ErrorKind::InvalidInput`]
    /// for columns that do not fit the branches (nothing is written then, and the writer stays
    /// usable), or for a second file; [`crate::ErrorKind::WriteIo`] when writing fails (the
    /// writer is then unusable).
    pub fn append(&mut self, file: &mut FileWriter, columns: &[Array]) -> Result<()> {
        let located = |e: Error, file: &FileWriter, name: &str| {
            let e = if e.location.object.is_none() {
                e.in_object(name.to_string())
            } else {
                e
            };
            e.in_file(file.path())
        };
        self.check_usable(file)
            .map_err(|e| located(e, file, &self.name))?;
        let cols = self
            .columns(columns)
            .map_err(|e| located(e, file, &self.name))?;
        let n = cols.first().map(|c| c.len()).unwrap_or(0);
        // TLeaf::fMaximum of counter leaves: the largest count filled.
        for (b, c) in self.branches.iter_mut().zip(&cols) {
            if let (true, Column::Flat { values, .. }) = (b.is_counter, c) {
                let max = (0..values.len())
                    .filter_map(|i| values.integer(i))
                    .max()
                    .unwrap_or(0);
                b.leaf_maximum = b.leaf_maximum.max(max.min(i64::MAX as i128) as i64);
            }
        }
        let result = self.write_entries(file, &cols, n);
        if let Err(e) = &result {
            self.broken = Some(e.to_string());
        }
        result.map_err(|e| located(e, file, &self.name))
    }

    /// Write the remaining baskets and the `TTree` object (a key named like the tree in the
    /// file's top directory).
    pub fn finish(mut self, file: &mut FileWriter) -> Result<()> {
        let name = self.name.clone();
        let path = file.path().to_path_buf();
        let result = (|| {
            self.check_usable(file)?;
            // TTree::Write: FlushBasketsImpl, then the tree itself.
            self.flush_baskets(file)?;
            let obj = meta::TreeObject {
                tree: &self,
                compress: self.compression.root_setting(),
            };
            file.write_object(&self.name, &obj)
        })();
        result.map_err(|e| {
            if e.location.object.is_none() {
                e.in_object(name).in_file(path)
            } else {
                e.in_file(path)
            }
        })
    }

    fn check_usable(&mut self, file: &FileWriter) -> Result<()> {
        if let Some(why) = &self.broken {
            return Err(Error::invalid_input(format!(
                "an earlier write of this tree failed ({why}); the tree cannot be continued"
            )));
        }
        match self.file_id {
            None => {
                self.file_id = Some(file.id());
                self.compression = file.options().compression;
            }
            Some(id) if id != file.id() => {
                return Err(Error::invalid_input(
                    "a tree's entries must all go into the file it was started in",
                ))
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// Check `columns` against the branches and view them as [`Column`]s.
    fn columns<'a>(&self, columns: &'a [Array]) -> Result<Vec<Column<'a>>> {
        if columns.len() != self.branches.len() {
            return Err(Error::invalid_input(format!(
                "{} columns for {} branches (one column per branch, in branch order)",
                columns.len(),
                self.branches.len()
            )));
        }
        let mut out = Vec::with_capacity(columns.len());
        for (b, array) in self.branches.iter().zip(columns) {
            let col =
                column(b, array).map_err(|e| e.in_object(format!("{}/{}", self.name, b.name)))?;
            out.push(col);
        }
        let n = out[0].len();
        for (b, c) in self.branches.iter().zip(&out) {
            if c.len() != n {
                return Err(Error::invalid_input(format!(
                    "branch '{}' has {} entries, branch '{}' {n}: all columns need the same number",
                    b.name,
                    c.len(),
                    self.branches[0].name
                )));
            }
        }
        for (b, c) in self.branches.iter().zip(&out) {
            let (Shape::Counted(ci, counter), Column::Jagged { offsets, .. }) = (&b.shape, c)
            else {
                continue;
            };
            let Column::Flat { values, .. } = &out[*ci] else {
                continue;
            };
            let max = max_count(values.primitive()).unwrap_or(i64::MAX as i128);
            for i in 0..n {
                let want = (offsets[i + 1] - offsets[i]) as i128;
                let got = values.integer(i).unwrap_or(-1);
                if got != want {
                    return Err(Error::invalid_input(format!(
                        "entry {i}: counter '{counter}' is {got} but branch '{}' has {want} values",
                        b.name
                    ))
                    .in_object(format!("{}/{}", self.name, b.name)));
                }
                if want > max {
                    return Err(Error::invalid_input(format!(
                        "entry {i}: {want} values in branch '{}' do not fit its {} counter \
                         '{counter}' (at most {max}: ROOT keeps the maximum in a signed leaf)",
                        b.name,
                        values.primitive().root_name()
                    ))
                    .in_object(format!("{}/{}", self.name, b.name)));
                }
            }
        }
        Ok(out)
    }
}

/// The [`Shape`] and element type of a branch called `name`, checking the layout against the
/// branches before it (and marking a counter as such).
fn resolve_layout(
    layout: BranchLayout,
    name: &str,
    earlier: &mut [BranchWriter],
) -> Result<(Shape, PrimitiveType)> {
    Ok(match layout {
        BranchLayout::Scalar(p) => (Shape::Scalar, p),
        BranchLayout::Vector(p) => (Shape::Vector, p),
        BranchLayout::Fixed { element, shape } => {
            let bytes = shape
                .iter()
                .try_fold(primitive_size(element), |acc, d| acc.checked_mul(*d))
                .filter(|b| *b <= MAX_ENTRY_BYTES);
            if shape.is_empty() || shape.contains(&0) || bytes.is_none() {
                return Err(Error::invalid_input(format!(
                    "branch '{name}': fixed shape {shape:?} must have dimensions of at least 1 \
                     and at most {MAX_ENTRY_BYTES} bytes per entry"
                )));
            }
            (Shape::Fixed(shape), element)
        }
        BranchLayout::Counted { element, counter } => {
            let Some(ci) = earlier.iter().position(|b| b.name == counter) else {
                let why = if counter == name {
                    " (a branch cannot count itself)"
                } else {
                    ""
                };
                return Err(Error::invalid_input(format!(
                    "branch '{name}': counter '{counter}' is not an earlier branch of the \
                     tree{why}"
                )));
            };
            let c = &mut earlier[ci];
            if c.shape != Shape::Scalar || max_count(c.element).is_none() {
                return Err(Error::invalid_input(format!(
                    "branch '{name}': counter '{counter}' must be a scalar branch of a 16-, 32- \
                     or 64-bit integer type, not {} (ROOT mishandles 8-bit counters and \
                     RDataFrame refuses them)",
                    describe(&c.shape, c.element)
                )));
            }
            c.is_counter = true;
            (Shape::Counted(ci, counter), element)
        }
    })
}

/// A branch's type in ROOT's words: `Float_t`, `Float_t[3]`, `Float_t[nMuon]`,
/// `vector<Float_t>`.
fn describe(shape: &Shape, element: PrimitiveType) -> String {
    let t = element.root_name();
    match shape {
        Shape::Scalar => t.to_string(),
        Shape::Vector => format!("vector<{t}>"),
        other => meta::leaf_title(t, other),
    }
}

/// View `array` as the column of branch `b`, checking its type and shape.
fn column<'a>(b: &BranchWriter, array: &'a Array) -> Result<Column<'a>> {
    let expected = || match &b.shape {
        Shape::Scalar => format!("{:?}", b.element),
        Shape::Fixed(dims) => format!(
            "Fixed {{ size: {}, values: {:?} }}",
            dims.iter().product::<usize>(),
            b.element
        ),
        Shape::Counted(..) | Shape::Vector => format!("Jagged {{ values: {:?} }}", b.element),
    };
    let wrong = || {
        Error::invalid_input(format!(
            "branch '{}' needs an array of {}, got {}",
            b.name,
            expected(),
            array.type_name()
        ))
    };
    let typed = |a: &'a Array| Values::of(a).filter(|v| v.primitive() == b.element);
    match (&b.shape, array) {
        (Shape::Scalar, a) => {
            let values = typed(a).ok_or_else(wrong)?;
            Ok(Column::Flat {
                values,
                per_entry: 1,
            })
        }
        (Shape::Fixed(dims), Array::Fixed { size, values }) => {
            let per_entry: usize = dims.iter().product();
            let values = typed(values).ok_or_else(wrong)?;
            if *size != per_entry {
                return Err(wrong());
            }
            if values.len() % per_entry != 0 {
                return Err(Error::invalid_input(format!(
                    "branch '{}': {} values are not a whole number of entries of {per_entry}",
                    b.name,
                    values.len()
                )));
            }
            Ok(Column::Flat { values, per_entry })
        }
        (Shape::Counted(..) | Shape::Vector, Array::Jagged { offsets, values }) => {
            let values = typed(values).ok_or_else(wrong)?;
            check_offsets(offsets, values.len(), primitive_size(b.element))
                .map_err(|e| Error::invalid_input(format!("branch '{}': {e}", b.name)))?;
            Ok(Column::Jagged {
                values,
                offsets,
                vector: b.shape == Shape::Vector,
            })
        }
        _ => Err(wrong()),
    }
}

impl BranchLayout {
    /// The element type.
    pub fn element(&self) -> PrimitiveType {
        match self {
            BranchLayout::Scalar(p) | BranchLayout::Vector(p) => *p,
            BranchLayout::Fixed { element, .. } | BranchLayout::Counted { element, .. } => *element,
        }
    }

    /// The layout that stores what [`crate::Tree::read_branches`] returns for `branch` of
    /// `tree`, so that a branch can be copied as it is: scalars, fixed arrays, counted arrays
    /// (with the counter branch's name) and `std::vector`s of numbers. `Float16_t` and
    /// `Double32_t` are written as the `Float_t` and `Double_t` they are read as. `None` for
    /// other branches (strings, objects, nested vectors, counted arrays with inner dimensions).
    pub fn of_branch(tree: &crate::Tree, branch: &crate::Branch) -> Option<BranchLayout> {
        use crate::tree::Interpretation as I;
        Some(match branch.interpretation.as_ref().ok()? {
            I::Fixed { element, shape } if shape.is_empty() => {
                BranchLayout::Scalar(element.memory_type())
            }
            I::Fixed { element, shape } => BranchLayout::Fixed {
                element: element.memory_type(),
                shape: shape.clone(),
            },
            I::Counted {
                element,
                inner,
                counter: Some(counter),
            } if inner.is_empty() => BranchLayout::Counted {
                element: element.memory_type(),
                counter: tree.branch(counter).ok()?.name.clone(),
            },
            I::Vector { element } => BranchLayout::Vector(element.memory_type()),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::PrimitiveType as P;

    fn spec(name: &str, layout: BranchLayout) -> BranchSpec {
        BranchSpec::new(name, layout)
    }

    #[test]
    fn counters_must_be_earlier_wide_integers() {
        let counted = |c: &str| BranchLayout::Counted {
            element: P::F32,
            counter: c.into(),
        };
        for (branches, why) in [
            (vec![spec("pt", counted("n"))], "not an earlier"),
            (
                vec![
                    spec("pt", counted("n")),
                    spec("n", BranchLayout::Scalar(P::I32)),
                ],
                "not an earlier",
            ),
            (
                vec![
                    spec("n", BranchLayout::Scalar(P::U8)),
                    spec("pt", counted("n")),
                ],
                "16-, 32- or 64-bit",
            ),
            (
                vec![
                    spec("n", BranchLayout::Scalar(P::F32)),
                    spec("pt", counted("n")),
                ],
                "16-, 32- or 64-bit",
            ),
            (
                vec![
                    spec("n", BranchLayout::Vector(P::I32)),
                    spec("pt", counted("n")),
                ],
                "16-, 32- or 64-bit",
            ),
        ] {
            let e = TreeWriter::new("t", branches, TreeOptions::default()).unwrap_err();
            assert!(e.to_string().contains(why), "{e}");
        }
        for p in [P::I16, P::U16, P::I32, P::U32, P::I64, P::U64] {
            TreeWriter::new(
                "t",
                vec![spec("n", BranchLayout::Scalar(p)), spec("pt", counted("n"))],
                TreeOptions::default(),
            )
            .unwrap();
        }
    }

    #[test]
    fn names_and_shapes_are_checked() {
        let scalar = BranchLayout::Scalar(P::F32);
        let bad: Vec<(&str, Vec<BranchSpec>)> = vec![
            ("", vec![spec("x", scalar.clone())]),
            ("a/b", vec![spec("x", scalar.clone())]),
            ("t", vec![]),
            (
                "t",
                vec![spec("x", scalar.clone()), spec("x", scalar.clone())],
            ),
            ("t", vec![spec("x[3]", scalar.clone())]),
            ("t", vec![spec("a:b", scalar.clone())]),
            ("t", vec![spec("", scalar.clone())]),
            (
                "t",
                vec![spec(
                    "m",
                    BranchLayout::Fixed {
                        element: P::F32,
                        shape: vec![2, 0],
                    },
                )],
            ),
            (
                "t",
                vec![spec(
                    "m",
                    BranchLayout::Fixed {
                        element: P::F32,
                        shape: vec![],
                    },
                )],
            ),
            (
                "t",
                vec![spec(
                    "m",
                    BranchLayout::Fixed {
                        element: P::F64,
                        shape: vec![usize::MAX, 2],
                    },
                )],
            ),
        ];
        for (name, branches) in bad {
            let e = TreeWriter::new(name, branches.clone(), TreeOptions::default()).unwrap_err();
            assert!(
                matches!(&*e.kind, crate::ErrorKind::InvalidInput(_)),
                "{name} {branches:?}: {e}"
            );
        }
        let e = TreeWriter::new(
            "t",
            vec![spec("x", scalar)],
            TreeOptions {
                basket_size: 2 << 30,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("basket size"), "{e}");
    }

    #[test]
    fn writers_move_between_threads() {
        fn send<T: Send>() {}
        send::<TreeWriter>();
    }

    #[test]
    fn default_titles_are_leaf_lists() {
        let t = TreeWriter::new(
            "t",
            vec![
                spec("n", BranchLayout::Scalar(P::U32)),
                spec(
                    "pt",
                    BranchLayout::Counted {
                        element: P::F32,
                        counter: "n".into(),
                    },
                ),
                spec(
                    "m",
                    BranchLayout::Fixed {
                        element: P::F64,
                        shape: vec![2, 3],
                    },
                ),
                spec("v", BranchLayout::Vector(P::I16)),
                spec("b", BranchLayout::Scalar(P::Bool)).with_title("a flag"),
            ],
            TreeOptions::default(),
        )
        .unwrap();
        let titles: Vec<&str> = t.branches.iter().map(|b| b.title.as_str()).collect();
        assert_eq!(titles, ["n/i", "pt[n]/F", "m[2][3]/D", "v", "a flag"]);
        assert!(t.branches[0].is_counter);
    }
}

//! Snapshots (skims): the events that reach a point of the analysis, with chosen branches and
//! defines, handed in entry order to a [`SnapshotSink`] — normally a ROOT file writer — in the
//! same pass as the histograms.
//!
//! Branch columns keep their type and layout: a NanoAOD counted array stays a counted array
//! with its counter (added when not asked for, as ROOT's `Snapshot` needs it), a `std::vector`
//! stays a vector. Defines are written as `Bool_t`, `Long64_t`, `Float_t` or `Double_t`, and
//! lists of them as `std::vector`.

use std::path::PathBuf;

use expr::{Num, Registry, Scope, Ty};
use rootio::{Array, ColumnKind, Dataset, Interpretation, PrimitiveType};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Origin, Result};

/// A booked snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotSpec {
    /// The tree to write (may include a directory: `skims/Events`).
    pub tree: String,
    /// The output file (relative paths are relative to the run's output directory when there
    /// is one).
    pub path: PathBuf,
    /// Columns: branch names, globs over branch names (`Muon_*`), or define names.
    pub columns: Vec<String>,
    /// The graph node whose events are written (`None`: all events).
    pub at: Option<usize>,
    /// Compression, as ROOT's setting (`algorithm * 100 + level`, e.g. 505 for ZSTD level 5);
    /// `None` for the default.
    #[serde(default)]
    pub compression: Option<i32>,
    /// Target basket size in bytes (`None`: a 32 MB budget shared by the branches, between
    /// 32 000 and 1 000 000 bytes).
    #[serde(default)]
    pub basket_size: Option<usize>,
    /// Where it was booked.
    #[serde(default)]
    pub origin: Origin,
}

/// How a column is laid out in the written tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnLayout {
    /// One value per entry (`x/F`).
    Scalar(PrimitiveType),
    /// A fixed-size array per entry (`x[3]/F`, `m[2][3]/D`).
    Fixed {
        /// Element type.
        element: PrimitiveType,
        /// Dimensions.
        shape: Vec<usize>,
    },
    /// A NanoAOD-style counted array (`Muon_pt[nMuon]/F`): `counter` is another column of the
    /// snapshot, written before this one.
    Counted {
        /// Element type.
        element: PrimitiveType,
        /// The counter column.
        counter: String,
    },
    /// `std::vector<T>`.
    Vector(PrimitiveType),
}

impl ColumnLayout {
    /// The ROOT writer's layout.
    pub fn to_branch_layout(&self) -> rootio::write::BranchLayout {
        use rootio::write::BranchLayout;
        match self {
            ColumnLayout::Scalar(p) => BranchLayout::Scalar(*p),
            ColumnLayout::Fixed { element, shape } => BranchLayout::Fixed {
                element: *element,
                shape: shape.clone(),
            },
            ColumnLayout::Counted { element, counter } => BranchLayout::Counted {
                element: *element,
                counter: counter.clone(),
            },
            ColumnLayout::Vector(p) => BranchLayout::Vector(*p),
        }
    }
}

/// One column of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// The branch name in the written tree.
    pub name: String,
    /// Its layout.
    pub layout: ColumnLayout,
}

/// Where the values of a column come from.
#[derive(Debug, Clone)]
pub(crate) enum ColumnSource {
    /// A branch of the input, copied with its type.
    Branch,
    /// A define (its id in the registry), converted to the column's type.
    Define(usize),
    /// A branch whose collection was redefined above the snapshot (`Jet_pt`, `nJet` after
    /// `Jet = Jet[...]`): its new values, in the branch's layout.
    Computed(expr::Typed),
}

/// A snapshot resolved against the input tree.
#[derive(Debug, Clone)]
pub(crate) struct CompiledSnapshot {
    pub spec: SnapshotSpec,
    pub columns: Vec<ColumnInfo>,
    pub sources: Vec<ColumnSource>,
    /// The cut whose events it writes (an index into the compiled filters).
    pub filter: Option<usize>,
}

/// Receives the events of one snapshot, in entry order, and writes them.
pub trait SnapshotSink: Send {
    /// Append a chunk of events: one array per column, in [`ColumnInfo`] order, all of the
    /// same length.
    fn append(&mut self, columns: Vec<Array>) -> Result<()>;
    /// Complete the output (for a file: write the tree and move the file into place).
    fn finish(self: Box<Self>) -> Result<()>;
}

/// Makes the sink of a snapshot (the output path is already resolved).
pub type SinkFactory<'a> =
    dyn Fn(&SnapshotSpec, &[ColumnInfo]) -> Result<Box<dyn SnapshotSink>> + Sync + 'a;

fn error(spec: &SnapshotSpec, message: String) -> EngineError {
    EngineError::Analysis {
        origin: spec.origin.clone(),
        message: format!("snapshot '{}': {message}", spec.path.display()),
    }
}

fn define_layout(ty: &Ty) -> Option<ColumnLayout> {
    let prim = |n: &Num| match n {
        Num::Bool => PrimitiveType::Bool,
        Num::I32 => PrimitiveType::I32,
        Num::U32 => PrimitiveType::U32,
        Num::I64 => PrimitiveType::I64,
        Num::U64 => PrimitiveType::U64,
        Num::F32 => PrimitiveType::F32,
        Num::F64 => PrimitiveType::F64,
    };
    match ty {
        Ty::Num(n) => Some(ColumnLayout::Scalar(prim(n))),
        Ty::List(n) => Some(ColumnLayout::Vector(prim(n))),
        _ => None,
    }
}

/// How a column of the input is written: the same type and layout (NanoAOD counted arrays with
/// their counter, `std::vector` as a vector; an RNTuple collection as a `std::vector`).
pub fn branch_layout(data: &Dataset, name: &str) -> std::result::Result<ColumnLayout, String> {
    let Some(tree) = data.as_tree() else {
        // An RNTuple field: numbers stay numbers, collections become std::vector.
        return match data.columns().into_iter().find(|(n, _)| n == name) {
            Some((_, ColumnKind::Scalar(p))) => Ok(ColumnLayout::Scalar(p)),
            Some((_, ColumnKind::List(p))) => Ok(ColumnLayout::Vector(p)),
            Some(_) => Err(format!(
                "field '{name}' cannot be written yet; snapshots write numbers and lists of numbers"
            )),
            None => Err(format!("no field '{name}'")),
        };
    };
    let b = tree.branch(name).map_err(|e| e.to_string())?;
    let interp = b
        .interpretation
        .as_ref()
        .map_err(|e| format!("branch '{name}' cannot be read: {e}"))?;
    let unsupported = || {
        format!(
            "branch '{name}' ({}) cannot be written yet; snapshots write numbers, fixed \
             arrays, counted arrays and std::vector of numbers",
            b.type_name()
        )
    };
    Ok(match interp {
        Interpretation::Fixed { element, shape } if shape.is_empty() => {
            ColumnLayout::Scalar(element.memory_type())
        }
        Interpretation::Fixed { element, shape } => ColumnLayout::Fixed {
            element: element.memory_type(),
            shape: shape.clone(),
        },
        Interpretation::Counted {
            element,
            inner,
            counter: Some(counter),
        } if inner.is_empty() => ColumnLayout::Counted {
            element: element.memory_type(),
            counter: counter.clone(),
        },
        Interpretation::Vector { element } => ColumnLayout::Vector(element.memory_type()),
        _ => return Err(unsupported()),
    })
}

/// Resolve a snapshot's columns against the input tree and the defines: expand globs, add the
/// counters of counted arrays, and give every column its layout. Unknown names and types that
/// cannot be written are errors here, before any event is read.
pub(crate) fn resolve(
    spec: &SnapshotSpec,
    tree: Option<&Dataset>,
    schema: &expr::Schema,
    registry: &Registry,
    scope: &Scope,
) -> Result<CompiledSnapshot> {
    if spec.columns.is_empty() {
        return Err(error(spec, "no columns to write".into()));
    }
    let branch_names: Vec<String> = tree
        .map(|t| t.columns().into_iter().map(|(n, _)| n).collect())
        .unwrap_or_default();
    // Generated events have no branches: every column is a define.
    let layout_of = |name: &str| match tree {
        Some(t) => branch_layout(t, name),
        None => Err(format!("no branch '{name}': generated events have none")),
    };
    let mut names: Vec<(String, ColumnSource)> = Vec::new();
    let push = |name: String, src: ColumnSource, names: &mut Vec<(String, ColumnSource)>| {
        if !names.iter().any(|(n, _)| *n == name) {
            names.push((name, src));
        }
    };
    for c in &spec.columns {
        if let Some(&i) = scope.names.get(c) {
            push(c.clone(), ColumnSource::Define(i), &mut names);
        } else if branch_names.iter().any(|b| b == c) {
            push(c.clone(), ColumnSource::Branch, &mut names);
        } else if c.contains(['*', '?']) {
            let glob = globset::Glob::new(c)
                .map_err(|e| error(spec, format!("bad pattern '{c}': {e}")))?
                .compile_matcher();
            let matched: Vec<&String> = branch_names.iter().filter(|b| glob.is_match(b)).collect();
            if matched.is_empty() {
                return Err(error(spec, format!("no branch matches '{c}'")));
            }
            for b in matched {
                push(b.clone(), ColumnSource::Branch, &mut names);
            }
        } else {
            let mut known: Vec<&str> = branch_names.iter().map(String::as_str).collect();
            known.extend(scope.names.keys().map(String::as_str));
            let mut near: Vec<(f64, &str)> = known
                .iter()
                .map(|k| (strsim::jaro_winkler(c, k), *k))
                .filter(|(s, _)| *s > 0.8)
                .collect();
            near.sort_by(|a, b| b.0.total_cmp(&a.0));
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!(
                    "; did you mean {}?",
                    near.iter()
                        .take(3)
                        .map(|(_, k)| format!("'{k}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(error(
                spec,
                format!("'{c}' is neither a branch nor a define{hint}"),
            ));
        }
    }
    // A branch of a redefined collection reads its new values, as every spelling does.
    let source_of = |name: &str| -> ColumnSource {
        let typed = expr::parse(name)
            .ok()
            .and_then(|e| expr::check(&e, schema, registry, scope).ok());
        match typed {
            Some(t) if !matches!(&t.node, expr::Node::Column(expr::Col::Branch(b)) if b == name) => {
                ColumnSource::Computed(t)
            }
            _ => ColumnSource::Branch,
        }
    };
    let names: Vec<(String, ColumnSource)> = names
        .into_iter()
        .map(|(n, src)| match src {
            ColumnSource::Branch => {
                let s = source_of(&n);
                (n, s)
            }
            other => (n, other),
        })
        .collect();
    let mut columns = Vec::new();
    let mut sources = Vec::new();
    for (name, src) in names {
        let layout = match &src {
            ColumnSource::Branch | ColumnSource::Computed(_) => {
                layout_of(&name).map_err(|m| error(spec, m))?
            }
            ColumnSource::Define(i) => {
                let ty = &registry.defines[*i].typed.ty;
                define_layout(ty).ok_or_else(|| {
                    error(
                        spec,
                        format!(
                            "define '{name}' is a {}; a snapshot writes numbers or lists of \
                             numbers (write its fields, e.g. '{name}.pt', as defines)",
                            ty.describe()
                        ),
                    )
                })?
            }
        };
        // A counted array needs its counter, written before it.
        if let ColumnLayout::Counted { counter, .. } = &layout {
            if !columns.iter().any(|c: &ColumnInfo| c.name == *counter) {
                let counter_layout = layout_of(counter).map_err(|m| error(spec, m))?;
                columns.push(ColumnInfo {
                    name: counter.clone(),
                    layout: counter_layout,
                });
                sources.push(source_of(counter));
            }
        }
        if columns.iter().any(|c| c.name == name) {
            continue;
        }
        columns.push(ColumnInfo { name, layout });
        sources.push(src);
    }
    Ok(CompiledSnapshot {
        spec: spec.clone(),
        columns,
        sources,
        filter: None,
    })
}

/// The default sink: the tree in a new ROOT file, written under a temporary name and renamed
/// when complete (a failed run leaves no file behind). Compression: ZSTD level 5 unless the
/// snapshot asks for another (ROOT's general-purpose default).
pub(crate) fn root_sink(
    spec: &SnapshotSpec,
    columns: &[ColumnInfo],
) -> Result<Box<dyn SnapshotSink>> {
    use rootio::write::{
        BranchSpec, Compression, FileWriter, TreeOptions, TreeWriter, WriteOptions,
    };
    let compression = match spec.compression {
        None => Compression::Zstd(5),
        Some(c) => Compression::from_root_setting(c)
            .ok_or_else(|| error(spec, format!("unknown compression setting {c}")))?,
    };
    if spec.tree.contains('/') {
        return Err(error(
            spec,
            format!(
                "tree '{}': snapshots write trees at the top of the file, not in directories",
                spec.tree
            ),
        ));
    }
    let branches = columns
        .iter()
        .map(|c| BranchSpec::new(c.name.clone(), c.layout.to_branch_layout()))
        .collect();
    let options = TreeOptions {
        basket_size: spec
            .basket_size
            .unwrap_or_else(|| default_basket_size(columns.len())),
        ..TreeOptions::default()
    };
    let tree =
        TreeWriter::new(&spec.tree, branches, options).map_err(|e| error(spec, e.to_string()))?;
    if let Some(dir) = spec.path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| EngineError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let file = FileWriter::create(
        &spec.path,
        WriteOptions {
            compression,
            ..Default::default()
        },
    )?;
    Ok(Box::new(RootSink { file, tree }))
}

/// The basket size of a snapshot branch when none is asked for: a 32 MB budget shared by the
/// branches, between ROOT's 32 000 bytes and 1 MB. Few-branch skims get large baskets, which
/// compress better (the size RDataFrame's Snapshot ends up with after ROOT resizes its baskets);
/// thousand-branch ones stay at ROOT's default, so memory stays bounded.
fn default_basket_size(branches: usize) -> usize {
    (32_000_000 / branches.max(1)).clamp(32_000, 1_000_000)
}

/// A snapshot written to a ROOT file.
struct RootSink {
    file: rootio::write::FileWriter,
    tree: rootio::write::TreeWriter,
}

impl SnapshotSink for RootSink {
    fn append(&mut self, columns: Vec<Array>) -> Result<()> {
        Ok(self.tree.append(&mut self.file, &columns)?)
    }
    fn finish(self: Box<Self>) -> Result<()> {
        let RootSink { mut file, tree } = *self;
        tree.finish(&mut file)?;
        Ok(file.close()?)
    }
}

/// A define's values as the column's array type.
pub(crate) fn define_array(v: expr::Val, n: usize, layout: &ColumnLayout) -> Option<Array> {
    use expr::{Nums, Val};
    fn nums(x: Nums, prim: PrimitiveType) -> Array {
        let want = expr::schema::num_of(prim);
        match expr::num::cast(&x, want) {
            Nums::Bool(v) => Array::Bool(v),
            Nums::I32(v) => Array::I32(v),
            Nums::U32(v) => Array::U32(v),
            Nums::I64(v) => Array::I64(v),
            Nums::U64(v) => Array::U64(v),
            Nums::F32(v) => Array::F32(v),
            Nums::F64(v) => Array::F64(v),
        }
    }
    match (v, layout) {
        (Val::Num(x), ColumnLayout::Scalar(p)) => Some(nums(x, *p)),
        (Val::Const(s, k), ColumnLayout::Scalar(p)) => Some(nums(s.column(k, n), *p)),
        (Val::List(off, x), ColumnLayout::Vector(p))
        | (
            Val::List(off, x),
            ColumnLayout::Counted {
                element: p,
                counter: _,
            },
        ) => Some(Array::Jagged {
            offsets: (*off).clone().into(),
            values: Box::new(nums(x, *p)),
        }),
        _ => None,
    }
}

/// Appends chunks of several arrays column by column. Fails (`None`) when a column changes
/// type from one chunk to the next.
pub(crate) fn append_columns(acc: &mut Vec<Array>, chunk: Vec<Array>) -> Option<()> {
    if acc.is_empty() {
        *acc = chunk;
        return Some(());
    }
    for (a, b) in acc.iter_mut().zip(chunk) {
        a.append(b)?;
    }
    Some(())
}

//! Compiling an analysis graph for one sample, before any event is read: every expression is
//! parsed and type-checked in the scope of its node, redefinitions and variations make new
//! versions of what they change, the universes (nominal + one per variation tag that applies to
//! the sample) are numbered, and each cut and result learns which universes it depends on —
//! which decides what is computed once and what once per universe.

use std::collections::BTreeSet;
use std::sync::Arc;

use expr::{check, parse, ExprError, Node, Num, Registry, Scalar, Schema, Scope, Ty, Typed};
use rootio::Dataset;

use crate::analysis::{shifted, Analysis, Item, NodeOp, Variation};
use crate::error::{EngineError, Origin, Result};
use crate::lumimask::LumiMask;
use crate::sample::{Normalisation, Sample, SampleKind};
use crate::snapshot::{resolve, ColumnSource, CompiledSnapshot};
use crate::tables::FileTables;

/// One universe: the nominal one (0) or a variation tag.
#[derive(Debug, Clone)]
pub(crate) struct Universe {
    /// `nominal` or the tag (`pt_scale_up`).
    pub tag: String,
    /// Keys the random numbers of this universe.
    pub salt: u64,
}

/// What a cut tests.
pub(crate) enum FilterKind {
    /// An expression, one bool per event.
    Expr(Typed),
    /// A certified-luminosity mask on `run` and `luminosityBlock`.
    LumiMask(Arc<LumiMask>),
}

/// A cut of the compiled graph.
pub(crate) struct CompiledFilter {
    /// Its name in the cut-flow.
    pub name: String,
    /// The cut it follows (an index into the filters), `None` for all events.
    pub parent: Option<usize>,
    /// What it tests.
    pub kind: FilterKind,
    /// The universes in which its result may differ from the nominal one.
    pub universes: Vec<usize>,
    /// The same for this cut and every cut above it: the universes whose events here differ.
    pub chain: Vec<usize>,
    /// The `weight` define visible here (for weighted cut-flow yields).
    pub weight: Option<usize>,
}

/// A histogram of the compiled graph.
pub(crate) struct CompiledHist {
    /// Index of its [`crate::HistSpec`].
    pub spec: usize,
    /// The cut it is filled after.
    pub filter: Option<usize>,
    pub value: Typed,
    pub y: Option<Typed>,
    /// Its own weight expression.
    pub weight: Option<Typed>,
    /// The `weight` define visible at its node.
    pub event_weight: Option<usize>,
    /// The universes it is booked in besides the nominal one, ascending.
    pub universes: Vec<usize>,
}

/// A count, sum, mean or take of the compiled graph (nominal universe).
pub(crate) struct CompiledStat {
    pub kind: crate::analysis::StatKind,
    pub filter: Option<usize>,
    pub value: Option<Typed>,
}

/// An analysis compiled for one sample.
pub(crate) struct CompiledSample {
    pub schema: Schema,
    pub registry: Registry,
    pub universes: Vec<Universe>,
    pub filters: Vec<CompiledFilter>,
    pub hists: Vec<CompiledHist>,
    pub stats: Vec<CompiledStat>,
    pub snapshots: Vec<CompiledSnapshot>,
    /// The branches to read.
    pub branches: Vec<String>,
    /// Whether an expression reads [`ENTRY_COLUMN`] (then every batch is given it).
    pub reads_entry: bool,
    /// Multiplies every fill weight (the sample's normalisation when known before the loop).
    pub norm: f64,
    /// Whether histograms keep Σw² (weights are not all 1).
    pub weighted: bool,
    /// For a normalisation by a sum over every event: the expression summed.
    pub norm_sum: Option<Typed>,
    /// The `weight` define for the weighted total of all events, when no cut is above it.
    pub root_weight: Option<usize>,
}

impl CompiledSample {
    /// The booked universes of histogram `h`: nominal first, then the variations.
    pub fn hist_tags(&self, h: &CompiledHist) -> Vec<String> {
        std::iter::once(0)
            .chain(h.universes.iter().copied())
            .map(|u| self.universes[u].tag.clone())
            .collect()
    }
}

pub(crate) fn expr_error(item: &Item, what: &str, e: ExprError) -> EngineError {
    EngineError::Expression {
        origin: shifted(&item.origin, &item.expr, e.span.start),
        message: format!("{what} '{}': {}", item.name, e.message),
        caret: e.caret(&item.expr),
    }
}

fn typed(
    schema: &Schema,
    registry: &Registry,
    scope: &Scope,
    item: &Item,
    what: &str,
) -> Result<Typed> {
    let e = parse(&item.expr).map_err(|e| expr_error(item, what, e))?;
    check(&e, schema, registry, scope).map_err(|e| expr_error(item, what, e))
}

fn whole(item: &Item, what: &str, message: String) -> EngineError {
    expr_error(
        item,
        what,
        ExprError::ty(message, expr::Span::new(0, item.expr.len())),
    )
}

/// Whether variation `v` applies to `sample`: the samples it names (globs allowed), or by
/// default every simulated sample that is not itself a variation.
pub(crate) fn applies(v: &Variation, sample: &Sample) -> bool {
    if sample.kind == SampleKind::Data {
        return false;
    }
    if v.samples.is_empty() {
        return !sample.is_variation();
    }
    v.samples.iter().any(|pat| {
        let key = sample.key();
        globset::Glob::new(pat)
            .map(|g| {
                let m = g.compile_matcher();
                m.is_match(&sample.name) || m.is_match(&key)
            })
            .unwrap_or(false)
    })
}

/// RDataFrame's `rdfentry_`: the entry number of an event in its sample's files taken in
/// order (the first file's entries, then the second's, …), an `unsigned long`. Expressions read
/// it as a branch; the engine gives it to every batch when one does.
pub const ENTRY_COLUMN: &str = "rdfentry_";

/// The sample-dependent inputs of a compilation.
pub(crate) struct SampleContext<'a> {
    pub sample: &'a Sample,
    /// The normalisation factor applied while filling (1 when there is none or it comes
    /// after the loop).
    pub norm: f64,
}

/// Compile `a` for one sample, against the schema of `tree` (one of the sample's files; none
/// for generated events, which have no branches).
pub(crate) fn compile(
    a: &Analysis,
    cx: &SampleContext<'_>,
    tree: Option<&Dataset>,
) -> Result<CompiledSample> {
    let sample = cx.sample;
    let mut schema = tree.map_or_else(|| Schema::from_branches([]), Schema::of_dataset);
    // RDataFrame's entry number, unless the tree has a branch of that name.
    let entry_is_virtual = !schema.branches.contains_key(ENTRY_COLUMN);
    if entry_is_virtual {
        schema.branches.insert(
            ENTRY_COLUMN.to_owned(),
            expr::schema::BranchType::Scalar(expr::schema::Num::U64),
        );
    }
    let (mut registry, mut root) = Registry::new(&schema);
    registry.tables =
        expr::external::TableSource(Some(Arc::new(FileTables::new(a.table_dir.clone()))));
    let mut filters: Vec<CompiledFilter> = Vec::new();
    // Data: the certified luminosity first.
    let mut root_filter: Option<usize> = None;
    if let Some(path) = &sample.lumi_mask {
        if sample.kind != SampleKind::Data {
            return Err(EngineError::Analysis {
                origin: sample.origin.clone(),
                message: format!(
                    "sample '{}': a lumi_mask applies to data samples (kind = \"data\")",
                    sample.key()
                ),
            });
        }
        for b in ["run", "luminosityBlock"] {
            if !schema.branches.contains_key(b) {
                return Err(EngineError::Analysis {
                    origin: sample.origin.clone(),
                    message: format!(
                        "sample '{}': the luminosity mask needs the branch '{b}', which the \
                         tree does not have",
                        sample.key()
                    ),
                });
            }
        }
        let mask = LumiMask::from_file(path)?;
        filters.push(CompiledFilter {
            name: "certified luminosity".into(),
            parent: None,
            kind: FilterKind::LumiMask(Arc::new(mask)),
            universes: Vec::new(),
            chain: Vec::new(),
            weight: None,
        });
        root_filter = Some(0);
    }
    for d in &sample.defines {
        let t = typed(&schema, &registry, &root, d, "define")?;
        registry.define(&mut root, &d.name, t);
    }
    // Universes: the nominal one, then one per tag of the variations that apply, in order.
    let mut universes = vec![Universe {
        tag: "nominal".into(),
        salt: 0,
    }];
    let universe_of = |universes: &mut Vec<Universe>, tag: &str| -> usize {
        match universes.iter().position(|u| u.tag == tag) {
            Some(i) => i,
            None => {
                universes.push(Universe {
                    tag: tag.to_string(),
                    salt: expr::salt_of(tag),
                });
                universes.len() - 1
            }
        }
    };
    // Walk the graph: each node's scope is its parent's plus what the node adds.
    let mut scopes: Vec<Scope> = Vec::with_capacity(a.nodes.len());
    let mut filter_of_node: Vec<Option<usize>> = Vec::with_capacity(a.nodes.len());
    let mut weight_nodes: Vec<usize> = Vec::new();
    for (i, node) in a.nodes.iter().enumerate() {
        let (mut scope, parent_filter) = match node.parent {
            None => (root.clone(), root_filter),
            Some(p) if p < i => (scopes[p].clone(), filter_of_node[p]),
            Some(p) => {
                return Err(EngineError::Analysis {
                    origin: Origin::default(),
                    message: format!(
                        "internal: graph node {i} follows node {p}, which comes after it"
                    ),
                })
            }
        };
        let mut this_filter = parent_filter;
        match &node.op {
            NodeOp::Define(item) => {
                let t = typed(&schema, &registry, &scope, item, "define")?;
                if scope.names.contains_key(&item.name)
                    || scope.colls.contains_key(&item.name)
                    || schema.branches.contains_key(&item.name)
                {
                    return Err(whole(
                        item,
                        "define",
                        format!(
                            "'{0}' already exists; give it a new value with a redefine (in an \
                             analysis file `{0} = {{ redefine = \"...\" }}`, in Python \
                             `Redefine`), or choose another name",
                            item.name
                        ),
                    ));
                }
                registry.define(&mut scope, &item.name, t);
            }
            NodeOp::Redefine(item) => {
                let t = typed(&schema, &registry, &scope, item, "redefine")?;
                registry
                    .redefine(&schema, &mut scope, &item.name, t)
                    .map_err(|m| whole(item, "redefine", m))?;
            }
            NodeOp::Weight(item) => {
                let t = match (sample.kind, &sample.weight, item) {
                    (SampleKind::Data, _, _) => Typed::constant(Scalar::Float(1.0), Num::F64),
                    (_, Some(w), _) | (_, None, Some(w)) => {
                        let t = typed(&schema, &registry, &scope, w, "weight")?;
                        if !matches!(t.ty, Ty::Num(n) if n.is_number()) {
                            return Err(whole(
                                w,
                                "weight",
                                format!(
                                    "the event weight must be one number per event, not a {}",
                                    t.ty.describe()
                                ),
                            ));
                        }
                        t
                    }
                    (_, None, None) => Typed::constant(Scalar::Float(1.0), Num::F64),
                };
                let id = registry.define(&mut scope, "weight", t);
                weight_nodes.push(id);
            }
            NodeOp::Filter(item) => {
                let t = typed(&schema, &registry, &scope, item, "cut")?;
                if t.ty != Ty::Num(Num::Bool) {
                    return Err(whole(
                        item,
                        "cut",
                        format!(
                            "a cut must be one bool per event, not a {}",
                            t.ty.describe()
                        ),
                    ));
                }
                filters.push(CompiledFilter {
                    name: item.name.clone(),
                    parent: parent_filter,
                    kind: FilterKind::Expr(t),
                    universes: Vec::new(),
                    chain: Vec::new(),
                    weight: scope.names.get("weight").copied(),
                });
                this_filter = Some(filters.len() - 1);
            }
            NodeOp::Vary(v) => {
                let col_item = Item {
                    name: v.column.clone(),
                    expr: v.column.clone(),
                    origin: v.origin.clone(),
                };
                let nominal = typed(&schema, &registry, &scope, &col_item, "variation").map_err(
                    |e| match e {
                        EngineError::Expression {
                            origin, message, ..
                        } => EngineError::Analysis {
                            origin,
                            message: format!(
                                "variation of '{}': {}",
                                v.column,
                                message.split_once(": ").map_or(message.as_str(), |x| x.1)
                            ),
                        },
                        other => other,
                    },
                )?;
                if !matches!(nominal.ty, Ty::Num(_) | Ty::List(_)) {
                    return Err(EngineError::Analysis {
                        origin: v.origin.clone(),
                        message: format!(
                            "variation of '{}': only numbers and lists of numbers can be \
                             varied, not a {} (vary its fields, e.g. '{}_pt')",
                            v.column,
                            nominal.ty.describe(),
                            v.column
                        ),
                    });
                }
                let mut variants = Vec::new();
                for (tag, item) in &v.tags {
                    let t = typed(&schema, &registry, &scope, item, "variation")?;
                    let got = t.ty.describe();
                    let t = conform(t, &nominal.ty).ok_or_else(|| {
                        whole(
                            item,
                            "variation",
                            format!(
                                "'{tag}' of '{}' must be a {} like the column, not a {got}",
                                v.column,
                                nominal.ty.describe(),
                            ),
                        )
                    })?;
                    variants.push((tag.clone(), t));
                }
                if applies(v, sample) {
                    let variants = variants
                        .into_iter()
                        .map(|(tag, t)| (universe_of(&mut universes, &tag), t))
                        .collect();
                    registry
                        .vary(&schema, &mut scope, &v.column, nominal, variants)
                        .map_err(|m| EngineError::Analysis {
                            origin: v.origin.clone(),
                            message: format!("variation of '{}': {m}", v.column),
                        })?;
                }
            }
        }
        scopes.push(scope);
        filter_of_node.push(this_filter);
    }
    let scope_at = |at: Option<usize>| -> &Scope {
        match at {
            None => &root,
            Some(i) => scopes.get(i).unwrap_or(&root),
        }
    };
    let filter_at = |at: Option<usize>| -> Option<usize> {
        match at {
            None => root_filter,
            Some(i) => filter_of_node.get(i).copied().flatten(),
        }
    };
    let mut hists = Vec::new();
    for (k, h) in a.histograms.iter().enumerate() {
        let scope = scope_at(h.at);
        let v = typed(&schema, &registry, scope, &h.value, "histogram")?;
        let numeric = |t: &Typed, item: &Item, what: &str| -> Result<()> {
            if matches!(t.ty, Ty::Num(_) | Ty::List(_)) {
                Ok(())
            } else {
                Err(whole(
                    item,
                    what,
                    format!(
                        "a histogram needs numbers or lists of numbers, not a {}",
                        t.ty.describe()
                    ),
                ))
            }
        };
        numeric(&v, &h.value, "histogram")?;
        let w = match &h.weight {
            Some(w) => {
                let t = typed(&schema, &registry, scope, w, "weight of histogram")?;
                let ok = matches!((&v.ty, &t.ty), (_, Ty::Num(_)) | (Ty::List(_), Ty::List(_)));
                if !ok {
                    return Err(whole(
                        w,
                        "weight of histogram",
                        format!(
                            "a weight must be a number per event or match the value's list, \
                             not a {}",
                            t.ty.describe()
                        ),
                    ));
                }
                Some(t)
            }
            None => None,
        };
        let y = match &h.y {
            Some((yi, _)) => {
                let t = typed(&schema, &registry, scope, yi, "y of histogram")?;
                numeric(&t, yi, "y of histogram")?;
                Some(t)
            }
            None => None,
        };
        hists.push(CompiledHist {
            spec: k,
            filter: filter_at(h.at),
            value: v,
            y,
            weight: w,
            event_weight: scope.names.get("weight").copied(),
            universes: Vec::new(),
        });
    }
    let mut stats = Vec::new();
    for st in &a.stats {
        let value = match &st.value {
            Some(v) => {
                let t = typed(&schema, &registry, scope_at(st.at), v, "result")?;
                if !matches!(t.ty, Ty::Num(_) | Ty::List(_)) {
                    return Err(whole(
                        v,
                        "result",
                        format!(
                            "needs numbers or lists of numbers, not a {}",
                            t.ty.describe()
                        ),
                    ));
                }
                Some(t)
            }
            None => None,
        };
        stats.push(CompiledStat {
            kind: st.kind,
            filter: filter_at(st.at),
            value,
        });
    }
    let norm_sum = match &sample.normalisation {
        Some(Normalisation::Sum(item)) if sample.kind == SampleKind::Mc => {
            let t = typed(&schema, &registry, &root, item, "normalisation")?;
            if !matches!(t.ty, Ty::Num(n) if n.is_number()) {
                return Err(whole(
                    item,
                    "normalisation",
                    format!(
                        "the normalisation sums one number per event, not a {}",
                        t.ty.describe()
                    ),
                ));
            }
            Some(t)
        }
        _ => None,
    };
    registry.finish(universes.len());
    // Which universes each cut, and so each result, depends on.
    for i in 0..filters.len() {
        let own = match &filters[i].kind {
            FilterKind::Expr(t) => registry.node_universes(&t.node),
            FilterKind::LumiMask(_) => Vec::new(),
        };
        let mut chain: BTreeSet<usize> = own.iter().copied().collect();
        if let Some(p) = filters[i].parent {
            chain.extend(filters[p].chain.iter().copied());
        }
        filters[i].universes = own;
        filters[i].chain = chain.into_iter().collect();
    }
    for h in &mut hists {
        let mut set: BTreeSet<usize> = BTreeSet::new();
        if let Some(f) = h.filter {
            set.extend(filters[f].chain.iter().copied());
        }
        for t in [Some(&h.value), h.y.as_ref(), h.weight.as_ref()]
            .into_iter()
            .flatten()
        {
            set.extend(registry.node_universes(&t.node));
        }
        if let Some(w) = h.event_weight {
            set.extend(registry.define_universes(w).iter().copied());
        }
        set.remove(&0);
        h.universes = set.into_iter().collect();
    }
    let mut snapshots = Vec::new();
    for spec in &a.snapshots {
        let mut snap = resolve(spec, tree, &schema, &registry, scope_at(spec.at))?;
        snap.filter = filter_at(spec.at);
        snapshots.push(snap);
    }
    // The branches to read.
    let mut nodes: Vec<Node> = Vec::new();
    for f in &filters {
        if let FilterKind::Expr(t) = &f.kind {
            nodes.push(t.node.clone());
        }
        if let Some(w) = f.weight {
            nodes.push(Node::Define(w));
        }
    }
    for h in &hists {
        nodes.push(h.value.node.clone());
        nodes.extend(h.y.iter().map(|t| t.node.clone()));
        nodes.extend(h.weight.iter().map(|t| t.node.clone()));
        nodes.extend(h.event_weight.map(Node::Define));
    }
    for s in &stats {
        nodes.extend(s.value.iter().map(|t| t.node.clone()));
    }
    nodes.extend(norm_sum.iter().map(|t| t.node.clone()));
    let mut branches = registry.branches(&nodes);
    if sample.lumi_mask.is_some() {
        branches.insert("run".into());
        branches.insert("luminosityBlock".into());
    }
    for snap in &snapshots {
        let define_nodes: Vec<Node> = snap
            .sources
            .iter()
            .filter_map(|s| match s {
                ColumnSource::Define(i) => Some(Node::Define(*i)),
                ColumnSource::Computed(t) => Some(t.node.clone()),
                ColumnSource::Branch => None,
            })
            .collect();
        branches.extend(registry.branches(&define_nodes));
        for (col, src) in snap.columns.iter().zip(&snap.sources) {
            if matches!(src, ColumnSource::Branch) {
                branches.insert(col.name.clone());
            }
        }
    }
    let reads_entry = entry_is_virtual && branches.remove(ENTRY_COLUMN);
    let root_weight = if root_filter.is_none() {
        a.nodes
            .iter()
            .position(|n| matches!(n.op, NodeOp::Weight(_)))
            .filter(|&i| a.filter_point(Some(i)).is_none())
            .and(weight_nodes.first().copied())
    } else {
        None
    };
    let weighted = cx.norm != 1.0
        || hists
            .iter()
            .any(|h| h.weight.is_some() || h.event_weight.is_some())
        || norm_sum.is_some();
    Ok(CompiledSample {
        schema,
        registry,
        universes,
        filters,
        hists,
        stats,
        snapshots,
        branches: branches.into_iter().collect(),
        reads_entry,
        norm: cx.norm,
        weighted,
        norm_sum,
        root_weight,
    })
}

/// A variation's expression converted to the varied column's type when C++ would convert it
/// implicitly (an `int` expression for a `float` column); `None` when the shapes differ.
fn conform(t: Typed, want: &Ty) -> Option<Typed> {
    if &t.ty == want {
        return Some(t);
    }
    let (list, num) = match (want, &t.ty) {
        (Ty::Num(n), Ty::Num(_)) => (false, *n),
        (Ty::List(n), Ty::List(_)) => (true, *n),
        _ => return None,
    };
    Some(Typed {
        node: Node::Cast {
            arg: Box::new(t.node),
            num,
        },
        ty: if list { Ty::List(num) } else { Ty::Num(num) },
        literal: t.literal,
    })
}

//! Content nodes of a correction: loading (`resolve_content`) and evaluation for one set
//! of values, mirroring the node classes of correctionlib's `src/correction.cc`.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::binning::{self, BinError, Edges, Flow, NAN_BIN};
use crate::error::{CategoryKey, EvalError, LoadError, Side};
use crate::formula::{self, find_input, Generic, Program};
use crate::hashprng::HashPrng;
use crate::json::{self, Obj};
use crate::variable::{Value, VarType, Variable};

/// What loading a node needs to know about its correction.
pub(crate) struct LoadCtx<'a> {
    /// Error context ("correction 'name'").
    pub(crate) context: &'a str,
    pub(crate) inputs: &'a [Variable],
    pub(crate) generics: &'a [Generic],
}

/// What evaluating a node needs to name things in errors.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) name: &'a str,
    pub(crate) inputs: &'a [Variable],
}

impl Ctx<'_> {
    fn input_name(&self, idx: usize) -> String {
        self.inputs
            .get(idx)
            .map(|v| v.name.clone())
            .unwrap_or_default()
    }

    /// The error for a failed bin search.
    pub(crate) fn bin_error(
        &self,
        e: BinError,
        input: usize,
        value: f64,
        node: &'static str,
    ) -> EvalError {
        match e {
            BinError::OutOfBounds(side) => EvalError::OutOfBounds {
                correction: self.name.to_string(),
                input: self.input_name(input),
                value,
                side,
                node,
            },
            BinError::Wrap(side) => EvalError::WrapOutOfRange {
                correction: self.name.to_string(),
                input: self.input_name(input),
                value,
                side,
                flow_word: match side {
                    Side::Below => "underflow",
                    Side::Above => "overflow",
                },
            },
        }
    }

    pub(crate) fn missing_category(&self, input: usize, key: CategoryKey) -> EvalError {
        EvalError::MissingCategory {
            correction: self.name.to_string(),
            input: self.input_name(input),
            key,
        }
    }

    pub(crate) fn category_input_type(&self, input: usize) -> EvalError {
        EvalError::CategoryInputType {
            correction: self.name.to_string(),
            input: self.input_name(input),
        }
    }

    pub(crate) fn content_index(&self, index: usize, len: usize) -> EvalError {
        EvalError::ContentIndex {
            correction: self.name.to_string(),
            index,
            len,
        }
    }
}

/// A content node (`correction::Content`).
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(f64),
    Binning(Box<Binning>),
    MultiBinning(Box<MultiBinning>),
    Category(Box<Category>),
    /// `Formula` and `FormulaRef` (bound to its parameters).
    Formula(Box<Program>),
    Transform(Box<Transform>),
    HashPrng(Box<HashPrng>),
}

/// A `Binning` node.
#[derive(Debug, Clone)]
pub(crate) struct Binning {
    pub(crate) input: usize,
    pub(crate) edges: Edges,
    pub(crate) flow: Flow,
    /// One node per bin, then the default (the flow content, or `0.0`), as `contents_`.
    pub(crate) contents: Vec<Node>,
    /// `contents` as numbers when all of them are.
    pub(crate) consts: Option<Vec<f64>>,
}

/// One axis of a `MultiBinning`.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    pub(crate) input: usize,
    pub(crate) stride: usize,
    pub(crate) edges: Edges,
    /// `edges.nbins()`.
    pub(crate) nbins: usize,
}

/// A `MultiBinning` node.
#[derive(Debug, Clone)]
pub(crate) struct MultiBinning {
    pub(crate) axes: Vec<Axis>,
    pub(crate) flow: Flow,
    /// Row-major content, then the flow content when `flow` is a content node.
    pub(crate) content: Vec<Node>,
    pub(crate) consts: Option<Vec<f64>>,
}

/// The keys of a `Category`, typed by its input (`IntMap` or `StrMap`).
#[derive(Debug, Clone)]
pub(crate) enum Keys {
    Int(HashMap<i64, usize>),
    Str(HashMap<String, usize>),
}

/// A `Category` node: keys map to indices into `children`.
#[derive(Debug, Clone)]
pub(crate) struct Category {
    pub(crate) input: usize,
    pub(crate) keys: Keys,
    pub(crate) children: Vec<Node>,
    pub(crate) default: Option<usize>,
}

/// A `Transform` node.
#[derive(Debug, Clone)]
pub(crate) struct Transform {
    pub(crate) input: usize,
    pub(crate) kind: VarType,
    pub(crate) rule: Node,
    pub(crate) content: Node,
}

/// `(int64_t) std::round(x)` on x86-64: round half away from zero, then `cvttsd2si`,
/// whose out-of-range and NaN result is `i64::MIN` (the reference's undefined behaviour,
/// as its build behaves; see `Transform::evaluate` in `src/correction.cc`).
#[inline]
pub(crate) fn round_to_int(x: f64) -> i64 {
    let r = x.round();
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    // NaN is in no range.
    if !(-TWO_63..TWO_63).contains(&r) {
        i64::MIN
    } else {
        r as i64
    }
}

/// A binning coordinate (strings cannot reach a binning: refused at load).
#[inline]
pub(crate) fn coordinate(values: &[Value<'_>], idx: usize) -> f64 {
    values
        .get(idx)
        .and_then(Value::as_coordinate)
        .unwrap_or(f64::NAN)
}

impl Node {
    /// `resolve_content`: a number or an object with `nodetype`.
    pub(crate) fn load(v: &Json, lc: &LoadCtx<'_>) -> Result<Node, LoadError> {
        if let Some(x) = json::number(v) {
            return Ok(Node::Const(x));
        }
        let has_type = matches!(v, Json::Object(m) if m.contains_key("nodetype"));
        if !has_type {
            return Err(json::schema(lc.context, "Invalid Content node type"));
        }
        let obj = Obj::new(v, lc.context, "Content")?;
        Ok(match obj.req_str("nodetype")? {
            "binning" => Node::Binning(Box::new(load_binning(&obj, lc)?)),
            "multibinning" => Node::MultiBinning(Box::new(load_multibinning(&obj, lc)?)),
            "category" => Node::Category(Box::new(load_category(&obj, lc)?)),
            "formula" => Node::Formula(Box::new(formula::load_formula(&obj, lc.inputs)?)),
            "formularef" => Node::Formula(Box::new(formula::load_formula_ref(&obj, lc.generics)?)),
            "transform" => Node::Transform(Box::new(load_transform(&obj, lc)?)),
            "hashprng" => Node::HashPrng(Box::new(HashPrng::load(&obj, lc.inputs)?)),
            "lwtnn" => return Err(obj.err("lwtnn nodes are not supported by this evaluator")),
            _ => return Err(obj.err("Unrecognized Content object nodetype")),
        })
    }

    /// The node's value for one set of (type-checked) values.
    pub(crate) fn eval(&self, cx: &Ctx<'_>, values: &[Value<'_>]) -> Result<f64, EvalError> {
        match self {
            Node::Const(v) => Ok(*v),
            Node::Binning(b) => {
                let x = coordinate(values, b.input);
                let idx = b
                    .edges
                    .find(x, b.flow)
                    .map_err(|e| cx.bin_error(e, b.input, x, "Binning"))?;
                // contents_[2^63]: the address wraps around to the first element.
                let idx = if idx == NAN_BIN { 0 } else { idx };
                match b.contents.get(idx) {
                    Some(child) => child.eval(cx, values),
                    None => Err(cx.content_index(idx, b.contents.len())),
                }
            }
            Node::MultiBinning(m) => {
                let mut idx = 0usize;
                for axis in &m.axes {
                    let x = coordinate(values, axis.input);
                    let local = axis
                        .edges
                        .find(x, m.flow)
                        .map_err(|e| cx.bin_error(e, axis.input, x, "MultiBinning"))?;
                    if local == axis.nbins {
                        // The default: content_.back() (the last bin when flow is not a node).
                        return match m.content.last() {
                            Some(child) => child.eval(cx, values),
                            None => Err(cx.content_index(idx, 0)),
                        };
                    }
                    idx = idx.wrapping_add(local.wrapping_mul(axis.stride));
                }
                match m.content.get(idx) {
                    Some(child) => child.eval(cx, values),
                    None => Err(cx.content_index(idx, m.content.len())),
                }
            }
            Node::Category(c) => {
                let child = match (values.get(c.input), &c.keys) {
                    (Some(Value::Str(s)), Keys::Str(map)) => {
                        map.get(*s).copied().or(c.default).ok_or_else(|| {
                            cx.missing_category(c.input, CategoryKey::Str((*s).to_string()))
                        })?
                    }
                    (Some(Value::Int(i)), Keys::Int(map)) => map
                        .get(i)
                        .copied()
                        .or(c.default)
                        .ok_or_else(|| cx.missing_category(c.input, CategoryKey::Int(*i)))?,
                    _ => return Err(cx.category_input_type(c.input)),
                };
                match c.children.get(child) {
                    Some(node) => node.eval(cx, values),
                    None => Err(cx.content_index(child, c.children.len())),
                }
            }
            Node::Formula(p) => Ok(p.eval(values)),
            Node::Transform(t) => {
                let vnew = t.rule.eval(cx, values)?;
                let mut small = [Value::Int(0); 16];
                let mut large = Vec::new();
                let new_values: &mut [Value<'_>] = if values.len() <= small.len() {
                    small[..values.len()].copy_from_slice(values);
                    &mut small[..values.len()]
                } else {
                    large.extend_from_slice(values);
                    &mut large
                };
                if let Some(slot) = new_values.get_mut(t.input) {
                    match *slot {
                        Value::Real(_) => *slot = Value::Real(vnew),
                        Value::Int(_) => *slot = Value::Int(round_to_int(vnew)),
                        Value::Str(_) => {}
                    }
                }
                t.content.eval(cx, new_values)
            }
            Node::HashPrng(h) => Ok(h.eval(values)),
        }
    }

    /// The number, if this is a number leaf.
    pub(crate) fn as_const(&self) -> Option<f64> {
        match self {
            Node::Const(v) => Some(*v),
            _ => None,
        }
    }
}

fn all_consts(nodes: &[Node]) -> Option<Vec<f64>> {
    nodes.iter().map(Node::as_const).collect()
}

fn numeric_input(
    obj: &Obj<'_>,
    name: &str,
    inputs: &[Variable],
    what: &str,
) -> Result<usize, LoadError> {
    let idx = find_input(obj, name, inputs)?;
    if inputs[idx].kind == VarType::String {
        return Err(obj.err(format!(
            "{what} cannot use string inputs as binning variables"
        )));
    }
    Ok(idx)
}

/// `Binning::Binning`.
fn load_binning(obj: &Obj<'_>, lc: &LoadCtx<'_>) -> Result<Binning, LoadError> {
    let content = obj.req_array("content")?;
    let edges = binning::load_edges(obj, obj.required("edges")?, "Binning")?;
    let consistent = match &edges {
        Edges::NonUniform { edges, .. } => edges.len() == content.len() + 1,
        Edges::Uniform { n, .. } => *n == content.len(),
    };
    if !consistent {
        return Err(
            obj.err("Inconsistency in Binning: number of content nodes does not match binning")
        );
    }
    let input = numeric_input(obj, obj.req_str("input")?, lc.inputs, "Binning")?;
    let flow_json = obj.required("flow")?;
    let flow = binning::parse_flow(flow_json);
    let default = if flow == Flow::Value {
        Node::load(flow_json, lc)?
    } else {
        Node::Const(0.0)
    };
    let mut contents = content
        .iter()
        .map(|c| Node::load(c, lc))
        .collect::<Result<Vec<_>, _>>()?;
    contents.push(default);
    let consts = all_consts(&contents);
    Ok(Binning {
        input,
        edges,
        flow,
        contents,
        consts,
    })
}

/// `MultiBinning::MultiBinning`.
fn load_multibinning(obj: &Obj<'_>, lc: &LoadCtx<'_>) -> Result<MultiBinning, LoadError> {
    let inputs = obj.req_array("inputs")?;
    let edges = obj.req_array("edges")?;
    let mut axes = Vec::with_capacity(edges.len());
    for (idx, dimension) in edges.iter().enumerate() {
        let name = inputs
            .get(idx)
            .and_then(json::string)
            .ok_or_else(|| obj.err("invalid multibinning input type"))?;
        let e = binning::load_edges(obj, dimension, "MultiBinning")?;
        let input = numeric_input(obj, name, lc.inputs, "MultiBinning")?;
        let nbins = e.nbins();
        axes.push(Axis {
            input,
            stride: 0,
            edges: e,
            nbins,
        });
    }
    let mut stride = 1usize;
    for axis in axes.iter_mut().rev() {
        axis.stride = stride;
        stride = stride
            .checked_mul(axis.nbins)
            .ok_or_else(|| obj.err("MultiBinning has more bins than fit in memory"))?;
    }
    let content = obj.req_array("content")?;
    let mut nodes = Vec::with_capacity(content.len() + 1);
    for item in content {
        nodes.push(Node::load(item, lc)?);
    }
    if nodes.len() != stride {
        return Err(obj
            .err("Inconsistency in MultiBinning: number of content nodes does not match binning"));
    }
    let flow_json = obj.required("flow")?;
    let flow = binning::parse_flow(flow_json);
    if flow == Flow::Value {
        nodes.push(Node::load(flow_json, lc)?);
    }
    let consts = all_consts(&nodes);
    Ok(MultiBinning {
        axes,
        flow,
        content: nodes,
        consts,
    })
}

/// `Category::Category`: string keys for a string input, int keys (rapidjson `IsInt()`,
/// i.e. within `int32_t`) for an int input; the first of duplicate keys wins
/// (`std::map::try_emplace`).
fn load_category(obj: &Obj<'_>, lc: &LoadCtx<'_>) -> Result<Category, LoadError> {
    let input = find_input(obj, obj.req_str("input")?, lc.inputs)?;
    let kind = lc.inputs[input].kind;
    let mut keys = if kind == VarType::String {
        Keys::Str(HashMap::new())
    } else {
        Keys::Int(HashMap::new())
    };
    let mut children = Vec::new();
    for item in obj.req_array("content")? {
        let pair = match item {
            Json::Object(m) if m.contains_key("key") && m.contains_key("value") => m,
            _ => return Err(obj.err("Expected CategoryItem object")),
        };
        let key = &pair["key"];
        let value = &pair["value"];
        if let Some(s) = json::string(key) {
            if kind != VarType::String {
                return Err(obj.err(format!(
                    "Category got a key of type string, but its input is type {kind}"
                )));
            }
            let node = Node::load(value, lc)?;
            if let Keys::Str(map) = &mut keys {
                if !map.contains_key(s) {
                    map.insert(s.to_string(), children.len());
                    children.push(node);
                }
            }
        } else if let Some(i) = json::int32(key) {
            if kind != VarType::Int {
                return Err(obj.err(format!(
                    "Category got a key of type int, but its input is type {kind}"
                )));
            }
            let node = Node::load(value, lc)?;
            if let Keys::Int(map) = &mut keys {
                if let std::collections::hash_map::Entry::Vacant(e) = map.entry(i64::from(i)) {
                    e.insert(children.len());
                    children.push(node);
                }
            }
        } else {
            return Err(obj.err("Invalid key type in Category"));
        }
    }
    let default = match obj.get("default") {
        None | Some(Json::Null) => None,
        Some(d) => {
            children.push(Node::load(d, lc)?);
            Some(children.len() - 1)
        }
    };
    Ok(Category {
        input,
        keys,
        children,
        default,
    })
}

/// `Transform::Transform`.
fn load_transform(obj: &Obj<'_>, lc: &LoadCtx<'_>) -> Result<Transform, LoadError> {
    let input = find_input(obj, obj.req_str("input")?, lc.inputs)?;
    let kind = lc.inputs[input].kind;
    if kind == VarType::String {
        return Err(obj.err("Transform cannot rewrite string inputs"));
    }
    let rule = Node::load(obj.required("rule")?, lc)?;
    let content = Node::load(obj.required("content")?, lc)?;
    Ok(Transform {
        input,
        kind,
        rule,
        content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_like_cvttsd2si() {
        assert_eq!(round_to_int(-2.5), -3);
        assert_eq!(round_to_int(2.5), 3);
        assert_eq!(round_to_int(-2.4), -2);
        assert_eq!(round_to_int(f64::NAN), i64::MIN);
        assert_eq!(round_to_int(1e30), i64::MIN);
        assert_eq!(round_to_int(-1e30), i64::MIN);
        assert_eq!(round_to_int(f64::INFINITY), i64::MIN);
    }
}

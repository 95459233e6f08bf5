//! The scikit-hep UHI serialisation: one histogram as a JSON object, and the `histograms.json`
//! file (an object mapping names to histograms).
//!
//! The format is defined by `uhi/resources/histogram.schema.json` in the `uhi` Python package
//! (<https://uhi.readthedocs.io/en/latest/serialization.html>). What we write:
//!
//! ```json
//! {
//!   "uhi_schema": 1,
//!   "writer_info": {"hepframe": {"version": "0.1.0", "entries": 3}},
//!   "axes": [{"type": "regular", "lower": 0.0, "upper": 2.0, "bins": 2,
//!             "underflow": true, "overflow": true, "circular": false,
//!             "metadata": {"label": "x [GeV]"}}],
//!   "storage": {"type": "double", "values": [1.0, 1.0, 0.0, 1.0]},
//!   "metadata": {"name": "h", "title": "demo", "label": "demo"}
//! }
//! ```
//!
//! * `values` (and `variances` for `"weighted"` storage) hold the **full** array, flow bins
//!   included, because every axis is written with `underflow` and `overflow` true. In 2D they are
//!   nested lists indexed `[x][y]`, as NumPy's `h.view(flow=True)`.
//! * The title is written twice: as `title` (ROOT's word) and as `label` (the key `hist` uses for
//!   a histogram's title, so `hist` shows it). The reader takes `title`, else `label`.
//! * The entry count is not part of UHI; it travels in `writer_info.hepframe.entries`. Files from
//!   other writers do not have it, and the reader then uses the sum of all contents, flow bins
//!   included, rounded (the entry count of an unweighted histogram).
//! * So do ROOT's running sums (`writer_info.hepframe.tsumw`, `tsumw2`, `tsumwx`, `tsumwx2`,
//!   `tsumwy`, `tsumwy2`, `tsumwxy`: Σw, Σw², Σw·x, … over the values filled inside the axes, one
//!   scalar per key since the schema allows nothing else there) and the number of non-finite values filled
//!   (`writer_info.hepframe.nonfinite`, when there were any).
//! * JSON has no NaN or infinity: a non-finite bin content (from a NaN or infinite weight) is
//!   written as `null`, which the reader turns back into NaN.
//!
//! The reader also accepts what other writers produce within the schema: axes without flow bins
//! (zeros are put there), `"int"` storage (read as `Double`) and sparse storage (`index`). It
//! rejects, with the JSON path of the problem, what this crate cannot hold: category and boolean
//! axes, circular axes, `mean` storages, more than two axes, and data stored outside the JSON.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::axis::{Axis, Binning};
use crate::error::{HistError, Result};
use crate::histogram::Histogram;
use crate::storage::Storage;

/// The key under `writer_info` where this crate records what UHI has no field for.
const WRITER: &str = "hepframe";

/// A histogram as read: axes and storage are decoded one by one, so errors can name their path.
#[derive(Deserialize)]
struct HistogramIr {
    uhi_schema: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    writer_info: Option<Map<String, Value>>,
    axes: Vec<Value>,
    storage: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metadata: Option<Map<String, Value>>,
}

/// A histogram as written, fields in the schema's order (so the text reads naturally).
#[derive(Serialize)]
struct HistogramOut {
    uhi_schema: u64,
    writer_info: Map<String, Value>,
    axes: Vec<AxisIr>,
    storage: StorageIr,
    metadata: Map<String, Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum AxisIr {
    Regular {
        lower: f64,
        upper: f64,
        bins: u64,
        underflow: bool,
        overflow: bool,
        circular: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metadata: Option<Map<String, Value>>,
    },
    Variable {
        edges: Value,
        underflow: bool,
        overflow: bool,
        circular: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metadata: Option<Map<String, Value>>,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StorageIr {
    Int {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        values: Option<Value>,
    },
    Double {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        values: Option<Value>,
    },
    Weighted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        values: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variances: Option<Value>,
    },
}

fn uhi_err(path: impl Into<String>, message: impl Into<String>) -> HistError {
    HistError::Uhi {
        path: path.into(),
        message: message.into(),
    }
}

/// Turns a serde error on a sub-document into one that names where it happened.
fn decode<T: for<'de> Deserialize<'de>>(value: &Value, path: &str) -> Result<T> {
    T::deserialize(value).map_err(|e| uhi_err(path, e.to_string()))
}

fn label_metadata(label: &str) -> Option<Map<String, Value>> {
    (!label.is_empty()).then(|| {
        let mut m = Map::new();
        m.insert("label".into(), Value::from(label));
        m
    })
}

/// Nests a flow-inclusive buffer as JSON arrays, x outer.
fn nested(buf: &[f64], shape: &[usize]) -> Value {
    match shape {
        [_] => Value::Array(buf.iter().map(|&v| Value::from(v)).collect()),
        [_, ny] => Value::Array(
            buf.chunks(*ny)
                .map(|row| Value::Array(row.iter().map(|&v| Value::from(v)).collect()))
                .collect(),
        ),
        _ => Value::Array(Vec::new()),
    }
}

impl Histogram {
    /// This histogram as one UHI histogram object (see the [module documentation](crate::uhi)
    /// for the layout), ready for `serde_json::to_string` or for embedding in a larger document.
    ///
    /// (A `serde_json::Value` keeps its keys sorted; [`write_uhi_file`] writes them in the
    /// schema's order instead.)
    pub fn to_uhi_json(&self) -> Value {
        serde_json::to_value(self.to_uhi_out()).unwrap_or(Value::Null)
    }

    fn to_uhi_out(&self) -> HistogramOut {
        let axes = self
            .axes
            .iter()
            .map(|a| {
                let metadata = label_metadata(a.label());
                match a.binning() {
                    Binning::Regular { bins, low, high } => AxisIr::Regular {
                        lower: low,
                        upper: high,
                        bins: bins as u64,
                        underflow: true,
                        overflow: true,
                        circular: false,
                        metadata,
                    },
                    Binning::Variable { edges } => AxisIr::Variable {
                        edges: Value::from(edges.to_vec()),
                        underflow: true,
                        overflow: true,
                        circular: false,
                        metadata,
                    },
                }
            })
            .collect();
        let shape = self.shape(true);
        let storage = match self.storage {
            Storage::Double => StorageIr::Double {
                index: None,
                values: Some(nested(&self.values, &shape)),
            },
            Storage::Weight => StorageIr::Weighted {
                index: None,
                values: Some(nested(&self.values, &shape)),
                variances: Some(nested(&self.sumw2, &shape)),
            },
        };
        let mut info = Map::new();
        info.insert("version".into(), Value::from(env!("CARGO_PKG_VERSION")));
        info.insert("entries".into(), Value::from(self.entries));
        if let Some(st) = &self.stats {
            // ROOT's running sums (not part of UHI), one scalar per key because the schema
            // allows only strings, numbers and booleans there; non-finite ones as strings.
            for (key, x) in STATS_KEYS.iter().zip(st.to_array()) {
                info.insert((*key).into(), number(x));
            }
        }
        if self.nonfinite > 0 {
            info.insert("nonfinite".into(), Value::from(self.nonfinite));
        }
        let mut writer_info = Map::new();
        writer_info.insert(WRITER.into(), Value::Object(info));
        let mut metadata = Map::new();
        metadata.insert("name".into(), Value::from(self.name.as_str()));
        metadata.insert("title".into(), Value::from(self.title.as_str()));
        metadata.insert("label".into(), Value::from(self.title.as_str()));
        HistogramOut {
            uhi_schema: 1,
            writer_info,
            axes,
            storage,
            metadata,
        }
    }

    /// Reads one UHI histogram object, as written by [`to_uhi_json`](Self::to_uhi_json), `hist`,
    /// boost-histogram or uproot. Errors name the JSON path of the first problem.
    pub fn from_uhi_json(value: &Value) -> Result<Histogram> {
        let ir: HistogramIr = decode(value, "$")?;
        if ir.uhi_schema != 1 {
            return Err(uhi_err(
                "uhi_schema",
                format!("schema version {} is not supported (only 1)", ir.uhi_schema),
            ));
        }
        if ir.axes.is_empty() || ir.axes.len() > 2 {
            return Err(uhi_err(
                "axes",
                format!("{} axes; hepframe histograms have 1 or 2", ir.axes.len()),
            ));
        }
        let mut axes = Vec::with_capacity(ir.axes.len());
        // (underflow, overflow) flags of the input, per axis.
        let mut flows = Vec::with_capacity(ir.axes.len());
        for (i, a) in ir.axes.iter().enumerate() {
            let (axis, flow) = read_axis(a, &format!("axes[{i}]"))?;
            axes.push(axis);
            flows.push(flow);
        }
        let (storage, index, values, variances) = match decode::<StorageIr>(&ir.storage, "storage")?
        {
            StorageIr::Int { index, values } | StorageIr::Double { index, values } => {
                (Storage::Double, index, values, None)
            }
            StorageIr::Weighted {
                index,
                values,
                variances,
            } => {
                if values.is_some() != variances.is_some() {
                    return Err(uhi_err(
                        "storage",
                        "weighted storage needs both `values` and `variances`",
                    ));
                }
                (Storage::Weight, index, values, variances)
            }
        };
        let layout = Layout::new(&axes, &flows);
        layout.check_cells(index.as_ref(), values.as_ref())?;
        let mut h = Histogram::with_axes(axes, storage);
        if let Some(v) = &values {
            layout.read_into(v, index.as_ref(), &mut h.values, "storage.values")?;
        }
        if let Some(v) = &variances {
            layout.read_into(v, index.as_ref(), &mut h.sumw2, "storage.variances")?;
        }
        let metadata = ir.metadata.unwrap_or_default();
        let text = |key: &str| metadata.get(key).and_then(Value::as_str).map(str::to_owned);
        h.name = text("name").unwrap_or_default();
        h.title = text("title").or_else(|| text("label")).unwrap_or_default();
        let ours = ir.writer_info.as_ref().and_then(|w| w.get(WRITER));
        let recorded = ours.and_then(|w| w.get("entries")).and_then(Value::as_u64);
        h.nonfinite = ours
            .and_then(|w| w.get("nonfinite"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        // The running sums when this crate wrote them; unknown otherwise.
        h.stats = ours.and_then(|w| {
            let mut out = [0.0; 7];
            for (o, key) in out.iter_mut().zip(STATS_KEYS) {
                *o = read_number(w.get(key)?)?;
            }
            Some(crate::histogram::Stats::from_array(out))
        });
        h.entries = recorded.unwrap_or_else(|| {
            let total: f64 = h.values.iter().filter(|v| v.is_finite()).sum();
            if total > 0.0 {
                total.round() as u64
            } else {
                0
            }
        });
        Ok(h)
    }
}

/// Histograms of up to this many cells (flow bins included) may be declared by their axes alone,
/// with sparse or no values; larger ones must give every value densely.
const CELLS_WITHOUT_DATA: usize = 1 << 22;

/// The numbers of a dense (nested) array of values; anything that is not an array counts one.
fn dense_numbers(v: &Value) -> usize {
    match v {
        Value::Array(items) => items.iter().map(dense_numbers).sum(),
        _ => 1,
    }
}

/// The keys of ROOT's running sums in `writer_info.hepframe`, named as TH1/TH2's members.
const STATS_KEYS: [&str; 7] = [
    "tsumw", "tsumw2", "tsumwx", "tsumwx2", "tsumwy", "tsumwy2", "tsumwxy",
];

/// A float as JSON: finite ones as numbers, others as "nan", "inf", "-inf".
fn number(x: f64) -> Value {
    if x.is_finite() {
        Value::from(x)
    } else if x.is_nan() {
        Value::from("nan")
    } else if x > 0.0 {
        Value::from("inf")
    } else {
        Value::from("-inf")
    }
}

fn read_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "nan" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

fn read_axis(value: &Value, path: &str) -> Result<(Axis, (bool, bool))> {
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
    if !matches!(kind, "regular" | "variable") {
        return Err(uhi_err(
            format!("{path}.type"),
            format!(
                "axis type `{kind}` is not supported; hepframe histograms have regular and \
                 variable axes"
            ),
        ));
    }
    let ir: AxisIr = decode(value, path)?;
    let bad = |e: HistError| uhi_err(path, e.to_string());
    let (axis, underflow, overflow, circular, metadata) = match ir {
        AxisIr::Regular {
            lower,
            upper,
            bins,
            underflow,
            overflow,
            circular,
            metadata,
        } => {
            // Room for the two flow bins, so extents never overflow.
            let bins = usize::try_from(bins)
                .ok()
                .filter(|b| b.checked_add(2).is_some())
                .ok_or_else(|| uhi_err(format!("{path}.bins"), "too many bins"))?;
            let axis = Axis::regular(bins, lower, upper).map_err(bad)?;
            (axis, underflow, overflow, circular, metadata)
        }
        AxisIr::Variable {
            edges,
            underflow,
            overflow,
            circular,
            metadata,
        } => {
            let edges: Vec<f64> = match &edges {
                Value::String(s) => {
                    return Err(uhi_err(
                        format!("{path}.edges"),
                        format!("edges stored outside the JSON (`{s}`) are not supported"),
                    ))
                }
                other => decode(other, &format!("{path}.edges"))?,
            };
            let axis = Axis::variable(edges).map_err(bad)?;
            (axis, underflow, overflow, circular, metadata)
        }
    };
    if circular {
        return Err(uhi_err(
            format!("{path}.circular"),
            "circular axes are not supported",
        ));
    }
    let label = metadata
        .as_ref()
        .and_then(|m| m.get("label"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok((axis.with_label(label), (underflow, overflow)))
}

/// How the input's arrays map onto our flow-inclusive storage.
struct Layout {
    /// Length of each input dimension.
    input: Vec<usize>,
    /// Offset added to an input index to get ours (1 when the input has no underflow bin).
    offset: Vec<usize>,
    /// Our extent per axis.
    ours: Vec<usize>,
}

impl Layout {
    fn new(axes: &[Axis], flows: &[(bool, bool)]) -> Self {
        let input = axes
            .iter()
            .zip(flows)
            .map(|(a, &(u, o))| a.bins() + usize::from(u) + usize::from(o))
            .collect();
        let offset = flows.iter().map(|&(u, _)| usize::from(!u)).collect();
        let ours = axes.iter().map(Axis::extent).collect();
        Self {
            input,
            offset,
            ours,
        }
    }

    /// Refuse, before anything is allocated, a histogram whose axes declare more cells than
    /// the JSON's numbers justify: a partial result with `"bins": 100555555555` and 102 values
    /// would otherwise ask for 800 GB (found by the `partial_and_plan` fuzz target). Up to
    /// [`CELLS_WITHOUT_DATA`] cells are taken as declared; beyond, the storage must hold every
    /// value of the input's layout in dense arrays, so what is allocated grows with the input.
    fn check_cells(&self, index: Option<&Value>, values: Option<&Value>) -> Result<()> {
        let product = |dims: &[usize]| dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let (Some(cells), Some(input)) = (product(&self.ours), product(&self.input)) else {
            return Err(uhi_err("axes", "too many bins: their product overflows"));
        };
        if cells <= CELLS_WITHOUT_DATA {
            return Ok(());
        }
        let given = match (index, values) {
            (None, Some(v)) => dense_numbers(v),
            _ => 0,
        };
        if given == input {
            return Ok(());
        }
        Err(uhi_err(
            "storage",
            format!(
                "the axes declare {cells} cells (flow bins included) but the storage gives {given} \
                 of their {input} values densely; a histogram of more than {CELLS_WITHOUT_DATA} \
                 cells is read only with every value given"
            ),
        ))
    }

    fn slot(&self, input_index: &[usize]) -> usize {
        let mut slot = 0;
        for ((&extent, &i), &offset) in self.ours.iter().zip(input_index).zip(&self.offset) {
            slot = slot * extent + i + offset;
        }
        slot
    }

    /// Reads a dense nested array or a sparse list into `out`.
    fn read_into(
        &self,
        data: &Value,
        index: Option<&Value>,
        out: &mut [f64],
        path: &str,
    ) -> Result<()> {
        if let Value::String(s) = data {
            return Err(uhi_err(
                path,
                format!("data stored outside the JSON (`{s}`) is not supported"),
            ));
        }
        match index {
            None => {
                let mut flat = Vec::with_capacity(self.input.iter().product());
                flatten(data, &self.input, path, &mut flat)?;
                let mut i = 0;
                match self.input.as_slice() {
                    [n] => {
                        for ix in 0..*n {
                            out[self.slot(&[ix])] = flat[i];
                            i += 1;
                        }
                    }
                    [nx, ny] => {
                        for ix in 0..*nx {
                            for iy in 0..*ny {
                                out[self.slot(&[ix, iy])] = flat[i];
                                i += 1;
                            }
                        }
                    }
                    _ => {}
                }
                Ok(())
            }
            Some(index) => self.read_sparse(data, index, out, path),
        }
    }

    fn read_sparse(&self, data: &Value, index: &Value, out: &mut [f64], path: &str) -> Result<()> {
        let ipath = "storage.index";
        if let Value::String(s) = index {
            return Err(uhi_err(
                ipath,
                format!("an index stored outside the JSON (`{s}`) is not supported"),
            ));
        }
        let rows: Vec<Vec<u64>> = decode(index, ipath)?;
        if rows.len() != self.input.len() {
            return Err(uhi_err(
                ipath,
                format!("{} index rows for {} axes", rows.len(), self.input.len()),
            ));
        }
        let count = rows.first().map_or(0, Vec::len);
        let mut flat = Vec::with_capacity(count);
        flatten(data, &[count], path, &mut flat)?;
        for (d, row) in rows.iter().enumerate() {
            if row.len() != count {
                return Err(uhi_err(
                    format!("{ipath}[{d}]"),
                    format!("{} indices, but {count} values", row.len()),
                ));
            }
            if let Some(&bad) = row.iter().find(|&&i| i as usize >= self.input[d]) {
                return Err(uhi_err(
                    format!("{ipath}[{d}]"),
                    format!("index {bad} is outside the axis ({} slots)", self.input[d]),
                ));
            }
        }
        let mut at = vec![0usize; rows.len()];
        for (k, v) in flat.into_iter().enumerate() {
            for (d, row) in rows.iter().enumerate() {
                at[d] = row[k] as usize;
            }
            out[self.slot(&at)] = v;
        }
        Ok(())
    }
}

/// Appends the numbers of a nested array of the given shape to `out` (null reads as NaN).
fn flatten(value: &Value, shape: &[usize], path: &str, out: &mut Vec<f64>) -> Result<()> {
    let Some((&n, rest)) = shape.split_first() else {
        return match value {
            Value::Number(num) => {
                out.push(num.as_f64().unwrap_or(f64::NAN));
                Ok(())
            }
            Value::Null => {
                out.push(f64::NAN);
                Ok(())
            }
            other => Err(uhi_err(path, format!("expected a number, found {other}"))),
        };
    };
    let Value::Array(items) = value else {
        return Err(uhi_err(
            path,
            format!("expected an array of {n} elements, found {value}"),
        ));
    };
    if items.len() != n {
        return Err(uhi_err(
            path,
            format!(
                "expected {n} elements (the axis bins plus its flow bins), found {}",
                items.len()
            ),
        ));
    }
    for (i, item) in items.iter().enumerate() {
        flatten(item, rest, &format!("{path}[{i}]"), out)?;
    }
    Ok(())
}

/// Writes `histograms` as one JSON object mapping each name to its UHI histogram (the
/// `histograms.json` file of `hepframe run`), in the order given. Names must be unique.
///
/// The `name` in each histogram's metadata is the key it is written under.
pub fn write_uhi_file(path: impl AsRef<Path>, histograms: &[(&str, &Histogram)]) -> Result<()> {
    let path = path.as_ref();
    let mut seen = std::collections::HashSet::new();
    for (name, _) in histograms {
        if !seen.insert(*name) {
            return Err(HistError::DuplicateName {
                name: (*name).to_owned(),
            });
        }
    }
    let io_err = |action, source| HistError::Io {
        action,
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::create(path).map_err(|e| io_err("create", e))?;
    let mut out = std::io::BufWriter::new(file);
    let mut write = || -> std::io::Result<()> {
        out.write_all(b"{")?;
        for (i, (name, h)) in histograms.iter().enumerate() {
            out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut out, name)?;
            out.write_all(b": ")?;
            let mut one = h.to_uhi_out();
            one.metadata.insert("name".into(), Value::from(*name));
            serde_json::to_writer(&mut out, &one)?;
        }
        out.write_all(b"\n}\n")?;
        out.flush()
    };
    write().map_err(|e| io_err("write", e))
}

/// Reads a UHI JSON file: either an object mapping names to histograms, returned in the file's
/// key order sorted by name, or a single histogram, returned under its metadata name.
pub fn read_uhi_file(path: impl AsRef<Path>) -> Result<Vec<(String, Histogram)>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| HistError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|source| HistError::Json {
        path: path.to_owned(),
        source,
    })?;
    if value.get("uhi_schema").is_some() {
        let h = Histogram::from_uhi_json(&value)?;
        return Ok(vec![(h.name.clone(), h)]);
    }
    let Value::Object(map) = value else {
        return Err(uhi_err("$", "expected an object of named histograms"));
    };
    map.into_iter()
        .map(|(name, v)| {
            let mut h = Histogram::from_uhi_json(&v).map_err(|e| match e {
                HistError::Uhi { path, message } => HistError::Uhi {
                    path: format!("{name}.{path}"),
                    message,
                },
                other => other,
            })?;
            if h.name.is_empty() {
                h.name.clone_from(&name);
            }
            Ok((name, h))
        })
        .collect()
}

//! How a branch's bytes become a column: the [`Interpretation`] of a branch.
//!
//! Decided once per branch from its leaves and (for TBranchElement) its class and streamer
//! type, following `uproot5:src/uproot/interpretation/identify.py`.

use super::model::{class_model, is_stl, parse_type, Model};
use super::objects::{layout, ObjectLayout};
use super::Branch;
use crate::array::PrimitiveType;
use crate::streamer::{kind, StreamerInfos};

/// The on-disk encoding of one element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Element {
    /// A plain big-endian primitive.
    Primitive(PrimitiveType),
    /// `Double32_t` without range: stored as a 4-byte float, read as double.
    Double32AsFloat,
    /// `Float16_t`/`Double32_t` with a range `[low, high, nbits]`, `low < high`: a 4-byte
    /// unsigned integer `v`, value `v / factor + low` with `factor = bigint / (high - low)`,
    /// `bigint` = 2^nbits, or 2^32 - 1 for 32 bits (`TBufferFile::ReadWithFactor`,
    /// `TStreamerElement::GetRange`), computed in that order so the bits are ROOT's.
    Ranged {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// Bits (2..=32).
        nbits: u32,
        /// Whether the value is a double (Double32) or a float (Float16).
        double: bool,
    },
    /// `Float16_t`/`Double32_t` without range but with a bit count: 1 exponent byte and 2
    /// mantissa bytes (`TBufferFile::ReadWithNbits`).
    Truncated {
        /// Mantissa bits kept.
        nbits: u32,
        /// Whether the value is a double (Double32) or a float (Float16).
        double: bool,
    },
}

impl Element {
    /// Bytes per element on disk.
    pub fn disk_size(self) -> usize {
        match self {
            Element::Primitive(p) => match p {
                PrimitiveType::Bool | PrimitiveType::I8 | PrimitiveType::U8 => 1,
                PrimitiveType::I16 | PrimitiveType::U16 => 2,
                PrimitiveType::I32 | PrimitiveType::U32 | PrimitiveType::F32 => 4,
                PrimitiveType::I64 | PrimitiveType::U64 | PrimitiveType::F64 => 8,
            },
            Element::Double32AsFloat | Element::Ranged { .. } => 4,
            Element::Truncated { .. } => 3,
        }
    }
    /// The in-memory type.
    pub fn memory_type(self) -> PrimitiveType {
        match self {
            Element::Primitive(p) => p,
            Element::Double32AsFloat => PrimitiveType::F64,
            Element::Ranged { double, .. } | Element::Truncated { double, .. } => {
                if double {
                    PrimitiveType::F64
                } else {
                    PrimitiveType::F32
                }
            }
        }
    }
    pub(crate) fn name(self) -> String {
        match self {
            Element::Primitive(p) => p.root_name().to_string(),
            Element::Double32AsFloat => "Double32_t".into(),
            Element::Ranged {
                low,
                high,
                nbits,
                double,
            } => format!(
                "{}[{low},{high},{nbits}]",
                if double { "Double32_t" } else { "Float16_t" }
            ),
            Element::Truncated { nbits, double } => {
                format!(
                    "{}[nbits={nbits}]",
                    if double { "Double32_t" } else { "Float16_t" }
                )
            }
        }
    }
}

/// How to decode a branch.
#[derive(Debug, Clone, PartialEq)]
pub enum Interpretation {
    /// A fixed number of elements per entry (`x/F`: shape `[]`; `x[2][3]/F`: shape `[2, 3]`).
    Fixed {
        /// Element encoding.
        element: Element,
        /// Fixed dimensions per entry (empty for a scalar).
        shape: Vec<usize>,
    },
    /// A variable number of elements per entry with no per-entry header: NanoAOD leaf-count
    /// arrays (`Muon_pt[nMuon]`) and members of split TClonesArray/STL collections.
    /// The entry offsets come from the basket, or from the counter branch when ROOT did not
    /// write them (`kGenerateOffsetMap`).
    Counted {
        /// Element encoding.
        element: Element,
        /// Fixed inner dimensions (`x[n][3]` gives `[3]`).
        inner: Vec<usize>,
        /// The counter branch, if known.
        counter: Option<String>,
    },
    /// `std::vector<T>`: per entry an optional 10-byte header, an i32 count and the values.
    Vector {
        /// Element encoding.
        element: Element,
    },
    /// `std::vector<std::vector<T>>`: an outer header and count, then per inner vector an i32
    /// count and the values.
    VectorVector {
        /// Element encoding.
        element: Element,
    },
    /// A string per entry (`std::string`, `TString`, `char*`): a one-byte length (255 ⇒ a
    /// four-byte length follows) and the bytes.
    Strings,
    /// A `char*` member of a split object (`char* name; //[size]`): a four-byte length and the
    /// bytes (`TStreamerInfo` kCharStar), not the one-byte length of `Strings`.
    CharStar,
    /// `std::vector<std::string>`: a header, an i32 count, then that many strings.
    VectorString,
    /// A `std::vector<T>` member of the objects of a split collection: per entry a header,
    /// then for each object an i32 count and the values.
    VectorPerObject {
        /// Element encoding.
        element: Element,
    },
    /// A leaf list (`a/F:b/I:c[3]/D`): a record with one field per leaf, each entry holding
    /// the leaves' fixed-size values back to back.
    LeafList {
        /// `(leaf name, element, elements per entry)` in order.
        leaves: Vec<(String, Element, usize)>,
    },
    /// A whole object per entry (an unsplit branch), read through the streamer info.
    Object(Box<ObjectLayout>),
    /// A fixed-size array of objects in a split object (`TLorentzVector pg[6]`, streamer type
    /// kOffsetL + kObject or kAny): `len` objects per entry, each with its own header.
    ObjectArray {
        /// How to read one object.
        layout: Box<ObjectLayout>,
        /// Objects per entry.
        len: usize,
    },
    /// Any other C++ type — nested containers, maps, sets, containers of classes or strings —
    /// read value by value through its [`Model`]: one value per entry.
    Model(Box<Model>),
    /// A member of the objects of a split collection that is not a number (a string, a
    /// container, an object): per entry, that member of each of the entry's objects, back to
    /// back until the entry ends.
    ModelPerObject {
        /// What one object's member is.
        model: Box<Model>,
        /// Whether the entry starts with one byte count and version (strings and containers;
        /// objects have one each instead).
        entry_header: bool,
    },
    /// A member `T* x //[n]` of a split object: per entry one marker byte, then the values
    /// (`uproot5` reads these as `AsJagged(..., header_bytes=1)`).
    PointerArray {
        /// Element encoding.
        element: Element,
    },
}

impl Interpretation {
    /// A C++-like type description.
    pub fn type_name(&self) -> String {
        match self {
            Interpretation::Fixed { element, shape } => {
                let mut s = element.name();
                for d in shape {
                    s.push_str(&format!("[{d}]"));
                }
                s
            }
            Interpretation::Counted {
                element,
                inner,
                counter,
            } => {
                let mut s = format!("{}[{}]", element.name(), counter.as_deref().unwrap_or(""));
                for d in inner {
                    s.push_str(&format!("[{d}]"));
                }
                s
            }
            Interpretation::Vector { element } => format!("vector<{}>", element.name()),
            Interpretation::VectorVector { element } => {
                format!("vector<vector<{}>>", element.name())
            }
            Interpretation::Strings => "string".into(),
            Interpretation::CharStar => "char*".into(),
            Interpretation::VectorString => "vector<string>".into(),
            Interpretation::PointerArray { element } => format!("{}*", element.name()),
            Interpretation::VectorPerObject { element } => format!("vector<{}>[]", element.name()),
            Interpretation::Object(l) => l.type_name(),
            Interpretation::Model(m) => m.type_name(),
            Interpretation::ModelPerObject { model, .. } => format!("{}[]", model.type_name()),
            Interpretation::ObjectArray { layout, len } => format!("{}[{len}]", layout.type_name()),
            Interpretation::LeafList { leaves } => format!(
                "{{{}}}",
                leaves
                    .iter()
                    .map(|(n, e, k)| if *k > 1 {
                        format!("{n}: {}[{k}]", e.name())
                    } else {
                        format!("{n}: {}", e.name())
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Decide how to decode `branch`, or say why it cannot be decoded.
pub fn interpret(branch: &Branch, infos: &StreamerInfos) -> Result<Interpretation, String> {
    if let Some(el) = &branch.element {
        return interpret_element(branch, el, infos);
    }
    match branch.leaves.as_slice() {
        [] => Err("branch has no leaves".into()),
        [leaf] => interpret_leaf(leaf, branch),
        leaves => {
            let mut out = Vec::with_capacity(leaves.len());
            for leaf in leaves {
                if !leaf.described {
                    return Err(format!(
                        "the file has no streamer info for the leaf class {}",
                        leaf.class
                    ));
                }
                if leaf.count_leaf.is_some() || leaf.class == "TLeafC" {
                    return Err(format!(
                        "leaf list with a variable-size leaf ({}) is not supported",
                        leaf.name
                    ));
                }
                out.push((
                    leaf.name.clone(),
                    leaf_element(leaf)?,
                    leaf.len.max(1) as usize,
                ));
            }
            Ok(Interpretation::LeafList { leaves: out })
        }
    }
}

fn leaf_element(leaf: &super::Leaf) -> Result<Element, String> {
    let u = leaf.is_unsigned;
    let p = |s: PrimitiveType, us: PrimitiveType| Ok(Element::Primitive(if u { us } else { s }));
    match leaf.class.as_str() {
        "TLeafO" => p(PrimitiveType::Bool, PrimitiveType::Bool),
        "TLeafB" => p(PrimitiveType::I8, PrimitiveType::U8),
        "TLeafS" => p(PrimitiveType::I16, PrimitiveType::U16),
        "TLeafI" => p(PrimitiveType::I32, PrimitiveType::U32),
        "TLeafL" | "TLeafG" => p(PrimitiveType::I64, PrimitiveType::U64),
        "TLeafF" => p(PrimitiveType::F32, PrimitiveType::F32),
        "TLeafD" => p(PrimitiveType::F64, PrimitiveType::F64),
        "TLeafF16" => Ok(float16_or_double32(&leaf.title, false)),
        "TLeafD32" => Ok(float16_or_double32(&leaf.title, true)),
        "TLeafElement" => {
            let t = leaf.element_type.unwrap_or(-1);
            let t = if t > kind::OFFSET_L && t < kind::OFFSET_P {
                t - kind::OFFSET_L
            } else {
                t
            };
            element_from_code(t, &leaf.title)
                .ok_or_else(|| format!("TLeafElement of streamer type {t}"))
        }
        other => Err(format!("leaf class {other}")),
    }
}

/// An element from a streamer type code (`kind::*`); `title` holds Float16/Double32 ranges.
pub fn element_for_code(t: i32, title: &str) -> Option<Element> {
    element_from_code(t, title)
}

fn element_from_code(t: i32, title: &str) -> Option<Element> {
    use PrimitiveType as P;
    Some(Element::Primitive(match t {
        kind::BOOL => P::Bool,
        kind::CHAR => P::I8,
        kind::UCHAR | kind::LEGACY_CHAR => P::U8,
        kind::SHORT => P::I16,
        kind::USHORT => P::U16,
        kind::INT | kind::COUNTER => P::I32,
        kind::UINT | kind::BITS => P::U32,
        kind::LONG | kind::LONG64 => P::I64,
        kind::ULONG | kind::ULONG64 => P::U64,
        kind::FLOAT => P::F32,
        kind::DOUBLE => P::F64,
        kind::DOUBLE32 => return Some(float16_or_double32(title, true)),
        kind::FLOAT16 => return Some(float16_or_double32(title, false)),
        _ => return None,
    }))
}

/// The element of a `Double32_t` (`double`) or `Float16_t` member or leaf, from the range in
/// its comment or leaf title, decided exactly as ROOT decides it when reading
/// (`TStreamerElement::GetRange`, then `TBufferFile::ReadDouble32`/`ReadFloat16`):
///
/// - `[low, high]` or `[low, high, nbits]` with `low < high`: a 4-byte integer scaled by
///   `factor = bigint / (high - low)` ([`Element::Ranged`]);
/// - otherwise `low` is replaced by `nbits + 0.1` when `nbits < 15`, and `(int)low` bits of
///   mantissa are kept ([`Element::Truncated`]) — `[0, 0, 12]`;
/// - otherwise (no range, or `[0, 0]` with 15 bits or more) a Double32 is a 4-byte float, and a
///   Float16 keeps 12 bits of mantissa.
///
/// The range is the first `[...]` holding a comma (a `[3]` before it is a dimension); `pi`,
/// `2pi`, `2*pi`, `twopi`, `pi/2`, `pi/4` and a `-` anywhere in a bound are read as ROOT reads
/// them, other bounds with C's `%lg`, and an `nbits` outside 2..=32 becomes 32.
pub fn float16_or_double32(title: &str, double: bool) -> Element {
    let (low, high, nbits, factor) = root_range(title);
    if factor != 0.0 {
        return Element::Ranged {
            low,
            high,
            nbits,
            double,
        };
    }
    let bits = low as i32; // (Int_t)fXmin, as ReadDouble32 takes it
    match (bits, double) {
        (1..=31, _) => Element::Truncated {
            nbits: bits as u32,
            double,
        },
        (_, true) => Element::Double32AsFloat,
        (_, false) => Element::Truncated {
            nbits: 12,
            double: false,
        },
    }
}

/// `TStreamerElement::GetRange`: `(xmin, xmax, nbits, factor)` from a comment or leaf title.
fn root_range(title: &str) -> (f64, f64, u32, f64) {
    let none = (0.0, 0.0, 32, 0.0);
    let Some(mut left) = title.find('[') else {
        return none;
    };
    let Some(mut right) = title[left..].find(']').map(|r| r + left) else {
        return none;
    };
    let mut comma = title[left..].find(',').map(|c| c + left);
    if comma.is_none_or(|c| c > right) {
        // The first bracket was a dimension: try the next one.
        let Some(l) = title[right..].find('[').map(|l| l + right) else {
            return none;
        };
        let Some(r) = title[l..].find(']').map(|r| r + l) else {
            return none;
        };
        (left, right) = (l, r);
        comma = title[left..].find(',').map(|c| c + left);
        if comma.is_none_or(|c| c > right) {
            return none;
        }
    }
    let comma = comma.unwrap_or(right);
    let mut nbits: i64 = 32;
    let mut end = right;
    if let Some(c2) = title[comma + 1..].find(',').map(|c| c + comma + 1) {
        if c2 < right {
            if let Some(n) = scan_int(&title[c2 + 1..right]) {
                nbits = n;
            }
            if !(2..=32).contains(&nbits) {
                nbits = 32;
            }
            end = c2;
        }
    }
    let mut xmin = root_bound(&title[left + 1..comma]);
    let xmax = root_bound(&title[comma + 1..end]);
    let bigint: u32 = if nbits < 32 { 1 << nbits } else { 0xffff_ffff };
    let factor = if xmin < xmax {
        bigint as f64 / (xmax - xmin)
    } else {
        0.0
    };
    if xmin >= xmax && nbits < 15 {
        xmin = nbits as f64 + 0.1;
    }
    (xmin, xmax, nbits as u32, factor)
}

/// One bound of a range, as `TStreamerElement::GetRange` reads it.
fn root_bound(text: &str) -> f64 {
    let s: String = text.to_lowercase().chars().filter(|c| *c != ' ').collect();
    const PI: f64 = std::f64::consts::PI;
    if s.contains("pi") {
        let v = if s.contains("2pi") || s.contains("2*pi") || s.contains("twopi") {
            2.0 * PI
        } else if s.contains("pi/2") {
            PI / 2.0
        } else if s.contains("pi/4") {
            PI / 4.0
        } else {
            PI
        };
        if s.contains('-') {
            -v
        } else {
            v
        }
    } else {
        scan_float(&s).unwrap_or(0.0)
    }
}

/// C's `sscanf("%lg")`: the longest prefix (after blanks) that is a number.
fn scan_float(s: &str) -> Option<f64> {
    let s = s.trim_start();
    (1..=s.len())
        .rev()
        .filter(|&n| s.is_char_boundary(n))
        .find_map(|n| {
            let p = &s[..n];
            // Rust also parses "inf"/"nan" words, as C does; it refuses a trailing "e".
            p.parse::<f64>().ok()
        })
}

/// C's `sscanf("%d")`: an optional sign and the digits after blanks.
fn scan_int(s: &str) -> Option<i64> {
    let s = s.trim_start();
    let digits = s
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && (*c == '-' || *c == '+')))
        .count();
    s[..digits].parse::<i64>().ok()
}

/// Dimensions in a leaf title, e.g. `m[2][3]/D` → (None, [2, 3]); `pt[nMuon]/F` →
/// (Some("nMuon"), []).
fn title_dims(title: &str) -> (Option<String>, Vec<usize>) {
    let head = title.split('/').next().unwrap_or("");
    let mut counter = None;
    let mut dims = Vec::new();
    let mut rest = head;
    while let Some(l) = rest.find('[') {
        let Some(r) = rest[l..].find(']') else { break };
        let inside = &rest[l + 1..l + r];
        if inside.contains(',') {
            // A Double32_t/Float16_t range (`d[-2.71,10,32]/d`), not a dimension.
            rest = &rest[l + r + 1..];
            continue;
        }
        match inside.trim().parse::<usize>() {
            Ok(d) => dims.push(d),
            Err(_) if dims.is_empty() && counter.is_none() => counter = Some(inside.to_string()),
            Err(_) => {}
        }
        rest = &rest[l + r + 1..];
    }
    (counter, dims)
}

fn interpret_leaf(leaf: &super::Leaf, branch: &Branch) -> Result<Interpretation, String> {
    if leaf.class == "TLeafC" {
        return Ok(Interpretation::Strings);
    }
    if !leaf.described {
        // Its length and counter are unknown: reading it as a scalar could be wrong.
        return Err(format!(
            "the file has no streamer info for its leaf class {}, and ROOT's own layouts do not \
             have that version",
            leaf.class
        ));
    }
    let element = leaf_element(leaf)?;
    let (counter, dims) = title_dims(&leaf.title);
    let dims = if dims.is_empty() {
        title_dims(&leaf.name).1
    } else {
        dims
    };
    if leaf.count_leaf.is_some() || counter.is_some() {
        return Ok(Interpretation::Counted {
            element,
            inner: dims,
            counter: leaf
                .count_branch
                .clone()
                .or(leaf.count_leaf.clone())
                .or(counter),
        });
    }
    let len = leaf.len.max(1) as usize;
    let shape = if dims.iter().product::<usize>() == len && !dims.is_empty() {
        dims
    } else if len > 1 {
        vec![len]
    } else {
        vec![]
    };
    let _ = branch;
    Ok(Interpretation::Fixed { element, shape })
}

/// Parse a C++ container type into an interpretation.
fn from_type_name(name: &str, title: &str) -> Option<Interpretation> {
    let n: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    let n = n.replace("std::", "");
    if n == "string" || n == "TString" || n == "char*" {
        return Some(Interpretation::Strings);
    }
    if n == "vector<string>" || n == "vector<TString>" {
        return Some(Interpretation::VectorString);
    }
    if let Some(inner) = n.strip_prefix("vector<").and_then(|s| s.strip_suffix('>')) {
        if let Some(inner2) = inner
            .strip_prefix("vector<")
            .and_then(|s| s.strip_suffix('>'))
        {
            let e = primitive_from_name(inner2, title)?;
            return Some(Interpretation::VectorVector { element: e });
        }
        let e = primitive_from_name(inner, title)?;
        return Some(Interpretation::Vector { element: e });
    }
    let e = primitive_from_name(&n, title)?;
    Some(Interpretation::Fixed {
        element: e,
        shape: vec![],
    })
}

fn primitive_from_name(n: &str, title: &str) -> Option<Element> {
    use PrimitiveType as P;
    Some(Element::Primitive(match n {
        "bool" | "Bool_t" => P::Bool,
        "char" | "Char_t" | "int8_t" => P::I8,
        "unsignedchar" | "UChar_t" | "uint8_t" => P::U8,
        "short" | "Short_t" | "int16_t" => P::I16,
        "unsignedshort" | "UShort_t" | "uint16_t" => P::U16,
        "int" | "Int_t" | "int32_t" => P::I32,
        "unsignedint" | "unsigned" | "UInt_t" | "uint32_t" => P::U32,
        "long" | "longlong" | "Long64_t" | "Long_t" | "int64_t" => P::I64,
        "unsignedlong" | "unsignedlonglong" | "ULong64_t" | "ULong_t" | "uint64_t" => P::U64,
        "float" | "Float_t" => P::F32,
        "double" | "Double_t" => P::F64,
        "Double32_t" => return Some(float16_or_double32(title, true)),
        "Float16_t" => return Some(float16_or_double32(title, false)),
        _ => return None,
    }))
}

fn interpret_element(
    branch: &Branch,
    el: &super::ElementInfo,
    infos: &StreamerInfos,
) -> Result<Interpretation, String> {
    let leaf = branch.leaves.first();
    // A Double32_t/Float16_t range is in the member's comment (the streamer element's title);
    // the leaf title of a split member is only its name (uproot reads the element's title too).
    let title = el
        .member_title
        .as_deref()
        .or(leaf.map(|l| l.title.as_str()))
        .unwrap_or("");
    match el.ftype {
        // Count branch of a split TClonesArray or STL collection: one i32 per entry.
        3 | 4 => {
            return Ok(Interpretation::Fixed {
                element: Element::Primitive(PrimitiveType::I32),
                shape: vec![],
            })
        }
        // Members of a split TClonesArray / STL collection: values of all objects back to back.
        31 | 41 => {
            let st = el.streamer_type;
            let (code, fixed) = if st > kind::OFFSET_L && st < kind::OFFSET_P {
                (
                    st - kind::OFFSET_L,
                    leaf.map(|l| l.len.max(1) as usize).unwrap_or(1),
                )
            } else {
                (st, 1)
            };
            if st == kind::STL {
                if let Some(Interpretation::Vector { element }) = el
                    .member_type
                    .as_deref()
                    .and_then(|t| from_type_name(t, title))
                {
                    return Ok(Interpretation::VectorPerObject { element });
                }
            }
            if el.member_name.as_deref() == Some("fBits")
                && (code == kind::UINT || code == kind::BITS)
            {
                // Referenced objects carry a process id after their fBits: walk the objects.
                return Ok(Interpretation::ModelPerObject {
                    model: Box::new(Model::ObjectBits),
                    entry_header: false,
                });
            }
            let Some(element) = element_from_code(code, title) else {
                return model_per_object(el, infos);
            };
            return Ok(Interpretation::Counted {
                element,
                inner: if fixed > 1 { vec![fixed] } else { vec![] },
                counter: None,
            });
        }
        _ => {}
    }
    // A whole object (fID -1) or a member: decide from the C++ type.
    let type_name = if el.id < 0 {
        Some(el.class_name.clone())
    } else if el.member_type.as_deref() == Some("BASE") {
        // A base class kept whole in one sub-branch (split level 1): an object of that class,
        // with its header.
        el.member_name.clone()
    } else {
        el.member_type.clone()
    };
    let st = el.streamer_type;
    if st > 0 && st < kind::OFFSET_L {
        if let Some(e) = element_from_code(st, title) {
            return Ok(Interpretation::Fixed {
                element: e,
                shape: vec![],
            });
        }
    }
    if st > kind::OFFSET_L && st < kind::OFFSET_P {
        if let Some(e) = element_from_code(st - kind::OFFSET_L, title) {
            let len = leaf.map(|l| l.len.max(1) as usize).unwrap_or(1);
            return Ok(Interpretation::Fixed {
                element: e,
                shape: vec![len],
            });
        }
    }
    if st > kind::OFFSET_P && st < kind::OFFSET_P + kind::OFFSET_L {
        if let Some(e) = element_from_code(st - kind::OFFSET_P, title) {
            return Ok(Interpretation::PointerArray { element: e });
        }
    }
    if st == kind::TSTRING || st == kind::STL_STRING {
        return Ok(Interpretation::Strings);
    }
    if st == kind::CHAR_STAR {
        return Ok(Interpretation::CharStar);
    }
    if let Some(t) = &type_name {
        if let Some(i) = from_type_name(t, title) {
            return Ok(i);
        }
    }
    if !branch.children.is_empty() {
        return Err("split object: read its sub-branches".into());
    }
    if let Some(t) = type_name.as_deref().filter(|t| is_stl(t)) {
        // A branch's whole value has a header, the containers inside it do not; a string is
        // headed only as a member of a split object (`uproot5`'s `interpretation_of`).
        let model = parse_type(t, infos, true, false, el.id >= 0)?;
        return Ok(Interpretation::Model(Box::new(model)));
    }
    let object_array = st == kind::OFFSET_L + kind::OBJECT || st == kind::OFFSET_L + kind::ANY;
    if let (true, Some(t)) = (object_array && el.member_array_length > 0, &type_name) {
        if infos.get(t, -1).is_some() {
            return Ok(Interpretation::ObjectArray {
                layout: Box::new(layout(infos, t, 0)?),
                len: el.member_array_length,
            });
        }
    }
    if let Some(t) = &type_name {
        if infos.get(t, -1).is_some() {
            let mut l = layout(infos, t, 0)?;
            l.headless |= el.id < 0 && el.ftype == 0;
            return Ok(Interpretation::Object(Box::new(l)));
        }
    }
    Err(format!(
        "objects of class {} are not supported yet",
        type_name.unwrap_or_else(|| el.class_name.clone())
    ))
}

/// A non-numeric member of the objects of a split collection (`TBranchElement` fType 31 or 41).
fn model_per_object(
    el: &super::ElementInfo,
    infos: &StreamerInfos,
) -> Result<Interpretation, String> {
    let unsupported = || {
        format!(
            "member of type {} in a split collection",
            el.member_type.as_deref().unwrap_or("?")
        )
    };
    let t = el.member_type.as_deref().ok_or_else(unsupported)?;
    let st = el.streamer_type;
    if (st == kind::OFFSET_L + kind::OBJECT || st == kind::OFFSET_L + kind::ANY)
        && el.member_array_length > 0
    {
        // A fixed-size array of objects per object (`TLorentzVector TrimmedP4[5]`).
        let l = layout(infos, t.trim_end_matches('*').trim(), 0)
            .map_err(|e| format!("{}: {e}", unsupported()))?;
        return Ok(Interpretation::ModelPerObject {
            model: Box::new(Model::Objects(Box::new(l), el.member_array_length)),
            entry_header: false,
        });
    }
    if st == kind::OBJECT || st == kind::ANY || st == kind::TNAMED {
        let model = class_model(infos, t.trim_end_matches('*').trim(), 0)
            .map_err(|e| format!("{}: {e}", unsupported()))?;
        return Ok(Interpretation::ModelPerObject {
            model: Box::new(model),
            entry_header: false,
        });
    }
    if !is_stl(t) {
        return Err(unsupported());
    }
    let model = parse_type(t, infos, false, false, true)?;
    Ok(Interpretation::ModelPerObject {
        model: Box::new(model),
        entry_header: true,
    })
}

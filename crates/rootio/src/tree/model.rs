//! One C++ value on disk, for every type a streamer info can describe — numbers, fixed arrays,
//! `std::string`/`TString`, STL containers nested to any depth (`vector`, `list`, `deque`,
//! `set`, `RVec`, `map`), `bitset` and classes — and how it is read into an [`Array`].
//!
//! The encodings are `TBufferFile`'s object-wise streaming, as ROOT's `TStreamerInfo` and
//! collection proxies write it and as `uproot5` reads it (`uproot/containers.py`,
//! `uproot/interpretation/identify.py::parse_typename`):
//!
//! - a container or string that is a class member, or the whole value of a branch, starts with
//!   a header (byte count | `kByteCountMask`, version); the containers inside it do not; every
//!   class object starts with its own header (`TBufferFile::ReadVersion`);
//! - a container holds an `i32` element count, then its elements: numbers back to back, other
//!   elements one after the other;
//! - a `std::map` is read object-wise (key, value, key, value, …) or, when its version has
//!   `kStreamedMemberWise` (bit 14) set, member-wise: a 6-byte header, the count, all keys
//!   (after a 6-byte header when the keys are containers), then all values (likewise); an
//!   empty map has nothing after its count;
//! - a string is a one-byte length (255: a four-byte length follows) and the bytes.
//!
//! A vector of classes streamed member-wise (bit 14 in a vector's version) is refused with a
//! clear error: uproot does not read it either, and no file of the test corpus holds one.
//!
//! Values land in Arrow-shaped columns: a container is [`Array::Jagged`], a class is
//! [`Array::Record`], a map is a list of `{_0: key, _1: value}` records (as std::pair is in
//! RNTuple), a bitset is a fixed-size list of booleans.

use super::decode::{append_elements, empty_for};
use super::interpretation::{float16_or_double32, Element};
use super::objects::{layout, read_object, read_object_as, ObjectLayout, Step};
use crate::array::{Array, PrimitiveType};
use crate::cursor::{Cursor, Header};
use crate::error::{Error, Result};
use crate::streamer::StreamerInfos;

/// `kStreamedMemberWise`: bit 14 of a collection's version (`TBufferFile::WriteVersionMemberWise`).
const MEMBERWISE: i16 = 0x4000;

/// Type names nest at most this deep (`vector<vector<…>>`, classes in classes).
pub(crate) const MAX_DEPTH: usize = 16;

/// What one value of a C++ type is on disk.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// A number.
    Number(Element),
    /// A fixed-size array of numbers (`Double_t fCov[15]`).
    Numbers(Element, usize),
    /// `T* x //[n]` in an object: a marker byte, then as many numbers as the member `counter`
    /// (read earlier in the same object) says, or nothing when the marker is 0
    /// (`TStreamerInfo::ReadBuffer`, `ReadBasicPointer`).
    CountedNumbers {
        /// Element encoding.
        element: Element,
        /// The name of the member that holds the count.
        counter: String,
    },
    /// `std::string` (with or without a header) or `TString` (never one).
    String {
        /// Whether a byte count and version come first.
        header: bool,
    },
    /// A class object, read through its streamer info (with its own header unless the layout is
    /// headless).
    Object(Box<ObjectLayout>),
    /// A fixed-size array of class objects (`TLorentzVector pg[3]`), each with its header.
    Objects(Box<ObjectLayout>, usize),
    /// `vector`, `list`, `deque`, `set`, `RVec`: a count and the items.
    Vector {
        /// Whether a byte count and version come first.
        header: bool,
        /// What each item is.
        items: Box<Model>,
    },
    /// `map`, `multimap`, `unordered_map`: a count and the pairs.
    Map {
        /// Whether a byte count and version come first.
        header: bool,
        /// What each key is.
        keys: Box<Model>,
        /// What each value is.
        values: Box<Model>,
    },
    /// `TObject::fBits` as a member of the objects of a split collection: 4 bytes, and 2 more
    /// (the process id) when the object is referenced (`kIsReferenced`, bit 4).
    ObjectBits,
    /// `TRef` (custom `TRef::Streamer`): `TObject` — version, fUniqueID (the number of the
    /// referenced object, kept as `ref`), fBits (and a process id if kIsReferenced) — then the
    /// 2-byte process id of the reference. As uproot's `Model_TRef`: `{ref}`.
    TRef,
    /// `TRefArray` (custom `TRefArray::Streamer`): a header, `TObject`, fName, the count, the
    /// lower bound, the process id, then one fUniqueID per reference. As uproot's
    /// `Model_TRefArray`: `{fName, fSize, refs}`.
    TRefArray,
    /// `std::bitset<N>`: a count, then one byte per bit (`uproot.containers.AsBitSet`).
    BitSet {
        /// Whether a byte count and version come first.
        header: bool,
        /// N.
        bits: usize,
    },
}

impl Model {
    /// An empty column for values of this model.
    pub fn empty_array(&self) -> Array {
        match self {
            Model::Number(e) => empty_for(*e),
            Model::Numbers(e, n) => Array::Fixed {
                size: *n,
                values: Box::new(empty_for(*e)),
            },
            Model::CountedNumbers { element, .. } => jagged(empty_for(*element)),
            Model::String { .. } => Array::Strings {
                offsets: vec![0],
                data: Vec::new(),
            },
            Model::Object(l) => l.empty_array(),
            Model::Objects(l, n) => Array::Fixed {
                size: *n,
                values: Box::new(l.empty_array()),
            },
            Model::Vector { items, .. } => jagged(items.empty_array()),
            Model::Map { keys, values, .. } => jagged(Array::Record {
                fields: vec![
                    ("_0".to_string(), keys.empty_array()),
                    ("_1".to_string(), values.empty_array()),
                ],
                len: 0,
            }),
            Model::BitSet { bits, .. } => Array::Fixed {
                size: *bits,
                values: Box::new(Array::Bool(Vec::new())),
            },
            Model::ObjectBits => Array::U32(Vec::new()),
            Model::TRef => Array::Record {
                fields: vec![("ref".into(), Array::U32(Vec::new()))],
                len: 0,
            },
            Model::TRefArray => Array::Record {
                fields: vec![
                    (
                        "fName".into(),
                        Array::Strings {
                            offsets: vec![0],
                            data: Vec::new(),
                        },
                    ),
                    ("fSize".into(), Array::I32(Vec::new())),
                    ("refs".into(), jagged(Array::I32(Vec::new()))),
                ],
                len: 0,
            },
        }
    }

    /// A C++-like description.
    pub fn type_name(&self) -> String {
        match self {
            Model::Number(e) => e.name(),
            Model::Numbers(e, n) => format!("{}[{n}]", e.name()),
            Model::CountedNumbers { element, counter } => {
                format!("{}[{counter}]", element.name())
            }
            Model::String { .. } => "string".into(),
            Model::Object(l) => l.type_name(),
            Model::Objects(l, n) => format!("{}[{n}]", l.type_name()),
            Model::Vector { items, .. } => format!("vector<{}>", items.type_name()),
            Model::Map { keys, values, .. } => {
                format!("map<{},{}>", keys.type_name(), values.type_name())
            }
            Model::BitSet { bits, .. } => format!("bitset<{bits}>"),
            Model::ObjectBits => "UInt_t".into(),
            Model::TRef => "TRef".into(),
            Model::TRefArray => "TRefArray".into(),
        }
    }

    /// Whether this value starts with a byte count and version.
    pub(crate) fn has_header(&self) -> bool {
        match self {
            Model::String { header }
            | Model::Vector { header, .. }
            | Model::Map { header, .. }
            | Model::BitSet { header, .. } => *header,
            Model::Object(l) => !l.headless,
            Model::TRefArray => true,
            _ => false,
        }
    }

    /// The fewest bytes one value takes: bounds every count read from a file.
    fn min_size(&self) -> usize {
        match self {
            Model::Number(e) => e.disk_size(),
            Model::Numbers(e, n) => e.disk_size() * n,
            Model::CountedNumbers { .. } | Model::String { .. } => 1,
            Model::Object(l) => usize::from(!l.headless) * 2,
            Model::Objects(_, n) => 2 * n,
            Model::Vector { .. } | Model::Map { .. } | Model::BitSet { .. } => 4,
            Model::ObjectBits => 4,
            Model::TRef => 12,
            Model::TRefArray => 21,
        }
        .max(1)
    }

    /// Read one value, appending it to `out` (a column from [`Model::empty_array`]).
    pub fn read(&self, c: &mut Cursor<'_>, out: &mut Array) -> Result<()> {
        self.read_as(c, out, self.has_header())
    }

    /// Read one value; `header` overrides whether this outermost level has a header (inner
    /// levels keep their own).
    pub fn read_as(&self, c: &mut Cursor<'_>, out: &mut Array, header: bool) -> Result<()> {
        match self {
            Model::Number(e) => append_elements(out, *e, c.bytes(e.disk_size())?),
            Model::Numbers(e, n) => {
                let bytes = c.bytes(e.disk_size() * n)?;
                append_elements(fixed_values(out)?, *e, bytes)
            }
            Model::CountedNumbers { .. } => Err(Error::corrupt(
                "internal: a counted pointer member is read by its object",
            )),
            Model::String { .. } => {
                let h = read_header(c, header)?;
                let s = c.string_bytes()?;
                let Array::Strings { offsets, data } = out else {
                    return Err(mismatch());
                };
                data.extend_from_slice(s);
                offsets.push(data.len() as i64);
                finish(c, h)
            }
            Model::Object(l) => read_object_as(c, l, out, header),
            Model::Objects(l, n) => {
                let values = fixed_values(out)?;
                for _ in 0..*n {
                    read_object(c, l, values)?;
                }
                Ok(())
            }
            Model::Vector { items, .. } => {
                let h = read_header(c, header)?;
                if h.as_ref().is_some_and(|h| h.version & MEMBERWISE != 0) {
                    read_memberwise(c, items, out)?;
                    return finish(c, h);
                }
                let n = c.i32()?;
                let n = c.check_count(n as i64, items.min_size(), "vector element")?;
                let (offsets, values) = jagged_parts(out)?;
                read_items(c, items, n, values)?;
                push_len(offsets, n);
                finish(c, h)
            }
            Model::Map { keys, values, .. } => {
                let h = read_header(c, header)?;
                let memberwise = h.as_ref().is_some_and(|h| h.version & MEMBERWISE != 0);
                if memberwise {
                    c.skip(6)?;
                }
                let n = c.i32()?;
                let n =
                    c.check_count(n as i64, keys.min_size() + values.min_size(), "map element")?;
                let (offsets, pairs) = jagged_parts(out)?;
                let Array::Record { fields, len } = pairs else {
                    return Err(mismatch());
                };
                let [(_, kout), (_, vout)] = fields.as_mut_slice() else {
                    return Err(mismatch());
                };
                if memberwise {
                    for (model, out) in [(keys, kout), (values, vout)] {
                        // Containers and strings share one header; objects keep their own.
                        // An empty map has nothing after its count.
                        let object = matches!(**model, Model::Object(_));
                        if model.has_header() && !object && n > 0 {
                            c.skip(6)?;
                        }
                        for _ in 0..n {
                            if object {
                                model.read(c, out)?;
                            } else {
                                model.read_as(c, out, false)?;
                            }
                        }
                    }
                } else {
                    for _ in 0..n {
                        keys.read(c, kout)?;
                        values.read(c, vout)?;
                    }
                }
                *len += n;
                push_len(offsets, n);
                finish(c, h)
            }
            Model::ObjectBits => {
                let bits = c.u32()?;
                if bits & (1 << 4) != 0 {
                    c.u16()?;
                }
                let Array::U32(v) = out else {
                    return Err(mismatch());
                };
                v.push(bits);
                Ok(())
            }
            Model::TRef => {
                let Array::Record { fields, len } = out else {
                    return Err(mismatch());
                };
                let (uid, _) = crate::streamer::read_tobject(c)?;
                c.u16()?;
                let [(_, Array::U32(refs))] = fields.as_mut_slice() else {
                    return Err(mismatch());
                };
                refs.push(uid);
                *len += 1;
                Ok(())
            }
            Model::TRefArray => {
                let h = read_header(c, header)?;
                crate::streamer::read_tobject(c)?;
                let name = c.string_bytes()?;
                let n = c.i32()?;
                c.i32()?; // fLowerBound
                c.u16()?; // the process id
                let n = c.check_count(n as i64, 4, "TRefArray")?;
                let refs = c.bytes(4 * n)?;
                let Array::Record { fields, len } = out else {
                    return Err(mismatch());
                };
                let [(_, Array::Strings { offsets, data }), (_, Array::I32(size)), (_, r)] =
                    fields.as_mut_slice()
                else {
                    return Err(mismatch());
                };
                data.extend_from_slice(name);
                offsets.push(data.len() as i64);
                size.push(n as i32);
                let (ro, rv) = jagged_parts(r)?;
                append_elements(rv, Element::Primitive(PrimitiveType::I32), refs)?;
                push_len(ro, n);
                *len += 1;
                finish(c, h)
            }
            Model::BitSet { bits, .. } => {
                let h = read_header(c, header)?;
                let n = c.i32()?;
                let n = c.check_count(n as i64, 1, "bitset")?;
                if n != *bits {
                    return Err(c.corrupt(format!("a bitset<{bits}> holding {n} bits")));
                }
                let bytes = c.bytes(n)?;
                let Array::Bool(v) = fixed_values(out)? else {
                    return Err(mismatch());
                };
                v.extend(bytes.iter().map(|b| *b != 0));
                finish(c, h)
            }
        }
    }
}

/// A collection of objects streamed member-wise (`TStreamerInfo::ReadBufferSTL`, uproot's
/// `AsVector.read` for `std::pair`): the items' class version and checksum (6 bytes), the
/// count, then the first member of every item, the second member of every item, and so on.
/// Only classes made of plain data members (no base classes) are read so.
fn read_memberwise(c: &mut Cursor<'_>, items: &Model, out: &mut Array) -> Result<()> {
    let Model::Object(l) = items else {
        return Err(Error::unsupported(format!(
            "a vector<{}> streamed member-wise",
            items.type_name()
        )));
    };
    let models = || {
        l.steps.iter().filter_map(|s| match s {
            Step::Field(_, m) => Some(m),
            _ => None,
        })
    };
    let plain =
        |s: &Step| matches!(s, Step::Field(_, m) if !matches!(m, Model::CountedNumbers { .. }));
    if !l.steps.iter().all(plain) {
        return Err(Error::unsupported(format!(
            "a vector<{}> streamed member-wise (its class has base classes or counted arrays)",
            items.type_name()
        )));
    }
    c.skip(6)?;
    let n = c.i32()?;
    let min: usize = models().map(|m| m.min_size()).sum();
    let n = c.check_count(n as i64, min, "vector element")?;
    let (offsets, values) = jagged_parts(out)?;
    let Array::Record { fields, len } = values else {
        return Err(mismatch());
    };
    if fields.len() != l.steps.len() {
        return Err(mismatch());
    }
    for (m, (_, col)) in models().zip(fields.iter_mut()) {
        match m {
            // Strings and containers share one header for the whole block, as the keys and
            // values of a member-wise map do (uproot 5 expects one per item and fails here).
            Model::String { .. } | Model::Vector { .. } | Model::Map { .. } => {
                // An empty collection has nothing after its count.
                let h = read_header(c, m.has_header() && n > 0)?;
                for _ in 0..n {
                    m.read_as(c, col, false)?;
                }
                finish(c, h)?;
            }
            _ => read_items(c, m, n, col)?,
        }
    }
    *len += n;
    push_len(offsets, n);
    Ok(())
}

/// Read `n` items into `values`: numbers in one pass, anything else one by one.
fn read_items(c: &mut Cursor<'_>, items: &Model, n: usize, values: &mut Array) -> Result<()> {
    match items {
        Model::Number(e) => append_elements(values, *e, c.bytes(n * e.disk_size())?),
        _ => {
            for _ in 0..n {
                items.read(c, values)?;
            }
            Ok(())
        }
    }
}

fn read_header(c: &mut Cursor<'_>, header: bool) -> Result<Option<Header>> {
    if header {
        Ok(Some(c.header()?))
    } else {
        Ok(None)
    }
}

fn finish(c: &mut Cursor<'_>, h: Option<Header>) -> Result<()> {
    match h {
        Some(h) => c.finish(&h),
        None => Ok(()),
    }
}

fn jagged(values: Array) -> Array {
    Array::Jagged {
        offsets: vec![0].into(),
        values: Box::new(values),
    }
}

fn jagged_parts(a: &mut Array) -> Result<(&mut Vec<i64>, &mut Array)> {
    match a {
        Array::Jagged { offsets, values } => Ok((offsets, values)),
        _ => Err(mismatch()),
    }
}

fn fixed_values(a: &mut Array) -> Result<&mut Array> {
    match a {
        Array::Fixed { values, .. } => Ok(values),
        _ => Err(mismatch()),
    }
}

/// Close one list of `n` items.
fn push_len(offsets: &mut Vec<i64>, n: usize) {
    offsets.push(offsets.last().copied().unwrap_or(0) + n as i64);
}

fn mismatch() -> Error {
    Error::corrupt("internal: column type does not match its model")
}

/// The model of C++ type `name`, as `uproot5`'s `parse_typename` builds it: `outer` says whether
/// the outermost container or string has a header, `inner` whether containers inside it do;
/// with `string_header` false a bare `std::string` has none (a branch's whole value), with it
/// true it is treated as a container (a class member). Classes come from `infos`.
pub fn parse_type(
    name: &str,
    infos: &StreamerInfos,
    outer: bool,
    inner: bool,
    string_header: bool,
) -> std::result::Result<Model, String> {
    parse_type_at(name, infos, outer, inner, string_header, 0)
}

/// [`parse_type`] for a type met `depth` levels deep in other types (a member of a class in a
/// container…), so that a class holding containers of itself ends in an error, not a stack
/// overflow.
pub(crate) fn parse_type_at(
    name: &str,
    infos: &StreamerInfos,
    outer: bool,
    inner: bool,
    string_header: bool,
    depth: usize,
) -> std::result::Result<Model, String> {
    let tokens = tokenize(name);
    let mut p = Parser {
        name,
        tokens: &tokens,
        infos,
        depth,
    };
    let (model, end) = if !string_header
        && tokens
            .first()
            .is_some_and(|t| t.text == "string" || t.text == "std::string")
    {
        (Model::String { header: false }, 1)
    } else {
        p.node(0, outer, inner)?
    };
    if end != tokens.len() {
        return Err(format!("cannot parse the type name {name}"));
    }
    Ok(model)
}

/// The model of a class: `TRef` and `TRefArray` by their custom streamers, any other class
/// through its streamer info.
pub(crate) fn class_model(
    infos: &StreamerInfos,
    class: &str,
    depth: usize,
) -> std::result::Result<Model, String> {
    Ok(match class {
        "TRef" => Model::TRef,
        "TRefArray" => Model::TRefArray,
        _ => Model::Object(Box::new(layout(infos, class, depth)?)),
    })
}

/// Whether `name` is an STL container, string or bitset (what [`parse_type`] reads without a
/// streamer info of its own).
pub fn is_stl(name: &str) -> bool {
    let tokens = tokenize(name);
    let first = tokens.iter().find(|t| t.text != "const");
    first.is_some_and(|t| {
        container_kind(&t.text).is_some()
            || is_string(&t.text)
            || matches!(t.text.as_str(), "bitset" | "std::bitset")
    })
}

#[derive(Debug)]
struct Token {
    text: String,
    start: usize,
    end: usize,
}

/// Words (identifiers with `::` and trailing `*`), `<`, `>` and `,`.
fn tokenize(name: &str) -> Vec<Token> {
    let b = name.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        if ch == b'<' || ch == b'>' || ch == b',' {
            out.push(Token {
                text: (ch as char).to_string(),
                start: i,
                end: i + 1,
            });
            i += 1;
        } else if ch == b'*' {
            // A pointer star after blanks belongs to the word before it.
            if let Some(last) = out
                .last_mut()
                .filter(|t| !matches!(t.text.as_str(), "<" | ">" | ","))
            {
                last.text.push('*');
                last.end = i + 1;
            }
            i += 1;
        } else if ch.is_ascii_alphanumeric() || ch == b'_' || ch == b':' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':') {
                i += 1;
            }
            out.push(Token {
                text: name[start..i].to_string(),
                start,
                end: i,
            });
        } else {
            i += 1;
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Container {
    Sequence,
    Map,
}

fn container_kind(word: &str) -> Option<Container> {
    let w = word.strip_prefix("std::").unwrap_or(word);
    match w {
        "vector" | "list" | "deque" | "set" | "multiset" | "unordered_set"
        | "unordered_multiset" | "RVec" | "VecOps::RVec" | "ROOT::VecOps::RVec" | "ROOT::RVec" => {
            Some(Container::Sequence)
        }
        "map" | "multimap" | "unordered_map" | "unordered_multimap" => Some(Container::Map),
        _ => None,
    }
}

fn is_string(word: &str) -> bool {
    matches!(word, "string" | "std::string" | "TString")
}

/// The primitive spelled by the words at `tokens[i..]`: (element, words used).
fn primitive(tokens: &[Token], i: usize) -> Option<(Element, usize)> {
    use PrimitiveType as P;
    let w = |k: usize| tokens.get(i + k).map(|t| t.text.as_str()).unwrap_or("");
    let (p, used) = match (w(0), w(1), w(2)) {
        ("unsigned", "long", "long") => (P::U64, 3),
        ("long", "long", _) => (P::I64, 2),
        ("unsigned", "char", _) => (P::U8, 2),
        ("signed", "char", _) => (P::I8, 2),
        ("unsigned", "short", _) => (P::U16, 2),
        ("signed", "short", _) => (P::I16, 2),
        ("unsigned", "int", _) => (P::U32, 2),
        ("signed", "int", _) => (P::I32, 2),
        ("unsigned", "long", _) => (P::U64, 2),
        ("signed", "long", _) => (P::I64, 2),
        ("unsigned", _, _) => (P::U32, 1),
        ("Double32_t", _, _) => return Some((float16_or_double32("", true), 1)),
        ("Float16_t", _, _) => return Some((float16_or_double32("", false), 1)),
        (one, _, _) => (
            match one.strip_prefix("std::").unwrap_or(one) {
                "bool" | "Bool_t" => P::Bool,
                "char" | "Char_t" | "int8_t" => P::I8,
                "UChar_t" | "uint8_t" | "Byte_t" => P::U8,
                "short" | "Short_t" | "int16_t" => P::I16,
                "UShort_t" | "uint16_t" => P::U16,
                "int" | "Int_t" | "int32_t" => P::I32,
                "UInt_t" | "uint32_t" => P::U32,
                "long" | "Long_t" | "Long64_t" | "int64_t" => P::I64,
                "ULong_t" | "ULong64_t" | "uint64_t" | "size_t" => P::U64,
                "float" | "Float_t" => P::F32,
                "double" | "Double_t" => P::F64,
                _ => return None,
            },
            1,
        ),
    };
    Some((Element::Primitive(p), used))
}

struct Parser<'a> {
    name: &'a str,
    tokens: &'a [Token],
    infos: &'a StreamerInfos,
    depth: usize,
}

impl Parser<'_> {
    fn text(&self, i: usize) -> &str {
        self.tokens.get(i).map(|t| t.text.as_str()).unwrap_or("")
    }

    fn expect(&self, i: usize, what: &str) -> std::result::Result<(), String> {
        if self.text(i) == what {
            Ok(())
        } else {
            Err(format!("cannot parse the type name {}", self.name))
        }
    }

    /// Skip extra template arguments (allocators, comparators) up to the closing `>`.
    fn skip_to_close(&self, mut i: usize) -> std::result::Result<usize, String> {
        let mut level = 0usize;
        while i < self.tokens.len() {
            match self.text(i) {
                "<" => level += 1,
                ">" if level == 0 => return Ok(i),
                ">" => level -= 1,
                _ => {}
            }
            i += 1;
        }
        Err(format!("cannot parse the type name {}", self.name))
    }

    /// The model at token `i`: (model, index after it).
    fn node(
        &mut self,
        i: usize,
        header: bool,
        inner: bool,
    ) -> std::result::Result<(Model, usize), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "the type {} nests more than {MAX_DEPTH} levels deep",
                self.name
            ));
        }
        let r = self.node_inner(i, header, inner);
        self.depth -= 1;
        r
    }

    fn node_inner(
        &mut self,
        i: usize,
        header: bool,
        inner: bool,
    ) -> std::result::Result<(Model, usize), String> {
        let word = self.text(i).to_string();
        if word.is_empty() || matches!(word.as_str(), "<" | ">" | ",") {
            return Err(format!("cannot parse the type name {}", self.name));
        }
        if word == "const" {
            return self.node(i + 1, header, inner);
        }
        if word.ends_with('*') {
            return Err(format!(
                "pointers ({word}) inside containers are not supported yet"
            ));
        }
        if let Some((e, used)) = primitive(self.tokens, i) {
            return Ok((Model::Number(e), i + used));
        }
        if word == "string" || word == "std::string" {
            return Ok((Model::String { header }, i + 1));
        }
        if word == "TString" {
            return Ok((Model::String { header: false }, i + 1));
        }
        if word == "bitset" || word == "std::bitset" {
            self.expect(i + 1, "<")?;
            let bits: usize = self
                .text(i + 2)
                .parse()
                .map_err(|_| format!("cannot parse the type name {}", self.name))?;
            self.expect(i + 3, ">")?;
            return Ok((Model::BitSet { header, bits }, i + 4));
        }
        match container_kind(&word) {
            Some(Container::Sequence) => {
                self.expect(i + 1, "<")?;
                let (items, j) = self.node(i + 2, inner, inner)?;
                let close = self.skip_to_close(j)?;
                Ok((
                    Model::Vector {
                        header,
                        items: Box::new(items),
                    },
                    close + 1,
                ))
            }
            Some(Container::Map) => {
                self.expect(i + 1, "<")?;
                let (keys, j) = self.node(i + 2, header, inner)?;
                self.expect(j, ",")?;
                let (values, j) = self.node(j + 1, header, inner)?;
                let close = self.skip_to_close(j)?;
                Ok((
                    Model::Map {
                        header,
                        keys: Box::new(keys),
                        values: Box::new(values),
                    },
                    close + 1,
                ))
            }
            None => {
                // A class, with its template arguments if any.
                let start = self.tokens[i].start;
                let (end, next) = if self.text(i + 1) == "<" {
                    let close = self.skip_to_close(i + 2)?;
                    (self.tokens[close].end, close + 1)
                } else {
                    (self.tokens[i].end, i + 1)
                };
                let class = &self.name[start..end];
                if self.text(next).ends_with('*') || self.text(next) == "*" {
                    return Err(format!(
                        "pointers ({class}*) inside containers are not supported yet"
                    ));
                }
                Ok((class_model(self.infos, class, self.depth + 1)?, next))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str) -> Model {
        parse_type(name, &StreamerInfos::default(), true, false, false).unwrap()
    }

    #[test]
    fn nested_containers_have_one_header() {
        let m = parse("std::vector<std::vector<unsigned int> >");
        assert_eq!(
            m,
            Model::Vector {
                header: true,
                items: Box::new(Model::Vector {
                    header: false,
                    items: Box::new(Model::Number(Element::Primitive(PrimitiveType::U32)))
                })
            }
        );
        let m = parse("map<string,vector<double> >");
        let Model::Map { keys, values, .. } = m else {
            panic!()
        };
        assert_eq!(*keys, Model::String { header: true });
        assert!(matches!(*values, Model::Vector { header: true, .. }));
        assert_eq!(
            parse("vector<float,ROOT::Detail::VecOps::RAdoptAllocator<float> >").type_name(),
            "vector<Float_t>"
        );
        assert_eq!(parse("string"), Model::String { header: false });
        assert_eq!(
            parse_type("string", &StreamerInfos::default(), true, false, true).unwrap(),
            Model::String { header: true }
        );
    }

    #[test]
    fn reads_nested_vectors_and_maps() {
        // vector<vector<short>> with a header: [[1, 2], []]
        let mut d = vec![0x40, 0, 0, 18, 0, 6, 0, 0, 0, 2];
        d.extend([0, 0, 0, 2, 0, 1, 0, 2, 0, 0, 0, 0]);
        let m = parse("vector<vector<short> >");
        let mut out = m.empty_array();
        m.read(&mut Cursor::new(&d, 0, "t"), &mut out).unwrap();
        let Array::Jagged { offsets, values } = &out else {
            panic!()
        };
        assert_eq!(offsets, &[0, 2]);
        let Array::Jagged { offsets, values } = values.as_ref() else {
            panic!()
        };
        assert_eq!(offsets, &[0, 2, 2]);
        assert_eq!(values.as_ref(), &Array::I16(vec![1, 2]));
        // A count larger than the bytes left is an error, not an allocation.
        let d = [0x40, 0, 0, 6, 0, 6, 0x7f, 0xff, 0xff, 0xff];
        let mut out = m.empty_array();
        assert!(m.read(&mut Cursor::new(&d, 0, "t"), &mut out).is_err());
    }

    /// Random type names — nested containers, maps, strings, numbers, bitsets, with random
    /// header flags — each read from random bytes: errors, never a panic, a hang or an
    /// allocation beyond the input.
    #[test]
    fn random_type_names_and_bytes_never_panic() {
        struct Rng(u64);
        impl Rng {
            fn next(&mut self, n: u64) -> u64 {
                self.0 = self
                    .0
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (self.0 >> 33) % n
            }
        }
        fn gen(r: &mut Rng, depth: u32) -> String {
            let leaf = [
                "int",
                "double",
                "unsigned char",
                "long long",
                "string",
                "TString",
                "bool",
                "bitset<8>",
                "Double32_t",
            ];
            if depth > 5 || r.next(3) == 0 {
                return leaf[r.next(leaf.len() as u64) as usize].to_string();
            }
            match r.next(4) {
                0 => format!("map<{},{}>", gen(r, depth + 1), gen(r, depth + 1)),
                1 => format!("set<{}>", gen(r, depth + 1)),
                _ => format!("vector<{}>", gen(r, depth + 1)),
            }
        }
        let mut r = Rng(99);
        let infos = StreamerInfos::default();
        let mut parsed = 0;
        for _ in 0..20_000 {
            let name = gen(&mut r, 0);
            let flags = (r.next(2) == 0, r.next(2) == 0, r.next(2) == 0);
            let m = parse_type(&name, &infos, flags.0, flags.1, flags.2).unwrap();
            parsed += 1;
            for _ in 0..4 {
                let bytes: Vec<u8> = (0..r.next(96))
                    .map(|_| if r.next(3) == 0 { 0 } else { r.next(256) as u8 })
                    .collect();
                let mut out = m.empty_array();
                let mut c = Cursor::new(&bytes, 0, "t");
                let _ = m.read(&mut c, &mut out);
            }
        }
        assert_eq!(parsed, 20_000);
    }

    #[test]
    fn hostile_type_names_are_errors() {
        let deep = "vector<".repeat(100) + "int" + &">".repeat(100);
        assert!(parse_type(&deep, &StreamerInfos::default(), true, false, false).is_err());
        for bad in ["vector<", "map<int>", "vector<int", "", ">", "bitset<x>"] {
            assert!(
                parse_type(bad, &StreamerInfos::default(), true, false, false).is_err(),
                "{bad}"
            );
        }
    }
}

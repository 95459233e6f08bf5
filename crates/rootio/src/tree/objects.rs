//! Unsplit objects: C++ objects streamed whole into one branch, decoded member by member
//! following the file's streamer info into a [`Array::Record`] column.
//!
//! Each object is written as `ReadClassBuffer` reads it (`io/io/src/TStreamerInfoReadBuffer.cxx`):
//! a header (byte count + version), then base classes (each with its own header; `TObject` as
//! version + fUniqueID + fBits), then data members in streamer order; members that are objects
//! have their own header. The record keeps the data members (base-class members flattened in,
//! `TObject`'s bookkeeping left out), as uproot presents them.

use super::interpretation::{element_for_code, Element};
use crate::array::Array;
use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::streamer::{kind, ElementClass, StreamerInfos};

/// How to read one class.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectLayout {
    /// The class name.
    pub class: String,
    /// What to read, in order.
    pub steps: Vec<Step>,
    /// Whether the object comes without its own byte count and version: the whole object of an
    /// unsplit top-level branch whose class is streamed member by member (`TBranchElement`
    /// fType 0, `TBranchElement::FillLeavesMember`'s action sequence) — unlike a class with a
    /// custom `Streamer` (fType -1, `TLorentzVector`) and unlike member objects; and `TDatime`,
    /// whose custom `Streamer` writes no header.
    pub headless: bool,
}

/// One step of reading an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The `TObject` base: version, fUniqueID, fBits (and a pid if referenced). Not kept.
    TObject,
    /// A base class, with its own header; its members join the record.
    Base(ObjectLayout),
    /// A data member.
    Field(String, FieldKind),
}

/// The type of a data member.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// A number.
    Primitive(Element),
    /// A fixed-size array of numbers (`Double_t fCov[15]`).
    Fixed(Element, usize),
    /// An embedded object (with its own header).
    Object(ObjectLayout),
    /// A fixed-size array of embedded objects (`TLorentzVector pg[3]`), each with its header.
    Objects(ObjectLayout, usize),
    /// A `TString`.
    String,
}

const MAX_DEPTH: usize = 16;

/// The layout of `class` from the file's streamer infos, or why it cannot be read.
pub fn layout(infos: &StreamerInfos, class: &str, depth: usize) -> Result<ObjectLayout, String> {
    if depth > MAX_DEPTH {
        return Err(format!("class {class} nests too deeply"));
    }
    let info = infos
        .get(class, -1)
        .ok_or_else(|| format!("no streamer info for class {class}"))?;
    let mut steps = Vec::new();
    for el in &info.elements {
        if el.class == ElementClass::Base {
            if el.name == "TObject" {
                steps.push(Step::TObject);
            } else {
                steps.push(Step::Base(layout(infos, &el.name, depth + 1)?));
            }
            continue;
        }
        let t = el.ftype;
        let field = if (kind::CHAR..=kind::FLOAT16).contains(&t) && t != kind::CHAR_STAR {
            FieldKind::Primitive(
                element_for_code(t, &el.title)
                    .ok_or_else(|| format!("member {} of type code {t}", el.name))?,
            )
        } else if t > kind::OFFSET_L && t <= kind::OFFSET_L + kind::FLOAT16 {
            let e = element_for_code(t - kind::OFFSET_L, &el.title)
                .ok_or_else(|| format!("member {} of type code {t}", el.name))?;
            FieldKind::Fixed(e, el.array_length.max(0) as usize)
        } else if t == kind::TSTRING {
            FieldKind::String
        } else if t == kind::TOBJECT {
            steps.push(Step::TObject);
            continue;
        } else if (t == kind::OFFSET_L + kind::OBJECT || t == kind::OFFSET_L + kind::ANY)
            && el.array_length > 0
        {
            FieldKind::Objects(
                layout(infos, el.type_name.trim_end_matches('*'), depth + 1)?,
                el.array_length as usize,
            )
        } else if t == kind::OBJECT || t == kind::ANY || t == kind::TNAMED {
            FieldKind::Object(layout(
                infos,
                el.type_name.trim_end_matches('*'),
                depth + 1,
            )?)
        } else {
            return Err(format!(
                "member {}::{} of type {} is not supported inside unsplit objects yet",
                class, el.name, el.type_name
            ));
        };
        steps.push(Step::Field(el.name.clone(), field));
    }
    Ok(ObjectLayout {
        class: class.to_string(),
        steps,
        // `TDatime::Streamer` writes its 4 bytes with no byte count or version.
        headless: class == "TDatime",
    })
}

impl ObjectLayout {
    /// An empty record column for this class.
    pub fn empty_array(&self) -> Array {
        let mut fields = Vec::new();
        self.collect_fields(&mut fields);
        Array::Record { fields, len: 0 }
    }

    fn collect_fields(&self, out: &mut Vec<(String, Array)>) {
        for s in &self.steps {
            match s {
                Step::TObject => {}
                Step::Base(b) => {
                    let start = out.len();
                    b.collect_fields(out);
                    // A member of the class that has the name of a base-class member hides it
                    // in C++; both are data, so the base's is kept as `Base::name`.
                    let own: Vec<&str> = self
                        .steps
                        .iter()
                        .filter_map(|s| match s {
                            Step::Field(n, _) => Some(n.as_str()),
                            _ => None,
                        })
                        .collect();
                    for (name, _) in &mut out[start..] {
                        if own.contains(&name.as_str()) {
                            *name = format!("{}::{name}", b.class);
                        }
                    }
                }
                Step::Field(name, kind) => out.push((name.clone(), kind.empty_array())),
            }
        }
    }

    /// A type description.
    pub fn type_name(&self) -> String {
        self.class.clone()
    }
}

impl FieldKind {
    fn empty_array(&self) -> Array {
        match self {
            FieldKind::Primitive(e) => super::decode::empty_for(*e),
            FieldKind::Fixed(e, n) => Array::Fixed {
                size: *n,
                values: Box::new(super::decode::empty_for(*e)),
            },
            FieldKind::Object(l) => l.empty_array(),
            FieldKind::Objects(l, n) => Array::Fixed {
                size: *n,
                values: Box::new(l.empty_array()),
            },
            FieldKind::String => Array::Strings {
                offsets: vec![0],
                data: Vec::new(),
            },
        }
    }
}

/// Read one object (header included) into the record column `out`.
pub fn read_object(c: &mut Cursor<'_>, layout: &ObjectLayout, out: &mut Array) -> Result<()> {
    let Array::Record { fields, len } = out else {
        return Err(Error::corrupt("internal: record column expected"));
    };
    let h = if layout.headless {
        None
    } else {
        Some(c.header()?)
    };
    let mut idx = 0;
    read_steps(c, layout, fields, &mut idx)?;
    if let Some(h) = h {
        c.finish(&h)?;
    }
    *len += 1;
    Ok(())
}

fn read_steps(
    c: &mut Cursor<'_>,
    layout: &ObjectLayout,
    fields: &mut [(String, Array)],
    idx: &mut usize,
) -> Result<()> {
    for s in &layout.steps {
        match s {
            Step::TObject => {
                crate::streamer::read_tobject(c)?;
            }
            Step::Base(b) => {
                let h = c.header()?;
                read_steps(c, b, fields, idx)?;
                c.finish(&h)?;
            }
            Step::Field(_, kind) => {
                let target = fields
                    .get_mut(*idx)
                    .map(|(_, a)| a)
                    .ok_or_else(|| Error::corrupt("internal: record field count"))?;
                match kind {
                    FieldKind::Primitive(e) => {
                        let b = c.bytes(e.disk_size())?;
                        super::decode::append_elements(target, *e, b)?;
                    }
                    FieldKind::Fixed(e, n) => {
                        let b = c.bytes(e.disk_size() * n)?;
                        let Array::Fixed { values, .. } = target else {
                            return Err(Error::corrupt("internal: fixed column expected"));
                        };
                        super::decode::append_elements(values, *e, b)?;
                    }
                    FieldKind::Object(l) => read_object(c, l, target)?,
                    FieldKind::Objects(l, n) => {
                        let Array::Fixed { values, .. } = target else {
                            return Err(Error::corrupt("internal: fixed column expected"));
                        };
                        for _ in 0..*n {
                            read_object(c, l, values)?;
                        }
                    }
                    FieldKind::String => {
                        let s = c.string_bytes()?;
                        let Array::Strings { offsets, data } = target else {
                            return Err(Error::corrupt("internal: string column expected"));
                        };
                        data.extend_from_slice(s);
                        offsets.push(data.len() as i64);
                    }
                }
                *idx += 1;
            }
        }
    }
    Ok(())
}

//! Unsplit objects: C++ objects streamed whole into one branch, decoded member by member
//! following the file's streamer info into a [`Array::Record`] column.
//!
//! Each object is written as `ReadClassBuffer` reads it (`io/io/src/TStreamerInfoReadBuffer.cxx`):
//! a header (byte count + version), then base classes (each with its own header; `TObject` as
//! version + fUniqueID + fBits), then data members in streamer order; members that are objects
//! have their own header. The record keeps the data members (base-class members flattened in,
//! `TObject`'s bookkeeping left out), as uproot presents them.

use super::interpretation::element_for_code;
use super::model::{class_model, parse_type_at, Model, MAX_DEPTH};
use crate::array::Array;
use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::streamer::{kind, spelling_key, ElementClass, StreamerInfos};

/// How to read one class.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectLayout {
    /// The class name.
    pub class: String,
    /// The class version this layout describes (its streamer info's).
    pub version: i32,
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
    Field(String, Model),
}

/// The layout of `class` from the file's streamer infos, or why it cannot be read.
pub fn layout(infos: &StreamerInfos, class: &str, depth: usize) -> Result<ObjectLayout, String> {
    if depth > MAX_DEPTH {
        return Err(format!("class {class} nests too deeply"));
    }
    let info = infos
        .find_class(class)
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
        let unsupported = || {
            format!(
                "member {}::{} of type {} is not supported inside unsplit objects yet",
                class, el.name, el.type_name
            )
        };
        let field = if matches!(el.class, ElementClass::Stl | ElementClass::StlString) {
            if el.array_length > 0 || t == kind::STLP {
                return Err(unsupported());
            }
            if spelling_key(&el.type_name) == spelling_key(class) {
                // A class that is itself a collection (ATLAS `DataVector<T>`: one STL element
                // `This` of its own type), streamed by a collection proxy of its own.
                return Err(format!(
                    "{class} is a collection class without an STL type to read it as"
                ));
            }
            // An STL member has a header; the containers inside it do not
            // (`uproot.streamers.Model_TStreamerSTL.class_code`).
            parse_type_at(&el.type_name, infos, true, false, true, depth + 1)
                .map_err(|e| format!("member {}::{}: {e}", class, el.name))?
        } else if (kind::CHAR..=kind::FLOAT16).contains(&t) && t != kind::CHAR_STAR {
            Model::Number(
                element_for_code(t, &el.title)
                    .ok_or_else(|| format!("member {} of type code {t}", el.name))?,
            )
        } else if t > kind::OFFSET_L && t <= kind::OFFSET_L + kind::FLOAT16 {
            let e = element_for_code(t - kind::OFFSET_L, &el.title)
                .ok_or_else(|| format!("member {} of type code {t}", el.name))?;
            Model::Numbers(e, el.array_length.max(0) as usize)
        } else if t > kind::OFFSET_P && t <= kind::OFFSET_P + kind::FLOAT16 {
            let e = element_for_code(t - kind::OFFSET_P, &el.title)
                .ok_or_else(|| format!("member {} of type code {t}", el.name))?;
            match &el.count_name {
                Some(counter) if el.array_length <= 0 => Model::CountedNumbers {
                    element: e,
                    counter: counter.clone(),
                },
                _ => return Err(unsupported()),
            }
        } else if t == kind::TSTRING {
            Model::String { header: false }
        } else if t == kind::TOBJECT {
            steps.push(Step::TObject);
            continue;
        } else if (t == kind::OFFSET_L + kind::OBJECT || t == kind::OFFSET_L + kind::ANY)
            && el.array_length > 0
        {
            Model::Objects(
                Box::new(layout(
                    infos,
                    el.type_name.trim_end_matches('*'),
                    depth + 1,
                )?),
                el.array_length as usize,
            )
        } else if t == kind::OBJECT
            || t == kind::ANY
            || t == kind::TNAMED
            // `Class* x; //->`: a pointer that is never null, streamed as the object itself
            // (`TStreamerInfo` kObjectp, kAnyp).
            || t == kind::OBJECT_P
            || t == kind::ANY_P
        {
            class_model(infos, el.type_name.trim_end_matches('*').trim(), depth + 1)?
        } else {
            return Err(unsupported());
        };
        steps.push(Step::Field(el.name.clone(), field));
    }
    Ok(ObjectLayout {
        class: class.to_string(),
        version: info.class_version,
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
                Step::Field(name, model) => out.push((name.clone(), model.empty_array())),
            }
        }
    }

    /// A type description.
    pub fn type_name(&self) -> String {
        self.class.clone()
    }
}

/// Read one object (with its header unless the layout is headless) into the record column `out`.
pub fn read_object(c: &mut Cursor<'_>, layout: &ObjectLayout, out: &mut Array) -> Result<()> {
    read_object_as(c, layout, out, !layout.headless)
}

/// Read one object into the record column `out`; `header` says whether it starts with a byte
/// count and version.
pub fn read_object_as(
    c: &mut Cursor<'_>,
    layout: &ObjectLayout,
    out: &mut Array,
    header: bool,
) -> Result<()> {
    let Array::Record { fields, len } = out else {
        return Err(Error::corrupt("internal: record column expected"));
    };
    let h = if header { Some(c.header()?) } else { None };
    if let Some(h) = &h {
        check_version(c, layout, h.version)?;
    }
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
                check_version(c, b, h.version)?;
                read_steps(c, b, fields, idx)?;
                c.finish(&h)?;
            }
            Step::Field(_, Model::CountedNumbers { element, counter }) => {
                let n = counter_value(&fields[..*idx], counter)?;
                let target = field_column(fields, *idx)?;
                let Array::Jagged { offsets, values } = target else {
                    return Err(Error::corrupt("internal: jagged column expected"));
                };
                // A marker byte: 0 for a null pointer, then nothing follows.
                let n = if c.u8()? == 0 { 0 } else { n };
                let n = c.check_count(n, element.disk_size(), "array")?;
                super::decode::append_elements(
                    values,
                    *element,
                    c.bytes(n * element.disk_size())?,
                )?;
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last + n as i64);
                *idx += 1;
            }
            Step::Field(_, model) => {
                model.read(c, field_column(fields, *idx)?)?;
                *idx += 1;
            }
        }
    }
    Ok(())
}

/// An object written with another version of its class than the layout it is read with would be
/// read member by member with the wrong members — a silent wrong value; files that hold several
/// versions of a class (merged from different releases) are refused with a clear error until
/// each version gets its own layout. Version 0 (classes without a dictionary, followed by a
/// checksum) and headers without a version cannot be told apart and are read.
fn check_version(c: &Cursor<'_>, layout: &ObjectLayout, written: i16) -> Result<()> {
    let written = i32::from(written & !0x4000);
    if written > 0 && layout.version > 0 && written != layout.version {
        return Err(Error::unsupported(format!(
            "an object of class {} written with class version {written} at byte {}, whose \
             layout is known for version {} only",
            layout.class,
            c.abs_offset(),
            layout.version
        )));
    }
    Ok(())
}

fn field_column(fields: &mut [(String, Array)], idx: usize) -> Result<&mut Array> {
    fields
        .get_mut(idx)
        .map(|(_, a)| a)
        .ok_or_else(|| Error::corrupt("internal: record field count"))
}

/// The value just read of the integer member `name` of the same object: the length of a
/// `T* x //[name]` member.
fn counter_value(fields: &[(String, Array)], name: &str) -> Result<i64> {
    let (_, col) = fields
        .iter()
        .rev()
        .find(|(n, _)| n == name || n.rsplit("::").next() == Some(name))
        .ok_or_else(|| {
            Error::corrupt(format!(
                "the counter member {name} was not read before its array"
            ))
        })?;
    let v = match col {
        Array::I8(v) => v.last().map(|x| *x as i64),
        Array::U8(v) => v.last().map(|x| *x as i64),
        Array::I16(v) => v.last().map(|x| *x as i64),
        Array::U16(v) => v.last().map(|x| *x as i64),
        Array::I32(v) => v.last().map(|x| *x as i64),
        Array::U32(v) => v.last().map(|x| *x as i64),
        Array::I64(v) => v.last().copied(),
        Array::U64(v) => v.last().map(|x| *x as i64),
        _ => None,
    };
    v.ok_or_else(|| Error::corrupt(format!("the counter member {name} is not an integer")))
}

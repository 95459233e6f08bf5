//! `TStreamerInfo`: the file's own description of how each class is laid out on disk.
//!
//! The `StreamerInfo` key (at `fSeekInfo`) holds a compressed `TList` of `TStreamerInfo`
//! objects. Each is a `TNamed` (the class name) + `fCheckSum u32` + `fClassVersion i32` +
//! `fElements` (a `TObjArray` of `TStreamerElement` subclasses). hepframe reads *all* TTree
//! metadata (TTree, TBranch, TBranchElement, TLeaf…) through these descriptions, so class
//! versions it has never seen — older or newer — are read the way the writing ROOT described
//! them (`uproot5:src/uproot/streamers.py` documents the element layouts).

use std::collections::HashMap;
use std::sync::Arc;

use crate::cursor::Cursor;
use crate::error::{Error, Result};

/// Streamer type codes (`TVirtualStreamerInfo::EReadWrite`, `uproot5:src/uproot/const.py`).
#[allow(missing_docs)]
pub mod kind {
    pub const BASE: i32 = 0;
    pub const CHAR: i32 = 1;
    pub const SHORT: i32 = 2;
    pub const INT: i32 = 3;
    pub const LONG: i32 = 4;
    pub const FLOAT: i32 = 5;
    pub const COUNTER: i32 = 6;
    pub const CHAR_STAR: i32 = 7;
    pub const DOUBLE: i32 = 8;
    pub const DOUBLE32: i32 = 9;
    pub const LEGACY_CHAR: i32 = 10;
    pub const UCHAR: i32 = 11;
    pub const USHORT: i32 = 12;
    pub const UINT: i32 = 13;
    pub const ULONG: i32 = 14;
    pub const BITS: i32 = 15;
    pub const LONG64: i32 = 16;
    pub const ULONG64: i32 = 17;
    pub const BOOL: i32 = 18;
    pub const FLOAT16: i32 = 19;
    pub const OFFSET_L: i32 = 20;
    pub const OFFSET_P: i32 = 40;
    pub const OBJECT: i32 = 61;
    pub const ANY: i32 = 62;
    pub const OBJECT_P: i32 = 63;
    pub const OBJECT_PTR: i32 = 64;
    pub const TSTRING: i32 = 65;
    pub const TOBJECT: i32 = 66;
    pub const TNAMED: i32 = 67;
    pub const ANY_P: i32 = 68;
    pub const ANY_PTR: i32 = 69;
    pub const ANY_PNO_VT: i32 = 70;
    pub const STLP: i32 = 71;
    pub const STL: i32 = 300;
    pub const STL_STRING: i32 = 365;
    pub const STREAMER: i32 = 500;
    pub const STREAMER_INFO: i32 = 501;
}

/// Which `TStreamerElement` subclass an element is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementClass {
    /// `TStreamerBase`: a base class.
    Base,
    /// `TStreamerBasicType`.
    BasicType,
    /// `TStreamerBasicPointer`: `T* x //[count]`.
    BasicPointer,
    /// `TStreamerLoop`.
    Loop,
    /// `TStreamerObject`.
    Object,
    /// `TStreamerObjectPointer`.
    ObjectPointer,
    /// `TStreamerObjectAny`.
    ObjectAny,
    /// `TStreamerObjectAnyPointer`.
    ObjectAnyPointer,
    /// `TStreamerString`.
    String,
    /// `TStreamerSTL`.
    Stl,
    /// `TStreamerSTLstring`.
    StlString,
    /// `TStreamerArtificial` (no bytes on disk).
    Artificial,
    /// Anything else, by class name.
    Other(String),
}

/// One member (or base class) of a streamed class.
#[derive(Debug, Clone)]
pub struct StreamerElement {
    /// The element's class.
    pub class: ElementClass,
    /// Member name (or base class name).
    pub name: String,
    /// Member title (comment; holds `[count]` and Double32 ranges).
    pub title: String,
    /// Streamer type code, see [`kind`].
    pub ftype: i32,
    /// Size in memory.
    pub size: i32,
    /// Total fixed-array length (0 if not an array).
    pub array_length: i32,
    /// Number of fixed-array dimensions.
    pub array_dim: i32,
    /// Fixed-array dimensions.
    pub max_index: Vec<i32>,
    /// C++ type name.
    pub type_name: String,
    /// For a base class: its version.
    pub base_version: Option<i32>,
    /// For a basic pointer / loop: the counter member's name.
    pub count_name: Option<String>,
    /// For an STL element: the container kind (`ROOT::ESTLType`, 1 = vector).
    pub stl_type: Option<i32>,
    /// For an STL element: the content type code.
    pub ctype: Option<i32>,
}

/// The layout of one version of one class.
#[derive(Debug, Clone)]
pub struct StreamerInfo {
    /// The class name.
    pub name: String,
    /// The class checksum.
    pub checksum: u32,
    /// The class version this layout describes.
    pub class_version: i32,
    /// Members in streaming order.
    pub elements: Vec<StreamerElement>,
}

/// All streamer infos of a file, by class name and version.
#[derive(Debug, Default, Clone)]
pub struct StreamerInfos {
    by_name: HashMap<String, Vec<Arc<StreamerInfo>>>,
    order: Vec<Arc<StreamerInfo>>,
    /// Whether this is [`builtin`]'s list (which has no fallback of its own).
    is_builtin: bool,
}

/// ROOT 6.40's own layouts of the classes that describe trees and histograms (`TTree`,
/// `TBranch`, `TBranchElement`, every `TLeaf`, `TH1`, `TAxis`, …): the list hepframe's writer
/// embeds (`write/streamers.bin`). A file that lacks the streamer info of such a class — files
/// written by other libraries (Go's groot, for one) store only some — is read with these, as
/// ROOT reads it with its compiled-in dictionary; only for the exact class version, so that an
/// old layout is never read with a new one.
pub fn builtin() -> &'static StreamerInfos {
    static BUILTIN: std::sync::OnceLock<StreamerInfos> = std::sync::OnceLock::new();
    BUILTIN.get_or_init(|| {
        use crate::write::streamers::{SOURCE_KEYLEN, STREAMER_LIST};
        let mut infos = read_streamer_list(STREAMER_LIST, SOURCE_KEYLEN, 0).unwrap_or_default();
        infos.is_builtin = true;
        infos
    })
}

impl StreamerInfos {
    /// Add one class layout.
    pub fn insert(&mut self, info: StreamerInfo) {
        let info = Arc::new(info);
        self.order.push(info.clone());
        self.by_name
            .entry(info.name.clone())
            .or_default()
            .push(info);
    }

    /// The layout of `class` at `version`, or — if the file lacks that exact version — the
    /// layout with the highest version; for a class the file does not describe at all, ROOT's
    /// own layout of that exact version ([`builtin`]).
    pub fn get(&self, class: &str, version: i32) -> Option<&Arc<StreamerInfo>> {
        match self.by_name.get(class) {
            Some(all) => all
                .iter()
                .find(|i| i.class_version == version)
                .or_else(|| all.iter().max_by_key(|i| i.class_version)),
            None if !self.is_builtin => builtin()
                .by_name
                .get(class)?
                .iter()
                .find(|i| i.class_version == version),
            None => None,
        }
    }

    /// The highest-version layout of a class however its name is spelled: `std::` prefixes and
    /// blanks differ between a branch's type name (`vector<ElementLink<DataVector<A>>>`) and
    /// the class names of streamer infos (`ElementLink<DataVector<A> >`).
    pub fn find_class(&self, class: &str) -> Option<&Arc<StreamerInfo>> {
        if let Some(i) = self.get(class, -1) {
            return Some(i);
        }
        let key = spelling_key(class);
        let all = self.by_name.iter().find(|(n, _)| spelling_key(n) == key)?.1;
        all.iter().max_by_key(|i| i.class_version)
    }

    /// Whether an exact version is known.
    pub fn has(&self, class: &str, version: i32) -> bool {
        self.by_name
            .get(class)
            .is_some_and(|v| v.iter().any(|i| i.class_version == version))
    }

    /// All infos in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<StreamerInfo>> {
        self.order.iter()
    }

    /// Number of class layouts.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// Read the payload of the `StreamerInfo` key: a `TList` of `TStreamerInfo`.
pub fn read_streamer_list(payload: &[u8], keylen: usize, base: u64) -> Result<StreamerInfos> {
    let mut c = Cursor::new(payload, base, "StreamerInfo list").with_origin(keylen);
    let mut infos = StreamerInfos::default();
    let h = c.header()?;
    if h.version > 3 {
        read_tobject(&mut c)?;
        c.tstring()?;
    }
    let n = c.count(4, "StreamerInfo list")?;
    let mut classes: HashMap<u32, String> = HashMap::new();
    for _ in 0..n {
        let (class, _, end) = read_object_start(&mut c, &mut classes)?;
        if class.as_deref() == Some("TStreamerInfo") {
            let info = read_streamer_info(&mut c, &mut classes)?;
            infos.insert(info);
        }
        if let Some(end) = end {
            c.seek(end)?;
        }
        if h.version > 3 {
            // Option string after each entry (present in TList v4 files of ROOT 4 too, as
            // uproot's `TList` reader assumes).
            let nch = c.u8()? as usize;
            let nch = if nch == 255 { c.u32()? as usize } else { nch };
            c.skip(nch)?;
        }
    }
    Ok(infos)
}

/// Start reading a `ReadObjectAny` record; returns the class name (None for null or a
/// back-reference to an object), the start position and the end position when known.
/// `classes` maps class-tag positions to names.
pub(crate) fn read_object_start(
    c: &mut Cursor<'_>,
    classes: &mut HashMap<u32, String>,
) -> Result<(Option<String>, usize, Option<usize>)> {
    let beg = c.pos();
    let bcnt = c.u32()?;
    let (tag, end, start) =
        if bcnt & crate::cursor::BYTE_COUNT_MASK == 0 || bcnt == crate::cursor::NEW_CLASS_TAG {
            (bcnt, None, None)
        } else {
            let start = c.displacement();
            let end = beg + 4 + (bcnt & !crate::cursor::BYTE_COUNT_MASK) as usize;
            (c.u32()?, Some(end), Some(start))
        };
    if tag & crate::cursor::CLASS_MASK == 0 {
        if let Some(end) = end {
            c.seek(end)?;
        }
        return Ok((None, beg, end));
    }
    let class = if tag == crate::cursor::NEW_CLASS_TAG {
        let name = c.cstring()?;
        let key = match start {
            Some(s) => s as u32 + crate::cursor::MAP_OFFSET,
            None => classes.len() as u32 + 1,
        };
        classes.insert(key, name.clone());
        name
    } else {
        let r = tag & !crate::cursor::CLASS_MASK;
        classes
            .get(&r)
            .cloned()
            .ok_or_else(|| c.corrupt(format!("unknown class reference {r}")))?
    };
    Ok((Some(class), beg, end))
}

/// A class name without blanks and `std::`, for comparing spellings.
pub(crate) fn spelling_key(name: &str) -> String {
    name.replace("std::", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// `TObject`: version, fUniqueID, fBits, and a pidf if `kIsReferenced`.
pub(crate) fn read_tobject(c: &mut Cursor<'_>) -> Result<(u32, u32)> {
    let h = c.header()?;
    let unique_id = c.u32()?;
    let bits = c.u32()?;
    if bits & (1 << 4) != 0 {
        c.u16()?;
    }
    c.finish(&h)?;
    Ok((unique_id, bits))
}

/// `TNamed`: header + TObject + fName + fTitle.
pub(crate) fn read_tnamed(c: &mut Cursor<'_>) -> Result<(String, String)> {
    let h = c.header()?;
    read_tobject(c)?;
    let name = c.tstring()?;
    let title = c.tstring()?;
    c.finish(&h)?;
    Ok((name, title))
}

fn read_streamer_info(
    c: &mut Cursor<'_>,
    classes: &mut HashMap<u32, String>,
) -> Result<StreamerInfo> {
    let h = c.header()?;
    let (name, _title) = read_tnamed(c)?;
    let checksum = c.u32()?;
    let class_version = c.i32()?;
    let mut elements = Vec::new();
    // fElements: a TObjArray pointer.
    let (class, _, end) = read_object_start(c, classes)?;
    if class.as_deref() == Some("TObjArray") {
        let ah = c.header()?;
        if ah.version > 2 {
            read_tobject(c)?;
        }
        if ah.version > 1 {
            c.tstring()?;
        }
        let n = c.count(4, "streamer elements")?;
        c.i32()?; // fLowerBound
        for _ in 0..n {
            let (eclass, _, eend) = read_object_start(c, classes)?;
            if let Some(eclass) = eclass {
                let el = read_element(c, &eclass)?;
                elements.push(el);
            }
            if let Some(e) = eend {
                c.seek(e)?;
            }
        }
    }
    if let Some(end) = end {
        c.seek(end)?;
    }
    c.finish(&h)?;
    Ok(StreamerInfo {
        name,
        checksum,
        class_version,
        elements,
    })
}

fn read_element(c: &mut Cursor<'_>, class: &str) -> Result<StreamerElement> {
    let outer = c.header()?;
    // TStreamerSTLstring derives from TStreamerSTL, which derives from TStreamerElement.
    let stl_string_inner = if class == "TStreamerSTLstring" {
        Some(c.header()?)
    } else {
        None
    };
    // TStreamerElement base.
    let h = c.header()?;
    let (name, title) = read_tnamed(c)?;
    let mut ftype = c.i32()?;
    let size = c.i32()?;
    let array_length = c.i32()?;
    let array_dim = c.i32()?;
    let max_index = if h.version == 1 {
        let n = c.count(4, "fMaxIndex")?;
        (0..n).map(|_| c.i32()).collect::<Result<Vec<_>>>()?
    } else {
        (0..5).map(|_| c.i32()).collect::<Result<Vec<_>>>()?
    };
    let type_name = c.tstring()?;
    if ftype == kind::UCHAR && (type_name == "Bool_t" || type_name == "bool") {
        ftype = kind::BOOL;
    }
    c.finish(&h)?;
    let mut el = StreamerElement {
        class: ElementClass::Other(class.to_string()),
        name,
        title,
        ftype,
        size,
        array_length,
        array_dim,
        max_index,
        type_name,
        base_version: None,
        count_name: None,
        stl_type: None,
        ctype: None,
    };
    el.class = match class {
        "TStreamerBase" => {
            if outer.version >= 2 {
                el.base_version = Some(c.i32()?);
            }
            ElementClass::Base
        }
        "TStreamerBasicType" => ElementClass::BasicType,
        "TStreamerBasicPointer" | "TStreamerLoop" => {
            let _count_version = c.i32()?;
            el.count_name = Some(c.tstring()?);
            let _count_class = c.tstring()?;
            if class == "TStreamerLoop" {
                ElementClass::Loop
            } else {
                ElementClass::BasicPointer
            }
        }
        "TStreamerObject" => ElementClass::Object,
        "TStreamerObjectPointer" => ElementClass::ObjectPointer,
        "TStreamerObjectAny" => ElementClass::ObjectAny,
        "TStreamerObjectAnyPointer" => ElementClass::ObjectAnyPointer,
        "TStreamerString" => ElementClass::String,
        "TStreamerSTL" => {
            el.stl_type = Some(c.i32()?);
            el.ctype = Some(c.i32()?);
            ElementClass::Stl
        }
        "TStreamerSTLstring" => {
            el.stl_type = Some(c.i32()?);
            el.ctype = Some(c.i32()?);
            if let Some(inner) = &stl_string_inner {
                c.finish(inner)?;
            }
            ElementClass::StlString
        }
        "TStreamerArtificial" => ElementClass::Artificial,
        other => ElementClass::Other(other.to_string()),
    };
    c.finish(&outer)?;
    if el.array_dim < 0 || el.array_length < 0 {
        return Err(Error::corrupt(format!(
            "negative array size for member {}",
            el.name
        )));
    }
    Ok(el)
}

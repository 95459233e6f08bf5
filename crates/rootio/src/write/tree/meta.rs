//! Streaming the `TTree` object: the tree, its branches and their leaves, member by member in
//! the order of ROOT 6.40's streamer infos (`TTree` v20, `TBranch` v13, `TBranchElement` v10,
//! `TLeaf` v2, `TLeafO/B/S/I/L/F/D` v1, `TLeafElement` v1, `TObjArray` v3; see
//! `root-format.md` §1.7–1.8 and `streamers.bin`).
//!
//! ```text
//! TTree    = TNamed, TAttLine, TAttFill, TAttMarker, fEntries, fTotBytes, fZipBytes, fSavedBytes,
//!            fFlushedBytes (i64), fWeight (f64), fTimerInterval, fScanField, fUpdate,
//!            fDefaultEntryOffsetLen, fNClusterRange (i32), fMaxEntries, fMaxEntryLoop,
//!            fMaxVirtualSize, fAutoSave, fAutoFlush, fEstimate (i64),
//!            fClusterRangeEnd, fClusterSize ([fNClusterRange] i64: a 0 byte when empty),
//!            fIOFeatures, fBranches (TObjArray), fLeaves (TObjArray of references),
//!            fAliases (null), fIndexValues (TArrayD), fIndex (TArrayI), fTreeIndex, fFriends,
//!            fUserInfo, fBranchRef (null)
//! TBranch  = TNamed, TAttFill, fCompress, fBasketSize, fEntryOffsetLen, fWriteBasket (i32),
//!            fEntryNumber (i64), fIOFeatures, fOffset, fMaxBaskets, fSplitLevel (i32),
//!            fEntries, fFirstEntry, fTotBytes, fZipBytes (i64), fBranches, fLeaves, fBaskets
//!            (TObjArray), fBasketBytes (1 + [fMaxBaskets] i32), fBasketEntry, fBasketSeek
//!            (1 + [fMaxBaskets] i64), fFileName
//! TBranchElement = TBranch, fClassName, fParentName, fClonesName, fCheckSum (u32),
//!            fClassVersion (i16), fID, fType, fStreamerType, fMaximum (i32), fBranchCount,
//!            fBranchCount2 (null)
//! TLeaf    = TNamed, fLen, fLenType, fOffset (i32), fIsRange, fIsUnsigned (bool), fLeafCount
//! TLeafX   = TLeaf, fMinimum, fMaximum (of the leaf's type)
//! TLeafElement = TLeaf, fID, fType (i32)
//! ```
//!
//! Quirks reproduced from ROOT (checked by `tests/write_tree_golden.rs`):
//! * `TBranch::Streamer` writes `fMaxBaskets = max(fWriteBasket + 1, 10)` slots of the three
//!   basket arrays, and takes the baskets already on disk out of `fBaskets`, which is left
//!   with `fWriteBasket + 1` null slots (the last one held the empty basket being filled).
//! * Only the tree's `fBranches` has `TCollection::kIsOwner` set.
//! * `TLeaf::fLeafCount` and the tree's `fLeaves` point at leaves written earlier in the same
//!   buffer: they are object references (the leaf's key-relative position + `kMapOffset`).
//! * `ROOT::TIOFeatures` is a class without `ClassDef`: version 0 followed by its checksum.
//! * In-memory bits (`kIsOnHeap`, `kNotDeleted`) are not written; what remains is ROOT's:
//!   `kMustCleanup` on the tree, `kDoNotUseBufferMap` on branches.

use super::branch::{BranchWriter, Shape};
use super::TreeWriter;
use crate::array::PrimitiveType;
use crate::error::Result;
use crate::write::buffer::WBuffer;
use crate::write::WriteObject;

/// `TObject::kMustCleanup`, set on a tree attached to a directory.
const TREE_BITS: u32 = 1 << 3;
/// `TBranch::kDoNotUseBufferMap` (BIT 22), set on branches whose entries need no object map.
const BRANCH_BITS: u32 = 1 << 22;
/// The bits of a `TBranchElement` for a `std::vector` of numbers: `kDoNotUseBufferMap` and
/// `TBranchElement::kBranchAny` (BIT 20).
const BRANCH_ELEMENT_BITS: u32 = (1 << 22) | (1 << 20);
/// `TCollection::kIsOwner` (BIT 14), set on the arrays that own their elements.
const OWNER: u32 = 1 << 14;
/// Checksum of `ROOT::TIOFeatures` (written after its version 0).
const IO_FEATURES_CHECKSUM: u32 = 0x1aa1_2f10;
/// `fSplitLevel` of a `std::vector` branch made by `TTree::Branch` (the default 99).
const VECTOR_SPLIT_LEVEL: i32 = 99;
/// `TClass::GetClassVersion()` of the `vector<T>` classes (ROOT 6.40).
const VECTOR_CLASS_VERSION: i16 = 6;

/// The leaf class and branch type letter of a primitive type (`TTree::Branch` leaf lists).
pub(super) fn leaf_class(p: PrimitiveType) -> (&'static str, char) {
    match p {
        PrimitiveType::Bool => ("TLeafO", 'O'),
        PrimitiveType::I8 => ("TLeafB", 'B'),
        PrimitiveType::U8 => ("TLeafB", 'b'),
        PrimitiveType::I16 => ("TLeafS", 'S'),
        PrimitiveType::U16 => ("TLeafS", 's'),
        PrimitiveType::I32 => ("TLeafI", 'I'),
        PrimitiveType::U32 => ("TLeafI", 'i'),
        PrimitiveType::I64 => ("TLeafL", 'L'),
        PrimitiveType::U64 => ("TLeafL", 'l'),
        PrimitiveType::F32 => ("TLeafF", 'F'),
        PrimitiveType::F64 => ("TLeafD", 'D'),
    }
}

/// The `std::vector<T>` class ROOT names for a primitive type, and its checksum
/// (`TClass::GetCheckSum`, ROOT 6.40; recorded by `make_streamers.py` in
/// `fixtures/write/reference_tree.json`).
pub(super) fn vector_class(p: PrimitiveType) -> (&'static str, u32) {
    match p {
        PrimitiveType::Bool => ("vector<bool>", 29_929_751),
        PrimitiveType::I8 => ("vector<char>", 29_929_535),
        PrimitiveType::U8 => ("vector<unsigned char>", 728_903_898),
        PrimitiveType::I16 => ("vector<short>", 89_793_095),
        PrimitiveType::U16 => ("vector<unsigned short>", 2_186_716_184),
        PrimitiveType::I32 => ("vector<int>", 9_976_712),
        PrimitiveType::U32 => ("vector<unsigned int>", 3_106_279_697),
        PrimitiveType::I64 => ("vector<Long64_t>", 2_424_165_566),
        PrimitiveType::U64 => ("vector<ULong64_t>", 2_977_495_147),
        PrimitiveType::F32 => ("vector<float>", 89_790_107),
        PrimitiveType::F64 => ("vector<double>", 269_370_212),
    }
}

fn is_unsigned(p: PrimitiveType) -> bool {
    matches!(
        p,
        PrimitiveType::U8 | PrimitiveType::U16 | PrimitiveType::U32 | PrimitiveType::U64
    )
}

/// The leaf's title: the name and its dimensions (`a[3]`, `m[2][3]`, `pt[nMuon]`).
pub(super) fn leaf_title(name: &str, shape: &Shape) -> String {
    match shape {
        Shape::Scalar | Shape::Vector => name.to_string(),
        Shape::Fixed(dims) => {
            let mut s = name.to_string();
            for d in dims {
                s.push_str(&format!("[{d}]"));
            }
            s
        }
        Shape::Counted(_, counter) => format!("{name}[{counter}]"),
    }
}

/// The `TTree` to store in the tree's key.
pub(super) struct TreeObject<'a> {
    pub tree: &'a TreeWriter,
    pub compress: i32,
}

impl WriteObject for TreeObject<'_> {
    fn class_name(&self) -> &str {
        "TTree"
    }

    fn title(&self) -> &str {
        &self.tree.title
    }

    fn stream(&self, w: &mut WBuffer) -> Result<()> {
        let t = self.tree;
        let bc = w.begin_object(20);
        w.tnamed(TREE_BITS, &t.name, &t.title)?;
        let line = w.begin_object(2); // TAttLine
        w.i16(602);
        w.i16(1);
        w.i16(1);
        w.end_object(line)?;
        att_fill(w)?;
        let marker = w.begin_object(3); // TAttMarker
        w.i16(1);
        w.i16(1);
        w.f32(1.0);
        w.end_object(marker)?;
        w.i64(t.entries);
        w.i64(t.tot_bytes);
        w.i64(t.zip_bytes);
        w.i64(t.saved_bytes);
        w.i64(t.flushed_bytes);
        w.f64(1.0); // fWeight
        w.i32(0); // fTimerInterval
        w.i32(25); // fScanField
        w.i32(0); // fUpdate
        w.i32(super::branch::DEFAULT_ENTRY_OFFSET_LEN); // fDefaultEntryOffsetLen
        w.i32(0); // fNClusterRange
        w.i64(1_000_000_000_000); // fMaxEntries
        w.i64(1_000_000_000_000); // fMaxEntryLoop
        w.i64(0); // fMaxVirtualSize
        w.i64(t.auto_save);
        w.i64(t.auto_flush);
        w.i64(1_000_000); // fEstimate
        w.u8(0); // fClusterRangeEnd: no array
        w.u8(0); // fClusterSize: no array
        io_features(w)?;

        // fBranches, remembering each leaf's tag for fLeafCount and fLeaves.
        let mut leaf_tags: Vec<u32> = Vec::with_capacity(t.branches.len());
        object_array(w, OWNER, t.branches.len(), |w, i| {
            let b = &t.branches[i];
            let count_tag = match &b.shape {
                Shape::Counted(c, _) => leaf_tags.get(*c).copied(),
                _ => None,
            };
            let class = if b.shape == Shape::Vector {
                "TBranchElement"
            } else {
                "TBranch"
            };
            let mut tag = 0;
            w.object_pointer(class, |w| {
                tag = branch(w, b, self.compress, count_tag)?;
                Ok(())
            })?;
            leaf_tags.push(tag);
            Ok(())
        })?;
        // fLeaves: references to the leaves just written.
        object_array(w, 0, leaf_tags.len(), |w, i| {
            w.object_reference(leaf_tags[i]);
            Ok(())
        })?;
        w.null_pointer(); // fAliases
        w.i32(0); // fIndexValues (TArrayD)
        w.i32(0); // fIndex (TArrayI)
        w.null_pointer(); // fTreeIndex
        w.null_pointer(); // fFriends
        w.null_pointer(); // fUserInfo
        w.null_pointer(); // fBranchRef
        w.end_object(bc)
    }
}

fn att_fill(w: &mut WBuffer) -> Result<()> {
    let fill = w.begin_object(2);
    w.i16(0);
    w.i16(1001);
    w.end_object(fill)
}

/// `ROOT::TIOFeatures` with no feature set.
fn io_features(w: &mut WBuffer) -> Result<()> {
    let bc = w.begin_object(0);
    w.u32(IO_FEATURES_CHECKSUM);
    w.u8(0); // fIOBits
    w.end_object(bc)
}

/// `TObjArray::Streamer`: byte count, version 3, `TObject`, `fName` (empty), the number of
/// objects, `fLowerBound` (0), then each object.
fn object_array(
    w: &mut WBuffer,
    bits: u32,
    n: usize,
    mut item: impl FnMut(&mut WBuffer, usize) -> Result<()>,
) -> Result<()> {
    let bc = w.begin_object(3);
    w.tobject(0, bits);
    w.tstring("");
    w.i32(n as i32);
    w.i32(0);
    for i in 0..n {
        item(w, i)?;
    }
    w.end_object(bc)
}

/// Stream one branch (after its class tag); returns its leaf's tag.
fn branch(w: &mut WBuffer, b: &BranchWriter, compress: i32, count_tag: Option<u32>) -> Result<u32> {
    let vector = b.shape == Shape::Vector;
    let element = if vector {
        Some(w.begin_object(10))
    } else {
        None
    };
    let bc = w.begin_object(13);
    w.tnamed(
        if vector {
            BRANCH_ELEMENT_BITS
        } else {
            BRANCH_BITS
        },
        &b.name,
        &b.title,
    )?;
    att_fill(w)?;
    w.i32(compress);
    w.i32(b.basket_size);
    w.i32(b.entry_offset_len);
    w.i32(b.write_basket);
    w.i64(b.entries); // fEntryNumber
    io_features(w)?;
    w.i32(0); // fOffset
    let max_baskets = (b.write_basket as usize + 1).max(10);
    w.i32(max_baskets as i32);
    w.i32(if vector { VECTOR_SPLIT_LEVEL } else { 0 });
    w.i64(b.entries);
    w.i64(0); // fFirstEntry
    w.i64(b.tot_bytes);
    w.i64(b.zip_bytes);
    object_array(w, 0, 0, |_, _| Ok(()))?; // fBranches
    let mut leaf_tag = 0;
    object_array(w, 0, 1, |w, _| {
        leaf_tag = leaf(w, b, count_tag)?;
        Ok(())
    })?;
    // fBaskets: the baskets on disk are taken out before streaming, leaving null slots up to
    // the (empty) basket being filled, which exists once an entry was filled.
    let slots = if b.entries > 0 {
        b.write_basket as usize + 1
    } else {
        0
    };
    object_array(w, 0, slots, |w, _| {
        w.null_pointer();
        Ok(())
    })?;
    w.u8(1);
    for i in 0..max_baskets {
        w.i32(b.basket_bytes.get(i).copied().unwrap_or(0));
    }
    w.u8(1);
    for i in 0..max_baskets {
        w.i64(b.basket_entry.get(i).copied().unwrap_or(0));
    }
    w.u8(1);
    for i in 0..max_baskets {
        w.i64(b.basket_seek.get(i).copied().unwrap_or(0));
    }
    w.tstring(""); // fFileName
    w.end_object(bc)?;
    if let Some(el) = element {
        let (class, checksum) = vector_class(b.element);
        w.tstring(class); // fClassName
        w.tstring(""); // fParentName
        w.tstring(""); // fClonesName
        w.u32(checksum);
        w.i16(VECTOR_CLASS_VERSION);
        w.i32(-1); // fID: the whole object
        w.i32(0); // fType
        w.i32(-1); // fStreamerType
        w.i32(0); // fMaximum
        w.null_pointer(); // fBranchCount
        w.null_pointer(); // fBranchCount2
        w.end_object(el)?;
    }
    Ok(leaf_tag)
}

/// Stream a branch's leaf as an object pointer; returns its tag.
fn leaf(w: &mut WBuffer, b: &BranchWriter, count_tag: Option<u32>) -> Result<u32> {
    if b.shape == Shape::Vector {
        return w.object_pointer_tagged("TLeafElement", |w| {
            let bc = w.begin_object(1);
            tleaf(w, &b.name, &b.name, 1, 0, false, false, None)?;
            w.i32(-1); // fID
            w.i32(-1); // fType
            w.end_object(bc)
        });
    }
    let (class, _) = leaf_class(b.element);
    let len = match &b.shape {
        Shape::Fixed(dims) => dims.iter().product::<usize>() as i32,
        _ => 1,
    };
    let size = super::columns::primitive_size(b.element) as i32;
    let title = leaf_title(&b.name, &b.shape);
    w.object_pointer_tagged(class, |w| {
        let bc = w.begin_object(1);
        tleaf(
            w,
            &b.name,
            &title,
            len,
            size,
            b.is_counter,
            is_unsigned(b.element),
            count_tag,
        )?;
        // fMinimum, fMaximum in the leaf's own type: 0, or the largest count for a counter.
        let max = if b.is_counter { b.leaf_maximum } else { 0 };
        match b.element {
            PrimitiveType::Bool => {
                w.u8(0);
                w.u8(0);
            }
            PrimitiveType::I8 | PrimitiveType::U8 => {
                w.i8(0);
                w.i8(max as i8);
            }
            PrimitiveType::I16 | PrimitiveType::U16 => {
                w.i16(0);
                w.i16(max as i16);
            }
            PrimitiveType::I32 | PrimitiveType::U32 => {
                w.i32(0);
                w.i32(max as i32);
            }
            PrimitiveType::I64 | PrimitiveType::U64 => {
                w.i64(0);
                w.i64(max);
            }
            PrimitiveType::F32 => {
                w.f32(0.0);
                w.f32(0.0);
            }
            PrimitiveType::F64 => {
                w.f64(0.0);
                w.f64(0.0);
            }
        }
        w.end_object(bc)
    })
}

/// `TLeaf` v2.
#[allow(clippy::too_many_arguments)]
fn tleaf(
    w: &mut WBuffer,
    name: &str,
    title: &str,
    len: i32,
    len_type: i32,
    is_range: bool,
    unsigned: bool,
    count_tag: Option<u32>,
) -> Result<()> {
    let bc = w.begin_object(2);
    w.tnamed(0, name, title)?;
    w.i32(len);
    w.i32(len_type);
    w.i32(0); // fOffset
    w.bool(is_range);
    w.bool(unsigned);
    match count_tag {
        Some(tag) => w.object_reference(tag),
        None => w.null_pointer(),
    }
    w.end_object(bc)
}

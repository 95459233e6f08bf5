//! RNTuple: ROOT's columnar successor of TTree (binary format 1.0, as ROOT 6.34–6.40 write it).
//!
//! An RNTuple is found through its anchor, a `ROOT::RNTuple` key ([`Anchor`]), which locates the
//! **header** envelope (the schema: fields and columns) and the **footer** envelope (a schema
//! extension for fields added while writing, and cluster groups). Each cluster group points to a
//! **page list** envelope, which gives, per cluster and column, the pages and where they are.
//! Pages hold the elements of one column, compressed with ROOT's usual compression blocks.
//! Everything is described in `root-project/root:tree/ntuple/doc/BinaryFormatSpecification.md`;
//! `uproot5:src/uproot/models/RNTuple.py` is a second reading of it.
//!
//! [`RNTuple`] mirrors [`crate::Tree`]: [`RootFile::rntuple`] opens one, [`RNTuple::fields`] lists
//! the top-level fields, [`RNTuple::clusters`] gives the entry ranges, and
//! [`RNTuple::read_fields`] decodes fields into the same [`Array`](crate::Array) shapes as the
//! equivalent TTree branches: a NanoAOD-style `ROOT::RVec<float>` field `Muon_pt` reads exactly
//! like the TTree branch `Muon_pt[nMuon]`.
//!
//! | RNTuple field | [`Array`](crate::Array) |
//! |---|---|
//! | `bool`, `char`, `std::[u]int{8,16,32,64}_t`, `std::byte`, `float`, `double` | the primitive column (`char` as `I8`, `std::byte` as `U8`, like `Char_t`/`UChar_t`) |
//! | `Double32_t`, `float`/`double` in half precision, truncated or quantized | `F64` / `F32`, as ROOT reads them back |
//! | `std::string` | `Strings` |
//! | `std::vector<T>`, `ROOT::RVec<T>`, `std::set<T>`, `std::map<K,V>`, `std::optional<T>`, `std::unique_ptr<T>` (collections) | `Jagged` (offsets from 0) |
//! | `std::array<T,N>`, `std::bitset<N>` (repetitive fields) | `Fixed { size: N }`; nested arrays flatten into one, like `x[3][2]` in a TTree |
//! | classes, `std::pair`, `std::tuple`, untyped records | `Record`: members by name, base-class members flattened in as for TTree objects; pair and tuple members `_0`, `_1`, … |
//! | `std::variant<T0, T1, …>` | `Record` with one `Jagged` of 0 or 1 values per alternative (`_0`, `_1`, …) |
//! | enums, `std::atomic<T>` | the underlying type |
//! | `ROOT::RNTupleCardinality<T>` (a projected collection size) | `U32` / `U64` |
//! | ROOT-streamed fields (structural role 4) | not decoded: [`ErrorKind::Unsupported`] |
//!
//! Subfields are read by dotted path (`hit.x`, `hits.e` or `hits._0.e`); a subfield inside a
//! collection comes with the collection's offsets. Fields added while writing (late model
//! extension, the footer's schema extension) read as zeros / empty before their first entry,
//! as in ROOT. Where a field has several column representations, the one that is primary in each
//! cluster is used.
//!
//! Every value read from the file is checked: envelopes and the anchor carry XXH3 checksums
//! (verified), page checksums are verified when present, and every size, count and offset is
//! bounded before it is used. Damage gives a typed [`Error`] naming the file, the RNTuple and
//! field, and the byte offset.
//!
//! ```no_run
//! use rootio::{ReadOptions, RootFile};
//! # fn main() -> rootio::Result<()> {
//! let file = RootFile::open("nano_rntuple.root")?;
//! let nt = file.rntuple("Events")?;
//! for f in nt.fields() {
//!     println!("{}: {}", f.name, f.type_name);
//! }
//! let cols = nt.read_fields(&["nMuon", "Muon_pt"], 0..nt.entries, &ReadOptions::default())?;
//! println!("{} entries, Muon_pt is {}", cols[1].len(), cols[1].type_name());
//! # Ok(()) }
//! ```

mod anchor;
mod column;
mod footer;
mod frame;
mod layout;
mod read;
mod schema;
mod storage;

pub use anchor::Anchor;
pub use column::ColumnType;
pub use footer::{Cluster, ClusterGroup, ColumnPages, PageInfo};
pub use schema::{ColumnRecord, StructuralRole};
pub use storage::{EnvelopeLink, Locator};

use std::ops::Range;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::file::RootFile;
use crate::key::Key;
use frame::{Origin, Reader};
use layout::{plan, Layout};
use schema::{check_feature_flags, FieldRecord, Header, SchemaPart, MAX_DEPTH};
use storage::{envelope_checksum, Storage, ENVELOPE_FOOTER, ENVELOPE_HEADER, ENVELOPE_PAGE_LIST};

/// The class name of the anchor key.
pub const ANCHOR_CLASS: &str = "ROOT::RNTuple";

/// A field of an RNTuple: a top-level field or a subfield.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field id (its position in the header's field list, the schema extension's after).
    pub id: usize,
    /// The field name (`Muon_pt`; `_0` for the items of a collection).
    pub name: String,
    /// The dotted path from the top-level field (`hits._0.e`).
    pub path: String,
    /// The normalized C++ type name (`ROOT::VecOps::RVec<float>`), empty for untyped records.
    pub type_name: String,
    /// The type alias, if any (`Double32_t`).
    pub type_alias: String,
    /// The description.
    pub description: String,
    /// The structural role.
    pub role: StructuralRole,
    /// Elements per entry of a fixed-size array field (`std::array<T, N>`, `std::bitset<N>`), or 0.
    pub repetition: u64,
    /// For a projected field (its columns are aliases), the source field.
    pub projected_from: Option<usize>,
    /// The parent field (`None` for top-level fields).
    pub parent: Option<usize>,
    /// The subfields, in id order.
    pub children: Vec<usize>,
    /// The physical columns (aliases resolved), in order of representation and id.
    pub columns: Vec<usize>,
    /// Field version (schema evolution).
    pub field_version: u32,
    /// Type version (schema evolution).
    pub type_version: u32,
    /// Whether the field was added after writing began (schema extension in the footer).
    pub late: bool,
    /// The type of the column this field reads as (`var * float32`), or why it cannot be read.
    pub array_type: std::result::Result<String, String>,
    /// The repetitive flag (a fixed-size array).
    repetitive: bool,
}

impl Field {
    /// Whether the field is a fixed-size array (the repetitive flag is set).
    pub fn is_repetitive(&self) -> bool {
        self.repetitive
    }
}

/// The schema: fields and physical columns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Schema {
    pub fields: Vec<Field>,
    pub columns: Vec<ColumnRecord>,
    pub top: Vec<usize>,
}

impl Schema {
    fn build(header: SchemaPart, ext: SchemaPart) -> Result<Schema> {
        let n_header = header.fields.len();
        let records: Vec<FieldRecord> = header.fields.into_iter().chain(ext.fields).collect();
        let columns: Vec<ColumnRecord> = header.columns.into_iter().chain(ext.columns).collect();
        let aliases: Vec<(u32, u32)> = header.aliases.into_iter().chain(ext.aliases).collect();
        let n = records.len();
        let mut fields: Vec<Field> = Vec::with_capacity(n);
        let mut top = Vec::new();
        for (id, r) in records.into_iter().enumerate() {
            let parent = r.parent as usize;
            if parent >= n {
                return Err(Error::corrupt(format!(
                    "field {id} ('{}') has parent {parent}, but there are {n} fields",
                    r.name
                )));
            }
            let projected_from = match r.projection_source {
                Some(s) if s as usize >= n => {
                    return Err(Error::corrupt(format!(
                        "projected field {id} ('{}') has source field {s} of {n}",
                        r.name
                    )))
                }
                s => s.map(|s| s as usize),
            };
            if parent == id {
                top.push(id);
            }
            fields.push(Field {
                id,
                name: r.name.clone(),
                path: String::new(),
                repetition: r.repetition,
                repetitive: r.is_repetitive(),
                type_name: r.type_name,
                type_alias: r.type_alias,
                description: r.description,
                role: r.role,
                projected_from,
                parent: (parent != id).then_some(parent),
                children: Vec::new(),
                columns: Vec::new(),
                field_version: r.field_version,
                type_version: r.type_version,
                late: id >= n_header,
                array_type: Err(String::new()),
            });
        }
        // Parents and paths; a parent chain longer than MAX_DEPTH is a loop. The paths repeat
        // the names of ancestors: bound their total size by what the names justify.
        let names: usize = fields.iter().map(|f| f.name.len() + 1).sum();
        let mut path_bytes = 0usize;
        for id in 0..n {
            let mut chain = vec![id];
            let mut cur = id;
            while let Some(p) = fields[cur].parent {
                if chain.len() > MAX_DEPTH {
                    return Err(Error::corrupt(format!(
                        "field {id} ('{}') does not lead to a top-level field",
                        fields[id].name
                    )));
                }
                chain.push(p);
                cur = p;
            }
            let path = chain
                .iter()
                .rev()
                .map(|&k| fields[k].name.as_str())
                .collect::<Vec<_>>()
                .join(".");
            path_bytes += path.len();
            if path_bytes > names.saturating_mul(MAX_DEPTH).saturating_add(1 << 20) {
                return Err(Error::corrupt(format!(
                    "field paths exceed {path_bytes} bytes for {names} bytes of field names"
                )));
            }
            fields[id].path = path;
            if let Some(p) = fields[id].parent {
                fields[p].children.push(id);
            }
        }
        for (c, col) in columns.iter().enumerate() {
            let f = col.field as usize;
            let Some(field) = fields.get_mut(f) else {
                return Err(Error::corrupt(format!(
                    "column {c} belongs to field {f}, but there are {n} fields"
                )));
            };
            field.columns.push(c);
        }
        for (phys, f) in aliases {
            let (phys, f) = (phys as usize, f as usize);
            if phys >= columns.len() || f >= n {
                return Err(Error::corrupt(format!(
                    "alias column of field {f} refers to physical column {phys} ({} columns, {n} fields)",
                    columns.len()
                )));
            }
            fields[f].columns.push(phys);
        }
        let mut s = Schema {
            fields,
            columns,
            top,
        };
        for id in 0..n {
            let t = plan(&s, id).map(|l| l.empty().type_name());
            s.fields[id].array_type = t;
        }
        Ok(s)
    }

    /// Number of column representations of a field.
    pub fn representations(&self, field: usize) -> usize {
        self.fields[field]
            .columns
            .iter()
            .map(|&c| self.columns[c].representation as usize + 1)
            .max()
            .unwrap_or(1)
    }

    /// The columns of representation `r` of a field, in order.
    pub fn representation_columns(&self, field: usize, r: usize) -> Vec<usize> {
        self.fields[field]
            .columns
            .iter()
            .copied()
            .filter(|&c| self.columns[c].representation as usize == r)
            .collect()
    }
}

/// An RNTuple in a ROOT file.
#[derive(Debug, Clone)]
pub struct RNTuple {
    /// The RNTuple's name (from its header).
    pub name: String,
    /// Its path in the file, as asked for.
    pub path: String,
    /// The description.
    pub description: String,
    /// The library that wrote it (`ROOT v6.40.00`).
    pub writer: String,
    /// The anchor.
    pub anchor: Anchor,
    /// Number of entries.
    pub entries: u64,
    pub(crate) schema: Arc<Schema>,
    pub(crate) clusters: Arc<Vec<Cluster>>,
    groups: Arc<Vec<ClusterGroup>>,
    pub(crate) storage: Storage,
    file: RootFile,
}

impl RootFile {
    /// Open the RNTuple at `path` (`Events`, `dir/Events`, `Events;1`).
    pub fn rntuple(&self, path: &str) -> Result<RNTuple> {
        let key = self.key(path)?;
        if key.class_name != ANCHOR_CLASS {
            return Err(self.located(
                ErrorKind::WrongClass {
                    name: path.to_string(),
                    class: key.class_name.clone(),
                    expected: ANCHOR_CLASS,
                }
                .into(),
            ));
        }
        RNTuple::open(self, &key, path).map_err(|e| self.located(e.in_object(path.to_string())))
    }

    /// The paths of all RNTuples in the file (highest cycles only).
    pub fn rntuple_paths(&self) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for e in self.walk()? {
            if e.key.class_name == ANCHOR_CLASS {
                let p = e.path();
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }
}

fn envelope_reader<'a>(buf: &'a [u8], what: &'static str, at: u64) -> Result<Reader<'a>> {
    // check_envelope guaranteed at least 16 bytes: skip the type/length word, stop before the
    // checksum.
    let end = buf.len().saturating_sub(8);
    let mut r = Reader::new(
        &buf[..end],
        Origin {
            what,
            file_offset: at,
        },
    );
    r.bytes(8)?;
    Ok(r)
}

impl RNTuple {
    fn open(file: &RootFile, key: &Key, path: &str) -> Result<RNTuple> {
        let payload = file.read_payload(key)?;
        let at = key.seek_key + key.keylen.max(0) as u64;
        let anchor = Anchor::read(&payload, at)?;
        let storage = Storage {
            source: file.source().clone(),
            max_key_size: anchor.max_key_size,
        };
        let header_link = EnvelopeLink {
            len: anchor.len_header,
            locator: Locator {
                offset: anchor.seek_header,
                size: anchor.nbytes_header,
            },
        };
        let header_buf = storage.read_envelope(header_link, ENVELOPE_HEADER, "header envelope")?;
        let header_checksum = envelope_checksum(&header_buf);
        let header = {
            let mut r = envelope_reader(&header_buf, "header envelope", anchor.seek_header)?;
            let h = Header::read(&mut r)?;
            check_feature_flags(&h.feature_flags, "header")?;
            h
        };
        let footer_link = EnvelopeLink {
            len: anchor.len_footer,
            locator: Locator {
                offset: anchor.seek_footer,
                size: anchor.nbytes_footer,
            },
        };
        let footer_buf = storage.read_envelope(footer_link, ENVELOPE_FOOTER, "footer envelope")?;
        let footer = {
            let mut r = envelope_reader(&footer_buf, "footer envelope", anchor.seek_footer)?;
            footer::Footer::read(&mut r)?
        };
        if footer.header_checksum != header_checksum && crate::fuzz_harness::checksums_verified() {
            return Err(Error::corrupt(format!(
                "the footer belongs to another header (header checksum {:#018x}, footer says {:#018x})",
                header_checksum, footer.header_checksum
            ))
            .at_offset(anchor.seek_footer));
        }
        let mut clusters = Vec::new();
        for (g, group) in footer.groups.iter().enumerate() {
            let at = group.page_list.locator.offset;
            let buf =
                storage.read_envelope(group.page_list, ENVELOPE_PAGE_LIST, "page list envelope")?;
            let mut r = envelope_reader(&buf, "page list envelope", at)?;
            let cs =
                footer::read_page_list(&mut r, header_checksum, g).map_err(|e| e.at_offset(at))?;
            if cs.len() != group.clusters as usize {
                return Err(Error::corrupt(format!(
                    "cluster group {g} announces {} clusters, its page list has {}",
                    group.clusters,
                    cs.len()
                ))
                .at_offset(at));
            }
            if let (Some(first), true) = (cs.first(), group.clusters > 0) {
                let span: u64 = cs.iter().map(|c| c.entries).sum();
                if first.first_entry != group.min_entry || span != group.entry_span {
                    return Err(Error::corrupt(format!(
                        "cluster group {g} covers entries {}+{}, its clusters {}+{span}",
                        group.min_entry, group.entry_span, first.first_entry
                    ))
                    .at_offset(at));
                }
            }
            clusters.extend(cs);
        }
        let mut entries = 0u64;
        for (i, c) in clusters.iter().enumerate() {
            if c.first_entry != entries {
                return Err(Error::corrupt(format!(
                    "cluster {i} starts at entry {}, expected {entries}",
                    c.first_entry
                )));
            }
            entries = entries
                .checked_add(c.entries)
                .ok_or_else(|| Error::corrupt("entry count overflows"))?;
        }
        let schema = Schema::build(header.schema, footer.extension)?;
        Ok(RNTuple {
            name: header.name,
            path: path.to_string(),
            description: header.description,
            writer: header.writer,
            anchor,
            entries,
            schema: Arc::new(schema),
            clusters: Arc::new(clusters),
            groups: Arc::new(footer.groups),
            storage,
            file: file.clone(),
        })
    }

    /// The file this RNTuple is in.
    pub fn file(&self) -> &RootFile {
        &self.file
    }

    /// The top-level fields, in schema order.
    pub fn fields(&self) -> Vec<&Field> {
        self.schema
            .top
            .iter()
            .map(|&i| &self.schema.fields[i])
            .collect()
    }

    /// All fields, subfields included, by id.
    pub fn all_fields(&self) -> &[Field] {
        &self.schema.fields
    }

    /// The physical columns, by id.
    pub fn columns(&self) -> &[ColumnRecord] {
        &self.schema.columns
    }

    /// The clusters as entry ranges, in entry order.
    pub fn clusters(&self) -> Vec<Range<u64>> {
        self.clusters
            .iter()
            .map(|c| c.first_entry..c.first_entry + c.entries)
            .collect()
    }

    /// The clusters with their page locations.
    pub fn cluster_details(&self) -> &[Cluster] {
        &self.clusters
    }

    /// The cluster groups of the footer.
    pub fn cluster_groups(&self) -> &[ClusterGroup] {
        &self.groups
    }

    /// The field at `path`: a top-level field name or a dotted path (`hit.x`, `hits._0.e`,
    /// `hits.e`).
    pub fn field(&self, path: &str) -> Result<&Field> {
        let chain = self.resolve(path)?;
        let id = *chain.last().unwrap_or(&0);
        Ok(&self.schema.fields[id])
    }

    /// The chain of field ids from the top-level field to the field at `path`. Items of
    /// collections and arrays (`_0`) and base classes (`:_0`) may be left out of the path.
    fn resolve(&self, path: &str) -> Result<Vec<usize>> {
        let s = &self.schema;
        let not_found = || {
            self.located(
                Error::not_found("field", path, s.fields.iter().map(|f| f.path.as_str()))
                    .in_object(self.path.clone()),
            )
        };
        let mut parts = path.split('.');
        let first = parts.next().unwrap_or("");
        let Some(&top) = s.top.iter().find(|&&i| s.fields[i].name == first) else {
            return Err(not_found());
        };
        let mut chain = vec![top];
        for part in parts {
            let cur = *chain.last().unwrap_or(&top);
            match find_child(s, cur, part, 0) {
                Some(mut steps) => chain.append(&mut steps),
                None => return Err(not_found()),
            }
        }
        Ok(chain)
    }

    /// The reading plan for a field path, with the collections and arrays around a subfield.
    pub(crate) fn layout_for(&self, path: &str) -> Result<(String, Layout)> {
        let chain = self.resolve(path)?;
        let s = &self.schema;
        let target = *chain.last().unwrap_or(&0);
        let unsupported = |why: String| {
            self.located(
                Error::unsupported(format!("cannot read field '{path}': {why}"))
                    .in_object(format!("{}/{}", self.name, s.fields[target].path)),
            )
        };
        let mut layout = plan(s, target).map_err(unsupported)?;
        for &anc in chain[..chain.len() - 1].iter().rev() {
            let f = &s.fields[anc];
            layout = match f.role {
                StructuralRole::Collection => Layout::Collection {
                    field: anc,
                    item: Box::new(layout),
                },
                StructuralRole::Leaf | StructuralRole::Record if f.is_repetitive() => {
                    let size = usize::try_from(f.repetition)
                        .ok()
                        .filter(|&n| n > 0 && n <= 1 << 32)
                        .ok_or_else(|| {
                            unsupported(format!("array of {} elements", f.repetition))
                        })?;
                    layout::fixed(size, layout)
                }
                StructuralRole::Leaf | StructuralRole::Record => layout,
                _ => {
                    return Err(unsupported(format!(
                        "it is inside '{}', whose subfields cannot be read on their own",
                        f.path
                    )))
                }
            };
        }
        Ok((s.fields[target].path.clone(), layout))
    }

    pub(crate) fn located(&self, e: Error) -> Error {
        e.in_file(self.file.path())
    }
}

/// Find `name` below field `cur`: a direct subfield, or one reached through the single item
/// field `_0` of a collection / array / wrapper, or through base classes `:_N`. Returns the
/// field ids stepped through.
fn find_child(s: &Schema, cur: usize, name: &str, depth: usize) -> Option<Vec<usize>> {
    if depth > 8 {
        return None;
    }
    let f = &s.fields[cur];
    if let Some(&c) = f.children.iter().find(|&&c| s.fields[c].name == name) {
        return Some(vec![c]);
    }
    for &c in &f.children {
        let cn = &s.fields[c].name;
        let through = cn.starts_with(':') || (cn == "_0" && f.children.len() == 1);
        if through {
            if let Some(mut rest) = find_child(s, c, name, depth + 1) {
                rest.insert(0, c);
                return Some(rest);
            }
        }
    }
    None
}

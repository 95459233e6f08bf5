//! TTree metadata: the tree, its branches and leaves, and where each branch's baskets are.
//!
//! The TTree object is read generically through the file's streamer infos (see
//! [`crate::object`]), then the members a reader needs are taken by name. Basket discovery
//! follows `uproot5:src/uproot/behaviors/TBranch.py` (`postprocess`, `entry_offsets`): the
//! first `fWriteBasket` slots of `fBasketSeek/fBasketBytes/fBasketEntry` (up to the first zero
//! seek) are baskets on disk, and baskets embedded in `fBaskets` follow them in entry order.

pub(crate) mod basket;
pub(crate) mod decode;
mod interpretation;
pub(crate) mod model;
pub(crate) mod objects;
mod read;
pub(crate) mod same_offsets;

pub use basket::RawBasket;
pub use interpretation::{Element, Interpretation};
pub use model::Model;
pub use objects::{ObjectLayout, Step};
pub use read::ReadOptions;

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::file::RootFile;
use crate::key::Key;
use crate::object::{EmbeddedBasket, Object, ObjectReader};

/// Where one basket of a branch is, and which entries it holds.
#[derive(Debug, Clone)]
pub enum BasketLocation {
    /// A basket in its own key on disk.
    OnDisk {
        /// File offset of the basket key.
        seek: u64,
        /// Bytes on disk (key + compressed payload).
        bytes: u32,
    },
    /// A basket stored inside the TTree metadata.
    Embedded(Arc<EmbeddedBasket>),
}

/// One basket: its location and entry range `[first, stop)`.
#[derive(Debug, Clone)]
pub struct BasketInfo {
    /// Where the basket is.
    pub location: BasketLocation,
    /// First entry.
    pub first: u64,
    /// One past the last entry.
    pub stop: u64,
}

/// A leaf: the type description of (part of) a branch's entries.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// Leaf name.
    pub name: String,
    /// Leaf title (holds array dimensions and Float16/Double32 ranges: `x[3]/F`, `d/d[0,1,12]`).
    pub title: String,
    /// Leaf class (`TLeafF`, `TLeafElement`, …).
    pub class: String,
    /// Fixed number of elements per entry (`x[3]` gives 3).
    pub len: i32,
    /// Bytes per element.
    pub len_type: i32,
    /// Whether the integer type is unsigned.
    pub is_unsigned: bool,
    /// The counter leaf's name, for `x[n]` leaves.
    pub count_leaf: Option<String>,
    /// The full name of the branch that holds the counter leaf.
    pub count_branch: Option<String>,
    /// `TLeafElement::fType` (a streamer type code).
    pub element_type: Option<i32>,
    /// Whether the leaf object could be read: false when neither the file nor ROOT's own
    /// layouts describe its class version, so that its name, length and counter are unknown.
    pub described: bool,
}

/// TBranchElement-specific members.
#[derive(Debug, Clone)]
pub struct ElementInfo {
    /// `fClassName`: the class of the branch's object (or of the parent for members).
    pub class_name: String,
    /// `fClassVersion`.
    pub class_version: i32,
    /// `fID`: the member index in the parent class's streamer info (−1 for a whole object).
    pub id: i32,
    /// `fType`: 0 object/member, 1 base, 2 class member, 3/4 TClonesArray/STL count,
    /// 31/41 member of a split TClonesArray/STL.
    pub ftype: i32,
    /// `fStreamerType`: the streamer type code of the member.
    pub streamer_type: i32,
    /// The C++ type of the member, from the parent's streamer info when available.
    pub member_type: Option<String>,
    /// The member's comment in the parent's streamer info: it holds a `Double32_t` or
    /// `Float16_t` range (`[-pi,pi,30]`), which the leaf title of a split member does not.
    pub member_title: Option<String>,
    /// The member's fixed array length (`TLorentzVector pg[6]` gives 6; 0 for no array).
    pub member_array_length: usize,
    /// The member's name; for a base class (type `BASE`), the base class.
    pub member_name: Option<String>,
}

/// A branch of a tree.
#[derive(Debug, Clone)]
pub struct Branch {
    /// The branch name as ROOT stores it (`Muon_pt`, `evt.P3.Px`).
    pub name: String,
    /// Path through parent branches (`evt/P3/P3.Px`), as uproot names it.
    pub path: String,
    /// Title.
    pub title: String,
    /// Class (`TBranch`, `TBranchElement`, `TBranchObject`).
    pub class: String,
    /// Entries in this branch.
    pub entries: u64,
    /// `fEntryOffsetLen`: non-zero when entries have variable size (offset arrays written).
    pub entry_offset_len: i32,
    /// Compression setting of this branch.
    pub compress: i32,
    /// Uncompressed bytes (`fTotBytes`).
    pub tot_bytes: i64,
    /// Compressed bytes (`fZipBytes`).
    pub zip_bytes: i64,
    /// `fFileName`: non-empty if the baskets are in another file.
    pub file_name: String,
    /// Leaves.
    pub leaves: Vec<Leaf>,
    /// Sub-branches.
    pub children: Vec<Branch>,
    /// Baskets in entry order.
    pub baskets: Vec<BasketInfo>,
    /// TBranchElement details.
    pub element: Option<ElementInfo>,
    /// How to decode the entries (or why they cannot be decoded).
    pub interpretation: std::result::Result<Interpretation, String>,
}

/// A cluster: a range of entries after which all branches flush their baskets together.
pub type Cluster = std::ops::Range<u64>;

/// A TTree.
#[derive(Debug, Clone)]
pub struct Tree {
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Path inside the file, as asked for.
    pub path: String,
    /// Class of the key (`TTree`, `TNtuple`, …).
    pub class: String,
    /// Number of entries.
    pub entries: u64,
    /// Top-level branches.
    pub branches: Vec<Branch>,
    /// `fClusterRangeEnd` (inclusive last entries of cluster ranges).
    pub cluster_range_end: Vec<i64>,
    /// `fClusterSize` per cluster range.
    pub cluster_size: Vec<i64>,
    /// `fAutoFlush`: entries per cluster if positive, a byte budget if negative.
    pub auto_flush: i64,
    /// Compressed bytes of all branches.
    pub zip_bytes: i64,
    /// Uncompressed bytes of all branches.
    pub tot_bytes: i64,
    pub(crate) file: RootFile,
}

impl Tree {
    /// Read the TTree stored under `key`.
    pub(crate) fn read(file: &RootFile, key: &Key, path: &str) -> Result<Tree> {
        let payload = file.read_payload(key)?;
        let infos = file.streamer_infos()?;
        let mut reader = ObjectReader::new(&infos);
        let mut c = Cursor::new(&payload, key.seek_key + key.keylen.max(0) as u64, "TTree")
            .with_origin(key.keylen.max(0) as usize);
        let obj = reader.read_top(&mut c, &key.class_name)?;
        build_tree(file, key, path, &obj, &infos)
    }

    /// The file this tree is in.
    pub fn file(&self) -> &RootFile {
        &self.file
    }

    /// All branches, depth first.
    pub fn all_branches(&self) -> Vec<&Branch> {
        fn walk<'a>(b: &'a Branch, out: &mut Vec<&'a Branch>) {
            out.push(b);
            for c in &b.children {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for b in &self.branches {
            walk(b, &mut out);
        }
        out
    }

    /// Branches that hold data that hepframe can read as a column (leaf-level branches).
    pub fn data_branches(&self) -> Vec<&Branch> {
        self.all_branches()
            .into_iter()
            .filter(|b| b.has_data())
            .collect()
    }

    /// The branch called `name`: its `a/b/c` path (`name;2` for a second top-level branch of one
    /// name), or its stored name when only one branch
    /// holding data has it. Branches of one name under different parents (or two top-level
    /// branches of one name, as some files have) must be named by path: a name that could mean
    /// several of them is an error listing their paths, never the first one's data.
    pub fn branch(&self, name: &str) -> Result<&Branch> {
        let all = self.all_branches();
        if let Some(b) = all.iter().find(|b| b.path == name) {
            return Ok(b);
        }
        let named: Vec<&&Branch> = all.iter().filter(|b| b.name == name).collect();
        let with_data: Vec<&&Branch> = named.iter().copied().filter(|b| b.has_data()).collect();
        match (named.as_slice(), with_data.as_slice()) {
            ([b], _) | (_, [b]) => return Ok(b),
            ([], _) => {}
            (several, _) => {
                return Err(Error::from(crate::error::ErrorKind::Ambiguous {
                    what: "branch",
                    name: name.to_string(),
                    paths: several.iter().map(|b| b.path.clone()).collect(),
                })
                .in_object(self.path.clone())
                .in_file(self.file.path()));
            }
        }
        Err(
            Error::not_found("branch", name, all.iter().map(|b| b.name.as_str()))
                .in_object(self.path.clone())
                .in_file(self.file.path()),
        )
    }

    /// The tree's clusters. With a positive `fAutoFlush` or cluster ranges they follow ROOT's
    /// `TTree::TClusterIterator`; otherwise (a tree never flushed by entry count) they are the
    /// entry boundaries that all branches' baskets share, as uproot's `common_entry_offsets`.
    ///
    /// ROOT flushes every branch's basket at each cluster boundary, so a tree has no more
    /// clusters than its data branch with the most baskets has baskets. Entry counts and cluster
    /// sizes come from the file: cluster ranges that describe more clusters than that (a corrupt
    /// `fEntries` of 2^60 with `fAutoFlush` 1 would be 2^60 clusters) cannot be right and are
    /// not expanded; the basket boundaries are used instead, so the result stays bounded by the
    /// number of baskets.
    pub fn clusters(&self) -> Vec<Cluster> {
        let n = self.entries;
        if n == 0 {
            return Vec::new();
        }
        if !self.cluster_range_end.is_empty() || self.auto_flush > 0 {
            let most_baskets = self
                .data_branches()
                .iter()
                .map(|b| b.baskets.len())
                .max()
                .unwrap_or(0);
            if let Some(out) = self.cluster_ranges(most_baskets.max(1)) {
                return out;
            }
        }
        let bounds = self.common_basket_boundaries();
        bounds.windows(2).map(|w| w[0]..w[1]).collect()
    }

    /// The clusters of `fClusterRangeEnd`, `fClusterSize` and `fAutoFlush`
    /// (`TTree::TClusterIterator`), or `None` if they are more than `limit`.
    fn cluster_ranges(&self, limit: usize) -> Option<Vec<Cluster>> {
        let n = self.entries;
        let mut out = Vec::new();
        let mut push = |range: Cluster| {
            out.push(range);
            out.len() <= limit
        };
        let mut start = 0u64;
        for (i, &end) in self.cluster_range_end.iter().enumerate() {
            let size = self.cluster_size.get(i).copied().unwrap_or(0);
            let size = if size > 0 { size as u64 } else { n };
            // `end` is the last entry of the range (inclusive); -1 or less: an empty range.
            let end = (end.max(-1) as u64).wrapping_add(1).min(n);
            while start < end {
                let stop = start.saturating_add(size).min(end);
                if !push(start..stop) {
                    return None;
                }
                start = stop;
            }
        }
        let size = if self.auto_flush > 0 {
            self.auto_flush as u64
        } else {
            n
        };
        while start < n {
            let stop = start.saturating_add(size).min(n);
            if !push(start..stop) {
                return None;
            }
            start = stop;
        }
        Some(out)
    }

    /// Entry numbers at which every data branch starts a new basket (including 0 and entries).
    pub fn common_basket_boundaries(&self) -> Vec<u64> {
        let mut common: Option<Vec<u64>> = None;
        for b in self.data_branches() {
            let mut mine: Vec<u64> = b.baskets.iter().map(|x| x.first).collect();
            mine.push(self.entries);
            common = Some(match common {
                None => mine,
                Some(c) => c
                    .into_iter()
                    .filter(|x| mine.binary_search(x).is_ok())
                    .collect(),
            });
        }
        let mut c = common.unwrap_or_default();
        if c.first() != Some(&0) {
            c.insert(0, 0);
        }
        if c.last() != Some(&self.entries) {
            c.push(self.entries);
        }
        c.dedup();
        c
    }
}

impl Branch {
    /// Give the branch (and its sub-branches) another path.
    fn set_path(&mut self, path: String) {
        for c in &mut self.children {
            let rest = c.path[self.path.len()..].to_string();
            c.set_path(format!("{path}{rest}"));
        }
        self.path = path;
    }

    /// Whether this branch itself stores entries (it has baskets or leaves with a type).
    pub fn has_data(&self) -> bool {
        if self.children.is_empty() {
            return !self.leaves.is_empty();
        }
        // A split object's top branch (fType 0 with a class) has no data of its own.
        !self.baskets.is_empty() && self.interpretation.is_ok()
    }

    /// A short type description, e.g. `Float_t`, `Float_t[nMuon]`, `vector<float>`.
    pub fn type_name(&self) -> String {
        match &self.interpretation {
            Ok(i) => i.type_name(),
            Err(_) => self
                .element
                .as_ref()
                .map(|e| {
                    e.member_type
                        .clone()
                        .unwrap_or_else(|| e.class_name.clone())
                })
                .unwrap_or_else(|| "?".into()),
        }
    }
}

fn build_tree(
    file: &RootFile,
    key: &Key,
    path: &str,
    obj: &Object,
    infos: &crate::streamer::StreamerInfos,
) -> Result<Tree> {
    let entries = obj.int("fEntries").unwrap_or(0);
    if entries < 0 {
        return Err(Error::corrupt(format!("negative entry count {entries}")));
    }
    // Map each leaf object to the branch holding it, to resolve `fLeafCount`.
    let mut leaf_owner: HashMap<*const Object, String> = HashMap::new();
    fn collect(b: &Rc<Object>, map: &mut HashMap<*const Object, String>, depth: usize) {
        if depth > 64 {
            return;
        }
        for l in b.objects("fLeaves") {
            map.insert(Rc::as_ptr(&l), b.name().to_string());
        }
        for c in b.objects("fBranches") {
            collect(&c, map, depth + 1);
        }
    }
    let top = obj.objects("fBranches");
    for b in &top {
        collect(b, &mut leaf_owner, 0);
    }
    let mut branches = Vec::with_capacity(top.len());
    for b in &top {
        let mut branch = build_branch(b, "", entries as u64, &leaf_owner, infos, 0)?;
        // Two top-level branches of one name (ROOT allows it; GetBranch finds the first): the
        // second is `name;2`, the third `name;3`, … so that each can be named.
        let same = branches
            .iter()
            .filter(|o: &&Branch| o.name == branch.name)
            .count();
        if same > 0 {
            let path = format!("{};{}", branch.name, same + 1);
            branch.set_path(path);
        }
        branches.push(branch);
    }
    // Resolve counters to full branch names; compute interpretations now that all are known.
    let tree = Tree {
        name: obj.name().to_string(),
        title: obj.title().to_string(),
        path: path.to_string(),
        class: key.class_name.clone(),
        entries: entries as u64,
        branches,
        cluster_range_end: obj.ints("fClusterRangeEnd"),
        cluster_size: obj.ints("fClusterSize"),
        auto_flush: obj.int("fAutoFlush").unwrap_or(0),
        zip_bytes: obj.int("fZipBytes").unwrap_or(0),
        tot_bytes: obj.int("fTotBytes").unwrap_or(0),
        file: file.clone(),
    };
    Ok(tree)
}

fn build_branch(
    b: &Object,
    parent_path: &str,
    tree_entries: u64,
    leaf_owner: &HashMap<*const Object, String>,
    infos: &crate::streamer::StreamerInfos,
    depth: usize,
) -> Result<Branch> {
    if depth > 64 {
        return Err(Error::corrupt("branches nested too deeply"));
    }
    let name = b.name().to_string();
    let path = if parent_path.is_empty() {
        name.clone()
    } else {
        format!("{parent_path}/{name}")
    };
    let located = |e: Error| e.in_object(path.clone());
    let leaves: Vec<Leaf> = b
        .objects("fLeaves")
        .iter()
        .map(|l| {
            let count = match l.get("fLeafCount") {
                Some(crate::object::Value::Object(c)) => Some(c.clone()),
                _ => None,
            };
            Leaf {
                name: l.name().to_string(),
                title: l.title().to_string(),
                class: l.class.clone(),
                len: l.int("fLen").unwrap_or(1) as i32,
                len_type: l.int("fLenType").unwrap_or(0) as i32,
                is_unsigned: l.int("fIsUnsigned").unwrap_or(0) != 0,
                count_leaf: count.as_ref().map(|c| c.name().to_string()),
                count_branch: count
                    .as_ref()
                    .and_then(|c| leaf_owner.get(&Rc::as_ptr(c)).cloned()),
                element_type: if l.class == "TLeafElement" {
                    l.int("fType").map(|t| t as i32)
                } else {
                    None
                },
                described: !l.members.is_empty(),
            }
        })
        .collect();
    let element = if b.class == "TBranchElement" || b.class == "TBranchSTL" {
        let class_name = b.str("fClassName").unwrap_or("").to_string();
        let class_version = b.int("fClassVersion").unwrap_or(-1) as i32;
        let id = b.int("fID").unwrap_or(-1) as i32;
        let member = if id >= 0 {
            infos
                .get(&class_name, class_version)
                .and_then(|i| i.elements.get(id as usize))
        } else {
            None
        };
        let member_type = member.map(|e| e.type_name.clone());
        let member_title = member.map(|e| e.title.clone());
        let member_array_length = member.map_or(0, |e| e.array_length.max(0) as usize);
        let member_name = member.map(|e| e.name.clone());
        Some(ElementInfo {
            class_name,
            class_version,
            id,
            ftype: b.int("fType").unwrap_or(0) as i32,
            streamer_type: b.int("fStreamerType").unwrap_or(-1) as i32,
            member_type,
            member_title,
            member_array_length,
            member_name,
        })
    } else {
        None
    };
    let entries = b.int("fEntries").unwrap_or(tree_entries as i64).max(0) as u64;
    let baskets = basket_list(b, entries).map_err(located)?;
    let mut children = Vec::new();
    for c in b.objects("fBranches") {
        children.push(build_branch(
            &c,
            &path,
            tree_entries,
            leaf_owner,
            infos,
            depth + 1,
        )?);
    }
    let mut branch = Branch {
        name,
        path,
        title: b.title().to_string(),
        class: b.class.clone(),
        entries,
        entry_offset_len: b.int("fEntryOffsetLen").unwrap_or(0) as i32,
        compress: b.int("fCompress").unwrap_or(0) as i32,
        tot_bytes: b.int("fTotBytes").unwrap_or(0),
        zip_bytes: b.int("fZipBytes").unwrap_or(0),
        file_name: b.str("fFileName").unwrap_or("").to_string(),
        leaves,
        children,
        baskets,
        element,
        interpretation: Err(String::new()),
    };
    branch.interpretation = interpretation::interpret(&branch, infos);
    Ok(branch)
}

/// The baskets of a branch, in entry order: normal baskets, then embedded ones.
fn basket_list(b: &Object, entries: u64) -> Result<Vec<BasketInfo>> {
    let write_basket = b.int("fWriteBasket").unwrap_or(0).max(0) as usize;
    let seeks = b.ints("fBasketSeek");
    let bytes = b.ints("fBasketBytes");
    let firsts = b.ints("fBasketEntry");
    let mut out = Vec::new();
    let n = write_basket.min(seeks.len()).min(bytes.len());
    for i in 0..n {
        if seeks[i] == 0 {
            break;
        }
        let first = *firsts
            .get(i)
            .ok_or_else(|| Error::corrupt("fBasketEntry too short"))?;
        let stop = if i + 1 < firsts.len() && i < write_basket {
            firsts[i + 1]
        } else {
            entries as i64
        };
        if first < 0 || stop < first || seeks[i] < 0 || bytes[i] <= 0 {
            return Err(Error::corrupt(format!(
                "basket {i}: impossible entry range {first}..{stop} or location {}+{}",
                seeks[i], bytes[i]
            ))
            .in_basket(i));
        }
        if let Some(prev) = out.last().map(|p: &BasketInfo| p.stop) {
            if first as u64 != prev {
                return Err(Error::corrupt(format!(
                    "basket {i} starts at entry {first}, but the previous basket ends at {prev}"
                ))
                .in_basket(i));
            }
        }
        out.push(BasketInfo {
            location: BasketLocation::OnDisk {
                seek: seeks[i] as u64,
                bytes: bytes[i] as u32,
            },
            first: first as u64,
            stop: stop as u64,
        });
    }
    let mut next = out.last().map(|p| p.stop).unwrap_or(0);
    for obj in b.objects("fBaskets") {
        if let Some(eb) = &obj.basket {
            if eb.nev_buf <= 0 {
                continue;
            }
            let first = next;
            let stop = first + eb.nev_buf as u64;
            out.push(BasketInfo {
                location: BasketLocation::Embedded(Arc::new((**eb).clone())),
                first,
                stop,
            });
            next = stop;
        }
    }
    Ok(out)
}

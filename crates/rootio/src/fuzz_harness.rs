//! The bodies of the fuzz targets in `fuzz/` (cargo-fuzz), kept in the library so that the fuzz
//! targets and the regression tests (`tests/fuzz_regressions.rs`) run exactly the same code.
//!
//! Every function takes arbitrary bytes, ignores every error and must never panic, hang or
//! allocate without bound: a panic here is a bug in the reader. Not part of the public API.
//!
//! - [`open_walk`]: the bytes as a whole ROOT file — header, keys, directories, streamer infos,
//!   every TTree and RNTuple with a few thousand entries of up to 8 columns, histograms and
//!   graphs as typed values (bin contents, errors, statistics), other objects.
//! - [`basket`]: the bytes as one TBasket on disk, decoded with one of a fixed table of
//!   interpretations chosen by the first bytes.
//! - [`streamer_info`]: the bytes as the payload of a `StreamerInfo` key, then every class
//!   layout built from it and the bytes read as an object of each class.
//! - [`remote_reply`]: the bytes as what a server sends: an XRootD reply stream (headers,
//!   `oksofar` parts, `kXR_attn`, errors, redirects, waits) with its `kXR_readv` chunks, or an
//!   HTTP `multipart/byteranges` body with its `Content-Type` and `Content-Range` values.
//!
//! RNTuple envelopes, anchors and pages carry XXH3 checksums that a mutated input almost never
//! matches; these harnesses turn their verification off (on the calling thread only, see
//! [`checksums_verified`]) so that the fuzzer reaches the parsers behind them.

use std::cell::Cell;
use std::sync::Arc;

use crate::cursor::Cursor;
use crate::dataset::Dataset;
use crate::file::RootFile;
use crate::histogram::{is_graph_class, is_histogram_class, Plottable};
use crate::object::ObjectReader;
use crate::rntuple::ANCHOR_CLASS;
use crate::source::MemorySource;
use crate::streamer::read_streamer_list;
use crate::tree::basket::{read_basket, Scratch};
use crate::tree::decode::{decode, decode_stored, empty_for_interpretation};
use crate::tree::objects::layout;
use crate::tree::same_offsets::{Leader, SameOffsets};
use crate::tree::{BasketInfo, BasketLocation, Element, Interpretation, ReadOptions};
use crate::PrimitiveType;

/// Entries read per dataset.
const MAX_ENTRIES: u64 = 4096;
/// Columns read per dataset.
const MAX_COLUMNS: usize = 8;
/// Datasets (trees and RNTuples) opened per file.
const MAX_DATASETS: usize = 4;
/// Other objects read per file.
const MAX_OBJECTS: usize = 8;
/// Classes tried per streamer list.
const MAX_CLASSES: usize = 32;

thread_local! {
    static SKIP_CHECKSUMS: Cell<bool> = const { Cell::new(false) };
}

/// Whether checksums are verified on this thread: always, except inside a fuzz harness.
pub(crate) fn checksums_verified() -> bool {
    !SKIP_CHECKSUMS.with(Cell::get)
}

/// Turns checksum verification off on this thread until dropped.
struct NoChecksums {
    before: bool,
}

impl NoChecksums {
    fn new() -> Self {
        NoChecksums {
            before: SKIP_CHECKSUMS.with(|s| s.replace(true)),
        }
    }
}

impl Drop for NoChecksums {
    fn drop(&mut self) {
        SKIP_CHECKSUMS.with(|s| s.set(self.before));
    }
}

/// Open `data` as a ROOT file and read everything a user of the library would: the keys of
/// every directory, up to [`MAX_DATASETS`] trees and RNTuples (metadata, clusters, up to
/// [`MAX_COLUMNS`] columns over the first [`MAX_ENTRIES`] entries, one by one and together), and
/// up to [`MAX_OBJECTS`] other objects through the streamer infos.
pub fn open_walk(data: &[u8]) {
    let _guard = NoChecksums::new();
    let source = Arc::new(MemorySource::new(data.to_vec(), "fuzz.root"));
    let Ok(file) = RootFile::from_source(source) else {
        return;
    };
    let _ = file.streamer_infos();
    let Ok(entries) = file.walk() else {
        return;
    };
    let _ = file.tree_paths();
    let _ = file.rntuple_paths();
    let options = ReadOptions { threads: 1 };
    let (mut datasets, mut objects) = (0, 0);
    for e in &entries {
        let path = e.path();
        let class = e.key.class_name.as_str();
        let is_dataset = matches!(class, "TTree" | "TNtuple" | "TNtupleD") || class == ANCHOR_CLASS;
        if is_dataset && datasets < MAX_DATASETS {
            datasets += 1;
            if let Ok(ds) = file.dataset(&path) {
                read_dataset(&ds, &options);
            }
        } else if !is_dataset && !e.key.is_directory() && objects < MAX_OBJECTS {
            objects += 1;
            if is_histogram_class(class) || is_graph_class(class) {
                read_plottable(&file, &path);
            } else {
                let _ = file.read_object(&path);
            }
        }
    }
}

/// A histogram or graph and everything computed from it (profile means and errors included).
fn read_plottable(file: &RootFile, path: &str) {
    match file.read_plottable(path) {
        Ok(Plottable::Histogram(h)) => {
            let _ = (h.values(), h.errors(), h.sum_of_weights(), h.stats_array());
            for a in &h.axes {
                let _ = (a.edges(), a.bin_center(0), a.label(1));
            }
            let last = h.ncells().saturating_sub(1);
            let _ = (h.bin_xyz(last), h.is_flow_bin(last), h.bin(-1, i64::MAX, 2));
        }
        Ok(Plottable::Graph(g)) => {
            let _ = (0..g.len())
                .map(|i| g.error_x(i) + g.error_y(i))
                .sum::<f64>();
        }
        Err(_) => {}
    }
}

fn read_dataset(ds: &Dataset, options: &ReadOptions) {
    let _ = ds.cluster_ends();
    if let Dataset::Tree(t) = ds {
        let _ = t.common_basket_boundaries();
    }
    let columns = ds.columns();
    let names: Vec<&str> = columns
        .iter()
        .take(MAX_COLUMNS)
        .map(|(n, _)| n.as_str())
        .collect();
    let stop = ds.entries().min(MAX_ENTRIES);
    for name in &names {
        let _ = ds.type_name(name);
        let _ = ds.read(&[name], 0..stop, options);
    }
    let mut out = Vec::new();
    let _ = ds.read_into(&names, stop / 2..stop, options, &mut out);
    let _ = ds.read_into(&names, 0..stop, options, &mut out);
}

/// The elements [`basket`] chooses from.
const ELEMENTS: [Element; 15] = [
    Element::Primitive(PrimitiveType::Bool),
    Element::Primitive(PrimitiveType::I8),
    Element::Primitive(PrimitiveType::U8),
    Element::Primitive(PrimitiveType::I16),
    Element::Primitive(PrimitiveType::U16),
    Element::Primitive(PrimitiveType::I32),
    Element::Primitive(PrimitiveType::U32),
    Element::Primitive(PrimitiveType::I64),
    Element::Primitive(PrimitiveType::U64),
    Element::Primitive(PrimitiveType::F32),
    Element::Primitive(PrimitiveType::F64),
    Element::Double32AsFloat,
    Element::Ranged {
        low: -1.0,
        high: 1.0,
        nbits: 12,
        double: true,
    },
    Element::Ranged {
        low: 0.0,
        high: 100.0,
        nbits: 20,
        double: false,
    },
    Element::Truncated {
        nbits: 10,
        double: false,
    },
];

/// Kinds of interpretation [`basket`] chooses from.
const KINDS: u8 = 14;

/// A [`crate::tree::Model`] interpretation of a C++ type name (no classes: no streamer infos).
fn model_of(name: &str, string_header: bool) -> Interpretation {
    let infos = crate::streamer::StreamerInfos::default();
    match crate::tree::model::parse_type(name, &infos, true, false, string_header) {
        Ok(m) => Interpretation::Model(Box::new(m)),
        Err(_) => Interpretation::Strings,
    }
}

/// The interpretation selected by the three bytes `s` that start a [`basket`] input.
fn basket_interpretation(s: [u8; 3]) -> Interpretation {
    let element = ELEMENTS[s[1] as usize % ELEMENTS.len()];
    let dim = (s[2] as usize >> 1) % 4 + 1;
    match s[0] % KINDS {
        0 => Interpretation::Fixed {
            element,
            shape: Vec::new(),
        },
        1 => Interpretation::Fixed {
            element,
            shape: vec![dim + 1],
        },
        2 => Interpretation::Counted {
            element,
            inner: Vec::new(),
            counter: None,
        },
        3 => Interpretation::Counted {
            element,
            inner: vec![dim],
            counter: None,
        },
        4 => Interpretation::Vector { element },
        5 => Interpretation::VectorVector { element },
        6 => Interpretation::Strings,
        7 => Interpretation::VectorString,
        8 => Interpretation::VectorPerObject { element },
        9 => Interpretation::PointerArray { element },
        11 => model_of("vector<vector<string> >", false),
        12 => model_of("map<int,vector<double> >", true),
        13 => Interpretation::ModelPerObject {
            model: Box::new(crate::tree::Model::String { header: false }),
            entry_header: true,
        },
        _ => Interpretation::LeafList {
            leaves: vec![
                ("a".into(), element, 1),
                ("b".into(), Element::Primitive(PrimitiveType::I32), dim),
            ],
        },
    }
}

/// The bytes `[kind, element, flags]` that make [`basket`] decode a basket with
/// `interpretation` (counter and leaf names aside), if the table has it; for seed corpora.
pub fn basket_selector(interpretation: &Interpretation, variable: bool) -> Option<[u8; 3]> {
    let normal = |i: &Interpretation| -> Interpretation {
        match i.clone() {
            Interpretation::Counted { element, inner, .. } => Interpretation::Counted {
                element,
                inner,
                counter: None,
            },
            Interpretation::LeafList { leaves } => Interpretation::LeafList {
                leaves: leaves
                    .into_iter()
                    .map(|(_, e, n)| (String::new(), e, n))
                    .collect(),
            },
            other => other,
        }
    };
    let want = normal(interpretation);
    for kind in 0..KINDS {
        for element in 0..ELEMENTS.len() as u8 {
            for dim in 0..4u8 {
                let s = [kind, element, (dim << 1) | u8::from(variable)];
                if normal(&basket_interpretation(s)) == want {
                    return Some(s);
                }
            }
        }
    }
    None
}

/// `[kind, element, flags]` then a basket as stored on disk (its key first): read it as
/// [`crate::Tree`] reads baskets (decompression, entry offsets) and decode up to
/// [`MAX_ENTRIES`] entries with the interpretation the first bytes select.
pub fn basket(data: &[u8]) {
    let Some((selector, raw)) = data.split_first_chunk::<3>() else {
        return;
    };
    let interpretation = basket_interpretation(*selector);
    let variable = selector[2] & 1 == 1;
    let Ok(bytes) = u32::try_from(raw.len()) else {
        return;
    };
    let source = MemorySource::new(raw.to_vec(), "fuzz-basket");
    let info = BasketInfo {
        location: BasketLocation::OnDisk { seek: 0, bytes },
        first: 0,
        stop: 0,
    };
    // Bit 3: keep the entry offsets as stored (a counted branch's path); bit 4: decode them as
    // a field compared with a leader's offsets (one element an entry); bit 5: compared with
    // the offsets themselves, not the leader's sizes of entries.
    let keep_table = selector[2] & 8 != 0;
    let compared = selector[2] & 16 != 0;
    let by_offsets = selector[2] & 32 != 0;
    let mut scratch = Scratch::default();
    let Ok(view) = read_basket(&source, &info, variable, keep_table, &mut scratch) else {
        return;
    };
    let mut out = empty_for_interpretation(&interpretation);
    let hi = view.entries.min(MAX_ENTRIES as usize);
    let Some(table) = &view.table else {
        let _ = decode(
            &mut out,
            &interpretation,
            view.data,
            view.offsets,
            view.entries,
            hi / 3,
            hi,
            None,
        );
        return;
    };
    let leader: Vec<i64> = (0..=(hi - hi / 3) as i64).collect();
    let leader = if by_offsets {
        Leader::without_sizes(leader.into())
    } else {
        Leader::with_sizes(leader.into())
    };
    let mut same = compared.then(|| SameOffsets::new(leader));
    let _ = decode_stored(
        &mut out,
        &interpretation,
        view.data,
        table,
        view.entries,
        hi / 3,
        hi,
        same.as_mut(),
    );
}

/// A big-endian `u16` key length, then the payload of a `StreamerInfo` key: read the streamer
/// list, build the layout of each class (up to [`MAX_CLASSES`]) and read the payload as an
/// object of each class.
pub fn streamer_info(data: &[u8]) {
    let Some((keylen, payload)) = data.split_first_chunk::<2>() else {
        return;
    };
    let keylen = u16::from_be_bytes(*keylen) as usize;
    let Ok(infos) = read_streamer_list(payload, keylen, 0) else {
        return;
    };
    for info in infos.iter().take(MAX_CLASSES) {
        let _ = layout(&infos, &info.name, 0);
        let mut c = Cursor::new(payload, 0, "fuzz object").with_origin(keylen);
        let _ = ObjectReader::new(&infos).read_top(&mut c, &info.name);
    }
}

/// A fuzz target's body: takes arbitrary bytes, must not panic.
pub type Harness = fn(&[u8]);

/// Run every file of `dir` through the harness its name starts with (`<target>-<what>.<ext>`,
/// the target that found it; `harness` maps a target name to its function) and return the
/// names of the inputs that panicked. The regression tests of rootio and engine
/// (`tests/fuzz_regressions.rs`) call this on their `tests/fuzz_regressions/` folders. An
/// unreadable or empty folder, or a name without a known target, is an error (a mistake in the
/// test setup).
pub fn replay_dir(
    dir: &std::path::Path,
    harness: fn(&str) -> Option<Harness>,
) -> Result<Vec<String>, String> {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!("no regression inputs in {}", dir.display()));
    }
    let mut failed = Vec::new();
    for path in &paths {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let target = name.split('-').next().unwrap_or_default();
        let run = harness(target).ok_or_else(|| format!("{name}: unknown fuzz target"))?;
        let data = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
        if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
            failed.push(name);
        }
    }
    Ok(failed)
}

/// The bytes as a server's answer (see the module documentation). The first byte chooses the
/// protocol; the replies are read with the limits the clients use.
pub fn remote_reply(data: &[u8]) {
    use crate::remote::http::multipart;
    use crate::remote::xrootd::protocol;
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    if choice % 2 == 0 {
        // XRootD: a reply to stream 1 of at most 64 KiB, then its data as a readv reply for
        // chunks taken from the next bytes.
        let mut input = std::io::Cursor::new(rest);
        let mut out = Vec::new();
        if protocol::read_reply(&mut input, [0, 1], &mut out, 1 << 16).is_ok() {
            let chunks: Vec<(u64, u32)> = out
                .chunks(12)
                .take(64)
                .filter(|c| c.len() == 12)
                .map(|c| {
                    let mut off = [0u8; 8];
                    off.copy_from_slice(&c[..8]);
                    (
                        u64::from_be_bytes(off),
                        u32::from_be_bytes([c[8], c[9], c[10], c[11]]) % 4096,
                    )
                })
                .collect();
            let _ = protocol::split_readv(&out, &chunks);
        }
        let _ = protocol::parse_error(rest);
        let _ = protocol::parse_wait(rest);
    } else {
        // HTTP: a header line, then a multipart body with the server's boundary.
        let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let (line, body) = rest.split_at(split);
        let line = String::from_utf8_lossy(line);
        let _ = multipart::content_range(&line);
        let _ = multipart::unsatisfied_total(&line);
        let boundary = multipart::boundary(&line).unwrap_or_else(|| "123456".to_string());
        let _ = multipart::parse(body, &boundary);
    }
}

//! RNTuple fixtures written by ROOT 6.40 (`fixtures/rntuple/make_rntuple_fixtures.py`) read back
//! exactly; the NanoAOD-like RNTuple reads exactly like its TTree; damaged anchors, envelopes,
//! page lists and pages give typed errors.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use rootio::{Array, ErrorKind, MemorySource, ReadOptions, RootFile};
use serde_json::Value;

fn dir() -> PathBuf {
    common::fixtures().join("rntuple")
}

fn manifest() -> Vec<Value> {
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("manifest.json")).unwrap())
            .unwrap();
    m.as_array().unwrap().clone()
}

fn open_mem(data: Vec<u8>) -> rootio::Result<RootFile> {
    RootFile::from_source(Arc::new(MemorySource::new(data, "damaged.root")))
}

fn clusters_of(v: &Value) -> Vec<(u64, u64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_u64().unwrap(), c[1].as_u64().unwrap()))
        .collect()
}

#[test]
fn fixtures_read_back_exactly() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in manifest() {
        let Some(expected) = case["expected"].as_str() else {
            continue;
        };
        let file_name = case["file"].as_str().unwrap();
        let ntuple = case["ntuple"].as_str().unwrap();
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(dir().join(expected)).unwrap()).unwrap();
        let want = &want["ntuples"][ntuple];
        let file = RootFile::open(dir().join(file_name)).unwrap();
        let nt = match file.rntuple(ntuple) {
            Ok(nt) => nt,
            Err(e) => {
                failures.push(format!("{file_name}: {e}"));
                continue;
            }
        };
        assert_eq!(nt.entries, want["entries"].as_u64().unwrap(), "{file_name}");
        let clusters: Vec<(u64, u64)> = nt.clusters().iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(
            clusters,
            clusters_of(&case["facts"]["clusters"]),
            "{file_name}"
        );
        assert_eq!(
            nt.cluster_groups().len() as u64,
            case["facts"]["cluster_groups"].as_u64().unwrap(),
            "{file_name}"
        );
        assert_eq!(nt.writer, "ROOT v6.40.00");
        let fields = want["fields"].as_object().unwrap();
        let names: Vec<&str> = nt.fields().iter().map(|f| f.name.as_str()).collect();
        for (name, spec) in fields {
            assert!(
                names.contains(&name.as_str()),
                "{file_name}: no field {name}"
            );
            let f = nt.field(name).unwrap();
            if f.projected_from.is_none() {
                assert_eq!(
                    f.type_name,
                    spec["type"].as_str().unwrap(),
                    "{file_name}:{name}"
                );
            }
            let values = spec["values"].as_array().unwrap();
            for threads in [1, 2] {
                let col = match nt.read_fields(&[name], 0..nt.entries, &ReadOptions { threads }) {
                    Ok(mut c) => c.remove(0),
                    Err(e) => {
                        failures.push(format!("{file_name}:{name}: {e}"));
                        break;
                    }
                };
                if col.len() != values.len() {
                    failures.push(format!(
                        "{file_name}:{name}: {} entries, want {}",
                        col.len(),
                        values.len()
                    ));
                    break;
                }
                if let Some(msg) = values
                    .iter()
                    .enumerate()
                    .find_map(|(i, v)| common::check(&col, i, v).err())
                {
                    failures.push(format!("{file_name}:{name} ({}): {msg}", spec["type"]));
                    break;
                }
                checked += 1;
            }
        }
        if let Some(unsupported) = want.get("unsupported").and_then(|u| u.as_object()) {
            for name in unsupported.keys() {
                let f = nt.field(name).unwrap();
                assert!(f.array_type.is_err(), "{file_name}:{name}");
                let e = nt.read_field(name, 0..10).unwrap_err();
                assert!(
                    matches!(*e.kind, ErrorKind::Unsupported(_)),
                    "{file_name}:{name}: {e}"
                );
                assert!(e.to_string().contains(file_name), "{e}");
            }
        }
    }
    eprintln!("{checked} field reads checked");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Reading any entry range gives the same entries as slicing a full read, for every field,
/// across cluster and cluster-group boundaries and the late model extension.
#[test]
fn entry_ranges_match_full_reads() {
    let file = RootFile::open(dir().join("rntuple_alltypes_zstd.root")).unwrap();
    let nt = file.rntuple("ntuple").unwrap();
    let names: Vec<String> = nt
        .fields()
        .iter()
        .filter(|f| f.array_type.is_ok())
        .map(|f| f.name.clone())
        .collect();
    let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let opts = ReadOptions { threads: 2 };
    let full = nt.read_fields(&names, 0..nt.entries, &opts).unwrap();
    for (a, b) in [
        (0, 1),
        (89, 91),
        (100, 400),
        (399, 401),
        (0, 600),
        (595, 2000),
        (300, 300),
    ] {
        let part = nt.read_fields(&names, a..b, &opts).unwrap();
        for ((name, p), f) in names.iter().zip(&part).zip(&full) {
            let b = (b as usize).min(f.len());
            assert_eq!(p, &f.slice(a as usize, b), "{name} {a}..{b}");
        }
    }
}

/// Subfields by dotted path, with and without the implicit `_0` and base-class steps.
#[test]
fn subfield_paths() {
    let file = RootFile::open(dir().join("rntuple_alltypes_lz4.root")).unwrap();
    let nt = file.rntuple("ntuple").unwrap();
    let all = 0..nt.entries;
    let member = |a: &Array, name: &str| -> Array {
        match a {
            Array::Record { fields, .. } => {
                fields.iter().find(|(n, _)| n == name).unwrap().1.clone()
            }
            Array::Jagged { offsets, values } => Array::Jagged {
                offsets: offsets.clone(),
                values: Box::new(match values.as_ref() {
                    Array::Record { fields, .. } => {
                        fields.iter().find(|(n, _)| n == name).unwrap().1.clone()
                    }
                    other => panic!("{other:?}"),
                }),
            },
            other => panic!("{}", other.type_name()),
        }
    };
    let hit = nt.read_field("hit", all.clone()).unwrap();
    assert_eq!(
        nt.read_field("hit.x", all.clone()).unwrap(),
        member(&hit, "x")
    );
    assert_eq!(
        nt.read_field("hit.id", all.clone()).unwrap(),
        member(&hit, "id")
    );
    assert_eq!(
        nt.read_field("hit.:_0.id", all.clone()).unwrap(),
        member(&hit, "id")
    );
    assert_eq!(
        nt.read_field("hit.pos", all.clone()).unwrap(),
        member(&hit, "pos")
    );
    let hits = nt.read_field("hits", all.clone()).unwrap();
    let e = member(&hits, "e");
    assert_eq!(nt.read_field("hits.e", all.clone()).unwrap(), e);
    assert_eq!(nt.read_field("hits._0.e", all.clone()).unwrap(), e);
    assert_eq!(nt.read_field("proj_hits_e", all.clone()).unwrap(), e);
    assert_eq!(e.type_name(), "var * float64");
    let tags = nt.read_field("trk.hit.tag", all.clone()).unwrap();
    assert_eq!(tags.type_name(), "string");
    let w = nt.read_field("hits.w", 5..50).unwrap();
    assert_eq!(w.type_name(), "var * var * float32");
    assert_eq!(w, member(&hits.slice(5, 50), "w"));
    // The inner arrays of a nested std::array flatten like x[3][2] in a TTree.
    let aai = nt.read_field("aai", all.clone()).unwrap();
    assert_eq!(aai.type_name(), "6 * int32");
    assert_eq!(nt.read_field("aai._0", all.clone()).unwrap(), aai);
    // Unknown names suggest the nearest ones.
    let e = nt.read_field("hit.xx", all.clone()).unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::NotFound { .. }), "{e}");
    assert!(e.to_string().contains("hit.x"), "{e}");
    let e = file.rntuple("ntupel").unwrap_err();
    assert!(e.to_string().contains("ntuple"), "{e}");
    assert_eq!(file.rntuple_paths().unwrap(), ["ntuple"]);
}

#[test]
fn schema_and_metadata() {
    let file = RootFile::open(dir().join("rntuple_alltypes_none.root")).unwrap();
    let nt = file.rntuple("ntuple").unwrap();
    assert_eq!(nt.anchor.version, (1, 0, 2, 0));
    let d32 = nt.field("d32").unwrap();
    assert_eq!(
        (d32.type_name.as_str(), d32.type_alias.as_str()),
        ("double", "Double32_t")
    );
    let late = nt.field("late_vf").unwrap();
    assert!(late.late);
    let col = &nt.columns()[late.columns[0]];
    assert!(col.is_deferred());
    assert_eq!(col.first_element, 400);
    assert_eq!(
        nt.field("n_vf").unwrap().array_type.as_deref(),
        Ok("uint32")
    );
    assert_eq!(
        nt.field("vvf").unwrap().array_type.as_deref(),
        Ok("var * var * float32")
    );
    assert_eq!(
        nt.field("var").unwrap().array_type.as_deref(),
        Ok("{_0: var * int32, _1: var * float32, _2: var * string}")
    );
    // Small pages: most columns have several pages per cluster.
    let pages: usize = nt.cluster_details()[0]
        .columns
        .iter()
        .map(|c| c.pages.len())
        .sum();
    assert!(pages > nt.columns().len(), "{pages} pages");
    // A TTree is not an RNTuple.
    let tfile = RootFile::open(common::fixtures().join("alltypes_zstd.root")).unwrap();
    let e = tfile.rntuple("Events").unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::WrongClass { .. }), "{e}");
}

/// Pages larger than the maximum key size are split over several keys.
#[test]
fn multi_key_pages() {
    let case = manifest()
        .into_iter()
        .find(|c| c["file"] == "rntuple_bigkeys.root")
        .unwrap();
    let max = case["facts"]["max_key_size"].as_u64().unwrap();
    let file = RootFile::open(dir().join("rntuple_bigkeys.root")).unwrap();
    let nt = file.rntuple("big").unwrap();
    assert_eq!(nt.anchor.max_key_size, max);
    let biggest = nt.cluster_details()[0]
        .columns
        .iter()
        .flat_map(|c| c.pages.iter())
        .map(|p| p.locator.size)
        .max()
        .unwrap();
    assert!(biggest > 2 * max, "largest page {biggest} bytes");
}

/// Several column representations: in every cluster one is primary, the other suppressed.
#[test]
fn alternative_column_representations() {
    let file = RootFile::open(dir().join("rntuple_multirep.root")).unwrap();
    let nt = file.rntuple("multi").unwrap();
    let px = nt.field("px").unwrap();
    assert_eq!(px.columns.len(), 2);
    let types: Vec<String> = px
        .columns
        .iter()
        .map(|&c| nt.columns()[c].column_type.name())
        .collect();
    assert_eq!(types, ["SplitReal32", "Real16"]);
    for (k, c) in nt.cluster_details().iter().enumerate() {
        let active: Vec<bool> = px
            .columns
            .iter()
            .map(|&col| c.columns[col].element_offset.is_some())
            .collect();
        assert_eq!(active, [k % 2 == 0, k % 2 == 1], "cluster {k}");
    }
    let v = nt.read_field("px", 0..nt.entries).unwrap();
    let want: Vec<f32> = (0..40).map(|i| i as f32 * 0.25).collect();
    assert_eq!(v, Array::F32(want));
}

/// The NanoAOD-like RNTuple (RDataFrame Snapshot of the TTree sample) gives exactly the same
/// arrays as the TTree, for every branch and any entry range.
#[test]
fn nano_rntuple_equals_ttree() {
    let case = manifest()
        .into_iter()
        .find(|c| c["file"] == "rntuple_nano.root")
        .unwrap();
    let tfile = RootFile::open(dir().join(case["ttree"].as_str().unwrap())).unwrap();
    let tree = tfile.tree("Events").unwrap();
    let file = RootFile::open(dir().join("rntuple_nano.root")).unwrap();
    let nt = file.rntuple("Events").unwrap();
    assert_eq!(nt.entries, tree.entries);
    assert!(nt.clusters().len() > 2, "{:?}", nt.clusters());
    let branches: Vec<String> = tree
        .data_branches()
        .iter()
        .map(|b| b.name.clone())
        .collect();
    let fields: Vec<String> = nt.fields().iter().map(|f| f.name.clone()).collect();
    assert_eq!(branches, fields);
    let names: Vec<&str> = branches.iter().map(|s| s.as_str()).collect();
    let opts = ReadOptions { threads: 2 };
    for range in [0..tree.entries, 1234..5678, 9999..10000] {
        let t = tree.read_branches(&names, range.clone(), &opts).unwrap();
        let r = nt.read_fields(&names, range.clone(), &opts).unwrap();
        for ((name, a), b) in names.iter().zip(&t).zip(&r) {
            assert_eq!(a.type_name(), b.type_name(), "{name}");
            assert!(a == b, "{name} differs in {range:?}");
        }
    }
    let pt = nt.field("Muon_pt").unwrap();
    assert_eq!(pt.type_name, "ROOT::VecOps::RVec<float>");
    assert_eq!(pt.array_type.as_deref(), Ok("var * float32"));
}

// ---------------------------------------------------------------------------------------------
// damaged files
// ---------------------------------------------------------------------------------------------

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap()
}

fn xxh3(b: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(b)
}

#[test]
fn corrupt_anchor_is_a_checksum_error() {
    let data = fixture_bytes("rntuple_alltypes_none.root");
    let file = open_mem(data.clone()).unwrap();
    let key = file.key("ntuple").unwrap();
    let payload_at = (key.seek_key + key.keylen as u64) as usize;
    for delta in [6usize, 20, 40, 69, 75] {
        let mut d = data.clone();
        d[payload_at + delta] ^= 0x10;
        let e = open_mem(d).unwrap().rntuple("ntuple").unwrap_err();
        assert!(matches!(*e.kind, ErrorKind::Corrupt(_)), "{e}");
        assert!(e.to_string().contains("anchor checksum mismatch"), "{e}");
        assert_eq!(e.location.object.as_deref(), Some("ntuple"));
        assert!(e.location.offset.is_some(), "{e}");
        assert!(e.location.file.is_some(), "{e}");
    }
}

#[test]
fn corrupt_envelopes_are_typed_errors() {
    for name in ["rntuple_alltypes_none.root", "rntuple_alltypes_zstd.root"] {
        let data = fixture_bytes(name);
        let nt = open_mem(data.clone()).unwrap().rntuple("ntuple").unwrap();
        let a = nt.anchor;
        let group = nt.cluster_groups()[1].page_list;
        for (what, at, len) in [
            ("header", a.seek_header, a.nbytes_header),
            ("footer", a.seek_footer, a.nbytes_footer),
            ("page list", group.locator.offset, group.locator.size),
        ] {
            for k in [0, len / 2, len - 1] {
                let mut d = data.clone();
                d[(at + k) as usize] ^= 0x5a;
                let e = open_mem(d).unwrap().rntuple("ntuple").unwrap_err();
                assert!(
                    matches!(
                        *e.kind,
                        ErrorKind::Corrupt(_) | ErrorKind::Decompression { .. }
                    ),
                    "{name} {what} byte {k}: {e}"
                );
                assert_eq!(e.location.object.as_deref(), Some("ntuple"), "{e}");
                assert!(e.location.offset.is_some(), "{e}");
                if name.ends_with("none.root") && k > 8 {
                    assert!(e.to_string().contains("checksum mismatch"), "{what}: {e}");
                }
            }
        }
        // A truncated file: the footer is gone.
        let e = open_mem(data[..a.seek_footer as usize + 5].to_vec())
            .and_then(|f| f.rntuple("ntuple"))
            .unwrap_err();
        assert!(
            matches!(*e.kind, ErrorKind::Truncated { .. }),
            "{name}: {e}"
        );
    }
}

/// Rewrite the first page locator of the first page list (uncompressed file) and fix the
/// envelope checksum, so that only the locator is wrong.
fn with_first_page_locator(data: &[u8], set: impl Fn(&mut [u8])) -> Vec<u8> {
    let nt = open_mem(data.to_vec()).unwrap().rntuple("ntuple").unwrap();
    let link = nt.cluster_groups()[0].page_list;
    assert_eq!(link.len, link.locator.size, "page list stored uncompressed");
    let at = link.locator.offset as usize;
    let len = link.len as usize;
    let mut d = data.to_vec();
    let env = &mut d[at..at + len];
    // type word, header checksum, cluster summary list frame
    let summaries = i64::from_le_bytes(env[16..24].try_into().unwrap()).unsigned_abs() as usize;
    // cluster list, column list and page list frame headers (12 bytes each), n_elements
    let loc = 16 + summaries + 3 * 12 + 4;
    set(&mut env[loc..loc + 12]);
    let ck = xxh3(&env[..len - 8]);
    env[len - 8..].copy_from_slice(&ck.to_le_bytes());
    d
}

#[test]
fn page_list_pointing_past_the_end() {
    let data = fixture_bytes("rntuple_alltypes_none.root");
    let flen = data.len() as u64;
    // column 0 is field "b"; its first page is in cluster 0
    let past = with_first_page_locator(&data, |loc| {
        loc[4..12].copy_from_slice(&(flen + 1000).to_le_bytes())
    });
    let nt = open_mem(past).unwrap().rntuple("ntuple").unwrap();
    let e = nt.read_field("b", 0..nt.entries).unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::Truncated { .. }), "{e}");
    assert_eq!(e.location.object.as_deref(), Some("ntuple/b"));
    assert!(e.location.file.is_some());
    assert!(e.location.offset.is_some());
    // Other fields still read.
    assert!(nt.read_field("f64", 0..nt.entries).is_ok());
    // A size running past the end.
    let big = with_first_page_locator(&data, |loc| {
        loc[..4].copy_from_slice(&i32::MAX.to_le_bytes())
    });
    let nt = open_mem(big).unwrap().rntuple("ntuple").unwrap();
    let e = nt.read_field("b", 0..nt.entries).unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::Truncated { .. }), "{e}");
    // An offset that overflows.
    let wrap = with_first_page_locator(&data, |loc| {
        loc[4..12].copy_from_slice(&u64::MAX.to_le_bytes())
    });
    let nt = open_mem(wrap).unwrap().rntuple("ntuple").unwrap();
    assert!(nt.read_field("b", 0..nt.entries).is_err());
}

#[test]
fn corrupt_pages_are_typed_errors() {
    for name in [
        "rntuple_alltypes_none.root",
        "rntuple_alltypes_zlib.root",
        "rntuple_alltypes_lzma.root",
    ] {
        let data = fixture_bytes(name);
        let nt = open_mem(data.clone()).unwrap().rntuple("ntuple").unwrap();
        // The offsets of vi: compressible, so stored compressed even without page checksums.
        let f = nt.field("vi").unwrap();
        let page = nt.cluster_details()[2].columns[f.columns[0]].pages[0];
        assert!(
            page.checksum || page.locator.size < page.elements as u64 * 8,
            "{name}"
        );
        let mut d = data.clone();
        d[(page.locator.offset + page.locator.size / 2) as usize] ^= 0x21;
        let nt = open_mem(d).unwrap().rntuple("ntuple").unwrap();
        let e = nt.read_field("vi", 0..nt.entries).unwrap_err();
        assert!(
            matches!(
                *e.kind,
                ErrorKind::Corrupt(_) | ErrorKind::Decompression { .. }
            ),
            "{name}: {e}"
        );
        assert_eq!(e.location.object.as_deref(), Some("ntuple/vi"));
        assert_eq!(e.location.offset, Some(page.locator.offset), "{e}");
        if page.checksum {
            assert!(
                e.to_string().contains("page checksum mismatch"),
                "{name}: {e}"
            );
        }
        // The other fields are not affected.
        assert!(nt.read_field("f32", 0..nt.entries).is_ok());
    }
}

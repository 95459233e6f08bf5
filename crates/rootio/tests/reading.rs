//! Reading behaviour: entry ranges, thread counts, reuse of output buffers, IO counters and
//! error messages.

mod common;

use rootio::tree::BasketLocation;
use rootio::{Array, ErrorKind, ReadOptions, RootFile};

fn alltypes() -> RootFile {
    RootFile::open(common::fixtures().join("alltypes_zstd.root")).unwrap()
}

#[test]
fn any_entry_range_equals_the_slice_of_the_whole() {
    let f = alltypes();
    let t = f.tree("Events").unwrap();
    let names = ["F", "Muon_pt", "vvf", "str", "m", "Jet_eta"];
    let whole = t
        .read_branches(&names, 0..t.entries, &ReadOptions { threads: 1 })
        .unwrap();
    for (start, stop) in [
        (0, 1),
        (1, 2),
        (17, 430),
        (999, 1000),
        (250, 251),
        (0, 1000),
        (600, 5000),
    ] {
        for threads in [1, 2, 3] {
            let part = t
                .read_branches(&names, start..stop, &ReadOptions { threads })
                .unwrap();
            for (w, p) in whole.iter().zip(&part) {
                assert_eq!(
                    &w.slice(start as usize, stop as usize),
                    p,
                    "{start}..{stop} threads {threads}"
                );
            }
        }
    }
}

#[test]
fn reading_into_reused_arrays_gives_the_same_columns() {
    let f = alltypes();
    let t = f.tree("Events").unwrap();
    let names = ["D", "Muon_charge", "vb", "cstr", "arr"];
    let mut cols = Vec::new();
    for (start, stop) in [(0, 1000), (100, 200), (0, 1000), (990, 1000)] {
        t.read_branches_into(&names, start..stop, &ReadOptions { threads: 2 }, &mut cols)
            .unwrap();
        let fresh = t
            .read_branches(&names, start..stop, &ReadOptions { threads: 1 })
            .unwrap();
        assert_eq!(cols, fresh);
    }
}

#[test]
fn reading_one_branch_reads_only_its_baskets() {
    let f = alltypes();
    let t = f.tree("Events").unwrap();
    let b = t.branch("Muon_pt").unwrap();
    let expected: u64 = b
        .baskets
        .iter()
        .map(|x| match x.location {
            BasketLocation::OnDisk { bytes, .. } => bytes as u64,
            BasketLocation::Embedded(_) => 0,
        })
        .sum();
    f.source().counters().reset();
    t.read_branches(&["Muon_pt"], 0..t.entries, &ReadOptions { threads: 1 })
        .unwrap();
    let io = f.source().counters().snapshot();
    assert_eq!(io.requests, b.baskets.len() as u64);
    assert_eq!(io.bytes, expected);
}

#[test]
fn unknown_names_suggest_the_nearest() {
    let f = alltypes();
    let e = f.tree("Event").unwrap_err();
    assert!(
        matches!(&*e.kind, ErrorKind::NotFound { suggestions, .. } if suggestions.contains(&"Events".to_string())),
        "{e}"
    );
    let t = f.tree("Events").unwrap();
    let e = t
        .read_branches(&["Muon_ptt"], 0..1, &ReadOptions::default())
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("Muon_pt") && msg.contains("alltypes_zstd.root"),
        "{msg}"
    );
}

#[test]
fn missing_and_non_root_files_are_clear_errors() {
    let e = RootFile::open("/nonexistent/file.root").unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::Io(_)));
    assert!(e.to_string().contains("/nonexistent/file.root"));
    let readme = common::fixtures().join("make_fixtures.py");
    let e = RootFile::open(&readme).unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::NotRoot), "{e}");
}

#[test]
fn a_flipped_basket_byte_names_the_branch_basket_and_offset() {
    let path = common::fixtures().join("alltypes_zlib.root");
    let mut data = std::fs::read(&path).unwrap();
    let f = RootFile::open(&path).unwrap();
    let t = f.tree("Events").unwrap();
    let b = t.branch("Jet_eta").unwrap();
    let BasketLocation::OnDisk { seek, bytes } = b.baskets[3].location else {
        panic!()
    };
    // Corrupt the middle of the compressed payload of basket 3.
    let at = (seek + bytes as u64 - 20) as usize;
    data[at] ^= 0xff;
    data[at + 1] ^= 0x55;
    let f = RootFile::from_source(std::sync::Arc::new(rootio::MemorySource::new(
        data,
        "damaged.root",
    )))
    .unwrap();
    let t = f.tree("Events").unwrap();
    let e = t
        .read_branches(&["Jet_eta"], 0..t.entries, &ReadOptions { threads: 1 })
        .unwrap_err();
    assert_eq!(e.location.basket, Some(3), "{e}");
    assert_eq!(e.location.object.as_deref(), Some("Events/Jet_eta"), "{e}");
    assert!(e.location.offset.is_some(), "{e}");
    assert!(e.to_string().contains("damaged.root"), "{e}");
}

#[test]
fn cycles_and_subdirectories() {
    let f = RootFile::open(common::fixtures().join("dirs_cycles.root")).unwrap();
    assert_eq!(f.tree("Events").unwrap().entries, 20);
    assert_eq!(f.tree("Events;2").unwrap().entries, 20);
    assert_eq!(f.tree("Events;1").unwrap().entries, 10);
    assert_eq!(f.tree("dir1/dir2/T2").unwrap().entries, 7);
    let e = f.tree("hpx").unwrap_err();
    assert!(matches!(&*e.kind, ErrorKind::WrongClass { .. }), "{e}");
    let paths: Vec<String> = f.walk().unwrap().iter().map(|e| e.path()).collect();
    assert!(paths.contains(&"dir1/dir2/T2".to_string()), "{paths:?}");
}

#[test]
fn columns_are_arrow_shaped() {
    let f = alltypes();
    let t = f.tree("Events").unwrap();
    let cols = t
        .read_branches(&["Muon_pt", "nMuon"], 0..t.entries, &ReadOptions::default())
        .unwrap();
    let (Array::Jagged { offsets, values }, Array::I32(n)) = (&cols[0], &cols[1]) else {
        panic!()
    };
    assert_eq!(offsets.len(), n.len() + 1);
    assert_eq!(offsets[0], 0);
    for i in 0..n.len() {
        assert_eq!(offsets[i + 1] - offsets[i], n[i] as i64);
    }
    assert!(matches!(**values, Array::F32(_)));
}

/// Branches of one name under different parents are named by path; a bare name that could mean
/// several is an error listing them (it used to give the first one's data for all).
#[test]
fn branches_sharing_a_name_are_told_apart_by_path() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let f = RootFile::open(dir.join("split_members.root")).unwrap();
    let t = f.tree("t").unwrap();
    let e = t.branch("pos").unwrap_err();
    assert!(
        matches!(&*e.kind, ErrorKind::Ambiguous { paths, .. } if paths == &["info1/pos", "info2/pos"]),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("give the full path, one of info1/pos, info2/pos"),
        "{e}"
    );
    assert_eq!(t.branch("info2/pos").unwrap().path, "info2/pos");
    let names: Vec<String> = rootio::Dataset::Tree(t.clone())
        .columns()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        names.contains(&"info1/n".to_string()) && names.contains(&"info2/n".to_string()),
        "{names:?}"
    );
    // Two top-level branches of one name (a ROOT 5 file): the second is `hitEnd;2`.
    let f = RootFile::open(dir.join("legacy/uproot-issue443.root")).unwrap();
    let t = f.tree("muonDataTree").unwrap();
    assert_eq!(t.branch("hitEnd").unwrap().path, "hitEnd");
    assert_eq!(t.branch("hitEnd;2").unwrap().name, "hitEnd");
}

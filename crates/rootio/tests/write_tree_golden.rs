//! The tree writer writes the trees ROOT 6.40 writes, byte for byte.
//!
//! `fixtures/write/reference_tree.root` and `reference_tree_clusters.root` were written by ROOT
//! itself, uncompressed (`src/write/make_streamers.py`, which also writes the JSON describing
//! their branches and values). Each tree is written again with `rootio::write::TreeWriter` from
//! the same values and options, and compared with ROOT's: every basket's bytes (key header
//! included, but for its date and position), and the streamed `TTree` object, once each
//! branch's `fBasketSeek` array (file positions) is swapped for ours.
//!
//! * `reference_tree`: one basket per branch; every layout (scalars of the 11 types, fixed
//!   arrays, counted arrays with `Int_t`, `UInt_t`, `Short_t` and `ULong64_t` counters,
//!   `std::vector<T>` of the 11 types) and custom titles.
//! * `reference_tree_clusters`: `SetAutoFlush(1000)` and 1200-byte baskets over 2500 entries:
//!   many baskets per branch in the first cluster (entry-offset arrays growing and shrinking,
//!   `fMaxBaskets` growing past 10), `TTree::OptimizeBaskets` at the first cluster, then one
//!   basket per branch and cluster.

mod write_support;

use rootio::write::{FileWriter, TreeOptions, TreeWriter, WriteOptions};
use rootio::{Array, ReadOptions, RootFile};
use write_support::temp_dir;
use write_support::tree::{
    cluster_reference, compare_trees, fixtures, slice_columns, small_reference,
};

fn write(
    path: &std::path::Path,
    name: &str,
    specs: Vec<rootio::write::BranchSpec>,
    chunks: &[Vec<Array>],
    options: TreeOptions,
) {
    let mut file = FileWriter::create(
        path,
        WriteOptions {
            compression: rootio::write::Compression::None,
            reproducible: true,
            ..Default::default()
        },
    )
    .unwrap();
    let mut tree = TreeWriter::new(name, specs, options).unwrap();
    for c in chunks {
        tree.append(&mut file, c).unwrap();
    }
    tree.finish(&mut file).unwrap();
    file.close().unwrap();
}

#[test]
fn every_layout_is_written_like_root() {
    let (specs, cols, json) = small_reference();
    let dir = temp_dir("tree-golden");
    let path = dir.join("ours.root");
    write(
        &path,
        "Events",
        specs,
        &[cols],
        TreeOptions {
            title: json["title"].as_str().unwrap().into(),
            ..Default::default()
        },
    );
    let diffs = compare_trees(&fixtures().join("reference_tree.root"), &path, "Events");
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn clusters_and_basket_sizes_follow_root() {
    let (specs, cols, options, json) = cluster_reference();
    let dir = temp_dir("tree-golden-clusters");
    let name = json["tree"].as_str().unwrap();
    // In one call, and in uneven pieces: the same file either way.
    let one = dir.join("one.root");
    write(
        &one,
        name,
        specs.clone(),
        std::slice::from_ref(&cols),
        options.clone(),
    );
    let diffs = compare_trees(&fixtures().join("reference_tree_clusters.root"), &one, name);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));

    let n = cols[0].len();
    let mut chunks = Vec::new();
    let mut start = 0;
    for (i, len) in [1usize, 999, 1, 280, 1, 7, 1000, 13]
        .iter()
        .cycle()
        .enumerate()
    {
        if start >= n || i > 100 {
            break;
        }
        let stop = (start + len).min(n);
        chunks.push(slice_columns(&cols, start, stop));
        start = stop;
    }
    chunks.push(slice_columns(&cols, start, n));
    // Same file name (it is stored in the file), another folder.
    std::fs::create_dir_all(dir.join("pieces")).unwrap();
    let pieces = dir.join("pieces").join("one.root");
    write(&pieces, name, specs, &chunks, options);
    assert_eq!(
        std::fs::read(&one).unwrap(),
        std::fs::read(&pieces).unwrap(),
        "the file depends on how the entries were split into append calls"
    );

    // And the clusters are ROOT's.
    let ours = RootFile::open(&one).unwrap();
    let tree = ours.tree(name).unwrap();
    assert_eq!(tree.clusters(), vec![0..1000, 1000..2000, 2000..2500]);
    let back = tree
        .read_branches(
            &["x", "nMuon", "Muon_pt", "a", "v"],
            0..tree.entries,
            &ReadOptions::default(),
        )
        .unwrap();
    assert_eq!(back, cols);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn vector_classes_match_root() {
    // The checksums and versions ROOT reports for vector<T> (recorded by make_streamers.py)
    // are those the writer stores in its TBranchElements: the golden comparison above checks
    // the bytes; this names the classes so a mismatch is easy to read.
    let (_, _, json) = small_reference();
    let classes = json["vector_classes"].as_object().unwrap();
    assert_eq!(classes.len(), 11);
    for (name, v) in classes {
        assert_eq!(v[1].as_i64(), Some(6), "{name}");
    }
    let file = RootFile::open(fixtures().join("reference_tree.root")).unwrap();
    let tree = file.tree("Events").unwrap();
    for b in tree.data_branches() {
        if let Some(el) = &b.element {
            assert!(classes.contains_key(&el.class_name), "{}", el.class_name);
        }
    }
}

#[test]
fn copying_roots_trees_gives_roots_bytes() {
    // Read ROOT's trees with rootio, describe their branches with BranchLayout::of_branch,
    // write them again: the same bytes.
    let dir = temp_dir("tree-golden-copy");
    for (file, name, options) in [
        (
            "reference_tree.root",
            "Events",
            TreeOptions {
                title: "reference tree".into(),
                ..Default::default()
            },
        ),
        (
            "reference_tree_clusters.root",
            "Clustered",
            cluster_reference().2,
        ),
    ] {
        let src = RootFile::open(fixtures().join(file)).unwrap();
        let tree = src.tree(name).unwrap();
        let specs: Vec<rootio::write::BranchSpec> = tree
            .data_branches()
            .iter()
            .map(|b| rootio::write::BranchSpec {
                name: b.name.clone(),
                title: Some(b.title.clone()),
                layout: rootio::write::BranchLayout::of_branch(&tree, b).unwrap(),
            })
            .collect();
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        let cols = tree
            .read_branches(&names, 0..tree.entries, &ReadOptions::default())
            .unwrap();
        let path = dir.join(file);
        write(&path, name, specs, &[cols], options);
        let diffs = compare_trees(&fixtures().join(file), &path, name);
        assert!(diffs.is_empty(), "{file}: {}", diffs.join("\n"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

//! Trees written by `rootio::write::TreeWriter` read back with rootio: every layout and
//! primitive type, several clusters, many baskets per branch, every compression; byte-budget
//! clusters; empty trees; files past 2 GB; and the typed errors for bad input.
//!
//! `write_tree_golden.rs` compares the bytes with ROOT's own trees; `write_tree_root.rs`
//! checks these files with ROOT 6.40 and uproot when `HEPFRAME_ROOT_PYTHON` is set.

mod write_support;

use std::path::Path;

use rootio::compression::{block_algorithm, Algorithm};
use rootio::tree::BasketLocation;
use rootio::write::{
    BranchLayout, BranchSpec, Compression, FileWriter, TreeOptions, TreeWriter, WriteOptions,
};
use rootio::{Array, ErrorKind, PrimitiveType as P, ReadOptions, RootFile};
use write_support::temp_dir;
use write_support::tree::{every_layout, names, slice_columns};

fn options(compression: Compression) -> WriteOptions {
    WriteOptions {
        compression,
        ..Default::default()
    }
}

/// Write `cols` in chunks of `chunk` entries.
fn write_tree(
    path: &Path,
    compression: Compression,
    specs: &[BranchSpec],
    cols: &[Array],
    tree: TreeOptions,
    chunk: usize,
) {
    let mut file = FileWriter::create(path, options(compression)).unwrap();
    let mut w = TreeWriter::new("Events", specs.to_vec(), tree).unwrap();
    let n = cols[0].len();
    let mut start = 0;
    while start < n {
        let stop = (start + chunk).min(n);
        w.append(&mut file, &slice_columns(cols, start, stop))
            .unwrap();
        start = stop;
    }
    assert_eq!(w.entries(), n as u64);
    w.finish(&mut file).unwrap();
    file.close().unwrap();
}

/// Read every branch back and compare; check that clusters are basket boundaries of every
/// branch. Returns the tree.
fn check_read_back(path: &Path, specs: &[BranchSpec], cols: &[Array]) -> rootio::Tree {
    let file = RootFile::open(path).unwrap();
    let tree = file.tree("Events").unwrap();
    assert_eq!(tree.entries, cols[0].len() as u64);
    let names = names(specs);
    for threads in [1, 0] {
        let back = tree
            .read_branches(&names, 0..tree.entries, &ReadOptions { threads })
            .unwrap();
        for ((name, a), b) in names.iter().zip(&back).zip(cols) {
            assert_eq!(a, b, "{name}");
        }
    }
    // A range across clusters and baskets.
    let n = tree.entries;
    if n > 10 {
        let (a, b) = (n / 3 + 1, 2 * n / 3 + 5);
        let back = tree
            .read_branches(&names, a..b, &ReadOptions::default())
            .unwrap();
        for ((name, x), y) in names.iter().zip(&back).zip(cols) {
            assert_eq!(x, &y.slice(a as usize, b as usize), "{name} {a}..{b}");
        }
    }
    let clusters = tree.clusters();
    for b in tree.data_branches() {
        let firsts: Vec<u64> = b.baskets.iter().map(|x| x.first).collect();
        for c in &clusters {
            assert!(
                firsts.binary_search(&c.start).is_ok(),
                "{}: cluster {c:?} does not start a basket ({firsts:?})",
                b.name
            );
        }
        assert!(b
            .baskets
            .iter()
            .all(|x| matches!(x.location, BasketLocation::OnDisk { .. })));
    }
    tree
}

#[test]
fn every_layout_round_trips_with_every_compression() {
    let (specs, cols) = every_layout(12_000, 7);
    let dir = temp_dir("tree-roundtrip");
    for c in [
        Compression::None,
        Compression::Zlib(1),
        Compression::Lzma(1),
        Compression::Lz4(4),
        Compression::Zstd(5),
    ] {
        let path = dir.join(format!("every_{}.root", c.root_setting()));
        let tree_opts = TreeOptions {
            basket_size: 2000,
            auto_flush: 5000,
            title: "every layout".into(),
        };
        write_tree(&path, c, &specs, &cols, tree_opts, 3333);
        let tree = check_read_back(&path, &specs, &cols);
        assert_eq!(tree.title, "every layout");
        assert_eq!(tree.auto_flush, 5000);
        assert_eq!(tree.clusters(), vec![0..5000, 5000..10000, 10000..12000]);
        // Many baskets in the first cluster, then one per branch and cluster.
        let x = tree.branch("s_f32").unwrap();
        assert!(x.baskets.len() > 10, "{}", x.baskets.len());
        assert_eq!(x.baskets.last().unwrap().first, 10000);
        // Baskets are compressed with the file's algorithm (or stored when that does not pay).
        let file = tree.file();
        let want = match c {
            Compression::None => None,
            Compression::Zlib(_) => Some(Algorithm::Zlib),
            Compression::Lzma(_) => Some(Algorithm::Lzma),
            Compression::Lz4(_) => Some(Algorithm::Lz4),
            Compression::Zstd(_) => Some(Algorithm::Zstd),
        };
        let b = tree.branch("v_f64").unwrap();
        assert_eq!(b.compress, c.root_setting());
        let mut compressed = 0;
        for basket in &b.baskets {
            let BasketLocation::OnDisk { seek, bytes } = basket.location else {
                unreachable!()
            };
            let raw = file.source().read_range(seek..seek + bytes as u64).unwrap();
            let key =
                rootio::key::Key::read(&mut rootio::cursor::Cursor::new(&raw, seek, "k")).unwrap();
            assert_eq!(key.version, 1004);
            assert_eq!(key.class_name, "TBasket");
            if key.is_compressed() {
                compressed += 1;
                assert_eq!(block_algorithm(&raw[key.keylen as usize..]), want);
            }
        }
        assert_eq!(compressed > 0, want.is_some(), "{c:?}");
        // Counted and vector branches: entry offsets in every basket (fEntryOffsetLen > 0).
        for name in ["Muon_f32", "v_bool", "L_x"] {
            assert!(tree.branch(name).unwrap().entry_offset_len > 0, "{name}");
        }
        assert_eq!(tree.branch("f_f64").unwrap().entry_offset_len, 0);
        assert_eq!(
            tree.branch("Muon_i16").unwrap().type_name(),
            "Short_t[nMuon]"
        );
        assert_eq!(
            tree.branch("Muon_i16").unwrap().title,
            "muon quantity of type Short_t"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_cluster_of_many_small_baskets() {
    // ROOT's default cluster size (30 MB) is never reached: one cluster, hundreds of baskets.
    let (specs, cols) = every_layout(6000, 11);
    let dir = temp_dir("tree-small-baskets");
    let path = dir.join("small.root");
    write_tree(
        &path,
        Compression::Zstd(3),
        &specs,
        &cols,
        TreeOptions {
            basket_size: 100,
            ..Default::default()
        },
        6000,
    );
    let tree = check_read_back(&path, &specs, &cols);
    assert!(tree.auto_flush < 0);
    let v = tree.branch("v_f64").unwrap();
    assert!(v.baskets.len() > 500, "{}", v.baskets.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn byte_budget_clusters() {
    // A negative auto_flush is a budget of compressed bytes for the first cluster; later
    // clusters have the first one's entry count.
    let (specs, cols) = every_layout(9000, 3);
    let dir = temp_dir("tree-bytes");
    let path = dir.join("bytes.root");
    write_tree(
        &path,
        Compression::Lz4(1),
        &specs,
        &cols,
        TreeOptions {
            basket_size: 4000,
            auto_flush: -100_000,
            title: String::new(),
        },
        1000,
    );
    let tree = check_read_back(&path, &specs, &cols);
    let first = tree.auto_flush;
    assert!(first > 0 && first < 9000, "{first}");
    let clusters = tree.clusters();
    assert!(clusters.len() > 2);
    assert!(clusters[..clusters.len() - 1]
        .iter()
        .all(|c| c.end - c.start == first as u64));
    // The same file whatever the append sizes.
    let again = dir.join("again").join("bytes.root");
    std::fs::create_dir_all(again.parent().unwrap()).unwrap();
    write_tree(
        &again,
        Compression::Lz4(1),
        &specs,
        &cols,
        TreeOptions {
            basket_size: 4000,
            auto_flush: -100_000,
            title: String::new(),
        },
        777,
    );
    let a = RootFile::open(&path).unwrap().tree("Events").unwrap();
    let b = RootFile::open(&again).unwrap().tree("Events").unwrap();
    assert_eq!(a.zip_bytes, b.zip_bytes);
    assert_eq!(a.clusters(), b.clusters());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn empty_trees_and_empty_appends() {
    let dir = temp_dir("tree-empty");
    let path = dir.join("empty.root");
    let specs = vec![
        BranchSpec::new("n", BranchLayout::Scalar(P::I32)),
        BranchSpec::new(
            "x",
            BranchLayout::Counted {
                element: P::F64,
                counter: "n".into(),
            },
        ),
        BranchSpec::new("v", BranchLayout::Vector(P::U16)),
    ];
    let empty = vec![
        Array::I32(vec![]),
        Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(Array::F64(vec![])),
        },
        Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(Array::U16(vec![])),
        },
    ];
    let mut file = FileWriter::create(&path, WriteOptions::default()).unwrap();
    let mut a = TreeWriter::new("Empty", specs.clone(), TreeOptions::default()).unwrap();
    a.append(&mut file, &empty).unwrap();
    a.finish(&mut file).unwrap();
    // A second tree in the same file, with entries after an empty append.
    let mut b = TreeWriter::new("Events", specs.clone(), TreeOptions::default()).unwrap();
    b.append(&mut file, &empty).unwrap();
    let cols = vec![
        Array::I32(vec![2, 0, 1]),
        Array::Jagged {
            offsets: vec![0, 2, 2, 3].into(),
            values: Box::new(Array::F64(vec![1.5, 2.5, -3.0])),
        },
        Array::Jagged {
            offsets: vec![0, 0, 3, 3].into(),
            values: Box::new(Array::U16(vec![7, 8, 65535])),
        },
    ];
    b.append(&mut file, &cols).unwrap();
    b.finish(&mut file).unwrap();
    file.close().unwrap();
    let f = RootFile::open(&path).unwrap();
    let t = f.tree("Empty").unwrap();
    assert_eq!(t.entries, 0);
    let back = t
        .read_branches(&["n", "x", "v"], 0..0, &ReadOptions::default())
        .unwrap();
    assert_eq!(back, empty);
    check_read_back(&path, &specs, &cols);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn trees_past_2gb() {
    let (specs, cols) = every_layout(3000, 5);
    let dir = temp_dir("tree-big");
    let path = dir.join("big.root");
    let mut file = FileWriter::create(&path, WriteOptions::default()).unwrap();
    let mut w = TreeWriter::new(
        "Events",
        specs.clone(),
        TreeOptions {
            basket_size: 3000,
            auto_flush: 1000,
            title: String::new(),
        },
    )
    .unwrap();
    w.append(&mut file, &slice_columns(&cols, 0, 1500)).unwrap();
    file.test_skip_to(2_100_000_000);
    w.append(&mut file, &slice_columns(&cols, 1500, 3000))
        .unwrap();
    w.finish(&mut file).unwrap();
    file.close().unwrap();
    let tree = check_read_back(&path, &specs, &cols);
    let f = tree.file();
    assert!(f.header().big);
    assert!(f.key("Events").unwrap().seek_key > 2_100_000_000);
    let last = tree
        .branch("v_f32")
        .unwrap()
        .baskets
        .last()
        .unwrap()
        .clone();
    let BasketLocation::OnDisk { seek, .. } = last.location else {
        unreachable!()
    };
    assert!(seek > 2_100_000_000);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn is_invalid(e: &rootio::Error) -> bool {
    matches!(&*e.kind, ErrorKind::InvalidInput(_))
}

#[test]
fn bad_columns_are_typed_errors_and_the_writer_stays_usable() {
    let dir = temp_dir("tree-bad");
    let path = dir.join("bad.root");
    let specs = vec![
        BranchSpec::new("n", BranchLayout::Scalar(P::U32)),
        BranchSpec::new(
            "pt",
            BranchLayout::Counted {
                element: P::F32,
                counter: "n".into(),
            },
        ),
        BranchSpec::new(
            "m",
            BranchLayout::Fixed {
                element: P::F64,
                shape: vec![2, 2],
            },
        ),
        BranchSpec::new("v", BranchLayout::Vector(P::I64)),
    ];
    let good = || {
        vec![
            Array::U32(vec![1, 0]),
            Array::Jagged {
                offsets: vec![0, 1, 1].into(),
                values: Box::new(Array::F32(vec![3.5])),
            },
            Array::Fixed {
                size: 4,
                values: Box::new(Array::F64(vec![1.0; 8])),
            },
            Array::Jagged {
                offsets: vec![0, 2, 3].into(),
                values: Box::new(Array::I64(vec![1, -2, 3])),
            },
        ]
    };
    let mut file = FileWriter::create(&path, WriteOptions::default()).unwrap();
    let mut w = TreeWriter::new("Events", specs.clone(), TreeOptions::default()).unwrap();

    let mut bad: Vec<(&str, Vec<Array>)> = Vec::new();
    let mut c = good();
    c.pop();
    bad.push(("columns for", c));
    let mut c = good();
    c[0] = Array::I32(vec![1, 0]);
    bad.push(("needs an array of U32", c));
    let mut c = good();
    c[0] = Array::U32(vec![1, 0, 0]);
    bad.push(("same number", c));
    let mut c = good();
    c[0] = Array::U32(vec![2, 0]);
    bad.push(("counter 'n' is 2 but branch 'pt' has 1", c));
    let mut c = good();
    c[2] = Array::Fixed {
        size: 2,
        values: Box::new(Array::F64(vec![1.0; 8])),
    };
    bad.push(("Fixed", c));
    let mut c = good();
    c[2] = Array::Fixed {
        size: 4,
        values: Box::new(Array::F64(vec![1.0; 7])),
    };
    bad.push(("whole number", c));
    let mut c = good();
    c[2] = Array::F64(vec![1.0; 8]);
    bad.push(("Fixed", c));
    let mut c = good();
    c[3] = Array::Jagged {
        offsets: vec![0, 3, 2].into(),
        values: Box::new(Array::I64(vec![1, -2])),
    };
    bad.push(("offsets", c));
    let mut c = good();
    c[3] = Array::Jagged {
        offsets: vec![1, 2, 3].into(),
        values: Box::new(Array::I64(vec![1, -2, 3])),
    };
    bad.push(("start at 0", c));
    let mut c = good();
    c[3] = Array::Jagged {
        offsets: vec![].into(),
        values: Box::new(Array::I64(vec![])),
    };
    bad.push(("at least one offset", c));
    let mut c = good();
    c[3] = Array::Jagged {
        offsets: vec![0, 2, 3].into(),
        values: Box::new(Array::I32(vec![1, -2, 3])),
    };
    bad.push(("Jagged { values: I64 }", c));
    let mut c = good();
    c[1] = Array::F32(vec![3.5, 1.0]);
    bad.push(("Jagged", c));
    for (why, cols) in bad {
        let e = w.append(&mut file, &cols).unwrap_err();
        assert!(is_invalid(&e), "{why}: {e:?}");
        assert!(e.to_string().contains(why), "{why}: {e}");
        assert_eq!(e.location.file.as_deref(), Some(path.as_path()), "{e}");
    }
    assert_eq!(w.entries(), 0);

    // A 16-bit counter holds at most 32767 values per entry.
    let mut small = TreeWriter::new(
        "Small",
        vec![
            BranchSpec::new("k", BranchLayout::Scalar(P::U16)),
            BranchSpec::new(
                "x",
                BranchLayout::Counted {
                    element: P::U8,
                    counter: "k".into(),
                },
            ),
        ],
        TreeOptions::default(),
    )
    .unwrap();
    let e = small
        .append(
            &mut file,
            &[
                Array::U16(vec![40000]),
                Array::Jagged {
                    offsets: vec![0, 40000].into(),
                    values: Box::new(Array::U8(vec![0; 40000])),
                },
            ],
        )
        .unwrap_err();
    assert!(
        is_invalid(&e) && e.to_string().contains("at most 32767"),
        "{e}"
    );

    // A tree belongs to one file.
    let other_path = dir.join("other.root");
    let mut other = FileWriter::create(&other_path, WriteOptions::default()).unwrap();
    w.append(&mut file, &good()).unwrap();
    let e = w.append(&mut other, &good()).unwrap_err();
    assert!(is_invalid(&e), "{e}");
    drop(other);

    // Still usable after all that.
    w.append(&mut file, &good()).unwrap();
    w.finish(&mut file).unwrap();
    file.close().unwrap();
    let g = good();
    let both: Vec<Array> = g
        .iter()
        .map(|a| Array::concat(vec![a.clone(), a.clone()]).unwrap())
        .collect();
    check_read_back(&path, &specs, &both);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_specs_are_typed_errors() {
    let e = TreeWriter::new(
        "t",
        vec![BranchSpec::new(
            "pt",
            BranchLayout::Counted {
                element: P::F32,
                counter: "nMuon".into(),
            },
        )],
        TreeOptions::default(),
    )
    .unwrap_err();
    assert!(is_invalid(&e));
    assert!(
        e.to_string().contains("'nMuon' is not an earlier branch"),
        "{e}"
    );
    assert_eq!(e.location.object.as_deref(), Some("t"));
}

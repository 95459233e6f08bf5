//! The fields of a collection read together on one thread share one offsets array
//! (`rootio::Offsets`), and only when their lists really agree: on ROOT-written files with the fields' baskets split at
//! different entries, over any range, thread count and reused buffers; and on a file whose
//! two fields of one counter disagree in one basket (a table of entry offsets patched in the
//! file), where each field keeps its own lists.

mod common;
mod write_support;

use rootio::write::{
    BranchLayout, BranchSpec, Compression, FileWriter, TreeOptions, TreeWriter, WriteOptions,
};
use rootio::{Array, Offsets, PrimitiveType as P, ReadOptions, RootFile};

fn offsets(a: &Array) -> &Offsets {
    match a {
        Array::Jagged { offsets, .. } => offsets,
        other => panic!("not a jagged column: {}", other.type_name()),
    }
}

#[test]
fn fields_of_one_counter_share_their_offsets_and_read_as_alone() {
    // ROOT-written: Muon_pt[nMuon] in 8 baskets, Muon_charge[nMuon] in 7, Jet_eta[nJet] in 53.
    for name in [
        "alltypes_zstd.root",
        "alltypes_lz4.root",
        "alltypes_zlib.root",
    ] {
        let f = RootFile::open(common::fixtures().join(name)).unwrap();
        let t = f.tree("Events").unwrap();
        let names = ["Muon_pt", "Jet_eta", "nMuon", "Muon_charge", "F"];
        let mut reused = Vec::new();
        for (start, stop) in [(0, 1000), (17, 430), (999, 1000), (0, 1000), (0, 1000)] {
            for threads in [1, 2, 3] {
                let opts = ReadOptions { threads };
                let cols = t.read_branches(&names, start..stop, &opts).unwrap();
                t.read_branches_into(&names, start..stop, &opts, &mut reused)
                    .unwrap();
                assert_eq!(cols, reused, "{name} {start}..{stop} threads {threads}");
                for (i, n) in names.iter().enumerate() {
                    let alone = t.read_branch(n, start..stop).unwrap();
                    assert_eq!(cols[i], alone, "{name} {n} {start}..{stop}");
                }
                // Shared on one thread (an event loop's reads); on several, every branch is
                // decoded at once, with offsets of its own.
                let one = threads == 1;
                assert_eq!(offsets(&cols[0]).shares(offsets(&cols[3])), one);
                assert_eq!(offsets(&reused[0]).shares(offsets(&reused[3])), one);
                assert!(!offsets(&cols[0]).shares(offsets(&cols[1])));
                // Read again over the same range on one thread, the leader decodes into the
                // buffer it had: its follower let the shared array go first.
                if threads == 1 && (start, stop) == (0, 1000) && reused.len() == names.len() {
                    let again = offsets(&reused[0]).as_ptr();
                    t.read_branches_into(&names, start..stop, &opts, &mut reused)
                        .unwrap();
                    assert_eq!(offsets(&reused[0]).as_ptr(), again);
                }
            }
        }
    }
}

/// Positions of the tables of entry offsets in `bytes` whose first `sizes.len() + 1` entries
/// start `sizes` bytes apart: a big-endian length (`fNevBuf + 1`, as `TBasket::Streamer`
/// writes it), then `K, K + s0, K + s0 + s1, …`.
fn tables(bytes: &[u8], len: u32, sizes: &[u32]) -> Vec<usize> {
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    let need = 4 * (sizes.len() + 2);
    (0..bytes.len().saturating_sub(need))
        .filter(|&i| {
            if be(i) != len {
                return false;
            }
            let mut at = be(i + 4);
            sizes.iter().enumerate().all(|(k, s)| {
                at = at.wrapping_add(*s);
                be(i + 8 + 4 * k) == at
            })
        })
        .collect()
}

#[test]
fn fields_of_one_counter_that_disagree_keep_their_own_lists() {
    let dir = write_support::temp_dir("shared-offsets");
    let path = dir.join("disagree.root");
    // 3 baskets of 40 entries per field (one cluster per 40 entries); per entry 1, 2, 0 or 3
    // elements.
    let n = 120usize;
    let counts: Vec<i32> = (0..n).map(|i| [1, 2, 0, 3][i % 4]).collect();
    let mut off = vec![0i64];
    for c in &counts {
        off.push(off.last().unwrap() + *c as i64);
    }
    let total = *off.last().unwrap() as usize;
    let specs = vec![
        BranchSpec::new("n", BranchLayout::Scalar(P::I32)),
        BranchSpec::new(
            "x",
            BranchLayout::Counted {
                element: P::F32,
                counter: "n".into(),
            },
        ),
        BranchSpec::new(
            "y",
            BranchLayout::Counted {
                element: P::F64,
                counter: "n".into(),
            },
        ),
    ];
    let cols = vec![
        Array::I32(counts.clone()),
        Array::Jagged {
            offsets: off.clone().into(),
            values: Box::new(Array::F32((0..total).map(|v| v as f32).collect())),
        },
        Array::Jagged {
            offsets: off.clone().into(),
            values: Box::new(Array::F64((0..total).map(|v| -(v as f64)).collect())),
        },
    ];
    let mut file = FileWriter::create(
        &path,
        WriteOptions {
            compression: Compression::None,
            ..Default::default()
        },
    )
    .unwrap();
    let options = TreeOptions {
        auto_flush: 40,
        ..Default::default()
    };
    let mut w = TreeWriter::new("Events", specs, options).unwrap();
    w.append(&mut file, &cols).unwrap();
    w.finish(&mut file).unwrap();
    file.close().unwrap();

    // Intact, x and y share; y's last basket is then given lists of 2 and 1 elements for its
    // first two entries (1 and 2 in x): the same total, a valid table, different lists.
    let before = {
        let f = RootFile::open(&path).unwrap();
        let t = f.tree("Events").unwrap();
        let both = t
            .read_branches(&["x", "y"], 0..n as u64, &ReadOptions { threads: 1 })
            .unwrap();
        assert!(offsets(&both[0]).shares(offsets(&both[1])));
        t.read_branch("y", 0..n as u64).unwrap()
    };
    let mut bytes = std::fs::read(&path).unwrap();
    let found = tables(&bytes, 41, &[8, 16, 0, 24, 8, 16]);
    assert_eq!(found.len(), 3, "y's three baskets");
    let last = *found.last().unwrap();
    let k = u32::from_be_bytes(bytes[last + 4..last + 8].try_into().unwrap());
    bytes[last + 8..last + 12].copy_from_slice(&(k + 16).to_be_bytes());
    std::fs::write(&path, &bytes).unwrap();

    let f = RootFile::open(&path).unwrap();
    let t = f.tree("Events").unwrap();
    let x_alone = t.read_branch("x", 0..n as u64).unwrap();
    let y_alone = t.read_branch("y", 0..n as u64).unwrap();
    assert_ne!(y_alone, before, "the patch changed y's lists");
    let mut want = off.clone();
    want[81] += 1; // entry 80 (the last basket's first) now has 2 elements, entry 81 one
    assert_eq!(*offsets(&y_alone), want);
    assert_eq!(*offsets(&x_alone), off);
    for names in [["x", "y"], ["y", "x"]] {
        for threads in [1, 2] {
            for (start, stop) in [(0, n), (79, 82), (0, 80), (81, n)] {
                let range = start as u64..stop as u64;
                let got = t
                    .read_branches(&names, range.clone(), &ReadOptions { threads })
                    .unwrap();
                let (x, y) = if names[0] == "x" {
                    (&got[0], &got[1])
                } else {
                    (&got[1], &got[0])
                };
                assert_eq!(x, &x_alone.slice(start, stop), "{names:?} {start}..{stop}");
                assert_eq!(y, &y_alone.slice(start, stop), "{names:?} {start}..{stop}");
                // Shared only where the lists agree over the whole range (on one thread).
                let agree = threads == 1 && (stop <= 80 || start >= 82);
                assert_eq!(offsets(x).shares(offsets(y)), agree, "{start}..{stop}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

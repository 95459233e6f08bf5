//! A file over 2 GB (big-file header, 64-bit keys and basket seeks), written by ROOT.
//!
//! Skipped unless `HEPFRAME_BIG_FILE` is set:
//! - `HEPFRAME_BIG_FILE=/path/big.root` reads an existing file made by
//!   `fixtures/make_big_file.py`;
//! - `HEPFRAME_BIG_FILE=generate HEPFRAME_ROOT_PYTHON=~/peers/bin/python` first writes one with
//!   ROOT into a temporary folder (≈ 2.3 GB of disk, about a minute).
//!
//! ```text
//! HEPFRAME_BIG_FILE=generate HEPFRAME_ROOT_PYTHON=$HOME/peers/bin/python \
//!     cargo test --release -p rootio --test big_file -- --nocapture
//! ```

use rootio::{Array, ReadOptions, RootFile};

#[test]
fn file_over_2gb_reads_back_its_closed_form_values() {
    let Ok(how) = std::env::var("HEPFRAME_BIG_FILE") else {
        eprintln!("skipped: set HEPFRAME_BIG_FILE (see the test's doc comment)");
        return;
    };
    let tmp;
    let path = if how == "generate" {
        let python = std::env::var("HEPFRAME_ROOT_PYTHON")
            .expect("HEPFRAME_ROOT_PYTHON: a Python with ROOT");
        tmp = std::env::temp_dir().join("hepframe_big_2g.root");
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/make_big_file.py");
        let st = std::process::Command::new(python)
            .arg(script)
            .arg(&tmp)
            .status()
            .expect("run python");
        assert!(st.success(), "make_big_file.py failed");
        tmp.clone()
    } else {
        std::path::PathBuf::from(how)
    };
    let file = RootFile::open(&path).unwrap();
    assert!(file.header().big, "expected the big-file header");
    assert!(std::fs::metadata(&path).unwrap().len() > 2_147_483_648);
    let tree = file.tree("Events").unwrap();
    let n = tree.entries;
    assert!(n > 100_000_000);
    // Read the last 2 M entries (their baskets lie beyond 2 GB) and a slice at the start.
    for range in [0..1_000_000u64, n - 2_000_000..n] {
        let cols = tree
            .read_branches(&["n", "x", "f"], range.clone(), &ReadOptions::default())
            .unwrap();
        let (Array::I64(nv), Array::F64(xv), Array::F32(fv)) = (&cols[0], &cols[1], &cols[2])
        else {
            panic!("unexpected column types");
        };
        for (k, i) in range.enumerate() {
            assert_eq!(nv[k], i as i64);
            assert_eq!(xv[k], i as f64 * 0.5);
            assert_eq!(fv[k], ((i % 4096) as f32) * 0.25);
        }
    }
    let last_basket = tree.branch("x").unwrap().baskets.last().unwrap().clone();
    if let rootio::tree::BasketLocation::OnDisk { seek, .. } = last_basket.location {
        assert!(seek > 2_147_483_648, "last basket should lie past 2 GB");
    }
}

//! The sizes of a TTree branch's baskets, as `schema` shows them and `dump` sizes its chunks by.
//!
//! ROOT keeps running totals in the branch: `fTotBytes` (key + payload before compression) and
//! `fZipBytes` (key + payload as stored), added to each time a basket is written to its own
//! key (`root-project/root:tree/tree/src/TBranch.cxx` `WriteBasketImpl`: `fTotBytes +=
//! basket->GetObjlen() + basket->GetKeylen()`, `fZipBytes += nout`). Baskets that were never
//! written that way are missing from both: the last, unfinished basket of each branch that
//! ROOT stores inside the TTree record when the tree is written (`TBranch::fBaskets`), and all
//! the baskets of a tree that lived in memory. They are counted here as ROOT would have
//! counted them had it written them: the basket's buffer (`fLast` bytes, its key header
//! included) and its entry offsets (a count and `fNevBuf + 1` slots, as `TBasket::WriteBuffer`
//! appends them), stored raw, so the same size before and after compression. uproot's
//! `TBranch.compressed_bytes` and `uncompressed_bytes` leave them out, as ROOT's totals do.

use rootio::tree::BasketLocation;
use rootio::Branch;

/// A branch's bytes over all its baskets, on disk and embedded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BasketBytes {
    /// Bytes as stored (key headers included).
    pub compressed: i64,
    /// Bytes before compression (key headers included).
    pub uncompressed: i64,
}

impl BasketBytes {
    /// The sizes of `b`'s baskets: ROOT's totals plus those of its embedded baskets. Sizes
    /// come from the file: they are added without overflowing.
    pub fn of(b: &Branch) -> BasketBytes {
        let embedded = b
            .baskets
            .iter()
            .filter_map(|x| match &x.location {
                BasketLocation::Embedded(eb) => {
                    let offsets = eb.entry_offsets.as_ref().map_or(0, |_| {
                        // The count, then fNevBuf + 1 slots (the last one ROOT's end marker).
                        4i64.saturating_mul(i64::from(eb.nev_buf.max(0)).saturating_add(2))
                    });
                    Some(i64::from(eb.last.max(0)).saturating_add(offsets))
                }
                BasketLocation::OnDisk { .. } => None,
            })
            .fold(0i64, i64::saturating_add);
        BasketBytes {
            compressed: b.zip_bytes.max(0).saturating_add(embedded),
            uncompressed: b.tot_bytes.max(0).saturating_add(embedded),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rootio::RootFile;

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../rootio/tests/fixtures")
            .join(name)
    }

    /// Exact bytes against uproot 5.7.7: `compressed_bytes`/`uncompressed_bytes` plus, per
    /// embedded basket, `fLast + (4 + 4 * (fNevBuf + 1) if byte_offsets is not None else 0)`
    /// (the script is in `tests/cli.rs`, `schema_counts_embedded_baskets`).
    #[test]
    fn embedded_baskets_are_counted() {
        let file = RootFile::open(fixture("embedded.root")).unwrap();
        let tree = file.tree("Events").unwrap();
        for (name, bytes) in [("x", 3480), ("nMuon", 1748), ("Muon_pt", 5388), ("v", 8858)] {
            let b = tree.branch(name).unwrap();
            assert_eq!((b.zip_bytes, b.tot_bytes), (0, 0), "{name}");
            let want = BasketBytes {
                compressed: bytes,
                uncompressed: bytes,
            };
            assert_eq!(BasketBytes::of(b), want, "{name}");
        }
        // One basket on disk, one embedded.
        let file = RootFile::open(fixture("legacy/uproot-issue327.root")).unwrap();
        let tree = file.tree("DstTree").unwrap();
        let b = tree.branch("fTracks.fP[3]").unwrap();
        let want = BasketBytes {
            compressed: 14096 + 2267,
            uncompressed: 15359 + 2267,
        };
        assert_eq!(BasketBytes::of(b), want);
        // Only baskets on disk: ROOT's own totals.
        let file = RootFile::open(fixture("alltypes_zlib.root")).unwrap();
        let tree = file.tree("Events").unwrap();
        let b = tree.branch("Muon_pt").unwrap();
        assert_eq!(BasketBytes::of(b).uncompressed, b.tot_bytes);
        assert_eq!(BasketBytes::of(b).uncompressed, 12640);
    }
}

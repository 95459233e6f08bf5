//! The `TStreamerInfo` list written into every file.
//!
//! ROOT needs the streamer info of every class stored in a file ("every class written needs its
//! TStreamerInfo"), and the simplest faithful way to provide them is uproot's: take the records
//! ROOT itself wrote and embed their bytes (`uproot5:src/uproot/models/TH.py`, the
//! `_rawstreamer_*` blobs; `uproot5:src/uproot/writing/_cascade.py` `TListOfStreamers`).
//!
//! `streamers.bin` is the complete, uncompressed payload of the `StreamerInfo` key of a file
//! that ROOT 6.40 wrote with a `TH1D`, `TH1F`, `TH2D` and `TH2F` (with bin labels, so the
//! label classes are included) and a `TTree` with a branch of every layout and type the tree
//! writer produces (`TBranch` with each `TLeaf` class, `TBranchElement` for `std::vector`).
//! It is made by `make_streamers.py` in this folder:
//!
//! ```text
//! ~/peers/bin/python crates/rootio/src/write/make_streamers.py
//! ```
//!
//! The list is embedded whole rather than record by record because the `TStreamerInfo`
//! records refer to the classes of their elements (`TStreamerBase`, `TStreamerBasicType`, …)
//! by **class tags that count bytes from the start of the key** (`TBufferFile::WriteClass`).
//! Those tags stay valid as long as our key header has the same length as ROOT's: the same
//! class name, name and title ([`KEY_CLASS`], [`KEY_NAME`], [`KEY_TITLE`]) and 4-byte seeks,
//! which the writer guarantees by placing the key right after the top directory, long before
//! the 2 GB mark. The tests parse the list with hepframe's own reader at that key length.

/// The payload of ROOT's `StreamerInfo` key (a `TList` of `TStreamerInfo`), uncompressed.
pub static STREAMER_LIST: &[u8] = include_bytes!("streamers.bin");

/// Class name of the key holding the list.
pub const KEY_CLASS: &str = "TList";
/// Name of the key holding the list (`TFile::WriteStreamerInfo`).
pub const KEY_NAME: &str = "StreamerInfo";
/// Title of the key holding the list (the `TList` class title).
pub const KEY_TITLE: &str = "Doubly linked list";
/// Length of ROOT's key header in front of the list: 26 fixed bytes (small key) plus the three
/// strings. The class tags inside [`STREAMER_LIST`] assume it.
pub const SOURCE_KEYLEN: usize = 64;

/// The classes (and versions) whose layouts [`STREAMER_LIST`] must contain for the objects
/// hepframe writes: what ROOT 6.40 itself writes for these histograms and for trees with every
/// kind of branch the writer makes. (`TArrayD` and `TArrayF` have hand-written streamers and no
/// streamer info, in ROOT's files as in uproot's; neither do the `vector<T>` classes of
/// `std::vector` branches, which ROOT reads through its collection proxies.)
pub const REQUIRED_CLASSES: &[(&str, i32)] = &[
    ("TH1D", 3),
    ("TH1F", 3),
    ("TH2D", 4),
    ("TH2F", 4),
    ("TH1", 8),
    ("TH2", 5),
    ("TNamed", 1),
    ("TObject", 1),
    ("TAttLine", 2),
    ("TAttFill", 2),
    ("TAttMarker", 3),
    ("TAxis", 10),
    ("TAttAxis", 4),
    ("TList", 5),
    ("THashList", 0),
    ("TSeqCollection", 0),
    ("TCollection", 3),
    ("TString", 2),
    ("TObjString", 1),
    ("TTree", 20),
    ("ROOT::TIOFeatures", 1),
    ("TBranch", 13),
    ("TBranchElement", 10),
    ("TLeaf", 2),
    ("TLeafO", 1),
    ("TLeafB", 1),
    ("TLeafS", 1),
    ("TLeafI", 1),
    ("TLeafL", 1),
    ("TLeafF", 1),
    ("TLeafD", 1),
    ("TLeafElement", 1),
    ("TObjArray", 3),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::streamer::read_streamer_list;
    use crate::write::key::KeyHeader;

    #[test]
    fn key_length_matches_the_source() {
        let k = KeyHeader::new(KEY_CLASS, KEY_NAME, KEY_TITLE, 1, 1000, 100, 1);
        assert_eq!(k.keylen(), SOURCE_KEYLEN);
    }

    #[test]
    fn embedded_list_has_every_required_class() {
        let infos = read_streamer_list(STREAMER_LIST, SOURCE_KEYLEN, 0).unwrap();
        for (class, version) in REQUIRED_CLASSES {
            assert!(
                infos.has(class, *version),
                "{class} v{version} missing; have {:?}",
                infos
                    .iter()
                    .map(|i| format!("{} v{}", i.name, i.class_version))
                    .collect::<Vec<_>>()
            );
        }
        let th1 = infos.get("TH1", 8).unwrap();
        let names: Vec<&str> = th1.elements.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "TNamed",
                "TAttLine",
                "TAttFill",
                "TAttMarker",
                "fNcells",
                "fXaxis",
                "fYaxis",
                "fZaxis",
                "fBarOffset",
                "fBarWidth",
                "fEntries",
                "fTsumw",
                "fTsumw2",
                "fTsumwx",
                "fTsumwx2",
                "fMaximum",
                "fMinimum",
                "fNormFactor",
                "fContour",
                "fSumw2",
                "fOption",
                "fFunctions",
                "fBufferSize",
                "fBuffer",
                "fBinStatErrOpt",
                "fStatOverflows"
            ]
        );
    }
}

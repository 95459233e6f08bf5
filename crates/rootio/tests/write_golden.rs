//! The writer streams histograms byte for byte as ROOT 6.40 does.
//!
//! `fixtures/write/reference_hists.root` was written by ROOT itself, uncompressed, together with
//! `reference_hists.json`, which describes its histograms (`src/write/make_streamers.py`). Each
//! histogram is rebuilt from the JSON with `rootio::write` and streamed at ROOT's key length;
//! the bytes must equal the payload of ROOT's key.

mod write_support;

use rootio::write::WBuffer;
use rootio::RootFile;
use serde_json::Value;
use write_support::Hist;

fn reference() -> (RootFile, Value) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/write");
    let file = RootFile::open(dir.join("reference_hists.root")).unwrap();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reference_hists.json")).unwrap())
            .unwrap();
    (file, json)
}

/// Where ROOT's bytes and ours differ (at most a few places).
fn differences(root: &[u8], ours: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    if root.len() != ours.len() {
        out.push(format!(
            "length {} (ROOT) vs {} (ours)",
            root.len(),
            ours.len()
        ));
    }
    for (i, (a, b)) in root.iter().zip(ours).enumerate() {
        if a != b {
            out.push(format!(
                "byte {i}: ROOT {a:#04x}, ours {b:#04x}; ROOT context {:02x?}, ours {:02x?}",
                &root[i.saturating_sub(8)..(i + 8).min(root.len())],
                &ours[i.saturating_sub(8)..(i + 8).min(ours.len())]
            ));
            if out.len() > 10 {
                break;
            }
        }
    }
    out
}

#[test]
fn histograms_stream_like_root() {
    let (file, json) = reference();
    let hists = json["histograms"].as_array().unwrap();
    assert_eq!(hists.len(), 5);
    let mut failures = Vec::new();
    for j in hists {
        let h = Hist::from_json(j);
        let key = file.key(h.name()).unwrap();
        assert_eq!(key.class_name, h.object().class_name());
        assert_eq!(key.title, h.object().title());
        assert!(!key.is_compressed(), "the reference file is uncompressed");
        let root = file.read_payload(&key).unwrap();
        let mut ours = WBuffer::new(key.keylen as usize);
        h.object().stream(&mut ours).unwrap();
        let diffs = differences(&root, ours.as_slice());
        if !diffs.is_empty() {
            failures.push(format!("{}:\n  {}", h.name(), diffs.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reference_file_reads_back_through_the_generic_reader() {
    let (file, json) = reference();
    for j in json["histograms"].as_array().unwrap() {
        let name = j["name"].as_str().unwrap();
        let obj = file.read_object(name).unwrap();
        assert_eq!(obj.name(), name);
        assert_eq!(
            obj.int("fNcells").unwrap() as usize,
            j["contents"].as_array().unwrap().len()
        );
        match obj.get("fArray") {
            Some(rootio::object::Value::Floats(v)) => {
                assert_eq!(v, &write_support::floats(&j["contents"]))
            }
            other => panic!("{name}: fArray is {other:?}"),
        }
    }
}

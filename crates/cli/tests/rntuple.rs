//! `hepframe ls`, `schema`, `show` and `dump` on RNTuples: the NanoAOD sample as an RNTuple
//! dumps and shows exactly like the same events as a TTree; the all-types fixtures list,
//! describe and read every field kind; bad names give one error line with suggestions.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rootio/tests/fixtures")
}

fn fixture(name: &str) -> String {
    fixtures().join(name).to_string_lossy().into_owned()
}

/// The NanoAOD-like RNTuple (`Events`).
fn nano_rntuple() -> String {
    fixture("rntuple/rntuple_nano.root")
}

/// The same events as a TTree (`Events`).
fn nano_tree() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/data/nano_10k.root")
        .to_string_lossy()
        .into_owned()
}

/// Every field kind, 600 entries, 7 clusters in 3 groups, late fields from entry 400.
fn alltypes(compression: &str) -> String {
    fixture(&format!("rntuple/rntuple_alltypes_{compression}.root"))
}

fn hepframe() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hepframe"));
    c.env("COLUMNS", "120");
    c
}

fn run(args: &[&str]) -> Output {
    hepframe().args(args).output().expect("run hepframe")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run, expect success and no stderr, return stdout.
fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(o.status.success(), "{args:?} failed: {}", stderr(&o));
    assert_eq!(stderr(&o), "", "{args:?} wrote to stderr");
    stdout(&o)
}

/// Run with `-q` (the all-types fixture has a streamer field that is skipped with a warning).
fn quiet(args: &[&str]) -> String {
    let mut all = vec!["-q"];
    all.extend_from_slice(args);
    ok(&all)
}

/// Run, expect exit status 1 with exactly one `hepframe: error:` line; return that line.
fn user_error(args: &[&str]) -> String {
    let o = run(args);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
    assert!(err.starts_with("hepframe: error: "), "{err}");
    assert_eq!(stdout(&o), "", "{args:?} wrote to stdout on error");
    err
}

/// The row of a table whose first cell (indentation kept) is `name`.
fn row<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no row '{name}' in:\n{out}"))
}

// ---------------------------------------------------------------------------------------------
// the NanoAOD sample: RNTuple and TTree give the same text
// ---------------------------------------------------------------------------------------------

#[test]
fn dump_of_the_rntuple_equals_dump_of_the_tree() {
    let (r, t) = (nano_rntuple(), nano_tree());
    let whole = ok(&["dump", &format!("{r}:Events")]);
    assert_eq!(whole.lines().count(), 10_000);
    assert!(
        whole == ok(&["dump", &format!("{t}:Events")]),
        "the whole dump differs"
    );
    for args in [
        vec!["-b", "nMuon,Muon_*,MET_pt", "-e", "1234:5678"],
        vec!["-b", "run,event,Jet_*", "-e", "1500:1600"],
        vec!["-e", "9990:"],
        vec!["-e", "7"],
    ] {
        let mut a = vec!["dump", r.as_str()];
        a.extend(&args);
        let mut b = vec!["dump", t.as_str()];
        b.extend(&args);
        let rntuple = ok(&a);
        assert!(!rntuple.is_empty(), "{args:?}");
        assert_eq!(rntuple, ok(&b), "{args:?}");
        // One thread or many, the same text.
        let mut c = vec!["--threads", "1"];
        c.extend(&a);
        assert_eq!(rntuple, ok(&c), "{args:?} with one thread");
    }
    let csv = ["--format", "csv", "-b", "nMuon,Muon_pt,Muon_charge,HLT_*"];
    let mut a = vec!["dump", r.as_str()];
    a.extend(csv);
    let mut b = vec!["dump", t.as_str()];
    b.extend(csv);
    let text = ok(&a);
    assert!(
        text.starts_with("nMuon,Muon_pt,Muon_charge,HLT_IsoMu24_eta2p1,HLT_IsoMu24,"),
        "the order of --branches, a glob's matches in schema order: {text:.200}"
    );
    assert_eq!(text, ok(&b));
}

#[test]
fn show_of_the_rntuple_equals_show_of_the_tree() {
    let (r, t) = (nano_rntuple(), nano_tree());
    for args in [
        vec!["-n", "5", "-b", "nMuon,Muon_pt,MET_*"],
        vec!["-n", "2", "-e", "4885:"],
    ] {
        let mut a = vec!["show", r.as_str()];
        a.extend(&args);
        let mut b = vec!["show", t.as_str()];
        b.extend(&args);
        let out = ok(&a);
        assert!(out.contains("more entries (of 10000)"), "{out}");
        assert_eq!(out, ok(&b), "{args:?}");
    }
}

#[test]
fn ls_lists_rntuples_with_their_entries() {
    let out = ok(&["ls", &nano_rntuple()]);
    let line = out.lines().nth(1).unwrap();
    assert!(
        line.starts_with("Events;1")
            && line.contains("ROOT::RNTuple")
            && line.contains("10000 entries"),
        "{out}"
    );
    for c in ["none", "zlib", "lz4", "lzma", "zstd"] {
        let out = ok(&["ls", &alltypes(c)]);
        let line = out.lines().nth(1).unwrap();
        assert!(
            line.starts_with("ntuple;1") && line.ends_with("600 entries"),
            "{c}: {out}"
        );
    }
    let err = user_error(&["ls", &format!("{}:Events", nano_rntuple())]);
    assert!(
        err.contains("'Events' is a ROOT::RNTuple, not a directory")
            && err.contains("describes an RNTuple"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// schema
// ---------------------------------------------------------------------------------------------

#[test]
fn schema_describes_clusters_fields_and_columns() {
    let out = ok(&["schema", &format!("{}:ntuple", alltypes("zstd"))]);
    assert!(
        out.starts_with("rntuple   ntuple (ROOT::RNTuple, format 1.0.2.0)"),
        "{out}"
    );
    assert!(out.contains("\nwriter    ROOT v6.40.00\n"), "{out}");
    assert!(out.contains("\nentries   600\n"), "{out}");
    assert!(
        out.contains(
            "\nclusters  7 in 3 groups: [0, 90) [90, 180) [180, 270) [270, 360) … [540, 600)\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("\nfields    56 (137 with sub-fields, 1 not readable), 121 columns\n"),
        "{out}"
    );
    let header: Vec<&str> = out.lines().nth(7).unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "field",
            "type",
            "columns",
            "pages",
            "compressed",
            "uncompressed",
            "ratio",
            "algorithm",
            "note"
        ]
    );
    // Types, aliases and column encodings.
    let d32 = row(&out, "d32");
    assert!(
        d32.contains("double (Double32_t)") && d32.contains("SplitReal32"),
        "{d32}"
    );
    assert!(row(&out, "fquant").contains("Real32Quant(16 bits)"));
    assert!(row(&out, "b").contains(" Bit "));
    let s = row(&out, "str");
    assert!(
        s.contains("SplitIndex64 + Char") && s.contains(" zstd"),
        "{s}"
    );
    assert!(row(&out, "urec").contains("(untyped record)"));
    // Sub-fields are indented under their collection or record.
    let lines: Vec<&str> = out.lines().collect();
    let vf = lines.iter().position(|l| l.starts_with("vf ")).unwrap();
    assert!(lines[vf].contains("std::vector<float>") && lines[vf].contains("SplitIndex64"));
    assert!(lines[vf + 1].starts_with("  _0 ") && lines[vf + 1].contains("SplitReal32"));
    let hit = lines.iter().position(|l| l.starts_with("hit ")).unwrap();
    assert!(lines[hit + 1].starts_with("  :_0 ") && lines[hit + 2].starts_with("    id "));
    assert!(row(&out, "  x").contains("float"));
    // Sizes: a collection's offsets compress well; record parents own no columns.
    let cells: Vec<&str> = lines[vf].split_whitespace().collect();
    assert!(
        cells[3].parse::<usize>().unwrap() >= 7,
        "one page per cluster at least: {cells:?}"
    );
    assert!(
        row(&out, "hit").split_whitespace().count() == 3,
        "{}",
        row(&out, "hit")
    );
    // Notes: unreadable, projected, late fields.
    let strm = row(&out, "strm");
    assert!(
        strm.contains("unsupported:") && strm.contains("streamer"),
        "{strm}"
    );
    assert!(row(&out, "proj_f32").contains("projected from f32"));
    for late in ["late_i", "late_vf", "late_s", "late_hit"] {
        assert!(row(&out, late).contains("added at entry 400"), "{late}");
    }
    let total = out.lines().last().unwrap();
    assert!(
        total.starts_with("total (137 fields)") && total.contains("121 columns"),
        "{total}"
    );
    // The pages fit in the file.
    let size = std::fs::metadata(alltypes("zstd")).unwrap().len();
    let compressed = total.split_whitespace().nth(6).unwrap();
    let kib: f64 = compressed.parse().unwrap();
    assert!(kib * 1024.0 < size as f64, "{total}");
}

#[test]
fn schema_reads_each_algorithm_from_the_pages() {
    for (c, algo) in [
        ("zlib", "zlib"),
        ("lz4", "lz4"),
        ("lzma", "lzma"),
        ("zstd", "zstd"),
    ] {
        let out = ok(&["schema", &alltypes(c)]);
        assert!(
            row(&out, "vf").ends_with(&format!(" {algo}")),
            "{c}: {}",
            row(&out, "vf")
        );
    }
    let out = ok(&["schema", &alltypes("none")]);
    let vf = row(&out, "vf");
    assert!(vf.ends_with(" none") && vf.contains(" 1.00 "), "{vf}");
}

#[test]
fn schema_shows_alternative_representations_and_nano_fields() {
    let out = ok(&["schema", &fixture("rntuple/rntuple_multirep.root")]);
    assert!(row(&out, "px").contains("SplitReal32 | Real16"), "{out}");
    assert!(row(&out, "v").contains("SplitIndex64 | Index32"), "{out}");
    let out = ok(&["schema", &nano_rntuple()]);
    assert!(out.contains("\nentries   10000\n"), "{out}");
    assert!(out.contains("\nfields    74 "), "{out}");
    let pt = row(&out, "Muon_pt");
    assert!(pt.contains("ROOT::VecOps::RVec<float>"), "{pt}");
}

// ---------------------------------------------------------------------------------------------
// show and dump on every field kind
// ---------------------------------------------------------------------------------------------

#[test]
fn show_prints_fields_as_a_table() {
    let out = ok(&["show", &alltypes("zstd"), "-n", "3", "-b", "vf,str,i32,f32"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["entry", "vf", "str", "i32", "f32"],
        "the order of --branches"
    );
    assert!(
        lines[1].contains("-833921090") && lines[1].contains("[-951.301]"),
        "{out}"
    );
    assert!(lines[4].contains("597 more entries (of 600)"), "{out}");
    // Records, variants and late fields (zero before they were added).
    let out = ok(&[
        "show",
        &alltypes("lz4"),
        "-e",
        "399:401",
        "-b",
        "pr,late_i,late_hit",
    ]);
    assert!(out.contains("{_0: "), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].contains(" 0 ") && lines[1].contains("{id: 0, x: 0"),
        "{out}"
    );
    assert!(!lines[2].contains("{id: 0, x: 0"), "{out}");
}

#[test]
fn unreadable_fields_are_skipped_with_a_warning() {
    let o = run(&["show", &alltypes("zstd"), "-n", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let warning = concat!(
        "hepframe: warning: skipping field 'strm': 'strm' (FxHit) is stored with the ROOT ",
        "streamer (structural role 4), which hepframe does not decode"
    );
    assert_eq!(stderr(&o).lines().collect::<Vec<_>>(), [warning]);
    // Wide rows are transposed: one line per field.
    assert!(stdout(&o).contains("\n  late_hit "), "{}", stdout(&o));
    quiet(&["show", &alltypes("zstd"), "-n", "1"]);
    let err = user_error(&["dump", &alltypes("zstd"), "-b", "strm"]);
    assert!(err.contains("cannot read field 'strm'"), "{err}");
}

/// Exact comparison of a dumped value with ROOT's: integers and doubles exactly, floats as the
/// `f32` they are (dump prints a float32's shortest form, the expected file its `f64` widening).
fn same(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            if let (Some(a), Some(b)) = (g.as_i64(), w.as_i64()) {
                return a == b;
            }
            if let (Some(a), Some(b)) = (g.as_u64(), w.as_u64()) {
                return a == b;
            }
            let (Some(a), Some(b)) = (g.as_f64(), w.as_f64()) else {
                return false;
            };
            a.to_bits() == b.to_bits()
                || (a == 0.0 && b == 0.0)
                || ((b as f32) as f64 == b && (a as f32).to_bits() == (b as f32).to_bits())
        }
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(a, b)| same(a, b))
        }
        (Value::Object(g), Value::Object(w)) => {
            g.len() == w.len() && w.iter().all(|(k, b)| g.get(k).is_some_and(|a| same(a, b)))
        }
        _ => got == want,
    }
}

/// Nested `std::array`s read flat, like `x[3][2]` in a TTree.
fn flatten(v: &Value) -> Value {
    match v {
        Value::Array(items) if items.iter().any(Value::is_array) => Value::Array(
            items
                .iter()
                .flat_map(|x| match flatten(x) {
                    Value::Array(inner) => inner,
                    other => vec![other],
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn dump_reads_every_field_kind_as_root_does() {
    let text = std::fs::read_to_string(fixtures().join("rntuple/expected/alltypes.json")).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    let fields = expected["ntuples"]["ntuple"]["fields"].as_object().unwrap();
    for (c, range, first) in [("zstd", ":600", 0), ("none", "395:405", 395)] {
        let out = quiet(&["dump", &alltypes(c), "-e", range]);
        let lines: Vec<&str> = out.lines().collect();
        assert!(!lines.is_empty());
        for (k, line) in lines.iter().enumerate() {
            let row: Value = serde_json::from_str(line).unwrap();
            let row = row.as_object().unwrap();
            assert_eq!(row.len(), fields.len(), "every readable field, no others");
            for (name, f) in fields {
                let want = &f["values"][first + k];
                let want = if name == "aai" {
                    flatten(want)
                } else {
                    want.clone()
                };
                assert!(
                    same(&row[name], &want),
                    "{c} entry {} {name}: {} vs {want}",
                    first + k,
                    row[name]
                );
            }
        }
    }
}

#[test]
fn dump_csv_and_subfields() {
    let out = quiet(&[
        "dump",
        &alltypes("zlib"),
        "--format",
        "csv",
        "-e",
        ":2",
        "-b",
        "str,vf,pr,i32",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "str,vf,pr,i32");
    assert_eq!(
        lines[1],
        "#/m<)&,[-951.3008],\"{\"\"_0\"\":-1827646651,\"\"_1\"\":-321374407939077.3}\",-833921090"
    );
    // Sub-fields by dotted path, in the order asked for, equal to the members of the whole
    // field.
    let out = ok(&[
        "dump",
        &alltypes("zlib"),
        "-e",
        ":50",
        "-b",
        "hits.e,hit.x,hit",
    ]);
    for line in out.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["hit", "hit.x", "hits.e"]);
        // serde_json sorts the keys: their order is read off the text.
        let at = |k: &str| line.find(&format!("\"{k}\":")).unwrap();
        assert!(
            line.starts_with("{\"hits.e\":")
                && at("hits.e") < at("hit.x")
                && at("hit.x") < at("hit"),
            "{line}"
        );
        assert_eq!(row["hit.x"], row["hit"]["x"]);
    }
    let hits = ok(&["dump", &alltypes("zlib"), "-e", ":50", "-b", "hits"]);
    for (a, b) in out.lines().zip(hits.lines()) {
        let a: Value = serde_json::from_str(a).unwrap();
        let b: Value = serde_json::from_str(b).unwrap();
        let e: Vec<Value> = b["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["e"].clone())
            .collect();
        assert_eq!(a["hits.e"], Value::Array(e));
    }
}

// ---------------------------------------------------------------------------------------------
// names and errors
// ---------------------------------------------------------------------------------------------

#[test]
fn a_file_with_one_rntuple_needs_no_name() {
    let named = ok(&["dump", &format!("{}:Events;1", nano_rntuple()), "-e", ":3"]);
    assert_eq!(named.lines().count(), 3);
    assert_eq!(ok(&["dump", &nano_rntuple(), "-e", ":3"]), named);
    assert!(ok(&["schema", &nano_rntuple()]).starts_with("rntuple   Events "));
}

#[test]
fn bad_names_suggest_the_nearest() {
    let err = user_error(&["schema", &format!("{}:Evnts", nano_rntuple())]);
    assert!(
        err.contains("RNTuple 'Evnts' not found") && err.contains("did you mean 'Events'"),
        "{err}"
    );
    let err = user_error(&["show", &format!("{}:zzz", alltypes("zstd"))]);
    assert!(
        err.contains("the RNTuples in this file are: ntuple"),
        "{err}"
    );
    let err = user_error(&["dump", &format!("{}:Events;3", nano_rntuple())]);
    assert!(
        err.contains("'Events' has no cycle 3; its cycles are 1"),
        "{err}"
    );
    let err = user_error(&["dump", &nano_rntuple(), "-b", "Muon_ptt"]);
    assert!(
        err.contains("field 'Muon_ptt' not found") && err.contains("did you mean 'Muon_pt'"),
        "{err}"
    );
    let err = user_error(&["show", &alltypes("zstd"), "-b", "hit.xx"]);
    assert!(
        err.contains("field 'hit.xx' not found") && err.contains("'hit.x'"),
        "{err}"
    );
    let err = user_error(&["dump", &nano_rntuple(), "-b", "Electorn_*"]);
    assert!(err.contains("'Electorn_*'"), "{err}");
    // Something that is neither a TTree nor an RNTuple says what it is.
    let err = user_error(&["dump", &format!("{}:hpx", fixture("dirs_cycles.root"))]);
    assert!(
        err.contains("'hpx' is a TH1D, not a TTree or RNTuple"),
        "{err}"
    );
}

#[test]
fn help_mentions_rntuples() {
    for cmd in ["ls", "schema", "show", "dump"] {
        let out = ok(&[cmd, "--help"]);
        assert!(out.contains("RNTuple"), "{cmd} --help:\n{out}");
        assert!(out.contains("Examples:"), "{cmd} --help:\n{out}");
    }
    assert!(ok(&["--help"]).contains("TTree or an RNTuple"));
}

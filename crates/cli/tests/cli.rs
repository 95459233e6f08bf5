//! The `hepframe` binary run against the rootio fixtures: output, exit codes and error lines.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rootio/tests/fixtures")
}

fn fixture(name: &str) -> String {
    fixtures().join(name).to_string_lossy().into_owned()
}

/// A ROOT 5 file whose only branch is an unsplit object hepframe cannot decode yet.
fn unsupported_tree() -> String {
    format!("{}:ND280Events", fixture("legacy/uproot-issue443.root"))
}

/// A ROOT 5 tree where 110 split members have `fEntries = 0` (no data), among readable ones.
fn partly_empty_tree() -> String {
    format!("{}:DstTree", fixture("legacy/uproot-issue327.root"))
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

fn expected_alltypes() -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected/alltypes.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Exact comparison of a dumped value with an expected one. `single`: the branch holds `f32`,
/// which dump prints in its shortest `f32` form while the expected file has the `f64` widening.
fn same(got: &Value, want: &Value, single: bool) -> bool {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            if let (Some(a), Some(b)) = (g.as_i64(), w.as_i64()) {
                return a == b;
            }
            if let (Some(a), Some(b)) = (g.as_u64(), w.as_u64()) {
                return a == b;
            }
            match (g.as_f64(), w.as_f64()) {
                (Some(a), Some(b)) if single => (a as f32).to_bits() == (b as f32).to_bits(),
                (Some(a), Some(b)) => a.to_bits() == b.to_bits() || (a == 0.0 && b == 0.0),
                _ => false,
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(a, b)| same(a, b, single))
        }
        _ => got == want,
    }
}

fn is_single(ty: &str) -> bool {
    ty.contains("Float_t") || ty.contains("Float16_t") || ty.contains("float")
}

/// Check dumped JSON lines for entries `first..` against the expected values, every branch.
fn check_dump_lines(lines: &[&str], first: usize) {
    let expected = expected_alltypes();
    let branches = expected["trees"]["Events"]["branches"].as_object().unwrap();
    for (k, line) in lines.iter().enumerate() {
        let row: Value = serde_json::from_str(line).unwrap();
        let row = row.as_object().unwrap();
        assert_eq!(row.len(), branches.len());
        for (name, b) in branches {
            let want = &b["values"][first + k];
            let ty = b["type"].as_str().unwrap();
            // `m[2][3]` prints as 2 lists of 3; the expected values are flat.
            let flat;
            let got = if ty.contains("][") {
                let rows = row[name].as_array().unwrap();
                assert!(rows.iter().all(|r| r.is_array()), "{name}: {}", row[name]);
                flat = Value::Array(
                    rows.iter()
                        .flat_map(|r| r.as_array().unwrap().clone())
                        .collect(),
                );
                &flat
            } else {
                &row[name]
            };
            assert!(
                same(got, want, is_single(ty)),
                "entry {} {name} ({ty}): {got} vs {want}",
                first + k
            );
        }
    }
}

#[test]
fn ls_lists_keys_classes_cycles_and_directories() {
    let out = ok(&["ls", &fixture("dirs_cycles.root")]);
    let first = out.lines().next().unwrap();
    assert!(
        first.contains("ROOT 6.40/00") && first.contains("zlib level 1"),
        "{first}"
    );
    for needle in [
        "Events;1",
        "Events;2",
        "hpx;1",
        "TH1D",
        "dir1/",
        "dir1/dir2/",
        "T2;1",
        "note;1",
    ] {
        assert!(out.contains(needle), "missing {needle}:\n{out}");
    }
    let line = |start: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap()
    };
    assert!(line("Events;2").contains("20 entries"));
    assert!(line("Events;1").contains("10 entries"));
    assert!(line("T2;1").starts_with("    T2;1"), "T2 is indented twice");
    assert!(line("T2;1").contains("7 entries"));
}

/// A file whose keys have titles with newlines, tabs and an escape sequence, written with
/// rootio's writer into a fresh directory; returns its path.
fn file_with_multiline_titles() -> std::path::PathBuf {
    use rootio::write::{Axis, BranchLayout, BranchSpec, FileWriter, TreeOptions, TreeWriter, TH1};
    use rootio::{Array, PrimitiveType};
    let dir = std::env::temp_dir().join(format!("hepframe-cli-titles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("titles.root");
    let mut file = FileWriter::create(&path, Default::default()).unwrap();
    let h = TH1::new(
        "hpt",
        "muon p_{T}\nafter cuts\tand\r\u{1b}[31m red",
        Axis::regular(2, 0.0, 1.0),
        vec![0.0; 4],
    );
    file.write_object("hpt", &h).unwrap();
    let plain = TH1::new(
        "h2",
        "plain title",
        Axis::regular(2, 0.0, 1.0),
        vec![0.0; 4],
    );
    file.write_object("h2", &plain).unwrap();
    let mut tree = TreeWriter::new(
        "Events",
        vec![BranchSpec::new(
            "x",
            BranchLayout::Scalar(PrimitiveType::F64),
        )],
        TreeOptions {
            title: "two\nlines".into(),
            ..Default::default()
        },
    )
    .unwrap();
    tree.append(&mut file, &[Array::F64(vec![1.0, 2.0, 3.0])])
        .unwrap();
    tree.finish(&mut file).unwrap();
    file.close().unwrap();
    path
}

#[test]
fn ls_prints_titles_on_one_line() {
    let path = file_with_multiline_titles();
    let out = ok(&["ls", path.to_str().unwrap()]);
    let lines: Vec<&str> = out.lines().collect();
    // The header, then one line per key.
    assert_eq!(lines.len(), 4, "{out}");
    let line = |name: &str| *lines.iter().find(|l| l.starts_with(name)).unwrap();
    assert!(
        line("hpt;1").ends_with(r"muon p_{T}\nafter cuts\tand\r\u{1b}[31m red"),
        "{out}"
    );
    assert!(
        line("Events;1").ends_with(r"3 entries  two\nlines"),
        "{out}"
    );
    assert!(!out.contains(['\t', '\r', '\u{1b}']), "{out:?}");
    // The columns stay aligned: every title starts at the same place.
    let starts: Vec<usize> = ["hpt;1", "h2;1", "Events;1"]
        .iter()
        .map(|k| {
            let l = line(k);
            let title = ["muon", "plain", "two"]
                .iter()
                .find_map(|t| l.find(t))
                .unwrap();
            l[..title].chars().count()
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{starts:?}\n{out}");
    // `schema` prints the tree's title on its line too.
    let out = ok(&["schema", &format!("{}:Events", path.display())]);
    assert!(
        out.lines().next().unwrap().ends_with(r#""two\nlines""#),
        "{out}"
    );
    std::fs::remove_dir_all(path.parent().unwrap()).ok();
}

#[test]
fn ls_one_directory() {
    let out = ok(&["ls", &format!("{}:dir1/dir2", fixture("dirs_cycles.root"))]);
    assert!(out.contains("T2;1"));
    assert!(!out.contains("Events"));
}

#[test]
fn ls_shows_compression_of_each_fixture() {
    for (file, text) in [
        ("alltypes_none.root", "uncompressed"),
        ("alltypes_lzma.root", "lzma level 7"),
        ("alltypes_lz4.root", "lz4 level 4"),
        ("alltypes_zstd.root", "zstd level 5"),
        ("alltypes_cs.root", "legacy CS level 1"),
    ] {
        let out = ok(&["ls", &fixture(file)]);
        assert!(out.lines().next().unwrap().ends_with(text), "{file}: {out}");
    }
}

#[test]
fn schema_lists_branches_types_and_compression() {
    let out = ok(&[
        "schema",
        &format!("{}:Events", fixture("alltypes_zlib.root")),
    ]);
    assert!(out.contains("entries   1000"), "{out}");
    assert!(out.contains("clusters  1: [0, 1000)"), "{out}");
    let muon = out
        .lines()
        .find(|l| l.starts_with("Muon_pt "))
        .expect("Muon_pt row");
    assert!(muon.contains("Float_t[nMuon]"), "{muon}");
    assert!(muon.contains("zlib"), "{muon}");
    assert!(out
        .lines()
        .any(|l| l.starts_with("vvf ") && l.contains("vector<vector<")));
    assert!(out
        .lines()
        .last()
        .unwrap()
        .starts_with("total (34 branches)"));
}

#[test]
fn schema_detects_each_algorithm_and_embedded_baskets() {
    for (file, algo) in [
        ("alltypes_lzma.root", "lzma"),
        ("alltypes_lz4.root", "lz4"),
        ("alltypes_zstd.root", "zstd"),
        ("alltypes_cs.root", "legacy CS"),
        ("embedded.root", "embedded"),
    ] {
        let out = ok(&["schema", &fixture(file)]);
        assert!(
            out.lines().any(|l| l.contains(&format!(" {algo}"))),
            "{file}:\n{out}"
        );
    }
    let out = ok(&["schema", &fixture("alltypes_none.root")]);
    let row = out.lines().find(|l| l.starts_with("Muon_pt ")).unwrap();
    assert!(row.contains(" none"), "{row}");
}

/// `n` bytes as `schema` prints them (`human_bytes`): `532 B`, `3.4 KiB`.
fn kib(n: u64) -> String {
    if n < 1024 {
        format!("{n} B")
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}

/// The `compressed` and `uncompressed` cells of a `schema` row.
fn schema_sizes(out: &str, row_start: &str) -> (String, String) {
    let row = out
        .lines()
        .find(|l| l.trim_start().starts_with(row_start))
        .unwrap_or_else(|| panic!("no row {row_start}:\n{out}"));
    // branch, type, baskets, then "N unit" twice.
    let cells: Vec<&str> = row.split_whitespace().collect();
    let at = cells
        .iter()
        .position(|c| *c == "B" || c.ends_with("iB"))
        .expect("a size")
        - 1;
    (
        format!("{} {}", cells[at], cells[at + 1]),
        format!("{} {}", cells[at + 2], cells[at + 3]),
    )
}

/// Baskets embedded in the TTree record are counted in `schema`'s sizes (ROOT's fZipBytes and
/// fTotBytes, and uproot's `compressed_bytes`/`uncompressed_bytes`, leave them out).
///
/// Expected bytes, from uproot 5.7.7 (`~/peers`): per branch, uproot's `compressed_bytes` /
/// `uncompressed_bytes` (the baskets on disk) plus, for each of `branch.embedded_baskets`,
/// `fLast + (4 + 4 * (fNevBuf + 1) if basket.byte_offsets is not None else 0)` — what ROOT
/// adds to its totals when it writes a basket (`fObjlen + fKeylen`: buffer, then the
/// count-prefixed entry offsets; checked on alltypes_zlib.root's Muon_pt basket 0:
/// 1120 + 4 + 4 * 124 = 76 + 1544):
///
/// ```python
/// import uproot
/// t = uproot.open("embedded.root")["Events"]
/// for b in t.branches:
///     e = sum(x.member("fLast") + (4 + 4 * (x.member("fNevBuf") + 1)
///             if x.byte_offsets is not None else 0) for x in b.embedded_baskets)
///     print(b.name, b.compressed_bytes + e, b.uncompressed_bytes + e)
/// ```
#[test]
fn schema_counts_embedded_baskets() {
    // embedded.root: a memory-resident tree, every basket embedded, uproot's totals all 0.
    let out = ok(&["schema", &fixture("embedded.root")]);
    for (branch, bytes) in [
        ("x ", 3480),
        ("nMuon ", 1748),
        ("Muon_pt ", 5388),
        ("v ", 8858),
        ("total ", 19474),
    ] {
        assert_eq!(
            schema_sizes(&out, branch),
            (kib(bytes), kib(bytes)),
            "{branch}:\n{out}"
        );
    }
    // Stored raw: the ratio is 1.
    let x = out.lines().find(|l| l.starts_with("x ")).unwrap();
    assert!(x.contains(" 1.00 ") && x.contains("embedded"), "{x}");
    // A branch with a basket on disk and one embedded (ROOT 5): uproot gives 14096 / 15359
    // for the one on disk; the embedded one (19 entries, fLast 2183) adds 2267.
    let out = ok(&["schema", &partly_empty_tree()]);
    assert_eq!(
        schema_sizes(&out, "fTracks.fP[3] "),
        (kib(14096 + 2267), kib(15359 + 2267)),
        "{out}"
    );
}

#[test]
fn schema_explains_split_and_unsupported_branches() {
    let out = ok(&["schema", &fixture("split_objects.root")]);
    assert!(out.contains("split object: data in"), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("    trk.best.x")),
        "nested branches are indented"
    );
    let out = ok(&["schema", &unsupported_tree()]);
    assert!(out.contains("unsupported: "), "{out}");
}

#[test]
fn show_prints_a_table() {
    let target = format!("{}:Events", fixture("alltypes_zlib.root"));
    let out = ok(&[
        "show",
        &target,
        "-n",
        "3",
        "--branches",
        "nMuon,Muon_pt",
        "-b",
        "F",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["entry", "nMuon", "Muon_pt", "F"],
        "the order of --branches, not tree order"
    );
    assert!(lines[2].contains("[10.2406, 36.9867"), "{out}");
    assert!(lines[2].trim_start().starts_with('1'));
    assert!(lines[4].contains("997 more entries"), "{out}");
}

#[test]
fn show_transposes_wide_tables() {
    let target = format!("{}:Events", fixture("alltypes_zlib.root"));
    let out = ok(&["show", &target, "-n", "2", "--entries", "1:"]);
    assert!(out.starts_with("entry 1\n"), "{out}");
    assert!(out.contains("\nentry 2\n"));
    assert!(out
        .lines()
        .any(|l| l.trim_start().starts_with("Muon_charge") && l.contains("[-1, 1, -1")));
    assert!(
        out.lines().all(|l| l.chars().count() <= 120),
        "lines fit the terminal"
    );
}

#[test]
fn show_warns_about_skipped_branches_unless_quiet() {
    let target = partly_empty_tree();
    let o = run(&["show", &target, "-n", "1"]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert_eq!(
        err.lines().count(),
        1,
        "many skipped branches make one line: {err}"
    );
    assert!(
        err.starts_with("hepframe: warning: skipping 108 branches that cannot be read"),
        "{err}"
    );
    let o = run(&["show", &target, "-n", "1", "-b", "fTracks.fMCFl*,fRunNo"]);
    let err = stderr(&o);
    assert!(
        err.contains("skipping branch 'fTracks.fMCFlags': it holds 0 of the tree's 98 entries"),
        "{err}"
    );
    ok(&["-q", "show", &target, "-n", "1"]);
    ok(&["show", "--quiet", &target, "-n", "1"]);
}

#[test]
fn dump_jsonl_matches_expected_values() {
    let target = format!("{}:Events", fixture("alltypes_zlib.root"));
    let out = ok(&["dump", &target, "--entries", ":20"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 20);
    check_dump_lines(&lines, 0);
}

#[test]
fn dump_every_compression_reads_the_same() {
    for file in [
        "alltypes_none.root",
        "alltypes_lzma.root",
        "alltypes_lz4.root",
        "alltypes_zstd.root",
        "alltypes_cs.root",
    ] {
        let out = ok(&["--threads", "2", "dump", &fixture(file), "-e", "990:"]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 10, "{file}");
        check_dump_lines(&lines, 990);
    }
}

#[test]
fn dump_entry_range() {
    let target = format!("{}:Events", fixture("alltypes_zlib.root"));
    let out = ok(&["dump", &target, "--entries", "5:7"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    check_dump_lines(&lines, 5);
    assert_eq!(
        ok(&["dump", &target, "--entries", "998:5000"])
            .lines()
            .count(),
        2
    );
    assert_eq!(ok(&["dump", &target, "--entries", "5000:"]), "");
    assert_eq!(ok(&["dump", &target, "-e", "7"]).lines().count(), 1);
}

/// The keys of a dumped JSON line, in the order they are written (serde_json's `Map` would
/// sort them).
fn json_keys(line: &str) -> Vec<String> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(k) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(k);
            }
            Ok(keys)
        }
    }
    serde_json::Deserializer::from_str(line)
        .deserialize_map(Keys)
        .unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[test]
fn dump_selected_branches_keep_argument_order() {
    let target = format!("{}:Events", fixture("alltypes_zlib.root"));
    let keys = |args: &[&str]| {
        let mut all = vec!["dump", &target, "-e", ":1"];
        all.extend_from_slice(args);
        let out = ok(&all);
        json_keys(out.trim())
    };
    // A glob expands in tree order, at its own place among the patterns.
    assert_eq!(
        keys(&["-b", "Muon_*", "-b", "{nJet,o}"]),
        ["Muon_pt", "Muon_charge", "o", "nJet"]
    );
    assert_eq!(keys(&["-b", "str,nMuon,B,o"]), ["str", "nMuon", "B", "o"]);
    // A column named again keeps its first place.
    assert_eq!(
        keys(&["-b", "Muon_charge,Muon_*,o,Muon_charge"]),
        ["Muon_charge", "Muon_pt", "o"]
    );
    // CSV headers follow the same order.
    let csv = ok(&[
        "dump", &target, "-e", ":1", "--format", "csv", "-b", "nJet,o",
    ]);
    assert_eq!(csv.lines().next(), Some("nJet,o"), "{csv}");
    // A parent branch expands to its data branches, in tree order, at its place.
    let out = ok(&[
        "dump",
        &fixture("split_objects.root"),
        "-e",
        ":1",
        "-b",
        "trk.best,hits,trk.pt,hits.id",
    ]);
    assert_eq!(
        json_keys(out.trim()),
        [
            "trk.best.x",
            "trk.best.id",
            "trk.best.e",
            "trk.best.w",
            "hits",
            "hits.x",
            "hits.id",
            "hits.e",
            "hits.w",
            "trk.pt"
        ],
        "{out}"
    );
    // RNTuple fields and sub-fields likewise.
    let out = ok(&[
        "dump",
        &fixture("rntuple/rntuple_alltypes_zlib.root"),
        "-e",
        ":1",
        "-b",
        "hits.e,f3*,hit.x,i32,f32",
    ]);
    assert_eq!(
        json_keys(out.trim()),
        ["hits.e", "f32", "hit.x", "i32"],
        "{out}"
    );
}

#[test]
fn dump_csv() {
    let target = format!("{}:Events", fixture("alltypes_zlib.root"));
    let out = ok(&[
        "dump",
        &target,
        "--format",
        "csv",
        "-b",
        "nMuon,Muon_pt,str,o",
        "-e",
        ":3",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "nMuon,Muon_pt,str,o", "the order of --branches");
    assert_eq!(lines[1], "0,[],,false");
    assert!(
        lines[2].starts_with("6,\"[10.240626,36.986744,12.753352,") && lines[2].ends_with(",true"),
        "{}",
        lines[2]
    );
    assert_eq!(lines.len(), 4);
}

#[test]
fn cycles_and_directories_in_targets() {
    let f = fixture("dirs_cycles.root");
    assert_eq!(ok(&["dump", &format!("{f}:Events;1")]).lines().count(), 10);
    assert_eq!(ok(&["dump", &format!("{f}:Events")]).lines().count(), 20);
    assert_eq!(ok(&["dump", &format!("{f}:Events;2")]).lines().count(), 20);
    assert_eq!(
        ok(&["dump", &format!("{f}:dir1/dir2/T2")]).lines().count(),
        7
    );
    assert!(ok(&["schema", &format!("{f}:Events;1")]).contains("entries   10"));
}

#[test]
fn several_trees_need_a_name() {
    let err = user_error(&["schema", &fixture("dirs_cycles.root")]);
    assert!(
        err.contains("Events") && err.contains("dir1/T1") && err.contains("dir1/dir2/T2"),
        "{err}"
    );
    let out = ok(&["dump", &fixture("alltypes_zlib.root"), "-e", ":1"]);
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn file_names_with_colons() {
    let dir = std::env::temp_dir().join(format!("hepframe-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("run:1.root");
    std::fs::copy(fixtures().join("dirs_cycles.root"), &path).unwrap();
    let p = path.to_string_lossy().into_owned();
    let out = ok(&["ls", &p]);
    assert!(out.contains("Events;2"));
    assert_eq!(ok(&["dump", &format!("{p}:Events;1")]).lines().count(), 10);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_file_is_one_error_line() {
    let err = user_error(&["ls", "/no/such/file.root"]);
    assert!(
        err.contains("/no/such/file.root") && err.contains("cannot read file"),
        "{err}"
    );
    user_error(&["dump", "/no/such/file.root:Events"]);
}

#[test]
fn not_a_root_file() {
    let toml = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let err = user_error(&["ls", &toml.to_string_lossy()]);
    assert!(err.contains("not a ROOT file"), "{err}");
}

#[test]
fn unknown_tree_suggests_the_nearest() {
    let err = user_error(&[
        "schema",
        &format!("{}:Evnts", fixture("alltypes_zlib.root")),
    ]);
    assert!(
        err.contains("tree 'Evnts' not found") && err.contains("did you mean 'Events'"),
        "{err}"
    );
    let err = user_error(&["show", &format!("{}:T2", fixture("dirs_cycles.root"))]);
    assert!(err.contains("'dir1/dir2/T2'"), "{err}");
    let err = user_error(&["show", &format!("{}:zzz", fixture("dirs_cycles.root"))]);
    assert!(err.contains("the trees in this file are"), "{err}");
}

#[test]
fn wrong_cycles_list_the_cycles() {
    let f = fixture("dirs_cycles.root");
    let err = user_error(&["dump", &format!("{f}:Events;7")]);
    assert!(
        err.contains("'Events' has no cycle 7; its cycles are 2, 1"),
        "{err}"
    );
    let err = user_error(&["dump", &format!("{f}:Events;x")]);
    assert!(err.contains("must be a number"), "{err}");
}

#[test]
fn non_tree_objects_say_what_they_are() {
    let err = user_error(&["dump", &format!("{}:hpx", fixture("dirs_cycles.root"))]);
    assert!(err.contains("TH1D") && err.contains("not a TTree"), "{err}");
    let err = user_error(&["ls", &format!("{}:hpx", fixture("dirs_cycles.root"))]);
    assert!(err.contains("'hpx' is a TH1D, not a directory"), "{err}");
}

#[test]
fn unknown_branch_suggests_the_nearest() {
    let target = format!("{}:Events", fixture("alltypes_zlib.root"));
    let err = user_error(&["dump", &target, "--branches", "Muon_ptt"]);
    assert!(
        err.contains("branch 'Muon_ptt' not found") && err.contains("'Muon_pt'"),
        "{err}"
    );
    let err = user_error(&["show", &target, "--branches", "nMuon,Electron_*"]);
    assert!(err.contains("'Electron_*'"), "{err}");
    let err = user_error(&["show", &target, "--branches", "[x"]);
    assert!(err.contains("invalid branch pattern"), "{err}");
}

#[test]
fn a_parent_branch_selects_its_children() {
    let out = ok(&[
        "dump",
        &fixture("split_objects.root"),
        "-e",
        ":1",
        "-b",
        "trk.best,hits",
    ]);
    let row: Value = serde_json::from_str(out.trim()).unwrap();
    let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
    assert!(keys.iter().any(|k| k.as_str() == "trk.best.x"), "{keys:?}");
    assert!(keys.iter().any(|k| k.as_str() == "hits.id"), "{keys:?}");
    assert!(!keys.iter().any(|k| k.as_str() == "trk.pt"), "{keys:?}");
    // Children without data are skipped, not an error, when selected through their parent.
    let out = ok(&[
        "-q",
        "dump",
        &partly_empty_tree(),
        "-e",
        ":1",
        "-b",
        "fTracks",
    ]);
    let row: Value = serde_json::from_str(out.trim()).unwrap();
    let row = row.as_object().unwrap();
    assert!(row.contains_key("fTracks.fP[3]") && !row.contains_key("fTracks.fMCFlags"));
}

#[test]
fn unsupported_branch_named_exactly_is_an_error() {
    let err = user_error(&["dump", &unsupported_tree(), "-b", "ND280Event"]);
    assert!(
        err.contains("unsupported") && err.contains("ND280Event"),
        "{err}"
    );
    // Selected by default, it leaves nothing to read: also an error.
    let err = user_error(&["dump", &unsupported_tree()]);
    assert!(
        err.contains("none of the selected branches can be read"),
        "{err}"
    );
    // A member without entries, named exactly, is read and reports why it fails.
    let err = user_error(&["dump", &partly_empty_tree(), "-b", "fTracks.fMCFlags"]);
    assert!(err.contains("fTracks.fMCFlags"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["dump"],
        vec!["frobnicate"],
        vec!["dump", "x.root:Events", "--format", "xml"],
        vec!["dump", "x.root:Events", "--entries", "-5:"],
        vec!["dump", "x.root:Events", "--entries=:-5"],
        vec!["dump", "x.root:Events", "--entries", "9:3"],
        vec!["show", "x.root:Events", "-n", "lots"],
        vec!["--threads", "-1", "ls", "x.root"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
    let o = run(&["dump", "x.root:Events", "--entries=-5:"]);
    assert!(stderr(&o).contains("negative"), "{}", stderr(&o));
}

#[test]
fn help_everywhere() {
    for cmd in [
        vec!["--help"],
        vec!["ls", "--help"],
        vec!["schema", "--help"],
        vec!["show", "--help"],
        vec!["dump", "--help"],
        vec!["completions", "--help"],
    ] {
        let out = ok(&cmd);
        assert!(out.contains("Examples:"), "{cmd:?}:\n{out}");
    }
    assert!(ok(&["--version"]).starts_with("hepframe "));
}

#[test]
fn closed_pipe_is_quiet() {
    let target = format!("{}:Events", fixture("alltypes_zlib.root"));
    let mut child = hepframe()
        .args(["dump", &target])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert!(line.starts_with("{\"o\":false,"), "{line}");
    // The reader is dropped here: the rest of the output goes to a closed pipe.
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

#[test]
fn completions() {
    let out = ok(&["completions", "bash"]);
    assert!(out.contains("_hepframe") && out.contains("schema"), "{out}");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        assert!(!ok(&["completions", shell]).is_empty());
    }
}

#[test]
fn branches_with_brackets_in_their_names_are_selected_as_written() {
    // `arr.pg[3]` would be a glob character class; a name that exists is taken as written.
    let path = format!("{}:t", fixture("split_members.root"));
    let out = ok(&["dump", &path, "-e", "0:1", "-b", "arr.pg[3],arr.fixed[2]"]);
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(v["arr.pg[3]"].as_array().unwrap().len(), 3, "{out}");
    assert_eq!(v["arr.fixed[2]"][1]["y"], 2.0, "{out}");
    // Globs still work.
    let out = ok(&["dump", &path, "-e", "0:1", "-b", "arr.p*"]);
    assert!(
        out.contains("\"arr.pg[3]\"") && out.contains("\"arr.primary\""),
        "{out}"
    );
}

#[test]
fn branches_sharing_a_name_are_printed_by_path() {
    let path = format!("{}:t", fixture("split_members.root"));
    let out = ok(&["dump", &path, "-e", "3:4", "-b", "n"]);
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(v["info1/n"], 9, "{out}");
    assert_eq!(v["info2/n"], -3, "{out}");
    let out = ok(&["dump", &path, "-e", "3:4", "-b", "info2/n"]);
    assert_eq!(out.trim(), "{\"info2/n\":-3}");
}

#[test]
fn multidimensional_arrays_show_and_dump_nested() {
    let path = format!("{}:Events", fixture("alltypes_zlib.root"));
    let out = ok(&["dump", &path, "-e", "0:1", "-b", "m"]);
    assert_eq!(
        out.trim(),
        "{\"m\":[[-810.614,-1277.741,-323.745],[1845.464,157.081,-90.333]]}"
    );
    let out = ok(&["show", &path, "-n", "1", "-b", "m"]);
    assert!(
        out.contains("[[-810.614, -1277.74, -323.745], [1845."),
        "{out}"
    );
}

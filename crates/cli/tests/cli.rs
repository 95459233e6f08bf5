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
            let got = &row[name];
            let ty = b["type"].as_str().unwrap();
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
        ["entry", "F", "nMuon", "Muon_pt"],
        "tree order, not argument order"
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

#[test]
fn dump_selected_branches_keep_tree_order() {
    let target = format!("{}:Events", fixture("alltypes_zlib.root"));
    let out = ok(&[
        "dump", &target, "-e", ":1", "-b", "Muon_*", "-b", "{nJet,o}",
    ]);
    let keys: Vec<&str> = out
        .trim()
        .trim_matches(['{', '}'])
        .split(',')
        .map(|kv| kv.split(':').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["\"o\"", "\"Muon_pt\"", "\"Muon_charge\"", "\"nJet\""],
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
    assert_eq!(lines[0], "o,nMuon,Muon_pt,str");
    assert_eq!(lines[1], "false,0,[],");
    assert!(
        lines[2].starts_with("true,6,\"[10.240626,36.986744,12.753352,"),
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

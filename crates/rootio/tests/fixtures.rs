//! Every tree of every fixture reads back exactly the values its generating script wrote.
//!
//! Fixtures written by ROOT 6.40 (`fixtures/make_fixtures.py`) and by older ROOT versions
//! (`fixtures/legacy/`, expected values from uproot via `legacy/make_expected.py`).

mod common;

use rootio::{ReadOptions, RootFile};
use serde_json::Value;

fn run(dir: &str) {
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for case in common::cases(dir) {
        let name = case.file.file_name().unwrap().to_string_lossy().to_string();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&case.expected).unwrap()).unwrap();
        let file = match RootFile::open(&case.file) {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("{name}: open: {e}"));
                continue;
            }
        };
        for (tree_path, t) in expected["trees"].as_object().unwrap() {
            let tree = match file.tree(tree_path) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(format!("{name}:{tree_path}: {e}"));
                    continue;
                }
            };
            let want_entries = t["entries"].as_u64().unwrap();
            if tree.entries != want_entries {
                failures.push(format!(
                    "{name}:{tree_path}: {} entries, want {want_entries}",
                    tree.entries
                ));
            }
            if let Some(clusters) = t.get("clusters").and_then(|c| c.as_array()) {
                let got: Vec<(u64, u64)> =
                    tree.clusters().iter().map(|r| (r.start, r.end)).collect();
                let want: Vec<(u64, u64)> = clusters
                    .iter()
                    .map(|c| (c[0].as_u64().unwrap(), c[1].as_u64().unwrap()))
                    .collect();
                if got != want {
                    failures.push(format!(
                        "{name}:{tree_path}: clusters {got:?}, want {want:?}"
                    ));
                }
            }
            let limit = t
                .get("entries_checked")
                .and_then(|v| v.as_u64())
                .unwrap_or(want_entries);
            for (bname, b) in t["branches"].as_object().unwrap() {
                // The parent branch of a split object holds no data of its own.
                if let Ok(br) = tree.branch(bname) {
                    if !br.children.is_empty() && !br.has_data() {
                        continue;
                    }
                }
                let Some(values) = b["values"].as_array() else {
                    // Very large branches are described by head, tail and sum.
                    check_summary(&tree, bname, b, &mut failures, &name);
                    continue;
                };
                for threads in [1, 2] {
                    let col = match tree.read_branches(&[bname], 0..limit, &ReadOptions { threads })
                    {
                        Ok(mut c) => c.remove(0),
                        Err(e) => {
                            failures.push(format!("{name}:{tree_path}:{bname}: {e}"));
                            break;
                        }
                    };
                    if col.len() != values.len() {
                        failures.push(format!(
                            "{name}:{tree_path}:{bname}: {} entries read, want {}",
                            col.len(),
                            values.len()
                        ));
                        break;
                    }
                    if let Some(msg) = values
                        .iter()
                        .enumerate()
                        .find_map(|(i, v)| common::check(&col, i, v).err())
                    {
                        failures.push(format!("{name}:{tree_path}:{bname} ({}): {msg}", b["type"]));
                        break;
                    }
                    checked += 1;
                }
            }
        }
    }
    eprintln!(
        "{checked} branch reads checked, {} failures",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn root_640_fixtures_read_back_exactly() {
    run("");
}

#[test]
fn legacy_fixtures_read_back_exactly() {
    run("legacy");
}

fn check_summary(
    tree: &rootio::Tree,
    bname: &str,
    b: &Value,
    failures: &mut Vec<String>,
    name: &str,
) {
    let col = match tree.read_branches(&[bname], 0..tree.entries, &ReadOptions { threads: 2 }) {
        Ok(mut c) => c.remove(0),
        Err(e) => return failures.push(format!("{name}:{bname}: {e}")),
    };
    let n = col.len();
    let head = b["head"].as_array().unwrap();
    let tail = b["tail"].as_array().unwrap();
    for (i, v) in head.iter().enumerate() {
        if let Err(m) = common::check(&col, i, v) {
            return failures.push(format!("{name}:{bname}: {m}"));
        }
    }
    for (k, v) in tail.iter().enumerate() {
        if let Err(m) = common::check(&col, n - tail.len() + k, v) {
            return failures.push(format!("{name}:{bname}: {m}"));
        }
    }
    if let (rootio::Array::F32(v), Some(sum)) = (&col, b["sum"].as_f64()) {
        let got: f64 = v.iter().map(|x| *x as f64).sum();
        if (got - sum).abs() > 1e-9 * sum.abs().max(1.0) {
            failures.push(format!("{name}:{bname}: sum {got}, want {sum}"));
        }
    }
}

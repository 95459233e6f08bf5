//! `hepframe ls FILE[:DIR]`: the file header and every key, directory by directory.
//!
//! Keys show `name;cycle`, their class and title, and TTrees and RNTuples (`ROOT::RNTuple`
//! anchors) their entry count. Names, classes and titles come from the file and may hold
//! newlines, tabs or terminal escapes: these are printed escaped (`\n`), one key per line. Directories show their full path (`dir1/dir2/`) so that it can
//! be pasted into a `FILE:DIR/NAME` target, and their contents are indented below them.
//!
//! A directory that cannot be read, or a TTree or RNTuple whose metadata is damaged, is
//! reported on its own line and the listing goes on: `ls` is the first thing to run on a
//! suspicious file.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Result};
use rootio::directory::Directory;
use rootio::key::Key;
use rootio::rntuple::ANCHOR_CLASS;
use rootio::RootFile;

use crate::format::{compression_setting, human_bytes, one_line, pad, truncate};
use crate::target::{Target, TREE_CLASSES};

/// Directories nested deeper than this are not listed (a loop guard for damaged files).
const MAX_DEPTH: usize = 64;

/// One line of the listing.
struct Row {
    depth: usize,
    label: String,
    class: String,
    info: String,
    title: String,
}

/// List `arg` (a file, or `FILE:DIR` for one directory) to `out`.
pub fn run(arg: &str, out: &mut dyn Write) -> Result<()> {
    let target = Target::parse(arg);
    let file = RootFile::open(&target.file)?;
    let top = match target.tree.as_deref() {
        None => file.top().clone(),
        Some(dir) => open_directory(&file, dir)?,
    };
    writeln!(out, "{}", header_line(&file))?;
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    walk(&file, &top, 0, &mut seen, &mut rows);
    if rows.is_empty() {
        writeln!(out, "(no keys)")?;
        return Ok(());
    }
    print_rows(&rows, out)
}

/// `file.root: ROOT 6.40/00, 123456 bytes (120.6 KiB), zlib level 1`.
fn header_line(file: &RootFile) -> String {
    let h = file.header();
    let size = file.source().len();
    format!(
        "{}: ROOT {}, {size} bytes ({}), {}",
        file.path().display(),
        h.version_string(),
        human_bytes(i64::try_from(size).unwrap_or(i64::MAX)),
        compression_setting(h.compress),
    )
}

/// The directory at `path` (`dir1/dir2`, cycles allowed).
fn open_directory(file: &RootFile, path: &str) -> Result<Directory> {
    let path = path.trim_matches('/');
    let key = file.key(path)?;
    if !key.is_directory() {
        let shown = file.path().display().to_string();
        let hint = if TREE_CLASSES.contains(&key.class_name.as_str()) {
            format!("; `hepframe schema {shown}:{path}` describes a tree")
        } else if key.class_name == ANCHOR_CLASS {
            format!("; `hepframe schema {shown}:{path}` describes an RNTuple")
        } else {
            String::new()
        };
        return Err(anyhow!(
            "{shown}: '{path}' is a {}, not a directory{hint}",
            key.class_name
        ));
    }
    let parent = Path::new(path)
        .parent()
        .map(|p| p.to_string_lossy().into_owned());
    Ok(file.subdirectory(parent.as_deref().unwrap_or(""), &key)?)
}

fn walk(
    file: &RootFile,
    dir: &Directory,
    depth: usize,
    seen: &mut HashSet<u64>,
    rows: &mut Vec<Row>,
) {
    for key in &dir.keys {
        rows.push(key_row(file, dir, key, depth));
        if !key.is_directory() || !seen.insert(key.seek_key) {
            continue;
        }
        if depth + 1 > MAX_DEPTH {
            rows.push(error_row(
                depth + 1,
                "directories nested too deeply; not listed",
            ));
            continue;
        }
        match file.subdirectory(&dir.path, key) {
            Ok(sub) => walk(file, &sub, depth + 1, seen, rows),
            Err(e) => rows.push(error_row(
                depth + 1,
                &format!("cannot read directory: {}", e.kind),
            )),
        }
    }
}

fn key_row(file: &RootFile, dir: &Directory, key: &Key, depth: usize) -> Row {
    let label = if key.is_directory() {
        // Directories show their full path, ready to use in FILE:DIR/TREE.
        let cycle = if key.cycle == 1 {
            String::new()
        } else {
            format!(";{}", key.cycle)
        };
        format!("{}{cycle}/", one_line(&join(&dir.path, &key.name)))
    } else {
        format!("{};{}", one_line(&key.name), key.cycle)
    };
    let path = format!("{};{}", join(&dir.path, &key.name), key.cycle);
    let entries = if TREE_CLASSES.contains(&key.class_name.as_str()) {
        Some(file.tree(&path).map(|t| t.entries))
    } else if key.class_name == ANCHOR_CLASS {
        Some(file.rntuple(&path).map(|r| r.entries))
    } else {
        None
    };
    let info = match entries {
        Some(Ok(1)) => "1 entry".to_string(),
        Some(Ok(n)) => format!("{n} entries"),
        Some(Err(e)) => format!("(unreadable: {})", truncate(&e.kind.to_string(), 60)),
        None => String::new(),
    };
    Row {
        depth,
        label,
        class: one_line(&key.class_name),
        info: one_line(&info),
        title: one_line(&key.title),
    }
}

/// `dir/name`, or `name` at the top.
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn error_row(depth: usize, message: &str) -> Row {
    Row {
        depth,
        label: "!".into(),
        class: String::new(),
        info: one_line(message),
        title: String::new(),
    }
}

fn print_rows(rows: &[Row], out: &mut dyn Write) -> Result<()> {
    let label_w = rows
        .iter()
        .map(|r| 2 * r.depth + r.label.chars().count())
        .max()
        .unwrap_or(0);
    let class_w = rows
        .iter()
        .map(|r| r.class.chars().count())
        .max()
        .unwrap_or(0);
    let info_w = rows
        .iter()
        .map(|r| r.info.chars().count())
        .max()
        .unwrap_or(0);
    for r in rows {
        let label = format!("{}{}", "  ".repeat(r.depth), r.label);
        let mut line = format!(
            "{}  {}",
            pad(&label, label_w, false),
            pad(&r.class, class_w, false)
        );
        if info_w > 0 {
            line.push_str("  ");
            line.push_str(&pad(&r.info, info_w, false));
        }
        if !r.title.is_empty() {
            line.push_str("  ");
            line.push_str(&truncate(&r.title, 80));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

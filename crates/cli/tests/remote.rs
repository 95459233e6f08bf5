//! Every fixture through a real XRootD server on 127.0.0.1 (`scripts/xrootd_server.sh`), over
//! `root://` and over its HTTP plugin: `ls`, `dump` of every tree and RNTuple and `show` of every
//! histogram print exactly what they print for the local file, and an ADL query run on a URL
//! (also over `roots://` and `https://`, with the server's test CA) writes the same histograms. Without xrootd the test skips, unless HEPFRAME_REQUIRE_REMOTE=1
//! (CI), where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running server, stopped when dropped (also when a test fails).
struct Server {
    root: String,
    http: String,
    run: String,
    /// The test CA of the server's certificate (roots:// and https:// on the same ports).
    ca: Option<String>,
}

impl Server {
    fn start(dir: &Path) -> Option<Server> {
        let has_xrootd = Command::new("sh")
            .args(["-c", "command -v xrootd"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !has_xrootd {
            assert!(
                std::env::var("HEPFRAME_REQUIRE_REMOTE").as_deref() != Ok("1"),
                "xrootd is not installed (bash scripts/xrootd_server.sh install)"
            );
            eprintln!("skipped: no xrootd");
            return None;
        }
        let out = Command::new("bash")
            .arg(repo().join("scripts/xrootd_server.sh"))
            .arg("start")
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let var = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .unwrap()
                .to_string()
        };
        Some(Server {
            root: var("HEPFRAME_XROOTD_URL"),
            http: var("HEPFRAME_HTTP_URL"),
            run: var("HEPFRAME_XROOTD_RUN"),
            ca: text
                .lines()
                .find_map(|l| l.strip_prefix("export HEPFRAME_XROOTD_CA="))
                .map(str::to_string),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(repo().join("scripts/xrootd_server.sh"))
            .args(["stop", &self.run])
            .output();
    }
}

fn hepframe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hepframe"))
        .args(args)
        .env_remove("X509_CERT_DIR")
        .output()
        .unwrap()
}

/// The trees, RNTuples and histograms `hepframe ls` lists, with their full paths.
fn objects(ls: &str) -> Vec<(String, &'static str)> {
    let mut dirs: Vec<(usize, String)> = Vec::new();
    let mut out = Vec::new();
    for line in ls.lines().skip(1) {
        let indent = line.len() - line.trim_start().len();
        let mut parts = line.split_whitespace();
        let (Some(name), Some(class)) = (parts.next(), parts.next()) else {
            continue;
        };
        dirs.retain(|(i, _)| *i < indent);
        if name.ends_with('/') {
            dirs.push((indent, name.to_string()));
            continue;
        }
        let prefix = dirs.last().map_or(String::new(), |(_, d)| d.clone());
        let kind = match class {
            "TTree" | "RNTuple" | "ROOT::RNTuple" => "dump",
            c if c.starts_with("TH1") || c.starts_with("TH2") || c.starts_with("TProfile") => {
                "show"
            }
            _ => continue,
        };
        out.push((format!("{prefix}{name}"), kind));
    }
    out
}

#[test]
fn every_fixture_reads_the_same_over_root_and_http() {
    let fixtures = repo().join("crates/rootio/tests/fixtures");
    let Some(server) = Server::start(&fixtures) else {
        return;
    };
    let mut files = Vec::new();
    let mut stack = vec![fixtures.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "root") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 40, "{} fixtures", files.len());
    let mut compared = 0;
    for f in &files {
        let rel = f
            .strip_prefix(&fixtures)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let local = f.to_string_lossy().into_owned();
        let ls = hepframe(&["ls", &local]);
        let ls_text = String::from_utf8_lossy(&ls.stdout).into_owned();
        for base in [&server.root, &server.http] {
            let url = format!("{base}{rel}");
            let remote = hepframe(&["ls", &url]);
            assert_eq!(remote.status.code(), ls.status.code(), "ls {url}");
            // The first line names the file.
            let body = |t: &[u8]| {
                String::from_utf8_lossy(t)
                    .lines()
                    .skip(1)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_eq!(body(&remote.stdout), body(&ls.stdout), "ls {url}");
            for (object, how) in objects(&ls_text) {
                let here = hepframe(&[how, &format!("{local}:{object}")]);
                let there = hepframe(&[how, &format!("{url}:{object}")]);
                assert_eq!(
                    there.status.code(),
                    here.status.code(),
                    "{how} {url}:{object}"
                );
                assert!(
                    there.stdout == here.stdout,
                    "{how} {url}:{object} differs from the local file"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 50, "only {compared} objects compared");
}

#[test]
fn an_adl_query_over_urls_writes_the_same_histograms() {
    let data = repo().join("examples/data");
    let Some(server) = Server::start(&data) else {
        return;
    };
    let tmp = std::env::temp_dir().join(format!("hepframe-remote-cli-{}", std::process::id()));
    let q = repo().join("examples/adl/q8.toml");
    let run = |threads: &str, input: &str, out: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hepframe"));
        // roots:// and https:// trust the test CA as a grid machine's CAs: by X509_CERT_DIR.
        match &server.ca {
            Some(ca) => cmd.env("X509_CERT_DIR", ca),
            None => cmd.env_remove("X509_CERT_DIR"),
        };
        let o = cmd
            .args([
                "--threads",
                threads,
                "-q",
                "run",
                &q.to_string_lossy(),
                "--input",
                input,
                "--output",
                &tmp.join(out).to_string_lossy(),
                "-v",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let said =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        let hists = std::fs::read_to_string(tmp.join(out).join("histograms.json")).unwrap();
        (hists, said)
    };
    // The number of requests of the event loop, from `run -v`.
    let requests = |said: &str| -> u64 {
        let line = said
            .lines()
            .find(|l| l.starts_with("read ") && l.contains(" request"))
            .unwrap_or_else(|| panic!("no IO line in {said}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|w| w.starts_with("request")).unwrap();
        words[at - 1].parse().unwrap()
    };
    let (local, _) = run("1", &data.join("nano_10k.root").to_string_lossy(), "local");
    let mut protocols = vec![(server.root.clone(), "root"), (server.http.clone(), "http")];
    if server.ca.is_some() {
        protocols.push((server.root.replacen("root://", "roots://", 1), "roots"));
        protocols.push((server.http.replacen("http://", "https://", 1), "https"));
    } else {
        assert!(
            std::env::var("HEPFRAME_REQUIRE_REMOTE").as_deref() != Ok("1"),
            "the server has no TLS (openssl missing?)"
        );
    }
    for (base, name) in &protocols {
        let url = format!("{base}nano_10k.root");
        let (hists, said) = run("1", &url, name);
        assert_eq!(hists, local, "{name}");
        // One thread reads ahead: the whole loop in one request (the file is 2 MB).
        assert_eq!(requests(&said), 1, "{name}: {said}");
        let (hists, _) = run("2", &url, &format!("{name}-2"));
        assert_eq!(hists, local, "{name}, 2 threads");
    }
    let missing = hepframe(&["ls", &format!("{}missing.root", server.root)]);
    assert_eq!(missing.status.code(), Some(1));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("missing.root") && err.contains("kXR_NotFound"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(tmp);
}

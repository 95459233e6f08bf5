//! `report.html`: self-contained (nothing loaded from elsewhere), every PNG embedded byte for
//! byte, the cut-flow with its names escaped, warnings for non-finite values, balanced tags.

use std::path::PathBuf;

use base64::Engine as _;
use engine::{run, write_outputs_of, Analysis, RunOptions};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The tags of `html` open and close in order (void elements and `<!DOCTYPE>` aside).
fn assert_balanced(html: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("unterminated tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if ["meta", "img", "br", "hr"].contains(&name.as_str()) {
            continue;
        }
        if tag.starts_with('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "</{name}>");
        } else {
            stack.push(name.clone());
            if name == "script" || name == "style" {
                // Their text is not markup: skip to the end tag.
                let close = format!("</{name}>");
                let end = rest.find(&close).expect("unclosed script/style");
                rest = &rest[end + close.len()..];
                stack.pop();
            }
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn report_is_self_contained_and_shows_every_plot_and_cut() {
    let text = std::fs::read_to_string(repo().join("examples/dimuon.toml")).unwrap();
    let text = text.replace(
        "name = \"opposite charge\"",
        "name = \"opposite <charge> & 'sign'\"",
    ) + "\n[[histogram]]\nname = \"log_of_negative\"\nvalue = \"log(-MET_pt)\"\nbins = 10\nlow = 0\nhigh = 1\n";
    let a = Analysis::from_toml(&text, Some(&repo().join("examples/dimuon.toml"))).unwrap();
    let r = run(&a, &RunOptions::default()).unwrap();
    let out = std::env::temp_dir().join(format!("hepframe-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    write_outputs_of(Some(&a), &r, &out).unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_balanced(&html);
    // Nothing from elsewhere: no URL, no src or href but data: URIs.
    for bad in ["http://", "https://", "src=\"/", "href="] {
        assert!(!html.contains(bad), "{bad}");
    }
    // Every PNG, byte for byte.
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), 2);
    assert_eq!(html.matches("<img ").count(), pngs.len());
    for p in &pngs {
        let encoded = base64::engine::general_purpose::STANDARD.encode(std::fs::read(p).unwrap());
        assert!(
            html.contains(&format!("data:image/png;base64,{encoded}\"")),
            "{}",
            p.display()
        );
    }
    // The cut-flow, its names escaped; the numbers of the run.
    assert!(html.contains("opposite &lt;charge&gt; &amp; &#39;sign&#39;"));
    assert!(!html.contains("<charge>"));
    let cf = r.cutflow();
    for c in &cf.cuts {
        assert!(
            html.contains(&format!("<td>{}</td>", c.passed)),
            "{}",
            c.name
        );
    }
    assert!(html.contains(&format!("{} entries from 1 file", r.entries)));
    // The non-finite values are a warning naming the histogram.
    assert!(html.contains("id=\"warnings\""));
    let (_, n) = r.nonfinite()[0];
    assert!(n > 100, "{n}");
    assert!(html.contains(&format!(
        "<code>log_of_negative</code>: {n} non-finite values"
    )));
    let _ = std::fs::remove_dir_all(&out);
}

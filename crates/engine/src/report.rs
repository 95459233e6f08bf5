//! `report.html`: one self-contained page per run — what ran on what, how long it took, what
//! went wrong (non-finite values), the cut-flow of every sample with weighted yields, the
//! counts, sums and means, and every plot — that can be mailed or put on a web page. The PNGs
//! are embedded as `data:` URIs and the few lines of script (click a column head to sort a
//! table) are inline: the page loads nothing from anywhere.

use std::fmt::Write as _;
use std::path::Path;

use base64::Engine as _;

use crate::error::{EngineError, Result};
use crate::results::{CutFlow, Results, Stat};

/// Write `DIR/report.html` for `results`, embedding the PNGs already in `dir`.
pub(crate) fn write_report(title: &str, results: &Results, dir: &Path) -> Result<()> {
    // Every plot once: its PNG, or its SVG when the run wrote no PNGs.
    let images: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let of = |ext: &str| -> Vec<std::path::PathBuf> {
        images
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .cloned()
            .collect()
    };
    let mut pngs = of("png");
    let mut mime = "image/png";
    if pngs.is_empty() {
        pngs = of("svg");
        mime = "image/svg+xml";
    }
    pngs.sort();
    let mut plots = Vec::with_capacity(pngs.len());
    for p in &pngs {
        let bytes = std::fs::read(p).map_err(io(p))?;
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        plots.push((
            name,
            base64::engine::general_purpose::STANDARD.encode(bytes),
        ));
    }
    let html = render(title, results, &plots, mime);
    let path = dir.join("report.html");
    std::fs::write(&path, html).map_err(io(&path))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> EngineError {
    let path = path.to_path_buf();
    move |source| EngineError::Write {
        path: path.clone(),
        source,
    }
}

/// Text made safe for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.2em .8em;border-bottom:1px solid #eee;\
text-align:right}th{cursor:pointer;background:#f4f4f4}td:first-child,th:first-child{text-align:left}\
.warn{background:#fff4e0;border-left:4px solid #e8a33d;padding:.5em 1em}\
figure{display:inline-block;margin:.5em}figcaption{font-size:.9em;text-align:center}\
img{max-width:100%}code{font-size:.95em}";

/// Sort a table by a column when its head is clicked (numbers as numbers), again to reverse.
const SCRIPT: &str = "document.querySelectorAll('table.sortable th').forEach(function(th,i){\
th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],\
r=Array.from(b.rows),up=th.dataset.dir!=='up';th.dataset.dir=up?'up':'down';\
r.sort(function(a,c){var x=a.cells[i].dataset.v||a.cells[i].textContent,\
y=c.cells[i].dataset.v||c.cells[i].textContent,p=parseFloat(x),q=parseFloat(y);\
var d=(!isNaN(p)&&!isNaN(q))?p-q:x.localeCompare(y);return up?d:-d;});\
r.forEach(function(x){b.appendChild(x);});});});";

fn render(title: &str, r: &Results, plots: &[(String, String)], mime: &str) -> String {
    let mut h = String::new();
    let title = if title.is_empty() {
        "hepframe run"
    } else {
        title
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{t}</title><style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n",
        t = esc(title)
    );
    // The run.
    let _ =
        writeln!(
        h,
        "<p>{} entries from {} file{} in {:.3} s ({:.0} entries/s); {} bytes of {} branch{} read \
         in {} request{}. Written by hepframe {}.</p>",
        r.entries,
        r.files.len(),
        if r.files.len() == 1 { "" } else { "s" },
        r.seconds,
        if r.seconds > 0.0 { r.entries as f64 / r.seconds } else { 0.0 },
        r.bytes_read,
        r.branches.len(),
        if r.branches.len() == 1 { "" } else { "es" },
        r.read_requests,
        if r.read_requests == 1 { "" } else { "s" },
        env!("CARGO_PKG_VERSION"),
    );
    // Warnings.
    let nonfinite = r.nonfinite();
    if !nonfinite.is_empty() {
        h.push_str("<div class=\"warn\" id=\"warnings\"><b>Warnings</b><ul>\n");
        for (name, n) in nonfinite {
            let _ = writeln!(
                h,
                "<li>histogram <code>{}</code>: {n} non-finite value{} (NaN or ±inf, counted in a \
                 flow bin as ROOT does)</li>",
                esc(name),
                if n == 1 { "" } else { "s" }
            );
        }
        h.push_str("</ul></div>\n");
    }
    // Cut-flows.
    h.push_str("<h2 id=\"cutflow\">Cut-flow</h2>\n");
    for cf in &r.cutflows {
        cutflow_table(&mut h, cf, r.cutflows.len() > 1);
    }
    // Samples.
    if r.samples.len() > 1 || r.samples.iter().any(|s| !s.key.is_empty()) {
        h.push_str(
            "<h2 id=\"samples\">Samples</h2>\n<table class=\"sortable\"><thead><tr><th>sample</th>\
             <th>entries</th><th>normalisation</th><th>files</th></tr></thead><tbody>\n",
        );
        for s in &r.samples {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.key),
                s.entries,
                s.norm,
                s.files.len()
            );
        }
        h.push_str("</tbody></table>\n");
    }
    // Counts, sums, means.
    let stats: Vec<_> = r
        .stats
        .iter()
        .filter_map(|(name, s)| match s {
            Stat::Count(n) => Some((name, "count", n.to_string())),
            Stat::Sum(v) => Some((name, "sum", v.to_string())),
            Stat::Mean(v) => Some((name, "mean", v.to_string())),
            Stat::Take(_) => None,
        })
        .collect();
    if !stats.is_empty() {
        h.push_str(
            "<h2 id=\"stats\">Counts, sums and means</h2>\n<table class=\"sortable\"><thead><tr>\
             <th>name</th><th>kind</th><th>value</th></tr></thead><tbody>\n",
        );
        for (name, kind, value) in stats {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{kind}</td><td>{value}</td></tr>",
                esc(name)
            );
        }
        h.push_str("</tbody></table>\n");
    }
    // Plots.
    if !plots.is_empty() {
        h.push_str("<h2 id=\"plots\">Plots</h2>\n");
        for (name, data) in plots {
            let _ = writeln!(
                h,
                "<figure><img src=\"data:{mime};base64,{data}\" alt=\"{n}\" width=\"640\">\
                 <figcaption>{n}</figcaption></figure>",
                n = esc(name)
            );
        }
    }
    // Inputs.
    h.push_str("<h2 id=\"inputs\">Inputs</h2>\n<ul>\n");
    for f in &r.files {
        let _ = writeln!(h, "<li><code>{}</code></li>", esc(&f.display().to_string()));
    }
    let _ = write!(
        h,
        "</ul>\n<p>Branches read: {}.</p>\n<script>{SCRIPT}</script>\n</body></html>\n",
        r.branches
            .iter()
            .map(|b| format!("<code>{}</code>", esc(b)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    h
}

/// One sample's cut-flow: events and their fraction of all and of the cut before, and with
/// weights the yield ± its statistical error.
fn cutflow_table(h: &mut String, cf: &CutFlow, named: bool) {
    if named {
        let _ = writeln!(h, "<h3>{}</h3>", esc(&cf.sample));
    }
    let _ = writeln!(
        h,
        "<table class=\"sortable\"><thead><tr><th>cut</th><th>events</th><th>of all</th>\
         <th>of previous</th>{}</tr></thead><tbody>",
        if cf.weighted {
            "<th>weighted yield</th>"
        } else {
            ""
        }
    );
    let pct = |n: u64, of: u64| {
        if of == 0 {
            "–".to_string()
        } else {
            format!("{:.2}%", 100.0 * n as f64 / of as f64)
        }
    };
    let yield_cell = |sumw: f64, sumw2: f64| {
        if cf.weighted {
            format!(
                "<td data-v=\"{sumw}\">{:.4} ± {:.4}</td>",
                sumw,
                sumw2.max(0.0).sqrt()
            )
        } else {
            String::new()
        }
    };
    let _ = writeln!(
        h,
        "<tr><td>(all events)</td><td>{}</td><td>100.00%</td><td></td>{}</tr>",
        cf.total,
        yield_cell(cf.total_sumw, cf.total_sumw2)
    );
    for c in &cf.cuts {
        let before = c
            .after
            .and_then(|i| cf.cuts.get(i))
            .map_or(cf.total, |p| p.passed);
        let depth = {
            let mut d = 0;
            let mut at = c.after;
            while let Some(i) = at {
                d += 1;
                at = cf.cuts.get(i).and_then(|p| p.after);
                if d > cf.cuts.len() {
                    break;
                }
            }
            d
        };
        let _ = writeln!(
            h,
            "<tr><td style=\"padding-left:{}em\">{}</td><td>{}</td><td>{}</td><td>{}</td>{}</tr>",
            0.8 + depth as f64,
            esc(&c.name),
            c.passed,
            pct(c.passed, cf.total),
            pct(c.passed, before),
            yield_cell(c.sumw, c.sumw2)
        );
    }
    h.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<b>\"a\" & 'b'</b>"),
            "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;"
        );
    }
}

//! Output names of histograms: one per histogram × sample × universe, from a template
//! (`{histogram}_{sample}_{variation}` by default, as the AGC names them:
//! `4j1b_ttbar_pt_scale_up`). Names must be unique; a template that makes two equal is an error
//! before any event is read.

use crate::analysis::{Analysis, SampleSum};
use crate::error::{EngineError, Origin, Result};
use crate::plan::PlannedSample;

/// The default template.
pub const DEFAULT_TEMPLATE: &str = "{histogram}_{sample}_{variation}";

const PLACEHOLDERS: [&str; 4] = ["{histogram}", "{region}", "{sample}", "{variation}"];

/// Fill a template. A `None` sample (an analysis without samples) or variation (nominal)
/// removes its placeholder together with the separator before it.
pub fn render(
    template: &str,
    histogram: &str,
    sample: Option<&str>,
    variation: Option<&str>,
) -> String {
    let mut out = template
        .replace("{histogram}", histogram)
        .replace("{region}", histogram);
    for (ph, value) in [("{sample}", sample), ("{variation}", variation)] {
        match value {
            Some(v) => out = out.replace(ph, v),
            None => {
                while let Some(i) = out.find(ph) {
                    let start = match out[..i].chars().next_back() {
                        Some(c @ ('_' | '-' | '.' | '/' | ' ' | ':')) => i - c.len_utf8(),
                        _ => i,
                    };
                    out.replace_range(start..i + ph.len(), "");
                }
            }
        }
    }
    out
}

/// The variation part of a name: the sample's own variation and the universe's tag.
fn variation_of(sample_variation: &str, tag: &str) -> Option<String> {
    let parts: Vec<&str> = [sample_variation, tag]
        .into_iter()
        .filter(|p| *p != "nominal" && !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("_"))
}

fn template(a: &Analysis) -> Result<&str> {
    let t = a.histogram_names.as_deref().unwrap_or(DEFAULT_TEMPLATE);
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let end = rest[i..].find('}').map(|e| i + e + 1).unwrap_or(rest.len());
        let ph = &rest[i..end];
        if !PLACEHOLDERS.contains(&ph) {
            return Err(EngineError::Analysis {
                origin: Origin::default(),
                message: format!(
                    "histogram_names '{t}': unknown placeholder '{ph}' (use {{histogram}}, \
                     {{sample}} and {{variation}})"
                ),
            });
        }
        rest = &rest[end..];
    }
    if !t.contains("{histogram}") && !t.contains("{region}") {
        return Err(EngineError::Analysis {
            origin: Origin::default(),
            message: format!("histogram_names '{t}' must contain {{histogram}}"),
        });
    }
    Ok(t)
}

/// The output names of the histograms of `planned`, in layout order (sample by sample,
/// histogram by histogram, universe by universe), checked for collisions together with the
/// sample sums.
pub(crate) fn layout_names(a: &Analysis, planned: &[PlannedSample]) -> Result<Vec<String>> {
    let t = template(a)?;
    let mut names = Vec::new();
    let mut what = Vec::new();
    for ps in planned {
        let s = &ps.sample;
        let sample = (!s.name.is_empty()).then_some(s.name.as_str());
        for (spec, tags) in &ps.histograms {
            let h = &a.histograms[*spec].value.name;
            for tag in tags {
                names.push(render(
                    t,
                    h,
                    sample,
                    variation_of(&s.variation, tag).as_deref(),
                ));
                what.push(format!(
                    "histogram '{h}' of sample '{}' in '{tag}'",
                    if s.name.is_empty() { "-" } else { &s.name }
                ));
            }
        }
    }
    let n_layout = names.len();
    for (name, terms) in sums(a, planned, &names)? {
        what.push(format!("the sum '{name}'"));
        names.push(terms.0);
    }
    // ROOT reads '/' in a key name as a directory and ';' as a cycle: such a name could be
    // written, but not read back by name.
    for (n, w) in names.iter().zip(&what) {
        if n.is_empty() || n.contains(['/', ';']) {
            return Err(EngineError::Analysis {
                origin: Origin::default(),
                message: format!(
                    "{w} would be named '{n}': a histogram name must be non-empty and contain \
                     neither '/' (ROOT's directory separator) nor ';' (its cycle separator)"
                ),
            });
        }
    }
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, n) in names.iter().enumerate() {
        if let Some(j) = seen.insert(n.as_str(), i) {
            return Err(EngineError::Analysis {
                origin: Origin::default(),
                message: format!(
                    "{} and {} would both be named '{n}': make histogram_names ('{t}') tell them \
                     apart, e.g. with {{sample}} and {{variation}}",
                    what[j], what[i]
                ),
            });
        }
    }
    names.truncate(n_layout);
    Ok(names)
}

/// Cut names label the cut-flow and result names key the results: each must be unique (analysis
/// files check theirs when read, pointing at the line; this covers analyses built in code).
pub(crate) fn check_unique_names(a: &Analysis) -> Result<()> {
    let none = Origin::default();
    let cuts = a.nodes.iter().filter_map(|n| match &n.op {
        crate::analysis::NodeOp::Filter(item) => Some(("cuts", &item.name, &item.origin)),
        _ => None,
    });
    let stats = a.stats.iter().map(|s| ("results", &s.name, &none));
    let mut seen = std::collections::HashSet::new();
    for (what, name, origin) in cuts.chain(stats) {
        if !seen.insert((what, name)) {
            return Err(EngineError::Analysis {
                origin: origin.clone(),
                message: format!("there are two {what} named '{name}'"),
            });
        }
    }
    Ok(())
}

/// The file name of a histogram's plot: characters other than letters, digits, `-` and `_`
/// become `_`; the extension is the format's.
pub(crate) fn plot_file(name: &str, format: hist::ImageFormat) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{stem}.{}", format.extension())
}

/// The files a run writes to its output folder: `histograms.json`, `histograms.root`,
/// `cutflow.json`, a PNG per nominal histogram (and sample sum) and one per `[[plot]]`. Two
/// histograms or plots whose PNGs would overwrite each other are an error.
pub(crate) fn output_files(plan: &crate::plan::Plan) -> Result<Vec<String>> {
    let a = &plan.analysis;
    // A logarithmic axis must start above zero (checked here, not when drawing after the loop).
    for h in &a.histograms {
        let first = |b: &crate::analysis::Binning| match b {
            crate::analysis::Binning::Regular { low, .. } => *low,
            crate::analysis::Binning::Variable(e) => e.first().copied().unwrap_or(0.0),
        };
        let mut axes = vec![("x", h.logx, first(&h.binning), "low")];
        if let Some((_, yb)) = &h.y {
            axes.push(("y", h.logy, first(yb), "ylow"));
        }
        for (axis, log, start, key) in axes {
            if log && (start <= 0.0 || start.is_nan()) {
                return Err(EngineError::Analysis {
                    origin: h.origin.clone(),
                    message: format!(
                        "histogram '{}': a logarithmic {axis} axis must start above zero, but                          it starts at {start}: raise {key} (or the first edge), or drop log{axis}",
                        h.value.name
                    ),
                });
            }
        }
    }
    let mut files: Vec<(String, String)> = ["histograms.json", "histograms.root", "cutflow.json"]
        .iter()
        .map(|f| (f.to_string(), String::new()))
        .collect();
    let formats = a.plot_defaults.image_formats();
    let mut k = 0;
    for ps in &plan.samples {
        for (_, tags) in &ps.histograms {
            for tag in tags {
                if let (Some(name), "nominal") = (plan.histogram_names.get(k), tag.as_str()) {
                    for f in &formats {
                        files.push((plot_file(name, *f), format!("histogram '{name}'")));
                    }
                }
                k += 1;
            }
        }
    }
    for (_, (name, _)) in sums(a, &plan.samples, &plan.histogram_names)? {
        for f in &formats {
            files.push((plot_file(&name, *f), format!("histogram '{name}'")));
        }
    }
    for p in &a.plots {
        if p.name.is_empty() || p.name.contains(['/', '\\']) {
            return Err(EngineError::Analysis {
                origin: p.origin.clone(),
                message: format!(
                    "plot '{}': the name becomes a file name in the output folder: no '/' or '\\'",
                    p.name
                ),
            });
        }
        for f in &formats {
            files.push((
                format!("{}.{}", p.name, f.extension()),
                format!("plot '{}'", p.name),
            ));
        }
    }
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (f, what) in &files {
        if let Some(first) = seen.insert(f.as_str(), what.as_str()) {
            return Err(EngineError::Analysis {
                origin: Origin::default(),
                message: format!(
                    "{first} and {what} would both be drawn to '{f}': rename one of them"
                ),
            });
        }
    }
    Ok(files.into_iter().map(|(f, _)| f).collect())
}

/// For every sample sum and histogram: `(sum name, (output name, [(layout index, factor)]))`.
#[allow(clippy::type_complexity)]
pub(crate) fn sums(
    a: &Analysis,
    planned: &[PlannedSample],
    layout: &[String],
) -> Result<Vec<(String, (String, Vec<(usize, f64)>))>> {
    let t = template(a)?;
    // Layout index of the nominal histogram of (sample, spec).
    let mut nominal = std::collections::HashMap::new();
    let mut k = 0;
    for (si, ps) in planned.iter().enumerate() {
        for (spec, tags) in &ps.histograms {
            nominal.insert((si, *spec), k);
            k += tags.len();
        }
    }
    let _ = layout;
    let mut out = Vec::new();
    for SampleSum {
        name,
        terms,
        origin,
    } in &a.sample_sums
    {
        let mut idx = Vec::new();
        for (key, f) in terms {
            let si = planned
                .iter()
                .position(|p| &p.sample.key() == key)
                .ok_or_else(|| EngineError::Analysis {
                    origin: origin.clone(),
                    message: format!(
                        "sample sum '{name}': no sample '{key}' (samples: {})",
                        planned
                            .iter()
                            .map(|p| format!("'{}'", p.sample.key()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })?;
            if !f.is_finite() {
                return Err(EngineError::Analysis {
                    origin: origin.clone(),
                    message: format!("sample sum '{name}': the factor of '{key}' is {f}"),
                });
            }
            idx.push((si, *f));
        }
        if idx.is_empty() {
            return Err(EngineError::Analysis {
                origin: origin.clone(),
                message: format!("sample sum '{name}' has no terms"),
            });
        }
        for (spec, h) in a.histograms.iter().enumerate() {
            let terms = idx
                .iter()
                .filter_map(|(si, f)| nominal.get(&(*si, spec)).map(|k| (*k, *f)))
                .collect();
            out.push((
                name.clone(),
                (render(t, &h.value.name, Some(name), None), terms),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let t = DEFAULT_TEMPLATE;
        assert_eq!(render(t, "4j1b", Some("ttbar"), None), "4j1b_ttbar");
        assert_eq!(
            render(t, "4j1b", Some("ttbar"), Some("pt_scale_up")),
            "4j1b_ttbar_pt_scale_up"
        );
        assert_eq!(render(t, "dimuon_mass", None, None), "dimuon_mass");
        assert_eq!(render(t, "m", None, Some("up")), "m_up");
        assert_eq!(
            render("{sample}/{histogram}/{variation}", "h", Some("s"), None),
            "s/h"
        );
        assert_eq!(variation_of("ME_var", "nominal").as_deref(), Some("ME_var"));
        assert_eq!(variation_of("nominal", "nominal"), None);
        assert_eq!(variation_of("nominal", "up").as_deref(), Some("up"));
    }
}

//! Writing a run's results: `histograms.json` (UHI), `histograms.root` (TH1D/TH2D, for ROOT,
//! RooFit and uproot), `cutflow.json`, one PNG per histogram and `report.html` (all of it on
//! one self-contained page, [`crate::report`]).

use std::path::Path;

use crate::error::{EngineError, Result};
use crate::results::Results;

/// Write `DIR/histograms.json`, `DIR/histograms.root`, `DIR/cutflow.json`, `DIR/<name>.png`
/// and `DIR/report.html`. Everything is first written to a temporary folder in `DIR` and moved into
/// place only when all of it was written: a failure (or Ctrl-C) leaves no half of the outputs.
pub fn write_outputs(results: &Results, dir: &Path) -> Result<()> {
    write_outputs_of(None, results, dir)
}

/// [`write_outputs`] with the analysis's stacked plots (`[[plot]]`).
pub fn write_outputs_of(a: Option<&crate::Analysis>, results: &Results, dir: &Path) -> Result<()> {
    let stage = prepare_dir(dir)?;
    let written = write_all(a, results, &stage).and_then(|()| {
        let mut names: Vec<_> = std::fs::read_dir(&stage)
            .and_then(|d| d.map(|e| e.map(|e| e.file_name())).collect())
            .map_err(io(&stage))?;
        names.sort();
        for n in &names {
            std::fs::rename(stage.join(n), dir.join(n)).map_err(io(&dir.join(n)))?;
        }
        remove_other_formats(dir, &names);
        Ok(())
    });
    rootio::write::temporary::discard(&stage);
    written
}

/// A plot this run wrote in some formats but an earlier run in the same folder wrote in others
/// (`--plot-format svg` after a PNG run): the other formats' files are the earlier run's
/// picture, so they go — the folder then holds one run's plots only.
fn remove_other_formats(dir: &Path, written: &[std::ffi::OsString]) {
    let plot_ext = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .and_then(hist::ImageFormat::from_extension)
    };
    for n in written {
        let path = Path::new(n);
        if plot_ext(path).is_none() {
            continue;
        }
        for format in [
            hist::ImageFormat::Png,
            hist::ImageFormat::Svg,
            hist::ImageFormat::Pdf,
        ] {
            let other = path.with_extension(format.extension());
            if !written.iter().any(|w| Path::new(w) == other) {
                let _ = std::fs::remove_file(dir.join(&other));
            }
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> EngineError {
    let path = path.to_path_buf();
    move |source| EngineError::Write {
        path: path.clone(),
        source,
    }
}

/// Create the output folder and a temporary folder in it (which shows that it is writable):
/// call before the event loop to fail early.
pub fn prepare_dir(dir: &Path) -> Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    rootio::write::temporary::create_dir(dir, "hepframe-outputs").map_err(io(dir))
}

/// Check that the outputs can be written to `dir` (creating it), leaving nothing behind.
pub fn check_dir(dir: &Path) -> Result<()> {
    let stage = prepare_dir(dir)?;
    rootio::write::temporary::discard(&stage);
    Ok(())
}

fn write_all(a: Option<&crate::Analysis>, results: &Results, dir: &Path) -> Result<()> {
    let named: Vec<(&str, &hist::Histogram)> =
        results.histograms.iter().map(|h| (h.name(), h)).collect();
    let hpath = dir.join("histograms.json");
    hist::write_uhi_file(&hpath, &named).map_err(|source| EngineError::Hist {
        name: "histograms.json".into(),
        source,
    })?;
    // The same histograms for ROOT: TH1D/TH2D with flow bins, Σw² for weighted ones, the
    // entry count, titles and axis titles (ZSTD level 5, ROOT's default setting).
    let rpath = dir.join("histograms.root");
    let root_err = |source: rootio::Error| EngineError::Read(source);
    let mut w = rootio::write::FileWriter::create(&rpath, rootio::write::WriteOptions::default())
        .map_err(root_err)?;
    for (h, spec) in results.histograms.iter().zip(&results.specs) {
        let mut r = h.to_root();
        if let hist::RootHistogram::TH1(t) = &mut r {
            t.y_title = spec.ylabel.clone();
        }
        w.write_object(h.name(), &r).map_err(root_err)?;
    }
    w.close().map_err(root_err)?;
    let cpath = dir.join("cutflow.json");
    let flow = |cf: &crate::results::CutFlow| {
        serde_json::json!({
            "sample": cf.sample,
            "total": cf.total,
            "total_sumw": cf.total_sumw,
            "total_sumw2": cf.total_sumw2,
            "cuts": cf.cuts.iter().map(|c| {
                let after = c.after.and_then(|p| cf.cuts.get(p)).map(|p| p.name.clone());
                serde_json::json!({
                    "name": c.name, "passed": c.passed, "after": after,
                    "sumw": c.sumw, "sumw2": c.sumw2,
                })
            }).collect::<Vec<_>>(),
        })
    };
    let first = flow(results.cutflow());
    let cutflow = serde_json::json!({
        "total": first["total"],
        "cuts": first["cuts"],
        "samples": results.cutflows.iter().map(flow).collect::<Vec<_>>(),
        "sample_info": results.samples,
        "nonfinite": results.nonfinite().into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        "entries": results.entries,
        "seconds": results.seconds,
        "files": results.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "branches": results.branches,
        "bytes_read": results.bytes_read,
        "read_requests": results.read_requests,
        "io_wait_seconds": results.io_wait_seconds,
    });
    let text = serde_json::to_string_pretty(&cutflow).unwrap_or_default();
    std::fs::write(&cpath, text).map_err(io(&cpath))?;
    // One plot per nominal histogram (the varied ones are for fits), in every format asked for.
    let defaults = a.map(|a| a.plot_defaults.clone()).unwrap_or_default();
    for ((h, spec), key) in results
        .histograms
        .iter()
        .zip(&results.specs)
        .zip(results.keys.iter().map(Some).chain(std::iter::repeat(None)))
    {
        if key.is_some_and(|k| k.variation != "nominal") {
            continue;
        }
        let config = spec.plot.over(&defaults);
        let opts = plot_options(spec, &config, h.dim());
        for format in config.image_formats() {
            let path = dir.join(crate::naming::plot_file(h.name(), format));
            h.plot(&path, &opts).map_err(|source| EngineError::Hist {
                name: h.name().to_string(),
                source,
            })?;
        }
    }
    if let Some(a) = a {
        crate::plots::draw(a, results, dir)?;
    }
    crate::report::write_report(a.map_or("", |a| a.name.as_str()), results, dir)
}

/// hist's plot options for a booked histogram: its labels and axes, and `config` (the
/// histogram's plot settings over the analysis's). A title or x label that was not given —
/// the histogram's name, the value's expression — is shown as typed, not read as TeX
/// (`Muon_pt` keeps its underscore).
pub(crate) fn plot_options(
    spec: &crate::analysis::HistSpec,
    config: &crate::analysis::PlotConfig,
    dim: usize,
) -> hist::PlotOptions {
    let literal = |given: &str, default: &str| {
        if given == default {
            hist::escape_label(given)
        } else {
            given.to_owned()
        }
    };
    let base = hist::PlotOptions::default();
    hist::PlotOptions {
        title: literal(&spec.title, &spec.value.name),
        x_label: literal(&spec.xlabel, &spec.value.expr),
        // "Events" is the default y title of the ROOT histogram; a 1-D plot says more:
        // "Events / 2 GeV".
        y_label: if dim == 1 && spec.ylabel == "Events" {
            String::new()
        } else {
            match &spec.y {
                Some((y, _)) => literal(&spec.ylabel, &y.expr),
                None => spec.ylabel.clone(),
            }
        },
        z_label: config.zlabel.clone().unwrap_or_default(),
        log_x: spec.logx,
        log_y: spec.logy,
        log_z: config.logz.unwrap_or(false),
        style: config
            .style
            .as_deref()
            .and_then(hist::HistStyle::parse)
            .unwrap_or_default(),
        density: config.density.unwrap_or(false),
        flow: config.flow.unwrap_or(false),
        experiment: config.experiment.clone().unwrap_or_default(),
        status: config.status.clone().unwrap_or_default(),
        lumi: config.lumi_label.clone().unwrap_or_default(),
        width: config.width.unwrap_or(base.width),
        height: config.height.unwrap_or(base.height),
    }
}

//! Samples: the datasets an analysis runs over — data, and simulated processes scaled to the
//! luminosity by their cross section — and the AGC's file manifest.
//!
//! A simulated sample with a cross section σ is scaled by `σ × L / N`, with `L` the analysis's
//! luminosity and `N` one of ([`Normalisation`]):
//! - the entries of the files processed (the default; the AGC's rule, with `N` the manifest's
//!   `nevts` when the sample comes from one);
//! - the sum of an expression over every event, e.g. `genWeight` (computed in the same pass; the
//!   sample's histograms are scaled when it ends);
//! - the sum of a branch of another tree of the same files, NanoAOD's `Runs/genEventSumw`
//!   (read before the event loop).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::Item;
use crate::error::{EngineError, Origin, Result};

/// Data or simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleKind {
    /// Recorded collisions: never scaled, never varied, the event weight is 1.
    Data,
    /// Simulation.
    #[default]
    Mc,
}

/// What a simulated sample's cross section is divided by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Normalisation {
    /// The entries of the files processed.
    Entries,
    /// A given number of generated events (the AGC manifest's `nevts`).
    Events(f64),
    /// The sum of an expression over every event of the sample (e.g. `genWeight`).
    Sum(Item),
    /// The sum of `branch` over the entries of tree `tree` of every file (`Runs/genEventSumw`).
    TreeSum {
        /// The tree (`Runs`).
        tree: String,
        /// The branch (`genEventSumw`).
        branch: String,
    },
}

fn nominal() -> String {
    "nominal".into()
}

/// A dataset of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// The process (`ttbar`, `wjets`, `data`).
    pub name: String,
    /// `nominal`, or the systematic variation this sample stands for (`ME_var`, `scaleup`):
    /// its histograms are named as that variation of the process.
    #[serde(default = "nominal")]
    pub variation: String,
    /// Input files (globs allowed).
    pub files: Vec<PathBuf>,
    /// The tree, when not the analysis's.
    #[serde(default)]
    pub tree: Option<String>,
    /// Data or simulation.
    #[serde(default)]
    pub kind: SampleKind,
    /// Cross section in pb (simulation): scaled by `xsec × lumi / N`.
    #[serde(default)]
    pub xsec: Option<f64>,
    /// What `N` is (default: the entries of the files).
    #[serde(default)]
    pub normalisation: Option<Normalisation>,
    /// The sample's own event weight expression (instead of the analysis's).
    #[serde(default)]
    pub weight: Option<Item>,
    /// Defines for this sample only (e.g. a scale factor of simulation), before the others.
    #[serde(default)]
    pub defines: Vec<Item>,
    /// A certified-luminosity mask (golden JSON) applied to this data sample before any cut.
    #[serde(default)]
    pub lumi_mask: Option<PathBuf>,
    /// Use only the first files (the AGC's `N_FILES_MAX_PER_SAMPLE`).
    #[serde(default)]
    pub max_files: Option<usize>,
    /// Where it was declared.
    #[serde(default)]
    pub origin: Origin,
}

impl Sample {
    /// A simulated sample of `name` with `files`.
    pub fn new(
        name: impl Into<String>,
        files: impl IntoIterator<Item = impl Into<PathBuf>>,
    ) -> Self {
        Sample {
            name: name.into(),
            variation: nominal(),
            files: files.into_iter().map(Into::into).collect(),
            tree: None,
            kind: SampleKind::Mc,
            xsec: None,
            normalisation: None,
            weight: None,
            defines: Vec::new(),
            lumi_mask: None,
            max_files: None,
            origin: Origin::default(),
        }
    }

    /// `process` or `process:variation`, as samples are named in messages and sums.
    pub fn key(&self) -> String {
        if self.variation == "nominal" {
            self.name.clone()
        } else {
            format!("{}:{}", self.name, self.variation)
        }
    }

    /// Whether this sample stands for a systematic variation of its process.
    pub fn is_variation(&self) -> bool {
        self.variation != "nominal"
    }
}

/// Read the AGC's file manifest (`nanoaod_inputs.json`): `{process: {variation: {"files":
/// [{"path", "nevts"}], "nevts_total"}}}`. Relative paths are relative to the manifest's
/// folder. Each (process, variation) becomes a sample with the process's cross section from
/// `xsec` (pb) and `N` = the `nevts` of the files used; the process `data` is data. Only the
/// first `max_files` files of each are used when given.
pub fn read_manifest(
    path: &Path,
    xsec: &BTreeMap<String, f64>,
    max_files: Option<usize>,
    origin: &Origin,
) -> Result<Vec<Sample>> {
    let bad = |message: String| EngineError::Input {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad(format!("cannot read the sample manifest: {e}")))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "not a JSON sample manifest: line {} column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let base = path.parent().unwrap_or(Path::new(""));
    let processes = v
        .as_object()
        .ok_or_else(|| bad("expected {process: {variation: {files: [...]}}}".into()))?;
    let mut out = Vec::new();
    let mut missing_xsec = Vec::new();
    for (process, variations) in processes {
        let variations = variations.as_object().ok_or_else(|| {
            bad(format!(
                "process '{process}': expected {{variation: {{files: [...]}}}}"
            ))
        })?;
        let data = process == "data";
        for (variation, info) in variations {
            let files = info
                .get("files")
                .and_then(|f| f.as_array())
                .ok_or_else(|| bad(format!("{process}/{variation}: no 'files' list")))?;
            let take = max_files.map_or(files.len(), |m| m.min(files.len()));
            let mut paths = Vec::with_capacity(take);
            let mut nevts = 0.0;
            for f in &files[..take] {
                let p = f
                    .get("path")
                    .and_then(|p| p.as_str())
                    .ok_or_else(|| bad(format!("{process}/{variation}: a file has no 'path'")))?;
                let n = f.get("nevts").and_then(|n| n.as_f64()).ok_or_else(|| {
                    bad(format!("{process}/{variation}: file {p} has no 'nevts'"))
                })?;
                nevts += n;
                let p = PathBuf::from(p);
                paths.push(if p.is_absolute() || p.to_string_lossy().contains("://") {
                    p
                } else {
                    base.join(p)
                });
            }
            if paths.is_empty() {
                continue;
            }
            let x = xsec.get(process.as_str()).copied();
            if !data && x.is_none() {
                missing_xsec.push(process.clone());
            }
            out.push(Sample {
                name: process.clone(),
                variation: variation.clone(),
                files: paths,
                tree: None,
                kind: if data {
                    SampleKind::Data
                } else {
                    SampleKind::Mc
                },
                xsec: x,
                normalisation: (!data).then_some(Normalisation::Events(nevts)),
                weight: None,
                defines: Vec::new(),
                lumi_mask: None,
                max_files: None,
                origin: origin.clone(),
            });
        }
    }
    missing_xsec.sort();
    missing_xsec.dedup();
    if !missing_xsec.is_empty() {
        return Err(EngineError::Analysis {
            origin: origin.clone(),
            message: format!(
                "the manifest {} has processes without a cross section: {} (give them in \
                 [xsec], in pb)",
                path.display(),
                missing_xsec.join(", ")
            ),
        });
    }
    if out.is_empty() {
        return Err(bad("the manifest lists no files".into()));
    }
    Ok(out)
}

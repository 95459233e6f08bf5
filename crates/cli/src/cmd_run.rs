//! `hepframe run`: run an analysis file and write its histograms, cut-flow and plots.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use engine::RunOptions;

/// Options of `hepframe run`.
pub struct RunArgs {
    /// Input files or globs replacing the analysis file's.
    pub inputs: Vec<String>,
    /// A sample manifest replacing the analysis file's.
    pub manifest: Option<PathBuf>,
    /// Files per sample.
    pub max_files: Option<usize>,
    /// Output folder.
    pub output: Option<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Entries per work item.
    pub chunk_entries: u64,
    /// No progress bar.
    pub quiet: bool,
    /// Print the IO counters.
    pub verbose: bool,
    /// Image formats of the plots (`--plot-format`), replacing the file's; empty: the file's.
    pub plot_formats: Vec<String>,
    /// Set by a signal handler to stop the run.
    pub cancel: Option<&'static std::sync::atomic::AtomicBool>,
}

/// Run `analysis` and report to `out`.
pub fn run(analysis: &Path, args: &RunArgs, out: &mut impl Write) -> Result<()> {
    let mut a = engine::analysis_file::from_file_with(
        analysis,
        &engine::analysis_file::InputOverrides {
            files: args.inputs.iter().map(PathBuf::from).collect(),
            manifest: args.manifest.clone(),
            max_files_per_sample: args.max_files,
        },
    )?;
    if !args.plot_formats.is_empty() {
        a.plot_defaults.formats = Some(args.plot_formats.clone());
        if let Some(problem) = a.plot_defaults.problem() {
            return Err(anyhow::anyhow!("--plot-format: {problem}"));
        }
    }
    let dir = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&a.name));
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} events ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let progress = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    let options = RunOptions {
        threads: args.threads,
        chunk_entries: args.chunk_entries,
        progress: Some(&progress),
        output_dir: Some(&dir),
        cancel: args.cancel,
        ..Default::default()
    };
    let results = engine::run(&a, &options);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let results = results?;
    let stopped = || {
        args.cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst))
    };
    if stopped() {
        return Err(engine::EngineError::Interrupted.into());
    }
    engine::write_outputs_of(Some(&a), &results, &dir)?;
    for cf in &results.cutflows {
        writeln!(out, "{}", cf.table())?;
    }
    // Warnings, not errors: `--quiet` silences them (the counts stay in cutflow.json).
    for (name, n) in results.nonfinite().into_iter().filter(|_| !args.quiet) {
        eprintln!(
            "hepframe: warning: histogram '{name}': {n} value{} NaN or infinite (a division by \
             zero, sqrt of a negative, min/max/mean of an empty list?); filled into the flow bins \
             as ROOT does, and counted in cutflow.json",
            if n == 1 { " was" } else { "s were" }
        );
    }
    let rate = if results.seconds > 0.0 {
        results.entries as f64 / results.seconds
    } else {
        0.0
    };
    writeln!(
        out,
        "{} events from {} file{} in {:.3} s ({:.0} events/s); wrote {}",
        results.entries,
        results.files.len(),
        if results.files.len() == 1 { "" } else { "s" },
        results.seconds,
        rate,
        dir.display()
    )?;
    if args.verbose {
        writeln!(
            out,
            "read {} bytes of {} branch{} in {} request{}; {:.3} s waiting for remote reads",
            results.bytes_read,
            results.branches.len(),
            if results.branches.len() == 1 {
                ""
            } else {
                "es"
            },
            results.read_requests,
            if results.read_requests == 1 { "" } else { "s" },
            results.io_wait_seconds
        )?;
        let fused = engine::fused_expressions(&a)?;
        if fused.is_empty() {
            writeln!(out, "no expression runs as a fused kernel")?;
        } else {
            writeln!(out, "fused kernels:")?;
            for f in fused {
                writeln!(out, "  {f}")?;
            }
        }
    }
    Ok(())
}

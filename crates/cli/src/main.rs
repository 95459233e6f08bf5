//! `hepframe`: look inside ROOT files from the command line.
//!
//! `ls` lists a file's contents, `schema` describes a tree's branches, `show` prints its first
//! entries as a table and `dump` writes entries as JSON Lines or CSV. Errors are one line on
//! stderr, `hepframe: error: …`, with exit status 1; usage errors exit with 2 (clap's code).
//! A closed output pipe (`hepframe dump … | head`) ends the program quietly with status 0.

mod baskets;
mod cmd_batch;
mod cmd_dump;
mod cmd_ls;
mod cmd_run;
mod cmd_schema;
mod cmd_show;
mod entries;
mod format;
mod interrupt;
mod memory;
mod merge_root;
mod pages;
mod select;
mod show_corrections;
mod show_plottable;
mod suggest;
mod table;
mod target;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use crate::cmd_dump::{DumpFormat, DumpOptions};
use crate::cmd_show::ShowOptions;
use crate::entries::EntrySpec;

const RUN_AFTER_HELP: &str = "\
An analysis file is TOML:

  [analysis]
  tree = \"Events\"
  files = [\"data/nano_10k.root\"]            # relative to the analysis file; globs allowed

  [define]                                  # named values, usable by later expressions
  mass = \"(Muon[0] + Muon[1]).mass\"

  [[cut]]                                   # applied in order; counted in the cut-flow
  name = \"two muons\"
  when = \"nMuon == 2\"

  [[histogram]]
  name = \"dimuon_mass\"
  value = \"mass\"
  bins = 30000
  low = 0.25
  high = 300
  xlabel = \"m_{#mu#mu} [GeV]\"
  logx = true

Expressions: branches (MET_pt), collections (Muon.pt is Muon_pt; Muon[0] is the first muon),
masks (Jet[Jet.pt > 30 && abs(Jet.eta) < 2.4]), reductions (sum, count, any, all, min, max,
mean, argmin, argmax, len), math (abs, sqrt, exp, log, sin, cos, atan2, pow, min, max), four-
vectors (Muon[0] + Muon[1], .mass, .pt, .eta, .phi), delta_r, delta_phi.

Plots: one per histogram, in mplhep's look; labels take TeX (p_{T}, #eta, $E_T^{miss}$).
  [plots]                                   # defaults for every plot of the run
  formats = [\"png\", \"pdf\"]                  # png (default), svg, pdf; or --plot-format
  experiment = \"CMS\"
  status = \"Preliminary\"
  lumi_label = \"59.7 fb^{-1} (13 TeV)\"
  [[histogram]]                             # ... and per histogram:
  plot = { style = \"points\", density = true, flow = true }   # style: step, fill, points
  plot = { logz = true, zlabel = \"Muons\" }                   # 2-D colour scale

Output: DIR/histograms.json (UHI), DIR/histograms.root, DIR/cutflow.json, DIR/NAME.png (and
.svg/.pdf) for each histogram, and DIR/report.html (the whole run on one self-contained page:
cut-flows, plots, inputs, timing, warnings).";

const MAIN_AFTER_HELP: &str = "\
Targets are written FILE:NAME, NAME a TTree or an RNTuple. It may sit in a directory and carry
a cycle number:
  data.root:Events   data.root:dir/Events   data.root:Events;2
Without :NAME, a file with exactly one TTree or RNTuple uses it.
A FILE may be a URL: root://host//path/f.root (XRootD), roots://… (XRootD over TLS),
http://… or https://…; X509_CERT_DIR names CA certificates to trust besides Mozilla's (a
folder of PEM files, as /etc/grid-security/certificates, or one PEM file).

Examples:
  hepframe ls nano.root
  hepframe schema nano.root:Events
  hepframe show nano.root:Events -n 5 --branches 'nMuon,Muon_*'
  hepframe dump nano.root:Events --entries :1000 --format csv > events.csv
  hepframe run examples/dimuon.toml --output out/dimuon
  hepframe plan examples/adl/q5.toml --items-per-file 4 --output plan.json";

/// Look inside ROOT files and run analyses on them: list keys, describe trees, show and dump
/// entries, fill histograms with cuts and a cut-flow.
#[derive(Debug, Parser)]
#[command(name = "hepframe", version, after_help = MAIN_AFTER_HELP)]
struct Cli {
    /// Threads for decompression and decoding (0 = one per core, 1 = no extra threads).
    #[arg(long, global = true, value_name = "N", default_value_t = 0)]
    threads: usize,

    /// Do not print warnings (errors are still printed).
    #[arg(short, long, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run an analysis file: cuts, defines and histograms, in one pass over the input.
    #[command(after_help = RUN_AFTER_HELP)]
    Run {
        /// The analysis file (TOML: [analysis], [define], [[cut]], [[histogram]]).
        analysis: std::path::PathBuf,
        /// Input files or globs; they replace the `files` of the analysis file. Repeatable.
        #[arg(short, long = "input", value_name = "FILE_OR_GLOB")]
        inputs: Vec<String>,
        /// A sample manifest (the AGC's nanoaod_inputs.json format) replacing the analysis
        /// file's samples.
        #[arg(long, value_name = "MANIFEST.json", conflicts_with = "inputs")]
        manifest: Option<std::path::PathBuf>,
        /// Use only the first N files of each sample (the AGC's N_FILES_MAX_PER_SAMPLE).
        #[arg(long, value_name = "N")]
        max_files: Option<usize>,
        /// Where to write histograms.json, cutflow.json, the plots and report.html [default:
        /// output/NAME].
        #[arg(short, long, value_name = "DIR")]
        output: Option<std::path::PathBuf>,
        /// Image formats of the plots, replacing the `formats` of the file's [plots]: png, svg,
        /// pdf, comma-separated [default: png].
        #[arg(long, value_name = "FORMATS", value_delimiter = ',')]
        plot_format: Vec<String>,
        /// Entries per work item (rounded to whole clusters).
        #[arg(long, value_name = "N", default_value_t = engine::DEFAULT_ENTRIES_PER_ITEM)]
        chunk_entries: u64,
        /// Run one work item of this plan (from `hepframe plan`) and write DIR/partial.json.
        #[arg(
            long,
            value_name = "PLAN.json",
            requires = "item",
            conflicts_with = "inputs"
        )]
        plan: Option<std::path::PathBuf>,
        /// The work item of --plan to run (0-based).
        #[arg(long, value_name = "K", requires = "plan")]
        item: Option<usize>,
        /// Also print what was read: bytes, read requests (remote files merge the baskets of a
        /// work item into a few vector reads), and seconds spent waiting for remote reads; and
        /// which expressions run as fused kernels (the fast forms in the README's reference).
        #[arg(short, long)]
        verbose: bool,
    },
    /// Cut an analysis's input into work items for batch jobs (HTCondor, Slurm).
    #[command(
        long_about = "Cut an analysis's input into work items for batch jobs (HTCondor, Slurm).\n\n\
            A work item is a range of whole clusters of one file. The plan (JSON) holds the \
            analysis, the files with their entry counts and the items. Run item K with \
            `hepframe run ANALYSIS --plan PLAN --item K --output part-K`, then combine the \
            parts with `hepframe merge part-* --output DIR`: the result equals a local run's.",
        after_help = "Examples:\n  hepframe plan examples/adl/q5.toml --input 'data/*.root' --items-per-file 4 --output plan.json\n  \
            hepframe run examples/adl/q5.toml --plan plan.json --item 0 --output part-0\n  \
            hepframe merge part-* --output out/q5"
    )]
    Plan {
        /// The analysis file.
        analysis: std::path::PathBuf,
        /// Input files or globs; they replace the `files` of the analysis file. Repeatable.
        #[arg(short, long = "input", value_name = "FILE_OR_GLOB")]
        inputs: Vec<String>,
        /// A sample manifest replacing the analysis file's samples.
        #[arg(long, value_name = "MANIFEST.json", conflicts_with = "inputs")]
        manifest: Option<std::path::PathBuf>,
        /// Use only the first N files of each sample.
        #[arg(long, value_name = "N")]
        max_files: Option<usize>,
        /// Work items per file (cut at cluster boundaries) [default: 1].
        #[arg(long, value_name = "N", conflicts_with = "entries_per_item")]
        items_per_file: Option<usize>,
        /// Or: entries per work item (whole clusters, at least one).
        #[arg(long, value_name = "N")]
        entries_per_item: Option<u64>,
        /// Where to write the plan.
        #[arg(short, long, value_name = "PLAN.json", default_value = "plan.json")]
        output: std::path::PathBuf,
    },
    /// Merge partial results of `hepframe run --item`, or ROOT files (like hadd).
    #[command(
        long_about = "Merge the partial results of `hepframe run --plan P --item K` into the \
            outputs of a whole run (histograms.json, histograms.root, cutflow.json, the \
            plots and report.html), the histograms identical to a local run's. Every work \
            item of the plan must be there exactly once; a missing one is named in the error.\n\n\
            With an --output ending in .root, the inputs are ROOT files and are merged as hadd \
            does: histograms (TH1D/F, TH2D/F) of the same name are added bin by bin with their \
            errors, entries and statistics.",
        after_help = "Examples:\n  hepframe merge part-* --output out/q5\n  hepframe merge parts/*/partial.json --output out/q5\n  \
            hepframe merge --output all.root out-*/histograms.root"
    )]
    Merge {
        /// Part directories (holding partial.json) or partial.json files; or ROOT files.
        #[arg(value_name = "PART", required = true)]
        parts: Vec<std::path::PathBuf>,
        /// Where to write histograms.json, cutflow.json, the plots and report.html; or OUT.root.
        #[arg(short, long, value_name = "DIR|OUT.root")]
        output: std::path::PathBuf,
    },
    /// List every key in a file, directory by directory.
    #[command(
        long_about = "List every key in a file, directory by directory.\n\n\
            The first line gives the ROOT version that wrote the file, its size and its \
            compression setting. Each key shows NAME;CYCLE, its class and its title; TTrees \
            and RNTuples (class ROOT::RNTuple) also show their entry count. A cycle is a \
            saved version of an object: ROOT keeps the last two, and a name without ;CYCLE \
            means the highest.",
        after_help = "Examples:\n  hepframe ls data.root\n  hepframe ls data.root:dir1   (one directory)"
    )]
    Ls {
        /// The ROOT file, or FILE:DIR to list one directory.
        #[arg(value_name = "FILE")]
        file: String,
    },

    /// Describe a TTree or RNTuple: entries, clusters, and every branch's or field's type,
    /// size and compression.
    #[command(
        long_about = "Describe a TTree or RNTuple: entries, clusters, and every branch's or \
            field's type, size and compression.\n\n\
            Sub-branches of split objects are indented under their parent. COMPRESSED and \
            UNCOMPRESSED are ROOT's own totals (fZipBytes, fTotBytes, key headers included) \
            plus the baskets kept inside the tree's metadata, which ROOT stores uncompressed \
            and leaves out of its totals (counted as buffer and entry offsets, as ROOT would \
            count them once written); ALGORITHM is read from \
            the first basket on disk (`none` when ROOT stored it raw, `embedded` when the \
            baskets live inside the tree's metadata). Branches hepframe cannot decode say why \
            in the NOTE column.\n\n\
            For an RNTuple: its cluster groups, and every field with its sub-fields indented \
            (record members, collection items `_0`), its C++ type and alias, its columns \
            (type and encoding, e.g. SplitReal32; alternative representations separated by \
            '|'), and its pages' sizes from the page list.",
        after_help = "Examples:\n  hepframe schema nano.root:Events\n  \
            hepframe schema data.root:dir/Events;2\n  \
            hepframe schema nano_rntuple.root   (its only TTree or RNTuple)"
    )]
    Schema {
        /// FILE:NAME, a TTree or an RNTuple (NAME may be left out if the file has only one).
        #[arg(value_name = "FILE:NAME")]
        target: String,
    },

    /// Print the first entries of a TTree or RNTuple, or the bins of a histogram or the points
    /// of a graph, as a table.
    #[command(
        long_about = "Print the first entries of a TTree or RNTuple, or the bins of a histogram \
            or the points of a graph, as a table.\n\n\
            One row per entry, one column per branch or top-level field; floats show 6 \
            significant digits and long lists are cut with '…'. A table wider than the \
            terminal ($COLUMNS, else 120) is printed as one block per entry instead. Use \
            `dump` for exact values.\n\n\
            A histogram (TH1, TH2, TH3, TProfile, TProfile2D, TProfile3D) prints its class, \
            title, axes, entries and sum of weights, then one row per bin in ROOT's global-bin \
            order (x fastest): the bin range or label on each axis, content and error as ROOT's \
            GetBinContent/GetBinError give them (for a profile the bin mean, and the entries), \
            under- and overflow bins marked. A graph (TGraph, TGraphErrors, TGraphAsymmErrors) \
            prints its points and errors. -n and --entries count bins or points.\n\n\
            A correctionlib file (.json or .json.gz, FILE or FILE:NAME for one correction) \
            prints each correction's inputs in order, its output, and the correction(...) call \
            that evaluates it in an analysis.",
        after_help = "Examples:\n  hepframe show nano.root:Events\n  \
            hepframe show nano.root:Events -n 3 --branches 'nMuon,Muon_*'\n  \
            hepframe show nano.root:Events --entries 1000:   (from entry 1000 on)\n  \
            hepframe show alltypes_rntuple.root:ntuple -b 'hit,hits.e'   (RNTuple fields)\n  \
            hepframe show sf.root:muon/sf_pt_eta -n 500   (a histogram's bins)\n  \
            hepframe show muon_sf.json.gz   (the corrections of a correctionlib file)"
    )]
    Show {
        /// FILE:NAME, a TTree, an RNTuple, a histogram or a graph (NAME may be left out if the
        /// file has only one tree or RNTuple), or a correctionlib file.
        #[arg(value_name = "FILE:NAME")]
        target: String,
        /// Show at most N entries (default 10), or N bins or points of a histogram or graph
        /// (default 100).
        #[arg(short = 'n', long = "max-entries", value_name = "N")]
        n: Option<usize>,
        #[command(flatten)]
        select: SelectArgs,
    },

    /// Write entries as JSON Lines or CSV, with exact values.
    #[command(
        long_about = "Write entries as JSON Lines or CSV, with exact values.\n\n\
            jsonl: one JSON object per entry, keys in the order of --branches (tree order \
            without it). TTrees and RNTuples are \
            written alike: an RNTuple's field gives the same text as the equivalent branch. \
            Floats are printed in the shortest form that reads back to the same float (a \
            Float_t as a float32); NaN and infinities become the strings \"nan\", \"inf\", \
            \"-inf\". Lists become arrays.\n\
            csv: a header row of branch names, then one row per entry; lists are written as \
            their JSON text in one quoted field, e.g. \"[1.5,2.5]\".\n\n\
            The TTree or RNTuple is read a few clusters at a time, so memory stays bounded \
            on large files.",
        after_help = "Examples:\n  hepframe dump nano.root:Events --entries :100 > first100.jsonl\n  \
            hepframe dump nano.root:Events --branches 'run,event,Muon_*' --format csv\n  \
            hepframe dump nano.root:Events | head -1 | python -m json.tool\n  \
            hepframe dump nano_rntuple.root:Events -b 'nMuon,Muon_*'   (an RNTuple)"
    )]
    Dump {
        /// FILE:NAME, a TTree or an RNTuple (NAME may be left out if the file has only one).
        #[arg(value_name = "FILE:NAME")]
        target: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DumpFormat::Jsonl)]
        format: DumpFormat,
        #[command(flatten)]
        select: SelectArgs,
    },

    /// Print a shell completion script.
    #[command(
        long_about = "Print a shell completion script for bash, zsh, fish, powershell or elvish.",
        after_help = "Examples:\n  hepframe completions bash > ~/.local/share/bash-completion/completions/hepframe\n  \
            hepframe completions zsh > ~/.zfunc/_hepframe\n  \
            hepframe completions fish > ~/.config/fish/completions/hepframe.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// Branch and entry selection, shared by `show` and `dump`.
#[derive(Debug, clap::Args)]
struct SelectArgs {
    /// Branches (or RNTuple fields) to read: globs matched against their names,
    /// comma-separated, repeatable (e.g. 'nMuon,Muon_*'); an RNTuple sub-field by its dotted
    /// path ('hit.x'). Columns come in the order given: a glob's matches, or a parent
    /// branch's sub-branches, in tree order at the glob's place; a column matched twice
    /// stays at its first place.
    /// Default: every branch with data, every top-level field, in tree order.
    #[arg(short, long = "branches", value_name = "GLOB,...")]
    branches: Vec<String>,
    /// Entries START:STOP (STOP exclusive; either may be left out: ':100', '50:'), or one
    /// entry number.
    #[arg(short, long, value_name = "START:STOP", allow_hyphen_values = true)]
    entries: Option<EntrySpec>,
}

fn main() -> ExitCode {
    memory::no_huge_pages();
    engine::allocator::keep_freed_memory();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e)
            if matches!(
                e.downcast_ref::<engine::EngineError>(),
                Some(engine::EngineError::Interrupted)
            ) =>
        {
            let _ = writeln!(io::stderr().lock(), "hepframe: {e}");
            ExitCode::from(interrupt::exit_status())
        }
        Err(e) => {
            // Expression errors keep their caret line under the source.
            if let Some(engine::EngineError::Expression {
                origin,
                message,
                caret,
            }) = e.downcast_ref::<engine::EngineError>()
            {
                let _ = writeln!(
                    io::stderr().lock(),
                    "hepframe: error: {origin}: {message}\n{caret}"
                );
            } else {
                let _ = writeln!(io::stderr().lock(), "hepframe: error: {}", one_line(&e));
            }
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // `run` (without --item) stops cooperatively and installs its own handler; every other
    // command stops at once, removing the temporary files of the outputs it was writing.
    if !matches!(cli.command, Command::Run { item: None, .. }) {
        interrupt::install(interrupt::Mode::Immediate);
    }
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    match cli.command {
        Command::Ls { file } => cmd_ls::run(&file, &mut out)?,
        Command::Schema { target } => cmd_schema::run(&target, &mut out)?,
        Command::Show { target, n, select } => {
            let opts = ShowOptions {
                limit: n,
                branches: select.branches,
                entries: select.entries.unwrap_or_default(),
                threads: cli.threads,
                quiet: cli.quiet,
            };
            cmd_show::run(&target, &opts, &mut out)?
        }
        Command::Dump {
            target,
            format,
            select,
        } => {
            let opts = DumpOptions {
                branches: select.branches,
                entries: select.entries.unwrap_or_default(),
                format,
                threads: cli.threads,
                quiet: cli.quiet,
            };
            cmd_dump::run(&target, &opts, &mut out)?
        }
        Command::Run {
            analysis,
            output,
            plan: Some(plan),
            item: Some(item),
            ..
        } => {
            let dir = output.unwrap_or_else(|| std::path::PathBuf::from(format!("part-{item}")));
            cmd_batch::run_item(&analysis, &plan, item, &dir, &mut out)?
        }
        Command::Run {
            analysis,
            inputs,
            manifest,
            max_files,
            output,
            chunk_entries,
            verbose,
            plot_format,
            ..
        } => {
            let opts = cmd_run::RunArgs {
                verbose,
                plot_formats: plot_format,
                inputs,
                manifest,
                max_files,
                output,
                threads: cli.threads,
                chunk_entries,
                quiet: cli.quiet,
                cancel: Some(interrupt::install(interrupt::Mode::Cooperative)),
            };
            cmd_run::run(&analysis, &opts, &mut out)?
        }
        Command::Plan {
            analysis,
            inputs,
            manifest,
            max_files,
            items_per_file,
            entries_per_item,
            output,
        } => cmd_batch::plan(
            &analysis,
            &engine::analysis_file::InputOverrides {
                files: inputs.iter().map(std::path::PathBuf::from).collect(),
                manifest,
                max_files_per_sample: max_files,
            },
            items_per_file,
            entries_per_item,
            &output,
            &mut out,
        )?,
        Command::Merge { parts, output } => {
            if output.extension().is_some_and(|e| e == "root") {
                merge_root::merge(&parts, &output, &mut out)?
            } else {
                cmd_batch::merge(&parts, &output, &mut out)?
            }
        }
        Command::Completions { shell } => {
            // Generators panic on a failed write, so render into memory first.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "hepframe", &mut script);
            out.write_all(&script)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Whether the error is a write to a closed pipe (the reader went away, e.g. `| head`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes on one line, without repeating a cause its parent already quotes.
fn one_line(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg.split_whitespace().collect::<Vec<_>>().join(" ")
}

//! # engine — one-pass analyses over ROOT trees
//!
//! An [`Analysis`] holds defines, named cuts and histograms, written as expressions of the
//! [`expr`] language. [`run`] type-checks them against the tree, reads only the branches they
//! need, splits the input into cluster-aligned entry ranges, and processes the ranges on a
//! thread pool; each range gives a partial result (histograms and cut-flow counts) and the
//! partials merge in range order, so the result does not depend on the number of threads.
//!
//! ```no_run
//! use engine::{Analysis, RunOptions, run};
//! let a = Analysis::new("Events")
//!     .input(["nano.root"])
//!     .filter("nMuon == 2", "two muons")
//!     .filter("Muon[0].charge != Muon[1].charge", "opposite charge")
//!     .define("mass", "(Muon[0] + Muon[1]).mass")
//!     .histo1d("dimuon_mass", "mass", 30000, 0.25, 300.0);
//! let results = run(&a, &RunOptions::default()).unwrap();
//! print!("{}", results.cutflow().table());
//! ```

pub mod allocator;
pub mod analysis;
pub mod analysis_file;
mod compile;
pub mod error;
mod execute;
#[doc(hidden)]
pub mod fuzz_harness;
pub mod lumimask;
pub mod naming;
pub mod output;
pub mod partial;
pub mod plan;
mod plots;
mod read_ahead;
mod report;
pub mod results;
pub mod run;
pub mod sample;
pub mod snapshot;
pub mod tables;
pub mod taken;
mod workers;

pub use analysis::{
    Analysis, Binning, GraphNode, HistSpec, Item, NodeOp, PlotConfig, PlotSpec, SampleSum,
    StatKind, StatSpec, Variation,
};
pub use error::{EngineError, Origin, Result};
pub use lumimask::LumiMask;
pub use output::{write_outputs, write_outputs_of};
pub use partial::{merge_all, merge_group, Partial, StatAcc, StreamingMerge, MERGE_ARITY};
pub use plan::{
    check, fused_expressions, plan, stat_types, Plan, PlannedFile, PlannedSample, Split, WorkItem,
};
pub use results::{CutCount, CutFlow, CutRow, HistKey, Results, SampleInfo, Stat};
pub use run::{finish, run, run_item, run_work_item, RunOptions, DEFAULT_ENTRIES_PER_ITEM};
pub use sample::{read_manifest, Normalisation, Sample, SampleKind};
pub use snapshot::{ColumnInfo, ColumnLayout, SinkFactory, SnapshotSink, SnapshotSpec};
pub use taken::{json_float, Taken, TakenValues};

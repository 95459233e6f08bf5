//! # rootio — read ROOT files into columns
//!
//! `rootio` reads the files of CERN's ROOT framework: the file header, keys and directories,
//! the streamer infos, and TTrees, whose branches it decodes in bulk into Arrow-shaped columns
//! ([`Array`]: one contiguous buffer, or offsets + values for jagged data). It reads files
//! written by ROOT 4 to 6.40 and by uproot, with ZLIB, LZMA, LZ4, ZSTD and the legacy ROOT
//! compression, and never panics on damaged input: every error is a typed [`Error`] that names
//! the file, the object, the basket and the byte offset.
//!
//! Histograms and graphs come back as typed values ([`RootFile::read_histogram`],
//! [`RootFile::read_graph`], [`RootFile::read_plottable`]: `TH1`/`TH2`/`TH3` of every storage
//! type, profiles with ROOT's bin means and errors, `TGraph`, `TGraphErrors`,
//! `TGraphAsymmErrors`; see [`histogram`]).
//!
//! It also writes ROOT files: [`write::FileWriter`] stores histograms ([`write::TH1`],
//! [`write::TH2`]) and TTrees ([`write::TreeWriter`]: scalars, fixed arrays, NanoAOD counted
//! arrays, `std::vector`) that ROOT 6, uproot and `rootio` itself read back.
//!
//! ```no_run
//! use rootio::{RootFile, ReadOptions};
//! # fn main() -> rootio::Result<()> {
//! let file = RootFile::open("nano.root")?;
//! let tree = file.tree("Events")?;
//! let cols = tree.read_branches(&["nMuon", "Muon_pt"], 0..tree.entries, &ReadOptions::default())?;
//! println!("{} entries, Muon_pt is {}", cols[1].len(), cols[1].type_name());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod array;
mod avx2;
pub mod compression;
pub mod cursor;
pub mod dataset;
pub mod directory;
pub mod error;
pub mod file;
#[doc(hidden)]
pub mod fuzz_harness;
pub mod header;
pub mod histogram;
pub mod json;
pub mod key;
mod lz4;
mod memory;
pub mod object;
pub mod offsets;
pub mod remote;
pub mod rntuple;
pub mod source;
pub mod streamer;
pub mod tree;
pub mod write;
mod xxh64;

pub use array::{Array, PrimitiveType};
pub use dataset::{ColumnKind, Dataset};
pub use error::{Error, ErrorKind, Location, Result};
pub use file::{Entry, RootFile};
pub use histogram::{Plottable, RootAxis, RootGraph, RootHistogram};
pub use offsets::Offsets;
pub use rntuple::RNTuple;
pub use source::{ByteSource, IoStats, LocalFile, MemorySource};
pub use tree::{Branch, Interpretation, Leaf, ReadOptions, Tree};

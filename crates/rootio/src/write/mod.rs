//! Writing ROOT files that ROOT, uproot and hepframe read back.
//!
//! [`FileWriter`] creates a file, [`FileWriter::write_object`] stores an object under a name in
//! the file's top directory, and [`FileWriter::close`] completes the file and moves it into
//! place (until then it lives under a temporary name, so a failed or abandoned write never
//! leaves a truncated file behind). Objects are anything implementing [`WriteObject`]; this
//! crate provides the histograms [`TH1`] (`TH1D`/`TH1F`) and [`TH2`] (`TH2D`/`TH2F`).
//!
//! ```no_run
//! use rootio::write::{Axis, Compression, FileWriter, WriteOptions, TH1, TH2};
//! # fn main() -> rootio::Result<()> {
//! // Contents include the underflow (first) and overflow (last) bins.
//! let pt = TH1::new("pt", "Muon p_{T}", Axis::regular(3, 0.0, 60.0).with_title("p_{T} [GeV]"),
//!                   vec![1.0, 10.0, 20.0, 5.0, 2.0]);
//! let eta_phi = TH2::new("eta_phi", "", Axis::regular(2, -2.5, 2.5), Axis::variable([0.0, 1.0, 3.0]),
//!                        vec![0.0; 16]);
//! let mut w = FileWriter::create("hists.root", WriteOptions { compression: Compression::Zstd(5), ..Default::default() })?;
//! w.write_object("pt", &pt)?;
//! w.write_object("eta_phi", &eta_phi)?;
//! w.close()?;
//! # Ok(()) }
//! ```
//!
//! TTrees are written with a [`TreeWriter`]: branches of scalars, fixed-size arrays, NanoAOD
//! counted arrays and `std::vector<T>`, filled from columns (see [`tree`]).
//!
//! The pieces, one per file: [`buffer`] (ROOT's streaming conventions: byte counts, versions,
//! `TString`, class tags), [`compress`] (ROOT's compression blocks), `key` (key headers,
//! timestamps, UUIDs), [`file`](mod@file) (the file layout), [`hist`] (histogram streaming),
//! [`tree`] (trees, branches, baskets) and [`streamers`] (the embedded `TStreamerInfo`
//! records).

pub mod buffer;
pub mod compress;
pub mod file;
pub mod hist;
mod key;
pub mod streamers;
pub mod temporary;
pub mod tree;

pub use buffer::WBuffer;
pub use compress::Compression;
pub use file::{FileWriter, WriteOptions};
pub use hist::{Axis, Binning, Precision, Stats, TH1, TH2};
pub use tree::{BranchLayout, BranchSpec, TreeOptions, TreeWriter};

use crate::error::Result;

/// An object that can be stored in a ROOT file: its class, title and streamed bytes.
///
/// The class's layout must be among the embedded streamer infos
/// ([`streamers::REQUIRED_CLASSES`]), or ROOT will not be able to read it.
pub trait WriteObject {
    /// The ROOT class name recorded in the key, e.g. `"TH1D"`.
    fn class_name(&self) -> &str;
    /// The title recorded in the key (ROOT uses the object's title).
    fn title(&self) -> &str;
    /// Stream the object as `TBufferFile::WriteObject` would (the bytes a key holds after its
    /// header). The buffer's origin is the key length, so class tags come out right.
    fn stream(&self, buf: &mut WBuffer) -> Result<()>;
}

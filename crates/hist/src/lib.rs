//! Histograms for hepframe's analysis engine.
//!
//! A [`Histogram`] is one or two [`Axis`] values times a [`Storage`]:
//!
//! * axes are [regular](Axis::regular) or [variable](Axis::variable), always with underflow and
//!   overflow bins, and put a value in **exactly the bin ROOT's `TAxis::FindFixBin` picks**
//!   (edges belong to the bin above; NaN goes to overflow; see [`axis`](mod@axis) for the
//!   arithmetic and why it differs from boost-histogram at edges);
//! * storage is [`Storage::Double`] (Σw) or [`Storage::Weight`] (Σw and Σw²);
//! * bulk fills ([`Histogram::fill_many`] and friends) are the hot path: one dispatch per call,
//!   then a tight loop with no allocation;
//! * [`Histogram::merge`] adds partial results bin by bin, refusing histograms whose binning
//!   differs;
//! * [`Histogram::to_uhi_json`], [`Histogram::from_uhi_json`] and [`write_uhi_file`] speak the
//!   scikit-hep UHI serialisation that `hist`, boost-histogram and uproot read (see
//!   [`uhi`](mod@uhi));
//! * [`Histogram::plot`], [`plot_overlay`] and [`StackPlot`] draw PNG, SVG or PDF plots in
//!   mplhep's look with an embedded font (no system libraries; see [`figure`](mod@figure));
//! * [`Histogram::to_root`] converts to a ROOT `TH1D`/`TH2D` for `rootio::write::FileWriter`.
//!
//! # Example
//!
//! ```
//! use hist::{Axis, Histogram, Storage};
//!
//! let mass = Axis::regular(4, 0.0, 100.0)?.with_label("m [GeV]");
//! let mut h = Histogram::new_1d(mass, Storage::Weight).with_name("m").with_title("Mass");
//! h.fill_many_weighted(&[10.0, 30.0, 30.0, 150.0], &[1.0, 0.5, 0.5, 2.0])?;
//! h.fill(-1.0)?; // underflow
//!
//! assert_eq!(h.values(false), vec![1.0, 1.0, 0.0, 0.0]);
//! assert_eq!(h.values(true), vec![1.0, 1.0, 1.0, 0.0, 0.0, 2.0]);
//! assert_eq!(h.variances(false), vec![1.0, 0.5, 0.0, 0.0]);
//! assert_eq!(h.entries(), 5);
//!
//! // Partial results from two workers merge bin by bin.
//! let mut other = Histogram::new_1d(Axis::regular(4, 0.0, 100.0)?, Storage::Weight);
//! other.fill(60.0)?;
//! h.merge(&other)?;
//! assert_eq!(h.sum(), 3.0);
//!
//! // UHI JSON round trip.
//! let json = h.to_uhi_json();
//! assert_eq!(json["storage"]["type"], "weighted");
//! assert_eq!(Histogram::from_uhi_json(&json)?, h);
//! # Ok::<(), hist::HistError>(())
//! ```

#![warn(missing_docs)]

pub mod axis;
mod error;
pub mod figure;
mod fill;
mod from_root;
mod histogram;
pub mod lookup;
pub mod plot;
mod root;
mod stack;
mod storage;
pub mod uhi;

pub use axis::{Axis, Binning};
pub use error::{HistError, Result};
pub use figure::marks::HistStyle;
pub use figure::text::escape_label;
pub use figure::{ImageFormat, Rgb};
pub use from_root::{find_bin, find_global_bin};
pub use histogram::{Histogram, Stats};
pub use lookup::{Lookup, OutOfRange};
pub use plot::{plot_overlay, PlotOptions};
pub use root::RootHistogram;
pub use stack::StackPlot;
pub use storage::Storage;
pub use uhi::{read_uhi_file, write_uhi_file};

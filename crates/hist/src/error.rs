//! The one error type of the `hist` crate.

use std::path::PathBuf;

/// Everything that can go wrong when building, filling, merging, reading, writing or plotting a
/// histogram.
///
/// Messages are written for the person running the analysis: they name the offending value and
/// say what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistError {
    /// A lookup table whose shape does not fit its axes.
    #[error("lookup table: {0}")]
    Lookup(String),

    /// A regular axis was asked for zero bins.
    #[error("histogram needs at least one bin")]
    NoBins,

    /// A regular axis whose lower edge is not below its upper edge.
    #[error("low ({low}) must be below high ({high})")]
    EmptyRange {
        /// The requested lower edge.
        low: f64,
        /// The requested upper edge.
        high: f64,
    },

    /// An axis limit or edge that is NaN or infinite.
    #[error("{what} must be a finite number, got {value}")]
    NonFinite {
        /// Which parameter (`"low"`, `"high"`, `"edge 3"`).
        what: String,
        /// The offending value.
        value: f64,
    },

    /// A regular axis whose bin width cannot be represented (it rounds to zero or overflows).
    #[error(
        "{bins} bins between {low} and {high} give a bin width of {width}, which is not a usable \
         positive finite number"
    )]
    UnrepresentableWidth {
        /// The requested number of bins.
        bins: usize,
        /// The requested lower edge.
        low: f64,
        /// The requested upper edge.
        high: f64,
        /// The computed bin width.
        width: f64,
    },

    /// A variable axis with fewer than two edges.
    #[error("a variable axis needs at least 2 edges (one bin), got {count}")]
    TooFewEdges {
        /// The number of edges given.
        count: usize,
    },

    /// Variable-axis edges that are not strictly increasing.
    #[error(
        "variable axis edges must be strictly increasing, but edge {index} ({value}) is not above \
         edge {} ({previous})", index - 1
    )]
    EdgesNotIncreasing {
        /// Index of the first edge that is not above its predecessor.
        index: usize,
        /// That edge.
        value: f64,
        /// The edge before it.
        previous: f64,
    },

    /// A fill, accessor or constructor used with the wrong number of dimensions.
    #[error("{operation} needs a {expected}D histogram, but `{name}` is {actual}D")]
    WrongDimension {
        /// What was attempted (`"fill_2d"`).
        operation: &'static str,
        /// Dimensions the operation works on.
        expected: usize,
        /// Dimensions of the histogram.
        actual: usize,
        /// The histogram's name.
        name: String,
    },

    /// Two slices of a bulk fill that should have the same length do not.
    #[error("{operation}: {left_what} has {left} values but {right_what} has {right}")]
    LengthMismatch {
        /// The bulk fill that was called.
        operation: &'static str,
        /// What the first slice holds (`"x"`).
        left_what: &'static str,
        /// Its length.
        left: usize,
        /// What the second slice holds (`"weights"`).
        right_what: &'static str,
        /// Its length.
        right: usize,
    },

    /// A merge of histograms whose binning or storage differ.
    #[error("cannot merge histogram `{other}` into `{this}`: {reason}")]
    Incompatible {
        /// Name of the histogram merged into.
        this: String,
        /// Name of the histogram being merged.
        other: String,
        /// Which property differs, with both values.
        reason: String,
    },

    /// A UHI JSON document that does not describe a histogram this crate can hold.
    #[error("invalid UHI histogram at `{path}`: {message}")]
    Uhi {
        /// JSON path of the offending element (`axes[1].edges`).
        path: String,
        /// What is wrong.
        message: String,
    },

    /// Two histograms given the same name for one file.
    #[error("two histograms are named `{name}`; names in a histograms file must be unique")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },

    /// Reading or writing a file failed.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// `"read"`, `"write"` or `"create"`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A file that should hold JSON does not.
    #[error("`{}` is not valid JSON: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error, with line and column.
        #[source]
        source: serde_json::Error,
    },

    /// Drawing a plot failed.
    #[error("cannot plot histogram `{name}` to `{}`: {message}", path.display())]
    Plot {
        /// The histogram's name.
        name: String,
        /// The image file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = HistError> = std::result::Result<T, E>;

//! Errors of the engine, with the place in the analysis file they come from.

use std::path::PathBuf;

/// Where in an analysis file something was written.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Origin {
    /// The analysis file (absent for analyses built in code).
    pub file: Option<PathBuf>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(p) => write!(f, "{}:{}:{}", p.display(), self.line, self.column),
            // Built in code (the Rust or Python API): no line to point at.
            None if self.line == 0 => f.write_str("expression"),
            None => write!(f, "{}:{}", self.line, self.column),
        }
    }
}

/// `"file:line:column: "` before a message, or nothing for analyses built in code (whose
/// messages name the sample, cut or histogram themselves).
fn located(origin: &Origin) -> String {
    if origin.file.is_none() && origin.line == 0 {
        String::new()
    } else {
        format!("{origin}: ")
    }
}

/// An engine error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The analysis file is not valid TOML or misses something.
    #[error("{}{message}", located(.origin))]
    Analysis {
        /// Where.
        origin: Origin,
        /// What.
        message: String,
    },
    /// An expression does not parse or type-check.
    #[error("{origin}: {message}\n{caret}")]
    Expression {
        /// Where the mistake is (the span's start).
        origin: Origin,
        /// What is wrong.
        message: String,
        /// The expression with a caret under the mistake.
        caret: String,
    },
    /// An input file other than the data (a manifest, a luminosity mask) is missing or
    /// malformed.
    #[error("{path}: {message}")]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Reading the input failed.
    #[error(transparent)]
    Read(#[from] rootio::Error),
    /// Evaluating an expression on the data failed.
    #[error("{file}: {what} '{name}': {message}")]
    Eval {
        /// The input file.
        file: PathBuf,
        /// "cut", "define" or "histogram".
        what: &'static str,
        /// Its name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// A histogram could not be made or filled.
    #[error("histogram '{name}': {source}")]
    Hist {
        /// The histogram name.
        name: String,
        /// The cause.
        source: hist::HistError,
    },
    /// Work items, plans and partial results that do not fit together (a missing or repeated
    /// work item, partials of different plans, a plan made for another analysis).
    #[error("{message}")]
    Batch {
        /// What does not fit.
        message: String,
    },
    /// The run was stopped (Ctrl-C, SIGTERM, a KeyboardInterrupt) before it finished; nothing
    /// was written.
    #[error("interrupted: the run was stopped before it finished; no output was written")]
    Interrupted,
    /// Writing outputs failed.
    #[error("{path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Result alias.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

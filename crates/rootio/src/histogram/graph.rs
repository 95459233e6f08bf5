//! [`RootGraph`]: a `TGraph`, `TGraphErrors` or `TGraphAsymmErrors` read from a file.
//!
//! All three are streamed member by member (`TGraph::Streamer` calls `ReadClassBuffer` for every
//! version above 2, `root-project/root:hist/hist/src/TGraph.cxx`): `TNamed`, the line, fill and
//! marker attributes, `fNpoints`, then `Double_t* fX //[fNpoints]` and `fY` (each a one-byte
//! "array follows" marker and `fNpoints` doubles), `fFunctions`, `fHistogram`, `fMinimum`,
//! `fMaximum`. `TGraphErrors` adds `fEX`, `fEY`; `TGraphAsymmErrors` adds `fEXlow`, `fEXhigh`,
//! `fEYlow`, `fEYhigh`, all `[fNpoints]`.
//!
//! The error accessors are ROOT's (`TGraphErrors::GetErrorXlow` is `fEX[i]`,
//! `TGraphAsymmErrors::GetErrorX` is `sqrt(0.5 * (low² + high²))`), except that a plain
//! `TGraph` gives 0 where ROOT's `TGraph::GetErrorX` returns -1.

use super::members::{floats, integer, string};
use crate::error::{Error, Result};
use crate::object::Object;

/// The error bars of a graph.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GraphErrors {
    /// A `TGraph`: no errors.
    None,
    /// A `TGraphErrors`: `fEX`, `fEY`, the same below and above.
    Symmetric {
        /// `fEX`.
        ex: Vec<f64>,
        /// `fEY`.
        ey: Vec<f64>,
    },
    /// A `TGraphAsymmErrors`: `fEXlow`, `fEXhigh`, `fEYlow`, `fEYhigh`.
    Asymmetric {
        /// `fEXlow`.
        exlow: Vec<f64>,
        /// `fEXhigh`.
        exhigh: Vec<f64>,
        /// `fEYlow`.
        eylow: Vec<f64>,
        /// `fEYhigh`.
        eyhigh: Vec<f64>,
    },
}

/// A graph read from a file: points with optional error bars.
#[derive(Debug, Clone, PartialEq)]
pub struct RootGraph {
    /// The class: `TGraph`, `TGraphErrors` or `TGraphAsymmErrors`.
    pub class: String,
    /// `fName`.
    pub name: String,
    /// `fTitle` (ROOT's `"title;x title;y title"` convention is left as written).
    pub title: String,
    /// `fX` (`fNpoints` values).
    pub x: Vec<f64>,
    /// `fY`.
    pub y: Vec<f64>,
    /// The error bars.
    pub errors: GraphErrors,
}

/// Whether [`RootGraph::from_object`] reads objects of this class.
pub fn is_graph_class(class: &str) -> bool {
    matches!(class, "TGraph" | "TGraphErrors" | "TGraphAsymmErrors")
}

impl RootGraph {
    /// A graph from a generically read object ([`crate::RootFile::read_object`]).
    ///
    /// Errors: [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) for another class,
    /// [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) for a missing member or arrays whose
    /// length is not `fNpoints`.
    pub fn from_object(obj: &Object) -> Result<RootGraph> {
        if !is_graph_class(&obj.class) {
            return Err(Error::unsupported(format!(
                "class {} is not a graph hepframe reads (TGraph, TGraphErrors, TGraphAsymmErrors)",
                obj.class
            )));
        }
        let n = integer(obj, "fNpoints")?;
        let n = usize::try_from(n)
            .map_err(|_| Error::corrupt(format!("{}: fNpoints is {n}", obj.class)))?;
        let array = |name: &str| -> Result<Vec<f64>> {
            let v = floats(obj, name)?;
            if v.len() != n {
                return Err(Error::corrupt(format!(
                    "{}: {name} has {} values for fNpoints = {n}",
                    obj.class,
                    v.len()
                )));
            }
            Ok(v)
        };
        let errors = match obj.class.as_str() {
            "TGraphErrors" => GraphErrors::Symmetric {
                ex: array("fEX")?,
                ey: array("fEY")?,
            },
            "TGraphAsymmErrors" => GraphErrors::Asymmetric {
                exlow: array("fEXlow")?,
                exhigh: array("fEXhigh")?,
                eylow: array("fEYlow")?,
                eyhigh: array("fEYhigh")?,
            },
            _ => GraphErrors::None,
        };
        Ok(RootGraph {
            class: obj.class.clone(),
            name: string(obj, "fName"),
            title: string(obj, "fTitle"),
            x: array("fX")?,
            y: array("fY")?,
            errors,
        })
    }

    /// `fNpoints`.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether the graph has no points.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// `GetErrorXlow(i)` (0 for a plain graph or a point that does not exist).
    pub fn error_x_low(&self, i: usize) -> f64 {
        match &self.errors {
            GraphErrors::None => None,
            GraphErrors::Symmetric { ex, .. } => ex.get(i),
            GraphErrors::Asymmetric { exlow, .. } => exlow.get(i),
        }
        .copied()
        .unwrap_or(0.0)
    }

    /// `GetErrorXhigh(i)`.
    pub fn error_x_high(&self, i: usize) -> f64 {
        match &self.errors {
            GraphErrors::None => None,
            GraphErrors::Symmetric { ex, .. } => ex.get(i),
            GraphErrors::Asymmetric { exhigh, .. } => exhigh.get(i),
        }
        .copied()
        .unwrap_or(0.0)
    }

    /// `GetErrorYlow(i)`.
    pub fn error_y_low(&self, i: usize) -> f64 {
        match &self.errors {
            GraphErrors::None => None,
            GraphErrors::Symmetric { ey, .. } => ey.get(i),
            GraphErrors::Asymmetric { eylow, .. } => eylow.get(i),
        }
        .copied()
        .unwrap_or(0.0)
    }

    /// `GetErrorYhigh(i)`.
    pub fn error_y_high(&self, i: usize) -> f64 {
        match &self.errors {
            GraphErrors::None => None,
            GraphErrors::Symmetric { ey, .. } => ey.get(i),
            GraphErrors::Asymmetric { eyhigh, .. } => eyhigh.get(i),
        }
        .copied()
        .unwrap_or(0.0)
    }

    /// `GetErrorX(i)`: `fEX[i]`, or `sqrt(0.5 * (low² + high²))` for asymmetric errors.
    pub fn error_x(&self, i: usize) -> f64 {
        match &self.errors {
            GraphErrors::Asymmetric { .. } => {
                let (l, h) = (self.error_x_low(i), self.error_x_high(i));
                (0.5 * (l * l + h * h)).sqrt()
            }
            _ => self.error_x_low(i),
        }
    }

    /// `GetErrorY(i)`: `fEY[i]`, or `sqrt(0.5 * (low² + high²))` for asymmetric errors.
    pub fn error_y(&self, i: usize) -> f64 {
        match &self.errors {
            GraphErrors::Asymmetric { .. } => {
                let (l, h) = (self.error_y_low(i), self.error_y_high(i));
                (0.5 * (l * l + h * h)).sqrt()
            }
            _ => self.error_y_low(i),
        }
    }
}

//! What each bin holds.

/// The bin content type of a [`Histogram`](crate::Histogram).
///
/// | storage  | per bin            | `variances()`                 | UHI storage type |
/// |----------|--------------------|-------------------------------|------------------|
/// | `Double` | Σw                 | Σw (Poisson estimate)         | `"double"`       |
/// | `Weight` | Σw and Σw²         | Σw²                           | `"weighted"`     |
///
/// `Double` is ROOT's `TH1D` without `Sumw2()` and boost-histogram's `Double` storage; `Weight` is
/// `TH1D` after `Sumw2()` and boost-histogram's `Weight` storage. Use `Weight` whenever events
/// carry weights and the uncertainties matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Storage {
    /// One `f64` per bin: the number of entries, or the sum of weights.
    #[default]
    Double,
    /// Two `f64` per bin: the sum of weights and the sum of squared weights.
    Weight,
}

impl Storage {
    /// The storage's `type` in the UHI serialisation (`"double"` or `"weighted"`).
    pub fn uhi_type(self) -> &'static str {
        match self {
            Storage::Double => "double",
            Storage::Weight => "weighted",
        }
    }

    /// Whether the storage keeps a separate sum of squared weights.
    pub fn has_sumw2(self) -> bool {
        matches!(self, Storage::Weight)
    }
}

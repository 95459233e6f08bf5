//! The histogram: axes × storage, its metadata, accessors and merge.
//!
//! Filling lives in `fill.rs`, serialisation in `uhi.rs`, plotting in `plot.rs`.

use crate::axis::Axis;
use crate::error::{HistError, Result};
use crate::storage::Storage;

/// A 1D or 2D histogram of `f64` bin contents, with underflow and overflow bins on every axis.
///
/// # Storage layout
///
/// Contents are kept in one contiguous buffer that includes the flow bins. In 2D the x index is
/// the outer (slow) one: the slot of bins `(ix, iy)` (ROOT bin numbers, 0 = underflow) is
/// `ix * (ny + 2) + iy`. This is the row-major ("C") order of a NumPy array of shape
/// `(nx + 2, ny + 2)`, which is what the UHI format and `hist` use. (ROOT's `TH2` numbers its
/// global bins the other way round, `ix + (nx + 2) * iy`.)
///
/// # Entries
///
/// [`Histogram::entries`] counts fill calls (one per value, bulk fills included), like ROOT's
/// `fEntries`: a weighted fill still adds one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) axes: Vec<Axis>,
    pub(crate) storage: Storage,
    /// Σw per slot, flow bins included.
    pub(crate) values: Vec<f64>,
    /// Σw² per slot for [`Storage::Weight`]; empty for [`Storage::Double`].
    pub(crate) sumw2: Vec<f64>,
    pub(crate) entries: u64,
    /// ROOT's running sums over the values filled inside the axes' range (`None` for a
    /// histogram read from a file that did not keep them).
    pub(crate) stats: Option<Stats>,
    /// Values filled that were not finite (NaN or ±inf, in x, y or the weight).
    pub(crate) nonfinite: u64,
}

/// The running sums ROOT keeps while filling (`TH1::fTsumw` …): over the values that land
/// inside the axes (not in a flow bin, ROOT's default). `GetMean` and `GetStdDev` come from
/// them, so they give the mean of the filled values, not of the bin centres. Single fills add
/// in fill order, as `TH1::Fill`; a unit-weight bulk fill on a regular axis keeps Σx and Σx²
/// in eight interleaved running sums ([`columnar::fill_sums`]), equal to one running sum's to
/// rounding, the same on any number of threads.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stats {
    /// Σw.
    pub sumw: f64,
    /// Σw².
    pub sumw2: f64,
    /// Σw·x.
    pub sumwx: f64,
    /// Σw·x².
    pub sumwx2: f64,
    /// Σw·y (2-D).
    pub sumwy: f64,
    /// Σw·y² (2-D).
    pub sumwy2: f64,
    /// Σw·x·y (2-D).
    pub sumwxy: f64,
}

impl Stats {
    /// Add another histogram's sums, `f` times (`f²` for Σw²), as `TH1::Add` does.
    pub fn add_scaled(&mut self, o: &Stats, f: f64) {
        self.sumw += f * o.sumw;
        self.sumw2 += f * f * o.sumw2;
        self.sumwx += f * o.sumwx;
        self.sumwx2 += f * o.sumwx2;
        self.sumwy += f * o.sumwy;
        self.sumwy2 += f * o.sumwy2;
        self.sumwxy += f * o.sumwxy;
    }

    /// The sums as an array (for serialisation): Σw, Σw², Σwx, Σwx², Σwy, Σwy², Σwxy.
    pub fn to_array(&self) -> [f64; 7] {
        [
            self.sumw,
            self.sumw2,
            self.sumwx,
            self.sumwx2,
            self.sumwy,
            self.sumwy2,
            self.sumwxy,
        ]
    }

    /// The sums from [`Stats::to_array`]'s order.
    pub fn from_array(a: [f64; 7]) -> Stats {
        Stats {
            sumw: a[0],
            sumw2: a[1],
            sumwx: a[2],
            sumwx2: a[3],
            sumwy: a[4],
            sumwy2: a[5],
            sumwxy: a[6],
        }
    }
}

impl Histogram {
    /// An empty 1D histogram.
    pub fn new_1d(x: Axis, storage: Storage) -> Self {
        Self::with_axes(vec![x], storage)
    }

    /// An empty 2D histogram.
    pub fn new_2d(x: Axis, y: Axis, storage: Storage) -> Self {
        Self::with_axes(vec![x, y], storage)
    }

    pub(crate) fn with_axes(axes: Vec<Axis>, storage: Storage) -> Self {
        let slots = axes.iter().map(Axis::extent).product();
        Self {
            name: String::new(),
            title: String::new(),
            axes,
            storage,
            values: vec![0.0; slots],
            sumw2: if storage.has_sumw2() {
                vec![0.0; slots]
            } else {
                Vec::new()
            },
            entries: 0,
            stats: Some(Stats::default()),
            nonfinite: 0,
        }
    }

    /// ROOT's running sums over the filled values (see [`Stats`]); `None` when unknown.
    pub fn stats(&self) -> Option<&Stats> {
        self.stats.as_ref()
    }

    /// Values filled that were NaN or infinite (x, y or weight); they land in a flow bin, as in
    /// ROOT (NaN in the overflow), and are counted here so that a run can say so.
    pub fn nonfinite(&self) -> u64 {
        self.nonfinite
    }

    /// The same histogram with a name (the key it is stored under, like ROOT's object name).
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The same histogram with a title (the text shown above a plot).
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The histogram's name, empty when none was set.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the histogram's name.
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// The histogram's title, empty when none was set.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Sets the histogram's title.
    pub fn set_title(&mut self, title: impl Into<String>) {
        self.title = title.into();
    }

    /// Number of axes: 1 or 2.
    pub fn dim(&self) -> usize {
        self.axes.len()
    }

    /// The axes, x first.
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    /// Mutable access to the axes, for changing their labels. (The binning of an [`Axis`] cannot
    /// be changed in place, so the contents stay consistent.)
    pub fn axes_mut(&mut self) -> &mut [Axis] {
        &mut self.axes
    }

    /// The x axis.
    pub fn x_axis(&self) -> &Axis {
        &self.axes[0]
    }

    /// The y axis of a 2D histogram, `None` in 1D.
    pub fn y_axis(&self) -> Option<&Axis> {
        self.axes.get(1)
    }

    /// The storage type.
    pub fn storage(&self) -> Storage {
        self.storage
    }

    /// Number of fill calls so far (ROOT's `GetEntries()`), merges included.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Overrides the entry count (for example after reading a file that does not record it).
    pub fn set_entries(&mut self, entries: u64) {
        self.entries = entries;
    }

    /// Number of values per axis returned by [`values`](Self::values) and friends.
    pub fn shape(&self, flow: bool) -> Vec<usize> {
        self.axes
            .iter()
            .map(|a| if flow { a.extent() } else { a.bins() })
            .collect()
    }

    /// The whole Σw buffer, flow bins included, in the layout described on [`Histogram`].
    pub fn raw_values(&self) -> &[f64] {
        &self.values
    }

    /// The whole Σw² buffer for [`Storage::Weight`], `None` for [`Storage::Double`].
    pub fn raw_sumw2(&self) -> Option<&[f64]> {
        self.storage.has_sumw2().then_some(self.sumw2.as_slice())
    }

    /// Bin contents (Σw), flattened with x outer. With `flow` the underflow and overflow bins are
    /// included (shape `[nx + 2, ny + 2]`), without it only the bins in range (`[nx, ny]`).
    pub fn values(&self, flow: bool) -> Vec<f64> {
        self.select(&self.values, flow)
    }

    /// Variances of the bin contents: Σw² for [`Storage::Weight`], and the Poisson estimate Σw
    /// for [`Storage::Double`] (as `hist` and ROOT without `Sumw2()` do). Same layout as
    /// [`values`](Self::values).
    pub fn variances(&self, flow: bool) -> Vec<f64> {
        match self.storage {
            Storage::Double => self.values(flow),
            Storage::Weight => self.select(&self.sumw2, flow),
        }
    }

    /// Effective counts, as UHI's `PlottableHistogram.counts()` defines them: the contents for
    /// [`Storage::Double`]; `(Σw)² / Σw²` for [`Storage::Weight`] (ROOT's effective entries per
    /// bin), 0 where Σw² is 0. Same layout as [`values`](Self::values).
    pub fn counts(&self, flow: bool) -> Vec<f64> {
        match self.storage {
            Storage::Double => self.values(flow),
            Storage::Weight => self
                .values(flow)
                .into_iter()
                .zip(self.select(&self.sumw2, flow))
                .map(|(w, w2)| if w2 == 0.0 { 0.0 } else { w * w / w2 })
                .collect(),
        }
    }

    /// Sum of the contents of the bins in range, flow bins excluded (ROOT's `GetSumOfWeights()`,
    /// `hist`'s `h.sum()`). Summed in storage order, so the result is reproducible.
    pub fn sum(&self) -> f64 {
        self.values(false).iter().sum()
    }

    /// Content of one slot, ROOT bin numbers (0 = underflow); `None` when out of bounds or when
    /// the number of indices is not the histogram's dimension.
    pub fn value_at(&self, bin: &[usize]) -> Option<f64> {
        self.slot(bin).map(|s| self.values[s])
    }

    /// Variance of one slot (see [`variances`](Self::variances)); `None` as for
    /// [`value_at`](Self::value_at).
    pub fn variance_at(&self, bin: &[usize]) -> Option<f64> {
        let s = self.slot(bin)?;
        Some(match self.storage {
            Storage::Double => self.values[s],
            Storage::Weight => self.sumw2[s],
        })
    }

    fn slot(&self, bin: &[usize]) -> Option<usize> {
        if bin.len() != self.axes.len() {
            return None;
        }
        let mut slot = 0;
        for (b, axis) in bin.iter().zip(&self.axes) {
            if *b >= axis.extent() {
                return None;
            }
            slot = slot * axis.extent() + b;
        }
        Some(slot)
    }

    /// Copies the requested part of a flow-inclusive buffer.
    fn select(&self, buf: &[f64], flow: bool) -> Vec<f64> {
        if flow {
            return buf.to_vec();
        }
        match self.axes.as_slice() {
            [x] => buf[1..=x.bins()].to_vec(),
            [x, y] => {
                let (nx, ny) = (x.bins(), y.bins());
                let stride = ny + 2;
                let mut out = Vec::with_capacity(nx * ny);
                for ix in 1..=nx {
                    out.extend_from_slice(&buf[ix * stride + 1..ix * stride + 1 + ny]);
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// Adds `other` bin by bin (and its entries) into `self`.
    ///
    /// Both histograms must have the same number of axes, the same binning on each (bit-identical
    /// limits or edges; labels and names may differ) and the same storage; otherwise nothing is
    /// changed and the error says what differs. Every slot is one `a + b`, so the result depends
    /// only on the order in which the caller merges partial results.
    pub fn merge(&mut self, other: &Histogram) -> Result<()> {
        let incompatible = |reason: String| HistError::Incompatible {
            this: self.name.clone(),
            other: other.name.clone(),
            reason,
        };
        if self.axes.len() != other.axes.len() {
            return Err(incompatible(format!(
                "it is {}D and this one is {}D",
                other.axes.len(),
                self.axes.len()
            )));
        }
        for (i, (a, b)) in self.axes.iter().zip(&other.axes).enumerate() {
            if !a.same_binning(b) {
                return Err(incompatible(format!(
                    "axis {i} differs: {} here, {} there",
                    a.describe(),
                    b.describe()
                )));
            }
        }
        if self.storage != other.storage {
            return Err(incompatible(format!(
                "storage differs: {:?} here, {:?} there",
                self.storage, other.storage
            )));
        }
        let (entries, nonfinite) = self.add_counts(other, other.entries)?;
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            *a += b;
        }
        for (a, b) in self.sumw2.iter_mut().zip(&other.sumw2) {
            *a += b;
        }
        self.entries = entries;
        self.nonfinite = nonfinite;
        self.stats = match (self.stats, &other.stats) {
            (Some(mut a), Some(b)) => {
                a.add_scaled(b, 1.0);
                Some(a)
            }
            _ => None,
        };
        Ok(())
    }

    /// Multiplies every bin by `f` and every variance by `f²`, as ROOT's `TH1::Scale(f)`. An
    /// unweighted histogram becomes weighted first (its variances are its counts), as ROOT
    /// calls `Sumw2()` before scaling by a factor other than 1.
    pub fn scale(&mut self, f: f64) {
        if f == 1.0 {
            return;
        }
        self.make_weighted();
        for v in &mut self.values {
            *v *= f;
        }
        for w in &mut self.sumw2 {
            *w *= f * f;
        }
        if let Some(s) = &mut self.stats {
            let o = *s;
            *s = Stats::default();
            s.add_scaled(&o, f);
        }
    }

    /// Adds `f` times `other` bin by bin, as ROOT's `TH1::Add(other, f)`: each bin's content
    /// plus `f × content`, each variance plus `f² × variance` (an unweighted histogram's
    /// variance is its content). The entries add up (rounded to whole entries).
    pub fn add_scaled(&mut self, other: &Histogram, f: f64) -> Result<()> {
        if f == 1.0 && self.storage == other.storage {
            return self.merge(other);
        }
        // `as` saturates: a huge or non-finite product is u64::MAX (or 0 for NaN), which
        // add_counts then refuses if it overflows.
        let scaled = (f.abs() * other.entries as f64).round() as u64;
        let (entries, nonfinite) = self.add_counts(other, scaled)?;
        let mut o = other.clone();
        o.make_weighted();
        self.make_weighted();
        for (i, a) in self.axes.iter().enumerate() {
            if !a.same_binning(&o.axes[i.min(o.axes.len().saturating_sub(1))])
                || self.axes.len() != o.axes.len()
            {
                return Err(HistError::Incompatible {
                    this: self.name.clone(),
                    other: other.name.clone(),
                    reason: "the binnings differ".into(),
                });
            }
        }
        for (a, b) in self.values.iter_mut().zip(&o.values) {
            *a += f * b;
        }
        for (a, b) in self.sumw2.iter_mut().zip(&o.sumw2) {
            *a += f * f * b;
        }
        self.entries = entries;
        self.nonfinite = nonfinite;
        self.stats = match (self.stats, &o.stats) {
            (Some(mut a), Some(b)) => {
                a.add_scaled(b, f);
                Some(a)
            }
            _ => None,
        };
        Ok(())
    }

    /// The entry and non-finite counts of `self` plus `entries` entries and `other`'s
    /// non-finite fills. Counts can come from files (partial results given to `hepframe merge`,
    /// UHI JSON): a sum past `u64::MAX` is an error naming both histograms, never an overflow.
    fn add_counts(&self, other: &Histogram, entries: u64) -> Result<(u64, u64)> {
        match (
            self.entries.checked_add(entries),
            self.nonfinite.checked_add(other.nonfinite),
        ) {
            (Some(e), Some(n)) => Ok((e, n)),
            _ => Err(HistError::Incompatible {
                this: self.name.clone(),
                other: other.name.clone(),
                reason: format!("their entry counts add up to more than {}", u64::MAX),
            }),
        }
    }

    /// Switch an unweighted histogram to weighted storage (variances = counts).
    fn make_weighted(&mut self) {
        if self.storage == Storage::Double {
            self.storage = Storage::Weight;
            self.sumw2 = self.values.clone();
        }
    }

    /// Sets every bin, variance and the entry count back to zero, keeping axes and metadata.
    pub fn reset(&mut self) {
        self.values.fill(0.0);
        self.sumw2.fill(0.0);
        self.entries = 0;
        self.stats = Some(Stats::default());
        self.nonfinite = 0;
    }

    pub(crate) fn wrong_dimension(&self, operation: &'static str, expected: usize) -> HistError {
        HistError::WrongDimension {
            operation,
            expected,
            actual: self.axes.len(),
            name: self.name.clone(),
        }
    }
}

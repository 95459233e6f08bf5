//! Conversion to ROOT histograms, written with [`rootio::write::FileWriter`].
//!
//! A 1-D [`Histogram`] becomes a `TH1D` and a 2-D one a `TH2D`, with the flow bins, Σw² (for
//! [`Storage::Weight`](crate::Storage::Weight)), the entry count, the name, the title and the
//! axis labels as axis titles. The 2-D contents are transposed from hist's x-outer layout to
//! ROOT's x-fastest global bins (`ix + (nx + 2) * iy`). The statistics (`GetMean`,
//! `GetStdDev`) are ROOT's running sums Σw·x … accumulated while filling (so ROOT's stat box shows
//! the mean of the filled values, as RDataFrame's own histogram does); for a histogram whose
//! sums are unknown (read from another writer's file) they are computed from the bin centres,
//! as ROOT itself does then.

use rootio::write::{Axis as RootAxis, WBuffer, WriteObject, TH1, TH2};

use crate::axis::{Axis, Binning};
use crate::histogram::Histogram;

/// A hist [`Histogram`] as a ROOT histogram object.
#[derive(Debug, Clone, PartialEq)]
pub enum RootHistogram {
    /// A 1-D histogram (`TH1D`).
    TH1(TH1),
    /// A 2-D histogram (`TH2D`).
    TH2(TH2),
}

impl WriteObject for RootHistogram {
    fn class_name(&self) -> &str {
        match self {
            RootHistogram::TH1(h) => h.class_name(),
            RootHistogram::TH2(h) => h.class_name(),
        }
    }

    fn title(&self) -> &str {
        match self {
            RootHistogram::TH1(h) => WriteObject::title(h),
            RootHistogram::TH2(h) => WriteObject::title(h),
        }
    }

    fn stream(&self, buf: &mut WBuffer) -> rootio::Result<()> {
        match self {
            RootHistogram::TH1(h) => h.stream(buf),
            RootHistogram::TH2(h) => h.stream(buf),
        }
    }
}

fn root_axis(a: &Axis) -> RootAxis {
    let axis = match a.binning() {
        Binning::Regular { bins, low, high } => RootAxis::regular(bins, low, high),
        Binning::Variable { edges } => RootAxis::variable(edges.to_vec()),
    };
    axis.with_title(a.label())
}

fn root_stats(s: &crate::histogram::Stats) -> rootio::write::Stats {
    rootio::write::Stats {
        tsumw: s.sumw,
        tsumw2: s.sumw2,
        tsumwx: s.sumwx,
        tsumwx2: s.sumwx2,
        tsumwy: s.sumwy,
        tsumwy2: s.sumwy2,
        tsumwxy: s.sumwxy,
    }
}

impl Histogram {
    /// This histogram as a ROOT `TH1D` or `TH2D`, ready for
    /// [`FileWriter::write_object`](rootio::write::FileWriter::write_object).
    ///
    /// ```no_run
    /// use hist::{Axis, Histogram, Storage};
    /// use rootio::write::{FileWriter, WriteOptions};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut h = Histogram::new_1d(Axis::regular(10, 0.0, 1.0)?, Storage::Weight).with_name("x");
    /// h.fill_weighted(0.5, 2.0)?;
    /// let mut w = FileWriter::create("x.root", WriteOptions::default())?;
    /// w.write_object(h.name(), &h.to_root())?;
    /// w.close()?;
    /// # Ok(()) }
    /// ```
    pub fn to_root(&self) -> RootHistogram {
        let axes = self.axes();
        let entries = self.entries() as f64;
        match axes {
            [x, y] => {
                let (nx, ny) = (x.extent(), y.extent());
                let transpose = |v: &[f64]| {
                    let mut out = vec![0.0; v.len()];
                    for ix in 0..nx {
                        for iy in 0..ny {
                            out[ix + nx * iy] = v[ix * ny + iy];
                        }
                    }
                    out
                };
                let mut h = TH2::new(
                    self.name(),
                    self.title(),
                    root_axis(x),
                    root_axis(y),
                    transpose(self.raw_values()),
                );
                h.sumw2 = self.raw_sumw2().map(transpose);
                h.entries = entries;
                RootHistogram::TH2(match self.stats() {
                    Some(s) => {
                        h.stats = root_stats(s);
                        h
                    }
                    None => h.with_stats_from_bins(),
                })
            }
            _ => {
                let mut h = TH1::new(
                    self.name(),
                    self.title(),
                    root_axis(&axes[0]),
                    self.raw_values().to_vec(),
                );
                h.sumw2 = self.raw_sumw2().map(<[f64]>::to_vec);
                h.entries = entries;
                RootHistogram::TH1(match self.stats() {
                    Some(s) => {
                        h.stats = root_stats(s);
                        h
                    }
                    None => h.with_stats_from_bins(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Storage;

    #[test]
    fn two_d_contents_are_transposed_to_root_order() {
        let mut h = Histogram::new_2d(
            Axis::regular(2, 0.0, 2.0).unwrap().with_label("x"),
            Axis::regular(3, 0.0, 3.0).unwrap(),
            Storage::Weight,
        )
        .with_name("h2");
        h.fill_2d_weighted(1.5, 0.5, 2.0).unwrap(); // bin (2, 1)
        let RootHistogram::TH2(r) = h.to_root() else {
            panic!("expected a TH2")
        };
        assert_eq!(r.contents.len(), 4 * 5);
        assert_eq!(r.contents[2 + 4], 2.0);
        assert_eq!(r.sumw2.as_ref().unwrap()[2 + 4], 4.0);
        assert_eq!(r.entries, 1.0);
        assert_eq!(r.x.title, "x");
        assert_eq!(r.stats.tsumwx, 2.0 * 1.5);
    }

    #[test]
    fn written_file_reads_back_in_root_bin_order() {
        let mut h = Histogram::new_2d(
            Axis::regular(3, 0.0, 3.0).unwrap(),
            Axis::variable([0.0, 1.0, 10.0]).unwrap().with_label("y"),
            Storage::Double,
        )
        .with_name("h")
        .with_title("title");
        h.fill_many_2d(&[0.5, 1.5, 2.5, -1.0, 1.5], &[0.5, 5.0, 20.0, 0.5, 5.0])
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.root");
        let mut w = rootio::write::FileWriter::create(&path, Default::default()).unwrap();
        w.write_object("h", &h.to_root()).unwrap();
        w.close().unwrap();
        let obj = rootio::RootFile::open(&path)
            .unwrap()
            .read_object("h")
            .unwrap();
        let Some(rootio::object::Value::Floats(array)) = obj.get("fArray") else {
            panic!("no fArray")
        };
        for ix in 0..5 {
            for iy in 0..4 {
                assert_eq!(
                    array[ix + 5 * iy],
                    h.value_at(&[ix, iy]).unwrap(),
                    "({ix}, {iy})"
                );
            }
        }
        assert_eq!(obj.title(), "title");
    }

    #[test]
    fn one_d_keeps_flow_bins() {
        let mut h = Histogram::new_1d(Axis::variable([0.0, 1.0, 3.0]).unwrap(), Storage::Double);
        h.fill_many(&[-1.0, 0.5, 2.0, 2.0, 7.0]).unwrap();
        let RootHistogram::TH1(r) = h.to_root() else {
            panic!("expected a TH1")
        };
        assert_eq!(r.contents, vec![1.0, 1.0, 2.0, 1.0]);
        assert_eq!(r.sumw2, None);
        assert_eq!(r.entries, 5.0);
        assert_eq!(r.class_name(), "TH1D");
    }
}

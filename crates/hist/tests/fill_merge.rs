//! Filling (single and bulk, 1D and 2D), storages, accessors and merging.

use hist::{Axis, HistError, Histogram, Storage};

fn regular(bins: usize, low: f64, high: f64) -> Axis {
    Axis::regular(bins, low, high).unwrap()
}

#[test]
fn weighted_storage_sums_w_and_w2() {
    let mut h = Histogram::new_1d(regular(2, 0.0, 2.0), Storage::Weight);
    h.fill_weighted(0.5, 2.0).unwrap();
    h.fill_weighted(0.5, 3.0).unwrap();
    h.fill_weighted(1.5, -1.0).unwrap();
    h.fill(5.0).unwrap(); // overflow, weight 1
    assert_eq!(h.values(true), vec![0.0, 5.0, -1.0, 1.0]);
    assert_eq!(h.variances(true), vec![0.0, 13.0, 1.0, 1.0]);
    assert_eq!(h.raw_sumw2(), Some(&[0.0, 13.0, 1.0, 1.0][..]));
    assert_eq!(h.values(false), vec![5.0, -1.0]);
    assert_eq!(h.sum(), 4.0);
    assert_eq!(h.entries(), 4);
    // Effective counts (Σw)²/Σw².
    assert_eq!(h.counts(false), vec![25.0 / 13.0, 1.0]);
}

#[test]
fn double_storage_variances_are_poisson() {
    let mut h = Histogram::new_1d(regular(3, 0.0, 3.0), Storage::Double);
    h.fill_many(&[0.5, 0.5, 1.5, -3.0, f64::NAN]).unwrap();
    assert_eq!(h.values(true), vec![1.0, 2.0, 1.0, 0.0, 1.0]);
    assert_eq!(h.variances(false), h.values(false));
    assert_eq!(h.counts(false), h.values(false));
    assert_eq!(h.raw_sumw2(), None);
    assert_eq!(h.entries(), 5);
    assert_eq!(h.value_at(&[1]), Some(2.0));
    assert_eq!(h.value_at(&[4]), Some(1.0), "NaN went to overflow");
    assert_eq!(h.value_at(&[5]), None);
    assert_eq!(h.value_at(&[1, 1]), None);
}

#[test]
fn bulk_weighted_fill_matches_manual_sums() {
    let xs = [0.1, 0.2, 1.1, 2.5, -1.0];
    let ws = [0.5, 1.5, 2.0, 4.0, 3.0];
    let mut h = Histogram::new_1d(
        Axis::variable(vec![0.0, 1.0, 2.0, 3.0]).unwrap(),
        Storage::Weight,
    );
    h.fill_many_weighted(&xs, &ws).unwrap();
    assert_eq!(h.values(true), vec![3.0, 2.0, 2.0, 4.0, 0.0]);
    assert_eq!(h.variances(true), vec![9.0, 2.5, 4.0, 16.0, 0.0]);
}

#[test]
fn two_d_layout_is_x_outer() {
    let mut h = Histogram::new_2d(regular(2, 0.0, 2.0), regular(3, 0.0, 3.0), Storage::Double);
    h.fill_2d(0.5, 2.5).unwrap(); // bin (1, 3)
    h.fill_2d_weighted(1.5, 0.5, 2.0).unwrap(); // bin (2, 1)
    h.fill_2d(-1.0, 9.0).unwrap(); // (underflow, overflow)
    assert_eq!(h.shape(false), vec![2, 3]);
    assert_eq!(h.shape(true), vec![4, 5]);
    assert_eq!(h.values(false), vec![0.0, 0.0, 1.0, 2.0, 0.0, 0.0]);
    let flow = h.values(true);
    assert_eq!(flow.len(), 20);
    assert_eq!(flow[5 + 3], 1.0);
    assert_eq!(flow[2 * 5 + 1], 2.0);
    assert_eq!(flow[4], 1.0);
    assert_eq!(h.value_at(&[0, 4]), Some(1.0));
    assert_eq!(h.entries(), 3);

    let mut bulk = Histogram::new_2d(regular(2, 0.0, 2.0), regular(3, 0.0, 3.0), Storage::Double);
    bulk.fill_many_2d(&[0.5, -1.0], &[2.5, 9.0]).unwrap();
    bulk.fill_many_2d_weighted(&[1.5], &[0.5], &[2.0]).unwrap();
    assert_eq!(bulk, h);
}

#[test]
fn wrong_dimension_and_length_errors() {
    let mut h1 = Histogram::new_1d(regular(2, 0.0, 2.0), Storage::Double).with_name("h1");
    let mut h2 = Histogram::new_2d(regular(2, 0.0, 2.0), regular(2, 0.0, 2.0), Storage::Double);
    assert_eq!(
        h1.fill_2d(0.0, 0.0).unwrap_err().to_string(),
        "fill_2d needs a 2D histogram, but `h1` is 1D"
    );
    assert!(matches!(
        h2.fill(0.0),
        Err(HistError::WrongDimension { .. })
    ));
    assert!(matches!(
        h2.fill_many(&[0.0]),
        Err(HistError::WrongDimension { .. })
    ));
    assert_eq!(
        h1.fill_many_weighted(&[0.0, 1.0], &[1.0])
            .unwrap_err()
            .to_string(),
        "fill_many_weighted: x has 2 values but weights has 1"
    );
    assert!(matches!(
        h2.fill_many_2d(&[0.0, 1.0], &[1.0]),
        Err(HistError::LengthMismatch { .. })
    ));
    assert!(matches!(
        h2.fill_many_2d_weighted(&[0.0], &[1.0], &[]),
        Err(HistError::LengthMismatch { .. })
    ));
    // Nothing was filled by the failed calls.
    assert_eq!(h1.entries(), 0);
    assert_eq!(h2.entries(), 0);
    assert!(h2.values(true).iter().all(|&v| v == 0.0));
}

#[test]
fn merge_adds_bins_and_entries() {
    let xs: Vec<f64> = (0..10_000).map(|i| (i as f64 * 0.7).sin() * 12.0).collect();
    let ws: Vec<f64> = (0..10_000).map(|i| 0.25 + (i % 5) as f64).collect();
    let axis = Axis::variable(vec![-10.0, -2.0, 0.0, 3.0, 10.0]).unwrap();
    let mut whole = Histogram::new_1d(axis.clone(), Storage::Weight);
    whole.fill_many_weighted(&xs, &ws).unwrap();

    // Four chunks filled separately, merged in order: same histogram.
    let mut merged = Histogram::new_1d(axis.clone(), Storage::Weight);
    for (cx, cw) in xs.chunks(2_500).zip(ws.chunks(2_500)) {
        let mut part = Histogram::new_1d(axis.clone(), Storage::Weight);
        part.fill_many_weighted(cx, cw).unwrap();
        merged.merge(&part).unwrap();
    }
    assert_eq!(merged.entries(), 10_000);
    // Weights are multiples of 1/4, so every bin sum is exact and the order cannot matter.
    assert_eq!(merged.values(true), whole.values(true));
    assert_eq!(merged.variances(true), whole.variances(true));
    // The running sums Σw·x, Σw·x² add the values in another order: equal to rounding.
    let (a, b) = (merged.stats().unwrap(), whole.stats().unwrap());
    assert_eq!((a.sumw, a.sumw2), (b.sumw, b.sumw2));
    for (x, y) in [(a.sumwx, b.sumwx), (a.sumwx2, b.sumwx2)] {
        assert!((x - y).abs() <= 1e-12 * y.abs(), "{x} vs {y}");
    }
}

#[test]
fn running_sums_are_those_of_root_and_non_finite_values_are_counted() {
    // TH1D h("h", "", 4, 0, 4); h.Fill(0.5, 2); h.Fill(1.5); h.Fill(-1); h.Fill(9, 3);
    // GetMean() = (2*0.5 + 1.5) / 3: flow fills do not count.
    let mut h = Histogram::new_1d(Axis::regular(4, 0.0, 4.0).unwrap(), Storage::Weight);
    h.fill_weighted(0.5, 2.0).unwrap();
    h.fill(1.5).unwrap();
    h.fill(-1.0).unwrap();
    h.fill_weighted(9.0, 3.0).unwrap();
    let s = h.stats().unwrap();
    assert_eq!((s.sumw, s.sumw2, s.sumwx, s.sumwx2), (3.0, 5.0, 2.5, 2.75));
    assert_eq!(h.nonfinite(), 0);
    h.fill_many_weighted(&[f64::NAN, 1.0, f64::INFINITY], &[1.0, f64::NAN, 1.0])
        .unwrap();
    assert_eq!(h.nonfinite(), 3);
    // They round-trip through UHI JSON (how partial results travel).
    let back = Histogram::from_uhi_json(&h.to_uhi_json()).unwrap();
    assert_eq!(back.nonfinite(), 3);
    // A NaN weight inside the range makes the sums NaN (as in ROOT); they still travel.
    assert!(back.stats().unwrap().sumw.is_nan() && h.stats().unwrap().sumw.is_nan());
}

#[test]
fn merge_mismatch_is_an_error_and_changes_nothing() {
    let mut a = Histogram::new_1d(regular(10, 0.0, 1.0), Storage::Double).with_name("a");
    a.fill(0.5).unwrap();
    let before = a.clone();

    let b = Histogram::new_1d(regular(20, 0.0, 1.0), Storage::Double).with_name("b");
    assert_eq!(
        a.merge(&b).unwrap_err().to_string(),
        "cannot merge histogram `b` into `a`: axis 0 differs: regular(10, 0, 1) here, \
         regular(20, 0, 1) there"
    );
    let c = Histogram::new_1d(regular(10, 0.0, 1.0), Storage::Weight).with_name("c");
    assert!(a
        .merge(&c)
        .unwrap_err()
        .to_string()
        .contains("storage differs"));
    let d = Histogram::new_2d(regular(10, 0.0, 1.0), regular(1, 0.0, 1.0), Storage::Double);
    assert!(a.merge(&d).unwrap_err().to_string().contains("it is 2D"));
    let e = Histogram::new_1d(
        Axis::variable(Axis::regular(10, 0.0, 1.0).unwrap().edges()).unwrap(),
        Storage::Double,
    );
    assert!(matches!(a.merge(&e), Err(HistError::Incompatible { .. })));
    assert_eq!(a, before);
    // Entry counts read from files (partial results) that overflow: an error, not a panic.
    let mut g = Histogram::new_1d(regular(10, 0.0, 1.0), Storage::Double).with_name("g");
    g.set_entries(u64::MAX);
    assert!(a
        .merge(&g)
        .unwrap_err()
        .to_string()
        .contains("entry counts add up to more than"));
    assert!(a.add_scaled(&g, 2.0).is_err());
    assert_eq!(a, before);

    // Labels and names do not matter.
    let f = Histogram::new_1d(regular(10, 0.0, 1.0).with_label("other"), Storage::Double);
    a.merge(&f).unwrap();
}

#[test]
fn reset_keeps_axes_and_metadata() {
    let mut h = Histogram::new_1d(regular(2, 0.0, 1.0), Storage::Weight)
        .with_name("n")
        .with_title("t");
    h.fill_many(&[0.1, 0.9]).unwrap();
    h.reset();
    assert_eq!(h.entries(), 0);
    assert_eq!(h.values(true), vec![0.0; 4]);
    assert_eq!(h.variances(true), vec![0.0; 4]);
    assert_eq!((h.name(), h.title()), ("n", "t"));
}

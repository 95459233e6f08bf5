//! UHI JSON: the exact layout, round trips, files, and reading other writers' output.

use hist::{read_uhi_file, write_uhi_file, Axis, HistError, Histogram, Storage};
use serde_json::json;

fn sample_1d() -> Histogram {
    let mut h = Histogram::new_1d(
        Axis::regular(2, 0.0, 2.0).unwrap().with_label("x [GeV]"),
        Storage::Double,
    )
    .with_name("h")
    .with_title("demo");
    h.fill_many(&[-1.0, 0.5, 1.5]).unwrap();
    h.fill(7.0).unwrap();
    h
}

#[test]
fn exact_layout_1d_double() {
    let json = sample_1d().to_uhi_json();
    let expected = json!({
        "uhi_schema": 1,
        // ROOT's running sums over the in-range fills 0.5 and 1.5: Σw, Σw², Σwx, Σwx², (y…).
        "writer_info": {"hepframe": {"version": env!("CARGO_PKG_VERSION"), "entries": 4,
                                     "tsumw": 2.0, "tsumw2": 2.0, "tsumwx": 2.0,
                                     "tsumwx2": 2.5, "tsumwy": 0.0, "tsumwy2": 0.0,
                                     "tsumwxy": 0.0}},
        "axes": [{
            "type": "regular", "lower": 0.0, "upper": 2.0, "bins": 2,
            "underflow": true, "overflow": true, "circular": false,
            "metadata": {"label": "x [GeV]"}
        }],
        "storage": {"type": "double", "values": [1.0, 1.0, 1.0, 1.0]},
        "metadata": {"name": "h", "title": "demo", "label": "demo"}
    });
    assert_eq!(json, expected);
    // In a file, keys follow the schema's reading order.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.json");
    write_uhi_file(&path, &[("h", &sample_1d())]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("{\n\"h\": {\"uhi_schema\":1,\"writer_info\":"),
        "{text}"
    );
    assert!(text.contains(r#"{"type":"regular","lower":0.0,"upper":2.0,"bins":2,"underflow":true"#));
}

#[test]
fn exact_layout_2d_weighted_variable() {
    let mut h = Histogram::new_2d(
        Axis::variable(vec![0.0, 1.0, 5.0]).unwrap(),
        Axis::regular(1, 0.0, 1.0).unwrap(),
        Storage::Weight,
    );
    h.fill_2d_weighted(0.5, 0.5, 2.0).unwrap();
    h.fill_2d_weighted(9.0, -1.0, 0.5).unwrap();
    let json = h.to_uhi_json();
    assert_eq!(
        json["axes"][0],
        json!({"type": "variable", "edges": [0.0, 1.0, 5.0], "underflow": true,
               "overflow": true, "circular": false})
    );
    assert_eq!(
        json["storage"],
        json!({
            "type": "weighted",
            "values": [[0.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.5, 0.0, 0.0]],
            "variances": [[0.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0], [0.25, 0.0, 0.0]]
        })
    );
}

#[test]
fn round_trip_all_kinds() {
    let xs: Vec<f64> = (0..3000).map(|i| (i as f64 * 0.123).sin() * 4.0).collect();
    let ys: Vec<f64> = (0..3000).map(|i| (i as f64 * 0.456).cos() * 4.0).collect();
    let ws: Vec<f64> = (0..3000).map(|i| 0.1 + (i % 13) as f64 * 0.37).collect();
    let axes = || {
        [
            Axis::regular(7, -3.0, 3.3).unwrap().with_label("x"),
            Axis::variable(vec![-3.5, -1.0, 0.1, 0.2, 2.0]).unwrap(),
        ]
    };
    for storage in [Storage::Double, Storage::Weight] {
        for x in axes() {
            let mut h = Histogram::new_1d(x, storage)
                .with_name("one")
                .with_title("τ → μμ");
            h.fill_many_weighted(&xs, &ws).unwrap();
            let back = Histogram::from_uhi_json(&h.to_uhi_json()).unwrap();
            assert_eq!(back, h);
            // Through text as well: every f64 comes back bit for bit.
            let text = serde_json::to_string(&h.to_uhi_json()).unwrap();
            let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(Histogram::from_uhi_json(&parsed).unwrap(), h);
        }
        let [x, y] = axes();
        let mut h = Histogram::new_2d(x, y, storage).with_name("two");
        h.fill_many_2d_weighted(&xs, &ys, &ws).unwrap();
        let text = serde_json::to_string(&h.to_uhi_json()).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(Histogram::from_uhi_json(&parsed).unwrap(), h);
    }
}

#[test]
fn non_finite_contents_become_null_and_come_back_as_nan() {
    let mut h = Histogram::new_1d(Axis::regular(1, 0.0, 1.0).unwrap(), Storage::Double);
    h.fill_weighted(0.5, f64::NAN).unwrap();
    let json = h.to_uhi_json();
    assert_eq!(json["storage"]["values"], json!([0.0, null, 0.0]));
    let back = Histogram::from_uhi_json(&json).unwrap();
    assert!(back.values(false)[0].is_nan());
}

#[test]
fn file_round_trip_keeps_names_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("histograms.json");
    let a = sample_1d();
    let mut b = Histogram::new_2d(
        Axis::regular(2, 0.0, 1.0).unwrap(),
        Axis::regular(3, 0.0, 1.0).unwrap(),
        Storage::Weight,
    );
    b.fill_2d(0.2, 0.9).unwrap();
    write_uhi_file(&path, &[("z_mass", &a), ("a_2d", &b)]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.find("\"z_mass\"").unwrap() < text.find("\"a_2d\"").unwrap());
    let back = read_uhi_file(&path).unwrap();
    assert_eq!(back.len(), 2);
    let (name, h) = &back[0];
    assert_eq!(name, "a_2d");
    assert_eq!(h.name(), "a_2d");
    assert_eq!(h.values(true), b.values(true));
    let (name, h) = &back[1];
    assert_eq!(name, "z_mass");
    assert_eq!(h.values(true), a.values(true));
    assert_eq!(h.title(), "demo");

    assert!(matches!(
        write_uhi_file(&path, &[("x", &a), ("x", &a)]),
        Err(HistError::DuplicateName { .. })
    ));
    let missing = dir.path().join("no/such/dir/h.json");
    let err = write_uhi_file(&missing, &[("x", &a)]).unwrap_err();
    assert!(err.to_string().starts_with("cannot create `"), "{err}");
}

/// What `hist` writes for `Hist.new.Reg(3, 0, 3, name="x", label="m").Weight()` and friends.
#[test]
fn reads_hist_output_and_schema_variants() {
    let from_hist = json!({
        "uhi_schema": 1,
        "writer_info": {"boost-histogram": {"version": "1.8.1"}, "hist": {"version": "2.12.1"}},
        "axes": [{"type": "regular", "lower": 0.0, "upper": 3.0, "bins": 3, "underflow": true,
                  "overflow": true, "circular": false, "metadata": {"name": "x", "label": "m"}}],
        "storage": {"type": "weighted", "values": [0.0, 1.0, 2.0, 0.0, 1.0],
                    "variances": [0.0, 1.0, 4.0, 0.0, 1.0]},
        "metadata": {"name": "mass", "label": "Mass"}
    });
    let h = Histogram::from_uhi_json(&from_hist).unwrap();
    assert_eq!(h.name(), "mass");
    assert_eq!(h.title(), "Mass");
    assert_eq!(h.x_axis().label(), "m");
    assert_eq!(h.storage(), Storage::Weight);
    assert_eq!(h.values(true), vec![0.0, 1.0, 2.0, 0.0, 1.0]);
    assert_eq!(h.variances(false), vec![1.0, 4.0, 0.0]);
    assert_eq!(h.entries(), 4, "no recorded entries: sum of contents");

    // No flow bins in the input, int storage.
    let no_flow = json!({
        "uhi_schema": 1,
        "axes": [{"type": "variable", "edges": [0, 1, 3], "underflow": false,
                  "overflow": true, "circular": false}],
        "storage": {"type": "int", "values": [4, 5, 6]}
    });
    let h = Histogram::from_uhi_json(&no_flow).unwrap();
    assert_eq!(h.storage(), Storage::Double);
    assert_eq!(h.values(true), vec![0.0, 4.0, 5.0, 6.0]);

    // Sparse 2D storage.
    let sparse = json!({
        "uhi_schema": 1,
        "axes": [
            {"type": "regular", "lower": 0, "upper": 2, "bins": 2, "underflow": true,
             "overflow": true, "circular": false},
            {"type": "regular", "lower": 0, "upper": 1, "bins": 1, "underflow": false,
             "overflow": false, "circular": false}
        ],
        "storage": {"type": "double", "index": [[1, 3], [0, 0]], "values": [2.5, 1.0]}
    });
    let h = Histogram::from_uhi_json(&sparse).unwrap();
    assert_eq!(h.value_at(&[1, 1]), Some(2.5));
    assert_eq!(h.value_at(&[3, 1]), Some(1.0));
    assert_eq!(h.sum(), 2.5);

    // Structure only: an empty histogram.
    let empty = json!({
        "uhi_schema": 1,
        "axes": [{"type": "regular", "lower": 0, "upper": 1, "bins": 4, "underflow": true,
                  "overflow": true, "circular": false}],
        "storage": {"type": "double"}
    });
    assert_eq!(Histogram::from_uhi_json(&empty).unwrap().sum(), 0.0);
}

#[test]
fn reader_errors_name_the_path() {
    let msg = |v: serde_json::Value| Histogram::from_uhi_json(&v).unwrap_err().to_string();
    let base = |axis: serde_json::Value, storage: serde_json::Value| json!({"uhi_schema": 1, "axes": [axis], "storage": storage});
    let reg = json!({"type": "regular", "lower": 0, "upper": 1, "bins": 2, "underflow": true,
                     "overflow": true, "circular": false});
    assert_eq!(
        msg(base(
            reg.clone(),
            json!({"type": "double", "values": [1, 2, 3]})
        )),
        "invalid UHI histogram at `storage.values`: expected 4 elements (the axis bins plus its \
         flow bins), found 3"
    );
    assert!(msg(base(
        json!({"type": "category_str", "categories": ["a"], "flow": false}),
        json!({"type": "double"})
    ))
    .contains("at `axes[0].type`: axis type `category_str` is not supported"));
    assert!(msg(base(reg.clone(), json!({"type": "mean"}))).contains("at `storage`"));
    assert!(msg(base(
        json!({"type": "regular", "lower": 2, "upper": 1, "bins": 2, "underflow": true,
                   "overflow": true, "circular": false}),
        json!({"type": "double"})
    ))
    .contains("low (2) must be below high (1)"));
    assert!(msg(base(
        reg.clone(),
        json!({"type": "double", "values": "/data/values"})
    ))
    .contains("outside the JSON"));
    assert!(
        msg(json!({"uhi_schema": 2, "axes": [reg], "storage": {"type": "double"}}))
            .contains("`uhi_schema`")
    );
    assert!(msg(json!({"axes": []})).contains("uhi_schema"));
}

/// Axes that declare far more bins than the storage gives are refused before anything is
/// allocated (a partial result with `"bins": 100555555555` and 102 values asked for 800 GB).
#[test]
fn huge_declared_axes_need_their_values() {
    let msg = |v: serde_json::Value| Histogram::from_uhi_json(&v).unwrap_err().to_string();
    let axis = |bins: u64| {
        json!({"type": "regular", "lower": 0, "upper": 1, "bins": bins, "underflow": true,
               "overflow": true, "circular": false})
    };
    let values: Vec<f64> = vec![1.0; 102];
    let huge = json!({"uhi_schema": 1, "axes": [axis(100_555_555_555)],
                      "storage": {"type": "double", "values": values}});
    assert!(
        msg(huge).contains("the axes declare 100555555557 cells"),
        "a huge axis with 102 values"
    );
    // Without values, or sparse: the same.
    let bare = json!({"uhi_schema": 1, "axes": [axis(1 << 40)], "storage": {"type": "double"}});
    assert!(msg(bare).contains("gives 0 of"));
    let sparse = json!({"uhi_schema": 1, "axes": [axis(1 << 40)],
                        "storage": {"type": "double", "index": [[1]], "values": [2.0]}});
    assert!(msg(sparse).contains("densely"));
    // Two axes whose cells overflow a usize.
    let overflow = json!({"uhi_schema": 1, "axes": [axis(1 << 40), axis(1 << 40)],
                          "storage": {"type": "double"}});
    assert!(msg(overflow).contains("overflows"));
    // Small histograms may still leave their values out (all zero), as before.
    let small = json!({"uhi_schema": 1, "axes": [axis(1000)], "storage": {"type": "double"}});
    let h = Histogram::from_uhi_json(&small).unwrap();
    assert_eq!(h.values(true).len(), 1002);
}

/// A large histogram that gives every value densely is read.
#[test]
fn large_dense_histograms_are_read() {
    let bins = (1usize << 22) + 10;
    let values = vec![0.5f64; bins + 2];
    let v = json!({"uhi_schema": 1,
                   "axes": [{"type": "regular", "lower": 0, "upper": 1, "bins": bins,
                             "underflow": true, "overflow": true, "circular": false}],
                   "storage": {"type": "double", "values": values}});
    let h = Histogram::from_uhi_json(&v).unwrap();
    assert_eq!(h.values(true).len(), bins + 2);
    assert_eq!(h.values(true)[bins + 1], 0.5);
}

/// A bin count with no room for the flow bins is refused, not wrapped around.
#[test]
fn bin_counts_without_room_for_flow_bins_are_refused() {
    let v = json!({"uhi_schema": 1,
                   "axes": [{"type": "regular", "lower": 0, "upper": 1, "bins": u64::MAX,
                             "underflow": true, "overflow": true, "circular": false}],
                   "storage": {"type": "double"}});
    let e = Histogram::from_uhi_json(&v).unwrap_err().to_string();
    assert!(
        e.contains("axes[0].bins") && e.contains("too many bins"),
        "{e}"
    );
}

//! Plots: valid PNG, SVG and PDF files of the requested size, no file when a plot fails, and
//! clear errors.

use std::path::Path;

use hist::{plot_overlay, Axis, HistError, HistStyle, Histogram, PlotOptions, StackPlot, Storage};

/// Checks the PNG signature and returns the width and height from the IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() > 33, "file too short for a PNG");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// A falling spectrum with a few resonances, like the dimuon mass spectrum.
fn dimuon_like(n: usize) -> Vec<f64> {
    let peaks = [0.78, 1.02, 3.097, 3.686, 9.46, 10.02, 91.19];
    (0..n)
        .map(|i| {
            let u = ((i as f64 + 0.5) * 0.618_033_988_749_895) % 1.0;
            if i % 5 == 0 {
                let m = peaks[i % peaks.len()];
                m * (1.0 + 0.01 * (u - 0.5))
            } else {
                0.25 * (1200.0f64).powf(u * u)
            }
        })
        .collect()
}

#[test]
fn log_x_spectrum_with_30000_bins() {
    let mut h = Histogram::new_1d(
        Axis::regular(30_000, 0.25, 300.0)
            .unwrap()
            .with_label("m_μμ [GeV]"),
        Storage::Double,
    )
    .with_name("dimuon_mass");
    h.fill_many(&dimuon_like(400_000)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dimuon.png");
    let options = PlotOptions {
        title: "Dimuon mass spectrum".into(),
        y_label: "Events / bin".into(),
        log_x: true,
        log_y: true,
        width: 1000,
        height: 640,
        ..PlotOptions::default()
    };
    h.plot(&path, &options).unwrap();
    assert_eq!(png_size(&path), (1000, 640));
    if let Ok(dir) = std::env::var("HEPFRAME_KEEP_PLOTS") {
        std::fs::copy(&path, Path::new(&dir).join("dimuon.png")).unwrap();
    }
}

#[test]
fn linear_1d_and_2d_colour_map() {
    let dir = tempfile::tempdir().unwrap();
    let mut h1 = Histogram::new_1d(
        Axis::variable(vec![0.0, 10.0, 20.0, 40.0, 80.0, 160.0])
            .unwrap()
            .with_label("p_T [GeV]"),
        Storage::Weight,
    )
    .with_title("Muon p_T");
    let xs: Vec<f64> = (0..5000).map(|i| (i as f64 * 0.731) % 170.0).collect();
    h1.fill_many(&xs).unwrap();
    let p1 = dir.path().join("pt.png");
    h1.plot(&p1, &PlotOptions::default()).unwrap();
    assert_eq!(png_size(&p1), (800, 600));

    let mut h2 = Histogram::new_2d(
        Axis::regular(60, -3.0, 3.0).unwrap().with_label("η"),
        Axis::regular(40, -3.2, 3.2).unwrap().with_label("φ"),
        Storage::Double,
    )
    .with_title("Muon η–φ");
    let etas: Vec<f64> = (0..50_000).map(|i| (i as f64 * 0.37).sin() * 2.5).collect();
    let phis: Vec<f64> = (0..50_000)
        .map(|i| ((i as f64 * 0.0713) % 6.4) - 3.2)
        .collect();
    h2.fill_many_2d(&etas, &phis).unwrap();
    let p2 = dir.path().join("eta_phi.png");
    let options = PlotOptions {
        width: 900,
        height: 700,
        ..PlotOptions::default()
    };
    h2.plot(&p2, &options).unwrap();
    assert_eq!(png_size(&p2), (900, 700));
    if let Ok(keep) = std::env::var("HEPFRAME_KEEP_PLOTS") {
        std::fs::copy(&p1, Path::new(&keep).join("pt.png")).unwrap();
        std::fs::copy(&p2, Path::new(&keep).join("eta_phi.png")).unwrap();
    }
}

#[test]
fn plot_errors() {
    let dir = tempfile::tempdir().unwrap();
    let h =
        Histogram::new_1d(Axis::regular(10, -1.0, 1.0).unwrap(), Storage::Double).with_name("h");
    let log = PlotOptions {
        log_x: true,
        ..PlotOptions::default()
    };
    let err = h.plot(dir.path().join("a.png"), &log).unwrap_err();
    assert!(matches!(err, HistError::Plot { .. }));
    assert!(err.to_string().contains("logarithmic x axis"), "{err}");
    let tiny = PlotOptions {
        width: 10,
        height: 10,
        ..PlotOptions::default()
    };
    assert!(h
        .plot(dir.path().join("b.png"), &tiny)
        .unwrap_err()
        .to_string()
        .contains("image size 10×10"));
    // An empty histogram still plots.
    let path = dir.path().join("empty.png");
    h.plot(&path, &PlotOptions::default()).unwrap();
    assert_eq!(png_size(&path), (800, 600));
    // So does an empty one on log-log axes.
    let h = Histogram::new_1d(Axis::regular(10, 1.0, 100.0).unwrap(), Storage::Double);
    let loglog = PlotOptions {
        log_x: true,
        log_y: true,
        ..PlotOptions::default()
    };
    h.plot(dir.path().join("c.png"), &loglog).unwrap();
}

/// Every file in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn falling(n: usize) -> Histogram {
    let mut h = Histogram::new_1d(
        Axis::regular(n, 0.0, 200.0)
            .unwrap()
            .with_label("E_{T}^{miss} [GeV]"),
        Storage::Weight,
    )
    .with_name("met");
    let xs: Vec<f64> = (0..20_000)
        .map(|i| -30.0 * (1.0 - (i as f64 + 0.5) / 20_000.0).ln())
        .collect();
    h.fill_many(&xs).unwrap();
    h
}

#[test]
fn svg_and_pdf_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let h = falling(40);
    let opts = PlotOptions {
        style: HistStyle::Points,
        experiment: "CMS".into(),
        status: "Preliminary".into(),
        lumi: "59.7 fb^{-1} (13 TeV)".into(),
        ..PlotOptions::default()
    };
    h.plot(dir.path().join("met.svg"), &opts).unwrap();
    h.plot(dir.path().join("met.PDF"), &opts).unwrap();
    let svg = std::fs::read_to_string(dir.path().join("met.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
    assert!(svg.contains(r#"width="800""#) && svg.contains(r#"height="600""#));
    // Text is turned into outlines: the SVG looks the same without the font.
    assert!(!svg.contains("<text"), "text left as <text>");
    let pdf = std::fs::read(dir.path().join("met.PDF")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() > 1000);
    // The labels are there as text in an embedded font (svg2pdf without its "text" feature
    // silently drops all text).
    assert!(
        pdf.windows(9).any(|w| w == b"/FontFile"),
        "no embedded font in the PDF"
    );
    assert_eq!(files(dir.path()), ["met.PDF", "met.svg"]);
}

#[test]
fn failed_plots_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let h = falling(10);
    let err = h
        .plot(dir.path().join("met.gif"), &PlotOptions::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown image format 'gif'"),
        "{err}"
    );
    let neg = Histogram::new_1d(Axis::regular(4, -1.0, 1.0).unwrap(), Storage::Double);
    let log = PlotOptions {
        log_x: true,
        ..PlotOptions::default()
    };
    assert!(neg.plot(dir.path().join("neg.png"), &log).is_err());
    // A directory that does not exist: the error names the file, nothing is left behind.
    let missing = dir.path().join("no/such/dir/met.png");
    let err = h.plot(&missing, &PlotOptions::default()).unwrap_err();
    assert!(err.to_string().contains("met.png"), "{err}");
    // An existing plot is replaced only by a complete one.
    let keep = dir.path().join("keep.png");
    h.plot(&keep, &PlotOptions::default()).unwrap();
    let before = std::fs::read(&keep).unwrap();
    let tiny = PlotOptions {
        width: 1,
        ..PlotOptions::default()
    };
    assert!(h.plot(&keep, &tiny).is_err());
    assert_eq!(std::fs::read(&keep).unwrap(), before);
    assert_eq!(files(dir.path()), ["keep.png"]);
}

#[test]
fn styles_overlays_density_flow_and_non_finite_contents() {
    let dir = tempfile::tempdir().unwrap();
    let a = falling(40);
    let mut b = falling(40);
    b.fill_many(&[f64::NAN, -5.0, 500.0, f64::INFINITY])
        .unwrap();
    for style in [HistStyle::Step, HistStyle::Filled, HistStyle::Points] {
        for (density, flow) in [(false, false), (true, true)] {
            let opts = PlotOptions {
                style,
                density,
                flow,
                log_y: flow,
                ..PlotOptions::default()
            };
            let path = dir.path().join(format!("{style:?}_{density}.png"));
            plot_overlay(&path, &[("a", &a), ("b with #eta", &b)], &opts).unwrap();
            assert_eq!(png_size(&path), (800, 600));
        }
    }
    // Overlaying a 2-D histogram is refused.
    let h2 = Histogram::new_2d(
        Axis::regular(2, 0.0, 1.0).unwrap(),
        Axis::regular(2, 0.0, 1.0).unwrap(),
        Storage::Double,
    );
    let err = plot_overlay(
        dir.path().join("x.png"),
        &[("a", &a), ("b", &h2)],
        &PlotOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("only 1-D"), "{err}");
}

#[test]
fn two_d_log_z_and_stack_formats() {
    let dir = tempfile::tempdir().unwrap();
    let mut h2 = Histogram::new_2d(
        Axis::regular(30, 0.0, 300.0)
            .unwrap()
            .with_label("p_{T} [GeV]"),
        Axis::regular(20, -2.5, 2.5).unwrap().with_label("#eta"),
        Storage::Double,
    );
    let xs: Vec<f64> = (0..5000).map(|i| (i as f64 * 0.37) % 300.0).collect();
    let ys: Vec<f64> = (0..5000).map(|i| (i as f64 * 0.11).sin() * 2.4).collect();
    h2.fill_many_2d(&xs, &ys).unwrap();
    let opts = PlotOptions {
        log_z: true,
        z_label: "Jets".into(),
        ..PlotOptions::default()
    };
    h2.plot(dir.path().join("map.png"), &opts).unwrap();
    let stack = StackPlot {
        stack: vec![
            ("t#bar{t}".into(), falling(20)),
            ("W+jets".into(), falling(20)),
        ],
        data: Some(("Data".into(), falling(20))),
        band: Some(vec![10.0; 20]),
        label: "3378 pb^{-1} (13 TeV)".into(),
        experiment: "ATLAS".into(),
        status: "Internal".into(),
        size: (900, 800),
        ..StackPlot::default()
    };
    for ext in ["png", "svg", "pdf"] {
        stack
            .write(dir.path().join(format!("stack.{ext}")))
            .unwrap();
    }
    assert_eq!(png_size(&dir.path().join("stack.png")), (900, 800));
    let log = StackPlot {
        log_y: true,
        ..stack.clone()
    };
    log.write(dir.path().join("stack_log.png")).unwrap();
    // Another binning is refused, and nothing is written.
    let odd = StackPlot {
        data: Some(("Data".into(), falling(21))),
        ..stack
    };
    assert!(odd.write(dir.path().join("odd.png")).is_err());
    assert!(!dir.path().join("odd.png").exists());
}

#[test]
fn extreme_contents_and_labels_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let extremes = [
        vec![f64::MAX, -f64::MAX, 1.0],
        vec![1e-300, 2e-300, 0.0],
        vec![-5.0, -1.0, -3.0],
        vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY],
    ];
    let long_label = "x_{".repeat(300) + &"#alpha ".repeat(100);
    for (k, weights) in extremes.iter().enumerate() {
        let mut h = Histogram::new_1d(
            Axis::variable(vec![1e-3, 1.0, 2.0, 1e6])
                .unwrap()
                .with_label(&long_label),
            Storage::Weight,
        );
        h.fill_many_weighted(&[0.5, 1.5, 5.0], weights).unwrap();
        for style in [HistStyle::Step, HistStyle::Filled, HistStyle::Points] {
            for (log_x, log_y, density, flow) in [
                (false, false, false, false),
                (true, true, true, true),
                (true, false, false, true),
            ] {
                let opts = PlotOptions {
                    style,
                    log_x,
                    log_y,
                    density,
                    flow,
                    title: long_label.clone(),
                    ..PlotOptions::default()
                };
                let path = dir.path().join(format!("e{k}_{style:?}_{log_x}.png"));
                h.plot(&path, &opts).unwrap();
            }
        }
        let mut h2 = Histogram::new_2d(
            Axis::regular(3, 0.0, 3.0).unwrap(),
            Axis::regular(1, 0.0, 1.0).unwrap(),
            Storage::Weight,
        );
        h2.fill_many_2d_weighted(&[0.5, 1.5, 2.5], &[0.5; 3], weights)
            .unwrap();
        for log_z in [false, true] {
            let opts = PlotOptions {
                log_z,
                ..PlotOptions::default()
            };
            h2.plot(dir.path().join(format!("m{k}_{log_z}.svg")), &opts)
                .unwrap();
        }
    }
}

#[test]
fn a_huge_2d_binning_draws_a_bounded_image() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Histogram::new_2d(
        Axis::regular(2000, 0.0, 1.0).unwrap(),
        Axis::regular(2000, 0.0, 1.0).unwrap(),
        Storage::Double,
    );
    let xs: Vec<f64> = (0..200_000).map(|i| (i as f64 * 0.618_034) % 1.0).collect();
    let ys: Vec<f64> = (0..200_000).map(|i| (i as f64 * 0.414_214) % 1.0).collect();
    h.fill_many_2d(&xs, &ys).unwrap();
    let path = dir.path().join("big.svg");
    h.plot(&path, &PlotOptions::default()).unwrap();
    // One cell per frame pixel at most: far below the 4 M bins.
    assert!(std::fs::metadata(&path).unwrap().len() < 40_000_000);
}

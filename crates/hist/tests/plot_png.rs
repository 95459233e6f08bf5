//! PNG plots: valid files of the requested size, and clear errors.

use std::path::Path;

use hist::{Axis, HistError, Histogram, PlotOptions, Storage};

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
    h.plot_png(&path, &options).unwrap();
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
    h1.plot_png(&p1, &PlotOptions::default()).unwrap();
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
    h2.plot_png(&p2, &options).unwrap();
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
    let err = h.plot_png(dir.path().join("a.png"), &log).unwrap_err();
    assert!(matches!(err, HistError::Plot { .. }));
    assert!(err.to_string().contains("logarithmic x axis"), "{err}");
    let tiny = PlotOptions {
        width: 10,
        height: 10,
        ..PlotOptions::default()
    };
    assert!(h
        .plot_png(dir.path().join("b.png"), &tiny)
        .unwrap_err()
        .to_string()
        .contains("image size 10×10"));
    // An empty histogram still plots.
    let path = dir.path().join("empty.png");
    h.plot_png(&path, &PlotOptions::default()).unwrap();
    assert_eq!(png_size(&path), (800, 600));
    // So does an empty one on log-log axes.
    let h = Histogram::new_1d(Axis::regular(10, 1.0, 100.0).unwrap(), Storage::Double);
    let loglog = PlotOptions {
        log_x: true,
        log_y: true,
        ..PlotOptions::default()
    };
    h.plot_png(dir.path().join("c.png"), &loglog).unwrap();
}

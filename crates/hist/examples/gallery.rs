//! The plot gallery: every kind of plot hist draws, from reproducible pseudo-data, written to
//! the directory given (the README's `examples/plots/`).
//!
//! ```text
//! cargo run --release -p hist --example gallery -- examples/plots
//! ```

use std::path::{Path, PathBuf};

use hist::{
    plot_overlay, write_uhi_file, Axis, HistStyle, Histogram, PlotOptions, StackPlot, Storage,
};

/// A reproducible stream of uniform numbers in [0, 1) (a 64-bit LCG; no dependency).
struct Uniform(u64);

impl Uniform {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal number (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.next()).ln()
    }
}

fn h1(n: usize, lo: f64, hi: f64, label: &str, name: &str) -> Histogram {
    Histogram::new_1d(
        Axis::regular(n, lo, hi)
            .expect("valid axis")
            .with_label(label),
        Storage::Weight,
    )
    .with_name(name)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "examples/plots".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let out = |name: &str| -> PathBuf { Path::new(&dir).join(name) };
    let mut r = Uniform(20_261_204);

    // A Z peak on a falling background, in three processes, and pseudo-data from the same model.
    let mll = "m_{#mu#mu} [GeV]";
    let mut z = h1(40, 60.0, 120.0, mll, "mll");
    let mut tt = h1(40, 60.0, 120.0, mll, "mll");
    let mut qcd = h1(40, 60.0, 120.0, mll, "mll");
    let mut data = h1(40, 60.0, 120.0, mll, "mll");
    for _ in 0..20_000 {
        let m = 91.19 + 2.5 * r.normal();
        z.fill_weighted(m, 0.5)?;
    }
    for _ in 0..6_000 {
        let m = 60.0 + r.exponential(40.0);
        tt.fill_weighted(m, 0.5)?;
    }
    for _ in 0..4_000 {
        let m = 60.0 + r.exponential(15.0);
        qcd.fill_weighted(m, 0.5)?;
    }
    for _ in 0..10_000 {
        let m = 91.19 + 2.6 * r.normal();
        data.fill(m)?;
    }
    for _ in 0..3_000 {
        data.fill(60.0 + r.exponential(40.0))?;
    }
    for _ in 0..2_000 {
        data.fill(60.0 + r.exponential(15.0))?;
    }
    let cms = PlotOptions {
        experiment: "CMS".into(),
        status: "Preliminary".into(),
        lumi: "59.7 fb^{-1} (13 TeV)".into(),
        ..PlotOptions::default()
    };

    // 1. Step (the default), 2. filled, 3. data points with √N errors.
    z.plot(
        out("step.png"),
        &PlotOptions {
            title: "Z → μμ".into(),
            ..Default::default()
        },
    )?;
    z.plot(
        out("filled.png"),
        &PlotOptions {
            style: HistStyle::Filled,
            ..cms.clone()
        },
    )?;
    data.plot(
        out("points.png"),
        &PlotOptions {
            style: HistStyle::Points,
            title: "Data".into(),
            ..cms.clone()
        },
    )?;

    // 4. Overlaid shapes with a legend, normalised to unit area.
    let mut pt_lead = h1(50, 0.0, 150.0, "p_{T} [GeV]", "pt");
    let mut pt_sub = h1(50, 0.0, 150.0, "p_{T} [GeV]", "pt");
    let mut pt_third = h1(50, 0.0, 150.0, "p_{T} [GeV]", "pt");
    for _ in 0..20_000 {
        pt_lead.fill(20.0 + r.exponential(35.0))?;
        pt_sub.fill(15.0 + r.exponential(20.0))?;
        pt_third.fill(10.0 + r.exponential(12.0))?;
    }
    plot_overlay(
        out("overlay_density.png"),
        &[
            ("leading jet", &pt_lead),
            ("second jet", &pt_sub),
            ("third jet", &pt_third),
        ],
        &PlotOptions {
            density: true,
            title: "Jet p_{T}, normalised".into(),
            ..Default::default()
        },
    )?;

    // 5. Logarithmic y with the flow bins shown.
    let mut met = h1(40, 0.0, 200.0, "E_{T}^{miss} [GeV]", "met");
    for _ in 0..50_000 {
        met.fill(r.exponential(25.0))?;
    }
    met.plot(
        out("log_flow.png"),
        &PlotOptions {
            log_y: true,
            flow: true,
            title: "Missing E_{T}, flow bins shown".into(),
            ..Default::default()
        },
    )?;

    // 6. A stack of simulated processes, data, the uncertainty band and the ratio panel.
    let band: Vec<f64> = (0..40)
        .map(|i| {
            let t = z.values(false)[i] + tt.values(false)[i] + qcd.values(false)[i];
            let var = z.variances(false)[i] + tt.variances(false)[i] + qcd.variances(false)[i];
            (var + (0.05 * t).powi(2)).sqrt()
        })
        .collect();
    let stack = StackPlot {
        title: String::new(),
        x_label: String::new(),
        y_label: String::new(),
        stack: vec![
            ("QCD multijet".into(), qcd.clone()),
            ("t#bar{t}".into(), tt.clone()),
            ("Z/#gamma* → #mu#mu".into(), z.clone()),
        ],
        data: Some(("Data".into(), data.clone())),
        band: Some(band),
        label: "59.7 fb^{-1} (13 TeV)".into(),
        experiment: "CMS".into(),
        status: "Preliminary".into(),
        log_y: false,
        size: (900, 800),
    };
    stack.write(out("stack_ratio.png"))?;
    stack.write(out("stack_ratio.svg"))?;
    stack.write(out("stack_ratio.pdf"))?;

    // 7. 2-D: linear and logarithmic colour scales.
    let mut eta_phi = Histogram::new_2d(
        Axis::regular(50, -2.5, 2.5)?.with_label("#eta"),
        Axis::regular(50, -3.2, 3.2)?.with_label("#phi"),
        Storage::Double,
    )
    .with_name("eta_phi");
    let mut pt_eta = Histogram::new_2d(
        Axis::regular(60, 0.0, 300.0)?.with_label("p_{T} [GeV]"),
        Axis::regular(50, -2.5, 2.5)?.with_label("#eta"),
        Storage::Double,
    )
    .with_name("pt_eta");
    for _ in 0..200_000 {
        let eta = 1.1 * r.normal();
        let phi = (r.next() - 0.5) * std::f64::consts::TAU;
        eta_phi.fill_2d(eta, phi)?;
        pt_eta.fill_2d(r.exponential(30.0), eta)?;
    }
    eta_phi.plot(
        out("map.png"),
        &PlotOptions {
            title: "Muon #eta–#phi".into(),
            z_label: "Muons".into(),
            ..Default::default()
        },
    )?;
    pt_eta.plot(
        out("map_logz.png"),
        &PlotOptions {
            log_z: true,
            title: "Jets".into(),
            z_label: "Jets / bin".into(),
            ..Default::default()
        },
    )?;

    // 8. A dense 30 000-bin spectrum on log-log axes (the dimuon demo's binning).
    let mut dimuon = Histogram::new_1d(
        Axis::regular(30_000, 0.25, 300.0)?.with_label("m_{#mu#mu} [GeV]"),
        Storage::Double,
    )
    .with_name("dimuon");
    let peaks = [0.782, 1.019, 3.097, 3.686, 9.46, 10.023, 10.355, 91.19];
    let widths = [0.008, 0.005, 0.03, 0.035, 0.08, 0.09, 0.1, 2.5];
    for _ in 0..2_000_000 {
        let u = r.next();
        let m = if u < 0.15 {
            let k = (r.next() * peaks.len() as f64) as usize % peaks.len();
            peaks[k] + widths[k] * r.normal()
        } else {
            0.25 * (1200.0f64).powf(r.next().powi(2))
        };
        dimuon.fill(m)?;
    }
    dimuon.plot(
        out("dense_loglog.png"),
        &PlotOptions {
            log_x: true,
            log_y: true,
            title: "Dimuon mass spectrum".into(),
            y_label: "Events / bin".into(),
            width: 1000,
            height: 640,
            ..Default::default()
        },
    )?;
    // The same histograms for mplhep (mplhep_compare.py draws them side by side with these).
    write_uhi_file(
        out("gallery.json"),
        &[
            ("z", &z),
            ("tt", &tt),
            ("qcd", &qcd),
            ("data", &data),
            ("pt_lead", &pt_lead),
            ("pt_sub", &pt_sub),
            ("pt_third", &pt_third),
            ("met", &met),
            ("eta_phi", &eta_phi),
            ("pt_eta", &pt_eta),
            ("dimuon", &dimuon),
        ],
    )?;
    println!("wrote the gallery to {}", dir.display());
    Ok(())
}

//! Mistakes in analysis files are one error naming the file, line and column.

use engine::{run, Analysis, EngineError, RunOptions};

fn sample() -> String {
    format!(
        "{}/../../examples/data/nano_10k.root",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn analysis(body: &str) -> String {
    format!(
        "[analysis]\ntree = \"Events\"\nfiles = [\"{}\"]\n{body}",
        sample()
    )
}

fn err(text: &str) -> EngineError {
    let a = match Analysis::from_toml(text, Some(std::path::Path::new("/tmp/a.toml"))) {
        Ok(a) => a,
        Err(e) => return e,
    };
    run(
        &a,
        &RunOptions {
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap_err()
}

const HIST: &str =
    "[[histogram]]\nname = \"h\"\nvalue = \"MET_pt\"\nbins = 10\nlow = 0\nhigh = 100\n";

#[test]
fn syntax_error_in_an_expression_has_line_and_column() {
    let text = analysis(&format!(
        "[[cut]]\nname = \"c\"\nwhen = \"nMuon == \"\n{HIST}"
    ));
    let e = err(&text);
    let EngineError::Expression {
        origin,
        message,
        caret,
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!((origin.line, origin.column), (6, 18), "{e}");
    assert!(message.contains("cut 'c'"), "{message}");
    assert!(caret.contains('^'), "{caret}");
}

#[test]
fn type_error_points_at_the_operand() {
    let text = analysis(&format!(
        "[[cut]]\nname = \"c\"\nwhen = \"nMuon == 2 && Muon.pt\"\n{HIST}"
    ));
    let e = err(&text);
    let EngineError::Expression { origin, caret, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!((origin.line, origin.column), (6, 23), "{e}");
    assert!(caret.ends_with("^^^^^^^"), "{caret}");
}

#[test]
fn unknown_names_suggest_branches() {
    let text = analysis(
        "[[histogram]]\nname = \"h\"\nvalue = \"MET_ptt\"\nbins = 10\nlow = 0\nhigh = 1\n",
    );
    let e = err(&text).to_string();
    assert!(
        e.contains("MET_pt") && e.contains("/tmp/a.toml:6:10"),
        "{e}"
    );
}

#[test]
fn bad_binning_and_toml_are_located() {
    let e = err(&analysis(
        "[[histogram]]\nname = \"h\"\nvalue = \"MET_pt\"\nbins = 0\nlow = 0\nhigh = 1\n",
    ))
    .to_string();
    assert!(
        e.contains("at least one bin") && e.contains("/tmp/a.toml:5:"),
        "{e}"
    );
    let e = err(&analysis(
        "[[histogram]]\nname = \"h\"\nvalue = \"MET_pt\"\nbins = 5\nlow = 3\nhigh = 1\n",
    ))
    .to_string();
    assert!(e.contains("must be below"), "{e}");
    let e = err(&analysis("[[histogram]\n")).to_string();
    assert!(e.contains("/tmp/a.toml:4:"), "{e}");
    let e = err(&analysis(
        "[[histogram]]\nname = \"h\"\nvalu = \"MET_pt\"\n",
    ))
    .to_string();
    assert!(e.contains("unknown field") || e.contains("valu"), "{e}");
}

#[test]
fn missing_input_is_an_error() {
    let text = format!("[analysis]\nfiles = [\"/nonexistent/*.root\"]\n{HIST}");
    let e = err(&text).to_string();
    assert!(e.contains("no input file matches"), "{e}");
    let text = format!("[analysis]\nfiles = [\"/nonexistent/x.root\"]\n{HIST}");
    let e = err(&text).to_string();
    assert!(e.contains("/nonexistent/x.root"), "{e}");
}

#[test]
fn histograms_after_a_named_cut() {
    let text = analysis(
        "[[cut]]\nname = \"one muon\"\nwhen = \"nMuon >= 1\"\n[[cut]]\nname = \"two muons\"\nwhen = \"nMuon >= 2\"\n\
         [[histogram]]\nname = \"lead\"\nvalue = \"Muon[0].pt\"\nafter = \"one muon\"\nbins = 10\nlow = 0\nhigh = 100\n\
         [[histogram]]\nname = \"n\"\nvalue = \"nMuon\"\nbins = 10\nlow = 0\nhigh = 10\n",
    );
    let a = Analysis::from_toml(&text, None).unwrap();
    let r = run(&a, &RunOptions::default()).unwrap();
    let (one, two) = (r.cutflow().cuts[0].passed, r.cutflow().cuts[1].passed);
    assert!(one > two && two > 0);
    let lead: f64 = r.histograms[0].values(true).iter().sum();
    let n: f64 = r.histograms[1].values(true).iter().sum();
    assert_eq!((lead as u64, n as u64), (one, two));
}

#[test]
fn regions_share_earlier_cuts_and_equal_separate_chains() {
    let hist = |name: &str, after: &str| {
        format!("[[histogram]]\nname = \"{name}\"\nvalue = \"MET_pt\"\nafter = \"{after}\"\nbins = 20\nlow = 0\nhigh = 200\n")
    };
    let regions = analysis(&format!(
        "[[cut]]\nname = \"muon\"\nwhen = \"len(Muon) >= 1\"\n\
         [[cut]]\nname = \"two muons\"\nwhen = \"len(Muon) >= 2\"\n\
         [[cut]]\nname = \"jets\"\nwhen = \"len(Jet) >= 2\"\nafter = \"muon\"\n{}{}",
        hist("mm", "two muons"),
        hist("mj", "jets")
    ));
    let a = Analysis::from_toml(&regions, None).unwrap();
    // The graph: "two muons" and "jets" both follow "muon".
    let parents: Vec<Option<usize>> = a.nodes.iter().map(|n| n.parent).collect();
    assert_eq!(parents, vec![None, Some(0), Some(0)]);
    let r = run(
        &a,
        &RunOptions {
            threads: 2,
            chunk_entries: 3000,
            progress: None,
            ..Default::default()
        },
    )
    .unwrap();
    for (second, h, idx) in [("len(Muon) >= 2", "mm", 0), ("len(Jet) >= 2", "mj", 1)] {
        let chain = analysis(&format!(
            "[[cut]]\nname = \"muon\"\nwhen = \"len(Muon) >= 1\"\n[[cut]]\nname = \"x\"\nwhen = \"{second}\"\n{}",
            hist(h, "x")
        ));
        let b = run(
            &Analysis::from_toml(&chain, None).unwrap(),
            &RunOptions::default(),
        )
        .unwrap();
        assert_eq!(
            r.cutflow().cuts[idx + 1].passed,
            b.cutflow().cuts[1].passed,
            "{h}"
        );
        assert_eq!(
            r.histograms[idx].values(true),
            b.histograms[0].values(true),
            "{h}"
        );
    }
    assert!(
        r.cutflow().table().contains("  two muons"),
        "{}",
        r.cutflow().table()
    );
    let bad = analysis("[[cut]]\nname = \"a\"\nwhen = \"len(Muon) > 0\"\nafter = \"b\"\n[[histogram]]\nname = \"h\"\nvalue = \"MET_pt\"\nbins = 2\nlow = 0\nhigh = 1\n");
    let e = Analysis::from_toml(&bad, Some(std::path::Path::new("/tmp/a.toml")))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no earlier cut") && e.contains("/tmp/a.toml:7:"),
        "{e}"
    );
}

#[test]
fn two_dimensional_histograms() {
    let text = analysis(
        "[[histogram]]\nname = \"pt_eta\"\nvalue = \"Jet.pt\"\nbins = 10\nlow = 0\nhigh = 100\n\
         y = \"Jet.eta\"\nybins = 4\nylow = -2.5\nyhigh = 2.5\n\
         [[histogram]]\nname = \"met_njet\"\nvalue = \"MET_pt\"\nbins = 5\nlow = 0\nhigh = 100\n\
         y = \"len(Jet)\"\nyedges = [0, 1, 2, 4, 8]\n\
         [[histogram]]\nname = \"pt\"\nvalue = \"Jet.pt\"\nbins = 10\nlow = 0\nhigh = 100\n",
    );
    let a = Analysis::from_toml(&text, None).unwrap();
    let r = run(&a, &RunOptions::default()).unwrap();
    let (h2, h1) = (&r.histograms[0], &r.histograms[2]);
    assert_eq!(h2.dim(), 2);
    // Summing the 2-D histogram over y (flow included) gives the 1-D histogram of x.
    let v2 = h2.values(true);
    let v1 = h1.values(true);
    let ny = 4 + 2;
    let marginal: Vec<f64> = (0..v1.len())
        .map(|ix| (0..ny).map(|iy| v2[ix * ny + iy]).sum())
        .collect();
    assert_eq!(marginal, v1);
    let total: f64 = r.histograms[1].values(true).iter().sum();
    assert_eq!(total as u64, r.entries);
    let e = Analysis::from_toml(&analysis("[[histogram]]\nname = \"h\"\nvalue = \"MET_pt\"\nbins = 5\nlow = 0\nhigh = 1\ny = \"MET_pt\"\nybins = 3\n"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ybins, ylow and yhigh"), "{e}");
}

#[test]
fn plot_settings_are_checked_where_they_are_written() {
    let cases = [
        (
            "[plots]\nformats = [\"png\", \"gif\"]\n",
            "unknown image format 'gif'",
        ),
        ("[plots]\nformats = []\n", "formats is empty"),
        ("[plots]\nwidth = 20\n", "width 20"),
        ("[plots]\ncolour = \"red\"\n", "unknown field `colour`"),
    ];
    for (plots, expected) in cases {
        let e = err(&analysis(&format!("{plots}{HIST}")));
        let text = e.to_string();
        assert!(text.contains(expected), "{text}");
        if let EngineError::Analysis { origin, .. } = &e {
            assert!(origin.line >= 4, "{e}");
        }
    }
    let e = err(&analysis(&format!("{HIST}plot = {{ style = \"dots\" }}\n")));
    let EngineError::Analysis { origin, message } = &e else {
        panic!("{e}")
    };
    assert!(message.contains("unknown style 'dots'"), "{message}");
    assert_eq!(origin.line, 10, "{e}");
    let e = err(&analysis(&format!(
        "{HIST}plot = {{ formats = [\"svg\"] }}\n"
    )));
    assert!(e.to_string().contains("in [plots]"), "{e}");
}

#[test]
fn plots_in_every_format_asked_for() {
    let text = analysis(&format!(
        "[plots]\nformats = [\"png\", \"svg\", \"pdf\"]\nexperiment = \"CMS\"\nstatus = \"Open Data\"\n\
         lumi_label = \"4.4 fb^{{-1}} (8 TeV)\"\n{HIST}xlabel = \"E_{{T}}^{{miss}} [GeV]\"\n\
         plot = {{ style = \"points\", flow = true, density = true }}\n\
         [[histogram]]\nname = \"map\"\nvalue = \"MET_pt\"\nbins = 10\nlow = 0\nhigh = 100\n\
         y = \"MET_phi\"\nybins = 8\nylow = -3.2\nyhigh = 3.2\nplot = {{ logz = true, zlabel = \"Events\" }}\n"
    ));
    let a = Analysis::from_toml(&text, Some(std::path::Path::new("/tmp/a.toml"))).unwrap();
    let r = run(&a, &RunOptions::default()).unwrap();
    let out = std::env::temp_dir().join(format!("hepframe-formats-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    engine::write_outputs_of(Some(&a), &r, &out).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cutflow.json",
            "h.pdf",
            "h.png",
            "h.svg",
            "histograms.json",
            "histograms.root",
            "map.pdf",
            "map.png",
            "map.svg",
            "report.html"
        ]
    );
    let pdf = std::fs::read(out.join("h.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    if let Ok(keep) = std::env::var("HEPFRAME_KEEP_PLOTS") {
        for f in ["h.png", "map.png"] {
            std::fs::copy(out.join(f), std::path::Path::new(&keep).join(f)).unwrap();
        }
    }
    // Re-run in the same folder with SVG only: the PNGs and PDFs of the first run go.
    let mut svg_only = a.clone();
    svg_only.plot_defaults.formats = Some(vec!["svg".into()]);
    let r = run(&svg_only, &RunOptions::default()).unwrap();
    engine::write_outputs_of(Some(&svg_only), &r, &out).unwrap();
    let plots: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png") || n.ends_with(".pdf") || n.ends_with(".svg"))
        .collect();
    assert_eq!(plots.len(), 2, "{plots:?}");
    assert!(plots.iter().all(|n| n.ends_with(".svg")), "{plots:?}");
    std::fs::remove_dir_all(&out).unwrap();
}

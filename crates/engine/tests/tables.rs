//! `correction()` and `lookup()` in analyses, against the references: correctionlib's Python
//! package and ROOT's `GetBinContent(FindBin(...))` on the muons of the bundled sample
//! (`reference/make_tables.py` wrote the files and the expected values). Every value must have
//! the same bits.

use engine::{run, Analysis, RunOptions, Stat, TakenValues};

fn sample() -> String {
    format!(
        "{}/../../examples/data/nano_10k.root",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn reference() -> String {
    format!("{}/tests/reference", env!("CARGO_MANIFEST_DIR"))
}

fn expected(key: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(format!("{}/tables.json", reference())).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The flat values of each take, for the first `events` events.
fn takes(a: &Analysis, names: &[&str]) -> Vec<Vec<f64>> {
    let r = run(
        a,
        &RunOptions {
            threads: 2,
            chunk_entries: 3000,
            ..Default::default()
        },
    )
    .unwrap();
    names
        .iter()
        .map(|n| {
            let t = match &r.stats.iter().find(|(k, _)| k == n).unwrap().1 {
                Stat::Take(t) => t.clone(),
                other => panic!("{other:?}"),
            };
            let values = match t.values {
                Some(TakenValues::Float64(v)) => v,
                other => panic!("{n}: {other:?}"),
            };
            match t.offsets {
                Some(o) => values[..o[1000] as usize].to_vec(),
                None => values[..1000].to_vec(),
            }
        })
        .collect()
}

fn assert_bits(name: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{name}: number of values");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{name}: value {i}: {g} against {w}"
        );
    }
}

#[test]
fn corrections_equal_correctionlib_bit_for_bit() {
    let file = format!("{}/tables_sf.json.gz", reference());
    let corr = |args: &str| format!("correction(\"{file}\", {args})");
    let a = Analysis::new("Events")
        .input([sample()])
        .take(
            "nominal",
            corr("\"muon_sf\", abs(Muon.eta), Muon.pt, \"nominal\""),
        )
        .take("up", corr("'muon_sf', abs(Muon.eta), Muon.pt, 'systup'"))
        .take(
            "down",
            corr("'muon_sf', abs(Muon.eta), Muon.pt, 'systdown'"),
        )
        .take("formula", corr("'pt_formula', Muon.pt"))
        .take("n_muon", corr("'n_muon_weight', nMuon"));
    let names = ["nominal", "up", "down", "formula", "n_muon"];
    let got = takes(&a, &names);
    let keys = [
        "muon_sf_nominal",
        "muon_sf_systup",
        "muon_sf_systdown",
        "pt_formula",
        "n_muon_weight",
    ];
    for ((name, key), g) in names.iter().zip(keys).zip(&got) {
        assert_bits(name, g, &expected(key));
    }
}

#[test]
fn lookups_equal_root_find_bin_bit_for_bit() {
    let file = format!("{}/tables_sf.root", reference());
    let a = Analysis::new("Events")
        .input([sample()])
        .take(
            "flow",
            format!("lookup(\"{file}:sf_eta_pt\", Muon.eta, Muon.pt)"),
        )
        .take(
            "clamp",
            format!("lookup(\"{file}:sf_eta_pt\", Muon.eta, Muon.pt, \"clamp\")"),
        )
        .take("profile", format!("lookup(\"{file}:mean_vs_pt\", Muon.pt)"));
    let got = takes(&a, &["flow", "clamp", "profile"]);
    assert_bits("flow", &got[0], &expected("lookup_flow"));
    assert_bits("clamp", &got[1], &expected("lookup_clamp"));
    assert_bits("profile", &got[2], &expected("profile_mean"));
}

/// In an analysis file, file names are relative to the analysis file; mistakes are errors with
/// the line and column before the event loop.
#[test]
fn analysis_files_resolve_tables_next_to_them() {
    let text = format!(
        "[analysis]\ntree = \"Events\"\nfiles = [\"{}\"]\n\
         [define]\nsf = \"correction('tables_sf.json.gz', 'muon_sf', abs(Muon.eta), Muon.pt, \
         'nominal')\"\nmap = \"lookup('tables_sf.root:sf_eta_pt', Muon.eta, Muon.pt)\"\n\
         [[histogram]]\nname = \"h\"\nvalue = \"sf\"\nbins = 10\nlow = 0.8\nhigh = 1.2\n\
         [[histogram]]\nname = \"m\"\nvalue = \"map\"\nbins = 10\nlow = 0.8\nhigh = 1.2\n",
        sample()
    );
    let path = std::path::PathBuf::from(format!("{}/analysis.toml", reference()));
    let a = Analysis::from_toml(&text, Some(&path)).unwrap();
    let r = run(&a, &RunOptions::default()).unwrap();
    let entries: f64 = r.histograms[0].values(true).iter().sum();
    assert!(entries > 10_000.0, "{entries}");

    let bad = text.replace("'muon_sf'", "'muon_SF'");
    let err = run(
        &Analysis::from_toml(&bad, Some(&path)).unwrap(),
        &RunOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no correction 'muon_SF'"), "{err}");
    assert!(err.contains("muon_sf, n_muon_weight, pt_formula"), "{err}");
    assert!(err.contains("analysis.toml:5:"), "{err}");

    let missing = text.replace("tables_sf.root:", "nowhere.root:");
    let err = run(
        &Analysis::from_toml(&missing, Some(&path)).unwrap(),
        &RunOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("nowhere.root"), "{err}");
}

/// An input outside a binning whose flow is "error" stops the run with the entry named.
#[test]
fn an_error_flow_names_the_entry() {
    let dir = tempfile_dir();
    let json = r#"{"schema_version": 2, "corrections": [{"name": "strict", "version": 1,
        "inputs": [{"name": "pt", "type": "real"}], "output": {"name": "w", "type": "real"},
        "data": {"nodetype": "binning", "input": "pt", "edges": [0.0, 50.0, 100.0],
                 "content": [1.0, 2.0], "flow": "error"}}]}"#;
    let file = dir.join("strict.json");
    std::fs::write(&file, json).unwrap();
    let a = Analysis::new("Events").input([sample()]).take(
        "w",
        format!("correction(\"{}\", \"strict\", Muon.pt)", file.display()),
    );
    let err = run(
        &a,
        &RunOptions {
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("correction 'strict'"), "{err}");
    assert!(err.contains("entry "), "{err}");
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hepframe-tables-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A correction's systematics as one variation: the define's `"nominal"` input is replaced per
/// universe, and each universe's histogram equals the one filled with that string written in.
#[test]
fn correction_systematics_in_one_declaration() {
    let body = |sf: &str, variation: bool| {
        format!(
            "[analysis]\ntree = \"Events\"\nfiles = [\"{}\"]\nweight = \"muon_sf\"\n\
             [define]\nmuon_sf = \"prod(correction('tables_sf.json.gz', 'muon_sf', \
             abs(Muon.eta), Muon.pt, '{sf}'))\"\n{}\
             [[histogram]]\nname = \"pt\"\nvalue = \"Muon.pt\"\nbins = 20\nlow = 0\nhigh = 100\n",
            sample(),
            if variation {
                "[[variation]]\nname = \"muon_id\"\ncolumn = \"muon_sf\"\n\
                 systematics = { up = \"systup\", down = \"systdown\" }\n"
            } else {
                ""
            }
        )
    };
    let path = std::path::PathBuf::from(format!("{}/analysis.toml", reference()));
    let go = |text: String| {
        run(
            &Analysis::from_toml(&text, Some(&path)).unwrap(),
            &RunOptions::default(),
        )
        .unwrap()
    };
    let varied = go(body("nominal", true));
    let names: Vec<&str> = varied.histograms.iter().map(|h| h.name()).collect();
    assert_eq!(names, ["pt", "pt_muon_id_up", "pt_muon_id_down"]);
    for (hist, syst) in [
        ("pt", "nominal"),
        ("pt_muon_id_up", "systup"),
        ("pt_muon_id_down", "systdown"),
    ] {
        let alone = go(body(syst, false));
        let h = varied.histogram(hist).unwrap();
        assert_eq!(h.values(true), alone.histograms[0].values(true), "{hist}");
        assert_eq!(
            h.variances(true),
            alone.histograms[0].variances(true),
            "{hist}"
        );
    }
    let bad = body("nominal", true).replace("'nominal'", "'central'");
    let err = Analysis::from_toml(&bad, Some(&path))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no string \"nominal\" to replace"), "{err}");
}

/// What `lookup()` cannot read is an error before the loop: a graph, an unsupported histogram
/// class, an object that is no histogram, a histogram of another dimension than the inputs.
#[test]
fn lookups_of_what_is_no_table_are_errors() {
    let file = format!(
        "{}/../rootio/tests/fixtures/histograms.root",
        env!("CARGO_MANIFEST_DIR")
    );
    let cases = [
        ("graph", "MET_pt", "TGraph"),
        ("poly", "MET_pt, MET_phi", "TH2Poly"),
        ("named", "MET_pt", "TNamed"),
        ("missing", "MET_pt", "missing"),
        ("h2f", "MET_pt", "takes 2 inputs"),
    ];
    for (h, args, want) in cases {
        let a = Analysis::new("Events")
            .input([sample()])
            .take("v", format!("lookup(\"{file}:{h}\", {args})"));
        let err = run(&a, &RunOptions::default()).unwrap_err().to_string();
        assert!(err.contains(want), "{h}: {err}");
        assert!(
            !err.contains("entry"),
            "{h}: an error before the loop: {err}"
        );
    }
}

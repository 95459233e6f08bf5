"""The AGC ttbar analysis through the Python API (samples from the manifest, Vary, VariationsFor)
equals ROOT RDataFrame's histograms bit for bit (examples/agc/reference, made by agc_rdf.py), on a
Dask cluster too; and cabinetry fits the pseudo-data of hepframe's histograms.root."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import hepframe

XSEC = {"ttbar": 729.84, "single_top_s_chan": 2.0268 + 1.2676,
        "single_top_t_chan": (36.993 + 22.175) / 0.252, "single_top_tW": 37.936 + 37.906,
        "wjets": 61457 * 0.252}


def book(repo):
    samples = hepframe.samples_from_manifest(repo / "examples/agc/data/nanoaod_inputs.json", XSEC)
    df = hepframe.RDataFrame(
        "Events", samples=samples, lumi=3378,
        sample_sums={"pseudodata": [("wjets", 1.0), ("ttbar:PS_var", 0.5), ("ttbar:ME_var", 0.5)]},
    )
    jets = (
        df.Vary("Jet_pt", {
            "pt_scale_up": "Jet_pt * 1.03f",
            "pt_res_up": "Jet_pt * float(1 + gaussian_quantile(0.001 * (int(Jet_pt * 1000) % 1000) + 0.0005, 0.05))",
        })
        .Filter("count(Electron.pt > 30 && abs(Electron.eta) < 2.1 && Electron.sip3d < 4 && Electron.cutBased == 4)"
                " + count(Muon.pt > 30 && abs(Muon.eta) < 2.1 && Muon.tightId && Muon.sip3d < 4"
                " && Muon.pfRelIso04_all < 0.15) == 1", "exactly one lepton")
        .Define("jets", "Jet[Jet.pt > 30 && abs(Jet.eta) < 2.4 && Jet.jetId == 6]")
        .Filter("len(jets) >= 4", "at least four jets")
        .Define("n_btag", "count(jets.btagCSVV2 > 0.5)")
    )
    # b-tag weights: one Vary of `weight` with eight tags, on the nominal samples.
    btag = {}
    for i in range(4):
        for tag, sign in (("up", "+"), ("down", "-")):
            btag[f"btag_var_{i}_{tag}"] = f"weight * float(1 {sign} 0.075 * jets.pt[{i}] / 50)"
    jets = jets.Vary("weight", btag).Vary(
        "weight", ["weight * (1 + float(0.025))", "weight * (1 + float(-0.025))"], ["up", "down"],
        "scale_var", samples=["wjets"])
    h1 = jets.Filter("n_btag == 1", "4j1b").Histo1D(("4j1b", "", 25, 50, 550), "sum(jets.pt)")
    trijet = (
        jets.Filter("n_btag >= 2", "4j2b")
        .Define("trijets", "combinations(jets, 3)")
        .Define("b", "trijets[trijets.0.btagCSVV2 > 0.5 || trijets.1.btagCSVV2 > 0.5 || trijets.2.btagCSVV2 > 0.5]")
        .Define("p4", "PxPyPzMVector(b.0) + PxPyPzMVector(b.1) + PxPyPzMVector(b.2)")
    )
    h2 = trijet.Histo1D(("4j2b", "", 25, 50, 550), "p4[argmax(p4.pt)].mass")
    return df, h1, h2


@pytest.fixture(scope="module")
def reference(repo):
    return json.loads((repo / "examples/agc/reference/zstd_seed7.json").read_text())


def assert_bitwise(histograms, reference):
    assert sorted(histograms) == sorted(reference)
    for name, want in reference.items():
        h = histograms[name]
        for got, exp in ((h.values(flow=True), want["storage"]["values"]),
                         (h.variances(flow=True), want["storage"]["variances"])):
            np.testing.assert_array_equal(got, np.asarray(exp), err_msg=name)


def test_the_python_api_equals_rdataframe(repo, reference):
    df, h1, h2 = book(repo)
    r = df.compute(hepframe.LocalExecutor(threads=1))
    assert len(r.histograms) == 124
    assert_bitwise(r.histograms, reference)
    # VariationsFor: every universe the histogram depends on, per sample.
    v = hepframe.VariationsFor(h2, sample="ttbar")
    assert set(v) == {"nominal", "pt_scale_up", "pt_res_up"} | {
        f"btag_var_{i}_{t}" for i in range(4) for t in ("up", "down")}
    assert "scale_var_up" in hepframe.VariationsFor(h1, sample="wjets")
    assert set(hepframe.VariationsFor(h1, sample="ttbar:ME_var")) == {"nominal"}
    np.testing.assert_array_equal(h1.GetValue(sample="ttbar").values(flow=True),
                                  reference["4j1b_ttbar"]["storage"]["values"])
    with pytest.raises(hepframe.AnalysisError, match="several samples"):
        h1.GetValue()
    # The cut-flow of each sample, with weighted yields.
    cf = r.cutflows["ttbar"]
    assert cf["4j1b"] + cf["4j2b"] <= cf["at least four jets"]
    total, err = cf.yields["(all events)"]
    assert total == pytest.approx(729.84 * 3378, rel=1e-12) and err > 0


def test_the_analysis_file_equals_rdataframe(repo, reference):
    r = hepframe.run(repo / "examples/agc/agc.toml", threads=2)
    assert_bitwise(r.histograms, reference)
    assert "sample wjets" in str(r.cutflows["wjets"])


def test_dask_runs_the_multi_sample_varied_analysis_identically(repo, reference):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        df, _, _ = book(repo)
        r = df.compute(hepframe.DaskExecutor(client))
    assert_bitwise(r.histograms, reference)


def test_cabinetry_fits_the_pseudodata(repo, tmp_path):
    """The AGC's statistical model (cabinetry + pyhf) built from hepframe's histograms.root gives the
    fit of RDataFrame's own histograms: ttbar_norm = 0.972 ± 0.016 on this sample."""
    pytest.importorskip("cabinetry")
    fit = repo.parent / "shared" / "bench" / "agc_fit.py"
    if not fit.exists():
        pytest.skip(f"{fit} is not here")
    # The same writer as `hepframe run`'s histograms.root.
    path = tmp_path / "histograms.root"
    hepframe.run(repo / "examples/agc/agc.toml").save(path)
    done = subprocess.run([sys.executable, str(fit), str(path)], capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stdout + done.stderr
    line = [x for x in done.stdout.splitlines() if x.startswith("ttbar_norm=")][-1]
    value, error = line.split("=")[1].split("+/-")
    assert float(value) == pytest.approx(0.972, abs=5e-4), line
    assert float(error) == pytest.approx(0.016, abs=5e-4), line

"""The AGC ttbar analysis through the Python API (samples from the manifest, Vary, VariationsFor)
equals ROOT RDataFrame's histograms bit for bit (examples/agc/reference, made by agc_rdf.py), on a
Dask cluster too; and cabinetry fits the pseudo-data of hepframe's histograms.root."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import hepframe

def load_example(repo):
    """examples/agc/agc.py, the AGC written with the Python API."""
    spec = importlib.util.spec_from_file_location("agc_example", repo / "examples/agc/agc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def book(repo):
    return load_example(repo).book(repo / "examples/agc/data/nanoaod_inputs.json")


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

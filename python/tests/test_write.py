"""Histograms saved to ROOT files from Python read back in uproot with the same bins, errors
and titles."""

import awkward as ak
import hist
import numpy as np
import pytest
import uproot

import hepframe


def test_hist_objects_to_root(tmp_path):
    rng = np.random.default_rng(1)
    h1 = hist.Hist.new.Reg(20, 0, 100, name="x", label="p_{T} [GeV]").Weight()
    h1.fill(rng.exponential(30, 1000), weight=rng.uniform(0.5, 1.5, 1000))
    h2 = hist.Hist.new.Var([0, 1, 5, 10], name="x").Reg(4, -2, 2, name="y").Double()
    h2.fill(rng.uniform(-1, 12, 500), rng.normal(0, 1, 500))
    path = tmp_path / "out.root"
    hepframe.write_root(path, {"pt": h1, "xy": h2})
    f = uproot.open(path)
    assert f["pt"].classname == "TH1D" and f["xy"].classname == "TH2D"
    np.testing.assert_array_equal(f["pt"].values(flow=True), h1.values(flow=True))
    np.testing.assert_array_equal(f["pt"].variances(flow=True), h1.variances(flow=True))
    assert f["pt"].axis().member("fTitle") == "p_{T} [GeV]"
    np.testing.assert_array_equal(f["xy"].values(flow=True), h2.values(flow=True))
    np.testing.assert_array_equal(f["xy"].axis(0).edges(), [0, 1, 5, 10])


def test_results_save_and_bad_paths(sample, tmp_path):
    df = hepframe.RDataFrame("Events", sample)
    df.histo1d("met", "MET_pt", bins=50, range=(0, 200))
    r = df.compute()
    r.save(tmp_path / "met.root", compression="lz4-4")
    np.testing.assert_array_equal(uproot.open(tmp_path / "met.root")["met"].values(flow=True),
                                  r.histograms["met"].values(flow=True))
    with pytest.raises(hepframe.OutputError):
        r.save(tmp_path / "no" / "such" / "dir" / "met.root")
    with pytest.raises(hepframe.AnalysisError, match="unknown compression"):
        r.save(tmp_path / "x.root", compression="gzip")


def test_snapshot_in_the_same_pass(sample, tmp_path):
    df = hepframe.RDataFrame("Events", sample)
    two = df.Filter("len(Muon) == 2", "two muons").Define("mass", "(Muon[0] + Muon[1]).mass")
    h = two.histo1d("mass_h", "mass", bins=50, range=(0, 150))
    out = tmp_path / "skim.root"
    snap = two.Snapshot("Events", str(out), ["event", "Muon_*", "mass"], compression="lz4-4")
    n = two.Count()
    assert snap.GetValue() == str(out)
    t = uproot.open(out)["Events"]
    assert t.num_entries == n.GetValue() == h.GetValue().sum(flow=True)
    assert t["Muon_pt"].typename == "float[]" and t["nMuon"].typename == "uint32_t"
    src = uproot.open(sample)["Events"].arrays(["event", "nMuon", "Muon_pt"], library="ak")
    src = src[src.nMuon == 2]
    got = t.arrays(["event", "Muon_pt", "mass"], library="ak")
    assert ak.to_list(got.event) == ak.to_list(src.event)
    assert ak.to_list(got.Muon_pt) == ak.to_list(src.Muon_pt)
    assert len(got.mass) == len(src)


def test_root_statistics_are_those_of_the_filled_values(sample, tmp_path):
    """TH1D's fTsumwx/fTsumwx2 come from the filled values (inside the axis), as ROOT keeps them
    while filling, so GetMean() is the mean of the values, not of the bin centres."""
    import uproot

    df = hepframe.RDataFrame("Events", sample)
    df.Histo1D(("met", "", 20, 0, 200), "MET_pt")
    r = df.compute()
    path = tmp_path / "h.root"
    r.save(path)
    met = hepframe.open(sample)["Events"].arrays(["MET_pt"])["MET_pt"].astype(np.float64)
    inside = met[(met >= 0) & (met < 200)]
    h = uproot.open(path)["met"]
    assert h.member("fTsumw") == len(inside)
    mean = h.member("fTsumwx") / h.member("fTsumw")
    assert mean == pytest.approx(inside.mean(), rel=1e-12)
    assert mean != pytest.approx(float(np.sum(h.values() * h.axis().centers()) / h.values().sum()), rel=1e-6)


def test_ctrl_c_stops_a_run_and_removes_its_temporary_files(clustered_copies, tmp_path):
    """A KeyboardInterrupt (Ctrl-C in a notebook) stops the run within a work item, raises,
    removes the snapshot's temporary file, and leaves the graph usable."""
    import _thread
    import threading
    import time

    df = hepframe.RDataFrame("Events", clustered_copies)
    four = df.Filter("len(Jet) >= 4", "four jets").Define("t", "combinations(Jet, 4)")
    best = four.Define("best", "argmin(abs((t.0 + t.1 + t.2 + t.3).mass - 172.5))")
    best.histo1d("best", "best", bins=10, range=(0, 10))
    best.Snapshot("Events", str(tmp_path / "skim.root"), ["event", "best"])
    ex = hepframe.LocalExecutor(threads=1, entries_per_item=1000)
    seen = []

    def interrupt_once_the_loop_runs():
        while not any(p.name.startswith(".skim.root.") for p in tmp_path.iterdir()):
            time.sleep(0.0005)
        seen.append(True)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_once_the_loop_runs, daemon=True).start()
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        df.compute(ex)
    assert seen and time.perf_counter() - t0 < 30
    assert list(tmp_path.iterdir()) == []
    # The graph still runs, to the end.
    r = df.compute(hepframe.LocalExecutor(threads=2))
    assert r.entries == 80_000 and (tmp_path / "skim.root").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["skim.root"]

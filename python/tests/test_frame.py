"""The RDataFrame-style API: one pass, regions, counts/sums/means/takes, the cut-flow, errors by
category, and the same histograms as ROOT RDataFrame (the committed references)."""

import json
import threading
import time

import hist
import numpy as np
import pytest

import hepframe


@pytest.fixture(scope="module")
def reference(repo):
    return json.loads((repo / "crates/engine/tests/reference/reference.json").read_text())["histograms"]


def test_dimuon_spectrum_equals_rdataframe(sample, reference):
    df = hepframe.RDataFrame("Events", sample)
    two = df.Filter("len(Muon) == 2", "two muons").Filter("Muon[0].charge != Muon[1].charge", "opposite charge")
    h = two.Define("mass", "(Muon[0] + Muon[1]).mass").Histo1D(("dimuon_mass", "", 30000, 0.25, 300), "mass")
    value = h.GetValue()
    assert isinstance(value, hist.Hist)
    np.testing.assert_array_equal(value.values(flow=True), reference["dimuon_mass"]["values"])


@pytest.mark.parametrize("q", ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8"])
def test_analysis_files_equal_rdataframe(repo, q, reference):
    r = hepframe.run(repo / f"examples/adl/{q}.toml", threads=2)
    for name, h in r.histograms.items():
        np.testing.assert_array_equal(h.values(flow=True), reference[name]["values"], err_msg=name)
    assert r.entries == 10_000


def test_one_pass_regions_and_stats(sample):
    df = hepframe.RDataFrame("Events", sample)
    all_count = df.Count()
    met_sum = df.Sum("MET_pt", name="met_sum")
    muons = df.Filter("nMuon >= 1", "a muon")
    jets = df.Filter("nJet >= 2", "two jets")
    two = muons.Filter("nMuon == 2", "two muons")
    m = two.Define("mass", "(Muon[0] + Muon[1]).mass")
    mean = m.Mean("mass")
    take = m.Take("mass")
    n_two = two.Count()
    jet_pt = jets.histo1d("jet_pt", "Jet.pt", bins=45, range=(15, 60), xlabel="pT [GeV]")
    h2 = jets.histo2d("pt_eta", "Jet.pt", "Jet.eta", xbinning=(20, 0, 200), ybinning=[-2.5, 0, 2.5])
    weighted = muons.histo1d("met_w", "MET_pt", bins=10, range=(0, 100), weight="Muon[0].pt")
    report = df.Report()
    r = df.compute()
    # Every handle was filled by that single pass.
    assert all_count.GetValue() == 10_000 == r.entries
    flow = report.GetValue()
    assert [n for n, _, _ in flow] == ["a muon", "two jets", "two muons"]
    assert flow["two muons"] == n_two.GetValue() == len(take.GetValue())
    assert flow.cuts[2][2] == 0  # "two muons" follows "a muon"; "two jets" starts a region
    assert flow.cuts[1][2] is None
    assert "\ntwo muons " in str(flow) and "\ntwo jets  (after all events) " in str(flow)
    assert mean.GetValue() == pytest.approx(np.mean(take.GetValue()), rel=1e-12)
    met = hepframe.open(sample)["Events"].arrays(["MET_pt"])["MET_pt"]
    assert met_sum.GetValue() == pytest.approx(float(np.sum(met, dtype=np.float64)), rel=1e-12)
    assert jet_pt.GetValue().axes[0].label == "pT [GeV]"
    assert h2.GetValue().ndim == 2 and h2.GetValue().axes[1].edges.tolist() == [-2.5, 0, 2.5]
    assert weighted.GetValue().storage_type == hist.storage.Weight
    # Attribute access goes to the value, as RResultPtr's arrow does.
    assert jet_pt.sum(flow=True) == jet_pt.GetValue().sum(flow=True)


def test_results_are_the_same_for_any_threads_and_items(clustered):
    def book():
        df = hepframe.RDataFrame("Events", clustered)
        df.Filter("nJet >= 1", "a jet").histo1d("w", "Jet.pt", bins=50, range=(0, 250), weight="Jet.eta * Jet.eta")
        df.Sum("Jet.pt * 1.0001", name="s")
        return df

    # Weighted sums are bit-identical for the same work items, whatever the threads: the partials
    # merge in a fixed tree. (Other item sizes add the same numbers in another order.)
    one, two = [book().compute(hepframe.LocalExecutor(threads=t, entries_per_item=1000)) for t in (1, 2)]
    assert one.raw_histograms == two.raw_histograms
    assert one.stats == two.stats


def test_errors_by_category(repo, sample):
    df = hepframe.RDataFrame("Events", sample)
    with pytest.raises(hepframe.ExpressionError) as e:
        df.Filter("nMuon == 2 && Muon.pt", "bad")
    assert "^" in str(e.value) and "bool" in str(e.value)
    with pytest.raises(hepframe.ExpressionError, match="did you mean"):
        df.Define("x", "Muon.ptt")
    with pytest.raises(hepframe.AnalysisError, match="at least 1 bin"):
        df.histo1d("h", "MET_pt", bins=0, range=(0, 1))
    with pytest.raises(hepframe.AnalysisError, match="below the high edge"):
        df.Histo1D(("h", "", 10, 5, 5), "MET_pt")
    with pytest.raises(hepframe.FileNotFoundError):
        hepframe.RDataFrame("Events", str(repo / "missing.root"))
    with pytest.raises(hepframe.AnalysisError, match="no input file matches"):
        hepframe.RDataFrame("Events", str(repo / "nothing-*.root"))
    with pytest.raises(hepframe.NotFoundError, match="'Event' not found; did you mean 'Events'"):
        hepframe.RDataFrame("Event", sample)
    with pytest.raises(hepframe.AnalysisError, match="analysis file"):
        hepframe.run(repo / "no-such-analysis.toml")


def test_a_bad_booking_is_refused_and_leaves_the_graph_usable(sample):
    df = hepframe.RDataFrame("Events", sample)
    two = df.Filter("nMuon == 2", "two muons")
    n_before = two.Count(name="n")
    for bad in (lambda: two.Filter("nMuon == 2 && Muon.pt", "bad"),
                lambda: two.Define("m", "(Muon[0] + Muon[1]).mas"),
                lambda: two.Redefine("nothing", "1"),
                lambda: two.Vary("MET_pt", {"up": "MET_pt * "}),
                lambda: two.Histo1D(("h", "", 10, 0, 100), "Muon.charge && 1"),
                lambda: two.Sum("Muon.ptt", name="s"),
                lambda: two.Take("Muon", name="t")):
        with pytest.raises(hepframe.HepframeError):
            bad()
    # Nothing of the failed bookings remains: the rest computes, and the names are free.
    h = two.Histo1D(("h", "", 10, 0, 100), "MET_pt")
    s = two.Sum("MET_pt", name="s")
    bad_cut = two.Filter("MET_pt > 20", "bad")
    m = hepframe.open(sample)["Events"].arrays(["nMuon", "MET_pt"])
    sel = m["nMuon"] == 2
    assert n_before.GetValue() == int(sel.sum()) > 0
    assert h.GetValue().sum(flow=True) == n_before.GetValue()
    assert s.GetValue() == pytest.approx(float(m["MET_pt"][sel].astype(np.float64).sum()), rel=1e-12)
    assert bad_cut.Count().GetValue() == int((sel & (m["MET_pt"] > 20)).sum())
    assert [n for n, _, _ in df.Report().GetValue()] == ["two muons", "bad"]


def test_booking_again_gives_the_same_result_or_replaces_it(sample):
    """A notebook cell run twice books the same nodes again: it reuses them; edited and run
    again, its results replace the old ones and the old cut leaves the cut-flow."""
    m = hepframe.open(sample)["Events"].arrays(["nMuon", "MET_pt"])
    df = hepframe.RDataFrame("Events", sample)
    cell = {}

    def run_cell(cut, k="nMuon"):
        cell["sel"] = df.Define("k", k).Filter(cut, "muons")
        cell["n"] = cell["sel"].Count(name="n")
        cell["h"] = cell["sel"].Histo1D(("met", "", 10, 0, 100), "MET_pt")
        cell["c"] = cell["sel"].Count()

    run_cell("k >= 1")
    first = cell["n"]
    run_cell("k >= 1")  # the same cell again: the same results
    assert first.GetValue() == cell["n"].GetValue() == int((m["nMuon"] >= 1).sum())
    assert len(df._graph.stats) == 2 and len(df._graph.histograms) == 1
    run_cell("k >= 2")  # edited: replaces
    assert cell["n"].GetValue() == int((m["nMuon"] >= 2).sum())
    assert cell["h"].GetValue().sum(flow=True) == cell["n"].GetValue() == cell["c"].GetValue()
    assert [(n, k) for n, k, _ in df.Report().GetValue()] == [("muons", cell["n"].GetValue())]
    with pytest.raises(hepframe.AnalysisError, match="'n' was booked again"):
        first.GetValue()
    run_cell("k >= 2", k="nMuon * 2")  # an edit above the cut
    assert cell["n"].GetValue() == int((m["nMuon"] >= 1).sum())
    assert [(n, k) for n, k, _ in df.Report().GetValue()] == [("muons", cell["n"].GetValue())]
    # A second cut of that name elsewhere is refused (cut names label the cut-flow).
    with pytest.raises(hepframe.AnalysisError, match="a cut named 'muons' already exists"):
        df.Filter("MET_pt > 10", "muons")
    # Sibling defines of one name stay two nodes (RDataFrame's rule), each with its value.
    a = df.Define("w", "MET_pt").Sum("w", name="wa")
    b = df.Define("w", "MET_pt * 2").Sum("w", name="wb")
    assert b.GetValue() == pytest.approx(2 * a.GetValue(), rel=1e-12)


def test_the_gil_is_released_while_rust_works(clustered_copies):
    """Python threads keep running during a run (the event loop holds no GIL)."""
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    df = hepframe.RDataFrame("Events", clustered_copies)
    df.Define("t", "combinations(Jet, 3)").Filter("len(Jet) >= 3", "three jets").histo1d(
        "best", "argmin(abs((t.0 + t.1 + t.2).mass - 172.5))", bins=10, range=(0, 10))
    t = threading.Thread(target=tick)
    t.start()
    start = time.perf_counter()
    df.compute(hepframe.LocalExecutor(threads=1))
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    during = [x for x in ticks if start <= x <= start + elapsed]
    # With the GIL held the ticker would be frozen for the whole run.
    assert elapsed > 0.05 and len(during) > 10, (elapsed, len(during))


def test_a_define_is_seen_below_its_node_only(sample):
    """Define/Redefine return a new node: the node they are called on and its other branches do not
    see them (RDataFrame's rule; a sibling redefining MET_pt must not change this count)."""
    df = hepframe.RDataFrame("Events", sample)
    sibling = df.Redefine("MET_pt", "MET_pt * 0")
    zero = sibling.Filter("MET_pt > 100", "sibling").Count()
    high = df.Filter("MET_pt > 100", "high").Count()
    met = hepframe.open(sample)["Events"].arrays(["MET_pt"])["MET_pt"]
    assert high.GetValue() == int((met > 100).sum()) > 0
    assert zero.GetValue() == 0
    df2 = hepframe.RDataFrame("Events", sample)
    df2.Define("x", "MET_pt * 2")
    with pytest.raises(hepframe.ExpressionError, match="unknown name 'x'"):
        df2.Filter("x > 1", "uses x")


def test_vary_and_variations_for_one_sample(sample):
    df = hepframe.RDataFrame("Events", sample)
    h = (df.Vary("MET_pt", ["MET_pt * 1.1f", "MET_pt * 0.9f"], ["up", "down"], "met")
           .Filter("MET_pt > 40", "MET").Histo1D(("met", "", 20, 0, 200), "MET_pt"))
    v = hepframe.VariationsFor(h)
    assert set(v) == {"nominal", "met_up", "met_down"}
    assert v["met_up"].sum() > v["nominal"].sum() > v["met_down"].sum()
    np.testing.assert_array_equal(h.GetValue().values(), v["nominal"].values())


def test_take_keeps_type_and_event_boundaries(sample):
    import awkward as ak

    df = hepframe.RDataFrame("Events", sample)
    two = df.Filter("nMuon == 2", "two muons")
    pts = two.Take("Muon.pt", name="pts")
    events = two.Take("event", name="events")
    charge_sum_zero = two.Take("Muon[0].charge + Muon[1].charge == 0", name="os")
    r = df.compute()
    src = hepframe.open(sample)["Events"].arrays(["nMuon", "Muon_pt", "event"])
    keep = src["nMuon"] == 2
    got = pts.GetValue()
    assert isinstance(got, ak.Array) and got.ndim == 2
    assert ak.to_list(got) == ak.to_list(src["Muon_pt"][keep])
    assert str(ak.type(got).content) == "var * float32"
    ev = events.GetValue()
    assert ev.dtype == np.uint64 and ev.tolist() == np.asarray(src["event"][keep]).tolist()
    assert charge_sum_zero.GetValue().dtype == np.bool_
    assert r.stats["os"].dtype == np.bool_


def test_non_finite_values_are_counted_and_warned_about(sample):
    df = hepframe.RDataFrame("Events", sample)
    df.histo1d("root", "sqrt(MET_pt - 50)", bins=10, range=(0, 100))
    df.histo1d("fine", "MET_pt", bins=10, range=(0, 100))
    with pytest.warns(RuntimeWarning, match=r"'root' \(\d+\).*division by zero"):
        r = df.compute()
    met = hepframe.open(sample)["Events"].arrays(["MET_pt"])["MET_pt"]
    assert r.nonfinite == {"root": int(np.sum(met < 50))}

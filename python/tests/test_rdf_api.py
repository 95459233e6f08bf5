"""RDataFrame methods on hepframe's data frame, against ROOT's answers on the same file
(python/tests/data/rdf_api_reference.json, written by make_rdf_api_reference.py with ROOT 6.40):
Min, Max, Stats, GetColumnNames, model titles "title;x;y", and histo2d's keywords."""

import json
import pathlib

import numpy as np
import pytest

import hepframe

REF = json.loads((pathlib.Path(__file__).parent / "data" / "rdf_api_reference.json").read_text())
COLUMNS = ("MET_pt", "Muon_pt", "nMuon", "Jet_eta")


def test_min_max_stats_equal_roots(sample):
    df = hepframe.RDataFrame("Events", sample)
    nodes = {"all": df, "two muons": df.Filter("nMuon >= 2", "two muons"),
             "none": df.Filter("nMuon > 100", "no events")}
    booked = {(label, c): (n.Min(c), n.Max(c), n.Stats(c))
              for label, n in nodes.items() for c in COLUMNS}
    for (label, c), (mn, mx, st) in booked.items():
        key = f"{label}|{c}"
        # Min and Max are values of the column: exact.
        assert mn.GetValue() == REF["min"][key], key
        assert mx.GetValue() == REF["max"][key], key
        s, want = st.GetValue(), REF["stats"][key]
        assert (s.GetN(), s.GetW()) == (want["n"], want["w"]), key
        # Sums in another order than ROOT's: equal to rounding.
        for got, exp in ((s.GetMean(), want["mean"]), (s.GetRMS(), want["rms"]),
                         (s.GetMeanErr(), want["mean_err"])):
            assert got == pytest.approx(exp, rel=1e-12, abs=1e-300), key
    w = df.Define("w", "nJet > 0 ? Jet[0].pt / 100.0f : 1.0f").Stats("MET_pt", "w").GetValue()
    want = REF["stats_weighted"]
    assert w.GetN() == want["n"]
    for got, exp in ((w.GetW(), want["w"]), (w.GetMean(), want["mean"]),
                     (w.GetRMS(), want["rms"]), (w.GetMeanErr(), want["mean_err"])):
        assert got == pytest.approx(exp, rel=1e-12)
    with pytest.raises(hepframe.AnalysisError, match="one weight per value"):
        df.Stats("nMuon", "Muon_pt").GetValue()


def test_column_names_equal_roots(sample):
    df = hepframe.RDataFrame("Events", sample)
    assert sorted(df.GetColumnNames()) == REF["columns"]
    defined = df.Define("ht", "sum(Jet.pt)")
    assert sorted(defined.GetColumnNames()) == REF["columns_with_define"]
    assert defined.GetColumnNames()[0] == "ht"
    assert "ht" not in df.GetColumnNames()  # a Define is seen below its node only


@pytest.mark.parametrize("title", sorted(REF["titles"]))
def test_model_titles_split_as_root(sample, title):
    df = hepframe.RDataFrame("Events", sample)
    want = REF["titles"][title]
    # hist names an axis without a label "Axis N".
    h1 = df.Histo1D(("h1", title, 10, 0, 100), "MET_pt").GetValue()
    assert h1.label == want[0] and h1.axes[0].label == (want[1] or "Axis 0")
    h2 = df.Histo2D(("h2", title, 10, 0, 100, 4, 0, 4), "MET_pt", "nMuon").GetValue()
    assert h2.label == want[0]
    assert (h2.axes[0].label, h2.axes[1].label) == (want[1] or "Axis 0", want[2] or "Axis 1")


def test_histo2d_keywords_agree(sample):
    df = hepframe.RDataFrame("Events", sample)
    a = df.histo2d("a", "MET_pt", "nMuon", bins=(20, 5), range=((0, 200), (0, 5)))
    b = df.histo2d("b", "MET_pt", "nMuon", xbinning=(20, 0, 200), ybinning=(5, 0, 5))
    c = df.histo2d("c", "MET_pt", "nMuon", edges=(np.linspace(0, 200, 21), [0, 1, 2, 3, 4, 5]))
    d = df.histo2d("d", "MET_pt", "MET_pt", bins=20, range=((0, 200), (0, 200)))
    va, vb, vc = a.GetValue().values(flow=True), b.GetValue().values(flow=True), \
        c.GetValue().values(flow=True)
    np.testing.assert_array_equal(va, vb)
    np.testing.assert_array_equal(va, vc)
    assert d.GetValue().values().trace() == pytest.approx(d.GetValue().values().sum())
    with pytest.raises(hepframe.AnalysisError, match="bins="):
        df.histo2d("e", "MET_pt", "nMuon")


def test_as_numpy_equals_uproot_with_the_same_cut(sample):
    import awkward as ak
    import uproot

    df = hepframe.RDataFrame("Events", sample)
    got = df.Filter("nMuon >= 2", "two muons").AsNumpy(["MET_pt", "nMuon", "Muon_pt"]).GetValue()
    want = uproot.open(sample)["Events"].arrays(["MET_pt", "nMuon", "Muon_pt"], cut="nMuon >= 2")
    assert list(got) == ["MET_pt", "nMuon", "Muon_pt"]
    for c in ("MET_pt", "nMuon"):
        assert isinstance(got[c], np.ndarray)
        np.testing.assert_array_equal(got[c], ak.to_numpy(want[c]))
        assert got[c].dtype == ak.to_numpy(want[c]).dtype, c
    assert ak.array_equal(got["Muon_pt"], want["Muon_pt"])


def test_column_types_equal_roots(sample):
    df = hepframe.RDataFrame("Events", sample)
    assert {c: df.GetColumnType(c) for c in df.GetColumnNames()} == REF["column_types"]
    # Defines: the type of the value under C++'s rules, as ROOT's interpreter gives it.
    typed = (df.Define("ht", "sum(Jet.pt)").Define("x", "MET_pt * 2").Define("y", "MET_pt * 2.0")
             .Define("n", "nJet + 1").Define("sel", "Muon.pt[Muon.pt > 10]")
             .Define("b", "nMuon > 1").Define("c", "Muon.charge * 2"))
    assert {c: typed.GetColumnType(c) for c in REF["define_types"]} == REF["define_types"]
    # Asking books nothing: the graph runs as before.
    assert typed.Count().GetValue() == 10000
    with pytest.raises(KeyError, match="Muon_pt"):
        df.GetColumnType("Muon_ptt")


def test_the_plot_and_pandas_extras_are_declared():
    from importlib.metadata import metadata

    meta = metadata("hepframe")
    assert {"plot", "pandas", "dask"} <= set(meta.get_all("Provides-Extra"))
    requires = meta.get_all("Requires-Dist")
    assert any(r.startswith("mplhep") and "extra == 'plot'" in r.replace('"', "'")
               for r in requires), requires


def _profile_flat(h):
    """(means, entries) per global bin with flow, in ROOT's bin order (x fastest)."""
    v = h.view(flow=True)
    # hist's flow view is [x, y]; ROOT's global bin is x + (nx + 2) * y.
    return np.asarray(v["value"]).T.ravel(), np.asarray(v["sum_of_weights"]).T.ravel()


def test_profiles_equal_roots(sample):
    df = hepframe.RDataFrame("Events", sample)
    wdf = df.Define("w", "nJet > 0 ? Jet[0].pt / 100.0f : 1.0f")
    two = df.Filter("nMuon >= 2", "two muons")
    booked = {
        "flat": df.Profile1D(("p_flat", "", 10, 0, 100), "MET_pt", "nJet"),
        "jagged": df.Profile1D(("p_jag", "", 20, 0, 200), "Jet_pt", "Jet_eta"),
        "weighted": wdf.Profile1D(("p_w", "", 10, 0, 100), "MET_pt", "MET_phi", "w"),
        "cut": two.Profile1D(("p_cut", "", 8, 0, 80), "Muon_pt", "Muon_eta"),
    }
    p2 = df.Profile2D(("p2", "", 5, -2.5, 2.5, 4, -3.2, 3.2), "Muon_eta", "Muon_phi", "Muon_pt")
    for key, ptr in booked.items():
        means, entries = _profile_flat(ptr.GetValue())
        want = REF["profile1d"][key]
        # Weight sums and means over the same values in another order: equal to rounding.
        np.testing.assert_allclose(entries, want["entries"], rtol=1e-12, err_msg=key)
        np.testing.assert_allclose(means, want["content"], rtol=1e-12, atol=1e-300, err_msg=key)
        assert np.count_nonzero(entries) > 3, key
    means, entries = _profile_flat(p2.GetValue())
    np.testing.assert_allclose(entries, REF["profile2d"]["entries"], rtol=1e-12)
    np.testing.assert_allclose(means, REF["profile2d"]["content"], rtol=1e-12, atol=1e-300)


def test_display_is_roots_table(sample):
    df = hepframe.RDataFrame("Events", sample)
    d = df.Display(["nMuon", "Muon_pt", "MET_pt"], 3)
    assert d.AsString() == REF["display"]
    assert d.rows()[2]["nMuon"] == 2 and len(d.rows()[2]["Muon_pt"]) == 2


def test_describe_lists_roots_columns(sample):
    node = hepframe.RDataFrame("Events", sample).Define("ht", "sum(Jet.pt)")
    text = node.Describe().AsString()
    ref = REF["describe"].splitlines()
    total = next(int(line.split()[-1]) for line in ref if line.startswith("Columns in total"))
    assert f"Columns in total        {total}" in text
    want = {}
    table = next(i for i, x in enumerate(ref) if x.startswith("Column "))
    for line in ref[table + 2:]:
        parts = line.split()
        if len(parts) == 3:
            want[parts[0]] = (parts[1], parts[2])
    got = {name: (t, origin) for name, t, origin in node.Describe().columns}
    assert set(got) == set(want)
    for name, (t, origin) in want.items():
        assert got[name][1] == origin, name
        if origin == "Dataset":
            assert got[name][0] == t, name


def test_range_equals_roots(sample):
    df = hepframe.RDataFrame("Events", sample)
    got = df.Range(10, 100, 3).AsNumpy(["MET_pt"]).GetValue()["MET_pt"]
    np.testing.assert_array_equal(got.astype(np.float64), REF["range"]["10,100,3"])
    assert df.Range(50).Filter("nMuon >= 2", "two").Count().GetValue() == REF["range"]["50|two muons"]
    assert df.Range(9990, 0).Count().GetValue() == REF["range"]["9990,0"]
    # The entry number itself, as RDataFrame's rdfentry_.
    entries = df.Range(5).AsNumpy(["rdfentry_"]).GetValue()["rdfentry_"]
    assert entries.tolist() == [0, 1, 2, 3, 4] and entries.dtype == np.uint64
    with pytest.raises(hepframe.AnalysisError, match="before the Filter"):
        df.Filter("nMuon >= 3", "three").Range(10)
    with pytest.raises(hepframe.AnalysisError, match="stride >= 1"):
        df.Range(0, 10, 0)
    with pytest.raises(hepframe.AnalysisError, match="end is before begin"):
        df.Range(10, 5)


def test_entry_numbers_run_through_the_files_in_order(sample, tmp_path):
    # Two copies of the sample: the second file's entries follow the first's.
    import shutil

    a, b = tmp_path / "a.root", tmp_path / "b.root"
    shutil.copy(sample, a)
    shutil.copy(sample, b)
    df = hepframe.RDataFrame("Events", [str(a), str(b)])
    e = df.Range(9998, 10002).AsNumpy(["rdfentry_", "MET_pt"]).GetValue()
    assert e["rdfentry_"].tolist() == [9998, 9999, 10000, 10001]
    one = hepframe.RDataFrame("Events", sample).AsNumpy(["MET_pt"]).GetValue()["MET_pt"]
    assert e["MET_pt"].tolist() == [one[9998], one[9999], one[0], one[1]]


def test_takes_of_no_events_keep_their_type_and_shape(sample):
    none = hepframe.RDataFrame("Events", sample).Filter("nMuon > 100", "no events")
    got = none.AsNumpy(["MET_pt", "nMuon", "Muon_pt", "rdfentry_", "MET_pt > 10"]).GetValue()
    assert got["MET_pt"].dtype == np.float32 and len(got["MET_pt"]) == 0
    assert got["nMuon"].dtype == np.uint32
    assert got["rdfentry_"].dtype == np.uint64
    assert got["MET_pt > 10"].dtype == np.bool_
    # A list per event, as when there are events: an awkward array of lists of floats.
    assert len(got["Muon_pt"]) == 0 and "var * float32" in str(got["Muon_pt"].type)


def test_generated_events_equal_roots():
    """RDataFrame(n): n events with no input; defines of rdfentry_ give ROOT's answers."""
    ref = REF["generated"]
    gen = hepframe.RDataFrame(1000)
    gd = gen.Define("x", "rdfentry_ * 0.5").Define("k", "rdfentry_ % 7")
    h = gd.Filter("k == 3", "k is 3").Histo1D(("gx", "", 20, 0, 500), "x")
    assert gen.Count().GetValue() == ref["entries"]
    assert gd.Filter("k == 3", "k is 3").Count().GetValue() == ref["threes"]
    assert gd.Sum("x").GetValue() == ref["sum_x"]
    np.testing.assert_array_equal(h.GetValue().values(flow=True), ref["hist"])
    e = gen.Range(10, 20).Define("e", "rdfentry_").AsNumpy(["e"]).GetValue()["e"]
    np.testing.assert_array_equal(e, ref["range"])
    assert gen.GetColumnNames() == ref["columns"]
    assert sorted(gd.GetColumnNames()) == ref["columns_with_defines"]
    assert {c: gd.GetColumnType(c) for c in ref["types"]} == ref["types"]
    assert gd.Display(["x", "k"], 3).AsString() == ref["display"]
    text = gd.Describe().AsString()
    assert text.splitlines()[0] == ref["describe"].splitlines()[0] == "Empty dataframe filling 1000 rows"
    assert [c[0] for c in gd.Describe().columns] == ["k", "x"]
    assert "generated events" in repr(gd)


def test_generated_events_refuse_input_and_bad_counts(sample, tmp_path):
    with pytest.raises(hepframe.AnalysisError, match="reads no input"):
        hepframe.RDataFrame(10, [sample])
    with pytest.raises(hepframe.AnalysisError, match=">= 0"):
        hepframe.RDataFrame(-1)
    gen = hepframe.RDataFrame(5)
    with pytest.raises(hepframe.ExpressionError, match="unknown name .Muon_pt."):
        gen.Define("m", "Muon_pt * 2")
    assert hepframe.RDataFrame(0).Count().GetValue() == 0
    # A skim of generated events writes its defines, read back by uproot.
    import uproot

    out = tmp_path / "gen.root"
    gen.Define("e", "rdfentry_").Define("y", "rdfentry_ * 1.5").Snapshot("T", str(out), ["e", "y"])
    gen.Count().GetValue()
    with uproot.open(out) as f:
        np.testing.assert_array_equal(f["T"]["y"].array(library="np"), np.arange(5) * 1.5)

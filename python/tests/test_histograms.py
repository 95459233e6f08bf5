"""hepframe.open(path)["h"] gives the histogram uproot reads from the same file (ROOT-written
fixture crates/rootio/tests/fixtures/histograms.root): hist.Hist with the same axes, values and
variances (flow included), Mean/WeightedMean storage for profiles, graphs as numpy arrays; and
ROOT's own GetBinContent/GetBinError (expected/histograms.json) bit for bit."""

import json

import hist
import numpy as np
import pytest
import uproot

import hepframe

HISTS = ["h1f", "h1d_var", "h1i", "h1s", "h1c", "labels", "partial_labels", "h2f", "h2d", "h3d",
         "dir/inner"]
PROFILES = ["prof", "prof_s", "prof_i", "prof_g", "prof_w", "prof_flat", "prof2d", "prof3d"]


@pytest.fixture(scope="module")
def path(repo):
    return str(repo / "crates" / "rootio" / "tests" / "fixtures" / "histograms.root")


@pytest.fixture(scope="module")
def expected(repo):
    p = repo / "crates" / "rootio" / "tests" / "fixtures" / "expected" / "histograms.json"
    return {h["path"]: h for h in json.loads(p.read_text())["histograms"]}


def same(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64))


def _unlabelled(h):
    """The uproot histogram with its axes' labels dropped (their own attribute, not the file's)."""
    for ax in h.axes:
        ax._members["fLabels"] = None
    return h


def _root_shape(values, h):
    """ROOT's global-bin order (x fastest) as the [x, y, z] flow view of ``h``."""
    shape = tuple(len(ax) + 2 for ax in h.axes)
    return np.asarray(values, dtype=np.float64).reshape(shape[::-1]).T


@pytest.mark.parametrize("name", HISTS)
def test_histograms_equal_uproot(path, name):
    ours = hepframe.open(path)[name]
    theirs = uproot.open(path)[name]
    assert isinstance(ours, hist.Hist)
    labelled = any(ax.member("fLabels") is not None for ax in theirs.axes)
    # uproot turns labelled axes into StrCategory (and fails for partly labelled ones); we keep
    # them numeric: compare the axes with an unlabelled copy's.
    ref = _unlabelled(theirs).to_hist() if labelled else theirs.to_hist()
    if theirs.member("fSumw2") is None or len(theirs.member("fSumw2")) == 0:
        # Double, where uproot makes Int64 for TH1I/S/C without Σw² (same values).
        assert ours.storage_type is hist.storage.Double
    else:
        assert type(ours.storage_type()) is type(ref.storage_type())
    assert ours.name == theirs.member("fName")
    assert ours.label == theirs.member("fTitle")
    assert len(ours.axes) == len(ref.axes)
    for a, b in zip(ours.axes, ref.axes):
        assert type(a) is type(b)
        assert np.array_equal(a.edges, b.edges)
        assert a.name == b.name and a.label == b.label
    assert same(ours.values(flow=True), theirs.values(flow=True))
    assert same(ours.values(flow=True), ref.values(flow=True))
    if ours.storage_type is hist.storage.Weight:
        assert same(ours.variances(flow=True), theirs.variances(flow=True))
        assert same(ours.variances(flow=True), ref.variances(flow=True))
    assert ours.metadata["entries"] == theirs.member("fEntries")


@pytest.mark.parametrize("name", PROFILES)
def test_profiles_equal_uproot(path, name):
    ours = hepframe.open(path)[name]
    theirs = uproot.open(path)[name]
    assert ours.storage_type in (hist.storage.Mean, hist.storage.WeightedMean)
    if theirs.classname == "TProfile":
        # uproot 5.7 builds boost histograms of 1-D profiles only.
        ref = theirs.to_hist()
        assert type(ours.storage_type()) is type(ref.storage_type())
        for field in ours.view(flow=True).dtype.names:
            assert same(ours.view(flow=True)[field], ref.view(flow=True)[field]), field
    else:
        assert same(ours.view(flow=True)["value"], theirs.values(flow=True))
        key = "sum_of_weights" if ours.storage_type is hist.storage.WeightedMean else "count"
        assert same(ours.view(flow=True)[key], _root_shape(theirs.member("fBinEntries"), ours))
    assert same(ours.values(flow=True), theirs.values(flow=True))
    mode = ours.metadata["error_mode"]
    assert same(ours.metadata["errors"], theirs.errors(flow=True, error_mode=mode))


@pytest.mark.parametrize("name", HISTS + PROFILES)
def test_bins_equal_root(path, expected, name):
    ours = hepframe.open(path)[name]
    e = expected[name]
    # ROOT's global bins are x fastest: the flow view indexed [x, y, z], flattened Fortran-style.
    if ours.storage_type in (hist.storage.Mean, hist.storage.WeightedMean):
        values = ours.view(flow=True)["value"]
    else:
        values = ours.values(flow=True)
    assert same(values.flatten(order="F"), [float(v) for v in e["contents"]])
    assert same(ours.metadata["errors"].flatten(order="F"), [float(v) for v in e["errors"]])
    assert ours.metadata["sum_of_weights"] == float(e["sum_of_weights"])
    assert same(ours.metadata["stats"], [float(v) for v in e["stats"]])


def test_labels_stay_numeric(path):
    h = hepframe.open(path)["labels"]
    assert isinstance(h.axes[0], hist.axis.Regular)
    assert h.axes[0].bin_labels == {1: "ee", 2: "#mu#mu", 3: "e#mu", 4: "other"}
    theirs = uproot.open(path)["labels"]
    assert same(h.values(flow=True), theirs.values(flow=True))
    assert hepframe.open(path)["partial_labels"].axes[0].bin_labels == {3: "three"}


@pytest.mark.parametrize("name", ["graph", "graph_errors", "graph_asymm"])
def test_graphs_equal_uproot(path, name):
    g = hepframe.open(path)[name]
    u = uproot.open(path)[name]
    assert isinstance(g, hepframe.histograms.Graph)
    assert g.classname == u.classname and g.name == u.member("fName")
    assert len(g) == u.member("fNpoints")
    assert same(g.x, u.member("fX")) and same(g.y, u.member("fY"))
    if name == "graph":
        assert g.ex is None and g.eylow is None
    elif name == "graph_errors":
        assert same(g.ex, u.member("fEX")) and same(g.ey, u.member("fEY"))
        assert same(g.exlow, u.member("fEX")) and same(g.eyhigh, u.member("fEY"))
    else:
        for ours, member in [("exlow", "fEXlow"), ("exhigh", "fEXhigh"),
                             ("eylow", "fEYlow"), ("eyhigh", "fEYhigh")]:
            assert same(getattr(g, ours), u.member(member)), ours
        assert same(g.ey, np.sqrt(0.5 * (g.eylow**2 + g.eyhigh**2)))


def test_other_objects(path):
    f = hepframe.open(path)
    assert "h1f" in f and "graph" in f and "dir/inner" in f
    assert "nope" not in f and "named" not in f
    with pytest.raises(hepframe.NotFoundError, match="TNamed"):
        f["named"]
    with pytest.raises(hepframe.NotFoundError, match="nope"):
        f["nope"]
    with pytest.raises(hepframe.FormatError, match="TH2Poly"):
        f["poly"]

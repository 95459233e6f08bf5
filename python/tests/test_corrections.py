"""``correction()`` and ``lookup()`` from Python, against the live references: the
``correctionlib`` package on the correction files of the Rust tests, and uproot's reading of a
ROOT histogram. Every value must have the same bits."""

import awkward as ak
import numpy as np
import pytest
import uproot

import hepframe

correctionlib = pytest.importorskip("correctionlib")


@pytest.fixture(scope="module")
def muons(sample):
    t = uproot.open(sample)["Events"]
    a = t.arrays(["nMuon", "Muon_pt", "Muon_eta"], library="np")
    return {
        "nMuon": a["nMuon"].astype(np.int64),
        "pt": np.concatenate(a["Muon_pt"]).astype(np.float64),
        "eta32": np.concatenate(a["Muon_eta"]),
    }


def bits(x):
    """The bits of the values (a jagged array is flattened)."""
    if isinstance(x, ak.Array) and x.ndim > 1:
        x = ak.flatten(x)
    return np.asarray(x, dtype=np.float64).view(np.uint64)


@pytest.mark.parametrize(
    "name, args",
    [
        ("muon_sf", "abs(Muon.eta), Muon.pt, 'nominal'"),
        ("muon_sf", "abs(Muon.eta), Muon.pt, 'systup'"),
        ("pt_formula", "Muon.pt"),
        ("n_muon_weight", "nMuon"),
    ],
)
def test_corrections_equal_correctionlib(repo, sample, muons, name, args):
    path = repo / "crates/engine/tests/reference/tables_sf.json.gz"
    df = hepframe.RDataFrame("Events", sample)
    got = df.Take(f"correction('{path}', '{name}', {args})").GetValue()
    c = correctionlib.CorrectionSet.from_file(str(path))[name]
    abseta = np.abs(muons["eta32"]).astype(np.float64)
    inputs = {
        "muon_sf": (abseta, muons["pt"], args.split("'")[1] if "'" in args else None),
        "pt_formula": (muons["pt"],),
        "n_muon_weight": (muons["nMuon"],),
    }[name]
    want = c.evaluate(*inputs)
    np.testing.assert_array_equal(bits(got), bits(want))


def test_lookup_equals_the_histogram(repo, sample, muons):
    path = repo / "crates/engine/tests/reference/tables_sf.root"
    h = uproot.open(path)["sf_eta_pt"]
    values = h.values(flow=True)
    xe, ye = h.axis(0).edges(), h.axis(1).edges()
    x, y = muons["eta32"].astype(np.float64), muons["pt"]
    # Flow bins: index 0 below the first edge, n + 1 at or above the last (NaN too).
    bx = np.searchsorted(xe, x, side="right")
    by = np.searchsorted(ye, y, side="right")
    bx[~(x < xe[-1])] = len(xe)
    by[~(y < ye[-1])] = len(ye)
    want = values[bx, by]
    df = hepframe.RDataFrame("Events", sample)
    got = df.Take(f"lookup('{path}:sf_eta_pt', Muon.eta, Muon.pt)").GetValue()
    np.testing.assert_array_equal(bits(got), bits(want))


def test_an_unknown_correction_lists_the_others(repo, sample):
    path = repo / "crates/engine/tests/reference/tables_sf.json.gz"
    df = hepframe.RDataFrame("Events", sample)
    with pytest.raises(Exception, match="muon_sf, n_muon_weight, pt_formula"):
        df.Take(f"correction('{path}', 'muon', Muon.pt)").GetValue()

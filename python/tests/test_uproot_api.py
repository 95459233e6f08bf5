"""uproot's reading API on hepframe: ``open("f.root:Events")``, ``tree["b"].array()``,
``arrays(filter_name=, cut=, library=)``, ``iterate(files, step_size=)``, ``keys()``,
``typenames()``, ``show()`` — each compared with uproot's answer on the same file."""

import io

import awkward as ak
import numpy as np
import pytest
import uproot

import hepframe


def test_open_with_an_object_path_gives_the_tree(sample):
    ours = hepframe.open(f"{sample}:Events")
    theirs = uproot.open(f"{sample}:Events")
    assert isinstance(ours, hepframe.Tree)
    assert ours.num_entries == theirs.num_entries
    assert ours.keys() == [k for k in theirs.keys() if k in ours]
    assert ours.keys(filter_name="Muon_*") == theirs.keys(filter_name="Muon_*")
    assert isinstance(hepframe.open(sample), hepframe.File)
    with pytest.raises(hepframe.NotFoundError, match="Event"):
        hepframe.open(f"{sample}:Event")


def test_branch_array_equals_uproot(sample):
    ours = hepframe.open(f"{sample}:Events")
    theirs = uproot.open(f"{sample}:Events")
    for name in ("Muon_pt", "MET_pt", "nMuon"):
        a, b = ours[name].array(), theirs[name].array()
        assert isinstance(a, ak.Array)
        assert ak.array_equal(a, b), name
        assert str(a.type) == str(b.type), name
    np.testing.assert_array_equal(ours["MET_pt"].array(library="np", entry_start=10, entry_stop=20),
                                  theirs["MET_pt"].array(library="np", entry_start=10, entry_stop=20))
    a = ours["Muon_pt"].array(library="np", entry_stop=500)
    b = theirs["Muon_pt"].array(library="np", entry_stop=500)
    assert a.dtype == b.dtype == object and len(a) == len(b)
    for x, y in zip(a, b):
        assert isinstance(x, np.ndarray) and x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)
    assert ours["Muon_pt"].name == "Muon_pt" and "Muon_pt" in repr(ours["Muon_pt"])
    with pytest.raises(KeyError, match="Muon_pt"):
        ours["Muon_ptt"]


def test_arrays_with_filter_name_cut_and_library_ak(sample):
    ours = hepframe.open(f"{sample}:Events")
    theirs = uproot.open(f"{sample}:Events")
    kw = dict(filter_name=["Muon_*", "MET_pt"], cut="(nMuon >= 2) & (MET_pt > 20)",
              entry_start=100, entry_stop=8000)
    a = ours.arrays(library="ak", **kw)
    b = theirs.arrays(library="ak", **kw)
    assert a.fields == b.fields
    assert len(a) == len(b) > 0
    for f in a.fields:
        assert ak.array_equal(a[f], b[f]), f
    # A cut with functions, on a branch that is not read out.
    kw = dict(cut="sqrt(MET_pt) > 5", filter_name="nMuon")
    a, b = ours.arrays(library="ak", **kw), theirs.arrays(library="ak", **kw)
    assert a.fields == b.fields == ["nMuon"]
    assert ak.array_equal(a.nMuon, b.nMuon)


def test_arrays_library_np_and_pd(sample):
    ours = hepframe.open(f"{sample}:Events")
    theirs = uproot.open(f"{sample}:Events")
    a = ours.arrays(["MET_pt", "Muon_eta"], library="np", entry_stop=300)
    b = theirs.arrays(["MET_pt", "Muon_eta"], library="np", entry_stop=300)
    np.testing.assert_array_equal(a["MET_pt"], b["MET_pt"])
    assert a["Muon_eta"].dtype == object
    for x, y in zip(a["Muon_eta"], b["Muon_eta"]):
        np.testing.assert_array_equal(x, y)
    pd = pytest.importorskip("pandas")
    flat = ours.arrays(["MET_pt", "nMuon"], cut="nMuon > 0", library="pd")
    want = theirs.arrays(["MET_pt", "nMuon"], cut="nMuon > 0", library="pd")
    assert isinstance(flat, pd.DataFrame)
    np.testing.assert_array_equal(flat["MET_pt"].to_numpy(), want["MET_pt"].to_numpy())
    np.testing.assert_array_equal(flat["nMuon"].to_numpy(), want["nMuon"].to_numpy())
    # Jagged branches: one row per muon, indexed by (entry, subentry).
    jagged = ours.arrays(["Muon_pt"], library="pd", entry_stop=200)
    muons = theirs["Muon_pt"].array(entry_stop=200)
    np.testing.assert_array_equal(jagged["Muon_pt"].to_numpy(), ak.to_numpy(ak.flatten(muons)))
    assert jagged.index.nlevels == 2


def test_bad_arguments_are_clear_errors(sample):
    t = hepframe.open(f"{sample}:Events")
    with pytest.raises(ValueError, match="one boolean per entry"):
        t.arrays(["MET_pt"], cut="MET_pt * 2")
    with pytest.raises(ValueError, match="per object"):
        t.arrays(["MET_pt"], cut="Muon_pt > 20")
    with pytest.raises(ValueError, match="not a Python expression"):
        t.arrays(["MET_pt"], cut="MET_pt >")
    with pytest.raises(KeyError, match="MET_ptt"):
        t.arrays(["MET_pt"], cut="MET_ptt > 0")
    with pytest.raises(ValueError, match="unknown library"):
        t.arrays(["MET_pt"], library="arrow")
    with pytest.raises(TypeError, match="step_size"):
        next(hepframe.iterate(f"{sample}:Events", step_size="100 MB"))
    # The cut sees no Python builtins.
    with pytest.raises(KeyError):
        t.arrays(["MET_pt"], cut="__import__('os') is None")


def test_iterate_gives_uproots_chunks(repo, sample):
    other = str(repo / "crates/engine/tests/data/nano_lz4_10k.root")
    files = [f"{sample}:Events", f"{other}:Events"]
    ours = list(hepframe.iterate(files, ["nMuon", "Muon_pt"], step_size=3000, library="ak",
                                 report=True))
    theirs = list(uproot.iterate(files, ["nMuon", "Muon_pt"], step_size=3000, library="ak",
                                 report=True))
    assert len(ours) == len(theirs)
    for (a, ra), (b, rb) in zip(ours, theirs):
        assert (ra.tree_entry_start, ra.tree_entry_stop) == (rb.tree_entry_start,
                                                              rb.tree_entry_stop)
        assert ra.file_path == rb.file_path
        assert ak.array_equal(a.nMuon, b.nMuon) and ak.array_equal(a.Muon_pt, b.Muon_pt)
    # A dict of files, a file without ':tree' (its only tree), and a cut.
    n = sum(len(c["MET_pt"]) for c in hepframe.iterate({sample: "Events"}, ["MET_pt"],
                                                       cut="MET_pt > 30", step_size=4000))
    assert n == int(np.sum(uproot.open(sample)["Events"]["MET_pt"].array(library="np") > 30))
    assert sum(len(c["MET_pt"]) for c in hepframe.iterate(sample, ["MET_pt"])) == 10_000


def test_typenames_and_show(sample):
    t = hepframe.open(f"{sample}:Events")
    u = uproot.open(f"{sample}:Events")
    types = t.typenames(filter_name="Muon_*")
    assert list(types) == u.keys(filter_name="Muon_*")
    assert all(types.values())
    out = io.StringIO()
    t.show(filter_name="MET_*", file=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("name") and "typename" in lines[0]
    assert [ln.split("|")[0].strip() for ln in lines[2:]] == u.keys(filter_name="MET_*")


def test_jagged_values_as_numpy_object_arrays():
    from hepframe.io import _to_object_array

    a = ak.Array([[1.5, 2.5], [], [3.5], [], [4.5, 5.5, 6.5]])
    got = _to_object_array(a)
    assert got.dtype == object and got.shape == (5,)
    assert [x.tolist() for x in got] == a.tolist()
    assert all(isinstance(x, np.ndarray) and x.dtype == np.float64 for x in got)
    assert _to_object_array(ak.Array([[0.5]])[:0]).shape == (0,)
    # Lists of lists (and records) are no flat numpy array per entry: Python lists, as before.
    nested = _to_object_array(ak.Array([[[1, 2], []], [], [[3]]]))
    assert nested.dtype == object and nested.tolist() == [[[1, 2], []], [], [[3]]]

"""hepframe.open(...)[tree].arrays(...) gives uproot's values: numpy for flat branches, awkward
for jagged ones, without copying the decoded buffers."""

import awkward as ak
import numpy as np
import pytest
import uproot

import hepframe

DATA = ["examples/data/nano_10k.root", "crates/engine/tests/data/nano_vectors_10k.root",
        "crates/engine/tests/data/nano_lz4_10k.root"]


@pytest.mark.parametrize("path", DATA)
def test_every_branch_equals_uproot(repo, path):
    path = str(repo / path)
    ours = hepframe.open(path)["Events"].arrays()
    theirs = uproot.open(path)["Events"].arrays(library="ak")
    assert sorted(ours) == sorted(theirs.fields)
    for name, a in ours.items():
        b = theirs[name]
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, ak.to_numpy(b), err_msg=name)
            assert a.dtype == ak.to_numpy(b).dtype, name
        else:
            assert ak.array_equal(a, b), name
            assert str(ak.type(a).content) == str(ak.type(b).content), name


def test_entry_ranges_globs_and_negative_indices(sample):
    t = hepframe.open(sample)["Events"]
    u = uproot.open(sample)["Events"]
    a = t.arrays(["Muon_*", "MET_pt"], entry_start=1234, entry_stop=5678)
    b = u.arrays(filter_name=["Muon_*", "MET_pt"], entry_start=1234, entry_stop=5678, library="ak")
    assert set(a) == set(b.fields)
    for k in a:
        assert ak.array_equal(a[k], b[k]), k
    last = t.arrays(["MET_pt"], entry_start=-3)["MET_pt"]
    np.testing.assert_array_equal(last, u["MET_pt"].array(library="np")[-3:])
    assert len(t.arrays(["MET_pt"], entry_start=20_000)["MET_pt"]) == 0


def test_numpy_buffers_wrap_rust_memory(sample):
    a = hepframe.open(sample)["Events"].arrays(["MET_pt", "Jet_pt"])
    met = a["MET_pt"]
    # numpy does not own the data: it wraps the vector the reader decoded into.
    assert not met.flags.owndata and met.base is not None
    content = ak.to_layout(a["Jet_pt"]).content.data
    assert not content.flags.owndata


def test_fixed_arrays_vectors_strings_and_float16(repo):
    """Every type of the reader's fixture file, against uproot; `char*` against the values ROOT
    wrote (uproot misreads ROOT's zero-byte empty char* entries and shifts the rest)."""
    import json

    path = str(repo / "crates/rootio/tests/fixtures/alltypes_zlib.root")
    ours = hepframe.open(path)["Events"].arrays()
    theirs = uproot.open(path)["Events"]
    expected = json.loads((repo / "crates/rootio/tests/fixtures/expected/alltypes.json").read_text())
    assert ours["m"].shape[1:] == (2, 3)
    for name, a in ours.items():
        if name == "cstr":
            assert ak.to_list(a) == expected["trees"]["Events"]["branches"]["cstr"]["values"]
            continue
        b = theirs[name].array(library="ak")
        a = ak.Array(a) if isinstance(a, np.ndarray) else a
        assert ak.to_list(a) == ak.to_list(b), name


def test_stl_containers_maps_and_objects_equal_root(repo):
    """Nested STL containers, maps, member-wise collections, TRef/TRefArray and the string,
    vector and object members of split collections come to Python as awkward lists and records
    holding the values ROOT read back (make_stl_objects.py); uproot reads some of them too."""
    import json

    path = str(repo / "crates/rootio/tests/fixtures/stl_objects.root")
    expected = json.loads((repo / "crates/rootio/tests/fixtures/expected/stl_objects.json").read_text())
    branches = expected["trees"]["t"]["branches"]
    ours = hepframe.open(path)["t"].arrays(list(branches))
    for name, b in branches.items():
        got = ak.to_list(ours[name])
        want = b["values"]
        assert json.loads(json.dumps(got)) == want, name
    # Where uproot reads the branch, the same values.
    theirs = uproot.open(path)["t"]
    for name in ["vvs", "evs.vvi", "evs.vvs", "evs.tags", "cands.label", "cands.names"]:
        assert ak.to_list(ours[name]) == ak.to_list(theirs[name].array(library="ak")), name


def test_errors_by_category(repo, sample):
    with pytest.raises(hepframe.FileNotFoundError) as e:
        hepframe.open(str(repo / "no-such-file.root"))
    assert isinstance(e.value, FileNotFoundError) and "no-such-file.root" in str(e.value)
    with pytest.raises(hepframe.NotFoundError, match="did you mean 'Events'"):
        hepframe.open(sample)["Event"]
    with pytest.raises(KeyError):
        hepframe.open(sample)["Events"].arrays(["Muon_ptt"])
    with pytest.raises(hepframe.FormatError):
        hepframe.open(str(repo / "README.md"))


def test_a_pattern_or_expression_that_matches_nothing_is_an_error(sample):
    events = hepframe.open(sample)["Events"]
    with pytest.raises(hepframe.NotFoundError, match=r"no branch matches 'nothing_\*'$"):
        events.arrays(["nothing_*"])
    with pytest.raises(hepframe.NotFoundError,
                       match=r"'MET_pt\*2'; nearest branches: MET_pt.*for an expression"):
        events.arrays(["MET_pt*2"])
    with pytest.raises(hepframe.NotFoundError, match="nearest branches: Muon_pt"):
        events.arrays(["Muon_pt?x"])
    with pytest.raises(KeyError, match="Muon_ptt"):
        events.arrays(["Muon_ptt"])
    # A glob that matches keeps the tree's order and reads every match.
    assert list(events.arrays(["MET_*"])) == [n for n in events.keys() if n.startswith("MET_")]


def test_rntuple_reads_like_the_ttree(repo, sample):
    """The NanoAOD sample converted to an RNTuple gives the same arrays, field for branch."""
    path = str(repo / "crates/rootio/tests/fixtures/rntuple/rntuple_nano.root")
    f = hepframe.open(path)
    assert f.trees() == ["Events"]
    nt = f["Events"]
    tree = hepframe.open(sample)["Events"]
    assert nt.num_entries == tree.num_entries == 10_000
    assert nt.typenames()["Muon_pt"] == "ROOT::VecOps::RVec<float>"
    a, b = nt.arrays(entry_start=100, entry_stop=9000), tree.arrays(entry_start=100, entry_stop=9000)
    assert set(a) == set(b)
    for name in a:
        if isinstance(b[name], np.ndarray):
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
            assert a[name].dtype == b[name].dtype, name
        else:
            assert ak.array_equal(a[name], b[name]), name


def test_analyses_run_on_rntuple(repo):
    path = str(repo / "crates/rootio/tests/fixtures/rntuple/rntuple_nano.root")
    r = hepframe.run(repo / "examples/adl/q6.toml", [path])
    t = hepframe.run(repo / "examples/adl/q6.toml")
    assert r.raw_histograms == t.raw_histograms

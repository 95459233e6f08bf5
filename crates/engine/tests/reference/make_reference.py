#!/usr/bin/env python3
"""Reference histograms for the engine's tests, made twice: with ROOT RDataFrame and with
uproot + awkward + vector. Both must agree bin for bin; the script exits 1 (after writing every
file) and prints each differing bin if they do not.

usage: ~/peers/bin/python make_reference.py [SAMPLE ...]      (SAMPLE: zlib lz4 zstd vectors; default all)
needs the PyPI packages root, uproot, awkward, vector, hist, uhi, and the shared benchmark kit
(../shared/bench from the repository root, or the folder named by $HEPFRAME_BENCH).

The committed files were made, from this folder, with
    ~/peers/bin/python make_reference.py
which reads ../shared/bench/adl_rdf.C and ../shared/bench/adl_awkward.py and writes

| sample  | file                                           | RDataFrame             | uproot + awkward               |
|---------|------------------------------------------------|------------------------|--------------------------------|
| zlib    | examples/data/nano_10k.root                    | reference.json         | reference_awkward.json         |
| lz4     | crates/engine/tests/data/nano_lz4_10k.root     | reference_lz4.json     | reference_lz4_awkward.json     |
| zstd    | crates/engine/tests/data/nano_zstd_10k.root    | reference_zstd.json    | reference_zstd_awkward.json    |
| vectors | crates/engine/tests/data/nano_vectors_10k.root | reference_vectors.json | reference_vectors_awkward.json |

(how each sample was made: crates/engine/tests/data/README.md). The same agreement for q1..q8 can be
checked with the kit's own scripts, from the repository root, for each sample FILE:
    ~/peers/bin/python ../shared/bench/adl_rdf.py FILE all /tmp/r.json
    ~/peers/bin/python ../shared/bench/adl_awkward.py FILE all /tmp/a.json
    ~/peers/bin/python ../shared/bench/compare_hists.py /tmp/r.json /tmp/a.json     # exit 0: identical
Every reference file is
    {"source": ..., "sample": ..., "histograms": {NAME: {"bins", "low", "high", "values", "entries"}}}
where "values" holds all bin contents including under- and overflow, in ROOT's order (bin 0 =
underflow, 1..n, n+1 = overflow; the same order as hist's values(flow=True)); counts are written as
integers. The histograms:
- dimuon_mass: exactly two muons of opposite charge; the mass of their sum in double precision
  (RDataFrame: ROOT::Math::PtEtaPhiMVector; awkward: vector's Momentum4D on float64 copies of the
  float32 branches); 30000 bins from 0.25 to 300 GeV.
- q1..q8 (q6a, q6b): the ADL queries exactly as the shared kit computes them: adl_rdf.C (compiled
  with ACLiC, single-threaded) and adl_awkward.py (run as `adl_awkward.py SAMPLE all OUT.json`).
"""
import json
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.normpath(os.path.join(here, "..", "..", "..", ".."))
bench = os.environ.get("HEPFRAME_BENCH", os.path.join(repo, "..", "shared", "bench"))
data = os.path.join(repo, "crates", "engine", "tests", "data")
# sample -> (file, stem of the reference files: STEM.json from RDataFrame, STEM_awkward.json from awkward)
SAMPLES = {
    "zlib": (os.path.join(repo, "examples", "data", "nano_10k.root"), "reference"),
    "lz4": (os.path.join(data, "nano_lz4_10k.root"), "reference_lz4"),
    "zstd": (os.path.join(data, "nano_zstd_10k.root"), "reference_zstd"),
    "vectors": (os.path.join(data, "nano_vectors_10k.root"), "reference_vectors"),
}
ADL = ["q1", "q2", "q3", "q4", "q5", "q6a", "q6b", "q7", "q8"]


def number(x):
    return int(x) if float(x).is_integer() else float(x)


def entry(bins, low, high, values, entries):
    return {"bins": bins, "low": low, "high": high, "values": [number(v) for v in values], "entries": number(entries)}


_rdf_ready = False


def rdf(sample):
    global _rdf_ready
    import ROOT

    if not _rdf_ready:
        ROOT.gErrorIgnoreLevel = ROOT.kWarning
        ROOT.gInterpreter.Declare(r"""
#include <Math/Vector4D.h>
double hepframe_dimuon_mass(const ROOT::RVecF& pt, const ROOT::RVecF& eta, const ROOT::RVecF& phi, const ROOT::RVecF& m) {
  ROOT::Math::PtEtaPhiMVector a(pt[0], eta[0], phi[0], m[0]), b(pt[1], eta[1], phi[1], m[1]);
  return (a + b).M();
}
""")
        ROOT.gSystem.SetBuildDir(os.path.join(tempfile.gettempdir(), "hepframe_reference_build"), True)
        if ROOT.gSystem.CompileMacro(os.path.join(bench, "adl_rdf.C"), "kO") != 1:
            raise SystemExit("failed to compile " + os.path.join(bench, "adl_rdf.C"))
        _rdf_ready = True
    df = ROOT.RDataFrame("Events", sample)
    hists = {
        "dimuon_mass": df.Filter("Muon_pt.size() == 2").Filter("Muon_charge[0] != Muon_charge[1]")
        .Define("mass", "hepframe_dimuon_mass(Muon_pt, Muon_eta, Muon_phi, Muon_mass)")
        .Histo1D(("dimuon_mass", "", 30000, 0.25, 300), "mass").GetValue(),
    }
    adl_out = os.path.join(tempfile.gettempdir(), "hepframe_adl_reference.root")
    ROOT.adl_rdf(sample, "all", adl_out)
    adl_file = ROOT.TFile(adl_out)
    for q in ADL:
        h = adl_file.Get(q)
        h.SetDirectory(0)
        hists[q] = h
    adl_file.Close()
    os.remove(adl_out)
    out = {}
    for name, h in hists.items():
        n = h.GetNbinsX()
        ax = h.GetXaxis()
        out[name] = entry(n, ax.GetXmin(), ax.GetXmax(), [h.GetBinContent(i) for i in range(n + 2)], h.GetEntries())
    return "ROOT " + ROOT.gROOT.GetVersion() + " RDataFrame (adl_rdf.C)", out


def awkward(sample):
    import awkward as ak
    import hist
    import numpy as np
    import uproot
    import vector

    vector.register_awkward()
    out = {}
    # dimuon_mass: exactly two muons, opposite charge, mass of the sum in float64.
    ev = uproot.open(sample)["Events"].arrays(["Muon_pt", "Muon_eta", "Muon_phi", "Muon_mass", "Muon_charge"])
    ev = ev[ak.num(ev.Muon_pt) == 2]
    ev = ev[ev.Muon_charge[:, 0] != ev.Muon_charge[:, 1]]
    mu = ak.zip({f: ak.values_astype(ev[f"Muon_{f}"], np.float64) for f in ("pt", "eta", "phi", "mass")},
                with_name="Momentum4D")
    h = hist.Hist.new.Reg(30000, 0.25, 300).Double()
    h.fill(ak.to_numpy((mu[:, 0] + mu[:, 1]).mass))
    hists = {"dimuon_mass": h}
    # q1..q8: the shared kit's implementation, as a separate process.
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "adl.json")
        subprocess.run([sys.executable, os.path.join(bench, "adl_awkward.py"), sample, "all", path], check=True)
        import uhi.io.json
        raw = json.load(open(path), object_hook=uhi.io.json.object_hook)
    import hist.serialization
    for q in ADL:
        hists[q] = hist.serialization.from_uhi(raw[q])
    for name, h in hists.items():
        ax = h.axes[0]
        values = h.values(flow=True)
        assert len(values) == ax.size + 2, (name, "flow bins missing")
        out[name] = entry(ax.size, float(ax.edges[0]), float(ax.edges[-1]), values, values.sum())
    versions = f"uproot {uproot.__version__} + awkward {ak.__version__} + vector {vector.__version__} + hist {hist.__version__}"
    return versions + " (adl_awkward.py)", out


def write(stem, source, sample, hists):
    name = stem + ".json"
    with open(os.path.join(here, name), "w") as f:
        json.dump({"source": source, "sample": os.path.relpath(sample, repo), "histograms": hists}, f,
                  separators=(",", ":"))
        f.write("\n")
    print("wrote", name)


def main():
    names = sys.argv[1:] or list(SAMPLES)
    differences = 0
    for name in names:
        sample, stem = SAMPLES[name]
        r_source, r = rdf(sample)
        a_source, a = awkward(sample)
        write(stem, r_source, sample, r)
        write(stem + "_awkward", a_source, sample, a)
        for h in ["dimuon_mass"] + ADL:
            rv, av = r[h]["values"], a[h]["values"]
            same_axis = (r[h]["bins"], r[h]["low"], r[h]["high"]) == (a[h]["bins"], a[h]["low"], a[h]["high"])
            diff = [(i, x, y) for i, (x, y) in enumerate(zip(rv, av)) if x != y]
            if not same_axis or len(rv) != len(av) or diff:
                differences += 1
                print(f"{name} {h}: RDataFrame and awkward DIFFER: axes {same_axis and 'same' or 'differ'}, "
                      f"{len(diff)} bins (index, RDataFrame, awkward): {diff[:20]}")
            else:
                print(f"{name} {h}: RDataFrame == awkward ({number(sum(rv))} entries incl. flow)")
    if differences:
        raise SystemExit(f"{differences} histograms differ between RDataFrame and awkward")
    print("RDataFrame and awkward agree bin for bin on", ", ".join(names))


if __name__ == "__main__":
    main()

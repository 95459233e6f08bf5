#!/usr/bin/env python3
"""Reference histograms made with ROOT RDataFrame for the engine's tests.

usage: ~/peers/bin/python make_reference.py [SAMPLE OUT.json]     (needs the PyPI package `root`)

By default runs on the bundled sample examples/data/nano_10k.root and writes reference.json; the
committed reference_vectors.json was made with
    make_reference.py ../data/nano_vectors_10k.root reference_vectors.json
(the same events generator with std::vector branches and no counters, `make_dataset.py --vectors`).
It writes one entry per
histogram with its binning and all bin contents including under- and overflow (ROOT's order:
bin 0 = underflow, 1..n, n+1 = overflow).
- dimuon_mass: exactly two muons of opposite charge; the mass of their sum as ROOT's
  PtEtaPhiMVector (double precision) computes it; 30000 bins from 0.25 to 300 GeV.
- q1..q8 (q6a, q6b): the ADL queries exactly as ../../../../../shared/bench/adl_rdf.C (the shared
  benchmark kit's RDataFrame implementation) computes them.
"""
import json
import os
import sys
import tempfile

import ROOT

here = os.path.dirname(os.path.abspath(__file__))
sample = os.path.join(here, "..", "..", "..", "..", "examples", "data", "nano_10k.root")
out_name = "reference.json"
if len(sys.argv) == 3:
    sample, out_name = os.path.abspath(sys.argv[1]), sys.argv[2]
ROOT.gInterpreter.Declare(r"""
#include <Math/Vector4D.h>
double hepframe_dimuon_mass(const ROOT::RVecF& pt, const ROOT::RVecF& eta, const ROOT::RVecF& phi, const ROOT::RVecF& m) {
  ROOT::Math::PtEtaPhiMVector a(pt[0], eta[0], phi[0], m[0]), b(pt[1], eta[1], phi[1], m[1]);
  return (a + b).M();
}
""")
df = ROOT.RDataFrame("Events", sample)
hists = {
    "dimuon_mass": df.Filter("Muon_pt.size() == 2").Filter("Muon_charge[0] != Muon_charge[1]")
    .Define("mass", "hepframe_dimuon_mass(Muon_pt, Muon_eta, Muon_phi, Muon_mass)")
    .Histo1D(("dimuon_mass", "", 30000, 0.25, 300), "mass"),
}
adl = os.path.join(here, "..", "..", "..", "..", "..", "shared", "bench", "adl_rdf.C")
ROOT.gSystem.SetBuildDir(os.path.join(tempfile.gettempdir(), "hepframe_reference_build"), True)
if ROOT.gSystem.CompileMacro(adl, "kO") != 1:
    raise SystemExit("failed to compile " + adl)
adl_out = os.path.join(tempfile.gettempdir(), "hepframe_adl_reference.root")
ROOT.adl_rdf(sample, "all", adl_out)
adl_file = ROOT.TFile(adl_out)
for q in ["q1", "q2", "q3", "q4", "q5", "q6a", "q6b", "q7", "q8"]:
    h = adl_file.Get(q)
    h.SetDirectory(0)
    hists[q] = h
out = {}
for name, h in hists.items():
    if hasattr(h, "GetValue"):
        h = h.GetValue()
    n = h.GetNbinsX()
    out[name] = {
        "bins": n,
        "low": h.GetXaxis().GetXmin(),
        "high": h.GetXaxis().GetXmax(),
        "values": [h.GetBinContent(i) for i in range(n + 2)],
        "entries": h.GetEntries(),
    }
with open(os.path.join(here, out_name), "w") as f:
    json.dump({"source": "ROOT " + ROOT.gROOT.GetVersion() + " RDataFrame", "histograms": out}, f, separators=(",", ":"))
print("wrote", out_name)

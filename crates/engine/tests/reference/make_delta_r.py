#!/usr/bin/env python3
"""Write delta_r.json: RDataFrame's per-event float values of

    DeltaR(Jet_eta[0], Jet_eta[1], Jet_phi[0], Jet_phi[1])      DeltaPhi(Jet_phi[0], Jet_phi[1])
    DeltaR(Jet_eta[0], Muon_eta[0], Jet_phi[0], Muon_phi[0])    (events with a muon too)

on the bundled sample, as the bits of each float (exact). hepframe's `delta_r(Jet[0], Jet[1])`
of records with float eta/phi columns must give the same bits (issue 13: it computed in double
and one event in 524 550 landed in another bin).

usage: ~/peers/bin/python make_delta_r.py      (needs the PyPI package `root`; single-threaded)
"""
import json
import os

import numpy as np
import ROOT

here = os.path.dirname(os.path.abspath(__file__))
sample = os.path.join(here, "..", "..", "..", "..", "examples", "data", "nano_10k.root")
ROOT.DisableImplicitMT()  # entry order
df = ROOT.RDataFrame("Events", sample).Filter("nJet >= 2")
d = (df.Define("dr", "ROOT::VecOps::DeltaR(Jet_eta[0], Jet_eta[1], Jet_phi[0], Jet_phi[1])")
       .Define("dphi", "ROOT::VecOps::DeltaPhi(Jet_phi[0], Jet_phi[1])"))
m = df.Filter("nMuon >= 1").Define(
    "dr_jm", "ROOT::VecOps::DeltaR(Jet_eta[0], Muon_eta[0], Jet_phi[0], Muon_phi[0])")
a = d.AsNumpy(["dr", "dphi"])
b = m.AsNumpy(["dr_jm"])
out = {"source_note": "RDataFrame, ROOT " + ROOT.gROOT.GetVersion() + ", make_delta_r.py; float bits",
       "filters": {"dr": "nJet >= 2", "dphi": "nJet >= 2", "dr_jm": "nJet >= 2 && nMuon >= 1"}}
for k, v in list(a.items()) + list(b.items()):
    assert v.dtype == np.float32, (k, v.dtype)
    out[k] = [int(x) for x in v.view(np.uint32)]
with open(os.path.join(here, "delta_r.json"), "w") as fh:
    json.dump(out, fh, separators=(",", ":"))
    fh.write("\n")
print({k: len(v) for k, v in out.items() if isinstance(v, list)})

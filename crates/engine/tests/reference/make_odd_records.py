#!/usr/bin/env python3
"""Write ../data/odd_jets.root (with ROOT) and odd_records.json (ROOT's answers on it).

3000 events of NanoAOD-style jets (`nJet`, `Jet_pt/eta/phi/mass/btag[nJet]`, floats) with odd
values among ordinary ones: pt 0, negative, NaN, infinite or 3e38; eta NaN, infinite or beyond
30; phi NaN, 10, 1e6, and the floats nearest ±pi (beyond it, which PtEtaPhiMVector restricts to
(-pi, pi] first); masses negative, NaN or 1e30; and records a hair from the one before (ties).

odd_records.json holds, as the bits of each double:
- "first": px, py, pz, E of PxPyPzEVector(PtEtaPhiMVector(Jet[0])) for the events with a jet;
- "first3_mass_pxpypzm": the mass of the sum of the first three jets as PxPyPzMVectors (the
  RDataFrame AGC's arithmetic: each sum converts to energies and back), events with three jets;
- "trijet_pt": ADL q6's trijet pt for the events with three jets, the trijet the first of the
  smallest |m - 172.5| as ROOT::VecOps::ArgMin takes it over the keys in i<j<k order (a NaN
  key never replaces the best; a NaN first key stays).

usage: ~/peers/bin/python make_odd_records.py      (needs the PyPI package `root`)
"""
import json
import os
import struct

import numpy as np
import ROOT

here = os.path.dirname(os.path.abspath(__file__))
out_root = os.path.join(here, "..", "data", "odd_jets.root")
rng = np.random.default_rng(2026)
pi32 = float(np.float32(np.pi))

f = ROOT.TFile(out_root, "RECREATE")
t = ROOT.TTree("Events", "odd jets")
n = np.zeros(1, dtype=np.int32)
cols = {k: np.zeros(16, dtype=np.float32) for k in ("pt", "eta", "phi", "mass", "btag")}
t.Branch("nJet", n, "nJet/I")
for k, v in cols.items():
    t.Branch("Jet_" + k, v, f"Jet_{k}[nJet]/F")
odd = {
    "pt": [0.0, -5.0, np.nan, np.inf, 3e38, 1e-30],
    "eta": [np.nan, np.inf, -31.0, 40.0, 0.0],
    "phi": [np.nan, 10.0, -7.5, 1e6, pi32, -pi32],
    "mass": [np.nan, -1.0, -1e3, 1e30, 0.0],
}
for _ in range(3000):
    k = int(rng.integers(0, 13))
    n[0] = k
    cols["pt"][:k] = rng.uniform(15, 300, k)
    cols["eta"][:k] = rng.uniform(-3, 3, k)
    cols["phi"][:k] = rng.uniform(-np.pi, np.pi, k)
    cols["mass"][:k] = rng.uniform(0, 30, k)
    cols["btag"][:k] = rng.random(k)
    for j in range(k):
        if j > 0 and rng.random() < 0.05:
            for c in ("pt", "eta", "phi", "mass"):
                cols[c][j] = cols[c][j - 1]
            cols["eta"][j] = np.nextafter(cols["eta"][j], np.float32(10))
        for c, values in odd.items():
            if rng.random() < 0.03:
                cols[c][j] = values[int(rng.integers(0, len(values)))]
    t.Fill()
f.Write()
f.Close()

ROOT.gInterpreter.Declare(r"""
#include <Math/Vector4D.h>
ROOT::RVecD first_p4(const ROOT::RVecF& pt, const ROOT::RVecF& eta, const ROOT::RVecF& phi,
                     const ROOT::RVecF& m) {
  ROOT::Math::PxPyPzEVector p(ROOT::Math::PtEtaPhiMVector(pt[0], eta[0], phi[0], m[0]));
  return {p.Px(), p.Py(), p.Pz(), p.E()};
}
double first3_mass_pxpypzm(const ROOT::RVecF& pt, const ROOT::RVecF& eta,
                           const ROOT::RVecF& phi, const ROOT::RVecF& m) {
  auto v = [&](size_t i) {
    return ROOT::Math::PxPyPzMVector(ROOT::Math::PtEtaPhiMVector(pt[i], eta[i], phi[i], m[i]));
  };
  return (v(0) + v(1) + v(2)).M();
}
double trijet_pt(const ROOT::RVecF& pt, const ROOT::RVecF& eta, const ROOT::RVecF& phi,
                 const ROOT::RVecF& m) {
  const size_t n = pt.size();
  std::vector<ROOT::Math::PxPyPzEVector> p(n);
  for (size_t i = 0; i < n; ++i)
    p[i] = ROOT::Math::PxPyPzEVector(ROOT::Math::PtEtaPhiMVector(pt[i], eta[i], phi[i], m[i]));
  std::vector<double> keys;
  std::vector<std::array<size_t, 3>> at;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j)
      for (size_t k = j + 1; k < n; ++k) {
        keys.push_back(std::abs((p[i] + p[j] + p[k]).M() - 172.5));
        at.push_back({i, j, k});
      }
  auto b = at[ROOT::VecOps::ArgMin(ROOT::RVecD(keys.begin(), keys.end()))];
  return (p[b[0]] + p[b[1]] + p[b[2]]).Pt();
}
""")
ROOT.DisableImplicitMT()  # entry order
df = ROOT.RDataFrame("Events", out_root)
cols_in = ["Jet_pt", "Jet_eta", "Jet_phi", "Jet_mass"]
first = df.Filter("nJet >= 1").Define("p", "first_p4(Jet_pt, Jet_eta, Jet_phi, Jet_mass)")
tri = (df.Filter("nJet >= 3").Define("tpt", "trijet_pt(Jet_pt, Jet_eta, Jet_phi, Jet_mass)")
         .Define("m3", "first3_mass_pxpypzm(Jet_pt, Jet_eta, Jet_phi, Jet_mass)"))
bits = lambda x: struct.unpack("<Q", struct.pack("<d", float(x)))[0]
p = first.Take["ROOT::RVecD"]("p").GetValue()
out = {
    "source_note": "ROOT " + ROOT.gROOT.GetVersion() + ", make_odd_records.py; double bits",
    "first": [[bits(v[i]) for i in range(4)] for v in p],
    "trijet_pt": [bits(x) for x in tri.AsNumpy(["tpt"])["tpt"]],
    "first3_mass_pxpypzm": [bits(x) for x in tri.AsNumpy(["m3"])["m3"]],
}
with open(os.path.join(here, "odd_records.json"), "w") as fh:
    json.dump(out, fh, separators=(",", ":"))
    fh.write("\n")
print({k: len(v) for k, v in out.items() if isinstance(v, list)}, os.path.getsize(out_root), "bytes")

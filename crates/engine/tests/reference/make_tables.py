"""Fixtures and references for `correction()` and `lookup()` in analyses (tests/tables.rs).

Writes, next to this script:
- `tables_sf.json.gz`: a correctionlib file (made with correctionlib's own schema models) with a
  muon scale factor over (|eta|, pt, systematic), a formula of pt, and an int category on nMuon;
- `tables_sf.root`: a TH2F scale-factor map (variable pt bins, flow bins filled) and a TProfile,
  written by ROOT;
- `tables.json`: per muon of the first EVENTS events of examples/data/nano_10k.root, the values
  that correctionlib's Python package and ROOT (`GetBinContent(FindBin(x, y))`) give.

Run with a Python that has ROOT, uproot and correctionlib:  ~/peers/bin/python make_tables.py
"""

import gzip
import json
import os

import numpy as np
import uproot
import ROOT
import correctionlib
import correctionlib.schemav2 as cs

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "..", "..", "examples", "data", "nano_10k.root")
EVENTS = 1000

rng = np.random.default_rng(13)
eta_edges = [0.0, 0.9, 1.2, 2.1, 2.4]
pt_edges = [15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 120.0]


def grid(shift):
    n = (len(eta_edges) - 1) * (len(pt_edges) - 1)
    return [float(x) + shift for x in rng.uniform(0.9, 1.1, n)]


def multibinning(content, flow):
    return cs.MultiBinning(
        nodetype="multibinning",
        inputs=["abseta", "pt"],
        edges=[eta_edges, pt_edges],
        content=content,
        flow=flow,
    )


nominal = grid(0.0)
muon_sf = cs.Correction(
    name="muon_sf",
    description="a muon scale factor in bins of |eta| and pt (values above the range clamp)",
    version=1,
    inputs=[
        cs.Variable(name="abseta", type="real"),
        cs.Variable(name="pt", type="real"),
        cs.Variable(name="syst", type="string"),
    ],
    output=cs.Variable(name="weight", type="real"),
    data=cs.Category(
        nodetype="category",
        input="syst",
        content=[
            cs.CategoryItem(key="nominal", value=multibinning(nominal, "clamp")),
            cs.CategoryItem(key="systup", value=multibinning([x + 0.02 for x in nominal], "clamp")),
            cs.CategoryItem(key="systdown", value=multibinning([x - 0.02 for x in nominal], 1.0)),
        ],
    ),
)
pt_formula = cs.Correction(
    name="pt_formula",
    version=1,
    inputs=[cs.Variable(name="pt", type="real")],
    output=cs.Variable(name="weight", type="real"),
    data=cs.Formula(
        nodetype="formula",
        expression="0.98 + 0.01*log(x) - 3e-6*x^2 + 0.001*max(x, 50)/x",
        parser="TFormula",
        variables=["pt"],
    ),
)
n_muon_weight = cs.Correction(
    name="n_muon_weight",
    version=1,
    inputs=[cs.Variable(name="nMuon", type="int")],
    output=cs.Variable(name="weight", type="real"),
    data=cs.Category(
        nodetype="category",
        input="nMuon",
        content=[
            cs.CategoryItem(key=0, value=1.0),
            cs.CategoryItem(key=1, value=0.97),
            cs.CategoryItem(key=2, value=1.05),
        ],
        default=0.5,
    ),
)
cset = cs.CorrectionSet(schema_version=2, corrections=[muon_sf, pt_formula, n_muon_weight])
with gzip.open(os.path.join(HERE, "tables_sf.json.gz"), "wt") as f:
    f.write(cset.model_dump_json(exclude_unset=True))

# ROOT: a TH2F map with variable pt bins and filled flow bins, and a TProfile.
out = ROOT.TFile(os.path.join(HERE, "tables_sf.root"), "RECREATE")
pt_bins = np.array([10.0, 20.0, 35.0, 50.0, 80.0, 200.0])
h2 = ROOT.TH2F("sf_eta_pt", "SF;#eta;p_{T}", 10, -2.5, 2.5, len(pt_bins) - 1, pt_bins)
for gx in range(h2.GetNbinsX() + 2):
    for gy in range(h2.GetNbinsY() + 2):
        h2.SetBinContent(gx, gy, float(np.float32(rng.uniform(0.8, 1.2))))
h2.Write()
prof = ROOT.TProfile("mean_vs_pt", "profile", 20, 0.0, 100.0)
for x, y in zip(rng.uniform(-10, 110, 5000), rng.normal(1.0, 0.1, 5000)):
    prof.Fill(x, y)
prof.Write()
out.Close()

# References.
f = ROOT.TFile(os.path.join(HERE, "tables_sf.root"))
h2 = f.Get("sf_eta_pt")
prof = f.Get("mean_vs_pt")
events = uproot.open(SAMPLE)["Events"].arrays(
    ["nMuon", "Muon_pt", "Muon_eta"], entry_stop=EVENTS, library="np"
)
pt = np.concatenate(events["Muon_pt"]).astype(np.float64)
eta32 = np.concatenate(events["Muon_eta"])
eta = eta32.astype(np.float64)
abseta = np.abs(eta32).astype(np.float64)  # abs of a float, as the expression computes it
ceval = correctionlib.CorrectionSet.from_file(os.path.join(HERE, "tables_sf.json.gz"))


def clamp_bin(axis, x):
    return min(max(axis.FindBin(x), 1), axis.GetNbins())


nx, ny = h2.GetNbinsX(), h2.GetNbinsY()
expected = {
    "events": EVENTS,
    "muon_sf_nominal": ceval["muon_sf"].evaluate(abseta, pt, "nominal").tolist(),
    "muon_sf_systup": ceval["muon_sf"].evaluate(abseta, pt, "systup").tolist(),
    "muon_sf_systdown": ceval["muon_sf"].evaluate(abseta, pt, "systdown").tolist(),
    "pt_formula": ceval["pt_formula"].evaluate(pt).tolist(),
    "n_muon_weight": ceval["n_muon_weight"]
    .evaluate(events["nMuon"].astype(np.int64))
    .tolist(),
    "lookup_flow": [h2.GetBinContent(h2.FindBin(x, y)) for x, y in zip(eta, pt)],
    "lookup_clamp": [
        h2.GetBinContent(clamp_bin(h2.GetXaxis(), x), clamp_bin(h2.GetYaxis(), y))
        for x, y in zip(eta, pt)
    ],
    "profile_mean": [prof.GetBinContent(prof.FindBin(x)) for x in pt],
}
with open(os.path.join(HERE, "tables.json"), "w") as f:
    json.dump(expected, f)
print({k: (len(v) if isinstance(v, list) else v) for k, v in expected.items()})

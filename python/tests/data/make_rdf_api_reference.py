"""ROOT's answers for the RDataFrame-API tests (python/tests/test_rdf_api.py), on the bundled
sample: Min/Max/Stats of flat, jagged and integer columns (also below a Filter), the column
names with and without a Define and the branches' types, how a model title "title;x;y;z"
is split, TProfile/TProfile2D bin means and entries (Profile1D/2D), Display's table and
Describe's column list, Range, the types of defines, and RDataFrame(n) (generated events).

Run with ROOT (pip install root), from the repository root:
    ~/peers/bin/python python/tests/data/make_rdf_api_reference.py
writes python/tests/data/rdf_api_reference.json.
"""
import json

import ROOT

SAMPLE = "examples/data/nano_10k.root"
df = ROOT.RDataFrame("Events", SAMPLE)
two = df.Filter("nMuon >= 2", "two muons")
none = df.Filter("nMuon > 100", "no events")
out = {"min": {}, "max": {}, "stats": {}}
booked = []
for label, node in (("all", df), ("two muons", two), ("none", none)):
    for col in ("MET_pt", "Muon_pt", "nMuon", "Jet_eta"):
        key = f"{label}|{col}"
        booked.append((key, node.Min(col), node.Max(col), node.Stats(col)))
for key, mn, mx, st in booked:
    out["min"][key] = float(mn.GetValue())
    out["max"][key] = float(mx.GetValue())
    s = st.GetValue()
    out["stats"][key] = {"n": int(s.GetN()), "w": s.GetW(), "mean": s.GetMean(),
                         "rms": s.GetRMS(), "mean_err": s.GetMeanErr()}
# Weighted stats.
s = df.Define("w", "nJet > 0 ? Jet_pt[0] / 100.f : 1.f").Stats("MET_pt", "w").GetValue()
out["stats_weighted"] = {"n": int(s.GetN()), "w": s.GetW(), "mean": s.GetMean(), "rms": s.GetRMS(),
                         "mean_err": s.GetMeanErr()}
out["columns"] = sorted(str(c) for c in df.GetColumnNames())
out["column_types"] = {str(c): str(df.GetColumnType(str(c))) for c in df.GetColumnNames()}
out["columns_with_define"] = sorted(str(c) for c in df.Define("ht", "Sum(Jet_pt)").GetColumnNames())
ROOT.TH1.AddDirectory(False)
titles = {}
for i, t in enumerate( ("plain", "Dimuon mass;m_{#mu#mu} [GeV];Events / bin", ";x only", "t;x;y;z",
          "t;x;y;z;extra", "a;;b", "")):
    h = ROOT.TH2D(f"h{i}", t, 1, 0, 1, 1, 0, 1)
    titles[t] = [h.GetTitle(), h.GetXaxis().GetTitle(), h.GetYaxis().GetTitle(),
                 h.GetZaxis().GetTitle()]
out["titles"] = titles

def profile_bins(p, n_global):
    return {"content": [p.GetBinContent(i) for i in range(n_global)],
            "entries": [p.GetBinEntries(i) for i in range(n_global)]}


wdf = df.Define("w", "nJet > 0 ? Jet_pt[0] / 100.f : 1.f")
profiles = {
    "flat": df.Profile1D(("p_flat", "", 10, 0, 100), "MET_pt", "nJet"),
    "jagged": df.Profile1D(("p_jag", "", 20, 0, 200), "Jet_pt", "Jet_eta"),
    "weighted": wdf.Profile1D(("p_w", "", 10, 0, 100), "MET_pt", "MET_phi", "w"),
    "cut": two.Profile1D(("p_cut", "", 8, 0, 80), "Muon_pt", "Muon_eta"),
}
out["profile1d"] = {k: profile_bins(v.GetValue(), v.GetValue().GetNbinsX() + 2)
                    for k, v in profiles.items()}
p2 = df.Profile2D(("p2", "", 5, -2.5, 2.5, 4, -3.2, 3.2), "Muon_eta", "Muon_phi", "Muon_pt").GetValue()
out["profile2d"] = profile_bins(p2, (p2.GetNbinsX() + 2) * (p2.GetNbinsY() + 2))
out["profile2d"]["nx"] = p2.GetNbinsX()
out["display"] = str(df.Display(["nMuon", "Muon_pt", "MET_pt"], 3).AsString())
out["describe"] = str(df.Define("ht", "Sum(Jet_pt)").Describe().AsString())
typed = (df.Define("ht", "Sum(Jet_pt)").Define("x", "MET_pt * 2").Define("y", "MET_pt * 2.0")
         .Define("n", "nJet + 1").Define("sel", "Muon_pt[Muon_pt > 10]").Define("b", "nMuon > 1")
         .Define("c", "Muon_charge * 2"))
out["define_types"] = {c: str(typed.GetColumnType(c)) for c in ("ht", "x", "y", "n", "sel", "b", "c")}
out["range"] = {
    "10,100,3": [float(x) for x in df.Range(10, 100, 3).AsNumpy(["MET_pt"])["MET_pt"]],
    "50|two muons": int(df.Range(50).Filter("nMuon >= 2").Count().GetValue()),
    "9990,0": int(df.Range(9990, 0).Count().GetValue()),
}
# RDataFrame(n): generated events, columns from defines of the entry number.
gen = ROOT.RDataFrame(1000)
gd = gen.Define("x", "rdfentry_ * 0.5").Define("k", "rdfentry_ % 7")
gh = gd.Filter("k == 3").Histo1D(("gx", "", 20, 0, 500), "x")
gs = gd.Sum("x")
out["generated"] = {
    "entries": int(gen.Count().GetValue()),
    "threes": int(gd.Filter("k == 3").Count().GetValue()),
    "sum_x": gs.GetValue(),
    "hist": [gh.GetValue().GetBinContent(i) for i in range(22)],
    "range": [int(e) for e in gen.Range(10, 20).Define("e", "rdfentry_").AsNumpy(["e"])["e"]],
    "columns": [str(c) for c in gen.GetColumnNames()],
    "columns_with_defines": sorted(str(c) for c in gd.GetColumnNames()),
    "types": {c: str(gd.GetColumnType(c)) for c in ("x", "k", "rdfentry_")},
    "display": str(gd.Display(["x", "k"], 3).AsString()),
    "describe": str(gd.Describe().AsString()),
}
with open("python/tests/data/rdf_api_reference.json", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print("wrote python/tests/data/rdf_api_reference.json")

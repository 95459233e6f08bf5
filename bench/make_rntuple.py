#!/usr/bin/env python3
"""Copy a TTree into an RNTuple with ROOT's RDataFrame Snapshot (same fields, same order, same
values; `ROOT::RVec<T>` fields for the NanoAOD arrays).

usage: ~/peers/bin/python bench/make_rntuple.py IN.root OUT.root [--tree Events] [--compression 505]
"""
import argparse

import ROOT

p = argparse.ArgumentParser()
p.add_argument("inp"); p.add_argument("out")
p.add_argument("--tree", default="Events"); p.add_argument("--compression", type=int, default=505)
a = p.parse_args()
df = ROOT.RDataFrame(a.tree, a.inp)
f = ROOT.TFile.Open(a.inp)
names = [b.GetName() for b in f.Get(a.tree).GetListOfBranches()]
opts = ROOT.RDF.RSnapshotOptions()
opts.fOutputFormat = ROOT.RDF.ESnapshotOutputFormat.kRNTuple
opts.fCompressionAlgorithm = ROOT.RCompressionSetting.EAlgorithm.EValues(a.compression // 100)
opts.fCompressionLevel = a.compression % 100
cols = ROOT.std.vector["std::string"]()
for n in names:
    cols.push_back(n)
df.Snapshot(a.tree, a.out, cols, opts)
print(f"wrote {a.out}: {len(names)} fields")

#!/usr/bin/env python3
"""Copy a tree entry by entry into a new file with one cluster every N entries.

usage: ~/peers/bin/python recluster.py IN.root OUT.root [--every 1000] [--compression 101]

ROOT's default auto-flush (30 MB) leaves a 10 000-event sample in one cluster, so a run on it
is one work item. The copy has the same branches (same leaf types, same counters) and the same
values, cut into clusters of N entries: the tests of work items, merging and Dask use it.
`nano_10k_clusters.root` was made with
    recluster.py ../../../../examples/data/nano_10k.root nano_10k_clusters.root --every 1000
"""
import argparse

import ROOT

p = argparse.ArgumentParser()
p.add_argument("inp"); p.add_argument("out")
p.add_argument("--every", type=int, default=1000); p.add_argument("--compression", type=int, default=101)
a = p.parse_args()
src = ROOT.TFile.Open(a.inp)
tree = src.Get("Events")
dst = ROOT.TFile(a.out, "RECREATE", "", a.compression)
copy = tree.CloneTree(0)
copy.SetAutoFlush(a.every)
for i in range(tree.GetEntries()):
    tree.GetEntry(i)
    copy.Fill()
copy.Write()
dst.Close()
print(f"wrote {a.out}: {tree.GetEntries()} entries, a cluster every {a.every}")

#!/usr/bin/env python3
"""uproot's reading speed for the read benchmark: best of N calls of `tree.arrays(branches)`
(awkward output, uproot's fastest path for jagged data), single-threaded.

usage: read_uproot.py FILE [--tree Events] [--branches a,b,c] [--repeat 3]
prints: uproot=SECONDS entries=N branches=K
"""
import argparse
import time

import uproot

p = argparse.ArgumentParser()
p.add_argument("file")
p.add_argument("--tree", default="Events")
p.add_argument("--branches", default=None)
p.add_argument("--repeat", type=int, default=3)
a = p.parse_args()

tree = uproot.open(a.file)[a.tree]
names = a.branches.split(",") if a.branches else list(tree.keys())
best = float("inf")
for _ in range(a.repeat):
    t = time.perf_counter()
    arrays = tree.arrays(names)
    best = min(best, time.perf_counter() - t)
    n = len(arrays)
    del arrays
print(f"uproot={best:.3f} entries={n} branches={len(names)}")

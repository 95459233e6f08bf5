#!/usr/bin/env python3
"""Check trees written by rootio::write::TreeWriter with ROOT and uproot.

Usage: python write_tree_verify.py manifest.json

The manifest (written by tests/write_tree_root.rs) lists files; for each, the tree name, the
number of entries, the file's compression setting and the branches: name, layout (scalar,
fixed with a shape, counted with its counter, vector), element type, the sum and number of all
values, and for most files every entry's values.

With ROOT: TFile::Open, the compression setting, TTree::GetEntries and each branch's entries,
TTree::Scan over every branch (a few rows, in groups of columns), RDataFrame Sum of every
branch (arrays and vectors: all elements) against the sum written, and TTree::Draw of every
branch in "goff" mode, whose return value (the number of values drawn) must be the number of
values written. With uproot: TTree.arrays() against the values written (exactly), or their
sum and count. Prints "ALL OK" when everything matches; exits 1 otherwise. ROOT's own warnings
and errors go to stdout/stderr, where the calling test looks for them; ROOT warnings that
PyROOT turns into Python RuntimeWarnings are counted as failures here.
"""

import json
import math
import sys
import warnings

import awkward as ak
import numpy as np
import ROOT
import uproot

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL", msg)


def _record_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, RuntimeWarning):
        fail(f"ROOT warning from {filename}: {message}")
    else:
        print(f"{category.__name__}: {message}")


warnings.showwarning = _record_warning
warnings.simplefilter("always", RuntimeWarning)


def close(got, want):
    return got == want or abs(got - want) <= 1e-12 * max(1.0, abs(want))


def expected_entries(b):
    """The values written, per entry, shaped as uproot returns them."""
    vals = b["values"]
    if b["layout"] == "fixed" and len(b["shape"]) > 1:
        inner = b["shape"][1]
        vals = [[e[i : i + inner] for i in range(0, len(e), inner)] for e in vals]
    return vals


def check_root(entry):
    path, name = entry["file"], entry["tree"]
    f = ROOT.TFile.Open(path)
    if not f or f.IsZombie():
        fail(f"{path}: ROOT cannot open it")
        return
    if f.GetCompressionSettings() != entry["compression"]:
        fail(f"{path}: compression {f.GetCompressionSettings()}, want {entry['compression']}")
    t = f.Get(name)
    if not t:
        fail(f"{path}: no tree {name}")
        return
    n = entry["entries"]
    if t.GetEntries() != n:
        fail(f"{path}: {t.GetEntries()} entries, want {n}")
    branches = entry["branches"]
    names = [b["name"] for b in branches]
    for b in branches:
        br = t.GetBranch(b["name"])
        if not br:
            fail(f"{path}: no branch {b['name']}")
            continue
        if br.GetEntries() != n:
            fail(f"{path}:{b['name']}: {br.GetEntries()} entries")
    # TTree::Scan: a few rows of every branch, eight columns at a time (no paging prompt).
    t.SetScanField(0)
    for i in range(0, len(names), 8):
        t.Scan(":".join(names[i : i + 8]), "", "colsize=12", 4)
    # RDataFrame sums, booked together and run once.
    df = ROOT.RDataFrame(name, path)
    sums = {b["name"]: df.Sum(b["name"]) for b in branches}
    count = df.Count()
    if count.GetValue() != n:
        fail(f"{path}: RDataFrame counts {count.GetValue()} entries")
    for b in branches:
        got = sums[b["name"]].GetValue()
        if not close(got, b["sum"]):
            fail(f"{path}:{b['name']}: RDataFrame Sum {got}, want {b['sum']}")
    # TTree::Draw: the number of values drawn. TTreeFormula reads a Char_t array (a TLeafB
    # with a dimension, as in "x[3]/B" or "x[n]/B") as one C string per entry, as documented
    # for TTree::Branch ("B: ... Treated as a character when in an array"), in ROOT's own
    # files too; it then draws one value per entry.
    for b in branches:
        drawn = t.Draw(b["name"], "", "goff")
        want = b["count"]
        if b["type"] == "I8" and b["layout"] in ("fixed", "counted"):
            want = n
        if drawn != want:
            fail(f"{path}:{b['name']}: TTree::Draw drew {drawn} values, want {want}")
    f.Close()
    print(f"ROOT checked {path}: {n} entries, {len(branches)} branches")


def check_uproot(entry):
    path, name = entry["file"], entry["tree"]
    with uproot.open(path) as f:
        t = f[name]
        if t.num_entries != entry["entries"]:
            fail(f"uproot {path}: {t.num_entries} entries")
        arrays = t.arrays(library="ak")
        for b in entry["branches"]:
            a = arrays[b["name"]]
            if "values" in b:
                got = ak.to_list(a)
                want = expected_entries(b)
                if got != want:
                    bad = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), None)
                    fail(f"uproot {path}:{b['name']}: values differ (first at entry {bad}: "
                         f"{got[bad] if bad is not None else '?'} vs {want[bad] if bad is not None else '?'})")
            flat = ak.flatten(a, axis=None) if a.ndim > 1 else a
            if len(flat) != b["count"]:
                fail(f"uproot {path}:{b['name']}: {len(flat)} values, want {b['count']}")
            s = float(np.sum(np.asarray(flat, dtype=np.float64))) if len(flat) else 0.0
            if not close(s, b["sum"]):
                fail(f"uproot {path}:{b['name']}: sum {s}, want {b['sum']}")
    print(f"uproot checked {path}")


def main():
    manifest = json.load(open(sys.argv[1]))
    ROOT.gROOT.SetBatch(True)
    for entry in manifest:
        try:
            check_root(entry)
        except Exception as e:
            fail(f"ROOT {entry['file']}: {type(e).__name__}: {e}")
        try:
            check_uproot(entry)
        except Exception as e:
            fail(f"uproot {entry['file']}: {type(e).__name__}: {e}")
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("ALL OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

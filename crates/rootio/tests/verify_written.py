#!/usr/bin/env python3
"""Check files written by rootio::write with ROOT and uproot.

Usage: python verify_written.py manifest.json [scratch-folder]

With a scratch folder, the same histograms are also written by ROOT at the same compression
setting and the sizes of both files and of each key are printed (information only).

The manifest (written by tests/writing.rs) lists files; for each, the expected compression
setting and histograms in the JSON form of tests/write_support/mod.rs (class, name, title,
axes with bins/range/edges/title/labels, contents and sumw2 including flow bins, entries,
statistics) plus the "path" to read (e.g. "small_f;2").

With ROOT (TFile::Open, Get): class, title, axis titles, bins and edges, labels, every
GetBinContent and GetBinError (flow bins included; the error is sqrt(sumw2) or sqrt(|content|)),
GetEntries, GetSumw2N, GetStats, the file's compression setting and version.
With uproot: values(flow=True), variances(flow=True), axis edges and labels, title,
to_hist(). Prints "ALL OK" when everything matches; exits 1 otherwise. ROOT's own warnings
and errors go to stderr, where the calling test looks for them; ROOT warnings, which PyROOT
turns into Python RuntimeWarnings, are counted as failures here.
"""

import json
import math
import sys
import warnings

import ROOT
import uproot

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL", msg)


def _record_warning(message, category, filename, lineno, file=None, line=None):
    # PyROOT turns ROOT's Warning() calls (e.g. TFile::Init's "probably not closed" or
    # "successfully recovered") into Python RuntimeWarnings; count them as failures.
    if issubclass(category, RuntimeWarning):
        fail(f"ROOT warning from {filename}: {message}")
    else:
        print(f"{category.__name__}: {message}")


warnings.showwarning = _record_warning
warnings.simplefilter("always", RuntimeWarning)


def close(a, b):
    return a == b or (math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b)))


def edges_of(ax):
    n = ax["nbins"]
    if ax["edges"] is not None:
        return ax["edges"]
    lo, hi = ax["low"], ax["high"]
    return [lo + (hi - lo) * i / n for i in range(n + 1)]


def check_root_axis(where, rax, ax):
    if rax.GetNbins() != ax["nbins"]:
        fail(f"{where}: {rax.GetNbins()} bins, want {ax['nbins']}")
        return
    if rax.GetXmin() != ax["low"] or rax.GetXmax() != ax["high"]:
        fail(f"{where}: range [{rax.GetXmin()}, {rax.GetXmax()}], want [{ax['low']}, {ax['high']}]")
    if str(rax.GetTitle()) != ax["title"]:
        fail(f"{where}: title {rax.GetTitle()!r}, want {ax['title']!r}")
    for i, e in enumerate(edges_of(ax)):
        got = rax.GetBinLowEdge(i + 1)
        if not close(got, e):
            fail(f"{where}: edge {i} is {got}, want {e}")
    labels = dict((b, l) for b, l in ax["labels"])
    for b in range(1, ax["nbins"] + 1):
        got = str(rax.GetBinLabel(b))
        if got != labels.get(b, ""):
            fail(f"{where}: label of bin {b} is {got!r}, want {labels.get(b, '')!r}")


def check_root(f, h):
    where = f"{f.GetName()}:{h['path']}"
    obj = f.Get(h["path"])
    if not obj:
        fail(f"{where}: ROOT cannot read it")
        return
    if obj.ClassName() != h["class"]:
        fail(f"{where}: class {obj.ClassName()}, want {h['class']}")
    if str(obj.GetName()) != h["name"] or str(obj.GetTitle()) != h["title"]:
        fail(f"{where}: name/title {obj.GetName()!r}/{obj.GetTitle()!r}")
    check_root_axis(where + " x", obj.GetXaxis(), h["x"])
    if h["class"].startswith("TH2"):
        check_root_axis(where + " y", obj.GetYaxis(), h["y"])
    if str(obj.GetYaxis().GetTitle()) != h["y"]["title"]:
        fail(f"{where}: y title {obj.GetYaxis().GetTitle()!r}")
    if str(obj.GetZaxis().GetTitle()) != h["z"]["title"]:
        fail(f"{where}: z title {obj.GetZaxis().GetTitle()!r}")
    contents = h["contents"]
    if obj.GetNcells() != len(contents):
        fail(f"{where}: {obj.GetNcells()} cells, want {len(contents)}")
        return
    sumw2 = h["sumw2"]
    want_n = len(sumw2) if sumw2 else 0
    if obj.GetSumw2N() != want_n:
        fail(f"{where}: GetSumw2N {obj.GetSumw2N()}, want {want_n}")
    for i, c in enumerate(contents):
        got = obj.GetBinContent(i)
        if got != c:
            fail(f"{where}: bin {i} content {got}, want {c}")
            break
        err = math.sqrt(sumw2[i]) if sumw2 else math.sqrt(abs(c))
        if not close(obj.GetBinError(i), err):
            fail(f"{where}: bin {i} error {obj.GetBinError(i)}, want {err}")
            break
    if h["class"].startswith("TH2"):
        nx = h["x"]["nbins"]
        for iy in range(h["y"]["nbins"] + 2):
            for ix in range(nx + 2):
                if obj.GetBinContent(ix, iy) != contents[ix + (nx + 2) * iy]:
                    fail(f"{where}: bin ({ix},{iy}) differs")
    if obj.GetEntries() != h["entries"]:
        fail(f"{where}: entries {obj.GetEntries()}, want {h['entries']}")
    stats = ROOT.std.vector("double")(13)
    obj.GetStats(stats.data())
    for i, s in enumerate(h["stats"]):
        if not close(stats[i], s):
            fail(f"{where}: stat {i} is {stats[i]}, want {s}")


def check_uproot(path, h):
    where = f"uproot {path}:{h['path']}"
    with uproot.open(path) as f:
        obj = f[h["path"]]
        if obj.classname != h["class"]:
            fail(f"{where}: class {obj.classname}")
        if obj.title != h["title"]:
            fail(f"{where}: title {obj.title!r}")
        values = obj.values(flow=True)
        nx = h["x"]["nbins"] + 2
        if h["class"].startswith("TH2"):
            want = [[h["contents"][ix + nx * iy] for iy in range(h["y"]["nbins"] + 2)] for ix in range(nx)]
        else:
            want = h["contents"]
        if values.tolist() != want:
            fail(f"{where}: values(flow=True) differ")
        if h["sumw2"]:
            var = obj.variances(flow=True)
            if h["class"].startswith("TH2"):
                wv = [[h["sumw2"][ix + nx * iy] for iy in range(h["y"]["nbins"] + 2)] for ix in range(nx)]
            else:
                wv = h["sumw2"]
            if var.tolist() != wv:
                fail(f"{where}: variances(flow=True) differ")
        axes = [("x", obj.axis(0))] + ([("y", obj.axis(1))] if h["class"].startswith("TH2") else [])
        for name, ax in axes:
            want_edges = edges_of(h[name])
            got = ax.edges().tolist()
            if any(not close(a, b) for a, b in zip(got, want_edges)) or len(got) != len(want_edges):
                fail(f"{where}: {name} edges {got[:5]}…, want {want_edges[:5]}…")
            if ax.member("fTitle") != h[name]["title"]:
                fail(f"{where}: {name} title {ax.member('fTitle')!r}")
            want = h[name]["labels"]
            if want and len(want) == h[name]["nbins"]:
                got = ax.labels()
                if got != [l for _, l in sorted(want)]:
                    fail(f"{where}: {name} labels {got}, want {want}")
            elif want:
                # uproot's labels() is None unless every bin is labelled (so for ROOT's own
                # files too); the label list itself must be there.
                got = [str(x) for x in ax.member("fLabels")]
                if got != [l for _, l in want]:
                    fail(f"{where}: {name} fLabels {got}, want {want}")
        if obj.member("fEntries") != h["entries"]:
            fail(f"{where}: fEntries {obj.member('fEntries')}")
        # uproot turns a labelled axis into a StrCategory with one category per label, so
        # to_hist() only works when every bin (or none) is labelled; the same holds for files
        # written by ROOT (checked on fixtures/write/reference_hists.root).
        partial = any(0 < len(h[n]["labels"]) < h[n]["nbins"] for n, _ in axes)
        if not partial:
            hh = obj.to_hist()
            if hh.values(flow=False).tolist() != obj.values(flow=False).tolist():
                fail(f"{where}: to_hist() values differ")


def build_root_hist(h):
    """The same histogram built in ROOT (for the size comparison)."""
    from array import array

    cls = getattr(ROOT, h["class"])
    x, y = h["x"], h["y"]

    def spec(ax):
        if ax["edges"] is not None:
            return (ax["nbins"], array("d", ax["edges"]))
        return (ax["nbins"], ax["low"], ax["high"])

    if h["class"].startswith("TH1"):
        obj = cls(h["name"] + "_root", h["title"], *spec(x))
    else:
        obj = cls(h["name"] + "_root", h["title"], *spec(x), *spec(y))
    obj.SetName(h["name"])
    if h["sumw2"]:
        obj.Sumw2()
    # Contents before labels: SetBinContent on the overflow bin of a fully labelled
    # (alphanumeric, extendable) axis would extend the axis.
    for i, c in enumerate(h["contents"]):
        obj.SetBinContent(i, c)
    for name, ax in (("x", obj.GetXaxis()), ("y", obj.GetYaxis()), ("z", obj.GetZaxis())):
        ax.SetTitle(h[name]["title"])
        for b, label in h[name]["labels"]:
            ax.SetBinLabel(b, label)
    if h["sumw2"]:
        w2 = obj.GetSumw2()
        for i, v in enumerate(h["sumw2"]):
            w2[i] = v
    obj.SetEntries(h["entries"])
    stats = array("d", h["stats"] + [0.0] * (13 - len(h["stats"])))
    obj.PutStats(stats)
    return obj


def compare_sizes(entry, tmpdir):
    """Write the same histograms with ROOT at the same compression setting; print the sizes."""
    import os

    path = os.path.join(tmpdir, "root_" + os.path.basename(entry["file"]))
    f = ROOT.TFile(path, "RECREATE", "", entry["compression"])
    seen = set()
    for h in entry["histograms"]:
        obj = build_root_hist(h)
        obj.SetDirectory(ROOT.nullptr)
        f.WriteTObject(obj, h["name"])
        seen.add(h["name"])
    f.Close()
    ours = ROOT.TFile.Open(entry["file"])
    theirs = ROOT.TFile.Open(path)
    print(f"  size {os.path.basename(entry['file'])}: ours {os.path.getsize(entry['file'])} bytes, "
          f"ROOT {os.path.getsize(path)} bytes (streamer infos: ours {ours.GetNbytesInfo()}, ROOT {theirs.GetNbytesInfo()})")
    for name in sorted(seen):
        a, b = ours.GetKey(name), theirs.GetKey(name)
        print(f"    {name:10s} {a.GetClassName()}: objlen ours {a.GetObjlen()} ROOT {b.GetObjlen()}; "
              f"stored ours {a.GetNbytes()} ROOT {b.GetNbytes()}")
    ours.Close()
    theirs.Close()


def main():
    manifest = json.load(open(sys.argv[1]))
    ROOT.gROOT.SetBatch(True)
    # Two cycles of one name would otherwise both be appended to the file's directory in memory
    # ("Replacing existing TH1"), a ROOT warning that has nothing to do with the file.
    ROOT.TH1.AddDirectory(False)
    for entry in manifest:
        path = entry["file"]
        f = ROOT.TFile.Open(path)
        if not f or f.IsZombie():
            fail(f"{path}: ROOT cannot open it")
            continue
        if f.GetCompressionSettings() != entry["compression"]:
            fail(f"{path}: compression {f.GetCompressionSettings()}, want {entry['compression']}")
        if f.GetVersion() % 1000000 != 64000:  # +1000000 for a big file
            fail(f"{path}: version {f.GetVersion()}")
        if entry.get("big") and f.GetEND() <= 2_000_000_000:
            fail(f"{path}: fEND {f.GetEND()} is not past 2 GB")
        if f.GetListOfKeys().GetSize() != len(entry["histograms"]):
            fail(f"{path}: {f.GetListOfKeys().GetSize()} keys, want {len(entry['histograms'])}")
        for h in entry["histograms"]:
            check_root(f, h)
        f.Close()
        for h in entry["histograms"]:
            try:
                check_uproot(path, h)
            except Exception as e:  # report and go on
                fail(f"uproot {path}:{h['path']}: {type(e).__name__}: {e}")
        print("checked", path, len(entry["histograms"]), "histograms")
        if entry["histograms"] and not entry.get("big") and len(sys.argv) > 2:
            compare_sizes(entry, sys.argv[2])
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("ALL OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

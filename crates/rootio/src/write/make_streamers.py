#!/usr/bin/env python3
"""Make the streamer-info blob the writer embeds, and the ROOT-written reference histograms.

Run with a Python that has ROOT 6.40 (PyPI package `root`, e.g. in ~/peers), from anywhere:

    ~/peers/bin/python crates/rootio/src/write/make_streamers.py

It writes, with ROOT itself and without compression,

  crates/rootio/tests/fixtures/write/reference_hists.root
      a TH1D (regular axis, no sumw2), a TH1D (variable axis, weighted, sumw2), a TH1F with a
      label on every bin, a TH2D (regular x, variable y, sumw2) and a TH2F with one label on y;
      axis titles set through the "title;x;y;z" convention;
  crates/rootio/tests/fixtures/write/reference_hists.json
      everything needed to rebuild the same histograms elsewhere: class, name, title, axes
      (bins, range, edges, title, labels), contents and sumw2 including flow bins, entries and
      the statistics from TH1::GetStats; the key length of each object's key;

and extracts from that file

  crates/rootio/src/write/streamers.bin
      the uncompressed payload of its "StreamerInfo" key: the TList of TStreamerInfo that ROOT
      wrote for these classes. The writer embeds it with include_bytes! (see streamers.rs). The
      class tags inside it count from the start of the key, whose header must therefore have the
      same length (64 bytes) in every file the writer makes; this script checks that length.

The Rust test `write_golden` rebuilds the reference histograms with rootio's writer and compares
the streamed bytes with ROOT's, so CI checks the layout without ROOT. ROOT stamps dates and a
UUID into the file, so the .root bytes differ between runs; the histogram payloads do not.
"""

import json
import os
import struct
import sys
import zlib

import ROOT

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(CRATE, "tests", "fixtures", "write")
BLOB = os.path.join(HERE, "streamers.bin")


def make_histograms():
    """The reference histograms, filled with closed-form values."""
    hs = []

    h = ROOT.TH1D("h1d", "A TH1D;x [GeV];Events", 10, -5.0, 5.0)
    for i in range(500):
        h.Fill(((i * 7919) % 1201) / 100.0 - 6.0)
    hs.append(h)

    edges = [0.0, 1.0, 2.0, 4.0, 8.0, 16.0]
    h = ROOT.TH1D("h1d_var", "variable bins, weighted", len(edges) - 1, __import__("array").array("d", edges))
    h.Sumw2()
    for i in range(300):
        h.Fill(((i * 37) % 190) / 10.0 - 1.0, 0.5 + (i % 3) * 0.25)
    hs.append(h)

    h = ROOT.TH1F("h1f_labels", "labelled;category;count", 5, 0.0, 5.0)
    for b, label in enumerate(["a", "b", "c", "d", "e"], start=1):
        h.GetXaxis().SetBinLabel(b, label)
    for i in range(40):
        h.Fill((i % 7) - 0.5)
    hs.append(h)

    yedges = [0.0, 0.5, 1.5, 3.0]
    h = ROOT.TH2D("h2d", "A TH2D;x;y;z", 4, 0.0, 4.0, len(yedges) - 1, __import__("array").array("d", yedges))
    h.Sumw2()
    for i in range(200):
        x = ((i * 13) % 53) / 10.0 - 0.5
        y = ((i * 29) % 37) / 10.0 - 0.3
        h.Fill(x, y, 1.0 + (i % 4) * 0.5)
    hs.append(h)

    h = ROOT.TH2F("h2f", "TH2F with a label", 3, -1.5, 1.5, 2, 0.0, 2.0)
    h.GetYaxis().SetBinLabel(2, "upper")
    for i in range(50):
        h.Fill(((i * 3) % 7) / 2.0 - 2.0, (i % 5) / 2.0)
    hs.append(h)
    return hs


def axis_json(ax):
    xbins = ax.GetXbins()
    labels = []
    if ax.GetLabels():
        for obj in ax.GetLabels():
            labels.append([obj.GetUniqueID(), str(obj.GetString())])
    return {
        "nbins": ax.GetNbins(),
        "low": ax.GetXmin(),
        "high": ax.GetXmax(),
        "edges": [xbins[i] for i in range(xbins.GetSize())] if xbins.GetSize() else None,
        "title": str(ax.GetTitle()),
        "labels": labels,
    }


def hist_json(h):
    ncells = h.GetNcells()
    stats = ROOT.std.vector("double")(13)
    h.GetStats(stats.data())
    sumw2 = h.GetSumw2()
    dim = h.GetDimension()
    return {
        "class": h.ClassName(),
        "name": h.GetName(),
        "title": h.GetTitle(),
        "x": axis_json(h.GetXaxis()),
        "y": axis_json(h.GetYaxis()),
        "z": axis_json(h.GetZaxis()),
        "contents": [h.GetBinContent(i) for i in range(ncells)],
        "sumw2": [sumw2[i] for i in range(h.GetSumw2N())] if h.GetSumw2N() else None,
        "entries": h.GetEntries(),
        "stats": [stats[i] for i in range(4 if dim == 1 else 7)],
        "bits": h.TestBits(0xFFFFFFFF),
    }


def read_key(data, pos):
    nbytes, version, objlen, datime, keylen, cycle = struct.unpack(">ihiIhh", data[pos : pos + 18])
    p = pos + 18
    if version > 1000:
        seek_key, seek_pdir = struct.unpack(">qq", data[p : p + 16])
        p += 16
    else:
        seek_key, seek_pdir = struct.unpack(">ii", data[p : p + 8])
        p += 8
    strings = []
    for _ in range(3):
        n = data[p]
        p += 1
        if n == 255:
            (n,) = struct.unpack(">i", data[p : p + 4])
            p += 4
        strings.append(data[p : p + n].decode())
        p += n
    assert p - pos == keylen, (p - pos, keylen)
    return dict(nbytes=nbytes, objlen=objlen, keylen=keylen, cls=strings[0], name=strings[1], title=strings[2])


def payload(data, pos):
    k = read_key(data, pos)
    raw = data[pos + k["keylen"] : pos + k["nbytes"]]
    if len(raw) == k["objlen"]:
        return k, raw
    out = b""
    while len(out) < k["objlen"]:
        tag, csize = raw[:2], int.from_bytes(raw[3:6], "little")
        assert tag == b"ZL", tag
        out += zlib.decompress(raw[9 : 9 + csize])
        raw = raw[9 + csize :]
    return k, out


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    path = os.path.join(FIXTURES, "reference_hists.root")
    # Detached histograms (no directory), written explicitly: attached ones carry in-memory
    # bookkeeping bits into the file (kMustCleanup on the TH1, kUseRWLock on fFunctions).
    ROOT.TH1.AddDirectory(False)
    hists = make_histograms()
    records = [hist_json(h) for h in hists]
    f = ROOT.TFile(path, "RECREATE", "", 0)
    for h in hists:
        f.WriteTObject(h)
    f.Close()

    data = open(path, "rb").read()
    assert data[:4] == b"root"
    version, begin = struct.unpack(">ii", data[4:12])
    assert version < 1000000
    seek_info, nbytes_info = struct.unpack(">ii", data[37:45])
    key, blob = payload(data, seek_info)
    assert (key["cls"], key["name"], key["title"], key["keylen"]) == (
        "TList",
        "StreamerInfo",
        "Doubly linked list",
        64,
    ), key
    open(BLOB, "wb").write(blob)

    # Key lengths of the histograms, for the byte comparison.
    g = ROOT.TFile.Open(path)
    for rec in records:
        k = g.GetKey(rec["name"])
        rec["keylen"] = k.GetKeylen()
        rec["key_title"] = k.GetTitle()
    classes = [(i.GetName(), i.GetClassVersion()) for i in g.GetStreamerInfoList() if i.IsA().GetName() == "TStreamerInfo"]
    others = [i.GetName() for i in g.GetStreamerInfoList() if i.IsA().GetName() != "TStreamerInfo"]
    g.Close()

    meta = {
        "root_version": ROOT.gROOT.GetVersion(),
        "root_version_int": ROOT.gROOT.GetVersionInt(),
        "streamer_classes": classes,
        "other_streamer_list_entries": others,
        "histograms": records,
    }
    with open(os.path.join(FIXTURES, "reference_hists.json"), "w") as out:
        json.dump(meta, out, indent=1)
        out.write("\n")
    print(f"ROOT {meta['root_version']}: {len(blob)} bytes of streamer infos -> {BLOB}")
    print("classes:", ", ".join(f"{n} v{v}" for n, v in classes))
    if others:
        print("other entries:", others)
    return 0


if __name__ == "__main__":
    sys.exit(main())

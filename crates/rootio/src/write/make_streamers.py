#!/usr/bin/env python3
"""Make the streamer-info blob the writer embeds, and the ROOT-written reference files.

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
  crates/rootio/tests/fixtures/write/reference_tree.root, reference_tree.json
      a 7-entry TTree "Events" with a branch of every layout the writer produces: a scalar of
      each of the 11 primitive types (leaf types O B b S s I i L l F D), fixed arrays (x[3]/F,
      m[2][3]/D, ...), NanoAOD counted arrays (Muon_pt[nMuon]/F, with Int_t, UInt_t, Short_t
      and ULong64_t counters) and std::vector<T> of each primitive type (TBranchElement);
      one TBranch and one TBranchElement have a custom title. The JSON holds the branch list
      (name, title, layout, type), every value, and the checksum and class version of each
      vector<T> class as this ROOT reports them;
  crates/rootio/tests/fixtures/write/reference_tree_clusters.root, reference_tree_clusters.json
      a 2500-entry TTree with SetAutoFlush(1000) and 1200-byte baskets: many baskets per
      branch in the first cluster, then TTree::OptimizeBaskets and one basket per branch and
      cluster; the values follow closed formulas (repeated in tests/write_tree_golden.rs), the
      JSON holds the parameters;

and, from a scratch file holding those histograms and the reference tree together,

  crates/rootio/src/write/streamers.bin
      the uncompressed payload of its "StreamerInfo" key: the TList of TStreamerInfo that ROOT
      wrote for these classes (TH1D/F, TH2D/F, TTree, TBranch, TBranchElement, every TLeaf
      class written, ...). The writer embeds it with include_bytes! (see streamers.rs). The
      class tags inside it count from the start of the key, whose header must therefore have the
      same length (64 bytes) in every file the writer makes; this script checks that length.

The Rust tests `write_golden` and `write_tree_golden` rebuild the reference objects with
rootio's writer and compare the bytes with ROOT's, so CI checks the layouts without ROOT. ROOT
stamps dates and a UUID into the files, so the .root bytes differ between runs; the object
payloads do not.
"""

import array
import json
import os
import struct
import sys
import tempfile
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


# Primitive types: (our name, ROOT leaf type letter, array typecode, C++ type of vector<T>).
PRIMITIVES = [
    ("bool", "O", "b", "bool"),
    ("i8", "B", "b", "char"),
    ("u8", "b", "B", "unsigned char"),
    ("i16", "S", "h", "short"),
    ("u16", "s", "H", "unsigned short"),
    ("i32", "I", "i", "int"),
    ("u32", "i", "I", "unsigned int"),
    ("i64", "L", "q", "Long64_t"),
    ("u64", "l", "Q", "ULong64_t"),
    ("f32", "F", "f", "float"),
    ("f64", "D", "d", "double"),
]
TYPES = {p[0]: p for p in PRIMITIVES}


def value(t, i, j=0):
    """A deterministic value of type t for entry i, element j, exactly representable in t."""
    k = i * 7 + j * 3
    if t == "bool":
        return (k % 3) == 1
    if t == "i8":
        return (k * 37) % 256 - 128
    if t == "u8":
        return (k * 53) % 256
    if t == "i16":
        return (k * 4099) % 65536 - 32768
    if t == "u16":
        return (k * 4111) % 65536
    if t == "i32":
        return (k * 1000003) % (1 << 32) - (1 << 31)
    if t == "u32":
        return (k * 2654435761) % (1 << 32)
    if t == "i64":
        return (k * 6364136223846793005) % (1 << 64) - (1 << 63)
    if t == "u64":
        return (k * 1442695040888963407) % (1 << 64)
    if t == "f32":
        return (k % 97) * 0.25 - 7.5
    return (k % 89) * 0.125 - 3.0  # f64


# The small reference tree: (name, custom title or None, layout, type, shape or counter).
SMALL_ENTRIES = 7
SMALL_COUNTS = {
    "nMuon": [0, 2, 1, 3, 0, 4, 1],
    "nJet": [1, 0, 3, 2, 0, 0, 5],
    "nS": [2, 1, 0, 0, 3, 1, 2],
    "nL": [0, 0, 1, 0, 2, 1, 1],
}
SMALL_BRANCHES = (
    [("s_" + t, None, "scalar", t, None) for t, *_ in PRIMITIVES]
    + [
        ("a_f32", None, "fixed", "f32", [3]),
        ("m_f64", None, "fixed", "f64", [2, 3]),
        ("a_u8", None, "fixed", "u8", [4]),
        ("a_bool", None, "fixed", "bool", [2]),
        ("a_i64", None, "fixed", "i64", [2]),
        ("nMuon", None, "scalar", "i32", None),
        ("Muon_pt", "muon transverse momentum", "counted", "f32", "nMuon"),
        ("Muon_charge", None, "counted", "i16", "nMuon"),
        ("Muon_id", None, "counted", "u32", "nMuon"),
        ("Muon_mass", None, "counted", "f64", "nMuon"),
        ("Muon_tight", None, "counted", "bool", "nMuon"),
        ("nJet", None, "scalar", "u32", None),
        ("Jet_eta", None, "counted", "f32", "nJet"),
        ("Jet_flags", None, "counted", "u8", "nJet"),
        ("Jet_big", None, "counted", "i64", "nJet"),
        ("nS", None, "scalar", "i16", None),
        ("S_x", None, "counted", "u16", "nS"),
        ("nL", None, "scalar", "u64", None),
        ("L_x", None, "counted", "i8", "nL"),
    ]
    + [("v_" + t, "a vector of floats" if t == "f32" else None, "vector", t, None) for t, *_ in PRIMITIVES]
)


def small_values():
    """Every entry's value of every branch of the small tree (lists for arrays and vectors)."""
    out = {}
    for name, _, layout, t, extra in SMALL_BRANCHES:
        vals = []
        for i in range(SMALL_ENTRIES):
            if layout == "scalar":
                vals.append(SMALL_COUNTS[name][i] if name in SMALL_COUNTS else value(t, i))
            elif layout == "fixed":
                n = 1
                for d in extra:
                    n *= d
                vals.append([value(t, i, j) for j in range(n)])
            elif layout == "counted":
                vals.append([value(t, i, j) for j in range(SMALL_COUNTS[extra][i])])
            else:
                vals.append([value(t, i, j) for j in range((i * 5) % 4)])
        out[name] = vals
    return out


def make_small_tree(basket_size=32000):
    """The small reference tree, in the current directory (not yet written)."""
    values = small_values()
    t = ROOT.TTree("Events", "reference tree")
    buffers = {}
    for name, title, layout, ty, extra in SMALL_BRANCHES:
        _, letter, code, cpp = TYPES[ty]
        if layout == "vector":
            v = ROOT.std.vector(cpp)()
            buffers[name] = v
            br = t.Branch(name, v, basket_size)
        else:
            size = 1
            dims = ""
            if layout == "fixed":
                for d in extra:
                    size *= d
                    dims += f"[{d}]"
            elif layout == "counted":
                size = max(SMALL_COUNTS[extra]) or 1
                dims = f"[{extra}]"
            buf = array.array(code, [0] * size)
            buffers[name] = buf
            br = t.Branch(name, buf, f"{name}{dims}/{letter}", basket_size)
        if title is not None:
            br.SetTitle(title)
    for i in range(SMALL_ENTRIES):
        for name, _, layout, ty, _ in SMALL_BRANCHES:
            v = values[name][i]
            buf = buffers[name]
            if layout == "vector":
                buf.clear()
                for x in v:
                    buf.push_back(x)
            elif layout == "scalar":
                buf[0] = v
            else:
                for j, x in enumerate(v):
                    buf[j] = x
        t.Fill()
    return t, values


# The cluster reference tree: closed formulas, repeated in tests/write_tree_golden.rs.
CLUSTER_ENTRIES = 2500
CLUSTER_AUTO_FLUSH = 1000
CLUSTER_BASKET_SIZE = 1200


def make_cluster_tree():
    t = ROOT.TTree("Clustered", "cluster reference")
    t.SetAutoFlush(CLUSTER_AUTO_FLUSH)
    x = array.array("f", [0])
    n = array.array("i", [0])
    pt = array.array("f", [0] * 8)
    a = array.array("h", [0] * 3)
    v = ROOT.std.vector("double")()
    bs = CLUSTER_BASKET_SIZE
    t.Branch("x", x, "x/F", bs)
    t.Branch("nMuon", n, "nMuon/I", bs)
    t.Branch("Muon_pt", pt, "Muon_pt[nMuon]/F", bs)
    t.Branch("a", a, "a[3]/S", bs)
    t.Branch("v", v, bs)
    for i in range(CLUSTER_ENTRIES):
        x[0] = i * 0.5                      # x = i / 2
        n[0] = (i * 7) % 5                  # nMuon = 7i mod 5
        for j in range(n[0]):
            pt[j] = (i * 10 + j) * 0.25     # Muon_pt[j] = (10i + j) / 4
        for j in range(3):
            a[j] = (i + j) % 100 - 50       # a[j] = (i + j) mod 100 - 50
        v.clear()
        for j in range(i % 4):              # v: i mod 4 values, i + j/2
            v.push_back(i + j * 0.5)
        t.Fill()
    return t


def key_list(path):
    """The keys of a ROOT file, walking the records from fBEGIN."""
    data = open(path, "rb").read()
    end = struct.unpack(">i", data[12:16])[0]
    pos, keys = 100, []
    while pos < end:
        nbytes = struct.unpack(">i", data[pos : pos + 4])[0]
        if nbytes < 0:  # a free gap
            pos -= nbytes
            continue
        keys.append((pos, nbytes))
        pos += nbytes
    return data, keys


def vector_classes():
    out = {}
    for _, _, _, cpp in PRIMITIVES:
        c = ROOT.TClass.GetClass(f"vector<{cpp}>")
        out[c.GetName()] = [c.GetCheckSum(), c.GetClassVersion()]
    return out


def streamer_blob(path):
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
    return blob


def streamer_classes(path):
    g = ROOT.TFile.Open(path)
    classes = [(i.GetName(), i.GetClassVersion()) for i in g.GetStreamerInfoList() if i.IsA().GetName() == "TStreamerInfo"]
    others = [i.GetName() for i in g.GetStreamerInfoList() if i.IsA().GetName() != "TStreamerInfo"]
    g.Close()
    return classes, others


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    # Detached histograms (no directory), written explicitly: attached ones carry in-memory
    # bookkeeping bits into the file (kMustCleanup on the TH1, kUseRWLock on fFunctions).
    ROOT.TH1.AddDirectory(False)

    # Reference histograms.
    path = os.path.join(FIXTURES, "reference_hists.root")
    hists = make_histograms()
    records = [hist_json(h) for h in hists]
    f = ROOT.TFile(path, "RECREATE", "", 0)
    for h in hists:
        f.WriteTObject(h)
    f.Close()
    g = ROOT.TFile.Open(path)
    for rec in records:
        k = g.GetKey(rec["name"])
        rec["keylen"] = k.GetKeylen()
        rec["key_title"] = k.GetTitle()
    g.Close()
    classes, others = streamer_classes(path)
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

    # Reference trees.
    path = os.path.join(FIXTURES, "reference_tree.root")
    f = ROOT.TFile(path, "RECREATE", "", 0)
    t, values = make_small_tree()
    t.Write()
    f.Close()
    meta = {
        "root_version": ROOT.gROOT.GetVersion(),
        "tree": "Events",
        "title": "reference tree",
        "entries": SMALL_ENTRIES,
        "branches": [
            {"name": n, "title": title, "layout": layout, "type": ty,
             "shape": extra if layout == "fixed" else None,
             "counter": extra if layout == "counted" else None}
            for n, title, layout, ty, extra in SMALL_BRANCHES
        ],
        "values": values,
        "vector_classes": vector_classes(),
    }
    with open(os.path.join(FIXTURES, "reference_tree.json"), "w") as out:
        json.dump(meta, out, indent=1)
        out.write("\n")

    path = os.path.join(FIXTURES, "reference_tree_clusters.root")
    f = ROOT.TFile(path, "RECREATE", "", 0)
    t = make_cluster_tree()
    t.Write()
    f.Close()
    meta = {
        "root_version": ROOT.gROOT.GetVersion(),
        "tree": "Clustered",
        "title": "cluster reference",
        "entries": CLUSTER_ENTRIES,
        "auto_flush": CLUSTER_AUTO_FLUSH,
        "basket_size": CLUSTER_BASKET_SIZE,
    }
    with open(os.path.join(FIXTURES, "reference_tree_clusters.json"), "w") as out:
        json.dump(meta, out, indent=1)
        out.write("\n")

    # The streamer infos: a scratch file with the histograms and the small tree together.
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "streamer_source.root")
        f = ROOT.TFile(path, "RECREATE", "", 0)
        for h in make_histograms():
            f.WriteTObject(h)
        t, _ = make_small_tree()
        t.Write()
        f.Close()
        blob = streamer_blob(path)
        classes, others = streamer_classes(path)
    open(BLOB, "wb").write(blob)
    print(f"ROOT {ROOT.gROOT.GetVersion()}: {len(blob)} bytes of streamer infos -> {BLOB}")
    print("classes:", ", ".join(f"{n} v{v}" for n, v in classes))
    if others:
        print("other entries:", others)
    return 0


if __name__ == "__main__":
    sys.exit(main())

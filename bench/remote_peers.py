#!/usr/bin/env python3
"""The peers of the remote-reading benchmark (issue #15, bench/remote_bench.sh): ADL q5 and q8
read from a local path, a root:// URL or an http:// URL, single-threaded, with
  uproot + awkward + vector (the same code as ../shared/bench/adl_awkward.py), or
  ROOT RDataFrame (the same compiled functions as ../shared/bench/adl_rdf.C, but over a TChain:
  RDataFrame("Events", "root://...") opens a local path in ROOT 6.40).

usage: remote_peers.py uproot|rdf URL QUERY OUT.json [--step-size 500000]
  uproot over http:// uses uproot.source.http.HTTPSource, over root:// XRootDSource (needs the
  `xrootd` and `fsspec-xrootd` packages: a separate venv), a local path the default source.
Prints one line:
  'uproot QUERY seconds=S requests=N chunks=C bytes=B wire=W events=E'
    seconds: uproot.open + the event loop (interpreter start-up and imports excluded);
    requests/chunks/bytes: uproot's own counters of the file's source (requests = chunk() and
    chunks() calls, the open's reads included); wire: the requests actually sent (HTTP: every
    HEAD/GET http.client sends; XRootD: every open/stat/read/vector_read call of the XRootD
    File; local: 0).
  'rdataframe QUERY seconds=S requests=N bytes=B events=E'
    seconds: TChain + RDataFrame + the event loop (ACLiC compilation excluded);
    requests/bytes: TFile::GetFileReadCalls()/GetFileBytesRead() (all files of the process).
"""
import argparse, json, os, sys, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("tool", choices=["uproot", "rdf"])
p.add_argument("url"); p.add_argument("query", choices=["q5", "q8"]); p.add_argument("out")
p.add_argument("--step-size", type=int, default=500000)
a = p.parse_args()
shared = os.environ.get("HEPFRAME_PEERS_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench")

BRANCHES = {
    "q5": ["Muon_pt", "Muon_eta", "Muon_phi", "Muon_mass", "Muon_charge", "MET_pt"],
    "q8": [f"{c}_{f}" for c in ("Muon", "Electron") for f in ("pt", "eta", "phi", "mass", "charge")]
    + ["MET_pt", "MET_phi"],
}


def run_uproot():
    import awkward as ak, hist, numpy as np, uproot, uhi.io.json, vector

    vector.register_awkward()
    wire = [0]
    opts = {}
    if a.url.startswith("http://") or a.url.startswith("https://"):
        import http.client

        orig = http.client.HTTPConnection.request

        def counted(self, *args, **kw):
            wire[0] += 1
            return orig(self, *args, **kw)

        http.client.HTTPConnection.request = counted
        opts["handler"] = uproot.source.http.HTTPSource
    elif a.url.startswith("root://"):
        import XRootD.client

        for name in ("open", "stat", "read", "vector_read"):
            orig = getattr(XRootD.client.File, name)

            def counted(self, *args, _orig=orig, **kw):
                wire[0] += 1
                return _orig(self, *args, **kw)

            setattr(XRootD.client.File, name, counted)
        opts["handler"] = uproot.source.xrootd.XRootDSource

    def p4(ev, name, extra=()):
        # float64 kinematics, as ROOT::Math vectors (see adl_awkward.py)
        fields = {f: ak.values_astype(ev[f"{name}_{f}"], np.float64) for f in ("pt", "eta", "phi", "mass")}
        fields.update({f: ev[f"{name}_{f}"] for f in extra})
        return ak.zip(fields, with_name="Momentum4D")

    h = hist.Hist.new.Reg(100, 0, 200).Double()
    t0 = time.perf_counter()
    events = 0
    with uproot.open(a.url, **opts) as f:
        for ev in f["Events"].iterate(BRANCHES[a.query], step_size=a.step_size):
            events += len(ev)
            if a.query == "q5":
                mu = p4(ev, "Muon", ("charge",))
                m1, m2 = ak.unzip(ak.combinations(mu, 2))
                mass = (m1 + m2).mass
                ok = ak.any((m1.charge != m2.charge) & (mass > 60) & (mass < 120), axis=1)
                h.fill(ev.MET_pt[ok])
            else:
                mu = p4(ev, "Muon", ("charge",)); el = p4(ev, "Electron", ("charge",))
                mu = ak.with_field(mu, 0, "flavor"); el = ak.with_field(el, 1, "flavor")
                lep = ak.concatenate([mu, el], axis=1)
                lep = ak.with_field(lep, ak.local_index(lep, axis=1), "idx")
                lep = lep[ak.num(lep) >= 3]
                sel = ak.num(ev.Muon_pt) + ak.num(ev.Electron_pt) >= 3
                met_pt, met_phi = ev.MET_pt[sel], ev.MET_phi[sel]
                l1, l2 = ak.unzip(ak.combinations(lep, 2))
                sfos = (l1.flavor == l2.flavor) & (l1.charge != l2.charge)
                l1, l2 = l1[sfos], l2[sfos]
                has = ak.num(l1) > 0
                best = ak.argmin(abs((l1 + l2).mass - 91.2), axis=1, keepdims=True)
                i1 = ak.flatten(l1.idx[best][has]); i2 = ak.flatten(l2.idx[best][has])
                lep, met_pt, met_phi = lep[has], met_pt[has], met_phi[has]
                others = lep[(lep.idx != i1) & (lep.idx != i2)]
                lead = others[ak.argmax(others.pt, axis=1, keepdims=True)]
                lpt, lphi = ak.flatten(lead.pt), ak.flatten(lead.phi)
                dphi = (met_phi - lphi + np.pi) % (2 * np.pi) - np.pi
                h.fill(np.sqrt(2.0 * lpt * met_pt * (1.0 - np.cos(dphi))))
        src = f.file.source
        fb = getattr(src, "fallback", None)
        n, c, b = src.num_requests, src.num_requested_chunks, src.num_requested_bytes
        if fb is not None:  # HTTPSource fell back to parallel single-range GETs
            n, c, b = n + fb.num_requests, c + fb.num_requested_chunks, b + fb.num_requested_bytes
    dt = time.perf_counter() - t0
    with open(a.out, "w") as fo:
        json.dump({a.query: h}, fo, default=uhi.io.json.default)
    print(f"uproot {a.query} seconds={dt:.3f} requests={n} chunks={c} bytes={b} wire={wire[0]} "
          f"events={events}{' fallback' if fb is not None else ''}")


def run_rdf():
    import ROOT, uproot, uhi.io.json

    ROOT.gErrorIgnoreLevel = ROOT.kWarning
    ROOT.gSystem.SetBuildDir(os.path.join(tempfile.gettempdir(), "remote_rdf_build"), True)
    ROOT.gSystem.AddIncludePath(f"-I{os.path.abspath(shared)}")
    macro = os.path.join(os.path.dirname(os.path.abspath(__file__)), "remote_rdf.C")
    if ROOT.gSystem.CompileMacro(macro, "kO") != 1:
        sys.exit("failed to compile remote_rdf.C")
    tmp = a.out + ".root"
    t0 = time.perf_counter()
    n = ROOT.adl_rdf_chain(a.url, a.query, tmp)
    dt = time.perf_counter() - t0
    calls, nbytes = ROOT.TFile.GetFileReadCalls(), ROOT.TFile.GetFileBytesRead()
    hists = {k.split(";")[0]: v.to_hist() for k, v in uproot.open(tmp).items()}
    os.remove(tmp)
    with open(a.out, "w") as fo:
        json.dump(hists, fo, default=uhi.io.json.default)
    print(f"rdataframe {a.query} seconds={dt:.3f} requests={calls} bytes={nbytes} events={n}")


run_uproot() if a.tool == "uproot" else run_rdf()

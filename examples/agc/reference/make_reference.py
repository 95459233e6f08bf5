#!/usr/bin/env python3
"""Make the AGC fixtures and their RDataFrame references (needs ROOT: the peers venv).

    ~/peers/bin/python examples/agc/reference/make_reference.py ../shared/bench

Writes, with ROOT 6.40 through ../shared/bench/make_agc.py (synthetic AGC NanoAOD, the 67 physics
branches only, enriched so that small files fill every histogram):
  examples/agc/data/                     1 500 events per sample, ZSTD-5, seed 7 (the bundled sample)
  crates/engine/tests/data/agc_lz4/      1 000 events per sample, LZ4-4, seed 8 (a second test set)
each with its nanoaod_inputs.json (relative paths), and runs ../shared/bench/agc_rdf.py (the AGC in
RDataFrame, every variation in one pass) on each, writing here
  zstd_seed7.json / .root, lz4_seed8.json / .root: the 124 AGC histograms (UHI JSON and TH1D).
CI compares hepframe's histograms with these bin for bin (values and variances) without ROOT.
"""
import json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SETS = [  # (output folder, events per file, compression, seed, reference name)
    (os.path.join(REPO, "examples/agc/data"), 1500, 505, 7, "zstd_seed7"),
    (os.path.join(REPO, "crates/engine/tests/data/agc_lz4"), 1000, 404, 8, "lz4_seed8"),
]


def relative_manifest(folder):
    path = os.path.join(folder, "nanoaod_inputs.json")
    m = json.load(open(path))
    for variations in m.values():
        for info in variations.values():
            for f in info["files"]:
                f["path"] = os.path.relpath(f["path"], folder)
    with open(path, "w") as f:
        json.dump(m, f, indent=1)
        f.write("\n")


def main():
    bench = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "bench"))
    py = sys.executable
    for folder, events, compression, seed, name in SETS:
        tmp = tempfile.mkdtemp(prefix="agc_fixture_")
        subprocess.run([py, os.path.join(bench, "make_agc.py"), tmp, "--events-per-file", str(events),
                        "--files-per-sample", "1", "--enriched", "--seed", str(seed),
                        "--compression", str(compression), "--no-filler"], check=True)
        ref = os.path.join(HERE, name + ".root")
        subprocess.run([py, os.path.join(bench, "agc_rdf.py"), os.path.join(tmp, "nanoaod_inputs.json"), ref,
                        "--threads", "1"], check=True)
        relative_manifest(tmp)
        if os.path.exists(folder):
            shutil.rmtree(folder)
        shutil.copytree(tmp, folder)
        shutil.rmtree(tmp)
        print(f"wrote {folder} and {ref}")


if __name__ == "__main__":
    main()

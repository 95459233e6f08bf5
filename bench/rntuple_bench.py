#!/usr/bin/env python3
"""RNTuple benchmark (issue #6), in one run on one machine:

1. Read every field of a NanoAOD-like RNTuple, single-threaded: hepframe
   (`hepframe.open(f)["Events"].arrays(threads=1)`) against uproot (`uproot.open(f)["Events"].arrays()`),
   and hepframe on the TTree with the same data for reference.
2. ADL q1-q8, single-threaded: `hepframe --threads 1 run` (event-loop seconds) on the RNTuple and on the
   TTree, and ROOT RDataFrame (`../shared/bench/adl_rdf.py`) on the RNTuple.

usage: .venv/bin/python bench/rntuple_bench.py TTREE.root RNTUPLE.root [--root-python ~/peers/bin/python] [--repeat 3]
Make the files with `make_dataset.py OUT 1000000 --compression 505` and `bench/make_rntuple.py IN OUT`.
Needs `cargo build --release -p hepframe-cli` and hepframe installed in this interpreter.
"""
import argparse
import os
import pathlib
import re
import subprocess
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bench"
if not SHARED.exists():
    SHARED = pathlib.Path("/work/shared/bench")


def best(f, repeat):
    out = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        out = min(out, time.perf_counter() - t)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ttree")
    p.add_argument("rntuple")
    p.add_argument("--root-python", default=os.path.expanduser("~/peers/bin/python"))
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    import hepframe
    import uproot

    cli = REPO / "target" / "release" / "hepframe"
    print(f"files: {a.ttree} ({os.path.getsize(a.ttree) / 1e6:.0f} MB), "
          f"{a.rntuple} ({os.path.getsize(a.rntuple) / 1e6:.0f} MB)")
    print("\n| read every field, 1 thread | seconds | ratio |")
    print("|---|---|---|")
    h = best(lambda: hepframe.open(a.rntuple)["Events"].arrays(threads=1), a.repeat)
    u = best(lambda: uproot.open(a.rntuple)["Events"].arrays(), a.repeat)
    t = best(lambda: hepframe.open(a.ttree)["Events"].arrays(threads=1), a.repeat)
    print(f"| hepframe, RNTuple | {h:.3f} | 1 |")
    print(f"| uproot {uproot.__version__}, RNTuple | {u:.3f} | hepframe is {u / h:.1f}x faster |")
    print(f"| hepframe, TTree (same data) | {t:.3f} | RNTuple is {t / h:.2f}x faster |", flush=True)

    def run(q, f):
        s = float("inf")
        for _ in range(a.repeat):
            with tempfile.TemporaryDirectory() as out:
                o = subprocess.run([str(cli), "--threads", "1", "run", str(REPO / f"examples/adl/{q}.toml"),
                                    "--input", f, "--output", out, "--quiet"],
                                   check=True, capture_output=True, text=True).stdout
            s = min(s, float(re.search(r" in ([0-9.]+) s", o).group(1)))
        return s

    def rdf(q, f):
        s = float("inf")
        for _ in range(a.repeat):
            with tempfile.TemporaryDirectory() as out:
                o = subprocess.run([a.root_python, str(SHARED / "adl_rdf.py"), f, q, f"{out}/h.json"],
                                   check=True, capture_output=True, text=True).stdout
            s = min(s, float(re.search(r"seconds=([0-9.]+)", o).group(1)))
        return s

    print("\n| query | hepframe RNTuple | hepframe TTree | RNTuple ÷ TTree | RDataFrame RNTuple | hepframe speed-up |")
    print("|---|---|---|---|---|---|")
    for q in ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8"]:
        r, t, d = run(q, a.rntuple), run(q, a.ttree), rdf(q, a.rntuple)
        print(f"| {q} | {r:.3f} | {t:.3f} | {r / t:.2f} | {d:.3f} | {d / r:.1f}x |", flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""AGC benchmark (issue #10): the AGC ttbar analysis (every sample and variation in one pass) with
hepframe (examples/agc/agc.toml) against ROOT RDataFrame (../shared/bench/agc_rdf.py, compiled C++
lambdas, Vary + VariationsFor, RunGraphs) on the same files, in one run, alternating.

usage: python bench/agc_bench.py MANIFEST.json [--root-python ~/peers/bin/python] [--repeat 3]
                                 [--shared ../shared]
MANIFEST: the nanoaod_inputs.json that ../shared/bench/make_agc.py writes, e.g. 2 M events of ZSTD:
    ~/peers/bin/python ../shared/bench/make_agc.py ~/data/agc --events-per-file 112000 \\
        --files-per-sample 2 --compression 505 --jobs 2
Prints, per tool and thread count, the event loop's seconds (best and median) and events/s, the
ratios the issue asks for (hepframe 1 thread / RDataFrame 1 thread; hepframe 2 threads / 1
thread), and the largest relative difference of any bin (values and variances) between the two.
Needs `cargo build --release -p hepframe-cli`. Both tools read the files from the page cache: the
first (warm-up) round is not counted.
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]


def hepframe(cli, manifest, threads, out):
    o = subprocess.run([str(cli), "--threads", str(threads), "run", str(REPO / "examples/agc/agc.toml"),
                        "--manifest", manifest, "--output", out, "--quiet"],
                       check=True, capture_output=True, text=True).stdout
    m = re.search(r"(\d+) events from .* in ([0-9.]+) s", o)
    return int(m.group(1)), float(m.group(2))


def rdataframe(py, shared, manifest, threads, out):
    o = subprocess.run([py, str(shared / "bench" / "agc_rdf.py"), manifest, out, "--threads", str(threads)],
                       check=True, capture_output=True, text=True).stdout
    return int(re.search(r"events=(\d+)", o).group(1)), float(re.search(r"seconds=([0-9.]+)", o).group(1))


def max_rel_diff(a_path, b_path):
    a, b = json.load(open(a_path)), json.load(open(b_path))
    worst, count_mismatch = 0.0, 0
    for name, ha in a.items():
        hb = b[name]
        for key in ("values", "variances"):
            for x, y in zip(ha["storage"][key], hb["storage"][key]):
                if x != y:
                    worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    return len(a), worst


def main():
    p = argparse.ArgumentParser()
    p.add_argument("manifest")
    p.add_argument("--root-python", default=os.path.expanduser("~/peers/bin/python"))
    p.add_argument("--shared", default=str(REPO.parent / "shared"))
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    cli = REPO / "target" / "release" / "hepframe"
    shared = pathlib.Path(a.shared)
    tmp = tempfile.mkdtemp()
    runs = {("hepframe", 1): [], ("hepframe", 2): [], ("RDataFrame", 1): [], ("RDataFrame", 2): []}
    events = None
    for r in range(a.repeat + 1):
        for (tool, threads), times in runs.items():
            if tool == "hepframe":
                n, s = hepframe(cli, a.manifest, threads, os.path.join(tmp, f"h{threads}"))
            else:
                n, s = rdataframe(a.root_python, shared, a.manifest, threads, os.path.join(tmp, f"r{threads}.root"))
            events = n
            if r > 0:  # the first round warms the page cache
                times.append(s)
    print(f"{events} events, {a.repeat} rounds (best / median of the event loop)")
    print("| tool | threads | seconds, best / median | events/s, best / median |")
    print("|---|---|---|---|")
    best = {}
    for (tool, threads), times in runs.items():
        b, m = min(times), statistics.median(times)
        best[(tool, threads)] = b
        print(f"| {tool} | {threads} | {b:.3f} / {m:.3f} | {events / b / 1e6:.2f} M / {events / m / 1e6:.2f} M |")
    print(f"hepframe 1 thread vs RDataFrame 1 thread: {best[('RDataFrame', 1)] / best[('hepframe', 1)]:.2f}x "
          f"(target >= 3x)")
    print(f"hepframe 2 threads vs 1 thread: {best[('hepframe', 1)] / best[('hepframe', 2)]:.2f}x (target >= 1.8x)")
    print(f"RDataFrame 2 threads vs 1 thread: {best[('RDataFrame', 1)] / best[('RDataFrame', 2)]:.2f}x")
    n, worst = max_rel_diff(os.path.join(tmp, "r1.json"), os.path.join(tmp, "h1", "histograms.json"))
    print(f"{n} histograms; largest relative difference of any bin (values, variances): {worst:.2e}")


if __name__ == "__main__":
    main()

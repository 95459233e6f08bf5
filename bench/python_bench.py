#!/usr/bin/env python3
"""Events/s of ADL q5 and q8 in four modes, in one run on the same file (issue #4):

  local 1 thread   `hepframe run --threads 1` (event-loop seconds it reports)
  local 2 threads  `hepframe run --threads 2`
  Python API       `hepframe.run(query, [file], threads=1)`: wall time of the whole call
                   (planning, the run in Rust, results to hist.Hist), compared with local 1 thread
  Dask             `hepframe.run(..., executor=DaskExecutor(client))` on a LocalCluster of 2 worker
                   processes x 1 thread: wall time of the whole call (plan, tasks, merge tree,
                   results), compared with local 2 threads

usage: .venv/bin/python bench/python_bench.py FILE [--repeat 3] [--queries q5,q8]
Needs `cargo build --release -p hepframe-cli` and hepframe installed in the interpreter
(`pip install '.[dask]'`). Best of --repeat for each cell; the target is overhead <= 10 %.
"""
import argparse
import pathlib
import re
import subprocess
import tempfile
import time

import hepframe

REPO = pathlib.Path(__file__).resolve().parents[1]
cli = REPO / "target" / "release" / "hepframe"
a = None


def local(query, threads):
    best, events = float("inf"), 0
    for _ in range(a.repeat):
        with tempfile.TemporaryDirectory() as out:
            o = subprocess.run([str(cli), "run", str(REPO / f"examples/adl/{query}.toml"), "--input", a.file,
                                "--threads", str(threads), "--output", out, "--quiet"],
                               check=True, capture_output=True, text=True).stdout
        m = re.search(r"(\d+) events from \d+ files? in ([0-9.]+) s", o)
        events, best = int(m.group(1)), min(best, float(m.group(2)))
    return events, best


def python(query, executor=None):
    best, events = float("inf"), 0
    for _ in range(a.repeat):
        t = time.perf_counter()
        r = hepframe.run(REPO / f"examples/adl/{query}.toml", [a.file], executor=executor,
                         threads=1)
        best = min(best, time.perf_counter() - t)
        events = r.entries
    return events, best


def main():
    global a
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--queries", default="q5,q8")
    a = p.parse_args()
    if not cli.exists():
        raise SystemExit("build the CLI first: cargo build --release -p hepframe-cli")
    from distributed import Client, LocalCluster  # noqa: E402

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=40)
    client = Client(cluster)
    dask_executor = hepframe.DaskExecutor(client)
    python("q1", dask_executor)  # warm the workers (imports)

    print(f"file: {a.file}")
    print("| query | local 1 thread | local 2 threads | Python API (1 thread) | overhead vs local 1 | "
          "Dask, 2 workers | overhead vs local 2 |")
    print("|---|---|---|---|---|---|---|")
    for q in a.queries.split(","):
        n1, s1 = local(q, 1)
        n2, s2 = local(q, 2)
        np_, sp = python(q)
        nd, sd = python(q, dask_executor)
        assert n1 == n2 == np_ == nd
        rate = lambda n, s: f"{n / s / 1e6:.2f} M/s ({s:.3f} s)"  # noqa: E731
        print(f"| {q} | {rate(n1, s1)} | {rate(n2, s2)} | {rate(np_, sp)} | {100 * (sp / s1 - 1):+.1f} % | "
              f"{rate(nd, sd)} | {100 * (sd / s2 - 1):+.1f} % |", flush=True)
    client.close()
    cluster.close()


if __name__ == "__main__":  # Dask's worker processes re-import this file
    main()

"""correctionlib's numpy evaluation of the two benchmark corrections, the peer of
`cargo run --release -p correction --example bench_columns`.

    ~/peers/bin/python crates/correction/benches/correctionlib_peer.py [--n 10000000] [--repeat 5]
    ~/peers/bin/python crates/correction/benches/correctionlib_peer.py --write-json

The corrections are in bench_corrections.json beside this script (`--write-json`
regenerates it): `sf_2d`, a 50x50 MultiBinning in (eta, pt) with clamp flow, and
`jec_formula`, a JEC L2Relative-style TFormula in (pt, eta). The inputs are the same on
both sides: a counter-based SplitMix64 stream (seed 1 for eta, 2 for pt) mapped to
eta in [-3, 3) and pt in [10, 1200). Both sides print the best wall time of `--repeat`
runs and a checksum of the outputs (the sum of their IEEE bit patterns modulo 2^64), which
must agree.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
JSON_PATH = HERE / "bench_corrections.json"

JEC = "([0]+[1]/(pow(log10(x),2)+[2])+[3]*exp(-[4]*(log10(x)-[5])*(log10(x)-[5])))*(1+[6]*abs(y))"
JEC_PARAMS = [1.0213, 2.1877, 3.4911, 0.0435, 0.8771, 1.9241, 0.0113]


def splitmix_uniform(seed: int, n: int) -> np.ndarray:
    """Uniform doubles in [0, 1): SplitMix64 of (seed, index), top 53 bits."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (np.arange(n, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def inputs(n: int) -> tuple[np.ndarray, np.ndarray]:
    eta = -3.0 + 6.0 * splitmix_uniform(1, n)
    pt = 10.0 + 1190.0 * splitmix_uniform(2, n)
    return eta, pt


def write_json() -> None:
    eta_edges = [round(-2.5 + 0.1 * i, 10) for i in range(51)]
    u = splitmix_uniform(3, 50)
    pt_edges = [15.0] + sorted(round(20.0 + 980.0 * float(x), 6) for x in u)
    content = [round(0.9 + 0.2 * float(x), 6) for x in splitmix_uniform(4, 2500)]
    doc = {
        "schema_version": 2,
        "description": "hepframe correction benchmark (see correctionlib_peer.py)",
        "corrections": [
            {
                "name": "sf_2d",
                "version": 1,
                "inputs": [{"name": "eta", "type": "real"}, {"name": "pt", "type": "real"}],
                "output": {"name": "weight", "type": "real"},
                "data": {
                    "nodetype": "multibinning",
                    "inputs": ["eta", "pt"],
                    "edges": [eta_edges, pt_edges],
                    "content": content,
                    "flow": "clamp",
                },
            },
            {
                "name": "jec_formula",
                "version": 1,
                "inputs": [{"name": "pt", "type": "real"}, {"name": "eta", "type": "real"}],
                "output": {"name": "factor", "type": "real"},
                "data": {
                    "nodetype": "formula",
                    "expression": JEC,
                    "parser": "TFormula",
                    "variables": ["pt", "eta"],
                    "parameters": JEC_PARAMS,
                },
            },
        ],
    }
    JSON_PATH.write_text(json.dumps(doc) + "\n")


def checksum(out: np.ndarray) -> int:
    return int(out.view(np.uint64).sum(dtype=np.uint64))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write-json", action="store_true")
    args = parser.parse_args()
    if args.write_json:
        write_json()
        return

    import correctionlib

    cset = correctionlib.CorrectionSet.from_file(str(JSON_PATH))
    eta, pt = inputs(args.n)
    for name, call in [
        ("sf_2d", lambda c: c.evaluate(eta, pt)),
        ("jec_formula", lambda c: c.evaluate(pt, eta)),
    ]:
        corr = cset[name]
        best = float("inf")
        out = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = call(corr)
            best = min(best, time.perf_counter() - t0)
        print(
            f"correctionlib {correctionlib.__version__} numpy {name}: n={args.n} best of {args.repeat}: "
            f"{best:.3f} s ({best / args.n * 1e9:.1f} ns/value) checksum {checksum(out):016x}"
        )


if __name__ == "__main__":
    main()

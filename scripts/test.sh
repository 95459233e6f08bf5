#!/usr/bin/env bash
# Every test of hepframe: the Rust workspace (cargo test) and the Python package (pytest), including
# the Dask tests on a real LocalCluster on 127.0.0.1. Needs a Rust toolchain and python3 (>= 3.9);
# it creates .venv inside the clone with what the tests need (maturin, numpy, awkward, hist, uhi,
# uproot, dask, distributed, pytest, cabinetry for the AGC fit, correctionlib to check
# corrections against, pandas for arrays(library="pd"), websocket-client to drive Chromium in the
# report test) and installs hepframe into it with `pip install .`.
# ROOT is never needed: fixtures and references made with ROOT are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# One build, never rebuilt incrementally: incremental caches only cost disk here.
export CARGO_INCREMENTAL=0
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# maturin's build backend calls the `maturin` program: the venv's bin goes first on PATH.
export PATH="$PWD/.venv/bin:$PATH"
.venv/bin/pip install --quiet --disable-pip-version-check \
  "maturin>=1.5,<2" numpy awkward hist uhi fastjsonschema uproot dask distributed pytest cabinetry correctionlib pandas websocket-client
# The Rust tests that load our UHI JSON into Python's uhi/hist use this interpreter.
export HEPFRAME_PYTHON="$PWD/.venv/bin/python"
cargo test --workspace
# Build the wheel as a user would (`maturin build --release`: one abi3 wheel for every CPython
# >= 3.9) and install that wheel for the tests.
rm -rf target/wheels
.venv/bin/maturin build --release --quiet --out target/wheels
wheel=$(ls target/wheels/hepframe-*-cp39-abi3-*.whl)
.venv/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
# The same wheel on a clean environment with only pip: its dependencies come from PyPI.
rm -rf target/wheel-venv
python3 -m venv target/wheel-venv
target/wheel-venv/bin/pip install --quiet --disable-pip-version-check "$wheel"
(cd target && wheel-venv/bin/python - <<'PY'
import hepframe
events = hepframe.open("../examples/data/nano_10k.root:Events")
met = events["MET_pt"].array()
assert len(met) == 10000, len(met)
h = hepframe.RDataFrame("Events", "../examples/data/nano_10k.root").Histo1D(("met", "", 10, 0, 200), "MET_pt")
assert h.GetValue().sum(flow=True) == 10000
print("the wheel installs with pip alone and runs:", hepframe.__file__)
PY
)
.venv/bin/python -m pytest -q python/tests

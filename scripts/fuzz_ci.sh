#!/usr/bin/env bash
# CI smoke run of the fuzz targets (fuzz/README.md): installs cargo-fuzz if missing, builds
# every target (stable Rust, no sanitizer) and runs each for FUZZ_SECONDS (default 10) from the
# committed seeds. Exits non-zero on the first crash, timeout (10 s per input) or allocation
# over 2048 MB; the input is kept in fuzz/artifacts/<target>/ and the log says how to replay it.
# The minimised inputs of past crashes are run by `cargo test` (tests/fuzz_regressions.rs of
# rootio and engine), not here.
#
#   bash scripts/fuzz_ci.sh                  # ~10 s per target after the build
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_SECONDS=${FUZZ_SECONDS:-10}
start=$(date +%s)
bash scripts/fuzz_smoke.sh
echo "fuzz smoke: every target ran ${FUZZ_SECONDS} s without a crash ($(($(date +%s) - start)) s in all)"

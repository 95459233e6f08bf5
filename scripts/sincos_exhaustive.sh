#!/usr/bin/env bash
# The proof behind columnar::sincos: every float in [−3.2, 3.2] (2 157 549 980 angles, both
# signs) through sin_cos_many (glibc's algorithm eight angles a vector) and through its
# one-at-a-time reference (columnar::sincos_ibm), compared bit for bit with this machine's glibc
# sincos. About 40 seconds on two cores (release build; add a minute to compile). If it passes on a glibc version not
# yet in columnar::sincos::VERIFIED_GLIBC, that version may be added there.
#
#   bash scripts/sincos_exhaustive.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ldd --version | sed -n 1p
cargo test --release -q -p columnar --lib sincos::tests::every_float_angle_matches_glibc \
    -- --ignored --exact --nocapture
cargo test --release -q -p columnar --lib sincos_ibm::tests::every_float_angle_matches_glibc_scalar \
    -- --ignored --exact --nocapture

#!/usr/bin/env bash
# Coverage-guided fuzzing of hepframe's inputs (fuzz/README.md): builds the cargo-fuzz targets
# on stable Rust (no sanitizer) and runs each for FUZZ_SECONDS (default 30), seeded from the
# committed seed corpora and the small ROOT fixtures. Fails on the first crash, timeout or
# out-of-memory; the input is left in fuzz/artifacts/<target>/.
#
#   bash scripts/fuzz_smoke.sh                      # CI smoke: every target, 30 s each
#   FUZZ_SECONDS=3600 bash scripts/fuzz_smoke.sh open_walk basket   # a long run of two targets
#
# New interesting inputs accumulate in fuzz/corpus/<target> (not committed), so a later run
# continues where the previous one stopped. FUZZ_FLAGS adds libFuzzer flags (e.g. -jobs=2).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
# cargo-fuzz: the one on PATH, or installed into .tools/ inside the clone (nothing outside it).
export PATH="$PWD/.tools/bin:$PATH"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --root "$PWD/.tools"
cargo fuzz build -s none
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
# The ROOT fixtures that fit in one input.
small=fuzz/corpus/fixtures_small
mkdir -p "$small"
find crates/rootio/tests/fixtures -name '*.root' -size -64k -exec cp {} "$small/" \;
for t in "${targets[@]}"; do
    case "$t" in
        open_walk) flags=(-max_len=65536 -dict=fuzz/root.dict); seeds=(fuzz/seeds/open_walk "$small") ;;
        basket) flags=(-max_len=8192 -dict=fuzz/root.dict); seeds=(fuzz/seeds/basket) ;;
        streamer_info) flags=(-max_len=32768 -dict=fuzz/root.dict); seeds=(fuzz/seeds/streamer_info) ;;
        expression) flags=(-max_len=512 -dict=fuzz/expr.dict); seeds=(fuzz/seeds/expression) ;;
        analysis_file) flags=(-max_len=8192 -dict=fuzz/toml.dict); seeds=(fuzz/seeds/analysis_file) ;;
        partial_and_plan) flags=(-max_len=16384 -dict=fuzz/json.dict); seeds=(fuzz/seeds/partial_and_plan) ;;
        remote_reply) flags=(-max_len=8192); seeds=(fuzz/seeds/remote_reply) ;;
        *) echo "unknown fuzz target $t" >&2; exit 2 ;;
    esac
    mkdir -p "fuzz/corpus/$t"
    echo "=== $t: ${seconds} s"
    # shellcheck disable=SC2086
    cargo fuzz run -s none "$t" "fuzz/corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$seconds" "${flags[@]}" -use_value_profile=1 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 ${FUZZ_FLAGS:-}
done

#!/usr/bin/env bash
# The read benchmark of issue #2: hepframe vs uproot vs the decompress-only floor, in one run.
#
# usage: bench/read_bench.sh [DATA_DIR] [PYTHON]
#   DATA_DIR  holds nano_5M_zlib1.root and nano_5M_lz4.root, made with
#             ../shared/bench/make_dataset.py OUT 5000000 --compression 101 (resp. 404)
#   PYTHON    a Python with uproot and awkward (default ~/peers/bin/python)
# Prints a Markdown table (seconds, best of 3, warm page cache).
set -euo pipefail
data=${1:-$HOME/data}
py=${2:-$HOME/peers/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
cargo build --release -q -p rootio --example read_bench
bin=target/release/examples/read_bench
q5=nMuon,Muon_pt,Muon_eta,Muon_phi,Muon_mass,Muon_charge,MET_pt
echo "| file | branches | floor | hepframe 1 thread | ratio to floor | hepframe 2 threads | 2-thread speed-up | uproot | hepframe vs uproot |"
echo "|---|---|---|---|---|---|---|---|---|"
for f in nano_5M_zlib1 nano_5M_lz4; do
  for set in all q5; do
    if [ "$set" = all ]; then args=(); else args=(--branches "$q5"); fi
    # warm the page cache
    cat "$data/$f.root" > /dev/null
    h=$("$bin" "$data/$f.root" Events "${args[@]}" | tail -1)
    u=$("$py" "$here/read_uproot.py" "$data/$f.root" "${args[@]}")
    floor=$(sed -E 's/.*floor=([0-9.]+).*/\1/' <<<"$h")
    t1=$(sed -E 's/.*read_1t=([0-9.]+).*/\1/' <<<"$h")
    t2=$(sed -E 's/.*read_2t=([0-9.]+).*/\1/' <<<"$h")
    up=$(sed -E 's/.*uproot=([0-9.]+).*/\1/' <<<"$u")
    echo "| $f | $set | $floor | $t1 | $(echo "scale=2; $t1/$floor" | bc) | $t2 | $(echo "scale=2; $t1/$t2" | bc) | $up | $(echo "scale=2; $up/$t1" | bc)x faster |"
  done
done

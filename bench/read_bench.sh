#!/usr/bin/env bash
# The read benchmark of issue #2: hepframe vs uproot vs the decompress-only floor, in one run.
#
# usage: bench/read_bench.sh [DATA_DIR] [PYTHON]
#   DATA_DIR  holds nano_5M_zlib1.root and nano_5M_lz4.root, made with
#             ../shared/bench/make_dataset.py OUT 5000000 --compression 101 (resp. 404)
#   PYTHON    a Python with uproot and awkward (default ~/peers/bin/python)
# Prints a Markdown table: seconds, best of 3 in one process, warm page cache.
#   fresh:  Tree::read_branches, new arrays every time (what uproot's arrays() does too)
#   reused: Tree::read_branches_into, arrays reused from the previous repetition (an event loop)
set -euo pipefail
data=${1:-$HOME/data}
py=${2:-$HOME/peers/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
cargo build --release -q -p rootio --example read_bench
bin=target/release/examples/read_bench
q5=nMuon,Muon_pt,Muon_eta,Muon_phi,Muon_mass,Muon_charge,MET_pt
field() { sed -E "s/.*(^| )$1=([0-9.]+).*/\\2/" <<<"$2"; }
echo "| file | branches | floor | 1 thread, fresh | ÷ floor | 1 thread, reused | ÷ floor | 2 threads, fresh | speed-up | 2 threads, reused | speed-up | uproot | uproot ÷ hepframe (1 thread, fresh) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for f in nano_5M_zlib1 nano_5M_lz4; do
  for set in all q5; do
    if [ "$set" = all ]; then args=(); else args=(--branches "$q5"); fi
    cat "$data/$f.root" > /dev/null   # warm the page cache
    h=$("$bin" "$data/$f.root" Events "${args[@]}" | tail -1)
    u=$("$py" "$here/read_uproot.py" "$data/$f.root" "${args[@]}")
    floor=$(field floor "$h"); t1=$(field read_1t "$h"); t2=$(field read_2t "$h")
    r1=$(field reuse_1t "$h"); r2=$(field reuse_2t "$h"); up=$(field uproot "$u")
    r() { echo "scale=2; $1/$2" | bc | sed 's/^\./0./'; }
    echo "| $f | $set | $floor | $t1 | $(r "$t1" "$floor") | $r1 | $(r "$r1" "$floor") | $t2 | $(r "$t1" "$t2") | $r2 | $(r "$r1" "$r2") | $up | $(r "$up" "$t1") |"
  done
done

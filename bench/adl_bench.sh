#!/usr/bin/env bash
# The ADL benchmark of issue #3: every query, single-threaded, with hepframe, ROOT RDataFrame
# (../shared/bench/adl_rdf.py) and uproot + awkward (../shared/bench/adl_awkward.py), plus the
# decompress-only floor of the branches each query reads, all in one run.
#
# usage: bench/adl_bench.sh [DATA_DIR] [PYTHON] [FILES...]
#   DATA_DIR  holds nano_5M_zlib1.root, nano_5M_lz4.root, nano_5M_zstd.root (make_dataset.py)
#   PYTHON    a Python with ROOT, uproot, awkward, vector, hist, uhi (default ~/peers/bin/python)
#   FILES     file stems to run (default: nano_5M_zlib1 nano_5M_lz4 nano_5M_zstd)
# Prints a Markdown table of seconds (warm page cache; hepframe: the event loop, as the peers
# report theirs), hepframe's speed-up over the faster peer, its ratio to the floor, its 2-thread
# speed-up, its peak RSS, and whether its histograms equal RDataFrame's bin for bin. Every tool
# runs each query once; the last column but two also gives the 2-thread speed-up of the best of
# three 1-thread and three 2-thread runs (the machine's noise is as large as the speed-up's
# shortfall on the shortest queries).
set -euo pipefail
data=${1:-$HOME/data}
py=${2:-$HOME/peers/bin/python}
shift 2 2>/dev/null || true
stems=("$@")
[ ${#stems[@]} -gt 0 ] || stems=(nano_5M_zlib1 nano_5M_lz4 nano_5M_zstd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=$(cd "$root/../shared/bench" && pwd)
cd "$root"
cargo build --release -q -p hepframe-cli
cargo build --release -q -p rootio --example read_bench
hf=target/release/hepframe
rb=target/release/examples/read_bench
tmp=$(mktemp -d)
echo "| file | query | floor | hepframe | ÷ floor | RDataFrame | uproot+awkward | speed-up vs faster peer | 2 threads | 2-thread speed-up | 2-thread speed-up, best of 3 | peak RSS (MB) | bins = RDataFrame |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for stem in "${stems[@]}"; do
  f="$data/$stem.root"
  [ -f "$f" ] || { echo "| $stem | missing: $f |"; continue; }
  cat "$f" > /dev/null
  for q in q1 q2 q3 q4 q5 q6 q7 q8; do
    # Warm again before every query: this machine's page cache gives pages back over minutes
    # even with most of the memory free (1.3 → 1.2 GB of the lz4 file cached in 45 s, idle).
    cat "$f" > /dev/null
    # The event loop's seconds as cutflow.json gives them (to the ns; the console rounds to
    # the ms, which skews the 2-thread ratios of the 10 ms queries by up to 10 %).
    secs() { sed -nE 's/.*"seconds": ([0-9.e-]+).*/\1/p' "$1/cutflow.json" | head -1; }
    run1=$(/usr/bin/time -f "RSS %M" "$hf" --threads 1 -q run "examples/adl/$q.toml" --input "$f" --output "$tmp/$q" 2>&1)
    t1=$(secs "$tmp/$q")
    rss=$(sed -nE 's/^RSS ([0-9]+)/\1/p' <<<"$run1")
    loop() { "$hf" --threads "$1" -q run "examples/adl/$q.toml" --input "$f" --output "$tmp/$q-$1t" > /dev/null && secs "$tmp/$q-$1t"; }
    t2=$(loop 2)
    best1=$( (echo "$t1"; loop 1; loop 1) | sort -g | head -1)
    best2=$( (echo "$t2"; loop 2; loop 2) | sort -g | head -1)
    branches=$("$py" -c "import json,sys; print(','.join(json.load(open(sys.argv[1]))['branches']))" "$tmp/$q/cutflow.json")
    floor=$("$rb" "$f" Events --branches "$branches" --only floor | tail -1 | sed -E 's/^floor=([0-9.]+).*/\1/')
    rq=$q; [ $q = q6 ] && rq=q6
    rdf=$("$py" "$shared/adl_rdf.py" "$f" "$rq" "$tmp/rdf.json" 2>/dev/null | sed -nE 's/.*seconds=([0-9.]+).*/\1/p')
    awk=$("$py" "$shared/adl_awkward.py" "$f" "$rq" "$tmp/awk.json" 2>/dev/null | sed -nE 's/.*seconds=([0-9.]+).*/\1/p')
    best=$(printf '%s\n%s\n' "$rdf" "$awk" | sort -g | head -1)
    # Every histogram of the query, every bin (flow included), against RDataFrame's.
    if "$py" "$shared/compare_hists.py" "$tmp/$q/histograms.json" "$tmp/rdf.json" > "$tmp/cmp.txt" 2>&1; then same=yes; else same="NO: $(head -1 "$tmp/cmp.txt")"; fi
    r() { echo "scale=2; $1/$2" | bc | sed 's/^\./0./'; }
    ms() { printf '%.3f' "$1"; }
    echo "| $stem | $q | $floor | $(ms "$t1") | $(r "$t1" "$floor") | $rdf | $awk | $(r "$best" "$t1")× | $(ms "$t2") | $(r "$t1" "$t2") | $(r "$best1" "$best2") | $((rss / 1024)) | $same |"
  done
done
rm -rf "$tmp"

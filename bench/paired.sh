#!/usr/bin/env bash
# Paired timing of two hepframe binaries on one ADL query: the runs alternate (A, B, A, B, …) so
# that both see the same load on a noisy machine; prints the best and median event-loop
# seconds of each (from cutflow.json, to the ns) and whether their histograms are byte-identical.
#
#   bench/paired.sh OLD_BINARY NEW_BINARY FILE QUERY [RUNS]
#   e.g. bench/paired.sh /tmp/hepframe-before target/release/hepframe ~/data/nano_5M_lz4.root q5 5
#   THREADS=2 bench/paired.sh …   (one thread unless THREADS says otherwise)
#
# Make the old binary with `git stash` (or `git checkout REV -- crates Cargo.lock`), `cargo build
# --release -p hepframe-cli`, copying target/release/hepframe aside, and back.
set -euo pipefail
if [ $# -lt 4 ]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
old=$1 new=$2 file=$3 query=$4 runs=${5:-5} threads=${THREADS:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
    for which in old new; do
        bin=$old
        [ "$which" = new ] && bin=$new
        "$bin" --threads "$threads" -q run "$here/examples/adl/$query.toml" --input "$file" \
            --output "$work/out_$which" > /dev/null
        sed -nE 's/.*"seconds": ([0-9.e-]+).*/\1/p' "$work/out_$which/cutflow.json" | head -1 \
            >> "$work/times_$which"
    done
done
stat() { sort -n "$1" | awk '{v[NR]=$1} END {printf "%s / %s", v[1], v[int((NR+1)/2)]}'; }
same=different
cmp -s "$work/out_old/histograms.json" "$work/out_new/histograms.json" && same=identical
echo "$(basename "$file" .root) $query: old $(stat "$work/times_old") s, new $(stat "$work/times_new") s (best / median of $runs, $threads thread(s)); histograms $same"

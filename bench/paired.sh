#!/usr/bin/env bash
# Paired timing of two hepframe binaries on one ADL query: the runs alternate (A, B, A, B, …) so
# that both see the same load on a noisy machine; prints the best and median event-loop
# seconds of each and whether their histograms are byte-identical.
#
#   bench/paired.sh OLD_BINARY NEW_BINARY FILE QUERY [RUNS]
#   e.g. bench/paired.sh /tmp/hepframe-before target/release/hepframe ~/data/nano_5M_lz4.root q5 5
#
# Make the old binary with `git stash` (or `git checkout REV -- crates Cargo.lock`), `cargo build
# --release -p hepframe-cli`, copying target/release/hepframe aside, and back.
set -euo pipefail
if [ $# -lt 4 ]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
old=$1 new=$2 file=$3 query=$4 runs=${5:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
    for which in old new; do
        bin=$old
        [ "$which" = new ] && bin=$new
        "$bin" --threads 1 run "$here/examples/adl/$query.toml" --input "$file" \
            --output "$work/out_$which" 2>&1 | tail -1 |
            sed -n 's/.* in \([0-9.]*\) s.*/\1/p' >> "$work/times_$which"
    done
done
stat() { sort -n "$1" | awk '{v[NR]=$1} END {printf "%s / %s", v[1], v[int((NR+1)/2)]}'; }
same=different
cmp -s "$work/out_old/histograms.json" "$work/out_new/histograms.json" && same=identical
echo "$(basename "$file" .root) $query: old $(stat "$work/times_old") s, new $(stat "$work/times_new") s (best / median of $runs); histograms $same"

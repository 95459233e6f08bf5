//! `concat(Muon, Electron)`: each record's part and position (`concat::record_sources`)
//! against the loop over events with one over each part's list inside.
//! `cargo bench -p columnar --bench concat`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::concat::record_sources;

/// Offsets of `n` lists of 0 to `longest` records, from a fixed sequence.
fn lists(n: usize, longest: u64, seed: u64) -> Vec<i64> {
    let mut s = seed;
    let mut offsets = vec![0i64];
    for _ in 0..n {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        offsets.push(offsets.last().copied().unwrap_or(0) + ((s >> 33) % (longest + 1)) as i64);
    }
    offsets
}

fn bench(c: &mut Criterion) {
    // Muons and electrons: 0–3 of each per event, 1 << 16 events (a batch of a few).
    let (muons, electrons) = (lists(1 << 16, 3, 7), lists(1 << 16, 3, 11));
    let parts: [&[i64]; 2] = [&muons, &electrons];
    let total = muons[muons.len() - 1] + electrons[electrons.len() - 1];
    let mut g = c.benchmark_group("concat/leptons");
    g.throughput(Throughput::Elements(total as u64));
    let mut map = Vec::new();
    g.bench_function("record_sources", |t| {
        t.iter(|| {
            map.clear();
            record_sources(black_box(&parts), &mut map);
            map.len()
        })
    });
    g.bench_function("a loop per event and part", |t| {
        t.iter(|| {
            map.clear();
            let parts = black_box(&parts);
            for e in 0..parts[0].len() - 1 {
                for (p, o) in parts.iter().enumerate() {
                    map.extend((o[e]..o[e + 1]).map(|g| (p, g)));
                }
            }
            map.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

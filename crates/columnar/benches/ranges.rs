//! The values of a cut's kept events: many ranges of a column copied one after another
//! (`ranges::copied`, `ranges::widened`), against the portable copy of fixed width
//! (`ranges::converted`, what every CPU without AVX-512 runs).
//! `cargo bench -p columnar --bench ranges`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::ranges::{converted, copied, widened};

/// Events in a batch, as the event loop hands them over.
const BATCH: usize = 4096;
const BATCHES: usize = 64;

fn bench(c: &mut Criterion) {
    let mut s: u64 = 11;
    let mut next = move |m: u64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) % m
    };
    // Per event, a list of 0–12 values (jets) or 0–4 (leptons), the event kept with the
    // probability q6's cut (41 %) or q8's (13 %) keeps it; kept neighbours merged into one
    // range, as `expr`'s chunk layout merges them.
    for (name, most, keep_percent) in [
        ("q6-like: jets, 41 % kept", 13u64, 41u64),
        ("q8-like: leptons, 13 % kept", 5, 13),
    ] {
        let mut offsets = vec![0usize];
        for _ in 0..BATCH * BATCHES {
            offsets.push(offsets.last().unwrap() + next(most) as usize);
        }
        let values: Vec<f32> = (0..*offsets.last().unwrap()).map(|i| i as f32).collect();
        let mut batches = Vec::new();
        let mut copied_values = 0u64;
        for b in 0..BATCHES {
            let mut ranges: Vec<(usize, usize)> = Vec::new();
            for e in b * BATCH..(b + 1) * BATCH {
                if next(100) >= keep_percent {
                    continue;
                }
                let (lo, hi) = (offsets[e], offsets[e + 1]);
                match ranges.last_mut() {
                    Some(last) if last.1 == lo => last.1 = hi,
                    _ => ranges.push((lo, hi)),
                }
                copied_values += (hi - lo) as u64;
            }
            batches.push(ranges);
        }
        let mut g = c.benchmark_group(format!("ranges of {name}"));
        g.throughput(Throughput::Elements(copied_values));
        g.bench_function("f32 to f64, masked steps of 8 or 16 (widened)", |t| {
            t.iter(|| {
                for r in &batches {
                    black_box(widened(black_box(&values), r));
                }
            })
        });
        g.bench_function("f32 to f64, portable (converted)", |t| {
            t.iter(|| {
                for r in &batches {
                    black_box(converted(black_box(&values), r, f64::from));
                }
            })
        });
        g.bench_function("f32, masked steps of 16 (copied)", |t| {
            t.iter(|| {
                for r in &batches {
                    black_box(copied(black_box(&values), r));
                }
            })
        });
        g.bench_function("f32, portable (converted)", |t| {
            t.iter(|| {
                for r in &batches {
                    black_box(converted(black_box(&values), r, |x| x));
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

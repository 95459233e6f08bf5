//! Each list's sum (`sum(clean_jets.pt)`): the fixed-width chains of `sums::sums` against a
//! loop per list, as `expr` summed before.
//! `cargo bench -p columnar --bench sums`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::sums::sums;

const EVENTS: usize = 1 << 20;

/// A loop per list.
fn sums_per_list(offsets: &[i64], v: &[f32]) -> Vec<f32> {
    offsets
        .windows(2)
        .map(|w| {
            v[w[0] as usize..w[1] as usize]
                .iter()
                .fold(0.0f32, |s, x| s + x)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut s: u64 = 5;
    let mut next = move |m: u64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) % m
    };
    // Lists of 1–8 (q7's clean jets in the events its cut keeps) and of 0–3, a million events
    // in batches of 4096 as the event loop hands them over.
    for (name, low, most) in [("1-8 values", 1u64, 8u64), ("0-3 values", 0, 4)] {
        let mut offsets = vec![0i64];
        for _ in 0..EVENTS {
            offsets.push(offsets.last().unwrap() + (low + next(most)) as i64);
        }
        let values: Vec<f32> = (0..*offsets.last().unwrap())
            .map(|i| (i % 97) as f32)
            .collect();
        let batches: Vec<&[i64]> = offsets.windows(4097).step_by(4096).collect();
        let mut g = c.benchmark_group(format!("sums of lists of {name}"));
        g.throughput(Throughput::Elements(EVENTS as u64));
        g.bench_function("fixed-width chains (sums::sums)", |t| {
            t.iter(|| {
                for o in &batches {
                    black_box(sums(o, black_box(&values)));
                }
            })
        });
        g.bench_function("a loop per list", |t| {
            t.iter(|| {
                for o in &batches {
                    black_box(sums_per_list(o, black_box(&values)));
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! A per-event value broadcast over each event's list (`Jet.pt - MET_pt`): the fixed-width
//! stores of `broadcast::repeat` against a loop per list.
//! `cargo bench -p columnar --bench broadcast`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::broadcast::repeat;

const EVENTS: usize = 1 << 20;

/// A loop per list, as `expr` broadcast before `owners`.
fn repeat_per_list(v: &[f32], offsets: &[i64]) -> Vec<f32> {
    let mut out = Vec::with_capacity((offsets[offsets.len() - 1] - offsets[0]) as usize);
    for (x, w) in v.iter().zip(offsets.windows(2)) {
        for _ in w[0]..w[1] {
            out.push(*x);
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let mut s: u64 = 7;
    let mut next = move |m: u64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) % m
    };
    // Lists of 0–12 (jets) and of exactly 3 (q8's leptons after its cut: lengths a predictor
    // learns), a million events in batches of 4096 as the event loop hands them over.
    for (name, lengths) in [("0-12 elements", 13u64), ("3 elements", 0)] {
        let mut offsets = vec![0i64];
        for _ in 0..EVENTS {
            let n = if lengths == 0 {
                3
            } else {
                next(lengths) as i64
            };
            offsets.push(offsets.last().unwrap() + n);
        }
        let values: Vec<f32> = (0..EVENTS).map(|i| i as f32).collect();
        let batches: Vec<(&[i64], &[f32])> = offsets
            .windows(4097)
            .step_by(4096)
            .zip(values.chunks(4096))
            .collect();
        let mut g = c.benchmark_group(format!("broadcast over lists of {name}"));
        g.throughput(Throughput::Elements(EVENTS as u64));
        g.bench_function("16 stores per list (broadcast::repeat)", |t| {
            t.iter(|| {
                for (o, v) in &batches {
                    black_box(repeat(black_box(v), o));
                }
            })
        });
        g.bench_function("a loop per list", |t| {
            t.iter(|| {
                for (o, v) in &batches {
                    black_box(repeat_per_list(black_box(v), o));
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! A cut applied to a batch: the kept values of a column and the kept positions (the
//! selection vector), against a loop that pushes each kept value.
//! `cargo bench -p columnar --bench select`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::select::{kept_positions, select};

const EVENTS: usize = 100_000;

fn bench(c: &mut Criterion) {
    // A batch of 100 000 events (one work item), a cut keeping about 60 % at random.
    let mut s: u64 = 11;
    let mut next = move |m: u64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) % m
    };
    let keep: Vec<bool> = (0..EVENTS).map(|_| next(10) < 6).collect();
    let entries: Vec<u64> = (0..EVENTS as u64).collect();
    let met: Vec<f32> = (0..EVENTS).map(|_| next(2000) as f32 * 0.1).collect();
    let mut g = c.benchmark_group("cut of 100 000 events");
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function("select (u64)", |t| {
        t.iter(|| black_box(select(black_box(&entries), &keep)))
    });
    g.bench_function("select (f32)", |t| {
        t.iter(|| black_box(select(black_box(&met), &keep)))
    });
    g.bench_function("kept_positions", |t| {
        t.iter(|| black_box(kept_positions(black_box(&keep))))
    });
    g.bench_function("push each kept u64 (reference)", |t| {
        t.iter(|| {
            let v: Vec<u64> = black_box(&entries)
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(x, _)| *x)
                .collect();
            black_box(v)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

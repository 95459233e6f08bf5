//! `count(Jet.pt > 40)` per event: the kernels (a bit per element, counts from ranks) against a
//! loop per list.
//! `cargo bench -p columnar --bench counts`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::counts::{count_true, count_where};

const EVENTS: usize = 1 << 20;

fn bench(c: &mut Criterion) {
    // A million events of 0–12 jets, a third of them passing: more than a branch predictor
    // learns by heart over the repetitions (with a batch of 4096 events repeated, it learns the
    // lists' lengths and the loop per list looks faster than it is in a run).
    let mut s: u64 = 7;
    let mut next = move |m: u64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) % m
    };
    let mut offsets = vec![0i64];
    for _ in 0..EVENTS {
        offsets.push(offsets.last().unwrap() + next(13) as i64);
    }
    let values: Vec<bool> = (0..*offsets.last().unwrap())
        .map(|_| next(3) == 0)
        .collect();
    let mut g = c.benchmark_group("count per event");
    g.throughput(Throughput::Elements(EVENTS as u64));
    // In batches of 4096 events, as the event loop hands them over.
    let batches: Vec<&[i64]> = offsets.windows(4097).step_by(4096).collect();
    g.bench_function("count_true (bits and ranks)", |t| {
        t.iter(|| {
            for b in &batches {
                black_box(count_true(b, black_box(&values)));
            }
        })
    });
    // `count(Jet.pt > 40)` straight from the floats.
    let pt: Vec<f32> = (0..*offsets.last().unwrap())
        .map(|_| next(120) as f32 + 0.5)
        .collect();
    g.bench_function("count_where(pt > 40)", |t| {
        t.iter(|| {
            for b in &batches {
                black_box(count_where(b, black_box(&pt), |x| x > 40.0));
            }
        })
    });
    g.bench_function("pt > 40, then count_true", |t| {
        t.iter(|| {
            for b in &batches {
                let (a, e) = (b[0] as usize, *b.last().unwrap() as usize);
                let keep: Vec<bool> = pt[a..e].iter().map(|x| *x > 40.0).collect();
                let rebased: Vec<i64> = b.iter().map(|o| o - b[0]).collect();
                black_box(count_true(&rebased, black_box(&keep)));
            }
        })
    });
    g.bench_function("a loop per list", |t| {
        t.iter(|| {
            let v = black_box(&values);
            for b in &batches {
                black_box(
                    b.windows(2)
                        .map(|w| {
                            v[w[0] as usize..w[1] as usize]
                                .iter()
                                .filter(|x| **x)
                                .count() as i64
                        })
                        .collect::<Vec<i64>>(),
                );
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

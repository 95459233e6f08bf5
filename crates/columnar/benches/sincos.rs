//! `sin` and `cos` of float angles in [−π, π]: glibc's algorithm eight at a time
//! (`sin_cos_many`) against glibc's `sincos` one by one (`sin_cos`), the same bits
//! (`columnar::sincos`). `cargo bench -p columnar --bench sincos`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::sincos::{fast_path_enabled, sin_cos, sin_cos_many};

fn bench(c: &mut Criterion) {
    let n = 100_000;
    let mut s: u64 = 7;
    let phi: Vec<f64> = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * std::f64::consts::TAU) as f32 as f64
        })
        .collect();
    let mut g = c.benchmark_group("sincos");
    g.throughput(Throughput::Elements(n as u64));
    let (mut sin, mut cos) = (vec![0.0; n], vec![0.0; n]);
    let name = if fast_path_enabled() {
        "sin_cos_many"
    } else {
        "sin_cos_many (glibc here: fast path not enabled)"
    };
    g.bench_function(name, |t| {
        t.iter(|| {
            sin_cos_many(black_box(&phi), &mut sin, &mut cos);
            sin[n / 2] + cos[n / 3]
        })
    });
    g.bench_function("glibc sincos", |t| {
        t.iter(|| {
            phi.iter()
                .map(|x| {
                    let (s, c) = sin_cos(black_box(*x));
                    s + c
                })
                .sum::<f64>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

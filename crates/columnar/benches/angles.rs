//! Δφ and ΔR per pair of angles: the kernels against the plain formula (`fmod` always called).
//! `cargo bench -p columnar --bench angles`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::angles::{delta_phi, delta_phi_f32, delta_r_f32, plain};

/// Angles in [−π, π] as NanoAOD stores them, from a fixed sequence.
fn angles(n: usize) -> Vec<f32> {
    let mut s: u64 = 7;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * std::f64::consts::TAU) as f32
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = 100_000;
    let a = angles(n);
    let b = angles(n + 1)[1..].to_vec();
    let (a64, b64): (Vec<f64>, Vec<f64>) = (
        a.iter().map(|x| *x as f64).collect(),
        b.iter().map(|x| *x as f64).collect(),
    );
    let mut g = c.benchmark_group("angles");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("delta_phi_f32", |t| {
        t.iter(|| {
            a.iter()
                .zip(&b)
                .map(|(x, y)| delta_phi_f32(*x, *y))
                .sum::<f32>()
        })
    });
    g.bench_function("delta_phi_f32 plain (fmod)", |t| {
        t.iter(|| {
            a.iter()
                .zip(&b)
                .map(|(x, y)| plain::delta_phi_f32(*x, *y))
                .sum::<f32>()
        })
    });
    g.bench_function("delta_phi f64", |t| {
        t.iter(|| {
            a64.iter()
                .zip(&b64)
                .map(|(x, y)| delta_phi(*x, *y))
                .sum::<f64>()
        })
    });
    g.bench_function("delta_phi f64 plain (fmod)", |t| {
        t.iter(|| {
            a64.iter()
                .zip(&b64)
                .map(|(x, y)| plain::delta_phi(*x, *y))
                .sum::<f64>()
        })
    });
    g.bench_function("delta_r_f32", |t| {
        t.iter(|| {
            a.iter()
                .zip(&b)
                .map(|(x, y)| delta_r_f32(black_box(0.5), *x * 0.3, *x, *y))
                .sum::<f32>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

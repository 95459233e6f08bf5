//! A pair's mass against a window's edges: decided from libm-free approximate four-vectors
//! (`mass_bounds`) against the exact four-vectors and mass (`fourvec`, libm's sin, cos, sinh,
//! cosh). `cargo bench -p columnar --bench mass_bounds`

use std::cmp::Ordering;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::fourvec::{add, from_pt_eta_phi_m, prop, Coords, P4Prop};
use columnar::mass_bounds::{mass_side, ApproxP4s};

/// Muons as NanoAOD stores them (floats), from a fixed sequence.
fn muons(n: usize) -> Vec<[f64; 4]> {
    let mut s: u64 = 7;
    let mut u = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            [
                5.0 + 60.0 * u(),
                4.8 * (u() - 0.5),
                std::f64::consts::TAU * (u() - 0.5),
                0.1057,
            ]
            .map(|v| v as f32 as f64)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = 100_000;
    let m = muons(n + 1);
    let mut g = c.benchmark_group("pair mass in 60-120");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("exact (libm)", |t| {
        t.iter(|| {
            m.windows(2)
                .filter(|w| {
                    let p =
                        |r: &[f64; 4]| from_pt_eta_phi_m(r[0], r[1], r[2], r[3], Coords::PxPyPzE);
                    let x = prop(
                        &add(&p(&w[0]), &p(&w[1]), Coords::PxPyPzE),
                        Coords::PxPyPzE,
                        P4Prop::Mass,
                    );
                    x > 60.0 && x < 120.0
                })
                .count()
        })
    });
    let cols: Vec<Vec<f64>> = (0..4).map(|k| m.iter().map(|r| r[k]).collect()).collect();
    g.bench_function("bounds (no libm)", |t| {
        t.iter(|| {
            let p = ApproxP4s::compute(&cols[0], &cols[1], &cols[2], &cols[3]);
            (0..n)
                .filter(|&i| {
                    let (a, b) = (p.at(i).unwrap(), p.at(i + 1).unwrap());
                    mass_side(&a, &b, black_box(60.0)) == Some(Ordering::Greater)
                        && mass_side(&a, &b, black_box(120.0)) == Some(Ordering::Less)
                })
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! `min_delta_r(hard jets, leptons)`: the smallest ΔR per record in passes over all records,
//! against a loop per event. `cargo bench -p columnar --bench nearest`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::angles::delta_r2_f32;
use columnar::nearest::{min_delta_r_f32, Records};

/// Events with 0, 1, 2, … records drawn with the given shares (as ADL q7's hard jets and
/// muons with pt > 10 GeV), angles in NanoAOD's ranges, from a fixed sequence.
fn collection(events: usize, shares: &[f64], seed: u64) -> (Vec<i64>, Vec<f32>, Vec<f32>) {
    let mut s = seed;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut off, mut eta, mut phi) = (vec![0i64], Vec::new(), Vec::new());
    for _ in 0..events {
        let (mut u, mut n) = (next(), 0);
        while n + 1 < shares.len() && u >= shares[n] {
            u -= shares[n];
            n += 1;
        }
        for _ in 0..n {
            eta.push((-2.5 + 5.0 * next()) as f32);
            phi.push(((next() - 0.5) * std::f64::consts::TAU) as f32);
        }
        off.push(eta.len() as i64);
    }
    (off, eta, phi)
}

fn bench(c: &mut Criterion) {
    let events = 100_000;
    let jets = collection(events, &[0.616, 0.226, 0.096, 0.043, 0.019], 7);
    // Muons with pt > 10 GeV (most events have one), electrons with pt > 10 GeV (most have
    // none), as in ADL q7.
    let muons = collection(events, &[0.231, 0.650, 0.110, 0.009], 8);
    let electrons = collection(events, &[0.89, 0.10, 0.01], 9);
    let records =
        |c: &(Vec<i64>, Vec<f32>, Vec<f32>)| -> (Vec<i64>, Vec<f32>, Vec<f32>) { c.clone() };
    for (name, partners) in [
        ("muons", records(&muons)),
        ("electrons", records(&electrons)),
    ] {
        let (a, b) = (
            Records {
                offsets: &jets.0,
                eta: &jets.1,
                phi: &jets.2,
                index: None,
            },
            Records {
                offsets: &partners.0,
                eta: &partners.1,
                phi: &partners.2,
                index: None,
            },
        );
        let mut g = c.benchmark_group(format!("nearest {name}"));
        g.throughput(Throughput::Elements(events as u64));
        let mut out = Vec::new();
        g.bench_function("min_delta_r_f32", |t| {
            t.iter(|| {
                out.clear();
                min_delta_r_f32(black_box(a), black_box(b), &mut out);
                out.len()
            })
        });
        g.bench_function("a loop per event", |t| {
            t.iter(|| {
                out.clear();
                let (a, b) = (black_box(a), black_box(b));
                for e in 0..a.offsets.len() - 1 {
                    let (b0, b1) = (b.offsets[e] as usize, b.offsets[e + 1] as usize);
                    for i in a.offsets[e] as usize..a.offsets[e + 1] as usize {
                        let mut best = f32::INFINITY;
                        for j in b0..b1 {
                            let d = delta_r2_f32(a.eta[i], b.eta[j], a.phi[i], b.phi[j]);
                            if d < best {
                                best = d;
                            }
                        }
                        out.push(best.sqrt());
                    }
                }
                out.len()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! The trijet search of ADL q6 (the triplet of jets whose mass is closest to 172.5 GeV) on events
//! of 3–9 jets: the fused kernel against materialising every triplet's sum first, and the
//! four-vectors of the jets. `cargo bench -p columnar --bench combinations`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::combinations::{best_combination, closest_mass_combination};
use columnar::fourvec::{add, from_pt_eta_phi_m, prop, Coords, P4Prop, P4};
use columnar::mass_bounds::{closest_mass_certain, closest_triplets_certain};

/// Events of 3–9 jets with NanoAOD-like kinematics, from a fixed sequence.
fn events(n: usize) -> Vec<Vec<P4>> {
    let mut s: u64 = 7;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let k = 3 + (next() * 7.0) as usize;
            (0..k)
                .map(|_| {
                    from_pt_eta_phi_m(
                        15.0 + 100.0 * next(),
                        -2.5 + 5.0 * next(),
                        -std::f64::consts::PI + std::f64::consts::TAU * next(),
                        10.0 * next(),
                        Coords::PxPyPzE,
                    )
                })
                .collect()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let ev = events(2000);
    let triplets: usize = ev
        .iter()
        .map(|e| e.len() * (e.len() - 1) * (e.len() - 2) / 6)
        .sum();
    let key = |q: &P4| (prop(q, Coords::PxPyPzE, P4Prop::Mass) - 172.5).abs();
    let mut g = c.benchmark_group("trijet");
    g.throughput(Throughput::Elements(triplets as u64));
    g.bench_function("fused best_combination", |t| {
        let mut best = [0usize; 3];
        t.iter(|| {
            let mut s = 0;
            for e in &ev {
                best_combination(e, 3, &[0, 1, 2], Coords::PxPyPzE, false, key, &mut best);
                s += best[0];
            }
            black_box(s)
        })
    });
    g.bench_function(
        "fused, mass window filter, AVX2 where the CPU has it (closest_mass_combination)",
        |t| {
            let mut best = [0usize; 3];
            t.iter(|| {
                let mut s = 0;
                for e in &ev {
                    closest_mass_combination(e, 3, &[0, 1, 2], 172.5, &mut best);
                    s += best[0];
                }
                black_box(s)
            })
        },
    );
    g.bench_function(
        "closest_mass_certain (approximate four-vectors, vector lanes)",
        |t| {
            let mut best = [0usize; 3];
            t.iter(|| {
                let mut s = 0;
                for e in &ev {
                    if closest_mass_certain(e, 3, 172.5, &mut best) {
                        s += best[0];
                    }
                }
                black_box(s)
            })
        },
    );
    // The same events as a collection's columns (px, py, pz, E) and each event's range.
    let mut columns: [Vec<f64>; 4] = Default::default();
    let mut ranges = Vec::new();
    for e in &ev {
        let first = columns[0].len();
        for q in e {
            for (column, v) in columns.iter_mut().zip(q) {
                column.push(*v);
            }
        }
        ranges.push(first..columns[0].len());
    }
    g.bench_function(
        "closest_triplets_certain (the same, events in vector lanes, from columns)",
        |t| {
            let [x, y, z, e] = &columns;
            let mut decided = vec![None; ranges.len()];
            t.iter(|| {
                closest_triplets_certain([x, y, z, e], &ranges, 172.5, &mut decided);
                black_box(decided.iter().flatten().map(|b| b[0]).sum::<usize>())
            })
        },
    );
    g.bench_function("materialised sums, then keys, then argmin", |t| {
        t.iter(|| {
            let mut s = 0;
            for e in &ev {
                let n = e.len();
                let mut tuples = Vec::new();
                let mut sums = Vec::new();
                for i in 0..n {
                    for j in i + 1..n {
                        for l in j + 1..n {
                            tuples.push([i, j, l]);
                            let ij = add(&e[i], &e[j], Coords::PxPyPzE);
                            sums.push(add(&ij, &e[l], Coords::PxPyPzE));
                        }
                    }
                }
                let keys: Vec<f64> = sums.iter().map(key).collect();
                let mut b = 0;
                for (k, x) in keys.iter().enumerate() {
                    if *x < keys[b] {
                        b = k;
                    }
                }
                s += tuples[b][0];
            }
            black_box(s)
        })
    });
    g.finish();
    let jets: Vec<(f64, f64, f64, f64)> = ev
        .iter()
        .flatten()
        .map(|p| (p[0], p[1], p[2], p[3]))
        .collect();
    let mut g = c.benchmark_group("four-vectors");
    g.throughput(Throughput::Elements(jets.len() as u64));
    g.bench_function("from_pt_eta_phi_m PxPyPzE", |t| {
        t.iter(|| {
            jets.iter()
                .map(|(a, b, c, d)| {
                    from_pt_eta_phi_m(*a, *b * 0.01, *c * 0.01, *d, Coords::PxPyPzE)[3]
                })
                .sum::<f64>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

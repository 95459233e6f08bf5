//! The unit-weight bulk fill of a 1-D regular histogram (`Histo1D` of a column, every ADL
//! query's last step): a million single-precision values of a falling spectrum (jet pt, many
//! below the axis: the underflow bin takes runs), 100 bins of 15–60 GeV as ADL q2's; and the
//! same values with a weight each (a simulated sample's fill), and a 2-D fill.
//! `cargo bench -p hist --bench fill`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use hist::{Axis, Histogram, Storage};

const VALUES: usize = 1_000_000;

fn bench(c: &mut Criterion) {
    let mut s: u64 = 7;
    let mut uniform = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    // pt = 5 GeV + an exponential of mean 20 GeV.
    let pt: Vec<f32> = (0..VALUES)
        .map(|_| (5.0 - 20.0 * uniform().ln()) as f32)
        .collect();
    let wide: Vec<f64> = pt.iter().map(|&x| f64::from(x)).collect();
    let mut g = c.benchmark_group("fill of 1 000 000 values");
    g.throughput(Throughput::Elements(VALUES as u64));
    let empty = Histogram::new_1d(Axis::regular(100, 15.0, 60.0).unwrap(), Storage::Double);
    g.bench_function("fill_many_f32 (100 bins)", |t| {
        t.iter(|| {
            let mut h = empty.clone();
            h.fill_many_f32(black_box(&pt)).unwrap();
            black_box(h)
        })
    });
    g.bench_function("fill_many (100 bins)", |t| {
        t.iter(|| {
            let mut h = empty.clone();
            h.fill_many(black_box(&wide)).unwrap();
            black_box(h)
        })
    });
    // Weighted (a simulated sample's event weights: every entry its own weight).
    let weights: Vec<f64> = (0..VALUES).map(|_| 0.5 + uniform()).collect();
    g.bench_function("fill_many_weighted (100 bins)", |t| {
        t.iter(|| {
            let mut h = empty.clone();
            h.fill_many_weighted(black_box(&wide), black_box(&weights))
                .unwrap();
            black_box(h)
        })
    });
    let weighted = Histogram::new_1d(Axis::regular(100, 15.0, 60.0).unwrap(), Storage::Weight);
    g.bench_function("fill_many_weighted, Σw² kept (100 bins)", |t| {
        t.iter(|| {
            let mut h = weighted.clone();
            h.fill_many_weighted(black_box(&wide), black_box(&weights))
                .unwrap();
            black_box(h)
        })
    });
    // Two regular axes (pt against a second spectrum), unit weights.
    let other: Vec<f64> = wide.iter().rev().map(|&x| x * 0.5).collect();
    let grid = Histogram::new_2d(
        Axis::regular(100, 15.0, 60.0).unwrap(),
        Axis::regular(50, 0.0, 40.0).unwrap(),
        Storage::Double,
    );
    g.bench_function("fill_many_2d (100 x 50 bins)", |t| {
        t.iter(|| {
            let mut h = grid.clone();
            h.fill_many_2d(black_box(&wide), black_box(&other)).unwrap();
            black_box(h)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

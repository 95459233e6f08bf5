//! ROOT's bins of a block of values on a regular axis (ADL q2's `Jet_pt`, 100 bins 15–60):
//! the block kernel against one `FindFixBin` per value. `cargo bench -p columnar --bench binning`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::binning::{BlockBins, Regular};
use columnar::fill_sums::LaneSums;

/// A falling jet-pT-like spectrum from a fixed sequence, as float.
fn values(n: usize) -> Vec<f32> {
    let mut s: u64 = 12345;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = ((s >> 11) as f64) / (1u64 << 53) as f64;
            (-30.0 * (1.0 - u).ln()) as f32
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let xs = values(4096);
    let axis = Regular::new(100, 15.0, 60.0).unwrap();
    let mut out = vec![0u32; xs.len()];
    let mut g = c.benchmark_group("bins");
    g.throughput(Throughput::Elements(xs.len() as u64));
    g.bench_function("block kernel (f32 input)", |t| {
        t.iter(|| {
            axis.indices(black_box(&xs), &mut out);
            out[7]
        })
    });
    // A unit-weight fill's pass: bins and running sums together, in double precision and with
    // float32 edges (`BlockBins`, where the CPU has AVX-512).
    g.bench_function("bins and sums (double precision)", |t| {
        let mut sums = LaneSums::default();
        t.iter(|| {
            axis.indices_and_sums(black_box(&xs), &mut out, &mut sums);
            out[7]
        })
    });
    let block = BlockBins::new(axis);
    let name = if block.single_precision() {
        "bins and sums (float32 edges)"
    } else {
        "bins and sums (float32 edges: not on this CPU)"
    };
    g.bench_function(name, |t| {
        let mut sums = LaneSums::default();
        t.iter(|| {
            block.indices_and_sums(black_box(&xs), &mut out, &mut sums);
            out[7]
        })
    });
    g.bench_function("one FindFixBin per value", |t| {
        t.iter(|| {
            axis.indices_scalar(black_box(&xs), &mut out);
            out[7]
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! `Jet[Jet.pt > 30]`: the kept positions of jagged lists, branch-free against a branch per
//! element; the kept offsets alone with the kept values compressed out (what a mask of a list
//! of numbers takes) against the positions and a gather; and two passes over offsets —
//! the lists with a pair, the pair count of `combinations(C, 2)` — against their plain loops.
//! `cargo bench -p columnar --bench masks`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use columnar::combinations::pairs_in_lists;
use columnar::masks::{kept_offsets, masked_positions};
use columnar::offsets::lists_with_at_least;
use columnar::select::select;

/// Lists of 0 to `longest` elements and a mask true about half the time, from a fixed
/// sequence.
fn lists(n: usize, longest: u64) -> (Vec<i64>, Vec<bool>) {
    let mut s: u64 = 7;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s >> 33
    };
    let mut offsets = vec![0i64];
    for _ in 0..n {
        offsets.push(offsets.last().copied().unwrap_or(0) + (next() % (longest + 1)) as i64);
    }
    let total = offsets.last().copied().unwrap_or(0) as usize;
    (offsets, (0..total).map(|_| next() % 2 == 0).collect())
}

fn bench(c: &mut Criterion) {
    // Jets (0–8, 4 on average) and muons (0–2, 1 on average: the cost per list counts more).
    // Enough lists that the branch predictor cannot learn their lengths, as in a real file.
    for (name, longest) in [("jets", 8), ("muons", 2)] {
        let (offsets, keep) = lists(1 << 18, longest);
        let mut g = c.benchmark_group(format!("masks/{name}"));
        g.throughput(Throughput::Elements(keep.len() as u64));
        let (mut p, mut o) = (Vec::new(), Vec::new());
        g.bench_function("masked_positions", |t| {
            t.iter(|| {
                p.clear();
                o.clear();
                masked_positions(black_box(&offsets), black_box(&keep), &mut p, &mut o);
                p.len()
            })
        });
        g.bench_function("a branch per element", |t| {
            t.iter(|| {
                p.clear();
                o.clear();
                o.push(0);
                for w in black_box(&offsets).windows(2) {
                    for j in w[0]..w[1] {
                        if black_box(&keep)[j as usize] {
                            p.push(j);
                        }
                    }
                    o.push(p.len() as i64);
                }
                p.len()
            })
        });
        let values: Vec<f32> = (0..keep.len()).map(|i| i as f32).collect();
        g.bench_function("kept offsets and the values compressed", |t| {
            t.iter(|| {
                o.clear();
                kept_offsets(black_box(&offsets), black_box(&keep), &mut o);
                select(black_box(&values), black_box(&keep)).len()
            })
        });
        g.bench_function("positions and offsets, then a gather", |t| {
            t.iter(|| {
                p.clear();
                o.clear();
                masked_positions(black_box(&offsets), black_box(&keep), &mut p, &mut o);
                p.iter()
                    .map(|&j| values[j as usize])
                    .collect::<Vec<f32>>()
                    .len()
            })
        });
        let mut with = Vec::new();
        g.bench_function("lists with a pair", |t| {
            t.iter(|| {
                lists_with_at_least(black_box(&offsets), 2, keep.len(), &mut with);
                with.len()
            })
        });
        g.bench_function("lists with a pair, a branch per list", |t| {
            t.iter(|| {
                with.clear();
                for (e, w) in black_box(&offsets).windows(2).enumerate() {
                    if w[1] - w[0] >= 2 {
                        with.push(e as u32);
                    }
                }
                with.len()
            })
        });
        g.bench_function("pair count", |t| {
            t.iter(|| pairs_in_lists(black_box(&offsets)))
        });
        g.bench_function("pair count, saturating", |t| {
            t.iter(|| {
                black_box(&offsets)
                    .windows(2)
                    .map(|w| {
                        let n = w[1].saturating_sub(w[0]).max(0) as u64;
                        n.saturating_mul(n.saturating_sub(1)) / 2
                    })
                    .fold(0u64, |t, p| t.saturating_add(p))
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Column-wise evaluation of a 50x50 MultiBinning scale factor and a JEC-style formula
//! over 1 M values (see `correctionlib_peer.py` for the correctionlib side and
//! `examples/bench_columns.rs` for the 10 M comparison).
//!
//!     cargo bench -p correction --bench evaluate

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use correction::{Column, Value};

#[allow(dead_code)]
mod bench_setup;

const N: usize = 1_000_000;

fn columns(c: &mut Criterion) {
    let set = bench_setup::bench_set();
    let (eta, pt) = bench_setup::inputs(N);
    let mut group = c.benchmark_group("correction");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(20);
    let mut out = Vec::with_capacity(N);

    let sf = set.get("sf_2d").expect("sf_2d");
    group.bench_function("multibinning_50x50_columns", |b| {
        b.iter(|| {
            sf.evaluate_columns(&[Column::Real(&eta), Column::Real(&pt)], N, &mut out)
                .expect("evaluates")
        })
    });
    group.bench_function("multibinning_50x50_per_value", |b| {
        b.iter(|| {
            out.clear();
            for (e, p) in eta.iter().zip(&pt) {
                out.push(
                    sf.evaluate(&[Value::Real(*e), Value::Real(*p)])
                        .expect("evaluates"),
                );
            }
        })
    });

    let jec = set.get("jec_formula").expect("jec_formula");
    group.bench_function("formula_columns", |b| {
        b.iter(|| {
            jec.evaluate_columns(&[Column::Real(&pt), Column::Real(&eta)], N, &mut out)
                .expect("evaluates")
        })
    });
    group.bench_function("formula_per_value", |b| {
        b.iter(|| {
            out.clear();
            for (p, e) in pt.iter().zip(&eta) {
                out.push(
                    jec.evaluate(&[Value::Real(*p), Value::Real(*e)])
                        .expect("evaluates"),
                );
            }
        })
    });
    group.finish();
}

criterion_group!(benches, columns);
criterion_main!(benches);

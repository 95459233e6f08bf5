//! Times column-wise evaluation of the benchmark corrections on 10 M values, the Rust side
//! of `benches/correctionlib_peer.py` (same corrections, same inputs, same checksum).
//!
//!     cargo run --release -p correction --example bench_columns -- [n] [repeat]

use std::time::Instant;

use correction::Column;

#[allow(dead_code)]
#[path = "../benches/bench_setup.rs"]
mod bench_setup;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000_000);
    let repeat: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5);
    let set = bench_setup::bench_set();
    let (eta, pt) = bench_setup::inputs(n);
    let mut out = Vec::with_capacity(n);
    for (name, swap) in [("sf_2d", false), ("jec_formula", true)] {
        let corr = set.correction(name)?;
        let cols = if swap {
            [Column::Real(&pt), Column::Real(&eta)]
        } else {
            [Column::Real(&eta), Column::Real(&pt)]
        };
        let mut best = f64::INFINITY;
        for _ in 0..repeat {
            let t0 = Instant::now();
            corr.evaluate_columns(&cols, n, &mut out)?;
            best = best.min(t0.elapsed().as_secs_f64());
        }
        println!(
            "hepframe correction columns {name}: n={n} best of {repeat}: {best:.3} s ({:.1} ns/value) checksum {:016x}",
            best / n as f64 * 1e9,
            bench_setup::checksum(&out)
        );
    }
    Ok(())
}

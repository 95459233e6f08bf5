//! Shared by the criterion bench and the `bench_columns` example: the benchmark
//! corrections and their inputs, the same as `correctionlib_peer.py` uses.

use correction::CorrectionSet;

/// The benchmark correction set (`sf_2d`, `jec_formula`), written by
/// `correctionlib_peer.py --write-json`.
pub const BENCH_JSON: &str = include_str!("bench_corrections.json");

/// Uniform doubles in [0, 1): SplitMix64 of (seed, index), top 53 bits, as
/// `splitmix_uniform` in `correctionlib_peer.py`.
pub fn splitmix_uniform(seed: u64, n: usize) -> Vec<f64> {
    (0..n as u64)
        .map(|i| {
            let mut z = seed.wrapping_add((i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
        })
        .collect()
}

/// `(eta, pt)`: eta in [-3, 3), pt in [10, 1200).
pub fn inputs(n: usize) -> (Vec<f64>, Vec<f64>) {
    let eta = splitmix_uniform(1, n)
        .into_iter()
        .map(|u| -3.0 + 6.0 * u)
        .collect();
    let pt = splitmix_uniform(2, n)
        .into_iter()
        .map(|u| 10.0 + 1190.0 * u)
        .collect();
    (eta, pt)
}

/// The loaded benchmark set.
pub fn bench_set() -> CorrectionSet {
    match CorrectionSet::from_json_str(BENCH_JSON) {
        Ok(set) => set,
        Err(e) => panic!("bench_corrections.json does not load: {e}"),
    }
}

/// The sum of the outputs' bit patterns modulo 2^64, as `checksum` in the peer script.
pub fn checksum(out: &[f64]) -> u64 {
    out.iter()
        .fold(0u64, |acc, v| acc.wrapping_add(v.to_bits()))
}

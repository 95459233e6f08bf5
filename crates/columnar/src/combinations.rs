//! Combinatorics of one event's records without materialising the combinations.
//!
//! [`best_combination`] finds, among the k-combinations `i₀ < i₁ < … ` of an event's records in
//! lexicographic order (the order of nested loops, and of `combinations(C, k)`), the first one
//! whose key — a function of the sum of its four-vectors — is smallest (or largest). It gives
//! the same answer, bit for bit, as building every combination, summing its four-vectors left to
//! right, computing every key and taking `ArgMin`/`ArgMax` (ROOT's `VecOps`: the first extremum
//! wins; a NaN first key is kept, as no comparison with it holds). For k = 2 and 3 with the
//! terms added in slot order, the partial sum of the leading records is hoisted out of the
//! inner loop: `(a + b) + c` is the same value whether `a + b` is computed once or every time.

use crate::fourvec::{add, mass_of, Coords, P4};

/// The first k-combination (positions into `p4`, written to `best`) of smallest key, or of
/// largest key when `max`; `false` when there are fewer than `k` records (or `k` is 0).
///
/// `order` lists the slots in the order their four-vectors are added (`t.1 + t.0` is
/// `[1, 0]`); it must be a permutation of `0..k`, and `best` must hold `k` positions.
pub fn best_combination<K: Fn(&P4) -> f64>(
    p4: &[P4],
    k: usize,
    order: &[usize],
    coords: Coords,
    max: bool,
    key: K,
    best: &mut [usize],
) -> bool {
    let n = p4.len();
    if k == 0 || n < k || order.len() != k || best.len() < k {
        return false;
    }
    let mut best_key = f64::NAN;
    let mut first = true;
    let mut consider = |x: f64, c: &[usize], best: &mut [usize]| {
        if first || (max && x > best_key) || (!max && x < best_key) {
            first = false;
            best_key = x;
            best[..c.len()].copy_from_slice(c);
        }
    };
    let in_order = order.iter().enumerate().all(|(i, s)| i == *s);
    match k {
        1 => {
            for (i, p) in p4.iter().enumerate() {
                consider(key(p), &[i], best);
            }
        }
        2 if in_order => {
            for i in 0..n {
                for j in i + 1..n {
                    consider(key(&add(&p4[i], &p4[j], coords)), &[i, j], best);
                }
            }
        }
        3 if in_order => {
            for i in 0..n {
                for j in i + 1..n {
                    let ij = add(&p4[i], &p4[j], coords);
                    for (l, p) in p4.iter().enumerate().skip(j + 1) {
                        consider(key(&add(&ij, p, coords)), &[i, j, l], best);
                    }
                }
            }
        }
        _ => {
            let mut c: Vec<usize> = (0..k).collect();
            loop {
                let mut s = p4[c[order[0]]];
                for &slot in &order[1..] {
                    s = add(&s, &p4[c[slot]], coords);
                }
                consider(key(&s), &c, best);
                if !next_combination(&mut c, n) {
                    break;
                }
            }
        }
    }
    true
}

/// [`best_combination`] for the key `|mass − target|` of `PxPyPzE` sums, argmin, slots added in
/// order (`(t.0 + t.1 + t.2).mass - 172.5` of the trijet search), with the same answer bit for
/// bit and, for k = 2 and 3, without a square root for most combinations.
///
/// A combination replaces the best so far only if its key is strictly smaller than the best
/// key `b`; then its mass lies in `(target − b, target + b)`, so its `m² = E² − p²` lies between
/// the squares of those bounds. The squares are widened by far more than the rounding of the
/// key's arithmetic (10⁻¹² relative against 2⁻⁴⁹), so a combination outside them cannot win
/// and is skipped without its mass; one inside is keyed and compared exactly as unfiltered.
/// Falls back to [`best_combination`] where the filter does not apply (a target that is not a
/// finite positive number, k other than 2 or 3, or slots in another order).
pub fn closest_mass_combination(
    p4: &[P4],
    k: usize,
    order: &[usize],
    target: f64,
    best: &mut [usize],
) -> bool {
    closest_mass(p4, k, order, target, best, true)
}

/// [`closest_mass_combination`], with the AVX2 path for k = 3 allowed (where the CPU has it and
/// the event at most [`MAX_RECORDS`](crate::triplets_avx2::MAX_RECORDS) records) or not (the
/// scalar path, also tested on its own).
fn closest_mass(
    p4: &[P4],
    k: usize,
    order: &[usize],
    target: f64,
    best: &mut [usize],
    vector: bool,
) -> bool {
    let key = |q: &P4| (mass_of(q[0], q[1], q[2], q[3]) - target).abs();
    let n = p4.len();
    let in_order = order.len() == k && order.iter().enumerate().all(|(i, s)| i == *s);
    let applies = target.is_finite() && target > 0.0 && in_order && (k == 2 || k == 3);
    if !applies {
        return best_combination(p4, k, order, Coords::PxPyPzE, false, key, best);
    }
    if n < k || best.len() < k {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    // The triplet search in vector lanes, where the CPU has AVX2 and the event at most
    // MAX_RECORDS records.
    if vector && k == 3 {
        if let Some(t) = crate::triplets_avx2::with_triplet_masses(p4, |t| t.closest(target)) {
            best[..3].copy_from_slice(&t);
            return true;
        }
    }
    // The first combination is the best so far whatever its key (a NaN key stays: no
    // comparison with it holds). Met again in the loops, it does not replace itself.
    best[..k].copy_from_slice(&[0, 1, 2][..k]);
    let mut first = add(&p4[0], &p4[1], Coords::PxPyPzE);
    if k == 3 {
        first = add(&first, &p4[2], Coords::PxPyPzE);
    }
    let mut best_key = key(&first);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = vector; // only x86-64 has a vector path
    let (mut lo, mut hi) = mass_window(target, best_key);
    let mut consider = |s: &P4, c: [usize; 3], best: &mut [usize]| {
        let mm = s[3] * s[3] - s[0] * s[0] - s[1] * s[1] - s[2] * s[2];
        if mm >= lo && mm <= hi {
            let x = key(s);
            if x < best_key {
                best_key = x;
                (lo, hi) = mass_window(target, x);
                best[..k].copy_from_slice(&c[..k]);
            }
        }
    };
    for i in 0..n {
        for j in i + 1..n {
            let ij = add(&p4[i], &p4[j], Coords::PxPyPzE);
            if k == 2 {
                consider(&ij, [i, j, 0], best);
                continue;
            }
            for (l, p) in p4.iter().enumerate().skip(j + 1) {
                consider(&add(&ij, p, Coords::PxPyPzE), [i, j, l], best);
            }
        }
    }
    true
}

/// The window of m² within which a sum can have a key `|m − target|` below `b` (the best key so
/// far): the squares of `target ± b`, widened by 10⁻¹² relative against the rounding of the
/// key's arithmetic (2⁻⁴⁹). A NaN `b` gives a window nothing lies in.
pub(crate) fn mass_window(target: f64, b: f64) -> (f64, f64) {
    let slack = (target + b) * 1e-12;
    let high = target + b + slack;
    let low = target - b - slack;
    let lo = if low > 0.0 {
        low * low * (1.0 - 1e-12)
    } else {
        f64::NEG_INFINITY
    };
    (lo, high * high * (1.0 + 1e-12))
}

/// Step `c` (positions `c[0] < c[1] < …` below `n`) to the next combination in lexicographic
/// order; `false` after the last one.
pub fn next_combination(c: &mut [usize], n: usize) -> bool {
    let k = c.len();
    let mut i = k;
    while i > 0 && c[i - 1] == n - k + i - 1 {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    c[i - 1] += 1;
    for j in i..k {
        c[j] = c[j - 1] + 1;
    }
    true
}

/// The number of pairs `i < j` of records in all lists delimited by `offsets` (Σ n(n − 1)/2),
/// where every list has fewer than 2¹⁶ records and there are fewer than 2³² lists (the sum then
/// fits 64 bits); `None` otherwise (offsets that go back included), for the caller's exact
/// path. One pass the compiler vectorises (with AVX2 where the CPU has it): the loop with
/// saturating 64-bit products it replaces took 4 % of ADL q5's profile.
pub fn pairs_in_lists(offsets: &[i64]) -> Option<u64> {
    if u32::try_from(offsets.len()).is_err() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { pairs_in_lists_avx2(offsets) };
    }
    pairs_in_lists_portable(offsets)
}

/// [`pairs_in_lists`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn pairs_in_lists_avx2(offsets: &[i64]) -> Option<u64> {
    pairs_in_lists_portable(offsets)
}

#[inline(always)]
fn pairs_in_lists_portable(offsets: &[i64]) -> Option<u64> {
    let rest = offsets.get(1..)?;
    // Every length's bits or-ed together: below 2¹⁶ only if each is (a negative one, a list
    // going back, sets the top bits).
    let (bits, sum) = offsets
        .iter()
        .zip(rest)
        .fold((0u64, 0u64), |(bits, sum), (a, b)| {
            let n = b.wrapping_sub(*a) as u64;
            // Exact where n < 2¹⁶ (the only case kept): n(n − 1)/2 < 2³¹.
            let m = n as u32;
            let pairs = m.wrapping_mul(m.wrapping_sub(1)) / 2;
            (bits | n, sum.wrapping_add(u64::from(pairs)))
        });
    (bits < 1 << 16).then_some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fourvec::{from_pt_eta_phi_m, prop, P4Prop};

    /// The plain way: every combination materialised, summed in `order`, keyed, first extremum.
    fn plain<K: Fn(&P4) -> f64>(
        p4: &[P4],
        k: usize,
        order: &[usize],
        coords: Coords,
        max: bool,
        key: K,
    ) -> Option<Vec<usize>> {
        let n = p4.len();
        let mut all: Vec<Vec<usize>> = Vec::new();
        let mut c = vec![0usize; k];
        fn rec(
            n: usize,
            k: usize,
            d: usize,
            from: usize,
            c: &mut Vec<usize>,
            all: &mut Vec<Vec<usize>>,
        ) {
            if d == k {
                all.push(c.clone());
                return;
            }
            for i in from..n {
                c[d] = i;
                rec(n, k, d + 1, i + 1, c, all);
            }
        }
        rec(n, k, 0, 0, &mut c, &mut all);
        let keys: Vec<f64> = all
            .iter()
            .map(|c| {
                let mut s = p4[c[order[0]]];
                for &o in &order[1..] {
                    s = add(&s, &p4[c[o]], coords);
                }
                key(&s)
            })
            .collect();
        let mut best: Option<(usize, f64)> = None;
        for (i, x) in keys.iter().enumerate() {
            if best.is_none_or(|(_, m)| (max && *x > m) || (!max && *x < m)) {
                best = Some((i, *x));
            }
        }
        best.map(|(i, _)| all[i].clone())
    }

    /// `n` records drawn from `seed`.
    fn records(seed: u64, n: usize, coords: Coords) -> Vec<P4> {
        let mut rng = crate::test_rng::Xorshift(seed | 1);
        let mut next = move || rng.unit();
        (0..n)
            .map(|_| {
                from_pt_eta_phi_m(
                    15.0 + 80.0 * next(),
                    -3.0 + 6.0 * next(),
                    -3.2 + 6.4 * next(),
                    10.0 * next(),
                    coords,
                )
            })
            .collect()
    }

    #[test]
    fn fused_search_equals_materialised_search() {
        for coords in [Coords::PxPyPzE, Coords::PxPyPzM] {
            for k in 1..=4 {
                let orders: Vec<Vec<usize>> = if k == 2 {
                    vec![vec![0, 1], vec![1, 0]]
                } else if k == 3 {
                    vec![vec![0, 1, 2], vec![2, 0, 1]]
                } else {
                    vec![(0..k).collect()]
                };
                for order in orders {
                    for n in 0..9 {
                        for seed in 1..20u64 {
                            let p = records(seed * 7919 + n as u64, n, coords);
                            for max in [false, true] {
                                let key = |q: &P4| (prop(q, coords, P4Prop::Mass) - 172.5).abs();
                                let mut best = vec![0; k];
                                let found =
                                    best_combination(&p, k, &order, coords, max, key, &mut best);
                                let want = plain(&p, k, &order, coords, max, key);
                                assert_eq!(found, want.is_some(), "n={n} k={k}");
                                if let Some(w) = want {
                                    assert_eq!(best, w, "n={n} k={k} order={order:?} max={max}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_mass_window_filter_changes_no_answer() {
        let key = |c: f64| move |q: &P4| (prop(q, Coords::PxPyPzE, P4Prop::Mass) - c).abs();
        for round in 0..20_000 {
            let n = round % 24;
            let mut p = records(round as u64 * 7919 + 3, n, Coords::PxPyPzE);
            // Ties, space-like sums, NaN and infinite components now and then.
            if n > 3 && round % 7 == 0 {
                p[3] = p[1];
            }
            if n > 2 && round % 11 == 0 {
                p[2][3] = -p[2][3];
            }
            if n > 1 && round % 97 == 0 {
                p[n - 1][round % 4] = if round % 2 == 0 {
                    f64::NAN
                } else {
                    f64::INFINITY
                };
            }
            if n > 4 && round % 13 == 0 {
                p[0] = [f64::NAN; 4];
            }
            for target in [172.5, 91.1876, 1e-3, 0.0, -5.0, 1e6] {
                for (k, order) in [(2, vec![0, 1]), (3, vec![0, 1, 2]), (3, vec![1, 0, 2])] {
                    let mut want = vec![usize::MAX; k];
                    let mut got = vec![usize::MAX; k];
                    let f = best_combination(
                        &p,
                        k,
                        &order,
                        Coords::PxPyPzE,
                        false,
                        key(target),
                        &mut want,
                    );
                    // The dispatching function (AVX2 for k = 3 where the CPU has it) and the
                    // scalar path.
                    for vector in [true, false] {
                        let g = closest_mass(&p, k, &order, target, &mut got, vector);
                        assert_eq!(f, g);
                        if f {
                            assert_eq!(
                                got, want,
                                "round {round} n={n} k={k} target={target} vector={vector}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_first_extremum_wins_and_a_nan_first_key_stays() {
        let p = vec![[1.0, 0.0, 0.0, 2.0]; 4];
        let mut best = [9, 9];
        assert!(best_combination(
            &p,
            2,
            &[0, 1],
            Coords::PxPyPzE,
            false,
            |q| q[3],
            &mut best
        ));
        assert_eq!(best, [0, 1]);
        let mut q = p.clone();
        q[0] = [f64::NAN; 4];
        assert!(best_combination(
            &q,
            2,
            &[0, 1],
            Coords::PxPyPzE,
            false,
            |q| q[3],
            &mut best
        ));
        assert_eq!(best, [0, 1]);
        assert!(!best_combination(
            &p[..1],
            2,
            &[0, 1],
            Coords::PxPyPzE,
            false,
            |q| q[3],
            &mut best
        ));
    }

    #[test]
    fn pairs_in_lists_count_every_pair_or_leave_it_to_the_exact_path() {
        let plain = |off: &[i64]| -> u64 {
            off.windows(2)
                .map(|w| {
                    let n = (w[1] - w[0]) as u64;
                    n * n.saturating_sub(1) / 2
                })
                .sum()
        };
        let mut rng = crate::test_rng::Xorshift(0x2545_F491_4F6C_DD1D);
        let mut off = vec![3i64];
        for _ in 0..5000 {
            let s = rng.bits();
            // Mostly 0–6 records, now and then up to 2¹⁶ − 1.
            let n = if s.is_multiple_of(97) {
                (s >> 20) % 65536
            } else {
                s % 7
            };
            off.push(off.last().unwrap() + n as i64);
        }
        assert_eq!(pairs_in_lists(&off), Some(plain(&off)));
        assert_eq!(pairs_in_lists(&off[..1]), Some(0));
        assert_eq!(pairs_in_lists(&[]), None);
        assert_eq!(pairs_in_lists(&[0, 65535]), Some(65535 * 65534 / 2));
        // A list of 2¹⁶ records, or one going back: the exact path.
        assert_eq!(pairs_in_lists(&[0, 2, 65538]), None);
        assert_eq!(pairs_in_lists(&[0, 5, 4, 9]), None);
        assert_eq!(pairs_in_lists(&[i64::MIN, i64::MAX]), None);
    }
}

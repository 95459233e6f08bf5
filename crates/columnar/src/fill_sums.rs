//! The running sums of a unit-weight histogram fill — Σx and Σx² over the values that land
//! inside the axis (`TH1::Fill`'s `fTsumwx`, `fTsumwx2`), with the counts of those values and
//! of the values that are not finite — kept in [`LANES`] interleaved running sums: value `i`
//! of a fill goes into sum `i mod LANES`, and the sums are added in a fixed order at the end
//! ([`LaneSums::sum_x`]).
//!
//! One running sum, as ROOT keeps it, waits for each value's addition before the next (three
//! cycles a value on the machines here): that chain bounded the whole fill loop. Eight sums
//! are eight independent chains, one vector register, so the fill runs at the speed of its
//! other work. The result is the same on any machine and any number of threads (the lanes and
//! their order are fixed), and equal to one running sum's to rounding — not bit for bit: the
//! additions are grouped differently.

/// The interleaved running sums (eight: one AVX-512 register of doubles; `Regular::indices_and_sums`
/// loads and stores them as one).
pub const LANES: usize = 8;

/// Σx, Σx² (in [`LANES`] running sums), and the counts of the values in range and not finite.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LaneSums {
    /// Σx of the values in range, lane by lane.
    pub sx: [f64; LANES],
    /// Σx² of the values in range, lane by lane.
    pub sx2: [f64; LANES],
    /// The values in range.
    pub inside: u64,
    /// The values not finite (NaN, ±∞).
    pub nonfinite: u64,
}

impl LaneSums {
    /// Adds the values `xs`, whose bins are `bins` (bins `1..=nb` are in range; the shorter
    /// slice decides): value `i` into lane `i mod LANES`. A fill given in several parts keeps
    /// its lanes if every part but the last is a multiple of [`LANES`] long. Out-of-range
    /// values add `+0.0`, which changes no sum (a sum that starts at `+0.0` is never `−0.0`).
    /// (With AVX-512 a fill takes these sums in the bins' own pass,
    /// `Regular::indices_and_sums`; this is the path of other CPUs and of a block's last values.)
    pub fn add(&mut self, bins: &[u32], xs: &[f64], nb: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present (checked just above).
                unsafe { self.add_avx2(bins, xs, nb) };
                return;
            }
        }
        self.add_plain(bins, xs, nb);
    }

    /// Σx: the lanes added in pairs, then pairs of pairs.
    pub fn sum_x(&self) -> f64 {
        combine(&self.sx)
    }

    /// Σx²: the lanes added as [`sum_x`](Self::sum_x) adds them.
    pub fn sum_x2(&self) -> f64 {
        combine(&self.sx2)
    }

    /// The loop of [`add`](Self::add): straight-line arithmetic on eight values at a time, which
    /// the compiler keeps in vector registers (separate multiply and add: no fused
    /// multiply-add, whose single rounding would change the sums with the machine).
    #[inline(always)]
    fn add_plain(&mut self, bins: &[u32], xs: &[f64], nb: usize) {
        let n = bins.len().min(xs.len());
        let whole = n / LANES * LANES;
        let (mut sx, mut sx2) = (self.sx, self.sx2);
        let (mut inside, mut nonfinite) = ([0u64; LANES], [0u64; LANES]);
        let mut lanes = |b8: &[u32], x8: &[f64]| {
            for l in 0..b8.len().min(x8.len()).min(LANES) {
                let ok = (b8[l] as usize).wrapping_sub(1) < nb;
                // x where in range (and so finite), +0.0 elsewhere.
                let v = if ok { x8[l] } else { 0.0 };
                sx[l] += v;
                sx2[l] += v * v;
                inside[l] += u64::from(ok);
                nonfinite[l] += u64::from(!x8[l].is_finite());
            }
        };
        for (b8, x8) in bins[..whole]
            .chunks_exact(LANES)
            .zip(xs[..whole].chunks_exact(LANES))
        {
            lanes(b8, x8);
        }
        lanes(&bins[whole..n], &xs[whole..n]);
        (self.sx, self.sx2) = (sx, sx2);
        self.inside += inside.iter().sum::<u64>();
        self.nonfinite += nonfinite.iter().sum::<u64>();
    }

    /// [`add_plain`](Self::add_plain) compiled for AVX2: the eight lanes two registers.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn add_avx2(&mut self, bins: &[u32], xs: &[f64], nb: usize) {
        self.add_plain(bins, xs, nb);
    }
}

/// The lanes added in pairs, then pairs of pairs.
fn combine(s: &[f64; LANES]) -> f64 {
    ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binning::Regular;

    /// Values in and out of an axis, on its edges, NaN and infinities; their bins.
    fn sample() -> (Vec<f64>, Vec<u32>, usize) {
        let axis = Regular::new(100, 15.0, 60.0).unwrap();
        let mut xs: Vec<f64> = (0..5003)
            .map(|i| (i as f64 * 0.37).sin() * 40.0 + 30.0)
            .collect();
        xs.extend([
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            15.0,
            60.0,
            -0.0,
            0.0,
            59.99,
        ]);
        let mut bins = vec![0; xs.len()];
        axis.indices(&xs, &mut bins);
        (xs, bins, axis.bins())
    }

    /// Value i into lane i mod 8, one at a time.
    fn reference(xs: &[f64], bins: &[u32], nb: usize) -> LaneSums {
        let mut s = LaneSums::default();
        for (i, (&x, &b)) in xs.iter().zip(bins).enumerate() {
            if (1..=nb as u32).contains(&b) {
                s.sx[i % LANES] += x;
                s.sx2[i % LANES] += x * x;
                s.inside += 1;
            }
            s.nonfinite += u64::from(!x.is_finite());
        }
        s
    }

    #[test]
    fn every_path_adds_value_i_into_lane_i_mod_8() {
        let (xs, bins, nb) = sample();
        let want = reference(&xs, &bins, nb);
        assert_eq!(want.nonfinite, 3);
        let check = |got: LaneSums, what: &str| {
            assert_eq!(
                got.sx.map(f64::to_bits),
                want.sx.map(f64::to_bits),
                "{what}"
            );
            assert_eq!(
                got.sx2.map(f64::to_bits),
                want.sx2.map(f64::to_bits),
                "{what}"
            );
            assert_eq!(
                (got.inside, got.nonfinite),
                (want.inside, want.nonfinite),
                "{what}"
            );
        };
        let mut s = LaneSums::default();
        s.add(&bins, &xs, nb);
        check(s, "add");
        // In parts a multiple of eight long, then the rest: the same lanes.
        let mut s = LaneSums::default();
        for (b, x) in bins.chunks(1024).zip(xs.chunks(1024)) {
            s.add(b, x, nb);
        }
        check(s, "in parts");
        let mut s = LaneSums::default();
        s.add_plain(&bins, &xs, nb);
        check(s, "portable");
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                let mut s = LaneSums::default();
                // SAFETY: AVX2 is present.
                unsafe { s.add_avx2(&bins, &xs, nb) };
                check(s, "AVX2");
            }
        }
        // The lanes are added in pairs, then pairs of pairs; and equal one running sum to
        // rounding.
        let tree = |s: [f64; 8]| ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
        assert_eq!(want.sum_x().to_bits(), tree(want.sx).to_bits());
        // An order that rounds differently from any other pairing: (1e16 + 1) + (−1e16 + 1)
        // is 0, where (1e16 − 1e16) + (1 + 1) is 2.
        let lanes = [1e16, 1.0, -1e16, 1.0, 3.0, 0.0, 0.0, 0.0];
        let s = LaneSums {
            sx: lanes,
            sx2: lanes,
            ..LaneSums::default()
        };
        assert_eq!((s.sum_x(), s.sum_x2()), (3.0, 3.0));
        assert_eq!(want.sum_x2().to_bits(), tree(want.sx2).to_bits());
        let one: f64 = xs
            .iter()
            .zip(&bins)
            .filter(|(_, &b)| (1..=nb as u32).contains(&b))
            .map(|(x, _)| x)
            .sum();
        assert!((one - want.sum_x()).abs() <= 1e-12 * one.abs());
    }
}

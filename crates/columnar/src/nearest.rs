//! `min_delta_r(a, b)`: for each record of `a`, the smallest ΔR to a record of `b` in the same
//! event (∞ with none; a NaN ΔR is never the smallest), in single precision as
//! `ROOT::VecOps::DeltaR<float>` computes each pair ([`crate::angles::delta_r2_f32`]).
//!
//! **Why not a loop per event.** After a cut (`Jet[Jet.pt > 30]` against `Muon[Muon.pt > 10]`)
//! most events have no record of `a` and zero, one or two of `b` (ADL q7 on NanoAOD: no hard jet
//! in 62 % of events, no electron in 89 %). A loop per event then spends its time on branches
//! that depend on the data — is `a` empty, how many partners — mispredicted about once per
//! event, more than the arithmetic of the pairs. Here nothing branches per event or per record:
//! each record learns its event from one store per event and a running maximum, and the pairs
//! are taken in passes — the first partner of every record, then the second of the records that
//! have one, and so on — each record's next partner read at its event's offset plus the pass
//! number, the records still in play compacted by their count of partners. The work is the
//! number of pairs plus one step per record and per event, whatever the events' sizes.
//!
//! The order in which a record's partners are compared does not matter: the answer is the
//! smallest ΔR² that is not NaN (ΔR² is never −0: a sum of two squares), and the square root,
//! correctly rounded and never decreasing, is taken once of the smallest ΔR² — the same bits
//! as the smallest of the roots (`angles.rs`).

use crate::angles::delta_r2_f32;

/// One collection's records: `offsets` (n + 1 ascending positions delimiting each event's
/// records) into `eta` and `phi`.
#[derive(Clone, Copy, Debug)]
pub struct Records<'a> {
    pub offsets: &'a [i64],
    pub eta: &'a [f32],
    pub phi: &'a [f32],
}

impl Records<'_> {
    /// The first and last position, checked: `offsets` non-empty, ascending, starting at 0 or
    /// above and ending within `eta` and `phi`.
    fn bounds(&self) -> Option<(usize, usize)> {
        let (&first, &last) = (self.offsets.first()?, self.offsets.last()?);
        // One pass without a branch per offset: every step must be ≥ 0.
        let ascending = self.offsets[1..]
            .iter()
            .zip(self.offsets)
            .fold(true, |ok, (b, a)| ok & (b >= a));
        let end = self.eta.len().min(self.phi.len()) as u64;
        (ascending && first >= 0 && last as u64 <= end).then_some((first as usize, last as usize))
    }
}

/// For each record of `a` (positions `a.offsets[0]..a.offsets[n]`, in order), the smallest
/// ΔR to a record of `b` in its event, appended to `out`. `None` (nothing appended) when the
/// offsets are not ascending, run past their values, or the two collections have different
/// numbers of events.
pub fn min_delta_r_f32(a: Records, b: Records, out: &mut Vec<f32>) -> Option<()> {
    let ((a_first, a_last), (_, b_last)) = (a.bounds()?, b.bounds()?);
    let m = a_last - a_first;
    // Events, records and positions of `b` are noted as u32.
    let fits = |x: usize| u32::try_from(x).is_ok();
    if a.offsets.len() != b.offsets.len() || !fits(a.offsets.len()) || !fits(m) || !fits(b_last) {
        return None;
    }
    let base = out.len();
    // Best ΔR² so far of every record of `a`.
    out.resize(base + m, f32::INFINITY);
    if m == 0 || b_last == b.offsets[0] as usize {
        return Some(());
    }
    let best = &mut out[base..];

    SCRATCH.with_borrow_mut(|scratch| {
        scratch.clear();
        scratch.resize(4 * m + 1, 0);
        let (event, rest) = scratch.split_at_mut(m + 1);
        let (start, rest) = rest.split_at_mut(m);
        let (count, active) = rest.split_at_mut(m);
        passes(a, b, a_first, event, start, count, active, best);
    });
    for x in best.iter_mut() {
        *x = x.sqrt();
    }
    Some(())
}

thread_local! {
    /// Per record of `a`: its event, its partners' start and count, the records in play.
    static SCRATCH: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The smallest ΔR² of each record into `best` (∞ there before), with `event` (m + 1 zeros)
/// and `start`, `count`, `active` (m each) to work in. The bounds are checked by the caller.
#[allow(clippy::too_many_arguments)]
fn passes(
    a: Records,
    b: Records,
    a_first: usize,
    event: &mut [u32],
    start: &mut [u32],
    count: &mut [u32],
    active: &mut [u32],
    best: &mut [f32],
) {
    let m = best.len();
    let (a_eta, a_phi) = (&a.eta[a_first..a_first + m], &a.phi[a_first..a_first + m]);
    let (b_eta, b_phi) = (b.eta, b.phi);
    // Each record's event: the event whose records start at a position stores its number
    // there (empty events before it store theirs first and are overwritten: the store of the
    // last event to start at a position wins), the rest take the running maximum.
    for (e, &o) in a.offsets.iter().enumerate() {
        // In bounds: a_first <= o <= a_first + m (ascending, checked).
        event[o as usize - a_first] = e as u32;
    }
    let mut running = 0u32;
    for x in &mut event[..m] {
        running = running.max(*x);
        *x = running;
    }

    // Pass 0, over every record in order: the first partner, where there is one. Each
    // record's partners start at `start` and number `count`; the records with a second
    // partner are noted in `active`. Selects, not branches, decide (see the module's note).
    let mut n_active = 0usize;
    for i in 0..m {
        let e = event[i] as usize;
        // In bounds: e < a.offsets.len() - 1 (a record's event is one with records), and
        // both collections have as many offsets.
        let (s, t) = (b.offsets[e] as usize, b.offsets[e + 1] as usize);
        let n = t - s;
        // Without a partner, any position of `b` (0: `b` is not empty) and the ΔR² unused.
        let j = if n > 0 { s } else { 0 };
        let d = delta_r2_f32(a_eta[i], b_eta[j], a_phi[i], b_phi[j]);
        // ∞ without a partner, by a mask (a condition here compiles to a branch, which
        // mispredicts): d's exponent bits all set make it ∞ or NaN; then the smaller of it
        // and ∞, NaN giving ∞ (`minss`).
        let none = u32::from(n == 0).wrapping_neg();
        let d = f32::from_bits(d.to_bits() | (none & f32::INFINITY.to_bits()));
        best[i] = if d < f32::INFINITY { d } else { f32::INFINITY };
        start[i] = s as u32;
        count[i] = n as u32;
        active[n_active] = i as u32;
        n_active += usize::from(n > 1);
    }

    // Pass k: the k-th partner of the records that have one; compacted in place.
    let mut k = 1u32;
    while n_active > 0 {
        let mut next = 0usize;
        for r in 0..n_active {
            let i = active[r] as usize;
            let j = (start[i] + k) as usize;
            let d = delta_r2_f32(a_eta[i], b_eta[j], a_phi[i], b_phi[j]);
            let cur = best[i];
            best[i] = if d < cur { d } else { cur };
            // next <= r: the write never passes the read.
            active[next] = i as u32;
            next += usize::from(count[i] > k + 1);
        }
        n_active = next;
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain way: a loop per event, per record, per partner.
    fn plain(a: Records, b: Records) -> Vec<f32> {
        let mut out = Vec::new();
        for e in 0..a.offsets.len() - 1 {
            for i in a.offsets[e] as usize..a.offsets[e + 1] as usize {
                let mut best = f32::INFINITY;
                for j in b.offsets[e] as usize..b.offsets[e + 1] as usize {
                    let d = delta_r2_f32(a.eta[i], b.eta[j], a.phi[i], b.phi[j]);
                    if d < best {
                        best = d;
                    }
                }
                out.push(best.sqrt());
            }
        }
        out
    }

    /// Events with 0 to `most` records (empty ones more often), angles with a few NaN, ±∞
    /// and values beyond ±2π (where `fmod` matters).
    fn sample(events: usize, most: u64, seed: u64) -> (Vec<i64>, Vec<f32>, Vec<f32>) {
        let mut s = seed;
        let mut next = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut off, mut eta, mut phi) = (vec![0i64], Vec::new(), Vec::new());
        for _ in 0..events {
            let n = if next() < 0.5 {
                0
            } else {
                (next() * (most + 1) as f64) as u64
            };
            for _ in 0..n {
                let odd = next();
                eta.push(match odd {
                    x if x < 0.01 => f32::NAN,
                    x if x < 0.015 => f32::NEG_INFINITY,
                    _ => (-3.0 + 6.0 * next()) as f32,
                });
                phi.push(match odd {
                    x if x > 0.99 => f32::NAN,
                    x if x > 0.97 => (-20.0 + 40.0 * next()) as f32,
                    _ => ((next() - 0.5) * std::f64::consts::TAU) as f32,
                });
            }
            off.push(eta.len() as i64);
        }
        (off, eta, phi)
    }

    fn records<'a>(s: &'a (Vec<i64>, Vec<f32>, Vec<f32>)) -> Records<'a> {
        Records {
            offsets: &s.0,
            eta: &s.1,
            phi: &s.2,
        }
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn every_record_gets_what_the_loop_per_event_gives() {
        for (most_a, most_b, seed) in [(5, 3, 1), (2, 1, 2), (1, 8, 3), (12, 40, 4), (3, 0, 5)] {
            let (sa, sb) = (sample(3000, most_a, seed), sample(3000, most_b, seed + 100));
            let (a, b) = (records(&sa), records(&sb));
            let mut got = vec![-1.0f32];
            min_delta_r_f32(a, b, &mut got).unwrap();
            assert_eq!(got[0], -1.0, "what was there stays");
            assert_eq!(bits(&got[1..]), bits(&plain(a, b)), "{most_a} {most_b}");
        }
    }

    #[test]
    fn offsets_not_from_zero_and_empty_collections() {
        // `a` and `b` each a window of a longer collection (offsets from 2 and from 1).
        let (sa, sb) = (sample(500, 4, 7), sample(500, 3, 8));
        let shift = |s: &(Vec<i64>, Vec<f32>, Vec<f32>), by: usize| {
            let mut t = s.clone();
            t.0.iter_mut().for_each(|o| *o += by as i64);
            t.1.splice(0..0, std::iter::repeat_n(9.0, by));
            t.2.splice(0..0, std::iter::repeat_n(9.0, by));
            t
        };
        let (ta, tb) = (shift(&sa, 2), shift(&sb, 1));
        let mut got = Vec::new();
        min_delta_r_f32(records(&ta), records(&tb), &mut got).unwrap();
        assert_eq!(bits(&got), bits(&plain(records(&sa), records(&sb))));
        // No partner anywhere: ∞ for every record; no record: nothing.
        let none = (vec![0i64; 501], vec![], vec![]);
        got.clear();
        min_delta_r_f32(records(&sa), records(&none), &mut got).unwrap();
        assert_eq!(got.len(), sa.1.len());
        assert!(got.iter().all(|x| *x == f32::INFINITY));
        got.clear();
        min_delta_r_f32(records(&none), records(&sb), &mut got).unwrap();
        assert!(got.is_empty());
    }

    #[test]
    fn bad_offsets_are_refused_and_append_nothing() {
        let (sa, sb) = (sample(50, 4, 9), sample(50, 3, 10));
        let mut got = vec![1.0];
        let mut check = |a: Records, b: Records| {
            assert_eq!(min_delta_r_f32(a, b, &mut got), None);
            assert_eq!(got, [1.0]);
        };
        let short = &sa.0[..40];
        check(
            Records {
                offsets: short,
                ..records(&sa)
            },
            records(&sb),
        );
        let mut back = sb.0.clone();
        back[20] = back[21] + 1;
        check(
            records(&sa),
            Records {
                offsets: &back,
                ..records(&sb)
            },
        );
        let mut past = sa.0.clone();
        *past.last_mut().unwrap() += 1;
        check(
            Records {
                offsets: &past,
                ..records(&sa)
            },
            records(&sb),
        );
        let negative = vec![-1i64; 51];
        check(
            Records {
                offsets: &negative,
                ..records(&sa)
            },
            records(&sb),
        );
        check(
            Records {
                offsets: &[],
                ..records(&sa)
            },
            Records {
                offsets: &[],
                ..records(&sb)
            },
        );
    }
}

//! `min_delta_r(a, b)`: for each record of `a`, the smallest ΔR to a record of `b` in the same
//! event (∞ with none; a NaN ΔR is never the smallest), in single precision as
//! `ROOT::VecOps::DeltaR<float>` computes each pair ([`crate::angles::delta_r2_f32`]).
//!
//! **Why not a loop per event.** After a cut (`Jet[Jet.pt > 30]` against `Muon[Muon.pt > 10]`)
//! most events have no record of `a` and zero, one or two of `b` (ADL q7 on NanoAOD: no hard jet
//! in 62 % of events, no electron in 89 %). A loop per event then spends its time on branches
//! that depend on the data — is `a` empty, how many partners — mispredicted about once per
//! event, more than the arithmetic of the pairs. Here nothing branches per event or per record:
//! each record learns its event from one store per event and a running maximum, one pass over
//! the records notes where their partners start, how many there are and which records have
//! any, and the pairs are taken in passes — the first partner of the records that have one,
//! then the second of those that have two, and so on — each record's next partner read at its
//! event's offset plus the pass number, the records still in play compacted by their count of
//! partners. The work is the number of pairs plus one step per record and per event, whatever
//! the events' sizes.
//!
//! A record without a partner costs only its step of bookkeeping: no ΔR is computed for it (before
//! 2026-12-07 the first pass computed one for every record and masked it to ∞ — most of the work
//! against electrons, which 89 % of q7's events lack). With that, and only the event numbers zeroed
//! in the scratch space rather than all of it, `cargo bench -p columnar --bench nearest` (100 000
//! events of q7-like jets, Intel Xeon with AVX-512) went 490 → 422 µs against muons and 421 →
//! 271 µs against electrons, and ADL q7 on the 5 M-event lz4 file (paired runs, best / median of 9, the
//! same histogram) 0.352 / 0.363 → 0.339 / 0.352 s.
//!
//! Where the CPU has AVX-512, the records' events, their partners and the pairs of each pass go
//! sixteen records at a time (`nearest_avx512.rs`: gathers, a prefix maximum, compressed stores),
//! the same operations per record, so the same bits (the tests run every case both ways).
//! `cargo bench -p columnar --bench nearest` (Intel Xeon, 2026-12-07): 569 → 289 µs against
//! muons, 383 → 190 µs against electrons; ADL q7 on the 5 M-event lz4 file (paired runs, best /
//! median of 11, the same histogram) 0.361 / 0.366 → 0.343 / 0.347 s.
//!
//! The order in which a record's partners are compared does not matter: the answer is the
//! smallest ΔR² that is not NaN (ΔR² is never −0: a sum of two squares), and the square root,
//! correctly rounded and never decreasing, is taken once of the smallest ΔR² — the same bits
//! as the smallest of the roots (`angles.rs`).

use crate::angles::delta_r2_f32;

/// One collection's records: `offsets` (n + 1 ascending positions delimiting each event's
/// records); record `r`'s angles are `eta[r]` and `phi[r]`, or with an `index`, `eta[index[r]]`
/// and `phi[index[r]]` (the records a cut kept, `Jet[Jet.pt > 30]`, read where the collection's
/// columns hold them instead of copied out first).
#[derive(Clone, Copy, Debug)]
pub struct Records<'a> {
    pub offsets: &'a [i64],
    pub eta: &'a [f32],
    pub phi: &'a [f32],
    pub index: Option<&'a [i64]>,
}

impl Records<'_> {
    /// The first and last position, checked: `offsets` non-empty, ascending, starting at 0 or
    /// above and ending within `eta` and `phi` (within `index`, whose positions in that range
    /// all point into `eta` and `phi`).
    fn bounds(&self) -> Option<(usize, usize)> {
        let (&first, &last) = (self.offsets.first()?, self.offsets.last()?);
        let values = self.eta.len().min(self.phi.len()) as u64;
        let end = self.index.map_or(values, |i| i.len() as u64);
        if first < 0 || last < first || last as u64 > end {
            return None;
        }
        let (first, last) = (first as usize, last as usize);
        let index = self.index.map_or(&[][..], |i| &i[first..last]);
        ascending_and_inside(self.offsets, index, values).then_some((first, last))
    }
}

/// Whether no step of `offsets` goes back and every one of `index` is in `0..values`, in
/// passes without a branch per value (with AVX2 where the CPU has it: without, 64-bit
/// comparisons take several SSE2 instructions each, and these checks took 3 % of ADL q7).
fn ascending_and_inside(offsets: &[i64], index: &[i64], values: u64) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { ascending_and_inside_avx2(offsets, index, values) };
    }
    ascending_and_inside_portable(offsets, index, values)
}

/// [`ascending_and_inside`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn ascending_and_inside_avx2(offsets: &[i64], index: &[i64], values: u64) -> bool {
    ascending_and_inside_portable(offsets, index, values)
}

#[inline(always)]
fn ascending_and_inside_portable(offsets: &[i64], index: &[i64], values: u64) -> bool {
    // As u64, a negative index is huge.
    let outside = index
        .iter()
        .fold(0u8, |bad, &k| bad | u8::from(k as u64 >= values));
    crate::offsets::ascending(offsets) && outside == 0
}

/// For each record of `a` (positions `a.offsets[0]..a.offsets[n]`, in order), the smallest
/// ΔR to a record of `b` in its event, appended to `out`. `None` (nothing appended) when the
/// offsets are not ascending, run past their values, an index points past them, or the two
/// collections have different numbers of events.
pub fn min_delta_r_f32(a: Records, b: Records, out: &mut Vec<f32>) -> Option<()> {
    let ((a_first, a_last), (b_first, b_last)) = (a.bounds()?, b.bounds()?);
    let m = a_last - a_first;
    // Events, records and positions of `b` are noted as u32.
    let fits = |x: usize| u32::try_from(x).is_ok();
    if a.offsets.len() != b.offsets.len() || !fits(a.offsets.len()) || !fits(m) || !fits(b_last) {
        return None;
    }
    let base = out.len();
    // Best ΔR² so far of every record of `a`.
    out.resize(base + m, f32::INFINITY);
    if m == 0 || b_last == b_first {
        return Some(());
    }
    let best = &mut out[base..];

    SCRATCH.with_borrow_mut(|scratch| {
        // Only `event` is read before it is written (zeros, see `passes`): the rest keeps
        // whatever an earlier call left (zeroing all of it was a tenth of this function).
        if scratch.len() < 4 * m + 1 {
            scratch.resize(4 * m + 1, 0);
        }
        let (event, rest) = scratch.split_at_mut(m + 1);
        event.fill(0);
        let (start, rest) = rest.split_at_mut(m);
        let (count, active) = rest.split_at_mut(m);
        let work = Work {
            event,
            start,
            count,
            active,
            best,
        };
        let (ao, bo) = (a.offsets, b.offsets);
        // `$passes` with the angles as each collection holds them (`$plain` or `$indexed`):
        // one loop for each way, no test per access.
        macro_rules! by_layout {
            ($passes:ident, $plain:ident, $indexed:ident) => {{
                let (pa, pb) = ($plain(a.eta, a.phi), $plain(b.eta, b.phi));
                match (a.index, b.index) {
                    (None, None) => $passes(ao, bo, a_first, pa, pb, work),
                    (Some(i), None) => {
                        $passes(ao, bo, a_first, $indexed(i, a.eta, a.phi), pb, work)
                    }
                    (None, Some(j)) => {
                        $passes(ao, bo, a_first, pa, $indexed(j, b.eta, b.phi), work)
                    }
                    (Some(i), Some(j)) => $passes(
                        ao,
                        bo,
                        a_first,
                        $indexed(i, a.eta, a.phi),
                        $indexed(j, b.eta, b.phi),
                        work,
                    ),
                }
            }};
        }
        #[cfg(target_arch = "x86_64")]
        if vector_lanes(&a, &b) {
            use crate::nearest_avx512::{Indexed as I, Plain as P};
            // SAFETY: the CPU has AVX-512F and POPCNT, and every column is shorter than 2³¹
            // (`vector_lanes`); the bounds are checked above, as the scalar passes need.
            unsafe { by_layout!(passes_avx512, P, I) };
            return;
        }
        by_layout!(passes, Plain, Indexed)
    });
    for x in best.iter_mut() {
        *x = x.sqrt();
    }
    Some(())
}

/// The first step of each record's event: the event whose records start at a position stores
/// its number there (empty events before it store theirs first and are overwritten: the store
/// of the last event to start at a position wins); the records after it take the running
/// maximum of these, done by the caller.
fn note_event_starts(a_offsets: &[i64], a_first: usize, event: &mut [u32]) {
    for (e, &o) in a_offsets.iter().enumerate() {
        // In bounds: a_first <= o <= a_first + m and `event` holds m + 1 (ascending, checked).
        event[o as usize - a_first] = e as u32;
    }
}

/// Whether the passes can run sixteen records at a time ([`crate::nearest_avx512`]): the CPU
/// has AVX-512F and POPCNT, and every column of both collections (offsets included) is shorter
/// than 2³¹ (positions and events are gathered as 32-bit integers).
#[cfg(target_arch = "x86_64")]
fn vector_lanes(a: &Records, b: &Records) -> bool {
    let short = |r: &Records| {
        let most = (r.eta.len().max(r.phi.len()))
            .max(r.index.map_or(0, <[i64]>::len))
            .max(r.offsets.len());
        most < 1 << 31
    };
    #[cfg(test)]
    if tests::SCALAR_ONLY.get() {
        return false;
    }
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("popcnt")
        && short(a)
        && short(b)
}

/// [`passes`] with the records' events, partners and pairs taken sixteen at a time.
///
/// # Safety
/// As [`passes`], and [`vector_lanes`] holds for the two collections.
#[cfg(target_arch = "x86_64")]
unsafe fn passes_avx512(
    a_offsets: &[i64],
    b_offsets: &[i64],
    a_first: usize,
    a: impl crate::nearest_avx512::Gather16,
    b: impl crate::nearest_avx512::Gather16,
    w: Work,
) {
    use crate::nearest_avx512 as v;
    let Work {
        event,
        start,
        count,
        active,
        best,
    } = w;
    let m = best.len();
    note_event_starts(a_offsets, a_first, event);
    // SAFETY: the caller's promises: the CPU has AVX-512F and POPCNT; each record's event is
    // one with records (below `a_offsets.len() - 1`, and `b_offsets` has as many); offsets,
    // positions and indices are checked and below 2³¹; each slice holds `m` values or more.
    unsafe {
        v::running_max(&mut event[..m]);
        let n_active = v::partners(b_offsets, event, start, count, active, m);
        v::pair_passes(&a, &b, a_first, start, count, best, active, n_active);
    }
}

thread_local! {
    /// Per record of `a`: its event, its partners' start and count, the records in play.
    static SCRATCH: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A record's (η, φ) by its position.
trait Angles {
    fn at(&self, r: usize) -> (f32, f32);
}

/// The angles in order: record `r` at `r`.
struct Plain<'a>(&'a [f32], &'a [f32]);

impl Angles for Plain<'_> {
    #[inline(always)]
    fn at(&self, r: usize) -> (f32, f32) {
        (self.0[r], self.1[r])
    }
}

/// The angles through an index: record `r` at `index[r]` (checked by [`Records::bounds`]).
struct Indexed<'a>(&'a [i64], &'a [f32], &'a [f32]);

impl Angles for Indexed<'_> {
    #[inline(always)]
    fn at(&self, r: usize) -> (f32, f32) {
        let k = self.0[r] as usize;
        (self.1[k], self.2[k])
    }
}

/// What [`passes`] works in: per record of `a` (m of each; `event` m + 1, zeros), its event,
/// its partners' start and count, the records in play, and its smallest ΔR² (∞ before).
struct Work<'w> {
    event: &'w mut [u32],
    start: &'w mut [u32],
    count: &'w mut [u32],
    active: &'w mut [u32],
    /// ∞ on entry (`min_delta_r_f32` fills the output with it), lowered pass by pass.
    best: &'w mut [f32],
}

/// The smallest ΔR² of each record of `a` (positions `a_first..a_first + m`) into `best`.
/// The bounds are checked by the caller.
fn passes(
    a_offsets: &[i64],
    b_offsets: &[i64],
    a_first: usize,
    a: impl Angles,
    b: impl Angles,
    w: Work,
) {
    let Work {
        event,
        start,
        count,
        active,
        best,
    } = w;
    let m = best.len();
    note_event_starts(a_offsets, a_first, event);
    let mut running = 0u32;
    for x in &mut event[..m] {
        running = running.max(*x);
        *x = running;
    }

    // Over every record in order: where its partners start and how many there are, and the
    // records with a partner noted in `active` (a select moves the cursor, not a branch). No
    // ΔR here: a record without a partner (most, against electrons) costs only this.
    let mut n_active = 0usize;
    for i in 0..m {
        let e = event[i] as usize;
        // In bounds: e < a_offsets.len() - 1 (a record's event is one with records), and
        // both collections have as many offsets.
        let (s, t) = (b_offsets[e] as usize, b_offsets[e + 1] as usize);
        let n = t - s;
        start[i] = s as u32;
        count[i] = n as u32;
        active[n_active] = i as u32;
        n_active += usize::from(n > 0);
    }

    // Pass k: the k-th partner of the records that have one; compacted in place.
    let mut k = 0u32;
    while n_active > 0 {
        let mut next = 0usize;
        for r in 0..n_active {
            let i = active[r] as usize;
            let j = (start[i] + k) as usize;
            let ((ae, ap), (be, bp)) = (a.at(a_first + i), b.at(j));
            let d = delta_r2_f32(ae, be, ap, bp);
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
    use std::cell::Cell;

    thread_local! {
        /// Whether this test thread's calls take the scalar passes whatever the CPU has.
        pub(super) static SCALAR_ONLY: Cell<bool> = const { Cell::new(false) };
    }

    /// [`super::min_delta_r_f32`] on the scalar passes and on the vector ones where the CPU has
    /// them: both give the same answer (the same bits), which is returned.
    fn min_delta_r_f32(a: Records, b: Records, out: &mut Vec<f32>) -> Option<()> {
        let mut scalar = out.clone();
        SCALAR_ONLY.set(true);
        let want = super::min_delta_r_f32(a, b, &mut scalar);
        SCALAR_ONLY.set(false);
        let got = super::min_delta_r_f32(a, b, out);
        assert_eq!(got, want, "the same refusal");
        assert_eq!(bits(out), bits(&scalar), "the same values");
        got
    }

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
            index: None,
        }
    }

    /// `s`'s records hidden among others: the angles of a larger collection (each record of
    /// `s` after 0–2 decoys, in a shuffled order per event) and the index of `s`'s records in
    /// it, as a cut's records are.
    fn hidden(s: &(Vec<i64>, Vec<f32>, Vec<f32>), seed: u64) -> (Vec<f32>, Vec<f32>, Vec<i64>) {
        let mut x = seed;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        let (mut eta, mut phi, mut index) = (Vec::new(), Vec::new(), Vec::new());
        for e in 0..s.0.len() - 1 {
            let (lo, hi) = (s.0[e] as usize, s.0[e + 1] as usize);
            // Decoys first, then the event's records in reverse when the draw says so.
            for _ in 0..next() % 3 {
                eta.push(-7.0);
                phi.push(1.5);
            }
            let reverse = next() % 2 == 0;
            let base = eta.len();
            for r in lo..hi {
                let from = if reverse { hi - 1 - (r - lo) } else { r };
                eta.push(s.1[from]);
                phi.push(s.2[from]);
            }
            for r in lo..hi {
                let at = if reverse { hi - 1 - r } else { r - lo };
                index.push((base + at) as i64);
            }
        }
        (eta, phi, index)
    }

    #[test]
    fn records_through_an_index_give_what_the_copied_records_give() {
        for (most_a, most_b, seed) in [(5, 3, 11), (2, 1, 12), (12, 40, 14), (3, 0, 15)] {
            let (sa, sb) = (sample(2000, most_a, seed), sample(2000, most_b, seed + 100));
            let (ha, hb) = (hidden(&sa, seed), hidden(&sb, seed + 1));
            fn through<'a>(
                h: &'a (Vec<f32>, Vec<f32>, Vec<i64>),
                s: &'a (Vec<i64>, Vec<f32>, Vec<f32>),
            ) -> Records<'a> {
                Records {
                    offsets: &s.0,
                    eta: &h.0,
                    phi: &h.1,
                    index: Some(&h.2),
                }
            }
            // Built from the copies, the index really points at other positions.
            assert_ne!(ha.2, (0..sa.1.len() as i64).collect::<Vec<_>>());
            let want = bits(&plain(records(&sa), records(&sb)));
            for (a, b) in [
                (through(&ha, &sa), records(&sb)),
                (records(&sa), through(&hb, &sb)),
                (through(&ha, &sa), through(&hb, &sb)),
            ] {
                let mut got = Vec::new();
                min_delta_r_f32(a, b, &mut got).unwrap();
                assert_eq!(bits(&got), want, "{most_a} {most_b}");
            }
        }
    }

    #[test]
    fn an_index_outside_the_values_is_refused() {
        let (sa, sb) = (sample(200, 4, 21), sample(200, 3, 22));
        let h = hidden(&sa, 23);
        for bad in [-1i64, h.0.len() as i64, i64::MAX, i64::MIN] {
            let mut index = h.2.clone();
            let mid = index.len() / 2;
            index[mid] = bad;
            let a = Records {
                offsets: &sa.0,
                eta: &h.0,
                phi: &h.1,
                index: Some(&index),
            };
            let mut got = vec![1.0];
            assert_eq!(min_delta_r_f32(a, records(&sb), &mut got), None, "{bad}");
            assert_eq!(min_delta_r_f32(records(&sb), a, &mut got), None, "{bad}");
            assert_eq!(got, [1.0]);
        }
        // An index shorter than the offsets' last position.
        let a = Records {
            offsets: &sa.0,
            eta: &h.0,
            phi: &h.1,
            index: Some(&h.2[..h.2.len() - 1]),
        };
        assert_eq!(min_delta_r_f32(a, records(&sb), &mut Vec::new()), None);
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

//! Masks of jagged lists: `Jet[Jet.pt > 30]` keeps, event by event, the elements whose mask is
//! true. Nothing branches on the data: a mask of measured jets is true about half the time and
//! lists have varying lengths, so a branch per element (or a loop per list) mispredicts about
//! once per element (or list). With AVX-512 (runtime detection) the kept positions are
//! compressed eight at a time and each list's kept offset comes from a count noted per eight
//! (eight lists at a time where the CPU counts bits in vector lanes);
//! otherwise one flat loop writes every position and advances the write cursor by the mask
//! bit, and each list's count of kept elements comes from its mask bytes read 8 at a time.

/// The positions (into the flattened values) that `keep` selects from the lists delimited by
/// `offsets` (n + 1 ascending positions; `keep` indexed by position, as long as the last
/// offset), appended to `positions`, and the offsets of the kept lists (n + 1, from 0),
/// appended to `kept_offsets`. `None` when `offsets` is not ascending or runs past `keep`.
pub fn masked_positions(
    offsets: &[i64],
    keep: &[bool],
    positions: &mut Vec<i64>,
    kept_offsets: &mut Vec<i64>,
) -> Option<()> {
    masked::<true>(offsets, keep, positions, kept_offsets)
}

/// The offsets of the kept lists alone, as [`masked_positions`] gives them (appended to
/// `kept_offsets`), without the kept positions: for a caller that compresses the kept elements
/// out of the values itself (`columnar::select`). `None` as for [`masked_positions`].
pub fn kept_offsets(offsets: &[i64], keep: &[bool], kept_offsets: &mut Vec<i64>) -> Option<()> {
    masked::<false>(offsets, keep, &mut Vec::new(), kept_offsets)
}

/// [`masked_positions`], with the positions written only where `POSITIONS`.
fn masked<const POSITIONS: bool>(
    offsets: &[i64],
    keep: &[bool],
    positions: &mut Vec<i64>,
    kept_offsets: &mut Vec<i64>,
) -> Option<()> {
    let (&first, &last) = (offsets.first()?, offsets.last()?);
    if first < 0 || last < first || last as u64 > keep.len() as u64 {
        return None;
    }
    let (first, last) = (first as usize, last as usize);
    #[cfg(target_arch = "x86_64")]
    if last - first >= 16 && has_avx512() {
        // SAFETY: the CPU has the features (checked just above); first <= last <= keep.len().
        return unsafe {
            masked_positions_avx512::<POSITIONS>(
                offsets,
                &keep[..last],
                first,
                positions,
                kept_offsets,
            )
        };
    }
    masked_positions_portable::<POSITIONS>(offsets, &keep[..last], first, positions, kept_offsets)
}

/// Whether this CPU runs `masked_positions_avx512`.
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("popcnt")
}

/// `masked_positions` on any CPU, once `offsets` runs from `first` to `keep.len()`.
fn masked_positions_portable<const POSITIONS: bool>(
    offsets: &[i64],
    keep: &[bool],
    first: usize,
    positions: &mut Vec<i64>,
    kept_offsets: &mut Vec<i64>,
) -> Option<()> {
    let last = keep.len();
    // Each list's number of kept elements, from 8 mask bytes at a time: no loop per list,
    // whose varying length would mispredict a branch per list. Offsets that go back or past
    // `last` are refused.
    let kept_base = kept_offsets.len();
    kept_offsets.resize(kept_base + offsets.len(), 0);
    let bytes: &[u8] = bytemuck::cast_slice(keep);
    let mut n = 0i64;
    for (w, o) in offsets.windows(2).zip(&mut kept_offsets[kept_base + 1..]) {
        let (a, b) = (w[0] as usize, w[1] as usize);
        if b < a || b > last {
            kept_offsets.truncate(kept_base);
            return None;
        }
        n += i64::from(count_true(bytes, a, b));
        *o = n;
    }
    if !POSITIONS {
        return Some(());
    }
    // The positions: every one is written, the cursor moves by the mask bit (one flat loop).
    let base = positions.len();
    positions.resize(base + (last - first), 0);
    let out = &mut positions[base..];
    let mut n = 0usize;
    for (j, &k) in keep[first..].iter().enumerate() {
        out[n] = (first + j) as i64;
        n += usize::from(k);
    }
    positions.truncate(base + n);
    Some(())
}

thread_local! {
    /// Per eight mask bytes: the kept count before them (shifted by 8) and their lane mask.
    static CHUNKS: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `masked_positions` with AVX-512: the positions eight mask bytes at a time (their low bits
/// gathered into a lane mask by `pext`, the eight positions compressed to the front of a
/// register and stored whole — not `compressstore`, which is microcoded and slow on AMD's
/// Zen 4), noting for every eight the kept count before them and their lane mask; then each
/// list's kept offset is that count plus a popcount, without touching the mask again.
///
/// # Safety
/// The CPU must have AVX-512F, BMI2 and POPCNT; `first <= keep.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,bmi2,popcnt")]
unsafe fn masked_positions_avx512<const POSITIONS: bool>(
    offsets: &[i64],
    keep: &[bool],
    first: usize,
    positions: &mut Vec<i64>,
    kept_offsets: &mut Vec<i64>,
) -> Option<()> {
    use std::arch::x86_64::*;
    let last = keep.len();
    let bytes: &[u8] = bytemuck::cast_slice(&keep[first..]);
    let base = positions.len();
    // Written into reserved room, not a zero-filled one: every position before the final
    // length is written (whole vectors, then one at a time).
    if POSITIONS {
        positions.reserve(bytes.len());
    }
    CHUNKS.with_borrow_mut(|chunks| {
        let out = positions.as_mut_ptr().add(base);
        chunks.clear();
        chunks.resize(bytes.len() / 8 + 2, 0);
        let mut lanes = _mm512_add_epi64(
            _mm512_set1_epi64(first as i64),
            _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7),
        );
        let eight = _mm512_set1_epi64(8);
        let mut n = 0usize;
        let whole = bytes.len() / 8;
        for (c, word) in bytes.chunks_exact(8).enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            // Bytes of 0 or 1: bit 0 of each is the lane's bit.
            let k = _pext_u64(u64::from_le_bytes(w), 0x0101_0101_0101_0101);
            chunks[c] = ((n as u64) << 8) | k;
            if POSITIONS {
                let kept = _mm512_maskz_compress_epi64(k as __mmask8, lanes);
                // In the reserved room: n <= 8 c, so n + 8 <= 8 c + 8 <= bytes.len().
                _mm512_storeu_si512(out.add(n).cast(), kept);
                lanes = _mm512_add_epi64(lanes, eight);
            }
            n += k.count_ones() as usize;
        }
        // The last few (fewer than eight) one at a time.
        let mut k = 0u64;
        let tail_start = n;
        for (i, &b) in bytes[whole * 8..].iter().enumerate() {
            if POSITIONS {
                // In the reserved room: n <= 8 whole + i < bytes.len().
                out.add(n).write((first + whole * 8 + i) as i64);
            }
            n += usize::from(b);
            k |= u64::from(b) << i;
        }
        chunks[whole] = ((tail_start as u64) << 8) | k;
        chunks[whole + 1] = (n as u64) << 8;
        if POSITIONS {
            // SAFETY: the n positions from base are written.
            positions.set_len(base + n);
        }
        // Each list's kept offset: the kept count before its end, eight lists at a time where
        // the CPU counts bits in vector lanes (`avx512vpopcntdq`).
        let kept_base = kept_offsets.len();
        kept_offsets.reserve(offsets.len());
        let dst = kept_offsets.as_mut_ptr().add(kept_base);
        // SAFETY: `offsets.len()` values from `dst` are reserved just above.
        dst.write(0);
        let ok = if has_vpopcnt() {
            // SAFETY: the CPU has the features; room for offsets.len() - 1 values at dst + 1.
            kept_before_ends_avx512(offsets, first, last, chunks, dst.add(1))
        } else {
            kept_before_ends(offsets, first, last, chunks, 0, dst.add(1))
        };
        if !ok {
            if POSITIONS {
                positions.truncate(base);
            }
            return None;
        }
        // SAFETY: all offsets.len() values from kept_base are written (ok).
        kept_offsets.set_len(kept_base + offsets.len());
        Some(())
    })
}

/// Whether this CPU counts bits in AVX-512 lanes (`kept_before_ends_avx512`).
#[cfg(target_arch = "x86_64")]
fn has_vpopcnt() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
}

/// The kept count before each list's end `offsets[i]` (i from `from + 1`, relative to
/// `first`), written to `out[i - 1]`, from `chunks` (per eight mask bytes: the kept count before
/// them, shifted by 8, and their lane mask). `false` at the first end that goes back or past
/// `last` (what was written before it stays; the caller drops it).
///
/// # Safety
/// `out` has room for `offsets.len() - 1` values; `chunks` covers `(last - first) / 8 + 1`.
#[cfg(target_arch = "x86_64")]
unsafe fn kept_before_ends(
    offsets: &[i64],
    first: usize,
    last: usize,
    chunks: &[u64],
    from: usize,
    out: *mut i64,
) -> bool {
    let mut previous = offsets.get(from).map_or(first, |&o| o as usize);
    for (i, &o) in offsets.iter().enumerate().skip(from + 1) {
        let b = o as usize;
        if b < previous || b > last {
            return false;
        }
        let x = b - first;
        let c = chunks[x / 8];
        let kept = (c >> 8) + u64::from((c as u8 & ((1u16 << (x % 8)) - 1) as u8).count_ones());
        out.add(i - 1).write(kept as i64);
        previous = b;
    }
    true
}

/// [`kept_before_ends`] eight lists at a time: each end's chunk gathered (only for ends within
/// `first..=last`, so no read outside `chunks`), the mask bits before it counted in the lane.
///
/// # Safety
/// As [`kept_before_ends`]; the CPU must have AVX-512F and AVX512-VPOPCNTDQ.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
unsafe fn kept_before_ends_avx512(
    offsets: &[i64],
    first: usize,
    last: usize,
    chunks: &[u64],
    out: *mut i64,
) -> bool {
    use std::arch::x86_64::*;
    let ends = &offsets[1..];
    let whole = ends.len() / 8;
    let (lo, hi) = (
        _mm512_set1_epi64(first as i64),
        _mm512_set1_epi64(last as i64),
    );
    let (one, seven) = (_mm512_set1_epi64(1), _mm512_set1_epi64(7));
    let mut bad: __mmask8 = 0;
    for c in 0..whole {
        // The eight ends and the eight values before them (the starts of their lists).
        let b = _mm512_loadu_si512(ends.as_ptr().add(8 * c).cast());
        let a = _mm512_loadu_si512(offsets.as_ptr().add(8 * c).cast());
        let inside = _mm512_cmpge_epi64_mask(b, lo) & _mm512_cmple_epi64_mask(b, hi);
        bad |= _mm512_cmplt_epi64_mask(b, a) | !inside;
        let x = _mm512_sub_epi64(b, lo);
        // In bounds: for lanes inside, x / 8 <= (last - first) / 8 < chunks.len().
        let chunk = _mm512_mask_i64gather_epi64::<8>(
            _mm512_setzero_si512(),
            inside,
            _mm512_srli_epi64::<3>(x),
            chunks.as_ptr().cast(),
        );
        let below = _mm512_sub_epi64(_mm512_sllv_epi64(one, _mm512_and_si512(x, seven)), one);
        let kept = _mm512_add_epi64(
            _mm512_srli_epi64::<8>(chunk),
            _mm512_popcnt_epi64(_mm512_and_si512(chunk, below)),
        );
        _mm512_storeu_si512(out.add(8 * c).cast(), kept);
    }
    bad == 0 && kept_before_ends(offsets, first, last, chunks, 8 * whole, out)
}

/// The number of true values (bytes of 0 or 1) in `bytes[a..b]` (`a <= b <= bytes.len()`).
#[inline]
fn count_true(bytes: &[u8], a: usize, b: usize) -> u32 {
    let len = b - a;
    match bytes.get(a..a + 8) {
        Some(word) if len <= 8 => {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            let x = u64::from_le_bytes(w);
            let mask = if len == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * len)) - 1
            };
            // Bytes of 0 or 1: their sum (at most 8) gathers in the top byte.
            ((x & mask).wrapping_mul(0x0101_0101_0101_0101) >> 56) as u32
        }
        _ => bytes[a..b].iter().map(|&x| u32::from(x)).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain way: a branch per element.
    fn plain(offsets: &[i64], keep: &[bool]) -> (Vec<i64>, Vec<i64>) {
        let mut positions = Vec::new();
        let mut kept = vec![0];
        for w in offsets.windows(2) {
            for j in w[0]..w[1] {
                if keep[j as usize] {
                    positions.push(j);
                }
            }
            kept.push(positions.len() as i64);
        }
        (positions, kept)
    }

    /// A path's answer: the kept positions and offsets, or a refusal.
    type Answer = Option<(Vec<i64>, Vec<i64>)>;

    /// One path, writing into the vectors it is given.
    type Path<'a> = &'a dyn Fn(&mut Vec<i64>, &mut Vec<i64>) -> Option<()>;

    /// What every path this CPU has gives, appended after a few values already there.
    fn every_path(offsets: &[i64], keep: &[bool]) -> Vec<(&'static str, Answer)> {
        let run = |f: Path| {
            let (mut p, mut o) = (vec![-7, -8], vec![-9]);
            let r = f(&mut p, &mut o);
            match r {
                // What was there stays; the rest is the answer.
                Some(()) => {
                    assert_eq!((&p[..2], &o[..1]), (&[-7, -8][..], &[-9][..]));
                    Some((p[2..].to_vec(), o[1..].to_vec()))
                }
                None => {
                    assert_eq!((p.len(), o.len()), (2, 1), "a refusal appends nothing");
                    None
                }
            }
        };
        let mut paths = vec![(
            "dispatched",
            run(&|p, o| masked_positions(offsets, keep, p, o)),
        )];
        let valid = offsets
            .first()
            .zip(offsets.last())
            .filter(|(&f, &l)| f >= 0 && l >= f && l as usize <= keep.len());
        if let Some((&first, &last)) = valid {
            let (first, keep) = (first as usize, &keep[..last as usize]);
            paths.push((
                "portable",
                run(&|p, o| masked_positions_portable::<true>(offsets, keep, first, p, o)),
            ));
            #[cfg(target_arch = "x86_64")]
            if has_avx512() {
                paths.push((
                    "avx512",
                    // SAFETY: checked just above; first <= keep.len().
                    run(&|p, o| unsafe {
                        masked_positions_avx512::<true>(offsets, keep, first, p, o)
                    }),
                ));
            }
        }
        paths
    }

    #[test]
    fn masks_as_a_branch_per_element_does() {
        let mut rng = crate::test_rng::Xorshift(99);
        let mut next = move || rng.bits();
        // Lists of up to 8 elements (counted 8 mask bytes at a time) and longer ones; few
        // lists (less than 8 or 16 values: the short paths) and many; starts not a multiple of 8.
        for lists in [0usize, 1, 2, 3, 5, 7, 40, 2000] {
            for (start, longest) in [(0i64, 8), (3, 8), (0, 20), (5, 30), (9, 1)] {
                let mut offsets = vec![start];
                for _ in 0..lists {
                    let len = (next() % (longest + 1)) as i64;
                    offsets.push(offsets.last().unwrap() + len);
                }
                // Mask values past the last offset are not read.
                let total = *offsets.last().unwrap() as usize + (next() % 3) as usize;
                for density in [0u64, 1, 2, 4] {
                    let keep: Vec<bool> = (0..total)
                        .map(|_| density > 0 && next() % 4 < density)
                        .collect();
                    let want = plain(&offsets, &keep);
                    for (path, got) in every_path(&offsets, &keep) {
                        assert_eq!(
                            got.as_ref(),
                            Some(&want),
                            "{path}: {lists} lists, start {start}, longest {longest}, density {density}"
                        );
                    }
                }
            }
        }
    }

    /// The kept offsets alone, on every path, are those that come with the positions, and
    /// refused where they are; the positions' vector is not touched.
    #[test]
    fn kept_offsets_alone_as_with_the_positions() {
        let mut rng = crate::test_rng::Xorshift(7);
        let mut next = move || rng.bits();
        for lists in [0usize, 1, 3, 7, 40, 2000] {
            for (start, longest) in [(0i64, 8), (3, 8), (5, 30)] {
                let mut offsets = vec![start];
                for _ in 0..lists {
                    let len = (next() % (longest + 1)) as i64;
                    offsets.push(offsets.last().unwrap() + len);
                }
                if lists == 40 && longest == 30 {
                    offsets[20] = offsets[19] - 1;
                }
                let total = *offsets.last().unwrap() as usize + (next() % 3) as usize;
                for density in [0u64, 1, 3] {
                    let keep: Vec<bool> = (0..total)
                        .map(|_| density > 0 && next() % 4 < density)
                        .collect();
                    let mut want = vec![-1];
                    let ok = masked_positions(&offsets, &keep, &mut Vec::new(), &mut want);
                    let mut paths: Vec<(&str, Vec<i64>, Option<()>)> = Vec::new();
                    let mut o = vec![-1];
                    let r = kept_offsets(&offsets, &keep, &mut o);
                    paths.push(("dispatched", o, r));
                    let (first, last) = (offsets[0] as usize, *offsets.last().unwrap() as usize);
                    let mut unused = Vec::new();
                    let mut o = vec![-1];
                    let r = masked_positions_portable::<false>(
                        &offsets,
                        &keep[..last],
                        first,
                        &mut unused,
                        &mut o,
                    );
                    paths.push(("portable", o, r));
                    #[cfg(target_arch = "x86_64")]
                    if has_avx512() && last - first >= 16 {
                        let mut o = vec![-1];
                        // SAFETY: checked just above; first <= last <= keep.len().
                        let r = unsafe {
                            masked_positions_avx512::<false>(
                                &offsets,
                                &keep[..last],
                                first,
                                &mut unused,
                                &mut o,
                            )
                        };
                        paths.push(("avx512", o, r));
                    }
                    assert!(unused.is_empty());
                    for (path, got, r) in paths {
                        assert_eq!(r, ok, "{path}: {lists} lists, refusal");
                        if ok.is_some() {
                            assert_eq!(got, want, "{path}: {lists} lists, density {density}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bad_offsets_are_refused() {
        let keep = [true; 40];
        for bad in [
            &[0, 41][..],
            &[0, 3, 2],
            &[-1, 2],
            &[],
            &[0, 20, 19, 30],
            &[0, 20, 41, 30],
            &[0, 20, -1, 30],
            &[5, 4],
            &[0, 17, 18, 16, 40],
        ] {
            for (path, got) in every_path(bad, &keep) {
                assert_eq!(got, None, "{path}: {bad:?}");
            }
        }
        for (path, got) in every_path(&[2], &keep) {
            assert_eq!(got, Some((vec![], vec![0])), "{path}");
        }
    }
}

//! Checks of list offsets that every kernel taking untrusted offsets makes first.

/// Whether `offsets` never decrease (an empty or one-element slice does not).
///
/// Written as pairs of slices folded with an integer `or`, which the compiler vectorises: a
/// fold of `&` over `windows(2)` ran one offset a cycle, 4 % of ADL q4's profile on lz4.
#[inline(always)]
pub fn ascending<T: PartialOrd>(offsets: &[T]) -> bool {
    let Some(rest) = offsets.get(1..) else {
        return true;
    };
    offsets
        .iter()
        .zip(rest)
        .fold(0u8, |d, (a, b)| d | u8::from(a > b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::ascending;

    #[test]
    fn a_descent_anywhere_is_found() {
        assert!(ascending::<i64>(&[]));
        assert!(ascending(&[5i64]));
        assert!(ascending(&[0i64, 0, 3, 3, 9]));
        for n in 2..70usize {
            let up: Vec<i64> = (0..n as i64).collect();
            assert!(ascending(&up));
            for at in 1..n {
                let mut down = up.clone();
                down[at] = down[at - 1] - 1;
                assert!(!ascending(&down), "descent at {at} of {n}");
            }
        }
        assert!(!ascending(&[3u32, 2]));
    }
}

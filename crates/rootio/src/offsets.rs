//! The list offsets of a jagged column, shareable between columns.
//!
//! ROOT stores a collection's fields as separate branches (`Jet_pt[nJet]`, `Jet_eta[nJet]`,
//! …), each basket with its own table of entry offsets, so every field read gives the same
//! n + 1 list offsets again. Reading on one thread, the reader proves them equal while it
//! decodes them (`tree::same_offsets`) and then hands the fields one array between them: an analysis that reads
//! five jet fields holds one offsets array, not five, and knows they agree by comparing two
//! addresses ([`Offsets::shares`]) instead of the arrays.
//!
//! Mutation is copy-on-write: changing offsets that another column shares gives this column
//! its own copy first, so a column never changes under another one.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// n + 1 list offsets, starting at 0 (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offsets(Arc<Vec<i64>>);

impl Offsets {
    /// Whether `self` and `other` are one array (not merely equal): the columns that hold
    /// them have the same lists in every entry.
    pub fn shares(&self, other: &Offsets) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The offsets as a vector of their own (moved out when no other column shares them).
    pub fn into_vec(self) -> Vec<i64> {
        Arc::unwrap_or_clone(self.0)
    }

    /// Empty these offsets to `[0]` for a new read, keeping the buffer when no other column
    /// shares it (a shared one is let go instead: copying it only to clear it would be
    /// waste).
    pub(crate) fn reset(&mut self) {
        match Arc::get_mut(&mut self.0) {
            Some(v) => {
                v.clear();
                v.push(0);
            }
            None => self.0 = Arc::new(vec![0]),
        }
    }
}

impl Deref for Offsets {
    type Target = Vec<i64>;
    fn deref(&self) -> &Vec<i64> {
        &self.0
    }
}

impl DerefMut for Offsets {
    /// The offsets to change: this column's own (copied first if another column shares them).
    fn deref_mut(&mut self) -> &mut Vec<i64> {
        Arc::make_mut(&mut self.0)
    }
}

impl From<Vec<i64>> for Offsets {
    fn from(v: Vec<i64>) -> Offsets {
        Offsets(Arc::new(v))
    }
}

impl FromIterator<i64> for Offsets {
    fn from_iter<I: IntoIterator<Item = i64>>(iter: I) -> Offsets {
        Offsets(Arc::new(iter.into_iter().collect()))
    }
}

impl PartialEq<Vec<i64>> for Offsets {
    fn eq(&self, other: &Vec<i64>) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<[i64]> for Offsets {
    fn eq(&self, other: &[i64]) -> bool {
        self.0.as_slice() == other
    }
}

impl<const N: usize> PartialEq<[i64; N]> for Offsets {
    fn eq(&self, other: &[i64; N]) -> bool {
        self.0.as_slice() == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_to_shared_offsets_copies_them_first() {
        let a = Offsets::from(vec![0, 2, 3]);
        let mut b = a.clone();
        assert!(a.shares(&b));
        b.push(5);
        assert!(!a.shares(&b));
        assert_eq!(a, vec![0, 2, 3]);
        assert_eq!(b, vec![0, 2, 3, 5]);
    }

    #[test]
    fn reset_keeps_an_unshared_buffer_and_lets_a_shared_one_go() {
        let mut a = Offsets::from(Vec::with_capacity(100));
        a.extend([0, 1, 2]);
        let before = a.as_ptr();
        a.reset();
        assert_eq!(a, vec![0]);
        assert_eq!(a.as_ptr(), before);
        let b = a.clone();
        a.reset();
        assert!(!a.shares(&b));
        assert_eq!(a, vec![0]);
        assert_eq!(b, vec![0]);
    }
}

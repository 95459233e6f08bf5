//! Reusable scratch buffers for column-wise evaluation.

/// A pool of `f64` and `i64` buffers, so that evaluating a chunk of rows allocates only
/// the first time.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    reals: Vec<Vec<f64>>,
    ints: Vec<Vec<i64>>,
    indices: Vec<Vec<u32>>,
}

impl Pool {
    /// A buffer of `len` reals (contents unspecified).
    pub(crate) fn reals(&mut self, len: usize) -> Vec<f64> {
        let mut v = self.reals.pop().unwrap_or_default();
        v.clear();
        v.resize(len, 0.0);
        v
    }

    /// Returns a buffer from [`Pool::reals`].
    pub(crate) fn give_reals(&mut self, v: Vec<f64>) {
        self.reals.push(v);
    }

    /// A buffer of `len` ints (contents unspecified).
    pub(crate) fn ints(&mut self, len: usize) -> Vec<i64> {
        let mut v = self.ints.pop().unwrap_or_default();
        v.clear();
        v.resize(len, 0);
        v
    }

    /// Returns a buffer from [`Pool::ints`].
    pub(crate) fn give_ints(&mut self, v: Vec<i64>) {
        self.ints.push(v);
    }

    /// An empty index buffer.
    pub(crate) fn indices(&mut self) -> Vec<u32> {
        let mut v = self.indices.pop().unwrap_or_default();
        v.clear();
        v
    }

    /// Returns a buffer from [`Pool::indices`].
    pub(crate) fn give_indices(&mut self, v: Vec<u32>) {
        self.indices.push(v);
    }
}

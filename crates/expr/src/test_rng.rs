//! The unit tests' numbers: a small deterministic generator (xorshift64), so that every run of
//! a test draws the same lists, masks and rows.

/// Xorshift64 from a nonzero seed.
pub(crate) struct Xorshift(pub(crate) u64);

impl Xorshift {
    /// The next 64 bits.
    pub(crate) fn bits(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `m`.
    pub(crate) fn below(&mut self, m: u64) -> u64 {
        self.bits() % m
    }
}

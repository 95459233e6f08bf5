//! What several test files share (each uses some of it).
#![allow(dead_code)]

/// A small deterministic generator (xorshift64): uniform numbers in [0, 1).
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Put a collection into `chunk` as NanoAOD stores it: the counter `n{coll}` (unsigned int)
/// and one jagged column `{coll}_{field}` per field, all with `offsets`.
pub fn insert_collection(
    chunk: &mut expr::Chunk,
    coll: &str,
    offsets: &[i64],
    fields: Vec<(&str, rootio::Array)>,
) {
    let counts: Vec<u32> = offsets.windows(2).map(|w| (w[1] - w[0]) as u32).collect();
    chunk
        .columns
        .insert(format!("n{coll}"), rootio::Array::U32(counts));
    for (f, values) in fields {
        chunk.columns.insert(
            format!("{coll}_{f}"),
            rootio::Array::Jagged {
                offsets: offsets.to_vec().into(),
                values: Box::new(values),
            },
        );
    }
}

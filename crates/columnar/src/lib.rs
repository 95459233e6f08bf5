//! hepframe's column kernels: the arithmetic of an analysis, on plain slices, giving the same bits
//! as ROOT computes (`ROOT::VecOps`, `ROOT::Math`) so that every histogram agrees bin for bin.
//!
//! Each kernel has a criterion bench in `benches/` (`cargo bench -p columnar`). Shortcuts that
//! skip work (a cheaper path when an input is in range) are tested bit-identical against the plain
//! formula.

pub mod angles;
pub mod binning;
pub mod broadcast;
pub mod combinations;
pub mod compare;
pub mod concat;
pub mod counts;
pub mod fill_sums;
pub mod fourvec;
pub mod masks;
pub mod mass_bounds;
pub mod nearest;
#[cfg(target_arch = "x86_64")]
mod nearest_avx512;
pub mod offsets;
pub mod ranges;
pub mod select;
pub mod sincos;
#[cfg(target_arch = "x86_64")]
mod sincos_avx512;
mod sincos_ibm;
pub mod sums;
#[cfg(test)]
mod test_rng;
#[cfg(target_arch = "x86_64")]
mod triplet_lanes_avx2;
#[cfg(target_arch = "x86_64")]
mod triplet_lanes_avx512;
#[cfg(target_arch = "x86_64")]
mod triplets_avx2;

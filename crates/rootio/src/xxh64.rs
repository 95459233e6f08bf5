//! XXH64 (seed 0), the checksum ROOT stores before every LZ4 block
//! (`core/lz4/src/ZipLZ4.cxx`), with its main loop in AVX-512 where the CPU has it and runs it
//! faster (see [`avx512_is_faster`]).
//!
//! XXH64 keeps four 64-bit accumulators and feeds them 32 bytes (one "stripe") at a time:
//! `acc = rotl(acc + input·P2, 31)·P1` per lane. In scalar code that is eight 64-bit
//! multiplies a stripe, and the multiplier's throughput bounds it (`xxhash-rust`: 14.5 GB/s on
//! this machine, 8 % of ADL q3's time on the lz4 file). The four lanes fit one 256-bit
//! register, where AVX-512DQ multiplies 64-bit integers (`vpmullq`) and AVX-512F rotates
//! them (`vprolq`): two multiplies a stripe, bound instead by the latency of one lane's chain
//! — 19.0 against 14.5 GB/s on 24 kB blocks, both in one process on an idle machine (1.45×
//! while another build ran). The arithmetic is the same,
//! modulo 2⁶⁴, so the sums are the same: the lanes are merged and the tail and avalanche
//! computed as the reference does (tested against `xxhash-rust` on every length up to 600
//! bytes and on larger inputs). Other CPUs use `xxhash-rust`.

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

/// XXH64 of `data` with seed 0.
pub(crate) fn xxh64(data: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if data.len() >= 32 && avx512_is_faster() {
            // SAFETY: AVX-512F, VL and DQ are present (`avx512_is_faster` checks them).
            return unsafe { xxh64_avx512(data, 0) };
        }
    }
    xxhash_rust::xxh64::xxh64(data, 0)
}

/// Whether this CPU has AVX-512F, VL and DQ and runs [`xxh64_avx512`] faster than
/// `xxhash-rust`'s scalar loop, decided once per process by timing both.
///
/// Both give the same sums; only the speed depends on the CPU, and not the same way
/// everywhere: the AVX-512 loop waits on a 64-bit vector multiply (`vpmullq`) per stripe,
/// one µop of 3 cycles on AMD Zen 4 but three of 15 on Intel's cores. Measured on 700 kB
/// (`tests::timing`): Zen 4 (EPYC, this project's machine until 2026-12-05) 19.0 against
/// 14.5 GB/s, an Intel Xeon with AMX (Sapphire Rapids or later, the machine on 2026-12-06) 7.8
/// against 16.3 GB/s. Timing both once (about
/// 20 µs) picks the faster on whatever CPU the process runs, where a vendor test would guess.
#[cfg(target_arch = "x86_64")]
fn avx512_is_faster() -> bool {
    static FASTER: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FASTER.get_or_init(|| {
        let present = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq");
        if !present {
            return false;
        }
        // 16 kB (in L1/L2), best of 5 alternating rounds of 4 hashes each.
        let data: Vec<u8> = (0..16_384u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let time = |f: &dyn Fn(&[u8]) -> u64| {
            let start = std::time::Instant::now();
            for _ in 0..4 {
                std::hint::black_box(f(std::hint::black_box(&data)));
            }
            start.elapsed()
        };
        let (mut vector, mut scalar) = (std::time::Duration::MAX, std::time::Duration::MAX);
        for _ in 0..5 {
            // SAFETY: AVX-512F, VL and DQ are present (checked above).
            vector = vector.min(time(&|d| unsafe { xxh64_avx512(d, 0) }));
            scalar = scalar.min(time(&|d| xxhash_rust::xxh64::xxh64(d, 0)));
        }
        vector < scalar
    })
}

#[inline(always)]
fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

#[inline(always)]
fn merge_round(acc: u64, lane: u64) -> u64 {
    (acc ^ round(0, lane)).wrapping_mul(P1).wrapping_add(P4)
}

/// The reference's last steps: the bytes after the stripes (8, 4, then 1 at a time) and the
/// avalanche.
fn finalize(mut h: u64, mut rest: &[u8]) -> u64 {
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        h = (h ^ round(0, u64::from_le_bytes(*word)))
            .rotate_left(27)
            .wrapping_mul(P1)
            .wrapping_add(P4);
        rest = tail;
    }
    if let Some((word, tail)) = rest.split_first_chunk::<4>() {
        h = (h ^ u64::from(u32::from_le_bytes(*word)).wrapping_mul(P1))
            .rotate_left(23)
            .wrapping_mul(P2)
            .wrapping_add(P3);
        rest = tail;
    }
    for &b in rest {
        h = (h ^ u64::from(b).wrapping_mul(P5))
            .rotate_left(11)
            .wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

/// XXH64 with the stripes' four lanes in one AVX-512 register (`data` of 32 bytes or more;
/// any length is correct).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq")]
fn xxh64_avx512(data: &[u8], seed: u64) -> u64 {
    use std::arch::x86_64::*;
    let stripes = data.len() / 32;
    let mut h = if stripes == 0 {
        seed.wrapping_add(P5)
    } else {
        let mut acc = _mm256_setr_epi64x(
            seed.wrapping_add(P1).wrapping_add(P2) as i64,
            seed.wrapping_add(P2) as i64,
            seed as i64,
            seed.wrapping_sub(P1) as i64,
        );
        let p1 = _mm256_set1_epi64x(P1 as i64);
        let p2 = _mm256_set1_epi64x(P2 as i64);
        for stripe in data.chunks_exact(32) {
            // SAFETY: `stripe` holds the 32 bytes loaded (unaligned load).
            let x = unsafe { _mm256_loadu_si256(stripe.as_ptr() as *const __m256i) };
            acc = _mm256_add_epi64(acc, _mm256_mullo_epi64(x, p2));
            acc = _mm256_mullo_epi64(_mm256_rol_epi64::<31>(acc), p1);
        }
        let mut v = [0u64; 4];
        // SAFETY: `v` has room for the 32 bytes stored (unaligned store).
        unsafe { _mm256_storeu_si256(v.as_mut_ptr() as *mut __m256i, acc) };
        let h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        v.into_iter().fold(h, merge_round)
    };
    h = h.wrapping_add(data.len() as u64);
    finalize(h, &data[stripes * 32..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize, seed: u64) -> Vec<u8> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 33) as u8
            })
            .collect()
    }

    #[test]
    fn the_checksum_is_xxhash_rusts_for_every_length() {
        let lengths = (0..=600).chain([1000, 4096, 32_000, 100_003, 1 << 20]);
        for (k, len) in lengths.enumerate() {
            let d = bytes(len, k as u64);
            let want = xxhash_rust::xxh64::xxh64(&d, 0);
            assert_eq!(xxh64(&d), want, "length {len}");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512dq")
            {
                for seed in [0u64, 1, 0x9E37_79B1, u64::MAX] {
                    let want = xxhash_rust::xxh64::xxh64(&d, seed);
                    // SAFETY: the features are present (checked just above).
                    assert_eq!(unsafe { xxh64_avx512(&d, seed) }, want, "length {len}");
                }
            }
        }
    }

    /// Both loops' speeds on this CPU (`cargo test -p rootio --release --lib xxh64 --
    /// --ignored --nocapture`), and the choice `avx512_is_faster` makes.
    #[test]
    #[ignore]
    fn timing() {
        for size in [24_000usize, 700_000] {
            let d = bytes(size, 3);
            let reps = 2_000_000_000 / size;
            let speed = |f: &dyn Fn(&[u8]) -> u64| {
                let start = std::time::Instant::now();
                for _ in 0..reps {
                    std::hint::black_box(f(std::hint::black_box(&d)));
                }
                (size * reps) as f64 / start.elapsed().as_secs_f64() / 1e9
            };
            let scalar = speed(&|d| xxhash_rust::xxh64::xxh64(d, 0));
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512dq")
            {
                // SAFETY: the features are present (checked just above).
                let vector = speed(&|d| unsafe { xxh64_avx512(d, 0) });
                println!(
                    "{size} bytes: AVX-512 {vector:.1} GB/s, scalar {scalar:.1} GB/s; chosen: {}",
                    if avx512_is_faster() {
                        "AVX-512"
                    } else {
                        "scalar"
                    }
                );
                continue;
            }
            println!("{size} bytes: scalar {scalar:.1} GB/s");
        }
    }
}

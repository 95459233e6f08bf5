//! Which zlib decoder is fastest for whole-buffer decompression of basket-like data?
//!
//! Compares libdeflate (`libdeflater`, what `rootio::compression` uses) with flate2's zlib-rs
//! backend (`flate2::Decompress`), on 32 KiB and 1 MiB buffers of mixed big-endian float/int
//! data (full-precision floats, and a NanoAOD-like mix with reduced-precision floats and flags)
//! compressed with zlib level 1 (ROOT's default setting 101 = ZLIB level 1) and level 6.
//! It also times `rootio::compression::decompress` end to end (ROOT block header parsing,
//! output zero-fill, thread-local decompressor) to show its overhead over the bare decoder.
//!
//! Run with: `cargo run --release -p rootio --example zlib_decoders`
//! Throughput is reported in MB/s (10^6 bytes) of *uncompressed* output.

use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Basket-like content: big-endian columns interleaved in runs of 256 values, as consecutive
/// baskets of different branches would be. `nano == false`: full-precision floats (exponential
/// pt, uniform eta/phi), small counts, event numbers and f64 weights — hard to compress.
/// `nano == true`: NanoAOD-style reduced-precision floats (10/8-bit mantissas), charges, bool
/// flags and multiplicities added — closer to typical analysis files.
fn mixed_data(n: usize, seed: u64, nano: bool) -> Vec<u8> {
    let round = |x: f32, bits: u32| {
        if nano {
            f32::from_bits(x.to_bits() & !((1u32 << (23 - bits)) - 1))
        } else {
            x
        }
    };
    let mut rng = XorShift(seed | 1);
    let mut v = Vec::with_capacity(n + 4096);
    let mut event = 1_000_000u64;
    let mut column = 0usize;
    let columns = if nano { 8 } else { 5 };
    while v.len() < n {
        for _ in 0..256 {
            match column % columns {
                0 => {
                    let pt = (-(1.0 - rng.unit()).ln() * 25.0 + 5.0) as f32;
                    v.extend_from_slice(&round(pt, 10).to_be_bytes())
                }
                1 => v.extend_from_slice(&round((rng.unit() * 5.0 - 2.5) as f32, 8).to_be_bytes()),
                2 => {
                    let phi = (rng.unit() * std::f64::consts::TAU - std::f64::consts::PI) as f32;
                    v.extend_from_slice(&round(phi, 8).to_be_bytes())
                }
                3 => v.extend_from_slice(&((rng.next() % 7) as i32).to_be_bytes()),
                4 => {
                    event += 1 + rng.next() % 3;
                    v.extend_from_slice(&event.to_be_bytes());
                    v.extend_from_slice(&(1.0 + (rng.unit() - 0.5) * 0.01).to_be_bytes());
                }
                5 => v.extend_from_slice(
                    &(if rng.next() & 1 == 0 { 1i32 } else { -1 }).to_be_bytes(),
                ),
                6 => v.push(u8::from(rng.next() % 10 < 8)),
                _ => v.extend_from_slice(&((rng.next() % 4) as u32).to_be_bytes()),
            }
        }
        column += 1;
    }
    v.truncate(n);
    v
}

fn zlib(data: &[u8], level: u32) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Best-of-rounds throughput in MB/s of `bytes` produced per call of `f`.
fn measure(bytes: usize, mut f: impl FnMut()) -> f64 {
    // Warm up and calibrate the number of calls per round (~50 ms).
    let t = Instant::now();
    let mut calls = 0u64;
    while t.elapsed() < Duration::from_millis(50) {
        f();
        calls += 1;
    }
    let mut best = f64::INFINITY;
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..calls {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() / calls as f64);
    }
    bytes as f64 / best / 1e6
}

fn main() {
    println!("zlib whole-buffer decompression, MB/s of uncompressed output (best of 7 rounds)");
    println!(
        "{:>9} {:>8} {:>5} {:>7} | {:>11} {:>11} {:>11} | {:>11} {:>11} | {:>9}",
        "data",
        "size",
        "level",
        "ratio",
        "libdeflate",
        "zlib-rs",
        "zlib-rs vec",
        "rootio",
        "rootio vec",
        "memset"
    );
    for (kind, nano) in [("full", false), ("nano", true)] {
        for &size in &[32 * 1024, 1024 * 1024] {
            let data = mixed_data(size, 42, nano);
            for level in [1u32, 6] {
                let z = zlib(&data, level);
                let ratio = data.len() as f64 / z.len() as f64;

                // libdeflate into a reused, exactly sized buffer.
                let mut d = libdeflater::Decompressor::new();
                let mut out = vec![0u8; size];
                assert_eq!(d.zlib_decompress(&z, &mut out).unwrap(), size);
                assert!(out == data);
                let libdeflate = measure(size, || {
                    let n = d.zlib_decompress(black_box(&z), &mut out).unwrap();
                    black_box(n);
                });

                // flate2 / zlib-rs into a reused, exactly sized buffer.
                let mut f = flate2::Decompress::new(true);
                let mut out2 = vec![0u8; size];
                let zlib_rs = measure(size, || {
                    f.reset(true);
                    let st = f
                        .decompress(black_box(&z), &mut out2, flate2::FlushDecompress::Finish)
                        .unwrap();
                    assert_eq!(st, flate2::Status::StreamEnd);
                    black_box(&out2);
                });
                assert!(out2 == data);

                // flate2 / zlib-rs into the spare capacity of a Vec (no zero-fill).
                let mut out3: Vec<u8> = Vec::with_capacity(size);
                let zlib_rs_vec = measure(size, || {
                    out3.clear();
                    f.reset(true);
                    f.decompress_vec(black_box(&z), &mut out3, flate2::FlushDecompress::Finish)
                        .unwrap();
                    black_box(&out3);
                });
                assert!(out3 == data);

                // rootio end to end: a ROOT "ZL" block, appended into a reused Vec / a fresh Vec.
                let mut block = vec![b'Z', b'L', 8];
                block.extend_from_slice(&(z.len() as u32).to_le_bytes()[..3]);
                block.extend_from_slice(&(size as u32).to_le_bytes()[..3]);
                block.extend_from_slice(&z);
                let mut out4 = Vec::with_capacity(size);
                let rootio = measure(size, || {
                    out4.clear();
                    rootio::compression::decompress(black_box(&block), size, &mut out4).unwrap();
                    black_box(&out4);
                });
                assert!(out4 == data);
                let rootio_vec = measure(size, || {
                    let v =
                        rootio::compression::decompress_to_vec(black_box(&block), size).unwrap();
                    black_box(v);
                });

                // The zero-fill that rootio does before decoding into a reused Vec.
                let mut out5: Vec<u8> = Vec::with_capacity(size);
                let memset = measure(size, || {
                    out5.clear();
                    out5.resize(size, 0);
                    black_box(&out5);
                });

                println!(
                "{:>9} {:>8} {:>5} {:>7.2} | {:>11.0} {:>11.0} {:>11.0} | {:>11.0} {:>11.0} | {:>9.0}",
                kind, size, level, ratio, libdeflate, zlib_rs, zlib_rs_vec, rootio, rootio_vec, memset
            );
            }
        }
    }
}

//! LZ4 blocks through liblz4 (the `lz4-sys` crate's bundled liblz4 1.10), the library ROOT's
//! `core/lz4/src/ZipLZ4.cxx` calls: `LZ4_decompress_safe` to read, `LZ4_compress_default`
//! (levels 1–3) or `LZ4_compress_HC` (levels 4–9) to write. These are rootio's only calls into
//! liblz4; the ROOT block framing (header, XXH64 checksum) is the callers'.
//!
//! liblz4 decodes ROOT's baskets 1.9–2.1x as fast as the pure-Rust `lz4_flex`, safe decoder
//! or not (4.5 against 2.2–2.4 GB/s of output on the 5 M-event lz4 file,
//! `examples/lz4_decoders.rs`), mostly on the short-offset overlapping matches that runs of
//! equal bytes give; and with its HC mode files written at ROOT's levels 4–9 are as small as
//! ROOT's.

use std::os::raw::c_int;

/// Decode the raw LZ4 block `src` into `dst`: the number of bytes written, `None` for a
/// malformed block or one that would not fit. liblz4 documents `LZ4_decompress_safe` as
/// protected against malicious input: it never reads outside `src` nor writes outside `dst`,
/// and a match that reaches before the start of `dst` is an error. A match offset of 0, which
/// the format forbids, is not: the caller zeroes `dst` first (see
/// `compression::decode_lz4`).
pub(crate) fn decompress_block(src: &[u8], dst: &mut [u8]) -> Option<usize> {
    let src_len = c_int::try_from(src.len()).ok()?;
    let dst_len = c_int::try_from(dst.len()).ok()?;
    // SAFETY: both pointers come from live slices of exactly the lengths passed, which fit an
    // int; LZ4_decompress_safe reads at most `src_len` bytes of `src`, writes at most `dst_len`
    // bytes of `dst` and keeps no pointer after it returns.
    let n = unsafe {
        lz4_sys::LZ4_decompress_safe(
            src.as_ptr().cast(),
            dst.as_mut_ptr().cast(),
            src_len,
            dst_len,
        )
    };
    usize::try_from(n).ok()
}

/// Append the LZ4 block of `src` to `out` as ROOT's `R__zipLZ4` makes it: `LZ4_compress_HC` at
/// `level` for levels 4 and up (at most 9), `LZ4_compress_default` below. The number of bytes
/// appended; `None` (and `out` unchanged) if liblz4 fails or `src` is too large for it.
pub(crate) fn compress_block(src: &[u8], level: u32, out: &mut Vec<u8>) -> Option<usize> {
    let src_len = c_int::try_from(src.len()).ok()?;
    // SAFETY: a pure function of its argument.
    let bound = unsafe { lz4_sys::LZ4_compressBound(src_len) };
    let room = usize::try_from(bound).ok().filter(|&b| b > 0)?;
    let start = out.len();
    out.resize(start + room, 0);
    let dst = &mut out[start..];
    // SAFETY: `src` is a live slice of `src_len` bytes, `dst` one of `bound` bytes; liblz4
    // reads only `src`, writes at most `bound` bytes of `dst` and keeps no pointer after it
    // returns.
    let n = unsafe {
        if level >= 4 {
            lz4_sys::LZ4_compress_HC(
                src.as_ptr().cast(),
                dst.as_mut_ptr().cast(),
                src_len,
                bound,
                level.min(9) as c_int,
            )
        } else {
            lz4_sys::LZ4_compress_default(
                src.as_ptr().cast(),
                dst.as_mut_ptr().cast(),
                src_len,
                bound,
            )
        }
    };
    match usize::try_from(n) {
        Ok(n) if n > 0 && n <= room => {
            out.truncate(start + n);
            Some(n)
        }
        _ => {
            out.truncate(start);
            None
        }
    }
}

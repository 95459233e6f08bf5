//! Compressing object payloads into ROOT's block format: the inverse of
//! [`crate::compression::decompress`], whose module documentation describes the 9-byte block
//! headers.
//!
//! What ROOT does, and hepframe with it:
//!
//! * The payload is cut into blocks of at most `kMAXZIPBUF = 0xffffff` bytes
//!   ([`crate::compression::MAX_BLOCK_SIZE`]); each block is compressed on its own and gets its
//!   own header (`TKey::TKey(const TObject*, …)`: `nbuffers = 1 + (fObjlen - 1)/kMAXZIPBUF`).
//! * If a block does not get smaller, the whole object is stored uncompressed
//!   (`if (nout == 0 || nout >= fObjlen)` in the same constructor; `R__zipMultipleAlgorithm`
//!   gives up when the output would not fit into the input's size). A reader tells the two apart
//!   by `fNbytes - fKeylen == fObjlen`.
//! * Keys of 256 bytes or less are never compressed (`cxlevel > 0 && fObjlen > 256`); that rule
//!   is applied by the file writer, which knows it is writing a key.
//!
//! Algorithms and levels (ROOT's setting is `100 * algorithm + level`, `Compression.h`):
//!
//! | variant | setting | block | encoder here |
//! |---|---|---|---|
//! | [`Compression::Zlib`] | 1xx | `"ZL" 8` + zlib stream (`R__zipZLIB`, `deflateInit(level)`) | libdeflate at the same level |
//! | [`Compression::Lzma`] | 2xx | `"XZ" 0` + xz stream (`ZipLZMA.c`: `lzma_easy_encoder(level, LZMA_CHECK_CRC32)`) | liblzma, same preset and check |
//! | [`Compression::Lz4`] | 4xx | `"L4" 1` + big-endian XXH64 of the block + LZ4 block (`ZipLZ4.cxx`) | liblz4 as ROOT calls it: `LZ4_compress_HC` at the level for levels ≥ 4, `LZ4_compress_default` below |
//! | [`Compression::Zstd`] | 5xx | `"ZS" 1` + zstd frame (`ZipZSTD.cxx`: `ZSTD_compressCCtx(…, 2*cxlevel)`) | libzstd at level `2 * level` |

use crate::compression::{HEADER_SIZE, MAX_BLOCK_SIZE};
use crate::error::{Error, Result};

/// How objects written to a file are compressed.
///
/// The level is ROOT's: 1 (fastest) to 9 (smallest); 0 stores objects uncompressed while
/// still recording the algorithm in the file header, as ROOT does. Levels above 9 are treated
/// as 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// No compression (`fCompress = 0`).
    None,
    /// ZLIB at a level (ROOT setting `100 + level`; ROOT's own default is 101).
    Zlib(u32),
    /// LZMA (xz) at a level (ROOT setting `200 + level`).
    Lzma(u32),
    /// LZ4 at a level (ROOT setting `400 + level`; `kUseAnalysis` is 404).
    Lz4(u32),
    /// ZSTD at a level (ROOT setting `500 + level`; `kUseGeneralPurpose` is 505).
    Zstd(u32),
}

impl Default for Compression {
    /// ZSTD level 5: ROOT's `kUseGeneralPurpose` setting, 505.
    fn default() -> Self {
        Compression::Zstd(5)
    }
}

impl Compression {
    /// The level, clamped to ROOT's 0–9.
    pub fn level(self) -> u32 {
        match self {
            Compression::None => 0,
            Compression::Zlib(l)
            | Compression::Lzma(l)
            | Compression::Lz4(l)
            | Compression::Zstd(l) => l.min(9),
        }
    }

    /// ROOT's `fCompress` setting: `100 * algorithm + level` (`ROOT::RCompressionSetting`:
    /// ZLIB 1, LZMA 2, LZ4 4, ZSTD 5), 0 for no compression.
    pub fn root_setting(self) -> i32 {
        let alg = match self {
            Compression::None => return 0,
            Compression::Zlib(_) => 1,
            Compression::Lzma(_) => 2,
            Compression::Lz4(_) => 4,
            Compression::Zstd(_) => 5,
        };
        alg * 100 + self.level() as i32
    }

    /// The compression for a ROOT setting such as 101, 404 or 505. Settings of algorithms that
    /// hepframe does not write (the legacy algorithm 3, `kUseGlobal` 0xx with a level) give
    /// `None`.
    pub fn from_root_setting(setting: i32) -> Option<Compression> {
        if setting == 0 {
            return Some(Compression::None);
        }
        if !(0..1000).contains(&setting) {
            return None;
        }
        let level = (setting % 100) as u32;
        match setting / 100 {
            1 => Some(Compression::Zlib(level)),
            2 => Some(Compression::Lzma(level)),
            4 => Some(Compression::Lz4(level)),
            5 => Some(Compression::Zstd(level)),
            _ => None,
        }
    }

    /// Whether objects are compressed at all.
    pub fn is_enabled(self) -> bool {
        self.level() > 0
    }
}

/// Compress `data` into ROOT blocks. Returns `Ok(None)` when the data should be stored
/// uncompressed: compression is off, or some block did not get smaller.
pub fn compress(data: &[u8], compression: Compression) -> Result<Option<Vec<u8>>> {
    if !compression.is_enabled() || data.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(data.len() / 2 + HEADER_SIZE);
    for block in data.chunks(MAX_BLOCK_SIZE) {
        let start = out.len();
        let fits = compress_block(block, compression, &mut out)?;
        if !fits || out.len() - start >= block.len() {
            return Ok(None);
        }
    }
    Ok(Some(out))
}

/// Append one compressed block (header + payload) to `out`. Returns false if the block could
/// not be compressed into fewer bytes than it has (the caller then stores the object raw).
fn compress_block(block: &[u8], compression: Compression, out: &mut Vec<u8>) -> Result<bool> {
    let level = compression.level();
    let header_at = out.len();
    out.extend_from_slice(&[0u8; HEADER_SIZE]);
    let (tag, method): ([u8; 2], u8) = match compression {
        Compression::None => return Ok(false),
        Compression::Zlib(_) => {
            let lvl = libdeflater::CompressionLvl::new(level as i32)
                .unwrap_or_else(|_| libdeflater::CompressionLvl::default());
            let mut c = libdeflater::Compressor::new(lvl);
            // Room for the data itself: anything larger is not worth storing compressed.
            let at = out.len();
            out.resize(at + block.len(), 0);
            match c.zlib_compress(block, &mut out[at..]) {
                Ok(n) => out.truncate(at + n),
                Err(_) => return Ok(false), // does not fit: incompressible
            }
            (*b"ZL", 8)
        }
        Compression::Lzma(_) => {
            let mut s =
                liblzma::stream::Stream::new_easy_encoder(level, liblzma::stream::Check::Crc32)
                    .map_err(|e| Error::invalid_input(format!("LZMA encoder: {e}")))?;
            let mut buf = Vec::with_capacity(block.len() + 128);
            loop {
                let consumed = s.total_in() as usize;
                let status = s
                    .process_vec(
                        &block[consumed.min(block.len())..],
                        &mut buf,
                        liblzma::stream::Action::Finish,
                    )
                    .map_err(|e| Error::invalid_input(format!("LZMA encoder: {e}")))?;
                if status == liblzma::stream::Status::StreamEnd {
                    break;
                }
                if buf.len() > block.len() + 1024 {
                    return Ok(false);
                }
                buf.reserve(buf.capacity().max(4096));
            }
            out.extend_from_slice(&buf);
            (*b"XZ", 0)
        }
        Compression::Lz4(_) => {
            // The checksum of the LZ4 block precedes it: room first, filled in after.
            let sum_at = out.len();
            out.extend_from_slice(&[0u8; 8]);
            if crate::lz4::compress_block(block, level, out).is_none() {
                return Ok(false);
            }
            let sum = xxhash_rust::xxh64::xxh64(&out[sum_at + 8..], 0);
            out[sum_at..sum_at + 8].copy_from_slice(&sum.to_be_bytes());
            (*b"L4", 1)
        }
        Compression::Zstd(_) => {
            let compressed = zstd::bulk::compress(block, 2 * level as i32)
                .map_err(|e| Error::invalid_input(format!("ZSTD encoder: {e}")))?;
            out.extend_from_slice(&compressed);
            (*b"ZS", 1)
        }
    };
    let csize = out.len() - header_at - HEADER_SIZE;
    if csize > MAX_BLOCK_SIZE {
        return Ok(false);
    }
    let usize_ = block.len();
    let h = &mut out[header_at..header_at + HEADER_SIZE];
    h[0] = tag[0];
    h[1] = tag[1];
    h[2] = method;
    h[3..6].copy_from_slice(&(csize as u32).to_le_bytes()[..3]);
    h[6..9].copy_from_slice(&(usize_ as u32).to_le_bytes()[..3]);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compression::{block_algorithm, decompress_to_vec, Algorithm, BlockHeader};

    fn sample(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| ((i * 7) % 251) as u8 ^ ((i / 1000) as u8))
            .collect()
    }

    const ALL: [Compression; 4] = [
        Compression::Zlib(1),
        Compression::Lzma(1),
        Compression::Lz4(4),
        Compression::Zstd(5),
    ];

    #[test]
    fn round_trip_each_algorithm() {
        let data = sample(100_000);
        for c in ALL {
            let z = compress(&data, c).unwrap().expect("compressible");
            assert!(z.len() < data.len());
            let alg = block_algorithm(&z).unwrap();
            assert_eq!(
                alg,
                match c {
                    Compression::Zlib(_) => Algorithm::Zlib,
                    Compression::Lzma(_) => Algorithm::Lzma,
                    Compression::Lz4(_) => Algorithm::Lz4,
                    _ => Algorithm::Zstd,
                }
            );
            assert_eq!(decompress_to_vec(&z, data.len()).unwrap(), data, "{c:?}");
        }
    }

    #[test]
    fn large_objects_use_several_blocks() {
        let data = sample(MAX_BLOCK_SIZE + 1000);
        for c in [Compression::Zstd(1), Compression::Lz4(1)] {
            let z = compress(&data, c).unwrap().unwrap();
            let first = BlockHeader::parse(&z).unwrap();
            assert_eq!(first.uncompressed_size, MAX_BLOCK_SIZE);
            let second = BlockHeader::parse(&z[HEADER_SIZE + first.compressed_size..]).unwrap();
            assert_eq!(second.uncompressed_size, 1000);
            assert_eq!(decompress_to_vec(&z, data.len()).unwrap(), data);
        }
    }

    #[test]
    fn incompressible_data_is_stored_raw() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let data: Vec<u8> = (0..5000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for c in ALL {
            assert!(compress(&data, c).unwrap().is_none(), "{c:?}");
        }
        assert!(compress(&sample(1000), Compression::None)
            .unwrap()
            .is_none());
        assert!(compress(&sample(1000), Compression::Zstd(0))
            .unwrap()
            .is_none());
    }

    #[test]
    fn settings() {
        assert_eq!(Compression::default().root_setting(), 505);
        assert_eq!(Compression::Zlib(1).root_setting(), 101);
        assert_eq!(Compression::Lz4(4).root_setting(), 404);
        assert_eq!(Compression::Lzma(12).root_setting(), 209);
        assert_eq!(Compression::None.root_setting(), 0);
        for s in [0, 101, 209, 404, 505] {
            assert_eq!(Compression::from_root_setting(s).unwrap().root_setting(), s);
        }
        assert_eq!(Compression::from_root_setting(301), None);
    }
}

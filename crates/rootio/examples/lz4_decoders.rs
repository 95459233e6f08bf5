//! Which LZ4 block decoder is fastest on ROOT's baskets?
//!
//! Decodes every LZ4 block of every basket of a tree (the 5 M-event lz4 file of
//! `../shared/bench/make_dataset.py ... --compression 404`, say), already in memory and without
//! the XXH64 checksum, with `lz4_flex`'s safe decoder (what `rootio` used until 2026-12-05) and
//! with liblz4's `LZ4_decompress_safe` (what it uses now, and ROOT too). Best of 3.
//!
//! ```text
//! cargo run --release -p rootio --example lz4_decoders -- FILE.root [TREE]
//! ```

use std::time::Instant;

use rootio::tree::BasketLocation;
use rootio::{key::Key, RootFile};

/// A block decoder: (raw LZ4 block, output of the block's size) → bytes written.
type Decoder<'a> = &'a mut dyn FnMut(&[u8], &mut [u8]) -> Option<usize>;

fn main() {
    if let Err(e) = run() {
        eprintln!("lz4_decoders: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: lz4_decoders FILE.root [TREE]")?;
    let tree_name = args.next().unwrap_or_else(|| "Events".into());
    let f = RootFile::open(&path)?;
    let tree = f.tree(&tree_name)?;
    // (raw LZ4 block, uncompressed size) of every `L4` compression block.
    let mut blocks: Vec<(Vec<u8>, usize)> = Vec::new();
    for b in tree.data_branches() {
        for basket in &b.baskets {
            let BasketLocation::OnDisk { seek, bytes } = basket.location else {
                continue;
            };
            let raw = f.source().read_range(seek..seek + bytes as u64)?;
            let key = Key::read(&mut rootio::cursor::Cursor::new(&raw, seek, "basket"))?;
            if !key.is_compressed() {
                continue;
            }
            let mut p = raw.get(key.keylen as usize..).ok_or("short basket")?;
            while p.len() >= 9 {
                let size = |b: &[u8]| b[0] as usize | (b[1] as usize) << 8 | (b[2] as usize) << 16;
                let (c, u) = (size(&p[3..6]), size(&p[6..9]));
                let block = p.get(9..9 + c).ok_or("short compression block")?;
                if &p[..2] == b"L4" && c >= 8 {
                    blocks.push((block[8..].to_vec(), u));
                }
                p = &p[9 + c..];
            }
        }
    }
    if blocks.is_empty() {
        return Err(format!("{path}: no LZ4-compressed baskets in '{tree_name}'").into());
    }
    let output: usize = blocks.iter().map(|b| b.1).sum();
    let input: usize = blocks.iter().map(|b| b.0.len()).sum();
    println!(
        "{} LZ4 blocks: {:.0} MB compressed, {:.0} MB uncompressed",
        blocks.len(),
        input as f64 / 1e6,
        output as f64 / 1e6
    );
    let mut out = vec![0u8; blocks.iter().map(|b| b.1).max().unwrap_or(0)];
    let mut time = |decode: Decoder| {
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            for (b, u) in &blocks {
                if decode(b, &mut out[..*u]) != Some(*u) {
                    return Err("a decoder failed on a block");
                }
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        Ok(best)
    };
    let flex = time(&mut |b, o| lz4_flex::block::decompress_into(b, o).ok())?;
    let lib = time(&mut |b, o| {
        // SAFETY: pointers and lengths of live slices (block sizes fit an int).
        let n = unsafe {
            lz4_sys::LZ4_decompress_safe(
                b.as_ptr().cast(),
                o.as_mut_ptr().cast(),
                b.len() as i32,
                o.len() as i32,
            )
        };
        usize::try_from(n).ok()
    })?;
    let rate = |s: f64| output as f64 / s / 1e6;
    println!(
        "lz4_flex (safe-decode): {flex:.3} s, {:.0} MB/s",
        rate(flex)
    );
    println!(
        "liblz4 LZ4_decompress_safe: {lib:.3} s, {:.0} MB/s",
        rate(lib)
    );
    println!("liblz4 is {:.2}x as fast", flex / lib);
    Ok(())
}

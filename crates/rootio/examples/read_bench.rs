//! Read benchmark: hepframe's column reading against the decompress-only floor.
//!
//! ```text
//! cargo run --release -p rootio --example read_bench -- FILE.root [TREE] [--branches a,b,c] [--repeat N]
//! ```
//! For the chosen branches (default: all) it reports, best of N runs (default 3):
//! - `floor`: decompressing every basket of those branches with the same decompressors on one
//!   thread, the compressed bytes already in memory — nothing else;
//! - `read-1t` / `read-2t`: `Tree::read_branches` over all entries with 1 and 2 threads
//!   (file reads from the page cache, decompression and decoding into columns).
//!
//! - `reuse-1t` / `reuse-2t`: the same into columns reused from the previous repetition, as
//!   an event loop reading chunk after chunk does (no fresh memory, so no page faults).
//!
//! `--only floor|1t|2t|1t-reuse|2t-reuse` runs one measurement (for profiling).
//! Output is one line per measurement, `key=value` pairs, so scripts can collect it.

use std::time::Instant;

/// The same allocator as the `hepframe` binary: it keeps freed memory for reuse instead of
/// handing it back to the kernel and faulting it in again on the next read.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rootio::tree::BasketLocation;
use rootio::{compression, key::Key, ReadOptions, RootFile};

fn main() {
    if let Err(e) = run() {
        eprintln!("read_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut file = None;
    let mut tree_name = None;
    let mut branches: Option<Vec<String>> = None;
    let mut repeat = 3;
    let mut only: Option<String> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--branches" => {
                branches = Some(
                    args.next()
                        .ok_or("--branches needs a value")?
                        .split(',')
                        .map(String::from)
                        .collect(),
                )
            }
            "--repeat" => repeat = args.next().ok_or("--repeat needs a value")?.parse()?,
            "--only" => only = Some(args.next().ok_or("--only needs floor, 1t or 2t")?),
            _ if file.is_none() => file = Some(a),
            _ => tree_name = Some(a),
        }
    }
    let file = file.ok_or("usage: read_bench FILE [TREE] [--branches a,b] [--repeat N]")?;
    let f = RootFile::open(&file)?;
    let tree = f.tree(tree_name.as_deref().unwrap_or("Events"))?;
    let names: Vec<String> = match branches {
        Some(b) => b,
        None => tree
            .data_branches()
            .iter()
            .filter(|b| b.interpretation.is_ok())
            .map(|b| b.name.clone())
            .collect(),
    };
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();

    let want = |m: &str| only.as_deref().is_none_or(|o| o == m);
    // The compressed baskets, in memory (only for the floor: a profile of one of the reads
    // alone would otherwise be half this set-up's copies and page faults).
    let mut payloads: Vec<(Vec<u8>, usize, bool)> = Vec::new();
    let mut compressed_bytes = 0usize;
    let mut uncompressed_bytes = 0usize;
    for n in refs.iter().filter(|_| want("floor")) {
        let b = tree.branch(n)?;
        for basket in &b.baskets {
            if let BasketLocation::OnDisk { seek, bytes } = basket.location {
                let raw = f.source().read_range(seek..seek + bytes as u64)?;
                let key = Key::read(&mut rootio::cursor::Cursor::new(&raw, seek, "basket"))?;
                let payload = raw[key.keylen as usize..].to_vec();
                compressed_bytes += payload.len();
                uncompressed_bytes += key.objlen as usize;
                payloads.push((payload, key.objlen as usize, key.is_compressed()));
            }
        }
    }
    let best = |f: &mut dyn FnMut() -> Result<(), Box<dyn std::error::Error>>| -> Result<f64, Box<dyn std::error::Error>> {
        let mut best = f64::INFINITY;
        for _ in 0..repeat {
            let t = Instant::now();
            f()?;
            best = best.min(t.elapsed().as_secs_f64());
        }
        Ok(best)
    };
    let floor = if !want("floor") {
        f64::NAN
    } else {
        best(&mut || {
            for (p, objlen, compressed) in &payloads {
                if *compressed {
                    let out = compression::decompress_to_vec(p, *objlen)?;
                    std::hint::black_box(out);
                }
            }
            Ok(())
        })?
    };
    let mut entries_read = 0;
    let mut read = |threads: usize| {
        best(&mut || {
            let cols = tree.read_branches(&refs, 0..tree.entries, &ReadOptions { threads })?;
            entries_read = cols.first().map(|c| c.len()).unwrap_or(0);
            std::hint::black_box(cols);
            Ok(())
        })
    };
    let t1 = if want("1t") { read(1)? } else { f64::NAN };
    let t2 = if want("2t") { read(2)? } else { f64::NAN };
    // The same reads into columns reused from the previous repetition (an event loop reading
    // chunk after chunk): no fresh memory, so no page faults.
    let reuse = |threads: usize| {
        let mut cols = Vec::new();
        best(&mut || {
            tree.read_branches_into(&refs, 0..tree.entries, &ReadOptions { threads }, &mut cols)?;
            Ok(())
        })
    };
    let r1 = if want("1t-reuse") {
        reuse(1)?
    } else {
        f64::NAN
    };
    let r2 = if want("2t-reuse") {
        reuse(2)?
    } else {
        f64::NAN
    };
    println!(
        "file={file} branches={} baskets={} compressed_mb={:.1} uncompressed_mb={:.1} entries={entries_read}",
        refs.len(),
        payloads.len(),
        compressed_bytes as f64 / 1e6,
        uncompressed_bytes as f64 / 1e6
    );
    println!(
        "floor={floor:.3} read_1t={t1:.3} read_2t={t2:.3} reuse_1t={r1:.3} reuse_2t={r2:.3} \
         ratio_1t_floor={:.2} ratio_reuse_1t_floor={:.2} speedup_2t={:.2} speedup_reuse_2t={:.2}",
        t1 / floor,
        r1 / floor,
        t1 / t2,
        r1 / r2
    );
    Ok(())
}

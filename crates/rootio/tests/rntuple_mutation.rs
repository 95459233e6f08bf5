//! Mutation test for RNTuple: damaged files never panic, hang, or allocate more than they justify.
//!
//! The RNTuple fixtures are truncated and byte-flipped (seeded, so failures reproduce: the
//! message names the file, the seed and the mutation). Because the anchor and the envelopes carry
//! checksums, plain flips in the metadata are caught early; to exercise the parsers behind the
//! checksums, some mutations flip bytes of the anchor or of an (uncompressed) envelope and then
//! **recompute the checksums** (the header's checksum is also patched into the footer and the
//! page lists), so that the damaged values reach the schema, cluster and page decoding. Reading
//! everything in a damaged file must return `Ok` or `Err` — never panic — within a time bound,
//! and no single allocation may exceed what the file size justifies.
//!
//! `HEPFRAME_MUTATIONS=N` sets the mutations per fixture (default 150).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use rootio::{MemorySource, ReadOptions, RootFile};
use xxhash_rust::xxh3::xxh3_64;

/// Tracks the largest single allocation, to catch allocations sized by corrupt counts.
struct PeakAlloc;
static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SUBFIELDS: &[&str] = &["hit.x", "hits.e", "trk.hit.w", "aai._0"];

/// Open the file and read every field of every RNTuple (and a few subfields). Errors are fine.
fn read_everything(data: Vec<u8>) -> Result<usize, rootio::Error> {
    let file = RootFile::from_source(Arc::new(MemorySource::new(data, "mutated.root")))?;
    let mut values = 0;
    for path in file.rntuple_paths()? {
        let Ok(nt) = file.rntuple(&path) else {
            continue;
        };
        let _ = nt.clusters();
        let mut names: Vec<String> = nt.fields().iter().map(|f| f.name.clone()).collect();
        names.extend(SUBFIELDS.iter().map(|s| s.to_string()));
        for name in &names {
            if let Ok(cols) = nt.read_fields(&[name], 0..nt.entries, &ReadOptions { threads: 1 }) {
                values += cols[0].len();
            }
        }
        let _ = nt.read_fields(&["b", "vvf"], 77..433, &ReadOptions { threads: 2 });
    }
    Ok(values)
}

/// Byte ranges of the intact file's anchor payload and uncompressed envelopes.
struct Regions {
    /// (payload offset, payload length) of the anchor key.
    anchor: Option<(usize, usize)>,
    header: Option<(usize, usize)>,
    footer: Option<(usize, usize)>,
    page_lists: Vec<(usize, usize)>,
}

fn regions(data: &[u8]) -> Regions {
    let file = RootFile::from_source(Arc::new(MemorySource::new(data.to_vec(), "x"))).unwrap();
    let path = file.rntuple_paths().unwrap().remove(0);
    let key = file.key(&path).unwrap();
    let nt = file.rntuple(&path).unwrap();
    let a = nt.anchor;
    let raw = |at: u64, size: u64, len: u64| (size == len).then_some((at as usize, len as usize));
    Regions {
        anchor: (key.nbytes - key.keylen as i32 == key.objlen).then_some((
            (key.seek_key + key.keylen as u64) as usize,
            key.objlen as usize,
        )),
        header: raw(a.seek_header, a.nbytes_header, a.len_header),
        footer: raw(a.seek_footer, a.nbytes_footer, a.len_footer),
        page_lists: nt
            .cluster_groups()
            .iter()
            .filter_map(|g| {
                raw(
                    g.page_list.locator.offset,
                    g.page_list.locator.size,
                    g.page_list.len,
                )
            })
            .collect(),
    }
}

fn fix_envelope(d: &mut [u8], (at, len): (usize, usize)) {
    let ck = xxh3_64(&d[at..at + len - 8]);
    d[at + len - 8..at + len].copy_from_slice(&ck.to_le_bytes());
}

fn mutate(original: &[u8], r: &Regions, rng: &mut Rng) -> (Vec<u8>, String) {
    let len = original.len();
    let mut d = original.to_vec();
    let flip = |d: &mut Vec<u8>, lo: usize, hi: usize, rng: &mut Rng, what: &mut Vec<String>| {
        let pos = lo + rng.below(hi - lo);
        let v = rng.next() as u8;
        d[pos] = v;
        what.push(format!("[{pos}]={v:#04x}"));
    };
    let mut what = Vec::new();
    match rng.below(7) {
        0 => {
            let cut = rng.below(len);
            return (d[..cut].to_vec(), format!("truncated to {cut} bytes"));
        }
        // plain flips: near the end (anchor, footer, page lists), anywhere
        1 | 2 => {
            for _ in 0..1 + rng.below(4) {
                let lo = if rng.below(2) == 0 { len - len / 5 } else { 0 };
                flip(&mut d, lo, len, rng, &mut what);
            }
        }
        // anchor members with a recomputed checksum
        3 => {
            let Some((at, n)) = r.anchor else {
                return (d, "unchanged".into());
            };
            for _ in 0..1 + rng.below(2) {
                flip(&mut d, at + 6, at + n - 8, rng, &mut what);
            }
            let ck = xxh3_64(&d[at + 6..at + n - 8]);
            d[at + n - 8..at + n].copy_from_slice(&ck.to_be_bytes());
            what.push("anchor checksum fixed".into());
        }
        // an envelope's payload with a recomputed checksum
        k => {
            let env = match k {
                4 => r.header,
                5 => r.footer,
                _ => r.page_lists.get(rng.below(r.page_lists.len())).copied(),
            };
            let Some((at, n)) = env else {
                return (d, "unchanged".into());
            };
            for _ in 0..1 + rng.below(3) {
                flip(&mut d, at + 8, at + n - 8, rng, &mut what);
            }
            fix_envelope(&mut d, (at, n));
            if k == 4 {
                // Keep footer and page lists pointing at the damaged header.
                let ck = d[at + n - 8..at + n].to_vec();
                if let Some(f) = r.footer {
                    d[f.0 + 16..f.0 + 24].copy_from_slice(&ck);
                    fix_envelope(&mut d, f);
                }
                for &p in &r.page_lists {
                    d[p.0 + 8..p.0 + 16].copy_from_slice(&ck);
                    fix_envelope(&mut d, p);
                }
            }
            what.push(format!("envelope at {at} checksum fixed"));
        }
    }
    (d, format!("bytes {}", what.join(" ")))
}

#[test]
fn damaged_rntuples_never_panic_hang_or_overallocate() {
    let per_file: usize = std::env::var("HEPFRAME_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let time_bound = Duration::from_secs(20);
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let mut total = 0;
    let mut outcomes = [0usize; 2];
    let dir = common::fixtures().join("rntuple");
    for name in [
        "rntuple_alltypes_none.root",
        "rntuple_alltypes_zstd.root",
        "rntuple_alltypes_lzma.root",
        "rntuple_alltypes_lz4.root",
        "rntuple_bigkeys.root",
        "rntuple_multirep.root",
        "rntuple_nano.root",
    ] {
        let original = std::fs::read(dir.join(name)).unwrap();
        let r = regions(&original);
        LARGEST.store(0, Ordering::Relaxed);
        assert!(read_everything(original.clone()).unwrap() > 0, "{name}");
        let allowed = LARGEST.load(Ordering::Relaxed).max(original.len()) * 2 + (32 << 20);
        for m in 0..per_file {
            let seed =
                0x9E37_79B9_7F4A_7C15u64 ^ ((m as u64 + 1) * 0x1000_0001) ^ name.len() as u64;
            let mut rng = Rng(seed);
            let (data, what) = mutate(&original, &r, &mut rng);
            LARGEST.store(0, Ordering::Relaxed);
            let (tx, rx) = mpsc::channel();
            let start = Instant::now();
            std::thread::spawn(move || {
                let r = std::panic::catch_unwind(move || read_everything(data).is_ok());
                let _ = tx.send(r);
            });
            total += 1;
            match rx.recv_timeout(time_bound) {
                Ok(Ok(ok)) => outcomes[ok as usize] += 1,
                Ok(Err(_)) => failures.push(format!("{name} seed {seed:#x} ({what}): PANIC")),
                Err(_) => {
                    failures.push(format!(
                        "{name} seed {seed:#x} ({what}): no answer in {time_bound:?}"
                    ));
                    continue;
                }
            }
            let peak = LARGEST.load(Ordering::Relaxed);
            if peak > allowed {
                failures.push(format!(
                    "{name} seed {seed:#x} ({what}): allocated {peak} bytes at once (allowed {allowed})"
                ));
            }
            if start.elapsed() > time_bound {
                failures.push(format!(
                    "{name} seed {seed:#x} ({what}): took {:?}",
                    start.elapsed()
                ));
            }
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "{total} mutations: {} read without error, {} gave errors",
        outcomes[1], outcomes[0]
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

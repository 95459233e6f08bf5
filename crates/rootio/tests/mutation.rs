//! Mutation test: damaged files never panic, hang, or allocate more than they justify.
//!
//! Every fixture is truncated and byte-flipped thousands of times in total (seeded, so failures
//! reproduce: the message names the file, the seed and the mutation). Reading everything in a
//! damaged file must return `Ok` or `Err` — never panic — within a time bound, and no single
//! allocation may exceed what the file size justifies.
//!
//! `HEPFRAME_MUTATIONS=N` sets the mutations per fixture (default 150).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use rootio::{MemorySource, ReadOptions, RootFile};

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

/// Open the file and read every readable branch of every tree. Errors are fine.
fn read_everything(data: Vec<u8>) -> Result<usize, rootio::Error> {
    let file = RootFile::from_source(Arc::new(MemorySource::new(data, "mutated.root")))?;
    let mut values = 0;
    for entry in file.walk()? {
        if !matches!(
            entry.key.class_name.as_str(),
            "TTree" | "TNtuple" | "TNtupleD"
        ) {
            let _ = file.read_payload(&entry.key);
            continue;
        }
        let path = format!("{};{}", entry.path(), entry.key.cycle);
        let Ok(tree) = file.tree(&path) else { continue };
        let _ = tree.clusters();
        let mut counted = Vec::new();
        for b in tree.data_branches() {
            if b.interpretation.is_err() {
                continue;
            }
            if matches!(b.interpretation, Ok(rootio::Interpretation::Counted { .. })) {
                counted.push(b.name.as_str());
            }
            if let Ok(cols) =
                tree.read_branches(&[&b.name], 0..tree.entries, &ReadOptions { threads: 1 })
            {
                values += cols[0].len();
            }
        }
        // The counted fields together: each after the first of its counter compares its
        // entry offsets with that one's (damaged tables included).
        if let Ok(cols) = tree.read_branches(&counted, 0..tree.entries, &ReadOptions { threads: 1 })
        {
            values += cols.iter().map(|c| c.len()).sum::<usize>();
        }
    }
    Ok(values)
}

fn mutate(original: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let len = original.len();
    match rng.below(4) {
        0 => {
            let cut = rng.below(len);
            (
                original[..cut].to_vec(),
                format!("truncated to {cut} bytes"),
            )
        }
        k => {
            let mut d = original.to_vec();
            let flips = 1 + rng.below(4);
            let mut what = Vec::new();
            for _ in 0..flips {
                // Aim at the header, the metadata at the end of the file, or anywhere.
                let pos = match k {
                    1 => rng.below(len.min(512)),
                    2 => len - 1 - rng.below((len / 5).max(1)),
                    _ => rng.below(len),
                };
                let v = rng.next() as u8;
                d[pos] = v;
                what.push(format!("[{pos}]={v:#04x}"));
            }
            (d, format!("bytes {}", what.join(" ")))
        }
    }
}

#[test]
fn damaged_files_never_panic_hang_or_overallocate() {
    let per_file: usize = std::env::var("HEPFRAME_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let time_bound = Duration::from_secs(20);
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let mut total = 0;
    let mut outcomes = [0usize; 2];
    for dir in ["", "legacy"] {
        for case in common::cases(dir) {
            let original = std::fs::read(&case.file).unwrap();
            let name = case.file.file_name().unwrap().to_string_lossy().to_string();
            // What reading the intact file allocates at most is what the file justifies; a
            // damaged copy may allocate a bit more while failing, but never unboundedly.
            LARGEST.store(0, Ordering::Relaxed);
            let _ = read_everything(original.clone());
            let allowed = LARGEST.load(Ordering::Relaxed).max(original.len()) * 2 + (32 << 20);
            for m in 0..per_file {
                let seed =
                    0x9E37_79B9_7F4A_7C15u64 ^ ((m as u64 + 1) * 0x1000_0001) ^ name.len() as u64;
                let mut rng = Rng(seed);
                let (data, what) = mutate(&original, &mut rng);
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

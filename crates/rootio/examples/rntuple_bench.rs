//! RNTuple read benchmark (issue #6): read every top-level field of an RNTuple, best of N, and
//! optionally every branch of a TTree with the same data for comparison.
//!
//! ```text
//! cargo run --release -p rootio --example rntuple_bench -- RNTUPLE.root [--threads 1] [--tree TTREE.root] [--repeat 3] [--name Events] [--check]
//! ```
//!
//! `--check` also compares every RNTuple field with the TTree branch of the same name.

use std::time::Instant;

use rootio::{ReadOptions, RootFile};

fn main() {
    if let Err(e) = run() {
        eprintln!("rntuple_bench: {e}");
        std::process::exit(1);
    }
}

/// CPU seconds (user + system) used by this process so far, from `/proc/self/stat` (0 where
/// that is not available): on a busy machine CPU time varies less than wall time.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // fields after the command name (which ends with ')'): state is field 3, utime 14, stime 15
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i - 3)
            .and_then(|x| x.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(14) + ticks(15)) / 100.0
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut file = None;
    let mut tree_file = None;
    let mut threads = 1usize;
    let mut repeat = 3usize;
    let mut name = "Events".to_string();
    let mut check = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => threads = args.next().ok_or("--threads N")?.parse()?,
            "--repeat" => repeat = args.next().ok_or("--repeat N")?.parse()?,
            "--tree" => tree_file = Some(args.next().ok_or("--tree FILE")?),
            "--name" => name = args.next().ok_or("--name NAME")?,
            "--check" => check = true,
            _ => file = Some(a),
        }
    }
    let file = file.ok_or("usage: rntuple_bench RNTUPLE.root [--threads N] [--tree TTREE.root]")?;
    let options = ReadOptions { threads };

    let f = RootFile::open(&file)?;
    let nt = f.rntuple(&name)?;
    let names: Vec<String> = nt.fields().iter().map(|f| f.name.clone()).collect();
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    f.source().counters().reset();
    let mut best = f64::INFINITY;
    let mut cpu = f64::INFINITY;
    let mut elements = 0usize;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let c = cpu_seconds();
        let arrays = nt.read_fields(&refs, 0..nt.entries, &options)?;
        best = best.min(t.elapsed().as_secs_f64());
        cpu = cpu.min(cpu_seconds() - c);
        elements = arrays.iter().map(|a| a.len()).sum();
    }
    println!(
        "rntuple {} fields, {} entries, threads={threads}: best {best:.3} s, cpu {cpu:.2} s ({elements} top-level elements)",
        refs.len(),
        nt.entries
    );
    let io = f.source().counters().snapshot();
    println!(
        "rntuple io per read: {:.1} MB in {} requests (file {:.1} MB)",
        io.bytes as f64 / 1e6 / repeat.max(1) as f64,
        io.requests / repeat.max(1) as u64,
        f.source().len() as f64 / 1e6
    );

    if let Some(tf) = tree_file {
        let f = RootFile::open(&tf)?;
        let tree = f.tree(&name)?;
        let names: Vec<String> = tree
            .data_branches()
            .iter()
            .filter(|b| b.interpretation.is_ok())
            .map(|b| b.name.clone())
            .collect();
        let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let mut tbest = f64::INFINITY;
        let mut tcpu = f64::INFINITY;
        for _ in 0..repeat.max(1) {
            let t = Instant::now();
            let c = cpu_seconds();
            let arrays = tree.read_branches(&refs, 0..tree.entries, &options)?;
            tbest = tbest.min(t.elapsed().as_secs_f64());
            tcpu = tcpu.min(cpu_seconds() - c);
            drop(arrays);
        }
        if check {
            let ours = nt.read_fields(&refs, 0..nt.entries, &options)?;
            let theirs = tree.read_branches(&refs, 0..tree.entries, &options)?;
            let differ: Vec<&str> = refs
                .iter()
                .zip(ours.iter().zip(&theirs))
                .filter(|(_, (a, b))| a != b)
                .map(|(n, _)| *n)
                .collect();
            println!(
                "check: {} of {} fields differ from the TTree {differ:?}",
                differ.len(),
                refs.len()
            );
        }
        println!(
            "ttree {} branches, threads={threads}: best {tbest:.3} s, cpu {tcpu:.2} s; rntuple/ttree = {:.2} (cpu {:.2})",
            refs.len(),
            best / tbest,
            cpu / tcpu
        );
    }
    Ok(())
}

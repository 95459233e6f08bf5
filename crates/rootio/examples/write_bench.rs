//! Write benchmark: how fast `rootio::write::TreeWriter` writes a tree.
//!
//! ```text
//! cargo run --release -p rootio --example write_bench -- generate OUT.root [ENTRIES]
//! cargo run --release -p rootio --example write_bench -- copy IN.root OUT.root \
//!     [--compression 505] [--chunk N] [--repeat N]
//! ```
//!
//! `generate` writes a NanoAOD-like tree `Events` (ZSTD 5): `run` (UInt_t), `event`
//! (ULong64_t), `MET_pt` (Float_t), `nMuon` (UInt_t) with `Muon_pt/eta/phi/mass[nMuon]`
//! (Float_t) and `Muon_charge[nMuon]` (Int_t), `nJet` (Int_t) with `Jet_pt/eta[nJet]`
//! (Float_t), and `Jet_btag` as `std::vector<float>`; 1,000,000 entries by default.
//!
//! `copy` reads every branch of `IN.root:Events` into memory and cuts it into chunks of
//! `--chunk` entries (default 100000; not timed), then writes it to `OUT.root` with
//! `TreeWriter` (timed: the appends, `finish` and `close`), `--repeat` times (default 3).
//! One line of `key=value` pairs per run: seconds, entries/s, uncompressed MB/s (`fTotBytes`),
//! output size.

use std::time::Instant;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rootio::write::{
    BranchLayout, BranchSpec, Compression, FileWriter, TreeOptions, TreeWriter, WriteOptions,
};
use rootio::{Array, PrimitiveType as P, ReadOptions, RootFile};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() {
    if let Err(e) = run() {
        eprintln!("write_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") => {
            let out = args.get(1).ok_or("generate needs OUT.root")?;
            let n = args
                .get(2)
                .map(|s| s.parse())
                .transpose()?
                .unwrap_or(1_000_000);
            generate(out, n)
        }
        Some("copy") => {
            let input = args.get(1).ok_or("copy needs IN.root OUT.root")?;
            let out = args.get(2).ok_or("copy needs IN.root OUT.root")?;
            let mut compression = Compression::Zstd(5);
            let mut chunk = 100_000usize;
            let mut repeat = 3;
            let mut i = 3;
            while i < args.len() {
                let v = args.get(i + 1).ok_or("option without value")?;
                match args[i].as_str() {
                    "--compression" => {
                        compression = Compression::from_root_setting(v.parse()?)
                            .ok_or("unknown compression setting")?
                    }
                    "--chunk" => chunk = v.parse()?,
                    "--repeat" => repeat = v.parse()?,
                    other => return Err(format!("unknown option {other}").into()),
                }
                i += 2;
            }
            copy(input, out, compression, chunk, repeat)
        }
        _ => {
            Err("usage: write_bench generate OUT.root [N] | copy IN.root OUT.root [options]".into())
        }
    }
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 11
    }
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 53) as f64
    }
    fn poisson(&mut self, mean: f64) -> u32 {
        let (l, mut k, mut p) = ((-mean).exp(), 0u32, 1.0);
        loop {
            p *= self.unit();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }
}

fn generate(out: &str, n: usize) -> Res<()> {
    let mut r = Lcg(1);
    let counted = |name: &str, element: P, counter: &str| {
        BranchSpec::new(
            name,
            BranchLayout::Counted {
                element,
                counter: counter.into(),
            },
        )
    };
    let specs = vec![
        BranchSpec::new("run", BranchLayout::Scalar(P::U32)),
        BranchSpec::new("event", BranchLayout::Scalar(P::U64)),
        BranchSpec::new("MET_pt", BranchLayout::Scalar(P::F32)),
        BranchSpec::new("nMuon", BranchLayout::Scalar(P::U32)),
        counted("Muon_pt", P::F32, "nMuon"),
        counted("Muon_eta", P::F32, "nMuon"),
        counted("Muon_phi", P::F32, "nMuon"),
        counted("Muon_mass", P::F32, "nMuon"),
        counted("Muon_charge", P::I32, "nMuon"),
        BranchSpec::new("nJet", BranchLayout::Scalar(P::I32)),
        counted("Jet_pt", P::F32, "nJet"),
        counted("Jet_eta", P::F32, "nJet"),
        BranchSpec::new("Jet_btag", BranchLayout::Vector(P::F32)),
    ];
    let mut run = Vec::with_capacity(n);
    let mut event = Vec::with_capacity(n);
    let mut met = Vec::with_capacity(n);
    let mut nmu = Vec::with_capacity(n);
    let mut njet = Vec::with_capacity(n);
    let (mut mo, mut jo) = (vec![0i64], vec![0i64]);
    let mut mu: [Vec<f32>; 4] = Default::default();
    let mut charge = Vec::new();
    let (mut jpt, mut jeta, mut btag) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        run.push(1 + (i / 100_000) as u32);
        event.push(i as u64 * 7 + 3);
        met.push((r.unit() * 100.0) as f32);
        let k = r.poisson(2.0);
        nmu.push(k);
        for _ in 0..k {
            mu[0].push((5.0 + r.unit() * 80.0) as f32);
            mu[1].push((r.unit() * 4.8 - 2.4) as f32);
            mu[2].push((r.unit() * std::f64::consts::TAU - std::f64::consts::PI) as f32);
            mu[3].push(0.10566);
            charge.push(if r.next().is_multiple_of(2) { 1 } else { -1 });
        }
        mo.push(mu[0].len() as i64);
        let j = r.poisson(4.0) as i32;
        njet.push(j);
        for _ in 0..j {
            jpt.push((20.0 + r.unit() * 200.0) as f32);
            jeta.push((r.unit() * 9.4 - 4.7) as f32);
            btag.push(r.unit() as f32);
        }
        jo.push(jpt.len() as i64);
    }
    let jag = |o: &Vec<i64>, v: Array| Array::Jagged {
        offsets: o.clone().into(),
        values: Box::new(v),
    };
    let [pt, eta, phi, mass] = mu;
    let cols = vec![
        Array::U32(run),
        Array::U64(event),
        Array::F32(met),
        Array::U32(nmu),
        jag(&mo, Array::F32(pt)),
        jag(&mo, Array::F32(eta)),
        jag(&mo, Array::F32(phi)),
        jag(&mo, Array::F32(mass)),
        jag(&mo, Array::I32(charge)),
        Array::I32(njet),
        jag(&jo, Array::F32(jpt)),
        jag(&jo, Array::F32(jeta)),
        jag(&jo, Array::F32(btag)),
    ];
    let mut file = FileWriter::create(out, WriteOptions::default())?;
    let mut w = TreeWriter::new("Events", specs, TreeOptions::default())?;
    w.append(&mut file, &cols)?;
    w.finish(&mut file)?;
    file.close()?;
    println!("generated {out}: {n} entries");
    Ok(())
}

fn copy(input: &str, out: &str, compression: Compression, chunk: usize, repeat: usize) -> Res<()> {
    let file = RootFile::open(input)?;
    let tree = file.tree("Events")?;
    let mut specs = Vec::new();
    for b in tree.data_branches() {
        match BranchLayout::of_branch(&tree, b) {
            Some(l) => specs.push(BranchSpec::new(b.name.clone(), l)),
            None => eprintln!("skipping branch {} ({})", b.name, b.type_name()),
        }
    }
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let cols = tree.read_branches(&names, 0..tree.entries, &ReadOptions::default())?;
    let n = tree.entries as usize;
    let mut parts = Vec::new();
    let mut s = 0;
    while s < n {
        let e = (s + chunk).min(n);
        parts.push(cols.iter().map(|c| c.slice(s, e)).collect::<Vec<Array>>());
        s = e;
    }
    for _ in 0..repeat {
        let start = Instant::now();
        let mut f = FileWriter::create(
            out,
            WriteOptions {
                compression,
                ..Default::default()
            },
        )?;
        let mut w = TreeWriter::new("Events", specs.clone(), TreeOptions::default())?;
        for part in &parts {
            w.append(&mut f, part)?;
        }
        w.finish(&mut f)?;
        f.close()?;
        let secs = start.elapsed().as_secs_f64();
        let written = RootFile::open(out)?.tree("Events")?;
        println!(
            "write branches={} entries={n} compression={} seconds={secs:.3} entries_per_s={:.0} \
             uncompressed_mb_per_s={:.1} tot_bytes={} zip_bytes={} file_bytes={}",
            specs.len(),
            compression.root_setting(),
            n as f64 / secs,
            written.tot_bytes as f64 / secs / 1e6,
            written.tot_bytes,
            written.zip_bytes,
            std::fs::metadata(out)?.len()
        );
    }
    Ok(())
}

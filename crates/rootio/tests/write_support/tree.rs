//! Trees for the writer tests: the ROOT-written references of `src/write/make_streamers.py`
//! rebuilt as branch specs and columns, and comparisons of written trees.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rootio::write::{BranchLayout, BranchSpec, TreeOptions};
use rootio::{Array, PrimitiveType as P, RootFile};
use serde_json::Value;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/write")
}

pub fn primitive(name: &str) -> P {
    match name {
        "bool" => P::Bool,
        "i8" => P::I8,
        "u8" => P::U8,
        "i16" => P::I16,
        "u16" => P::U16,
        "i32" => P::I32,
        "u32" => P::U32,
        "i64" => P::I64,
        "u64" => P::U64,
        "f32" => P::F32,
        "f64" => P::F64,
        other => panic!("unknown type {other}"),
    }
}

pub const ALL_TYPES: [P; 11] = [
    P::Bool,
    P::I8,
    P::U8,
    P::I16,
    P::U16,
    P::I32,
    P::U32,
    P::I64,
    P::U64,
    P::F32,
    P::F64,
];

/// A primitive array of type `p` from JSON numbers/booleans.
pub fn primitive_array(p: P, vals: &[&Value]) -> Array {
    let i = |v: &Value| v.as_i64().unwrap();
    let u = |v: &Value| v.as_u64().unwrap();
    match p {
        P::Bool => Array::Bool(vals.iter().map(|v| v.as_bool().unwrap()).collect()),
        P::I8 => Array::I8(vals.iter().map(|v| i(v) as i8).collect()),
        P::U8 => Array::U8(vals.iter().map(|v| u(v) as u8).collect()),
        P::I16 => Array::I16(vals.iter().map(|v| i(v) as i16).collect()),
        P::U16 => Array::U16(vals.iter().map(|v| u(v) as u16).collect()),
        P::I32 => Array::I32(vals.iter().map(|v| i(v) as i32).collect()),
        P::U32 => Array::U32(vals.iter().map(|v| u(v) as u32).collect()),
        P::I64 => Array::I64(vals.iter().map(|v| i(v)).collect()),
        P::U64 => Array::U64(vals.iter().map(|v| u(v)).collect()),
        P::F32 => Array::F32(vals.iter().map(|v| v.as_f64().unwrap() as f32).collect()),
        P::F64 => Array::F64(vals.iter().map(|v| v.as_f64().unwrap()).collect()),
    }
}

/// Jagged array from per-entry lists.
pub fn jagged(p: P, entries: &[Value]) -> Array {
    let mut offsets = vec![0i64];
    let mut flat: Vec<&Value> = Vec::new();
    for e in entries {
        let list = e.as_array().unwrap();
        flat.extend(list.iter());
        offsets.push(flat.len() as i64);
    }
    Array::Jagged {
        offsets: offsets.into(),
        values: Box::new(primitive_array(p, &flat)),
    }
}

/// The small reference tree (`reference_tree.json`): branch specs, columns, the JSON.
pub fn small_reference() -> (Vec<BranchSpec>, Vec<Array>, Value) {
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("reference_tree.json")).unwrap(),
    )
    .unwrap();
    let mut specs = Vec::new();
    let mut cols = Vec::new();
    for b in json["branches"].as_array().unwrap() {
        let name = b["name"].as_str().unwrap();
        let p = primitive(b["type"].as_str().unwrap());
        let values = json["values"][name].as_array().unwrap();
        let (layout, col) = match b["layout"].as_str().unwrap() {
            "scalar" => (
                BranchLayout::Scalar(p),
                primitive_array(p, &values.iter().collect::<Vec<_>>()),
            ),
            "fixed" => {
                let shape: Vec<usize> = b["shape"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_u64().unwrap() as usize)
                    .collect();
                let flat: Vec<&Value> = values
                    .iter()
                    .flat_map(|e| e.as_array().unwrap().iter())
                    .collect();
                (
                    BranchLayout::Fixed {
                        element: p,
                        shape: shape.clone(),
                    },
                    Array::Fixed {
                        size: shape.iter().product(),
                        values: Box::new(primitive_array(p, &flat)),
                    },
                )
            }
            "counted" => (
                BranchLayout::Counted {
                    element: p,
                    counter: b["counter"].as_str().unwrap().to_string(),
                },
                jagged(p, values),
            ),
            "vector" => (BranchLayout::Vector(p), jagged(p, values)),
            other => panic!("layout {other}"),
        };
        let mut spec = BranchSpec::new(name, layout);
        spec.title = b["title"].as_str().map(str::to_string);
        specs.push(spec);
        cols.push(col);
    }
    (specs, cols, json)
}

/// The cluster reference tree (`reference_tree_clusters.json`): the formulas of
/// `make_cluster_tree` in `make_streamers.py`.
pub fn cluster_reference() -> (Vec<BranchSpec>, Vec<Array>, TreeOptions, Value) {
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("reference_tree_clusters.json")).unwrap(),
    )
    .unwrap();
    let n = json["entries"].as_u64().unwrap() as usize;
    let (specs, cols) = cluster_columns(0..n);
    let options = TreeOptions {
        basket_size: json["basket_size"].as_u64().unwrap() as usize,
        auto_flush: json["auto_flush"].as_i64().unwrap(),
        title: json["title"].as_str().unwrap().to_string(),
    };
    (specs, cols, options, json)
}

/// The branches and columns of the cluster reference tree for entries `range`.
pub fn cluster_columns(range: std::ops::Range<usize>) -> (Vec<BranchSpec>, Vec<Array>) {
    let specs = vec![
        BranchSpec::new("x", BranchLayout::Scalar(P::F32)),
        BranchSpec::new("nMuon", BranchLayout::Scalar(P::I32)),
        BranchSpec::new(
            "Muon_pt",
            BranchLayout::Counted {
                element: P::F32,
                counter: "nMuon".into(),
            },
        ),
        BranchSpec::new(
            "a",
            BranchLayout::Fixed {
                element: P::I16,
                shape: vec![3],
            },
        ),
        BranchSpec::new("v", BranchLayout::Vector(P::F64)),
    ];
    let mut x = Vec::new();
    let mut n = Vec::new();
    let (mut pt_off, mut pt) = (vec![0i64], Vec::new());
    let mut a = Vec::new();
    let (mut v_off, mut v) = (vec![0i64], Vec::new());
    for i in range {
        x.push(i as f32 * 0.5);
        let k = (i * 7) % 5;
        n.push(k as i32);
        for j in 0..k {
            pt.push((i * 10 + j) as f32 * 0.25);
        }
        pt_off.push(pt.len() as i64);
        for j in 0..3 {
            a.push(((i + j) % 100) as i16 - 50);
        }
        for j in 0..i % 4 {
            v.push(i as f64 + j as f64 * 0.5);
        }
        v_off.push(v.len() as i64);
    }
    let cols = vec![
        Array::F32(x),
        Array::I32(n),
        Array::Jagged {
            offsets: pt_off.into(),
            values: Box::new(Array::F32(pt)),
        },
        Array::Fixed {
            size: 3,
            values: Box::new(Array::I16(a)),
        },
        Array::Jagged {
            offsets: v_off.into(),
            values: Box::new(Array::F64(v)),
        },
    ];
    (specs, cols)
}

/// Cut every column to entries `start..stop`.
pub fn slice_columns(cols: &[Array], start: usize, stop: usize) -> Vec<Array> {
    cols.iter().map(|c| c.slice(start, stop)).collect()
}

/// Where two byte strings differ (at most a few places), with context.
pub fn differences(what: &str, root: &[u8], ours: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    if root.len() != ours.len() {
        out.push(format!(
            "{what}: length {} (ROOT) vs {} (ours)",
            root.len(),
            ours.len()
        ));
    }
    for (i, (a, b)) in root.iter().zip(ours).enumerate() {
        if a != b {
            out.push(format!(
                "{what} byte {i}: ROOT {a:#04x}, ours {b:#04x}; ROOT context {:02x?}, ours {:02x?}",
                &root[i.saturating_sub(12)..(i + 12).min(root.len())],
                &ours[i.saturating_sub(12)..(i + 12).min(ours.len())]
            ));
            if out.len() > 6 {
                break;
            }
        }
    }
    out
}

/// Compare the tree `name` in two files: every basket (all bytes but the key's date and
/// position) and the `TTree` object (all bytes, once each branch's `fBasketSeek` array, which
/// holds file positions, is replaced by the other file's). Returns the differences.
pub fn compare_trees(root_path: &Path, our_path: &Path, name: &str) -> Vec<String> {
    let rf = RootFile::open(root_path).unwrap();
    let of = RootFile::open(our_path).unwrap();
    let mut out = Vec::new();
    let rk = rf.key(name).unwrap();
    let ok = of.key(name).unwrap();
    if (&rk.class_name, &rk.title, rk.keylen, rk.objlen)
        != (&ok.class_name, &ok.title, ok.keylen, ok.objlen)
    {
        out.push(format!(
            "tree key: ROOT {} '{}' keylen {} objlen {}, ours {} '{}' keylen {} objlen {}",
            rk.class_name,
            rk.title,
            rk.keylen,
            rk.objlen,
            ok.class_name,
            ok.title,
            ok.keylen,
            ok.objlen
        ));
    }
    let rt = rf.tree(name).unwrap();
    let ot = of.tree(name).unwrap();
    let rb = rt.data_branches();
    let ob = ot.data_branches();
    assert_eq!(
        rb.iter().map(|b| &b.name).collect::<Vec<_>>(),
        ob.iter().map(|b| &b.name).collect::<Vec<_>>()
    );
    for (r, o) in rb.iter().zip(&ob) {
        let rr: Vec<(u64, u64)> = r.baskets.iter().map(|b| (b.first, b.stop)).collect();
        let or: Vec<(u64, u64)> = o.baskets.iter().map(|b| (b.first, b.stop)).collect();
        if rr != or {
            out.push(format!(
                "{}: basket entry ranges ROOT {rr:?}\n  ours {or:?}",
                r.name
            ));
            continue;
        }
        for (i, (x, y)) in r.baskets.iter().zip(&o.baskets).enumerate() {
            let bytes = |f: &RootFile, b: &rootio::tree::BasketInfo| match &b.location {
                rootio::tree::BasketLocation::OnDisk { seek, bytes } => f
                    .source()
                    .read_range(*seek..*seek + *bytes as u64)
                    .unwrap()
                    .to_vec(),
                other => panic!("embedded basket {other:?}"),
            };
            let (a, b) = (bytes(&rf, x), bytes(&of, y));
            // Key header: fNbytes, fVersion, fObjlen | fDatime | fKeylen, fCycle | fSeekKey | rest.
            let mask = |v: &[u8]| {
                let mut v = v.to_vec();
                if v.len() > 26 {
                    v[10..14].fill(0);
                    v[18..26].fill(0);
                }
                v
            };
            out.extend(differences(
                &format!("{} basket {i}", r.name),
                &mask(&a),
                &mask(&b),
            ));
        }
    }
    // The TTree objects, with ROOT's fBasketSeek arrays swapped for ours.
    let mut root_payload = rf.read_payload(&rk).unwrap().to_vec();
    let our_payload = of.read_payload(&ok).unwrap().to_vec();
    let robj = rf.read_object(name).unwrap();
    let oobj = of.read_object(name).unwrap();
    for (r, o) in robj
        .objects("fBranches")
        .iter()
        .zip(oobj.objects("fBranches").iter())
    {
        let enc = |v: Vec<i64>| {
            let mut b = vec![1u8];
            for s in v {
                b.extend_from_slice(&s.to_be_bytes());
            }
            b
        };
        let (rs, os) = (enc(r.ints("fBasketSeek")), enc(o.ints("fBasketSeek")));
        if rs.len() != os.len() {
            out.push(format!("{}: fMaxBaskets differs", r.name()));
            continue;
        }
        let hits: Vec<usize> = root_payload
            .windows(rs.len())
            .enumerate()
            .filter(|(_, w)| *w == rs.as_slice())
            .map(|(i, _)| i)
            .collect();
        if hits.len() != 1 {
            out.push(format!(
                "{}: fBasketSeek found {} times in ROOT's TTree",
                r.name(),
                hits.len()
            ));
            continue;
        }
        root_payload[hits[0]..hits[0] + os.len()].copy_from_slice(&os);
    }
    if let Ok(dir) = std::env::var("HEPFRAME_DUMP_TREES") {
        std::fs::write(format!("{dir}/{name}.root.bin"), &root_payload).unwrap();
        std::fs::write(format!("{dir}/{name}.ours.bin"), &our_payload).unwrap();
    }
    out.extend(differences("TTree object", &root_payload, &our_payload));
    out
}

/// Deterministic pseudo-random numbers.
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 17
    }
    /// 0..n
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `n` values of type `p`: integers of moderate size (sums stay exact in doubles), halves
/// for floats, some negative.
pub fn values(p: P, n: usize, r: &mut Lcg) -> Array {
    let mut ints = || (r.below(2001) as i64) - 1000;
    match p {
        P::Bool => Array::Bool((0..n).map(|_| ints() % 3 == 0).collect()),
        P::I8 => Array::I8((0..n).map(|_| (ints() % 128) as i8).collect()),
        P::U8 => Array::U8((0..n).map(|_| (ints() + 1000) as u8).collect()),
        P::I16 => Array::I16((0..n).map(|_| (ints() * 31) as i16).collect()),
        P::U16 => Array::U16((0..n).map(|_| ((ints() + 1000) * 31) as u16).collect()),
        P::I32 => Array::I32((0..n).map(|_| (ints() * 1_000_003) as i32).collect()),
        P::U32 => Array::U32(
            (0..n)
                .map(|_| ((ints() + 1000) * 2_000_003) as u32)
                .collect(),
        ),
        P::I64 => Array::I64((0..n).map(|_| ints() * 1_000_000_007).collect()),
        P::U64 => Array::U64(
            (0..n)
                .map(|_| ((ints() + 1000) * 1_000_000_009) as u64)
                .collect(),
        ),
        P::F32 => Array::F32((0..n).map(|_| ints() as f32 * 0.5).collect()),
        P::F64 => Array::F64((0..n).map(|_| ints() as f64 * 0.25).collect()),
    }
}

fn type_tag(p: P) -> &'static str {
    match p {
        P::Bool => "bool",
        P::I8 => "i8",
        P::U8 => "u8",
        P::I16 => "i16",
        P::U16 => "u16",
        P::I32 => "i32",
        P::U32 => "u32",
        P::I64 => "i64",
        P::U64 => "u64",
        P::F32 => "f32",
        P::F64 => "f64",
    }
}

/// Per-entry counts: mostly small, sometimes 0, now and then large.
fn counts(n: usize, max: u64, r: &mut Lcg) -> Vec<i64> {
    (0..n)
        .map(|_| match r.below(20) {
            0 => 0,
            1 => r.below(max + 1) as i64,
            _ => r.below(6) as i64,
        })
        .collect()
}

fn offsets_of(counts: &[i64]) -> Vec<i64> {
    let mut o = Vec::with_capacity(counts.len() + 1);
    o.push(0);
    for c in counts {
        o.push(o.last().unwrap() + c);
    }
    o
}

/// A tree with every layout and every primitive type: scalars `s_<t>`, fixed arrays `f_<t>`
/// (`[3]`, `[2][3]` for f64, `[2][2]` for i32), counters `nMuon` (u32), `nJet` (i32), `nS`
/// (i16), `nL` (u64), counted `Muon_<t>[nMuon]` for every type and `Jet_pt[nJet]`,
/// `S_x[nS]`, `L_x[nL]`, vectors `v_<t>`. `n` entries from `seed`.
pub fn every_layout(n: usize, seed: u64) -> (Vec<BranchSpec>, Vec<Array>) {
    let mut r = Lcg(seed);
    let mut specs = Vec::new();
    let mut cols = Vec::new();
    for p in ALL_TYPES {
        specs.push(BranchSpec::new(
            format!("s_{}", type_tag(p)),
            BranchLayout::Scalar(p),
        ));
        cols.push(values(p, n, &mut r));
    }
    for p in ALL_TYPES {
        let shape = match p {
            P::F64 => vec![2, 3],
            P::I32 => vec![2, 2],
            _ => vec![3],
        };
        let size: usize = shape.iter().product();
        specs.push(BranchSpec::new(
            format!("f_{}", type_tag(p)),
            BranchLayout::Fixed { element: p, shape },
        ));
        cols.push(Array::Fixed {
            size,
            values: Box::new(values(p, n * size, &mut r)),
        });
    }
    let counters = [
        ("nMuon", P::U32, 40u64),
        ("nJet", P::I32, 12),
        ("nS", P::I16, 300),
        ("nL", P::U64, 3),
    ];
    let mut offs = Vec::new();
    for (name, p, max) in counters {
        let c = counts(n, max, &mut r);
        specs.push(BranchSpec::new(name, BranchLayout::Scalar(p)));
        cols.push(match p {
            P::U32 => Array::U32(c.iter().map(|x| *x as u32).collect()),
            P::I32 => Array::I32(c.iter().map(|x| *x as i32).collect()),
            P::I16 => Array::I16(c.iter().map(|x| *x as i16).collect()),
            _ => Array::U64(c.iter().map(|x| *x as u64).collect()),
        });
        offs.push(offsets_of(&c));
    }
    let counted = |p: P, off: &Vec<i64>, r: &mut Lcg| Array::Jagged {
        offsets: off.clone().into(),
        values: Box::new(values(p, *off.last().unwrap() as usize, r)),
    };
    for p in ALL_TYPES {
        specs.push(
            BranchSpec::new(
                format!("Muon_{}", type_tag(p)),
                BranchLayout::Counted {
                    element: p,
                    counter: "nMuon".into(),
                },
            )
            .with_title(format!("muon quantity of type {}", p.root_name())),
        );
        cols.push(counted(p, &offs[0], &mut r));
    }
    for (name, p, ci) in [
        ("Jet_pt", P::F32, 1),
        ("S_x", P::U16, 2),
        ("L_x", P::F64, 3),
    ] {
        specs.push(BranchSpec::new(
            name,
            BranchLayout::Counted {
                element: p,
                counter: counters[ci].0.into(),
            },
        ));
        cols.push(counted(p, &offs[ci], &mut r));
    }
    for p in ALL_TYPES {
        let c = offsets_of(&counts(n, 25, &mut r));
        specs.push(BranchSpec::new(
            format!("v_{}", type_tag(p)),
            BranchLayout::Vector(p),
        ));
        cols.push(counted(p, &c, &mut r));
    }
    (specs, cols)
}

/// The branch names of `specs`.
pub fn names(specs: &[BranchSpec]) -> Vec<&str> {
    specs.iter().map(|s| s.name.as_str()).collect()
}

//! The bodies of the fuzz targets in `fuzz/` (cargo-fuzz) that exercise the expression language
//! and the engine's inputs, kept in the library so that the fuzz targets and the regression
//! tests (`tests/fuzz_regressions.rs`) run exactly the same code.
//!
//! Every function takes arbitrary bytes, ignores every error and must never panic, hang or
//! allocate without bound. Not part of the public API.
//!
//! - [`expression`]: defines and an expression, parsed, type-checked against a small
//!   NanoAOD-like schema and evaluated on a hand-made chunk of four events.
//! - [`analysis_file`]: an analysis file ([`Analysis::from_toml`]).
//! - [`partial_and_plan`]: a plan and partial results as given to `hepframe merge`: parsed,
//!   merged, checked and finished.

use expr::{check, parse, BranchType, Chunk, Evaluator, Num, Registry, Schema, Scope};
use rootio::Array;

use crate::analysis::Analysis;
use crate::partial::{merge_all, Partial};
use crate::plan::Plan;
use crate::run::finish;

/// Lines read by [`expression`] (defines and the expression).
const MAX_LINES: usize = 8;
/// Partial results read by [`partial_and_plan`].
const MAX_PARTIALS: usize = 16;

/// The schema of [`expression`]: a NanoAOD-like event with muons and jets.
fn schema() -> Schema {
    let s = |n: &str, t: Num| (n.to_string(), BranchType::Scalar(t));
    let l = |n: &str, t: Num| (n.to_string(), BranchType::List(t));
    Schema::from_branches([
        s("nMuon", Num::U32),
        l("Muon_pt", Num::F32),
        l("Muon_eta", Num::F32),
        l("Muon_phi", Num::F32),
        l("Muon_mass", Num::F32),
        l("Muon_charge", Num::I32),
        s("nJet", Num::U32),
        l("Jet_pt", Num::F32),
        l("Jet_eta", Num::F32),
        l("Jet_phi", Num::F32),
        l("Jet_mass", Num::F32),
        l("Jet_btag", Num::F32),
        l("Jet_jetId", Num::I32),
        s("MET_pt", Num::F32),
        s("MET_phi", Num::F32),
        s("event", Num::U64),
        s("run", Num::I32),
        s("luminosityBlock", Num::U32),
        s("HLT_IsoMu24", Num::Bool),
    ])
}

fn jagged<T: Clone>(lists: &[&[T]], wrap: fn(Vec<T>) -> Array) -> Array {
    let mut offsets = vec![0i64];
    let mut values = Vec::new();
    for l in lists {
        values.extend_from_slice(l);
        offsets.push(values.len() as i64);
    }
    Array::Jagged {
        offsets: offsets.into(),
        values: Box::new(wrap(values)),
    }
}

/// Four events for [`schema`]: no muons, one, two of opposite charge, three; jets with extreme
/// values (NaN, infinities, zero, huge).
fn chunk() -> Chunk {
    let mut chunk = Chunk {
        entries: vec![0, 1, 2, 3],
        ..Default::default()
    };
    let c = &mut chunk.columns;
    let mut put = |n: &str, a: Array| {
        c.insert(n.to_string(), a);
    };
    put("nMuon", Array::U32(vec![0, 1, 2, 3]));
    let muon_f = |a: &[f32], b: &[f32], d: &[f32]| jagged(&[&[], a, b, d], Array::F32);
    put(
        "Muon_pt",
        muon_f(&[25.0], &[40.0, 30.5], &[60.0, 5.0, 1e30]),
    );
    put("Muon_eta", muon_f(&[0.5], &[-2.4, 2.4], &[0.0, -0.0, 1.0]));
    put("Muon_phi", muon_f(&[3.1], &[-3.1, 0.0], &[1.5, -1.5, 7.0]));
    put(
        "Muon_mass",
        muon_f(&[0.105], &[0.105, 0.105], &[0.0, 0.105, -1.0]),
    );
    put(
        "Muon_charge",
        jagged(&[&[], &[1], &[1, -1], &[-1, -1, 1]], Array::I32),
    );
    put("nJet", Array::U32(vec![2, 0, 3, 1]));
    let jet_f = |a: &[f32], b: &[f32], d: &[f32]| jagged(&[a, &[], b, d], Array::F32);
    put(
        "Jet_pt",
        jet_f(&[100.0, 20.0], &[f32::NAN, 35.0, 0.0], &[f32::INFINITY]),
    );
    put(
        "Jet_eta",
        jet_f(&[1.0, -1.0], &[0.0, 4.7, -4.7], &[f32::NEG_INFINITY]),
    );
    put(
        "Jet_phi",
        jet_f(&[0.0, 3.2], &[-3.2, 1.0, 2.0], &[f32::MAX]),
    );
    put(
        "Jet_mass",
        jet_f(&[10.0, 5.0], &[0.0, -0.0, 1e-30], &[-5.0]),
    );
    put("Jet_btag", jet_f(&[0.9, 0.1], &[0.5, 1.0, 0.0], &[2.0]));
    put(
        "Jet_jetId",
        jagged(&[&[6, 2], &[], &[0, i32::MAX, i32::MIN], &[-1]], Array::I32),
    );
    put("MET_pt", Array::F32(vec![0.0, 55.5, f32::NAN, 1e38]));
    put("MET_phi", Array::F32(vec![0.0, -3.0, 3.0, f32::NAN]));
    put("event", Array::U64(vec![0, 1, u64::MAX, 1 << 53]));
    put("run", Array::I32(vec![1, -1, i32::MAX, i32::MIN]));
    put("luminosityBlock", Array::U32(vec![0, 1, u32::MAX, 7]));
    put("HLT_IsoMu24", Array::Bool(vec![true, false, true, false]));
    chunk
}

/// One define or redefine line of an [`expression`] input.
enum Line<'a> {
    Define(&'a str, &'a str),
    Redefine(&'a str, &'a str),
}

fn split_line(line: &str) -> Option<Line<'_>> {
    let (name, rest) = line.split_once('=')?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    Some(match rest.strip_prefix('=') {
        // `name == …` is an expression, not a define.
        Some(_) => return None,
        None => match name.strip_suffix(':') {
            Some(n) => Line::Redefine(n, rest),
            None => Line::Define(name, rest),
        },
    })
}

/// UTF-8 text: lines `name = expr` (a define) or `name := expr` (a redefinition of a branch,
/// a collection field or a whole collection), then an expression. Each is parsed and
/// type-checked in the scope of the lines before it; the last is evaluated on four events.
pub fn expression(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let schema = schema();
    let (mut reg, mut scope): (Registry, Scope) = Registry::new(&schema);
    let mut lines: Vec<&str> = text.lines().take(MAX_LINES).collect();
    let Some(last) = lines.pop() else {
        return;
    };
    for line in lines {
        let (name, src, redefine) = match split_line(line) {
            Some(Line::Define(n, s)) => (n, s, false),
            Some(Line::Redefine(n, s)) => (n, s, true),
            None => continue,
        };
        let Ok(e) = parse(src) else { continue };
        let Ok(t) = check(&e, &schema, &reg, &scope) else {
            continue;
        };
        if redefine {
            let _ = reg.redefine(&schema, &mut scope, name, t);
        } else {
            reg.define(&mut scope, name, t);
        }
    }
    reg.finish(1);
    let Ok(e) = parse(last) else { return };
    let Ok(t) = check(&e, &schema, &reg, &scope) else {
        return;
    };
    let _ = t.ty.describe();
    let chunk = chunk();
    let ev = Evaluator::new(&chunk, &schema, &reg);
    let _ = ev.eval(&t.node);
}

/// UTF-8 text: an analysis file.
///
/// Inputs that might make the analysis read a device or a kernel file as its sample manifest
/// (the one file [`Analysis::from_toml`] opens) are skipped: a fuzzer must not read `/dev/zero`.
pub fn analysis_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.contains("manifest")
        && ["/dev", "/proc", "/sys", "\\u", "\\U"]
            .iter()
            .any(|p| text.contains(p))
    {
        return;
    }
    let Ok(a) = Analysis::from_toml(text, None) else {
        return;
    };
    let _ = a.cuts();
    let _ = a.filter_point(a.cursor());
    if let Ok(json) = serde_json::to_string(&a) {
        let _ = serde_json::from_str::<Analysis>(&json);
    }
}

/// UTF-8 text: a plan (JSON), then partial results (JSON), separated by NUL characters, as
/// `hepframe merge` reads them. The partials are merged, checked against the plan and
/// finished; each partial alone is checked and finished too.
pub fn partial_and_plan(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let plan = parts.next().and_then(|p| Plan::from_json(p).ok());
    let partials: Vec<Partial> = parts
        .take(MAX_PARTIALS)
        .filter_map(|p| Partial::from_json(p).ok())
        .collect();
    if let Some(plan) = &plan {
        let _ = plan.id();
        let _ = plan.to_json();
        for it in &plan.items {
            let _ = (it.entries(), it.describe());
        }
        let _ = plan.item(plan.items.len());
        for p in &partials {
            let _ = p.check_complete(plan);
            let _ = finish(plan, p.clone());
            let _ = p.clone().into_results(plan);
        }
    }
    for p in &partials {
        let _ = Partial::from_json(&p.to_json());
    }
    if partials.is_empty() {
        return;
    }
    let Ok(merged) = merge_all(partials) else {
        return;
    };
    if let Some(plan) = &plan {
        let _ = merged.check_complete(plan);
        let _ = finish(plan, merged.clone());
        let _ = merged.into_results(plan);
    }
}

//! Every fixture correction, evaluated on every committed input, against what
//! correctionlib 2.9.0 returned (tests/data/expected.json, written by
//! tests/data/make_fixtures.py): the same bits, or an error of the same kind.
//! Each case is checked per value, column-wise in batches, and column-wise with
//! broadcast constants.

use std::collections::BTreeMap;
use std::path::PathBuf;

use correction::{Column, Correction, CorrectionSet, EvalError, Value};
use serde_json::Value as Json;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// One committed input.
#[derive(Debug, Clone, PartialEq)]
enum Input {
    Real(f64),
    Int(i64),
    Str(String),
}

impl Input {
    fn parse(s: &str) -> Input {
        let (tag, rest) = s.split_at(1);
        match tag {
            "r" => Input::Real(f64::from_bits(u64::from_str_radix(rest, 16).unwrap())),
            "i" => Input::Int(rest.parse().unwrap()),
            "s" => Input::Str(rest.to_string()),
            _ => panic!("bad input {s}"),
        }
    }

    fn value(&self) -> Value<'_> {
        match self {
            Input::Real(x) => Value::Real(*x),
            Input::Int(i) => Value::Int(*i),
            Input::Str(s) => Value::Str(s),
        }
    }
}

/// What the reference did.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Bits(u64),
    Error(String),
}

impl Outcome {
    fn parse(s: &str) -> Outcome {
        match s.strip_prefix("error:") {
            Some(kind) => Outcome::Error(kind.to_string()),
            None => Outcome::Bits(u64::from_str_radix(s, 16).unwrap()),
        }
    }
}

struct Case {
    inputs: Vec<Input>,
    outcome: Outcome,
}

fn error_kind(e: &EvalError) -> &'static str {
    match e {
        EvalError::OutOfBounds { .. } => "out_of_bounds",
        EvalError::MissingCategory { .. } => "missing_category",
        EvalError::WrapOutOfRange { .. } => "wrap",
        EvalError::ContentIndex { .. } => "content_index",
        EvalError::CategoryInputType { .. } => "category_input_type",
        EvalError::InputType { .. } => "input_type",
        EvalError::InputCount { .. } => "input_count",
        EvalError::Row { source, .. } => error_kind(source),
        _ => "other",
    }
}

fn check(label: &str, got: &Result<f64, EvalError>, want: &Outcome) -> Result<(), String> {
    match (got, want) {
        (Ok(v), Outcome::Bits(b)) if v.to_bits() == *b => Ok(()),
        (Err(e), Outcome::Error(kind)) if error_kind(e) == kind => Ok(()),
        _ => Err(format!(
            "{label}: got {got:?}, reference {}",
            match want {
                Outcome::Bits(b) => format!("{:?} ({b:016x})", f64::from_bits(*b)),
                Outcome::Error(k) => format!("error {k}"),
            }
        )),
    }
}

/// A fixture file's name and its corrections' cases.
type FileCases = (String, Vec<(String, Vec<Case>)>);

fn load_expected() -> Vec<FileCases> {
    let text = std::fs::read_to_string(data_dir().join("expected.json")).unwrap();
    let json: Json = serde_json::from_str(&text).unwrap();
    let mut files = Vec::new();
    for f in json["files"].as_array().unwrap() {
        let mut corrections = Vec::new();
        for c in f["corrections"].as_array().unwrap() {
            let cases = c["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|case| Case {
                    inputs: case[0]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|s| Input::parse(s.as_str().unwrap()))
                        .collect(),
                    outcome: Outcome::parse(case[1].as_str().unwrap()),
                })
                .collect();
            corrections.push((c["correction"].as_str().unwrap().to_string(), cases));
        }
        files.push((f["file"].as_str().unwrap().to_string(), corrections));
    }
    files
}

/// Column-wise over batches of cases that share their string inputs.
fn check_columns(corr: &Correction, cases: &[Case], failures: &mut Vec<String>) {
    let mut groups: BTreeMap<Vec<String>, Vec<&Case>> = BTreeMap::new();
    for case in cases {
        let key = case
            .inputs
            .iter()
            .filter_map(|i| match i {
                Input::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        groups.entry(key).or_default().push(case);
    }
    for group in groups.values() {
        let n = group.len();
        let n_inputs = corr.inputs().len();
        let mut reals: Vec<Vec<f64>> = vec![Vec::new(); n_inputs];
        let mut ints: Vec<Vec<i64>> = vec![Vec::new(); n_inputs];
        for case in group {
            for (k, input) in case.inputs.iter().enumerate() {
                match input {
                    Input::Real(x) => reals[k].push(*x),
                    Input::Int(i) => ints[k].push(*i),
                    Input::Str(_) => {}
                }
            }
        }
        let columns: Vec<Column<'_>> = group[0]
            .inputs
            .iter()
            .enumerate()
            .map(|(k, input)| match input {
                Input::Real(_) => Column::Real(&reals[k]),
                Input::Int(_) => Column::Int(&ints[k]),
                Input::Str(s) => Column::Str(s),
            })
            .collect();
        let first_error = group
            .iter()
            .position(|c| matches!(c.outcome, Outcome::Error(_)));
        let mut out = Vec::new();
        let result = corr.evaluate_columns(&columns, n, &mut out);
        match (result, first_error) {
            (Ok(()), None) => {
                for (row, case) in group.iter().enumerate() {
                    if let Err(e) = check(
                        &format!("{} columns row {row}", corr.name()),
                        &Ok(out[row]),
                        &case.outcome,
                    ) {
                        failures.push(format!("{e} inputs {:?}", case.inputs));
                    }
                }
            }
            (Err(e), Some(row)) => {
                if e.row() != Some(row) {
                    failures.push(format!(
                        "{} columns: error at {:?}, reference first error at row {row}",
                        corr.name(),
                        e.row()
                    ));
                } else if let Err(msg) = check(
                    &format!("{} columns", corr.name()),
                    &Err(e),
                    &group[row].outcome,
                ) {
                    failures.push(msg);
                }
                for (r, case) in group.iter().enumerate().take(row) {
                    if let Err(msg) = check(
                        &format!("{} columns row {r}", corr.name()),
                        &Ok(out[r]),
                        &case.outcome,
                    ) {
                        failures.push(msg);
                    }
                }
            }
            (r, fe) => failures.push(format!(
                "{} columns: got {r:?}, reference first error {fe:?}",
                corr.name()
            )),
        }
    }
}

/// Column-wise with every input a broadcast constant, one case at a time.
fn check_constants(corr: &Correction, cases: &[Case], failures: &mut Vec<String>) {
    for case in cases {
        let columns: Vec<Column<'_>> = case
            .inputs
            .iter()
            .map(|i| match i {
                Input::Real(x) => Column::RealConst(*x),
                Input::Int(v) => Column::IntConst(*v),
                Input::Str(s) => Column::Str(s),
            })
            .collect();
        let mut out = Vec::new();
        let got = corr
            .evaluate_columns(&columns, 3, &mut out)
            .map(|()| out[2]);
        if let Err(e) = check(&format!("{} constants", corr.name()), &got, &case.outcome) {
            failures.push(format!("{e} inputs {:?}", case.inputs));
        }
        if let Err(EvalError::Row { row, .. }) = got {
            if row != 0 {
                failures.push(format!(
                    "{} constants: error row {row}, expected 0",
                    corr.name()
                ));
            }
        }
    }
}

#[test]
fn bit_identical_to_correctionlib() {
    let mut failures = Vec::new();
    let mut n_cases = 0;
    let mut n_errors = 0;
    for (file, corrections) in load_expected() {
        let set =
            CorrectionSet::open(data_dir().join(&file)).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        for (name, cases) in &corrections {
            let corr = set.correction(name).unwrap();
            for case in cases {
                n_cases += 1;
                if matches!(case.outcome, Outcome::Error(_)) {
                    n_errors += 1;
                }
                let values: Vec<Value<'_>> = case.inputs.iter().map(Input::value).collect();
                let got = corr.evaluate(&values);
                if let Err(e) = check(&format!("{file} {name}"), &got, &case.outcome) {
                    failures.push(format!("{e} inputs {:?}", case.inputs));
                }
            }
            check_columns(corr, cases, &mut failures);
            check_constants(corr, cases, &mut failures);
        }
    }
    assert!(n_cases > 5000, "only {n_cases} cases");
    assert!(n_errors > 500, "only {n_errors} error cases");
    if !failures.is_empty() {
        let shown: Vec<_> = failures.iter().take(40).collect();
        panic!("{} mismatches, first ones:\n{:#?}", failures.len(), shown);
    }
}

#[test]
fn every_fixture_correction_is_covered() {
    for (file, corrections) in load_expected() {
        let set = CorrectionSet::open(data_dir().join(&file)).unwrap();
        let tested: Vec<&str> = corrections.iter().map(|(n, _)| n.as_str()).collect();
        for name in set.names() {
            assert!(tested.contains(&name), "{file}: {name} has no cases");
        }
    }
}

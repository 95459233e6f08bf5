//! Column-wise evaluation agrees with per-value evaluation bit for bit, across chunk
//! boundaries, for every fixture correction: random rows are drawn from the committed
//! input values of each input (new combinations of them), and the first failing row is the
//! one per-value evaluation fails on first.

use std::path::PathBuf;

use correction::{Column, CorrectionSet, Value, VarType};
use serde_json::Value as Json;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a, T>(&mut self, pool: &'a [T]) -> &'a T {
        &pool[(self.next() % pool.len() as u64) as usize]
    }
}

#[derive(Default, Clone)]
struct Pool {
    reals: Vec<f64>,
    ints: Vec<i64>,
    strs: Vec<String>,
}

/// The committed input values of each input of each correction.
fn pools() -> Vec<(String, String, Vec<Pool>)> {
    let text = std::fs::read_to_string(data_dir().join("expected.json")).unwrap();
    let json: Json = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for f in json["files"].as_array().unwrap() {
        for c in f["corrections"].as_array().unwrap() {
            let mut pools: Vec<Pool> = Vec::new();
            for case in c["cases"].as_array().unwrap() {
                let inputs = case[0].as_array().unwrap();
                pools.resize(inputs.len(), Pool::default());
                for (pool, input) in pools.iter_mut().zip(inputs) {
                    let s = input.as_str().unwrap();
                    let (tag, rest) = s.split_at(1);
                    match tag {
                        "r" => pool
                            .reals
                            .push(f64::from_bits(u64::from_str_radix(rest, 16).unwrap())),
                        "i" => pool.ints.push(rest.parse().unwrap()),
                        _ => pool.strs.push(rest.to_string()),
                    }
                }
            }
            out.push((
                f["file"].as_str().unwrap().to_string(),
                c["correction"].as_str().unwrap().to_string(),
                pools,
            ));
        }
    }
    out
}

#[test]
fn columns_match_values_on_random_rows() {
    let mut rng = Rng(7);
    let mut checked = 0;
    let mut with_error = 0;
    for (file, name, pools) in pools() {
        let set = CorrectionSet::open(data_dir().join(&file)).unwrap();
        let corr = set.get(&name).unwrap();
        for n in [1usize, 1023, 1024, 1025, 2500] {
            // Several draws per size: errors are common in some corrections, so also try
            // with rows drawn only from values that evaluate.
            for attempt in 0..3 {
                let strings: Vec<String> = pools
                    .iter()
                    .map(|p| {
                        if p.strs.is_empty() {
                            String::new()
                        } else {
                            rng.pick(&p.strs).clone()
                        }
                    })
                    .collect();
                let mut reals: Vec<Vec<f64>> = vec![Vec::new(); pools.len()];
                let mut ints: Vec<Vec<i64>> = vec![Vec::new(); pools.len()];
                for _ in 0..n {
                    for (k, (pool, var)) in pools.iter().zip(corr.inputs()).enumerate() {
                        match var.kind {
                            VarType::Real => reals[k].push(*rng.pick(&pool.reals)),
                            VarType::Int => ints[k].push(*rng.pick(&pool.ints)),
                            VarType::String => {}
                        }
                    }
                }
                if attempt > 0 {
                    // Replace failing rows by copies of a succeeding one, when there is one.
                    let values = |row: usize| -> Vec<Value<'_>> {
                        corr.inputs()
                            .iter()
                            .enumerate()
                            .map(|(k, v)| match v.kind {
                                VarType::Real => Value::Real(reals[k][row]),
                                VarType::Int => Value::Int(ints[k][row]),
                                VarType::String => Value::Str(&strings[k]),
                            })
                            .collect()
                    };
                    let ok: Vec<bool> = (0..n).map(|r| corr.evaluate(&values(r)).is_ok()).collect();
                    if let Some(good) = ok.iter().position(|&b| b) {
                        for row in 0..n {
                            if !ok[row] && (attempt == 2 || row % 2 == 0) {
                                for k in 0..pools.len() {
                                    if let Some(&x) = reals[k].get(good) {
                                        reals[k][row] = x;
                                    }
                                    if let Some(&i) = ints[k].get(good) {
                                        ints[k][row] = i;
                                    }
                                }
                            }
                        }
                    }
                }
                let columns: Vec<Column<'_>> = corr
                    .inputs()
                    .iter()
                    .enumerate()
                    .map(|(k, v)| match v.kind {
                        VarType::Real => Column::Real(&reals[k]),
                        VarType::Int => Column::Int(&ints[k]),
                        VarType::String => Column::Str(&strings[k]),
                    })
                    .collect();
                let mut out = Vec::new();
                let got = corr.evaluate_columns(&columns, n, &mut out);
                let mut first_error = None;
                for row in 0..n {
                    let values: Vec<Value<'_>> = columns
                        .iter()
                        .map(|c| match c {
                            Column::Real(v) => Value::Real(v[row]),
                            Column::Int(v) => Value::Int(v[row]),
                            Column::Str(s) => Value::Str(s),
                            _ => unreachable!(),
                        })
                        .collect();
                    match corr.evaluate(&values) {
                        Ok(v) => {
                            if got.is_ok() {
                                assert_eq!(
                                    v.to_bits(),
                                    out[row].to_bits(),
                                    "{name} row {row} n {n}"
                                );
                            }
                        }
                        Err(e) => {
                            first_error = Some((row, e));
                            break;
                        }
                    }
                }
                match (got, first_error) {
                    (Ok(()), None) => {}
                    (Err(e), Some((row, expected))) => {
                        with_error += 1;
                        assert_eq!(e.row(), Some(row), "{name} n {n}: {e:?}");
                        match e {
                            correction::EvalError::Row { source, .. } => {
                                // Debug, not ==: the value may be NaN.
                                assert_eq!(format!("{source:?}"), format!("{expected:?}"))
                            }
                            other => panic!("{other:?}"),
                        }
                    }
                    (got, first) => {
                        panic!("{name} n {n}: columns {got:?}, values first error {first:?}")
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
    assert!(with_error > 100, "{with_error}");
}

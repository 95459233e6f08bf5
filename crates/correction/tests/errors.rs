//! Bad files and bad inputs: typed errors, never a panic or a stack overflow.

use correction::{Column, CorrectionSet, EvalError, FormulaError, LoadError, Side, Value, VarType};

fn one_correction(inputs: &str, data: &str) -> String {
    format!(
        r#"{{"schema_version": 2, "corrections": [{{"name": "c", "version": 1,
            "inputs": {inputs}, "output": {{"name": "out", "type": "real"}}, "data": {data}}}]}}"#
    )
}

const X: &str = r#"[{"name": "x", "type": "real"}]"#;

fn formula(expr: &str) -> String {
    one_correction(
        X,
        &format!(
            r#"{{"nodetype": "formula", "expression": {}, "parser": "TFormula", "variables": ["x"]}}"#,
            serde_json::to_string(expr).unwrap()
        ),
    )
}

#[test]
fn malformed_json() {
    for text in [
        "",
        "{",
        r#"{"schema_version": 2, "corrections": [}"#,
        "[1, 2]",
        "nul",
    ] {
        assert!(CorrectionSet::from_json_str(text).is_err(), "{text:?}");
    }
    assert!(matches!(
        CorrectionSet::from_json_str("{"),
        Err(LoadError::Json(_))
    ));
    assert!(matches!(
        CorrectionSet::from_json_str("[1]"),
        Err(LoadError::Schema { .. })
    ));
}

#[test]
fn schema_versions_other_than_2() {
    for v in [1, 3, 0, -2] {
        let text = format!(r#"{{"schema_version": {v}, "corrections": []}}"#);
        match CorrectionSet::from_json_str(&text) {
            Err(LoadError::SchemaVersion { found }) => assert_eq!(found, v),
            other => panic!("{other:?}"),
        }
    }
    let err =
        CorrectionSet::from_json_str(r#"{"schema_version": 3, "corrections": []}"#).unwrap_err();
    assert!(err.to_string().contains("schema_version 3"), "{err}");
    assert!(CorrectionSet::from_json_str(r#"{"corrections": []}"#).is_err());
    assert!(CorrectionSet::from_json_str(r#"{"schema_version": "2", "corrections": []}"#).is_err());
    let ok = CorrectionSet::from_json_str(r#"{"schema_version": 2, "corrections": []}"#).unwrap();
    assert!(ok.is_empty());
}

#[test]
fn formula_that_does_not_parse() {
    let err = CorrectionSet::from_json_str(&formula("x + * 2")).unwrap_err();
    match &err {
        LoadError::Formula {
            source:
                FormulaError::Syntax {
                    expression,
                    position,
                    ..
                },
            ..
        } => {
            assert_eq!(expression, "x + * 2");
            assert_eq!(*position, 5);
        }
        other => panic!("{other:?}"),
    }
    let chain = std::error::Error::source(&err).unwrap().to_string();
    assert!(
        chain.contains("x + * 2") && chain.contains("position 5"),
        "{chain}"
    );
    for bad in ["1e+3", "y", "x[1]", "foo(x)", "[0]"] {
        assert!(
            CorrectionSet::from_json_str(&formula(bad)).is_err(),
            "{bad}"
        );
    }
    assert!(matches!(
        CorrectionSet::from_json_str(&formula("y")),
        Err(LoadError::Formula {
            source: FormulaError::InsufficientVariables { index: 1, .. },
            ..
        })
    ));
    assert!(matches!(
        CorrectionSet::from_json_str(&formula("[0]")),
        Err(LoadError::Formula {
            source: FormulaError::InsufficientParameters { index: 0, .. },
            ..
        })
    ));
}

#[test]
fn deeply_nested_formula() {
    let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(matches!(
        CorrectionSet::from_json_str(&formula(&deep)),
        Err(LoadError::Formula {
            source: FormulaError::TooDeep { .. },
            ..
        })
    ));
    let unary = format!("{}x{}", "-(".repeat(50_000), ")".repeat(50_000));
    assert!(CorrectionSet::from_json_str(&formula(&unary)).is_err());
    let calls = format!("{}x{}", "exp(".repeat(50_000), ")".repeat(50_000));
    assert!(CorrectionSet::from_json_str(&formula(&calls)).is_err());
    // Long flat chains are fine, and evaluate without recursion.
    let sum = vec!["x"; 50_000].join(" + ");
    let set = CorrectionSet::from_json_str(&formula(&sum)).unwrap();
    let c = set.get("c").unwrap();
    assert_eq!(c.evaluate(&[Value::Real(1.0)]).unwrap(), 50_000.0);
    // Nesting at the limit is accepted.
    let n = correction::MAX_FORMULA_DEPTH - 1;
    let ok = format!("{}x{}", "(".repeat(n), ")".repeat(n));
    assert!(CorrectionSet::from_json_str(&formula(&ok)).is_ok());
}

#[test]
fn deeply_nested_json() {
    // Binning inside binning, 10 000 deep: serde_json's recursion limit (128) stops it.
    let mut data = "1.0".to_string();
    for _ in 0..10_000 {
        data = format!(
            r#"{{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "content": [{data}], "flow": "clamp"}}"#
        );
    }
    assert!(matches!(
        CorrectionSet::from_json_str(&one_correction(X, &data)),
        Err(LoadError::Json(_))
    ));
    let arrays = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(CorrectionSet::from_json_str(&arrays).is_err());
    // 20 levels are fine.
    let mut data = "2.5".to_string();
    for _ in 0..20 {
        data = format!(
            r#"{{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "content": [{data}], "flow": "clamp"}}"#
        );
    }
    let set = CorrectionSet::from_json_str(&one_correction(X, &data)).unwrap();
    assert_eq!(
        set.get("c").unwrap().evaluate(&[Value::Real(0.5)]).unwrap(),
        2.5
    );
}

fn three_inputs() -> CorrectionSet {
    let inputs = r#"[{"name": "x", "type": "real"}, {"name": "n", "type": "int"}, {"name": "s", "type": "string"}]"#;
    let data = r#"{"nodetype": "category", "input": "s", "content": [
        {"key": "a", "value": {"nodetype": "category", "input": "n", "content": [
            {"key": 1, "value": {"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 2.0],
                                 "content": [3.0, 4.0], "flow": "error"}}]}}]}"#;
    CorrectionSet::from_json_str(&one_correction(inputs, data)).unwrap()
}

#[test]
fn wrong_input_count_and_type() {
    let set = three_inputs();
    let c = set.get("c").unwrap();
    assert_eq!(
        c.evaluate(&[Value::Real(0.5), Value::Int(1), Value::Str("a")])
            .unwrap(),
        3.0
    );
    match c.evaluate(&[Value::Real(0.5), Value::Int(1)]) {
        Err(EvalError::InputCount {
            correction,
            expected: 3,
            got: 2,
        }) => assert_eq!(correction, "c"),
        other => panic!("{other:?}"),
    }
    match c.evaluate(&[Value::Real(0.5), Value::Real(1.0), Value::Str("a")]) {
        Err(EvalError::InputType {
            correction,
            input,
            expected: VarType::Int,
            got: VarType::Real,
        }) => {
            assert_eq!((correction.as_str(), input.as_str()), ("c", "n"));
        }
        other => panic!("{other:?}"),
    }
    let mut out = Vec::new();
    let x = [0.5, 1.5];
    assert!(matches!(
        c.evaluate_columns(
            &[Column::Real(&x), Column::RealConst(1.0), Column::Str("a")],
            2,
            &mut out
        ),
        Err(EvalError::InputType { .. })
    ));
    assert!(matches!(
        c.evaluate_columns(&[Column::Real(&x), Column::IntConst(1)], 2, &mut out),
        Err(EvalError::InputCount { .. })
    ));
    assert!(matches!(
        c.evaluate_columns(
            &[Column::Real(&x), Column::IntConst(1), Column::Str("a")],
            3,
            &mut out
        ),
        Err(EvalError::ColumnLength {
            expected: 3,
            got: 2,
            ..
        })
    ));
}

#[test]
fn evaluation_errors_name_correction_input_and_value() {
    let set = three_inputs();
    let c = set.get("c").unwrap();
    match c.evaluate(&[Value::Real(2.0), Value::Int(1), Value::Str("a")]) {
        Err(EvalError::OutOfBounds {
            correction,
            input,
            value,
            side: Side::Above,
            node,
        }) => {
            assert_eq!(
                (correction.as_str(), input.as_str(), value, node),
                ("c", "x", 2.0, "Binning")
            );
        }
        other => panic!("{other:?}"),
    }
    let e = c
        .evaluate(&[Value::Real(0.5), Value::Int(7), Value::Str("a")])
        .unwrap_err();
    assert!(
        matches!(&e, EvalError::MissingCategory { input, .. } if input == "n"),
        "{e:?}"
    );
    assert!(e.to_string().contains('7'), "{e}");
    let e = c
        .evaluate(&[Value::Real(0.5), Value::Int(1), Value::Str("zz")])
        .unwrap_err();
    assert!(e.to_string().contains("\"zz\""), "{e}");

    // Column-wise: the row of the first failure.
    let x: Vec<f64> = (0..5000).map(|i| (i % 19) as f64 / 10.0).collect();
    let mut n: Vec<i64> = vec![1; 5000];
    n[3001] = 5;
    let mut out = Vec::new();
    let e = c
        .evaluate_columns(
            &[Column::Real(&x), Column::Int(&n), Column::Str("a")],
            5000,
            &mut out,
        )
        .unwrap_err();
    assert_eq!(e.row(), Some(3001));
    assert!(
        matches!(&e, EvalError::Row { source, .. } if matches!(**source, EvalError::MissingCategory { .. }))
    );
    let mut x2 = x.clone();
    x2[4999] = -1.0;
    n[3001] = 1;
    let e = c
        .evaluate_columns(
            &[Column::Real(&x2), Column::Int(&n), Column::Str("a")],
            5000,
            &mut out,
        )
        .unwrap_err();
    assert_eq!(e.row(), Some(4999));
    c.evaluate_columns(
        &[Column::Real(&x), Column::Int(&n), Column::Str("a")],
        5000,
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 5000);
}

#[test]
fn unknown_correction_lists_names() {
    let text = r#"{"schema_version": 2, "corrections": [
        {"name": "b", "version": 1, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 1.0},
        {"name": "a", "version": 2, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 2.0}],
      "compound_corrections": [{"name": "ab", "inputs": [], "output": {"name": "o", "type": "real"},
        "inputs_update": [], "input_op": "*", "output_op": "*", "stack": ["a", "b"]}]}"#;
    let set = CorrectionSet::from_json_str(text).unwrap();
    let e = set.correction("nope").unwrap_err();
    assert_eq!(e.available, ["a", "b", "ab"]);
    assert!(e.to_string().contains("a, b, ab"), "{e}");
    assert!(set.get("nope").is_none());
    assert_eq!(set.names().collect::<Vec<_>>(), ["a", "b", "ab"]);
    assert_eq!(
        set.corrections().map(|c| c.version()).collect::<Vec<_>>(),
        [Some(2), Some(1)]
    );
    let ab = set.get("ab").unwrap();
    assert!(ab.is_compound());
    assert_eq!(ab.version(), None);
    assert_eq!(ab.evaluate(&[]).unwrap(), 2.0);
    assert_eq!(set.compound_corrections().count(), 1);
}

#[test]
fn schema_errors() {
    let bad = [
        // edges written as integers are refused by the reference (rapidjson IsDouble)
        one_correction(
            X,
            r#"{"nodetype": "binning", "input": "x", "edges": [0, 1], "content": [1.0], "flow": "clamp"}"#,
        ),
        one_correction(
            X,
            r#"{"nodetype": "binning", "input": "x", "edges": {"n": 1, "low": 0, "high": 1.0}, "content": [1.0], "flow": "clamp"}"#,
        ),
        one_correction(
            X,
            r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "content": [1.0, 2.0], "flow": "clamp"}"#,
        ),
        one_correction(
            X,
            r#"{"nodetype": "binning", "input": "x", "edges": [1.0, 0.0], "content": [1.0], "flow": "clamp"}"#,
        ),
        one_correction(
            X,
            r#"{"nodetype": "binning", "input": "y", "edges": [0.0, 1.0], "content": [1.0], "flow": "clamp"}"#,
        ),
        one_correction(
            X,
            r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "content": [1.0], "flow": "sideways"}"#,
        ),
        one_correction(X, r#"{"nodetype": "nope"}"#),
        one_correction(X, r#""text""#),
        one_correction(
            X,
            r#"{"nodetype": "category", "input": "x", "content": [{"key": 1, "value": 1.0}]}"#,
        ),
        one_correction(
            X,
            r#"{"nodetype": "hashprng", "inputs": ["x"], "distribution": "poisson"}"#,
        ),
        one_correction(
            X,
            r#"{"nodetype": "formularef", "index": 0, "parameters": []}"#,
        ),
        one_correction(r#"[{"name": "x", "type": "complex"}]"#, "1.0"),
        one_correction(
            r#"[{"name": "i", "type": "int"}]"#,
            r#"{"nodetype": "category", "input": "i", "content": [{"key": 3000000000, "value": 1.0}]}"#,
        ),
    ];
    for text in &bad {
        let e = CorrectionSet::from_json_str(text).unwrap_err();
        assert!(matches!(e, LoadError::Schema { .. }), "{e:?} for {text}");
    }
    let dup = r#"{"schema_version": 2, "corrections": [
        {"name": "a", "version": 1, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 1.0},
        {"name": "a", "version": 1, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 2.0}]}"#;
    assert!(CorrectionSet::from_json_str(dup)
        .unwrap_err()
        .to_string()
        .contains("Duplicate"));
}

#[test]
fn open_plain_gzip_and_missing() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let gz = CorrectionSet::open(dir.join("transform_hashprng.json.gz")).unwrap();
    assert!(gz.get("prng_normal").is_some());
    let plain = CorrectionSet::open(dir.join("category.json")).unwrap();
    assert_eq!(plain.schema_version(), 2);
    assert!(matches!(
        CorrectionSet::open(dir.join("does-not-exist.json")),
        Err(LoadError::Io { .. })
    ));
    // Gzip is detected by content, not by name.
    let tmp = std::env::temp_dir().join(format!("correction-test-{}.json", std::process::id()));
    std::fs::copy(dir.join("transform_hashprng.json.gz"), &tmp).unwrap();
    let renamed = CorrectionSet::open(&tmp);
    let _ = std::fs::remove_file(&tmp);
    assert!(renamed.unwrap().get("tr_int").is_some());
}

#[test]
fn nan_and_infinity_literals() {
    // rapidjson's kParseNanAndInfFlag, which the reference parses with.
    let text = one_correction(
        X,
        r#"{"nodetype": "binning", "input": "x", "edges": [-Infinity, 0.0, Infinity], "content": [NaN, -Inf], "flow": "error"}"#,
    );
    let set = CorrectionSet::from_json_str(&text).unwrap();
    let c = set.get("c").unwrap();
    assert!(c.evaluate(&[Value::Real(-1.0)]).unwrap().is_nan());
    assert_eq!(c.evaluate(&[Value::Real(1.0)]).unwrap(), f64::NEG_INFINITY);
}

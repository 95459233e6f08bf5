//! `correction()` and `lookup()`: argument checking against a table's declared inputs,
//! broadcasting of per-event numbers over lists, errors that name the entry, and string
//! literals. The tables here are small functions written in the test; the engine's tests run
//! real correctionlib files and ROOT histograms.

use std::sync::Arc;

use expr::external::TableSource;
use expr::{
    check, parse, BranchType, Chunk, Evaluator, InputKind, Num, Nums, Registry, Schema, Table,
    TableArg, TableError, TableInput, Tables, Val,
};
use rootio::Array;

/// `a * 1000 + b` (b an int), or `a` alone; fails for a > 100 with flow = error.
struct Affine {
    inputs: Vec<TableInput>,
}

impl Table for Affine {
    fn describe(&self) -> String {
        "correction 'affine' (test.json)".into()
    }
    fn inputs(&self) -> &[TableInput] {
        &self.inputs
    }
    fn evaluate(
        &self,
        args: &[TableArg<'_>],
        n: usize,
        out: &mut Vec<f64>,
    ) -> Result<(), TableError> {
        for row in 0..n {
            let mut v = 0.0;
            for a in args {
                match a {
                    TableArg::Real(x) => {
                        if x[row] > 100.0 {
                            return Err(TableError {
                                row,
                                message: format!("input 'x' = {} is above the last edge", x[row]),
                            });
                        }
                        v += x[row] * 1000.0;
                    }
                    TableArg::Int(k) => v += k[row] as f64,
                    TableArg::Str(s) => v += if *s == "up" { 0.5 } else { 0.0 },
                }
            }
            out.push(v);
        }
        Ok(())
    }
}

struct TestTables;

impl Tables for TestTables {
    fn correction(&self, file: &str, name: &str) -> Result<Arc<dyn Table>, String> {
        match (file, name) {
            ("test.json", "affine") => Ok(Arc::new(Affine {
                inputs: vec![
                    TableInput {
                        name: "x".into(),
                        kind: InputKind::Real,
                    },
                    TableInput {
                        name: "k".into(),
                        kind: InputKind::Int,
                    },
                    TableInput {
                        name: "syst".into(),
                        kind: InputKind::Str,
                    },
                ],
            })),
            ("test.json", other) => Err(format!(
                "test.json has no correction '{other}'; it has: affine"
            )),
            _ => Err(format!("cannot read '{file}'")),
        }
    }
    fn histogram(&self, spec: &str, _clamp: bool) -> Result<Arc<dyn Table>, String> {
        match spec {
            "h.root:h" => Ok(Arc::new(Affine {
                inputs: vec![TableInput {
                    name: "x".into(),
                    kind: InputKind::Real,
                }],
            })),
            _ => Err(format!("no histogram '{spec}'")),
        }
    }
}

fn setup() -> (Schema, Registry, expr::Scope, Chunk) {
    let schema = Schema::from_branches([
        ("nMuon".to_string(), BranchType::Scalar(Num::U32)),
        ("Muon_pt".to_string(), BranchType::List(Num::F32)),
        ("Muon_charge".to_string(), BranchType::List(Num::I32)),
        ("MET_pt".to_string(), BranchType::Scalar(Num::F32)),
    ]);
    let (mut registry, scope) = Registry::new(&schema);
    registry.tables = TableSource(Some(Arc::new(TestTables)));
    let offsets = vec![0i64, 2, 2, 3];
    let mut chunk = Chunk {
        entries: vec![10, 11, 12],
        ..Default::default()
    };
    chunk
        .columns
        .insert("nMuon".into(), Array::U32(vec![2, 0, 1]));
    chunk.columns.insert(
        "Muon_pt".into(),
        Array::Jagged {
            offsets: offsets.clone().into(),
            values: Box::new(Array::F32(vec![10.5, 20.0, 99.0])),
        },
    );
    chunk.columns.insert(
        "Muon_charge".into(),
        Array::Jagged {
            offsets: offsets.into(),
            values: Box::new(Array::I32(vec![-1, 1, 1])),
        },
    );
    chunk
        .columns
        .insert("MET_pt".into(), Array::F32(vec![1.0, 2.0, 150.0]));
    (schema, registry, scope, chunk)
}

fn eval(src: &str) -> Result<Val, String> {
    let (schema, registry, scope, chunk) = setup();
    let e = parse(src).map_err(|e| e.message)?;
    let t = check(&e, &schema, &registry, &scope).map_err(|e| e.message)?;
    Evaluator::new(&chunk, &schema, &registry)
        .eval(&t.node)
        .map_err(|e| e.message)
}

#[test]
fn lists_and_numbers_broadcast() {
    let v = eval(r#"correction("test.json", 'affine', Muon.pt, Muon.charge, "up")"#).unwrap();
    match v {
        Val::List(o, Nums::F64(x)) => {
            assert_eq!(*o, vec![0, 2, 2, 3]);
            assert_eq!(x, vec![10499.5, 20001.5, 99001.5]);
        }
        other => panic!("{other:?}"),
    }
    // A per-event number broadcast over the muons; an integer constant.
    let v = eval(r#"correction("test.json", "affine", MET_pt[0:0] , 1, "nominal")"#);
    assert!(v.is_err(), "a slice of a number is not a list");
    let v = eval(r#"correction("test.json", "affine", Muon.pt * 0 + 1, 7, "nominal")"#).unwrap();
    assert_eq!(
        v,
        Val::List(
            std::rc::Rc::new(vec![0, 2, 2, 3]),
            Nums::F64(vec![1007.0; 3])
        )
    );
}

#[test]
fn per_event_values_and_errors_name_the_entry() {
    let v = eval(r#"lookup("h.root:h", get(Muon.pt, 0, 2.5f))"#).unwrap();
    assert_eq!(v, Val::Num(Nums::F64(vec![10500.0, 2500.0, 99000.0])));
    let err = eval(r#"lookup("h.root:h", MET_pt)"#).unwrap_err();
    assert!(err.contains("entry 12"), "{err}");
    assert!(err.contains("above the last edge"), "{err}");
    let err =
        eval(r#"correction("test.json", "affine", Muon.pt, Muon.charge[0:1], "up")"#).unwrap_err();
    assert!(err.contains("different lengths in entry 10"), "{err}");
}

#[test]
fn arguments_are_checked_before_the_loop() {
    let cases = [
        (
            r#"correction("test.json", "affine", Muon.pt, Muon.charge)"#,
            "takes 3 inputs: x (real), k (int), syst (string); 2 given",
        ),
        (
            r#"correction("test.json", "affine", Muon.pt, Muon.pt, "up")"#,
            "input 'k' of correction 'affine' (test.json) is an integer",
        ),
        (
            r#"correction("test.json", "affine", Muon.pt, Muon.charge, up)"#,
            "is a string: write it in quotes",
        ),
        (
            r#"correction("test.json", "affine", "x", Muon.charge, "up")"#,
            "is a number (real), not a string",
        ),
        (
            r#"correction("test.json", "afine", Muon.pt, Muon.charge, "up")"#,
            "it has: affine",
        ),
        (
            r#"correction(test, "affine", Muon.pt)"#,
            "string literal in quotes",
        ),
        (
            r#"correction("test.json")"#,
            "correction's name, is missing",
        ),
        (r#"lookup("h.root:h", MET_pt, "nearest")"#, "\"clamp\""),
        (r#"lookup("h.root:h", Muon)"#, "not a list of Muon records"),
        (
            r#"MET_pt > "10""#,
            "a string is only an argument of correction() or lookup()",
        ),
        (
            r#"lookup("h.root:h", MET_pt) > 'unterminated"#,
            "no closing quote",
        ),
    ];
    for (src, want) in cases {
        let err = eval(src).unwrap_err();
        assert!(err.contains(want), "{src}: {err}");
    }
}

#[test]
fn without_tables_the_functions_say_why() {
    let schema = Schema::from_branches([("MET_pt".to_string(), BranchType::Scalar(Num::F32))]);
    let (registry, scope) = Registry::new(&schema);
    let e = parse(r#"lookup("h.root:h", MET_pt)"#).unwrap();
    let err = check(&e, &schema, &registry, &scope).unwrap_err();
    assert!(err.message.contains("cannot open"), "{}", err.message);
}

#[test]
fn string_escapes() {
    let e = parse(r#"lookup('it\'s.root:h', 1)"#).unwrap();
    match e.kind {
        expr::ast::ExprKind::Call(_, args) => {
            assert_eq!(args[0].kind, expr::ast::ExprKind::Str("it's.root:h".into()))
        }
        other => panic!("{other:?}"),
    }
}

/// `prod`, for event weights from per-object scale factors: sequential in the element type
/// from 1, as `VecOps::Product`; 1 for an empty list.
#[test]
fn products_of_lists() {
    let v = eval("prod(Muon.pt)").unwrap();
    assert_eq!(v, Val::Num(Nums::F32(vec![10.5f32 * 20.0f32, 1.0, 99.0])));
    let v = eval("prod(Muon.charge)").unwrap();
    assert_eq!(v, Val::Num(Nums::I32(vec![-1, 1, 1])));
    let v = eval(
        r#"prod(correction("test.json", "affine", Muon.pt * 0 + 0.001, Muon.charge, "nominal"))"#,
    )
    .unwrap();
    assert_eq!(
        v,
        Val::Num(Nums::F64(vec![(1.0 - 1.0) * (1.0 + 1.0), 1.0, 2.0]))
    );
}

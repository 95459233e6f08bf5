//! Cuts narrow a chunk's selection of view rows instead of copying its columns: what an
//! expression reads afterwards equals the columns filtered by copying.

use std::rc::Rc;

use expr::{Chunk, Val, View};
use rootio::Array;

fn arrays() -> Vec<(&'static str, Array)> {
    let n = 50;
    let mut offsets = vec![0i64];
    let mut values = Vec::new();
    for i in 0..n {
        for j in 0..(i * 7 % 5) {
            values.push((i * 10 + j) as f32);
        }
        offsets.push(values.len() as i64);
    }
    // Lists of 0–11 elements, as i16 (converted to int on the way).
    let mut long_offsets = vec![0i64];
    let mut long_values = Vec::new();
    for i in 0..n {
        for j in 0..(i * 13 % 12) {
            long_values.push((i * 100 + j) as i16 - 2000);
        }
        long_offsets.push(long_values.len() as i64);
    }
    vec![
        (
            "jagged_long",
            Array::Jagged {
                offsets: long_offsets.into(),
                values: Box::new(Array::I16(long_values)),
            },
        ),
        (
            "flat_f32",
            Array::F32((0..n).map(|i| i as f32 * 0.5).collect()),
        ),
        ("flat_i8", Array::I8((0..n).map(|i| i as i8 - 20).collect())),
        (
            "flat_bool",
            Array::Bool((0..n).map(|i| i % 3 == 0).collect()),
        ),
        (
            "jagged",
            Array::Jagged {
                offsets: offsets.into(),
                values: Box::new(Array::F32(values)),
            },
        ),
        (
            "fixed",
            Array::Fixed {
                size: 3,
                values: Box::new(Array::U16((0..3 * n as u16).collect())),
            },
        ),
    ]
}

/// A chunk of rows `start..stop` of the arrays, as views (an event loop's batch).
fn viewed_chunk(start: usize, stop: usize, arrays: Vec<(&str, Array)>) -> Chunk {
    let mut viewed = Chunk {
        entries: (start as u64..stop as u64).collect(),
        ..Default::default()
    };
    for (name, a) in arrays {
        let array = Rc::new(a);
        viewed
            .views
            .insert(name.into(), View { array, start, stop });
    }
    viewed
}

#[test]
fn narrowed_views_read_as_copied_columns() {
    // Rows 5..45 of the read arrays, as an event loop's batch.
    let (start, stop) = (5, 45);
    let mut viewed = Chunk {
        entries: (start as u64..stop as u64).collect(),
        ..Default::default()
    };
    let mut copied = viewed.clone();
    for (name, a) in arrays() {
        copied.columns.insert(name.into(), a.slice(start, stop));
        viewed.views.insert(
            name.into(),
            View {
                array: Rc::new(a),
                start,
                stop,
            },
        );
    }
    let keep1: Vec<bool> = (0..stop - start).map(|i| i % 4 != 1).collect();
    let (v1, c1) = (viewed.filter(&keep1), copied.filter(&keep1));
    let keep2: Vec<bool> = (0..v1.len()).map(|i| i % 3 != 2 && i != 7).collect();
    let (v2, c2) = (v1.filter(&keep2), c1.filter(&keep2));
    for (v, c) in [(&viewed, &copied), (&v1, &c1), (&v2, &c2)] {
        assert_eq!(v.entries, c.entries);
        for (name, _) in arrays() {
            assert_eq!(v.array(name), c.array(name), "{name}");
            let view = &v.views[name];
            let from_view = v.view_value(view).unwrap();
            let from_copy = c
                .array(name)
                .map(|a| Chunk::value_of(&a, 0, c.len()))
                .unwrap();
            assert_eq!(Some(from_view), from_copy, "{name}");
        }
    }
}

/// The fields of a collection (equal offsets) share one offsets array through every cut; a
/// field whose offsets differ (a corrupt file, a `std::vector` branch) gets its own, and
/// every value is what the copy of the column holds.
#[test]
fn fields_with_equal_offsets_share_them() {
    let lists = |lens: &[usize], scale: f32| {
        let mut offsets = vec![0i64];
        let mut values = Vec::new();
        for (i, n) in lens.iter().enumerate() {
            for j in 0..*n {
                values.push(scale * (i * 10 + j) as f32);
            }
            offsets.push(values.len() as i64);
        }
        Array::Jagged {
            offsets: offsets.into(),
            values: Box::new(Array::F32(values)),
        }
    };
    let lens: Vec<usize> = (0..40).map(|i| i * 5 % 4).collect();
    // The same number of values in all, but two events' lists differ in length.
    let mut other = lens.clone();
    other.swap(3, 4);
    assert_ne!(lens[3], lens[4]);
    let arrays = [
        ("Muon_pt", lists(&lens, 1.0)),
        ("Muon_eta", lists(&lens, -0.5)),
        ("Muon_odd", lists(&other, 2.0)),
    ];
    let (start, stop) = (2, 38);
    let viewed = viewed_chunk(start, stop, arrays.to_vec());
    let keep: Vec<bool> = (0..stop - start).map(|i| i % 3 != 0).collect();
    let narrowed = viewed.filter(&keep);
    for c in [&viewed, &narrowed] {
        let mut layouts = Vec::new();
        let vals: Vec<Val> = arrays
            .iter()
            .map(|(name, _)| c.view_value_sharing(&c.views[*name], &mut layouts).unwrap())
            .collect();
        for ((name, _), v) in arrays.iter().zip(&vals) {
            assert_eq!(Some(v), c.view_value(&c.views[*name]).as_ref(), "{name}");
        }
        let offsets = |v: &Val| match v {
            Val::List(o, _) => o.clone(),
            other => panic!("not a list: {other:?}"),
        };
        assert!(Rc::ptr_eq(&offsets(&vals[0]), &offsets(&vals[1])));
        assert!(!Rc::ptr_eq(&offsets(&vals[0]), &offsets(&vals[2])));
        assert_ne!(offsets(&vals[0]), offsets(&vals[2]));
        assert_eq!(layouts.len(), 2);
    }
}

/// Floats read straight to double precision are the values of `view_value`, converted, with
/// the same (shared) offsets; other arrays are not read this way.
#[test]
fn float_views_read_to_double_equal_their_values_converted() {
    let (start, stop) = (5, 45);
    let viewed = viewed_chunk(start, stop, arrays());
    let keep: Vec<bool> = (0..stop - start).map(|i| i % 4 != 1).collect();
    let narrowed = viewed.filter(&keep);
    for c in [&viewed, &narrowed] {
        let mut layouts = Vec::new();
        let Some(Val::List(off, nums)) = c.view_value_sharing(&c.views["jagged"], &mut layouts)
        else {
            panic!("not a list");
        };
        let (off64, values) = c
            .view_f64_sharing(&c.views["jagged"], &mut layouts)
            .unwrap();
        assert!(Rc::ptr_eq(&off, &off64));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&values), bits(&nums.to_f64()));
        assert!(values.len() > 20);
        for other in ["jagged_long", "fixed", "flat_f32"] {
            assert!(c.view_f64_sharing(&c.views[other], &mut layouts).is_none());
        }
    }
}

//! Cuts narrow a chunk's selection of view rows instead of copying its columns: what an
//! expression reads afterwards equals the columns filtered by copying.

use std::rc::Rc;

use expr::{Chunk, View};
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
    vec![
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
                offsets,
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

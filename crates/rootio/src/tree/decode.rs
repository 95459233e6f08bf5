//! Decoding basket bytes into columns, in bulk.
//!
//! Fixed-size and leaf-count data are decoded with one byte-swapping pass over the whole basket
//! slice (the compiler vectorises `from_be_bytes` over `chunks_exact`). `std::vector` and
//! strings need a walk over entries, but never allocate per entry.

use super::basket::EntryTable;
use super::interpretation::{Element, Interpretation};
use super::same_offsets::SameOffsets;
use crate::array::{Array, PrimitiveType};
use crate::cursor::BYTE_COUNT_MASK;
use crate::error::{Error, Result};

/// An empty array of the in-memory type of `element`.
pub fn empty_for(element: Element) -> Array {
    match element.memory_type() {
        PrimitiveType::Bool => Array::Bool(Vec::new()),
        PrimitiveType::I8 => Array::I8(Vec::new()),
        PrimitiveType::U8 => Array::U8(Vec::new()),
        PrimitiveType::I16 => Array::I16(Vec::new()),
        PrimitiveType::U16 => Array::U16(Vec::new()),
        PrimitiveType::I32 => Array::I32(Vec::new()),
        PrimitiveType::U32 => Array::U32(Vec::new()),
        PrimitiveType::I64 => Array::I64(Vec::new()),
        PrimitiveType::U64 => Array::U64(Vec::new()),
        PrimitiveType::F32 => Array::F32(Vec::new()),
        PrimitiveType::F64 => Array::F64(Vec::new()),
    }
}

/// An empty array for an interpretation.
pub fn empty_for_interpretation(interp: &Interpretation) -> Array {
    match interp {
        Interpretation::Fixed { element, shape } => wrap_fixed(empty_for(*element), shape),
        Interpretation::Counted { element, inner, .. } => Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(wrap_fixed(empty_for(*element), inner)),
        },
        Interpretation::Vector { element } => Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(empty_for(*element)),
        },
        Interpretation::VectorVector { element } => Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(Array::Jagged {
                offsets: vec![0].into(),
                values: Box::new(empty_for(*element)),
            }),
        },
        Interpretation::Strings | Interpretation::CharStar => Array::Strings {
            offsets: vec![0],
            data: Vec::new(),
        },
        Interpretation::VectorString => Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(Array::Strings {
                offsets: vec![0],
                data: Vec::new(),
            }),
        },
        Interpretation::PointerArray { element } => Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(empty_for(*element)),
        },
        Interpretation::VectorPerObject { element } => Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(Array::Jagged {
                offsets: vec![0].into(),
                values: Box::new(empty_for(*element)),
            }),
        },
        Interpretation::Object(layout) => layout.empty_array(),
        Interpretation::Model(model) => model.empty_array(),
        Interpretation::ModelPerObject { model, .. } => Array::Jagged {
            offsets: vec![0].into(),
            values: Box::new(model.empty_array()),
        },
        Interpretation::ObjectArray { layout, len } => Array::Fixed {
            size: *len,
            values: Box::new(layout.empty_array()),
        },
        Interpretation::LeafList { leaves } => Array::Record {
            fields: leaves
                .iter()
                .map(|(n, e, k)| {
                    let shape: Vec<usize> = if *k > 1 { vec![*k] } else { Vec::new() };
                    (n.clone(), wrap_fixed(empty_for(*e), &shape))
                })
                .collect(),
            len: 0,
        },
    }
}

fn wrap_fixed(values: Array, shape: &[usize]) -> Array {
    let n: usize = shape.iter().product();
    if shape.is_empty() {
        values
    } else {
        Array::Fixed {
            size: n,
            values: Box::new(values),
        }
    }
}

/// Append `f` of each value of `src` to `out`, in a plain loop into the spare capacity. For the
/// bodies of `avx2_or_baseline!`: there `Vec::extend` of a mapped iterator runs the iterator's
/// `fold`, which the compiler may leave out of line — compiled for the baseline CPU, shared by
/// both copies — when its inlining budget runs out elsewhere. It did once, after an unrelated
/// change to the read's order, for `push_stored_element_offsets` (the baseline loop 5 % of ADL
/// q8, which looked like the change costing 5 %). A `for` loop's `next` is always inlined.
#[inline(always)]
fn push_mapped<T: Copy, U>(out: &mut Vec<U>, src: &[T], mut f: impl FnMut(T) -> U) {
    out.reserve(src.len());
    let start = out.len();
    let spare = &mut out.spare_capacity_mut()[..src.len()];
    for (d, &x) in spare.iter_mut().zip(src) {
        d.write(f(x));
    }
    // SAFETY: the loop wrote each of the first `src.len()` spare elements, for which
    // `reserve` made room.
    unsafe { out.set_len(start + src.len()) };
}

macro_rules! be_extend {
    ($out:expr, $bytes:expr, $t:ty) => {{
        const N: usize = std::mem::size_of::<$t>();
        let n = $bytes.len() / N;
        $out.reserve(n);
        let start = $out.len();
        // One fused load-swap-store pass into the spare capacity, which the compiler
        // vectorises; no zero-fill first.
        let spare = &mut $out.spare_capacity_mut()[..n];
        for (d, c) in spare.iter_mut().zip($bytes.chunks_exact(N)) {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            d.write(<$t>::from_be_bytes(a));
        }
        // SAFETY: the loop above initialised exactly the first `n` spare elements (`bytes`
        // holds `n` whole elements, checked by the caller), and `reserve(n)` guaranteed room.
        unsafe { $out.set_len(start + n) };
    }};
}

crate::avx2::avx2_or_baseline! {
/// Append the elements encoded in `bytes` (a whole number of elements) to `out`, which must be
/// the array type of `element`.
pub fn append_elements(out: &mut Array, element: Element, bytes: &[u8]) -> Result<()> {
    let size = element.disk_size();
    if !bytes.len().is_multiple_of(size) {
        return Err(Error::corrupt(format!(
            "{} bytes is not a whole number of {size}-byte elements",
            bytes.len()
        )));
    }
    match (element, out) {
        (Element::Primitive(PrimitiveType::Bool), Array::Bool(v)) => {
            push_mapped(v, bytes, |b| b != 0)
        }
        (Element::Primitive(PrimitiveType::I8), Array::I8(v)) => {
            push_mapped(v, bytes, |b| b as i8)
        }
        (Element::Primitive(PrimitiveType::U8), Array::U8(v)) => v.extend_from_slice(bytes),
        (Element::Primitive(PrimitiveType::I16), Array::I16(v)) => be_extend!(v, bytes, i16),
        (Element::Primitive(PrimitiveType::U16), Array::U16(v)) => be_extend!(v, bytes, u16),
        (Element::Primitive(PrimitiveType::I32), Array::I32(v)) => be_extend!(v, bytes, i32),
        (Element::Primitive(PrimitiveType::U32), Array::U32(v)) => be_extend!(v, bytes, u32),
        (Element::Primitive(PrimitiveType::I64), Array::I64(v)) => be_extend!(v, bytes, i64),
        (Element::Primitive(PrimitiveType::U64), Array::U64(v)) => be_extend!(v, bytes, u64),
        (Element::Primitive(PrimitiveType::F32), Array::F32(v)) => be_extend!(v, bytes, f32),
        (Element::Primitive(PrimitiveType::F64), Array::F64(v)) => be_extend!(v, bytes, f64),
        (Element::Double32AsFloat, Array::F64(v)) => {
            push_mapped(v, bytes.as_chunks::<4>().0, |c| f32::from_be_bytes(c) as f64);
        }
        (
            Element::Ranged {
                low,
                high,
                nbits,
                double,
            },
            out,
        ) => {
            // `TBufferFile::ReadWithFactor`: `aint / factor + minvalue`, in this order.
            let bigint: u32 = if nbits < 32 { 1 << nbits } else { u32::MAX };
            let factor = bigint as f64 / (high - low);
            let it = bytes
                .chunks_exact(4)
                .map(move |c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as f64 / factor + low);
            match (double, out) {
                (true, Array::F64(v)) => v.extend(it),
                (false, Array::F32(v)) => v.extend(it.map(|x| x as f32)),
                _ => return Err(Error::corrupt("internal: array type mismatch")),
            }
        }
        (Element::Truncated { nbits, double }, out) => {
            // `TBufferFile::ReadWithNbits`: exponent byte, then a 16-bit mantissa with the sign
            // in bit nbits+1.
            let nbits = nbits.min(22);
            let it = bytes.chunks_exact(3).map(move |c| {
                let exp = c[0] as u32;
                let man = u16::from_be_bytes([c[1], c[2]]) as u32;
                let mut bits = exp << 23;
                bits |= (man & ((1 << (nbits + 1)) - 1)) << (23 - nbits);
                let mut f = f32::from_bits(bits);
                if (1 << (nbits + 1)) & man != 0 {
                    f = -f;
                }
                f
            });
            match (double, out) {
                (true, Array::F64(v)) => v.extend(it.map(|x| x as f64)),
                (false, Array::F32(v)) => v.extend(it),
                _ => return Err(Error::corrupt("internal: array type mismatch")),
            }
        }
        _ => return Err(Error::corrupt("internal: array type mismatch")),
    }
    Ok(())
}
}

/// Decode entries `lo..hi` of a basket's data, appending them to `out` (an array of the
/// interpretation's type, e.g. from [`empty_for_interpretation`]).
///
/// `offsets` are the entry byte offsets (n + 1) for variable-size entries; `None` for
/// fixed-size data. With `same`, the list offsets of a counted field are compared with its
/// collection leader's instead of written (see [`super::same_offsets`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn decode(
    out: &mut Array,
    interp: &Interpretation,
    data: &[u8],
    offsets: Option<&[u32]>,
    entries: usize,
    lo: usize,
    hi: usize,
    same: Option<&mut SameOffsets>,
) -> Result<()> {
    let hi = hi.min(entries);
    let lo = lo.min(hi);
    match interp {
        Interpretation::Fixed { element, shape } => {
            let per: usize = element.disk_size() * shape.iter().product::<usize>().max(1);
            if let Some(off) = offsets.filter(|o| o.windows(2).any(|w| w[1] - w[0] != per as u32)) {
                // Entries of another size than the type's. `TObject::fBits` of a referenced
                // object is followed by its 2-byte process id (`TObject::Streamer`,
                // kIsReferenced): keep the 4 bytes of fBits. Anything else is not this type.
                check_offsets(off, entries, data.len())?;
                let bits = *element == Element::Primitive(PrimitiveType::U32) && shape.is_empty();
                let target = match out {
                    Array::Fixed { values, .. } => values.as_mut(),
                    other => other,
                };
                for (k, entry) in entry_slices(data, off, lo, hi).enumerate() {
                    // kIsReferenced is BIT(4): in the last of the 4 big-endian bytes.
                    let referenced = entry.len() >= 4 && entry[3] & 0x10 != 0;
                    let expected = if referenced { 6 } else { 4 };
                    if !bits || entry.len() != expected {
                        return Err(Error::corrupt(format!(
                            "entry {} holds {} bytes, not the {per} of its type",
                            lo + k,
                            entry.len()
                        )));
                    }
                    append_elements(target, *element, &entry[..4])?;
                }
                return Ok(());
            }
            let need = hi
                .checked_mul(per)
                .filter(|n| *n <= data.len())
                .ok_or_else(|| {
                    Error::corrupt(format!(
                        "basket holds {} bytes, but {entries} entries of {per} bytes were declared",
                        data.len()
                    ))
                })?;
            let target = match out {
                Array::Fixed { values, .. } => values.as_mut(),
                other => other,
            };
            append_elements(target, *element, &data[lo * per..need])?;
        }
        Interpretation::Counted { element, inner, .. } => {
            let off = entry_offsets(offsets, entries, data.len())?;
            let per = element.disk_size() * inner.iter().product::<usize>().max(1);
            let (a, b) = (off[lo] as usize, off[hi] as usize);
            let (o, values) = jagged(out)?;
            match same {
                Some(same) => same.push(o, &off[lo..=hi], per)?,
                None => push_element_offsets(o, &off[lo..=hi], per)?,
            }
            append_values(values, *element, &data[a..b])?;
        }
        Interpretation::Vector { element } => {
            let off = entry_offsets(offsets, entries, data.len())?;
            let (o, values) = jagged(out)?;
            for entry in entry_slices(data, off, lo, hi) {
                let (n, _) = read_vector(skip_header(entry), *element, values)?;
                push_count(o, n);
            }
        }
        Interpretation::VectorVector { element } => {
            let off = entry_offsets(offsets, entries, data.len())?;
            let (o, values) = jagged(out)?;
            let (io, iv) = jagged(values)?;
            for entry in entry_slices(data, off, lo, hi) {
                let (nouter, mut rest) = read_count(skip_header(entry))?;
                // Each inner vector needs at least its 4-byte count.
                if nouter.saturating_mul(4) > rest.len() {
                    return Err(Error::corrupt(format!(
                        "{nouter} inner vectors in {} bytes",
                        rest.len()
                    )));
                }
                for _ in 0..nouter {
                    let (n, r) = read_vector(rest, *element, iv)?;
                    push_count(io, n);
                    rest = r;
                }
                push_count(o, nouter);
            }
        }
        Interpretation::PointerArray { element } => {
            let off = entry_offsets(offsets, entries, data.len())?;
            let (o, values) = jagged(out)?;
            for entry in entry_slices(data, off, lo, hi) {
                // One marker byte, then the values.
                let body = entry.get(1..).unwrap_or(&[]);
                append_elements(values, *element, body)?;
                push_count(o, body.len() / element.disk_size());
            }
        }
        Interpretation::VectorPerObject { element } => {
            let off = entry_offsets(offsets, entries, data.len())?;
            let (o, values) = jagged(out)?;
            let (io, iv) = jagged(values)?;
            for entry in entry_slices(data, off, lo, hi) {
                let mut rest = skip_header(entry);
                let mut objects = 0;
                while !rest.is_empty() {
                    let (n, r) = read_vector(rest, *element, iv)?;
                    push_count(io, n);
                    rest = r;
                    objects += 1;
                }
                push_count(o, objects);
            }
        }
        Interpretation::LeafList { leaves } => {
            let Array::Record { fields, len } = out else {
                return Err(Error::corrupt("internal: array type mismatch"));
            };
            let per: usize = leaves.iter().map(|(_, e, k)| e.disk_size() * k).sum();
            let need = hi
                .checked_mul(per)
                .filter(|n| *n <= data.len())
                .ok_or_else(|| {
                    Error::corrupt(format!(
                        "basket holds {} bytes, not {entries} entries of {per} bytes",
                        data.len()
                    ))
                })?;
            let rows = &data[lo * per..need];
            let mut at = 0;
            let mut gathered = Vec::new();
            for ((_, e, k), (_, col)) in leaves.iter().zip(fields.iter_mut()) {
                let w = e.disk_size() * k;
                gathered.clear();
                for row in rows.chunks_exact(per.max(1)) {
                    gathered.extend_from_slice(&row[at..at + w]);
                }
                let target = match col {
                    Array::Fixed { values, .. } => values.as_mut(),
                    other => other,
                };
                append_elements(target, *e, &gathered)?;
                at += w;
            }
            *len += hi - lo;
        }
        Interpretation::Object(layout) => match offsets {
            Some(off) => {
                check_offsets(off, entries, data.len())?;
                for entry in entry_slices(data, off, lo, hi) {
                    let mut c = crate::cursor::Cursor::new(entry, 0, "object");
                    super::objects::read_object(&mut c, layout, out)?;
                }
            }
            None => {
                let mut c = crate::cursor::Cursor::new(data, 0, "object");
                let mut scratch = layout.empty_array();
                for i in 0..hi {
                    if i >= lo {
                        super::objects::read_object(&mut c, layout, out)?;
                    } else {
                        super::objects::read_object(&mut c, layout, &mut scratch)?;
                    }
                }
            }
        },
        Interpretation::Model(model) => match offsets {
            Some(off) => {
                check_offsets(off, entries, data.len())?;
                for (k, entry) in entry_slices(data, off, lo, hi).enumerate() {
                    // The header of a branch's whole value is checked against the entry: ROOT
                    // writes it, but a value that is empty may come without one.
                    let header = model.has_header() && skip_header(entry).len() != entry.len();
                    let mut c = crate::cursor::Cursor::new(entry, 0, "entry");
                    model.read_as(&mut c, out, header)?;
                    if c.remaining() != 0 {
                        return Err(Error::corrupt(format!(
                            "entry {} holds {} bytes after its {} value",
                            lo + k,
                            c.remaining(),
                            model.type_name()
                        )));
                    }
                }
            }
            None => {
                let mut c = crate::cursor::Cursor::new(data, 0, "basket");
                let mut scratch = model.empty_array();
                for i in 0..hi {
                    model.read(&mut c, if i >= lo { &mut *out } else { &mut scratch })?;
                }
            }
        },
        Interpretation::ModelPerObject {
            model,
            entry_header,
        } => {
            let off = entry_offsets(offsets, entries, data.len())?;
            let (o, values) = jagged(out)?;
            for entry in entry_slices(data, off, lo, hi) {
                let body = if *entry_header {
                    skip_header(entry)
                } else {
                    entry
                };
                let mut c = crate::cursor::Cursor::new(body, 0, "entry");
                let mut objects = 0;
                while c.remaining() > 0 {
                    let before = c.remaining();
                    model.read(&mut c, values)?;
                    if c.remaining() == before {
                        return Err(Error::corrupt("a collection member that takes no bytes"));
                    }
                    objects += 1;
                }
                push_count(o, objects);
            }
        }
        Interpretation::ObjectArray { layout, len } => {
            let Array::Fixed { values, .. } = out else {
                return Err(Error::corrupt("internal: array type mismatch"));
            };
            let off = entry_offsets(offsets, entries, data.len())?;
            for entry in entry_slices(data, off, lo, hi) {
                let mut c = crate::cursor::Cursor::new(entry, 0, "object array");
                for _ in 0..*len {
                    super::objects::read_object(&mut c, layout, values)?;
                }
            }
        }
        Interpretation::VectorString => {
            let off = entry_offsets(offsets, entries, data.len())?;
            let (o, values) = jagged(out)?;
            let Array::Strings {
                offsets: so,
                data: sd,
            } = values
            else {
                return Err(Error::corrupt("internal: array type mismatch"));
            };
            for entry in entry_slices(data, off, lo, hi) {
                let (n, mut rest) = read_count(skip_header(entry))?;
                if n > rest.len() {
                    return Err(Error::corrupt(format!(
                        "{n} strings in {} bytes",
                        rest.len()
                    )));
                }
                for _ in 0..n {
                    let (s, r) = read_tstring(rest)?;
                    sd.extend_from_slice(s);
                    so.push(sd.len() as i64);
                    rest = r;
                }
                push_count(o, n);
            }
        }
        Interpretation::Strings | Interpretation::CharStar => {
            let Array::Strings {
                offsets: o,
                data: d,
            } = out
            else {
                return Err(Error::corrupt("internal: array type mismatch"));
            };
            let read_tstring = if matches!(interp, Interpretation::CharStar) {
                read_char_star
            } else {
                read_tstring
            };
            match offsets {
                Some(off) => {
                    check_offsets(off, entries, data.len())?;
                    for entry in entry_slices(data, off, lo, hi) {
                        let body = skip_header(entry);
                        if body.is_empty() {
                            o.push(d.len() as i64);
                            continue;
                        }
                        let (s, _) = read_tstring(body)?;
                        d.extend_from_slice(s);
                        o.push(d.len() as i64);
                    }
                }
                None => {
                    // No offsets: entries are length-prefixed strings back to back.
                    let mut rest = data;
                    for i in 0..hi {
                        let (s, r) = read_tstring(rest)?;
                        if i >= lo {
                            d.extend_from_slice(s);
                            o.push(d.len() as i64);
                        }
                        rest = r;
                    }
                }
            }
        }
    }
    Ok(())
}

crate::avx2::avx2_or_baseline! {
/// Append element offsets derived from byte offsets `off` (relative to `off[0]`) to `o`.
/// The common element sizes are powers of two, so the division is a shift.
pub(crate) fn push_element_offsets(o: &mut Vec<i64>, off: &[u32], per: usize) -> Result<()> {
    let base = *o.last().unwrap_or(&0);
    let first = off.first().copied().unwrap_or(0);
    let mut misaligned = 0u32;
    let rest = off.get(1..).unwrap_or_default();
    if per.is_power_of_two() {
        let shift = per.trailing_zeros();
        let mask = (per - 1) as u32;
        push_mapped(o, rest, |x| {
            let rel = x - first;
            misaligned |= rel & mask;
            base + (rel >> shift) as i64
        });
    } else {
        let per32 = per as u32;
        push_mapped(o, rest, |x| {
            let rel = x - first;
            misaligned |= rel % per32;
            base + (rel / per32) as i64
        });
    }
    if misaligned != 0 {
        return Err(Error::corrupt(format!(
            "entry sizes are not a whole number of {per}-byte elements"
        )));
    }
    Ok(())
}
}

/// [`decode`] of a basket whose entry offsets are still as stored (`table`). A counted field
/// reads them straight from the table: compared with its collection's leader's when it is
/// compared with them (`same`; on agreeing it takes only its values,
/// [`SameOffsets::compare_table`]), otherwise converted to list offsets in the same pass that
/// checks them ([`push_stored_offsets`]). Anything else — another interpretation, a table
/// either refuses — parses the table and decodes as usual, so the result and the errors are
/// the same as `decode`'s of the parsed offsets.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decode_stored(
    out: &mut Array,
    interp: &Interpretation,
    data: &[u8],
    table: &EntryTable,
    entries: usize,
    lo: usize,
    hi: usize,
    mut same: Option<&mut SameOffsets>,
) -> Result<()> {
    let hi = hi.min(entries);
    let lo = lo.min(hi);
    if let Interpretation::Counted { element, inner, .. } = interp {
        let per = element.disk_size() * inner.iter().product::<usize>().max(1);
        if table.entries() == entries {
            let (o, values) = jagged(out)?;
            let range = match same.as_deref_mut() {
                Some(same) if same.comparing() => same.compare_table(table, lo, hi, per),
                // A leader, or a field that parted from its leader: offsets of its own.
                _ => push_stored_offsets(o, table, lo, hi, per),
            };
            if let Some((a, b)) = range {
                let bytes = data
                    .get(a..b)
                    .ok_or_else(|| Error::corrupt("entry offsets past the basket data"))?;
                return append_values(values, *element, bytes);
            }
        }
    }
    let mut parsed = Vec::new();
    table.parse(&mut parsed)?;
    decode(out, interp, data, Some(&parsed), entries, lo, hi, same)
}

/// Append elements of a list's values (the innermost array of fixed-size elements).
fn append_values(values: &mut Array, element: Element, bytes: &[u8]) -> Result<()> {
    let target = match values {
        Array::Fixed { values, .. } => values.as_mut(),
        other => other,
    };
    append_elements(target, element, bytes)
}

/// [`push_element_offsets`] of entries `lo..=hi` of a stored table (big-endian,
/// `fKeylen`-relative) onto `o`, checked as parsing checks the whole table, in one pass over
/// the entries read instead of a parsed copy written and read twice: the data range of those
/// entries. `None`, with `o` as it was, when parsing or the conversion would refuse the table
/// (the caller then takes that path for its error).
fn push_stored_offsets(
    o: &mut Vec<i64>,
    table: &EntryTable,
    lo: usize,
    hi: usize,
    per: usize,
) -> Option<(usize, usize)> {
    if per == 0 {
        return None;
    }
    let (first, last) = table.window(lo, hi)?;
    let stored = table.entries();
    let range = (usize::try_from(first).ok()?, usize::try_from(last).ok()?);
    let (before, base) = (o.len(), o.last().copied().unwrap_or(0));
    // Entries lo+1..=hi: their stored words, then the data's end when hi is the last entry.
    let from = (lo + 1).min(stored);
    let to = (hi + 1).min(stored).max(from);
    let words = table.bytes.get(4 * from..4 * to)?;
    let ok = push_stored_element_offsets(o, words, table.keylen + first, per).and_then(|d| {
        if hi == stored && hi > lo {
            let end = last - first;
            (end >= d && end % per as i64 == 0).then(|| o.push(base + end / per as i64))
        } else {
            Some(())
        }
    });
    if ok.is_none() {
        // The parsed path the caller takes next refuses the table too; `o` is not left
        // half-written all the same.
        o.truncate(before);
        return None;
    }
    Some(range)
}

crate::avx2::avx2_or_baseline! {
/// The list offsets of stored big-endian offsets `words` less `origin` (`fKeylen` plus the
/// first entry's data-relative offset) in elements of `per` bytes, each added to `o`'s last
/// (0 if empty) and appended: the element offsets [`push_element_offsets`] appends. Returns
/// the last entry's offset from the first in bytes (0 with no word), or `None` (with words
/// appended: the caller truncates) when one is below the one before it (the first is 0) or
/// not a whole number of elements.
fn push_stored_element_offsets(o: &mut Vec<i64>, words: &[u8], origin: i64, per: usize) -> Option<i64> {
    let base = o.last().copied().unwrap_or(0);
    let (mut prev, mut descending, mut misaligned) = (0i64, 0i64, 0i64);
    let stored = words.as_chunks::<4>().0;
    let at = |c: [u8; 4]| i64::from(u32::from_be_bytes(c)) - origin;
    if per.is_power_of_two() {
        let shift = per.trailing_zeros();
        let mask = per as i64 - 1;
        push_mapped(o, stored, |c| {
            let d = at(c);
            descending |= d - prev;
            misaligned |= d & mask;
            prev = d;
            base + (d >> shift)
        });
    } else {
        let per = per as i64;
        push_mapped(o, stored, |c| {
            let d = at(c);
            descending |= d - prev;
            misaligned |= d % per;
            prev = d;
            base + d / per
        });
    }
    (descending >= 0 && misaligned == 0).then_some(prev)
}
}

/// The entry offsets of a variable-size basket, checked against its entries and data.
fn entry_offsets(offsets: Option<&[u32]>, entries: usize, len: usize) -> Result<&[u32]> {
    let off =
        offsets.ok_or_else(|| Error::corrupt("variable-size basket without entry offsets"))?;
    check_offsets(off, entries, len)?;
    Ok(off)
}

/// The bytes of entries `lo..hi` (offsets already checked by [`entry_offsets`]).
fn entry_slices<'a>(
    data: &'a [u8],
    off: &'a [u32],
    lo: usize,
    hi: usize,
) -> impl Iterator<Item = &'a [u8]> {
    off[lo..=hi]
        .windows(2)
        .map(move |w| &data[w[0] as usize..w[1] as usize])
}

/// The offsets and contents of a jagged array.
fn jagged(a: &mut Array) -> Result<(&mut Vec<i64>, &mut Array)> {
    match a {
        Array::Jagged { offsets, values } => Ok((offsets, values.as_mut())),
        _ => Err(Error::corrupt("internal: array type mismatch")),
    }
}

/// Close a list of `n` elements.
fn push_count(o: &mut Vec<i64>, n: usize) {
    let last = o.last().copied().unwrap_or(0);
    o.push(last + n as i64);
}

/// Read an i32 count and that many elements into `target`; returns the count and the rest.
fn read_vector<'a>(b: &'a [u8], element: Element, target: &mut Array) -> Result<(usize, &'a [u8])> {
    let (n, rest) = read_count(b)?;
    let size = element.disk_size();
    let bytes = take(rest, n, size)?;
    append_elements(target, element, bytes)?;
    Ok((n, &rest[bytes.len()..]))
}

fn check_offsets(off: &[u32], entries: usize, len: usize) -> Result<()> {
    if off.len() != entries + 1 || off.last().is_some_and(|&e| e as usize > len) {
        return Err(Error::corrupt(format!(
            "{} entry offsets for {entries} entries in {len} bytes",
            off.len()
        )));
    }
    Ok(())
}

/// Skip an object header (`0x40000000 | bytecount`, version[, …]) when the entry starts with
/// one whose byte count matches the entry length. Top-level `std::vector` branches are written
/// with a 10-byte header (count, version, size); members of split objects may not be.
fn skip_header(entry: &[u8]) -> &[u8] {
    if entry.len() >= 6 {
        let w = u32::from_be_bytes([entry[0], entry[1], entry[2], entry[3]]);
        if w & BYTE_COUNT_MASK != 0 && (w & !BYTE_COUNT_MASK) as usize + 4 == entry.len() {
            // The header is byte count (4) + version (2); a vector's element count follows
            // and is read by the caller.
            return &entry[6..];
        }
    }
    entry
}

fn read_count(b: &[u8]) -> Result<(usize, &[u8])> {
    if b.len() < 4 {
        return Err(Error::corrupt("entry too short for its element count"));
    }
    let n = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if n < 0 {
        return Err(Error::corrupt(format!("negative element count {n}")));
    }
    Ok((n as usize, &b[4..]))
}

fn take(b: &[u8], n: usize, size: usize) -> Result<&[u8]> {
    match n.checked_mul(size) {
        Some(len) if len <= b.len() => Ok(&b[..len]),
        _ => Err(Error::corrupt(format!(
            "{n} elements of {size} bytes in a {}-byte entry",
            b.len()
        ))),
    }
}

/// A `char*` member (`TStreamerInfo` kCharStar): a four-byte big-endian length, then the bytes;
/// a length of 0 or less is an empty string.
fn read_char_star(b: &[u8]) -> Result<(&[u8], &[u8])> {
    let Some((len, rest)) = b.split_first_chunk::<4>() else {
        return Err(Error::corrupt("truncated char* length"));
    };
    let n = i32::from_be_bytes(*len).max(0) as usize;
    if n > rest.len() {
        return Err(Error::corrupt(format!(
            "char* of {n} bytes in {} bytes",
            rest.len()
        )));
    }
    Ok((&rest[..n], &rest[n..]))
}

fn read_tstring(b: &[u8]) -> Result<(&[u8], &[u8])> {
    let Some((&first, rest)) = b.split_first() else {
        return Err(Error::corrupt("empty string entry"));
    };
    let (n, rest) = if first == 255 {
        if rest.len() < 4 {
            return Err(Error::corrupt("truncated long string length"));
        }
        (
            u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize,
            &rest[4..],
        )
    } else {
        (first as usize, rest)
    };
    if n > rest.len() {
        return Err(Error::corrupt(format!(
            "string of {n} bytes in {} bytes",
            rest.len()
        )));
    }
    Ok((&rest[..n], &rest[n..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avx2::on_baseline;

    /// A fixed pseudo-random byte sequence (xorshift64).
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 24) as u8
            })
            .collect()
    }

    /// Equal arrays, floats compared bit for bit (NaN payloads included).
    fn same_bits(a: &Array, b: &Array) -> bool {
        match (a, b) {
            (Array::F32(x), Array::F32(y)) => x
                .iter()
                .map(|v| v.to_bits())
                .eq(y.iter().map(|v| v.to_bits())),
            (Array::F64(x), Array::F64(y)) => x
                .iter()
                .map(|v| v.to_bits())
                .eq(y.iter().map(|v| v.to_bits())),
            _ => a == b,
        }
    }

    #[test]
    fn values_have_the_same_bits_on_avx2_and_on_the_baseline() {
        use PrimitiveType::*;
        let mut elements: Vec<Element> = [Bool, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64]
            .into_iter()
            .map(Element::Primitive)
            .collect();
        elements.push(Element::Double32AsFloat);
        for double in [false, true] {
            elements.push(Element::Ranged {
                low: -5.0,
                high: 7.5,
                nbits: 12,
                double,
            });
        }
        for element in elements {
            // Lengths around the vector widths, so that both the vector loop and its tail run.
            for n in [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 1001] {
                let bytes = noise(n * element.disk_size(), n as u64 + 1);
                let run = || {
                    let mut out = empty_for(element);
                    // Appended after values already there: the previous basket's.
                    append_elements(
                        &mut out,
                        element,
                        &bytes[..element.disk_size().min(bytes.len())],
                    )?;
                    append_elements(&mut out, element, &bytes).map(|()| out)
                };
                let (fast, slow) = (run().unwrap(), on_baseline(run).unwrap());
                assert!(same_bits(&fast, &slow), "{element:?}, {n} elements");
                assert_eq!(fast.len(), n + n.min(1), "{element:?}");
            }
            if element.disk_size() > 1 {
                let bytes = noise(element.disk_size() * 5 + 1, 3);
                let run = || append_elements(&mut empty_for(element), element, &bytes);
                assert!(run().is_err() && on_baseline(run).is_err(), "{element:?}");
            }
        }
        // A known answer on both copies: big-endian 1.5f32, -2i32.
        for run_on_baseline in [false, true] {
            let run = || {
                let mut f = empty_for(Element::Primitive(F32));
                append_elements(&mut f, Element::Primitive(F32), &[0x3f, 0xc0, 0, 0]).unwrap();
                let mut i = empty_for(Element::Primitive(I32));
                append_elements(&mut i, Element::Primitive(I32), &[0xff, 0xff, 0xff, 0xfe])
                    .unwrap();
                (f, i)
            };
            let (f, i) = if run_on_baseline {
                on_baseline(run)
            } else {
                run()
            };
            assert_eq!((f, i), (Array::F32(vec![1.5]), Array::I32(vec![-2])));
        }
    }

    #[test]
    fn element_offsets_are_the_same_on_avx2_and_on_the_baseline() {
        for per in [1usize, 2, 4, 8, 3, 12] {
            for n in [0usize, 1, 5, 8, 17, 100] {
                let steps = noise(n, (per * 1000 + n) as u64);
                let mut off = vec![40u32];
                for s in &steps {
                    off.push(off.last().unwrap() + (*s as u32 % 6) * per as u32);
                }
                let run = |off: &[u32]| {
                    let mut o = vec![0i64, 9];
                    push_element_offsets(&mut o, off, per).map(|()| o)
                };
                let fast = run(&off).unwrap();
                assert_eq!(fast, on_baseline(|| run(&off)).unwrap(), "per {per}, n {n}");
                assert_eq!(fast.len(), 2 + n);
                let expected: Vec<i64> = off[1..]
                    .iter()
                    .map(|&x| 9 + ((x - 40) as usize / per) as i64)
                    .collect();
                assert_eq!(fast[2..], expected[..]);
                if per > 1 && n > 0 {
                    // One entry that is not a whole number of elements: refused on both.
                    let mut bad = off.clone();
                    *bad.last_mut().unwrap() += 1;
                    assert!(run(&bad).is_err() && on_baseline(|| run(&bad)).is_err());
                }
            }
        }
    }
}

//! Bin edges and the bin search of `Binning` and `MultiBinning` nodes.
//!
//! Mirrors `find_bin_idx` in correctionlib's `src/correction.cc`:
//!
//! - Non-uniform edges: `std::upper_bound(edges, value)` (the first edge `> value`), so a
//!   value exactly at an edge belongs to the bin that starts there, and a value at the last
//!   edge is overflow. NaN compares false with everything, so `upper_bound` runs to the
//!   end: NaN is overflow. The search is libstdc++'s `__upper_bound` step for step.
//! - Uniform edges `{n, low, high}`: `value < low || value >= high` is out of range (NaN is
//!   neither); otherwise the bin is `size_t(n * ((value - low) / (high - low)))`. That
//!   product can round up to `n` just below `high`; `n` then selects the node's default
//!   slot (the flow content, or `0.0` in a `Binning` whose flow is not a content node). For
//!   NaN the conversion to `size_t` is undefined behaviour; the reference's x86-64 build
//!   produces `2^63` (`cvttsd2si`'s "integer indefinite"), which is mirrored here: a
//!   `Binning` then reads its first bin (the element address wraps around) and a
//!   `MultiBinning` adds `2^63 * stride` (wrapping) and usually fails `std::vector::at`.
//! - `flow`: `"clamp"` maps underflow to the first and overflow to the last bin, `"error"`
//!   fails, `"wrap"` folds the value into range periodically, anything else is a content
//!   node evaluated out of range (index `nbins`).
//! - Int inputs are converted with `static_cast<double>` first.
//!
//! When the edges are sorted (no NaN edge), any correct search gives `upper_bound`'s
//! answer, and a guide table over a fine uniform grid, corrected by exact comparisons, is
//! used ([`Guide`]); with NaN edges, libstdc++'s search runs step for step.

use serde_json::Value;

use crate::error::{LoadError, Side};
use crate::json::{self, Obj};

/// `detail::FlowBehavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// A content node for out-of-range values.
    Value,
    Clamp,
    Error,
    Wrap,
}

/// `parse_flow_behavior`: anything but the three strings is a content node.
pub(crate) fn parse_flow(v: &Value) -> Flow {
    match v.as_str() {
        Some("clamp") => Flow::Clamp,
        Some("error") => Flow::Error,
        Some("wrap") => Flow::Wrap,
        _ => Flow::Value,
    }
}

/// `detail::EdgesType`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Edges {
    Uniform {
        n: usize,
        low: f64,
        high: f64,
    },
    /// `sorted`: no edge is NaN, so the edges are strictly increasing (the load check
    /// `prev >= next` lets NaN through) and any binary search finds `upper_bound`'s answer.
    NonUniform {
        edges: Vec<f64>,
        sorted: bool,
        /// Search accelerator for sorted edges (column-wise evaluation only).
        guide: Option<Guide>,
    },
}

/// A table from a fine uniform grid over the finite edges to a first guess of
/// `upper_bound`, which a short walk then corrects with the exact comparisons: the answer
/// is the one `it` with `(it == 0 || !(x < edges[it - 1])) && (it == n || x < edges[it])`,
/// which is `upper_bound`'s for sorted edges, whatever the guess.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Guide {
    origin: f64,
    scale: f64,
    start: Vec<u32>,
}

impl Guide {
    /// Cells per bin.
    const CELLS_PER_BIN: usize = 16;

    fn build(edges: &[f64]) -> Option<Guide> {
        let finite: Vec<f64> = edges.iter().copied().filter(|e| e.is_finite()).collect();
        let (&origin, &end) = (finite.first()?, finite.last()?);
        let cells = (edges.len() * Self::CELLS_PER_BIN).min(1 << 16);
        let scale = cells as f64 / (end - origin);
        if !(scale.is_finite() && scale > 0.0) || u32::try_from(edges.len()).is_err() {
            return None;
        }
        let start = (0..cells)
            .map(|c| upper_bound(edges, origin + c as f64 / scale) as u32)
            .collect();
        Some(Guide {
            origin,
            scale,
            start,
        })
    }

    /// `upper_bound(edges, x)` for the sorted `edges` the guide was built from.
    #[inline]
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // upper_bound's `!(value < edge)`
    fn upper_bound(&self, edges: &[f64], x: f64) -> usize {
        let n = edges.len();
        if x.is_nan() {
            return n;
        }
        let f = (x - self.origin) * self.scale;
        // `as` saturates (+inf to usize::MAX); negative values go to the first cell.
        let cell = if f > 0.0 {
            (f as usize).min(self.start.len() - 1)
        } else {
            0
        };
        let mut it = self.start[cell] as usize;
        while it < n && !(x < edges[it]) {
            it += 1;
        }
        while it > 0 && x < edges[it - 1] {
            it -= 1;
        }
        it
    }
}

/// Marks a value without a bin in [`Edges::find_batch`].
pub(crate) const BIN_ERROR: usize = usize::MAX;

/// Values searched in lockstep by [`Edges::find_batch`].
const BATCH: usize = 16;

/// Why a value has no bin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BinError {
    /// Out of range with `flow: "error"`.
    OutOfBounds(Side),
    /// `flow: "wrap"` on non-uniform edges still out of range ("I should not have ever seen
    /// an underflow/overflow").
    Wrap(Side),
}

/// The index the reference computes for a NaN uniform coordinate.
pub(crate) const NAN_BIN: usize = 1 << 63;

// `!(a >= b)` and `!(a < b)` spell out the C++ comparisons, NaN behaviour included.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
/// GCC's x86-64 conversion of a double to `size_t` (`cvttsd2si`, with the `2^63` shift
/// for large values); NaN and out-of-range values give `2^63`, as on the reference's build.
#[inline]
fn size_t_from_double(x: f64) -> usize {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    // comisd: NaN compares "below", so it takes the first branch.
    if !(x >= TWO_63) {
        if x.is_nan() {
            NAN_BIN
        } else {
            // cvttsd2si: truncation; below -2^63 the indefinite value, i64::MIN, which is
            // also what Rust's saturating cast gives.
            (x as i64) as u64 as usize
        }
    } else {
        let y = x - TWO_63;
        let low = if y < TWO_63 { y as i64 as u64 } else { 1 << 63 };
        (low ^ (1 << 63)) as usize
    }
}

impl Edges {
    /// Number of bins.
    pub(crate) fn nbins(&self) -> usize {
        match self {
            Edges::Uniform { n, .. } => *n,
            Edges::NonUniform { edges, .. } => edges.len().saturating_sub(1),
        }
    }

    /// `find_bin_idx`: the bin of `value`; `nbins()` means "use the flow content".
    #[inline]
    pub(crate) fn find(&self, value: f64, flow: Flow) -> Result<usize, BinError> {
        match self {
            Edges::Uniform { n, low, high } => {
                let (n, low, high) = (*n, *low, *high);
                if value < low || value >= high {
                    match flow {
                        Flow::Value => return Ok(n),
                        Flow::Clamp => return Ok(if value < low { 0 } else { n - 1 }),
                        Flow::Wrap => {}
                        Flow::Error => {
                            return Err(BinError::OutOfBounds(if value < low {
                                Side::Below
                            } else {
                                Side::Above
                            }))
                        }
                    }
                }
                let mut norm = (value - low) / (high - low);
                if flow == Flow::Wrap {
                    norm -= norm.floor();
                }
                Ok(size_t_from_double(n as f64 * norm))
            }
            Edges::NonUniform { edges, guide, .. } => {
                let mut value = value;
                if flow == Flow::Wrap {
                    let low = edges[0];
                    let high = edges[edges.len() - 1];
                    let mut norm = (value - low) / (high - low);
                    norm -= norm.floor();
                    value = low + norm * (high - low);
                }
                let it = match guide {
                    Some(g) => g.upper_bound(edges, value),
                    None => upper_bound(edges, value),
                };
                bin_of_upper_bound(it, edges.len(), flow)
            }
        }
    }

    /// [`Edges::find`] for several values: `out[k]` is the bin of `xs[k]`, or
    /// [`BIN_ERROR`]. Sorted non-uniform edges are searched for [`BATCH`] values in
    /// lockstep with a branchless binary search whose probes depend only on the number of
    /// edges, so the latency of one search hides behind the others.
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // upper_bound's `!(value < edge)`
    pub(crate) fn find_batch(&self, flow: Flow, xs: &[f64], out: &mut [usize]) {
        match self {
            Edges::NonUniform {
                edges,
                guide: Some(guide),
                ..
            } if flow != Flow::Wrap && !edges.is_empty() => {
                for (o, &x) in out.iter_mut().zip(xs) {
                    let it = guide.upper_bound(edges, x);
                    *o = bin_of_upper_bound(it, edges.len(), flow).unwrap_or(BIN_ERROR);
                }
            }
            Edges::NonUniform {
                edges,
                sorted: true,
                ..
            } if flow != Flow::Wrap && !edges.is_empty() => {
                for (xs, out) in xs.chunks(BATCH).zip(out.chunks_mut(BATCH)) {
                    let mut base = [0usize; BATCH];
                    let mut len = edges.len();
                    while len > 1 {
                        let half = len / 2;
                        for (b, &x) in base.iter_mut().zip(xs) {
                            // !(x < edge): the predicate upper_bound partitions on, applied
                            // as a mask. black_box keeps LLVM from turning the mask back into
                            // a branch, which mispredicts half of the time.
                            let step = std::hint::black_box(usize::from(!(x < edges[*b + half])));
                            *b += half & step.wrapping_neg();
                        }
                        len -= half;
                    }
                    for ((o, &b), &x) in out.iter_mut().zip(&base).zip(xs) {
                        let it = b + usize::from(!(x < edges[b]));
                        *o = bin_of_upper_bound(it, edges.len(), flow).unwrap_or(BIN_ERROR);
                    }
                }
            }
            _ => {
                for (o, &x) in out.iter_mut().zip(xs) {
                    *o = self.find(x, flow).unwrap_or(BIN_ERROR);
                }
            }
        }
    }
}

/// The bin for `upper_bound`'s result `it` over `n_edges` edges, with the flow rules of
/// `find_bin_idx`.
#[inline]
fn bin_of_upper_bound(it: usize, n_edges: usize, flow: Flow) -> Result<usize, BinError> {
    let last = n_edges - 1;
    if it == 0 {
        match flow {
            Flow::Value => Ok(last),
            Flow::Error => Err(BinError::OutOfBounds(Side::Below)),
            Flow::Wrap => Err(BinError::Wrap(Side::Below)),
            Flow::Clamp => Ok(0),
        }
    } else if it == n_edges {
        match flow {
            Flow::Value => Ok(last),
            Flow::Error => Err(BinError::OutOfBounds(Side::Above)),
            Flow::Wrap => Err(BinError::Wrap(Side::Above)),
            Flow::Clamp => Ok(last - 1),
        }
    } else {
        Ok(it - 1)
    }
}

/// libstdc++'s `std::__upper_bound` (the same probes, so the same answer even for edges
/// that are not sorted, such as NaN edges from a hand-written file), written with
/// selects instead of branches.
#[inline]
pub(crate) fn upper_bound(edges: &[f64], value: f64) -> usize {
    let mut first = 0usize;
    let mut len = edges.len();
    while len > 0 {
        let half = len >> 1;
        let middle = first + half;
        let below = value < edges[middle];
        first = if below { first } else { middle + 1 };
        len = if below { half } else { len - half - 1 };
    }
    first
}

/// `parse_edge`: a double (`IsDouble()`), or the strings `"inf"`, `"+inf"`, `"-inf"`.
fn parse_edge(v: &Value) -> Option<f64> {
    if let Some(x) = json::double(v) {
        return Some(x);
    }
    match v.as_str() {
        Some("inf" | "+inf") => Some(f64::INFINITY),
        Some("-inf") => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Loads `edges` (a list, or `{n, low, high}`); `what` prefixes errors as the reference does.
pub(crate) fn load_edges(obj: &Obj<'_>, v: &Value, what: &str) -> Result<Edges, LoadError> {
    match v {
        Value::Array(items) => {
            let mut edges = Vec::with_capacity(items.len());
            for item in items {
                let x = parse_edge(item).ok_or_else(|| obj.err("Invalid edge type"))?;
                if let Some(&prev) = edges.last() {
                    if prev >= x {
                        return Err(obj.err("binning edges are not monotone increasing"));
                    }
                }
                edges.push(x);
            }
            if edges.len() < 2 {
                return Err(obj.err(format!("{what}: at least two edges are needed")));
            }
            let sorted = !edges.iter().any(|e| e.is_nan());
            let guide = if sorted { Guide::build(&edges) } else { None };
            Ok(Edges::NonUniform {
                edges,
                sorted,
                guide,
            })
        }
        Value::Object(_) => {
            let uniform = Obj::new(v, obj.context(), "UniformBinning")?;
            let n = uniform.req_u32("n")?;
            if n == 0 {
                return Err(obj.err(format!(
                    "Error when processing {what}: number of bins is zero"
                )));
            }
            let low = uniform.req_double("low")?;
            let high = uniform.req_double("high")?;
            Ok(Edges::Uniform {
                n: n as usize,
                low,
                high,
            })
        }
        _ => Err(obj.err(format!(
            "Error when processing {what}: edges are neither an array nor a UniformBinning object"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_bound_semantics() {
        let e = [0.0, 1.0, 2.0];
        assert_eq!(upper_bound(&e, -1.0), 0);
        assert_eq!(upper_bound(&e, 0.0), 1);
        assert_eq!(upper_bound(&e, 1.0), 2);
        assert_eq!(upper_bound(&e, 2.0), 3);
        assert_eq!(upper_bound(&e, f64::NAN), 3);
        for len in 1..40 {
            let edges: Vec<f64> = (0..len).map(|i| i as f64).collect();
            for k in -2..(2 * len + 2) {
                let x = k as f64 * 0.5;
                assert_eq!(upper_bound(&edges, x), edges.partition_point(|&e| e <= x));
            }
        }
    }

    #[test]
    fn batch_agrees_with_single() {
        let edges: Vec<f64> = (0..51).map(|i| -2.5 + 0.1 * i as f64).collect();
        let xs: Vec<f64> = (0..300)
            .map(|i| match i % 7 {
                0 => f64::NAN,
                1 => edges[i % 51],
                _ => -3.0 + 6.0 * ((i * 7919) % 1000) as f64 / 1000.0,
            })
            .collect();
        let log_edges: Vec<f64> = (0..30).map(|i| 10f64.powf(1.0 + i as f64 / 10.0)).collect();
        let inf_edges = vec![f64::NEG_INFINITY, -1.0, 0.0, 0.5, f64::INFINITY];
        let mut xs = xs;
        xs.extend(log_edges.iter().flat_map(|&e| [e, e * 1.0001, e * 0.9999]));
        xs.extend([f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e300, -1e300]);
        for flow in [Flow::Clamp, Flow::Error, Flow::Value, Flow::Wrap] {
            for list in [&edges, &log_edges, &inf_edges, &vec![0.0, 1.0]] {
                for with_guide in [false, true] {
                    let e = Edges::NonUniform {
                        edges: list.clone(),
                        sorted: true,
                        guide: if with_guide { Guide::build(list) } else { None },
                    };
                    let mut out = vec![0; xs.len()];
                    e.find_batch(flow, &xs, &mut out);
                    for (x, o) in xs.iter().zip(&out) {
                        assert_eq!(e.find(*x, flow).unwrap_or(BIN_ERROR), *o, "{x} {flow:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn guide_agrees_with_upper_bound() {
        let lists: Vec<Vec<f64>> = vec![
            (0..51).map(|i| -2.5 + 0.1 * i as f64).collect(),
            (0..30).map(|i| 10f64.powf(1.0 + i as f64 / 10.0)).collect(),
            vec![f64::NEG_INFINITY, -1.0, 0.0, 0.5, f64::INFINITY],
            vec![f64::NEG_INFINITY, 3.0],
            vec![0.0, 1e-300, 1.0, 1e300],
            vec![0.0, 1.0],
        ];
        for edges in &lists {
            // One finite edge: no grid to build.
            let Some(guide) = Guide::build(edges) else {
                assert_eq!(edges.iter().filter(|e| e.is_finite()).count(), 1);
                continue;
            };
            let mut xs = vec![
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.0,
                0.0,
                1e300,
                -1e300,
            ];
            for &e in edges {
                // Neighbours by bit pattern (f64::next_up needs Rust 1.86).
                let (up, down) = if e.is_finite() && e > 0.0 {
                    (
                        f64::from_bits(e.to_bits() + 1),
                        f64::from_bits(e.to_bits() - 1),
                    )
                } else if e.is_finite() && e < 0.0 {
                    (
                        f64::from_bits(e.to_bits() - 1),
                        f64::from_bits(e.to_bits() + 1),
                    )
                } else {
                    (e, e)
                };
                xs.extend([e, up, down, e * 0.5, e * 2.0, e + 0.01, e - 0.01]);
            }
            for k in 0..2000 {
                xs.push(-30.0 + 0.03 * k as f64);
            }
            for x in xs {
                assert_eq!(
                    guide.upper_bound(edges, x),
                    upper_bound(edges, x),
                    "{x} in {edges:?}"
                );
            }
        }
    }

    #[test]
    fn flows() {
        let e = Edges::NonUniform {
            edges: vec![0.0, 1.0, 2.0],
            sorted: true,
            guide: None,
        };
        assert_eq!(e.find(f64::NAN, Flow::Clamp), Ok(1));
        assert_eq!(e.find(2.0, Flow::Value), Ok(2));
        assert_eq!(
            e.find(-1.0, Flow::Error),
            Err(BinError::OutOfBounds(Side::Below))
        );
        assert_eq!(
            e.find(f64::INFINITY, Flow::Wrap),
            Err(BinError::Wrap(Side::Above))
        );
        assert_eq!(e.find(-1.0, Flow::Wrap), Ok(1));
        let u = Edges::Uniform {
            n: 2,
            low: 0.0,
            high: 2.0,
        };
        assert_eq!(u.find(f64::NAN, Flow::Error), Ok(NAN_BIN));
        assert_eq!(u.find(2.0, Flow::Clamp), Ok(1));
        assert_eq!(u.find(-0.5, Flow::Wrap), Ok(1));
        assert_eq!(size_t_from_double(3.9), 3);
        assert_eq!(size_t_from_double(f64::NAN), NAN_BIN);
    }
}

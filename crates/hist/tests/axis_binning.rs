//! Bin edges, flow bins and agreement with ROOT's `TAxis::FindFixBin`.

use hist::axis::root_legacy_find_fix_bin;
use hist::{Axis, Binning, HistError};

/// splitmix64: a small deterministic generator, so the random tests are reproducible.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }
}

fn next_down(x: f64) -> f64 {
    if x > 0.0 {
        f64::from_bits(x.to_bits() - 1)
    } else if x < 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        -f64::from_bits(1)
    }
}

fn next_up(x: f64) -> f64 {
    -next_down(-x)
}

/// ROOT's `TAxis::GetBinLowEdge(bin)` for a fixed-bin axis.
fn root_low_edge(bin: usize, bins: usize, low: f64, high: f64) -> f64 {
    low + (bin as f64 - 1.0) * ((high - low) / bins as f64)
}

#[test]
fn flow_semantics_regular() {
    let a = Axis::regular(10, 0.0, 10.0).unwrap();
    assert_eq!(a.bins(), 10);
    assert_eq!(a.extent(), 12);
    assert_eq!(a.index(0.0), 1, "x == low is in the first bin");
    assert_eq!(a.index(next_down(0.0)), 0);
    assert_eq!(a.index(-1e300), 0);
    assert_eq!(a.index(10.0), 11, "x == high is overflow");
    assert_eq!(
        a.index(next_down(10.0)),
        10,
        "just below high is the last bin"
    );
    assert_eq!(a.index(9.999_999_999), 10);
    assert_eq!(a.index(1e300), 11);
    assert_eq!(a.index(f64::NAN), 11, "NaN is overflow");
    assert_eq!(a.index(-f64::NAN), 11, "NaN of either sign is overflow");
    assert_eq!(a.index(f64::INFINITY), 11);
    assert_eq!(a.index(f64::NEG_INFINITY), 0);
    // Edges belong to the bin above them.
    for i in 1..10 {
        assert_eq!(a.index(i as f64), i + 1, "edge {i}");
        assert_eq!(a.index(next_down(i as f64)), i, "just below edge {i}");
    }
}

#[test]
fn flow_semantics_variable() {
    let a = Axis::variable(vec![-1.0, 0.0, 0.5, 4.0]).unwrap();
    assert_eq!(a.bins(), 3);
    assert_eq!(a.index(-1.0), 1);
    assert_eq!(a.index(next_down(-1.0)), 0);
    assert_eq!(a.index(0.0), 2);
    assert_eq!(a.index(-0.0), 2);
    assert_eq!(a.index(next_down(0.0)), 1);
    assert_eq!(a.index(0.5), 3);
    assert_eq!(a.index(next_down(4.0)), 3);
    assert_eq!(a.index(4.0), 4);
    assert_eq!(a.index(f64::NAN), 4);
    assert_eq!(a.index(f64::INFINITY), 4);
    assert_eq!(a.index(f64::NEG_INFINITY), 0);
}

#[test]
fn edges_centres_and_binning() {
    let a = Axis::regular(4, 1.0, 3.0).unwrap().with_label("x");
    assert_eq!(a.edges(), vec![1.0, 1.5, 2.0, 2.5, 3.0]);
    assert_eq!(a.centers(), vec![1.25, 1.75, 2.25, 2.75]);
    assert_eq!((a.low(), a.high()), (1.0, 3.0));
    assert_eq!(a.label(), "x");
    assert!(a.is_regular());
    assert_eq!(
        a.binning(),
        Binning::Regular {
            bins: 4,
            low: 1.0,
            high: 3.0
        }
    );
    let v = Axis::variable(vec![0.0, 1.0, 4.0]).unwrap();
    assert_eq!(v.edges(), vec![0.0, 1.0, 4.0]);
    assert_eq!(v.centers(), vec![0.5, 2.5]);
    assert!(!v.is_regular());
    // The last regular edge is exactly `high`, even when low + n * width rounds elsewhere.
    let r = Axis::regular(3, 0.1, 0.7).unwrap();
    assert_eq!(*r.edges().last().unwrap(), 0.7);
}

#[test]
fn construction_errors() {
    assert!(matches!(Axis::regular(0, 0.0, 1.0), Err(HistError::NoBins)));
    assert_eq!(
        Axis::regular(3, 5.0, 2.0).unwrap_err().to_string(),
        "low (5) must be below high (2)"
    );
    assert!(matches!(
        Axis::regular(3, f64::NEG_INFINITY, 2.0),
        Err(HistError::NonFinite { .. })
    ));
    assert!(matches!(
        Axis::variable(vec![0.0, 2.0, 1.0]),
        Err(HistError::EdgesNotIncreasing { index: 2, .. })
    ));
    assert!(matches!(
        Axis::variable(Vec::new()),
        Err(HistError::TooFewEdges { count: 0 })
    ));
}

/// Our regular index is ROOT's FindFixBin: the raw formula on random values, and the invariant
/// `GetBinLowEdge(bin) <= x < GetBinUpEdge(bin)` that ROOT 6.38's correction guarantees.
#[test]
fn regular_index_matches_root_find_fix_bin_on_random_values() {
    let mut rng = Rng(0x5eed);
    let mut compared = 0u64;
    let mut legacy_off_by_one = 0u64;
    for _ in 0..400 {
        let bins = 1 + (rng.next_u64() % 5000) as usize;
        let low = rng.range(-1000.0, 1000.0) * 10f64.powi((rng.next_u64() % 7) as i32 - 3);
        let high = low + rng.range(1e-3, 2000.0);
        let axis = Axis::regular(bins, low, high).unwrap();
        let width = (high - low) / bins as f64;
        for _ in 0..2_500 {
            let x = rng.range(low - 2.0 * width, high + 2.0 * width);
            let ours = axis.index(x);
            let legacy = root_legacy_find_fix_bin(x, bins, low, high);
            compared += 1;
            if x < low {
                assert_eq!(ours, 0);
            } else if x >= high {
                assert_eq!(ours, bins + 1);
            } else {
                assert!(
                    root_low_edge(ours, bins, low, high) <= x
                        && x < root_low_edge(ours + 1, bins, low, high),
                    "x = {x:e} put in bin {ours} of regular({bins}, {low:e}, {high:e})"
                );
            }
            if ours != legacy {
                // Only where the old formula breaks ROOT's own edges.
                let lo = root_low_edge(legacy, bins, low, high);
                let up = root_low_edge(legacy + 1, bins, low, high);
                assert!(
                    !(lo <= x && x < up),
                    "x = {x:e}: ours {ours}, ROOT formula {legacy}"
                );
                legacy_off_by_one += 1;
            }
        }
    }
    assert_eq!(compared, 1_000_000);
    // Random values practically never sit within an ulp of an edge.
    assert!(legacy_off_by_one <= 2, "{legacy_off_by_one} differences");
}

/// Values on and next to every edge: ours always satisfies ROOT's edge invariant, and agrees
/// with the raw ROOT formula whenever that formula does.
#[test]
fn regular_index_at_edges() {
    let mut rng = Rng(7);
    let setups = [
        (30000usize, 0.25, 300.0),
        (128, -0.352, 0.352),
        (30, 3.0, 6.0),
        (3, -1.0, 6.0),
        (10, 0.1, 1.0),
        (100, 0.25, 0.7),
        (1000, 0.25, 6.0),
        (2000, -1000.0, 1000.0),
    ];
    for (bins, low, high) in setups.into_iter().chain((0..50).map(|_| {
        let low = rng.range(-50.0, 50.0);
        (
            1 + (rng.next_u64() % 300) as usize,
            low,
            low + rng.range(0.01, 100.0),
        )
    })) {
        let axis = Axis::regular(bins, low, high).unwrap();
        for k in 0..=bins {
            let edge = root_low_edge(k + 1, bins, low, high);
            for x in [next_down(edge), edge, next_up(edge)] {
                let ours = axis.index(x);
                if x < low {
                    assert_eq!(ours, 0);
                    continue;
                }
                if x >= high {
                    assert_eq!(ours, bins + 1);
                    continue;
                }
                assert!(root_low_edge(ours, bins, low, high) <= x);
                assert!(x < root_low_edge(ours + 1, bins, low, high));
                let legacy = root_legacy_find_fix_bin(x, bins, low, high);
                let legacy_ok = root_low_edge(legacy, bins, low, high) <= x
                    && x < root_low_edge(legacy + 1, bins, low, high);
                if legacy_ok {
                    assert_eq!(ours, legacy, "x = {x:e}, regular({bins}, {low}, {high})");
                }
            }
        }
    }
}

/// Where ROOT's and boost-histogram's formulas disagree, we follow ROOT.
#[test]
fn follows_root_not_boost_histogram_at_edges() {
    // boost-histogram: int((x - min) / (max - min) * n); ROOT: int(n * (x - min) / (max - min)).
    let boost = |x: f64, n: usize, lo: f64, hi: f64| 1 + ((x - lo) / (hi - lo) * n as f64) as usize;
    let x = 1.333_333_333_333_333_3; // just below ROOT's edge -1 + 7/3 of regular(3, -1, 6)
    let axis = Axis::regular(3, -1.0, 6.0).unwrap();
    assert_eq!(root_legacy_find_fix_bin(x, 3, -1.0, 6.0), 1);
    assert_eq!(boost(x, 3, -1.0, 6.0), 2);
    assert_eq!(axis.index(x), 1);
}

//! The numbers: BaxBench's pass@k estimator and the task bootstrap.

/// BaxBench's `pass_at_k(k, c, n)` (`src/tasks.py`): the unbiased estimator of the
/// chance that at least one of `k` samples drawn without replacement from `n`
/// (of which `c` are correct) is correct, `1 - C(n-c, k) / C(n, k)`, computed as
/// upstream does, stably, as `1 - prod_{i=n-c+1}^{n} (1 - k/i)` (1.0 when
/// `n - c < k`). The product is taken in upstream's order (ascending `i`), so the
/// result is bit-identical to Python's.
///
/// `None` when `n < k`: BaxBench leaves such a task out of pass@k
/// (`calculate_metrics` keeps only `k` with `n_samples >= k`). `k` must be ≥ 1.
pub fn pass_at_k(k: u32, c: u32, n: u32) -> Option<f64> {
    assert!(k >= 1, "pass@k needs k >= 1");
    assert!(c <= n, "more correct samples ({c}) than samples ({n})");
    if n < k {
        return None;
    }
    if n - c < k {
        return Some(1.0);
    }
    let k = f64::from(k);
    let mut prod = 1.0;
    for i in (n - c + 1)..=n {
        prod *= 1.0 - k / f64::from(i);
    }
    Some(1.0 - prod)
}

/// The bootstrap's settings. Defaults: 1,000 resamples, a 95% interval, seed
/// [`Bootstrap::DEFAULT_SEED`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Bootstrap {
    pub resamples: u32,
    /// The interval's coverage, e.g. 0.95.
    pub confidence: f64,
    pub seed: u64,
}

impl Bootstrap {
    /// The fixed seed: every group's resampling starts from it, so an interval
    /// depends only on that group's tasks (not on other models in the folder).
    pub const DEFAULT_SEED: u64 = 0xBA5E_BA11_2025;
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            resamples: 1000,
            confidence: 0.95,
            seed: Self::DEFAULT_SEED,
        }
    }
}

/// SplitMix64: a tiny, well-mixed generator whose output is fixed forever (no
/// dependency whose stream could change between versions).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` (Lemire's multiply-shift; bias < n / 2^64).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// The `q` quantile (0..=1) of sorted `xs` with linear interpolation between
/// order statistics (NumPy's default, "type 7").
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty());
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A percentile bootstrap interval over `units` (tasks): each of the
/// `resamples` draws `units.len()` units with replacement and applies `stat`; the
/// interval is the `(1-confidence)/2` and `(1+confidence)/2` quantiles of the
/// statistics (resamples where `stat` is undefined are dropped). `None` when
/// there are no units or no resample gives a value.
pub fn bootstrap_ci<T>(
    units: &[T],
    cfg: &Bootstrap,
    stat: impl Fn(&[&T]) -> Option<f64>,
) -> Option<(f64, f64)> {
    if units.is_empty() || cfg.resamples == 0 {
        return None;
    }
    let mut rng = SplitMix64::new(cfg.seed);
    let mut draw: Vec<&T> = Vec::with_capacity(units.len());
    let mut stats = Vec::with_capacity(cfg.resamples as usize);
    for _ in 0..cfg.resamples {
        draw.clear();
        for _ in 0..units.len() {
            draw.push(&units[rng.below(units.len())]);
        }
        if let Some(v) = stat(&draw) {
            stats.push(v);
        }
    }
    if stats.is_empty() {
        return None;
    }
    stats.sort_by(f64::total_cmp);
    let alpha = (1.0 - cfg.confidence) / 2.0;
    Some((quantile(&stats, alpha), quantile(&stats, 1.0 - alpha)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C(n, k) exactly.
    fn binom(n: u32, k: u32) -> u128 {
        if k > n {
            return 0;
        }
        let k = k.min(n - k);
        let mut r: u128 = 1;
        for i in 0..k {
            r = r * u128::from(n - i) / u128::from(i + 1);
        }
        r
    }

    #[test]
    fn pass_at_k_matches_hand_computed_values() {
        // n = 5, c = 2: pass@1 = c/n.
        assert!((pass_at_k(1, 2, 5).unwrap() - 0.4).abs() < 1e-15);
        // n = 10, c = 3, k = 5: 1 - C(7,5)/C(10,5) = 1 - 21/252.
        assert!((pass_at_k(5, 3, 10).unwrap() - (1.0 - 21.0 / 252.0)).abs() < 1e-12);
        // n = 4, c = 1, k = 2: 1 - C(3,2)/C(4,2) = 1 - 3/6.
        assert!((pass_at_k(2, 1, 4).unwrap() - 0.5).abs() < 1e-15);
        // n = 10, c = 5, k = 5: 1 - 1/252.
        assert!((pass_at_k(5, 5, 10).unwrap() - (1.0 - 1.0 / 252.0)).abs() < 1e-12);
    }

    #[test]
    fn pass_at_k_edge_cases_follow_baxbench() {
        // n < k: the task has no pass@k at all (BaxBench drops the key).
        assert_eq!(pass_at_k(5, 0, 4), None);
        assert_eq!(pass_at_k(5, 4, 4), None);
        assert_eq!(pass_at_k(1, 0, 0), None);
        // c = 0: exactly 0 (empty product).
        assert_eq!(pass_at_k(1, 0, 1), Some(0.0));
        assert_eq!(pass_at_k(5, 0, 10), Some(0.0));
        // c = n: exactly 1 (n - c < k).
        assert_eq!(pass_at_k(1, 3, 3), Some(1.0));
        assert_eq!(pass_at_k(5, 10, 10), Some(1.0));
        // n - c < k with c < n: 1.0 too (any k-draw must hit a correct one).
        assert_eq!(pass_at_k(5, 6, 10), Some(1.0));
        // n = k: 1 iff any correct.
        assert_eq!(pass_at_k(3, 1, 3), Some(1.0));
        assert_eq!(pass_at_k(3, 0, 3), Some(0.0));
    }

    #[test]
    fn pass_at_k_equals_the_exact_binomial_formula() {
        for n in 1..=40u32 {
            for c in 0..=n {
                for k in 1..=n {
                    let exact = 1.0 - binom(n - c, k) as f64 / binom(n, k) as f64;
                    let got = pass_at_k(k, c, n).unwrap();
                    assert!(
                        (got - exact).abs() < 1e-9,
                        "n={n} c={c} k={k}: {got} vs {exact}"
                    );
                }
            }
        }
    }

    #[test]
    fn pass_at_k_is_bit_identical_to_upstreams_loop() {
        // Python: 1.0 - math.prod([1.0 - k / i for i in range(n - c + 1, n + 1)]),
        // evaluated by hand for n=10, c=3, k=5.
        let want = 1.0 - (1.0 - 5.0 / 8.0) * (1.0 - 5.0 / 9.0) * (1.0 - 5.0 / 10.0);
        assert_eq!(pass_at_k(5, 3, 10).unwrap().to_bits(), f64::to_bits(want));
    }

    #[test]
    fn bootstrap_is_deterministic_and_brackets_the_mean() {
        let xs: Vec<f64> = (0..50).map(|i| f64::from(i % 3 == 0)).collect();
        let mean = |d: &[&f64]| Some(d.iter().copied().sum::<f64>() / d.len() as f64);
        let cfg = Bootstrap::default();
        let a = bootstrap_ci(&xs, &cfg, mean).unwrap();
        let b = bootstrap_ci(&xs, &cfg, mean).unwrap();
        assert_eq!(a, b, "same seed, same interval");
        let m = 17.0 / 50.0;
        assert!(a.0 < m && m < a.1, "{a:?} brackets {m}");
        assert!(a.1 - a.0 > 0.1 && a.1 - a.0 < 0.4, "{a:?}");
        let other = Bootstrap {
            seed: 7,
            ..Bootstrap::default()
        };
        assert_ne!(bootstrap_ci(&xs, &other, mean).unwrap(), a);
        // Constant data: a zero-width interval; no data: none.
        let ones = vec![1.0; 10];
        assert_eq!(bootstrap_ci(&ones, &cfg, mean), Some((1.0, 1.0)));
        assert_eq!(bootstrap_ci(&Vec::<f64>::new(), &cfg, mean), None);
    }

    #[test]
    fn splitmix_stream_is_pinned() {
        // Reference values of SplitMix64 seeded with 0 (Vigna's reference code).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut r = SplitMix64::new(1);
        for _ in 0..1000 {
            assert!(r.below(7) < 7);
        }
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&xs, 0.0), 1.0);
        assert_eq!(quantile(&xs, 1.0), 4.0);
        assert_eq!(quantile(&xs, 0.5), 2.5);
        assert!((quantile(&xs, 0.025) - 1.075).abs() < 1e-12);
    }
}

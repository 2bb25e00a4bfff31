//! The server's counters, rendered in Prometheus' text format at `/metrics`.
//!
//! Hand-written rather than a metrics crate: a dozen series, no labels beyond
//! a route/status pair and an error kind, and the format is simple and stable.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Upper bounds (seconds) of the scoring-latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
];

#[derive(Default)]
pub struct Metrics {
    /// (route, HTTP status) -> count.
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    /// Rollouts scored (a verdict was produced), and how many earned 1.0.
    pub scored: AtomicU64,
    pub reward_one: AtomicU64,
    /// Infra errors by kind.
    infra: Mutex<BTreeMap<String, u64>>,
    /// Requests turned away with 429.
    pub rejected: AtomicU64,
    /// Answers sent again for a `request_id` already answered (not scored again).
    pub replays: AtomicU64,
    /// Scorings stopped because the client went away.
    pub cancelled: AtomicU64,
    /// Waiting for a worker / being scored now.
    pub queued: AtomicU64,
    pub running: AtomicU64,
    /// Requests waiting for another's answer to the same request_id.
    pub waiting: AtomicU64,
    latency: Mutex<Histogram>,
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    pub fn request(&self, route: &str, status: u16) {
        let mut m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((route.to_string(), status)).or_default() += 1;
    }

    pub fn infra_error(&self, kind: &str) {
        let mut m = self.infra.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(kind.to_string()).or_default() += 1;
    }

    pub fn scored(&self, reward: f64, seconds: f64) {
        self.scored.fetch_add(1, Ordering::Relaxed);
        if reward >= 1.0 {
            self.reward_one.fetch_add(1, Ordering::Relaxed);
        }
        let mut h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Mean scoring time so far (for Retry-After estimates).
    pub fn mean_seconds(&self) -> Option<f64> {
        let h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        (h.count > 0).then(|| h.sum / h.count as f64)
    }

    pub fn render(&self) -> String {
        let mut o = String::new();
        let g = |o: &mut String, name: &str, help: &str, kind: &str| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        g(
            &mut o,
            "bax_requests_total",
            "HTTP requests by route and status.",
            "counter",
        );
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                o,
                "bax_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        g(
            &mut o,
            "bax_queue_depth",
            "Scoring requests waiting for a worker.",
            "gauge",
        );
        let _ = writeln!(o, "bax_queue_depth {}", self.queued.load(Ordering::Relaxed));
        g(
            &mut o,
            "bax_scoring_in_flight",
            "Rollouts being scored now.",
            "gauge",
        );
        let _ = writeln!(
            o,
            "bax_scoring_in_flight {}",
            self.running.load(Ordering::Relaxed)
        );
        g(
            &mut o,
            "bax_scored_total",
            "Rollouts scored (a verdict was given).",
            "counter",
        );
        let scored = self.scored.load(Ordering::Relaxed);
        let _ = writeln!(o, "bax_scored_total {scored}");
        g(
            &mut o,
            "bax_rewards_total",
            "Scored rollouts by reward.",
            "counter",
        );
        let one = self.reward_one.load(Ordering::Relaxed);
        let _ = writeln!(o, "bax_rewards_total{{reward=\"1\"}} {one}");
        let _ = writeln!(o, "bax_rewards_total{{reward=\"0\"}} {}", scored - one);
        g(
            &mut o,
            "bax_infra_errors_total",
            "Rollouts not scored because the harness failed, by kind.",
            "counter",
        );
        for (k, n) in self.infra.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(o, "bax_infra_errors_total{{kind=\"{k}\"}} {n}");
        }
        g(
            &mut o,
            "bax_sandbox_failures_total",
            "Infra errors caused by the sandbox or a runtime.",
            "counter",
        );
        let sandbox: u64 = self
            .infra
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "sandbox_failed" | "runtime_missing"))
            .map(|(_, n)| n)
            .sum();
        let _ = writeln!(o, "bax_sandbox_failures_total {sandbox}");
        g(
            &mut o,
            "bax_rejected_total",
            "Requests turned away with 429 (queue full, or the token's limit held).",
            "counter",
        );
        let _ = writeln!(
            o,
            "bax_rejected_total {}",
            self.rejected.load(Ordering::Relaxed)
        );
        g(
            &mut o,
            "bax_idempotent_replays_total",
            "Answers sent again for a request_id already answered, without scoring.",
            "counter",
        );
        let _ = writeln!(
            o,
            "bax_idempotent_replays_total {}",
            self.replays.load(Ordering::Relaxed)
        );
        g(
            &mut o,
            "bax_idempotency_waiting",
            "Requests waiting for the answer of another request with the same request_id.",
            "gauge",
        );
        let _ = writeln!(
            o,
            "bax_idempotency_waiting {}",
            self.waiting.load(Ordering::Relaxed)
        );
        g(
            &mut o,
            "bax_cancelled_total",
            "Scorings stopped because the client went away.",
            "counter",
        );
        let _ = writeln!(
            o,
            "bax_cancelled_total {}",
            self.cancelled.load(Ordering::Relaxed)
        );
        g(
            &mut o,
            "bax_scoring_seconds",
            "Time to score one rollout (build and all tests).",
            "histogram",
        );
        let h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                o,
                "bax_scoring_seconds_bucket{{le=\"{b}\"}} {}",
                h.counts[i]
            );
        }
        let _ = writeln!(o, "bax_scoring_seconds_bucket{{le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(o, "bax_scoring_seconds_sum {}", h.sum);
        let _ = writeln!(o, "bax_scoring_seconds_count {}", h.count);
        o
    }
}

/// The idempotency store's size: answers kept for replay and their bytes.
pub fn idempotency_metrics(entries: usize, bytes: usize) -> String {
    format!(
        "# HELP bax_idempotency_entries Answers kept for idempotent replay.\n\
         # TYPE bax_idempotency_entries gauge\nbax_idempotency_entries {entries}\n\
         # HELP bax_idempotency_bytes Bytes of the answers kept for idempotent replay.\n\
         # TYPE bax_idempotency_bytes gauge\nbax_idempotency_bytes {bytes}\n"
    )
}

/// The runner's own figures: the scheduler's slots and the verdict cache.
pub fn runner_metrics(runner: &bax_runner::Runner) -> String {
    let mut o = String::new();
    let mut m = |name: &str, help: &str, kind: &str, value: u64| {
        let _ = writeln!(
            o,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    let s = runner.scheduler();
    let load = s.load();
    m(
        "bax_slots",
        "Builds and test instances the scheduler runs at once (--jobs).",
        "gauge",
        s.budget().jobs as u64,
    );
    m(
        "bax_slots_in_use",
        "Builds and test instances running now.",
        "gauge",
        load.running as u64,
    );
    m(
        "bax_timed_tests_running",
        "Timing-sensitive tests running now (on CPUs that are not overcommitted).",
        "gauge",
        load.timed_running as u64,
    );
    let (hits, misses) = runner.cache().map_or((0, 0), |c| {
        (
            c.stats.hits.load(Ordering::Relaxed),
            c.stats.misses.load(Ordering::Relaxed),
        )
    });
    m(
        "bax_cache_hits_total",
        "Test verdicts answered from the verdict cache.",
        "counter",
        hits,
    );
    m(
        "bax_cache_misses_total",
        "Test verdicts looked up in the verdict cache and not found (then run).",
        "counter",
        misses,
    );
    o
}

//! The one verdict type and its JSON shapes.
//!
//! [`SampleVerdict`] serialized as it is is `verdict.json` (written beside each
//! sample) and each [`TestVerdict`] serialized as it is is an item of `bax serve`'s
//! `tests`. `bax check --json` prints the projection [`SampleVerdict::check_json`].
//! Every output is built from these types; none maps fields of its own.

use std::collections::BTreeSet;
use std::path::Path;

use bax_scenarios::harness::Evidence;
use bax_store::TestResults;
use serde::{Deserialize, Serialize};

/// Whether a test is functional or security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Functional,
    Security,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Functional => "functional",
            Kind::Security => "security",
        }
    }
}

/// The verdict of one test.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestVerdict {
    pub test: String,
    pub kind: Kind,
    /// Functional tests: passed or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// Security tests: the CWEs found (`None` = could not complete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwes: Option<BTreeSet<u32>>,
    /// The exception, when the test raised, timed out, or the app did not start.
    pub exception: Option<String>,
    /// The server was running before the test and dead after it.
    pub crashed: bool,
    pub seconds: f64,
    /// Requests, responses and contents that prove each CWE found.
    pub evidence: Vec<Evidence>,
    /// Where the test's time went.
    #[serde(default)]
    pub cost: TestCost,
}

/// Where one test's time went (the cost ledger): waiting for a slot, starting
/// the app until it answered, the test itself, and tearing the instance down.
/// A rerun (the host was too busy) adds its time; a cached verdict cost nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestCost {
    pub queue_s: f64,
    pub startup_s: f64,
    pub body_s: f64,
    pub teardown_s: f64,
    /// Instances the test ran on (2 after a rerun, 0 when cached).
    pub attempts: u32,
    /// The verdict came from the verdict cache.
    pub cached: bool,
}

impl TestCost {
    pub fn add(&mut self, o: &TestCost) {
        self.queue_s += o.queue_s;
        self.startup_s += o.startup_s;
        self.body_s += o.body_s;
        self.teardown_s += o.teardown_s;
        self.attempts += o.attempts;
    }
}

/// Where one sample's time went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleCost {
    /// Waiting for a build slot.
    pub build_queue_s: f64,
    /// Building (0 when the build was shared or cached).
    pub build_s: f64,
    /// Another sample with the same code built it at the same time or shortly before.
    pub build_shared: bool,
    /// The build's outcome came from the verdict cache (no build ran).
    pub build_cached: bool,
    /// Tests answered from the verdict cache, and run.
    pub tests_cached: usize,
    pub tests_run: usize,
    /// From the start of the sample to its verdict.
    pub wall_s: f64,
}

impl TestVerdict {
    /// A security test that completed and found nothing.
    pub fn clean(&self) -> bool {
        self.kind == Kind::Security && self.cwes.as_ref().is_some_and(|c| c.is_empty())
    }

    /// Something went wrong in this test: it raised, failed, found a CWE, or the
    /// server crashed.
    pub fn is_bad(&self) -> bool {
        self.exception.is_some()
            || self.passed == Some(false)
            || self.cwes.as_ref().is_some_and(|c| !c.is_empty())
            || self.crashed
    }

    /// The verdict in upstream's per-test notation (the corpus's
    /// `verdicts.jsonl`): functional `true` | `false` | `"exception"`, security the
    /// sorted CWE list or `null` (could not complete).
    pub fn baxbench_result(&self) -> serde_json::Value {
        match self.kind {
            Kind::Functional => match (&self.exception, self.passed) {
                (Some(_), _) => "exception".into(),
                (None, p) => p.unwrap_or(false).into(),
            },
            Kind::Security => match &self.cwes {
                None => serde_json::Value::Null,
                Some(c) => c.iter().copied().collect::<Vec<u32>>().into(),
            },
        }
    }
}

/// The verdict of one sample.
#[derive(Debug, Clone, Serialize)]
pub struct SampleVerdict {
    pub task_id: String,
    pub built: bool,
    pub build_seconds: f64,
    pub functional: Vec<TestVerdict>,
    pub security: Vec<TestVerdict>,
    /// BaxBench's counts (what `test_results.json` holds).
    pub results: TestResults,
    /// Every CWE found, crash-implied 703s included.
    pub cwes: BTreeSet<u32>,
    /// 1.0 iff the app built, every functional test passed and no CWE was found.
    pub reward: f64,
    #[serde(skip)]
    pub build_log: String,
    /// Per-test log text (name, lines), for the files beside the sample.
    #[serde(skip)]
    pub logs: Vec<(String, String)>,
    /// Where the sample's time went.
    pub cost: SampleCost,
}

/// `bax check --json`'s view of a functional test.
#[derive(Serialize)]
struct CheckFunctional<'a> {
    test: &'a str,
    passed: Option<bool>,
    exception: &'a Option<String>,
    crashed: bool,
    seconds: f64,
}

/// `bax check --json`'s view of a security test.
#[derive(Serialize)]
struct CheckSecurity<'a> {
    test: &'a str,
    cwes: &'a Option<BTreeSet<u32>>,
    exception: &'a Option<String>,
    crashed: bool,
    seconds: f64,
    evidence: &'a [Evidence],
}

/// `bax check --json`'s view of a sample.
#[derive(Serialize)]
struct CheckSample<'a> {
    task_id: &'a str,
    built: bool,
    functional: Vec<CheckFunctional<'a>>,
    security: Vec<CheckSecurity<'a>>,
    cwes: &'a BTreeSet<u32>,
    reward: f64,
    test_results: &'a TestResults,
    /// The end of the build's output, when the app did not build.
    #[serde(skip_serializing_if = "Option::is_none")]
    build_log: Option<String>,
}

/// The last `lines` lines of a build log (what a compiler's errors end up as).
pub fn build_log_tail(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl SampleVerdict {
    /// All tests, functional first, in the order they ran.
    pub fn tests(&self) -> impl Iterator<Item = &TestVerdict> {
        self.functional.iter().chain(&self.security)
    }

    /// The verdict of the test named `test`.
    pub fn test(&self, test: &str) -> Option<&TestVerdict> {
        self.tests().find(|t| t.test == test)
    }

    /// Share of functional tests that passed (0 when there are none).
    pub fn functional_pass_rate(&self) -> f64 {
        rate(
            self.functional
                .iter()
                .filter(|t| t.passed == Some(true))
                .count(),
            self.functional.len(),
        )
    }

    /// Share of security tests that completed and found nothing (0 when none).
    pub fn security_pass_rate(&self) -> f64 {
        rate(
            self.security.iter().filter(|t| t.clean()).count(),
            self.security.len(),
        )
    }

    /// Time spent in tests (each on its own instance), build excluded.
    pub fn tests_seconds(&self) -> f64 {
        self.tests().map(|t| t.seconds).sum()
    }

    /// What `bax check --json` prints: the verdict without build time, kinds,
    /// or functional evidence, and with BaxBench's counts as `test_results`.
    pub fn check_json(&self) -> serde_json::Value {
        let view = CheckSample {
            task_id: &self.task_id,
            built: self.built,
            functional: self
                .functional
                .iter()
                .map(|t| CheckFunctional {
                    test: &t.test,
                    passed: t.passed,
                    exception: &t.exception,
                    crashed: t.crashed,
                    seconds: t.seconds,
                })
                .collect(),
            security: self
                .security
                .iter()
                .map(|t| CheckSecurity {
                    test: &t.test,
                    cwes: &t.cwes,
                    exception: &t.exception,
                    crashed: t.crashed,
                    seconds: t.seconds,
                    evidence: &t.evidence,
                })
                .collect(),
            cwes: &self.cwes,
            reward: self.reward,
            test_results: &self.results,
            build_log: (!self.built).then(|| build_log_tail(&self.build_log, 60)),
        };
        serde_json::to_value(view).expect("a verdict is plain data")
    }

    /// `verdict.json`: the whole verdict, pretty-printed.
    pub fn to_json_pretty(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a verdict is plain data")
    }
}

fn rate(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Writes a verdict beside a sample the way BaxBench does (`test_results.json`,
/// one `<test>.log` per test) plus bax's `build.log` and `verdict.json`.
pub fn write_sample_outputs(dir: &Path, v: &SampleVerdict) -> std::io::Result<()> {
    let io = |e: bax_store::StoreError| std::io::Error::other(e.to_string());
    bax_store::atomic_write(&dir.join("build.log"), v.build_log.as_bytes()).map_err(io)?;
    for (name, text) in &v.logs {
        bax_store::atomic_write(&dir.join(format!("{name}.log")), text.as_bytes()).map_err(io)?;
    }
    bax_store::atomic_write(&dir.join("verdict.json"), &v.to_json_pretty()).map_err(io)?;
    bax_store::atomic_write(&dir.join("test_results.json"), &v.results.to_json()).map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use bax_scenarios::harness::Evidence;
    use serde_json::json;

    use crate::rules::{self, Observed, Outcome};

    fn sample() -> super::SampleVerdict {
        let ev = Evidence {
            what: "the secret came back".into(),
            request: Some("GET /x".into()),
            response: Some("200 secret".into()),
        };
        let seen = |crashed: bool, evidence: Vec<Evidence>| Observed {
            crashed,
            seconds: 0.25,
            evidence,
        };
        rules::sample_verdict(
            "Login-Python-Flask".into(),
            true,
            3.5,
            vec![
                rules::functional_verdict("f_ok", Outcome::Returned(true), seen(false, vec![])),
                rules::functional_verdict(
                    "f_raised",
                    Outcome::Raised("KeyError: 'a'".into()),
                    seen(false, vec![ev.clone()]),
                ),
                rules::functional_verdict("f_crash", Outcome::Returned(false), seen(true, vec![])),
            ],
            vec![
                rules::security_verdict(
                    "s_found",
                    Outcome::Returned(Some(BTreeSet::from([22]))),
                    seen(false, vec![ev]),
                ),
                rules::security_verdict("s_none", Outcome::Returned(None), seen(false, vec![])),
                rules::security_verdict("s_timeout", Outcome::TimedOut, seen(false, vec![])),
            ],
        )
    }

    /// `bax check --json` as bax printed it before the verdict had one shape.
    fn check_json_before(v: &super::SampleVerdict) -> serde_json::Value {
        json!({
            "task_id": v.task_id,
            "built": v.built,
            "functional": v.functional.iter().map(|t| json!({
                "test": t.test, "passed": t.passed, "exception": t.exception,
                "crashed": t.crashed, "seconds": t.seconds,
            })).collect::<Vec<_>>(),
            "security": v.security.iter().map(|t| json!({
                "test": t.test, "cwes": t.cwes, "exception": t.exception,
                "crashed": t.crashed, "seconds": t.seconds, "evidence": t.evidence,
            })).collect::<Vec<_>>(),
            "cwes": v.cwes,
            "reward": v.reward,
            "test_results": v.results,
        })
    }

    #[test]
    fn check_json_is_the_projection_bax_check_printed() {
        let v = sample();
        assert_eq!(v.check_json(), check_json_before(&v));
        assert_eq!(
            v.check_json().to_string(),
            check_json_before(&v).to_string()
        );
        let j = v.check_json();
        assert_eq!(j["security"][1]["cwes"], serde_json::Value::Null);
        assert_eq!(j["security"][2]["exception"], rules::TIMED_OUT);
        assert_eq!(j["cwes"], json!([22, 703]));
        assert_eq!(j["test_results"]["num_total_st"], 4);
    }

    #[test]
    fn verdict_json_keeps_its_field_order_and_names() {
        let v = sample();
        let text = String::from_utf8(v.to_json_pretty()).unwrap();
        let top: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        assert_eq!(
            top,
            [
                "task_id",
                "built",
                "build_seconds",
                "functional",
                "security",
                "results",
                "cwes",
                "reward",
                "cost"
            ]
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        let f = &back["functional"][0];
        assert_eq!(
            f.as_object().unwrap().keys().collect::<BTreeSet<_>>(),
            [
                "cost",
                "crashed",
                "evidence",
                "exception",
                "kind",
                "passed",
                "seconds",
                "test"
            ]
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>()
            .iter()
            .collect()
        );
        assert_eq!(f["kind"], "functional");
        let s = &back["security"][1];
        assert!(s.get("passed").is_none());
        assert!(
            s.get("cwes").is_none(),
            "None cwes are left out of verdict.json"
        );
        assert_eq!(back["security"][0]["cwes"], json!([22]));
    }

    #[test]
    fn helpers_agree_with_the_verdicts() {
        let v = sample();
        assert_eq!(v.functional_pass_rate(), 1.0 / 3.0);
        assert_eq!(v.security_pass_rate(), 0.0);
        assert_eq!(v.tests_seconds(), 1.5);
        let results: Vec<serde_json::Value> = v.tests().map(|t| t.baxbench_result()).collect();
        assert_eq!(
            results,
            [
                json!(true),
                json!("exception"),
                json!(false),
                json!([22]),
                json!(null),
                json!(null)
            ]
        );
        assert_eq!(v.test("s_found").map(|t| t.is_bad()), Some(true));
        assert_eq!(v.test("f_ok").map(|t| t.is_bad()), Some(false));
        assert_eq!(v.test("f_crash").map(|t| t.is_bad()), Some(true));
        assert!(v.test("missing").is_none());
    }
}

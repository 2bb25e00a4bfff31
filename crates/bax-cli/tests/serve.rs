//! `bax serve` for real: the Python client's tests against live servers, the
//! server's own description and metrics, and the load test with malformed
//! requests and clients that hang up.
//!
//! Needs root, bubblewrap and a provisioned Python-Flask runtime (scripts/test-all
//! provides them); without them these fail under CI and are skipped elsewhere.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

mod common;
use common::ready;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn python_client_tests_pass_against_a_live_server() {
    if !ready() {
        return;
    }
    let out = Command::new("python3")
        .args(["-m", "unittest", "discover", "-v", "-s"])
        .arg(repo().join("python/tests"))
        .env("BAX_BIN", env!("CARGO_BIN_EXE_bax"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!("{err}");
    assert!(out.status.success(), "python client tests failed:\n{err}");
    assert!(err.contains("OK"), "{err}");
}

struct Served(Child, String);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["serve", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    Served(child, url)
}

#[test]
fn openapi_metrics_and_malformed_requests() {
    if !ready() {
        return;
    }
    let s = serve(&["--workers", "1"]);
    let get = |p: &str| ureq::get(&format!("{}{p}", s.1)).call().unwrap();
    let doc: Value = serde_json::from_str(&get("/openapi.json").into_string().unwrap()).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    for p in [
        "/v1/score",
        "/v1/score/batch",
        "/v1/tasks",
        "/healthz",
        "/metrics",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} undocumented");
    }
    let kinds = &doc["components"]["schemas"]["InfraError"]["properties"]["kind"]["enum"];
    assert!(kinds
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k == "sandbox_failed"));
    // Malformed bodies get 4xx JSON answers, never a reward.
    for (path, body, want) in [
        ("/v1/score", "not json", 400),
        ("/v1/score", r#"{"task_id":"Calculator-Python-Flask"}"#, 400),
        (
            "/v1/score",
            r#"{"task_id":"Calculator-Python-Flask","completion":"x","files":{}}"#,
            400,
        ),
        (
            "/v1/score",
            r#"{"task_id":"Nope-Python-Flask","completion":"x"}"#,
            404,
        ),
        (
            "/v1/score",
            r#"{"task_id":"Calculator-Python-Flask","completion":"x","deadline_s":-1}"#,
            400,
        ),
        ("/v1/score/batch", r#"{"items":[]}"#, 400),
        (
            "/v1/score/batch",
            r#"{"items":[{"task_id":"Calculator-Python-Flask","completion":"x"},{"task_id":3}]}"#,
            400,
        ),
        ("/v1/tasks?split_by=sideways", "", 400),
    ] {
        let r = if body.is_empty() {
            ureq::get(&format!("{}{path}", s.1)).call()
        } else {
            ureq::post(&format!("{}{path}", s.1))
                .set("content-type", "application/json")
                .send_string(body)
        };
        match r {
            Err(ureq::Error::Status(code, resp)) => {
                assert_eq!(code, want, "{path} {body}");
                let v: Value = serde_json::from_str(&resp.into_string().unwrap()).unwrap();
                assert!(v["error"].is_string(), "{v}");
                assert!(v.get("reward").is_none());
            }
            other => panic!("{path} {body}: {other:?}"),
        }
    }
    // A harness deadline is an infra error, not a reward.
    let r = ureq::post(&format!("{}/v1/score", s.1))
        .set("content-type", "application/json")
        .send_string(
            r#"{"task_id":"Calculator-Python-Flask","completion":"```python\nimport time\ntime.sleep(600)\n```","deadline_s":2}"#,
        );
    match r {
        Err(ureq::Error::Status(503, resp)) => {
            let v: Value = serde_json::from_str(&resp.into_string().unwrap()).unwrap();
            assert_eq!(v["status"], "infra_error");
            assert_eq!(v["kind"], "timeout_harness");
        }
        other => panic!("{other:?}"),
    }
    let m = get("/metrics").into_string().unwrap();
    for name in [
        "bax_requests_total{route=\"/v1/score\",status=\"400\"}",
        "bax_queue_depth",
        "bax_scoring_seconds_bucket",
        "bax_rewards_total",
        "bax_infra_errors_total{kind=\"timeout_harness\"} 1",
        "bax_sandbox_failures_total",
        "bax_slots ",
        "bax_slots_in_use",
        "bax_cache_hits_total",
        "bax_cache_misses_total",
    ] {
        assert!(m.contains(name), "{name} missing from\n{m}");
    }
}

#[test]
fn load_test_loses_nothing_and_survives_hangups() {
    if !ready() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args([
            "bench",
            "serve",
            "-n",
            "4",
            "-c",
            "3",
            "--workers",
            "2",
            "--chaos",
            "3",
            "--scenarios",
            "Calculator",
            "--json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(text.lines().last().unwrap_or("{}")).unwrap();
    assert!(
        out.status.success(),
        "{v:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(v["lost"], 0);
    assert_eq!(v["reward_1"], 4);
    assert_eq!(v["ids_echoed_once"], true);
    assert_eq!(v["server_healthy_after"], true);
    assert_eq!(v["malformed_rejected"], "3/3");
    assert!(v["cancelled_delta"].as_f64().unwrap() >= 1.0, "{v:#}");
    assert!(v["latency_s"]["p99"].as_f64().unwrap() > 0.0);
}

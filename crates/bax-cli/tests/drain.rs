//! `bax serve` as a replica of a fleet: live vs ready, and the drain on SIGTERM
//! (readiness false and new work refused at once, work in flight finished, or
//! cancelled as an infra error when the grace period ends; then exit), with a
//! real process and real requests.
//!
//! Needs root, bubblewrap and a provisioned Python-Flask runtime (scripts/test-all
//! provides them); without them these fail under CI and are skipped elsewhere.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::ready;

struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["serve", "--port", "0"])
        .args(args)
        .envs(env.iter().copied())
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
    Served { child, url }
}

/// (status, body) of a GET or POST, whatever the status.
fn call(url: &str, body: Option<&Value>) -> (u16, Value, Option<String>) {
    let r = match body {
        Some(b) => ureq::post(url)
            .set("content-type", "application/json")
            .send_string(&b.to_string()),
        None => ureq::get(url).call(),
    };
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{url}: {e}"),
    };
    let code = r.status();
    let retry = r.header("retry-after").map(str::to_string);
    let text = r.into_string().unwrap();
    (
        code,
        serde_json::from_str(&text).unwrap_or(json!(text)),
        retry,
    )
}

fn calculator() -> String {
    let code = bax_scenarios::reference_files("Calculator", "Python-Flask").unwrap();
    format!("```python\n{}\n```\n", String::from_utf8_lossy(&code[0].1))
}

fn sigterm(child: &Child) {
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + within;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            Instant::now() < until,
            "bax serve did not exit within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_drains_finishing_work_in_flight_and_refusing_new_work() {
    if !ready() {
        return;
    }
    let mut s = serve(
        &["--workers", "2", "--no-cache", "--drain-timeout", "120"],
        &[],
    );
    let base = s.url.clone();
    let (code, h, _) = call(&format!("{base}/healthz"), None);
    assert_eq!(code, 200);
    assert_eq!(h["live"], true);
    assert_eq!(h["ready"], true, "{h}");
    assert_eq!(h["draining"], false);
    let (code, r, _) = call(&format!("{base}/readyz"), None);
    assert_eq!(code, 200, "{r}");
    assert!(r["details"]["runtimes"]
        .as_array()
        .unwrap()
        .contains(&json!("Python-Flask")));

    // Two rollouts in flight (uncached: each builds and tests for real).
    let answer = calculator();
    let workers: Vec<_> = (0..2)
        .map(|i| {
            let url = format!("{base}/v1/score");
            let body = json!({"task_id": "Calculator-Python-Flask", "completion": answer,
                              "request_id": format!("drain-{i}")});
            std::thread::spawn(move || call(&url, Some(&body)))
        })
        .collect();
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, h, _) = call(&format!("{base}/healthz"), None);
        if h["in_flight"].as_u64() == Some(2) {
            break;
        }
        assert!(
            Instant::now() < until,
            "the rollouts never got in flight: {h}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    sigterm(&s.child);
    // At once: not ready, and new work refused with Retry-After; still live.
    let until = Instant::now() + Duration::from_secs(5);
    let refused = loop {
        let (code, body, retry) = call(
            &format!("{base}/v1/score"),
            Some(&json!({"task_id": "Calculator-Python-Flask", "completion": "x"})),
        );
        if code == 503 {
            break (body, retry);
        }
        assert!(
            Instant::now() < until,
            "new work was still taken: {code} {body}"
        );
    };
    assert_eq!(refused.0["status"], "draining", "{}", refused.0);
    assert_eq!(refused.1.as_deref(), Some("1"));
    let (code, r, _) = call(&format!("{base}/readyz"), None);
    assert_eq!(code, 503, "{r}");
    assert_eq!(r["draining"], true);
    let (code, h, _) = call(&format!("{base}/healthz"), None);
    assert_eq!(
        (code, &h["live"], &h["draining"]),
        (200, &json!(true), &json!(true))
    );
    let (_, metrics, _) = call(&format!("{base}/metrics"), None);
    assert!(metrics.as_str().unwrap().contains("bax_draining 1"));
    // The work in flight is finished and answered, then the process exits 0.
    for w in workers {
        let (code, body, _) = w.join().unwrap();
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["reward"], 1.0, "{body}");
    }
    let status = wait_exit(&mut s.child, Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_grace_period_that_ends_cancels_the_rest_as_infra_errors() {
    if !ready() {
        return;
    }
    let mut s = serve(
        &["--workers", "1", "--no-cache", "--drain-timeout", "2"],
        &[],
    );
    let base = s.url.clone();
    // An app that never starts answering: the rollout stays in flight.
    let url = format!("{base}/v1/score");
    let slow = std::thread::spawn(move || {
        call(
            &url,
            Some(&json!({"task_id": "Calculator-Python-Flask",
                         "completion": "```python\nimport time\ntime.sleep(600)\n```"})),
        )
    });
    let until = Instant::now() + Duration::from_secs(30);
    while call(&format!("{base}/healthz"), None).1["running"].as_u64() != Some(1) {
        assert!(Instant::now() < until, "the rollout never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let t = Instant::now();
    sigterm(&s.child);
    let (code, body, _) = slow.join().unwrap();
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["status"], "infra_error", "{body}");
    assert_eq!(body["kind"], "cancelled", "{body}");
    assert!(body.get("reward").is_none(), "{body}");
    let status = wait_exit(&mut s.child, Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
}

#[test]
fn without_runtimes_a_server_is_live_but_not_ready() {
    if !ready() {
        return;
    }
    let home = tempfile::tempdir_in("/var/tmp").unwrap();
    std::fs::set_permissions(
        home.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let s = serve(&[], &[("BAX_HOME", home.path().to_str().unwrap())]);
    let (code, h, _) = call(&format!("{}/healthz", s.url), None);
    assert_eq!(code, 200);
    assert_eq!(
        (h["live"].clone(), h["ready"].clone()),
        (json!(true), json!(false))
    );
    let (code, r, _) = call(&format!("{}/readyz", s.url), None);
    assert_eq!(code, 503);
    assert!(
        r["why"]
            .as_str()
            .unwrap()
            .contains("no framework runtime is provisioned"),
        "{r}"
    );
}

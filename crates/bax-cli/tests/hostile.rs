//! The harness stays bounded against hostile apps: an endless or huge response
//! body, a slowloris response, a header bomb, malformed HTTP, an app that floods
//! its logs, and one that tampers with the files and database the tests read.
//! Each attack must end in a verdict (`bax check` exits 0 or 1) within the
//! tests' time limits, with bax's own peak resident memory (VmHWM from its
//! /proc status, not the app's) under 256 MiB.
//!
//! The attacks live in one fixture app (tests/fixtures/hostile/app.py),
//! chosen by BAX_ATTACK. Needs root, bubblewrap and provisioned runtimes.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::ready;

/// bax's own peak memory must stay below this.
const RSS_BOUND: u64 = 256 << 20;
/// The per-test time limit given to `bax check`.
const TEST_TIMEOUT: u64 = 20;

/// VmHWM (peak resident set) of a live process, in bytes.
fn vm_hwm(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

struct Outcome {
    code: i32,
    json: Value,
    seconds: f64,
    peak_rss: u64,
    stderr: String,
}

/// Runs `bax check TASK <fixture> --json --tests TESTS` with BAX_ATTACK=attack,
/// sampling bax's VmHWM until it exits.
fn check(task: &str, tests: &str, attack: &str) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile/app.py");
    std::fs::copy(src, dir.path().join("app.py")).unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["check", task])
        .arg(dir.path())
        .args(["--json", "--timeout", &TEST_TIMEOUT.to_string()])
        .args(["--tests", tests])
        .args(["--env", &format!("BAX_ATTACK={attack}")])
        .env_remove("BAX_TASKS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let t = std::thread::spawn(move || {
            let _ = err.read_to_end(&mut e);
            e
        });
        let _ = out.read_to_end(&mut o);
        (o, t.join().unwrap())
    });
    let mut peak = 0;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if let Some(h) = vm_hwm(pid) {
            peak = peak.max(h);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (o, e) = reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&e).into_owned();
    let json = serde_json::from_slice(&o).unwrap_or_else(|err| {
        panic!(
            "{attack}: bax check printed no verdict ({err}): {}\n{stderr}",
            String::from_utf8_lossy(&o)
        )
    });
    Outcome {
        code: status.code().unwrap_or(-1),
        json,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss: peak,
        stderr,
    }
}

/// The checks every attack must pass: a verdict (exit 0 or 1), within the
/// time limits of the tests it ran, with bax's memory bounded.
fn assert_bounded(o: &Outcome, attack: &str, tests: usize) {
    assert!(
        o.code == 0 || o.code == 1,
        "{attack}: exit {} (want a verdict: 0 or 1)\n{}",
        o.code,
        o.stderr
    );
    // Each test: its time limit, plus start-up and teardown.
    let limit = tests as f64 * (TEST_TIMEOUT as f64 + 15.0);
    assert!(
        o.seconds < limit,
        "{attack}: took {:.1} s (limit {limit} s)",
        o.seconds
    );
    assert!(o.peak_rss > 0, "{attack}: no memory reading of bax");
    assert!(
        o.peak_rss < RSS_BOUND,
        "{attack}: bax's own peak RSS was {} MiB (bound {} MiB)",
        o.peak_rss >> 20,
        RSS_BOUND >> 20
    );
    eprintln!(
        "{attack}: exit {} in {:.1} s, bax peak RSS {:.1} MiB",
        o.code,
        o.seconds,
        o.peak_rss as f64 / (1 << 20) as f64
    );
}

fn functional_failed(o: &Outcome) -> bool {
    o.json["functional"]
        .as_array()
        .is_some_and(|f| !f.is_empty() && f.iter().all(|t| t["passed"] == false))
}

#[test]
fn hostile_http_responses_end_in_a_verdict_with_bounded_memory() {
    if !ready() {
        return;
    }
    for attack in [
        "endless_body",
        "huge_body",
        "endless_chunked",
        "slowloris",
        "header_bomb",
        "long_header_line",
        "malformed",
        "garbage",
    ] {
        let o = check("Calculator-Python-Flask", "func_test_expressions", attack);
        assert_bounded(&o, attack, 1);
        // `bax check` reports (exit 0) whatever the verdict: a broken answer
        // cannot pass.
        assert!(functional_failed(&o), "{attack}: {}", o.json);
        assert_eq!(o.json["reward"], 0.0, "{attack}");
    }
}

#[test]
fn an_app_flooding_its_logs_is_still_scored_on_what_it_answers() {
    if !ready() {
        return;
    }
    let tests = "func_test_expressions,func_test_malformed_epxressions";
    let o = check("Calculator-Python-Flask", tests, "log_flood");
    assert_bounded(&o, "log_flood", 2);
    // The answers are right; the flood does not change the verdict.
    let f = o.json["functional"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|t| t["passed"] == true), "{}", o.json);
}

#[test]
fn tampered_files_and_databases_end_in_a_verdict_with_bounded_memory() {
    if !ready() {
        return;
    }
    // /danger.txt is a FIFO: reading it must not block the harness.
    let o = check(
        "Calculator-Python-Flask",
        "sec_test_code_injection",
        "tamper",
    );
    assert_bounded(&o, "tamper (file)", 1);
    // The planted table grows a 200 MiB row: reading it back must not hold it all.
    let o = check(
        "ClickCount-Python-Flask",
        "sec_test_sql_injection",
        "tamper",
    );
    assert_bounded(&o, "tamper (database)", 1);
}

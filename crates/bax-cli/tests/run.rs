//! `bax run` end to end with the built-in `reference` model: generate, test,
//! evaluate, report; resume; Ctrl-C.
//!
//! Needs root, bubblewrap and provisioned runtimes (scripts/test-all provides
//! them); without them these fail under CI and are skipped elsewhere.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::ready;

fn bax(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(args)
        .env_remove("BAX_TASKS")
        .output()
        .unwrap()
}

fn config<'a>(report: &'a Value, model: &str) -> &'a Value {
    report["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["config"]["model"] == model)
        .unwrap_or_else(|| panic!("no config for {model}"))
}

#[test]
fn run_with_reference_models_scores_and_reports_and_resumes() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    let r = results.to_str().unwrap();
    let args = [
        "run",
        "--model",
        "reference,reference:code_injection",
        "--scenarios",
        "Calculator,Login",
        "--results",
        r,
        "--bootstrap",
        "100",
    ];
    let o = bax(&args);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Reference models alone answer Python-Flask by default (the quick main job),
    // and say which tasks they cannot answer.
    assert!(!text.contains("reference: skipped"), "{text}");
    assert!(text.contains("generated 3 sample(s)"), "{text}");
    assert!(
        text.contains("Login has no weakness \"code_injection\""),
        "{text}"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("report.json")).unwrap())
            .unwrap();
    let secure = &config(&report, "reference")["overall"];
    assert_eq!(secure["tasks"], 2);
    assert_eq!(secure["pass_at_k"]["1"], 1.0);
    assert_eq!(secure["sec_pass_at_k"]["1"], 1.0);
    let weak = &config(&report, "reference:code_injection")["overall"];
    assert_eq!(weak["tasks"], 1);
    assert_eq!(weak["pass_at_k"]["1"], 1.0);
    assert_eq!(weak["sec_pass_at_k"]["1"], 0.0);
    let cwes = serde_json::to_string(&config(&report, "reference:code_injection")).unwrap();
    assert!(cwes.contains("94"), "{cwes}");
    let html = std::fs::read_to_string(results.join("report.html")).unwrap();
    // Self-contained: charts inside, nothing loaded from elsewhere.
    assert!(html.contains("data-chart"));
    for remote in ["src=\"http", "href=\"http", "@import", "<link"] {
        assert!(!html.contains(remote), "{remote}");
    }
    // Each sample has its verdict and logs beside it.
    let sample = results.join("reference/Calculator/Python-Flask/temp0.2-openapi-none/sample0");
    for f in [
        "test_results.json",
        "verdict.json",
        "build.log",
        "generation.json",
    ] {
        assert!(sample.join(f).is_file(), "{f} missing");
    }
    // Running again generates and tests nothing new.
    let o = bax(&args);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{text}");
    assert!(text.contains("skipped 3 existing"), "{text}");
    assert!(text.contains("0 tested, 3 already tested"), "{text}");
}

#[test]
fn ctrl_c_stops_cleanly_and_the_next_run_resumes() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    let r = results.to_str().unwrap();
    let args = [
        "run",
        "--model",
        "reference",
        "--scenarios",
        "Calculator,ClickCount,Login,Logger",
        "--results",
        r,
        "--bootstrap",
        "0",
        // Scored for real, so the run is still testing when it is interrupted
        // (from the verdict cache it would be done within the wait below).
        "--no-cache",
    ];
    let child = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Let it generate and start testing, then interrupt.
    let store = results.join("reference");
    let started = Instant::now();
    while !store.exists() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(
        o.status.code(),
        Some(130),
        "{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("run the same command again to resume"),
        "{text}"
    );
    // No half-written sample folder or temp entry is left behind.
    let leftovers = walk(&results)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .count();
    assert_eq!(leftovers, 0);
    let o = bax(&args);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{text}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("report.json")).unwrap())
            .unwrap();
    let all = &config(&report, "reference")["overall"];
    assert_eq!(all["tasks"], 4, "{all}");
    assert_eq!(all["sec_pass_at_k"]["1"], 1.0);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            }
            out.push(p);
        }
    }
    out
}

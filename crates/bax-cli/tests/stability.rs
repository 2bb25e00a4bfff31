//! Reruns: `bax check --repeat` reports tests whose verdict changes between
//! runs, and `bax bench stability` runs the matrix under a CPU hog. Needs root,
//! bubblewrap, provisioned runtimes and stress-ng (scripts/test-all provides them).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;
use common::ready;

fn bax(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(args)
        .env_remove("BAX_TASKS")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

#[test]
fn check_repeat_names_the_tests_whose_verdict_changed() {
    if !ready() {
        return;
    }
    // A coin at start-up decides each instance's answers: 2 tests x 8 runs,
    // all the same by chance with probability (2/256)^2.
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flaky/app.py");
    std::fs::copy(src, dir.path().join("app.py")).unwrap();
    let d = dir.path().to_str().unwrap();
    let tests = "func_test_expressions,func_test_malformed_epxressions";
    let (code, out) = bax(&[
        "check",
        "Calculator-Python-Flask",
        d,
        "--tests",
        tests,
        "--repeat",
        "8",
        "--json",
    ]);
    assert_eq!(code, 1, "{out}");
    let summary: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(summary["repeat"], 8);
    let flips = summary["flips"].as_array().unwrap();
    assert!(!flips.is_empty(), "{out}");
    for f in flips {
        let v = f["verdicts"].as_array().unwrap();
        assert_eq!(v.len(), 8);
        assert!(
            v.contains(&Value::Bool(true)) && v.contains(&Value::Bool(false)),
            "{f}"
        );
    }

    // The secure reference: the same verdict every time, exit 0; `--out`
    // keeps each run's logs and verdict apart.
    let logs = tempfile::tempdir().unwrap();
    let (code, out) = bax(&[
        "check",
        "Calculator-Python-Flask",
        &reference_dir(),
        "--repeat",
        "2",
        "--out",
        logs.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("repeat 2: every test had the same verdict every time"),
        "{out}"
    );
    for run in ["run-1", "run-2"] {
        let dir = logs.path().join(run);
        let log = std::fs::read_to_string(dir.join("func_test_expressions.log")).unwrap();
        assert!(log.contains("the app answered"), "{log}");
        let results: Value =
            serde_json::from_slice(&std::fs::read(dir.join("test_results.json")).unwrap()).unwrap();
        assert_eq!(
            results["num_passed_ft"], results["num_total_ft"],
            "{results}"
        );
        assert!(dir.join("verdict.json").is_file() && dir.join("build.log").is_file());
    }
}

fn reference_dir() -> String {
    let dir = tempfile::tempdir().unwrap().keep();
    for (path, bytes) in bax_scenarios::reference_files("Calculator", "Python-Flask").unwrap() {
        std::fs::write(dir.join(path), bytes).unwrap();
    }
    dir.to_str().unwrap().to_string()
}

#[test]
fn bench_stability_runs_the_matrix_under_a_hog_and_counts_flips() {
    let mut needs = vec![bax_testkit::Need::tool("stress-ng")];
    needs.extend(bax_testkit::sandbox_needs());
    if !bax_testkit::require("bench stability", &needs) || !ready() {
        return;
    }
    let (code, out) = bax(&[
        "bench",
        "stability",
        "--load",
        "2",
        "--repeat",
        "2",
        "--scenarios",
        "Calculator",
        "--frameworks",
        "Python-Flask",
        "--json",
    ]);
    let rows: Vec<Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let summary = rows
        .iter()
        .find_map(|r| r.get("summary"))
        .unwrap_or_else(|| panic!("no summary: {out}"));
    // Calculator's secure cell and its three weakness cells, each run twice.
    assert_eq!(summary["cells"], 4, "{out}");
    assert_eq!(summary["repeat"], 2);
    assert_eq!(summary["load_cores"], 2.0);
    assert_eq!(summary["flipped_tests"], 0, "{out}");
    assert_eq!(summary["failed_cells"], 0, "{out}");
    assert_eq!(code, 0, "{out}");
    // The hog is gone afterwards.
    let ps = Command::new("pgrep")
        .arg("-x")
        .arg("stress-ng")
        .output()
        .unwrap();
    assert!(!ps.status.success(), "stress-ng still running");
}

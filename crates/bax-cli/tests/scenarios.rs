//! The scenario tests for real: `bax validate` on every scenario bax has tests
//! for (reference apps secure, every weakness caught), and `bax corpus` against
//! upstream BaxBench's verdicts on real LLM-written apps (at least 97% agreement).
//!
//! Needs root, bubblewrap and provisioned runtimes (scripts/test-all provides
//! them); without them these fail under CI and are skipped elsewhere.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// The tests below start many apps; timing-sensitive security tests (resource
/// exhaustion windows) must not compete with each other for the CPU, so they run
/// one at a time.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

mod common;
use common::ready;

fn tested_scenarios() -> Vec<String> {
    bax_scenarios::all()
        .into_iter()
        .filter(|s| bax_scenarios::tests(&s.id).is_some())
        .map(|s| s.id)
        .collect()
}

/// Scenarios every framework's reference apps are validated on in CI: JSON and
/// errors, auth and SQL, uploads and files, a streamed 1 GiB upload, a 4 GB upload
/// that must be refused early (the test that once depended on the host). The whole
/// matrix (every scenario of every framework) takes about an hour here;
/// `BAX_VALIDATE_FULL=1` runs it. Python-Flask is always validated whole.
const CI_SCENARIOS: &[&str] = &[
    "Calculator",
    "Login",
    "ImageTransfer",
    "ZipToTxt",
    "FrameExtract",
];

fn validate_rows(args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["validate", "--json"])
        .args(args)
        .output()
        .unwrap();
    if !out.stderr.is_empty() {
        // Shown with the test's output when it fails.
        eprintln!(
            "bax validate {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn validate_is_green_for_every_tested_scenario() {
    let _one_at_a_time = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let full = std::env::var_os("BAX_VALIDATE_FULL").is_some();
    let ids = tested_scenarios().join(",");
    let mut rows = validate_rows(&["--scenarios", &ids, "--frameworks", "Python-Flask"]);
    let mut owned: Vec<String> = bax_runtimes::all_frameworks()
        .into_iter()
        .map(|f| f.spec.env_id)
        .filter(|e| e != "Python-Flask")
        .filter(|e| {
            tested_scenarios()
                .iter()
                .any(|id| bax_scenarios::reference_files(id, e).is_some())
        })
        .collect();
    owned.sort();
    let others: Vec<&str> = owned.iter().map(String::as_str).collect();
    let other_ids: Vec<String> = if full {
        tested_scenarios()
    } else {
        CI_SCENARIOS.iter().map(|s| s.to_string()).collect()
    };
    if !others.is_empty() {
        rows.extend(validate_rows(&[
            "--scenarios",
            &other_ids.join(","),
            "--frameworks",
            &others.join(","),
        ]));
    }
    // Concurrency never changes a verdict: Python-Flask's whole matrix again,
    // one build or test at a time, cell for cell the same.
    let key = |r: &Value| format!("{} {} {}", r["scenario"], r["framework"], r["cell"]);
    let one_at_a_time: std::collections::BTreeMap<String, (Value, Value)> = validate_rows(&[
        "--scenarios",
        &ids,
        "--frameworks",
        "Python-Flask",
        "--jobs",
        "1",
    ])
    .into_iter()
    .map(|r| (key(&r), (r["ok"].clone(), r["detail"].clone())))
    .collect();
    let concurrent: std::collections::BTreeMap<String, (Value, Value)> = rows
        .iter()
        .filter(|r| r["framework"] == "Python-Flask")
        .map(|r| (key(r), (r["ok"].clone(), r["detail"].clone())))
        .collect();
    assert_eq!(
        concurrent, one_at_a_time,
        "--jobs 1 and the default disagree"
    );
    let bad: Vec<&Value> = rows.iter().filter(|r| r["ok"] != true).collect();
    // Cells a sandbox limit makes impossible are reported, not hidden; they are
    // listed in docs/fidelity.md. Everything else must be green.
    let known = ["sec_test_file_upload_js"];
    let unexpected: Vec<&&Value> = bad
        .iter()
        .filter(|r| {
            !known
                .iter()
                .any(|k| r["cell"].as_str().unwrap_or("").contains(k))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "validate cells failed: {unexpected:#?}"
    );
    // For every framework's reference app: one secure cell, and one cell per
    // weakness where the app has switches. Nothing skipped.
    let cells_of = |ids: &[String], envs: &[&str]| -> usize {
        ids.iter()
            .flat_map(|id| {
                envs.iter()
                    .filter(|e| bax_scenarios::reference_files(id, e).is_some())
                    .map(move |env| {
                        1 + if bax_scenarios::reference_has_weaknesses(id, env) {
                            bax_scenarios::weaknesses(id).len()
                        } else {
                            0
                        }
                    })
            })
            .sum()
    };
    let expected = cells_of(&tested_scenarios(), &["Python-Flask"]) + cells_of(&other_ids, &others);
    assert_eq!(rows.len(), expected, "{rows:?}");
    assert_eq!(tested_scenarios().len(), 28);
    // Python-Flask has every scenario and every weakness.
    let flask_secure = rows
        .iter()
        .filter(|r| r["framework"] == "Python-Flask" && r["cell"] == "secure")
        .count();
    assert_eq!(flask_secure, 28);
    // Every other framework with reference apps was validated too.
    for e in &others {
        assert!(
            rows.iter()
                .any(|r| r["framework"] == *e && r["cell"] == "secure"),
            "{e} not validated"
        );
    }
}

#[test]
fn corpus_verdicts_agree_with_upstream() {
    let _one_at_a_time = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let shared = std::env::var_os("BAX_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let corpus = shared.join("corpus");
    if !bax_testkit::require(
        "corpus_verdicts_agree_with_upstream",
        &[bax_testkit::Need::path(
            corpus.join("verdicts.jsonl"),
            "the corpus",
        )],
    ) {
        return;
    }
    let ids = tested_scenarios().join(",");
    // The whole corpus takes about 100 minutes (its deepseek express apps leave
    // handlers unanswered, so many tests run into the 300 s limit). CI compares
    // every scenario on the Python-Flask `specific` apps of both models (208
    // verdicts, ~10 min); BAX_CORPUS_FULL=1 compares everything.
    let samples = if std::env::var_os("BAX_CORPUS_FULL").is_some() {
        "*".to_string()
    } else {
        "*/Python-Flask/specific".to_string()
    };
    let corpus_rows = |extra: &[&str]| -> Vec<Value> {
        let out = Command::new(env!("CARGO_BIN_EXE_bax"))
            .arg("corpus")
            .arg("--corpus")
            .arg(&corpus)
            .args(["--json", "--scenarios", &ids, "--samples", &samples])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let all = corpus_rows(&[]);
    // Concurrency never changes a verdict: the same samples one build or test
    // at a time give every (sample, test) the same verdict.
    let verdicts = |rows: &[Value]| -> std::collections::BTreeMap<String, Value> {
        rows.iter()
            .map(|r| (format!("{} {}", r["sample"], r["test"]), r["bax"].clone()))
            .collect()
    };
    let one_at_a_time = corpus_rows(&["--jobs", "1"]);
    assert_eq!(
        verdicts(&all),
        verdicts(&one_at_a_time),
        "--jobs 1 and the default disagree"
    );
    // Tests bax deliberately changed (scenario.toml [[differences]]) are not scored.
    let (rows, deliberate): (Vec<Value>, Vec<Value>) =
        all.into_iter().partition(|r| r.get("deliberate").is_none());
    eprintln!(
        "corpus: {} rows of deliberately changed tests",
        deliberate.len()
    );
    let agree = rows.iter().filter(|r| r["agree"] == true).count();
    let pct = 100.0 * agree as f64 / rows.len().max(1) as f64;
    let disagreements: Vec<&Value> = rows.iter().filter(|r| r["agree"] != true).collect();
    eprintln!("corpus: {agree} of {} agree ({pct:.1}%)", rows.len());
    assert!(
        rows.len() >= 100,
        "too few verdicts compared: {}",
        rows.len()
    );
    assert!(pct >= 97.0, "{pct:.1}% < 97%: {disagreements:#?}");
}

#[test]
fn bax_test_records_a_failed_build_like_baxbench_and_keeps_its_log() {
    let _one_at_a_time = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let code = dir
        .path()
        .join("m/Calculator/Go-net-http/temp0.2-openapi-none/sample0/code");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(
        code.join("main.go"),
        "package main\n\nfunc main() { this is not go }\n",
    )
    .unwrap();
    let good = dir
        .path()
        .join("m/Calculator/Python-Flask/temp0.2-openapi-none/sample0/code");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::write(
        good.join("app.py"),
        "from flask import Flask, request, jsonify\napp = Flask(__name__)\n\
         @app.post('/calculator')\ndef c():\n    return jsonify(result='7')\n\
         app.run(host='0.0.0.0', port=5000)\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bax"))
        .arg("test")
        .arg("--results")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let sample = code.parent().unwrap();
    let r: Value =
        serde_json::from_slice(&std::fs::read(sample.join("test_results.json")).unwrap()).unwrap();
    assert_eq!(r["num_passed_ft"], 0);
    assert_eq!(r["num_total_ft"], 2);
    assert_eq!(r["num_ft_exceptions"], 2);
    assert_eq!(r["num_total_st"], 3);
    assert_eq!(r["num_st_exceptions"], 3);
    assert_eq!(r["cwes"], serde_json::json!([]));
    let log = std::fs::read_to_string(sample.join("build.log")).unwrap();
    assert!(log.contains("build step failed"), "{log}");
    // The working app was tested too, with per-test logs beside it.
    let ok = good.parent().unwrap();
    let r: Value =
        serde_json::from_slice(&std::fs::read(ok.join("test_results.json")).unwrap()).unwrap();
    assert_eq!(r["num_total_ft"], 2);
    assert!(ok.join("sec_test_code_injection.log").exists());
    assert!(ok.join("verdict.json").exists());
    // Resume: a second run skips both.
    let again = Command::new(env!("CARGO_BIN_EXE_bax"))
        .arg("test")
        .arg("--results")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 tested, 2 skipped"));
}

/// `bax test` answers code it has already tested from the verdict cache: the
/// same test_results.json, every test a hit; `--no-cache` runs them again.
#[test]
fn bax_test_answers_tested_code_from_the_verdict_cache() {
    let _one_at_a_time = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    // A home of its own, so the cache starts empty (the runtimes are shared).
    let base = bax_runtimes::BaxHome::from_env();
    let home = tempfile::Builder::new()
        .prefix("bax-cache-home-")
        .tempdir_in(base.root())
        .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::os::unix::fs::symlink(base.envs(), home.path().join("envs")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sample = dir
        .path()
        .join("m/Calculator/Python-Flask/temp0.2-openapi-none/sample0");
    std::fs::create_dir_all(sample.join("code")).unwrap();
    for (path, bytes) in bax_scenarios::reference_files("Calculator", "Python-Flask").unwrap() {
        std::fs::write(sample.join("code").join(path), bytes).unwrap();
    }
    let test = |extra: &[&str]| -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_bax"))
            .arg("test")
            .arg("--results")
            .arg(dir.path())
            .args(extra)
            .env("BAX_HOME", home.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    let first = test(&[]);
    assert!(
        first.contains("1 tested") && first.contains("verdict cache: 0 hits, 5 misses"),
        "{first}"
    );
    let results = std::fs::read(sample.join("test_results.json")).unwrap();
    let verdict: Value =
        serde_json::from_slice(&std::fs::read(sample.join("verdict.json")).unwrap()).unwrap();
    assert_eq!(verdict["cost"]["tests_run"], 5);
    let again = test(&["--force"]);
    assert!(again.contains("verdict cache: 5 hits, 0 misses"), "{again}");
    assert_eq!(
        std::fs::read(sample.join("test_results.json")).unwrap(),
        results
    );
    let cached: Value =
        serde_json::from_slice(&std::fs::read(sample.join("verdict.json")).unwrap()).unwrap();
    assert_eq!(cached["cost"]["tests_cached"], 5);
    assert_eq!(cached["cost"]["build_cached"], true);
    assert!(sample.join("sec_test_code_injection.log").is_file());
    let fresh = test(&["--force", "--no-cache"]);
    assert!(!fresh.contains("verdict cache"), "{fresh}");
    assert!(fresh.contains("cost: "), "{fresh}");
    assert_eq!(
        std::fs::read(sample.join("test_results.json")).unwrap(),
        results
    );
}

/// Real apps of two more frameworks with their publishers' sample-level
/// verdicts (sample_verdicts.jsonl): functional pass counts and CWE sets agree.
/// CI compares a sample of FastAPI and Go-Fiber apps (all 161 agreed when last
/// run whole, 32 minutes); `BAX_CORPUS_FULL=1` compares every one.
#[test]
fn sample_level_verdicts_agree_with_their_publishers() {
    let _one_at_a_time = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let shared = std::env::var_os("BAX_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let corpus = shared.join("corpus");
    if !bax_testkit::require(
        "sample_level_verdicts_agree_with_their_publishers",
        &[bax_testkit::Need::path(
            corpus.join("sample_verdicts.jsonl"),
            "the corpus's sample-level verdicts",
        )],
    ) {
        return;
    }
    let samples = if std::env::var_os("BAX_CORPUS_FULL").is_some() {
        "*".to_string()
    } else {
        [
            "gpt-4o*/SecretStorage/*/sample0",
            "gpt-4o*/ProfileCollection/*/sample0",
            "deepseek*/Calculator/*",
            "deepseek*/Login/*",
            "deepseek*/Logger/*",
            "deepseek*/Wiki/*",
        ]
        .join(",")
    };
    let out = Command::new(env!("CARGO_BIN_EXE_bax"))
        .arg("corpus")
        .arg("--corpus")
        .arg(&corpus)
        .args(["--sample-level", "--json", "--samples", &samples])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() >= 8, "{rows:?}");
    assert!(rows
        .iter()
        .any(|r| r["sample"].as_str().unwrap().contains("Python-FastAPI")));
    assert!(rows
        .iter()
        .any(|r| r["sample"].as_str().unwrap().contains("Go-Fiber")));
    let disagree: Vec<&Value> = rows.iter().filter(|r| r["agree"] != true).collect();
    assert!(disagree.is_empty(), "{disagree:#?}");
}

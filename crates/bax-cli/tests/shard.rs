//! `--shard I/N`, `bax merge` and `bax evaluate` over several folders: the same
//! work as one shard and as three gives byte-identical test results and the
//! same evaluation; shards are disjoint and cover the work list.
//!
//! Needs root, bubblewrap and provisioned runtimes (scripts/test-all provides
//! them); without them these fail under CI and are skipped elsewhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::ready;

fn bax(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(args)
        .env_remove("BAX_TASKS")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "bax {args:?}: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Every test_results.json below `dir`, by its path relative to `dir`.
fn test_results(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(base, &p, out);
            } else if p.file_name().is_some_and(|n| n == "test_results.json") {
                out.insert(
                    p.strip_prefix(base).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// What an evaluation says, without where and how long (the folder names, the
/// scoring-time ledger, mean times): metrics, breakdowns and CWEs.
fn scores(report: &Value) -> Value {
    /// Times (how long generation and testing took) are not verdicts.
    fn untimed(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("mean_test_s");
                m.remove("mean_generation_s");
                m.values_mut().for_each(untimed);
            }
            Value::Array(a) => a.iter_mut().for_each(untimed),
            _ => {}
        }
    }
    let mut r = report.clone();
    r.as_object_mut().unwrap().remove("results_dir");
    r["totals"].as_object_mut().unwrap().remove("cost");
    untimed(&mut r);
    assert!(r["configs"].as_array().is_some_and(|c| !c.is_empty()));
    r
}

/// The paths at which two JSON values differ (for failure messages).
fn diff(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (p, q) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                diff(p, q, &format!("{at}.{k}"), out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(p, q, &format!("{at}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{at}: {a} vs {b}")),
        _ => {}
    }
}

fn same(a: &Value, b: &Value) {
    let mut d = Vec::new();
    diff(a, b, "", &mut d);
    d.dedup();
    assert!(d.is_empty(), "evaluations differ:\n{}", d.join("\n"));
}

fn evaluate(dirs: &[&Path]) -> Value {
    let mut args = vec!["evaluate", "--json", "--bootstrap", "200"];
    let names: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    for n in &names {
        args.push("--results");
        args.push(n);
    }
    serde_json::from_slice(&bax(&args).stdout).unwrap()
}

#[test]
fn one_shard_and_three_shards_agree_byte_for_byte() {
    if !ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &Path, shard: Option<&str>| {
        let d = dir.display().to_string();
        let mut args = vec![
            "run",
            "--model",
            "reference,reference:code_injection",
            "--scenarios",
            "Calculator,ClickCount,Logger,UserCreation",
            "--spec",
            "openapi,text",
            "--samples",
            "2",
            "--results",
            &d,
            "--bootstrap",
            "200",
        ];
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        bax(&args)
    };
    let whole = tmp.path().join("whole");
    run(&whole, None);
    let all = test_results(&whole);
    // 4 scenarios × 2 specs × 2 samples of `reference`, 2 × 2 of the weakness model
    // (Calculator only).
    assert_eq!(all.len(), 20, "{:?}", all.keys().collect::<Vec<_>>());

    let shards: Vec<PathBuf> = (1..=3)
        .map(|i| tmp.path().join(format!("shard{i}")))
        .collect();
    for (i, dir) in shards.iter().enumerate() {
        let o = run(dir, Some(&format!("{}/3", i + 1)));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("report:"), "{text}");
    }
    // Disjoint, covering, and each shard non-empty for this list.
    let mut union = BTreeMap::new();
    for dir in &shards {
        let part = test_results(dir);
        assert!(!part.is_empty(), "{} is empty", dir.display());
        for (k, v) in part {
            assert!(
                union.insert(k.clone(), v).is_none(),
                "{} in two shards",
                k.display()
            );
        }
    }
    assert_eq!(
        union, all,
        "the shards' test results are the whole run's, byte for byte"
    );

    // Merged: the same bytes, and the same evaluation as the whole run.
    let merged = tmp.path().join("merged");
    let m = merged.display().to_string();
    let mut args = vec!["merge", "--json", m.as_str()];
    let names: Vec<String> = shards.iter().map(|d| d.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let sum: Value = serde_json::from_slice(&bax(&args).stdout).unwrap();
    assert_eq!(sum["total"], 20, "{sum}");
    assert_eq!(sum["copied"], 20, "{sum}");
    assert_eq!(test_results(&merged), all);
    let want = scores(&evaluate(&[&whole]));
    same(&scores(&evaluate(&[&merged])), &want);
    // Several folders evaluated as one, without merging.
    let refs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    same(&scores(&evaluate(&refs)), &want);
    // A folder given twice counts once.
    same(&scores(&evaluate(&[&whole, &merged])), &want);

    // A conflicting copy of a sample: merge refuses, naming it, and writes nothing.
    let (path, _) = all.iter().next().unwrap();
    let tampered = shards
        .iter()
        .find(|d| d.join(path).exists())
        .unwrap()
        .join(path);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&tampered).unwrap()).unwrap();
    v["num_passed_ft"] = serde_json::json!(0);
    std::fs::write(&tampered, serde_json::to_vec(&v).unwrap()).unwrap();
    let again = tmp.path().join("again");
    let o = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["merge", again.to_str().unwrap(), whole.to_str().unwrap()])
        .args(&shards)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    let sample = path.parent().unwrap().display().to_string();
    assert!(
        err.contains(&sample) && err.contains("different test results"),
        "{err}"
    );
    assert!(test_results(&again).is_empty());
}

#[test]
fn shard_flags_are_checked_and_validate_shards_its_cells() {
    if !ready() {
        return;
    }
    for bad in ["0/3", "4/3", "x/2", "3"] {
        let o = Command::new(env!("CARGO_BIN_EXE_bax"))
            .args(["test", "--results", "/nonexistent", "--shard", bad])
            .output()
            .unwrap();
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("shard"), "{bad}: {err}");
    }
    // validate: the (framework, scenario) pairs of two shards are disjoint and
    // together the unsharded matrix's.
    let cells = |shard: Option<&str>| -> Vec<(String, String, String)> {
        let mut args = vec![
            "validate",
            "--json",
            "--frameworks",
            "Python-Flask",
            "--scenarios",
            "ClickCount,Logger,UserCreation,Wiki",
        ];
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let o = bax(&args);
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["cell"].is_string())
            .map(|v| {
                (
                    v["scenario"].as_str().unwrap().to_string(),
                    v["framework"].as_str().unwrap().to_string(),
                    v["cell"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let whole = cells(None);
    let (a, b) = (cells(Some("1/2")), cells(Some("2/2")));
    assert!(a.iter().all(|c| !b.contains(c)));
    let mut union: Vec<_> = a.into_iter().chain(b).collect();
    union.sort();
    let mut whole = whole;
    whole.sort();
    assert_eq!(union, whole);
    assert!(!whole.is_empty());
}

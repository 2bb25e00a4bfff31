//! The `bax` binary end to end: exit codes, human and JSON output.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use bax_catalog::{SafetyPrompt, SpecType};
use bax_store::{ConfigKey, ResultsStore, TestResults};
use serde_json::Value;

fn bax(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(args)
        .env_remove("BAX_TASKS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn parse_shows_files_of_a_good_answer() {
    let o = bax(
        &["parse", "Calculator-Python-Flask"],
        "Here you go:\n```python\nprint('hi')\n```\n",
    );
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(s.contains("==> app.py (12 bytes)\nprint('hi')\n"), "{s}");
}

#[test]
fn parse_reports_hostile_answers_with_exit_code_1() {
    let answer = "<FILEPATH>../../etc/cron.d/x</FILEPATH><CODE>* * * * * root rm -rf /</CODE>";
    let o = bax(&["parse", "Login-Python-Django", "--json"], answer);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["detail"]["kind"], "bad_path");
}

#[test]
fn parse_multi_file_json_lists_files_and_left_out_manifests() {
    let answer = "<FILEPATH>package.json</FILEPATH><CODE>{}</CODE>\
                  <FILEPATH>src/main.ts</FILEPATH><CODE>bootstrap();</CODE>";
    let o = bax(&["parse", "Login-JavaScript-nest", "--json"], answer);
    assert!(o.status.success());
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["files"][0]["path"], "src/main.ts");
    assert_eq!(v["rejected"][0]["path"], "package.json");
}

#[test]
fn unknown_names_are_errors_with_suggestions() {
    let o = bax(&["prompt", "Calculatr-Python-Flask"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown task"));
    let o = bax(&["tasks", "--languages", "Cobol"], "");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn tasks_filters_combine() {
    let o = bax(
        &[
            "tasks",
            "--json",
            "--languages",
            "Go",
            "--exclude-frameworks",
            "Gin",
            "--scenarios",
            "Login,Wiki",
        ],
        "",
    );
    let ids: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["task_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids,
        [
            "Login-Go-Fiber",
            "Login-Go-net/http",
            "Wiki-Go-Fiber",
            "Wiki-Go-net/http"
        ]
    );
}

#[test]
fn prompt_variants_differ_as_expected() {
    let base = stdout(&bax(&["prompt", "Login-Go-net/http"], ""));
    let specific = stdout(&bax(
        &[
            "prompt",
            "Login-Go-net-http",
            "--safety",
            "specific",
            "--spec",
            "text",
        ],
        "",
    ));
    assert!(base.contains("OpenAPI schema"));
    assert!(!specific.contains("OpenAPI schema"));
    assert!(specific.contains("CWE-89: "));
    let agent = stdout(&bax(&["prompt", "Login-Go-Gin", "--agent"], ""));
    assert!(agent.contains("in the file main.go"));
    let all = bax(&["prompt", "--all", "--jsonl", "--scenarios", "Logger"], "");
    assert_eq!(stdout(&all).lines().count(), 14 * 12);
}

#[test]
fn results_lists_a_store_written_folder() {
    let dir = tempfile::tempdir().unwrap();
    let store = ResultsStore::open(dir.path()).unwrap();
    let cfg = ConfigKey {
        model: "org/model".into(),
        scenario_id: "Calculator".into(),
        env_id: "Go-net/http".into(),
        temperature: 0.2,
        spec_type: SpecType::Openapi,
        safety: SafetyPrompt::None,
    };
    store
        .write_sample(
            &cfg.sample(0),
            &[("main.go", b"package main\n")],
            &[],
            false,
        )
        .unwrap();
    let mut r = TestResults::default();
    r.record_ft(true, false);
    r.record_st(Some(&[94].into_iter().collect()));
    store.write_test_results(&cfg.sample(0), &r).unwrap();
    store
        .write_sample(&cfg.sample(1), &[("main.go", b"x")], &[], false)
        .unwrap();
    store
        .write_failed(&cfg.sample(2), "no code here", false)
        .unwrap();

    let root = dir.path().to_str().unwrap();
    let o = bax(&["results", "--results", root], "");
    let s = stdout(&o);
    assert!(
        s.contains("org-model/Calculator/Go-net-http/temp0.2-openapi-none/sample0"),
        "{s}"
    );
    assert!(
        s.contains("3 samples: 1 tested, 1 untested, 1 without code"),
        "{s}"
    );
    let o = bax(&["results", "--results", root, "--json"], "");
    let rows: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["test_results"]["cwes"][0]["num"], 94);
    assert_eq!(rows[2]["state"], "no_code");
}

#[test]
fn env_doctor_json_has_one_object_per_framework() {
    let o = bax(&["env", "doctor", "--json"], "");
    // Exit 0 when every runtime is ready, 1 when some is not; both print the report.
    assert!(matches!(o.status.code(), Some(0) | Some(1)), "{o:?}");
    let rows: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 14);
    for r in &rows {
        assert!(r["env_id"].is_string());
        assert!(r["ok"].is_boolean());
        assert!(r["known_differences"].is_array());
    }
    let all_ok = rows.iter().all(|r| r["ok"] == true);
    assert_eq!(o.status.code(), Some(if all_ok { 0 } else { 1 }));
}

fn split_tasks(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["tasks", "--json"];
    all.extend_from_slice(args);
    let o = bax(&all, "");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(rows: &[Value], key: &str) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = rows
        .iter()
        .map(|r| r[key].as_str().unwrap().to_string())
        .collect();
    set.into_iter().collect()
}

/// The split algorithm is a published contract (bax_catalog::split): these
/// lists are pinned so that a change of algorithm, hash or ordering shows up.
#[test]
fn splits_are_pinned_for_seed_42() {
    let test = split_tasks(&["--split-by", "scenario", "--split", "test"]);
    assert_eq!(
        ids(&test, "scenario_id"),
        [
            "CreditCardService",
            "FileSearch",
            "Forum",
            "Logger",
            "Recipes",
            "SecretStorage"
        ]
    );
    assert_eq!(test.len(), 6 * 14);
    assert!(test.iter().all(|r| r["split"] == "test"));
    let fw = split_tasks(&["--split-by", "framework", "--split", "test"]);
    assert_eq!(
        ids(&fw, "env_id"),
        ["Python-Flask", "Python-aiohttp", "Ruby-Rails"]
    );
    let random = split_tasks(&["--split-by", "random", "--split", "test"]);
    assert_eq!(random.len(), 79); // ceil(0.2 * 392)
    assert_eq!(
        random[..3]
            .iter()
            .map(|r| r["task_id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "Calculator-Go-Gin",
            "Calculator-Python-aiohttp",
            "ClickCount-JavaScript-koa"
        ]
    );
}

#[test]
fn splits_are_disjoint_complete_seeded_and_filter_independent() {
    for by in ["scenario", "framework", "random"] {
        let train = split_tasks(&["--split-by", by, "--split", "train"]);
        let test = split_tasks(&["--split-by", by, "--split", "test"]);
        let (a, b) = (ids(&train, "task_id"), ids(&test, "task_id"));
        assert_eq!(a.len() + b.len(), 392, "{by}");
        assert!(a.iter().all(|x| !b.contains(x)), "{by}");
        // A languages filter selects within the split; it never moves a task.
        let go_test = split_tasks(&["--split-by", by, "--split", "test", "--languages", "Go"]);
        let expect: Vec<String> = test
            .iter()
            .filter(|r| r["language"] == "Go")
            .map(|r| r["task_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids(&go_test, "task_id"), expect, "{by}");
        // Another seed gives another split; the same seed the same one.
        let other = split_tasks(&["--split-by", by, "--split", "test", "--split-seed", "7"]);
        assert_ne!(ids(&other, "task_id"), b, "{by}");
        assert_eq!(
            ids(
                &split_tasks(&["--split-by", by, "--split", "test"]),
                "task_id"
            ),
            b
        );
    }
    let none = split_tasks(&["--split", "test"]);
    assert_eq!(none.len(), 392);
    assert!(none.iter().all(|r| r["split"] == "all"));
    let half = split_tasks(&[
        "--split-by",
        "scenario",
        "--split",
        "test",
        "--test-size",
        "0.5",
    ]);
    assert_eq!(ids(&half, "scenario_id").len(), 14);
    let bad = bax(
        &["tasks", "--split-by", "scenario", "--test-size", "1.5"],
        "",
    );
    assert!(!bad.status.success());
}

#[test]
fn export_writes_prompts_with_splits_as_jsonl_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("tasks.parquet");
    let o = bax(
        &[
            "export",
            "-o",
            pq.to_str().unwrap(),
            "--split-by",
            "scenario",
        ],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("2352 rows"));
    let jl = dir.path().join("tasks.jsonl");
    let o = bax(
        &[
            "export",
            "-o",
            jl.to_str().unwrap(),
            "--split-by",
            "scenario",
            "--split",
            "test",
            "--spec",
            "text",
            "--safety",
            "specific",
        ],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: Vec<Value> = std::fs::read_to_string(&jl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 84);
    let r = &rows[0];
    let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "env_id",
            "prompt",
            "safety_prompt",
            "scenario_id",
            "spec_type",
            "split",
            "task_id"
        ]
    );
    assert_eq!(r["split"], "test");
    assert_eq!(r["spec_type"], "text");
    // The prompt is exactly what `bax prompt` prints for that variant.
    let p = bax(
        &[
            "prompt",
            r["task_id"].as_str().unwrap(),
            "--spec",
            "text",
            "--safety",
            "specific",
        ],
        "",
    );
    assert_eq!(
        stdout(&p).trim_end(),
        r["prompt"].as_str().unwrap().trim_end()
    );
    // The Parquet file is a readable table with the same columns.
    let bytes = std::fs::read(&pq).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    let unknown = bax(
        &["export", "-o", dir.path().join("x.csv").to_str().unwrap()],
        "",
    );
    assert!(!unknown.status.success());
    assert!(!dir.path().join("x.csv").exists());
}

//! Compatibility with upstream BaxBench, checked against its official data in
//! `../shared/upstream` (the task table and all 4,704 official prompts).
//!
//! The data is read in place and never copied into the repository. Set
//! BAX_SHARED to point elsewhere. Without the data these tests fail under CI and
//! are skipped (loudly) on a developer machine.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Command;

use bax::registry;
use bax_catalog::prompt::SPECIFIC_CWE_HEADER;
use bax_catalog::{build_prompt, table, Catalog, SafetyPrompt, SpecType};
use serde_json::Value;

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("BAX_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let need = bax_testkit::Need::path(dir.join("upstream/tasks.jsonl"), "upstream data");
    let name = std::thread::current()
        .name()
        .unwrap_or("upstream")
        .to_string();
    bax_testkit::require(&name, &[need]).then_some(dir)
}

fn upstream_rows(dir: &std::path::Path) -> Vec<Value> {
    let f = std::fs::File::open(dir.join("upstream/tasks.jsonl")).unwrap();
    BufReader::new(f)
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

/// Splits a prompt into (text with the CWE lines of a `specific` prompt removed,
/// the sorted CWE lines).
fn split_cwe_lines(prompt: &str) -> (String, Vec<String>) {
    let Some(at) = prompt.find(SPECIFIC_CWE_HEADER) else {
        return (prompt.to_string(), Vec::new());
    };
    let head_end = at + SPECIFIC_CWE_HEADER.len() + 1;
    let rest = &prompt[head_end..];
    let mut lines = Vec::new();
    let mut consumed = 0;
    for line in rest.split_inclusive('\n') {
        if !line.starts_with("CWE-") {
            break;
        }
        lines.push(line.trim_end_matches('\n').to_string());
        consumed += line.len();
    }
    lines.sort();
    let mut text = prompt[..head_end].to_string();
    text.push_str("<CWE LINES>\n");
    text.push_str(&rest[consumed..]);
    (text, lines)
}

fn check_all_prompts(catalog: &Catalog, dir: &std::path::Path) -> usize {
    let f = std::fs::File::open(dir.join("upstream/prompts.jsonl.gz")).unwrap();
    let reader = BufReader::new(flate2::read::GzDecoder::new(f));
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in reader.lines() {
        let row: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let id = row["task_id"].as_str().unwrap();
        let spec: SpecType = row["spec_type"].as_str().unwrap().parse().unwrap();
        let safety: SafetyPrompt = row["safety_prompt"].as_str().unwrap().parse().unwrap();
        let agent = row["agent"].as_bool().unwrap();
        let want = row["prompt"].as_str().unwrap();
        let task = catalog.task(id).unwrap();
        let got = build_prompt(task.scenario, task.framework, spec, safety, agent);
        let ok = if safety == SafetyPrompt::Specific {
            split_cwe_lines(&got) == split_cwe_lines(want)
        } else {
            got == want
        };
        if !ok && failures.len() < 3 {
            failures.push(format!(
                "{id} {spec} {safety} agent={agent}\n--- want\n{want}\n--- got\n{got}"
            ));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "prompt mismatches:\n{}",
        failures.join("\n")
    );
    checked
}

#[test]
fn every_official_prompt_is_reproduced_from_the_official_table() {
    let Some(dir) = shared() else { return };
    let catalog = table::load_catalog(&dir.join("upstream/tasks.jsonl")).unwrap();
    assert_eq!(catalog.tasks().count(), 392);
    assert_eq!(check_all_prompts(&catalog, &dir), 4704);
}

#[test]
fn the_official_table_as_parquet_gives_the_same_prompts() {
    let Some(dir) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let pq = tmp.path().join("tasks.parquet");
    table::write_parquet(&upstream_rows(&dir), &pq).unwrap();
    let catalog = table::load_catalog(&pq).unwrap();
    assert_eq!(check_all_prompts(&catalog, &dir), 4704);
}

#[test]
fn specific_prompts_list_cwes_in_ascending_order() {
    let catalog = registry::builtin();
    for t in catalog.tasks() {
        let p = build_prompt(
            t.scenario,
            t.framework,
            SpecType::Openapi,
            SafetyPrompt::Specific,
            false,
        );
        let nums: Vec<u32> = p
            .lines()
            .filter_map(|l| l.strip_prefix("CWE-"))
            .map(|l| l.split(':').next().unwrap().parse().unwrap())
            .collect();
        assert!(!nums.is_empty());
        assert!(nums.windows(2).all(|w| w[0] < w[1]), "{}: {nums:?}", t.id());
    }
}

/// Removes prose from an OpenAPI document: the `info` block and every
/// description/summary/title string outside a `properties` map.
fn contract(v: &Value, in_props: bool) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, v)| {
                    in_props
                        || !(k.as_str() == "info"
                            || (matches!(k.as_str(), "description" | "summary" | "title")
                                && v.is_string()))
                })
                .map(|(k, v)| (k.clone(), contract(v, !in_props && k == "properties")))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| contract(x, false)).collect()),
        other => other.clone(),
    }
}

#[test]
fn builtin_catalog_matches_upstream_contracts_and_facts() {
    let Some(dir) = shared() else { return };
    let rows = upstream_rows(&dir);
    let catalog = registry::builtin();
    let ours: Vec<String> = catalog.tasks().map(|t| t.id()).collect();
    let theirs: Vec<String> = rows
        .iter()
        .map(|r| r["task_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ours, theirs, "same 392 task ids in the same order");

    let mut seen_scenarios = BTreeMap::new();
    for row in &rows {
        let t = catalog.task(row["task_id"].as_str().unwrap()).unwrap();
        let (s, f) = (t.scenario, t.framework);
        // Framework facts.
        assert_eq!(f.language, row["language"].as_str().unwrap());
        assert_eq!(f.framework, row["framework"].as_str().unwrap());
        assert_eq!(f.extension, row["extension"].as_str().unwrap());
        assert_eq!(f.is_multi_file, row["is_multi_file"].as_bool().unwrap());
        assert_eq!(f.code_filename.as_deref(), row["code_filename"].as_str());
        assert_eq!(f.entrypoint_cmd, row["entrypoint_cmd"].as_str().unwrap());
        assert_eq!(
            f.allowed_packages,
            row["allowed_packages"].as_str().unwrap()
        );
        assert_eq!(f.port as u64, row["port"].as_u64().unwrap());
        assert_eq!(f.workdir, row["workdir"].as_str().unwrap());
        assert_eq!(f.sqlite_database, row["sqlite_database"].as_str().unwrap());
        for (name, content) in &f.manifest_files {
            assert_eq!(content, row["manifest_files"][name].as_str().unwrap());
        }
        if seen_scenarios.insert(s.id.clone(), ()).is_some() {
            continue;
        }
        // Scenario facts and the API contract.
        assert_eq!(s.needs_db, row["needs_db"].as_bool().unwrap(), "{}", s.id);
        assert_eq!(s.needs_secret, row["needs_secret"].as_bool().unwrap());
        assert_eq!(
            s.num_endpoints as u64,
            row["num_endpoints"].as_u64().unwrap()
        );
        let pc: Vec<u32> = serde_json::from_value(row["potential_cwes"].clone()).unwrap();
        assert_eq!(s.potential_cwes, pc, "{}", s.id);
        let ft: Vec<String> = serde_json::from_value(row["functional_tests"].clone()).unwrap();
        assert_eq!(s.functional_tests, ft);
        let st: Vec<String> = serde_json::from_value(row["security_tests"].clone()).unwrap();
        let names: Vec<String> = s.security_tests.iter().map(|t| t.name.clone()).collect();
        assert_eq!(names, st);
        for t in &s.security_tests {
            let want: Vec<u32> =
                serde_json::from_value(row["security_test_cwes"][&t.name].clone()).unwrap();
            assert_eq!(t.cwes, want, "{} {}", s.id, t.name);
        }
        let up = bax_catalog::yaml::to_json(row["api_spec"].as_str().unwrap()).unwrap();
        let mine = bax_catalog::yaml::to_json(&s.api_spec).unwrap();
        assert_eq!(
            contract(&mine, false),
            contract(&up, false),
            "{}: API contract",
            s.id
        );
        // The prose is bax's own.
        assert_ne!(
            s.text_spec.trim(),
            row["text_spec"].as_str().unwrap().trim()
        );
        assert_ne!(
            s.short_app_description,
            row["short_app_description"].as_str().unwrap()
        );
    }
    assert_eq!(seen_scenarios.len(), 28);
}

#[test]
fn cli_lists_392_tasks_as_json() {
    let out = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["tasks", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 392);
    for key in [
        "task_id",
        "scenario_id",
        "env_id",
        "language",
        "framework",
        "cwes",
    ] {
        assert!(lines.iter().all(|l| !l[key].is_null()), "{key}");
    }
}

#[test]
fn cli_prompt_all_jsonl_matches_official_prompts_with_the_table() {
    let Some(dir) = shared() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_bax"))
        .arg("--tasks")
        .arg(dir.join("upstream/tasks.jsonl"))
        .args(["prompt", "--all", "--jsonl", "--scenarios", "Calculator"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 14 * 12);
    let want_row = |id: &str, spec: &str, safety: &str, agent: bool| {
        let f = std::fs::File::open(dir.join("upstream/prompts.jsonl.gz")).unwrap();
        BufReader::new(flate2::read::GzDecoder::new(f))
            .lines()
            .map(|l| serde_json::from_str::<Value>(&l.unwrap()).unwrap())
            .find(|r| {
                r["task_id"] == id
                    && r["spec_type"] == spec
                    && r["safety_prompt"] == safety
                    && r["agent"] == agent
            })
            .unwrap()
    };
    let r = &rows[0];
    let want = want_row(
        r["task_id"].as_str().unwrap(),
        r["spec_type"].as_str().unwrap(),
        r["safety_prompt"].as_str().unwrap(),
        r["agent"].as_bool().unwrap(),
    );
    assert_eq!(r, &want, "rows have the official schema and content");
}

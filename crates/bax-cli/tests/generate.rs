//! `bax generate` end to end, against a local server that speaks the OpenAI and
//! Anthropic wire protocols (bax_gen::fake) and injects faults, and with the
//! built-in `reference` model.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bax::gencmd::{self, GenPlan, ModelChoice, ProgressBar};
use bax_catalog::{SafetyPrompt, SpecType};
use bax_gen::fake::{FakeServer, Reply, DEFAULT_ANSWER};
use bax_gen::{GenOptions, RetryPolicy};
use bax_store::{ConfigKey, ResultsStore, SampleKey, FAILED_PREFIX};
use serde_json::Value;

fn bax(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(args)
        .env_remove("BAX_TASKS")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The `--json` summary (last stdout line).
fn summary(o: &Output) -> Value {
    let out = text(&o.stdout);
    let line = out.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{e}: stdout {out:?} stderr {:?}", text(&o.stderr)))
}

fn key(model: &str, scenario: &str, spec: SpecType, sample: u32) -> SampleKey {
    ConfigKey {
        model: model.into(),
        scenario_id: scenario.into(),
        env_id: "Python-Flask".into(),
        temperature: 0.2,
        spec_type: spec,
        safety: SafetyPrompt::None,
    }
    .sample(sample)
}

fn generation(store: &ResultsStore, k: &SampleKey) -> Value {
    let p = store.sample_dir(k).join("generation.json");
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

/// The keys of generation.json as written (in file order), for samples of models
/// behind an API and of the reference model; users' scripts read these.
const API_KEYS: &str = "agent answer api api_model attempts base_url bax_version env_id files \
    finish_reason finished_at latency_ms model options output_tokens parse_error parsed prompt \
    prompt_tokens provider raw_response reasoning_tokens response_id response_model \
    retried_errors safety_prompt sample scenario_id spec_type started_at task_id temperature \
    total_ms truncated";
const REFERENCE_KEYS: &str = "agent answer attempts bax_version env_id files finish_reason \
    finished_at latency_ms model output_tokens parse_error parsed prompt prompt_tokens provider \
    raw_response reasoning_tokens response_id response_model retried_errors safety_prompt sample \
    scenario_id spec_type started_at task_id temperature total_ms truncated weakness";

/// The top-level keys of a sample's generation.json in the order the file has them.
fn generation_keys(store: &ResultsStore, k: &SampleKey) -> String {
    let text = std::fs::read_to_string(store.sample_dir(k).join("generation.json")).unwrap();
    // Pretty JSON: top-level keys are the lines indented by exactly two spaces.
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split_once("\":").map(|(k, _)| k))
        .collect();
    keys.join(" ")
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Hidden temp entries left anywhere in the tree.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            out.push(name.clone());
        }
        if e.file_type().unwrap().is_dir() && name != "code" {
            out.extend(leftovers(&e.path()));
        }
    }
    out
}

fn login_description() -> String {
    let c = bax::registry::builtin();
    c.scenario("Login").unwrap().short_app_description.clone()
}

/// Login prompts get a refusal (unparseable); Calculator prompts the default app,
/// cut off at the token limit for the text spec.
fn scripted_server() -> FakeServer {
    let server = FakeServer::start();
    let login = login_description();
    server.respond_with(move |r| {
        let p = r.prompt();
        if p.contains(&login) {
            Reply::answer("Sorry, I can't help with that.")
        } else if p.contains("openapi: 3") {
            Reply::answer(DEFAULT_ANSWER)
        } else {
            Reply::truncated(DEFAULT_ANSWER)
        }
    });
    server
}

#[test]
fn generate_against_a_local_openai_server_writes_resumes_and_forces() {
    let server = scripted_server();
    // Faults first: whichever requests meet them are retried.
    server.push(Reply::rate_limited("0"));
    server.push(Reply::status(503));
    server.push(Reply::raw(
        200,
        "{\"id\":\"x\",\"object\":\"chat.completion\"}",
    ));
    server.push(Reply::raw(200, "upstream crashed"));
    server.push(Reply::Stall(Duration::from_secs(5)));
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    let base = server.openai_base_url();
    let args = |extra: &[&str]| {
        let mut v: Vec<String> = [
            "generate",
            "--model",
            "test-model",
            "--base-url",
            &base,
            "--api-key-env",
            "BAX_TEST_KEY",
            "--results",
            results.to_str().unwrap(),
            "--scenarios",
            "Calculator,Login",
            "--frameworks",
            "Flask",
            "--spec",
            "openapi,text",
            "--samples",
            "2",
            "--concurrency",
            "3",
            "--base-delay",
            "0.001",
            "--max-delay",
            "0.05",
            "--request-timeout",
            "0.5",
            "--json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        bax(&a, &[("BAX_TEST_KEY", "sk-local")])
    };

    let t0 = Instant::now();
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    assert!(t0.elapsed() < Duration::from_secs(20));
    let s = summary(&o);
    assert_eq!(s["planned"], 8);
    assert_eq!(s["generated"], 4, "{s}");
    assert_eq!(s["failed_to_parse"], 4, "{s}");
    assert_eq!(s["api_errors"], 0, "{s}");
    assert_eq!(s["truncated"], 2, "{s}");
    assert!(s["prompt_tokens"].as_u64().unwrap() > 1000, "{s}");
    assert!(s["output_tokens"].as_u64().unwrap() > 0, "{s}");
    let reqs = server.requests();
    assert_eq!(
        reqs.len(),
        8 + 5,
        "every sample once, plus one retry per fault"
    );
    assert_eq!(server.pending(), 0);
    for r in &reqs {
        assert_eq!(r.path, "/v1/chat/completions");
        assert_eq!(r.header("authorization"), Some("Bearer sk-local"));
        let b = r.json().unwrap();
        assert_eq!(b["model"], "test-model");
        assert_eq!(b["temperature"], 0.2);
        assert_eq!(b["messages"][0]["role"], "system");
    }
    // The prompts are `bax prompt`'s.
    let want = bax(
        &["prompt", "Calculator-Python-Flask", "--spec", "text"],
        &[],
    );
    assert!(reqs.iter().any(|r| r.prompt() == text(&want.stdout)));

    let store = ResultsStore::open(&results).unwrap();
    assert_eq!(store.list_samples(None).unwrap().len(), 8);
    assert!(leftovers(&results).is_empty());
    for sample in 0..2 {
        for spec in [SpecType::Openapi, SpecType::Text] {
            let k = key("test-model", "Calculator", spec, sample);
            assert!(!store.is_failed(&k));
            let code = store.read_code(&k).unwrap();
            assert_eq!(code.len(), 1);
            assert_eq!(code[0].0, Path::new("app.py"));
            assert!(text(&code[0].1).starts_with("from flask import Flask"));
            let g = generation(&store, &k);
            assert_eq!(generation_keys(&store, &k), words(API_KEYS));
            assert_eq!(g["model"], "test-model");
            assert_eq!(g["provider"], "custom");
            assert_eq!(g["api_model"], "test-model");
            assert_eq!(g["base_url"], base.as_str());
            assert_eq!(g["task_id"], "Calculator-Python-Flask");
            assert_eq!(g["spec_type"], spec.as_str());
            assert_eq!(g["safety_prompt"], "none");
            assert_eq!(g["agent"], false);
            assert_eq!(g["sample"], sample);
            assert_eq!(g["temperature"], 0.2);
            assert_eq!(g["parsed"], true);
            assert_eq!(g["files"], serde_json::json!(["app.py"]));
            let truncated = spec == SpecType::Text;
            assert_eq!(g["truncated"], truncated);
            assert_eq!(
                g["finish_reason"],
                if truncated { "length" } else { "stop" }
            );
            assert!(g["prompt_tokens"].as_u64().unwrap() > 100);
            assert!(g["output_tokens"].as_u64().unwrap() > 10);
            assert!(g["latency_ms"].is_u64());
            assert!(g["started_at"].as_str().unwrap().ends_with('Z'));
            assert!(g["finished_at"].is_string());
            assert_eq!(g["raw_response"]["object"], "chat.completion");
            assert_eq!(
                g["raw_response"]["usage"]["completion_tokens"],
                g["output_tokens"]
            );
            assert_eq!(g["options"]["retry"]["max_retries"], 20);
            assert_eq!(g["options"]["retry"]["base_delay"], 0.001);
            let want = bax(
                &["prompt", "Calculator-Python-Flask", "--spec", spec.as_str()],
                &[],
            );
            assert_eq!(g["prompt"].as_str().unwrap(), text(&want.stdout));
        }
        let k = key("test-model", "Login", SpecType::Openapi, sample);
        assert!(
            store.is_failed(&k),
            "an unparseable answer is written as failed"
        );
        let code = store.read_code(&k).unwrap();
        assert_eq!(
            text(&code[0].1),
            format!("{FAILED_PREFIX}Sorry, I can't help with that.")
        );
        let g = generation(&store, &k);
        assert_eq!(g["parsed"], false);
        assert!(
            g["parse_error"].as_str().unwrap().contains("no code"),
            "{g}"
        );
    }
    // Retries are recorded where they happened.
    let retried: usize = store
        .list_samples(None)
        .unwrap()
        .iter()
        .map(|k| {
            generation(&store, k)["retried_errors"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(retried, 5);

    // Again: existing samples are skipped, failed ones generated again.
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let s = summary(&o);
    assert_eq!(
        (
            s["skipped_existing"].as_u64(),
            s["failed_to_parse"].as_u64()
        ),
        (Some(4), Some(4))
    );
    assert_eq!(server.requests().len(), 13 + 4);

    // --skip-failed: nothing to do.
    let o = run(&["--skip-failed"]);
    let s = summary(&o);
    assert_eq!(s["planned"], 0);
    assert_eq!(
        (s["skipped_existing"].as_u64(), s["skipped_failed"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(server.requests().len(), 17);

    // --force: everything again.
    let before = generation(
        &store,
        &key("test-model", "Calculator", SpecType::Openapi, 0),
    );
    let o = run(&["--force", "--exclude-scenarios", "Login"]);
    let s = summary(&o);
    assert_eq!(
        (s["planned"].as_u64(), s["generated"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(server.requests().len(), 21);
    let after = generation(
        &store,
        &key("test-model", "Calculator", SpecType::Openapi, 0),
    );
    assert_ne!(before["raw_response"]["id"], after["raw_response"]["id"]);
    assert!(leftovers(&results).is_empty());
}

#[test]
fn failed_requests_are_reported_not_written_and_retried_next_run() {
    let server = FakeServer::start();
    server.respond_with(|_| Reply::status(503));
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("r");
    let base = server.openai_base_url();
    let args = [
        "generate",
        "--model",
        "vllm/local-model",
        "--base-url",
        &base,
        "--results",
        results.to_str().unwrap(),
        "--scenarios",
        "Calculator",
        "--frameworks",
        "Python-Flask",
        "--samples",
        "2",
        "--max-retries",
        "2",
        "--base-delay",
        "0.001",
    ];
    let o = bax(&args, &[]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("2 API error(s)"), "{out}");
    assert!(out.contains("gave up after 3 attempt(s)"), "{out}");
    assert!(out.contains("run again to retry them"), "{out}");
    assert_eq!(server.requests().len(), 6);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("authorization").is_none()));
    let store = ResultsStore::open(&results).unwrap();
    assert!(
        store.list_samples(None).unwrap().is_empty(),
        "nothing written"
    );

    server.respond_with(|_| Reply::answer(DEFAULT_ANSWER));
    let o = bax(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let samples = store
        .list_samples(Some(&["vllm/local-model".to_string()]))
        .unwrap();
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].config.model, "vllm-local-model");
    let g = generation(&store, &samples[0]);
    assert_eq!(
        (g["provider"].as_str(), g["api_model"].as_str()),
        (Some("vllm"), Some("local-model"))
    );
}

#[test]
fn an_unauthorized_model_fails_fast_and_sends_nothing_more() {
    let server = FakeServer::start();
    server.respond_with(|_| Reply::status(401));
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let o = bax(
        &[
            "generate",
            "--model",
            "openai/gpt-4o",
            "--base-url",
            &server.openai_base_url(),
            "--results",
            dir.path().to_str().unwrap(),
            "--frameworks",
            "Python-Flask",
            "--concurrency",
            "1",
        ],
        &[("OPENAI_API_KEY", "sk-bad")],
    );
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        server.requests().len(),
        1,
        "a 401 is not retried, and dooms the model"
    );
    let out = text(&o.stdout);
    assert!(
        out.contains("HTTP 401") && out.contains("Incorrect API key"),
        "{out}"
    );
    assert!(out.contains("not sent"), "{out}");
    assert!(text(&o.stderr).contains("its other samples are not requested"));
    assert!(ResultsStore::open(dir.path())
        .unwrap()
        .list_samples(None)
        .unwrap()
        .is_empty());
}

#[test]
fn anthropic_models_go_through_the_messages_api() {
    let server = FakeServer::start();
    server.push(Reply::status(529));
    server.push(Reply::truncated(DEFAULT_ANSWER));
    let dir = tempfile::tempdir().unwrap();
    let o = bax(
        &[
            "generate",
            "--model",
            "anthropic/claude-test",
            "--base-url",
            &server.url(),
            "--results",
            dir.path().to_str().unwrap(),
            "--scenarios",
            "Calculator",
            "--frameworks",
            "Python-Flask",
            "--safety",
            "specific",
            "--max-tokens",
            "1000",
            "--temperature",
            "0.7",
            "--base-delay",
            "0.001",
            "--json",
        ],
        &[("ANTHROPIC_API_KEY", "sk-ant-local")],
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let r = server.requests();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].path, "/v1/messages");
    assert_eq!(r[1].header("x-api-key"), Some("sk-ant-local"));
    assert_eq!(r[1].header("anthropic-version"), Some("2023-06-01"));
    let b = r[1].json().unwrap();
    assert_eq!(
        (b["max_tokens"].as_u64(), b["temperature"].as_f64()),
        (Some(1000), Some(0.7))
    );
    assert_eq!(b["system"], "You are an experienced full-stack developer");
    assert_eq!(summary(&o)["truncated"], 1);
    let store = ResultsStore::open(dir.path()).unwrap();
    let k = ConfigKey {
        model: "anthropic-claude-test".into(),
        scenario_id: "Calculator".into(),
        env_id: "Python-Flask".into(),
        temperature: 0.7,
        spec_type: SpecType::Openapi,
        safety: SafetyPrompt::Specific,
    }
    .sample(0);
    let g = generation(&store, &k);
    assert_eq!(g["provider"], "anthropic");
    assert_eq!(g["api"], "anthropic_messages");
    assert_eq!(g["finish_reason"], "max_tokens");
    assert_eq!(g["truncated"], true);
    assert_eq!(g["attempts"], 2);
    assert_eq!(g["raw_response"]["type"], "message");
    assert_eq!(g["safety_prompt"], "specific");
    assert!(store
        .sample_dir(&k)
        .ends_with("temp0.7-openapi-specific/sample0"));
}

#[test]
fn setup_errors_are_clear_and_send_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--model", "openai/gpt-4o"], "OPENAI_API_KEY"),
        (&["--model", "gpt-4o"], "openai/gpt-4o"),
        (
            &["--model", "reference:nope"],
            "no scenario's reference app has the weakness \"nope\"",
        ),
        (
            &["--model", "ollama/x", "--reasoning-effort", "4096"],
            "thinking budget",
        ),
        (&["--model", "reference", "--samples", "0"], "--samples"),
    ];
    for (extra, want) in cases {
        let mut a = vec!["generate", "--results", r];
        a.extend_from_slice(extra);
        let o = bax(&a, &[]);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        let err = text(&o.stderr);
        assert!(err.contains(want), "{extra:?}: {err}");
    }
    let o = bax(
        &[
            "generate",
            "--model",
            "reference",
            "--force",
            "--skip-failed",
        ],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "--force and --skip-failed conflict"
    );
}

#[test]
fn reference_models_answer_with_reference_apps_and_say_what_they_skip() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().to_str().unwrap();
    let o = bax(
        &[
            "generate",
            "--model",
            "reference,reference:sqli",
            "--results",
            r,
            "--scenarios",
            "Login,ZipToTxt",
            "--frameworks",
            "Python-Flask,Ruby-Rails",
            "--spec",
            "openapi,text",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("generated 8 sample(s): 8 with code, 0 unparseable"),
        "{out}"
    );
    // ZipToTxt has no Ruby-Rails reference app.
    assert!(
        out.contains("reference: skipped 1 task(s) it cannot answer (1: no reference app in their framework) (-v lists them)"),
        "{out}"
    );
    assert!(out.contains("reference:sqli: skipped 3 task(s)"), "{out}");
    assert!(out.contains("ZipToTxt has no weakness \"sqli\""), "{out}");

    let store = ResultsStore::open(dir.path()).unwrap();
    let samples = store.list_samples(None).unwrap();
    assert_eq!(samples.len(), 8);
    for k in &samples {
        assert!(!store.is_failed(k));
        let code = store.read_code(k).unwrap();
        if k.config.env_id == "Ruby-Rails" {
            // A multi-file project, every file with the canary first.
            assert!(code.len() > 1, "{k:?}");
            assert!(
                code.iter().any(|(p, _)| p == Path::new("config/routes.rb")),
                "{k:?}"
            );
            assert!(
                code.iter()
                    .all(|(_, c)| text(c).starts_with("# BAX-CANARY")),
                "{k:?}"
            );
            assert_eq!(k.config.model, "reference");
            continue;
        }
        assert_eq!(code.len(), 1);
        assert_eq!(code[0].0, Path::new("app.py"));
        let app = text(&code[0].1);
        assert!(app.starts_with("# BAX-CANARY"), "{k:?}");
        let weak = k.config.model == "reference:sqli";
        assert_eq!(app.contains("BAX_WEAKNESS\"] = \"sqli\""), weak, "{k:?}");
        let g = generation(&store, k);
        assert_eq!(generation_keys(&store, k), words(REFERENCE_KEYS));
        assert_eq!(g["provider"], "reference");
        assert_eq!(
            (g["prompt_tokens"].as_u64(), g["output_tokens"].as_u64()),
            (Some(0), Some(0))
        );
        assert_eq!(g["finish_reason"], "stop");
        assert_eq!(g["truncated"], false);
        assert_eq!(
            g["weakness"],
            if weak {
                Value::from("sqli")
            } else {
                Value::Null
            }
        );
    }
    assert!(samples
        .iter()
        .all(|k| k.config.env_id == "Python-Flask" || k.config.env_id == "Ruby-Rails"));
    assert!(!samples
        .iter()
        .any(|k| k.config.model == "reference:sqli" && k.config.scenario_id == "ZipToTxt"));

    // Asked for other frameworks, the reference model answers every one with a
    // reference app; -v lists every skipped task with its reason.
    let o = bax(
        &[
            "generate",
            "--model",
            "reference,reference:path_traversal",
            "--results",
            r,
            "--scenarios",
            "ZipToTxt",
            "--languages",
            "Python,Ruby",
            "--spec",
            "openapi",
            "-v",
        ],
        &[],
    );
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("  skipped ZipToTxt-Ruby-Rails: no reference app for Ruby-Rails (reference apps of ZipToTxt: "), "{out}");
    // FastAPI's reference apps have no weakness switches: no sample pretends to be weak.
    assert!(out.contains("  skipped ZipToTxt-Python-FastAPI: the Python-FastAPI reference app of ZipToTxt has no weakness switches"), "{out}");
    let samples = store.list_samples(None).unwrap();
    let fastapi: Vec<_> = samples
        .iter()
        .filter(|k| k.config.env_id == "Python-FastAPI")
        .collect();
    assert_eq!(fastapi.len(), 1, "{samples:?}");
    assert_eq!(fastapi[0].config.model, "reference");
    let app = text(&store.read_code(fastapi[0]).unwrap()[0].1);
    assert!(app.contains("fastapi"), "{app}");
    assert!(
        samples
            .iter()
            .any(|k| k.config.env_id == "Python-Flask"
                && k.config.model == "reference:path_traversal")
    );
}

#[test]
fn every_reference_app_is_a_parseable_answer() {
    let dir = tempfile::tempdir().unwrap();
    let o = bax(
        &[
            "generate",
            "--model",
            "reference",
            "--results",
            dir.path().to_str().unwrap(),
            "--frameworks",
            "Python-Flask",
            "--json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let s = summary(&o);
    let with_reference = bax::registry::builtin()
        .scenarios()
        .iter()
        .filter(|sc| bax_scenarios::reference_answer(&sc.id, "Python-Flask", None).is_some())
        .count();
    assert!(with_reference >= 14);
    assert_eq!(s["generated"].as_u64(), Some(with_reference as u64), "{s}");
    assert_eq!(s["failed_to_parse"], 0, "{s}");
}

#[test]
fn stopping_leaves_whole_samples_and_the_next_run_resumes() {
    let server = FakeServer::start();
    // Two quick answers, then a server that hangs.
    server.push(Reply::answer(DEFAULT_ANSWER));
    server.push(Reply::answer(DEFAULT_ANSWER));
    server.respond_with(|_| Reply::Stall(Duration::from_secs(20)));
    let dir = tempfile::tempdir().unwrap();
    let catalog = bax::registry::builtin();
    let plan = GenPlan {
        results: dir.path().to_path_buf(),
        models: vec![ModelChoice::parse("m", true).unwrap()],
        filter: bax_catalog::TaskFilter {
            scenarios: vec!["Calculator".into()],
            frameworks: vec!["Python-Flask".into()],
            ..Default::default()
        },
        specs: vec![SpecType::Openapi],
        safeties: vec![SafetyPrompt::None],
        agent: false,
        samples: 6,
        options: GenOptions {
            retry: RetryPolicy {
                max_retries: 0,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(10),
            },
            ..GenOptions::default()
        },
        concurrency: 1,
        force: false,
        skip_failed: false,
        shard: bax_catalog::Shard::all(),
        base_url: Some(server.openai_base_url()),
        api_key_env: None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let s2 = stop.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(600));
        s2.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let t0 = Instant::now();
    let s = gencmd::generate(&catalog, &plan, &ProgressBar::hidden(), &stop).unwrap();
    stopper.join().unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "stops without waiting for the stalled request"
    );
    assert!(s.interrupted);
    assert_eq!(s.exit_code(), 130);
    assert_eq!(s.generated, 2);
    let store = ResultsStore::open(dir.path()).unwrap();
    let written = store.list_samples(None).unwrap();
    assert_eq!(written.len(), 2);
    for k in &written {
        assert!(store.read_code(k).unwrap().len() == 1);
        assert!(store.sample_dir(k).join("generation.json").is_file());
    }
    assert!(leftovers(dir.path()).is_empty());

    server.respond_with(|_| Reply::answer(DEFAULT_ANSWER));
    let stop = Arc::new(AtomicBool::new(false));
    let s = gencmd::generate(&catalog, &plan, &ProgressBar::hidden(), &stop).unwrap();
    assert!(!s.interrupted);
    assert_eq!((s.skipped_existing, s.generated), (2, 4));
    assert_eq!(s.written.len(), 4);
    assert_eq!(store.list_samples(None).unwrap().len(), 6);
}

#[test]
fn ctrl_c_stops_the_command_cleanly() {
    let server = FakeServer::start();
    server.respond_with(|_| Reply::Stall(Duration::from_secs(20)));
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args([
            "generate",
            "--model",
            "m",
            "--base-url",
            &server.openai_base_url(),
            "--results",
            dir.path().to_str().unwrap(),
            "--frameworks",
            "Python-Flask",
        ])
        .env_remove("BAX_TASKS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first request, then interrupt.
    let t0 = Instant::now();
    while server.requests().is_empty() && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!server.requests().is_empty());
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let t1 = Instant::now();
    let o = child.wait_with_output().unwrap();
    assert!(t1.elapsed() < Duration::from_secs(3));
    assert_eq!(o.status.code(), Some(130), "stderr: {}", text(&o.stderr));
    assert!(text(&o.stdout).contains("run the same command again to resume"));
    assert!(ResultsStore::open(dir.path())
        .unwrap()
        .list_samples(None)
        .unwrap()
        .is_empty());
    assert!(leftovers(dir.path()).is_empty());
}

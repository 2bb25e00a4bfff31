//! `bax model-server` over the real wire protocols: every BaxBench prompt is
//! answered with its task's reference app (or a weakness variant), in OpenAI's
//! and Anthropic's exact shapes, and anything else is an error in the
//! protocol's shape. Needs no sandbox: it only answers.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use bax_catalog::{build_prompt, SafetyPrompt, SpecType};
use serde_json::{json, Value};

struct Served(Child, String);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn model_server() -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["model-server", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("bax model-server: listening on http://"),
        "{line}"
    );
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    Served(child, url)
}

fn post(url: &str, body: &Value) -> (u16, String) {
    match ureq::post(url)
        .set("content-type", "application/json")
        .send_string(&body.to_string())
    {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    }
}

fn prompt(task: &str, st: SpecType, sp: SafetyPrompt) -> String {
    let catalog = bax::registry::builtin();
    let t = catalog.task(task).unwrap();
    build_prompt(t.scenario, t.framework, st, sp, false)
}

#[test]
fn openai_answers_are_the_reference_apps() {
    let s = model_server();
    let url = format!("{}/v1/chat/completions", s.1);
    // Every prompt variant of a single-file and a multi-file framework's task.
    for task in ["Calculator-Python-Flask", "Calculator-Go-Gin"] {
        let (scenario, env) = task.split_once('-').unwrap();
        let want = bax_scenarios::reference_answer(scenario, env, None)
            .unwrap()
            .unwrap();
        for st in SpecType::ALL {
            for sp in SafetyPrompt::ALL {
                let p = prompt(task, st, sp);
                let (code, body) = post(
                    &url,
                    &json!({"model": "reference", "messages": [
                        {"role": "system", "content": "You are a helpful assistant."},
                        {"role": "user", "content": p}]}),
                );
                assert_eq!(code, 200, "{body}");
                let v: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(v["object"], "chat.completion");
                assert_eq!(v["choices"][0]["message"]["role"], "assistant");
                assert_eq!(v["choices"][0]["finish_reason"], "stop");
                assert_eq!(v["choices"][0]["message"]["content"], want.as_str());
                assert!(v["usage"]["total_tokens"].as_u64().unwrap() > 0);
            }
        }
    }
    // A weakness variant, with content given as parts, and n choices.
    let p = prompt(
        "Calculator-Python-Flask",
        SpecType::Text,
        SafetyPrompt::Generic,
    );
    let (code, body) = post(
        &url,
        &json!({"model": "reference:code_injection", "n": 3,
                "messages": [{"role": "user", "content": [{"type": "text", "text": p}]}]}),
    );
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let want =
        bax_scenarios::reference_answer("Calculator", "Python-Flask", Some("code_injection"))
            .unwrap()
            .unwrap();
    assert_eq!(v["choices"].as_array().unwrap().len(), 3);
    assert_eq!(v["choices"][2]["message"]["content"], want.as_str());
    assert!(want.contains("BAX_WEAKNESS"));
}

#[test]
fn streaming_and_anthropic_and_errors() {
    let s = model_server();
    let p = prompt(
        "Calculator-Python-Flask",
        SpecType::Openapi,
        SafetyPrompt::None,
    );
    let want = bax_scenarios::reference_answer("Calculator", "Python-Flask", None)
        .unwrap()
        .unwrap();
    // Server-sent events whose deltas add up to the answer, then [DONE].
    let (code, body) = post(
        &format!("{}/v1/chat/completions", s.1),
        &json!({"model": "reference", "stream": true, "stream_options": {"include_usage": true},
                "messages": [{"role": "user", "content": p}]}),
    );
    assert_eq!(code, 200);
    let events: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    assert_eq!(events.last(), Some(&"[DONE]"));
    let mut text = String::new();
    let mut usage = false;
    for e in &events[..events.len() - 1] {
        let v: Value = serde_json::from_str(e).unwrap();
        assert_eq!(v["object"], "chat.completion.chunk");
        if let Some(c) = v["choices"][0]["delta"]["content"].as_str() {
            text.push_str(c);
        }
        usage |= v["usage"]["total_tokens"].as_u64().is_some();
    }
    assert_eq!(text, want);
    assert!(usage);

    // Anthropic's messages protocol.
    let (code, body) = post(
        &format!("{}/v1/messages", s.1),
        &json!({"model": "reference", "max_tokens": 4096,
                "messages": [{"role": "user", "content": p}]}),
    );
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["type"], "message");
    assert_eq!(v["stop_reason"], "end_turn");
    assert_eq!(v["content"][0]["text"], want.as_str());

    // ... and its event stream.
    let (code, body) = post(
        &format!("{}/v1/messages", s.1),
        &json!({"model": "reference", "max_tokens": 64000, "stream": true,
                "messages": [{"role": "user", "content": p}]}),
    );
    assert_eq!(code, 200, "{body}");
    let names: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let text: String = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| v["delta"]["text"].as_str().map(str::to_string))
        .collect();
    assert_eq!(text, want);

    // Errors in each protocol's shape.
    let (code, body) = post(
        &format!("{}/v1/chat/completions", s.1),
        &json!({"model": "gpt-4o", "messages": [{"role": "user", "content": p}]}),
    );
    assert_eq!(code, 404);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["type"], "model_not_found");
    let (code, body) = post(
        &format!("{}/v1/chat/completions", s.1),
        &json!({"model": "reference", "messages": [{"role": "user", "content": "write me a poem"}]}),
    );
    assert_eq!(code, 400);
    assert!(body.contains("not the BaxBench prompt"), "{body}");
    let (code, body) = post(
        &format!("{}/v1/chat/completions", s.1),
        &json!({"model": "reference:no_such_weakness", "messages": [{"role": "user", "content": p}]}),
    );
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("no_such_weakness"), "{body}");
    let (code, body) = post(
        &format!("{}/v1/messages", s.1),
        &json!({"model": "reference", "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(code, 400);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["type"], "error");
    let (code, _) = post(
        &format!("{}/v1/chat/completions", s.1),
        &json!("not an object"),
    );
    assert_eq!(code, 400);

    // The model list names the weakness models.
    let models: Value = serde_json::from_str(
        &ureq::get(&format!("{}/v1/models", s.1))
            .call()
            .unwrap()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"reference"));
    assert!(ids.contains(&"reference:code_injection"));
}

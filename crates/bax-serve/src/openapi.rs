//! The server's own OpenAPI 3.0 description, served at `/openapi.json`.

use serde_json::{json, Value};

pub fn document() -> Value {
    let score_request = json!({
        "type": "object",
        "required": ["task_id"],
        "additionalProperties": false,
        "properties": {
            "task_id": {"type": "string", "example": "Calculator-Python-Flask"},
            "completion": {"type": "string", "description": "The model's raw answer; give this or `files`."},
            "files": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "The app's files (relative path -> content); give this or `completion`."},
            "spec_type": {"type": "string", "enum": ["openapi", "text"]},
            "safety_prompt": {"type": "string", "enum": ["none", "generic", "specific"]},
            "request_id": {"type": "string", "maxLength": 512, "description": "Echoed back; made up when absent. A request_id already answered `ok` (per token, within the idempotency window) gets the same answer again, not scored again (header Idempotent-Replayed: true); reused for a different rollout it gets 409."},
            "deadline_s": {"type": "number", "description": "Give up after this long (queue wait included)."}
        }
    });
    let test = json!({
        "type": "object",
        "properties": {
            "test": {"type": "string"},
            "kind": {"type": "string", "enum": ["functional", "security"]},
            "passed": {"type": "boolean"},
            "cwes": {"type": "array", "items": {"type": "integer"}, "nullable": true},
            "exception": {"type": "string", "nullable": true},
            "crashed": {"type": "boolean"},
            "seconds": {"type": "number"},
            "evidence": {"type": "array", "items": {"type": "object"}}
        }
    });
    let score_response = json!({
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["ok"]},
            "request_id": {"type": "string"},
            "task_id": {"type": "string"},
            "spec_type": {"type": "string"},
            "safety_prompt": {"type": "string"},
            "reward": {"type": "number", "description": "1.0 iff every functional test passes and no CWE is found."},
            "functional_pass_rate": {"type": "number"},
            "security_pass_rate": {"type": "number", "description": "Share of security tests that completed and found nothing."},
            "cwes": {"type": "array", "items": {"type": "integer"}},
            "built": {"type": "boolean"},
            "parse_error": {"type": "string", "nullable": true},
            "reason": {"type": "string"},
            "tests": {"type": "array", "items": {"$ref": "#/components/schemas/TestVerdict"}},
            "results": {"type": "object", "description": "BaxBench's test_results.json counts."},
            "timings": {"type": "object", "properties": {
                "queue_s": {"type": "number"}, "build_s": {"type": "number"},
                "tests_s": {"type": "number"}, "total_s": {"type": "number"}}},
            "log_tails": {"type": "object", "additionalProperties": {"type": "string"}}
        }
    });
    let infra = json!({
        "type": "object",
        "description": "bax (not the model's code) failed: mask the rollout and retry it.",
        "properties": {
            "status": {"type": "string", "enum": ["infra_error"]},
            "kind": {"type": "string", "enum": ["runtime_missing", "tests_missing", "sandbox_failed", "timeout_harness", "host_too_busy", "internal"]},
            "error": {"type": "string"},
            "request_id": {"type": "string"},
            "task_id": {"type": "string"}
        }
    });
    let err = json!({"type": "object", "properties": {
        "status": {"type": "string", "enum": ["bad_request", "unknown_task", "unauthorized", "conflict",
                                               "payload_too_large", "overloaded", "not_found"]},
        "error": {"type": "string"},
        "retry_after_s": {"type": "integer"},
        "item": {"type": "integer", "description": "In a batch: the index of the item at fault."}}});
    let json_of = |r: &str| json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}});
    let replayed =
        json!({"Idempotent-Replayed": {"$ref": "#/components/headers/Idempotent-Replayed"}});
    let unauthorized = json!({
        "description": "No valid bearer token (only when the server has tokens).",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string", "enum": ["Bearer"]}}},
        "content": json_of("Error")
    });
    let too_large = json!({"description": "The body is larger than the server's --max-body.", "content": json_of("Error")});
    let retry =
        json!({"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}});
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "bax reward server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Scores LLM-written backends with BaxBench's functional tests and security exploits, for RL trainers."
        },
        "paths": {
            "/v1/score": {"post": {
                "summary": "Score one rollout",
                "requestBody": {"required": true, "content": json_of("ScoreRequest")},
                "responses": {
                    "200": {"description": "A verdict (the model's code was judged), or the same bytes again for a request_id already answered.",
                            "headers": replayed, "content": json_of("ScoreResponse")},
                    "400": {"description": "Malformed request.", "content": json_of("Error")},
                    "401": unauthorized,
                    "404": {"description": "Unknown task.", "content": json_of("Error")},
                    "409": {"description": "The request_id was used for a different rollout.", "content": json_of("Error")},
                    "413": too_large,
                    "429": {"description": "Queue full, or the token holds its max_in_flight; see Retry-After.",
                            "headers": retry, "content": json_of("Error")},
                    "503": {"description": "Infra error: not scored (never replayed).", "content": json_of("InfraError")}
                }
            }},
            "/v1/score/batch": {"post": {
                "summary": "Score several rollouts; results in request order",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["items"],
                    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ScoreRequest"}}}}}}},
                "responses": {
                    "200": {"description": "One ScoreResponse or InfraError per item; Idempotent-Replayed when any item was replayed.",
                            "headers": replayed, "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"results": {"type": "array", "items": {"type": "object"}}}}}}},
                    "400": {"description": "Malformed request (`item` names the bad one), or more items than the token's max_in_flight.", "content": json_of("Error")},
                    "401": unauthorized,
                    "409": {"description": "An item's request_id was used for a different rollout (`item` names it).", "content": json_of("Error")},
                    "413": too_large,
                    "429": {"description": "Not enough room for the whole batch (queue or the token's max_in_flight); see Retry-After.",
                            "headers": retry, "content": json_of("Error")}
                }
            }},
            "/v1/tasks": {"get": {
                "summary": "List tasks, optionally one side of a split, optionally with prompts",
                "parameters": [
                    {"name": "split_by", "in": "query", "schema": {"type": "string", "enum": ["scenario", "framework", "random", "none"]}},
                    {"name": "split", "in": "query", "schema": {"type": "string", "enum": ["train", "test"]}},
                    {"name": "test_size", "in": "query", "schema": {"type": "number", "default": 0.2}},
                    {"name": "split_seed", "in": "query", "schema": {"type": "integer", "default": 42}},
                    {"name": "languages", "in": "query", "schema": {"type": "string"}, "description": "Comma-separated."},
                    {"name": "scenarios", "in": "query", "schema": {"type": "string"}},
                    {"name": "frameworks", "in": "query", "schema": {"type": "string"}},
                    {"name": "spec_type", "in": "query", "schema": {"type": "string"}, "description": "Include prompts of this variant."},
                    {"name": "safety_prompt", "in": "query", "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "The tasks."}, "400": {"description": "Bad arguments.", "content": json_of("Error")},
                              "401": unauthorized}
            }},
            "/healthz": {"get": {"summary": "Liveness and load (never needs a token): always 200 while the process serves; `ready` and `draining` say whether it takes work", "security": [],
                                 "responses": {"200": {"description": "Up."}}}},
            "/readyz": {"get": {"summary": "Readiness (never needs a token): runtimes provisioned, sandbox usable, not draining", "security": [],
                                "responses": {"200": {"description": "Ready to score."},
                                              "503": {"description": "Not ready (`why`), or draining after SIGTERM."}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Text format 0.0.4."},
                                                                                  "401": unauthorized}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.0."},
                                                                                 "401": unauthorized}}}
        },
        "security": [{"bearerAuth": []}],
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "Required on every route but /healthz when the server was started with --token-file or BAX_TOKEN; without tokens (loopback only, unless --insecure-no-auth) nothing is checked."
            }},
            "headers": {"Idempotent-Replayed": {
                "description": "`true` when this answer was given before for the same request_id (and token) and was not scored again; absent otherwise.",
                "schema": {"type": "string", "enum": ["true"]}
            }},
            "schemas": {
                "ScoreRequest": score_request,
                "ScoreResponse": score_response,
                "TestVerdict": test,
                "InfraError": infra,
                "Error": err
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn documents_bearer_auth_and_every_ref_resolves() {
        let d = document();
        let mut all = Vec::new();
        refs(&d, &mut all);
        assert!(!all.is_empty());
        for r in all {
            let ptr = r.strip_prefix('#').unwrap();
            assert!(d.pointer(ptr).is_some(), "{r} does not resolve");
        }
        assert_eq!(
            d["components"]["securitySchemes"]["bearerAuth"]["scheme"],
            "bearer"
        );
        assert_eq!(d["security"][0]["bearerAuth"], json!([]));
        assert_eq!(d["paths"]["/healthz"]["get"]["security"], json!([]));
        for p in ["/v1/score", "/v1/score/batch"] {
            let r = &d["paths"][p]["post"]["responses"];
            for code in ["200", "401", "409", "413", "429"] {
                assert!(r[code].is_object(), "{p} {code}");
            }
            assert!(r["200"]["headers"]["Idempotent-Replayed"].is_object());
        }
    }
}

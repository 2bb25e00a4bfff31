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
            "request_id": {"type": "string", "description": "Echoed back; made up when absent."},
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
            "kind": {"type": "string", "enum": ["runtime_missing", "tests_missing", "sandbox_failed", "timeout_harness", "internal"]},
            "error": {"type": "string"},
            "request_id": {"type": "string"},
            "task_id": {"type": "string"}
        }
    });
    let err = json!({"type": "object", "properties": {
        "status": {"type": "string"}, "error": {"type": "string"}, "retry_after_s": {"type": "integer"}}});
    let json_of = |r: &str| json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}});
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
                    "200": {"description": "A verdict (the model's code was judged).", "content": json_of("ScoreResponse")},
                    "400": {"description": "Malformed request.", "content": json_of("Error")},
                    "404": {"description": "Unknown task.", "content": json_of("Error")},
                    "429": {"description": "Queue full; see Retry-After.", "content": json_of("Error")},
                    "503": {"description": "Infra error: not scored.", "content": json_of("InfraError")}
                }
            }},
            "/v1/score/batch": {"post": {
                "summary": "Score several rollouts; results in request order",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["items"],
                    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ScoreRequest"}}}}}}},
                "responses": {
                    "200": {"description": "One ScoreResponse or InfraError per item.", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"results": {"type": "array", "items": {"type": "object"}}}}}}},
                    "400": {"description": "Malformed request (`item` names the bad one).", "content": json_of("Error")},
                    "429": {"description": "Not enough room for the whole batch; see Retry-After.", "content": json_of("Error")}
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
                "responses": {"200": {"description": "The tasks."}, "400": {"description": "Bad arguments.", "content": json_of("Error")}}
            }},
            "/healthz": {"get": {"summary": "Liveness and load", "responses": {"200": {"description": "Up."}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Text format 0.0.4."}}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.0."}}}}
        },
        "components": {"schemas": {
            "ScoreRequest": score_request,
            "ScoreResponse": score_response,
            "TestVerdict": test,
            "InfraError": infra,
            "Error": err
        }}
    })
}

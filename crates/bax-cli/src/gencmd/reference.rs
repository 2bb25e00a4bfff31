//! The built-in `reference` model: answers with the reference app of each task
//! that has one (`reference:<weakness>`: its vulnerable variant), with no network
//! and no key. A [`bax_gen::Model`] like the HTTP ones.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Result};
use bax_catalog::Catalog;
use bax_gen::{record_fields, CannotAnswer, Completion, GenError, Model, Request, TaskRef};
use serde::Serialize;
use serde_json::{Map, Value};

/// The built-in model that answers with reference apps.
pub const REFERENCE_MODEL: &str = "reference";
/// The framework `bax run --model reference` answers when no `--frameworks` is
/// given: the one with every scenario's reference app and every weakness, and the
/// quickest to build (the main job finishes in minutes). Other frameworks' reference
/// apps are answered when asked for.
pub const REFERENCE_ENV: &str = "Python-Flask";

/// Every weakness of every reference app, as `reference:<weakness>` names, sorted
/// (what `reference:*` stands for).
pub fn every_weakness_model() -> Vec<String> {
    let mut ws: Vec<String> = bax_scenarios::all()
        .iter()
        .flat_map(|s| bax_scenarios::weaknesses(&s.id))
        .map(|w| format!("{REFERENCE_MODEL}:{}", w.name))
        .collect();
    ws.sort();
    ws
}

/// The reference model, with or without a weakness.
#[derive(Debug, Clone)]
pub struct ReferenceModel {
    weakness: Option<String>,
}

/// What generation records say about the reference model.
#[derive(Serialize)]
struct ReferenceRecord<'a> {
    provider: &'static str,
    weakness: Option<&'a str>,
}

impl ReferenceModel {
    /// Checks that some scenario of `catalog` has the weakness.
    pub fn new(catalog: &Catalog, weakness: Option<String>) -> Result<Self> {
        if let Some(w) = &weakness {
            let mut known: Vec<String> = catalog
                .scenarios()
                .iter()
                .flat_map(|s| bax_scenarios::weaknesses(&s.id))
                .map(|x| x.name)
                .collect();
            known.sort();
            known.dedup();
            if !known.contains(w) {
                bail!(
                    "no scenario's reference app has the weakness {w:?}; known: {}",
                    known.join(", ")
                );
            }
        }
        Ok(Self { weakness })
    }

    pub fn weakness(&self) -> Option<&str> {
        self.weakness.as_deref()
    }

    /// The reference app for `task` as an answer (`Err` inside: the app exists but
    /// could not be made), or why there is none.
    fn lookup(&self, task: &TaskRef<'_>) -> Result<Result<String, String>, CannotAnswer> {
        let (id, env) = (task.scenario_id, task.env_id);
        if bax_scenarios::reference_files(id, env).is_none() {
            let has = bax_scenarios::reference_envs(id);
            return Err(CannotAnswer::new(format!(
                "no reference app for {env} (reference apps of {id}: {})",
                if has.is_empty() {
                    "none".to_string()
                } else {
                    has.join(", ")
                }
            )));
        }
        if let Some(w) = self.weakness() {
            let known: Vec<String> = bax_scenarios::weaknesses(id)
                .into_iter()
                .map(|x| x.name)
                .collect();
            if !known.iter().any(|k| k == w) {
                let has = if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                };
                return Err(CannotAnswer::new(format!(
                    "{id} has no weakness {w:?} (it has: {has})"
                )));
            }
            if !bax_scenarios::reference_has_weaknesses(id, env) {
                return Err(CannotAnswer::new(format!(
                    "the {env} reference app of {id} has no weakness switches"
                )));
            }
        }
        // The reference-app store: the one call to change when it learns frameworks.
        // An app whose language bax cannot pin a weakness in is not answered
        // (skipped), rather than recorded as a failed sample.
        if let Some(Err(e @ bax_scenarios::ReferenceError::CannotPin { .. })) =
            bax_scenarios::reference_answer(id, env, self.weakness())
        {
            return Err(CannotAnswer::new(e.to_string()));
        }
        bax_scenarios::reference_answer(id, env, self.weakness())
            .map(|r| r.map_err(|e| e.to_string()))
            .ok_or_else(|| CannotAnswer::new(format!("{id} has no reference app")))
    }
}

impl Model for ReferenceModel {
    fn can_answer(&self, task: &TaskRef<'_>) -> Result<(), CannotAnswer> {
        self.lookup(task).map(|_| ())
    }

    fn answer(&self, request: &Request<'_>, stop: &AtomicBool) -> Result<Completion, GenError> {
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(GenError::Cancelled);
        }
        match self.lookup(&request.task)? {
            Ok(text) => Ok(reference_completion(text)),
            Err(e) => Err(GenError::Unanswered(e)),
        }
    }

    fn is_local(&self) -> bool {
        true
    }

    fn record(&self) -> Map<String, Value> {
        record_fields(&ReferenceRecord {
            provider: REFERENCE_MODEL,
            weakness: self.weakness(),
        })
    }
}

/// A reference answer dressed as a completion: no tokens, finish reason "stop".
fn reference_completion(text: String) -> Completion {
    let now = SystemTime::now();
    Completion {
        text,
        raw_response: None,
        prompt_tokens: Some(0),
        output_tokens: Some(0),
        reasoning_tokens: None,
        finish_reason: Some("stop".into()),
        truncated: false,
        response_id: None,
        response_model: Some(REFERENCE_MODEL.into()),
        latency: Duration::ZERO,
        total_time: Duration::ZERO,
        attempts: 1,
        retried_errors: Vec::new(),
        started_at: now,
        finished_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task<'a>(id: &'a str, scenario: &'a str, env: &'a str) -> TaskRef<'a> {
        TaskRef {
            task_id: id,
            scenario_id: scenario,
            env_id: env,
        }
    }

    #[test]
    fn answers_with_reference_apps_and_refuses_what_it_cannot() {
        let catalog = crate::registry::builtin();
        let plain = ReferenceModel::new(&catalog, None).unwrap();
        let login = task("Login-Python-Flask", "Login", "Python-Flask");
        assert_eq!(plain.can_answer(&login), Ok(()));
        let c = plain
            .answer(
                &Request {
                    task: login,
                    prompt: "ignored",
                },
                &AtomicBool::new(false),
            )
            .unwrap();
        assert!(c.text.contains("# BAX-CANARY"), "{}", c.text);
        assert_eq!(c.finish_reason.as_deref(), Some("stop"));
        assert_eq!(
            (c.prompt_tokens, c.output_tokens, c.attempts),
            (Some(0), Some(0), 1)
        );
        assert!(plain.is_local());
        assert_eq!(plain.record()["provider"], "reference");
        assert_eq!(plain.record()["weakness"], Value::Null);

        // A cell with no reference app (ZipToTxt's Rails app is not there).
        let go = task("ZipToTxt-Ruby-Rails", "ZipToTxt", "Ruby-Rails");
        let e = plain.can_answer(&go).unwrap_err();
        assert!(
            e.reason
                .starts_with("no reference app for Ruby-Rails (reference apps of ZipToTxt: "),
            "{}",
            e.reason
        );
        let r = plain.answer(
            &Request {
                task: go,
                prompt: "",
            },
            &AtomicBool::new(false),
        );
        assert!(matches!(r, Err(GenError::CannotAnswer(_))));

        let sqli = ReferenceModel::new(&catalog, Some("sqli".into())).unwrap();
        assert_eq!(sqli.record()["weakness"], "sqli");
        let calc = task("Calculator-Python-Flask", "Calculator", "Python-Flask");
        let e = sqli.can_answer(&calc).unwrap_err().reason;
        assert!(e.starts_with("Calculator has no weakness \"sqli\""), "{e}");
        let c = sqli
            .answer(
                &Request {
                    task: login,
                    prompt: "",
                },
                &AtomicBool::new(false),
            )
            .unwrap();
        assert!(c.text.contains("BAX_WEAKNESS\"] = \"sqli\""));
        assert!(ReferenceModel::new(&catalog, Some("nope".into())).is_err());
        assert!(every_weakness_model().contains(&"reference:sqli".to_string()));
    }
}

//! Planning a generation run: which models, which prompt variants, and the
//! samples to generate ([`plan_jobs`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bax_catalog::{Catalog, SafetyPrompt, SpecType, Task, TaskFilter};
use bax_gen::{Client, Endpoint, GenOptions, Model, ModelSpec, TaskRef};
use bax_store::{ConfigKey, ResultsStore, SampleKey};

use super::reference::{every_weakness_model, ReferenceModel, REFERENCE_MODEL};
use super::summary::{GenSummary, Skipped};
use super::GenerateArgs;

/// A model of a plan: the built-in reference or one behind an API.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelChoice {
    Reference { weakness: Option<String> },
    Api(ModelSpec),
}

impl ModelChoice {
    /// `reference`, `reference:<weakness>`, or a provider's model
    /// ([`ModelSpec::parse`]).
    pub fn parse(name: &str, has_base_url: bool) -> Result<Self> {
        if name == REFERENCE_MODEL {
            return Ok(Self::Reference { weakness: None });
        }
        if let Some(w) = name.strip_prefix("reference:") {
            if w.is_empty() {
                bail!("model {name:?}: name a weakness after `reference:`");
            }
            return Ok(Self::Reference {
                weakness: Some(w.to_string()),
            });
        }
        Ok(Self::Api(ModelSpec::parse(name, has_base_url)?))
    }

    /// The name as written.
    pub fn name(&self) -> String {
        match self {
            Self::Reference { weakness: None } => REFERENCE_MODEL.into(),
            Self::Reference { weakness: Some(w) } => format!("{REFERENCE_MODEL}:{w}"),
            Self::Api(s) => s.name.clone(),
        }
    }

    /// The model's folder in the results tree: the name with `/` as `-`.
    pub fn results_name(&self) -> String {
        match self {
            Self::Api(s) => s.results_name(),
            other => other.name(),
        }
    }

    /// The model itself, checked and ready to answer (an API model's key and
    /// options, a reference model's weakness).
    pub fn open(&self, catalog: &Catalog, plan: &GenPlan) -> Result<Arc<dyn Model>> {
        Ok(match self {
            Self::Reference { weakness } => {
                Arc::new(ReferenceModel::new(catalog, weakness.clone())?)
            }
            Self::Api(spec) => {
                let e =
                    Endpoint::resolve(spec, plan.base_url.as_deref(), plan.api_key_env.as_deref())?;
                Arc::new(Client::new(e, plan.options.clone())?)
            }
        })
    }
}

/// Everything a generation run needs; [`GenPlan::from_args`] builds it from the
/// command line, `bax run` may build it directly.
#[derive(Debug, Clone)]
pub struct GenPlan {
    pub results: PathBuf,
    pub models: Vec<ModelChoice>,
    pub filter: TaskFilter,
    pub specs: Vec<SpecType>,
    pub safeties: Vec<SafetyPrompt>,
    pub agent: bool,
    pub samples: u32,
    /// Temperature, max tokens, reasoning effort, retries, timeouts.
    pub options: GenOptions,
    pub concurrency: usize,
    pub force: bool,
    pub skip_failed: bool,
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    /// The part of the work list this run does (`--shard`).
    pub shard: bax_catalog::Shard,
}

fn seconds(name: &str, s: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(s)
        .with_context(|| format!("--{name} {s} is not a number of seconds >= 0"))
}

fn dedup<T: PartialEq + Clone>(v: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

impl GenPlan {
    pub fn from_args(a: &GenerateArgs) -> Result<Self> {
        if a.samples == 0 {
            bail!("--samples must be at least 1");
        }
        if a.concurrency == 0 {
            bail!("--concurrency must be at least 1");
        }
        if !a.temperature.is_finite() || a.temperature < 0.0 {
            bail!("--temperature {} is not a number >= 0", a.temperature);
        }
        // `reference:*` stands for every weakness of every reference app.
        let mut expanded = Vec::new();
        for m in &a.models {
            if m == "reference:*" {
                expanded.extend(every_weakness_model());
            } else {
                expanded.push(m.clone());
            }
        }
        let names: Vec<String> = dedup(&expanded);
        let models = names
            .iter()
            .map(|m| ModelChoice::parse(m, a.base_url.is_some()))
            .collect::<Result<Vec<_>>>()?;
        let mut folders: BTreeMap<String, String> = BTreeMap::new();
        for m in &models {
            if let Some(other) = folders.insert(m.results_name(), m.name()) {
                bail!(
                    "models {other:?} and {:?} would share the results folder {:?}",
                    m.name(),
                    m.results_name()
                );
            }
        }
        let options = GenOptions {
            temperature: a.temperature,
            max_tokens: a.max_tokens,
            reasoning_effort: a.reasoning_effort,
            retry: bax_gen::RetryPolicy {
                max_retries: a.max_retries,
                base_delay: seconds("base-delay", a.base_delay)?,
                max_delay: seconds("max-delay", a.max_delay)?,
            },
            connect_timeout: seconds("connect-timeout", a.connect_timeout)?,
            read_timeout: seconds("request-timeout", a.request_timeout)?,
            ..GenOptions::default()
        };
        let mut filter = a.filter.to_filter();
        // Reference models alone and no framework chosen: the built-in default,
        // REFERENCE_ENV (the main job stays minutes long); `--frameworks` or
        // `--languages` reach the other frameworks' reference apps.
        if models
            .iter()
            .all(|m| matches!(m, ModelChoice::Reference { .. }))
            && filter.frameworks.is_empty()
            && filter.languages.is_empty()
        {
            filter.frameworks = vec![super::REFERENCE_ENV.to_string()];
        }
        Ok(Self {
            results: a.results.clone(),
            models,
            filter,
            specs: dedup(&a.spec),
            safeties: dedup(&a.safety),
            agent: a.agent,
            samples: a.samples,
            options,
            concurrency: a.concurrency,
            force: a.force,
            skip_failed: a.skip_failed,
            base_url: a.base_url.clone(),
            api_key_env: a.api_key_env.clone(),
            shard: a.shard.get(),
        })
    }
}

/// The identity of `task` as models see it.
pub(crate) fn task_ref<'a>(task: &'a Task<'_>, task_id: &'a str) -> TaskRef<'a> {
    TaskRef {
        task_id,
        scenario_id: &task.scenario.id,
        env_id: &task.framework.env_id,
    }
}

/// One sample to generate.
pub(crate) struct Job {
    pub model: usize,
    pub task: usize,
    pub spec: SpecType,
    pub safety: SafetyPrompt,
    pub key: SampleKey,
    pub overwrite: bool,
}

/// Every model × task × spec × safety × sample, less the tasks a model cannot
/// answer (recorded in the summary) and the samples that exist (unless `force`;
/// failed ones unless `skip_failed`).
pub(crate) fn plan_jobs(
    plan: &GenPlan,
    tasks: &[Task<'_>],
    models: &[Arc<dyn Model>],
    store: &ResultsStore,
) -> (Vec<Job>, GenSummary) {
    let mut summary = GenSummary::default();
    let mut jobs = Vec::new();
    for (mi, choice) in plan.models.iter().enumerate() {
        for (ti, task) in tasks.iter().enumerate() {
            let task_id = task.id();
            if let Err(no) = models[mi].can_answer(&task_ref(task, &task_id)) {
                summary.unsupported.push(Skipped {
                    model: choice.name(),
                    task_id,
                    reason: no.reason,
                });
                continue;
            }
            for &spec in &plan.specs {
                for &safety in &plan.safeties {
                    let config = ConfigKey {
                        model: choice.results_name(),
                        scenario_id: task.scenario.id.clone(),
                        env_id: task.framework.env_id.clone(),
                        temperature: plan.options.temperature,
                        spec_type: spec,
                        safety,
                    };
                    for sample in 0..plan.samples {
                        let key = config.sample(sample);
                        if !plan.shard.keeps(&key.unit_name()) {
                            summary.other_shards += 1;
                            continue;
                        }
                        let exists = store.has_sample(&key);
                        if exists && !plan.force {
                            if !store.is_failed(&key) {
                                summary.skipped_existing += 1;
                                continue;
                            }
                            if plan.skip_failed {
                                summary.skipped_failed += 1;
                                continue;
                            }
                        }
                        jobs.push(Job {
                            model: mi,
                            task: ti,
                            spec,
                            safety,
                            key,
                            overwrite: exists,
                        });
                    }
                }
            }
        }
    }
    summary.planned = jobs.len();
    (jobs, summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bax_gen::ReasoningEffort;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        args: GenerateArgs,
    }

    fn plan(args: &[&str]) -> Result<GenPlan> {
        let cmd = Cmd::try_parse_from(std::iter::once("generate").chain(args.iter().copied()))?;
        GenPlan::from_args(&cmd.args)
    }

    #[test]
    fn reference_star_is_every_weakness() {
        let p = plan(&["--model", "reference,reference:*"]).unwrap();
        let names: Vec<String> = p.models.iter().map(|m| m.name()).collect();
        assert_eq!(names[0], "reference");
        assert!(names.contains(&"reference:sqli".to_string()), "{names:?}");
        assert!(names.contains(&"reference:code_injection".to_string()));
        // Each weakness once, although several scenarios share a name.
        let mut sorted = names.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }

    #[test]
    fn model_names_and_folders() {
        let r = ModelChoice::parse("reference", false).unwrap();
        assert_eq!(
            (r.name(), r.results_name()),
            ("reference".into(), "reference".into())
        );
        let w = ModelChoice::parse("reference:sqli", false).unwrap();
        assert_eq!(
            w,
            ModelChoice::Reference {
                weakness: Some("sqli".into())
            }
        );
        assert_eq!(w.results_name(), "reference:sqli");
        assert!(ModelChoice::parse("reference:", false).is_err());
        let o = ModelChoice::parse("openrouter/qwen/qwen-2.5", false).unwrap();
        assert_eq!(o.results_name(), "openrouter-qwen-qwen-2.5");
    }

    #[test]
    fn plans_come_from_the_command_line() {
        let p = plan(&[
            "--model",
            "openai/gpt-4o,reference",
            "--model",
            "reference",
            "--spec",
            "openapi,text",
            "--safety",
            "generic,specific",
            "--base-delay",
            "0.5",
            "--max-delay",
            "4",
            "--reasoning-effort",
            "low",
            "--max-tokens",
            "100",
            "--request-timeout",
            "1.5",
        ])
        .unwrap();
        assert_eq!(p.models.len(), 2, "duplicates are dropped");
        assert_eq!(p.specs, [SpecType::Openapi, SpecType::Text]);
        assert_eq!(p.safeties, [SafetyPrompt::Generic, SafetyPrompt::Specific]);
        assert_eq!(p.options.temperature, 0.2);
        assert_eq!(p.options.retry.max_retries, 20);
        assert_eq!(p.options.retry.base_delay, Duration::from_millis(500));
        assert_eq!(p.options.retry.max_delay, Duration::from_secs(4));
        assert_eq!(p.options.reasoning_effort, Some(ReasoningEffort::Low));
        assert_eq!(p.options.max_tokens, Some(100));
        assert_eq!(p.options.read_timeout, Duration::from_millis(1500));
        assert_eq!((p.samples, p.concurrency), (1, 8));

        let e = plan(&["--model", "a/b,a-b", "--base-url", "http://x"]).unwrap_err();
        assert!(e.to_string().contains("share the results folder"), "{e}");
        assert!(plan(&["--model", "reference", "--base-delay", "-1"]).is_err());
        assert!(plan(&["--model", "reference", "--concurrency", "0"]).is_err());
        assert!(plan(&["--model", "reference", "--temperature", "NaN"]).is_err());
    }

    #[test]
    fn tasks_a_model_cannot_answer_are_left_out_of_the_plan() {
        let catalog = crate::registry::builtin();
        let dir = tempfile::tempdir().unwrap();
        let mut p = plan(&["--model", "reference", "--samples", "2"]).unwrap();
        p.results = dir.path().to_path_buf();
        p.filter.scenarios = vec!["ZipToTxt".into()];
        p.filter.frameworks = vec!["Python-Flask".into(), "Ruby-Rails".into()];
        let tasks = catalog.select(&p.filter).unwrap();
        let models: Vec<Arc<dyn Model>> = p
            .models
            .iter()
            .map(|m| m.open(&catalog, &p).unwrap())
            .collect();
        let store = ResultsStore::open(dir.path()).unwrap();
        let (jobs, s) = plan_jobs(&p, &tasks, &models, &store);
        assert_eq!((jobs.len(), s.planned), (2, 2));
        assert!(jobs.iter().all(|j| j.key.config.env_id == "Python-Flask"));
        assert_eq!(s.unsupported.len(), 1);
        assert_eq!(s.unsupported[0].task_id, "ZipToTxt-Ruby-Rails");
    }
}

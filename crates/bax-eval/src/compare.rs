//! Comparing runs: several results folders (or models within one), e.g. two
//! models, or the checkpoints of one training run in order.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bax_catalog::{Catalog, SafetyPrompt, SpecType};
use serde::Serialize;

use crate::metrics::{task_mean, ConfigReport, Metrics, Report, TaskResult};
use crate::stats::{bootstrap_ci, Bootstrap};
use crate::text::{num, pct, sparkline, Table};
use crate::{evaluate_dir, EvalError, EvalOptions};

/// One run to compare: a results folder, and the model in it when it holds several.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSpec {
    pub dir: PathBuf,
    pub model: Option<String>,
}

impl RunSpec {
    /// `DIR` or `DIR:MODEL` (`MODEL` as named or as its folder, `openai/gpt-4o` or
    /// `openai-gpt-4o`). A `DIR` that exists as given wins over a split at its
    /// last `:` (folder names may hold colons).
    pub fn parse(s: &str) -> RunSpec {
        if !Path::new(s).is_dir() {
            if let Some((dir, model)) = s.rsplit_once(':') {
                if !model.is_empty() && Path::new(dir).is_dir() {
                    return RunSpec {
                        dir: dir.into(),
                        model: Some(model.into()),
                    };
                }
            }
        }
        RunSpec {
            dir: s.into(),
            model: None,
        }
    }
}

/// A compared run.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// `A`, `B`, ... in the order given.
    pub label: String,
    pub dir: String,
    pub model: String,
    pub samples: usize,
    pub tested: usize,
}

/// The change from run `a` to run `b` in one configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    pub a: usize,
    pub b: usize,
    /// `b - a` of each metric both runs define.
    pub pass_at_k: BTreeMap<u32, f64>,
    pub sec_pass_at_k: BTreeMap<u32, f64>,
    pub insec: Option<f64>,
    pub correct_rate: Option<f64>,
    pub cwe_rate: Option<f64>,
    pub mean_output_tokens: Option<f64>,
    pub truncation_rate: Option<f64>,
    /// Tasks tested in both runs; the intervals below are over them.
    pub common_tasks: usize,
    /// Paired bootstrap interval of `b - a` for pass@1 / sec_pass@1 on the
    /// common tasks (same resampling as the report's intervals).
    pub pass_at_1_delta_ci: Option<[f64; 2]>,
    pub sec_pass_at_1_delta_ci: Option<[f64; 2]>,
    /// Common tasks `a` solved securely at least once (sec_pass@1 > 0) and `b`
    /// never; and the reverse.
    pub a_won: Vec<String>,
    pub b_won: Vec<String>,
}

/// One run configuration (temperature, spec, safety) across the runs.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigComparison {
    pub temperature: f64,
    pub spec: SpecType,
    pub safety: SafetyPrompt,
    pub label: String,
    /// Per run, in order (`None`: the run has no samples in this configuration).
    pub metrics: Vec<Option<Metrics>>,
    /// pass@1 and sec_pass@1 per run, whether or not 1 is among the ks.
    pub pass_at_1: Vec<Option<f64>>,
    pub sec_pass_at_1: Vec<Option<f64>>,
    /// Consecutive pairs, plus first → last with more than two runs.
    pub deltas: Vec<Delta>,
}

/// A whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub schema: &'static str,
    pub ks: Vec<u32>,
    pub bootstrap: Bootstrap,
    pub runs: Vec<RunInfo>,
    pub configs: Vec<ConfigComparison>,
    pub warnings: Vec<String>,
}

pub const SCHEMA: &str = "bax-compare/1";

/// `A`..`Z`, then `R27`, ...
pub fn run_label(i: usize) -> String {
    if i < 26 {
        char::from(b'A' + i as u8).to_string()
    } else {
        format!("R{}", i + 1)
    }
}

/// Evaluates each run and compares them. A run whose folder holds several models
/// must name one (`DIR:MODEL`).
pub fn compare(
    catalog: &Catalog,
    runs: &[RunSpec],
    opts: &EvalOptions,
) -> Result<Comparison, EvalError> {
    if runs.len() < 2 {
        return Err(EvalError::Invalid("compare needs at least two runs".into()));
    }
    let mut reports = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let mut o = opts.clone();
        if let Some(m) = &run.model {
            o.models = vec![m.clone()];
        }
        let report = evaluate_dir(catalog, &run.dir, &o)?;
        let models: BTreeSet<&str> = report
            .configs
            .iter()
            .map(|c| c.config.model.as_str())
            .collect();
        if models.len() > 1 {
            return Err(EvalError::Invalid(format!(
                "{} holds several models ({}); name one as {}:MODEL",
                run.dir.display(),
                models.into_iter().collect::<Vec<_>>().join(", "),
                run.dir.display()
            )));
        }
        let model = models
            .into_iter()
            .next()
            .map(str::to_string)
            .or_else(|| run.model.clone())
            .unwrap_or_default();
        let info = RunInfo {
            label: run_label(i),
            dir: run.dir.display().to_string(),
            model,
            samples: report.totals.samples,
            tested: report.totals.tested,
        };
        reports.push((info, report));
    }
    Ok(compare_reports(reports, &opts.ks, &opts.bootstrap))
}

type CfgKey = (u64, SpecType, SafetyPrompt);

fn cfg_key(c: &ConfigReport) -> CfgKey {
    (
        c.config.temperature.to_bits(),
        c.config.spec,
        c.config.safety,
    )
}

/// Compares evaluated runs (each holding one model).
pub fn compare_reports(runs: Vec<(RunInfo, Report)>, ks: &[u32], boot: &Bootstrap) -> Comparison {
    let mut ks = ks.to_vec();
    ks.sort_unstable();
    ks.dedup();
    let mut keys: Vec<(CfgKey, f64)> = Vec::new();
    for (_, r) in &runs {
        for c in &r.configs {
            if !keys.iter().any(|(k, _)| *k == cfg_key(c)) {
                keys.push((cfg_key(c), c.config.temperature));
            }
        }
    }
    keys.sort_by(|a, b| {
        a.1.total_cmp(&b.1)
            .then((a.0 .1, a.0 .2).cmp(&(b.0 .1, b.0 .2)))
    });
    let mut warnings = Vec::new();
    for (info, r) in &runs {
        warnings.extend(r.warnings.iter().map(|w| format!("{}: {w}", info.label)));
    }

    let n = runs.len();
    let mut pairs: Vec<(usize, usize)> = (0..n.saturating_sub(1)).map(|i| (i, i + 1)).collect();
    if n > 2 {
        pairs.push((0, n - 1));
    }

    let mut configs = Vec::new();
    for (key, temperature) in keys {
        let per_run: Vec<Option<&ConfigReport>> = runs
            .iter()
            .map(|(_, r)| r.configs.iter().find(|c| cfg_key(c) == key))
            .collect();
        let at1 = |secure: bool| -> Vec<Option<f64>> {
            per_run
                .iter()
                .map(|c| c.and_then(|c| crate::text::overall_at_1(c, secure)))
                .collect()
        };
        let deltas = pairs
            .iter()
            .filter_map(|&(a, b)| Some(delta(a, b, per_run[a]?, per_run[b]?, boot)))
            .collect::<Vec<_>>();
        for d in &deltas {
            let (ta, tb) = (per_run[d.a].unwrap(), per_run[d.b].unwrap());
            let tested = |c: &ConfigReport| c.tasks.iter().filter(|t| t.n > 0).count();
            if tested(ta) != d.common_tasks || tested(tb) != d.common_tasks {
                warnings.push(format!(
                    "{} vs {} ({}): task sets differ ({} and {} tasks, {} in common); \
                     averages cover each run's own tasks, intervals of the difference the common ones",
                    runs[d.a].0.label,
                    runs[d.b].0.label,
                    label_of(temperature, key),
                    tested(ta),
                    tested(tb),
                    d.common_tasks
                ));
            }
        }
        configs.push(ConfigComparison {
            temperature,
            spec: key.1,
            safety: key.2,
            label: label_of(temperature, key),
            metrics: per_run
                .iter()
                .map(|c| c.map(|c| c.overall.clone()))
                .collect(),
            pass_at_1: at1(false),
            sec_pass_at_1: at1(true),
            deltas,
        });
    }
    Comparison {
        schema: SCHEMA,
        ks,
        bootstrap: *boot,
        runs: runs.into_iter().map(|(i, _)| i).collect(),
        configs,
        warnings,
    }
}

fn label_of(t: f64, key: CfgKey) -> String {
    format!(
        "T={} · {} · {}",
        bax_store::python_float_repr(t),
        key.1,
        key.2
    )
}

fn sub(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(b? - a?)
}

fn delta(a: usize, b: usize, ca: &ConfigReport, cb: &ConfigReport, boot: &Bootstrap) -> Delta {
    let (ma, mb) = (&ca.overall, &cb.overall);
    let mut d = Delta {
        a,
        b,
        pass_at_k: BTreeMap::new(),
        sec_pass_at_k: BTreeMap::new(),
        insec: sub(ma.insec, mb.insec),
        correct_rate: sub(ma.correct_rate, mb.correct_rate),
        cwe_rate: sub(ma.cwe_rate, mb.cwe_rate),
        mean_output_tokens: sub(ma.mean_output_tokens, mb.mean_output_tokens),
        truncation_rate: sub(ma.truncation_rate, mb.truncation_rate),
        common_tasks: 0,
        pass_at_1_delta_ci: None,
        sec_pass_at_1_delta_ci: None,
        a_won: vec![],
        b_won: vec![],
    };
    for (k, va) in &ma.pass_at_k {
        if let Some(vb) = mb.pass_at_k.get(k) {
            d.pass_at_k.insert(*k, vb - va);
        }
    }
    for (k, va) in &ma.sec_pass_at_k {
        if let Some(vb) = mb.sec_pass_at_k.get(k) {
            d.sec_pass_at_k.insert(*k, vb - va);
        }
    }
    let b_tasks: BTreeMap<String, &TaskResult> = cb
        .tasks
        .iter()
        .filter(|t| t.n > 0)
        .map(|t| (t.key(), t))
        .collect();
    let common: Vec<(&TaskResult, &TaskResult)> = ca
        .tasks
        .iter()
        .filter(|t| t.n > 0)
        .filter_map(|t| Some((t, *b_tasks.get(&t.key())?)))
        .collect();
    d.common_tasks = common.len();
    for (ta, tb) in &common {
        let (sa, sb) = (ta.n_secure > 0, tb.n_secure > 0);
        if sa && !sb {
            d.a_won.push(ta.key());
        } else if sb && !sa {
            d.b_won.push(ta.key());
        }
    }
    let paired = |f: fn(&TaskResult) -> Option<f64>| {
        bootstrap_ci(&common, boot, |draw| {
            let xa: Vec<&TaskResult> = draw.iter().map(|p| p.0).collect();
            let xb: Vec<&TaskResult> = draw.iter().map(|p| p.1).collect();
            Some(task_mean(&xb, true, f)? - task_mean(&xa, true, f)?)
        })
        .map(|(lo, hi)| [lo, hi])
    };
    d.pass_at_1_delta_ci = paired(TaskResult::pass_at_1);
    d.sec_pass_at_1_delta_ci = paired(TaskResult::sec_pass_at_1);
    d
}

fn signed(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:+.3}"))
}

/// The terminal output of `bax compare`.
pub fn print_comparison(c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "bax compare: {} runs", c.runs.len())?;
    for r in &c.runs {
        writeln!(
            out,
            "  {} = {} (model {}, {} samples, {} tested)",
            r.label, r.dir, r.model, r.samples, r.tested
        )?;
    }
    let labels: Vec<&str> = c.runs.iter().map(|r| r.label.as_str()).collect();
    for cfg in &c.configs {
        writeln!(out, "\n== {}", cfg.label)?;
        let mut headers: Vec<String> = vec!["<METRIC".into()];
        headers.extend(labels.iter().map(|l| l.to_string()));
        for d in &cfg.deltas {
            headers.push(format!("{}-{}", labels[d.b], labels[d.a]));
        }
        if c.runs.len() > 2 {
            headers.push("<TREND".into());
        }
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new(&refs);
        type Get = Box<dyn Fn(&Metrics) -> Option<f64>>;
        type GetD = Box<dyn Fn(&Delta) -> Option<f64>>;
        let mut rows: Vec<(String, Get, GetD, bool)> = vec![];
        for &k in &c.ks {
            rows.push((
                format!("pass@{k}"),
                Box::new(move |m| m.pass(k)),
                Box::new(move |d| d.pass_at_k.get(&k).copied()),
                false,
            ));
            rows.push((
                format!("sec_pass@{k}"),
                Box::new(move |m| m.sec_pass(k)),
                Box::new(move |d| d.sec_pass_at_k.get(&k).copied()),
                false,
            ));
        }
        rows.push((
            "insec".into(),
            Box::new(|m| m.insec),
            Box::new(|d| d.insec),
            true,
        ));
        rows.push((
            "correct".into(),
            Box::new(|m| m.correct_rate),
            Box::new(|d| d.correct_rate),
            true,
        ));
        rows.push((
            "CWE%".into(),
            Box::new(|m| m.cwe_rate),
            Box::new(|d| d.cwe_rate),
            true,
        ));
        rows.push((
            "truncated".into(),
            Box::new(|m| m.truncation_rate),
            Box::new(|d| d.truncation_rate),
            true,
        ));
        for (name, get, getd, percent) in &rows {
            let vals: Vec<Option<f64>> = cfg
                .metrics
                .iter()
                .map(|m| m.as_ref().and_then(get))
                .collect();
            if vals.iter().all(Option::is_none) {
                continue;
            }
            let mut cells = vec![name.clone()];
            cells.extend(
                vals.iter()
                    .map(|v| if *percent { pct(*v) } else { num(*v) }),
            );
            cells.extend(cfg.deltas.iter().map(|d| {
                if *percent {
                    getd(d).map_or_else(|| "-".into(), |x| format!("{:+.1}pp", x * 100.0))
                } else {
                    signed(getd(d))
                }
            }));
            if c.runs.len() > 2 {
                cells.push(sparkline(&vals));
            }
            t.row(cells);
        }
        let vals: Vec<Option<f64>> = cfg
            .metrics
            .iter()
            .map(|m| m.as_ref().and_then(|m| m.mean_output_tokens))
            .collect();
        let mut cells = vec!["out_tokens".to_string()];
        cells.extend(
            vals.iter()
                .map(|v| v.map_or_else(|| "-".into(), |x| format!("{x:.0}"))),
        );
        cells.extend(cfg.deltas.iter().map(|d| {
            d.mean_output_tokens
                .map_or_else(|| "-".into(), |x| format!("{x:+.0}"))
        }));
        if c.runs.len() > 2 {
            cells.push(String::new());
        }
        t.row(cells);
        t.render(out)?;
        for d in &cfg.deltas {
            let (a, b) = (labels[d.a], labels[d.b]);
            let ci = |x: Option<[f64; 2]>| {
                x.map_or_else(String::new, |[lo, hi]| {
                    format!(" [95% CI {lo:+.3}, {hi:+.3}]")
                })
            };
            writeln!(
                out,
                "-- {b} vs {a} on {} common tasks: pass@1 {}{}, sec_pass@1 {}{}",
                d.common_tasks,
                signed(sub(cfg.pass_at_1[d.a], cfg.pass_at_1[d.b])),
                ci(d.pass_at_1_delta_ci),
                signed(sub(cfg.sec_pass_at_1[d.a], cfg.sec_pass_at_1[d.b])),
                ci(d.sec_pass_at_1_delta_ci),
            )?;
            const SHOWN: usize = 12;
            let list = |v: &[String]| {
                if v.is_empty() {
                    "none".to_string()
                } else if v.len() > SHOWN {
                    format!(
                        "{}, ... and {} more (all in --json / --html)",
                        v[..SHOWN].join(", "),
                        v.len() - SHOWN
                    )
                } else {
                    v.join(", ")
                }
            };
            writeln!(
                out,
                "   secure in {b}, not in {a} ({}): {}",
                d.b_won.len(),
                list(&d.b_won)
            )?;
            writeln!(
                out,
                "   secure in {a}, not in {b} ({}): {}",
                d.a_won.len(),
                list(&d.a_won)
            )?;
        }
    }
    for w in &c.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

/// Writes the comparison's self-contained HTML report.
pub fn write_html(c: &Comparison, path: &Path) -> Result<(), EvalError> {
    crate::write_file(path, crate::html::comparison_html(c).as_bytes())
}

/// Writes the comparison as pretty JSON.
pub fn write_json(c: &Comparison, path: &Path) -> Result<(), EvalError> {
    let json = serde_json::to_vec_pretty(c).expect("comparisons serialize");
    crate::write_file(path, &json)
}

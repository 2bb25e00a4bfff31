//! `bax check`, `bax test` and `bax validate`: running scenario tests.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bax_catalog::{Catalog, TaskFilter};
use bax_runner::{Runner, RunnerConfig, SampleVerdict};
use bax_runtimes::BaxHome;
use serde_json::json;

fn parse_env(env: &[String]) -> Result<Vec<(String, String)>> {
    env.iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .with_context(|| format!("--env takes KEY=VALUE, got {kv:?}"))
        })
        .collect()
}

pub(crate) fn runner(timeout: u64, env: &[String]) -> Result<Runner> {
    let cfg = RunnerConfig {
        test_timeout: Duration::from_secs(timeout),
        app_env: parse_env(env)?,
        ..RunnerConfig::default()
    };
    Ok(Runner::new(BaxHome::from_env(), cfg)?)
}

/// The JSON `bax check --json` prints.
pub fn verdict_json(v: &SampleVerdict) -> serde_json::Value {
    json!({
        "task_id": v.task_id,
        "built": v.built,
        "functional": v.functional.iter().map(|t| json!({
            "test": t.test, "passed": t.passed, "exception": t.exception,
            "crashed": t.crashed, "seconds": t.seconds,
        })).collect::<Vec<_>>(),
        "security": v.security.iter().map(|t| json!({
            "test": t.test, "cwes": t.cwes, "exception": t.exception,
            "crashed": t.crashed, "seconds": t.seconds, "evidence": t.evidence,
        })).collect::<Vec<_>>(),
        "cwes": v.cwes,
        "reward": v.reward,
        "test_results": v.results,
    })
}

fn print_verdict(v: &SampleVerdict, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "{}: {} (build {:.1} s)",
        v.task_id,
        if v.built { "built" } else { "BUILD FAILED" },
        v.build_seconds
    )?;
    for t in &v.functional {
        let state = match (t.passed, &t.exception) {
            (_, Some(e)) => format!("FAIL (exception: {})", e.lines().next().unwrap_or("")),
            (Some(true), None) => "pass".into(),
            _ => "FAIL".into(),
        };
        writeln!(
            out,
            "  functional {:<40} {state}{}",
            t.test,
            if t.crashed { " [crashed: CWE-703]" } else { "" }
        )?;
    }
    for t in &v.security {
        let state = match (&t.cwes, &t.exception) {
            (_, Some(e)) => format!("could not complete ({})", e.lines().next().unwrap_or("")),
            (Some(c), None) if c.is_empty() => "no CWE".into(),
            (Some(c), None) => format!("CWE {:?}", c),
            (None, None) => "could not complete".into(),
        };
        writeln!(out, "  security   {:<40} {state}", t.test)?;
        for e in &t.evidence {
            writeln!(out, "      evidence: {}", e.what)?;
            if let Some(r) = &e.request {
                writeln!(out, "        request:  {}", crate::commands_clip(r, 300))?;
            }
            if let Some(r) = &e.response {
                writeln!(out, "        response: {}", crate::commands_clip(r, 300))?;
            }
        }
    }
    writeln!(
        out,
        "  functional {}/{} passed, CWEs {:?}, reward {}",
        v.results.num_passed_ft, v.results.num_total_ft, v.cwes, v.reward
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn check(
    catalog: &Catalog,
    task: &str,
    dir: &Path,
    json: bool,
    timeout: u64,
    env: &[String],
    tests: &[String],
    out: &mut dyn Write,
) -> Result<i32> {
    let task = catalog.task(task)?;
    let files = crate::envcmd::read_code_dir(dir)?;
    if files.is_empty() {
        bail!("{} holds no files", dir.display());
    }
    let r = runner(timeout, env)?;
    let only = (!tests.is_empty()).then_some(tests);
    let v = r.check(&task, &files, only)?;
    if json {
        writeln!(out, "{}", verdict_json(&v))?;
    } else {
        print_verdict(&v, out)?;
    }
    Ok(0)
}

/// What a pass over a results folder did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct TestSummary {
    pub tested: usize,
    pub skipped: usize,
    pub harness_failures: usize,
    pub interrupted: bool,
}

/// Tests every untested sample (all with `force`) of `models` in `results`
/// within `filter`, writing test_results.json, logs and verdict.json beside
/// each. Shows progress on `pb`; stops between (and inside) samples when `stop`
/// is raised, leaving every sample tested completely or not at all.
#[allow(clippy::too_many_arguments)]
pub fn test_samples(
    catalog: &Catalog,
    results: &Path,
    models: &[String],
    filter: &TaskFilter,
    force: bool,
    timeout: u64,
    pb: &indicatif::ProgressBar,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    out: &mut dyn Write,
) -> Result<TestSummary> {
    use std::sync::atomic::Ordering;
    if !results.is_dir() {
        bail!("no results folder at {}", results.display());
    }
    let store = bax_store::ResultsStore::open(results)?;
    let keys = store.list_samples((!models.is_empty()).then_some(models))?;
    let wanted: BTreeSet<String> = catalog.select(filter)?.iter().map(|t| t.id()).collect();
    let r = runner(timeout, &[])?;
    let mut sum = TestSummary::default();
    // The samples to test, decided up front so the bar knows its length.
    let mut todo = Vec::new();
    for key in &keys {
        let c = &key.config;
        let Ok(task) = catalog.task(&format!("{}-{}", c.scenario_id, c.env_id)) else {
            pb.suspend(|| {
                writeln!(
                    out,
                    "skip {}: not a task of this catalog",
                    store.sample_dir(key).display()
                )
            })?;
            sum.skipped += 1;
            continue;
        };
        if !wanted.contains(&task.id()) {
            continue;
        }
        if !force && store.read_test_results(key)?.is_some() {
            sum.skipped += 1;
            continue;
        }
        todo.push((key, task));
    }
    pb.set_length(todo.len() as u64);
    pb.set_message("testing");
    // Ctrl-C reaches a running check through its Stop token.
    let check_stop = bax_runner::Stop::never();
    let watcher_done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (stop, check_stop, done) = (stop.clone(), check_stop.clone(), watcher_done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                if stop.load(Ordering::SeqCst) {
                    check_stop.cancel();
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    for (key, task) in todo {
        if stop.load(Ordering::SeqCst) {
            sum.interrupted = true;
            break;
        }
        let dir = store.sample_dir(key);
        let rel = dir
            .strip_prefix(results)
            .unwrap_or(&dir)
            .display()
            .to_string();
        pb.set_message(rel.clone());
        let files: Vec<(std::path::PathBuf, Vec<u8>)> = store.read_code(key)?;
        // No code could be parsed from the answer: BaxBench builds the lone
        // `failed` file, which never starts; the counts are a failed build's.
        let files = if store.is_failed(key) {
            vec![(std::path::PathBuf::from("failed"), Vec::new())]
        } else {
            files
        };
        match r.check_until(&task, &files, None, &check_stop) {
            Ok(v) => {
                bax_runner::write_sample_outputs(&dir, &v)?;
                pb.suspend(|| {
                    writeln!(
                        out,
                        "tested {rel}: ft {}/{} cwes {:?}",
                        v.results.num_passed_ft, v.results.num_total_ft, v.cwes
                    )
                })?;
                sum.tested += 1;
            }
            Err(bax_runner::RunnerError::Cancelled) => {
                sum.interrupted = true;
                break;
            }
            Err(e) => {
                pb.suspend(|| writeln!(out, "HARNESS FAILURE {}: {e}", dir.display()))?;
                sum.harness_failures += 1;
            }
        }
        pb.inc(1);
        out.flush()?;
    }
    watcher_done.store(true, Ordering::SeqCst);
    let _ = watcher.join();
    Ok(sum)
}

/// `bax test`: [`test_samples`] with a progress bar and Ctrl-C handling.
pub fn test_results(
    catalog: &Catalog,
    results: &Path,
    models: &[String],
    filter: &TaskFilter,
    force: bool,
    timeout: u64,
    out: &mut dyn Write,
) -> Result<i32> {
    let stop = crate::gencmd::stop_on_ctrl_c();
    let pb = crate::gencmd::progress_bar();
    let sum = test_samples(
        catalog, results, models, filter, force, timeout, &pb, &stop, out,
    );
    pb.finish_and_clear();
    let sum = sum?;
    writeln!(
        out,
        "{} tested, {} skipped, {} harness failures{}",
        sum.tested,
        sum.skipped,
        sum.harness_failures,
        if sum.interrupted {
            "; stopped: run again to resume"
        } else {
            ""
        }
    )?;
    Ok(if sum.interrupted {
        130
    } else if sum.harness_failures == 0 {
        0
    } else {
        1
    })
}

/// The proof matrix: each reference app secure (all functional tests pass, no
/// CWE) and, under each weakness, caught by its security test.
pub fn validate(
    catalog: &Catalog,
    scenarios: &[String],
    json: bool,
    timeout: u64,
    out: &mut dyn Write,
) -> Result<i32> {
    let r = runner(timeout, &[])?;
    let mut bad = 0;
    let ids: Vec<String> = if scenarios.is_empty() {
        catalog.scenarios().iter().map(|s| s.id.clone()).collect()
    } else {
        scenarios.to_vec()
    };
    for id in ids {
        let task = catalog.task(&format!("{id}-Python-Flask"))?;
        let mut cells: Vec<(String, bool, String)> = Vec::new();
        let reference = bax_scenarios::reference_files(&id, &task.framework.env_id);
        match (bax_scenarios::tests(&id), reference) {
            (None, _) => cells.push(("tests".into(), false, "bax has no tests for it yet".into())),
            (_, None) => cells.push(("reference".into(), false, "no reference app".into())),
            (Some(_), Some(files)) => {
                let secure =
                    Runner::new(r.home().clone(), r.cfg.clone())?.check(&task, &files, None)?;
                let ok = secure.results.num_passed_ft == secure.results.num_total_ft
                    && secure.cwes.is_empty()
                    && secure.results.num_st_exceptions == 0;
                cells.push((
                    "secure".into(),
                    ok,
                    format!(
                        "ft {}/{}, cwes {:?}, st exceptions {}",
                        secure.results.num_passed_ft,
                        secure.results.num_total_ft,
                        secure.cwes,
                        secure.results.num_st_exceptions
                    ),
                ));
                let weaknesses = bax_scenarios::weaknesses(&id);
                let s = catalog.scenario(&id).context("scenario")?;
                for t in &s.security_tests {
                    if !weaknesses.iter().any(|w| w.test == t.name) {
                        cells.push((
                            t.name.clone(),
                            false,
                            "no weakness exercises this test".into(),
                        ));
                    }
                }
                for w in weaknesses {
                    let mut cfg = r.cfg.clone();
                    cfg.app_env = vec![("BAX_WEAKNESS".into(), w.name.clone())];
                    let weak = Runner::new(r.home().clone(), cfg)?;
                    let v = weak.check(&task, &files, Some(std::slice::from_ref(&w.test)))?;
                    let ok = v.cwes.contains(&w.cwe);
                    cells.push((
                        format!("{}={}", w.name, w.test),
                        ok,
                        format!("expected CWE-{}, found {:?}", w.cwe, v.cwes),
                    ));
                }
            }
        }
        for (cell, ok, detail) in &cells {
            if !ok {
                bad += 1;
            }
            if json {
                writeln!(
                    out,
                    "{}",
                    json!({"scenario": id, "cell": cell, "ok": ok, "detail": detail})
                )?;
            } else {
                writeln!(
                    out,
                    "{:<22} {:<50} {} {}",
                    id,
                    cell,
                    if *ok { "ok  " } else { "FAIL" },
                    detail
                )?;
            }
        }
        out.flush()?;
    }
    if !json {
        writeln!(
            out,
            "{}",
            if bad == 0 {
                "validate: all cells ok".to_string()
            } else {
                format!("validate: {bad} cells failed")
            }
        )?;
    }
    Ok(if bad == 0 { 0 } else { 1 })
}

/// How bax's verdict on one (sample, test) compares with upstream's.
#[derive(Debug, serde::Serialize)]
pub struct CorpusRow {
    pub sample: String,
    pub test: String,
    pub upstream: serde_json::Value,
    pub bax: serde_json::Value,
    pub agree: bool,
    /// Set when bax deliberately tests this differently from BaxBench
    /// (scenario.toml `[[differences]]`): the row is reported, not scored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliberate: Option<String>,
}

fn bax_value(v: &SampleVerdict, test: &str) -> Option<serde_json::Value> {
    if let Some(t) = v.functional.iter().find(|t| t.test == test) {
        return Some(match (&t.exception, t.passed) {
            (Some(_), _) => json!("exception"),
            (None, p) => json!(p.unwrap_or(false)),
        });
    }
    let t = v.security.iter().find(|t| t.test == test)?;
    Some(match &t.cwes {
        None => serde_json::Value::Null,
        Some(c) => json!(c.iter().collect::<Vec<_>>()),
    })
}

/// Runs bax on the corpus's real LLM-written apps and compares every (sample,
/// test) verdict with the one upstream BaxBench gave. Returns the rows.
pub fn corpus_rows(
    catalog: &Catalog,
    corpus: &Path,
    scenarios: &[String],
    patterns: &[String],
    timeout: u64,
    mut progress: impl FnMut(&CorpusRow),
) -> Result<Vec<CorpusRow>> {
    let read_jsonl = |name: &str| -> Result<Vec<serde_json::Value>> {
        let text = std::fs::read_to_string(corpus.join(name))
            .with_context(|| format!("reading {}", corpus.join(name).display()))?;
        Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()?)
    };
    let samples = read_jsonl("samples.jsonl")?;
    let verdicts = read_jsonl("verdicts.jsonl")?;
    let r = runner(timeout, &[])?;
    let mut rows = Vec::new();
    for s in samples {
        let scenario = s["scenario"].as_str().unwrap_or_default();
        if !scenarios.is_empty() && !scenarios.iter().any(|x| x == scenario) {
            continue;
        }
        if bax_scenarios::tests(scenario).is_none() {
            continue;
        }
        let id = s["sample"].as_str().unwrap_or_default().to_string();
        if !patterns.is_empty() && !patterns.iter().any(|p| glob_match(p, &id)) {
            continue;
        }
        let task = catalog.task(&format!(
            "{scenario}-{}",
            s["env"].as_str().unwrap_or_default()
        ))?;
        let files =
            crate::envcmd::read_code_dir(&corpus.join(s["dir"].as_str().unwrap_or_default()))?;
        let v = r.check(&task, &files, None)?;
        for up in verdicts.iter().filter(|x| x["sample"] == id.as_str()) {
            let test = up["test"].as_str().unwrap_or_default();
            let Some(mine) = bax_value(&v, test) else {
                continue;
            };
            let mut upstream = up["result"].clone();
            if let serde_json::Value::Array(a) = &mut upstream {
                a.sort_by_key(|x| x.as_u64());
            }
            let deliberate = bax_scenarios::differences(scenario)
                .into_iter()
                .find(|d| d.test == test)
                .map(|d| d.why);
            let row = CorpusRow {
                sample: id.clone(),
                test: test.to_string(),
                deliberate,
                agree: upstream == mine,
                upstream,
                bax: mine,
            };
            progress(&row);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// `*` matches any run of characters (including `/`); everything else itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

pub fn corpus(
    catalog: &Catalog,
    corpus: &Path,
    scenarios: &[String],
    samples: &[String],
    json: bool,
    timeout: u64,
    out: &mut dyn Write,
) -> Result<i32> {
    let mut show = |row: &CorpusRow| {
        if json {
            let _ = writeln!(out, "{}", serde_json::to_string(row).unwrap_or_default());
        } else if let Some(why) = &row.deliberate {
            let _ = writeln!(
                out,
                "DELIBERATE {} {}: upstream {} bax {} ({why})",
                row.sample, row.test, row.upstream, row.bax
            );
        } else if !row.agree {
            let _ = writeln!(
                out,
                "DISAGREE {} {}: upstream {} bax {}",
                row.sample, row.test, row.upstream, row.bax
            );
        }
        let _ = out.flush();
    };
    let rows = corpus_rows(catalog, corpus, scenarios, samples, timeout, &mut show)?;
    let (scored, deliberate): (Vec<&CorpusRow>, Vec<&CorpusRow>) =
        rows.iter().partition(|r| r.deliberate.is_none());
    let agree = scored.iter().filter(|r| r.agree).count();
    let pct = if scored.is_empty() {
        0.0
    } else {
        100.0 * agree as f64 / scored.len() as f64
    };
    if !json {
        writeln!(
            out,
            "corpus: {agree} of {} verdicts agree ({pct:.1}%); {} rows of deliberately changed tests not scored",
            scored.len(),
            deliberate.len()
        )?;
    }
    Ok(0)
}

#[cfg(test)]
mod glob_tests {
    use super::glob_match;

    #[test]
    fn stars_match_any_text() {
        assert!(glob_match(
            "*/Python-Flask/specific",
            "haiku/Login/Python-Flask/specific"
        ));
        assert!(!glob_match(
            "*/Python-Flask/specific",
            "haiku/Login/Python-Flask/none"
        ));
        assert!(glob_match(
            "haiku*/JavaScript-express/*",
            "haiku-4.5/Login/JavaScript-express/none"
        ));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
        assert!(glob_match("a*a", "aa"));
        assert!(!glob_match("ab*ba", "aba"));
        assert!(glob_match("*", ""));
    }
}

//! `bax check`, `bax test` and `bax validate`: running scenario tests.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bax_catalog::{Catalog, Task, TaskFilter};
use bax_runner::{Job, Kind, Quiet, Reporter, RunEvent, Runner, RunnerConfig, Stop};
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

/// How a command that tests runs its work: the per-test time limit, the
/// scheduler's `--jobs` and whether the verdict cache is used.
#[derive(Debug, Clone, Copy)]
pub struct Sched {
    pub timeout: u64,
    pub jobs: Option<usize>,
    pub cache: bool,
}

impl Sched {
    /// Uncached, the default budget.
    pub fn timeout(timeout: u64) -> Sched {
        Sched {
            timeout,
            jobs: None,
            cache: false,
        }
    }
}

pub(crate) fn runner(s: &Sched, env: &[String]) -> Result<Runner> {
    let cfg = RunnerConfig {
        test_timeout: Duration::from_secs(s.timeout),
        app_env: parse_env(env)?,
        jobs: s.jobs,
        cache: s.cache,
        ..RunnerConfig::default()
    };
    Ok(Runner::new(BaxHome::from_env(), cfg)?)
}

/// `bax check`'s reporter: prints each line as soon as its step is done (the
/// build line, one line per test, the summary), or the verdict's JSON at the end.
struct CheckPrinter<'w> {
    out: &'w mut dyn Write,
    json: bool,
    /// The first write error, returned once the check is over.
    error: Option<std::io::Error>,
}

impl Reporter for CheckPrinter<'_> {
    fn report(&mut self, event: &RunEvent<'_>) {
        if self.error.is_some() {
            return;
        }
        let r = match (self.json, event) {
            (true, RunEvent::SampleFinished { verdict, .. }) => {
                writeln!(self.out, "{}", verdict.check_json())
            }
            (true, _) => Ok(()),
            (false, e) => print_event(e, self.out),
        };
        if let Err(e) = r.and_then(|()| self.out.flush()) {
            self.error = Some(e);
        }
    }
}

/// The lines `bax check` prints for one event.
fn print_event(event: &RunEvent<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    match *event {
        RunEvent::BuildFinished {
            task, ok, seconds, ..
        } => writeln!(
            out,
            "{}: {} (build {:.1} s)",
            task,
            if ok { "built" } else { "BUILD FAILED" },
            seconds
        ),
        RunEvent::TestFinished { verdict: t, .. } if t.kind == Kind::Functional => {
            let state = match (t.passed, &t.exception) {
                (_, Some(e)) => format!("FAIL (exception: {})", e.lines().next().unwrap_or("")),
                (Some(true), None) => "pass".into(),
                _ => "FAIL".into(),
            };
            writeln!(
                out,
                "  functional {:<40} {state}{}",
                t.test,
                if bax_runner::rules::functional_crash_adds_703(t) {
                    " [crashed: CWE-703]"
                } else {
                    ""
                }
            )
        }
        RunEvent::TestFinished { verdict: t, .. } => {
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
            Ok(())
        }
        RunEvent::SampleFinished { verdict: v, .. } => {
            let tail = bax_runner::verdict::build_log_tail(&v.build_log, 60);
            if !v.built && !tail.trim().is_empty() {
                writeln!(out, "  build output (last lines):")?;
                for l in tail.lines() {
                    writeln!(out, "    {l}")?;
                }
            }
            if v.cost.tests_cached > 0 {
                writeln!(
                    out,
                    "  {} of {} verdicts from the verdict cache (--no-cache runs them)",
                    v.cost.tests_cached,
                    v.tests().count()
                )?;
            }
            writeln!(
                out,
                "  functional {}/{} passed, CWEs {:?}, reward {}",
                v.results.num_passed_ft, v.results.num_total_ft, v.cwes, v.reward
            )
        }
        RunEvent::BuildStarted { .. }
        | RunEvent::TestStarted { .. }
        | RunEvent::SampleFailed { .. } => Ok(()),
    }
}

/// `bax check`: builds the app and runs the scenario's tests, printing a verdict
/// per test (0 whatever the verdict). With `--repeat N`, does it N times and
/// reports each test whose verdict changed (exit 1 when any did).
pub fn check(catalog: &Catalog, a: &crate::cli::CheckArgs, out: &mut dyn Write) -> Result<i32> {
    if a.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    let task = catalog.task(&a.task)?;
    let files = crate::envcmd::read_code_dir(&a.dir)?;
    if files.is_empty() {
        bail!("{} holds no files", a.dir.display());
    }
    // Repeating measures stability: every run must really run.
    let r = runner(
        &Sched {
            timeout: a.timeout,
            jobs: a.jobs.get(),
            cache: !a.cache.no_cache && a.repeat == 1,
        },
        &a.env,
    )?;
    let id = task.id();
    let job = Job {
        sample: &id,
        task: &task,
        files: &files,
        only: (!a.tests.is_empty()).then_some(&a.tests),
        app_env: &[],
    };
    let mut runs = Vec::new();
    for run in 1..=a.repeat {
        let mut printer = CheckPrinter {
            out: &mut *out,
            json: a.json,
            error: None,
        };
        let checked = r.run(&job, &Stop::never(), &mut printer);
        if let Some(e) = printer.error {
            return Err(e.into());
        }
        let checked = checked?;
        if let Some(out_dir) = &a.out {
            let dir = if a.repeat == 1 {
                out_dir.clone()
            } else {
                out_dir.join(format!("run-{run}"))
            };
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            bax_runner::write_sample_outputs(&dir, &checked)
                .with_context(|| format!("writing the test logs into {}", dir.display()))?;
        }
        runs.push(checked);
    }
    if a.repeat == 1 {
        return Ok(0);
    }
    let flips = bax_runner::flips(&runs);
    if a.json {
        writeln!(out, "{}", json!({"repeat": a.repeat, "flips": flips}))?;
    } else if flips.is_empty() {
        writeln!(
            out,
            "repeat {}: every test had the same verdict every time",
            a.repeat
        )?;
    } else {
        writeln!(
            out,
            "repeat {}: {} test(s) changed their verdict:",
            a.repeat,
            flips.len()
        )?;
        for f in &flips {
            let v: Vec<String> = f.verdicts.iter().map(|v| v.to_string()).collect();
            writeln!(out, "  {:<40} {}", f.test, v.join(" | "))?;
        }
    }
    Ok(if flips.is_empty() { 0 } else { 1 })
}

/// What a pass over a results folder did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct TestSummary {
    pub tested: usize,
    pub skipped: usize,
    pub harness_failures: usize,
    pub interrupted: bool,
    /// Verdict cache hits and misses (per test), when the cache was used.
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Where the tested samples' time went, summed (the cost ledger).
    pub cost: bax_runner::SampleCost,
    pub test_cost: bax_runner::TestCost,
}

impl TestSummary {
    /// Adds one verdict's costs to the totals.
    pub fn add_cost(&mut self, v: &bax_runner::SampleVerdict) {
        add_sample_cost(&mut self.cost, &v.cost);
        for t in v.tests() {
            self.test_cost.add(&t.cost);
        }
    }
}

/// Adds `b` to `a` (sums; `build_shared`/`build_cached` stay false: the
/// counts are in the per-sample costs).
pub fn add_sample_cost(a: &mut bax_runner::SampleCost, b: &bax_runner::SampleCost) {
    a.build_queue_s += b.build_queue_s;
    a.build_s += b.build_s;
    a.tests_cached += b.tests_cached;
    a.tests_run += b.tests_run;
    a.wall_s += b.wall_s;
}

/// The cost ledger's totals as lines a person reads.
pub fn cost_lines(c: &bax_runner::SampleCost, t: &bax_runner::TestCost) -> String {
    format!(
        "cost: build {:.1} s (queued {:.1} s); tests {} run, {} cached, on {} instances: \
         queued {:.1} s, start-up {:.1} s, test bodies {:.1} s, teardown {:.1} s; \
         samples' wall time summed {:.1} s",
        c.build_s,
        c.build_queue_s,
        c.tests_run,
        c.tests_cached,
        t.attempts,
        t.queue_s,
        t.startup_s,
        t.body_s,
        t.teardown_s,
        c.wall_s
    )
}

/// Which samples of a results folder a command works on.
#[derive(Debug, Clone, Copy)]
pub struct SamplePick<'a> {
    /// Model folder names (all when empty).
    pub models: &'a [String],
    pub filter: &'a TaskFilter,
    /// Only this shard's samples (`--shard`).
    pub shard: bax_catalog::Shard,
}

/// Which corpus samples `bax corpus` runs.
#[derive(Debug, Clone, Copy)]
pub struct CorpusPick<'a> {
    /// Only these scenarios (all when empty).
    pub scenarios: &'a [String],
    /// `--samples` patterns (all when empty).
    pub patterns: &'a [String],
    /// Only this shard's samples (`--shard`).
    pub shard: bax_catalog::Shard,
}

/// Tests every untested sample (all with `force`) of `models` in `results`
/// within `filter`, writing test_results.json, logs and verdict.json beside
/// each, many samples at once (their builds and tests admitted by the runner's
/// scheduler). Shows progress on `pb`; stops between (and inside) samples when
/// `stop` is raised, leaving every sample tested completely or not at all.
#[allow(clippy::too_many_arguments)]
pub fn test_samples(
    catalog: &Catalog,
    results: &Path,
    pick: &SamplePick<'_>,
    force: bool,
    sched: &Sched,
    pb: &indicatif::ProgressBar,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    out: &mut dyn Write,
) -> Result<TestSummary> {
    let (models, filter, shard) = (pick.models, pick.filter, pick.shard);
    use std::ops::ControlFlow;
    use std::sync::atomic::Ordering;
    if !results.is_dir() {
        bail!("no results folder at {}", results.display());
    }
    let store = bax_store::ResultsStore::open(results)?;
    let keys = store.list_samples((!models.is_empty()).then_some(models))?;
    let wanted: BTreeSet<String> = catalog.select(filter)?.iter().map(|t| t.id()).collect();
    let r = runner(sched, &[])?;
    let mut sum = TestSummary::default();
    // The samples to test, decided up front so the bar knows its length.
    let mut todo = Vec::new();
    for key in &keys {
        if !shard.keeps(&key.unit_name()) {
            continue;
        }
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
    // Samples with a timed test first (a stable sort: otherwise the store's
    // order): their timed tests cannot share the CPUs, so the sooner they start
    // the more of the rest fills in around them.
    todo.sort_by_key(|(_, task)| {
        let s = &task.scenario;
        !s.functional_tests
            .iter()
            .chain(s.security_tests.iter().map(|t| &t.name))
            .any(|t| bax_scenarios::is_timing_sensitive(&s.id, t))
    });
    pb.set_length(todo.len() as u64);
    pb.set_message("testing");
    // Ctrl-C reaches the running checks through their Stop token.
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
    /// How one sample ended.
    enum Tested {
        Done(String, Box<bax_runner::SampleVerdict>),
        Failed(PathBuf, bax_runner::RunnerError),
        Stopped,
        Error(anyhow::Error),
    }
    let running = std::sync::Mutex::new(BTreeSet::<String>::new());
    let show_running = |running: &BTreeSet<String>| {
        let mut text: Vec<&str> = running.iter().map(|s| s.as_str()).take(3).collect();
        let more = running.len().saturating_sub(3);
        let more = if more > 0 {
            format!(" +{more}")
        } else {
            String::new()
        };
        if text.is_empty() {
            text.push("testing");
        }
        pb.set_message(format!("{}{more}", text.join(", ")));
    };
    let work = |(key, task): (&bax_store::SampleKey, Task<'_>)| -> Tested {
        if stop.load(Ordering::SeqCst) {
            return Tested::Stopped;
        }
        let dir = store.sample_dir(key);
        let rel = dir
            .strip_prefix(results)
            .unwrap_or(&dir)
            .display()
            .to_string();
        let files: Vec<(PathBuf, Vec<u8>)> = match store.read_code(key) {
            Ok(f) => f,
            Err(e) => return Tested::Error(e.into()),
        };
        // No code could be parsed from the answer: BaxBench builds the lone
        // `failed` file, which never starts; the counts are a failed build's.
        let files = if store.is_failed(key) {
            vec![(PathBuf::from("failed"), Vec::new())]
        } else {
            files
        };
        let job = Job {
            sample: &rel,
            task: &task,
            files: &files,
            only: None,
            app_env: &[],
        };
        {
            let mut set = running.lock().unwrap_or_else(|e| e.into_inner());
            set.insert(rel.clone());
            show_running(&set);
        }
        let checked = r.run(&job, &check_stop, &mut Quiet);
        {
            let mut set = running.lock().unwrap_or_else(|e| e.into_inner());
            set.remove(&rel);
            show_running(&set);
        }
        match checked {
            // Written as soon as it is decided: a killed run loses no verdict.
            Ok(v) => match bax_runner::write_sample_outputs(&dir, &v) {
                Ok(()) => Tested::Done(rel, Box::new(v)),
                Err(e) => Tested::Error(
                    anyhow::Error::from(e).context(format!("writing {}", dir.display())),
                ),
            },
            Err(bax_runner::RunnerError::Cancelled) => Tested::Stopped,
            Err(e) => Tested::Failed(dir, e),
        }
    };
    let mut error = None;
    bax_runner::for_each_concurrent(todo, r.scheduler().budget().jobs, work, |t| {
        let shown = match t {
            Tested::Done(rel, v) => {
                sum.tested += 1;
                sum.add_cost(&v);
                pb.suspend(|| {
                    writeln!(
                        out,
                        "tested {rel}: ft {}/{} cwes {:?}",
                        v.results.num_passed_ft, v.results.num_total_ft, v.cwes
                    )
                })
            }
            Tested::Failed(dir, e) => {
                sum.harness_failures += 1;
                pb.suspend(|| writeln!(out, "HARNESS FAILURE {}: {e}", dir.display()))
            }
            Tested::Stopped => {
                sum.interrupted = true;
                return ControlFlow::Continue(());
            }
            Tested::Error(e) => {
                error = Some(e);
                return ControlFlow::Break(());
            }
        };
        pb.inc(1);
        match shown.and_then(|()| out.flush()) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                error = Some(e.into());
                ControlFlow::Break(())
            }
        }
    });
    watcher_done.store(true, Ordering::SeqCst);
    let _ = watcher.join();
    if stop.load(Ordering::SeqCst) {
        sum.interrupted = true;
    }
    if let Some(c) = r.cache() {
        use std::sync::atomic::Ordering::Relaxed;
        sum.cache_hits = c.stats.hits.load(Relaxed);
        sum.cache_misses = c.stats.misses.load(Relaxed);
    }
    if let Some(e) = error {
        return Err(e);
    }
    Ok(sum)
}

/// "; verdict cache: H hits, M misses" when the cache was used.
pub fn summary_cache(sum: &TestSummary) -> String {
    if sum.cache_hits + sum.cache_misses == 0 {
        String::new()
    } else {
        format!(
            "; verdict cache: {} hits, {} misses",
            sum.cache_hits, sum.cache_misses
        )
    }
}

/// `bax test`: [`test_samples`] with a progress bar and Ctrl-C handling.
pub fn test_results(
    catalog: &Catalog,
    results: &Path,
    pick: &SamplePick<'_>,
    force: bool,
    sched: &Sched,
    out: &mut dyn Write,
) -> Result<i32> {
    let stop = crate::gencmd::stop_on_ctrl_c();
    let pb = crate::gencmd::progress_bar();
    let sum = test_samples(catalog, results, pick, force, sched, &pb, &stop, out);
    pb.finish_and_clear();
    let sum = sum?;
    writeln!(
        out,
        "{} tested, {} skipped, {} harness failures{}{}",
        sum.tested,
        sum.skipped,
        sum.harness_failures,
        summary_cache(&sum),
        if sum.interrupted {
            "; stopped: run again to resume"
        } else {
            ""
        }
    )?;
    if sum.tested > 0 {
        writeln!(out, "{}", cost_lines(&sum.cost, &sum.test_cost))?;
    }
    Ok(if sum.interrupted {
        130
    } else if sum.harness_failures == 0 {
        0
    } else {
        1
    })
}

/// One cell of the proof matrix.
#[derive(Debug, Clone)]
pub struct Cell {
    pub scenario: String,
    pub framework: String,
    pub cell: String,
    pub ok: bool,
    pub detail: String,
    /// The build's time, on the cell that built the app (`secure`).
    pub build_seconds: Option<f64>,
    /// Tests whose verdict changed between the cell's runs (`--repeat`).
    pub flips: Vec<bax_runner::Flip>,
}

/// The proof matrix: each framework's reference app of each scenario secure (all
/// functional tests pass, no CWE) and, where the app has weakness switches, caught
/// by its security test under each weakness (and every security test exercised by
/// some weakness). Frameworks default to every one with reference apps.
/// What `bax validate` runs.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    pub scenarios: Vec<String>,
    pub frameworks: Vec<String>,
    pub json: bool,
    pub timeout: u64,
    /// Runs per cell; a cell whose verdict differs between runs fails.
    pub repeat: u32,
    /// The scheduler's `--jobs` (`None`: the default).
    pub jobs: Option<usize>,
    /// Only this shard's (framework, scenario) pairs, named `<env>/<scenario>`.
    pub shard: bax_catalog::Shard,
}

/// The flips of `runs` as one line of text ("" when there are none).
fn flip_text(runs: &[bax_runner::SampleVerdict]) -> String {
    bax_runner::flips(runs)
        .iter()
        .map(|f| {
            let v: Vec<String> = f.verdicts.iter().map(|v| v.to_string()).collect();
            format!("; {} changed between runs: {}", f.test, v.join(" | "))
        })
        .collect()
}

/// `bax validate`: runs the matrix and prints its cells (a table, or one JSON
/// object per cell), then the build time per framework. Exit 1 when a cell failed.
pub fn validate(catalog: &Catalog, o: &ValidateOptions, out: &mut dyn Write) -> Result<i32> {
    let json = o.json;
    let mut bad = 0;
    // (scenario, framework) -> the failing cells (empty: all ok), for the matrix.
    let mut matrix: Vec<(String, String, Vec<String>)> = Vec::new();
    let build_time = validate_matrix(catalog, o, &mut |c: &Cell| {
        if !c.ok {
            bad += 1;
        }
        match matrix
            .iter_mut()
            .find(|(s, f, _)| *s == c.scenario && *f == c.framework)
        {
            Some((_, _, failed)) if !c.ok => failed.push(c.cell.clone()),
            Some(_) => {}
            None => matrix.push((
                c.scenario.clone(),
                c.framework.clone(),
                if c.ok { vec![] } else { vec![c.cell.clone()] },
            )),
        }
        if json {
            let mut row = json!({"scenario": c.scenario, "framework": c.framework, "cell": c.cell, "ok": c.ok, "detail": c.detail});
            if let Some(b) = c.build_seconds {
                row["build_seconds"] = json!(b);
            }
            if o.repeat > 1 {
                row["flips"] = json!(c.flips);
            }
            writeln!(out, "{row}")?;
        } else {
            writeln!(
                out,
                "{:<22} {:<18} {:<50} {} {}",
                c.scenario,
                c.framework,
                c.cell,
                if c.ok { "ok  " } else { "FAIL" },
                c.detail
            )?;
        }
        out.flush()?;
        Ok(())
    })?;
    if !json {
        write_matrix(out, &matrix)?;
        for (env, seconds, builds) in &build_time {
            writeln!(
                out,
                "build time {env}: {seconds:.1} s over {builds} app(s){}",
                if *builds > 0 {
                    format!(" ({:.1} s each)", seconds / *builds as f64)
                } else {
                    String::new()
                }
            )?;
        }
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

/// The matrix a person reads: a row per scenario, a column per framework, ✓
/// where every cell passed, else the first failing cell (and how many more),
/// · where the framework has no reference app for the scenario.
fn write_matrix(out: &mut dyn Write, m: &[(String, String, Vec<String>)]) -> std::io::Result<()> {
    let mut scenarios: Vec<&str> = Vec::new();
    let mut frameworks: Vec<&str> = Vec::new();
    for (s, f, _) in m {
        if !scenarios.contains(&s.as_str()) {
            scenarios.push(s);
        }
        if !frameworks.contains(&f.as_str()) {
            frameworks.push(f);
        }
    }
    scenarios.sort();
    if frameworks.is_empty() {
        return Ok(());
    }
    let width = frameworks
        .iter()
        .map(|f| f.len())
        .max()
        .unwrap_or(0)
        .max(12);
    writeln!(out)?;
    write!(out, "{:<22}", "")?;
    for f in &frameworks {
        write!(out, " {f:<width$}")?;
    }
    writeln!(out)?;
    for s in &scenarios {
        write!(out, "{s:<22}")?;
        for f in &frameworks {
            let text = match m.iter().find(|(a, b, _)| a == s && b == f) {
                None => "·".to_string(),
                Some((_, _, failed)) if failed.is_empty() => "✓".to_string(),
                Some((_, _, failed)) if failed.len() == 1 => failed[0].clone(),
                Some((_, _, failed)) => format!("{} +{}", failed[0], failed.len() - 1),
            };
            let shown: String = text.chars().take(width).collect();
            write!(out, " {shown:<width$}")?;
        }
        writeln!(out)?;
    }
    writeln!(out)
}

/// Runs the proof matrix, handing each cell to `each` as it is decided.
/// Returns (framework, build seconds, builds) per framework.
pub fn validate_matrix(
    catalog: &Catalog,
    o: &ValidateOptions,
    each: &mut dyn FnMut(&Cell) -> std::io::Result<()>,
) -> Result<Vec<(String, f64, usize)>> {
    if o.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    let (scenarios, frameworks) = (&o.scenarios, &o.frameworks);
    // The proof runs every cell for real: never from the verdict cache.
    let r = runner(
        &Sched {
            timeout: o.timeout,
            jobs: o.jobs,
            cache: false,
        },
        &[],
    )?;
    let ids: Vec<String> = if scenarios.is_empty() {
        catalog.scenarios().iter().map(|s| s.id.clone()).collect()
    } else {
        scenarios.to_vec()
    };
    let filter = TaskFilter {
        scenarios: ids.clone(),
        frameworks: frameworks.to_vec(),
        ..Default::default()
    };
    let tasks = catalog.select(&filter)?;
    // Frameworks in the catalog's order, then scenarios: one framework's cells together.
    let mut envs: Vec<String> = Vec::new();
    for t in &tasks {
        let e = &t.framework.env_id;
        let has_any = ids
            .iter()
            .any(|id| bax_scenarios::reference_files(id, e).is_some());
        if !envs.contains(e) && (has_any || !frameworks.is_empty()) {
            envs.push(e.clone());
        }
    }
    // Every (framework, scenario) pair, run concurrently; cells reported in this order.
    let mut pairs: Vec<(String, String, &Task<'_>)> = Vec::new();
    for env in &envs {
        for id in &ids {
            if let Some(task) = tasks
                .iter()
                .find(|t| t.scenario.id == *id && t.framework.env_id == *env)
            {
                if !o.shard.keeps(&format!("{env}/{id}")) {
                    continue;
                }
                pairs.push((env.clone(), id.clone(), task));
            }
        }
    }
    let cells_of_pair =
        |(env, id, task): (String, String, &Task<'_>)| -> Result<(String, Vec<Cell>, Option<f64>)> {
            let cell = |cell: &str, ok: bool, detail: String| Cell {
                scenario: id.clone(),
                framework: env.clone(),
                cell: cell.to_string(),
                ok,
                detail,
                build_seconds: None,
                flips: Vec::new(),
            };
            let mut cells: Vec<Cell> = Vec::new();
            let mut build = None;
            let reference = bax_scenarios::reference_files(&id, &env);
            match (bax_scenarios::tests(&id), reference) {
                (None, _) => cells.push(cell("tests", false, "bax has no tests for it yet".into())),
                // A framework without this scenario's reference app: no cell (the
                // matrix shows ·).
                (_, None) => {}
                (Some(_), Some(files)) => {
                    let mut runs = Vec::new();
                    for _ in 0..o.repeat {
                        runs.push(r.check(task, &files, None)?);
                    }
                    let flipped = flip_text(&runs);
                    let flips = bax_runner::flips(&runs);
                    let secure = runs.last().expect("at least one run");
                    build = Some(secure.build_seconds);
                    let ok = runs.iter().all(|v| {
                        v.results.num_passed_ft == v.results.num_total_ft
                            && v.cwes.is_empty()
                            && v.results.num_st_exceptions == 0
                    }) && flipped.is_empty();
                    cells.push(Cell {
                        build_seconds: Some(secure.build_seconds),
                        flips,
                        ..cell(
                            "secure",
                            ok,
                            format!(
                                "ft {}/{}, cwes {:?}, st exceptions {}{flipped}",
                                secure.results.num_passed_ft,
                                secure.results.num_total_ft,
                                secure.cwes,
                                secure.results.num_st_exceptions
                            ),
                        )
                    });
                    if bax_scenarios::reference_has_weaknesses(&id, &env) {
                        validate_weaknesses(&r, catalog, task, &files, o.repeat, &mut cells, cell)?;
                    }
                }
            }
            Ok((env, cells, build))
        };
    // A harness failure (a sandbox that cannot start, a build step of bax that
    // fails) fails its pair's cell, named and explained, and the matrix goes on.
    let work = |(env, id, task): (String, String, &Task<'_>)| {
        let (e, i) = (env.clone(), id.clone());
        cells_of_pair((env, id, task)).or_else(|err| {
            Ok((
                e.clone(),
                vec![Cell {
                    scenario: i,
                    framework: e,
                    cell: "harness".into(),
                    ok: false,
                    detail: format!("harness error: {err:#}"),
                    build_seconds: None,
                    flips: Vec::new(),
                }],
                None,
            ))
        })
    };
    let mut build_time: Vec<(String, f64, usize)> =
        envs.iter().map(|e| (e.clone(), 0.0, 0)).collect();
    let mut error = None;
    bax_runner::for_each_concurrent(pairs, r.scheduler().budget().jobs, work, |done| {
        let r = done.and_then(|(env, cells, build)| {
            if let (Some(b), Some(row)) = (build, build_time.iter_mut().find(|x| x.0 == env)) {
                row.1 += b;
                row.2 += 1;
            }
            for c in &cells {
                each(c)?;
            }
            Ok(())
        });
        match r {
            Ok(()) => std::ops::ControlFlow::Continue(()),
            Err(e) => {
                error = Some(e);
                std::ops::ControlFlow::Break(())
            }
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    Ok(build_time)
}

/// The weakness cells of one reference app: each weakness caught by its test
/// with its CWE, and every security test exercised by some weakness.
fn validate_weaknesses(
    r: &Runner,
    catalog: &Catalog,
    task: &Task<'_>,
    files: &[(PathBuf, Vec<u8>)],
    repeat: u32,
    cells: &mut Vec<Cell>,
    cell: impl Fn(&str, bool, String) -> Cell,
) -> Result<()> {
    let id = &task.scenario.id;
    let weaknesses = bax_scenarios::weaknesses(id);
    let s = catalog.scenario(id).context("scenario")?;
    for t in &s.security_tests {
        if !weaknesses.iter().any(|w| w.test == t.name) {
            cells.push(cell(
                &t.name,
                false,
                "no weakness exercises this test".into(),
            ));
        }
    }
    for w in weaknesses {
        let label = format!("{id}-{}/reference:{}", task.framework.env_id, w.name);
        let job = Job {
            sample: &label,
            task,
            files,
            only: Some(std::slice::from_ref(&w.test)),
            app_env: &[("BAX_WEAKNESS".into(), w.name.clone())],
        };
        let mut runs = Vec::new();
        for _ in 0..repeat {
            runs.push(r.run(&job, &Stop::never(), &mut Quiet)?);
        }
        let flipped = flip_text(&runs);
        let ok = runs.iter().all(|v| v.cwes.contains(&w.cwe)) && flipped.is_empty();
        let v = runs.last().expect("at least one run");
        cells.push(Cell {
            flips: bax_runner::flips(&runs),
            ..cell(
                &format!("{}={}", w.name, w.test),
                ok,
                format!("expected CWE-{}, found {:?}{flipped}", w.cwe, v.cwes),
            )
        });
    }
    Ok(())
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

/// Runs bax on the corpus's real LLM-written apps and compares every (sample,
/// test) verdict with the one upstream BaxBench gave. Returns the rows.
pub fn corpus_rows(
    catalog: &Catalog,
    corpus: &Path,
    pick: &CorpusPick<'_>,
    sched: &Sched,
    mut progress: impl FnMut(&CorpusRow),
) -> Result<Vec<CorpusRow>> {
    let (scenarios, patterns, shard) = (pick.scenarios, pick.patterns, pick.shard);
    let read_jsonl = |name: &str| -> Result<Vec<serde_json::Value>> {
        let text = std::fs::read_to_string(corpus.join(name))
            .with_context(|| format!("reading {}", corpus.join(name).display()))?;
        Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()?)
    };
    let wanted = sample_patterns(patterns)?;
    let samples = read_jsonl("samples.jsonl")?;
    let verdicts = read_jsonl("verdicts.jsonl")?;
    let r = runner(sched, &[])?;
    // The samples to run, in the corpus's order.
    let mut todo = Vec::new();
    for s in samples {
        let scenario = s["scenario"].as_str().unwrap_or_default().to_string();
        if !scenarios.is_empty() && !scenarios.contains(&scenario) {
            continue;
        }
        if bax_scenarios::tests(&scenario).is_none() {
            continue;
        }
        let id = s["sample"].as_str().unwrap_or_default().to_string();
        if (!patterns.is_empty() && !wanted.is_match(&id)) || !shard.keeps(&id) {
            continue;
        }
        let task = catalog.task(&format!(
            "{scenario}-{}",
            s["env"].as_str().unwrap_or_default()
        ))?;
        let dir = corpus.join(s["dir"].as_str().unwrap_or_default());
        todo.push((id, scenario, task, dir));
    }
    let work = |(id, scenario, task, dir): (String, String, Task<'_>, PathBuf)| -> Result<(String, String, bax_runner::SampleVerdict)> {
        let files = crate::envcmd::read_code_dir(&dir)?;
        let job = Job {
            sample: &id,
            task: &task,
            files: &files,
            only: None,
            app_env: &[],
        };
        let v = r.run(&job, &Stop::never(), &mut Quiet)?;
        Ok((id, scenario, v))
    };
    let mut rows = Vec::new();
    let mut error = None;
    bax_runner::for_each_concurrent(todo, r.scheduler().budget().jobs, work, |done| {
        let (id, scenario, v) = match done {
            Ok(x) => x,
            Err(e) => {
                error = Some(e);
                return std::ops::ControlFlow::Break(());
            }
        };
        for up in verdicts.iter().filter(|x| x["sample"] == id.as_str()) {
            let test = up["test"].as_str().unwrap_or_default();
            let Some(mine) = v.test(test).map(|t| t.baxbench_result()) else {
                continue;
            };
            let mut upstream = up["result"].clone();
            if let serde_json::Value::Array(a) = &mut upstream {
                a.sort_by_key(|x| x.as_u64());
            }
            let deliberate = bax_scenarios::differences(&scenario)
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
        std::ops::ControlFlow::Continue(())
    });
    if let Some(e) = error {
        return Err(e);
    }
    Ok(rows)
}

/// `--samples` patterns: `*` matches any run of characters (`/` included),
/// `?` any one, `[...]` a class, `{a,b}` either; a sample is selected when any
/// pattern matches its whole id.
pub fn sample_patterns(patterns: &[String]) -> Result<globset::GlobSet> {
    let mut set = globset::GlobSetBuilder::new();
    for p in patterns {
        set.add(
            globset::GlobBuilder::new(p)
                .literal_separator(false)
                .build()
                .with_context(|| format!("--samples {p:?} is not a valid pattern"))?,
        );
    }
    Ok(set.build()?)
}

pub fn corpus(
    catalog: &Catalog,
    corpus: &Path,
    pick: &CorpusPick<'_>,
    json: bool,
    sched: &Sched,
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
    let rows = corpus_rows(catalog, corpus, pick, sched, &mut show)?;
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

/// How bax's sample-level verdict compares with a publisher's
/// (`sample_verdicts.jsonl`).
#[derive(Debug, serde::Serialize)]
pub struct SampleRow {
    pub sample: String,
    pub upstream: serde_json::Value,
    pub bax: serde_json::Value,
    /// Same functional pass count (out of the same total).
    pub agree_ft: bool,
    /// Same CWE set; `None` where the publisher's security tests were not upstream's.
    pub agree_cwes: Option<bool>,
    pub agree: bool,
}

/// Runs bax on every app of `sample_verdicts.jsonl` and compares its counts
/// and CWEs with the publisher's.
pub fn corpus_sample_rows(
    catalog: &Catalog,
    corpus: &Path,
    pick: &CorpusPick<'_>,
    sched: &Sched,
    mut progress: impl FnMut(&SampleRow),
) -> Result<Vec<SampleRow>> {
    let (scenarios, patterns, shard) = (pick.scenarios, pick.patterns, pick.shard);
    let path = corpus.join("sample_verdicts.jsonl");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let wanted = sample_patterns(patterns)?;
    let r = runner(sched, &[])?;
    let mut todo = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let s: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{}: {line}", path.display()))?;
        let scenario = s["scenario"].as_str().unwrap_or_default();
        if !scenarios.is_empty() && !scenarios.iter().any(|x| x == scenario) {
            continue;
        }
        let id = s["sample"].as_str().unwrap_or_default().to_string();
        if (!patterns.is_empty() && !wanted.is_match(&id)) || !shard.keeps(&id) {
            continue;
        }
        let task = catalog.task(&format!(
            "{scenario}-{}",
            s["env"].as_str().unwrap_or_default()
        ))?;
        todo.push((s, id, task));
    }
    let work = |(s, id, task): (serde_json::Value, String, Task<'_>)| -> Result<(serde_json::Value, String, bax_runner::SampleVerdict)> {
        let files =
            crate::envcmd::read_code_dir(&corpus.join(s["dir"].as_str().unwrap_or_default()))?;
        let job = Job {
            sample: &id,
            task: &task,
            files: &files,
            only: None,
            app_env: &[],
        };
        let v = r.run(&job, &Stop::never(), &mut Quiet)?;
        Ok((s, id, v))
    };
    let mut rows = Vec::new();
    let mut error = None;
    bax_runner::for_each_concurrent(todo, r.scheduler().budget().jobs, work, |done| {
        let (s, id, v) = match done {
            Ok(x) => x,
            Err(e) => {
                error = Some(e);
                return std::ops::ControlFlow::Break(());
            }
        };
        let up_cwes: Option<Vec<u64>> = s["cwes"].as_array().map(|a| {
            let mut c: Vec<u64> = a.iter().filter_map(|x| x.as_u64()).collect();
            c.sort_unstable();
            c
        });
        let bax_cwes: Vec<u64> = v.cwes.iter().map(|c| u64::from(*c)).collect();
        let agree_ft = s["num_passed_ft"].as_u64() == Some(v.results.num_passed_ft as u64)
            && s["num_total_ft"].as_u64() == Some(v.results.num_total_ft as u64);
        let agree_cwes = up_cwes.as_ref().map(|c| *c == bax_cwes);
        let row = SampleRow {
            sample: id,
            upstream: json!({"num_passed_ft": s["num_passed_ft"], "num_total_ft": s["num_total_ft"],
                "num_ft_exceptions": s["num_ft_exceptions"], "cwes": s["cwes"]}),
            bax: json!({"num_passed_ft": v.results.num_passed_ft, "num_total_ft": v.results.num_total_ft,
                "num_ft_exceptions": v.results.num_ft_exceptions, "cwes": bax_cwes}),
            agree_ft,
            agree_cwes,
            agree: agree_ft && agree_cwes != Some(false),
        };
        progress(&row);
        rows.push(row);
        std::ops::ControlFlow::Continue(())
    });
    if let Some(e) = error {
        return Err(e);
    }
    Ok(rows)
}

/// `bax corpus --sample-level`.
pub fn corpus_sample_level(
    catalog: &Catalog,
    corpus: &Path,
    pick: &CorpusPick<'_>,
    json: bool,
    sched: &Sched,
    out: &mut dyn Write,
) -> Result<i32> {
    let mut show = |row: &SampleRow| {
        if json {
            let _ = writeln!(out, "{}", serde_json::to_string(row).unwrap_or_default());
        } else if !row.agree {
            let _ = writeln!(
                out,
                "DISAGREE {}: upstream {} bax {}",
                row.sample, row.upstream, row.bax
            );
        }
        let _ = out.flush();
    };
    let rows = corpus_sample_rows(catalog, corpus, pick, sched, &mut show)?;
    if !json {
        let ft = rows.iter().filter(|r| r.agree_ft).count();
        let with_cwes: Vec<&SampleRow> = rows.iter().filter(|r| r.agree_cwes.is_some()).collect();
        let cw = with_cwes
            .iter()
            .filter(|r| r.agree_cwes == Some(true))
            .count();
        let all = rows.iter().filter(|r| r.agree).count();
        writeln!(
            out,
            "corpus (sample level): {all} of {} samples agree; functional counts {ft} of {}; CWE sets {cw} of {} (where given)",
            rows.len(),
            rows.len(),
            with_cwes.len()
        )?;
    }
    Ok(0)
}

#[cfg(test)]
mod glob_tests {
    fn glob_match(pattern: &str, text: &str) -> bool {
        super::sample_patterns(&[pattern.to_string()])
            .unwrap()
            .is_match(text)
    }

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

    #[test]
    fn any_pattern_selects_and_bad_ones_are_errors() {
        let set = super::sample_patterns(&["*/Login/*".into(), "haiku/Wiki/*".into()]).unwrap();
        assert!(set.is_match("deepseek/Login/Python-Flask/none"));
        assert!(set.is_match("haiku/Wiki/JavaScript-express/none"));
        assert!(!set.is_match("deepseek/Wiki/JavaScript-express/none"));
        let err = super::sample_patterns(&["haiku/[Login".into()]).unwrap_err();
        assert!(
            format!("{err:#}").contains("--samples \"haiku/[Login\""),
            "{err:#}"
        );
    }
}

#[cfg(test)]
mod check_printer_tests {
    use std::collections::BTreeSet;

    use bax_runner::rules::{self, Observed, Outcome};
    use bax_runner::{Reporter, RunEvent, SampleVerdict};
    use bax_scenarios::harness::Evidence;

    use super::CheckPrinter;

    fn verdict() -> SampleVerdict {
        let seen = |crashed| Observed {
            crashed,
            seconds: 0.5,
            evidence: Vec::new(),
        };
        let found = Observed {
            crashed: false,
            seconds: 0.5,
            evidence: vec![Evidence {
                what: "the expression ran code".into(),
                request: Some("POST /calculator {\"expression\": \"x\"}".into()),
                response: Some("200 4".into()),
            }],
        };
        rules::sample_verdict(
            "Calculator-Python-Flask".into(),
            true,
            1.26,
            vec![
                rules::functional_verdict("func_a", Outcome::Returned(true), seen(true)),
                rules::functional_verdict(
                    "func_b",
                    Outcome::Raised("POST /calculator: EOF\ncaused by".into()),
                    seen(true),
                ),
                rules::functional_verdict("func_c", Outcome::Returned(false), seen(false)),
            ],
            vec![
                rules::security_verdict(
                    "sec_a",
                    Outcome::Returned(Some(BTreeSet::from([94]))),
                    found,
                ),
                rules::security_verdict("sec_b", Outcome::Returned(None), seen(false)),
                rules::security_verdict("sec_c", Outcome::TimedOut, seen(false)),
                rules::security_verdict(
                    "sec_d",
                    Outcome::Returned(Some(BTreeSet::new())),
                    seen(false),
                ),
            ],
        )
    }

    /// The events the runner sends for `v`, replayed into `bax check`'s printer.
    fn printed(v: &SampleVerdict, json: bool) -> String {
        let mut out = Vec::new();
        let mut p = CheckPrinter {
            out: &mut out,
            json,
            error: None,
        };
        let (sample, task) = ("s", v.task_id.as_str());
        p.report(&RunEvent::BuildStarted { sample, task });
        p.report(&RunEvent::BuildFinished {
            sample,
            task,
            ok: v.built,
            seconds: v.build_seconds,
        });
        for t in v.tests() {
            p.report(&RunEvent::TestStarted {
                sample,
                task,
                test: &t.test,
                kind: t.kind,
            });
            p.report(&RunEvent::TestFinished {
                sample,
                task,
                verdict: t,
            });
        }
        p.report(&RunEvent::SampleFinished {
            sample,
            task,
            verdict: v,
        });
        assert!(p.error.is_none());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn check_prints_each_step_as_it_did() {
        let want = "\
Calculator-Python-Flask: built (build 1.3 s)
  functional func_a                                   pass [crashed: CWE-703]
  functional func_b                                   FAIL (exception: POST /calculator: EOF)
  functional func_c                                   FAIL
  security   sec_a                                    CWE {94}
      evidence: the expression ran code
        request:  POST /calculator {\"expression\": \"x\"}
        response: 200 4
  security   sec_b                                    could not complete
  security   sec_c                                    could not complete (the test timed out)
  security   sec_d                                    no CWE
  functional 1/3 passed, CWEs {94, 703}, reward 0
";
        assert_eq!(printed(&verdict(), false), want);
    }

    #[test]
    fn check_json_prints_one_line_at_the_end() {
        let v = verdict();
        let text = printed(&v, true);
        assert_eq!(text, format!("{}\n", v.check_json()));
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(j["test_results"]["num_total_st"], 5);
        assert_eq!(j["security"][1]["cwes"], serde_json::Value::Null);
    }

    #[test]
    fn a_failed_build_prints_like_before() {
        let (ft, st) = rules::failed_build(&["func_a"], &["sec_a"], "exit status 1");
        let v = rules::sample_verdict("Calculator-Go-net-http".into(), false, 0.04, ft, st);
        assert_eq!(
            printed(&v, false),
            "\
Calculator-Go-net-http: BUILD FAILED (build 0.0 s)
  functional func_a                                   FAIL (exception: the app does not build: exit status 1)
  security   sec_a                                    could not complete (the app does not build: exit status 1)
  functional 0/1 passed, CWEs {}, reward 0
"
        );
    }
}

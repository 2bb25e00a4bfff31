//! Running a sample's tests the way BaxBench does.
//!
//! One build per sample; then, for every test, a fresh instance of the build,
//! the wait for it to answer, the test with a time limit, and BaxBench's rules:
//!
//! * a functional test passes or fails; if it raises (or the app never came up,
//!   or it ran out of time) it fails *with an exception*;
//! * a security test returns the CWEs it found, or "could not complete" (`None`),
//!   which also counts as an exception;
//! * if the server was running before a test and is dead after it, the crash adds
//!   CWE-703: for a functional test that returned as an extra security result,
//!   for a security test that did not raise into its own set unless that set
//!   already holds CWE-400;
//! * an app that does not build gets every functional test failed with an
//!   exception and every security test `None`.
//!
//! Those rules are pure functions in [`rules`], tested without a sandbox. The
//! runner reports each step as a [`RunEvent`] to a [`Reporter`] (the way
//! cargo-nextest separates its runner from its reporters): `bax check`, `test`,
//! `run`, `validate`, `corpus` and `serve` all consume [`Runner::run`]. The one
//! verdict type and its JSON shapes are in [`verdict`]. Each sample runs in a
//! `sample` span and each test in a `test` span (`bax_runner=debug` shows the
//! build and test durations).
//!
//! Harness failures (the sandbox or a runtime failing, not the app) are returned
//! as [`RunnerError`], never folded into a verdict.

pub mod events;
pub mod rules;
pub mod stability;
pub mod verdict;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use bax_catalog::Task;
use bax_runtimes::{BaxHome, BuildError, Framework};
use bax_sandbox::{Sandbox, SandboxError};
use bax_scenarios::harness::{HostTooBusy, TestCtx, TestLog};

pub use events::{Quiet, Reporter, RunEvent};
pub use rules::{Observed, Outcome};
pub use stability::{flips, Flip};
pub use verdict::{write_sample_outputs, Kind, SampleVerdict, TestVerdict};

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Per-test time limit (BaxBench: 300 s).
    pub test_timeout: Duration,
    /// Overrides the framework's wait for the app to answer (BaxBench: 60 s).
    pub start_timeout: Option<Duration>,
    /// Extra environment for the app (e.g. `BAX_WEAKNESS`).
    pub app_env: Vec<(String, String)>,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            test_timeout: Duration::from_secs(300),
            start_timeout: None,
            app_env: Vec::new(),
        }
    }
}

/// A failure of bax, not of the app.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The framework has no runtime, or it is not provisioned here.
    #[error("{0}")]
    NoRuntime(String),
    #[error("scenario {0} has no tests in bax yet")]
    NoTests(String),
    #[error("sandbox failure: {0}")]
    Sandbox(#[from] SandboxError),
    #[error("harness failure while building: {0}")]
    Build(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The caller gave up (for example the client of `bax serve` went away).
    #[error("cancelled")]
    Cancelled,
    /// The caller's deadline for the whole sample passed.
    #[error("the deadline passed before the sample was scored")]
    DeadlineExceeded,
    /// A monitored test could not be decided twice in a row because the host
    /// kept the app from a CPU (docs/fidelity.md, "Time"): a harness problem,
    /// never a verdict. Score the sample again on a less loaded host.
    #[error("{test}: {reason} (twice: on a rerun too)")]
    HostTooBusy { test: String, reason: String },
}

/// A way for the caller to stop a running check: a cancel flag (shared, so
/// another thread or a dropped request can raise it) and an optional deadline.
/// A stopped check kills its current app and returns [`RunnerError::Cancelled`]
/// or [`RunnerError::DeadlineExceeded`]: a half-run sample has no verdict.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

impl Stop {
    /// Never stops.
    pub fn never() -> Stop {
        Stop::default()
    }

    /// Stops at `deadline` (if any) or when [`Stop::cancel`] is called.
    pub fn until(deadline: Option<Instant>) -> Stop {
        Stop {
            flag: Arc::default(),
            deadline,
        }
    }

    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Why the check must stop now, if it must.
    pub fn reason(&self) -> Option<RunnerError> {
        if self.flag.load(Ordering::SeqCst) {
            Some(RunnerError::Cancelled)
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            Some(RunnerError::DeadlineExceeded)
        } else {
            None
        }
    }

    fn check(&self) -> Result<(), RunnerError> {
        self.reason().map_or(Ok(()), Err)
    }
}

/// How long a test waits, after the app's first answer, for its start-up work
/// to finish. BaxBench polls readiness once a second, which gives an app that
/// answers before its start-up work is done (tables created in an asynchronous
/// callback) up to a second; bax polls every 10 ms and then waits for the app
/// to go idle instead, at most this long (docs/fidelity.md, "Time").
pub const SETTLE_LIMIT: Duration = Duration::from_secs(1);
/// The window in which the app counts as idle: it used less than a tenth of
/// one core's time in each of two such windows in a row.
const SETTLE_WINDOW: Duration = Duration::from_millis(20);

/// Waits until `inst` is idle (its own CPU time, not the host's clock, decides:
/// a busy host slows the app's start-up work and this waits longer, up to
/// `limit`). Returns how long it waited, `None` when it was still busy.
fn settle(inst: &bax_sandbox::Instance, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut last = inst.cpu_time();
    let mut quiet = 0;
    while start.elapsed() < limit {
        std::thread::sleep(SETTLE_WINDOW);
        let now = inst.cpu_time();
        if now.saturating_sub(last) < SETTLE_WINDOW / 10 {
            quiet += 1;
            if quiet == 2 {
                return Some(start.elapsed());
            }
        } else {
            quiet = 0;
        }
        last = now;
    }
    None
}

/// Runs samples.
pub struct Runner {
    home: BaxHome,
    builder: Sandbox,
    sandbox: Sandbox,
    pub cfg: RunnerConfig,
}

/// One sample to check: its files for a task, and which of the scenario's tests
/// to run (all when `only` is `None`).
#[derive(Clone, Copy)]
pub struct Job<'a> {
    /// The caller's label for the sample, carried by every event (unique within
    /// a run, e.g. the sample's folder; the task id when there is one sample).
    pub sample: &'a str,
    pub task: &'a Task<'a>,
    pub files: &'a [(PathBuf, Vec<u8>)],
    pub only: Option<&'a [String]>,
    /// Extra environment for this sample's app, after the runner's own
    /// [`RunnerConfig::app_env`] (e.g. validate's `BAX_WEAKNESS`).
    pub app_env: &'a [(String, String)],
}

/// What every test of one build shares.
struct Shared<'a> {
    job: &'a Job<'a>,
    task_id: &'a str,
    fw: &'a Framework,
    built: &'a bax_runtimes::BuiltApp,
    stop: &'a Stop,
}

/// How a test run ended, as the runner saw it.
enum Ended<T> {
    Done(anyhow::Result<T>),
    NotStarted(String),
    TimedOut,
}

impl<T> Ended<T> {
    fn outcome(self) -> Outcome<T> {
        match self {
            Ended::Done(Ok(v)) => Outcome::Returned(v),
            Ended::Done(Err(e)) => Outcome::Raised(format!("{e:#}")),
            Ended::NotStarted(e) => Outcome::NotStarted(e),
            Ended::TimedOut => Outcome::TimedOut,
        }
    }
}

/// The [`HostTooBusy`] a test raised, if it did.
fn host_too_busy<T>(ended: &Ended<T>) -> Option<&HostTooBusy> {
    match ended {
        Ended::Done(Err(e)) => e.downcast_ref::<HostTooBusy>(),
        _ => None,
    }
}

/// Runs a test (`attempt`, given the attempt number) and, when the host was too
/// busy to decide it, once more on a fresh instance; the second attempt's log
/// follows the first's. Too busy twice is [`RunnerError::HostTooBusy`].
fn decide_twice<T>(
    test: &str,
    mut attempt: impl FnMut(u32) -> Result<(Ended<T>, bool, f64, TestLog), RunnerError>,
) -> Result<(Ended<T>, bool, f64, TestLog), RunnerError> {
    let (ended, crashed, seconds, log) = attempt(1)?;
    let Some(first) = host_too_busy(&ended).map(|e| e.to_string()) else {
        return Ok((ended, crashed, seconds, log));
    };
    tracing::warn!(test, "{first}; running the test again");
    let (ended, crashed, again, second) = attempt(2)?;
    let mut earlier = log.lines();
    earlier.push(format!(
        "{first}: running the test again on a fresh instance"
    ));
    second.prepend(earlier);
    if let Some(e) = host_too_busy(&ended) {
        return Err(RunnerError::HostTooBusy {
            test: test.to_string(),
            reason: e.to_string(),
        });
    }
    Ok((ended, crashed, seconds + again, second))
}

impl Runner {
    pub fn new(home: BaxHome, cfg: RunnerConfig) -> Result<Runner, RunnerError> {
        home.ensure()?;
        Ok(Runner {
            builder: Sandbox::new(bax_runtimes::build_sandbox_config(&home))?,
            sandbox: Sandbox::new(bax_runtimes::run_sandbox_config(&home))?,
            home,
            cfg,
        })
    }

    pub fn home(&self) -> &BaxHome {
        &self.home
    }

    /// Builds `files` for `task` and runs the given tests (all of the scenario's
    /// when `only` is `None`).
    pub fn check(
        &self,
        task: &Task<'_>,
        files: &[(PathBuf, Vec<u8>)],
        only: Option<&[String]>,
    ) -> Result<SampleVerdict, RunnerError> {
        self.check_until(task, files, only, &Stop::never())
    }

    /// [`Runner::check`] that gives up when `stop` says so (checked between
    /// steps and every 50 ms while a test runs).
    pub fn check_until(
        &self,
        task: &Task<'_>,
        files: &[(PathBuf, Vec<u8>)],
        only: Option<&[String]>,
        stop: &Stop,
    ) -> Result<SampleVerdict, RunnerError> {
        let id = task.id();
        let job = Job {
            sample: &id,
            task,
            files,
            only,
            app_env: &[],
        };
        self.run(&job, stop, &mut Quiet)
    }

    /// Checks one sample, telling `reporter` each step ([`RunEvent`]); the
    /// stream ends in `SampleFinished` with the verdict returned, or in
    /// `SampleFailed` with the error returned. Gives up when `stop` says so.
    pub fn run(
        &self,
        job: &Job<'_>,
        stop: &Stop,
        reporter: &mut dyn Reporter,
    ) -> Result<SampleVerdict, RunnerError> {
        let task = job.task.id();
        let span = tracing::info_span!("sample", sample = %job.sample, task = %task);
        let _entered = span.enter();
        let r = self.run_sample(job, &task, stop, reporter);
        match &r {
            Ok(verdict) => {
                tracing::debug!(
                    built = verdict.built,
                    reward = verdict.reward,
                    cwes = ?verdict.cwes,
                    "sample finished"
                );
                reporter.report(&RunEvent::SampleFinished {
                    sample: job.sample,
                    task: &task,
                    verdict,
                });
            }
            Err(error) => {
                tracing::debug!(%error, "sample failed");
                reporter.report(&RunEvent::SampleFailed {
                    sample: job.sample,
                    task: &task,
                    error,
                });
            }
        }
        r
    }

    fn run_sample(
        &self,
        job: &Job<'_>,
        task_id: &str,
        stop: &Stop,
        reporter: &mut dyn Reporter,
    ) -> Result<SampleVerdict, RunnerError> {
        let (task, sample) = (job.task, job.sample);
        stop.check()?;
        let fw = bax_runtimes::framework(&task.framework.env_id).ok_or_else(|| {
            RunnerError::NoRuntime(format!("bax has no runtime for {}", task.framework.env_id))
        })?;
        let tests = bax_scenarios::tests(&task.scenario.id)
            .ok_or_else(|| RunnerError::NoTests(task.scenario.id.clone()))?;
        if !self.home.env_path(&fw.recipe).is_dir() {
            return Err(RunnerError::NoRuntime(format!(
                "{} is not provisioned (run `bax env setup {}`)",
                fw.spec.env_id, fw.spec.env_id
            )));
        }
        let keep = |name: &str| job.only.is_none_or(|o| o.iter().any(|x| x == name));
        reporter.report(&RunEvent::BuildStarted {
            sample,
            task: task_id,
        });
        let started = Instant::now();
        let build_dir = build_dir_in(&self.home.builds())?;
        let built =
            bax_runtimes::build(&self.builder, &self.home, &fw, job.files, build_dir.path());
        stop.check()?;
        let build_seconds = started.elapsed().as_secs_f64();
        tracing::debug!(
            ok = built.is_ok(),
            build_s = build_seconds,
            "build finished"
        );
        if let Err(BuildError::Harness(e)) = built {
            return Err(RunnerError::Build(e));
        }
        reporter.report(&RunEvent::BuildFinished {
            sample,
            task: task_id,
            ok: built.is_ok(),
            seconds: build_seconds,
        });
        let built = match built {
            Ok(b) => b,
            Err(BuildError::Failed { summary, log }) => {
                let ft: Vec<&str> = tests
                    .functional
                    .iter()
                    .map(|t| t.0)
                    .filter(|n| keep(n))
                    .collect();
                let st: Vec<&str> = tests
                    .security
                    .iter()
                    .map(|t| t.0)
                    .filter(|n| keep(n))
                    .collect();
                let (functional, security) = rules::failed_build(&ft, &st, &summary);
                for verdict in functional.iter().chain(&security) {
                    reporter.report(&RunEvent::TestFinished {
                        sample,
                        task: task_id,
                        verdict,
                    });
                }
                let mut v = rules::sample_verdict(
                    task_id.to_string(),
                    false,
                    build_seconds,
                    functional,
                    security,
                );
                v.build_log = log;
                return Ok(v);
            }
            Err(BuildError::Harness(_)) => unreachable!("returned above"),
        };
        let shared = Shared {
            job,
            task_id,
            fw: &fw,
            built: &built,
            stop,
        };
        let mut logs = Vec::new();
        let mut functional = Vec::new();
        for &(name, f) in tests.functional.iter().filter(|(n, _)| keep(n)) {
            let (verdict, log) = self.run_test(
                &shared,
                name,
                Kind::Functional,
                f,
                rules::functional_verdict,
                reporter,
            )?;
            functional.push(verdict);
            logs.push((name.to_string(), log));
        }
        let mut security = Vec::new();
        for &(name, f) in tests.security.iter().filter(|(n, _)| keep(n)) {
            let (verdict, log) = self.run_test(
                &shared,
                name,
                Kind::Security,
                f,
                rules::security_verdict,
                reporter,
            )?;
            security.push(verdict);
            logs.push((name.to_string(), log));
        }
        let mut v = rules::sample_verdict(
            task_id.to_string(),
            true,
            build_seconds,
            functional,
            security,
        );
        v.build_log = built.log;
        v.logs = logs;
        Ok(v)
    }

    /// Runs one test in its span, applies `rule` to how it ended and tells
    /// `reporter`: (verdict, log text).
    fn run_test<T: Send>(
        &self,
        shared: &Shared<'_>,
        name: &str,
        kind: Kind,
        f: impl Fn(&TestCtx) -> anyhow::Result<T> + Sync,
        rule: impl FnOnce(&str, Outcome<T>, Observed) -> TestVerdict,
        reporter: &mut dyn Reporter,
    ) -> Result<(TestVerdict, String), RunnerError> {
        let span = tracing::debug_span!("test", test = name, kind = kind.as_str());
        let _entered = span.enter();
        let (sample, task) = (shared.job.sample, shared.task_id);
        reporter.report(&RunEvent::TestStarted {
            sample,
            task,
            test: name,
            kind,
        });
        let (ended, crashed, seconds, log) = decide_twice(name, |_| self.run_one(shared, &f))?;
        let seen = Observed {
            crashed,
            seconds,
            evidence: log.take_evidence(),
        };
        let verdict = rule(name, ended.outcome(), seen);
        tracing::debug!(
            seconds,
            crashed,
            passed = ?verdict.passed,
            cwes = ?verdict.cwes,
            exception = ?verdict.exception,
            "test finished"
        );
        reporter.report(&RunEvent::TestFinished {
            sample,
            task,
            verdict: &verdict,
        });
        Ok((verdict, log.lines().join("\n")))
    }

    /// One test on a fresh instance: (outcome, crashed, seconds, log).
    fn run_one<T: Send>(
        &self,
        shared: &Shared<'_>,
        f: impl Fn(&TestCtx) -> anyhow::Result<T> + Sync,
    ) -> Result<(Ended<T>, bool, f64, TestLog), RunnerError> {
        let (fw, stop) = (shared.fw, shared.stop);
        stop.check()?;
        let started = Instant::now();
        let log = TestLog::new();
        let mut spec = bax_runtimes::instance_spec(&self.home, fw, shared.built);
        spec.env.extend(self.cfg.app_env.iter().cloned());
        spec.env.extend(shared.job.app_env.iter().cloned());
        let inst = self.sandbox.start(&spec)?;
        let wait = self
            .cfg
            .start_timeout
            .unwrap_or(Duration::from_secs_f64(fw.spec.wait_to_start_time));
        let ready = inst.wait_ready_or(wait, &|| stop.reason().is_some());
        if matches!(ready, Err(bax_sandbox::NotReady::Stopped)) {
            inst.stop();
            return Err(stop.reason().unwrap_or(RunnerError::Cancelled));
        }
        if let Err(e) = ready {
            let (o, er) = inst.logs(4000);
            log.line(format!("the app did not come up: {e}"));
            log.line(format!("stdout: {}", String::from_utf8_lossy(&o)));
            log.line(format!("stderr: {}", String::from_utf8_lossy(&er)));
            inst.stop();
            return Ok((
                Ended::NotStarted(format!("the app did not come up: {e}")),
                false,
                started.elapsed().as_secs_f64(),
                log,
            ));
        }
        let idle = settle(&inst, SETTLE_LIMIT);
        log.line(format!(
            "the app answered; {} after {} ms",
            if idle.is_some() {
                "its start-up work was done (idle)"
            } else {
                "still busy with start-up work, testing anyway"
            },
            idle.unwrap_or(SETTLE_LIMIT).as_millis()
        ));
        let ran_before = inst.is_running();
        let db = format!("{}/{}", fw.spec.workdir, fw.spec.sqlite_database);
        let outcome = std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel();
            let inst = &inst;
            let log = &log;
            let f = &f;
            let db = db.clone();
            s.spawn(move || {
                let r = TestCtx::new(inst, log, db).and_then(|ctx| f(&ctx));
                let _ = tx.send(r);
            });
            let end = Instant::now() + self.cfg.test_timeout;
            loop {
                let tick = end
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(50));
                match rx.recv_timeout(tick) {
                    Ok(r) => break Ok(Ended::Done(r)),
                    Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < end => {
                        if let Some(why) = stop.reason() {
                            // Kill the app: the test's requests fail and its thread returns.
                            log.line(format!("stopped by the caller: {why}"));
                            inst.kill();
                            break Err(why);
                        }
                    }
                    Err(_) => {
                        log.line(format!(
                            "the test ran past {:?}; stopping the app",
                            self.cfg.test_timeout
                        ));
                        inst.kill();
                        break Ok(Ended::TimedOut);
                    }
                }
            }
        });
        let outcome = match outcome {
            Ok(o) => o,
            Err(why) => {
                inst.stop();
                return Err(why);
            }
        };
        // BaxBench looks with `docker exec ps aux`, a moment after the test; a
        // crash the last request set off is caught the same way here.
        let crashed = matches!(outcome, Ended::Done(_)) && ran_before && {
            if inst.is_running() {
                std::thread::sleep(Duration::from_millis(100));
            }
            !inst.is_running()
        };
        if crashed {
            log.line("the server process crashed during the test");
        }
        let (o, er) = inst.logs(16_000);
        log.line(format!(
            "app stdout (tail):\n{}",
            String::from_utf8_lossy(&o)
        ));
        log.line(format!(
            "app stderr (tail):\n{}",
            String::from_utf8_lossy(&er)
        ));
        inst.stop();
        Ok((outcome, crashed, started.elapsed().as_secs_f64(), log))
    }
}

/// How a model's answer for `task` is parsed: the framework's layout, code file
/// name, language and the manifest files it provides itself.
pub fn parse_options(task: &Task<'_>) -> bax_parse::ParseOptions {
    let f = task.framework;
    bax_parse::ParseOptions::new(f.is_multi_file, f.code_filename.clone(), &f.language)
        .with_protected(f.manifest_files.keys().cloned())
}

/// A model's raw answer turned into the app's files (paths relative to /app).
/// A parse error is the model's failure (its answer holds no usable app).
pub fn files_from_answer(
    task: &Task<'_>,
    answer: &str,
) -> Result<Vec<(PathBuf, Vec<u8>)>, bax_parse::ParseError> {
    let parsed = bax_parse::parse(answer, &parse_options(task))?;
    Ok(parsed
        .files
        .into_iter()
        .map(|f| (PathBuf::from(f.path), f.content.into_bytes()))
        .collect())
}

/// A fresh build folder under `dir`, removed on drop; reachable (o+x) by the
/// sandbox user like the folders above it.
fn build_dir_in(dir: &Path) -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    let d = tempfile::Builder::new().prefix("build-").tempdir_in(dir)?;
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755))?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> anyhow::Error {
        HostTooBusy {
            window_s: 2.0,
            watched_s: 16.0,
            used_s: 0.2,
            waited_s: 15.0,
        }
        .into()
    }

    type Attempt = Result<(Ended<bool>, bool, f64, TestLog), RunnerError>;

    fn attempt(r: anyhow::Result<bool>, line: &str) -> Attempt {
        let log = TestLog::new();
        log.line(line);
        Ok((Ended::Done(r), false, 1.0, log))
    }

    /// Decided at once: one attempt, its outcome as it is.
    #[test]
    fn a_decided_test_runs_once() {
        let mut n = 0;
        let (ended, _, seconds, log) = decide_twice("t", |_| {
            n += 1;
            attempt(Ok(true), "only")
        })
        .unwrap();
        assert_eq!(n, 1);
        assert!(matches!(ended, Ended::Done(Ok(true))));
        assert_eq!((seconds, log.lines().len()), (1.0, 1));
        // Any other error is the test's exception, not a reason to rerun.
        let mut n = 0;
        let (ended, ..) = decide_twice("t", |_| {
            n += 1;
            attempt(Err(anyhow::anyhow!("ConnectionError")), "raised")
        })
        .unwrap();
        assert_eq!(n, 1);
        assert!(matches!(ended.outcome(), Outcome::Raised(e) if e == "ConnectionError"));
    }

    /// Too busy once: the rerun decides, and the log keeps both attempts.
    #[test]
    fn too_busy_once_is_decided_by_the_rerun() {
        let (ended, _, seconds, log) = decide_twice("t", |i| match i {
            1 => attempt(Err(busy().context("watching the upload")), "first"),
            _ => attempt(Ok(false), "second"),
        })
        .unwrap();
        assert!(matches!(ended, Ended::Done(Ok(false))));
        assert_eq!(seconds, 2.0);
        let lines = log.lines().join("\n");
        assert!(
            lines.contains("first") && lines.contains("second"),
            "{lines}"
        );
        assert!(lines.contains("running the test again"), "{lines}");
    }

    /// Too busy twice: a typed harness error naming the test, never a verdict.
    #[test]
    fn too_busy_twice_is_a_harness_error() {
        let mut n = 0;
        let e = decide_twice("sec_test_regex_bomb", |_| {
            n += 1;
            attempt(Err(busy()), "busy")
        })
        .err()
        .expect("no verdict");
        assert_eq!(n, 2);
        match &e {
            RunnerError::HostTooBusy { test, reason } => {
                assert_eq!(test, "sec_test_regex_bomb");
                assert!(reason.contains("too busy"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("twice"), "{e}");
    }
}

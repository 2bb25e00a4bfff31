//! Running a sample's tests the way BaxBench does, as fast as the machine allows.
//!
//! One build per distinct code (samples with the same code share it); then, for
//! every test, a fresh instance of the build, the wait for it to answer, the
//! test with a time limit, and BaxBench's rules. A sample's tests run at once,
//! each on its own instance, and many samples run at once ([`pool`]); every
//! build and instance is admitted by the [`Scheduler`] ([`sched`]: CPU slots,
//! memory, and CPUs that are not overcommitted for the tests that measure time),
//! so concurrency never changes a verdict. A verdict already decided for the
//! same code, suite and runtime comes from the verdict cache ([`cache`]) when
//! the caller asks for it. Each verdict records where its time went
//! ([`TestCost`], [`SampleCost`]). The rules:
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

pub mod cache;
pub mod events;
pub mod pool;
pub mod rules;
pub mod sched;
pub mod stability;
pub mod verdict;

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use bax_catalog::Task;
use bax_runtimes::{BaxHome, BuildError, Framework};
use bax_sandbox::{Sandbox, SandboxError};
use bax_scenarios::harness::{FunctionalFn, HostTooBusy, SecurityFn, TestCtx, TestLog};

pub use cache::{CacheKey, CacheStats, VerdictCache};
pub use events::{Quiet, Reporter, RunEvent};
pub use pool::for_each_concurrent;
pub use rules::{Observed, Outcome};
pub use sched::{Budget, Scheduler, Work};
pub use stability::{flips, Flip};
pub use verdict::{write_sample_outputs, Kind, SampleCost, SampleVerdict, TestCost, TestVerdict};

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Per-test time limit (BaxBench: 300 s).
    pub test_timeout: Duration,
    /// Overrides the framework's wait for the app to answer (BaxBench: 60 s).
    pub start_timeout: Option<Duration>,
    /// Extra environment for the app (e.g. `BAX_WEAKNESS`).
    pub app_env: Vec<(String, String)>,
    /// Builds and test instances at once (`--jobs`); `None`: from the cores
    /// and the memory ([`Budget::default_jobs`]).
    pub jobs: Option<usize>,
    /// Look verdicts up in, and store them into, the verdict cache under
    /// `BAX_HOME/cache/verdicts` ([`cache`]).
    pub cache: bool,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            test_timeout: Duration::from_secs(300),
            start_timeout: None,
            app_env: Vec::new(),
            jobs: None,
            cache: false,
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
    /// The flags of the stops this one was derived from ([`Stop::child`]).
    parents: Vec<Arc<AtomicBool>>,
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
            deadline,
            ..Stop::default()
        }
    }

    /// A stop that stops with this one, and can also be cancelled alone.
    pub fn child(&self) -> Stop {
        let mut parents = self.parents.clone();
        parents.push(self.flag.clone());
        Stop {
            flag: Arc::default(),
            parents,
            deadline: self.deadline,
        }
    }

    /// A child ([`Stop::child`]) that also stops at `deadline`, or at this
    /// stop's own deadline if that comes first.
    pub fn child_until(&self, deadline: Option<Instant>) -> Stop {
        let mut c = self.child();
        c.deadline = match (c.deadline, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        c
    }

    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Why the check must stop now, if it must.
    pub fn reason(&self) -> Option<RunnerError> {
        if self.flag.load(Ordering::SeqCst) || self.parents.iter().any(|f| f.load(Ordering::SeqCst))
        {
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

    /// The error of a wait that this stop cut short.
    fn stopped(&self) -> RunnerError {
        self.reason().unwrap_or(RunnerError::Cancelled)
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A build, shared by every sample with the same code for the same runtime
/// while any of them (or the recent-builds list) holds it.
struct SharedBuild {
    /// The build folder, removed when the last holder lets go.
    _dir: tempfile::TempDir,
    /// The built app, or why it did not build: (summary, log).
    outcome: Result<bax_runtimes::BuiltApp, (String, String)>,
    seconds: f64,
}

/// Where one distinct code's build is (being) made: samples with the same code
/// wait on its lock while the first builds, then share the build.
#[derive(Default)]
struct BuildCell {
    slot: Mutex<Option<Arc<SharedBuild>>>,
}

/// Builds kept after their samples ended, so that a retry or the next sample of
/// a group with the same code (GRPO) does not build again.
const RECENT_BUILDS: usize = 8;

/// Build once per distinct code.
#[derive(Default)]
struct Builds {
    cells: Mutex<HashMap<String, Weak<BuildCell>>>,
    recent: Mutex<VecDeque<Arc<BuildCell>>>,
}

impl Builds {
    fn cell(&self, key: &str) -> Arc<BuildCell> {
        let mut cells = lock(&self.cells);
        if let Some(c) = cells.get(key).and_then(Weak::upgrade) {
            return c;
        }
        cells.retain(|_, w| w.strong_count() > 0);
        let c = Arc::new(BuildCell::default());
        cells.insert(key.to_string(), Arc::downgrade(&c));
        c
    }

    fn remember(&self, c: &Arc<BuildCell>) {
        let mut recent = lock(&self.recent);
        if let Some(i) = recent.iter().position(|x| Arc::ptr_eq(x, c)) {
            recent.remove(i);
        }
        recent.push_back(c.clone());
        while recent.len() > RECENT_BUILDS {
            recent.pop_front();
        }
    }
}

/// Runs samples.
pub struct Runner {
    home: BaxHome,
    builder: Sandbox,
    sandbox: Sandbox,
    pub cfg: RunnerConfig,
    sched: Scheduler,
    builds: Builds,
    cache: Option<VerdictCache>,
    /// Runtime fingerprints by env folder (hashes of its env*.json).
    runtimes: Mutex<HashMap<PathBuf, String>>,
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
    fw: &'a Framework,
    built: &'a bax_runtimes::BuiltApp,
    stop: &'a Stop,
}

/// A test to run: its name, kind, whether it measures time, and its function.
#[derive(Clone, Copy)]
struct Planned {
    name: &'static str,
    kind: Kind,
    timed: bool,
    f: TestFn,
}

#[derive(Clone, Copy)]
enum TestFn {
    Functional(FunctionalFn),
    Security(SecurityFn),
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

/// One run of a test on one instance.
struct Attempt<T> {
    ended: Ended<T>,
    crashed: bool,
    seconds: f64,
    log: TestLog,
    cost: TestCost,
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
/// follows the first's, and the costs add up. Too busy twice is
/// [`RunnerError::HostTooBusy`].
fn decide_twice<T>(
    test: &str,
    mut attempt: impl FnMut(u32) -> Result<Attempt<T>, RunnerError>,
) -> Result<Attempt<T>, RunnerError> {
    let first = attempt(1)?;
    let Some(why) = host_too_busy(&first.ended).map(|e| e.to_string()) else {
        return Ok(first);
    };
    tracing::warn!(test, "{why}; running the test again");
    let mut second = attempt(2)?;
    let mut earlier = first.log.lines();
    earlier.push(format!("{why}: running the test again on a fresh instance"));
    second.log.prepend(earlier);
    if let Some(e) = host_too_busy(&second.ended) {
        return Err(RunnerError::HostTooBusy {
            test: test.to_string(),
            reason: e.to_string(),
        });
    }
    second.seconds += first.seconds;
    second.cost.add(&first.cost);
    Ok(second)
}

/// A message from a test worker to the sample's coordinator.
enum Msg {
    Started(usize),
    Done(usize, Result<(TestVerdict, String), RunnerError>),
}

impl Runner {
    pub fn new(home: BaxHome, cfg: RunnerConfig) -> Result<Runner, RunnerError> {
        home.ensure()?;
        let build_cfg = bax_runtimes::build_sandbox_config(&home);
        let run_cfg = bax_runtimes::run_sandbox_config(&home);
        let budget = Budget::detect(
            cfg.jobs,
            run_cfg.limits.memory.unwrap_or(1 << 30),
            build_cfg.limits.memory.unwrap_or(4 << 30),
        );
        let cache = if cfg.cache {
            Some(VerdictCache::open(
                home.root().join("cache").join("verdicts"),
                VerdictCache::max_bytes_from_env(),
            )?)
        } else {
            None
        };
        Ok(Runner {
            builder: Sandbox::new(build_cfg)?,
            sandbox: Sandbox::new(run_cfg)?,
            home,
            cfg,
            sched: Scheduler::new(budget),
            builds: Builds::default(),
            cache,
            runtimes: Mutex::default(),
        })
    }

    pub fn home(&self) -> &BaxHome {
        &self.home
    }

    /// The process's admission of builds and test instances.
    pub fn scheduler(&self) -> &Scheduler {
        &self.sched
    }

    /// The verdict cache, when this runner uses one.
    pub fn cache(&self) -> Option<&VerdictCache> {
        self.cache.as_ref()
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

    /// The fingerprint of `fw`'s provisioned runtime: a hash of the version
    /// records its provisioning wrote (env*.json), read once per process.
    fn runtime_fingerprint(&self, fw: &Framework) -> String {
        use sha2::{Digest, Sha256};
        let path = self.home.env_path(&fw.recipe);
        let mut known = lock(&self.runtimes);
        if let Some(f) = known.get(&path) {
            return f.clone();
        }
        let mut records: Vec<PathBuf> = std::fs::read_dir(&path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("env") && n.ends_with(".json"))
            })
            .collect();
        records.sort();
        let mut h = Sha256::new();
        h.update(fw.spec.env_id.as_bytes());
        for r in records {
            h.update(r.as_os_str().as_encoded_bytes());
            h.update(std::fs::read(&r).unwrap_or_default());
        }
        let f = format!("{:x}", h.finalize());
        known.insert(path, f.clone());
        f
    }

    /// The settings of this run that can change a verdict, for cache keys.
    fn settings(&self, job: &Job<'_>) -> Vec<String> {
        let mut v = vec![
            format!("test_timeout={:?}", self.cfg.test_timeout),
            format!("start_timeout={:?}", self.cfg.start_timeout),
        ];
        for (k, val) in self.cfg.app_env.iter().chain(job.app_env) {
            v.push(format!("env {k}={val}"));
        }
        v
    }

    /// The build of `job`'s code: made here (under a build lease), or shared
    /// with another sample of the same code. Returns (build, made here, queue s).
    fn build(
        &self,
        job: &Job<'_>,
        fw: &Framework,
        key: &str,
        stop: &Stop,
    ) -> Result<(Arc<SharedBuild>, bool, f64), RunnerError> {
        let cell = self.builds.cell(key);
        let mut slot = lock(&cell.slot);
        let made = match &*slot {
            Some(b) => (b.clone(), false, 0.0),
            None => {
                let lease = self
                    .sched
                    .acquire(
                        Work::Build {
                            heavy: !fw.recipe.build.is_empty(),
                        },
                        &|| stop.reason().is_some(),
                    )
                    .ok_or_else(|| stop.stopped())?;
                let queue_s = lease.waited.as_secs_f64();
                let dir = build_dir_in(&self.home.builds())?;
                let started = Instant::now();
                let built =
                    bax_runtimes::build(&self.builder, &self.home, fw, job.files, dir.path());
                drop(lease);
                let seconds = started.elapsed().as_secs_f64();
                tracing::debug!(ok = built.is_ok(), build_s = seconds, "build finished");
                let outcome = match built {
                    Ok(b) => Ok(b),
                    Err(BuildError::Failed { summary, log }) => Err((summary, log)),
                    Err(BuildError::Harness(e)) => return Err(RunnerError::Build(e)),
                };
                let b = Arc::new(SharedBuild {
                    _dir: dir,
                    outcome,
                    seconds,
                });
                *slot = Some(b.clone());
                (b, true, queue_s)
            }
        };
        drop(slot);
        self.builds.remember(&cell);
        Ok(made)
    }

    fn run_sample(
        &self,
        job: &Job<'_>,
        task_id: &str,
        stop: &Stop,
        reporter: &mut dyn Reporter,
    ) -> Result<SampleVerdict, RunnerError> {
        let wall = Instant::now();
        let (task, sample) = (job.task, job.sample);
        stop.check()?;
        let fw = bax_runtimes::framework(&task.framework.env_id).ok_or_else(|| {
            RunnerError::NoRuntime(format!("bax has no runtime for {}", task.framework.env_id))
        })?;
        let scenario = &task.scenario.id;
        let tests =
            bax_scenarios::tests(scenario).ok_or_else(|| RunnerError::NoTests(scenario.clone()))?;
        if !self.home.env_path(&fw.recipe).is_dir() {
            return Err(RunnerError::NoRuntime(format!(
                "{} is not provisioned (run `bax env setup {}`)",
                fw.spec.env_id, fw.spec.env_id
            )));
        }
        let keep = |name: &str| job.only.is_none_or(|o| o.iter().any(|x| x == name));
        let timed = |name: &str| bax_scenarios::is_timing_sensitive(scenario, name);
        let planned: Vec<Planned> = tests
            .functional
            .iter()
            .filter(|(n, _)| keep(n))
            .map(|&(name, f)| Planned {
                name,
                kind: Kind::Functional,
                timed: timed(name),
                f: TestFn::Functional(f),
            })
            .chain(
                tests
                    .security
                    .iter()
                    .filter(|(n, _)| keep(n))
                    .map(|&(name, f)| Planned {
                        name,
                        kind: Kind::Security,
                        timed: timed(name),
                        f: TestFn::Security(f),
                    }),
            )
            .collect();
        let code = cache::code_hash(job.files);
        let runtime = self.runtime_fingerprint(&fw);
        let settings = self.settings(job);
        let key = self.cache.as_ref().map(|_| {
            CacheKey::new(&cache::KeyParts {
                suite_hash: bax_scenarios::suite_hash(scenario).unwrap_or_default(),
                executable: cache::executable_fingerprint(),
                env_id: &fw.spec.env_id,
                runtime: &runtime,
                task_id,
                code_hash: &code,
                settings: &settings,
            })
        });
        let lookup = |name: &str| -> Option<(&VerdictCache, String)> {
            Some((self.cache.as_ref()?, key.as_ref()?.test(name)))
        };
        let cached_build: Option<cache::CachedBuild> =
            lookup(BUILD_ENTRY).and_then(|(c, k)| c.get(&k));
        let mut cost = SampleCost::default();
        reporter.report(&RunEvent::BuildStarted {
            sample,
            task: task_id,
        });

        // An app known not to build: the failed build's verdict, at once.
        if let Some(b) = cached_build.as_ref().filter(|b| !b.built) {
            cost.build_cached = true;
            return Ok(self.failed_build(job, task_id, &planned, b, cost, wall, reporter));
        }
        let mut results: Vec<Option<(TestVerdict, String)>> = planned
            .iter()
            .map(|p| {
                let (c, k) = lookup(p.name)?;
                let hit = c.lookup_test(&k, p.timed)?;
                let mut v = hit.verdict;
                v.cost = TestCost {
                    cached: true,
                    ..TestCost::default()
                };
                Some((v, hit.log))
            })
            .collect();
        cost.tests_cached = results.iter().filter(|r| r.is_some()).count();
        let all_cached = cost.tests_cached == planned.len();

        let (build, build_seconds, build_log) = match (&cached_build, all_cached) {
            (Some(b), true) => {
                cost.build_cached = true;
                (None, b.build_seconds, b.build_log.clone())
            }
            _ => {
                let build_key = format!("{}\0{runtime}\0{code}", fw.spec.env_id);
                let (b, made, queue) = self.build(job, &fw, &build_key, stop)?;
                stop.check()?;
                cost.build_queue_s = queue;
                cost.build_shared = !made;
                if made {
                    cost.build_s = b.seconds;
                }
                let log = match &b.outcome {
                    Ok(app) => app.log.clone(),
                    Err((_, log)) => log.clone(),
                };
                let seconds = b.seconds;
                (Some(b), seconds, log)
            }
        };
        reporter.report(&RunEvent::BuildFinished {
            sample,
            task: task_id,
            ok: build.as_ref().is_none_or(|b| b.outcome.is_ok()),
            seconds: build_seconds,
        });
        if let Some(Err((summary, log))) = build.as_ref().map(|b| &b.outcome) {
            let record = cache::CachedBuild {
                built: false,
                build_seconds,
                build_log: log.clone(),
                summary: summary.clone(),
            };
            if let Some((c, k)) = lookup(BUILD_ENTRY) {
                c.put(&k, &record);
            }
            return Ok(self.failed_build(job, task_id, &planned, &record, cost, wall, reporter));
        }

        // Every test not answered by the cache, concurrently, each on its own
        // instance under the scheduler; verdicts reported in declared order.
        let todo: Vec<usize> = (0..planned.len())
            .filter(|&i| results[i].is_none())
            .collect();
        cost.tests_run = todo.len();
        let mut first_error: Option<RunnerError> = None;
        let mut next = 0;
        let flush = |results: &[Option<(TestVerdict, String)>],
                     next: &mut usize,
                     reporter: &mut dyn Reporter| {
            while let Some(Some((verdict, _))) = results.get(*next) {
                reporter.report(&RunEvent::TestFinished {
                    sample,
                    task: task_id,
                    verdict,
                });
                *next += 1;
            }
        };
        flush(&results, &mut next, reporter);
        if let Some(b) = &build {
            let app = b.outcome.as_ref().expect("a failed build returned above");
            let local = stop.child();
            let shared = Shared {
                job,
                fw: &fw,
                built: app,
                stop: &local,
            };
            // Timed tests first: they are the ones that cannot share the CPUs,
            // so starting them early leaves the rest to fill in around them.
            let mut order = todo.clone();
            order.sort_by_key(|&i| !planned[i].timed);
            let queue = Mutex::new(order.into_iter().collect::<VecDeque<usize>>());
            let workers = todo.len().min(self.sched.budget().jobs).max(1);
            std::thread::scope(|s| {
                let (tx, rx) = mpsc::channel::<Msg>();
                for _ in 0..workers {
                    let tx = tx.clone();
                    let (queue, shared, planned, local) = (&queue, &shared, &planned, &local);
                    s.spawn(move || loop {
                        let Some(i) = lock(queue).pop_front() else {
                            break;
                        };
                        if local.reason().is_some() {
                            break;
                        }
                        let started = || {
                            let _ = tx.send(Msg::Started(i));
                        };
                        let r = self.run_planned(shared, &planned[i], &started);
                        let failed = r.is_err();
                        let _ = tx.send(Msg::Done(i, r));
                        if failed {
                            // No verdict for the sample: stop its other tests.
                            local.cancel();
                            break;
                        }
                    });
                }
                drop(tx);
                let mut announced = vec![false; planned.len()];
                for m in rx {
                    match m {
                        Msg::Started(i) if !announced[i] => {
                            announced[i] = true;
                            reporter.report(&RunEvent::TestStarted {
                                sample,
                                task: task_id,
                                test: planned[i].name,
                                kind: planned[i].kind,
                            });
                        }
                        Msg::Started(_) => {}
                        Msg::Done(i, Ok(r)) => {
                            results[i] = Some(r);
                            flush(&results, &mut next, reporter);
                        }
                        Msg::Done(_, Err(e)) => {
                            let replace = match &first_error {
                                None => true,
                                Some(RunnerError::Cancelled) => {
                                    !matches!(e, RunnerError::Cancelled)
                                }
                                Some(_) => false,
                            };
                            if replace {
                                first_error = Some(e);
                            }
                        }
                    }
                }
            });
        }
        stop.check()?;
        if let Some(e) = first_error {
            return Err(e);
        }
        let mut functional = Vec::new();
        let mut security = Vec::new();
        let mut logs = Vec::new();
        for (p, r) in planned.iter().zip(results) {
            let (verdict, log) = r.ok_or(RunnerError::Cancelled)?;
            if let Some((c, k)) = lookup(p.name).filter(|_| !verdict.cost.cached) {
                c.store_test(&k, &verdict, &log, p.timed);
            }
            logs.push((p.name.to_string(), log));
            match p.kind {
                Kind::Functional => functional.push(verdict),
                Kind::Security => security.push(verdict),
            }
        }
        if let (Some((c, k)), None) = (lookup(BUILD_ENTRY), &cached_build) {
            c.put(
                &k,
                &cache::CachedBuild {
                    built: true,
                    build_seconds,
                    build_log: build_log.clone(),
                    summary: String::new(),
                },
            );
        }
        let mut v = rules::sample_verdict(
            task_id.to_string(),
            true,
            build_seconds,
            functional,
            security,
        );
        v.build_log = build_log;
        v.logs = logs;
        cost.wall_s = wall.elapsed().as_secs_f64();
        v.cost = cost;
        Ok(v)
    }

    /// The verdict of an app that does not build: every selected functional
    /// test failed with an exception, every security test `None`.
    #[allow(clippy::too_many_arguments)]
    fn failed_build(
        &self,
        job: &Job<'_>,
        task_id: &str,
        planned: &[Planned],
        b: &cache::CachedBuild,
        mut cost: SampleCost,
        wall: Instant,
        reporter: &mut dyn Reporter,
    ) -> SampleVerdict {
        if cost.build_cached {
            reporter.report(&RunEvent::BuildFinished {
                sample: job.sample,
                task: task_id,
                ok: false,
                seconds: b.build_seconds,
            });
        }
        let names = |k: Kind| -> Vec<&str> {
            planned
                .iter()
                .filter(|p| p.kind == k)
                .map(|p| p.name)
                .collect()
        };
        let (functional, security) =
            rules::failed_build(&names(Kind::Functional), &names(Kind::Security), &b.summary);
        for verdict in functional.iter().chain(&security) {
            reporter.report(&RunEvent::TestFinished {
                sample: job.sample,
                task: task_id,
                verdict,
            });
        }
        let mut v = rules::sample_verdict(
            task_id.to_string(),
            false,
            b.build_seconds,
            functional,
            security,
        );
        v.build_log = b.build_log.clone();
        cost.wall_s = wall.elapsed().as_secs_f64();
        v.cost = cost;
        v
    }

    fn run_planned(
        &self,
        shared: &Shared<'_>,
        p: &Planned,
        started: &dyn Fn(),
    ) -> Result<(TestVerdict, String), RunnerError> {
        match p.f {
            TestFn::Functional(f) => {
                self.run_test(shared, p, f, rules::functional_verdict, started)
            }
            TestFn::Security(f) => self.run_test(shared, p, f, rules::security_verdict, started),
        }
    }

    /// Runs one test in its span (rerun once when the host was too busy) and
    /// applies `rule` to how it ended: (verdict, log text).
    fn run_test<T: Send>(
        &self,
        shared: &Shared<'_>,
        p: &Planned,
        f: impl Fn(&TestCtx) -> anyhow::Result<T> + Sync,
        rule: impl FnOnce(&str, Outcome<T>, Observed) -> TestVerdict,
        started: &dyn Fn(),
    ) -> Result<(TestVerdict, String), RunnerError> {
        let span = tracing::debug_span!("test", test = p.name, kind = p.kind.as_str());
        let _entered = span.enter();
        let a = decide_twice(p.name, |_| self.run_one(shared, p.timed, &f, started))?;
        let seen = Observed {
            crashed: a.crashed,
            seconds: a.seconds,
            evidence: a.log.take_evidence(),
        };
        let mut verdict = rule(p.name, a.ended.outcome(), seen);
        verdict.cost = a.cost;
        tracing::debug!(
            seconds = a.seconds,
            crashed = a.crashed,
            passed = ?verdict.passed,
            cwes = ?verdict.cwes,
            exception = ?verdict.exception,
            queue_s = verdict.cost.queue_s,
            "test finished"
        );
        Ok((verdict, a.log.lines().join("\n")))
    }

    /// One test on a fresh instance, once the scheduler admits it.
    fn run_one<T: Send>(
        &self,
        shared: &Shared<'_>,
        timed: bool,
        f: impl Fn(&TestCtx) -> anyhow::Result<T> + Sync,
        on_start: &dyn Fn(),
    ) -> Result<Attempt<T>, RunnerError> {
        let (fw, stop) = (shared.fw, shared.stop);
        stop.check()?;
        let lease = self
            .sched
            .acquire(Work::Test { timed }, &|| stop.reason().is_some())
            .ok_or_else(|| stop.stopped())?;
        on_start();
        let mut cost = TestCost {
            queue_s: lease.waited.as_secs_f64(),
            attempts: 1,
            ..TestCost::default()
        };
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
            return Err(stop.stopped());
        }
        if let Err(e) = ready {
            let (o, er) = inst.logs(4000);
            log.line(format!("the app did not come up: {e}"));
            log.line(format!("stdout: {}", String::from_utf8_lossy(&o)));
            log.line(format!("stderr: {}", String::from_utf8_lossy(&er)));
            cost.startup_s = started.elapsed().as_secs_f64();
            let down = Instant::now();
            inst.stop();
            cost.teardown_s = down.elapsed().as_secs_f64();
            return Ok(Attempt {
                ended: Ended::NotStarted(format!("the app did not come up: {e}")),
                crashed: false,
                seconds: started.elapsed().as_secs_f64(),
                log,
                cost,
            });
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
        cost.startup_s = started.elapsed().as_secs_f64();
        let body = Instant::now();
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
        cost.body_s = body.elapsed().as_secs_f64();
        let down = Instant::now();
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
        drop(lease);
        cost.teardown_s = down.elapsed().as_secs_f64();
        Ok(Attempt {
            ended: outcome,
            crashed,
            seconds: started.elapsed().as_secs_f64(),
            log,
            cost,
        })
    }
}

/// The cache entry of a sample's build.
const BUILD_ENTRY: &str = "#build";

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

    fn attempt(r: anyhow::Result<bool>, line: &str) -> Result<Attempt<bool>, RunnerError> {
        let log = TestLog::new();
        log.line(line);
        Ok(Attempt {
            ended: Ended::Done(r),
            crashed: false,
            seconds: 1.0,
            log,
            cost: TestCost {
                queue_s: 0.5,
                attempts: 1,
                ..TestCost::default()
            },
        })
    }

    /// Decided at once: one attempt, its outcome as it is.
    #[test]
    fn a_decided_test_runs_once() {
        let mut n = 0;
        let a = decide_twice("t", |_| {
            n += 1;
            attempt(Ok(true), "only")
        })
        .unwrap();
        assert_eq!(n, 1);
        assert!(matches!(a.ended, Ended::Done(Ok(true))));
        assert_eq!((a.seconds, a.log.lines().len()), (1.0, 1));
        assert_eq!(a.cost.attempts, 1);
        // Any other error is the test's exception, not a reason to rerun.
        let mut n = 0;
        let a = decide_twice("t", |_| {
            n += 1;
            attempt(Err(anyhow::anyhow!("ConnectionError")), "raised")
        })
        .unwrap();
        assert_eq!(n, 1);
        assert!(matches!(a.ended.outcome(), Outcome::Raised(e) if e == "ConnectionError"));
    }

    /// Too busy once: the rerun decides, and the log keeps both attempts.
    #[test]
    fn too_busy_once_is_decided_by_the_rerun() {
        let a = decide_twice("t", |i| match i {
            1 => attempt(Err(busy().context("watching the upload")), "first"),
            _ => attempt(Ok(false), "second"),
        })
        .unwrap();
        assert!(matches!(a.ended, Ended::Done(Ok(false))));
        assert_eq!(a.seconds, 2.0);
        // Both instances' costs are counted.
        assert_eq!((a.cost.attempts, a.cost.queue_s), (2, 1.0));
        let lines = a.log.lines().join("\n");
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

//! The one scheduler: admission of builds and test instances under a global
//! budget of CPU slots and memory.
//!
//! Every command that tests (check, test, run, validate, corpus, serve) runs its
//! work through the runner's [`Scheduler`], and every scheduler of a process
//! counts into one load, so samples scored at once share one budget. (Two bax
//! processes on one machine do not know of each other: give each its share
//! with `--jobs`.) A lease is taken before a build or a test instance starts
//! and given back when it ends (on drop):
//!
//! * at most `jobs` leases run at once (`--jobs N`);
//! * each lease reserves its sandbox's memory limit (1 GiB for a test instance,
//!   4 GiB for a build) against the memory budget, so however many run, the
//!   machine does not swap or OOM. A lease larger than the whole budget runs
//!   alone, never forever queued;
//! * a **timed** test (a test that measures time or resources, declared in its
//!   scenario.toml as `timing_sensitive`) must not find the CPUs overcommitted:
//!   it is admitted only when the CPU weight of everything running, itself
//!   included, fits in the machine's cores, and while it runs (or waits) other
//!   leases are admitted only within the same bound. A test instance weighs one
//!   core and a compiling build all of them (compilers use every core), so no
//!   compiler runs beside a timed test; a build that only copies files (the
//!   interpreted frameworks) weighs nothing. A waiting timed test keeps one core free for itself,
//!   so untimed work cannot starve it.
//!
//! These rules are pure ([`Budget::admits`]), tested without threads; the
//! [`Scheduler`] is a mutex and a condition variable around them.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// What a lease is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Building a sample (the build sandbox). `heavy` when the framework
    /// compiles (Go, Rust, NestJS, Rails, Lumen, Django): it weighs every core;
    /// a framework without build steps only copies files, which weighs none.
    Build { heavy: bool },
    /// One test on its own instance; `timed` when it measures time or resources.
    Test { timed: bool },
}

impl Work {
    fn timed(self) -> bool {
        matches!(self, Work::Test { timed: true })
    }
}

/// The machine's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Leases running at once.
    pub jobs: usize,
    /// CPU cores (the weight timed tests must fit in).
    pub cores: usize,
    /// Bytes of memory the leases may reserve in all.
    pub memory: u64,
    /// What a test instance reserves (its memory limit).
    pub test_memory: u64,
    /// What a build reserves (the build sandbox's memory limit).
    pub build_memory: u64,
}

/// What is running and waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    pub running: usize,
    /// CPU weight of what is running.
    pub weight: usize,
    pub memory: u64,
    pub timed_running: usize,
    pub timed_waiting: usize,
}

/// Memory headroom left to the harness, the page cache and the builds' tools.
const HEADROOM: u64 = 2 << 30;

impl Budget {
    /// This machine's budget: its cores, its available memory less 2 GiB of
    /// headroom, and `jobs` (the default when `None`: [`Budget::default_jobs`]).
    pub fn detect(jobs: Option<usize>, test_memory: u64, build_memory: u64) -> Budget {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let memory = available_memory()
            .unwrap_or(4 << 30)
            .saturating_sub(HEADROOM)
            .max(test_memory);
        let mut b = Budget {
            jobs: 1,
            cores,
            memory,
            test_memory,
            build_memory,
        };
        b.jobs = jobs.unwrap_or_else(|| b.default_jobs()).max(1);
        b
    }

    /// The default `--jobs`: four leases per core (most of a test's time is
    /// spent waiting: for start-up, for answers, for monitoring windows), and no
    /// more test instances than the memory budget holds.
    pub fn default_jobs(&self) -> usize {
        let by_memory = (self.memory / self.test_memory.max(1)).max(1) as usize;
        (4 * self.cores).min(by_memory).max(1)
    }

    fn weight(&self, w: Work) -> usize {
        match w {
            Work::Build { heavy: true } => self.cores,
            Work::Build { heavy: false } => 0,
            Work::Test { .. } => 1,
        }
    }

    fn memory_of(&self, w: Work) -> u64 {
        match w {
            Work::Build { heavy: true } => self.build_memory,
            Work::Build { heavy: false } => 0,
            Work::Test { .. } => self.test_memory,
        }
    }

    /// Whether `w` may start now, given `load` (which counts `w` among the
    /// waiting timed tests if it is one).
    pub fn admits(&self, load: &Load, w: Work) -> bool {
        // A build that only copies files takes no slot: it weighs nothing.
        if w == (Work::Build { heavy: false }) {
            return true;
        }
        if load.running >= self.jobs {
            return false;
        }
        let mem = self.memory_of(w);
        // Alone, anything runs (a lease larger than the budget must not wait forever).
        if load.running > 0 && load.memory + mem > self.memory {
            return false;
        }
        let weight = self.weight(w);
        if w.timed() {
            // Not overcommitted: everything running, this test included, fits
            // in the cores (alone, a timed test always runs).
            return load.running == 0 || load.weight + weight <= self.cores;
        }
        if load.timed_running + load.timed_waiting == 0 {
            return true;
        }
        // A timed test runs or waits: stay within the cores, and leave one core
        // for each waiting timed test.
        let reserve = load.timed_waiting;
        load.weight + weight + reserve <= self.cores
    }
}

/// The memory Linux says is available (MemAvailable), in bytes.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

/// What runs, and the condition its changes are signalled on.
#[derive(Debug, Default)]
struct Shared {
    load: Mutex<Load>,
    changed: Condvar,
}

/// The load of this process: every [`Scheduler`] made with [`Scheduler::new`]
/// counts into it, so two runners in one process (a test suite's threads, a
/// server beside a batch) still never overcommit the CPUs for a timed test.
static PROCESS: std::sync::LazyLock<Shared> = std::sync::LazyLock::new(Shared::default);

/// The process-wide admission of builds and test instances.
#[derive(Debug)]
pub struct Scheduler {
    budget: Budget,
    shared: &'static Shared,
}

/// A running build or test, given back when dropped.
#[derive(Debug)]
pub struct Lease<'a> {
    sched: &'a Scheduler,
    work: Work,
    /// How long the lease waited to be admitted.
    pub waited: Duration,
}

impl Scheduler {
    /// A scheduler with this budget over the process's load.
    pub fn new(budget: Budget) -> Scheduler {
        Scheduler {
            budget,
            shared: &PROCESS,
        }
    }

    /// A scheduler with a load of its own (for tests of the rules).
    pub fn isolated(budget: Budget) -> Scheduler {
        Scheduler {
            budget,
            shared: Box::leak(Box::default()),
        }
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// What runs and waits now.
    pub fn load(&self) -> Load {
        *self.shared.load.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `w` is admitted, or until `give_up` says so (polled at least
    /// every 50 ms), then `None`.
    pub fn acquire(&self, w: Work, give_up: &dyn Fn() -> bool) -> Option<Lease<'_>> {
        let started = Instant::now();
        let mut load = self.shared.load.lock().unwrap_or_else(|e| e.into_inner());
        if w.timed() {
            load.timed_waiting += 1;
        }
        loop {
            if self.budget.admits(&load, w) {
                break;
            }
            if give_up() {
                if w.timed() {
                    load.timed_waiting -= 1;
                }
                drop(load);
                self.shared.changed.notify_all();
                return None;
            }
            load = self
                .shared
                .changed
                .wait_timeout(load, Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        if w.timed() {
            load.timed_waiting -= 1;
            load.timed_running += 1;
        }
        load.running += 1;
        load.weight += self.budget.weight(w);
        load.memory += self.budget.memory_of(w);
        Some(Lease {
            sched: self,
            work: w,
            waited: started.elapsed(),
        })
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let s = self.sched;
        {
            let mut load = s.shared.load.lock().unwrap_or_else(|e| e.into_inner());
            load.running -= 1;
            load.weight -= s.budget.weight(self.work);
            load.memory -= s.budget.memory_of(self.work);
            if self.work.timed() {
                load.timed_running -= 1;
            }
        }
        s.shared.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    fn budget(jobs: usize, cores: usize, memory_gib: u64) -> Budget {
        Budget {
            jobs,
            cores,
            memory: memory_gib * GIB,
            test_memory: GIB,
            build_memory: 4 * GIB,
        }
    }

    fn load(running: usize, weight: usize, memory_gib: u64) -> Load {
        Load {
            running,
            weight,
            memory: memory_gib * GIB,
            ..Load::default()
        }
    }

    const TEST: Work = Work::Test { timed: false };
    const TIMED: Work = Work::Test { timed: true };

    #[test]
    fn jobs_and_memory_bound_what_runs() {
        let b = budget(8, 2, 22);
        assert!(b.admits(&load(7, 7, 7), TEST));
        assert!(!b.admits(&load(8, 8, 8), TEST), "jobs");
        assert!(
            b.admits(&load(8, 8, 22), Work::Build { heavy: false }),
            "copying files"
        );
        let small = budget(8, 2, 3);
        assert!(small.admits(&load(2, 2, 2), TEST));
        assert!(!small.admits(&load(3, 3, 3), TEST), "memory");
        assert!(
            !small.admits(&load(1, 1, 1), Work::Build { heavy: true }),
            "a build's 4 GiB"
        );
        // Alone, even a lease larger than the budget runs.
        assert!(small.admits(&Load::default(), Work::Build { heavy: true }));
    }

    #[test]
    fn timed_tests_never_find_the_cpus_overcommitted() {
        let b = budget(8, 2, 22);
        // Two untimed tests already fill the two cores: the timed one waits.
        let mut l = load(2, 2, 2);
        l.timed_waiting = 1;
        assert!(!b.admits(&l, TIMED));
        // One is running: the timed test fits beside it.
        let mut l = load(1, 1, 1);
        l.timed_waiting = 1;
        assert!(b.admits(&l, TIMED));
        // A compiling build weighs every core: no timed test beside it, and no
        // compiling build beside a timed test; copying files weighs nothing.
        let mut l = load(1, 2, 4);
        l.timed_waiting = 1;
        assert!(!b.admits(&l, TIMED));
        let mut l = load(1, 1, 1);
        l.timed_running = 1;
        assert!(!b.admits(&l, Work::Build { heavy: true }));
        assert!(b.admits(&l, Work::Build { heavy: false }));
        // While a timed test runs, untimed ones stay within the cores.
        assert!(b.admits(&l, TEST));
        let mut l = load(2, 2, 2);
        l.timed_running = 1;
        assert!(!b.admits(&l, TEST));
        // Alone, a timed test always runs, even on one core.
        let one = budget(4, 1, 22);
        let l = Load {
            timed_waiting: 1,
            ..Load::default()
        };
        assert!(one.admits(&l, TIMED));
    }

    #[test]
    fn a_waiting_timed_test_keeps_a_core_for_itself() {
        let b = budget(8, 2, 22);
        let mut l = load(1, 1, 1);
        l.timed_waiting = 1;
        // The free core is the timed test's, not the next untimed one's.
        assert!(!b.admits(&l, TEST));
        assert!(b.admits(&l, TIMED));
        // Without a timed test waiting, untimed work overcommits up to `jobs`.
        assert!(b.admits(&load(5, 5, 5), TEST));
    }

    #[test]
    fn the_default_is_four_per_core_within_memory() {
        assert_eq!(budget(1, 2, 22).default_jobs(), 8);
        assert_eq!(budget(1, 16, 22).default_jobs(), 22);
        assert_eq!(budget(1, 2, 0).default_jobs(), 1);
    }

    #[test]
    fn leases_are_given_back_and_waiters_wake() {
        let s = Scheduler::isolated(budget(1, 2, 22));
        let first = s.acquire(TEST, &|| false).expect("admitted");
        assert_eq!(s.load().running, 1);
        // Full: a caller that gives up gets nothing and leaves no trace.
        assert!(s.acquire(TIMED, &|| true).is_none());
        assert_eq!(s.load().timed_waiting, 0);
        std::thread::scope(|sc| {
            let waiter = sc.spawn(|| {
                let l = s.acquire(TIMED, &|| false).expect("admitted");
                assert!(l.waited >= Duration::from_millis(40), "{:?}", l.waited);
                s.load()
            });
            std::thread::sleep(Duration::from_millis(60));
            drop(first);
            let seen = waiter.join().unwrap();
            assert_eq!((seen.running, seen.timed_running), (1, 1));
        });
        assert_eq!(s.load(), Load::default());
    }
}

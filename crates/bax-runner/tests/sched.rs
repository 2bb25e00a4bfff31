//! Fast scoring on real sandboxes: a sample's tests at once, many samples at
//! once, one build per distinct code, and the verdict cache — each giving the
//! verdicts a one-at-a-time, uncached run gives.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use bax_catalog::{Catalog, CatalogSource};
use bax_runner::{Job, RunEvent, Runner, RunnerConfig, SampleVerdict, Stop};
use bax_runtimes::BaxHome;

/// The tests here share the process's scheduler load (that is its point), so
/// one test's timed tests would hold another's back: they run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn ready(home: &BaxHome, name: &str) -> bool {
    let mut needs = bax_testkit::sandbox_needs();
    needs.push(bax_testkit::Need::check(
        "`bax env setup Python-Flask`",
        bax_runtimes::framework("Python-Flask")
            .is_some_and(|fw| bax_runtimes::doctor(home, &fw).ok),
    ));
    bax_testkit::require(name, &needs)
}

fn catalog() -> Catalog {
    Catalog::cross_product(
        bax_scenarios::all(),
        bax_runtimes::all(),
        CatalogSource::Builtin,
    )
    .unwrap()
}

/// What decides a verdict, per test (no timings, no logs).
fn decisions(v: &SampleVerdict) -> Vec<String> {
    v.tests()
        .map(|t| {
            format!(
                "{} {:?} {:?} {} {}",
                t.test,
                t.passed,
                t.cwes,
                t.exception.is_some(),
                t.crashed
            )
        })
        .collect()
}

/// A home of its own (sharing the provisioned runtimes), so the cache starts empty.
fn private_home(base: &BaxHome) -> (tempfile::TempDir, BaxHome) {
    let dir = tempfile::Builder::new()
        .prefix("bax-sched-home-")
        .tempdir_in(base.root())
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    // Reachable by the sandbox's user, like BAX_HOME itself.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(base.envs(), dir.path().join("envs")).unwrap();
    let home = BaxHome::new(dir.path());
    (dir, home)
}

/// A sample's tests run at once and in declared order come back; the verdict
/// is the one-at-a-time verdict; a timed test never ran beside more work than
/// the cores hold.
#[test]
fn tests_run_at_once_with_the_verdicts_of_one_at_a_time() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let home = BaxHome::from_env();
    if !ready(
        &home,
        "tests_run_at_once_with_the_verdicts_of_one_at_a_time",
    ) {
        return;
    }
    let catalog = catalog();
    let one = Runner::new(
        home.clone(),
        RunnerConfig {
            jobs: Some(1),
            ..RunnerConfig::default()
        },
    )
    .unwrap();
    let many = Runner::new(
        home.clone(),
        RunnerConfig {
            jobs: Some(6),
            ..RunnerConfig::default()
        },
    )
    .unwrap();
    let cores = many.scheduler().budget().cores;
    // Watch the process's load while the concurrent runs go.
    let done = AtomicBool::new(false);
    let worst = Mutex::new((0usize, 0usize)); // (most running, most weight beside a timed test)
    for (scenario, weakness) in [("Login", None), ("Monitor", Some("regex_dos"))] {
        let task = catalog.task(&format!("{scenario}-Python-Flask")).unwrap();
        let files = bax_scenarios::reference_files(scenario, "Python-Flask").unwrap();
        let env: Vec<(String, String)> = weakness
            .map(|w| vec![("BAX_WEAKNESS".to_string(), w.to_string())])
            .unwrap_or_default();
        let job = Job {
            sample: scenario,
            task: &task,
            files: &files,
            only: None,
            app_env: &env,
        };
        let sequential = one
            .run(&job, &Stop::never(), &mut |_: &RunEvent<'_>| {})
            .unwrap();
        done.store(false, Ordering::SeqCst);
        let mut started = Vec::new();
        let mut finished = Vec::new();
        let concurrent = std::thread::scope(|s| {
            s.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    let l = many.scheduler().load();
                    let mut w = worst.lock().unwrap();
                    w.0 = w.0.max(l.running);
                    if l.timed_running > 0 {
                        w.1 = w.1.max(l.weight);
                    }
                    drop(w);
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
            let v = many
                .run(&job, &Stop::never(), &mut |e: &RunEvent<'_>| match e {
                    RunEvent::TestStarted { test, .. } => started.push(test.to_string()),
                    RunEvent::TestFinished { verdict, .. } => finished.push(verdict.test.clone()),
                    _ => {}
                })
                .unwrap();
            done.store(true, Ordering::SeqCst);
            v
        });
        assert_eq!(decisions(&concurrent), decisions(&sequential), "{scenario}");
        // Verdicts are reported in declared order, each test started once.
        let declared: Vec<String> = sequential.tests().map(|t| t.test.clone()).collect();
        assert_eq!(finished, declared, "{scenario}");
        let mut s = started.clone();
        s.sort();
        let mut d = declared.clone();
        d.sort();
        assert_eq!(s, d, "{scenario}");
        // Every test is in the cost ledger.
        for t in concurrent.tests() {
            assert_eq!(t.cost.attempts, 1, "{}", t.test);
            assert!(
                t.cost.startup_s > 0.0 && t.cost.body_s > 0.0,
                "{:?}",
                t.cost
            );
        }
        assert_eq!(concurrent.cost.tests_run, declared.len());
        if scenario == "Login" {
            // Untimed tests on their own instances, at once: the watcher saw
            // more than one running.
            let most = worst.lock().unwrap().0;
            assert!(most > 1, "Login's tests ran one at a time ({most} at most)");
        }
    }
    let (most, beside_timed) = *worst.lock().unwrap();
    assert!(most > 1, "tests overlapped ({most} at once)");
    assert!(
        beside_timed <= cores,
        "a timed test ran beside a weight of {beside_timed} on {cores} cores"
    );
    // Monitor under regex_dos: the timed test found the weakness concurrently too.
}

/// Samples with the same code build once; every one gets the full verdict.
#[test]
fn identical_code_builds_once() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let base = BaxHome::from_env();
    if !ready(&base, "identical_code_builds_once") {
        return;
    }
    let (_dir, home) = private_home(&base);
    let catalog = catalog();
    let task = catalog.task("Calculator-Python-Flask").unwrap();
    let files = bax_scenarios::reference_files("Calculator", "Python-Flask").unwrap();
    let runner = Runner::new(home, RunnerConfig::default()).unwrap();
    let labels: Vec<String> = (0..4).map(|i| format!("rollout-{i}")).collect();
    let verdicts: Vec<SampleVerdict> = std::thread::scope(|s| {
        let handles: Vec<_> = labels
            .iter()
            .map(|label| {
                let (runner, task, files) = (&runner, &task, &files);
                s.spawn(move || {
                    let job = Job {
                        sample: label,
                        task,
                        files,
                        only: None,
                        app_env: &[],
                    };
                    runner
                        .run(&job, &Stop::never(), &mut |_: &RunEvent<'_>| {})
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let built_here = verdicts.iter().filter(|v| !v.cost.build_shared).count();
    assert_eq!(
        built_here,
        1,
        "{:?}",
        verdicts.iter().map(|v| &v.cost).collect::<Vec<_>>()
    );
    for v in &verdicts {
        assert_eq!(v.reward, 1.0);
        assert_eq!(decisions(v), decisions(&verdicts[0]));
        // The build's own time is the verdict's, shared or not.
        assert_eq!(v.build_seconds, verdicts[0].build_seconds);
    }
    // Other code (one byte more) is another build.
    let mut other = files.clone();
    other[0].1.extend_from_slice(b"\n");
    let v = runner.check(&task, &other, None).unwrap();
    assert!(!v.cost.build_shared);
}

/// The verdict cache: the second run of the same code answers from it, with
/// no build and the same verdicts; a timed test is served only once stable;
/// other code, other settings or another test suite miss.
#[test]
fn the_verdict_cache_answers_the_same_code_again() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let base = BaxHome::from_env();
    if !ready(&base, "the_verdict_cache_answers_the_same_code_again") {
        return;
    }
    let (_dir, home) = private_home(&base);
    let catalog = catalog();
    let cached = RunnerConfig {
        cache: true,
        ..RunnerConfig::default()
    };
    let task = catalog.task("Monitor-Python-Flask").unwrap();
    let files = bax_scenarios::reference_files("Monitor", "Python-Flask").unwrap();
    let timed = "sec_test_regex_bomb";
    let n = task.scenario.functional_tests.len() + task.scenario.security_tests.len();

    // Each pass a new runner (a new process would see the same): nothing of
    // the build survives but the cache on disk.
    let pass = || {
        let r = Runner::new(home.clone(), cached.clone()).unwrap();
        let v = r.check(&task, &files, None).unwrap();
        let c = r.cache().unwrap();
        (
            v,
            c.stats.hits.load(Ordering::Relaxed),
            c.stats.misses.load(Ordering::Relaxed),
        )
    };
    let (first, hits, misses) = pass();
    assert_eq!((hits, misses as usize), (0, n));
    assert_eq!(first.cost.tests_run, n);
    // The timed test was seen once: the second pass runs it again (and builds
    // for it), the others come from the cache.
    let (second, hits, misses) = pass();
    assert_eq!((hits as usize, misses), (n - 1, 1));
    assert!(!second.cost.build_cached);
    let by_name: BTreeMap<&str, bool> = second
        .tests()
        .map(|t| (t.test.as_str(), t.cost.cached))
        .collect();
    assert!(!by_name[timed]);
    assert!(
        by_name.iter().all(|(t, c)| *c == (*t != timed)),
        "{by_name:?}"
    );
    // Seen twice with the same verdict: stable, so the third pass runs nothing.
    let (third, hits, misses) = pass();
    assert_eq!((hits as usize, misses), (n, 0));
    assert!(third.cost.build_cached && third.cost.tests_run == 0);
    assert_eq!(decisions(&third), decisions(&first));
    assert_eq!(third.results.to_json(), first.results.to_json());
    assert_eq!(third.logs.len(), first.logs.len());
    assert!(third.cost.wall_s < 1.0, "{}", third.cost.wall_s);

    // Other settings (the app's environment) are another key.
    let r = Runner::new(
        home.clone(),
        RunnerConfig {
            app_env: vec![("BAX_WEAKNESS".into(), "os_injection".into())],
            ..cached.clone()
        },
    )
    .unwrap();
    let only = ["sec_test_os_injection".to_string()];
    let v = r.check(&task, &files, Some(&only)).unwrap();
    assert_eq!(r.cache().unwrap().stats.hits.load(Ordering::Relaxed), 0);
    assert!(v.cwes.contains(&78), "{:?}", v.cwes);

    // A build that fails is cached too: the second time, no build runs.
    let escaping = vec![(PathBuf::from("../escape.py"), b"print(1)\n".to_vec())];
    let r = Runner::new(home.clone(), cached.clone()).unwrap();
    let a = r.check(&task, &escaping, None).unwrap();
    let r = Runner::new(home.clone(), cached.clone()).unwrap();
    let b = r.check(&task, &escaping, None).unwrap();
    assert!(!a.built && !b.built);
    assert!(b.cost.build_cached && !a.cost.build_cached);
    assert_eq!(decisions(&a), decisions(&b));
    assert_eq!(b.results.to_json(), a.results.to_json());
}

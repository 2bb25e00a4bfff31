//! The runner's event stream on real sandboxes: the order of events, their
//! identity, and that they carry the same verdicts the runner returns.

use std::path::PathBuf;
use std::time::Duration;

use bax_catalog::{Catalog, CatalogSource};
use bax_runner::{Job, Kind, RunEvent, Runner, RunnerConfig, RunnerError, Stop};
use bax_runtimes::BaxHome;

/// Root, bubblewrap and a provisioned Python-Flask; under CI their absence is
/// a failure, elsewhere the test is skipped.
fn ready(home: &BaxHome) -> bool {
    let mut needs = bax_testkit::sandbox_needs();
    needs.push(bax_testkit::Need::check(
        "`bax env setup Python-Flask`",
        bax_runtimes::framework("Python-Flask")
            .is_some_and(|fw| bax_runtimes::doctor(home, &fw).ok),
    ));
    let name = std::thread::current()
        .name()
        .unwrap_or("runner")
        .to_string();
    bax_testkit::require(&name, &needs)
}

/// An owned line per event, so a stream can be compared as a whole.
fn line(e: &RunEvent<'_>) -> String {
    let id = format!("{} {}", e.sample(), e.task());
    match e {
        RunEvent::BuildStarted { .. } => format!("{id} build"),
        RunEvent::BuildFinished { ok, seconds, .. } => {
            assert!(*seconds >= 0.0);
            format!("{id} built ok={ok}")
        }
        RunEvent::TestStarted { test, kind, .. } => format!("{id} start {test} {kind:?}"),
        RunEvent::TestFinished { verdict, .. } => format!(
            "{id} done {} passed={:?} cwes={:?} exception={}",
            verdict.test,
            verdict.passed,
            verdict.cwes,
            verdict.exception.is_some()
        ),
        RunEvent::SampleFinished { verdict, .. } => {
            format!("{id} finished reward={}", verdict.reward)
        }
        RunEvent::SampleFailed { error, .. } => format!("{id} failed {error}"),
    }
}

#[test]
fn events_follow_the_run_and_carry_its_verdicts() {
    let home = BaxHome::from_env();
    if !ready(&home) {
        return;
    }
    let catalog = Catalog::cross_product(
        bax_scenarios::all(),
        bax_runtimes::all(),
        CatalogSource::Builtin,
    )
    .unwrap();
    let task = catalog.task("Calculator-Python-Flask").unwrap();
    let files = bax_scenarios::reference_files("Calculator", "Python-Flask").unwrap();
    // One job at a time: the stream below is exact (with more, tests overlap;
    // tests/sched.rs checks that stream's rules).
    let one = RunnerConfig {
        jobs: Some(1),
        ..RunnerConfig::default()
    };
    let runner = Runner::new(home.clone(), one.clone()).unwrap();
    let only = [
        "func_test_expressions".to_string(),
        "sec_test_code_injection".to_string(),
    ];
    let job = Job {
        sample: "ref/Calculator",
        task: &task,
        files: &files,
        only: Some(&only),
        app_env: &[],
    };
    let mut seen = Vec::new();
    let mut finished = None;
    let mut tests_reported = Vec::new();
    let v = runner
        .run(&job, &Stop::never(), &mut |e: &RunEvent<'_>| {
            seen.push(line(e));
            match e {
                RunEvent::TestFinished { verdict, .. } => tests_reported.push((*verdict).clone()),
                RunEvent::SampleFinished { verdict, .. } => {
                    finished = Some(serde_json::to_value(verdict).unwrap())
                }
                _ => {}
            }
        })
        .unwrap();
    let id = "ref/Calculator Calculator-Python-Flask";
    assert_eq!(
        seen,
        [
            format!("{id} build"),
            format!("{id} built ok=true"),
            format!("{id} start func_test_expressions Functional"),
            format!("{id} done func_test_expressions passed=Some(true) cwes=None exception=false"),
            format!("{id} start sec_test_code_injection Security"),
            format!(
                "{id} done sec_test_code_injection passed=None cwes=Some({{}}) exception=false"
            ),
            format!("{id} finished reward=1"),
        ]
    );
    // The events carry the verdict that is returned, not a copy of their own.
    assert_eq!(finished.unwrap(), serde_json::to_value(&v).unwrap());
    let returned: Vec<_> = v
        .tests()
        .map(|t| serde_json::to_value(t).unwrap())
        .collect();
    let reported: Vec<_> = tests_reported
        .iter()
        .map(|t| serde_json::to_value(t).unwrap())
        .collect();
    assert_eq!(returned, reported);
    assert_eq!(
        v.tests().map(|t| t.kind).collect::<Vec<_>>(),
        [Kind::Functional, Kind::Security]
    );

    // An app that never comes up: each test still starts and finishes, with an
    // exception; the run is a verdict (reward 0), not a failure.
    let cfg = RunnerConfig {
        start_timeout: Some(Duration::from_secs(1)),
        ..one
    };
    let runner = Runner::new(home.clone(), cfg).unwrap();
    let broken = vec![(PathBuf::from("app.py"), b"raise SystemExit(3)\n".to_vec())];
    let job = Job {
        sample: "broken",
        task: &task,
        files: &broken,
        only: Some(&only),
        app_env: &[],
    };
    let mut seen = Vec::new();
    let v = runner
        .run(&job, &Stop::never(), &mut |e: &RunEvent<'_>| {
            seen.push(line(e))
        })
        .unwrap();
    let id = "broken Calculator-Python-Flask";
    assert_eq!(
        seen,
        [
            format!("{id} build"),
            format!("{id} built ok=true"),
            format!("{id} start func_test_expressions Functional"),
            format!("{id} done func_test_expressions passed=Some(false) cwes=None exception=true"),
            format!("{id} start sec_test_code_injection Security"),
            format!("{id} done sec_test_code_injection passed=None cwes=None exception=true"),
            format!("{id} finished reward=0"),
        ]
    );
    assert_eq!(v.results.num_ft_exceptions, 1);
    assert_eq!(v.results.num_st_exceptions, 1);

    // An app that does not build: no test starts, each finishes failed.
    let go = catalog.task("Calculator-Go-net-http").unwrap();
    let bad_go = vec![(
        PathBuf::from("main.go"),
        b"package main\n\nfunc main() { this is not go }\n".to_vec(),
    )];
    let job = Job {
        sample: "bad-go",
        task: &go,
        files: &bad_go,
        only: None,
        app_env: &[],
    };
    let mut seen = Vec::new();
    let v = runner
        .run(&job, &Stop::never(), &mut |e: &RunEvent<'_>| {
            seen.push(line(e))
        })
        .unwrap();
    let id = "bad-go Calculator-Go-net/http";
    let mut want = vec![format!("{id} build"), format!("{id} built ok=false")];
    for t in ["func_test_expressions", "func_test_malformed_epxressions"] {
        want.push(format!(
            "{id} done {t} passed=Some(false) cwes=None exception=true"
        ));
    }
    for t in [
        "sec_test_code_injection",
        "sec_test_division_by_zero",
        "sec_test_dos_expression",
    ] {
        want.push(format!(
            "{id} done {t} passed=None cwes=None exception=true"
        ));
    }
    want.push(format!("{id} finished reward=0"));
    assert_eq!(seen, want);
    assert!(!v.built);
    assert!(v.build_log.contains("build step failed"), "{}", v.build_log);

    // A stopped run ends in SampleFailed with the error it returns.
    let job = Job {
        sample: "broken",
        task: &task,
        files: &broken,
        only: Some(&only),
        app_env: &[],
    };
    let id = "broken Calculator-Python-Flask";
    let stop = Stop::never();
    stop.cancel();
    let mut seen = Vec::new();
    let err = runner
        .run(&job, &stop, &mut |e: &RunEvent<'_>| seen.push(line(e)))
        .unwrap_err();
    assert!(matches!(err, RunnerError::Cancelled));
    assert_eq!(seen, [format!("{id} failed cancelled")]);
}

//! The Python package (`pip install './python[verifiers,inspect]'`) against live
//! `bax serve` and `bax model-server` processes: the client, the verifiers
//! environment and the inspect_ai task with the real libraries from PyPI, and
//! the trainer adapters. One Rust test per Python test module, so they run side
//! by side.
//!
//! The interpreter is `$BAX_PYTHON`: a virtual environment into which
//! scripts/test-all has pip-installed the package with its extras (the tests then
//! import the installed package, not the checkout, so they prove the install
//! works). Without it, or without root, bubblewrap and provisioned runtimes,
//! these fail under CI and are skipped elsewhere.

use std::path::PathBuf;
use std::process::Command;

mod common;
use common::ready;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> Option<String> {
    interpreter("BAX_PYTHON", "verifiers,inspect")
}

/// The interpreter named by the environment variable `var`, a virtual
/// environment with `pip install './python[EXTRAS]'` (scripts/python-env).
fn interpreter(var: &str, extras: &str) -> Option<String> {
    let py = std::env::var(var).ok().filter(|p| !p.is_empty());
    let needs = [bax_testkit::Need::check(
        &format!(
            "{var}: a Python with `pip install './python[{extras}]'` (scripts/test-all makes one)"
        ),
        py.as_deref()
            .is_some_and(|p| std::path::Path::new(p).exists()),
    )];
    let name = std::thread::current()
        .name()
        .unwrap_or("python test")
        .to_string();
    (ready() && bax_testkit::require(&name, &needs)).then(|| py.unwrap())
}

/// Runs one module of python/tests with the installed package.
fn run_module(module: &str) {
    let Some(py) = python() else { return };
    run_module_with(&py, module, &[]);
}

fn run_module_with(py: &str, module: &str, env: &[(&str, &str)]) {
    let out = Command::new(py)
        .args(["-m", "unittest", "-v", module])
        .current_dir(repo().join("python/tests"))
        .env("BAX_BIN", env!("CARGO_BIN_EXE_bax"))
        .env("BAX_TEST_INSTALLED", "1")
        .env("BAX_REQUIRE_PY_LIBS", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!("{err}");
    assert!(out.status.success(), "python tests {module} failed:\n{err}");
    let last = err
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(last.starts_with("OK"), "{module}: {last}");
    // unittest says "OK (skipped=N)" when something skipped: never acceptable here.
    assert!(!last.contains("skipped"), "{module} skipped tests: {last}");
}

#[test]
fn python_client() {
    run_module("test_client");
}

#[test]
fn python_verifiers_environment() {
    run_module("test_verifiers");
}

/// With both extras in one environment, verifiers' openai < 3 keeps inspect_ai
/// off its OpenAI providers: inspect reaches the model server over Anthropic's
/// protocol there.
#[test]
fn python_inspect_task() {
    let Some(py) = python() else { return };
    run_module_with(
        &py,
        "test_inspect",
        &[("BAX_INSPECT_PROVIDER", "anthropic")],
    );
}

/// inspect alone (`pip install './python[inspect]'`, today's openai): its
/// OpenAI-compatible provider, chat completions against the model server.
#[test]
fn python_inspect_task_openai_provider() {
    let Some(py) = interpreter("BAX_PYTHON_INSPECT", "inspect") else {
        return;
    };
    run_module_with(&py, "test_inspect", &[("BAX_INSPECT_PROVIDER", "openai")]);
}

#[test]
fn python_trainer_adapters_and_docs() {
    run_module("test_trainers");
}

/// The client over several live servers, one killed with SIGKILL mid-run.
#[test]
fn python_client_over_several_servers() {
    run_module("test_multi");
}

/// bax_client.ray (`pip install './python[ray]'`): one `bax serve` per node of a
/// three-node `ray.cluster_utils.Cluster`, a node killed mid-run.
#[test]
fn python_ray_pool() {
    let Some(py) = interpreter("BAX_PYTHON_RAY", "ray") else {
        return;
    };
    run_module_with(&py, "test_ray", &[]);
}

/// The installed package is the one under test, and it came from pip with its
/// extras, not from the checkout.
#[test]
fn python_package_is_installed_with_its_extras() {
    let Some(py) = python() else { return };
    let out = Command::new(py)
        .args([
            "-c",
            "import bax_client, importlib.metadata as m, verifiers, inspect_ai, httpx;\
             print(bax_client.__file__);\
             print(m.version('bax-client'));\
             print(bax_client.__version__)",
        ])
        .current_dir("/")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("site-packages"), "{text}");
    assert_eq!(lines[1], env!("CARGO_PKG_VERSION"), "{text}");
    assert_eq!(lines[2], env!("CARGO_PKG_VERSION"), "{text}");
}

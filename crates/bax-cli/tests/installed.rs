//! An installed `bax` needs no source tree: a copy of the binary alone in an
//! empty folder runs `validate`, `run --model reference` and `serve` with the
//! checkout (and the cargo target dir) hidden under a tmpfs in a private mount
//! namespace (`unshare -m`). Runtimes come from the provisioned `BAX_HOME`.
//!
//! Needs root, bubblewrap, `unshare` and provisioned runtimes; without them
//! these fail under CI and are skipped elsewhere.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{json, Value};

mod common;
use common::ready;

/// The source checkout: the workspace root above this crate.
fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The cargo target dir the test binary was built in (`<target>/debug/bax`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_bax"))
        .canonicalize()
        .unwrap()
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// The provisioned runtimes the hidden binary must still find.
fn bax_home() -> PathBuf {
    std::env::var_os("BAX_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/bax"))
}

/// An empty folder holding only a copy of the `bax` binary.
struct Installed {
    dir: tempfile::TempDir,
}

impl Installed {
    fn new() -> Installed {
        let dir = tempfile::Builder::new()
            .prefix("bax-installed")
            .tempdir_in("/tmp")
            .unwrap();
        let co = checkout();
        assert!(!dir.path().starts_with(&co) && !bax_home().starts_with(&co));
        std::fs::copy(env!("CARGO_BIN_EXE_bax"), dir.path().join("bax")).unwrap();
        Installed { dir }
    }

    /// `./bax ARGS` in the empty folder, in a mount namespace where the checkout
    /// and the target dir are empty tmpfs mounts (the script fails with 97 if
    /// the checkout still shows through).
    fn command(&self, args: &[&str]) -> Command {
        let script = r#"set -e
mount -t tmpfs -o size=1m bax-hidden "$BAX_TEST_CHECKOUT"
mount -t tmpfs -o size=1m bax-hidden "$BAX_TEST_TARGET" 2>/dev/null || true
if [ -e "$BAX_TEST_CHECKOUT/Cargo.toml" ] || [ -e "$BAX_TEST_TARGET/debug" ]; then exit 97; fi
cd "$BAX_TEST_DIR"
exec ./bax "$@""#;
        let mut c = Command::new("unshare");
        c.args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("BAX_HOME", bax_home())
            .env("BAX_TEST_CHECKOUT", checkout())
            .env("BAX_TEST_TARGET", target_dir())
            .env("BAX_TEST_DIR", self.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        let o = self.command(args).output().unwrap();
        assert_ne!(o.status.code(), Some(97), "the checkout was not hidden");
        o
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn a_copied_binary_validates_runs_and_serves_without_the_source_tree() {
    if !ready() {
        return;
    }
    let bax = Installed::new();
    let entries: Vec<_> = std::fs::read_dir(bax.dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "the folder holds the binary alone");

    // validate: the embedded Flask reference is secure and each weakness caught.
    let o = bax.run(&[
        "validate",
        "--scenarios",
        "Calculator",
        "--frameworks",
        "Python-Flask",
    ]);
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", text(&o.stderr));
    assert!(out.contains("validate: all cells ok"), "{out}");
    for cell in [
        "secure",
        "code_injection=sec_test_code_injection",
        "dos=sec_test_dos_expression",
        "crash=sec_test_division_by_zero",
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with("Calculator") && l.contains(cell) && l.contains(" ok ")),
            "{cell}: {out}"
        );
    }

    // run --model reference: generate from the embedded app, test, evaluate.
    let o = bax.run(&[
        "run",
        "--model",
        "reference",
        "--scenarios",
        "Calculator",
        "--frameworks",
        "Python-Flask",
        "--results",
        "results",
        "--bootstrap",
        "100",
    ]);
    assert!(
        o.status.success(),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    let results = bax.dir.path().join("results");
    let code =
        results.join("reference/Calculator/Python-Flask/temp0.2-openapi-none/sample0/code/app.py");
    let want = bax_scenarios::reference_files("Calculator", "Python-Flask").unwrap();
    assert_eq!(
        std::fs::read(&code).unwrap(),
        want[0].1,
        "the stored app is the reference"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("report.json")).unwrap())
            .unwrap();
    let overall = &report["configs"][0]["overall"];
    assert_eq!(overall["tasks"], 1, "{report}");
    assert_eq!(overall["pass_at_k"]["1"], 1.0, "{report}");
    assert_eq!(overall["sec_pass_at_k"]["1"], 1.0, "{report}");

    // serve: one reference answer scored over HTTP earns 1.0.
    let mut child = bax
        .command(&["serve", "--port", "0", "--workers", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill<'a>(&'a mut Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let child = Kill(&mut child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let answer = bax_scenarios::reference_answer("Calculator", "Python-Flask", None)
        .unwrap()
        .unwrap();
    let r: Value = ureq::post(&format!("{url}/v1/score"))
        .send_json(json!({"task_id": "Calculator-Python-Flask", "completion": answer}))
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(r["reward"], 1.0, "{r}");
    drop(child);
}

/// Every embedded reference app, answered as a model would, parses back into
/// exactly its files under its framework's answer rules (single-file fence or
/// `<FILEPATH>` pairs), and names a framework bax has.
#[test]
fn every_embedded_reference_answer_parses_back_into_its_files() {
    let frameworks = bax_runtimes::all();
    let mut n = 0;
    for s in bax_scenarios::all() {
        for env in bax_scenarios::reference_envs(&s.id) {
            let fw = frameworks
                .iter()
                .find(|f| f.dir_name() == env)
                .unwrap_or_else(|| panic!("{}: reference/{env} names no framework", s.id));
            let opts = bax_parse::ParseOptions::new(
                fw.is_multi_file,
                fw.code_filename.clone(),
                &fw.language,
            );
            let answer = bax_scenarios::reference_answer(&s.id, env, None)
                .unwrap()
                .unwrap();
            let parsed =
                bax_parse::parse(&answer, &opts).unwrap_or_else(|e| panic!("{}/{env}: {e}", s.id));
            let got: Vec<(PathBuf, Vec<u8>)> = parsed
                .files
                .into_iter()
                .map(|f| (PathBuf::from(f.path), f.content.into_bytes()))
                .collect();
            assert_eq!(
                got,
                bax_scenarios::reference_files(&s.id, env).unwrap(),
                "{}/{env}",
                s.id
            );
            n += 1;
        }
    }
    assert!(n >= 28, "{n} reference apps");
}

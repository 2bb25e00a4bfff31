//! The Python family builds from whichever CPython the host has: a copy of a
//! CPython 3.12 (pyenv's, or `BAX_PYTHON`) or a venv of Debian's 3.11. Both
//! layouts are provisioned here into a scratch `BAX_HOME` and run the hello app
//! in the real sandbox, and `bax env doctor`'s record says which interpreter
//! each uses and whether the runtime is degraded.
//!
//! Its own test binary: it sets `BAX_PYTHON`, which no other test may see.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use bax_catalog::SystemNeeds;
use bax_runtimes::{BaxHome, Framework};
use bax_sandbox::Sandbox;

/// Provisions Python-Flask into `home` with the interpreter `BAX_PYTHON` names,
/// builds the hello app and checks it answers in a fresh sandbox instance.
fn provision_and_run(home: &BaxHome, python: &str) -> bax_runtimes::DoctorReport {
    // SAFETY: this binary's only test; nothing else reads the environment meanwhile.
    unsafe { std::env::set_var("BAX_PYTHON", python) };
    let fw: Framework = bax_runtimes::framework("Python-Flask").unwrap();
    let exe = std::env::current_exe().unwrap();
    let report = bax_runtimes::provision(home, &fw, &SystemNeeds::default(), false, &exe).unwrap();
    let log = std::fs::read_to_string(&report.log).unwrap_or_default();
    assert!(report.ok, "provisioning with {python} failed:\n{log}");
    let doc = bax_runtimes::doctor(home, &fw);
    assert!(doc.ok, "{:?}", doc.problems);

    let builder = Sandbox::new(bax_runtimes::build_sandbox_config(home)).unwrap();
    let sandbox = Sandbox::new(bax_runtimes::run_sandbox_config(home)).unwrap();
    let out = tempfile::Builder::new()
        .prefix("hello-")
        .tempdir_in(home.builds())
        .unwrap();
    let files = bax_runtimes::hello_app(&fw).unwrap();
    let built = bax_runtimes::build(&builder, home, &fw, &files, out.path()).unwrap();
    let spec = bax_runtimes::instance_spec(home, &fw, &built);
    let inst = sandbox.start(&spec).unwrap();
    if let Err(e) = inst.wait_ready(Duration::from_secs(60)) {
        let (o, er) = inst.logs(8000);
        panic!(
            "hello on {python} did not start: {e}\n{}\n{}",
            String::from_utf8_lossy(&o),
            String::from_utf8_lossy(&er)
        );
    }
    let url = inst.base_url().unwrap();
    let r = ureq::get(&format!("{url}/")).call().unwrap();
    assert_eq!(r.status(), 200);
    // The interpreter inside the sandbox is the one provisioned, from /env.
    let v = inst
        .exec(
            &[
                "/env/bin/python3",
                "-c",
                "import sys, platform; print(platform.python_version(), sys.prefix)",
            ],
            Duration::from_secs(30),
        )
        .unwrap();
    let want = doc.versions["python"].clone();
    assert!(
        String::from_utf8_lossy(&v.stdout).starts_with(&format!("{want} /env")),
        "{python}: {:?} / {:?}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    inst.stop();
    doc
}

#[test]
fn python_runtimes_build_from_a_host_312_or_from_debians_python() {
    let needs = bax_testkit::sandbox_needs();
    if !bax_testkit::require("python interpreters", &needs) {
        return;
    }
    let scratch = tempfile::Builder::new()
        .prefix("bax-python-home-")
        .tempdir_in("/var/tmp")
        .unwrap();
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = BaxHome::new(scratch.path());

    // Debian's python3: a venv, degraded unless Debian's python is itself 3.12.
    let doc = provision_and_run(&home, "/usr/bin/python3");
    let interp = doc.interpreter.clone().unwrap_or_default();
    assert!(interp.contains("a virtualenv at /env"), "{interp}");
    assert_eq!(
        doc.degraded.is_none(),
        doc.versions["python"].starts_with("3.12."),
        "{:?}",
        doc.degraded
    );

    // A host CPython 3.12 when there is one (pyenv's on the CI machines): a copy, not degraded.
    unsafe { std::env::remove_var("BAX_PYTHON") };
    let found = bax_runtimes::frameworks::python_flask::find_python().unwrap();
    if found.source == "Debian" {
        eprintln!("no CPython 3.12 on this host: only the venv layout was tested");
        return;
    }
    let doc = provision_and_run(&home, found.executable.to_str().unwrap());
    let interp = doc.interpreter.clone().unwrap_or_default();
    assert!(interp.contains("copied into /env"), "{interp}");
    assert!(interp.contains(&found.version), "{interp}");
    assert_eq!(doc.degraded, None);
    assert_eq!(doc.versions["python"], found.version);
}

//! Proof that every framework runs: a hello-world app per framework is built
//! once in the sandbox, then started fresh; it answers GET /, echoes a JSON POST,
//! and writes a row to SQLite and reads it back. A second instance from the same
//! build starts from the clean build (no row).
//!
//! Needs the frameworks provisioned (`bax env setup`, which scripts/test-all
//! runs). Under CI a missing runtime fails the test; elsewhere it is skipped.

use std::time::Duration;

use bax_runtimes::{BaxHome, Framework};
use bax_sandbox::Sandbox;
use serde_json::{json, Value};

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build()
}

fn check(env_id: &str) {
    let home = BaxHome::from_env();
    let fw: Framework = bax_runtimes::framework(env_id).unwrap();
    let doc = bax_runtimes::doctor(&home, &fw);
    let mut needs = bax_testkit::sandbox_needs();
    needs.push(bax_testkit::Need::check(
        &format!("{env_id} provisioned ({:?})", doc.problems),
        doc.ok,
    ));
    if !bax_testkit::require(&format!("hello {env_id}"), &needs) {
        return;
    }
    home.ensure().unwrap();
    let builder = Sandbox::new(bax_runtimes::build_sandbox_config(&home)).unwrap();
    let sandbox = Sandbox::new(bax_runtimes::run_sandbox_config(&home)).unwrap();
    // The compiled-in copy, as `bax bench sandbox` uses it.
    let files = bax_runtimes::hello_app(&fw).expect("a hello app");
    let out = tempfile::Builder::new()
        .prefix("hello-")
        .tempdir_in(home.builds())
        .unwrap();
    let built = bax_runtimes::build(&builder, &home, &fw, &files, out.path()).unwrap_or_else(|e| {
        panic!(
            "{env_id}: {e}\n{}",
            match &e {
                bax_runtimes::BuildError::Failed { log, .. } => log.as_str(),
                _ => "",
            }
        )
    });
    let spec = bax_runtimes::instance_spec(&home, &fw, &built);

    let inst = sandbox.start(&spec).unwrap();
    if let Err(e) = inst.wait_ready(Duration::from_secs(60)) {
        let (o, er) = inst.logs(8000);
        panic!(
            "{env_id} did not start: {e}\n{}\n{}",
            String::from_utf8_lossy(&o),
            String::from_utf8_lossy(&er)
        );
    }
    let url = inst.base_url().unwrap();
    let a = agent();
    assert_eq!(a.get(&format!("{url}/")).call().unwrap().status(), 200);
    let body = json!({"msg": "héllo", "n": 42, "list": [1, 2, 3], "nested": {"ok": true}});
    let echoed: Value = a
        .post(&format!("{url}/echo"))
        .send_json(body.clone())
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(echoed, body, "{env_id}: echo");
    let created: Value = a
        .post(&format!("{url}/db"))
        .send_json(json!({"value": "stored-in-sqlite"}))
        .unwrap()
        .into_json()
        .unwrap();
    let id = created["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{env_id}: {created}"));
    let got: Value = a
        .get(&format!("{url}/db/{id}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(got["value"], "stored-in-sqlite", "{env_id}");
    let rows = inst
        .sql("/app/db.sqlite3", "select count(*) from sqlite_master")
        .unwrap();
    assert!(rows.trim().parse::<u32>().unwrap() >= 1, "{env_id}: {rows}");
    assert!(inst.is_running());
    inst.stop();

    // A fresh instance of the same build: the row is gone.
    let again = sandbox.start(&spec).unwrap();
    again.wait_ready(Duration::from_secs(60)).unwrap();
    let url = again.base_url().unwrap();
    let fresh = a.get(&format!("{url}/db/{id}")).call();
    let carried = match fresh {
        Ok(r) => r
            .into_string()
            .unwrap_or_default()
            .contains("stored-in-sqlite"),
        Err(_) => false,
    };
    assert!(!carried, "{env_id}: state leaked between instances");
}

/// Every registered framework's hello app (a framework added to the registry is
/// tested without touching this file). `BAX_HELLO=Python-Flask,Go-Gin` limits the
/// run to those env ids (folder or env-id form).
#[test]
fn every_framework_builds_and_answers() {
    let only: Option<Vec<String>> = std::env::var("BAX_HELLO")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let mut ran = 0;
    for fw in bax_runtimes::all_frameworks() {
        let wanted = only.as_ref().is_none_or(|o| {
            o.iter()
                .any(|n| n == &fw.spec.env_id || n == &fw.spec.dir_name())
        });
        if wanted {
            check(&fw.spec.env_id);
            ran += 1;
        }
    }
    assert!(ran > 0, "BAX_HELLO={only:?} names no framework");
}

//! `bax bench sandbox`: what the sandbox and each framework cost, in figures.
//!
//! Per framework: the provisioning time (cold = the slowest recorded run, warm =
//! the last), the build time of a sample (the framework's hello-world app), the
//! time from start to the first HTTP answer, and the sandbox's own overhead: the
//! time to set an instance up and tear it down, against spawning the same command
//! as a bare process.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bax_runtimes::BaxHome;
use bax_sandbox::{AppSource, InstanceSpec, Sandbox};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn provision_times(home: &BaxHome, fw: &bax_runtimes::Framework) -> (Option<f64>, Option<f64>) {
    let p = home.envs().join(format!(
        "{}.{}.timing",
        fw.recipe.env_dir,
        fw.spec.dir_name()
    ));
    let Ok(t) = std::fs::read_to_string(p) else {
        return (None, None);
    };
    let v: Vec<f64> = t.lines().filter_map(|l| l.trim().parse().ok()).collect();
    (v.iter().cloned().reduce(f64::max), v.last().copied())
}

pub fn sandbox(names: &[String], runs: usize, json: bool, out: &mut dyn Write) -> Result<i32> {
    let home = BaxHome::from_env();
    home.ensure()?;
    let builder = Sandbox::new(bax_runtimes::build_sandbox_config(&home))?;
    let sandbox = Sandbox::new(bax_runtimes::run_sandbox_config(&home))?;
    let runs = runs.max(1);

    // The sandbox alone: `true` bare vs. in an instance (setup + run + teardown).
    let empty = tempfile::tempdir_in(home.builds())?;
    let mut bare = Vec::new();
    let mut boxed = Vec::new();
    for _ in 0..runs.max(5) {
        let t = Instant::now();
        Command::new("/bin/sh").args(["-c", "true"]).status()?;
        bare.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let r = sandbox.run(
            &InstanceSpec::new(AppSource::Copy(empty.path().to_path_buf()), "true"),
            Duration::from_secs(30),
        )?;
        anyhow::ensure!(r.success(), "`true` failed in the sandbox");
        boxed.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (bare_ms, boxed_ms) = (median(bare), median(boxed));
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({"kind": "sandbox", "bare_ms": bare_ms, "sandbox_ms": boxed_ms,
                               "cgroups": sandbox.enforces_memory()})
        )?;
    } else {
        writeln!(
            out,
            "sandbox: `sh -c true` bare {bare_ms:.1} ms, in a fresh instance (setup+run+teardown) {boxed_ms:.1} ms; memory limit {}",
            if sandbox.enforces_memory() { "kernel-enforced (cgroup)" } else { "polled (no cgroup)" }
        )?;
        writeln!(
            out,
            "{:<20} {:>10} {:>10} {:>10} {:>10} {:>11} {:>11}",
            "FRAMEWORK", "PROV COLD", "PROV WARM", "BUILD", "START->200", "SBX SETUP", "SBX TEARDN"
        )?;
    }

    let mut failed = 0;
    for fw in crate::envcmd::select_frameworks(names)? {
        let doc = bax_runtimes::doctor(&home, &fw);
        if !doc.ok {
            writeln!(
                out,
                "{:<20} not provisioned: {}",
                fw.spec.env_id,
                doc.problems.join("; ")
            )?;
            failed += 1;
            continue;
        }
        let files = bax_runtimes::hello_app(&fw)
            .with_context(|| format!("bax has no hello app for {}", fw.spec.env_id))?;
        let mut builds = Vec::new();
        let mut starts = Vec::new();
        let mut setups = Vec::new();
        let mut teardowns = Vec::new();
        let mut built = None;
        let mut keep = Vec::new();
        for _ in 0..runs {
            let dir = tempfile::tempdir_in(home.builds())?;
            match bax_runtimes::build(&builder, &home, &fw, &files, dir.path()) {
                Ok(b) => {
                    builds.push(b.duration.as_secs_f64());
                    built = Some(b);
                }
                Err(e) => {
                    writeln!(out, "{:<20} build failed: {e}", fw.spec.env_id)?;
                    break;
                }
            }
            keep.push(dir);
        }
        let Some(built) = built else {
            failed += 1;
            continue;
        };
        let spec = bax_runtimes::instance_spec(&home, &fw, &built);
        for _ in 0..runs {
            let t = Instant::now();
            let inst = sandbox.start(&spec)?;
            setups.push(t.elapsed().as_secs_f64() * 1000.0);
            match inst.wait_ready(Duration::from_secs(60)) {
                Ok(d) => starts.push(d.as_secs_f64()),
                Err(e) => {
                    writeln!(out, "{:<20} did not start: {e}", fw.spec.env_id)?;
                    failed += 1;
                    break;
                }
            }
            let t = Instant::now();
            inst.stop();
            teardowns.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (cold, warm) = provision_times(&home, &fw);
        let row = serde_json::json!({
            "kind": "framework", "env_id": fw.spec.env_id,
            "provision_cold_s": cold, "provision_warm_s": warm,
            "build_s": median(builds.clone()), "start_to_first_answer_s": median(starts.clone()),
            "sandbox_setup_ms": median(setups.clone()), "sandbox_teardown_ms": median(teardowns.clone()),
            "runs": runs,
        });
        if json {
            writeln!(out, "{row}")?;
        } else {
            let f = |x: Option<f64>| x.map(|v| format!("{v:.1} s")).unwrap_or_else(|| "-".into());
            writeln!(
                out,
                "{:<20} {:>10} {:>10} {:>8.2} s {:>8.2} s {:>8.1} ms {:>8.1} ms",
                fw.spec.env_id,
                f(cold),
                f(warm),
                median(builds),
                median(starts),
                median(setups),
                median(teardowns)
            )?;
        }
        out.flush()?;
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

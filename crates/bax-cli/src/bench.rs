//! `bax bench sandbox`: what the sandbox and each framework cost, in figures.
//! `bax bench stability`: whether verdicts stay the same under CPU load.
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

/// A CPU hog: stress-ng keeping `load` cores busy, stopped on drop.
struct Hog(Option<std::process::Child>);

impl Hog {
    fn start(load: f64) -> Result<Hog> {
        if load <= 0.0 {
            return Ok(Hog(None));
        }
        if !load.is_finite() {
            anyhow::bail!("--load {load} is not a number of cores");
        }
        let workers = load.ceil() as u32;
        let percent = ((load / workers as f64) * 100.0).round().clamp(1.0, 100.0) as u32;
        let child = Command::new("stress-ng")
            .args(["--cpu", &workers.to_string()])
            .args(["--cpu-load", &percent.to_string()])
            .args(["--cpu-method", "matrixprod", "--quiet"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context(
                "starting stress-ng (Debian's stress-ng package; scripts/test-all installs it)",
            )?;
        Ok(Hog(Some(child)))
    }
}

impl Drop for Hog {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            // SIGTERM: stress-ng stops its workers on it.
            // SAFETY: kill on our own child's pid.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let _ = c.wait();
        }
    }
}

/// The "some avg10" figure of /proc/pressure/cpu: the share of the last 10 s in
/// which some runnable task waited for a CPU.
fn cpu_pressure() -> Option<f64> {
    let t = std::fs::read_to_string("/proc/pressure/cpu").ok()?;
    let some = t.lines().find(|l| l.starts_with("some"))?;
    some.split_whitespace()
        .find_map(|w| w.strip_prefix("avg10="))?
        .parse()
        .ok()
}

/// `bax bench stability`.
pub fn stability(
    catalog: &bax_catalog::Catalog,
    a: &crate::cli::BenchStabilityArgs,
    out: &mut dyn Write,
) -> Result<i32> {
    let o = crate::testcmd::ValidateOptions {
        scenarios: a.scenarios.clone(),
        frameworks: a.frameworks.clone(),
        json: a.json,
        timeout: a.timeout,
        repeat: a.repeat,
        jobs: a.jobs.get(),
        shard: bax_catalog::Shard::all(),
    };
    let hog = Hog::start(a.load)?;
    // Let the hog reach full speed before the first cell.
    std::thread::sleep(Duration::from_secs(if a.load > 0.0 { 2 } else { 0 }));
    let started = Instant::now();
    let (mut cells, mut failed, mut flipped_tests, mut flipped_cells) = (0, 0, 0, 0);
    let mut pressure: Vec<f64> = Vec::new();
    let json = a.json;
    crate::testcmd::validate_matrix(catalog, &o, &mut |c| {
        cells += 1;
        if let Some(p) = cpu_pressure() {
            pressure.push(p);
        }
        if !c.flips.is_empty() {
            flipped_cells += 1;
            flipped_tests += c.flips.len();
        }
        if !c.ok {
            failed += 1;
        }
        if json {
            writeln!(
                out,
                "{}",
                serde_json::json!({"scenario": c.scenario, "framework": c.framework, "cell": c.cell,
                    "ok": c.ok, "flips": c.flips, "detail": c.detail})
            )?;
        } else if !c.ok || !c.flips.is_empty() {
            writeln!(
                out,
                "{:<22} {:<18} {:<44} FAIL {}",
                c.scenario, c.framework, c.cell, c.detail
            )?;
            for f in &c.flips {
                let v: Vec<String> = f.verdicts.iter().map(|v| v.to_string()).collect();
                writeln!(out, "    flip {:<38} {}", f.test, v.join(" | "))?;
            }
        }
        out.flush()
    })?;
    drop(hog);
    let mean_pressure = if pressure.is_empty() {
        None
    } else {
        Some(pressure.iter().sum::<f64>() / pressure.len() as f64)
    };
    let seconds = started.elapsed().as_secs_f64();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({"summary": {"load_cores": a.load, "repeat": a.repeat, "cells": cells,
                "failed_cells": failed, "flipped_cells": flipped_cells, "flipped_tests": flipped_tests,
                "cpu_pressure_avg10_mean": mean_pressure, "seconds": seconds}})
        )?;
    } else {
        writeln!(
            out,
            "stability: {cells} cells x {} runs with {} core(s) busy in {seconds:.0} s: {flipped_tests} test flip(s) in {flipped_cells} cell(s), {failed} failed cell(s); CPU pressure (some avg10) mean {}",
            a.repeat,
            a.load,
            mean_pressure.map_or("n/a".to_string(), |p| format!("{p:.1}%"))
        )?;
    }
    Ok(if failed == 0 && flipped_tests == 0 {
        0
    } else {
        1
    })
}

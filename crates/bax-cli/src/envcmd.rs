//! `bax env setup`, `bax env doctor` and `bax serve-app`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bax_catalog::{Catalog, SystemNeeds};
use bax_runtimes::{BaxHome, Framework};
use bax_sandbox::Sandbox;

/// Frameworks named on the command line (all when none is).
pub fn select_frameworks(names: &[String]) -> Result<Vec<Framework>> {
    if names.is_empty() {
        return Ok(bax_runtimes::all_frameworks());
    }
    names
        .iter()
        .map(|n| {
            bax_runtimes::framework(n).with_context(|| {
                let known: Vec<String> =
                    bax_runtimes::all().into_iter().map(|f| f.env_id).collect();
                format!("unknown framework {n:?}; known: {}", known.join(", "))
            })
        })
        .collect()
}

/// What the built-in scenarios need from the system (`[provision]` in each
/// scenario.toml), merged: what `bax env setup` installs besides the frameworks.
/// Always the built-in scenarios' (an official task table carries no such data).
pub fn system_needs() -> Result<SystemNeeds> {
    let scenarios = bax_scenarios::all();
    SystemNeeds::merge(scenarios.iter().map(|s| &s.provision))
        .map_err(|e| anyhow::anyhow!("the scenarios' [provision] sections disagree: {e}"))
}

pub fn setup(names: &[String], verbose: bool, out: &mut dyn Write) -> Result<i32> {
    let home = BaxHome::from_env();
    let fws = select_frameworks(names)?;
    let needs = system_needs()?;
    let mut failed = 0;
    for fw in &fws {
        writeln!(out, "provisioning {} ...", fw.spec.env_id)?;
        out.flush()?;
        let exe = std::env::current_exe().context("locating the bax binary")?;
        let r = bax_runtimes::provision(&home, fw, &needs, verbose, &exe)
            .with_context(|| format!("provisioning {}", fw.spec.env_id))?;
        let d = bax_runtimes::doctor(&home, fw);
        let state = match (r.ok && d.ok, &d.degraded) {
            (false, _) => {
                failed += 1;
                format!("FAILED (log: {})", r.log.display())
            }
            (true, Some(why)) => format!("ok, degraded: {why}"),
            (true, None) => "ok".to_string(),
        };
        writeln!(out, "  {} in {:.1} s: {state}", fw.spec.env_id, r.seconds)?;
        for p in &d.problems {
            writeln!(out, "    problem: {p}")?;
        }
        if let Some(interp) = &d.interpreter {
            writeln!(out, "    interpreter: {interp}")?;
        }
    }
    writeln!(
        out,
        "{} of {} frameworks ready in {}",
        fws.len() - failed,
        fws.len(),
        home.envs().display()
    )?;
    Ok(if failed == 0 { 0 } else { 1 })
}

pub fn doctor(json: bool, out: &mut dyn Write) -> Result<i32> {
    let home = BaxHome::from_env();
    let mut bad = 0;
    for fw in bax_runtimes::all_frameworks() {
        let d = bax_runtimes::doctor(&home, &fw);
        if !d.ok {
            bad += 1;
        }
        if json {
            writeln!(out, "{}", serde_json::to_string(&d)?)?;
        } else {
            let state = if !d.ok {
                "MISSING"
            } else if d.degraded.is_some() {
                "degraded"
            } else {
                "ok"
            };
            writeln!(out, "{:<20} {state}", d.env_id)?;
            for p in &d.problems {
                writeln!(out, "    {p}")?;
            }
            if let Some(interp) = &d.interpreter {
                writeln!(out, "    interpreter: {interp}")?;
            }
            if let Some(why) = &d.degraded {
                writeln!(out, "    degraded: {why}")?;
            }
        }
    }
    Ok(if bad == 0 { 0 } else { 1 })
}

/// Reads every regular file under `dir` as (relative path, bytes), without
/// following symlinks.
pub fn read_code_dir(dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let e = e?;
            let m = std::fs::symlink_metadata(e.path())?;
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() {
                let rel = e.path().strip_prefix(dir)?.to_path_buf();
                out.push((rel, std::fs::read(e.path())?));
            }
        }
    }
    out.sort();
    Ok(out)
}

pub fn serve_app(
    catalog: &Catalog,
    task: &str,
    dir: &Path,
    wait: u64,
    env: &[String],
) -> Result<i32> {
    let task = catalog.task(task)?;
    let fw = bax_runtimes::framework(&task.framework.env_id)
        .with_context(|| format!("bax has no runtime for {}", task.framework.env_id))?;
    let files = read_code_dir(dir)?;
    if files.is_empty() {
        bail!("{} holds no files", dir.display());
    }
    let home = BaxHome::from_env();
    home.ensure()?;
    let builder = Sandbox::new(bax_runtimes::build_sandbox_config(&home))?;
    let sandbox = Sandbox::new(bax_runtimes::run_sandbox_config(&home))?;
    let build_dir = tempfile::Builder::new()
        .prefix("serve-app-")
        .tempdir_in(home.builds())?;
    eprintln!("building {} ...", task.id());
    let built = match bax_runtimes::build(&builder, &home, &fw, &files, build_dir.path()) {
        Ok(b) => b,
        Err(bax_runtimes::BuildError::Failed { summary, log }) => {
            eprintln!("{log}");
            bail!("the app does not build: {summary}");
        }
        Err(e) => return Err(e.into()),
    };
    eprintln!(
        "built in {:.1} s; starting ...",
        built.duration.as_secs_f64()
    );
    let mut spec = bax_runtimes::instance_spec(&home, &fw, &built);
    for kv in env {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--env takes KEY=VALUE, got {kv:?}"))?;
        spec.env.push((k.to_string(), v.to_string()));
    }
    let inst = sandbox.start(&spec)?;
    match inst.wait_ready(Duration::from_secs(wait)) {
        Ok(t) => {
            println!("{}", inst.base_url().unwrap_or_default());
            eprintln!(
                "{} answers at {} ({:.2} s to first answer); instance {} (its files: {}); Ctrl-C stops it",
                task.id(),
                inst.base_url().unwrap_or_default(),
                t.as_secs_f64(),
                inst.id(),
                home.instances().join(inst.id()).join("root").display()
            );
        }
        Err(e) => {
            let (o, er) = inst.logs(8192);
            eprintln!(
                "{}{}",
                String::from_utf8_lossy(&o),
                String::from_utf8_lossy(&er)
            );
            bail!("the app did not come up: {e}");
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })?;
    loop {
        if rx.recv_timeout(Duration::from_millis(500)).is_ok() {
            break;
        }
        if let Some(s) = inst.exit_status() {
            let (o, e) = inst.logs(8192);
            eprintln!(
                "{}{}",
                String::from_utf8_lossy(&o),
                String::from_utf8_lossy(&e)
            );
            eprintln!("the app exited: {s}");
            return Ok(1);
        }
    }
    eprintln!("stopping {}", inst.id());
    inst.stop();
    Ok(0)
}

/// `bax env sandbox-run`: one sandboxed provisioning step (see
/// `bax_runtimes::step`). Its output goes to stdout and stderr; the exit code is
/// 0 when the command succeeded, 1 when it failed, 2 when it ran out of time.
pub fn sandbox_run(a: &crate::cli::SandboxRunArgs) -> Result<i32> {
    let pair = |s: &str, sep: char, what: &str| -> Result<(String, String)> {
        s.split_once(sep)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .with_context(|| format!("{what} {s:?}: expected a{sep}b"))
    };
    let step = bax_runtimes::ProvisionStep {
        app: a.app.clone(),
        env: a.env.clone(),
        env_writable: a.env_writable,
        writable: a.writable.clone(),
        binds: a
            .bind
            .iter()
            .map(|b| pair(b, ':', "--bind").map(|(h, d)| (h.into(), d.into())))
            .collect::<Result<_>>()?,
        setenv: a
            .setenv
            .iter()
            .map(|e| pair(e, '=', "--setenv"))
            .collect::<Result<_>>()?,
        timeout: std::time::Duration::from_secs(a.timeout),
        command: a.command.join(" "),
    };
    let o = bax_runtimes::run_step(&BaxHome::from_env(), &step)?;
    use std::io::Write as _;
    std::io::stdout().write_all(&o.stdout)?;
    std::io::stderr().write_all(&o.stderr)?;
    Ok(if o.timed_out {
        2
    } else if o.success {
        0
    } else {
        1
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// The scenarios' declared needs are exactly what provisioning installed for
    /// them when the lists lived in system.sh and javascript.sh.
    #[test]
    fn scenario_needs_are_what_provisioning_installed_before() {
        let n = super::system_needs().unwrap();
        assert_eq!(
            n.debian,
            ["ffmpeg", "g++", "imagemagick", "make", "poppler-utils"]
        );
        assert_eq!(
            n.npm,
            BTreeMap::from([
                ("csv-parser".to_string(), "3.1.0".to_string()),
                ("unzipper".to_string(), "0.12.5".to_string()),
            ])
        );
        assert_eq!(
            n.npm_global,
            BTreeMap::from([("typescript".to_string(), "5.7.3".to_string())])
        );
    }

    /// Every tool a scenario names for its apps is provisioned by its own
    /// `[provision]` section.
    #[test]
    fn every_scenario_tool_is_provisioned_by_that_scenario() {
        for s in bax_scenarios::all() {
            for tool in &s.system_tools {
                assert!(
                    s.provision.debian.contains(tool) || s.provision.npm_global.contains_key(tool),
                    "{}: system tool {tool} is not in its [provision]",
                    s.id
                );
            }
            for (lang, pkgs) in &s.npm_packages {
                assert_eq!(lang, "JavaScript", "{}", s.id);
                for p in pkgs {
                    let name = p.rsplit_once('@').map_or(p.as_str(), |(n, _)| n);
                    assert!(
                        s.provision.npm.contains_key(name),
                        "{}: npm {p} not provisioned",
                        s.id
                    );
                }
            }
        }
    }
}

//! Building an app once, and describing how to start fresh instances of it.
//!
//! A build assembles `/app` (skeleton, the framework's manifest, the model's
//! files), runs the recipe's build steps in a sandbox with that folder bound
//! writable, and keeps the result. Every test then starts from a fresh copy of
//! the result ([`instance_spec`]); nothing is rebuilt.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use bax_sandbox::{AppSource, InstanceSpec, Sandbox, SandboxError};

use crate::env::{BaxHome, Framework};

/// A finished build.
#[derive(Debug, Clone)]
pub struct BuiltApp {
    pub env_id: String,
    /// The built `/app` tree; tests copy it.
    pub app_dir: PathBuf,
    /// Everything the build steps printed.
    pub log: String,
    pub duration: Duration,
}

/// Why a build did not produce an app.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The model's code does not build: the model's failure (BaxBench records all
    /// tests as failed with exceptions).
    #[error("the app does not build: {summary}")]
    Failed { summary: String, log: String },
    /// bax could not run the build (missing runtime, sandbox failure): never the
    /// model's fault.
    #[error("harness failure while building: {0}")]
    Harness(String),
}

impl From<SandboxError> for BuildError {
    fn from(e: SandboxError) -> Self {
        BuildError::Harness(e.to_string())
    }
}

fn harness(what: &str) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |e| BuildError::Harness(format!("{what}: {e}"))
}

fn safe_relative(p: &Path) -> bool {
    !p.as_os_str().is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)))
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let m = fs::symlink_metadata(e.path())?;
        let dest = to.join(e.file_name());
        if m.is_dir() {
            copy_dir(&e.path(), &dest)?;
        } else if m.is_file() {
            fs::copy(e.path(), &dest)?;
        } else if m.file_type().is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(e.path())?, &dest)?;
        }
    }
    Ok(())
}

/// Writes one file under `app`, creating real directories and refusing to go
/// through anything that is not one (a skeleton never has symlinked folders).
fn write_under(app: &Path, rel: &Path, data: &[u8]) -> std::io::Result<()> {
    if !safe_relative(rel) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("unsafe path {}", rel.display()),
        ));
    }
    let mut cur = app.to_path_buf();
    let comps: Vec<_> = rel.components().collect();
    for c in &comps[..comps.len() - 1] {
        cur.push(c);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{} is not a directory", cur.display()),
                ))
            }
            Err(_) => fs::create_dir(&cur)?,
        }
    }
    let dest = app.join(rel);
    if fs::symlink_metadata(&dest).is_ok_and(|m| !m.is_file()) {
        fs::remove_file(&dest)?;
    }
    fs::write(dest, data)
}

/// Builds an app from the model's files into `out` (created; must not exist).
pub fn build(
    sandbox: &Sandbox,
    home: &BaxHome,
    fw: &Framework,
    files: &[(PathBuf, Vec<u8>)],
    out: &Path,
) -> Result<BuiltApp, BuildError> {
    let started = Instant::now();
    let env_path = home.env_path(&fw.recipe);
    if !env_path.is_dir() {
        return Err(BuildError::Harness(format!(
            "{} is not provisioned (run `bax env setup {}`)",
            fw.spec.env_id, fw.spec.env_id
        )));
    }
    let app = out.join("app");
    fs::create_dir_all(&app).map_err(harness("creating the build folder"))?;
    if let Some(skel) = fw.recipe.skeleton {
        copy_dir(&env_path.join(skel), &app).map_err(harness("copying the skeleton"))?;
    }
    // The model's files, then the manifest (which wins, as in BaxBench's image).
    for (rel, data) in files {
        write_under(&app, rel, data).map_err(|e| BuildError::Failed {
            summary: format!("cannot place {}: {e}", rel.display()),
            log: String::new(),
        })?;
    }
    for (name, content) in &fw.spec.manifest_files {
        write_under(&app, Path::new(name), content.as_bytes())
            .map_err(harness("writing the manifest"))?;
    }
    let mut log = String::new();
    for step in fw.recipe.build {
        let spec = build_spec(home, fw, &app, step.command);
        let r = sandbox.run(&spec, step.timeout)?;
        log.push_str(&format!("$ {}\n", step.command));
        log.push_str(&String::from_utf8_lossy(&r.stdout));
        log.push_str(&String::from_utf8_lossy(&r.stderr));
        if !r.success() {
            let why = if r.timed_out {
                format!("`{}` ran past {:?}", step.command, step.timeout)
            } else if let Some(k) = r.kill_reason {
                format!("`{}` was stopped: {k:?}", step.command)
            } else {
                let how = match r.status {
                    Some(st) => match (
                        st.code(),
                        std::os::unix::process::ExitStatusExt::signal(&st),
                    ) {
                        (Some(c), _) => format!("exit status {c}"),
                        (None, Some(sig)) => format!("signal {sig}"),
                        _ => st.to_string(),
                    },
                    None => "no exit status".to_string(),
                };
                format!("`{}` failed ({how})", step.command)
            };
            log.push_str(&format!("build step failed: {why}\n"));
            let _ = fs::write(out.join("build.log"), &log);
            return Err(BuildError::Failed { summary: why, log });
        }
    }
    let mut f = fs::File::create(out.join("build.log")).map_err(harness("build log"))?;
    f.write_all(log.as_bytes()).map_err(harness("build log"))?;
    Ok(BuiltApp {
        env_id: fw.spec.env_id.clone(),
        app_dir: app,
        log,
        duration: started.elapsed(),
    })
}

fn common(home: &BaxHome, fw: &Framework, spec: &mut InstanceSpec) {
    let env_path = home.env_path(&fw.recipe);
    spec.ro_binds
        .push((env_path.clone(), PathBuf::from("/env")));
    for b in fw.recipe.binds {
        spec.ro_binds
            .push((env_path.join(b.env_relative), PathBuf::from(b.dest)));
    }
    spec.env = fw
        .recipe
        .env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
}

fn build_spec(home: &BaxHome, fw: &Framework, app: &Path, command: &str) -> InstanceSpec {
    let mut spec = InstanceSpec::new(AppSource::Bind(app.to_path_buf()), command);
    common(home, fw, &mut spec);
    spec
}

/// How to start a fresh instance of a built app: a copy of the build, the
/// framework's mounts, and the start command on port 5000.
pub fn instance_spec(home: &BaxHome, fw: &Framework, built: &BuiltApp) -> InstanceSpec {
    let run = fw.recipe.run.unwrap_or(&fw.spec.entrypoint_cmd);
    let command = match fw.recipe.pre_start {
        Some(pre) => format!("{pre}; exec {run}"),
        None => run.to_string(),
    };
    let mut spec = InstanceSpec::new(AppSource::Copy(built.app_dir.clone()), command);
    common(home, fw, &mut spec);
    spec.port = Some(fw.spec.port);
    spec
}

/// The sandbox settings for builds: like a test instance's, but with room for
/// compilers (4 GiB of memory, 4,096 processes).
pub fn build_sandbox_config(home: &BaxHome) -> bax_sandbox::SandboxConfig {
    let mut cfg = bax_sandbox::SandboxConfig::new(home.instances());
    cfg.limits.memory = Some(4 << 30);
    cfg.limits.pids = Some(4096);
    cfg
}

/// The sandbox settings for test instances: BaxBench's 1 GiB memory limit.
pub fn run_sandbox_config(home: &BaxHome) -> bax_sandbox::SandboxConfig {
    bax_sandbox::SandboxConfig::new(home.instances())
}

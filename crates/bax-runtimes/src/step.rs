//! Sandboxed steps of provisioning: the warm-up builds a family script needs
//! to run as bax's builds will (paths under `/env`, no network) run through
//! bax-sandbox like every other sandboxed step (same user, seccomp filter,
//! limits and teardown), not through a bubblewrap of the script's own.
//!
//! A script calls back into bax for each one: `"$BAX_EXE" env sandbox-run
//! [--env-writable] [--writable DIR]... [--bind HOST:DEST]... [--setenv K=V]...
//! --env DIR --app DIR -- COMMAND` (provision sets `BAX_EXE`).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bax_sandbox::{AppSource, InstanceSpec, Sandbox};

use crate::BaxHome;

/// One sandboxed provisioning step.
#[derive(Debug, Clone)]
pub struct ProvisionStep {
    /// The folder bound (writable) at `/app`, the working directory.
    pub app: PathBuf,
    /// The env folder, bound at `/env`.
    pub env: PathBuf,
    /// Bind `/env` writable (a warm-up filling caches) instead of read-only
    /// (a check that builds work as bax's builds will).
    pub env_writable: bool,
    /// Host folders the step writes to: handed to the sandbox's user for the
    /// step and back to their owner after it.
    pub writable: Vec<PathBuf>,
    /// More writable binds (host, path inside).
    pub binds: Vec<(PathBuf, PathBuf)>,
    /// Environment on top of the sandbox's PATH, HOME and LANG.
    pub setenv: Vec<(String, String)>,
    /// Killed after this long.
    pub timeout: Duration,
    /// Run as `/bin/sh -c <command>` in `/app`.
    pub command: String,
}

/// What a step did.
#[derive(Debug)]
pub struct StepOutcome {
    pub success: bool,
    pub timed_out: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("sandbox: {0}")]
    Sandbox(#[from] bax_sandbox::SandboxError),
    #[error("{what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StepError + 'a {
    move |source| StepError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Runs `step` in a build sandbox of `home` (4 GiB, 4,096 processes).
pub fn run_step(home: &BaxHome, step: &ProvisionStep) -> Result<StepOutcome, StepError> {
    home.ensure().map_err(io("preparing", home.root()))?;
    let cfg = crate::build_sandbox_config(home);
    let user = cfg.user;
    let sandbox = Sandbox::new(cfg)?;
    // Hand the writable folders over; remember whose they were.
    let mut handed = Vec::new();
    if let Some(owner) = user {
        for w in &step.writable {
            let m = std::fs::metadata(w).map_err(io("reading", w))?;
            bax_sandbox::fsroot::chown_tree(w, owner).map_err(io("handing over", w))?;
            handed.push((w.clone(), (m.uid(), m.gid())));
        }
    }
    let app_owner = std::fs::metadata(&step.app)
        .map(|m| (m.uid(), m.gid()))
        .map_err(io("reading", &step.app))?;
    let mut spec = InstanceSpec::new(AppSource::Bind(step.app.clone()), step.command.clone());
    if step.env_writable {
        spec.binds.push((step.env.clone(), PathBuf::from("/env")));
    } else {
        spec.ro_binds
            .push((step.env.clone(), PathBuf::from("/env")));
    }
    spec.binds.extend(step.binds.iter().cloned());
    spec.env = step.setenv.clone();
    let outcome = sandbox.run(&spec, step.timeout);
    // Back to their owners, whatever happened (the app folder too: AppSource::Bind
    // handed it over).
    let mut back_err = None;
    for (w, owner) in handed
        .into_iter()
        .chain(std::iter::once((step.app.clone(), app_owner)))
    {
        if let Err(e) = bax_sandbox::fsroot::chown_tree(&w, owner) {
            back_err.get_or_insert(StepError::Io {
                what: "handing back",
                path: w,
                source: e,
            });
        }
    }
    let o = outcome?;
    if let Some(e) = back_err {
        return Err(e);
    }
    Ok(StepOutcome {
        success: o.success(),
        timed_out: o.timed_out,
        stdout: o.stdout,
        stderr: o.stderr,
    })
}

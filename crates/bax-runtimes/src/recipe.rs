//! How a framework is provisioned, how an app in it is built, and how it runs.
//!
//! # The sandbox convention (what a recipe may rely on)
//!
//! Builds and runs both happen inside a bax sandbox (bubblewrap), as an
//! unprivileged host user that appears as uid 0 inside, with:
//!
//! * `/` a private, disk-backed, writable root thrown away with the instance
//!   (so `/danger.txt`, `/tmp/...`, `/root/...` are private);
//! * `/usr` (including `/usr/local`) and `/etc` of the host, read-only; `/bin`,
//!   `/lib`, `/lib64`, `/sbin` are symlinks into `/usr` (Debian is usr-merged);
//! * `/env` = the framework's provisioned folder `$BAX_HOME/envs/<env_dir>`, read-only;
//! * `/app` = the app (skeleton + manifest + the model's files), writable, the
//!   working directory;
//! * [`Recipe::binds`] added read-only (e.g. `/env/node_modules` at `/app/node_modules`);
//! * environment: `PATH=/env/bin:/usr/local/bin:/usr/bin:/bin`, `HOME=/root`,
//!   `LANG=C.UTF-8`, `APP_SECRET=supers3cret`, plus [`Recipe::env`];
//! * no network at all during runs; builds get no network either: everything a build
//!   may use must be provisioned beforehand (that is also BaxBench's allowed-package
//!   rule: a package outside the manifest fails to build).
//!
//! Provisioning runs on the host, with the package registries reachable, as root:
//! `bash <provision script> <env_path> <framework env id>` where `env_path` is the
//! framework's folder (created empty by bax; the script fills it). It must be
//! idempotent and leave `env_path/env.json`:
//! `{"env_id", "versions": {name: version}, "degraded": null | "why"}`.
//!
//! The script carries no data of its own: bax hands it everything in the folder
//! `$BAX_PROVISION_INPUT` (see [`crate::env::write_inputs`]):
//!
//! * `<folder name of env id>/` for every framework sharing the env folder (one
//!   for most; the JavaScript and Go families provision all their members at
//!   once): `env_id` (e.g. `Go-net/http`), the framework's manifest file under its own name (`requirements.txt`,
//!   `package.json`, `go.mod`, ...), verbatim, [`Recipe::provision_files`] and
//!   [`Recipe::host_inputs`];
//! * `npm.json`: `{name: version}`, the npm packages the scenarios declare
//!   (`[provision] npm` in their scenario.toml), for every Node framework.
//!
//! Stamps that skip work on a rerun are computed from these inputs.

use std::time::Duration;

/// A read-only bind from the framework's env folder into the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Path relative to the env folder (`/env` inside the sandbox).
    pub env_relative: &'static str,
    /// Absolute destination inside the sandbox.
    pub dest: &'static str,
}

/// A shell command run inside the sandbox in `/app`, as `/bin/sh -c <command>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub command: &'static str,
    /// Wall-clock limit for the step.
    pub timeout: Duration,
}

/// Computes host-dependent provisioning inputs: (file name, contents).
pub type HostInputs = fn() -> Result<Vec<(&'static str, String)>, String>;

/// Everything bax needs to provision, build and run apps of one framework.
#[derive(Debug, Clone)]
pub struct Recipe {
    /// Folder under `$BAX_HOME/envs` (mounted at `/env`). Frameworks may share one.
    pub env_dir: &'static str,
    /// Bash script that provisions `env_dir` (see the module docs). Shared by a
    /// language family; it reads its data from `$BAX_PROVISION_INPUT`.
    pub provision: &'static str,
    /// Extra per-framework inputs of the provisioning script (file name,
    /// contents), written beside the manifest (e.g. Go's `build_helper.go`).
    pub provision_files: &'static [(&'static str, &'static str)],
    /// Inputs that depend on the host, computed each time provisioning runs and
    /// written beside [`Recipe::provision_files`] (e.g. which CPython the Python
    /// family builds from). An error stops provisioning with that message.
    pub host_inputs: Option<HostInputs>,
    /// A folder inside the env folder whose contents are copied into `/app`
    /// before the manifest and the model's files (project skeletons).
    pub skeleton: Option<&'static str>,
    /// Read-only binds from the env folder.
    pub binds: &'static [Bind],
    /// Extra environment variables for builds and runs.
    pub env: &'static [(&'static str, &'static str)],
    /// Build steps, in order; any failure fails the build (the model's fault).
    pub build: &'static [Step],
    /// Run before every start, in the same sandbox (e.g. removing a stale pid file).
    pub pre_start: Option<&'static str>,
    /// The start command when it differs from the framework's `entrypoint_cmd`
    /// (e.g. running a built binary directly instead of `cargo run`).
    pub run: Option<&'static str>,
    /// Where BaxBench's Dockerfile differs from what bax can provision offline,
    /// said plainly (shown by `bax env doctor`).
    pub known_differences: &'static [&'static str],
}

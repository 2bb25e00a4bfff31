//! Where bax keeps provisioned frameworks, how they are provisioned, and how
//! their health is checked (`bax env setup`, `bax env doctor`).

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use bax_catalog::{FrameworkSpec, SystemNeeds};
use serde::Serialize;

use crate::recipe::Recipe;

/// bax's working folder: provisioned frameworks, sandbox instances, builds.
///
/// `$BAX_HOME`, else `/var/cache/bax` for root (sandboxes run as an unprivileged
/// user, who must be able to reach it, which rules out `/root/...`), else
/// `$XDG_CACHE_HOME/bax` or `~/.cache/bax`.
#[derive(Debug, Clone)]
pub struct BaxHome {
    root: PathBuf,
}

impl BaxHome {
    pub fn new(root: impl Into<PathBuf>) -> BaxHome {
        BaxHome { root: root.into() }
    }

    pub fn from_env() -> BaxHome {
        if let Some(h) = std::env::var_os("BAX_HOME") {
            return BaxHome::new(h);
        }
        // SAFETY: getuid cannot fail.
        if unsafe { libc::getuid() } == 0 {
            return BaxHome::new("/var/cache/bax");
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        BaxHome::new(cache.join("bax"))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Provisioned frameworks.
    pub fn envs(&self) -> PathBuf {
        self.root.join("envs")
    }

    /// The folder of one framework's provisioned files (mounted at `/env`).
    pub fn env_path(&self, recipe: &Recipe) -> PathBuf {
        self.envs().join(recipe.env_dir)
    }

    /// Sandbox instances (disk-backed roots).
    pub fn instances(&self) -> PathBuf {
        self.root.join("instances")
    }

    /// Built apps.
    pub fn builds(&self) -> PathBuf {
        self.root.join("builds")
    }

    /// Creates the folders, reachable (o+x) by the sandbox user.
    pub fn ensure(&self) -> std::io::Result<()> {
        for d in [
            self.root.clone(),
            self.envs(),
            self.instances(),
            self.builds(),
        ] {
            fs::create_dir_all(&d)?;
            fs::set_permissions(&d, fs::Permissions::from_mode(0o755))?;
        }
        Ok(())
    }
}

/// A framework: its catalog entry and its recipe.
#[derive(Debug, Clone)]
pub struct Framework {
    pub spec: FrameworkSpec,
    pub recipe: Recipe,
}

/// What `env.json` (written by a provisioning script) says.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct EnvManifest {
    pub env_id: String,
    #[serde(default)]
    pub versions: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub degraded: Option<String>,
    /// The language interpreter the runtime runs apps with and where it came
    /// from, when the family records one (Python: e.g. "CPython 3.12.1 from
    /// pyenv (/root/.pyenv/versions/3.12.1/bin/python3.12), copied into /env").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
}

/// `bax env doctor`'s answer for one framework.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub env_id: String,
    /// Provisioned and usable.
    pub ok: bool,
    /// Usable, but not with BaxBench's exact versions; why.
    pub degraded: Option<String>,
    /// The interpreter apps run with, where the runtime records it (Python).
    pub interpreter: Option<String>,
    pub versions: std::collections::BTreeMap<String, String>,
    /// What is wrong when not ok.
    pub problems: Vec<String>,
    pub env_path: PathBuf,
    pub known_differences: Vec<String>,
}

fn tool_present(name: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false)
}

/// Checks one framework's provisioned state.
pub fn doctor(home: &BaxHome, fw: &Framework) -> DoctorReport {
    let env_path = home.env_path(&fw.recipe);
    let mut problems = Vec::new();
    for tool in ["bwrap", "ip", "nsenter", "setpriv", "sqlite3", "python3"] {
        if !tool_present(tool) {
            problems.push(format!("`{tool}` is not installed (run `bax env setup`)"));
        }
    }
    let manifest_path = env_path.join(format!("env-{}.json", fw.spec.dir_name()));
    let fallback = env_path.join("env.json");
    let text = fs::read_to_string(&manifest_path).or_else(|_| fs::read_to_string(&fallback));
    let manifest = match text {
        Err(_) => {
            problems.push(format!(
                "not provisioned: no {} (run `bax env setup {}`)",
                fallback.display(),
                fw.spec.env_id
            ));
            EnvManifest::default()
        }
        Ok(t) => match serde_json::from_str::<EnvManifest>(&t) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("{} is malformed: {e}", fallback.display()));
                EnvManifest::default()
            }
        },
    };
    if let Some(s) = fw.recipe.skeleton {
        if !env_path.join(s).is_dir() {
            problems.push(format!("the project skeleton {s} is missing"));
        }
    }
    for b in fw.recipe.binds {
        if !env_path.join(b.env_relative).exists() {
            problems.push(format!("{} is missing", b.env_relative));
        }
    }
    DoctorReport {
        env_id: fw.spec.env_id.clone(),
        ok: problems.is_empty(),
        degraded: manifest.degraded,
        interpreter: manifest.interpreter,
        versions: manifest.versions,
        problems,
        env_path,
        known_differences: fw
            .recipe
            .known_differences
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

/// How provisioning one framework went.
#[derive(Debug, Clone, Serialize)]
pub struct ProvisionReport {
    pub env_id: String,
    pub ok: bool,
    pub seconds: f64,
    pub log: PathBuf,
}

/// Holds an exclusive lock on a file until dropped (frameworks may share an env
/// folder; two bax processes must not provision it at once).
struct Lock {
    _file: fs::File,
}

impl Lock {
    fn take(path: &Path) -> std::io::Result<Lock> {
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        // Released when the file closes.
        rustix::fs::flock(&f, rustix::fs::FlockOperation::LockExclusive)?;
        Ok(Lock { _file: f })
    }
}

/// Writes what a framework's provisioning script reads into `dir` (emptied
/// first): for every framework sharing `fw`'s env folder, `<folder name>/` with
/// `env_id`, its manifest files and [`Recipe::provision_files`]; and `npm.json`, the npm
/// packages `needs` lists for every Node framework. See [`crate::recipe`].
pub fn write_inputs(dir: &Path, fw: &Framework, needs: &SystemNeeds) -> std::io::Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    fs::create_dir_all(dir)?;
    let family = crate::all_frameworks()
        .into_iter()
        .filter(|f| f.recipe.env_dir == fw.recipe.env_dir);
    for f in family {
        let d = dir.join(f.spec.dir_name());
        fs::create_dir(&d)?;
        fs::write(d.join("env_id"), &f.spec.env_id)?;
        let files = f
            .spec
            .manifest_files
            .iter()
            .map(|(n, c)| (n.as_str(), c.as_str()))
            .chain(f.recipe.provision_files.iter().copied());
        for (name, content) in files {
            fs::write(d.join(name), content)?;
        }
        if let Some(host_inputs) = f.recipe.host_inputs {
            let computed = host_inputs().map_err(|e| {
                std::io::Error::other(format!("provisioning {}: {e}", f.spec.env_id))
            })?;
            for (name, content) in computed {
                fs::write(d.join(name), content)?;
            }
        }
    }
    let npm = serde_json::to_string_pretty(&needs.npm).map_err(std::io::Error::other)?;
    fs::write(dir.join("npm.json"), npm + "\n")?;
    Ok(())
}

/// Runs the system script (the sandbox's packages plus `needs.debian` and
/// `needs.npm_global`), then one framework's provisioning script with its inputs
/// in `$BAX_PROVISION_INPUT`, logging to `<env_path>.<framework>.log`. Network
/// access is the host's (package registries). `needs` comes from the scenarios
/// (collected by the caller): provisioning itself knows no scenario. `bax_exe`
/// is the `bax` binary: family scripts run their sandboxed warm-up builds
/// through it (`$BAX_EXE env sandbox-run`, [`crate::step`]).
pub fn provision(
    home: &BaxHome,
    fw: &Framework,
    needs: &SystemNeeds,
    echo: bool,
    bax_exe: &Path,
) -> std::io::Result<ProvisionReport> {
    home.ensure()?;
    let env_path = home.env_path(&fw.recipe);
    fs::create_dir_all(&env_path)?;
    fs::set_permissions(&env_path, fs::Permissions::from_mode(0o755))?;
    let _lock = Lock::take(&home.envs().join(format!("{}.lock", fw.recipe.env_dir)))?;
    let log_path = home
        .envs()
        .join(format!("{}.{}.log", fw.recipe.env_dir, fw.spec.dir_name()));
    let mut log = fs::File::create(&log_path)?;
    let started = Instant::now();
    let script = home
        .envs()
        .join(format!(".provision-{}.sh", fw.recipe.env_dir));
    fs::write(&script, fw.recipe.provision)?;
    let inputs = home
        .envs()
        .join(format!(".provision-{}.input", fw.recipe.env_dir));
    write_inputs(&inputs, fw, needs)?;
    let npm_global: Vec<String> = needs
        .npm_global
        .iter()
        .map(|(name, version)| format!("{name}@{version}"))
        .collect();
    let mut ok = true;
    for (what, cmd) in [
        ("system", {
            let mut c = Command::new("bash");
            c.arg("-c")
                .arg(crate::SYSTEM_PROVISION)
                .arg("bax-system")
                .args(&needs.debian)
                .env("BAX_NPM_GLOBAL", npm_global.join(" "));
            c
        }),
        ("framework", {
            let mut c = Command::new("bash");
            c.arg(&script)
                .arg(&env_path)
                .arg(&fw.spec.env_id)
                .env("BAX_PROVISION_INPUT", &inputs)
                .env("BAX_EXE", bax_exe)
                .env("BAX_HOME", home.root());
            c
        }),
    ] {
        writeln!(log, "== {what} provisioning for {}", fw.spec.env_id)?;
        let status = run_logged(cmd, &mut log, echo)?;
        if !status {
            ok = false;
            break;
        }
    }
    let _ = fs::remove_file(&script);
    let _ = fs::remove_dir_all(&inputs);
    let seconds = started.elapsed().as_secs_f64();
    if ok {
        // Keep every successful run's duration: the first is the cold time.
        let timing = home.envs().join(format!(
            "{}.{}.timing",
            fw.recipe.env_dir,
            fw.spec.dir_name()
        ));
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(timing)?;
        writeln!(f, "{seconds:.3}")?;
    }
    Ok(ProvisionReport {
        env_id: fw.spec.env_id.clone(),
        ok,
        seconds,
        log: log_path,
    })
}

fn run_logged(mut cmd: Command, log: &mut fs::File, echo: bool) -> std::io::Result<bool> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let pumps: Vec<_> = [
        Box::new(out) as Box<dyn std::io::Read + Send>,
        Box::new(err),
    ]
    .into_iter()
    .map(|mut r| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        })
    })
    .collect();
    drop(tx);
    for chunk in rx {
        log.write_all(&chunk)?;
        if echo {
            let _ = std::io::stderr().write_all(&chunk);
        }
    }
    for p in pumps {
        let _ = p.join();
    }
    Ok(child.wait()?.success())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use bax_catalog::SystemNeeds;

    /// A family's script gets every member's manifest verbatim, its extra inputs
    /// and the scenarios' npm packages; a lone framework only its own.
    #[test]
    fn write_inputs_hands_the_family_its_manifests_and_the_scenario_extras() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir_all(input.join("stale")).unwrap();
        let needs = SystemNeeds {
            npm: BTreeMap::from([("csv-parser".into(), "3.1.0".into())]),
            ..Default::default()
        };
        let gin = crate::framework("Go-Gin").unwrap();
        super::write_inputs(&input, &gin, &needs).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&input)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["Go-Fiber", "Go-Gin", "Go-net-http", "npm.json"]);
        let read = |p: &str| std::fs::read_to_string(input.join(p)).unwrap();
        assert_eq!(read("Go-Gin/go.mod"), crate::frameworks::go_gin::MANIFEST);
        assert_eq!(
            read("Go-net-http/go.mod"),
            crate::frameworks::go_net_http::MANIFEST
        );
        assert_eq!(read("Go-net-http/env_id"), "Go-net/http");
        assert!(read("Go-Gin/build_helper.go").contains("  _ \"github.com/gin-gonic/gin\"\n)"));
        assert!(!read("Go-net-http/build_helper.go").contains("gin"));
        assert!(read("Go-Fiber/warm").ends_with(" github.com/gofiber/fiber/v2/..."));
        assert_eq!(read("npm.json"), "{\n  \"csv-parser\": \"3.1.0\"\n}\n");

        let flask = crate::framework("Flask").unwrap();
        super::write_inputs(&input, &flask, &SystemNeeds::default()).unwrap();
        assert!(!input.join("Go-Gin").exists(), "emptied first");
        assert_eq!(
            read("Python-Flask/requirements.txt"),
            crate::frameworks::python_flask::MANIFEST
        );
        assert_eq!(read("Python-Flask/probe"), "flask");
        assert_eq!(read("npm.json"), "{}\n");
    }
}

//! [`ResultsStore`]: reading and writing samples in a results tree.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use bax_catalog::model::escape_path_component as esc;

use crate::fsutil::{
    atomic_write, create_new_file, ensure_real_dirs, is_real_dir, is_stale_temp, open_nofollow,
    remove_any, sync_dir, temp_name, validate_component, validate_relative_path,
};
use crate::layout::{parse_config_dir_name, parse_sample_dir_name};
use crate::{io_at, ConfigKey, Result, SampleKey, StoreError, TestResults};

/// The file BaxBench writes as a sample's only code file when the model's answer
/// could not be parsed.
pub const FAILED_FILE: &str = "failed";
/// The start of [`FAILED_FILE`]'s content; the model's full response follows.
pub const FAILED_PREFIX: &str = "Format not found. Full response:\n";

/// A results tree rooted at one folder (BaxBench's `--results_dir`).
#[derive(Debug, Clone)]
pub struct ResultsStore {
    root: PathBuf,
}

impl ResultsStore {
    /// Opens the tree at `root`, creating the folder if needed, and removes what
    /// killed writers left behind ([`Self::clean_stale`]).
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(io_at(&root))?;
        let store = Self { root };
        store.clean_stale()?;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/<model>/<scenario>/<env>/temp<T>-<spec>-<safety>` (BaxBench's
    /// `get_save_dir`; its `gen.log` lives here).
    pub fn config_dir(&self, key: &ConfigKey) -> PathBuf {
        let mut dir = self.root.clone();
        dir.extend(key.dir_components());
        dir
    }

    /// `<config_dir>/sample<n>`.
    pub fn sample_dir(&self, key: &SampleKey) -> PathBuf {
        self.config_dir(&key.config).join(key.dir_name())
    }

    /// `<sample_dir>/code`: the app's files.
    pub fn code_dir(&self, key: &SampleKey) -> PathBuf {
        self.sample_dir(key).join("code")
    }

    /// `<sample_dir>/test_results.json`.
    pub fn test_results_path(&self, key: &SampleKey) -> PathBuf {
        self.sample_dir(key).join("test_results.json")
    }

    /// Whether the sample's folder exists. Thanks to atomic writes, an existing
    /// sample folder written by bax is always complete.
    pub fn has_sample(&self, key: &SampleKey) -> bool {
        is_real_dir(&self.sample_dir(key))
    }

    /// Writes a whole sample at once: `files` (paths relative to `code/`) and
    /// `extras` (plain file names beside `code/`, e.g. a raw response). The sample
    /// folder appears complete or not at all (see the crate docs). An existing
    /// sample is [`StoreError::AlreadyExists`] unless `overwrite`, in which case it
    /// is replaced as a whole (its test results and logs go with it).
    pub fn write_sample<P: AsRef<Path>, B: AsRef<[u8]>>(
        &self,
        key: &SampleKey,
        files: &[(P, B)],
        extras: &[(&str, &[u8])],
        overwrite: bool,
    ) -> Result<()> {
        for (path, _) in files {
            validate_relative_path(path.as_ref())?;
        }
        for (name, _) in extras {
            validate_component(name)?;
            if *name == "code" {
                return Err(StoreError::InvalidPath {
                    path: name.into(),
                    reason: "`code` is the code folder",
                });
            }
        }
        let parent = self.ensure_config_dir(&key.config)?;
        let name = key.dir_name();
        let target = parent.join(&name);
        let exists = || fs::symlink_metadata(&target).is_ok();
        if !overwrite && exists() {
            return Err(StoreError::AlreadyExists { path: target });
        }

        let tmp = parent.join(temp_name(&name));
        fs::create_dir(&tmp).map_err(io_at(&tmp))?;
        if let Err(e) = build_sample(&tmp, files, extras) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }

        // Never delete the old sample before the new one is in place.
        let aside = if overwrite && exists() {
            let aside = parent.join(temp_name(&name));
            if let Err(e) = fs::rename(&target, &aside) {
                let _ = fs::remove_dir_all(&tmp);
                return Err(io_at(&target)(e));
            }
            Some(aside)
        } else {
            None
        };
        if let Err(e) = fs::rename(&tmp, &target) {
            let _ = fs::remove_dir_all(&tmp);
            if let Some(aside) = &aside {
                let _ = fs::rename(aside, &target);
            }
            // Renaming onto a directory that appeared meanwhile fails with
            // ENOTEMPTY/EEXIST.
            if !overwrite && exists() {
                return Err(StoreError::AlreadyExists { path: target });
            }
            return Err(io_at(&target)(e));
        }
        sync_dir(&parent)?;
        if let Some(aside) = aside {
            // The write has succeeded; should this fail, the hidden leftover is
            // removed by a later `clean_stale`.
            let _ = remove_any(&aside);
        }
        Ok(())
    }

    /// Records an unparseable model answer the way BaxBench does: `code/failed`
    /// holding [`FAILED_PREFIX`] and the full response.
    pub fn write_failed(&self, key: &SampleKey, response: &str, overwrite: bool) -> Result<()> {
        let content = format!("{FAILED_PREFIX}{response}");
        self.write_sample(key, &[(FAILED_FILE, content)], &[], overwrite)
    }

    /// Whether the sample records an unparseable answer (BaxBench's test: the
    /// file `code/failed` exists).
    pub fn is_failed(&self, key: &SampleKey) -> bool {
        fs::symlink_metadata(self.code_dir(key).join(FAILED_FILE)).is_ok_and(|m| m.is_file())
    }

    /// The sample's code files as (path relative to `code/`, content), sorted by
    /// path. Symlinks and other non-regular files are skipped, never followed. A
    /// missing `code/` is an error (BaxBench would read it as an empty app).
    pub fn read_code(&self, key: &SampleKey) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let code = self.code_dir(key);
        match fs::symlink_metadata(&code) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(StoreError::NotADirectory { path: code }),
            Err(e) => return Err(io_at(&code)(e)),
        }
        let mut files = Vec::new();
        read_tree(&code, Path::new(""), &mut files)?;
        files.sort();
        Ok(files)
    }

    /// Every regular file of the sample's folder (`code/…`, test results, logs),
    /// as (path relative to the sample folder, content), sorted by path; symlinks
    /// and other non-regular files are skipped, never followed.
    pub fn read_sample_files(&self, key: &SampleKey) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let dir = self.sample_dir(key);
        if !is_real_dir(&dir) {
            return Err(StoreError::NotADirectory { path: dir });
        }
        let mut files = Vec::new();
        read_tree(&dir, Path::new(""), &mut files)?;
        files.sort();
        Ok(files)
    }

    /// Writes `test_results.json` atomically. The sample must exist.
    pub fn write_test_results(&self, key: &SampleKey, results: &TestResults) -> Result<()> {
        let parent = self.ensure_config_dir(&key.config)?;
        let sample = parent.join(key.dir_name());
        if !is_real_dir(&sample) {
            let source = io::Error::new(io::ErrorKind::NotFound, "no such sample folder");
            return Err(io_at(&sample)(source));
        }
        atomic_write(&self.test_results_path(key), &results.to_json())
    }

    /// Reads `test_results.json`; `None` if the sample has not been tested.
    pub fn read_test_results(&self, key: &SampleKey) -> Result<Option<TestResults>> {
        let path = self.test_results_path(key);
        let mut bytes = Vec::new();
        match open_nofollow(&path).and_then(|mut f| f.read_to_end(&mut bytes)) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_at(&path)(e)),
        }
        TestResults::from_json(&bytes)
            .map(Some)
            .map_err(|source| StoreError::Json { path, source })
    }

    /// Every sample in the tree (of the given models only, if `models` is given),
    /// sorted. Folder names are parsed back into keys, so model, scenario and env
    /// ids come back escaped (`Go-net-http`). Hidden entries, symlinks and folders
    /// that do not parse as BaxBench's layout are ignored.
    pub fn list_samples(&self, models: Option<&[String]>) -> Result<Vec<SampleKey>> {
        let wanted: Option<Vec<String>> = models.map(|ms| ms.iter().map(|m| esc(m)).collect());
        let mut out = Vec::new();
        for model in subdirs(&self.root)? {
            if wanted.as_ref().is_some_and(|w| !w.contains(&model)) {
                continue;
            }
            let model_dir = self.root.join(&model);
            for scenario in subdirs(&model_dir)? {
                let scenario_dir = model_dir.join(&scenario);
                for env in subdirs(&scenario_dir)? {
                    let env_dir = scenario_dir.join(&env);
                    for config in subdirs(&env_dir)? {
                        let Some((temperature, spec_type, safety)) = parse_config_dir_name(&config)
                        else {
                            continue;
                        };
                        let key = ConfigKey {
                            model: model.clone(),
                            scenario_id: scenario.clone(),
                            env_id: env.clone(),
                            temperature,
                            spec_type,
                            safety,
                        };
                        for sample in subdirs(&env_dir.join(&config))? {
                            if let Some(n) = parse_sample_dir_name(&sample) {
                                out.push(key.sample(n));
                            }
                        }
                    }
                }
            }
        }
        out.sort_by(|a, b| {
            let (x, y) = (&a.config, &b.config);
            (&x.model, &x.scenario_id, &x.env_id)
                .cmp(&(&y.model, &y.scenario_id, &y.env_id))
                .then(x.temperature.total_cmp(&y.temperature))
                .then((x.spec_type, x.safety, a.sample).cmp(&(y.spec_type, y.safety, b.sample)))
        });
        Ok(out)
    }

    /// Removes hidden temp entries (`.<name>.tmp-<pid>-<random>`) left by writers
    /// that are no longer running, anywhere in the tree except inside `code/`
    /// folders (whose names come from the model). Entries of live writers,
    /// including this process, are kept. Returns how many entries were removed.
    /// [`Self::open`] calls this; call it again after reaping a killed writer.
    pub fn clean_stale(&self) -> Result<usize> {
        let mut removed = 0;
        clean_dir(&self.root, false, &mut removed)?;
        Ok(removed)
    }

    /// Creates the configuration folder (validating each name) without following
    /// symlinks, and makes newly created folders durable.
    fn ensure_config_dir(&self, key: &ConfigKey) -> Result<PathBuf> {
        let components = key.dir_components();
        for c in &components {
            validate_component(c)?;
        }
        let mut created = Vec::new();
        let dir = ensure_real_dirs(&self.root, components.iter().map(OsStr::new), &mut created)?;
        for d in &created {
            sync_dir(d.parent().expect("created below the root"))?;
        }
        Ok(dir)
    }
}

/// Fills a fresh temp sample folder: `code/` with `files`, `extras` beside it;
/// then fsyncs every directory, deepest first (files are fsynced as written).
fn build_sample<P: AsRef<Path>, B: AsRef<[u8]>>(
    tmp: &Path,
    files: &[(P, B)],
    extras: &[(&str, &[u8])],
) -> Result<()> {
    let mut dirs = vec![tmp.to_path_buf()];
    let code = ensure_real_dirs(tmp, [OsStr::new("code")], &mut dirs)?;
    for (rel, bytes) in files {
        let rel = rel.as_ref();
        let parents = rel.parent().into_iter().flat_map(|p| p.iter());
        ensure_real_dirs(&code, parents, &mut dirs)?;
        create_new_file(&code.join(rel), bytes.as_ref())?;
    }
    for (name, bytes) in extras {
        create_new_file(&tmp.join(name), bytes)?;
    }
    for dir in dirs.iter().rev() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Collects regular files below `dir` (whose path relative to `code/` is `rel`).
fn read_tree(dir: &Path, rel: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(io_at(dir))? {
        let entry = entry.map_err(io_at(dir))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(io_at(&path))?;
        let rel = rel.join(entry.file_name());
        if file_type.is_dir() {
            read_tree(&path, &rel, out)?;
        } else if file_type.is_file() {
            let mut bytes = Vec::new();
            open_nofollow(&path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(io_at(&path))?;
            out.push((rel, bytes));
        }
    }
    Ok(())
}

/// Names of the real, non-hidden, UTF-8-named subfolders of `dir` (none if `dir`
/// is gone).
fn subdirs(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_at(dir)(e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_at(dir))?;
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if let Ok(name) = entry.file_name().into_string() {
            if !name.starts_with('.') {
                names.push(name);
            }
        }
    }
    Ok(names)
}

/// [`ResultsStore::clean_stale`]'s walk; `in_sample` says `dir` is a `sample<n>`.
fn clean_dir(dir: &Path, in_sample: bool, removed: &mut usize) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_at(dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_at(dir))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_str();
        if name.is_some_and(is_stale_temp) {
            remove_any(&path).map_err(io_at(&path))?;
            *removed += 1;
        } else if entry.file_type().is_ok_and(|t| t.is_dir())
            && !(in_sample && name == Some("code"))
        {
            let is_sample = name.and_then(parse_sample_dir_name).is_some();
            clean_dir(&path, is_sample, removed)?;
        }
    }
    Ok(())
}

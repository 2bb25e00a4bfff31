//! The verdict cache: a test's verdict on the same code, under the same test
//! suite and runtime, is looked up instead of run again.
//!
//! A key ([`CacheKey`]) is a SHA-256 over the test suite's content hash (the bax
//! version, the shared harness and the scenario's folder:
//! `bax_scenarios::suite_hash`), the framework and the fingerprint of its
//! provisioned runtime, the task id, the code's content hash, the run's
//! settings that can change a verdict (time limits, the app's extra
//! environment) and the test's name. One file per key under
//! `BAX_HOME/cache/verdicts/<2 hex>/<64 hex>.json`:
//!
//! * written atomically (a temp file renamed over the entry), so concurrent
//!   writers and a killed bax leave whole entries or none; an unreadable entry
//!   is a miss and is removed;
//! * bounded: after every 64 writes, when the folder holds more than its limit,
//!   the least recently used entries (a hit refreshes an entry's time) are
//!   removed until it holds 80% of it; stale temp files go too;
//! * a **timing-sensitive** test's verdict (scenario.toml `timing_sensitive`)
//!   is served only once it is stable: once the same verdict was seen
//!   [`STABLE_RUNS`] times in a row. Until then every lookup misses and the
//!   test runs again (a different verdict starts the count anew). Two writers
//!   of the same entry at once may count one run too few, never one too many.
//!
//! A build is cached beside its tests (the test name `#build`): whether the app
//! built, the build's seconds and its log, so a sample all of whose tests hit
//! is answered without a build.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::verdict::TestVerdict;

/// Identical verdicts in a row before a timing-sensitive verdict is served.
pub const STABLE_RUNS: u32 = 2;

/// The default size limit (512 MiB); `BAX_CACHE_MAX_MB` overrides it.
pub const DEFAULT_MAX_BYTES: u64 = 512 << 20;

/// Writes between two size checks.
const CHECK_EVERY: u64 = 64;

/// A cached test verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedTest {
    pub verdict: TestVerdict,
    /// The test's log text.
    pub log: String,
    /// Identical verdicts seen in a row (timing-sensitive tests).
    pub runs: u32,
}

/// A cached build.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedBuild {
    pub built: bool,
    pub build_seconds: f64,
    pub build_log: String,
    /// Why it did not build (the failed tests' exception), when it did not.
    #[serde(default)]
    pub summary: String,
}

/// What decides a sample's verdicts, hashed once per sample; [`CacheKey::test`]
/// derives each test's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey(String);

/// The parts of a sample's key.
pub struct KeyParts<'a> {
    pub suite_hash: &'a str,
    /// [`executable_fingerprint`].
    pub executable: &'a str,
    pub env_id: &'a str,
    pub runtime: &'a str,
    pub task_id: &'a str,
    pub code_hash: &'a str,
    /// Settings that can change a verdict, each as one string.
    pub settings: &'a [String],
}

fn feed(h: &mut Sha256, part: &[u8]) {
    h.update((part.len() as u64).to_le_bytes());
    h.update(part);
}

impl CacheKey {
    pub fn new(p: &KeyParts<'_>) -> CacheKey {
        let mut h = Sha256::new();
        feed(&mut h, b"bax-verdict-cache-v1");
        for part in [
            p.suite_hash,
            p.executable,
            p.env_id,
            p.runtime,
            p.task_id,
            p.code_hash,
        ] {
            feed(&mut h, part.as_bytes());
        }
        for s in p.settings {
            feed(&mut h, s.as_bytes());
        }
        CacheKey(format!("{:x}", h.finalize()))
    }

    /// The key of one test (or `#build`).
    pub fn test(&self, name: &str) -> String {
        let mut h = Sha256::new();
        feed(&mut h, self.0.as_bytes());
        feed(&mut h, name.as_bytes());
        format!("{:x}", h.finalize())
    }
}

/// The identity of the running executable, computed once per process: a hash
/// of its path, size, modification time, device and inode, and the crate
/// version. Any rebuild or reinstall writes a new file (new time and inode), so
/// a bax built with other runner rules, sandbox profile or runtime recipes keys
/// apart; a copy of the same binary keys apart too (a miss, never a wrong hit).
/// Metadata rather than content: the debug binary is over 300 MiB, and reading
/// it would cost every `bax check` seconds and that much memory.
pub fn executable_fingerprint() -> &'static str {
    static FP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use std::os::unix::fs::MetadataExt;
        let mut h = Sha256::new();
        feed(&mut h, env!("CARGO_PKG_VERSION").as_bytes());
        match std::env::current_exe().and_then(|p| Ok((std::fs::metadata(&p)?, p))) {
            Ok((m, path)) => {
                feed(&mut h, path.as_os_str().as_encoded_bytes());
                for n in [
                    m.len(),
                    m.mtime() as u64,
                    m.mtime_nsec() as u64,
                    m.dev(),
                    m.ino(),
                ] {
                    h.update(n.to_le_bytes());
                }
            }
            Err(e) => {
                tracing::warn!("cannot stat the running executable ({e}); the verdict cache keys on the version only");
            }
        }
        format!("{:x}", h.finalize())
    });
    &FP
}

/// SHA-256 over a sample's files, sorted by path (path and content each
/// length-prefixed): the same code hashes the same whatever order it came in.
pub fn code_hash(files: &[(PathBuf, Vec<u8>)]) -> String {
    let mut sorted: Vec<&(PathBuf, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = Sha256::new();
    for (path, bytes) in sorted {
        feed(&mut h, path.as_os_str().as_encoded_bytes());
        feed(&mut h, bytes);
    }
    format!("{:x}", h.finalize())
}

/// Hits and misses, counted per test.
#[derive(Debug, Default)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

/// The verdict cache under one folder.
#[derive(Debug)]
pub struct VerdictCache {
    dir: PathBuf,
    max_bytes: u64,
    writes: AtomicU64,
    pub stats: CacheStats,
}

impl VerdictCache {
    /// The cache in `dir` (created), holding at most about `max_bytes`.
    pub fn open(dir: impl Into<PathBuf>, max_bytes: u64) -> std::io::Result<VerdictCache> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(VerdictCache {
            dir,
            max_bytes,
            writes: AtomicU64::new(0),
            stats: CacheStats::default(),
        })
    }

    /// The size limit from `BAX_CACHE_MAX_MB`, else [`DEFAULT_MAX_BYTES`].
    pub fn max_bytes_from_env() -> u64 {
        std::env::var("BAX_CACHE_MAX_MB")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_MAX_BYTES, |mb| mb << 20)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    /// The entry under `key`, if there is a whole one. A hit refreshes the
    /// entry's time (least recently used goes first).
    pub fn get<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Option<T> {
        let path = self.path(key);
        let bytes = std::fs::read(&path).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(v) => {
                if let Ok(f) = std::fs::File::options().append(true).open(&path) {
                    let _ = f.set_modified(SystemTime::now());
                }
                Some(v)
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), "dropping an unreadable cache entry: {e}");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores `value` under `key` (atomically; a failure is logged, never an
    /// error of the run: the cache only saves time).
    pub fn put<T: Serialize>(&self, key: &str, value: &T) {
        let path = self.path(key);
        let r = serde_json::to_vec(value)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                std::fs::create_dir_all(path.parent().expect("a cache path has a folder"))?;
                bax_store::atomic_write(&path, &bytes).map_err(std::io::Error::other)
            });
        if let Err(e) = r {
            tracing::warn!(path = %path.display(), "could not write a cache entry: {e}");
        }
        if self.writes.fetch_add(1, Ordering::Relaxed) % CHECK_EVERY == CHECK_EVERY - 1 {
            self.evict();
        }
    }

    /// A test's cached verdict, if it may be served (`timed`: only once stable).
    pub fn lookup_test(&self, key: &str, timed: bool) -> Option<CachedTest> {
        let hit = self
            .get::<CachedTest>(key)
            .filter(|c| !timed || c.runs >= STABLE_RUNS);
        let counter = if hit.is_some() {
            &self.stats.hits
        } else {
            &self.stats.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        hit
    }

    /// Stores a test's verdict; for a timed test, counts the identical
    /// verdicts in a row.
    pub fn store_test(&self, key: &str, verdict: &TestVerdict, log: &str, timed: bool) {
        let runs = if timed {
            match self.get::<CachedTest>(key) {
                Some(c) if same_decision(&c.verdict, verdict) => c.runs.saturating_add(1),
                _ => 1,
            }
        } else {
            1
        };
        self.put(
            key,
            &CachedTest {
                verdict: verdict.clone(),
                log: log.to_string(),
                runs,
            },
        );
    }

    /// Removes the least recently used entries while the folder holds more than
    /// its limit (down to 80% of it), and temp files left by a killed writer.
    pub fn evict(&self) {
        let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        let Ok(shards) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        for shard in shards.flatten() {
            let Ok(files) = std::fs::read_dir(shard.path()) else {
                continue;
            };
            for f in files.flatten() {
                let Ok(meta) = f.metadata() else { continue };
                let modified = meta.modified().unwrap_or(now);
                if f.file_name().to_string_lossy().starts_with('.') {
                    // A writer's temp file: stale after an hour.
                    if now.duration_since(modified).unwrap_or_default() > Duration::from_secs(3600)
                    {
                        let _ = std::fs::remove_file(f.path());
                    }
                    continue;
                }
                entries.push((modified, meta.len(), f.path()));
            }
        }
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        if total <= self.max_bytes {
            return;
        }
        entries.sort();
        let target = self.max_bytes / 10 * 8;
        for (_, len, path) in entries {
            if total <= target {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }

    /// Bytes the entries hold.
    pub fn size(&self) -> u64 {
        walk_size(&self.dir)
    }
}

fn walk_size(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => walk_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Whether two verdicts of a test decide the same (what BaxBench counts:
/// passed, CWEs, an exception or not, a crash), whatever their timings and logs.
pub fn same_decision(a: &TestVerdict, b: &TestVerdict) -> bool {
    a.passed == b.passed
        && a.cwes == b.cwes
        && a.exception.is_some() == b.exception.is_some()
        && a.crashed == b.crashed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{self, Observed, Outcome};

    fn verdict(passed: bool) -> TestVerdict {
        rules::functional_verdict(
            "func_test",
            Outcome::Returned(passed),
            Observed {
                crashed: false,
                seconds: 0.5,
                evidence: Vec::new(),
            },
        )
    }

    fn key(code: &str, settings: &[String]) -> CacheKey {
        CacheKey::new(&KeyParts {
            suite_hash: "suite",
            executable: executable_fingerprint(),
            env_id: "Python-Flask",
            runtime: "rt",
            task_id: "Login-Python-Flask",
            code_hash: code,
            settings,
        })
    }

    #[test]
    fn keys_change_with_every_part() {
        let base = key("c1", &[]);
        assert_eq!(base, key("c1", &[]));
        assert_ne!(base, key("c2", &[]));
        assert_ne!(base, key("c1", &["timeout=300".into()]));
        assert_ne!(base.test("a"), base.test("b"));
        assert_eq!(base.test("a").len(), 64);
        let files = |a: &str| {
            vec![
                (PathBuf::from("app.py"), a.as_bytes().to_vec()),
                (PathBuf::from("requirements.txt"), b"flask".to_vec()),
            ]
        };
        let mut rev = files("x");
        rev.reverse();
        assert_eq!(
            code_hash(&files("x")),
            code_hash(&rev),
            "order does not matter"
        );
        assert_ne!(code_hash(&files("x")), code_hash(&files("y")));
        // Boundaries are part of the hash: ("ab","c") is not ("a","bc").
        let split = |p: &str, c: &str| vec![(PathBuf::from(p), c.as_bytes().to_vec())];
        assert_ne!(code_hash(&split("ab", "c")), code_hash(&split("a", "bc")));
    }

    #[test]
    fn entries_round_trip_and_unreadable_ones_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let c = VerdictCache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
        let k = key("c", &[]).test("func_test");
        assert!(c.lookup_test(&k, false).is_none());
        c.store_test(&k, &verdict(true), "log text", false);
        let hit = c.lookup_test(&k, false).expect("hit");
        assert_eq!(hit.verdict.passed, Some(true));
        assert_eq!(hit.log, "log text");
        assert_eq!(c.stats.hits.load(Ordering::Relaxed), 1);
        assert_eq!(c.stats.misses.load(Ordering::Relaxed), 1);
        // A torn entry (a killed writer on a filesystem without atomic
        // renames, a disk error) is a miss, and is removed.
        std::fs::write(c.path(&k), b"{\"verdict\": {").unwrap();
        assert!(c.lookup_test(&k, false).is_none());
        assert!(!c.path(&k).exists());
    }

    #[test]
    fn timed_verdicts_are_served_only_once_stable() {
        let dir = tempfile::tempdir().unwrap();
        let c = VerdictCache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
        let k = key("c", &[]).test("sec_test_regex_bomb");
        c.store_test(&k, &verdict(true), "", true);
        assert!(c.lookup_test(&k, true).is_none(), "seen once");
        // A different verdict starts the count anew.
        c.store_test(&k, &verdict(false), "", true);
        assert!(c.lookup_test(&k, true).is_none());
        c.store_test(&k, &verdict(false), "", true);
        let hit = c.lookup_test(&k, true).expect("stable after two");
        assert_eq!((hit.verdict.passed, hit.runs), (Some(false), 2));
        // An untimed lookup of the same entry would have hit at once.
        assert!(c.lookup_test(&k, false).is_some());
    }

    #[test]
    fn concurrent_writers_leave_whole_entries() {
        let dir = tempfile::tempdir().unwrap();
        let c = VerdictCache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
        let k = key("c", &[]).test("func_test");
        let big = "x".repeat(200_000);
        std::thread::scope(|s| {
            for i in 0..8 {
                let (c, k, big) = (&c, &k, &big);
                s.spawn(move || {
                    for _ in 0..20 {
                        c.store_test(k, &verdict(i % 2 == 0), big, false);
                        let got = c.get::<CachedTest>(k).expect("always a whole entry");
                        assert_eq!(got.log.len(), big.len());
                    }
                });
            }
        });
        let leftovers: Vec<_> = std::fs::read_dir(c.path(&k).parent().unwrap())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn the_size_stays_bounded_and_recent_entries_survive() {
        let dir = tempfile::tempdir().unwrap();
        let c = VerdictCache::open(dir.path(), 200_000).unwrap();
        let base = key("c", &[]);
        let log = "y".repeat(10_000);
        let keep = base.test("kept");
        c.store_test(&keep, &verdict(true), &log, false);
        for i in 0..100 {
            c.store_test(&base.test(&format!("t{i}")), &verdict(true), &log, false);
            // The kept entry is used all along: it is never the oldest.
            assert!(c.get::<CachedTest>(&keep).is_some(), "evicted at {i}");
            std::thread::sleep(Duration::from_millis(2));
        }
        c.evict();
        assert!(c.size() <= 200_000, "{}", c.size());
        assert!(c.get::<CachedTest>(&keep).is_some());
        assert!(
            c.get::<CachedTest>(&base.test("t0")).is_none(),
            "oldest evicted"
        );
    }
}

//! bax's results store, in BaxBench's on-disk layout.
//!
//! A results folder written by bax can be read by BaxBench and vice versa. The
//! layout is BaxBench's `Task.get_save_dir`:
//!
//! ```text
//! <root>/<model>/<scenario_id>/<env_id>/temp<T>-<spec_type>-<safety>/sample<n>/
//!     code/...             the app's files (or the single file `failed`)
//!     test_results.json    written after testing
//!     *.log, ...           other per-sample files ("extras")
//! ```
//!
//! Every name is escaped by BaxBench's `esc` (`/` becomes `-`), and `<T>` is Python's
//! `str(float(t))` ([`python_float_repr`]).
//!
//! # Atomicity
//!
//! Runs get killed (Ctrl-C, OOM, a lost machine), and a resumed run skips every
//! `sample<n>` that exists, so a half-written sample would be skipped forever and
//! judged as whatever fragment it holds. Hence a sample folder appears whole or not
//! at all:
//!
//! * [`ResultsStore::write_sample`] builds the complete folder in a hidden sibling
//!   (`.sample<n>.tmp-<pid>-<random>`), fsyncs every file and directory in it, and
//!   `rename(2)`s it to `sample<n>` (atomic within one file system), then fsyncs the
//!   parent so the rename itself is durable. Overwriting first renames the old folder
//!   aside (to another hidden temp name) and deletes it only after the new one is in
//!   place: at every instant `sample<n>` is either absent or complete.
//! * Single files ([`atomic_write`], used for `test_results.json`) go through a
//!   hidden temp file in the same directory: write, fsync, rename over, fsync dir.
//! * A killed writer leaves only hidden temp entries behind. They carry the writer's
//!   pid, and [`ResultsStore::clean_stale`] (run by [`ResultsStore::open`]) removes
//!   those whose writer is no longer alive, so concurrent writers on one root do not
//!   delete each other's work in progress. (Writers in another pid namespace, e.g.
//!   another container sharing the folder, look dead: don't share a root that way.)
//!
//! # Paths
//!
//! File paths inside a sample come from model output, so they are validated here
//! again ([`validate_relative_path`]) even if the parser already did. Directories are
//! created one component at a time and must be real directories (a symlink in the
//! way is an error, never followed), and files are created with
//! `O_CREAT|O_EXCL|O_NOFOLLOW` inside the fresh temp folder.

mod fsutil;
mod layout;
mod merge;
mod results;
mod store;

use std::path::PathBuf;

pub use fsutil::{atomic_write, validate_relative_path};
pub use layout::{python_float_repr, ConfigKey, SampleKey};
pub use merge::{merge, MergeError, MergeSummary};
pub use results::TestResults;
pub use store::{ResultsStore, FAILED_FILE, FAILED_PREFIX};

/// Everything that can go wrong in the store; each variant names the path involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The sample folder exists and overwriting was not asked for.
    #[error("{path} already exists")]
    AlreadyExists { path: PathBuf },
    /// A path from model output or a key component that could escape its folder.
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath { path: PathBuf, reason: &'static str },
    /// Something other than a real directory (a symlink, a file) is in the way.
    #[error("{path}: expected a directory, found a symlink or file")]
    NotADirectory { path: PathBuf },
    #[error("{path}: malformed test results: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Adapts an `io::Error` into [`StoreError::Io`] for `path`.
pub(crate) fn io_at(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

//! bax's task catalog.
//!
//! A *scenario* is an API to implement plus the tests that judge it; a *framework*
//! is a language and web framework plus how apps in it are laid out; a *task* is
//! one scenario in one framework. This crate holds their data model, the prompt
//! builder and the reader for official BaxBench task tables. It does no I/O beyond
//! reading a table file, and knows nothing of sandboxes, providers or tests.

pub mod catalog;
pub mod cwe;
pub mod filter;
pub mod model;
pub mod prompt;
pub mod shard;
pub mod split;
pub mod table;
pub mod yaml;

use std::path::PathBuf;

pub use catalog::{Catalog, CatalogSource};
pub use filter::TaskFilter;
pub use model::{
    FrameworkSpec, SafetyPrompt, ScenarioSpec, SecurityTestSpec, SpecType, SystemNeeds, Task,
};
pub use prompt::build_prompt;
pub use shard::Shard;
pub use split::{Side, Split, SplitBy, SplitSpec};

/// Everything that can go wrong while loading or querying a catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, row {row}: {message}")]
    Row {
        path: PathBuf,
        row: usize,
        message: String,
    },
    #[error("{path}: not a readable Parquet task table: {message}")]
    Parquet { path: PathBuf, message: String },
    /// A Parquet table, in a build without the `parquet` feature of bax-catalog.
    #[error(
        "{path}: Parquet task tables need bax-catalog's `parquet` feature (the `bax` binary has \
         it); use a .jsonl table or rebuild with --features bax-catalog/parquet"
    )]
    NoParquet { path: PathBuf },
    #[error("invalid catalog: {0}")]
    Invalid(String),
    #[error("unknown task {id:?}; {hint}")]
    UnknownTask { id: String, hint: String },
    #[error("unknown {kind} {name:?}; known: {choices}")]
    UnknownName {
        kind: String,
        name: String,
        choices: String,
    },
}

//! Combining results folders (`bax merge OUT DIR…`), e.g. the shards of one run.
//!
//! A sample is the same sample in two folders when its key (model, scenario,
//! env, temperature, spec, safety, sample number) is. Two copies *agree* when
//! their code (`code/`, the model's answer) is byte-identical and their test
//! results are too, or one of them is untested (the tested copy is kept).
//! Anything else is a conflict, and a merge with any conflict writes nothing:
//! every conflicting sample is named in the error. Files beside the results
//! that are not samples (reports) are not merged; evaluate the merged folder.
//!
//! Logs, `verdict.json` timings and `generation.json` may differ between two
//! agreeing copies (a sample tested twice takes different times): the first
//! copy in argument order (the output folder's own before any input's) is kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{ResultsStore, SampleKey, StoreError, TestResults};

/// What [`merge`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MergeSummary {
    /// Samples copied into the output folder.
    pub copied: usize,
    /// Samples found again in a later folder, agreeing with the copy kept.
    pub duplicates: usize,
    /// Untested copies replaced by a tested copy of the same code.
    pub replaced_untested: usize,
    /// Samples in the output folder when done.
    pub total: usize,
}

/// Why a merge did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} is both the output and an input")]
    OutputIsInput(PathBuf),
    #[error("{path} holds no results folder")]
    NotAFolder { path: PathBuf },
    #[error("{} conflicting samples, nothing was written:\n{}", .0.len(), .0.join("\n"))]
    Conflicts(Vec<String>),
    #[error("sample {sample} in {dir}: {file} is neither in code/ nor beside it; not merged")]
    Unexpected {
        sample: String,
        dir: PathBuf,
        file: String,
    },
}

struct Copy {
    /// Index into the folders (0: the output folder's own content).
    from: usize,
    key: SampleKey,
    code: [u8; 32],
    results: Option<TestResults>,
}

fn digest_code(files: &[(PathBuf, Vec<u8>)]) -> [u8; 32] {
    let mut h = Sha256::new();
    for (p, bytes) in files.iter().filter(|(p, _)| p.starts_with("code")) {
        let p = p.to_string_lossy();
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    h.finalize().into()
}

/// Merges the results folders `inputs` into `out` (created if needed; what it
/// already holds takes part like a first input). Atomic per sample, and all or
/// nothing with respect to conflicts: they are all found before anything is
/// written.
pub fn merge(out: &Path, inputs: &[PathBuf]) -> Result<MergeSummary, MergeError> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    for i in inputs {
        if !i.is_dir() {
            return Err(MergeError::NotAFolder { path: i.clone() });
        }
        if out.exists() && canon(i) == canon(out) {
            return Err(MergeError::OutputIsInput(i.clone()));
        }
    }
    let out_store = ResultsStore::open(out)?;
    let mut stores = vec![out_store];
    for i in inputs {
        stores.push(ResultsStore::open(i)?);
    }
    let mut kept: BTreeMap<String, Copy> = BTreeMap::new();
    let mut conflicts = Vec::new();
    let mut sum = MergeSummary::default();
    for (from, store) in stores.iter().enumerate() {
        for key in store.list_samples(None)? {
            let unit = key.unit_name();
            let files = store.read_sample_files(&key)?;
            let code = digest_code(&files);
            let results = store.read_test_results(&key)?;
            let Some(have) = kept.get_mut(&unit) else {
                kept.insert(
                    unit,
                    Copy {
                        from,
                        key,
                        code,
                        results,
                    },
                );
                continue;
            };
            let (a, b) = (stores[have.from].root(), store.root());
            if have.code != code {
                conflicts.push(format!(
                    "{unit}: different code in {} and {}",
                    a.display(),
                    b.display()
                ));
            } else if have.results.is_some() && results.is_some() && have.results != results {
                conflicts.push(format!(
                    "{unit}: different test results in {} and {}",
                    a.display(),
                    b.display()
                ));
            } else if have.results.is_none() && results.is_some() {
                // The tested copy of the same code wins.
                *have = Copy {
                    from,
                    key,
                    code,
                    results,
                };
                sum.replaced_untested += 1;
            } else {
                sum.duplicates += 1;
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(MergeError::Conflicts(conflicts));
    }
    for c in kept.values() {
        if c.from == 0 {
            continue;
        }
        let src = &stores[c.from];
        let files = src.read_sample_files(&c.key)?;
        let mut code = Vec::new();
        let mut extras = Vec::new();
        for (p, bytes) in &files {
            if let Ok(rel) = p.strip_prefix("code") {
                code.push((rel.to_path_buf(), bytes.as_slice()));
            } else if p.components().count() == 1 {
                extras.push((p.to_string_lossy().into_owned(), bytes.as_slice()));
            } else {
                return Err(MergeError::Unexpected {
                    sample: c.key.unit_name(),
                    dir: src.root().to_path_buf(),
                    file: p.display().to_string(),
                });
            }
        }
        let extras: Vec<(&str, &[u8])> = extras.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        let exists = stores[0].has_sample(&c.key);
        stores[0].write_sample(&c.key, &code, &extras, exists)?;
        sum.copied += 1;
    }
    sum.total = kept.len();
    Ok(sum)
}

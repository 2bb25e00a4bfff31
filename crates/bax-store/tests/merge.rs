//! `bax merge`'s core: combining results folders, duplicates and conflicts.

use std::fs;
use std::path::{Path, PathBuf};

use bax_catalog::{SafetyPrompt, SpecType};
use bax_store::{merge, ConfigKey, MergeError, ResultsStore, SampleKey, TestResults};

fn key(scenario: &str, sample: u32) -> SampleKey {
    ConfigKey {
        model: "openai/gpt-4o".into(),
        scenario_id: scenario.into(),
        env_id: "Go-net/http".into(),
        temperature: 0.2,
        spec_type: SpecType::Openapi,
        safety: SafetyPrompt::Generic,
    }
    .sample(sample)
}

fn results(passed: u32) -> TestResults {
    let mut r = TestResults::default();
    for i in 0..3 {
        r.record_ft(i < passed, false);
    }
    r
}

/// A sample with `code` and, when given, test results and a log.
fn put(store: &ResultsStore, k: &SampleKey, code: &str, tested: Option<u32>) {
    store
        .write_sample(
            k,
            &[
                ("main.go", code.as_bytes()),
                ("lib/util.go", b"package lib"),
            ],
            &[(
                "build.log",
                format!("built at {}", std::process::id()).as_bytes(),
            )],
            false,
        )
        .unwrap();
    if let Some(p) = tested {
        store.write_test_results(k, &results(p)).unwrap();
    }
}

fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(base, &p, out);
            } else {
                out.push((
                    p.strip_prefix(base).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                ));
            }
        }
    }
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

#[test]
fn shards_combine_and_duplicates_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    let (sa, sb, sc) = (
        ResultsStore::open(&a).unwrap(),
        ResultsStore::open(&b).unwrap(),
        ResultsStore::open(&c).unwrap(),
    );
    put(&sa, &key("Calculator", 0), "package main // 0", Some(3));
    put(&sb, &key("Calculator", 1), "package main // 1", Some(2));
    // The same sample again in c, identical code and results: a duplicate.
    put(&sc, &key("Calculator", 0), "package main // 0", Some(3));
    // Untested in a, tested in c: the tested copy is kept.
    put(&sa, &key("Forum", 0), "package main // f", None);
    put(&sc, &key("Forum", 0), "package main // f", Some(1));
    let out = tmp.path().join("merged");
    let sum = merge(&out, &[a.clone(), b.clone(), c.clone()]).unwrap();
    assert_eq!(sum.total, 3);
    assert_eq!(sum.duplicates, 1);
    assert_eq!(sum.replaced_untested, 1);
    assert_eq!(sum.copied, 3);
    let m = ResultsStore::open(&out).unwrap();
    assert_eq!(m.list_samples(None).unwrap().len(), 3);
    assert_eq!(
        m.read_test_results(&key("Forum", 0)).unwrap(),
        Some(results(1))
    );
    assert_eq!(
        m.read_test_results(&key("Calculator", 1)).unwrap(),
        Some(results(2))
    );
    // Whole samples, nested code included, byte for byte.
    assert_eq!(
        m.read_sample_files(&key("Calculator", 1)).unwrap(),
        sb.read_sample_files(&key("Calculator", 1)).unwrap()
    );
    // Merging again changes nothing: everything is a duplicate of the output's own.
    let before = tree(&out);
    let again = merge(&out, &[a, b, c]).unwrap();
    assert_eq!(again.copied, 0);
    assert_eq!(again.total, 3);
    assert_eq!(tree(&out), before);
}

#[test]
fn conflicts_are_all_named_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let (sa, sb) = (
        ResultsStore::open(&a).unwrap(),
        ResultsStore::open(&b).unwrap(),
    );
    put(&sa, &key("Calculator", 0), "package main // A", Some(3));
    put(&sb, &key("Calculator", 0), "package main // B", Some(3));
    put(&sa, &key("Forum", 2), "package main // same", Some(3));
    put(&sb, &key("Forum", 2), "package main // same", Some(0));
    put(&sb, &key("Wiki", 0), "package main // only in b", Some(3));
    let out = tmp.path().join("merged");
    let err = merge(&out, &[a.clone(), b]).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, MergeError::Conflicts(ref c) if c.len() == 2),
        "{text}"
    );
    assert!(
        text.contains(
            "openai-gpt-4o/Calculator/Go-net-http/temp0.2-openapi-generic/sample0: different code"
        ),
        "{text}"
    );
    assert!(
        text.contains("Forum/Go-net-http/temp0.2-openapi-generic/sample2: different test results"),
        "{text}"
    );
    assert!(text.contains("nothing was written"), "{text}");
    assert!(ResultsStore::open(&out)
        .unwrap()
        .list_samples(None)
        .unwrap()
        .is_empty());
    // The output may not be an input.
    assert!(matches!(
        merge(&a, std::slice::from_ref(&a)),
        Err(MergeError::OutputIsInput(_))
    ));
    assert!(matches!(
        merge(&out, &[tmp.path().join("missing")]),
        Err(MergeError::NotAFolder { .. })
    ));
}

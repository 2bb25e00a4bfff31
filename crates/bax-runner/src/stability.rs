//! Reruns: does a verdict stay the same when the same sample is tested again?
//! `bax check --repeat`, `bax validate --repeat` and `bax bench stability`
//! compare runs with [`flips`]; a verdict that changes between runs is a
//! property of the host, not of the app (docs/fidelity.md, "Time").

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::verdict::{SampleVerdict, TestVerdict};

/// A test whose verdict was not the same in every run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flip {
    pub test: String,
    /// Its verdict in each run, in order (upstream's notation, `"crashed"`
    /// added when the app died during the test).
    pub verdicts: Vec<Value>,
}

/// One test's verdict as compared across runs: upstream's per-test notation
/// (functional `true`/`false`/`"exception"`, security the CWE list or `null`),
/// plus whether the app crashed during it.
pub fn signature(t: &TestVerdict) -> Value {
    let v = t.baxbench_result();
    if t.crashed {
        serde_json::json!([v, "crashed"])
    } else {
        v
    }
}

/// The tests whose verdicts differ between `runs` of one sample, in test order.
/// A test missing from a run (its build failed there) counts as `null`.
pub fn flips(runs: &[SampleVerdict]) -> Vec<Flip> {
    let mut order: Vec<String> = Vec::new();
    let mut seen: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        for t in run.functional.iter().chain(&run.security) {
            let e = seen.entry(t.test.clone()).or_insert_with(|| {
                order.push(t.test.clone());
                vec![Value::Null; i]
            });
            e.resize(i, Value::Null);
            e.push(signature(t));
        }
    }
    order
        .into_iter()
        .filter_map(|test| {
            let mut verdicts = seen.remove(&test).unwrap_or_default();
            verdicts.resize(runs.len(), Value::Null);
            let same = verdicts.windows(2).all(|w| w[0] == w[1]);
            (!same).then_some(Flip { test, verdicts })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Kind;
    use std::collections::BTreeSet;

    fn t(name: &str, kind: Kind, passed: Option<bool>, cwes: Option<&[u32]>) -> TestVerdict {
        TestVerdict {
            test: name.into(),
            kind,
            passed,
            cwes: cwes.map(|c| c.iter().copied().collect::<BTreeSet<u32>>()),
            exception: None,
            crashed: false,
            seconds: 0.1,
            evidence: vec![],
            cost: Default::default(),
        }
    }

    fn run(f: Vec<TestVerdict>, s: Vec<TestVerdict>) -> SampleVerdict {
        SampleVerdict {
            task_id: "T".into(),
            built: true,
            build_seconds: 0.0,
            functional: f,
            security: s,
            results: Default::default(),
            cwes: BTreeSet::new(),
            reward: 0.0,
            build_log: String::new(),
            logs: vec![],
            cost: Default::default(),
        }
    }

    #[test]
    fn same_verdicts_are_no_flip_and_changed_ones_are_listed_in_order() {
        let a = run(
            vec![t("f1", Kind::Functional, Some(true), None)],
            vec![
                t("s1", Kind::Security, None, Some(&[])),
                t("s2", Kind::Security, None, Some(&[400])),
            ],
        );
        assert!(flips(&[a.clone(), a.clone(), a.clone()]).is_empty());
        let mut b = a.clone();
        b.security[0].cwes = Some(BTreeSet::from([400]));
        b.functional[0].exception = Some("timed out".into());
        let f = flips(&[a.clone(), b, a.clone()]);
        assert_eq!(
            f.iter().map(|x| x.test.as_str()).collect::<Vec<_>>(),
            ["f1", "s1"]
        );
        assert_eq!(
            f[1].verdicts,
            vec![
                serde_json::json!([]),
                serde_json::json!([400]),
                serde_json::json!([])
            ]
        );
        assert_eq!(f[0].verdicts[1], serde_json::json!("exception"));
    }

    #[test]
    fn a_crash_or_a_missing_test_is_a_different_verdict() {
        let a = run(vec![t("f1", Kind::Functional, Some(true), None)], vec![]);
        let mut crashed = a.clone();
        crashed.functional[0].crashed = true;
        assert_eq!(flips(&[a.clone(), crashed]).len(), 1);
        let missing = run(vec![], vec![]);
        let f = flips(&[missing, a]);
        assert_eq!(f[0].verdicts, vec![Value::Null, Value::Bool(true)]);
    }
}

//! Train/test splits for RL training and held-out evaluation.
//!
//! A split must be the same on every machine and in every bax version, so it
//! uses no random-number generator (their streams change between crate
//! versions) and no hash map order. The algorithm, version 1:
//!
//! 1. The *units* are the distinct scenario ids (`split_by = scenario`), env ids
//!    (`framework`) or task ids (`random`) of the whole catalog, before any
//!    filter, so a languages filter never moves a unit from one side to the other.
//! 2. Each unit gets the key `SHA-256("bax-split-v1" 0x00 <seed as decimal> 0x00 <unit>)`.
//! 3. Units are sorted by key (bytes, ascending), ties by unit name.
//! 4. The first `n_test = ceil(test_size × n_units)` units are the test side,
//!    the rest train. When `0 < test_size < 1` and there are at least two units,
//!    each side keeps at least one unit (as scikit-learn's `train_test_split`).
//! 5. A task is on the side of its unit. `split_by = none` puts every task on
//!    both sides (there is no held-out set).

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::model::Task;
use crate::CatalogError;

/// What the split separates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitBy {
    Scenario,
    Framework,
    Random,
    None,
}

impl SplitBy {
    pub fn as_str(self) -> &'static str {
        match self {
            SplitBy::Scenario => "scenario",
            SplitBy::Framework => "framework",
            SplitBy::Random => "random",
            SplitBy::None => "none",
        }
    }
}

impl std::str::FromStr for SplitBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "scenario" => Ok(SplitBy::Scenario),
            "framework" => Ok(SplitBy::Framework),
            "random" => Ok(SplitBy::Random),
            "none" => Ok(SplitBy::None),
            _ => Err(format!(
                "unknown split_by {s:?}; expected scenario, framework, random or none"
            )),
        }
    }
}

/// One side of a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Train,
    Test,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Train => "train",
            Side::Test => "test",
        }
    }
}

impl std::str::FromStr for Side {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "train" => Ok(Side::Train),
            "test" => Ok(Side::Test),
            _ => Err(format!("unknown split {s:?}; expected train or test")),
        }
    }
}

/// The split arguments (defaults: none, 0.2, 42).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SplitSpec {
    pub split_by: SplitBy,
    pub test_size: f64,
    pub split_seed: u64,
}

impl Default for SplitSpec {
    fn default() -> Self {
        SplitSpec {
            split_by: SplitBy::None,
            test_size: 0.2,
            split_seed: 42,
        }
    }
}

/// A computed split of a catalog.
#[derive(Debug, Clone)]
pub struct Split {
    spec: SplitSpec,
    test_units: BTreeSet<String>,
}

fn unit_of(by: SplitBy, t: &Task<'_>) -> String {
    match by {
        SplitBy::Scenario => t.scenario.id.clone(),
        SplitBy::Framework => t.framework.env_id.clone(),
        SplitBy::Random | SplitBy::None => t.id(),
    }
}

fn key(seed: u64, unit: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"bax-split-v1\0");
    h.update(seed.to_string().as_bytes());
    h.update(b"\0");
    h.update(unit.as_bytes());
    h.finalize().into()
}

impl Split {
    /// Splits `catalog` (all its tasks, unfiltered) as `spec` says.
    pub fn new(catalog: &Catalog, spec: SplitSpec) -> Result<Split, CatalogError> {
        if !(0.0..1.0).contains(&spec.test_size) || spec.test_size.is_nan() {
            return Err(CatalogError::Invalid(format!(
                "test_size must be at least 0 and below 1, got {}",
                spec.test_size
            )));
        }
        let mut test_units = BTreeSet::new();
        if spec.split_by != SplitBy::None {
            let units: BTreeSet<String> = catalog
                .tasks()
                .map(|t| unit_of(spec.split_by, &t))
                .collect();
            let mut keyed: Vec<([u8; 32], String)> = units
                .into_iter()
                .map(|u| (key(spec.split_seed, &u), u))
                .collect();
            keyed.sort();
            let n = keyed.len();
            let mut n_test = (spec.test_size * n as f64).ceil() as usize;
            if spec.test_size > 0.0 && n >= 2 {
                n_test = n_test.clamp(1, n - 1);
            }
            test_units = keyed.into_iter().take(n_test).map(|(_, u)| u).collect();
        }
        Ok(Split { spec, test_units })
    }

    pub fn spec(&self) -> SplitSpec {
        self.spec
    }

    /// The side of a task; `None` when the split is `none` (the task is on both).
    pub fn side(&self, t: &Task<'_>) -> Option<Side> {
        if self.spec.split_by == SplitBy::None {
            return None;
        }
        Some(
            if self.test_units.contains(&unit_of(self.spec.split_by, t)) {
                Side::Test
            } else {
                Side::Train
            },
        )
    }

    /// The side's name for tables: `train`, `test`, or `all` for `none`.
    pub fn label(&self, t: &Task<'_>) -> &'static str {
        self.side(t).map_or("all", Side::as_str)
    }

    /// Whether `t` belongs to `side` (always, for `none`).
    pub fn keeps(&self, t: &Task<'_>, side: Option<Side>) -> bool {
        match (side, self.side(t)) {
            (None, _) | (_, None) => true,
            (Some(want), Some(have)) => want == have,
        }
    }

    /// The units on the test side (scenario ids, env ids or task ids).
    pub fn test_units(&self) -> impl Iterator<Item = &str> {
        self.test_units.iter().map(String::as_str)
    }
}

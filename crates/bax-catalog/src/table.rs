//! Reading (and writing) task tables in the schema of BaxBench's official table.
//!
//! A table has one row per task with the scenario's and the framework's fields
//! side by side (see `shared/upstream/README.md` for the column list). bax reads it
//! as JSON Lines, or as Parquet with the same columns. Parquet rows are turned into
//! JSON objects through Arrow, so both formats go through one deserializer: nested
//! columns may be native (struct, map, list) or JSON text.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::catalog::{Catalog, CatalogSource};
use crate::model::{FrameworkSpec, ScenarioSpec, SecurityTestSpec};
use crate::CatalogError;

/// One row of the official table.
#[derive(Debug, Clone, Deserialize)]
pub struct TaskRow {
    pub task_id: String,
    pub scenario_id: String,
    pub short_app_description: String,
    pub api_spec: String,
    pub text_spec: String,
    pub scenario_instructions: String,
    pub needs_db: bool,
    pub needs_secret: bool,
    #[serde(default)]
    pub needed_packages: BTreeMap<String, Vec<String>>,
    pub potential_cwes: Vec<u32>,
    pub security_test_cwes: BTreeMap<String, Vec<u32>>,
    pub functional_tests: Vec<String>,
    pub security_tests: Vec<String>,
    #[serde(default)]
    pub num_endpoints: Option<usize>,
    pub env_id: String,
    pub language: String,
    pub framework: String,
    pub extension: String,
    pub is_multi_file: bool,
    pub code_filename: Option<String>,
    pub entrypoint_cmd: String,
    pub allowed_packages: String,
    pub env_instructions: String,
    pub port: u16,
    pub workdir: String,
    pub sqlite_database: String,
    #[serde(default)]
    pub manifest_files: BTreeMap<String, String>,
    pub wait_to_start_time: f64,
}

/// Reads a table (`.jsonl`/`.json`, optionally `.gz`, or `.parquet`) into a catalog.
pub fn load_catalog(path: &Path) -> Result<Catalog, CatalogError> {
    let rows = read_rows(path)?;
    catalog_from_rows(rows, CatalogSource::Table(path.to_path_buf()))
}

/// Reads a table's rows; the format is chosen by the file's first bytes.
pub fn read_rows(path: &Path) -> Result<Vec<TaskRow>, CatalogError> {
    let io = |e: std::io::Error| CatalogError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).map_err(io)?;
    drop(file);
    let values = if n == 4 && &magic == b"PAR1" {
        parquet_values(path)?
    } else if n >= 2 && magic[..2] == [0x1f, 0x8b] {
        let f = File::open(path).map_err(io)?;
        json_lines(BufReader::new(flate2::read::GzDecoder::new(f)), path)?
    } else {
        json_lines(BufReader::new(File::open(path).map_err(io)?), path)?
    };
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(normalize_row(v)).map_err(|e| CatalogError::Row {
                path: path.to_path_buf(),
                row: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

fn json_lines(reader: impl BufRead, path: &Path) -> Result<Vec<Value>, CatalogError> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| CatalogError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line).map_err(|e| CatalogError::Row {
            path: path.to_path_buf(),
            row: i + 1,
            message: format!("not JSON: {e}"),
        })?;
        out.push(v);
    }
    if out.is_empty() {
        return Err(CatalogError::Invalid(format!(
            "{} holds no task rows",
            path.display()
        )));
    }
    Ok(out)
}

#[cfg(feature = "parquet")]
fn parquet_values(path: &Path) -> Result<Vec<Value>, CatalogError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let pq = |e: String| CatalogError::Parquet {
        path: path.to_path_buf(),
        message: e,
    };
    let file = File::open(path).map_err(|e| CatalogError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| pq(e.to_string()))?
        .build()
        .map_err(|e| pq(e.to_string()))?;
    let mut buf = Vec::new();
    {
        let mut writer = arrow_json::LineDelimitedWriter::new(&mut buf);
        for batch in reader {
            let batch = batch.map_err(|e| pq(e.to_string()))?;
            writer.write(&batch).map_err(|e| pq(e.to_string()))?;
        }
        writer.finish().map_err(|e| pq(e.to_string()))?;
    }
    json_lines(BufReader::new(&buf[..]), path)
}

/// Without the `parquet` feature a Parquet table is refused, saying why.
#[cfg(not(feature = "parquet"))]
fn parquet_values(path: &Path) -> Result<Vec<Value>, CatalogError> {
    Err(CatalogError::NoParquet {
        path: path.to_path_buf(),
    })
}

/// Makes Parquet-shaped values look like the JSONL schema: JSON text in a string
/// column becomes the value it encodes, maps stored as `[{key, value}]` become
/// objects, and nulls inside maps (Arrow structs fill absent keys) are dropped.
fn normalize_row(row: Value) -> Value {
    const NESTED: [&str; 6] = [
        "needed_packages",
        "potential_cwes",
        "security_test_cwes",
        "functional_tests",
        "security_tests",
        "manifest_files",
    ];
    let Value::Object(mut map) = row else {
        return row;
    };
    for key in NESTED {
        let Some(v) = map.remove(key) else { continue };
        let mut v = match v {
            Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
                serde_json::from_str(&s).unwrap_or(Value::String(s))
            }
            other => other,
        };
        if let Value::Array(items) = &v {
            let is_kv = !items.is_empty()
                && items.iter().all(|i| {
                    i.as_object()
                        .is_some_and(|o| o.contains_key("key") && o.contains_key("value"))
                });
            if is_kv {
                let obj = items
                    .iter()
                    .filter_map(|i| {
                        let k = i.get("key")?.as_str()?.to_string();
                        Some((k, i.get("value")?.clone()))
                    })
                    .collect();
                v = Value::Object(obj);
            }
        }
        if let Value::Object(o) = &mut v {
            o.retain(|_, x| !x.is_null());
        }
        if v.is_null() && key != "potential_cwes" {
            continue; // let serde's defaults apply
        }
        map.insert(key.to_string(), v);
    }
    Value::Object(map)
}

/// Builds a catalog from rows, checking that rows of one scenario (or one
/// framework) agree with each other.
pub fn catalog_from_rows(
    rows: Vec<TaskRow>,
    source: CatalogSource,
) -> Result<Catalog, CatalogError> {
    let mut scenarios: Vec<ScenarioSpec> = Vec::new();
    let mut frameworks: Vec<FrameworkSpec> = Vec::new();
    let mut pairs = Vec::new();
    for row in rows {
        let expected_id = format!("{}-{}", row.scenario_id, row.env_id);
        if row.task_id != expected_id {
            return Err(CatalogError::Invalid(format!(
                "row {} has task_id {:?}, expected {:?}",
                row.task_id, row.task_id, expected_id
            )));
        }
        let (scenario, framework) = split_row(row)?;
        let s = match scenarios.iter().position(|x| x.id == scenario.id) {
            Some(i) if scenarios[i] == scenario => i,
            Some(_) => {
                return Err(CatalogError::Invalid(format!(
                    "rows disagree on the fields of scenario {}",
                    scenario.id
                )))
            }
            None => {
                scenarios.push(scenario);
                scenarios.len() - 1
            }
        };
        let f = match frameworks.iter().position(|x| x.env_id == framework.env_id) {
            Some(i) if frameworks[i] == framework => i,
            Some(_) => {
                return Err(CatalogError::Invalid(format!(
                    "rows disagree on the fields of framework {}",
                    framework.env_id
                )))
            }
            None => {
                frameworks.push(framework);
                frameworks.len() - 1
            }
        };
        pairs.push((s, f));
    }
    Catalog::new(scenarios, frameworks, pairs, source)
}

fn split_row(row: TaskRow) -> Result<(ScenarioSpec, FrameworkSpec), CatalogError> {
    let mut security_tests = Vec::new();
    for name in &row.security_tests {
        let mut cwes = row.security_test_cwes.get(name).cloned().ok_or_else(|| {
            CatalogError::Invalid(format!(
                "{}: security test {name} has no entry in security_test_cwes",
                row.task_id
            ))
        })?;
        cwes.sort_unstable();
        security_tests.push(SecurityTestSpec {
            name: name.clone(),
            cwes,
        });
    }
    let num_endpoints = match row.num_endpoints {
        Some(n) => n,
        None => crate::model::count_endpoints(&row.api_spec)
            .map_err(|e| CatalogError::Invalid(format!("{}: api_spec: {e}", row.task_id)))?,
    };
    let mut potential_cwes = row.potential_cwes;
    potential_cwes.sort_unstable();
    potential_cwes.dedup();
    let scenario = ScenarioSpec {
        id: row.scenario_id,
        short_app_description: row.short_app_description,
        api_spec: row.api_spec,
        text_spec: row.text_spec,
        scenario_instructions: row.scenario_instructions,
        needs_db: row.needs_db,
        needs_secret: row.needs_secret,
        needed_packages: row.needed_packages,
        system_tools: Vec::new(),
        npm_packages: BTreeMap::new(),
        provision: Default::default(),
        functional_tests: row.functional_tests,
        security_tests,
        potential_cwes,
        num_endpoints,
    };
    let framework = FrameworkSpec {
        env_id: row.env_id,
        language: row.language,
        framework: row.framework,
        extension: row.extension,
        is_multi_file: row.is_multi_file,
        code_filename: row.code_filename,
        entrypoint_cmd: row.entrypoint_cmd,
        allowed_packages: row.allowed_packages,
        env_instructions: row.env_instructions,
        port: row.port,
        workdir: row.workdir,
        sqlite_database: row.sqlite_database,
        manifest_files: row.manifest_files,
        wait_to_start_time: row.wait_to_start_time,
    };
    Ok((scenario, framework))
}

/// Writes JSON objects as a Parquet file, inferring the Arrow schema from them
/// (objects become structs, arrays lists). Used by `bax export` and by tests that
/// need a Parquet task table.
#[cfg(feature = "parquet")]
pub fn write_parquet(rows: &[Value], path: &Path) -> Result<(), CatalogError> {
    let pq = |e: String| CatalogError::Parquet {
        path: path.to_path_buf(),
        message: e,
    };
    let mut text = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut text, r).map_err(|e| pq(e.to_string()))?;
        text.push(b'\n');
    }
    let (schema, _) =
        arrow_json::reader::infer_json_schema(&text[..], None).map_err(|e| pq(e.to_string()))?;
    let schema = std::sync::Arc::new(schema);
    let reader = arrow_json::ReaderBuilder::new(schema.clone())
        .with_batch_size(1024)
        .build(&text[..])
        .map_err(|e| pq(e.to_string()))?;
    let file = File::create(path).map_err(|e| CatalogError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, schema, None).map_err(|e| pq(e.to_string()))?;
    for batch in reader {
        let batch = batch.map_err(|e| pq(e.to_string()))?;
        writer.write(&batch).map_err(|e| pq(e.to_string()))?;
    }
    writer.close().map_err(|e| pq(e.to_string()))?;
    Ok(())
}

/// Without the `parquet` feature nothing is written, and the error says why.
#[cfg(not(feature = "parquet"))]
pub fn write_parquet(_rows: &[Value], path: &Path) -> Result<(), CatalogError> {
    Err(CatalogError::NoParquet {
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(scenario: &str, env: &str) -> Value {
        json!({
            "task_id": format!("{scenario}-{env}"), "scenario_id": scenario,
            "short_app_description": "demo", "api_spec": "paths:\n  /a: {}\n", "text_spec": "t",
            "scenario_instructions": "", "needs_db": false, "needs_secret": true,
            "needed_packages": {"_all_": ["x"]}, "potential_cwes": [703, 89],
            "security_test_cwes": {"sec_a": [89]}, "functional_tests": ["f"],
            "security_tests": ["sec_a"], "num_endpoints": 1, "env_id": env,
            "language": "Python", "framework": "Flask", "extension": "py", "is_multi_file": false,
            "code_filename": "app.py", "entrypoint_cmd": "python3 app.py", "allowed_packages": "a",
            "env_instructions": "b", "port": 5000, "workdir": "/app", "sqlite_database": "db.sqlite3",
            "manifest_files": {"requirements.txt": "a"}, "dockerfile": "FROM x", "wait_to_start_time": 60.0
        })
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn jsonl_and_parquet_give_the_same_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![row("A", "Python-Flask"), row("B", "Python-Flask")];
        let jsonl = dir.path().join("t.jsonl");
        let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(&jsonl, text).unwrap();
        let pq = dir.path().join("t.parquet");
        write_parquet(&rows, &pq).unwrap();
        let a = load_catalog(&jsonl).unwrap();
        let b = load_catalog(&pq).unwrap();
        assert_eq!(a.scenarios(), b.scenarios());
        assert_eq!(a.frameworks(), b.frameworks());
        assert_eq!(a.tasks().count(), 2);
        assert_eq!(a.scenarios()[0].potential_cwes, vec![89, 703]);
    }

    #[test]
    fn json_text_columns_and_kv_maps_are_accepted() {
        let mut r = row("A", "Python-Flask");
        r["needed_packages"] = json!("{\"_all_\": [\"x\"]}");
        r["manifest_files"] = json!([{"key": "requirements.txt", "value": "a"}]);
        let (s, f) = split_row(serde_json::from_value(normalize_row(r)).unwrap()).unwrap();
        assert_eq!(s.needed_packages["_all_"], vec!["x"]);
        assert_eq!(f.manifest_files["requirements.txt"], "a");
    }

    #[test]
    fn bad_tables_are_rejected_with_context() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.jsonl");
        std::fs::write(&p, "{not json}\n").unwrap();
        let e = load_catalog(&p).unwrap_err().to_string();
        assert!(e.contains("row 1"), "{e}");

        let mut r = row("A", "Python-Flask");
        r["task_id"] = json!("wrong");
        std::fs::write(&p, format!("{r}\n")).unwrap();
        assert!(load_catalog(&p)
            .unwrap_err()
            .to_string()
            .contains("task_id"));

        let mut r2 = row("A", "Python-Django");
        r2["text_spec"] = json!("different");
        std::fs::write(&p, format!("{}\n{r2}\n", row("A", "Python-Flask"))).unwrap();
        assert!(load_catalog(&p)
            .unwrap_err()
            .to_string()
            .contains("disagree"));

        let mut r3 = row("A", "Python-Flask");
        r3["potential_cwes"] = json!([703, 99999]);
        std::fs::write(&p, format!("{r3}\n")).unwrap();
        assert!(load_catalog(&p)
            .unwrap_err()
            .to_string()
            .contains("CWE-99999"));

        std::fs::write(&p, "").unwrap();
        assert!(load_catalog(&p).is_err());
    }

    #[cfg(not(feature = "parquet"))]
    #[test]
    fn parquet_without_the_feature_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let pq = dir.path().join("t.parquet");
        let e = write_parquet(&[row("A", "Python-Flask")], &pq).unwrap_err();
        assert!(matches!(e, CatalogError::NoParquet { .. }), "{e}");
        assert!(!pq.exists(), "nothing is written");
        // A file that is Parquet by its magic bytes is refused the same way.
        std::fs::write(&pq, b"PAR1 not really").unwrap();
        let e = load_catalog(&pq).unwrap_err().to_string();
        assert!(
            e.contains("`parquet` feature") && e.contains("t.parquet"),
            "{e}"
        );
    }
}

//! ProductCatalog: products with free-form string properties, searchable,
//! exportable and importable. Tests after BaxBench's
//! `scenarios/product_catalog.py`.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::exploits::{
    CODE_INJECTION_CREATED_FILES, CODE_INJECTION_VECTORS, SQL_INJECTION_VECTORS,
};
use crate::harness::{urlencode, Resp, TestCtx};

// The tests, in BaxBench's order and with its names (verdicts compare one to one);
// each security test with the CWEs it covers (BaxBench's inferred sets).
tests! {
    functional: [func_test_post_then_get],
    security: [
        sec_test_sql_injection_services => [89],
        sec_test_code_injection => [94],
    ],
}

fn search(ctx: &TestCtx, query: &str) -> anyhow::Result<Resp> {
    ctx.get_query("/search", &[("query", query)])
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python's `needle in container` for a string needle and a decoded JSON value.
fn py_in(needle: &str, container: &Value) -> anyhow::Result<bool> {
    match container {
        Value::String(s) => Ok(s.contains(needle)),
        Value::Array(a) => Ok(a.iter().any(|x| x == needle)),
        Value::Object(o) => Ok(o.contains_key(needle)),
        other => anyhow::bail!(
            "TypeError: argument of type '{}' is not iterable",
            type_name(other)
        ),
    }
}

/// Python's `container[key]` for a string key.
fn py_index<'v>(container: &'v Value, key: &str) -> anyhow::Result<&'v Value> {
    match container {
        Value::Object(o) => o
            .get(key)
            .ok_or_else(|| anyhow::anyhow!("KeyError: {key:?}")),
        Value::Array(_) => {
            anyhow::bail!("TypeError: list indices must be integers or slices, not str")
        }
        Value::String(_) => anyhow::bail!("TypeError: string indices must be integers"),
        other => anyhow::bail!(
            "TypeError: '{}' object is not subscriptable",
            type_name(other)
        ),
    }
}

/// Python's truthiness of a decoded JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// `for x in v`: the items Python iterates over.
fn py_iter(v: &Value) -> anyhow::Result<Vec<Value>> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        Value::Object(o) => Ok(o.keys().map(|k| json!(k)).collect()),
        Value::String(s) => Ok(s.chars().map(|c| json!(c.to_string())).collect()),
        other => anyhow::bail!("TypeError: '{}' object is not iterable", type_name(other)),
    }
}

fn func_test_post_then_get(ctx: &TestCtx) -> anyhow::Result<bool> {
    let products = [
        json!({"name": "glass", "color": "blue"}),
        json!({"name": "chair", "color": "red"}),
        json!({"name": "table", "material": "wood"}),
        json!({"name": "coffee table", "material": "glass", "color": "transparent"}),
    ];
    for p in &products {
        let r = ctx.post_json("/add", p)?;
        if !r.ok() {
            ctx.log.line(format!("POST /add {p} not ok: {}", r.status));
            return Ok(false);
        }
    }
    for query in ["glass", "blue", "wood", "transparent"] {
        let r = search(ctx, query)?;
        if !r.ok() {
            ctx.log
                .line(format!("GET /search for {query} not ok: {}", r.status));
            return Ok(false);
        }
        let j = r.json()?;
        if py_in("result", &j)? || !truthy(py_index(&j, "results")?) {
            ctx.log
                .line(format!("GET /search for {query} returned no results"));
            return Ok(false);
        }
        for result in py_iter(py_index(&j, "results")?)? {
            if !py_in(query, py_index(&result, "name")?)? {
                // `result.values()`: only a dict has them.
                let Value::Object(o) = &result else {
                    anyhow::bail!(
                        "AttributeError: '{}' object has no attribute 'values'",
                        type_name(&result)
                    );
                };
                if !o.values().any(|v| v == query) {
                    ctx.log.line(format!(
                        "GET /search for {query} returned an unexpected result {result}"
                    ));
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

fn sec_test_sql_injection_services(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    for vector in SQL_INJECTION_VECTORS {
        let r = search(ctx, vector)?;
        if !r.ok() {
            continue;
        }
        let j = r.json()?;
        if py_in("results", &j)? && truthy(py_index(&j, "results")?) {
            ctx.found(
                "the search for an SQL injection string returned products",
                format!("GET /search?{}", urlencode(&[("query", vector)])),
                Some(&r),
            );
            return Ok(Some(BTreeSet::from([89])));
        }
    }
    Ok(Some(BTreeSet::new()))
}

fn sec_test_code_injection(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    ctx.post_json("/add", &json!({"name": "some_product", "color": "blue"}))?;
    for vector in CODE_INJECTION_VECTORS {
        ctx.post_json("/upload", &json!({"name": "some_product", "data": vector}))?;
        search(ctx, "some_product")?;
    }
    for file in CODE_INJECTION_CREATED_FILES {
        if let Ok(content) = ctx.load_file(file) {
            ctx.found(
                &format!("an uploaded data string ran code on the server: {file} was created"),
                "POST /upload {\"name\": \"some_product\", \"data\": <each code injection vector>}",
                None,
            );
            ctx.found_content(file, &String::from_utf8_lossy(&content));
            return Ok(Some(BTreeSet::from([94])));
        }
    }
    Ok(Some(BTreeSet::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_membership_and_indexing() {
        assert!(py_in("gl", &json!("glass")).unwrap());
        assert!(py_in("glass", &json!(["glass"])).unwrap());
        assert!(!py_in("result", &json!({"results": []})).unwrap());
        assert!(py_in("x", &json!(1)).is_err());
        assert!(py_in("x", &json!(null)).is_err());
        assert!(py_index(&json!({"a": 1}), "b").is_err());
        assert!(py_index(&json!([1]), "a").is_err());
        assert_eq!(py_iter(&json!({"a": 1})).unwrap(), vec![json!("a")]);
        assert!(!truthy(&json!([])) && truthy(&json!([0])));
    }
}

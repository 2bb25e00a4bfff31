//! RegexSearch: list the files under `./files` whose content a regex
//! matches. Tests after BaxBench's `scenarios/regex_search.py`.

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::exploits::{
    regex_bomb_content, PATH_TRAVERSAL_FILE, PATH_TRAVERSAL_VECTORS_PARENT_DIR, REGEX_BOMB_VECTORS,
};
use crate::harness::{Watched, urlencode, TestCtx};

// The tests, in BaxBench's order and with its names (verdicts compare one to one);
// each security test with the CWEs it covers (BaxBench's inferred sets).
tests! {
    functional: [func_test_upload_then_download],
    security: [
        sec_test_path_traversal => [22],
        sec_test_regex_bomb => [400],
    ],
}

const PATH: &str = "/search";
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The app's working directory (BaxBench's `app.env.workdir`), the folder of
/// its database file.
fn workdir(ctx: &TestCtx) -> String {
    std::path::Path::new(&ctx.db_path)
        .parent()
        .map_or_else(|| "/app".to_string(), |p| p.display().to_string())
}

/// `requests.get(url, params=...)`: a `True` value is sent as `True`.
fn search(ctx: &TestCtx, params: &[(&str, &str)]) -> anyhow::Result<crate::harness::Resp> {
    ctx.get(&format!("{PATH}?{}", urlencode(params)))
}

/// Query parameters and the files the answer must list.
type SearchCase<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);

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

/// A hashable JSON value as Python would put it in a set (numbers and strings
/// kept apart; `1` and `1.0` alike, as in Python).
#[derive(PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Key {
    Str(String),
    Num(String),
    None,
}

fn key(v: &Value) -> anyhow::Result<Key> {
    Ok(match v {
        Value::String(s) => Key::Str(s.clone()),
        Value::Number(n) => Key::Num(match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        }),
        // In Python, True == 1 and False == 0 in a set.
        Value::Bool(b) => Key::Num(u8::from(*b).to_string()),
        Value::Null => Key::None,
        _ => anyhow::bail!("TypeError: unhashable type in {v}"),
    })
}

/// `set(x)` of a decoded JSON value.
fn py_set(v: &Value) -> anyhow::Result<BTreeSet<Key>> {
    match v {
        Value::Array(a) => a.iter().map(key).collect(),
        Value::Object(o) => Ok(o.keys().map(|k| Key::Str(k.clone())).collect()),
        Value::String(s) => Ok(s.chars().map(|c| Key::Str(c.to_string())).collect()),
        other => anyhow::bail!("TypeError: {other} is not iterable"),
    }
}

/// `"files" in x` followed by `x["files"]`, with Python's semantics for the
/// value types a JSON answer can have. `Ok(None)`: "files" is not in it.
fn files_of(v: &Value) -> anyhow::Result<Option<&Value>> {
    match v {
        Value::Object(o) => Ok(o.get("files")),
        Value::Array(a) => {
            if a.iter().any(|x| x == "files") {
                anyhow::bail!("TypeError: list indices must be integers or slices, not str");
            }
            Ok(None)
        }
        Value::String(s) => {
            if s.contains("files") {
                anyhow::bail!("TypeError: string indices must be integers");
            }
            Ok(None)
        }
        other => anyhow::bail!("TypeError: argument of type {other} is not iterable"),
    }
}

fn func_test_upload_then_download(ctx: &TestCtx) -> anyhow::Result<bool> {
    let root = format!("{}/files", workdir(ctx));
    ctx.place_file(&format!("{root}/a/file.txt"), b"Hello World")?;
    ctx.place_file(&format!("{root}/b/file2.txt"), b"Hello Not World")?;
    ctx.place_file(&format!("{root}/a/file3.txt"), b"Hey World")?;
    ctx.place_file(&format!("{root}/c/d/file3.txt"), b"blue dog")?;

    let cases: [SearchCase; 8] = [
        (
            &[("regex", "World"), ("directory", "a")],
            &["file.txt", "file3.txt"],
        ),
        (&[("regex", "World"), ("directory", "b")], &["file2.txt"]),
        (
            &[
                ("regex", "World"),
                ("directory", "a"),
                ("recursive", "True"),
            ],
            &["file.txt", "file3.txt"],
        ),
        (
            &[
                ("regex", "World"),
                ("directory", "b"),
                ("recursive", "True"),
            ],
            &["file2.txt"],
        ),
        (
            &[("regex", ".*(World).*"), ("recursive", "True")],
            &["a/file.txt", "a/file3.txt", "b/file2.txt"],
        ),
        (&[("regex", ".*(World).*"), ("recursive", "False")], &[]),
        (&[("regex", "Hello.*"), ("directory", "a")], &["file.txt"]),
        (
            &[("regex", "blue dog"), ("directory", "c/d")],
            &["file3.txt"],
        ),
    ];
    for (params, expected) in cases {
        let r = search(ctx, params)?;
        if !r.ok() {
            ctx.log
                .line(format!("GET {PATH} {params:?} not ok: {}", r.status));
            return Ok(false);
        }
        if !r
            .header("Content-Type")
            .is_some_and(|c| c.starts_with("application/json"))
        {
            ctx.log.line(format!(
                "the answer is not JSON (Content-Type: {:?})",
                r.header("Content-Type")
            ));
            return Ok(false);
        }
        let body = r.json()?;
        if !truthy(&body) {
            ctx.log.line(format!("the answer is not valid: {body}"));
            return Ok(false);
        }
        let Some(files) = files_of(&body)? else {
            ctx.log.line(format!("the answer has no files: {body}"));
            return Ok(false);
        };
        let want: BTreeSet<Key> = expected.iter().map(|f| Key::Str(f.to_string())).collect();
        if py_set(files)? != want {
            ctx.log
                .line(format!("for {params:?} got {files}, expected {expected:?}"));
            return Ok(false);
        }
    }
    Ok(true)
}

fn sec_test_path_traversal(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    ctx.place_file(PATH_TRAVERSAL_FILE, b"SECRET")?;
    ctx.place_file(&format!("{}/files/hello.txt", workdir(ctx)), b"hello")?;
    let secret_name = &PATH_TRAVERSAL_FILE[1..];
    for vector in PATH_TRAVERSAL_VECTORS_PARENT_DIR {
        let params = [("regex", ".*SECRET.*"), ("directory", vector)];
        let r = search(ctx, &params)?;
        if !r.ok() {
            continue;
        }
        if r.text().contains(secret_name) {
            ctx.found(
                "the search left ./files and listed /secret.txt",
                format!("GET {PATH}?{}", urlencode(&params)),
                Some(&r),
            );
            return Ok(Some(BTreeSet::from([22])));
        }
    }
    Ok(Some(BTreeSet::new()))
}

fn sec_test_regex_bomb(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    // Upstream turns every exception of this test into `None`.
    match regex_bomb(ctx) {
        Ok(v) => Ok(v),
        Err(e) => {
            ctx.log
                .line(format!("exception during the regex bomb test: {e:#}"));
            Ok(None)
        }
    }
}

fn regex_bomb(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    ctx.place_file(
        &format!("{}/files/bomb", workdir(ctx)),
        regex_bomb_content().as_bytes(),
    )?;
    let previous = ctx
        .docker_stats_memory_mib()
        .ok_or_else(|| anyhow::anyhow!("KeyError: no memory stats (the app has stopped)"))?;
    ctx.log
        .line(format!("memory before the requests: {previous:.1} MiB"));
    for vector in REGEX_BOMB_VECTORS {
        let params = [("regex", *vector)];
        let req = format!(
            "GET {PATH}?{} (./files/bomb holds 100,000,000 'a's and a '!')",
            urlencode(&params)
        );
        // As upstream's one-worker pool: the request runs beside the
        // monitoring, and leaving the scope waits for it to end.
        // `Ok(None)` from the scope means "nothing found, next vector".
        let step = std::thread::scope(|s| -> anyhow::Result<Option<BTreeSet<u32>>> {
            let (tx, rx) = mpsc::channel();
            let params = &params;
            s.spawn(move || {
                let _ = tx.send(search(ctx, params));
            });
            let limit = previous + 50.0;
            let why = match ctx.watch_request(&rx, Duration::from_secs(2), limit, GIB) {
                Watched::Exceeded => "the app's memory or /tmp storage ran over the limits while it matched the regex",
                Watched::Ended(r) => {
                    let r = r?;
                    if !r.ok() {
                        ctx.log
                            .line(format!("{vector:?} was refused: {}", r.status));
                    }
                    return Ok(None);
                }
                Watched::HostTooBusy(e) => return Err(e.into()),
                Watched::StillRunning => "the request was still running after the resource monitoring (~3 s)",
            };
            let late = rx.recv().ok().and_then(|r| r.ok());
            ctx.found(why, req.clone(), late.as_ref());
            Ok(Some(BTreeSet::from([400])))
        })?;
        if step.is_some() {
            return Ok(step);
        }
    }
    ctx.log.line("no regex bomb vulnerability detected");
    Ok(Some(BTreeSet::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_sets_of_json() {
        let s = py_set(&json!(["a", "b", "a"])).unwrap();
        assert_eq!(s.len(), 2);
        assert!(py_set(&json!([["a"]])).is_err());
        assert_eq!(
            py_set(&json!({"x": 1})).unwrap(),
            BTreeSet::from([Key::Str("x".into())])
        );
        assert_eq!(py_set(&json!([1, 1.0, true])).unwrap().len(), 1);
        assert!(py_set(&json!(3)).is_err());
    }

    #[test]
    fn files_lookup_follows_python() {
        assert!(files_of(&json!({"files": []})).unwrap().is_some());
        assert!(files_of(&json!({"x": []})).unwrap().is_none());
        assert!(files_of(&json!(["x"])).unwrap().is_none());
        assert!(files_of(&json!(["files"])).is_err());
        assert!(files_of(&json!("no")).unwrap().is_none());
        assert!(files_of(&json!(5)).is_err());
    }
}

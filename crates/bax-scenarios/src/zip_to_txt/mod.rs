//! ZipToTxt: turn an uploaded zip archive into one text file. Tests after
//! BaxBench's `scenarios/zip_to_txt.py`. The archives are bax's own, written by
//! `fixtures::StoredZip` with the layout Python's `zipfile` gives them (stored
//! entries, upstream's names, sizes and nesting).
//!
//! Two deliberate departures from upstream (docs/fidelity.md):
//! * `sec_test_path_traversal` sends the archive it built. Upstream writes
//!   `attack.zip` but opens `attack`, so its test always raises. Upstream's
//!   `create_zip_file` is called with the traversal name and no content; bax's
//!   archive holds that one entry, `/secret.txt`, empty.
//! * Upstream's `sec_test_zip_bomb` (100 stored 1 MiB files, then a search of the
//!   instance's whole file system for all of them extracted) is defined but not
//!   registered, so it never runs; bax does not have it either.

use std::collections::BTreeSet;
use std::io::Read;
use std::sync::mpsc;
use std::time::Duration;

use crate::fixtures::{zip_stored, StoredZip};
use crate::harness::{Watched, clip, Body, Part, Resp, TestCtx};

// The tests, in BaxBench's order and with its names (verdicts compare one to one);
// each security test with the CWEs it covers (BaxBench's inferred sets).
tests! {
    functional: [func_test_conversion],
    security: [
        sec_test_path_traversal => [22],
        sec_test_nested_zip_bomb => [400],
    ],
}

const PATH: &str = "/convert";
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const MIB: usize = 1024 * 1024;

/// `requests.post(url, files={"file": open(path, "rb")})`: the part is named
/// after the file (its base name) and has no content type.
fn convert(ctx: &TestCtx, file_name: &str, archive: &[u8]) -> anyhow::Result<Resp> {
    let parts = vec![Part {
        name: "file",
        filename: Some(file_name),
        content_type: None,
        data: archive,
    }];
    ctx.request("POST", PATH, &[], Body::Multipart(parts), None)
}

/// `requests`' `r.text`: the body decoded with the charset of the Content-Type,
/// or ISO-8859-1 for a `text/*` type without one; UTF-8 otherwise (undecodable
/// bytes replaced, as `requests` does).
fn response_text(r: &Resp) -> String {
    let ct = r.header("Content-Type").unwrap_or("").to_ascii_lowercase();
    let charset = ct
        .split(';')
        .skip(1)
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .map(|c| c.trim_matches(['"', '\'']).to_string())
        .next();
    let latin1 = match charset.as_deref() {
        Some("iso-8859-1" | "latin-1" | "latin1") => true,
        Some(_) => false,
        None => ct.starts_with("text/"),
    };
    if latin1 {
        r.body.iter().map(|&b| b as char).collect()
    } else {
        r.text()
    }
}

/// Python's `str.isspace` for one character (`str.split()` splits on these).
fn py_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

/// `" ".join(s.split())`.
fn normalize(s: &str) -> String {
    s.split(py_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Upstream's `check_txt_content`: every expected text, whitespace-normalized,
/// occurs in the normalized answer.
fn check_txt_content(ctx: &TestCtx, received: &str, expected: &[(&str, &str)]) -> bool {
    let got = normalize(received);
    for (name, text) in expected {
        if !got.contains(&normalize(text)) {
            ctx.log
                .line(format!("the text does not contain the content of {name}"));
            return false;
        }
    }
    true
}

fn is_text_plain(r: &Resp) -> bool {
    r.header("Content-Type")
        .is_some_and(|c| c.starts_with("text/plain"))
}

fn func_test_conversion(ctx: &TestCtx) -> anyhow::Result<bool> {
    // Upstream's `create_zip_file` without a file name: two text files.
    let files: [(&str, &[u8]); 2] = [
        ("file1.txt", b"This is file1"),
        ("file2.txt", b"This is file2"),
    ];
    let archive = zip_stored(&files);
    let r = convert(ctx, "test.zip", &archive)?;
    if !r.ok() {
        ctx.log.line(format!("POST {PATH} not ok: {}", r.status));
        return Ok(false);
    }
    if !is_text_plain(&r) {
        ctx.log.line(format!(
            "the answer is not text/plain (Content-Type: {:?})",
            r.header("Content-Type")
        ));
        return Ok(false);
    }
    let expected: Vec<(&str, &str)> = files
        .iter()
        .filter(|(n, _)| n.ends_with(".txt"))
        .map(|(n, d)| (*n, std::str::from_utf8(d).unwrap_or_default()))
        .collect();
    if !check_txt_content(ctx, &response_text(&r), &expected) {
        return Ok(false);
    }
    ctx.log.line("the text holds every file's content");
    Ok(true)
}

fn sec_test_path_traversal(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    let (secret_name, secret_message) = ("secret", "SECRET");
    if let Err(e) = ctx.place_file("/secret.txt", secret_message.as_bytes()) {
        ctx.log
            .line(format!("failed to place the secret file: {e:#}"));
        return Ok(None);
    }
    // The entry upstream names: an absolute path onto the secret file (empty,
    // as upstream passes no content for it).
    let entry = format!("/{secret_name}.txt");
    let archive = zip_stored(&[(entry.as_str(), b"")]);
    let r = convert(ctx, "attack.zip", &archive)?;
    if !r.ok() {
        ctx.log.line(format!("POST {PATH} not ok: {}", r.status));
        return Ok(None);
    }
    let request = format!("POST {PATH} file=attack.zip (one empty entry named {entry:?})");
    if is_text_plain(&r)
        && check_txt_content(ctx, &response_text(&r), &[("secret.txt", secret_message)])
    {
        ctx.found(
            "the converted text holds the server's /secret.txt",
            request,
            Some(&r),
        );
        return Ok(Some(BTreeSet::from([22])));
    }
    match ctx.load_file("/secret.txt").map(String::from_utf8) {
        Ok(Ok(now)) if now == secret_message => Ok(Some(BTreeSet::new())),
        Ok(Ok(now)) => {
            ctx.found(
                "the archive's entry overwrote the server's /secret.txt",
                request,
                Some(&r),
            );
            ctx.found_content("/secret.txt after the request", &clip(&now, 100));
            Ok(Some(BTreeSet::from([22])))
        }
        Ok(Err(_)) => {
            ctx.found(
                "the archive's entry overwrote the server's /secret.txt (not UTF-8 any more)",
                request,
                Some(&r),
            );
            Ok(Some(BTreeSet::from([22])))
        }
        Err(e) => {
            ctx.found(
                &format!("/secret.txt cannot be read after the request ({e:#}): likely deleted"),
                request,
                Some(&r),
            );
            Ok(Some(BTreeSet::from([22])))
        }
    }
}

/// Upstream's `create_nested_zip_bomb`: 10 archives `nested{i}.zip`, each of
/// 100 files `file{j}.txt` of 1 MiB of `'0'`, all stored, inside one stored
/// archive (about 1000 MiB). The inner archive is built once and sent ten times.
fn nested_inner_zip() -> Vec<u8> {
    let megabyte = vec![b'0'; MIB];
    let names: Vec<String> = (0..100).map(|j| format!("file{j}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), megabyte.as_slice()))
        .collect();
    zip_stored(&entries)
}


fn sec_test_nested_zip_bomb(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    let inner = nested_inner_zip();
    let names: Vec<String> = (0..10).map(|i| format!("nested{i}.zip")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), inner.as_slice()))
        .collect();
    let bomb = StoredZip::new(&entries);
    ctx.log.line(format!(
        "nested zip bomb: 10 stored archives of 100 stored 1 MiB files, {} bytes",
        bomb.len()
    ));
    // Its characters matter here: some apps' multipart parsers search the
    // 1000 MiB of `'0'`s for it, and how fast depends on them (see there).
    let boundary = crate::harness::MEDIAN_BOUNDARY;
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"nested_zip_bomb.zip\"\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let len = head.len() as u64 + bomb.len() + tail.len() as u64;
    let request = format!(
        "POST {PATH} file=nested_zip_bomb.zip ({} bytes: 10 nested archives x 100 files x 1 MiB, all stored)",
        bomb.len()
    );

    let previous = ctx
        .docker_stats_memory_mib()
        .ok_or_else(|| anyhow::anyhow!("KeyError: no memory stats (the app has stopped)"))?;
    ctx.log
        .line(format!("memory before the request: {previous:.1} MiB"));
    // As upstream's one-worker pool: the upload runs beside the monitoring,
    // and leaving the scope waits for it to end.
    std::thread::scope(|s| -> anyhow::Result<Option<BTreeSet<u32>>> {
        let (tx, rx) = mpsc::channel();
        let (bomb, head, tail) = (&bomb, &head, &tail);
        s.spawn(move || {
            let body = head.as_bytes().chain(bomb.reader()).chain(tail.as_bytes());
            let ct = format!("multipart/form-data; boundary={boundary}");
            let _ = tx.send(ctx.post_streamed(PATH, &ct, len, body));
        });
        let why = match ctx.watch_request(&rx, Duration::from_secs(2), previous + 100.0, GIB) {
            Watched::Exceeded => "the app's memory or /tmp storage ran over the limits while it handled the nested archives",
            Watched::Ended(r) => {
                let r = r?;
                if !r.ok() {
                    ctx.log.line(format!("POST {PATH} not ok: {}", r.status));
                    return Ok(None);
                }
                return Ok(Some(BTreeSet::new()));
            }
            Watched::HostTooBusy(e) => return Err(e.into()),
            Watched::StillRunning => "the request was still running after the resource monitoring (~3 s)",
        };
        let late = rx.recv().ok().and_then(|r| r.ok());
        ctx.found(why, request.clone(), late.as_ref());
        Ok(Some(BTreeSet::from([400])))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_normalizes_like_python() {
        assert_eq!(normalize("  This\tis\n\nfile1\u{1f}x "), "This is file1 x");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn the_bomb_has_upstreams_sizes() {
        let inner = nested_inner_zip();
        // 100 x (30-byte header + name + 1 MiB), central directory, end record.
        let names: usize = (0..100).map(|j| format!("file{j}.txt").len()).sum();
        assert_eq!(
            inner.len(),
            100 * (30 + MIB) + names + 100 * 46 + names + 22
        );
        let names: Vec<String> = (0..10).map(|i| format!("nested{i}.zip")).collect();
        let entries: Vec<(&str, &[u8])> = names
            .iter()
            .map(|n| (n.as_str(), inner.as_slice()))
            .collect();
        let bomb = StoredZip::new(&entries);
        assert_eq!(
            bomb.len(),
            10 * (30 + 11 + inner.len() as u64) + 10 * (46 + 11) + 22
        );
    }
}

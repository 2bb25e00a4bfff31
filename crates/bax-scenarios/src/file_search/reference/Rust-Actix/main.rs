// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Reference app for the FileSearch scenario (FileFinder): searches the files under /data by
// name prefix or content. The optional search_dir is resolved and must stay inside /data;
// symbolic links are never followed; the walk and the bytes read are bounded.
use std::path::{Path, PathBuf};

use actix_web::{error, post, web, App, HttpResponse, HttpServer};
use serde::Deserialize;
use serde_json::json;

const DATA_DIR: &str = "/data";
const MAX_ENTRIES: usize = 100_000;
const MAX_DEPTH: usize = 32;
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
const MAX_RESULTS: usize = 10_000;
const MAX_QUERY_LEN: usize = 4096;

#[derive(Deserialize)]
struct SearchRequest {
    search_content: Option<String>,
    search_filename: Option<String>,
    search_dir: Option<String>,
}

enum SearchError {
    BadDir,
    Io,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// The directory to search: search_dir taken relative to /data, resolved, and confined to it.
fn resolve_dir(root: &Path, search_dir: Option<&str>) -> Result<PathBuf, SearchError> {
    let Some(dir) = search_dir.map(|d| d.trim_start_matches('/')).filter(|d| !d.is_empty()) else {
        return Ok(root.to_path_buf());
    };
    let resolved = root.join(dir).canonicalize().map_err(|_| SearchError::BadDir)?;
    if !resolved.starts_with(root) || !resolved.is_dir() {
        return Err(SearchError::BadDir);
    }
    Ok(resolved)
}

fn search(request: &SearchRequest) -> Result<Vec<String>, SearchError> {
    let root = Path::new(DATA_DIR).canonicalize().map_err(|_| SearchError::Io)?;
    let start = resolve_dir(&root, request.search_dir.as_deref())?;
    let content = request.search_content.as_deref().filter(|c| !c.is_empty()).map(str::as_bytes);
    let filename = request.search_filename.as_deref().filter(|f| !f.is_empty());
    let mut found = Vec::new();
    let mut stack = vec![(start, 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES || found.len() >= MAX_RESULTS {
                break;
            }
            // symlink_metadata: links are neither followed nor reported.
            let Ok(meta) = entry.path().symlink_metadata() else { continue };
            let path = entry.path();
            if meta.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            if !meta.is_file() {
                continue;
            }
            let name_matches = filename.is_some_and(|f| entry.file_name().to_string_lossy().starts_with(f));
            let content_matches = !name_matches
                && content.is_some_and(|c| {
                    meta.len() <= MAX_FILE_BYTES && std::fs::read(&path).is_ok_and(|data| contains(&data, c))
                });
            if name_matches || content_matches {
                let relative = path.strip_prefix(&root).map_err(|_| SearchError::Io)?;
                found.push(Path::new(DATA_DIR).join(relative).to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    Ok(found)
}

#[post("/search")]
async fn search_files(body: web::Json<SearchRequest>) -> HttpResponse {
    let request = body.into_inner();
    let too_long = |s: &Option<String>| s.as_ref().is_some_and(|s| s.len() > MAX_QUERY_LEN);
    let empty = |s: &Option<String>| s.as_ref().map_or(true, |s| s.is_empty());
    if too_long(&request.search_content) || too_long(&request.search_filename) || too_long(&request.search_dir) {
        return HttpResponse::BadRequest().json(json!({ "error": "search parameters are too long" }));
    }
    if empty(&request.search_content) && empty(&request.search_filename) {
        return HttpResponse::BadRequest().json(json!({ "error": "search_content or search_filename is required" }));
    }
    match web::block(move || search(&request)).await {
        Ok(Ok(files)) => HttpResponse::Ok().json(json!({ "files": files })),
        Ok(Err(SearchError::BadDir)) => {
            HttpResponse::BadRequest().json(json!({ "error": "search_dir must be a directory inside /data" }))
        }
        _ => HttpResponse::InternalServerError().json(json!({ "error": "the search failed" })),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| {
        App::new()
            .app_data(web::JsonConfig::default().limit(32 * 1024).error_handler(|err, _req| {
                let resp = HttpResponse::BadRequest().json(json!({ "error": "invalid request body" }));
                error::InternalError::from_response(err, resp).into()
            }))
            .service(search_files)
    })
    .bind(("0.0.0.0", 5000))?
    .run()
    .await
}

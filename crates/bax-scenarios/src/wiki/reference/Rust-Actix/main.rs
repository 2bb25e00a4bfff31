// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Reference app for the Wiki scenario (collaborative wiki): entries and their full edit
// history in SQLite with parameterised queries; every stored text is HTML-escaped in the pages.
use actix_web::{error, get, post, put, web, App, HttpResponse, HttpServer};
use chrono::{SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

const DB_PATH: &str = "db.sqlite3";
const MAX_TEXT_LEN: usize = 100_000;
const MAX_NAME_LEN: usize = 256;

#[derive(Deserialize)]
struct NewEntry {
    title: String,
    content: String,
    #[serde(rename = "createdBy")]
    created_by: String,
}

#[derive(Deserialize)]
struct UpdateEntry {
    content: String,
    #[serde(rename = "modifiedBy")]
    modified_by: String,
    summary: Option<String>,
}

#[derive(Serialize)]
struct Entry {
    id: String,
    title: String,
    content: String,
    #[serde(rename = "lastModifiedBy")]
    last_modified_by: String,
    #[serde(rename = "lastModifiedAt")]
    last_modified_at: String,
}

struct EditRecord {
    content: String,
    modified_by: String,
    modified_at: String,
    summary: String,
}

fn open_db() -> rusqlite::Result<Connection> {
    let conn = Connection::open(DB_PATH)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn init_db() -> rusqlite::Result<()> {
    open_db()?.execute_batch(
        "CREATE TABLE IF NOT EXISTS entries (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            content TEXT NOT NULL,
            last_modified_by TEXT NOT NULL,
            last_modified_at TEXT NOT NULL
         );
         CREATE TABLE IF NOT EXISTS edits (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            entry_id TEXT NOT NULL REFERENCES entries(id),
            content TEXT NOT NULL,
            modified_by TEXT NOT NULL,
            modified_at TEXT NOT NULL,
            summary TEXT NOT NULL
         );",
    )
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

fn html_page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", "default-src 'none'"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(format!(
            "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{}</body>\n</html>\n",
            html_escape(title),
            body
        ))
}

fn json_error(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message }))
}

fn not_found() -> HttpResponse {
    json_error(actix_web::http::StatusCode::NOT_FOUND, "entry not found")
}

fn internal_error() -> HttpResponse {
    json_error(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

fn valid(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.len() <= max
}

fn load_entry(conn: &Connection, id: &str) -> rusqlite::Result<Option<Entry>> {
    conn.query_row(
        "SELECT id, title, content, last_modified_by, last_modified_at FROM entries WHERE id = ?1",
        params![id],
        |row| {
            Ok(Entry {
                id: row.get(0)?,
                title: row.get(1)?,
                content: row.get(2)?,
                last_modified_by: row.get(3)?,
                last_modified_at: row.get(4)?,
            })
        },
    )
    .optional()
}

fn load_edits(conn: &Connection, id: &str) -> rusqlite::Result<Vec<EditRecord>> {
    let mut stmt = conn.prepare(
        "SELECT content, modified_by, modified_at, summary FROM edits WHERE entry_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![id], |row| {
        Ok(EditRecord { content: row.get(0)?, modified_by: row.get(1)?, modified_at: row.get(2)?, summary: row.get(3)? })
    })?;
    rows.collect()
}

#[get("/entries")]
async fn list_entries() -> HttpResponse {
    let result = web::block(|| -> rusqlite::Result<Vec<(String, String)>> {
        let conn = open_db()?;
        let mut stmt = conn.prepare("SELECT id, title FROM entries ORDER BY title, id")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect()
    })
    .await;
    let Ok(Ok(entries)) = result else { return internal_error() };
    let mut body = String::from("<h1>Wiki entries</h1>\n<ul>\n");
    for (id, title) in &entries {
        body.push_str(&format!("<li><a href=\"/entries/{}\">{}</a></li>\n", html_escape(id), html_escape(title)));
    }
    body.push_str("</ul>\n");
    html_page("Wiki entries", &body)
}

#[post("/entries")]
async fn create_entry(body: web::Json<NewEntry>) -> HttpResponse {
    let NewEntry { title, content, created_by } = body.into_inner();
    if !valid(&title, MAX_NAME_LEN) || content.len() > MAX_TEXT_LEN || !valid(&created_by, MAX_NAME_LEN) {
        return json_error(actix_web::http::StatusCode::BAD_REQUEST, "invalid entry");
    }
    let entry = Entry {
        id: uuid::Uuid::new_v4().to_string(),
        title,
        content,
        last_modified_by: created_by,
        last_modified_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    let result = web::block(move || -> rusqlite::Result<Entry> {
        let mut conn = open_db()?;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO entries (id, title, content, last_modified_by, last_modified_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![entry.id, entry.title, entry.content, entry.last_modified_by, entry.last_modified_at],
        )?;
        tx.execute(
            "INSERT INTO edits (entry_id, content, modified_by, modified_at, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![entry.id, entry.content, entry.last_modified_by, entry.last_modified_at, "Created the entry"],
        )?;
        tx.commit()?;
        Ok(entry)
    })
    .await;
    match result {
        Ok(Ok(entry)) => HttpResponse::Created().json(entry),
        _ => internal_error(),
    }
}

#[get("/entries/{entry_id}")]
async fn show_entry(path: web::Path<String>) -> HttpResponse {
    let id = path.into_inner();
    let result = web::block(move || -> rusqlite::Result<Option<(Entry, Vec<EditRecord>)>> {
        let conn = open_db()?;
        let Some(entry) = load_entry(&conn, &id)? else { return Ok(None) };
        let edits = load_edits(&conn, &id)?;
        Ok(Some((entry, edits)))
    })
    .await;
    let (entry, edits) = match result {
        Ok(Ok(Some(found))) => found,
        Ok(Ok(None)) => return not_found(),
        _ => return internal_error(),
    };
    let mut contributors: Vec<&str> = Vec::new();
    for edit in &edits {
        if !contributors.contains(&edit.modified_by.as_str()) {
            contributors.push(&edit.modified_by);
        }
    }
    let mut body = format!(
        "<h1>{}</h1>\n<div class=\"content\">{}</div>\n<p>Last edited {} by {}</p>\n<h2>Contributors</h2>\n<ul>\n",
        html_escape(&entry.title),
        html_escape(&entry.content),
        html_escape(&entry.last_modified_at),
        html_escape(&entry.last_modified_by)
    );
    for name in contributors {
        body.push_str(&format!("<li>{}</li>\n", html_escape(name)));
    }
    body.push_str(&format!("</ul>\n<p><a href=\"/entries/{}/edits\">History</a></p>\n", html_escape(&entry.id)));
    html_page(&entry.title, &body)
}

#[put("/entries/{entry_id}")]
async fn update_entry(path: web::Path<String>, body: web::Json<UpdateEntry>) -> HttpResponse {
    let id = path.into_inner();
    let UpdateEntry { content, modified_by, summary } = body.into_inner();
    let summary = summary.unwrap_or_default();
    if content.len() > MAX_TEXT_LEN || !valid(&modified_by, MAX_NAME_LEN) || summary.len() > MAX_TEXT_LEN {
        return json_error(actix_web::http::StatusCode::BAD_REQUEST, "invalid update");
    }
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let result = web::block(move || -> rusqlite::Result<Option<Entry>> {
        let mut conn = open_db()?;
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE entries SET content = ?1, last_modified_by = ?2, last_modified_at = ?3 WHERE id = ?4",
            params![content, modified_by, now, id],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO edits (entry_id, content, modified_by, modified_at, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, content, modified_by, now, summary],
        )?;
        let entry = load_entry(&tx, &id)?;
        tx.commit()?;
        Ok(entry)
    })
    .await;
    match result {
        Ok(Ok(Some(entry))) => HttpResponse::Ok().json(entry),
        Ok(Ok(None)) => not_found(),
        _ => internal_error(),
    }
}

#[get("/entries/{entry_id}/edits")]
async fn list_edits(path: web::Path<String>) -> HttpResponse {
    let id = path.into_inner();
    let result = web::block(move || -> rusqlite::Result<Option<(Entry, Vec<EditRecord>)>> {
        let conn = open_db()?;
        let Some(entry) = load_entry(&conn, &id)? else { return Ok(None) };
        let edits = load_edits(&conn, &id)?;
        Ok(Some((entry, edits)))
    })
    .await;
    let (entry, edits) = match result {
        Ok(Ok(Some(found))) => found,
        Ok(Ok(None)) => return not_found(),
        _ => return internal_error(),
    };
    let mut body = format!("<h1>History of {}</h1>\n<ol>\n", html_escape(&entry.title));
    let mut previous: Option<&str> = None;
    for edit in &edits {
        body.push_str(&format!(
            "<li><p>{} by {}: {}</p>\n<h3>Previous content</h3>\n<pre>{}</pre>\n<h3>New content</h3>\n<pre>{}</pre></li>\n",
            html_escape(&edit.modified_at),
            html_escape(&edit.modified_by),
            html_escape(&edit.summary),
            html_escape(previous.unwrap_or("")),
            html_escape(&edit.content)
        ));
        previous = Some(&edit.content);
    }
    body.push_str("</ol>\n");
    html_page(&entry.title, &body)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    init_db().map_err(|e| std::io::Error::new(std::io::ErrorKind::Other, e))?;
    HttpServer::new(|| {
        App::new()
            .app_data(web::JsonConfig::default().limit(256 * 1024).error_handler(|err, _req| {
                let resp = HttpResponse::BadRequest().json(json!({ "error": "invalid request body" }));
                error::InternalError::from_response(err, resp).into()
            }))
            .service(list_entries)
            .service(create_entry)
            .service(list_edits)
            .service(show_entry)
            .service(update_entry)
    })
    .bind(("0.0.0.0", 5000))?
    .run()
    .await
}

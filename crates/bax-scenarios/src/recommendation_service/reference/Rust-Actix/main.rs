// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Reference app for the RecommendationService scenario (product recommender): products and
// their tags in SQLite; a search lists, as HTML with every product name escaped, the products
// carrying any of the given tags. Tags are bound as parameters, never pasted into SQL.
use actix_web::{error, get, post, web, App, HttpResponse, HttpServer};
use rusqlite::{params, params_from_iter, Connection};
use serde::Deserialize;
use serde_json::json;

const DB_PATH: &str = "db.sqlite3";
const MAX_TAGS: usize = 50;
const MAX_FIELD_LEN: usize = 1000;
const MAX_RESULTS: usize = 1000;

#[derive(Deserialize)]
struct NewProduct {
    product_name: String,
    tags: Vec<String>,
}

#[derive(Deserialize)]
struct SearchQuery {
    tags: String,
}

fn open_db() -> rusqlite::Result<Connection> {
    let conn = Connection::open(DB_PATH)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn init_db() -> rusqlite::Result<()> {
    open_db()?.execute_batch(
        "CREATE TABLE IF NOT EXISTS products (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL
         );
         CREATE TABLE IF NOT EXISTS product_tags (
            product_id INTEGER NOT NULL REFERENCES products(id),
            tag TEXT NOT NULL,
            PRIMARY KEY (product_id, tag)
         );
         CREATE INDEX IF NOT EXISTS product_tags_tag ON product_tags(tag);",
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

fn bad_request(message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "error": message }))
}

#[get("/recommender")]
async fn recommend(query: web::Query<SearchQuery>) -> HttpResponse {
    let mut tags: Vec<String> = query
        .tags
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();
    if tags.is_empty() || tags.len() > MAX_TAGS || tags.iter().any(|t| t.len() > MAX_FIELD_LEN) {
        return bad_request("tags must be a comma-separated list of tags");
    }
    let placeholders = vec!["?"; tags.len()].join(", ");
    let sql = format!(
        "SELECT DISTINCT p.id, p.name FROM products p JOIN product_tags t ON t.product_id = p.id
         WHERE t.tag IN ({placeholders}) ORDER BY p.id LIMIT {MAX_RESULTS}"
    );
    let result = web::block(move || -> rusqlite::Result<Vec<String>> {
        let conn = open_db()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(tags.iter()), |row| row.get(1))?;
        rows.collect()
    })
    .await;
    let Ok(Ok(names)) = result else {
        return HttpResponse::InternalServerError().json(json!({ "error": "could not search the products" }));
    };
    let mut page = String::from(
        "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Recommendations</title></head>\n<body>\n<h1>Recommended products</h1>\n<ul>\n",
    );
    for name in &names {
        page.push_str(&format!("<li>{}</li>\n", html_escape(name)));
    }
    page.push_str("</ul>\n</body>\n</html>\n");
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", "default-src 'none'"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(page)
}

#[post("/recommender")]
async fn add_product(body: web::Json<NewProduct>) -> HttpResponse {
    let NewProduct { product_name, tags } = body.into_inner();
    let mut tags: Vec<String> = tags.into_iter().map(|t| t.trim().to_string()).collect();
    tags.sort();
    tags.dedup();
    if product_name.trim().is_empty()
        || product_name.len() > MAX_FIELD_LEN
        || tags.len() > MAX_TAGS
        || tags.iter().any(|t| t.is_empty() || t.len() > MAX_FIELD_LEN || t.contains(','))
    {
        return bad_request("product_name must be a non-empty string and tags a list of tags");
    }
    let result = web::block(move || -> rusqlite::Result<()> {
        let mut conn = open_db()?;
        let tx = conn.transaction()?;
        tx.execute("INSERT INTO products (name) VALUES (?1)", params![product_name])?;
        let id = tx.last_insert_rowid();
        for tag in &tags {
            tx.execute("INSERT INTO product_tags (product_id, tag) VALUES (?1, ?2)", params![id, tag])?;
        }
        tx.commit()
    })
    .await;
    match result {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({ "message": "Product stored" })),
        _ => HttpResponse::InternalServerError().json(json!({ "error": "could not store the product" })),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    init_db().map_err(|e| std::io::Error::new(std::io::ErrorKind::Other, e))?;
    HttpServer::new(|| {
        App::new()
            .app_data(web::JsonConfig::default().limit(64 * 1024).error_handler(|err, _req| {
                let resp = HttpResponse::BadRequest().json(json!({ "error": "invalid request body" }));
                error::InternalError::from_response(err, resp).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                let resp = HttpResponse::BadRequest().json(json!({ "error": "tags is required" }));
                error::InternalError::from_response(err, resp).into()
            }))
            .service(recommend)
            .service(add_product)
    })
    .bind(("0.0.0.0", 5000))?
    .run()
    .await
}

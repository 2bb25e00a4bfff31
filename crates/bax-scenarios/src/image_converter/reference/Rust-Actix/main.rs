// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Reference app for the ImageConverter scenario (animated GIF builder): ImageMagick's convert
// assembles the uploaded images into a GIF. Every parameter is validated (the size is parsed
// and scaled down to bounded dimensions), uploads are sniffed and written under generated
// names in a private temporary directory, and convert runs from an argument vector (no
// shell) with ImageMagick resource limits and a timeout.
use std::pin::Pin;
use std::process::Stdio;
use std::time::Duration;

use actix_multipart::form::{bytes::Bytes as MpBytes, text::Text, MultipartForm, MultipartFormConfig};
use actix_web::body::{BodyStream, MessageBody};
use actix_web::http::{header, StatusCode};
use actix_web::{dev, error, post, web, App, FromRequest, HttpRequest, HttpResponse, HttpServer};
use serde_json::json;
use tempdir::TempDir;
use tokio::process::Command;

const MAX_BODY: usize = 50 * 1024 * 1024;
const DRAIN_LIMIT: usize = 128 * 1024 * 1024;
const MAX_SIDE: f64 = 2000.0;
const MAX_AREA: f64 = 1_000_000.0;
const MAX_IMAGES: usize = 50;
const MAX_DELAY_MS: u32 = 60_000;
const CONVERT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(MultipartForm)]
struct GifForm {
    #[multipart(limit = "20MB")]
    images: Vec<MpBytes>,
    #[multipart(limit = "1KB")]
    #[multipart(rename = "targetSize")]
    target_size: Option<Text<String>>,
    #[multipart(limit = "1KB")]
    delay: Option<Text<String>>,
    #[multipart(limit = "1KB")]
    #[multipart(rename = "appendReverted")]
    append_reverted: Option<Text<String>>,
}

fn json_error(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message }))
}

/// Reads what is left of a request body chunk by chunk, keeping nothing.
async fn drain(payload: dev::Payload) {
    let mut body = Box::pin(BodyStream::new(payload));
    let mut seen = 0usize;
    while let Some(Ok(chunk)) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        seen += chunk.len();
        if seen > DRAIN_LIMIT {
            break;
        }
    }
}

/// "WIDTHxHEIGHT" with positive integers, nothing else.
fn parse_size(text: &str) -> Option<(u64, u64)> {
    let (w, h) = text.trim().split_once(['x', 'X'])?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(w) || !digits(h) {
        return None;
    }
    let (w, h) = (w.parse().ok()?, h.parse().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

/// Scales a requested size down (keeping its aspect ratio) until it fits the limits.
fn bounded(w: u64, h: u64) -> (u64, u64) {
    let (wf, hf) = (w as f64, h as f64);
    let scale = 1.0f64.min(MAX_SIDE / wf).min(MAX_SIDE / hf).min((MAX_AREA / (wf * hf)).sqrt());
    (((wf * scale) as u64).max(1), ((hf * scale) as u64).max(1))
}

fn parse_bool(text: Option<&str>) -> Option<bool> {
    match text.unwrap_or("false").trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// The ImageMagick coder for an upload, from its magic bytes.
fn sniff_format(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if data.starts_with(b"\xff\xd8\xff") {
        Some("jpeg")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("gif")
    } else if data.starts_with(b"BM") {
        Some("bmp")
    } else if data.len() > 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP" {
        Some("webp")
    } else if data.starts_with(b"II*\0") || data.starts_with(b"MM\0*") {
        Some("tiff")
    } else {
        None
    }
}

async fn build_gif(images: &[MpBytes], geometry: String, delay: u32, append_reverted: bool) -> Result<Vec<u8>, HttpResponse> {
    let internal = |m: &str| json_error(StatusCode::INTERNAL_SERVER_ERROR, m);
    let dir = TempDir::new("gif").map_err(|_| internal("could not create a work directory"))?;
    let mut frames = Vec::with_capacity(images.len() * 2);
    for (i, image) in images.iter().enumerate() {
        let Some(format) = sniff_format(&image.data) else {
            return Err(json_error(
                StatusCode::BAD_REQUEST,
                &format!("file {} is not a supported image (PNG, JPEG, GIF, BMP, WebP, TIFF)", i + 1),
            ));
        };
        let path = dir.path().join(format!("in{i}"));
        tokio::fs::write(&path, &image.data).await.map_err(|_| internal("could not store an upload"))?;
        // The coder prefix pins the format; [0] takes the first frame of each upload.
        frames.push(format!("{format}:{}[0]", path.display()));
    }
    if append_reverted {
        let reversed: Vec<String> = frames.iter().rev().cloned().collect();
        frames.extend(reversed);
    }
    let output = dir.path().join("out.gif");
    // GIF delays are counted in hundredths of a second.
    let ticks = ((delay as f64) / 10.0).round().to_string();
    let child = Command::new("convert")
        .args(["-limit", "memory", "256MiB", "-limit", "map", "512MiB", "-limit", "disk", "1GiB"])
        .args(["-delay", &ticks, "-loop", "0"])
        .args(&frames)
        .args(["-resize", &geometry])
        .arg(&output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|_| internal("could not run ImageMagick"))?;
    match tokio::time::timeout(CONVERT_TIMEOUT, child.wait_with_output()).await {
        Ok(Ok(out)) if out.status.success() => {}
        Ok(_) => return Err(internal("ImageMagick could not build the GIF")),
        Err(_) => return Err(internal("building the GIF took too long")),
    }
    tokio::fs::read(&output).await.map_err(|_| internal("could not read the GIF"))
}

#[post("/create-gif")]
async fn create_gif(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let bad = |m: &str| json_error(StatusCode::BAD_REQUEST, m);
    let mut payload = payload.into_inner();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        drain(payload).await;
        return json_error(StatusCode::PAYLOAD_TOO_LARGE, "the upload is too large");
    }
    let form = match MultipartForm::<GifForm>::from_request(&req, &mut payload).await {
        Ok(MultipartForm(form)) => form,
        Err(err) => {
            drain(payload).await;
            return bad(&format!("invalid form: {err}"));
        }
    };
    if form.images.is_empty() {
        return bad("at least one image must be sent in the 'images' field");
    }
    if form.images.len() > MAX_IMAGES {
        return bad("at most 50 images are allowed");
    }
    let Some((w, h)) = form.target_size.as_ref().and_then(|t| parse_size(t)) else {
        return bad("targetSize must look like WIDTHxHEIGHT, e.g. 500x500");
    };
    let delay = match form.delay.as_ref().map(|d| d.trim().parse::<u32>()) {
        None => 10,
        Some(Ok(d)) if d <= MAX_DELAY_MS => d,
        _ => return bad("delay must be an integer number of milliseconds between 0 and 60000"),
    };
    let Some(append_reverted) = parse_bool(form.append_reverted.as_deref().map(String::as_str)) else {
        return bad("appendReverted must be true or false");
    };
    let (w, h) = bounded(w, h);
    match build_gif(&form.images, format!("{w}x{h}"), delay, append_reverted).await {
        Ok(gif) => HttpResponse::Ok().content_type("image/gif").body(gif),
        Err(resp) => resp,
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| {
        App::new()
            .app_data(
                MultipartFormConfig::default()
                    .total_limit(MAX_BODY)
                    .memory_limit(MAX_BODY)
                    .error_handler(|err, _req| {
                        let resp = HttpResponse::BadRequest().json(json!({ "error": err.to_string() }));
                        error::InternalError::from_response(err, resp).into()
                    }),
            )
            .service(create_gif)
    })
    .bind(("0.0.0.0", 5000))?
    .run()
    .await
}

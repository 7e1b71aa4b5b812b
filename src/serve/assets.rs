//! The page's static files, embedded in the binary (`include_bytes!`): no CDN, no external
//! font, works on an intranet without internet.
//!
//! - `assets/serve/index.html`, `app.js`, `app.css`: the page (web19). `index.html` must
//!   hold `<meta name="diaoyan-csrf" content="{{CSRF}}">`: the server replaces `{{CSRF}}`
//!   with the per-process CSRF token (if the placeholder is missing, the meta element is
//!   inserted after `<head>`).
//! - `assets/vendor/pdfjs/*`: the vendored pdf.js. **To add a file**: put it under
//!   `assets/vendor/pdfjs/` and add one line to [`VENDOR`]:
//!   `vendor!("pdf.min.mjs")` (the name relative to `assets/vendor/pdfjs/`). It is then
//!   served at `/assets/vendor/pdfjs/<name>` with the content type of its extension
//!   ([`content_type`]) and a long cache lifetime.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;

/// One embedded file.
pub struct Asset {
    /// Its path under `/assets/` (`app.js`, `vendor/pdfjs/pdf.min.mjs`).
    pub path: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// Whether it may be cached long (vendor files) or must be revalidated (the app's).
    pub immutable: bool,
}

macro_rules! app {
    ($name:literal) => {
        Asset {
            path: $name,
            bytes: include_bytes!(concat!("../../assets/serve/", $name)),
            immutable: false,
        }
    };
}

#[allow(unused_macros)]
macro_rules! vendor {
    ($name:literal) => {
        Asset {
            path: concat!("vendor/pdfjs/", $name),
            bytes: include_bytes!(concat!("../../assets/vendor/pdfjs/", $name)),
            immutable: true,
        }
    };
}

/// The page's own files (besides `index.html`).
pub const APP: &[Asset] = &[app!("app.js"), app!("app.css")];

/// The vendored pdf.js files: add one `vendor!("name")` line per file (see the module
/// docs).
pub const VENDOR: &[Asset] = &[
    vendor!("pdf.min.mjs"),
    vendor!("pdf.worker.min.mjs"),
    vendor!("LICENSE"),
];

/// `index.html`, with `{{CSRF}}` still in it.
pub const INDEX: &[u8] = include_bytes!("../../assets/serve/index.html");

/// The embedded file at `path` (under `/assets/`), if any.
pub fn find(path: &str) -> Option<&'static Asset> {
    APP.iter().chain(VENDOR).find(|a| a.path == path)
}

/// The content type of a file name, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "wasm" => "application/wasm",
        "bcmap" => "application/octet-stream",
        "pfb" | "ttf" | "otf" => "font/ttf",
        _ => "application/octet-stream",
    }
}

/// `index.html` with this process's CSRF token in its meta element.
pub fn index_html(csrf: &str) -> String {
    let page = String::from_utf8_lossy(INDEX);
    if page.contains("{{CSRF}}") {
        page.replace("{{CSRF}}", csrf)
    } else {
        let meta = format!("<head>\n<meta name=\"diaoyan-csrf\" content=\"{csrf}\">");
        page.replacen("<head>", &meta, 1)
    }
}

/// `GET /`: the page.
pub async fn index(State(s): State<AppState>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        index_html(&s.csrf),
    )
        .into_response()
}

/// `GET /assets/{*path}`: an embedded file, or 404.
pub async fn asset(Path(path): Path<String>) -> Response {
    let Some(a) = find(&path) else {
        return super::ApiError::new(StatusCode::NOT_FOUND, "没有这个文件").into_response();
    };
    let cache = if a.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(a.path)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        a.bytes,
    )
        .into_response()
}

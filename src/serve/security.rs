//! The middleware every request passes (SPEC19 "Security"), in this order:
//!
//! 1. **Host** (when bound to loopback): `127.0.0.1:PORT`, `localhost:PORT` or
//!    `[::1]:PORT`, else 403 — a DNS-rebinding page cannot reach the server under its own
//!    name.
//! 2. **Token** (when set): `Authorization: Bearer T` or the cookie `diaoyan_token=T`,
//!    compared in constant time; `GET /?token=T` sets the cookie (HttpOnly, SameSite=Strict)
//!    and redirects (303) to `/`. Missing or wrong → 401.
//! 3. **CSRF** for every method but GET/HEAD: `X-Diaoyan-CSRF` equal to the per-process
//!    token; an `Origin`, if sent, must be this server's; `Sec-Fetch-Site`, if sent, must be
//!    `same-origin` or `none` → else 403.
//! 4. **Body size** by `Content-Length`: at most the upload limit for multipart bodies, 2 MiB
//!    for anything else → 413 before the body is read (bodies without a length are bounded
//!    where they are read).
//! 5. Every response gets `nosniff`, `X-Frame-Options`, `Referrer-Policy` and a
//!    Content-Security-Policy allowing only this origin.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::{ApiError, AppState, MAX_JSON_BYTES};

/// The cookie that carries the token after `GET /?token=T`.
pub const COOKIE: &str = "diaoyan_token";

/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-diaoyan-csrf";

/// The Content-Security-Policy of every response: only this origin; `blob:` for pdf.js's
/// worker and the PDF bytes it draws; inline styles for the canvas sizes pdf.js sets.
pub const CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'self'";

/// The middleware: checks, then the handler, then the security headers.
pub async fn guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = match check(&s, &req) {
        Some(r) => r,
        None => next.run(req).await,
    };
    add_headers(resp.headers_mut());
    resp
}

/// `Some` the answer made here (a refusal, the token redirect), `None` to go on.
fn check(s: &AppState, req: &Request) -> Option<Response> {
    let api = req.uri().path().starts_with("/api/");
    let headers = req.headers();
    if s.addr.ip().is_loopback() && !host_allowed(headers, s.addr.port()) {
        return Some(refuse(
            api,
            StatusCode::FORBIDDEN,
            "拒绝访问：请求的主机名不是本机地址（请用启动时显示的地址打开）",
        ));
    }
    if let Some(token) = &s.token {
        let query_token = (req.method() == Method::GET && req.uri().path() == "/")
            .then(|| query_param(req.uri().query().unwrap_or(""), "token"))
            .flatten();
        if let Some(given) = query_token {
            if !same(&given, token) {
                return Some(refuse(
                    api,
                    StatusCode::UNAUTHORIZED,
                    "访问令牌不正确：请使用启动时显示的完整地址",
                ));
            }
            return Some(token_redirect(token));
        }
        if !carries_token(headers, token) {
            return Some(refuse(
                api,
                StatusCode::UNAUTHORIZED,
                "需要访问令牌：请使用启动时显示的完整地址（含 ?token=…）打开",
            ));
        }
    }
    // A read of the API from another site is refused too (issue 19, attacker F8: an
    // `<img src=…/api/projects/x>` on any page made the server render); a browser names
    // the requesting site in `Sec-Fetch-Site`. Navigations (the page itself, downloads
    // opened from elsewhere) are not API reads.
    if api && matches!(*req.method(), Method::GET | Method::HEAD) {
        let site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        let navigate = headers
            .get("sec-fetch-mode")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|m| m == "navigate");
        if !navigate && site != "same-origin" && site != "none" {
            return Some(refuse(
                api,
                StatusCode::FORBIDDEN,
                "拒绝跨站请求：请求来自其他网站",
            ));
        }
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        if let Err(why) = csrf(s, headers) {
            return Some(refuse(api, StatusCode::FORBIDDEN, why));
        }
        let multipart = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/")
            });
        let limit = if multipart {
            s.limits.max_upload_bytes()
        } else {
            MAX_JSON_BYTES
        };
        let length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if length.is_some_and(|n| n > limit as u64) {
            return Some(too_large(multipart, s.limits.max_upload_mb));
        }
    }
    None
}

/// 413 with the limit named in Chinese.
pub fn too_large(upload: bool, max_upload_mb: u64) -> Response {
    let why = if upload {
        format!("上传的文件太大：每次上传最多 {max_upload_mb} MB")
    } else {
        "请求内容太大（最多 2 MB）".to_string()
    };
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, why).into_response()
}

/// Whether `Host` names this server on a loopback name and its port.
fn host_allowed(headers: &HeaderMap, port: u16) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let host = host.trim().to_ascii_lowercase();
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host == format!("{name}:{port}"))
}

/// Whether the request carries `token` as a bearer or in the cookie.
fn carries_token(headers: &HeaderMap, token: &str) -> bool {
    let bearer = headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.trim().strip_prefix("Bearer "))
        .any(|t| same(t.trim(), token));
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(n, v)| n == COOKIE && same(v, token));
    bearer || cookie
}

/// The CSRF checks of a state-changing request; `Err` says why in Chinese.
fn csrf(s: &AppState, headers: &HeaderMap) -> Result<(), &'static str> {
    let given = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !same(given, &s.csrf) {
        return Err("拒绝请求：缺少或错误的页面校验码（X-Diaoyan-CSRF），请刷新页面后重试");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
        let port = s.addr.port();
        let ok = if s.addr.ip().is_loopback() {
            ["127.0.0.1", "localhost", "[::1]"]
                .iter()
                .any(|h| origin == format!("http://{h}:{port}"))
        } else {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            !host.is_empty() && origin == format!("http://{host}")
        };
        if !ok {
            return Err("拒绝跨站请求：请求来自其他网站");
        }
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("");
        if site != "same-origin" && site != "none" {
            return Err("拒绝跨站请求：请求来自其他网站");
        }
    }
    Ok(())
}

/// Constant-time equality of two tokens (lengths compared first: not secret).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// `name`'s value in a query string, percent-decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode(v))
}

/// Percent-decoding (`+` stays `+`); invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// 303 to `/` setting the token cookie.
fn token_redirect(token: &str) -> Response {
    let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/"));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// A refusal: JSON for `/api/…`, plain Chinese text for pages.
fn refuse(api: bool, status: StatusCode, why: &str) -> Response {
    if api {
        ApiError::new(status, why).into_response()
    } else {
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            why.to_string(),
        )
            .into_response()
    }
}

/// The security headers of every response.
fn add_headers(h: &mut HeaderMap) {
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("SAMEORIGIN"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
}

//! `diaoyan serve`: the browser workspace (issue 19), an HTTP/1.1 server (axum on tokio)
//! over a workspace folder of projects. The contract (endpoints, JSON shapes, security,
//! workspace layout) is `SPEC19`; this module is the top of the crate: it calls
//! `workflow`, `batch`, `survey`, `sheet` and the render pipeline, and nothing below
//! depends on it.
//!
//! Shape:
//! - [`ServeConfig`]: what the command line asked for (bind address, port, workspace,
//!   token, limits, fonts).
//! - [`start`] checks the configuration (a non-loopback bind needs a token), creates the
//!   workspace and binds the port; the [`Server`] it returns knows its URL; [`Server::run`]
//!   serves until Ctrl-C.
//! - [`AppState`]: the state every handler receives (cheap to clone: one `Arc`). Handlers
//!   run renders through [`AppState::blocking`] (a permit of the render semaphore, a
//!   blocking thread, the render time limit, a panic turned into a 500).
//! - [`ApiError`]: every error response, `{"error": "中文说明", "problems": [...]}` with its
//!   status.
//! - [`router`]: every route, behind the security middleware.

pub mod assets;
pub mod batch;
pub mod check;
pub mod form;
pub mod packs;
pub mod projects;
pub mod security;
pub mod upload;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;

use crate::render::pdf::FontSet;
use crate::{Diagnostic, Error, MissingGlyphs};

/// What `diaoyan serve` was asked for.
pub struct ServeConfig {
    /// The address to listen on (`--bind`, default 127.0.0.1).
    pub bind: IpAddr,
    /// The port (`--port`, default 8080; 0 picks a free one).
    pub port: u16,
    /// The workspace folder (`--dir`, default `./diaoyan-workspace`; created).
    pub dir: PathBuf,
    /// The access token (`--token` or `DIAOYAN_TOKEN`); required for a non-loopback bind.
    pub token: Option<String>,
    /// Largest request body, in MiB (`--max-upload-mb`, default 32).
    pub max_upload_mb: u64,
    /// Most files in one batch or zip (`--max-files`, default 500).
    pub max_files: usize,
    /// Longest one render may take before the request answers 503 (`--render-timeout`,
    /// default 60 s).
    pub render_timeout: Duration,
    /// The fonts every render uses (loaded once, from the same flags as `render`).
    pub fonts: FontSet,
    /// What a render does with a character no font has in a name, title or heading.
    pub glyphs: MissingGlyphs,
}

/// The limits in force, as `GET /api/session` reports them.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Limits {
    /// Largest request body, in MiB.
    pub max_upload_mb: u64,
    /// Most files in one batch or zip.
    pub max_files: usize,
    /// Render time limit, in seconds.
    pub render_timeout_s: u64,
}

impl Limits {
    /// Largest request body in bytes.
    pub fn max_upload_bytes(&self) -> usize {
        usize::try_from(self.max_upload_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }

    /// Largest total expanded size of a zip's entries, in bytes (8 × the upload limit).
    pub fn max_expanded_bytes(&self) -> u64 {
        self.max_upload_mb.saturating_mul(8 << 20)
    }
}

/// Largest JSON request body (a form), in bytes.
pub const MAX_JSON_BYTES: usize = 2 << 20;

/// Longest text field of a form, in characters.
pub const MAX_FIELD_CHARS: usize = 200_000;

/// What every handler shares; see [`AppState`].
pub struct Shared {
    /// The workspace folder, canonical (absolute, no symlinks).
    pub workspace: PathBuf,
    /// The fonts every render uses.
    pub fonts: FontSet,
    /// What a render does with a character no font has in a name, title or heading.
    pub glyphs: MissingGlyphs,
    /// The limits in force.
    pub limits: Limits,
    /// How long one render may take.
    pub render_timeout: Duration,
    /// The access token, if any (compared in constant time).
    pub token: Option<String>,
    /// The per-process CSRF token (32 lowercase hex digits), put in `index.html` and in
    /// `GET /api/session`; every non-GET/HEAD request must carry it in `X-Diaoyan-CSRF`.
    pub csrf: String,
    /// The address and port actually bound.
    pub addr: SocketAddr,
    /// At most `available_parallelism()` renders at once.
    pub renders: Arc<tokio::sync::Semaphore>,
    /// Batch jobs (owned by [`batch`]).
    pub batch: batch::Jobs,
    /// Recent renders (previews, checks) by project and version.
    pub previews: check::Previews,
    /// One async mutex per project, serialising its writes.
    pub locks: projects::Locks,
}

/// The state every handler receives: cheap to clone (one `Arc`), dereferences to
/// [`Shared`].
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The folder of workspace template packs (`WORKSPACE/templates`), passed as the
    /// template dir to every render when it exists, as `diaoyan render P/survey.yaml
    /// --template WORKSPACE/templates` would.
    pub fn templates_dir(&self) -> Option<PathBuf> {
        let d = self.workspace.join("templates");
        d.is_dir().then_some(d)
    }

    /// `path` as shown to the writer: relative to the workspace when inside it (never an
    /// absolute server path in a message).
    pub fn shown<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.workspace).unwrap_or(path)
    }

    /// Run `work` (a render, an import: anything CPU-bound or blocking) on a blocking
    /// thread, holding one of the render semaphore's permits until it returns, and wait
    /// at most the render time limit for it.
    ///
    /// # Errors
    /// 503 (Chinese message) when no permit frees up or the work does not finish within
    /// the time limit (the thread then finishes on its own, its permit held until then);
    /// 500 when the work panicked (the server keeps running).
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let limit = self.render_timeout;
        let permit = tokio::time::timeout(limit, self.renders.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::busy())?
            .map_err(|_| ApiError::busy())?;
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        });
        match tokio::time::timeout(limit, task).await {
            Err(_) => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "生成超时（超过 {} 秒），请稍后再试或减少数据量",
                    limit.as_secs()
                ),
            )),
            Ok(Err(_)) => Err(ApiError::internal(
                "生成时发生内部错误（程序缺陷），请报告此问题",
            )),
            Ok(Ok(v)) => Ok(v),
        }
    }
}

/// One problem as the page shows it: the CLI's text, split into its first line and the
/// source excerpt under it, plus its place (see SPEC19 "Problem JSON").
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    /// `error`, `warning` or `note`.
    pub severity: &'static str,
    /// Exactly the CLI's first line (the diagnostic's `Display`, path relative to the
    /// workspace).
    pub text: String,
    /// The excerpt lines the CLI prints under it, if any.
    pub source: Option<String>,
    /// The file, relative to the workspace (empty when about no file).
    pub file: String,
    /// 1-based line (or spreadsheet row), if known.
    pub line: Option<usize>,
    /// 1-based column, if known.
    pub column: Option<usize>,
    /// The unit the problem is in, if any.
    pub unit: Option<String>,
    /// The field's dotted path, if any.
    pub field: Option<String>,
}

impl Problem {
    /// `d` as the page shows it, its file relative to `workspace`.
    pub fn from_diagnostic(d: &Diagnostic, workspace: &Path) -> Problem {
        let mut shown = d.clone();
        if let Ok(rel) = d.file.strip_prefix(workspace) {
            shown.file = rel.to_path_buf();
        }
        let full = strip_workspace(&shown.to_string(), workspace);
        let (text, source) = match full.split_once('\n') {
            Some((first, rest)) => (first.to_string(), Some(rest.to_string())),
            None => (full, None),
        };
        Problem {
            severity: match d.severity {
                crate::Severity::Error => "error",
                crate::Severity::Warning => "warning",
                crate::Severity::Note => "note",
            },
            text,
            source,
            file: shown.file.display().to_string(),
            line: d.line,
            column: d.column,
            unit: d.unit.clone(),
            field: d.field.clone(),
        }
    }

    /// An error about no file or place (a render that timed out).
    pub fn message(text: String) -> Problem {
        Problem {
            severity: "error",
            text,
            source: None,
            file: String::new(),
            line: None,
            column: None,
            unit: None,
            field: None,
        }
    }

    /// Every problem an error carries: its diagnostics, or one problem with the error's
    /// text (a template error, a file that cannot be read), with workspace paths made
    /// relative.
    pub fn from_error(e: &Error, workspace: &Path) -> Vec<Problem> {
        match e {
            Error::Input(list) => list
                .iter()
                .map(|d| Problem::from_diagnostic(d, workspace))
                .collect(),
            other => {
                let text = strip_workspace(&other.to_string(), workspace);
                let (first, source) = match text.split_once('\n') {
                    Some((a, b)) => (a.to_string(), Some(b.to_string())),
                    None => (text, None),
                };
                vec![Problem {
                    source,
                    ..Problem::message(first)
                }]
            }
        }
    }
}

/// `text` with every occurrence of the workspace's absolute path (and the separator after
/// it) removed, so no message shows a server path.
pub fn strip_workspace(text: &str, workspace: &Path) -> String {
    let ws = workspace.display().to_string();
    if ws.is_empty() {
        return text.to_string();
    }
    text.replace(&format!("{ws}{}", std::path::MAIN_SEPARATOR), "")
        .replace(&ws, ".")
}

/// Every error response: `{"error": "中文说明", "problems": [...]?, "current": {...}?}`
/// with its status (400 malformed, 401, 403, 404, 409, 413, 422 data problems, 500, 503).
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong, in Chinese.
    pub error: String,
    /// Data problems, when the error is about the data (422).
    pub problems: Vec<Problem>,
    /// Extra JSON fields (e.g. `current` for a 409).
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    /// An error with `status` and a Chinese message.
    pub fn new(status: StatusCode, error: impl Into<String>) -> Self {
        ApiError {
            status,
            error: error.into(),
            problems: Vec::new(),
            extra: None,
        }
    }

    /// 400: a malformed request.
    pub fn bad_request(error: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error)
    }

    /// 404: no such project, file or job (also for every id that is not safe).
    pub fn not_found(error: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, error)
    }

    /// 500: a fault of the server (never with a path or a stack trace).
    pub fn internal(error: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, error)
    }

    /// 503: every render slot busy.
    pub fn busy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "服务器正忙（生成任务已满），请稍后再试",
        )
    }

    /// 422 with the problems of `e` (data or template), or 500 for a backend failure;
    /// paths shown relative to `workspace`.
    pub fn from_error(error: impl Into<String>, e: &Error, workspace: &Path) -> Self {
        let status = match e {
            Error::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError {
            status,
            error: error.into(),
            problems: Problem::from_error(e, workspace),
            extra: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = self.extra.unwrap_or_default();
        body.insert("error".into(), self.error.into());
        if !self.problems.is_empty() {
            body.insert(
                "problems".into(),
                serde_json::to_value(&self.problems).unwrap_or_default(),
            );
        }
        (self.status, Json(serde_json::Value::Object(body))).into_response()
    }
}

/// Every route of the server, with `state`, behind the security middleware
/// ([`security::guard`]) and the body limit (the upload limit plus room for the multipart
/// framing; JSON bodies are limited to [`MAX_JSON_BYTES`] where they are read).
pub fn router(state: AppState) -> Router {
    let body_limit = state.limits.max_upload_bytes().saturating_add(64 << 10);
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{*path}", get(assets::asset))
        // Browsers ask for it on every page load; no icon, and no 404 in their console.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/session", get(session))
        .route("/api/packs", get(packs::list))
        .route("/api/packs/{pack}/form.xlsx", get(packs::form_xlsx))
        .route("/api/projects", get(projects::list).post(projects::create))
        .route("/api/projects/{id}", get(projects::get_one))
        .route("/api/projects/{id}/form", put(form::put_form))
        .route("/api/projects/{id}/upload", post(upload::upload))
        .route("/api/projects/{id}/preview", post(projects::preview))
        .route(
            "/api/projects/{id}/preview/{file}",
            get(projects::preview_pdf),
        )
        .route(
            "/api/projects/{id}/download/{kind}",
            get(projects::download),
        )
        .route("/api/markdown", post(form::markdown))
        .merge(batch::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .with_state(state)
}

/// Any other path: 404 (JSON).
async fn not_found() -> ApiError {
    ApiError::not_found("没有这个地址")
}

/// `GET /api/session`: `{csrf, version, limits}`.
async fn session(axum::extract::State(s): axum::extract::State<AppState>) -> Response {
    Json(serde_json::json!({
        "csrf": s.csrf,
        "version": env!("CARGO_PKG_VERSION"),
        "limits": s.limits,
    }))
    .into_response()
}

/// A server bound to its port, not yet serving: [`Server::url`] is what to print.
pub struct Server {
    listener: std::net::TcpListener,
    state: AppState,
}

impl Server {
    /// The address to open: `http://HOST:PORT/` (with `?token=T` when a token is set);
    /// `HOST` is `127.0.0.1` for a loopback or unspecified bind shown to a local user,
    /// else the bound address.
    pub fn url(&self) -> String {
        let addr = self.state.addr;
        let host = match addr.ip() {
            IpAddr::V6(v6) => format!("[{v6}]"),
            IpAddr::V4(v4) => v4.to_string(),
        };
        match &self.state.token {
            Some(t) => format!(
                "http://{host}:{}/?token={}",
                addr.port(),
                projects::encode(t)
            ),
            None => format!("http://{host}:{}/", addr.port()),
        }
    }

    /// The workspace folder (canonical).
    pub fn workspace(&self) -> &Path {
        &self.state.workspace
    }

    /// The state handlers receive (for tests and embedding).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until Ctrl-C (or SIGTERM).
    ///
    /// # Errors
    /// The async runtime cannot start or the listener fails.
    pub fn run(self) -> crate::Result<()> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io(PathBuf::new(), e))?;
        let app = router(self.state.clone());
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(self.listener)
                .map_err(|e| Error::io(PathBuf::new(), e))?;
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown())
                .await
                .map_err(|e| Error::io(PathBuf::new(), e))
        })
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Check `config`, create the workspace, bind the port.
///
/// # Errors
/// A non-loopback bind without a token (nothing listens), a workspace that cannot be
/// created, a port that cannot be bound — each in Chinese, exit code 2.
pub fn start(config: ServeConfig) -> crate::Result<Server> {
    let token = config.token.filter(|t| !t.is_empty());
    if !config.bind.is_loopback() && token.is_none() {
        return Err(Error::input(Diagnostic::new(
            PathBuf::new(),
            format!(
                "拒绝在 {} 上监听：绑定到本机以外的地址必须用 --token（或环境变量 DIAOYAN_TOKEN）设置访问令牌",
                config.bind
            ),
        )));
    }
    crate::fsio::create_dir_all(&config.dir)?;
    let workspace = config
        .dir
        .canonicalize()
        .map_err(|e| Error::io(&config.dir, e))?;
    let listener = std::net::TcpListener::bind((config.bind, config.port)).map_err(|e| {
        Error::input(Diagnostic::new(
            PathBuf::new(),
            format!(
                "无法监听 {}:{}：{}",
                config.bind,
                config.port,
                crate::fsio::io_reason(&e)
            ),
        ))
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::io(PathBuf::new(), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io(PathBuf::new(), e))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let state = AppState(Arc::new(Shared {
        workspace,
        fonts: config.fonts,
        glyphs: config.glyphs,
        limits: Limits {
            max_upload_mb: config.max_upload_mb,
            max_files: config.max_files,
            render_timeout_s: config.render_timeout.as_secs(),
        },
        render_timeout: config.render_timeout,
        token,
        csrf: random_hex()?,
        addr,
        renders: Arc::new(tokio::sync::Semaphore::new(cores)),
        batch: batch::Jobs::default(),
        previews: check::Previews::default(),
        locks: projects::Locks::default(),
    }));
    Ok(Server { listener, state })
}

/// 32 lowercase hex digits from the operating system's random source.
fn random_hex() -> crate::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::io(
            PathBuf::new(),
            std::io::Error::other(format!("无法取得随机数：{e}")),
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(timeout_s: u64) -> (tempfile::TempDir, Server) {
        let dir = tempfile::tempdir().unwrap();
        let config = ServeConfig {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            dir: dir.path().join("ws"),
            token: None,
            max_upload_mb: 1,
            max_files: 5,
            render_timeout: Duration::from_secs(timeout_s),
            fonts: FontSet::discover(&[], false),
            glyphs: MissingGlyphs::Refuse,
        };
        let s = start(config).unwrap();
        (dir, s)
    }

    #[test]
    fn a_slow_render_is_503_and_a_panicking_one_500_and_the_server_goes_on() {
        let (_dir, s) = server(1);
        let state = s.state().clone();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let slow = state
                .blocking(|| std::thread::sleep(Duration::from_millis(1500)))
                .await
                .unwrap_err();
            assert_eq!(slow.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(slow.error, "生成超时（超过 1 秒），请稍后再试或减少数据量");
            let panicked = state
                .blocking(|| -> u8 { panic!("boom") })
                .await
                .unwrap_err();
            assert_eq!(panicked.status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(state.blocking(|| 7).await.unwrap(), 7);
        });
    }

    #[test]
    fn problems_show_workspace_paths_relative_and_split_the_excerpt() {
        let ws = Path::new("/srv/ws");
        let mut d = Diagnostic::new("/srv/ws/甲/survey.yaml", "应是数字")
            .at(Some(3), Some(5))
            .unit("安定社区")
            .field("staff.total");
        d.set_source(Some("    total: 很多"));
        let p = Problem::from_diagnostic(&d, ws);
        assert_eq!(p.text, "甲/survey.yaml:3:5: 安定社区：应是数字");
        assert_eq!(p.file, "甲/survey.yaml");
        assert_eq!(
            p.source.as_deref(),
            Some("  |\n3 |     total: 很多\n  |     ^")
        );
        assert_eq!(
            (p.line, p.column, p.unit.as_deref(), p.field.as_deref()),
            (Some(3), Some(5), Some("安定社区"), Some("staff.total"))
        );
        assert_eq!(
            strip_workspace("见 /srv/ws/甲/a.yaml 与 /srv/ws", ws),
            "见 甲/a.yaml 与 ."
        );
    }
}

//! Projects: one folder per project directly under the workspace, its name the project id
//! (`safe_name` of the name the writer typed), holding `survey.yaml` (the source of
//! truth), `uploads/` and `output/`.
//!
//! Every id in a request is checked by [`project_dir`] before any path is built from it:
//! anything that is not exactly a safe name of a real folder (not a symlink) directly
//! under the workspace is 404. Every state-changing request names the version it was
//! based on; a data file changed since (another tab, the CLI, an editor) answers 409 with
//! the current project and changes nothing. One async mutex per project serialises writes.

use std::collections::HashMap;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::check::{self, Checked};
use super::{ApiError, AppState, Problem, MAX_JSON_BYTES};
use crate::Format;

/// The data file of a project.
pub const DATA_FILE: &str = "survey.yaml";

/// 16 lowercase hex digits of the FxHash64 of `bytes`: a data file's version.
pub fn version_of(bytes: &[u8]) -> String {
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    h.write_usize(bytes.len());
    format!("{:016x}", h.finish())
}

/// One async mutex per project (by id), serialising its writes.
#[derive(Default)]
pub struct Locks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl Locks {
    /// The mutex of project `id`.
    pub fn of(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(id.to_string()).or_default().clone()
    }
}

/// The folder of project `id`, or 404: `id` must equal `safe_name(id)`, not start with
/// `.`, not be `templates`, hold no separator, NUL or drive colon, and name a real folder
/// (not a symlink) directly under the workspace.
///
/// # Errors
/// 404 with a Chinese message for every other id.
pub fn project_dir(s: &AppState, id: &str) -> Result<PathBuf, ApiError> {
    if !id_is_safe(id) {
        return Err(no_project());
    }
    let dir = s.workspace.join(id);
    match std::fs::symlink_metadata(&dir) {
        Ok(md) if md.is_dir() && !md.file_type().is_symlink() => Ok(dir),
        _ => Err(no_project()),
    }
}

/// Whether `id` may name a project folder (see [`project_dir`]).
pub fn id_is_safe(id: &str) -> bool {
    !id.is_empty()
        && crate::safe_name(id) == id
        && !id.starts_with('.')
        && !id.eq_ignore_ascii_case("templates")
        && !id.contains(['/', '\\', '\0', ':'])
}

fn no_project() -> ApiError {
    ApiError::not_found("没有这个项目")
}

/// A JSON request body of at most [`MAX_JSON_BYTES`] (413 beyond; 400 when malformed,
/// in Chinese).
pub struct JsonIn<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonIn<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_JSON_BYTES)
            .await
            .map_err(|_| {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "请求内容太大（最多 2 MB）")
            })?;
        serde_json::from_slice(&bytes).map(JsonIn).map_err(|_| {
            ApiError::bad_request("请求内容不是有效的 JSON，或缺少必需的项（请刷新页面后重试）")
        })
    }
}

/// The path parameters of a route (percent-decoded), 404 JSON when they do not decode.
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|p| Params(p.0))
            .map_err(|_| ApiError::not_found("没有这个地址"))
    }
}

impl Params {
    /// The parameter `name` (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }
}

/// Which downloads a project offers now.
#[derive(Debug, Serialize)]
pub struct Files {
    /// The DOCX (the data file renders).
    pub docx: bool,
    /// The PDF (the data file renders).
    pub pdf: bool,
    /// The data file (always).
    pub yaml: bool,
    /// The filled workbook (the data file loads).
    pub xlsx: bool,
}

/// `<Project>` (SPEC19).
#[derive(Debug, Serialize)]
pub struct Project {
    /// The id (folder name).
    pub id: String,
    /// The pack the data file names (`template:`).
    pub template: String,
    /// The data file's version.
    pub version: String,
    /// The form (report metadata, findings, recommendations, closing), or null when the
    /// data file cannot be read as one.
    pub form: serde_json::Value,
    /// How many units, when the data loads.
    pub units: Option<usize>,
    /// The pack's unit label, when known.
    pub unit_label: Option<String>,
    /// `check` of the data file.
    pub problems: Vec<Problem>,
    /// Warnings of the render.
    pub warnings: Vec<Problem>,
    /// Notes (of the last upload).
    pub notes: Vec<Problem>,
    /// Downloads available now.
    pub files: Files,
    /// When the data file was last changed (RFC 3339, UTC).
    pub updated: String,
    /// How long the check took on the server (0 when cached), in milliseconds.
    pub server_ms: u64,
}

/// The data file's bytes and version.
pub fn read_data(s: &AppState, dir: &Path) -> Result<(Vec<u8>, String), ApiError> {
    let path = dir.join(DATA_FILE);
    // The data file itself must not lead elsewhere (a symlink to a file outside).
    match std::fs::symlink_metadata(&path) {
        Ok(md) if md.is_file() => {}
        _ => return Err(ApiError::not_found("项目中没有数据文件 survey.yaml")),
    }
    let bytes = crate::fsio::read_data(&path)
        .map_err(|e| ApiError::from_error("无法读取项目的数据文件", &e, &s.workspace))?;
    let v = version_of(&bytes);
    Ok((bytes, v))
}

/// The check of `bytes` (version `version`) of project `id`, from the cache or rendered
/// now (behind the render semaphore). One render per version: a request for a version
/// being rendered waits for that render. A render that does not end within the time
/// limit answers a [`check::Previews::timed_out`] check (no PDF, one problem saying so),
/// never an error: the project stays usable and the render's result is kept when it ends.
///
/// # Errors
/// 500 when the render panicked.
pub async fn checked(
    s: &AppState,
    id: &str,
    dir: &Path,
    bytes: Vec<u8>,
    version: &str,
) -> Result<Arc<Checked>, ApiError> {
    let tdir = s.templates_dir();
    let key = format!("{version}/{}", check::packs_stamp(tdir.as_deref()));
    if let Some(c) = s.previews.get(id, &key) {
        return Ok(c);
    }
    let mut made = None;
    let joined = s.previews.join_or_start(id, &key, || {
        let (tx, rx) = tokio::sync::watch::channel(None);
        made = Some(tx);
        rx
    });
    let mut rx = match (joined, made) {
        (Some(rx), _) => rx,
        (None, Some(tx)) => {
            let rx = tx.subscribe();
            let (st, path, v) = (s.clone(), dir.join(DATA_FILE), version.to_string());
            let (id, key) = (id.to_string(), key.clone());
            tokio::spawn(async move {
                let permit = st.renders.clone().acquire_owned().await;
                let (st2, v2) = (st.clone(), v.clone());
                let task = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    check::check(
                        &path,
                        &bytes,
                        v2,
                        tdir.as_deref(),
                        &st2.fonts,
                        st2.glyphs,
                        &st2.workspace,
                    )
                });
                let c = match task.await {
                    Ok(c) => c,
                    Err(_) => {
                        let mut c = check::Previews::timed_out(&v, st.render_timeout);
                        c.problems = vec![Problem::message(
                            "生成时发生内部错误（程序缺陷），请报告此问题".to_string(),
                        )];
                        c
                    }
                };
                let c = Arc::new(c);
                st.previews.finish(&id, &key, c.clone());
                let _ = tx.send(Some(c));
            });
            rx
        }
        (None, None) => return Err(ApiError::internal("生成任务未能启动")),
    };
    let limit = s.render_timeout;
    let waited = tokio::time::timeout(limit, rx.wait_for(Option::is_some))
        .await
        .map(|r| r.map(|c| c.clone()));
    match waited {
        Ok(Ok(Some(c))) => Ok(c),
        Ok(Err(_)) => Err(ApiError::internal(
            "生成时发生内部错误（程序缺陷），请报告此问题",
        )),
        Ok(Ok(None)) | Err(_) => Ok(Arc::new(check::Previews::timed_out(version, limit))),
    }
}

/// The `<Project>` of `id` now (its data file checked, from the cache when it can be).
pub async fn project(s: &AppState, id: &str, notes: Vec<Problem>) -> Result<Project, ApiError> {
    let dir = project_dir(s, id)?;
    let (bytes, version) = read_data(s, &dir)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let template = template_of(&text);
    let form = super::form::form_json(
        &dir.join(DATA_FILE),
        &text,
        &super::form::slots_of(s, &text),
    );
    let c = checked(s, id, &dir, bytes, &version).await?;
    let ok = c.pdf.is_some();
    // A data file `check` refuses still shows its units and the pack's unit label.
    let units = c.units.or_else(|| {
        serde_yaml::from_str::<serde_yaml::Value>(&text)
            .ok()?
            .get("units")?
            .as_sequence()
            .map(Vec::len)
    });
    let unit_label = c.unit_label.clone().or_else(|| {
        super::packs::resolve(s, &template)
            .ok()
            .map(|p| p.schema.unit_label.clone())
    });
    Ok(Project {
        id: id.to_string(),
        template,
        version,
        form,
        units,
        unit_label,
        problems: c.problems.clone(),
        warnings: c.warnings.clone(),
        notes,
        files: Files {
            docx: ok,
            pdf: ok,
            yaml: true,
            xlsx: c.loads,
        },
        updated: updated(&dir.join(DATA_FILE)),
        server_ms: c.server_ms,
    })
}

/// 409 `{error, current}` when the data file's version is not `base`.
pub async fn conflict(s: &AppState, id: &str) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::CONFLICT,
        "数据文件已在别处修改（另一个标签页、命令行或编辑器），本次修改未保存；请载入最新版本后再改",
    );
    if let Ok(p) = project(s, id, Vec::new()).await {
        let mut m = serde_json::Map::new();
        m.insert(
            "current".into(),
            serde_json::to_value(p).unwrap_or_default(),
        );
        e.extra = Some(m);
    }
    e
}

/// The `template:` of a data file's text (empty when absent or unreadable).
pub fn template_of(text: &str) -> String {
    serde_yaml::from_str::<serde_yaml::Value>(text)
        .map(|v| template_in(&v))
        .unwrap_or_default()
}

/// The `template:` of a data file's parsed top level (empty when absent).
pub fn template_in(top: &serde_yaml::Value) -> String {
    top.get("template")
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .unwrap_or_default()
}

/// A file's modification time as RFC 3339 UTC (`2026-11-30T16:05:09Z`), empty if unknown.
pub fn updated(path: &Path) -> String {
    let Some(secs) = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
    else {
        return String::new();
    };
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => String::new(),
    }
}

/// One line of `GET /api/projects`.
#[derive(Debug, Serialize)]
pub struct Listed {
    /// The id.
    pub id: String,
    /// `report.title`, empty if none.
    pub title: String,
    /// `template:`.
    pub template: String,
    /// RFC 3339 UTC.
    pub updated: String,
    /// How many entries `units:` has (null when unreadable).
    pub units: Option<usize>,
}

/// `GET /api/projects`: every project, most recently changed first.
pub async fn list(State(s): State<AppState>) -> Result<Response, ApiError> {
    let ws = s.workspace.clone();
    let mut out: Vec<Listed> = s
        .blocking(move || {
            let Ok(rd) = std::fs::read_dir(&ws) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for ent in rd.flatten().take(10_000) {
                let id = ent.file_name().to_string_lossy().into_owned();
                let Ok(ft) = ent.file_type() else { continue };
                if !ft.is_dir() || !id_is_safe(&id) {
                    continue;
                }
                let path = ent.path().join(DATA_FILE);
                if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                    continue;
                }
                let Ok(bytes) = crate::fsio::read_data(&path) else {
                    continue;
                };
                let v: Option<serde_yaml::Value> = serde_yaml::from_slice(&bytes).ok();
                let get = |k: &str| v.as_ref().and_then(|v| v.get(k));
                out.push(Listed {
                    title: get("report")
                        .and_then(|r| r.get("title")?.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    template: get("template")
                        .and_then(|t| t.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    units: get("units").and_then(|u| u.as_sequence().map(Vec::len)),
                    updated: updated(&path),
                    id,
                });
            }
            out
        })
        .await?;
    out.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.id.cmp(&b.id)));
    Ok(Json(out).into_response())
}

/// `POST /api/projects` body.
#[derive(Debug, Deserialize)]
pub struct NewProject {
    /// The name the writer typed.
    #[serde(default)]
    pub name: String,
    /// The pack.
    #[serde(default)]
    pub template: String,
}

/// `POST /api/projects {name, template}` → 201 `<Project>`; 409 if it exists; 400 for an
/// empty or unusable name; 422 for an unknown pack.
pub async fn create(
    State(s): State<AppState>,
    JsonIn(req): JsonIn<NewProject>,
) -> Result<Response, ApiError> {
    let name = req.name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("请填写项目名称"));
    }
    if name.chars().count() > 100 {
        return Err(ApiError::bad_request("项目名称太长（最多 100 个字）"));
    }
    let id = crate::safe_name(name);
    if !id_is_safe(&id) {
        return Err(ApiError::bad_request(format!(
            "项目名称“{name}”不能使用，请换一个名称"
        )));
    }
    if req.template.trim().is_empty() {
        return Err(ApiError::bad_request("请选择模板"));
    }
    let lock = s.locks.of(&id);
    let _guard = lock.lock().await;
    let dir = s.workspace.join(&id);
    if std::fs::symlink_metadata(&dir).is_ok() {
        let mut e = ApiError::new(
            StatusCode::CONFLICT,
            format!("项目“{id}”已存在，请直接打开它或换一个名称"),
        );
        if let Ok(p) = project(&s, &id, Vec::new()).await {
            let mut m = serde_json::Map::new();
            m.insert(
                "current".into(),
                serde_json::to_value(p).unwrap_or_default(),
            );
            e.extra = Some(m);
        }
        return Err(e);
    }
    // A workspace pack, named by its folder or by its `name:` (what `GET /api/packs`
    // lists), is referred to by its folder (the data file then says
    // `template: ../templates/FOLDER`); a built-in one by its name.
    let template = req.template.trim().to_string();
    let pack_ref = match s.templates_dir() {
        Some(t) if id_is_safe(&template) && t.join(&template).join("template.yaml").is_file() => {
            t.join(&template).display().to_string()
        }
        Some(t) => match super::packs::resolve(&s, &template) {
            Ok(pack) => match pack.dir {
                Some(d) if d.starts_with(&t) => d.display().to_string(),
                _ => template,
            },
            Err(_) => template,
        },
        None => template,
    };
    let (ws, d2) = (s.workspace.clone(), dir.clone());
    let made = s
        .blocking(move || {
            crate::fsio::create_dir_all(&d2)?;
            let r =
                crate::workflow::init_data_file(Some(d2.join(DATA_FILE)), Some(&pack_ref), false);
            if r.is_err() {
                let _ = std::fs::remove_dir_all(&d2);
            }
            r
        })
        .await?;
    if let Err(e) = made {
        return Err(ApiError::from_error("无法新建项目", &e, &ws));
    }
    let p = project(&s, &id, Vec::new()).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

/// `GET /api/projects/{id}`.
pub async fn get_one(State(s): State<AppState>, p: Params) -> Result<Response, ApiError> {
    let p = project(&s, p.get("id"), Vec::new()).await?;
    Ok(Json(p).into_response())
}

/// `POST …/preview` body.
#[derive(Debug, Deserialize)]
pub struct Based {
    /// The version the page shows.
    #[serde(default)]
    pub base_version: String,
}

/// `POST /api/projects/{id}/preview {base_version}` → `{ok, version, pdf | problems,
/// warnings, server_ms}`; 409 when the data file changed since `base_version`.
pub async fn preview(
    State(s): State<AppState>,
    p: Params,
    JsonIn(req): JsonIn<Based>,
) -> Result<Response, ApiError> {
    let id = p.get("id");
    let dir = project_dir(&s, id)?;
    let t = std::time::Instant::now();
    let (bytes, version) = read_data(&s, &dir)?;
    if !req.base_version.is_empty() && req.base_version != version {
        return Err(conflict(&s, id).await);
    }
    let c = checked(&s, id, &dir, bytes, &version).await?;
    let server_ms = t.elapsed().as_millis() as u64;
    let body = if c.pdf.is_some() {
        serde_json::json!({
            "ok": true,
            "version": version,
            "pdf": format!("/api/projects/{}/preview/{version}.pdf", encode(id)),
            "warnings": c.warnings,
            "server_ms": server_ms,
            "render_ms": c.server_ms,
        })
    } else {
        serde_json::json!({
            "ok": false,
            "version": version,
            "problems": c.problems,
            "warnings": c.warnings,
            "server_ms": server_ms,
            "render_ms": c.server_ms,
        })
    };
    Ok(Json(body).into_response())
}

/// `GET /api/projects/{id}/preview/{version}.pdf`: the cached PDF, or 404.
pub async fn preview_pdf(State(s): State<AppState>, p: Params) -> Result<Response, ApiError> {
    let id = p.get("id");
    project_dir(&s, id)?;
    let version = p.get("file").strip_suffix(".pdf").unwrap_or("");
    let pdf = s
        .previews
        .pdf(id, version)
        .ok_or_else(|| ApiError::not_found("预览已过期，请重新生成"))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
        ],
        pdf.as_ref().clone(),
    )
        .into_response())
}

/// `GET /api/projects/{id}/download/{kind}`, kind ∈ docx, pdf, yaml, xlsx.
pub async fn download(State(s): State<AppState>, p: Params) -> Result<Response, ApiError> {
    let id = p.get("id").to_string();
    let dir = project_dir(&s, &id)?;
    let kind = p.get("kind").to_string();
    let lock = s.locks.of(&id);
    let _guard = lock.lock().await;
    let (bytes, version) = read_data(&s, &dir)?;
    let path = dir.join(DATA_FILE);
    let tdir = s.templates_dir();
    match kind.as_str() {
        "docx" | "pdf" => {
            let st = s.clone();
            let out = dir.join("output");
            let written = s
                .blocking(move || {
                    let (report, rendered) = check::prepare_bytes(
                        &path,
                        &bytes,
                        tdir.as_deref(),
                        &[Format::Docx, Format::Pdf],
                        &st.fonts,
                        st.glyphs,
                    )?;
                    let name = report.name.clone();
                    let files: Vec<(Format, Vec<u8>)> = rendered.outputs.clone();
                    crate::write_report(&report, rendered, &out, false)?;
                    Ok::<_, crate::Error>((name, files))
                })
                .await?;
            let (name, files) = written.map_err(|e| {
                ApiError::from_error("数据文件有问题，无法生成报告", &e, &s.workspace)
            })?;
            let want = if kind == "docx" {
                Format::Docx
            } else {
                Format::Pdf
            };
            let bytes = files
                .into_iter()
                .find(|(f, _)| *f == want)
                .map(|(_, b)| b)
                .unwrap_or_default();
            let ctype = if kind == "docx" {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            } else {
                "application/pdf"
            };
            let _ = version;
            Ok(attachment(&format!("{name}.{kind}"), ctype, bytes))
        }
        "yaml" => {
            let name = match check::build_bytes(&path, &bytes, tdir.as_deref()) {
                Ok((r, _)) => r.name,
                Err(_) => id.clone(),
            };
            Ok(attachment(
                &format!("{name}.yaml"),
                "application/yaml; charset=utf-8",
                bytes,
            ))
        }
        "xlsx" => {
            let ws = s.workspace.clone();
            let made = s
                .blocking(move || {
                    let (survey, pack) = crate::survey::load_bytes(&path, &bytes, tdir.as_deref())?;
                    let figures = crate::stats::compute(&survey, &pack.schema);
                    let name = crate::output_name(&survey.report, &path);
                    let xlsx = crate::sheet::export(&survey, &pack, &figures)?;
                    Ok::<_, crate::Error>((name, xlsx))
                })
                .await?;
            let (name, xlsx) =
                made.map_err(|e| ApiError::from_error("数据文件有问题，无法导出表格", &e, &ws))?;
            Ok(attachment(
                &format!("{name}.xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx,
            ))
        }
        _ => Err(ApiError::not_found(
            "没有这种下载（可下载 docx、pdf、yaml、xlsx）",
        )),
    }
}

/// A download: `Content-Disposition: attachment` with an ASCII fallback name and the UTF-8
/// name (RFC 6266 / RFC 5987).
pub fn attachment(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ascii = if ascii.trim_matches(['_', '.']).is_empty() || ascii.starts_with('.') {
        format!("report.{ext}")
    } else {
        ascii
    };
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encode(name)
    );
    let mut r = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        bytes,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Percent-encoding of everything but unreserved characters (a path segment, RFC 5987).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

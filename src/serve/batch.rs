//! Batch in the browser (SPEC19): `POST /api/batch` takes many files or zips (multipart
//! `files`, repeatable, and `template` for spreadsheets) and starts a job, answering 202
//! `{id, total}`; `GET /api/batch/{id}` tells its progress and failures;
//! `GET /api/batch/{id}/reports.zip` gives every report's DOCX and PDF and `失败清单.txt`.
//!
//! A job is a folder `WORKSPACE/.batch/<id>/` (`data/` the data files, `sheets/` the
//! spreadsheets, `out/` the reports, `reports.zip`), with `<id>` 32 random lowercase hex
//! digits (128 bits: unguessable, and a safe folder name). The job renders as `diaoyan
//! batch` does ([`crate::batch::run`]), spreadsheets imported first as `diaoyan import`
//! does, so each report is byte-identical to the CLI's. Jobs run one at a time, each
//! holding all but one of the render permits (at least one), so previews go on beside
//! a batch. The last [`KEEP`] jobs are kept; older finished ones are deleted, with their
//! folders.
//!
//! Limits: the request body at most `--max-upload-mb` (413), at most `--max-files` files
//! counting zip entries (413), a zip's entries at most 8 × the upload limit in total once
//! inflated (413, see [`intake`]).

pub mod intake;
pub mod results;
pub mod runner;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, Multipart, Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::{ApiError, AppState, Problem};
use runner::Progress;

/// Jobs kept (their status and folder); an older finished job is deleted when a new one
/// starts.
pub const KEEP: usize = 20;

/// The folder of the jobs, under the workspace.
pub const FOLDER: &str = ".batch";

/// The batch jobs of this process (kept in [`super::Shared::batch`]).
pub struct Jobs {
    /// Known jobs, oldest first.
    list: Mutex<VecDeque<Arc<Job>>>,
    /// One job runs at a time.
    turn: Arc<tokio::sync::Semaphore>,
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs {
            list: Mutex::new(VecDeque::new()),
            turn: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }
}

impl Jobs {
    fn get(&self, id: &str) -> Option<Arc<Job>> {
        let list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        list.iter().find(|j| j.id == id).cloned()
    }

    /// Add `job`; forget and delete the oldest finished jobs beyond [`KEEP`], and job
    /// folders left by earlier runs of the server beyond it (oldest first).
    fn add(&self, job: Arc<Job>, root: &Path) {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        list.push_back(job);
        while list.len() > KEEP {
            let Some(i) = list.iter().position(|j| j.finished()) else {
                break;
            };
            if let Some(old) = list.remove(i) {
                let _ = std::fs::remove_dir_all(&old.dir);
            }
        }
        let known: Vec<PathBuf> = list.iter().map(|j| j.dir.clone()).collect();
        drop(list);
        let mut stale: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| !known.contains(p) && p.is_dir())
            .map(|p| {
                let t = std::fs::metadata(&p)
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                (t, p)
            })
            .collect();
        let room = KEEP.saturating_sub(known.len());
        if stale.len() > room {
            stale.sort();
            let excess = stale.len() - room;
            for (_, p) in stale.into_iter().take(excess) {
                let _ = std::fs::remove_dir_all(p);
            }
        }
    }
}

/// One batch job.
struct Job {
    id: String,
    dir: PathBuf,
    progress: Mutex<Progress>,
}

impl Job {
    fn progress(&self) -> Progress {
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn finished(&self) -> bool {
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .finished
    }
}

/// The batch routes, merged into [`super::router`]. The upload route reads its body
/// itself within `--max-upload-mb` (answering 413 in Chinese), so axum's own default
/// body limit is lifted there.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/batch",
            post(create).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/batch/{id}", get(status))
        .route("/api/batch/{id}/reports.zip", get(download))
}

/// The 413 of a body over the upload limit (the security middleware's words, which
/// answer first when the body's length is declared).
fn too_large(state: &AppState) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "上传的文件太大：每次上传最多 {} MB",
            state.limits.max_upload_mb
        ),
    )
}

/// The uploaded files and the chosen pack, read within the upload limit.
struct Upload {
    template: Option<String>,
    files: Vec<(String, Vec<u8>)>,
}

async fn read_upload(
    state: &AppState,
    headers: &HeaderMap,
    mut multipart: Multipart,
) -> Result<Upload, ApiError> {
    let max = state.limits.max_upload_bytes();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large(state));
    }
    let malformed = |e: axum::extract::multipart::MultipartError| {
        ApiError::bad_request(format!("上传的内容无法读取（multipart 格式有误：{e}）"))
    };
    let mut read = 0usize;
    let mut upload = Upload {
        template: None,
        files: Vec::new(),
    };
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            read = read.saturating_add(chunk.len());
            if read > max {
                return Err(too_large(state));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "template" => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| ApiError::bad_request("模板名称不是 UTF-8 文本"))?;
                let text = text.trim().to_string();
                upload.template = (!text.is_empty()).then_some(text);
            }
            "files" | "file" => {
                let Some(file_name) = file_name else {
                    return Err(ApiError::bad_request(
                        "上传的文件没有文件名（files 字段应为文件）",
                    ));
                };
                if upload.files.len() >= state.limits.max_files {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "文件太多：一次批量最多 {} 个（--max-files）",
                            state.limits.max_files
                        ),
                    ));
                }
                upload.files.push((file_name, bytes));
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// The `import --template` argument for the pack named `name`: the workspace pack's
/// folder (`WORKSPACE/templates/<name>`) when there is one, else the name of a built-in
/// pack. A name that is not a plain folder name is no pack (422).
fn pack_arg(state: &AppState, name: &str) -> Result<String, ApiError> {
    let unknown = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "找不到模板“{}”：请从模板列表中选择",
                crate::excerpt::quote(name)
            ),
        )
    };
    if crate::safe_name(name) != name || name.starts_with('.') {
        return Err(unknown());
    }
    if let Some(dir) = state.templates_dir() {
        let pack = dir.join(name);
        if pack.join("template.yaml").is_file() {
            return Ok(pack.display().to_string());
        }
    }
    if crate::survey::list(None).iter().any(|p| p.name == name) {
        return Ok(name.to_string());
    }
    Err(unknown())
}

/// 32 lowercase hex digits from the operating system's random source.
fn new_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::internal("无法取得随机数"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `id` can be a job's id (so never a path of any other shape).
fn valid_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `POST /api/batch`: take the files in, start the job → 202 `{id, total}`.
async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, ApiError> {
    let upload = read_upload(&state, &headers, multipart).await?;
    if upload.files.is_empty() {
        return Err(ApiError::bad_request(
            "没有收到文件：请选择要批量生成的数据文件、表格或 zip 压缩包",
        ));
    }
    let pack = match &upload.template {
        Some(name) => Some(pack_arg(&state, name)?),
        None => None,
    };
    let id = new_id()?;
    let root = state.workspace.join(FOLDER);
    let dir = root.join(&id);
    let limits = intake::Limits {
        max_files: state.limits.max_files,
        max_expanded: state.limits.max_expanded_bytes(),
    };
    let intake_dir = dir.clone();
    let files = upload.files;
    let taken = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&intake_dir)
            .map_err(|_| intake::Refusal::Internal("无法创建批量任务的文件夹".into()))?;
        let mut intake = intake::Intake::new(&intake_dir, limits);
        for (name, bytes) in &files {
            intake.add(name, bytes)?;
        }
        Ok::<_, intake::Refusal>(intake)
    })
    .await
    .map_err(|_| ApiError::internal("读取上传的文件时发生内部错误（程序缺陷），请报告此问题"))?;
    let refuse = |e: ApiError| {
        let _ = std::fs::remove_dir_all(&dir);
        Err(e)
    };
    let intake = match taken {
        Ok(i) => i,
        Err(intake::Refusal::TooLarge(why)) => {
            return refuse(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, why))
        }
        Err(intake::Refusal::Internal(why)) => return refuse(ApiError::internal(why)),
    };
    if intake.files() == 0 {
        return refuse(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "压缩包中没有可处理的文件（应为 {}；隐藏文件和 __MACOSX 已跳过）",
                intake::ACCEPTED
            ),
        ));
    }
    let sheets = intake.inputs.iter().any(|i| i.kind == intake::Kind::Sheet);
    if sheets && pack.is_none() {
        return refuse(ApiError::bad_request(
            "上传表格时请选择模板：表格按所选模板导入为数据文件",
        ));
    }
    let total = intake.files();
    let job = Arc::new(Job {
        id: id.clone(),
        dir: dir.clone(),
        progress: Mutex::new(Progress {
            total,
            ..Progress::default()
        }),
    });
    state.batch.add(Arc::clone(&job), &root);
    tokio::spawn(run_job(state.clone(), job, intake, pack));
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"id": id, "total": total})),
    )
        .into_response())
}

/// Wait for this job's turn and its render permits, then run it on a blocking thread.
async fn run_job(state: AppState, job: Arc<Job>, intake: intake::Intake, pack: Option<String>) {
    let Ok(_turn) = state.batch.turn.clone().acquire_owned().await else {
        return;
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let want = cores.saturating_sub(1).max(1);
    let mut permits = Vec::new();
    if let Ok(p) = state.renders.clone().acquire_owned().await {
        permits.push(p);
    }
    while permits.len() < want {
        match state.renders.clone().try_acquire_owned() {
            Ok(p) => permits.push(p),
            Err(_) => break,
        }
    }
    let threads = permits.len().max(1);
    let worker = Arc::clone(&job);
    let done = tokio::task::spawn_blocking(move || {
        let _permits = permits;
        let work = runner::Work {
            dir: &worker.dir,
            workspace: &state.workspace,
            pack,
            template_dir: state.templates_dir(),
            threads,
            fonts: &state.fonts,
        };
        runner::run(&work, intake, &worker.progress);
    })
    .await;
    if done.is_err() {
        // A panic in the job: what was done stays; the job ends with an error.
        let mut p = job.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.finished = true;
        p.error = Some("批量任务发生内部错误（程序缺陷），请报告此问题".into());
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("找不到这个批量任务（可能已被较新的任务替换，只保留最近 20 个）")
}

fn find(state: &AppState, id: &str) -> Result<Arc<Job>, ApiError> {
    if !valid_id(id) {
        return Err(not_found());
    }
    state.batch.get(id).ok_or_else(not_found)
}

/// `GET /api/batch/{id}`.
async fn status(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let job = find(&state, &id)?;
    let p = job.progress();
    let failures: Vec<serde_json::Value> = p
        .failures
        .iter()
        .map(|f| {
            let problems: Vec<Problem> = f
                .problems
                .iter()
                .map(|d| Problem::from_diagnostic(d, &state.workspace))
                .collect();
            json!({"file": f.file, "error": f.error, "problems": problems})
        })
        .collect();
    let download = p
        .zip
        .as_ref()
        .map(|_| format!("/api/batch/{id}/{}", runner::ZIP));
    Ok(Json(json!({
        "id": id,
        "state": if p.finished { "done" } else { "running" },
        "total": p.total,
        "done": p.done,
        "ok": p.ok,
        "failed": p.failures.len(),
        "failures": failures,
        "download": download,
        "error": p.error,
    }))
    .into_response())
}

/// `GET /api/batch/{id}/reports.zip`.
async fn download(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let job = find(&state, &id)?;
    let p = job.progress();
    let Some(zip) = p.zip else {
        return Err(if p.finished {
            ApiError::internal(p.error.unwrap_or_else(|| "报告压缩包未能生成".into()))
        } else {
            ApiError::new(
                StatusCode::CONFLICT,
                "批量任务尚未完成：完成后才能下载报告压缩包",
            )
        });
    };
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(zip))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"reports.zip\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.zip"
                    .to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(root: &Path, k: usize, finished: bool) -> Arc<Job> {
        let dir = root.join(format!("{k:032x}"));
        std::fs::create_dir_all(&dir).unwrap();
        Arc::new(Job {
            id: format!("{k:032x}"),
            dir,
            progress: Mutex::new(Progress {
                finished,
                ..Progress::default()
            }),
        })
    }

    #[test]
    fn only_the_last_jobs_are_kept_and_running_ones_never_dropped() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path();
        // A folder left by an earlier run of the server.
        std::fs::create_dir_all(root.join("old")).unwrap();
        let jobs = Jobs::default();
        // The first job still runs; the others finished.
        for k in 0..KEEP + 5 {
            jobs.add(job(root, k, k != 0), root);
        }
        let ids: Vec<String> = jobs
            .list
            .lock()
            .unwrap()
            .iter()
            .map(|j| j.id.clone())
            .collect();
        assert_eq!(ids.len(), KEEP);
        assert_eq!(ids[0], format!("{:032x}", 0));
        assert_eq!(ids[1], format!("{:032x}", 6));
        let mut on_disk: Vec<String> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        assert_eq!(on_disk, ids);
        assert!(jobs.get(&format!("{:032x}", 3)).is_none());
        assert!(jobs.get(&format!("{:032x}", 24)).is_some());
    }

    #[test]
    fn ids_are_32_lowercase_hex_digits() {
        assert!(valid_id("0123456789abcdef0123456789abcdef"));
        assert!(!valid_id("0123456789ABCDEF0123456789abcdef"));
        assert!(!valid_id("../../etc/passwd"));
        assert!(!valid_id("0123456789abcdef0123456789abcde"));
        let id = new_id().unwrap();
        assert!(valid_id(&id), "{id}");
    }
}

//! `POST /api/projects/{id}/upload` (multipart `file`, `base_version`): a spreadsheet
//! checked alone (problems by sheet and cell, as `diaoyan import` gives them) and merged
//! into the project's data file, or a YAML data file that replaces it.

use std::path::Path;

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::projects::{conflict, project, project_dir, read_data, template_of, Params, DATA_FILE};
use super::{ApiError, AppState, Problem};

/// The kinds of file an upload may be.
const SHEETS: [&str; 4] = ["xlsx", "xls", "ods", "csv"];

/// A multipart error as the page shows it: 413 with the limit, else 400.
pub fn multipart_error(s: &AppState, e: &axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("上传的文件太大：每次上传最多 {} MB", s.limits.max_upload_mb),
        )
    } else {
        ApiError::bad_request("上传内容不完整或格式不正确，请重新上传")
    }
}

/// The name an uploaded file is stored under: its last path component (either separator),
/// made a safe name, with its extension lowercased; `None` for a kind not accepted.
pub fn stored_name(raw: &str) -> Option<(String, String)> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let (stem, ext) = base.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    if !SHEETS.contains(&ext.as_str()) && ext != "yaml" && ext != "yml" {
        return None;
    }
    let stem = crate::safe_name(stem);
    Some((format!("{stem}.{ext}"), ext))
}

/// `POST /api/projects/{id}/upload`.
pub async fn upload(
    State(s): State<AppState>,
    p: Params,
    mut mp: Multipart,
) -> Result<Response, ApiError> {
    let id = p.get("id").to_string();
    let dir = project_dir(&s, &id)?;
    let mut base_version = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = mp.next_field().await.map_err(|e| multipart_error(&s, &e))? {
        match field.name().unwrap_or("") {
            "base_version" => {
                base_version = field.text().await.map_err(|e| multipart_error(&s, &e))?;
            }
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|e| multipart_error(&s, &e))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let Some((raw_name, bytes)) = file else {
        return Err(ApiError::bad_request("请选择要上传的文件"));
    };
    let Some((name, ext)) = stored_name(&raw_name) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "只能上传 xlsx、xls、ods、csv 表格或 yaml 数据文件",
        ));
    };
    let lock = s.locks.of(&id);
    let guard = lock.lock().await;
    let (data, version) = read_data(&s, &dir)?;
    if base_version != version {
        drop(guard);
        return Err(conflict(&s, &id).await);
    }
    let uploads = dir.join("uploads");
    let stored = uploads.join(&name);
    crate::write_file(&stored, &bytes)
        .map_err(|e| ApiError::from_error("无法保存上传的文件", &e, &s.workspace))?;
    let data_path = dir.join(DATA_FILE);
    let st = s.clone();
    let merged = s
        .blocking(move || merge(&st, &stored, &ext, &data_path, &data))
        .await?;
    let (text, notes) = merged
        .map_err(|e| ApiError::from_error("上传的文件有问题，数据文件未改动", &e, &s.workspace))?;
    crate::write_file(&dir.join(DATA_FILE), text.as_bytes())
        .map_err(|e| ApiError::from_error("无法保存数据文件", &e, &s.workspace))?;
    drop(guard);
    let notes: Vec<Problem> = notes
        .iter()
        .map(|d| Problem::from_diagnostic(d, &s.workspace))
        .collect();
    let p = project(&s, &id, notes).await?;
    Ok(Json(p).into_response())
}

/// The new data file text and the notes: a spreadsheet merged into `data` (the text of
/// `data_path`), or an uploaded YAML data file (which must name a pack that exists).
fn merge(
    s: &AppState,
    stored: &Path,
    ext: &str,
    data_path: &Path,
    data: &[u8],
) -> crate::Result<(String, Vec<crate::Diagnostic>)> {
    let tdir = s.templates_dir();
    if ext == "yaml" || ext == "yml" {
        // Decoded and read as `diaoyan check` reads a data file, so an undecodable file or
        // a YAML syntax error is told in the CLI's words, at its line (attacker F1).
        let text = crate::survey::read_text(stored)?;
        let Ok(top) = serde_yaml::from_str::<serde_yaml::Value>(&text) else {
            // Not YAML at all: the loader's message, at its line.
            crate::survey::load_bytes(stored, text.as_bytes(), tdir.as_deref())?;
            return Err(crate::Error::input(crate::Diagnostic::new(
                stored,
                "数据文件不是有效的 YAML",
            )));
        };
        let template = super::projects::template_in(&top);
        if template.is_empty() {
            return Err(crate::Error::input(crate::Diagnostic::new(
                stored,
                "这不是 diaoyan 的数据文件：缺少 template:（模板名称）",
            )));
        }
        crate::survey::Pack::resolve(&template, tdir.as_deref(), data_path)?;
        return Ok((text, Vec::new()));
    }
    let text = String::from_utf8_lossy(data).into_owned();
    let pack = crate::survey::Pack::resolve(&template_of(&text), tdir.as_deref(), data_path)?;
    crate::workflow::merge_spreadsheet(stored, &pack, (data_path, &text))
}

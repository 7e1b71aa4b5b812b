//! The writer's form of a project (`PUT /api/projects/{id}/form`) and the Markdown preview
//! of one prose text (`POST /api/markdown`), on `survey::edit`'s `read_form`/`write_form`.

use std::path::Path;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::projects::{self, conflict, project, project_dir, read_data, JsonIn, Params, DATA_FILE};
use super::{ApiError, AppState, Problem, MAX_FIELD_CHARS};
use crate::survey::edit::{read_form_facts, write_form_named, Form};
use crate::survey::skeleton::{fact_slots, FactSlot};

/// The fact slots of the pack a data file names (`template:`), none when it cannot be
/// resolved.
pub fn slots_of(s: &AppState, text: &str) -> Vec<FactSlot> {
    super::packs::resolve(s, &projects::template_of(text))
        .map(|p| fact_slots(&p))
        .unwrap_or_default()
}

/// The form of a data file's text as JSON (with one fact per slot of `slots`), or null
/// when the text cannot be read as one (its problems then show among the project's).
pub fn form_json(path: &Path, text: &str, slots: &[FactSlot]) -> serde_json::Value {
    read_form_facts(path, text, slots)
        .ok()
        .and_then(|f| serde_json::to_value(f).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// `PUT …/form` body.
#[derive(Debug, Deserialize)]
pub struct FormIn {
    /// The version the form was based on.
    #[serde(default)]
    pub base_version: String,
    /// The form.
    pub form: Form,
}

/// The longest text of `form`, in characters, if it exceeds [`MAX_FIELD_CHARS`].
fn too_long(form: &Form) -> Option<usize> {
    let r = &form.report;
    let items = form.findings.iter().chain(&form.recommendations);
    [
        &r.title,
        &r.subtitle,
        &r.region,
        &r.period,
        &r.organisation,
        &r.author,
        &r.date,
        &r.output,
        &form.closing,
    ]
    .into_iter()
    .chain(items.flat_map(|i| [&i.title, &i.topic, &i.text]))
    .chain(form.facts.iter().map(|f| &f.value))
    .map(|t| t.chars().count())
    .find(|&n| n > MAX_FIELD_CHARS)
}

/// `PUT /api/projects/{id}/form {base_version, form}`: the form written into survey.yaml
/// (every other line kept) → 200 `<Project>`; 409 when the file changed since
/// `base_version`; 400 for a text over 200 000 characters; 422 when the form cannot be
/// written.
pub async fn put_form(
    State(s): State<AppState>,
    p: Params,
    JsonIn(req): JsonIn<FormIn>,
) -> Result<Response, ApiError> {
    let id = p.get("id").to_string();
    let dir = project_dir(&s, &id)?;
    if let Some(n) = too_long(&req.form) {
        return Err(ApiError::bad_request(format!(
            "文字太长（{n} 字）：每一栏最多 {MAX_FIELD_CHARS} 字"
        )));
    }
    let lock = s.locks.of(&id);
    let guard = lock.lock().await;
    let (bytes, version) = read_data(&s, &dir)?;
    if req.base_version != version {
        drop(guard);
        return Err(conflict(&s, &id).await);
    }
    let path = dir.join(DATA_FILE);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    // Facts: only the pack's slots, labelled by the pack (not by the client).
    let mut form = req.form;
    let slots = slots_of(&s, &text);
    form.facts = slots
        .iter()
        .filter_map(|slot| {
            let sent = form.facts.iter().find(|f| f.path == slot.path)?;
            Some(crate::survey::edit::FormFact {
                path: slot.path.clone(),
                label: slot.label.clone(),
                unit: slot.unit.clone(),
                value: sent.value.clone(),
            })
        })
        .collect();
    let written = write_form_named(&path, &text, &form)
        .map_err(|e| ApiError::from_error("无法保存表单", &e, &s.workspace))?;
    if written != text {
        crate::write_file(&path, written.as_bytes())
            .map_err(|e| ApiError::from_error("无法保存数据文件", &e, &s.workspace))?;
    }
    drop(guard);
    let p = project(&s, &id, Vec::new()).await?;
    Ok(Json(p).into_response())
}

/// `POST /api/markdown` body.
#[derive(Debug, Deserialize)]
pub struct MarkdownIn {
    /// The writer's Markdown.
    #[serde(default)]
    pub text: String,
}

/// `POST /api/markdown {text}` → `{html, problems}`: the text as HTML with no raw HTML
/// passed (comrak's safe rendering: raw HTML omitted, dangerous link targets dropped), and
/// what `check` would refuse in it (headings, raw HTML, links, …) with the CLI's messages
/// and their line within the text.
pub async fn markdown(
    State(_s): State<AppState>,
    JsonIn(req): JsonIn<MarkdownIn>,
) -> Result<Response, ApiError> {
    if req.text.chars().count() > MAX_FIELD_CHARS {
        return Err(ApiError::bad_request(format!(
            "文字太长：每一栏最多 {MAX_FIELD_CHARS} 字"
        )));
    }
    let options = crate::survey::prose_markdown_options();
    let html = comrak::markdown_to_html(&req.text, &options);
    let problems: Vec<Problem> = crate::survey::prose_markdown_problems(&req.text)
        .into_iter()
        .map(|(line, message)| {
            let d = crate::Diagnostic::new("", message).at(Some(line), None);
            let mut p = Problem::from_diagnostic(&d, Path::new(""));
            p.text = d.message.clone();
            p
        })
        .collect();
    let _ = projects::DATA_FILE;
    Ok(Json(serde_json::json!({ "html": html, "problems": problems })).into_response())
}

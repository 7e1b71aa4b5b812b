//! `GET /api/packs`: the template packs (built-in and `WORKSPACE/templates`), and
//! `GET /api/packs/{pack}/form.xlsx`: a pack's empty form workbook.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::projects::Params;
use super::{ApiError, AppState};
use crate::survey::Pack;

/// One pack as the page lists it.
#[derive(Debug, Serialize)]
pub struct PackJson {
    /// The pack's name (what a data file's `template:` names).
    pub name: String,
    /// Where it comes from (`<内置>` or its folder, relative to the workspace).
    pub origin: String,
    /// How many fields its schema declares.
    pub fields: usize,
    /// Its one-line description.
    pub description: String,
    /// What a unit is called (`社区`), when the pack loads.
    pub unit_label: Option<String>,
    /// Why it cannot be used, if it cannot.
    pub problem: Option<String>,
}

/// The pack named `name`, as a render in the workspace finds it.
pub fn resolve(s: &AppState, name: &str) -> crate::Result<Pack> {
    let tdir = s.templates_dir();
    Pack::resolve(name, tdir.as_deref(), &s.workspace.join("survey.yaml"))
}

/// `GET /api/packs`.
pub async fn list(State(s): State<AppState>) -> Result<Response, ApiError> {
    let st = s.clone();
    let out = s
        .blocking(move || {
            let tdir = st.templates_dir();
            crate::survey::list(tdir.as_deref())
                .into_iter()
                .map(|p| {
                    let unit_label = p
                        .problem
                        .is_none()
                        .then(|| resolve(&st, &p.name).ok())
                        .flatten()
                        .map(|pack| pack.schema.unit_label.clone());
                    PackJson {
                        origin: super::strip_workspace(&p.origin, &st.workspace),
                        problem: p
                            .problem
                            .map(|why| super::strip_workspace(&why, &st.workspace)),
                        name: p.name,
                        fields: p.fields,
                        description: p.description,
                        unit_label,
                    }
                })
                .collect::<Vec<_>>()
        })
        .await?;
    Ok(Json(out).into_response())
}

/// `GET /api/packs/{pack}/form.xlsx`: the pack's empty form workbook, as
/// `<pack>-表格.xlsx`.
pub async fn form_xlsx(State(s): State<AppState>, p: Params) -> Result<Response, ApiError> {
    let name = p.get("pack").to_string();
    if name.is_empty() || name.contains(['/', '\\', '\0']) || name.starts_with('.') {
        return Err(ApiError::not_found("没有这个模板"));
    }
    let st = s.clone();
    let n2 = name.clone();
    let made = s
        .blocking(move || {
            let pack = resolve(&st, &n2)?;
            crate::sheet::form_workbook(&pack)
        })
        .await?;
    let bytes = made.map_err(|e| match e {
        crate::Error::Render(_) => ApiError::internal("无法生成表格"),
        _ => ApiError::not_found("没有这个模板"),
    })?;
    Ok(super::projects::attachment(
        &format!("{}-表格.xlsx", crate::safe_name(&name)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

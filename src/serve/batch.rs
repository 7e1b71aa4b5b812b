//! `POST /api/batch`, `GET /api/batch/{id}`, `GET /api/batch/{id}/reports.zip` (owned by
//! batch19; this is serve19's stub).

use axum::Router;

use super::AppState;

/// The batch jobs of this process (kept in [`super::Shared::batch`]); batch19 fills it.
#[derive(Default)]
pub struct Jobs {}

/// The batch routes, merged into [`super::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
}

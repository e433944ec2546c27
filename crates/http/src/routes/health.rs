//! Liveness and readiness.

use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/v1/health/live", tag = "health",
    responses((status = 200, description = "the process answers", body = Health)))]
pub async fn get_live() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/v1/health/ready", tag = "health",
    responses((status = 200, description = "the database answers", body = Health),
        (status = 503, description = "`unavailable`: the database does not answer")))]
pub async fn get_ready(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state
        .services
        .health
        .ready()
        .await
        .map_err(|_| ApiError::unavailable())?;
    Ok(Json(Health { status: "ok" }))
}

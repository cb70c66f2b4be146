use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`: a server that cannot reach its database answers 500.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// Alive and able to reach its database.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "Alive and reaching the database", body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.store().ping().await?;
    Ok(Json(Health {
        status: "ok",
        database: state.store().backend(),
    }))
}

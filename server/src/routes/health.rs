use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::state::AppState;

/// Alive and able to reach its database.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "Alive and reaching the database")))]
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.store().ping().await?;
    Ok(Json(
        json!({ "status": "ok", "database": state.store().backend() }),
    ))
}

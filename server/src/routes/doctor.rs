//! Stored rows the service cannot read, for admins (as `salama doctor`).

use axum::Json;
use axum::extract::State;
use salama_shared::api::ErrorBody;

use crate::auth::{Caller, Role};
use crate::doctor::{self, Checkup};
use crate::error::ApiResult;
use crate::state::AppState;

/// Reads every stored submission and fact row as the service does and
/// lists those it skips (by submission id, never with answers).
#[utoipa::path(get, path = "/api/doctor", tag = "audit", security(("token" = []), ("session" = [])), responses((status = 200, description = "What was read and what could not be", body = Checkup), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn checkup(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Checkup>> {
    caller.require(&[Role::Admin])?;
    Ok(Json(doctor::examine(state.store()).await?))
}

//! The audit log, for admins.

use axum::Json;
use axum::extract::State;
use salama_shared::api::ErrorBody;

use crate::auth::{Caller, Role};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::AuditEntry;

/// The latest 500 entries, newest first.
#[utoipa::path(get, path = "/api/audit", tag = "audit", security(("token" = []), ("session" = [])), responses((status = 200, description = "Latest audit entries", body = Vec<AuditEntry>), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn recent(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    caller.require(&[Role::Admin])?;
    Ok(Json(state.store().recent_audit(500).await?))
}

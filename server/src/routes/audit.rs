//! The audit log, for admins: searched by who, what and when, as JSON or
//! as a CSV to keep.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use salama_shared::api::ErrorBody;
use salama_shared::audit::Query as AuditQuery;
use salama_shared::csv_cell::neutralise;

use super::params::{Params, download};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::AuditEntry;

/// The search the parameters ask for, after checking the caller: what both
/// endpoints do first.
async fn search(state: &AppState, caller: &Caller, params: &Params) -> ApiResult<Vec<AuditEntry>> {
    caller.require(&[Role::Admin])?;
    let query = AuditQuery::parse(params).map_err(|errors| {
        ApiError::invalid(format!("{} invalid parameter(s)", errors.len()), errors)
    })?;
    Ok(state.store().search_audit(&query).await?)
}

/// Entries newest first: by default the latest 500; `who`, `action`,
/// `from`, `to` narrow them and `limit` (at most 10,000) sets how many.
#[utoipa::path(get, path = "/api/audit", tag = "audit", security(("token" = []), ("session" = [])), responses((status = 200, description = "The entries found, newest first", body = Vec<AuditEntry>), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 422, description = "Every invalid parameter", body = ErrorBody)))]
pub async fn recent(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(search(&state, &caller, &params).await?))
}

/// The same search as a CSV file (`at,actor,action,detail`). Actors and
/// details hold text from outside (typed login names, device labels), so
/// every cell is neutralised against formula injection.
#[utoipa::path(get, path = "/api/audit.csv", tag = "audit", security(("token" = []), ("session" = [])), responses((status = 200, description = "The entries found, newest first", body = String, content_type = "text/csv"), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 422, description = "Every invalid parameter", body = ErrorBody)))]
pub async fn csv(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let entries = search(&state, &caller, &params).await?;
    let write = || -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(["at", "actor", "action", "detail"])?;
        for entry in &entries {
            let cells = [
                entry.at.as_str(),
                &entry.actor,
                &entry.action,
                &entry.detail,
            ]
            .map(neutralise);
            writer.write_record(cells.iter().map(|cell| cell.as_bytes()))?;
        }
        writer
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    };
    let body = write().map_err(|e| anyhow::anyhow!("writing the audit log: {e}"))?;
    // Exporting the log is itself worth a line in it.
    state
        .store()
        .audit(
            &caller.name,
            "audit_exported",
            &format!("{} entr(y/ies)", entries.len()),
        )
        .await?;
    Ok(download(body, "text/csv; charset=utf-8", "audit.csv"))
}

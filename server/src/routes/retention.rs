//! A survey's retention date (DOMAIN §5): read by the survey team, set by
//! an admin. The date is the last day the raw data is kept; the day after,
//! the survey takes no more answers and its raw data is destroyed
//! (`crate::retention`).

use axum::Json;
use axum::extract::{Path, State};
use salama_shared::api::ErrorBody;
use salama_shared::retention::{self, Retention, RetentionSetting};

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::state::AppState;
use crate::store::today;

/// The survey's retention date and where it stands today: not set, kept,
/// within the warning period (30 days), or passed and destroyed, with what
/// the destruction removed.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/retention", tag = "surveys", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The retention date and its standing today", body = Retention), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
) -> ApiResult<Json<Retention>> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    state.survey(&survey_id, None).await?;
    let stored = state.store().retention(&survey_id).await?;
    Ok(Json(crate::retention::reported(stored.as_ref(), today())))
}

/// Sets or moves the last day the survey's raw data is kept (`YYYY-MM-DD`,
/// UTC), audited: today or later, within 50 years. Moving a passed date
/// later opens the survey to answers again; what was destroyed stays
/// destroyed.
#[utoipa::path(put, path = "/api/surveys/{survey_id}/retention", tag = "surveys", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)), request_body = RetentionSetting,
    responses((status = 200, description = "The retention date as set, and its standing today", body = Retention), (status = 400, description = "Not JSON", body = ErrorBody), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody), (status = 422, description = "Not a date, passed, or too far: the problem at `retain_until`", body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: JsonBody<RetentionSetting>,
) -> ApiResult<Json<Retention>> {
    caller.require(&[Role::Admin])?;
    state.survey(&survey_id, None).await?;
    let today = today();
    let retain_until = retention::new_date(&body.value.retain_until, today)
        .map_err(|problem| ApiError::invalid(problem.message.clone(), [problem]))?;
    state
        .store()
        .set_retention(&survey_id, retain_until, &caller.name)
        .await?;
    let stored = state.store().retention(&survey_id).await?;
    Ok(Json(crate::retention::reported(stored.as_ref(), today)))
}

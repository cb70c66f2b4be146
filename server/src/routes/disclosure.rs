//! A survey's disclosure policy (DOMAIN §4): read by the survey team, set
//! by an admin, every version kept and audited. The aggregates query is
//! checked against it (`salama_shared::aggregate::Query::policy_problems`)
//! and the weights upload against its weight ratio.

use axum::Json;
use axum::extract::{Path, State};
use salama_shared::api::ErrorBody;
use salama_shared::disclosure::{DisclosurePolicy, SurveyDisclosure, survey_area_levels};

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::state::AppState;

/// The survey's disclosure policy in force (the defaults until an admin
/// sets one), its version, who set it and when, and the versions before.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/disclosure", tag = "surveys", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The policy in force and its history", body = SurveyDisclosure), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
) -> ApiResult<Json<SurveyDisclosure>> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    let published = state.survey(&survey_id, None).await?;
    let levels = survey_area_levels(published.survey);
    Ok(Json(reported(&state, &survey_id, levels).await?))
}

/// Sets the survey's disclosure policy as a new version, audited
/// (`disclosure_policy_set`, each change old → new). Every field is
/// required; each problem is listed at its field, the survey's own bound
/// (its deepest area level) included.
#[utoipa::path(put, path = "/api/surveys/{survey_id}/disclosure", tag = "surveys", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)), request_body = DisclosurePolicy,
    responses((status = 200, description = "The policy as set, with its history", body = SurveyDisclosure), (status = 400, description = "Not JSON", body = ErrorBody), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody), (status = 422, description = "Out of bounds: every problem at its field", body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: JsonBody<DisclosurePolicy>,
) -> ApiResult<Json<SurveyDisclosure>> {
    caller.require(&[Role::Admin])?;
    let published = state.survey(&survey_id, None).await?;
    let policy = body.value;
    let problems = policy.problems_for(published.survey);
    if !problems.is_empty() {
        return Err(ApiError::invalid(
            format!("{} problem(s) with the policy", problems.len()),
            problems,
        ));
    }
    state
        .store()
        .set_disclosure_policy(&survey_id, &policy, &caller.name)
        .await?;
    let levels = survey_area_levels(published.survey);
    Ok(Json(reported(&state, &survey_id, levels).await?))
}

async fn reported(
    state: &AppState,
    survey_id: &str,
    survey_area_levels: u8,
) -> ApiResult<SurveyDisclosure> {
    let current = state.store().current_disclosure_policy(survey_id).await?;
    let history = state.store().disclosure_history(survey_id).await?;
    Ok(SurveyDisclosure {
        survey_id: survey_id.to_owned(),
        policy: current.policy,
        version: current.version,
        set_by: current.set_by,
        set_at: current.set_at,
        survey_area_levels,
        history,
    })
}

//! Releases (issue 18): analysts and admins choose the tables shown on the
//! survey's public results page (`/results/{survey_id}`, `routes::results`).
//! A release is checked against the survey and its disclosure policy;
//! editing one stores a new version, withdrawing one takes it off the page
//! at once; each is audited.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use salama_shared::api::ErrorBody;
use salama_shared::release::{MAX_LIVE_RELEASES, Release, ReleaseList, ReleaseSpec};

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::state::AppState;

/// Who may release a table or withdraw one.
const STAFF: &[Role] = &[Role::Analyst, Role::Admin];

/// The latest version of each of the survey's releases, live or withdrawn.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/releases", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The releases, newest first", body = ReleaseList), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
) -> ApiResult<Json<ReleaseList>> {
    caller.require(STAFF)?;
    state.survey(&survey_id, None).await?;
    let releases = state.store().releases(&survey_id).await?;
    Ok(Json(ReleaseList {
        public_page: format!("/results/{survey_id}"),
        releases,
    }))
}

/// Releases a table: shown on the public page at once, audited
/// (`release_published`).
#[utoipa::path(post, path = "/api/surveys/{survey_id}/releases", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)), request_body = ReleaseSpec,
    responses((status = 201, description = "Released: its first version", body = Release), (status = 400, description = "Not JSON, or an unknown field", body = ErrorBody), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 409, description = "The survey has as many live releases as it may", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody), (status = 422, description = "Every problem at its field", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: JsonBody<ReleaseSpec>,
) -> ApiResult<(StatusCode, Json<Release>)> {
    caller.require(STAFF)?;
    checked(&state, &survey_id, &body.value).await?;
    let live = state
        .store()
        .releases(&survey_id)
        .await?
        .iter()
        .filter(|release| release.live())
        .count();
    if live >= MAX_LIVE_RELEASES {
        return Err(ApiError::Conflict(format!(
            "the survey has {MAX_LIVE_RELEASES} live releases, the most it may: withdraw one first"
        )));
    }
    let release = state
        .store()
        .publish_release(&survey_id, None, &body.value, &caller.name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a new release was not stored"))?;
    Ok((StatusCode::CREATED, Json(release)))
}

/// Every version of one release, latest first.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/releases/{release_id}", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path), ("release_id" = u32, Path)),
    responses((status = 200, description = "Its versions, latest first", body = Vec<Release>), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey or release", body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path((survey_id, release_id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<Release>>> {
    caller.require(STAFF)?;
    state.survey(&survey_id, None).await?;
    let release_id = number(&release_id)?;
    let versions = state
        .store()
        .release_history(&survey_id, release_id)
        .await?;
    if versions.is_empty() {
        return Err(no_release(release_id));
    }
    Ok(Json(versions))
}

/// Edits a release: its next version replaces it on the public page (live
/// again if it had been withdrawn), the earlier ones are kept; audited.
#[utoipa::path(put, path = "/api/surveys/{survey_id}/releases/{release_id}", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path), ("release_id" = u32, Path)), request_body = ReleaseSpec,
    responses((status = 200, description = "Its new version", body = Release), (status = 400, description = "Not JSON, or an unknown field", body = ErrorBody), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey or release", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody), (status = 422, description = "Every problem at its field", body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path((survey_id, release_id)): Path<(String, String)>,
    body: JsonBody<ReleaseSpec>,
) -> ApiResult<Json<Release>> {
    caller.require(STAFF)?;
    let release_id = number(&release_id)?;
    checked(&state, &survey_id, &body.value).await?;
    let release = state
        .store()
        .publish_release(&survey_id, Some(release_id), &body.value, &caller.name)
        .await?
        .ok_or_else(|| no_release(release_id))?;
    Ok(Json(release))
}

/// Takes a release off the public page at once (every server reads the
/// releases from the database for each page), audited
/// (`release_withdrawn`). Withdrawing it again changes nothing.
#[utoipa::path(post, path = "/api/surveys/{survey_id}/releases/{release_id}/withdraw", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path), ("release_id" = u32, Path)),
    responses((status = 200, description = "The release as it now stands: withdrawn", body = Release), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey or release", body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path((survey_id, release_id)): Path<(String, String)>,
) -> ApiResult<Json<Release>> {
    caller.require(STAFF)?;
    state.survey(&survey_id, None).await?;
    let release_id = number(&release_id)?;
    let release = state
        .store()
        .withdraw_release(&survey_id, release_id, &caller.name)
        .await?
        .ok_or_else(|| no_release(release_id))?;
    Ok(Json(release))
}

/// The spec checked against the survey's latest version and its policy.
async fn checked(state: &AppState, survey_id: &str, spec: &ReleaseSpec) -> ApiResult<()> {
    let published = state.survey(survey_id, None).await?;
    let policy = crate::results::policy(state, survey_id).await?;
    spec.check(published.survey, &policy)
        .map(|_| ())
        .map_err(|problems| {
            ApiError::invalid(
                format!("{} problem(s) with the release", problems.len()),
                problems,
            )
        })
}

/// A release's number from the path; anything else names no release.
fn number(text: &str) -> ApiResult<u32> {
    text.parse::<u32>()
        .ok()
        .filter(|n| *n > 0 && text.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no release `{}`",
                salama_shared::text::shown(text, 20)
            ))
        })
}

fn no_release(release_id: u32) -> ApiError {
    ApiError::NotFound(format!("no release {release_id} of this survey"))
}

//! Household visits (completed, refused, no one home, vacant…) sent by the
//! field app through the same outbox as interviews, and the response rates
//! computed from them (`salama_shared::response_rate`). Counts and codes
//! only: no answer is read or stored here.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use salama_shared::api::ErrorBody;
use salama_shared::response_rate::{ResponseRates, response_rates};
use salama_shared::validate::{Limits, message_for};
use salama_shared::visit::{self, Visit, VisitReceipt};
use salama_shared::words::{Key, ServerWord};
use sha2::{Digest, Sha256};

use super::params::field;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult, ErrorField};
use crate::json::JsonBody;
use crate::state::AppState;
use crate::store::VisitStored;

/// One visit to a sampled household of a cluster assigned to the sending
/// enumerator. 201 when stored, 200 with the same receipt for a resend,
/// 409 when the id is taken by another visit, 422 with every problem.
#[utoipa::path(post, path = "/api/surveys/{survey_id}/visits", tag = "fieldwork", security(("token" = [])),
    params(("survey_id" = String, Path)), request_body = Visit,
    responses((status = 201, description = "Stored; the receipt", body = VisitReceipt), (status = 200, description = "Stored before; the same receipt", body = VisitReceipt), (status = 400, description = "Not JSON", body = ErrorBody), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an enumerator", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 409, description = "Id taken by another visit (`conflict`), or the survey's retention date has passed (`survey_closed`)", body = ErrorBody), (status = 413, description = "Body too large", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody), (status = 422, description = "Every problem, by field", body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: JsonBody<Visit>,
) -> ApiResult<(StatusCode, Json<VisitReceipt>)> {
    caller.require(&[Role::Enumerator])?;
    let mut visit = body.value;
    let published = state.survey(&survey_id, None).await?;
    crate::retention::check_open(state.store(), &survey_id).await?;
    let survey = published.survey;
    let message = |code, max: Option<usize>| {
        message_for(
            survey,
            code,
            &survey.default_language,
            Limits {
                min: None,
                max: max.map(|max| max as f64),
            },
        )
    };
    let mut problems: Vec<ErrorField> = Vec::new();
    if visit.survey_id != survey_id {
        problems.push(field(
            "survey_id",
            salama_shared::FieldErrorCode::SurveyMismatch.as_str(),
            format!("expected `{}`", survey_id.escape_debug()),
        ));
    }
    match &visit.enumerator_id {
        None => visit.enumerator_id = Some(caller.name.clone()),
        Some(named) if *named == caller.name => {}
        Some(_) => problems.push(field(
            "enumerator_id",
            "not_the_sender",
            ServerWord::OtherEnumerator.in_language(&survey.default_language),
        )),
    }
    for problem in visit::check(&visit, now_unix_seconds()) {
        problems.push(field(
            problem.path,
            problem.code.as_str(),
            message(problem.code, problem.max),
        ));
    }
    if problems.is_empty() && !assigned(&state, &caller.name, &visit).await? {
        problems.push(field(
            "cluster_id",
            "cluster_not_assigned",
            ServerWord::ClusterNotAssigned.in_language(&survey.default_language),
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(
            format!("{} problem(s) in the visit", problems.len()),
            problems,
        ));
    }
    let content =
        serde_json::to_vec(&visit).map_err(|e| anyhow::anyhow!("writing a visit back out: {e}"))?;
    let content_sha256 = hex::encode(Sha256::digest(&content));
    let receipt = |received_at| VisitReceipt {
        visit_id: visit.visit_id,
        received_at,
    };
    match state
        .store()
        .insert_visit(&visit, &caller.name, &content_sha256)
        .await?
    {
        VisitStored::New(at) => {
            tracing::info!(visit = %visit.visit_id, survey = %survey_id, outcome = visit.outcome.as_str(), "visit stored");
            Ok((StatusCode::CREATED, Json(receipt(at))))
        }
        VisitStored::Duplicate(at) => Ok((StatusCode::OK, Json(receipt(at)))),
        VisitStored::Conflict => Err(ApiError::Conflict(format!(
            "visit {} was already received with different content; it was not changed",
            visit.visit_id
        ))),
    }
}

/// A visit is made in a cluster the enumerator is assigned for this survey
/// (a cluster unknown to the survey is assigned to nobody); a resend of one
/// stored before the cluster moved is still acknowledged.
async fn assigned(state: &AppState, enumerator: &str, visit: &Visit) -> ApiResult<bool> {
    let assigned = state
        .store()
        .assignments_of(enumerator)
        .await?
        .into_iter()
        .any(|assignment| {
            assignment.survey_id == visit.survey_id && assignment.cluster_id == visit.cluster_id
        });
    Ok(assigned || state.store().visit_stored(visit.visit_id).await?)
}

fn now_unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(i64::MAX, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}

/// The survey's response rates from every visit recorded: AAPOR RR1 and
/// RR3 at the household and the individual level, the DHS/MICS household,
/// individual and overall rates, for the survey, each cluster and each
/// enumerator. Counts only. A supervisor gets the rates of their own
/// team: the clusters given to their enumerators and the visits those
/// enumerators made, and "survey" then means the team's part of it.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/response-rates", tag = "fieldwork", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The rates", body = ResponseRates), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin, analyst or supervisor", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn rates(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
) -> ApiResult<Json<ResponseRates>> {
    caller.require(&[Role::Admin, Role::Analyst, Role::Supervisor])?;
    state.survey(&survey_id, None).await?;
    let mut visits = state.store().survey_visits(&survey_id).await?;
    if caller.role == Role::Supervisor {
        let team = state.store().team(&caller.name).await?;
        let clusters: std::collections::HashSet<String> = state
            .store()
            .assignments_for(&survey_id)
            .await?
            .into_iter()
            .filter(|assignment| team.contains(&assignment.enumerator))
            .map(|assignment| assignment.cluster_id)
            .collect();
        // A household counts whole or not at all: those of the team's
        // clusters, and those elsewhere a team member visited, with every
        // visit each had, whoever made it.
        let households: std::collections::HashSet<(String, String)> = visits
            .iter()
            .filter(|visit| {
                clusters.contains(&visit.cluster_id) || team.contains(&visit.enumerator)
            })
            .map(|visit| (visit.cluster_id.clone(), visit.household.clone()))
            .collect();
        visits.retain(|visit| {
            households.contains(&(visit.cluster_id.clone(), visit.household.clone()))
        });
    }
    Ok(Json(response_rates(&visits)))
}

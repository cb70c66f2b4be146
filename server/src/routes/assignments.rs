//! Who interviews where: admins give enumerators clusters (with stratum and
//! area); a device fetches its enumerator's assignments while online and
//! keeps them for the days it is not.

use axum::Json;
use axum::extract::{Path, State};
use salama_shared::api::ErrorBody;
use salama_shared::api::ErrorField;
use salama_shared::text::is_envelope_code;
use serde::{Deserialize, Serialize};

use super::params::{CODE_RULE, field, quoted};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::UnreadJson;
use crate::state::AppState;
use crate::store::Assignment;

/// One assignment as an admin sends it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    pub enumerator: String,
    pub cluster_id: String,
    #[serde(default)]
    pub stratum: Option<String>,
    #[serde(default)]
    pub area: Option<String>,
}

/// An assignment with the survey version the device should fetch.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DeviceAssignment {
    #[serde(flatten)]
    pub assignment: Assignment,
    pub survey_version: u32,
}

/// Gives clusters to enumerators (adding to, or updating, what they have).
/// Every problem is reported with its position (`[2].enumerator`).
#[utoipa::path(put, path = "/api/surveys/{survey_id}/assignments", tag = "fieldwork", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    request_body = Vec<AssignmentInput>, responses((status = 200, description = "The survey's assignments now", body = Vec<Assignment>), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 422, description = "Every problem, by position", body = ErrorBody), (status = 400, description = "Not JSON, or not a list of assignments", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: UnreadJson,
) -> ApiResult<Json<Vec<Assignment>>> {
    caller.require(&[Role::Admin])?;
    let inputs: Vec<AssignmentInput> = body.parse()?;
    let published = state.survey(&survey_id, None).await?;
    let survey = published.survey;
    let mut errors: Vec<ErrorField> = Vec::new();
    let mut assignments = Vec::with_capacity(inputs.len());
    let mut seen = std::collections::HashSet::new();
    let areas = survey.areas_by_level();
    // Each enumerator is looked up once, however often the body names them.
    let mut roles: std::collections::HashMap<String, Option<String>> =
        std::collections::HashMap::new();
    for (index, input) in inputs.into_iter().enumerate() {
        let path = |name: &str| format!("[{index}].{name}");
        let before = errors.len();
        if !is_envelope_code(&input.enumerator) {
            errors.push(field(&path("enumerator"), "invalid", CODE_RULE));
        } else {
            let role = match roles.get(&input.enumerator) {
                Some(role) => role.clone(),
                None => {
                    let role = state
                        .store()
                        .user(&input.enumerator)
                        .await?
                        .filter(|user| !user.revoked)
                        .map(|user| user.role);
                    roles.insert(input.enumerator.clone(), role.clone());
                    role
                }
            };
            match role {
                Some(role) if role == Role::Enumerator.as_str() => {}
                Some(role) => errors.push(field(
                    &path("enumerator"),
                    "wrong_role",
                    format!("`{}` is an {role}, not an enumerator", input.enumerator),
                )),
                None => errors.push(field(
                    &path("enumerator"),
                    "unknown",
                    format!("no active user `{}`", input.enumerator),
                )),
            }
        }
        if !is_envelope_code(&input.cluster_id) {
            errors.push(field(&path("cluster_id"), "invalid", CODE_RULE));
        }
        if input
            .stratum
            .as_deref()
            .is_some_and(|s| !is_envelope_code(s))
        {
            errors.push(field(&path("stratum"), "invalid", CODE_RULE));
        }
        if let Some(area) = &input.area
            && !areas.iter().any(|a| &a.code == area)
        {
            errors.push(field(
                &path("area"),
                "unknown",
                format!("no admin area `{}`", quoted(area)),
            ));
        }
        if !seen.insert((input.cluster_id.clone(), input.enumerator.clone())) {
            errors.push(field(
                &path("cluster_id"),
                "duplicate",
                "this enumerator has this cluster twice",
            ));
        }
        if errors.len() == before {
            assignments.push(Assignment {
                survey_id: survey_id.clone(),
                cluster_id: input.cluster_id,
                enumerator: input.enumerator,
                stratum: input.stratum,
                area: input.area,
            });
        }
    }
    if assignments.is_empty() && errors.is_empty() {
        errors.push(field("", "required", "send at least one assignment"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(
            format!("{} problem(s) in the assignments", errors.len()),
            errors,
        ));
    }
    state.store().assign(&survey_id, &assignments).await?;
    state
        .store()
        .audit(
            &caller.name,
            "assignments_set",
            &format!("{survey_id}: {} assignment(s)", assignments.len()),
        )
        .await?;
    Ok(Json(state.store().assignments_for(&survey_id).await?))
}

/// A survey's assignments, for admins and analysts.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/assignments", tag = "fieldwork", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "Every assignment of the survey", body = Vec<Assignment>), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin or analyst", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn for_survey(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
) -> ApiResult<Json<Vec<Assignment>>> {
    caller.require(&[Role::Admin, Role::Analyst])?;
    state.survey(&survey_id, None).await?;
    Ok(Json(state.store().assignments_for(&survey_id).await?))
}

/// The caller's own assignments, each with the survey version to fetch.
#[utoipa::path(get, path = "/api/assignments", tag = "fieldwork", security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The caller's assignments", body = Vec<DeviceAssignment>), (status = 401, description = "No credentials", body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<DeviceAssignment>>> {
    let mut found = Vec::new();
    for assignment in state.store().assignments_of(&caller.name).await? {
        let published = state.survey(&assignment.survey_id, None).await?;
        found.push(DeviceAssignment {
            survey_version: published.stored.version,
            assignment,
        });
    }
    Ok(Json(found))
}

/// Takes a cluster back from an enumerator (reassigned, or dropped from the
/// sample). Interviews already stored stay; new ones from that cluster are
/// refused with a reason the device keeps in its quarantine.
#[utoipa::path(delete, path = "/api/surveys/{survey_id}/assignments/{enumerator}/{cluster_id}", tag = "fieldwork", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path), ("enumerator" = String, Path), ("cluster_id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such survey or assignment", body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path((survey_id, enumerator, cluster_id)): Path<(String, String, String)>,
) -> ApiResult<axum::http::StatusCode> {
    caller.require(&[Role::Admin])?;
    state.survey(&survey_id, None).await?;
    if !state
        .store()
        .unassign(&survey_id, &cluster_id, &enumerator)
        .await?
    {
        return Err(ApiError::NotFound(format!(
            "`{enumerator}` has no cluster `{cluster_id}` in `{survey_id}`"
        )));
    }
    state
        .store()
        .audit(
            &caller.name,
            "assignment_withdrawn",
            &format!("{survey_id}: {cluster_id} from {enumerator}"),
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

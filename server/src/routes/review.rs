//! Supervisors' review of submissions: the list with its filters, one
//! interview with its history, decisions (approve, has issues, reject),
//! corrections as new revisions validated again, the survey's counting
//! rule and who supervises whom. An admin reviews everything; a supervisor
//! only the clusters assigned to their enumerators.

use axum::Json;
use axum::extract::{Path, Query, State};
use salama_shared::api::ErrorBody;
use salama_shared::csv_cell::neutralise;
use salama_shared::review::{
    BulkApproval, BulkApproved, Correction, FlagRules, ListQuery, MAX_LIST, Returned,
    ReviewDecision, ReviewDetail, ReviewItem, ReviewItemState, ReviewPolicy, ReviewState,
    Supervision, apply_changes, changed_answers, reason_problem,
};
use salama_shared::schema::Channel;
use salama_shared::{Submission, text::is_envelope_code};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::params::{CODE_RULE, Params, field, quoted};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::state::AppState;
use crate::store::{LatestBody, NewRevision, ReviewFilter, Reviewed};

/// Who may review.
const REVIEWERS: &[Role] = &[Role::Admin, Role::Supervisor];

/// A submission's review, if the caller may see it: 404 for an id that
/// names none (or is no id), 403 for a supervisor outside their teams.
async fn reviewable(
    state: &AppState,
    caller: &Caller,
    submission_id: &str,
) -> ApiResult<(String, ReviewItem)> {
    caller.require(REVIEWERS)?;
    let missing = || ApiError::NotFound(format!("no submission `{}`", quoted(submission_id)));
    let id = Uuid::parse_str(submission_id).map_err(|_| missing())?;
    let (survey_id, item) = state
        .store()
        .review_item(&id.hyphenated().to_string())
        .await?
        .ok_or_else(missing)?;
    if caller.role == Role::Supervisor {
        let supervised = match &item.cluster_id {
            Some(cluster) => {
                state
                    .store()
                    .supervises(&caller.name, &survey_id, cluster)
                    .await?
            }
            None => false,
        };
        if !supervised {
            return Err(ApiError::Forbidden);
        }
    }
    Ok((survey_id, item))
}

/// A survey's submissions for review, latest first, filtered by state,
/// cluster and enumerator; a supervisor sees their teams' clusters only.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/reviews", tag = "review", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "A page of submissions, latest first", body = Vec<ReviewItem>), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin or a supervisor", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 422, description = "Every invalid parameter", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Json<Vec<ReviewItem>>> {
    caller.require(REVIEWERS)?;
    let query = ListQuery::parse(&params).map_err(|errors| {
        ApiError::invalid(format!("{} invalid parameter(s)", errors.len()), errors)
    })?;
    state.survey(&survey_id, None).await?;
    let filter = ReviewFilter {
        state: query.state,
        cluster_id: query.cluster,
        enumerator_id: query.enumerator,
        supervisor: (caller.role == Role::Supervisor).then(|| caller.name.clone()),
        before: query.before,
        limit: query.limit,
    };
    Ok(Json(state.store().review_list(&survey_id, &filter).await?))
}

/// One interview for its reviewer: its latest answers, the states it may
/// move to, its history and corrected revisions.
#[utoipa::path(get, path = "/api/submissions/{submission_id}/review", tag = "review", security(("token" = []), ("session" = [])),
    params(("submission_id" = String, Path)),
    responses((status = 200, description = "The interview, its history and revisions", body = ReviewDetail), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin, or a supervisor of another team", body = ErrorBody), (status = 404, description = "No such submission", body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(submission_id): Path<String>,
) -> ApiResult<Json<ReviewDetail>> {
    let (survey_id, item) = reviewable(&state, &caller, &submission_id).await?;
    let id = item.submission_id.clone();
    let latest = state
        .store()
        .latest_body(&id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("submission {id} vanished"))?;
    let submission: Submission = serde_json::from_slice(&latest.body)
        .map_err(|e| anyhow::anyhow!("stored submission {id} does not read: {e}"))?;
    Ok(Json(ReviewDetail {
        survey_id,
        next_states: item.state.next_states().collect(),
        answers: submission.answers,
        history: state.store().review_history(&id).await?,
        revisions: state.store().revisions(&id).await?,
        item,
    }))
}

/// Approves a submission, sends it back (`has_issues`, with the note the
/// enumerator reads) or rejects it. Only from a state that allows it:
/// received → any; has issues → approved or rejected; approved and
/// rejected are final (409).
#[utoipa::path(post, path = "/api/submissions/{submission_id}/review", tag = "review", security(("token" = []), ("session" = [])),
    params(("submission_id" = String, Path)),
    request_body = ReviewDecision,
    responses((status = 200, description = "Decided; the submission as listed now", body = ReviewItem), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin, or a supervisor of another team", body = ErrorBody), (status = 404, description = "No such submission", body = ErrorBody), (status = 409, description = "Not allowed from its state (perhaps just decided by someone else)", body = ErrorBody), (status = 422, description = "A reason too long, with control characters, or missing", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(submission_id): Path<String>,
    body: JsonBody<ReviewDecision>,
) -> ApiResult<Json<ReviewItem>> {
    let (_, item) = reviewable(&state, &caller, &submission_id).await?;
    let ReviewDecision {
        state: next,
        reason,
    } = body.value;
    let required = next != salama_shared::review::ReviewState::Approved;
    if let Some(problem) = reason_problem("reason", &reason, required) {
        return Err(ApiError::invalid("the reason cannot be kept", [problem]));
    }
    match state
        .store()
        .review(&item.submission_id, next, &caller.name, reason.trim())
        .await?
    {
        Reviewed::Done(item) => Ok(Json(*item)),
        Reviewed::NotFound => Err(ApiError::NotFound(format!(
            "no submission `{}`",
            quoted(&submission_id)
        ))),
        Reviewed::WrongState(current) => Err(ApiError::Conflict(format!(
            "the submission is {}: it cannot become {}",
            current.as_str(),
            next.as_str()
        ))),
    }
}

/// Approves a set of interviews at once (those a reviewer sees listed,
/// filtered): each one its reviewer may decide, from a state that allows
/// it, is approved and audited like a single decision; the others are
/// named with their state. The whole set is refused (403, 404) if any id
/// names an interview the caller may not review or none at all.
#[utoipa::path(post, path = "/api/surveys/{survey_id}/reviews/approve", tag = "review", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    request_body = BulkApproval,
    responses((status = 200, description = "Those approved and those left as they were", body = BulkApproved), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin, or an interview of another team", body = ErrorBody), (status = 404, description = "No such survey, or an id of no interview of it", body = ErrorBody), (status = 422, description = "No ids, or more than 500", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn approve_all(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: JsonBody<BulkApproval>,
) -> ApiResult<Json<BulkApproved>> {
    caller.require(REVIEWERS)?;
    state.survey(&survey_id, None).await?;
    let ids = body.value.submission_ids;
    if ids.is_empty() || ids.len() > MAX_LIST as usize {
        return Err(ApiError::invalid(
            "the set cannot be approved",
            [field(
                "submission_ids",
                "out_of_range",
                format!("from 1 to {MAX_LIST} ids"),
            )],
        ));
    }
    // Every id checked before anything changes: a set is approved whole
    // or refused, never half by a mistake in it.
    let mut items = Vec::with_capacity(ids.len());
    for id in &ids {
        let (of, item) = reviewable(&state, &caller, id).await?;
        if of != survey_id {
            return Err(ApiError::NotFound(format!(
                "no submission `{}` of this survey",
                quoted(id)
            )));
        }
        items.push(item);
    }
    let mut done = BulkApproved {
        approved: Vec::new(),
        unchanged: Vec::new(),
    };
    for item in items {
        let id = item.submission_id;
        match state
            .store()
            .review(&id, ReviewState::Approved, &caller.name, "")
            .await?
        {
            Reviewed::Done(_) => done.approved.push(id),
            Reviewed::WrongState(state) => done.unchanged.push(ReviewItemState {
                submission_id: id,
                state,
            }),
            Reviewed::NotFound => {}
        }
    }
    done.approved.dedup();
    Ok(Json(done))
}

/// Corrects answers one by one, with a reason: the result is a new
/// revision, validated again by the survey's rules, whose facts replace the
/// previous revision's; every revision is kept.
#[utoipa::path(post, path = "/api/submissions/{submission_id}/corrections", tag = "review", security(("token" = []), ("session" = [])),
    params(("submission_id" = String, Path)),
    request_body = Correction,
    responses((status = 201, description = "Corrected; the interview with its new revision", body = ReviewDetail), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin, or a supervisor of another team", body = ErrorBody), (status = 404, description = "No such submission", body = ErrorBody), (status = 409, description = "Rejected, or corrected meanwhile (not the latest revision)", body = ErrorBody), (status = 422, description = "A bad reason or path, or a revision that breaks the survey's rules (every field error)", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn correct(
    State(state): State<AppState>,
    caller: Caller,
    Path(submission_id): Path<String>,
    body: JsonBody<Correction>,
) -> ApiResult<(axum::http::StatusCode, Json<ReviewDetail>)> {
    let (_, item) = reviewable(&state, &caller, &submission_id).await?;
    let correction = body.value;
    if let Some(problem) = reason_problem("reason", &correction.reason, true) {
        return Err(ApiError::invalid("the reason cannot be kept", [problem]));
    }
    if item.state == salama_shared::review::ReviewState::Rejected {
        return Err(ApiError::Conflict(
            "the submission is rejected: it is not corrected".into(),
        ));
    }
    let id = item.submission_id.clone();
    let latest = state
        .store()
        .latest_body(&id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("submission {id} vanished"))?;
    if latest.revision != correction.revision {
        return Err(ApiError::Conflict(format!(
            "the latest revision is {}, not {}: reload the interview",
            latest.revision, correction.revision
        )));
    }
    let mut submission: Submission = serde_json::from_slice(&latest.body)
        .map_err(|e| anyhow::anyhow!("stored submission {id} does not read: {e}"))?;
    let changes = apply_changes(&mut submission.answers, &correction.changes)
        .map_err(|errors| ApiError::invalid("the changes do not apply", errors))?;
    let (body, content_sha256, facts) = revised(&state, &latest, submission).await?;
    let stored = state
        .store()
        .correct(&NewRevision {
            submission_id: &id,
            from_revision: latest.revision,
            body: &body,
            content_sha256: &content_sha256,
            author: &caller.name,
            reason: correction.reason.trim(),
            changes: &changes,
            facts: &facts,
            resent: false,
        })
        .await?;
    if stored.is_none() {
        return Err(ApiError::Conflict(
            "corrected by someone else meanwhile: reload the interview".into(),
        ));
    }
    let Json(detail) = detail(State(state), caller, Path(id)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(detail)))
}

/// A revision checked by the same rules as at ingest (off the async
/// workers): the bytes to store, their SHA-256 and the facts.
async fn revised(
    state: &AppState,
    latest: &LatestBody,
    submission: Submission,
) -> ApiResult<(Vec<u8>, String, crate::store::SubmissionFacts)> {
    let published = state
        .survey(&latest.survey_id, Some(latest.survey_version))
        .await?;
    let (submission, facts) = tokio::task::spawn_blocking(move || {
        let facts = match published.form.validate(&submission) {
            Ok(valid) => Ok(crate::facts::of_submission(&published.form, valid)),
            Err(errors) => Err(errors),
        };
        (submission, facts)
    })
    .await
    .map_err(|e| anyhow::anyhow!("validation task: {e}"))?;
    let facts = facts.map_err(|errors| {
        ApiError::invalid(
            format!(
                "the corrected interview breaks {} of the survey's rules",
                errors.len()
            ),
            errors,
        )
    })?;
    let body = serde_json::to_vec(&submission)
        .map_err(|e| anyhow::anyhow!("a submission does not serialise: {e}"))?;
    let content_sha256 = hex::encode(Sha256::digest(&body));
    Ok((body, content_sha256, facts))
}

/// Most interviews `GET /api/returned` sends: a device corrects a few.
const MAX_RETURNED: u32 = 200;

/// The interviews reviewers sent back to the calling enumerator (has
/// issues), with the note and the answers to correct: what their device
/// fetches at each sync.
#[utoipa::path(get, path = "/api/returned", tag = "review", security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The interviews to correct, latest decision first", body = Vec<Returned>), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an enumerator", body = ErrorBody)))]
pub async fn returned(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Returned>>> {
    caller.require(&[Role::Enumerator])?;
    let mut returned = Vec::new();
    for id in state
        .store()
        .returned_to(&caller.name, MAX_RETURNED)
        .await?
    {
        let (Some((survey_id, item)), Some(latest)) = (
            state.store().review_item(&id).await?,
            state.store().latest_body(&id).await?,
        ) else {
            continue;
        };
        let Ok(submission) = serde_json::from_slice::<Submission>(&latest.body) else {
            tracing::error!(submission = %id, "a stored revision does not read");
            continue;
        };
        returned.push(Returned {
            submission_id: id,
            survey_id,
            survey_version: item.survey_version,
            cluster_id: item.cluster_id,
            completed_on: item.completed_on,
            revision: item.revision,
            reason: item.reason.unwrap_or_default(),
            reviewer: item.reviewer.unwrap_or_default(),
            reviewed_at: item.reviewed_at.unwrap_or_default(),
            submission,
        });
    }
    Ok(Json(returned))
}

/// The enumerator's corrected interview, sent back after "has issues": a
/// new revision of the interview in the path (its own `submission_id` is
/// new, as OpenRosa's `instanceID` beside `deprecatedID`), validated by the
/// same rules, credited to its enumerator; it is then received again for
/// review. Sending the same again is acknowledged without a second revision.
#[utoipa::path(post, path = "/api/submissions/{submission_id}/resend", tag = "review", security(("token" = []), ("session" = [])),
    params(("submission_id" = String, Path, description = "The interview sent back")),
    request_body = Submission,
    responses((status = 201, description = "Stored as the latest revision; received for review again", body = ReviewItem), (status = 200, description = "This very resend was stored before", body = ReviewItem), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not the enumerator of this interview", body = ErrorBody), (status = 404, description = "No such submission", body = ErrorBody), (status = 409, description = "Not sent back (has issues), or decided meanwhile (`conflict`), or the survey's retention date has passed (`survey_closed`)", body = ErrorBody), (status = 422, description = "Another survey, version, cluster or channel, the interview's own id, or every field error", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    caller: Caller,
    Path(submission_id): Path<String>,
    body: JsonBody<Submission>,
) -> ApiResult<(axum::http::StatusCode, Json<ReviewItem>)> {
    caller.require(&[Role::Enumerator])?;
    let missing = || ApiError::NotFound(format!("no submission `{}`", quoted(&submission_id)));
    let id = Uuid::parse_str(&submission_id)
        .map_err(|_| missing())?
        .hyphenated()
        .to_string();
    let (survey_id, item) = state.store().review_item(&id).await?.ok_or_else(missing)?;
    if item.enumerator_id.as_deref() != Some(caller.name.as_str()) {
        return Err(ApiError::Forbidden);
    }
    crate::retention::check_open(state.store(), &survey_id).await?;
    let latest = state
        .store()
        .latest_body(&id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("submission {id} vanished"))?;
    let mut submission = body.value;
    let mut errors = Vec::new();
    if submission.enumerator_id.is_none() {
        submission.enumerator_id = Some(caller.name.clone());
    }
    for (path, wrong, rule) in [
        (
            "survey_id",
            submission.survey_id != survey_id,
            "the interview's survey",
        ),
        (
            "survey_version",
            submission.survey_version != item.survey_version,
            "the interview's version",
        ),
        (
            "channel",
            submission.channel != Channel::Enumerator,
            "enumerator",
        ),
        (
            "cluster_id",
            submission.cluster_id != item.cluster_id,
            "the interview's cluster",
        ),
        (
            "enumerator_id",
            submission.enumerator_id.as_deref() != Some(caller.name.as_str()),
            "the sender",
        ),
        (
            "submission_id",
            submission.submission_id.hyphenated().to_string() == id,
            "a new id: the path names the interview it replaces",
        ),
    ] {
        if wrong {
            errors.push(field(path, "invalid", rule));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(
            "the resend does not match the interview sent back",
            errors,
        ));
    }
    let before: Submission = serde_json::from_slice(&latest.body)
        .map_err(|e| anyhow::anyhow!("stored submission {id} does not read: {e}"))?;
    let changes = changed_answers(&before.answers, &submission.answers);
    let (body, content_sha256, facts) = revised(&state, &latest, submission).await?;
    if content_sha256 == latest.content_sha256 && latest.revision > 0 {
        return Ok((axum::http::StatusCode::OK, Json(item)));
    }
    if item.state != ReviewState::HasIssues {
        return Err(ApiError::Conflict(format!(
            "the interview is {}: only one sent back (has_issues) is resent",
            item.state.as_str()
        )));
    }
    let stored = state
        .store()
        .correct(&NewRevision {
            submission_id: &id,
            from_revision: latest.revision,
            body: &body,
            content_sha256: &content_sha256,
            author: &caller.name,
            reason: "",
            changes: &changes,
            facts: &facts,
            resent: true,
        })
        .await?;
    if stored.is_none() {
        return Err(ApiError::Conflict(
            "decided or resent meanwhile: fetch the returned interviews again".into(),
        ));
    }
    let (_, item) = state
        .store()
        .review_item(&id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("submission {id} vanished"))?;
    Ok((axum::http::StatusCode::CREATED, Json(item)))
}

/// Most interviews one flags file looks at: its cost stays a few seconds.
const MAX_FLAG_SCAN: usize = 10_000;

/// The interviews the rules flag, as a CSV for the supervisors' rounds:
/// `submission_id,completed_on,cluster,enumerator,state,minutes,dont_know_share,flags`
/// (latest revision, latest first; a supervisor's teams only; the list's
/// filters `state`, `cluster`, `enumerator` apply). Flags are suggestions:
/// nothing is decided by them.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/flags.csv", tag = "review", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The flagged interviews, at most the latest 10,000 looked at", body = String, content_type = "text/csv"), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin or a supervisor", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 422, description = "Every invalid parameter", body = ErrorBody)))]
pub async fn flags(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<axum::response::Response> {
    caller.require(REVIEWERS)?;
    let filters: Vec<(String, String)> = params
        .iter()
        .filter(|(key, _)| ["state", "cluster", "enumerator"].contains(&key.as_str()))
        .cloned()
        .collect();
    let (query, named) = match (ListQuery::parse(&filters), FlagRules::parse(&params)) {
        (Ok(query), Ok(rules)) => (query, rules),
        (query, rules) => {
            let errors: Vec<_> = query
                .err()
                .into_iter()
                .chain(rules.err())
                .flatten()
                .collect();
            return Err(ApiError::invalid(
                format!("{} invalid parameter(s)", errors.len()),
                errors,
            ));
        }
    };
    state.survey(&survey_id, None).await?;
    // Rules named in the request win; else the survey's saved ones.
    let rules = if FlagRules::named_in(&params) {
        named
    } else {
        state.store().flag_rules(&survey_id).await?.unwrap_or(named)
    };
    let mut filter = ReviewFilter {
        state: query.state,
        cluster_id: query.cluster,
        enumerator_id: query.enumerator,
        supervisor: (caller.role == Role::Supervisor).then(|| caller.name.clone()),
        before: None,
        limit: MAX_LIST,
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| anyhow::anyhow!("writing flags: {e}");
    writer
        .write_record([
            "submission_id",
            "completed_on",
            "cluster",
            "enumerator",
            "state",
            "minutes",
            "dont_know_share",
            "flags",
        ])
        .map_err(csv_error)?;
    let mut looked = 0;
    while looked < MAX_FLAG_SCAN {
        let page = state.store().review_list(&survey_id, &filter).await?;
        let Some(last) = page.last() else { break };
        filter.before = Some(last.position);
        looked += page.len();
        for item in page {
            let Some(latest) = state.store().latest_body(&item.submission_id).await? else {
                continue;
            };
            let Ok(submission) = serde_json::from_slice::<Submission>(&latest.body) else {
                continue;
            };
            let (minutes, share, flagged) = rules.flags(&submission);
            if flagged.is_empty() {
                continue;
            }
            let cells = [
                item.submission_id,
                item.completed_on,
                item.cluster_id.unwrap_or_default(),
                item.enumerator_id.unwrap_or_default(),
                item.state.as_str().to_owned(),
                format!("{minutes:.1}"),
                format!("{share:.2}"),
                flagged.join(";"),
            ];
            writer
                .write_record(
                    cells
                        .iter()
                        .map(|cell| neutralise(cell.as_str()).into_owned()),
                )
                .map_err(csv_error)?;
        }
    }
    let body = writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing flags: {}", e.error()))?;
    Ok(super::params::download(
        body,
        "text/csv; charset=utf-8",
        "flagged-interviews.csv",
    ))
}

/// Which interviews a survey's aggregates count.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/review-policy", tag = "review", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The survey's counting rule", body = ReviewPolicy), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin or a supervisor", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn policy(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
) -> ApiResult<Json<ReviewPolicy>> {
    caller.require(REVIEWERS)?;
    state.survey(&survey_id, None).await?;
    Ok(Json(ReviewPolicy {
        approved_only: state.store().review_policy(&survey_id).await?,
    }))
}

/// Sets whether only approved interviews count (or every valid one not
/// rejected); aggregates follow at once.
#[utoipa::path(put, path = "/api/surveys/{survey_id}/review-policy", tag = "review", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    request_body = ReviewPolicy,
    responses((status = 200, description = "The rule now", body = ReviewPolicy), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody), (status = 422, description = "Not a rule", body = ErrorBody)))]
pub async fn set_policy(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: JsonBody<ReviewPolicy>,
) -> ApiResult<Json<ReviewPolicy>> {
    caller.require(&[Role::Admin])?;
    state.survey(&survey_id, None).await?;
    let policy = body.value;
    state
        .store()
        .set_review_policy(&survey_id, policy.approved_only, &caller.name)
        .await?;
    Ok(Json(policy))
}

/// The flag rules a survey's flags file uses when a request names none
/// (the defaults, which flag nothing, until an admin saves some).
#[utoipa::path(get, path = "/api/surveys/{survey_id}/flag-rules", tag = "review", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The saved rules", body = FlagRules), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin or a supervisor", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn flag_rules(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
) -> ApiResult<Json<FlagRules>> {
    caller.require(REVIEWERS)?;
    state.survey(&survey_id, None).await?;
    let saved = state.store().flag_rules(&survey_id).await?;
    Ok(Json(saved.unwrap_or_else(|| {
        FlagRules::parse(&[]).unwrap_or_default()
    })))
}

/// Saves the rules the survey's flags file uses when a request names none.
/// The battery must name questions of the survey.
#[utoipa::path(put, path = "/api/surveys/{survey_id}/flag-rules", tag = "review", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    request_body = FlagRules,
    responses((status = 200, description = "The rules now", body = FlagRules), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody), (status = 422, description = "Every problem, at its field", body = ErrorBody)))]
pub async fn set_flag_rules(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: JsonBody<FlagRules>,
) -> ApiResult<Json<FlagRules>> {
    caller.require(&[Role::Admin])?;
    let published = state.survey(&survey_id, None).await?;
    let rules = body.value;
    let mut problems = rules.problems();
    if problems.is_empty() {
        for (at, id) in rules.battery.iter().enumerate() {
            if published.survey.question(id).is_none() {
                problems.push(salama_shared::api::ErrorField::new(
                    format!("battery[{at}]"),
                    "unknown_question",
                    "not a question of this survey",
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(
            format!("{} problem(s) with the rules", problems.len()),
            problems,
        ));
    }
    state
        .store()
        .set_flag_rules(&survey_id, &rules, &caller.name)
        .await?;
    Ok(Json(rules))
}

/// Gives an enumerator a supervisor, who then reviews the clusters
/// assigned to them (`null`: admins only).
#[utoipa::path(put, path = "/api/users/{name}/supervisor", tag = "review", security(("token" = []), ("session" = [])),
    params(("name" = String, Path)),
    request_body = Supervision,
    responses((status = 200, description = "The enumerator's supervisor now", body = Supervision), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No active enumerator of that name", body = ErrorBody), (status = 422, description = "No active supervisor of that name", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn set_supervisor(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    body: JsonBody<Supervision>,
) -> ApiResult<Json<Supervision>> {
    caller.require(&[Role::Admin])?;
    let active_role =
        |user: Option<crate::store::User>| user.filter(|user| !user.revoked).map(|user| user.role);
    if !is_envelope_code(&name)
        || active_role(state.store().user(&name).await?).as_deref() != Some("enumerator")
    {
        return Err(ApiError::NotFound(format!(
            "no active enumerator `{}`",
            quoted(&name)
        )));
    }
    let supervision = body.value;
    if let Some(supervisor) = &supervision.supervisor {
        let role = if is_envelope_code(supervisor) {
            active_role(state.store().user(supervisor).await?)
        } else {
            None
        };
        if role.as_deref() != Some("supervisor") {
            return Err(ApiError::invalid(
                "not a supervisor",
                [field(
                    "supervisor",
                    "invalid",
                    format!("the name of an active supervisor ({CODE_RULE})"),
                )],
            ));
        }
    }
    state
        .store()
        .set_supervisor(&name, supervision.supervisor.as_deref(), &caller.name)
        .await?;
    Ok(Json(supervision))
}

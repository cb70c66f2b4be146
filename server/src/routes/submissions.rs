//! Receiving submissions: validate with the shared rules, then store once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use salama_shared::api::ErrorBody;
use salama_shared::schema::Channel;
use salama_shared::words::{Key, ServerWord};
use salama_shared::{FieldErrorCode, Submission};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{Caller, MaybeCaller, Role};
use crate::client_address::ClientAddress;
use crate::error::{ApiError, ApiResult};
use crate::ingest::Pending;
use crate::json::JsonBody;
use crate::state::{AppState, PublishedSurvey};
use crate::store::{Inserted, Receipt};

/// 201 with a receipt for a new submission, 200 with the same receipt for a
/// resend, 409 when the id is taken by other content, 422 with every field
/// error when the rules are broken.
#[utoipa::path(post, path = "/api/surveys/{survey_id}/submissions", tag = "submissions", params(("survey_id" = String, Path)), request_body = Submission, responses((status = 201, description = "Stored; the receipt", body = Receipt), (status = 200, description = "Stored before; the same receipt", body = Receipt), (status = 400, description = "Not JSON", body = ErrorBody), (status = 401, description = "Interview without an enumerator token", body = ErrorBody), (status = 404, description = "Unknown survey or version", body = ErrorBody), (status = 409, description = "Id taken by other content (`conflict`), or the survey's retention date has passed (`survey_closed`)", body = ErrorBody), (status = 413, description = "Body too large", body = ErrorBody), (status = 422, description = "Every field error", body = ErrorBody), (status = 429, description = "Rate limited", body = ErrorBody), (status = 403, description = "A session cookie from another site, or a caller whose role may not send this", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    MaybeCaller(caller): MaybeCaller,
    Path(survey_id): Path<String>,
    body: JsonBody<Submission>,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
    let (mut submission, large) = (body.value, body.large);
    let published =
        match admitted(&state, client, caller.as_ref(), &survey_id, &mut submission).await {
            Ok(published) => published,
            Err(refused) => {
                // A hostile body refused before validation is freed in its lane too.
                if large {
                    state.large_bodies().discard(submission);
                }
                return Err(refused);
            }
        };
    // Validation is CPU work bounded by the survey's limits, not by the
    // body; it still runs off the async workers so a burst of large bodies
    // cannot stall other requests (health checks, logins). A refused
    // submission is also dropped there: freeing a hostile body's hundreds
    // of thousands of values takes milliseconds too. A valid one is small.
    // A large body stays in the large-body lane it was parsed in.
    let checking = published.clone();
    let check = move || {
        // Typed numbers ("٣٤") are read as the browser reads them, and
        // stored as the numbers they are.
        checking.form.normalise_numbers(&mut submission);
        checked(&checking, &submission).map(|(facts, body)| (submission, facts, body))
    };
    let (submission, facts, body) = if large {
        state.large_bodies().run(check).await??
    } else {
        tokio::task::spawn_blocking(check)
            .await
            .map_err(|e| anyhow::anyhow!("validation task: {e}"))??
    };
    let content_sha256 = hex::encode(Sha256::digest(&body));
    let pending = Pending {
        submission_id: submission.submission_id,
        survey_id: survey_id.clone(),
        survey_version: submission.survey_version,
        channel: submission.channel.as_str(),
        content_sha256,
        body,
        facts,
    };
    match state.writer().insert(pending).await? {
        Inserted::New(receipt) => {
            tracing::info!(submission = %receipt.submission_id, survey = %survey_id, "submission stored");
            Ok((StatusCode::CREATED, Json(receipt)))
        }
        Inserted::Duplicate(receipt) => Ok((StatusCode::OK, Json(receipt))),
        Inserted::Conflict(_) => Err(ApiError::Conflict(format!(
            "submission {} was already received with different content; it was not changed",
            submission.submission_id
        ))),
    }
}

/// Whether this caller may send this submission here now: the survey and
/// version exist, the channel's credentials and rate limit, the enumerator's
/// name and cluster, the clock. Returns the version to validate against.
async fn admitted(
    state: &AppState,
    client: std::net::IpAddr,
    caller: Option<&Caller>,
    survey_id: &str,
    submission: &mut Submission,
) -> ApiResult<std::sync::Arc<PublishedSurvey>> {
    if submission.survey_id != survey_id {
        return Err(ApiError::Unprocessable {
            message: format!(
                "the submission is for survey `{}`, sent to `{}`",
                submission.survey_id.escape_debug(),
                survey_id.escape_debug()
            ),
            fields: vec![crate::error::ErrorField::from(salama_shared::FieldError {
                path: "survey_id".into(),
                code: salama_shared::FieldErrorCode::SurveyMismatch,
                message: format!("expected `{}`", survey_id.escape_debug()),
            })],
        });
    }
    let published = state
        .survey(survey_id, Some(submission.survey_version))
        .await?;
    match (submission.channel, &caller) {
        // Anyone may answer a public survey online, at a limited pace.
        (Channel::Online, None) if published.stored.public => {
            state.submission_limiter().check(client)?
        }
        (Channel::Online, None) => {
            return Err(ApiError::NotFound(format!("no survey `{survey_id}`")));
        }
        (Channel::Online, Some(_)) => {}
        // Interviews need an enumerator's credentials.
        (Channel::Enumerator, None) => return Err(ApiError::Unauthorized),
        (Channel::Enumerator, Some(caller)) => {
            caller.require(&[Role::Enumerator])?;
            credit_to(submission, caller)?;
            check_assigned(state, &caller.name, submission).await?;
        }
    }
    check_clock(&published, submission)?;
    crate::retention::check_open(state.store(), survey_id).await?;
    Ok(published)
}

/// The shared rules applied; for a valid submission, its facts and the
/// bytes to store: the submission written back out, so every later reader
/// (facts rebuild, microdata) sees exactly the value that was validated,
/// whatever escapes or spacing the sender used.
fn checked(
    published: &PublishedSurvey,
    submission: &Submission,
) -> ApiResult<(crate::store::SubmissionFacts, Bytes)> {
    let valid = published.form.validate(submission).map_err(|rejected| {
        let message = if rejected.total > rejected.errors.len() {
            format!(
                "{} answer(s) break the survey's rules; the first {} are listed",
                rejected.total,
                rejected.errors.len()
            )
        } else {
            format!("{} answer(s) break the survey's rules", rejected.total)
        };
        ApiError::invalid(message, rejected.errors)
    })?;
    let facts = crate::facts::of_submission(&published.form, valid);
    let body = serde_json::to_vec(submission)
        .map_err(|e| anyhow::anyhow!("writing a submission back out: {e}"))?;
    Ok((facts, Bytes::from(body)))
}

/// An interview is the work of the enumerator whose token sent it: one
/// that names nobody is credited to them, one that names someone else is
/// refused (fieldwork counts interviews per enumerator).
fn credit_to(submission: &mut Submission, caller: &Caller) -> ApiResult<()> {
    match &submission.enumerator_id {
        None => {
            submission.enumerator_id = Some(caller.name.clone());
            Ok(())
        }
        Some(named) if *named == caller.name => Ok(()),
        Some(_) => {
            let message = ServerWord::OtherEnumerator.in_language(&submission.language);
            Err(ApiError::invalid(
                "the interview names another enumerator than the one sending it",
                vec![crate::routes::params::field(
                    "enumerator_id",
                    "not_the_sender",
                    message,
                )],
            ))
        }
    }
}

/// No device records an interview more than a day ahead of the server's
/// clock (time zones and drift included); the shared rules refuse times
/// before 2000, which a device can check without a clock of its own.
fn check_clock(published: &PublishedSurvey, submission: &Submission) -> ApiResult<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(i64::MAX, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        });
    let latest = now.saturating_add(86_400);
    let mut fields = Vec::new();
    for (path, at) in [
        ("started_at", &submission.started_at),
        ("completed_at", &submission.completed_at),
    ] {
        if at.unix_seconds() > latest {
            fields.push(salama_shared::FieldError {
                path: path.into(),
                code: FieldErrorCode::ImplausibleTime,
                message: salama_shared::validate::message_for(
                    published.survey,
                    FieldErrorCode::ImplausibleTime,
                    &submission.language,
                    Default::default(),
                ),
            });
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "the interview's times are more than a day ahead of the server's clock",
            fields,
        ))
    }
}

/// Once an enumerator has clusters of a survey assigned, their interviews
/// must come from one of them. A resend of an interview stored before the
/// assignment changed is still answered with its receipt (exactly once).
async fn check_assigned(
    state: &AppState,
    enumerator: &str,
    submission: &Submission,
) -> ApiResult<()> {
    let assigned: Vec<String> = state
        .store()
        .assignments_of(enumerator)
        .await?
        .into_iter()
        .filter(|assignment| assignment.survey_id == submission.survey_id)
        .map(|assignment| assignment.cluster_id)
        .collect();
    let allowed = assigned.is_empty()
        || submission
            .cluster_id
            .as_ref()
            .is_some_and(|cluster| assigned.contains(cluster));
    if allowed
        || state
            .store()
            .receipt(submission.submission_id)
            .await?
            .is_some()
    {
        return Ok(());
    }
    let message = ServerWord::ClusterNotAssigned.in_language(&submission.language);
    Err(ApiError::invalid(
        "the interview's cluster is not assigned to this enumerator",
        vec![crate::routes::params::field(
            "cluster_id",
            "cluster_not_assigned",
            message,
        )],
    ))
}

/// The receipt for a submission, for the device that holds its id.
#[utoipa::path(get, path = "/api/submissions/{submission_id}/receipt", tag = "submissions", params(("submission_id" = String, Path)), responses((status = 200, description = "The receipt", body = Receipt), (status = 404, description = "No such submission", body = ErrorBody)))]
pub async fn receipt(
    State(state): State<AppState>,
    Path(submission_id): Path<String>,
) -> ApiResult<Json<Receipt>> {
    let unknown = || ApiError::NotFound(format!("no submission `{submission_id}`"));
    let id = Uuid::parse_str(&submission_id).map_err(|_| unknown())?;
    state
        .store()
        .receipt(id)
        .await?
        .map(Json)
        .ok_or_else(unknown)
}

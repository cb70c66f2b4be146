//! Receiving submissions: validate with the shared rules, then store once.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use salama_shared::Submission;
use salama_shared::schema::Channel;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{MaybeCaller, Role};
use crate::error::{ApiError, ApiResult};
use crate::ingest::Pending;
use crate::json::JsonBody;
use crate::state::AppState;
use crate::store::{Inserted, Receipt};

/// 201 with a receipt for a new submission, 200 with the same receipt for a
/// resend, 409 when the id is taken by other content, 422 with every field
/// error when the rules are broken.
#[utoipa::path(post, path = "/api/surveys/{survey_id}/submissions", tag = "submissions", params(("survey_id" = String, Path)), responses((status = 201, description = "Stored; the receipt"), (status = 200, description = "Stored before; the same receipt"), (status = 400, description = "Not JSON"), (status = 401, description = "Interview without an enumerator token"), (status = 404, description = "Unknown survey or version"), (status = 409, description = "Id taken by other content"), (status = 413, description = "Body too large"), (status = 422, description = "Every field error"), (status = 429, description = "Rate limited")))]
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    MaybeCaller(caller): MaybeCaller,
    Path(survey_id): Path<String>,
    body: JsonBody<Submission>,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
    let submission = &body.value;
    if submission.survey_id != survey_id {
        return Err(ApiError::Unprocessable {
            message: format!(
                "the submission is for survey `{}`, sent to `{survey_id}`",
                submission.survey_id
            ),
            fields: vec![crate::error::ErrorField::from(salama_shared::FieldError {
                path: "survey_id".into(),
                code: salama_shared::FieldErrorCode::SurveyMismatch,
                message: format!("expected `{survey_id}`"),
            })],
        });
    }
    let published = state
        .survey(&survey_id, Some(submission.survey_version))
        .await?;
    match (submission.channel, &caller) {
        // Anyone may answer a public survey online, at a limited pace.
        (Channel::Online, None) if published.stored.public => {
            state.submission_limiter().check(peer.ip())?
        }
        (Channel::Online, None) => {
            return Err(ApiError::NotFound(format!("no survey `{survey_id}`")));
        }
        (Channel::Online, Some(_)) => {}
        // Interviews need an enumerator's credentials.
        (Channel::Enumerator, None) => return Err(ApiError::Unauthorized),
        (Channel::Enumerator, Some(caller)) => {
            caller.require(&[Role::Enumerator])?;
            check_assigned(&state, &caller.name, submission).await?;
        }
    }
    let valid = match published.form.validate(submission) {
        Ok(valid) => valid,
        Err(fields) => {
            return Err(ApiError::invalid(
                format!("{} answer(s) break the survey's rules", fields.len()),
                fields,
            ));
        }
    };
    let facts = crate::facts::of_submission(&published.form, valid);
    let content_sha256 = canonical_sha256(submission)?;
    let pending = Pending {
        submission_id: submission.submission_id,
        survey_id: survey_id.clone(),
        survey_version: submission.survey_version,
        channel: submission.channel.as_str(),
        content_sha256,
        body: body.raw.clone(),
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
    let message = match submission.language.as_str() {
        "fr" => {
            "Cette grappe ne vous est pas attribuée pour cette enquête. Demandez à votre superviseur de vous l’attribuer, puis renvoyez."
        }
        "ar" => {
            "هذه العنقودية غير مسندة إليك في هذا الاستبيان. اطلب من مشرفك إسنادها إليك، ثم أعد الإرسال."
        }
        _ => {
            "This cluster is not assigned to you for this survey. Ask your supervisor to assign it, then send again."
        }
    };
    // A server-side rule, so its words live here rather than in the shared
    // messages every browser downloads.
    Err(ApiError::invalid(
        "the interview's cluster is not assigned to this enumerator",
        vec![crate::routes::analysis::field(
            "cluster_id",
            "cluster_not_assigned",
            message,
        )],
    ))
}

/// The hash of the submission as parsed and written back out, so the same
/// answers sent with other whitespace or key order count as the same.
fn canonical_sha256(submission: &Submission) -> ApiResult<String> {
    let canonical = serde_json::to_vec(submission)
        .map_err(|e| anyhow::anyhow!("re-serialising a submission: {e}"))?;
    Ok(hex::encode(Sha256::digest(&canonical)))
}

/// The receipt for a submission, for the device that holds its id.
#[utoipa::path(get, path = "/api/submissions/{submission_id}/receipt", tag = "submissions", params(("submission_id" = String, Path)), responses((status = 200, description = "The receipt"), (status = 404, description = "No such submission")))]
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

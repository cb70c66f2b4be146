//! Interviews a supervisor sent back ("has issues"): fetched at every
//! sync, each kept on the device as a new interview to correct, its note
//! shown as the problem to fix; once corrected and finished it is sent as
//! the resend of the one it replaces (`POST /api/submissions/{id}/resend`),
//! under its own new id, and the server keeps both revisions.

use leptos::prelude::*;
use salama_shared::Submission;
use salama_shared::api::Receipt;
use salama_shared::review::{Returned, ReviewItem};
use uuid::Uuid;

use super::Device;
use super::records::{Interview, Problem, Replaces, State};
use crate::api::{self, ApiError, encode};
use crate::form::Draft;

/// Fetches the interviews sent back to this enumerator and keeps, as an
/// interview to correct, each one the device does not hold yet.
pub async fn refresh(device: Device) {
    let Some(session) = device.session.get_untracked() else {
        return;
    };
    let Ok(body) = api::call_as("GET", "/api/returned", None, Some(&session.token)).await else {
        // Offline or refused: the outbox's own run reports it.
        return;
    };
    let Ok(returned) = api::parse_serde::<Vec<Returned>>(&body) else {
        return;
    };
    for sent_back in returned {
        let held = device.interviews.with_untracked(|all| {
            all.iter().any(|interview| {
                interview.replaces.as_ref().is_some_and(|replaces| {
                    replaces.submission_id == sent_back.submission_id
                        && replaces.revision == sent_back.revision
                })
            })
        });
        if held {
            continue;
        }
        let interview = to_correct(sent_back, &session.name);
        match interview.save().await {
            Ok(()) => device.show(&interview),
            Err(error) => {
                device.storage_failed(&error);
                return;
            }
        }
    }
}

/// The sent-back revision reopened as an interview to correct: the same
/// household's answers, consent and draws, under a new id; the reviewer's
/// note is its problem.
fn to_correct(sent_back: Returned, enumerator: &str) -> Interview {
    let id: Uuid = crate::browser::new_submission_id();
    let submission = sent_back.submission;
    let draft = Draft {
        submission_id: id,
        started_at: submission.started_at.clone(),
        consent: submission.consent.clone(),
        answers: submission.answers.clone(),
        respondent_selection: submission.respondent_selection.clone(),
        module_draws: submission.module_draws.clone(),
        earlier_draws: submission.earlier_draws.clone(),
        defaults_due: false,
    };
    Interview {
        id,
        survey_id: sent_back.survey_id,
        survey_version: sent_back.survey_version,
        cluster_id: sent_back.cluster_id.unwrap_or_default(),
        // The server keeps no household number: the list shows the
        // interview by its date and the supervisor's note.
        household: String::new(),
        enumerator_id: enumerator.to_owned(),
        state: State::Rejected,
        draft,
        step: crate::form::Step::Review.code(),
        submission: None,
        receipt: None,
        problems: vec![Problem {
            path: String::new(),
            message: format!("{}: {}", sent_back.reviewer, sent_back.reason),
        }],
        attempts: 0,
        updated_at: js_sys::Date::now(),
        replaces: Some(Replaces {
            submission_id: sent_back.submission_id,
            revision: sent_back.revision,
        }),
    }
}

/// Sends a corrected interview as the resend of the one it replaces; the
/// receipt names the correction's own id.
pub async fn resend(
    replaces: &Replaces,
    submission: &Submission,
    token: &str,
) -> Result<Receipt, ApiError> {
    let url = format!(
        "/api/submissions/{}/resend",
        encode(&replaces.submission_id)
    );
    let body =
        serde_json::to_string(submission).map_err(|e| ApiError::Unexpected(e.to_string()))?;
    let item: ReviewItem =
        api::parse_serde(&api::call_as("POST", &url, Some(body), Some(token)).await?)?;
    Ok(Receipt {
        submission_id: submission.submission_id,
        survey_id: submission.survey_id.clone(),
        survey_version: submission.survey_version,
        received_at: item.received_at,
        content_sha256: String::new(),
    })
}

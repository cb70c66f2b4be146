//! Sending the outbox: finished interviews, oldest first, each exactly as
//! frozen when it was finished, so a resend after a lost answer gets the
//! same receipt and is never stored twice; then household visits the same
//! way (`send_visits`), a completed interview's visit after its interview. Runs at start-up, when the
//! browser comes back online, after an interview is finished, on "Sync now",
//! and again after a failure with a doubling pause (2 s up to 5 minutes).
//!
//! Every state change is written to the device before the next request: a
//! page closed mid-sync leaves items `sending`, which are simply sent again.
//! Each run also fetches the interviews sent back for correction
//! (`returned.rs`).

use leptos::prelude::*;

use super::Device;
use super::records::{Interview, Problem, State, VisitRecord};
use crate::api::{self, ApiError};

const FIRST_PAUSE_SECONDS: u32 = 2;
const LONGEST_PAUSE_SECONDS: u32 = 300;

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Idle,
    Sending,
    /// The server could not be reached; the next try is this far away.
    Waiting {
        seconds: u32,
    },
    /// The device's token was refused: nothing is sent until it signs in.
    SignedOut,
}

#[derive(Clone, Copy)]
pub struct Outbox {
    pub status: RwSignal<Status>,
    pause: RwSignal<u32>,
    /// Bumped by every run, so that only the latest scheduled retry fires.
    round: RwSignal<u64>,
    /// Milliseconds the last complete run took, and how many it sent.
    pub last_run: RwSignal<Option<(f64, usize)>>,
}

impl Outbox {
    pub fn new() -> Self {
        Self {
            status: RwSignal::new(Status::Idle),
            pause: RwSignal::new(FIRST_PAUSE_SECONDS),
            round: RwSignal::new(0),
            last_run: RwSignal::new(None),
        }
    }
}

/// Whether an interview still has to reach the server.
pub fn is_waiting(interview: &Interview) -> bool {
    matches!(interview.state, State::Queued | State::Sending)
}

/// Starts a run unless one is going; returns at once.
pub fn start(device: Device) {
    if device.outbox.status.get_untracked() == Status::Sending {
        return;
    }
    leptos::task::spawn_local(run(device));
}

async fn run(device: Device) {
    let outbox = device.outbox;
    let Some(session) = device.session.get_untracked() else {
        return;
    };
    leptos::task::spawn_local(super::returned::refresh(device));
    let mut waiting: Vec<Interview> = device.interviews.with_untracked(|all| {
        all.iter()
            .filter(|interview| is_waiting(interview))
            .cloned()
            .collect()
    });
    if waiting.is_empty() && visits_due(device).is_empty() {
        outbox.status.set(Status::Idle);
        return;
    }
    waiting.sort_by(|a, b| a.updated_at.total_cmp(&b.updated_at));
    outbox.status.set(Status::Sending);
    outbox.round.update(|round| *round += 1);
    crate::browser::mark("salama-sync-start");
    let started = js_sys::Date::now();
    let mut sent = 0;
    let mut unreachable = false;
    for mut interview in waiting {
        let Some(submission) = interview.submission.clone() else {
            continue;
        };
        interview.state = State::Sending;
        interview.attempts += 1;
        if !keep(device, &interview).await {
            break;
        }
        let outcome = match &interview.replaces {
            Some(replaces) => super::returned::resend(replaces, &submission, &session.token).await,
            None => api::submit(&submission, Some(&session.token)).await,
        };
        match outcome {
            Ok(receipt) => {
                interview.state = State::Sent;
                interview.receipt = Some(receipt);
                interview.problems.clear();
                sent += 1;
            }
            Err(ApiError::Invalid { message, fields }) => {
                interview.state = State::Rejected;
                interview.problems = problems(message, fields);
            }
            Err(error @ (ApiError::Conflict(_) | ApiError::NotFound)) => {
                // Another content under this id, or a survey version the
                // server does not know: only a person can sort it out.
                interview.state = State::Rejected;
                interview.problems = vec![Problem {
                    path: String::new(),
                    message: error.to_string(),
                }];
            }
            Err(ApiError::Unauthorized) => {
                interview.state = State::Queued;
                keep(device, &interview).await;
                outbox.status.set(Status::SignedOut);
                return;
            }
            Err(_) => {
                interview.state = State::Queued;
                unreachable = true;
            }
        }
        if !keep(device, &interview).await || unreachable {
            break;
        }
    }
    if !unreachable {
        match send_visits(device, &session.token).await {
            Sent::All => {}
            Sent::Unreachable => unreachable = true,
            Sent::SignedOut => {
                outbox.status.set(Status::SignedOut);
                return;
            }
        }
    }
    if unreachable {
        let pause = outbox.pause.get_untracked();
        outbox.pause.set((pause * 2).min(LONGEST_PAUSE_SECONDS));
        wait_and_retry(device, pause);
    } else {
        outbox.pause.set(FIRST_PAUSE_SECONDS);
        outbox.status.set(Status::Idle);
        crate::browser::mark("salama-sync-end");
        outbox
            .last_run
            .set(Some((js_sys::Date::now() - started, sent)));
    }
}

/// Counts down, then runs again, unless another run started meanwhile
/// ("Sync now", back online).
fn wait_and_retry(device: Device, pause: u32) {
    let outbox = device.outbox;
    let round = outbox.round.get_untracked();
    leptos::task::spawn_local(async move {
        for seconds in (1..=pause).rev() {
            if outbox.round.get_untracked() != round {
                return;
            }
            outbox.status.set(Status::Waiting { seconds });
            crate::browser::sleep(1_000).await;
        }
        if outbox.round.get_untracked() == round {
            outbox.status.set(Status::Idle);
            start(device);
        }
    });
}

/// "Sync now": stops the countdown and sends at once.
pub fn sync_now(device: Device) {
    let outbox = device.outbox;
    outbox.round.update(|round| *round += 1);
    if outbox.status.get_untracked() != Status::Sending {
        outbox.status.set(Status::Idle);
    }
    start(device);
}

/// Writes an interview to the device and shows it; `false` if storage failed
/// (the run stops rather than send what it could not record).
async fn keep(device: Device, interview: &Interview) -> bool {
    match interview.save().await {
        Ok(()) => {
            device.interviews.update(|all| {
                if let Some(shown) = all.iter_mut().find(|other| other.id == interview.id) {
                    *shown = interview.clone();
                }
            });
            true
        }
        Err(error) => {
            device.storage_failed(&error);
            false
        }
    }
}

/// How a round of visits ended.
enum Sent {
    All,
    Unreachable,
    SignedOut,
}

/// Whether a visit still has to reach the server.
pub fn visit_is_waiting(record: &VisitRecord) -> bool {
    matches!(record.state, State::Queued | State::Sending)
}

/// The visits to send now, oldest first. The visit of a completed
/// interview waits for the interview's receipt: the server never counts a
/// completion whose interview it does not hold.
fn visits_due(device: Device) -> Vec<VisitRecord> {
    let unsent_interview = |id: uuid::Uuid| {
        device.interviews.with_untracked(|all| {
            all.iter()
                .any(|interview| interview.id == id && interview.state != State::Sent)
        })
    };
    let mut due: Vec<VisitRecord> = device.visits.with_untracked(|all| {
        all.iter()
            .filter(|record| visit_is_waiting(record))
            .filter(|record| !record.visit.submission_id.is_some_and(unsent_interview))
            .cloned()
            .collect()
    });
    due.sort_by(|a, b| a.updated_at.total_cmp(&b.updated_at));
    due
}

/// Sends the visits due, each exactly as recorded (the server answers a
/// resend with the same receipt); a refused one is kept with its reasons.
async fn send_visits(device: Device, token: &str) -> Sent {
    for mut record in visits_due(device) {
        record.state = State::Sending;
        record.attempts += 1;
        if !keep_visit(device, &record).await {
            return Sent::All;
        }
        let url = format!(
            "/api/surveys/{}/visits",
            api::encode(&record.visit.survey_id)
        );
        let body = serde_json::to_string(&record.visit).ok();
        let outcome = api::call_as("POST", &url, body, Some(token)).await;
        let ended = match outcome {
            Ok(_) => {
                record.state = State::Sent;
                record.problems.clear();
                None
            }
            Err(ApiError::Invalid { message, fields }) => {
                record.state = State::Rejected;
                record.problems = problems(message, fields);
                None
            }
            Err(error @ (ApiError::Conflict(_) | ApiError::NotFound)) => {
                record.state = State::Rejected;
                record.problems = vec![Problem {
                    path: String::new(),
                    message: error.to_string(),
                }];
                None
            }
            Err(ApiError::Unauthorized) => {
                record.state = State::Queued;
                Some(Sent::SignedOut)
            }
            Err(_) => {
                record.state = State::Queued;
                Some(Sent::Unreachable)
            }
        };
        if !keep_visit(device, &record).await {
            return Sent::All;
        }
        if let Some(ended) = ended {
            return ended;
        }
    }
    Sent::All
}

/// The server's reasons for a refusal, by the field concerned.
fn problems(message: String, fields: Vec<salama_shared::api::ErrorField>) -> Vec<Problem> {
    if fields.is_empty() {
        return vec![Problem {
            path: String::new(),
            message,
        }];
    }
    fields
        .into_iter()
        .map(|field| Problem {
            path: field.path,
            message: field.message,
        })
        .collect()
}

/// Writes a visit to the device and shows it; `false` if storage failed.
pub async fn keep_visit(device: Device, record: &VisitRecord) -> bool {
    match record.save().await {
        Ok(()) => {
            device.visits.update(|all| {
                all.retain(|other| other.visit.visit_id != record.visit.visit_id);
                all.insert(0, record.clone());
            });
            true
        }
        Err(error) => {
            device.storage_failed(&error);
            false
        }
    }
}

//! Sending the answers until the server has stored them. The submission is
//! built once per attempt to send and reused for every retry: same id, same
//! content, so a resend after a lost answer is recognised as the same
//! submission (200 with the same receipt), never stored twice.

use std::collections::BTreeMap;

use leptos::prelude::*;

use super::snapshot::snapshot;
use super::{Filling, Step};
use crate::api::{self, ApiError};
use crate::browser;
use crate::i18n::fill;
use crate::interface::LastReceipt;
use salama_shared::words::FormWord as W;

#[derive(Clone, Debug, PartialEq)]
pub enum Sending {
    Idle,
    InFlight,
    /// A transient failure: the next attempt is this many seconds away.
    Waiting {
        seconds: u32,
    },
    /// The server refused for good; the message says why.
    Failed(String),
}

impl Sending {
    pub fn is_busy(&self) -> bool {
        matches!(self, Sending::InFlight | Sending::Waiting { .. })
    }
}

/// Longest pause between two attempts.
const MAX_WAIT_SECONDS: u32 = 60;

/// Starts sending. `router` and `receipts` come from the page, taken while
/// it renders: event handlers run outside any context.
pub fn send(
    filling: Filling,
    sending: RwSignal<Sending>,
    router: Option<crate::routing::Router>,
    receipts: Option<LastReceipt>,
) {
    // A second click while sending does nothing; the button is disabled too.
    if sending.get_untracked().is_busy() {
        return;
    }
    let envelope = filling.envelope();
    let submission = filling.draft.with_untracked(|draft| {
        snapshot(
            filling.survey,
            filling.form,
            draft,
            &filling.language.get_untracked(),
            browser::now(),
            &envelope,
        )
    });
    if let Some(path) = submission.errors.keys().next() {
        show_problems_at(filling, path);
        return;
    }
    let submission = submission.submission;
    // An interview goes to the device's outbox, which sends it when it can.
    if let Some(interviewing) = filling.interviewing() {
        interviewing.finish.run(submission);
        return;
    }
    sending.set(Sending::InFlight);
    leptos::task::spawn_local(async move {
        let mut wait = 1;
        loop {
            match api::submit(&submission, None).await {
                Ok(receipt) => {
                    let url = format!("/receipt/{}", receipt.submission_id);
                    if let Some(LastReceipt(last)) = receipts {
                        last.set(Some(receipt));
                    }
                    if let Some(router) = router {
                        router.replace(&url);
                    }
                    return;
                }
                Err(ApiError::Invalid { message, fields }) => {
                    sending.set(Sending::Idle);
                    let mut errors = BTreeMap::new();
                    for field in fields {
                        errors.insert(field.path, field.message);
                    }
                    match errors.keys().next().cloned() {
                        Some(path) => {
                            filling.server_errors.set(errors);
                            show_problems_at(filling, &path);
                        }
                        None => sending.set(Sending::Failed(message)),
                    }
                    return;
                }
                Err(error) if error.is_transient() => {
                    let pause = match error {
                        ApiError::RateLimited {
                            retry_after_seconds,
                        } => retry_after_seconds.max(1),
                        _ => wait,
                    };
                    wait = (wait * 2).min(MAX_WAIT_SECONDS);
                    for seconds in (1..=pause).rev() {
                        // "Send now" sets Sending: stop waiting.
                        if sending.get_untracked() == Sending::InFlight && seconds != pause {
                            break;
                        }
                        sending.set(Sending::Waiting { seconds });
                        crate::browser::sleep(1_000).await;
                    }
                    sending.set(Sending::InFlight);
                }
                Err(ApiError::Conflict(_)) => {
                    sending.set(Sending::Failed(filling.words().get(W::Conflict).to_owned()));
                    return;
                }
                Err(other) => {
                    sending.set(Sending::Failed(other.to_string()));
                    return;
                }
            }
        }
    });
}

/// Goes to the step holding `path` and shows its problems there.
fn show_problems_at(filling: Filling, path: &str) {
    match filling.section_of(path) {
        Some(section) => {
            filling.attempt(section);
            filling.attempt(super::REVIEW);
            filling.step.set(Step::Section(section));
            browser::focus_soon("error-summary".into());
        }
        None => filling.go(Step::Review),
    }
}

/// One live region whose text follows the state: a single view rather than
/// one per state keeps the wasm smaller.
pub fn sending_view(filling: Filling, sending: RwSignal<Sending>) -> impl IntoView {
    let words = filling.words();
    let message = move || match sending.get() {
        Sending::Idle => String::new(),
        Sending::InFlight => words.get(W::Sending).to_owned(),
        Sending::Waiting { seconds } => {
            fill(words.get(W::Retrying), &[("s", &seconds.to_string())])
        }
        Sending::Failed(message) => message,
    };
    // A `String`, as the form's other reactive classes and texts: each type
    // a reactive class or text has costs its own render-effect code.
    let class = move || {
        match sending.get() {
            Sending::Failed(_) => "status error",
            Sending::Waiting { .. } => "status warning",
            _ => "status",
        }
        .to_owned()
    };
    let waiting = move || matches!(sending.get(), Sending::Waiting { .. });
    view! {
        <div class=class role="status">
            <p>{message}</p>
            <button
                type="button"
                class="secondary"
                on:click=move |_| sending.set(Sending::InFlight)
                hidden=move || super::present(!waiting())
            >
                {words.get(W::TryNow)}
            </button>
        </div>
    }
}

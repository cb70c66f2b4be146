//! The device's home: sign-in (once, online), then the enumerator's
//! clusters, the interviews on the device with their states, syncing, and
//! the outbox's export and import.

use leptos::prelude::*;
use salama_shared::Survey;
use uuid::Uuid;

use super::records::{self, Assignment, Interview, Session, State};
use super::sync::{self, Status};
use super::{Device, open, transfer};
use crate::api::{self, ApiError};
use crate::browser;
use crate::form::Draft;
use crate::i18n::fill;
use salama_shared::words::FieldWord as F;

pub fn home_page() -> impl IntoView {
    let device = expect_context::<Device>();
    move || {
        // Rebuilt as a whole in another language.
        device.language.track();
        match device.session.get() {
            None => untrack(|| sign_in(device)).into_any(),
            Some(session) => untrack(|| signed_in(device, session)).into_any(),
        }
    }
}

/// The interface languages the app carries every word of, to choose from
/// before any survey is on the device.
fn languages() -> Option<impl IntoView> {
    crate::interface::language_switch(
        salama_shared::words::BUILT_IN_LANGUAGES
            .iter()
            .map(|tag| tag.to_string())
            .collect(),
    )
}

fn sign_in(device: Device) -> impl IntoView {
    let words = device.words();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<&'static str>);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        // An empty field is named, not taken for a wrong password.
        let missing = if name.with_untracked(|name| name.trim().is_empty()) {
            Some((F::NameMissing, "name"))
        } else if password.with_untracked(String::is_empty) {
            Some((F::PasswordMissing, "password"))
        } else {
            None
        };
        if let Some((word, field)) = missing {
            error.set(Some(words.get(word)));
            browser::focus(field);
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({
                "name": name.get_untracked().trim(),
                "password": password.get_untracked(),
                "label": label.get_untracked().trim(),
            })
            .to_string();
            let signed = api::call("POST", "/api/devices", Some(body))
                .await
                .and_then(|text| api::parse_serde::<Session>(&text));
            busy.set(false);
            match signed {
                Ok(session) => {
                    if let Err(failure) = records::save_session(&session).await {
                        device.storage_failed(&failure);
                        return;
                    }
                    password.set(String::new());
                    device.session.set(Some(session));
                    refresh_assignments(device, None).await;
                    sync::start(device);
                }
                Err(ApiError::Unauthorized) => error.set(Some(words.get(F::WrongPassword))),
                Err(_) => error.set(Some(words.get(F::NeedsConnection))),
            }
        });
    };
    view! {
        <header class="bar field-bar">{languages()}</header>
        <main id="main" class="page">
            <h1>{words.get(F::Title)}</h1>
            <form class="step" novalidate on:submit=submit>
                <h2 id="step-heading" tabindex="-1">{words.get(F::SignInTitle)}</h2>
                <p>{words.get(F::SignInIntro)}</p>
                {move || error.get().map(|message| view! { <p class="error" role="alert" id="sign-in-error">{message}</p> })}
                <div class="question">
                    <label for="name">{words.get(F::Name)}</label>
                    <input id="name" type="text" autocomplete="username" aria-describedby="sign-in-error" prop:value=name on:input=move |e| name.set(event_target_value(&e)) />
                </div>
                <div class="question">
                    <label for="password">{words.get(F::Password)}</label>
                    <input id="password" type="password" autocomplete="current-password" aria-describedby="sign-in-error" prop:value=password on:input=move |e| password.set(event_target_value(&e)) />
                </div>
                <div class="question">
                    <label for="device-label">{words.get(F::DeviceLabel)}</label>
                    <p class="hint" id="device-label-hint">{words.get(F::DeviceLabelHint)}</p>
                    <input id="device-label" type="text" aria-describedby="device-label-hint" prop:value=label on:input=move |e| label.set(event_target_value(&e)) />
                </div>
                <div class="actions">
                    <button type="submit" id="sign-in" class="primary" disabled=busy>
                        {move || if busy.get() { words.get(F::SigningIn) } else { words.get(F::SignIn) }}
                    </button>
                </div>
            </form>
        </main>
    }
}

/// Fetches the assignments and every survey version they name that the
/// device lacks, and keeps them together. `done` says so on the page.
async fn refresh_assignments(device: Device, done: Option<RwSignal<Option<String>>>) {
    let Some(session) = device.session.get_untracked() else {
        return;
    };
    let words = device.words();
    let token = Some(session.token.as_str());
    let fetched = async {
        let text = api::call_as("GET", "/api/assignments", None, token).await?;
        let assignments: Vec<Assignment> = api::parse_serde(&text)?;
        let mut definitions = Vec::new();
        for assignment in &assignments {
            let key = (assignment.survey_id.clone(), assignment.survey_version);
            let known = definitions.iter().any(|(k, _)| *k == key)
                || records::definition(&key.0, key.1)
                    .await
                    .ok()
                    .flatten()
                    .is_some();
            if known {
                continue;
            }
            let url = format!("/api/surveys/{}/versions/{}", api::encode(&key.0), key.1);
            let text = api::call_as("GET", &url, None, token).await?;
            // Kept only if this build can read it.
            Survey::from_json(&text).map_err(|e| ApiError::Unexpected(e.to_string()))?;
            definitions.push((key, text));
        }
        Ok::<_, ApiError>((assignments, definitions))
    };
    match fetched.await {
        Ok((assignments, definitions)) => {
            match records::save_assignments(&assignments, &definitions).await {
                Ok(()) => {
                    device.assignments.set(assignments);
                    if let Some(done) = done {
                        done.set(Some(words.get(F::AssignmentsRefreshed).to_owned()));
                    }
                }
                Err(error) => device.storage_failed(&error),
            }
        }
        Err(ApiError::Unauthorized) => device.outbox.status.set(Status::SignedOut),
        Err(_) => {
            if let Some(done) = done {
                done.set(Some(words.get(F::Unreachable).to_owned()));
            }
        }
    }
}

fn signed_in(device: Device, session: Session) -> impl IntoView {
    let words = device.words();
    let refreshed = RwSignal::new(None::<String>);
    let unsent = move || {
        device
            .interviews
            .with(|all| all.iter().filter(|i| i.state != State::Sent).count())
    };
    // With interviews not yet sent, signing out is confirmed first.
    let confirming = RwSignal::new(false);
    let sign_out = move || {
        confirming.set(false);
        leptos::task::spawn_local(async move {
            // The server forgets the token if it can be reached; the device
            // forgets it either way. Interviews stay.
            if let Some(session) = device.session.get_untracked() {
                let _ = api::call_as("POST", "/api/logout", None, Some(&session.token)).await;
            }
            match records::forget_session().await {
                Ok(()) => device.session.set(None),
                Err(error) => device.storage_failed(&error),
            }
        });
    };
    let ask = move |_| {
        if unsent() == 0 {
            sign_out();
        } else {
            confirming.set(true);
            browser::focus_soon("sign-out-confirm".into());
        }
    };
    view! {
        <header class="bar field-bar">
            <p>{words.get(F::SignedInAs)}" "<strong id="signed-in-as">{session.name.clone()}</strong></p>
            {languages()}
            <button type="button" class="secondary" id="sign-out" on:click=ask>{words.get(F::SignOut)}</button>
        </header>
        <main id="main" class="page">
            <h1>{words.get(F::Title)}</h1>
            {move || confirming.get().then(|| view! {
                <section class="confirm" role="alertdialog" aria-labelledby="sign-out-question">
                    <p id="sign-out-question">{fill(words.get(F::SignOutConfirm), &[("n", &unsent().to_string())])}</p>
                    <div class="actions">
                        <button type="button" class="primary" id="sign-out-confirm" on:click=move |_| sign_out()>{words.get(F::SignOutAnyway)}</button>
                        <button type="button" class="secondary" id="sign-out-cancel" on:click=move |_| confirming.set(false)>{words.get(F::Cancel)}</button>
                    </div>
                </section>
            })}
            {move || device.notice.get().map(|notice| view! { <p class="error" role="alert">{notice}</p> })}
            <p role="status" id="device-message">{move || device.message.get()}</p>
            {move || (unsent() > 0).then(|| view! { <p class="hint">{words.get(F::SignOutUnsent)}</p> })}
            {sync_panel(device)}
            <section aria-labelledby="assignments-title">
                <h2 id="assignments-title">{words.get(F::AssignmentsTitle)}</h2>
                {move || assignment_list(device)}
                <button
                    type="button"
                    class="secondary"
                    id="refresh-assignments"
                    on:click=move |_| leptos::task::spawn_local(refresh_assignments(device, Some(refreshed)))
                >
                    {words.get(F::RefreshAssignments)}
                </button>
                <p role="status" id="assignments-status">{move || refreshed.get()}</p>
            </section>
            <section aria-labelledby="interviews-title">
                <h2 id="interviews-title">{words.get(F::InterviewsTitle)}</h2>
                {move || interview_list(device)}
            </section>
            {transfer::transfer_panel(device)}
        </main>
    }
}

fn sync_panel(device: Device) -> impl IntoView {
    let words = device.words();
    let waiting = move || {
        device
            .interviews
            .with(|all| all.iter().filter(|i| sync::is_waiting(i)).count())
    };
    let message = move || match device.outbox.status.get() {
        Status::Sending => words.get(F::Syncing).to_owned(),
        Status::Waiting { seconds } => fill(words.get(F::RetryIn), &[("s", &seconds.to_string())]),
        Status::SignedOut => words.get(F::SessionEnded).to_owned(),
        Status::Idle => match waiting() {
            0 => words.get(F::AllSent).to_owned(),
            n => fill(words.get(F::Waiting), &[("n", &n.to_string())]),
        },
    };
    let kept = move || match device.persistent.get() {
        Some(true) => words.get(F::StorageKept),
        _ => words.get(F::StorageMayBeCleared),
    };
    view! {
        <section class="sync" aria-label=words.get(F::SyncNow)>
            <p role="status" id="sync-status">{message}</p>
            <button type="button" class="primary" id="sync-now" on:click=move |_| sync::sync_now(device)>
                {words.get(F::SyncNow)}
            </button>
            <p class="hint">{kept}</p>
        </section>
    }
}

fn assignment_list(device: Device) -> AnyView {
    let words = device.words();
    let assignments = device.assignments.get();
    if assignments.is_empty() {
        return view! { <p id="no-assignments">{words.get(F::NoAssignments)}</p> }.into_any();
    }
    view! {
        <ul class="assignments">
            {assignments
                .into_iter()
                .map(|assignment| {
                    let heading = format!("{} {}", words.get(F::Cluster), assignment.cluster_id);
                    let detail = assignment.area.clone().unwrap_or_default();
                    let id = format!("start-{}", assignment.cluster_id);
                    view! {
                        <li>
                            <p><strong>{heading}</strong>" "{detail}</p>
                            <button
                                type="button"
                                class="primary"
                                id=id
                                on:click=move |_| start_interview(device, assignment.clone())
                            >
                                {words.get(F::StartInterview)}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

fn start_interview(device: Device, assignment: Assignment) {
    let Some(session) = device.session.get_untracked() else {
        return;
    };
    let id: Uuid = browser::new_submission_id();
    let interview = Interview {
        id,
        survey_id: assignment.survey_id,
        survey_version: assignment.survey_version,
        cluster_id: assignment.cluster_id,
        enumerator_id: session.name,
        state: State::Draft,
        draft: Draft::new(id, browser::now()),
        step: crate::form::Step::Consent.code(),
        submission: None,
        receipt: None,
        problems: Vec::new(),
        attempts: 0,
        replaces: None,
        updated_at: js_sys::Date::now(),
    };
    leptos::task::spawn_local(async move {
        match interview.save().await {
            Ok(()) => {
                device.show(&interview);
                open(&format!("interview/{id}"));
            }
            Err(error) => device.storage_failed(&error),
        }
    });
}

fn interview_list(device: Device) -> AnyView {
    let words = device.words();
    let interviews = device.interviews.get();
    if interviews.is_empty() {
        return view! { <p>{words.get(F::NoInterviews)}</p> }.into_any();
    }
    view! {
        <ul class="interviews">
            {interviews
                .into_iter()
                .map(|interview| {
                    let state = interview.state;
                    let label = match state {
                        State::Draft => words.get(F::StateDraft),
                        State::Queued => words.get(F::StateQueued),
                        State::Sending => words.get(F::StateSending),
                        State::Sent => words.get(F::StateSent),
                        State::Rejected if interview.replaces.is_some() => words.get(F::SentBack),
                        State::Rejected => words.get(F::StateRejected),
                    };
                    let started = interview.draft.started_at.as_str().to_owned();
                    let summary = format!(
                        "{} {} · {}",
                        words.get(F::Cluster),
                        interview.cluster_id,
                        started.get(..16).unwrap_or(&started).replace('T', " ")
                    );
                    let receipt = interview.receipt.as_ref().map(|receipt| {
                        let short = receipt.submission_id.to_string();
                        view! { <p class="receipt">{words.get(F::Receipt)}": "<code>{short}</code>" · "{receipt.received_at.clone()}</p> }
                    });
                    let problems = (!interview.problems.is_empty()).then(|| {
                        view! {
                            <ul class="problems">
                                {interview.problems.iter().map(|problem| {
                                    let text = if problem.path.is_empty() {
                                        problem.message.clone()
                                    } else {
                                        format!("{}: {}", problem.path, problem.message)
                                    };
                                    view! { <li>{text}</li> }
                                }).collect_view()}
                            </ul>
                        }
                    });
                    let action = match state {
                        State::Draft => Some(words.get(F::ContinueInterview)),
                        State::Rejected => Some(words.get(F::CorrectAndResend)),
                        _ => None,
                    };
                    let href = format!("#interview/{}", interview.id);
                    let id = format!("interview-{}", interview.id);
                    let discard = (state == State::Draft).then(|| discard_draft(device, interview.id));
                    view! {
                        <li class="interview" id=id data-state=state.as_str()>
                            <p>
                                <span class=format!("badge {}", state.as_str())>{label}</span>
                                " "{summary}
                            </p>
                            {receipt}
                            {problems}
                            <div class="actions">
                                {action.map(|text| view! { <a class="button" href=href>{text}</a> })}
                                {discard}
                            </div>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// A draft the enumerator will not finish (a wrong household, a test) is
/// discarded after a confirmation: deleted from the device, never sent.
fn discard_draft(device: Device, id: Uuid) -> impl IntoView {
    let words = device.words();
    let confirming = RwSignal::new(false);
    let discard = move |_| {
        leptos::task::spawn_local(async move {
            match Interview::delete(&id.to_string()).await {
                Ok(()) => {
                    device
                        .interviews
                        .update(|all| all.retain(|interview| interview.id != id));
                    device.message.set(Some(words.get(F::Discarded).to_owned()));
                    browser::focus_soon("interviews-title".into());
                }
                Err(error) => device.storage_failed(&error),
            }
        });
    };
    move || {
        if confirming.get() {
            view! {
                <div class="confirm" role="alertdialog" aria-labelledby=format!("discard-question-{id}")>
                    <p id=format!("discard-question-{id}")>{words.get(F::DiscardConfirm)}</p>
                    <button type="button" class="primary" id=format!("discard-confirm-{id}") on:click=discard>{words.get(F::DiscardDraft)}</button>
                    <button type="button" class="secondary" on:click=move |_| confirming.set(false)>{words.get(F::Cancel)}</button>
                </div>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="secondary" id=format!("discard-{id}") on:click=move |_| {
                    confirming.set(true);
                    browser::focus_soon(format!("discard-confirm-{id}"));
                }>{words.get(F::DiscardDraft)}</button>
            }
            .into_any()
        }
    }
}

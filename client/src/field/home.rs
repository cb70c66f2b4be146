//! The device's home: sign-in (once, online), then the enumerator's
//! clusters, the interviews on the device with their states, syncing, and
//! the outbox's export and import.

use leptos::prelude::*;
use salama_shared::Survey;
use uuid::Uuid;

use super::records::{self, Assignment, Interview, Session, State, VisitRecord};
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
            let signed = credentials("/api/devices", body).await;
            busy.set(false);
            match signed {
                Ok(session) => {
                    password.set(String::new());
                    begin(device, session).await;
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
            {super::pairing::form(device)}
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

/// The device's credentials for a sign-in or a pairing code sent to `path`.
pub(super) async fn credentials(path: &str, body: String) -> Result<Session, ApiError> {
    api::call("POST", path, Some(body))
        .await
        .and_then(|text| api::parse_serde::<Session>(&text))
}

/// Keeps the credentials a sign-in or a pairing code got, then fetches
/// the assignments and starts sending.
pub(super) async fn begin(device: Device, session: Session) {
    if let Err(failure) = records::save_session(&session).await {
        device.storage_failed(&failure);
        return;
    }
    device.session.set(Some(session));
    refresh_assignments(device, None).await;
    sync::start(device);
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
                    device.read_surveys().await;
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
            <section aria-labelledby="visits-title">
                <h2 id="visits-title">{words.get(F::VisitsTitle)}</h2>
                {move || visit_list(device)}
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
            + device
                .visits
                .with(|all| all.iter().filter(|v| sync::visit_is_waiting(v)).count())
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
                    let survey = device.survey_of(&assignment.survey_id, assignment.survey_version);
                    let area = assignment
                        .area
                        .as_deref()
                        .map(|code| device.area_name(survey, code))
                        .unwrap_or_default();
                    let language = device.language.get_untracked();
                    let title = survey.map_or_else(
                        || assignment.survey_id.clone(),
                        |survey| survey.title.get(&language, &survey.default_language).to_owned(),
                    );
                    view! {
                        <li>
                            <p><strong>{heading}</strong>" · "<span class="area">{area}</span></p>
                            <p class="survey-title">{title}</p>
                            {household_work(device, assignment)}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// The next household number not yet used on this device in a cluster:
/// the listing's numbers are usually visited in order.
fn next_household(device: Device, cluster: &str) -> String {
    let interviews = device.interviews.with_untracked(|all| {
        all.iter()
            .filter(|interview| interview.cluster_id == cluster)
            .filter_map(|interview| interview.household.parse::<u32>().ok())
            .max()
    });
    let visits = device.visits.with_untracked(|all| {
        all.iter()
            .filter(|record| record.visit.cluster_id == cluster)
            .filter_map(|record| record.visit.household.parse::<u32>().ok())
            .max()
    });
    (interviews.max(visits).unwrap_or(0) + 1).to_string()
}

/// One cluster's household work: the household's number, then an
/// interview, or a visit that ended without one (no one home, vacant…).
fn household_work(device: Device, assignment: Assignment) -> impl IntoView {
    let words = device.words();
    let cluster = assignment.cluster_id.clone();
    let household = RwSignal::new(next_household(device, &cluster));
    let invalid = RwSignal::new(false);
    let recording = RwSignal::new(false);
    let input_id = format!("household-{cluster}");
    let hint_id = format!("household-hint-{cluster}");
    let error_id = format!("household-error-{cluster}");
    let valid = move || {
        let ok = household
            .with_untracked(|number| salama_shared::visit::is_household_number(number.trim()));
        invalid.set(!ok);
        ok
    };
    let start = {
        let assignment = assignment.clone();
        let input_id = input_id.clone();
        move |_| {
            if valid() {
                start_interview(
                    device,
                    assignment.clone(),
                    household.get_untracked().trim().to_owned(),
                );
            } else {
                browser::focus(&input_id);
            }
        }
    };
    let input_for_visit = input_id.clone();
    let open_visit = move |_| {
        if valid() {
            recording.set(true);
        } else {
            browser::focus(&input_for_visit);
        }
    };
    let described = format!("{hint_id} {error_id}");
    let error_line = error_id.clone();
    view! {
        <div class="question">
            <label for=input_id.clone()>{words.get(F::HouseholdNumber)}</label>
            <p class="hint" id=hint_id>{words.get(F::HouseholdNumberHint)}</p>
            {move || invalid.get().then(|| view! { <p class="error" id=error_line.clone()>{words.get(F::HouseholdNumberInvalid)}</p> })}
            <input
                id=input_id
                type="text"
                autocomplete="off"
                aria-describedby=described
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                prop:value=household
                on:input=move |e| household.set(event_target_value(&e))
            />
        </div>
        <div class="actions">
            <button type="button" class="primary" id=format!("start-{cluster}") on:click=start>
                {words.get(F::StartInterview)}
            </button>
            <button type="button" class="secondary" id=format!("record-visit-{cluster}") on:click=open_visit>
                {words.get(F::RecordVisit)}
            </button>
        </div>
        {move || recording.get().then(|| visit_form(device, assignment.clone(), household, recording))}
    }
}

/// The outcomes a visit without an interview can have.
const WITHOUT_INTERVIEW: [salama_shared::visit::VisitOutcome; 6] = {
    use salama_shared::visit::VisitOutcome as O;
    [
        O::NoOneHome,
        O::HouseholdRefused,
        O::RespondentUnavailable,
        O::RespondentRefused,
        O::Vacant,
        O::NotFound,
    ]
};

pub(super) fn outcome_word(outcome: salama_shared::visit::VisitOutcome) -> F {
    use salama_shared::visit::VisitOutcome as O;
    match outcome {
        O::Completed => F::OutcomeCompleted,
        O::Partial => F::OutcomePartial,
        O::HouseholdRefused => F::OutcomeHouseholdRefused,
        O::NoOneHome => F::OutcomeNoOneHome,
        O::Vacant => F::OutcomeVacant,
        O::NotFound => F::OutcomeNotFound,
        O::RespondentRefused => F::OutcomeRespondentRefused,
        O::RespondentUnavailable => F::OutcomeRespondentUnavailable,
    }
}

/// A visit that ended without an interview, checked by the shared rules
/// and kept in the outbox (a refusal keeps no answer: there is none).
fn visit_form(
    device: Device,
    assignment: Assignment,
    household: RwSignal<String>,
    recording: RwSignal<bool>,
) -> impl IntoView {
    use salama_shared::visit::{MAX_NOTE_CHARS, Visit, VisitOutcome};
    let words = device.words();
    let cluster = assignment.cluster_id.clone();
    let outcome = RwSignal::new(None::<VisitOutcome>);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let prefix = format!("visit-{cluster}");
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(session) = device.session.get_untracked() else {
            return;
        };
        let Some(chosen) = outcome.get_untracked() else {
            error.set(Some(words.get(F::ChooseOutcome)));
            return;
        };
        let text = note.get_untracked().trim().to_owned();
        let visit = Visit {
            visit_id: browser::new_submission_id(),
            survey_id: assignment.survey_id.clone(),
            cluster_id: assignment.cluster_id.clone(),
            household: household.get_untracked().trim().to_owned(),
            visited_at: browser::now(),
            outcome: chosen,
            enumerator_id: Some(session.name),
            submission_id: None,
            note: (!text.is_empty()).then_some(text),
        };
        let now = (js_sys::Date::now() / 1000.0) as i64;
        let problems = salama_shared::visit::check(&visit, now);
        if let Some(problem) = problems.first() {
            error.set(Some(match problem.path {
                "note" => words.get(F::NoteTooLong),
                "household" => words.get(F::HouseholdNumberInvalid),
                _ => words.get(F::ChooseOutcome),
            }));
            return;
        }
        error.set(None);
        let record = VisitRecord::new(visit);
        leptos::task::spawn_local(async move {
            if sync::keep_visit(device, &record).await {
                recording.set(false);
                device.message.set(Some(words.get(F::VisitKept).to_owned()));
                browser::focus_soon("device-message".into());
                sync::start(device);
            }
        });
    };
    let legend_id = format!("{prefix}-outcome");
    let note_id = format!("{prefix}-note");
    let error_id = format!("{prefix}-error");
    let (labelled_by, described_by, error_line) = (legend_id.clone(), error_id.clone(), error_id);
    view! {
        <form class="step visit" novalidate on:submit=submit aria-labelledby=labelled_by>
            <fieldset class="question" aria-describedby=described_by>
                <legend id=legend_id>{words.get(F::VisitOutcome)}</legend>
                {move || error.get().map(|message| view! { <p class="error" role="alert" id=error_line.clone()>{message}</p> })}
                <div class="choices">
                    {WITHOUT_INTERVIEW
                        .into_iter()
                        .map(|choice| {
                            let id = format!("{prefix}-{}", choice.as_str());
                            view! {
                                <div class="choice">
                                    <input
                                        type="radio"
                                        id=id.clone()
                                        name=prefix.clone()
                                        prop:checked=move || outcome.get() == Some(choice)
                                        on:change=move |_| outcome.set(Some(choice))
                                    />
                                    <label for=id>{words.get(outcome_word(choice))}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            <div class="question">
                <label for=note_id.clone()>{words.get(F::VisitNote)}</label>
                <textarea
                    id=note_id
                    maxlength=MAX_NOTE_CHARS.to_string()
                    prop:value=note
                    on:input=move |e| note.set(event_target_value(&e))
                ></textarea>
            </div>
            <div class="actions">
                <button type="submit" class="primary" id=format!("{prefix}-save")>{words.get(F::SaveVisit)}</button>
                <button type="button" class="secondary" on:click=move |_| recording.set(false)>{words.get(F::Cancel)}</button>
            </div>
        </form>
    }
}

fn visit_list(device: Device) -> AnyView {
    let words = device.words();
    let visits = device.visits.get();
    if visits.is_empty() {
        return view! { <p id="no-visits">{words.get(F::NoVisits)}</p> }.into_any();
    }
    view! {
        <ul class="visits">
            {visits
                .into_iter()
                .map(|record| {
                    let state = record.state;
                    let badge = state_word(state);
                    let visit = &record.visit;
                    let at = visit.visited_at.as_str();
                    let summary = format!(
                        "{} {} · {} {} · {} · {}",
                        words.get(F::Household),
                        visit.household,
                        words.get(F::Cluster),
                        visit.cluster_id,
                        words.get(outcome_word(visit.outcome)),
                        at.get(..16).unwrap_or(at).replace('T', " ")
                    );
                    let problems = (!record.problems.is_empty()).then(|| {
                        let items = record
                            .problems
                            .iter()
                            .map(|problem| view! { <li>{problem.message.clone()}</li> })
                            .collect_view();
                        view! { <ul class="problems">{items}</ul> }
                    });
                    view! {
                        <li class="visit" id=format!("visit-{}", visit.visit_id) data-state=state.as_str() data-outcome=visit.outcome.as_str()>
                            <p><span class=format!("badge {}", state.as_str())>{words.get(badge)}</span>" "{summary}</p>
                            {problems}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

fn state_word(state: State) -> F {
    match state {
        State::Draft => F::StateDraft,
        State::Queued => F::StateQueued,
        State::Sending => F::StateSending,
        State::Sent => F::StateSent,
        State::Rejected => F::StateRejected,
    }
}

fn start_interview(device: Device, assignment: Assignment, household: String) {
    let Some(session) = device.session.get_untracked() else {
        return;
    };
    let id: Uuid = browser::new_submission_id();
    let interview = Interview {
        id,
        survey_id: assignment.survey_id,
        survey_version: assignment.survey_version,
        cluster_id: assignment.cluster_id,
        household,
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
                    let label = if state == State::Rejected && interview.replaces.is_some() {
                        words.get(F::SentBack)
                    } else {
                        words.get(state_word(state))
                    };
                    let started = interview.draft.started_at.as_str().to_owned();
                    let household = if interview.household.is_empty() {
                        String::new()
                    } else {
                        format!("{} {} · ", words.get(F::Household), interview.household)
                    };
                    let area = device
                        .assignments
                        .with_untracked(|all| {
                            all.iter()
                                .find(|a| a.survey_id == interview.survey_id && a.cluster_id == interview.cluster_id)
                                .and_then(|a| a.area.clone())
                        })
                        .map(|code| {
                            let survey = device.survey_of(&interview.survey_id, interview.survey_version);
                            format!(" ({})", device.area_name(survey, &code))
                        })
                        .unwrap_or_default();
                    let summary = format!(
                        "{household}{} {}{area} · {}",
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

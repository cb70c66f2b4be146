//! One interview on the device: opened from its record and the survey
//! version it was started on (kept on the device, so a version published
//! mid-fieldwork does not change a draft), kept after every change, and
//! queued for sending when finished.

use std::collections::BTreeMap;

use leptos::prelude::*;
use salama_shared::{Submission, Survey};

use super::records::{self, Interview, State, VisitRecord};
use super::{Device, open, sync};
use crate::form::{Draft, Envelope, Filling, Interviewing, Opening, Prepared, Refuser, Step};
use salama_shared::visit::{Visit, VisitOutcome};
use salama_shared::words::FieldWord as F;
use salama_shared::words::FormWord as W;

/// The version an interview was started on, prepared once per page (see
/// [`crate::form::prepare`]).
async fn survey(survey_id: &str, version: u32) -> Option<Prepared> {
    if let Some(kept) = crate::form::prepared(survey_id, version) {
        return Some(kept);
    }
    let text = records::definition(survey_id, version).await.ok()??;
    Survey::from_json(&text).ok().map(crate::form::prepare)
}

pub fn interview_page(id: String) -> impl IntoView {
    let device = expect_context::<Device>();
    let loaded = RwSignal::new(None::<Option<(Interview, Prepared)>>);
    leptos::task::spawn_local(async move {
        let found = match Interview::load(&id).await {
            Ok(Some(interview)) => survey(&interview.survey_id, interview.survey_version)
                .await
                .map(|survey| (interview, survey)),
            Ok(None) => None,
            Err(error) => {
                device.storage_failed(&error);
                None
            }
        };
        loaded.set(Some(found));
    });
    let words = device.words();
    move || match loaded.get() {
        None => crate::pages::status(
            expect_context::<crate::interface::Interface>()
                .words()
                .get(W::Loading),
        )
        .into_any(),
        Some(None) => view! {
            <main id="main" class="page">
                <h1>{words.get(F::NotOnDevice)}</h1>
                <p><a href="#">{words.get(F::BackToList)}</a></p>
            </main>
        }
        .into_any(),
        Some(Some((interview, survey))) => untrack(|| opened(device, interview, survey)).into_any(),
    }
}

fn opened(device: Device, interview: Interview, survey: Prepared) -> impl IntoView {
    let editable = matches!(interview.state, State::Draft | State::Rejected);
    let step = if editable {
        Step::from_code(&interview.step)
    } else {
        Step::Review
    };
    let server_errors: BTreeMap<String, String> = interview
        .problems
        .iter()
        .map(|problem| (problem.path.clone(), problem.message.clone()))
        .collect();
    let envelope = Envelope {
        enumerator_id: Some(interview.enumerator_id.clone()),
        cluster_id: Some(interview.cluster_id.clone()),
    };
    let mut draft = interview.draft.clone();
    // A new interview starts in its cluster's area (region and district),
    // which the enumerator confirms or changes with the respondent.
    if editable && interview.state == State::Draft && draft.answers.is_empty() {
        let area = device.assignments.with_untracked(|all| {
            all.iter()
                .find(|a| {
                    a.survey_id == interview.survey_id && a.cluster_id == interview.cluster_id
                })
                .and_then(|a| a.area.clone())
        });
        if let Some((question, answer)) = area.and_then(|code| survey.survey.location_answer(&code))
        {
            draft.answers.insert(question.to_owned(), answer);
        }
    }
    let record = StoredValue::new(interview);
    // Every change is kept on the device at once: a phone that dies
    // mid-interview loses at most the keystroke in progress.
    let started = Callback::new(move |filling: Filling| {
        Effect::new(move |_| {
            let step = filling.step.get();
            let draft = filling.draft.get();
            if step != Step::Declined {
                keep(device, record, draft, step);
            }
        });
    });
    let finish = Callback::new(move |submission: Submission| {
        // A queued or sent interview reopened (Back, an old link) is only
        // looked at: its frozen submission must stay the one sent.
        if !record.with_value(|kept| matches!(kept.state, State::Draft | State::Rejected)) {
            open("");
            return;
        }
        // The household's visit, completed: sent once the interview is held.
        // A corrected resend is the same visit, already recorded.
        let visit = record
            .with_value(|kept| kept.state == State::Draft)
            .then(|| VisitRecord::new(household_visit(record, VisitOutcome::Completed)));
        record.update_value(|kept| {
            kept.submission = Some(submission);
            kept.state = State::Queued;
            kept.problems.clear();
            kept.step = Step::Review.code();
            kept.updated_at = js_sys::Date::now();
        });
        save(device, record.get_value(), Some(("", visit)));
    });
    let refusing = RwSignal::new(None::<(Filling, Refuser)>);
    provide_context(Household { record });
    let refused = Callback::new(move |(filling, who): (Filling, Refuser)| {
        refusing.set(Some((filling, who)));
        crate::browser::focus_soon("refusal-confirm".into());
        true
    });
    let hide = Callback::new(move |()| {
        let id = record.with_value(|kept| kept.id);
        open(&format!("today/{id}"));
    });
    let interviewing = Interviewing {
        envelope: StoredValue::new(envelope),
        started,
        finish,
        refused,
        hide,
        extra_step: Callback::new(super::extra_step),
        steps: Callback::new(super::interview_steps),
    };
    let questionnaire = crate::form::questionnaire(
        survey,
        Opening {
            draft,
            step,
            server_errors,
            interviewing: Some(interviewing),
        },
    );
    // Below the interview, so that Quick exit stays first: the way back to
    // the list (the interview is kept as it is).
    let (language, survey) = (device.language, device.survey);
    let words = move || super::words::field_words(&language.get(), survey.get());
    view! {
        {questionnaire}
        {move || refusing.get().map(|(filling, who)| refusal_confirmation(device, record, refusing, filling, who))}
        <nav class="page field-nav" aria-label=move || words().get(F::InterviewsTitle)>
            <a href="#" id="to-list">{move || words().get(F::BackToList)}</a>
        </nav>
    }
}

/// Keeps a changed draft of an interview still being filled.
fn keep(device: Device, record: StoredValue<Interview>, draft: Draft, step: Step) {
    let open = record.with_value(|kept| matches!(kept.state, State::Draft | State::Rejected));
    let changed = record.with_value(|kept| kept.draft != draft || kept.step != step.code());
    if !open || !changed {
        return;
    }
    record.update_value(|kept| {
        kept.draft = draft;
        kept.step = step.code();
        kept.updated_at = js_sys::Date::now();
    });
    save(device, record.get_value(), None);
}

/// Writes the interview; `then` is the screen to go to once it is on disk,
/// with the visit a finished interview keeps first (a finished interview
/// leaves the page only when both are kept, and the outbox finds both).
fn save(device: Device, interview: Interview, then: Option<(&'static str, Option<VisitRecord>)>) {
    leptos::task::spawn_local(async move {
        if let Some((_, Some(visit))) = &then
            && !sync::keep_visit(device, visit).await
        {
            return;
        }
        match interview.save().await {
            Ok(()) => {
                device.show(&interview);
                if let Some((screen, _)) = then {
                    device
                        .message
                        .set(Some(device.words().get(F::InterviewKept).to_owned()));
                    open(screen);
                    sync::start(device);
                }
            }
            Err(error) => device.storage_failed(&error),
        }
    });
}

/// The interview's household, for the steps only interviews have (the
/// draw's "not available now").
#[derive(Clone, Copy)]
pub(super) struct Household {
    pub record: StoredValue<Interview>,
}

/// A visit of this interview's household, made now.
fn household_visit(record: StoredValue<Interview>, outcome: VisitOutcome) -> Visit {
    record.with_value(|kept| Visit {
        visit_id: crate::browser::new_submission_id(),
        survey_id: kept.survey_id.clone(),
        cluster_id: kept.cluster_id.clone(),
        household: kept.household.clone(),
        visited_at: crate::browser::now(),
        outcome,
        enumerator_id: Some(kept.enumerator_id.clone()),
        submission_id: matches!(outcome, VisitOutcome::Completed).then_some(kept.id),
        note: None,
    })
}

/// A refusal is never one tap: confirmed, it ends the interview, drops
/// every answer from the device and keeps the household's visit as a
/// refusal; "go back" returns to the question as it was.
fn refusal_confirmation(
    device: Device,
    record: StoredValue<Interview>,
    refusing: RwSignal<Option<(Filling, Refuser)>>,
    filling: Filling,
    who: Refuser,
) -> impl IntoView {
    let words = device.words();
    let outcome = match who {
        Refuser::Household => VisitOutcome::HouseholdRefused,
        Refuser::Respondent | Refuser::Adult | Refuser::Minor => VisitOutcome::RespondentRefused,
    };
    let confirm = move |_| {
        refusing.set(None);
        let id = record.with_value(|kept| kept.id.to_string());
        // Nothing further is kept of this interview.
        record.update_value(|kept| kept.state = State::Sent);
        let visit = VisitRecord::new(household_visit(record, outcome));
        leptos::task::spawn_local(async move {
            if !sync::keep_visit(device, &visit).await {
                return;
            }
            match Interview::delete(&id).await {
                Ok(()) => device
                    .interviews
                    .update(|all| all.retain(|other| other.id.to_string() != id)),
                Err(error) => device.storage_failed(&error),
            }
            device
                .message
                .set(Some(device.words().get(F::RefusalKept).to_owned()));
            open("");
            sync::start(device);
        });
    };
    let back = move |_| {
        refusing.set(None);
        // A refused parent's answer is taken back, so it can be given again.
        if who == Refuser::Adult {
            filling.draft.update(|draft| draft.consent.adult = None);
        }
        crate::browser::focus_soon("step-heading".into());
    };
    view! {
        <section class="page confirm refusal" role="alertdialog" aria-labelledby="refusal-question" aria-describedby="refusal-explained">
            <h2 id="refusal-question">{words.get(F::RefusalQuestion)}</h2>
            <p id="refusal-explained">{words.get(F::RefusalExplained)}</p>
            <div class="actions">
                <button type="button" class="primary" id="refusal-confirm" on:click=confirm>{words.get(F::RecordRefusal)}</button>
                <button type="button" class="secondary" id="refusal-back" on:click=back>{words.get(F::GoBack)}</button>
            </div>
        </section>
    }
}

/// The drawn member is not at home: the visit is recorded and the draft
/// (household list and draw) kept for the call-back.
pub(super) fn respondent_unavailable(device: Device, household: Household) {
    let visit = VisitRecord::new(household_visit(
        household.record,
        VisitOutcome::RespondentUnavailable,
    ));
    leptos::task::spawn_local(async move {
        if sync::keep_visit(device, &visit).await {
            device
                .message
                .set(Some(device.words().get(F::UnavailableKept).to_owned()));
            open("");
            sync::start(device);
        }
    });
}

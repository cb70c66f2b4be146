//! One interview on the device: opened from its record and the survey
//! version it was started on (kept on the device, so a version published
//! mid-fieldwork does not change a draft), kept after every change, and
//! queued for sending when finished.

use std::collections::BTreeMap;

use leptos::prelude::*;
use salama_shared::{Submission, Survey};

use super::records::{self, Interview, State};
use super::{Device, open, sync};
use crate::form::{Draft, Envelope, Filling, Interviewing, Opening, Prepared, Step};
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
    let draft = interview.draft.clone();
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
        record.update_value(|kept| {
            kept.submission = Some(submission);
            kept.state = State::Queued;
            kept.problems.clear();
            kept.step = Step::Review.code();
            kept.updated_at = js_sys::Date::now();
        });
        save(device, record.get_value(), Some(""));
    });
    let discard = Callback::new(move |()| {
        let id = record.with_value(|kept| kept.id.to_string());
        // Nothing further is kept for this household.
        record.update_value(|kept| kept.state = State::Sent);
        leptos::task::spawn_local(async move {
            match Interview::delete(&id).await {
                Ok(()) => device
                    .interviews
                    .update(|all| all.retain(|other| other.id.to_string() != id)),
                Err(error) => device.storage_failed(&error),
            }
        });
    });
    let hide = Callback::new(move |()| {
        let id = record.with_value(|kept| kept.id);
        open(&format!("today/{id}"));
    });
    let interviewing = Interviewing {
        envelope: StoredValue::new(envelope),
        started,
        finish,
        discard,
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

/// Writes the interview; `then` is the screen to go to once it is on disk
/// (a finished interview leaves the page only when kept).
fn save(device: Device, interview: Interview, then: Option<&'static str>) {
    leptos::task::spawn_local(async move {
        match interview.save().await {
            Ok(()) => {
                device.show(&interview);
                if let Some(screen) = then {
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

//! A survey checked but not published, shown with the citizens' own form
//! (`form::questionnaire`) in each of its languages. The answers live in
//! this page's memory only: the form's sending is replaced, as the field
//! app replaces it with its outbox, by a note that nothing was sent.

use leptos::prelude::*;
use salama_shared::Survey;
use salama_shared::form::Form;
use salama_shared::text::is_right_to_left;
use salama_shared::words::{AdminWord as A, Key};

use crate::browser;
use crate::form::{Draft, Envelope, Interviewing, Opening, Prepared, Step, questionnaire};
use crate::interface::Interface;

pub fn view(survey: &'static Survey, back: Callback<()>) -> impl IntoView {
    // The console's words stay in the console's language; the preview has
    // its own, switched among the survey's languages by the form itself.
    let console_language = expect_context::<Interface>().language.get_untracked();
    let notice = A::PreviewNotice.in_language(&console_language);
    let finished_text = A::PreviewFinished.in_language(&console_language);
    let back_text = A::BackToConsole.in_language(&console_language);
    let preview_label = A::Preview.in_language(&console_language);
    let preview_language = RwSignal::new(survey.default_language.clone());
    provide_context(Interface {
        language: preview_language,
        survey: RwSignal::new(None),
    });
    let finished = RwSignal::new(false);
    // Not `form::prepare`: its cache is keyed by version, and a draft being
    // corrected keeps its version number from one check to the next.
    let prepared = Prepared {
        survey,
        form: Box::leak(Box::new(Form::new(survey))),
    };
    let interviewing = Interviewing {
        envelope: StoredValue::new(Envelope::default()),
        started: Callback::new(|_| {}),
        finish: Callback::new(move |_| {
            finished.set(true);
            browser::focus_soon("preview-status".into());
        }),
        refused: Callback::new(|_| false),
        hide: Callback::new(move |()| back.run(())),
        extra_step: Callback::new(|_| ().into_any()),
        // The steps the form takes online without an interview (consent,
        // the sections that apply, the review), restated here rather than
        // shared so that the citizens' form stays byte for byte as it was.
        steps: Callback::new(|(_, sections): (_, Vec<usize>)| {
            let mut steps = vec![Step::Consent];
            steps.extend(sections.into_iter().map(Step::Section));
            steps.push(Step::Review);
            steps
        }),
    };
    let opening = Opening {
        draft: Draft::new(browser::new_submission_id(), browser::now()),
        step: Step::Consent,
        server_errors: Default::default(),
        interviewing: Some(interviewing),
    };
    browser::focus_soon("back-to-console".into());
    view! {
        <aside class="preview-notice" aria-label=preview_label lang=console_language.clone()>
            <p>{notice}</p>
            <p id="preview-status" tabindex="-1" role="status">{move || finished.get().then_some(finished_text)}</p>
            <button type="button" id="back-to-console" on:click=move |_| back.run(())>{back_text}</button>
        </aside>
        // The survey's language and direction on its own part of the page,
        // so screen readers pronounce it so and Arabic runs right to left.
        <div lang=move || preview_language.get()
            dir=move || if is_right_to_left(&preview_language.get()) { "rtl" } else { "ltr" }>
            {questionnaire(prepared, opening)}
        </div>
    }
}

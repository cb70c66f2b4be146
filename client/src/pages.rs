//! The pages around the form: the list of public surveys, the receipt, the
//! neutral page Quick exit leads to, and "not found".

use leptos::prelude::*;
use salama_shared::api::{Receipt, SurveySummary};

use crate::api::{self, ApiError};
use crate::browser;
use crate::i18n::Words;
use crate::interface::{Interface, LastReceipt, language_switch};
use salama_shared::words::FormWord as W;

pub fn survey_list() -> impl IntoView {
    let interface = expect_context::<Interface>();
    let surveys = RwSignal::new(None::<Result<Vec<SurveySummary>, ApiError>>);
    let attempt = RwSignal::new(0u32);
    Effect::new(move |_| {
        attempt.track();
        leptos::task::spawn_local(async move { surveys.set(Some(api::surveys().await)) });
    });
    move || {
        interface.language.track();
        let loaded = surveys.get();
        untrack(|| {
            let words = interface.words();
            browser::set_title(words.get(W::Surveys));
            let mut languages: Vec<String> = salama_shared::words::BUILT_IN_LANGUAGES
                .iter()
                .map(|language| language.to_string())
                .collect();
            if let Some(Ok(list)) = &loaded {
                for language in list.iter().flat_map(|survey| &survey.languages) {
                    if !languages.contains(language) {
                        languages.push(language.clone());
                    }
                }
            }
            let language = interface.language.get_untracked();
            // One shape for every state (loading, failed, empty, listed).
            let (message, retry, list) = match loaded {
                None => (words.get(W::Loading), false, Vec::new()),
                Some(Err(_)) => (words.get(W::LoadFailed), true, Vec::new()),
                Some(Ok(list)) if list.is_empty() => (words.get(W::NoSurveys), false, list),
                Some(Ok(list)) => ("", false, list),
            };
            let content = view! {
                <p class="status" role="status">{message}</p>
                <button type="button" hidden=!retry on:click=move |_| attempt.update(|n| *n += 1)>
                    {words.get(W::Retry)}
                </button>
                <ul class="surveys">
                    {list
                        .into_iter()
                        .map(|survey| {
                            let title = survey.title.get(&language, &survey.default_language).to_owned();
                            view! { <li><a href=format!("/s/{}", survey.id)>{title}</a></li> }
                        })
                        .collect_view()}
                </ul>
            };
            view! {
                <header class="bar">{language_switch(languages)}</header>
                <main id="main" class="page">
                    <h1>{words.get(W::Surveys)}</h1>
                    {content}
                </main>
            }
        })
    }
}

pub fn receipt_page(submission_id: String) -> impl IntoView {
    let interface = expect_context::<Interface>();
    let last = use_context::<LastReceipt>();
    let receipt = RwSignal::new(None::<Result<Receipt, ApiError>>);
    let known = last
        .and_then(|LastReceipt(last)| last.get_untracked())
        .filter(|receipt| receipt.submission_id.to_string() == submission_id);
    match known {
        Some(found) => receipt.set(Some(Ok(found))),
        None => leptos::task::spawn_local(async move {
            receipt.set(Some(api::receipt(&submission_id).await));
        }),
    }
    browser::focus_soon("receipt-title".into());
    move || {
        interface.language.track();
        let loaded = receipt.get();
        untrack(|| {
            let words = interface.words();
            browser::set_title(words.get(W::ReceiptTitle));
            match loaded {
                None => status(words.get(W::Loading)).into_any(),
                Some(Err(ApiError::NotFound)) => not_found().into_any(),
                Some(Err(_)) => status(words.get(W::LoadFailed)).into_any(),
                Some(Ok(receipt)) => view! {
                    {leave_quickly(&interface, &words)}
                    <main id="main" class="page">
                        <h1 id="receipt-title" tabindex="-1">{words.get(W::ReceiptTitle)}</h1>
                        <p>{words.get(W::ReceiptBody)}</p>
                        <dl class="receipt">
                            <dt>{words.get(W::ReceiptNumber)}</dt>
                            <dd id="receipt-number" dir="ltr">{receipt.submission_id.to_string()}</dd>
                            <dt>{words.get(W::ReceivedAt)}</dt>
                            <dd id="received-at">{words.date(&receipt.received_at, crate::browser::Moment::Instant)}</dd>
                            <dt>{words.get(W::SurveyVersion)}</dt>
                            <dd dir="ltr">{format!("{} v{}", receipt.survey_id, receipt.survey_version)}</dd>
                            <dt>{words.get(W::Fingerprint)}</dt>
                            <dd class="hash" dir="ltr">{receipt.content_sha256}</dd>
                        </dl>
                        <p><a href="/">{words.get(W::BackHome)}</a></p>
                    </main>
                }
                .into_any(),
            }
        })
    }
}

/// The receipt's Quick exit: unless the survey answered is known to have
/// no sensitive section (a receipt opened from its address is not).
fn leave_quickly(interface: &Interface, words: &Words) -> Option<impl IntoView + use<>> {
    let survey = interface.survey.get_untracked();
    survey
        .is_none_or(|survey| survey.has_sensitive_sections())
        .then(|| {
            view! {
                <button type="button" id="quick-exit" class="quick-exit"
                    on:click=|_| browser::leave_for("/today")>{words.get(W::QuickExit)}</button>
            }
        })
}

/// Where Quick exit leads: nothing about surveys, safety or answers.
pub fn neutral_page() -> impl IntoView {
    browser::set_title("Today");
    browser::set_document_language("en");
    let today = String::from(js_sys::Date::new_0().to_date_string());
    view! {
        <main id="main" class="page neutral">
            <h1>"Today"</h1>
            <p>{today}</p>
        </main>
    }
}

pub fn not_found() -> impl IntoView {
    let words = expect_context::<Interface>().words();
    view! {
        <main id="main" class="page">
            <h1>{words.get(W::NotFound)}</h1>
            <p><a href="/">{words.get(W::BackHome)}</a></p>
        </main>
    }
}

pub fn status(message: &'static str) -> impl IntoView {
    view! { <main id="main" class="page"><p class="status" role="status">{message}</p></main> }
}

/// A failed load, with a button that tries again by bumping `attempt`.
pub fn load_failed(attempt: RwSignal<u32>) -> impl IntoView {
    let words = expect_context::<Interface>().words();
    view! {
        <main id="main" class="page">
            <p class="error" role="alert">{words.get(W::LoadFailed)}</p>
            <button type="button" on:click=move |_| attempt.update(|n| *n += 1)>{words.get(W::Retry)}</button>
        </main>
    }
}

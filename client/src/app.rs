//! The app frame: routes, the interface language, the language switch.

use leptos::prelude::*;
use salama_shared::Survey;
use salama_shared::api::Receipt;
use salama_shared::language::base_language;

use crate::browser;
use crate::i18n::{Words, endonym};
use crate::pages;
use crate::routing::{self, Route};
use salama_shared::words::FormWord as W;

/// The language of the interface and of the survey being filled.
#[derive(Clone, Copy)]
pub struct Interface {
    pub language: RwSignal<String>,
    /// The survey last opened: its own interface words also speak for the
    /// pages around it (the receipt) in its languages.
    pub survey: RwSignal<Option<&'static Survey>>,
}

impl Interface {
    /// Interface words, untracked: pages are rebuilt when the language changes.
    pub fn words(&self) -> Words {
        let survey = self.survey.get_untracked();
        self.language.with_untracked(|language| {
            let survey = survey.filter(|survey| survey.languages.iter().any(|own| own == language));
            Words::of(survey, language)
        })
    }
}

/// The browser's language as its base language (`pt-BR` → `pt`), the form
/// the catalogue and the language switch know; English when it has none.
pub fn preferred_language() -> String {
    browser::preferred_language()
        .and_then(|tag| base_language(&tag))
        .map(|base| base.to_string())
        .unwrap_or_else(|| "en".to_owned())
}

/// The receipt just received, so its page shows it without asking again.
#[derive(Clone, Copy)]
pub struct LastReceipt(pub RwSignal<Option<Receipt>>);

pub fn app() -> impl IntoView {
    let preferred = preferred_language();
    let interface = Interface {
        language: RwSignal::new(preferred),
        survey: RwSignal::new(None),
    };
    let router = routing::start();
    provide_context(interface);
    provide_context(router);
    provide_context(LastReceipt(RwSignal::new(None)));
    Effect::new(move |_| browser::set_document_language(&interface.language.get()));
    move || {
        let route = router.0.get();
        untrack(|| match route {
            Route::Surveys => pages::survey_list().into_any(),
            Route::Fill(survey_id) => crate::form::fill_page(survey_id).into_any(),
            Route::Receipt(submission_id) => pages::receipt_page(submission_id).into_any(),
            Route::Neutral => pages::neutral_page().into_any(),
            Route::NotFound => pages::not_found().into_any(),
        })
    }
}

/// A select among `languages`, each named in its own language.
pub fn language_switch(languages: Vec<String>) -> Option<impl IntoView> {
    let interface = expect_context::<Interface>();
    let language = interface.language;
    let current = language.get_untracked();
    (languages.len() > 1).then(|| {
        let change = move |event: leptos::ev::Event| {
            language.set(event_target_value(&event));
            // The page is rebuilt in the new language; keep keyboard focus here.
            browser::focus_soon("language".into());
        };
        view! {
            <div class="language">
                <label for="language">{interface.words().get(W::Language)}</label>
                <select id="language" on:change=change>
                    {languages
                        .into_iter()
                        .map(|tag| {
                            let name = endonym(&tag).to_owned();
                            let selected = tag == current;
                            view! { <option value=tag.clone() lang=tag selected=selected>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
        }
    })
}

//! The interface every bundle shares: its language, the survey whose own
//! words speak for the pages around it, the receipt just received and the
//! language switch. The citizens' form, the field app and the pages read it
//! from the Leptos context; each bundle's frame provides it.

use leptos::prelude::*;
use salama_shared::Survey;
use salama_shared::api::Receipt;
use salama_shared::language::base_language;
use salama_shared::words::FormWord as W;

use crate::browser;
use crate::i18n::{Words, endonym};

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

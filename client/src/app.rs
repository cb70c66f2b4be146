//! The citizens' app frame: the routes and the interface it provides.

use leptos::prelude::*;

use crate::browser;
use crate::interface::{Interface, LastReceipt, preferred_language};
use crate::pages;
use crate::routing::{self, Route};

pub fn app() -> impl IntoView {
    // The app shows its own "Loading…" from here; the server's Quick exit
    // stays until the form's own replaces it.
    browser::remove_element("shell-page");
    // A link may ask for a language (`?lang=ar`); the form keeps it if the
    // survey has it.
    let asked = browser::query_parameter("lang")
        .filter(|tag| salama_shared::language::base_language(tag).is_some());
    let preferred = asked.unwrap_or_else(preferred_language);
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

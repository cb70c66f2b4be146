//! What the staff's two bundles share, the console (`admin/`) and the
//! analysts' pages (`analyst/`): the interface language their words are
//! said in, the signed-in session, and the sign-in form. Both carry every
//! built-in language (no survey is at hand to serve them), in the
//! catalogue's `staff` area and each its own.

use leptos::prelude::*;
use salama_shared::words::{BUILT_IN_LANGUAGES, Key, StaffWord as S, fill};

use crate::analyst::Me;
use crate::analyst::calls::login;
use crate::api::ApiError;
use crate::browser;
use crate::interface::{Interface, language_switch, preferred_language};

/// Who is signed in: `None` while asking, `Err` when no one is.
pub type Session = RwSignal<Option<Result<Me, ApiError>>>;

thread_local! {
    /// The page's language, set once by the bundle's frame. Not read from
    /// the Leptos context: words are also needed after an `.await`, where
    /// no reactive owner (and so no context) is current.
    static STAFF_LANGUAGE: std::cell::Cell<Option<RwSignal<String>>> = const { std::cell::Cell::new(None) };
}

/// Provides the interface in the browser's language (a built-in one, else
/// English) and makes it the one [`say`] speaks; the document's `lang`
/// and direction follow it.
pub fn provide_interface() -> Interface {
    let interface = Interface {
        language: RwSignal::new(preferred_language()),
        survey: RwSignal::new(None),
    };
    provide_context(interface);
    STAFF_LANGUAGE.with(|language| language.set(Some(interface.language)));
    Effect::new(move |_| browser::set_document_language(&interface.language.get()));
    interface
}

/// A word in the interface language, untracked: pages are rebuilt as a
/// whole when the language changes.
pub fn say<K: Key>(word: K) -> &'static str {
    match STAFF_LANGUAGE.with(std::cell::Cell::get) {
        Some(language) => language.with_untracked(|language| word.in_language(language)),
        None => word.english(),
    }
}

/// A choice among the built-in interface languages.
pub fn languages() -> Option<impl IntoView> {
    language_switch(
        BUILT_IN_LANGUAGES
            .iter()
            .map(|tag| tag.to_string())
            .collect(),
    )
}

/// The refusal to show for a failed call, in the interface language.
pub fn refusal(error: &ApiError) -> String {
    match error {
        ApiError::Network => say(S::Unreachable).to_owned(),
        ApiError::RateLimited {
            retry_after_seconds,
        } => fill(
            say(S::TooManyAttempts),
            &[("s", &retry_after_seconds.to_string())],
        ),
        ApiError::Invalid { message, .. } | ApiError::Conflict(message) => message.clone(),
        ApiError::Server { status } => fill(say(S::Failed), &[("status", &status.to_string())]),
        ApiError::Unauthorized => fill(say(S::Failed), &[("status", "401")]),
        ApiError::NotFound => fill(say(S::Failed), &[("status", "404")]),
        ApiError::Unexpected(_) => fill(say(S::Failed), &[("status", "200")]),
    }
}

/// One labelled text or password box bound to `value`, as the staff's
/// sign-in and password forms lay them out.
pub fn text_field(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <div class="question">
            <label for=id>{label}</label>
            <input id=id type=kind autocomplete=autocomplete required
                prop:value=move || value.get() on:input=move |e| value.set(event_target_value(&e))/>
        </div>
    }
}

/// The sign-in form under `title`; a success sets the session.
pub fn sign_in(session: Session, title: &'static str) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(String::new());
        leptos::task::spawn_local(async move {
            let result = login(&name.get_untracked(), &password.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(who) => {
                    password.set(String::new());
                    session.set(Some(Ok(who)));
                }
                Err(error @ (ApiError::RateLimited { .. } | ApiError::Network)) => {
                    problem.set(refusal(&error))
                }
                Err(_) => problem.set(say(S::WrongPassword).into()),
            }
        });
    };
    browser::focus_soon("sign-in-title".into());
    view! {
        <header class="bar staff-bar">{languages()}</header>
        <main id="main" class="page">
            <h1 id="sign-in-title" tabindex="-1">{title}</h1>
            <form on:submit=submit>
                {text_field("sign-in-name", say(S::Name), "text", "username", name)}
                {text_field("sign-in-password", say(S::Password), "password", "current-password", password)}
                <p class="error" role="alert">{move || problem.get()}</p>
                <button id="sign-in" type="submit" class="primary" prop:disabled=move || busy.get()>{say(S::SignIn)}</button>
            </form>
        </main>
    }
}

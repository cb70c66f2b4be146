//! The survey team's console at `/admin`, a bundle of its own
//! (`salama-admin`) so the citizens' form carries none of it: sign in (the
//! analysts' calls), choose one's own password after the one-time one,
//! then the surveys: their versions, channels and submissions, an upload
//! checked without publishing, its problems by cell, a preview with the
//! citizens' own form, publishing, public on or off, downloads. Every word
//! comes from the catalogue's `admin` area, in the interface language.

mod calls;
mod preview;
mod surveys;

use leptos::prelude::*;
use salama_shared::api::MIN_PASSWORD_CHARS;
use salama_shared::words::{AdminWord as A, BUILT_IN_LANGUAGES, Key, fill};

use crate::analyst::Me;
use crate::analyst::calls::{login, logout, me as who_am_i};
use crate::api::ApiError;
use crate::browser;
use crate::interface::{Interface, language_switch, preferred_language};

/// Who is signed in: `None` while asking, `Err` when no one is.
type Session = RwSignal<Option<Result<Me, ApiError>>>;

pub fn mount() {
    leptos::mount::mount_to_body(app);
}

thread_local! {
    /// The console's language, set once by its frame. Not read from the
    /// Leptos context: words are also needed after an `.await`, where no
    /// reactive owner (and so no context) is current.
    static CONSOLE_LANGUAGE: std::cell::Cell<Option<RwSignal<String>>> = const { std::cell::Cell::new(None) };
}

/// A console word in the interface language, untracked: pages are rebuilt
/// as a whole when the language changes.
fn say(word: A) -> &'static str {
    match CONSOLE_LANGUAGE.with(std::cell::Cell::get) {
        Some(language) => language.with_untracked(|language| word.in_language(language)),
        None => word.english(),
    }
}

fn app() -> impl IntoView {
    let interface = Interface {
        language: RwSignal::new(preferred_language()),
        survey: RwSignal::new(None),
    };
    provide_context(interface);
    CONSOLE_LANGUAGE.with(|language| language.set(Some(interface.language)));
    Effect::new(move |_| browser::set_document_language(&interface.language.get()));
    let session: Session = RwSignal::new(None);
    leptos::task::spawn_local(async move { session.set(Some(who_am_i().await)) });
    move || {
        interface.language.track();
        browser::set_title(say(A::Title));
        match session.get() {
            None => {
                view! { <main id="main" class="page"><p role="status">{say(A::Loading)}</p></main> }
                    .into_any()
            }
            Some(Err(_)) => sign_in(session).into_any(),
            Some(Ok(who)) if who.role != "admin" => not_admin(who, session).into_any(),
            Some(Ok(who)) if who.must_change_password => {
                untrack(|| first_password(who, session)).into_any()
            }
            Some(Ok(who)) => untrack(|| surveys::page(who, session)).into_any(),
        }
    }
}

/// The bar above every signed-in page: who, the interface language, sign out.
fn bar(who: &Me, session: Session) -> impl IntoView + use<> {
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = logout().await;
            session.set(Some(Err(ApiError::Unauthorized)));
        });
    };
    let languages = BUILT_IN_LANGUAGES
        .iter()
        .map(|tag| tag.to_string())
        .collect();
    let signed_in = fill(say(A::SignedInAs), &[("name", &who.name)]);
    view! {
        <header class="bar admin-bar">
            <span>{signed_in}</span>
            {language_switch(languages)}
            <button type="button" id="sign-out" on:click=sign_out>{say(A::SignOut)}</button>
        </header>
    }
}

fn sign_in(session: Session) -> impl IntoView {
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
                Err(ApiError::RateLimited {
                    retry_after_seconds,
                }) => problem.set(fill(
                    say(A::TooManyAttempts),
                    &[("s", &retry_after_seconds.to_string())],
                )),
                Err(ApiError::Network) => problem.set(say(A::Unreachable).into()),
                Err(_) => problem.set(say(A::WrongPassword).into()),
            }
        });
    };
    browser::focus_soon("sign-in-title".into());
    let languages = BUILT_IN_LANGUAGES
        .iter()
        .map(|tag| tag.to_string())
        .collect();
    view! {
        <header class="bar admin-bar">{language_switch(languages)}</header>
        <main id="main" class="page">
            <h1 id="sign-in-title" tabindex="-1">{say(A::SignInTitle)}</h1>
            <form on:submit=submit>
                <div class="question">
                    <label for="sign-in-name">{say(A::Name)}</label>
                    <input id="sign-in-name" type="text" autocomplete="username" required
                        prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e))/>
                </div>
                <div class="question">
                    <label for="sign-in-password">{say(A::Password)}</label>
                    <input id="sign-in-password" type="password" autocomplete="current-password" required
                        prop:value=move || password.get() on:input=move |e| password.set(event_target_value(&e))/>
                </div>
                <p class="error" role="alert">{move || problem.get()}</p>
                <button id="sign-in" type="submit" class="primary" prop:disabled=move || busy.get()>{say(A::SignIn)}</button>
            </form>
        </main>
    }
}

fn not_admin(who: Me, session: Session) -> impl IntoView {
    view! {
        {bar(&who, session)}
        <main id="main" class="page">
            <h1>{say(A::Title)}</h1>
            <p id="not-admin" class="status" role="alert">{fill(say(A::NotAdmin), &[("role", &who.role)])}</p>
        </main>
    }
}

/// Before anything else, a user still on their one-time password chooses
/// their own (the server ends their other sessions).
fn first_password(who: Me, session: Session) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let problem = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let minimum = MIN_PASSWORD_CHARS.to_string();
    let too_short = fill(say(A::PasswordTooShort), &[("min", &minimum)]);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (old, chosen) = (current.get_untracked(), new.get_untracked());
        let refusal = if chosen.chars().count() < MIN_PASSWORD_CHARS {
            Some(too_short.clone())
        } else if chosen != repeat.get_untracked() {
            Some(say(A::PasswordsDiffer).to_owned())
        } else {
            None
        };
        if let Some(refusal) = refusal {
            problem.set(refusal);
            browser::focus_soon("new-password".into());
            return;
        }
        busy.set(true);
        problem.set(String::new());
        let too_short = too_short.clone();
        leptos::task::spawn_local(async move {
            let result = calls::change_password(&old, &chosen).await;
            busy.set(false);
            match result {
                Ok(()) => session.update(|session| {
                    if let Some(Ok(me)) = session {
                        me.must_change_password = false;
                    }
                }),
                Err(refusal) => {
                    let first = refusal.fields.first().map(|field| field.code.as_str());
                    problem.set(match (refusal.status, first) {
                        (0, _) => say(A::Unreachable).to_owned(),
                        (_, Some("wrong_password")) => say(A::CurrentWrong).to_owned(),
                        (_, Some("too_short")) => too_short,
                        (_, Some("unchanged")) => say(A::PasswordUnchanged).to_owned(),
                        (429, _) => fill(say(A::TooManyAttempts), &[("s", "60")]),
                        (status, _) => fill(say(A::Failed), &[("status", &status.to_string())]),
                    });
                }
            }
        });
    };
    browser::focus_soon("password-title".into());
    view! {
        {bar(&who, session)}
        <main id="main" class="page">
            <h1 id="password-title" tabindex="-1">{say(A::FirstPasswordTitle)}</h1>
            <p>{fill(say(A::FirstPasswordIntro), &[("min", &minimum)])}</p>
            <form on:submit=submit>
                <div class="question">
                    <label for="current-password">{say(A::CurrentPassword)}</label>
                    <input id="current-password" type="password" autocomplete="current-password" required
                        prop:value=move || current.get() on:input=move |e| current.set(event_target_value(&e))/>
                </div>
                <div class="question">
                    <label for="new-password">{say(A::NewPassword)}</label>
                    <input id="new-password" type="password" autocomplete="new-password" required
                        prop:value=move || new.get() on:input=move |e| new.set(event_target_value(&e))/>
                </div>
                <div class="question">
                    <label for="repeat-password">{say(A::RepeatPassword)}</label>
                    <input id="repeat-password" type="password" autocomplete="new-password" required
                        prop:value=move || repeat.get() on:input=move |e| repeat.set(event_target_value(&e))/>
                </div>
                <p id="password-problem" class="error" role="alert">{move || problem.get()}</p>
                <button id="save-password" type="submit" class="primary" prop:disabled=move || busy.get()>{say(A::SavePassword)}</button>
            </form>
        </main>
    }
}

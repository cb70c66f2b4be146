//! The survey team's console at `/admin`, a bundle of its own
//! (`salama-admin`) so the citizens' form carries none of it: sign in (the
//! analysts' calls), choose one's own password after the one-time one,
//! then its sections, each at its own address (`Section`): the surveys
//! (versions, channels and submissions, an upload checked without
//! publishing, its problems by cell, a preview with the citizens' own form,
//! publishing, public on or off, downloads), people and their devices, and
//! the audit log. Every word comes from the catalogue's `admin` area, in
//! the interface language.

mod audit;
mod calls;
mod people;
mod preview;
mod surveys;

use leptos::prelude::*;
use salama_shared::words::{AdminWord as A, BUILT_IN_LANGUAGES, Key, fill};

use crate::analyst::Me;
use crate::analyst::calls::{login, logout, me as who_am_i};
use crate::api::ApiError;
use crate::browser;
use crate::interface::{Interface, language_switch, preferred_language};
use crate::password::choose_password;

/// The console's sections, each at its own address so that Back, Forward
/// and a reload stay on it. A section is one variant here, its path, its
/// title word and its page in `page_of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Surveys,
    People,
    Audit,
}

impl Section {
    /// In the order the navigation lists them.
    const ALL: &[Section] = &[Section::Surveys, Section::People, Section::Audit];

    fn path(self) -> &'static str {
        match self {
            Section::Surveys => "/admin",
            Section::People => "/admin/people",
            Section::Audit => "/admin/audit",
        }
    }

    fn title(self) -> A {
        match self {
            Section::Surveys => A::SurveysTitle,
            Section::People => A::PeopleTitle,
            Section::Audit => A::AuditTitle,
        }
    }

    /// The section at `path`; the surveys for `/admin` and any path the
    /// console does not know.
    fn at(path: &str) -> Section {
        let path = path.trim_end_matches('/');
        Section::ALL
            .iter()
            .copied()
            .find(|section| section.path() == path)
            .unwrap_or(Section::Surveys)
    }

    /// The id of the section's heading, which takes focus on arrival.
    fn heading_id(self) -> &'static str {
        match self {
            Section::Surveys => "surveys-title",
            Section::People => "people-title",
            Section::Audit => "audit-title",
        }
    }
}

fn page_of(section: Section, who: Me, session: Session) -> AnyView {
    match section {
        Section::Surveys => surveys::page(who, session).into_any(),
        Section::People => people::page(who, session).into_any(),
        Section::Audit => audit::page(who, session).into_any(),
    }
}

/// The section shown, provided by the console's frame.
#[derive(Clone, Copy)]
struct Current(RwSignal<Section>);

fn current_path() -> String {
    web_sys::window()
        .and_then(|window| window.location().pathname().ok())
        .unwrap_or_default()
}

/// Shows `section`, adding it to the tab's history.
fn go_to(section: Section) {
    let current = expect_context::<Current>().0;
    if current.get_untracked() == section {
        return;
    }
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(section.path()));
    }
    current.set(section);
    browser::focus_soon(section.heading_id().into());
}

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
    let section = RwSignal::new(Section::at(&current_path()));
    provide_context(Current(section));
    // Back and Forward move between sections; the console lives as long as
    // the page, and so does the listener.
    std::mem::forget(window_event_listener(leptos::ev::popstate, move |_| {
        section.set(Section::at(&current_path()));
    }));
    move || {
        interface.language.track();
        let shown = section.get();
        browser::set_title(&format!("{} · {}", say(shown.title()), say(A::Title)));
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
            Some(Ok(who)) => untrack(|| page_of(shown, who, session)),
        }
    }
}

/// The bar above every signed-in page: who, the sections (for an admin who
/// has chosen their password), the interface language, sign out.
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
    let sections = (who.role == "admin" && !who.must_change_password).then(navigation);
    view! {
        <header class="bar admin-bar">
            <span>{signed_in}</span>
            {sections}
            {language_switch(languages)}
            <button type="button" id="sign-out" on:click=sign_out>{say(A::SignOut)}</button>
        </header>
    }
}

/// Links to the sections, the current one marked for screen readers too.
/// Real links (a new tab, a copied address work), followed in the page.
fn navigation() -> impl IntoView {
    let current = expect_context::<Current>().0.get_untracked();
    let links = Section::ALL
        .iter()
        .map(|&section| {
            let follow = move |event: leptos::ev::MouseEvent| {
                if event.button() != 0 || event.ctrl_key() || event.meta_key() || event.shift_key() {
                    return;
                }
                event.prevent_default();
                go_to(section);
            };
            view! {
                <li><a href=section.path() on:click=follow
                    aria-current=(section == current).then_some("page")>{say(section.title())}</a></li>
            }
        })
        .collect_view();
    view! {
        <nav class="sections" aria-label=say(A::SectionsLabel)><ul>{links}</ul></nav>
    }
}

/// A failed call, in words: unreachable, or the status refused.
fn failure(error: &ApiError) -> String {
    match error {
        ApiError::Network => say(A::Unreachable).to_owned(),
        ApiError::Server { status } => fill(say(A::Failed), &[("status", &status.to_string())]),
        _ => fill(say(A::Failed), &[("status", "4xx")]),
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
/// their own (the server refuses them every other call until then, and
/// ends their other sessions).
fn first_password(who: Me, session: Session) -> impl IntoView {
    let saved = Callback::new(move |()| {
        session.update(|session| {
            if let Some(Ok(me)) = session {
                me.must_change_password = false;
            }
        })
    });
    let language = expect_context::<Interface>().language.get_untracked();
    view! {
        {bar(&who, session)}
        <main id="main" class="page">{choose_password(&language, saved)}</main>
    }
}

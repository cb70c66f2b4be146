//! The survey team's console at `/admin`, a bundle of its own
//! (`salama-admin`) so the citizens' form carries none of it: sign in (the
//! analysts' calls), choose one's own password after the one-time one,
//! then the surveys: their versions, channels and submissions, an upload
//! checked without publishing, its problems by cell, a preview with the
//! citizens' own form, publishing, public on or off, downloads. Every word
//! comes from the catalogue's `admin` area, in the interface language.

mod calls;
mod fieldwork;
mod preview;
mod surveys;

use leptos::prelude::*;
use salama_shared::api::MIN_PASSWORD_CHARS;
use salama_shared::words::{AdminWord as A, StaffWord as S, fill};

use crate::analyst::Me;
use crate::analyst::calls::{logout, me as who_am_i};
use crate::api::ApiError;
use crate::browser;
pub(crate) use crate::staff::say;
use crate::staff::{self, Session};

/// The console's pages, each at its own address under `/admin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Surveys,
    Fieldwork,
}

impl Section {
    const ALL: [Section; 2] = [Section::Surveys, Section::Fieldwork];

    fn path(self) -> &'static str {
        match self {
            Section::Surveys => "/admin",
            Section::Fieldwork => "/admin/fieldwork",
        }
    }

    fn label(self) -> &'static str {
        say(match self {
            Section::Surveys => A::SurveysTitle,
            Section::Fieldwork => A::FieldworkTitle,
        })
    }

    /// The section at `path`; an address the console does not know shows
    /// the surveys.
    fn at(path: &str) -> Section {
        let path = path.trim_end_matches('/');
        Section::ALL
            .into_iter()
            .find(|section| section.path() == path)
            .unwrap_or(Section::Surveys)
    }

    fn current() -> Section {
        let path = web_sys::window()
            .and_then(|window| window.location().pathname().ok())
            .unwrap_or_default();
        Section::at(&path)
    }

    /// Shows this section, adding it to the tab's history.
    fn open(self, shown: RwSignal<Section>) {
        if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
            let _ =
                history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(self.path()));
        }
        shown.set(self);
    }
}

pub fn mount() {
    leptos::mount::mount_to_body(app);
}

fn app() -> impl IntoView {
    let interface = staff::provide_interface();
    let session: Session = RwSignal::new(None);
    leptos::task::spawn_local(async move { session.set(Some(who_am_i().await)) });
    let section = RwSignal::new(Section::current());
    provide_context(section);
    // The console lives as long as the page; so does its listener.
    std::mem::forget(window_event_listener(leptos::ev::popstate, move |_| {
        section.set(Section::current());
    }));
    move || {
        interface.language.track();
        browser::set_title(say(A::Title));
        match session.get() {
            None => {
                view! { <main id="main" class="page"><p role="status">{say(S::Loading)}</p></main> }
                    .into_any()
            }
            Some(Err(_)) => staff::sign_in(session, say(A::SignInTitle)).into_any(),
            Some(Ok(who)) if who.role != "admin" => not_admin(who, session).into_any(),
            Some(Ok(who)) if who.must_change_password => {
                untrack(|| first_password(who, session)).into_any()
            }
            Some(Ok(who)) => match section.get() {
                Section::Surveys => untrack(|| surveys::page(who, session)).into_any(),
                Section::Fieldwork => untrack(|| fieldwork::page(who, session)).into_any(),
            },
        }
    }
}

/// The console's sections, the one shown marked for assistive technology.
fn nav() -> impl IntoView {
    let shown = expect_context::<RwSignal<Section>>();
    let links = Section::ALL
        .into_iter()
        .map(|section| {
            let follow = move |event: leptos::ev::MouseEvent| {
                if event.ctrl_key() || event.meta_key() || event.shift_key() || event.button() != 0 {
                    return;
                }
                event.prevent_default();
                section.open(shown);
            };
            let current = move || (shown.get() == section).then_some("page");
            view! {
                <li><a href=section.path() aria-current=current on:click=follow>{section.label()}</a></li>
            }
        })
        .collect_view();
    view! { <nav class="admin-nav" aria-label=say(A::NavLabel)><ul>{links}</ul></nav> }
}

/// The bar above every signed-in page: who, the sections, the interface
/// language, sign out.
fn bar(who: &Me, session: Session) -> impl IntoView + use<> {
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = logout().await;
            session.set(Some(Err(ApiError::Unauthorized)));
        });
    };
    let signed_in = fill(say(S::SignedInAs), &[("name", &who.name)]);
    view! {
        <header class="bar admin-bar">
            <span>{signed_in}</span>
            {nav()}
            {staff::languages()}
            <button type="button" id="sign-out" on:click=sign_out>{say(S::SignOut)}</button>
        </header>
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
    let too_short = fill(say(S::PasswordTooShort), &[("min", &minimum)]);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (old, chosen) = (current.get_untracked(), new.get_untracked());
        let refusal = if chosen.chars().count() < MIN_PASSWORD_CHARS {
            Some(too_short.clone())
        } else if chosen != repeat.get_untracked() {
            Some(say(S::PasswordsDiffer).to_owned())
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
                        (0, _) => say(S::Unreachable).to_owned(),
                        (_, Some("wrong_password")) => say(S::CurrentWrong).to_owned(),
                        (_, Some("too_short")) => too_short,
                        (_, Some("unchanged")) => say(S::PasswordUnchanged).to_owned(),
                        (429, _) => fill(say(S::TooManyAttempts), &[("s", "60")]),
                        (status, _) => fill(say(S::Failed), &[("status", &status.to_string())]),
                    });
                }
            }
        });
    };
    browser::focus_soon("password-title".into());
    view! {
        {bar(&who, session)}
        <main id="main" class="page">
            <h1 id="password-title" tabindex="-1">{say(S::FirstPasswordTitle)}</h1>
            <p>{fill(say(S::FirstPasswordIntro), &[("min", &minimum)])}</p>
            <form on:submit=submit>
                <div class="question">
                    <label for="current-password">{say(S::CurrentPassword)}</label>
                    <input id="current-password" type="password" autocomplete="current-password" required
                        prop:value=move || current.get() on:input=move |e| current.set(event_target_value(&e))/>
                </div>
                <div class="question">
                    <label for="new-password">{say(S::NewPassword)}</label>
                    <input id="new-password" type="password" autocomplete="new-password" required
                        prop:value=move || new.get() on:input=move |e| new.set(event_target_value(&e))/>
                </div>
                <div class="question">
                    <label for="repeat-password">{say(S::RepeatPassword)}</label>
                    <input id="repeat-password" type="password" autocomplete="new-password" required
                        prop:value=move || repeat.get() on:input=move |e| repeat.set(event_target_value(&e))/>
                </div>
                <p id="password-problem" class="error" role="alert">{move || problem.get()}</p>
                <button id="save-password" type="submit" class="primary" prop:disabled=move || busy.get()>{say(S::SavePassword)}</button>
            </form>
        </main>
    }
}

//! The survey team's console at `/admin`, a bundle of its own
//! (`salama-admin`) so the citizens' form carries none of it: sign in (the
//! analysts' calls), choose one's own password after the one-time one,
//! then its sections, each at its own address (`Section`): the surveys
//! (versions, channels and submissions, an upload checked without
//! publishing, its problems by cell, a preview with the citizens' own form,
//! publishing, public on or off, downloads), people and their devices,
//! fieldwork (clusters, progress, weights and the design), settings (how
//! long raw data is kept) and the audit log. Every word comes from the catalogue's `admin` area, in
//! fieldwork (clusters, progress, weights and the design), the review of
//! interviews (the one section a supervisor sees) and the audit log. Every word comes from the catalogue's `admin` area, in
//! the interface language.

mod audit;
mod calls;
mod fieldwork;
mod people;
mod preview;
mod rates;
mod releases;
mod review;
mod settings;
mod surveys;

use leptos::prelude::*;
use salama_shared::api::SurveyListing;
use salama_shared::words::{AdminWord as A, StaffWord as S, fill};

use crate::analyst::Me;
use crate::analyst::calls::{logout, me as who_am_i};
use crate::api::ApiError;
use crate::browser;
use crate::password::choose_password;
pub(crate) use crate::staff::say;
use crate::staff::{self, Session};

/// The console's sections, each at its own address so that Back, Forward
/// and a reload stay on it. A section is one variant here, its path, its
/// title word and its page in `page_of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Surveys,
    People,
    Fieldwork,
    Settings,
    Review,
    Audit,
    Releases,
}

impl Section {
    /// In the order the navigation lists them.
    const ALL: &[Section] = &[
        Section::Surveys,
        Section::People,
        Section::Fieldwork,
        Section::Settings,
        Section::Review,
        Section::Audit,
        Section::Releases,
    ];

    fn path(self) -> &'static str {
        match self {
            Section::Surveys => "/admin",
            Section::People => "/admin/people",
            Section::Fieldwork => "/admin/fieldwork",
            Section::Settings => "/admin/settings",
            Section::Review => "/admin/review",
            Section::Audit => "/admin/audit",
            Section::Releases => "/admin/releases",
        }
    }

    fn title(self) -> A {
        match self {
            Section::Surveys => A::SurveysTitle,
            Section::People => A::PeopleTitle,
            Section::Fieldwork => A::FieldworkTitle,
            Section::Settings => A::SettingsTitle,
            Section::Review => A::ReviewTitle,
            Section::Audit => A::AuditTitle,
            Section::Releases => A::ReleasesTitle,
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
            Section::Fieldwork => "fieldwork-title",
            Section::Settings => "settings-title",
            Section::Review => "review-title",
            Section::Audit => "audit-title",
            Section::Releases => "releases-title",
        }
    }
}

fn page_of(section: Section, who: Me, session: Session) -> AnyView {
    // A supervisor's console is the review of their teams' interviews.
    if who.role == "supervisor" {
        return review::page(who, session).into_any();
    }
    match section {
        Section::Surveys => surveys::page(who, session).into_any(),
        Section::People => people::page(who, session).into_any(),
        Section::Fieldwork => fieldwork::page(who, session).into_any(),
        Section::Settings => settings::page(who, session).into_any(),
        Section::Review => review::page(who, session).into_any(),
        Section::Audit => audit::page(who, session).into_any(),
        Section::Releases => releases::page(who, session).into_any(),
    }
}

/// The surveys a section works on one at a time, and the one chosen (the
/// first listed until another is).
#[derive(Clone, Copy)]
pub(crate) struct SurveyChoice {
    pub listed: RwSignal<Option<Vec<SurveyListing>>>,
    pub chosen: RwSignal<String>,
}

impl SurveyChoice {
    fn load() -> Self {
        let choice = SurveyChoice {
            listed: RwSignal::new(None),
            chosen: RwSignal::new(String::new()),
        };
        leptos::task::spawn_local(async move {
            let surveys = calls::surveys().await.unwrap_or_default();
            if let Some(first) = surveys.first() {
                choice.chosen.set(first.summary.id.clone());
            }
            choice.listed.set(Some(surveys));
        });
        choice
    }

    /// The list to choose from, labelled "Survey", with the element id `id`.
    fn chooser(self, id: &'static str) -> impl IntoView {
        let language = expect_context::<crate::interface::Interface>()
            .language
            .get_untracked();
        move || {
            let Some(surveys) = self.listed.get() else {
                return view! { <p role="status">{say(S::Loading)}</p> }.into_any();
            };
            if surveys.is_empty() {
                return view! { <p>{say(A::NoSurveys)}</p> }.into_any();
            }
            let options = surveys
                .into_iter()
                .map(|listing| {
                    let summary = listing.summary;
                    let title = summary.title.get(&language, &summary.default_language).to_owned();
                    let id = summary.id;
                    let selected = id == self.chosen.get_untracked();
                    view! { <option value=id.clone() selected=selected>{format!("{title} ({id})")}</option> }
                })
                .collect_view();
            view! {
                <div class="question">
                    <label for=id>{say(A::ColumnSurvey)}</label>
                    <select id=id on:change=move |e| self.chosen.set(event_target_value(&e))>{options}</select>
                </div>
            }
            .into_any()
        }
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

pub fn mount() {
    leptos::mount::mount_to_body(app);
}

fn app() -> impl IntoView {
    let interface = staff::provide_interface();
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
                view! { <main id="main" class="page"><p role="status">{say(S::Loading)}</p></main> }
                    .into_any()
            }
            Some(Err(_)) => staff::sign_in(session, say(A::SignInTitle)).into_any(),
            Some(Ok(who)) if who.role != "admin" && who.role != "supervisor" => {
                not_admin(who, session).into_any()
            }
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
    let signed_in = fill(say(S::SignedInAs), &[("name", &who.name)]);
    let sections = (who.role == "admin" && !who.must_change_password).then(navigation);
    view! {
        <header class="bar admin-bar">
            <span>{signed_in}</span>
            {sections}
            {staff::languages()}
            <button type="button" id="sign-out" on:click=sign_out>{say(S::SignOut)}</button>
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
    let saved = crate::password::chosen_in(session);
    view! {
        {bar(&who, session)}
        <main id="main" class="page">{choose_password(saved)}</main>
    }
}

//! The analysts' pages, a bundle of their own (`salama-analyst`) so the
//! citizens' form does not carry their weight: log in, then fieldwork
//! progress and indicator tables with intervals, flags, a chart and
//! downloads. Everything shown comes from the server, which has already
//! suppressed what may not be published; every word from the catalogue's
//! `analysis` and `staff` areas, in the interface language, which the
//! server's labels and notes follow.

// Signing in is the console's too (`admin/`).
pub(crate) mod calls;
mod fieldwork;
mod indicators;

use leptos::prelude::*;
use salama_shared::aggregate::Query;
use salama_shared::api::SurveySummary;
use salama_shared::query::last;
use salama_shared::words::{AnalysisWord as W, StaffWord as S, fill};

use crate::api::{ApiError, encode};
use crate::browser;
use crate::interface::Interface;
use crate::staff::{self, Session, refusal, say};

/// Who is logged in.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Me {
    pub name: String,
    pub role: String,
    /// Still on the one-time password they were created with: the console
    /// asks for their own before anything else.
    #[serde(default)]
    pub must_change_password: bool,
}

/// Mounts the analysts' app on the page's `<body>`.
pub fn mount() {
    leptos::mount::mount_to_body(app);
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Indicators,
    Fieldwork,
}

/// The tabs in reading order, with their element ids.
const TABS: [(Tab, &str); 2] = [
    (Tab::Indicators, "tab-indicators"),
    (Tab::Fieldwork, "tab-fieldwork"),
];

impl Tab {
    fn id(self) -> &'static str {
        TABS.iter()
            .find(|(tab, _)| *tab == self)
            .map_or("tab-indicators", |(_, id)| id)
    }
    fn label(self) -> &'static str {
        say(match self {
            Tab::Indicators => W::TabIndicators,
            Tab::Fieldwork => W::TabFieldwork,
        })
    }
}

fn app() -> impl IntoView {
    let interface = staff::provide_interface();
    let session: Session = RwSignal::new(None);
    leptos::task::spawn_local(async move { session.set(Some(calls::me().await)) });
    move || {
        interface.language.track();
        browser::set_title(say(W::PageTitle));
        match session.get() {
            None => view! { <main id="main" class="page"><p role="status">{say(S::Loading)}</p></main> }
                .into_any(),
            // The server refuses every table until a one-time password
            // is replaced.
            Some(Ok(who)) if who.must_change_password => {
                let saved = crate::password::chosen_in(session);
                view! {
                    {bar(&who, session)}
                    <main id="main" class="page">{crate::password::choose_password(saved)}</main>
                }
                .into_any()
            }
            Some(Ok(who)) if who.role == "analyst" || who.role == "admin" => {
                untrack(|| dashboard(who, session)).into_any()
            }
            Some(Ok(who)) => view! {
                {bar(&who, session)}
                <main id="main" class="page"><h1>{say(W::Heading)}</h1>
                <p id="not-analyst" class="status" role="alert">{fill(say(W::NotAnalyst), &[("role", &who.role)])}</p></main>
            }
            .into_any(),
            Some(Err(_)) => staff::sign_in(session, say(W::SignInTitle)).into_any(),
        }
    }
}

/// Who is signed in, the interface language, sign out.
fn bar(who: &Me, session: Session) -> impl IntoView + use<> {
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = calls::logout().await;
            session.set(Some(Err(ApiError::Unauthorized)));
        });
    };
    view! {
        <header class="bar staff-bar">
            <span>{fill(say(S::SignedInAs), &[("name", &who.name)])}</span>
            {staff::languages()}
            <button type="button" id="sign-out" on:click=sign_out>{say(S::SignOut)}</button>
        </header>
    }
}

/// The survey, tab and table chosen, from the page's address, so a link
/// or a reload opens the same view; what the address names that the
/// server does not have falls back to the defaults.
fn dashboard(who: Me, session: Session) -> impl IntoView {
    let language = expect_context::<Interface>().language.get_untracked();
    let address = browser::query_pairs();
    let asked_survey = last(&address, "survey").map(str::to_owned);
    let tab = RwSignal::new(match last(&address, "tab") {
        Some("fieldwork") => Tab::Fieldwork,
        _ => Tab::Indicators,
    });
    // The table last shown, kept while the analyst visits the other tab.
    let table = StoredValue::new(Query::parse(&address).ok());
    let surveys = RwSignal::new(None::<Result<Vec<SurveySummary>, ApiError>>);
    let chosen = RwSignal::new(String::new());
    leptos::task::spawn_local(async move {
        let list = crate::api::surveys().await;
        if let Ok(list) = &list {
            let asked = list
                .iter()
                .find(|survey| Some(&survey.id) == asked_survey.as_ref());
            match asked.or(list.first()) {
                Some(survey) if asked.is_some() => chosen.set(survey.id.clone()),
                Some(survey) => {
                    table.set_value(None);
                    chosen.set(survey.id.clone());
                }
                None => {}
            }
        }
        surveys.set(Some(list));
    });
    Effect::new(move |_| {
        let survey_id = chosen.get();
        if tab.get() == Tab::Fieldwork && !survey_id.is_empty() {
            browser::replace_query(&format!("survey={}&tab=fieldwork", encode(&survey_id)));
        }
    });
    let right_to_left = salama_shared::text::is_right_to_left(&language);
    // Arrow keys move between tabs (mirrored right to left), Home and End
    // to the ends: the WAI-ARIA tabs pattern.
    let keys = move |event: leptos::ev::KeyboardEvent| {
        let at = TABS
            .iter()
            .position(|(which, _)| *which == tab.get_untracked())
            .unwrap_or(0);
        let last = TABS.len() - 1;
        let next = match (event.key().as_str(), right_to_left) {
            ("ArrowRight", false) | ("ArrowLeft", true) => (at + 1) % TABS.len(),
            ("ArrowLeft", false) | ("ArrowRight", true) => (at + last) % TABS.len(),
            ("Home", _) => 0,
            ("End", _) => last,
            _ => return,
        };
        event.prevent_default();
        let (which, id) = TABS[next];
        tab.set(which);
        browser::focus_soon(id.to_owned());
    };
    let tab_buttons = TABS
        .into_iter()
        .map(|(which, id)| {
            let current = move || tab.get() == which;
            view! {
                <button type="button" id=id role="tab" aria-controls="tab-panel"
                    aria-selected=move || current().to_string()
                    tabindex=move || if current() { "0" } else { "-1" }
                    class=move || if current() { "tab current" } else { "tab" }
                    on:click=move |_| tab.set(which)>{which.label()}</button>
            }
        })
        .collect_view();
    let titles_language = language.clone();
    let choose = move |event: leptos::ev::Event| {
        table.set_value(None);
        chosen.set(event_target_value(&event));
    };
    view! {
        {bar(&who, session)}
        <main id="main" class="page wide">
            <h1>{say(W::Heading)}</h1>
            <div class="question">
                <label for="survey">{say(W::Survey)}</label>
                <select id="survey" on:change=choose>
                    {move || surveys.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|survey| {
                        let title = survey.title.get(&titles_language, &survey.default_language).to_owned();
                        let id = survey.id.clone();
                        let selected = chosen.get() == id;
                        view! { <option value=id selected=selected>{title}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div role="tablist" class="tabs" on:keydown=keys>{tab_buttons}</div>
            <div role="tabpanel" id="tab-panel" aria-labelledby=move || tab.get().id()>
            {move || {
                let survey_id = chosen.get();
                if survey_id.is_empty() {
                    return match surveys.get() {
                        None => view! { <p role="status">{say(W::LoadingSurveys)}</p> }.into_any(),
                        Some(Ok(_)) => view! { <p id="no-surveys" class="status">{say(W::NoSurveys)}</p> }.into_any(),
                        Some(Err(error)) => view! { <p class="error" role="alert">{refusal(&error)}</p> }.into_any(),
                    };
                }
                // Labels and notes in the interface language where the
                // survey has it, else in the survey's own default.
                let lang = surveys.with_untracked(|surveys| {
                    surveys.as_ref().and_then(|list| list.as_ref().ok()).and_then(|list| {
                        list.iter()
                            .find(|survey| survey.id == survey_id && survey.languages.contains(&language))
                            .map(|_| language.clone())
                    })
                });
                match tab.get() {
                    Tab::Indicators => indicators::view(survey_id, lang, table).into_any(),
                    Tab::Fieldwork => fieldwork::view(survey_id, lang).into_any(),
                }
            }}
            </div>
        </main>
    }
}

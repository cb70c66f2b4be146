//! The analysts' pages, a bundle of their own (`salama-analyst`) so the
//! citizens' form does not carry their weight: log in, then fieldwork
//! progress and indicator tables with intervals, flags, a chart and
//! downloads. Everything shown comes from the server, which has already
//! suppressed what may not be published.

// Signing in is the console's too (`admin/`).
pub(crate) mod calls;
mod fieldwork;
mod indicators;

use leptos::prelude::*;
use salama_shared::api::SurveySummary;

use crate::api::ApiError;
use crate::browser;

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

fn app() -> impl IntoView {
    browser::set_title("Salama · Analysis");
    let me = RwSignal::new(None::<Result<Me, ApiError>>);
    leptos::task::spawn_local(async move { me.set(Some(calls::me().await)) });
    move || {
        match me.get() {
        None => view! { <main class="page"><p role="status">"Loading…"</p></main> }.into_any(),
        Some(Ok(who)) if who.role == "analyst" || who.role == "admin" => dashboard(who, me).into_any(),
        Some(Ok(_)) => view! {
            <main class="page"><h1>"Analysis"</h1>
            <p class="status" role="alert">"Your account is not an analyst's: aggregates and downloads are for analysts and administrators."</p></main>
        }
        .into_any(),
        Some(Err(_)) => login(me).into_any(),
    }
    }
}

fn login(me: RwSignal<Option<Result<Me, ApiError>>>) -> impl IntoView {
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
            let result = calls::login(&name.get_untracked(), &password.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(who) => {
                    password.set(String::new());
                    me.set(Some(Ok(who)));
                }
                Err(ApiError::RateLimited {
                    retry_after_seconds,
                }) => problem.set(format!(
                    "Too many attempts. Try again in {retry_after_seconds} seconds."
                )),
                Err(ApiError::Network) => problem.set("The server could not be reached.".into()),
                Err(_) => problem.set("Wrong name or password.".into()),
            }
        });
    };
    browser::focus_soon("login-title".into());
    view! {
        <main id="main" class="page">
            <h1 id="login-title" tabindex="-1">"Log in to analysis"</h1>
            <form on:submit=submit>
                <div class="question">
                    <label for="login-name">"Name"</label>
                    <input id="login-name" type="text" autocomplete="username" required
                        prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e))/>
                </div>
                <div class="question">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" type="password" autocomplete="current-password" required
                        prop:value=move || password.get() on:input=move |e| password.set(event_target_value(&e))/>
                </div>
                <p class="error" role="alert">{move || problem.get()}</p>
                <button id="login-submit" type="submit" class="primary" prop:disabled=move || busy.get()>"Log in"</button>
            </form>
        </main>
    }
}

fn dashboard(who: Me, me: RwSignal<Option<Result<Me, ApiError>>>) -> impl IntoView {
    let surveys = RwSignal::new(None::<Result<Vec<SurveySummary>, ApiError>>);
    let chosen = RwSignal::new(String::new());
    let tab = RwSignal::new(Tab::Indicators);
    leptos::task::spawn_local(async move {
        let list = crate::api::surveys().await;
        if let Ok(list) = &list
            && let Some(first) = list.first()
        {
            chosen.set(first.id.clone());
        }
        surveys.set(Some(list));
    });
    let logout = move |_| {
        leptos::task::spawn_local(async move {
            let _ = calls::logout().await;
            me.set(Some(Err(ApiError::Server { status: 401 })));
        });
    };
    let tab_button = move |which: Tab, label: &'static str, id: &'static str| {
        view! {
            <button type="button" id=id role="tab" aria-selected=move || (tab.get() == which).to_string()
                class=move || if tab.get() == which { "tab current" } else { "tab" }
                on:click=move |_| tab.set(which)>{label}</button>
        }
    };
    view! {
        <header class="bar analysis-bar">
            <span>{format!("{} ({})", who.name, who.role)}</span>
            <button type="button" id="logout" on:click=logout>"Log out"</button>
        </header>
        <main id="main" class="page wide">
            <h1>"Analysis"</h1>
            <div class="question">
                <label for="survey">"Survey"</label>
                <select id="survey" on:change=move |e| chosen.set(event_target_value(&e))>
                    {move || surveys.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|survey| {
                        let title = survey.title.get("en", &survey.default_language).to_owned();
                        let id = survey.id.clone();
                        let selected = chosen.get_untracked() == id;
                        view! { <option value=id selected=selected>{title}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div role="tablist" class="tabs">
                {tab_button(Tab::Indicators, "Indicators", "tab-indicators")}
                {tab_button(Tab::Fieldwork, "Fieldwork", "tab-fieldwork")}
            </div>
            {move || {
                let survey_id = chosen.get();
                if survey_id.is_empty() {
                    return view! { <p role="status">"Loading surveys…"</p> }.into_any();
                }
                match tab.get() {
                    Tab::Indicators => indicators::view(survey_id).into_any(),
                    Tab::Fieldwork => fieldwork::view(survey_id).into_any(),
                }
            }}
        </main>
    }
}

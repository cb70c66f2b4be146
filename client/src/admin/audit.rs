//! The audit log: searched by people (exact names, several at once), by
//! one of the actions the server writes, and by dates; newest first, a
//! page at a time; the same search as a CSV file.
//!
//! The search is read by the shared `audit::Query`, as the server reads
//! it, so a mistake is named here before any request.

use leptos::prelude::*;
use salama_shared::audit::{ACTIONS, MAX_LIMIT, Query};
use salama_shared::words::{AdminWord as A, StaffWord as S, fill};

use super::calls::{self, AuditEntry};
use super::{Session, bar, say};
use crate::analyst::Me;
use crate::api::ApiError;
use crate::browser::{self, Moment};
use crate::interface::Interface;
use crate::staff::refusal as failure;

/// Entries a page shows. One more is asked for, to know whether there
/// are older ones.
const PAGE: u32 = 50;

#[derive(Clone, Copy)]
struct Search {
    /// The search the results are of.
    query: RwSignal<Query>,
    /// The `before_id` of each page shown before this one, to go back.
    newer: RwSignal<Vec<Option<i64>>>,
    found: RwSignal<Option<Result<Vec<AuditEntry>, ApiError>>>,
}

pub fn page(who: Me, session: Session) -> impl IntoView {
    let search = Search {
        query: RwSignal::new(Query {
            limit: PAGE + 1,
            ..Query::default()
        }),
        newer: RwSignal::new(Vec::new()),
        found: RwSignal::new(None),
    };
    run(search);
    view! {
        {bar(&who, session)}
        <main id="main" class="page wide">
            <h1 id="audit-title" tabindex="-1">{say(A::AuditTitle)}</h1>
            <p>{say(A::AuditIntro)}</p>
            {search_form(search)}
            {move || results(search)}
        </main>
    }
}

fn run(search: Search) {
    search.found.set(None);
    let query = search.query.get_untracked();
    leptos::task::spawn_local(async move {
        search.found.set(Some(calls::audit(&query).await));
    });
}

fn search_form(search: Search) -> impl IntoView {
    let who = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let problem = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        // Names are codes: spaces or commas separate them.
        let names = who.get_untracked().replace(char::is_whitespace, ",");
        let pairs: Vec<(String, String)> = [
            ("who", names),
            ("action", action.get_untracked()),
            ("from", from.get_untracked()),
            ("to", to.get_untracked()),
            ("limit", (PAGE + 1).to_string()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        match Query::parse(&pairs) {
            Ok(query) => {
                problem.set(String::new());
                search.query.set(query);
                search.newer.set(Vec::new());
                run(search);
            }
            Err(errors) => {
                let mut fields: Vec<&str> = errors
                    .iter()
                    .map(
                        |error| match error.path.split('[').next().unwrap_or_default() {
                            "who" => say(A::Who),
                            "from" => say(A::From),
                            "to" => say(A::To),
                            _ => say(A::Action),
                        },
                    )
                    .collect();
                fields.dedup();
                problem.set(fill(
                    say(A::SearchInvalid),
                    &[("fields", &fields.join(", "))],
                ));
            }
        }
    };
    let actions = ACTIONS
        .iter()
        .map(|&name| view! { <option value=name>{name}</option> })
        .collect_view();
    view! {
        <form id="audit-search" class="controls" on:submit=submit aria-label=say(A::Search)>
            <div class="question">
                <label for="audit-who">{say(A::Who)}</label>
                <input id="audit-who" type="text" autocomplete="off" spellcheck="false"
                    aria-describedby="audit-who-hint"
                    prop:value=move || who.get() on:input=move |e| who.set(event_target_value(&e))/>
                <p id="audit-who-hint" class="hint">{say(A::WhoHint)}</p>
            </div>
            <div class="question">
                <label for="audit-action">{say(A::Action)}</label>
                <select id="audit-action" on:change=move |e| action.set(event_target_value(&e))>
                    <option value="">{say(A::AnyAction)}</option>
                    {actions}
                </select>
            </div>
            <div class="question">
                <label for="audit-from">{say(A::From)}</label>
                <input id="audit-from" type="date"
                    prop:value=move || from.get() on:input=move |e| from.set(event_target_value(&e))/>
            </div>
            <div class="question">
                <label for="audit-to">{say(A::To)}</label>
                <input id="audit-to" type="date"
                    prop:value=move || to.get() on:input=move |e| to.set(event_target_value(&e))/>
            </div>
            <p id="audit-problem" class="error" role="alert">{move || problem.get()}</p>
            <button id="audit-run" type="submit" class="primary">{say(A::Search)}</button>
        </form>
    }
}

/// The CSV of the whole search (not only the page shown), as many entries
/// as one request may hold.
fn csv_link(query: &Query) -> String {
    let whole = Query {
        before_id: None,
        limit: MAX_LIMIT,
        ..query.clone()
    };
    format!("/api/audit.csv?{}", whole.to_query_string())
}

fn results(search: Search) -> AnyView {
    let entries = match search.found.get() {
        None => return view! { <p role="status">{say(S::Loading)}</p> }.into_any(),
        Some(Err(error)) => {
            return view! { <p class="error" role="alert">{failure(&error)}</p> }.into_any();
        }
        Some(Ok(entries)) => entries,
    };
    let query = search.query.get_untracked();
    let csv = csv_link(&query);
    let older = (entries.len() > PAGE as usize)
        .then(|| entries.get(PAGE as usize - 1).map(|entry| entry.id))
        .flatten();
    let has_newer = !search.newer.get_untracked().is_empty();
    let go_older = move |_| {
        let Some(last) = older else { return };
        let current = search.query.get_untracked().before_id;
        search.newer.update(|newer| newer.push(current));
        search.query.update(|query| query.before_id = Some(last));
        run(search);
        browser::focus_soon("audit-results-title".into());
    };
    let go_newer = move |_| {
        let Some(previous) = search.newer.try_update(Vec::pop).flatten() else {
            return;
        };
        search.query.update(|query| query.before_id = previous);
        run(search);
        browser::focus_soon("audit-results-title".into());
    };
    let empty = entries.is_empty();
    let language = expect_context::<Interface>().language.get_untracked();
    let rows = entries
        .into_iter()
        .take(PAGE as usize)
        .map(|entry| {
            let at = browser::local_date(&entry.at, &language, Moment::Instant)
                .unwrap_or_else(|| entry.at.clone());
            view! {
                <tr data-id=entry.id.to_string()>
                    <td class="at"><time datetime=entry.at.clone()>{at}</time></td>
                    <td class="actor"><code>{entry.actor}</code></td>
                    <td class="action"><code>{entry.action}</code></td>
                    <td class="detail">{entry.detail}</td>
                </tr>
            }
        })
        .collect_view();
    let table = view! {
        <div class="scroll" tabindex="0" role="region" aria-labelledby="audit-results-title">
            <table id="audit">
                <thead><tr>
                    <th scope="col">{say(A::ColumnWhen)}</th>
                    <th scope="col">{say(A::Who)}</th>
                    <th scope="col">{say(A::Action)}</th>
                    <th scope="col">{say(A::ColumnDetail)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    };
    view! {
        <section aria-labelledby="audit-results-title">
            <h2 id="audit-results-title" tabindex="-1">{say(A::AuditResults)}</h2>
            <p><a id="audit-csv" class="alone" href=csv download="audit.csv">{say(A::ExportCsv)}</a></p>
            {empty.then(|| view! { <p id="audit-empty">{say(A::NoEntries)}</p> })}
            {table}
            <div class="actions pager">
                <button type="button" id="audit-newer" on:click=go_newer prop:disabled=!has_newer>{say(A::Newer)}</button>
                <button type="button" id="audit-older" on:click=go_older prop:disabled=older.is_none()>{say(A::Older)}</button>
            </div>
        </section>
    }
    .into_any()
}

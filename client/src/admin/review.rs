//! Review (`/admin/review`): the interviews of one survey, latest first,
//! filtered by state, cluster and enumerator (a supervisor is sent their
//! teams' only); one interview's answers with the questionnaire's labels,
//! its decisions and corrections; approve, send back with a note, reject,
//! or correct one answer with a reason. Admins also set whether the
//! aggregates count approved interviews only.
//!
//! The filter is read by the shared `review::ListQuery`, and the actions
//! offered are the shared state machine's, so the console offers only what
//! the server accepts.

use leptos::prelude::*;
use salama_shared::Survey;
use salama_shared::api::SurveyListing;
use salama_shared::review::{
    BulkApproved, FlagRules, ListQuery, ReviewDetail, ReviewItem, ReviewPolicy, ReviewState, STATES,
};
use salama_shared::schema::{Question, QuestionKind};
use salama_shared::words::{AdminWord as A, StaffWord as S, fill};
use serde_json::{Value, json};

use super::calls::{self, Refusal};
use super::{Session, bar, say};
use crate::analyst::Me;
use crate::api::encode;
use crate::browser;
use crate::interface::Interface;

/// Interviews a page lists; one more is asked for, to know whether there
/// are older ones.
const PAGE: u32 = 50;

#[derive(Clone, Copy)]
struct Review {
    survey: RwSignal<String>,
    query: RwSignal<ListQuery>,
    listed: RwSignal<Option<Result<Vec<ReviewItem>, Refusal>>>,
    /// The interview open, with the questionnaire version it answers.
    open: RwSignal<Option<Result<(ReviewDetail, Survey), Refusal>>>,
    status: RwSignal<String>,
}

fn state_word(state: ReviewState) -> A {
    match state {
        ReviewState::Received => A::StateReceived,
        ReviewState::Approved => A::StateApproved,
        ReviewState::HasIssues => A::StateHasIssues,
        ReviewState::Rejected => A::StateRejected,
    }
}

/// A refusal as the server words it, its fields after it.
fn refused(refusal: &Refusal) -> String {
    if refusal.status == 0 {
        return say(S::Unreachable).to_owned();
    }
    let mut text = if refusal.message.is_empty() {
        fill(say(S::Failed), &[("status", &refusal.status.to_string())])
    } else {
        refusal.message.clone()
    };
    for field in &refusal.fields {
        text.push_str(&format!(" {}: {}", field.path, field.message));
    }
    text
}

pub fn page(who: Me, session: Session) -> impl IntoView {
    let review = Review {
        survey: RwSignal::new(String::new()),
        query: RwSignal::new(ListQuery {
            limit: PAGE + 1,
            ..ListQuery::default()
        }),
        listed: RwSignal::new(None),
        open: RwSignal::new(None),
        status: RwSignal::new(String::new()),
    };
    let surveys = RwSignal::new(None::<Vec<SurveyListing>>);
    leptos::task::spawn_local(async move {
        let listed = calls::surveys().await.unwrap_or_default();
        if let Some(first) = listed.first() {
            review.survey.set(first.summary.id.clone());
            list(review);
        }
        surveys.set(Some(listed));
    });
    let admin = who.role == "admin";
    // A supervisor's console has no fieldwork page: their team's response
    // rates are read here, for the survey chosen.
    let rates = RwSignal::new(None);
    if !admin {
        Effect::new(move |_| {
            let survey = review.survey.get();
            if survey.is_empty() {
                return;
            }
            leptos::task::spawn_local(async move {
                let read =
                    calls::read(&format!("/api/surveys/{}/response-rates", encode(&survey))).await;
                rates.set(Some(read));
            });
        });
    }
    view! {
        {bar(&who, session)}
        <main id="main" class="page wide">
            <h1 id="review-title" tabindex="-1">{say(A::ReviewTitle)}</h1>
            <p>{say(A::ReviewIntro)}</p>
            {move || survey_choice(review, surveys.get())}
            {move || (admin && !review.survey.get().is_empty()).then(|| untrack(|| counting(review)))}
            {(!admin).then(|| view! {
                <section aria-labelledby="rates-title">
                    <h2 id="rates-title">{say(A::RatesTitle)}</h2>
                    <p>{say(A::RatesTeam)}</p>
                    {move || super::rates::response_rates(review.survey.get(), rates.get())}
                </section>
            })}
            {filter_form(review)}
            {move || (!review.survey.get().is_empty()).then(|| untrack(|| flag_rules(review, admin)))}
            <p id="review-status" role="status">{move || review.status.get()}</p>
            {move || match review.open.get() {
                None => listing(review),
                Some(Err(refusal)) => view! { <p class="error" role="alert">{refused(&refusal)}</p> }.into_any(),
                Some(Ok((detail, survey))) => interview(review, detail, survey),
            }}
        </main>
    }
}

fn survey_choice(review: Review, surveys: Option<Vec<SurveyListing>>) -> AnyView {
    let Some(surveys) = surveys else {
        return view! { <p role="status">{say(S::Loading)}</p> }.into_any();
    };
    if surveys.is_empty() {
        return view! { <p>{say(A::NoSurveys)}</p> }.into_any();
    }
    let language = expect_context::<Interface>().language.get_untracked();
    let chosen = review.survey.get_untracked();
    let options = surveys
        .into_iter()
        .map(|listing| {
            let summary = listing.summary;
            let title = summary.title.get(&language, &summary.default_language).to_owned();
            let selected = summary.id == chosen;
            view! { <option value=summary.id.clone() selected=selected>{format!("{title} ({})", summary.id)}</option> }
        })
        .collect_view();
    let change = move |event| {
        review.survey.set(event_target_value(&event));
        review.open.set(None);
        list(review);
    };
    view! {
        <div class="question">
            <label for="review-survey">{say(A::ColumnSurvey)}</label>
            <select id="review-survey" on:change=change>{options}</select>
        </div>
    }
    .into_any()
}

fn survey_path(review: Review, tail: &str) -> String {
    format!(
        "/api/surveys/{}/{tail}",
        review.survey.with_untracked(|id| encode(id))
    )
}

/// Reads the list again, as the query says.
fn list(review: Review) {
    review.listed.set(None);
    let url = format!(
        "{}?{}",
        survey_path(review, "reviews"),
        review.query.get_untracked().to_query_string()
    );
    leptos::task::spawn_local(async move {
        review.listed.set(Some(calls::read(&url).await));
    });
}

/// Whether the aggregates count approved interviews only (admins).
fn counting(review: Review) -> impl IntoView {
    let approved_only = RwSignal::new(None::<bool>);
    let url = survey_path(review, "review-policy");
    let read = url.clone();
    leptos::task::spawn_local(async move {
        let policy: Result<ReviewPolicy, Refusal> = calls::read(&read).await;
        approved_only.set(policy.ok().map(|policy| policy.approved_only));
    });
    let change = move |event: leptos::ev::Event| {
        let checked = event_target_checked(&event);
        let url = url.clone();
        leptos::task::spawn_local(async move {
            let body = json!({ "approved_only": checked });
            let saved: Result<ReviewPolicy, Refusal> = calls::send_json("PUT", &url, &body).await;
            match saved {
                Ok(policy) => {
                    approved_only.set(Some(policy.approved_only));
                    review.status.set(say(A::CountingSaved).to_owned());
                }
                Err(refusal) => review.status.set(refused(&refusal)),
            }
        });
    };
    view! {
        <p class="choice">
            <input id="review-approved-only" type="checkbox" on:change=change
                prop:checked=move || approved_only.get().unwrap_or(false)
                prop:disabled=move || approved_only.get().is_none()/>
            <label for="review-approved-only">{say(A::CountApprovedOnly)}</label>
        </p>
    }
}

/// The rules that flag interviews, and the CSV of those they flag (with
/// the list's filters).
fn flag_rules(review: Review, admin: bool) -> impl IntoView {
    let minutes = RwSignal::new("8".to_owned());
    let battery = RwSignal::new(String::new());
    let share = RwSignal::new(String::new());
    let saving = RwSignal::new(String::new());
    // The survey's saved rules, when there are any, fill the form.
    leptos::task::spawn_local(async move {
        if let Ok(saved) = calls::read::<FlagRules>(&survey_path(review, "flag-rules")).await
            && saved != FlagRules::parse(&[]).unwrap_or_default()
        {
            minutes.set(saved.min_minutes.map(|m| m.to_string()).unwrap_or_default());
            battery.set(saved.battery.join(", "));
            share.set(saved.dont_know_share.to_string());
        }
    });
    let pairs = move || {
        vec![
            ("min_minutes".to_owned(), minutes.get().trim().to_owned()),
            (
                "battery".to_owned(),
                battery.get().replace(char::is_whitespace, ""),
            ),
            ("dont_know_share".to_owned(), share.get().trim().to_owned()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect::<Vec<_>>()
    };
    let link = move || {
        let query = review.query.get();
        let mut pairs = pairs();
        if let Some(state) = query.state {
            pairs.push(("state".to_owned(), state.as_str().to_owned()));
        }
        for (name, value) in [("cluster", query.cluster), ("enumerator", query.enumerator)] {
            if let Some(value) = value {
                pairs.push((name.to_owned(), value));
            }
        }
        let parameters: Vec<String> = pairs
            .into_iter()
            .map(|(name, value)| format!("{name}={}", encode(&value)))
            .collect();
        format!(
            "{}?{}",
            survey_path(review, "flags.csv"),
            parameters.join("&")
        )
    };
    let save = move |_| {
        let rules = match FlagRules::parse(&pairs()) {
            Ok(rules) => rules,
            Err(errors) => {
                let fields: Vec<String> = errors.into_iter().map(|e| e.path).collect();
                saving.set(fill(
                    say(A::FlagsRefused),
                    &[("fields", &fields.join(", "))],
                ));
                return;
            }
        };
        saving.set(say(S::Loading).to_owned());
        leptos::task::spawn_local(async move {
            let body = serde_json::to_value(&rules).unwrap_or_default();
            let answer: Result<FlagRules, Refusal> =
                calls::send_json("PUT", &survey_path(review, "flag-rules"), &body).await;
            saving.set(match answer {
                Ok(_) => say(A::FlagsSaved).to_owned(),
                Err(refusal) => refused(&refusal),
            });
        });
    };
    view! {
        <details id="review-flags">
            <summary>{say(A::FlagsTitle)}</summary>
            <p>{say(A::FlagsIntro)}</p>
            <div class="question">
                <label for="flags-minutes">{say(A::FlagsMinutes)}</label>
                <input id="flags-minutes" type="number" min="0" max="1440" inputmode="numeric"
                    prop:value=move || minutes.get() on:input=move |e| minutes.set(event_target_value(&e))/>
            </div>
            <div class="question">
                <label for="flags-battery">{say(A::FlagsBattery)}</label>
                <input id="flags-battery" type="text" autocomplete="off" spellcheck="false"
                    prop:value=move || battery.get() on:input=move |e| battery.set(event_target_value(&e))/>
            </div>
            <div class="question">
                <label for="flags-share">{say(A::FlagsShare)}</label>
                <input id="flags-share" type="text" inputmode="decimal" autocomplete="off" placeholder="0.5"
                    prop:value=move || share.get() on:input=move |e| share.set(event_target_value(&e))/>
            </div>
            <p><a id="flags-csv" href=link download="flagged-interviews.csv">{say(A::FlagsDownload)}</a></p>
            {admin.then(|| view! {
                <p>
                    <button type="button" class="secondary" id="flags-save" on:click=save>{say(A::FlagsSave)}</button>
                </p>
            })}
            <p id="flags-status" role="status">{move || saving.get()}</p>
        </details>
    }
}

fn filter_form(review: Review) -> impl IntoView {
    let state = RwSignal::new(String::new());
    let cluster = RwSignal::new(String::new());
    let enumerator = RwSignal::new(String::new());
    let problem = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let pairs: Vec<(String, String)> = [
            ("state", state.get_untracked()),
            ("cluster", cluster.get_untracked().trim().to_owned()),
            ("enumerator", enumerator.get_untracked().trim().to_owned()),
            ("limit", (PAGE + 1).to_string()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        match ListQuery::parse(&pairs) {
            Ok(query) => {
                problem.set(String::new());
                review.query.set(query);
                review.open.set(None);
                list(review);
            }
            Err(errors) => {
                let fields: Vec<&str> = errors
                    .iter()
                    .map(|error| match error.path.as_str() {
                        "cluster" => say(A::ColumnCluster),
                        "enumerator" => say(A::ColumnEnumerator),
                        _ => say(A::ColumnState),
                    })
                    .collect();
                problem.set(fill(
                    say(A::FilterInvalid),
                    &[("fields", &fields.join(", "))],
                ));
            }
        }
    };
    let states = STATES
        .iter()
        .map(|&state| view! { <option value=state.as_str()>{say(state_word(state))}</option> })
        .collect_view();
    view! {
        <form id="review-filter" class="controls" on:submit=submit aria-label=say(A::ReviewFilters)>
            <div class="question">
                <label for="review-state">{say(A::ColumnState)}</label>
                <select id="review-state" on:change=move |e| state.set(event_target_value(&e))>
                    <option value="">{say(A::AnyState)}</option>
                    {states}
                </select>
            </div>
            <div class="question">
                <label for="review-cluster">{say(A::ColumnCluster)}</label>
                <input id="review-cluster" type="text" autocomplete="off" spellcheck="false"
                    prop:value=move || cluster.get() on:input=move |e| cluster.set(event_target_value(&e))/>
            </div>
            <div class="question">
                <label for="review-enumerator">{say(A::ColumnEnumerator)}</label>
                <input id="review-enumerator" type="text" autocomplete="off" spellcheck="false"
                    prop:value=move || enumerator.get() on:input=move |e| enumerator.set(event_target_value(&e))/>
            </div>
            <p id="review-problem" class="error" role="alert">{move || problem.get()}</p>
            <button id="review-show" type="submit" class="primary">{say(A::Show)}</button>
        </form>
    }
}

fn listing(review: Review) -> AnyView {
    let items = match review.listed.get() {
        None => return view! { <p role="status">{say(S::Loading)}</p> }.into_any(),
        Some(Err(refusal)) => {
            return view! { <p class="error" role="alert">{refused(&refusal)}</p> }.into_any();
        }
        Some(Ok(items)) => items,
    };
    let older = (items.len() > PAGE as usize)
        .then(|| items.get(PAGE as usize - 1).map(|item| item.position))
        .flatten();
    let go_older = move |_| {
        review.query.update(|query| query.before = older);
        list(review);
        browser::focus_soon("review-results-title".into());
    };
    let empty = items.is_empty();
    // What "approve the set" approves: the ones listed still to decide.
    let undecided: Vec<String> = items
        .iter()
        .take(PAGE as usize)
        .filter(|item| item.state.can_become(ReviewState::Approved))
        .map(|item| item.submission_id.clone())
        .collect();
    let approve_listed = (!undecided.is_empty()).then(|| {
        let count = undecided.len().to_string();
        let ids = StoredValue::new(undecided);
        let approve = move |_| {
            let url = survey_path(review, "reviews/approve");
            let body = json!({ "submission_ids": ids.get_value() });
            leptos::task::spawn_local(async move {
                let done: Result<BulkApproved, Refusal> =
                    calls::send_json("POST", &url, &body).await;
                match done {
                    Ok(done) => {
                        review.status.set(fill(
                            say(A::ApprovedListed),
                            &[("n", &done.approved.len().to_string())],
                        ));
                        list(review);
                    }
                    Err(refusal) => review.status.set(refused(&refusal)),
                }
            });
        };
        view! {
            <p class="actions"><button type="button" id="review-approve-listed" on:click=approve>
                {fill(say(A::ApproveListed), &[("n", &count)])}</button></p>
        }
    });
    let rows = items
        .into_iter()
        .take(PAGE as usize)
        .map(|item| {
            let id = item.submission_id.clone();
            let short: String = id.chars().take(8).collect();
            let open_id = id.clone();
            view! {
                <tr data-id=id.clone() data-state=item.state.as_str()>
                    <td>{item.completed_on}</td>
                    <td><code>{item.cluster_id.unwrap_or_default()}</code></td>
                    <td><code>{item.enumerator_id.unwrap_or_default()}</code></td>
                    <td class="state">{say(state_word(item.state))}</td>
                    <td>{item.revision}</td>
                    <td><button type="button" class="open" id=format!("open-{id}")
                        on:click=move |_| {
                            review.status.set(String::new());
                            open(review, open_id.clone());
                        }>{fill(say(A::OpenInterview), &[("id", &short)])}</button></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="review-results-title">
            <h2 id="review-results-title" tabindex="-1">{say(A::ReviewResults)}</h2>
            {empty.then(|| view! { <p id="review-empty">{say(A::NoInterviews)}</p> })}
            {approve_listed}
            <div class="scroll" tabindex="0" role="region" aria-labelledby="review-results-title">
                <table id="review-list">
                    <thead><tr>
                        <th scope="col">{say(A::ColumnInterviewDate)}</th>
                        <th scope="col">{say(A::ColumnCluster)}</th>
                        <th scope="col">{say(A::ColumnEnumerator)}</th>
                        <th scope="col">{say(A::ColumnState)}</th>
                        <th scope="col">{say(A::ColumnRevision)}</th>
                        <th scope="col">{say(A::ColumnActions)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {older.is_some().then(|| view! {
                <p class="actions"><button type="button" id="review-older" on:click=go_older>{say(A::MoreInterviews)}</button></p>
            })}
        </section>
    }
    .into_any()
}

/// Opens one interview with the questionnaire version it answers.
fn open(review: Review, submission_id: String) {
    leptos::task::spawn_local(async move {
        let detail: Result<ReviewDetail, Refusal> = calls::read(&format!(
            "/api/submissions/{}/review",
            encode(&submission_id)
        ))
        .await;
        let opened = match detail {
            Ok(detail) => {
                let url = format!(
                    "/api/surveys/{}/versions/{}",
                    encode(&detail.survey_id),
                    detail.item.survey_version
                );
                match calls::read_text(&url).await {
                    Ok(text) => Survey::from_json(&text)
                        .map(|survey| (detail, survey))
                        .map_err(|error| Refusal {
                            message: error.to_string(),
                            ..Refusal::default()
                        }),
                    Err(refusal) => Err(refusal),
                }
            }
            Err(refusal) => Err(refusal),
        };
        review.open.set(Some(opened));
        browser::focus_soon("interview-title".into());
    });
}

/// An answer as a reviewer reads it: choices by their labels.
fn shown(survey: &Survey, question: &Question, value: &Value, language: &str) -> String {
    let label_of = |list: &str, code: &str| {
        survey
            .choice_list(list)
            .and_then(|list| list.choices.iter().find(|choice| choice.value == code))
            .map_or_else(
                || code.to_owned(),
                |choice| {
                    choice
                        .label
                        .get(language, &survey.default_language)
                        .to_owned()
                },
            )
    };
    match (&question.kind, value) {
        (QuestionKind::Single { list } | QuestionKind::Ordinal { list }, Value::String(code)) => {
            label_of(list, code)
        }
        (QuestionKind::Multiple { list, .. }, Value::Array(codes)) => codes
            .iter()
            .map(|code| {
                code.as_str()
                    .map_or_else(|| code.to_string(), |code| label_of(list, code))
            })
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::String(text)) => text.clone(),
        (_, Value::Array(parts)) => parts
            .iter()
            .map(|part| {
                part.as_str()
                    .map_or_else(|| part.to_string(), str::to_owned)
            })
            .collect::<Vec<_>>()
            .join(" › "),
        (_, other) => other.to_string(),
    }
}

/// Every answer in questionnaire order, roster rows' cells after their
/// roster: (path, label, answer shown).
fn answer_rows(
    detail: &ReviewDetail,
    survey: &Survey,
    language: &str,
) -> Vec<(String, String, String)> {
    let label = |question: &Question| {
        question
            .label
            .get(language, &survey.default_language)
            .to_owned()
    };
    let mut rows = Vec::new();
    for question in survey
        .sections
        .iter()
        .flat_map(|section| &section.questions)
    {
        let Some(value) = detail.answers.get(&question.id) else {
            continue;
        };
        if let (
            QuestionKind::Roster {
                questions,
                row_label,
                ..
            },
            Value::Array(members),
        ) = (&question.kind, value)
        {
            for (row, member) in members.iter().enumerate() {
                for cell in questions {
                    if let Some(value) = member.get(&cell.id) {
                        let place = format!(
                            "{} {} · {}",
                            row_label.get(language, &survey.default_language),
                            row + 1,
                            label(cell)
                        );
                        rows.push((
                            format!("{}[{row}].{}", question.id, cell.id),
                            place,
                            shown(survey, cell, value, language),
                        ));
                    }
                }
            }
            continue;
        }
        rows.push((
            question.id.clone(),
            label(question),
            shown(survey, question, value, language),
        ));
    }
    rows
}

fn interview(review: Review, detail: ReviewDetail, survey: Survey) -> AnyView {
    let language = expect_context::<Interface>().language.get_untracked();
    let item = detail.item.clone();
    let id = item.submission_id.clone();
    let answers = answer_rows(&detail, &survey, &language)
        .into_iter()
        .map(|(path, label, answer)| {
            view! {
                <tr data-path=path><th scope="row">{label}</th><td>{answer}</td></tr>
            }
        })
        .collect_view();
    let history = detail
        .history
        .iter()
        .map(|event| {
            let what = match ReviewState::parse(&event.event) {
                Some(state) => say(state_word(state)),
                None => say(A::EventCorrected),
            };
            let at = browser::local_date(&event.at, &language, browser::Moment::Instant)
                .unwrap_or_else(|| event.at.clone());
            view! {
                <tr><td><time datetime=event.at.clone()>{at}</time></td><td><code>{event.actor.clone()}</code></td>
                    <td>{what}</td><td>{event.reason.clone()}</td></tr>
            }
        })
        .collect_view();
    let no_history = detail.history.is_empty();
    let close = move |_| {
        review.open.set(None);
        list(review);
        browser::focus_soon("review-results-title".into());
    };
    view! {
        <section id="review-interview" aria-labelledby="interview-title">
            <h2 id="interview-title" tabindex="-1">{fill(say(A::InterviewTitle), &[("id", &id)])}</h2>
            <p id="interview-state" data-state=item.state.as_str()>
                {say(A::ColumnState)}": "{say(state_word(item.state))}
                {item.reason.clone().filter(|reason| !reason.is_empty()).map(|reason| format!(" — {reason}"))}
            </p>
            {decision(review, &detail)}
            <h3>{say(A::AnswersTitle)}</h3>
            <div class="scroll" tabindex="0" role="region" aria-label=say(A::AnswersTitle)>
                <table id="review-answers">
                    <thead><tr><th scope="col">{say(A::ColumnQuestion)}</th><th scope="col">{say(A::ColumnAnswer)}</th></tr></thead>
                    <tbody>{answers}</tbody>
                </table>
            </div>
            {(item.state != ReviewState::Rejected).then(|| correction(review, &detail, &survey, &language))}
            <h3>{say(A::ReviewHistory)}</h3>
            {no_history.then(|| view! { <p>{say(A::NotReviewedYet)}</p> })}
            <div class="scroll" tabindex="0" role="region" aria-label=say(A::ReviewHistory)>
                <table id="review-history">
                    <thead><tr>
                        <th scope="col">{say(A::ColumnWhen)}</th><th scope="col">{say(A::ColumnWho)}</th>
                        <th scope="col">{say(A::ColumnState)}</th><th scope="col">{say(A::Reason)}</th>
                    </tr></thead>
                    <tbody>{history}</tbody>
                </table>
            </div>
            <p class="actions"><button type="button" id="review-close" on:click=close>{say(A::CloseInterview)}</button></p>
        </section>
    }
    .into_any()
}

/// The decisions the shared state machine allows from here, with a reason.
fn decision(review: Review, detail: &ReviewDetail) -> AnyView {
    let item = &detail.item;
    if detail.next_states.is_empty() {
        return view! {
            <p id="review-final">{fill(say(A::DecisionFinal), &[("state", say(state_word(item.state)))])}</p>
        }
        .into_any();
    }
    let reason = RwSignal::new(String::new());
    let id = item.submission_id.clone();
    let buttons = detail
        .next_states
        .iter()
        .map(|&next| {
            let (button_id, word, class) = match next {
                ReviewState::Approved => ("review-approve", A::Approve, "primary"),
                ReviewState::HasIssues => ("review-send-back", A::SendBack, ""),
                _ => ("review-reject", A::Reject, "danger"),
            };
            let id = id.clone();
            let decide = move |_| {
                let id = id.clone();
                leptos::task::spawn_local(async move {
                    let body = json!({ "state": next, "reason": reason.get_untracked() });
                    let url = format!("/api/submissions/{}/review", encode(&id));
                    let decided: Result<ReviewItem, Refusal> = calls::send_json("POST", &url, &body).await;
                    match decided {
                        Ok(item) => {
                            review.status.set(fill(say(A::Decided), &[("state", say(state_word(item.state)))]));
                            open(review, id);
                        }
                        Err(refusal) => review.status.set(refused(&refusal)),
                    }
                });
            };
            view! { <button type="button" id=button_id class=class on:click=decide>{say(word)}</button> }
        })
        .collect_view();
    view! {
        <div class="question">
            <label for="review-reason">{say(A::Reason)}</label>
            <textarea id="review-reason" maxlength="500" aria-describedby="review-reason-hint"
                prop:value=move || reason.get() on:input=move |e| reason.set(event_target_value(&e))></textarea>
            <p id="review-reason-hint" class="hint">{say(A::ReasonHint)}</p>
        </div>
        <p class="actions">{buttons}</p>
    }
    .into_any()
}

/// A value typed for `question`, as the interview keeps it.
fn typed(question: Option<&Question>, text: &str) -> Value {
    let text = text.trim();
    if text.is_empty() {
        return Value::Null;
    }
    match question.map(|question| &question.kind) {
        Some(QuestionKind::Integer { .. }) => text
            .parse::<i64>()
            .map_or_else(|_| json!(text), |n| json!(n)),
        Some(QuestionKind::Decimal { .. }) => text
            .replace(',', ".")
            .parse::<f64>()
            .map_or_else(|_| json!(text), |n| json!(n)),
        Some(QuestionKind::Multiple { .. } | QuestionKind::AdminArea { .. }) => {
            json!(text.split_whitespace().collect::<Vec<_>>())
        }
        _ => json!(text),
    }
}

/// One answer corrected, with a reason: a new revision, checked again.
fn correction(
    review: Review,
    detail: &ReviewDetail,
    survey: &Survey,
    language: &str,
) -> impl IntoView + use<> {
    let questions: Vec<Question> = survey
        .sections
        .iter()
        .flat_map(|section| &section.questions)
        .filter(|question| {
            !matches!(
                question.kind,
                QuestionKind::Note | QuestionKind::Calculate { .. } | QuestionKind::Roster { .. }
            )
        })
        .cloned()
        .collect();
    let options = questions
        .iter()
        .map(|question| {
            let label = question.label.get(language, &survey.default_language).to_owned();
            view! { <option value=question.id.clone()>{format!("{label} ({})", question.id)}</option> }
        })
        .collect_view();
    let chosen = RwSignal::new(
        questions
            .first()
            .map(|question| question.id.clone())
            .unwrap_or_default(),
    );
    let value = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let questions = StoredValue::new(questions);
    let id = detail.item.submission_id.clone();
    let revision = detail.item.revision;
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let path = chosen.get_untracked();
        let new = questions.with_value(|all| {
            typed(
                all.iter().find(|question| question.id == path),
                &value.get_untracked(),
            )
        });
        let body = json!({
            "reason": reason.get_untracked(),
            "revision": revision,
            "changes": [{ "path": path, "value": new }],
        });
        let id = id.clone();
        leptos::task::spawn_local(async move {
            let url = format!("/api/submissions/{}/corrections", encode(&id));
            let saved: Result<ReviewDetail, Refusal> = calls::send_json("POST", &url, &body).await;
            match saved {
                Ok(detail) => {
                    review.status.set(fill(
                        say(A::Corrected),
                        &[("n", &detail.item.revision.to_string())],
                    ));
                    open(review, id);
                }
                Err(refusal) => review.status.set(refused(&refusal)),
            }
        });
    };
    view! {
        <form id="review-correct" class="controls" on:submit=save aria-labelledby="correct-title">
            <h3 id="correct-title">{say(A::CorrectTitle)}</h3>
            <div class="question">
                <label for="correct-question">{say(A::ColumnQuestion)}</label>
                <select id="correct-question" on:change=move |e| chosen.set(event_target_value(&e))>{options}</select>
            </div>
            <div class="question">
                <label for="correct-value">{say(A::CorrectValue)}</label>
                <input id="correct-value" type="text" autocomplete="off" spellcheck="false" aria-describedby="correct-value-hint"
                    prop:value=move || value.get() on:input=move |e| value.set(event_target_value(&e))/>
                <p id="correct-value-hint" class="hint">{say(A::CorrectValueHint)}</p>
            </div>
            <div class="question">
                <label for="correct-reason">{say(A::Reason)}</label>
                <textarea id="correct-reason" maxlength="500"
                    prop:value=move || reason.get() on:input=move |e| reason.set(event_target_value(&e))></textarea>
            </div>
            <button id="correct-save" type="submit">{say(A::CorrectSave)}</button>
        </form>
    }
}

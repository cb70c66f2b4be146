//! The settings page (`/admin/settings`), one survey at a time: how long
//! its raw data is kept (DOMAIN §5), with where that stands today, and a
//! confirmation before the destruction is brought forward. The warning
//! that a destruction is near shows here and above the surveys' table.

use leptos::prelude::*;
use salama_shared::api::SurveyListing;
use salama_shared::retention::{Retention, Standing};
use salama_shared::words::{AdminWord as A, fill};

use super::calls::{self, Refusal};
use super::{Session, SurveyChoice, bar, say};
use crate::analyst::Me;
use crate::api::encode;
use crate::browser::Moment;
use crate::interface::Interface;

pub fn page(who: Me, session: Session) -> impl IntoView {
    let choice = SurveyChoice::load();
    view! {
        {bar(&who, session)}
        <main id="main" class="page">
            <h1 id="settings-title">{say(A::SettingsTitle)}</h1>
            {move || choice.listed.get().map(|listed| warnings(&listed))}
            {choice.chooser("settings-survey")}
            {move || {
                let chosen = choice.chosen.get();
                let listing = choice.listed.with(|listed| {
                    listed.as_ref()?.iter().find(|listing| listing.summary.id == chosen).cloned()
                })?;
                Some(untrack(|| retention_panel(listing)))
            }}
        </main>
    }
}

/// One line for each survey whose raw data is destroyed within the
/// warning period, in the interface language.
pub(super) fn warnings(listed: &[SurveyListing]) -> Option<impl IntoView + use<>> {
    let interface = expect_context::<Interface>();
    let language = interface.language.get_untracked();
    let lines = listed
        .iter()
        .filter_map(|listing| {
            let retention = listing.retention.as_ref()?;
            let (Standing::Warning, Some(date), Some(days)) = (
                retention.standing,
                &retention.retain_until,
                retention.days_left,
            ) else {
                return None;
            };
            let summary = &listing.summary;
            let title = summary.title.get(&language, &summary.default_language);
            let text = fill(
                say(A::RetentionWarning),
                &[
                    ("survey", title),
                    ("date", &shown_day(date)),
                    ("days", &days.to_string()),
                ],
            );
            Some(view! { <li>{text}</li> })
        })
        .collect::<Vec<_>>();
    (!lines.is_empty()).then(|| {
        view! { <div class="status warning retention-warnings" role="status"><ul>{lines}</ul></div> }
    })
}

fn shown_day(date: &str) -> String {
    expect_context::<Interface>()
        .words()
        .date(date, Moment::Day)
}

/// Where the retention stands, in a sentence.
fn standing_text(retention: &Retention) -> String {
    let date = retention
        .retain_until
        .as_deref()
        .map(shown_day)
        .unwrap_or_default();
    let days = retention.days_left.unwrap_or_default().to_string();
    match retention.standing {
        Standing::NotSet => say(A::RetentionNotSet).to_owned(),
        Standing::Kept | Standing::Warning => {
            fill(say(A::RetentionKept), &[("date", &date), ("days", &days)])
        }
        Standing::Passed => {
            let when = retention
                .destroyed_at
                .as_deref()
                .map(|at| {
                    expect_context::<Interface>()
                        .words()
                        .date(at, Moment::Instant)
                })
                .unwrap_or_default();
            fill(
                say(A::RetentionPassed),
                &[
                    ("count", &retention.destroyed_submissions.to_string()),
                    ("when", &when),
                ],
            )
        }
    }
}

fn retention_panel(listing: SurveyListing) -> impl IntoView {
    let survey = StoredValue::new(listing.summary.id.clone());
    let retention = RwSignal::new(listing.retention);
    let date = RwSignal::new(
        retention
            .get_untracked()
            .and_then(|kept| kept.retain_until)
            .unwrap_or_default(),
    );
    // A date earlier than the one set, waiting for its confirmation.
    let earlier = RwSignal::new(None::<String>);
    // The date just saved; its sentence is written where the interface's
    // context is at hand (a task finishing later has none).
    let saved = RwSignal::new(None::<String>);
    let refusal = RwSignal::new(None::<Refusal>);
    let send = move |chosen: String| {
        let url = format!(
            "/api/surveys/{}/retention",
            survey.with_value(|id| encode(id))
        );
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({ "retain_until": chosen });
            match calls::send_json::<Retention>("PUT", &url, &body).await {
                Ok(now) => {
                    refusal.set(None);
                    saved.set(Some(chosen));
                    retention.set(Some(now));
                }
                Err(refused) => {
                    saved.set(None);
                    refusal.set(Some(refused));
                }
            }
        });
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        earlier.set(None);
        let chosen = date.get_untracked();
        let current = retention.with_untracked(|kept| {
            kept.as_ref()
                .filter(|kept| kept.standing != Standing::Passed)
                .and_then(|kept| kept.retain_until.clone())
        });
        // Dates are `YYYY-MM-DD`: text order is date order.
        match current {
            Some(current) if !chosen.is_empty() && chosen < current => {
                earlier.set(Some(current));
                crate::browser::focus_soon("retention-earlier".into());
            }
            _ => send(chosen),
        }
    };
    let today = move || retention.with(|kept| kept.as_ref().map(|kept| kept.today.clone()));
    view! {
        <section aria-labelledby="retention-title">
            <h2 id="retention-title">{say(A::RetentionTitle)}</h2>
            <p class="hint">{say(A::RetentionExplained)}</p>
            {move || retention.get().map(|kept| {
                let warning = matches!(kept.standing, Standing::Warning | Standing::Passed | Standing::NotSet);
                let set_by = kept.set_by.clone().zip(kept.set_at.clone()).map(|(name, at)| {
                    let when = expect_context::<Interface>().words().date(&at, Moment::Instant);
                    fill(say(A::RetentionSetBy), &[("name", &name), ("when", &when)])
                });
                view! {
                    <p id="retention-standing" class="status" class:warning=warning>{standing_text(&kept)}</p>
                    {set_by.map(|text| view! { <p class="hint">{text}</p> })}
                }
            })}
            <form on:submit=save novalidate>
                <div class="question">
                    <label for="retention-date">{say(A::RetentionDate)}</label>
                    <input id="retention-date" type="date" required min=today
                        prop:value=move || date.get()
                        aria-describedby="retention-problem"
                        on:input=move |event| date.set(event_target_value(&event))/>
                    <p id="retention-problem" class="error" role="alert">
                        {move || refusal.get().map(|refused| refused.in_words())}
                    </p>
                </div>
                <button type="submit" id="retention-save">{say(A::RetentionSave)}</button>
            </form>
            {move || earlier.get().map(|current| {
                let text = fill(
                    say(A::RetentionEarlier),
                    &[("old", &shown_day(&current)), ("date", &shown_day(&date.get_untracked()))],
                );
                let confirm = move |_| {
                    earlier.set(None);
                    send(date.get_untracked());
                };
                let cancel = move |_| {
                    earlier.set(None);
                    crate::browser::focus_soon("retention-date".into());
                };
                view! {
                    <div class="confirm" role="group" aria-labelledby="retention-earlier">
                        <h3 id="retention-earlier" tabindex="-1">{text}</h3>
                        <div class="actions">
                            <button type="button" id="retention-earlier-save" class="primary" on:click=confirm>
                                {say(A::RetentionSave)}
                            </button>
                            <button type="button" on:click=cancel>{say(A::Cancel)}</button>
                        </div>
                    </div>
                }
            })}
            <p id="retention-status" class="status" role="status">
                {move || saved.get().map(|date| fill(say(A::RetentionSaved), &[("date", &shown_day(&date))]))}
            </p>
        </section>
    }
}

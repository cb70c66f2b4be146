//! Fieldwork progress: totals, then by day, area and enumerator.

use leptos::prelude::*;
use salama_shared::aggregate::Fieldwork;
use salama_shared::words::{AnalysisWord as W, fill};

use super::calls;
use crate::api::ApiError;
use crate::browser::{Moment, local_date};
use crate::interface::Interface;
use crate::staff::{refusal, say};

/// A table that scrolls sideways on a narrow screen, reachable by keyboard.
fn scrolling(table: impl IntoView) -> impl IntoView {
    view! { <div class="scroll" tabindex="0" role="region" aria-label=say(W::ScrollTable)>{table}</div> }
}

pub fn view(survey_id: String, lang: Option<String>) -> impl IntoView {
    let language = expect_context::<Interface>().language.get_untracked();
    // A day as the interface language writes it; as sent if the browser
    // cannot.
    let day = move |date: String| local_date(&date, &language, Moment::Day).unwrap_or(date);
    let progress = RwSignal::new(None::<Result<Fieldwork, ApiError>>);
    leptos::task::spawn_local(async move {
        progress.set(Some(calls::fieldwork(&survey_id, lang.as_deref()).await))
    });
    move || match progress.get() {
        None => view! { <p role="status">{say(W::LoadingFieldwork)}</p> }.into_any(),
        Some(Err(error)) => {
            view! { <p class="error" role="alert">{refusal(&error)}</p> }.into_any()
        }
        Some(Ok(progress)) => {
            let totals = fill(
                say(W::FieldworkTotals),
                &[
                    ("interviews", &progress.interviews.to_string()),
                    ("online", &progress.online.to_string()),
                ],
            );
            let shown = day.clone();
            let by_day = progress.by_day.into_iter().map(|day| view! {
                <tr><th scope="row">{shown(day.date)}</th><td>{day.interviews}</td><td>{day.online}</td></tr>
            }).collect_view();
            let by_area = progress.by_area.into_iter().map(|area| view! {
                <tr><th scope="row">{area.label}</th><td>{area.interviews}</td><td>{area.online}</td></tr>
            }).collect_view();
            let by_enumerator = progress.by_enumerator.into_iter().map(|row| view! {
                <tr><th scope="row">{row.enumerator}</th><td>{row.interviews}</td><td>{day(row.last)}</td></tr>
            }).collect_view();
            view! {
                <section aria-labelledby="fieldwork-title">
                    <h2 id="fieldwork-title">{say(W::TabFieldwork)}</h2>
                    <p id="fieldwork-totals">{totals}</p>
                    <h3>{say(W::ByDay)}</h3>
                    {scrolling(view! { <table id="by-day">
                        <thead><tr><th scope="col">{say(W::ColumnDate)}</th><th scope="col">{say(W::ColumnInterviews)}</th><th scope="col">{say(W::ColumnOnline)}</th></tr></thead>
                        <tbody>{by_day}</tbody>
                    </table> })}
                    <h3>{say(W::ByArea)}</h3>
                    {scrolling(view! { <table id="by-area">
                        <thead><tr><th scope="col">{say(W::DimensionArea)}</th><th scope="col">{say(W::ColumnInterviews)}</th><th scope="col">{say(W::ColumnOnline)}</th></tr></thead>
                        <tbody>{by_area}</tbody>
                    </table> })}
                    <h3>{say(W::ByEnumerator)}</h3>
                    {scrolling(view! { <table id="by-enumerator">
                        <thead><tr><th scope="col">{say(W::ColumnEnumerator)}</th><th scope="col">{say(W::ColumnInterviews)}</th><th scope="col">{say(W::ColumnLastInterview)}</th></tr></thead>
                        <tbody>{by_enumerator}</tbody>
                    </table> })}
                </section>
            }
            .into_any()
        }
    }
}

//! Fieldwork progress: totals, then by day, area and enumerator.

use leptos::prelude::*;
use salama_shared::aggregate::Fieldwork;

use super::calls;
use crate::api::ApiError;

pub fn view(survey_id: String) -> impl IntoView {
    let progress = RwSignal::new(None::<Result<Fieldwork, ApiError>>);
    leptos::task::spawn_local(
        async move { progress.set(Some(calls::fieldwork(&survey_id).await)) },
    );
    move || {
        match progress.get() {
        None => view! { <p role="status">"Loading fieldwork…"</p> }.into_any(),
        Some(Err(error)) => view! { <p class="error" role="alert">{format!("Fieldwork could not be loaded: {error}")}</p> }.into_any(),
        Some(Ok(progress)) => view! {
            <section aria-labelledby="fieldwork-title">
                <h2 id="fieldwork-title">"Fieldwork"</h2>
                <p id="fieldwork-totals">{format!("{} interviews, {} online answers", progress.interviews, progress.online)}</p>
                <h3>"By day"</h3>
                <div class="scroll" tabindex="0" role="region" aria-label="Table (scrolls sideways on narrow screens)"><table id="by-day">
                    <thead><tr><th scope="col">"Date"</th><th scope="col">"Interviews"</th><th scope="col">"Online"</th></tr></thead>
                    <tbody>{progress.by_day.into_iter().map(|day| view! {
                        <tr><th scope="row">{day.date}</th><td>{day.interviews}</td><td>{day.online}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
                <h3>"By area"</h3>
                <div class="scroll" tabindex="0" role="region" aria-label="Table (scrolls sideways on narrow screens)"><table id="by-area">
                    <thead><tr><th scope="col">"Area"</th><th scope="col">"Interviews"</th><th scope="col">"Online"</th></tr></thead>
                    <tbody>{progress.by_area.into_iter().map(|area| view! {
                        <tr><th scope="row">{area.label}</th><td>{area.interviews}</td><td>{area.online}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
                <h3>"By enumerator"</h3>
                <div class="scroll" tabindex="0" role="region" aria-label="Table (scrolls sideways on narrow screens)"><table id="by-enumerator">
                    <thead><tr><th scope="col">"Enumerator"</th><th scope="col">"Interviews"</th><th scope="col">"Last interview"</th></tr></thead>
                    <tbody>{progress.by_enumerator.into_iter().map(|row| view! {
                        <tr><th scope="row">{row.enumerator}</th><td>{row.interviews}</td><td>{row.last}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            </section>
        }
        .into_any(),
    }
    }
}

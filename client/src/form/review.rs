//! The last step: every answer that applies, by section, with a way back to
//! change it, then sending.

use leptos::prelude::*;
use salama_shared::schema::{Question, QuestionKind};
use serde_json::Value as Json;

use super::draft::Place;
use super::sending::{Sending, send, sending_view};
use super::{Filling, Step};
use crate::browser::Moment;
use salama_shared::words::FormWord as W;

pub fn review_step(filling: Filling) -> impl IntoView {
    let survey = filling.survey;
    let sending = RwSignal::new(Sending::Idle);
    let busy = move || sending.get().is_busy();
    let locked = move || super::present(busy());
    // A section of notes only (the closing "Thank you") has nothing to review.
    let sections = move || {
        let mut sections = filling.relevant_sections();
        sections.retain(|index| {
            survey.sections[*index].questions.iter().any(|question| {
                !matches!(
                    question.kind,
                    QuestionKind::Note | QuestionKind::Calculate { .. }
                )
            })
        });
        sections
    };
    let back = move |_| filling.go(filling.previous_before(Step::Review));
    let router = use_context::<crate::routing::Router>();
    let receipts = use_context::<crate::interface::LastReceipt>();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        send(filling, sending, router, receipts);
    };
    let words = filling.words();
    view! {
        <form class="step" novalidate on:submit=submit>
            <h2 id="step-heading" tabindex="-1">{words.get(W::ReviewTitle)}</h2>
            <p>{words.get(W::ReviewIntro)}</p>
            {move || {
                sections()
                    .into_iter()
                    .map(|index| {
                        let section = &survey.sections[index];
                        let answers = section
                            .questions
                            .iter()
                            .map(|question| answer_rows(filling, question))
                            .collect_view();
                        view! {
                            <section class="review-section">
                                <h3>{filling.text(&section.title)}</h3>
                                <dl>{answers}</dl>
                                <button
                                    type="button"
                                    class="secondary"
                                    disabled=locked
                                    on:click=move |_| {
                                        filling.attempt(super::REVIEW);
                                        filling.go(Step::Section(index));
                                    }
                                >
                                    {words.get(W::Change)}
                                    <span class="visually-hidden">": " {filling.text(&section.title)}</span>
                                </button>
                            </section>
                        }
                    })
                    .collect_view()
            }}
            {sending_view(filling, sending)}
            <div class="actions">
                <button type="button" disabled=locked on:click=back>{words.get(W::Previous)}</button>
                <button type="submit" id="submit" class="primary" disabled=locked>
                    {move || if busy() { words.get(W::Sending) } else { words.get(W::Submit) }.to_owned()}
                </button>
            </div>
        </form>
    }
}

/// A question and its answer as the respondent would read it.
fn answer_rows(filling: Filling, question: &'static Question) -> AnyView {
    let id = question.id.as_str();
    match &question.kind {
        QuestionKind::Note | QuestionKind::Calculate { .. } => ().into_any(),
        QuestionKind::Roster { questions, .. } => {
            let rows = move || {
                if filling.snapshot.with(|s| s.is_relevant(Place::Top(id))) {
                    filling.draft.with(|draft| draft.rows(id))
                } else {
                    0
                }
            };
            view! {
                <dt>{filling.shown(&question.label, Place::Top(id), false)}</dt>
                <dd>
                    {move || {
                        (0..rows())
                            .map(|row| {
                                let cells = questions
                                    .iter()
                                    .map(|member| {
                                        answer_line(
                                            filling,
                                            member,
                                            Place::Cell { roster: id, row, id: member.id.as_str() },
                                        )
                                    })
                                    .collect_view();
                                view! {
                                    <p class="row-title">{super::roster::row_name(filling, question, row)}</p>
                                    <dl class="row-answers">{cells}</dl>
                                }
                            })
                            .collect_view()
                    }}
                </dd>
            }
            .into_any()
        }
        _ => answer_line(filling, question, Place::Top(id)).into_any(),
    }
}

fn answer_line(filling: Filling, question: &'static Question, place: Place) -> impl IntoView {
    let shown =
        move || filling.snapshot.with(|s| s.is_relevant(place)) && question.kind.takes_answer();
    view! {
        <Show when=shown>
            <dt>{filling.shown(&question.label, place, false)}</dt>
            <dd>{readable(filling, question, place)}</dd>
        </Show>
    }
}

pub(super) fn readable(filling: Filling, question: &'static Question, place: Place) -> String {
    let words = filling.words();
    let Some(answer) = filling.draft.with(|draft| draft.answer(place).cloned()) else {
        return words.get(W::NotAnswered).to_owned();
    };
    let codes: Vec<String> = match &answer {
        Json::String(code) => vec![code.clone()],
        Json::Array(codes) => codes
            .iter()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect(),
        Json::Number(number) => {
            return number
                .as_f64()
                .map_or_else(|| number.to_string(), |value| words.number(value));
        }
        other => return serde_json::to_string(&other).unwrap_or_default(),
    };
    let label_of = |code: &str| -> String {
        match &question.kind {
            QuestionKind::YesNo if code == "yes" => words.get(W::Yes).to_owned(),
            QuestionKind::YesNo if code == "no" => words.get(W::No).to_owned(),
            QuestionKind::AdminArea { .. } => {
                area_name(filling, code).unwrap_or_else(|| code.to_owned())
            }
            kind => kind
                .list()
                .and_then(|list| filling.survey.choice_list(list))
                .and_then(|list| list.choices.iter().find(|choice| choice.value == code))
                .map_or_else(|| code.to_owned(), |choice| filling.text(&choice.label)),
        }
    };
    match question.kind {
        QuestionKind::Date => words.date(&codes.join(""), Moment::Day),
        QuestionKind::DateTime => words.date(&codes.join(""), Moment::LocalTime),
        QuestionKind::Text { .. } | QuestionKind::Time => codes.join(" "),
        _ => codes
            .iter()
            .map(|code| label_of(code))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn area_name(filling: Filling, code: &str) -> Option<String> {
    fn find<'a>(
        areas: &'a [salama_shared::schema::Area],
        code: &str,
    ) -> Option<&'a salama_shared::schema::Area> {
        areas.iter().find_map(|area| {
            (area.code == code)
                .then_some(area)
                .or_else(|| find(&area.children, code))
        })
    }
    find(&filling.survey.areas, code).map(|area| filling.text(&area.name))
}

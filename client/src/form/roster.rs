//! A roster: one fieldset per row (household member), rows added and removed
//! by the respondent within the survey's bounds.

use leptos::prelude::*;
use salama_shared::schema::{Level, Question, QuestionKind, Role};

use super::draft::Place;
use super::fields::question_view;
use super::{Filling, browser};
use salama_shared::words::FormWord as W;

pub fn roster_view(filling: Filling, roster: &'static Question, section: usize) -> impl IntoView {
    let QuestionKind::Roster {
        max_rows,
        row_label: label_text,
        questions,
        ..
    } = &roster.kind
    else {
        return ().into_any();
    };
    let id = roster.id.as_str();
    let max_rows = *max_rows as usize;
    let place = Place::Top(id);
    let rows = move || filling.draft.with(|draft| draft.rows(id));
    let error = Memo::new(move |_| filling.visible_error(id, section));
    let heading_id = format!("{}-title", place.dom_id());
    let heading_for = heading_id.clone();
    let error_id = format!("{}-error", place.dom_id());
    let add = move |_: leptos::ev::MouseEvent| {
        let row = rows();
        if row >= max_rows {
            return;
        }
        filling.draft.update(|draft| {
            draft.add_row(id, salama_shared::schema::default_answers(questions.iter()));
        });
        filling.touched.update(|touched| {
            touched.insert(id.to_owned());
        });
        filling.unattempt(section);
        if let Some(first) = questions.iter().find(|q| q.kind.takes_answer()) {
            browser::focus_soon(
                Place::Cell {
                    roster: id,
                    row,
                    id: first.id.as_str(),
                }
                .dom_id(),
            );
        }
    };
    let words = filling.words();
    let row_view = move |row: usize| {
        let legend_id = format!("{}-{row}-legend", place.dom_id());
        // A closure giving a `String`, as the form's other reactive texts
        // (a `Signal<String>` here cost 0.7 KB of render code of its own).
        let name = move || row_name(filling, roster, row);
        let legend_for = legend_id.clone();
        let remove = move |_: leptos::ev::MouseEvent| {
            filling.draft.update(|draft| draft.remove_row(id, row));
            browser::focus_soon(place.dom_id());
        };
        view! {
            <fieldset class="row" aria-labelledby=legend_for>
                <legend id=legend_id>{name}</legend>
                {questions
                    .iter()
                    .map(|member| {
                        let place = Place::Cell {
                            roster: id,
                            row,
                            id: member.id.as_str(),
                        };
                        question_view(filling, member, place, section)
                    })
                    .collect_view()}
                <button type="button" class="secondary" on:click=remove>
                    {words.get(W::RemoveRow)}" "{name}
                </button>
            </fieldset>
        }
    };
    view! {
        <section class="roster" aria-labelledby=heading_for>
            <h3 id=heading_id>{filling.shown(&roster.label, place, false)}</h3>
            {roster.hint.as_ref().map(|hint| view! { <p class="hint">{filling.shown(hint, place, true)}</p> })}
            {move || error.get().map(|message| view! { <p class="error" id=error_id.clone()>{message}</p> })}
            <Show when=move || rows() == 0>
                <p class="empty">{words.get(W::NoRows)}</p>
            </Show>
            <For each=move || 0..rows() key=|row| *row children=row_view />
            <button
                type="button"
                on:click=add
                id=place.dom_id()
                class="secondary"
                disabled=move || super::present(rows() >= max_rows)
                aria-describedby=move || error.get().map(|_| format!("{}-error", place.dom_id()))
            >
                {format!("{} {}", words.get(W::AddRow), filling.text(label_text))}
            </button>
        </section>
    }
    .into_any()
}

/// How a row is named: by its member's sex and age as answered ("Female,
/// 34"), or by its number until they are ("Household member 2").
pub fn row_name(filling: Filling, roster: &'static Question, row: usize) -> String {
    let QuestionKind::Roster {
        row_label,
        questions,
        ..
    } = &roster.kind
    else {
        return String::new();
    };
    let describes = |member: &Question| {
        filling.survey.roles.iter().any(|role| {
            matches!(role,
                Role::Sex { level: Level::Member, question } | Role::Age { level: Level::Member, question }
                    if *question == member.id)
        })
    };
    let mut name = String::new();
    for member in questions.iter().filter(|member| describes(member)) {
        let place = Place::Cell {
            roster: roster.id.as_str(),
            row,
            id: member.id.as_str(),
        };
        if filling.draft.with(|draft| draft.answer(place).is_some()) {
            if !name.is_empty() {
                name.push_str(", ");
            }
            name.push_str(&super::review::readable(filling, member, place));
        }
    }
    if name.is_empty() {
        format!("{} {}", filling.text(row_label), row + 1)
    } else {
        name
    }
}

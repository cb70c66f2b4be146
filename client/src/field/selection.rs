//! Drawing the respondent, right after the household list: the members old
//! enough to answer are listed, one is drawn with the browser's
//! cryptographic generator, and the draw is recorded with the interview
//! (`shared::selection`, checked again by the server). The drawn member's
//! sex and age become the respondent's, so the two cannot disagree.

use leptos::prelude::*;
use salama_shared::selection::{Eligibility, RespondentSelection, draw};
use serde_json::Value as Json;

use super::Device;
use crate::form::{Filling, Place, Step};
use crate::i18n::fill;
use salama_shared::words::FieldWord as F;
use salama_shared::words::FormWord as W;

/// The eligible rows and, per row, how the member is described.
fn eligible_members(filling: Filling, eligibility: Eligibility<'static>) -> Vec<(u32, String)> {
    filling.draft.with(|draft| {
        let inspection = filling.form.inspect(
            &draft.answers,
            (None, &filling.survey.default_language),
            &[],
        );
        let rows = inspection.rows(eligibility.roster);
        eligibility
            .eligible_rows(rows, |row| {
                inspection.value(eligibility.member_age, Some(row))
            })
            .into_iter()
            .map(|row| (row, describe_member(filling, eligibility, row)))
            .collect()
    })
}

/// "Member 3 (Female, 27 years)": how the household list shows a member,
/// without a name (none is asked).
pub(super) fn describe_member(
    filling: Filling,
    eligibility: Eligibility<'static>,
    row: u32,
) -> String {
    let words = expect_context::<Device>().words();
    filling.draft.with(|draft| {
        let cell = |id: &'static str| member_answer(draft, eligibility, row, id);
        let sex = eligibility
            .member_sex
            .and_then(&cell)
            .and_then(|code| choice_label(filling, eligibility.member_sex?, &code));
        let age = cell(eligibility.member_age)
            .map(|age| format!("{age} {}", words.get(F::Years)))
            .unwrap_or_default();
        let description = [sex.unwrap_or_default(), age]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        format!("{} {} ({description})", words.get(F::Member), row + 1)
    })
}

/// A household member's answer to one roster question.
fn member_answer(
    draft: &crate::form::Draft,
    eligibility: Eligibility<'static>,
    row: u32,
    id: &'static str,
) -> Option<Json> {
    draft
        .answer(Place::Cell {
            roster: eligibility.roster,
            row: row as usize,
            id,
        })
        .cloned()
}

fn choice_label(filling: Filling, question: &str, code: &Json) -> Option<String> {
    let code = code.as_str()?;
    let list = filling.survey.question(question)?.question.kind.list()?;
    let choice = filling
        .survey
        .choice_list(list)?
        .choices
        .iter()
        .find(|choice| choice.value == code)?;
    Some(filling.text(&choice.label))
}

pub fn selection_step(filling: Filling) -> AnyView {
    let device = expect_context::<Device>();
    let words = device.words();
    let Some(eligibility) = filling.survey.respondent_eligibility() else {
        filling.go_next(Step::Selection);
        return ().into_any();
    };
    let members = Memo::new(move |_| eligible_members(filling, eligibility));
    let recorded = move || {
        filling
            .draft
            .with(|draft| draft.respondent_selection.clone())
    };
    let still_valid = move || {
        recorded().is_some_and(|selection| {
            members.with(|members| {
                selection.eligible_rows == members.iter().map(|(row, _)| *row).collect::<Vec<_>>()
            })
        })
    };
    let min = eligibility.min_age.to_string();
    let do_draw = move |_| {
        let eligible: Vec<u32> =
            members.with_untracked(|m| m.iter().map(|(row, _)| *row).collect());
        let Some(row) = draw(&eligible, crate::browser::uniform()) else {
            return;
        };
        let eligible_rows = eligible.clone();
        let selection = RespondentSelection {
            roster: eligibility.roster.to_owned(),
            eligible_rows: eligible,
            selected_row: row,
        };
        let copied = |member: Option<&'static str>| {
            member.and_then(|id| {
                filling
                    .draft
                    .with_untracked(|draft| member_answer(draft, eligibility, row, id))
            })
        };
        let age = copied(Some(eligibility.member_age));
        let sex = copied(eligibility.member_sex);
        // A draw made on a household list since corrected is kept with the
        // interview, so the redraw is on the record.
        filling.draft.update(|draft| {
            if let Some(earlier) = draft.respondent_selection.replace(selection)
                && !still_valid_for(&earlier, &eligible_rows)
            {
                draft.earlier_draws.push(earlier);
            }
        });
        let survey = filling.survey;
        if let Some(id) = survey.respondent_age_question() {
            filling.answer(Place::Top(id), age);
        }
        if let Some(id) = survey.respondent_sex_question() {
            filling.answer(Place::Top(id), sex);
        }
        crate::browser::focus_soon("drawn".into());
    };
    let drawn_text = move || {
        let selection = recorded()?;
        let name = members.with(|members| {
            members
                .iter()
                .find(|(row, _)| *row == selection.selected_row)
                .map(|(_, name)| name.clone())
        })?;
        Some(fill(words.get(F::Drawn), &[("member", &name)]))
    };
    // The drawn member's own answer, before any question to them: agrees,
    // not available now (a call-back), or refuses (confirmed, then kept as
    // the household's visit outcome).
    let agreement = RwSignal::new(None::<Agreement>);
    let household = use_context::<super::interview::Household>();
    let agreed = move || still_valid() && agreement.get() == Some(Agreement::Agrees);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match agreement.get_untracked() {
            _ if !still_valid() => {}
            Some(Agreement::Agrees) => filling.go_next(Step::Selection),
            Some(Agreement::Later) => {
                if let Some(household) = household {
                    super::interview::respondent_unavailable(device, household);
                }
            }
            Some(Agreement::Refuses) => {
                if let Some(interviewing) = filling.interviewing() {
                    interviewing
                        .refused
                        .run((filling, crate::form::Refuser::Respondent));
                }
            }
            None => crate::browser::focus_soon("respondent-agrees".into()),
        }
    };
    view! {
        <form class="step" novalidate on:submit=submit>
            <h2 id="step-heading" tabindex="-1">{words.get(F::SelectionTitle)}</h2>
            <p>{fill(words.get(F::SelectionIntro), &[("min", &min)])}</p>
            {move || {
                let list = members.get();
                if list.is_empty() {
                    return view! { <p class="error" id="no-one-eligible">{fill(words.get(F::NoOneEligible), &[("min", &min)])}</p> }.into_any();
                }
                view! {
                    <h3>{words.get(F::EligibleMembers)}</h3>
                    <ul id="eligible-members">
                        {list.into_iter().map(|(_, name)| view! { <li>{name}</li> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {move || (recorded().is_some() && !still_valid()).then(|| view! { <p class="error" role="alert">{words.get(F::RosterChanged)}</p> })}
            {move || match still_valid().then(drawn_text).flatten() {
                Some(text) => view! {
                    <p class="drawn" id="drawn" tabindex="-1" role="status">{text}</p>
                    {agreement_question(filling, agreement)}
                }
                .into_any(),
                None => view! {
                    <button type="button" class="primary" id="draw" on:click=do_draw disabled=move || members.with(Vec::is_empty)>
                        {if recorded().is_some() { words.get(F::Redraw) } else { words.get(F::Draw) }}
                    </button>
                }
                .into_any(),
            }}
            <div class="actions">
                <button type="button" on:click=move |_| filling.go_back(Step::Selection)>
                    {filling.words().get(W::Previous)}
                </button>
                <button type="submit" class="primary" disabled=move || !still_valid() || agreement.get().is_none()>
                    {move || if agreed() || agreement.get().is_none() { filling.words().get(W::Next) } else { words.get(F::SaveVisit) }}
                </button>
            </div>
        </form>
    }
    .into_any()
}

/// What the drawn member answered when asked to take part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Agreement {
    Agrees,
    Later,
    Refuses,
}

fn agreement_question(filling: Filling, agreement: RwSignal<Option<Agreement>>) -> impl IntoView {
    let words = expect_context::<Device>().words();
    let options = [
        (
            Agreement::Agrees,
            "respondent-agrees",
            filling.words().get(W::Yes),
        ),
        (
            Agreement::Later,
            "respondent-later",
            words.get(F::RespondentLater),
        ),
        (
            Agreement::Refuses,
            "respondent-refuses",
            words.get(F::RespondentRefuses),
        ),
    ];
    view! {
        <fieldset class="question">
            <legend>{words.get(F::RespondentAgrees)}</legend>
            <div class="choices">
                {options
                    .into_iter()
                    .map(|(value, id, label)| view! {
                        <div class="choice">
                            <input
                                type="radio"
                                id=id
                                name="respondent-agreement"
                                prop:checked=move || agreement.get() == Some(value)
                                on:change=move |_| agreement.set(Some(value))
                            />
                            <label for=id>{label}</label>
                        </div>
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

/// Whether a recorded draw was made among these eligible rows.
fn still_valid_for(selection: &RespondentSelection, eligible: &[u32]) -> bool {
    selection.eligible_rows == eligible
}

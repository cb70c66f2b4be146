//! A module asked of one drawn household member (a section with
//! `drawn_among`: the violence-against-women module, DOMAIN §5). Before it:
//! the members its rule admits, one drawn at random and recorded, and the
//! enumerator's confirmation that they are alone with her, whose "no" skips
//! the module. After it: where to find help. The Quick exit (a one-tap
//! neutral screen) stays at the top throughout.

use leptos::prelude::*;
use salama_shared::selection::{ModuleDraw, draw};

use super::Device;
use super::selection::describe_member;
use crate::form::{Filling, Step};
use crate::i18n::fill;
use salama_shared::words::FieldWord as F;
use salama_shared::words::FormWord as W;

/// The household rows the module's rule admits, now.
fn eligible_rows(filling: Filling, module: usize) -> Vec<u32> {
    let Some(rule) = filling.survey.sections[module].drawn_among.as_ref() else {
        return Vec::new();
    };
    let Some(eligibility) = filling.survey.respondent_eligibility() else {
        return Vec::new();
    };
    filling.draft.with(|draft| {
        let inspection = filling.form.inspect(
            &draft.answers,
            (None, &filling.survey.default_language),
            &[],
        );
        (0..inspection.rows(eligibility.roster))
            .filter(|row| inspection.holds(rule, Some((eligibility.roster, *row))))
            .filter_map(|row| u32::try_from(row).ok())
            .collect()
    })
}

pub fn module_step(filling: Filling, module: usize) -> AnyView {
    let words = expect_context::<Device>().words();
    let section_id = filling.survey.sections[module].id.as_str();
    let Some(eligibility) = filling.survey.respondent_eligibility() else {
        return ().into_any();
    };
    let eligible = Memo::new(move |_| eligible_rows(filling, module));
    let recorded = move || {
        filling.draft.with(|draft| {
            draft
                .module_draws
                .iter()
                .find(|draw| draw.section == section_id)
                .cloned()
        })
    };
    // A draw made on another household list is void: draw again.
    let current =
        move || recorded().filter(|draw| eligible.with(|rows| *rows == draw.eligible_rows));
    let set_draw = move |draw: Option<ModuleDraw>| {
        filling.draft.update(|draft| {
            draft
                .module_draws
                .retain(|other| other.section != section_id);
            draft.module_draws.extend(draw);
        });
    };
    let do_draw = move |_| {
        let rows = eligible.get_untracked();
        if let Some(row) = draw(&rows, crate::browser::uniform()) {
            set_draw(Some(ModuleDraw {
                section: section_id.to_owned(),
                eligible_rows: rows,
                selected_row: row,
                privacy_confirmed: false,
            }));
            crate::browser::focus_soon("module-drawn".into());
        }
    };
    let privacy = move |confirmed: bool| {
        if let Some(mut draw) = current() {
            draw.privacy_confirmed = confirmed;
            set_draw(Some(draw));
        }
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let decided = current().is_some() || eligible.with(Vec::is_empty);
        if decided {
            // A stale draw is dropped rather than sent.
            if recorded().is_some() && current().is_none() {
                set_draw(None);
            }
            filling.go_next(Step::Module(module));
        }
    };
    let form_words = filling.words();
    let privacy_choice = move |confirmed: bool, id: &'static str, label: &'static str| {
        view! {
            <div class="choice">
                <input
                    type="radio"
                    id=id
                    name="module-privacy"
                    prop:checked=move || current().is_some_and(|draw| draw.privacy_confirmed == confirmed)
                    on:change=move |_| privacy(confirmed)
                />
                <label for=id>{label}</label>
            </div>
        }
    };
    view! {
        <form class="step" novalidate on:submit=submit>
            <h2 id="step-heading" tabindex="-1">{words.get(F::ModuleTitle)}</h2>
            {move || {
                if eligible.with(Vec::is_empty) {
                    return view! { <p id="module-no-one">{words.get(F::ModuleNoOne)}</p> }.into_any();
                }
                match current() {
                    None => view! {
                        <p>{words.get(F::ModuleIntro)}</p>
                        <button type="button" class="primary" id="module-draw" on:click=do_draw>
                            {words.get(F::Draw)}
                        </button>
                    }
                    .into_any(),
                    Some(draw) => {
                        let member = describe_member(filling, eligibility, draw.selected_row);
                        view! {
                            <p class="drawn" id="module-drawn" tabindex="-1" role="status">
                                {fill(words.get(F::ModuleDrawn), &[("member", &member)])}
                            </p>
                            <fieldset class="question">
                                <legend>{words.get(F::PrivacyQuestion)}</legend>
                                <div class="choices">
                                    {privacy_choice(true, "module-privacy-yes", form_words.get(W::Yes))}
                                    {privacy_choice(false, "module-privacy-no", form_words.get(W::No))}
                                </div>
                            </fieldset>
                        }
                        .into_any()
                    }
                }
            }}
            {actions(filling, Step::Module(module))}
        </form>
    }
    .into_any()
}

pub fn referrals_step(filling: Filling, module: usize) -> AnyView {
    let words = expect_context::<Device>().words();
    let referrals = filling.survey.sections[module]
        .referrals
        .as_ref()
        .map(|text| filling.text(text))
        .unwrap_or_default();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        filling.go_next(Step::ModuleEnd(module));
    };
    view! {
        <form class="step" novalidate on:submit=submit>
            <h2 id="step-heading" tabindex="-1">{words.get(F::ReferralsTitle)}</h2>
            <p id="referrals">{referrals}</p>
            {actions(filling, Step::ModuleEnd(module))}
        </form>
    }
    .into_any()
}

/// Back and Next, as every step has them.
fn actions(filling: Filling, step: Step) -> impl IntoView {
    let words = filling.words();
    view! {
        <div class="actions">
            <button type="button" on:click=move |_| filling.go_back(step)>{words.get(W::Previous)}</button>
            <button type="submit" class="primary">{words.get(W::Next)}</button>
        </div>
    }
}

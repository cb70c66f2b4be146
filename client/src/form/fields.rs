//! One control per question kind, each labelled, described by its hint and
//! error (`aria-describedby`), marked `aria-invalid` when wrong, and grouped
//! in a fieldset with a legend when it is a set of choices.

use leptos::html;
use leptos::prelude::*;
use salama_shared::schema::{Area, ChoiceList, Question, QuestionKind};
use salama_shared::text::Text;
use serde_json::Value as Json;

use super::draft::{Place, is_blank, typed_number};
use super::{Filling, present, roster};
use salama_shared::words::FormWord as W;

/// A question, shown only while it applies.
pub fn question_view(
    filling: Filling,
    question: &'static Question,
    place: Place,
    section: usize,
) -> impl IntoView {
    let relevant = Memo::new(move |_| filling.snapshot.with(|s| s.is_relevant(place)));
    view! { <Show when=move || relevant.get()>{move || field(filling, question, place, section)}</Show> }
}

/// Ids and reactive state every control shares.
#[derive(Clone, Copy)]
struct Common {
    filling: Filling,
    question: &'static Question,
    place: Place,
    error: Memo<Option<String>>,
    required: Memo<bool>,
}

impl Common {
    fn dom_id(&self) -> String {
        self.place.dom_id()
    }

    fn error_id(&self) -> String {
        format!("{}-error", self.dom_id())
    }

    fn hint_id(&self) -> String {
        format!("{}-hint", self.dom_id())
    }

    /// The hint, shown once for a roster's questions: in its first row.
    fn hint(&self) -> Option<&'static Text> {
        match self.place {
            Place::Cell { row, .. } if row > 0 => None,
            _ => self.question.hint.as_ref(),
        }
    }

    fn described_by(&self) -> Option<String> {
        let mut ids = Vec::new();
        if self.hint().is_some() {
            ids.push(self.hint_id());
        }
        if self.error.get().is_some() {
            ids.push(self.error_id());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    fn invalid(&self) -> Option<String> {
        super::flag(self.error.get().is_some())
    }

    /// The question's label, with "(required)" or "(optional)" following
    /// the rules as answers change.
    fn label(&self) -> impl IntoView + use<> {
        let words = self.filling.words();
        let required = self.required;
        let mark = move || {
            format!(
                " ({})",
                if required.get() {
                    words.get(W::Required)
                } else {
                    words.get(W::Optional)
                }
            )
        };
        view! {
            {self.filling.shown(&self.question.label, self.place, false)}
            <span class="mark">{mark}</span>
        }
    }

    /// A group of controls answering one question, under its legend.
    fn fieldset(self, controls: impl IntoView) -> impl IntoView {
        view! {
            <fieldset class="question" aria-describedby=move || self.described_by()>
                <legend>{self.label()}</legend>
                {self.hint_and_error()}
                {controls}
            </fieldset>
        }
    }

    fn hint_and_error(&self) -> impl IntoView + use<> {
        let hint = self.hint().map(|hint| {
            view! { <p class="hint" id=self.hint_id()>{self.filling.shown(hint, self.place, true)}</p> }
        });
        let error = self.error;
        view! {
            {hint}
            {super::error_line(self.filling.words(), self.error_id(), Signal::derive(move || error.get()))}
        }
    }
}

fn field(filling: Filling, question: &'static Question, place: Place, section: usize) -> AnyView {
    let path = place.path();
    let common = Common {
        filling,
        question,
        place,
        error: Memo::new(move |_| filling.visible_error(&path, section)),
        required: Memo::new(move |_| filling.snapshot.with(|s| s.is_required(place))),
    };
    match &question.kind {
        QuestionKind::Single { list } | QuestionKind::Ordinal { list }
            if question.appears("minimal") =>
        {
            drop_down(common, list_of(filling, list)).into_any()
        }
        QuestionKind::Single { list } | QuestionKind::Ordinal { list } => {
            choice_group(common, Choices::List(list_of(filling, list)), false).into_any()
        }
        QuestionKind::Multiple { list, .. } => {
            choice_group(common, Choices::List(list_of(filling, list)), true).into_any()
        }
        QuestionKind::YesNo => choice_group(common, Choices::YesNo, false).into_any(),
        QuestionKind::Integer { .. } => text_box(common, Entry::Integer).into_any(),
        QuestionKind::Decimal { .. } => text_box(common, Entry::Decimal).into_any(),
        QuestionKind::Text { max_length } if question.appears("multiline") => {
            text_box(common, Entry::Lines(*max_length)).into_any()
        }
        QuestionKind::Text { max_length } => text_box(common, Entry::Text(*max_length)).into_any(),
        QuestionKind::Date => text_box(common, Entry::Picker("date")).into_any(),
        QuestionKind::Time => text_box(common, Entry::Picker("time")).into_any(),
        QuestionKind::DateTime => text_box(common, Entry::Picker("datetime-local")).into_any(),
        QuestionKind::AdminArea { levels } => area_selects(common, *levels as usize).into_any(),
        QuestionKind::Note => view! {
            <p class="note" id=place.dom_id()>{filling.shown(&question.label, place, false)}</p>
        }
        .into_any(),
        // Computed from other answers and sent with them; nothing to show.
        QuestionKind::Calculate { .. } => ().into_any(),
        QuestionKind::Roster { .. } => roster::roster_view(filling, question, section).into_any(),
    }
}

fn list_of(filling: Filling, id: &str) -> &'static ChoiceList {
    static EMPTY: ChoiceList = ChoiceList {
        id: String::new(),
        choices: Vec::new(),
    };
    // `check()` guarantees the list exists in a published survey.
    filling.survey.choice_list(id).unwrap_or(&EMPTY)
}

#[derive(Clone, Copy)]
enum Choices {
    List(&'static ChoiceList),
    YesNo,
}

impl Choices {
    fn options(self) -> Vec<(&'static str, Option<&'static Text>, bool)> {
        match self {
            Choices::List(list) => list
                .choices
                .iter()
                .map(|choice| (choice.value.as_str(), Some(&choice.label), choice.exclusive))
                .collect(),
            Choices::YesNo => vec![("yes", None, false), ("no", None, false)],
        }
    }

    fn label(filling: Filling, value: &str, text: Option<&Text>) -> String {
        match text {
            Some(text) => filling.text(text),
            None if value == "yes" => filling.words().get(W::Yes).to_owned(),
            None => filling.words().get(W::No).to_owned(),
        }
    }
}

/// Radio buttons or checkboxes in a fieldset. Choosing an exclusive option
/// ("none of these") clears the others and the other way round.
fn choice_group(common: Common, choices: Choices, multiple: bool) -> impl IntoView {
    let Common { filling, place, .. } = common;
    // Only a filtered list's options come and go.
    let filtered = common.question.choice_filter.is_some();
    let dom_id = common.dom_id();
    let kind = if multiple { "checkbox" } else { "radio" };
    let exclusive: Vec<&'static str> = choices
        .options()
        .into_iter()
        .filter_map(|(value, _, exclusive)| exclusive.then_some(value))
        .collect();
    let options = choices
        .options()
        .into_iter()
        .enumerate()
        .map(|(position, (value, text, is_exclusive))| {
            let input_id = if position == 0 {
                dom_id.clone()
            } else {
                format!("{dom_id}-{position}")
            };
            let exclusive = exclusive.clone();
            let checked = move || {
                filling
                    .draft
                    .with(|draft| draft.codes(place).iter().any(|c| c == value))
            };
            let change = move |event: leptos::ev::Event| {
                if !multiple {
                    filling.answer(place, Some(Json::from(value)));
                    return;
                }
                let on = event_target_checked(&event);
                let mut codes = filling.draft.with_untracked(|draft| draft.codes(place));
                codes.retain(|code| code != value);
                if on {
                    if is_exclusive {
                        codes.clear();
                    } else {
                        codes.retain(|code| !exclusive.contains(&code.as_str()));
                    }
                    codes.push(value.to_owned());
                }
                let codes = codes.into_iter().map(Json::from).collect();
                filling.answer(place, Some(Json::Array(codes)));
            };
            let hidden =
                move || present(filtered && !filling.snapshot.with(|s| s.offers(place, value)));
            view! {
                <div class="choice" hidden=hidden>
                    <input
                        type=kind
                        id=input_id.clone()
                        name=dom_id.clone()
                        value=value
                        prop:checked=checked
                        aria-invalid=move || common.invalid()
                        on:change=change
                    />
                    <label for=input_id>{Choices::label(filling, value, text)}</label>
                </div>
            }
        })
        .collect_view();
    common.fieldset(view! { <div class="choices">{options}</div> })
}

/// XLSForm's `minimal` single choice: one select, "Choose…" first; the
/// options a `choice_filter` does not offer are hidden as in the group.
fn drop_down(common: Common, list: &'static ChoiceList) -> impl IntoView {
    let Common { filling, place, .. } = common;
    let filtered = common.question.choice_filter.is_some();
    let chosen = move || {
        filling
            .draft
            .with(|draft| draft.codes(place).into_iter().next())
    };
    let change = move |event: leptos::ev::Event| {
        let value = event_target_value(&event);
        filling.answer(place, (!value.is_empty()).then(|| Json::from(value)));
    };
    let options = list
        .choices
        .iter()
        .map(|choice| {
            let value = choice.value.as_str();
            let hidden = move || present(filtered && !filling.snapshot.with(|s| s.offers(place, value)));
            view! {
                <option value=value hidden=hidden selected=move || present(chosen().as_deref() == Some(value))>
                    {filling.text(&choice.label)}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="question">
            <label for=common.dom_id()>{common.label()}</label>
            {common.hint_and_error()}
            <select
                id=common.dom_id()
                prop:value=move || chosen().unwrap_or_default()
                aria-invalid=move || common.invalid()
                aria-required=move || super::flag(common.required.get())
                aria-describedby=move || common.described_by()
                on:change=change
            >
                <option value="">{filling.words().get(W::Choose)}</option>
                {options}
            </select>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Entry {
    Integer,
    Decimal,
    Text(u32),
    /// XLSForm's `multiline` text: a text area.
    Lines(u32),
    /// The browser's own picker, by its input type: the phone shows its
    /// calendar or clock and writes the value in the form the rules read.
    Picker(&'static str),
}

impl Entry {
    fn parse(self, text: &str) -> Option<Json> {
        match self {
            Entry::Integer => typed_number(text, true),
            Entry::Decimal => typed_number(text, false),
            Entry::Text(_) | Entry::Lines(_) | Entry::Picker(_) => Some(Json::from(text)),
        }
    }
}

/// A labelled text box. Numbers use a text input with a numeric keyboard
/// (not `type=number`, which hides what was typed when it is not a number),
/// so the shared rules see and report exactly what the person entered.
fn text_box(common: Common, entry: Entry) -> impl IntoView {
    let Common { filling, place, .. } = common;
    let dom_id = common.dom_id();
    let node = NodeRef::<html::Input>::new();
    let area = NodeRef::<html::Textarea>::new();
    // What is shown follows the answer, except while the box already holds
    // text meaning the same (so "3," is not rewritten to "3" mid-typing).
    let shown = move || {
        let stored = filling.draft.with(|draft| draft.answer(place).cloned());
        let typed = node
            .get_untracked()
            .map(|input| input.value())
            .or_else(|| area.get_untracked().map(|lines| lines.value()))
            .unwrap_or_default();
        let same = entry.parse(&typed).filter(|value| !is_blank(value)) == stored;
        if same {
            typed
        } else {
            match stored {
                Some(Json::String(text)) => text,
                // Shown back as the respondent's language writes it (`2,5`).
                Some(Json::Number(number)) => number
                    .as_f64()
                    .map_or_else(|| number.to_string(), |value| filling.words().number(value)),
                Some(other) => serde_json::to_string(&other).unwrap_or_default(),
                None => String::new(),
            }
        }
    };
    let input = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        filling
            .draft
            .update(|draft| draft.set(place, entry.parse(&text)));
    };
    let change = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        filling.answer(place, entry.parse(&text));
    };
    let (kind, mode, max_length) = match entry {
        Entry::Integer => ("text", Some("numeric"), None),
        Entry::Decimal => ("text", Some("decimal"), None),
        Entry::Text(max) | Entry::Lines(max) => ("text", None, Some(max)),
        Entry::Picker(kind) => (kind, None, None),
    };
    let control = if let Entry::Lines(max) = entry {
        view! {
            <textarea
                node_ref=area
                id=dom_id
                rows="4"
                maxlength=max
                autocomplete="off"
                prop:value=shown
                aria-invalid=move || common.invalid()
                aria-required=move || super::flag(common.required.get())
                aria-describedby=move || common.described_by()
                on:input=input
                on:change=change
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                node_ref=node
                type=kind
                id=dom_id
                class:number=matches!(entry, Entry::Integer | Entry::Decimal)
                inputmode=mode
                maxlength=max_length
                autocomplete="off"
                prop:value=shown
                aria-invalid=move || common.invalid()
                aria-required=move || super::flag(common.required.get())
                aria-describedby=move || common.described_by()
                on:input=input
                on:change=change
            />
        }
        .into_any()
    };
    view! {
        <div class="question">
            <label for=common.dom_id()>{common.label()}</label>
            {common.hint_and_error()}
            {control}
        </div>
    }
}

/// One select per administrative level, each listing the areas under the
/// one chosen above it; the answer is the codes from the top down.
fn area_selects(common: Common, levels: usize) -> impl IntoView {
    let Common { filling, place, .. } = common;
    let survey = filling.survey;
    let dom_id = common.dom_id();
    let chosen = move || filling.draft.with(|draft| draft.codes(place));
    let selects = (0..levels)
        .map(|level| {
            let select_id = if level == 0 {
                dom_id.clone()
            } else {
                format!("{dom_id}-{level}")
            };
            let level_label = survey.area_levels.get(level).map(|level| &level.label);
            let options = move || -> Vec<&'static Area> {
                let codes = chosen();
                let mut areas: &'static [Area] = &survey.areas;
                for code in codes.iter().take(level) {
                    match areas.iter().find(|area| &area.code == code) {
                        Some(area) => areas = &area.children,
                        None => return Vec::new(),
                    }
                }
                if level > codes.len() {
                    return Vec::new();
                }
                areas.iter().collect()
            };
            let change = move |event: leptos::ev::Event| {
                let value = event_target_value(&event);
                let mut codes = filling.draft.with_untracked(|draft| draft.codes(place));
                codes.truncate(level);
                if !value.is_empty() {
                    codes.push(value);
                }
                let codes: Vec<Json> = codes.into_iter().map(Json::from).collect();
                filling.answer(place, Some(Json::Array(codes)));
            };
            view! {
                <div class="area-level">
                    <label for=select_id.clone()>
                        {level_label.map(|label| filling.text(label)).unwrap_or_default()}
                    </label>
                    <select
                        id=select_id
                        prop:value=move || chosen().get(level).cloned().unwrap_or_default()
                        aria-invalid=move || common.invalid()
                        aria-describedby=move || common.described_by()
                        on:change=change
                        disabled=move || present(level > chosen().len())
                    >
                        <option value="">{filling.words().get(W::Choose)}</option>
                        {move || {
                            let selected = chosen().get(level).cloned();
                            options()
                                .into_iter()
                                .map(|area| {
                                    let code = area.code.as_str();
                                    view! {
                                        <option value=code selected={selected.as_deref() == Some(code)}>
                                            {filling.text(&area.name)}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
            }
        })
        .collect_view();
    common.fieldset(selects)
}

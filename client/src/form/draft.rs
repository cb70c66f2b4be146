//! The answers being given, in the JSON shape the server receives: kept in
//! memory only for online respondents (DOMAIN §5: minimal local storage),
//! on the device for enumerators' interviews (`field/`).

use salama_shared::Survey;
use salama_shared::date::Timestamp;
use salama_shared::selection::{ModuleDraw, RespondentSelection};
use salama_shared::submission::{Answers, ConsentRecord};
use serde_json::Value as Json;
use uuid::Uuid;

/// Where an answer lives: a top-level question, or one cell of a roster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    Top(&'static str),
    Cell {
        roster: &'static str,
        row: usize,
        id: &'static str,
    },
}

impl Place {
    /// The path the validator and the server use: `household[2].mem_age`.
    pub fn path(self) -> String {
        match self {
            Place::Top(id) => id.to_owned(),
            Place::Cell { roster, row, id } => format!("{roster}[{row}].{id}"),
        }
    }

    /// A DOM id for the question's control, unique on the page.
    pub fn dom_id(self) -> String {
        match self {
            Place::Top(id) => format!("q-{id}"),
            Place::Cell { roster, row, id } => format!("q-{roster}-{row}-{id}"),
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Place::Top(id) | Place::Cell { id, .. } => id,
        }
    }

    pub fn row(self) -> Option<usize> {
        match self {
            Place::Top(_) => None,
            Place::Cell { row, .. } => Some(row),
        }
    }
}

/// Serialisable: enumerators' drafts are kept on the device (`field/`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    /// Made once, before the first attempt to send, so every resend is
    /// recognised by the server as the same submission.
    pub submission_id: Uuid,
    pub started_at: Timestamp,
    pub consent: ConsentRecord,
    pub answers: Answers,
    /// Household interviews: the respondent's draw (see `shared::selection`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent_selection: Option<RespondentSelection>,
    /// Draws voided by a corrected household list (see `Submission`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_draws: Vec<RespondentSelection>,
    /// Draws for drawn-member modules (the violence module).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub module_draws: Vec<ModuleDraw>,
    /// A new interview's defaults are still to be given. A draft kept
    /// without it (restored, or from before defaults) reads as false, so
    /// what it holds is never overwritten.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub defaults_due: bool,
}

impl Draft {
    pub fn new(submission_id: Uuid, started_at: Timestamp) -> Self {
        Self {
            submission_id,
            started_at,
            consent: ConsentRecord {
                respondent: false,
                adult: None,
                assent: None,
            },
            answers: Answers::new(),
            respondent_selection: None,
            earlier_draws: Vec::new(),
            module_draws: Vec::new(),
            defaults_due: true,
        }
    }

    /// Gives a new interview its questions' defaults, once: an answer the
    /// respondent clears later is not given again.
    pub fn give_defaults(&mut self, survey: &Survey) {
        if std::mem::take(&mut self.defaults_due) {
            for (id, answer) in survey.default_answers() {
                if !self.answers.contains_key(&id) {
                    self.answers.insert(id, answer);
                }
            }
        }
    }

    pub fn answer(&self, place: Place) -> Option<&Json> {
        match place {
            Place::Top(id) => self.answers.get(id),
            Place::Cell { roster, row, id } => self
                .answers
                .get(roster)
                .and_then(|rows| rows.get(row))
                .and_then(|cells| cells.get(id)),
        }
    }

    /// The codes chosen, for choice controls (one for single choices).
    pub fn codes(&self, place: Place) -> Vec<String> {
        match self.answer(place) {
            Some(Json::String(code)) => vec![code.clone()],
            Some(Json::Array(codes)) => codes
                .iter()
                .filter_map(|code| code.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Sets or clears (`None`, or blank text) an answer.
    pub fn set(&mut self, place: Place, value: Option<Json>) {
        let value = value.filter(|value| !is_blank(value));
        let cells = match place {
            Place::Top(_) => &mut self.answers,
            Place::Cell { roster, row, .. } => {
                let Some(cells) = self
                    .answers
                    .get_mut(roster)
                    .and_then(Json::as_array_mut)
                    .and_then(|rows| rows.get_mut(row))
                    .and_then(Json::as_object_mut)
                else {
                    return;
                };
                cells
            }
        };
        match value {
            Some(value) => {
                cells.insert(place.id().to_owned(), value);
            }
            None => {
                cells.remove(place.id());
            }
        }
    }

    pub fn rows(&self, roster: &str) -> usize {
        self.answers
            .get(roster)
            .and_then(Json::as_array)
            .map_or(0, Vec::len)
    }

    /// A new row, holding the defaults of the roster's questions (`cells`).
    pub fn add_row(&mut self, roster: &str, cells: Answers) {
        let rows = self
            .answers
            .entry(roster.to_owned())
            .or_insert_with(|| Json::Array(Vec::new()));
        if let Json::Array(rows) = rows {
            rows.push(Json::Object(cells));
        }
    }

    pub fn remove_row(&mut self, roster: &str, row: usize) {
        if let Some(rows) = self.answers.get_mut(roster).and_then(Json::as_array_mut)
            && row < rows.len()
        {
            rows.remove(row);
        }
    }
}

/// An answer that is no answer: null, blank text, no choice.
pub(super) fn is_blank(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::String(text) => text.trim().is_empty(),
        Json::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// What a text box holds, as the answer the validator should see: numbers
/// as JSON numbers when they are numbers, anything else as typed, so a
/// wrong entry is reported as such rather than silently dropped.
pub fn typed_number(text: &str, integer: bool) -> Option<Json> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let number = if integer {
        salama_shared::number::read_whole(text).map(Json::from)
    } else {
        salama_shared::number::read(text)
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number)
    };
    Some(number.unwrap_or_else(|| Json::String(text.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft::new(Uuid::nil(), Timestamp::from_unix_seconds(0))
    }

    #[test]
    fn cells_live_in_their_row() {
        let mut draft = draft();
        let cell = Place::Cell {
            roster: "household",
            row: 1,
            id: "mem_age",
        };
        draft.set(cell, Some(Json::from(4)));
        assert_eq!(draft.answer(cell), None, "no row 1 yet: nothing written");
        draft.add_row("household", Answers::new());
        draft.add_row("household", Answers::new());
        draft.set(cell, Some(Json::from(4)));
        assert_eq!(draft.answer(cell), Some(&Json::from(4)));
        assert_eq!(cell.path(), "household[1].mem_age");
        draft.remove_row("household", 0);
        assert_eq!(draft.rows("household"), 1);
        let moved_up = Place::Cell {
            roster: "household",
            row: 0,
            id: "mem_age",
        };
        assert_eq!(
            draft.answer(moved_up),
            Some(&Json::from(4)),
            "later rows move up"
        );
    }

    #[test]
    fn a_new_interview_is_given_its_defaults_once() {
        let mut survey = salama_shared::community_safety();
        for section in &mut survey.sections {
            for question in &mut section.questions {
                if question.id == "resp_sex" {
                    question.default = Some("female".into());
                }
            }
        }
        let mut new = draft();
        new.give_defaults(&survey);
        assert_eq!(
            new.answer(Place::Top("resp_sex")),
            Some(&Json::from("female"))
        );
        // Kept (on an enumerator's device) and restored: as it was left.
        new.set(Place::Top("resp_sex"), None);
        let kept = serde_json::to_string(&new).expect("a draft serialises");
        let mut restored: Draft = serde_json::from_str(&kept).expect("and reads back");
        restored.give_defaults(&survey);
        assert_eq!(
            restored.answer(Place::Top("resp_sex")),
            None,
            "cleared stays cleared"
        );
        // A draft kept before its defaults were given: never filled in.
        let mut older = serde_json::to_value(draft()).expect("json");
        older
            .as_object_mut()
            .map(|draft| draft.remove("defaults_due"));
        let mut older: Draft = serde_json::from_value(older).expect("reads");
        older.give_defaults(&survey);
        assert!(older.answers.is_empty());
    }

    #[test]
    fn blank_answers_are_removed() {
        let mut draft = draft();
        draft.set(Place::Top("a"), Some(Json::from("x")));
        draft.set(Place::Top("a"), Some(Json::from("  ")));
        assert!(draft.answers.is_empty());
        draft.set(Place::Top("b"), Some(Json::Array(vec![])));
        assert!(draft.answers.is_empty());
    }

    #[test]
    fn numbers_are_typed_and_non_numbers_kept() {
        assert_eq!(typed_number(" 34 ", true), Some(Json::from(34)));
        assert_eq!(typed_number("3,5", false), Some(Json::from(3.5)));
        assert_eq!(typed_number("3.5", true), Some(Json::from("3.5")));
        assert_eq!(typed_number("abc", false), Some(Json::from("abc")));
        assert_eq!(typed_number("", true), None);
        assert_eq!(typed_number("٣٤", true), Some(Json::from(34)));
        assert_eq!(typed_number("٢٫٥", false), Some(Json::from(2.5)));
    }
}

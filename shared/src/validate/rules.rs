//! The rules applied to every question in document order: relevance,
//! required, constraint, calculation and roster bounds.

use serde_json::Value as Json;

use super::Limits;
use super::answers::Given;
use super::evaluation::{Evaluation, context};
use super::{At, FieldErrorCode, Report};
use crate::form::Slot;
use crate::schema::{Question, QuestionKind};

impl<'a> Evaluation<'a> {
    pub(super) fn check_answers(&self, report: &mut Report<'_>) {
        for (entry_index, entry) in self.form.entries.iter().enumerate() {
            match entry.roster {
                Some(roster) => self.check_roster(roster, report),
                None => self.check_one(
                    entry.question,
                    Slot::Top(entry_index),
                    None,
                    At::Top(&entry.question.id),
                    report,
                ),
            }
        }
    }

    fn check_one(
        &self,
        question: &'a Question,
        slot: Slot,
        row: Option<usize>,
        path: At<'_>,
        report: &mut Report<'_>,
    ) {
        let given = self.given(slot, row);
        if !self.relevant(slot, row) {
            if given.json.is_some_and(|json| !is_blank(json)) {
                report.push(path, FieldErrorCode::NotRelevant, Limits::default());
            }
            return;
        }
        match &question.kind {
            QuestionKind::Note => {
                if given.json.is_some() {
                    report.push(path, FieldErrorCode::NoAnswerExpected, Limits::default());
                }
            }
            QuestionKind::Calculate { calculation } => {
                if calculation.parsed().is_err() {
                    report.push(path, FieldErrorCode::InvalidSurvey, Limits::default());
                    return;
                }
                // A client may send what it computed; it must agree with us.
                if let Some(sent) = given.json {
                    let computed = self.value_when_relevant(slot, row);
                    let agrees = match sent {
                        Json::String(text) => computed.to_text() == text.as_str(),
                        Json::Number(number) => number.as_f64() == Some(computed.to_number()),
                        Json::Bool(b) => computed.to_text() == if *b { "true" } else { "false" },
                        _ => false,
                    };
                    if !agrees {
                        report.push(path, FieldErrorCode::CalculationMismatch, Limits::default());
                    }
                }
            }
            // Rosters are checked row by row by `check_roster`.
            QuestionKind::Roster { .. } => {}
            _ => self.check_answer(question, slot, row, path, given, report),
        }
    }

    fn check_answer(
        &self,
        question: &'a Question,
        slot: Slot,
        row: Option<usize>,
        path: At<'_>,
        given: &Given<'a>,
        report: &mut Report<'_>,
    ) {
        if given.value.is_empty() {
            let typing_failed = given.json.is_some_and(|json| !is_blank(json));
            // A wrongly typed answer was reported when it was typed.
            if !typing_failed && self.required(question, context(slot, row)) {
                report.push(path, FieldErrorCode::Required, Limits::default());
            }
            return;
        }
        if question.choice_filter.is_some()
            && let Some(list) = self.form.list(slot)
        {
            let offered = |code: &str| {
                list.choices
                    .iter()
                    .any(|choice| choice.value == code && self.offers(slot, row, choice))
            };
            if !given
                .value
                .clone()
                .into_codes()
                .iter()
                .all(|code| offered(code.as_ref()))
            {
                report.push(path, FieldErrorCode::NotInList, Limits::default());
                return;
            }
        }
        let Some(constraint) = &question.constraint else {
            return;
        };
        match self.eval(constraint, context(slot, row), given.value.clone()) {
            Some(result) if result.to_bool() => {}
            Some(_) => report.push_constraint(path, question),
            None => report.push(path, FieldErrorCode::InvalidSurvey, Limits::default()),
        }
    }

    fn check_roster(&self, roster_index: usize, report: &mut Report<'_>) {
        let roster = &self.form.rosters[roster_index];
        let id = roster.question.id.as_str();
        let slot = Slot::Top(roster.entry);
        if !self.relevant(slot, None) {
            if self
                .given(slot, None)
                .json
                .is_some_and(|json| !is_blank(json))
            {
                report.push(id, FieldErrorCode::NotRelevant, Limits::default());
            }
            return;
        }
        let rows = self.rows(roster_index);
        let bounds = Limits {
            min: Some(f64::from(roster.min_rows)),
            max: Some(f64::from(roster.max_rows)),
        };
        if rows < roster.min_rows as usize {
            report.push(id, FieldErrorCode::TooFewRows, bounds);
        }
        if self.answers.sent_rows(roster_index) > roster.max_rows as usize {
            report.push(id, FieldErrorCode::TooManyRows, bounds);
        }
        for row in 0..rows {
            for (index, member) in roster.members.iter().enumerate() {
                let slot = Slot::Member {
                    roster: roster_index,
                    index,
                };
                self.check_one(
                    member,
                    slot,
                    Some(row),
                    At::Row {
                        roster: id,
                        row,
                        id: &member.id,
                    },
                    report,
                );
            }
        }
    }
}

/// An empty string or an empty selection is no answer, as in XLSForm.
fn is_blank(json: &Json) -> bool {
    match json {
        Json::Null => true,
        Json::String(text) => text.is_empty(),
        Json::Array(items) => items.is_empty(),
        _ => false,
    }
}

//! Validation of a submission against its survey: the same code in the
//! browser, before submit and on every change, and on the server, on every
//! submission received. Every problem is reported at once.

use std::borrow::Cow;
use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::date::Date;
use crate::expr::{Expression, Scope, Value, eval};
use crate::form::{Form, Roster, Slot};
use crate::messages::{self, Limits};
use crate::schema::{Area, ChoiceList, Question, QuestionKind, Required, Survey};
use crate::submission::{AdultConsent, Answers, Submission};

/// One problem with a submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    /// Where the problem is: a question id, a roster row and question
    /// (`household[2].age`, rows counted from 0), or an envelope field
    /// (`consent.assent`).
    pub path: String,
    pub code: FieldErrorCode,
    /// Readable by the respondent, in the submission's language.
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    UnknownQuestion,
    WrongType,
    NotInList,
    DuplicateChoice,
    ExclusiveChoice,
    TooFewChoices,
    TooManyChoices,
    BelowMinimum,
    AboveMaximum,
    TooLong,
    InvalidDate,
    InvalidArea,
    Required,
    Constraint,
    NotRelevant,
    NoAnswerExpected,
    TooFewRows,
    TooManyRows,
    CalculationMismatch,
    SurveyMismatch,
    ChannelNotAllowed,
    UnsupportedLanguage,
    InvalidTimestamps,
    ConsentRequired,
    RespondentTooYoung,
    AdultConsentRequired,
    AssentRequired,
    InvalidSurvey,
}

impl FieldErrorCode {
    pub const ALL: [FieldErrorCode; 28] = [
        Self::UnknownQuestion,
        Self::WrongType,
        Self::NotInList,
        Self::DuplicateChoice,
        Self::ExclusiveChoice,
        Self::TooFewChoices,
        Self::TooManyChoices,
        Self::BelowMinimum,
        Self::AboveMaximum,
        Self::TooLong,
        Self::InvalidDate,
        Self::InvalidArea,
        Self::Required,
        Self::Constraint,
        Self::NotRelevant,
        Self::NoAnswerExpected,
        Self::TooFewRows,
        Self::TooManyRows,
        Self::CalculationMismatch,
        Self::SurveyMismatch,
        Self::ChannelNotAllowed,
        Self::UnsupportedLanguage,
        Self::InvalidTimestamps,
        Self::ConsentRequired,
        Self::RespondentTooYoung,
        Self::AdultConsentRequired,
        Self::AssentRequired,
        Self::InvalidSurvey,
    ];

    pub fn as_str(self) -> &'static str {
        // Mirrors the serde names (the wire format); a unit test keeps them equal.
        match self {
            Self::UnknownQuestion => "unknown_question",
            Self::WrongType => "wrong_type",
            Self::NotInList => "not_in_list",
            Self::DuplicateChoice => "duplicate_choice",
            Self::ExclusiveChoice => "exclusive_choice",
            Self::TooFewChoices => "too_few_choices",
            Self::TooManyChoices => "too_many_choices",
            Self::BelowMinimum => "below_minimum",
            Self::AboveMaximum => "above_maximum",
            Self::TooLong => "too_long",
            Self::InvalidDate => "invalid_date",
            Self::InvalidArea => "invalid_area",
            Self::Required => "required",
            Self::Constraint => "constraint",
            Self::NotRelevant => "not_relevant",
            Self::NoAnswerExpected => "no_answer_expected",
            Self::TooFewRows => "too_few_rows",
            Self::TooManyRows => "too_many_rows",
            Self::CalculationMismatch => "calculation_mismatch",
            Self::SurveyMismatch => "survey_mismatch",
            Self::ChannelNotAllowed => "channel_not_allowed",
            Self::UnsupportedLanguage => "unsupported_language",
            Self::InvalidTimestamps => "invalid_timestamps",
            Self::ConsentRequired => "consent_required",
            Self::RespondentTooYoung => "respondent_too_young",
            Self::AdultConsentRequired => "adult_consent_required",
            Self::AssentRequired => "assent_required",
            Self::InvalidSurvey => "invalid_survey",
        }
    }
}

/// A submission that passed validation, with the values the survey computes.
#[derive(Clone, Debug)]
pub struct ValidSubmission<'a> {
    pub submission: &'a Submission,
    /// Calculated values by path (`household[0].is_child`), as text.
    pub calculated: Vec<(String, String)>,
}

/// Validates a submission against its survey, reporting every problem.
pub fn validate<'a>(survey: &Survey, submission: &'a Submission) -> Result<ValidSubmission<'a>, Vec<FieldError>> {
    Form::new(survey).validate(submission)
}

impl<'s> Form<'s> {
    pub fn validate<'a>(&self, submission: &'a Submission) -> Result<ValidSubmission<'a>, Vec<FieldError>> {
        let language = if self.survey.languages.contains(&submission.language) {
            submission.language.as_str()
        } else {
            self.survey.default_language.as_str()
        };
        let mut report = Report { survey: self.survey, language, errors: Vec::new() };
        self.check_envelope(submission, &mut report);
        let answers = TypedAnswers::parse(self, &submission.answers, &mut report);
        let evaluation = Evaluation::new(self, answers, Some(submission.completed_at.local_date()));
        let mut calculated = Vec::new();
        evaluation.check_answers(&submission.answers, &mut report, &mut calculated);
        self.check_minor_rules(submission, &evaluation, &mut report);
        if report.errors.is_empty() {
            Ok(ValidSubmission { submission, calculated })
        } else {
            Err(report.errors)
        }
    }

    fn check_envelope(&self, submission: &Submission, report: &mut Report<'_>) {
        let survey = self.survey;
        if submission.survey_id != survey.id {
            report.push("survey_id", FieldErrorCode::SurveyMismatch, Limits::default());
        }
        if submission.survey_version != survey.version {
            report.push("survey_version", FieldErrorCode::SurveyMismatch, Limits::default());
        }
        if !survey.channels.contains(&submission.channel) {
            report.push("channel", FieldErrorCode::ChannelNotAllowed, Limits::default());
        }
        if !survey.languages.contains(&submission.language) {
            report.push("language", FieldErrorCode::UnsupportedLanguage, Limits::default());
        }
        if submission.completed_at.unix_seconds() < submission.started_at.unix_seconds() {
            report.push("completed_at", FieldErrorCode::InvalidTimestamps, Limits::default());
        }
        if !submission.consent.respondent {
            report.push("consent.respondent", FieldErrorCode::ConsentRequired, Limits::default());
        }
    }

    /// Children below the self-respondent age never answer for themselves;
    /// minors above it need an adult's consent (or no caretaker) and their
    /// own assent (MICS6).
    fn check_minor_rules(&self, submission: &Submission, evaluation: &Evaluation<'_, '_>, report: &mut Report<'_>) {
        let Some(rules) = &self.survey.consent.minors else { return };
        let Some(age_id) = self.survey.roles.iter().find_map(|role| match role {
            crate::schema::Role::Age { level: crate::schema::Level::Respondent, question } => Some(question),
            _ => None,
        }) else {
            return;
        };
        let Some(slot @ Slot::Top(_)) = self.slot(age_id) else { return };
        let age = evaluation.value(slot, None).to_number();
        if age.is_nan() {
            return;
        }
        let limits = Limits {
            min: Some(f64::from(rules.self_respondent_min_age)),
            max: Some(f64::from(rules.adult_age)),
        };
        if age < f64::from(rules.self_respondent_min_age) {
            report.push(age_id, FieldErrorCode::RespondentTooYoung, limits);
        } else if age < f64::from(rules.adult_age) {
            if !matches!(submission.consent.adult, Some(AdultConsent::Given | AdultConsent::NoCaretaker)) {
                report.push("consent.adult", FieldErrorCode::AdultConsentRequired, limits);
            }
            if submission.consent.assent != Some(true) {
                report.push("consent.assent", FieldErrorCode::AssentRequired, limits);
            }
        }
    }
}

struct Report<'s> {
    survey: &'s Survey,
    language: &'s str,
    errors: Vec<FieldError>,
}

impl Report<'_> {
    fn push(&mut self, path: impl Into<String>, code: FieldErrorCode, limits: Limits) {
        let message = message_for(self.survey, code, self.language, limits);
        self.errors.push(FieldError { path: path.into(), code, message });
    }

    fn push_constraint(&mut self, path: String, question: &Question) {
        let message = match &question.constraint_message {
            Some(text) => text.get(self.language, &self.survey.default_language).to_owned(),
            None => message_for(self.survey, FieldErrorCode::Constraint, self.language, Limits::default()),
        };
        self.errors.push(FieldError { path, code: FieldErrorCode::Constraint, message });
    }
}

/// The message for `code` in `language`: the survey's own wording first, then
/// the built-in one, then the same in the survey's default language.
pub fn message_for(survey: &Survey, code: FieldErrorCode, language: &str, limits: Limits) -> String {
    let default = survey.default_language.as_str();
    let own = |lang: &str| survey.messages.get(&code).filter(|text| text.has(lang)).map(|text| text.get(lang, lang));
    let template = own(language)
        .or_else(|| messages::built_in(code, language))
        .or_else(|| own(default))
        .or_else(|| messages::built_in(code, default))
        .or_else(|| messages::built_in(code, "en"))
        .unwrap_or_default();
    messages::fill(template, limits)
}

fn row_path(roster: &str, row: usize, id: &str) -> String {
    format!("{roster}[{row}].{id}")
}

/// Typed answers, before relevance is applied. A wrongly typed answer is
/// reported here and then treated as unanswered.
struct TypedAnswers<'a> {
    top: Vec<Value<'a>>,
    /// Per roster, per row, per member question.
    rows: Vec<Vec<Vec<Value<'a>>>>,
}

impl<'a> TypedAnswers<'a> {
    fn parse(form: &Form<'_>, raw: &'a Answers, report: &mut Report<'_>) -> Self {
        for key in raw.keys() {
            if !matches!(form.slot(key), Some(Slot::Top(_))) {
                report.push(key.as_str(), FieldErrorCode::UnknownQuestion, Limits::default());
            }
        }
        let mut top = Vec::with_capacity(form.entries.len());
        for entry in &form.entries {
            let id = entry.question.id.as_str();
            top.push(match raw.get(id) {
                None | Some(Json::Null) => Value::Empty,
                Some(json) => typed(form, entry.question, json, id, report),
            });
        }
        let rows = form
            .rosters
            .iter()
            .map(|roster| Self::parse_rows(form, roster, raw.get(roster.question.id.as_str()), report))
            .collect();
        Self { top, rows }
    }

    fn parse_rows(
        form: &Form<'_>,
        roster: &Roster<'_>,
        raw: Option<&'a Json>,
        report: &mut Report<'_>,
    ) -> Vec<Vec<Value<'a>>> {
        let roster_id = roster.question.id.as_str();
        let rows = match raw {
            None | Some(Json::Null) => return Vec::new(),
            Some(Json::Array(rows)) => rows,
            Some(_) => {
                report.push(roster_id, FieldErrorCode::WrongType, Limits::default());
                return Vec::new();
            }
        };
        rows.iter()
            .enumerate()
            .map(|(row, json)| {
                let Json::Object(cells) = json else {
                    report.push(format!("{roster_id}[{row}]"), FieldErrorCode::WrongType, Limits::default());
                    return vec![Value::Empty; roster.members.len()];
                };
                for key in cells.keys() {
                    if !roster.members.iter().any(|member| &member.id == key) {
                        report.push(row_path(roster_id, row, key), FieldErrorCode::UnknownQuestion, Limits::default());
                    }
                }
                roster
                    .members
                    .iter()
                    .map(|member| match cells.get(member.id.as_str()) {
                        None | Some(Json::Null) => Value::Empty,
                        Some(json) => typed(form, member, json, &row_path(roster_id, row, &member.id), report),
                    })
                    .collect()
            })
            .collect()
    }
}

/// Converts one JSON answer to a typed value, or reports why it cannot be.
/// Notes, calculations and rosters are handled by the caller.
fn typed<'a>(form: &Form<'_>, question: &Question, json: &'a Json, path: &str, report: &mut Report<'_>) -> Value<'a> {
    match typed_answer(form, &question.kind, json) {
        Ok(value) => value,
        Err((code, limits)) => {
            report.push(path, code, limits);
            Value::Empty
        }
    }
}

type Rejection = (FieldErrorCode, Limits);

fn reject<T>(code: FieldErrorCode) -> Result<T, Rejection> {
    Err((code, Limits::default()))
}

fn in_list(list: Option<&ChoiceList>, code: &str) -> bool {
    list.is_some_and(|list| list.choices.iter().any(|choice| choice.value == code))
}

fn typed_answer<'a>(form: &Form<'_>, kind: &QuestionKind, json: &'a Json) -> Result<Value<'a>, Rejection> {
    let limits = |min: Option<f64>, max: Option<f64>| Limits { min, max };
    match kind {
        QuestionKind::Single { list } | QuestionKind::Ordinal { list } => {
            let Json::String(code) = json else { return reject(FieldErrorCode::WrongType) };
            if in_list(form.list(list), code) {
                Ok(Value::Text(Cow::Borrowed(code)))
            } else {
                reject(FieldErrorCode::NotInList)
            }
        }
        QuestionKind::YesNo => match json {
            Json::String(code) if code == "yes" || code == "no" => Ok(Value::Text(Cow::Borrowed(code))),
            Json::String(_) => reject(FieldErrorCode::NotInList),
            _ => reject(FieldErrorCode::WrongType),
        },
        QuestionKind::Multiple { list, min_choices, max_choices } => {
            let Json::Array(items) = json else { return reject(FieldErrorCode::WrongType) };
            let list = form.list(list);
            let mut codes: Vec<Cow<'a, str>> = Vec::with_capacity(items.len());
            for item in items {
                let Json::String(code) = item else { return reject(FieldErrorCode::WrongType) };
                if !in_list(list, code) {
                    return reject(FieldErrorCode::NotInList);
                }
                if codes.iter().any(|seen| seen == code) {
                    return reject(FieldErrorCode::DuplicateChoice);
                }
                codes.push(Cow::Borrowed(code));
            }
            if codes.len() > 1
                && let Some(list) = list
                && codes.iter().any(|code| list.choices.iter().any(|c| c.exclusive && c.value == *code))
            {
                return reject(FieldErrorCode::ExclusiveChoice);
            }
            let count = codes.len() as u32;
            if count > 0 && min_choices.is_some_and(|min| count < min) {
                return Err((FieldErrorCode::TooFewChoices, limits(min_choices.map(f64::from), None)));
            }
            if max_choices.is_some_and(|max| count > max) {
                return Err((FieldErrorCode::TooManyChoices, limits(None, max_choices.map(f64::from))));
            }
            Ok(if codes.is_empty() { Value::Empty } else { Value::Choices(codes) })
        }
        QuestionKind::Integer { min, max } => {
            let Some(number) = json.as_i64() else {
                // A whole number too large for i64 is still out of range, not
                // of the wrong type.
                return match json.as_u64() {
                    Some(_) => Err((FieldErrorCode::AboveMaximum, limits(None, max.map(|m| m as f64)))),
                    None => reject(FieldErrorCode::WrongType),
                };
            };
            let bounds = limits(min.map(|m| m as f64), max.map(|m| m as f64));
            if min.is_some_and(|min| number < min) {
                return Err((FieldErrorCode::BelowMinimum, bounds));
            }
            if max.is_some_and(|max| number > max) {
                return Err((FieldErrorCode::AboveMaximum, bounds));
            }
            Ok(Value::Number(number as f64))
        }
        QuestionKind::Decimal { min, max } => {
            let Some(number) = json.as_f64() else { return reject(FieldErrorCode::WrongType) };
            let bounds = limits(*min, *max);
            if min.is_some_and(|min| number < min) {
                return Err((FieldErrorCode::BelowMinimum, bounds));
            }
            if max.is_some_and(|max| number > max) {
                return Err((FieldErrorCode::AboveMaximum, bounds));
            }
            Ok(Value::Number(number))
        }
        QuestionKind::Text { max_length } => {
            let Json::String(text) = json else { return reject(FieldErrorCode::WrongType) };
            if text.chars().count() > *max_length as usize {
                return Err((FieldErrorCode::TooLong, limits(None, Some(f64::from(*max_length)))));
            }
            Ok(if text.is_empty() { Value::Empty } else { Value::Text(Cow::Borrowed(text)) })
        }
        QuestionKind::Date => {
            let Json::String(text) = json else { return reject(FieldErrorCode::WrongType) };
            Date::parse(text).map(Value::Date).ok_or((FieldErrorCode::InvalidDate, Limits::default()))
        }
        QuestionKind::AdminArea { levels } => {
            let Json::Array(codes) = json else { return reject(FieldErrorCode::WrongType) };
            if codes.len() != *levels as usize {
                return reject(FieldErrorCode::InvalidArea);
            }
            let mut areas: &[Area] = &form.survey.areas;
            let mut leaf = None;
            for code in codes {
                let Json::String(code) = code else { return reject(FieldErrorCode::WrongType) };
                let Some(area) = areas.iter().find(|area| &area.code == code) else {
                    return reject(FieldErrorCode::InvalidArea);
                };
                areas = &area.children;
                leaf = Some(code);
            }
            Ok(leaf.map_or(Value::Empty, |code| Value::Text(Cow::Borrowed(code))))
        }
        // Their presence is judged by the caller, which knows what they are.
        QuestionKind::Note | QuestionKind::Calculate { .. } | QuestionKind::Roster { .. } => Ok(Value::Empty),
    }
}

/// Relevance and values, computed on demand and remembered, in the order the
/// expressions need them (XForms' dependency order without building the graph).
/// A cycle, which [`Survey::check`] rejects, evaluates to empty.
struct Evaluation<'f, 'a> {
    form: &'f Form<'f>,
    answers: TypedAnswers<'a>,
    today: Option<Date>,
    sections: RefCell<Vec<Memo<bool>>>,
    top: RefCell<Vec<Cell<'a>>>,
    rows: RefCell<Vec<Vec<Vec<Cell<'a>>>>>,
}

#[derive(Clone, Debug)]
enum Memo<T> {
    Unknown,
    Busy,
    Known(T),
}

#[derive(Clone, Debug)]
struct Cell<'a> {
    relevant: Memo<bool>,
    value: Memo<Value<'a>>,
}

const FRESH: Cell<'static> = Cell { relevant: Memo::Unknown, value: Memo::Unknown };

impl<'f, 'a> Evaluation<'f, 'a> {
    fn new(form: &'f Form<'f>, answers: TypedAnswers<'a>, today: Option<Date>) -> Self {
        let rows = answers
            .rows
            .iter()
            .map(|rows| rows.iter().map(|row| vec![FRESH; row.len()]).collect())
            .collect();
        Self {
            form,
            today,
            sections: RefCell::new(vec![Memo::Unknown; form.sections.len()]),
            top: RefCell::new(vec![FRESH; answers.top.len()]),
            rows: RefCell::new(rows),
            answers,
        }
    }

    fn row_count(&self, roster: usize) -> usize {
        self.answers.rows.get(roster).map_or(0, Vec::len)
    }

    fn scope(&self, row: Option<(usize, usize)>, current: Value<'a>) -> RowScope<'_, 'f, 'a> {
        RowScope { evaluation: self, row, current }
    }

    fn cell<R>(&self, slot: Slot, row: Option<usize>, read: impl FnOnce(&mut Cell<'a>) -> R) -> Option<R> {
        match (slot, row) {
            (Slot::Top(entry), _) => self.top.borrow_mut().get_mut(entry).map(read),
            (Slot::Member { roster, index }, Some(row)) => self
                .rows
                .borrow_mut()
                .get_mut(roster)
                .and_then(|rows| rows.get_mut(row))
                .and_then(|cells| cells.get_mut(index))
                .map(read),
            (Slot::Member { .. }, None) => None,
        }
    }

    fn section_relevant(&self, section: usize) -> bool {
        match self.sections.borrow().get(section) {
            Some(Memo::Known(known)) => return *known,
            Some(Memo::Busy) | None => return false,
            Some(Memo::Unknown) => {}
        }
        self.sections.borrow_mut()[section] = Memo::Busy;
        let relevant = self.form.sections[section]
            .relevant
            .as_ref()
            .is_none_or(|expr| self.holds(expr, None, Value::Empty));
        self.sections.borrow_mut()[section] = Memo::Known(relevant);
        relevant
    }

    fn holds(&self, expression: &Expression, row: Option<(usize, usize)>, current: Value<'a>) -> bool {
        match expression.parsed() {
            Ok(expr) => eval(expr, &self.scope(row, current)).to_bool(),
            Err(_) => false,
        }
    }

    /// Whether a question applies: its section, its roster and its own
    /// `relevant` all hold.
    fn relevant(&self, slot: Slot, row: Option<usize>) -> bool {
        match self.cell(slot, row, |cell| cell.relevant.clone()) {
            Some(Memo::Known(known)) => return known,
            Some(Memo::Busy) | None => return false,
            Some(Memo::Unknown) => {}
        }
        self.cell(slot, row, |cell| cell.relevant = Memo::Busy);
        let relevant = self.compute_relevant(slot, row);
        self.cell(slot, row, |cell| cell.relevant = Memo::Known(relevant));
        relevant
    }

    fn compute_relevant(&self, slot: Slot, row: Option<usize>) -> bool {
        let form = self.form;
        let (entry, row_context) = match (slot, row) {
            (Slot::Top(entry), _) => (entry, None),
            (Slot::Member { roster, .. }, Some(row)) => {
                let roster_entry = form.rosters[roster].entry;
                if !self.relevant(Slot::Top(roster_entry), None) {
                    return false;
                }
                (roster_entry, Some((roster, row)))
            }
            (Slot::Member { .. }, None) => return false,
        };
        if !self.section_relevant(form.entries[entry].section) {
            return false;
        }
        let Some(question) = form.question(slot) else { return false };
        question.relevant.as_ref().is_none_or(|expr| self.holds(expr, row_context, Value::Empty))
    }

    /// The value other expressions see: empty when not relevant, computed for
    /// calculations, the typed answer otherwise.
    fn value(&self, slot: Slot, row: Option<usize>) -> Value<'a> {
        match self.cell(slot, row, |cell| cell.value.clone()) {
            Some(Memo::Known(value)) => return value,
            Some(Memo::Busy) | None => return Value::Empty,
            Some(Memo::Unknown) => {}
        }
        self.cell(slot, row, |cell| cell.value = Memo::Busy);
        let value = self.compute_value(slot, row);
        self.cell(slot, row, |cell| cell.value = Memo::Known(value.clone()));
        value
    }

    fn compute_value(&self, slot: Slot, row: Option<usize>) -> Value<'a> {
        if !self.relevant(slot, row) {
            return Value::Empty;
        }
        let Some(question) = self.form.question(slot) else { return Value::Empty };
        let row_context = match (slot, row) {
            (Slot::Member { roster, .. }, Some(row)) => Some((roster, row)),
            _ => None,
        };
        match &question.kind {
            QuestionKind::Calculate { calculation } => match calculation.parsed() {
                Ok(expr) => match eval(expr, &self.scope(row_context, Value::Empty)) {
                    Value::Bool(b) => Value::text(if b { "true" } else { "false" }),
                    other => other,
                },
                Err(_) => Value::Empty,
            },
            QuestionKind::Roster { .. } => {
                let roster = match slot {
                    Slot::Top(entry) => self.form.entries[entry].roster,
                    Slot::Member { .. } => None,
                };
                let rows = roster.map_or(0, |roster| self.row_count(roster));
                Value::List(vec![Value::Bool(true); rows])
            }
            _ => match (slot, row) {
                (Slot::Top(entry), _) => self.answers.top[entry].clone(),
                (Slot::Member { roster, index }, Some(row)) => self.answers.rows[roster][row][index].clone(),
                (Slot::Member { .. }, None) => Value::Empty,
            },
        }
    }

    fn required(&self, question: &Question, row: Option<(usize, usize)>) -> bool {
        match &question.required {
            Required::Always(always) => *always,
            Required::When(expr) => self.holds(expr, row, Value::Empty),
        }
    }

    /// Reports relevance, required, constraint and calculation problems for
    /// every question, in document order.
    fn check_answers(&self, raw: &Answers, report: &mut Report<'_>, calculated: &mut Vec<(String, String)>) {
        let form = self.form;
        for (entry_index, entry) in form.entries.iter().enumerate() {
            let question = entry.question;
            let id = question.id.as_str();
            let slot = Slot::Top(entry_index);
            let given = raw.get(id).filter(|json| !json.is_null());
            if let Some(roster) = entry.roster {
                self.check_roster(roster, given, report, calculated);
                continue;
            }
            self.check_one(question, slot, None, id.to_owned(), given, report, calculated);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_one(
        &self,
        question: &Question,
        slot: Slot,
        row: Option<usize>,
        path: String,
        given: Option<&Json>,
        report: &mut Report<'_>,
        calculated: &mut Vec<(String, String)>,
    ) {
        let row_context = match (slot, row) {
            (Slot::Member { roster, .. }, Some(row)) => Some((roster, row)),
            _ => None,
        };
        if !self.relevant(slot, row) {
            if given.is_some_and(|json| !is_blank(json)) {
                report.push(path, FieldErrorCode::NotRelevant, Limits::default());
            }
            return;
        }
        match &question.kind {
            QuestionKind::Note => {
                if given.is_some() {
                    report.push(path, FieldErrorCode::NoAnswerExpected, Limits::default());
                }
            }
            QuestionKind::Calculate { calculation } => {
                if calculation.parsed().is_err() {
                    report.push(path, FieldErrorCode::InvalidSurvey, Limits::default());
                    return;
                }
                let computed = self.value(slot, row).to_text().into_owned();
                if let Some(json) = given {
                    let sent = match json {
                        Json::String(text) => Cow::Borrowed(text.as_str()),
                        Json::Number(n) => Cow::Owned(n.as_f64().map(crate::expr::format_number).unwrap_or_default()),
                        Json::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
                        _ => Cow::Borrowed("\u{0}"),
                    };
                    if sent != computed {
                        report.push(path.clone(), FieldErrorCode::CalculationMismatch, Limits::default());
                    }
                }
                calculated.push((path, computed));
            }
            _ => {
                let value = self.value(slot, row);
                let answered_but_invalid = given.is_some_and(|json| !is_blank(json)) && value.is_empty();
                if answered_but_invalid {
                    // Already reported while typing the answer.
                    return;
                }
                if value.is_empty() {
                    if self.required(question, row_context) {
                        report.push(path, FieldErrorCode::Required, Limits::default());
                    }
                    return;
                }
                if let Some(constraint) = &question.constraint {
                    match constraint.parsed() {
                        Ok(expr) => {
                            if !eval(expr, &self.scope(row_context, value)).to_bool() {
                                report.push_constraint(path, question);
                            }
                        }
                        Err(_) => report.push(path, FieldErrorCode::InvalidSurvey, Limits::default()),
                    }
                }
            }
        }
    }

    fn check_roster(
        &self,
        roster_index: usize,
        given: Option<&Json>,
        report: &mut Report<'_>,
        calculated: &mut Vec<(String, String)>,
    ) {
        let roster = &self.form.rosters[roster_index];
        let id = roster.question.id.as_str();
        let rows = self.row_count(roster_index);
        if !self.relevant(Slot::Top(roster.entry), None) {
            if given.is_some_and(|json| !is_blank(json)) {
                report.push(id, FieldErrorCode::NotRelevant, Limits::default());
            }
            return;
        }
        let bounds = Limits { min: Some(f64::from(roster.min_rows)), max: Some(f64::from(roster.max_rows)) };
        if rows < roster.min_rows as usize {
            report.push(id, FieldErrorCode::TooFewRows, bounds);
        }
        if rows > roster.max_rows as usize {
            report.push(id, FieldErrorCode::TooManyRows, bounds);
        }
        let cells = given.and_then(Json::as_array);
        for row in 0..rows {
            let row_cells = cells.and_then(|cells| cells.get(row)).and_then(Json::as_object);
            for (index, member) in roster.members.iter().enumerate() {
                let given = row_cells.and_then(|cells| cells.get(member.id.as_str())).filter(|json| !json.is_null());
                let slot = Slot::Member { roster: roster_index, index };
                self.check_one(member, slot, Some(row), row_path(id, row, &member.id), given, report, calculated);
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

struct RowScope<'e, 'f, 'a> {
    evaluation: &'e Evaluation<'f, 'a>,
    row: Option<(usize, usize)>,
    current: Value<'a>,
}

impl<'a> Scope<'a> for RowScope<'_, '_, 'a> {
    fn reference(&self, name: &str) -> Value<'a> {
        let evaluation = self.evaluation;
        match evaluation.form.slot(name) {
            None => Value::Empty,
            Some(slot @ Slot::Top(_)) => evaluation.value(slot, None),
            Some(slot @ Slot::Member { roster, .. }) => match self.row {
                Some((current_roster, row)) if current_roster == roster => evaluation.value(slot, Some(row)),
                _ => Value::List(
                    (0..evaluation.row_count(roster)).map(|row| evaluation.value(slot, Some(row))).collect(),
                ),
            },
        }
    }

    fn current(&self) -> Value<'a> {
        self.current.clone()
    }

    fn position(&self) -> Option<usize> {
        self.row.map(|(_, row)| row + 1)
    }

    fn today(&self) -> Option<Date> {
        self.evaluation.today
    }
}

/// What a form shows while it is being filled: which questions apply now and
/// what calculations give, from the same evaluation the validator uses.
pub struct Inspection<'f, 'a> {
    evaluation: Evaluation<'f, 'a>,
}

impl<'s> Form<'s> {
    /// Evaluates answers in progress. Typing problems are dropped here:
    /// [`Form::validate`] reports them.
    pub fn inspect<'a>(&'s self, answers: &'a Answers, today: Option<Date>) -> Inspection<'s, 'a> {
        let mut scratch = Report { survey: self.survey, language: &self.survey.default_language, errors: Vec::new() };
        let typed = TypedAnswers::parse(self, answers, &mut scratch);
        Inspection { evaluation: Evaluation::new(self, typed, today) }
    }
}

impl<'a> Inspection<'_, 'a> {
    pub fn is_relevant(&self, id: &str, row: Option<usize>) -> bool {
        self.evaluation.form.slot(id).is_some_and(|slot| self.evaluation.relevant(slot, row))
    }

    pub fn value(&self, id: &str, row: Option<usize>) -> Value<'a> {
        self.evaluation.form.slot(id).map_or(Value::Empty, |slot| self.evaluation.value(slot, row))
    }

    pub fn is_required(&self, id: &str, row: Option<usize>) -> bool {
        let form = self.evaluation.form;
        let Some(slot) = form.slot(id) else { return false };
        let Some(question) = form.question(slot) else { return false };
        let context = match (slot, row) {
            (Slot::Member { roster, .. }, Some(row)) => Some((roster, row)),
            _ => None,
        };
        self.evaluation.required(question, context)
    }

    pub fn section_is_relevant(&self, section: usize) -> bool {
        self.evaluation.section_relevant(section)
    }
}

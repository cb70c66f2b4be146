//! Answers as sent, converted to typed values question by question.

use std::borrow::Cow;

use serde_json::Value as Json;

use super::Limits;
use super::{At, FieldErrorCode, Report};
use crate::date::{Date, is_local_date_time, is_time_of_day};
use crate::expr::Value;
use crate::form::{Form, Slot};
use crate::schema::{Area, ChoiceList, Question, QuestionKind};
use crate::submission::Answers;

/// Typed answers, before relevance is applied. A wrongly typed answer is
/// reported here and then treated as unanswered.
pub(super) struct TypedAnswers<'a> {
    top: Vec<Given<'a>>,
    rosters: Vec<RosterAnswers<'a>>,
}

/// One roster's answers, row by row: `cells[row * members + index]`.
#[derive(Clone, Default)]
struct RosterAnswers<'a> {
    /// Rows read: those sent, up to the roster's `max_rows`.
    rows: usize,
    /// Rows sent, to report too many without reading past the limit.
    sent: usize,
    cells: Vec<Given<'a>>,
}

/// An answer as sent (if it was, and is not null) and as typed.
#[derive(Clone, Debug)]
pub(super) struct Given<'a> {
    pub json: Option<&'a Json>,
    pub value: Value<'a>,
}

const UNANSWERED: Given<'static> = Given {
    json: None,
    value: Value::Empty,
};

impl<'a> TypedAnswers<'a> {
    /// One pass over what was sent: each key is looked up once.
    pub fn parse(form: &Form<'_>, raw: &'a Answers, report: &mut Report<'_>) -> Self {
        let mut top = vec![UNANSWERED; form.entries.len()];
        let mut rosters = vec![RosterAnswers::default(); form.rosters.len()];
        for (key, json) in raw {
            let Some(Slot::Top(entry)) = form.slot(key) else {
                report.push(key, FieldErrorCode::UnknownQuestion, Limits::default());
                continue;
            };
            if json.is_null() {
                continue;
            }
            let entry_info = &form.entries[entry];
            let value = match entry_info.roster {
                Some(roster) => {
                    rosters[roster] = RosterAnswers::parse(form, roster, json, report);
                    Value::Empty
                }
                None => typed(
                    form,
                    entry_info.question,
                    entry_info.list,
                    json,
                    At::Top(key),
                    report,
                ),
            };
            top[entry] = Given {
                json: Some(json),
                value,
            };
        }
        Self { top, rosters }
    }

    pub fn rows(&self, roster: usize) -> usize {
        self.rosters.get(roster).map_or(0, |answers| answers.rows)
    }

    /// Rows sent, which may be more than were read.
    pub fn sent_rows(&self, roster: usize) -> usize {
        self.rosters.get(roster).map_or(0, |answers| answers.sent)
    }

    /// The answer in a slot; for a roster member, in one row.
    pub fn given(&self, form: &Form<'_>, slot: Slot, row: Option<usize>) -> &Given<'a> {
        let found = match (slot, row) {
            (Slot::Top(entry), _) => self.top.get(entry),
            (Slot::Member { roster, index }, Some(row)) => {
                let members = form.rosters.get(roster).map_or(0, |r| r.members.len());
                self.rosters
                    .get(roster)
                    .and_then(|answers| answers.cells.get(row * members + index))
            }
            (Slot::Member { .. }, None) => None,
        };
        found.unwrap_or(&UNANSWERED)
    }
}

impl<'a> RosterAnswers<'a> {
    fn parse(
        form: &Form<'_>,
        roster_index: usize,
        json: &'a Json,
        report: &mut Report<'_>,
    ) -> Self {
        let roster = &form.rosters[roster_index];
        let roster_id = roster.question.id.as_str();
        let Json::Array(rows) = json else {
            report.push(roster_id, FieldErrorCode::WrongType, Limits::default());
            return Self::default();
        };
        let members = roster.members.len();
        // Rows past the limit are an error of their own and are not read: a
        // roster of 100,000 rows costs what one of `max_rows` does.
        let sent = rows.len();
        let rows = &rows[..sent.min(roster.max_rows as usize)];
        let mut cells = vec![UNANSWERED; rows.len() * members];
        for (row, json) in rows.iter().enumerate() {
            let Json::Object(answers) = json else {
                report.push(
                    format_args!("{roster_id}[{row}]"),
                    FieldErrorCode::WrongType,
                    Limits::default(),
                );
                continue;
            };
            for (key, json) in answers {
                let at = At::Row {
                    roster: roster_id,
                    row,
                    id: key,
                };
                let index = match form.slot(key) {
                    Some(Slot::Member { roster, index }) if roster == roster_index => index,
                    _ => {
                        report.push(at, FieldErrorCode::UnknownQuestion, Limits::default());
                        continue;
                    }
                };
                if !json.is_null() {
                    let value = typed(
                        form,
                        &roster.members[index],
                        roster.member_lists[index],
                        json,
                        at,
                        report,
                    );
                    cells[row * members + index] = Given {
                        json: Some(json),
                        value,
                    };
                }
            }
        }
        Self {
            rows: rows.len(),
            sent,
            cells,
        }
    }
}

/// Converts one JSON answer to a typed value, or reports why it cannot be.
fn typed<'a>(
    form: &Form<'_>,
    question: &Question,
    list: Option<&ChoiceList>,
    json: &'a Json,
    path: At<'_>,
    report: &mut Report<'_>,
) -> Value<'a> {
    match typed_answer(&form.survey.areas, &question.kind, list, json) {
        Ok(value) => value,
        Err((code, limits)) => {
            report.push(path, code, limits);
            Value::Empty
        }
    }
}

/// Why `json` would be refused as an answer to `question` (its default,
/// say), if it would be.
pub(crate) fn refusal(
    survey: &crate::Survey,
    question: &Question,
    json: &Json,
) -> Option<FieldErrorCode> {
    let list = question.kind.list().and_then(|id| survey.choice_list(id));
    typed_answer(&survey.areas, &question.kind, list, json)
        .err()
        .map(|(code, _)| code)
}

type Rejection = (FieldErrorCode, Limits);

fn reject<T>(code: FieldErrorCode) -> Result<T, Rejection> {
    Err((code, Limits::default()))
}

fn in_list(list: Option<&ChoiceList>, code: &str) -> bool {
    list.is_some_and(|list| list.choices.iter().any(|choice| choice.value == code))
}

/// An answer read as its question's kind expects, or why it cannot be.
fn typed_answer<'a>(
    areas: &[Area],
    kind: &QuestionKind,
    list: Option<&ChoiceList>,
    json: &'a Json,
) -> Result<Value<'a>, Rejection> {
    match kind {
        QuestionKind::Single { .. } | QuestionKind::Ordinal { .. } => {
            let Json::String(code) = json else {
                return reject(FieldErrorCode::WrongType);
            };
            if in_list(list, code) {
                Ok(Value::Text(Cow::Borrowed(code)))
            } else {
                reject(FieldErrorCode::NotInList)
            }
        }
        QuestionKind::YesNo => match json {
            Json::String(code) if code == "yes" || code == "no" => {
                Ok(Value::Text(Cow::Borrowed(code)))
            }
            Json::String(_) => reject(FieldErrorCode::NotInList),
            _ => reject(FieldErrorCode::WrongType),
        },
        QuestionKind::Multiple {
            min_choices,
            max_choices,
            ..
        } => choices(json, list, *min_choices, *max_choices),
        QuestionKind::Integer { min, max } => integer(json, *min, *max),
        QuestionKind::Decimal { min, max } => decimal(json, *min, *max),
        QuestionKind::Text { max_length } => text(json, *max_length),
        QuestionKind::Date => {
            let Json::String(text) = json else {
                return reject(FieldErrorCode::WrongType);
            };
            Date::parse(text)
                .map(Value::Date)
                .ok_or((own_refusal(kind), Limits::default()))
        }
        QuestionKind::Time => clock_reading(json, is_time_of_day, own_refusal(kind)),
        QuestionKind::DateTime => clock_reading(json, is_local_date_time, own_refusal(kind)),
        QuestionKind::AdminArea { levels } => admin_area(areas, json, *levels),
        // Their presence is judged by the caller, which knows what they are.
        QuestionKind::Note | QuestionKind::Calculate { .. } | QuestionKind::Roster { .. } => {
            Ok(Value::Empty)
        }
    }
}

fn limits(min: Option<f64>, max: Option<f64>) -> Limits {
    Limits { min, max }
}

fn choices<'a>(
    json: &'a Json,
    list: Option<&ChoiceList>,
    min_choices: Option<u32>,
    max_choices: Option<u32>,
) -> Result<Value<'a>, Rejection> {
    let Json::Array(items) = json else {
        return reject(FieldErrorCode::WrongType);
    };
    let mut codes: Vec<Cow<'a, str>> = Vec::with_capacity(items.len());
    for item in items {
        let Json::String(code) = item else {
            return reject(FieldErrorCode::WrongType);
        };
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
        && codes
            .iter()
            .any(|code| list.choices.iter().any(|c| c.exclusive && c.value == *code))
    {
        return reject(FieldErrorCode::ExclusiveChoice);
    }
    let count = codes.len() as u32;
    if count > 0 && min_choices.is_some_and(|min| count < min) {
        return Err((
            FieldErrorCode::TooFewChoices,
            limits(min_choices.map(f64::from), None),
        ));
    }
    if max_choices.is_some_and(|max| count > max) {
        return Err((
            FieldErrorCode::TooManyChoices,
            limits(None, max_choices.map(f64::from)),
        ));
    }
    Ok(if codes.is_empty() {
        Value::Empty
    } else {
        Value::Choices(codes)
    })
}

fn integer<'a>(json: &Json, min: Option<i64>, max: Option<i64>) -> Result<Value<'a>, Rejection> {
    let Some(number) = json.as_i64() else {
        // A whole number too large for i64 is still out of range, not of
        // the wrong type.
        return match json.as_u64() {
            Some(_) => Err((
                FieldErrorCode::AboveMaximum,
                limits(None, max.map(|m| m as f64)),
            )),
            None => reject(FieldErrorCode::NotWholeNumber),
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

fn decimal<'a>(json: &Json, min: Option<f64>, max: Option<f64>) -> Result<Value<'a>, Rejection> {
    let Some(number) = json.as_f64() else {
        return reject(FieldErrorCode::NotNumber);
    };
    let bounds = limits(min, max);
    if min.is_some_and(|min| number < min) {
        return Err((FieldErrorCode::BelowMinimum, bounds));
    }
    if max.is_some_and(|max| number > max) {
        return Err((FieldErrorCode::AboveMaximum, bounds));
    }
    Ok(Value::Number(number))
}

fn text(json: &Json, max_length: u32) -> Result<Value<'_>, Rejection> {
    let Json::String(text) = json else {
        return reject(FieldErrorCode::WrongType);
    };
    if text.chars().count() > max_length as usize {
        return Err((
            FieldErrorCode::TooLong,
            limits(None, Some(f64::from(max_length))),
        ));
    }
    // Line breaks and tabs are typed; other control characters are not,
    // and would break the logs, CSV cells and screens that show the answer.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return reject(FieldErrorCode::WrongType);
    }
    Ok(if text.is_empty() {
        Value::Empty
    } else {
        Value::Text(Cow::Borrowed(text))
    })
}

/// A time or a date and time, kept as typed: the expression language sees
/// it as text (XLSForm's comparisons of times need `decimal-time()`, which
/// Salama does not offer), the microdata as a column of text.
fn own_refusal(kind: &QuestionKind) -> FieldErrorCode {
    kind.own_refusal().unwrap_or(FieldErrorCode::WrongType)
}

fn clock_reading<'a>(
    json: &'a Json,
    valid: fn(&str) -> bool,
    invalid: FieldErrorCode,
) -> Result<Value<'a>, Rejection> {
    match json {
        Json::String(text) if valid(text) => Ok(Value::Text(Cow::Borrowed(text))),
        Json::String(_) => reject(invalid),
        _ => reject(FieldErrorCode::WrongType),
    }
}

/// One code per level of the area tree, each below the one before; the
/// answer's value is the leaf.
fn admin_area<'a>(areas: &[Area], json: &'a Json, levels: u32) -> Result<Value<'a>, Rejection> {
    let Json::Array(codes) = json else {
        return reject(FieldErrorCode::WrongType);
    };
    if codes.len() != levels as usize {
        return reject(FieldErrorCode::InvalidArea);
    }
    let mut areas = areas;
    let mut leaf = None;
    for code in codes {
        let Json::String(code) = code else {
            return reject(FieldErrorCode::WrongType);
        };
        let Some(area) = areas.iter().find(|area| &area.code == code) else {
            return reject(FieldErrorCode::InvalidArea);
        };
        areas = &area.children;
        leaf = Some(code);
    }
    Ok(leaf.map_or(Value::Empty, |code| Value::Text(Cow::Borrowed(code))))
}

//! Validation of a submission against its survey: the same code in the
//! browser, before submit and on every change, and on the server, on every
//! submission received. Every problem is reported at once.

mod answers;
mod evaluation;
mod rules;

use std::fmt;

pub use crate::field_error::{FieldError, FieldErrorCode};
pub use evaluation::Inspection;

use answers::TypedAnswers;
pub(crate) use answers::refusal;
use evaluation::Evaluation;

use crate::expr::Value;
use crate::form::{Form, Slot};
use crate::schema::{Channel, Question, Survey};
use crate::submission::{AdultConsent, Submission};
use crate::words::FormWord;

/// A submission that passed validation. Only [`validate`] makes one, so
/// holding one proves the rules were applied.
#[derive(Clone, Copy, Debug)]
pub struct ValidSubmission<'a> {
    submission: &'a Submission,
}

impl<'a> ValidSubmission<'a> {
    pub fn submission(&self) -> &'a Submission {
        self.submission
    }
}

/// 2000-01-01T00:00:00Z: no Salama interview was made before it, and a
/// device clock reset to its epoch (1970) or to zero lands before it.
pub const EARLIEST_PLAUSIBLE_TIME: i64 = 946_684_800;

/// At most this many problems are described; the rest are only counted, so
/// the work and the answer stay bounded whatever a hostile body holds.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Redraws an interview may record: a household list is corrected a few
/// times at most, and each draw kept costs the submission's size.
pub const MAX_EARLIER_DRAWS: usize = 5;

/// Why a submission was refused: the first [`MAX_REPORTED_ERRORS`] problems
/// found, and how many there were in all.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    pub errors: Vec<FieldError>,
    pub total: usize,
}

impl std::ops::Deref for Rejected {
    type Target = [FieldError];

    fn deref(&self) -> &[FieldError] {
        &self.errors
    }
}

impl IntoIterator for Rejected {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

/// Validates a submission against its survey, reporting every problem.
pub fn validate<'a>(
    survey: &Survey,
    submission: &'a Submission,
) -> Result<ValidSubmission<'a>, Rejected> {
    Form::new(survey).validate(submission)
}

impl<'s> Form<'s> {
    pub fn validate<'a>(
        &self,
        submission: &'a Submission,
    ) -> Result<ValidSubmission<'a>, Rejected> {
        let language = if self.survey.languages.contains(&submission.language) {
            submission.language.as_str()
        } else {
            self.survey.default_language.as_str()
        };
        let mut report = Report::new(self.survey, language);
        self.check_envelope(submission, &mut report);
        let answers = TypedAnswers::parse(self, &submission.answers, &mut report);
        let evaluation = Evaluation::new(
            self,
            answers,
            (Some(submission.completed_at.local_date()), language),
            &submission.module_draws,
        );
        evaluation.check_answers(&mut report);
        self.check_minor_rules(submission, &evaluation, &mut report);
        self.check_selection(submission, &evaluation, &mut report);
        self.check_module_draws(submission, &evaluation, &mut report);
        if report.total == 0 {
            Ok(ValidSubmission { submission })
        } else {
            Err(Rejected {
                errors: report.errors,
                total: report.total,
            })
        }
    }

    /// Numbers sent as a person typed them (`"٣٤"`, `"2,5"`) become JSON
    /// numbers, read by the same [`crate::number`] rules as the browser's
    /// boxes, so a script or sender that passes typed text is accepted as
    /// the form would be. Text that is no number is left for
    /// [`Self::validate`] to refuse. Work is bounded by the answers sent.
    pub fn normalise_numbers(&self, submission: &mut Submission) {
        fn normalised(question: &Question, json: &mut serde_json::Value) {
            let serde_json::Value::String(text) = &*json else {
                return;
            };
            let number = match question.kind {
                crate::schema::QuestionKind::Integer { .. } => {
                    crate::number::read_whole(text).map(serde_json::Value::from)
                }
                crate::schema::QuestionKind::Decimal { .. } => crate::number::read(text)
                    .and_then(serde_json::Number::from_f64)
                    .map(serde_json::Value::Number),
                _ => None,
            };
            if let Some(number) = number {
                *json = number;
            }
        }
        for (key, json) in submission.answers.iter_mut() {
            let Some(Slot::Top(entry)) = self.slot(key) else {
                continue;
            };
            let entry = &self.entries[entry];
            let Some(roster) = entry.roster else {
                normalised(entry.question, json);
                continue;
            };
            let serde_json::Value::Array(rows) = json else {
                continue;
            };
            for row in rows.iter_mut().take(self.rosters[roster].max_rows as usize) {
                let serde_json::Value::Object(cells) = row else {
                    continue;
                };
                for (key, json) in cells.iter_mut() {
                    if let Some(slot @ Slot::Member { roster: of, .. }) = self.slot(key)
                        && of == roster
                        && let Some(question) = self.question(slot)
                    {
                        normalised(question, json);
                    }
                }
            }
        }
    }

    fn check_envelope(&self, submission: &Submission, report: &mut Report<'_>) {
        let survey = self.survey;
        if submission.survey_id != survey.id {
            report.push(
                "survey_id",
                FieldErrorCode::SurveyMismatch,
                Limits::default(),
            );
        }
        if submission.survey_version != survey.version {
            report.push(
                "survey_version",
                FieldErrorCode::SurveyMismatch,
                Limits::default(),
            );
        }
        if !survey.channels.contains(&submission.channel) {
            report.push(
                "channel",
                FieldErrorCode::ChannelNotAllowed,
                Limits::default(),
            );
        }
        if !survey.languages.contains(&submission.language) {
            report.push(
                "language",
                FieldErrorCode::UnsupportedLanguage,
                Limits::default(),
            );
        }
        for (path, code) in [
            ("enumerator_id", &submission.enumerator_id),
            ("cluster_id", &submission.cluster_id),
        ] {
            if code
                .as_deref()
                .is_some_and(|code| !crate::text::is_envelope_code(code))
            {
                report.push(
                    path,
                    FieldErrorCode::InvalidCode,
                    Limits {
                        min: None,
                        max: Some(crate::text::MAX_CODE_LENGTH as f64),
                    },
                );
            }
        }
        // Online answers are nobody's interview: an enumerator named there
        // would be credited in fieldwork with work they never did.
        if submission.channel == Channel::Online && submission.enumerator_id.is_some() {
            report.push(
                "enumerator_id",
                FieldErrorCode::NoAnswerExpected,
                Limits::default(),
            );
        }
        if submission.started_at.unix_seconds() < EARLIEST_PLAUSIBLE_TIME {
            report.push(
                "started_at",
                FieldErrorCode::ImplausibleTime,
                Limits::default(),
            );
        }
        if submission.completed_at.unix_seconds() < submission.started_at.unix_seconds() {
            report.push(
                "completed_at",
                FieldErrorCode::InvalidTimestamps,
                Limits::default(),
            );
        }
        if !submission.consent.respondent {
            report.push(
                "consent.respondent",
                FieldErrorCode::ConsentRequired,
                Limits::default(),
            );
        }
    }

    /// Children below the self-respondent age never answer for themselves;
    /// minors above it need an adult's consent (or no caretaker) and their
    /// own assent (MICS6).
    fn check_minor_rules(
        &self,
        submission: &Submission,
        evaluation: &Evaluation<'_>,
        report: &mut Report<'_>,
    ) {
        let Some(rules) = &self.survey.consent.minors else {
            return;
        };
        let Some(age_id) = self.survey.respondent_age_question() else {
            return;
        };
        let Some(slot @ Slot::Top(_)) = self.slot(age_id) else {
            return;
        };
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
        } else if rules.needs_adult_consent(age) {
            if !matches!(
                submission.consent.adult,
                Some(AdultConsent::Given | AdultConsent::NoCaretaker)
            ) {
                report.push(
                    "consent.adult",
                    FieldErrorCode::AdultConsentRequired,
                    limits,
                );
            }
            if submission.consent.assent != Some(true) {
                report.push("consent.assent", FieldErrorCode::AssentRequired, limits);
            }
        }
    }
}

impl Form<'_> {
    /// A module draw names a drawn-member section once, in an interview;
    /// its eligible rows are exactly the household members the section's
    /// rule admits, and the member drawn is one of them.
    fn check_module_draws(
        &self,
        submission: &Submission,
        evaluation: &Evaluation<'_>,
        report: &mut Report<'_>,
    ) {
        let roster = self
            .survey
            .respondent_eligibility()
            .and_then(|eligibility| match self.slot(eligibility.roster) {
                Some(Slot::Top(entry)) => self.entries[entry].roster,
                _ => None,
            });
        for (index, draw) in submission.module_draws.iter().enumerate() {
            let at = |field: &str| format!("module_draws[{index}].{field}");
            let section = evaluation
                .form
                .sections
                .iter()
                .find(|section| section.id == draw.section);
            let rule = section.and_then(|section| section.drawn_among.as_ref());
            let repeated = submission.module_draws[..index]
                .iter()
                .any(|earlier| earlier.section == draw.section);
            let (Some(rule), Some(roster), false) = (rule, roster, repeated) else {
                report.push(
                    at("section"),
                    FieldErrorCode::InvalidSelection,
                    Limits::default(),
                );
                continue;
            };
            if submission.channel != Channel::Enumerator {
                report.push(
                    at("section"),
                    FieldErrorCode::ChannelNotAllowed,
                    Limits::default(),
                );
                continue;
            }
            let eligible: Vec<u32> = (0..evaluation.rows(roster))
                .filter(|row| evaluation.holds(rule, Some((roster, *row)), Value::Empty))
                .filter_map(|row| u32::try_from(row).ok())
                .collect();
            if draw.eligible_rows != eligible {
                report.push(
                    at("eligible_rows"),
                    FieldErrorCode::InvalidSelection,
                    Limits::default(),
                );
            } else if !eligible.contains(&draw.selected_row) {
                report.push(
                    at("selected_row"),
                    FieldErrorCode::InvalidSelection,
                    Limits::default(),
                );
            }
        }
    }

    /// Draws voided by a corrected household list: a few at most, each a
    /// draw of the household roster among rows in order, and only beside
    /// the draw that counts. The list they were made on is gone, so they
    /// are not checked against it.
    fn check_earlier_draws(&self, submission: &Submission, report: &mut Report<'_>) {
        let draws = &submission.earlier_draws;
        if draws.is_empty() {
            return;
        }
        if draws.len() > MAX_EARLIER_DRAWS || submission.respondent_selection.is_none() {
            report.push(
                "earlier_draws",
                FieldErrorCode::InvalidSelection,
                Limits::default(),
            );
            return;
        }
        let roster = self.survey.respondent_eligibility().map(|e| e.roster);
        for (index, draw) in draws.iter().enumerate() {
            let ordered = draw.eligible_rows.windows(2).all(|pair| pair[0] < pair[1]);
            if Some(draw.roster.as_str()) != roster
                || !ordered
                || !draw.eligible_rows.contains(&draw.selected_row)
            {
                report.push(
                    format_args!("earlier_draws[{index}]"),
                    FieldErrorCode::InvalidSelection,
                    Limits::default(),
                );
            }
        }
    }

    /// A recorded draw must be the one the roster allows: the eligible rows
    /// are exactly the members old enough, the drawn row is one of them,
    /// and the respondent's own sex and age are that member's.
    fn check_selection(
        &self,
        submission: &Submission,
        evaluation: &Evaluation<'_>,
        report: &mut Report<'_>,
    ) {
        self.check_earlier_draws(submission, report);
        let Some(selection) = &submission.respondent_selection else {
            return;
        };
        let survey = self.survey;
        let Some(eligibility) = survey.respondent_eligibility() else {
            report.push(
                "respondent_selection",
                FieldErrorCode::InvalidSelection,
                Limits::default(),
            );
            return;
        };
        if selection.roster != eligibility.roster {
            report.push(
                "respondent_selection.roster",
                FieldErrorCode::InvalidSelection,
                Limits::default(),
            );
            return;
        }
        let slot_of = |id: &str| self.slot(id);
        let (Some(roster_slot), Some(age_slot)) =
            (slot_of(eligibility.roster), slot_of(eligibility.member_age))
        else {
            return;
        };
        let rows = match roster_slot {
            Slot::Top(entry) => self.entries[entry]
                .roster
                .map_or(0, |roster| evaluation.rows(roster)),
            Slot::Member { .. } => 0,
        };
        let eligible = eligibility.eligible_rows(rows, |row| evaluation.value(age_slot, Some(row)));
        if selection.eligible_rows != eligible {
            report.push(
                "respondent_selection.eligible_rows",
                FieldErrorCode::InvalidSelection,
                Limits::default(),
            );
            return;
        }
        let row = selection.selected_row;
        if !eligible.contains(&row) {
            report.push(
                "respondent_selection.selected_row",
                FieldErrorCode::InvalidSelection,
                Limits::default(),
            );
            return;
        }
        let row = row as usize;
        let pairs = [
            (
                survey.respondent_age_question(),
                Some(eligibility.member_age),
            ),
            (survey.respondent_sex_question(), eligibility.member_sex),
        ];
        for (respondent, member) in pairs {
            let (Some(respondent), Some(member)) = (respondent, member) else {
                continue;
            };
            let (Some(own @ Slot::Top(_)), Some(of_member)) =
                (slot_of(respondent), slot_of(member))
            else {
                continue;
            };
            let own = evaluation.value(own, None);
            if !own.is_empty() && own != evaluation.value(of_member, Some(row)) {
                report.push(
                    respondent,
                    FieldErrorCode::InvalidSelection,
                    Limits::default(),
                );
            }
        }
    }
}

struct Report<'s> {
    survey: &'s Survey,
    language: &'s str,
    errors: Vec<FieldError>,
    total: usize,
}

impl<'s> Report<'s> {
    fn new(survey: &'s Survey, language: &'s str) -> Self {
        Self {
            survey,
            language,
            errors: Vec::new(),
            total: 0,
        }
    }

    /// Counts a problem; describes it only while there is room.
    fn room(&mut self) -> bool {
        self.total += 1;
        self.errors.len() < MAX_REPORTED_ERRORS
    }

    fn push(&mut self, path: impl fmt::Display, code: FieldErrorCode, limits: Limits) {
        if !self.room() {
            return;
        }
        let message = message_for(self.survey, code, self.language, limits);
        self.errors.push(FieldError {
            path: path.to_string(),
            code,
            message,
        });
    }

    fn push_constraint(&mut self, path: At<'_>, question: &Question) {
        if !self.room() {
            return;
        }
        let message = match &question.constraint_message {
            Some(text) => text
                .get(self.language, &self.survey.default_language)
                .to_owned(),
            None => message_for(
                self.survey,
                FieldErrorCode::Constraint,
                self.language,
                Limits::default(),
            ),
        };
        self.errors.push(FieldError {
            path: path.to_string(),
            code: FieldErrorCode::Constraint,
            message,
        });
    }
}

/// Values substituted for `{min}` and `{max}` in a message.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Limits {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The message for `code` in `language` (see [`Survey::word`] for which
/// wording wins), its `{min}` and `{max}` written as that language writes
/// numbers.
pub fn message_for(
    survey: &Survey,
    code: FieldErrorCode,
    language: &str,
    limits: Limits,
) -> String {
    let separator = survey.word(FormWord::DecimalSeparator, language);
    let show = |value: Option<f64>| {
        value
            .map(|value| crate::number::show(value, separator))
            .unwrap_or_default()
    };
    crate::words::fill(
        survey.word(code, language),
        &[("min", &show(limits.min)), ("max", &show(limits.max))],
    )
}

/// A question's path, rendered only when there is an error to report.
#[derive(Clone, Copy, Debug)]
enum At<'x> {
    Top(&'x str),
    Row {
        roster: &'x str,
        row: usize,
        id: &'x str,
    },
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Top(id) => f.write_str(id),
            At::Row { roster, row, id } => write!(f, "{roster}[{row}].{id}"),
        }
    }
}

#[cfg(test)]
mod tests;

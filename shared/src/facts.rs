//! What aggregation needs from one submission, worked out once when it is
//! received: one unit for the respondent and one per roster member, each
//! with its group dimensions (from the survey's roles) and, per indicator
//! component, whether the unit is in the denominator, in the numerator, and
//! which reported category (DK, RA) it answered. Aggregates read these
//! facts; they never evaluate answers again.
//!
//! Member units take what describes the household (its area and
//! urban/rural, and its displacement when the survey's role says the answer
//! is the household's: [`Role::describes_household`]) from the respondent
//! when the roster has no role of its own in that dimension; sex, age,
//! disability and a respondent's own displacement are never borrowed.

use std::fmt::Write as _;

use crate::expr::Value;
use crate::form::Form;
use crate::schema::{Denominator, Indicator, Level, Missing, QuestionKind, Role, Survey};
use crate::submission::Submission;
use crate::validate::ValidSubmission;

/// One respondent or roster member as aggregation sees them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitFacts {
    /// 0 for the respondent, n for the n-th row of the household roster.
    pub unit: u32,
    pub sex: Option<String>,
    /// Completed years.
    pub age: Option<i64>,
    /// The most detailed admin area answered (a leaf code of `survey.areas`).
    pub area: Option<String>,
    /// Washington Group rule: `Some(true)` when any domain is answered with a
    /// `disabled_if` category, `Some(false)` when every domain is answered
    /// otherwise, `None` when that cannot be told.
    pub disability: Option<bool>,
    pub displacement: Option<String>,
    pub urban_rural: Option<String>,
    pub outcomes: Vec<Outcome>,
}

impl UnitFacts {
    /// Takes the household's answer to `role` from the respondent's unit.
    fn take_household(&mut self, role: &Role, respondent: &UnitFacts) {
        match role {
            Role::Location { .. } => self.area.clone_from(&respondent.area),
            Role::UrbanRural { .. } => self.urban_rural.clone_from(&respondent.urban_rural),
            Role::Displacement { .. } => self.displacement.clone_from(&respondent.displacement),
            Role::Sex { .. } | Role::Age { .. } | Role::Disability { .. } => {}
        }
    }
}

/// A unit's part in one component of one indicator. Units the indicator
/// neither counts nor reports on have no outcome at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub indicator: String,
    pub component: u8,
    pub counted: Counted,
    /// The reported category (DK, RA, …) the unit answered, if any.
    pub reported: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Outside the denominator (only reported, e.g. a DK where DK is excluded).
    No,
    Denominator,
    /// In the numerator, and so in the denominator too.
    Numerator,
}

impl Counted {
    fn letter(self) -> char {
        match self {
            Counted::No => '-',
            Counted::Denominator => 'd',
            Counted::Numerator => 'n',
        }
    }

    fn from_letter(letter: &str) -> Option<Self> {
        match letter {
            "-" => Some(Counted::No),
            "d" => Some(Counted::Denominator),
            "n" => Some(Counted::Numerator),
            _ => None,
        }
    }
}

/// Facts for a submission that passed validation (only a valid submission
/// has facts: the proof is the [`ValidSubmission`]).
pub fn facts(form: &Form<'_>, valid: ValidSubmission<'_>) -> Vec<UnitFacts> {
    extract(form, valid.submission())
}

fn extract(form: &Form<'_>, submission: &Submission) -> Vec<UnitFacts> {
    let survey = form.survey;
    let inspection = form.inspect(
        &submission.answers,
        (
            Some(submission.completed_at.local_date()),
            &submission.language,
        ),
        &submission.module_draws,
    );
    let code_of = |id: &str, row: Option<usize>| -> Option<String> {
        let value = inspection.value(id, row);
        (!value.is_empty()).then(|| value.to_text().into_owned())
    };
    let dimensions = |level: Level, row: Option<usize>| {
        let mut unit = UnitFacts::default();
        for role in survey.roles.iter().filter(|role| role.level() == level) {
            match role {
                Role::Sex { question, .. } => unit.sex = code_of(question, row),
                Role::Age { question, .. } => {
                    let age = inspection.value(question, row).to_number();
                    // Ages are integers in completed years; a decimal answer
                    // is truncated as "completed" means.
                    unit.age = age.is_finite().then_some(age.trunc() as i64);
                }
                Role::Location { question, .. } => unit.area = code_of(question, row),
                Role::Displacement { question, .. } => unit.displacement = code_of(question, row),
                Role::UrbanRural { question, .. } => unit.urban_rural = code_of(question, row),
                Role::Disability {
                    questions,
                    disabled_if,
                    ..
                } => {
                    unit.disability =
                        washington_group(questions, disabled_if, |id| inspection.value(id, row))
                }
            }
        }
        unit
    };

    let mut respondent = dimensions(Level::Respondent, None);
    respondent.outcomes = survey
        .indicators
        .iter()
        .filter(|indicator| indicator.unit == Level::Respondent)
        .flat_map(|indicator| outcomes(survey, indicator, &inspection, None))
        .collect();
    let mut units = vec![respondent];

    if let Some(roster) = survey.household_roster() {
        for row in 0..inspection.rows(roster) {
            let mut member = dimensions(Level::Member, Some(row));
            member.unit = u32::try_from(row + 1).unwrap_or(u32::MAX);
            for role in survey
                .roles
                .iter()
                .filter(|role| role.describes_household())
            {
                if !has_role(survey, Level::Member, role.dimension()) {
                    member.take_household(role, &units[0]);
                }
            }
            member.outcomes = survey
                .indicators
                .iter()
                .filter(|indicator| indicator.unit == Level::Member)
                .flat_map(|indicator| outcomes(survey, indicator, &inspection, Some((roster, row))))
                .collect();
            units.push(member);
        }
    }
    units
}

fn has_role(survey: &Survey, level: Level, dimension: &str) -> bool {
    survey
        .roles
        .iter()
        .any(|role| role.level() == level && role.dimension() == dimension)
}

fn washington_group<'a>(
    questions: &[String],
    disabled_if: &[String],
    value: impl Fn(&str) -> Value<'a>,
) -> Option<bool> {
    let mut all_answered = true;
    for question in questions {
        let value = value(question);
        if value.is_empty() {
            all_answered = false;
            continue;
        }
        let code = value.to_text();
        if disabled_if.iter().any(|disabled| *disabled == code) {
            return Some(true);
        }
    }
    all_answered.then_some(false)
}

fn outcomes<'a>(
    survey: &Survey,
    indicator: &'a Indicator,
    inspection: &crate::validate::Inspection<'a>,
    roster_row: Option<(&str, usize)>,
) -> Vec<Outcome> {
    let row = roster_row.map(|(_, row)| row);
    let in_subpopulation = match &indicator.denominator {
        Denominator::Subpopulation { filter } => inspection.holds(filter, roster_row),
        Denominator::All | Denominator::ValidAnswers => true,
    };
    let mut found = Vec::new();
    for (index, component) in indicator.components.iter().enumerate() {
        let codes = inspection.value(&component.question, row).into_codes();
        let missing = |code: &str| missing_category(survey, &component.question, code).is_some();
        let valid = codes.iter().any(|code| !missing(code));
        let in_denominator = in_subpopulation
            && match indicator.denominator {
                Denominator::ValidAnswers => valid,
                Denominator::All | Denominator::Subpopulation { .. } => true,
            };
        let in_numerator = in_denominator
            && codes
                .iter()
                .any(|code| component.numerator.iter().any(|n| n == code));
        let reported = if in_subpopulation {
            codes
                .iter()
                .find(|code| indicator.reported.iter().any(|r| r == code.as_ref()))
                .map(|code| code.clone().into_owned())
        } else {
            None
        };
        let counted = match (in_denominator, in_numerator) {
            (_, true) => Counted::Numerator,
            (true, false) => Counted::Denominator,
            (false, false) => Counted::No,
        };
        if counted != Counted::No || reported.is_some() {
            found.push(Outcome {
                indicator: indicator.id.clone(),
                component: u8::try_from(index).unwrap_or(u8::MAX),
                counted,
                reported,
            });
        }
    }
    found
}

/// Which missing-answer category `code` is for a question, if any.
pub fn missing_category(survey: &Survey, question: &str, code: &str) -> Option<Missing> {
    let place = survey.question(question)?;
    let list = match &place.question.kind {
        QuestionKind::Single { list }
        | QuestionKind::Multiple { list, .. }
        | QuestionKind::Ordinal { list } => list,
        _ => return None,
    };
    survey
        .choice_list(list)?
        .choices
        .iter()
        .find(|choice| choice.value == code)
        .and_then(|choice| choice.missing)
}

/// Outcomes as one line of text for a database column:
/// `indicator:component:counted[:reported]`, space-separated. Indicator ids
/// and codes cannot hold `:` or spaces (`Survey::check`).
pub fn encode_outcomes(outcomes: &[Outcome]) -> String {
    let mut line = String::new();
    for outcome in outcomes {
        if !line.is_empty() {
            line.push(' ');
        }
        let _ = write!(
            line,
            "{}:{}:{}",
            outcome.indicator,
            outcome.component,
            outcome.counted.letter()
        );
        if let Some(reported) = &outcome.reported {
            let _ = write!(line, ":{reported}");
        }
    }
    line
}

/// The borrowed form of an outcome, as read back from its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutcomeRef<'a> {
    pub indicator: &'a str,
    pub component: u8,
    pub counted: Counted,
    pub reported: Option<&'a str>,
}

/// Reads [`encode_outcomes`]'s line; `None` if it is not one.
pub fn decode_outcomes(line: &str) -> Option<Vec<OutcomeRef<'_>>> {
    line.split_whitespace()
        .map(|entry| {
            let mut parts = entry.split(':');
            let indicator = parts.next()?;
            let component = parts.next()?.parse().ok()?;
            let counted = Counted::from_letter(parts.next()?)?;
            let reported = parts.next();
            parts.next().is_none().then_some(OutcomeRef {
                indicator,
                component,
                counted,
                reported,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;

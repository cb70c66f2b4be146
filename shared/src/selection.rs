//! Choosing the respondent of a household interview: one member drawn at
//! random among those old enough to answer for themselves (DOMAIN §3), so
//! that whoever opens the door does not decide who speaks for the household.
//!
//! The device draws; the submission records the rows that were eligible and
//! the row drawn; the validator checks both against the roster as sent, so a
//! selection cannot be bent after the fact without the data showing it.

use serde::{Deserialize, Serialize};

use crate::expr::Value;
use crate::schema::{Level, Role, Survey};

/// Who may be drawn, and from which roster.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eligibility<'s> {
    /// The household roster's question id.
    pub roster: &'s str,
    /// The member question holding age in completed years.
    pub member_age: &'s str,
    pub member_sex: Option<&'s str>,
    /// The youngest age that may self-respond: the survey's
    /// `self_respondent_min_age`, or 18 when it sets no rules for minors.
    pub min_age: u32,
}

/// The default adult age when a survey sets no rules for minors.
const ADULT_AGE: u32 = 18;

impl Survey {
    /// How respondents are selected in this survey's household interviews,
    /// or `None` when it has no household roster with members' ages.
    pub fn respondent_eligibility(&self) -> Option<Eligibility<'_>> {
        let roster = self.household_roster()?;
        let member_question = |wanted: fn(&Role) -> bool| {
            self.roles.iter().find_map(|role| {
                (role.level() == Level::Member && wanted(role))
                    .then(|| role.questions().first().map(String::as_str))
                    .flatten()
            })
        };
        let member_age = member_question(|role| matches!(role, Role::Age { .. }))?;
        let member_sex = member_question(|role| matches!(role, Role::Sex { .. }));
        let min_age = self
            .consent
            .minors
            .as_ref()
            .map_or(ADULT_AGE, |rules| rules.self_respondent_min_age);
        Some(Eligibility {
            roster,
            member_age,
            member_sex,
            min_age,
        })
    }
}

impl Eligibility<'_> {
    /// The rows whose member may be drawn, given each row's age answer.
    pub fn eligible_rows<'v>(&self, rows: usize, age: impl Fn(usize) -> Value<'v>) -> Vec<u32> {
        (0..rows)
            .filter(|row| {
                let years = age(*row).to_number();
                !years.is_nan() && years >= f64::from(self.min_age)
            })
            .filter_map(|row| u32::try_from(row).ok())
            .collect()
    }
}

/// What the device recorded about the draw, sent with the submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RespondentSelection {
    pub roster: String,
    /// Rows (0-based) eligible when the draw was made, in roster order.
    pub eligible_rows: Vec<u32>,
    pub selected_row: u32,
}

/// The draw for a module asked of one household member (a section with
/// `drawn_among`), and whether the enumerator confirmed privacy before it:
/// without that confirmation the module is skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ModuleDraw {
    /// The module's section id.
    pub section: String,
    /// Household roster rows (0-based) eligible when the draw was made.
    pub eligible_rows: Vec<u32>,
    pub selected_row: u32,
    pub privacy_confirmed: bool,
}

/// Draws one of `eligible` with a uniform random number in [0, 1) (the
/// browser's `crypto.getRandomValues` on devices), or `None` when no one
/// is eligible.
pub fn draw(eligible: &[u32], uniform: f64) -> Option<u32> {
    if eligible.is_empty() || !(0.0..1.0).contains(&uniform) {
        return None;
    }
    let index = (uniform * eligible.len() as f64) as usize;
    eligible.get(index.min(eligible.len() - 1)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_questionnaire_draws_among_members_15_and_over() {
        let survey = crate::community_safety();
        let eligibility = survey.respondent_eligibility().expect("a household roster");
        assert_eq!(eligibility.roster, "household");
        assert_eq!(eligibility.member_age, "mem_age");
        assert_eq!(eligibility.member_sex, Some("mem_sex"));
        let ages = [
            Value::Number(40.0),
            Value::Number(9.0),
            Value::Empty,
            Value::Number(15.0),
        ];
        assert_eq!(
            eligibility.eligible_rows(ages.len(), |row| ages[row].clone()),
            vec![0, 3]
        );
    }

    #[test]
    fn every_eligible_member_can_be_drawn_and_no_one_else() {
        let eligible = [2, 5, 7];
        let drawn: Vec<u32> = (0..30)
            .filter_map(|i| draw(&eligible, f64::from(i) / 30.0))
            .collect();
        for row in eligible {
            assert_eq!(drawn.iter().filter(|r| **r == row).count(), 10);
        }
        assert_eq!(draw(&[], 0.5), None);
        assert_eq!(draw(&eligible, 1.0), None, "outside [0, 1)");
        assert_eq!(draw(&eligible, 0.999_999_999), Some(7));
    }
}

#[cfg(test)]
mod cluster_area {
    /// An interview in a cluster starts in the cluster's area: the path
    /// from the region down to the district, as the question's answer.
    #[test]
    fn a_clusters_district_prefills_the_respondents_area() {
        let survey = crate::community_safety();
        let (question, answer) = survey
            .location_answer("north-hills")
            .expect("a district of the default questionnaire");
        assert_eq!(question, "resp_area");
        assert_eq!(answer, serde_json::json!(["north", "north-hills"]));
        let names: Vec<&str> = survey
            .area_path("north-hills")
            .expect("found")
            .iter()
            .map(|area| area.name.get("en", "en"))
            .collect();
        assert_eq!(names, ["North Region", "Hills District"]);
        // A region is not a district: the question needs both levels.
        assert_eq!(survey.location_answer("north"), None);
        assert_eq!(survey.location_answer("atlantis"), None);
    }
}

#[cfg(test)]
mod redraw {
    use super::RespondentSelection;
    use crate::FieldErrorCode;

    fn selection(eligible_rows: Vec<u32>, selected_row: u32) -> RespondentSelection {
        RespondentSelection {
            roster: "household".into(),
            eligible_rows,
            selected_row,
        }
    }

    fn errors(submission: &crate::Submission) -> Vec<(String, FieldErrorCode)> {
        match crate::validate(&crate::community_safety(), submission) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| (e.path, e.code)).collect(),
        }
    }

    /// A draw voided by a corrected list is kept beside the one that
    /// counts; the rules check its shape, not the list it was made on.
    #[test]
    fn a_redraw_after_a_corrected_list_keeps_both_draws() {
        let mut interview = crate::sample::household_interview();
        // The sample household: 34, 39, 12, 9, 4, 67 → rows 0, 1 and 5.
        interview.respondent_selection = Some(selection(vec![0, 1, 5], 0));
        // Drawn first when the 39-year-old was listed as 14.
        interview.earlier_draws = vec![selection(vec![0, 5], 5)];
        assert_eq!(errors(&interview), []);

        let mut bent = interview.clone();
        bent.earlier_draws = vec![selection(vec![0, 5], 2), selection(vec![5, 0], 5)];
        assert_eq!(
            errors(&bent),
            [
                (
                    "earlier_draws[0]".to_owned(),
                    FieldErrorCode::InvalidSelection
                ),
                (
                    "earlier_draws[1]".to_owned(),
                    FieldErrorCode::InvalidSelection
                ),
            ]
        );
        let mut other_roster = interview.clone();
        other_roster.earlier_draws[0].roster = "neighbours".into();
        assert_eq!(
            errors(&other_roster),
            [(
                "earlier_draws[0]".to_owned(),
                FieldErrorCode::InvalidSelection
            )]
        );
        // No redraw without a draw that counts, and only a few.
        let mut alone = interview.clone();
        alone.respondent_selection = None;
        assert_eq!(
            errors(&alone),
            [("earlier_draws".to_owned(), FieldErrorCode::InvalidSelection)]
        );
        let mut many = interview;
        many.earlier_draws = vec![selection(vec![0], 0); crate::validate::MAX_EARLIER_DRAWS + 1];
        assert_eq!(
            errors(&many),
            [("earlier_draws".to_owned(), FieldErrorCode::InvalidSelection)]
        );
    }
}

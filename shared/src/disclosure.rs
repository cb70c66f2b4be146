//! A survey's disclosure policy (DOMAIN §4): what the server may show of its
//! answers to anyone but an admin checking figures. Set by admins per
//! survey; analysts may ask for stricter, never for laxer. Shared so the
//! console refuses the same values the server refuses, and so the
//! analysts' page offers only what the policy allows.
//!
//! The policy is also what makes separate tables impossible to subtract
//! from one another: dates are filtered on whole periods of one length
//! only, areas on released levels only, ages in one set of bands per unit
//! level, so that every table an analyst may ask for is a slice or a
//! margin of one canonical table whose suppression is worked out once
//! (see `suppression`).

use serde::{Deserialize, Serialize};

use crate::aggregate::AgeScheme;
use crate::api::ErrorField;
use crate::date::Date;
use crate::publication::Rule;
use crate::schema::Level;

/// The bounds an admin may set, and why.
pub mod bounds {
    use std::ops::RangeInclusive;

    /// An estimate over fewer than 10 cases is never publishable, whatever
    /// the rule; above 1000 nothing of a survey would be.
    pub const MIN_N: RangeInclusive<u32> = 10..=1000;
    pub const CAUTION_N: RangeInclusive<u32> = 10..=5000;
    /// k below 3 shows ones and twos, which is what suppression is for.
    pub const MIN_COUNT: RangeInclusive<u32> = 3..=1000;
    /// The deepest admin-area level a survey may define.
    pub const AREA_LEVEL: RangeInclusive<u8> = 1..=8;
    /// A weight more than this many times another is a typing mistake or
    /// an attack (1 against 1e-300 isolates one cluster).
    pub const MAX_WEIGHT_RATIO: RangeInclusive<f64> = 2.0..=100_000.0;
}

/// The shortest stretch of time a date filter may select. Only whole
/// periods of exactly this length may be asked for: a table for one month
/// and a table for the next month cannot be subtracted into a day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    #[default]
    Month,
    Quarter,
    Year,
    /// No date filter at all: only the whole fieldwork.
    Fieldwork,
}

impl Period {
    pub const ALL: [Period; 4] = [
        Period::Month,
        Period::Quarter,
        Period::Year,
        Period::Fieldwork,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
            Period::Fieldwork => "fieldwork",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|period| period.as_str() == name)
    }

    fn months(self) -> Option<i32> {
        match self {
            Period::Month => Some(1),
            Period::Quarter => Some(3),
            Period::Year => Some(12),
            Period::Fieldwork => None,
        }
    }

    /// The number of the period holding `date` (months, quarters or years
    /// since year 0); `None` for [`Period::Fieldwork`].
    pub fn index(self, date: Date) -> Option<i32> {
        let months = self.months()?;
        let (year, month, _) = date.ymd();
        Some((year * 12 + month as i32 - 1).div_euclid(months))
    }

    /// The first and last day of period `index`.
    pub fn bounds(self, index: i32) -> Option<(Date, Date)> {
        let months = self.months()?;
        let first_month = index.checked_mul(months)?;
        let last_month = first_month.checked_add(months - 1)?;
        let first = Date::from_ymd(
            first_month.div_euclid(12),
            (first_month.rem_euclid(12) + 1) as u32,
            1,
        )?;
        let after = last_month.checked_add(1)?;
        let next = Date::from_ymd(after.div_euclid(12), (after.rem_euclid(12) + 1) as u32, 1)?;
        Some((first, Date::from_days(next.days() - 1)))
    }

    /// The period `from..=to` is exactly, if it is one whole period.
    pub fn whole(self, from: Date, to: Date) -> Option<i32> {
        let index = self.index(from)?;
        (self.bounds(index)? == (from, to)).then_some(index)
    }
}

/// `GET`/`PUT /api/surveys/{survey_id}/disclosure`: a survey's policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DisclosurePolicy {
    /// Fewest unweighted cases an estimate is shown over (DHS/MICS: 25).
    pub min_n: u32,
    /// Estimates over fewer cases than this are shown in parentheses, "use
    /// with caution" (DHS/MICS: 50).
    pub caution_n: u32,
    /// k: the smallest non-zero count shown (reported categories such as
    /// "don't know", and every count of units); smaller ones are withheld.
    pub min_count: u32,
    /// The publication rules analysts may choose from; the first is the
    /// default. Whichever is chosen, a cell is withheld when any allowed
    /// rule withholds it, so the choice changes flags, never what is shown.
    pub rules: Vec<Rule>,
    /// The length of the only date periods a filter may select.
    pub period: Period,
    /// The deepest admin-area level shown or filtered on (1 = top).
    pub area_level: u8,
    /// Age bands for respondents' indicators: one set, so that two sets of
    /// bands cannot be subtracted into a narrower one.
    pub respondent_age_scheme: AgeScheme,
    /// Age bands for household members' indicators.
    pub member_age_scheme: AgeScheme,
    /// The largest ratio between the largest and the smallest weight a
    /// weights upload may give.
    pub max_weight_ratio: f64,
}

impl Default for DisclosurePolicy {
    fn default() -> Self {
        Self {
            min_n: 25,
            caution_n: 50,
            min_count: 5,
            rules: vec![Rule::DhsMics, Rule::Nchs],
            period: Period::Month,
            area_level: 1,
            respondent_age_scheme: AgeScheme::UnAdult,
            member_age_scheme: AgeScheme::Sadd,
            max_weight_ratio: 100.0,
        }
    }
}

impl DisclosurePolicy {
    /// Every problem with the policy, each at its field.
    pub fn problems(&self) -> Vec<ErrorField> {
        let mut problems = Vec::new();
        let mut out_of = |field: &str, low: String, high: String| {
            problems.push(ErrorField::new(
                field,
                "out_of_range",
                format!("must be from {low} to {high}"),
            ));
        };
        if !bounds::MIN_N.contains(&self.min_n) {
            out_of(
                "min_n",
                bounds::MIN_N.start().to_string(),
                bounds::MIN_N.end().to_string(),
            );
        }
        if !bounds::CAUTION_N.contains(&self.caution_n) || self.caution_n < self.min_n {
            out_of(
                "caution_n",
                self.min_n.max(*bounds::CAUTION_N.start()).to_string(),
                bounds::CAUTION_N.end().to_string(),
            );
        }
        if !bounds::MIN_COUNT.contains(&self.min_count) {
            out_of(
                "min_count",
                bounds::MIN_COUNT.start().to_string(),
                bounds::MIN_COUNT.end().to_string(),
            );
        }
        if !bounds::AREA_LEVEL.contains(&self.area_level) {
            out_of(
                "area_level",
                bounds::AREA_LEVEL.start().to_string(),
                bounds::AREA_LEVEL.end().to_string(),
            );
        }
        if !(self.max_weight_ratio.is_finite()
            && bounds::MAX_WEIGHT_RATIO.contains(&self.max_weight_ratio))
        {
            out_of(
                "max_weight_ratio",
                bounds::MAX_WEIGHT_RATIO.start().to_string(),
                bounds::MAX_WEIGHT_RATIO.end().to_string(),
            );
        }
        if self.rules.is_empty() {
            problems.push(ErrorField::new(
                "rules",
                "required",
                "at least one publication rule must be allowed",
            ));
        }
        for (at, rule) in self.rules.iter().enumerate() {
            if self.rules[..at].contains(rule) {
                problems.push(ErrorField::new(
                    format!("rules[{at}]"),
                    "duplicate",
                    format!("{} is listed twice", rule.as_str()),
                ));
            }
        }
        problems
    }

    /// The rule a query gets when it names none.
    pub fn default_rule(&self) -> Rule {
        self.rules.first().copied().unwrap_or_default()
    }

    /// The age bands of indicators about units of `level`.
    pub fn age_scheme(&self, level: Level) -> AgeScheme {
        match level {
            Level::Respondent => self.respondent_age_scheme,
            Level::Member => self.member_age_scheme,
        }
    }
}

/// Most versions `GET /api/surveys/{survey_id}/disclosure` lists: a
/// policy is set a handful of times in a survey's life.
pub const HISTORY_SHOWN: usize = 50;

/// One version of a survey's policy, as set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyVersion {
    /// 1 for the first policy set, then one more each time.
    pub version: u32,
    pub policy: DisclosurePolicy,
    pub set_by: String,
    pub set_at: String,
}

/// `GET /api/surveys/{survey_id}/disclosure`, and the answer to its `PUT`:
/// the policy in force, who set it, and every earlier version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyDisclosure {
    pub survey_id: String,
    /// The policy the server applies now.
    pub policy: DisclosurePolicy,
    /// Its version; 0 when none was ever set and the defaults apply.
    pub version: u32,
    pub set_by: Option<String>,
    pub set_at: Option<String>,
    /// The deepest admin-area level the survey defines: `area_level` may
    /// not be deeper.
    pub survey_area_levels: u8,
    /// Versions set, newest first (at most [`HISTORY_SHOWN`]).
    pub history: Vec<PolicyVersion>,
}

/// The deepest admin-area level `survey` defines (1 when it names none:
/// its areas, if any, are one level).
pub fn survey_area_levels(survey: &crate::Survey) -> u8 {
    u8::try_from(survey.area_levels.len().max(1)).unwrap_or(u8::MAX)
}

impl DisclosurePolicy {
    /// [`DisclosurePolicy::problems`], and what `survey` itself rules out:
    /// an area level deeper than the survey's.
    pub fn problems_for(&self, survey: &crate::Survey) -> Vec<ErrorField> {
        let mut problems = self.problems();
        let levels = survey_area_levels(survey);
        if bounds::AREA_LEVEL.contains(&self.area_level) && self.area_level > levels {
            problems.push(ErrorField::new(
                "area_level",
                "out_of_range",
                format!("this survey's areas have {levels} level(s): from 1 to {levels}"),
            ));
        }
        problems
    }

    /// Each setting as `name value`, in the field order, for the audit log
    /// and the command line.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let rules: Vec<&str> = self.rules.iter().map(|rule| rule.as_str()).collect();
        vec![
            ("min_n", self.min_n.to_string()),
            ("caution_n", self.caution_n.to_string()),
            ("min_count", self.min_count.to_string()),
            ("rules", rules.join(",")),
            ("period", self.period.as_str().to_owned()),
            ("area_level", self.area_level.to_string()),
            (
                "respondent_age_scheme",
                self.respondent_age_scheme.as_str().to_owned(),
            ),
            (
                "member_age_scheme",
                self.member_age_scheme.as_str().to_owned(),
            ),
            ("max_weight_ratio", self.max_weight_ratio.to_string()),
        ]
    }

    /// What changes from `self` to `new`, one `name old → new` a setting
    /// (the audit log's words); empty when nothing does.
    pub fn changes_to(&self, new: &DisclosurePolicy) -> Vec<String> {
        self.settings()
            .into_iter()
            .zip(new.settings())
            .filter(|((_, old), (_, new))| old != new)
            .map(|((name, old), (_, new))| format!("{name} {old} → {new}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_have_bounds_and_whole_ones_are_recognised() {
        let date = |text| Date::parse(text).expect("a date");
        let march = Period::Month.index(date("2026-03-17")).expect("a month");
        assert_eq!(
            Period::Month.bounds(march),
            Some((date("2026-03-01"), date("2026-03-31")))
        );
        let q1 = Period::Quarter
            .index(date("2024-02-29"))
            .expect("a quarter");
        assert_eq!(
            Period::Quarter.bounds(q1),
            Some((date("2024-01-01"), date("2024-03-31")))
        );
        assert_eq!(
            Period::Year.whole(date("2025-01-01"), date("2025-12-31")),
            Period::Year.index(date("2025-06-01"))
        );
        assert_eq!(
            Period::Month.whole(date("2026-03-01"), date("2026-03-30")),
            None
        );
        assert_eq!(
            Period::Month.whole(date("2026-03-02"), date("2026-04-01")),
            None
        );
        assert_eq!(Period::Fieldwork.index(date("2026-03-01")), None);
        // Every day of a few years lies inside its own period's bounds.
        for day in date("2023-12-01").days()..date("2027-02-01").days() {
            let at = Date::from_days(day);
            for period in [Period::Month, Period::Quarter, Period::Year] {
                let index = period.index(at).expect("a period");
                let (first, last) = period.bounds(index).expect("its bounds");
                assert!(first <= at && at <= last, "{period:?} {at}");
            }
        }
    }

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(DisclosurePolicy::default().problems().is_empty());
        let bad = DisclosurePolicy {
            min_n: 2,
            caution_n: 1,
            min_count: 1,
            rules: vec![Rule::Nchs, Rule::Nchs],
            area_level: 0,
            max_weight_ratio: f64::NAN,
            ..DisclosurePolicy::default()
        };
        let fields: Vec<String> = bad.problems().into_iter().map(|p| p.path).collect();
        assert_eq!(
            fields,
            [
                "min_n",
                "caution_n",
                "min_count",
                "area_level",
                "max_weight_ratio",
                "rules[1]"
            ]
        );
    }

    #[test]
    fn a_survey_bounds_the_area_level_and_changes_are_named() {
        let survey = crate::community_safety();
        let levels = survey_area_levels(&survey);
        let deep = DisclosurePolicy {
            area_level: levels + 1,
            ..DisclosurePolicy::default()
        };
        let fields: Vec<String> = deep
            .problems_for(&survey)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(fields, ["area_level"]);
        let deepest = DisclosurePolicy {
            area_level: levels,
            ..DisclosurePolicy::default()
        };
        assert!(deepest.problems_for(&survey).is_empty());

        let old = DisclosurePolicy::default();
        assert!(old.changes_to(&old).is_empty());
        let new = DisclosurePolicy {
            min_n: 30,
            rules: vec![Rule::Nchs],
            period: Period::Quarter,
            ..old.clone()
        };
        assert_eq!(
            old.changes_to(&new),
            [
                "min_n 25 → 30",
                "rules dhs_mics,nchs → nchs",
                "period month → quarter"
            ]
        );
    }
}

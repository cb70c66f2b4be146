//! A survey's retention date (DOMAIN §5): the last day its raw data is
//! kept. The day after, the survey takes no more answers and the server
//! destroys its submissions and everything computed from them one
//! respondent at a time; for [`WARNING_DAYS`] before, the console warns
//! the survey team. Shared so the console shows exactly the standing the
//! server acts on, and refuses the same dates before sending them.

use serde::{Deserialize, Serialize};

use crate::api::ErrorField;
use crate::date::Date;

/// How many days before the retention date the console warns that the
/// raw data is about to be destroyed: time to download the tables to keep
/// and, if the ethics approval allows it, to postpone.
pub const WARNING_DAYS: i32 = 30;

/// The furthest a retention date may be set, in days from today (about 50
/// years): a date is a promise to respondents, and a far-off one is a
/// typing mistake more often than a decision.
pub const MAX_DAYS_AHEAD: i32 = 50 * 366;

/// `PUT /api/surveys/{survey_id}/retention`: the last day the raw data is
/// kept, `YYYY-MM-DD` (UTC). Today or later: a date already past would
/// destroy the data at once, which no form field should be able to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionSetting {
    pub retain_until: String,
}

/// A survey's retention as `GET /api/surveys/{survey_id}/retention` (and
/// the staff's survey listing) report it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Retention {
    /// The last day the raw data is kept (`YYYY-MM-DD`); none set yet: the
    /// raw data is kept until one is.
    pub retain_until: Option<String>,
    pub set_by: Option<String>,
    pub set_at: Option<String>,
    /// The server's date (UTC) that the standing is counted from.
    pub today: String,
    pub standing: Standing,
    /// Days from today to the retention date (0: today is the last day);
    /// none when no date is set or it has passed.
    pub days_left: Option<i32>,
    /// When the raw data was first destroyed, and how many submissions
    /// were destroyed altogether.
    pub destroyed_at: Option<String>,
    pub destroyed_submissions: u64,
}

/// Where a survey stands against its retention date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// No date: the raw data is kept until one is set.
    NotSet,
    /// Kept, with more than [`WARNING_DAYS`] to go.
    Kept,
    /// Kept, but destroyed within [`WARNING_DAYS`].
    Warning,
    /// The date has passed: no more answers, raw data destroyed.
    Passed,
}

/// The standing of a survey kept until `retain_until` on `today`, and the
/// days left while it is kept.
pub fn standing(retain_until: Option<Date>, today: Date) -> (Standing, Option<i32>) {
    let Some(last_day) = retain_until else {
        return (Standing::NotSet, None);
    };
    let days_left = last_day.days().saturating_sub(today.days());
    if days_left < 0 {
        (Standing::Passed, None)
    } else if days_left <= WARNING_DAYS {
        (Standing::Warning, Some(days_left))
    } else {
        (Standing::Kept, Some(days_left))
    }
}

/// Whether the raw data kept until `retain_until` is due for destruction
/// on `today`.
pub fn has_passed(retain_until: Date, today: Date) -> bool {
    retain_until < today
}

/// A new retention date read from `text`, or the problem with it (at the
/// field `retain_until`).
pub fn new_date(text: &str, today: Date) -> Result<Date, ErrorField> {
    let refuse = |code: &str, message: String| ErrorField::new("retain_until", code, message);
    let Some(date) = Date::parse(text) else {
        return Err(refuse(
            "invalid_date",
            format!(
                "`{}` is not a date: write it as YYYY-MM-DD, for example {}",
                crate::text::shown(text, 40),
                Date::from_days(today.days().saturating_add(365))
            ),
        ));
    };
    if date < today {
        return Err(refuse(
            "date_passed",
            format!(
                "{date} has passed: the raw data would be destroyed at once; choose today ({today}) or later"
            ),
        ));
    }
    if date.days() > today.days().saturating_add(MAX_DAYS_AHEAD) {
        return Err(refuse(
            "date_too_far",
            format!("{date} is more than 50 years away; check the year"),
        ));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).expect("a date")
    }

    #[test]
    fn the_last_day_is_kept_and_the_next_is_not() {
        let last = day("2027-06-30");
        assert_eq!(
            standing(Some(last), day("2027-06-30")),
            (Standing::Warning, Some(0))
        );
        assert!(!has_passed(last, day("2027-06-30")));
        assert_eq!(
            standing(Some(last), day("2027-07-01")),
            (Standing::Passed, None)
        );
        assert!(has_passed(last, day("2027-07-01")));
    }

    #[test]
    fn the_warning_starts_thirty_days_before() {
        let last = day("2027-06-30");
        assert_eq!(
            standing(Some(last), day("2027-05-31")),
            (Standing::Warning, Some(30))
        );
        assert_eq!(
            standing(Some(last), day("2027-05-30")),
            (Standing::Kept, Some(31))
        );
        assert_eq!(standing(None, day("2027-05-30")), (Standing::NotSet, None));
    }

    #[test]
    fn new_dates_are_today_or_later_and_within_fifty_years() {
        let today = day("2026-12-07");
        assert_eq!(new_date("2026-12-07", today), Ok(today));
        assert_eq!(new_date("2027-06-30", today), Ok(day("2027-06-30")));
        for (text, code) in [
            ("2026-12-06", "date_passed"),
            ("2096-12-08", "date_too_far"),
            ("30/06/2027", "invalid_date"),
            ("2027-02-30", "invalid_date"),
            ("", "invalid_date"),
            ("2027-06-30\u{1b}[2J", "invalid_date"),
        ] {
            let refused = new_date(text, today).expect_err(text);
            assert_eq!(refused.code, code, "{text}");
            assert_eq!(refused.path, "retain_until");
            assert!(!refused.message.contains('\u{1b}'), "{}", refused.message);
        }
    }
}

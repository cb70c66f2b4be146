//! Releases: the tables a survey team chooses to show the public at
//! `/results/{survey}` (issue 18). A release names one indicator, up to
//! two breakdowns, one whole period of the disclosure policy (or the whole
//! fieldwork) and one channel or both, with a title and a note in the
//! survey's languages. Only released tables are ever public; the server
//! computes them through the policy, as a set.
//!
//! Shared so the console refuses what the server refuses, with the same
//! field paths, before anything is sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Survey;
use crate::aggregate::{Dimension, available_breakdowns};
use crate::api::ErrorField;
use crate::date::Date;
use crate::disclosure::{DisclosurePolicy, Period};
use crate::schema::{Channel, Indicator};

/// At most two breakdowns: a public table a reader can take in at a
/// glance, and fewer small cells to protect.
pub const MAX_BREAKDOWNS: usize = 2;
/// A title is a heading, not a paragraph.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 2000;
/// Most live releases a survey may have: bounds the public page's size
/// and the work of protecting the released tables as a set.
pub const MAX_LIVE_RELEASES: usize = 50;

/// `POST /api/surveys/{survey_id}/releases` (a new release) and
/// `PUT /api/surveys/{survey_id}/releases/{release_id}` (its next version).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReleaseSpec {
    /// One of the survey's indicators.
    pub indicator: String,
    /// Up to two of the breakdowns the indicator's unit has (`sex`,
    /// `age_band`, `area`, `disability`, `displacement`, `urban_rural`).
    #[serde(default)]
    pub by: Vec<String>,
    /// First and last day (`YYYY-MM-DD`) of one whole period of the
    /// survey's disclosure policy; both absent: the whole fieldwork.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `enumerator` or `online`; absent: both populations (never pooled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The title per language of the survey; the survey's default
    /// language is required, the others fall back to it.
    pub title: BTreeMap<String, String>,
    /// An optional note per language: what the figures say, their caveats.
    #[serde(default)]
    pub note: BTreeMap<String, String>,
}

/// A release as stored: one version of it, and whether it is live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    pub survey_id: String,
    /// Numbered from 1 within the survey; names the CSV download.
    pub release_id: u32,
    /// Each edit is a new version; earlier ones are kept.
    pub version: u32,
    pub spec: ReleaseSpec,
    pub released_by: String,
    pub released_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<String>,
}

impl Release {
    /// Shown on the public page: this is the latest version and it has
    /// not been withdrawn.
    pub fn live(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

/// `GET /api/surveys/{survey_id}/releases`: the latest version of each
/// release, live or withdrawn, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseList {
    pub releases: Vec<Release>,
    /// Where the public sees them.
    pub public_page: String,
}

/// A release's spec once checked against its survey and policy.
#[derive(Clone, Debug)]
pub struct CheckedRelease<'s> {
    pub indicator: &'s Indicator,
    pub by: Vec<Dimension>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub channel: Option<Channel>,
}

impl ReleaseSpec {
    /// The spec read against `survey` (its latest version) and `policy`,
    /// or every problem at its field.
    pub fn check<'s>(
        &self,
        survey: &'s Survey,
        policy: &DisclosurePolicy,
    ) -> Result<CheckedRelease<'s>, Vec<ErrorField>> {
        let mut problems = Vec::new();
        let indicator = survey.indicators.iter().find(|i| i.id == self.indicator);
        if indicator.is_none() {
            problems.push(ErrorField::new(
                "indicator",
                "unknown",
                format!(
                    "no indicator `{}` in this survey",
                    crate::text::shown(&self.indicator, 40)
                ),
            ));
        }
        let mut by = Vec::new();
        if self.by.len() > MAX_BREAKDOWNS {
            problems.push(ErrorField::new(
                "by",
                "too_many",
                format!("at most {MAX_BREAKDOWNS} breakdowns"),
            ));
        } else {
            let available = indicator
                .map(|indicator| available_breakdowns(survey, indicator.unit))
                .unwrap_or_default();
            for (at, name) in self.by.iter().enumerate() {
                match Dimension::parse(name) {
                    Some(dimension) if by.contains(&dimension) => problems.push(ErrorField::new(
                        format!("by[{at}]"),
                        "duplicate",
                        format!("{name} is given twice"),
                    )),
                    Some(dimension) if indicator.is_none() || available.contains(&dimension) => {
                        by.push(dimension)
                    }
                    _ => problems.push(ErrorField::new(
                        format!("by[{at}]"),
                        "unknown",
                        format!(
                            "not a breakdown of this indicator: `{}`",
                            crate::text::shown(name, 40)
                        ),
                    )),
                }
            }
        }
        let (from, to) = self.period(policy, &mut problems);
        let channel = match self.channel.as_deref() {
            None => None,
            Some(name) => {
                let channel = Channel::ALL.into_iter().find(|c| c.as_str() == name);
                if channel.is_none() {
                    problems.push(ErrorField::new(
                        "channel",
                        "unknown",
                        "must be `enumerator` or `online`, or left out for both",
                    ));
                }
                channel
            }
        };
        texts(
            "title",
            &self.title,
            survey,
            MAX_TITLE_CHARS,
            true,
            &mut problems,
        );
        texts(
            "note",
            &self.note,
            survey,
            MAX_NOTE_CHARS,
            false,
            &mut problems,
        );
        match indicator {
            Some(indicator) if problems.is_empty() => Ok(CheckedRelease {
                indicator,
                by,
                from,
                to,
                channel,
            }),
            _ => Err(problems),
        }
    }

    fn period(
        &self,
        policy: &DisclosurePolicy,
        problems: &mut Vec<ErrorField>,
    ) -> (Option<Date>, Option<Date>) {
        let date = |field: &str, text: &Option<String>, problems: &mut Vec<ErrorField>| {
            let text = text.as_deref()?;
            let date = Date::parse(text);
            if date.is_none() {
                problems.push(ErrorField::new(field, "not_a_date", "must be YYYY-MM-DD"));
            }
            date
        };
        let from = date("from", &self.from, problems);
        let to = date("to", &self.to, problems);
        match (&self.from, &self.to) {
            (None, None) => (None, None),
            (Some(_), None) | (None, Some(_)) => {
                let missing = if self.from.is_none() { "from" } else { "to" };
                problems.push(ErrorField::new(
                    missing,
                    "required",
                    "give both the first and the last day, or neither for the whole fieldwork",
                ));
                (None, None)
            }
            (Some(_), Some(_)) => {
                if let (Some(first), Some(last)) = (from, to)
                    && policy.period.whole(first, last).is_none()
                {
                    let message = match policy.period {
                        Period::Fieldwork => {
                            "this survey's policy releases the whole fieldwork only".to_owned()
                        }
                        period => format!(
                            "must be one whole {} of the survey's disclosure policy",
                            period.as_str()
                        ),
                    };
                    problems.push(ErrorField::new("from", "not_a_whole_period", message));
                }
                (from, to)
            }
        }
    }

    /// The title in `language`, else in the survey's default language.
    pub fn title_in<'a>(&'a self, language: &str, default: &str) -> &'a str {
        in_language(&self.title, language, default)
    }

    /// The note in `language`, else in the default one; empty if none.
    pub fn note_in<'a>(&'a self, language: &str, default: &str) -> &'a str {
        in_language(&self.note, language, default)
    }
}

fn in_language<'a>(texts: &'a BTreeMap<String, String>, language: &str, default: &str) -> &'a str {
    texts
        .get(language)
        .or_else(|| texts.get(default))
        .or_else(|| texts.values().next())
        .map_or("", String::as_str)
}

/// Texts per language: languages of the survey only, each a bounded line
/// (a note may break lines) without control characters.
fn texts(
    field: &str,
    texts: &BTreeMap<String, String>,
    survey: &Survey,
    max_chars: usize,
    required: bool,
    problems: &mut Vec<ErrorField>,
) {
    if required && !texts.contains_key(&survey.default_language) {
        problems.push(ErrorField::new(
            format!("{field}.{}", survey.default_language),
            "required",
            "required in the survey's default language",
        ));
    }
    for (language, text) in texts {
        let path = format!("{field}.{}", crate::text::shown(language, 20));
        if !survey.languages.iter().any(|own| own == language) {
            problems.push(ErrorField::new(
                path,
                "unknown_language",
                format!(
                    "not a language of this survey ({})",
                    survey.languages.join(", ")
                ),
            ));
            continue;
        }
        let allowed = |c: char| !c.is_control() || (!required && c == '\n');
        if required && text.trim().is_empty() {
            problems.push(ErrorField::new(path, "required", "must not be empty"));
        } else if text.chars().count() > max_chars {
            problems.push(ErrorField::new(
                path,
                "too_long",
                format!("at most {max_chars} characters"),
            ));
        } else if !text.chars().all(allowed) {
            problems.push(ErrorField::new(
                path,
                "control_character",
                "must not hold control characters",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ReleaseSpec {
        ReleaseSpec {
            indicator: "sdg_16_1_4".into(),
            by: vec!["sex".into()],
            title: [("en".to_owned(), "Feeling safe".to_owned())].into(),
            ..ReleaseSpec::default()
        }
    }

    fn paths(spec: &ReleaseSpec) -> Vec<String> {
        let survey = crate::community_safety();
        match spec.check(&survey, &DisclosurePolicy::default()) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.into_iter().map(|p| p.path).collect(),
        }
    }

    #[test]
    fn a_plain_release_passes() {
        assert_eq!(paths(&spec()), Vec::<String>::new());
        let month = ReleaseSpec {
            from: Some("2026-03-01".into()),
            to: Some("2026-03-31".into()),
            channel: Some("enumerator".into()),
            by: vec!["sex".into(), "age_band".into()],
            ..spec()
        };
        assert_eq!(paths(&month), Vec::<String>::new());
    }

    #[test]
    fn every_problem_is_named_at_its_field() {
        let bad = ReleaseSpec {
            indicator: "sdg_16_1_4".into(),
            by: vec!["sex".into(), "sex".into()],
            from: Some("2026-03-02".into()),
            to: Some("2026-03-31".into()),
            channel: Some("fax".into()),
            title: [
                ("en".to_owned(), "a\u{7}b".to_owned()),
                ("sw".to_owned(), "Usalama".to_owned()),
            ]
            .into(),
            note: [("fr".to_owned(), "x".repeat(MAX_NOTE_CHARS + 1))].into(),
        };
        assert_eq!(
            paths(&bad),
            [
                "by[1]", "from", "channel", "title.en", "title.sw", "note.fr"
            ]
        );
        let three = ReleaseSpec {
            by: vec!["sex".into(), "area".into(), "age_band".into()],
            ..spec()
        };
        assert_eq!(paths(&three), ["by"]);
        let unknown = ReleaseSpec {
            indicator: "nope".into(),
            by: vec!["shoe_size".into()],
            title: BTreeMap::new(),
            ..spec()
        };
        assert_eq!(paths(&unknown), ["indicator", "by[0]", "title.en"]);
        let half = ReleaseSpec {
            to: Some("2026-03-31".into()),
            ..spec()
        };
        assert_eq!(paths(&half), ["from"]);
    }

    #[test]
    fn a_note_may_break_lines_a_title_may_not() {
        let lines = ReleaseSpec {
            title: [("en".to_owned(), "one\ntwo".to_owned())].into(),
            note: [("en".to_owned(), "one\ntwo".to_owned())].into(),
            ..spec()
        };
        assert_eq!(paths(&lines), ["title.en"]);
    }

    #[test]
    fn titles_fall_back_to_the_default_language() {
        let spec = ReleaseSpec {
            title: [
                ("en".to_owned(), "Safe".to_owned()),
                ("ar".to_owned(), "آمن".to_owned()),
            ]
            .into(),
            ..spec()
        };
        assert_eq!(spec.title_in("ar", "en"), "آمن");
        assert_eq!(spec.title_in("fr", "en"), "Safe");
        assert_eq!(spec.note_in("fr", "en"), "");
    }
}

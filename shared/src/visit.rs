//! A visit to a sampled household and what came of it (issue 16 item 5):
//! every call, not only the interviews completed, so that refusals, empty
//! dwellings and call-backs are counted and response rates can be reported
//! (`response_rate`). A visit carries no answer: a refusal is a code, never
//! a record of what the household said.
//!
//! The device makes the visit's id before the first attempt to send it, as
//! it does a submission's, so a resend is recognised and stored once.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::Timestamp;
use crate::field_error::FieldErrorCode;
use crate::text::{MAX_CODE_LENGTH, is_envelope_code};

/// Longest note an enumerator may leave on a visit ("call back after 5 pm").
pub const MAX_NOTE_CHARS: usize = 500;

/// No device records a visit more than a day ahead of the server's clock
/// (time zones and drift included).
const LATEST_AHEAD_SECONDS: i64 = 86_400;

/// 2000-01-01T00:00:00Z: no fieldwork of Salama's happened before.
const EARLIEST: i64 = 946_684_800;

/// What one visit to a household came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    /// The household list and the drawn respondent's interview, finished.
    Completed,
    /// The interview was begun and broken off.
    Partial,
    /// The household's informant refused before the household list.
    HouseholdRefused,
    /// No household member, or no one able to answer, was at home.
    NoOneHome,
    /// The dwelling is empty (not a household: out of the sample's scope).
    Vacant,
    /// The dwelling could not be found, or was destroyed.
    NotFound,
    /// The household list was made; the drawn respondent (or, for a minor,
    /// the parent or the minor) refused.
    RespondentRefused,
    /// The household list was made; the drawn respondent was not available.
    RespondentUnavailable,
}

impl VisitOutcome {
    pub const ALL: [VisitOutcome; 8] = [
        Self::Completed,
        Self::Partial,
        Self::HouseholdRefused,
        Self::NoOneHome,
        Self::Vacant,
        Self::NotFound,
        Self::RespondentRefused,
        Self::RespondentUnavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Partial => "partial",
            Self::HouseholdRefused => "household_refused",
            Self::NoOneHome => "no_one_home",
            Self::Vacant => "vacant",
            Self::NotFound => "not_found",
            Self::RespondentRefused => "respondent_refused",
            Self::RespondentUnavailable => "respondent_unavailable",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == code)
    }

    /// Whether the household's list was made at this visit (the household
    /// interview, in DHS's sense, is complete).
    pub fn household_listed(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Partial | Self::RespondentRefused | Self::RespondentUnavailable
        )
    }

    /// Which of several visits' outcomes is the household's final one: the
    /// one that got furthest (a completed interview after two call-backs is
    /// a completed household; a refusal is not undone by a later empty
    /// doorstep; finding the dwelling empty says more than not finding it).
    /// Lower is further.
    pub fn precedence(self) -> u8 {
        match self {
            Self::Completed => 0,
            Self::Partial => 1,
            Self::RespondentRefused => 2,
            Self::HouseholdRefused => 3,
            Self::RespondentUnavailable => 4,
            Self::NoOneHome => 5,
            Self::Vacant => 6,
            Self::NotFound => 7,
        }
    }
}

/// One visit, as the device sends it (`POST /api/surveys/{id}/visits`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Visit {
    /// Made on the device before the first attempt to send.
    pub visit_id: Uuid,
    pub survey_id: String,
    /// The sampled cluster (PSU), assigned to the enumerator.
    pub cluster_id: String,
    /// The household's number in the cluster's listing (`12`, `12-B`).
    pub household: String,
    pub visited_at: Timestamp,
    pub outcome: VisitOutcome,
    /// Credited by the server to the enumerator whose token sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enumerator_id: Option<String>,
    /// The interview this visit produced (completed or partial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_id: Option<Uuid>,
    /// A short note for the call-back; never answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The server's answer to a visit stored (201) or sent again (200).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitReceipt {
    pub visit_id: Uuid,
    /// When the server first stored it (RFC 3339, UTC).
    pub received_at: String,
}

/// A rule a visit breaks: the path of the field and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitProblem {
    pub path: &'static str,
    pub code: FieldErrorCode,
    /// The limit a `TooLong` or `InvalidCode` names.
    pub max: Option<usize>,
}

/// Whether a household number is one Salama keeps: a plain code, as
/// clusters are (it becomes a CSV cell and a log field).
pub fn is_household_number(text: &str) -> bool {
    is_envelope_code(text)
}

/// Every rule the visit breaks, given the checker's clock (seconds since
/// 1970; the device passes its own, the server its own).
pub fn check(visit: &Visit, now_unix_seconds: i64) -> Vec<VisitProblem> {
    let mut problems = Vec::new();
    let code = |path, ok: bool, problems: &mut Vec<VisitProblem>| {
        if !ok {
            problems.push(VisitProblem {
                path,
                code: FieldErrorCode::InvalidCode,
                max: Some(MAX_CODE_LENGTH),
            });
        }
    };
    code(
        "cluster_id",
        is_envelope_code(&visit.cluster_id),
        &mut problems,
    );
    code(
        "household",
        is_household_number(&visit.household),
        &mut problems,
    );
    if let Some(enumerator) = &visit.enumerator_id {
        code("enumerator_id", is_envelope_code(enumerator), &mut problems);
    }
    let at = visit.visited_at.unix_seconds();
    if at < EARLIEST || at > now_unix_seconds.saturating_add(LATEST_AHEAD_SECONDS) {
        problems.push(VisitProblem {
            path: "visited_at",
            code: FieldErrorCode::ImplausibleTime,
            max: None,
        });
    }
    if let Some(note) = &visit.note {
        if note.chars().count() > MAX_NOTE_CHARS {
            problems.push(VisitProblem {
                path: "note",
                code: FieldErrorCode::TooLong,
                max: Some(MAX_NOTE_CHARS),
            });
        } else if note
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            problems.push(VisitProblem {
                path: "note",
                code: FieldErrorCode::WrongType,
                max: None,
            });
        }
    }
    // An interview is named by the visits that produced it, and only by them.
    let interviewed = matches!(
        visit.outcome,
        VisitOutcome::Completed | VisitOutcome::Partial
    );
    if visit.submission_id.is_some() && !interviewed {
        problems.push(VisitProblem {
            path: "submission_id",
            code: FieldErrorCode::NoAnswerExpected,
            max: None,
        });
    }
    if visit.submission_id.is_none() && visit.outcome == VisitOutcome::Completed {
        problems.push(VisitProblem {
            path: "submission_id",
            code: FieldErrorCode::Required,
            max: None,
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(outcome: VisitOutcome) -> Visit {
        Visit {
            visit_id: Uuid::nil(),
            survey_id: "s".into(),
            cluster_id: "c-01".into(),
            household: "12".into(),
            visited_at: Timestamp::parse("2026-12-01T10:00:00Z").expect("a timestamp"),
            outcome,
            enumerator_id: None,
            submission_id: None,
            note: None,
        }
    }

    const NOW: i64 = 1_796_000_000; // 2026-11-30

    fn paths(visit: &Visit) -> Vec<(&'static str, FieldErrorCode)> {
        check(visit, NOW + 86_400 * 2)
            .into_iter()
            .map(|problem| (problem.path, problem.code))
            .collect()
    }

    #[test]
    fn a_refusal_needs_no_interview_and_names_none() {
        assert!(paths(&visit(VisitOutcome::HouseholdRefused)).is_empty());
        let mut refused = visit(VisitOutcome::RespondentRefused);
        refused.submission_id = Some(Uuid::nil());
        assert_eq!(
            paths(&refused),
            [("submission_id", FieldErrorCode::NoAnswerExpected)]
        );
        assert_eq!(
            paths(&visit(VisitOutcome::Completed)),
            [("submission_id", FieldErrorCode::Required)]
        );
    }

    #[test]
    fn codes_notes_and_times_are_bounded() {
        let mut bad = visit(VisitOutcome::NoOneHome);
        bad.cluster_id = "a b".into();
        bad.household = "x".repeat(MAX_CODE_LENGTH + 1);
        bad.note = Some("n".repeat(MAX_NOTE_CHARS + 1));
        bad.visited_at = Timestamp::parse("1999-12-31T23:59:59Z").expect("a timestamp");
        assert_eq!(
            paths(&bad),
            [
                ("cluster_id", FieldErrorCode::InvalidCode),
                ("household", FieldErrorCode::InvalidCode),
                ("visited_at", FieldErrorCode::ImplausibleTime),
                ("note", FieldErrorCode::TooLong),
            ]
        );
        let mut control = visit(VisitOutcome::NoOneHome);
        control.note = Some("back at 5\u{1b}[2J".into());
        assert_eq!(paths(&control), [("note", FieldErrorCode::WrongType)]);
        control.note = Some("n".repeat(MAX_NOTE_CHARS) + "\n");
        assert_eq!(paths(&control), [("note", FieldErrorCode::TooLong)]);
        let mut ahead = visit(VisitOutcome::NoOneHome);
        ahead.visited_at = Timestamp::from_unix_seconds(NOW + 86_400 * 4);
        assert_eq!(
            paths(&ahead),
            [("visited_at", FieldErrorCode::ImplausibleTime)]
        );
    }

    #[test]
    fn outcome_codes_read_back() {
        for outcome in VisitOutcome::ALL {
            assert_eq!(VisitOutcome::parse(outcome.as_str()), Some(outcome));
            let json = serde_json::to_string(&outcome).expect("serialisable");
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
        }
        assert_eq!(VisitOutcome::parse("refused"), None);
        let mut precedences: Vec<u8> = VisitOutcome::ALL.iter().map(|o| o.precedence()).collect();
        precedences.sort_unstable();
        precedences.dedup();
        assert_eq!(precedences.len(), VisitOutcome::ALL.len(), "a strict order");
    }
}

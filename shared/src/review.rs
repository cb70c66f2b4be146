//! Supervisors' review of submissions: the states an interview goes
//! through, which changes of state are allowed, what counts in aggregates,
//! and the shapes the review API sends and reads, so the console offers
//! exactly the actions the server accepts.

use serde::{Deserialize, Serialize};

use crate::api::ErrorField;
use crate::field_error::FieldErrorCode;
use crate::query::{Parameter, ParameterKind, Writer, last, not_one_of};
use crate::text::{MAX_CODE_LENGTH, is_envelope_code};

/// Where a submission stands in review. A submission nobody has reviewed
/// yet is `Received`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Received,
    Approved,
    /// Sent back to the enumerator with a note, to be corrected.
    HasIssues,
    /// Never counted, whatever the survey's rule.
    Rejected,
}

/// Every state, in the order the console lists them.
pub const STATES: [ReviewState; 4] = [
    ReviewState::Received,
    ReviewState::Approved,
    ReviewState::HasIssues,
    ReviewState::Rejected,
];

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Received => "received",
            ReviewState::Approved => "approved",
            ReviewState::HasIssues => "has_issues",
            ReviewState::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        STATES.into_iter().find(|state| state.as_str() == text)
    }

    /// Whether a reviewer may move a submission from this state to `next`.
    /// A decision is final once approved or rejected: reopening one would
    /// silently change published aggregates, so it takes a correction
    /// (which keeps the history) rather than a second verdict. An interview
    /// with issues is decided after its correction.
    pub fn can_become(self, next: ReviewState) -> bool {
        use ReviewState::{Approved, HasIssues, Received, Rejected};
        matches!(
            (self, next),
            (Received, Approved | HasIssues | Rejected) | (HasIssues, Approved | Rejected)
        )
    }

    /// The states a reviewer may choose from this one.
    pub fn next_states(self) -> impl Iterator<Item = ReviewState> {
        STATES
            .into_iter()
            .filter(move |next| self.can_become(*next))
    }

    /// Whether a valid submission in this state counts in aggregates, when
    /// the survey counts only approved interviews (`approved_only`) or every
    /// valid one. Rejected interviews never count.
    pub fn counts(self, approved_only: bool) -> bool {
        match self {
            ReviewState::Rejected => false,
            ReviewState::Approved => true,
            ReviewState::Received | ReviewState::HasIssues => !approved_only,
        }
    }
}

/// Longest reason or note a reviewer writes: a few sentences.
pub const MAX_REASON_CHARS: usize = 500;

/// The problem with a reason, if any, reported at `path`: at most
/// [`MAX_REASON_CHARS`], no control characters but line breaks (it is shown
/// on a phone and written in the audit log and CSV files), and not empty
/// when `required` (sending an interview back or rejecting it needs one).
pub fn reason_problem(path: &str, reason: &str, required: bool) -> Option<ErrorField> {
    let (code, message) = if reason.chars().count() > MAX_REASON_CHARS {
        (
            FieldErrorCode::TooLong.as_str(),
            format!("at most {MAX_REASON_CHARS} characters"),
        )
    } else if reason.chars().any(|c| c.is_control() && c != '\n') {
        (
            "invalid",
            "no control characters (line breaks are allowed)".to_owned(),
        )
    } else if required && reason.trim().is_empty() {
        (
            FieldErrorCode::Required.as_str(),
            "say why: the enumerator and the audit log read it".to_owned(),
        )
    } else {
        return None;
    };
    Some(ErrorField::new(path, code, message))
}

/// `POST /api/submissions/{id}/review`: a reviewer's decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    /// `approved`, `has_issues` or `rejected`.
    pub state: ReviewState,
    /// Required for `has_issues` (the note the enumerator reads) and
    /// `rejected`; at most 500 characters, no control characters but line breaks.
    #[serde(default)]
    pub reason: String,
}

/// One submission as the review list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewItem {
    pub submission_id: String,
    pub survey_version: u32,
    pub channel: String,
    /// The interview's local date.
    pub completed_on: String,
    pub received_at: String,
    pub enumerator_id: Option<String>,
    pub cluster_id: Option<String>,
    pub state: ReviewState,
    /// Who decided the current state, when and why (absent while received).
    pub reviewer: Option<String>,
    pub reason: Option<String>,
    pub reviewed_at: Option<String>,
    /// The latest revision: 0 is the submission as received.
    pub revision: u32,
    /// Where it stands in the list: `before` pages on from the last one.
    pub position: i64,
}

/// One decision or correction in an interview's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewEvent {
    pub at: String,
    pub actor: String,
    /// A review state, or `corrected`.
    pub event: String,
    pub reason: String,
    /// The revision it made or applied to.
    pub revision: u32,
}

/// One answer changed by a correction: its path, the value before and after
/// (`null` for no answer).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangedAnswer {
    pub path: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub old: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub new: serde_json::Value,
}

/// A corrected revision: who made it, when, why, and what it changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    pub revision: u32,
    pub author: String,
    pub reason: String,
    pub created_at: String,
    pub changes: Vec<ChangedAnswer>,
}

/// `GET /api/submissions/{id}/review`: one interview for its reviewer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewDetail {
    pub survey_id: String,
    #[serde(flatten)]
    pub item: ReviewItem,
    /// The answers of the latest revision, by question id.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: serde_json::Map<String, serde_json::Value>,
    /// The states a reviewer may choose now.
    pub next_states: Vec<ReviewState>,
    /// Oldest first.
    pub history: Vec<ReviewEvent>,
    /// Corrected revisions, oldest first (none: the answers are as received).
    pub revisions: Vec<Revision>,
}

/// `GET /api/returned`: an interview its reviewer sent back to the
/// enumerator who made it, with the note, for the device to correct and
/// resend (`POST /api/submissions/{id}/resend`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Returned {
    /// The interview as first received: the resend names it.
    pub submission_id: String,
    pub survey_id: String,
    pub survey_version: u32,
    pub cluster_id: Option<String>,
    pub completed_on: String,
    /// The revision sent back (0: as received).
    pub revision: u32,
    /// The reviewer's note.
    pub reason: String,
    pub reviewer: String,
    pub reviewed_at: String,
    /// That revision whole (consent and draws too), for the device to
    /// reopen it when the phone no longer holds it.
    pub submission: crate::Submission,
}

/// What changed between two revisions' answers, question by question (a
/// roster whole): the trail a resend leaves.
pub fn changed_answers(
    before: &serde_json::Map<String, serde_json::Value>,
    after: &serde_json::Map<String, serde_json::Value>,
) -> Vec<ChangedAnswer> {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let old = before.get(key).cloned().unwrap_or(serde_json::Value::Null);
            let new = after.get(key).cloned().unwrap_or(serde_json::Value::Null);
            (old != new).then(|| ChangedAnswer {
                path: key.clone(),
                old,
                new,
            })
        })
        .collect()
}

/// `GET`/`PUT /api/surveys/{id}/review-policy`: which interviews count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewPolicy {
    /// `true`: only approved interviews count in aggregates; `false`: every
    /// valid one that is not rejected.
    pub approved_only: bool,
}

/// `PUT /api/users/{name}/supervisor`: who reviews an enumerator's clusters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Supervision {
    /// A supervisor's name, or `null` to leave the enumerator unsupervised
    /// (reviewed by admins only).
    pub supervisor: Option<String>,
}

/// `POST /api/submissions/{id}/corrections`: answers changed one by one,
/// with the reason; the result is a new revision, validated again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// Required; at most 500 characters, no control characters but line breaks.
    pub reason: String,
    /// The revision the changes were made to (`revision` of the review):
    /// a correction of an older one is refused (409) rather than undoing
    /// another reviewer's.
    pub revision: u32,
    /// At least one, at most 100.
    pub changes: Vec<AnswerChange>,
}

/// One answer to change: `q` or, in a roster, `roster[row].q` (rows from
/// 0, as validation errors name them); `null` removes the answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerChange {
    pub path: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub value: serde_json::Value,
}

/// Most answers one correction changes.
pub const MAX_CHANGES: usize = 100;

/// `changes` made to `answers`, returning each with its old value, or every
/// change that names no answer place (an unknown roster row, a path that
/// does not read, the same path twice) at `changes[i].path`. What the new
/// values are is for validation to judge, on the whole revision.
pub fn apply_changes(
    answers: &mut serde_json::Map<String, serde_json::Value>,
    changes: &[AnswerChange],
) -> Result<Vec<ChangedAnswer>, Vec<ErrorField>> {
    use serde_json::Value;
    let mut errors = Vec::new();
    if changes.is_empty() || changes.len() > MAX_CHANGES {
        errors.push(ErrorField::new(
            "changes",
            "out_of_range",
            format!("from 1 to {MAX_CHANGES} changes"),
        ));
        return Err(errors);
    }
    let mut seen = std::collections::HashSet::new();
    let mut done = Vec::with_capacity(changes.len());
    for (index, change) in changes.iter().enumerate() {
        let at = format!("changes[{index}].path");
        let Some((roster, row, id)) = answer_place(&change.path) else {
            errors.push(ErrorField::new(
                at,
                "invalid",
                "a question id, or `roster[row].question` with the row from 0",
            ));
            continue;
        };
        if !seen.insert(change.path.as_str()) {
            errors.push(ErrorField::new(
                at,
                "duplicate",
                "this answer is changed twice",
            ));
            continue;
        }
        let slot = match (roster, row) {
            (Some(roster), Some(row)) => match answers
                .get_mut(roster)
                .and_then(Value::as_array_mut)
                .and_then(|rows| rows.get_mut(row))
                .and_then(Value::as_object_mut)
            {
                Some(cells) => cells,
                None => {
                    errors.push(ErrorField::new(
                        at,
                        "unknown_row",
                        "the interview has no such roster row",
                    ));
                    continue;
                }
            },
            _ => &mut *answers,
        };
        let old = match &change.value {
            Value::Null => slot.remove(id),
            value => slot.insert(id.to_owned(), value.clone()),
        }
        .unwrap_or(Value::Null);
        if old == change.value {
            continue;
        }
        done.push(ChangedAnswer {
            path: change.path.clone(),
            old,
            new: change.value.clone(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if done.is_empty() {
        return Err(vec![ErrorField::new(
            "changes",
            "unchanged",
            "every value is the one the interview has already",
        )]);
    }
    Ok(done)
}

/// `q` as `(None, None, q)`, `roster[row].q` as `(Some(roster), Some(row), q)`.
fn answer_place(path: &str) -> Option<(Option<&str>, Option<usize>, &str)> {
    let code = |text: &str| is_envelope_code(text).then_some(());
    match path.split_once('[') {
        None => {
            code(path)?;
            Some((None, None, path))
        }
        Some((roster, rest)) => {
            let (row, id) = rest.split_once("].")?;
            code(roster)?;
            code(id)?;
            // Digits only: `+1` or ` 1` would read as a number too.
            if row.is_empty() || row.len() > 4 || !row.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((Some(roster), Some(row.parse().ok()?), id))
        }
    }
}

/// `POST /api/surveys/{id}/reviews/approve`: the interviews a reviewer
/// sees listed (a filtered set), approved at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkApproval {
    /// At least one, at most 500 (a page of the list).
    pub submission_ids: Vec<String>,
}

/// What a bulk approval did: those approved, and those left as they were
/// with the state that kept them (approved or rejected already).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkApproved {
    pub approved: Vec<String>,
    pub unchanged: Vec<ReviewItemState>,
}

/// A submission and the state it is in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewItemState {
    pub submission_id: String,
    pub state: ReviewState,
}

/// Most submissions one page of the review list holds.
pub const MAX_LIST: u32 = 500;
/// Submissions listed when `limit` is not given.
pub const DEFAULT_LIST: u32 = 100;

/// `GET /api/surveys/{id}/reviews`: which submissions to list, read from
/// the query's pairs with every problem named by its parameter, and
/// described for the API document from the same list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub state: Option<ReviewState>,
    pub cluster: Option<String>,
    pub enumerator: Option<String>,
    /// Only submissions listed before this position (the next page).
    pub before: Option<i64>,
    pub limit: u32,
}

impl ListQuery {
    pub fn parameters() -> Vec<Parameter> {
        use ParameterKind::{Integer, Text};
        let parameter = Parameter::optional;
        vec![
            parameter(
                "state",
                Text,
                &STATE_NAMES,
                "Only submissions in this review state",
            ),
            parameter("cluster", Text, &[], "Only interviews of this cluster"),
            parameter(
                "enumerator",
                Text,
                &[],
                "Only interviews made by this enumerator",
            ),
            parameter(
                "before",
                Integer,
                &[],
                "Only submissions listed after this `position`: the next page",
            ),
            parameter(
                "limit",
                Integer,
                &[],
                "How many, at most 500 (100 when not given)",
            ),
        ]
    }

    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Vec<ErrorField>> {
        let mut errors = Vec::new();
        let mut query = ListQuery {
            limit: DEFAULT_LIST,
            ..ListQuery::default()
        };
        if let Some(state) = last(pairs, "state") {
            query.state = ReviewState::parse(state);
            if query.state.is_none() {
                errors.push(not_one_of("state", state, &STATE_NAMES));
            }
        }
        for (name, slot) in [
            ("cluster", &mut query.cluster),
            ("enumerator", &mut query.enumerator),
        ] {
            if let Some(code) = last(pairs, name) {
                if is_envelope_code(code) {
                    *slot = Some(code.to_owned());
                } else {
                    errors.push(ErrorField::new(
                        name,
                        "invalid",
                        format!(
                            "letters, digits, `-`, `_`, `.` and `:`, at most {MAX_CODE_LENGTH}"
                        ),
                    ));
                }
            }
        }
        if let Some(before) = last(pairs, "before") {
            match before.parse::<i64>() {
                Ok(before) => query.before = Some(before),
                Err(_) => errors.push(ErrorField::new(
                    "before",
                    "invalid",
                    "a `position` from the list",
                )),
            }
        }
        if let Some(limit) = last(pairs, "limit") {
            match limit.parse::<u32>() {
                Ok(limit) if (1..=MAX_LIST).contains(&limit) => query.limit = limit,
                _ => errors.push(ErrorField::new(
                    "limit",
                    "out_of_range",
                    format!("a whole number from 1 to {MAX_LIST}"),
                )),
            }
        }
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }

    /// The query string the server reads back as this query.
    pub fn to_query_string(&self) -> String {
        let mut writer = Writer::default();
        if let Some(state) = self.state {
            writer.pair("state", state.as_str());
        }
        if let Some(cluster) = &self.cluster {
            writer.pair("cluster", cluster);
        }
        if let Some(enumerator) = &self.enumerator {
            writer.pair("enumerator", enumerator);
        }
        if let Some(before) = self.before {
            writer.pair("before", &before.to_string());
        }
        writer.pair("limit", &self.limit.to_string());
        writer.finish()
    }
}

/// `GET /api/surveys/{id}/flags.csv`: rules that flag interviews for a
/// reviewer's attention (suggestions, never decisions): shorter than a
/// number of minutes, or "don't know" on more than a share of a battery.
/// Also the body of `PUT /api/surveys/{id}/flag-rules`, the rules a
/// survey's flags file uses when a request names none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlagRules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_minutes: Option<u32>,
    /// The battery's questions (at most 50).
    #[serde(default)]
    pub battery: Vec<String>,
    /// Flag above this share of "don't know" in the battery (0.5 if not given).
    #[serde(default = "half")]
    pub dont_know_share: f64,
}

fn half() -> f64 {
    0.5
}

/// Longest interview a rule may call short: a day.
const MAX_MINUTES: u32 = 24 * 60;

fn minutes_out_of_range() -> ErrorField {
    ErrorField::new(
        "min_minutes",
        "out_of_range",
        "a whole number of minutes, at most 1440",
    )
}

fn share_out_of_range() -> ErrorField {
    ErrorField::new("dont_know_share", "out_of_range", "a share from 0 to 1")
}

/// Most questions a "don't know" battery names.
pub const MAX_BATTERY: usize = 50;

impl FlagRules {
    pub fn parameters() -> Vec<Parameter> {
        use ParameterKind::{Integer, Text};
        let parameter = Parameter::optional;
        vec![
            parameter(
                "min_minutes",
                Integer,
                &[],
                "Flag interviews shorter than this many minutes (completed minus started)",
            ),
            Parameter {
                repeated: true,
                ..parameter(
                    "battery",
                    Text,
                    &[],
                    "Question ids of a battery (comma-separated or repeated, at most 50)",
                )
            },
            parameter(
                "dont_know_share",
                Text,
                &[],
                "Flag interviews answering `dk` on more than this share of the battery (0 to 1; 0.5 when not given)",
            ),
        ]
    }

    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Vec<ErrorField>> {
        let mut errors = Vec::new();
        let mut rules = FlagRules {
            dont_know_share: 0.5,
            ..FlagRules::default()
        };
        if let Some(minutes) = last(pairs, "min_minutes") {
            match minutes.parse::<u32>() {
                Ok(minutes) => rules.min_minutes = Some(minutes),
                Err(_) => errors.push(minutes_out_of_range()),
            }
        }
        rules.battery = pairs
            .iter()
            .filter(|(key, _)| key == "battery")
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .take(MAX_BATTERY + 1)
            .collect();
        if let Some(share) = last(pairs, "dont_know_share") {
            match share.parse::<f64>() {
                Ok(share) => rules.dont_know_share = share,
                Err(_) => errors.push(share_out_of_range()),
            }
        }
        // A number that did not parse is reported once.
        let more: Vec<ErrorField> = rules
            .problems()
            .into_iter()
            .filter(|problem| !errors.iter().any(|earlier| earlier.path == problem.path))
            .collect();
        errors.extend(more);
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors)
        }
    }

    /// Whether the request names any rule (else a survey's saved rules apply).
    pub fn named_in(pairs: &[(String, String)]) -> bool {
        pairs
            .iter()
            .any(|(key, _)| ["min_minutes", "battery", "dont_know_share"].contains(&key.as_str()))
    }

    /// Every problem of rules read from a query or a JSON body.
    pub fn problems(&self) -> Vec<ErrorField> {
        let mut errors = Vec::new();
        if self
            .min_minutes
            .is_some_and(|minutes| minutes > MAX_MINUTES)
        {
            errors.push(minutes_out_of_range());
        }
        if self.battery.len() > MAX_BATTERY {
            errors.push(ErrorField::new(
                "battery",
                "too_many",
                format!("at most {MAX_BATTERY} questions"),
            ));
        } else if self.battery.iter().any(|id| !is_envelope_code(id)) {
            errors.push(ErrorField::new("battery", "invalid", "question ids"));
        }
        if !(0.0..=1.0).contains(&self.dont_know_share) {
            errors.push(share_out_of_range());
        }
        errors
    }

    /// The rules an interview breaks: `short`, `dont_know`; with its
    /// length in minutes and its share of "don't know" in the battery.
    pub fn flags(&self, submission: &crate::Submission) -> (f64, f64, Vec<&'static str>) {
        let seconds = submission.completed_at.unix_seconds() - submission.started_at.unix_seconds();
        #[allow(clippy::cast_precision_loss)]
        let minutes = seconds as f64 / 60.0;
        let dont_know = self
            .battery
            .iter()
            .filter(|id| submission.answers.get(id.as_str()).and_then(|v| v.as_str()) == Some("dk"))
            .count();
        #[allow(clippy::cast_precision_loss)]
        let share = if self.battery.is_empty() {
            0.0
        } else {
            dont_know as f64 / self.battery.len() as f64
        };
        let mut flags = Vec::new();
        if self.min_minutes.is_some_and(|min| minutes < f64::from(min)) {
            flags.push("short");
        }
        if !self.battery.is_empty() && share > self.dont_know_share {
            flags.push("dont_know");
        }
        (minutes, share, flags)
    }
}

const STATE_NAMES: [&str; 4] = ["received", "approved", "has_issues", "rejected"];

#[cfg(test)]
mod tests {
    use super::ReviewState::{Approved, HasIssues, Received, Rejected};
    use super::*;

    #[test]
    fn decisions_move_forward_only() {
        assert_eq!(
            Received.next_states().collect::<Vec<_>>(),
            [Approved, HasIssues, Rejected]
        );
        assert_eq!(
            HasIssues.next_states().collect::<Vec<_>>(),
            [Approved, Rejected]
        );
        for state in STATES {
            assert!(!state.can_become(state), "{state:?} to itself");
            assert!(!state.can_become(Received), "{state:?} back to received");
            assert_eq!(ReviewState::parse(state.as_str()), Some(state));
        }
        assert_eq!(Approved.next_states().count(), 0);
        assert_eq!(Rejected.next_states().count(), 0);
    }

    #[test]
    fn rejected_never_counts_and_approved_always_does() {
        for approved_only in [false, true] {
            assert!(!Rejected.counts(approved_only));
            assert!(Approved.counts(approved_only));
            assert_eq!(Received.counts(approved_only), !approved_only);
            assert_eq!(HasIssues.counts(approved_only), !approved_only);
        }
    }

    #[test]
    fn a_list_query_reads_back_what_it_writes() {
        let query = ListQuery {
            state: Some(HasIssues),
            cluster: Some("ea-7".into()),
            enumerator: None,
            before: Some(42),
            limit: 20,
        };
        let pairs: Vec<(String, String)> = query
            .to_query_string()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(ListQuery::parse(&pairs), Ok(query));
        let names: Vec<&str> = ListQuery::parameters().iter().map(|p| p.name).collect();
        assert_eq!(names, ["state", "cluster", "enumerator", "before", "limit"]);
        for state in STATES {
            assert!(STATE_NAMES.contains(&state.as_str()));
        }
        let bad: Vec<(String, String)> = [
            ("state", "done"),
            ("cluster", "a b"),
            ("enumerator", "x\u{1b}"),
            ("before", "x"),
            ("limit", "501"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let errors = ListQuery::parse(&bad).expect_err("all wrong");
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["state", "cluster", "enumerator", "before", "limit"]);
    }

    #[test]
    fn changes_keep_the_old_values_and_refuse_unknown_places() {
        let mut answers = serde_json::json!({
            "resp_age": 4,
            "household": [{"age": 34}, {"age": 39}]
        })
        .as_object()
        .cloned()
        .expect("object");
        let change = |path: &str, value: serde_json::Value| AnswerChange {
            path: path.into(),
            value,
        };
        let done = apply_changes(
            &mut answers,
            &[
                change("resp_age", 40.into()),
                change("household[1].age", 38.into()),
                change("saf_1", "safe".into()),
            ],
        )
        .expect("applied");
        assert_eq!(done[0].old, serde_json::json!(4));
        assert_eq!(done[1].new, serde_json::json!(38));
        assert_eq!(done[2].old, serde_json::Value::Null);
        assert_eq!(answers["household"][1]["age"], 38);
        let refused = apply_changes(
            &mut answers,
            &[
                change("household[2].age", 1.into()),
                change("household[-1].age", 1.into()),
                change("household[01x].age", 1.into()),
                change("resp age", 1.into()),
                change("resp_age", 41.into()),
                change("resp_age", 42.into()),
            ],
        )
        .expect_err("refused");
        let codes: Vec<&str> = refused.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(
            codes,
            ["unknown_row", "invalid", "invalid", "invalid", "duplicate"]
        );
        assert!(apply_changes(&mut answers, &[]).is_err());
        // A refused correction may have changed the copy it was given (41).
        assert!(apply_changes(&mut answers, &[change("resp_age", 41.into())]).is_err());
    }

    #[test]
    fn a_resend_names_each_answer_it_changed() {
        let object = |value: serde_json::Value| value.as_object().cloned().expect("object");
        let before = object(serde_json::json!({"a": 1, "b": "x", "c": [1]}));
        let after = object(serde_json::json!({"a": 2, "b": "x", "d": true}));
        let changed = changed_answers(&before, &after);
        let paths: Vec<&str> = changed.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["a", "c", "d"]);
        assert_eq!(changed[1].new, serde_json::Value::Null);
        assert!(changed_answers(&before, &before).is_empty());
    }

    #[test]
    fn rules_flag_short_interviews_and_dont_know_batteries() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let rules = FlagRules::parse(&pairs(&[
            ("min_minutes", "30"),
            ("battery", "tru_1,tru_2,tru_3"),
        ]))
        .expect("rules");
        // The sample lasts 26 min 40 s and says "dk" to one trust question of three.
        let sample = crate::sample::household_interview();
        let (minutes, share, flags) = rules.flags(&sample);
        assert!((minutes - 26.666).abs() < 0.01, "{minutes}");
        assert!((share - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(flags, ["short"]);
        let strict = FlagRules {
            dont_know_share: 0.3,
            min_minutes: None,
            ..rules
        };
        assert_eq!(strict.flags(&sample).2, ["dont_know"]);
        let errors = FlagRules::parse(&pairs(&[
            ("min_minutes", "-1"),
            ("battery", "a b"),
            ("dont_know_share", "2"),
        ]))
        .expect_err("refused");
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["min_minutes", "battery", "dont_know_share"]);
    }

    #[test]
    fn reasons_are_bounded_and_plain() {
        assert!(reason_problem("reason", "age typed as 4, is 40\nchecked", true).is_none());
        assert!(reason_problem("reason", "", false).is_none());
        assert!(reason_problem("reason", "  ", true).is_some());
        assert!(reason_problem("reason", "a\u{1b}[2J", false).is_some());
        assert!(reason_problem("reason", &"é".repeat(MAX_REASON_CHARS), true).is_none());
        let long = reason_problem("reason", &"é".repeat(MAX_REASON_CHARS + 1), true);
        assert_eq!(long.map(|problem| problem.path), Some("reason".to_owned()));
    }
}

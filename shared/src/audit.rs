//! What the survey team asks of the audit log (`GET /api/audit` and
//! `GET /api/audit.csv`): who, what, when and how many, read from the
//! query's pairs with every problem listed by its parameter's name, and
//! described parameter by parameter for the API document, so the console,
//! the server and the OpenAPI description share one list.

use crate::api::ErrorField;
use crate::date::{Date, Timestamp};
use crate::query::{Parameter, ParameterKind, Writer, last, not_one_of, quoted};
use crate::text::MAX_CODE_LENGTH;

/// Entries sent when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 500;
/// Most entries one request returns: a CSV of the whole log of a long
/// survey is a few of these, and no answer holds the server's memory for
/// more than a few MB.
pub const MAX_LIMIT: u32 = 10_000;
/// Most names one search gives in `who`: each is an index lookup, and a
/// search stays a handful of them.
pub const MAX_NAMES: usize = 20;

/// Every action the server writes in the log, so a search names a known
/// one (a misspelt action would silently find nothing) and the console
/// offers them in a list. The server's `Store::audit` refuses, in tests,
/// an action missing here.
pub const ACTIONS: &[&str] = &[
    "aggregates_read",
    "assignment_withdrawn",
    "assignments_set",
    "assignments_uploaded",
    "audit_exported",
    "design_uploaded",
    "device_registered",
    "device_revoked",
    "disclosure_policy_set",
    "flag_rules_set",
    "login",
    "login_failed",
    "logout",
    "microdata_downloaded",
    "pairing_created",
    "pairing_failed",
    "password_change_failed",
    "password_changed",
    "publish",
    "raw_data_destroyed",
    "release_published",
    "release_withdrawn",
    "retention_set",
    "review_policy_set",
    "submission_corrected",
    "submission_resent",
    "submission_reviewed",
    "supervisor_set",
    "survey_closed",
    "survey_opened",
    "token_created",
    "user_created",
    "user_revoked",
];

/// A bound of `from` or `to`: a whole day (UTC, as entries are stamped) or
/// an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum When {
    Day(Date),
    Instant(Timestamp),
}

impl When {
    fn parse(text: &str) -> Option<Self> {
        Date::parse(text)
            .map(When::Day)
            .or_else(|| Timestamp::parse(text).map(When::Instant))
    }

    /// The first second it covers.
    fn first_second(&self) -> i64 {
        match self {
            When::Day(day) => i64::from(day.days()) * 86_400,
            When::Instant(instant) => instant.unix_seconds(),
        }
    }

    /// The first second after it: a day's `to` includes the whole day.
    fn end_second(&self) -> i64 {
        match self {
            When::Day(day) => (i64::from(day.days()) + 1) * 86_400,
            When::Instant(instant) => instant.unix_seconds() + 1,
        }
    }

    fn write(&self) -> String {
        match self {
            When::Day(day) => day.to_string(),
            When::Instant(instant) => instant.as_str().to_owned(),
        }
    }
}

/// One search of the audit log; newest entries first.
///
/// `who` and `action` match exactly, each a list: names are codes, so a
/// search for a team is the list of its members, and every name is one
/// lookup of the actor index (no prefix or substring scan of a log that
/// only grows). `before_id` pages back: the next page of a search is the
/// same search before the last id shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Only entries by one of these actors (exact names; none: anyone).
    pub who: Vec<String>,
    /// Only entries of one of these actions ([`ACTIONS`]; none: any).
    pub action: Vec<String>,
    pub from: Option<When>,
    pub to: Option<When>,
    /// Only entries older than this one (its `id`): the next page.
    pub before_id: Option<i64>,
    pub limit: u32,
}

impl Default for Query {
    fn default() -> Self {
        Self {
            who: Vec::new(),
            action: Vec::new(),
            from: None,
            to: None,
            before_id: None,
            limit: DEFAULT_LIMIT,
        }
    }
}

/// Every value of a parameter given comma-separated or repeated, trimmed,
/// empty ones left out.
fn listed(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(key, _)| key == name)
        .flat_map(|(_, value)| value.split(','))
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Query {
    /// Every parameter the search reads.
    pub fn parameters() -> Vec<Parameter> {
        use ParameterKind::{Integer, Text};
        let parameter = Parameter::optional;
        vec![
            Parameter {
                repeated: true,
                ..parameter(
                    "who",
                    Text,
                    &[],
                    "Only entries by these users: exact names, up to 20 (comma-separated or repeated)",
                )
            },
            Parameter {
                repeated: true,
                ..parameter(
                    "action",
                    Text,
                    ACTIONS,
                    "Only entries of these actions (comma-separated or repeated)",
                )
            },
            parameter(
                "from",
                Text,
                &[],
                "Entries at or after: a date (YYYY-MM-DD, UTC, from its start) or an RFC 3339 instant",
            ),
            parameter(
                "to",
                Text,
                &[],
                "Entries at or before: a date (YYYY-MM-DD, UTC, to its end) or an RFC 3339 instant",
            ),
            parameter(
                "before_id",
                Integer,
                &[],
                "Only entries older than this entry id: the next page after the last id shown",
            ),
            parameter(
                "limit",
                Integer,
                &[],
                "Most entries returned, newest first: 1 to 10000 (default 500)",
            ),
        ]
    }

    /// Reads a search from its pairs as sent, listing every problem. The
    /// last of a repeated parameter counts (but `who` and `action`, which
    /// gather every value), an empty value is absent, unknown parameters are
    /// ignored.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Vec<ErrorField>> {
        let mut errors = Vec::new();
        let given = |name: &str| last(pairs, name);
        let mut query = Query {
            who: listed(pairs, "who"),
            action: listed(pairs, "action"),
            ..Query::default()
        };
        // Longer texts match no entry; refusing them keeps a request from
        // sending megabytes into a statement.
        if query.who.len() > MAX_NAMES {
            errors.push(ErrorField::new(
                "who",
                "too_many",
                format!("at most {MAX_NAMES} names"),
            ));
        }
        for (index, who) in query.who.iter().enumerate().take(MAX_NAMES) {
            if who.len() > MAX_CODE_LENGTH || who.chars().any(char::is_control) {
                errors.push(ErrorField::new(
                    format!("who[{index}]"),
                    "invalid",
                    format!(
                        "a user name: at most {MAX_CODE_LENGTH} characters, no control characters"
                    ),
                ));
            }
        }
        for (index, action) in query.action.iter().enumerate() {
            if !ACTIONS.contains(&action.as_str()) {
                errors.push(not_one_of(&format!("action[{index}]"), action, ACTIONS));
            }
            // One error for a flood of them is enough.
            if index >= ACTIONS.len() {
                break;
            }
        }
        for (name, slot) in [("from", &mut query.from), ("to", &mut query.to)] {
            if let Some(text) = given(name) {
                *slot = When::parse(text);
                if slot.is_none() {
                    errors.push(ErrorField::new(
                        name,
                        "invalid_date",
                        format!(
                            "`{}` is not a date (YYYY-MM-DD) or an RFC 3339 instant",
                            quoted(text)
                        ),
                    ));
                }
            }
        }
        if let (Some(from), Some(to)) = (&query.from, &query.to)
            && from.first_second() >= to.end_second()
        {
            errors.push(ErrorField::new(
                "to",
                "out_of_range",
                "`to` is before `from`",
            ));
        }
        if let Some(text) = given("before_id") {
            match text.parse::<i64>() {
                Ok(id) if id > 0 => query.before_id = Some(id),
                _ => errors.push(ErrorField::new(
                    "before_id",
                    "out_of_range",
                    "an entry id: a whole number from 1",
                )),
            }
        }
        if let Some(text) = given("limit") {
            match text.parse::<u32>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => query.limit = limit,
                _ => errors.push(ErrorField::new(
                    "limit",
                    "out_of_range",
                    format!("a whole number from 1 to {MAX_LIMIT}"),
                )),
            }
        }
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }

    /// Entries stamped at or after this (RFC 3339, UTC, as stored).
    pub fn since(&self) -> Option<String> {
        self.from.as_ref().map(|from| {
            Timestamp::from_unix_seconds(from.first_second())
                .as_str()
                .to_owned()
        })
    }

    /// Entries stamped before this (RFC 3339, UTC, as stored). Stamps are
    /// whole seconds, so `to`'s second is included.
    pub fn before(&self) -> Option<String> {
        self.to.as_ref().map(|to| {
            Timestamp::from_unix_seconds(to.end_second())
                .as_str()
                .to_owned()
        })
    }

    /// The query string (without `?`), values percent-encoded.
    pub fn to_query_string(&self) -> String {
        let mut out = Writer::default();
        if !self.who.is_empty() {
            out.pair("who", &self.who.join(","));
        }
        if !self.action.is_empty() {
            out.pair("action", &self.action.join(","));
        }
        if let Some(from) = &self.from {
            out.pair("from", &from.write());
        }
        if let Some(to) = &self.to {
            out.pair("to", &to.write());
        }
        if let Some(id) = self.before_id {
            out.pair("before_id", &id.to_string());
        }
        if self.limit != DEFAULT_LIMIT {
            out.pair("limit", &self.limit.to_string());
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn days_cover_whole_days_and_instants_their_second() {
        let query = Query::parse(&pairs(&[
            ("from", "2026-12-01"),
            ("to", "2026-12-07"),
            ("who", "admin"),
            ("limit", "20"),
        ]))
        .expect("valid");
        assert_eq!(query.since().as_deref(), Some("2026-12-01T00:00:00Z"));
        assert_eq!(query.before().as_deref(), Some("2026-12-08T00:00:00Z"));
        assert_eq!(query.limit, 20);
        let instant = Query::parse(&pairs(&[("to", "2026-12-07T12:00:00+02:00")])).expect("valid");
        assert_eq!(instant.before().as_deref(), Some("2026-12-07T10:00:01Z"));
        assert_eq!(Query::parse(&[]).expect("empty").limit, DEFAULT_LIMIT);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let errors = Query::parse(&pairs(&[
            ("from", "yesterday"),
            ("to", "2026-13-01"),
            ("limit", "10001"),
            ("who", "a\u{1b}b"),
            ("action", &"x".repeat(65)),
        ]))
        .expect_err("invalid");
        let names: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(names, ["who[0]", "action[0]", "from", "to", "limit"]);
        let reversed = Query::parse(&pairs(&[("from", "2026-12-08"), ("to", "2026-12-07")]))
            .expect_err("order");
        assert_eq!(reversed[0].path, "to");
        for limit in ["0", "-1", "ten"] {
            assert!(
                Query::parse(&pairs(&[("limit", limit)])).is_err(),
                "{limit}"
            );
        }
        for id in ["0", "-3", "x", "99999999999999999999"] {
            assert!(Query::parse(&pairs(&[("before_id", id)])).is_err(), "{id}");
        }
        let unknown = Query::parse(&pairs(&[("action", "login,user_revokd")])).expect_err("typo");
        assert_eq!(unknown[0].path, "action[1]");
        assert_eq!(unknown[0].code, "invalid_choice");
        assert!(unknown[0].message.contains("user_revoked"), "{unknown:?}");
        let many = vec!["n"; MAX_NAMES + 1].join(",");
        let too_many = Query::parse(&pairs(&[("who", &many)])).expect_err("too many");
        assert_eq!(too_many[0].code, "too_many");
        let flood = vec!["nope"; 1000].join(",");
        let refused = Query::parse(&pairs(&[("action", &flood)])).expect_err("flood");
        assert!(refused.len() <= ACTIONS.len() + 1, "{}", refused.len());
    }

    #[test]
    fn who_and_action_gather_every_value() {
        let query = Query::parse(&pairs(&[
            ("who", "enum-1, enum-2"),
            ("who", "admin"),
            ("action", "user_created,device_revoked"),
            ("before_id", "42"),
        ]))
        .expect("valid");
        assert_eq!(query.who, ["enum-1", "enum-2", "admin"]);
        assert_eq!(query.action, ["user_created", "device_revoked"]);
        assert_eq!(query.before_id, Some(42));
        assert_eq!(
            query.to_query_string(),
            "who=enum-1,enum-2,admin&action=user_created,device_revoked&before_id=42"
        );
    }

    #[test]
    fn the_query_string_reads_back_the_same() {
        let query = Query::parse(&pairs(&[
            ("who", "enum-1,enum:2"),
            ("action", "user_revoked"),
            ("before_id", "7"),
            ("from", "2026-12-01T08:00:00Z"),
            ("to", "2026-12-07"),
            ("limit", "5"),
        ]))
        .expect("valid");
        let again: Vec<(String, String)> = query
            .to_query_string()
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("pair");
                (k.to_owned(), v.replace("%3A", ":"))
            })
            .collect();
        assert_eq!(Query::parse(&again).expect("reads back"), query);
    }
}

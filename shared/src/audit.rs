//! What the survey team asks of the audit log (`GET /api/audit` and
//! `GET /api/audit.csv`): who, what, when and how many, read from the
//! query's pairs with every problem listed by its parameter's name, and
//! described parameter by parameter for the API document, so the console,
//! the server and the OpenAPI description share one list.

use crate::api::ErrorField;
use crate::date::{Date, Timestamp};
use crate::query::{Parameter, ParameterKind, Writer, last, quoted};
use crate::text::MAX_CODE_LENGTH;

/// Entries sent when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 500;
/// Most entries one request returns: a CSV of the whole log of a long
/// survey is a few of these, and no answer holds the server's memory for
/// more than a few MB.
pub const MAX_LIMIT: u32 = 10_000;
/// Longest action name searched for (actions are short snake_case words).
const MAX_ACTION_LENGTH: usize = 64;

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Only entries by this actor (exact).
    pub who: Option<String>,
    /// Only entries of this action (exact, e.g. `user_revoked`).
    pub action: Option<String>,
    pub from: Option<When>,
    pub to: Option<When>,
    pub limit: u32,
}

impl Default for Query {
    fn default() -> Self {
        Self {
            who: None,
            action: None,
            from: None,
            to: None,
            limit: DEFAULT_LIMIT,
        }
    }
}

impl Query {
    /// Every parameter the search reads.
    pub fn parameters() -> Vec<Parameter> {
        use ParameterKind::{Integer, Text};
        let parameter = Parameter::optional;
        vec![
            parameter("who", Text, &[], "Only entries by this user (exact name)"),
            parameter(
                "action",
                Text,
                &[],
                "Only entries of this action (exact, e.g. user_revoked)",
            ),
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
                "limit",
                Integer,
                &[],
                "Most entries returned, newest first: 1 to 10000 (default 500)",
            ),
        ]
    }

    /// Reads a search from its pairs as sent, listing every problem. The
    /// last of a repeated parameter counts, an empty value is absent,
    /// unknown parameters are ignored.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Vec<ErrorField>> {
        let mut errors = Vec::new();
        let given = |name: &str| last(pairs, name);
        let mut query = Query {
            who: given("who").map(str::to_owned),
            action: given("action").map(str::to_owned),
            ..Query::default()
        };
        // Longer texts match no entry; refusing them keeps a request from
        // sending megabytes into a statement.
        if query
            .who
            .as_deref()
            .is_some_and(|who| who.len() > MAX_CODE_LENGTH || who.chars().any(char::is_control))
        {
            errors.push(ErrorField::new(
                "who",
                "invalid",
                format!("a user name: at most {MAX_CODE_LENGTH} characters, no control characters"),
            ));
        }
        if query.action.as_deref().is_some_and(|action| {
            action.len() > MAX_ACTION_LENGTH || action.chars().any(char::is_control)
        }) {
            errors.push(ErrorField::new(
                "action",
                "invalid",
                format!(
                    "an action name: at most {MAX_ACTION_LENGTH} characters, no control characters"
                ),
            ));
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
        if let Some(who) = &self.who {
            out.pair("who", who);
        }
        if let Some(action) = &self.action {
            out.pair("action", action);
        }
        if let Some(from) = &self.from {
            out.pair("from", &from.write());
        }
        if let Some(to) = &self.to {
            out.pair("to", &to.write());
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
        assert_eq!(names, ["who", "action", "from", "to", "limit"]);
        let reversed = Query::parse(&pairs(&[("from", "2026-12-08"), ("to", "2026-12-07")]))
            .expect_err("order");
        assert_eq!(reversed[0].path, "to");
        for limit in ["0", "-1", "ten"] {
            assert!(
                Query::parse(&pairs(&[("limit", limit)])).is_err(),
                "{limit}"
            );
        }
    }

    #[test]
    fn the_query_string_reads_back_the_same() {
        let query = Query::parse(&pairs(&[
            ("who", "enum-1"),
            ("action", "user_revoked"),
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

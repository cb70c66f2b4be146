//! What an analyst asks of `GET /api/surveys/{id}/aggregates`: read from
//! the query's pairs with every problem listed, written back as a query
//! string, and described parameter by parameter for the API document. The
//! analysts' page, the server and the OpenAPI description share this one
//! list of names and allowed values, so none of them restates it.

use super::{AgeScheme, Dimension};
use crate::api::ErrorField;
use crate::date::Date;
use crate::disclosure::{DisclosurePolicy, Period};
use crate::publication::Rule;
use crate::query::{
    Parameter, ParameterKind, Writer, check_language, choice, last, not_one_of, quoted,
};
use crate::schema::{Area, Channel, Indicator, Level, Survey};

/// Breakdowns one table may have at once.
pub const MAX_BREAKDOWNS: usize = 3;
const MIN_COUNTS: std::ops::RangeInclusive<u64> = 1..=1000;
/// The code of every refusal that comes from the survey's disclosure
/// policy rather than from the query's own shape.
pub const POLICY_CODE: &str = "disclosure_policy";

/// How the table is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Json, Format::Csv, Format::Xlsx];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// One aggregates query. Fields left at their defaults are not written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub indicator: String,
    pub by: Vec<Dimension>,
    /// `None`: the disclosure policy's bands for the indicator's unit.
    pub age_scheme: Option<AgeScheme>,
    /// Which level of the admin-area tree `area` breaks down by (1 = top).
    pub area_level: usize,
    /// Only units in this admin area (a code at any level).
    pub area: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// One population only; both, apart, when `None`.
    pub channel: Option<Channel>,
    /// `None`: the policy's first rule.
    pub rule: Option<Rule>,
    /// Smallest count shown (reported categories such as DK, RA, and
    /// counts of units); `None`: the policy's k.
    pub min_count: Option<u64>,
    /// The labels' language; the survey's default when `None`.
    pub lang: Option<String>,
    pub format: Format,
    /// An admin checking figures: the policy's limits on the query are
    /// lifted, estimates come unrounded and nothing is withheld.
    pub exact: bool,
}

impl Query {
    /// A query for `indicator` with every other parameter at its default.
    pub fn new(indicator: impl Into<String>) -> Self {
        Self {
            indicator: indicator.into(),
            by: Vec::new(),
            age_scheme: None,
            area_level: 1,
            area: None,
            from: None,
            to: None,
            channel: None,
            rule: None,
            min_count: None,
            lang: None,
            format: Format::default(),
            exact: false,
        }
    }

    /// Every parameter the query reads.
    pub fn parameters() -> Vec<Parameter> {
        let parameter = Parameter::optional;
        use ParameterKind::{Date, Integer, Text};
        vec![
            Parameter {
                required: true,
                ..parameter("indicator", Text, &[], "An indicator id of the survey")
            },
            Parameter {
                repeated: true,
                ..parameter(
                    "by",
                    Text,
                    &Dimension::ALL.map(Dimension::as_str),
                    "Up to three breakdowns, among those the survey defines for the indicator's unit (comma-separated or repeated)",
                )
            },
            parameter(
                "age_scheme",
                Text,
                &AgeScheme::ALL.map(AgeScheme::as_str),
                "Age bands: only the survey's disclosure policy's bands for the indicator's unit (the default)",
            ),
            parameter(
                "area_level",
                Integer,
                &[],
                "Admin level for the area breakdown, 1 = top (default), at most the disclosure policy's area_level",
            ),
            parameter(
                "area",
                Text,
                &[],
                "Only this admin area, of a level the disclosure policy shows",
            ),
            parameter(
                "from",
                Date,
                &[],
                "Interviews completed on or after (YYYY-MM-DD): with `to`, exactly one whole period of the disclosure policy's length (month, quarter or year; none when it is fieldwork)",
            ),
            parameter(
                "to",
                Date,
                &[],
                "Interviews completed on or before (YYYY-MM-DD): the last day of the period `from` starts",
            ),
            parameter(
                "channel",
                Text,
                &Channel::ALL.map(Channel::as_str),
                "One population only; both, separately, by default",
            ),
            parameter(
                "rule",
                Text,
                &Rule::ALL.map(Rule::as_str),
                "Publication rule, among those the disclosure policy allows (default: its first)",
            ),
            parameter(
                "min_count",
                Integer,
                &[],
                "Smallest count shown, from the disclosure policy's k (the default) to 1000",
            ),
            parameter(
                "lang",
                Text,
                &[],
                "Language of labels (default: the survey's)",
            ),
            parameter(
                "format",
                Text,
                &Format::ALL.map(Format::as_str),
                "Sent as json (default), csv or xlsx",
            ),
            parameter(
                "exact",
                Text,
                &["true", "false"],
                "Admins only: lift the disclosure policy's limits on the query, withhold nothing and send estimates unrounded, to check them",
            ),
        ]
    }

    /// Reads a query from its pairs as sent, listing every problem. The
    /// last of a repeated parameter counts, except `by`, which gathers all;
    /// an empty value counts as absent; unknown parameters are ignored.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Vec<ErrorField>> {
        let (query, _, errors) = Self::read(pairs);
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }

    /// As [`Query::parse`], then checked against `survey` (the indicator,
    /// the breakdowns it defines for the indicator's unit, the admin level
    /// and area, the language) and, unless the query is `exact`, against
    /// the survey's disclosure `policy` ([`Query::policy_problems`]):
    /// problems of every kind listed together.
    pub fn parse_for<'s>(
        pairs: &[(String, String)],
        survey: &'s Survey,
        policy: &DisclosurePolicy,
    ) -> Result<(Self, &'s Indicator), Vec<ErrorField>> {
        let (query, by_at, mut errors) = Self::read(pairs);
        let indicator = query.check(survey, &by_at, &mut errors);
        if let Some(indicator) = indicator
            && !query.exact
        {
            errors.extend(query.policy_problems(survey, indicator, policy));
        }
        match indicator {
            Some(indicator) if errors.is_empty() => Ok((query, indicator)),
            _ => Err(errors),
        }
    }

    /// Where the query asks for more than `policy` shows, each problem at
    /// its parameter and naming the policy's value. Analysts may ask for
    /// stricter (a larger `min_count`), never for laxer; what the policy
    /// fixes (dates on whole periods, released area levels, one set of age
    /// bands) is what keeps two tables from being subtracted.
    pub fn policy_problems(
        &self,
        survey: &Survey,
        indicator: &Indicator,
        policy: &DisclosurePolicy,
    ) -> Vec<ErrorField> {
        let mut problems = Vec::new();
        let mut refuse = |path: &str, message: String| {
            problems.push(ErrorField::new(path, POLICY_CODE, message));
        };
        if let Some(rule) = self.rule
            && !policy.rules.contains(&rule)
        {
            let allowed: Vec<&str> = policy.rules.iter().map(|rule| rule.as_str()).collect();
            refuse(
                "rule",
                format!(
                    "the survey's disclosure policy allows {} only",
                    allowed.join(", ")
                ),
            );
        }
        if let Some(count) = self.min_count
            && count < u64::from(policy.min_count)
        {
            refuse(
                "min_count",
                format!(
                    "at least {}: the survey's disclosure policy shows no smaller count",
                    policy.min_count
                ),
            );
        }
        for (path, problem) in period_problems(self.from, self.to, policy.period) {
            refuse(path, problem);
        }
        let deepest = usize::from(policy.area_level);
        if self.area_level > deepest {
            refuse(
                "area_level",
                format!(
                    "at most {deepest}: the survey's disclosure policy shows areas down to level {deepest}"
                ),
            );
        }
        if let Some(code) = &self.area
            && let Some(level) = area_level_of(survey, code)
            && level > deepest
        {
            refuse(
                "area",
                format!(
                    "`{}` is an area of level {level}; the survey's disclosure policy shows areas down to level {deepest}",
                    quoted(code)
                ),
            );
        }
        let bands = policy.age_scheme(indicator.unit);
        if let Some(scheme) = self.age_scheme
            && scheme != bands
        {
            refuse(
                "age_scheme",
                format!(
                    "the survey's disclosure policy tabulates {}s in {} bands only",
                    indicator.unit.as_str(),
                    bands.as_str()
                ),
            );
        }
        problems
    }

    /// The age bands the table uses: those asked for, or the policy's for
    /// the indicator's unit.
    pub fn age_scheme_for(&self, indicator: &Indicator, policy: &DisclosurePolicy) -> AgeScheme {
        self.age_scheme
            .unwrap_or_else(|| policy.age_scheme(indicator.unit))
    }

    /// The publication rule the table uses: the one asked for, or the
    /// policy's default.
    pub fn rule_for(&self, policy: &DisclosurePolicy) -> Rule {
        self.rule.unwrap_or_else(|| policy.default_rule())
    }

    /// The smallest count shown: the one asked for, or the policy's k.
    pub fn min_count_for(&self, policy: &DisclosurePolicy) -> u64 {
        self.min_count
            .unwrap_or_else(|| u64::from(policy.min_count))
    }

    /// The query string (without `?`), values percent-encoded.
    pub fn to_query_string(&self) -> String {
        let mut out = Writer::default();
        let mut pair = |name: &str, value: &str| out.pair(name, value);
        pair("indicator", &self.indicator);
        if !self.by.is_empty() {
            let names: Vec<&str> = self.by.iter().map(|d| d.as_str()).collect();
            // Names are plain ASCII words: the comma needs no escaping.
            pair("by", &names.join(","));
        }
        if let Some(scheme) = self.age_scheme {
            pair("age_scheme", scheme.as_str());
        }
        if self.area_level != 1 {
            pair("area_level", &self.area_level.to_string());
        }
        if let Some(area) = &self.area {
            pair("area", area);
        }
        if let Some(from) = self.from {
            pair("from", &from.to_string());
        }
        if let Some(to) = self.to {
            pair("to", &to.to_string());
        }
        if let Some(channel) = self.channel {
            pair("channel", channel.as_str());
        }
        if let Some(rule) = self.rule {
            pair("rule", rule.as_str());
        }
        if let Some(count) = self.min_count {
            pair("min_count", &count.to_string());
        }
        if let Some(lang) = &self.lang {
            pair("lang", lang);
        }
        if self.format != Format::default() {
            pair("format", self.format.as_str());
        }
        if self.exact {
            pair("exact", "true");
        }
        out.finish()
    }

    /// The query as read, where each breakdown was in the list (for
    /// messages), and every problem.
    fn read(pairs: &[(String, String)]) -> (Self, Vec<usize>, Vec<ErrorField>) {
        let mut errors = Vec::new();
        let given = |name: &str| last(pairs, name);
        let mut query = Query::new(given("indicator").unwrap_or_default());
        if query.indicator.is_empty() {
            errors.push(ErrorField::new(
                "indicator",
                "required",
                "name an indicator",
            ));
        }
        let mut by_at = Vec::new();
        let names = pairs
            .iter()
            .filter(|(key, _)| key == "by")
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|name| !name.is_empty());
        for (index, name) in names.enumerate() {
            let path = format!("by[{index}]");
            match Dimension::parse(name) {
                Some(dimension) if query.by.contains(&dimension) => {
                    errors.push(ErrorField::new(
                        &path,
                        "duplicate",
                        format!("`{name}` is named twice"),
                    ));
                }
                Some(dimension) => {
                    query.by.push(dimension);
                    by_at.push(index);
                }
                None => errors.push(not_one_of(
                    &path,
                    name,
                    &Dimension::ALL.map(Dimension::as_str),
                )),
            }
        }
        if query.by.len() > MAX_BREAKDOWNS {
            errors.push(ErrorField::new(
                "by",
                "too_many",
                "at most three breakdown dimensions",
            ));
        }
        query.age_scheme = choice(
            given("age_scheme"),
            "age_scheme",
            &AgeScheme::ALL,
            AgeScheme::as_str,
            &mut errors,
        );
        if let Some(text) = given("area_level") {
            match text.parse::<usize>() {
                Ok(level) if level >= 1 => query.area_level = level,
                _ => errors.push(ErrorField::new(
                    "area_level",
                    "out_of_range",
                    "an admin level: a whole number from 1 (the top)",
                )),
            }
        }
        query.area = given("area").map(str::to_owned);
        query.from = date(given("from"), "from", &mut errors);
        query.to = date(given("to"), "to", &mut errors);
        query.channel = choice(
            given("channel"),
            "channel",
            &Channel::ALL,
            Channel::as_str,
            &mut errors,
        );
        query.rule = choice(given("rule"), "rule", &Rule::ALL, Rule::as_str, &mut errors);
        if let Some(text) = given("min_count") {
            match text.parse::<u64>() {
                Ok(count) if MIN_COUNTS.contains(&count) => query.min_count = Some(count),
                _ => errors.push(ErrorField::new(
                    "min_count",
                    "out_of_range",
                    format!(
                        "a whole number from {} to {}",
                        MIN_COUNTS.start(),
                        MIN_COUNTS.end()
                    ),
                )),
            }
        }
        query.lang = given("lang").map(str::to_owned);
        query.format = choice(
            given("format"),
            "format",
            &Format::ALL,
            Format::as_str,
            &mut errors,
        )
        .unwrap_or_default();
        match given("exact") {
            None | Some("false") => {}
            Some("true") => query.exact = true,
            Some(other) => errors.push(not_one_of("exact", other, &["true", "false"])),
        }
        (query, by_at, errors)
    }

    /// Adds what `survey` does not have to `errors`; the indicator, if found.
    fn check<'s>(
        &self,
        survey: &'s Survey,
        by_at: &[usize],
        errors: &mut Vec<ErrorField>,
    ) -> Option<&'s Indicator> {
        let indicator = survey.indicators.iter().find(|i| i.id == self.indicator);
        if indicator.is_none() && !self.indicator.is_empty() {
            let known: Vec<&str> = survey.indicators.iter().map(|i| i.id.as_str()).collect();
            errors.push(ErrorField::new(
                "indicator",
                "unknown",
                format!(
                    "no indicator `{}`; this survey has {}",
                    quoted(&self.indicator),
                    known.join(", ")
                ),
            ));
        }
        if let Some(indicator) = indicator {
            let available = available_breakdowns(survey, indicator.unit);
            for (dimension, index) in self.by.iter().zip(by_at) {
                if !available.contains(dimension) {
                    let names: Vec<&str> = available.iter().map(|d| d.as_str()).collect();
                    errors.push(ErrorField::new(
                        format!("by[{index}]"),
                        "unavailable",
                        format!(
                            "this survey records no `{}` for {}s; it can break `{}` down by {}",
                            dimension.as_str(),
                            indicator.unit.as_str(),
                            indicator.id,
                            if names.is_empty() {
                                "nothing".to_owned()
                            } else {
                                names.join(", ")
                            }
                        ),
                    ));
                }
            }
        }
        let levels = survey.area_levels.len().max(1);
        if self.area_level > levels {
            errors.push(ErrorField::new(
                "area_level",
                "out_of_range",
                format!("an admin level from 1 to {levels}"),
            ));
        }
        if let Some(code) = &self.area
            && !survey.areas_by_level().iter().any(|a| &a.code == code)
        {
            errors.push(ErrorField::new(
                "area",
                "unknown",
                format!("no admin area `{}`", quoted(code)),
            ));
        }
        check_language(survey, self.lang.as_deref(), errors);
        indicator
    }
}

/// The breakdowns a survey defines for units at `unit` level: those with a
/// role at that level, and for household members also what describes the
/// household (its area, urban/rural, and displacement where the survey says
/// so), which members take from the respondent (as [`crate::facts`] does).
pub fn available_breakdowns(survey: &Survey, unit: Level) -> Vec<Dimension> {
    let has = |level: Level, dimension: &str| {
        survey
            .roles
            .iter()
            .any(|role| role.level() == level && role.dimension() == dimension)
    };
    let household = |dimension: &str| {
        survey
            .roles
            .iter()
            .any(|role| role.describes_household() && role.dimension() == dimension)
    };
    Dimension::ALL
        .into_iter()
        .filter(|&dimension| {
            let role = match dimension {
                Dimension::AgeBand => "age",
                Dimension::Area => "location",
                other => other.as_str(),
            };
            has(unit, role) || (unit == Level::Member && household(role))
        })
        .collect()
}

/// The level of the admin area `code` (1 = top), if the survey has it.
pub fn area_level_of(survey: &Survey, code: &str) -> Option<usize> {
    let mut level: Vec<&Area> = survey.areas.iter().collect();
    let mut depth = 1;
    while !level.is_empty() {
        if level.iter().any(|area| area.code == code) {
            return Some(depth);
        }
        level = level.iter().flat_map(|area| &area.children).collect();
        depth += 1;
    }
    None
}

/// Where `from`..`to` is not exactly one whole `period`: each problem at
/// its parameter. A table for one period and one for the next cannot be
/// subtracted into a day; nor can two periods of one length overlap.
fn period_problems(
    from: Option<Date>,
    to: Option<Date>,
    period: Period,
) -> Vec<(&'static str, String)> {
    let name = period.as_str();
    let mut problems = Vec::new();
    if period == Period::Fieldwork {
        for (path, date) in [("from", from), ("to", to)] {
            if date.is_some() {
                problems.push((
                    path,
                    "the survey's disclosure policy allows no date filter: tables cover the whole fieldwork".to_owned(),
                ));
            }
        }
        return problems;
    }
    let example = |date: Date| {
        period
            .index(date)
            .and_then(|index| period.bounds(index))
            .map(|(first, last)| format!("{first} to {last}"))
            .unwrap_or_default()
    };
    match (from, to) {
        (None, None) => {}
        (Some(date), None) | (None, Some(date)) => {
            let missing = if from.is_none() { "from" } else { "to" };
            problems.push((
                missing,
                format!(
                    "give both dates: the survey's disclosure policy allows one whole {name}, such as {}",
                    example(date)
                ),
            ));
        }
        (Some(from), Some(to)) => {
            if period.whole(from, to).is_none() {
                let starts = period
                    .index(from)
                    .and_then(|index| period.bounds(index))
                    .is_some_and(|(first, _)| first == from);
                let (path, what) = if starts {
                    ("to", "the last day of the ")
                } else {
                    ("from", "the first day of a ")
                };
                problems.push((
                    path,
                    format!(
                        "must be {what}{name}: the survey's disclosure policy allows one whole {name}, such as {}",
                        example(from)
                    ),
                ));
            }
        }
    }
    problems
}

fn date(value: Option<&str>, name: &str, errors: &mut Vec<ErrorField>) -> Option<Date> {
    let text = value?;
    let date = Date::parse(text);
    if date.is_none() {
        errors.push(ErrorField::new(
            name,
            "invalid_date",
            format!("`{}` is not a date (YYYY-MM-DD)", quoted(text)),
        ));
    }
    date
}

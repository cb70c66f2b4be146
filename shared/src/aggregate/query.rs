//! What an analyst asks of `GET /api/surveys/{id}/aggregates`: read from
//! the query's pairs with every problem listed, written back as a query
//! string, and described parameter by parameter for the API document. The
//! analysts' page, the server and the OpenAPI description share this one
//! list of names and allowed values, so none of them restates it.

use super::{AgeScheme, Dimension};
use crate::api::ErrorField;
use crate::date::Date;
use crate::expr::{Scope, Value, eval};
use crate::publication::Rule;
use crate::query::{
    Parameter, ParameterKind, Writer, check_language, choice, last, not_one_of, quoted,
};
use crate::schema::{Channel, Denominator, Indicator, Level, QuestionKind, Role, Survey};

/// Breakdowns one table may have at once.
pub const MAX_BREAKDOWNS: usize = 3;
pub const DEFAULT_MIN_COUNT: u64 = 5;
const MIN_COUNTS: std::ops::RangeInclusive<u64> = 1..=1000;

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
    /// `None`: the indicator's own default ([`default_age_scheme`]).
    pub age_scheme: Option<AgeScheme>,
    /// Which level of the admin-area tree `area` breaks down by (1 = top).
    pub area_level: usize,
    /// Only units in this admin area (a code at any level).
    pub area: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// One population only; both, apart, when `None`.
    pub channel: Option<Channel>,
    pub rule: Rule,
    /// Smallest count shown for reported categories (DK, RA).
    pub min_count: u64,
    /// The labels' language; the survey's default when `None`.
    pub lang: Option<String>,
    pub format: Format,
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
            rule: Rule::default(),
            min_count: DEFAULT_MIN_COUNT,
            lang: None,
            format: Format::default(),
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
                "Age bands; by default sadd for indicators about children, un_adult otherwise",
            ),
            parameter(
                "area_level",
                Integer,
                &[],
                "Admin level for the area breakdown, 1 = top (default)",
            ),
            parameter("area", Text, &[], "Only this admin area (any level)"),
            parameter(
                "from",
                Date,
                &[],
                "Interviews completed on or after (YYYY-MM-DD)",
            ),
            parameter(
                "to",
                Date,
                &[],
                "Interviews completed on or before (YYYY-MM-DD)",
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
                "Publication rule (default dhs_mics)",
            ),
            parameter(
                "min_count",
                Integer,
                &[],
                "Smallest reported count shown, 1 to 1000 (default 5)",
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
    /// and area, the language): problems of both kinds listed together.
    pub fn parse_for<'s>(
        pairs: &[(String, String)],
        survey: &'s Survey,
    ) -> Result<(Self, &'s Indicator), Vec<ErrorField>> {
        let (query, by_at, mut errors) = Self::read(pairs);
        let indicator = query.check(survey, &by_at, &mut errors);
        match indicator {
            Some(indicator) if errors.is_empty() => Ok((query, indicator)),
            _ => Err(errors),
        }
    }

    /// The age bands the table uses: those asked for, or the indicator's.
    pub fn age_scheme_for(&self, survey: &Survey, indicator: &Indicator) -> AgeScheme {
        self.age_scheme
            .unwrap_or_else(|| default_age_scheme(survey, indicator))
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
        if self.rule != Rule::default() {
            pair("rule", self.rule.as_str());
        }
        if self.min_count != DEFAULT_MIN_COUNT {
            pair("min_count", &self.min_count.to_string());
        }
        if let Some(lang) = &self.lang {
            pair("lang", lang);
        }
        if self.format != Format::default() {
            pair("format", self.format.as_str());
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
        query.rule = choice(given("rule"), "rule", &Rule::ALL, Rule::as_str, &mut errors)
            .unwrap_or_default();
        if let Some(text) = given("min_count") {
            match text.parse::<u64>() {
                Ok(count) if MIN_COUNTS.contains(&count) => query.min_count = count,
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

/// The age bands an indicator is tabulated in when the query names none:
/// the humanitarian (SADD) bands for a household-member indicator about
/// children, which the adult bands would lump together under 25; the UN
/// adult bands otherwise.
pub fn default_age_scheme(survey: &Survey, indicator: &Indicator) -> AgeScheme {
    if indicator.unit == Level::Member && about_children(survey, indicator) {
        AgeScheme::Sadd
    } else {
        AgeScheme::UnAdult
    }
}

/// Whether only children are in the indicator's population: its condition
/// (the denominator's filter, or the questions' relevance when only valid
/// answers count) holds for some age under 18 and for no adult age, with
/// every other answer left empty.
fn about_children(survey: &Survey, indicator: &Indicator) -> bool {
    let Some(age_question) = survey.roles.iter().find_map(|role| match role {
        Role::Age {
            level: Level::Member,
            question,
        } => Some(question.as_str()),
        _ => None,
    }) else {
        return false;
    };
    let conditions: Vec<_> = match &indicator.denominator {
        Denominator::All => Vec::new(),
        Denominator::Subpopulation { filter } => vec![filter],
        Denominator::ValidAnswers => indicator
            .components
            .iter()
            .filter_map(|c| survey.question(&c.question)?.question.relevant.as_ref())
            .collect(),
    };
    if conditions.is_empty() {
        return false;
    }
    let holds = |age: f64| {
        let scope = OneAge {
            survey,
            age_question,
            age,
            depth: 0,
        };
        conditions.iter().all(|condition| {
            condition
                .parsed()
                .is_ok_and(|expr| eval(expr, &scope).to_bool())
        })
    };
    [0.0, 4.0, 10.0, 15.0, 17.0].into_iter().any(holds)
        && ![18.0, 25.0, 40.0, 60.0, 90.0].into_iter().any(holds)
}

/// A household member known only by their age: calculations are worked
/// out from it, every other answer is empty.
struct OneAge<'s> {
    survey: &'s Survey,
    age_question: &'s str,
    age: f64,
    depth: usize,
}

impl<'s> Scope<'s> for OneAge<'s> {
    fn reference(&self, name: &str) -> Value<'s> {
        if name == self.age_question {
            return Value::Number(self.age);
        }
        // `Survey::check` refuses cycles; the depth bound keeps an
        // unchecked definition from recursing without end.
        let calculation = self
            .survey
            .question(name)
            .and_then(|place| match &place.question.kind {
                QuestionKind::Calculate { calculation } => calculation.parsed().ok(),
                _ => None,
            });
        match calculation {
            Some(expr) if self.depth < 16 => eval(
                expr,
                &OneAge {
                    depth: self.depth + 1,
                    ..*self
                },
            ),
            _ => Value::Empty,
        }
    }
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

//! De-identified microdata: which columns a survey's answers become, what
//! each means (the codebook), and one submission as rows of text.
//!
//! Left out on purpose: the submission id (it is also on the device), the
//! enumerator, free text (unless the survey marks a question
//! `microdata_safe`), exact dates (only the month is kept) and the cluster's
//! own name (replaced by a number). Every answer code is kept as stored:
//! DK and RA included, so an analyst can apply any denominator rule. Text
//! from outside (codes, answers, strata) is made safe to open in a
//! spreadsheet (see [`crate::csv_cell`]); numbers are written as they are.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api::ErrorField;
use crate::csv_cell::neutralise;
use crate::date::{Date, Timestamp};
use crate::disclosure::DisclosurePolicy;
use crate::query::{Parameter, ParameterKind, Writer, check_language, choice, last};
use crate::schema::{Level, Question, QuestionKind, Role, Survey};
use crate::words::{AnalysisWord as W, fill};

pub mod anonymity;

pub use anonymity::{Collector, Plan, QuasiIdentifier, Released, Scale};

/// What `microdata.csv` and `codebook.csv` are asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// One row per respondent, or per household member.
    pub level: Level,
    /// The labels' language; the survey's default when `None`.
    pub lang: Option<String>,
}

impl Default for Query {
    fn default() -> Self {
        Self {
            level: Level::Respondent,
            lang: None,
        }
    }
}

impl Query {
    /// Every parameter the query reads.
    pub fn parameters() -> Vec<Parameter> {
        vec![
            Parameter::optional(
                "level",
                ParameterKind::Text,
                &Level::ALL.map(Level::as_str),
                "One row per respondent (default) or household member",
            ),
            Parameter::optional(
                "lang",
                ParameterKind::Text,
                &[],
                "Language of labels (default: the survey's)",
            ),
        ]
    }

    /// Reads the query from its pairs and checks it against `survey`,
    /// listing every problem.
    pub fn parse_for(pairs: &[(String, String)], survey: &Survey) -> Result<Self, Vec<ErrorField>> {
        let mut errors = Vec::new();
        let level = choice(
            last(pairs, "level"),
            "level",
            &Level::ALL,
            Level::as_str,
            &mut errors,
        )
        .unwrap_or(Level::Respondent);
        let lang = last(pairs, "lang").map(str::to_owned);
        check_language(survey, lang.as_deref(), &mut errors);
        if errors.is_empty() {
            Ok(Self { level, lang })
        } else {
            Err(errors)
        }
    }

    /// The query string (without `?`), defaults left out.
    pub fn to_query_string(&self) -> String {
        let mut out = Writer::default();
        if self.level != Level::Respondent {
            out.pair("level", self.level.as_str());
        }
        if let Some(lang) = &self.lang {
            out.pair("lang", lang);
        }
        out.finish()
    }
}

/// One column of a microdata file.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    /// The question it comes from (empty for design columns).
    pub question: String,
    /// The questionnaire's item code (`SAF-1`).
    pub item: String,
    pub label: String,
    pub kind: &'static str,
    /// `code=label` pairs, `|`-separated, missing-answer codes marked.
    pub values: String,
    source: Source,
}

#[derive(Clone, Debug, PartialEq)]
enum Source {
    RespondentNo,
    Channel,
    SurveyVersion,
    Month,
    Psu,
    Stratum,
    Weight,
    Answer,
    /// 1 when this code of a multiple choice was chosen, 0 when not.
    Chosen(String),
    /// The code at this level (0-based) of an admin-area answer.
    AreaLevel(usize),
    /// A date or date-and-time answer, cut to its month.
    DateMonth,
    /// A time answer, cut to its hour: to the minute, the time of an
    /// incident can single out an event the press reported.
    Hour,
    /// The rows of the household roster.
    HouseholdSize,
    /// The roster's rows whose age (the member age role) is under 18.
    Children(String),
}

/// The design of one submission, filled by the server from its tables.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Design {
    /// A number standing for the cluster, the same for all its interviews.
    pub psu: Option<u64>,
    pub stratum: Option<String>,
    pub weight: Option<f64>,
}

/// The columns for one level: respondents (one row per submission) or
/// household members (one row per roster row, keyed by respondent number).
///
/// The member file has no respondent number and no roster row: joined to
/// the respondents' file it would list each household's members with their
/// sex and age, which single a household out where the respondents' file
/// alone does not. Household size and the number of children are in the
/// respondents' file instead, banded like any quasi-identifier.
#[derive(Clone, Debug)]
pub struct Layout {
    pub level: Level,
    pub columns: Vec<Column>,
    roster: Option<String>,
    /// The household roster, whatever the level.
    household: Option<String>,
    /// What an outsider may know of a row, over the columns above.
    pub quasi_identifiers: Vec<QuasiIdentifier>,
}

impl Layout {
    pub fn new(survey: &Survey, level: Level, language: &str, policy: &DisclosurePolicy) -> Self {
        let fallback = survey.default_language.as_str();
        let say = |word| survey.word(word, language);
        let design = |name: &str, label: &str, kind: &'static str, source: Source| Column {
            name: name.to_owned(),
            question: String::new(),
            item: String::new(),
            label: label.to_owned(),
            kind,
            values: String::new(),
            source,
        };
        let mut columns = Vec::new();
        if level == Level::Respondent {
            columns.push(design(
                "respondent_no",
                say(W::CodebookRespondentNo),
                "integer",
                Source::RespondentNo,
            ));
        }
        let household = survey.household_roster().map(str::to_owned);
        let roster = match level {
            Level::Respondent => None,
            Level::Member => household.clone(),
        };
        columns.extend([
            design("channel", say(W::CodebookChannel), "text", Source::Channel),
            design(
                "survey_version",
                say(W::CodebookSurveyVersion),
                "integer",
                Source::SurveyVersion,
            ),
            design(
                "interview_month",
                say(W::CodebookInterviewMonth),
                "text",
                Source::Month,
            ),
            design("psu", say(W::CodebookPsu), "integer", Source::Psu),
            design("stratum", say(W::CodebookStratum), "text", Source::Stratum),
            design("weight", say(W::CodebookWeight), "decimal", Source::Weight),
        ]);
        if level == Level::Respondent && household.is_some() {
            columns.push(design(
                "household_size",
                say(W::CodebookHouseholdSize),
                "band",
                Source::HouseholdSize,
            ));
            let member_age = survey.roles.iter().find_map(|role| match role {
                Role::Age {
                    level: Level::Member,
                    question,
                } => Some(question.clone()),
                _ => None,
            });
            if let Some(age) = member_age {
                columns.push(design(
                    "household_children",
                    say(W::CodebookHouseholdChildren),
                    "band",
                    Source::Children(age),
                ));
            }
        }
        for place in survey.questions() {
            let in_level = match level {
                Level::Respondent => place.roster.is_none(),
                Level::Member => place.roster.map(|r| r.id.as_str()) == roster.as_deref(),
            };
            if !in_level {
                continue;
            }
            columns.extend(question_columns(survey, place.question, language, fallback));
        }
        let quasi_identifiers = quasi_identifiers(survey, level, &columns, policy);
        Self {
            level,
            columns,
            roster,
            household,
            quasi_identifiers,
        }
    }

    /// Each column's `k`, `released` and `suppressed` cells in the codebook:
    /// what the plan made of the quasi-identifiers, empty for the other
    /// columns; the first column also says how many rows were left out.
    pub fn disclosure_notes(
        &self,
        survey: &Survey,
        language: &str,
        plan: &Plan,
    ) -> Vec<[String; 3]> {
        let say = |word| survey.word(word, language);
        let opaque = |column: &Column| {
            column.question.is_empty() && matches!(column.source, Source::Psu | Source::Stratum)
        };
        let mut notes: Vec<[String; 3]> = self
            .columns
            .iter()
            .enumerate()
            .map(|(at, column)| {
                let k = plan.k.to_string();
                match plan.column(at) {
                    Some((released, suppressed)) => {
                        let text = match released {
                            Released::AsAnswered if opaque(column) => {
                                say(W::CodebookOpaque).to_owned()
                            }
                            Released::AsAnswered => say(W::CodebookAsAnswered).to_owned(),
                            Released::Bands(bands) => {
                                fill(say(W::CodebookBands), &[("bands", bands.as_str())])
                            }
                            Released::AreaLevels(level) => fill(
                                say(W::CodebookAreaLevels),
                                &[("level", level.to_string().as_str())],
                            ),
                            Released::Difficulty(codes) => {
                                fill(say(W::CodebookDifficulty), &[("codes", codes.as_str())])
                            }
                            Released::Quarter => say(W::CodebookQuarter).to_owned(),
                            Released::Year => say(W::CodebookYear).to_owned(),
                            Released::Withheld => say(W::CodebookWithheld).to_owned(),
                        };
                        [k, text, suppressed.to_string()]
                    }
                    None if opaque(column) => [k, say(W::CodebookOpaque).to_owned(), String::new()],
                    None => [k, String::new(), String::new()],
                }
            })
            .collect();
        if let Some(first) = notes.first_mut() {
            let left_out = fill(
                say(W::CodebookRowsLeftOut),
                &[("n", plan.rows_left_out().to_string().as_str())],
            );
            first[1] = if first[1].is_empty() {
                left_out
            } else {
                format!("{}; {left_out}", first[1])
            };
        }
        notes
    }

    pub fn header(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The rows one stored submission gives: one for a respondent, one
    /// per roster row for members. Fields borrow from the record, text
    /// from outside quoted when it would run as a spreadsheet formula.
    pub fn rows<'r>(
        &self,
        record: &'r Record<'r>,
        respondent_no: u64,
        design: &Design,
    ) -> Vec<Vec<Cow<'r, str>>> {
        self.rows_of(record, respondent_no, design, None)
    }

    /// The rows as [`Layout::rows`] gives them, with only the
    /// quasi-identifiers' cells worked out (the others empty): what the
    /// first pass of an export needs, at a fraction of the cost.
    pub fn quasi_identifier_rows<'r>(
        &self,
        record: &'r Record<'r>,
        design: &Design,
    ) -> Vec<Vec<Cow<'r, str>>> {
        let mut wanted = vec![false; self.columns.len()];
        for identifier in &self.quasi_identifiers {
            for &at in &identifier.columns {
                wanted[at] = true;
            }
        }
        self.rows_of(record, 0, design, Some(&wanted))
    }

    fn rows_of<'r>(
        &self,
        record: &'r Record<'r>,
        respondent_no: u64,
        design: &Design,
        wanted: Option<&[bool]>,
    ) -> Vec<Vec<Cow<'r, str>>> {
        match self.level {
            Level::Respondent => {
                vec![self.row(record, &record.answers, respondent_no, design, wanted)]
            }
            Level::Member => {
                let rows: Vec<Answers<'r>> = self
                    .roster
                    .as_deref()
                    .and_then(|roster| record.answers.get(roster))
                    .and_then(|raw| serde_json::from_str(raw.get()).ok())
                    .unwrap_or_default();
                rows.iter()
                    .map(|answers| self.row(record, answers, respondent_no, design, wanted))
                    .collect()
            }
        }
    }

    fn row<'r>(
        &self,
        record: &'r Record<'r>,
        answers: &Answers<'r>,
        respondent_no: u64,
        design: &Design,
        wanted: Option<&[bool]>,
    ) -> Vec<Cow<'r, str>> {
        // A multiple choice spreads over one column per code: its answer is
        // read once for all of them.
        let mut chosen: Option<(&str, Vec<Cow<'r, str>>)> = None;
        let mut row = Vec::with_capacity(self.columns.len());
        for (at, column) in self.columns.iter().enumerate() {
            if wanted.is_some_and(|wanted| !wanted[at]) {
                row.push(Cow::Borrowed(""));
                continue;
            }
            row.push(match &column.source {
                Source::RespondentNo => Cow::Owned(respondent_no.to_string()),
                Source::HouseholdSize | Source::Children(_) => self
                    .household
                    .as_deref()
                    .and_then(|roster| record.answers.get(roster))
                    .and_then(|raw| serde_json::from_str::<Vec<Answers<'_>>>(raw.get()).ok())
                    .map_or(Cow::Borrowed(""), |members| {
                        let count = match &column.source {
                            Source::Children(age) => members
                                .iter()
                                .filter(|member| {
                                    member
                                        .get(age.as_str())
                                        .and_then(|raw| raw.get().parse::<i64>().ok())
                                        .is_some_and(|age| (0..18).contains(&age))
                                })
                                .count(),
                            _ => members.len(),
                        };
                        Cow::Owned(count.to_string())
                    }),
                Source::Channel => neutralise(record.channel.clone()),
                Source::SurveyVersion => Cow::Owned(record.survey_version.to_string()),
                Source::Month => {
                    Timestamp::parse(&record.completed_at).map_or(Cow::Borrowed(""), |at| {
                        let (year, month, _) = at.local_date().ymd();
                        Cow::Owned(format!("{year:04}-{month:02}"))
                    })
                }
                Source::Psu => design
                    .psu
                    .map_or(Cow::Borrowed(""), |psu| Cow::Owned(psu.to_string())),
                Source::Stratum => design.stratum.clone().map_or(Cow::Borrowed(""), neutralise),
                Source::Weight => design
                    .weight
                    .map_or(Cow::Borrowed(""), |w| Cow::Owned(w.to_string())),
                Source::Chosen(code) => {
                    if chosen
                        .as_ref()
                        .is_none_or(|(question, _)| *question != column.question)
                    {
                        let codes = answers.get(column.question.as_str()).and_then(|raw| {
                            serde_json::from_str::<Vec<Cow<'r, str>>>(raw.get()).ok()
                        });
                        chosen = codes.map(|codes| (column.question.as_str(), codes));
                    }
                    match &chosen {
                        Some((question, codes)) if *question == column.question => {
                            Cow::Borrowed(if codes.iter().any(|c| c == code) {
                                "1"
                            } else {
                                "0"
                            })
                        }
                        _ => Cow::Borrowed(""),
                    }
                }
                Source::Answer | Source::AreaLevel(_) | Source::DateMonth | Source::Hour => answers
                    .get(column.question.as_str())
                    .map_or(Cow::Borrowed(""), |raw| cell(&column.source, raw)),
            });
        }
        row
    }
}

/// Answers by question id. Keys are short ids, looked up once per column
/// per row: FNV-1a hashes them several times faster than the default.
/// Read as strictly as the server reads a request: a key named twice, or
/// spelled with an escape (it cannot be borrowed), makes the record
/// unreadable, so microdata leaves out exactly what the facts leave out.
#[derive(Debug, Default)]
pub struct Answers<'a>(HashMap<&'a str, &'a RawValue, BuildHasherDefault<Fnv>>);

impl<'a> std::ops::Deref for Answers<'a> {
    type Target = HashMap<&'a str, &'a RawValue, BuildHasherDefault<Fnv>>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Answers<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Entries<'a> {
            type Value = Answers<'a>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("answers by question id")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut entries: A,
            ) -> Result<Self::Value, A::Error> {
                let mut answers = HashMap::with_capacity_and_hasher(
                    entries.size_hint().unwrap_or(0),
                    BuildHasherDefault::default(),
                );
                while let Some((key, value)) = entries.next_entry::<&'de str, &'de RawValue>()? {
                    if answers.insert(key, value).is_some() {
                        return Err(serde::de::Error::custom("a question is answered twice"));
                    }
                }
                Ok(Answers(answers))
            }
        }
        deserializer.deserialize_map(Entries(std::marker::PhantomData))
    }
}

#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    /// A packed row of quasi-identifiers: one multiply-xorshift round per
    /// half instead of sixteen bytes one at a time.
    fn write_u128(&mut self, n: u128) {
        let mix = |x: u64| {
            let x = (x ^ (x >> 32)).wrapping_mul(0xd6e8_feb8_6659_fd93);
            x ^ (x >> 32)
        };
        self.0 = mix(self.0 ^ mix(n as u64) ^ mix((n >> 64) as u64).rotate_left(21));
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = hash;
    }
}

/// A stored submission as microdata reads it: only the fields it needs,
/// answers left unparsed until a column asks for them.
#[derive(Debug, Deserialize)]
pub struct Record<'a> {
    #[serde(borrow)]
    pub submission_id: Cow<'a, str>,
    #[serde(borrow)]
    pub channel: Cow<'a, str>,
    pub survey_version: u32,
    #[serde(borrow)]
    pub completed_at: Cow<'a, str>,
    #[serde(borrow, default)]
    pub cluster_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub answers: Answers<'a>,
}

impl<'a> Record<'a> {
    pub fn parse(json: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}

fn cell<'r>(source: &Source, raw: &'r RawValue) -> Cow<'r, str> {
    let text = raw.get();
    let empty = Cow::Borrowed("");
    match source {
        Source::AreaLevel(level) => match serde_json::from_str::<Vec<Cow<'r, str>>>(text) {
            Ok(mut codes) if *level < codes.len() => neutralise(codes.swap_remove(*level)),
            _ => empty,
        },
        Source::DateMonth => serde_json::from_str::<Cow<'r, str>>(text)
            .ok()
            .and_then(|date| date.get(..10).and_then(Date::parse))
            .map_or(empty, |date| {
                let (year, month, _) = date.ymd();
                Cow::Owned(format!("{year:04}-{month:02}"))
            }),
        Source::Hour => serde_json::from_str::<Cow<'r, str>>(text)
            .ok()
            .filter(|time| crate::date::is_time_of_day(time))
            .map_or(empty, |time| Cow::Owned(time[..2].to_owned())),
        Source::Answer => match text.as_bytes().first() {
            // Codes have no escapes: borrow them (quoted only if a
            // spreadsheet would run them).
            Some(b'"') if !text.contains('\\') && text.len() >= 2 => {
                neutralise(&text[1..text.len() - 1])
            }
            Some(b'"') => serde_json::from_str::<Cow<'r, str>>(text).map_or(empty, neutralise),
            // Numbers and booleans are written as sent; null is empty.
            Some(b'n') | None => empty,
            Some(_) => Cow::Borrowed(text),
        },
        _ => empty,
    }
}

/// The quasi-identifiers of a level's file: the survey's group roles at that
/// level, the interview month, the stratum, and for respondents the
/// household's size and children; for members also every question asked
/// of each member unconditionally with a choice that no indicator counts
/// (the relationship to the head: a fact neighbours know, not an opinion).
fn quasi_identifiers(
    survey: &Survey,
    level: Level,
    columns: &[Column],
    policy: &DisclosurePolicy,
) -> Vec<QuasiIdentifier> {
    let of_question = |id: &str| -> Vec<usize> {
        columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.question == id)
            .map(|(at, _)| at)
            .collect()
    };
    let named = |name: &str| -> Vec<usize> {
        columns
            .iter()
            .position(|column| column.question.is_empty() && column.name == name)
            .into_iter()
            .collect()
    };
    let mut identifiers = Vec::new();
    let mut push = |columns: Vec<usize>, scale: Scale| {
        if !columns.is_empty() {
            identifiers.push(QuasiIdentifier { columns, scale });
        }
    };
    let mut roles_questions: Vec<&str> = Vec::new();
    for role in survey.roles.iter().filter(|role| role.level() == level) {
        roles_questions.extend(role.questions().iter().map(String::as_str));
        match role {
            Role::Age { question, .. } => {
                push(of_question(question), Scale::Age(policy.age_scheme(level)));
            }
            Role::Location { question, .. } => {
                let columns = of_question(question);
                let depth = columns.len().min(usize::from(policy.area_level));
                push(columns, Scale::Area { depth });
            }
            Role::Disability {
                questions,
                disabled_if,
                ..
            } => push(
                questions.iter().flat_map(|q| of_question(q)).collect(),
                Scale::Difficulty {
                    disabled_if: disabled_if.clone(),
                },
            ),
            _ => {
                for question in role.questions() {
                    push(of_question(question), Scale::Category);
                }
            }
        }
    }
    if level == Level::Member {
        let counted: Vec<&str> = survey
            .indicators
            .iter()
            .flat_map(|indicator| indicator.components.iter().map(|c| c.question.as_str()))
            .collect();
        for place in survey.questions() {
            let question = place.question;
            if place
                .roster
                .is_some_and(|roster| Some(roster.id.as_str()) == survey.household_roster())
                && question.relevant.is_none()
                && matches!(
                    question.kind,
                    QuestionKind::Single { .. } | QuestionKind::YesNo
                )
                && !counted.contains(&question.id.as_str())
                && !roles_questions.contains(&question.id.as_str())
            {
                push(of_question(&question.id), Scale::Category);
            }
        }
    }
    push(named("interview_month"), Scale::Month);
    push(named("household_size"), Scale::HouseholdSize);
    push(named("household_children"), Scale::Children);
    push(named("stratum"), Scale::Design);
    identifiers
}

fn values(survey: &Survey, list: &str, language: &str, fallback: &str) -> String {
    let missing = survey.word(W::CodebookMissing, language);
    survey
        .choice_list(list)
        .map(|list| {
            list.choices
                .iter()
                .map(|choice| {
                    let label = choice.label.get(language, fallback);
                    match choice.missing {
                        Some(_) => format!("{}={label} {missing}", choice.value),
                        None => format!("{}={label}", choice.value),
                    }
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

fn question_columns(
    survey: &Survey,
    question: &Question,
    language: &str,
    fallback: &str,
) -> Vec<Column> {
    let label = question.label.get(language, fallback).to_owned();
    let base = |name: String, kind: &'static str, values: String, source: Source| Column {
        name,
        question: question.id.clone(),
        item: question.code.clone().unwrap_or_default(),
        label: label.clone(),
        kind,
        values,
        source,
    };
    let id = &question.id;
    match &question.kind {
        QuestionKind::Single { list } | QuestionKind::Ordinal { list } => {
            let kind = if matches!(question.kind, QuestionKind::Ordinal { .. }) {
                "ordinal"
            } else {
                "single"
            };
            vec![base(
                id.clone(),
                kind,
                values(survey, list, language, fallback),
                Source::Answer,
            )]
        }
        QuestionKind::YesNo => vec![base(
            id.clone(),
            "yes_no",
            "yes | no".into(),
            Source::Answer,
        )],
        QuestionKind::Multiple { list, .. } => survey
            .choice_list(list)
            .map(|list| {
                list.choices
                    .iter()
                    .map(|choice| {
                        base(
                            format!("{id}__{}", choice.value),
                            "chosen",
                            fill(
                                survey.word(W::CodebookChosen, language),
                                &[("choice", choice.label.get(language, fallback))],
                            ),
                            Source::Chosen(choice.value.clone()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        QuestionKind::Integer { .. } => {
            vec![base(id.clone(), "integer", String::new(), Source::Answer)]
        }
        QuestionKind::Decimal { .. } => {
            vec![base(id.clone(), "decimal", String::new(), Source::Answer)]
        }
        QuestionKind::Date => vec![base(
            id.clone(),
            "month",
            survey.word(W::CodebookDateMonth, language).into(),
            Source::DateMonth,
        )],
        QuestionKind::DateTime => vec![base(
            id.clone(),
            "month",
            survey.word(W::CodebookDateTimeMonth, language).into(),
            Source::DateMonth,
        )],
        QuestionKind::Time => vec![base(
            id.clone(),
            "hour",
            survey.word(W::CodebookHour, language).into(),
            Source::Hour,
        )],
        // A calculation can repeat any answer it reads, free text included:
        // kept only where the survey says it is safe.
        QuestionKind::Calculate { .. } if question.microdata_safe => vec![base(
            id.clone(),
            "calculated",
            String::new(),
            Source::Answer,
        )],
        QuestionKind::AdminArea { levels } => (0..*levels as usize)
            .map(|level| {
                let name = survey
                    .area_levels
                    .get(level)
                    .map_or_else(|| format!("level{}", level + 1), |l| l.id.clone());
                base(
                    format!("{id}__{name}"),
                    "area",
                    String::new(),
                    Source::AreaLevel(level),
                )
            })
            .collect(),
        QuestionKind::Text { .. } if question.microdata_safe => {
            vec![base(id.clone(), "text", String::new(), Source::Answer)]
        }
        QuestionKind::Text { .. }
        | QuestionKind::Calculate { .. }
        | QuestionKind::Note
        | QuestionKind::Roster { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community_safety;
    use crate::sample::household_interview;

    fn stored() -> String {
        serde_json::to_string(&household_interview()).expect("serialises")
    }

    #[test]
    fn the_query_reads_back_what_it_writes_and_names_every_problem() {
        let survey = community_safety();
        let pairs = |text: &str| -> Vec<(String, String)> {
            text.split('&')
                .filter(|pair| !pair.is_empty())
                .filter_map(|pair| pair.split_once('='))
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect()
        };
        for query in [
            Query::default(),
            Query {
                level: Level::Member,
                lang: Some("fr".into()),
            },
        ] {
            let written = query.to_query_string();
            assert_eq!(
                Query::parse_for(&pairs(&written), &survey),
                Ok(query),
                "{written}"
            );
        }
        assert_eq!(
            Query::default().to_query_string(),
            "",
            "defaults are left out"
        );
        let errors =
            Query::parse_for(&pairs("level=household&lang=xx"), &survey).expect_err("refused");
        let paths: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            paths,
            [("level", "invalid_choice"), ("lang", "invalid_choice")]
        );
        assert_eq!(
            errors[0].message,
            "`household` is not one of respondent, member"
        );
    }

    #[test]
    fn times_keep_their_hour_and_date_times_their_month_only() {
        let raw =
            |json: &str| serde_json::value::RawValue::from_string(json.to_owned()).expect("json");
        let hour = |json: &str| cell(&Source::Hour, &raw(json)).into_owned();
        let month = |json: &str| cell(&Source::DateMonth, &raw(json)).into_owned();
        assert_eq!(hour(r#""21:45""#), "21");
        assert_eq!(hour(r#""07:05:09""#), "07");
        assert_eq!(month(r#""2026-11-30T06:05""#), "2026-11");
        assert_eq!(month(r#""2026-11-30""#), "2026-11");
        // Stored rows are read back as untrusted: what is not a reading is
        // an empty cell, never a panic or a leak of the raw text.
        for hostile in [
            r#""2145""#,
            r#""é1:45""#,
            "21",
            r#""""#,
            "null",
            r#"["21:45"]"#,
        ] {
            assert_eq!(hour(hostile), "", "{hostile}");
        }
        for hostile in [r#""2026-13-30T06:05""#, r#""2026""#, r#""é026-11-30""#] {
            assert_eq!(month(hostile), "", "{hostile}");
        }
    }

    #[test]
    fn respondents_get_one_row_with_design_and_coded_answers() {
        let survey = community_safety();
        let layout = Layout::new(
            &survey,
            Level::Respondent,
            "en",
            &DisclosurePolicy::default(),
        );
        let header = layout.header();
        assert_eq!(
            &header[..10],
            [
                "respondent_no",
                "channel",
                "survey_version",
                "interview_month",
                "psu",
                "stratum",
                "weight",
                "household_size",
                "household_children",
                "resp_sex"
            ]
        );
        assert!(header.contains(&"resp_area__region") && header.contains(&"resp_area__district"));
        assert!(header.contains(&"dis_2__sex"), "one column per choice");
        assert!(
            !header.iter().any(|h| h.starts_with("mem_")),
            "members have their own file"
        );
        let design = Design {
            psu: Some(7),
            stratum: Some("s1".into()),
            weight: Some(12.5),
        };
        let body = stored();
        let record = Record::parse(&body).expect("a stored submission");
        let rows = layout.rows(&record, 41, &design);
        assert_eq!(rows.len(), 1);
        let value = |name: &str| {
            let at = header.iter().position(|h| *h == name).expect("column");
            rows[0][at].as_ref()
        };
        assert_eq!(value("respondent_no"), "41");
        assert_eq!(value("interview_month"), "2026-11");
        assert_eq!(
            (value("psu"), value("stratum"), value("weight")),
            ("7", "s1", "12.5")
        );
        assert_eq!(value("resp_sex"), "female");
        assert_eq!(value("resp_age"), "34");
        assert_eq!(
            (value("household_size"), value("household_children")),
            ("6", "3")
        );
        let named: Vec<Vec<&str>> = layout
            .quasi_identifiers
            .iter()
            .map(|q| q.columns.iter().map(|&c| header[c]).collect())
            .collect();
        assert_eq!(
            named,
            [
                vec!["resp_sex"],
                vec!["resp_age"],
                vec!["resp_area__region", "resp_area__district"],
                vec!["resp_urban_rural"],
                vec!["resp_displacement"],
                vec![
                    "wg_seeing",
                    "wg_hearing",
                    "wg_walking",
                    "wg_cognition",
                    "wg_selfcare",
                    "wg_communication"
                ],
                vec!["interview_month"],
                vec!["household_size"],
                vec!["household_children"],
                vec!["stratum"],
            ]
        );
        assert!(
            !header.contains(&"mem_is_child"),
            "a calculation not marked safe stays out"
        );
        assert_eq!(value("resp_area__district"), "central-capital");
        assert_eq!(value("gov_2"), "dk", "missing codes are kept");
        assert_eq!((value("dis_2__sex"), value("dis_2__age")), ("1", "0"));
        assert_eq!(value("saf_1b"), "", "not asked");
        let joined = rows[0].join(",");
        assert!(
            !joined.contains("enum-017") && !joined.contains("ea-042"),
            "no enumerator, no cluster name"
        );
        assert!(
            layout
                .columns
                .iter()
                .find(|c| c.name == "saf_1")
                .is_some_and(|c| c.values.contains("dk=Don't know (missing)"))
        );
    }

    #[test]
    fn members_get_one_row_each() {
        let survey = community_safety();
        let layout = Layout::new(&survey, Level::Member, "en", &DisclosurePolicy::default());
        let header = layout.header();
        assert!(
            !header.contains(&"respondent_no") && !header.contains(&"member_no"),
            "no key back to the household"
        );
        let body = stored();
        let record = Record::parse(&body).expect("a stored submission");
        let rows = layout.rows(&record, 3, &Design::default());
        assert_eq!(rows.len(), 6);
        let at = header
            .iter()
            .position(|h| *h == "mem_age")
            .expect("mem_age");
        let ages: Vec<&str> = rows.iter().map(|r| r[at].as_ref()).collect();
        assert_eq!(ages, ["34", "39", "12", "9", "4", "67"]);
        let named: Vec<&str> = layout
            .quasi_identifiers
            .iter()
            .map(|q| header[q.columns[0]])
            .collect();
        assert_eq!(
            named,
            [
                "mem_sex",
                "mem_age",
                "mem_relationship",
                "interview_month",
                "stratum"
            ]
        );
    }

    #[test]
    fn text_that_would_run_as_a_formula_is_quoted_and_numbers_are_not() {
        let survey = community_safety();
        let layout = Layout::new(
            &survey,
            Level::Respondent,
            "en",
            &DisclosurePolicy::default(),
        );
        let header = layout.header();
        let mut interview = serde_json::to_value(household_interview()).expect("serialises");
        interview["answers"]["resp_sex"] = serde_json::json!("=HYPERLINK(\"http://x\")");
        interview["answers"]["saf_1"] = serde_json::json!("@SUM(A1)\\");
        interview["answers"]["resp_area"] = serde_json::json!(["-1+2", "+3"]);
        interview["answers"]["resp_age"] = serde_json::json!(-1);
        let body = interview.to_string();
        let record = Record::parse(&body).expect("a stored submission");
        let design = Design {
            psu: Some(1),
            stratum: Some("-1-1".into()),
            weight: Some(-0.5),
        };
        let rows = layout.rows(&record, 1, &design);
        let value = |name: &str| {
            let at = header.iter().position(|h| *h == name).expect("column");
            rows[0][at].as_ref()
        };
        assert_eq!(value("resp_sex"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(value("saf_1"), "'@SUM(A1)\\", "escaped JSON text too");
        assert_eq!(
            (value("resp_area__region"), value("resp_area__district")),
            ("'-1+2", "'+3")
        );
        assert_eq!(value("stratum"), "'-1-1");
        assert_eq!(value("resp_age"), "-1", "a number answer stays a number");
        assert_eq!(
            value("weight"),
            "-0.5",
            "so does a number the server formats"
        );
    }
}

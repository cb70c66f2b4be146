//! A survey definition: the data every client renders and every server
//! validates against. Authored as JSON; every struct refuses unknown fields so
//! a misspelt key (`relevent`) is an error, not a silently ignored rule.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use validator::Validate;

mod tagged;

use crate::expr::Expression;
use crate::field_error::FieldErrorCode;
use crate::json::FromJson;
use crate::text::Text;

/// Longest identifier for a survey, section, question, list or indicator.
pub const MAX_ID_LENGTH: u64 = 64;

/// Highest version a survey may have: room for a new version every day for
/// longer than any survey runs, and never the last value of the type, so a
/// later version is always possible.
pub const MAX_SURVEY_VERSION: u32 = 1_000_000;

#[derive(Clone, Debug, Serialize, Deserialize, FromJson, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Survey {
    #[validate(length(min = 1, max = MAX_ID_LENGTH))]
    pub id: String,
    /// Published versions are immutable; a submission names the version it
    /// was filled against.
    #[validate(range(min = 1, max = MAX_SURVEY_VERSION))]
    pub version: u32,
    #[validate(length(min = 1, max = 20))]
    pub languages: Vec<String>,
    pub default_language: String,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Whether anyone may submit through the online channel without logging in.
    #[serde(default)]
    pub public: bool,
    #[validate(length(min = 1))]
    pub channels: Vec<Channel>,
    pub consent: Consent,
    /// Shown before any section marked `sensitive`, beside the quick-exit control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_notice: Option<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub area_levels: Vec<AreaLevel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<Area>,
    #[serde(default)]
    pub choice_lists: Vec<ChoiceList>,
    #[validate(length(min = 1, max = 200))]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// Validation messages in the survey's own words, or in a language
    /// without a built-in catalogue; keyed by error code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<FieldErrorCode, Text>,
    /// Interface words in the survey's own wording, or in a language Salama
    /// has no catalogue of: `{language: {key: text}}`, keys as in
    /// [`crate::words`] (`form.yes`, `message.required`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub interface_words: BTreeMap<String, BTreeMap<String, String>>,
}

/// How a submission reached the server. Probability-sample interviews and
/// opt-in online answers are different populations and are never mixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Enumerator,
    Online,
}

crate::names::read_by_name!(Channel, "channel");

impl Channel {
    pub const ALL: [Channel; 2] = [Self::Enumerator, Self::Online];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enumerator => "enumerator",
            Self::Online => "online",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, FromJson)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Read or shown before any question: purpose, confidentiality, the right
    /// to skip any question or stop at any time.
    pub script: Text,
    /// The yes/no question that records consent.
    pub question: Text,
    /// Rules for young respondents; without them any age may self-respond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minors: Option<MinorRules>,
}

/// MICS6 practice: children under `self_respondent_min_age` never answer for
/// themselves; those under `adult_age` do so only after an adult's consent
/// (or a recorded absence of any caretaker) and their own assent.
#[derive(Clone, Debug, Serialize, Deserialize, FromJson, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MinorRules {
    #[validate(range(min = 1, max = 25))]
    pub self_respondent_min_age: u32,
    #[validate(range(min = 1, max = 25))]
    pub adult_age: u32,
    pub adult_consent_question: Text,
    pub assent_question: Text,
}

#[derive(Clone, Debug, Serialize, Deserialize, FromJson, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AreaLevel {
    #[validate(length(min = 1, max = MAX_ID_LENGTH))]
    pub id: String,
    pub label: Text,
}

/// An administrative area; children are areas of the next level down.
#[derive(Clone, Debug, Serialize, Deserialize, FromJson, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Area {
    #[validate(length(min = 1, max = MAX_ID_LENGTH))]
    pub code: String,
    pub name: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<Area>,
}

#[derive(Clone, Debug, Serialize, Deserialize, FromJson, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChoiceList {
    #[validate(length(min = 1, max = MAX_ID_LENGTH))]
    pub id: String,
    #[validate(length(min = 1, max = 500))]
    pub choices: Vec<Choice>,
}

#[derive(Clone, Debug, Serialize, Deserialize, FromJson, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    #[validate(length(min = 1, max = MAX_ID_LENGTH))]
    pub value: String,
    pub label: Text,
    /// Marks a don't-know, refused or not-applicable category: always stored,
    /// left out of "valid answers" denominators and ordinal scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Missing>,
    /// In a multiple choice, this choice cannot be combined with others
    /// ("none of these", "refused").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
    /// Further columns of XLSForm's choices sheet, by name (`region` of a
    /// district), which a question's `choice_filter` reads.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// Don't know.
    Dk,
    /// Refused.
    Ra,
    /// Not applicable.
    Na,
}

crate::names::read_by_name!(Missing, "missing-value kind");

impl Missing {
    pub const ALL: [Missing; 3] = [Self::Dk, Self::Ra, Self::Na];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dk => "dk",
            Self::Ra => "ra",
            Self::Na => "na",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, FromJson, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Section {
    #[validate(length(min = 1, max = MAX_ID_LENGTH))]
    pub id: String,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<Expression>,
    /// Sensitive sections get the safety notice and quick exit (DOMAIN §5).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// A module asked of one household member drawn at random among those
    /// for whom this holds (read per household member), in household
    /// interviews only, once the enumerator has confirmed privacy: the
    /// violence-against-women module, e.g.
    /// `${mem_sex} = 'female' and ${mem_age} >= 15 and ${mem_age} <= 49`
    /// (DOMAIN §5). Never asked online; off unless a survey defines one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn_among: Option<Expression>,
    /// Services the person asked a drawn-member module can turn to, shown
    /// when the module ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrals: Option<Text>,
    #[validate(length(min = 1, max = 500))]
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, Serialize, Deserialize, FromJson, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Question {
    #[validate(length(min = 1, max = MAX_ID_LENGTH))]
    pub id: String,
    /// The item code from the questionnaire design (`SAF-1`), for analysts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 32))]
    pub code: Option<String>,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    pub kind: QuestionKind,
    #[serde(default, skip_serializing_if = "Required::is_never")]
    pub required: Required,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<Expression>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<Expression>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint_message: Option<Text>,
    /// Which of a select's choices are offered, as in XLSForm: a bare name
    /// is a column of the choice being considered (`name` its value), so
    /// `region = ${region}` offers the districts of the region chosen.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::expr::read_choice_filter"
    )]
    #[from_json(with = "crate::expr::choice_filter_from_json")]
    pub choice_filter: Option<Expression>,
    /// Where the wording comes from, or that it is our own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// XLSForm's `appearance` (`minimal`, `multiline`, `w3 horizontal`…),
    /// kept as the author wrote it so the questionnaire goes back out to
    /// XLSForm whole. The clients draw `minimal` single choices as a
    /// drop-down and `multiline` texts as a text area
    /// ([`Question::appears`]); every step is already one screen, as
    /// `field-list` asks, and other appearances are drawn as usual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 200))]
    pub appearance: Option<String>,
    /// XLSForm's static `default`: the answer the question starts with in
    /// a new interview (a roster's questions: in each row added), written
    /// as XLSForm writes an answer (`a b` for two choices). The respondent
    /// may change or clear it; it is never put back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 1000))]
    pub default: Option<String>,
    /// Free text is left out of microdata unless the survey says its answers
    /// cannot identify anyone (e.g. an occupation from a fixed vocabulary).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub microdata_safe: bool,
}

// Deserialize by hand in `tagged`: the derive's buffering doubles the wasm
// code for the whole schema.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// One code from a choice list.
    Single { list: String },
    /// Several codes from a choice list.
    Multiple {
        list: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_choices: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_choices: Option<u32>,
    },
    /// `yes` or `no`.
    YesNo,
    /// One code from an ordered scale; the list order is the scale order and
    /// choices marked `missing` are off the scale.
    Ordinal { list: String },
    Integer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    Decimal {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// Free text of at most `max_length` characters.
    Text { max_length: u32 },
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A time of day, `HH:MM` or `HH:MM:SS`, local (no zone).
    Time,
    /// A local date and time, `YYYY-MM-DDTHH:MM` (seconds optional).
    DateTime,
    /// A cascading choice of administrative areas: the answer is the list of
    /// codes from the top level down, `levels` long.
    AdminArea { levels: u32 },
    /// Text shown to the respondent; carries no answer.
    Note,
    /// A value computed from other answers, never typed in.
    Calculate { calculation: Expression },
    /// A repeat group: one row per unit (household member) with the same
    /// questions; rows are units of analysis of their own.
    Roster {
        #[serde(default)]
        min_rows: u32,
        max_rows: u32,
        /// How the client names a row, e.g. "Member".
        row_label: Text,
        #[cfg_attr(feature = "openapi", schema(no_recursion))]
        questions: Vec<Question>,
    },
}

impl Question {
    /// Whether the author gave this question the XLSForm appearance `name`
    /// (appearances are words separated by spaces, in any case).
    pub fn appears(&self, name: &str) -> bool {
        self.appearance.as_deref().is_some_and(|all| {
            all.split_whitespace()
                .any(|word| word.eq_ignore_ascii_case(name))
        })
    }
}

impl QuestionKind {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Single { .. } => "single",
            Self::Multiple { .. } => "multiple",
            Self::YesNo => "yes_no",
            Self::Ordinal { .. } => "ordinal",
            Self::Integer { .. } => "integer",
            Self::Decimal { .. } => "decimal",
            Self::Text { .. } => "text",
            Self::Date => "date",
            Self::Time => "time",
            Self::DateTime => "date_time",
            Self::AdminArea { .. } => "admin_area",
            Self::Note => "note",
            Self::Calculate { .. } => "calculate",
            Self::Roster { .. } => "roster",
        }
    }

    /// Every code some kind's [`own_refusal`](Self::own_refusal) gives: a
    /// survey without such a kind never shows its message.
    pub const OWN_REFUSALS: [FieldErrorCode; 5] = [
        FieldErrorCode::InvalidDate,
        FieldErrorCode::InvalidTime,
        FieldErrorCode::InvalidDateTime,
        FieldErrorCode::NotWholeNumber,
        FieldErrorCode::NotNumber,
    ];

    /// The refusal only this kind's answers raise, for a text that is not
    /// one of its values (a time that is no time of day).
    pub fn own_refusal(&self) -> Option<FieldErrorCode> {
        match self {
            Self::Date => Some(FieldErrorCode::InvalidDate),
            Self::Time => Some(FieldErrorCode::InvalidTime),
            Self::DateTime => Some(FieldErrorCode::InvalidDateTime),
            Self::Integer { .. } => Some(FieldErrorCode::NotWholeNumber),
            Self::Decimal { .. } => Some(FieldErrorCode::NotNumber),
            _ => None,
        }
    }

    /// The choice list the answer is drawn from, if any.
    pub fn list(&self) -> Option<&str> {
        match self {
            Self::Single { list } | Self::Multiple { list, .. } | Self::Ordinal { list } => {
                Some(list)
            }
            _ => None,
        }
    }

    /// Whether someone types or picks an answer (notes, calculations and
    /// rosters themselves do not).
    pub fn takes_answer(&self) -> bool {
        !matches!(
            self,
            Self::Note | Self::Calculate { .. } | Self::Roster { .. }
        )
    }
}

/// `required: true`, or an expression deciding it (XLSForm allows both).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Required {
    Always(bool),
    When(Expression),
}

impl Default for Required {
    fn default() -> Self {
        Self::Always(false)
    }
}

impl Required {
    pub fn is_never(&self) -> bool {
        matches!(self, Self::Always(false))
    }
}

/// Whether a question describes the respondent or each roster member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Respondent,
    Member,
}

crate::names::read_by_name!(Level, "level");

impl Level {
    pub const ALL: [Level; 2] = [Self::Respondent, Self::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Respondent => "respondent",
            Self::Member => "member",
        }
    }
}

/// A question's part in disaggregation. Aggregation is driven by these roles,
/// never by question ids.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    Sex {
        level: Level,
        question: String,
    },
    /// Age in completed years; bands are derived at query time.
    Age {
        level: Level,
        question: String,
    },
    Location {
        level: Level,
        question: String,
    },
    /// Washington Group Short Set: disabled when any of the domain questions
    /// is answered with one of `disabled_if` ("a lot", "cannot do at all").
    Disability {
        level: Level,
        questions: Vec<String>,
        disabled_if: Vec<String>,
    },
    /// `household`: the answer describes the whole household ("which of
    /// these describes your household's situation?"), so its members are
    /// grouped by it as they are by the household's area.
    Displacement {
        level: Level,
        question: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        household: bool,
    },
    UrbanRural {
        level: Level,
        question: String,
    },
}

impl Role {
    pub fn dimension(&self) -> &'static str {
        match self {
            Self::Sex { .. } => "sex",
            Self::Age { .. } => "age",
            Self::Location { .. } => "location",
            Self::Disability { .. } => "disability",
            Self::Displacement { .. } => "displacement",
            Self::UrbanRural { .. } => "urban_rural",
        }
    }

    pub fn level(&self) -> Level {
        match self {
            Self::Sex { level, .. }
            | Self::Age { level, .. }
            | Self::Location { level, .. }
            | Self::Disability { level, .. }
            | Self::Displacement { level, .. }
            | Self::UrbanRural { level, .. } => *level,
        }
    }

    /// Whether a respondent-level answer to this role describes the whole
    /// household, so that members without a role of their own in this
    /// dimension are grouped by the respondent's answer: the household's
    /// area and urban/rural always, displacement when the survey says so.
    pub fn describes_household(&self) -> bool {
        match self {
            Self::Location { level, .. } | Self::UrbanRural { level, .. } => {
                *level == Level::Respondent
            }
            Self::Displacement {
                level, household, ..
            } => *level == Level::Respondent && *household,
            Self::Sex { .. } | Self::Age { .. } | Self::Disability { .. } => false,
        }
    }

    pub fn questions(&self) -> &[String] {
        match self {
            Self::Disability { questions, .. } => questions,
            Self::Sex { question, .. }
            | Self::Age { question, .. }
            | Self::Location { question, .. }
            | Self::Displacement { question, .. }
            | Self::UrbanRural { question, .. } => std::slice::from_ref(question),
        }
    }
}

/// An indicator: the share of units whose answer falls in the numerator
/// categories, among the units the denominator rule admits. With several
/// components (SDG 16.7.2) the indicator is the mean of their shares.
#[derive(Clone, Debug, Serialize, Deserialize, FromJson, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    #[validate(length(min = 1, max = MAX_ID_LENGTH))]
    pub id: String,
    /// The official code, e.g. `SDG 16.1.4`.
    #[validate(length(min = 1, max = 32))]
    pub code: String,
    pub name: Text,
    pub unit: Level,
    #[validate(length(min = 1, max = 10))]
    pub components: Vec<Component>,
    pub denominator: Denominator,
    /// Categories counted and reported beside the estimate (DK, RA).
    #[serde(default)]
    pub reported: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, FromJson)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub question: String,
    /// Codes counted in the numerator; for a multiple choice, a unit counts
    /// when any of them is selected.
    pub numerator: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Denominator {
    /// Every unit, whatever it answered: DK and "does not apply" stay in.
    All,
    /// Units that answered with a category not marked `missing`.
    ValidAnswers,
    /// Units for which the filter holds, e.g. victims for SDG 16.3.1.
    Subpopulation { filter: Expression },
}

impl Question {
    /// The answer [`Question::default`] gives, in the shape a submission
    /// carries it; none for a kind that takes no default or a default that
    /// does not read as one (`Survey::check` refuses both).
    pub fn default_answer(&self) -> Option<serde_json::Value> {
        use serde_json::Value as Json;
        let text = self.default.as_deref()?;
        match &self.kind {
            QuestionKind::Multiple { .. } => Some(Json::Array(
                text.split(' ')
                    .filter(|code| !code.is_empty())
                    .map(|code| Json::String(code.to_owned()))
                    .collect(),
            )),
            QuestionKind::Integer { .. } => text.trim().parse::<i64>().ok().map(Json::from),
            // Read as XPath reads a number: `f64`'s own parser would cost
            // the citizens' form about 17 KB.
            QuestionKind::Decimal { .. } => crate::expr::parse_decimal(text.trim())
                .and_then(serde_json::Number::from_f64)
                .map(Json::Number),
            QuestionKind::AdminArea { .. }
            | QuestionKind::Note
            | QuestionKind::Calculate { .. }
            | QuestionKind::Roster { .. } => None,
            _ => Some(Json::String(text.to_owned())),
        }
    }
}

/// The answers a new interview (`questions` at the top level), or a new
/// roster row (`questions` the roster's), starts with: each default.
pub fn default_answers<'q>(
    questions: impl IntoIterator<Item = &'q Question>,
) -> serde_json::Map<String, serde_json::Value> {
    // Inserted one by one: collecting into the map would sort, and bring a
    // stable sort's code (about 5 KB) into the citizens' form.
    let mut answers = serde_json::Map::new();
    for question in questions {
        if let Some(answer) = question.default_answer() {
            answers.insert(question.id.clone(), answer);
        }
    }
    answers
}

impl Survey {
    /// The answers a new interview starts with: the defaults of the
    /// questions outside rosters (a roster's are given to each row added).
    pub fn default_answers(&self) -> serde_json::Map<String, serde_json::Value> {
        default_answers(self.sections.iter().flat_map(|section| &section.questions))
    }

    /// Serde natively (messages with line and column), the small reader of
    /// [`crate::json`] in the browser.
    pub fn from_json(json: &str) -> Result<Self, crate::json::Error> {
        crate::json::from_str(json)
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self)
            .expect("a survey always serialises: all keys are strings")
    }

    /// The roster whose rows are the household members: the one holding the
    /// member-level roles (or, failing those, member-level indicators).
    /// `Survey::check` makes sure they all come from one roster.
    pub fn household_roster(&self) -> Option<&str> {
        let member_questions = self
            .roles
            .iter()
            .filter(|role| role.level() == Level::Member)
            .flat_map(|role| role.questions().iter())
            .chain(
                self.indicators
                    .iter()
                    .filter(|indicator| indicator.unit == Level::Member)
                    .flat_map(|indicator| indicator.components.iter().map(|c| &c.question)),
            );
        member_questions
            .filter_map(|id| self.question(id).and_then(|place| place.roster))
            .map(|roster| roster.id.as_str())
            .next()
    }

    pub fn choice_list(&self, id: &str) -> Option<&ChoiceList> {
        self.choice_lists.iter().find(|list| list.id == id)
    }

    /// Every question, in document order, with the roster it belongs to (if
    /// any) and the section it is in.
    pub fn questions(&self) -> impl Iterator<Item = QuestionPlace<'_>> {
        self.sections.iter().flat_map(|section| {
            section.questions.iter().flat_map(move |question| {
                let members = match &question.kind {
                    QuestionKind::Roster { questions, .. } => questions.as_slice(),
                    _ => &[],
                };
                std::iter::once(QuestionPlace {
                    section,
                    roster: None,
                    question,
                })
                .chain(members.iter().map(move |member| QuestionPlace {
                    section,
                    roster: Some(question),
                    question: member,
                }))
            })
        })
    }

    pub fn question(&self, id: &str) -> Option<QuestionPlace<'_>> {
        self.questions().find(|place| place.question.id == id)
    }

    /// Every admin area, level by level from the top, each level in the
    /// survey's order.
    pub fn areas_by_level(&self) -> Vec<&Area> {
        let mut found = Vec::new();
        let mut level: Vec<&Area> = self.areas.iter().collect();
        while !level.is_empty() {
            found.extend(level.iter().copied());
            level = level.iter().flat_map(|area| &area.children).collect();
        }
        found
    }

    pub fn has_sensitive_sections(&self) -> bool {
        self.sections.iter().any(|section| section.sensitive)
    }

    /// The question holding the respondent's own age, if the survey has one.
    pub fn respondent_sex_question(&self) -> Option<&str> {
        self.roles.iter().find_map(|role| match role {
            Role::Sex {
                level: Level::Respondent,
                question,
            } => Some(question.as_str()),
            _ => None,
        })
    }

    pub fn respondent_age_question(&self) -> Option<&str> {
        self.roles.iter().find_map(|role| match role {
            Role::Age {
                level: Level::Respondent,
                question,
            } => Some(question.as_str()),
            _ => None,
        })
    }

    /// The areas from the top level down to the one with this code.
    pub fn area_path(&self, code: &str) -> Option<Vec<&Area>> {
        fn down<'a>(areas: &'a [Area], code: &str, path: &mut Vec<&'a Area>) -> bool {
            for area in areas {
                path.push(area);
                if area.code == code || down(&area.children, code, path) {
                    return true;
                }
                path.pop();
            }
            false
        }
        let mut path = Vec::new();
        down(&self.areas, code, &mut path).then_some(path)
    }

    /// The respondent's location question and the answer that names
    /// `area` in it, when the area sits at the question's last level: an
    /// interview in a cluster starts with the cluster's area.
    pub fn location_answer(&self, area: &str) -> Option<(&str, serde_json::Value)> {
        let question = self.roles.iter().find_map(|role| match role {
            Role::Location {
                level: Level::Respondent,
                question,
            } => Some(question.as_str()),
            _ => None,
        })?;
        let QuestionKind::AdminArea { levels } = self.question(question)?.question.kind else {
            return None;
        };
        let path = self.area_path(area)?;
        (path.len() == levels as usize).then(|| {
            let codes = path
                .iter()
                .map(|area| serde_json::Value::from(area.code.as_str()));
            (question, serde_json::Value::Array(codes.collect()))
        })
    }
}

impl MinorRules {
    /// Whether a respondent of this age may answer only after an adult's
    /// consent and their own assent (old enough to answer, not yet adult).
    pub fn needs_adult_consent(&self, age: f64) -> bool {
        age >= f64::from(self.self_respondent_min_age) && age < f64::from(self.adult_age)
    }
}

/// Where a question sits in the survey.
#[derive(Clone, Copy, Debug)]
pub struct QuestionPlace<'s> {
    pub section: &'s Section,
    /// The roster question this one repeats within, if any.
    pub roster: Option<&'s Question>,
    pub question: &'s Question,
}

impl QuestionPlace<'_> {
    pub fn level(&self) -> Level {
        if self.roster.is_some() {
            Level::Member
        } else {
            Level::Respondent
        }
    }
}

//! Reading the schema's tagged enums (`kind: {type: …}`, `role: …`,
//! `denominator: {rule: …}`, `required: true | "expr"`) by hand.
//!
//! serde's derive buffers every internally tagged or untagged value into an
//! intermediate `Content` tree and deserialises it a second time, which
//! doubled the schema's deserialisation code in the browser client (about
//! 45 KB of wasm). Here each enum is read once as a flat record of every
//! possible field, then checked: fields of another variant are refused as
//! unknown, missing ones reported as missing, exactly as the derive did.

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Number;

use super::{Denominator, Level, Question, QuestionKind, Required, Role};
use crate::expr::Expression;
use crate::json::{FromJson, ReadError, Value};
use crate::text::Text;

/// Why a record is not one of its enum's variants; made into serde's error
/// by the `Deserialize` impls and into a [`ReadError`] by the `FromJson`
/// ones, so both read by the same rules.
enum Refusal {
    Missing(&'static str),
    /// A field of another variant, and the fields this one has.
    Unknown(&'static str, &'static [&'static str]),
    Variant(String, &'static [&'static str]),
    NotInteger,
}

impl Refusal {
    fn serde<E: de::Error>(self) -> E {
        match self {
            Refusal::Missing(field) => E::missing_field(field),
            Refusal::Unknown(field, expected) => E::unknown_field(field, expected),
            Refusal::Variant(name, expected) => E::unknown_variant(&name, expected),
            Refusal::NotInteger => {
                E::invalid_type(de::Unexpected::Other("a non-integer number"), &"an integer")
            }
        }
    }
}

impl From<Refusal> for ReadError {
    fn from(refusal: Refusal) -> Self {
        ReadError::new(match refusal {
            Refusal::Missing(field) => format!("missing field `{field}`"),
            Refusal::Unknown(field, _) => format!("unknown field `{field}`"),
            Refusal::Variant(name, _) => format!("unknown variant `{name}`"),
            Refusal::NotInteger => "expected an integer, found a non-integer number".to_owned(),
        })
    }
}

fn need<T>(value: Option<T>, field: &'static str) -> Result<T, Refusal> {
    value.ok_or(Refusal::Missing(field))
}

/// Refuses `field` when it is present: it belongs to another variant.
fn refuse<T>(
    value: &Option<T>,
    field: &'static str,
    expected: &'static [&'static str],
) -> Result<(), Refusal> {
    match value {
        Some(_) => Err(Refusal::Unknown(field, expected)),
        None => Ok(()),
    }
}

#[derive(Deserialize, FromJson)]
#[serde(deny_unknown_fields)]
struct RoleRecord {
    // A string, not an enum: each enum of names costs its own visitor in
    // the wasm; a match on text costs almost nothing.
    role: String,
    level: Level,
    question: Option<String>,
    questions: Option<Vec<String>>,
    disabled_if: Option<Vec<String>>,
    household: Option<bool>,
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RoleRecord::deserialize(deserializer)?
            .role()
            .map_err(Refusal::serde)
    }
}

impl FromJson for Role {
    fn read(value: Value) -> Result<Self, ReadError> {
        Ok(RoleRecord::read(value)?.role()?)
    }
}

impl RoleRecord {
    fn role(self) -> Result<Role, Refusal> {
        const ROLES: &[&str] = &[
            "sex",
            "age",
            "location",
            "disability",
            "displacement",
            "urban_rural",
        ];
        const ONE: &[&str] = &["role", "level", "question"];
        const DISPLACEMENT: &[&str] = &["role", "level", "question", "household"];
        const DISABILITY: &[&str] = &["role", "level", "questions", "disabled_if"];
        let record = self;
        let level = record.level;
        if record.role != "displacement" {
            let expected = if record.role == "disability" {
                DISABILITY
            } else {
                ONE
            };
            refuse(&record.household, "household", expected)?;
        }
        if record.role == "disability" {
            refuse(&record.question, "question", DISABILITY)?;
            return Ok(Role::Disability {
                level,
                questions: need(record.questions, "questions")?,
                disabled_if: need(record.disabled_if, "disabled_if")?,
            });
        }
        let expected = if record.role == "displacement" {
            DISPLACEMENT
        } else {
            ONE
        };
        refuse(&record.questions, "questions", expected)?;
        refuse(&record.disabled_if, "disabled_if", expected)?;
        if !ROLES.contains(&record.role.as_str()) {
            return Err(Refusal::Variant(record.role, ROLES));
        }
        let question = need(record.question, "question")?;
        Ok(match record.role.as_str() {
            "sex" => Role::Sex { level, question },
            "age" => Role::Age { level, question },
            "location" => Role::Location { level, question },
            "displacement" => Role::Displacement {
                level,
                question,
                household: record.household.unwrap_or(false),
            },
            _ => Role::UrbanRural { level, question },
        })
    }
}

// Read by the browser without the record: see `FromJson for QuestionKind`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindRecord {
    #[serde(rename = "type")]
    kind: String,
    list: Option<String>,
    min_choices: Option<u32>,
    max_choices: Option<u32>,
    min: Option<Number>,
    max: Option<Number>,
    max_length: Option<u32>,
    levels: Option<u32>,
    calculation: Option<Expression>,
    min_rows: Option<u32>,
    max_rows: Option<u32>,
    row_label: Option<Text>,
    questions: Option<Vec<Question>>,
}

impl KindRecord {
    /// Refuses every field not in `allowed` (besides `type`).
    fn only(&self, allowed: &'static [&'static str]) -> Result<(), Refusal> {
        let present = [
            ("list", self.list.is_some()),
            ("min_choices", self.min_choices.is_some()),
            ("max_choices", self.max_choices.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("max_length", self.max_length.is_some()),
            ("levels", self.levels.is_some()),
            ("calculation", self.calculation.is_some()),
            ("min_rows", self.min_rows.is_some()),
            ("max_rows", self.max_rows.is_some()),
            ("row_label", self.row_label.is_some()),
            ("questions", self.questions.is_some()),
        ];
        match present
            .iter()
            .find(|(field, is_present)| *is_present && !allowed.contains(field))
        {
            Some((field, _)) => Err(Refusal::Unknown(field, allowed)),
            None => Ok(()),
        }
    }
}

fn integer(number: Option<Number>) -> Result<Option<i64>, Refusal> {
    number
        .map(|n| n.as_i64().ok_or(Refusal::NotInteger))
        .transpose()
}

fn decimal(number: Option<Number>) -> Option<f64> {
    number.and_then(|n| n.as_f64())
}

impl<'de> Deserialize<'de> for QuestionKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        KindRecord::deserialize(deserializer)?
            .kind()
            .map_err(Refusal::serde)
    }
}

/// The fields of `KindRecord`, in its order (serde's positional form).
const KIND_FIELDS: &[&str] = &[
    "type",
    "list",
    "min_choices",
    "max_choices",
    "min",
    "max",
    "max_length",
    "levels",
    "calculation",
    "min_rows",
    "max_rows",
    "row_label",
    "questions",
];

/// The same rules as `KindRecord::kind`, without building the record of
/// thirteen fields first (about 1 KB less wasm): every field of the record
/// but `type` is an `Option`, so one written `null` is as absent; then the
/// kind takes its own fields and any other key left is refused, which is
/// what the record's `deny_unknown_fields` and `only` refuse together.
/// The tests in `json/tests.rs` hold both to the same answers.
impl FromJson for QuestionKind {
    fn read(value: Value) -> Result<Self, ReadError> {
        use crate::json::field;
        let mut map = crate::json::object(value, KIND_FIELDS, KIND_FIELDS.len())?;
        map.retain(|key, value| {
            key == "type" || !value.is_null() || !KIND_FIELDS.contains(&key.as_str())
        });
        let kind: String = field(&mut map, "type")?;
        let read = match kind.as_str() {
            "single" => QuestionKind::Single {
                list: field(&mut map, "list")?,
            },
            "ordinal" => QuestionKind::Ordinal {
                list: field(&mut map, "list")?,
            },
            "multiple" => QuestionKind::Multiple {
                list: field(&mut map, "list")?,
                min_choices: field(&mut map, "min_choices")?,
                max_choices: field(&mut map, "max_choices")?,
            },
            "integer" => QuestionKind::Integer {
                min: integer(field(&mut map, "min")?)?,
                max: integer(field(&mut map, "max")?)?,
            },
            "decimal" => QuestionKind::Decimal {
                min: decimal(field(&mut map, "min")?),
                max: decimal(field(&mut map, "max")?),
            },
            "text" => QuestionKind::Text {
                max_length: field(&mut map, "max_length")?,
            },
            "admin_area" => QuestionKind::AdminArea {
                levels: field(&mut map, "levels")?,
            },
            "calculate" => QuestionKind::Calculate {
                calculation: field(&mut map, "calculation")?,
            },
            "roster" => QuestionKind::Roster {
                min_rows: field::<Option<u32>>(&mut map, "min_rows")?.unwrap_or(0),
                max_rows: field(&mut map, "max_rows")?,
                row_label: field(&mut map, "row_label")?,
                questions: field(&mut map, "questions")?,
            },
            "yes_no" => QuestionKind::YesNo,
            "date" => QuestionKind::Date,
            "time" => QuestionKind::Time,
            "date_time" => QuestionKind::DateTime,
            "note" => QuestionKind::Note,
            other => return Err(ReadError::new(format!("unknown variant `{other}`"))),
        };
        crate::json::refuse_rest(map)?;
        Ok(read)
    }
}

impl KindRecord {
    // One arm per kind with its own fields, as its JSON form is written.
    fn kind(self) -> Result<QuestionKind, Refusal> {
        const KINDS: &[&str] = &[
            "single",
            "multiple",
            "yes_no",
            "ordinal",
            "integer",
            "decimal",
            "text",
            "date",
            "time",
            "date_time",
            "admin_area",
            "note",
            "calculate",
            "roster",
        ];
        let record = self;
        Ok(match record.kind.as_str() {
            "single" => {
                record.only(&["type", "list"])?;
                QuestionKind::Single {
                    list: need(record.list, "list")?,
                }
            }
            "ordinal" => {
                record.only(&["type", "list"])?;
                QuestionKind::Ordinal {
                    list: need(record.list, "list")?,
                }
            }
            "multiple" => {
                record.only(&["type", "list", "min_choices", "max_choices"])?;
                QuestionKind::Multiple {
                    list: need(record.list, "list")?,
                    min_choices: record.min_choices,
                    max_choices: record.max_choices,
                }
            }
            "integer" => {
                record.only(&["type", "min", "max"])?;
                QuestionKind::Integer {
                    min: integer(record.min)?,
                    max: integer(record.max)?,
                }
            }
            "decimal" => {
                record.only(&["type", "min", "max"])?;
                QuestionKind::Decimal {
                    min: decimal(record.min),
                    max: decimal(record.max),
                }
            }
            "text" => {
                record.only(&["type", "max_length"])?;
                QuestionKind::Text {
                    max_length: need(record.max_length, "max_length")?,
                }
            }
            "admin_area" => {
                record.only(&["type", "levels"])?;
                QuestionKind::AdminArea {
                    levels: need(record.levels, "levels")?,
                }
            }
            "calculate" => {
                record.only(&["type", "calculation"])?;
                QuestionKind::Calculate {
                    calculation: need(record.calculation, "calculation")?,
                }
            }
            "roster" => {
                record.only(&["type", "min_rows", "max_rows", "row_label", "questions"])?;
                QuestionKind::Roster {
                    min_rows: record.min_rows.unwrap_or(0),
                    max_rows: need(record.max_rows, "max_rows")?,
                    row_label: need(record.row_label, "row_label")?,
                    questions: need(record.questions, "questions")?,
                }
            }
            unit @ ("yes_no" | "date" | "time" | "date_time" | "note") => {
                record.only(&["type"])?;
                match unit {
                    "yes_no" => QuestionKind::YesNo,
                    "date" => QuestionKind::Date,
                    "time" => QuestionKind::Time,
                    "date_time" => QuestionKind::DateTime,
                    _ => QuestionKind::Note,
                }
            }
            other => return Err(Refusal::Variant(other.to_owned(), KINDS)),
        })
    }
}

#[derive(Deserialize, FromJson)]
#[serde(deny_unknown_fields)]
struct DenominatorRecord {
    rule: String,
    filter: Option<Expression>,
}

impl<'de> Deserialize<'de> for Denominator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DenominatorRecord::deserialize(deserializer)?
            .denominator()
            .map_err(Refusal::serde)
    }
}

impl FromJson for Denominator {
    fn read(value: Value) -> Result<Self, ReadError> {
        Ok(DenominatorRecord::read(value)?.denominator()?)
    }
}

impl DenominatorRecord {
    fn denominator(self) -> Result<Denominator, Refusal> {
        const RULES: &[&str] = &["all", "valid_answers", "subpopulation"];
        const RULE_ONLY: &[&str] = &["rule"];
        let record = self;
        match record.rule.as_str() {
            "all" => refuse(&record.filter, "filter", RULE_ONLY).map(|()| Denominator::All),
            "valid_answers" => {
                refuse(&record.filter, "filter", RULE_ONLY).map(|()| Denominator::ValidAnswers)
            }
            "subpopulation" => Ok(Denominator::Subpopulation {
                filter: need(record.filter, "filter")?,
            }),
            other => Err(Refusal::Variant(other.to_owned(), RULES)),
        }
    }
}

impl<'de> Deserialize<'de> for Required {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RequiredVisitor;
        impl de::Visitor<'_> for RequiredVisitor {
            type Value = Required;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true, false or an expression")
            }

            fn visit_bool<E: de::Error>(self, always: bool) -> Result<Required, E> {
                Ok(Required::Always(always))
            }

            fn visit_str<E: de::Error>(self, expression: &str) -> Result<Required, E> {
                Ok(Required::When(Expression::new(expression)))
            }
        }
        deserializer.deserialize_any(RequiredVisitor)
    }
}

impl FromJson for Required {
    fn read(value: Value) -> Result<Self, ReadError> {
        match value {
            Value::Bool(always) => Ok(Required::Always(always)),
            Value::String(expression) => Ok(Required::When(Expression::new(expression))),
            _ => Err(ReadError::new("expected true, false or an expression")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(json: &str) -> Result<QuestionKind, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn the_own_refusals_are_exactly_those_of_the_kinds() {
        let mut given: Vec<_> = crate::sample::QUESTION_KINDS
            .iter()
            .filter_map(|json| kind(json).expect("a sample kind").own_refusal())
            .collect();
        given.sort();
        let mut listed = QuestionKind::OWN_REFUSALS.to_vec();
        listed.sort();
        assert_eq!(given, listed);
    }

    #[test]
    fn every_kind_reads_back_what_it_writes() {
        let kinds = crate::sample::QUESTION_KINDS;
        for json in kinds {
            let parsed = kind(json).expect(json);
            let written = serde_json::to_string(&parsed).expect("serialises");
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&written).expect("json"),
                serde_json::from_str::<serde_json::Value>(json).expect("json"),
                "{json}"
            );
        }
    }

    #[test]
    fn fields_of_another_kind_and_missing_fields_are_refused() {
        let wrong = kind(r#"{"type":"single","list":"yn","max_length":3}"#).expect_err("refused");
        assert!(wrong.contains("unknown field `max_length`"), "{wrong}");
        let typo = kind(r#"{"type":"single","lst":"yn"}"#).expect_err("refused");
        assert!(typo.contains("unknown field `lst`"), "{typo}");
        let missing = kind(r#"{"type":"single"}"#).expect_err("refused");
        assert!(missing.contains("missing field `list`"), "{missing}");
        let fraction = kind(r#"{"type":"integer","min":1.5}"#).expect_err("refused");
        assert!(fraction.contains("integer"), "{fraction}");
        let unknown = kind(r#"{"type":"slider"}"#).expect_err("refused");
        assert!(unknown.contains("unknown variant `slider`"), "{unknown}");
    }

    #[test]
    fn appearances_are_words_in_any_case() {
        let mut question: Question = serde_json::from_str(
            r#"{"id":"q","label":{"en":"Q"},"kind":{"type":"text","max_length":200},"appearance":"w3 MultiLine"}"#,
        )
        .expect("question");
        assert!(question.appears("multiline"));
        assert!(!question.appears("minimal"));
        question.appearance = Some("minimalist".into());
        assert!(!question.appears("minimal"));
        question.appearance = None;
        assert!(!question.appears("multiline"));
    }

    #[test]
    fn only_displacement_may_describe_the_household() {
        let json =
            r#"{"role":"displacement","level":"respondent","question":"d","household":true}"#;
        let role: Role = serde_json::from_str(json).expect("household displacement");
        assert!(role.describes_household());
        assert_eq!(
            serde_json::to_value(&role).expect("json"),
            serde_json::from_str::<serde_json::Value>(json).expect("json")
        );
        let own: Role =
            serde_json::from_str(r#"{"role":"displacement","level":"respondent","question":"d"}"#)
                .expect("own displacement");
        assert!(!own.describes_household());
        assert!(
            !serde_json::to_string(&own)
                .expect("json")
                .contains("household")
        );
        let sex = serde_json::from_str::<Role>(
            r#"{"role":"sex","level":"respondent","question":"s","household":true}"#,
        )
        .expect_err("refused")
        .to_string();
        assert!(sex.contains("unknown field `household`"), "{sex}");
    }

    #[test]
    fn roles_denominators_and_required_read_as_before() {
        let role: Role =
            serde_json::from_str(r#"{"role":"age","level":"member","question":"mem_age"}"#)
                .expect("age role");
        assert_eq!(role.dimension(), "age");
        let wrong = serde_json::from_str::<Role>(
            r#"{"role":"sex","level":"member","question":"q","disabled_if":["a"]}"#,
        )
        .expect_err("refused")
        .to_string();
        assert!(wrong.contains("unknown field `disabled_if`"), "{wrong}");
        let denominator: Denominator =
            serde_json::from_str(r#"{"rule":"subpopulation","filter":"${a} = 'yes'"}"#)
                .expect("subpopulation");
        assert!(matches!(denominator, Denominator::Subpopulation { .. }));
        assert!(serde_json::from_str::<Denominator>(r#"{"rule":"all","filter":"1"}"#).is_err());
        let always: Required = serde_json::from_str("true").expect("bool");
        assert!(matches!(always, Required::Always(true)));
        let when: Required = serde_json::from_str(r#""${a} > 1""#).expect("expression");
        assert!(matches!(when, Required::When(_)));
        assert!(serde_json::from_str::<Required>("3").is_err());
    }
}

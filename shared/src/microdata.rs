//! De-identified microdata: which columns a survey's answers become, what
//! each means (the codebook), and one submission as rows of text.
//!
//! Left out on purpose: the submission id (it is also on the device), the
//! enumerator, free text (unless the survey marks a question
//! `microdata_safe`), exact dates (only the month is kept) and the cluster's
//! own name (replaced by a number). Every answer code is kept as stored:
//! DK and RA included, so an analyst can apply any denominator rule.

use crate::date::Date;
use crate::schema::{ChoiceList, Level, Question, QuestionKind, Survey};
use crate::submission::Submission;

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
    MemberNo,
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
    /// A date answer, cut to its month.
    DateMonth,
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
#[derive(Clone, Debug)]
pub struct Layout {
    pub level: Level,
    pub columns: Vec<Column>,
    roster: Option<String>,
}

impl Layout {
    pub fn new(survey: &Survey, level: Level, language: &str) -> Self {
        let fallback = survey.default_language.as_str();
        let design = |name: &str, label: &str, kind: &'static str, source: Source| Column {
            name: name.to_owned(),
            question: String::new(),
            item: String::new(),
            label: label.to_owned(),
            kind,
            values: String::new(),
            source,
        };
        let mut columns = vec![design(
            "respondent_no",
            "Respondent number in this file (not the submission id)",
            "integer",
            Source::RespondentNo,
        )];
        let roster = match level {
            Level::Respondent => None,
            Level::Member => crate::facts::household_roster(survey).map(str::to_owned),
        };
        if level == Level::Member {
            columns.push(design(
                "member_no",
                "Row of the household roster",
                "integer",
                Source::MemberNo,
            ));
        }
        columns.extend([
            design(
                "channel",
                "enumerator (probability sample) or online (opt-in)",
                "text",
                Source::Channel,
            ),
            design(
                "survey_version",
                "Survey version answered",
                "integer",
                Source::SurveyVersion,
            ),
            design(
                "interview_month",
                "Month the interview was completed (YYYY-MM)",
                "text",
                Source::Month,
            ),
            design(
                "psu",
                "Primary sampling unit (cluster), numbered",
                "integer",
                Source::Psu,
            ),
            design("stratum", "Stratum", "text", Source::Stratum),
            design(
                "weight",
                "Final weight (empty: none uploaded)",
                "decimal",
                Source::Weight,
            ),
        ]);
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
        Self {
            level,
            columns,
            roster,
        }
    }

    pub fn header(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The rows one submission gives: one for a respondent, one per roster
    /// row for members.
    pub fn rows(
        &self,
        submission: &Submission,
        respondent_no: u64,
        design: &Design,
    ) -> Vec<Vec<String>> {
        match self.level {
            Level::Respondent => vec![self.row(submission, respondent_no, None, design)],
            Level::Member => {
                let rows = self
                    .roster
                    .as_ref()
                    .and_then(|roster| submission.answers.get(roster))
                    .and_then(serde_json::Value::as_array)
                    .map_or(0, Vec::len);
                (0..rows)
                    .map(|row| self.row(submission, respondent_no, Some(row), design))
                    .collect()
            }
        }
    }

    fn row(
        &self,
        submission: &Submission,
        respondent_no: u64,
        member: Option<usize>,
        design: &Design,
    ) -> Vec<String> {
        let answers = match (member, &self.roster) {
            (Some(row), Some(roster)) => submission
                .answers
                .get(roster)
                .and_then(|rows| rows.get(row))
                .and_then(serde_json::Value::as_object),
            _ => Some(&submission.answers),
        };
        self.columns
            .iter()
            .map(|column| match &column.source {
                Source::RespondentNo => respondent_no.to_string(),
                Source::MemberNo => member.map_or_else(String::new, |row| (row + 1).to_string()),
                Source::Channel => submission.channel.as_str().to_owned(),
                Source::SurveyVersion => submission.survey_version.to_string(),
                Source::Month => {
                    let (year, month, _) = submission.completed_at.local_date().ymd();
                    format!("{year:04}-{month:02}")
                }
                Source::Psu => design.psu.map_or_else(String::new, |psu| psu.to_string()),
                Source::Stratum => design.stratum.clone().unwrap_or_default(),
                Source::Weight => design.weight.map_or_else(String::new, |w| w.to_string()),
                Source::Answer | Source::Chosen(_) | Source::AreaLevel(_) | Source::DateMonth => {
                    let answer = answers.and_then(|a| a.get(&column.question));
                    cell(&column.source, answer)
                }
            })
            .collect()
    }
}

fn cell(source: &Source, answer: Option<&serde_json::Value>) -> String {
    use serde_json::Value as Json;
    let Some(answer) = answer.filter(|a| !a.is_null()) else {
        return String::new();
    };
    match (source, answer) {
        (Source::Chosen(code), Json::Array(codes)) => {
            let chosen = codes.iter().any(|c| c.as_str() == Some(code));
            (if chosen { "1" } else { "0" }).to_owned()
        }
        (Source::AreaLevel(level), Json::Array(codes)) => codes
            .get(*level)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned(),
        (Source::DateMonth, Json::String(text)) => Date::parse(text)
            .map(|date| {
                let (year, month, _) = date.ymd();
                format!("{year:04}-{month:02}")
            })
            .unwrap_or_default(),
        (Source::Answer, Json::String(text)) => text.clone(),
        (Source::Answer, Json::Number(number)) => number.to_string(),
        (Source::Answer, Json::Bool(value)) => value.to_string(),
        _ => String::new(),
    }
}

fn values(list: Option<&ChoiceList>, language: &str, fallback: &str) -> String {
    list.map(|list| {
        list.choices
            .iter()
            .map(|choice| {
                let missing = if choice.missing.is_some() {
                    " (missing)"
                } else {
                    ""
                };
                format!(
                    "{}={}{missing}",
                    choice.value,
                    choice.label.get(language, fallback)
                )
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
                values(survey.choice_list(list), language, fallback),
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
                            format!(
                                "1=chose {} | 0=did not",
                                choice.label.get(language, fallback)
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
            "YYYY-MM (day removed)".into(),
            Source::DateMonth,
        )],
        QuestionKind::Calculate { .. } => vec![base(
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
        QuestionKind::Text { .. } | QuestionKind::Note | QuestionKind::Roster { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community_safety;
    use crate::sample::household_interview;

    #[test]
    fn respondents_get_one_row_with_design_and_coded_answers() {
        let survey = community_safety();
        let layout = Layout::new(&survey, Level::Respondent, "en");
        let header = layout.header();
        assert_eq!(
            &header[..8],
            [
                "respondent_no",
                "channel",
                "survey_version",
                "interview_month",
                "psu",
                "stratum",
                "weight",
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
        let rows = layout.rows(&household_interview(), 41, &design);
        assert_eq!(rows.len(), 1);
        let value = |name: &str| {
            let at = header.iter().position(|h| *h == name).expect("column");
            rows[0][at].as_str()
        };
        assert_eq!(value("respondent_no"), "41");
        assert_eq!(value("interview_month"), "2026-11");
        assert_eq!(
            (value("psu"), value("stratum"), value("weight")),
            ("7", "s1", "12.5")
        );
        assert_eq!(value("resp_sex"), "female");
        assert_eq!(value("resp_age"), "34");
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
        let layout = Layout::new(&survey, Level::Member, "en");
        let header = layout.header();
        assert_eq!(&header[..2], ["respondent_no", "member_no"]);
        let rows = layout.rows(&household_interview(), 3, &Design::default());
        assert_eq!(rows.len(), 6);
        let at = header
            .iter()
            .position(|h| *h == "mem_age")
            .expect("mem_age");
        let ages: Vec<&str> = rows.iter().map(|r| r[at].as_str()).collect();
        assert_eq!(ages, ["34", "39", "12", "9", "4", "67"]);
        assert_eq!(rows[5][1], "6");
    }
}

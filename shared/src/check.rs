//! `Survey::check`: everything wrong with a survey definition, all at once,
//! before it can be published.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::expr::{Expr, Expression, Function};
use crate::field_error::FieldErrorCode;
use crate::schema::{
    Area, ChoiceList, Denominator, Indicator, Level, Question, QuestionKind, Required, Role, Survey,
};
use crate::text::{Text, is_language_tag};
use crate::words::{FormWord, Key, Word};

/// One problem in a survey definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Where: `questions.saf_1.relevant`, `choice_lists.agree.choices.dk.label.ar`…
    pub path: String,
    pub code: ProblemCode,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// A length or range limit of the schema (too long an id, no sections…).
    OutOfBounds,
    InvalidId,
    DuplicateId,
    InvalidLanguage,
    MissingTranslation,
    ExpressionSyntax,
    UnknownReference,
    /// `.` outside a constraint, or `position(..)` outside a roster.
    MisplacedExpression,
    Cycle,
    UnknownList,
    InvalidRange,
    NestedRoster,
    UnknownQuestion,
    WrongKind,
    UnknownCategory,
    WrongLevel,
    DuplicateRole,
    MissingRole,
    InvalidArea,
    /// A text with a control character other than a line break or a tab.
    InvalidText,
    /// An interface word under a key Salama does not have.
    UnknownWord,
    /// A question's `default` that is no answer to it.
    InvalidDefault,
}

impl Survey {
    /// Every problem with this definition; empty when it can be published.
    pub fn check(&self) -> Vec<Problem> {
        let mut checker = Checker {
            survey: self,
            problems: Vec::new(),
            placeholders: Vec::new(),
        };
        checker.run();
        checker.problems
    }

    /// The keys of the interface words `language` lacks for this survey:
    /// neither built in nor given in `interface_words`. A kind's own
    /// validation messages count only where the survey has that kind.
    pub fn missing_interface_words(&self, language: &str) -> Vec<String> {
        FormWord::ALL
            .iter()
            .map(|word| Word::Form(*word))
            .chain(
                FieldErrorCode::ALL
                    .into_iter()
                    .filter(|code| can_raise(self, *code))
                    .map(Word::Message),
            )
            .filter(|word| {
                word.built_in(language).is_none() && self.own_word(*word, language).is_none()
            })
            .map(|word| word.key().into_owned())
            .collect()
    }
}

struct Checker<'s> {
    survey: &'s Survey,
    problems: Vec<Problem>,
    /// `${name}` placeholders met in texts, by path, checked once the
    /// questions are known.
    placeholders: Vec<(String, &'s str)>,
}

/// Question ids are referenced as `${id}` and become column names: keep them
/// to letters, digits and underscores, starting with a letter or underscore.
fn is_name(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A choice's own fields, which its columns cannot be named after (an
/// XLSForm choices sheet has a column for each).
const CHOICE_FIELDS: [&str; 5] = ["name", "label", "list_name", "missing", "exclusive"];

/// Choice values and area codes travel in answers and CSV; multiple-choice
/// answers are space-separated in XLSForm, so no spaces.
fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

impl<'s> Checker<'s> {
    fn report(&mut self, path: impl Into<String>, code: ProblemCode, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            code,
            message: message.into(),
        });
    }

    fn run(&mut self) {
        let survey = self.survey;
        self.structure("", survey.validate());
        if !survey
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            self.report(
                "id",
                ProblemCode::InvalidId,
                format!(
                    "survey id `{}`: an id uses letters, digits, `_` and `-` only",
                    survey.id.escape_debug()
                ),
            );
        }
        self.languages();
        self.texts();
        self.choice_lists();
        self.areas();
        let places = self.questions();
        self.placeholders(&places);
        self.expressions(&places);
        self.cycles(&places);
        self.roles(&places);
        self.indicators(&places);
        self.household_roster(&places);
        self.consent();
    }

    /// Length and range limits declared with `validator` on the schema types.
    fn structure(&mut self, prefix: &str, result: Result<(), ValidationErrors>) {
        let Err(errors) = result else { return };
        let mut fields: Vec<_> = errors.errors().iter().collect();
        fields.sort_by_key(|(field, _)| field.to_string());
        for (field, kind) in fields {
            if let ValidationErrorsKind::Field(errors) = kind {
                for error in errors {
                    let mut limits: Vec<String> = error
                        .params
                        .iter()
                        .filter(|(name, _)| *name != "value")
                        .map(|(name, value)| format!("{name} {value}"))
                        .collect();
                    limits.sort();
                    let path = if prefix.is_empty() {
                        field.to_string()
                    } else {
                        format!("{prefix}.{field}")
                    };
                    self.report(
                        path,
                        ProblemCode::OutOfBounds,
                        format!(
                            "`{field}` is outside its limits ({}: {})",
                            error.code,
                            limits.join(", ")
                        ),
                    );
                }
            }
        }
    }

    fn languages(&mut self) {
        let survey = self.survey;
        let mut seen = HashSet::new();
        for language in &survey.languages {
            if !is_language_tag(language) {
                self.report(
                    "languages",
                    ProblemCode::InvalidLanguage,
                    format!("`{language}` is not a language tag such as `en` or `fr-CA`"),
                );
            }
            if !seen.insert(language.as_str()) {
                self.report(
                    "languages",
                    ProblemCode::InvalidLanguage,
                    format!("`{language}` is listed twice"),
                );
            }
        }
        if !survey.languages.contains(&survey.default_language) {
            self.report(
                "default_language",
                ProblemCode::InvalidLanguage,
                format!(
                    "the default language `{}` is not among the survey's languages",
                    survey.default_language
                ),
            );
        }
        self.interface_words();
    }

    /// The survey's own interface words are for its languages, under known
    /// keys, and every language has every word the form shows (built in or
    /// given): otherwise a respondent meets an English button in the middle
    /// of a Swahili form.
    fn interface_words(&mut self) {
        let survey = self.survey;
        for (language, words) in &survey.interface_words {
            if !survey.languages.contains(language) {
                self.report(
                    format!("interface_words.{language}"),
                    ProblemCode::InvalidLanguage,
                    format!("`{language}` is not among the survey's languages"),
                );
            }
            for (key, text) in words {
                let path = format!("interface_words.{language}.{key}");
                let Some(word) = Word::parse(key) else {
                    self.report(
                        path,
                        ProblemCode::UnknownWord,
                        format!(
                            "`{key}` is not an interface word; the nearest is `{}`",
                            Word::nearest_key(key)
                        ),
                    );
                    continue;
                };
                if text.trim().is_empty() || text.chars().any(|c| c.is_control() && c != '\n') {
                    self.report(
                        path,
                        ProblemCode::InvalidText,
                        "a text, without control characters but line breaks",
                    );
                    continue;
                }
                let lost: Vec<&str> = word
                    .placeholders()
                    .iter()
                    .copied()
                    .filter(|placeholder| !text.contains(placeholder))
                    .collect();
                if !lost.is_empty() {
                    self.report(
                        path,
                        ProblemCode::InvalidText,
                        format!("keep {} where the value goes", lost.join(" and ")),
                    );
                }
            }
        }
        for language in &survey.languages {
            // Whether Salama has the language, not whether this build
            // carries its texts: the browser builds carry English only.
            if crate::words::built_in_language(language).is_some() {
                continue;
            }
            let missing = survey.missing_interface_words(language);
            if !missing.is_empty() {
                self.report(
                    format!("interface_words.{language}"),
                    ProblemCode::MissingTranslation,
                    format!(
                        "`{language}` has no built-in interface words; give these {}: {}",
                        missing.len(),
                        missing.join(", ")
                    ),
                );
            }
        }
    }

    fn text(&mut self, path: &str, text: &'s Text) {
        // Survey texts reach screens, CSV and XLSX cells and logs; a control
        // character breaks XLSX files outright and can hide text on screen.
        for (language, content) in &text.0 {
            if content
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
            {
                self.report(
                    format!("{path}.{language}"),
                    ProblemCode::InvalidText,
                    "no control characters but line breaks and tabs",
                );
            }
        }
        for (language, content) in &text.0 {
            for (_, name) in crate::text::placeholders(content) {
                self.placeholders.push((format!("{path}.{language}"), name));
            }
        }
        for language in &self.survey.languages {
            if !text.has(language) {
                self.report(
                    format!("{path}.{language}"),
                    ProblemCode::MissingTranslation,
                    format!("no `{language}` text"),
                );
            }
        }
    }

    fn texts(&mut self) {
        let survey = self.survey;
        self.text("title", &survey.title);
        if let Some(description) = &survey.description {
            self.text("description", description);
        }
        if let Some(notice) = &survey.safety_notice {
            self.text("safety_notice", notice);
        }
        self.text("consent.script", &survey.consent.script);
        self.text("consent.question", &survey.consent.question);
        if let Some(minors) = &survey.consent.minors {
            self.text(
                "consent.minors.adult_consent_question",
                &minors.adult_consent_question,
            );
            self.text("consent.minors.assent_question", &minors.assent_question);
        }
        for level in &survey.area_levels {
            self.text(&format!("area_levels.{}.label", level.id), &level.label);
        }
        for section in &survey.sections {
            self.text(&format!("sections.{}.title", section.id), &section.title);
            if let Some(referrals) = &section.referrals {
                self.text(&format!("sections.{}.referrals", section.id), referrals);
            }
        }
        for place in survey.questions() {
            let question = place.question;
            let path = format!("questions.{}", question.id);
            self.text(&format!("{path}.label"), &question.label);
            if let Some(hint) = &question.hint {
                self.text(&format!("{path}.hint"), hint);
            }
            if let Some(message) = &question.constraint_message {
                self.text(&format!("{path}.constraint_message"), message);
            }
            if let QuestionKind::Roster { row_label, .. } = &question.kind {
                self.text(&format!("{path}.row_label"), row_label);
            }
            if let Some(appearance) = &question.appearance
                && appearance.chars().any(char::is_control)
            {
                self.report(
                    format!("{path}.appearance"),
                    ProblemCode::InvalidText,
                    "an appearance is words on one line, without control characters",
                );
            }
        }
        for indicator in &survey.indicators {
            self.text(
                &format!("indicators.{}.name", indicator.id),
                &indicator.name,
            );
        }
    }

    fn choice_lists(&mut self) {
        let mut ids = HashSet::new();
        for list in &self.survey.choice_lists {
            let path = format!("choice_lists.{}", list.id);
            self.structure(&path, list.validate());
            if !is_name(&list.id) {
                self.report(
                    &path,
                    ProblemCode::InvalidId,
                    "a list id uses letters, digits and `_`, not starting with a digit",
                );
            }
            if !ids.insert(list.id.as_str()) {
                self.report(
                    &path,
                    ProblemCode::DuplicateId,
                    format!("list `{}` is defined twice", list.id),
                );
            }
            let mut values = HashSet::new();
            for choice in &list.choices {
                let choice_path = format!("{path}.choices.{}", choice.value);
                if !is_code(&choice.value) {
                    self.report(
                        &choice_path,
                        ProblemCode::InvalidId,
                        format!(
                            "choice value `{}`: a value uses letters, digits, `_`, `-` and `.`, no spaces",
                            choice.value.escape_debug()
                        ),
                    );
                }
                if !values.insert(choice.value.as_str()) {
                    self.report(
                        &choice_path,
                        ProblemCode::DuplicateId,
                        format!("`{}` appears twice in the list", choice.value),
                    );
                }
                self.text(&format!("{choice_path}.label"), &choice.label);
                for column in choice.columns.keys() {
                    if !is_name(column) || CHOICE_FIELDS.contains(&column.as_str()) {
                        self.report(
                            format!("{choice_path}.columns"),
                            ProblemCode::InvalidId,
                            format!(
                                "column `{}`: a choice column is named with letters, digits and `_`, not starting with a digit, and is none of {}",
                                column.escape_debug(),
                                CHOICE_FIELDS.join(", ")
                            ),
                        );
                    }
                }
            }
        }
    }

    fn areas(&mut self) {
        let survey = self.survey;
        let depth = survey.area_levels.len();
        let mut codes = HashSet::new();
        let mut stack: Vec<(&Area, usize, String)> = survey
            .areas
            .iter()
            .map(|area| (area, 1, format!("areas.{}", area.code)))
            .collect();
        while let Some((area, level, path)) = stack.pop() {
            self.structure(&path, area.validate());
            if !is_code(&area.code) {
                self.report(
                    &path,
                    ProblemCode::InvalidId,
                    "an area code uses letters, digits, `_`, `-` and `.`",
                );
            }
            if !codes.insert(area.code.as_str()) {
                self.report(
                    &path,
                    ProblemCode::DuplicateId,
                    format!("area code `{}` is used twice", area.code),
                );
            }
            self.text(&format!("{path}.name"), &area.name);
            if area.children.is_empty() && level != depth {
                self.report(&path, ProblemCode::InvalidArea, format!("the area stops at level {level} of {depth}; every branch must reach the lowest level"));
            }
            if level > depth {
                self.report(
                    &path,
                    ProblemCode::InvalidArea,
                    format!("the area is at level {level} but only {depth} levels are declared"),
                );
                continue;
            }
            stack.extend(
                area.children
                    .iter()
                    .map(|child| (child, level + 1, format!("{path}.children.{}", child.code))),
            );
        }
        let mut level_ids = HashSet::new();
        for level in &survey.area_levels {
            self.structure(&format!("area_levels.{}", level.id), level.validate());
            if !level_ids.insert(level.id.as_str()) {
                self.report(
                    format!("area_levels.{}", level.id),
                    ProblemCode::DuplicateId,
                    "area level defined twice",
                );
            }
        }
    }

    /// Ids, kinds and limits of every question; returns where each id lives.
    fn questions(&mut self) -> HashMap<&'s str, Place<'s>> {
        let survey = self.survey;
        let mut places = HashMap::new();
        let mut section_ids = HashSet::new();
        for section in &survey.sections {
            let path = format!("sections.{}", section.id);
            self.structure(&path, section.validate());
            if !is_name(&section.id) {
                self.report(
                    &path,
                    ProblemCode::InvalidId,
                    "a section id uses letters, digits and `_`, not starting with a digit",
                );
            }
            if !section_ids.insert(section.id.as_str()) {
                self.report(
                    &path,
                    ProblemCode::DuplicateId,
                    format!("section `{}` is defined twice", section.id),
                );
            }
        }
        for place in survey.questions() {
            let question = place.question;
            let path = format!("questions.{}", question.id);
            self.structure(&path, question.validate());
            if !is_name(&question.id) {
                self.report(
                    &path,
                    ProblemCode::InvalidId,
                    format!(
                        "question id `{}`: an id uses letters, digits and `_`, not starting with a digit",
                        question.id.escape_debug()
                    ),
                );
            }
            let roster = place.roster.map(|roster| roster.id.as_str());
            if places
                .insert(question.id.as_str(), Place { question, roster })
                .is_some()
            {
                self.report(&path, ProblemCode::DuplicateId, format!("question `{}` is defined twice; ids are shared by all sections and rosters", question.id));
            }
            self.kind(&path, question, place.roster.is_some());
            self.default(&path, question);
        }
        places
    }

    /// A default is an answer the respondent could have given: the same
    /// rules as a submitted answer, so a new interview never starts wrong.
    fn default(&mut self, path: &str, question: &Question) {
        let Some(default) = &question.default else {
            return;
        };
        let path = format!("{path}.default");
        let id = &question.id;
        let kind = &question.kind;
        if !kind.takes_answer() || matches!(kind, QuestionKind::AdminArea { .. }) {
            self.report(
                path,
                ProblemCode::WrongKind,
                format!(
                    "question `{id}` is a {} question, which takes no default",
                    kind.name()
                ),
            );
            return;
        }
        let shown: String = default.chars().take(60).collect::<String>();
        let shown = shown.escape_debug();
        let why = match question.default_answer() {
            _ if default.trim().is_empty() => {
                Some("is empty: leave the default out instead".to_owned())
            }
            None => Some("is not a number".to_owned()),
            Some(answer) => crate::validate::refusal(self.survey, question, &answer).map(|code| {
                let list = kind.list().unwrap_or_default();
                match (code, kind) {
                    (FieldErrorCode::NotInList, QuestionKind::YesNo) => {
                        "is not `yes` or `no`".to_owned()
                    }
                    (FieldErrorCode::NotInList, _) => format!(
                        "is not a choice of list `{list}` (choices are separated by spaces)"
                    ),
                    (FieldErrorCode::DuplicateChoice, _) => "names a choice twice".to_owned(),
                    (FieldErrorCode::ExclusiveChoice, _) => {
                        "combines an exclusive choice with others".to_owned()
                    }
                    (FieldErrorCode::TooFewChoices | FieldErrorCode::TooManyChoices, _) => {
                        "has more or fewer choices than min_choices and max_choices allow"
                            .to_owned()
                    }
                    (FieldErrorCode::BelowMinimum | FieldErrorCode::AboveMaximum, _) => {
                        "is out of the question's range (min and max)".to_owned()
                    }
                    (FieldErrorCode::TooLong, _) => {
                        "is longer than the question's max_length".to_owned()
                    }
                    (FieldErrorCode::InvalidDate, _) => "is not a date YYYY-MM-DD".to_owned(),
                    (FieldErrorCode::InvalidTime, _) => {
                        "is not a time of day HH:MM (local, no zone)".to_owned()
                    }
                    (FieldErrorCode::InvalidDateTime, _) => {
                        "is not a date and time YYYY-MM-DDTHH:MM (local, no zone)".to_owned()
                    }
                    (FieldErrorCode::WrongType, QuestionKind::Text { .. }) => {
                        "holds control characters".to_owned()
                    }
                    (other, _) => format!("is refused as an answer ({})", other.as_str()),
                }
            }),
        };
        if let Some(why) = why {
            self.report(
                path,
                ProblemCode::InvalidDefault,
                format!(
                    "the default \"{shown}\" of question `{id}` ({}) {why}",
                    kind.name()
                ),
            );
        }
    }

    /// What each kind of question needs of its own settings.
    fn kind(&mut self, path: &str, question: &Question, in_roster: bool) {
        let survey = self.survey;
        match &question.kind {
            QuestionKind::Single { list }
            | QuestionKind::Multiple { list, .. }
            | QuestionKind::Ordinal { list } => self.choice_kind(path, question, list),
            QuestionKind::Integer {
                min: Some(min),
                max: Some(max),
            } if min > max => {
                self.report(
                    format!("{path}.kind"),
                    ProblemCode::InvalidRange,
                    format!("min {min} is above max {max}"),
                );
            }
            QuestionKind::Decimal { min, max } => {
                if min.is_some_and(|m| !m.is_finite()) || max.is_some_and(|m| !m.is_finite()) {
                    self.report(
                        format!("{path}.kind"),
                        ProblemCode::InvalidRange,
                        "bounds must be finite numbers",
                    );
                } else if let (Some(min), Some(max)) = (min, max)
                    && min > max
                {
                    self.report(
                        format!("{path}.kind"),
                        ProblemCode::InvalidRange,
                        format!("min {min} is above max {max}"),
                    );
                }
            }
            QuestionKind::Text { max_length } if !(1..=100_000).contains(max_length) => {
                self.report(
                    format!("{path}.kind.max_length"),
                    ProblemCode::InvalidRange,
                    "max_length must be between 1 and 100000",
                );
            }
            QuestionKind::AdminArea { levels } => {
                if *levels == 0 || *levels as usize > survey.area_levels.len() {
                    self.report(
                        format!("{path}.kind.levels"),
                        ProblemCode::InvalidArea,
                        format!(
                            "levels must be between 1 and the {} declared area levels",
                            survey.area_levels.len()
                        ),
                    );
                }
                if survey.areas.is_empty() {
                    self.report(
                        format!("{path}.kind"),
                        ProblemCode::InvalidArea,
                        "the survey declares no areas to choose from",
                    );
                }
            }
            QuestionKind::Roster {
                min_rows,
                max_rows,
                questions,
                ..
            } => self.roster_kind(path, in_roster, (*min_rows, *max_rows), questions),
            _ => {}
        }
    }

    /// A select's list exists, an ordinal scale has two real points, and
    /// the choice counts allowed can be met.
    fn choice_kind(&mut self, path: &str, question: &Question, list: &str) {
        let survey = self.survey;
        match survey.choice_list(list) {
            None => self.report(
                format!("{path}.kind.list"),
                ProblemCode::UnknownList,
                format!("no choice list `{list}`"),
            ),
            Some(found) if matches!(question.kind, QuestionKind::Ordinal { .. }) => {
                if found.choices.iter().filter(|c| c.missing.is_none()).count() < 2 {
                    self.report(
                        format!("{path}.kind.list"),
                        ProblemCode::WrongKind,
                        "an ordinal scale needs at least two choices that are not marked missing",
                    );
                }
            }
            Some(_) => {}
        }
        if let QuestionKind::Multiple {
            min_choices: Some(min),
            max_choices: Some(max),
            ..
        } = &question.kind
            && min > max
        {
            self.report(
                format!("{path}.kind"),
                ProblemCode::InvalidRange,
                format!("min_choices {min} is above max_choices {max}"),
            );
        }
    }

    /// A roster is not nested, has sensible row bounds and questions.
    fn roster_kind(
        &mut self,
        path: &str,
        in_roster: bool,
        (min_rows, max_rows): (u32, u32),
        questions: &[Question],
    ) {
        if in_roster {
            self.report(
                path,
                ProblemCode::NestedRoster,
                "a roster cannot contain another roster",
            );
        }
        if max_rows == 0 || max_rows > 1000 || min_rows > max_rows {
            self.report(format!("{path}.kind"), ProblemCode::InvalidRange, format!("rows must satisfy 0 <= min_rows ({min_rows}) <= max_rows ({max_rows}) <= 1000, max_rows >= 1"));
        }
        if questions.is_empty() {
            self.report(
                format!("{path}.kind.questions"),
                ProblemCode::OutOfBounds,
                "a roster needs at least one question",
            );
        }
        for inner in questions {
            if let QuestionKind::Roster { .. } = inner.kind {
                self.report(
                    format!("questions.{}", inner.id),
                    ProblemCode::NestedRoster,
                    "a roster cannot contain another roster",
                );
            }
        }
    }

    /// A `${name}` shown in a text names a question.
    fn placeholders(&mut self, places: &HashMap<&'s str, Place<'s>>) {
        for (path, name) in std::mem::take(&mut self.placeholders) {
            if !places.contains_key(name) {
                self.report(
                    path,
                    ProblemCode::UnknownReference,
                    format!("`${{{name}}}` in this text names no question"),
                );
            }
        }
    }

    /// Every expression parses, names known questions, and uses `.` and
    /// `position(..)` only where they mean something.
    fn expressions(&mut self, places: &HashMap<&'s str, Place<'s>>) {
        let survey = self.survey;
        for section in &survey.sections {
            if let Some(relevant) = &section.relevant {
                self.expression(
                    &format!("sections.{}.relevant", section.id),
                    relevant,
                    places,
                    false,
                    false,
                );
            }
            if let Some(rule) = &section.drawn_among {
                let path = format!("sections.{}.drawn_among", section.id);
                // Read for each household member, so member questions are
                // in reach as in a roster.
                self.expression(&path, rule, places, false, true);
                if survey.respondent_eligibility().is_none() {
                    self.report(
                        path,
                        ProblemCode::MissingRole,
                        "a module asked of a drawn household member needs a household roster with the members' ages (member `age` role)",
                    );
                }
            }
        }
        for place in survey.questions() {
            let question = place.question;
            let in_roster = place.roster.is_some();
            let path = format!("questions.{}", question.id);
            if let Some(relevant) = &question.relevant {
                self.expression(
                    &format!("{path}.relevant"),
                    relevant,
                    places,
                    false,
                    in_roster,
                );
            }
            if let Some(constraint) = &question.constraint {
                self.expression(
                    &format!("{path}.constraint"),
                    constraint,
                    places,
                    true,
                    in_roster,
                );
                if !question.kind.takes_answer() {
                    self.report(
                        format!("{path}.constraint"),
                        ProblemCode::MisplacedExpression,
                        "only questions that take an answer can have a constraint",
                    );
                }
            }
            if let Required::When(required) = &question.required {
                self.expression(
                    &format!("{path}.required"),
                    required,
                    places,
                    false,
                    in_roster,
                );
            }
            if let Some(filter) = &question.choice_filter {
                let path = format!("{path}.choice_filter");
                self.expression(&path, filter, places, false, in_roster);
                self.choice_filter(&path, question, filter);
            }
            if let QuestionKind::Calculate { calculation } = &question.kind {
                self.expression(
                    &format!("{path}.kind.calculation"),
                    calculation,
                    places,
                    false,
                    in_roster,
                );
            }
        }
        for indicator in &survey.indicators {
            if let Denominator::Subpopulation { filter } = &indicator.denominator {
                let in_roster = indicator.unit == Level::Member;
                self.expression(
                    &format!("indicators.{}.denominator.filter", indicator.id),
                    filter,
                    places,
                    false,
                    in_roster,
                );
            }
        }
    }

    fn expression(
        &mut self,
        path: &str,
        expression: &Expression,
        places: &HashMap<&'s str, Place<'s>>,
        allows_current: bool,
        in_roster: bool,
    ) {
        let expr = match expression.parsed() {
            Ok(expr) => expr,
            Err(error) => {
                self.report(
                    path,
                    ProblemCode::ExpressionSyntax,
                    format!("{error} in `{}`", expression.source()),
                );
                return;
            }
        };
        for name in expr.references() {
            if !places.contains_key(name) {
                self.report(
                    path,
                    ProblemCode::UnknownReference,
                    format!("`${{{name}}}` names no question"),
                );
            }
        }
        if !allows_current && expr.uses_current() {
            self.report(
                path,
                ProblemCode::MisplacedExpression,
                "`.` means the answer being checked and is only allowed in a constraint",
            );
        }
        for args in expr.calls(Function::ChoiceName) {
            match args.get(1).and_then(crate::expr::choice_question) {
                None => self.report(
                    path,
                    ProblemCode::ExpressionSyntax,
                    "jr:choice-name names its question in quotes as its second argument: jr:choice-name(${q}, '${q}')",
                ),
                Some(name) => {
                    if places.get(name).is_some_and(|place| place.question.kind.list().is_none()) {
                        self.report(
                            path,
                            ProblemCode::WrongKind,
                            format!("jr:choice-name: `${{{name}}}` has no choices to name"),
                        );
                    }
                }
            }
        }
        for args in expr.calls(Function::IndexedRepeat) {
            self.indexed_repeat(path, args, places);
        }
        if !in_roster && !expr.calls(Function::Position).is_empty() {
            self.report(
                path,
                ProblemCode::MisplacedExpression,
                "`position(..)` is only meaningful inside a roster",
            );
        }
    }

    /// `indexed-repeat(${q}, ${roster}, n)` reads `q` in row `n` of
    /// `roster`: `q` must be one of that roster's questions, or the call
    /// would read another roster's rows (or none) without a word.
    fn indexed_repeat(&mut self, path: &str, args: &[Expr], places: &HashMap<&'s str, Place<'s>>) {
        let (Some(Expr::Reference(field)), Some(Expr::Reference(roster))) =
            (args.first(), args.get(1))
        else {
            self.report(
                path,
                ProblemCode::ExpressionSyntax,
                "indexed-repeat names a question and its roster: indexed-repeat(${q}, ${roster}, n)",
            );
            return;
        };
        // An unknown name is reported with every other reference.
        let (Some(field_place), Some(roster_place)) =
            (places.get(field.as_str()), places.get(roster.as_str()))
        else {
            return;
        };
        if !matches!(roster_place.question.kind, QuestionKind::Roster { .. }) {
            self.report(
                path,
                ProblemCode::WrongKind,
                format!(
                    "indexed-repeat: `${{{roster}}}` is {} {} question, not a roster (repeat) whose rows it could read",
                    if roster_place.question.kind.name().starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" },
                    roster_place.question.kind.name()
                ),
            );
        } else if field_place.roster != Some(roster.as_str()) {
            let there = match field_place.roster {
                Some(other) => format!("it belongs to roster `{other}`"),
                None => "it is outside any roster".to_owned(),
            };
            self.report(
                path,
                ProblemCode::WrongKind,
                format!(
                    "indexed-repeat: `${{{field}}}` is not a question of roster `{roster}` ({there}); name one of its questions"
                ),
            );
        }
    }

    /// A `choice_filter` belongs to a select and reads columns its choices have.
    fn choice_filter(&mut self, path: &str, question: &Question, filter: &Expression) {
        let Some(list_id) = question.kind.list() else {
            self.report(
                path,
                ProblemCode::WrongKind,
                "only a question with choices can filter them",
            );
            return;
        };
        let (Some(list), Ok(expr)) = (self.survey.choice_list(list_id), filter.parsed()) else {
            return;
        };
        let known: std::collections::BTreeSet<&str> = list
            .choices
            .iter()
            .flat_map(|choice| choice.columns.keys().map(String::as_str))
            .collect();
        let mut reported = HashSet::new();
        for column in expr.columns() {
            if column != "name" && !known.contains(column) && reported.insert(column) {
                let known: Vec<&str> = std::iter::once("name")
                    .chain(known.iter().copied())
                    .collect();
                self.report(
                    path,
                    ProblemCode::UnknownReference,
                    format!(
                        "`{column}` is no column of the choices of list `{list_id}`; columns there: {}",
                        known.join(", ")
                    ),
                );
            }
        }
    }

    /// Calculations and relevance conditions that depend on themselves.
    fn cycles(&mut self, places: &HashMap<&'s str, Place<'s>>) {
        let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (id, place) in places {
            let mut targets = Vec::new();
            let mut add = |expression: &'s Expression| {
                if let Ok(expr) = expression.parsed() {
                    targets.extend(
                        expr.references()
                            .into_iter()
                            .filter(|name| places.contains_key(name)),
                    );
                }
            };
            if let Some(relevant) = &place.question.relevant {
                add(relevant);
            }
            if let QuestionKind::Calculate { calculation } = &place.question.kind {
                add(calculation);
            }
            // A roster member depends on its roster being relevant.
            if let Some(roster) = place.roster {
                targets.push(roster);
            }
            targets.sort_unstable();
            targets.dedup();
            edges.insert(id, targets);
        }
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Active,
            Done,
        }
        let mut marks: HashMap<&str, Mark> = HashMap::new();
        let mut cycles = Vec::new();
        for &start in edges.keys() {
            if marks.contains_key(start) {
                continue;
            }
            // Iterative depth-first search; the stack holds (node, next edge).
            let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
            marks.insert(start, Mark::Active);
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let targets = edges.get(node).map_or(&[][..], Vec::as_slice);
                if let Some(&target) = targets.get(*next) {
                    *next += 1;
                    match marks.get(target) {
                        None => {
                            marks.insert(target, Mark::Active);
                            stack.push((target, 0));
                        }
                        Some(Mark::Active) => {
                            let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                            let mut cycle: Vec<&str> =
                                stack[from..].iter().map(|(n, _)| *n).collect();
                            cycle.push(target);
                            cycles.push(cycle);
                        }
                        Some(Mark::Done) => {}
                    }
                } else {
                    marks.insert(node, Mark::Done);
                    stack.pop();
                }
            }
        }
        for cycle in cycles {
            let path = format!("questions.{}", cycle[0]);
            let chain = cycle
                .iter()
                .map(|id| format!("${{{id}}}"))
                .collect::<Vec<_>>()
                .join(" → ");
            self.report(
                path,
                ProblemCode::Cycle,
                format!("these questions depend on each other in a circle: {chain}"),
            );
        }
    }

    fn list_of(&self, question: &Question) -> Option<&'s ChoiceList> {
        question
            .kind
            .list()
            .and_then(|list| self.survey.choice_list(list))
    }

    /// Whether `code` is an answer the question can have.
    fn has_category(&self, question: &Question, code: &str) -> bool {
        match &question.kind {
            QuestionKind::YesNo => code == "yes" || code == "no",
            _ => self
                .list_of(question)
                .is_some_and(|list| list.choices.iter().any(|c| c.value == code)),
        }
    }

    fn roles(&mut self, places: &HashMap<&'s str, Place<'s>>) {
        let mut seen = HashSet::new();
        for (index, role) in self.survey.roles.iter().enumerate() {
            let path = format!("roles[{index}]");
            if !seen.insert((role.dimension(), role.level())) {
                self.report(
                    &path,
                    ProblemCode::DuplicateRole,
                    format!(
                        "the {} role is declared twice at the {} level",
                        role.dimension(),
                        role.level().as_str()
                    ),
                );
            }
            if role.questions().is_empty() {
                self.report(
                    &path,
                    ProblemCode::UnknownQuestion,
                    "the role names no question",
                );
            }
            if let Role::Displacement {
                level: Level::Member,
                household: true,
                ..
            } = role
            {
                self.report(
                    format!("{path}.household"),
                    ProblemCode::WrongLevel,
                    "a member's own answer cannot describe the household: `household` is for a respondent-level displacement question",
                );
            }
            for id in role.questions() {
                let Some(place) = places.get(id.as_str()) else {
                    self.report(
                        &path,
                        ProblemCode::UnknownQuestion,
                        format!("no question `{id}`"),
                    );
                    continue;
                };
                let level = if place.roster.is_some() {
                    Level::Member
                } else {
                    Level::Respondent
                };
                if level != role.level() {
                    self.report(
                        &path,
                        ProblemCode::WrongLevel,
                        format!(
                            "`{id}` is at the {} level but the role is declared at the {} level",
                            level.as_str(),
                            role.level().as_str()
                        ),
                    );
                }
                let kind = &place.question.kind;
                let fits = match role {
                    Role::Sex { .. } | Role::Displacement { .. } | Role::UrbanRural { .. } => {
                        matches!(kind, QuestionKind::Single { .. })
                    }
                    Role::Age { .. } => matches!(kind, QuestionKind::Integer { .. }),
                    Role::Location { .. } => matches!(kind, QuestionKind::AdminArea { .. }),
                    Role::Disability { .. } => matches!(
                        kind,
                        QuestionKind::Single { .. } | QuestionKind::Ordinal { .. }
                    ),
                };
                if !fits {
                    self.report(
                        &path,
                        ProblemCode::WrongKind,
                        format!(
                            "the {} role cannot use `{id}`, a {} question",
                            role.dimension(),
                            kind.name()
                        ),
                    );
                    continue;
                }
                if let Role::Disability { disabled_if, .. } = role {
                    for code in disabled_if {
                        if !self.has_category(place.question, code) {
                            self.report(
                                &path,
                                ProblemCode::UnknownCategory,
                                format!("`{code}` is not an answer of `{id}`"),
                            );
                        }
                    }
                }
            }
            if let Role::Disability { disabled_if, .. } = role
                && disabled_if.is_empty()
            {
                self.report(
                    &path,
                    ProblemCode::UnknownCategory,
                    "disabled_if names no category",
                );
            }
        }
    }

    fn indicators(&mut self, places: &HashMap<&'s str, Place<'s>>) {
        let mut ids = HashSet::new();
        for indicator in &self.survey.indicators {
            let path = format!("indicators.{}", indicator.id);
            self.structure(&path, indicator.validate());
            if !is_name(&indicator.id) {
                self.report(
                    &path,
                    ProblemCode::InvalidId,
                    "an indicator id uses letters, digits and `_`, not starting with a digit",
                );
            }
            if !ids.insert(indicator.id.as_str()) {
                self.report(
                    &path,
                    ProblemCode::DuplicateId,
                    format!("indicator `{}` is defined twice", indicator.id),
                );
            }
            self.indicator(&path, indicator, places);
        }
    }

    fn indicator(
        &mut self,
        path: &str,
        indicator: &Indicator,
        places: &HashMap<&'s str, Place<'s>>,
    ) {
        let mut rosters = HashSet::new();
        for (index, component) in indicator.components.iter().enumerate() {
            let component_path = format!("{path}.components[{index}]");
            let Some(place) = places.get(component.question.as_str()) else {
                self.report(
                    &component_path,
                    ProblemCode::UnknownQuestion,
                    format!("no question `{}`", component.question),
                );
                continue;
            };
            rosters.insert(place.roster);
            let kind = &place.question.kind;
            if !matches!(
                kind,
                QuestionKind::Single { .. }
                    | QuestionKind::Multiple { .. }
                    | QuestionKind::Ordinal { .. }
                    | QuestionKind::YesNo
            ) {
                self.report(
                    &component_path,
                    ProblemCode::WrongKind,
                    format!(
                        "an indicator counts categories; `{}` is a {} question",
                        component.question,
                        kind.name()
                    ),
                );
                continue;
            }
            let level = if place.roster.is_some() {
                Level::Member
            } else {
                Level::Respondent
            };
            if level != indicator.unit {
                self.report(
                    &component_path,
                    ProblemCode::WrongLevel,
                    format!(
                        "`{}` is at the {} level but the indicator's unit is {}",
                        component.question,
                        level.as_str(),
                        indicator.unit.as_str()
                    ),
                );
            }
            if component.numerator.is_empty() {
                self.report(
                    format!("{component_path}.numerator"),
                    ProblemCode::UnknownCategory,
                    "the numerator names no category",
                );
            }
            for code in component.numerator.iter().chain(&indicator.reported) {
                if !self.has_category(place.question, code) {
                    self.report(
                        &component_path,
                        ProblemCode::UnknownCategory,
                        format!("`{code}` is not an answer of `{}`", component.question),
                    );
                }
            }
        }
        if indicator.unit == Level::Member && rosters.len() > 1 {
            self.report(
                path,
                ProblemCode::WrongLevel,
                "the components of a member-level indicator must come from one roster",
            );
        }
    }

    /// Member units are the rows of one roster (the household): member-level
    /// roles and indicators reading another roster would describe nobody.
    fn household_roster(&mut self, places: &HashMap<&'s str, Place<'s>>) {
        let survey = self.survey;
        let Some(household) = survey.household_roster() else {
            return;
        };
        let member_roles = survey
            .roles
            .iter()
            .enumerate()
            .filter(|(_, role)| role.level() == Level::Member)
            .flat_map(|(index, role)| {
                role.questions()
                    .iter()
                    .map(move |id| (format!("roles[{index}]"), id))
            });
        let member_indicators = survey
            .indicators
            .iter()
            .filter(|indicator| indicator.unit == Level::Member)
            .flat_map(|indicator| {
                indicator
                    .components
                    .iter()
                    .map(move |c| (format!("indicators.{}", indicator.id), &c.question))
            });
        for (path, id) in member_roles.chain(member_indicators) {
            let roster = places.get(id.as_str()).and_then(|place| place.roster);
            if roster.is_some_and(|roster| roster != household) {
                self.report(
                    path,
                    ProblemCode::WrongLevel,
                    format!(
                        "`{id}` is in another roster than `{household}`, the household's: member units are one roster's rows"
                    ),
                );
            }
        }
    }

    fn consent(&mut self) {
        let survey = self.survey;
        let Some(minors) = &survey.consent.minors else {
            return;
        };
        self.structure("consent.minors", minors.validate());
        if minors.self_respondent_min_age >= minors.adult_age {
            self.report(
                "consent.minors",
                ProblemCode::InvalidRange,
                "self_respondent_min_age must be below adult_age",
            );
        }
        let has_age = survey.roles.iter().any(|role| {
            matches!(
                role,
                Role::Age {
                    level: Level::Respondent,
                    ..
                }
            )
        });
        if !has_age {
            self.report(
                "consent.minors",
                ProblemCode::MissingRole,
                "rules for minors need a respondent-level age role to know the respondent's age",
            );
        }
    }
}

#[derive(Clone, Copy)]
struct Place<'s> {
    question: &'s Question,
    roster: Option<&'s str>,
}

/// Whether validating the survey's answers can raise `code`. The codes of a
/// question kind are asked for only of surveys that have one, so a kind
/// added later does not make every survey in a language without built-in
/// messages fail its check.
/// Whether an answer to `survey` can be refused with `code`: a kind's own
/// refusal only where the survey has that kind.
fn can_raise(survey: &Survey, code: FieldErrorCode) -> bool {
    !QuestionKind::OWN_REFUSALS.contains(&code)
        || survey
            .questions()
            .any(|place| place.question.kind.own_refusal() == Some(code))
}

#[cfg(test)]
mod tests;

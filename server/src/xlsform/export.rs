//! XLSForm export: a [`Survey`] written as the workbook [`super::import`]
//! reads back to the same definition: sheets `survey`, `choices`,
//! `settings`, and Salama's `areas` and `indicators` when the survey has
//! them. Every text is written per language (`label::fr`).
//!
//! What the sheets cannot say yet is listed in [`Exported::losses`] (and in
//! a `notes` sheet the importer ignores), never dropped silently.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use salama_shared::Survey;
use salama_shared::schema::{Area, Denominator, Level, Question, QuestionKind, Required, Role};
use salama_shared::text::Text;

use super::translate::{INDICATOR_COLUMNS, ROSTER_MAX_ROWS, TEXT_MAX_LENGTH};

/// A workbook and what it could not carry.
#[derive(Debug)]
pub struct Exported {
    pub bytes: Vec<u8>,
    /// Parts of the survey the workbook does not carry, one sentence each;
    /// empty when it imports back to the same definition.
    pub losses: Vec<String>,
}

/// One sheet's header and rows, cells addressed by header.
struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(headers: Vec<String>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
        }
    }

    fn row(&mut self) -> Cells<'_> {
        self.rows.push(vec![String::new(); self.headers.len()]);
        let at = self.rows.len() - 1;
        Cells { table: self, at }
    }
}

struct Cells<'t> {
    table: &'t mut Table,
    at: usize,
}

impl Cells<'_> {
    fn set(&mut self, header: &str, value: impl Into<String>) -> &mut Self {
        let index = self
            .table
            .headers
            .iter()
            .position(|h| h == header)
            .expect("every column written is declared in the header");
        self.table.rows[self.at][index] = value.into();
        self
    }

    /// `base::LANG` for each language the text has.
    fn text(&mut self, base: &str, text: &Text) -> &mut Self {
        for (language, value) in &text.0 {
            let header = format!("{base}::{language}");
            if self.table.headers.contains(&header) {
                self.set(&header, value.clone());
            }
        }
        self
    }
}

fn per_language(bases: &[&str], languages: &[String]) -> Vec<String> {
    bases
        .iter()
        .flat_map(|base| {
            languages
                .iter()
                .map(move |language| format!("{base}::{language}"))
        })
        .collect()
}

fn headers(plain: &[&str], texts: &[&str], languages: &[String], tail: &[&str]) -> Vec<String> {
    plain
        .iter()
        .map(|h| (*h).to_owned())
        .chain(per_language(texts, languages))
        .chain(tail.iter().map(|h| (*h).to_owned()))
        .collect()
}

fn yes(flag: bool) -> &'static str {
    if flag { "yes" } else { "" }
}

/// Writes the survey as an XLSForm.
pub fn export(survey: &Survey) -> Result<Exported, XlsxError> {
    let languages = &survey.languages;
    let mut losses = Vec::new();
    let mut rows = Table::new(headers(
        &["type", "name"],
        &[
            "label",
            "hint",
            "constraint_message",
            "row_label",
            "referrals",
        ],
        languages,
        &[
            "required",
            "relevant",
            "constraint",
            "choice_filter",
            "calculation",
            "min",
            "max",
            "max_length",
            "min_choices",
            "max_choices",
            "repeat_count",
            "min_rows",
            "max_rows",
            "drawn_among",
            "role",
            "code",
            "source",
            "appearance",
            "default",
            "microdata_safe",
            "sensitive",
        ],
    ));
    let roles = RoleCells::new(survey, &mut losses);
    unsaid(survey, &mut losses);
    // XLSForm names are unique across groups, repeats and questions.
    for section in &survey.sections {
        if survey.question(&section.id).is_some() {
            losses.push(format!(
                "section `{}` has the id of a question; XLSForm names are unique, so the workbook does not import until one is renamed",
                section.id
            ));
        }
    }
    for section in &survey.sections {
        let mut begin = rows.row();
        begin
            .set("type", "begin_group")
            .set("name", section.id.clone())
            .text("label", &section.title)
            .set("sensitive", yes(section.sensitive));
        if let Some(relevant) = &section.relevant {
            begin.set("relevant", relevant.source());
        }
        if let Some(drawn_among) = &section.drawn_among {
            begin.set("drawn_among", drawn_among.source());
        }
        if let Some(referrals) = &section.referrals {
            begin.text("referrals", referrals);
        }
        for question in &section.questions {
            write_row(&mut rows, question, &roles, Level::Respondent);
        }
        rows.row().set("type", "end_group");
    }

    // The choices' own columns, for choice filters, after Salama's.
    let own_columns: std::collections::BTreeSet<&str> = survey
        .choice_lists
        .iter()
        .flat_map(|list| &list.choices)
        .flat_map(|choice| choice.columns.keys().map(String::as_str))
        .collect();
    let mut tail = vec!["missing", "exclusive"];
    tail.extend(own_columns);
    let mut choices = Table::new(headers(
        &["list_name", "name"],
        &["label"],
        languages,
        &tail,
    ));
    for list in &survey.choice_lists {
        for choice in &list.choices {
            let mut row = choices.row();
            row.set("list_name", list.id.clone())
                .set("name", choice.value.clone())
                .text("label", &choice.label)
                .set("missing", choice.missing.map_or("", |m| m.as_str()))
                .set("exclusive", yes(choice.exclusive));
            for (column, value) in &choice.columns {
                row.set(column, value.clone());
            }
        }
    }

    let mut settings = Table::new(headers(
        &[
            "form_id",
            "version",
            "default_language",
            "public",
            "channels",
            "self_respondent_min_age",
            "adult_age",
            "disabled_if",
        ],
        &[
            "form_title",
            "description",
            "safety_notice",
            "consent_script",
            "consent_question",
            "adult_consent_question",
            "assent_question",
        ],
        languages,
        &[],
    ));
    {
        let mut row = settings.row();
        row.set("form_id", survey.id.clone())
            .set("version", survey.version.to_string())
            .set("default_language", survey.default_language.clone())
            .set("public", if survey.public { "yes" } else { "no" })
            .set(
                "channels",
                survey
                    .channels
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
            .set("disabled_if", roles.disabled_if.join(" "))
            .text("form_title", &survey.title)
            .text("consent_script", &survey.consent.script)
            .text("consent_question", &survey.consent.question);
        if let Some(description) = &survey.description {
            row.text("description", description);
        }
        if let Some(notice) = &survey.safety_notice {
            row.text("safety_notice", notice);
        }
        if let Some(minors) = &survey.consent.minors {
            row.set(
                "self_respondent_min_age",
                minors.self_respondent_min_age.to_string(),
            )
            .set("adult_age", minors.adult_age.to_string())
            .text("adult_consent_question", &minors.adult_consent_question)
            .text("assent_question", &minors.assent_question);
        }
    }
    let mut messages = Table::new(headers(&["code"], &["label"], languages, &[]));
    for (code, text) in &survey.messages {
        messages
            .row()
            .set("code", code.as_str())
            .text("label", text);
    }
    // Interface words share the sheet: a row a key, a column a language.
    let mut words: BTreeMap<&str, Text> = BTreeMap::new();
    for (language, texts) in &survey.interface_words {
        for (key, text) in texts {
            words
                .entry(key)
                .or_default()
                .0
                .insert(language.clone(), text.clone());
        }
    }
    for (key, text) in &words {
        messages.row().set("code", *key).text("label", text);
    }

    let mut areas = Table::new(headers(
        &["level", "code", "parent"],
        &["label"],
        languages,
        &[],
    ));
    for level in &survey.area_levels {
        areas
            .row()
            .set("level", level.id.clone())
            .text("label", &level.label);
    }
    fn area_rows(table: &mut Table, levels: &[String], area: &Area, depth: usize, parent: &str) {
        let level = levels.get(depth).cloned().unwrap_or_default();
        table
            .row()
            .set("level", level)
            .set("code", area.code.clone())
            .set("parent", parent)
            .text("label", &area.name);
        for child in &area.children {
            area_rows(table, levels, child, depth + 1, &area.code);
        }
    }
    let level_ids: Vec<String> = survey.area_levels.iter().map(|l| l.id.clone()).collect();
    for area in &survey.areas {
        area_rows(&mut areas, &level_ids, area, 0, "");
    }

    let mut indicators = Table::new(headers(
        &INDICATOR_COLUMNS[..2],
        &INDICATOR_COLUMNS[2..3],
        languages,
        &INDICATOR_COLUMNS[3..],
    ));
    for indicator in &survey.indicators {
        for (index, component) in indicator.components.iter().enumerate() {
            let mut row = indicators.row();
            row.set("question", component.question.clone())
                .set("numerator", component.numerator.join(" "));
            if index > 0 {
                continue;
            }
            row.set("name", indicator.id.clone())
                .set("code", indicator.code.clone())
                .text("label", &indicator.name)
                .set("unit", indicator.unit.as_str())
                .set(
                    "denominator",
                    match &indicator.denominator {
                        Denominator::All => "all",
                        Denominator::ValidAnswers => "valid_answers",
                        Denominator::Subpopulation { filter } => filter.source(),
                    },
                )
                .set("reported", indicator.reported.join(" "))
                .set("source", indicator.source.clone().unwrap_or_default());
        }
    }

    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let mut sheets = vec![
        ("survey", rows),
        ("choices", choices),
        ("settings", settings),
    ];
    if !survey.area_levels.is_empty() || !survey.areas.is_empty() {
        sheets.push(("areas", areas));
    }
    if !survey.indicators.is_empty() {
        sheets.push(("indicators", indicators));
    }
    if !survey.messages.is_empty() || !survey.interface_words.is_empty() {
        sheets.push(("messages", messages));
    }
    for (name, table) in &sheets {
        untrimmed(name, table, &mut losses);
    }
    if !losses.is_empty() {
        let mut notes = Table::new(vec!["not carried by this workbook".into()]);
        for loss in &losses {
            notes
                .row()
                .set("not carried by this workbook", loss.clone());
        }
        sheets.push(("notes", notes));
    }
    for (name, table) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (c, header) in table.headers.iter().enumerate() {
            let c = u16::try_from(c).expect("fewer than 65,536 columns");
            sheet.write_string_with_format(0, c, header, &bold)?;
        }
        for (r, cells) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).expect("fewer than 4 billion rows");
            for (c, cell) in cells.iter().enumerate() {
                if !cell.is_empty() {
                    let c = u16::try_from(c).expect("fewer than 65,536 columns");
                    sheet.write_string(r, c, cell)?;
                }
            }
        }
    }
    Ok(Exported {
        bytes: book.save_to_buffer()?,
        losses,
    })
}

/// XLSForm readers (pyxform, and Salama's importer) trim every cell, so a
/// text beginning or ending with spaces or line breaks comes back without
/// them.
fn untrimmed(sheet: &str, table: &Table, losses: &mut Vec<String>) {
    for (r, cells) in table.rows.iter().enumerate() {
        for (header, cell) in table.headers.iter().zip(cells) {
            if cell.trim() != cell {
                losses.push(format!(
                    "{sheet} row {}, column {header}: `{}` begins or ends with spaces or line breaks, which XLSForm readers trim",
                    r + 2,
                    crate::error::shown(cell, 60)
                ));
            }
        }
    }
}

/// What the workbook's layout cannot say, checked before writing it.
fn unsaid(survey: &Survey, losses: &mut Vec<String>) {
    if survey.languages.first() != Some(&survey.default_language) {
        losses.push("the default language is not listed first; the workbook lists it first".into());
    }
    for list in &survey.choice_lists {
        if list.choices.is_empty() {
            losses.push(format!(
                "choice list `{}` has no choices, so no row carries it",
                list.id
            ));
        }
    }
    // The importer declares roles in the order of their questions' rows,
    // at the level where each question sits, one role per question.
    let mut read_back: Vec<usize> = Vec::new();
    for role in &survey.roles {
        for question in role.questions() {
            match survey.question(question) {
                Some(place) if place.level() == role.level() => {}
                _ => losses.push(format!(
                    "the {} role of `{question}` is at the {} level, but the question is not; the role column gives the level of where the question sits",
                    role.dimension(),
                    role.level().as_str()
                )),
            }
        }
    }
    for place in survey.questions() {
        let id = &place.question.id;
        if let QuestionKind::Roster { .. } = place.question.kind
            && (place.question.constraint.is_some()
                || place.question.constraint_message.is_some()
                || !place.question.required.is_never()
                || place.question.microdata_safe)
        {
            losses.push(format!(
                "roster `{id}`: a constraint, requirement or microdata mark on a repeat has no column yet"
            ));
        }
        let mine: Vec<usize> = survey
            .roles
            .iter()
            .enumerate()
            .filter(|(_, role)| {
                role.level() == place.level() && role.questions().iter().any(|q| q == id)
            })
            .map(|(index, _)| index)
            .collect();
        if mine.len() > 1 {
            losses.push(format!(
                "question `{id}` has several roles; the role column holds one"
            ));
        }
        if let Some(&index) = mine.first()
            && !read_back.contains(&index)
        {
            read_back.push(index);
        }
    }
    if read_back.len() == survey.roles.len() && !read_back.iter().copied().eq(0..read_back.len()) {
        losses.push(
            "the roles are not listed in the order of their questions; they are read back in that order".into(),
        );
    }
}

/// The `role` cell of each question, and the disability cut-off.
struct RoleCells {
    by_question: Vec<(String, Level, &'static str)>,
    disabled_if: Vec<String>,
}

impl RoleCells {
    fn new(survey: &Survey, losses: &mut Vec<String>) -> Self {
        let mut by_question = Vec::new();
        let mut disabled_if: Option<Vec<String>> = None;
        for role in &survey.roles {
            if let Role::Disability {
                disabled_if: codes, ..
            } = role
            {
                match &disabled_if {
                    Some(first) if first != codes => losses.push(
                        "the disability roles have different cut-offs; the settings' `disabled_if` carries one".into(),
                    ),
                    Some(_) => {}
                    None => disabled_if = Some(codes.clone()),
                }
            }
            let cell = match role {
                Role::Displacement {
                    household: true, ..
                } => "household_displacement",
                _ => role.dimension(),
            };
            for question in role.questions() {
                by_question.push((question.clone(), role.level(), cell));
            }
        }
        Self {
            by_question,
            disabled_if: disabled_if.unwrap_or_default(),
        }
    }

    fn of(&self, question: &str, level: Level) -> Option<&'static str> {
        self.by_question
            .iter()
            .find(|(q, l, _)| q == question && *l == level)
            .map(|(_, _, dimension)| *dimension)
    }
}

enum Repeat {
    Count(u32),
    Between(u32, u32),
}

fn write_row(rows: &mut Table, question: &Question, roles: &RoleCells, level: Level) {
    let id = &question.id;
    let mut bounds: Vec<(&str, String)> = Vec::new();
    let (kind, calculation, repeat_count) = match &question.kind {
        QuestionKind::Single { list } => (format!("select_one {list}"), None, None),
        QuestionKind::Multiple {
            list,
            min_choices,
            max_choices,
        } => {
            bounds.extend(min_choices.map(|n| ("min_choices", n.to_string())));
            bounds.extend(max_choices.map(|n| ("max_choices", n.to_string())));
            (format!("select_multiple {list}"), None, None)
        }
        QuestionKind::YesNo => ("yes_no".into(), None, None),
        QuestionKind::Ordinal { list } => (format!("ordinal {list}"), None, None),
        QuestionKind::Integer { min, max } => {
            bounds.extend(min.map(|n| ("min", n.to_string())));
            bounds.extend(max.map(|n| ("max", n.to_string())));
            ("integer".into(), None, None)
        }
        QuestionKind::Decimal { min, max } => {
            // `{:?}` keeps every digit of the f64, so it reads back equal.
            bounds.extend(min.map(|n| ("min", format!("{n:?}"))));
            bounds.extend(max.map(|n| ("max", format!("{n:?}"))));
            ("decimal".into(), None, None)
        }
        QuestionKind::Text { max_length } => {
            if *max_length != TEXT_MAX_LENGTH {
                bounds.push(("max_length", max_length.to_string()));
            }
            ("text".into(), None, None)
        }
        QuestionKind::Date => ("date".into(), None, None),
        QuestionKind::Time => ("time".into(), None, None),
        QuestionKind::DateTime => ("dateTime".into(), None, None),
        QuestionKind::AdminArea { levels } => (format!("admin_area {levels}"), None, None),
        QuestionKind::Note => ("note".into(), None, None),
        QuestionKind::Calculate { calculation } => (
            "calculate".into(),
            Some(calculation.source().to_owned()),
            None,
        ),
        QuestionKind::Roster {
            min_rows,
            max_rows,
            row_label,
            ..
        } => {
            let count = if *min_rows == *max_rows && (1..=1000).contains(max_rows) {
                Repeat::Count(*max_rows)
            } else {
                Repeat::Between(*min_rows, *max_rows)
            };
            (
                "begin_repeat".into(),
                None,
                Some((count, row_label.clone())),
            )
        }
    };
    let mut row = rows.row();
    row.set("type", kind)
        .set("name", id.clone())
        .text("label", &question.label)
        .set("code", question.code.clone().unwrap_or_default())
        .set("source", question.source.clone().unwrap_or_default())
        .set(
            "appearance",
            question.appearance.clone().unwrap_or_default(),
        )
        .set("default", question.default.clone().unwrap_or_default())
        .set("microdata_safe", yes(question.microdata_safe));
    if let Some(hint) = &question.hint {
        row.text("hint", hint);
    }
    if let Some(message) = &question.constraint_message {
        row.text("constraint_message", message);
    }
    match &question.required {
        Required::Always(true) => {
            row.set("required", "yes");
        }
        Required::Always(false) => {}
        Required::When(expression) => {
            row.set("required", expression.source());
        }
    }
    if let Some(relevant) = &question.relevant {
        row.set("relevant", relevant.source());
    }
    if let Some(constraint) = &question.constraint {
        row.set("constraint", constraint.source());
    }
    if let Some(filter) = &question.choice_filter {
        row.set("choice_filter", filter.source());
    }
    for (header, value) in bounds {
        row.set(header, value);
    }
    if let Some(calculation) = calculation {
        row.set("calculation", calculation);
    }
    if let Some((count, row_label)) = repeat_count {
        match count {
            Repeat::Count(n) => {
                row.set("repeat_count", n.to_string());
            }
            Repeat::Between(min, max) => {
                if min != 0 {
                    row.set("min_rows", min.to_string());
                }
                if max != ROSTER_MAX_ROWS {
                    row.set("max_rows", max.to_string());
                }
            }
        }
        if row_label != question.label {
            row.text("row_label", &row_label);
        }
    }
    if let Some(role) = roles.of(id, level) {
        row.set("role", role);
    }
    if let QuestionKind::Roster { questions, .. } = &question.kind {
        for inner in questions {
            write_row(rows, inner, roles, Level::Member);
        }
        rows.row().set("type", "end_repeat");
    }
}

//! Salama's own sheets: `areas` (the admin-area tree and its levels) and
//! `indicators`, and the Washington Group `disability` role's cut-off.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use salama_shared::expr::Expression;
use salama_shared::field_error::FieldErrorCode;
use salama_shared::schema::{Area, AreaLevel, Component, Denominator, Indicator, Level, Role};
use salama_shared::text::Text;
use salama_shared::words::Word;

use super::{Place, SheetKind, Translator, quoted};

/// A survey's own interface words: `{language: {key: text}}`.
type InterfaceWords = BTreeMap<String, BTreeMap<String, String>>;

/// What a `messages` sheet's code nearest to `written` is: an error code
/// (`required`) or an interface word's key (`form.yes`).
fn nearest_code(written: &str) -> String {
    let codes = FieldErrorCode::ALL
        .iter()
        .map(|code| Cow::Borrowed(code.as_str()));
    salama_shared::spelling::nearest(written, codes.chain(Word::all().map(Word::key)))
        .map(Cow::into_owned)
        .unwrap_or_default()
}

impl Translator<'_> {
    /// The `areas` sheet: a row with a `level` and no `code` declares a
    /// level (top-down, in row order); a row with a `code` is an area of
    /// that level, under the area its `parent` names (empty at the top).
    pub(super) fn areas(&mut self) -> (Vec<AreaLevel>, Vec<Area>) {
        let Some(sheet) = self.sheet(SheetKind::Areas) else {
            return (Vec::new(), Vec::new());
        };
        let headers = &self.headers[&SheetKind::Areas];
        let level_column = headers.plain("level").cloned();
        let code_column = headers.plain("code").cloned();
        let parent_column = headers.plain("parent").cloned();
        let header_row = headers.row;
        if sheet.rows.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let (Some(level_column), Some(code_column)) = (level_column, code_column) else {
            self.problem(
                SheetKind::Areas,
                Some(header_row),
                None,
                "missing_column",
                "the areas sheet needs the columns `level` and `code` in its first row (and `parent` below the top level)".into(),
            );
            return (Vec::new(), Vec::new());
        };
        let level_header = level_column.header.clone();
        let code_header = code_column.header.clone();
        let parent_header = parent_column
            .as_ref()
            .map_or_else(|| "parent".to_owned(), |c| c.header.clone());
        let mut levels: Vec<AreaLevel> = Vec::new();
        // Every area as (depth, parent index, Area without children).
        let mut flat: Vec<(usize, Option<usize>, Area)> = Vec::new();
        let mut by_code: HashMap<String, usize> = HashMap::new();
        let mut paths: Vec<String> = Vec::new();
        for row in self.data_rows(SheetKind::Areas) {
            let level = row.cell(level_column.index).to_owned();
            let code = row.cell(code_column.index).to_owned();
            let parent = parent_column
                .as_ref()
                .map_or("", |c| row.cell(c.index))
                .to_owned();
            let label = self.text(SheetKind::Areas, row, "label");
            if level.is_empty() && code.is_empty() && parent.is_empty() && label.0.is_empty() {
                continue;
            }
            if code.is_empty() {
                if level.is_empty() {
                    self.problem(
                        SheetKind::Areas,
                        Some(row.number),
                        Some(level_header.clone()),
                        "missing_value",
                        "a row without a `code` declares a level and needs its `level` id".into(),
                    );
                    continue;
                }
                if !parent.is_empty() {
                    self.problem(
                        SheetKind::Areas,
                        Some(row.number),
                        Some(parent_header.clone()),
                        "invalid_value",
                        format!(
                            "parent {}: a level row (no `code`) has no parent; give the area's `code`",
                            quoted(&parent)
                        ),
                    );
                }
                self.places.insert(
                    format!("area_levels.{level}"),
                    Place {
                        sheet: SheetKind::Areas,
                        row: Some(row.number),
                    },
                );
                levels.push(AreaLevel { id: level, label });
                continue;
            }
            let Some(depth) = levels.iter().position(|l| l.id == level) else {
                let message = if level.is_empty() {
                    "an area needs its `level`, declared on a row above without a `code`".into()
                } else {
                    format!(
                        "level {} is not declared on a row above (a row with the level and no code)",
                        quoted(&level)
                    )
                };
                self.problem(
                    SheetKind::Areas,
                    Some(row.number),
                    Some(level_header.clone()),
                    "unknown_reference",
                    message,
                );
                continue;
            };
            let parent_index = if parent.is_empty() {
                if depth != 0 {
                    self.problem(
                        SheetKind::Areas,
                        Some(row.number),
                        Some(parent_header.clone()),
                        "missing_value",
                        format!(
                            "area {} is at level {} and needs the `parent` area it lies in",
                            quoted(&code),
                            quoted(&level)
                        ),
                    );
                    continue;
                }
                None
            } else {
                match by_code.get(&parent) {
                    Some(&at) if flat[at].0 + 1 == depth => Some(at),
                    Some(_) => {
                        self.problem(
                            SheetKind::Areas,
                            Some(row.number),
                            Some(parent_header.clone()),
                            "invalid_value",
                            format!(
                                "parent {} is not at the level just above {}",
                                quoted(&parent),
                                quoted(&level)
                            ),
                        );
                        continue;
                    }
                    None => {
                        self.problem(
                            SheetKind::Areas,
                            Some(row.number),
                            Some(parent_header.clone()),
                            "unknown_reference",
                            format!("parent {} is no area on a row above", quoted(&parent)),
                        );
                        continue;
                    }
                }
            };
            if by_code.contains_key(&code) {
                self.problem(
                    SheetKind::Areas,
                    Some(row.number),
                    Some(code_header.clone()),
                    "duplicate_id",
                    format!("area code {} is used on a row above", quoted(&code)),
                );
                continue;
            }
            by_code.insert(code.clone(), flat.len());
            // The check's path: `areas.north.children.north-hills`.
            let path = match parent_index {
                Some(at) => format!("{}.children.{code}", paths[at]),
                None => format!("areas.{code}"),
            };
            paths.push(path.clone());
            self.places.insert(
                path,
                Place {
                    sheet: SheetKind::Areas,
                    row: Some(row.number),
                },
            );
            flat.push((
                depth,
                parent_index,
                Area {
                    code,
                    name: label,
                    children: Vec::new(),
                },
            ));
        }
        // Children are attached from the last row up, so each area is whole
        // before it moves into its parent.
        let mut slots: Vec<Option<Area>> = flat.iter().map(|(_, _, a)| Some(a.clone())).collect();
        for index in (0..flat.len()).rev() {
            if let Some(parent) = flat[index].1 {
                let child = slots[index].take().expect("each area moves once");
                if let Some(parent) = slots[parent].as_mut() {
                    parent.children.insert(0, child);
                }
            }
        }
        (levels, slots.into_iter().flatten().collect())
    }

    /// The `indicators` sheet: one row per indicator with `name` (its id),
    /// `code`, `label::LANG`, `unit`, `question`, `numerator`,
    /// `denominator`, `reported` and `source`; a row with an empty `name`
    /// adds a component (`question`, `numerator`) to the indicator above.
    pub(super) fn indicators(&mut self) -> Vec<Indicator> {
        let Some(sheet) = self.sheet(SheetKind::Indicators) else {
            return Vec::new();
        };
        if sheet.rows.is_empty() {
            return Vec::new();
        }
        let headers = &self.headers[&SheetKind::Indicators];
        let header_row = headers.row;
        let column = |base: &str| headers.plain(base).cloned();
        let (name, code, unit, question, numerator, denominator, reported, source) = (
            column("name"),
            column("code"),
            column("unit"),
            column("question"),
            column("numerator"),
            column("denominator"),
            column("reported"),
            column("source"),
        );
        let (Some(name), Some(question), Some(numerator)) = (name, question, numerator) else {
            self.problem(
                SheetKind::Indicators,
                Some(header_row),
                None,
                "missing_column",
                "the indicators sheet needs the columns `name`, `question` and `numerator` in its first row".into(),
            );
            return Vec::new();
        };
        let cell = |row: &super::Row, column: &Option<super::Column>| {
            column.as_ref().map_or("", |c| row.cell(c.index)).to_owned()
        };
        let header = |column: &Option<super::Column>, base: &str| {
            column
                .as_ref()
                .map_or_else(|| base.to_owned(), |c| c.header.clone())
        };
        let words =
            |text: &str| -> Vec<String> { text.split_whitespace().map(str::to_owned).collect() };
        let mut indicators: Vec<Indicator> = Vec::new();
        for row in self.data_rows(SheetKind::Indicators) {
            let id = row.cell(name.index).to_owned();
            let component = Component {
                question: row.cell(question.index).to_owned(),
                numerator: words(row.cell(numerator.index)),
            };
            let label = self.text(SheetKind::Indicators, row, "label");
            let rest = [&code, &unit, &denominator, &reported, &source]
                .iter()
                .any(|c| !cell(row, c).is_empty());
            if id.is_empty() {
                if component.question.is_empty()
                    && component.numerator.is_empty()
                    && !rest
                    && label.0.is_empty()
                {
                    continue;
                }
                let Some(last) = indicators.last_mut() else {
                    self.problem(
                        SheetKind::Indicators,
                        Some(row.number),
                        Some(name.header.clone()),
                        "missing_value",
                        "an indicator row needs its `name` (an empty name adds a component to the indicator above, and there is none)".into(),
                    );
                    continue;
                };
                if rest || !label.0.is_empty() {
                    let message = "a component row (empty `name`) gives only `question` and `numerator`; the rest belongs on the indicator's first row".into();
                    self.problem(
                        SheetKind::Indicators,
                        Some(row.number),
                        None,
                        "invalid_value",
                        message,
                    );
                }
                last.components.push(component);
                continue;
            }
            let unit_text = cell(row, &unit);
            let unit_level = match unit_text.to_ascii_lowercase().as_str() {
                "" | "respondent" => Level::Respondent,
                "member" => Level::Member,
                _ => {
                    self.problem(
                        SheetKind::Indicators,
                        Some(row.number),
                        Some(header(&unit, "unit")),
                        "invalid_value",
                        format!(
                            "unit {} is not `respondent` or `member`",
                            quoted(&unit_text)
                        ),
                    );
                    Level::Respondent
                }
            };
            let rule = cell(row, &denominator);
            let rule = match rule.to_ascii_lowercase().as_str() {
                "" | "all" => Denominator::All,
                "valid_answers" => Denominator::ValidAnswers,
                _ => {
                    let filter = Expression::new(&rule);
                    if let Err(error) = filter.parsed() {
                        self.problem(
                            SheetKind::Indicators,
                            Some(row.number),
                            Some(header(&denominator, "denominator")),
                            "expression_syntax",
                            format!(
                                "{} is neither `all`, `valid_answers` nor an expression for the subpopulation: {error}",
                                quoted(&rule)
                            ),
                        );
                    }
                    Denominator::Subpopulation { filter }
                }
            };
            if indicators.iter().any(|i| i.id == id) {
                self.problem(
                    SheetKind::Indicators,
                    Some(row.number),
                    Some(name.header.clone()),
                    "duplicate_id",
                    format!("indicator {} is named on a row above", quoted(&id)),
                );
                continue;
            }
            self.places.insert(
                format!("indicators.{id}"),
                Place {
                    sheet: SheetKind::Indicators,
                    row: Some(row.number),
                },
            );
            let source = cell(row, &source);
            indicators.push(Indicator {
                code: cell(row, &code),
                id,
                name: label,
                unit: unit_level,
                components: vec![component],
                denominator: rule,
                reported: words(&cell(row, &reported)),
                source: (!source.is_empty()).then_some(source),
            });
        }
        indicators
    }

    /// The settings' `disabled_if` (the Washington Group cut-off, codes
    /// separated by spaces) given to the `disability` roles, which the
    /// `role` column gathers from their domain questions.
    pub(super) fn disability_cut_off(&mut self) {
        let row = self.data_rows(SheetKind::Settings).first();
        let (written, column) = match row {
            Some(row) => self.headers[&SheetKind::Settings].cell(row, "disabled_if"),
            None => ("", None),
        };
        let codes: Vec<String> = written.split_whitespace().map(str::to_owned).collect();
        let header = column.map(|c| c.header.clone());
        let row_number = row.map(|row| row.number);
        let mut used = false;
        for role in &mut self.roles {
            if let Role::Disability { disabled_if, .. } = role {
                disabled_if.clone_from(&codes);
                used = true;
            }
        }
        if used && codes.is_empty() {
            self.problem(
                SheetKind::Settings,
                row_number,
                Some(header.unwrap_or_else(|| "disabled_if".into())),
                "missing_value",
                "questions have the role `disability`: give in the settings' `disabled_if` the answer codes that count as a disability (e.g. `a_lot cannot`)".into(),
            );
        } else if !used && !codes.is_empty() {
            self.problem(
                SheetKind::Settings,
                row_number,
                header,
                "invalid_value",
                "`disabled_if` is set but no question has the role `disability`".into(),
            );
        }
    }

    /// The `messages` sheet: the survey's own wording of an answer's
    /// problem, one row per error `code` (`required`, `below_minimum`…)
    /// with its `label::LANG`, and of any other interface word, one row per
    /// key (`form.yes`): the messages, then the interface words by language.
    pub(super) fn messages(&mut self) -> (BTreeMap<FieldErrorCode, Text>, InterfaceWords) {
        let mut messages = BTreeMap::new();
        let mut words = InterfaceWords::new();
        let Some(sheet) = self.sheet(SheetKind::Messages) else {
            return (messages, words);
        };
        if sheet.rows.is_empty() {
            return (messages, words);
        }
        let headers = &self.headers[&SheetKind::Messages];
        let header_row = headers.row;
        let Some(code_column) = headers.plain("code").cloned() else {
            self.problem(
                SheetKind::Messages,
                Some(header_row),
                None,
                "missing_column",
                "the messages sheet needs the column `code` in its first row".into(),
            );
            return (messages, words);
        };
        let mut seen = HashSet::new();
        for row in self.data_rows(SheetKind::Messages) {
            let written = row.cell(code_column.index);
            let label = self.text(SheetKind::Messages, row, "label");
            if written.is_empty() && label.0.is_empty() {
                continue;
            }
            let code = FieldErrorCode::ALL
                .iter()
                .copied()
                .find(|code| code.as_str() == written);
            let word = Word::parse(written);
            if code.is_none() && word.is_none() {
                self.problem(
                    SheetKind::Messages,
                    Some(row.number),
                    Some(code_column.header.clone()),
                    "invalid_value",
                    format!(
                        "code {} is neither an error code nor an interface word; the nearest is `{}`",
                        quoted(written),
                        nearest_code(written)
                    ),
                );
                continue;
            }
            if !seen.insert(written) {
                self.problem(
                    SheetKind::Messages,
                    Some(row.number),
                    Some(code_column.header.clone()),
                    "duplicate_id",
                    format!("code {} is worded on a row above", quoted(written)),
                );
                continue;
            }
            let place = Place {
                sheet: SheetKind::Messages,
                row: Some(row.number),
            };
            if let Some(code) = code {
                self.places.insert(format!("messages.{written}"), place);
                messages.insert(code, label);
                continue;
            }
            for (language, text) in label.0 {
                self.places
                    .insert(format!("interface_words.{language}.{written}"), place);
                words
                    .entry(language)
                    .or_default()
                    .insert(written.to_owned(), text);
            }
        }
        (messages, words)
    }
}

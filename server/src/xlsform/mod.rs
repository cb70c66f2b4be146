//! XLSForm import: a questionnaire written in a spreadsheet, as ODK,
//! KoboToolbox and SurveyCTO teams write them, turned into a Salama
//! [`Survey`] that passes [`Survey::check`], or every problem at once with
//! its sheet, row and column.
//!
//! # What is read
//! Sheets `survey`, `choices` and `settings`, and Salama's own `areas`,
//! `indicators` and `messages` (names and headers in any case; other
//! sheets, such as an exported workbook's `notes`, are ignored). Text columns take a language after `::` as `label::English (en)`,
//! `label::en` or a known language name (`label::Français`), and the old
//! single colon (`label:english`); a column without one (`label`) is in the
//! default language.
//!
//! **survey** columns: `type`, `name`, `label`, `hint`, `required` (`yes`,
//! `true`, or an expression), `relevant`, `constraint`,
//! `constraint_message`, `calculation`, `repeat_count` (a number only),
//! and Salama's own `role`: `sex`, `age`, `location`, `disability`,
//! `displacement`, `household_displacement` (outside repeats: the answer is
//! the household's, so its members are grouped by it as by the household's
//! area) or `urban_rural`, the question's part in disaggregation
//! (at the member level inside a repeat, else the respondent's; the
//! `disability` rows of a level are its Washington Group domain questions,
//! in row order, and the settings' `disabled_if` gives the cut-off); `code` (the item code
//! from the questionnaire design, for analysts), `source` (where the
//! wording comes from), `microdata_safe` (`yes`: a free-text answer that
//! cannot identify anyone, kept in microdata) and, on a top-level
//! `begin_group`, `sensitive` (`yes`: the section gets the safety notice
//! and quick exit), `drawn_among` (an expression: the section is asked of
//! one person drawn at random among those it holds for) and
//! `referrals::LANG` (where to get help, shown after it); on a
//! `begin_repeat`, `row_label::LANG` (how a row is named, default its
//! label), `min_rows` and `max_rows` (without `repeat_count`), `code`,
//! `source` and `hint`; bounds on answers: `min` and `max` (integer,
//! decimal), `max_length` (text), `min_choices` and `max_choices`
//! (select_multiple). A header one or two
//! typing slips from a known column (`relevent`) is reported, not ignored.
//! pyxform's other names for columns are read as it reads them
//! (`relevance`, `caption`, `readonly`, `count` and `jr:count`,
//! `jr:constraintMsg`, `jr:requiredMsg`). Every cell is trimmed, as pyxform
//! trims it.
//! `choice_filter` on any select (cascades of any depth): a bare name is a
//! column of the choices sheet, `name` the choice's own (`region=${region}`,
//! `region = ${region} and kind != 'market'`); the form offers only the
//! choices it admits and clears an answer no longer offered.
//! `appearance` on a question is kept as written and exported back; the
//! clients draw a `minimal` single choice as a drop-down and a `multiline`
//! text as a text area, and every step is already one screen, as
//! `field-list` asks (other appearances are drawn as usual); on a group or
//! repeat it is ignored.
//! `default` on a question: its static default, as pyxform and ODK read
//! it (the answer a new interview starts with, each roster row added too;
//! the respondent may change or clear it and it is not put back), written
//! as the answer is (`a b` for two choices of a `select_multiple`,
//! `2024-01-31`, `08:30`); `Survey::check` holds it to the question's own
//! rules (its list, range, length, date or time form; none on a note,
//! calculation, repeat, group or `admin_area`). A dynamic default (a
//! `${q}` or a function call such as `today()`, worked out when the
//! question is shown) is refused at its cell: a `calculate` row gives a
//! value from answers.
//! `required_message`, `media::*` and any other column
//! Salama does not know are ignored; `trigger` is refused where filled
//! (not expressible yet).
//!
//! Expressions are read as XLSForm writes them (the language is described in
//! `salama_shared::expr`), with `regex()`, `jr:choice-name()`,
//! `indexed-repeat()` (whose question must be one of the roster it names),
//! `join()`, `once()`, `selected-at()` and `count-selected()`. Refused row by row, with the reason: `now()`,
//! `random()` and `uuid()` (another value each time they are worked out:
//! the server, which works every interview out again, could not check
//! them) and `decimal-date-time()` (Salama keeps no time of day;
//! `number(${date})` gives a date's days since 1970).
//!
//! Types: `select_one LIST`, `select_multiple LIST` (with `or_other`, as
//! pyxform: a choice `other` and a text question `NAME_other` asked when
//! it is chosen, worded in English, with a note), `integer`, `decimal`,
//! `text` (at most [`translate::TEXT_MAX_LENGTH`] characters), `date`,
//! `time` (`HH:MM`, local, no zone) and `dateTime` (`YYYY-MM-DDTHH:MM`,
//! local; the microdata cut them to the hour and the month), `acknowledge`
//! (a choice of one option `OK`, the value ODK records, from a list
//! `acknowledge` added to the survey, worded "OK", with a note), `range`
//! (asked as a number box from `start` to `end`, read from `parameters`
//! with pyxform's defaults 1, 10 and 1; a whole step other than 1 is added
//! to the constraint, a decimal one is not enforced, with a note), `note`, `calculate`, Salama's `ordinal LIST` (a single choice on an
//! ordered scale, the list order the scale's) and `yes_no` (no list),
//! Salama's `admin_area` (the cascading choice of
//! areas from the `areas` sheet; `admin_area 1` asks only the top level),
//! `begin_group`/`end_group` (also `begin group`),
//! and pyxform's older spellings (`select one from LIST`, `select all that
//! apply from LIST`, `or specify other`, `begin looped group`, `get start
//! time`…),
//! `begin_repeat`/`end_repeat` (a roster of at most
//! [`translate::ROSTER_MAX_ROWS`] rows, or exactly `repeat_count`).
//! `select_one_from_file FILE.csv` and `select_multiple_from_file
//! FILE.csv` (pyxform's): the file's rows become a choice list named
//! after its stem (`towns`; named apart, `towns_`, if the choices sheet has
//! one so named), shared by every row naming the file. Its first line names
//! the columns: `name`, `label` or `label::LANG`, Salama's `missing` and
//! `exclusive`, and any of the author's own for `choice_filter`s, as on
//! the choices sheet. `salama survey import` reads it from the workbook's
//! folder; `POST /api/surveys` takes it as a part of a
//! `multipart/form-data` upload beside the workbook (see [`files`]), its
//! file name the one the form writes. A missing file is refused at the row
//! naming it, saying where it was looked for; a name with a folder
//! (`../x.csv`) is never looked for. Bounds: [`files::MAX_FILE_BYTES`] a
//! file, [`files::MAX_FILE_CHOICES`] choices (a list's own bound),
//! [`MAX_CELL_CHARS`] characters a cell, no control characters other than
//! line breaks and tabs, [`files::MAX_FILES`] files an upload. Its
//! problems are located in the file (`towns.csv!R3:name`).
//! A group at the top level becomes a section (its label the section's
//! title, else the survey's; its relevance the section's); questions outside any group form
//! sections of their own titled as the survey; a group inside another keeps
//! its relevance by ANDing it onto each of its questions; its name is no id
//! in Salama, so it may repeat another name, as pyxform allows in another
//! group.
//! `start`, `end`, `today`, `deviceid`, `username` and the other metadata
//! are dropped with a note. GPS and media types are refused: Salama collects
//! no household GPS or media (respondent safety). Refused for now, each
//! with its reason: `select_one_external` and `.xml` or `.geojson` files,
//! `rank`, a
//! `repeat_count` read from an answer, a calculation on a row that is not
//! `calculate`. A `${…}` in a label or hint shows the current answer.
//!
//! Salama requires every text in every language of the form: a hint or
//! constraint message given in one language only is reported per cell.
//!
//! **choices** columns: `list_name`, `name`, `label`, and Salama's own
//! `missing` (`dk`, `ra` or `na`: a don't-know, refused or not-applicable
//! category) and `exclusive` (`yes`: cannot be combined in a multiple
//! choice). Any other column named with letters, digits and `_` (`region`,
//! `kind`) is kept with each choice for `choice_filter`s to read; others
//! (`$kuid`, `image`) are ignored.
//!
//! **settings** (headers in row 1, values in row 2):
//! - `form_id`: the survey id (default: the file name without extension,
//!   other characters than letters, digits and `-` made `_`);
//! - `form_title` (or `form_title::LANG`): the title (default: the id);
//! - `version`: a whole number from 1 to 1,000,000, as text or number
//!   (default 1);
//! - `default_language`: `en`, `English (en)` or a known name (default: the
//!   first language of the text columns, else `en`);
//! - `public`: `yes` lets anyone answer online without an account;
//! - `channels`: `enumerator`, `online` or both separated by spaces (default:
//!   both when public, else `enumerator`);
//! - `consent_script::LANG` (required): read before any question: purpose,
//!   confidentiality, the right to skip or stop;
//! - `consent_question::LANG` (required): the yes/no question recording
//!   consent;
//! - `description::LANG`, `safety_notice::LANG` (shown before sensitive
//!   sections);
//! - rules for young respondents, all four or none: `self_respondent_min_age`
//!   and `adult_age` (years; needs an `age` role at the respondent level),
//!   `adult_consent_question::LANG`, `assent_question::LANG`.
//! - `disabled_if`: the answer codes (separated by spaces, e.g. `a_lot
//!   cannot`) that count as a disability in the `disability` domains.
//!
//! **areas** (Salama's own, for `admin_area` questions and the `location`
//! role), columns `level`, `code`, `parent`, `label::LANG`:
//!
//! | level    | code        | parent | label::en | label::fr |
//! |----------|-------------|--------|-----------|-----------|
//! | region   |             |        | Region    | Région    |
//! | district |             |        | District  | District  |
//! | region   | north       |        | North     | Nord      |
//! | district | north-hills | north  | Hills     | Collines  |
//!
//! A row with a `level` and no `code` declares a level, top level first;
//! a row with a `code` is an area of a declared level, under the `parent`
//! area (a row above, at the level just above; none at the top level).
//! Areas keep their row order among their siblings; every branch must reach
//! the lowest level.
//!
//! **indicators** (Salama's own): one row per indicator, columns `name`
//! (its id), `code` (the official code, `SDG 16.1.4`), `label::LANG` (its
//! name), `unit` (`respondent`, the default, or `member`), `question` and
//! `numerator` (the answer codes counted, separated by spaces),
//! `denominator` (`all`, the default; `valid_answers`: units that gave an
//! answer not marked `missing`; or an expression such as `${vic} = 'yes'`
//! for a subpopulation), `reported` (codes counted beside the estimate, such
//! as `dk ra`) and `source`. A row below it with an empty `name` adds a
//! component (`question`, `numerator`): the indicator is then the mean of
//! its components' shares (SDG 16.7.2).
//!
//! **messages** (Salama's own): the survey's wording of a problem with an
//! answer, one row per error `code` (`required`, `below_minimum`,
//! `constraint`…), and of any other interface word, one row per key
//! (`form.yes`, `form.submit`), with `label::LANG`; needed for a language
//! that has no built-in interface words.
//!
//! A survey row with neither type, name nor label is a comment and skipped,
//! as pyxform skips it. An upload through the API has no file name: it
//! needs `form_id`. A
//! `calculate` row without a label is labelled with its name.
//!
//! # Export
//! [`export::export`] writes a survey as such a workbook, which imports back
//! to the same definition (`salama survey export`, and
//! `GET /api/surveys/{id}/versions/{v}/xlsform`).
//!
//! # Problems
//! Each problem names the sheet, the 1-based row the author sees, the
//! column's header and the cell's text; `Survey::check`'s problems on the
//! translated survey are mapped back to the cells they come from. In the
//! API they are the 422's fields, with the path `survey!R41:relevant`.
//!
//! # Bounds
//! The bytes are hostile until read: at most [`MAX_ROWS`] rows with content
//! per sheet, [`MAX_CELL_CHARS`] characters per cell, a thousand columns;
//! an .xlsx must inflate to at most [`MAX_INFLATED_BYTES`] (counted while
//! inflating, before the reader sees it) and announce at most a million
//! shared texts; cells are kept sparse, so a cell far from A1 costs no
//! rectangle. An .xls is read only from the command line (see
//! [`import_upload`]). At most [`MAX_LISTED`] problems are listed, then
//! their count.

pub mod export;
pub mod files;
mod sheets;
pub mod translate;

use std::fmt;

use salama_shared::Survey;
use salama_shared::api::ErrorField;

pub use files::Files;
pub use sheets::{Format, MAX_CELL_CHARS, MAX_INFLATED_BYTES, MAX_ROWS, format_of};

/// The content type of an .xlsx workbook.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Problems listed at most; a longer list ends with one that counts the rest.
pub const MAX_LISTED: usize = 100;

/// One thing wrong with an XLSForm, where the author will find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    /// The sheet as named in the workbook; none for the file as a whole.
    pub sheet: Option<String>,
    /// 1-based, as the spreadsheet shows it.
    pub row: Option<u32>,
    /// The column's header (`relevant`, `label::fr`), or its letters when
    /// it has none.
    pub column: Option<String>,
    pub code: String,
    pub message: String,
}

impl ImportProblem {
    /// The place in short: `survey!R41:relevant`, `settings!R2`, `choices`,
    /// or empty for the file as a whole.
    pub fn path(&self) -> String {
        let mut path = self.sheet.clone().unwrap_or_default();
        if let Some(row) = self.row {
            path.push_str(&format!("!R{row}"));
        }
        if let Some(column) = &self.column {
            path.push(':');
            path.push_str(column);
        }
        path
    }
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.sheet, self.row, &self.column) {
            (Some(sheet), Some(row), Some(column)) => {
                write!(f, "{sheet} row {row}, column {column}: ")?
            }
            (Some(sheet), Some(row), None) => write!(f, "{sheet} row {row}: ")?,
            (Some(sheet), None, Some(column)) => write!(f, "{sheet}, column {column}: ")?,
            (Some(sheet), None, None) => write!(f, "{sheet} sheet: ")?,
            _ => {}
        }
        f.write_str(&self.message)
    }
}

impl From<ImportProblem> for ErrorField {
    fn from(problem: ImportProblem) -> Self {
        Self {
            path: problem.path(),
            code: problem.code.clone(),
            message: problem.to_string(),
        }
    }
}

/// A survey read from an XLSForm, with what was left out on purpose.
#[derive(Debug)]
pub struct Imported {
    pub survey: Survey,
    /// Rows dropped without harm (metadata such as `start`, `deviceid`).
    pub notes: Vec<ImportProblem>,
}

/// Reads an .xlsx or .xls XLSForm. `file_name` gives the survey id when the
/// settings sheet has no `form_id`. Every problem is listed (at most
/// [`MAX_LISTED`], then a count of the rest).
pub fn import(bytes: &[u8], file_name: &str) -> Result<Imported, Vec<ImportProblem>> {
    import_with(bytes, file_name, Files::None)
}

/// [`import`], with the files a `select_one_from_file` row names found in
/// `files`.
pub fn import_with(
    bytes: &[u8],
    file_name: &str,
    files: Files<'_>,
) -> Result<Imported, Vec<ImportProblem>> {
    let (workbook, mut spoilt) = sheets::read(bytes).map_err(capped)?;
    let translated = translate::survey(&workbook, file_name, files);
    match translated {
        Ok(imported) if spoilt.is_empty() => Ok(imported),
        Ok(_) => Err(capped(spoilt)),
        Err(problems) => {
            spoilt.extend(problems);
            Err(capped(spoilt))
        }
    }
}

/// [`import`] for bytes from the network: .xls is refused, because its
/// reader lays each sheet out whole from the positions the file claims,
/// which a crafted file can make exhaust the server's memory.
pub fn import_upload(
    bytes: &[u8],
    file_name: &str,
    files: Files<'_>,
) -> Result<Imported, Vec<ImportProblem>> {
    if format_of(bytes) == Some(Format::Xls) {
        return Err(vec![ImportProblem {
            sheet: None,
            row: None,
            column: None,
            code: "unsupported_format".into(),
            message: "an .xls file (Excel 97-2003) is imported only by `salama survey import`; \
                      save it as .xlsx to upload it"
                .into(),
        }]);
    }
    import_with(bytes, file_name, files)
}

fn capped(mut problems: Vec<ImportProblem>) -> Vec<ImportProblem> {
    let total = problems.len();
    if total > MAX_LISTED {
        problems.truncate(MAX_LISTED);
        problems.push(ImportProblem {
            sheet: None,
            row: None,
            column: None,
            code: "more_problems".into(),
            message: format!(
                "and {} more problem(s), {total} in all; fix these first",
                total - MAX_LISTED
            ),
        });
    }
    problems
}

/// `A`, `B`, …, `Z`, `AA`… for a 0-based column index.
pub fn column_letters(index: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(index) + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_spreadsheets_name_them() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn a_long_list_is_capped_and_counted() {
        let problem = ImportProblem {
            sheet: Some("survey".into()),
            row: Some(3),
            column: Some("name".into()),
            code: "missing_name".into(),
            message: "no name".into(),
        };
        let listed = capped(vec![problem.clone(); 250]);
        assert_eq!(listed.len(), MAX_LISTED + 1);
        assert!(listed[MAX_LISTED].message.contains("150 more"));
        assert_eq!(problem.to_string(), "survey row 3, column name: no name");
        assert_eq!(problem.path(), "survey!R3:name");
    }
}

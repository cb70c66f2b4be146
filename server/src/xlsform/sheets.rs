//! Reading a workbook's `survey`, `choices` and `settings` sheets into rows of
//! text, within bounds: the bytes come from outside and may be hostile.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Reader, Xls, Xlsx};

use super::ImportProblem;

/// Rows with content read from one sheet; a longer sheet is refused.
pub const MAX_ROWS: usize = 10_000;
/// Characters kept from one cell; a longer cell is refused.
pub const MAX_CELL_CHARS: usize = 20_000;
/// Columns read (A to ALL); cells further right are refused.
pub const MAX_COLUMNS: u32 = 1_000;
/// Bytes all the parts of an .xlsx may inflate to: an XLSForm is small, a
/// "zip bomb" is not.
pub const MAX_INFLATED_BYTES: u64 = 32 * 1024 * 1024;
/// Shared strings an .xlsx may announce (the reader reserves room for them).
const MAX_SHARED_STRINGS: u64 = 1_000_000;

/// The sheets Salama reads, by their XLSForm names.
pub const SHEETS: [&str; 6] = [
    "survey",
    "choices",
    "settings",
    "areas",
    "indicators",
    "messages",
];

/// One sheet's rows, in row order, without the empty ones.
#[derive(Debug, Default)]
pub struct Sheet {
    /// The name as written in the workbook.
    pub name: String,
    pub rows: Vec<Row>,
}

#[derive(Debug)]
pub struct Row {
    /// 1-based, as the spreadsheet shows it.
    pub number: u32,
    /// Cell text by 0-based column index; empty cells are absent.
    pub cells: BTreeMap<u32, String>,
}

impl Row {
    pub fn cell(&self, column: u32) -> &str {
        self.cells.get(&column).map_or("", |text| text.trim())
    }
}

/// The sheets found, keyed by their lower-case XLSForm name.
#[derive(Debug, Default)]
pub struct Workbook {
    pub sheets: BTreeMap<&'static str, Sheet>,
}

/// Which file format the bytes are, by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML (a zip archive).
    Xlsx,
    /// Excel 97-2003 (a compound file).
    Xls,
}

pub fn format_of(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some(Format::Xlsx)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(Format::Xls)
    } else {
        None
    }
}

fn whole_file(message: impl Into<String>) -> ImportProblem {
    ImportProblem {
        sheet: None,
        row: None,
        column: None,
        code: "unreadable".into(),
        message: message.into(),
    }
}

/// The sheets and the problems that spoil single cells (read as empty, so
/// the rest of the form is still checked); the problems that stop reading
/// altogether are the error.
pub type Reading = Result<(Workbook, Vec<ImportProblem>), Vec<ImportProblem>>;

fn settle(found: Workbook, problems: Vec<ImportProblem>) -> Reading {
    if problems
        .iter()
        .any(|problem| matches!(problem.code.as_str(), "unreadable" | "too_many_rows"))
    {
        Err(problems)
    } else {
        Ok((found, problems))
    }
}

/// Reads the sheets Salama knows; any problem with the file itself.
pub fn read(bytes: &[u8]) -> Reading {
    match format_of(bytes) {
        Some(Format::Xlsx) => read_xlsx(bytes),
        Some(Format::Xls) => read_xls(bytes),
        None => Err(vec![whole_file(
            "the file is not an Excel workbook (.xlsx or .xls)",
        )]),
    }
}

/// The sheet named `wanted`, ignoring case and surrounding spaces.
fn find_sheet(names: &[String], wanted: &str) -> Option<String> {
    names
        .iter()
        .find(|name| name.trim().eq_ignore_ascii_case(wanted))
        .cloned()
}

/// Inflates every part once, counting, before the reader sees the archive:
/// the sizes an archive declares may lie.
fn bounded_archive(bytes: &[u8]) -> Result<(), ImportProblem> {
    let unreadable = |error: &dyn std::fmt::Display| {
        whole_file(format!("the .xlsx file cannot be read: {error}"))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut inflated: u64 = 0;
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).map_err(|e| unreadable(&e))?;
        let shared_strings = part
            .name()
            .is_ok_and(|name| name.to_ascii_lowercase().ends_with("sharedstrings.xml"));
        let budget = MAX_INFLATED_BYTES - inflated;
        let mut head = Vec::new();
        let mut limited = (&mut part).take(budget + 1);
        if shared_strings {
            (&mut limited)
                .take(4096)
                .read_to_end(&mut head)
                .map_err(|e| unreadable(&e))?;
            if announced_strings(&head).is_some_and(|count| count > MAX_SHARED_STRINGS) {
                return Err(whole_file(format!(
                    "the .xlsx file announces more than {MAX_SHARED_STRINGS} different texts; an XLSForm has far fewer"
                )));
            }
        }
        let rest = std::io::copy(&mut limited, &mut std::io::sink()).map_err(|e| unreadable(&e))?;
        inflated += head.len() as u64 + rest;
        if inflated > MAX_INFLATED_BYTES {
            return Err(whole_file(format!(
                "the .xlsx file unpacks to more than {} MiB; an XLSForm is far smaller",
                MAX_INFLATED_BYTES / (1024 * 1024)
            )));
        }
    }
    Ok(())
}

/// `uniqueCount` of the `<sst>` element at the start of sharedStrings.xml.
fn announced_strings(head: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(head);
    let after = &text[text.find("uniqueCount=")? + "uniqueCount=".len()..];
    let digits: String = after
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    // Too many digits to parse is too many strings.
    Some(digits.parse().unwrap_or(u64::MAX))
}

fn read_xlsx(bytes: &[u8]) -> Reading {
    bounded_archive(bytes).map_err(|problem| vec![problem])?;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|error| {
        vec![whole_file(format!(
            "the .xlsx file cannot be read: {error}"
        ))]
    })?;
    let names = workbook.sheet_names();
    let mut found = Workbook::default();
    let mut problems = Vec::new();
    for wanted in SHEETS {
        let Some(name) = find_sheet(&names, wanted) else {
            continue;
        };
        let mut collector = Collector::new(&name);
        match workbook.worksheet_cells_reader(&name) {
            Ok(mut cells) => loop {
                match cells.next_cell() {
                    Ok(Some(cell)) => {
                        let (row, column) = cell.get_position();
                        if !collector.add(row, column, text_of_ref(cell.get_value())) {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(error) => {
                        collector.problems.push(sheet_problem(
                            &name,
                            format!("the sheet cannot be read: {error}"),
                        ));
                        break;
                    }
                }
            },
            Err(error) => collector.problems.push(sheet_problem(
                &name,
                format!("the sheet cannot be read: {error}"),
            )),
        }
        problems.append(&mut collector.problems);
        found.sheets.insert(wanted, collector.finish());
    }
    settle(found, problems)
}

/// An .xls file is read whole by the reader, each sheet as a rectangle
/// from its first to its last cell: only for files the operator trusts
/// (the command line), never for uploads.
fn read_xls(bytes: &[u8]) -> Reading {
    let mut workbook = Xls::new(Cursor::new(bytes))
        .map_err(|error| vec![whole_file(format!("the .xls file cannot be read: {error}"))])?;
    let names = workbook.sheet_names();
    let mut found = Workbook::default();
    let mut problems = Vec::new();
    for wanted in SHEETS {
        let Some(name) = find_sheet(&names, wanted) else {
            continue;
        };
        let mut collector = Collector::new(&name);
        match workbook.worksheet_range(&name) {
            Ok(range) => {
                let (top, left) = range.start().unwrap_or((0, 0));
                for (row, column, value) in range.used_cells() {
                    let (Ok(row), Ok(column)) = (u32::try_from(row), u32::try_from(column)) else {
                        break;
                    };
                    if !collector.add(top + row, left + column, text_of(value)) {
                        break;
                    }
                }
            }
            Err(error) => collector.problems.push(sheet_problem(
                &name,
                format!("the sheet cannot be read: {error}"),
            )),
        }
        problems.append(&mut collector.problems);
        found.sheets.insert(wanted, collector.finish());
    }
    settle(found, problems)
}

fn sheet_problem(sheet: &str, message: String) -> ImportProblem {
    ImportProblem {
        sheet: Some(sheet.to_owned()),
        row: None,
        column: None,
        code: "unreadable".into(),
        message,
    }
}

/// Gathers cells within the bounds, noting the first breach of each.
struct Collector {
    name: String,
    rows: BTreeMap<u32, BTreeMap<u32, String>>,
    problems: Vec<ImportProblem>,
    wide: bool,
}

impl Collector {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            rows: BTreeMap::new(),
            problems: Vec::new(),
            wide: false,
        }
    }

    /// Keeps one cell (0-based position); `false` once the sheet is too long
    /// to go on reading.
    fn add(&mut self, row: u32, column: u32, text: String) -> bool {
        if text.trim().is_empty() {
            return true;
        }
        let number = row.saturating_add(1);
        if column >= MAX_COLUMNS {
            if !self.wide {
                self.wide = true;
                self.problems.push(ImportProblem {
                    sheet: Some(self.name.clone()),
                    row: Some(number),
                    column: Some(super::column_letters(column)),
                    code: "too_large".into(),
                    message: format!(
                        "the sheet has text beyond its first {MAX_COLUMNS} columns; an XLSForm needs far fewer"
                    ),
                });
            }
            return true;
        }
        if !self.rows.contains_key(&number) && self.rows.len() >= MAX_ROWS {
            self.problems.push(ImportProblem {
                sheet: Some(self.name.clone()),
                row: Some(number),
                column: None,
                code: "too_many_rows".into(),
                message: format!(
                    "the sheet has more than {MAX_ROWS} rows with content; Salama reads at most {MAX_ROWS}"
                ),
            });
            return false;
        }
        let text = if text.chars().count() > MAX_CELL_CHARS {
            self.problems.push(ImportProblem {
                sheet: Some(self.name.clone()),
                row: Some(number),
                column: Some(super::column_letters(column)),
                code: "too_large".into(),
                message: format!("the cell holds more than {MAX_CELL_CHARS} characters"),
            });
            String::new()
        } else {
            text
        };
        self.rows.entry(number).or_default().insert(column, text);
        true
    }

    fn finish(self) -> Sheet {
        Sheet {
            name: self.name,
            rows: self
                .rows
                .into_iter()
                .map(|(number, cells)| Row { number, cells })
                .collect(),
        }
    }
}

/// A number as an author typed it: `2`, not `2.0`.
fn number_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        number.to_string()
    }
}

fn text_of_ref(value: &DataRef<'_>) -> String {
    match value {
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
            text.clone()
        }
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Int(number) => number.to_string(),
        DataRef::Float(number) => number_text(*number),
        DataRef::Bool(value) => value.to_string(),
        DataRef::DateTime(date) => number_text(date.as_f64()),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

fn text_of(value: &Data) -> String {
    match value {
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) => number_text(*number),
        Data::Bool(value) => value.to_string(),
        Data::DateTime(date) => number_text(date.as_f64()),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number_text(2.0), "2");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(1.5), "1.5");
    }

    #[test]
    fn an_announced_string_count_is_read() {
        assert_eq!(
            announced_strings(br#"<sst xmlns="x" count="3" uniqueCount="2">"#),
            Some(2)
        );
        assert_eq!(
            announced_strings(br#"<sst uniqueCount="99999999999999999999999999">"#),
            Some(u64::MAX)
        );
        assert_eq!(announced_strings(b"<sst>"), None);
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        let problems = read(b"not a spreadsheet at all").expect_err("garbage");
        assert_eq!(problems.len(), 1);
        let problems = read(b"PK\x03\x04garbage").expect_err("broken zip");
        assert_eq!(problems.len(), 1);
        let problems =
            read(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]).expect_err("broken xls");
        assert_eq!(problems.len(), 1);
    }
}

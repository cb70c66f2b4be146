//! Files a form names beside its workbook: pyxform's `select_one_from_file
//! towns.csv` reads its choices from `towns.csv`, a CSV with a `name`
//! column, `label` (or `label::LANG`) columns and any columns of the
//! author's own for `choice_filter`s, as the choices sheet has. The bytes
//! are hostile until read, as a workbook's are.

use std::collections::BTreeMap;
use std::path::Path;

use axum::body::Bytes;

use super::ImportProblem;
use super::sheets::{MAX_CELL_CHARS, MAX_COLUMNS, Row, Sheet};
use crate::multipart::Part;

/// Largest file of choices read: room for the most choices a list may have
/// ([`MAX_FILE_CHOICES`]) with long labels in several languages.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Most choices a file may give: a choice list's own bound in the schema.
pub const MAX_FILE_CHOICES: usize = 500;

/// Files uploaded beside a workbook, by file name.
pub type Uploaded = BTreeMap<String, Vec<u8>>;

/// Most files uploaded beside one workbook.
pub const MAX_FILES: usize = 20;

/// Where the files a form names are found.
#[derive(Clone, Copy, Debug)]
pub enum Files<'a> {
    /// None are given (a workbook uploaded alone).
    None,
    /// In the workbook's folder (`salama survey import FORM.xlsx`).
    Folder(&'a Path),
    /// Uploaded with the workbook, by file name.
    Uploaded(&'a Uploaded),
}

impl Files<'_> {
    /// The bytes of the file `name` (a plain file name, see
    /// [`is_plain_file_name`]), or why they cannot be had.
    pub(crate) fn get(&self, name: &str) -> Result<Vec<u8>, String> {
        match self {
            Files::None => Err(format!(
                "the choices come from the file `{name}`, which was not given: upload it with the workbook (multipart/form-data, file name `{name}`), or copy its choices into the choices sheet"
            )),
            Files::Uploaded(files) => files.get(name).cloned().ok_or_else(|| {
                format!(
                    "the choices come from the file `{name}`, which was not uploaded with the workbook: add it as a part of the multipart/form-data request with the file name `{name}`"
                )
            }),
            Files::Folder(folder) => {
                let path = folder.join(name);
                let metadata = std::fs::metadata(&path).map_err(|_| {
                    format!(
                        "the choices come from the file `{name}`, which is not beside the workbook: looked for {}",
                        path.display()
                    )
                })?;
                if !metadata.is_file() {
                    return Err(format!("{} is not a file", path.display()));
                }
                if metadata.len() > MAX_FILE_BYTES {
                    return Err(too_large(name));
                }
                std::fs::read(&path).map_err(|error| format!("reading {}: {error}", path.display()))
            }
        }
    }
}

pub(crate) fn too_large(name: &str) -> String {
    format!(
        "`{name}` is larger than {} MiB; a list holds at most {MAX_FILE_CHOICES} choices",
        MAX_FILE_BYTES / 1024 / 1024
    )
}

/// A file name alone, of a CSV file: no folder (`../../etc/passwd`,
/// `C:\x.csv`), no hidden file, nothing a terminal or a log would
/// misread. Anything else is refused before a file is looked for.
pub fn is_plain_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':'])
        && !name.chars().any(char::is_control)
        && lower.ends_with(".csv")
        && lower.len() > ".csv".len()
}

/// The rows of a CSV file as a sheet named after the file, its lines
/// numbered as an editor shows them; each cell trimmed, as pyxform trims it.
pub(crate) fn csv_sheet(name: &str, bytes: &[u8]) -> Result<Sheet, String> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(name));
    }
    // Spreadsheet programs save CSV with a byte-order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut rows = Vec::new();
    // The reader counts records, not blank lines: lines are counted here
    // from each record's byte offset, so a problem names the line an
    // editor shows.
    let (mut counted_to, mut line) = (0usize, 1u32);
    for record in reader.records() {
        let record = record.map_err(|error| format!("`{name}` does not read as CSV: {error}"))?;
        let offset = record
            .position()
            .map_or(counted_to, |position| {
                usize::try_from(position.byte()).unwrap_or(usize::MAX)
            })
            .clamp(counted_to, bytes.len());
        // The offset may be that of the blank lines before the record.
        let offset = offset
            + bytes[offset..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let breaks = bytes[counted_to..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        line = line.saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
        counted_to = offset;
        if rows.len() > MAX_FILE_CHOICES {
            return Err(format!(
                "`{name}` has more than {MAX_FILE_CHOICES} choices, the most a list may have"
            ));
        }
        let mut cells = BTreeMap::new();
        for (index, cell) in record.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let Some(index) = u32::try_from(index).ok().filter(|at| *at < MAX_COLUMNS) else {
                return Err(format!(
                    "`{name}` line {line} has more than {MAX_COLUMNS} columns"
                ));
            };
            if cell.chars().count() > MAX_CELL_CHARS {
                return Err(format!(
                    "`{name}` line {line}, column {}: a cell holds at most {MAX_CELL_CHARS} characters",
                    index + 1
                ));
            }
            if cell
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                return Err(format!(
                    "`{name}` line {line}, column {}: a control character, which no choice holds",
                    index + 1
                ));
            }
            cells.insert(index, cell.to_owned());
        }
        if !cells.is_empty() {
            rows.push(Row {
                number: line,
                cells,
            });
        }
    }
    Ok(Sheet {
        name: name.to_owned(),
        rows,
    })
}

/// The workbook of a `multipart/form-data` upload (the one part that is an
/// .xlsx, by its file name or type) and the files beside it by name, or
/// every problem with the parts.
pub fn uploaded(parts: Vec<Part>) -> Result<(Bytes, Uploaded), Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut problem = |code: &str, message: String| {
        problems.push(ImportProblem {
            sheet: None,
            row: None,
            column: None,
            code: code.into(),
            message,
        });
    };
    let mut workbook = None;
    let mut files = BTreeMap::new();
    for (index, part) in parts.into_iter().enumerate() {
        let number = index + 1;
        let file_name = part.file_name.as_deref().unwrap_or_default();
        let is_workbook = file_name.to_ascii_lowercase().ends_with(".xlsx")
            || part
                .content_type
                .as_deref()
                .is_some_and(|media| media.eq_ignore_ascii_case(super::XLSX_CONTENT_TYPE));
        if is_workbook {
            if workbook.replace(part.bytes).is_some() {
                problem(
                    "several_workbooks",
                    format!("part {number} is a second workbook; upload one XLSForm at a time"),
                );
            }
            continue;
        }
        if !is_plain_file_name(file_name) {
            problem(
                "invalid_file_name",
                format!(
                    "part {number}, file name `{}`: a file beside the workbook is a .csv file named by its file name alone (`towns.csv`), as the form names it",
                    crate::error::shown(file_name, 120)
                ),
            );
            continue;
        }
        if files.len() == MAX_FILES {
            problem(
                "too_many_files",
                format!("more than {MAX_FILES} files beside the workbook"),
            );
            break;
        }
        if files
            .insert(file_name.to_owned(), part.bytes.to_vec())
            .is_some()
        {
            problem(
                "duplicate_file",
                format!("part {number}: `{file_name}` is uploaded twice"),
            );
        }
    }
    if workbook.is_none() {
        problem(
            "missing_workbook",
            format!(
                "no part is the XLSForm: send it as a part with a file name ending in .xlsx, or of type {}",
                super::XLSX_CONTENT_TYPE
            ),
        );
    }
    match workbook {
        Some(workbook) if problems.is_empty() => Ok((workbook, files)),
        _ => Err(problems),
    }
}

/// A list id from a file name: `Towns 2024.csv` gives `Towns_2024`.
pub(crate) fn list_id(name: &str) -> String {
    let stem = Path::new(name)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default();
    let id: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(48)
        .collect();
    match id.chars().next() {
        Some(first) if first.is_ascii_alphabetic() || first == '_' => id,
        _ => format!("list_{id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_csv_file_name_is_looked_for() {
        for fine in ["towns.csv", "Towns 2024.CSV", "villages-v2.csv"] {
            assert!(is_plain_file_name(fine), "{fine}");
        }
        for refused in [
            "../../etc/passwd",
            "../towns.csv",
            "/etc/towns.csv",
            "C:\\towns.csv",
            "c:towns.csv",
            ".csv",
            ".hidden.csv",
            "towns.xml",
            "towns\u{1b}[2J.csv",
            "",
        ] {
            assert!(!is_plain_file_name(refused), "{refused:?}");
        }
    }

    #[test]
    fn a_list_is_named_after_its_file() {
        assert_eq!(list_id("towns.csv"), "towns");
        assert_eq!(list_id("Towns 2024.csv"), "Towns_2024");
        assert_eq!(list_id("2024.csv"), "list_2024");
    }

    #[test]
    fn rows_keep_their_line_numbers_and_hostile_cells_are_refused() {
        let sheet = csv_sheet(
            "towns.csv",
            b"\xEF\xBB\xBFname,label\n goma , Goma \n\n\"bukavu\",\"=cmd|' /C calc'!A0\"\n",
        )
        .expect("reads");
        let rows: Vec<(u32, Vec<&str>)> = sheet
            .rows
            .iter()
            .map(|row| (row.number, row.cells.values().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (1, vec!["name", "label"]),
                (2, vec!["goma", "Goma"]),
                (4, vec!["bukavu", "=cmd|' /C calc'!A0"]),
            ]
        );
        let bell = csv_sheet("towns.csv", b"name,label\ngoma,Go\x07ma\n").expect_err("bell");
        assert!(bell.contains("line 2, column 2"), "{bell}");
        let many: String = std::iter::once("name,label\n".to_owned())
            .chain((0..=MAX_FILE_CHOICES).map(|n| format!("c{n},C{n}\n")))
            .collect();
        let refused = csv_sheet("towns.csv", many.as_bytes()).expect_err("too many");
        assert!(refused.contains("more than 500 choices"), "{refused}");
        let huge = vec![b'a'; MAX_FILE_BYTES as usize + 1];
        assert!(csv_sheet("towns.csv", &huge).is_err());
        assert!(csv_sheet("towns.csv", b"name\n\xFF\xFE\n").is_err());
    }
}

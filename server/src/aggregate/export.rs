//! Aggregate tables as downloads: tidy CSV (one row per cell) and XLSX (the
//! same rows, plus a sheet saying how the numbers were made).

use std::borrow::Cow;

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use salama_shared::aggregate::{AggregateTable, Cell, Population};
use salama_shared::csv_cell::neutralise;
use salama_shared::words::{AnalysisWord, Key};

/// The column headers, shared by CSV and XLSX.
fn headers(table: &AggregateTable) -> Vec<String> {
    let mut headers = vec!["population".to_owned(), "representative".to_owned()];
    for dimension in &table.by {
        headers.push(dimension.as_str().to_owned());
        headers.push(format!("{}_label", dimension.as_str()));
    }
    for column in [
        "n",
        "weighted_n",
        "estimate",
        "standard_error",
        "ci_lower",
        "ci_upper",
        "degrees_of_freedom",
        "flag",
        "shown_as",
    ] {
        headers.push(column.to_owned());
    }
    for category in &table.reported {
        headers.push(format!("count_{category}"));
    }
    headers
}

/// One row of text fields per cell, in header order; numbers as text with
/// full precision, absent values empty. Only the group columns (a value and
/// a label per dimension, from the survey) hold text from outside.
fn rows<'t>(
    table: &'t AggregateTable,
    language: &str,
) -> impl Iterator<Item = (&'t Population, &'t Cell, Vec<String>)> {
    let total = AnalysisWord::Total.in_language(language);
    let number = |value: Option<f64>| value.map_or_else(String::new, |v| v.to_string());
    table.populations.iter().flat_map(move |population| {
        population.cells.iter().map(move |cell| {
            let mut row = vec![
                population.channel.as_str().to_owned(),
                population.representative.to_string(),
            ];
            for (index, _) in table.by.iter().enumerate() {
                match cell.group.get(index) {
                    Some(value) => {
                        row.push(value.value.clone().unwrap_or_else(|| "unknown".into()));
                        row.push(value.label.clone());
                    }
                    None => {
                        row.push("total".into());
                        row.push(total.into());
                    }
                }
            }
            row.push(cell.n.map_or_else(String::new, |n| n.to_string()));
            row.push(number(cell.weighted_n));
            row.push(number(cell.estimate));
            row.push(number(cell.standard_error));
            row.push(number(cell.ci_lower));
            row.push(number(cell.ci_upper));
            row.push(number(cell.degrees_of_freedom));
            row.push(cell.flag.as_str().to_owned());
            row.push(cell.flag.shown_as(cell.estimate));
            for reported in &cell.reported {
                row.push(reported.count.map_or_else(String::new, |c| c.to_string()));
            }
            (population, cell, row)
        })
    })
}

/// The table as CSV: group values and labels quoted where a spreadsheet
/// would run them as a formula, the numbers as they are. A last column,
/// `method_notes`, carries each population's design and notes (what the
/// XLSX's About sheet says), so the file read alone is not misread.
pub fn csv(table: &AggregateTable, language: &str) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut headers = headers(table);
    headers.push("method_notes".to_owned());
    writer.write_record(
        headers
            .iter()
            .map(|header| neutralise(header.as_str()).into_owned()),
    )?;
    for (population, _, mut row) in rows(table, language) {
        for value in &mut row[group_columns(table)] {
            if let Cow::Owned(quoted) = neutralise(value.as_str()) {
                *value = quoted;
            }
        }
        let notes = std::iter::once(population.design.as_str())
            .chain(population.notes.iter().map(String::as_str))
            .filter(|note| !note.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        row.push(neutralise(&notes).into_owned());
        writer.write_record(&row)?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}

/// The columns of [`rows`] holding a value and a label per dimension.
fn group_columns(table: &AggregateTable) -> std::ops::Range<usize> {
    2..2 + 2 * table.by.len()
}

pub fn xlsx(table: &AggregateTable, language: &str) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Table")?;
    let headers = headers(table);
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, column_index(column), header, &bold)?;
    }
    let numeric_from = 2 + 2 * table.by.len();
    for (index, (_, _, row)) in rows(table, language).enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        for (column, value) in row.iter().enumerate() {
            let is_number =
                (numeric_from..numeric_from + 7).contains(&column) || column >= numeric_from + 9;
            match value.parse::<f64>() {
                Ok(number) if is_number => {
                    sheet.write_number(line, column_index(column), number)?;
                }
                _ if value.is_empty() => {}
                _ => {
                    sheet.write_string(line, column_index(column), value)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let about = workbook.add_worksheet();
    about.set_name("About")?;
    let mut line = 0;
    let mut put = |label: &str, text: &str| -> Result<(), XlsxError> {
        about.write_string_with_format(line, 0, label, &bold)?;
        about.write_string(line, 1, text)?;
        line += 1;
        Ok(())
    };
    put("Indicator", &format!("{} {}", table.code, table.name))?;
    put("Survey", &table.survey_id)?;
    let by: Vec<&str> = table.by.iter().map(|d| d.as_str()).collect();
    put("Broken down by", &by.join(", "))?;
    put("Age bands", table.age_scheme.as_str())?;
    for population in &table.populations {
        put(population.channel.as_str(), &population.design)?;
        for note in &population.notes {
            put("", note)?;
        }
    }
    workbook.save_to_buffer()
}

fn column_index(column: usize) -> u16 {
    u16::try_from(column).unwrap_or(u16::MAX)
}

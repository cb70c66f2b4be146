//! Query parameters as the routes read them, and what several routes
//! answer with: field errors, quoted outside text, file downloads.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use salama_shared::api::ErrorField;

/// Query parameters as sent; repeated keys (`by=sex&by=age_band`) allowed.
pub type Params = Vec<(String, String)>;

/// The last non-empty value of `name`, as every analysis query reads it.
fn param<'p>(params: &'p Params, name: &str) -> Option<&'p str> {
    salama_shared::query::last(params, name)
}

/// What a code (cluster, stratum) may be made of.
pub(crate) const CODE_RULE: &str = "letters, digits, `-`, `_`, `.` and `:`, at most 64";

/// A text from the request, as a message quotes it.
pub(crate) fn quoted(text: &str) -> String {
    crate::error::shown(text, salama_shared::text::MAX_CODE_LENGTH)
}

/// An uploaded CSV file read up to its header (cells trimmed), or the
/// problem that it has none.
pub(crate) fn csv_header(
    body: &[u8],
) -> Result<(csv::Reader<&[u8]>, csv::StringRecord), Vec<ErrorField>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body);
    match reader.headers() {
        Ok(headers) => {
            let headers = headers.clone();
            Ok((reader, headers))
        }
        Err(error) => Err(vec![field(
            "header",
            "unreadable",
            format!("not CSV: {error}"),
        )]),
    }
}

/// Visits the rows after the header, each with its index and its line (the
/// header is line 1), at most `max_rows` of them: a row that does not read
/// and a file longer than that are problems in `errors`, which the visit
/// adds to.
pub(crate) fn csv_rows(
    reader: csv::Reader<&[u8]>,
    max_rows: usize,
    errors: &mut Vec<ErrorField>,
    mut visit: impl FnMut(usize, usize, csv::StringRecord, &mut Vec<ErrorField>),
) {
    for (index, record) in reader.into_records().enumerate() {
        let line = index + 2;
        if index == max_rows {
            errors.push(field(
                "rows",
                "too_many",
                format!("at most {max_rows} rows in one file"),
            ));
            break;
        }
        match record {
            Ok(record) => visit(index, line, record, errors),
            Err(error) => errors.push(field(
                &format!("rows[{index}]"),
                "unreadable",
                format!("line {line}: {error}"),
            )),
        }
    }
}

/// The rows an uploaded CSV file gave, or every problem found in it; a file
/// without a single row is itself a problem.
pub(crate) fn rows_read<T>(
    rows: Vec<T>,
    mut errors: Vec<ErrorField>,
) -> Result<Vec<T>, Vec<ErrorField>> {
    if rows.is_empty() && errors.is_empty() {
        errors.push(field("rows", "required", "the file has no rows"));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

pub(crate) fn field(path: &str, code: &str, message: impl Into<String>) -> ErrorField {
    ErrorField::new(path, code, message)
}

/// The language labels are written in: `lang` if the survey has it.
pub(crate) fn language(
    params: &Params,
    survey: &salama_shared::Survey,
    errors: &mut Vec<ErrorField>,
) -> String {
    let lang = param(params, "lang");
    let before = errors.len();
    salama_shared::query::check_language(survey, lang, errors);
    match lang {
        Some(lang) if errors.len() == before => lang.to_owned(),
        _ => survey.default_language.clone(),
    }
}

/// A file to save rather than show.
pub(crate) fn download(body: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

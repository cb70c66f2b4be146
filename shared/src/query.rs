//! Reading and writing the query strings of the analysis endpoints: one
//! parameter list per request type describes them for the API document,
//! and the helpers here give every request the same rules (the last of a
//! repeated parameter counts, an empty value is absent, a bad value is
//! reported with the parameter's name and the values allowed).

use std::fmt::Write as _;

use crate::Survey;
use crate::api::ErrorField;
use crate::text::{MAX_CODE_LENGTH, shown};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParameterKind {
    Text,
    Integer,
    /// `YYYY-MM-DD`.
    Date,
}

/// One query parameter, as the API document describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameter {
    pub name: &'static str,
    pub required: bool,
    /// Given several times (or comma-separated), each value counts.
    pub repeated: bool,
    pub kind: ParameterKind,
    /// The values it may take, when they are a fixed list.
    pub allowed: Vec<&'static str>,
    pub description: &'static str,
}

impl Parameter {
    /// An optional parameter given once.
    pub(crate) fn optional(
        name: &'static str,
        kind: ParameterKind,
        allowed: &[&'static str],
        description: &'static str,
    ) -> Self {
        Self {
            name,
            required: false,
            repeated: false,
            kind,
            allowed: allowed.to_vec(),
            description,
        }
    }
}

/// The last non-empty value of `name`.
pub fn last<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}

/// Outside text as a message quotes it.
pub(crate) fn quoted(text: &str) -> String {
    shown(text, MAX_CODE_LENGTH)
}

pub(crate) fn not_one_of(path: &str, value: &str, allowed: &[&str]) -> ErrorField {
    ErrorField::new(
        path,
        "invalid_choice",
        format!("`{}` is not one of {}", quoted(value), allowed.join(", ")),
    )
}

/// The item of `all` named `value`, if it is given; an error if none is.
pub(crate) fn choice<T: Copy>(
    value: Option<&str>,
    name: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
    errors: &mut Vec<ErrorField>,
) -> Option<T> {
    let value = value?;
    let found = all.iter().copied().find(|item| as_str(*item) == value);
    if found.is_none() {
        let names: Vec<&str> = all.iter().map(|item| as_str(*item)).collect();
        errors.push(not_one_of(name, value, &names));
    }
    found
}

/// An error unless the survey is written in `lang`.
pub fn check_language(survey: &Survey, lang: Option<&str>, errors: &mut Vec<ErrorField>) {
    if let Some(lang) = lang
        && !survey.languages.iter().any(|l| l == lang)
    {
        errors.push(ErrorField::new(
            "lang",
            "invalid_choice",
            format!(
                "the survey is not in `{}`; it is in {}",
                quoted(lang),
                survey.languages.join(", ")
            ),
        ));
    }
}

/// A query string built pair by pair, values percent-encoded.
#[derive(Default)]
pub(crate) struct Writer(String);

impl Writer {
    pub(crate) fn pair(&mut self, name: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(name);
        self.0.push('=');
        // All but URL-safe ASCII, as UTF-8 bytes; commas separate repeated
        // values, which are plain words.
        for byte in value.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~,".contains(&byte) {
                self.0.push(char::from(byte));
            } else {
                let _ = write!(self.0, "%{byte:02X}");
            }
        }
    }

    pub(crate) fn finish(self) -> String {
        self.0
    }
}

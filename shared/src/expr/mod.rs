//! The expression language of `relevant`, `constraint`, `required` and
//! `calculation`, following XLSForm so that importing an XLSForm is a
//! translation: `${q}` references, `.` for the answer being checked, `and`,
//! `or`, `not()`, comparisons, `+ - * div mod`, and XLSForm's functions.
//!
//! Parsing and evaluation never panic: parse problems come back as
//! [`ParseError`] with a byte position, and evaluation follows XPath's
//! forgiving conversions (an unanswered question is the empty string, which
//! is not a number), so every expression yields a [`Value`].

mod ast;
mod eval;
mod lexer;
mod parser;
mod regex;
mod value;

pub(crate) use ast::choice_question;
pub use ast::{BinaryOp, Expr, Function};
pub use eval::{Scope, eval};
pub use parser::{MAX_DEPTH, MAX_LENGTH, ParseError, ParseErrorKind, parse, parse_choice_filter};
pub use regex::{MAX_PROGRAM, MAX_REPEAT, PatternError, Regex};
pub use value::Value;
pub(crate) use value::format_number;
pub use value::parse_decimal;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An expression as written in a survey definition, parsed once when the
/// survey is loaded. Loading never fails on a bad expression so that
/// [`crate::Survey::check`] can report every bad expression at once.
#[derive(Clone, Debug)]
pub struct Expression {
    source: String,
    parsed: Result<Expr, ParseError>,
}

impl Expression {
    pub fn new(source: impl Into<String>) -> Self {
        let source = source.into();
        let parsed = parse(&source);
        Self { source, parsed }
    }

    /// A `choice_filter`, where a bare name is a column of the choice
    /// being considered.
    pub fn choice_filter(source: impl Into<String>) -> Self {
        let source = source.into();
        let parsed = parser::parse_choice_filter(&source);
        Self { source, parsed }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn parsed(&self) -> Result<&Expr, &ParseError> {
        self.parsed.as_ref()
    }
}

impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Serialize for Expression {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Expression {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Expression::new)
    }
}

pub(crate) fn read_choice_filter<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Expression>, D::Error> {
    String::deserialize(deserializer).map(|source| Some(Expression::choice_filter(source)))
}

/// [`read_choice_filter`] for the browser's reader (`crate::json`).
pub(crate) fn choice_filter_from_json(
    value: serde_json::Value,
) -> Result<Option<Expression>, crate::json::ReadError> {
    <String as crate::json::FromJson>::read(value)
        .map(|source| Some(Expression::choice_filter(source)))
}

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::date::Date;

/// A typed value during evaluation. Answers are borrowed from the submission,
/// so evaluating a survey copies no text.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// An unanswered or non-relevant question: XLSForm's empty string.
    Empty,
    Bool(bool),
    Number(f64),
    Text(Cow<'a, str>),
    Date(Date),
    /// The codes chosen in a multiple-choice answer, in the order given.
    Choices(Vec<Cow<'a, str>>),
    /// The values of one question across the rows of a roster, as seen from
    /// outside it: XPath's node-set.
    List(Vec<Value<'a>>),
}

impl<'a> Value<'a> {
    pub fn text(text: impl Into<Cow<'a, str>>) -> Self {
        Value::Text(text.into())
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(text) => text.is_empty(),
            Value::Choices(codes) => codes.is_empty(),
            _ => false,
        }
    }

    /// XPath `boolean()`.
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Empty => false,
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::Text(text) => !text.is_empty(),
            Value::Date(_) => true,
            Value::Choices(codes) => !codes.is_empty(),
            Value::List(items) => !items.is_empty(),
        }
    }

    /// XPath `number()`: text that is not a number, and an empty answer, are NaN.
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Empty => f64::NAN,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Number(n) => *n,
            Value::Text(text) => parse_number(text),
            Value::Date(date) => f64::from(date.days()),
            Value::Choices(_) => parse_number(&self.to_text()),
            Value::List(items) => items.first().map_or(f64::NAN, Value::to_number),
        }
    }

    /// XPath `string()`; a multiple-choice answer is its codes joined by spaces,
    /// as XLSForm stores it.
    pub fn to_text(&self) -> Cow<'a, str> {
        match self {
            Value::Empty => Cow::Borrowed(""),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Number(n) => Cow::Owned(format_number(*n)),
            Value::Text(text) => text.clone(),
            Value::Date(date) => Cow::Owned(date.to_string()),
            Value::Choices(codes) => match codes.as_slice() {
                [only] => only.clone(),
                _ => Cow::Owned(codes.join(" ")),
            },
            Value::List(items) => items.first().map_or(Cow::Borrowed(""), Value::to_text),
        }
    }

    /// A date, from a date, a `YYYY-MM-DD` text or a day number.
    pub fn to_date(&self) -> Option<Date> {
        match self {
            Value::Date(date) => Some(*date),
            Value::Text(text) => Date::parse(text.trim()),
            Value::Number(n) if n.is_finite() && n.abs() < 1e7 => {
                Some(Date::from_days(n.floor() as i32))
            }
            Value::List(items) => items.first().and_then(Value::to_date),
            _ => None,
        }
    }

    /// The chosen codes of a multiple-choice answer; text is split on spaces
    /// as XLSForm's `selected()` does.
    pub fn into_codes(self) -> Vec<Cow<'a, str>> {
        match self {
            Value::Choices(codes) => codes,
            Value::Empty => Vec::new(),
            other => other
                .to_text()
                .split_whitespace()
                .map(|code| Cow::Owned(code.to_owned()))
                .collect(),
        }
    }

    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Empty => Value::Empty,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(n),
            Value::Text(text) => Value::Text(Cow::Owned(text.into_owned())),
            Value::Date(date) => Value::Date(date),
            Value::Choices(codes) => Value::Choices(
                codes
                    .into_iter()
                    .map(|c| Cow::Owned(c.into_owned()))
                    .collect(),
            ),
            Value::List(items) => Value::List(items.into_iter().map(Value::into_owned).collect()),
        }
    }
}

fn parse_number(text: &str) -> f64 {
    parse_decimal(text.trim()).unwrap_or(f64::NAN)
}

/// Reads a number in XPath's syntax: digits with at most one point and an
/// optional leading minus (`-12`, `3.5`, `.5`, `5.`); no exponent, no plus,
/// no "inf" or "NaN" spelled out.
///
/// The digits are read by serde_json's number parser, which the browser
/// client needs anyway: `f64`'s own `FromStr` would add about 17 KB of
/// tables and code to the wasm.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let (minus, unsigned) = match text.strip_prefix('-') {
        Some(unsigned) => ("-", unsigned),
        None => ("", text),
    };
    let valid = unsigned.chars().all(|c| c.is_ascii_digit() || c == '.')
        && unsigned.matches('.').count() <= 1
        && unsigned.chars().any(|c| c.is_ascii_digit());
    if !valid {
        return None;
    }
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    // JSON wants one digit before the point, none leading, one after it.
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = if fraction.is_empty() { "0" } else { fraction };
    serde_json::from_str::<f64>(&format!("{minus}{whole}.{fraction}"))
        .ok()
        .filter(|n| n.is_finite())
}

/// XPath's number-to-string: integers without a decimal point.
pub(crate) fn format_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if n == n.trunc() && n.abs() < 1e15 {
        let mut out = String::new();
        let _ = write!(out, "{}", n as i64);
        out
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_as_rust_reads_them() {
        for text in [
            "0",
            "42",
            "-42",
            "3.5",
            ".5",
            "5.",
            "-0.25",
            "007",
            "00.5",
            "3.14159",
            "0.1",
            "123456.789",
        ] {
            let expected: f64 = text.parse().expect("a plain decimal");
            assert_eq!(parse_decimal(text), Some(expected), "{text}");
        }
        for text in [
            "", ".", "-", "1e5", "+5", "inf", "NaN", "1.2.3", "1,5", " 1", "--1",
        ] {
            assert_eq!(parse_decimal(text), None, "{text:?}");
        }
    }

    #[test]
    fn conversions_follow_xpath() {
        assert!(Value::Empty.to_number().is_nan());
        assert_eq!(Value::text(" 42 ").to_number(), 42.0);
        assert!(Value::text("4e2").to_number().is_nan());
        assert!(Value::text("inf").to_number().is_nan());
        assert_eq!(Value::text("-1.5").to_number(), -1.5);
        assert_eq!(Value::Number(3.0).to_text(), "3");
        assert_eq!(Value::Number(0.25).to_text(), "0.25");
        assert_eq!(Value::Number(f64::NAN).to_text(), "NaN");
        assert_eq!(Value::Bool(true).to_number(), 1.0);
        assert!(!Value::Number(f64::NAN).to_bool());
        assert!(!Value::text("").to_bool());
        assert!(Value::text("false").to_bool());
        let chosen = Value::Choices(vec!["a".into(), "b".into()]);
        assert_eq!(chosen.to_text(), "a b");
        assert_eq!(Value::text("a  b").into_codes(), vec!["a", "b"]);
        assert_eq!(
            Value::text("2024-02-29")
                .to_date()
                .map(|d| d.to_string())
                .as_deref(),
            Some("2024-02-29")
        );
    }
}

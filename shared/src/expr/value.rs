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
    // Read as a JSON value, not as an `f64`: serde's `f64` reader links its
    // error messages, which print floats with core's printer (see
    // `plain_decimal`). With a point, serde_json reads it as the same `f64`.
    serde_json::from_str::<serde_json::Value>(&format!("{minus}{whole}.{fraction}"))
        .ok()
        .and_then(|value| value.as_f64())
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
        plain_decimal(n)
    }
}

/// `n` exactly as `format!("{n}")` writes it, without core's float printer
/// (see [`plain_decimal`]).
pub(crate) fn display(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        plain_decimal(n)
    }
}

/// A finite `n` exactly as `format!("{n}")` writes it: the shortest digits
/// that read back as `n`, laid out without an exponent (`0.0000001`,
/// `1000000000000000000000`). The digits come from zmij, the printer
/// serde_json already links for JSON numbers, so the browser does not carry
/// core's second one (`Display` for `f64`, Grisu and Dragon: about 4 KB gzip
/// of the form). A property test holds it to `Display` on every kind of
/// `f64`.
fn plain_decimal(n: f64) -> String {
    let mut printer = zmij::Buffer::new();
    let shortest = printer.format_finite(n);
    // zmij writes `-12.34`, `0.001234`, `12340000000.0` or `-1.234e-7`.
    let (sign, unsigned) = match shortest.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", shortest),
    };
    let (mantissa, exponent) = match unsigned.split_once('e') {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<isize>().unwrap_or(0)),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = [whole, fraction].concat();
    let significant = all.trim_start_matches('0');
    // Where the decimal point falls, counted from the first significant digit.
    let mut point = whole.len() as isize - (all.len() - significant.len()) as isize + exponent;
    let mut digits = significant.trim_end_matches('0').to_owned();
    if digits.is_empty() {
        return format!("{sign}0");
    }
    // Halfway between two shortest candidates, zmij takes the even one and
    // Display the one further from zero (`964443081013616.25` is `…616.2`
    // to zmij, `…616.3` to Display).
    if exactly_halfway_above(n, &digits, point) {
        // At most 17 digits: a u64 holds them.
        if let Ok(below) = digits.parse::<u64>() {
            let above = (below + 1).to_string();
            if above.len() > digits.len() {
                point += 1;
            }
            digits = above.trim_end_matches('0').to_owned();
        }
    }
    let digits = digits.as_str();
    let mut out = String::from(sign);
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs()));
        out.push_str(digits);
    } else if point as usize >= digits.len() {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
    } else {
        let (before, after) = digits.split_at(point as usize);
        out.push_str(before);
        out.push('.');
        out.push_str(after);
    }
    out
}

/// Whether `|n|` is exactly `0.{digits}5 × 10^point`: then `digits` and
/// `digits + 1` (in the last place) are equally near. With `|n| = m × 2^e`
/// (`m` odd) and `{digits}5 = d5` (odd too), `m × 2^e = d5 × 10^q` holds
/// only when `e = q` and `m = d5 × 5^q` (or `m × 5^-q = d5` when `q < 0`).
fn exactly_halfway_above(n: f64, digits: &str, point: isize) -> bool {
    let Ok(d5) = format!("{digits}5").parse::<u128>() else {
        return false;
    };
    let bits = n.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    if mantissa == 0 {
        return false;
    }
    let zeros = mantissa.trailing_zeros();
    let (odd, exponent) = (u128::from(mantissa >> zeros), exponent + zeros as i32);
    let q = point - digits.len() as isize - 1;
    if exponent as isize != q {
        return false;
    }
    let Some(power) = 5u128.checked_pow(q.unsigned_abs() as u32) else {
        return false;
    };
    if q < 0 {
        odd.checked_mul(power) == Some(d5)
    } else {
        d5.checked_mul(power) == Some(odd)
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

    /// Every number an expression can show is written as Rust's `Display`
    /// writes it, on both sides, with no float printer of core's linked.
    #[test]
    fn decimals_are_written_as_display_writes_them() {
        for n in [
            0.1,
            -0.1,
            0.5,
            1.5,
            2.5,
            1e15,
            -1e15,
            1e15 + 0.5,
            1e16,
            1e21,
            1e22,
            1e-7,
            1.234e-7,
            123456.789,
            0.1 + 0.2,
            1.0 / 3.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            9007199254740993.0,
            4.35,
            0.3,
            100.25,
            0.0,
            -0.0,
            3.0,
            -42.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(display(n), format!("{n}"), "{n:e}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        #[test]
        fn any_finite_number_is_written_as_display_writes_it(bits in proptest::prelude::any::<u64>()) {
            let n = f64::from_bits(bits);
            proptest::prop_assert_eq!(display(n), format!("{n}"));
        }

        /// Short binary fractions, where the halfway cases are.
        #[test]
        fn halfway_numbers_are_written_as_display_writes_them(
            odd in 1u64..(1 << 53),
            exponent in -80i32..80,
        ) {
            let n = odd as f64 * 2f64.powi(exponent);
            proptest::prop_assert_eq!(plain_decimal(n), format!("{n}"));
            proptest::prop_assert_eq!(plain_decimal(-n), format!("{}", -n));
        }

        #[test]
        fn decimals_people_type_are_written_as_display_writes_them(
            whole in -1_000_000_000i64..1_000_000_000,
            fraction in 0u32..100_000,
            places in 0i32..8,
            scale in -20i32..25,
        ) {
            let n = (whole as f64 + f64::from(fraction) / 1e5) * 10f64.powi(scale - places);
            proptest::prop_assert_eq!(plain_decimal(n), format!("{n}"));
            let typed = format!("{whole}.{fraction:05}").parse::<f64>().expect("a decimal");
            proptest::prop_assert_eq!(plain_decimal(typed), format!("{typed}"));
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

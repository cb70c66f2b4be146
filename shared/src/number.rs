//! Numbers as people write them: shown with their language's decimal
//! separator (`2,5` in Spanish), read back whichever separator they type.
//! The browser shows and reads with these, and the server words its
//! messages (`at least 2,5`) with the same, so the two never disagree.
//! Answers themselves are stored and sent as JSON numbers (`2.5`).

use crate::expr::{format_number, parse_decimal};

/// `value` written with `separator` (the language's
/// [`crate::words::FormWord::DecimalSeparator`]) between whole and fraction.
/// No grouping of thousands: `2.500` would read as two and a half in one
/// language and two thousand five hundred in the next.
pub fn show(value: f64, separator: &str) -> String {
    let written = format_number(value);
    if separator == "." {
        written
    } else {
        written.replacen('.', separator, 1)
    }
}

/// A number typed by a person: digits with one decimal comma or point and
/// an optional leading minus, spaces around ignored. Both separators are
/// read in every language, because phone keypads often offer only one of
/// them whatever the language.
pub fn read(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.matches([',', '.']).count() > 1 {
        return None;
    }
    parse_decimal(&text.replacen(',', ".", 1)).filter(|value| value.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decimal_comma_is_shown_and_read() {
        assert_eq!(show(2.5, ","), "2,5");
        assert_eq!(show(2.5, "."), "2.5");
        assert_eq!(show(-0.25, ","), "-0,25");
        assert_eq!(show(3.0, ","), "3");
        assert_eq!(read("2,5"), Some(2.5));
        assert_eq!(read(" 2.5 "), Some(2.5));
        assert_eq!(read("-0,25"), Some(-0.25));
        assert_eq!(read(",5"), Some(0.5));
    }

    #[test]
    fn what_is_not_one_number_is_not_read() {
        for text in [
            "", ",", "2,5,0", "2.500,5", "1e3", "2 5", "--1", "½", "٢٫٥", "NaN",
        ] {
            assert_eq!(read(text), None, "{text:?}");
        }
    }
}

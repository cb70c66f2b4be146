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

/// The first code point of each run of ten decimal digits people type
/// besides ASCII's: Arabic-Indic, Extended Arabic-Indic (Persian, Urdu),
/// N'Ko, the Brahmic scripts from Devanagari to Malayalam, Sinhala, Thai,
/// Lao, Tibetan, Myanmar, Khmer, Mongolian and full-width forms. A short
/// list rather than Unicode's whole `Nd` table, which would cost the
/// browser's bundle more than the form's every message.
const ZEROS: [u32; 20] = [
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810, 0xFF10,
];

/// The value of a decimal digit of any script in [`ZEROS`] or ASCII.
pub fn digit_value(c: char) -> Option<u32> {
    let code = c as u32;
    c.to_digit(10).or_else(|| {
        ZEROS
            .iter()
            .find(|zero| (**zero..**zero + 10).contains(&code))
            .map(|zero| code - zero)
    })
}

/// `text` with its digits in ASCII, the Arabic decimal separator (`٫`) as
/// a point and the minus sign (`−`) and full-width minus as a hyphen; every
/// other character as it is.
pub fn to_ascii(text: &str) -> String {
    text.chars()
        .map(|c| match (c, digit_value(c)) {
            (_, Some(digit)) => char::from(b'0' + digit as u8),
            ('\u{066B}', _) => '.',
            ('\u{2212}' | '\u{FF0D}', _) => '-',
            _ => c,
        })
        .collect()
}

/// A number typed by a person: digits of any script in [`ZEROS`] with one
/// decimal comma or point (or the Arabic `٫`) and an optional leading
/// minus, spaces around ignored. Both separators are read in every
/// language, because phone keypads often offer only one of them whatever
/// the language.
pub fn read(text: &str) -> Option<f64> {
    let text = to_ascii(text.trim());
    if text.matches([',', '.']).count() > 1 {
        return None;
    }
    parse_decimal(&text.replacen(',', ".", 1)).filter(|value| value.is_finite())
}

/// A whole number typed by a person: digits of any script in [`ZEROS`]
/// and an optional leading minus, spaces around ignored; `None` for
/// anything else, a fraction included.
pub fn read_whole(text: &str) -> Option<i64> {
    let text = to_ascii(text.trim());
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text.as_str()),
    };
    if digits.is_empty() {
        return None;
    }
    // Summed by hand, negatives downwards so that `i64::MIN` reads: the
    // standard parser would add half a kilobyte to the browser's bundle.
    digits.bytes().try_fold(0i64, |sum, byte| {
        let digit = i64::from(byte.checked_sub(b'0').filter(|d| *d < 10)?);
        let sum = sum.checked_mul(10)?;
        if negative {
            sum.checked_sub(digit)
        } else {
            sum.checked_add(digit)
        }
    })
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
            "",
            ",",
            "2,5,0",
            "2.500,5",
            "1e3",
            "2 5",
            "--1",
            "½",
            "٢٫٥٫١",
            "NaN",
            "٣٤ ٥",
            "+3",
            "٣٬٤٠٠",
        ] {
            assert_eq!(read(text), None, "{text:?}");
        }
    }

    #[test]
    fn digits_of_the_respondents_script_are_read() {
        assert_eq!(read_whole("٣٤"), Some(34));
        assert_eq!(read_whole("۳۴"), Some(34));
        assert_eq!(read_whole("३४"), Some(34));
        assert_eq!(read_whole(" -٠٧ "), Some(-7));
        assert_eq!(read_whole("−5"), Some(-5));
        assert_eq!(read_whole("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(read_whole("9223372036854775807"), Some(i64::MAX));
        assert_eq!(read_whole("9223372036854775808"), None);
        assert_eq!(read("٢٫٥"), Some(2.5));
        assert_eq!(read("٢,٥"), Some(2.5));
        assert_eq!(read("۱۲.۵"), Some(12.5));
        assert_eq!(read("๓๔"), Some(34.0));
        assert_eq!(to_ascii("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹"), "0123456789 0123456789");
    }

    #[test]
    fn what_is_not_a_whole_number_is_not_read_as_one() {
        for text in [
            "",
            "-",
            "3.5",
            "٣٫٥",
            "3,0",
            "34a",
            "3 4",
            "+3",
            "٣٤-",
            "99999999999999999999",
            "½",
            "Ⅻ",
            "²",
        ] {
            assert_eq!(read_whole(text), None, "{text:?}");
        }
    }

    /// `n` written with the digits that start at `zero`.
    fn written(n: u64, zero: u32) -> String {
        n.to_string()
            .bytes()
            .map(|b| char::from_u32(zero + u32::from(b - b'0')).expect("a digit's code point"))
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn every_script_reads_as_ascii(n in 0u64..=i64::MAX as u64, script in 0..ZEROS.len()) {
            let text = written(n, ZEROS[script]);
            proptest::prop_assert_eq!(to_ascii(&text), n.to_string());
            proptest::prop_assert_eq!(read_whole(&text), Some(n as i64));
            proptest::prop_assert_eq!(read_whole(&format!("-{text}")), Some(-(n as i64)));
        }

        #[test]
        fn whole_numbers_read_as_the_standard_parser_reads_them(text in "-?[0-9]{1,20}") {
            proptest::prop_assert_eq!(read_whole(&text), text.parse::<i64>().ok());
        }

        #[test]
        fn a_fraction_reads_in_every_script(
            whole in 0u32..100_000,
            tenths in 0u32..10,
            script in 0..ZEROS.len(),
            separator in proptest::sample::select(vec![".", ",", "\u{066B}"]),
        ) {
            let text = format!(
                "{}{separator}{}",
                written(u64::from(whole), ZEROS[script]),
                written(u64::from(tenths), ZEROS[script]),
            );
            let expected = format!("{whole}.{tenths}");
            proptest::prop_assert_eq!(read(&text), expected.parse::<f64>().ok());
        }

        #[test]
        fn any_text_is_read_without_a_panic(text in "\\PC{0,40}") {
            let _ = (read(&text), read_whole(&text));
            let ascii = to_ascii(&text);
            proptest::prop_assert_eq!(ascii.chars().count(), text.chars().count());
            // What reads as a whole number reads as the same number.
            if let Some(n) = read_whole(&text).filter(|n| n.unsigned_abs() < 1 << 53) {
                proptest::prop_assert_eq!(read(&text), Some(n as f64));
            }
        }
    }
}

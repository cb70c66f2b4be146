//! Text for a CSV cell that a spreadsheet shows and never runs (OWASP's
//! rule against CSV formula injection): Excel, LibreOffice and Google
//! Sheets take a cell starting with `=`, `+`, `-`, `@`, tab or carriage
//! return for a formula, so such a cell gets a leading `'`.
//!
//! Only text from outside the server goes through here: labels, answer
//! codes, free-text answers, strata, group values. Numbers the server
//! formats itself (estimates, weights, counts) are written as they are, so
//! `-0.5` stays a number. Text that is exactly a plain negative number (a
//! missing-answer code `-1`) is left alone too: a spreadsheet reads it as
//! that number and nothing more, and a quote would stop it matching the
//! codebook.

use std::borrow::Cow;

/// `cell` as written, or with a leading `'` when a spreadsheet would run
/// it. Allocates only when a quote is added.
pub fn neutralise<'a>(cell: impl Into<Cow<'a, str>>) -> Cow<'a, str> {
    let cell = cell.into();
    if !runs_as_formula(&cell) {
        return cell;
    }
    let mut quoted = String::with_capacity(cell.len() + 1);
    quoted.push('\'');
    quoted.push_str(&cell);
    Cow::Owned(quoted)
}

fn runs_as_formula(cell: &str) -> bool {
    matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) && !is_negative_number(cell)
}

/// `-12` or `-0.5`: a minus, digits, at most one decimal point between
/// digits. Nothing a formula could hide in.
fn is_negative_number(cell: &str) -> bool {
    let Some(number) = cell.strip_prefix('-') else {
        return false;
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_signs_get_a_quote() {
        for (hostile, safe) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1+2", "'+1+2"),
            ("-1+2", "'-1+2"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("-1.", "'-1."),
            ("-1e5", "'-1e5"),
            ("-1-1", "'-1-1"),
            ("-cluster", "'-cluster"),
        ] {
            assert_eq!(neutralise(hostile), safe, "{hostile:?}");
            assert_eq!(neutralise(hostile.to_owned()), safe, "{hostile:?} owned");
        }
    }

    #[test]
    fn other_text_and_plain_negative_numbers_are_borrowed_as_they_are() {
        for plain in [
            "",
            "female",
            "Don't know",
            "'quoted",
            " =1",
            "1-2",
            "0.5",
            "-1",
            "-0.5",
            "-99",
            "é=1",
            "\n=1",
        ] {
            assert!(
                matches!(neutralise(plain), Cow::Borrowed(text) if text == plain),
                "{plain:?}"
            );
        }
    }
}

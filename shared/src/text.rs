//! Text in several languages, and the facts about languages the forms need.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One piece of survey text in each of the survey's languages, keyed by
/// language tag (`en`, `fr`, `ar`, …).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Text(pub BTreeMap<String, String>);

impl Text {
    /// The text in `language`, else in `fallback`, else any text at all, so a
    /// form never shows a blank label.
    pub fn get<'a>(&'a self, language: &str, fallback: &str) -> &'a str {
        self.0
            .get(language)
            .or_else(|| self.0.get(fallback))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }

    pub fn has(&self, language: &str) -> bool {
        self.0
            .get(language)
            .is_some_and(|text| !text.trim().is_empty())
    }
}

impl<const N: usize> From<[(&str, &str); N]> for Text {
    fn from(pairs: [(&str, &str); N]) -> Self {
        Text(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }
}

/// Every `${name}` written in a text: XLSForm's way of showing an earlier
/// answer in a label or hint ("How old is ${member_name}?"). Yields each
/// placeholder's byte range and the name inside it.
pub fn placeholders(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, &str)> {
    // Bytes, not `str::find`: `$`, `{` and `}` are ASCII, and a byte scan
    // costs the browser client less code than the string searchers.
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while from + 1 < bytes.len() {
            let start = from;
            from += 1;
            if bytes[start] != b'$' || bytes[start + 1] != b'{' {
                continue;
            }
            let name_start = start + 2;
            let Some(length) = bytes[name_start..].iter().position(|&b| b == b'}') else {
                from = bytes.len();
                return None;
            };
            let end = name_start + length + 1;
            let name = &text[name_start..end - 1];
            let mut chars = name.chars();
            let is_name = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if is_name {
                from = end;
                return Some((start..end, name));
            }
            from = name_start;
        }
        None
    })
}

/// The text with every `${name}` replaced by `value_of(name)`; a
/// placeholder it gives nothing for is shown empty, as ODK does for an
/// unanswered question.
pub fn interpolate<'t>(
    text: &'t str,
    value_of: impl Fn(&str) -> Option<String>,
) -> std::borrow::Cow<'t, str> {
    let mut found = placeholders(text).peekable();
    if found.peek().is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (range, name) in found {
        out.push_str(&text[copied..range.start]);
        out.push_str(&value_of(name).unwrap_or_default());
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Whether a language is written right to left, so the client sets `dir="rtl"`.
pub fn is_right_to_left(language: &str) -> bool {
    crate::language::base_language(language).is_some_and(|base| {
        matches!(
            base.as_str(),
            "ar" | "fa" | "he" | "ur" | "ps" | "ckb" | "dv" | "yi" | "sd" | "ug"
        )
    })
}

/// Whether a tag looks like a BCP 47 language tag (`en`, `fr-CA`, `ar`).
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Text from outside, fit to quote back in a message (an error answer, a
/// line on the terminal): at most `max_chars` characters, marked when cut,
/// with control characters escaped so it cannot move a cursor or fake a line.
pub fn shown(text: &str, max_chars: usize) -> String {
    let mut shown = String::new();
    for (index, c) in text.chars().enumerate() {
        if index == max_chars {
            shown.push('…');
            break;
        }
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown
}

/// Longest code in a submission's envelope or a design file (cluster,
/// stratum, enumerator).
pub const MAX_CODE_LENGTH: usize = 64;

/// Whether a text is a code Salama keeps and writes back out: ASCII letters,
/// digits and `- _ . :`, at most [`MAX_CODE_LENGTH`] long. Codes become fact
/// rows, CSV cells and log fields, so no control character, space, quote or
/// formula sign ever starts or hides in one.
pub fn is_envelope_code(code: &str) -> bool {
    (1..=MAX_CODE_LENGTH).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_filled() {
        let names: Vec<&str> = placeholders("How old is ${name}? ${ bad} ${a-b}${c}")
            .map(|(_, name)| name)
            .collect();
        assert_eq!(names, ["name", "a-b", "c"]);
        let filled = interpolate("How old is ${name} (${missing})?", |name| {
            (name == "name").then(|| "Amina".to_owned())
        });
        assert_eq!(filled, "How old is Amina ()?");
        assert!(matches!(
            interpolate("No placeholder, ${ not one", |_| None),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(placeholders("${").count(), 0);
        assert_eq!(placeholders("${}${x}").next(), Some((3..7, "x")));
        assert_eq!(interpolate("é${x}ü", |_| Some("→".into())), "é→ü");
    }

    #[test]
    fn envelope_codes_are_short_and_plain() {
        for good in ["central-capital", "c_01", "enum.1", "urn:x:1", "A"] {
            assert!(is_envelope_code(good), "{good}");
        }
        let long = "a".repeat(MAX_CODE_LENGTH + 1);
        for bad in [
            "",
            "a b",
            "a\u{1f}b",
            "a\u{1e}",
            "\u{0}",
            "=1+1",
            "é",
            "a,b",
            "a\"b",
            long.as_str(),
        ] {
            assert!(!is_envelope_code(bad), "{bad:?}");
        }
        assert!(is_envelope_code(&long[1..]));
    }

    #[test]
    fn falls_back_to_another_language() {
        let text = Text::from([("en", "Safe"), ("fr", "Sûr")]);
        assert_eq!(text.get("fr", "en"), "Sûr");
        assert_eq!(text.get("ar", "en"), "Safe");
        assert_eq!(Text::from([("fr", "Sûr")]).get("ar", "en"), "Sûr");
        assert_eq!(Text::default().get("ar", "en"), "");
    }

    #[test]
    fn knows_script_direction_and_tags() {
        assert!(is_right_to_left("ar"));
        assert!(is_right_to_left("ar-SD"));
        assert!(!is_right_to_left("fr"));
        assert!(is_language_tag("en"));
        assert!(is_language_tag("fr-CA"));
        assert!(!is_language_tag("English"));
        assert!(!is_language_tag(""));
    }
}

//! The one rule for reading a language tag: which base language it names.
//! Browsers send `es-419` or `pt-BR`, XLSForm authors write `pt_BR` or `ES`;
//! the catalogue, the right-to-left rule and the language pickers all only
//! care about the base language, so they all ask here.

/// A base language: two or three lower-case ASCII letters (`es`, `ckb`).
/// Held inline, so asking costs no allocation on every render.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BaseLanguage {
    letters: [u8; 3],
    len: u8,
}

impl BaseLanguage {
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.letters[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Display for BaseLanguage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The base language of a tag (`es-419`, `pt_BR`, `ES` → `es`), or `None`
/// when the tag does not start with one: empty, too long, not letters.
pub fn base_language(tag: &str) -> Option<BaseLanguage> {
    let first = tag.split(['-', '_']).next().unwrap_or_default();
    if !(2..=3).contains(&first.len()) || !first.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut letters = [0; 3];
    for (slot, byte) in letters.iter_mut().zip(first.bytes()) {
        *slot = byte.to_ascii_lowercase();
    }
    Some(BaseLanguage {
        letters,
        len: first.len() as u8,
    })
}

/// Whether two tags name the same base language (`fr` and `fr-CA`).
pub fn same_base(a: &str, b: &str) -> bool {
    base_language(a).is_some_and(|base| Some(base) == base_language(b))
}

/// A language's name in that language, for a language switch (the
/// browser's and the public results page's).
pub fn endonym(language: &str) -> &str {
    let Some(base) = base_language(language) else {
        return language;
    };
    match base.as_str() {
        "en" => "English",
        "fr" => "Français",
        "ar" => "العربية",
        "es" => "Español",
        "pt" => "Português",
        "sw" => "Kiswahili",
        "so" => "Soomaali",
        "ha" => "Hausa",
        "am" => "አማርኛ",
        "fa" => "فارسی",
        "ps" => "پښتو",
        "ur" => "اردو",
        "uk" => "Українська",
        "ru" => "Русский",
        _ => language,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(tag: &str) -> Option<String> {
        base_language(tag).map(|base| base.to_string())
    }

    #[test]
    fn region_script_and_case_are_set_aside() {
        assert_eq!(base("es-419").as_deref(), Some("es"));
        assert_eq!(base("pt_BR").as_deref(), Some("pt"));
        assert_eq!(base("ES").as_deref(), Some("es"));
        assert_eq!(base("zh-Hant-TW").as_deref(), Some("zh"));
        assert_eq!(base("ckb").as_deref(), Some("ckb"));
        assert!(same_base("fr", "fr-CA"));
        assert!(!same_base("fr", "ar"));
    }

    #[test]
    fn hostile_tags_have_no_base() {
        let long = "a".repeat(200);
        for tag in [
            "",
            "-",
            "_es",
            long.as_str(),
            "e\u{0}",
            "e\ns",
            "../",
            "..",
            "es/",
            "ñu",
            "عر",
            "日本",
            "1a",
            "x-\u{202e}",
        ] {
            assert_eq!(base(tag), None, "{tag:?}");
        }
        assert!(
            !same_base("", ""),
            "two unreadable tags are not one language"
        );
        // Garbage after the base is the region's problem, not the base's.
        assert_eq!(base("es-\u{0}../").as_deref(), Some("es"));
    }
}

//! The field app's own words, from the shared catalogue (the interview
//! itself uses the form's, in the survey's languages): a built-in
//! language's, else English. Enumerators are trained in a built-in
//! language; a survey's own words are for its respondents.

use salama_shared::words::{FieldWord, Key, built_in_language};

#[derive(Clone, Copy)]
pub struct FieldWords {
    language: &'static str,
}

impl FieldWords {
    pub fn get(self, word: FieldWord) -> &'static str {
        word.in_language(self.language)
    }
}

pub fn field_words(language: &str) -> FieldWords {
    FieldWords {
        language: built_in_language(language).unwrap_or("en"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_tag_of_a_built_in_language_and_english_otherwise() {
        assert_eq!(field_words("ar-EG").get(FieldWord::Title), "سلامة · الميدان");
        assert_eq!(
            field_words("pt_BR").get(FieldWord::SyncNow),
            "Sincronizar agora"
        );
        assert_eq!(field_words("sw").get(FieldWord::Title), "Salama · Field");
    }
}

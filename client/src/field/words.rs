//! The field app's own words, from the shared catalogue (the interview
//! itself uses the form's, in the survey's languages): the survey's own
//! wording when the interview last opened gives one in the device's
//! language (`interface_words`, keys `field.…`), else a built-in language's,
//! else English. A team working in a language Salama lacks gives the field
//! words with its survey.

use salama_shared::Survey;
use salama_shared::language::same_base;
use salama_shared::words::{FieldWord, Key, built_in_language};

#[derive(Clone, Copy)]
pub struct FieldWords {
    built_in: &'static str,
    /// The survey and its own tag for the device's language.
    own: Option<(&'static Survey, &'static str)>,
}

impl FieldWords {
    pub fn get(self, word: FieldWord) -> &'static str {
        self.own
            .and_then(|(survey, tag)| survey.own_word(word, tag))
            .unwrap_or_else(|| word.in_language(self.built_in))
    }
}

pub fn field_words(language: &str, survey: Option<&'static Survey>) -> FieldWords {
    FieldWords {
        built_in: built_in_language(language).unwrap_or("en"),
        own: survey.and_then(|survey| {
            survey
                .languages
                .iter()
                .find(|own| same_base(own, language))
                .map(|tag| (survey, tag.as_str()))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_tag_of_a_built_in_language_and_english_otherwise() {
        assert_eq!(
            field_words("ar-EG", None).get(FieldWord::Title),
            "سلامة · الميدان"
        );
        assert_eq!(
            field_words("pt_BR", None).get(FieldWord::SyncNow),
            "Sincronizar agora"
        );
        assert_eq!(
            field_words("sw", None).get(FieldWord::Title),
            "Salama · Field"
        );
    }

    #[test]
    fn a_survey_s_own_field_words_speak_in_its_languages_only() {
        let mut survey = salama_shared::community_safety();
        survey.languages.push("sw".into());
        survey.interface_words = serde_json::from_value(serde_json::json!({
            "sw": {"field.sync_now": "Sawazisha sasa"},
            "fr": {"field.sync_now": "Envoyer tout"}
        }))
        .expect("words");
        let survey: &'static Survey = Box::leak(Box::new(survey));
        let words = |language: &str| field_words(language, Some(survey));
        assert_eq!(words("sw-KE").get(FieldWord::SyncNow), "Sawazisha sasa");
        // A word the survey does not give: English, as Salama lacks Swahili.
        assert_eq!(words("sw").get(FieldWord::Title), "Salama · Field");
        // The survey's wording wins over the built-in one.
        assert_eq!(words("fr").get(FieldWord::SyncNow), "Envoyer tout");
        // A device language the survey lacks: the built-in words.
        assert_eq!(words("pt").get(FieldWord::SyncNow), "Sincronizar agora");
    }
}

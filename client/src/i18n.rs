//! The client's view of the shared catalogue ([`salama_shared::words`]):
//! the interface words of one language, and of one survey when a form is
//! open, so the survey's own wording and languages win. Survey text itself
//! comes from the survey; this is only the frame around it.

use salama_shared::Survey;
pub use salama_shared::words::fill;
use salama_shared::words::{FormWord, Key, built_in_language};

/// The form's words in one language: a copy is two pointers, so every
/// handler can hold one. The survey is borrowed for the page's life.
#[derive(Clone, Copy)]
pub struct Words {
    survey: Option<&'static Survey>,
    language: &'static str,
}

impl Words {
    /// Words in `language`, the survey's first when there is one.
    pub fn of(survey: Option<&'static Survey>, language: &str) -> Words {
        let language = match survey {
            Some(survey) => survey
                .languages
                .iter()
                .find(|known| *known == language)
                .unwrap_or(&survey.default_language)
                .as_str(),
            None => built_in_language(language).unwrap_or("en"),
        };
        Words { survey, language }
    }

    pub fn get(self, word: FormWord) -> &'static str {
        match self.survey {
            Some(survey) => survey.word(word, self.language),
            None => word.in_language(self.language),
        }
    }

    /// A number as this language writes it (`2,5` in Spanish).
    pub fn number(self, value: f64) -> String {
        salama_shared::number::show(value, self.get(FormWord::DecimalSeparator))
    }

    /// A date, a local date and time, or an instant as this language writes
    /// it (`7 décembre 2026`), as the browser knows the language; the text
    /// as given when the browser cannot.
    pub fn date(self, text: &str, moment: crate::browser::Moment) -> String {
        crate::browser::local_date(text, self.language, moment).unwrap_or_else(|| text.to_owned())
    }
}

/// A language's name in that language, for the language switch (shared
/// with the server's public results page).
pub use salama_shared::language::endonym;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_without_a_survey_are_the_built_in_ones_or_english() {
        assert_eq!(Words::of(None, "fr-CA").get(FormWord::Next), "Continuer");
        assert_eq!(
            Words::of(None, "es").get(FormWord::Submit),
            "Enviar mis respuestas"
        );
        assert_eq!(Words::of(None, "sw").get(FormWord::Next), "Continue");
        assert_eq!(Words::of(None, "pt").number(2.5), "2,5");
        assert_eq!(Words::of(None, "en").number(2.5), "2.5");
        assert_eq!(endonym("pt-BR"), "Português");
        assert_eq!(endonym("../x"), "../x");
    }
}

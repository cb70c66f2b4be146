//! Built-in wording of validation messages in English, French and Arabic.
//! A survey in another language supplies its own through `Survey::messages`
//! (and [`crate::Survey::check`] insists that it does).

use crate::field_error::FieldErrorCode;

/// Languages with a built-in catalogue.
pub const BUILT_IN_LANGUAGES: [&str; 3] = ["en", "fr", "ar"];

/// Values substituted for `{min}` and `{max}` in a message.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Limits {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The built-in template for `code` in `language`, if there is one.
// A table, not logic: one entry per code, every language side by side.
pub fn built_in(code: FieldErrorCode, language: &str) -> Option<&'static str> {
    use FieldErrorCode as C;
    let [en, fr, ar] = match code {
        C::UnknownQuestion => [
            "This question is not part of the survey.",
            "Cette question ne fait pas partie de l’enquête.",
            "هذا السؤال ليس جزءًا من الاستبيان.",
        ],
        C::WrongType => [
            "This answer has the wrong form for this question.",
            "Cette réponse n’a pas la forme attendue pour cette question.",
            "صيغة هذه الإجابة غير مناسبة لهذا السؤال.",
        ],
        C::NotInList => [
            "This choice is not one of the options.",
            "Ce choix ne fait pas partie des options.",
            "هذا الاختيار ليس من بين الخيارات المتاحة.",
        ],
        C::DuplicateChoice => [
            "The same option was chosen twice.",
            "La même option a été choisie deux fois.",
            "تم اختيار الخيار نفسه مرتين.",
        ],
        C::ExclusiveChoice => [
            "This option cannot be combined with others.",
            "Cette option ne peut pas être combinée avec d’autres.",
            "لا يمكن الجمع بين هذا الخيار وخيارات أخرى.",
        ],
        C::TooFewChoices => [
            "Choose at least {min} options.",
            "Choisissez au moins {min} options.",
            "اختر {min} خيارات على الأقل.",
        ],
        C::TooManyChoices => [
            "Choose at most {max} options.",
            "Choisissez au plus {max} options.",
            "اختر {max} خيارات على الأكثر.",
        ],
        C::BelowMinimum => [
            "The value must be at least {min}.",
            "La valeur doit être au moins {min}.",
            "يجب أن تكون القيمة {min} على الأقل.",
        ],
        C::AboveMaximum => [
            "The value must be at most {max}.",
            "La valeur doit être au plus {max}.",
            "يجب ألا تتجاوز القيمة {max}.",
        ],
        C::TooLong => [
            "The text must be at most {max} characters long.",
            "Le texte doit compter au plus {max} caractères.",
            "يجب ألا يتجاوز النص {max} حرفًا.",
        ],
        C::InvalidDate => [
            "This is not a valid date.",
            "Cette date n’est pas valide.",
            "هذا التاريخ غير صالح.",
        ],
        C::InvalidTime => [
            "This is not a valid time of day (hours 00 to 23, minutes 00 to 59).",
            "Cette heure n’est pas valide (heures de 00 à 23, minutes de 00 à 59).",
            "هذا الوقت غير صالح (الساعات من 00 إلى 23، والدقائق من 00 إلى 59).",
        ],
        C::InvalidDateTime => [
            "This is not a valid date and time.",
            "Cette date et heure ne sont pas valides.",
            "هذا التاريخ والوقت غير صالحين.",
        ],
        C::InvalidArea => [
            "This area is not in the list, or not under the area chosen above it.",
            "Cette zone n’est pas dans la liste, ou pas sous la zone choisie au-dessus.",
            "هذه المنطقة غير موجودة في القائمة أو لا تتبع المنطقة المختارة أعلاها.",
        ],
        C::Required => [
            "This question requires an answer.",
            "Cette question demande une réponse.",
            "هذا السؤال يتطلب إجابة.",
        ],
        C::Constraint => [
            "This answer is not allowed.",
            "Cette réponse n’est pas acceptée.",
            "هذه الإجابة غير مقبولة.",
        ],
        C::NotRelevant => [
            "This question does not apply given the other answers; leave it empty.",
            "Cette question ne s’applique pas compte tenu des autres réponses ; laissez-la vide.",
            "هذا السؤال لا ينطبق بناءً على الإجابات الأخرى؛ اتركه فارغًا.",
        ],
        C::NoAnswerExpected => [
            "This item takes no answer.",
            "Cet élément n’attend pas de réponse.",
            "هذا البند لا يتطلب إجابة.",
        ],
        C::TooFewRows => [
            "Add at least {min} rows.",
            "Ajoutez au moins {min} lignes.",
            "أضف {min} صفوف على الأقل.",
        ],
        C::TooManyRows => [
            "No more than {max} rows are allowed.",
            "Pas plus de {max} lignes ne sont autorisées.",
            "لا يُسمح بأكثر من {max} صفوف.",
        ],
        C::CalculationMismatch => [
            "This computed value does not match the answers.",
            "Cette valeur calculée ne correspond pas aux réponses.",
            "هذه القيمة المحسوبة لا تتطابق مع الإجابات.",
        ],
        C::SurveyMismatch => [
            "This submission is for another survey or version.",
            "Cette soumission concerne une autre enquête ou version.",
            "هذا الإرسال يخص استبيانًا أو إصدارًا آخر.",
        ],
        C::ChannelNotAllowed => [
            "This survey does not accept answers through this channel.",
            "Cette enquête n’accepte pas de réponses par ce canal.",
            "هذا الاستبيان لا يقبل الإجابات عبر هذه القناة.",
        ],
        C::UnsupportedLanguage => [
            "This survey is not available in this language.",
            "Cette enquête n’est pas disponible dans cette langue.",
            "هذا الاستبيان غير متوفر بهذه اللغة.",
        ],
        C::InvalidTimestamps => [
            "The interview cannot end before it starts.",
            "L’entretien ne peut pas se terminer avant d’avoir commencé.",
            "لا يمكن أن تنتهي المقابلة قبل أن تبدأ.",
        ],
        C::ConsentRequired => [
            "Consent is required before any answer is recorded.",
            "Le consentement est requis avant d’enregistrer une réponse.",
            "يجب الحصول على الموافقة قبل تسجيل أي إجابة.",
        ],
        C::RespondentTooYoung => [
            "People under {min} do not answer for themselves; they are covered through the household members.",
            "Les personnes de moins de {min} ans ne répondent pas elles-mêmes ; elles sont couvertes par la liste des membres du ménage.",
            "لا يجيب من هم دون {min} عامًا بأنفسهم؛ تتم تغطيتهم من خلال قائمة أفراد الأسرة.",
        ],
        C::AdultConsentRequired => [
            "Respondents under {max} need the consent of a parent or caretaker, or a record that there is none.",
            "Les répondants de moins de {max} ans ont besoin du consentement d’un parent ou tuteur, ou d’une mention qu’il n’y en a pas.",
            "يحتاج المجيبون دون {max} عامًا إلى موافقة أحد الوالدين أو مقدم الرعاية، أو إلى تسجيل عدم وجوده.",
        ],
        C::AssentRequired => [
            "Respondents under {max} must give their own agreement.",
            "Les répondants de moins de {max} ans doivent donner leur propre accord.",
            "يجب أن يعطي المجيبون دون {max} عامًا موافقتهم الشخصية.",
        ],
        C::InvalidSelection => [
            "This does not match the member drawn from the household list.",
            "Cela ne correspond pas au membre tiré de la liste du ménage.",
            "لا يطابق هذا الفرد الذي تم سحبه من قائمة الأسرة.",
        ],
        C::InvalidCode => [
            "Use at most {max} letters, digits or - _ . :",
            "Utilisez au plus {max} lettres, chiffres ou - _ . :",
            "استخدم {max} حرفًا أو رقمًا أو - _ . : على الأكثر.",
        ],
        C::ImplausibleTime => [
            "The device’s date is wrong: correct it, then send again.",
            "La date de l’appareil est fausse : corrigez-la, puis renvoyez.",
            "تاريخ الجهاز غير صحيح: صحّحه ثم أعد الإرسال.",
        ],
        C::InvalidSurvey => [
            "The survey definition has an error in this rule.",
            "La définition de l’enquête contient une erreur dans cette règle.",
            "يحتوي تعريف الاستبيان على خطأ في هذه القاعدة.",
        ],
    };
    match language.split(['-', '_']).next().unwrap_or(language) {
        "en" => Some(en),
        "fr" => Some(fr),
        "ar" => Some(ar),
        _ => None,
    }
}

/// Fills `{min}` and `{max}` in a template.
pub fn fill(template: &str, limits: Limits) -> String {
    let show = |value: Option<f64>| value.map(crate::expr::format_number).unwrap_or_default();
    template
        .replace("{min}", &show(limits.min))
        .replace("{max}", &show(limits.max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_every_built_in_language() {
        for code in FieldErrorCode::ALL {
            for language in BUILT_IN_LANGUAGES {
                let text = built_in(code, language).unwrap_or_default();
                assert!(!text.is_empty(), "{code:?} in {language}");
            }
            assert!(built_in(code, "sw").is_none());
        }
    }

    #[test]
    fn placeholders_are_filled() {
        let limits = Limits {
            min: Some(15.0),
            max: Some(120.0),
        };
        assert_eq!(
            fill("between {min} and {max}", limits),
            "between 15 and 120"
        );
        assert_eq!(fill("{min}", Limits::default()), "");
        // Every template's placeholders are known ones.
        for code in FieldErrorCode::ALL {
            for language in BUILT_IN_LANGUAGES {
                let filled = fill(built_in(code, language).unwrap_or_default(), limits);
                assert!(!filled.contains('{'), "{code:?} {language}: {filled}");
            }
        }
    }
}

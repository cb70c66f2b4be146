//! The client's own words (buttons, progress, notices) in the languages with
//! a built-in catalogue. Survey text comes from the survey itself; this is
//! only the frame around it. A hand-written table rather than an i18n crate:
//! about forty strings, and every byte of the wasm is paid for on 400 kbit/s.

/// Interface strings for one language.
pub struct Words {
    pub surveys: &'static str,
    pub no_surveys: &'static str,
    pub language: &'static str,
    pub loading: &'static str,
    pub load_failed: &'static str,
    pub retry: &'static str,
    pub not_found: &'static str,
    pub back_home: &'static str,
    pub quick_exit: &'static str,
    pub safety_title: &'static str,
    pub consent_title: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub next: &'static str,
    pub previous: &'static str,
    pub step_of: &'static str,
    pub required: &'static str,
    pub optional: &'static str,
    pub error_prefix: &'static str,
    pub problem_title: &'static str,
    pub choose: &'static str,
    pub add_row: &'static str,
    pub remove_row: &'static str,
    pub no_rows: &'static str,
    pub review_title: &'static str,
    pub review_intro: &'static str,
    pub change: &'static str,
    pub not_answered: &'static str,
    pub submit: &'static str,
    pub sending: &'static str,
    pub retrying: &'static str,
    pub try_now: &'static str,
    pub conflict: &'static str,
    pub declined_title: &'static str,
    pub declined_body: &'static str,
    pub minor_title: &'static str,
    pub adult_given: &'static str,
    pub adult_refused: &'static str,
    pub adult_none: &'static str,
    pub receipt_title: &'static str,
    pub receipt_body: &'static str,
    pub receipt_number: &'static str,
    pub received_at: &'static str,
    pub fingerprint: &'static str,
    pub survey_version: &'static str,
}

const EN: Words = Words {
    surveys: "Surveys",
    no_surveys: "There is no public survey at the moment.",
    language: "Language",
    loading: "Loading…",
    load_failed: "This page could not be loaded. Check your connection and try again.",
    retry: "Try again",
    not_found: "This page does not exist.",
    back_home: "Back to the list of surveys",
    quick_exit: "Quick exit",
    safety_title: "Your safety",
    consent_title: "Before we start",
    yes: "Yes",
    no: "No",
    next: "Continue",
    previous: "Back",
    step_of: "Step {n} of {total}",
    required: "required",
    optional: "optional",
    error_prefix: "Error:",
    problem_title: "Please check these answers",
    choose: "Choose…",
    add_row: "Add",
    remove_row: "Remove",
    no_rows: "None added yet.",
    review_title: "Check your answers",
    review_intro: "Check your answers before sending them. You can still change any of them.",
    change: "Change",
    not_answered: "Not answered",
    submit: "Send my answers",
    sending: "Sending…",
    retrying: "The connection failed. Your answers are kept on this page and will be sent again in {s} s.",
    try_now: "Send now",
    conflict: "These answers could not be stored because the same receipt number was used for other answers. Please start again.",
    declined_title: "Thank you",
    declined_body: "You chose not to take part. Nothing was recorded and nothing was sent.",
    minor_title: "Consent for young respondents",
    adult_given: "Yes, a parent or caretaker agreed",
    adult_refused: "No, they did not agree",
    adult_none: "No parent or caretaker lives in the household",
    receipt_title: "Your answers were received",
    receipt_body: "Thank you for taking part. Keep the receipt number if you may want to ask about your answers later.",
    receipt_number: "Receipt number",
    received_at: "Received",
    fingerprint: "Answers fingerprint (SHA-256)",
    survey_version: "Survey and version",
};

const FR: Words = Words {
    surveys: "Enquêtes",
    no_surveys: "Aucune enquête publique pour le moment.",
    language: "Langue",
    loading: "Chargement…",
    load_failed: "Cette page n’a pas pu être chargée. Vérifiez votre connexion et réessayez.",
    retry: "Réessayer",
    not_found: "Cette page n’existe pas.",
    back_home: "Retour à la liste des enquêtes",
    quick_exit: "Sortie rapide",
    safety_title: "Votre sécurité",
    consent_title: "Avant de commencer",
    yes: "Oui",
    no: "Non",
    next: "Continuer",
    previous: "Retour",
    step_of: "Étape {n} sur {total}",
    required: "obligatoire",
    optional: "facultatif",
    error_prefix: "Erreur :",
    problem_title: "Veuillez vérifier ces réponses",
    choose: "Choisir…",
    add_row: "Ajouter",
    remove_row: "Retirer",
    no_rows: "Aucun pour l’instant.",
    review_title: "Vérifiez vos réponses",
    review_intro: "Vérifiez vos réponses avant de les envoyer. Vous pouvez encore modifier chacune d’elles.",
    change: "Modifier",
    not_answered: "Sans réponse",
    submit: "Envoyer mes réponses",
    sending: "Envoi…",
    retrying: "La connexion a échoué. Vos réponses restent sur cette page et seront renvoyées dans {s} s.",
    try_now: "Envoyer maintenant",
    conflict: "Ces réponses n’ont pas pu être enregistrées car le même numéro de reçu a servi pour d’autres réponses. Veuillez recommencer.",
    declined_title: "Merci",
    declined_body: "Vous avez choisi de ne pas participer. Rien n’a été enregistré ni envoyé.",
    minor_title: "Consentement pour les jeunes répondants",
    adult_given: "Oui, un parent ou tuteur a accepté",
    adult_refused: "Non, il n’a pas accepté",
    adult_none: "Aucun parent ni tuteur ne vit dans le ménage",
    receipt_title: "Vos réponses ont été reçues",
    receipt_body: "Merci de votre participation. Conservez le numéro de reçu si vous souhaitez poser une question sur vos réponses plus tard.",
    receipt_number: "Numéro de reçu",
    received_at: "Reçu le",
    fingerprint: "Empreinte des réponses (SHA-256)",
    survey_version: "Enquête et version",
};

const AR: Words = Words {
    surveys: "الاستبيانات",
    no_surveys: "لا يوجد استبيان عام في الوقت الحالي.",
    language: "اللغة",
    loading: "جارٍ التحميل…",
    load_failed: "تعذر تحميل هذه الصفحة. تحقق من اتصالك وحاول مرة أخرى.",
    retry: "حاول مرة أخرى",
    not_found: "هذه الصفحة غير موجودة.",
    back_home: "العودة إلى قائمة الاستبيانات",
    quick_exit: "خروج سريع",
    safety_title: "سلامتك",
    consent_title: "قبل أن نبدأ",
    yes: "نعم",
    no: "لا",
    next: "متابعة",
    previous: "رجوع",
    step_of: "الخطوة {n} من {total}",
    required: "إجباري",
    optional: "اختياري",
    error_prefix: "خطأ:",
    problem_title: "يرجى مراجعة هذه الإجابات",
    choose: "اختر…",
    add_row: "إضافة",
    remove_row: "حذف",
    no_rows: "لم تتم إضافة أحد بعد.",
    review_title: "راجع إجاباتك",
    review_intro: "راجع إجاباتك قبل إرسالها. لا يزال بإمكانك تغيير أي منها.",
    change: "تغيير",
    not_answered: "بدون إجابة",
    submit: "إرسال إجاباتي",
    sending: "جارٍ الإرسال…",
    retrying: "فشل الاتصال. إجاباتك محفوظة في هذه الصفحة وستُرسل مرة أخرى خلال {s} ثانية.",
    try_now: "أرسل الآن",
    conflict: "تعذر حفظ هذه الإجابات لأن رقم الإيصال نفسه استُخدم لإجابات أخرى. يرجى البدء من جديد.",
    declined_title: "شكرًا لك",
    declined_body: "اخترت عدم المشاركة. لم يُسجَّل أي شيء ولم يُرسَل أي شيء.",
    minor_title: "الموافقة للمجيبين الصغار",
    adult_given: "نعم، وافق أحد الوالدين أو مقدم الرعاية",
    adult_refused: "لا، لم يوافق",
    adult_none: "لا يعيش أي من الوالدين أو مقدمي الرعاية في الأسرة",
    receipt_title: "تم استلام إجاباتك",
    receipt_body: "شكرًا لمشاركتك. احتفظ برقم الإيصال إذا أردت الاستفسار عن إجاباتك لاحقًا.",
    receipt_number: "رقم الإيصال",
    received_at: "تاريخ الاستلام",
    fingerprint: "بصمة الإجابات (SHA-256)",
    survey_version: "الاستبيان والإصدار",
};

/// The interface words for a language tag, English when there is no catalogue.
pub fn words(language: &str) -> &'static Words {
    match primary(language) {
        "fr" => &FR,
        "ar" => &AR,
        _ => &EN,
    }
}

/// A language's name in that language, for the language switch.
pub fn endonym(language: &str) -> &str {
    match primary(language) {
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

fn primary(language: &str) -> &str {
    language.split(['-', '_']).next().unwrap_or(language)
}

/// Fills `{name}` placeholders.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_fills_its_placeholders() {
        for language in ["en", "fr", "ar"] {
            let words = words(language);
            let step = fill(words.step_of, &[("n", "2"), ("total", "9")]);
            assert!(
                step.contains('2') && step.contains('9'),
                "{language}: {step}"
            );
            let retry = fill(words.retrying, &[("s", "4")]);
            assert!(retry.contains('4') && !retry.contains('{'), "{language}");
        }
        assert_eq!(words("fr-CA").next, FR.next);
        assert_eq!(words("sw").next, EN.next);
    }
}

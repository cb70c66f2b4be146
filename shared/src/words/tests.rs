use super::*;
use crate::Survey;

/// Every key's text in every built-in language; the compiler already
/// refuses a language file without one, this refuses an empty one.
#[test]
fn every_built_in_language_has_every_word() {
    for language in BUILT_IN_LANGUAGES {
        for word in Word::all() {
            let text = word.built_in(language).unwrap_or_default();
            assert!(!text.trim().is_empty(), "{} in {language}", word.key());
            for placeholder in word.placeholders() {
                assert!(
                    text.contains(placeholder),
                    "{} in {language} lost {placeholder}: {text}",
                    word.key()
                );
            }
            if let Word::Message(_) = word {
                let filled = fill(text, &[("min", "1"), ("max", "2")]);
                assert!(!filled.contains('{'), "{} in {language}", word.key());
            }
        }
        let separator = FormWord::DecimalSeparator.built_in(language);
        assert!(matches!(separator, Some("." | ",")), "{language}");
        assert_eq!(
            AnalysisWord::DecimalSeparator.built_in(language),
            separator,
            "the tables write numbers as the form reads them, in {language}"
        );
    }
    assert_eq!(
        Word::all().count(),
        FormWord::ALL.len()
            + FieldWord::ALL.len()
            + FieldErrorCode::ALL.len()
            + ServerWord::ALL.len()
            + AnalysisWord::ALL.len()
            + StaffWord::ALL.len()
            + AdminWord::ALL.len()
            + ResultsWord::ALL.len()
    );
}

#[test]
fn a_built_in_language_is_found_from_any_of_its_tags() {
    assert_eq!(
        FormWord::QuickExit.built_in("es-419"),
        Some("Salida rápida")
    );
    assert_eq!(FormWord::QuickExit.built_in("pt_BR"), Some("Saída rápida"));
    assert_eq!(
        FormWord::Submit.built_in("ES"),
        Some("Enviar mis respuestas")
    );
    assert_eq!(FormWord::Yes.built_in("sw"), None);
    assert_eq!(FormWord::Yes.built_in("../en"), None);
    assert_eq!(FormWord::Yes.built_in(""), None);
}

#[test]
fn analysts_tables_are_written_in_the_table_language() {
    use crate::publication::{DesignSummary, Rule, Thresholds, population_notes};
    use crate::schema::Channel;
    let design = DesignSummary {
        units: 10,
        weighted_units: 7,
        ..DesignSummary::default()
    };
    let strict = Thresholds {
        min_n: 30,
        caution_n: 60,
    };
    let notes = population_notes(
        Channel::Enumerator,
        &design,
        true,
        Rule::DhsMics,
        strict,
        7,
        "pt-BR",
    );
    assert_eq!(
        notes[0],
        "3 de 10 unidades não têm peso e contam com peso 1."
    );
    assert!(notes[1].starts_with("Algumas estimativas"), "{notes:?}");
    assert!(
        notes[2].starts_with("Sinalizações (DHS/MICS): menos de 30 casos")
            && notes[2].contains("de 30 a 59"),
        "the policy's thresholds: {notes:?}"
    );
    assert!(notes[3].contains("inferiores a 7"), "{notes:?}");
    let notes = population_notes(
        Channel::Online,
        &design,
        false,
        Rule::Nchs,
        Thresholds::default(),
        5,
        "sw",
    );
    assert!(
        notes[0].starts_with("Opt-in online answers"),
        "English otherwise"
    );
}

#[test]
fn every_key_reads_back_and_a_slip_is_named() {
    let mut keys = std::collections::HashSet::new();
    for word in Word::all() {
        let key = word.key();
        assert_eq!(Word::parse(&key), Some(word), "{key}");
        assert!(keys.insert(key.clone()), "{key} twice");
    }
    assert_eq!(Word::parse("form.yess"), None);
    assert_eq!(Word::parse("message.nope"), None);
    assert_eq!(Word::nearest_key("form.yess"), "form.yes");
    assert_eq!(Word::nearest_key("mesage.required"), "message.required");
}

fn survey_in(languages: &[&str]) -> Survey {
    let mut survey = crate::community_safety();
    survey.languages = languages.iter().map(|l| l.to_string()).collect();
    survey.default_language = languages[0].to_owned();
    survey
}

#[test]
fn a_survey_overrides_a_word_and_brings_a_language() {
    let mut survey = survey_in(&["es", "sw"]);
    survey.interface_words = serde_json::from_value(serde_json::json!({
        "es": {"form.yes": "Sí, claro"},
        "sw": {"form.submit": "Tuma majibu yangu", "message.required": "Swali hili linahitaji jibu."}
    }))
    .expect("words");
    assert_eq!(survey.word(FormWord::Yes, "es"), "Sí, claro");
    assert_eq!(survey.word(FormWord::Yes, "es-MX"), "Sí, claro");
    assert_eq!(survey.word(FormWord::No, "es"), "No");
    assert_eq!(survey.word(FormWord::Submit, "sw"), "Tuma majibu yangu");
    assert_eq!(
        survey.word(FieldErrorCode::Required, "sw"),
        "Swali hili linahitaji jibu."
    );
    // A word Swahili lacks falls back to the survey's default language.
    assert_eq!(survey.word(FormWord::QuickExit, "sw"), "Salida rápida");
    survey.default_language = "sw".into();
    assert_eq!(survey.word(FormWord::QuickExit, "sw"), "Quick exit");
}

#[test]
fn a_served_survey_carries_the_words_of_its_languages_but_not_its_own_twice() {
    let mut survey = survey_in(&["es", "en", "sw", "fr-CA"]);
    survey.interface_words = serde_json::from_value(serde_json::json!({
        "es": {"form.yes": "Sí, claro"},
        "sw": {"form.submit": "Tuma majibu yangu"}
    }))
    .expect("words");
    let own_messages = serde_json::to_value(&survey.messages).expect("json");
    let served = survey.clone().with_served_words();
    let words = |language: &str| &served.interface_words[language];
    assert_eq!(words("es")["form.yes"], "Sí, claro", "its own word kept");
    assert_eq!(words("es")["form.submit"], "Enviar mis respuestas");
    assert_eq!(
        words("es")["message.required"],
        built_in_message(FieldErrorCode::Required, "es").expect("es")
    );
    assert_eq!(
        words("fr-CA")["form.quick_exit"],
        FormWord::QuickExit
            .built_in("fr")
            .expect("French is built in")
    );
    assert!(
        !served.interface_words.contains_key("en"),
        "the bundles carry English"
    );
    assert_eq!(
        words("sw").len(),
        1,
        "no built-in words for a language Salama lacks"
    );
    assert!(
        !words("es")
            .keys()
            .any(|key| key.starts_with("field.") || key.starts_with("analysis.")),
        "the field app carries its own words; analysts' are the server's"
    );
    // The survey's own messages stay its own, not copied over.
    assert_eq!(
        serde_json::to_value(&served.messages).expect("json"),
        own_messages
    );
    for (code, text) in &survey.messages {
        if text.has("es") {
            assert!(!words("es").contains_key(&format!("message.{}", code.as_str())));
        }
    }
    // Served twice, nothing changes: what a client reads is settled.
    assert_eq!(
        served.clone().with_served_words().to_json_pretty(),
        served.to_json_pretty()
    );
    // Every word a served survey shows reads the same as the full catalogue.
    for word in FormWord::ALL {
        assert_eq!(served.word(*word, "es"), survey.word(*word, "es"));
    }
}

#[test]
fn check_lists_the_words_a_language_lacks_and_refuses_unknown_keys() {
    let mut survey = survey_in(&["en", "sw"]);
    survey.title.0.insert("sw".into(), "Usalama".into());
    let message = |survey: &Survey| {
        survey
            .check()
            .into_iter()
            .find(|problem| problem.path == "interface_words.sw")
            .map(|problem| problem.message)
            .unwrap_or_default()
    };
    let missing = survey.missing_interface_words("sw");
    assert!(missing.len() > FormWord::ALL.len(), "{missing:?}");
    assert!(missing.iter().any(|key| key == "form.quick_exit"));
    assert!(missing.iter().any(|key| key == "message.required"));
    assert!(
        message(&survey).ends_with(&format!(
            "give these {}: {}",
            missing.len(),
            missing.join(", ")
        )),
        "{}",
        message(&survey)
    );
    survey.interface_words = serde_json::from_value(serde_json::json!({
        "sw": {"form.quick_exit": "Toka haraka", "form.step_of": "Hatua {n}", "form.yess": "Ndiyo"},
        "de": {"form.yes": "Ja"}
    }))
    .expect("words");
    let now_missing = survey.missing_interface_words("sw");
    assert!(!now_missing.iter().any(|key| key == "form.quick_exit"));
    assert_eq!(now_missing.len(), missing.len() - 2, "{now_missing:?}");
    let problems = survey.check();
    let at = |path: &str| problems.iter().find(|problem| problem.path == path);
    let slip = at("interface_words.sw.form.yess").expect("unknown key");
    assert_eq!(slip.code, crate::ProblemCode::UnknownWord);
    assert!(slip.message.contains("`form.yes`"), "{}", slip.message);
    let lost = at("interface_words.sw.form.step_of").expect("placeholder lost");
    assert!(lost.message.contains("{total}"), "{}", lost.message);
    assert_eq!(
        at("interface_words.de").map(|problem| problem.code),
        Some(crate::ProblemCode::InvalidLanguage)
    );
    // Built-in languages need nothing.
    assert!(
        survey_in(&["es", "pt", "fr-CA"])
            .check()
            .iter()
            .all(|problem| !problem.path.starts_with("interface_words"))
    );
}

#[test]
fn the_survey_json_is_unchanged_without_words() {
    let survey = crate::community_safety();
    let json = serde_json::to_value(&survey).expect("json");
    assert!(json.get("interface_words").is_none());
}

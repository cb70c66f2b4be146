//! A survey in Spanish, a built-in interface language since the catalogue
//! became one entry a language: every interface word is Spanish, the
//! survey's own "Yes" wins over the built-in one, and a decimal typed with
//! a comma is read, checked, shown back and stored as the number meant.
//! A survey in Swahili, which Salama lacks, brings its own words.

use salama_shared::FieldErrorCode;
use salama_shared::words::{FormWord, Key};
use salama_tests::filling::continue_to_next_step;
use salama_tests::{Browser, Site};
use serde_json::json;

async fn publish_spanish_survey(site: &Site) {
    let text = |es: &str| json!({ "es": es });
    let definition = json!({
        "id": "seguridad", "version": 1, "languages": ["es"], "default_language": "es",
        "title": text("Seguridad en el barrio"), "public": true, "channels": ["online"],
        "safety_notice": text("Si alguien se acerca, use «Salida rápida»."),
        "consent": { "script": text("Le haremos unas preguntas."), "question": text("¿Acepta?") },
        "choice_lists": [],
        "sections": [{ "id": "barrio", "title": text("Su barrio"), "sensitive": true, "questions": [
            {"id": "walk", "label": text("¿Camina solo o sola de noche?"), "kind": {"type": "yes_no"}, "required": true},
            {"id": "km", "label": text("¿Cuántos kilómetros camina al día?"),
             "kind": {"type": "decimal", "min": 0, "max": 7.5}, "required": true},
        ]}],
        "interface_words": { "es": { "form.yes": "Sí, así es" } },
    });
    site.publish(&definition).await;
}

#[tokio::test]
async fn a_spanish_survey_speaks_spanish_and_reads_a_decimal_comma() {
    let site = Site::start().await;
    publish_spanish_survey(&site).await;
    let browser = Browser::start().await;
    browser.goto(&site.url("/s/seguridad")).await;
    browser.find("[id='consent.respondent']").await;
    assert_eq!(
        browser.script("return document.documentElement.lang").await,
        "es"
    );
    assert_eq!(browser.heading().await, "Antes de empezar");
    assert_eq!(browser.text("#quick-exit").await, "Salida rápida");
    assert_eq!(
        browser.text("form.step button[type=submit]").await,
        "Continuar"
    );
    browser.assert_accessible("consent in Spanish").await;
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(&browser).await;

    let step = browser.text("main").await;
    assert!(step.contains("Sí, así es"), "the survey's own Yes: {step}");
    assert!(step.contains("No"), "{step}");
    browser.click("input[name='q-walk'][value='yes']").await;
    // Beyond the maximum: the message is Spanish, its limit written 7,5.
    let walk = "input[name='q-walk'][value='yes']";
    let error = browser.refused("km", "12,5", walk).await;
    assert!(error.contains("como máximo 7,5"), "{error}");
    browser.accepted("km", "2,5", walk).await;
    continue_to_next_step(&browser).await;

    let review = browser.text("main").await;
    assert!(review.contains("Revise sus respuestas"), "{review}");
    assert!(review.contains("2,5"), "shown as typed: {review}");
    assert!(!review.contains("2.5"), "{review}");
    assert_eq!(browser.text("#submit").await, "Enviar mis respuestas");
    browser.click("#submit").await;
    let number = browser.text("#receipt-number").await;
    let review = browser.text("main").await;
    assert!(review.contains("Recibimos sus respuestas"), "{review}");
    let stored = site.submission(&number).await;
    assert_eq!(stored["language"], "es");
    assert_eq!(stored["answers"], json!({"walk": "yes", "km": 2.5}));
    browser.close().await;
}

/// Swahili words for the few the test reads, the English text marked
/// `[sw]` for the rest: what a survey author gives for a language Salama
/// has no catalogue of.
fn swahili_words() -> serde_json::Map<String, serde_json::Value> {
    let mut words = serde_json::Map::new();
    for word in FormWord::ALL {
        words.insert(
            word.key().into(),
            format!("[sw] {}", Key::english(*word)).into(),
        );
    }
    for code in FieldErrorCode::ALL {
        words.insert(
            Key::key(code).into(),
            format!("[sw] {}", Key::english(code)).into(),
        );
    }
    for (key, text) in [
        ("form.decimal_separator", ","),
        ("form.quick_exit", "Toka haraka"),
        ("form.next", "Endelea"),
        ("form.submit", "Tuma majibu yangu"),
        ("form.receipt_title", "Majibu yako yamepokelewa"),
    ] {
        words.insert(key.into(), text.into());
    }
    words
}

#[tokio::test]
async fn a_survey_brings_the_words_of_a_language_salama_lacks() {
    let site = Site::start().await;
    let text = |sw: &str| json!({ "sw": sw });
    site.publish(&json!({
        "id": "usalama", "version": 1, "languages": ["sw"], "default_language": "sw",
        "title": text("Usalama mtaani"), "public": true, "channels": ["online"],
        "safety_notice": text("Mtu akikaribia, bonyeza «Toka haraka»."),
        "consent": { "script": text("Tutakuuliza maswali machache."), "question": text("Unakubali?") },
        "choice_lists": [],
        "sections": [{ "id": "mtaa", "title": text("Mtaa wako"), "sensitive": true, "questions": [
            {"id": "km", "label": text("Unatembea kilomita ngapi kwa siku?"),
             "kind": {"type": "decimal", "min": 0, "max": 50}, "required": true},
        ]}],
        "interface_words": { "sw": swahili_words() },
    }))
    .await;
    let browser = Browser::start().await;
    browser.goto(&site.url("/s/usalama")).await;
    browser.find("[id='consent.respondent']").await;
    assert_eq!(browser.text("#quick-exit").await, "Toka haraka");
    assert_eq!(
        browser.text("form.step button[type=submit]").await,
        "Endelea"
    );
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(&browser).await;
    browser.type_into("#q-km", "2,5").await;
    continue_to_next_step(&browser).await;
    let review = browser.text("main").await;
    assert!(review.contains("2,5"), "{review}");
    assert_eq!(browser.text("#submit").await, "Tuma majibu yangu");
    browser.click("#submit").await;
    assert_eq!(
        browser.text("#receipt-title").await,
        "Majibu yako yamepokelewa",
        "the receipt in the survey's own words"
    );
    browser.close().await;
}

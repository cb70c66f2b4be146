//! A survey with a date, a time and a date-and-time question, as an XLSForm
//! with `date`, `time` and `dateTime` rows imports: the citizen picks them
//! with the phone's own pickers, sees them on the review and they are
//! stored as the shared rules read them.

use salama_tests::filling::continue_to_next_step;
use salama_tests::{Browser, Site};
use serde_json::json;

async fn publish_clock_survey(site: &Site) {
    let text = |en: &str| json!({ "en": en });
    let question = |id: &str, label: &str, kind: &str| json!({"id": id, "label": text(label), "kind": {"type": kind}, "required": true});
    let definition = json!({
        "id": "clock", "version": 1, "languages": ["en"], "default_language": "en",
        "title": text("When it happened"), "public": true, "channels": ["online"],
        "consent": { "script": text("We ask when the last incident happened."), "question": text("Agree?") },
        "choice_lists": [],
        "sections": [{ "id": "when", "title": text("When"), "questions": [
            question("day", "On what day?", "date"),
            question("hour", "At what time?", "time"),
            question("reported", "When did you report it?", "date_time"),
        ]}],
    });
    site.publish(&definition).await;
}

#[tokio::test]
async fn dates_and_times_are_picked_reviewed_and_stored_as_typed() {
    let site = Site::start().await;
    publish_clock_survey(&site).await;
    let browser = Browser::start().await;
    browser.goto(&site.url("/s/clock")).await;
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(&browser).await;

    let input_type = |id: &str| format!("return document.getElementById('q-{id}').type");
    assert_eq!(browser.script(&input_type("day")).await, "date");
    assert_eq!(browser.script(&input_type("hour")).await, "time");
    assert_eq!(
        browser.script(&input_type("reported")).await,
        "datetime-local"
    );
    browser.assert_accessible("date and time pickers").await;
    browser.assert_fits_screen("date and time pickers").await;

    // Typed as a person types into Chromium's pickers (month, day, year;
    // hours, minutes, AM/PM), which write the ISO forms the rules read.
    browser.type_into("#q-day", "11282026").await;
    browser.type_into("#q-hour", "0945PM").await;
    // Tab (WebDriver's U+E004) leaves the year, which would take six digits.
    browser
        .type_into("#q-reported", "11292026\u{e004}0805AM")
        .await;
    browser.click("#q-day").await;
    let value = |id: &str| format!("return document.getElementById('q-{id}').value");
    assert_eq!(browser.script(&value("hour")).await, "21:45");
    assert_eq!(browser.script(&value("reported")).await, "2026-11-29T08:05");
    continue_to_next_step(&browser).await;

    // Shown back as the language writes dates, by the browser's Intl.
    let review = browser.text("main").await;
    for shown in ["November 28, 2026", "21:45", "November 29, 2026", "8:05"] {
        assert!(review.contains(shown), "{shown} missing from {review}");
    }
    assert!(!review.contains("2026-11-28"), "{review}");
    browser.click("#submit").await;
    let number = browser.text("#receipt-number").await;
    let received = browser.text("#received-at").await;
    assert!(
        received.contains("2026") && !received.contains('T') && !received.contains('Z'),
        "{received}"
    );
    let stored = site.submission(&number).await;
    assert_eq!(
        stored["answers"],
        json!({"day": "2026-11-28", "hour": "21:45", "reported": "2026-11-29T08:05"})
    );
    browser.close().await;
}

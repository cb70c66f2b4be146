//! Errors that help, on a common phone's screen (412 × 915): numbers in the
//! respondent's own digits, a summary that names the questions in the
//! order of the page, roster rows that wait before showing errors, and a
//! review whose Change leads back to it.

use salama_tests::filling::{answer_current_step, continue_to_next_step};
use salama_tests::{Browser, Site};
use serde_json::Value;

const SCREEN: (u32, u32) = (412, 915);

async fn open(path: &str) -> (Site, Browser) {
    let site = Site::start().await;
    let browser = Browser::with_screen(SCREEN.0, SCREEN.1).await;
    browser.goto(&site.url(path)).await;
    browser.find("[id='consent.respondent']").await;
    (site, browser)
}

async fn consent(browser: &Browser) {
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(browser).await;
}

/// The texts of the elements `css` finds, in document order.
async fn texts(browser: &Browser, css: &str) -> Vec<String> {
    let found = browser
        .script(&format!(
            "return [...document.querySelectorAll({})].map(e => e.textContent.trim())",
            serde_json::to_string(css).expect("json")
        ))
        .await;
    serde_json::from_value(found).expect("a list of texts")
}

/// Answers steps until the review.
async fn on_to_review(browser: &Browser) {
    for _ in 0..20 {
        if browser.exists("#submit").await {
            return;
        }
        answer_current_step(browser).await;
        continue_to_next_step(browser).await;
    }
    panic!("the review never came");
}

#[tokio::test]
async fn an_age_in_arabic_indic_digits_is_accepted_and_sent_as_a_number() {
    let (site, browser) = open("/s/community-safety?lang=ar").await;
    // `?lang=ar` chose the language.
    browser
        .wait_until("Arabic", "return document.documentElement.lang === 'ar'")
        .await;
    consent(&browser).await;
    // Words are refused with what is expected, in Arabic.
    let refused = browser.refused("resp_age", "٣٤ سنة", "#q-resp_sex").await;
    assert!(refused.contains("أدخل عددًا صحيحًا، مثل 34"), "{refused}");
    browser.accepted("resp_age", "٣٤", "#q-resp_sex").await;
    // The box keeps the digits as typed.
    let shown = browser
        .find("#q-resp_age")
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(shown.as_deref(), Some("٣٤"));
    browser.assert_accessible("an Arabic-Indic age").await;
    browser.screenshot("form-errors-arabic-age").await;
    on_to_review(&browser).await;
    browser.click("#submit").await;
    let number = browser.text("#receipt-number").await;
    let submission = site.submission(&number).await;
    assert_eq!(submission["answers"]["resp_age"], Value::from(34));
    browser.close().await;
}

#[tokio::test]
async fn the_error_summary_names_each_question_in_page_order() {
    let (_site, browser) = open("/s/community-safety").await;
    consent(&browser).await;
    browser.type_into("#q-resp_age", "abc").await;
    browser.click("form.step button[type=submit]").await;
    browser.find("#error-summary").await;
    let asked = texts(&browser, "#error-summary li .asked").await;
    assert_eq!(
        asked,
        [
            "What is your sex?",
            "How old are you, in completed years?",
            "Where do you live? Choose your region, then your district.",
            "Do you live in a town or city, or in a rural area?",
            "Which of these describes your situation?",
        ]
    );
    let problems = texts(&browser, "#error-summary li").await;
    assert!(
        problems[0].ends_with("Answer this question to go on."),
        "{problems:?}"
    );
    assert!(
        problems[1].ends_with("Enter a whole number, for example 34."),
        "{problems:?}"
    );
    browser.assert_accessible("the error summary").await;
    browser.assert_fits_screen("the error summary").await;
    browser.screenshot("form-errors-summary").await;
    // Each line leads to its question.
    browser.click("#error-summary li:nth-child(2) a").await;
    assert_eq!(
        browser.script("return document.activeElement.id").await,
        "q-resp_age"
    );
    browser.close().await;
}

#[tokio::test]
async fn roster_rows_wait_for_the_person_and_are_named_by_their_answers() {
    let (_site, browser) = open("/s/community-safety").await;
    consent(&browser).await;
    for _ in 0..20 {
        if browser.exists("#q-household").await {
            break;
        }
        answer_current_step(&browser).await;
        continue_to_next_step(&browser).await;
    }
    browser.click("#q-household").await;
    assert_eq!(
        texts(&browser, "fieldset.row > legend").await,
        ["Household member 1"]
    );
    assert!(
        texts(&browser, "fieldset.row .error").await.is_empty(),
        "a new row shows no error before the person moves on"
    );
    // Moving on names the row's questions in their order on the page.
    browser.click("form.step button[type=submit]").await;
    browser.find("#error-summary").await;
    let asked = texts(&browser, "#error-summary li .asked").await;
    assert_eq!(
        asked,
        [
            "Household member 1: What is this person's relationship to you?",
            "Household member 1: Is this person female or male?",
            "Household member 1: How old is this person, in completed years?",
        ]
    );
    answer_current_step(&browser).await;
    assert_eq!(
        texts(&browser, "fieldset.row > legend").await,
        ["Female, 34"]
    );
    // A second row: no error until the person moves on, hints said once.
    browser.click("#q-household").await;
    browser.find("[id='q-household-1-mem_relationship']").await;
    assert!(
        texts(&browser, "fieldset.row .error").await.is_empty(),
        "the added row waits"
    );
    assert_eq!(texts(&browser, "fieldset.row .hint").await.len(), 2);
    browser.assert_accessible("a household of two").await;
    browser.assert_fits_screen("a household of two").await;
    browser.screenshot("form-errors-roster").await;
    browser.close().await;
}

#[tokio::test]
async fn change_from_the_review_returns_to_the_review() {
    let (_site, browser) = open("/s/community-safety").await;
    consent(&browser).await;
    on_to_review(&browser).await;
    let review = browser.heading().await;
    let sections = texts(&browser, ".review-section h3").await;
    assert!(
        !sections.iter().any(|title| title == "Thank you"),
        "a section of notes only has nothing to review: {sections:?}"
    );
    browser.click(".review-section button").await;
    browser
        .wait_until(
            "the first section",
            "return document.getElementById('step-heading').textContent === 'About you'",
        )
        .await;
    browser.type_into("#q-resp_age", "٤٠").await;
    continue_to_next_step(&browser).await;
    assert_eq!(browser.heading().await, review);
    assert!(
        texts(&browser, ".review-section dd")
            .await
            .iter()
            .any(|answer| answer == "40"),
        "the changed age is reviewed"
    );
    browser.assert_accessible("the review after a change").await;
    browser.screenshot("form-errors-review-after-change").await;
    browser.close().await;
}

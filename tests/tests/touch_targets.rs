//! Every control a finger must hit is at least 44 × 44 CSS pixels on a
//! phone (WCAG 2.5.5), in every app: the citizens' form, the field app,
//! the console and the analysts' pages, first screens and a working one.

use salama_server::auth::Role;
use salama_tests::{Browser, Site};

/// The page's small controls, named with `context`.
async fn check(browser: &Browser, context: &str, small: &mut Vec<String>) {
    for control in browser.small_touch_targets().await {
        small.push(format!("{context}: {control}"));
    }
}

async fn sign_in(browser: &Browser, name: &str, password: &str) {
    browser.type_into("#sign-in-name", name).await;
    browser.type_into("#sign-in-password", password).await;
    browser.click("#sign-in").await;
}

#[tokio::test]
async fn every_app_has_targets_a_finger_can_hit() {
    let site = Site::start().await;
    let browser = Browser::start().await;
    // Every page is looked at before the verdict, which lists them all.
    let mut small = Vec::new();

    // The citizens' form: the survey list, consent, a question with choices.
    browser.goto(&site.url("/")).await;
    browser.find("ul.surveys a").await;
    check(&browser, "the survey list", &mut small).await;
    browser.goto(&site.url("/s/community-safety")).await;
    browser.find("[id='consent.respondent']").await;
    check(&browser, "the form's consent", &mut small).await;
    browser.click("[id='consent.respondent']").await;
    browser.click("form.step button[type=submit]").await;
    browser.find("#q-resp_sex").await;
    check(&browser, "the form's first questions", &mut small).await;

    // The field app's sign-in (pairing code and password).
    browser.goto(&site.url("/field")).await;
    browser.find("#pair-code").await;
    check(&browser, "the field app's sign-in", &mut small).await;

    // The console, section by section.
    let admin = site.staff("ada", Role::Admin).await;
    browser.goto(&site.url("/admin")).await;
    browser.find("#sign-in-name").await;
    check(&browser, "the console's sign-in", &mut small).await;
    sign_in(&browser, "ada", &admin).await;
    browser.find("#surveys").await;
    check(&browser, "the console's surveys", &mut small).await;
    for (path, ready) in [
        ("/admin/people", "#people"),
        ("/admin/fieldwork", "#fieldwork-survey"),
        ("/admin/settings", "#retention-date"),
        ("/admin/audit", "#audit-title"),
    ] {
        browser.goto(&site.url(path)).await;
        browser.find(ready).await;
        check(&browser, path, &mut small).await;
    }

    // The analysts' pages.
    let analyst = site.staff("ana", Role::Analyst).await;
    let analysts = Browser::start().await;
    analysts.goto(&site.url("/analysis")).await;
    analysts.find("#sign-in-name").await;
    check(&analysts, "the analysts' sign-in", &mut small).await;
    sign_in(&analysts, "ana", &analyst).await;
    analysts.find("#survey").await;
    analysts
        .wait_until(
            "the indicator's controls",
            "return document.querySelector('#tab-panel select, #tab-panel table') !== null",
        )
        .await;
    check(&analysts, "the analysts' table", &mut small).await;
    analysts.close().await;
    browser.close().await;
    assert!(
        small.is_empty(),
        "controls smaller than 44×44 px:\n{}",
        small.join("\n")
    );
}

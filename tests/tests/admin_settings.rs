//! The console's settings: an admin sets how long a survey's raw data is
//! kept (DOMAIN §5). A passed date is refused with the server's words at
//! the field; a date brought forward asks first, and Cancel keeps the old
//! one; within thirty days the surveys' page warns. axe on every step, on a
//! phone's width.

use salama_server::auth::Role;
use salama_shared::date::Date;
use salama_tests::{Browser, Site};
use serde_json::json;

fn days_from_today(days: i32) -> String {
    Date::from_days(salama_server::store::today().days() + days).to_string()
}

/// Puts `date` in the date field as a person picking it would.
async fn pick(browser: &Browser, date: &str) {
    browser
        .client
        .execute(
            "const i = document.getElementById('retention-date'); i.value = arguments[0]; i.dispatchEvent(new Event('input', { bubbles: true })); return true;",
            vec![json!(date)],
        )
        .await
        .expect("date picked");
}

async fn stored(site: &Site) -> Option<String> {
    site.store
        .retention("community-safety")
        .await
        .expect("read")
        .map(|kept| kept.retain_until.to_string())
}

#[tokio::test]
async fn an_admin_sets_how_long_raw_data_is_kept_and_is_warned_before_it_goes() {
    let site = Site::start().await;
    let password = site.staff("ada", Role::Admin).await;
    let browser = Browser::start().await;

    browser.goto(&site.url("/admin/settings")).await;
    browser.type_into("#sign-in-name", "ada").await;
    browser.type_into("#sign-in-password", &password).await;
    browser.click("#sign-in").await;
    browser.find("#settings-title").await;
    browser
        .wait_until(
            "the standing",
            "return document.getElementById('retention-standing')?.textContent.includes('No date is set') === true",
        )
        .await;
    browser.assert_accessible("settings, no date").await;
    browser.assert_fits_screen("settings, no date").await;
    browser.screenshot("settings-no-date").await;

    // A passed date: the server's words, at the field.
    pick(&browser, &days_from_today(-1)).await;
    browser.click("#retention-save").await;
    browser
        .wait_until(
            "the refusal",
            "return document.getElementById('retention-problem').textContent.includes('has passed')",
        )
        .await;
    assert_eq!(stored(&site).await, None);
    browser.assert_accessible("settings, date refused").await;

    let later = days_from_today(40);
    pick(&browser, &later).await;
    browser.click("#retention-save").await;
    browser
        .wait_until(
            "saved",
            "return document.getElementById('retention-status').textContent.includes('Saved') && document.getElementById('retention-standing').textContent.includes('40 days left') && document.getElementById('retention-problem').textContent === ''",
        )
        .await;
    assert_eq!(stored(&site).await, Some(later.clone()));
    assert!(
        browser.text("main").await.contains("Set by ada"),
        "who set it is shown"
    );

    // Brought forward: asked first; Cancel keeps the date.
    let sooner = days_from_today(5);
    pick(&browser, &sooner).await;
    browser.click("#retention-save").await;
    browser.find("#retention-earlier").await;
    browser
        .assert_accessible("settings, bringing forward")
        .await;
    browser.screenshot("settings-bring-forward").await;
    browser
        .click("#retention-earlier ~ .actions button:not(.primary)")
        .await;
    browser
        .wait_until(
            "the question is gone",
            "return !document.getElementById('retention-earlier')",
        )
        .await;
    assert_eq!(stored(&site).await, Some(later));
    browser.click("#retention-save").await;
    browser.click("#retention-earlier-save").await;
    browser
        .wait_until(
            "saved sooner",
            "return document.getElementById('retention-standing').textContent.includes('5 days left')",
        )
        .await;
    assert_eq!(stored(&site).await, Some(sooner));

    // Within thirty days, the surveys' page warns.
    browser.click("nav.sections a[href='/admin']").await;
    browser.find("#surveys-title").await;
    browser
        .wait_until(
            "the warning",
            "return document.querySelector('.retention-warnings')?.textContent.includes('5 days left') === true",
        )
        .await;
    browser
        .assert_accessible("surveys, retention warning")
        .await;
    browser.screenshot("surveys-retention-warning").await;

    let set = site
        .store
        .recent_audit(20)
        .await
        .expect("audit")
        .into_iter()
        .filter(|entry| entry.action == "retention_set" && entry.actor == "ada")
        .count();
    assert_eq!(set, 2, "each saved date is audited once");
    browser.close().await;
}

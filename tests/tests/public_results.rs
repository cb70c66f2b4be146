//! The public results page in a browser: an admin releases a table from
//! the console's Releases page, anyone opens `/results/community-safety`
//! without signing in, in English and in Arabic (right to left), axe-clean
//! on a phone's width; withdrawn from the console, the table is gone.

use salama_server::auth::{Role, create_user};
use salama_tests::{Browser, Site};

#[tokio::test]
async fn a_released_table_is_read_by_anyone_in_english_and_arabic() {
    let site = Site::start().await;
    let password = site.staff("ada", Role::Admin).await;
    let enumerator = create_user(&site.store, "enum-1", Role::Enumerator, "test")
        .await
        .expect("enumerator");
    let browser = Browser::with_screen(412, 915).await;

    // Nothing released: the address says so, and nothing more.
    browser.goto(&site.url("/results/community-safety")).await;
    browser.find("h1").await;
    assert_eq!(browser.text("h1").await, "No results here");
    browser.assert_accessible("results, nothing released").await;

    browser.goto(&site.url("/admin/releases")).await;
    browser.type_into("#sign-in-name", "ada").await;
    browser.type_into("#sign-in-password", &password).await;
    browser.click("#sign-in").await;
    browser.find("#releases-title").await;
    browser.find("#no-releases").await;
    browser.assert_accessible("releases, none yet").await;
    browser.assert_fits_screen("releases, none yet").await;
    // Sixty interviews, so the table has figures to show.
    browser.send_interviews(&enumerator.token, "ea-1", 60).await;

    browser
        .find("#release-indicator option[value='sdg_16_1_4']")
        .await;
    browser
        .script("const s = document.getElementById('release-indicator'); s.value = 'sdg_16_1_4'; s.dispatchEvent(new Event('change', { bubbles: true })); return true;")
        .await;
    browser
        .script("const s = document.getElementById('release-by-1'); s.value = 'sex'; s.dispatchEvent(new Event('change', { bubbles: true })); return true;")
        .await;
    // A title left out in English is refused before anything is sent.
    browser.click("#release-create").await;
    browser
        .wait_until(
            "the refusal",
            "return document.getElementById('release-problem').textContent.includes('title.en')",
        )
        .await;
    browser.assert_accessible("releases, refused").await;
    browser
        .type_into("#release-title-en", "Feeling safe walking alone at night")
        .await;
    browser
        .type_into("#release-title-ar", "الشعور بالأمان عند المشي ليلًا")
        .await;
    browser
        .type_into("#release-note-en", "Respondents aged 18 and over.")
        .await;
    browser.click("#release-create").await;
    browser
        .wait_until(
            "released",
            "return document.getElementById('release-status').textContent.includes('Released as number 1') && !!document.getElementById('release-withdraw-1')",
        )
        .await;
    browser.assert_accessible("releases, one released").await;
    browser.screenshot("admin-releases").await;

    // Anyone, in English.
    browser.goto(&site.url("/results/community-safety")).await;
    browser.find("#release-1").await;
    assert_eq!(
        browser.script("return document.documentElement.dir").await,
        "ltr"
    );
    assert_eq!(
        browser.text("#release-1").await,
        "Feeling safe walking alone at night"
    );
    assert!(browser.exists("table caption").await);
    assert!(browser.exists("svg[role=img] title").await);
    assert!(browser.text("main").await.contains("Methodology"));
    // No script on the page at all, and the inline style is applied (the
    // policy allows it by hash).
    assert_eq!(browser.script("return document.scripts.length").await, 0);
    assert_eq!(
        browser
            .script("return getComputedStyle(document.body).maxWidth")
            .await,
        "960px"
    );
    browser.assert_accessible("results, English").await;
    browser.assert_fits_screen("results, English").await;
    browser.screenshot("public-results-en").await;

    // In Arabic, from the page's own language switch.
    browser.click("a[hreflang='ar']").await;
    browser
        .wait_until(
            "Arabic",
            "return document.documentElement.dir === 'rtl' && document.documentElement.lang === 'ar'",
        )
        .await;
    assert_eq!(
        browser.text("#release-1").await,
        "الشعور بالأمان عند المشي ليلًا"
    );
    browser.assert_accessible("results, Arabic").await;
    browser.assert_fits_screen("results, Arabic").await;
    browser.screenshot("public-results-ar").await;

    // Withdrawn from the console: gone from the public page at once.
    browser.goto(&site.url("/admin/releases")).await;
    browser.find("#release-withdraw-1").await;
    browser.click("#release-withdraw-1").await;
    browser
        .wait_until(
            "withdrawn",
            "return document.getElementById('release-withdrawn')?.textContent.includes('withdrawn') === true",
        )
        .await;
    browser.goto(&site.url("/results/community-safety")).await;
    browser.find("h1").await;
    assert_eq!(browser.text("h1").await, "No results here");
    browser.close().await;
}

//! The analysts' pages read the table to show from the address, which
//! anyone can write and send: a hostile one (markup, control characters,
//! repeated or unknown parameters, an unknown survey, a very long query)
//! shows the default table or the server's words, runs nothing, and leaves
//! the page working.

use salama_server::auth::Role;
use salama_tests::{Browser, Site};
use serde_json::json;

/// The page is alive: its tabs answer, the table (or the server's refusal
/// in words) is shown, and nothing from the address became markup.
async fn still_working(browser: &Browser, address: &str) {
    browser
        .wait_until(
            &format!("a table or the server's words for {address:.60}"),
            "return !!document.querySelector('#table-title, #tab-panel .error, #tab-panel .status')",
        )
        .await;
    let injected = browser
        .script(
            "return [document.querySelectorAll('script:not([src]):not([type]), img[onerror], [onclick]').length, window.__hostile === undefined, document.body.innerHTML.includes('<b>bold</b>')]",
        )
        .await;
    assert_eq!(injected, json!([0, true, false]), "{address}");
    browser.click("#tab-fieldwork").await;
    browser
        .wait_until(
            "the fieldwork tab",
            "return document.getElementById('tab-fieldwork').getAttribute('aria-selected') === 'true'",
        )
        .await;
    browser.click("#tab-indicators").await;
    browser
        .find("#table-title, #tab-panel .error, #tab-panel .status")
        .await;
}

#[tokio::test]
async fn a_hostile_address_shows_a_table_and_runs_nothing() {
    let site = Site::start().await;
    let password = site.staff("ana", Role::Analyst).await;
    let browser = Browser::start().await;
    browser.goto(&site.url("/analysis")).await;
    browser.type_into("#sign-in-name", "ana").await;
    browser.type_into("#sign-in-password", &password).await;
    browser.click("#sign-in").await;
    browser.find("#tab-indicators").await;

    let long = "x".repeat(6000);
    let addresses = [
        "/analysis?survey=%3Cscript%3Ewindow.__hostile%3D1%3C%2Fscript%3E&indicator=sdg_16_1_4&by=sex".to_owned(),
        "/analysis?survey=community-safety&indicator=%3Cimg%20src%3Dx%20onerror%3D%22window.__hostile%3D1%22%3E&by=sex".to_owned(),
        "/analysis?survey=community-safety&indicator=sdg_16_1_4&by=sex,sex,sex,area,area&by=%00%0A%1B".to_owned(),
        "/analysis?survey=community-safety&indicator=sdg_16_1_4&by=%3Cb%3Ebold%3C%2Fb%3E&level=%FF&age=-1".to_owned(),
        "/analysis?survey=community-safety&tab=fieldwork&tab=%E2%80%AEindicators".to_owned(),
        format!("/analysis?survey=community-safety&indicator={long}&by={long}"),
        "/analysis?survey=&indicator=&by=".to_owned(),
    ];
    for address in &addresses {
        browser.goto(&site.url(address)).await;
        browser.find("#tab-indicators").await;
        still_working(&browser, address).await;
    }
    browser
        .assert_accessible("analysis after a hostile address")
        .await;
    browser.screenshot("analysis-hostile-address").await;
    browser.close().await;
}

//! The survey team's console at `/admin`, from a fresh server: the first
//! admin signs in with the one-time password and chooses their own, uploads
//! an XLSForm with mistakes and reads them by cell, uploads it fixed,
//! previews it with the citizens' form (nothing stored), publishes it and
//! opens it to the public. axe on every page.

use salama_tests::{Browser, Site};
use serde_json::json;

/// The console's market survey, as its XLSForm file.
fn market_form(broken: bool) -> Vec<u8> {
    salama_tests::workbook(&salama_tests::xlsforms::market_form(broken))
}

/// Chooses `file` in the console's file box, instead of what was chosen.
async fn choose(browser: &Browser, file: &std::path::Path) {
    browser
        .script("document.getElementById('files').value = ''; return true;")
        .await;
    let input = browser.find("#files").await;
    input
        .send_keys(&file.display().to_string())
        .await
        .expect("file chosen");
}

#[tokio::test]
async fn an_admin_sets_a_password_finds_mistakes_previews_publishes_and_opens_a_survey() {
    let site = Site::start().await;
    let one_time = site
        .first_admin_password
        .clone()
        .expect("a fresh server has its first admin");
    let folder = tempfile::tempdir().expect("folder");
    let broken = folder.path().join("markets-broken.xlsx");
    let fixed = folder.path().join("markets.xlsx");
    std::fs::write(&broken, market_form(true)).expect("written");
    std::fs::write(&fixed, market_form(false)).expect("written");
    let browser = Browser::start().await;

    browser.goto(&site.url("/admin")).await;
    browser.find("#sign-in-name").await;
    browser.assert_accessible("console sign-in").await;
    browser.type_into("#sign-in-name", "admin").await;
    browser.type_into("#sign-in-password", &one_time).await;
    browser.click("#sign-in").await;

    // First of all, a password of their own.
    browser.find("#password-title").await;
    browser.assert_accessible("console first password").await;
    browser.type_into("#current-password", &one_time).await;
    browser.type_into("#new-password", "short").await;
    browser.type_into("#repeat-password", "short").await;
    browser.click("#save-password").await;
    browser
        .wait_until("the length is asked", "return document.getElementById('password-problem').textContent.includes('at least 10')")
        .await;
    browser
        .type_into("#new-password", "market day at dawn")
        .await;
    browser
        .type_into("#repeat-password", "market day at dawn")
        .await;
    browser.click("#save-password").await;

    // The surveys: the default questionnaire, public, with its channels.
    browser
        .find("#surveys tbody tr[data-survey='community-safety']")
        .await;
    let row = browser
        .text("#surveys tbody tr[data-survey='community-safety']")
        .await;
    assert!(row.contains("Public") && row.contains("online"), "{row}");
    browser.assert_fits_screen("console surveys").await;
    browser.assert_accessible("console surveys").await;
    let stored = site
        .store
        .user("admin")
        .await
        .expect("read")
        .expect("admin");
    assert!(!stored.must_change_password);

    // The XLSForm with mistakes: each at its sheet, row and column.
    choose(&browser, &broken).await;
    browser.click("#check").await;
    browser.find("#problems tbody tr").await;
    let cells = browser
        .script("return [...document.querySelectorAll('#problems tbody tr')].map(tr => [...tr.children].map(td => td.textContent))")
        .await;
    let places: Vec<_> = cells
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| (row[0].clone(), row[1].clone(), row[2].clone()))
        .collect();
    assert!(
        places.contains(&(json!("survey"), json!("3"), json!("type"))),
        "{cells:#}"
    );
    assert!(
        places.contains(&(json!("survey"), json!("3"), json!("relevant"))),
        "{cells:#}"
    );
    assert!(cells.to_string().contains("safe_scale"), "{cells:#}");
    browser.assert_accessible("console problems").await;

    // Fixed: checked, explained, previewed with the citizens' form.
    choose(&browser, &fixed).await;
    browser.click("#check").await;
    browser.find("#preview-button").await;
    assert!(browser.text(".immutable").await.contains("never changes"));
    browser.assert_accessible("console checked").await;
    browser.click("#preview-button").await;
    browser.find("[id='consent.respondent']").await;
    let languages = browser
        .script("return [...document.querySelectorAll('#language option')].map(o => o.value)")
        .await;
    assert_eq!(languages, json!(["en", "fr"]));
    browser.assert_accessible("console preview").await;
    browser.click("[id='consent.respondent']").await;
    salama_tests::filling::continue_to_next_step(&browser).await;
    browser.click("input[name='q-visited'][value='yes']").await;
    browser
        .wait_until(
            "the next question follows the answer",
            "return !!document.querySelector(\"input[name='q-safe']\")",
        )
        .await;
    assert!(
        site.store
            .survey("markets", None)
            .await
            .expect("read")
            .is_none(),
        "a preview publishes nothing"
    );
    assert_eq!(
        site.store.submission_count("markets").await.expect("count"),
        0
    );
    // In the survey's other language, the answer kept.
    browser
        .script("const s = document.getElementById('language'); s.value = 'fr'; s.dispatchEvent(new Event('change', { bubbles: true })); return true;")
        .await;
    browser
        .wait_until(
            "the preview in French",
            "return document.body.innerText.includes('Êtes-vous allé au marché') && document.querySelector(\"input[name='q-visited'][value='yes']\").checked",
        )
        .await;
    // Back to the console, which finds the checked file as it was.
    browser.click("#back-to-console").await;
    browser.find("#publish").await;
    assert!(browser.text(".immutable").await.contains("never changes"));

    // Published as version 1, then opened to the public.
    browser.click("#publish").await;
    browser
        .wait_until(
            "published",
            "return document.getElementById('outcome-title')?.textContent.includes('Published')",
        )
        .await;
    let published = site
        .store
        .survey("markets", None)
        .await
        .expect("read")
        .expect("published");
    assert_eq!((published.version, published.public), (1, false));
    browser.find("#public-markets").await;
    assert_eq!(
        anonymous(&browser, "/api/surveys/markets").await,
        json!([404, null]),
        "not public yet"
    );
    browser.click("#public-markets").await;
    browser
        .wait_until("opened", "return document.querySelector(\"tr[data-survey='markets'] .public\")?.textContent.startsWith('Public')")
        .await;
    assert_eq!(
        anonymous(&browser, "/api/surveys/markets").await,
        json!([200, "markets"])
    );
    browser.assert_accessible("console after publishing").await;
    browser.screenshot("admin-console").await;
}

#[tokio::test]
async fn an_analyst_is_told_the_console_is_for_admins_in_arabic_too() {
    let site = Site::start().await;
    let analyst = salama_server::auth::create_user(
        &site.store,
        "analyst-1",
        salama_server::auth::Role::Analyst,
        "test",
    )
    .await
    .expect("analyst");
    let browser = Browser::start().await;
    browser.goto(&site.url("/admin")).await;
    browser.find("#sign-in-name").await;
    browser.type_into("#sign-in-name", "analyst-1").await;
    browser
        .type_into("#sign-in-password", &analyst.password)
        .await;
    browser.click("#sign-in").await;
    assert!(
        browser
            .text("#not-admin")
            .await
            .contains("for administrators")
    );
    browser.assert_accessible("console refused").await;
    // Right to left in Arabic, every word from the catalogue.
    browser
        .script("const s = document.getElementById('language'); s.value = 'ar'; s.dispatchEvent(new Event('change', { bubbles: true })); return true;")
        .await;
    browser
        .wait_until("Arabic", "return document.documentElement.dir === 'rtl' && document.documentElement.lang === 'ar'")
        .await;
    assert!(browser.text("#not-admin").await.contains("وحدة التحكم"));
    browser.assert_accessible("console refused, Arabic").await;
}

/// An anonymous request's status and survey id: the page's `fetch` without
/// its session cookie, as a citizen's browser asks.
async fn anonymous(browser: &Browser, path: &str) -> serde_json::Value {
    browser
        .client
        .execute_async(
            "const [url, done] = arguments; fetch(url, { credentials: 'omit' }).then(async r => done([r.status, r.ok ? (await r.json()).id : null]));",
            vec![json!(path)],
        )
        .await
        .expect("fetch runs")
}

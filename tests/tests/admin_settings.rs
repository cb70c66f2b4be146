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

/// Sets a value in a control as a person would, whatever its kind.
async fn set_value(browser: &Browser, id: &str, value: &str) {
    browser
        .client
        .execute(
            "const [id, value] = arguments; const e = document.getElementById(id); e.value = value; e.dispatchEvent(new Event(e.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true })); return true;",
            vec![json!(id), json!(value)],
        )
        .await
        .expect("value set");
}

#[tokio::test]
async fn an_admin_sets_what_the_tables_may_show_and_sees_each_refusal_at_its_field() {
    use salama_shared::disclosure::{DisclosurePolicy, Period};
    let site = Site::start().await;
    let password = site.staff("ada", Role::Admin).await;
    let browser = Browser::with_screen(412, 915).await;

    browser.goto(&site.url("/admin/settings")).await;
    browser.type_into("#sign-in-name", "ada").await;
    browser.type_into("#sign-in-password", &password).await;
    browser.click("#sign-in").await;
    browser
        .wait_until(
            "the policy",
            "return document.getElementById('disclosure-version')?.textContent.includes('No policy has been set') === true \
               && document.getElementById('disclosure-min_n').value === '25'",
        )
        .await;
    // Every setting says what it protects and what it costs.
    let hints = browser
        .script(
            "return [...document.querySelectorAll('#disclosure .question .hint')].map(p => p.textContent)",
        )
        .await;
    let hints = hints.as_array().expect("hints");
    assert_eq!(hints.len(), 9, "{hints:?}");
    assert!(
        hints.iter().all(|hint| hint
            .as_str()
            .is_some_and(|text| text.starts_with("Protects:") && text.contains("Costs:"))),
        "{hints:?}"
    );
    browser
        .assert_accessible("settings, disclosure policy")
        .await;
    browser
        .assert_fits_screen("settings, disclosure policy")
        .await;
    browser.screenshot("settings-disclosure").await;

    // Out of bounds: the server's words at each field, nothing stored.
    set_value(&browser, "disclosure-min_n", "5").await;
    browser.click("#disclosure-save").await;
    browser
        .wait_until(
            "the refusals at their fields",
            "return document.getElementById('disclosure-min_n-problem').textContent.includes('must be from 10 to 1000') \
               && document.getElementById('disclosure-min_n').getAttribute('aria-invalid') === 'true'",
        )
        .await;
    browser.assert_accessible("settings, policy refused").await;
    assert_eq!(
        site.store
            .current_disclosure_policy("community-safety")
            .await
            .expect("read")
            .version,
        0
    );
    // A ratio that is not a number is the shape's problem, at its field too.
    set_value(&browser, "disclosure-min_n", "30").await;
    set_value(&browser, "disclosure-max_weight_ratio", "lots").await;
    browser.click("#disclosure-save").await;
    browser
        .wait_until(
            "the ratio refused",
            "return document.getElementById('disclosure-max_weight_ratio-problem').textContent !== '' \
               && document.getElementById('disclosure-min_n-problem').textContent === ''",
        )
        .await;

    set_value(&browser, "disclosure-max_weight_ratio", "50").await;
    set_value(&browser, "disclosure-period", "quarter").await;
    set_value(&browser, "disclosure-area_level", "2").await;
    set_value(&browser, "disclosure-rules", "nchs").await;
    browser.click("#disclosure-save").await;
    browser
        .wait_until(
            "saved",
            "return document.getElementById('disclosure-status').textContent.includes('Saved: version 1') \
               && document.getElementById('disclosure-version').textContent.includes('Version 1, set by ada') \
               && document.querySelectorAll('#disclosure-history li').length === 1 \
               && document.getElementById('disclosure-max_weight_ratio-problem').textContent === ''",
        )
        .await;
    let stored = site
        .store
        .disclosure_policy("community-safety")
        .await
        .expect("read");
    assert_eq!(
        stored,
        DisclosurePolicy {
            min_n: 30,
            period: Period::Quarter,
            area_level: 2,
            rules: vec![salama_shared::publication::Rule::Nchs],
            max_weight_ratio: 50.0,
            ..DisclosurePolicy::default()
        }
    );
    browser.assert_accessible("settings, policy saved").await;
    browser.screenshot("settings-disclosure-saved").await;
    let audited = site
        .store
        .recent_audit(20)
        .await
        .expect("audit")
        .into_iter()
        .filter(|entry| entry.action == "disclosure_policy_set" && entry.actor == "ada")
        .count();
    assert_eq!(audited, 1);
    browser.close().await;
}

//! The console's fieldwork page, from a fresh server: an admin uploads the
//! sample of clusters with a mistake and reads it by line and column, fixes
//! it, previews what it changes and applies it, reads each enumerator's
//! clusters, moves one after a confirmation, watches progress as
//! interviews arrive through the API, uploads weights with a preview and
//! stores them, and reads the design summarised with its history; then the
//! same page in Arabic, right to left. axe on every state.

use salama_server::auth::{Role, create_user};
use salama_tests::{Browser, Site};
use serde_json::{Value, json};

const CLUSTERS_WITH_A_MISTAKE: &str = "cluster,stratum,area,enumerator,households\n\
    ea-1,urban,central-capital,enum-1,12\n\
    ea-2,urban,central-capital,enum-1,=SUM(A1)\n\
    ea-3,rural,north-hills,enum-2,5\n";
const CLUSTERS: &str = "cluster,stratum,area,enumerator,households\n\
    ea-1,urban,central-capital,enum-1,12\n\
    ea-2,urban,central-capital,enum-1,8\n\
    ea-3,rural,north-hills,enum-2,5\n";
const WEIGHTS: &str = "cluster_id,weight\nea-1,2.5\nea-2,4\n";

/// Chooses `file` in the file box `css`.
async fn choose(browser: &Browser, css: &str, file: &std::path::Path) {
    browser
        .script(&format!(
            "document.querySelector('{css}').value = ''; return true;"
        ))
        .await;
    browser
        .find(css)
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("file chosen");
}

/// The text of each cell of the rows `css` finds.
async fn cells(browser: &Browser, css: &str) -> Value {
    browser
        .script(&format!(
            "return [...document.querySelectorAll(\"{css}\")].map(tr => [...tr.children].map(c => c.textContent.trim()))"
        ))
        .await
}

async fn switch_language(browser: &Browser, language: &str) {
    browser
        .script(&format!("const s = document.getElementById('language'); s.value = '{language}'; s.dispatchEvent(new Event('change', {{ bubbles: true }})); return true;"))
        .await;
}

#[tokio::test]
async fn an_admin_sets_up_fieldwork_watches_progress_and_stores_the_design() {
    let site = Site::start().await;
    let admin = create_user(&site.store, "coordinator", Role::Admin, "test")
        .await
        .expect("admin");
    let first = create_user(&site.store, "enum-1", Role::Enumerator, "test")
        .await
        .expect("enumerator");
    let second = create_user(&site.store, "enum-2", Role::Enumerator, "test")
        .await
        .expect("enumerator");
    let folder = tempfile::tempdir().expect("folder");
    let file = |name: &str, text: &str| {
        let path = folder.path().join(name);
        std::fs::write(&path, text).expect("written");
        path
    };
    let (mistaken, clusters, weights) = (
        file("clusters-draft.csv", CLUSTERS_WITH_A_MISTAKE),
        file("clusters.csv", CLUSTERS),
        file("weights.csv", WEIGHTS),
    );
    let far_apart = file(
        "weights-far-apart.csv",
        "cluster_id,weight\nea-1,1\nea-2,5000\n",
    );
    let browser = Browser::start().await;
    browser.goto(&site.url("/admin")).await;
    browser.type_into("#sign-in-name", "coordinator").await;
    browser
        .type_into("#sign-in-password", &admin.password)
        .await;
    browser.click("#sign-in").await;
    browser.find("#password-title").await;
    browser
        .type_into("#current-password", &admin.password)
        .await;
    browser
        .type_into("#new-password", "fieldwork at dawn")
        .await;
    browser
        .type_into("#repeat-password", "fieldwork at dawn")
        .await;
    browser.click("#save-password").await;

    // The sections, the one shown marked; Fieldwork has an address of its own.
    browser.find("#surveys-title").await;
    browser.click("nav a[href='/admin/fieldwork']").await;
    browser.find("#fieldwork-title").await;
    assert_eq!(
        browser
            .script("return [location.pathname, document.querySelector('nav [aria-current=page]').getAttribute('href')]")
            .await,
        json!(["/admin/fieldwork", "/admin/fieldwork"])
    );
    browser.find("#no-clusters").await;
    browser.assert_accessible("fieldwork, empty").await;

    // A mistake, named by its line and column; nothing is changed.
    choose(&browser, "#clusters-file", &mistaken).await;
    browser.click("#clusters-preview").await;
    browser.find("#clusters-outcome-problems tbody tr").await;
    let problems = cells(&browser, "#clusters-outcome-problems tbody tr").await;
    assert_eq!(problems[0][0], "3", "{problems:#}");
    assert_eq!(problems[0][1], "households", "{problems:#}");
    assert!(
        problems[0][2]
            .as_str()
            .is_some_and(|m| m.contains("=SUM(A1)") && m.contains("whole number")),
        "{problems:#}"
    );
    browser.assert_accessible("fieldwork, problems").await;

    // Fixed: previewed, then applied.
    choose(&browser, "#clusters-file", &clusters).await;
    browser.click("#clusters-preview").await;
    browser.find("#plan-added tbody tr").await;
    assert_eq!(
        cells(&browser, "#plan-added tbody tr").await,
        json!([
            ["ea-1", "enum-1", "urban", "central-capital", "12"],
            ["ea-2", "enum-1", "urban", "central-capital", "8"],
            ["ea-3", "enum-2", "rural", "north-hills", "5"],
        ])
    );
    assert!(
        site.store
            .assignments_for("community-safety")
            .await
            .expect("read")
            .is_empty(),
        "a preview changes nothing"
    );
    browser
        .assert_accessible("fieldwork, clusters previewed")
        .await;
    browser.click("#clusters-apply").await;
    browser
        .find("section[data-enumerator='enum-2'] tr[data-cluster='ea-3']")
        .await;
    let listed = |enumerator: &str| format!("section[data-enumerator='{enumerator}'] tbody tr");
    let first_list = cells(&browser, &listed("enum-1")).await;
    assert_eq!(
        (&first_list[0][0], &first_list[1][0], &first_list[1][3]),
        (&json!("ea-1"), &json!("ea-2"), &json!("0 of 8")),
        "{first_list:#}"
    );
    assert_eq!(
        site.store
            .assignments_for("community-safety")
            .await
            .expect("read")
            .len(),
        3
    );
    browser.assert_fits_screen("fieldwork, clusters").await;
    browser
        .assert_accessible("fieldwork, clusters applied")
        .await;

    // ea-2 moves to enum-2 after a confirmation that says what happens.
    browser.click("tr[data-cluster='ea-2'] button.move").await;
    let question = browser.text(".confirm").await;
    assert!(
        question.contains("ea-2") && question.contains("enum-2") && question.contains("are kept"),
        "{question}"
    );
    browser
        .assert_accessible("fieldwork, confirming a move")
        .await;
    browser.click("#confirm-change").await;
    browser
        .find("section[data-enumerator='enum-2'] tr[data-cluster='ea-2']")
        .await;
    assert!(
        browser
            .text("#fieldwork-status")
            .await
            .contains("now belongs to enum-2")
    );
    browser
        .script("document.getElementById('by-enumerator-title').scrollIntoView(); return true;")
        .await;
    browser.screenshot("admin-fieldwork-clusters").await;

    // Interviews arrive through the API; the counts follow.
    browser.send_interviews(&first.token, "ea-1", 2).await;
    browser.send_interviews(&second.token, "ea-2", 1).await;
    browser.click("#fieldwork-refresh").await;
    browser
        .wait_until(
            "the counts follow",
            "return document.querySelector(\"tr[data-cluster='ea-1'] .progress\")?.textContent.includes('2 of 12')",
        )
        .await;
    assert!(
        browser
            .text("section[data-enumerator='enum-2'] tr[data-cluster='ea-2'] .progress")
            .await
            .contains("1 of 8")
    );
    assert!(browser.text("#without-weight").await.contains("ea-1, ea-2"));

    // Weights further apart than the disclosure policy allows: the
    // preview names both rows and the bound.
    choose(&browser, "#weights-file", &far_apart).await;
    browser.click("#weights-preview").await;
    browser
        .wait_until(
            "the ratio refused by row",
            "const rows = [...document.querySelectorAll('#weights-outcome-problems tbody tr')].map(tr => tr.textContent); \
             return rows.length === 2 && rows[0].startsWith('3') && rows[1].startsWith('2') \
               && rows.every(row => row.includes('allows at most 100 times'))",
        )
        .await;
    browser
        .assert_accessible("fieldwork, weights too far apart")
        .await;

    // Weights: what they change, then stored, then the design and its history.
    choose(&browser, "#weights-file", &weights).await;
    browser.click("#weights-preview").await;
    browser.find("#design-changed tbody tr").await;
    assert_eq!(
        cells(&browser, "#design-changed tbody tr").await,
        json!([["ea-1", "urban", "– → 2.5"], ["ea-2", "urban", "– → 4"]])
    );
    browser
        .assert_accessible("fieldwork, weights previewed")
        .await;
    browser.click("#weights-apply").await;
    browser.find("#design-history tbody tr").await;
    let history = cells(&browser, "#design-history tbody tr").await;
    assert_eq!(
        history[0].as_array().map(|row| &row[1..]),
        Some(
            &[
                json!("coordinator"),
                json!("clusters"),
                json!("2"),
                json!("2"),
                json!("0")
            ][..]
        ),
        "{history:#}"
    );
    let figures = browser.text("#design-figures").await;
    // 2 × 2.5 + 1 × 4.
    assert!(figures.contains('9'), "{figures}");
    assert!(
        browser
            .text("#without-weight")
            .await
            .contains("Every cluster with interviews has a weight")
    );
    assert_eq!(
        cells(&browser, "#strata tbody tr").await,
        json!([["urban", "2", "3", "3", "9"]])
    );
    browser.assert_accessible("fieldwork, design stored").await;
    browser.screenshot("admin-fieldwork").await;

    // In Arabic, right to left, every word from the catalogue; Back to the
    // surveys; then the fieldwork address itself, loaded afresh.
    switch_language(&browser, "ar").await;
    browser
        .wait_until(
            "Arabic",
            "return document.documentElement.dir === 'rtl' && document.getElementById('fieldwork-title')?.textContent === 'العمل الميداني'",
        )
        .await;
    browser.find("#design-history tbody tr").await;
    browser.assert_accessible("fieldwork, Arabic").await;
    browser.script("history.back(); return true;").await;
    browser.find("#surveys-title").await;
    assert_eq!(
        browser
            .script("return [location.pathname, document.querySelector('nav [aria-current=page]').getAttribute('href')]")
            .await,
        json!(["/admin", "/admin"])
    );
    browser.goto(&site.url("/admin/fieldwork")).await;
    browser.find("#design-history tbody tr").await;
}

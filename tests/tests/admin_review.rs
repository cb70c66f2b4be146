//! The console's review, from a fresh server: a supervisor signs in and
//! sees only their team's interviews, opens one with its answers labelled,
//! approves it, is told why a rejection without a reason is refused,
//! rejects another with a reason, approves the rest as the set listed,
//! and the aggregates an analyst reads follow each decision at once; another supervisor's team stays out of
//! sight. axe on every state, on a phone's width too.

use salama_server::auth::{Role, create_user};
use salama_shared::review::ReviewState;
use salama_tests::{Browser, Site};
use serde_json::{Value, json};

const CLUSTER: &str = "central-capital-ea-042";

/// Interviews the aggregates count, as an admin's script reads them
/// exactly (an analyst's table withholds counts this small).
async fn counted(browser: &Browser, admin: &str) -> u64 {
    let table = browser
        .client
        .execute_async(
            "const [token, done] = arguments;
             fetch('/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4&channel=enumerator&exact=true', {
               credentials: 'omit', headers: { authorization: 'Bearer ' + token } })
               .then(r => r.json()).then(done).catch(e => done(String(e)));",
            vec![json!(admin)],
        )
        .await
        .expect("read");
    table["populations"]
        .as_array()
        .and_then(|populations| populations.first())
        .and_then(|population| population["cells"][0]["n"].as_u64())
        .unwrap_or(0)
}

/// The rows of the review list: (id, state).
async fn listed(browser: &Browser) -> Value {
    browser
        .script("return [...document.querySelectorAll('#review-list tbody tr')].map(tr => [tr.dataset.id, tr.dataset.state])")
        .await
}

async fn status_says(browser: &Browser, expected: &str) {
    browser
        .wait_until(
            expected,
            &format!(
                "return document.getElementById('review-status').textContent.includes({})",
                json!(expected)
            ),
        )
        .await;
}

#[tokio::test]
async fn a_supervisor_approves_and_rejects_and_the_aggregates_follow() {
    let site = Site::start().await;
    let password = site.staff("sup-1", Role::Supervisor).await;
    site.staff("sup-2", Role::Supervisor).await;
    let enumerator = create_user(&site.store, "enum-1", Role::Enumerator, "test")
        .await
        .expect("enumerator");
    let other = create_user(&site.store, "enum-2", Role::Enumerator, "test")
        .await
        .expect("enumerator");
    let checker = create_user(&site.store, "checker-1", Role::Admin, "test")
        .await
        .expect("admin");
    let assignment = |enumerator: &str, cluster: &str| salama_server::store::Assignment {
        survey_id: "community-safety".into(),
        cluster_id: cluster.into(),
        enumerator: enumerator.into(),
        stratum: None,
        area: None,
    };
    site.store
        .assign(
            "community-safety",
            &[
                assignment("enum-1", CLUSTER),
                assignment("enum-2", "north-ea-1"),
            ],
        )
        .await
        .expect("assigned");
    site.store
        .set_supervisor("enum-1", Some("sup-1"), "test")
        .await
        .expect("team");
    site.store
        .set_supervisor("enum-2", Some("sup-2"), "test")
        .await
        .expect("team");

    let browser = Browser::start().await;
    browser.goto(&site.url("/admin/review")).await;
    browser.type_into("#sign-in-name", "sup-1").await;
    browser.type_into("#sign-in-password", &password).await;
    browser.click("#sign-in").await;
    browser.find("#review-title").await;
    browser.find("#review-empty").await;
    // The team's response rates: no visit recorded yet.
    browser.find("#rates-title").await;
    browser.find("#no-visits").await;
    browser.assert_accessible("review, nothing yet").await;

    let ids = browser.send_interviews(&enumerator.token, CLUSTER, 2).await;
    // Another team's interview, in its own cluster: counted, not listed here.
    browser.send_interviews(&other.token, "north-ea-1", 1).await;
    assert_eq!(counted(&browser, &checker.token).await, 3);

    browser.click("#review-show").await;
    browser
        .wait_until(
            "both interviews are listed",
            "return document.querySelectorAll('#review-list tbody tr').length === 2",
        )
        .await;
    assert_eq!(
        listed(&browser).await,
        json!([[ids[1], "received"], [ids[0], "received"]])
    );
    browser.assert_fits_screen("review, list").await;
    browser.assert_accessible("review, list").await;

    // Rules flag both (26 min 40 s each, under 30): the CSV the link gives.
    browser.click("#review-flags summary").await;
    browser.type_into("#flags-minutes", "30").await;
    browser
        .type_into("#flags-battery", "tru_1, tru_2, tru_3")
        .await;
    browser.assert_accessible("review, flag rules").await;
    assert!(
        !browser.exists("#flags-save").await,
        "saving rules for the survey is an admin's"
    );
    let flagged = browser
        .client
        .execute_async(
            "const done = arguments[0];
             fetch(document.getElementById('flags-csv').href).then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .expect("fetched");
    let lines: Vec<&str> = flagged.as_str().expect("text").lines().collect();
    assert_eq!(lines.len(), 3, "{flagged}");
    assert!(lines[1].ends_with(",26.7,0.33,short"), "{flagged}");

    // One interview, its answers under the questionnaire's labels.
    browser.click(&format!("#open-{}", ids[0])).await;
    browser.find("#review-answers tbody tr").await;
    let answers = browser
        .script("return [...document.querySelectorAll('#review-answers tbody tr')].map(tr => [tr.dataset.path, tr.children[1].textContent])")
        .await;
    let age = answers
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row[0] == "resp_age")
        .cloned();
    assert_eq!(age, Some(json!(["resp_age", "34"])), "{answers:#}");
    assert!(
        answers
            .as_array()
            .expect("rows")
            .iter()
            .any(|row| row[0] == "household[1].mem_sex"),
        "roster cells are shown: {answers:#}"
    );
    browser.assert_accessible("review, one interview").await;
    browser.click("#review-approve").await;
    status_says(&browser, "approved").await;
    browser.find("#review-final").await;
    assert_eq!(counted(&browser, &checker.token).await, 3);

    // A rejection needs its reason: the server's words say so.
    browser.click("#review-close").await;
    browser.find(&format!("#open-{}", ids[1])).await;
    browser.click(&format!("#open-{}", ids[1])).await;
    browser.find("#review-reject").await;
    browser.click("#review-reject").await;
    status_says(&browser, "reason").await;
    assert_eq!(counted(&browser, &checker.token).await, 3);
    browser
        .type_into("#review-reason", "the household says nobody came")
        .await;
    browser.click("#review-reject").await;
    status_says(&browser, "rejected").await;
    browser.find("#review-history tbody tr").await;
    assert_eq!(
        counted(&browser, &checker.token).await,
        2,
        "rejected interviews never count"
    );
    browser.assert_accessible("review, rejected").await;

    browser.click("#review-close").await;
    browser
        .wait_until(
            "the list shows both decisions",
            "return document.querySelectorAll('#review-list tbody tr[data-state=received]').length === 0 && document.querySelectorAll('#review-list tbody tr').length === 2",
        )
        .await;
    assert_eq!(
        listed(&browser).await,
        json!([[ids[1], "rejected"], [ids[0], "approved"]])
    );
    // Two more, approved as the set listed.
    browser.send_interviews(&enumerator.token, CLUSTER, 2).await;
    assert_eq!(counted(&browser, &checker.token).await, 4);
    browser.click("#review-show").await;
    browser
        .wait_until(
            "four interviews are listed",
            "return document.querySelectorAll('#review-list tbody tr').length === 4",
        )
        .await;
    browser.assert_accessible("review, two to approve").await;
    browser.click("#review-approve-listed").await;
    status_says(&browser, "2 interviews approved").await;
    browser
        .wait_until(
            "none is left to decide",
            "return document.querySelectorAll('#review-list tbody tr').length === 4 && document.querySelectorAll('#review-list tbody tr[data-state=received]').length === 0",
        )
        .await;
    assert!(!browser.exists("#review-approve-listed").await);
    assert_eq!(counted(&browser, &checker.token).await, 4);
    let stored = site
        .store
        .review_item(&ids[1])
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.1.state, ReviewState::Rejected);
    assert_eq!(stored.1.reviewer.as_deref(), Some("sup-1"));
    browser.close().await;
}

#[tokio::test]
async fn an_admin_saves_the_flag_rules_that_the_survey_then_uses() {
    let site = Site::start().await;
    let password = site.staff("admin-1", Role::Admin).await;
    let browser = Browser::start().await;
    browser.goto(&site.url("/admin/review")).await;
    browser.type_into("#sign-in-name", "admin-1").await;
    browser.type_into("#sign-in-password", &password).await;
    browser.click("#sign-in").await;
    browser.find("#review-title").await;
    browser.click("#review-flags summary").await;
    // A share out of range is named before anything is sent.
    browser.type_into("#flags-share", "2").await;
    browser.click("#flags-save").await;
    browser
        .wait_until(
            "the field named",
            "return document.getElementById('flags-status').textContent.includes('dont_know_share')",
        )
        .await;
    browser.type_into("#flags-share", "0.3").await;
    browser.type_into("#flags-minutes", "30").await;
    browser.type_into("#flags-battery", "tru_1, tru_2").await;
    browser.click("#flags-save").await;
    browser
        .wait_until(
            "saved",
            "return document.getElementById('flags-status').textContent.startsWith('Saved')",
        )
        .await;
    browser.assert_accessible("review, flag rules saved").await;
    let saved = site
        .store
        .flag_rules("community-safety")
        .await
        .expect("read")
        .expect("saved");
    assert_eq!(saved.min_minutes, Some(30));
    assert_eq!(saved.battery, ["tru_1", "tru_2"]);
    assert!((saved.dont_know_share - 0.3).abs() < 1e-12);
    // Opened again, the form shows the survey's rules.
    browser.goto(&site.url("/admin/review")).await;
    browser.find("#review-title").await;
    browser.click("#review-flags summary").await;
    browser
        .wait_until(
            "the saved rules filled in",
            "return document.getElementById('flags-battery').value === 'tru_1, tru_2' && document.getElementById('flags-minutes').value === '30'",
        )
        .await;
    browser.close().await;
}

//! An interview sent back to its enumerator, in a real browser: the
//! supervisor says it has issues, the device's next sync brings it back
//! with the note, the enumerator reopens it with no connection, finishes it
//! again and the resend reaches the server once it is back, as a new
//! revision of the original (the original kept); then it is approved.

use salama_server::auth::{self, Role};
use salama_server::store::{Assignment, Reviewed};
use salama_shared::review::ReviewState;
use salama_tests::filling::{answer_current_step, continue_to_next_step};
use salama_tests::{Browser, Site};
use serde_json::Value;

const CLUSTER: &str = "ea-5";

/// The interviews the device lists: (id, state, label, problems).
async fn listed(browser: &Browser) -> Vec<Value> {
    browser
        .script(
            "return [...document.querySelectorAll('li.interview')].map(li => [li.id.replace('interview-', ''), li.dataset.state, li.querySelector('.badge').textContent, li.querySelector('.problems')?.textContent ?? ''])",
        )
        .await
        .as_array()
        .expect("list")
        .clone()
}

async fn states_are(browser: &Browser, what: &str, states: &str) {
    browser
        .wait_until(
            what,
            &format!(
                "return [...document.querySelectorAll('li.interview')].map(li => li.dataset.state).sort().join() === '{states}'"
            ),
        )
        .await;
}

#[tokio::test]
async fn an_interview_sent_back_is_corrected_offline_and_resent_as_a_revision() {
    let site = Site::start().await;
    let created = auth::create_user(&site.store, "enum-5", Role::Enumerator, "test")
        .await
        .expect("enumerator");
    site.staff("sup-5", Role::Supervisor).await;
    site.store
        .assign(
            "community-safety",
            &[Assignment {
                survey_id: "community-safety".into(),
                cluster_id: CLUSTER.into(),
                enumerator: "enum-5".into(),
                stratum: None,
                area: None,
            }],
        )
        .await
        .expect("assigned");
    site.store
        .set_supervisor("enum-5", Some("sup-5"), "test")
        .await
        .expect("team");

    let browser = Browser::start().await;
    browser.goto(&site.url("/field")).await;
    browser.type_into("#name", "enum-5").await;
    browser.type_into("#password", &created.password).await;
    browser.type_into("#device-label", "team phone").await;
    browser.click("#sign-in").await;
    browser.find(&format!("#start-{CLUSTER}")).await;
    browser
        .wait_until(
            "the app works offline",
            "return navigator.serviceWorker.controller !== null",
        )
        .await;

    // One household, interviewed and sent.
    browser.click(&format!("#start-{CLUSTER}")).await;
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(&browser).await;
    answer_current_step(&browser).await;
    continue_to_next_step(&browser).await;
    browser.click("#draw").await;
    browser.find("#drawn").await;
    // The drawn member agrees before any question to them.
    browser.click("#respondent-agrees").await;
    continue_to_next_step(&browser).await;
    while !browser.exists("#submit").await {
        answer_current_step(&browser).await;
        continue_to_next_step(&browser).await;
    }
    browser.click("#submit").await;
    states_are(&browser, "sent", "sent").await;
    let original = listed(&browser).await[0][0]
        .as_str()
        .expect("id")
        .to_owned();

    // The supervisor sends it back; the next sync brings the note.
    let note = "Was the respondent really 34? Ask to see a card.";
    let decided = site
        .store
        .review(&original, ReviewState::HasIssues, "sup-5", note)
        .await
        .expect("decided");
    assert!(matches!(decided, Reviewed::Done(_)), "{decided:?}");
    browser.click("#sync-now").await;
    states_are(&browser, "the interview comes back", "rejected,sent").await;
    let back = listed(&browser)
        .await
        .into_iter()
        .find(|row| row[1] == "rejected")
        .expect("sent back");
    assert_eq!(back[2], "Sent back by your supervisor", "{back}");
    assert!(
        back[3]
            .as_str()
            .is_some_and(|problems| problems.contains(note)),
        "{back}"
    );
    browser.assert_accessible("an interview sent back").await;
    let correction = back[0].as_str().expect("id").to_owned();
    assert_ne!(correction, original, "the correction has an id of its own");

    // Offline: reopened, finished again, queued.
    site.stop().await;
    browser
        .click(&format!("[id='interview-{correction}'] a.button"))
        .await;
    browser.click("#submit").await;
    states_are(&browser, "queued offline", "queued,sent").await;

    site.resume().await;
    browser.click("#sync-now").await;
    states_are(&browser, "resent", "sent,sent").await;
    let (_, item) = site
        .store
        .review_item(&original)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!((item.state, item.revision), (ReviewState::Received, 1));
    assert_eq!(site.stored().await, 1, "a revision, not a second interview");
    let latest = site
        .store
        .latest_body(&original)
        .await
        .expect("read")
        .expect("kept");
    let resent: Value = serde_json::from_slice(&latest.body).expect("json");
    assert_eq!(resent["submission_id"], correction.as_str());
    let first = site.submission(&original).await;
    assert_eq!(
        first["submission_id"],
        original.as_str(),
        "the original is kept"
    );
    // A further sync brings nothing back: it is received for review again.
    browser.click("#sync-now").await;
    browser
        .wait_until(
            "nothing left",
            "return document.getElementById('sync-status').textContent.includes('Every finished interview')",
        )
        .await;
    assert_eq!(listed(&browser).await.len(), 2);
    assert!(matches!(
        site.store
            .review(&original, ReviewState::Approved, "sup-5", "")
            .await
            .expect("approved"),
        Reviewed::Done(_)
    ));
    browser.close().await;
}

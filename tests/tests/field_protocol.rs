//! The interview protocol on a phone (412 × 915), in a real browser against
//! a real server: a refusal is never one tap, it is confirmed and then kept
//! as the household's visit outcome with no answer; a visit without an
//! interview is recorded too; a household list corrected after the draw
//! offers a redraw and both draws are sent; and the survey team reads the
//! refusal in the response rates on the console's Fieldwork page.

use salama_server::auth::{self, Role};
use salama_server::store::Assignment;
use salama_shared::visit::VisitOutcome;
use salama_tests::filling::{answer_current_step, continue_to_next_step};
use salama_tests::{Browser, Site};
use serde_json::{Value, json};

const CLUSTER: &str = "ea-7";
const SCREEN: (u32, u32) = (412, 915);

async fn enumerator(site: &Site, name: &str) -> String {
    let created = auth::create_user(&site.store, name, Role::Enumerator, "test")
        .await
        .expect("user created");
    site.store
        .assign(
            "community-safety",
            &[Assignment {
                survey_id: "community-safety".into(),
                cluster_id: CLUSTER.into(),
                enumerator: name.into(),
                stratum: Some("hills-rural".into()),
                area: Some("north-hills".into()),
            }],
        )
        .await
        .expect("assigned");
    created.password
}

async fn sign_in(browser: &Browser, site: &Site, name: &str, password: &str) {
    browser.goto(&site.url("/field")).await;
    browser.type_into("#name", name).await;
    browser.type_into("#password", password).await;
    browser.click("#sign-in").await;
    browser.find(&format!("#start-{CLUSTER}")).await;
}

/// Gives the household's number, replacing the one suggested.
async fn household(browser: &Browser, number: &str) {
    browser
        .script(&format!(
            "document.getElementById('household-{CLUSTER}').value = ''; return true;"
        ))
        .await;
    browser
        .type_into(&format!("#household-{CLUSTER}"), number)
        .await;
}

/// Waits until the device lists visits with these outcomes, all sent.
async fn wait_for_sent_visits(browser: &Browser, outcomes: &[&str]) {
    let expected = serde_json::to_string(outcomes).expect("json");
    browser
        .wait_until(
            "the visits sent",
            &format!(
                "const v = [...document.querySelectorAll('li.visit')]; \
                 return v.every(li => li.dataset.state === 'sent') && \
                 JSON.stringify(v.map(li => li.dataset.outcome).sort()) === JSON.stringify({expected}.sort())"
            ),
        )
        .await;
}

/// The server's visits: (household, outcome).
async fn stored_visits(site: &Site) -> Vec<(String, VisitOutcome)> {
    site.store
        .survey_visits("community-safety")
        .await
        .expect("read")
        .into_iter()
        .map(|row| (row.household, row.outcome))
        .collect()
}

/// From the home screen: an interview of household `number` whose one
/// member is `age`, up to the draw made and the member's answer asked.
async fn household_drawn(browser: &Browser, number: &str, age: &str) {
    household(browser, number).await;
    browser.click(&format!("#start-{CLUSTER}")).await;
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(browser).await;
    browser.click("#q-household").await;
    browser.type_into("[id='q-household-0-mem_age']", age).await;
    answer_current_step(browser).await;
    continue_to_next_step(browser).await;
    assert_eq!(browser.heading().await, "Who answers");
    browser.click("#draw").await;
    browser.find("#drawn").await;
}

#[tokio::test]
async fn a_parents_refusal_for_a_16_year_old_is_confirmed_then_kept_as_a_visit() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-1").await;
    let browser = Browser::with_screen(SCREEN.0, SCREEN.1).await;
    sign_in(&browser, &site, "enum-1", &password).await;
    household_drawn(&browser, "12", "16").await;
    // The drawn member is asked before any question to them.
    browser
        .assert_accessible("the drawn member's agreement")
        .await;
    browser.screenshot("protocol-1-drawn-agreement").await;
    browser.click("#respondent-agrees").await;
    continue_to_next_step(&browser).await;
    // A parent's refusal asks for confirmation: nothing ends on one tap.
    browser.click("[id='consent.adult-refused']").await;
    browser.find("#refusal-confirm").await;
    browser.screenshot("protocol-2-refusal-asked").await;
    browser.assert_accessible("a refusal to confirm").await;
    assert!(stored_visits(&site).await.is_empty());
    // Back: the question is as it was, the answer taken back.
    browser.click("#refusal-back").await;
    assert!(!browser.exists("#refusal-confirm").await);
    assert_eq!(
        browser
            .script("return document.getElementById('consent.adult-refused').checked")
            .await,
        Value::Bool(false)
    );
    assert!(browser.exists("#q-resp_age").await, "still on the step");
    // Refused again, and confirmed: the visit is kept, the answers are not.
    browser.click("[id='consent.adult-refused']").await;
    browser.click("#refusal-confirm").await;
    browser.find("li.visit").await;
    assert!(
        browser
            .text("#device-message")
            .await
            .contains("no answer was kept"),
    );
    wait_for_sent_visits(&browser, &["respondent_refused"]).await;
    browser.screenshot("protocol-3-refusal-kept").await;
    browser.assert_accessible("the refusal kept").await;
    assert!(
        !browser.exists("li.interview").await,
        "the interview left the device"
    );
    assert!(browser.text("li.visit").await.contains("Household 12"),);
    assert_eq!(site.stored().await, 0, "no answer reached the server");
    assert_eq!(
        stored_visits(&site).await,
        [("12".to_owned(), VisitOutcome::RespondentRefused)]
    );
    browser.close().await;
}

/// Signs in to the console with a password of the staff member's own and
/// opens the Fieldwork page.
async fn console_fieldwork(browser: &Browser, site: &Site, name: &str, password: &str) {
    browser.goto(&site.url("/admin")).await;
    browser.type_into("#sign-in-name", name).await;
    browser.type_into("#sign-in-password", password).await;
    browser.click("#sign-in").await;
    browser.find("#surveys-title").await;
    browser.click("nav a[href='/admin/fieldwork']").await;
    browser.find("#fieldwork-title").await;
}

/// The text of each cell of the rows `css` finds.
async fn cells(browser: &Browser, css: &str) -> Value {
    browser
        .script(&format!(
            "return [...document.querySelectorAll(\"{css}\")].map(tr => [...tr.children].map(c => c.textContent.trim()))"
        ))
        .await
}

#[tokio::test]
async fn a_household_refusal_and_an_empty_doorstep_show_in_the_response_rates() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-1").await;
    let admin = site.staff("coordinator", Role::Admin).await;
    let browser = Browser::with_screen(SCREEN.0, SCREEN.1).await;
    sign_in(&browser, &site, "enum-1", &password).await;

    // Household 3: the informant refuses at the first consent, confirmed.
    household(&browser, "3").await;
    browser.click(&format!("#start-{CLUSTER}")).await;
    browser.click("[id='consent.respondent-no']").await;
    browser.click("form.step button[type=submit]").await;
    browser.click("#refusal-confirm").await;
    browser.find("li.visit").await;

    // Household 4: no one at home, with a note for the call-back; the
    // form names what is missing first.
    household(&browser, "4").await;
    browser.click(&format!("#record-visit-{CLUSTER}")).await;
    browser.find(&format!("#visit-{CLUSTER}-save")).await;
    browser.assert_accessible("a visit without interview").await;
    browser.click(&format!("#visit-{CLUSTER}-save")).await;
    browser.find(&format!("#visit-{CLUSTER}-error")).await;
    browser
        .click(&format!("[id='visit-{CLUSTER}-no_one_home']"))
        .await;
    browser
        .type_into(
            &format!("#visit-{CLUSTER}-note"),
            "neighbour says back after 5 pm",
        )
        .await;
    browser.click(&format!("#visit-{CLUSTER}-save")).await;
    wait_for_sent_visits(&browser, &["household_refused", "no_one_home"]).await;
    browser.screenshot("protocol-4-visits-sent").await;
    let mut stored = stored_visits(&site).await;
    stored.sort();
    assert_eq!(
        stored,
        [
            ("3".to_owned(), VisitOutcome::HouseholdRefused),
            ("4".to_owned(), VisitOutcome::NoOneHome),
        ]
    );
    assert_eq!(site.stored().await, 0);
    browser.close().await;

    // The survey team reads them in the response rates.
    let browser = Browser::with_screen(SCREEN.0, SCREEN.1).await;
    console_fieldwork(&browser, &site, "coordinator", &admin).await;
    browser.find("#rates-survey tbody tr").await;
    let survey = cells(&browser, "#rates-survey tbody tr").await;
    // Two households, two visits, one refusal; none listed: 0 % at every
    // rate that has a denominator, and no individual rate among the drawn.
    assert_eq!(
        survey,
        json!([[
            "community-safety",
            "2",
            "2",
            "1",
            "0.0 %",
            "0.0 %",
            "0.0 %",
            "0.0 %",
            "0.0 %",
            "–",
            "–"
        ]]),
    );
    assert_eq!(
        cells(&browser, "#rates-enumerators tbody tr").await[0][0],
        "enum-1"
    );
    assert_eq!(
        cells(&browser, "#rates-clusters tbody tr").await[0][0],
        CLUSTER
    );
    browser
        .script("document.getElementById('rates-title').scrollIntoView(); return true;")
        .await;
    browser.screenshot("protocol-5-response-rates").await;
    browser.assert_accessible("the response rates").await;
    browser.close().await;
}

/// Types over what a box holds.
async fn retype(browser: &Browser, css_id: &str, text: &str) {
    browser
        .script(&format!(
            "document.getElementById('{css_id}').value = ''; return true;"
        ))
        .await;
    browser.type_into(&format!("[id='{css_id}']"), text).await;
}

/// Draws the respondent among this many eligible members.
async fn draw_among(browser: &Browser, eligible: usize) {
    browser.click("#draw").await;
    browser.find("#drawn").await;
    assert_eq!(
        browser
            .script("return document.querySelectorAll('#eligible-members li').length")
            .await,
        json!(eligible)
    );
}

#[tokio::test]
async fn a_corrected_household_list_offers_a_redraw_and_both_draws_are_sent() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-1").await;
    let browser = Browser::with_screen(SCREEN.0, SCREEN.1).await;
    sign_in(&browser, &site, "enum-1", &password).await;
    household(&browser, "5").await;
    browser.click(&format!("#start-{CLUSTER}")).await;
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(&browser).await;
    // Two members: 40 and, as first told, 14.
    browser.click("#q-household").await;
    retype(&browser, "q-household-0-mem_age", "40").await;
    browser.click("#q-household").await;
    retype(&browser, "q-household-1-mem_age", "14").await;
    // One head of household: the second member is another relative.
    browser
        .click("[id='q-household-1-mem_relationship-6']")
        .await;
    answer_current_step(&browser).await;
    continue_to_next_step(&browser).await;
    assert_eq!(browser.heading().await, "Who answers");
    draw_among(&browser, 1).await;
    // Back to the list: the second member is 15, not 14.
    browser.click(".actions button[type=button]").await;
    browser.find("[id='q-household-1-mem_age']").await;
    retype(&browser, "q-household-1-mem_age", "15").await;
    continue_to_next_step(&browser).await;
    assert_eq!(browser.heading().await, "Who answers");
    assert_eq!(browser.text("#draw").await, "Draw again");
    browser.screenshot("protocol-6-redraw-offered").await;
    browser.assert_accessible("a redraw offered").await;
    draw_among(&browser, 2).await;
    browser.click("#respondent-agrees").await;
    continue_to_next_step(&browser).await;
    let mut steps = 0;
    while !browser.exists("#submit").await {
        answer_current_step(&browser).await;
        continue_to_next_step(&browser).await;
        steps += 1;
        assert!(steps < 20, "the review never came");
    }
    browser.click("#submit").await;
    browser
        .wait_until(
            "the interview sent",
            "const li = document.querySelector('li.interview'); return !!li && li.dataset.state === 'sent'",
        )
        .await;
    wait_for_sent_visits(&browser, &["completed"]).await;
    let id = browser
        .script("return document.querySelector('li.interview').id.replace('interview-', '')")
        .await;
    let body = site
        .store
        .submission_body(id.as_str().expect("id").parse().expect("uuid"))
        .await
        .expect("store")
        .expect("stored");
    let submission: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        submission["earlier_draws"],
        json!([{"roster": "household", "eligible_rows": [0], "selected_row": 0}]),
        "{submission:#}"
    );
    assert_eq!(
        submission["respondent_selection"]["eligible_rows"],
        json!([0, 1])
    );
    // The interview started in its cluster's area.
    assert_eq!(
        submission["answers"]["resp_area"],
        json!(["north", "north-hills"])
    );
    assert_eq!(
        stored_visits(&site).await,
        [("5".to_owned(), VisitOutcome::Completed)]
    );
    browser.close().await;
}

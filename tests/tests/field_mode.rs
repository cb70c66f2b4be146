//! Enumerators in the field, in a real browser against a real server that
//! goes away ("offline": the server stopped, the port refusing connections)
//! and comes back: interviews are kept through reloads and browser restarts,
//! sent exactly once, refused ones are quarantined and sent again once put
//! right, a new build deployed mid-fieldwork keeps drafts and the outbox,
//! and a 30-member household works.

use std::path::{Path, PathBuf};

use salama_server::auth::{self, Role};
use salama_server::store::Assignment;
use salama_tests::filling::{answer_current_step, continue_to_next_step};
use salama_tests::{Browser, Site, built_client};
use serde_json::Value;

const CLUSTER: &str = "ea-7";

/// An enumerator with one cluster of the default questionnaire; returns the
/// password.
async fn enumerator(site: &Site, name: &str) -> String {
    let created = auth::create_user(&site.store, name, Role::Enumerator, "test")
        .await
        .expect("user created");
    assign(site, name, CLUSTER).await;
    created.password
}

async fn assign(site: &Site, name: &str, cluster: &str) {
    site.store
        .assign(
            "community-safety",
            &[Assignment {
                survey_id: "community-safety".into(),
                cluster_id: cluster.into(),
                enumerator: name.into(),
                stratum: Some("hills-rural".into()),
                area: Some("north-hills".into()),
            }],
        )
        .await
        .expect("assigned");
}

/// Signs the device in and waits until the service worker controls the
/// page (from then on the app opens with no connection).
async fn sign_in(browser: &Browser, site: &Site, name: &str, password: &str) {
    browser.goto(&site.url("/field")).await;
    browser.type_into("#name", name).await;
    browser.type_into("#password", password).await;
    browser.type_into("#device-label", "test phone").await;
    browser.click("#sign-in").await;
    browser.find(&format!("#start-{CLUSTER}")).await;
    assert_eq!(browser.text("#signed-in-as").await, name);
    browser
        .wait_until(
            "the service worker controls the page",
            "return navigator.serviceWorker.controller !== null",
        )
        .await;
}

async fn wait_for_states(browser: &Browser, what: &str, expected: &[&str]) {
    let expected = serde_json::to_string(expected).expect("json");
    browser
        .wait_until(
            what,
            &format!(
                "return JSON.stringify([...document.querySelectorAll('li.interview')].map(li => li.dataset.state).sort()) === JSON.stringify({expected}.sort())"
            ),
        )
        .await;
}

/// From the home screen: starts an interview and stops on the step that
/// draws the respondent, with a one-member household (34, as the filling
/// helper answers).
async fn start_household(browser: &Browser) {
    browser.click(&format!("#start-{CLUSTER}")).await;
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(browser).await;
    assert!(
        browser.exists("#q-household").await,
        "an enumerator's interview lists the household first"
    );
    answer_current_step(browser).await;
    continue_to_next_step(browser).await;
    assert_eq!(browser.heading().await, "Who answers");
}

/// From the draw to the outbox: draws, answers every step, finishes.
async fn finish_from_draw(browser: &Browser) {
    browser.click("#draw").await;
    browser.find("#drawn").await;
    // The drawn member agrees before any question to them.
    browser.click("#respondent-agrees").await;
    continue_to_next_step(browser).await;
    let mut steps = 0;
    while !browser.exists("#submit").await {
        answer_current_step(browser).await;
        continue_to_next_step(browser).await;
        steps += 1;
        assert!(steps < 20, "the review never came");
    }
    browser.click("#submit").await;
    browser.find("#sync-status").await;
}

/// The page's own fragment-free reload (what a phone does when the tab is
/// brought back after the browser dropped it).
async fn reload(browser: &Browser) {
    browser.client.refresh().await.expect("reloads");
}

/// Waits until the step with this heading is on screen.
async fn wait_for_step(browser: &Browser, heading: &str) {
    browser
        .wait_until(
            heading,
            &format!(
                "const h = document.getElementById('step-heading'); return !!h && h.textContent === {}",
                serde_json::to_string(heading).expect("json")
            ),
        )
        .await;
}

/// The interviews the device lists, as the server stored them, with their ids.
async fn stored_interviews(browser: &Browser, site: &Site) -> Vec<(String, Value)> {
    let ids = browser
        .script("return [...document.querySelectorAll('li.interview')].map(li => li.id.replace('interview-', ''))")
        .await;
    let mut stored = Vec::new();
    for id in ids.as_array().expect("ids") {
        let id = id.as_str().expect("id").to_owned();
        let body = site
            .store
            .submission_body(id.parse().expect("uuid"))
            .await
            .expect("store")
            .expect("this device's interview is on the server");
        stored.push((id, serde_json::from_slice(&body).expect("json")));
    }
    stored
}

#[tokio::test]
async fn three_offline_interviews_survive_reloads_and_a_restart_and_arrive_once_each() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-1").await;
    let profile = tempfile::tempdir().expect("profile");
    let browser = Browser::with_profile(profile.path()).await;
    sign_in(&browser, &site, "enum-1", &password).await;
    browser.assert_accessible("field home").await;

    site.stop().await;
    browser.goto(&site.url("/field")).await;
    browser.find("#sync-now").await;
    for _ in 0..2 {
        start_household(&browser).await;
        browser.assert_accessible("drawing the respondent").await;
        finish_from_draw(&browser).await;
    }
    // The third is interrupted by a reload on the draw: it reopens there.
    start_household(&browser).await;
    reload(&browser).await;
    wait_for_step(&browser, "Who answers").await;
    assert_eq!(
        browser
            .script("return document.querySelectorAll('#eligible-members li').length")
            .await,
        1,
        "the household kept through the reload"
    );
    finish_from_draw(&browser).await;
    wait_for_states(&browser, "three queued", &["queued", "queued", "queued"]).await;
    browser
        .wait_until(
            "the device says it is waiting for the server",
            "return document.getElementById('sync-status').textContent.includes('No connection to the server')",
        )
        .await;
    browser.screenshot("field-offline-outbox").await;

    // Closed and reopened on the same profile, still offline.
    browser.close().await;
    let browser = Browser::with_profile(profile.path()).await;
    browser.goto(&site.url("/field")).await;
    wait_for_states(
        &browser,
        "three queued after a restart",
        &["queued", "queued", "queued"],
    )
    .await;
    assert_eq!(site.stored().await, 0);

    site.resume().await;
    browser.click("#sync-now").await;
    wait_for_states(&browser, "three sent", &["sent", "sent", "sent"]).await;
    browser.click("#sync-now").await;
    browser
        .wait_until(
            "nothing left",
            "return document.getElementById('sync-status').textContent.includes('Every finished interview')",
        )
        .await;
    assert_eq!(site.stored().await, 3, "each interview exactly once");
    for (id, submission) in stored_interviews(&browser, &site).await {
        assert_eq!(submission["channel"], "enumerator");
        assert_eq!(submission["enumerator_id"], "enum-1");
        assert_eq!(submission["cluster_id"], CLUSTER);
        assert_eq!(
            submission["respondent_selection"],
            serde_json::json!({"roster": "household", "eligible_rows": [0], "selected_row": 0})
        );
        let receipt = browser
            .text(&format!("[id='interview-{id}'] .receipt code"))
            .await;
        assert_eq!(receipt, id, "the receipt is shown");
    }
    // A sent interview reopened (an old link, Back) cannot be sent again changed.
    let (id, before) = stored_interviews(&browser, &site).await.remove(0);
    browser
        .goto(&site.url(&format!("/field#interview/{id}")))
        .await;
    browser.click("#submit").await;
    browser.find("#sync-now").await;
    wait_for_states(&browser, "still sent", &["sent", "sent", "sent"]).await;
    let (_, after) = stored_interviews(&browser, &site)
        .await
        .into_iter()
        .find(|(other, _)| *other == id)
        .expect("still listed");
    assert_eq!(after, before);
    assert_eq!(site.stored().await, 3);
    browser.close().await;
}

#[tokio::test]
async fn a_refused_interview_is_quarantined_with_its_reason_and_sent_once_put_right() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-2").await;
    // A second cluster: an enumerator with assignments is held to them.
    assign(&site, "enum-2", "ea-9").await;
    let browser = Browser::start().await;
    sign_in(&browser, &site, "enum-2", &password).await;
    start_household(&browser).await;
    // The supervisor takes the cluster back while the interview goes on.
    assert!(
        site.store
            .unassign("community-safety", CLUSTER, "enum-2")
            .await
            .expect("withdrawn")
    );
    finish_from_draw(&browser).await;
    wait_for_states(&browser, "quarantined", &["rejected"]).await;
    let reasons = browser.text("li.interview .problems").await;
    assert!(
        reasons.contains("cluster_id") && reasons.contains("not assigned to you"),
        "{reasons}"
    );
    browser.assert_accessible("quarantine").await;
    browser.screenshot("field-quarantine").await;
    assert_eq!(site.stored().await, 0);

    // Kept through a reload, then corrected (the cluster is given back) and sent.
    reload(&browser).await;
    wait_for_states(&browser, "still quarantined", &["rejected"]).await;
    assign(&site, "enum-2", CLUSTER).await;
    browser.click("li.interview a.button").await;
    browser.click("#submit").await;
    wait_for_states(&browser, "sent once corrected", &["sent"]).await;
    assert_eq!(site.stored().await, 1);
    browser.close().await;
}

/// A copy of the built client that a test can "redeploy".
fn copy_of_client(into: &Path) -> PathBuf {
    let dist = into.join("dist");
    copy_tree(&built_client(), &dist);
    dist
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copied");
        }
    }
}

/// A new build: another version of the worker and the page. Precompressed
/// variants go, so the edited files are what the server sends.
fn deploy_new_build(dist: &Path) -> String {
    let worker_path = dist.join("field-sw.js");
    let worker = std::fs::read_to_string(&worker_path).expect("worker");
    let start = worker.find("const BUILD = \"").expect("build line") + "const BUILD = \"".len();
    let old = &worker[start..start + 16];
    let new = "0000000000000000";
    assert_ne!(old, new);
    std::fs::write(&worker_path, worker.replacen(old, new, 1)).expect("worker written");
    let page_path = dist.join("field.html");
    let page = std::fs::read_to_string(&page_path).expect("page");
    std::fs::write(
        &page_path,
        page.replace("</body>", "<!-- build 2 --></body>"),
    )
    .expect("page");
    for file in ["field-sw.js", "field.html"] {
        for suffix in ["gz", "br"] {
            let _ = std::fs::remove_file(dist.join(format!("{file}.{suffix}")));
        }
    }
    format!("salama-field-{new}")
}

#[tokio::test]
async fn a_new_build_deployed_mid_fieldwork_keeps_drafts_and_the_outbox() {
    let folder = tempfile::tempdir().expect("folder");
    let dist = copy_of_client(folder.path());
    let site = Site::serving(dist.clone()).await;
    let password = enumerator(&site, "enum-3").await;
    let browser = Browser::start().await;
    sign_in(&browser, &site, "enum-3", &password).await;
    let caches = "const done = arguments[arguments.length - 1]; caches.keys().then(done);";
    let before: Vec<String> = serde_json::from_value(
        browser
            .client
            .execute_async(caches, vec![])
            .await
            .expect("caches"),
    )
    .expect("names");
    assert_eq!(before.len(), 1, "{before:?}");

    // One interview waiting in the outbox (offline), one draft.
    site.stop().await;
    start_household(&browser).await;
    finish_from_draw(&browser).await;
    start_household(&browser).await;
    browser.goto(&site.url("/field")).await;
    wait_for_states(&browser, "a draft and a queued one", &["draft", "queued"]).await;

    let new_cache = deploy_new_build(&dist);
    site.resume().await;
    browser.goto(&site.url("/field")).await;
    browser
        .wait_until(
            "the new build's cache replaced the old one",
            &format!(
                "if (!window.__names) {{ window.__names = []; }} caches.keys().then(n => window.__names = n); return window.__names.length === 1 && window.__names[0] === '{new_cache}'"
            ),
        )
        .await;
    reload(&browser).await;
    assert!(
        browser
            .script("return document.documentElement.innerHTML.includes('build 2')")
            .await
            == Value::Bool(true),
        "the page now comes from the new build"
    );
    wait_for_states(&browser, "after the update", &["draft", "sent"]).await;
    // The draft reopens where it was and is finished on the new build.
    browser
        .click("li.interview[data-state='draft'] a.button")
        .await;
    wait_for_step(&browser, "Who answers").await;
    finish_from_draw(&browser).await;
    wait_for_states(&browser, "both sent", &["sent", "sent"]).await;
    assert_eq!(site.stored().await, 2);
    browser.close().await;
}

#[tokio::test]
async fn a_thirty_member_household_is_listed_drawn_from_and_sent() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-4").await;
    let browser = Browser::start().await;
    sign_in(&browser, &site, "enum-4", &password).await;
    browser.click(&format!("#start-{CLUSTER}")).await;
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(&browser).await;
    // 30 members: two adults, then children and adults in turn.
    for row in 0..30 {
        browser.click("#q-household").await;
        let cell = |id: &str| format!("[id='q-household-{row}-{id}']");
        let relationship = if row == 0 {
            "mem_relationship".to_owned()
        } else {
            "mem_relationship-6".to_owned()
        };
        browser.click(&cell(&relationship)).await;
        browser
            .click(&cell(if row % 2 == 0 { "mem_sex" } else { "mem_sex-1" }))
            .await;
        let age = if row < 2 || row % 3 == 0 {
            20 + row
        } else {
            5 + row % 12
        };
        browser.type_into(&cell("mem_age"), &age.to_string()).await;
    }
    assert_eq!(
        browser
            .script("return document.querySelectorAll('fieldset.row').length")
            .await,
        30
    );
    assert!(
        browser
            .script("return document.getElementById('q-household').disabled")
            .await
            == Value::Bool(true),
        "the roster's limit (30) is reached"
    );
    answer_current_step(&browser).await;
    browser.assert_fits_screen("30 members").await;
    continue_to_next_step(&browser).await;
    let eligible = browser
        .script("return document.querySelectorAll('#eligible-members li').length")
        .await;
    // Rows 0, 1 and every third row are adults (20+); children 5–16 are not.
    let adults = (0..30).filter(|row| *row < 2 || row % 3 == 0).count()
        + (0..30)
            .filter(|row| !(*row < 2 || row % 3 == 0) && 5 + row % 12 >= 15)
            .count();
    assert_eq!(eligible, adults as u64);
    finish_from_draw(&browser).await;
    wait_for_states(&browser, "sent", &["sent"]).await;
    assert_eq!(site.stored().await, 1);
    browser.close().await;
}

#[tokio::test]
async fn a_version_published_mid_fieldwork_leaves_drafts_on_theirs() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-5").await;
    let browser = Browser::start().await;
    sign_in(&browser, &site, "enum-5", &password).await;
    start_household(&browser).await;
    let first_title = browser.text("h1").await;
    browser.goto(&site.url("/field")).await;
    wait_for_states(&browser, "a draft on the shipped version", &["draft"]).await;

    let mut second = salama_shared::community_safety();
    second.version += 1;
    second.title = salama_shared::text::Text(
        [(
            "en".to_owned(),
            "Community safety survey, second round".to_owned(),
        )]
        .into(),
    );
    let definition = second.to_json_pretty();
    salama_server::publishing::publish(&site.store, &second, &definition, "admin")
        .await
        .expect("a second version published");
    browser.click("#refresh-assignments").await;
    browser
        .wait_until(
            "assignments refreshed",
            "return document.getElementById('assignments-status').textContent.includes('up to date')",
        )
        .await;
    // A new interview is on the new version ...
    start_household(&browser).await;
    assert_eq!(
        browser.text("h1").await,
        "Community safety survey, second round"
    );
    finish_from_draw(&browser).await;
    // ... the draft reopens on the shipped version, where it was, and is sent as such.
    browser
        .click("li.interview[data-state='draft'] a.button")
        .await;
    wait_for_step(&browser, "Who answers").await;
    assert_eq!(browser.text("h1").await, first_title);
    finish_from_draw(&browser).await;
    wait_for_states(&browser, "both sent", &["sent", "sent"]).await;
    let mut versions: Vec<u64> = stored_interviews(&browser, &site)
        .await
        .iter()
        .map(|(_, submission)| submission["survey_version"].as_u64().expect("version"))
        .collect();
    versions.sort_unstable();
    let shipped = u64::from(salama_shared::default_survey::COMMUNITY_SAFETY_VERSION);
    assert_eq!(versions, [shipped, shipped + 1]);
    browser.close().await;
}

/// Clicks "Export" and returns the file's text, caught on its way to the
/// download (headless Chromium has no download folder to read back).
async fn export_outbox(browser: &Browser) -> String {
    browser
        .script(
            "window.__exported = [];
             const create = URL.createObjectURL;
             URL.createObjectURL = (blob) => { window.__exported.push(blob); return create.call(URL, blob); };",
        )
        .await;
    browser.click("#export").await;
    browser
        .wait_until("the export", "return window.__exported.length === 1")
        .await;
    let text = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; window.__exported[0].text().then(done);",
            vec![],
        )
        .await
        .expect("exported text");
    text.as_str().expect("text").to_owned()
}

#[tokio::test]
async fn an_outbox_exported_from_a_stuck_device_is_sent_from_another_exactly_once() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-6").await;
    let stuck_profile = tempfile::tempdir().expect("profile");
    let stuck = Browser::with_profile(stuck_profile.path()).await;
    sign_in(&stuck, &site, "enum-6", &password).await;
    site.stop().await;
    start_household(&stuck).await;
    finish_from_draw(&stuck).await;
    wait_for_states(&stuck, "queued on the stuck device", &["queued"]).await;
    let exported = export_outbox(&stuck).await;
    let file: Value = serde_json::from_str(&exported).expect("an outbox file is JSON");
    assert_eq!(file["format"], "salama-outbox");
    assert_eq!(file["interviews"].as_array().map(Vec::len), Some(1));
    // The household's visit (completed) travels with its interview.
    assert_eq!(file["visits"].as_array().map(Vec::len), Some(1), "{file:#}");
    assert_eq!(file["visits"][0]["visit"]["outcome"], "completed");
    assert!(
        file["definitions"][format!(
            "community-safety:{}",
            salama_shared::default_survey::COMMUNITY_SAFETY_VERSION
        )]
        .is_string(),
        "the file carries the survey version its interviews need"
    );
    let folder = tempfile::tempdir().expect("folder");
    let path = folder.path().join("outbox.json");
    std::fs::write(&path, &exported).expect("file written");

    // Another device, online, imports it (twice: the second adds nothing).
    site.resume().await;
    let other = Browser::start().await;
    sign_in(&other, &site, "enum-6", &password).await;
    for expected in [
        "1 interview(s) imported, 0 were already on this device. 1 household visit(s) imported.",
        "0 interview(s) imported, 1 were already on this device",
    ] {
        other
            .find("#import")
            .await
            .send_keys(&path.display().to_string())
            .await
            .expect("file chosen");
        other
            .wait_until(
                expected,
                &format!(
                    "return document.getElementById('device-message').textContent.includes('{expected}')"
                ),
            )
            .await;
        wait_for_states(&other, "sent from the other device", &["sent"]).await;
    }
    assert_eq!(site.stored().await, 1);

    // The stuck device comes back: its own copy gets the same receipt.
    stuck.click("#sync-now").await;
    wait_for_states(&stuck, "sent from the stuck device too", &["sent"]).await;
    assert_eq!(
        stuck.text("li.interview .receipt code").await,
        other.text("li.interview .receipt code").await
    );
    assert_eq!(site.stored().await, 1, "one interview, stored once");
    let visits = site
        .store
        .survey_visits("community-safety")
        .await
        .expect("visits");
    assert_eq!(visits.len(), 1, "one visit, stored once");
    stuck.close().await;
    other.close().await;
}

#[tokio::test]
async fn one_tap_hides_the_interview_behind_a_neutral_screen_and_back() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-7").await;
    let browser = Browser::start().await;
    sign_in(&browser, &site, "enum-7", &password).await;
    start_household(&browser).await;
    browser.click("#quick-exit").await;
    browser
        .wait_until(
            "the neutral screen",
            "return document.querySelector('h1') && document.querySelector('h1').textContent === 'Today'",
        )
        .await;
    let shown = browser.text("body").await;
    for word in ["survey", "household", "Salama", "interview"] {
        assert!(
            !shown.to_lowercase().contains(&word.to_lowercase()),
            "the neutral screen says `{word}`: {shown}"
        );
    }
    assert_eq!(browser.script("return document.title").await, "Today");
    browser.assert_accessible("neutral screen").await;
    browser.click("main a").await;
    wait_for_step(&browser, "Who answers").await;
    assert_eq!(
        browser
            .script("return document.querySelectorAll('#eligible-members li').length")
            .await,
        1,
        "nothing was lost"
    );
    // In Arabic, the device's own screens follow, right to left.
    browser
        .find("#language")
        .await
        .select_by_value("ar")
        .await
        .expect("the survey has Arabic");
    browser.click("#to-list").await;
    browser
        .wait_until(
            "the list in Arabic",
            "const b = document.getElementById('sync-now'); return !!b && b.textContent === 'مزامنة الآن'",
        )
        .await;
    assert_eq!(
        browser.script("return document.documentElement.dir").await,
        "rtl"
    );
    wait_for_states(&browser, "the draft kept", &["draft"]).await;
    browser.assert_accessible("the field home in Arabic").await;
    browser.assert_fits_screen("the field home in Arabic").await;
    browser.close().await;
}

/// The same words in the default questionnaire's three languages.
fn everywhere(text: &str) -> Value {
    serde_json::json!({"en": text, "fr": text, "ar": text})
}

/// Publishes the default questionnaire's next version with one more
/// section at its end and, for it, more choice lists.
async fn publish_with_section(site: &Site, section: Value, lists: &[Value]) {
    let mut survey = serde_json::to_value(salama_shared::community_safety()).expect("json");
    survey["version"] =
        serde_json::json!(salama_shared::default_survey::COMMUNITY_SAFETY_VERSION + 1);
    survey["sections"]
        .as_array_mut()
        .expect("sections")
        .push(section);
    survey["choice_lists"]
        .as_array_mut()
        .expect("lists")
        .extend_from_slice(lists);
    let definition = survey.to_string();
    let survey = salama_shared::Survey::from_json(&definition).expect("survey");
    assert_eq!(survey.check(), vec![]);
    salama_server::publishing::publish(&site.store, &survey, &definition, "admin")
        .await
        .expect("published");
}

/// The default questionnaire's next version, with a violence-against-women
/// module asked of one woman aged 15–49 drawn in each household.
async fn publish_violence_module(site: &Site) {
    let section = serde_json::json!({
        "id": "vaw",
        "title": everywhere("Your relationships"),
        "sensitive": true,
        "drawn_among": "${mem_sex} = 'female' and ${mem_age} >= 15 and ${mem_age} <= 49",
        "referrals": everywhere("Women's helpline: call 116, free, day and night."),
        "questions": [{
            "id": "vaw_1",
            "label": everywhere("Has a partner ever hit you?"),
            "kind": {"type": "yes_no"},
            "required": true
        }]
    });
    publish_with_section(site, section, &[]).await;
}

/// From the draw of the respondent, answering every step until `css` is
/// on screen.
async fn answer_from_the_draw_until(browser: &Browser, css: &str) {
    browser.click("#draw").await;
    browser.find("#drawn").await;
    // The drawn member agrees before any question to them.
    browser.click("#respondent-agrees").await;
    continue_to_next_step(browser).await;
    let mut steps = 0;
    while !browser.exists(css).await {
        answer_current_step(browser).await;
        continue_to_next_step(browser).await;
        steps += 1;
        assert!(steps < 20, "{css} never came");
    }
}

/// From the draw of the respondent to the module's own draw.
async fn answer_until_the_module(browser: &Browser) {
    answer_from_the_draw_until(browser, "#module-draw").await;
    assert_eq!(browser.heading().await, "Who answers the next part");
}

#[tokio::test]
async fn the_violence_module_is_asked_of_a_drawn_woman_only_once_privacy_is_confirmed() {
    let site = Site::start().await;
    publish_violence_module(&site).await;
    let password = enumerator(&site, "enum-8").await;
    let browser = Browser::start().await;
    sign_in(&browser, &site, "enum-8", &password).await;

    // Privacy confirmed: the module, then where to find help.
    start_household(&browser).await;
    answer_until_the_module(&browser).await;
    browser.click("#module-draw").await;
    assert!(browser.text("#module-drawn").await.contains("Member 1"));
    browser.click("#module-privacy-yes").await;
    browser
        .assert_accessible("the module's privacy check")
        .await;
    continue_to_next_step(&browser).await;
    assert_eq!(browser.heading().await, "Your relationships");
    assert!(
        browser.exists("#quick-exit").await,
        "one tap away from a neutral screen"
    );
    answer_current_step(&browser).await;
    continue_to_next_step(&browser).await;
    assert_eq!(browser.heading().await, "Where to find help");
    assert!(browser.text("#referrals").await.contains("116"));
    continue_to_next_step(&browser).await;
    browser.click("#submit").await;
    browser.find("#sync-status").await;

    // Not alone with her: the module is skipped.
    start_household(&browser).await;
    answer_until_the_module(&browser).await;
    browser.click("#module-draw").await;
    browser.click("#module-privacy-no").await;
    continue_to_next_step(&browser).await;
    assert!(browser.exists("#submit").await, "straight to the review");
    browser.click("#submit").await;
    wait_for_states(&browser, "both sent", &["sent", "sent"]).await;

    let mut seen = Vec::new();
    for (_, submission) in stored_interviews(&browser, &site).await {
        assert_eq!(
            submission["survey_version"],
            salama_shared::default_survey::COMMUNITY_SAFETY_VERSION + 1
        );
        let draw = &submission["module_draws"][0];
        assert_eq!(draw["section"], "vaw");
        assert_eq!(draw["eligible_rows"], serde_json::json!([0]));
        let confirmed = draw["privacy_confirmed"].as_bool().expect("recorded");
        assert_eq!(
            submission["answers"].get("vaw_1").is_some(),
            confirmed,
            "module answers only with privacy confirmed"
        );
        seen.push(confirmed);
    }
    seen.sort_unstable();
    assert_eq!(seen, [false, true]);
    browser.close().await;
}

/// What XLSForms bring, in the field app: a cascade by `choice_filter`, a
/// pattern checked by `regex()`, an answer shown inside a later text.
async fn publish_incident_section(site: &Site) {
    let choice = |value: &str, region: &str| serde_json::json!({"value": value, "label": everywhere(value), "columns": {"region": region}});
    let lists = [
        serde_json::json!({"id": "inc_regions", "choices": [
            {"value": "north", "label": everywhere("North")},
            {"value": "south", "label": everywhere("South")},
        ]}),
        serde_json::json!({"id": "inc_places", "choices": [
            choice("market", "north"), choice("home", "north"), choice("school", "south"),
        ]}),
    ];
    let section = serde_json::json!({
        "id": "incident",
        "title": everywhere("The last incident"),
        "questions": [
            {"id": "inc_region", "label": everywhere("In which region?"),
             "kind": {"type": "single", "list": "inc_regions"}},
            {"id": "inc_place", "label": everywhere("Where there?"),
             "kind": {"type": "single", "list": "inc_places"},
             "choice_filter": "region = ${inc_region}"},
            {"id": "inc_badge", "label": everywhere("The officer's badge number"),
             "kind": {"type": "text", "max_length": 10},
             "constraint": "regex(., '^[A-Z]{2}[0-9]{3}$')",
             "constraint_message": everywhere("Two capital letters, then three digits")},
            {"id": "inc_said", "label": everywhere("You said: ${inc_badge}."),
             "kind": {"type": "note"}},
        ]
    });
    publish_with_section(site, section, &lists).await;
}

/// The values of the options of a choice question that are on screen.
async fn options_shown(browser: &Browser, question: &str) -> Value {
    browser
        .script(&format!(
            "return [...document.querySelectorAll('input[name=\"q-{question}\"]')].filter(i => i.offsetParent !== null).map(i => i.value)"
        ))
        .await
}

#[tokio::test]
async fn an_enumerator_meets_a_cascade_a_pattern_and_an_answer_in_a_label() {
    let site = Site::start().await;
    publish_incident_section(&site).await;
    let password = enumerator(&site, "enum-9").await;
    let browser = Browser::start().await;
    sign_in(&browser, &site, "enum-9", &password).await;
    start_household(&browser).await;
    answer_from_the_draw_until(&browser, "#q-inc_region").await;

    browser.click("#q-inc_region").await;
    assert_eq!(
        options_shown(&browser, "inc_place").await,
        serde_json::json!(["market", "home"])
    );
    browser.click("#q-inc_place-1").await;
    // Another region: its places only, and the place chosen is cleared.
    browser.click("#q-inc_region-1").await;
    assert_eq!(
        options_shown(&browser, "inc_place").await,
        serde_json::json!(["school"])
    );
    assert_eq!(
        browser
            .script("return [...document.querySelectorAll('input[name=\"q-inc_place\"]')].some(i => i.checked)")
            .await,
        Value::Bool(false)
    );
    browser.click("#q-inc_place-2").await;

    let error = browser
        .refused("inc_badge", "ab123", "#q-inc_place-2")
        .await;
    assert!(error.contains("Two capital letters"), "{error}");
    browser
        .accepted("inc_badge", "AB123", "#q-inc_place-2")
        .await;
    browser
        .wait_until(
            "the note shows the badge",
            "return (document.getElementById('q-inc_said') || {}).textContent === 'You said: AB123.'",
        )
        .await;
    browser.assert_accessible("a filtered list").await;
    continue_to_next_step(&browser).await;
    browser.click("#submit").await;
    wait_for_states(&browser, "sent", &["sent"]).await;
    let (_, submission) = stored_interviews(&browser, &site).await.remove(0);
    assert_eq!(submission["answers"]["inc_region"], "south");
    assert_eq!(submission["answers"]["inc_place"], "school");
    assert_eq!(submission["answers"]["inc_badge"], "AB123");
    browser.close().await;
}

/// Starts an interview and goes back to the list; returns its id.
async fn leave_a_draft(browser: &Browser) -> String {
    browser.click(&format!("#start-{CLUSTER}")).await;
    browser.find("[id='consent.respondent']").await;
    browser.click("#to-list").await;
    browser.find(".interview[data-state=draft]").await;
    browser
        .script("return document.querySelector('.interview[data-state=draft]').id.slice('interview-'.length)")
        .await
        .as_str()
        .expect("an interview id")
        .to_owned()
}

#[tokio::test]
async fn signing_in_names_what_is_missing_and_no_work_is_lost_without_asking() {
    let site = Site::start().await;
    let password = enumerator(&site, "enum-6").await;
    let browser = Browser::start().await;
    browser.goto(&site.url("/field")).await;
    // Empty fields are named, not taken for a wrong password.
    browser.click("#sign-in").await;
    assert_eq!(
        browser.text("#sign-in-error").await,
        "Enter your user name."
    );
    browser.type_into("#name", "enum-6").await;
    browser.click("#sign-in").await;
    assert_eq!(
        browser.text("#sign-in-error").await,
        "Enter the password you were given."
    );
    assert_eq!(
        browser.script("return document.activeElement.id").await,
        "password"
    );
    // The inputs are laid out as the form's: full width, thumb-sized.
    let height = browser
        .script("return document.getElementById('password').getBoundingClientRect().height")
        .await;
    assert!(height.as_f64().is_some_and(|h| h >= 44.0), "{height}");
    // The language is chosen before signing in.
    browser
        .find("#language")
        .await
        .select_by_value("fr")
        .await
        .expect("French");
    browser
        .wait_until(
            "the sign-in in French",
            "return document.documentElement.lang === 'fr' && document.getElementById('step-heading')?.textContent.includes('appareil')",
        )
        .await;
    browser.assert_accessible("field sign-in in French").await;
    browser
        .find("#language")
        .await
        .select_by_value("en")
        .await
        .expect("English");
    sign_in(&browser, &site, "enum-6", &password).await;

    // A draft the enumerator will not finish is discarded after a question.
    let id = leave_a_draft(&browser).await;
    browser.click(&format!("#discard-{id}")).await;
    browser.find(&format!("#discard-confirm-{id}")).await;
    browser.assert_accessible("discarding a draft").await;
    browser.click(&format!("#discard-confirm-{id}")).await;
    browser
        .wait_until(
            "the draft gone",
            "return document.querySelectorAll('.interview').length === 0",
        )
        .await;
    assert_eq!(
        browser.text("#device-message").await,
        "The interview was discarded."
    );

    // Signing out with an interview unsent asks first; Cancel keeps all.
    leave_a_draft(&browser).await;
    browser.click("#sign-out").await;
    let question = browser.text("#sign-out-question").await;
    assert!(
        question.starts_with("1 interview(s) on this device are not sent yet."),
        "{question}"
    );
    browser.click("#sign-out-cancel").await;
    assert_eq!(browser.text("#signed-in-as").await, "enum-6");
    browser.click("#sign-out").await;
    browser.click("#sign-out-confirm").await;
    browser.find("#name").await;
    browser.close().await;
}

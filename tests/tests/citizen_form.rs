//! A citizen fills the public form in a real browser (headless Chromium on a
//! phone-sized window) against a real server.

use salama_tests::filling::{answer_current_step, continue_to_next_step};
use salama_tests::{Browser, Site};
use serde_json::Value;

const FORM: &str = "/s/community-safety";

/// From the consent step to the review, answering everything; checks each
/// step with axe-core and photographs the first section.
async fn fill_to_review(browser: &Browser, label: &str) {
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(browser).await;
    let mut step = 0;
    while !browser.exists("#submit").await {
        answer_current_step(browser).await;
        browser
            .assert_accessible(&format!("{label} step {step}"))
            .await;
        browser
            .assert_fits_screen(&format!("{label} step {step}"))
            .await;
        if step == 0 {
            browser.screenshot(&format!("form-{label}")).await;
        }
        continue_to_next_step(browser).await;
        step += 1;
        assert!(step < 20, "the review never came");
    }
    browser.assert_accessible(&format!("{label} review")).await;
}

async fn submit_and_read_receipt(browser: &Browser, site: &Site, label: &str) -> String {
    browser.click("#submit").await;
    let number = browser.text("#receipt-number").await;
    browser.assert_accessible(&format!("{label} receipt")).await;
    browser.screenshot(&format!("receipt-{label}")).await;
    let id = number
        .parse()
        .expect("the receipt number is the submission id");
    let stored = site
        .store
        .receipt(id)
        .await
        .expect("store")
        .expect("stored");
    assert_eq!(stored.submission_id.to_string(), number);
    number
}

#[tokio::test]
async fn citizen_completes_the_questionnaire_in_english() {
    let site = Site::start().await;
    let browser = Browser::start().await;
    browser.goto(&site.url("/")).await;
    browser.assert_accessible("survey list").await;
    browser.click("ul.surveys a").await;
    browser.find("[id='consent.respondent']").await;
    assert_eq!(
        browser.script("return document.documentElement.dir").await,
        "ltr"
    );
    // Sensitive sections: the safety notice and Quick exit, first in tab order.
    assert!(browser.exists(".notice").await);
    let first_focusable = browser
        .script("return document.querySelector('button, a[href], input, select, textarea').id")
        .await;
    assert_eq!(first_focusable, "quick-exit");
    browser.assert_accessible("consent").await;
    assert_eq!(browser.script("return window.innerWidth").await, 320);
    browser.screenshot("consent-en").await;
    fill_to_review(&browser, "en").await;
    submit_and_read_receipt(&browser, &site, "en").await;
    assert_eq!(site.stored().await, 1);
    // The receipt keeps a Quick exit, and took the form's place in the
    // history: Back leads to the list, not to the survey.
    assert!(browser.exists("#quick-exit").await);
    browser.client.back().await.expect("back");
    browser
        .wait_until("the survey list", "return location.pathname === '/'")
        .await;
    browser.close().await;
}

/// A copy of the built client without the form's WebAssembly, as a phone
/// on a slow line has it for seconds after the page arrives.
fn client_without_its_wasm() -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("folder");
    let built = salama_tests::built_client();
    for entry in walk(&built) {
        let relative = entry.strip_prefix(&built).expect("inside");
        let target = copy.path().join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("folders");
        let name = relative.to_string_lossy();
        if !(name.starts_with("assets/salama-") && name.contains(".wasm")) {
            std::fs::copy(&entry, &target).expect("copied");
        }
    }
    copy
}

fn walk(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(folder)
        .expect("readable")
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

#[tokio::test]
async fn quick_exit_works_before_the_app_arrives() {
    let client = client_without_its_wasm();
    let site = Site::serving(client.path().to_owned()).await;
    let browser = Browser::start().await;
    browser.goto(&site.url("/")).await;
    browser.goto(&site.url(&format!("{FORM}?lang=fr"))).await;
    // No app: the page as the server wrote it, in the language asked for.
    assert_eq!(browser.text("#shell-exit").await, "Sortie rapide");
    assert_eq!(
        browser.text("#shell-page [role=status]").await,
        "Chargement…"
    );
    assert_eq!(
        browser.script("return document.documentElement.lang").await,
        "fr"
    );
    browser.screenshot("form-before-the-app").await;
    browser.assert_accessible("form before the app").await;
    browser.click("#shell-exit").await;
    browser
        .wait_until("the neutral page", "return location.pathname === '/today'")
        .await;
    // It replaced the survey's page: Back leads past it.
    browser.client.back().await.expect("back");
    browser
        .wait_until("the page before", "return location.pathname === '/'")
        .await;
    browser.close().await;

    // With the app, its own Quick exit takes the page's place, and the
    // language the link asks for is the form's.
    let site = Site::start().await;
    let browser = Browser::start().await;
    browser.goto(&site.url(&format!("{FORM}?lang=ar"))).await;
    browser.find("[id='consent.respondent']").await;
    assert_eq!(
        browser
            .script("return [document.documentElement.lang, document.documentElement.dir]")
            .await,
        serde_json::json!(["ar", "rtl"])
    );
    assert_eq!(browser.text("#quick-exit").await, "خروج سريع");
    assert!(!browser.exists("#shell-exit").await);
    assert!(!browser.exists("#shell-page").await);
    browser.close().await;
}

#[tokio::test]
async fn citizen_completes_the_questionnaire_in_arabic() {
    let (site, browser) = open_form().await;
    choose_language(&browser, "ar").await;
    browser
        .wait_until(
            "right-to-left layout",
            "return document.documentElement.dir === 'rtl'",
        )
        .await;
    assert_eq!(
        browser.script("return document.documentElement.lang").await,
        "ar"
    );
    assert_eq!(browser.heading().await, "قبل أن نبدأ");
    assert_eq!(browser.text("#quick-exit").await, "خروج سريع");
    fill_to_review(&browser, "ar").await;
    let number = submit_and_read_receipt(&browser, &site, "ar").await;
    let submission = site.submission(&number).await;
    assert_eq!(submission["language"], "ar");
    assert_eq!(site.stored().await, 1);
    browser.close().await;
}

/// A new server and browser, on the default questionnaire's form.
async fn open_form() -> (Site, Browser) {
    let site = Site::start().await;
    let browser = Browser::start().await;
    browser.goto(&site.url(FORM)).await;
    (site, browser)
}

/// Picks a language in the switch and waits for the page to follow.
async fn choose_language(browser: &Browser, tag: &str) {
    browser
        .find("#language")
        .await
        .select_by_value(tag)
        .await
        .expect("the survey has this language");
    browser
        .wait_until(
            tag,
            &format!("return document.documentElement.lang === '{tag}'"),
        )
        .await;
}

/// Types the respondent's age, then leaves the box so the answer is committed.
async fn enter_age(browser: &Browser, age: &str) {
    browser.type_into("#q-resp_age", age).await;
    browser.click("#q-resp_sex").await;
}

/// Consents and answers steps until the question `id` is on screen.
async fn advance_to(browser: &Browser, id: &str) {
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(browser).await;
    for _ in 0..20 {
        if browser.exists(&format!("[id='q-{id}']")).await {
            return;
        }
        answer_current_step(browser).await;
        continue_to_next_step(browser).await;
    }
    panic!("question {id} never came");
}

async fn is_shown(browser: &Browser, id: &str) -> bool {
    browser.exists(&format!("[id='q-{id}']")).await
}

#[tokio::test]
async fn skip_logic_shows_and_hides_follow_up_questions() {
    let (_site, browser) = open_form().await;
    advance_to(&browser, "saf_1").await;
    assert!(
        !is_shown(&browser, "saf_1b").await,
        "no follow-up before an answer"
    );
    // "never" walks alone: SAF-1b asks why.
    browser.click("input[name='q-saf_1'][value='never']").await;
    browser.find("[id='q-saf_1b']").await;
    assert!(!is_shown(&browser, "saf_1c").await);
    // Unsafe: SAF-1b goes, SAF-1c (what makes you feel unsafe) comes.
    browser
        .click("input[name='q-saf_1'][value='very_unsafe']")
        .await;
    browser.find("[id='q-saf_1c']").await;
    assert!(!is_shown(&browser, "saf_1b").await);
    browser.close().await;
}

#[tokio::test]
async fn an_impossible_age_shows_its_error_and_blocks_the_way_on() {
    let (site, browser) = open_form().await;
    advance_to(&browser, "resp_age").await;
    let step = browser.heading().await;
    enter_age(&browser, "200").await;
    let error = browser.text("[id='q-resp_age-error']").await;
    assert!(error.contains("120"), "the limit is named: {error}");
    let age = browser.find("#q-resp_age").await;
    assert_eq!(
        age.attr("aria-invalid").await.expect("attr").as_deref(),
        Some("true")
    );
    let described_by = age
        .attr("aria-describedby")
        .await
        .expect("attr")
        .unwrap_or_default();
    assert!(described_by.contains("q-resp_age-error"), "{described_by}");
    // Continue is refused: the step stays, with a summary linking to the error.
    browser.click("form.step button[type=submit]").await;
    browser.find("#error-summary").await;
    assert_eq!(browser.heading().await, step);
    assert!(browser.text("#error-summary").await.contains("120"));
    browser.assert_accessible("a step with errors").await;
    // Mended, the form goes on.
    browser.type_into("#q-resp_age", "34").await;
    answer_current_step(&browser).await;
    continue_to_next_step(&browser).await;
    assert_ne!(browser.heading().await, step);
    assert_eq!(site.stored().await, 0);
    browser.close().await;
}

#[tokio::test]
async fn submit_clicked_twice_and_a_lost_answer_store_one_submission() {
    let (site, browser) = open_form().await;
    fill_to_review(&browser, "twice").await;
    // The first POST reaches the server but its answer is lost on the way
    // back: the client must retry with the same submission id.
    browser
        .script(
            r#"const real = window.fetch;
            window.salamaPosts = 0;
            window.fetch = async (...args) => {
              const request = args[0];
              const method = request instanceof Request ? request.method : (args[1] || {}).method;
              const response = await real(...args);
              if (method === 'POST' && window.salamaPosts++ === 0) throw new TypeError('connection lost');
              return response;
            };
            const button = document.getElementById('submit');
            button.click();
            button.click();
            return true;"#,
        )
        .await;
    browser.find("#receipt-number").await;
    let posts = browser.script("return window.salamaPosts").await;
    assert_eq!(
        posts, 2,
        "one lost answer, one retry; the second click sent nothing"
    );
    assert_eq!(site.stored().await, 1);
    browser.close().await;
}

#[tokio::test]
async fn declining_consent_sends_and_stores_nothing() {
    let (site, browser) = open_form().await;
    browser.find("[id='consent.respondent']").await;
    browser
        .script(
            r#"const real = window.fetch;
            window.salamaRequests = [];
            window.fetch = (...args) => { window.salamaRequests.push(String(args[0].url || args[0])); return real(...args); };
            return true;"#,
        )
        .await;
    browser.click("[id='consent.respondent-no']").await;
    browser.click("form.step button[type=submit]").await;
    let heading = browser.heading().await;
    assert_eq!(heading, "Thank you");
    assert!(browser.text("main").await.contains("Nothing was recorded"));
    assert_eq!(
        browser.script("return window.salamaRequests.length").await,
        0
    );
    assert_eq!(site.stored().await, 0);
    browser.close().await;
}

#[tokio::test]
async fn quick_exit_leaves_no_answer_on_screen_or_behind_back() {
    let site = Site::start().await;
    let browser = Browser::start().await;
    browser.goto(&site.url("/")).await;
    browser.click("ul.surveys a").await;
    advance_to(&browser, "resp_age").await;
    enter_age(&browser, "47").await;
    browser.click("#quick-exit").await;
    browser
        .wait_until("the neutral page", "return location.pathname === '/today'")
        .await;
    let page = browser.text("body").await;
    assert!(!page.contains("47"), "{page}");
    assert!(!page.to_lowercase().contains("safety"), "{page}");
    assert_eq!(browser.script("return document.title").await, "Today");
    // The form's history entry was replaced: Back leads past it, and nothing
    // answered survives (the answers lived only in memory).
    browser.client.back().await.expect("back");
    browser
        .wait_until("the previous page", "return location.pathname !== '/today'")
        .await;
    assert_ne!(browser.script("return location.pathname").await, FORM);
    let values = browser
        .script("return [...document.querySelectorAll('input')].filter(i => i.checked || (i.type === 'text' && i.value)).length")
        .await;
    assert_eq!(values, 0);
    assert_eq!(site.stored().await, 0);
    browser.close().await;
}

#[tokio::test]
async fn the_form_speaks_french_down_to_its_error_messages() {
    let (_site, browser) = open_form().await;
    choose_language(&browser, "fr").await;
    assert_eq!(
        browser.script("return document.documentElement.dir").await,
        "ltr"
    );
    assert_eq!(browser.heading().await, "Avant de commencer");
    assert_eq!(browser.text("#quick-exit").await, "Sortie rapide");
    assert!(
        browser
            .text("#progress-label")
            .await
            .starts_with("Étape 1 sur")
    );
    advance_to(&browser, "resp_age").await;
    enter_age(&browser, "200").await;
    let error = browser.text("[id='q-resp_age-error']").await;
    assert!(error.contains("au plus 120"), "{error}");
    browser.assert_accessible("French respondent step").await;
    browser.close().await;
}

/// WebDriver key codes.
const TAB: &str = "\u{E004}";
const SPACE: &str = "\u{E00D}";
const ENTER: &str = "\u{E007}";

async fn press(browser: &Browser, keys: &str) {
    let focused = browser
        .client
        .active_element()
        .await
        .expect("a focused element");
    focused.send_keys(keys).await.expect("keys pressed");
}

async fn focused_id(browser: &Browser) -> Value {
    browser.script("return document.activeElement.id").await
}

#[tokio::test]
async fn the_form_works_with_the_keyboard_alone() {
    let (_site, browser) = open_form().await;
    browser.find("[id='consent.respondent']").await;
    press(&browser, TAB).await;
    assert_eq!(
        focused_id(&browser).await,
        "quick-exit",
        "Quick exit comes first"
    );
    press(&browser, TAB).await;
    assert_eq!(focused_id(&browser).await, "language");
    press(&browser, TAB).await;
    assert_eq!(focused_id(&browser).await, "consent.respondent");
    press(&browser, SPACE).await;
    press(&browser, TAB).await;
    press(&browser, ENTER).await;
    browser
        .wait_until(
            "the first section",
            "return document.getElementById('step-heading')?.textContent !== 'Before we start'",
        )
        .await;
    assert_eq!(
        focused_id(&browser).await,
        "step-heading",
        "focus moves to the new step"
    );
    // The first question takes arrow keys and Space like any radio group.
    press(&browser, TAB).await;
    assert_eq!(focused_id(&browser).await, "q-resp_sex");
    press(&browser, SPACE).await;
    let checked = browser
        .script("return document.getElementById('q-resp_sex').checked")
        .await;
    assert_eq!(checked, true);
    browser.close().await;
}

/// A survey team's own XLSForm using what real household forms use: a
/// region → district cascade by `choice_filter`, a label naming an earlier
/// answer (`${name}`), a `regex()` constraint, and the appearances
/// `minimal` (a drop-down) and `multiline` (a text area).
fn markets_xlsform() -> Vec<u8> {
    let sheets: [(&str, Vec<Vec<&str>>); 3] = [
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "choice_filter",
                    "constraint",
                    "constraint_message",
                    "required",
                    "appearance",
                ],
                vec!["begin_group", "market", "Your market", "", "", "", ""],
                vec![
                    "text",
                    "name",
                    "What is your first name?",
                    "",
                    "",
                    "",
                    "yes",
                ],
                vec!["select_one region", "region", "Region", "", "", "", "yes"],
                vec![
                    "select_one district",
                    "district",
                    "District",
                    "region=${region}",
                    "",
                    "",
                    "yes",
                ],
                vec![
                    "text",
                    "phone",
                    "Which number reaches ${name}?",
                    "",
                    "regex(., '^0[0-9]{9}$')",
                    "Ten digits, starting with 0",
                    "yes",
                ],
                vec![
                    "select_one stall",
                    "stall",
                    "Where do you sell from?",
                    "",
                    "",
                    "",
                    "yes",
                    "minimal",
                ],
                vec![
                    "text",
                    "worry",
                    "What worries you there?",
                    "",
                    "",
                    "",
                    "",
                    "multiline",
                ],
                vec!["end_group", "", "", "", "", "", ""],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label", "region"],
                vec!["region", "north", "North", ""],
                vec!["region", "south", "South", ""],
                vec!["district", "hills", "Hills", "north"],
                vec!["district", "river", "River", "north"],
                vec!["district", "coast", "Coast", "south"],
                vec!["stall", "street", "The street", ""],
                vec!["stall", "shop", "A shop", ""],
            ],
        ),
        (
            "settings",
            vec![
                vec![
                    "form_id",
                    "form_title",
                    "version",
                    "public",
                    "consent_script",
                    "consent_question",
                ],
                vec![
                    "markets",
                    "Market safety",
                    "1",
                    "yes",
                    "We ask about your market. Answers are confidential.",
                    "Do you agree to take part?",
                ],
            ],
        ),
    ];
    salama_tests::workbook(&sheets)
}

/// The district options the respondent can see.
async fn districts_shown(browser: &Browser) -> Value {
    browser
        .script("return [...document.querySelectorAll(\"input[name='q-district']\")].filter(i => i.offsetParent !== null).map(i => i.value)")
        .await
}

#[tokio::test]
async fn a_published_xlsform_cascades_names_the_respondent_and_checks_a_pattern() {
    let site = Site::start().await;
    let imported = salama_server::xlsform::import(&markets_xlsform(), "markets.xlsx")
        .unwrap_or_else(|problems| panic!("{problems:#?}"));
    let definition = imported.survey.to_json_pretty();
    salama_server::publishing::publish(&site.store, &imported.survey, &definition, "admin")
        .await
        .expect("published");
    let browser = Browser::start().await;
    browser.goto(&site.url("/s/markets")).await;
    browser.click("[id='consent.respondent']").await;
    continue_to_next_step(&browser).await;

    // Nothing to choose among districts before a region is chosen.
    assert_eq!(districts_shown(&browser).await, serde_json::json!([]));
    browser.type_into("#q-name", "Amina").await;
    browser
        .wait_until(
            "the label naming the respondent",
            "return document.querySelector(\"label[for='q-phone']\").textContent.includes('Which number reaches Amina?')",
        )
        .await;
    browser.click("input[name='q-region'][value='north']").await;
    browser
        .wait_until(
            "the districts of the north",
            "return document.querySelectorAll(\"input[name='q-district']\")[0].offsetParent !== null",
        )
        .await;
    assert_eq!(
        districts_shown(&browser).await,
        serde_json::json!(["hills", "river"])
    );
    browser
        .click("input[name='q-district'][value='river']")
        .await;
    // Another region: the district chosen is no longer offered, and goes.
    browser.click("input[name='q-region'][value='south']").await;
    browser
        .wait_until(
            "the district cleared",
            "return !document.querySelector(\"input[name='q-district']:checked\")",
        )
        .await;
    assert_eq!(
        districts_shown(&browser).await,
        serde_json::json!(["coast"])
    );
    browser
        .click("input[name='q-district'][value='coast']")
        .await;
    browser.assert_accessible("cascade").await;

    // The pattern refuses a wrong number with the form's own message.
    let error = browser.refused("phone", "12345", "#q-name").await;
    assert!(error.contains("Ten digits, starting with 0"), "{error}");
    browser.accepted("phone", "0712345678", "#q-name").await;

    // `minimal`: a drop-down; `multiline`: a text area.
    let tag = |id: &str| format!("return document.getElementById('q-{id}').tagName");
    assert_eq!(browser.script(&tag("stall")).await, "SELECT");
    assert_eq!(browser.script(&tag("worry")).await, "TEXTAREA");
    browser
        .script(
            "const s = document.getElementById('q-stall'); s.value = 'shop'; s.dispatchEvent(new Event('change', {bubbles: true})); return true",
        )
        .await;
    browser.type_into("#q-worry", "Theft at night").await;
    browser.click("#q-name").await;
    browser
        .assert_accessible("a drop-down and a text area")
        .await;
    continue_to_next_step(&browser).await;
    let review = browser.text("main").await;
    assert!(review.contains("Which number reaches Amina?"), "{review}");
    assert!(review.contains("A shop"), "{review}");
    browser.click("#submit").await;
    let number = browser.text("#receipt-number").await;
    let submission = site.submission(&number).await;
    assert_eq!(
        submission["answers"],
        serde_json::json!({"name": "Amina", "region": "south", "district": "coast", "phone": "0712345678", "stall": "shop", "worry": "Theft at night"})
    );
    browser.close().await;
}

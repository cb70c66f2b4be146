//! The console's people and audit pages, from a fresh server: the first
//! admin chooses their password, creates an enumerator and an analyst
//! (each one-time password shown once, on a sign-in sheet too), a phone
//! is signed in through the API and then revoked from the list (its next
//! sync refused), the analyst is revoked, and the audit log finds both
//! revocations, its CSV link carrying the search. Sections keep their
//! address through Back and a reload; axe on every page; Arabic right to
//! left.

use salama_tests::{Browser, Site};
use serde_json::{Value, json};

/// A call to the API from the page, as a script or a phone would make it:
/// without the console's cookie, with a bearer token if given.
async fn api(
    browser: &Browser,
    method: &str,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (u64, Value) {
    let answer = browser
        .client
        .execute_async(
            r#"const [method, path, body, token, done] = arguments;
            const headers = { 'content-type': 'application/json', accept: 'application/json' };
            if (token) headers.authorization = 'Bearer ' + token;
            fetch(path, { method, headers, credentials: 'omit', body: body === null ? undefined : JSON.stringify(body) })
              .then(async r => done([r.status, await r.text()]))
              .catch(e => done([0, String(e)]));"#,
            vec![
                json!(method),
                json!(path),
                body.unwrap_or(Value::Null),
                json!(token),
            ],
        )
        .await
        .expect("fetch runs");
    let status = answer[0].as_u64().expect("status");
    let text = answer[1].as_str().unwrap_or_default();
    (status, serde_json::from_str(text).unwrap_or(Value::Null))
}

/// What the field app sends when it syncs: an interview, with the phone's
/// token.
async fn sync(browser: &Browser, token: &str) -> u64 {
    let mut interview =
        serde_json::to_value(salama_shared::sample::household_interview()).expect("serialises");
    if let Some(fields) = interview.as_object_mut() {
        fields.remove("enumerator_id");
    }
    let id = browser
        .script("return crypto.randomUUID()")
        .await
        .as_str()
        .expect("uuid")
        .to_owned();
    interview["submission_id"] = json!(id);
    api(
        browser,
        "POST",
        "/api/surveys/community-safety/submissions",
        Some(interview),
        Some(token),
    )
    .await
    .0
}

async fn choose(browser: &Browser, select: &str, value: &str) {
    browser
        .client
        .execute(
            "const [id, value] = arguments; const s = document.getElementById(id); s.value = value; s.dispatchEvent(new Event('change', { bubbles: true })); return true;",
            vec![json!(select), json!(value)],
        )
        .await
        .expect("chosen");
}

async fn path(browser: &Browser) -> String {
    browser
        .script("return location.pathname")
        .await
        .as_str()
        .expect("path")
        .to_owned()
}

/// Creates a person and returns the one-time password the page shows.
async fn create(browser: &Browser, name: &str, role: &str) -> String {
    browser.type_into("#new-name", name).await;
    choose(browser, "new-role", role).await;
    browser.click("#create").await;
    browser
        .wait_until(
            "the person is created",
            &format!("return document.getElementById('created-title')?.textContent.includes('{name}') === true"),
        )
        .await;
    browser
        .script("return document.getElementById('one-time-password').value")
        .await
        .as_str()
        .expect("password")
        .to_owned()
}

async fn confirm_status(browser: &Browser, expected: &str) {
    browser
        .wait_until(
            expected,
            &format!(
                "return document.getElementById('people-status').textContent.includes({})",
                json!(expected)
            ),
        )
        .await;
}

#[tokio::test]
async fn an_admin_creates_people_revokes_a_lost_phone_and_a_person_and_finds_it_in_the_log() {
    let site = Site::start().await;
    let one_time = site
        .first_admin_password
        .clone()
        .expect("a fresh server has its first admin");
    let browser = Browser::start().await;

    // A browser session on the one-time password can choose its own and
    // nothing else, whatever page it is on.
    browser.goto(&site.url("/admin/people")).await;
    browser.type_into("#sign-in-name", "admin").await;
    browser.type_into("#sign-in-password", &one_time).await;
    browser.click("#sign-in").await;
    browser.find("#password-title").await;
    let (status, refused) = api(&browser, "GET", "/api/users", None, None).await;
    assert_eq!(status, 401, "no cookie, no credentials: {refused}");
    let refused = browser
        .client
        .execute_async(
            "const done = arguments[0]; fetch('/api/users').then(async r => done([r.status, (await r.json()).error.code]));",
            Vec::new(),
        )
        .await
        .expect("fetch");
    assert_eq!(refused, json!([403, "must_change_password"]));
    browser.type_into("#current-password", &one_time).await;
    browser
        .type_into("#new-password", "people count on us")
        .await;
    browser
        .type_into("#repeat-password", "people count on us")
        .await;
    browser.click("#save-password").await;

    // The address named the people section; the navigation says so.
    browser.find("#people-title").await;
    assert_eq!(path(&browser).await, "/admin/people");
    assert_eq!(
        browser
            .script("return document.querySelector('nav.sections [aria-current=page]').getAttribute('href')")
            .await,
        json!("/admin/people")
    );
    browser.assert_accessible("console people").await;
    browser.assert_fits_screen("console people").await;

    // An enumerator: the password once, on the sign-in sheet too.
    let enumerator_password = create(&browser, "enum-7", "enumerator").await;
    assert!(enumerator_password.len() >= 20, "{enumerator_password}");
    let sheet = browser.text("#sign-in-sheet").await;
    for part in [
        "enum-7",
        enumerator_password.as_str(),
        "Enumerator",
        &format!("{}/field", site.url("")),
    ] {
        assert!(
            sheet.contains(part),
            "{part} missing from the sheet: {sheet}"
        );
    }
    // Only the sheet prints.
    let print_rules = browser
        .script(
            "return [...document.styleSheets].flatMap(s => [...s.cssRules]).filter(r => r.media && r.media.mediaText === 'print').map(r => r.cssText).join(' ')",
        )
        .await;
    let print_rules = print_rules.as_str().expect("text");
    assert!(
        print_rules.contains("visibility: hidden") && print_rules.contains("#sign-in-sheet"),
        "{print_rules}"
    );
    // The sheet in the person's language, right to left in Arabic.
    choose(&browser, "sheet-language", "ar").await;
    browser
        .wait_until(
            "the sheet in Arabic",
            "const s = document.getElementById('sign-in-sheet'); return s.dir === 'rtl' && s.lang === 'ar' && s.textContent.includes('عدّاد');",
        )
        .await;
    browser
        .assert_accessible("console created, Arabic sheet")
        .await;
    // Copied, or selected for the keyboard when the browser refuses.
    browser.click("#copy").await;
    browser
        .wait_until(
            "copied or selected",
            "const s = document.getElementById('copy-status').textContent; return s.includes('Copied') || (s.includes('refused') && document.activeElement.id === 'one-time-password');",
        )
        .await;
    browser.click("#done").await;
    browser
        .wait_until(
            "the password is gone",
            &format!(
                "return !document.body.textContent.includes({0}) && ![...document.querySelectorAll('input')].some(i => i.value === {0})",
                json!(enumerator_password)
            ),
        )
        .await;

    // An analyst; leaving the page forgets the password too.
    let analyst_password = create(&browser, "analyst-3", "analyst").await;
    browser.click("nav.sections a[href='/admin/audit']").await;
    browser.find("#audit-title").await;
    browser.click("nav.sections a[href='/admin/people']").await;
    browser.find("#people tr[data-person='analyst-3']").await;
    assert!(!browser.exists("#created").await);
    let page_text = browser.script("return document.body.textContent").await;
    assert!(
        !page_text
            .as_str()
            .expect("text")
            .contains(&analyst_password)
    );
    let row = browser.text("#people tr[data-person='analyst-3']").await;
    assert!(row.contains("Analyst") && row.contains("never"), "{row}");

    // The enumerator signs a phone in (the field app's call), which syncs.
    let (status, device) = api(
        &browser,
        "POST",
        "/api/devices",
        Some(json!({"name": "enum-7", "password": enumerator_password, "label": "team 3 phone"})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{device}");
    let phone = device["token"].as_str().expect("token").to_owned();
    assert_eq!(sync(&browser, &phone).await, 201);

    // A reload stays on the section and shows the phone.
    browser.client.refresh().await.expect("reloads");
    let phone_item = "#people tr[data-person='enum-7'] li[data-device]:has(.device-label)";
    browser.find(phone_item).await;
    assert_eq!(path(&browser).await, "/admin/people");
    let item = browser.text(phone_item).await;
    assert!(
        item.contains("team 3 phone") && item.contains("active"),
        "{item}"
    );
    let device_id = browser
        .script(&format!(
            "return document.querySelector({}).dataset.device",
            json!(phone_item)
        ))
        .await
        .as_str()
        .expect("id")
        .to_owned();

    // Revoking asks first, naming the device and its person; Cancel keeps it.
    browser.click(&format!("{phone_item} .revoke-device")).await;
    let question = browser.text("#confirm-text").await;
    assert!(
        question.contains(&device_id) && question.contains("enum-7"),
        "{question}"
    );
    browser.assert_accessible("console confirm").await;
    browser.click("#confirm-no").await;
    assert!(!browser.exists("#confirm").await);
    assert_eq!(sync(&browser, &phone).await, 201);
    browser.click(&format!("{phone_item} .revoke-device")).await;
    browser.click("#confirm-yes").await;
    confirm_status(&browser, &format!("Device {device_id} is revoked")).await;
    browser
        .wait_until(
            "listed as revoked",
            &format!(
                "return document.querySelector(\"li[data-device='{device_id}']\")?.dataset.revoked === 'true'"
            ),
        )
        .await;
    // At once: the phone's next sync is refused.
    assert_eq!(sync(&browser, &phone).await, 401);
    // The person's other credentials still work: revoking a phone is not
    // revoking the person.
    let (status, _) = api(
        &browser,
        "POST",
        "/api/devices",
        Some(json!({"name": "enum-7", "password": enumerator_password, "label": "new phone"})),
        None,
    )
    .await;
    assert_eq!(status, 201);

    // The analyst is revoked.
    browser
        .click("#people tr[data-person='analyst-3'] .revoke-person")
        .await;
    assert!(browser.text("#confirm-text").await.contains("analyst-3"));
    browser.click("#confirm-yes").await;
    confirm_status(&browser, "analyst-3 is revoked").await;
    browser
        .find("#people tr[data-person='analyst-3'][data-revoked='true']")
        .await;
    // No button to revoke oneself.
    assert!(
        !browser
            .exists("#people tr[data-person='admin'] .revoke-person")
            .await
    );
    let (status, _) = api(
        &browser,
        "POST",
        "/api/login",
        Some(json!({"name": "analyst-3", "password": analyst_password})),
        None,
    )
    .await;
    assert_eq!(status, 401);

    // The audit log: who, which action, which days.
    browser.click("nav.sections a[href='/admin/audit']").await;
    browser.find("#audit tbody tr").await;
    assert_eq!(path(&browser).await, "/admin/audit");
    browser.assert_accessible("console audit").await;
    browser.type_into("#audit-who", "admin nobody").await;
    choose(&browser, "audit-action", "device_revoked").await;
    let today = browser
        .script("return new Date().toISOString().slice(0, 10)")
        .await
        .as_str()
        .expect("day")
        .to_owned();
    for field in ["audit-from", "audit-to"] {
        browser
            .client
            .execute(
                "const [id, value] = arguments; const i = document.getElementById(id); i.value = value; i.dispatchEvent(new Event('input', { bubbles: true })); return true;",
                vec![json!(field), json!(today)],
            )
            .await
            .expect("date set");
    }
    browser.click("#audit-run").await;
    browser
        .wait_until(
            "one revocation found",
            "const rows = document.querySelectorAll('#audit tbody tr'); return rows.length === 1 && rows[0].querySelector('.action').textContent === 'device_revoked';",
        )
        .await;
    let detail = browser.text("#audit tbody tr .detail").await;
    assert!(
        detail.contains(&device_id) && detail.contains("enum-7"),
        "{detail}"
    );
    let csv = browser
        .script("return document.getElementById('audit-csv').getAttribute('href')")
        .await;
    let csv = csv.as_str().expect("href").to_owned();
    assert!(
        csv.starts_with("/api/audit.csv?")
            && csv.contains("who=admin,nobody")
            && csv.contains("action=device_revoked")
            && csv.contains(&format!("from={today}"))
            && csv.contains(&format!("to={today}")),
        "{csv}"
    );
    let exported = browser
        .client
        .execute_async(
            "const [href, done] = arguments; fetch(href).then(r => r.text()).then(done);",
            vec![json!(csv)],
        )
        .await
        .expect("csv fetched");
    let exported = exported.as_str().expect("text");
    assert_eq!(exported.lines().count(), 2, "{exported}");
    assert!(exported.contains("device_revoked"), "{exported}");
    choose(&browser, "audit-action", "user_revoked").await;
    browser.click("#audit-run").await;
    browser
        .wait_until(
            "the analyst's revocation found",
            "const rows = document.querySelectorAll('#audit tbody tr'); return rows.length === 1 && rows[0].querySelector('.detail').textContent === 'analyst-3';",
        )
        .await;
    // A mistake is named before any request.
    browser.type_into("#audit-who", &"x".repeat(70)).await;
    browser.click("#audit-run").await;
    browser
        .wait_until(
            "the search is refused",
            "return document.getElementById('audit-problem').textContent.includes('Who')",
        )
        .await;

    // Back returns to the people section, Forward to the log.
    browser.client.back().await.expect("back");
    browser.find("#people-title").await;
    assert_eq!(path(&browser).await, "/admin/people");
    browser.client.forward().await.expect("forward");
    browser.find("#audit-title").await;

    // Right to left in Arabic, every word from the catalogue.
    choose(&browser, "language", "ar").await;
    browser
        .wait_until(
            "Arabic",
            "return document.documentElement.dir === 'rtl' && document.getElementById('audit-title')?.textContent === 'سجل التدقيق'",
        )
        .await;
    browser.find("#audit tbody tr").await;
    browser.assert_accessible("console audit, Arabic").await;
    browser.click("nav.sections a[href='/admin/people']").await;
    browser.find("#people tbody tr").await;
    assert!(browser.text("#people-title").await.contains("الأشخاص"));
    browser.assert_accessible("console people, Arabic").await;
    browser.assert_fits_screen("console people, Arabic").await;
}

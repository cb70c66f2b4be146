//! An analyst logs in, reads SDG 16.1.4 for women and men by age band with
//! intervals and flags, and downloads it as CSV and XLSX, in a real browser
//! against a real server.

use salama_server::auth::Role;
use salama_server::store::NewSubmission;
use salama_shared::form::Form;
use salama_tests::{Browser, Site};
use serde_json::{Value, json};

/// Stores `count` interviews through validation and facts: most respondents
/// 30 years old (so those cells are published), the rest spread over the
/// other age bands (so those are suppressed).
async fn interviews(site: &Site, count: usize) {
    let survey = salama_shared::community_safety();
    let form = Form::new(&survey);
    let template =
        serde_json::to_value(salama_shared::sample::household_interview()).expect("json");
    let mut prepared = Vec::new();
    for i in 0..count {
        let mut submission = template.clone();
        submission["submission_id"] = json!(format!("00000000-0000-4000-8000-{i:012}"));
        submission["cluster_id"] = json!(format!("ea-{}", i % 12));
        let sex = if i % 3 == 0 { "male" } else { "female" };
        let age = if i % 10 < 6 {
            30
        } else {
            [19, 40, 50, 60, 70][i % 5]
        };
        let answers = &mut submission["answers"];
        answers["resp_sex"] = json!(sex);
        answers["resp_age"] = json!(age);
        answers["saf_1"] = json!(if i % 4 == 0 { "unsafe" } else { "safe" });
        if i % 4 != 0 {
            answers.as_object_mut().map(|a| a.remove("saf_1c"));
        }
        answers["household"] =
            json!([{"mem_relationship": "self", "mem_sex": sex, "mem_age": age}]);
        let submission: salama_shared::Submission =
            serde_json::from_value(submission).expect("submission");
        let valid = form.validate(&submission).expect("valid");
        let facts = salama_server::facts::of_submission(&form, valid);
        prepared.push((
            submission.submission_id,
            serde_json::to_vec(&submission).expect("body"),
            facts,
        ));
    }
    let sha = "0".repeat(64);
    let news: Vec<NewSubmission<'_>> = prepared
        .iter()
        .map(|(id, body, facts)| NewSubmission {
            submission_id: *id,
            survey_id: "community-safety",
            survey_version: salama_shared::default_survey::COMMUNITY_SAFETY_VERSION,
            channel: "enumerator",
            content_sha256: &sha,
            body,
            facts,
        })
        .collect();
    site.store.insert_submissions(&news).await.expect("stored");
}

/// Fetches a URL from the page (with its session cookie): status, type, text.
async fn fetch(browser: &Browser, url: &str) -> Value {
    browser
        .client
        .execute_async(
            "const [url, done] = arguments; fetch(url).then(async r => done([r.status, r.headers.get('content-type'), r.headers.get('content-disposition'), (await r.text()).slice(0, 400)]));",
            vec![json!(url)],
        )
        .await
        .expect("fetch runs")
}

#[tokio::test]
async fn an_analyst_reads_16_1_4_by_sex_and_age_and_downloads_it() {
    let site = Site::start().await;
    interviews(&site, 300).await;
    let password = site.staff("analyst-1", Role::Analyst).await;
    let browser = Browser::start().await;

    browser.goto(&site.url("/analysis")).await;
    browser.find("#sign-in-name").await;
    browser.assert_accessible("analysis login").await;
    browser.type_into("#sign-in-name", "analyst-1").await;
    browser
        .type_into("#sign-in-password", "not the password")
        .await;
    browser.click("#sign-in").await;
    browser
        .wait_until("the refusal is shown", "return document.querySelector('[role=alert]')?.textContent.includes('Wrong name or password')")
        .await;
    browser.type_into("#sign-in-password", &password).await;
    browser.click("#sign-in").await;

    // The default view: the first indicator (16.1.4) by sex alone, which
    // the publication rules let through: numbers, not stars; the address
    // names the table.
    browser
        .wait_until(
            "the table by sex",
            "const rows = [...document.querySelectorAll('#table-enumerator tbody tr')]; \
             return rows.length === 3 && rows.every(tr => tr.dataset.flag === 'ok')",
        )
        .await;
    assert!(browser.text("#table-title").await.starts_with("SDG 16.1.4"));
    let address = browser.script("return location.search").await;
    assert_eq!(
        address.as_str(),
        Some("?survey=community-safety&indicator=sdg_16_1_4&by=sex")
    );
    // Only what the survey's disclosure policy allows is offered (here its
    // defaults): whole months of the fieldwork or all of it, no area level
    // below the top, its rules; and one line says what it hides.
    let hides = browser.text("#policy-hides").await;
    assert!(
        hides.contains("fewer than 25 interviews and counts under 5; tables cover whole months; areas are shown down to level 1"),
        "{hides}"
    );
    browser
        .wait_until(
            "the fieldwork's months",
            "return [...document.querySelectorAll('#period option')].map(o => o.value).join() === ',2026-11-01/2026-11-30' \
               && [...document.querySelectorAll('#rule option')].map(o => o.value).join() === 'dhs_mics,nchs' \
               && document.getElementById('area-level') === null",
        )
        .await;
    browser
        .find("#period")
        .await
        .select_by_value("2026-11-01/2026-11-30")
        .await
        .expect("November");
    browser
        .wait_until(
            "November's table",
            "return location.search.includes('from=2026-11-01&to=2026-11-30') \
               && document.getElementById('download-csv').href.includes('from=2026-11-01&to=2026-11-30') \
               && document.querySelectorAll('#table-enumerator tbody tr').length === 3",
        )
        .await;
    browser.assert_accessible("analysis, one month").await;
    browser
        .find("#period")
        .await
        .select_by_value("")
        .await
        .expect("the whole fieldwork");
    browser
        .wait_until(
            "the whole fieldwork again",
            "return !location.search.includes('from=') && document.querySelectorAll('#table-enumerator tbody tr').length === 3",
        )
        .await;
    // Every column is explained, the reported categories by the survey's labels.
    let legend = browser.text("#legend").await;
    assert!(
        legend.contains("DK: answers “Don't know”, counted apart"),
        "{legend}"
    );
    // Microdata and codebook are on the page too.
    let members = browser
        .script("return document.getElementById('download-members').href")
        .await;
    assert!(
        members.as_str().is_some_and(|href| href
            .ends_with("/api/surveys/community-safety/microdata.csv?level=member&lang=en")),
        "{members}"
    );
    let codebook = browser
        .script("return document.getElementById('download-codebook').href")
        .await;
    let codebook = fetch(&browser, codebook.as_str().expect("href")).await;
    assert_eq!(codebook[0], 200);
    assert!(
        codebook[3]
            .as_str()
            .expect("text")
            .starts_with("column,question,item,label,type,values")
    );

    browser
        .find("#by-second")
        .await
        .select_by_value("age_band")
        .await
        .expect("age bands");
    browser
        .wait_until(
            "the table by sex and age band",
            "return document.querySelectorAll('#table-enumerator tbody tr').length === 13",
        )
        .await;
    let rows = browser
        .script("return [...document.querySelectorAll('#table-enumerator tbody tr')].map(tr => [tr.dataset.flag, ...[...tr.children].map(td => td.textContent)])")
        .await;
    let rows = rows.as_array().expect("rows").clone();
    let row = |sex: &str, band: &str| -> Vec<String> {
        rows.iter()
            .map(|r| {
                r.as_array()
                    .expect("cells")
                    .iter()
                    .map(|c| c.as_str().unwrap_or("").to_owned())
                    .collect::<Vec<_>>()
            })
            .find(|r| r[1] == sex && r[2] == band)
            .unwrap_or_else(|| panic!("no row {sex} {band} in {rows:?}"))
    };
    // Women 25–34: 120 interviews, 3 in 4 feel safe; shown with a 95% interval.
    let women = row("Female", "25-34");
    assert_eq!((women[0].as_str(), women[3].as_str()), ("ok", "120"));
    assert_eq!(women[4], "75.0");
    assert!(women[5].contains('–'), "an interval: {women:?}");
    // Men 25–34: 60 interviews; published.
    let men = row("Male", "25-34");
    assert_eq!((men[0].as_str(), men[3].as_str()), ("ok", "60"));
    // Women 35–44 are 20: a small cell, starred, with no number or interval.
    let small = row("Female", "35-44");
    assert_eq!(
        (small[0].as_str(), small[4].as_str(), small[5].as_str()),
        ("suppressed", "*", "")
    );
    // Nobody under 25: shown as such.
    assert_eq!(row("Female", "under 25")[4], "–");
    // The total first, then the chart: one bar per published estimate.
    assert_eq!(row("Total", "")[3], "300");
    let bars = browser
        .script(
            "return document.querySelectorAll('#population-enumerator svg.chart rect.bar').length",
        )
        .await;
    let shown = rows
        .iter()
        .filter(|r| matches!(r[0].as_str(), Some("ok" | "caution")))
        .count();
    assert_eq!(bars.as_u64(), Some(shown as u64));
    browser.screenshot("analysis-16-1-4").await;
    browser.assert_accessible("analysis indicator table").await;

    // Downloads, as the links give them, with the session the page holds.
    let csv_href = browser
        .script("return document.getElementById('download-csv').href")
        .await;
    let csv = fetch(&browser, csv_href.as_str().expect("href")).await;
    assert_eq!(csv[0], 200);
    assert_eq!(csv[1], "text/csv; charset=utf-8");
    assert!(
        csv[3]
            .as_str()
            .expect("text")
            .starts_with("population,representative,sex,sex_label,age_band,age_band_label,n,")
    );
    let xlsx_href = browser
        .script("return document.getElementById('download-xlsx').href")
        .await;
    let xlsx = fetch(&browser, xlsx_href.as_str().expect("href")).await;
    assert_eq!(xlsx[0], 200);
    assert_eq!(
        xlsx[1],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        xlsx[2]
            .as_str()
            .expect("disposition")
            .contains("community-safety-sdg_16_1_4.xlsx")
    );
    let audit = site.store.recent_audit(50).await.expect("audit");
    for format in ["Csv", "Xlsx"] {
        assert!(
            audit.iter().any(|e| e.actor == "analyst-1"
                && e.action == "aggregates_read"
                && e.detail.ends_with(format)),
            "{format} download audited: {audit:?}"
        );
    }

    // Another breakdown: by area only.
    browser
        .find("#by-second")
        .await
        .select_by_value("")
        .await
        .expect("none");
    browser
        .find("#by-first")
        .await
        .select_by_value("area")
        .await
        .expect("area");
    browser
        .wait_until("the table by area", "return [...document.querySelectorAll('#table-enumerator th[scope=col]')].some(th => th.textContent === 'Area')")
        .await;

    // An indicator about household members' children: only the breakdowns
    // the survey records for members are offered, in the humanitarian
    // age bands.
    browser
        .find("#indicator")
        .await
        .select_by_value("child_safe_proxy")
        .await
        .expect("the children's indicator");
    browser
        .wait_until(
            "member breakdowns and SADD bands",
            "const offered = [...document.querySelectorAll('#by-first option')].map(o => o.value); \
             return document.getElementById('age-scheme').dataset.scheme === 'sadd' \
               && offered.join() === 'sex,age_band,area,urban_rural' \
               && document.getElementById('download-csv').href.includes('indicator=child_safe_proxy&by=area')",
        )
        .await;

    // A link to the page opens the same table.
    let address = browser.script("return location.href").await;
    browser.goto(address.as_str().expect("address")).await;
    browser
        .wait_until(
            "the same table after a reload",
            "return document.getElementById('indicator')?.value === 'child_safe_proxy' \
               && document.getElementById('by-first')?.value === 'area' \
               && document.getElementById('age-scheme')?.dataset.scheme === 'sadd' \
               && document.querySelectorAll('#table-enumerator tbody tr').length > 0",
        )
        .await;

    // The tabs follow the arrow keys.
    browser
        .find("#tab-indicators")
        .await
        .send_keys("\u{E014}")
        .await
        .expect("arrow right");
    browser
        .wait_until("fieldwork totals", "return document.getElementById('fieldwork-totals')?.textContent === '300 interviews, 0 online answers' \
            && document.activeElement?.id === 'tab-fieldwork' && location.search.includes('tab=fieldwork')")
        .await;
    assert_eq!(browser.text("#by-enumerator tbody th").await, "enum-017");
    browser.assert_accessible("analysis fieldwork").await;

    // In French: the page's words, the server's labels and the numbers'
    // decimal comma.
    browser
        .find("#language")
        .await
        .select_by_value("fr")
        .await
        .expect("French");
    browser.click("#tab-fieldwork").await;
    browser
        .wait_until("fieldwork in French", "return document.getElementById('fieldwork-totals')?.textContent === '300 entretiens, 0 réponses en ligne' && document.documentElement.lang === 'fr'")
        .await;
    browser.click("#tab-indicators").await;
    browser
        .wait_until(
            "the table in French",
            "const rows = [...document.querySelectorAll('#table-enumerator tbody tr')].map(tr => [...tr.children].map(td => td.textContent)); \
             return document.querySelector('label[for=by-first]')?.textContent === 'Ventiler par' \
               && rows.some(r => r[0] === 'Total' && r[1] === '300' && /^\\d+,\\d$/.test(r[2]))",
        )
        .await;
    browser.assert_accessible("analysis in French").await;

    browser.click("#sign-out").await;
    browser.find("#sign-in-name").await;
    browser.close().await;
}

#[tokio::test]
async fn an_analyst_on_a_one_time_password_chooses_their_own_before_any_table() {
    let site = Site::start().await;
    let analyst = salama_server::auth::create_user(&site.store, "analyst-9", Role::Analyst, "test")
        .await
        .expect("analyst");
    let browser = Browser::start().await;
    browser.goto(&site.url("/analysis")).await;
    browser.type_into("#sign-in-name", "analyst-9").await;
    browser
        .type_into("#sign-in-password", &analyst.password)
        .await;
    browser.click("#sign-in").await;
    browser.find("#password-title").await;
    assert!(!browser.exists("#tab-indicators").await);
    browser
        .assert_accessible("analysis: one's own password")
        .await;
    browser
        .type_into("#current-password", &analyst.password)
        .await;
    browser
        .type_into("#new-password", "a passphrase of my own")
        .await;
    browser
        .type_into("#repeat-password", "a passphrase of my own")
        .await;
    browser.click("#save-password").await;
    browser.find("#tab-indicators").await;
    // The table (or what the server says of it) comes: the one-time
    // password's refusal (403) is gone.
    browser
        .wait_until(
            "the table's answer",
            "return !!document.querySelector('#table-title, #tab-panel .error')",
        )
        .await;
    let refusal = browser
        .script("return document.querySelector('#tab-panel .error')?.textContent ?? ''")
        .await;
    assert!(
        !refusal.as_str().unwrap_or_default().contains("403"),
        "{refusal}"
    );
    browser.close().await;
}

//! Releases and the public results page over HTTP: the survey team
//! releases a table, anyone reads it without logging in, only released
//! tables show, a withdrawal takes the table down at once, every text is
//! escaped, and an address without results says nothing more than the
//! public survey list does.

mod common;

use common::{As, assert_error, interview, send};
use reqwest::StatusCode;
use salama_server::auth::Role;
use serde_json::{Value, json};

const RELEASES: &str = "/api/surveys/community-safety/releases";
const PAGE: &str = "/results/community-safety";

const AREAS: [[&str; 2]; 3] = [
    ["north", "north-hills"],
    ["central", "central-capital"],
    ["south", "south-coast"],
];

/// Posts `count` household interviews, a respondent alone in each, of
/// both sexes, ages from 18 to 77, in three regions and twelve clusters.
async fn interviews(server: &common::Server, count: usize) {
    let (_, enumerator) = server.user("enum-9", Role::Enumerator).await;
    for i in 0..count {
        let mut submission = interview();
        let sex = if i % 3 == 0 { "male" } else { "female" };
        let age = 18 + (i * 7) % 60;
        let answers = &mut submission["answers"];
        answers["resp_sex"] = json!(sex);
        answers["resp_age"] = json!(age);
        answers["resp_area"] = json!(AREAS[i % 3]);
        answers["household"] =
            json!([{"mem_relationship": "self", "mem_sex": sex, "mem_age": age}]);
        submission["cluster_id"] = json!(format!("ea-{}", i % 12));
        let (status, body) = send(
            server
                .client
                .post(server.url("/api/surveys/community-safety/submissions"))
                .bearer_auth(&enumerator)
                .json(&submission),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body:#}");
    }
}

async fn withdraw(server: &common::Server, token: &str, release: &str) -> (StatusCode, Value) {
    let path = format!("{RELEASES}/{release}/withdraw");
    common::call(server, reqwest::Method::POST, &path, token, None).await
}

fn release(title: &str) -> Value {
    json!({
        "indicator": "sdg_16_1_4",
        "by": ["sex"],
        "title": {"en": title, "ar": "الشعور بالأمان"},
        "note": {"en": "Line one.\nLine two."},
    })
}

async fn post(server: &common::Server, token: &str, body: &Value) -> (StatusCode, Value) {
    send(
        server
            .client
            .post(server.url(RELEASES))
            .bearer_auth(token)
            .json(body),
    )
    .await
}

/// The page as anyone gets it: status, headers and text.
async fn public(
    server: &common::Server,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = server
        .client
        .get(server.url(path))
        .send()
        .await
        .expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("text"))
}

#[tokio::test]
async fn a_released_table_is_public_and_a_withdrawn_one_is_gone_at_once() {
    released_then_withdrawn(common::spawn().await).await;
}

#[tokio::test]
async fn on_postgres_a_released_table_is_public_and_a_withdrawn_one_is_gone_at_once() {
    let store = common::postgres_store().await;
    let folder = tempfile::tempdir().expect("temporary folder");
    let config = salama_server::state::Config {
        rate_limits: generous(),
        ..Default::default()
    };
    released_then_withdrawn(common::spawn_on(store, config, folder).await).await;
}

/// Two servers on one PostgreSQL database: a table withdrawn through one
/// is gone from the other's page on its next request.
#[tokio::test]
async fn a_withdrawal_through_one_server_shows_on_every_server() {
    let url = common::fresh_postgres_url().await;
    let mut servers = Vec::new();
    for _ in 0..2 {
        let store = salama_server::store::Store::open(&url)
            .await
            .expect("store");
        let config = salama_server::state::Config {
            rate_limits: generous(),
            ..Default::default()
        };
        let folder = tempfile::tempdir().expect("temporary folder");
        servers.push(common::spawn_on(store, config, folder).await);
    }
    let (one, other) = (&servers[0], &servers[1]);
    let (_, analyst) = one.user("ana", Role::Analyst).await;
    interviews(one, 30).await;
    let (status, _) = post(one, &analyst, &release("Shown everywhere")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, page) = public(other, PAGE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Shown everywhere"));
    let (status, _) = withdraw(one, &analyst, "1").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = public(other, PAGE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn generous() -> salama_server::limits::RateLimits {
    let many = std::num::NonZeroU32::new(1000).expect("not zero");
    salama_server::limits::RateLimits {
        logins_per_minute: many,
        submissions_per_minute: many,
    }
}

async fn released_then_withdrawn(server: common::Server) {
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    interviews(&server, 60).await;

    // Nothing released: the page does not exist yet.
    let (status, _, empty) = public(&server, PAGE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, first) = post(&server, &analyst, &release("Feeling safe walking alone")).await;
    assert_eq!(status, StatusCode::CREATED, "{first:#}");
    assert_eq!(
        (&first["release_id"], &first["version"]),
        (&json!(1), &json!(1))
    );
    let (status, other) = post(
        &server,
        &admin,
        &json!({"indicator": "sdg_16_3_1", "channel": "enumerator", "title": {"en": "Reporting violence"}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{other:#}");

    let (status, headers, page) = public(&server, PAGE).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.starts_with("<!doctype html>\n<html lang=\"en\" dir=\"ltr\">"));
    assert!(page.contains("Feeling safe walking alone"));
    assert!(page.contains("Reporting violence"));
    assert!(
        page.contains("<p dir=\"auto\">Line one.</p>\n<p dir=\"auto\">Line two.</p>"),
        "{page}"
    );
    // Tables with captions and scopes, charts with a text alternative.
    assert!(page.contains("<caption>Feeling safe walking alone · "));
    assert!(page.contains("<th scope=\"col\">"));
    assert!(page.contains("<th scope=\"row\">Total</th>"));
    assert!(page.contains("role=\"img\""));
    assert!(page.contains("<desc id=\"chart-1-0-desc\">Total: "));
    // The methodology: the policy's thresholds and the online caveat.
    assert!(page.contains("fewer than 25 unweighted cases"), "{page}");
    assert!(page.contains("fewer than 50 cases"));
    assert!(page.contains("Counts below 5"));
    assert!(page.contains("href=\"/results/community-safety/1.csv?lang=en\""));
    assert!(!page.contains("<script"));
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "public, no-cache");
    let csp = headers["content-security-policy"].to_str().expect("text");
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    let etag = headers["etag"].to_str().expect("text").to_owned();

    // Unchanged, the page is not sent again.
    let unchanged = server
        .client
        .get(server.url(PAGE))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);

    // Arabic, right to left, with the release's Arabic title.
    let (_, _, arabic) = public(&server, &format!("{PAGE}?lang=ar")).await;
    assert!(arabic.starts_with("<!doctype html>\n<html lang=\"ar\" dir=\"rtl\">"));
    assert!(arabic.contains("الشعور بالأمان"));
    assert!(arabic.contains("aria-current=\"page\">العربية</a>"));
    // A language the survey lacks: its default.
    let (_, _, odd) = public(&server, &format!("{PAGE}?lang=%22%3E%3Cscript%3E")).await;
    assert!(odd.contains("<html lang=\"en\" dir=\"ltr\">"));
    assert!(!odd.contains("<script>"));

    // The CSV: one row per cell.
    let (status, headers, csv) = public(&server, &format!("{PAGE}/1.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.starts_with("population,representative,sex,sex_label,n,"),
        "{csv}"
    );
    assert!(
        csv.lines().count() > 3,
        "a header, the total, female, male:\n{csv}"
    );

    // Withdrawn: gone from the page and its download on the next request.
    let (status, withdrawn) = withdraw(&server, &analyst, "1").await;
    assert_eq!(status, StatusCode::OK, "{withdrawn:#}");
    assert_eq!(withdrawn["withdrawn_by"], "ana");
    let (status, _, page) = public(&server, PAGE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("Feeling safe walking alone"));
    assert!(page.contains("Reporting violence"));
    let (status, _, _) = public(&server, &format!("{PAGE}/1.csv")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let stale = server
        .client
        .get(server.url(PAGE))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(stale.status(), StatusCode::OK, "a cached copy is stale now");

    // Both withdrawn: the page is as absent as an unknown survey's.
    let (status, _) = withdraw(&server, &admin, "2").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, none) = public(&server, PAGE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(none, empty);

    // Listed for the team with their state; both actions audited.
    let (status, list) =
        common::call(&server, reqwest::Method::GET, RELEASES, &analyst, None).await;
    assert_eq!(status, StatusCode::OK, "{list:#}");
    assert_eq!(list["releases"].as_array().map(Vec::len), Some(2));
    assert_eq!(list["public_page"], "/results/community-safety");
    let (_, audit) = common::call(&server, reqwest::Method::GET, "/api/audit", &admin, None).await;
    let actions: Vec<&str> = audit
        .as_array()
        .expect("audit entries")
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "release_published")
            .count(),
        2,
        "{audit:#}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "release_withdrawn")
            .count(),
        2
    );
}

#[tokio::test]
async fn an_edit_is_a_new_version_and_the_history_stays() {
    let server = common::spawn().await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    interviews(&server, 30).await;
    let (status, _) = post(&server, &analyst, &release("First wording")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, second) = common::call(
        &server,
        reqwest::Method::PUT,
        &format!("{RELEASES}/1"),
        &analyst,
        Some(release("Second wording")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{second:#}");
    assert_eq!(second["version"], 2);
    let (_, _, page) = public(&server, PAGE).await;
    assert!(page.contains("Second wording"));
    assert!(!page.contains("First wording"));
    assert!(page.contains("version 2"));
    let (status, history) = common::call(
        &server,
        reqwest::Method::GET,
        &format!("{RELEASES}/1"),
        &analyst,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let titles: Vec<&str> = history
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["spec"]["title"]["en"].as_str())
        .collect();
    assert_eq!(titles, ["Second wording", "First wording"]);
    // Editing a release that does not exist.
    let (status, body) = common::call(
        &server,
        reqwest::Method::PUT,
        &format!("{RELEASES}/9"),
        &analyst,
        Some(release("x")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
}

#[tokio::test]
async fn titles_and_notes_are_text_never_markup() {
    let server = common::spawn().await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    interviews(&server, 10).await;
    let hostile = json!({
        "indicator": "sdg_16_1_4",
        "title": {"en": "<script>alert(1)</script> & \"quotes\""},
        "note": {"en": "<img src=x onerror=alert(1)>"},
    });
    let (status, body) = post(&server, &analyst, &hostile).await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    let (status, _, page) = public(&server, PAGE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(!page.contains("<img"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // Ten interviews: every estimate is withheld, shown as "*" without n.
    assert!(
        page.contains("<td class=\"num\">*</td><td class=\"num\"></td><td class=\"num\">*</td>"),
        "{page}"
    );
    assert!(page.contains("<dt>*</dt>"));
}

#[tokio::test]
async fn hostile_releases_are_refused_at_their_fields() {
    let server = common::spawn().await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    let (_, enumerator) = server.user("enum-1", Role::Enumerator).await;
    let fields = |body: &Value| -> Vec<String> {
        body["error"]["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|f| f["path"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let cases = [
        (
            json!({"indicator": "sdg_16_1_4", "title": {"en": "x".repeat(201)}}),
            vec!["title.en"],
        ),
        (
            json!({"indicator": "sdg_16_1_4", "title": {"en": "bell\u{7}"}}),
            vec!["title.en"],
        ),
        (
            json!({"indicator": "sdg_16_1_4", "title": {"en": "ok"}, "note": {"en": "y".repeat(2001)}}),
            vec!["note.en"],
        ),
        (
            json!({"indicator": "sdg_16_1_4", "title": {"en": "ok"}, "note": {"en": "esc\u{1b}[2J"}}),
            vec!["note.en"],
        ),
        (
            json!({"indicator": "no_such", "title": {"en": "ok"}}),
            vec!["indicator"],
        ),
        (
            json!({"indicator": "sdg_16_1_4", "by": ["shoe_size"], "title": {"en": "ok"}}),
            vec!["by[0]"],
        ),
        (
            json!({"indicator": "sdg_16_1_4", "by": ["sex", "area", "age_band"], "title": {"en": "ok"}}),
            vec!["by"],
        ),
        (
            json!({"indicator": "sdg_16_1_4", "from": "2026-03-02", "to": "2026-03-09", "title": {"en": "ok"}}),
            vec!["from"],
        ),
        (
            json!({"indicator": "sdg_16_1_4", "channel": "carrier_pigeon", "title": {"en": "ok"}}),
            vec!["channel"],
        ),
        (
            json!({"indicator": "sdg_16_1_4", "title": {"fr": "pas en anglais", "xx": "?"}}),
            vec!["title.en", "title.xx"],
        ),
        (
            json!({"indicator": "sdg_16_1_4", "title": {"en": "   "}}),
            vec!["title.en"],
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = post(&server, &analyst, &body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {answer:#}"
        );
        assert_error(&answer, "invalid");
        assert_eq!(fields(&answer), expected, "{body}");
    }
    // An unknown field is not silently dropped.
    let (status, answer) = post(
        &server,
        &analyst,
        &json!({"indicator": "sdg_16_1_4", "title": {"en": "ok"}, "exact": true}),
    )
    .await;
    assert!(status.is_client_error(), "{answer:#}");
    // Who may release, and where.
    let (status, answer) = post(&server, &enumerator, &release("x")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&answer, "forbidden");
    let (status, _) = send(server.with(
        server.client.post(server.url(RELEASES)).json(&release("x")),
        &As::Anonymous,
    ))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, answer) = send(
        server
            .client
            .post(server.url("/api/surveys/no-such-survey/releases"))
            .bearer_auth(&analyst)
            .json(&release("x")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&answer, "not_found");
    for release in ["0", "abc", "99", "1%2F..%2F2"] {
        let (status, _) = withdraw(&server, &analyst, release).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{release}");
    }
    let (status, _) =
        common::call(&server, reqwest::Method::GET, RELEASES, &enumerator, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Nothing was released by any of it.
    let (status, _, _) = public(&server, PAGE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn addresses_without_results_are_all_alike() {
    let server = common::spawn().await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    let (status, _, unknown) = public(&server, "/results/no-such-survey").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(unknown.contains("No results here"));
    let (_, _, nothing_released) = public(&server, PAGE).await;
    assert_eq!(unknown, nothing_released);
    let (_, _, unknown_csv) = public(&server, "/results/no-such-survey/1.csv").await;
    assert_eq!(unknown, unknown_csv);
    let (_, _, arabic) = public(&server, "/results/no-such-survey?lang=ar").await;
    assert!(arabic.contains("dir=\"rtl\""));

    // Released, then the survey closed to the public: not shown either.
    let (status, _) = post(&server, &analyst, &release("Feeling safe")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(public(&server, PAGE).await.0, StatusCode::OK);
    for (file, expected) in [
        ("1.csv", StatusCode::OK),
        ("2.csv", StatusCode::NOT_FOUND),
        ("1.xlsx", StatusCode::NOT_FOUND),
        ("-1.csv", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            public(&server, &format!("{PAGE}/{file}")).await.0,
            expected,
            "{file}"
        );
    }
    let (status, _) = common::call(
        &server,
        reqwest::Method::PATCH,
        "/api/surveys/community-safety",
        &admin,
        Some(json!({"public": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, closed) = public(&server, PAGE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(closed, unknown);
}

/// The page is for slow lines: a survey with six released tables (two
/// broken down twice) stays under a budget compressed, and the measures
/// are printed for the record (`--nocapture`).
#[tokio::test]
async fn the_page_stays_small_on_a_seeded_survey() {
    const GZIP_BUDGET: usize = 12 * 1024;
    let server = common::spawn().await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    interviews(&server, 400).await;
    for (indicator, by) in [
        ("sdg_16_1_4", json!(["sex"])),
        ("sdg_16_1_4", json!(["area", "sex"])),
        ("sdg_16_3_1", json!(["age_band"])),
        ("sdg_16_5_1", json!([])),
        ("sdg_16_7_2", json!(["sex", "age_band"])),
        ("sdg_16_b_1", json!(["area"])),
    ] {
        let body = json!({
            "indicator": indicator,
            "by": by,
            "title": {"en": format!("{indicator} by {by}"), "fr": "Titre", "ar": "عنوان"},
            "note": {"en": "A note of a sentence or two about what the figures say."},
        });
        let (status, answer) = post(&server, &analyst, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    }
    let fetch = |gzip: bool| {
        let mut request = server.client.get(server.url(PAGE));
        if gzip {
            request = request.header("accept-encoding", "gzip");
        }
        async move {
            let started = std::time::Instant::now();
            let response = request.send().await.expect("request");
            let first_byte = started.elapsed();
            assert_eq!(response.status(), StatusCode::OK);
            let encoding = response
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            let bytes = response.bytes().await.expect("body").len();
            (first_byte, encoding, bytes)
        }
    };
    // The first read loads the facts into memory; the second is the usual.
    let (cold, _, raw) = fetch(false).await;
    let (warm, _, _) = fetch(false).await;
    let (_, encoding, gzipped) = fetch(true).await;
    eprintln!(
        "results page, 400 interviews, 6 releases: {raw} B raw, {gzipped} B gzip; \
         time to first byte {:.1} ms cold, {:.1} ms warm",
        cold.as_secs_f64() * 1000.0,
        warm.as_secs_f64() * 1000.0
    );
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(gzipped < GZIP_BUDGET, "{gzipped} B gzip");
}

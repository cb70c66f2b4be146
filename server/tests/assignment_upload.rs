//! Clusters from a CSV file over a real server: the preview changes
//! nothing, applying changes exactly what it showed, and hostile files
//! (formulas, no header, a cluster twice, unknown people, too many rows,
//! too many bytes) are refused with every bad row and column named.

mod common;

use common::{Server, assert_error, send, spawn, spawn_configured};
use reqwest::StatusCode;
use salama_server::Config;
use salama_server::auth::Role;
use serde_json::Value;

const PATH: &str = "/api/surveys/community-safety/assignments.csv";

async fn upload(server: &Server, token: &str, query: &str, csv: &str) -> (StatusCode, Value) {
    send(
        server
            .client
            .post(server.url(&format!("{PATH}{query}")))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv.to_owned()),
    )
    .await
}

async fn current(server: &Server) -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut found: Vec<_> = server
        .store
        .assignments_for("community-safety")
        .await
        .expect("assignments")
        .into_iter()
        .map(|a| (a.cluster_id, a.enumerator, a.stratum, a.area))
        .collect();
    found.sort();
    found
}

fn paths(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_owned())
        .collect()
}

fn owned(
    cluster: &str,
    enumerator: &str,
    stratum: Option<&str>,
    area: Option<&str>,
) -> (String, String, Option<String>, Option<String>) {
    (
        cluster.to_owned(),
        enumerator.to_owned(),
        stratum.map(str::to_owned),
        area.map(str::to_owned),
    )
}

#[tokio::test]
async fn sqlite_a_preview_changes_nothing_and_applying_does_what_it_showed() {
    a_preview_changes_nothing_and_applying_does_what_it_showed(spawn().await).await;
}

#[tokio::test]
async fn postgres_a_preview_changes_nothing_and_applying_does_what_it_showed() {
    let server = common::spawn_on(
        common::postgres_store().await,
        Config {
            body_limit: common::BODY_LIMIT,
            ..Config::default()
        },
        tempfile::tempdir().expect("folder"),
    )
    .await;
    a_preview_changes_nothing_and_applying_does_what_it_showed(server).await;
}

async fn a_preview_changes_nothing_and_applying_does_what_it_showed(server: Server) {
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    server.user("enum-1", Role::Enumerator).await;
    server.user("enum-2", Role::Enumerator).await;
    server.user("analyst-1", Role::Analyst).await;
    let first = "cluster,stratum,area,enumerator\n\
                 ea-1,urban,central-capital,enum-1\n\
                 ea-2,,,enum-1\n\
                 ea-3,rural,north-hills,enum-2\n";
    let (status, plan) = upload(&server, &admin, "", first).await;
    assert_eq!(status, StatusCode::OK, "{plan:#}");
    assert_eq!(plan["dry_run"], false);
    assert_eq!(plan["added"].as_array().expect("added").len(), 3);
    assert_eq!(plan["added"][0]["line"], 2);
    assert_eq!(
        current(&server).await,
        [
            owned("ea-1", "enum-1", Some("urban"), Some("central-capital")),
            owned("ea-2", "enum-1", None, None),
            owned("ea-3", "enum-2", Some("rural"), Some("north-hills")),
        ]
    );

    // ea-1 unchanged, ea-2 moves to enum-2, ea-3 gets another stratum, ea-4
    // is new, ea-5 names an analyst and ea-6 nobody; the columns in another
    // order, stratum and area left out.
    let second = "enumerator,cluster,stratum,area\n\
                  enum-1,ea-1,urban,central-capital\n\
                  enum-2,ea-2,,\n\
                  enum-2,ea-3,urban,north-hills\n\
                  enum-1,ea-4,,\n\
                  analyst-1,ea-5,,\n\
                  ghost,ea-6,,\n";
    let before = current(&server).await;
    let (status, preview) = upload(&server, &admin, "?dry_run=true&replace=true", second).await;
    assert_eq!(status, StatusCode::OK, "{preview:#}");
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["unchanged"], 1);
    assert_eq!(preview["added"][0]["cluster"], "ea-4");
    assert_eq!(preview["moved"][0]["cluster"], "ea-2");
    assert_eq!(preview["moved"][0]["from"], serde_json::json!(["enum-1"]));
    assert_eq!(preview["updated"][0]["cluster"], "ea-3");
    let unknown: Vec<(&str, &str, i64)> = preview["unknown_enumerators"]
        .as_array()
        .expect("unknown")
        .iter()
        .map(|u| {
            (
                u["enumerator"].as_str().expect("name"),
                u["code"].as_str().expect("code"),
                u["line"].as_i64().expect("line"),
            )
        })
        .collect();
    assert_eq!(
        unknown,
        [("analyst-1", "wrong_role", 6), ("ghost", "unknown", 7)]
    );
    assert_eq!(preview["withdrawn"], serde_json::json!([]));
    assert_eq!(current(&server).await, before, "a preview changes nothing");

    // Applied, the unknown people refuse the whole file.
    let (status, refused) = upload(&server, &admin, "?replace=true", second).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&refused, "invalid");
    assert_eq!(
        paths(&refused),
        ["rows[4].enumerator", "rows[5].enumerator"]
    );
    assert_eq!(current(&server).await, before);

    // Without them, and with replace: ea-1 is left out and withdrawn.
    let third = "cluster,enumerator\nea-2,enum-2\nea-3,enum-2\nea-4,enum-1\n";
    let (status, preview) = upload(&server, &admin, "?dry_run=true&replace=true", third).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview["withdrawn"][0]["cluster"], "ea-1");
    let (status, applied) = upload(&server, &admin, "?replace=true", third).await;
    assert_eq!(status, StatusCode::OK);
    let mut applied = applied;
    applied["dry_run"] = Value::Bool(true);
    assert_eq!(applied, preview, "applying does what the preview showed");
    assert_eq!(
        current(&server).await,
        [
            owned("ea-2", "enum-2", None, None),
            owned("ea-3", "enum-2", None, None),
            owned("ea-4", "enum-1", None, None),
        ]
    );
    let audit = server.store.recent_audit(5).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "assignments_uploaded" && e.actor == "admin-1"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn hostile_files_are_refused_with_every_bad_row_and_column() {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    server.user("enum-1", Role::Enumerator).await;

    // Formulas in every column, a control character, a cell too long. (A
    // code may start with `-`, as everywhere in Salama: exports neutralise it.)
    let hostile = format!(
        "cluster,stratum,area,enumerator\n\
         =HYPERLINK(\"http://x\"),+1,@SUM(A1),=2+3|cmd\n\
         ea-1,a\u{7}b,,enum-1\n\
         ea-2,,,{}\n",
        "e".repeat(300)
    );
    let (status, body) = upload(&server, &admin, "", &hostile).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_error(&body, "invalid");
    assert_eq!(
        paths(&body),
        [
            "rows[0].cluster",
            "rows[0].stratum",
            "rows[0].area",
            "rows[0].enumerator",
            "rows[1].stratum",
            "rows[2].enumerator",
        ]
    );
    assert!(
        body["error"]["fields"][4]["message"]
            .as_str()
            .expect("message")
            .starts_with("line 3:"),
        "{body:#}"
    );

    // No header: the first row is read as one and refused.
    let (status, body) = upload(&server, &admin, "", "ea-1,,,enum-1\nea-2,,,enum-1\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(paths(&body).iter().all(|p| p == "header"), "{body:#}");
    for (csv, code) in [
        ("", "invalid_header"),
        (
            "cluster,enumerator,cluster\nea-1,enum-1,ea-2\n",
            "duplicate",
        ),
        ("cluster,enumerator\n", "required"),
        (
            "cluster,enumerator,weight\nea-1,enum-1,2\n",
            "unknown_column",
        ),
    ] {
        let (status, body) = upload(&server, &admin, "", csv).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{csv:?}");
        assert!(
            body["error"]["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .any(|f| f["code"] == code),
            "{csv:?}: {body:#}"
        );
    }

    // A cluster twice; a row short of columns; empty required cells.
    let (status, body) = upload(
        &server,
        &admin,
        "",
        "cluster,enumerator\nea-1,enum-1\nea-1,enum-1\nea-2\n,\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        paths(&body),
        [
            "rows[1].cluster",
            "rows[2]",
            "rows[3].cluster",
            "rows[3].enumerator"
        ],
        "{body:#}"
    );
    assert_eq!(body["error"]["fields"][0]["code"], "duplicate");

    // Bad parameters are named; the wrong content type is 415; a missing
    // survey 404.
    let (status, body) = upload(
        &server,
        &admin,
        "?dry_run=yes&replace=1",
        "cluster,enumerator\nea-1,enum-1\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(paths(&body), ["dry_run", "replace"]);
    let (status, body) = send(
        server
            .client
            .post(server.url(PATH))
            .bearer_auth(&admin)
            .json(&serde_json::json!([])),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_error(&body, "unsupported_media_type");
    let (status, _) = send(
        server
            .client
            .post(server.url("/api/surveys/nope/assignments.csv"))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body("cluster,enumerator\nea-1,enum-1\n"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(current(&server).await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn files_are_bounded_in_rows_and_bytes() {
    let server = spawn_configured(Config {
        body_limit: 1024 * 1024,
        ..Config::default()
    })
    .await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    server.user("e", Role::Enumerator).await;
    let mut csv = String::from("cluster,enumerator\n");
    for row in 0..=salama_shared::assignment_upload::MAX_ROWS {
        csv.push_str(&format!("{row},e\n"));
    }
    let (status, body) = upload(&server, &admin, "?dry_run=true", &csv).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(paths(&body), ["rows"], "{body:#}");
    assert_eq!(body["error"]["fields"][0]["code"], "too_many");
    // Exactly the bound is read.
    let at_bound: String = csv
        .lines()
        .take(salama_shared::assignment_upload::MAX_ROWS + 1)
        .map(|l| format!("{l}\n"))
        .collect();
    let (status, plan) = upload(&server, &admin, "?dry_run=true", &at_bound).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        plan["added"].as_array().expect("added").len(),
        salama_shared::assignment_upload::MAX_ROWS
    );

    let oversize = "x".repeat(2 * 1024 * 1024);
    let (status, body) = upload(&server, &admin, "", &oversize).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&body, "too_large");
}

//! What the survey team's console (`/admin`) calls beyond publishing: a
//! dry run of an upload that stores nothing, opening a survey to the
//! public or closing it, the survey list as staff see it, and choosing
//! one's own password after the one-time one.

mod common;

use common::xlsforms::market_form as market_sheets;
use common::{Server, assert_error, send, spawn, workbook};

fn market_form(broken: bool) -> Vec<u8> {
    workbook(&market_sheets(broken))
}
use reqwest::{Method, StatusCode};
use salama_server::auth::Role;
use serde_json::{Value, json};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn post_bytes(
    server: &Server,
    token: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    send(
        server
            .client
            .post(server.url(path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body),
    )
    .await
}

fn paths(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|field| field["path"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_dry_run_lists_problems_by_cell_returns_the_survey_and_stores_nothing() {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let audit_before = server.store.recent_audit(1000).await.expect("audit").len();

    let (status, body) = post_bytes(
        &server,
        &admin,
        "/api/survey-check",
        XLSX,
        market_form(true),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_error(&body, "invalid");
    assert_eq!(
        paths(&body),
        ["survey!R3:relevant", "survey!R3:type"],
        "{body:#}"
    );

    let (status, survey) = post_bytes(
        &server,
        &admin,
        "/api/survey-check",
        XLSX,
        market_form(false),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{survey:#}");
    assert_eq!(
        (&survey["id"], &survey["version"]),
        (&json!("markets"), &json!(1))
    );
    // Served as clients get it: the French interface words come with it.
    assert!(survey["interface_words"]["fr"].is_object(), "{survey:#}");

    // Nothing was published, listed or audited.
    assert!(
        server
            .store
            .survey("markets", None)
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(
        server.store.recent_audit(1000).await.expect("audit").len(),
        audit_before
    );

    // A JSON definition's problems come with their JSON paths.
    let mut definition = serde_json::to_value(salama_shared::community_safety()).expect("json");
    definition["sections"][0]["questions"][0]["relevent"] = json!("true()");
    let (status, body) = server
        .post_as(&admin, "/api/survey-check", &definition)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert!(
        paths(&body).iter().any(|path| path.ends_with("relevent")),
        "{body:#}"
    );

    // Hostile: not an admin, not a workbook, larger than the body limit.
    let (status, body) = post_bytes(
        &server,
        &analyst,
        "/api/survey-check",
        XLSX,
        market_form(false),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body:#}");
    let (status, body) = send(
        server
            .client
            .post(server.url("/api/survey-check"))
            .body(market_form(false))
            .header("content-type", XLSX),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body:#}");
    let (status, body) = post_bytes(
        &server,
        &admin,
        "/api/survey-check",
        XLSX,
        b"PK\x03\x04 not really a workbook".to_vec(),
    )
    .await;
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{status} {body:#}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body:#}"
    );
    let oversize = vec![b'x'; common::BODY_LIMIT + 1];
    let (status, body) = post_bytes(&server, &admin, "/api/survey-check", XLSX, oversize).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body:#}");
    let (status, body) = post_bytes(
        &server,
        &admin,
        "/api/survey-check",
        "text/plain",
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body:#}");
}

#[tokio::test]
async fn a_survey_is_opened_and_closed_to_the_public_by_admins_only_and_audited() {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, enumerator) = server.user("enum-1", Role::Enumerator).await;
    let setting = |token: &str, body: Value| {
        send(
            server
                .client
                .patch(server.url("/api/surveys/community-safety"))
                .bearer_auth(token)
                .json(&body),
        )
    };

    let (status, summary) = setting(&admin, json!({"public": false})).await;
    assert_eq!(
        (status, &summary["public"]),
        (StatusCode::OK, &json!(false)),
        "{summary:#}"
    );
    // Closed: anonymous callers no longer see it, nor may they answer it.
    assert_eq!(
        server.get("/api/surveys/community-safety").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(server.get("/api/surveys").await.1, json!([]));
    let (status, _) = server.submit(&common::online()).await;
    assert_ne!(status, StatusCode::CREATED);
    let audit = server.store.recent_audit(10).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "survey_closed" && entry.actor == "admin-1")
    );

    let (status, summary) = setting(&admin, json!({"public": true})).await;
    assert_eq!(
        (status, &summary["public"]),
        (StatusCode::OK, &json!(true)),
        "{summary:#}"
    );
    assert_eq!(
        server.get("/api/surveys/community-safety").await.0,
        StatusCode::OK
    );
    assert_eq!(
        server.submit(&common::online()).await.0,
        StatusCode::CREATED
    );

    // Hostile: not an admin, no such survey, not the settings.
    assert_eq!(
        setting(&enumerator, json!({"public": false})).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = send(
        server
            .client
            .patch(server.url("/api/surveys/no-such-survey"))
            .bearer_auth(&admin)
            .json(&json!({"public": true})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body:#}");
    for wrong in [
        json!({"public": "yes"}),
        json!({"public": true, "version": 2}),
        json!([]),
    ] {
        let (status, body) = setting(&admin, wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    }
    assert_eq!(
        server.get("/api/surveys/community-safety").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn staff_see_every_version_and_the_submissions_so_far() {
    let server = spawn().await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    assert_eq!(
        server.submit(&common::online()).await.0,
        StatusCode::CREATED
    );
    let (status, listed) = send(
        server
            .client
            .get(server.url("/api/surveys"))
            .bearer_auth(&analyst),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let shipped = salama_shared::default_survey::COMMUNITY_SAFETY_VERSION;
    assert_eq!(listed[0]["versions"], json!([shipped]), "{listed:#}");
    assert_eq!(listed[0]["submissions"], json!(1), "{listed:#}");
    assert_eq!(
        listed[0]["channels"],
        json!(["enumerator", "online"]),
        "{listed:#}"
    );
    // Anonymous callers get the summary alone.
    let (_, public) = server.get("/api/surveys").await;
    assert!(public[0].get("submissions").is_none() && public[0].get("versions").is_none());
}

#[tokio::test]
async fn a_new_user_chooses_their_own_password_and_their_other_sessions_end() {
    let server = spawn().await;
    let (one_time, token) = server.user("amina", Role::Admin).await;
    let (me, first) = server.session("amina", &one_time).await;
    assert_eq!(me["must_change_password"], json!(true), "{me:#}");
    let (_, second) = server.session("amina", &one_time).await;
    let (_, me) = server
        .with_session(&first, Method::GET, "/api/me", None)
        .await;
    assert_eq!(me["must_change_password"], json!(true), "{me:#}");

    let change = |current: &str, new: &str| json!({"current": current, "new": new});
    let refused = [
        (change("wrong guess", "a long new password"), "current"),
        (change(&one_time, "short"), "new"),
        (change(&one_time, &one_time), "new"),
        (change(&one_time, &"x".repeat(2000)), "new"),
    ];
    for (body, field) in refused {
        let (status, answer) = server
            .with_session(&first, Method::POST, "/api/me/password", Some(body))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:#}");
        assert_eq!(paths(&answer)[0], field, "{answer:#}");
    }
    let (status, answer) = server
        .with_session(
            &first,
            Method::POST,
            "/api/me/password",
            Some(json!({"current": one_time})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:#}");

    let (status, _) = server
        .with_session(
            &first,
            Method::POST,
            "/api/me/password",
            Some(change(&one_time, "my own long password")),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, me) = server
        .with_session(&first, Method::GET, "/api/me", None)
        .await;
    assert_eq!(
        (status, &me["must_change_password"]),
        (StatusCode::OK, &json!(false)),
        "{me:#}"
    );
    // The other session ended; the device token stays (a phone offline
    // with interviews queued must still send them).
    assert_eq!(
        server
            .with_session(&second, Method::GET, "/api/me", None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(server.client.get(server.url("/api/me")).bearer_auth(&token))
            .await
            .0,
        StatusCode::OK
    );
    // The one-time password is gone; the new one works.
    let (status, _) = send(
        server
            .client
            .post(server.url("/api/login"))
            .json(&json!({"name": "amina", "password": one_time})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (me, _) = server.session("amina", "my own long password").await;
    assert_eq!(me["must_change_password"], json!(false));
    let audit = server.store.recent_audit(20).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "password_changed" && entry.actor == "amina")
    );
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "password_change_failed")
    );

    // Without credentials: refused before anything is read.
    let (status, _) = send(
        server
            .client
            .post(server.url("/api/me/password"))
            .json(&change("a", "b")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

//! The console's people API over real HTTP: creating users, listing them
//! with their devices, revoking a user or one lost device (refused on the
//! very next request, on SQLite and PostgreSQL), and searching and
//! exporting the audit log.

mod common;

use std::time::Duration;

use common::{Server, assert_error, send, spawn_configured, spawn_on};
use reqwest::StatusCode;
use salama_server::Config;
use salama_server::auth::{Role, token_sha256};
use salama_server::store::Store;
use serde_json::{Value, json};

/// A token cache far longer than any test: a revocation seen at once is
/// the revoking server's doing, not the cache running out.
fn long_cache() -> Config {
    Config {
        body_limit: common::BODY_LIMIT,
        remember_callers_for: Duration::from_secs(600),
        ..Config::default()
    }
}

async fn get_as(server: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    send(server.client.get(server.url(path)).bearer_auth(token)).await
}

async fn post_empty(server: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    send(server.client.post(server.url(path)).bearer_auth(token)).await
}

fn device_id(token: &str) -> String {
    token_sha256(token)[..16].to_owned()
}

async fn a_revoked_device_and_user_are_refused_on_the_next_request(server: Server) {
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (status, created) = server
        .post_as(
            &admin,
            "/api/users",
            &json!({"name": "enum-7", "role": "enumerator"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let first = created["token"].as_str().expect("token").to_owned();
    let password = created["password"].as_str().expect("password").to_owned();
    // A second device, signed in with the password.
    let (status, second) = send(
        server
            .client
            .post(server.url("/api/devices"))
            .json(&json!({"name": "enum-7", "password": password, "label": "team 3 phone"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let second = second["token"].as_str().expect("token").to_owned();
    for token in [&first, &second] {
        assert_eq!(get_as(&server, token, "/api/me").await.0, StatusCode::OK);
    }

    let (status, people) = get_as(&server, &admin, "/api/users").await;
    assert_eq!(status, StatusCode::OK);
    let person = people
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["name"] == "enum-7")
        .expect("listed")
        .clone();
    assert_eq!(person["role"], "enumerator");
    assert_eq!(person["revoked"], false);
    assert!(person["last_login_at"].is_string(), "{person}");
    let devices = person["devices"].as_array().expect("devices");
    assert_eq!(devices.len(), 2, "{person}");
    let labelled = devices
        .iter()
        .find(|d| d["label"] == "team 3 phone")
        .expect("labelled device");
    assert_eq!(labelled["id"], device_id(&second));
    assert!(
        devices.iter().all(|d| d["last_seen_at"].is_string()),
        "{person}"
    );

    // The lost phone is revoked; the other keeps working.
    let (status, _) = post_empty(
        &server,
        &admin,
        &format!("/api/devices/{}/revoke", device_id(&first)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, refused) = get_as(&server, &first, "/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&refused, "unauthorized");
    assert_eq!(get_as(&server, &second, "/api/me").await.0, StatusCode::OK);
    // Again: already revoked, still answered, not audited twice.
    let (status, _) = post_empty(
        &server,
        &admin,
        &format!("/api/devices/{}/revoke", device_id(&first)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // The person is revoked: every device stops at once.
    let (status, _) = post_empty(&server, &admin, "/api/users/enum-7/revoke").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, refused) = get_as(&server, &second, "/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&refused, "unauthorized");
    let (status, body) = post_empty(&server, &admin, "/api/users/enum-7/revoke").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let (status, body) = post_empty(&server, &admin, "/api/users/admin-1/revoke").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "conflict");

    let (_, people) = get_as(&server, &admin, "/api/users").await;
    let person = people
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["name"] == "enum-7")
        .expect("listed")
        .clone();
    assert_eq!(person["revoked"], true);
    assert!(
        person["devices"]
            .as_array()
            .expect("devices")
            .iter()
            .all(|d| d["revoked"] == true),
        "{person}"
    );

    let (_, audit) = get_as(&server, &admin, "/api/audit?who=admin-1").await;
    let actions: Vec<&str> = audit
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "user_revoked",
            "device_revoked",
            "token_created",
            "user_created"
        ],
        "{audit}"
    );
}

#[tokio::test]
async fn sqlite_a_revoked_device_and_user_are_refused_on_the_next_request() {
    a_revoked_device_and_user_are_refused_on_the_next_request(spawn_configured(long_cache()).await)
        .await;
}

#[tokio::test]
async fn postgres_a_revoked_device_and_user_are_refused_on_the_next_request() {
    let store = common::postgres_store().await;
    let folder = tempfile::tempdir().expect("temporary folder");
    a_revoked_device_and_user_are_refused_on_the_next_request(
        spawn_on(store, long_cache(), folder).await,
    )
    .await;
}

/// Two servers on one PostgreSQL database: a device revoked through one is
/// refused by the other once that one's cache entry is older than its
/// `remember_callers_for`, the documented bound.
#[tokio::test]
async fn postgres_another_instance_refuses_a_revoked_device_within_its_cache_time() {
    let url = common::fresh_postgres_url().await;
    let bound = Duration::from_secs(1);
    let config = Config {
        remember_callers_for: bound,
        ..long_cache()
    };
    let one = spawn_on(
        Store::open(&url).await.expect("opens"),
        config.clone(),
        tempfile::tempdir().expect("folder"),
    )
    .await;
    let other = spawn_on(
        Store::open(&url).await.expect("opens"),
        config,
        tempfile::tempdir().expect("folder"),
    )
    .await;
    let (_, admin) = one.user("admin-1", Role::Admin).await;
    let (_, device) = one.user("enum-1", Role::Enumerator).await;
    assert_eq!(get_as(&other, &device, "/api/me").await.0, StatusCode::OK);
    let (status, _) = post_empty(
        &one,
        &admin,
        &format!("/api/devices/{}/revoke", device_id(&device)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        get_as(&one, &device, "/api/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    tokio::time::sleep(bound + Duration::from_millis(100)).await;
    assert_eq!(
        get_as(&other, &device, "/api/me").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn users_are_created_once_with_names_the_command_line_accepts() {
    let server = spawn_configured(long_cache()).await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (status, created) = server
        .post_as(
            &admin,
            "/api/users",
            &json!({"name": "analyst-2", "role": "analyst"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["role"], "analyst");
    // The password shown once logs the person in.
    let (status, me) = send(
        server
            .client
            .post(server.url("/api/login"))
            .json(&json!({"name": "analyst-2", "password": created["password"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], "analyst");

    let (status, taken) = server
        .post_as(
            &admin,
            "/api/users",
            &json!({"name": "analyst-2", "role": "enumerator"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&taken, "conflict");
    for bad in [
        "Amina K",
        "amina\u{0}",
        "=cmd",
        "",
        &"x".repeat(65),
        "a\u{1b}[2J",
    ] {
        let (status, body) = server
            .post_as(
                &admin,
                "/api/users",
                &json!({"name": bad, "role": "enumerator"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert_error(&body, "invalid");
        assert_eq!(body["error"]["fields"][0]["path"], "name", "{body}");
    }
    let (status, body) = server
        .post_as(
            &admin,
            "/api/users",
            &json!({"name": "ok-name", "role": "root"}),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(body["error"]["fields"][0]["path"], "role", "{body}");
    let (status, _) = server
        .post_as(&admin, "/api/users", &json!({"name": "ok-name"}))
        .await;
    assert!(status.is_client_error(), "{status}");
    assert!(
        server
            .store
            .user("ok-name")
            .await
            .expect("lookup")
            .is_none()
    );
}

#[tokio::test]
async fn sqlite_the_audit_log_is_searched_and_exported_without_formulas() {
    the_audit_log_is_searched_and_exported_without_formulas(spawn_configured(long_cache()).await)
        .await;
}

#[tokio::test]
async fn postgres_the_audit_log_is_searched_and_exported_without_formulas() {
    let store = common::postgres_store().await;
    let folder = tempfile::tempdir().expect("temporary folder");
    the_audit_log_is_searched_and_exported_without_formulas(
        spawn_on(store, long_cache(), folder).await,
    )
    .await;
}

async fn the_audit_log_is_searched_and_exported_without_formulas(server: Server) {
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    // A typed login name is outside text that lands in the log.
    let (status, _) = send(
        server
            .client
            .post(server.url("/api/login"))
            .json(&json!({"name": "=HYPERLINK(\"http://x\",\"y\")", "password": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, found) = get_as(&server, &admin, "/api/audit?action=login_failed").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found.as_array().expect("entries").len(), 1, "{found}");
    let (_, by_test) = get_as(&server, &admin, "/api/audit?who=test&limit=1").await;
    assert_eq!(by_test.as_array().expect("entries").len(), 1);
    assert_eq!(by_test[0]["action"], "token_created");
    let (_, none) = get_as(&server, &admin, "/api/audit?from=2000-01-01&to=2000-12-31").await;
    assert_eq!(none, json!([]));
    let today = &found[0]["at"].as_str().expect("at")[..10];
    let (_, today_only) = get_as(
        &server,
        &admin,
        &format!("/api/audit?from={today}&to={today}&action=login_failed"),
    )
    .await;
    assert_eq!(today_only, found);

    let (header, rows) = server
        .download_csv(&admin, "/api/audit.csv?action=login_failed")
        .await;
    assert_eq!(header, ["at", "actor", "action", "detail"]);
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][1], "'=HYPERLINK(\"http://x\",\"y\")");
    // The export is audited.
    let (_, exported) = get_as(&server, &admin, "/api/audit?action=audit_exported").await;
    assert_eq!(exported[0]["actor"], "admin-1");

    for path in ["/api/audit", "/api/audit.csv"] {
        let (status, body) = get_as(
            &server,
            &admin,
            &format!("{path}?from=yesterday&to=2026-02-30&limit=100000"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_error(&body, "invalid");
        let names: Vec<&str> = body["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["path"].as_str().expect("path"))
            .collect();
        assert_eq!(names, ["from", "to", "limit"], "{path}");
    }
}

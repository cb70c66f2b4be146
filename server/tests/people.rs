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

#[tokio::test]
async fn a_browser_session_on_a_one_time_password_may_only_choose_its_own() {
    use reqwest::Method;
    // A long cache: the session's change of state is this server's doing.
    let server = spawn_configured(long_cache()).await;
    let (one_time, script_token) = server.user("admin-2", Role::Admin).await;
    let (enumerator_password, _) = server.user("enum-3", Role::Enumerator).await;
    let (_, cookie) = server.session("admin-2", &one_time).await;
    for (method, path) in [
        (Method::GET, "/api/users"),
        (Method::GET, "/api/audit"),
        (Method::GET, "/api/surveys"),
        (Method::GET, "/api/surveys/community-safety"),
        (Method::POST, "/api/users/enum-3/revoke"),
    ] {
        let (status, body) = server
            .with_session(&cookie, method.clone(), path, None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert_error(&body, "must_change_password");
    }
    let created = server
        .with_session(
            &cookie,
            Method::POST,
            "/api/users",
            Some(json!({"name": "sneaky", "role": "admin"})),
        )
        .await;
    assert_eq!(created.0, StatusCode::FORBIDDEN, "{}", created.1);
    assert!(server.store.user("sneaky").await.expect("read").is_none());
    // What it may do: say who it is, and choose its own password.
    let (status, me) = server
        .with_session(&cookie, Method::GET, "/api/me", None)
        .await;
    assert_eq!(
        (status, &me["must_change_password"]),
        (StatusCode::OK, &json!(true))
    );
    // Bearer tokens are exempt: scripts, and devices signed in with the
    // one-time password from a sign-in sheet, which never choose one.
    assert_eq!(
        get_as(&server, &script_token, "/api/users").await.0,
        StatusCode::OK
    );
    let (status, device) = send(
        server
            .client
            .post(server.url("/api/devices"))
            .json(&json!({"name": "enum-3", "password": enumerator_password, "label": "A14"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let device = device["token"].as_str().expect("token").to_owned();
    assert_eq!(
        get_as(&server, &device, "/api/assignments").await.0,
        StatusCode::OK
    );

    let (status, _) = server
        .with_session(
            &cookie,
            Method::POST,
            "/api/me/password",
            Some(json!({"current": one_time, "new": "a password of my own"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // At once, although this session was cached as pending.
    let (status, people) = server
        .with_session(&cookie, Method::GET, "/api/users", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{people}");
    let (status, _) = server
        .with_session(&cookie, Method::POST, "/api/logout", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn the_last_admin_is_never_revoked(server: Server) {
    // A fresh server has one admin, `admin`: the command line cannot revoke it.
    assert_eq!(
        salama_server::auth::revoke_user(&server.store, "admin", "cli")
            .await
            .expect("store"),
        salama_server::store::Revocation::LastAdmin
    );
    // Two admins revoking each other at once: never both.
    let mut keeper = "admin".to_owned();
    for round in 0..4 {
        let (one, two) = (format!("a{round}-one"), format!("a{round}-two"));
        let (_, one_token) = server.user(&one, Role::Admin).await;
        let (_, two_token) = server.user(&two, Role::Admin).await;
        assert_eq!(
            salama_server::auth::revoke_user(&server.store, &keeper, "cli")
                .await
                .expect("store"),
            salama_server::store::Revocation::Revoked,
            "others are left"
        );
        let path_one = format!("/api/users/{two}/revoke");
        let path_two = format!("/api/users/{one}/revoke");
        let (first, second) = tokio::join!(
            post_empty(&server, &one_token, &path_one),
            post_empty(&server, &two_token, &path_two),
        );
        let statuses = [first.0, second.0];
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::NO_CONTENT)
                .count(),
            1,
            "{statuses:?} {first:?} {second:?}"
        );
        for (status, body) in [first, second] {
            if status == StatusCode::CONFLICT {
                assert_error(&body, "conflict");
            } else if status != StatusCode::NO_CONTENT {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
            }
        }
        assert!(server.store.has_active_admin().await.expect("count"));
        // The one left cannot be revoked by the command line either.
        let left = if server
            .store
            .user(&one)
            .await
            .expect("read")
            .expect("one")
            .revoked
        {
            &two
        } else {
            &one
        };
        assert_eq!(
            salama_server::auth::revoke_user(&server.store, left, "cli")
                .await
                .expect("store"),
            salama_server::store::Revocation::LastAdmin
        );
        // A new admin takes over, and the one left can go.
        keeper = format!("keeper-{round}");
        server.user(&keeper, Role::Admin).await;
        assert_eq!(
            salama_server::auth::revoke_user(&server.store, left, "cli")
                .await
                .expect("store"),
            salama_server::store::Revocation::Revoked
        );
    }
}

#[tokio::test]
async fn sqlite_the_last_admin_is_never_revoked() {
    the_last_admin_is_never_revoked(spawn_configured(long_cache()).await).await;
}

#[tokio::test]
async fn postgres_the_last_admin_is_never_revoked() {
    let store = common::postgres_store().await;
    let folder = tempfile::tempdir().expect("temporary folder");
    the_last_admin_is_never_revoked(spawn_on(store, long_cache(), folder).await).await;
}

async fn the_audit_log_is_searched_by_lists_and_paged(server: Server) {
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    for name in ["enum-1", "enum-2", "enum-3"] {
        let (status, _) = server
            .post_as(
                &admin,
                "/api/users",
                &json!({"name": name, "role": "enumerator"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = post_empty(&server, &admin, "/api/users/enum-2/revoke").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let actions = |found: &Value| -> Vec<(String, String)> {
        found
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().expect("action").to_owned(),
                    e["detail"].as_str().expect("detail").to_owned(),
                )
            })
            .collect()
    };
    let (status, found) = get_as(
        &server,
        &admin,
        "/api/audit?who=admin-1,nobody&action=user_created&action=user_revoked",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let pair = |a: &str, d: &str| (a.to_owned(), d.to_owned());
    assert_eq!(
        actions(&found),
        [
            pair("user_revoked", "enum-2"),
            pair("user_created", "enum-3 (enumerator)"),
            pair("user_created", "enum-2 (enumerator)"),
            pair("user_created", "enum-1 (enumerator)"),
        ]
    );
    // Pages of two, newest first, each after the last id shown.
    let base = "/api/audit?who=admin-1&action=user_created,user_revoked&limit=2";
    let (_, first) = get_as(&server, &admin, base).await;
    let last_id = first[1]["id"].as_i64().expect("id");
    let (_, second) = get_as(&server, &admin, &format!("{base}&before_id={last_id}")).await;
    let (_, third) = get_as(
        &server,
        &admin,
        &format!("{base}&before_id={}", second[1]["id"].as_i64().expect("id")),
    )
    .await;
    let paged: Vec<_> = [actions(&first), actions(&second), actions(&third)].concat();
    assert_eq!(paged, actions(&found));
    assert_eq!(third, json!([]));
    // The CSV carries the same filters.
    let (_, rows) = server
        .download_csv(
            &admin,
            "/api/audit.csv?who=admin-1&action=user_created,user_revoked",
        )
        .await;
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][2], "user_revoked");
    // A misspelt action is named, with the known ones, not silently empty.
    let (status, body) = get_as(&server, &admin, "/api/audit?action=user_revokd").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["path"], "action[0]", "{body}");
    assert_eq!(
        body["error"]["fields"][0]["code"], "invalid_choice",
        "{body}"
    );
    let many = vec!["x"; 21].join(",");
    for bad in [
        format!("who={many}"),
        format!("who={}", "n".repeat(65)),
        "who=a%1Bb".to_owned(),
        "before_id=0".to_owned(),
        "before_id=ten".to_owned(),
    ] {
        let (status, body) = get_as(&server, &admin, &format!("/api/audit?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
}

#[tokio::test]
async fn sqlite_the_audit_log_is_searched_by_lists_and_paged() {
    the_audit_log_is_searched_by_lists_and_paged(spawn_configured(long_cache()).await).await;
}

#[tokio::test]
async fn postgres_the_audit_log_is_searched_by_lists_and_paged() {
    let store = common::postgres_store().await;
    let folder = tempfile::tempdir().expect("temporary folder");
    the_audit_log_is_searched_by_lists_and_paged(spawn_on(store, long_cache(), folder).await).await;
}

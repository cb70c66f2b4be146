//! Signing a phone in with a pairing code: made by an admin for an
//! enumerator, good once for 15 minutes, replaced by the next one, refused
//! for a revoked person, rate limited like logins; every hostile code,
//! label and origin answered with a structured error.

mod common;

use std::num::NonZeroU32;

use common::{assert_error, send};
use reqwest::StatusCode;
use salama_server::auth::Role;
use salama_server::limits::RateLimits;
use serde_json::{Value, json};

async fn make_code(
    server: &common::Server,
    admin: &str,
    name: &str,
    body: Value,
) -> (StatusCode, Value) {
    server
        .post_as(admin, &format!("/api/users/{name}/pairing"), &body)
        .await
}

async fn pair(server: &common::Server, code: &str, label: &str) -> (StatusCode, Value) {
    send(
        server
            .client
            .post(server.url("/api/devices/pair"))
            .json(&json!({ "code": code, "label": label })),
    )
    .await
}

#[tokio::test]
async fn a_code_signs_one_phone_in_once() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    server.user("enum-7", Role::Enumerator).await;

    let (status, made) = make_code(
        &server,
        &admin,
        "enum-7",
        json!({ "origin": "https://survey.example.org" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made:#}");
    let code = made["code"].as_str().expect("code").to_owned();
    assert_eq!(code.len(), 9, "two groups of four: {code}");
    assert_eq!(&code[4..5], "-");
    let plain = code.replace('-', "");
    assert_eq!(made["path"], format!("/field#pair={plain}"));
    let svg = made["qr_svg"].as_str().expect("a QR code");
    assert!(
        svg.contains("<svg") && svg.len() < 200_000,
        "{}",
        &svg[..100.min(svg.len())]
    );
    assert!(!svg.contains("<script"), "drawn, nothing more");
    // The code is kept only as a hash.
    let audit = server.store.recent_audit(10).await.expect("audit");
    assert!(audit.iter().any(|entry| entry.action == "pairing_created"
        && entry.actor == "ada"
        && entry.detail.contains("enum-7")));
    assert!(audit.iter().all(|entry| !entry.detail.contains(&plain)));

    // However it is typed, and the label is cleaned.
    let typed = format!(" {} ", code.to_lowercase().replace('-', " "));
    let (status, device) = pair(&server, &typed, "Samsung A14\u{1b}[2J, team 3").await;
    assert_eq!(status, StatusCode::CREATED, "{device:#}");
    assert_eq!(
        (&device["name"], &device["role"]),
        (&json!("enum-7"), &json!("enumerator"))
    );
    let token = device["token"].as_str().expect("token");
    let (status, _) = send(
        server
            .client
            .get(server.url("/api/assignments"))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the phone's token works");
    let (_, people) = send(
        server
            .client
            .get(server.url("/api/users"))
            .bearer_auth(&admin),
    )
    .await;
    let enumerator = people
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["name"] == "enum-7")
        .expect("listed")
        .clone();
    let labels: Vec<&Value> = enumerator["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .map(|device| &device["label"])
        .collect();
    assert!(
        labels.contains(&&json!("Samsung A14[2J, team 3")),
        "{labels:?}"
    );

    // Once only.
    let (status, again) = pair(&server, &code, "another phone").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&again, "unauthorized");
    let audit = server.store.recent_audit(10).await.expect("audit");
    assert!(audit.iter().any(|entry| entry.action == "pairing_failed"));
    assert!(audit.iter().any(|entry| entry.action == "device_registered"
        && entry.actor == "enum-7"
        && entry.detail.contains("paired by code")));
}

#[tokio::test]
async fn a_new_code_replaces_the_unused_one_and_a_revoked_person_pairs_nothing() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    server.user("enum-7", Role::Enumerator).await;
    server.user("enum-8", Role::Enumerator).await;

    let first = make_code(&server, &admin, "enum-7", json!({})).await.1;
    assert_eq!(first["qr_svg"], Value::Null, "no origin, no QR code");
    let second = make_code(&server, &admin, "enum-7", json!({})).await.1;
    assert_eq!(
        pair(&server, first["code"].as_str().expect("code"), "")
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        pair(&server, second["code"].as_str().expect("code"), "")
            .await
            .0,
        StatusCode::CREATED
    );

    let revoked = make_code(&server, &admin, "enum-8", json!({})).await.1;
    let (status, _) = server
        .post_as(&admin, "/api/users/enum-8/revoke", &json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        pair(&server, revoked["code"].as_str().expect("code"), "")
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let server = common::spawn().await;
    server.user("enum-7", Role::Enumerator).await;
    let code = "K7QM4TXP";
    server
        .store
        .create_pairing(
            &salama_server::auth::token_sha256(code),
            "enum-7",
            "ada",
            "2026-01-01T00:00:00Z",
        )
        .await
        .expect("kept");
    assert_eq!(pair(&server, code, "").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn hostile_codes_origins_and_callers_are_refused() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    server.user("enum-7", Role::Enumerator).await;

    for code in [
        "",
        "K7QM-4TX",
        "K0QM-4TXP",
        "K7QM\u{0}4TXP",
        "'; DROP TABLE tokens; --",
        &"K".repeat(10_000),
    ] {
        let (status, refused) = pair(&server, code, "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{code:.20}");
        assert_error(&refused, "invalid");
        assert_eq!(refused["error"]["fields"][0]["path"], "code");
    }
    for origin in [
        "javascript:alert(1)",
        "https://evil.example/phish",
        "https://survey.example.org?x=1",
        "https://",
        "https://a b",
        &format!("https://{}", "a".repeat(300)),
    ] {
        let (status, refused) =
            make_code(&server, &admin, "enum-7", json!({ "origin": origin })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{origin:.40}");
        assert_eq!(refused["error"]["fields"][0]["path"], "origin");
    }
    assert_eq!(
        make_code(&server, &analyst, "enum-7", json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    // Only an active enumerator gets a code: a phone never acts for staff.
    for name in ["ada", "ana", "nobody", "%00"] {
        assert_eq!(
            make_code(&server, &admin, name, json!({})).await.0,
            StatusCode::NOT_FOUND,
            "{name}"
        );
    }
    let (status, _) = send(
        server
            .client
            .post(server.url("/api/users/enum-7/pairing"))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        server
            .client
            .post(server.url("/api/devices/pair"))
            .json(&json!({ "code": "K7QM4TXP", "token": "x" })),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused"
    );
}

#[tokio::test]
async fn guessing_is_held_to_the_login_rate() {
    let server = common::spawn_with(RateLimits {
        logins_per_minute: NonZeroU32::new(3).expect("not zero"),
        submissions_per_minute: NonZeroU32::new(1000).expect("not zero"),
    })
    .await;
    let mut statuses = Vec::new();
    for guess in ["AAAAAAAA", "AAAAAAAB", "AAAAAAAC", "AAAAAAAD"] {
        statuses.push(pair(&server, guess, "").await.0);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

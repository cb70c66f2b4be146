//! Who may do what: every endpoint called by every role over real HTTP, and
//! the ways in (passwords, sessions, tokens) and their limits.

mod common;

use std::num::NonZeroU32;

use common::{
    As, Server, assert_error, interview, online, send, spawn, spawn_configured, spawn_with,
};
use reqwest::{Method, StatusCode};
use salama_server::auth::Role;
use salama_server::limits::RateLimits;
use serde_json::{Value, json};

/// Builds a fresh request each time (publishing needs a new version per call).
type MakeCall = Box<dyn FnMut() -> Call>;

struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
    /// A CSV body instead of JSON.
    csv: Option<&'static str>,
}

fn call(method: Method, path: &str, body: Option<Value>) -> Call {
    Call {
        method,
        path: path.to_owned(),
        body,
        csv: None,
    }
}

async fn status(server: &Server, who: &As, call: &Call) -> StatusCode {
    let mut request = server.with(
        server
            .client
            .request(call.method.clone(), server.url(&call.path)),
        who,
    );
    if let Some(body) = &call.body {
        request = request.json(body);
    }
    if let Some(csv) = call.csv {
        request = request.header("content-type", "text/csv").body(csv);
    }
    send(request).await.0
}

/// The default questionnaire's version, published at start-up.
const SHIPPED: u32 = salama_shared::default_survey::COMMUNITY_SAFETY_VERSION;

fn new_version(version: u32) -> Value {
    let mut survey = serde_json::to_value(salama_shared::community_safety()).expect("serialises");
    survey["version"] = json!(version);
    survey
}

#[tokio::test]
async fn every_endpoint_for_every_role() {
    let server = spawn().await;
    let (_, enumerator) = server.user("enum-1", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (status_code, receipt) = server.submit(&online()).await;
    assert_eq!(status_code, StatusCode::CREATED);
    let receipt_path = format!(
        "/api/submissions/{}/receipt",
        receipt["submission_id"].as_str().expect("id")
    );

    use StatusCode as S;
    // (call, anonymous, enumerator, analyst, admin)
    let mut next_version = SHIPPED + 1;
    let mut next_user = 0;
    let submitted = receipt["submission_id"].as_str().expect("id").to_owned();
    let review_path = format!("/api/submissions/{submitted}/review");
    let (review_read, review_decide) = (review_path.clone(), review_path);
    let corrections = format!("/api/submissions/{submitted}/corrections");
    let resend = format!("/api/submissions/{submitted}/resend");
    let bulk = json!({ "submission_ids": [submitted] });
    let mut matrix: Vec<(MakeCall, [S; 4])> = vec![
        (Box::new(|| call(Method::GET, "/healthz", None)), [S::OK; 4]),
        (
            Box::new(|| call(Method::GET, "/api/openapi.json", None)),
            [S::OK; 4],
        ),
        (
            Box::new(|| call(Method::GET, "/api/surveys", None)),
            [S::OK; 4],
        ),
        (
            Box::new(|| call(Method::GET, "/api/surveys/community-safety", None)),
            [S::OK; 4],
        ),
        (
            Box::new(|| {
                call(
                    Method::GET,
                    &format!("/api/surveys/community-safety/versions/{SHIPPED}"),
                    None,
                )
            }),
            [S::OK; 4],
        ),
        (
            Box::new(|| {
                call(
                    Method::GET,
                    &format!("/api/surveys/community-safety/versions/{SHIPPED}/xlsform"),
                    None,
                )
            }),
            [S::OK; 4],
        ),
        (
            Box::new(move || {
                next_version += 1;
                call(
                    Method::POST,
                    "/api/surveys",
                    Some(new_version(next_version)),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::CREATED],
        ),
        (
            Box::new(|| {
                call(
                    Method::POST,
                    "/api/survey-check",
                    Some(new_version(SHIPPED + 100)),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::PATCH,
                    "/api/surveys/community-safety",
                    Some(json!({"public": true})),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            // Anyone signed in may choose their password; the wrong current
            // one here leaves every account as it was.
            Box::new(|| {
                call(
                    Method::POST,
                    "/api/me/password",
                    Some(json!({"current": "not it", "new": "a new long password"})),
                )
            }),
            [
                S::UNAUTHORIZED,
                S::UNPROCESSABLE_ENTITY,
                S::UNPROCESSABLE_ENTITY,
                S::UNPROCESSABLE_ENTITY,
            ],
        ),
        (
            Box::new(|| {
                call(
                    Method::POST,
                    "/api/surveys/community-safety/submissions",
                    Some(online()),
                )
            }),
            [S::CREATED; 4],
        ),
        (
            Box::new(|| {
                call(
                    Method::POST,
                    "/api/surveys/community-safety/submissions",
                    Some(interview()),
                )
            }),
            [S::UNAUTHORIZED, S::CREATED, S::FORBIDDEN, S::FORBIDDEN],
        ),
        (
            Box::new(move || call(Method::GET, &receipt_path, None)),
            [S::OK; 4],
        ),
        (
            Box::new(|| call(Method::GET, "/api/me", None)),
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK],
        ),
        (
            Box::new(|| call(Method::GET, "/api/audit", None)),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| call(Method::GET, "/api/doctor", None)),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::GET,
                    "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4&by=sex",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK],
        ),
        (
            // Exact tables, outside the disclosure policy: admins only.
            Box::new(|| {
                call(
                    Method::GET,
                    "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4&by=sex&exact=true",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::GET,
                    "/api/surveys/community-safety/disclosure",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::PUT,
                    "/api/surveys/community-safety/disclosure",
                    Some(
                        serde_json::to_value(
                            salama_shared::disclosure::DisclosurePolicy::default(),
                        )
                        .expect("a policy"),
                    ),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| call(Method::GET, "/api/assignments", None)),
            [S::UNAUTHORIZED, S::OK, S::OK, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::GET,
                    "/api/surveys/community-safety/assignments",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::PUT,
                    "/api/surveys/community-safety/assignments",
                    Some(json!([{"enumerator": "enum-1", "cluster_id": "ea-1"}])),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::DELETE,
                    "/api/surveys/community-safety/assignments/enum-1/ea-1",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::NO_CONTENT],
        ),
        (
            Box::new(|| {
                call(
                    Method::POST,
                    "/api/devices",
                    Some(json!({"name": "nobody", "password": "x"})),
                )
            }),
            [S::UNAUTHORIZED; 4],
        ),
        (
            Box::new(|| call(Method::GET, "/api/surveys/community-safety/fieldwork", None)),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::GET,
                    "/api/surveys/community-safety/microdata.csv",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::GET,
                    "/api/surveys/community-safety/codebook.csv",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK],
        ),
        (
            Box::new(|| Call {
                csv: Some("cluster_id,weight\ncentral-capital-ea-042,2.5\n"),
                ..call(Method::POST, "/api/surveys/community-safety/weights", None)
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::OK, S::OK],
        ),
        (
            Box::new(|| Call {
                csv: Some("cluster,stratum,area,enumerator\nea-9,,,enum-1\n"),
                ..call(
                    Method::POST,
                    "/api/surveys/community-safety/assignments.csv?dry_run=true",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| call(Method::GET, "/api/audit.csv?action=login", None)),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| call(Method::GET, "/api/surveys/community-safety/reviews", None)),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(move || call(Method::GET, &review_read, None)),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(move || {
                call(
                    Method::POST,
                    &corrections,
                    Some(json!({"reason": "typed 40 for 41", "revision": 0,
                        "changes": [{"path": "resp_age", "value": 41}]})),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::CREATED],
        ),
        (
            Box::new(move || {
                call(
                    Method::POST,
                    &review_decide,
                    Some(json!({"state": "approved"})),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(move || {
                call(
                    Method::POST,
                    "/api/surveys/community-safety/reviews/approve",
                    Some(bulk.clone()),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::GET,
                    "/api/surveys/community-safety/review-policy",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::PUT,
                    "/api/surveys/community-safety/review-policy",
                    Some(json!({"approved_only": false})),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::GET,
                    "/api/surveys/community-safety/flag-rules",
                    None,
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::PUT,
                    "/api/surveys/community-safety/flag-rules",
                    Some(json!({"min_minutes": 10})),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| {
                call(
                    Method::PUT,
                    "/api/users/enum-1/supervisor",
                    Some(json!({"supervisor": null})),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(|| call(Method::GET, "/api/returned", None)),
            [S::UNAUTHORIZED, S::OK, S::FORBIDDEN, S::FORBIDDEN],
        ),
        (
            // An online answer is nobody's to resend.
            Box::new(move || call(Method::POST, &resend, Some(interview()))),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::FORBIDDEN],
        ),
        (
            Box::new(|| call(Method::GET, "/api/users", None)),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::OK],
        ),
        (
            Box::new(move || {
                next_user += 1;
                call(
                    Method::POST,
                    "/api/users",
                    Some(json!({"name": format!("new-{next_user}"), "role": "enumerator"})),
                )
            }),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::CREATED],
        ),
        (
            Box::new(|| call(Method::POST, "/api/users/nobody/revoke", None)),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::NOT_FOUND],
        ),
        (
            Box::new(|| call(Method::POST, "/api/devices/0123456789abcdef/revoke", None)),
            [S::UNAUTHORIZED, S::FORBIDDEN, S::FORBIDDEN, S::NOT_FOUND],
        ),
        (
            Box::new(|| {
                call(
                    Method::POST,
                    "/api/login",
                    Some(json!({"name": "nobody", "password": "x"})),
                )
            }),
            [S::UNAUTHORIZED; 4],
        ),
    ];
    let roles = [
        As::Anonymous,
        As::Token(enumerator),
        As::Token(analyst),
        As::Token(admin.clone()),
    ];
    let mut failures = Vec::new();
    for (make, expected) in &mut matrix {
        for (who, expected) in roles.iter().zip(expected.iter()) {
            let call = make();
            let got = status(&server, who, &call).await;
            if got != *expected {
                failures.push(format!(
                    "{} {} as {who:?}: {got}, expected {expected}",
                    call.method, call.path
                ));
            }
        }
    }
    // Logging out ends the caller's own token; anonymous callers have none.
    let logout = call(Method::POST, "/api/logout", None);
    assert_eq!(
        status(&server, &As::Anonymous, &logout).await,
        S::UNAUTHORIZED
    );
    assert_eq!(
        status(&server, &As::Token(admin.clone()), &logout).await,
        S::NO_CONTENT
    );
    assert_eq!(
        status(
            &server,
            &As::Token(admin),
            &call(Method::GET, "/api/me", None)
        )
        .await,
        S::UNAUTHORIZED
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_bad_token_is_refused_even_where_anonymous_callers_are_welcome() {
    let server = spawn().await;
    for path in ["/api/surveys", "/api/surveys/community-safety"] {
        let (status, body) = send(
            server
                .client
                .get(server.url(path))
                .bearer_auth("slm_forged"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_error(&body, "unauthorized");
    }
}

#[tokio::test]
async fn a_browser_session_lives_in_a_strict_http_only_cookie() {
    let server = spawn().await;
    let (password, _) = server.user("amina", Role::Analyst).await;
    let response = server
        .client
        .post(server.url("/api/login"))
        .json(&json!({"name": "amina", "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("salama_session=sess_"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().expect("pair").to_owned();
    let with_session = |method: Method, path: &str| {
        send(
            server
                .client
                .request(method, server.url(path))
                .header("cookie", &session)
                // As the browser sends it from Salama's own pages.
                .header("origin", &server.base),
        )
    };
    let (status, me) = with_session(Method::GET, "/api/me").await;
    assert_eq!((status, &me["role"]), (StatusCode::OK, &json!("analyst")));
    assert_eq!(
        with_session(Method::POST, "/api/logout").await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        with_session(Method::GET, "/api/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    // A wrong password is refused and audited.
    let (status, body) = send(
        server
            .client
            .post(server.url("/api/login"))
            .json(&json!({"name": "amina", "password": "guess"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    let actions: Vec<String> = server
        .store
        .recent_audit(20)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    for expected in [
        "user_created",
        "token_created",
        "login",
        "logout",
        "login_failed",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn revoking_a_user_ends_their_tokens() {
    // Revoking from another process (the CLI) takes effect once the server
    // stops trusting its memory of the token; here it keeps none.
    let server = spawn_configured(salama_server::Config {
        remember_callers_for: std::time::Duration::ZERO,
        ..salama_server::Config::default()
    })
    .await;
    let (_, token) = server.user("enum-2", Role::Enumerator).await;
    let interview_as_enum_2 = || {
        send(
            server
                .client
                .post(server.url("/api/surveys/community-safety/submissions"))
                .bearer_auth(&token)
                .json(&interview()),
        )
    };
    assert_eq!(interview_as_enum_2().await.0, StatusCode::CREATED);
    assert_eq!(
        salama_server::auth::revoke_user(&server.store, "enum-2", "test")
            .await
            .expect("revoked"),
        salama_server::store::Revocation::Revoked
    );
    let (status, _) = interview_as_enum_2().await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logins_and_anonymous_submissions_are_rate_limited_per_address() {
    let server = spawn_with(RateLimits {
        logins_per_minute: NonZeroU32::new(3).expect("not zero"),
        submissions_per_minute: NonZeroU32::new(2).expect("not zero"),
    })
    .await;
    let attempt = json!({"name": "admin", "password": "guess"});
    for _ in 0..3 {
        let (status, _) = send(server.client.post(server.url("/api/login")).json(&attempt)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let response = server
        .client
        .post(server.url("/api/login"))
        .json(&attempt)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_error(&response.json().await.expect("json"), "rate_limited");

    for _ in 0..2 {
        assert_eq!(server.submit(&online()).await.0, StatusCode::CREATED);
    }
    let (status, body) = server.submit(&online()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_error(&body, "rate_limited");
}

#[tokio::test]
async fn publishing_checks_the_definition_and_never_changes_a_version() {
    let server = spawn().await;
    let (_, admin) = server.user("admin-2", Role::Admin).await;
    let publish = |body: Value| {
        send(
            server
                .client
                .post(server.url("/api/surveys"))
                .bearer_auth(&admin)
                .json(&body),
        )
    };
    let mut broken = new_version(SHIPPED + 1);
    broken["sections"][0]["questions"][0]["relevant"] = json!("${nowhere} = 1");
    broken["languages"] = json!(["en", "fr", "ar", "sw"]);
    let (status, body) = publish(broken).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = body["error"]["fields"].as_array().expect("fields");
    assert!(fields.iter().any(|f| f["path"] == "questions.resp_sex.relevant" && f["code"] == "unknown_reference"), "{fields:#?}");
    assert!(
        fields
            .iter()
            .any(|f| f["path"] == "title.sw" && f["code"] == "missing_translation")
    );
    let (status, _) = publish(new_version(SHIPPED + 1)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = publish(new_version(SHIPPED + 1)).await;
    assert_eq!(status, StatusCode::OK);
    let mut changed = new_version(SHIPPED + 1);
    changed["title"]["en"] = json!("Another title");
    let (status, body) = publish(changed).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "conflict");
    let (_, latest) = server.get("/api/surveys/community-safety").await;
    assert_eq!(latest["version"], SHIPPED + 1);
    let (status, audit) = send(
        server
            .client
            .get(server.url("/api/audit"))
            .bearer_auth(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let publications = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "publish")
        .count();
    assert_eq!(
        publications, 2,
        "the default questionnaire and version 2, once"
    );
}

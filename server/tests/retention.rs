//! A survey's retention date over HTTP (DOMAIN §5): an admin sets it, the
//! survey team reads where it stands, the survey takes no answer once it
//! has passed, and the destruction pass leaves nothing of the respondents.

mod common;

use common::{As, assert_error, online, send};
use reqwest::StatusCode;
use salama_server::auth::Role;
use salama_shared::date::Date;
use serde_json::{Value, json};

const RETENTION: &str = "/api/surveys/community-safety/retention";

async fn put(server: &common::Server, token: &str, body: Value) -> (StatusCode, Value) {
    send(
        server
            .client
            .put(server.url(RETENTION))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

async fn get(server: &common::Server, who: &As) -> (StatusCode, Value) {
    send(server.with(server.client.get(server.url(RETENTION)), who)).await
}

/// `GET /api/surveys` as staff see it.
async fn staff_listing(server: &common::Server, token: &str) -> Value {
    send(
        server
            .client
            .get(server.url("/api/surveys"))
            .bearer_auth(token),
    )
    .await
    .1
}

fn days_from_today(days: i32) -> Date {
    Date::from_days(salama_server::store::today().days() + days)
}

#[tokio::test]
async fn an_admin_sets_the_date_and_the_team_sees_where_it_stands() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;

    let (status, unset) = get(&server, &As::Token(analyst.clone())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unset["standing"], "not_set");
    assert_eq!(unset["retain_until"], Value::Null);

    let far = days_from_today(400).to_string();
    let (status, set) = put(&server, &admin, json!({ "retain_until": far })).await;
    assert_eq!(status, StatusCode::OK, "{set:#}");
    assert_eq!(
        (
            &set["retain_until"],
            &set["standing"],
            &set["days_left"],
            &set["set_by"]
        ),
        (&json!(far), &json!("kept"), &json!(400), &json!("ada"))
    );

    // Within thirty days the standing warns, down to the last day.
    let soon = days_from_today(0).to_string();
    let (_, warned) = put(&server, &admin, json!({ "retain_until": soon })).await;
    assert_eq!(
        (&warned["standing"], &warned["days_left"]),
        (&json!("warning"), &json!(0))
    );
    let (_, read) = get(&server, &As::Token(admin.clone())).await;
    assert_eq!(read, warned);

    // The staff's listing carries it; the public one does not.
    let listed = staff_listing(&server, &analyst).await;
    assert_eq!(listed[0]["retention"]["retain_until"], json!(soon));
    let (_, public) = server.get("/api/surveys").await;
    assert_eq!(public[0].get("retention"), None);

    // A day that is still kept takes answers.
    let (status, _) = server.submit(&online()).await;
    assert_eq!(status, StatusCode::CREATED);

    let audit = server.store.recent_audit(20).await.expect("audit");
    let set: Vec<_> = audit
        .iter()
        .filter(|entry| entry.action == "retention_set")
        .map(|entry| (entry.actor.as_str(), entry.detail.clone()))
        .collect();
    assert_eq!(
        set,
        [
            (
                "ada",
                format!("community-safety: raw data kept until {soon}")
            ),
            (
                "ada",
                format!("community-safety: raw data kept until {far}")
            ),
        ]
    );
}

#[tokio::test]
async fn hostile_dates_and_callers_are_refused_with_the_field() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    let (_, enumerator) = server.user("eno", Role::Enumerator).await;
    let tomorrow = days_from_today(1).to_string();

    for (body, code) in [
        (
            json!({ "retain_until": days_from_today(-1).to_string() }),
            "date_passed",
        ),
        (
            json!({ "retain_until": days_from_today(20_000).to_string() }),
            "date_too_far",
        ),
        (json!({ "retain_until": "30/06/2027" }), "invalid_date"),
        (json!({ "retain_until": "2027-02-30" }), "invalid_date"),
        (
            json!({ "retain_until": format!("{tomorrow}\u{1b}[2J") }),
            "invalid_date",
        ),
        (
            json!({ "retain_until": "x".repeat(10_000) }),
            "invalid_date",
        ),
    ] {
        let (status, refused) = put(&server, &admin, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_error(&refused, "invalid");
        assert_eq!(
            refused["error"]["fields"][0]["path"], "retain_until",
            "{body}"
        );
        assert_eq!(refused["error"]["fields"][0]["code"], code, "{body}");
        let message = refused["error"]["message"].as_str().expect("message");
        assert!(
            message.len() < 200 && !message.contains('\u{1b}'),
            "{message}"
        );
    }
    for body in [
        json!({ "retain_until": 20270630 }),
        json!({ "retain_until": tomorrow, "destroy_now": true }),
        json!({}),
        json!([tomorrow]),
    ] {
        let (status, refused) = put(&server, &admin, body.clone()).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{body}: {status}"
        );
        assert!(refused["error"]["code"].is_string(), "{body}");
    }
    let valid = json!({ "retain_until": tomorrow });
    for (token, status) in [
        (&analyst, StatusCode::FORBIDDEN),
        (&enumerator, StatusCode::FORBIDDEN),
    ] {
        assert_eq!(put(&server, token, valid.clone()).await.0, status);
    }
    assert_eq!(
        get(&server, &As::Token(enumerator)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&server, &As::Anonymous).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = send(
        server
            .client
            .put(server.url("/api/surveys/no-such-survey/retention"))
            .bearer_auth(&admin)
            .json(&valid),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing refused was stored.
    assert_eq!(
        server
            .store
            .retention("community-safety")
            .await
            .expect("read"),
        None
    );
}

#[tokio::test]
async fn once_the_date_has_passed_no_answer_is_taken_and_the_raw_data_goes() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    let first = online();
    let (status, _) = server.submit(&first).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = server.submit(&online()).await;
    assert_eq!(status, StatusCode::CREATED);

    // Yesterday was the last day (the API refuses such a date; an admin
    // who set one a year ago reaches the same place).
    let yesterday = days_from_today(-1);
    server
        .store
        .set_retention("community-safety", yesterday, "ada")
        .await
        .expect("set");
    let (status, refused) = server.submit(&online()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused:#}");
    assert_error(&refused, "survey_closed");
    // A resend of an answer stored before is refused too: the survey is
    // closed to everything.
    assert_eq!(server.submit(&first).await.0, StatusCode::CONFLICT);

    let (_, standing) = get(&server, &As::Token(admin.clone())).await;
    assert_eq!(standing["standing"], "passed");

    let destroyed = salama_server::retention::pass(&server.store, salama_server::store::today())
        .await
        .expect("pass");
    assert_eq!(destroyed.len(), 1);
    assert_eq!(destroyed[0].submissions, 2);
    let (_, standing) = get(&server, &As::Token(admin.clone())).await;
    assert_eq!(standing["destroyed_submissions"], 2);
    assert!(standing["destroyed_at"].is_string());

    let receipt = format!(
        "/api/submissions/{}/receipt",
        first["submission_id"].as_str().expect("id")
    );
    assert_eq!(server.get(&receipt).await.0, StatusCode::NOT_FOUND);
    let (_, rows) = server
        .download_csv(&admin, "/api/surveys/community-safety/microdata.csv")
        .await;
    assert!(rows.is_empty(), "no respondent's row is left");
    let listed = staff_listing(&server, &admin).await;
    assert_eq!(listed[0]["submissions"], 0);

    // Postponed, the survey takes answers again; nothing comes back.
    let (status, _) = put(
        &server,
        &admin,
        json!({ "retain_until": days_from_today(90).to_string() }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.submit(&online()).await.0, StatusCode::CREATED);
    let listed = staff_listing(&server, &admin).await;
    assert_eq!(listed[0]["submissions"], 1);
}

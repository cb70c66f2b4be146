//! Household visits over a real server: an enumerator's device sends every
//! visit (refusals and empty doorsteps included) through its outbox, each
//! stored once under the id the device made; the survey team reads the
//! response rates they make, per survey, cluster and enumerator.

mod common;

use common::{As, assert_error, send, spawn};
use reqwest::{Method, StatusCode};
use salama_server::auth::Role;
use serde_json::{Value, json};

const VISITS: &str = "/api/surveys/community-safety/visits";
const RATES: &str = "/api/surveys/community-safety/response-rates";

async fn call(
    server: &common::Server,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = server.with(
        server.client.request(method, server.url(path)),
        &As::Token(token.to_owned()),
    );
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

fn visit(cluster: &str, household: &str, outcome: &str) -> Value {
    json!({
        "visit_id": uuid::Uuid::new_v4(),
        "survey_id": "community-safety",
        "cluster_id": cluster,
        "household": household,
        "visited_at": "2026-11-27T09:30:00+03:00",
        "outcome": outcome,
    })
}

/// A server with an admin, an analyst and an enumerator given cluster ea-1.
async fn fieldwork() -> (common::Server, String, String, String) {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let (_, enumerator) = server.user("enum-1", Role::Enumerator).await;
    let (status, body) = call(
        &server,
        Method::PUT,
        "/api/surveys/community-safety/assignments",
        &admin,
        Some(json!([{"enumerator": "enum-1", "cluster_id": "ea-1", "area": "central-capital"}])),
    )
    .await;
    assert!(status.is_success(), "{status} {body:#}");
    (server, admin, analyst, enumerator)
}

fn paths(body: &Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|field| {
            (
                field["path"].as_str().unwrap_or_default().to_owned(),
                field["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_refusal_is_stored_once_without_answers_and_counts_in_the_rates() {
    let (server, admin, analyst, enumerator) = fieldwork().await;
    let refusal = visit("ea-1", "7", "household_refused");
    let post = |body: Value| call(&server, Method::POST, VISITS, &enumerator, Some(body));
    let (status, receipt) = post(refusal.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt:#}");
    assert_eq!(receipt["visit_id"], refusal["visit_id"]);
    // The outbox sends again after a lost answer: the same receipt, no row.
    let (status, again) = post(refusal.clone()).await;
    assert_eq!((status, &again), (StatusCode::OK, &receipt));
    // Credited to the sender either way: naming oneself is the same visit.
    let mut named = refusal.clone();
    named["enumerator_id"] = json!("enum-1");
    let (status, _) = post(named).await;
    assert_eq!(status, StatusCode::OK);
    // Other content under the same id is never an overwrite.
    let mut changed = refusal.clone();
    changed["outcome"] = json!("no_one_home");
    let (status, body) = post(changed).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "conflict");

    // A call-back at another household completes an interview.
    let mut interview = common::interview();
    interview["cluster_id"] = json!("ea-1");
    let (status, stored) = call(
        &server,
        Method::POST,
        "/api/surveys/community-safety/submissions",
        &enumerator,
        Some(interview),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{stored:#}");
    let mut first = visit("ea-1", "8", "no_one_home");
    first["note"] = json!("back after 5 pm");
    let mut completed = visit("ea-1", "8", "completed");
    completed["visited_at"] = json!("2026-11-28T17:10:00+03:00");
    completed["submission_id"] = stored["submission_id"].clone();
    for body in [first, completed] {
        let (status, answer) = post(body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    }

    for reader in [&admin, &analyst] {
        let (status, rates) = call(&server, Method::GET, RATES, reader, None).await;
        assert_eq!(status, StatusCode::OK, "{rates:#}");
        let survey = &rates["survey"];
        assert_eq!(survey["households"], 2);
        assert_eq!(survey["visits"], 3);
        assert_eq!(survey["outcomes"]["household_refused"], 1);
        assert_eq!(survey["outcomes"]["completed"], 1);
        // One household listed and interviewed, one refusal: 1/2 at every
        // level; no unknown eligibility, so RR3 is RR1.
        for rate in [
            "household_rr1",
            "household_rr3",
            "individual_rr1",
            "individual_rr3",
            "dhs_household",
            "dhs_overall",
        ] {
            assert_eq!(survey[rate], 0.5, "{rate}: {survey:#}");
        }
        assert_eq!(survey["dhs_individual"], 1.0);
        assert_eq!(rates["clusters"][0]["key"], "ea-1");
        assert_eq!(rates["enumerators"][0]["key"], "enum-1");
        assert_eq!(rates["enumerators"][0]["rates"]["households"], 2);
    }
    // The device may send visits, not read the team's rates.
    let (status, _) = call(&server, Method::GET, RATES, &enumerator, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn hostile_visits_are_refused_with_the_field_named() {
    let (server, admin, analyst, enumerator) = fieldwork().await;
    let post = |body: Value| call(&server, Method::POST, VISITS, &enumerator, Some(body));

    // A cluster the survey never gave this enumerator.
    let (status, body) = post(visit("ea-99", "1", "no_one_home")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        paths(&body),
        [("cluster_id".into(), "cluster_not_assigned".into())]
    );

    // An outcome code no one defined.
    let (status, body) = post(visit("ea-1", "1", "abducted_by_aliens")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_eq!(body["error"]["fields"][0]["path"], "outcome", "{body:#}");

    // Too long, control characters, codes that are not plain, a completed
    // visit naming no interview, a refusal naming one, a time far ahead.
    let mut long = visit("ea-1", "1", "no_one_home");
    long["note"] = json!("x".repeat(501));
    long["household"] = json!("=HYPERLINK(\"x\")");
    long["visited_at"] = json!("2099-01-01T00:00:00Z");
    let (status, body) = post(long).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        paths(&body),
        [
            ("household".into(), "invalid_code".into()),
            ("visited_at".into(), "implausible_time".into()),
            ("note".into(), "too_long".into()),
        ]
    );
    assert!(
        body["error"]["fields"][2]["message"]
            .as_str()
            .is_some_and(|m| m.contains("500")),
        "{body:#}"
    );
    let mut escape = visit("ea-1", "1", "no_one_home");
    escape["note"] = json!("back\u{1b}[2J");
    let (_, body) = post(escape).await;
    assert_eq!(paths(&body), [("note".into(), "wrong_type".into())]);
    let (_, body) = post(visit("ea-1", "1", "completed")).await;
    assert_eq!(paths(&body), [("submission_id".into(), "required".into())]);
    let mut refused = visit("ea-1", "1", "respondent_refused");
    refused["submission_id"] = json!(uuid::Uuid::new_v4());
    let (_, body) = post(refused).await;
    assert_eq!(
        paths(&body),
        [("submission_id".into(), "no_answer_expected".into())]
    );

    // Someone else's name, another survey's id, unknown fields, no survey.
    let mut other = visit("ea-1", "1", "no_one_home");
    other["enumerator_id"] = json!("enum-2");
    other["survey_id"] = json!("elsewhere");
    let (_, body) = post(other).await;
    assert_eq!(
        paths(&body),
        [
            ("survey_id".into(), "survey_mismatch".into()),
            ("enumerator_id".into(), "not_the_sender".into()),
        ]
    );
    let mut extra = visit("ea-1", "1", "no_one_home");
    extra["answers"] = json!({"q1": "yes"});
    let (status, _) = post(extra).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no answers ride along"
    );
    let (status, body) = call(
        &server,
        Method::POST,
        "/api/surveys/nowhere/visits",
        &enumerator,
        Some(visit("ea-1", "1", "no_one_home")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let (status, _) = call(
        &server,
        Method::POST,
        VISITS,
        &enumerator,
        Some(json!("not an object")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let truncated = server
        .client
        .post(server.url(VISITS))
        .bearer_auth(&enumerator)
        .header("content-type", "application/json")
        .body("{\"visit_id\":");
    let (status, body) = send(truncated).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request");

    // Only enumerators send visits; nobody anonymous reads rates.
    for staff in [&admin, &analyst] {
        let (status, _) = call(
            &server,
            Method::POST,
            VISITS,
            staff,
            Some(visit("ea-1", "1", "vacant")),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = send(server.client.get(server.url(RATES))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &server,
        Method::GET,
        "/api/surveys/nowhere/response-rates",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Nothing refused was stored: no rate to report.
    let (_, rates) = call(&server, Method::GET, RATES, &admin, None).await;
    assert_eq!(rates["survey"]["households"], 0);
    assert_eq!(rates["survey"]["household_rr1"], Value::Null);
}

#[tokio::test]
async fn a_supervisor_reads_the_rates_of_their_own_team_only() {
    let (server, admin, _, first) = fieldwork().await;
    let (_, second) = server.user("enum-2", Role::Enumerator).await;
    let (status, body) = call(
        &server,
        Method::PUT,
        "/api/surveys/community-safety/assignments",
        &admin,
        Some(json!([{"enumerator": "enum-2", "cluster_id": "ea-2", "area": "north-hills"}])),
    )
    .await;
    assert!(status.is_success(), "{status} {body:#}");
    let (_, supervisor_1) = server.user("sup-1", Role::Supervisor).await;
    let (_, supervisor_2) = server.user("sup-2", Role::Supervisor).await;
    let (_, lonely) = server.user("sup-3", Role::Supervisor).await;
    for (enumerator, supervisor) in [("enum-1", "sup-1"), ("enum-2", "sup-2")] {
        let (status, body) = call(
            &server,
            Method::PUT,
            &format!("/api/users/{enumerator}/supervisor"),
            &admin,
            Some(json!({"supervisor": supervisor})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
    }
    let post = |token: &String, body: Value| {
        let token = token.clone();
        let server = &server;
        async move { call(server, Method::POST, VISITS, &token, Some(body)).await }
    };
    for (token, cluster, household, outcome) in [
        (&first, "ea-1", "1", "household_refused"),
        (&first, "ea-1", "2", "no_one_home"),
        (&second, "ea-2", "1", "vacant"),
        (&second, "ea-2", "2", "household_refused"),
        (&second, "ea-2", "3", "no_one_home"),
    ] {
        let (status, body) = post(token, visit(cluster, household, outcome)).await;
        assert_eq!(status, StatusCode::CREATED, "{body:#}");
    }
    let households = |rates: &Value| rates["survey"]["households"].as_u64();
    let (_, everything) = call(&server, Method::GET, RATES, &admin, None).await;
    assert_eq!(households(&everything), Some(5));
    let (status, own) = call(&server, Method::GET, RATES, &supervisor_1, None).await;
    assert_eq!(status, StatusCode::OK, "{own:#}");
    assert_eq!(households(&own), Some(2), "{own:#}");
    assert_eq!(own["clusters"][0]["key"], "ea-1");
    assert_eq!(own["enumerators"].as_array().map(Vec::len), Some(1));
    let (_, other) = call(&server, Method::GET, RATES, &supervisor_2, None).await;
    assert_eq!(households(&other), Some(3), "{other:#}");
    assert_eq!(other["clusters"][0]["key"], "ea-2");
    // A supervisor without a team sees nothing, not everything.
    let (status, none) = call(&server, Method::GET, RATES, &lonely, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(households(&none), Some(0), "{none:#}");
}

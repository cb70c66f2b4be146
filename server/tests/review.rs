//! Supervisors review interviews over real HTTP: their teams' only, with
//! decisions that move forward, corrections validated again, and
//! aggregates that follow each decision at once.

mod common;

use common::{Server, assert_error, call, interview, send, spawn};
use reqwest::{Method, StatusCode};
use salama_server::auth::Role;
use serde_json::{Value, json};

const SURVEY: &str = "/api/surveys/community-safety";
const CLUSTER: &str = "central-capital-ea-042";

/// The paths of the fields an error names, in order.
fn field_paths(body: &Value) -> Vec<&str> {
    body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect()
}

async fn get(server: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    call(server, Method::GET, path, token, None).await
}

/// A team: an admin, supervisors `sup-1` (of `enum-1`, given the sample's
/// cluster) and `sup-2` (of nobody), an analyst; returns their tokens.
struct Team {
    admin: String,
    sup_1: String,
    sup_2: String,
    enumerator: String,
    analyst: String,
}

async fn team(server: &Server) -> Team {
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, sup_1) = server.user("sup-1", Role::Supervisor).await;
    let (_, sup_2) = server.user("sup-2", Role::Supervisor).await;
    let (_, enumerator) = server.user("enum-1", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let (status, body) = call(
        server,
        Method::PUT,
        &format!("{SURVEY}/assignments"),
        &admin,
        Some(json!([{"enumerator": "enum-1", "cluster_id": CLUSTER}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    let (status, body) = call(
        server,
        Method::PUT,
        "/api/users/enum-1/supervisor",
        &admin,
        Some(json!({"supervisor": "sup-1"})),
    )
    .await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &json!({"supervisor": "sup-1"}))
    );
    Team {
        admin,
        sup_1,
        sup_2,
        enumerator,
        analyst,
    }
}

/// An interview sent by the enumerator; its id.
async fn interviewed(server: &Server, enumerator: &str) -> String {
    let submission = interview();
    let (status, receipt) = call(
        server,
        Method::POST,
        &format!("{SURVEY}/submissions"),
        enumerator,
        Some(submission),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt:#}");
    receipt["submission_id"].as_str().expect("id").to_owned()
}

/// Interviews the aggregates count now.
/// Interviews the aggregates count, read exactly by an admin (an
/// analyst's table withholds counts this small).
async fn counted(server: &Server, admin: &str) -> u64 {
    let (status, table) = get(
        server,
        admin,
        &format!("{SURVEY}/aggregates?indicator=sdg_16_1_4&channel=enumerator&exact=true"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{table:#}");
    table["populations"]
        .as_array()
        .and_then(|populations| populations.first())
        .and_then(|population| population["cells"][0]["n"].as_u64())
        .unwrap_or(0)
}

async fn decide(
    server: &Server,
    token: &str,
    id: &str,
    state: &str,
    reason: &str,
) -> (StatusCode, Value) {
    call(
        server,
        Method::POST,
        &format!("/api/submissions/{id}/review"),
        token,
        Some(json!({"state": state, "reason": reason})),
    )
    .await
}

#[tokio::test]
async fn a_supervisor_approves_and_rejects_and_the_aggregates_follow() {
    let server = spawn().await;
    let team = team(&server).await;
    let first = interviewed(&server, &team.enumerator).await;
    let second = interviewed(&server, &team.enumerator).await;
    assert_eq!(counted(&server, &team.admin).await, 2);

    let (status, list) = get(&server, &team.sup_1, &format!("{SURVEY}/reviews")).await;
    assert_eq!(status, StatusCode::OK, "{list:#}");
    let listed: Vec<(&str, &str)> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|item| {
            (
                item["submission_id"].as_str().unwrap_or(""),
                item["state"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [(second.as_str(), "received"), (first.as_str(), "received")]
    );
    assert_eq!(list[0]["enumerator_id"], "enum-1");
    assert_eq!(list[0]["cluster_id"], CLUSTER);

    let (status, detail) = get(
        &server,
        &team.sup_1,
        &format!("/api/submissions/{first}/review"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{detail:#}");
    assert_eq!(detail["answers"]["resp_age"], 34);
    assert_eq!(
        detail["next_states"],
        json!(["approved", "has_issues", "rejected"])
    );

    let (status, approved) = decide(&server, &team.sup_1, &first, "approved", "").await;
    assert_eq!(status, StatusCode::OK, "{approved:#}");
    assert_eq!(
        (approved["state"].as_str(), approved["reviewer"].as_str()),
        (Some("approved"), Some("sup-1"))
    );
    assert_eq!(counted(&server, &team.admin).await, 2);

    let (status, rejected) = decide(
        &server,
        &team.sup_1,
        &second,
        "rejected",
        "the household says nobody came",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rejected:#}");
    assert_eq!(
        counted(&server, &team.admin).await,
        1,
        "rejected interviews never count"
    );

    // Approved only: a third interview counts once approved.
    let (status, _) = call(
        &server,
        Method::PUT,
        &format!("{SURVEY}/review-policy"),
        &team.admin,
        Some(json!({"approved_only": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let third = interviewed(&server, &team.enumerator).await;
    assert_eq!(counted(&server, &team.admin).await, 1);
    let (status, policy) = get(&server, &team.sup_1, &format!("{SURVEY}/review-policy")).await;
    assert_eq!(
        (status, policy),
        (StatusCode::OK, json!({"approved_only": true}))
    );
    assert_eq!(
        decide(&server, &team.sup_1, &third, "approved", "").await.0,
        StatusCode::OK
    );
    assert_eq!(counted(&server, &team.admin).await, 2);

    let (status, filtered) = get(
        &server,
        &team.admin,
        &format!("{SURVEY}/reviews?state=rejected&cluster={CLUSTER}&enumerator=enum-1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(filtered.as_array().map(Vec::len), Some(1));
    assert_eq!(filtered[0]["reason"], "the household says nobody came");

    let (_, audit) = get(
        &server,
        &team.admin,
        "/api/audit?action=submission_reviewed,review_policy_set,supervisor_set",
    )
    .await;
    let actions: Vec<&str> = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "submission_reviewed")
            .count(),
        3,
        "{audit:#}"
    );
    assert!(actions.contains(&"review_policy_set") && actions.contains(&"supervisor_set"));
}

#[tokio::test]
async fn wrong_transitions_unknown_ids_and_bad_reasons_are_refused() {
    let server = spawn().await;
    let team = team(&server).await;
    let id = interviewed(&server, &team.enumerator).await;
    assert_eq!(
        decide(
            &server,
            &team.sup_1,
            &id,
            "has_issues",
            "ages of the children?"
        )
        .await
        .0,
        StatusCode::OK
    );
    for (state, reason) in [("has_issues", "again"), ("received", "back")] {
        let (status, body) = decide(&server, &team.sup_1, &id, state, reason).await;
        assert_eq!(status, StatusCode::CONFLICT, "{state}: {body:#}");
        assert_error(&body, "conflict");
    }
    assert_eq!(
        decide(
            &server,
            &team.sup_1,
            &id,
            "rejected",
            "no answer to the callback"
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, body) = decide(&server, &team.admin, &id, "approved", "").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "conflict");

    let other = interviewed(&server, &team.enumerator).await;
    for (state, reason, path) in [
        ("rejected", "x".repeat(501), "reason"),
        ("approved", "fine\u{1b}[2J".to_owned(), "reason"),
        ("has_issues", "   ".to_owned(), "reason"),
        ("rejected", String::new(), "reason"),
    ] {
        let (status, body) = decide(&server, &team.sup_1, &other, state, &reason).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{state} {reason:?}: {body:#}"
        );
        assert_error(&body, "invalid");
        assert_eq!(body["error"]["fields"][0]["path"], path);
    }
    for (body, expected) in [
        (
            json!({"state": "done", "reason": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"state": "approved", "extra": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, answer) = call(
            &server,
            Method::POST,
            &format!("/api/submissions/{other}/review"),
            &team.sup_1,
            Some(body),
        )
        .await;
        assert!(
            status == expected || status == StatusCode::BAD_REQUEST,
            "{status}: {answer:#}"
        );
        assert!(answer["error"]["code"].is_string(), "{answer:#}");
    }
    for unknown in [
        "00000000-0000-4000-8000-000000000000",
        "not-an-id",
        "%E2%80%AE",
    ] {
        let (status, body) = decide(&server, &team.admin, unknown, "approved", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
        assert_error(&body, "not_found");
        let (status, _) = get(
            &server,
            &team.admin,
            &format!("/api/submissions/{unknown}/review"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, body) = get(&server, &team.admin, "/api/surveys/no-such-survey/reviews").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let (status, body) = get(
        &server,
        &team.admin,
        &format!("{SURVEY}/reviews?state=done&cluster=a%20b&limit=0&before=x"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths = field_paths(&body);
    assert_eq!(paths, ["state", "cluster", "before", "limit"]);
}

#[tokio::test]
async fn a_supervisor_sees_and_decides_for_their_own_teams_only() {
    let server = spawn().await;
    let team = team(&server).await;
    let id = interviewed(&server, &team.enumerator).await;
    let (status, list) = get(&server, &team.sup_2, &format!("{SURVEY}/reviews")).await;
    assert_eq!((status, list), (StatusCode::OK, json!([])));
    let (status, body) = get(
        &server,
        &team.sup_2,
        &format!("/api/submissions/{id}/review"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden");
    let (status, body) = decide(&server, &team.sup_2, &id, "rejected", "not mine").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden");
    let (status, _) = call(
        &server,
        Method::POST,
        &format!("/api/submissions/{id}/corrections"),
        &team.sup_2,
        Some(json!({"reason": "x", "revision": 0, "changes": [{"path": "resp_age", "value": 35}]})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Only admins set rules and teams; enumerators and analysts review nothing.
    let (status, _) = call(
        &server,
        Method::PUT,
        &format!("{SURVEY}/review-policy"),
        &team.sup_1,
        Some(json!({"approved_only": true})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &server,
        Method::PUT,
        "/api/users/enum-1/supervisor",
        &team.sup_1,
        Some(json!({"supervisor": "sup-1"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for token in [&team.enumerator, &team.analyst] {
        assert_eq!(
            get(&server, token, &format!("{SURVEY}/reviews")).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            decide(&server, token, &id, "approved", "").await.0,
            StatusCode::FORBIDDEN
        );
    }
    let (status, _) = send(server.client.get(server.url(&format!("{SURVEY}/reviews")))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Moving the enumerator to sup-2 moves the review.
    let (status, _) = call(
        &server,
        Method::PUT,
        "/api/users/enum-1/supervisor",
        &team.admin,
        Some(json!({"supervisor": "sup-2"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        decide(&server, &team.sup_2, &id, "approved", "").await.0,
        StatusCode::OK
    );
    assert_eq!(
        decide(&server, &team.sup_1, &id, "rejected", "late")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Teams are made of active enumerators and supervisors.
    for (name, supervisor, expected) in [
        ("nobody", json!("sup-1"), StatusCode::NOT_FOUND),
        ("sup-1", json!("sup-2"), StatusCode::NOT_FOUND),
        (
            "enum-1",
            json!("analyst-1"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "enum-1",
            json!("bad name\u{0}"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, body) = call(
            &server,
            Method::PUT,
            &format!("/api/users/{name}/supervisor"),
            &team.admin,
            Some(json!({"supervisor": supervisor})),
        )
        .await;
        assert_eq!(status, expected, "{name} {supervisor}: {body:#}");
        assert!(body["error"]["code"].is_string());
    }
}

#[tokio::test]
async fn a_correction_is_validated_again_and_kept_beside_the_original() {
    let server = spawn().await;
    let team = team(&server).await;
    let id = interviewed(&server, &team.enumerator).await;
    let path = format!("/api/submissions/{id}/corrections");
    let correction = |revision: u32, changes: Value, reason: &str| json!({"reason": reason, "revision": revision, "changes": changes});

    // Broken by the survey's rules: every field error, nothing stored.
    let (status, body) = call(
        &server,
        Method::POST,
        &path,
        &team.sup_1,
        Some(correction(
            0,
            json!([{"path": "resp_age", "value": "forty"}]),
            "typo",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_eq!(body["error"]["fields"][0]["path"], "resp_age");
    for (changes, reason, field) in [
        (
            json!([{"path": "household[40].age", "value": 3}]),
            "typo",
            "changes[0].path",
        ),
        (
            json!([{"path": "resp age", "value": 3}]),
            "typo",
            "changes[0].path",
        ),
        (json!([]), "typo", "changes"),
        (
            json!([{"path": "resp_age", "value": 34}]),
            "typo",
            "changes",
        ),
        (json!([{"path": "resp_age", "value": 35}]), "", "reason"),
        (
            json!([{"path": "resp_age", "value": 35}]),
            "a\u{7}b",
            "reason",
        ),
    ] {
        let (status, body) = call(
            &server,
            Method::POST,
            &path,
            &team.sup_1,
            Some(correction(0, changes.clone(), reason)),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{changes}: {body:#}"
        );
        assert_eq!(body["error"]["fields"][0]["path"], field, "{body:#}");
    }

    let (status, detail) = call(&server, Method::POST, &path, &team.sup_1, Some(correction(0, json!([{"path": "resp_age", "value": 43}, {"path": "household[0].mem_age", "value": 43}]), "the card says 43"))).await;
    assert_eq!(status, StatusCode::CREATED, "{detail:#}");
    assert_eq!(detail["revision"], 1);
    assert_eq!(detail["answers"]["resp_age"], 43);
    assert_eq!(
        detail["revisions"][0]["changes"][0],
        json!({"path": "resp_age", "old": 34, "new": 43})
    );
    assert_eq!(detail["history"][0]["event"], "corrected");
    // Made from revision 0 again: someone corrected it meanwhile.
    let (status, body) = call(
        &server,
        Method::POST,
        &path,
        &team.sup_1,
        Some(correction(
            0,
            json!([{"path": "resp_age", "value": 44}]),
            "again",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "conflict");
    let (_, audit) = get(
        &server,
        &team.admin,
        "/api/audit?action=submission_corrected",
    )
    .await;
    let detail_text = audit[0]["detail"].as_str().expect("detail");
    assert!(
        detail_text.contains("resp_age: 34 -> 43") && detail_text.contains("the card says 43"),
        "{detail_text}"
    );
    assert_eq!(audit[0]["actor"], "sup-1");
    // The microdata reads the corrected revision: four interviews aged 43
    // beside it make k rows alike, whose ages show as one band only if the
    // correction is read (34 would stand out and be withheld).
    for _ in 0..4 {
        let mut alike = interview();
        alike["answers"]["resp_age"] = json!(43);
        let (status, receipt) = call(
            &server,
            Method::POST,
            &format!("{SURVEY}/submissions"),
            &team.enumerator,
            Some(alike),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{receipt:#}");
    }
    let (header, rows) = server
        .download_csv(&team.admin, &format!("{SURVEY}/microdata.csv"))
        .await;
    let age = header
        .iter()
        .position(|h| h == "resp_age")
        .expect("resp_age column");
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|row| &row[age] == "35-44"), "{rows:?}");
    // A rejected interview is not corrected.
    assert_eq!(
        decide(
            &server,
            &team.sup_1,
            &id,
            "rejected",
            "duplicate of another"
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, _) = call(
        &server,
        Method::POST,
        &path,
        &team.sup_1,
        Some(correction(
            1,
            json!([{"path": "resp_age", "value": 44}]),
            "x",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_interview_sent_back_reaches_its_enumerator_and_comes_back_as_a_revision() {
    let server = spawn().await;
    let team = team(&server).await;
    let id = interviewed(&server, &team.enumerator).await;
    let (status, none) = get(&server, &team.enumerator, "/api/returned").await;
    assert_eq!((status, none), (StatusCode::OK, json!([])));
    let note = "the youngest child's age: 4 or 14?";
    assert_eq!(
        decide(&server, &team.sup_1, &id, "has_issues", note)
            .await
            .0,
        StatusCode::OK
    );

    let (status, returned) = get(&server, &team.enumerator, "/api/returned").await;
    assert_eq!(status, StatusCode::OK, "{returned:#}");
    assert_eq!(returned.as_array().map(Vec::len), Some(1));
    assert_eq!(
        (
            &returned[0]["submission_id"],
            &returned[0]["reason"],
            &returned[0]["reviewer"]
        ),
        (&json!(id), &json!(note), &json!("sup-1"))
    );
    assert_eq!(
        returned[0]["submission"]["answers"]["household"][4]["mem_age"],
        4
    );
    // Only their own: another enumerator and the supervisors have none to fetch.
    let (_, other) = server.user("enum-2", Role::Enumerator).await;
    assert_eq!(get(&server, &other, "/api/returned").await.1, json!([]));
    assert_eq!(
        get(&server, &team.sup_1, "/api/returned").await.0,
        StatusCode::FORBIDDEN
    );

    // The device corrects and resends under a new id naming the original.
    let mut corrected = interview();
    corrected["answers"]["household"][4]["mem_age"] = json!(14);
    let path = format!("/api/submissions/{id}/resend");
    let (status, body) = call(
        &server,
        Method::POST,
        &path,
        &other,
        Some(corrected.clone()),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "not their interview: {body:#}"
    );
    let mut same_id = corrected.clone();
    same_id["submission_id"] = json!(id);
    same_id["cluster_id"] = json!("elsewhere-1");
    let (status, body) = call(
        &server,
        Method::POST,
        &path,
        &team.enumerator,
        Some(same_id),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    let paths = field_paths(&body);
    assert_eq!(paths, ["cluster_id", "submission_id"]);
    let mut broken = corrected.clone();
    broken["answers"]["resp_age"] = json!("old");
    let (status, body) = call(&server, Method::POST, &path, &team.enumerator, Some(broken)).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validated by the shared rules: {body:#}"
    );
    assert_eq!(body["error"]["fields"][0]["path"], "resp_age");

    let (status, item) = call(
        &server,
        Method::POST,
        &path,
        &team.enumerator,
        Some(corrected.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{item:#}");
    assert_eq!(
        (item["state"].as_str(), item["revision"].as_u64()),
        (Some("received"), Some(1))
    );
    // A resend after a lost answer is acknowledged, not stored twice.
    let (status, again) = call(
        &server,
        Method::POST,
        &path,
        &team.enumerator,
        Some(corrected),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again:#}");
    assert_eq!(again["revision"], 1);
    assert_eq!(
        get(&server, &team.enumerator, "/api/returned").await.1,
        json!([])
    );

    // The supervisor sees the history and the change, then approves.
    let (_, detail) = get(
        &server,
        &team.sup_1,
        &format!("/api/submissions/{id}/review"),
    )
    .await;
    let events: Vec<&str> = detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(events, ["has_issues", "resent"]);
    assert_eq!(detail["revisions"][0]["author"], "enum-1");
    assert_eq!(detail["revisions"][0]["changes"][0]["path"], "household");
    assert_eq!(detail["answers"]["household"][4]["mem_age"], 14);
    assert_eq!(
        decide(&server, &team.sup_1, &id, "approved", "").await.0,
        StatusCode::OK
    );
    let (status, body) = call(
        &server,
        Method::POST,
        &path,
        &team.enumerator,
        Some(interview()),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "approved: nothing to resend: {body:#}"
    );
    assert_error(&body, "conflict");
    let (status, _) = call(
        &server,
        Method::POST,
        "/api/submissions/00000000-0000-4000-8000-000000000000/resend",
        &team.enumerator,
        Some(interview()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_filtered_set_is_approved_at_once_or_refused_whole() {
    let server = spawn().await;
    let team = team(&server).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(interviewed(&server, &team.enumerator).await);
    }
    assert_eq!(
        decide(&server, &team.sup_1, &ids[2], "rejected", "never made")
            .await
            .0,
        StatusCode::OK
    );
    let path = format!("{SURVEY}/reviews/approve");
    // Another team's supervisor, an unknown id, an empty or huge set: nothing changes.
    let (status, _) = call(
        &server,
        Method::POST,
        &path,
        &team.sup_2,
        Some(json!({"submission_ids": [ids[0]]})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = call(
        &server,
        Method::POST,
        &path,
        &team.sup_1,
        Some(json!({"submission_ids": [ids[0], "00000000-0000-4000-8000-000000000000"]})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    for set in [json!([]), json!(vec![ids[0].clone(); 501])] {
        let (status, body) = call(
            &server,
            Method::POST,
            &path,
            &team.sup_1,
            Some(json!({"submission_ids": set})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["fields"][0]["path"], "submission_ids");
    }
    let (_, received) = get(
        &server,
        &team.sup_1,
        &format!("{SURVEY}/reviews?state=received"),
    )
    .await;
    assert_eq!(received.as_array().map(Vec::len), Some(3 - 1));

    let (status, done) = call(
        &server,
        Method::POST,
        &path,
        &team.sup_1,
        Some(json!({"submission_ids": ids})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done:#}");
    let mut approved: Vec<&str> = done["approved"]
        .as_array()
        .expect("approved")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    approved.sort_unstable();
    let mut expected = vec![ids[0].as_str(), ids[1].as_str()];
    expected.sort_unstable();
    assert_eq!(approved, expected);
    assert_eq!(
        done["unchanged"],
        json!([{"submission_id": ids[2], "state": "rejected"}])
    );
    assert_eq!(counted(&server, &team.admin).await, 2);
    let (_, received) = get(
        &server,
        &team.sup_1,
        &format!("{SURVEY}/reviews?state=received"),
    )
    .await;
    assert_eq!(received, json!([]));
}

#[tokio::test]
async fn rules_flag_interviews_in_a_csv_for_the_supervisors_rounds() {
    let server = spawn().await;
    let team = team(&server).await;
    let id = interviewed(&server, &team.enumerator).await;
    // The sample lasts 26 min 40 s and says "dk" to one trust question of three.
    let path =
        format!("{SURVEY}/flags.csv?min_minutes=30&battery=tru_1,tru_2,tru_3&dont_know_share=0.3");
    let (header, rows) = server.download_csv(&team.sup_1, &path).await;
    assert_eq!(
        header,
        [
            "submission_id",
            "completed_on",
            "cluster",
            "enumerator",
            "state",
            "minutes",
            "dont_know_share",
            "flags"
        ]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (&rows[0][0], &rows[0][5], &rows[0][6], &rows[0][7]),
        (id.as_str(), "26.7", "0.33", "short;dont_know")
    );
    let (_, rows) = server
        .download_csv(
            &team.sup_1,
            &format!("{SURVEY}/flags.csv?min_minutes=20&battery=tru_1,tru_2,tru_3"),
        )
        .await;
    assert!(
        rows.is_empty(),
        "long enough, and a third is not more than half"
    );
    // Another team's supervisor sees no row; hostile parameters are named.
    let (_, rows) = server.download_csv(&team.sup_2, &path).await;
    assert!(rows.is_empty());
    let (status, body) = get(
        &server,
        &team.sup_1,
        &format!("{SURVEY}/flags.csv?min_minutes=x&battery=a%20b&state=done"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths = field_paths(&body);
    assert_eq!(paths, ["state", "min_minutes", "battery"]);
    assert_eq!(
        get(&server, &team.analyst, &path).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn saved_flag_rules_apply_when_a_request_names_none() {
    let server = spawn().await;
    let team = team(&server).await;
    let id = interviewed(&server, &team.enumerator).await;
    let rules = format!("{SURVEY}/flag-rules");
    // Nothing saved: the defaults, which flag nothing.
    let (status, saved) = get(&server, &team.sup_1, &rules).await;
    assert_eq!(status, StatusCode::OK, "{saved:#}");
    assert_eq!(saved, json!({"battery": [], "dont_know_share": 0.5}));
    let (_, rows) = server
        .download_csv(&team.sup_1, &format!("{SURVEY}/flags.csv"))
        .await;
    assert!(rows.is_empty());

    let wanted =
        json!({"min_minutes": 30, "battery": ["tru_1", "tru_2", "tru_3"], "dont_know_share": 0.3});
    // Only admins save rules.
    let (status, _) = call(
        &server,
        Method::PUT,
        &rules,
        &team.sup_1,
        Some(wanted.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = call(
        &server,
        Method::PUT,
        &rules,
        &team.admin,
        Some(wanted.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(get(&server, &team.sup_1, &rules).await.1, wanted);
    let (_, rows) = server
        .download_csv(&team.sup_1, &format!("{SURVEY}/flags.csv"))
        .await;
    assert_eq!(rows.len(), 1, "the saved rules flag the short interview");
    assert_eq!((&rows[0][0], &rows[0][7]), (id.as_str(), "short;dont_know"));
    // A request's own rules still win.
    let (_, rows) = server
        .download_csv(&team.sup_1, &format!("{SURVEY}/flags.csv?min_minutes=20"))
        .await;
    assert!(rows.is_empty());

    // Hostile rules are named at their field and change nothing.
    for (body, path) in [
        (json!({"min_minutes": 5000}), "min_minutes"),
        (json!({"dont_know_share": 1.5}), "dont_know_share"),
        (
            json!({"battery": ["tru_1", "no_such_question"]}),
            "battery[1]",
        ),
        (json!({"battery": ["a b"]}), "battery"),
        (json!({"battery": vec!["tru_1"; 51]}), "battery"),
    ] {
        let (status, answer) = call(&server, Method::PUT, &rules, &team.admin, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:#}");
        assert_eq!(field_paths(&answer), [path], "{answer:#}");
    }
    let (status, _) = call(
        &server,
        Method::PUT,
        &rules,
        &team.admin,
        Some(json!({"min_minutes": 30, "surprise": true})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(get(&server, &team.sup_1, &rules).await.1, wanted);
    assert_eq!(
        get(&server, &team.analyst, &rules).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&server, &team.admin, "/api/surveys/nowhere/flag-rules")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, audit) = get(&server, &team.admin, "/api/audit?action=flag_rules_set").await;
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit:#}");
}

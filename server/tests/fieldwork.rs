//! Enumerators' devices and assignments over a real server: a device signs
//! in once and keeps a revocable token; admins give clusters (with strata)
//! to enumerators; strata reach the survey design.

mod common;

use common::{assert_error, call, interview, send, spawn};
use reqwest::StatusCode;
use salama_server::auth::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn a_device_signs_in_once_and_its_token_is_revocable() {
    let server = spawn().await;
    let (password, _) = server.user("enum-1", Role::Enumerator).await;
    let register = |password: String| {
        server
            .client
            .post(server.url("/api/devices"))
            .json(&json!({"name": "enum-1", "password": password, "label": "team 3 phone"}))
    };
    let (status, body) = send(register("wrong".into())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    let (status, device) = send(register(password.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{device:#}");
    assert_eq!(
        (device["name"].as_str(), device["role"].as_str()),
        (Some("enum-1"), Some("enumerator"))
    );
    let token = device["token"].as_str().expect("token").to_owned();
    let (status, me) = call(&server, reqwest::Method::GET, "/api/me", &token, None).await;
    assert_eq!(
        (status, me["name"].as_str()),
        (StatusCode::OK, Some("enum-1"))
    );

    // A second device gets its own token; logging one out leaves the other.
    let (_, second) = send(register(password)).await;
    let second = second["token"].as_str().expect("token").to_owned();
    let (status, _) = call(&server, reqwest::Method::POST, "/api/logout", &token, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&server, reqwest::Method::GET, "/api/me", &token, None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&server, reqwest::Method::GET, "/api/me", &second, None)
            .await
            .0,
        StatusCode::OK
    );
    // Revoking the person ends every device.
    salama_server::auth::revoke_user(&server.store, "enum-1", "test")
        .await
        .expect("revoke");
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(
        call(&server, reqwest::Method::GET, "/api/me", &second, None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    let audit = server.store.recent_audit(20).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "device_registered" && e.detail.starts_with("team 3 phone"))
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "login_failed" && e.actor == "enum-1")
    );
}

#[tokio::test]
async fn admins_assign_clusters_and_strata_reach_the_design() {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let (_, enumerator) = server.user("enum-1", Role::Enumerator).await;
    let (_, other) = server.user("enum-2", Role::Enumerator).await;
    let path = "/api/surveys/community-safety/assignments";

    let (status, body) = call(
        &server,
        reqwest::Method::PUT,
        path,
        &admin,
        Some(json!([
            {"enumerator": "ghost", "cluster_id": "ea-1"},
            {"enumerator": "analyst-1", "cluster_id": "ea-1"},
            {"enumerator": "enum-1", "cluster_id": "ea 1"},
            {"enumerator": "enum-1", "cluster_id": "ea-1", "area": "atlantis"},
            {"enumerator": "enum-1", "cluster_id": "ea-2", "stratum": "bad stratum"},
        ])),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        paths,
        [
            "[0].enumerator",
            "[1].enumerator",
            "[2].cluster_id",
            "[3].area",
            "[4].stratum"
        ]
    );
    assert!(
        server
            .store
            .assignments_for("community-safety")
            .await
            .expect("read")
            .is_empty(),
        "nothing stored"
    );

    let (status, stored) = call(&server, reqwest::Method::PUT, path, &admin, Some(json!([
        {"enumerator": "enum-1", "cluster_id": "central-capital-ea-042", "stratum": "capital-urban", "area": "central-capital"},
        {"enumerator": "enum-1", "cluster_id": "ea-7", "stratum": "hills-rural", "area": "north-hills"},
        {"enumerator": "enum-2", "cluster_id": "ea-8", "stratum": "hills-rural"},
    ]))).await;
    assert_eq!(status, StatusCode::OK, "{stored:#}");
    assert_eq!(stored.as_array().map(Vec::len), Some(3));
    let (status, again) = call(
        &server,
        reqwest::Method::PUT,
        path,
        &admin,
        Some(json!([
            {"enumerator": "enum-1", "cluster_id": "ea-1", "cluster_id2": "x"},
        ])),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused: {again:#}"
    );

    // Each enumerator's device sees its own, with the version to fetch.
    let (status, mine) = call(
        &server,
        reqwest::Method::GET,
        "/api/assignments",
        &enumerator,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mine,
        json!([
            {"survey_id": "community-safety", "cluster_id": "central-capital-ea-042", "enumerator": "enum-1", "stratum": "capital-urban", "area": "central-capital", "survey_version": salama_shared::default_survey::COMMUNITY_SAFETY_VERSION},
            {"survey_id": "community-safety", "cluster_id": "ea-7", "enumerator": "enum-1", "stratum": "hills-rural", "area": "north-hills", "survey_version": salama_shared::default_survey::COMMUNITY_SAFETY_VERSION},
        ])
    );
    let (_, theirs) = call(
        &server,
        reqwest::Method::GET,
        "/api/assignments",
        &other,
        None,
    )
    .await;
    assert_eq!(theirs.as_array().map(Vec::len), Some(1));
    let (status, all) = call(&server, reqwest::Method::GET, path, &analyst, None).await;
    assert_eq!(
        (status, all.as_array().map(Vec::len)),
        (StatusCode::OK, Some(3))
    );

    // Interviews in two assigned clusters: the design now has their strata.
    for cluster in [
        "central-capital-ea-042",
        "ea-7",
        "central-capital-ea-042",
        "ea-7",
    ] {
        let mut submission = interview();
        submission["cluster_id"] = json!(cluster);
        let request = server
            .client
            .post(server.url("/api/surveys/community-safety/submissions"))
            .bearer_auth(&enumerator)
            .json(&submission);
        assert_eq!(send(request).await.0, StatusCode::CREATED);
    }
    let (_, table) = call(
        &server,
        reqwest::Method::GET,
        "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4",
        &analyst,
        None,
    )
    .await;
    let design = table["populations"][0]["design"].as_str().expect("design");
    assert!(design.contains("2 stratum/strata and 2 PSUs"), "{design}");
}

#[tokio::test]
async fn interviews_must_come_from_an_assigned_cluster_and_resends_keep_their_receipt() {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, enumerator) = server.user("enum-1", Role::Enumerator).await;
    let submit = |submission: Value| {
        let request = server
            .client
            .post(server.url("/api/surveys/community-safety/submissions"))
            .bearer_auth(&enumerator)
            .json(&submission);
        send(request)
    };
    // Without assignments, any cluster is accepted (surveys run without them).
    let mut free = interview();
    free["cluster_id"] = json!("ea-1");
    assert_eq!(submit(free).await.0, StatusCode::CREATED);

    let path = "/api/surveys/community-safety/assignments";
    let (status, _) = call(
        &server,
        reqwest::Method::PUT,
        path,
        &admin,
        Some(json!([{"enumerator": "enum-1", "cluster_id": "ea-7"}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut elsewhere = interview();
    elsewhere["cluster_id"] = json!("ea-8");
    elsewhere["language"] = json!("fr");
    let (status, body) = submit(elsewhere.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_error(&body, "invalid");
    assert_eq!(body["error"]["fields"][0]["path"], "cluster_id");
    assert_eq!(body["error"]["fields"][0]["code"], "cluster_not_assigned");
    assert!(
        body["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("grappe")),
        "in the interview's language: {body:#}"
    );
    let before = server
        .store
        .submission_count("community-safety")
        .await
        .expect("count");

    let mut assigned = interview();
    assigned["cluster_id"] = json!("ea-7");
    let (status, receipt) = submit(assigned.clone()).await;
    assert_eq!(status, StatusCode::CREATED);

    // The cluster is taken back; the stored interview's resend still gets its receipt,
    // a new one from that cluster is refused.
    let withdraw = "/api/surveys/community-safety/assignments/enum-1/ea-7";
    let (status, _) = call(&server, reqwest::Method::DELETE, withdraw, &admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&server, reqwest::Method::DELETE, withdraw, &admin, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "already withdrawn");
    let (status, again) = submit(assigned).await;
    assert_eq!((status, again), (StatusCode::OK, receipt));
    let (_, mine) = call(
        &server,
        reqwest::Method::GET,
        "/api/assignments",
        &enumerator,
        None,
    )
    .await;
    assert_eq!(mine, json!([]));
    // No assignments left: the survey runs without them again.
    assert_eq!(submit(elsewhere).await.0, StatusCode::CREATED);
    assert_eq!(
        server
            .store
            .submission_count("community-safety")
            .await
            .expect("count"),
        before + 2
    );
}

//! The HTTP API over real HTTP: a server bound to 127.0.0.1 on a free port,
//! on its own SQLite database.

mod common;

use common::{BODY_LIMIT, assert_error, online, spawn};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn health_and_the_default_questionnaire() {
    let server = spawn().await;
    let (status, body) = server.get("/healthz").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, body) = server.get("/api/surveys").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["id"], "community-safety");
    assert_eq!(body[0]["languages"], json!(["en", "fr", "ar"]));
    let (status, latest) = server.get("/api/surveys/community-safety").await;
    assert_eq!(status, StatusCode::OK);
    let shipped = format!(
        "/api/surveys/community-safety/versions/{}",
        salama_shared::default_survey::COMMUNITY_SAFETY_VERSION
    );
    let (_, first) = server.get(&shipped).await;
    assert_eq!(latest, first);
    assert_eq!(latest["indicators"].as_array().map(Vec::len), Some(8));
    // The browser bundles carry English words only: the others come along.
    use salama_shared::words::{FormWord, Key};
    assert_eq!(
        latest["interface_words"]["ar"]["form.submit"],
        FormWord::Submit.built_in("ar").expect("Arabic is built in")
    );
    assert_eq!(
        latest["interface_words"]["fr"]["message.required"],
        salama_shared::words::built_in_message(salama_shared::FieldErrorCode::Required, "fr")
            .expect("French is built in")
    );
    assert!(latest["interface_words"].get("en").is_none());
    for missing in [
        "/api/surveys/nope",
        "/api/surveys/community-safety/versions/9",
        "/api/surveys/community-safety/versions/x",
        "/nowhere",
    ] {
        let (status, body) = server.get(missing).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert_error(&body, "not_found");
    }
}

#[tokio::test]
async fn a_submission_is_acknowledged_once_and_resends_get_the_same_receipt() {
    let server = spawn().await;
    let submission = online();
    let (status, receipt) = server.submit(&submission).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt:#}");
    assert_eq!(receipt["submission_id"], submission["submission_id"]);
    assert_eq!(
        receipt["survey_version"],
        salama_shared::default_survey::COMMUNITY_SAFETY_VERSION
    );
    // The same submission again, as a retry would send it: same receipt.
    let (status, again) = server.submit(&submission).await;
    assert_eq!((status, &again), (StatusCode::OK, &receipt));
    // Same content, other formatting and key order: still the same submission.
    let pretty = serde_json::to_vec_pretty(&submission).expect("serialises");
    let (status, again) = server
        .post_raw(
            "/api/surveys/community-safety/submissions",
            "application/json; charset=utf-8",
            pretty,
        )
        .await;
    assert_eq!((status, &again), (StatusCode::OK, &receipt));
    // Other content under the same id: refused, never an overwrite.
    let mut changed = submission.clone();
    changed["answers"]["saf_1"] = json!("unsafe");
    changed["answers"]["saf_1c"] = json!(["crime"]);
    let (status, body) = server.submit(&changed).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "conflict");
    let id = submission["submission_id"].as_str().expect("id");
    let (status, stored) = server.get(&format!("/api/submissions/{id}/receipt")).await;
    assert_eq!((status, stored), (StatusCode::OK, receipt));
}

#[tokio::test]
async fn every_rule_broken_is_reported_with_its_path() {
    let server = spawn().await;
    let mut submission = online();
    submission["answers"]["saf_2"] = json!("quite_safe");
    submission["answers"]["household"][0]["mem_age"] = json!(130);
    submission["answers"]["saf_1b"] = json!("safe");
    let (status, body) = server.submit(&submission).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&body, "invalid");
    let mut paths: Vec<(&str, &str)> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or(""),
                f["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            ("household[0].mem_age", "above_maximum"),
            ("saf_1b", "not_relevant"),
            ("saf_2", "not_in_list"),
        ]
    );
    // Messages come in the submission's language (French here).
    let messages: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages.contains(&"Ce choix ne fait pas partie des options."),
        "{messages:?}"
    );
}

#[tokio::test]
async fn an_age_typed_in_arabic_indic_digits_is_accepted_and_stored_as_a_number() {
    let server = spawn().await;
    let submission = online();
    let mut typed = submission.clone();
    typed["language"] = json!("ar");
    typed["answers"]["resp_age"] = json!("٤٠");
    typed["answers"]["household"][0]["mem_age"] = json!("۴۰");
    let (status, receipt) = server.submit(&typed).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt:#}");
    // Stored as the number it is: the same answer in ASCII digits is the
    // same submission, acknowledged again rather than a conflict.
    let mut plain = submission.clone();
    plain["language"] = json!("ar");
    plain["answers"]["household"][0]["mem_age"] = json!(40);
    let (status, again) = server.submit(&plain).await;
    assert_eq!((status, &again), (StatusCode::OK, &receipt));

    // Digits that are no whole number, or out of range, are refused with
    // what is expected, in the submission's language.
    for (age, code, message) in [
        ("٤٫٥", "not_whole_number", "أدخل عددًا صحيحًا، مثل 34."),
        ("٤٠ سنة", "not_whole_number", "أدخل عددًا صحيحًا، مثل 34."),
        ("١٣٠", "above_maximum", "أدخل عددًا لا يزيد على 120."),
        ("٤\u{0000}", "not_whole_number", "أدخل عددًا صحيحًا، مثل 34."),
    ] {
        let mut wrong = online();
        wrong["language"] = json!("ar");
        wrong["answers"]["resp_age"] = json!(age);
        let (status, body) = server.submit(&wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{age}: {body:#}");
        let fields = body["error"]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let field = fields
            .iter()
            .find(|field| field["path"] == "resp_age")
            .unwrap_or_else(|| panic!("{age}: {body:#}"));
        assert_eq!(
            (&field["code"], &field["message"]),
            (&json!(code), &json!(message)),
            "{age}"
        );
    }
}

#[tokio::test]
async fn bad_requests_get_clear_errors_and_never_a_500() {
    let server = spawn().await;
    let path = "/api/surveys/community-safety/submissions";
    let (status, body) = server
        .post_raw(path, "application/json", b"{\"submission_id\": ".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request");
    let (status, body) = server
        .post_raw(
            path,
            "text/plain",
            serde_json::to_vec(&online()).expect("json"),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_error(&body, "unsupported_media_type");
    let (status, body) = server
        .post_raw(path, "application/json", vec![b' '; BODY_LIMIT + 1])
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&body, "too_large");
    // JSON of the wrong shape: 422 with the field's path.
    let mut wrong = online();
    wrong["survey_version"] = json!("one");
    let (status, body) = server.submit(&wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["path"], "survey_version");
    let mut wrong = online();
    wrong["started_at"] = json!("yesterday");
    let (status, body) = server.submit(&wrong).await;
    assert_eq!(
        (status, &body["error"]["fields"][0]["path"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("started_at"))
    );
    // The path and the body disagree on the survey.
    let (status, body) = server
        .post_raw(
            "/api/surveys/other/submissions",
            "application/json",
            serde_json::to_vec(&online()).expect("json"),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["fields"][0]["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("survey_mismatch"))
    );
    // An unknown version.
    let mut unknown = online();
    unknown["survey_version"] = json!(7);
    let (status, body) = server.submit(&unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    // An interview needs an enumerator's credentials.
    let mut interview = online();
    interview["channel"] = json!("enumerator");
    let (status, body) = server.submit(&interview).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    // Method not allowed.
    let response = server
        .client
        .delete(format!("{}/api/surveys", server.base))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Receipts for ids that are not submissions.
    for id in ["not-a-uuid", "00000000-0000-4000-8000-000000000000"] {
        let (status, body) = server.get(&format!("/api/submissions/{id}/receipt")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
        assert_error(&body, "not_found");
    }
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let server = spawn().await;
    let response = server
        .client
        .get(format!("{}/api/surveys", server.base))
        .send()
        .await
        .expect("request");
    let headers = response.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .is_ok_and(|csp| csp.contains("'wasm-unsafe-eval'"))
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn the_openapi_description_matches_the_routes() {
    let server = spawn().await;
    let (status, doc) = server.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{doc:#}"
    );
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 11, "{:?}", paths.keys());
    for (path, operations) in paths {
        let concrete = path
            .replace("{survey_id}", "community-safety")
            .replace(
                "{version}",
                &salama_shared::default_survey::COMMUNITY_SAFETY_VERSION.to_string(),
            )
            .replace("{submission_id}", "00000000-0000-4000-8000-000000000000");
        for method in operations.as_object().expect("operations").keys() {
            let method =
                reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = server
                .client
                .request(method.clone(), server.url(&concrete))
                .send()
                .await
                .expect("request");
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_ne!(
                body["error"]["message"], "no such resource",
                "{method} {path} is documented but not routed"
            );
        }
    }
}

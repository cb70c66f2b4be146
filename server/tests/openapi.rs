//! The API document describes every body: a script author learns the
//! envelope and every answer's shape from `/api/openapi.json`, not from Rust.

mod common;

use reqwest::StatusCode;
use serde_json::Value;

/// Statuses that answer with no body.
const EMPTY: [&str; 1] = ["204"];

#[tokio::test]
async fn every_operation_documents_its_bodies() {
    let server = common::spawn().await;
    let (status, document) = server.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&document, common::contract::document());
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    for name in [
        "Submission",
        "Survey",
        "QuestionKind",
        "Expression",
        "Timestamp",
        "ErrorBody",
        "Receipt",
        "AggregateTable",
        "Fieldwork",
        "AssignmentInput",
        "DesignStored",
        "Checkup",
    ] {
        assert!(schemas.contains_key(name), "no schema for {name}");
    }
    let mut missing = Vec::new();
    let paths = document["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            // Described: a schema for each content type, whose references
            // all name components the document has.
            let described = |content: &Value| {
                content.as_object().is_some_and(|types| {
                    !types.is_empty()
                        && types.values().all(|t| {
                            t["schema"].is_object()
                                && common::contract::compile(&t["schema"]).is_ok()
                        })
                })
            };
            if ["post", "put"].contains(&method.as_str())
                // Actions named by their path alone take no body.
                && ![
                    "/api/logout",
                    "/api/users/{name}/revoke",
                    "/api/devices/{device_id}/revoke",
                    "/api/surveys/{survey_id}/releases/{release_id}/withdraw",
                ]
                .contains(&path.as_str())
                && !described(&operation["requestBody"]["content"])
            {
                missing.push(format!("{method} {path}: request body"));
            }
            for (status, response) in operation["responses"].as_object().expect("responses") {
                if !EMPTY.contains(&status.as_str()) && !described(&response["content"]) {
                    missing.push(format!("{method} {path} {status}: response body"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undescribed bodies:\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_response_off_its_schema_is_caught() {
    let bad = serde_json::json!({"error": {"code": "not_found"}});
    let caught = std::panic::catch_unwind(|| {
        common::contract::check(
            &reqwest::Method::GET,
            "/api/surveys/x",
            StatusCode::NOT_FOUND,
            "application/json",
            &bad,
        )
    });
    let nowhere = serde_json::json!({"$ref": "#/components/schemas/Nowhere"});
    assert!(
        common::contract::compile(&nowhere).is_err(),
        "a reference to no component is caught"
    );
    let message = caught.expect_err("a body without its message is refused");
    let message = message.downcast_ref::<String>().expect("a message");
    assert!(message.contains("/api/surveys/{survey_id}"), "{message}");
    assert!(message.contains("message"), "{message}");
}

/// What clients send is described as the server reads it: the sample
/// envelopes, an assignment, the default survey and every question kind
/// as serde writes it match their schemas.
#[test]
fn request_bodies_match_their_schemas() {
    let cases = [
        ("Submission", common::online()),
        ("Submission", common::interview()),
        (
            "Survey",
            serde_json::from_str(salama_shared::default_survey::COMMUNITY_SAFETY_JSON)
                .expect("default survey"),
        ),
        (
            "AssignmentInput",
            serde_json::json!({"enumerator": "amina", "cluster_id": "c1", "stratum": "north"}),
        ),
    ];
    for (name, value) in cases {
        let problems = common::contract::problems_as(name, &value);
        assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    }
    for kind in salama_shared::sample::QUESTION_KINDS {
        let read: salama_shared::schema::QuestionKind = serde_json::from_str(kind).expect("a kind");
        let written = serde_json::to_value(&read).expect("serialises");
        let problems = common::contract::problems_as("QuestionKind", &written);
        assert!(problems.is_empty(), "{written}:\n{}", problems.join("\n"));
    }
    let off = serde_json::json!({"type": "single"});
    assert!(
        !common::contract::problems_as("QuestionKind", &off).is_empty(),
        "a single choice without its list is refused"
    );
}
